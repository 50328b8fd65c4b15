//! Number plates: generation in their canonical form, the look-alike class key that keeps the
//! vehicle population free of near-miss decoys, and plates as typed at a police station or
//! read by an ANPR camera.

use std::sync::LazyLock;

use jaanch_udfs::plate::ocr::class_of;

use super::mess;
use super::rng::{Rng, Weighted};

/// Letters a standard series uses (never `I` or `O`).
const SERIES_LETTERS: &[u8; 24] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";

/// Characters of the same class that OCR substitutes for `c` (most likely first).
fn confusions(c: u8) -> &'static [u8] {
    match c {
        b'0' => b"OOD Q",
        b'O' => b"0D",
        b'D' => b"0O",
        b'Q' => b"0O",
        b'1' => b"IIL T",
        b'I' => b"1L",
        b'L' => b"1I",
        b'T' => b"1I",
        b'J' => b"I1",
        b'Z' => b"2",
        b'2' => b"Z",
        b'S' => b"5",
        b'5' => b"S",
        b'B' => b"8",
        b'8' => b"B",
        b'G' => b"6",
        b'6' => b"G",
        b'A' => b"4",
        b'4' => b"A",
        _ => b"",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlateKind {
    /// `RJ14CA0012`; Delhi writes its RTO part without padding (`DL3CAB1234`).
    Standard,
    /// Bharat series `22BH1234AA`.
    Bharat,
    /// Pre-1989 three-letter series `RSB1234`.
    Old,
}

/// A plate in canonical form, with the boundaries of its groups.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Plate {
    bytes: [u8; 12],
    len: u8,
    /// End offsets of the groups (state, RTO, series, number for a standard plate).
    ends: [u8; 4],
    groups: u8,
    pub kind: PlateKind,
}

impl std::fmt::Debug for Plate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Plate {
    fn from_groups(kind: PlateKind, groups: &[&[u8]]) -> Plate {
        let mut plate = Plate {
            bytes: [0; 12],
            len: 0,
            ends: [0; 4],
            groups: groups.len() as u8,
            kind,
        };
        for (i, group) in groups.iter().enumerate() {
            let start = plate.len as usize;
            plate.bytes[start..start + group.len()].copy_from_slice(group);
            plate.len += group.len() as u8;
            plate.ends[i] = plate.len;
        }
        plate
    }

    /// A standard plate: `state` + RTO number (padded to 2 digits except for Delhi) + series +
    /// number padded to 4.
    pub fn standard(state: &str, rto: u32, series: &[u8], number: u32) -> Plate {
        let rto = if state == "DL" {
            rto.to_string()
        } else {
            format!("{rto:02}")
        };
        let number = format!("{number:04}");
        Plate::from_groups(
            PlateKind::Standard,
            &[state.as_bytes(), rto.as_bytes(), series, number.as_bytes()],
        )
    }

    pub fn bharat(year: u32, number: u32, series: &[u8]) -> Plate {
        let year = format!("{year:02}");
        let number = format!("{number:04}");
        Plate::from_groups(
            PlateKind::Bharat,
            &[year.as_bytes(), b"BH", number.as_bytes(), series],
        )
    }

