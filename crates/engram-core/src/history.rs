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

/// Spikes kept in the struct itself (the newest ones); older ones go to a queue
/// on the heap. A reader comes back at each presynaptic spike, and between two
/// of them (similar rates) the number of new postsynaptic spikes is about
/// geometric with ratio 1/2, so 4 cover some 94 % of the reads (those with
/// at most 3 new spikes: when all 4 are new, older ones may be too).
const INLINE: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq)]
struct Entry {
    stamp: Step,
    k_minus: f64,
    reads: u32,
}

/// Spike archive of one postsynaptic neuron.
///
/// The archive is `older` (oldest first) followed by up to [`INLINE`] newer
/// spikes held in the struct. The first cache line holds what a synapse reads
/// at each presynaptic spike: the stamps of the inline spikes (the newest in
/// full, the others as gaps back from it), their read counts, the trace just
/// after the newest spike and the remembered trace; so the common reads (fewer
/// than [`INLINE`] new spikes since the reader's last visit) touch that line only.
/// The second holds the traces of the older inline spikes, the reader count
/// and the queue.
#[derive(Debug, Clone, PartialEq)]
#[repr(C, align(64))]
pub struct PostHistory {
    /// Stamp of the newest spike ([`NONE`] if none).
    last: i64,
    /// The trace just after the newest spike.
    k_minus: f64,
    /// [`PostHistory::k_minus_memo`]: the last `t` asked and its answer
    /// (`memo_t` = [`NONE`]: none). Synapses onto one neuron read the trace at the same
    /// `t` when spikes of several presynaptic neurons arrive in one step.
    memo_t: i64,
    memo_k: f64,
    /// `gap[i - 1]`: steps from the newest spike back to inline spike `i`
    /// (inline spikes are numbered from the newest, 0).
    gap: [u32; INLINE - 1],
    /// Read counts of the inline spikes.
    reads: [u32; INLINE],
    /// Number of inline spikes.
    n: u8,
    /// Whether `older` holds any spike (read without touching the second line).
    has_older: bool,
    /// `k_old[i - 1]`: the trace just after inline spike `i`.
    k_old: [f64; INLINE - 1],
    n_incoming: u32,
    /// Spikes older than the inline ones, oldest first.
    older: VecDeque<Entry>,
}

impl Default for PostHistory {
    fn default() -> Self {
        Self {
            last: NONE,
            k_minus: 0.0,
            memo_t: NONE,
            memo_k: 0.0,
            gap: [0; INLINE - 1],
            reads: [0; INLINE],
            n: 0,
            has_older: false,
            k_old: [0.0; INLINE - 1],
            n_incoming: 0,
            older: VecDeque::new(),
        }
    }
}

impl PostHistory {
    /// An empty archive read by `n_incoming` synapses.
    pub fn new(n_incoming: u32) -> Self {
        Self { n_incoming, ..Self::default() }
    }

    /// Stamp of inline spike `i` (0: the newest; `i < n`).
    #[inline(always)]
    fn stamp(&self, i: usize) -> i64 {
        if i == 0 {
            self.last
        } else {
            self.last - self.gap[i - 1] as i64
        }
    }

    /// Trace just after inline spike `i`.
    #[inline]
    fn trace(&self, i: usize) -> f64 {
        if i == 0 {
            self.k_minus
        } else {
            self.k_old[i - 1]
        }
    }

    /// Inline spike `i` as an archive entry.
    fn entry(&self, i: usize) -> Entry {
        Entry { stamp: self.stamp(i) as Step, k_minus: self.trace(i), reads: self.reads[i] }
    }

    /// Moves the oldest inline spike to the back of `older`.
    fn spill(&mut self) {
        let i = self.n as usize - 1;
        self.older.push_back(self.entry(i));
        self.n -= 1;
        self.has_older = true;
    }

