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

/// Checks that `rule` can be satisfied between populations of `n_pre` and
/// `n_post` neurons (`same`: one population); the message says why not.
pub fn check(rule: &Rule, n_pre: usize, n_post: usize, same: bool) -> Result<(), String> {
    match rule {
        Rule::AllToAll { .. } => {}
        Rule::OneToOne => {
            if n_pre != n_post {
                return Err(format!("one_to_one needs equal sizes, got {n_pre} and {n_post}"));
            }
        }
        Rule::FixedProbability { p, .. } => {
            if !(0.0..=1.0).contains(p) {
                return Err(format!("probability must be between 0 and 1, got {p}"));
            }
        }
        Rule::FixedIndegree { k, autapses } => {
            let available = if same && !autapses { n_pre.saturating_sub(1) } else { n_pre };
            if *k as usize > available {
                return Err(format!("in-degree {k} exceeds the {available} available presynaptic neurons"));
            }
        }
        Rule::List(list) => {
            for &(pre, post) in list {
                if pre as usize >= n_pre || post as usize >= n_post {
                    return Err(format!(
                        "pair ({pre}, {post}) is outside the populations (sizes {n_pre} and {n_post})"
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Whether `rule` can give any synapse at all (a fixed probability may still,
/// by chance, give none).
pub fn may_connect(rule: &Rule, n_pre: usize, n_post: usize, same: bool) -> bool {
    match rule {
        Rule::AllToAll { autapses } => n_post > 0 && n_pre > 0 && (*autapses || !same || n_pre > 1),
        Rule::OneToOne => n_post > 0,
        Rule::FixedProbability { p, .. } => *p > 0.0 && n_pre > 0 && n_post > 0,
        Rule::FixedIndegree { k, .. } => *k > 0 && n_post > 0,
        Rule::List(list) => !list.is_empty(),
    }
}

/// Scratch space of [`draw`], reused from one call to the next.
#[derive(Debug, Default)]
pub struct Scratch {
    /// Floyd's picks in draw order (for small in-degrees, sorted afterwards).
    chosen: Vec<u32>,
    /// One bit per candidate: picked already. All clear between neurons.
    taken: Vec<u64>,
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
    check(rule, n_pre, n_post, same)?;
    let mut out = Vec::new();
    draw(rule, n_pre, same, seed, proj_index, 0..n_post, &mut Scratch::default(), |pre, post| out.push((pre, post)));
    Ok(out)
}

/// Calls `emit(pre, post)` for every synapse of `rule` onto the postsynaptic
/// neurons `posts`, in the order of [`pairs`]: by post, then (except for
/// `List`, which keeps its own order) by ascending pre. The rule must have
/// passed [`check`]. Each post neuron draws from its own stream, so any range
/// gives the same synapses as the whole.
#[allow(clippy::too_many_arguments)]
pub fn draw(
    rule: &Rule,
    n_pre: usize,
    same: bool,
    seed: u64,
    proj_index: usize,
    posts: std::ops::Range<usize>,
    scratch: &mut Scratch,
    mut emit: impl FnMut(u32, u32),
) {
    let stream = |post: usize| Stream::new(seed, Purpose::Connectivity, ((proj_index as u64) << 32) | post as u64);
    match rule {
        Rule::AllToAll { autapses } => {
            for post in posts {
                for pre in 0..n_pre {
                    if *autapses || !same || pre != post {
                        emit(pre as u32, post as u32);
                    }
                }
            }
        }
        Rule::OneToOne => {
            for i in posts {
                emit(i as u32, i as u32);
            }
        }
        Rule::FixedProbability { p, autapses } => {
            // Each pair is independently connected with probability p; the gaps
            // between connected candidates are geometric, so one draw per synapse
            // (not per candidate pair) suffices.
            let log_q = (-*p).ln_1p();
            for post in posts {
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
                        emit(pre as u32, post as u32);
                    }
                    pre += 1;
                }
            }
        }
        Rule::FixedIndegree { k, autapses } => {
            let available = if same && !autapses { n_pre.saturating_sub(1) } else { n_pre };
            let n = available as u32;
            let k = *k;
            let Scratch { chosen, taken } = scratch;
            taken.clear();
            taken.resize((n as usize).div_ceil(64), 0);
            // Reading the picks back in order: scan the bitmap when it is small
            // next to k, else sort the k picks.
            let scan = (k as usize) * 16 >= taken.len();
            for post in posts {
                let mut r = stream(post).rng();
                chosen.clear();
                // Floyd's algorithm: k distinct draws without replacement. The
                // bitmap answers "drawn before?" in O(1); the draws, hence the
                // synapses, are those of a linear search through the picks.
                for j in (n - k)..n {
                    let t = r.below(j + 1);
                    let pick = if taken[t as usize / 64] >> (t % 64) & 1 == 1 { j } else { t };
                    taken[pick as usize / 64] |= 1 << (pick % 64);
                    if !scan {
                        chosen.push(pick);
                    }
                }
                // Map [0, n) to presynaptic indices, skipping the autapse.
                let skip = if same && !autapses { Some(post as u32) } else { None };
                let mut out = |c: u32| {
                    let pre = match skip {
                        Some(s) if c >= s => c + 1,
                        _ => c,
                    };
                    emit(pre, post as u32);
                };
                if scan {
                    for (w, word) in taken.iter_mut().enumerate() {
                        let mut bits = std::mem::take(word);
                        while bits != 0 {
                            out(w as u32 * 64 + bits.trailing_zeros());
                            bits &= bits - 1;
                        }
                    }
                } else {
                    chosen.sort_unstable();
                    for &c in chosen.iter() {
                        taken[c as usize / 64] = 0;
                        out(c);
                    }
                }
            }
        }
        Rule::List(list) => {
            for &(pre, post) in list {
                if posts.contains(&(post as usize)) {
                    emit(pre, post);
                }
            }
        }
    }
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
    /// Floyd's sampling as first written (a linear search through the picks),
    /// the reference for the bitmap version.
    fn fixed_indegree_by_search(k: u32, autapses: bool, n_pre: usize, n_post: usize, same: bool, seed: u64, pi: usize) -> Vec<(u32, u32)> {
        let available = if same && !autapses { n_pre - 1 } else { n_pre } as u32;
        let mut out = vec![];
        for post in 0..n_post {
            let mut r = Stream::new(seed, Purpose::Connectivity, ((pi as u64) << 32) | post as u64).rng();
            let mut chosen: Vec<u32> = vec![];
            for j in (available - k)..available {
                let t = r.below(j + 1);
                chosen.push(if chosen.contains(&t) { j } else { t });
            }
            chosen.sort_unstable();
            for c in chosen {
                let pre = if same && !autapses && c >= post as u32 { c + 1 } else { c };
                out.push((pre, post as u32));
            }
        }
        out
    }

    /// Issue 4 (lean build): the bitmap gives the draws of the linear search,
    /// whether the picks are read back by scanning the bitmap (large k) or by
    /// sorting (small k), and any range of post neurons gives its share of the whole.
    #[test]
    fn issue4_fixed_indegree_bitmap_draws_match_the_linear_search() {
        for &(k, autapses, n_pre, n_post, same) in &[
            (7, false, 50, 30, true),
            (49, false, 50, 30, true),
            (50, true, 50, 30, true),
            (3, true, 5000, 40, false),
            (300, false, 1000, 40, true),
            (0, false, 10, 5, true),
            (64, true, 64, 3, false),
            (1, true, 1, 4, false),
        ] {
            let rule = Rule::FixedIndegree { k, autapses };
            let got = pairs(&rule, n_pre, n_post, same, 11, 3).unwrap();
            assert_eq!(got, fixed_indegree_by_search(k, autapses, n_pre, n_post, same, 11, 3), "k {k} of {n_pre}");
            let mut scratch = Scratch::default();
            let mut part = vec![];
            for range in [0..n_post / 3, n_post / 3..n_post] {
                draw(&rule, n_pre, same, 11, 3, range, &mut scratch, |a, b| part.push((a, b)));
            }
            assert_eq!(part, got);
        }
    }

    #[test]
    fn may_connect_agrees_with_the_drawn_pairs() {
        for rule in [Rule::AllToAll { autapses: false }, Rule::OneToOne, Rule::FixedIndegree { k: 0, autapses: false }, Rule::FixedProbability { p: 0.0, autapses: false }] {
            for (n, same) in [(0, true), (1, true), (1, false), (3, true)] {
                let any = !pairs(&rule, n, n, same, 1, 0).unwrap().is_empty();
                assert_eq!(may_connect(&rule, n, n, same), any, "{rule:?} n {n} same {same}");
            }
        }
    }
}
