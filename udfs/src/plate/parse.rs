//! The one plate parser behind every `plate_*` function.
//!
//! [`Chars::of`] makes a single pass over the bytes of a value: it drops formatting (case,
//! spaces, the separators `- . / _`, a non-breaking space, dashes, the defence arrow `↑`), reads
//! Devanagari digits `०`-`९` as `0`-`9`, and splits what is left into runs of letters and
//! digits. [`Plate::from_chars`] then matches the run shape against the plate formats and writes
//! the canonical form. Both are small values on the stack; nothing is allocated.
//!
//! Formats (canonical form in brackets):
//! - standard `SS NN X[XX] NNNN` (`RJ14CA0012`): a known state code, an RTO part of 1-2 digits
//!   (zero-padded to 2, except Delhi where it is written without padding: `DL3CAB1234`), 1-3
//!   series letters without `I` or `O`, a number of 1-4 digits zero-padded to 4;
//! - Bharat series `YY BH NNNN XX` (`22BH1234AA`): year 21 or later, 1-2 series letters;
//! - temporary `T MMYY SS NNNN X[X]` (`T0125RJ0042AB`): month 01-12, a known state code;
//! - old three-letter series `XXX NNNN` (`RSB1234`);
//! - defence `YY X NNNNNN X` (`15B123456K`): the serial has exactly 6 digits;
//! - diplomatic `NNN CD|CC|UN NNNN` (`077CD0012`): country code padded to 3, number to 4.
//!
//! Numbers, RTO parts and country codes of all zeros are not plates. A leading `IND` (the
//! strip on high-security plates) is dropped when the rest is a plate.

use std::sync::LazyLock;

use crate::reference;

/// Letters and digits kept from one value at most: the longest plate (temporary, 13) plus `IND`.
pub(crate) const MAX_CHARS: usize = 16;

/// Runs of letters or digits in a plate at most (temporary plates have 5).
const MAX_RUNS: usize = 5;

/// Length of the longest canonical plate (temporary).
const MAX_TEXT: usize = 13;

const REJECT: u8 = 0;
const SKIP: u8 = 1;
const NON_ASCII: u8 = 2;

/// What each byte is: an uppercased letter or digit (its own value), formatting to skip, the
/// first byte of a non-ASCII character, or anything else (the value is not a plate).
static BYTES: [u8; 256] = {
    let mut table = [REJECT; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'0'..=b'9' | b'A'..=b'Z' => c,
            b'a'..=b'z' => c - 32,
            b' ' | b'\t' | b'\n' | b'\r' | b'-' | b'.' | b'/' | b'_' => SKIP,
            0x80..=0xFF => NON_ASCII,
            _ => REJECT,
        };
        b += 1;
    }
    table
};

/// The letters and digits of a value, uppercased, in runs of the same type.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chars {
    buf: [u8; MAX_CHARS],
    len: u8,
    /// End of each run in `buf`; the last slot is scratch once there are too many runs.
    ends: [u8; MAX_RUNS + 1],
    /// Number of runs; `MAX_RUNS + 1` means more than [`MAX_RUNS`].
    runs: u8,
    digit_first: bool,
}