    /// Records a postsynaptic spike at `stamp`; `decay(steps)` is `exp(-steps·dt/τ₋)`.
    ///
    /// `horizon` is the longest delay (in steps) of the synapses reading this
    /// archive: entries are only dropped when they are older than that and every
    /// synapse has read them.
    pub fn record(&mut self, stamp: Step, horizon: Step, decay: impl Fn(Step) -> f64) {
        // Drop the oldest spike while every synapse has read it and the next one
        // is older than the horizon (the newest is never dropped).
        while self.len() > 1 {
            let (reads, next) = match self.older.front() {
                Some(front) => (front.reads, self.older.get(1).map_or(self.stamp(self.n as usize - 1) as Step, |e| e.stamp)),
                None => (self.reads[self.n as usize - 1], self.stamp(self.n as usize - 2) as Step),
            };
            if reads >= self.n_incoming && stamp.saturating_sub(next) > horizon + 1 {
                if self.older.pop_front().is_none() {
                    self.n -= 1;
                }
                self.has_older = !self.older.is_empty();
            } else {
                break;
            }
        }
        let k = if self.last == NONE { 1.0 } else { self.k_minus * decay(stamp - self.last as Step) + 1.0 };
        if self.n as usize == INLINE {
            self.spill();
        }
        // Inline spikes whose gap to the new one does not fit go to `older` (the
        // oldest first: gaps grow with age).
        if self.n > 0 {
            let shift = stamp - self.last as Step;
            while self.n > 1 && self.gap[self.n as usize - 2] as u64 + shift > u32::MAX as u64 {
                self.spill();
            }
            if shift > u32::MAX as u64 {
                self.spill();
            }
            for i in (1..=self.n as usize).rev() {
                self.gap[i - 1] = if i == 1 { shift as u32 } else { self.gap[i - 2] + shift as u32 };
                self.k_old[i - 1] = self.trace(i - 1);
                self.reads[i] = self.reads[i - 1];
            }
        }
        self.last = stamp as i64;
        self.k_minus = k;
        self.reads[0] = 0;
        self.n += 1;
        self.forget_memo();
    }

    /// The newest stamp (`i64::MIN` if none), read from the first cache line:
    /// the engine calls it a few synapses ahead, so that the line is on its way
    /// when the synapse's rule reads it.
    #[inline]
    pub fn touch(&self) -> i64 {
        self.last
    }

    /// Forgets the value remembered by [`PostHistory::k_minus_memo`] (call it when
    /// the decay function changes, e.g. a new `tau_minus`).
    #[inline]
    pub fn forget_memo(&mut self) {
        self.memo_t = NONE;
    }

    /// Calls `f(stamp)` for every archived spike with `after < stamp <= upto`,
    /// oldest first, and marks them as read once.
    #[inline]
    pub fn read(&mut self, after: i64, upto: i64, mut f: impl FnMut(Step)) {
        // Nothing new since `after` (the common case at low rates).
        if self.last <= after {
            return;
        }
        // The new inline spikes: a run from the newest.
        let n = self.n as usize;
        let mut m = 1;
        while m < n && self.stamp(m) > after {
            m += 1;
        }
        if m == n && self.has_older {
            return self.read_older(after, upto, f);
        }
        for i in (0..m).rev() {
            let stamp = self.stamp(i);
            if stamp > upto {
                break;
            }
            self.reads[i] += 1;
            f(stamp as Step);
        }
    }

    /// [`PostHistory::read`] when the window reaches into `older`.
    #[cold]
    #[inline(never)]
    fn read_older(&mut self, after: i64, upto: i64, mut f: impl FnMut(Step)) {
        // Entries are sorted by stamp, and readers come back after each presynaptic
        // spike, so the unread ones are few and at the back: walk back to the first
        // one after `after` (touching only the newest cache lines, where a bisection
        // from the middle of a long archive misses the cache at each probe).
        let k = self.older.len();
        let mut start = k;
        while start > 0 && (self.older[start - 1].stamp as i64) > after {
            start -= 1;
        }
        for e in self.older.range_mut(start..) {
            if (e.stamp as i64) > upto {
                return;
            }
            e.reads += 1;
            f(e.stamp);
        }
        for i in (0..self.n as usize).rev() {
            let stamp = self.stamp(i);
            if stamp > upto {
                return;
            }
            self.reads[i] += 1;
            f(stamp as Step);
        }
    }

    /// Whether any archived spike lies in `after < stamp <= upto`.
    pub fn any_in(&self, after: i64, upto: i64) -> bool {
        self.latest_before(upto.saturating_add(1)).is_some_and(|(s, _)| s > after)
    }

