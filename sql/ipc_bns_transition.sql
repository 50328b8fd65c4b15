-- title: FIRs by offence across the IPC to BNS switch
-- description: Monthly FIR counts by offence around 1 July 2024, when the Bharatiya Nyaya
-- description: Sanhita replaced the Indian Penal Code. Each FIR's sections are read with
-- description: law_sections; IPC sections are mapped to their BNS successors with ipc_to_bns, and
-- description: a BNS sub-section the correspondence does not list is named by the level it lists
-- description: (BNS 103(1) is BNS 103, as IPC 302 maps), so an offence keeps one name on both
-- description: sides of the switch. Special acts are kept as they are.
-- param: from date = DATE '2024-01-01'
-- param: to date = DATE '2024-12-31'
-- param: offence text = null
-- output: chart line month firs by offence
WITH refs AS (
    SELECT f.fir_id,
           date_trunc('month', f.registered_at) AS month,
           unnest(law_sections(f.sections)) AS ref
    FROM cctns.fir f
    WHERE f.year BETWEEN extract(year FROM $from) AND extract(year FROM $to)
      AND f.registered_at >= $from AND f.registered_at < $to + INTERVAL '1 day'
),
sections AS (
    SELECT fir_id,
           month,
           ref,
           substr(ref, 5) AS section,
           -- For a BNS section: the successors of the IPC section it replaced.
           CASE WHEN ref LIKE 'BNS %' THEN ipc_to_bns(bns_to_ipc(substr(ref, 5))[1]) END AS successors
    FROM refs
),
offences AS (
    SELECT fir_id,
           month,
           CASE
               WHEN ref LIKE 'IPC %' THEN 'BNS ' || coalesce(ipc_to_bns(section)[1], '? (IPC ' || section || ')')
               -- The section itself if it is one of those successors, else the first of them:
               -- the correspondence's level (103 for 103(1)).
               WHEN ref LIKE 'BNS %' THEN 'BNS ' || CASE WHEN array_has(successors, section) THEN section
                                                         ELSE coalesce(successors[1], section) END
               ELSE ref
           END AS offence,
           ref LIKE 'IPC %' AS cited_as_ipc
    FROM sections
),
titled AS (
    SELECT o.*, t.bns_title
    FROM offences o
    LEFT JOIN (SELECT DISTINCT 'BNS ' || bns_section AS offence, first_value(bns_title) OVER (PARTITION BY bns_section ORDER BY bns_title) AS bns_title FROM ref.ipc_bns WHERE bns_section IS NOT NULL) t
      ON t.offence = o.offence
)
SELECT CAST(month AS DATE) AS month,
       offence,
       max(bns_title) AS title,
       count(DISTINCT fir_id) AS firs,
       count(DISTINCT fir_id) FILTER (WHERE cited_as_ipc) AS cited_as_ipc,
       count(DISTINCT fir_id) FILTER (WHERE NOT cited_as_ipc) AS cited_as_bns_or_act
FROM titled
WHERE $offence IS NULL OR offence = $offence OR lower(bns_title) LIKE '%' || lower($offence) || '%'
GROUP BY month, offence
ORDER BY month, firs DESC, offence
