//! The parsers of what people type and edit, on hostile input ([`jaanch_udfs::hostile`]): the
//! lake config (access rules included), report headers, parameter declarations and values,
//! sizes and durations, and SQL as the shell and `jaanch sql` take it (script splitting, CALL,
//! planning). Each answers a value or an error, never a panic.

use std::path::Path;

use jaanch_udfs::hostile::{self, fuzz, mutate};

use crate::config::{LakeConfig, parse_memory_size};
use crate::reports::{Origin, Report, parse_declaration, parse_value};

/// A lake config using every part of the format, as a base for edits.
const CONFIG: &str = r##"name = "fuzz"
read_only = true
reports = "reports"

[runtime]
memory_limit = "512MiB"
spill_dir = "spill"
target_partitions = 2
batch_size = 8192

[server]
max_queries_per_user = 4
statement_timeout = "15m"
query_memory = "64MiB"
max_result_bytes = "1GiB"
shutdown_grace = "30s"

[store.lake]
url = "s3://police-lake"
endpoint = "http://127.0.0.1:9000"
region = "ap-south-1"
access_key_id = "${JAANCH_FUZZ_KEY}"
secret_access_key = "${JAANCH_FUZZ_KEY}"
allow_http = true

[[table]]
name = "cctns.fir"
location = "cctns/fir/"
format = "parquet"
partitions = ["year:int", "district"]
description = "FIRs"
[table.columns]
fir_id = "FIR identifier"

[[table]]
name = "portal.complaints"
location = "s3://police-lake/portal/"
format = "csv"
header = true
delimiter = ";"
quote = "'"
escape = "\\"
comment = "#"

[access]

[[access.role]]
name = "district_analyst"
tables = ["cctns.*", "portal.complaints"]
row_filter."cctns.fir" = "district_canonical(district) = ${user.district}"
mask."*.phone" = "phone_mask"
require_purpose = true

[[access.user]]
name = "si.kota01"
role = "district_analyst"
district = "Kota"
"##;

#[test]
fn the_fuzz_config_is_valid() {
    // Edits of a valid config reach deeper than edits of a broken one.
    LakeConfig::parse(CONFIG, Path::new("/nonexistent"), |_| Some("key".into())).unwrap();
}

#[test]
fn lake_configs_parse_or_say_why() {
    fuzz(
        "lake config",
        |rng| mutate(rng, CONFIG),
        |text| {
            let _ = LakeConfig::parse(text, Path::new("/nonexistent"), |name| {
                (name == "JAANCH_FUZZ_KEY").then(|| "key".into())
            });
        },
    );
}

#[test]
fn report_headers_and_parameters_parse_or_say_why() {
    let reports = crate::reports::bundled::REPORTS;
    fuzz(
        "report",
        |rng| {
            let (name, text) = reports[rng.index(reports.len())];
            let text = mutate(rng, text);
            (name, text, hostile::text(rng))
        },
        |(name, text, value)| {
            if let Ok(report) = Report::parse(name, text, Origin::Bundled) {
                for param in &report.params {
                    let _ = parse_value(param, value);
                }
            }
        },
    );
    fuzz(
        "parameter declaration",
        |rng| (hostile::text(rng), hostile::text(rng)),
        |(declaration, value)| {
            if let Ok(param) = parse_declaration(declaration) {
                let _ = parse_value(&param, value);
            }
        },
    );
}

#[test]
fn sizes_and_durations_parse_or_say_why() {
    fuzz("size and duration", hostile::text, |text| {
        let _ = parse_memory_size(text);
        let _ = crate::config::parse_duration(text);
    });
}

#[test]
fn sql_as_typed_plans_or_says_why() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let lake = crate::Lake::from_config(LakeConfig::empty("fuzz")).unwrap();
    let session = lake.session(crate::Identity::local()).unwrap();
    let reports = crate::reports::bundled::REPORTS;
    fuzz(
        "sql",
        |rng| match rng.below(3) {
            0 => hostile::text(rng),
            1 => mutate(
                rng,
                "CALL district_crime_summary(from => DATE '2024-01-01', district => 'Kota')",
            ),
            _ => {
                let report = reports[rng.index(reports.len())].1;
                mutate(rng, report)
            }
        },
        |text| {
            // Splitting as the shell does, then planning; what plans is not run.
            let _ = session.is_complete(text);
            let _ = runtime.block_on(session.sql(text));
        },
    );
}