    pub fn old(letters: &[u8], number: u32) -> Plate {
        let number = format!("{number:04}");
        Plate::from_groups(PlateKind::Old, &[letters, number.as_bytes()])
    }

    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len as usize]).expect("plates are ASCII")
    }

    pub fn groups(&self) -> impl Iterator<Item = &[u8]> + '_ {
        (0..self.groups as usize).map(|i| {
            let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
            &self.bytes[start..self.ends[i] as usize]
        })
    }

    /// Whether byte `i` lies in a group of digits.
    fn is_digit_slot(&self, i: usize) -> bool {
        self.bytes[i].is_ascii_digit()
    }

    /// The plate's look-alike key: each group's characters mapped to their class, with zero
    /// padding dropped (leading zero-class characters of the RTO part and number, trailing
    /// ones of a standard series) — the same normalisation `plate_match_key` applies. Two
    /// plates with the same key are indistinguishable to a matcher that tolerates OCR
    /// confusions, so the generator never issues both.
    pub fn class_key(&self) -> u128 {
        let trims: &[u8] = match self.kind {
            // 0 keep, 1 drop leading zero-class characters, 2 drop trailing ones.
            PlateKind::Standard => &[0, 1, 2, 1],
            PlateKind::Bharat => &[0, 0, 1, 0],
            PlateKind::Old => &[0, 1],
        };
        let mut key: u128 = 0;
        for (group, &trim) in self.groups().zip(trims) {
            let mut group = group;
            if trim == 1 {
                while let [first, rest @ ..] = group
                    && class_of(*first) == b'0'
                {
                    group = rest;
                }
            } else if trim == 2 {
                while let [rest @ .., last] = group
                    && class_of(*last) == b'0'
                {
                    group = rest;
                }
            }
            // Like `plate_match_key`, the groups are joined without a separator: the key is
            // coarser than the plate's groups, so the population avoids every plate pair that
            // function would confuse. Every class byte is non-zero, so packing is exact.
            for &c in group {
                key = (key << 7) | class_of(c) as u128;
            }
        }
        key
    }

    /// The plate as typed into a form, in the proportions of [`mess::TYPED_PLATE_STYLES`].
    pub fn write_typed(&self, rng: &mut Rng, out: &mut String) -> TypedStyle {
        let style = mess::TYPED_PLATE_STYLES[TYPED_WEIGHTS.sample(rng)].0;
        self.write_typed_in(style, out);
        style
    }

    pub fn write_typed_in(&self, style: TypedStyle, out: &mut String) {
        let joined = |sep: &str, out: &mut String| {
            for (i, group) in self.groups().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                out.push_str(std::str::from_utf8(group).unwrap());
            }
        };
        match style {
            TypedStyle::Canonical => out.push_str(self.as_str()),
            TypedStyle::Spaced => joined(" ", out),
            TypedStyle::Lower => out.push_str(&self.as_str().to_ascii_lowercase()),
            TypedStyle::Dashed => joined("-", out),
            TypedStyle::Unpadded => {
                // Zero padding of the number left off: RJ14CA12.
                let number_group = match self.kind {
                    PlateKind::Standard => 3,
                    PlateKind::Bharat => 2,
                    PlateKind::Old => 1,
                };
                for (i, group) in self.groups().enumerate() {
                    let text = std::str::from_utf8(group).unwrap();
                    if i == number_group {
                        out.push_str(text.trim_start_matches('0'));
                    } else {
                        out.push_str(text);
                    }
                }
            }
            TypedStyle::LookAlike => {
                // O typed for 0 and I for 1 in the digit groups.
                for (i, &c) in self.bytes[..self.len as usize].iter().enumerate() {
                    let typed = match c {
                        b'0' if self.is_digit_slot(i) => b'O',
                        b'1' if self.is_digit_slot(i) => b'I',
                        other => other,
                    };
                    out.push(typed as char);
                }
            }
            TypedStyle::Devanagari => {
                for &c in &self.bytes[..self.len as usize] {
                    if c.is_ascii_digit() {
                        out.push(char::from_u32(0x0966 + (c - b'0') as u32).unwrap());
                    } else {
                        out.push(c as char);
                    }
                }
            }
        }
    }

    /// The plate as an ANPR camera reads it, in the proportions of [`mess::READ_NOISE`];
    /// returns the noise and a confidence (0-1, two decimals) that falls with the noise.
    pub fn write_read(&self, rng: &mut Rng, out: &mut String) -> (ReadNoise, f64) {
        self.write_read_as(read_noise(rng), rng, out)
    }

    /// The plate as read by a camera with `noise`; returns the read's confidence.
    pub fn write_read_as(
        &self,
        noise: ReadNoise,
        rng: &mut Rng,
        out: &mut String,
    ) -> (ReadNoise, f64) {
        let mut bytes = self.bytes[..self.len as usize].to_vec();
        let (low, high) = match noise {
            ReadNoise::Clean => (86, 99),
            ReadNoise::Spaced => (84, 99),
            ReadNoise::IndPrefix => (78, 95),
            ReadNoise::OneConfusion => {
                self.confuse(rng, &mut bytes, 1);
                (60, 90)
            }
            ReadNoise::TwoConfusions => {
                self.confuse(rng, &mut bytes, 2);
                (48, 80)
            }
            ReadNoise::Garbled => {
                let i = 2 + rng.index(bytes.len() - 2);
                if rng.chance(0.5) || !bytes[i].is_ascii_digit() {
                    bytes.remove(i);
                } else {
                    // A digit misread as another digit: a different class.
                    let d = bytes[i] - b'0';
                    bytes[i] = b'0' + (d + 1 + rng.below(9) as u8) % 10;
                }
                (30, 65)
            }
        };
        let text = std::str::from_utf8(&bytes).expect("ASCII");
        match noise {
            ReadNoise::Spaced => {
                // The camera separates some groups: "RJ14 CA 0012", "RJ 14CA0012".
                let split = self.ends[..self.groups as usize - 1]
                    .iter()
                    .filter(|_| rng.chance(0.6))
                    .map(|&e| e as usize)
                    .collect::<Vec<_>>();
                let split = if split.is_empty() {
                    vec![self.ends[0] as usize]
                } else {
                    split
                };
                for (i, c) in text.char_indices() {
                    if split.contains(&i) {
                        out.push(' ');
                    }
                    out.push(c);
                }
            }
            ReadNoise::IndPrefix => {
                out.push_str(if rng.chance(0.7) { "IND" } else { "IND " });
                out.push_str(text);
            }
            _ => out.push_str(text),
        }
        let confidence = rng.range(low, high) as f64 / 100.0;
        (noise, confidence)
    }

    /// Another plate one character away: a digit of the number replaced by another digit,
    /// which is never a look-alike of it (each digit is its own class), so the two plates
    /// have different class keys and no OCR confusion turns one into the other.
    pub fn one_off(&self, rng: &mut Rng) -> Plate {
        let number = match self.kind {
            PlateKind::Standard => 3,
            PlateKind::Bharat => 2,
            PlateKind::Old => 1,
        };
        let end = self.ends[number] as usize;
        let start = self.ends[number - 1] as usize;
        let mut other = *self;
        let i = start + rng.index(end - start);
        let d = other.bytes[i] - b'0';
        other.bytes[i] = b'0' + (d + 1 + rng.below(9) as u8) % 10;
        debug_assert_ne!(other.class_key(), self.class_key());
        other
    }

    /// Replaces `count` characters by look-alikes of their class, at distinct positions. The
    /// `J` of `RJ` is the classic (`RI14...`) and is chosen more often.
    fn confuse(&self, rng: &mut Rng, bytes: &mut [u8], count: usize) {
        let mut positions: Vec<usize> = (0..bytes.len())
            .filter(|&i| !confusions(bytes[i]).is_empty())
            .collect();
        for _ in 0..count {
            if positions.is_empty() {
                return;
            }
            let j_position = positions
                .iter()
                .position(|&i| i == 1 && bytes[0] == b'R' && bytes[1] == b'J');
            let k = match j_position {
                Some(k) if rng.chance(0.25) => k,
                _ => rng.index(positions.len()),
            };
            let i = positions.swap_remove(k);
            let options: Vec<u8> = confusions(bytes[i])
                .iter()
                .copied()
                .filter(|&c| c != b' ')
                .collect();
            bytes[i] = rng.pick(&options);
        }
    }
}

