-- title: Stolen vehicles seen by ANPR cameras
-- description: Unrecovered stolen vehicles whose plate was read by an ANPR camera in the period,
-- description: after the theft. Plates are matched through plate_match_key, so a read with
-- description: look-alike confusions (O/0, I/1, B/8, ...) or different spacing still counts.
-- description: Times are corrected by the camera's known clock error (abhay.cameras), so a read
-- description: before the theft by a fast camera does not count. With the camera, its district,
-- description: the time, and the registered owner from VAHAN.
-- param: from date = (SELECT CAST(max(dt) AS DATE) FROM abhay.anpr_reads) - INTERVAL '6 days'
-- param: to date = (SELECT CAST(max(dt) AS DATE) FROM abhay.anpr_reads)
-- param: district text = null
-- output: sort seen_at desc
-- output: map camera_district
WITH stolen AS (
    SELECT fir_id,
           plate AS plate_as_entered,
           plate_match_key(plate) AS match_key,
           stolen_at,
           district_canonical(district) AS theft_district,
           make, model, colour
    FROM cctns.stolen_vehicles
    WHERE recovered_on IS NULL
      AND plate_match_key(plate) IS NOT NULL
),
reads AS (
    SELECT read_id, camera_id, seen_at, plate_text, confidence,
           plate_match_key(plate_text) AS match_key
    FROM abhay.anpr_reads
    WHERE dt BETWEEN CAST($from AS VARCHAR) AND CAST($to AS VARCHAR)
),
owners AS (
    SELECT plate_match_key(reg_no) AS match_key, reg_no, owner_name, owner_phone
    FROM vahan.registrations
)
SELECT s.fir_id,
       coalesce(o.reg_no, plate_repair(s.plate_as_entered)) AS plate,
       r.plate_text AS read_as,
       r.confidence,
       r.seen_at - arrow_cast(c.clock_offset_seconds, 'Duration(Second)') AS seen_at,
       r.seen_at AS camera_time,
       r.read_id,
       c.camera_id,
       c.location AS camera_location,
       c.district AS camera_district,
       s.stolen_at,
       s.theft_district,
       o.owner_name,
       phone_normalize(o.owner_phone) AS owner_phone,
       s.make, s.model, s.colour
FROM stolen s
JOIN reads r ON r.match_key = s.match_key
JOIN abhay.cameras c ON c.camera_id = r.camera_id
LEFT JOIN owners o ON o.match_key = s.match_key
WHERE r.seen_at - arrow_cast(c.clock_offset_seconds, 'Duration(Second)') > s.stolen_at
  AND ($district IS NULL
       OR c.district = district_canonical($district)
       OR s.theft_district = district_canonical($district))
ORDER BY seen_at DESC, s.fir_id
