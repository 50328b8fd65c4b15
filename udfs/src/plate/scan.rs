//! The fast first pass of the plate parser, for the common value: at most 16 ASCII bytes, on
//! x86-64 processors with SSSE3 (all but the oldest).
//!
//! All 16 bytes are classified at once (letter, digit, formatting, anything else) with two
//! table lookups on their nibbles. The letters and digits are then moved together with two
//! byte shuffles (`pshufb`) read from small tables, which leaves in a register exactly the
//! characters [`Chars::of`](super::parse::Chars::of) would give; the layout lookup, its checks
//! and the canonical form work on that register too (see [`plate_of`]).
//!
//! A value written with Devanagari digits (`RJ १४ CA १२३४`) is first made ASCII by
//! [`devanagari_digits`], with vector instructions too, and then takes the same pass: the
//! plate, and its count of letters and digits, are those of the value.
//!
//! Values this pass does not settle (other non-ASCII text, more than 16 bytes once Devanagari
//! digits are read, and values that are no plate but start with `IND`) are left to the
//! byte-by-byte path.

use std::arch::x86_64::*;

use super::parse::{Chars, Lanes, Plate, Tables, plate_of};

/// Values longer than this are left to the byte-by-byte path.
const MAX_BYTES: usize = 16;

/// Shuffle control that gathers the bytes whose bits are set in the index, in order, and
/// writes zero (`0x80`) after them: one half of a 16-byte value.
static GATHER: [u64; 256] = {
    let mut table = [0u64; 256];
    let mut mask = 0;
    while mask < 256 {
        let mut control = [0x80u8; 8];
        let (mut bit, mut n) = (0, 0);
        while bit < 8 {
            if mask >> bit & 1 == 1 {
                control[n] = bit as u8;
                n += 1;
            }
            bit += 1;
        }
        table[mask] = u64::from_le_bytes(control);
        mask += 1;
    }
    table
};

/// Shuffle control that closes the gap between two gathered halves when the first holds `c`
/// bytes: bytes `0..c`, then bytes `8..16`.
static CLOSE: [[u8; 16]; 9] = {
    let mut table = [[0x80u8; 16]; 9];
    let mut c = 0;
    while c <= 8 {
        let mut i = 0;
        while i < 16 {
            table[c][i] = if i < c {
                i as u8
            } else if i < c + 8 {
                (i - c + 8) as u8
            } else {
                0x80
            };
            i += 1;
        }
        c += 1;
    }
    table
};

/// The first `bytes.len() <= 16` bytes as two little-endian words, zero beyond the end.
#[inline(always)]
fn load(bytes: &[u8]) -> [u64; 2] {
    let n = bytes.len();
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
    let half = |at: usize| u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap()) as u64;
    // Two overlapping loads cover every length; the overlap holds the same bytes. Tests in
    // order of likelihood (plates are 8-16 bytes), not a jump table.
    if n > 8 {
        [word(0), word(n - 8) >> (8 * (16 - n))]
    } else if n == 8 {
        [word(0), 0]
    } else if n >= 4 {
        [half(0) | half(n - 4) << (8 * (n - 4)), 0]
    } else if n > 0 {
        let w = bytes[0] as u64 | (bytes[n / 2] as u64) << (8 * (n / 2));
        [w | (bytes[n - 1] as u64) << (8 * (n - 1)), 0]
    } else {
        [0, 0]
    }
}

/// 16 characters in a vector register.
#[derive(Clone, Copy)]
struct Vector(__m128i);

impl Lanes for Vector {
    #[inline(always)]
    fn low(self) -> u64 {
        // SAFETY: SSE2, part of every x86-64 processor.
        unsafe { _mm_cvtsi128_si64(self.0) as u64 }
    }

    #[inline(always)]
    fn eq(self, c: u8) -> u32 {
        // SAFETY: as in `low`.
        unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(self.0, _mm_set1_epi8(c as i8))) as u32 }
    }

    #[inline(always)]
    fn shuffle(self, control: &[u8; 16], pad: &[u8; 16]) -> Self {
        // SAFETY: a `Vector` exists only in `parse`, which runs on processors with SSSE3; the
        // loads read the 16 bytes of each array.
        unsafe {
            let control = _mm_loadu_si128(control.as_ptr().cast());
            let pad = _mm_loadu_si128(pad.as_ptr().cast());
            Vector(_mm_or_si128(_mm_shuffle_epi8(self.0, control), pad))
        }
    }

    #[inline(always)]
    fn store(self, to: &mut [u8; 16]) {
        // SAFETY: the store writes the 16 bytes of `to`.
        unsafe { _mm_storeu_si128(to.as_mut_ptr().cast(), self.0) }
    }
}

