//! The shell's parsers on hostile input ([`jaanch_udfs::hostile`]): meta-commands as typed, and
//! completion of any line at any cursor position. Each answers or says why, never panics.

use jaanch::{Identity, Lake, LakeConfig};
use jaanch_udfs::hostile::{self, fuzz, mutate};
use rustyline::completion::Completer;
use rustyline::history::DefaultHistory;

use super::complete::ShellHelper;
use super::meta;

/// Meta-commands with arguments of every kind, as bases for edits.
const LINES: &[&str] = &[
    "\\r vehicle_history plate='RJ14 CA 0012' from=2024-01-01",
    "\\d cctns.fir",
    "\\o 'hits file.csv';",
    "\\format csv",
    "\\maxrows 100",
    "\\purpose FIR 123/2024 PS Kotwali",
    "\\i report.sql",
    "\\x on",
    "\\dt abhay.*",
];

#[test]
fn meta_commands_parse_or_say_why() {
    fuzz(
        "meta-command",
        |rng| match rng.below(3) {
            0 => format!("\\{}", hostile::text(rng)),
            1 => {
                let name = meta::COMMANDS[rng.index(meta::COMMANDS.len())].name;
                format!("{name} {}", hostile::text(rng))
            }
            _ => {
                let line = LINES[rng.index(LINES.len())];
                mutate(rng, line)
            }
        },
        |line| {
            let _ = meta::parse(line);
        },
    );
}

#[test]
fn completion_answers_any_line_at_any_position() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let lake = Lake::from_config(LakeConfig::empty("fuzz")).unwrap();
    let session = lake.session(Identity::local()).unwrap();
    let helper = ShellHelper::new(&session, runtime.handle().clone());
    let history = DefaultHistory::new();
    fuzz(
        "completion",
        |rng| {
            let line = match rng.below(3) {
                0 => hostile::text(rng),
                1 => {
                    let line = LINES[rng.index(LINES.len())];
                    mutate(rng, line)
                }
                _ => mutate(
                    rng,
                    "SELECT plate_normalize(p) FROM cctns.fir f WHERE f.dis",
                ),
            };
            let boundaries: Vec<usize> = (0..=line.len())
                .filter(|&i| line.is_char_boundary(i))
                .collect();
            let pos = boundaries[rng.index(boundaries.len())];
            (line, pos)
        },
        |(line, pos)| {
            let context = rustyline::Context::new(&history);
            let _ = helper.complete(line, *pos, &context);
        },
    );
}
