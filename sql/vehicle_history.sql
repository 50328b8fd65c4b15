-- title: History of one vehicle
-- description: Everything the lake knows about one plate, however it is written: its
-- description: registration and owner (VAHAN), theft FIRs and recovery (CCTNS), and every ANPR
-- description: sighting, in time order. Plates are matched through plate_match_key.
-- param: plate text
-- output: sort at
SELECT at, event, detail, place, source_id
FROM (
    SELECT CAST(v.registered_on AS TIMESTAMP) AS at,
           'registered' AS event,
           v.reg_no || ' · ' || v.make || ' ' || v.model || ' · owner ' || v.owner_name
               || coalesce(' (' || phone_normalize(v.owner_phone) || ')', '') AS detail,
           v.district AS place,
           v.reg_no AS source_id
    FROM vahan.registrations v
    WHERE plate_match_key(v.reg_no) = plate_match_key($plate)
    UNION ALL
    SELECT s.stolen_at, 'stolen',
           'FIR ' || CAST(s.fir_id AS VARCHAR) || ' · plate entered as ' || s.plate,
           district_canonical(s.district), CAST(s.fir_id AS VARCHAR)
    FROM cctns.stolen_vehicles s
    WHERE plate_match_key(s.plate) = plate_match_key($plate)
    UNION ALL
    SELECT CAST(s.recovered_on AS TIMESTAMP), 'recovered',
           'FIR ' || CAST(s.fir_id AS VARCHAR),
           district_canonical(s.district), CAST(s.fir_id AS VARCHAR)
    FROM cctns.stolen_vehicles s
    WHERE plate_match_key(s.plate) = plate_match_key($plate) AND s.recovered_on IS NOT NULL
    UNION ALL
    SELECT r.seen_at, 'seen by camera',
           'read as ' || r.plate_text || ' (confidence ' || CAST(round(r.confidence, 2) AS VARCHAR) || ')',
           c.district || ' · ' || c.location, CAST(r.read_id AS VARCHAR)
    FROM abhay.anpr_reads r
    JOIN abhay.cameras c ON c.camera_id = r.camera_id
    WHERE plate_match_key(r.plate_text) = plate_match_key($plate)
) AS history
ORDER BY at, event
