//! OCR repair and the confusion-invariant match key.
//!
//! ANPR cameras and OCR confuse characters that look alike. The classes used here are
//! `O 0 D Q`, `I 1 L T J`, `Z 2`, `S 5`, `B 8`, `G 6` and `A 4`; every other letter and digit
//! is a class of its own.
//!
//! A *reading* of a value is a plate obtained by splitting its characters into the groups of a
//! plate format and replacing characters only within their class: a letter in a digit slot by
//! the digit of its class, a digit in a letter slot by a letter of its class, and the letters
//! of a state code by class members that make a known code (`RI` → `RJ`). So that words are not
//! read as plates (`HELLO` is no `HEL 10`), a group of two or more characters keeps at least one
//! character of its own kind, with one exception: the RTO part after a state code read exactly
//! is digits by its position, so `RJOA UG 3390` is `RJ04UG3390` and `RJII CA 1234` is
//! `RJ11CA1234`. The number of a plate always keeps at least one real digit: letters alone
//! (`TAXI`, the `A` of `RJ14CA`) are never read as a number.
//!
//! How close a reading is (`Search::layout`): a replaced character costs 2; a group of digits
//! written without the zero padding the plate shows costs 2 as well (`RI14CA12`), one that keeps
//! only part of it 3 (`RJ14CA012`, rare), a full-width group nothing (a Delhi RTO part is never
//! padded). Of two readings that cost the same, the one with less zero padding wins. Plates show
//! their padding and cameras read it, so a read that needs padding invented is no more likely
//! than one more confusion: `RI14CAl234` is `RJ14CA1234` (two replacements), not
//! `RJ14CAL0234` (one replacement, and `234` short of its padding).
//!
//! A *fragment* is the beginning of a standard plate without its number: a state code, an RTO
//! part and perhaps a series (`RJ14`, `MH12AB`). A value that reads strictly closer as a
//! fragment than as any plate is a piece of a plate, not a plate: `RJ14` (a fragment as
//! written) is not the old-format `RJI 4` (one replacement). A plate read as close as a
//! fragment stands.
//!
//! [`repair`] keeps a value that already is a plate (formatting aside) exactly as
//! `plate_normalize` reads it. Otherwise it takes the closest reading; if that reading is not
//! unique (`0D` may be `OD` or `DD`, a series `0` may be `D` or `Q`), there is no repair.
//!
//! [`match_key`] takes the closest reading too, even if it is not unique, and also for a
//! plate written without all of its padding (see `read_for_key`); it maps each character to
//! its class and drops zero padding. Counting padding matters: ANPR reads the full width of a
//! plate (`RJ14AB4012`), and a misread first digit (`RJ14ABA012`) would otherwise be taken as
//! the valid but partly padded `RJ14ABA0012`, moving the `0` from inside the number into its
//! padding. As both read alike, where a value is no plate as written, its repair has its key.
//!
//! What the key guarantees: a plate and a read of it in which characters were replaced within
//! their classes share a key whenever the plate is the closest reading of the read (no plate
//! with another key is as close). A plate written without its zero padding (`RJ14CA12`) shares
//! the key of the padded plate; one that keeps only part of it (`RJ14CA012`) may not. What it
//! does not: distinct plates can share a key (`RJ14CA0012` and `RJ14C0412`: `A` and `4` are one
//! class and padding is dropped), so a join on the key finds candidates to confirm.

use std::sync::LazyLock;

use super::parse::{Chars, Kind, MAX_CHARS, Plate, Tables, is_series_letter, is_state_code};
#[cfg(target_arch = "x86_64")]
use super::scan;
use crate::kernel::{InlineStr, ShortText};

/// The class of each byte: `0 1 2 5 8 6 4` for the look-alike classes, the byte itself for
/// every other letter or digit.
static CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = match c {
            b'O' | b'0' | b'D' | b'Q' => b'0',
            b'I' | b'1' | b'L' | b'T' | b'J' => b'1',
            b'Z' | b'2' => b'2',
            b'S' | b'5' => b'5',
            b'B' | b'8' => b'8',
            b'G' | b'6' => b'6',
            b'A' | b'4' => b'4',
            _ => c,
        };
        b += 1;
    }
    table
};

const ALPHABET: &[u8; 26] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The look-alike class of an uppercase letter or digit, as ANPR cameras confuse them:
/// `O 0 D Q` are `0`, `I 1 L T J` are `1`, `Z 2`, `S 5`, `B 8`, `G 6` and `A 4` share a class
/// named by the digit; any other byte is a class of its own.
#[inline]
pub fn class_of(c: u8) -> u8 {
    CLASS[c as usize]
}

/// The letters `c` may stand for: the letters of its class (a letter of no class stands for
/// itself; the digits 3, 7, 9 for none).
fn letters_of(c: u8) -> &'static [u8] {
    match class_of(c) {
        b'0' => b"ODQ",
        b'1' => b"ILTJ",
        b'2' => b"Z",
        b'5' => b"S",
        b'8' => b"B",
        b'6' => b"G",
        b'4' => b"A",
        k if k.is_ascii_uppercase() => {
            let i = (k - b'A') as usize;
            &ALPHABET[i..i + 1]
        }
        _ => &[],
    }
}

/// The digit `c` may stand for.
#[inline]
fn digit_of(c: u8) -> Option<u8> {
    let k = class_of(c);
    k.is_ascii_digit().then_some(k)
}

/// What a group of a plate format holds.
#[derive(Clone, Copy)]
enum Slot {
    /// A known state code (2 letters).
    State,
    /// The RTO part after a state code: digits, zero-padded to 2 (a Delhi RTO part is never
    /// padded). After a state code read exactly, it may be read from look-alike letters alone.
    Rto,
    /// Digits, zero-padded to `width` in canonical form (0: never padded).
    Digits(usize),
    /// The number of a plate: digits zero-padded to 4, at least one of them read as a digit.
    Number,
    /// Series letters: never `I` or `O`.
    Series,
    /// Any letters.
    Letters,
    /// One of these exact strings.
    Fixed(&'static [&'static [u8]]),
}

impl Slot {
    /// Whether the group holds digits.
    fn digits(self) -> bool {
        matches!(self, Slot::Rto | Slot::Digits(_) | Slot::Number)
    }

    /// The width a group of digits is zero-padded to (0: never padded, or not digits).
    fn width(self) -> usize {
        match self {
            Slot::Rto => 2,
            Slot::Number => 4,
            Slot::Digits(width) => width,
            _ => 0,
        }
    }
}

#[derive(Clone, Copy)]
struct Group {
    slot: Slot,
    min: usize,
    max: usize,
}

const fn g(slot: Slot, min: usize, max: usize) -> Group {
    Group { slot, min, max }
}

/// A plate format as groups; a fragment is the beginning of a plate (see the module docs).
struct Format {
    groups: &'static [Group],
    fragment: bool,
}

impl Format {
    /// The fewest and most characters a reading in this format has.
    #[cfg(test)]
    fn lengths(&self) -> (usize, usize) {
        self.groups
            .iter()
            .fold((0, 0), |(min, max), g| (min + g.min, max + g.max))
    }
}

const fn plate(groups: &'static [Group]) -> Format {
    Format {
        groups,
        fragment: false,
    }
}

