-- FIRs by district (district_of, lookups.sql) and category in the period and in the one of
-- the same length before it.
WITH firs AS (
    SELECT coalesce(district_of(f.district), '(unknown: ' || f.district || ')') AS district,
           f.category,
           f.registered_at >= $from AS in_period
    FROM fir f
    WHERE f.registered_at >= $from - ($to + INTERVAL 1 DAY - $from)
      AND f.registered_at < $to + INTERVAL 1 DAY
)
SELECT district,
       category,
       count(*) FILTER (WHERE in_period) AS firs,
       count(*) FILTER (WHERE NOT in_period) AS previous_firs,
       count(*) FILTER (WHERE in_period) - count(*) FILTER (WHERE NOT in_period) AS change,
       round(100.0 * (count(*) FILTER (WHERE in_period) - count(*) FILTER (WHERE NOT in_period))
             / nullif(count(*) FILTER (WHERE NOT in_period), 0), 1) AS change_pct
FROM firs
GROUP BY district, category
ORDER BY district, firs DESC, category
