-- Unrecovered stolen vehicles read by an ANPR camera after the theft, by plate_key (macros.sql),
-- with the camera's clock error taken off the read's time.
WITH stolen AS (
    SELECT fir_id, plate, plate_key(plate) AS k, stolen_at
    FROM stolen_vehicles
    WHERE recovered_on IS NULL AND plate_key(plate) <> ''
),
reads AS (
    SELECT read_id, camera_id, seen_at, plate_text, confidence, plate_key(plate_text) AS k
    FROM anpr_reads
    WHERE dt BETWEEN $from AND $to
)
SELECT s.fir_id, r.read_id, s.plate, r.plate_text AS read_as, r.confidence,
       r.seen_at - to_seconds(c.clock_offset_seconds) AS seen_at,
       c.camera_id, c.location AS camera_location, c.district AS camera_district, s.stolen_at
FROM stolen s
JOIN reads r ON r.k = s.k
JOIN cameras c ON c.camera_id = r.camera_id
WHERE r.seen_at - to_seconds(c.clock_offset_seconds) > s.stolen_at
ORDER BY seen_at DESC, s.fir_id