/// The plate formats as groups, in order of preference when two readings tie, and the fragment.
const FORMATS: [Format; 7] = [
    // Standard: SS NN X[XX] NNNN.
    plate(&[
        g(Slot::State, 2, 2),
        g(Slot::Rto, 1, 2),
        g(Slot::Series, 1, 3),
        g(Slot::Number, 1, 4),
    ]),
    // Bharat series: YY BH NNNN XX.
    plate(&[
        g(Slot::Digits(0), 2, 2),
        g(Slot::Fixed(&[b"BH"]), 2, 2),
        g(Slot::Number, 1, 4),
        g(Slot::Series, 1, 2),
    ]),
    // Temporary: T MMYY SS NNNN X[X].
    plate(&[
        g(Slot::Fixed(&[b"T"]), 1, 1),
        g(Slot::Digits(0), 4, 4),
        g(Slot::State, 2, 2),
        g(Slot::Number, 1, 4),
        g(Slot::Series, 1, 2),
    ]),
    // Defence: YY X NNNNNN X.
    plate(&[
        g(Slot::Digits(0), 2, 2),
        g(Slot::Letters, 1, 1),
        g(Slot::Digits(0), 6, 6),
        g(Slot::Letters, 1, 1),
    ]),
    // Diplomatic: NNN CD|CC|UN NNNN.
    plate(&[
        g(Slot::Digits(3), 1, 3),
        g(Slot::Fixed(&[b"CD", b"CC", b"UN"]), 2, 2),
        g(Slot::Number, 1, 4),
    ]),
    // Old three-letter series: XXX NNNN.
    plate(&[g(Slot::Letters, 3, 3), g(Slot::Number, 1, 4)]),
    // A fragment of a standard plate: SS NN [X[XX]], no number.
    Format {
        groups: &[
            g(Slot::State, 2, 2),
            g(Slot::Rto, 1, 2),
            g(Slot::Series, 0, 3),
        ],
        fragment: true,
    },
];

/// The best plate a value can be read as.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(test, derive(PartialEq))]
pub(crate) struct Reading {
    pub plate: Plate,
    /// Zero padding added.
    pub padding: u32,
    /// How far the reading is from the value: cost × 32 + padding (see [`Search::layout`]).
    #[cfg_attr(not(test), allow(dead_code, reason = "read by the property tests"))]
    pub score: u32,
    /// Another plate (or another choice of letters) is as close.
    pub ambiguous: bool,
    /// Another plate with another match key is as close.
    pub key_tie: bool,
}

impl Reading {
    fn exact(plate: Plate, chars: usize) -> Reading {
        Reading {
            plate,
            padding: plate.as_str().len().saturating_sub(chars) as u32,
            score: 0,
            ambiguous: false,
            key_tie: false,
        }
    }
}

/// The plate `s` is, as written or after repairing OCR confusions; `None` if it is no plate or
/// the repair is ambiguous.
pub fn repair(s: &str) -> Option<Plate> {
    let reading = read(s)?;
    (!reading.ambiguous).then_some(reading.plate)
}

/// The match key of `s`; `None` if `s` cannot be read as a plate.
///
/// The key is the closest reading of `s` (see `read_for_key`; ambiguity does not matter)
/// with every character replaced by its class and zero padding dropped: leading zeros of the
/// RTO part, of the number and of a diplomatic country code, and zero-class letters (`D`, `Q`)
/// that end a standard series. So `RJ14CA12`, `rj 14 ca 0012` and a read `RI14C4OO12` share a
/// key, and `RJ14ABD012` (series `ABD`) and `RJ14AB0012` do too. The key is not a plate and is
/// only meant for equality; distinct plates may share it (`RJ14C0412`, `RJ14CA0012`).
pub(crate) fn match_key(s: &str) -> Option<InlineStr> {
    read_for_key(s).and_then(|reading| Key::of(&reading.plate).text())
}

