//! The postsynaptic spike archive read by pair-based plasticity rules.
//!
//! Pair rules in the NEST family update a synapse lazily, when its presynaptic
//! neuron fires: they then need every postsynaptic spike since the previous
//! presynaptic spike, and the postsynaptic trace `K_minus` just before the new
//! one. [`PostHistory`] keeps exactly that, per postsynaptic neuron (and per
//! projection, since the trace time constant is a rule parameter in engram).
//!
//! Times are spike *stamps* in steps (see [`crate::time`]); all window
//! comparisons are on integers, so the tie rules are exact:
//! - [`PostHistory::read`] yields spikes with `after < stamp <= upto`;
//! - [`PostHistory::k_minus`] counts only spikes with `stamp < t` (strictly before).
//!
//! Entries are dropped once every incoming synapse has read them (the access
//! counter scheme of NEST's `ArchivingNode`), but the newest entry is kept
//! because the trace is read from it.

use std::collections::VecDeque;

use crate::time::Step;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    stamp: Step,
    k_minus: f64,
    reads: u32,
}

/// Spike archive of one postsynaptic neuron.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostHistory {
    entries: VecDeque<Entry>,
    k_minus: f64,
    last: Option<Step>,
    n_incoming: u32,
}

impl PostHistory {
    /// An empty archive read by `n_incoming` synapses.
    pub fn new(n_incoming: u32) -> Self {
        Self { n_incoming, ..Self::default() }
    }

    /// Records a postsynaptic spike at `stamp`; `decay(steps)` is `exp(-steps·dt/τ₋)`.
    ///
    /// `horizon` is the longest delay (in steps) of the synapses reading this
    /// archive: entries are only dropped when they are older than that and every
    /// synapse has read them.
    pub fn record(&mut self, stamp: Step, horizon: Step, decay: impl Fn(Step) -> f64) {
        while self.entries.len() > 1 {
            let front = self.entries[0];
            let next = self.entries[1];
            if front.reads >= self.n_incoming && stamp.saturating_sub(next.stamp) > horizon + 1 {
                self.entries.pop_front();
            } else {
                break;
            }
        }
        self.k_minus = match self.last {
            Some(last) => self.k_minus * decay(stamp - last) + 1.0,
            None => 1.0,
        };
        self.last = Some(stamp);
        self.entries.push_back(Entry { stamp, k_minus: self.k_minus, reads: 0 });
    }

    /// Calls `f(stamp)` for every archived spike with `after < stamp <= upto`,
    /// oldest first, and marks them as read once.
    pub fn read(&mut self, after: i64, upto: i64, mut f: impl FnMut(Step)) {
        // Entries are sorted by stamp: skip the ones at or before `after` by bisection
        // (a synapse reading after each presynaptic spike would otherwise rescan them).
        let start = self.entries.partition_point(|e| (e.stamp as i64) <= after);
        for e in self.entries.range_mut(start..) {
            let s = e.stamp as i64;
            if s > upto {
                break;
            }
            if s > after {
                e.reads += 1;
                f(e.stamp);
            }
        }
    }

    /// Whether any archived spike lies in `after < stamp <= upto`.
    pub fn any_in(&self, after: i64, upto: i64) -> bool {
        self.entries.iter().any(|e| (e.stamp as i64) > after && (e.stamp as i64) <= upto)
    }

    /// The trace `K_minus` just before `t`, summing all spikes strictly before `t`,
    /// or 0 if there is none. `decay(steps) = exp(-steps·dt/τ₋)`.
    pub fn k_minus(&self, t: i64, decay: impl Fn(Step) -> f64) -> f64 {
        self.latest_before(t).map_or(0.0, |e| e.k_minus * decay((t - e.stamp as i64) as Step))
    }

    /// The nearest-neighbour trace just before `t`: only the latest spike strictly
    /// before `t` counts, with amplitude 1.
    pub fn nearest_k_minus(&self, t: i64, decay: impl Fn(Step) -> f64) -> f64 {
        self.latest_before(t).map_or(0.0, |e| decay((t - e.stamp as i64) as Step))
    }

    fn latest_before(&self, t: i64) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| (e.stamp as i64) < t)
    }

    /// Number of archived spikes (for tests and memory accounting).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Heap bytes held by the archive.
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    /// Whether the archive is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decay(steps: Step) -> f64 {
        (-(steps as f64) * 0.1 / 20.0).exp()
    }

    #[test]
    fn windows_follow_the_tie_rules() {
        let mut h = PostHistory::new(1);
        for s in [10, 20, 30] {
            h.record(s, 10, decay);
        }
        let mut got = vec![];
        h.read(10, 30, |s| got.push(s));
        assert_eq!(got, vec![20, 30]);
        // a spike exactly at t does not count in K_minus(t)
        assert_eq!(h.k_minus(30, decay), h.k_minus(21, decay) * decay(9));
        assert_eq!(h.nearest_k_minus(31, decay), decay(1));
        assert_eq!(h.k_minus(10, decay), 0.0);
    }

    #[test]
    fn read_entries_are_pruned_but_the_newest_kept() {
        let mut h = PostHistory::new(1);
        for s in 1..100u64 {
            h.record(s * 100, 10, decay);
            h.read(s as i64 * 100 - 1, s as i64 * 100, |_| {});
        }
        assert!(h.len() <= 2, "len {}", h.len());
    }
}
