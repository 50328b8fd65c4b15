-- Response-time percentiles of Dial-112 calls by district (district_of, lookups.sql, which
-- takes off the words around a typed district) and category.
WITH calls AS (
    SELECT coalesce(district_of(district), '(unknown)') AS district, category, response_seconds
    FROM dial112_calls
    WHERE received_at >= $from AND received_at < $to + INTERVAL 1 DAY
      AND response_seconds IS NOT NULL
)
SELECT district,
       category,
       count(*) AS calls,
       approx_quantile(response_seconds, 0.5) AS p50_seconds,
       approx_quantile(response_seconds, 0.9) AS p90_seconds,
       approx_quantile(response_seconds, 0.95) AS p95_seconds
FROM calls
GROUP BY district, category
ORDER BY district, category
