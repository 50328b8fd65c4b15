//! The one plate parser behind every `plate_*` function.
//!
//! A value is first read as a [`Shape`]: its runs of letters and digits, formatting aside (case,
//! spaces, the separators `- . / _`, a non-breaking space, dashes, the defence arrow `↑`,
//! Devanagari digits `०`-`९` read as `0`-`9`). Most values are short ASCII and take the fast
//! pass of [`scan`], which classifies 16 bytes at once and finds the runs in place; the rest take
//! [`Chars::of`], a byte-by-byte pass that copies the letters and digits out. The run shape is
//! then matched against the plate formats and the canonical form written, a machine word per
//! group. Everything is a small value on the stack; nothing is allocated.
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
//! Numbers, RTO parts and country codes of all zeros are not plates. Rajasthan's offices are a
//! known, closed list (RJ01-RJ53 and RJ60 in the embedded office list, and RJ54-RJ59, valid codes
//! whose district is not known): an `RJ` plate with another RTO part is not a plate. Other
//! states keep any RTO part of 1-99 (no list is embedded). A leading `IND` (the strip on
//! high-security plates) is dropped when the rest is a plate.

use std::sync::LazyLock;

use super::scan;
use crate::reference;

/// Letters and digits kept from one value at most: the longest plate (temporary, 13) plus `IND`.
pub(crate) const MAX_CHARS: usize = 16;

/// Runs of letters or digits in a plate at most (temporary plates have 5).
pub(crate) const MAX_RUNS: usize = 5;

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

/// The letters and digits of a value, uppercased, with a bit mask of which are digits.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chars {
    /// The characters in the first `len` bytes; the rest is scratch.
    buf: [u8; 32],
    len: u32,
    /// Bit `i` is set if character `i` is a digit.
    digits: u32,
}

impl Chars {
    /// Drops the formatting of `s` in one pass; `None` if it holds anything that is neither a
    /// letter, a digit nor formatting, or more than [`MAX_CHARS`] letters and digits.
    #[inline(always)]
    pub(crate) fn of(s: &str) -> Option<Chars> {
        let bytes = s.as_bytes();
        // Every byte is written at `len` and kept by advancing `len`: no branch on formatting.
        let mut chars = Chars {
            buf: [0; 32],
            len: 0,
            digits: 0,
        };
        let mut len = 0usize;
        let mut digits = 0u32;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            i += 1;
            let mut c = BYTES[b as usize];
            if c < b'0' && c != SKIP {
                if c == REJECT {
                    return None;
                }
                match (b, bytes.get(i), bytes.get(i + 1)) {
                    // Devanagari digits U+0966..U+096F.
                    (0xE0, Some(0xA5), Some(&d @ 0xA6..=0xAF)) => c = d - 0xA6 + b'0',
                    // No-break space U+00A0.
                    (0xC2, Some(0xA0), _) => c = SKIP,
                    // Upwards arrow U+2191 (defence plates), en and em dash U+2013, U+2014.
                    (0xE2, Some(0x86), Some(0x91)) | (0xE2, Some(0x80), Some(0x93 | 0x94)) => {
                        c = SKIP
                    }
                    _ => return None,
                }
                i += if b == 0xC2 { 1 } else { 2 };
            }
            let keep = (c >= b'0') as usize;
            chars.buf[len & 31] = c;
            digits |= (keep as u32 & (c <= b'9') as u32) << (len & 31);
            len += keep;
            if len > MAX_CHARS {
                return None;
            }
        }
        chars.len = len as u32;
        chars.digits = digits;
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
#[derive(Clone, Copy, Debug)]
pub struct Plate {
    /// The canonical form in the first `len` bytes, zeros after.
    text: [u8; 16],
    len: u8,
    kind: Kind,
    groups: u8,
    /// End of each group in `text` (state, RTO, series, number for a standard plate).
    ends: [u8; 8],
}

impl PartialEq for Plate {
    fn eq(&self, other: &Plate) -> bool {
        self.kind == other.kind && self.as_str() == other.as_str()
    }
}

impl Eq for Plate {}

impl AsRef<str> for Plate {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

/// One run of letters or digits: its first 8 bytes as a little-endian word (zero beyond the
/// run) and its length. Every check is a few operations on the word, without a loop, so the
/// varying lengths of plate groups cost no mispredicted branches.
#[derive(Clone, Copy)]
struct Run {
    word: u64,
    len: u32,
}

/// `ASCII` zeros in every byte.
const ZEROS: u64 = 0x3030_3030_3030_3030;

/// The low `n` bytes of a word.
#[inline(always)]
const fn low_bytes(n: u32) -> u64 {
    if n >= 8 { u64::MAX } else { (1 << (8 * n)) - 1 }
}

/// Whether some byte of `w` equals `c`.
#[inline(always)]
const fn has_byte(w: u64, c: u8) -> bool {
    let x = w ^ (c as u64 * 0x0101_0101_0101_0101);
    // The high bit of a byte of `!(((x & 0x7f) + 0x7f) | x)` is set exactly when it is zero.
    let t = ((x & 0x7F7F_7F7F_7F7F_7F7F) + 0x7F7F_7F7F_7F7F_7F7F) | x;
    !t & 0x8080_8080_8080_8080 != 0
}

/// `text` (at most 8 bytes) as a word.
const fn word_of(text: &[u8]) -> u64 {
    let mut w = 0;
    let mut i = 0;
    while i < text.len() {
        w |= (text[i] as u64) << (8 * i);
        i += 1;
    }
    w
}

impl Run {
    /// The run of `len` bytes from byte `start` of `text`.
    #[inline(always)]
    fn at(text: u128, start: u32, len: u32) -> Run {
        Run {
            word: (text >> (8 * (start & 15))) as u64 & low_bytes(len),
            len,
        }
    }

