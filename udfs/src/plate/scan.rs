//! The fast first pass of the plate parser, for the common value: at most 16 ASCII bytes.
//!
//! The value is loaded into two 64-bit words and all 16 bytes are classified at once (letter,
//! digit, separator), with SSE2 on x86-64 and word-at-a-time arithmetic elsewhere, giving one
//! bit mask per class. The runs of letters and digits are then read off the masks, in place:
//! the separators between runs are simply not part of any run, so nothing is copied or
//! compacted. Values this pass cannot settle (non-ASCII bytes, more than 16 bytes, a separator
//! inside a run as in `C A`, three separators in a row, more than [`MAX_RUNS`] pieces) go to
//! [`Chars::of`](super::parse::Chars::of), which gives the same answer for everything this
//! pass accepts (a property test checks it).

use super::parse::{MAX_RUNS, Shape};

/// Values longer than this take the general path.
const MAX_BYTES: usize = 16;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `w` that lies in `lo..=hi`; every byte of `w` must be ASCII.
#[inline(always)]
const fn in_range(w: u64, lo: u8, hi: u8) -> u64 {
    // For a byte x < 0x80, x + (0x80 - lo) has its high bit set exactly when x >= lo, and no
    // byte carries into the next.
    (w + ONES * (0x80 - lo as u64)) & !(w + ONES * (0x80 - hi as u64 - 1)) & HIGH
}

/// One bit per byte (bit `i` for byte `i`) from the high bits of `m`.
#[inline(always)]
const fn bits(m: u64) -> u32 {
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32
}

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

/// The bytes of a value by class, one bit per byte (bit `i` for byte `i`), and the value
/// uppercased.
struct Classes {
    digits: u32,
    letters: u32,
    separators: u32,
    upper: u128,
}

/// Classifies 16 ASCII bytes with SSE2 (part of every x86-64 processor): a handful of
/// comparisons for all bytes at once.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn classes(lo: u64, hi: u64) -> Classes {
    use std::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86-64 baseline, so these instructions exist on every
    // processor this code runs on; the one store writes the 16 bytes of `text`.
    unsafe {
        let v = _mm_set_epi64x(hi as i64, lo as i64);
        // Bytes are ASCII, so signed comparisons order them as unsigned ones would.
        let within = |v, lo: u8, hi: u8| {
            _mm_and_si128(
                _mm_cmpgt_epi8(v, _mm_set1_epi8(lo as i8 - 1)),
                _mm_cmplt_epi8(v, _mm_set1_epi8(hi as i8 + 1)),
            )
        };
        let is = |v, c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        let lower = within(v, b'a', b'z');
        let letters = within(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', b'z');
        let separators = _mm_or_si128(
            _mm_or_si128(within(v, b'-', b'/'), within(v, b'\t', b'\n')),
            _mm_or_si128(_mm_or_si128(is(v, b'\r'), is(v, b' ')), is(v, b'_')),
        );
        let upper = _mm_sub_epi8(v, _mm_and_si128(lower, _mm_set1_epi8(0x20)));
        let mut text = [0u8; 16];
        _mm_storeu_si128(text.as_mut_ptr().cast(), upper);
        Classes {
            digits: _mm_movemask_epi8(within(v, b'0', b'9')) as u32,
            letters: _mm_movemask_epi8(letters) as u32,
            separators: _mm_movemask_epi8(separators) as u32,
            upper: u128::from_le_bytes(text),
        }
    }
}

/// Classifies 16 ASCII bytes eight at a time in 64-bit words, on other processors.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn classes(lo: u64, hi: u64) -> Classes {
    portable_classes(lo, hi)
}

#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
#[inline(always)]
fn portable_classes(lo: u64, hi: u64) -> Classes {
    let (d0, l0, s0, u0) = classify(lo);
    let (d1, l1, s1, u1) = classify(hi);
    Classes {
        digits: bits(d0) | bits(d1) << 8,
        letters: bits(l0) | bits(l1) << 8,
        separators: bits(s0) | bits(s1) << 8,
        upper: u0 as u128 | (u1 as u128) << 64,
    }
}

/// Class masks of one word of ASCII bytes, as high bits, and the word uppercased.
#[inline(always)]
fn classify(w: u64) -> (u64, u64, u64, u64) {
    let digit = in_range(w, b'0', b'9');
    let lower = in_range(w, b'a', b'z');
    let letter = in_range(w | (ONES * 0x20), b'a', b'z');
    let separator = in_range(w, b'-', b'/')
        | in_range(w, b'\t', b'\n')
        | in_range(w, b'\r', b'\r')
        | in_range(w, b' ', b' ')
        | in_range(w, b'_', b'_');
    (digit, letter, separator, w - (lower >> 2))
}