/// The kernel of `plate_repair`: [`repair`], with the plate parser's fast pass inlined into
/// the batch loop. Most values are plates as written, which it keeps as they are; only the
/// others are searched for their closest reading.
pub(crate) struct RepairKernel(&'static Tables);

impl RepairKernel {
    pub(crate) fn new() -> RepairKernel {
        RepairKernel(Tables::get())
    }
}

impl ShortText for RepairKernel {
    type Text = Plate;

    #[inline(always)]
    fn text(&mut self, value: &str) -> Option<Plate> {
        repair(value)
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn text_ssse3(&mut self, value: &str) -> Option<Plate> {
        // SAFETY: the processor has SSSE3 and POPCNT (the contract of `text_ssse3`).
        match unsafe { scan::parse(value.as_bytes(), self.0) } {
            scan::Scan::Plate(plate, _) => Some(plate),
            scan::Scan::Unwritten(chars) => repair_unwritten(&chars),
            scan::Scan::None => None,
            scan::Scan::General => repair(value),
        }
    }

    const SSSE3: bool = true;
}

/// [`repair`] of a value whose letters and digits, `chars`, are no plate as written.
#[inline(never)]
fn repair_unwritten(chars: &Chars) -> Option<Plate> {
    let reading = search_all(chars.as_bytes(), None)?;
    (!reading.ambiguous).then_some(reading.plate)
}

/// The kernel of `plate_match_key`: [`match_key`], with the plate parser's fast pass inlined
/// into the batch loop. A plate written at full width is its own reading; only other values
/// are searched.
pub(crate) struct MatchKeyKernel(&'static Tables);

impl MatchKeyKernel {
    pub(crate) fn new() -> MatchKeyKernel {
        MatchKeyKernel(Tables::get())
    }
}

impl ShortText for MatchKeyKernel {
    type Text = InlineStr;

    #[inline(always)]
    fn text(&mut self, value: &str) -> Option<InlineStr> {
        match_key(value)
    }

    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn text_ssse3(&mut self, value: &str) -> Option<InlineStr> {
        // SAFETY: the processor has SSSE3 and POPCNT (the contract of `text_ssse3`).
        let key = match unsafe { scan::parse(value.as_bytes(), self.0) } {
            scan::Scan::Plate(plate, chars) => {
                // Written with all its padding (a Delhi RTO part may show one more): its own
                // reading.
                if plate.as_str().len() <= chars.as_bytes().len() {
                    // SAFETY: as above.
                    return Some(unsafe { Key::text_ssse3(&plate) });
                }
                match_key_short(&chars, plate)
            }
            scan::Scan::Unwritten(chars) => match_key_unwritten(&chars),
            scan::Scan::None => return None,
            scan::Scan::General => match_key_general(value),
        };
        key.text()
    }

    const SSSE3: bool = true;
}

/// The key of a value whose letters and digits, `chars`, are `plate` as written without all of
/// its zero padding, out of line (returned in registers: see [`Key`]).
#[inline(never)]
fn match_key_short(chars: &Chars, plate: Plate) -> Key {
    read_plate_for_key(chars, plate).map_or(Key::NONE, |reading| Key::of(&reading.plate))
}

/// Whether `written`, the letters and digits of a value that is `plate` as written but
/// `missing` zeros short of its padding, lacks the whole padding of one group and nothing
/// else: they are the plate's but the `missing` leading zeros of one padded group.
///
/// Such a value costs 2 to read as written (see [`Search::unpadded`]), and no reading is
/// strictly closer: a reading that replaces a character costs at least 2, and one that
/// replaces none is the value itself, which is `plate` (the search reads each candidate with
/// the same parser). A plate that starts with `IND` is left to the search, which reads it
/// with and without.
fn lacks_one_groups_padding(written: &Chars, plate: &Plate, missing: usize) -> bool {
    let text = plate.bytes();
    if text.starts_with(b"IND") {
        return false;
    }
    // Both as numbers, first character lowest: taking characters out is two shifts.
    let (word, written) = (
        u128::from_le_bytes(*text),
        u128::from_le_bytes(*written.text()),
    );
    let mut start = 0;
    for (end, &padded) in plate.group_ends().zip(padded_groups(plate.kind())) {
        let zeros = text[start..end].iter().take_while(|&&c| c == b'0').count();
        if padded && zeros == missing {
            let before = word & ((1u128 << (8 * start)) - 1);
            let after = word.checked_shr(8 * (start + zeros) as u32).unwrap_or(0) << (8 * start);
            if before | after == written {
                return true;
            }
        }
        start = end;
    }
    false
}

/// The key of a value whose letters and digits, `chars`, are no plate as written, out of
/// line.
#[inline(never)]
fn match_key_unwritten(chars: &Chars) -> Key {
    search_all(chars.as_bytes(), None).map_or(Key::NONE, |reading| Key::of(&reading.plate))
}

/// The key of a value the parser's fast pass leaves to its byte-by-byte path (see
/// [`scan::parse`]: other text than ASCII and Devanagari digits, longer values, or behind
/// `IND`), out of line.
#[inline(never)]
fn match_key_general(s: &str) -> Key {
    read_for_key(s).map_or(Key::NONE, |reading| Key::of(&reading.plate))
}

/// The match key of a plate: the classes of its characters without their zero padding, in the
/// low bytes of a number (zeros above; a key is never empty and its bytes never zero, so its
/// length is where they end, and `Key(0)` is no key). Built in registers, not in memory: a key
/// written a byte at a time and read back whole stalls the processor (store forwarding); the
/// two loads that waited so held 14 % of `plate_match_key`'s profile.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Key(u128);

/// What the match key of a plate leaves out, by character position (bit `i` for character
/// `i`): fixed by the plate's kind and group lengths, so worked out once for each layout of
/// the parser (see `Form`) and looked up by [`Key::kept`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct KeyTrims {
    /// The groups whose leading zeros (padding) are dropped.
    leading: u16,
    /// The first character of each of those groups.
    firsts: u16,
    /// Every character of the plate.
    all: u16,
    /// The end and length of a standard plate's series, whose trailing `D` or `Q` are dropped;
    /// a length of 0 (and an end of 16, so that a shift by it stays in range) for other kinds.
    series_end: u8,
    series_len: u8,
}

impl KeyTrims {
    pub(super) const NONE: KeyTrims = KeyTrims {
        leading: 0,
        firsts: 0,
        all: 0,
        series_end: 16,
        series_len: 0,
    };

    /// The trims of a plate of `kind` and `len` characters whose group `i` ends at `end(i)`.
    pub(super) fn of(kind: Kind, end: impl Fn(usize) -> u32, len: u32) -> KeyTrims {
        let group = |start: u32, end: u32| ((1u32 << end) - (1u32 << start)) as u16;
        let (leading, series) = match kind {
            Kind::Standard => {
                let series = (end(1), end(2));
                (group(end(0), end(1)) | group(end(2), end(3)), Some(series))
            }
            Kind::Bharat => (group(end(1), end(2)), None),
            Kind::Temporary => (group(end(2), end(3)), None),
            Kind::Diplomatic => (group(0, end(0)) | group(end(1), end(2)), None),
            Kind::Old => (group(end(0), end(1)), None),
            Kind::Defence => (0, None),
        };
        let (series_end, series_len) = series.map_or((16, 0), |(start, end)| (end, end - start));
        KeyTrims {
            leading,
            firsts: leading & !(leading << 1),
            all: group(0, len),
            series_end: series_end as u8,
            series_len: series_len as u8,
        }
    }
}

/// What a group of a plate loses in its key.
#[cfg(test)]
#[derive(Clone, Copy)]
enum Trim {
    Keep,
    /// Zero-class characters at its start (the padding of digits).
    Leading,
    /// Zero-class characters at its end (`D` or `Q` ending a series).
    Trailing,
}

impl Key {
    const NONE: Key = Key(0);

    /// The trims of the groups of a plate of `kind`, group by group: what [`Key::kept`]
    /// computes at once, and the tests' reference.
    #[cfg(test)]
    fn trims(kind: Kind) -> &'static [Trim] {
        use Trim::*;
        match kind {
            Kind::Standard => &[Keep, Leading, Trailing, Leading],
            Kind::Bharat => &[Keep, Keep, Leading, Keep],
            Kind::Temporary => &[Keep, Keep, Keep, Leading, Keep],
            Kind::Defence => &[Keep, Keep, Keep, Keep],
            Kind::Diplomatic => &[Leading, Keep, Leading],
            Kind::Old => &[Keep, Leading],
        }
    }

    /// The key of `plate`, with [`Key::of_ssse3`] where the processor has SSSE3.
    fn of(plate: &Plate) -> Key {
        #[cfg(target_arch = "x86_64")]
        if crate::kernel::has_ssse3() {
            // SAFETY: the processor has the instructions `of_ssse3_outlined` is compiled for.
            return unsafe { Key::of_ssse3_outlined(plate) };
        }
        Key::of_portable(plate)
    }

    /// [`Key::of_ssse3`] compiled for SSSE3, for callers that are not.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "ssse3")]
    fn of_ssse3_outlined(plate: &Plate) -> Key {
        // SAFETY: this function is compiled for, and only called on, processors with SSSE3.
        unsafe { Key::of_ssse3(plate) }
    }

    /// [`Key::of`] a character at a time, for processors without SSSE3.
    fn of_portable(plate: &Plate) -> Key {
        let classes = plate.bytes().map(class_of);
        let zeros = (0..16).fold(0, |zeros, i| zeros | ((classes[i] == b'0') as u32) << i);
        let kept = Key::kept(plate, zeros);
        let (mut key, mut len) = (0u128, 0);
        for (i, &class) in classes.iter().enumerate() {
            if kept >> i & 1 == 1 {
                key |= (class as u128) << (8 * len);
                len += 1;
            }
        }
        Key(key)
    }

    /// [`Key::of`] 16 characters at a time (see [`Key::vector_ssse3`]).
    ///
    /// # Safety
    ///
    /// The processor must have SSSE3; meant to be inlined into a caller compiled for it.
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn of_ssse3(plate: &Plate) -> Key {
        use std::arch::x86_64::*;
        // SAFETY: the caller's contract.
        let (key, _) = unsafe { Key::vector_ssse3(plate) };
        // SAFETY: SSE2, part of every x86-64 processor.
        unsafe {
            let low = _mm_cvtsi128_si64(key) as u64 as u128;
            let high = _mm_cvtsi128_si64(_mm_unpackhi_epi64(key, key)) as u64 as u128;
            Key(low | high << 64)
        }
    }

    /// The key of `plate` as text, [`Key::of_ssse3`] without the number: its length is the
    /// count of the characters kept, not found from where its bytes end.
    ///
    /// # Safety
    ///
    /// As [`Key::of_ssse3`].
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn text_ssse3(plate: &Plate) -> InlineStr {
        let mut padded = [0u8; 16];
        // SAFETY: the caller's contract; the store writes the 16 bytes of `padded`.
        let len = unsafe {
            let (key, kept) = Key::vector_ssse3(plate);
            std::arch::x86_64::_mm_storeu_si128(padded.as_mut_ptr().cast(), key);
            kept.count_ones()
        };
        // SAFETY: a key is made of the classes of a plate's characters, ASCII letters and
        // digits, and zeros after them.
        unsafe { InlineStr::from_ascii_unchecked(padded, len as usize) }
    }

    /// The key of `plate` in a vector (its bytes, then zeros) and which of the plate's
    /// characters it keeps: their classes by two table lookups (`pshufb`), those kept moved
    /// together by two shuffles (see [`scan::compact`]).
    ///
    /// # Safety
    ///
    /// As [`Key::of_ssse3`].
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    unsafe fn vector_ssse3(plate: &Plate) -> (std::arch::x86_64::__m128i, u32) {
        use std::arch::x86_64::*;
        // The classes of the bytes 0x40..0x60, the letters (a digit is its own class), by
        // their low nibble.
        static CLASSES: [[u8; 16]; 2] = {
            let mut table = [[0; 16]; 2];
            let mut i = 0;
            while i < 32 {
                table[i / 16][i % 16] = CLASS[0x40 + i];
                i += 1;
            }
            table
        };
        // SAFETY: SSE2 and SSSE3 (the caller's contract); each load reads 16 bytes of an array.
        unsafe {
            let text = _mm_loadu_si128(plate.bytes().as_ptr().cast());
            let table = |t: &[u8; 16]| _mm_loadu_si128(t.as_ptr().cast());
            let low = _mm_and_si128(text, _mm_set1_epi8(0x0f));
            let high = _mm_and_si128(text, _mm_set1_epi8(0xf0_u8 as i8));
            let in_4x = _mm_cmpeq_epi8(high, _mm_set1_epi8(0x40));
            let in_5x = _mm_cmpeq_epi8(high, _mm_set1_epi8(0x50));
            let letters = _mm_or_si128(
                _mm_and_si128(in_4x, _mm_shuffle_epi8(table(&CLASSES[0]), low)),
                _mm_and_si128(in_5x, _mm_shuffle_epi8(table(&CLASSES[1]), low)),
            );
            let others = _mm_andnot_si128(_mm_or_si128(in_4x, in_5x), text);
            let classes = _mm_or_si128(letters, others);
            let zeros = _mm_movemask_epi8(_mm_cmpeq_epi8(classes, _mm_set1_epi8(b'0' as i8)));
            let kept = Key::kept(plate, zeros as u32);
            (scan::compact(classes, kept), kept)
        }
    }

    /// Which characters of `plate` its key keeps (bit `i` for character `i`), given which
    /// are of class `0`: all but the runs [`Key::trims`] drops, found with bit arithmetic on
    /// the plate's [`KeyTrims`] rather than group by group, and with no branch on its kind
    /// (which, in a column of mixed kinds, the processor would often mispredict).
    #[inline(always)]
    fn kept(plate: &Plate, zeros: u32) -> u32 {
        let KeyTrims {
            leading,
            firsts,
            all,
            series_end,
            series_len,
        } = plate.key_trims();
        let (leading, firsts, all) = (leading as u32, firsts as u32, all as u32);
        let (series_end, series_len) = (series_end as u32, series_len as u32);
        // The zero-class characters ending the series (none where there is no series: its
        // length is 0).
        let run = (zeros << (32 - series_end)).leading_ones().min(series_len);
        let trailing = ((1 << run) - 1) << (series_end - run);
        // No two groups trimmed at their start are adjacent, so adding each one's first bit
        // to its zeros carries through the run of zeros at its start and stops there: the
        // bits that changed from one to zero are that run.
        let runs = zeros & leading;
        let dropped = runs & !(runs + firsts) | trailing;
        all & !dropped
    }

    fn text(self) -> Option<InlineStr> {
        let len = (128 - self.0.leading_zeros() as usize).div_ceil(8);
        (len > 0).then(|| {
            InlineStr::ascii(self.0.to_le_bytes(), len).expect("a key is at most 16 ASCII bytes")
        })
    }
}

/// The key of `plate` from [`Key::of_portable`] and, where the processor has SSSE3, [`Key::of_ssse3`].
#[cfg(test)]
pub(crate) fn keys_of(plate: &Plate) -> Vec<Option<InlineStr>> {
    let mut keys = vec![Key::of_portable(plate).text()];
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("ssse3") {
        // SAFETY: checked just above.
        keys.push(unsafe { Key::of_ssse3(plate) }.text());
    }
    keys
}

/// The key of `plate` group by group, a character at a time: what [`Key`] computes in
/// registers.
#[cfg(test)]
pub(crate) fn key_by_groups(plate: &Plate) -> String {
    let mut key = String::new();
    for (group, &trim) in plate.groups().zip(Key::trims(plate.kind())) {
        let mut group = group;
        let zero = |c: &u8| class_of(*c) == b'0';
        match trim {
            Trim::Keep => {}
            Trim::Leading => {
                while group.first().is_some_and(zero) {
                    group = &group[1..];
                }
            }
            Trim::Trailing => {
                while group.last().is_some_and(zero) {
                    group = &group[..group.len() - 1];
                }
            }
        }
        key.extend(group.iter().map(|&c| class_of(c) as char));
    }
    key
}

/// The plate `s` is as written, else its closest reading.
pub(crate) fn read(s: &str) -> Option<Reading> {
    let chars = Chars::of(s)?;
    if let Some(plate) = Plate::from_chars(&chars) {
        return Some(Reading::exact(plate, chars.as_bytes().len()));
    }
    search_all(chars.as_bytes(), None)
}

/// The reading of `s` for its match key: as written, unless it lacks zero padding and another
/// reading is strictly closer (`RJ14ABA012`, the first digit of `RJ14AB4012` misread, is read
/// at full width, not as the valid but partly padded `RJ14ABA0012`); else the closest.
pub(crate) fn read_for_key(s: &str) -> Option<Reading> {
    let chars = Chars::of(s)?;
    match Plate::from_chars(&chars) {
        Some(plate) => read_plate_for_key(&chars, plate),
        None => search_all(chars.as_bytes(), None),
    }
}

/// [`read_for_key`] of `chars`, which are `plate` as written.
fn read_plate_for_key(chars: &Chars, plate: Plate) -> Option<Reading> {
    let reading = Reading::exact(plate, chars.as_bytes().len());
    // Written in full, or short of one group's padding only: no reading is closer.
    if reading.padding == 0 || lacks_one_groups_padding(chars, &plate, reading.padding as usize) {
        return Some(reading);
    }
    search_all(chars.as_bytes(), Some(reading))
}

/// [`read_for_key`] searching every value not written in full: what the shortcut there must
/// agree with.
#[cfg(test)]
pub(crate) fn read_for_key_by_search(s: &str) -> Option<Reading> {
    let chars = Chars::of(s)?;
    let exact = Plate::from_chars(&chars).map(|p| Reading::exact(p, chars.as_bytes().len()));
    match exact {
        Some(reading) if reading.padding == 0 => Some(reading),
        _ => search_all(chars.as_bytes(), exact),
    }
}

/// Which groups of a plate of `kind` are zero-padded digits: the RTO part and number of a
/// standard plate, every number, a diplomatic country code (see [`FORMATS`]).
fn padded_groups(kind: Kind) -> &'static [bool] {
    match kind {
        Kind::Standard => &[false, true, false, true],
        Kind::Bharat => &[false, false, true, false],
        Kind::Temporary => &[false, false, false, true, false],
        Kind::Defence => &[false, false, false, false],
        Kind::Diplomatic => &[true, false, true],
        Kind::Old => &[false, true],
    }
}

