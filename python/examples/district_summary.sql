-- title: FIRs of a district by category
-- description: FIRs registered in one district since a date, by category, whatever spelling
-- description: of the district the police station used.
-- param: district text
-- param: since date = date '2024-01-01'
-- output: chart bar category firs
SELECT category, count(*) AS firs, min(registered_at) AS first_registered, max(registered_at) AS last_registered
FROM cctns.fir
WHERE district_canonical(district) = $district AND registered_at >= $since
GROUP BY category
ORDER BY firs DESC, category
