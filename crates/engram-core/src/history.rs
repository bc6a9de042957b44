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

/// No spike (a stamp before every other).
const NONE: i64 = i64::MIN;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    stamp: Step,
    k_minus: f64,
    reads: u32,
}

/// Spike archive of one postsynaptic neuron.
#[derive(Debug, Clone, PartialEq)]
pub struct PostHistory {
    entries: VecDeque<Entry>,
    /// The trace just after the newest spike, the stamps of the two newest
    /// spikes ([`NONE`] if absent) and the read count of the newest: copies (the
    /// count: the only copy) of what the entries hold, so that the common cases
    /// (no spike, or only the newest, since the reader's last visit) do not
    /// touch the entries, which a synapse would otherwise fetch from memory.
    k_minus: f64,
    last: i64,
    prev: i64,
    last_reads: u32,
    n_incoming: u32,
    /// [`PostHistory::k_minus_memo`]: the last `t` asked and its answer
    /// (`memo_t` = [`NONE`]: none). Synapses onto one neuron read the trace at the same
    /// `t` when spikes of several presynaptic neurons arrive in one step.
    memo_t: i64,
    memo_k: f64,
}

impl Default for PostHistory {
    fn default() -> Self {
        Self {
            entries: VecDeque::new(),
            k_minus: 0.0,
            last: NONE,
            prev: NONE,
            last_reads: 0,
            n_incoming: 0,
            memo_t: NONE,
            memo_k: 0.0,
        }
    }
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
        if let Some(back) = self.entries.back_mut() {
            back.reads = self.last_reads;
        }
        while self.entries.len() > 1 {
            let front = self.entries[0];
            let next = self.entries[1];
            if front.reads >= self.n_incoming && stamp.saturating_sub(next.stamp) > horizon + 1 {
                self.entries.pop_front();
            } else {
                break;
            }
        }
        self.k_minus = if self.last == NONE { 1.0 } else { self.k_minus * decay(stamp - self.last as Step) + 1.0 };
        self.prev = self.last;
        self.last = stamp as i64;
        self.last_reads = 0;
        self.entries.push_back(Entry { stamp, k_minus: self.k_minus, reads: 0 });
        self.forget_memo();
    }

    /// Forgets the value remembered by [`PostHistory::k_minus_memo`] (call it when
    /// the decay function changes, e.g. a new `tau_minus`).
    #[inline]
    pub fn forget_memo(&mut self) {
        self.memo_t = NONE;
    }

    /// Calls `f(stamp)` for every archived spike with `after < stamp <= upto`,
    /// oldest first, and marks them as read once.
    pub fn read(&mut self, after: i64, upto: i64, mut f: impl FnMut(Step)) {
        // Nothing new since `after`: answered without the entries.
        if self.last <= after {
            return;
        }
        // Only the newest spike is new: likewise.
        if self.prev <= after {
            if self.last <= upto {
                self.last_reads += 1;
                f(self.last as Step);
            }
            return;
        }
        // Entries are sorted by stamp, and readers come back after each presynaptic
        // spike, so the unread ones are few and at the back: walk back to the first
        // one after `after` (touching only the newest cache lines, where a bisection
        // from the middle of a long archive misses the cache at each probe).
        let n = self.entries.len();
        let mut start = n;
        while start > 0 && (self.entries[start - 1].stamp as i64) > after {
            start -= 1;
        }
        for i in start..n {
            let e = &mut self.entries[i];
            if (e.stamp as i64) > upto {
                break;
            }
            let stamp = e.stamp;
            if i + 1 == n {
                self.last_reads += 1;
            } else {
                e.reads += 1;
            }
            f(stamp);
        }
    }

    /// Whether any archived spike lies in `after < stamp <= upto`.
    pub fn any_in(&self, after: i64, upto: i64) -> bool {
        self.entries.iter().rev().find(|e| (e.stamp as i64) <= upto).is_some_and(|e| (e.stamp as i64) > after)
    }

    /// The trace `K_minus` just before `t`, summing all spikes strictly before `t`,
    /// or 0 if there is none. `decay(steps) = exp(-steps·dt/τ₋)`.
    pub fn k_minus(&self, t: i64, decay: impl Fn(Step) -> f64) -> f64 {
        if self.last == NONE {
            0.0
        } else if self.last < t {
            // The newest spike is before t: its trace is the struct's copy.
            self.k_minus * decay((t - self.last) as Step)
        } else {
            self.latest_before(t).map_or(0.0, |e| e.k_minus * decay((t - e.stamp as i64) as Step))
        }
    }

    /// [`PostHistory::k_minus`], remembering the last answer until the next
    /// [`PostHistory::record`] or [`PostHistory::forget_memo`]: the same number,
    /// one `exp` per neuron and `t` instead of one per synapse. The caller must
    /// pass the same `decay` every time (one projection's `tau_minus`).
    #[inline]
    pub fn k_minus_memo(&mut self, t: i64, decay: impl Fn(Step) -> f64) -> f64 {
        if t != self.memo_t {
            self.memo_k = self.k_minus(t, decay);
            self.memo_t = t;
        }
        self.memo_k
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

    /// Issue 4 (the fast paths that avoid the entries, the newest entry's read
    /// count kept outside them, the remembered trace): against a re-implementation
    /// that keeps every spike, several readers with their own delays visiting at
    /// random, read the same windows and traces, bit for bit, while the archive
    /// is pruned.
    #[test]
    fn issue4_reads_and_traces_match_a_full_archive() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        // Readers: (delay, stamp of their last visit).
        let mut readers: Vec<(i64, i64)> = (0..4).map(|k| (1 + 3 * k, 0)).collect();
        let horizon = 10;
        let mut h = PostHistory::new(readers.len() as u32);
        let mut all: Vec<(Step, f64)> = vec![];
        let mut longest = 0;
        for now in 1..20_000u64 {
            if rand(7) == 0 {
                let k = all.last().map_or(1.0, |&(s, k)| k * decay(now - s) + 1.0);
                all.push((now, k));
                h.record(now, horizon, decay);
            }
            for r in readers.iter_mut() {
                if rand(5) != 0 {
                    continue;
                }
                let (d, last) = *r;
                let (after, upto) = (last - d, now as i64 - d);
                let mut got = vec![];
                h.read(after, upto, |s| got.push(s));
                let want: Vec<Step> = all.iter().map(|e| e.0).filter(|&s| (s as i64) > after && (s as i64) <= upto).collect();
                assert_eq!(got, want, "window ({after}, {upto}]");
                let t = upto;
                let naive = all.iter().rev().find(|e| (e.0 as i64) < t).map_or(0.0, |e| e.1 * decay((t - e.0 as i64) as Step));
                assert_eq!(h.k_minus(t, decay).to_bits(), naive.to_bits());
                assert_eq!(h.k_minus_memo(t, decay).to_bits(), naive.to_bits());
                assert_eq!(h.k_minus_memo(t, decay).to_bits(), naive.to_bits());
                assert_eq!(h.any_in(after, upto), !want.is_empty());
                *r = (d, now as i64);
            }
            longest = longest.max(h.len());
        }
        assert!(all.len() > 2000 && longest < 60, "{} spikes, archive up to {longest}", all.len());
    }
}