/// The runs of a short ASCII value, or `None` where the general path must decide.
#[inline(always)]
pub(super) fn shape(bytes: &[u8]) -> Option<Shape> {
    let n = bytes.len();
    if n == 0 || n > MAX_BYTES {
        return None;
    }
    let [lo, hi] = load(bytes);
    if (lo | hi) & HIGH != 0 {
        return None;
    }
    let Classes {
        digits,
        letters,
        separators,
        upper,
    } = classes(lo, hi);
    let kept = digits | letters;
    // Anything else (`#`, a control character) is decided by the general path.
    if kept | separators != (1u32 << n) - 1 || kept == 0 {
        return None;
    }
    // Bit i: characters i - 1 and i belong to the same piece (both kept, same class).
    let joined = kept & kept << 1 & !(digits ^ digits << 1);
    let mut starts = kept & !joined;
    let mut ends = kept & !(joined >> 1);
    // Two pieces of one class with only separators between are one run (`C A`), which only
    // the general path puts together. Each class is smeared right over up to two separators;
    // a piece that starts after a separator joins the previous one if that class reaches it.
    let smear = |class: u32| {
        let once = class | class << 1 & separators;
        once | once << 1 & separators
    };
    let after_separator = starts & separators << 1;
    let joins = after_separator & (digits & smear(digits) << 1 | letters & smear(letters) << 1);
    // Three separators in a row are beyond the smear; more pieces than runs are beyond `Shape`.
    let runs = starts.count_ones();
    if joins != 0 || separators & separators << 1 & separators << 2 != 0 || runs > MAX_RUNS as u32 {
        return None;
    }
    let mut shape = Shape {
        text: upper,
        starts: [0; MAX_RUNS],
        lens: [0; MAX_RUNS],
        runs,
        digit_first: digits >> starts.trailing_zeros() & 1 == 1,
    };
    // A fixed number of steps: the number of runs varies from value to value and would be a
    // hard-to-predict loop exit. Steps past the last run write values that are never read.
    for i in 0..MAX_RUNS {
        let start = starts.trailing_zeros() & 31;
        let end = ends.trailing_zeros() & 31;
        starts &= starts.wrapping_sub(1);
        ends &= ends.wrapping_sub(1);
        shape.starts[i] = start as u8;
        shape.lens[i] = (end + 1).wrapping_sub(start) as u8;
    }
    Some(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_gathers_high_bits() {
        for m in 0..256u32 {
            let word = (0..8).fold(0u64, |w, i| w | ((m >> i & 1) as u64) << (8 * i + 7));
            assert_eq!(bits(word), m);
        }
    }

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

    #[test]
    fn classifies_every_ascii_byte() {
        for b in 0..128u8 {
            let (digit, letter, separator, upper) = classify(b as u64 * ONES);
            let class = |m: u64| {
                assert!(m == 0 || m == HIGH, "byte {b}");
                m == HIGH
            };
            assert_eq!(class(digit), b.is_ascii_digit(), "byte {b}");
            assert_eq!(class(letter), b.is_ascii_alphabetic(), "byte {b}");
            assert_eq!(class(separator), b" \t\n\r-./_".contains(&b), "byte {b}");
            assert_eq!(upper, b.to_ascii_uppercase() as u64 * ONES, "byte {b}");
        }
    }

    #[test]
    fn both_classifiers_agree() {
        let text = b"Rj 14-cA/12_\t\r\nZz@[`{#09";
        for start in 0..text.len() - 16 {
            let [lo, hi] = load(&text[start..start + 16]);
            let (a, b) = (classes(lo, hi), portable_classes(lo, hi));
            assert_eq!(
                (a.digits, a.letters, a.separators, a.upper),
                (b.digits, b.letters, b.separators, b.upper),
                "{start}"
            );
        }
    }

    #[test]
    fn runs_in_place() {
        let s = shape(b"rj 14-CA/12").unwrap();
        assert_eq!(s.runs, 4);
        assert!(!s.digit_first);
        assert_eq!(&s.starts[..4], [0, 3, 6, 9]);
        assert_eq!(&s.lens[..4], [2, 2, 2, 2]);
        assert_eq!(&s.text.to_le_bytes()[..11], b"RJ 14-CA/12");
        assert!(shape(b"22BH1234AA").unwrap().digit_first);
        // Left to the general path.
        for value in [
            "RJ14 C A 12",
            "",
            "RJ#14",
            "RJ १४",
            "IND RJ 14 CA 1234",
            "R1J2C3A4B5C6",
        ] {
            assert!(shape(value.as_bytes()).is_none(), "{value:?}");
        }
    }
}
