-- title: Dial-112 response times by district and category
-- description: Median, 90th and 95th percentile (exact) of the seconds from a Dial-112 call
-- description: to a vehicle reaching the caller, by district (folded from the call taker's free
-- description: text) and call category, for calls in the period that had a vehicle sent.
-- param: from date = DATE '2025-01-01'
-- param: to date = DATE '2025-12-31'
-- param: district text = null
-- output: sort p90_seconds desc
-- output: chart bar district p90_seconds by category
-- output: map district p90_seconds max
WITH calls AS (
    SELECT coalesce(district_canonical(district), '(unknown)') AS district,
           category,
           response_seconds
    FROM abhay.dial112_calls
    WHERE received_at >= $from AND received_at < $to + INTERVAL '1 day'
      AND response_seconds IS NOT NULL
)
SELECT district,
       category,
       count(*) AS calls,
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY response_seconds), 1) AS p50_seconds,
       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY response_seconds), 1) AS p90_seconds,
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY response_seconds), 1) AS p95_seconds
FROM calls
WHERE $district IS NULL OR district = district_canonical($district)
GROUP BY district, category
ORDER BY district, category
