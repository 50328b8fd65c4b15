//! The seeded random number generator of reproducible benches, property tests and the demo lake:
//! xoshiro256** seeded through SplitMix64, written here so that their data never changes with a
//! crate upgrade.
//!
//! Every table, partition and entity of the demo lake draws from its own stream, derived from
//! the seed and a stream key ([`Rng::stream`]); the output therefore does not depend on which
//! thread generates what, or in which order. Only integer and basic floating-point arithmetic
//! is used on the values drawn (no platform `libm` calls), so the numbers are the same on every
//! machine. The demo lake's files depend on every number drawn here: a change to this module
//! changes them (and must bump the demo's `GENERATOR_VERSION`).

/// One step of SplitMix64: a strong 64-bit mixer.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A stream key from a name (FNV-1a), so streams can be named in code (`"fir"`, `"anpr"`).
pub const fn key(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut hash = 0xCBF2_9CE4_8422_2325u64;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01B3);
        i += 1;
    }
    hash
}

/// xoshiro256**.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// A generator seeded from one 64-bit value.
    pub fn new(seed: u64) -> Rng {
        let mut state = seed;
        let mut next = || {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            mix(state)
        };
        Rng {
            s: [next(), next(), next(), next()],
        }
    }

    /// The stream `stream` (a [`key`]) of item `index` under `seed`: independent of every other
    /// stream and item.
    pub fn stream(seed: u64, stream: u64, index: u64) -> Rng {
        Rng::new(mix(mix(seed ^ stream).wrapping_add(index)))
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// A value in `0..n` (`n > 0`), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    /// An index into a slice of length `n`.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// A value in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// `true` with probability `1 / n` (`n > 0`).
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// A float in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_differ_by_key() {
        let draws = |seed, name, index| {
            let mut rng = Rng::stream(seed, key(name), index);
            [rng.next_u64(), rng.next_u64(), rng.next_u64()]
        };
        assert_eq!(draws(7, "fir", 3), draws(7, "fir", 3));
        assert_ne!(draws(7, "fir", 3), draws(7, "anpr", 3));
        assert_ne!(draws(7, "fir", 3), draws(7, "fir", 4));
        assert_ne!(draws(7, "fir", 3), draws(8, "fir", 3));
    }

    /// The first numbers of one seed, fixed: the demo lake's files and the benches' data are
    /// made of them, so the generator must never drift.
    #[test]
    fn numbers_are_fixed() {
        let mut rng = Rng::new(20_240_701);
        let first = [rng.next_u64(), rng.next_u64(), rng.next_u64()];
        assert_eq!(
            first,
            [
                0x556b_f49c_7562_2135,
                0xb48b_01db_0026_bb45,
                0x10e0_c4a3_74de_6270
            ]
        );
    }

    #[test]
    fn draws_stay_in_range() {
        let mut rng = Rng::new(1);
        for _ in 0..10_000 {
            assert!(rng.below(7) < 7);
            assert!((-3..=3).contains(&rng.range(-3, 3)));
            assert!((0.0..1.0).contains(&rng.unit()));
            assert!((2.0..5.0).contains(&rng.uniform(2.0, 5.0)));
            assert!(["a", "b"].contains(&rng.pick(&["a", "b"])));
        }
        assert!(!(0..1000).any(|_| rng.chance(0.0)));
        assert!((0..1000).all(|_| rng.one_in(1)));
    }
}