    #[inline(always)]
    fn byte(&self, i: u32) -> u8 {
        (self.word >> (8 * i)) as u8
    }

    /// Digits that are not all zeros, at most `max` of them.
    #[inline(always)]
    fn is_number(&self, max: u32) -> bool {
        self.len <= max && self.word != ZEROS & low_bytes(self.len)
    }

    /// Series letters (never `I` or `O`), at most `max` of them.
    #[inline(always)]
    fn is_series(&self, max: u32) -> bool {
        self.len <= max && !has_byte(self.word, b'I') && !has_byte(self.word, b'O')
    }

    /// The value of two digits.
    #[inline(always)]
    fn two_digits(&self) -> u32 {
        (self.byte(0) - b'0') as u32 * 10 + (self.byte(1) - b'0') as u32
    }

    #[inline(always)]
    fn is(&self, text: &[u8]) -> bool {
        self.len as usize == text.len() && self.word == word_of(text)
    }

    #[inline(always)]
    fn starts_with(&self, text: &[u8]) -> bool {
        self.len as usize >= text.len() && self.word & low_bytes(text.len() as u32) == word_of(text)
    }
}

impl Plate {
    /// Parses a value as written, formatting aside; `None` if it is not a plate.
    #[inline]
    pub fn parse(s: &str) -> Option<Plate> {
        match scan::shape(s.as_bytes()) {
            Some(shape) => from_shape(&shape),
            None => Plate::from_chars(&Chars::of(s)?),
        }
    }

    /// Matches the letters and digits of a value against the plate formats.
    #[inline]
    pub(crate) fn from_chars(chars: &Chars) -> Option<Plate> {
        from_shape(&Shape::of(chars)?)
    }