impl Chars {
    /// Drops the formatting of `s` in one pass; `None` if it holds anything that is neither a
    /// letter, a digit nor formatting, or more than [`MAX_CHARS`] letters and digits.
    #[inline]
    pub(crate) fn of(s: &str) -> Option<Chars> {
        let bytes = s.as_bytes();
        let mut chars = Chars {
            buf: [0; MAX_CHARS],
            len: 0,
            ends: [0; MAX_RUNS + 1],
            runs: 0,
            digit_first: false,
        };
        let mut len = 0usize;
        let mut runs = 0usize;
        let mut last_is_digit = 2u8;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            let c = match BYTES[b as usize] {
                SKIP => continue,
                REJECT => return None,
                NON_ASCII => match (b, bytes.get(i), bytes.get(i + 1)) {
                    // Devanagari digits U+0966..U+096F.
                    (0xE0, Some(0xA5), Some(&d @ 0xA6..=0xAF)) => {
                        i += 2;
                        d - 0xA6 + b'0'
                    }
                    // No-break space U+00A0.
                    (0xC2, Some(0xA0), _) => {
                        i += 1;
                        continue;
                    }
                    // Upwards arrow U+2191 (defence plates), en and em dash U+2013, U+2014.
                    (0xE2, Some(0x86), Some(0x91)) | (0xE2, Some(0x80), Some(0x93 | 0x94)) => {
                        i += 2;
                        continue;
                    }
                    _ => return None,
                },
                c => c,
            };
            if len == MAX_CHARS {
                return None;
            }
            let is_digit = (c <= b'9') as u8;
            if is_digit != last_is_digit {
                last_is_digit = is_digit;
                runs = (runs + 1).min(MAX_RUNS + 1);
            }
            chars.buf[len] = c;
            len += 1;
            chars.ends[runs - 1] = len as u8;
        }
        chars.len = len as u8;
        chars.runs = runs as u8;
        chars.digit_first = chars.buf[0].is_ascii_digit();
        Some(chars)
    }

    /// Builds from letters and digits that are already uppercase (a repaired candidate).
    pub(crate) fn from_upper(letters_and_digits: &[u8]) -> Option<Chars> {
        Chars::of(std::str::from_utf8(letters_and_digits).ok()?)
    }

    /// The letters and digits.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }
}

/// The kind of a plate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Standard,
    Bharat,
    Temporary,
    Old,
    Defence,
    Diplomatic,
}

impl Kind {
    /// The name `plate_kind` returns.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Standard => "standard",
            Kind::Bharat => "bharat",
            Kind::Temporary => "temporary",
            Kind::Old => "old",
            Kind::Defence => "defence",
            Kind::Diplomatic => "diplomatic",
        }
    }
}

/// A valid plate in canonical form, with the boundaries of its groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plate {
    kind: Kind,
    len: u8,
    text: [u8; MAX_TEXT],
    /// End of each group in `text` (state, RTO, series, number for a standard plate).
    ends: [u8; MAX_RUNS],
    groups: u8,
}

impl Plate {
    /// Parses a value as written, formatting aside; `None` if it is not a plate.
    #[inline]
    pub fn parse(s: &str) -> Option<Plate> {
        Plate::from_chars(&Chars::of(s)?)
    }

    /// Matches the letters and digits of a value against the plate formats.
    #[inline]
    pub(crate) fn from_chars(chars: &Chars) -> Option<Plate> {
        let runs = chars.runs as usize;
        if runs == 0 || runs > MAX_RUNS {
            return None;
        }
        let buf = chars.as_bytes();
        from_runs(buf, &chars.ends[..runs], chars.digit_first).or_else(|| {
            // The `IND` strip of a high-security plate, read along with the plate.
            if !buf.starts_with(b"IND") {
                return None;
            }
            let mut ends = [0u8; MAX_RUNS];
            let mut n = 0;
            for &end in &chars.ends[..runs] {
                if end > 3 {
                    ends[n] = end - 3;
                    n += 1;
                }
            }
            let rest = &buf[3..];
            from_runs(rest, &ends[..n], rest.first()?.is_ascii_digit())
        })
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The canonical form, e.g. `RJ14CA0012`.
    pub fn as_str(&self) -> &str {
        // SAFETY: `text` holds only ASCII letters and digits (see `Writer`).
        unsafe { std::str::from_utf8_unchecked(&self.text[..self.len as usize]) }
    }

    /// The groups of the canonical form, e.g. `RJ`, `14`, `CA`, `0012`.
    pub fn groups(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends[..self.groups as usize].iter().map(move |&end| {
            let group = &self.text[start..end as usize];
            start = end as usize;
            group
        })
    }

    fn group(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        // SAFETY: as in `as_str`.
        unsafe { std::str::from_utf8_unchecked(&self.text[start..self.ends[i] as usize]) }
    }

    /// The state code of a standard or temporary plate (`RJ`); other kinds carry none.
    pub fn state(&self) -> Option<&str> {
        match self.kind {
            Kind::Standard => Some(self.group(0)),
            Kind::Temporary => Some(self.group(2)),
            _ => None,
        }
    }

    /// The name of the state or UT of [`Plate::state`] (`Rajasthan`).
    pub fn state_name(&self) -> Option<&'static str> {
        let code = self.state()?.as_bytes();
        state_entry(code[0], code[1]).map(|s| s.name.as_str())
    }

