-- Weapon posts in the period, linked to accused persons by phone_e164 (macros.sql); toys,
-- replicas and props left out by their text.
WITH accused_phones AS (
    SELECT phone_e164(phone) AS msisdn,
           list(DISTINCT accused_id ORDER BY accused_id) AS accused_ids,
           list(DISTINCT fir_id ORDER BY fir_id) AS fir_ids,
           max(name) AS accused_name
    FROM accused
    WHERE phone_e164(phone) IS NOT NULL
    GROUP BY ALL
)
SELECT p.post_id, p.posted_at, p.platform, p.handle, p.district_tag AS district,
       phone_e164(p.linked_phone) AS linked_phone, a.accused_name, a.accused_ids, a.fir_ids, p.text
FROM posts p
LEFT JOIN accused_phones a ON a.msisdn = phone_e164(p.linked_phone)
WHERE p.weapon_in_image
  AND NOT regexp_matches(lower(p.text), '\b(toy|replica|airsoft|dummy|khilona|nakli)\b|खिलौना|नकली')
  AND p.posted_at >= $from AND p.posted_at < $to + INTERVAL 1 DAY
ORDER BY a.accused_ids IS NULL, p.posted_at DESC, p.post_id
