//! Helpers shared by the micro-benchmarks (benches/hot_loops.rs): the networks
//! they run on, built with engram's own connectivity rules.

use engram_core::time::Dt;
use engram_engine::connect::{pairs, Rule};
use engram_engine::projection::SynapseSpec;

/// The step of every benchmark (0.1 ms).
pub fn dt() -> Dt {
    Dt::from_ms(0.1).unwrap()
}

/// Synapses of a `fixed_probability` projection n_pre -> n_post with one weight
/// and one delay (in steps), as the plastic Brunel benchmark uses (p = 0.1, 15 steps).
pub fn random_synapses(n_pre: usize, n_post: usize, p: f64, weight: f64, delay: u16, seed: u64) -> Vec<SynapseSpec> {
    pairs(&Rule::FixedProbability { p, autapses: true }, n_pre, n_post, false, seed, 0)
        .unwrap()
        .into_iter()
        .map(|(pre, post)| SynapseSpec { pre, post, weight, delay })
        .collect()
}

/// A small deterministic generator (SplitMix64) for spike lists.
pub struct Mix(pub u64);

impl Mix {
    /// Next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// `k` distinct sorted indices below `n` (for spike lists).
    pub fn spikes(&mut self, n: u32, k: usize) -> Vec<u32> {
        let mut v: Vec<u32> = Vec::with_capacity(k);
        while v.len() < k {
            let x = (self.next() % n as u64) as u32;
            if !v.contains(&x) {
                v.push(x);
            }
        }
        v.sort_unstable();
        v
    }
}