/// The bytes of `v` whose bits are set in `keep` (16 bits), in order, then zeros: each half's
/// bytes to its start by one shuffle, then the second half next to the first by another.
///
/// # Safety
///
/// The processor must have SSSE3; as [`parse`], this is meant to be inlined into a caller
/// compiled for it.
#[inline(always)]
pub(super) unsafe fn compact(v: __m128i, keep: u32) -> __m128i {
    let (low, high) = ((keep & 0xFF) as usize, (keep >> 8 & 0xFF) as usize);
    // SAFETY: SSE2 and SSSE3 (the caller's contract); the load reads one table entry.
    unsafe {
        let gather = _mm_set_epi64x(
            (GATHER[high] + 0x0808_0808_0808_0808) as i64,
            GATHER[low] as i64,
        );
        let close = _mm_loadu_si128(CLOSE[low.count_ones() as usize].as_ptr().cast());
        _mm_shuffle_epi8(_mm_shuffle_epi8(v, gather), close)
    }
}

// Classes of ASCII bytes, as bits: a byte's class is `LOW_NIBBLE[b & 15] & HIGH_NIBBLE[b >> 4]`,
// two table lookups that `pshufb` makes for 16 bytes at once.
const DIGIT: u8 = 1 << 0;
/// `A`-`O`, `a`-`o`: high nibble 4 or 6, low nibble 1-15.
const LETTER_A: u8 = 1 << 1;
/// `P`-`Z`, `p`-`z`: high nibble 5 or 7, low nibble 0-10.
const LETTER_P: u8 = 1 << 2;
/// Space, `-`, `.`, `/`.
const PUNCTUATION: u8 = 1 << 3;
/// Tab, line feed, carriage return.
const CONTROL: u8 = 1 << 4;
const UNDERSCORE: u8 = 1 << 5;
const KEPT: u8 = DIGIT | LETTER_A | LETTER_P;

static LOW_NIBBLE: [u8; 16] = {
    let mut table = [0u8; 16];
    let mut lo = 0;
    while lo < 16 {
        let mut class = 0;
        if lo <= 9 {
            class |= DIGIT;
        }
        if lo >= 1 {
            class |= LETTER_A;
        }
        if lo <= 10 {
            class |= LETTER_P;
        }
        if matches!(lo, 0x0 | 0xD | 0xE | 0xF) {
            class |= PUNCTUATION;
        }
        if matches!(lo, 0x9 | 0xA | 0xD) {
            class |= CONTROL;
        }
        if lo == 0xF {
            class |= UNDERSCORE;
        }
        table[lo] = class;
        lo += 1;
    }
    table
};

static HIGH_NIBBLE: [u8; 16] = {
    let mut table = [0u8; 16];
    table[0x0] = CONTROL;
    table[0x2] = PUNCTUATION;
    table[0x3] = DIGIT;
    table[0x4] = LETTER_A;
    table[0x5] = LETTER_P | UNDERSCORE;
    table[0x6] = LETTER_A;
    table[0x7] = LETTER_P;
    table
};

/// What [`parse`] found.
#[derive(Clone, Copy, Debug)]
pub(super) enum Scan {
    /// A plate, and the value's letters and digits: as many as the plate's characters when it
    /// is written with all its zero padding, fewer when not.
    Plate(Plate, Chars),
    /// Letters and digits (and formatting) that are no plate as written: perhaps a misread
    /// one (see [`ocr`](super::ocr)).
    Unwritten(Chars),
    /// A character that is no letter, digit or formatting: no plate, nor a reading of one.
    None,
    /// The byte-by-byte path must decide.
    General,
}

/// [`plate_of`] on characters already gathered (by the byte-by-byte path), in a vector
/// register: the layout's shuffles become two instructions instead of loops over bytes.
#[target_feature(enable = "ssse3,popcnt")]
pub(super) fn plate_of_text(
    tables: &Tables,
    text: &[u8; 16],
    len: u32,
    digits: u32,
) -> Option<Plate> {
    // SAFETY: the load reads the 16 bytes of `text`.
    let v = unsafe { _mm_loadu_si128(text.as_ptr().cast()) };
    plate_of(tables, Vector(v), len, digits)
}

