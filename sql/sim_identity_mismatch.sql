-- title: Accused persons' SIMs registered in someone else's name
-- description: Mobile numbers of accused persons whose subscriber record names a different
-- description: person, or carries an Aadhaar number that fails its Verhoeff check. Names are
-- description: compared by sound, so that a spelling variant of the same name (Laalit Kumar /
-- description: Lalit, Dineshkumar / Dinesh Kumar, P. Kumar Mehta / Pradeep Kumar Mehta) is not
-- description: a mismatch, while a stranger's name is. A SIM in another name at the accused
-- description: person's own address is a family member's (often the father's) and is listed
-- description: only if its Aadhaar number is invalid.
-- param: district text = null
-- output: sort msisdn
WITH accused AS (
    SELECT phone_normalize(phone) AS msisdn,
           accused_id,
           fir_id,
           name AS accused_name,
           address,
           district_canonical(district) AS district,
           -- lower-case words of the name, without an alias after @ and without punctuation
           trim(regexp_replace(regexp_replace(lower(regexp_replace(name, '@.*$', '')), '[^a-z ]', '', 'g'), ' +', ' ', 'g')) AS words
    FROM cctns.accused
    WHERE phone_normalize(phone) IS NOT NULL
),
subscribers AS (
    SELECT phone_normalize(msisdn) AS msisdn,
           name AS subscriber_name,
           operator,
           id_type,
           id_number,
           address,
           trim(regexp_replace(regexp_replace(lower(regexp_replace(name, '@.*$', '')), '[^a-z ]', '', 'g'), ' +', ' ', 'g')) AS words,
           id_type = 'Aadhaar' AND NOT coalesce(aadhaar_is_valid(id_number), false) AS bad_aadhaar
    FROM telecom.subscribers
),
pairs AS (
    SELECT a.msisdn, a.accused_id, a.fir_id, a.accused_name, a.district,
           s.subscriber_name, s.operator, s.id_type, s.id_number, s.bad_aadhaar,
           lower(trim(a.address)) = lower(trim(s.address)) AS same_address,
           a.words AS a_words,
           s.words AS s_words,
           -- the sound of the name: without the words people add or drop (Kumar, Singh, also
           -- joined as in Dineshkumar), with long and short vowels and aspiration folded
           -- (Raajender / Rajendra, Poonia / Punia, Sheekawat / Shekhawat)
           regexp_replace(regexp_replace(regexp_replace(regexp_replace(replace(
               regexp_replace(a.words, '(kumar|singh|kanwar|kaur|prasad|lal|devi|chand)\b', '', 'g'),
               ' ', ''), 'a+', 'a', 'g'), '[ei]+', 'i', 'g'), '[ou]+', 'u', 'g'), 'h', '', 'g') AS a_key,
           regexp_replace(regexp_replace(regexp_replace(regexp_replace(replace(
               regexp_replace(s.words, '(kumar|singh|kanwar|kaur|prasad|lal|devi|chand)\b', '', 'g'),
               ' ', ''), 'a+', 'a', 'g'), '[ei]+', 'i', 'g'), '[ou]+', 'u', 'g'), 'h', '', 'g') AS s_key
    FROM accused a
    JOIN subscribers s ON s.msisdn = a.msisdn
),
compared AS (
    SELECT *,
           -- The same person's name may be spelt differently (Heemant / Hemant), written with
           -- or without middle words and spaces (Dineshkumar / Dinesh Kumar), or abbreviated to
           -- an initial (P. Kumar Mehta). Anything further apart is another person.
           NOT (
               levenshtein(a_key, s_key) * 5 <= greatest(length(a_key), length(s_key))
               OR (
                   (length(split_part(a_words, ' ', 1)) = 1 OR length(split_part(s_words, ' ', 1)) = 1)
                   AND left(a_words, 1) = left(s_words, 1)
                   AND levenshtein(reverse(split_part(reverse(a_words), ' ', 1)),
                                   reverse(split_part(reverse(s_words), ' ', 1))) <= 1
               )
           ) AS other_name
    FROM pairs
)
SELECT msisdn,
       accused_id,
       fir_id,
       accused_name,
       subscriber_name,
       CASE WHEN other_name AND NOT same_address AND bad_aadhaar THEN 'other name, invalid Aadhaar'
            WHEN other_name AND NOT same_address THEN 'other name'
            WHEN other_name THEN 'family member''s name, invalid Aadhaar'
            ELSE 'invalid Aadhaar' END AS reason,
       operator,
       id_type,
       aadhaar_mask(id_number) AS id_number,
       district
FROM compared
WHERE ((other_name AND NOT same_address) OR bad_aadhaar)
  AND ($district IS NULL OR district = district_canonical($district))
ORDER BY msisdn, accused_id
