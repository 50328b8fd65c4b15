-- title: Repeat offenders
-- description: Persons accused in at least N FIRs, matched across spellings of their name and
-- description: formats of their phone: rows are the same person when their mobile numbers agree
-- description: after phone_normalize, or, without a valid number, when name, father's name and
-- description: district agree after folding case and spaces. With every FIR they appear in.
-- param: min_firs int = 2
-- param: district text = null
-- output: sort firs desc
WITH rows AS (
    SELECT accused_id,
           fir_id,
           name,
           phone_normalize(phone) AS msisdn,
           district_canonical(district) AS district,
           lower(regexp_replace(regexp_replace(name, '@.*$', ''), '[^A-Za-z]', '', 'g')) AS name_key,
           lower(regexp_replace(father_name, '[^A-Za-z]', '', 'g')) AS father_key
    FROM cctns.accused
),
-- A row without a valid number belongs to the numbered person with the same father and
-- district and a name spelt within a third of its length.
linked AS (
    SELECT n.accused_id, min(p.msisdn) AS msisdn
    FROM rows n
    JOIN rows p
      ON n.msisdn IS NULL AND p.msisdn IS NOT NULL
     AND p.father_key = n.father_key
     AND p.district = n.district
     AND levenshtein(p.name_key, n.name_key) * 3 <= greatest(length(p.name_key), length(n.name_key))
    GROUP BY n.accused_id
),
keyed AS (
    SELECT r.*,
           coalesce(r.msisdn, l.msisdn, r.name_key || '|' || r.father_key || '|' || coalesce(r.district, '')) AS person_key
    FROM rows r
    LEFT JOIN linked l ON l.accused_id = r.accused_id
),
people AS (
    SELECT person_key,
           count(DISTINCT fir_id) AS firs,
           array_agg(DISTINCT fir_id ORDER BY fir_id) AS fir_ids,
           array_agg(DISTINCT name ORDER BY name) AS names_as_written,
           array_agg(DISTINCT accused_id ORDER BY accused_id) AS accused_ids,
           max(msisdn) AS phone,
           max(district) AS district
    FROM keyed
    GROUP BY person_key
)
SELECT phone, names_as_written, firs, fir_ids, accused_ids, district
FROM people
WHERE firs >= $min_firs
  AND ($district IS NULL OR district = district_canonical($district))
ORDER BY firs DESC, phone, district
