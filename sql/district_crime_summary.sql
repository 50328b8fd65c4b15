-- title: FIRs by district and category, against the previous period
-- description: FIRs registered in the period by district and crime category, with the count
-- description: of the previous period of the same length and the change. District names are
-- description: folded to today's districts (variants, Hindi, police and abolished districts).
-- param: from date = DATE '2025-10-01'
-- param: to date = DATE '2025-12-31'
-- param: district text = null
-- output: sort district, firs desc
-- output: chart bar district firs by category
-- output: map district firs sum
WITH bounds AS (
    SELECT $from AS start_day,
           $to + INTERVAL '1 day' AS end_day,
           $from - ($to + INTERVAL '1 day' - $from) AS previous_start
),
firs AS (
    SELECT coalesce(district_canonical(f.district), '(unknown: ' || f.district || ')') AS district,
           f.category,
           f.registered_at >= b.start_day AS in_period
    FROM cctns.fir f CROSS JOIN bounds b
    WHERE f.year BETWEEN extract(year FROM b.previous_start) AND extract(year FROM b.end_day)
      AND f.registered_at >= b.previous_start
      AND f.registered_at < b.end_day
)
SELECT district,
       category,
       count(*) FILTER (WHERE in_period) AS firs,
       count(*) FILTER (WHERE NOT in_period) AS previous_firs,
       count(*) FILTER (WHERE in_period) - count(*) FILTER (WHERE NOT in_period) AS change,
       round(100.0 * (count(*) FILTER (WHERE in_period) - count(*) FILTER (WHERE NOT in_period))
             / nullif(count(*) FILTER (WHERE NOT in_period), 0), 1) AS change_pct
FROM firs
WHERE $district IS NULL OR district = district_canonical($district)
GROUP BY district, category
ORDER BY district, firs DESC, category
