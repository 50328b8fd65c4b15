//! A small deterministic random number generator, written here so that the demo lake never
//! changes with a crate upgrade: xoshiro256** seeded through SplitMix64.
//!
//! Every table, partition and entity draws from its own stream, derived from the seed and a
//! stream key ([`Rng::stream`]); the output therefore does not depend on which thread generates
//! what, or in which order. Only integer and basic floating-point arithmetic is used on the
//! values written (no platform `libm` calls), so the numbers are the same on every machine.

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

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// A float in `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    /// An approximately normal value (mean 0, standard deviation 1): the Irwin-Hall sum of
    /// four uniforms, rescaled. Bounded by ±3.46, which suits coordinates that must stay near
    /// their centre.
    pub fn normal(&mut self) -> f64 {
        let sum = self.unit() + self.unit() + self.unit() + self.unit();
        (sum - 2.0) * 1.732_050_807_568_877_2
    }

    /// An approximately exponential value with mean 1 (bounded by 6): inverse transform over
    /// a fixed table of quantiles, so no `ln` from the platform's maths library is needed.
    pub fn exponential(&mut self) -> f64 {
        let u = self.unit();
        // -ln(1 - u), by piecewise-linear interpolation over 64 knots (the tail capped).
        let x = u * 64.0;
        let i = (x as usize).min(63);
        let frac = x - i as f64;
        EXP_QUANTILES[i] + (EXP_QUANTILES[i + 1] - EXP_QUANTILES[i]) * frac
    }

    /// A Poisson-like count with mean `mean` (sum of exponential gaps below `mean`).
    pub fn poisson(&mut self, mean: f64) -> u32 {
        let mut total = 0.0;
        let mut count = 0;
        loop {
            total += self.exponential();
            if total > mean || count >= 64 {
                return count;
            }
            count += 1;
        }
    }
}

/// `-ln(1 - k/64)` for `k = 0..64`; the last knot (6) makes the mean 1.
const EXP_QUANTILES: [f64; 65] = [
    0.000000000000000,
    0.015748356968139,
    0.031748698314580,
    0.048009219186361,
    0.064538521137571,
    0.081345639453952,
    0.098440072813253,
    0.115831815525122,
    0.133531392624523,
    0.151549898127201,
    0.169899036795397,
    0.188591169807550,
    0.207639364778244,
    0.227057450635346,
    0.246860077931526,
    0.267062785249045,
    0.287682072451781,
    0.308735481649613,
    0.330241686870577,
    0.352220593589352,
    0.374693449441411,
    0.397682967666109,
    0.421213465076304,
    0.445311016655364,
    0.470003629245736,
    0.495321437230025,
    0.521296923633286,
    0.547965170715447,
    0.575364144903562,
    0.603535021870258,
    0.632522558743510,
    0.662375521893192,
    std::f64::consts::LN_2,
    0.724895878874526,
    0.757685701697516,
    0.791587253373198,
    0.826678573184468,
    0.863046217355343,
    0.900786545338190,
    0.940007258491471,
    0.980829253011726,
    1.023388867430522,
    1.067840630001356,
    1.114360645636249,
    1.163150809805681,
    1.214444104193231,
    1.268511325463507,
    1.325669739303456,
    1.386294361119891,
    1.450832882257462,
    1.519825753744413,
    1.593933725898135,
    1.673976433571672,
    1.760987810561301,
    1.856297990365626,
    1.961658506023452,
    2.079441541679836,
    2.212972934304358,
    2.367123614131617,
    2.549445170925571,
    2.772588722239781,
    3.060270794691562,
    3.465735902799727,
    4.158883083359671,
    6.0,
];

/// A discrete distribution: cumulative weights, sampled by binary search.
#[derive(Debug, Clone)]
pub struct Weighted {
    cumulative: Vec<f64>,
}

impl Weighted {
    pub fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut total = 0.0;
        let cumulative: Vec<f64> = weights
            .into_iter()
            .map(|w| {
                total += w.max(0.0);
                total
            })
            .collect();
        assert!(total > 0.0, "a weighted choice needs a positive weight");
        Weighted { cumulative }
    }

    pub fn total(&self) -> f64 {
        *self.cumulative.last().expect("not empty")
    }

    /// The index of one weighted item.
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let target = rng.unit() * self.total();
        self.cumulative
            .partition_point(|&c| c <= target)
            .min(self.cumulative.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4)
            .map(|_| Rng::stream(7, key("fir"), 3).next_u64())
            .collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(
            Rng::stream(7, key("fir"), 3).next_u64(),
            Rng::stream(7, key("fir"), 4).next_u64()
        );
        assert_ne!(
            Rng::stream(7, key("fir"), 3).next_u64(),
            Rng::stream(8, key("fir"), 3).next_u64()
        );
    }

    #[test]
    fn distributions_have_their_means() {
        let mut rng = Rng::new(1);
        let n = 200_000;
        let mean = |f: &mut dyn FnMut() -> f64| (0..n).map(|_| f()).sum::<f64>() / n as f64;
        assert!((mean(&mut || rng.unit()) - 0.5).abs() < 0.01);
        assert!(mean(&mut || rng.normal()).abs() < 0.01);
        assert!((mean(&mut || rng.exponential()) - 1.0).abs() < 0.02);
        assert!((mean(&mut || rng.poisson(2.5) as f64) - 2.5).abs() < 0.05);
        let weighted = Weighted::new([1.0, 0.0, 3.0]);
        let picks: Vec<usize> = (0..n).map(|_| weighted.sample(&mut rng)).collect();
        assert!(!picks.contains(&1));
        let share = picks.iter().filter(|&&i| i == 2).count() as f64 / n as f64;
        assert!((share - 0.75).abs() < 0.01);
        assert!((0..1000).all(|_| rng.below(7) < 7));
    }
}
