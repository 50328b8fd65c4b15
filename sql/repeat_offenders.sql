-- title: Repeat offenders
-- description: Persons accused in at least N FIRs, matched across spellings of their name and
-- description: formats of their phone: rows are the same person when their mobile numbers agree
-- description: after phone_normalize. A row without a valid number joins the person of the same
-- description: father and address, born within three years, whose name sounds alike (vowels,
-- description: aspiration and words such as Kumar or Singh folded; Md. for Mohammed) or agrees
-- description: on initials (O.P. Bhil, Om Prakash Bhil); rows without a number that are alike
-- description: are one person. A namesake with another father or address is another person.
-- description: With every FIR they appear in.
-- param: min_firs int = 2
-- param: district text = null
-- output: sort firs desc
WITH rows AS (
    -- born: the year of the FIR less the age written in it
    SELECT a.accused_id,
           a.fir_id,
           a.name,
           phone_normalize(a.phone) AS msisdn,
           district_canonical(a.district) AS district,
           CAST(extract(year FROM f.registered_at) AS INT) - a.age AS born,
           regexp_replace(
               trim(regexp_replace(lower(regexp_replace(a.name, '@.*$', '')), '[^a-z]+', ' ', 'g')),
               '^(md|mohd|mohammad|muhammad|mohammed) ', 'mohammed ') AS words,
           lower(regexp_replace(a.father_name, '[^A-Za-z]', '', 'g')) AS father_key,
           lower(regexp_replace(a.address, '[^A-Za-z0-9]', '', 'g')) AS address_key
    FROM cctns.accused a
    JOIN cctns.fir f ON f.fir_id = a.fir_id
),
-- sound: the name without the words people add or drop (Kumar, Singh, also joined as in
-- Ravikumar), with long and short vowels and aspiration folded (Raakesh / Rakesh, Chouhan /
-- Chauhan); first and last words for initials.
named AS (
    SELECT *,
           regexp_replace(regexp_replace(regexp_replace(regexp_replace(replace(
               regexp_replace(words, '(kumar|singh|kanwar|kaur|prasad|lal|devi|chand)\b', '', 'g'),
               ' ', '-'), 'a+', 'a', 'g'), '[ei]+', 'i', 'g'), '[ou]+', 'u', 'g'), 'h', '', 'g') AS sounds
    FROM rows
),
sounded AS (
    SELECT *,
           replace(sounds, '-', '') AS sound,
           split_part(words, ' ', 1) AS first_word,
           reverse(split_part(reverse(sounds), '-', 1)) AS last_sound
    FROM named
),
-- Pairs of a row without a valid number and another row of the same father and address, born
-- within three years, whose names sound alike (at most a third of the sounds apart) or give
-- the same initial for the first name and family names at most one sound apart.
candidates AS (
    SELECT n.accused_id, p.accused_id AS other_id, p.msisdn,
           levenshtein(n.sound, p.sound) AS distance,
           abs(n.born - p.born) AS years
    FROM sounded n
    JOIN sounded p
      ON p.father_key = n.father_key
     AND p.address_key = n.address_key
     AND p.accused_id <> n.accused_id
    WHERE n.msisdn IS NULL
      AND abs(n.born - p.born) <= 3
      AND (levenshtein(n.sound, p.sound) * 3 <= greatest(length(n.sound), length(p.sound))
           OR ((length(n.first_word) = 1 OR length(p.first_word) = 1)
               AND left(n.first_word, 1) = left(p.first_word, 1)
               AND levenshtein(n.last_sound, p.last_sound) <= 1))
),
-- For each row without a number: the closest person with one; else the first of the rows
-- without a number that it is alike.
matches AS (
    SELECT accused_id,
           first_value(msisdn ORDER BY distance, years, msisdn) FILTER (WHERE msisdn IS NOT NULL) AS msisdn,
           min(other_id) FILTER (WHERE msisdn IS NULL) AS first_id
    FROM candidates
    GROUP BY accused_id
),
keyed AS (
    SELECT n.*,
           coalesce(n.msisdn, m.msisdn, 'row ' || least(n.accused_id, m.first_id)) AS person_key
    FROM rows n
    LEFT JOIN matches m ON m.accused_id = n.accused_id
),
-- Rows of persons with enough of them to be named in min_firs FIRs, before the costlier
-- aggregation.
repeated AS (
    SELECT *
    FROM (SELECT *, count(*) OVER (PARTITION BY person_key) AS rows FROM keyed)
    WHERE rows >= $min_firs
),
people AS (
    SELECT person_key,
           count(DISTINCT fir_id) AS firs,
           array_agg(DISTINCT fir_id ORDER BY fir_id) AS fir_ids,
           array_agg(DISTINCT name ORDER BY name) AS names_as_written,
           array_agg(accused_id ORDER BY accused_id) AS accused_ids,
           max(msisdn) AS phone,
           max(district) AS district
    FROM repeated
    GROUP BY person_key
)
SELECT phone, names_as_written, firs, fir_ids, accused_ids, district
FROM people
WHERE firs >= $min_firs
  AND ($district IS NULL OR district = district_canonical($district))
ORDER BY firs DESC, phone, district
