//! The demo's distributions, drawn from the shared seeded generator [`jaanch_udfs::rng`]
//! (xoshiro256** seeded through SplitMix64, with a stream per table, partition and entity).
//!
//! Only integer and basic floating-point arithmetic is used on the values written (no platform
//! `libm` calls), so the numbers are the same on every machine.

pub use jaanch_udfs::rng::{Rng, key, mix};

/// The demo's distributions beyond the uniform ones, as methods of [`Rng`].
pub trait Distributions {
    /// An approximately normal value (mean 0, standard deviation 1): the Irwin-Hall sum of
    /// four uniforms, rescaled. Bounded by ±3.46, which suits coordinates that must stay near
    /// their centre.
    fn normal(&mut self) -> f64;

    /// An approximately exponential value with mean 1 (bounded by 6): inverse transform over
    /// a fixed table of quantiles, so no `ln` from the platform's maths library is needed.
    fn exponential(&mut self) -> f64;

    /// A Poisson-like count with mean `mean` (sum of exponential gaps below `mean`).
    fn poisson(&mut self, mean: f64) -> u32;
}

impl Distributions for Rng {
    fn normal(&mut self) -> f64 {
        let sum = self.unit() + self.unit() + self.unit() + self.unit();
        (sum - 2.0) * 1.732_050_807_568_877_2
    }

    fn exponential(&mut self) -> f64 {
        let u = self.unit();
        // -ln(1 - u), by piecewise-linear interpolation over 64 knots (the tail capped).
        let x = u * 64.0;
        let i = (x as usize).min(63);
        let frac = x - i as f64;
        EXP_QUANTILES[i] + (EXP_QUANTILES[i + 1] - EXP_QUANTILES[i]) * frac
    }

    fn poisson(&mut self, mean: f64) -> u32 {
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
