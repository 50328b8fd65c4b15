-- title: FIR pendency by district
-- description: FIRs registered in the period by district, with how many are still under
-- description: investigation, charge-sheeted or closed by a final report, and the share pending.
-- description: Statuses change after the fact, so run it as of a date (--as-of 2025-12-15, or
-- description: \asof in the shell) to see the pendency a review meeting saw on that day.
-- param: from date = DATE '2025-10-01'
-- param: to date = DATE '2025-12-31'
-- param: district text = null
-- output: sort pending desc
-- output: chart bar district pending
-- output: map district pending_pct max
WITH firs AS (
    SELECT coalesce(district_canonical(f.district), '(unknown: ' || f.district || ')') AS district,
           f.status
    FROM cctns.fir f
    WHERE f.year BETWEEN extract(year FROM $from) AND extract(year FROM $to)
      AND f.registered_at >= $from
      AND f.registered_at < $to + INTERVAL '1 day'
)
SELECT district,
       count(*) AS firs,
       count(*) FILTER (WHERE status = 'Under Investigation') AS pending,
       count(*) FILTER (WHERE status = 'Chargesheeted') AS chargesheeted,
       count(*) FILTER (WHERE status LIKE 'Final Report%') AS closed,
       round(100.0 * count(*) FILTER (WHERE status = 'Under Investigation') / count(*), 1)
           AS pending_pct
FROM firs
WHERE $district IS NULL OR district = district_canonical($district)
GROUP BY district
ORDER BY pending DESC, district
