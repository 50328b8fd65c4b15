//! Hostile input for fuzzing: text as it arrives from typing, OCR, copy-paste and attackers, and
//! random edits of valid text (a lake config, a report header), with a harness that runs a
//! target on many seeded cases and names the case that panics.
//!
//! Every target in the project (the police functions, the lake config and report parsers, the
//! shell's meta-commands) runs [`fuzz`] in its tests: `JAANCH_FUZZ_CASES` cases each (256 by
//! default, a bounded run for CI), from `JAANCH_FUZZ_SEED` (fixed by default, so a run is
//! reproducible; give another for a longer, different run). A panic is reported with the seed,
//! the case number and the input, and becomes a regression test.

use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::rng::Rng;

/// Pieces that break parsers: digits and letters of the police formats, Devanagari, formatting
/// that is not a space, direction marks, emoji, control characters, quotes and the syntax of
/// TOML, SQL and jaanch's own headers.
const PIECES: &[&str] = &[
    "0",
    "1",
    "9",
    "98290",
    "12345",
    "+91",
    "0091",
    "RJ",
    "14",
    "CA",
    "IND",
    "BH",
    "379",
    "IPC",
    "BNS",
    "धारा",
    "भादवि",
    "/",
    "(",
    ")",
    "-",
    ".",
    ",",
    ":",
    ";",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\u{a0}",
    "\u{200b}",
    "\u{200d}",
    "\u{feff}",
    "\u{202e}",
    "\u{2066}",
    "\u{0}",
    "\u{7f}",
    "\u{1b}[31m",
    "०",
    "९",
    "क",
    "ज़",
    "\u{93c}",
    "\u{94d}",
    "😀",
    "👨‍👩‍👧",
    "\u{10ffff}",
    "ß",
    "İ",
    "Ⅻ",
    "１",
    "'",
    "\"",
    "`",
    "\\",
    "$",
    "${",
    "}",
    "{",
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "==",
    "#",
    "--",
    "/*",
    "*/",
    "%",
    "_",
    "*",
    "?",
    "$1",
    "$from",
    "@",
    "-- param:",
    "-- title:",
    "int",
    "date",
    "text",
    "true",
    "null",
    "NULL",
    "1e309",
    "-0",
    "NaN",
    "inf",
    "9223372036854775808",
    "-9223372036854775809",
    "2024-02-30",
    "24:00",
    "T",
    "+05:30",
    "MiB",
    "GiB",
    "k",
    "\\dt",
    "\\",
    "jaipur",
    "JAIPUR",
    "Jaipur East",
    "जयपुर",
    "s3://",
    "file:///",
    "../",
    "..",
    "~",
];

/// One hostile text value.
pub fn text(rng: &mut Rng) -> String {
    match rng.below(10) {
        // Pieces run together: the likeliest to get deep into a parser.
        0..=4 => {
            let n = rng.below(12) as usize;
            (0..n).map(|_| rng.pick(PIECES)).collect()
        }
        // Any characters at all.
        5 | 6 => {
            let n = rng.below(24) as usize;
            (0..n).map(|_| any_char(rng)).collect()
        }
        // One piece repeated into a long value (100 KB at most).
        7 => {
            let piece = rng.pick(PIECES);
            piece.repeat(1 + rng.below(100_000 / piece.len().max(1) as u64) as usize)
        }
        8 => String::new(),
        // Digits, as the numeric formats are.
        _ => {
            let n = rng.below(20) as usize;
            (0..n)
                .map(|_| char::from(b'0' + rng.below(10) as u8))
                .collect()
        }
    }
}

/// Any Unicode scalar value, weighted towards ASCII and the Devanagari block.
fn any_char(rng: &mut Rng) -> char {
    let code = match rng.below(4) {
        0 => rng.below(0x80) as u32,
        1 => 0x900 + rng.below(0x80) as u32,
        _ => rng.below(0x11_0000) as u32,
    };
    char::from_u32(code).unwrap_or('\u{fffd}')
}

/// `valid` after one to eight random edits: a range deleted, hostile text inserted, a line
/// doubled or dropped, a character replaced. Edits keep the text valid UTF-8.
pub fn mutate(rng: &mut Rng, valid: &str) -> String {
    let mut out = valid.to_string();
    for _ in 0..1 + rng.below(8) {
        let at = boundary(&out, rng.index(out.len() + 1));
        match rng.below(5) {
            0 => {
                let end = boundary(&out, at + rng.index(32));
                out.replace_range(at..end, "");
            }
            1 => out.insert_str(at, &text(rng)),
            2 | 3 => {
                let lines: Vec<&str> = out.split_inclusive('\n').collect();
                if lines.is_empty() {
                    continue;
                }
                let i = rng.index(lines.len());
                let mut edited: Vec<&str> = lines.clone();
                if rng.chance(0.5) {
                    edited.insert(i, lines[i]);
                } else {
                    edited.remove(i);
                }
                out = edited.concat();
            }
            _ => {
                let end = boundary(&out, at + 1);
                out.replace_range(at..end, rng.pick(PIECES));
            }
        }
    }
    out
}

/// The nearest character boundary of `text` at or after `at`.
fn boundary(text: &str, at: usize) -> usize {
    (at.min(text.len())..=text.len())
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(text.len())
}

/// How many cases each target runs: `JAANCH_FUZZ_CASES`, else 256.
pub fn cases() -> u64 {
    std::env::var("JAANCH_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

/// The run's seed: `JAANCH_FUZZ_SEED`, else a fixed one.
pub fn seed() -> u64 {
    std::env::var("JAANCH_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_240_701)
}

/// Runs `target` on [`cases`] inputs made by `make` from seeded generators. A panic fails with
/// the target, the seed and case that reproduce it, and the input. Returns how many cases ran.
pub fn fuzz<I: std::fmt::Debug>(
    target: &str,
    mut make: impl FnMut(&mut Rng) -> I,
    mut run: impl FnMut(&I),
) -> u64 {
    let (seed, cases) = (seed(), cases());
    for case in 0..cases {
        let mut rng = Rng::stream(seed, crate::rng::key(target), case);
        let input = make(&mut rng);
        if catch_unwind(AssertUnwindSafe(|| run(&input))).is_err() {
            panic!(
                "fuzz target {target} panicked on case {case} (JAANCH_FUZZ_SEED={seed}); input: {input:?}"
            );
        }
    }
    cases
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_text_valid_and_change_it() {
        let valid = "name = \"demo\"\n[[table]]\nname = \"cctns.fir\"\n";
        let mut changed = 0;
        for case in 0..200 {
            let mut rng = Rng::new(case);
            let edited = mutate(&mut rng, valid);
            changed += usize::from(edited != valid);
            assert!(text(&mut rng).len() <= 100_000 + 32);
        }
        assert!(changed > 150, "{changed} of 200 edited");
    }

    #[test]
    fn a_panic_names_its_case_and_input() {
        let caught = catch_unwind(|| fuzz("always fails", |rng| rng.below(10), |_| panic!("boom")));
        let message = caught.unwrap_err();
        let message = message.downcast_ref::<String>().unwrap();
        assert!(
            message.starts_with("fuzz target always fails panicked on case 0"),
            "{message}"
        );
    }
}