    /// The registration office of a standard plate: state code and RTO part (`RJ14`, `DL3`).
    pub fn rto(&self) -> Option<&str> {
        match self.kind {
            // SAFETY: as in `as_str`.
            Kind::Standard => {
                Some(unsafe { std::str::from_utf8_unchecked(&self.text[..self.ends[1] as usize]) })
            }
            _ => None,
        }
    }

    /// The current district of the Rajasthan office that issued a standard plate.
    pub fn district(&self) -> Option<&'static str> {
        let rto = self.rto()?.as_bytes();
        if !rto.starts_with(b"RJ") {
            return None;
        }
        // A Rajasthan RTO part is always two digits in canonical form.
        let n = (rto[2] - b'0') as usize * 10 + (rto[3] - b'0') as usize;
        RJ_DISTRICTS[n]
    }
}

/// Rajasthan districts by RTO number (`RJ14` → index 14), from `reference::rto_district`.
static RJ_DISTRICTS: LazyLock<[Option<&'static str>; 100]> =
    LazyLock::new(|| std::array::from_fn(|n| reference::rto_district(&format!("RJ{n:02}"))));

/// State codes by their two letters: index into `reference::STATE_CODES`, plus one.
static STATES: LazyLock<[u8; 26 * 26]> = LazyLock::new(|| {
    let mut table = [0u8; 26 * 26];
    for (i, state) in reference::STATE_CODES.iter().enumerate() {
        let code = state.code.as_bytes();
        if code.len() == 2 && code.iter().all(u8::is_ascii_uppercase) {
            table[state_index(code[0], code[1])] = i as u8 + 1;
        }
    }
    table
});

fn state_index(a: u8, b: u8) -> usize {
    (a - b'A') as usize * 26 + (b - b'A') as usize
}

fn state_entry(a: u8, b: u8) -> Option<&'static reference::StateCode> {
    match STATES[state_index(a, b)] {
        0 => None,
        i => Some(&reference::STATE_CODES[i as usize - 1]),
    }
}

/// Whether two uppercase letters are a state or UT code, current or old (`RJ`, `TS`).
#[inline]
pub(crate) fn is_state_code(a: u8, b: u8) -> bool {
    a.is_ascii_uppercase() && b.is_ascii_uppercase() && STATES[state_index(a, b)] != 0
}

/// Series letters never use `I` or `O`.
#[inline]
pub(crate) fn is_series_letter(c: u8) -> bool {
    c.is_ascii_uppercase() && c != b'I' && c != b'O'
}

/// Writes a canonical plate group by group.
struct Writer {
    plate: Plate,
}

impl Writer {
    fn new(kind: Kind) -> Self {
        Writer {
            plate: Plate {
                kind,
                len: 0,
                text: [0; MAX_TEXT],
                ends: [0; MAX_RUNS],
                groups: 0,
            },
        }
    }

    /// Appends a group of ASCII letters or digits.
    #[inline]
    fn group(mut self, bytes: &[u8]) -> Self {
        let p = &mut self.plate;
        let start = p.len as usize;
        p.text[start..start + bytes.len()].copy_from_slice(bytes);
        p.len += bytes.len() as u8;
        p.ends[p.groups as usize] = p.len;
        p.groups += 1;
        self
    }

    /// Appends digits left-padded with zeros to `width` (`digits.len() <= width`).
    #[inline]
    fn padded(mut self, digits: &[u8], width: usize) -> Self {
        let p = &mut self.plate;
        let start = p.len as usize;
        let pad = width - digits.len();
        p.text[start..start + pad].fill(b'0');
        p.text[start + pad..start + width].copy_from_slice(digits);
        p.len += width as u8;
        p.ends[p.groups as usize] = p.len;
        p.groups += 1;
        self
    }

    fn done(self) -> Option<Plate> {
        Some(self.plate)
    }
}

