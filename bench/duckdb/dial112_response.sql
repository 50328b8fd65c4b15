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
       round(quantile_cont(response_seconds, 0.5), 1) AS p50_seconds,
       round(quantile_cont(response_seconds, 0.9), 1) AS p90_seconds,
       round(quantile_cont(response_seconds, 0.95), 1) AS p95_seconds
FROM calls
GROUP BY district, category
ORDER BY district, category
