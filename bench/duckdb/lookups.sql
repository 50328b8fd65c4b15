-- What jaanch's reference tables and district and law functions do, as DuckDB views and macros
-- over the reference tables (exported from the lake as Parquet: districts, police_districts,
-- ipc_bns), loaded after the lake's views.

-- Every spelling the reference data lists for a district, lower case: English, Hindi, aliases
-- (`|`-separated), police districts (Jaipur East), abolished districts (by their successor).
CREATE VIEW district_spellings AS
SELECT DISTINCT spelling, district FROM (
    SELECT lower(name) AS spelling, coalesce(successor, name) AS district FROM districts
    UNION ALL
    SELECT name_hi, coalesce(successor, name) FROM districts
    UNION ALL
    SELECT lower(trim(unnest(string_split(aliases, '|')))), coalesce(successor, name)
    FROM districts WHERE aliases IS NOT NULL
    UNION ALL
    SELECT lower(police_district), revenue_district FROM police_districts
);

-- A district as typed, without the words a call taker puts around it (`Distt. Kota`,
-- `Kota (Raj.)`, `Kota, Rajasthan`, `kota city`, `near Kota`, `Kota district`), lower case.
CREATE MACRO district_text(t) AS
    regexp_replace(regexp_replace(lower(trim(t)),
        '^(distt\.?|district|near)\s+', ''),
        '(\s*\(raj\.?\)|,\s*rajasthan|\s+city|\s+district)$', '');

-- The district a spelling names, or NULL (no fuzzy match: a typo is not found).
CREATE MACRO district_of(t) AS
    (SELECT any_value(s.district) FROM district_spellings s WHERE s.spelling = district_text(t));
