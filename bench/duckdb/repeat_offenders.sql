-- Persons accused in at least two FIRs: rows of one mobile number (phone_e164, macros.sql) are
-- one person; a row without a valid number joins the person of the same father and address,
-- born within three years, whose name sounds alike (name_sound) or agrees on initials.
WITH rows AS (
    SELECT a.accused_id, a.fir_id, a.name, a.district,
           phone_e164(a.phone) AS msisdn,
           CAST(year(f.registered_at) AS INTEGER) - a.age AS born,
           regexp_replace(name_words(a.name), '^(md|mohd|mohammad|muhammad|mohammed) ', 'mohammed ') AS words,
           lower(regexp_replace(a.father_name, '[^A-Za-z]', '', 'g')) AS father_key,
           lower(regexp_replace(a.address, '[^A-Za-z0-9]', '', 'g')) AS address_key
    FROM accused a JOIN fir f ON f.fir_id = a.fir_id
),
sounded AS (
    SELECT *,
           name_sound(words) AS sound,
           split_part(words, ' ', 1) AS first_word,
           name_sound(reverse(split_part(reverse(words), ' ', 1))) AS last_sound
    FROM rows
),
candidates AS (
    SELECT n.accused_id, p.accused_id AS other_id, p.msisdn,
           levenshtein(n.sound, p.sound) AS distance, abs(n.born - p.born) AS years
    FROM sounded n
    JOIN sounded p
      ON p.father_key = n.father_key AND p.address_key = n.address_key
     AND p.accused_id <> n.accused_id
    WHERE n.msisdn IS NULL
      AND abs(n.born - p.born) <= 3
      AND (levenshtein(n.sound, p.sound) * 3 <= greatest(length(n.sound), length(p.sound))
           OR ((length(n.first_word) = 1 OR length(p.first_word) = 1)
               AND left(n.first_word, 1) = left(p.first_word, 1)
               AND levenshtein(n.last_sound, p.last_sound) <= 1))
),
linked AS (
    SELECT accused_id, msisdn FROM candidates WHERE msisdn IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY accused_id ORDER BY distance, years, msisdn) = 1
),
unnumbered AS (
    SELECT c.accused_id, min(c.other_id) AS first_id
    FROM candidates c
    WHERE c.msisdn IS NULL
      AND c.accused_id NOT IN (SELECT accused_id FROM linked)
      AND c.other_id NOT IN (SELECT accused_id FROM linked)
    GROUP BY c.accused_id
),
keyed AS (
    SELECT s.*,
           coalesce(s.msisdn, l.msisdn, 'row ' || least(s.accused_id, u.first_id)) AS person_key
    FROM sounded s
    LEFT JOIN linked l ON l.accused_id = s.accused_id
    LEFT JOIN unnumbered u ON u.accused_id = s.accused_id
)
SELECT max(msisdn) AS phone,
       list(DISTINCT name ORDER BY name) AS names_as_written,
       count(DISTINCT fir_id) AS firs,
       list(DISTINCT fir_id ORDER BY fir_id) AS fir_ids,
       list(accused_id ORDER BY accused_id) AS accused_ids,
       max(district) AS district
FROM keyed
GROUP BY person_key
HAVING count(DISTINCT fir_id) >= $min_firs
ORDER BY firs DESC, phone