fn all_zero(digits: &[u8]) -> bool {
    digits.iter().all(|&d| d == b'0')
}

/// A group of 1..=`max` digits that is not all zeros.
#[inline]
fn number(digits: &[u8], max: usize) -> bool {
    digits.len() <= max && !all_zero(digits)
}

/// Letters that may be plate series letters, 1..=`max` of them.
#[inline]
fn series(letters: &[u8], max: usize) -> bool {
    letters.len() <= max && letters.iter().all(|&c| is_series_letter(c))
}

/// Matches runs of letters and digits (alternating; `digit_first` says which comes first).
#[inline]
fn from_runs(buf: &[u8], ends: &[u8], digit_first: bool) -> Option<Plate> {
    let mut r: [&[u8]; MAX_RUNS] = [&[]; MAX_RUNS];
    let mut start = 0;
    for (i, &end) in ends.iter().enumerate() {
        r[i] = &buf[start..end as usize];
        start = end as usize;
    }
    match (ends.len(), digit_first) {
        (4, false) => standard(r[0], r[1], r[2], r[3]),
        (4, true) => bharat(r[0], r[1], r[2], r[3]).or_else(|| defence(r[0], r[1], r[2], r[3])),
        (5, false) => temporary(r[0], r[1], r[2], r[3], r[4]),
        (3, true) => diplomatic(r[0], r[1], r[2]),
        (2, false) => old(r[0], r[1]),
        _ => None,
    }
}

/// `SS NN X[XX] NNNN`.
#[inline]
fn standard(state: &[u8], rto: &[u8], letters: &[u8], digits: &[u8]) -> Option<Plate> {
    if state.len() != 2
        || !is_state_code(state[0], state[1])
        || !number(rto, 2)
        || !series(letters, 3)
        || !number(digits, 4)
    {
        return None;
    }
    let w = Writer::new(Kind::Standard).group(state);
    let w = if state == b"DL" {
        // Delhi writes its RTO part without zero padding: DL3C, DL12C.
        let first = rto.iter().position(|&d| d != b'0').unwrap_or(0);
        w.group(&rto[first..])
    } else {
        w.padded(rto, 2)
    };
    w.group(letters).padded(digits, 4).done()
}

/// `YY BH NNNN XX`.
fn bharat(year: &[u8], bh: &[u8], digits: &[u8], letters: &[u8]) -> Option<Plate> {
    if year.len() != 2 || year < b"21".as_slice() || bh != b"BH" {
        return None;
    }
    if !number(digits, 4) || !series(letters, 2) {
        return None;
    }
    Writer::new(Kind::Bharat)
        .group(year)
        .group(bh)
        .padded(digits, 4)
        .group(letters)
        .done()
}

/// `YY X NNNNNN X`.
fn defence(year: &[u8], class: &[u8], serial: &[u8], check: &[u8]) -> Option<Plate> {
    if year.len() != 2 || class.len() != 1 || serial.len() != 6 || check.len() != 1 {
        return None;
    }
    Writer::new(Kind::Defence)
        .group(year)
        .group(class)
        .group(serial)
        .group(check)
        .done()
}

/// `T MMYY SS NNNN X[X]`.
fn temporary(t: &[u8], mmyy: &[u8], state: &[u8], digits: &[u8], letters: &[u8]) -> Option<Plate> {
    if t != b"T" || mmyy.len() != 4 || state.len() != 2 || !is_state_code(state[0], state[1]) {
        return None;
    }
    let month = &mmyy[..2];
    if month < b"01".as_slice() || month > b"12".as_slice() {
        return None;
    }
    if !number(digits, 4) || !series(letters, 2) {
        return None;
    }
    Writer::new(Kind::Temporary)
        .group(t)
        .group(mmyy)
        .group(state)
        .padded(digits, 4)
        .group(letters)
        .done()
}

/// `NNN CD|CC|UN NNNN`.
fn diplomatic(country: &[u8], code: &[u8], digits: &[u8]) -> Option<Plate> {
    if !matches!(code, b"CD" | b"CC" | b"UN") || !number(country, 3) || !number(digits, 4) {
        return None;
    }
    Writer::new(Kind::Diplomatic)
        .padded(country, 3)
        .group(code)
        .padded(digits, 4)
        .done()
}

