//! The reports shipped with jaanch: every `sql/*.sql` of the project, compiled in, so that the
//! installed binary has them without the source tree. A test keeps this list and the folder
//! in step.

macro_rules! bundled {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../sql/", $name, ".sql")))),*]
    };
}

pub const REPORTS: &[(&str, &str)] = bundled![
    "case_pendency",
    "dial112_response",
    "district_crime_summary",
    "ipc_bns_transition",
    "repeat_offenders",
    "sim_identity_mismatch",
    "stolen_vehicle_sightings",
    "vehicle_history",
    "weapon_posts",
];
