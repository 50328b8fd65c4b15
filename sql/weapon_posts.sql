-- title: Social posts showing weapons, by district
-- description: Posts in the period whose image the classifier flagged for a weapon, by the
-- description: district tagged in the post, linked to accused persons where the account's phone
-- description: number is an accused person's number (after phone_normalize). Posts whose text
-- description: says the weapon is a toy, replica, airsoft gun or prop are left out.
-- param: from date = DATE '2025-01-01'
-- param: to date = DATE '2025-12-31'
-- param: district text = null
-- output: sort posted_at desc
WITH weapons AS (
    SELECT p.*, phone_normalize(p.linked_phone) AS msisdn
    FROM social.posts p
    WHERE p.weapon_in_image
      AND NOT regexp_like(lower(p.text), '\b(toy|replica|airsoft|dummy|khilona|nakli)\b|खिलौना|नकली')
      AND p.posted_at >= $from AND p.posted_at < $to + INTERVAL '1 day'
      AND ($district IS NULL OR district_canonical(p.district_tag) = district_canonical($district))
),
-- Accused rows of the posts' numbers only, before the costlier aggregation.
accused_phones AS (
    SELECT phone_normalize(phone) AS msisdn,
           array_agg(DISTINCT accused_id ORDER BY accused_id) AS accused_ids,
           array_agg(DISTINCT fir_id ORDER BY fir_id) AS fir_ids,
           max(name) AS accused_name
    FROM cctns.accused
    WHERE phone_normalize(phone) IN (SELECT msisdn FROM weapons)
    GROUP BY phone_normalize(phone)
)
SELECT p.post_id,
       p.posted_at,
       p.platform,
       p.handle,
       district_canonical(p.district_tag) AS district,
       p.msisdn AS linked_phone,
       a.accused_name,
       a.accused_ids,
       a.fir_ids,
       p.text
FROM weapons p
LEFT JOIN accused_phones a ON a.msisdn = p.msisdn
ORDER BY a.accused_ids IS NULL, p.posted_at DESC, p.post_id
