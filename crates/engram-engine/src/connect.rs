//! Connectivity rules, drawn from keyed random streams.
//!
//! Random rules draw one stream per postsynaptic neuron, keyed by
//! (seed, `Connectivity`, projection index, postsynaptic neuron), so the network
//! does not depend on thread count or build order.

use engram_core::rng::{Purpose, Stream};

/// How to connect two populations.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// Every pre to every post.
    AllToAll {
        /// Allow i → i when pre and post are the same population.
        autapses: bool,
    },
    /// Pre i to post i (sizes must match).
    OneToOne,
    /// Each pair independently with probability `p`.
    FixedProbability {
        /// Connection probability.
        p: f64,
        /// Allow i → i when pre and post are the same population.
        autapses: bool,
    },
    /// Each post neuron receives exactly `k` inputs, drawn without replacement.
    FixedIndegree {
        /// In-degree.
        k: u32,
        /// Allow i → i when pre and post are the same population.
        autapses: bool,
    },
    /// An explicit list of (pre, post).
    List(Vec<(u32, u32)>),
}

/// Generates (pre, post) pairs for `rule`; `same` says whether pre and post are one population.
///
/// Returns an error message if the rule cannot be satisfied.
pub fn pairs(
    rule: &Rule,
    n_pre: usize,
    n_post: usize,
    same: bool,
    seed: u64,
    proj_index: usize,
) -> Result<Vec<(u32, u32)>, String> {
    let stream = |post: usize| Stream::new(seed, Purpose::Connectivity, ((proj_index as u64) << 32) | post as u64);
    let mut out = Vec::new();
    match rule {
        Rule::AllToAll { autapses } => {
            for post in 0..n_post {
                for pre in 0..n_pre {
                    if *autapses || !same || pre != post {
                        out.push((pre as u32, post as u32));
                    }
                }
            }
        }
        Rule::OneToOne => {
            if n_pre != n_post {
                return Err(format!("one_to_one needs equal sizes, got {n_pre} and {n_post}"));
            }
            out.extend((0..n_pre as u32).map(|i| (i, i)));
        }
        Rule::FixedProbability { p, autapses } => {
            if !(0.0..=1.0).contains(p) {
                return Err(format!("probability must be between 0 and 1, got {p}"));
            }
            // Each pair is independently connected with probability p; the gaps
            // between connected candidates are geometric, so one draw per synapse
            // (not per candidate pair) suffices.
            let log_q = (-*p).ln_1p();
            for post in 0..n_post {
                if *p <= 0.0 {
                    break;
                }
                let mut r = stream(post).rng();
                let mut pre: u64 = 0;
                loop {
                    let skip = if *p >= 1.0 { 0 } else { ((1.0 - r.uniform()).ln() / log_q).floor() as u64 };
                    pre = pre.saturating_add(skip);
                    if pre >= n_pre as u64 {
                        break;
                    }
                    if *autapses || !same || pre as usize != post {
                        out.push((pre as u32, post as u32));
                    }
                    pre += 1;
                }
            }
        }
        Rule::FixedIndegree { k, autapses } => {
            let available = if same && !autapses { n_pre.saturating_sub(1) } else { n_pre };
            if *k as usize > available {
                return Err(format!("in-degree {k} exceeds the {available} available presynaptic neurons"));
            }
            let mut chosen = Vec::with_capacity(*k as usize);
            for post in 0..n_post {
                let mut r = stream(post).rng();
                chosen.clear();
                // Floyd's algorithm: k distinct draws without replacement.
                let skip = if same && !autapses { Some(post as u32) } else { None };
                let n = available as u32;
                for j in (n - k)..n {
                    let t = r.below(j + 1);
                    let pick = if chosen.contains(&t) { j } else { t };
                    chosen.push(pick);
                }
                chosen.sort_unstable();
                for &c in &chosen {
                    // Map [0, n) to presynaptic indices, skipping the autapse.
                    let pre = match skip {
                        Some(s) if c >= s => c + 1,
                        _ => c,
                    };
                    out.push((pre, post as u32));
                }
            }
        }
        Rule::List(list) => {
            for &(pre, post) in list {
                if pre as usize >= n_pre || post as usize >= n_post {
                    return Err(format!(
                        "pair ({pre}, {post}) is outside the populations (sizes {n_pre} and {n_post})"
                    ));
                }
                out.push((pre, post));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_have_the_right_counts() {
        assert_eq!(pairs(&Rule::AllToAll { autapses: false }, 5, 5, true, 1, 0).unwrap().len(), 20);
        assert_eq!(pairs(&Rule::OneToOne, 4, 4, false, 1, 0).unwrap().len(), 4);
        let fi = pairs(&Rule::FixedIndegree { k: 7, autapses: false }, 50, 30, true, 1, 0).unwrap();
        assert_eq!(fi.len(), 210);
        for post in 0..30u32 {
            let mut pres: Vec<u32> = fi.iter().filter(|p| p.1 == post).map(|p| p.0).collect();
            assert!(!pres.contains(&post));
            pres.dedup();
            assert_eq!(pres.len(), 7);
        }
        let fp = pairs(&Rule::FixedProbability { p: 0.1, autapses: true }, 1000, 1000, false, 3, 0).unwrap();
        assert!((fp.len() as f64 - 100_000.0).abs() < 1500.0, "{}", fp.len());
        assert!(pairs(&Rule::List(vec![(9, 0)]), 5, 5, false, 1, 0).is_err());
    }

    #[test]
    fn random_rules_are_reproducible() {
        let a = pairs(&Rule::FixedProbability { p: 0.2, autapses: false }, 100, 100, true, 5, 2).unwrap();
        let b = pairs(&Rule::FixedProbability { p: 0.2, autapses: false }, 100, 100, true, 5, 2).unwrap();
        let c = pairs(&Rule::FixedProbability { p: 0.2, autapses: false }, 100, 100, true, 6, 2).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
