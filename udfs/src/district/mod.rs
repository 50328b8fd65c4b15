//! District functions: resolve the many ways a Rajasthan district is written (English
//! variants, Devanagari, police districts, districts abolished in 2024, small typos) to one of
//! the 41 current districts, and map RTO codes and PIN codes to districts.
//!
//! Every function resolves names the same way (see [`lookup`]), so `district_hi(x)`,
//! `district_code(x)` and `district_division(x)` always describe `district_canonical(x)`.

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

mod attributes;
mod canonical;
pub mod lookup;
mod pincode;
mod rto;
mod tables;

#[cfg(test)]
mod tests;

/// Every function of this family.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::clone(&canonical::DISTRICT_CANONICAL),
        Arc::clone(&attributes::DISTRICT_HI),
        Arc::clone(&attributes::DISTRICT_CODE),
        Arc::clone(&attributes::DISTRICT_DIVISION),
        Arc::clone(&rto::DISTRICT_OF_RTO),
        Arc::clone(&pincode::DISTRICT_OF_PINCODE),
    ]
}

/// This family's tables in the `ref` schema: (table name, what builds its contents).
pub fn reference_tables() -> Vec<(&'static str, crate::BuildTable)> {
    vec![
        ("districts", tables::districts),
        ("rto_codes", tables::rto_codes),
        ("police_districts", tables::police_districts),
        ("state_codes", tables::state_codes),
    ]
}
