//! The batch of messy plates the plate benches run on: `ascii` (case, separators, missing
//! padding, OCR noise, some garbage) and `devanagari` (the same with Devanagari digits).

use jaanch_udfs::rng::Rng;

/// DataFusion's batch size.
pub const ROWS: usize = 8192;

/// A random letter; `series` letters leave out I and O, as plate series do.
fn letter(rng: &mut Rng, series: bool) -> char {
    const ALL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    const SERIES: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    rng.pick(if series { SERIES } else { ALL }) as char
}

const STATES: &[&str] = &[
    "RJ", "RJ", "RJ", "RJ", "DL", "MH", "UP", "GJ", "HR", "PB", "MP", "KA", "TN", "TS", "OR", "WB",
];
const SEPARATORS: &[&str] = &["", "", " ", "-", " ", ".", "/", "  "];

/// One messy plate as people and cameras write them.
fn messy_plate(rng: &mut Rng, devanagari: bool) -> String {
    let sep = |rng: &mut Rng| rng.pick(SEPARATORS);
    let mut plate = match rng.below(100) {
        0..=69 => {
            let state = rng.pick(STATES);
            let rto = 1 + rng.below(60);
            let series: String = (0..1 + rng.below(3)).map(|_| letter(rng, true)).collect();
            let number = 1 + rng.below(9999);
            let number = if rng.below(4) == 0 {
                number.to_string()
            } else {
                format!("{number:04}")
            };
            let rto = if rng.below(5) == 0 {
                rto.to_string()
            } else {
                format!("{rto:02}")
            };
            let (s1, s2, s3) = (sep(rng), sep(rng), sep(rng));
            format!("{state}{s1}{rto}{s2}{series}{s3}{number}")
        }
        70..=76 => {
            let (a, b) = (letter(rng, true), letter(rng, true));
            format!("{} BH {:04} {a}{b}", 21 + rng.below(5), rng.below(9999) + 1)
        }
        77..=80 => {
            let (a, b) = (letter(rng, true), letter(rng, true));
            format!(
                "T{:02}{:02}{}{:04}{a}{b}",
                1 + rng.below(12),
                20 + rng.below(6),
                rng.pick(STATES),
                1 + rng.below(9999)
            )
        }
        81..=83 => {
            let (a, b, c) = (letter(rng, false), letter(rng, false), letter(rng, false));
            format!("{a}{b}{c} {}", 1 + rng.below(9999))
        }
        84..=85 => format!(
            "{:02} {} {:06} {}",
            rng.below(30),
            letter(rng, false),
            rng.below(999_999),
            letter(rng, false)
        ),
        86..=87 => format!("{} CD {}", 1 + rng.below(200), 1 + rng.below(999)),
        88..=93 => {
            // An OCR read with a look-alike in the number or the state.
            let number = format!("{:04}", 1 + rng.below(9999))
                .replace('0', "O")
                .replace('1', "I");
            format!(
                "R{}{:02}C{}{number}",
                rng.pick(&["J", "I", "1"]),
                1 + rng.below(52),
                letter(rng, true)
            )
        }
        _ if devanagari => rng
            .pick(&["", "राजस्थान", "आरजे १४", "RJ14CA12345", "—"])
            .to_string(),
        _ => rng
            .pick(&["", "UNKNOWN", "N/A", "RJ14", "-", "RJ14CA12345", "NO PLATE"])
            .to_string(),
    };
    if rng.below(3) == 0 {
        plate = plate.to_lowercase();
    }
    if devanagari {
        plate = plate
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(0x0966 + (c as u32 - '0' as u32)).unwrap(),
                _ => c,
            })
            .collect();
    }
    plate
}

/// A batch of [`ROWS`] messy plates, from `seed`.
pub fn plates(seed: u64, devanagari: bool) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..ROWS)
        .map(|_| messy_plate(&mut rng, devanagari))
        .collect()
}
