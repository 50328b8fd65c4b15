//! Tests of the district functions through every string encoding, and through SQL.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type};
use arrow::util::display::array_value_to_string;
use datafusion::catalog::{MemorySchemaProvider, SchemaProvider};
use datafusion::datasource::MemTable;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::{SessionConfig, SessionContext};

use super::{attributes, canonical, pincode, rto};
use crate::kernel::test_util::run_all_encodings;

/// The text results of `udf` over `inputs`, checked to agree across every encoding.
fn texts(udf: &ScalarUDF, inputs: &[Option<&str>]) -> Vec<Option<String>> {
    let out = run_all_encodings(udf, inputs);
    let out = out.as_string::<i32>();
    (0..out.len())
        .map(|i| out.is_valid(i).then(|| out.value(i).to_string()))
        .collect()
}

/// Asserts `udf(input) = expected` for every pair, all encodings at once.
fn check(udf: &ScalarUDF, cases: &[(Option<&str>, Option<&str>)]) {
    let inputs: Vec<Option<&str>> = cases.iter().map(|(i, _)| *i).collect();
    let got = texts(udf, &inputs);
    for ((input, expected), got) in cases.iter().zip(got) {
        assert_eq!(got.as_deref(), *expected, "{}({input:?})", udf.name());
    }
}

fn long_garbage() -> String {
    "Jaipur ".repeat(1500)
}

#[test]
fn canonical_over_every_encoding() {
    let long = long_garbage();
    let spaces_then_name = format!("{}Jaipur", " ".repeat(10_000));
    check(
        &canonical::DISTRICT_CANONICAL,
        &[
            (Some("Jaipur"), Some("Jaipur")),
            (Some("JAIPUR"), Some("Jaipur")),
            (Some(" jaipur "), Some("Jaipur")),
            (Some("Sri Ganganagar"), Some("Sri Ganganagar")),
            (Some("Shri Ganganagar"), Some("Sri Ganganagar")),
            (Some("Ganganagar"), Some("Sri Ganganagar")),
            (Some("SRI-GANGANAGAR"), Some("Sri Ganganagar")),
            (Some("Chittaurgarh"), Some("Chittorgarh")),
            (Some("Jhunjhunun"), Some("Jhunjhunu")),
            (Some("Kotputali"), Some("Kotputli-Behror")),
            (Some("बाड़मेर"), Some("Barmer")),
            (Some("झुंझुनूं"), Some("Jhunjhunu")),
            (Some("Jaipur East"), Some("Jaipur")),
            (Some("Bhiwadi"), Some("Khairthal-Tijara")),
            (Some("Anupgarh"), Some("Sri Ganganagar")),
            (Some("Jodhpur Distt."), Some("Jodhpur")),
            (Some("Jodpur"), Some("Jodhpur")),
            (Some("Delhi"), None),
            (Some(""), None),
            (Some("   "), None),
            (None, None),
            (Some("\u{1F600}\u{0000}\u{FFFD}"), None),
            (Some(&long), None),
            (Some(&spaces_then_name), Some("Jaipur")),
        ],
    );
}

#[test]
fn attributes_describe_the_canonical_district() {
    check(
        &attributes::DISTRICT_HI,
        &[
            (Some("Jodhpur"), Some("जोधपुर")),
            (Some("SRI GANGANAGAR"), Some("श्रीगंगानगर")),
            (Some("Kekri"), Some("अजमेर")),
            (Some("Balotra"), Some("बालोतरा")),
            (Some("nowhere"), None),
            (None, None),
        ],
    );
    check(
        &attributes::DISTRICT_DIVISION,
        &[
            (Some("Sikar"), Some("Jaipur")),
            (Some("Salumbar"), Some("Udaipur")),
            (Some("Pali"), Some("Jodhpur")),
            (Some("Neem Ka Thana"), Some("Jaipur")),
            (Some("Bhopal"), None),
            (None, None),
        ],
    );
    let inputs = [
        Some("Jaipur"),
        Some("जोधपुर"),
        Some("Pratapgarh"),
        Some("Balotra"),
        Some("Dudu"),
        Some(""),
        None,
    ];
    let out = run_all_encodings(&attributes::DISTRICT_CODE, &inputs);
    let codes: Vec<Option<i64>> = out.as_primitive::<Int64Type>().iter().collect();
    assert_eq!(
        codes,
        [Some(102), Some(107), Some(629), None, Some(102), None, None]
    );
}

