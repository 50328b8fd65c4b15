-- Monthly FIR counts by offence around the IPC to BNS switch: each FIR's sections read with
-- regular expressions (the penal code's sections before `IPC` / `BNS` / `भादवि` / `बीएनएस`,
-- split on `,` and `/`; the special act's section next to its name), IPC sections mapped to
-- their BNS successor through the correspondence table (ipc_bns), BNS ones kept as cited.
WITH cited AS (
    SELECT f.fir_id,
           date_trunc('month', f.registered_at) AS month,
           CASE WHEN regexp_matches(f.sections, '(IPC|भादवि)') THEN 'IPC'
                WHEN regexp_matches(f.sections, '(BNS|बीएनएस)') THEN 'BNS' END AS code,
           regexp_extract(f.sections,
               '^(?:u/s |Sec\. |धारा )?([0-9A-Z()/, ]+?) (?:IPC|BNS|भादवि|बीएनएस)', 1) AS penal,
           CASE WHEN f.sections LIKE '%NDPS%'
                    THEN 'NDPS Act ' || regexp_extract(f.sections, '([0-9]+/[0-9]+)', 1)
                WHEN f.sections LIKE '%Arms Act%'
                    THEN 'Arms Act ' || regexp_extract(f.sections, '(\S+) Arms Act', 1)
                WHEN f.sections LIKE '%IT Act%'
                    THEN 'IT Act ' || regexp_extract(f.sections, '(\S+) IT Act', 1)
                WHEN f.sections LIKE '%Excise Act%'
                    THEN 'Excise Act ' || regexp_extract(f.sections, '(\S+) Rajasthan Excise Act', 1)
           END AS act
    FROM fir f
    WHERE f.registered_at >= $from AND f.registered_at < $to + INTERVAL 1 DAY
),
refs AS (
    SELECT fir_id, month, code, unnest(regexp_split_to_array(penal, '\s*[,/]\s*')) AS section
    FROM cited WHERE penal <> ''
),
successors AS (
    SELECT ipc_section, min(bns_section) AS bns_section FROM ipc_bns
    WHERE bns_section IS NOT NULL GROUP BY ipc_section
),
offences AS (
    SELECT r.fir_id, r.month,
           'BNS ' || CASE WHEN r.code = 'IPC' THEN coalesce(s.bns_section, '? (IPC ' || r.section || ')')
                          ELSE r.section END AS offence,
           r.code = 'IPC' AS cited_as_ipc
    FROM refs r LEFT JOIN successors s ON r.code = 'IPC' AND s.ipc_section = r.section
    UNION ALL
    SELECT fir_id, month, act, false FROM cited WHERE act IS NOT NULL
),
titles AS (
    SELECT 'BNS ' || bns_section AS offence, min(bns_title) AS title FROM ipc_bns
    WHERE bns_section IS NOT NULL GROUP BY bns_section
)
SELECT CAST(o.month AS DATE) AS month,
       o.offence,
       max(t.title) AS title,
       count(DISTINCT o.fir_id) AS firs,
       count(DISTINCT o.fir_id) FILTER (WHERE o.cited_as_ipc) AS cited_as_ipc,
       count(DISTINCT o.fir_id) FILTER (WHERE NOT o.cited_as_ipc) AS cited_as_bns_or_act
FROM offences o LEFT JOIN titles t USING (offence)
GROUP BY o.month, o.offence
ORDER BY month, firs DESC, offence
