-- Accused persons' SIMs in a stranger's name (names compared by sound, macros.sql) or with an
-- Aadhaar number that fails its Verhoeff check; another name at the accused's own address is
-- a family member's SIM.
WITH a AS (
    SELECT phone_e164(phone) AS msisdn, accused_id, fir_id, name, address, name_words(name) AS words
    FROM accused
    WHERE phone_e164(phone) IS NOT NULL
),
s AS (
    SELECT phone_e164(msisdn) AS msisdn, name, operator, id_type, id_number, address,
           name_words(name) AS words,
           id_type = 'Aadhaar' AND NOT coalesce(aadhaar_ok(id_number), false) AS bad_aadhaar
    FROM subscribers
),
pairs AS (
    SELECT a.msisdn, a.accused_id, a.fir_id, a.name AS accused_name, s.name AS subscriber_name,
           s.operator, s.id_type, s.bad_aadhaar,
           lower(trim(a.address)) = lower(trim(s.address)) AS same_address,
           a.words AS a_words, s.words AS s_words,
           name_sound(a.words) AS a_key, name_sound(s.words) AS s_key
    FROM a JOIN s ON s.msisdn = a.msisdn
),
compared AS (
    SELECT *,
           NOT (
               levenshtein(a_key, s_key) * 5 <= greatest(length(a_key), length(s_key))
               OR ((length(split_part(a_words, ' ', 1)) = 1 OR length(split_part(s_words, ' ', 1)) = 1)
                   AND left(a_words, 1) = left(s_words, 1)
                   AND levenshtein(reverse(split_part(reverse(a_words), ' ', 1)),
                                   reverse(split_part(reverse(s_words), ' ', 1))) <= 1)
           ) AS other_name
    FROM pairs
)
SELECT msisdn, accused_id, fir_id, accused_name, subscriber_name, operator, id_type,
       CASE WHEN other_name AND NOT same_address THEN 'other name' ELSE 'invalid Aadhaar' END AS reason
FROM compared
WHERE (other_name AND NOT same_address) OR bad_aadhaar
ORDER BY msisdn, accused_id