/// Reads a value with the parser's `tables`.
///
/// Always inlined, without target features of its own, so that it becomes part of the
/// caller's loop; that loop should be compiled for SSSE3 and POPCNT (see
/// [`ShortText::SSSE3`](crate::kernel::ShortText::SSSE3)), or each vector instruction is a call.
///
/// # Safety
///
/// The processor must have SSSE3 and POPCNT ([`has_ssse3`](crate::kernel::has_ssse3)).
#[inline(always)]
pub(super) unsafe fn parse(bytes: &[u8], tables: &Tables) -> Scan {
    let n = bytes.len();
    // SAFETY: SSE2, which every x86-64 processor has; then the caller's contract.
    unsafe {
        let ascii = if n <= MAX_BYTES {
            let [lo, hi] = load(bytes);
            let v = _mm_set_epi64x(hi as i64, lo as i64);
            (_mm_movemask_epi8(v) == 0).then_some((v, n as u32))
        } else {
            None
        };
        let (v, n) = match ascii {
            Some(ascii) => ascii,
            // Not ASCII, or longer: perhaps written with Devanagari digits.
            None => match devanagari_digits(bytes) {
                Some(read) => (read.ascii, read.len),
                None => return Scan::General,
            },
        };
        parse_ascii(v, n, tables)
    }
}

/// [`parse`] of `n <= 16` ASCII bytes in a vector, zeros after them.
///
/// # Safety
///
/// As [`parse`].
#[inline(always)]
unsafe fn parse_ascii(v: __m128i, n: u32, tables: &Tables) -> Scan {
    // SAFETY: SSE2 and SSSE3 instructions, which the caller's processor has; the loads read
    // the 16 bytes of one table entry each.
    unsafe {
        let table = |t: &[u8; 16]| _mm_loadu_si128(t.as_ptr().cast());
        let nibbles = _mm_set1_epi8(0x0F);
        let class = _mm_and_si128(
            _mm_shuffle_epi8(table(&LOW_NIBBLE), _mm_and_si128(v, nibbles)),
            _mm_shuffle_epi8(
                table(&HIGH_NIBBLE),
                _mm_and_si128(_mm_srli_epi16(v, 4), nibbles),
            ),
        );
        let zero = _mm_setzero_si128();
        let unclassed = _mm_movemask_epi8(_mm_cmpeq_epi8(class, zero)) as u32;
        // A byte that is no letter, digit or formatting: no plate (as `Chars::of` finds).
        if unclassed & ((1 << n) - 1) != 0 {
            return Scan::None;
        }
        let kept_class = _mm_and_si128(class, _mm_set1_epi8(KEPT as i8));
        let kept = !_mm_movemask_epi8(_mm_cmpeq_epi8(kept_class, zero)) as u32 & 0xFFFF;
        let count = kept.count_ones();
        let chars = compact(v, kept);
        // Uppercase: lowercase letters are the bytes above `` ` ``.
        let lower = _mm_cmpgt_epi8(chars, _mm_set1_epi8(b'`' as i8));
        let chars = _mm_andnot_si128(_mm_and_si128(lower, _mm_set1_epi8(0x20)), chars);
        // Digits are the bytes below `A`, and so are the zeros past the end.
        let below_a = _mm_movemask_epi8(_mm_cmplt_epi8(chars, _mm_set1_epi8(b'A' as i8))) as u32;
        let digits = below_a & ((1 << count) - 1);
        let letters_and_digits = || {
            let mut text = [0u8; 16];
            Vector(chars).store(&mut text);
            Chars::new(text, count, digits)
        };
        match plate_of(tables, Vector(chars), count, digits) {
            Some(plate) => Scan::Plate(plate, letters_and_digits()),
            // No plate as written; perhaps one after an `IND` strip.
            None if _mm_cvtsi128_si32(chars) as u32 & 0xFF_FFFF
                == u32::from_le_bytes(*b"IND\0") =>
            {
                Scan::General
            }
            None => Scan::Unwritten(letters_and_digits()),
        }
    }
}

/// The most bytes [`devanagari_digits`] reads: 16 Devanagari digits.
const MAX_DEVANAGARI_BYTES: usize = 48;

/// Shuffle controls that move a vector's bytes: `s` places up (zeros below) is the 16 bytes
/// at `16 - s`, `s` places down (zeros above) the 16 bytes at `16 + s`, for `s <= 16`.
static SHIFTS: [u8; 48] = {
    let mut table = [0x80u8; 48];
    let mut i = 0;
    while i < 16 {
        table[16 + i] = i as u8;
        i += 1;
    }
    table
};