/// [`search`]; a leading `IND` (the strip of high-security plates) is tried without first.
/// Those letters may also be the plate's own, misread (`INQ1101` read `INDL101`): read whole,
/// the value gives way to a strictly closer plate, and one as close makes the reading ambiguous.
fn search_all(input: &[u8], exact: Option<Reading>) -> Option<Reading> {
    let Some(rest) = input.strip_prefix(b"IND") else {
        return search(input, exact, u32::MAX);
    };
    let Some(stripped) = search(rest, exact, u32::MAX) else {
        return search(input, exact, u32::MAX);
    };
    // A value that is a plate as written is read so; only a repaired reading has rivals.
    if exact.is_some() {
        return Some(stripped);
    }
    match search(input, None, stripped.score) {
        Some(whole) if whole.score < stripped.score => Some(whole),
        Some(whole) if whole.plate != stripped.plate => Some(Reading {
            ambiguous: true,
            key_tie: stripped.key_tie || Key::of(&whole.plate) != Key::of(&stripped.plate),
            ..stripped
        }),
        _ => Some(stripped),
    }
}

/// The closest plate to `input` over every format, of a score up to `bound`; `None` if there
/// is none or a fragment is strictly closer. With `exact` (the plate `input` is as written),
/// that plate unless another reading is strictly closer.
fn search(input: &[u8], exact: Option<Reading>, bound: u32) -> Option<Reading> {
    // Every plate format has a number (or year) that keeps a digit as read: without one, no
    // reading is a plate (`UNKNOWN`, `NO PLATE`).
    if !input.iter().any(u8::is_ascii_digit) {
        return exact;
    }
    if exact.is_none() && fragment_as_written(input) {
        return None;
    }
    let mut search = Search::new(input, exact.map(|e| e.plate));
    search.best_score = bound;
    search.layouts();
    search.outcome(exact)
}

/// Whether `input` is, as written, a fragment and no plate (`RJ14`, `MH12AB`, `DL3C`): then the
/// search reads it as a fragment at no cost and as any plate at some (a plate read at no cost
/// is the value as written), and finds none. Partial reads are common in ANPR data, and the
/// search would try every layout of their length to learn it. What [`Search::consider`] asks
/// of a fragment read without replacements or missing padding: a state code, an RTO part of
/// two digits (one in Delhi), up to three series letters, and a plate once a number is added.
fn fragment_as_written(input: &[u8]) -> bool {
    let n = input.len();
    if !(3..=7).contains(&n) || !is_state_code(input[0], input[1]) {
        return false;
    }
    let digits = input[2..].iter().take_while(|c| c.is_ascii_digit()).count();
    if !(digits == 2 || digits == 1 && input[..2] == *b"DL") {
        return false;
    }
    let series = &input[2 + digits..];
    if series.len() > 3 || !series.iter().all(|&c| is_series_letter(c)) {
        return false;
    }
    begins_a_plate(input)
        && Chars::from_upper(input)
            .and_then(|c| Plate::from_chars(&c))
            .is_none()
}

