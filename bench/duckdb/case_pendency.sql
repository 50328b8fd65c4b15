-- FIRs registered in the period by district (folded with district_of, lookups.sql), with
-- how many are pending, charge-sheeted or closed.
WITH firs AS (
    SELECT coalesce(district_of(f.district), '(unknown: ' || f.district || ')') AS district,
           f.status
    FROM fir f
    WHERE f.registered_at >= $from AND f.registered_at < $to + INTERVAL 1 DAY
)
SELECT district,
       count(*) AS firs,
       count(*) FILTER (WHERE status = 'Under Investigation') AS pending,
       count(*) FILTER (WHERE status = 'Chargesheeted') AS chargesheeted,
       count(*) FILTER (WHERE status LIKE 'Final Report%') AS closed,
       round(100.0 * count(*) FILTER (WHERE status = 'Under Investigation') / count(*), 1)
           AS pending_pct
FROM firs
GROUP BY district
ORDER BY pending DESC, district