#[test]
fn rto_codes_in_any_spelling() {
    check(
        &rto::DISTRICT_OF_RTO,
        &[
            (Some("RJ14"), Some("Jaipur")),
            (Some("rj-14"), Some("Jaipur")),
            (Some("RJ 14"), Some("Jaipur")),
            (Some(" Rj.14 "), Some("Jaipur")),
            (Some("RJ4"), Some("Barmer")),
            (Some("RJ04"), Some("Barmer")),
            (Some("RJ१४"), Some("Jaipur")),
            (Some("RJ40"), Some("Khairthal-Tijara")),
            (Some("RJ60"), Some("Jaipur")),
            (Some("RJ57"), None),
            (Some("RJ00"), None),
            (Some("RJ140"), None),
            (Some("RJ14CA1234"), None),
            (Some("MH12"), None),
            (Some("RJ"), None),
            (Some(""), None),
            (None, None),
        ],
    );
    assert_eq!(rto::rto_number("RJ-07"), Some(7));
    assert_eq!(rto::rto_number("RJ 1 4"), Some(14));
    assert_eq!(rto::rto_number("XRJ14"), None);
}

#[test]
fn every_rto_district_is_a_current_district() {
    for office in crate::reference::RTO_CODES.iter() {
        assert!(
            super::lookup::current_id(&office.district).is_some(),
            "{}",
            office.district
        );
    }
}

#[test]
fn pincodes_as_text() {
    check(
        &pincode::DISTRICT_OF_PINCODE,
        &[
            (Some("302001"), Some("Jaipur")),
            (Some("302 001"), Some("Jaipur")),
            (Some("302-001"), Some("Jaipur")),
            (Some(" 335001 "), Some("Sri Ganganagar")),
            (Some("333001"), Some("Jhunjhunu")),
            (Some("312001"), Some("Chittorgarh")),
            (Some("३०२००१"), Some("Jaipur")),
            (Some("302001.0"), Some("Jaipur")),
            (Some("303305"), Some("Dausa")),
            (Some("110001"), None),
            (Some("30200"), None),
            (Some("3020011"), None),
            (Some("302001.5"), None),
            (Some("PIN 302001"), None),
            (Some(""), None),
            (None, None),
        ],
    );
}

#[test]
fn every_pincode_district_name_resolves() {
    let mut matcher = super::lookup::Matcher::new();
    for pin in crate::reference::PINCODES.iter() {
        for name in std::iter::once(&pin.district).chain(&pin.other_district) {
            let id = matcher.resolve(name).unwrap_or_else(|| panic!("{name}"));
            // One-to-one: the directory's name is today's name, up to case and `Sri`.
            let today = &super::lookup::district(id).name;
            assert!(
                today.eq_ignore_ascii_case(name)
                    || (name == "GANGANAGAR" && today == "Sri Ganganagar"),
                "{name} → {today}"
            );
        }
    }
}

// ---- through SQL: coercion of integer arguments, scalars, ref tables ----

/// Runs a future to completion on this thread (queries over in-memory data do not need a
/// runtime).
fn block_on<F: Future>(future: F) -> F::Output {
    struct Noop;
    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }
    let waker = Waker::from(Arc::new(Noop));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut context) {
            return value;
        }
        std::thread::yield_now();
    }
}

/// A single-partition session with the district and geo functions and the `ref` tables.
pub(crate) fn session() -> SessionContext {
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(1));
    for udf in super::functions()
        .into_iter()
        .chain(crate::geo::functions())
    {
        ctx.register_udf(udf.as_ref().clone());
    }
    let schema = Arc::new(MemorySchemaProvider::new());
    for (name, build) in super::reference_tables() {
        let batch = build();
        let table = MemTable::try_new(batch.schema(), vec![vec![batch]]).unwrap();
        schema
            .register_table(name.to_string(), Arc::new(table))
            .unwrap();
    }
    ctx.catalog("datafusion")
        .unwrap()
        .register_schema("ref", schema)
        .unwrap();
    ctx
}

/// The rows of a query as text (NULL as `NULL`).
pub(crate) fn query(ctx: &SessionContext, sql: &str) -> Vec<Vec<String>> {
    let batches: Vec<RecordBatch> = block_on(async { ctx.sql(sql).await?.collect().await })
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut rows = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .map(|c: &ArrayRef| {
                        if c.is_null(row) {
                            "NULL".to_string()
                        } else {
                            array_value_to_string(c, row).unwrap()
                        }
                    })
                    .collect(),
            );
        }
    }
    rows
}

fn one(ctx: &SessionContext, sql: &str) -> String {
    query(ctx, sql).remove(0).remove(0)
}

#[test]
fn pincode_accepts_integers_of_every_width() {
    let ctx = session();
    assert_eq!(one(&ctx, "SELECT district_of_pincode(302001)"), "Jaipur");
    assert_eq!(
        one(&ctx, "SELECT district_of_pincode(CAST(335001 AS INT))"),
        "Sri Ganganagar"
    );
    assert_eq!(
        one(
            &ctx,
            "SELECT district_of_pincode(CAST(333001 AS BIGINT UNSIGNED))"
        ),
        "Jhunjhunu"
    );
    assert_eq!(
        one(&ctx, "SELECT district_of_pincode(CAST(302001 AS DOUBLE))"),
        "Jaipur"
    );
    assert_eq!(one(&ctx, "SELECT district_of_pincode(-302001)"), "NULL");
    assert_eq!(one(&ctx, "SELECT district_of_pincode(NULL)"), "NULL");
    let rows = query(
        &ctx,
        "SELECT district_of_pincode(pin) FROM (VALUES (302001), (NULL), (110001), (345033), (0)) t(pin)",
    );
    assert_eq!(
        rows.concat(),
        ["Jaipur", "NULL", "NULL", "Jaisalmer", "NULL"]
    );
    let rows = query(
        &ctx,
        "SELECT district_of_pincode(CAST(pin AS SMALLINT)) FROM (VALUES (302), (NULL)) t(pin)",
    );
    assert_eq!(rows.concat(), ["NULL", "NULL"]);
    let rows = query(
        &ctx,
        "SELECT district_of_pincode(pin) FROM (VALUES ('302001'), (NULL), ('3O2001')) t(pin)",
    );
    assert_eq!(rows.concat(), ["Jaipur", "NULL", "NULL"]);
}