/// Whether `fragment` (uppercase letters and digits) is a plate once completed: with a series
/// `A` if it has none, and number 1.
fn begins_a_plate(fragment: &[u8]) -> bool {
    let n = fragment.len();
    let suffix: &[u8] = if fragment[n - 1].is_ascii_digit() {
        b"A1"
    } else {
        b"1"
    };
    let mut numbered = [0u8; MAX_CHARS + 2];
    numbered[..n].copy_from_slice(fragment);
    numbered[n..n + suffix.len()].copy_from_slice(suffix);
    Chars::from_upper(&numbered[..n + suffix.len()])
        .and_then(|c| Plate::from_chars(&c))
        .is_some()
}

/// [`search`] by the recursive search it replaced, format by format (see [`Search::layouts`]).
#[cfg(test)]
fn search_by_groups(input: &[u8], exact: Option<Reading>) -> Option<Reading> {
    if !input.iter().any(u8::is_ascii_digit) {
        return exact;
    }
    let mut search = Search::new(input, exact.map(|e| e.plate));
    for format in &FORMATS {
        let (shortest, longest) = format.lengths();
        if (shortest..=longest).contains(&input.len()) {
            search.fragment = format.fragment;
            search.groups(format.groups, 0, 0, 0, false);
        }
    }
    search.outcome(exact)
}

/// The readings of `s` (searched alone, beside the plate it is as written if any, and without
/// an `IND` strip) by [`search`] and by the recursive [`search_by_groups`].
#[cfg(test)]
pub(crate) fn searches(s: &str) -> [Vec<Option<Reading>>; 2] {
    let Some(chars) = Chars::of(s) else {
        return Default::default();
    };
    let input = chars.as_bytes();
    let exact = Plate::from_chars(&chars).map(|p| Reading::exact(p, input.len()));
    let of = |f: fn(&[u8], Option<Reading>) -> Option<Reading>| {
        let mut readings = vec![f(input, None), f(input, exact)];
        if let Some(rest) = input.strip_prefix(b"IND") {
            readings.push(f(rest, None));
        }
        readings
    };
    [
        of(|input, exact| search(input, exact, u32::MAX)),
        of(search_by_groups),
    ]
}

/// How each byte may be read, a bit in each of three 16-bit lanes: bit 0 a digit as written,
/// bit 16 readable as a digit, bit 32 readable as a letter (a letter, or a digit of a class
/// with letters). Lanes, so that the search gathers all three masks of a value by one shift
/// and one `or` a character.
static READABLE: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let class = CLASS[b];
        let digit = c.is_ascii_digit() as u64;
        let as_digit = (c.is_ascii_uppercase() || c.is_ascii_digit()) && class.is_ascii_digit();
        // A digit stands for a letter if its class has one (`letters_of`).
        let mut as_letter = c.is_ascii_uppercase();
        let mut letter = b'A';
        while c.is_ascii_digit() && letter <= b'Z' {
            as_letter |= CLASS[letter as usize] == class;
            letter += 1;
        }
        table[b] = digit | (as_digit as u64) << 16 | (as_letter as u64) << 32;
        b += 1;
    }
    table
};

/// How two characters read as a state code: looked up in a table built once by trying every
/// code their classes allow, since the search fills a state code for most layouts it reads.
struct StateRead;

/// A state code read from two characters: its letters, the replacements, and whether another
/// code is as close.
type StateCode = (u8, u8, u32, bool);

/// Letters and digits are the bytes `0`..=`Z`.
const PAIR_BYTES: usize = (b'Z' - b'0' + 1) as usize;

/// [`StateRead::search`] of every pair of bytes `0`..=`Z`, by first byte, then second.
static STATE_READS: LazyLock<Vec<Option<StateCode>>> = LazyLock::new(|| {
    let bytes = b'0'..=b'Z';
    let pairs = bytes
        .clone()
        .flat_map(|a| bytes.clone().map(move |b| (a, b)));
    pairs.map(|(a, b)| StateRead::search(a, b)).collect()
});

impl StateRead {
    /// The state code `a b` reads as; `None` if none, or if neither is a letter.
    #[inline]
    fn of(a: u8, b: u8) -> Option<StateCode> {
        let index = |c: u8| {
            c.checked_sub(b'0')
                .map(usize::from)
                .filter(|&i| i < PAIR_BYTES)
        };
        STATE_READS[index(a)? * PAIR_BYTES + index(b)?]
    }

    /// [`StateRead::of`] by trying every code the two characters' classes allow.
    fn search(a: u8, b: u8) -> Option<StateCode> {
        if !a.is_ascii_uppercase() && !b.is_ascii_uppercase() {
            return None;
        }
        let mut best = None;
        let mut best_cost = u32::MAX;
        let mut ties = 0;
        for &x in letters_of(a) {
            for &y in letters_of(b) {
                if !is_state_code(x, y) {
                    continue;
                }
                let cost = (x != a) as u32 + (y != b) as u32;
                if cost < best_cost {
                    (best, best_cost, ties) = (Some((x, y)), cost, 0);
                } else if cost == best_cost {
                    ties += 1;
                }
            }
        }
        best.map(|(x, y)| (x, y, best_cost, ties > 0))
    }
}

/// One way to split a value into the groups of a format: what [`Search::layouts`] orders by
/// a lower bound of its cost before filling any group.
struct Layout {
    /// Index into [`FORMATS`].
    format: usize,
    /// The length of each group.
    lens: [usize; 5],
    /// Bit `i` is set if character `i` falls in a group of digits.
    digit_slots: u32,
    /// The least a reading in this layout pays for missing zero padding: 2 for each number or
    /// padded group of digits shorter than its width (an RTO part may be Delhi's: 0).
    unpadded: u32,
}

/// The layouts of every format for each number of characters, in the order the recursive
/// search visits them (formats in preference order, then shorter groups first): a tie between
/// two readings goes to the one earlier here.
static LAYOUTS: LazyLock<[Vec<Layout>; MAX_CHARS + 1]> = LazyLock::new(|| {
    fn split(format: usize, at: usize, lens: &mut [usize; 5], by_len: &mut [Vec<Layout>]) {
        let groups = FORMATS[format].groups;
        let Some(group) = groups.get(at) else {
            let (mut pos, mut digit_slots, mut unpadded) = (0, 0u32, 0);
            for (group, &len) in groups.iter().zip(lens.iter()) {
                if group.slot.digits() {
                    digit_slots |= ((1 << len) - 1) << pos;
                }
                if len < group.slot.width() && !matches!(group.slot, Slot::Rto) {
                    unpadded += 2;
                }
                pos += len;
            }
            by_len[pos].push(Layout {
                format,
                lens: *lens,
                digit_slots,
                unpadded,
            });
            return;
        };
        for len in group.min..=group.max {
            lens[at] = len;
            split(format, at + 1, lens, by_len);
        }
        lens[at] = 0;
    }
    let mut by_len: [Vec<Layout>; MAX_CHARS + 1] = Default::default();
    for format in 0..FORMATS.len() {
        split(format, 0, &mut [0; 5], &mut by_len);
    }
    by_len
});

struct Search<'a> {
    input: &'a [u8],
    candidate: [u8; MAX_CHARS],
    /// The format being searched is a fragment.
    fragment: bool,
    best: Option<Reading>,
    /// Score of the best reading: lower is better, never below cost × 32.
    best_score: u32,
    /// Where the best reading's layout comes in [`LAYOUTS`]: of two as close, the earlier wins.
    best_order: usize,
    /// The cost of the closest fragment.
    fragment_cost: u32,
    /// The plate the value is as written, if any, and the cost of reading it so.
    exact: Option<Plate>,
    exact_cost: u32,
}