/// `v`'s bytes moved `s <= 16` places up.
///
/// # Safety
///
/// SSSE3.
#[inline(always)]
unsafe fn shift_up(v: __m128i, s: usize) -> __m128i {
    // SAFETY: the caller's contract; the load reads 16 of the table's 48 bytes.
    unsafe { _mm_shuffle_epi8(v, _mm_loadu_si128(SHIFTS[16 - s..32 - s].as_ptr().cast())) }
}

/// `v`'s bytes moved `s <= 16` places down.
///
/// # Safety
///
/// SSSE3.
#[inline(always)]
unsafe fn shift_down(v: __m128i, s: usize) -> __m128i {
    // SAFETY: as in `shift_up`.
    unsafe { _mm_shuffle_epi8(v, _mm_loadu_si128(SHIFTS[16 + s..32 + s].as_ptr().cast())) }
}

/// A value with Devanagari digits, read as ASCII: at most 16 bytes in a vector, zeros after.
#[derive(Clone, Copy)]
struct Devanagari {
    ascii: __m128i,
    len: u32,
}

/// `bytes` with each Devanagari digit (`०`-`९`, U+0966-U+096F, three bytes each) as its ASCII
/// digit, when it has at least one, those are its only non-ASCII characters and at most 16
/// bytes remain: then the value reads as the ASCII one does (`Chars::of` reads both alike),
/// and can take [`parse`]'s pass. `None` otherwise.
///
/// Without a loop over bytes: the (at most 48) bytes are three vectors; a digit's lead byte is
/// where a byte `E0`, the next `A5` and the one after `A6`-`AF` meet (the vectors shifted by
/// one and two bytes), the lead becomes the digit, the two bytes after it are dropped by
/// [`compact`], and the three parts are put together by shuffles, in registers.
///
/// # Safety
///
/// The processor must have SSSE3 and POPCNT; meant to be inlined into a caller compiled for
/// them, as [`parse`].
#[inline(always)]
unsafe fn devanagari_digits(bytes: &[u8]) -> Option<Devanagari> {
    let n = bytes.len();
    if n > MAX_DEVANAGARI_BYTES {
        return None;
    }
    // SAFETY: SSE2, SSSE3 and POPCNT instructions (the caller's contract); each load reads
    // 16 bytes of `bytes` (`n >= 16`) or of a table.
    unsafe {
        let zero = _mm_setzero_si128();
        let at = |i: usize| _mm_loadu_si128(bytes.as_ptr().add(i).cast());
        // The bytes in 16-byte parts, zeros after them: the last part is the last 16 bytes
        // moved down, not a load of its own length.
        let parts = match n {
            0..16 => {
                let [lo, hi] = load(bytes);
                [_mm_set_epi64x(hi as i64, lo as i64), zero, zero]
            }
            16..=32 => [at(0), shift_down(at(n - 16), 32 - n), zero],
            _ => [at(0), at(16), shift_down(at(n - 16), 48 - n)],
        };
        // Where a digit starts in `part` (followed by `next`), and `part` with those digits
        // read as ASCII at their starts.
        let read = |part: __m128i, next: __m128i| {
            let second = _mm_alignr_epi8::<1>(next, part);
            // The third byte less `A6`: a digit's value if it is one (below 10, unsigned).
            let value = _mm_sub_epi8(
                _mm_alignr_epi8::<2>(next, part),
                _mm_set1_epi8(0xA6u8 as i8),
            );
            let lead = _mm_and_si128(
                _mm_and_si128(
                    _mm_cmpeq_epi8(part, _mm_set1_epi8(0xE0u8 as i8)),
                    _mm_cmpeq_epi8(second, _mm_set1_epi8(0xA5u8 as i8)),
                ),
                _mm_cmpeq_epi8(_mm_min_epu8(value, _mm_set1_epi8(9)), value),
            );
            let digit = _mm_add_epi8(value, _mm_set1_epi8(b'0' as i8));
            let read = _mm_or_si128(_mm_and_si128(lead, digit), _mm_andnot_si128(lead, part));
            (read, _mm_movemask_epi8(lead) as u32 as u64)
        };
        let high = |part: __m128i| _mm_movemask_epi8(part) as u32 as u64;
        let (read0, leads0) = read(parts[0], parts[1]);
        let (read1, leads1) = read(parts[1], parts[2]);
        let (read2, leads2) = if n > 32 {
            read(parts[2], zero)
        } else {
            (zero, 0)
        };
        let leads = leads0 | leads1 << 16 | leads2 << 32;
        let high = high(parts[0]) | high(parts[1]) << 16 | high(parts[2]) << 32;
        let dropped = leads << 1 | leads << 2;
        let kept = ((1u64 << n) - 1) & !dropped;
        if leads == 0 || high & kept & !leads != 0 || kept.count_ones() > 16 {
            return None;
        }
        // Each part's kept bytes, moved together, then after the parts before.
        let (keep0, keep1, keep2) = (
            kept as u32 & 0xFFFF,
            (kept >> 16) as u32 & 0xFFFF,
            (kept >> 32) as u32,
        );
        let (len0, len1) = (keep0.count_ones() as usize, keep1.count_ones() as usize);
        let mut ascii = _mm_or_si128(compact(read0, keep0), shift_up(compact(read1, keep1), len0));
        if keep2 != 0 {
            ascii = _mm_or_si128(ascii, shift_up(compact(read2, keep2), len0 + len1));
        }
        Some(Devanagari {
            ascii,
            len: kept.count_ones(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel::has_ssse3;

    #[test]
    fn load_reads_every_length() {
        let text = b"ABCDEFGHIJKLMNOP";
        for n in 0..=16 {
            let [lo, hi] = load(&text[..n]);
            let mut expected = [0u8; 16];
            expected[..n].copy_from_slice(&text[..n]);
            let mut got = [0u8; 16];
            got[..8].copy_from_slice(&lo.to_le_bytes());
            got[8..].copy_from_slice(&hi.to_le_bytes());
            assert_eq!(got, expected, "length {n}");
        }
    }

    /// The nibble tables classify every ASCII byte as `Chars::of` reads it.
    #[test]
    fn classes_of_every_ascii_byte() {
        for b in 0..128u8 {
            let class = LOW_NIBBLE[(b & 15) as usize] & HIGH_NIBBLE[(b >> 4) as usize];
            assert_eq!(class & DIGIT != 0, b.is_ascii_digit(), "{b}");
            assert_eq!(
                class & (LETTER_A | LETTER_P) != 0,
                b.is_ascii_alphabetic(),
                "{b}"
            );
            let formatting = class & (PUNCTUATION | CONTROL | UNDERSCORE) != 0;
            assert_eq!(formatting, b" \t\n\r-./_".contains(&b), "{b}");
        }
    }

    #[test]
    fn gather_tables() {
        assert_eq!(GATHER[0], u64::from_le_bytes([0x80; 8]));
        assert_eq!(
            GATHER[0b1010_0110],
            u64::from_le_bytes([1, 2, 5, 7, 0x80, 0x80, 0x80, 0x80])
        );
        assert_eq!(
            CLOSE[3][..12],
            [0, 1, 2, 8, 9, 10, 11, 12, 13, 14, 15, 0x80]
        );
        assert_eq!(CLOSE[8][..], (0..16).collect::<Vec<u8>>()[..]);
    }

    /// Whether this processor runs the fast pass (SSSE3 and POPCNT); says so when it does not,
    /// and the tests of the pass then check nothing.
    fn runs_fast_pass() -> bool {
        let runs = has_ssse3();
        if !runs {
            eprintln!("no SSSE3 on this processor: the fast pass is not used");
        }
        runs
    }

    /// What [`devanagari_digits`] should give, a character at a time.
    fn devanagari_reference(value: &str) -> Option<String> {
        let digit = |c: char| ('\u{0966}'..='\u{096F}').contains(&c);
        if value.len() > MAX_DEVANAGARI_BYTES || !value.chars().any(digit) {
            return None;
        }
        let ascii: Option<String> = value
            .chars()
            .map(|c| match c {
                c if c.is_ascii() => Some(c),
                c if digit(c) => char::from_u32(c as u32 - 0x0966 + '0' as u32),
                _ => None,
            })
            .collect();
        ascii.filter(|a| a.len() <= 16)
    }

    fn devanagari(value: &str) -> Option<String> {
        // SAFETY: the callers check that the processor has SSSE3 and POPCNT; the store
        // writes the 16 bytes of `bytes`.
        let read = unsafe { devanagari_digits(value.as_bytes()) }?;
        let mut bytes = [0u8; 16];
        unsafe { _mm_storeu_si128(bytes.as_mut_ptr().cast(), read.ascii) };
        assert!(
            bytes[read.len as usize..].iter().all(|&b| b == 0),
            "{value:?}"
        );
        Some(String::from_utf8(bytes[..read.len as usize].to_vec()).unwrap())
    }

    /// Devanagari digits anywhere in the 48 bytes, across the 16-byte parts, beside other
    /// Devanagari characters of the same block and other non-ASCII text.
    #[test]
    fn devanagari_digits_become_ascii() {
        if !runs_fast_pass() {
            return;
        }
        let cases = [
            ("RJ १४ CA १२३४", Some("RJ 14 CA 1234")),
            ("rj१४ca१२३४", Some("rj14ca1234")),
            ("०", Some("0")),
            ("९९९९९९९९९९९९९९९९", Some("9999999999999999")),
            // 17 characters: too many for the fast pass.
            ("९९९९९९९९९९९९९९९९९", None),
            ("RJ14CA1234", None),
            ("", None),
            // `॥` (U+0965) and `॰` (U+0970) share the digits' lead bytes; `क` is a letter.
            ("RJ१४॥", None),
            ("RJ१४॰", None),
            ("क१४", None),
            ("é१४", None),
            ("RJ\u{a0}१४", None),
        ];
        for (value, expected) in cases {
            assert_eq!(devanagari(value).as_deref(), expected, "{value:?}");
            assert_eq!(
                devanagari_reference(value).as_deref(),
                expected,
                "{value:?}"
            );
        }
        // A digit at every offset, so that one crosses each part's end, in values of every
        // length up to 48 bytes and past it.
        for len in 3..=50usize {
            for at in 0..=len - 3 {
                let value = format!("{}०{}", "R".repeat(at), "7".repeat(len - 3 - at));
                assert_eq!(
                    devanagari(&value),
                    devanagari_reference(&value),
                    "{value:?}"
                );
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]

        /// Any mix of ASCII, Devanagari digits, their neighbours in the Unicode block and
        /// other text reads as [`devanagari_reference`] reads it.
        #[test]
        fn devanagari_digits_as_the_reference(
            value in "[A-Za-z0-9 \\-.#\u{0966}-\u{096F}\u{0964}\u{0965}\u{0970}\u{0915}\u{a0}\u{e9}]{0,24}"
        ) {
            if runs_fast_pass() {
                proptest::prop_assert_eq!(devanagari(&value), devanagari_reference(&value));
            }
        }
    }

    /// Every value this pass settles, it settles as the byte-by-byte path does.
    #[test]
    fn settles_like_the_general_path() {
        if !runs_fast_pass() {
            return;
        }
        let values = [
            ("rj 14-CA/12", Some(Some("RJ14CA0012"))),
            ("RJ14 C A 12", Some(Some("RJ14CA0012"))),
            ("dl 03 c ab 1234", Some(Some("DL3CAB1234"))),
            ("t-0125-rj-42-ab", Some(Some("T0125RJ0042AB"))),
            ("", Some(None)),
            ("   ", Some(None)),
            ("RJ#14", Some(None)),
            ("RJ14CA0000", Some(None)),
            // Devanagari digits, read as ASCII ones.
            ("RJ १४", Some(None)),
            ("rj १४ ca १२", Some(Some("RJ14CA0012"))),
            ("T०१२५RJ००४२AB", Some(Some("T0125RJ0042AB"))),
            // Left to the byte-by-byte path.
            ("RJ\u{a0}14CA12", None),
            ("RJ १४ CA १२३४ राजस्थान", None),
            ("IND RJ 14 CA 1234", None),
            ("INDIGO", None),
            ("IND 0125 RJ 42 AB", None),
            ("T0125RJ0042AB1234", None),
            ("RJ 14 CA 1234     ", None),
        ];
        for (value, expected) in values {
            // SAFETY: the processor has SSSE3 and POPCNT (checked above); each vector
            // instruction is a call here, outside a loop compiled for them.
            let got = match unsafe { parse(value.as_bytes(), Tables::get()) } {
                Scan::Plate(plate, chars) => {
                    assert_eq!(Chars::of(value), Some(chars), "{value:?}");
                    Some(Some(plate.as_str().to_string()))
                }
                Scan::Unwritten(chars) => {
                    assert_eq!(Chars::of(value), Some(chars), "{value:?}");
                    Some(None)
                }
                Scan::None => {
                    assert_eq!(Chars::of(value), None, "{value:?}");
                    Some(None)
                }
                Scan::General => None,
            };
            assert_eq!(got, expected.map(|p| p.map(String::from)), "{value:?}");
            if let Some(settled) = got {
                let general = Plate::parse_general(value).map(|p| p.as_str().to_string());
                assert_eq!(settled, general, "{value:?}");
            }
        }
    }
}