#[test]
fn text_functions_take_any_type_and_columns() {
    let ctx = session();
    let rows = query(
        &ctx,
        "SELECT district_canonical(d), district_code(d), district_division(d), district_hi(d) \
         FROM (VALUES ('jaipur east'), ('DUDU'), (NULL), ('Jodpur')) t(d)",
    );
    assert_eq!(
        rows,
        [
            ["Jaipur", "102", "Jaipur", "जयपुर"],
            ["Jaipur", "102", "Jaipur", "जयपुर"],
            ["NULL", "NULL", "NULL", "NULL"],
            ["Jodhpur", "107", "Jodhpur", "जोधपुर"],
        ]
    );
    // A dictionary-encoded column stays valid.
    assert_eq!(
        one(
            &ctx,
            "SELECT district_canonical(arrow_cast('Kekri', 'Dictionary(Int32, Utf8)'))"
        ),
        "Ajmer"
    );
    assert_eq!(one(&ctx, "SELECT district_canonical(42)"), "NULL");
}

#[test]
fn reference_tables_through_sql() {
    let ctx = session();
    assert_eq!(one(&ctx, "SELECT count(*) FROM ref.districts"), "50");
    assert_eq!(
        one(
            &ctx,
            "SELECT count(*) FROM ref.districts WHERE status = 'current'"
        ),
        "41"
    );
    assert_eq!(one(&ctx, "SELECT count(*) FROM ref.rto_codes"), "54");
    assert_eq!(one(&ctx, "SELECT count(*) FROM ref.police_districts"), "13");
    assert_eq!(one(&ctx, "SELECT count(*) FROM ref.state_codes"), "41");
    assert_eq!(
        query(
            &ctx,
            "SELECT name, lgd_code, created, abolished, successor, hq_lat FROM ref.districts \
             WHERE name IN ('Jaipur', 'Dudu', 'Balotra') ORDER BY name"
        ),
        [
            ["Balotra", "NULL", "2023-08-07", "NULL", "NULL", "25.83"],
            ["Dudu", "NULL", "2023-08-07", "2024-12-28", "Jaipur", "NULL"],
            ["Jaipur", "102", "NULL", "NULL", "NULL", "26.9149"],
        ]
    );
    // Every name in the table resolves to itself, or to its successor.
    assert_eq!(
        one(
            &ctx,
            "SELECT count(*) FROM ref.districts \
             WHERE district_canonical(name) = coalesce(successor, name) \
               AND district_canonical(name_hi) = coalesce(successor, name)"
        ),
        "50"
    );
    let schema = super::tables::districts().schema();
    assert_eq!(
        schema.field_with_name("lgd_code").unwrap().data_type(),
        &DataType::Int64
    );
    assert_eq!(
        schema.field_with_name("created").unwrap().data_type(),
        &DataType::Date32
    );
    assert_eq!(
        schema.field_with_name("hq_lon").unwrap().data_type(),
        &DataType::Float64
    );
}

#[test]
fn geo_distance_through_sql() {
    let ctx = session();
    assert_eq!(
        one(
            &ctx,
            "SELECT round(geo_distance_km(a.hq_lat, a.hq_lon, b.hq_lat, b.hq_lon), 1) \
             FROM ref.districts a, ref.districts b WHERE a.name = 'Jaipur' AND b.name = 'Jodhpur'"
        ),
        "286.3"
    );
    // Integer and decimal arguments are coerced; a fixed point against a column.
    assert_eq!(
        one(&ctx, "SELECT round(geo_distance_km(0, 0, 0, 1), 3)"),
        "111.195"
    );
    assert_eq!(
        one(&ctx, "SELECT round(geo_distance_km(0.0, 0, 1.0, 0), 3)"),
        "111.195"
    );
    let rows = query(
        &ctx,
        "SELECT round(geo_distance_km(lat, lon, 26.9149, 75.8097)) \
         FROM (VALUES (26.2897, 73.0166), (NULL, 1.0), (91.0, 0.0), (26.9149, 75.8097)) t(lat, lon)",
    );
    assert_eq!(rows.concat(), ["286.0", "NULL", "NULL", "0.0"]);
}