    /// [`Plate::parse`] without its fast first pass, to check that both agree.
    #[cfg(test)]
    pub(crate) fn parse_general(s: &str) -> Option<Plate> {
        Plate::from_chars(&Chars::of(s)?)
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The canonical form, e.g. `RJ14CA0012`.
    #[inline]
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

/// Rajasthan RTO numbers that are known offices, bit `n` for `RJnn`: the embedded office list
/// (`reference::RTO_CODES`) and RJ54-RJ59, valid codes whose offices are not listed (see
/// `udfs/data/SOURCES.md`).
static RJ_RTOS: LazyLock<u128> = LazyLock::new(|| {
    let listed = reference::RTO_CODES
        .iter()
        .filter_map(|r| r.code.strip_prefix("RJ")?.parse::<u32>().ok())
        .filter(|&n| n < 100);
    listed.chain(54..=59).fold(0, |bits, n| bits | 1 << n)
});

/// Whether `RJnn` is a known Rajasthan office.
#[inline(always)]
fn is_rajasthan_rto(n: u32) -> bool {
    n < 100 && *RJ_RTOS >> n & 1 == 1
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

#[inline(always)]
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
#[inline(always)]
pub(crate) fn is_state_code(a: u8, b: u8) -> bool {
    a.is_ascii_uppercase() && b.is_ascii_uppercase() && STATES[state_index(a, b)] != 0
}

/// Series letters never use `I` or `O`.
#[inline(always)]
pub(crate) fn is_series_letter(c: u8) -> bool {
    c.is_ascii_uppercase() && c != b'I' && c != b'O'
}

/// Writes a canonical plate group by group, in a register.
struct Writer {
    kind: Kind,
    text: u128,
    len: u32,
    groups: u8,
    ends: [u8; 8],
}

impl Writer {
    #[inline(always)]
    fn new(kind: Kind) -> Self {
        Writer {
            kind,
            text: 0,
            len: 0,
            groups: 0,
            ends: [0; 8],
        }
    }

    /// Appends the `len` low bytes of `word`, which is zero above them.
    #[inline(always)]
    fn word(&mut self, word: u64, len: u32) {
        self.text |= (word as u128) << (8 * (self.len & 15));
        self.len += len;
        self.ends[(self.groups & 7) as usize] = self.len as u8;
        self.groups += 1;
    }

    /// Appends a run as it is.
    #[inline(always)]
    fn run(&mut self, run: Run) {
        self.word(run.word, run.len);
    }

    /// Appends a run of digits left-padded with zeros to `width <= 4` (`run.len <= width`).
    #[inline(always)]
    fn padded(&mut self, run: Run, width: u32) {
        let pad = 8 * (width - run.len);
        self.word(run.word << pad | ZEROS & ((1 << pad) - 1), width);
    }

    #[inline(always)]
    fn done(self) -> Option<Plate> {
        Some(Plate {
            text: self.text.to_le_bytes(),
            len: self.len as u8,
            kind: self.kind,
            groups: self.groups,
            ends: self.ends,
        })
    }
}

/// A value as runs of letters and digits: run `i` is the `lens[i]` bytes of `text` (in
/// little-endian order) from `starts[i]`, uppercased. Runs alternate between letters and
/// digits; bytes between runs (separators, when the shape comes from [`scan::shape`]) are
/// ignored. Kept in a register: runs are read off with shifts, never through memory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shape {
    pub(crate) text: u128,
    pub(crate) starts: [u8; MAX_RUNS],
    pub(crate) lens: [u8; MAX_RUNS],
    pub(crate) runs: u32,
    pub(crate) digit_first: bool,
}

impl Shape {
    /// The runs of a value's letters and digits; `None` for none or more than [`MAX_RUNS`].
    #[inline(always)]
    fn of(chars: &Chars) -> Option<Shape> {
        let len = chars.len;
        if len == 0 {
            return None;
        }
        // Bit i (i >= 1) is set where character i starts a new run.
        let all = (1u32 << len) - 1;
        let mut starts = (chars.digits ^ (chars.digits << 1)) & all & !1;
        let runs = starts.count_ones() + 1;
        if runs as usize > MAX_RUNS {
            return None;
        }
        let mut shape = Shape {
            text: u128::from_le_bytes(chars.buf[..16].try_into().unwrap()),
            starts: [0; MAX_RUNS],
            lens: [0; MAX_RUNS],
            runs,
            digit_first: chars.digits & 1 == 1,
        };
        let mut start = 0;
        for i in 0..runs as usize {
            let end = if starts == 0 {
                len
            } else {
                starts.trailing_zeros()
            };
            starts &= starts.wrapping_sub(1);
            shape.starts[i] = start as u8;
            shape.lens[i] = (end - start) as u8;
            start = end;
        }
        Some(shape)
    }

    /// Run `i`.
    #[inline(always)]
    fn run(&self, i: usize) -> Run {
        Run::at(self.text, self.starts[i] as u32, self.lens[i] as u32)
    }

    /// Without the `IND` strip of a high-security plate, read along with the plate: `None` if
    /// the value does not start with `IND` followed by more.
    #[inline(always)]
    fn without_ind(&self) -> Option<Shape> {
        let first = self.run(0);
        if self.digit_first || first.len < 3 || !first.starts_with(b"IND") {
            return None;
        }
        let mut rest = *self;
        if first.len > 3 {
            rest.starts[0] += 3;
            rest.lens[0] -= 3;
        } else if self.runs > 1 {
            rest.starts.copy_within(1.., 0);
            rest.lens.copy_within(1.., 0);
            rest.runs -= 1;
            rest.digit_first = true;
        } else {
            return None;
        }
        Some(rest)
    }
}

/// Matches the run shape of a value against the plate formats, then without an `IND` strip.
#[inline(always)]
fn from_shape(shape: &Shape) -> Option<Plate> {
    match from_runs(shape) {
        Some(plate) => Some(plate),
        None => from_shape_without_ind(shape),
    }
}

/// The second try of [`from_shape`], out of line: most values are plates or garbage without
/// an `IND` strip.
#[inline(never)]
fn from_shape_without_ind(shape: &Shape) -> Option<Plate> {
    from_runs(&shape.without_ind()?)
}

#[inline(always)]
fn from_runs(shape: &Shape) -> Option<Plate> {
    let r = |i| shape.run(i);
    match (shape.runs, shape.digit_first) {
        (4, false) => standard(r(0), r(1), r(2), r(3)),
        (4, true) => bharat(r(0), r(1), r(2), r(3)).or_else(|| defence(r(0), r(1), r(2), r(3))),
        (5, false) => temporary(r(0), r(1), r(2), r(3), r(4)),
        (3, true) => diplomatic(r(0), r(1), r(2)),
        (2, false) => old(r(0), r(1)),
        _ => None,
    }
}

/// `SS NN X[XX] NNNN`.
#[inline(always)]
fn standard(state: Run, rto: Run, letters: Run, digits: Run) -> Option<Plate> {
    if state.len != 2
        || !is_state_code(state.byte(0), state.byte(1))
        || !rto.is_number(2)
        || !letters.is_series(3)
        || !digits.is_number(4)
    {
        return None;
    }
    if state.is(b"RJ") {
        let n = match rto.len {
            1 => (rto.byte(0) - b'0') as u32,
            _ => rto.two_digits(),
        };
        if !is_rajasthan_rto(n) {
            return None;
        }
    }
    let mut w = Writer::new(Kind::Standard);
    w.run(state);
    if state.is(b"DL") {
        // Delhi writes its RTO part without zero padding: DL3C, DL12C.
        if rto.len == 2 && rto.byte(0) == b'0' {
            w.word(rto.word >> 8, 1);
        } else {
            w.run(rto);
        }
    } else {
        w.padded(rto, 2);
    }
    w.run(letters);
    w.padded(digits, 4);
    w.done()
}

/// `YY BH NNNN XX`.
fn bharat(year: Run, bh: Run, digits: Run, letters: Run) -> Option<Plate> {
    if year.len != 2 || year.two_digits() < 21 || !bh.is(b"BH") {
        return None;
    }
    if !digits.is_number(4) || !letters.is_series(2) {
        return None;
    }
    let mut w = Writer::new(Kind::Bharat);
    w.run(year);
    w.run(bh);
    w.padded(digits, 4);
    w.run(letters);
    w.done()
}

/// `YY X NNNNNN X`.
fn defence(year: Run, class: Run, serial: Run, check: Run) -> Option<Plate> {
    if year.len != 2 || class.len != 1 || serial.len != 6 || check.len != 1 {
        return None;
    }
    let mut w = Writer::new(Kind::Defence);
    w.run(year);
    w.run(class);
    w.run(serial);
    w.run(check);
    w.done()
}

/// `T MMYY SS NNNN X[X]`.
fn temporary(t: Run, mmyy: Run, state: Run, digits: Run, letters: Run) -> Option<Plate> {
    if !t.is(b"T") || mmyy.len != 4 || state.len != 2 {
        return None;
    }
    if !is_state_code(state.byte(0), state.byte(1)) || !(1..=12).contains(&mmyy.two_digits()) {
        return None;
    }
    if !digits.is_number(4) || !letters.is_series(2) {
        return None;
    }
    let mut w = Writer::new(Kind::Temporary);
    w.run(t);
    w.run(mmyy);
    w.run(state);
    w.padded(digits, 4);
    w.run(letters);
    w.done()
}

/// `NNN CD|CC|UN NNNN`.
fn diplomatic(country: Run, code: Run, digits: Run) -> Option<Plate> {
    if !(code.is(b"CD") || code.is(b"CC") || code.is(b"UN")) {
        return None;
    }
    if !country.is_number(3) || !digits.is_number(4) {
        return None;
    }
    let mut w = Writer::new(Kind::Diplomatic);
    w.padded(country, 3);
    w.run(code);
    w.padded(digits, 4);
    w.done()
}

/// `XXX NNNN`.
fn old(letters: Run, digits: Run) -> Option<Plate> {
    if letters.len != 3 || !digits.is_number(4) {
        return None;
    }
    let mut w = Writer::new(Kind::Old);
    w.run(letters);
    w.padded(digits, 4);
    w.done()
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
            // Rajasthan's offices are a closed list: RJ01-RJ60.
            ("RJ 60 CA 1", Some("RJ60CA0001")),
            ("RJ57CA1", Some("RJ57CA0001")),
            ("RJ61CA1234", None),
            ("RJ99CA1234", None),
            // Other states have no embedded list.
            ("MH 99 AB 1234", Some("MH99AB1234")),
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
    fn rajasthan_offices_are_rj01_to_rj60() {
        let known: Vec<u32> = (0..100).filter(|&n| is_rajasthan_rto(n)).collect();
        assert_eq!(known, (1..=60).collect::<Vec<u32>>());
        assert!(!is_rajasthan_rto(100));
    }

    #[test]
    fn long_values_are_rejected_early() {
        assert!(Chars::of(&"RJ14".repeat(2500)).is_none());
        assert!(Chars::of(&" ".repeat(10_000)).is_some_and(|c| c.len == 0));
        assert!(Chars::of(&"R".repeat(17)).is_none());
        assert!(Chars::of(&"R".repeat(16)).is_some());
    }
}