/// How a plate was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedStyle {
    Canonical,
    Spaced,
    Lower,
    Dashed,
    Unpadded,
    LookAlike,
    Devanagari,
}

/// How an ANPR camera read a plate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadNoise {
    Clean,
    Spaced,
    OneConfusion,
    TwoConfusions,
    IndPrefix,
    Garbled,
}

static TYPED_WEIGHTS: LazyLock<Weighted> =
    LazyLock::new(|| Weighted::new(mess::TYPED_PLATE_STYLES.iter().map(|(_, w)| *w)));
static READ_WEIGHTS: LazyLock<Weighted> =
    LazyLock::new(|| Weighted::new(mess::READ_NOISE.iter().map(|(_, w)| *w)));

/// Noise for one read, in the proportions of [`mess::READ_NOISE`].
pub fn read_noise(rng: &mut Rng) -> ReadNoise {
    mess::READ_NOISE[READ_WEIGHTS.sample(rng)].0
}

/// Random series letters: 1 to 3 letters, mostly 2.
pub fn series(rng: &mut Rng) -> ([u8; 3], usize) {
    let len = match rng.below(20) {
        0..=1 => 1,
        2..=18 => 2,
        _ => 3,
    };
    let mut letters = [0u8; 3];
    for letter in letters.iter_mut().take(len) {
        *letter = rng.pick(SERIES_LETTERS);
    }
    (letters, len)
}

/// A Rajasthan plate at RTO `code` (`RJ14`).
pub fn rajasthan(rng: &mut Rng, code: &str) -> Plate {
    let rto: u32 = code[2..].parse().expect("RTO codes are RJ + digits");
    let (letters, len) = series(rng);
    Plate::standard("RJ", rto, &letters[..len], rng.range(1, 9999) as u32)
}

/// A Bharat-series plate of a vehicle registered in `year` (2021 or later).
pub fn bharat(rng: &mut Rng, year: i32) -> Plate {
    let mut letters = [0u8; 2];
    for letter in &mut letters {
        *letter = rng.pick(SERIES_LETTERS);
    }
    Plate::bharat((year % 100) as u32, rng.range(1, 9999) as u32, &letters)
}

/// Old Rajasthan three-letter series, before the `RJ` codes of 1989.
const OLD_SERIES: [&[u8; 3]; 14] = [
    b"RSA", b"RSB", b"RSC", b"RRA", b"RRB", b"RNA", b"RNB", b"RPA", b"RPB", b"RUA", b"RUB", b"RJA",
    b"RJB", b"RJY",
];

