-- Everything about one plate, matched by plate_key (macros.sql): registration, theft and
-- recovery, and every ANPR read, in time order.
SELECT "at", event, detail, place, source_id
FROM (
    SELECT CAST(v.registered_on AS TIMESTAMP) AS "at",
           'registered' AS event,
           v.reg_no || ' · ' || v.make || ' ' || v.model || ' · owner ' || v.owner_name
               || coalesce(' (' || phone_e164(v.owner_phone) || ')', '') AS detail,
           v.district AS place,
           v.reg_no AS source_id
    FROM registrations v
    WHERE plate_key(v.reg_no) = plate_key($plate)
    UNION ALL
    SELECT s.stolen_at, 'stolen',
           'FIR ' || CAST(s.fir_id AS VARCHAR) || ' · plate entered as ' || s.plate,
           district_of(s.district), CAST(s.fir_id AS VARCHAR)
    FROM stolen_vehicles s
    WHERE plate_key(s.plate) = plate_key($plate)
    UNION ALL
    SELECT CAST(s.recovered_on AS TIMESTAMP), 'recovered',
           'FIR ' || CAST(s.fir_id AS VARCHAR),
           district_of(s.district), CAST(s.fir_id AS VARCHAR)
    FROM stolen_vehicles s
    WHERE plate_key(s.plate) = plate_key($plate) AND s.recovered_on IS NOT NULL
    UNION ALL
    SELECT r.seen_at, 'seen by camera',
           'read as ' || r.plate_text || ' (confidence ' || CAST(round(r.confidence, 2) AS VARCHAR) || ')',
           c.district || ' · ' || c.location, CAST(r.read_id AS VARCHAR)
    FROM anpr_reads r
    JOIN cameras c ON c.camera_id = r.camera_id
    WHERE plate_key(r.plate_text) = plate_key($plate)
) AS history
ORDER BY "at", event