impl<'a> Search<'a> {
    fn new(input: &'a [u8], exact: Option<Plate>) -> Search<'a> {
        Search {
            input,
            candidate: [0; MAX_CHARS],
            fragment: false,
            best: None,
            best_score: u32::MAX,
            best_order: usize::MAX,
            fragment_cost: u32::MAX,
            exact,
            exact_cost: u32::MAX,
        }
    }

    /// Reads the input in every layout of its length that can hold it, the cheapest by a lower
    /// bound first, until the bound exceeds the best reading found. The bound counts the
    /// replacements a layout forces (a letter in a digit slot or a digit in a letter slot is
    /// always replaced) and the padding its numbers lack; ruled out before any group is filled
    /// are layouts that put a letter with no digit in a digit slot (`C` in a number) or a `3`,
    /// `7` or `9` in a letter slot. This reads what `Search::groups` (the recursive search it
    /// replaced, kept as the tests' reference) reads, less what that prunes, in another order.
    fn layouts(&mut self) {
        let n = self.input.len();
        // Last character first, so that each goes in by a shift of one.
        let lanes =
            (self.input.iter().rev()).fold(0, |lanes, &c| lanes << 1 | READABLE[c as usize]);
        let lane = |i: u32| (lanes >> (16 * i)) as u32 & 0xFFFF;
        let (digits, as_digit, as_letter) = (lane(0), lane(1), lane(2));
        let all = (1u32 << n) - 1;
        // (bound << 8 | index): sorting orders by bound, then by place in `LAYOUTS`.
        let mut queue = [0u32; 64];
        let mut queued = 0;
        let layouts = &LAYOUTS[n];
        for (i, layout) in layouts.iter().enumerate() {
            let letter_slots = all & !layout.digit_slots;
            if layout.digit_slots & !as_digit != 0 || letter_slots & !as_letter != 0 {
                continue;
            }
            let forced = (layout.digit_slots & !digits) | (letter_slots & digits);
            let bound = 2 * forced.count_ones() + layout.unpadded;
            queue[queued] = bound << 8 | i as u32;
            queued += 1;
        }
        let queue = &mut queue[..queued];
        queue.sort_unstable();
        for &entry in queue.iter() {
            if (entry >> 8) * 32 > self.best_score {
                break;
            }
            let order = (entry & 0xff) as usize;
            self.layout(&layouts[order], order);
        }
    }

    /// Fills the groups of one layout in turn and considers the reading, unless it is already
    /// farther than the best.
    fn layout(&mut self, layout: &Layout, order: usize) {
        let format = &FORMATS[layout.format];
        self.fragment = format.fragment;
        let (mut pos, mut replaced, mut unpadded, mut ambiguous) = (0, 0, 0, false);
        for (group, &len) in format.groups.iter().zip(&layout.lens) {
            let Some((c, a)) = self.fill(group.slot, pos, len) else {
                return;
            };
            unpadded += self.unpadded(group.slot, pos, len);
            (replaced, ambiguous, pos) = (replaced + c, ambiguous || a, pos + len);
            if (2 * replaced + unpadded) * 32 > self.best_score {
                return;
            }
        }
        // Made in place rather than gathered again (and returned, which would stall the
        // processor: see `Key`): the candidate's digits are the layout's digit slots.
        let chars = Chars::new(self.candidate, self.input.len() as u32, layout.digit_slots);
        self.consider(&chars, replaced, unpadded, ambiguous, order);
    }

    /// What the search found: see [`search`].
    fn outcome(&self, exact: Option<Reading>) -> Option<Reading> {
        let best = self
            .best
            .filter(|best| self.fragment_cost >= best.score / 32);
        match (best, exact) {
            (Some(best), Some(_)) if best.score / 32 < self.exact_cost => Some(best),
            (_, Some(exact)) => Some(exact),
            (best, None) => best,
        }
    }

    /// Fills the remaining `groups` from `pos` on, every way their lengths allow. `replaced`
    /// counts replaced characters, `unpadded` the cost of missing zero padding (see
    /// [`Search::unpadded`]); a reading costs `2 × replaced + unpadded`. The search as it was
    /// first written, format by format: the reference [`Search::layouts`] must agree with.
    #[cfg(test)]
    fn groups(
        &mut self,
        groups: &[Group],
        pos: usize,
        replaced: u32,
        unpadded: u32,
        ambiguous: bool,
    ) {
        if (2 * replaced + unpadded) * 32 > self.best_score {
            return;
        }
        let n = self.input.len();
        let Some((group, rest)) = groups.split_first() else {
            if pos == n {
                // Readings are found in order: of two as close, the first stays.
                let chars =
                    Chars::from_upper(&self.candidate[..n]).expect("at most MAX_CHARS characters");
                self.consider(&chars, replaced, unpadded, ambiguous, 0);
            }
            return;
        };
        let rest_min: usize = rest.iter().map(|g| g.min).sum();
        let rest_max: usize = rest.iter().map(|g| g.max).sum();
        for len in group.min..=group.max {
            if pos + len + rest_min > n {
                break;
            }
            if pos + len + rest_max < n {
                continue;
            }
            if let Some((c, a)) = self.fill(group.slot, pos, len) {
                let u = self.unpadded(group.slot, pos, len);
                self.groups(rest, pos + len, replaced + c, unpadded + u, ambiguous || a);
            }
        }
    }

    /// The cost of the padding a group of digits written at `pos..pos + len` lacks: 0 at full
    /// width, 2 without padding (as much as a replacement), 3 with part of it.
    fn unpadded(&self, slot: Slot, pos: usize, len: usize) -> u32 {
        // A Delhi RTO part is never padded.
        if len >= slot.width() || (matches!(slot, Slot::Rto) && self.candidate[..2] == *b"DL") {
            0
        } else if self.candidate[pos] == b'0' {
            3
        } else {
            2
        }
    }

    /// Writes the closest content of `slot` for `input[pos..pos + len]` into the candidate:
    /// (replacements, whether another content is as close), or `None` if none fits. A group of
    /// two or more digits or letters must keep at least one character of its own kind, so
    /// that words are not read as plates (`HELLO` is no `HEL 10`); an RTO part after a state
    /// code read exactly need not (it is digits by position: `RJOA` is `RJ04`); a number must
    /// keep one digit even alone (`TAXI` is no `TAX 1`).
    fn fill(&mut self, slot: Slot, pos: usize, len: usize) -> Option<(u32, bool)> {
        let input = &self.input[pos..pos + len];
        match slot {
            Slot::Rto | Slot::Digits(_) | Slot::Number => {
                let needs_digit = match slot {
                    Slot::Number => true,
                    // The state code is the two characters before the RTO part.
                    Slot::Rto => len > 1 && self.candidate[..pos] != self.input[..pos],
                    _ => len > 1,
                };
                if needs_digit && !input.iter().any(u8::is_ascii_digit) {
                    return None;
                }
                let out = &mut self.candidate[pos..pos + len];
                let mut cost = 0;
                for (o, &c) in out.iter_mut().zip(input) {
                    *o = digit_of(c)?;
                    cost += (*o != c) as u32;
                }
                Some((cost, false))
            }
            Slot::Series | Slot::Letters => {
                if len > 1 && !input.iter().any(u8::is_ascii_uppercase) {
                    return None;
                }
                let allowed: fn(u8) -> bool = match slot {
                    Slot::Series => is_series_letter,
                    _ => |c: u8| c.is_ascii_uppercase(),
                };
                let out = &mut self.candidate[pos..pos + len];
                let (mut cost, mut ambiguous) = (0, false);
                for (o, &c) in out.iter_mut().zip(input) {
                    if allowed(c) {
                        *o = c;
                        continue;
                    }
                    let mut options = letters_of(c).iter().copied().filter(|&l| allowed(l));
                    *o = options.next()?;
                    ambiguous |= options.next().is_some();
                    cost += 1;
                }
                Some((cost, ambiguous))
            }
            Slot::State => {
                let (x, y, cost, ambiguous) = StateRead::of(input[0], input[1])?;
                self.candidate[pos..pos + 2].copy_from_slice(&[x, y]);
                Some((cost, ambiguous))
            }
            Slot::Fixed(options) => {
                let mut best = None;
                let mut best_cost = u32::MAX;
                let mut ties = 0;
                for option in options.iter().filter(|o| o.len() == len) {
                    let cost = input
                        .iter()
                        .zip(option.iter())
                        .try_fold(0, |cost, (&c, &o)| {
                            if c == o {
                                Some(cost)
                            } else if class_of(c) == class_of(o) {
                                Some(cost + 1)
                            } else {
                                None
                            }
                        });
                    match cost {
                        Some(cost) if cost < best_cost => {
                            (best, best_cost, ties) = (Some(option), cost, 0)
                        }
                        Some(cost) if cost == best_cost => ties += 1,
                        _ => {}
                    }
                }
                self.candidate[pos..pos + len].copy_from_slice(best?);
                Some((best_cost, ties > 0))
            }
        }
    }

    /// Keeps the candidate, whose letters and digits are `chars`, if it is a plate at least as
    /// close as the best so far (of two as close, the one whose layout comes first in
    /// [`LAYOUTS`]); for a fragment, notes its cost if it is the beginning of a plate.
    fn consider(
        &mut self,
        chars: &Chars,
        replaced: u32,
        unpadded: u32,
        ambiguous: bool,
        order: usize,
    ) {
        let n = self.input.len();
        let cost = 2 * replaced + unpadded;
        if self.fragment {
            if begins_a_plate(&self.candidate[..n]) {
                self.fragment_cost = self.fragment_cost.min(cost);
            }
            return;
        }
        let Some(plate) = Plate::from_chars(chars) else {
            return;
        };
        if replaced == 0 && self.exact == Some(plate) {
            self.exact_cost = self.exact_cost.min(cost);
        }
        let padding = plate.as_str().len().saturating_sub(n) as u32;
        // Padding is below 32: a value has at most 16 characters.
        let score = cost * 32 + padding;
        match &mut self.best {
            Some(best) if score == self.best_score => {
                if ambiguous || best.plate != plate {
                    best.ambiguous = true;
                }
                if best.plate != plate && Key::of(&best.plate) != Key::of(&plate) {
                    best.key_tie = true;
                }
                // Both flags are the same whichever of the two is kept.
                if order < self.best_order {
                    (best.plate, self.best_order) = (plate, order);
                }
            }
            // Below the best, or (no best yet, the arm above taking ties) at the bound the
            // search was given.
            _ if score <= self.best_score => {
                self.best = Some(Reading {
                    plate,
                    padding,
                    score,
                    ambiguous,
                    key_tie: false,
                });
                (self.best_score, self.best_order) = (score, order);
            }
            _ => {}
        }
    }
}

/// The cost of the closest reading of `s` as a fragment (see [`Search::layout`]).
#[cfg(test)]
pub(crate) fn fragment_cost(s: &str) -> Option<u32> {
    let chars = Chars::of(s)?;
    let mut search = Search::new(chars.as_bytes(), None);
    for format in FORMATS.iter().filter(|f| f.fragment) {
        search.fragment = true;
        search.groups(format.groups, 0, 0, 0, false);
    }
    (search.fragment_cost != u32::MAX).then_some(search.fragment_cost)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repaired(s: &str) -> Option<String> {
        repair(s).map(|p| p.as_str().to_string())
    }

    fn key(s: &str) -> Option<String> {
        match_key(s).map(|k| crate::kernel::ShortStr::as_str(&k).to_string())
    }

    #[test]
    fn repairs_by_position() {
        let cases = [
            // Valid plates stay what they are.
            ("RJ14CA0012", Some("RJ14CA0012")),
            ("rj 14 ca 12", Some("RJ14CA0012")),
            ("DL1ZCA1234", Some("DL1ZCA1234")),
            // State codes.
            ("RI27CA1234", Some("RJ27CA1234")),
            ("R127CA1234", Some("RJ27CA1234")),
            ("M2 12 AB 1234", Some("MZ12AB1234")),
            ("0D02AB1234", None),
            // RTO and number digits.
            ("MHI2AB1234", Some("MH12AB1234")),
            ("RJ14CA0O12", Some("RJ14CA0012")),
            ("RJ14CA12S4", Some("RJ14CA1254")),
            ("RJI4CA12G8", Some("RJ14CA1268")),
            // A number short of its padding costs as much as a replacement, and at the same
            // cost the full-width number wins: `ZBG8` (4 replacements) over series `CAZ` and
            // number `868` (3 replacements and the padding of `868`).
            ("RJI4CAZBG8", Some("RJ14CA2868")),
            // The example of the design: `l` in a digit slot is `1`, not a series letter `L`
            // before a number `234` short of its padding.
            ("RI14CAl234", Some("RJ14CA1234")),
            ("RI14CA12", Some("RJ14CA0012")),
            ("MHI2AB12", Some("MH12AB0012")),
            // Both characters of the RTO part confused, after a state code read exactly.
            ("RJOAUG3390", Some("RJ04UG3390")),
            ("RJIORX9286", Some("RJ10RX9286")),
            ("RJII CA 1234", Some("RJ11CA1234")),
            ("RJOICA1234", Some("RJ01CA1234")),
            ("DLIZCA1234", Some("DL1ZCA1234")),
            // Not after a state code that needed repair too: no RTO part, no plate.
            ("RIOAUG3390", None),
            // Series letters.
            ("RJ14C41234", Some("RJ14CA1234")),
            ("RJ 14 5B 1234", Some("RJ14SB1234")),
            ("RJ14C01234", None),
            ("RJ14CI1234", None),
            // The least padding wins a tie: number `O012`, not series `CAO` + `012`.
            ("RJ14ABO012", Some("RJ14AB0012")),
            // Other kinds.
            ("228H1234AA", Some("22BH1234AA")),
            ("22BH12344A", Some("22BH1234AA")),
            ("1O125RJ0042AB", Some("T0125RJ0042AB")),
            ("1SB123456K", Some("15B123456K")),
            ("77C01234", Some("077CD1234")),
            ("R5B1234", Some("RSB1234")),
            ("INDRI14CA1234", Some("RJ14CA1234")),
            // `IND` read as the plate's own letters: `IND1101` is one replacement away, the
            // closest plate without them (`LIO0001`) three and padding.
            ("INDL101", Some("IND1101")),
            // Rajasthan's offices are RJ01-RJ60: `RJ7O` is no RTO part `70`; read as RTO `07`
            // and series `OCA`, the `O` may be `D` or `Q`.
            ("RJ99CA1234", None),
            ("RJ7OCA1234", None),
            // Fragments and words: a number needs a real digit, and a value read as well as
            // the beginning of a plate without its number is no plate.
            ("RJ14CA", None),
            ("MH12AB", None),
            ("TAXI", None),
            ("RJ14", None),
            ("RI14", None),
            ("DL3C", None),
            // Nothing close.
            ("HELLO", None),
            ("", None),
            ("RJ14CA123456", None),
        ];
        for (input, expected) in cases {
            assert_eq!(repaired(input).as_deref(), expected, "{input:?}");
        }
    }

    /// The batch kernel keys values written short of padding as the function does: one
    /// group's whole padding missing is keyed as written (the shortcut), partial padding or
    /// two groups' are searched (`RJ04CA012` reads closer as `RJ04C4012`).
    #[test]
    fn the_kernel_keys_short_values_as_the_function() {
        let values = [
            "RJ04CA012",
            "RJ4CA12",
            "RJ4CA0012",
            "RJ04CA12",
            "RJ04CA123",
            "RJ4CA123",
            "RJ14ABA012",
            "RJ14AB412",
            "DL03CAB1234",
            "DL3CAB12",
            "77CD12",
            "077CD12",
            "7CD0012",
            "22BH12AB",
            "T0125RJ42AB",
            "RSB12",
            "IND12",
            "15B123456K",
        ];
        let inputs: Vec<Option<&str>> = values.iter().map(|v| Some(*v)).collect();
        let keys: Vec<Option<String>> = values.iter().map(|v| key(v)).collect();
        let by_kernel =
            crate::kernel::test_util::texts(&super::super::match_key::PLATE_MATCH_KEY, &inputs);
        assert_eq!(by_kernel, keys);
        // The case the shortcut must not take: `0` kept of the number's padding.
        assert_ne!(key("RJ04CA012"), key("RJ04CA0012"));
    }

    /// The search's byte table says what `digit_of` and `letters_of` say of every letter and
    /// digit.
    #[test]
    fn readable_is_digit_of_and_letters_of() {
        for c in (b'0'..=b'9').chain(b'A'..=b'Z') {
            let readable = READABLE[c as usize];
            assert_eq!(readable & 1 == 1, c.is_ascii_digit(), "{}", c as char);
            assert_eq!(
                readable >> 16 & 1 == 1,
                digit_of(c).is_some(),
                "{}",
                c as char
            );
            assert_eq!(
                readable >> 32 & 1 == 1,
                !letters_of(c).is_empty(),
                "{}",
                c as char
            );
        }
    }

    /// The table of state-code reads is the search over every pair it covers, and pairs of
    /// other bytes read as none.
    #[test]
    fn state_reads_are_the_search() {
        for a in 0..=255u8 {
            for b in 0..=255u8 {
                let expected = (a.is_ascii_uppercase() || a.is_ascii_digit())
                    && (b.is_ascii_uppercase() || b.is_ascii_digit());
                let expected = expected.then(|| StateRead::search(a, b)).flatten();
                assert_eq!(
                    StateRead::of(a, b),
                    expected,
                    "{:?}",
                    (a as char, b as char)
                );
            }
        }
        assert_eq!(StateRead::of(b'R', b'I'), Some((b'R', b'J', 1, false)));
        assert_eq!(StateRead::of(b'0', b'D'), Some((b'O', b'D', 1, true)));
        assert_eq!(StateRead::of(b'1', b'4'), None);
    }

    #[test]
    fn match_keys() {
        let clean = key("RJ14CA0012").unwrap();
        assert_eq!(clean, "R114C412");
        for noisy in [
            "RJ14CA12",
            "rj-14-ca-0012",
            "RI14CA0012",
            "RJ14C40O12",
            "RJI4CAOO12",
        ] {
            assert_eq!(key(noisy).as_deref(), Some(clean.as_str()), "{noisy:?}");
        }
        // A series ending in a zero-class letter next to a padded number.
        assert_eq!(key("RJ14ABD012"), key("RJ14AB0012"));
        assert_eq!(key("RJ14ABD012").as_deref(), Some("R1144812"));
        // Ambiguous reads still get a key.
        assert_eq!(key("0D02AB1234"), key("OD02AB1234"));
        assert_eq!(key("RJ14C01234"), key("RJ14CD1234"));
        // Different plates keep different keys.
        assert_ne!(key("RJ14CA0012"), key("RJ14CA0013"));
        assert_ne!(key("RJ14CA0012"), key("RJ41CA0012"));
        assert_eq!(key("HELLO WORLD"), None);
        assert_eq!(key("22BH1234AA").as_deref(), Some("228H123444"));
        // Both RTO characters confused: the stolen plate's key.
        assert_eq!(key("RJOAUG3390"), key("RJ04UG3390"));
        assert_eq!(key("RJ04UG3390").as_deref(), Some("R14U63390"));
        assert_eq!(key("RJIORX9286"), key("RJ10RX9286"));
        // The design's example keys as the plate it repairs to.
        assert_eq!(key("RI14CAl234"), key("RJ14CA1234"));
        // Fragments, words and Rajasthan codes that are no office have no key.
        for not_a_plate in ["RJ14", "RJ14CA", "MH12AB", "TAXI", "RI14", "RJ99CA1234"] {
            assert_eq!(key(not_a_plate), None, "{not_a_plate:?}");
        }
        // A plate written without its padding keeps its own key, though another reading
        // (`RJ10S0100`) is as close.
        assert_eq!(key("RJ1QS100"), key("RJ01QS0100"));
        assert_eq!(key("RJ1QS100").as_deref(), Some("R1105100"));
        // Distinct plates can share a key: `A` and `4` are one class, padding is dropped.
        assert_eq!(key("RJ14C0412"), key("RJ14CA0012"));
    }

    #[test]
    fn a_repair_has_the_key_of_the_value() {
        for read in [
            "RI14CAl234",
            "RJI4CAZBG8",
            "RJOAUG3390",
            "MHI2AB12",
            "RI14CA012",
            "1O125RJ0042AB",
        ] {
            let repaired = repaired(read).unwrap();
            assert_eq!(key(&repaired), key(read), "{read:?} → {repaired:?}");
        }
    }

    /// Every split of every format into group lengths is a layout of its length, once, and no
    /// length has more than the search's queue holds.
    #[test]
    fn layouts_are_every_split() {
        let splits: usize = FORMATS
            .iter()
            .map(|f| {
                f.groups
                    .iter()
                    .map(|g| g.max - g.min + 1)
                    .product::<usize>()
            })
            .sum();
        assert_eq!(LAYOUTS.iter().map(Vec::len).sum::<usize>(), splits);
        for (n, layouts) in LAYOUTS.iter().enumerate() {
            assert!(
                layouts.len() <= 64,
                "{n} characters: {} layouts",
                layouts.len()
            );
            for layout in layouts {
                let groups = FORMATS[layout.format].groups;
                assert_eq!(layout.lens[..groups.len()].iter().sum::<usize>(), n);
                let fits = groups.iter().zip(&layout.lens);
                assert!(fits.clone().all(|(g, &len)| (g.min..=g.max).contains(&len)));
            }
        }
    }

    /// Values that are fragments as written, and values one step from one (no state code, an
    /// RTO part of one digit outside Delhi or three digits, a letter no series has, a number),
    /// read as the recursive search reads them.
    #[test]
    fn fragments_as_written_read_as_the_search() {
        let codes = (b'A'..=b'Z').flat_map(|a| (b'A'..=b'Z').map(move |b| [a, b]));
        let mut shortcuts = 0;
        for code in codes
            .filter(|c| is_state_code(c[0], c[1]))
            .chain([*b"RI", *b"XX"])
        {
            for rto in ["1", "7", "01", "14", "60", "99", "123"] {
                for series in ["", "A", "C", "AB", "ABC", "ABCD", "I", "O", "Z", "A1"] {
                    let value = format!("{}{rto}{series}", std::str::from_utf8(&code).unwrap());
                    let [by_layouts, by_groups] = searches(&value);
                    assert_eq!(by_layouts, by_groups, "{value:?}");
                    shortcuts += fragment_as_written(value.as_bytes()) as usize;
                }
            }
        }
        assert!(shortcuts > 500, "{shortcuts} fragments as written");
        assert!(fragment_as_written(b"DL3C"));
        assert!(!fragment_as_written(b"RJ99"));
        assert!(!fragment_as_written(b"RJ4"));
        assert!(!fragment_as_written(b"RJ14CA1"));
    }

    #[test]
    fn fragments() {
        assert_eq!(fragment_cost("RJ14"), Some(0));
        assert_eq!(fragment_cost("rj 14 ca"), Some(0));
        // `RI` → `RJ`: one replacement.
        assert_eq!(fragment_cost("RI14"), Some(2));
        // RJ99 is no office.
        assert_eq!(fragment_cost("RJ99"), None);
        assert_eq!(fragment_cost("RJ14CA1234"), None);
        // A heavily confused old plate (CGA0110) reads closer as a fragment: no plate.
        assert_eq!(fragment_cost("CG40IJ0"), Some(4));
        assert_eq!(key("CG40IJ0"), None);
        // As close as a fragment (`CG 40 J?Q`, two replacements), a plate read stands:
        // `CGA0110` with two confusions.
        assert_eq!(fragment_cost("CGA0J1Q"), Some(4));
        assert_eq!(key("CGA0J1Q"), key("CGA0110"));
        assert_eq!(key("CGA0J1Q").as_deref(), Some("C64110"));
    }
}