/// `XXX NNNN`.
fn old(letters: &[u8], digits: &[u8]) -> Option<Plate> {
    if letters.len() != 3 || !number(digits, 4) {
        return None;
    }
    Writer::new(Kind::Old)
        .group(letters)
        .padded(digits, 4)
        .done()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Option<String> {
        Plate::parse(s).map(|p| p.as_str().to_string())
    }

    #[test]
    fn formats() {
        let cases = [
            ("RJ14CA0012", Some("RJ14CA0012")),
            ("RJ 14 CA 12", Some("RJ14CA0012")),
            ("rj-14-ca-1234", Some("RJ14CA1234")),
            ("Rj.1.c.5", Some("RJ01C0005")),
            ("DL 3C AB 1234", Some("DL3CAB1234")),
            ("DL 03 CAB 1234", Some("DL3CAB1234")),
            ("DL12CA1", Some("DL12CA0001")),
            ("22 BH 1234 AA", Some("22BH1234AA")),
            ("21bh5c", Some("21BH0005C")),
            ("20BH1234AA", None),
            ("T 0125 RJ 42 AB", Some("T0125RJ0042AB")),
            ("T1325RJ0042AB", None),
            ("RSB 1234", Some("RSB1234")),
            ("rsb 12", Some("RSB0012")),
            ("↑15 B 123456 K", Some("15B123456K")),
            ("15B12345K", None),
            ("77 CD 12", Some("077CD0012")),
            ("1 UN 1", Some("001UN0001")),
            ("77 XY 12", None),
            ("TS 09 EA 1234", Some("TS09EA1234")),
            ("OR 02 AB 1", Some("OR02AB0001")),
            ("UA 07 K 1234", Some("UA07K1234")),
            ("DN 09 A 1234", Some("DN09A1234")),
            ("CT 04 AB 1234", Some("CT04AB1234")),
            ("RJ १४ CA ००१२", Some("RJ14CA0012")),
            ("RJ\u{a0}14–CA_12", Some("RJ14CA0012")),
            ("IND RJ 14 CA 1234", Some("RJ14CA1234")),
            ("IND 22 BH 1234 AA", Some("22BH1234AA")),
            ("XX14CA1234", None),
            ("RJ14CI1234", None),
            ("RJ14CO1234", None),
            ("RJ00CA1234", None),
            ("RJ14CA0000", None),
            ("RJ14CA12345", None),
            ("RJ140CA1234", None),
            ("RJ14CABC1234", None),
            ("RJ14CA1234X", None),
            ("", None),
            ("   ", None),
            ("RJ14CA12#", None),
            ("राजस्थान", None),
        ];
        for (input, expected) in cases {
            assert_eq!(norm(input).as_deref(), expected, "{input:?}");
        }
    }

    #[test]
    fn parts() {
        let p = Plate::parse("rj 14 ca 12").unwrap();
        assert_eq!(p.kind(), Kind::Standard);
        assert_eq!(p.state(), Some("RJ"));
        assert_eq!(p.state_name(), Some("Rajasthan"));
        assert_eq!(p.rto(), Some("RJ14"));
        assert_eq!(p.district(), Some("Jaipur"));
        let groups: Vec<&[u8]> = p.groups().collect();
        assert_eq!(groups, [&b"RJ"[..], b"14", b"CA", b"0012"]);
        let dl = Plate::parse("DL 3C AB 1234").unwrap();
        assert_eq!(dl.rto(), Some("DL3"));
        assert_eq!(dl.district(), None);
        let t = Plate::parse("T0125RJ0042AB").unwrap();
        assert_eq!((t.state(), t.rto()), (Some("RJ"), None));
        assert_eq!(Plate::parse("RJ57CA1").unwrap().district(), None);
    }

    #[test]
    fn long_values_are_rejected_early() {
        assert!(Chars::of(&"RJ14".repeat(2500)).is_none());
        assert!(Chars::of(&" ".repeat(10_000)).is_some_and(|c| c.len == 0));
    }
}