pub fn old(rng: &mut Rng) -> Plate {
    let letters: &[u8; 3] = rng.pick(&OLD_SERIES);
    Plate::old(letters, rng.range(1, 9999) as u32)
}

/// Vehicles from other states seen in Rajasthan: state, RTO numbers, weight.
const OTHER_STATES: [(&str, &[u32], f64); 10] = [
    ("HR", &[26, 55, 29, 38, 47, 51, 36, 12], 0.22),
    ("GJ", &[1, 5, 18, 8, 2, 27], 0.16),
    ("MP", &[9, 4, 7, 13, 20, 14], 0.16),
    ("DL", &[1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13], 0.14),
    ("UP", &[16, 80, 32, 14, 85, 83], 0.12),
    ("PB", &[10, 65, 8, 2, 13], 0.08),
    ("MH", &[12, 2, 4, 43, 14], 0.05),
    ("CH", &[1], 0.02),
    ("UK", &[7, 8], 0.02),
    ("TS", &[9, 7], 0.03),
];

static OTHER_STATE_WEIGHTS: LazyLock<Weighted> =
    LazyLock::new(|| Weighted::new(OTHER_STATES.iter().map(|s| s.2)));

/// A plate of another state; Delhi series begin with a category letter (`DL3CAB1234`).
pub fn other_state(rng: &mut Rng) -> Plate {
    let (state, rtos, _) = OTHER_STATES[OTHER_STATE_WEIGHTS.sample(rng)];
    let rto = rng.pick(rtos);
    let number = rng.range(1, 9999) as u32;
    if state == "DL" {
        let category = rng.pick(b"CSCSCTE");
        let (letters, len) = series(rng);
        let mut series = vec![category];
        series.extend_from_slice(&letters[..len.min(2)]);
        Plate::standard(state, rto, &series, number)
    } else {
        let (letters, len) = series(rng);
        Plate::standard(state, rto, &letters[..len], number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(Plate::standard("RJ", 14, b"CA", 12).as_str(), "RJ14CA0012");
        assert_eq!(
            Plate::standard("DL", 3, b"CAB", 1234).as_str(),
            "DL3CAB1234"
        );
        assert_eq!(Plate::bharat(22, 1234, b"AA").as_str(), "22BH1234AA");
        assert_eq!(Plate::old(b"RSB", 34).as_str(), "RSB0034");
    }

    #[test]
    fn typed_styles() {
        let plate = Plate::standard("RJ", 14, b"CA", 12);
        let typed = |style| {
            let mut out = String::new();
            plate.write_typed_in(style, &mut out);
            out
        };
        assert_eq!(typed(TypedStyle::Spaced), "RJ 14 CA 0012");
        assert_eq!(typed(TypedStyle::Dashed), "RJ-14-CA-0012");
        assert_eq!(typed(TypedStyle::Unpadded), "RJ14CA12");
        assert_eq!(typed(TypedStyle::LookAlike), "RJI4CAOOI2");
        assert_eq!(typed(TypedStyle::Devanagari), "RJ१४CA००१२");
    }

    #[test]
    fn class_keys_ignore_look_alikes_and_padding() {
        let key = |s: &Plate| s.class_key();
        assert_eq!(
            key(&Plate::standard("RJ", 14, b"CA", 12)),
            key(&Plate::standard("RJ", 14, b"C4", 12))
        );
        assert_eq!(
            key(&Plate::standard("RJ", 14, b"CD", 1234)),
            key(&Plate::standard("RJ", 14, b"C", 1234))
        );
        assert_ne!(
            key(&Plate::standard("RJ", 14, b"CA", 12)),
            key(&Plate::standard("RJ", 14, b"CA", 13))
        );
        assert_ne!(
            key(&Plate::standard("RJ", 1, b"CA", 12)),
            key(&Plate::standard("RJ", 11, b"CA", 12))
        );
    }

    #[test]
    fn reads_stay_within_classes() {
        let mut rng = Rng::new(9);
        let plate = Plate::standard("RJ", 14, b"CA", 1208);
        for _ in 0..500 {
            let mut out = String::new();
            let (noise, confidence) = plate.write_read(&mut rng, &mut out);
            assert!((0.3..=0.99).contains(&confidence));
            let stripped: Vec<u8> = out.bytes().filter(|b| *b != b' ').collect();
            let stripped = stripped.strip_prefix(b"IND").unwrap_or(&stripped);
            if noise != ReadNoise::Garbled {
                let classes: Vec<u8> = stripped.iter().map(|&c| class_of(c)).collect();
                let expected: Vec<u8> = plate.as_str().bytes().map(class_of).collect();
                assert_eq!(classes, expected, "{out}");
            }
        }
    }
}