    /// The trace `K_minus` just before `t`, summing all spikes strictly before `t`,
    /// or 0 if there is none. `decay(steps) = exp(-steps·dt/τ₋)`.
    pub fn k_minus(&self, t: i64, decay: impl Fn(Step) -> f64) -> f64 {
        if self.last == NONE {
            0.0
        } else if self.last < t {
            // The newest spike is before t: its trace is in the first line.
            self.k_minus * decay((t - self.last) as Step)
        } else {
            self.latest_before(t).map_or(0.0, |(s, k)| k * decay((t - s) as Step))
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

    /// [`PostHistory::k_minus_memo`], with a shortcut for the common case: when
    /// the newest spike is before `t`, `quick(steps since it)` may give the
    /// decay factor at once (from a table; it must then be `decay`'s, bit for
    /// bit), and the trace is computed without the memo (whose hits and misses
    /// are hard for the branch predictor; this test is almost always true).
    #[inline]
    pub fn k_minus_quick(&mut self, t: i64, quick: impl Fn(Step) -> Option<f64>, decay: impl Fn(Step) -> f64) -> f64 {
        if self.last != NONE && self.last < t {
            if let Some(factor) = quick((t - self.last) as Step) {
                return self.k_minus * factor;
            }
        }
        self.k_minus_memo(t, decay)
    }

    /// The nearest-neighbour trace just before `t`: only the latest spike strictly
    /// before `t` counts, with amplitude 1.
    pub fn nearest_k_minus(&self, t: i64, decay: impl Fn(Step) -> f64) -> f64 {
        self.latest_before(t).map_or(0.0, |(s, _)| decay((t - s) as Step))
    }

    /// Stamp and trace of the latest spike strictly before `t`.
    fn latest_before(&self, t: i64) -> Option<(i64, f64)> {
        match (0..self.n as usize).find(|&i| self.stamp(i) < t) {
            Some(i) => Some((self.stamp(i), self.trace(i))),
            None => self.older.iter().rev().find(|e| (e.stamp as i64) < t).map(|e| (e.stamp as i64, e.k_minus)),
        }
    }

    /// Number of archived spikes (for tests and memory accounting).
    pub fn len(&self) -> usize {
        self.n as usize + self.older.len()
    }

    /// Heap bytes held by the archive.
    pub fn heap_bytes(&self) -> usize {
        self.older.capacity() * std::mem::size_of::<Entry>()
    }

    /// Whether the archive is empty.
    pub fn is_empty(&self) -> bool {
        self.n == 0
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

    /// The archive as it was before the inline spikes: every entry in one
    /// queue, with NEST's access-count pruning. The reference for the tests below.
    struct Reference {
        entries: Vec<Entry>,
        n_incoming: u32,
    }

    impl Reference {
        fn record(&mut self, stamp: Step, horizon: Step) {
            while self.entries.len() > 1 && self.entries[0].reads >= self.n_incoming && stamp.saturating_sub(self.entries[1].stamp) > horizon + 1 {
                self.entries.remove(0);
            }
            let k = self.entries.last().map_or(1.0, |e| e.k_minus * decay(stamp - e.stamp) + 1.0);
            self.entries.push(Entry { stamp, k_minus: k, reads: 0 });
        }

        fn read(&mut self, after: i64, upto: i64) -> Vec<Step> {
            let mut got = vec![];
            for e in self.entries.iter_mut().filter(|e| (e.stamp as i64) > after && (e.stamp as i64) <= upto) {
                e.reads += 1;
                got.push(e.stamp);
            }
            got
        }

        fn k_minus(&self, t: i64) -> f64 {
            self.entries.iter().rev().find(|e| (e.stamp as i64) < t).map_or(0.0, |e| e.k_minus * decay((t - e.stamp as i64) as Step))
        }
    }

    /// Random spikes and readers (each with its own delay, visiting at random)
    /// against [`Reference`]: the same windows, traces (bit for bit) and
    /// archive length after every spike. Returns (reads checked, longest
    /// archive, reads that reached past the inline spikes).
    fn against_reference(spike_every: u64, visit_every: u64, n_readers: i64, steps: u64) -> (usize, usize, usize) {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut rand = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        // Readers: (delay, stamp of their last visit).
        let mut readers: Vec<(i64, i64)> = (0..n_readers).map(|k| (1 + 3 * k, 0)).collect();
        let horizon = 3 * n_readers as Step;
        let mut h = PostHistory::new(readers.len() as u32);
        let mut reference = Reference { entries: vec![], n_incoming: readers.len() as u32 };
        let (mut checks, mut longest, mut deep) = (0, 0, 0);
        for now in 1..steps {
            if rand(spike_every) == 0 {
                reference.record(now, horizon);
                h.record(now, horizon, decay);
                assert_eq!(h.len(), reference.entries.len(), "archive length at {now}");
            }
            for r in readers.iter_mut() {
                if rand(visit_every) != 0 {
                    continue;
                }
                let (d, last) = *r;
                let (after, upto) = (last - d, now as i64 - d);
                let inline_new = (0..h.n as usize).filter(|&i| h.stamp(i) > after).count();
                deep += (inline_new == h.n as usize && h.has_older && h.older.back().is_some_and(|e| e.stamp as i64 > after)) as usize;
                let mut got = vec![];
                h.read(after, upto, |s| got.push(s));
                let want = reference.read(after, upto);
                assert_eq!(got, want, "window ({after}, {upto}]");
                let t = upto;
                let naive = reference.k_minus(t);
                assert_eq!(h.k_minus(t, decay).to_bits(), naive.to_bits());
                assert_eq!(h.k_minus_memo(t, decay).to_bits(), naive.to_bits());
                assert_eq!(h.k_minus_memo(t, decay).to_bits(), naive.to_bits());
                let table = |steps: Step| (steps < 40).then(|| decay(steps));
                assert_eq!(h.k_minus_quick(t, table, decay).to_bits(), naive.to_bits());
                assert_eq!(h.k_minus_quick(t - 1, table, decay).to_bits(), reference.k_minus(t - 1).to_bits());
                assert_eq!(h.any_in(after, upto), !want.is_empty());
                let nearest = reference.entries.iter().rev().find(|e| (e.stamp as i64) < t).map_or(0.0, |e| decay((t - e.stamp as i64) as Step));
                assert_eq!(h.nearest_k_minus(t, decay).to_bits(), nearest.to_bits());
                *r = (d, now as i64);
                checks += 1;
            }
            longest = longest.max(h.len());
        }
        (checks, longest, deep)
    }

    /// Issue 4 (the fast paths that avoid the entries, the inline spikes and
    /// their read counts, the remembered trace): against a re-implementation
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

    /// Issue 4 (inline spikes): the archive keeps exactly the spikes the
    /// single-queue archive keeps (same access-count pruning), and reads that
    /// reach past the inline spikes into the queue give the same windows, when
    /// postsynaptic spikes are rarer than visits (most reads inline), as frequent
    /// (reads often deep), or far more frequent.
    #[test]
    fn issue4_inline_spikes_prune_and_read_like_a_single_queue() {
        for (spike_every, visit_every, readers) in [(40, 5, 3), (7, 5, 4), (2, 12, 6), (1, 30, 2)] {
            let (checked, longest, deep) = against_reference(spike_every, visit_every, readers, 30_000);
            assert!(checked > 1000, "{checked} checks");
            if spike_every <= 7 {
                assert!(longest > INLINE && deep > 100, "archive up to {longest}, {deep} reads past the inline spikes ({spike_every}, {visit_every})");
            }
        }
    }

    /// Spikes further apart than a u32 gap (about 5 days at 0.1 ms) leave the
    /// inline spikes early; reads, traces and pruning stay the same.
    #[test]
    fn issue4_spikes_far_apart_leave_the_inline_spikes() {
        let far = u32::MAX as Step;
        let stamps = [5, 9, 9 + far, 10 + far, 12 + far, 13 + far + far + 7, 14 + 3 * far, 15 + 3 * far, 17 + 3 * far, 18 + 3 * far];
        let mut h = PostHistory::new(2);
        let mut reference = Reference { entries: vec![], n_incoming: 2 };
        let mut reader = 0i64;
        for (i, &s) in stamps.iter().enumerate() {
            h.record(s, 3, decay);
            reference.record(s, 3);
            assert_eq!(h.len(), reference.entries.len());
            assert_eq!(h.has_older, !h.older.is_empty());
            if i % 3 == 2 {
                let upto = s as i64 + 1;
                let mut got = vec![];
                h.read(reader, upto, |s| got.push(s));
                assert_eq!(got, reference.read(reader, upto));
                reader = upto;
            }
            for t in [s as i64, s as i64 + 1, s as i64 - 1, s as i64 - far as i64] {
                assert_eq!(h.k_minus(t, decay).to_bits(), reference.k_minus(t).to_bits(), "t {t}");
                assert_eq!(h.any_in(t - 5, t), reference.entries.iter().any(|e| (e.stamp as i64) > t - 5 && (e.stamp as i64) <= t));
            }
        }
        let mut got = vec![];
        h.read(0, i64::MAX, |s| got.push(s));
        assert_eq!(got, reference.read(0, i64::MAX));
    }

    /// The first cache line holds what a synapse reads at each presynaptic spike.
    #[test]
    fn issue4_the_archive_is_two_cache_lines() {
        assert_eq!(std::mem::size_of::<PostHistory>(), 128);
        assert_eq!(std::mem::align_of::<PostHistory>(), 64);
        assert!(std::mem::offset_of!(PostHistory, has_older) < 64);
    }
}
