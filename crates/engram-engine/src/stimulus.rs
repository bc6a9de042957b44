//! Stimuli compiled to integer steps: imposed spikes, Poisson drive, current
//! steps, white noise and Poisson synaptic input.
//!
//! Every stimulus is resolved at build time to step indices; at run time the
//! engine only compares integers. A spike imposed "at time T" is imposed during
//! step `T/dt − 1` and so carries the stamp `T` (NEST `spike_generator`).

use engram_core::rng::Stream;
use engram_core::time::Step;

use crate::population::{InputBuffer, CHUNK};
use crate::projection::Receptor;

/// A stimulus acting on one population.
#[derive(Debug, Clone)]
pub enum Stimulus {
    /// Spikes imposed at given steps: `(step, neuron)`, any order (sorted at build).
    Spikes {
        /// Target population index.
        pop: usize,
        /// (step in which the spike is imposed, neuron).
        events: Vec<(Step, u32)>,
    },
    /// Independent Poisson spike trains on each listed neuron during each window
    /// `[from, to)` (a Bernoulli draw per neuron and step with p = rate·dt).
    Poisson {
        /// Target population index.
        pop: usize,
        /// Target neurons.
        neurons: Vec<u32>,
        /// Rate per neuron [Hz].
        rate_hz: f64,
        /// Windows of steps `[from, to)`, any order (sorted at build).
        windows: Vec<(Step, Step)>,
        /// The stimulus's random stream; each neuron draws from its own child stream.
        stream: Stream,
    },
    /// A white-noise current: in every step of each window `[from, to)`, each
    /// listed neuron gets its own current drawn uniformly from
    /// `[-amp_pa, +amp_pa]` (one draw per neuron and step, keyed by the stream,
    /// the neuron and the step; Izhikevich 2007's thalamic input).
    Noise {
        /// Target population index.
        pop: usize,
        /// Target neurons.
        neurons: Vec<u32>,
        /// Half-width of the uniform distribution [pA].
        amp_pa: f64,
        /// Windows of steps `[from, to)`, any order (sorted at build).
        windows: Vec<(Step, Step)>,
        /// The stimulus's random stream; each neuron draws from its own child stream.
        stream: Stream,
    },
    /// A constant current injected into each listed neuron during `[from, to)`.
    Current {
        /// Target population index.
        pop: usize,
        /// Target neurons.
        neurons: Vec<u32>,
        /// Amplitude [pA].
        amp_pa: f64,
        /// First step.
        from: Step,
        /// End step (exclusive).
        to: Step,
    },
}

/// Poisson synaptic input onto each listed neuron (NEST `poisson_generator`
/// connected by a static synapse; Brian2 `PoissonInput`): in every step `s` of a
/// window `[from, to)` each listed neuron independently receives
/// n ~ Poisson(rate·dt) events of `weight`, i.e. `n · weight` is added to the
/// synaptic input it reads in step `s`. Added with
/// [`Simulation::add_poisson_input`](crate::simulation::Simulation::add_poisson_input),
/// which checks it against the target population.
#[derive(Debug, Clone)]
pub struct PoissonInput {
    /// Target population index.
    pub pop: usize,
    /// Target neurons (a neuron listed twice still gets one train).
    pub neurons: Vec<u32>,
    /// Total rate of events per target neuron [Hz].
    pub rate_hz: f64,
    /// Weight of each event in the target model's weight unit (pA, nS or mV).
    pub weight: f64,
    /// The input port, as for a projection: `Excitatory` on a current- or
    /// voltage-based target means "by the sign of the weight".
    pub receptor: Receptor,
    /// Windows of steps `[from, to)`, any order; overlapping windows merge.
    pub windows: Vec<(Step, Step)>,
    /// The stimulus's random stream: the count of neuron n in step s is drawn
    /// from 64 bits of the block of its child ⌊n/2⌋ at counter s (the first 64
    /// for even n, the last for odd n).
    pub stream: Stream,
}

/// The largest mean number of events per neuron and step (rate·dt) that
/// [`PoissonCounts`] accepts: its table then holds about 19·√(rate·dt) ≈ 19,000
/// entries (150 kB).
pub const MAX_POISSON_EVENTS_PER_STEP: f64 = 1e6;

/// Poisson counts with mean `lambda`, drawn by inversion: a uniform u in
/// [0, 1) (53 random bits, u = x·2^-53) gives the smallest n with
/// u < P(N <= n), looked up in a table of the cumulative distribution built
/// once. The table covers every count whose probability is above 2^-64 times
/// that of the most likely count; what it leaves out has a total probability far
/// below the 2^-53 resolution of u, so the draws follow the Poisson law to that
/// resolution.
///
/// The lookup is an indexed search (Chen & Asau 1974; Devroye 1986, §III.2.4)
/// on integers: `bound[i]` = ⌈cdf[i]·2^53⌉, so that u < cdf[i] exactly when
/// x < bound[i]; a guide of G = 2^k entries (twice the table, rounded up to a
/// power of two) holds the answer for each x = j·2^53/G, a draw starts at the
/// guide entry of its top k bits and steps up, almost always at most twice.
#[derive(Debug, Clone, PartialEq)]
pub struct PoissonCounts {
    /// The smallest count in the table.
    first: u32,
    /// `cdf[i]` = P(N <= first + i); the last entry is exactly 1.
    cdf: Vec<f64>,
    /// ⌈cdf[i]·2^53⌉; the last entry is 2^53, above every draw.
    bound: Vec<u64>,
    /// `guide[j]` = the smallest i with `bound[i] > j << shift`.
    guide: Vec<u32>,
    /// 53 − log2(G).
    shift: u32,
}

/// 2^53: the number of distinct uniform draws.
const UNIT: f64 = (1u64 << 53) as f64;

impl PoissonCounts {
    /// The table for mean `lambda` (>= 0, at most [`MAX_POISSON_EVENTS_PER_STEP`]).
    pub fn new(lambda: f64) -> Self {
        assert!((0.0..=MAX_POISSON_EVENTS_PER_STEP).contains(&lambda), "Poisson mean {lambda} outside [0, 1e6]");
        // Probabilities relative to the mode m = floor(lambda), by the recurrences
        // p(k+1) = p(k)·λ/(k+1) and p(k−1) = p(k)·k/λ, which never under- or
        // overflow (e^-λ itself underflows for λ > 745).
        const CUT: f64 = 5.421010862427522e-20; // 2^-64
        let mode = lambda.floor() as u32;
        let mut below = vec![];
        let mut r = 1.0;
        let mut k = mode;
        while k > 0 {
            r *= k as f64 / lambda;
            if r < CUT {
                break;
            }
            below.push(r);
            k -= 1;
        }
        let first = mode - below.len() as u32;
        let mut rel: Vec<f64> = below.into_iter().rev().collect();
        rel.push(1.0);
        let (mut r, mut k) = (1.0, mode);
        loop {
            k += 1;
            r *= lambda / k as f64;
            if r < CUT {
                break;
            }
            rel.push(r);
        }
        // Cumulative sums, compensated (Neumaier), normalised by the total.
        let (mut sum, mut comp) = (0.0f64, 0.0f64);
        let mut cdf = Vec::with_capacity(rel.len());
        for &x in &rel {
            let t = sum + x;
            comp += if sum.abs() >= x.abs() { (sum - t) + x } else { (x - t) + sum };
            sum = t;
            cdf.push(sum + comp);
        }
        let total = sum + comp;
        for c in cdf.iter_mut() {
            *c /= total;
        }
        // Entries that round to 1 are never passed by u < 1: keep the first only.
        let end = cdf.iter().position(|&c| c >= 1.0).map_or(cdf.len(), |i| i + 1);
        cdf.truncate(end);
        *cdf.last_mut().expect("the mode is in the table") = 1.0;
        // Scaling by 2^53 is exact, so the integer bounds decide as the cdf does.
        let bound: Vec<u64> = cdf.iter().map(|&c| (c * UNIT).ceil() as u64).collect();
        let g = (2 * cdf.len()).next_power_of_two();
        let shift = 53 - g.trailing_zeros();
        let guide = (0..g as u64).map(|j| bound.partition_point(|&b| b <= j << shift) as u32).collect();
        Self { first, cdf, bound, guide, shift }
    }

    /// The count for 53 random bits `x` (the uniform x·2^-53): the smallest
    /// `first + i` with `x < bound[i]`.
    #[inline]
    pub fn sample_bits(&self, x: u64) -> u32 {
        debug_assert!(x < 1 << 53);
        let mut i = self.guide[(x >> self.shift) as usize] as usize;
        // Two steps without branches settle almost every draw; the loop the rest.
        // The last bound, 2^53, is above every x: the walk stops inside the table.
        i += (x >= self.bound[i]) as usize;
        i += (x >= self.bound[i]) as usize;
        while x >= self.bound[i] {
            i += 1;
        }
        self.first + i as u32
    }

    /// The count for a uniform `u` in [0, 1) on the 2^-53 grid (`Stream::uniform`).
    pub fn sample(&self, u: f64) -> u32 {
        self.sample_bits((u * UNIT) as u64)
    }

    /// Entries in the table.
    pub fn len(&self) -> usize {
        self.cdf.len()
    }

    /// Whether the table is empty (never: it holds at least the mode).
    pub fn is_empty(&self) -> bool {
        self.cdf.is_empty()
    }
}

/// A Poisson synaptic input being applied (see [`PoissonInput`]).
#[derive(Debug)]
pub(crate) struct PoissonInputRun {
    pub pop: usize,
    /// Target neurons, sorted, unique.
    neurons: Vec<u32>,
    /// For each chunk of [`CHUNK`] neurons of the population, its range in `neurons`.
    spans: Vec<(usize, usize)>,
    /// The child stream of entity 0: neurons 2m and 2m+1 draw from its sibling m
    /// (the first and the last 64 bits of its block at the step).
    stream: Stream,
    counts: PoissonCounts,
    weight: f64,
    /// Whether the events go to the excitatory port (else the inhibitory one).
    excitatory: bool,
    /// Sorted, disjoint windows and the index of the current one.
    windows: Vec<(Step, Step)>,
    cursor: usize,
    /// Whether the run ever adds anything (a rate, a weight and a neuron).
    acts: bool,
    /// Whether it adds input in the step last passed to [`PoissonInputRun::begin_step`].
    pub live: bool,
}

impl PoissonInputRun {
    /// `receptor` is the resolved port (`BySign` for current- and voltage-based targets).
    pub fn new(p: PoissonInput, receptor: Receptor, pop_size: usize, dt_ms: f64) -> Self {
        let mut neurons = p.neurons;
        neurons.sort_unstable();
        neurons.dedup();
        let n_chunks = pop_size.div_ceil(CHUNK);
        let spans = (0..n_chunks)
            .map(|c| {
                let lo = neurons.partition_point(|&n| (n as usize) < c * CHUNK);
                let hi = neurons.partition_point(|&n| (n as usize) < (c + 1) * CHUNK);
                (lo, hi)
            })
            .collect();
        let mut windows: Vec<(Step, Step)> = p.windows.into_iter().filter(|w| w.1 > w.0).collect();
        windows.sort_unstable();
        let mut merged: Vec<(Step, Step)> = Vec::with_capacity(windows.len());
        for w in windows {
            match merged.last_mut() {
                Some(last) if w.0 <= last.1 => last.1 = last.1.max(w.1),
                _ => merged.push(w),
            }
        }
        let excitatory = match receptor {
            Receptor::Excitatory => true,
            Receptor::Inhibitory => false,
            Receptor::BySign => p.weight >= 0.0,
        };
        let lambda = p.rate_hz * dt_ms * 1e-3;
        let acts = lambda > 0.0 && p.weight != 0.0 && !neurons.is_empty();
        Self {
            pop: p.pop,
            neurons,
            spans,
            stream: p.stream.child(0),
            counts: PoissonCounts::new(lambda),
            weight: p.weight,
            excitatory,
            windows: merged,
            cursor: 0,
            acts,
            live: false,
        }
    }

    /// Moves to step `s` and sets [`PoissonInputRun::live`]: whether the run adds input in it.
    pub fn begin_step(&mut self, s: Step) -> bool {
        while self.windows.get(self.cursor).is_some_and(|w| w.1 <= s) {
            self.cursor += 1;
        }
        let active = self.windows.get(self.cursor).is_some_and(|w| w.0 <= s);
        self.live = active && self.acts;
        self.live
    }

    /// Adds this step's events to the input that the population reads in step `s`.
    /// (With threads, the engine applies it chunk by chunk within the neuron update instead.)
    pub fn apply(&mut self, s: Step, input: &mut InputBuffer) {
        if !self.begin_step(s) {
            return;
        }
        let slots = input.slots;
        let InputBuffer { exc, inh, .. } = input;
        for (c, (exc, inh)) in exc.chunks_mut(CHUNK * slots).zip(inh.chunks_mut(CHUNK * slots)).enumerate() {
            self.apply_chunk(s, c, exc, inh, slots);
        }
    }

    /// Adds step `s`'s events of the neurons of chunk `c` into its blocks of the
    /// ring buffers, `exc` and `inh` (ring length `slots`), after [`PoissonInputRun::begin_step`].
    pub fn apply_chunk(&self, s: Step, c: usize, exc: &mut [f64], inh: &mut [f64], slots: usize) {
        let Some(&(a, b)) = self.spans.get(c).filter(|(a, b)| a < b) else { return };
        let block = if self.excitatory { exc } else { inh };
        // One chunk's block of the ring buffer is slot-major (see `InputBuffer`):
        // this step's entries of its neurons are contiguous.
        let slot = (s % slots as u64) as usize;
        let len = block.len() / slots;
        let row = &mut block[slot * len..(slot + 1) * len];
        let lo = c * CHUNK;
        let (stream, counts, weight) = (self.stream, &self.counts, self.weight);
        // Neurons 2m and 2m+1 share the block of entity m (128 bits: 53 for each).
        let mut cached = (u64::MAX, [0u32; 4]);
        for &n in &self.neurons[a..b] {
            let pair = (n >> 1) as u64;
            if cached.0 != pair {
                cached = (pair, stream.sibling(pair).block(s));
            }
            let (hi, low) = if n & 1 == 0 { (cached.1[0], cached.1[1]) } else { (cached.1[2], cached.1[3]) };
            let k = counts.sample_bits((((hi as u64) << 32) | low as u64) >> 11);
            // A count of 0 adds 0: no branch on it.
            row[n as usize - lo] += k as f64 * weight;
        }
    }

    /// The first step >= `s` in which the run adds input, if any.
    fn next_active(&self, s: Step) -> Option<Step> {
        if !self.acts {
            return None;
        }
        self.windows[self.cursor..].iter().find(|w| w.1 > s).map(|w| w.0.max(s))
    }
}

/// Run-time form of the stimuli.
#[derive(Debug, Default)]
pub(crate) struct Stimuli {
    /// Imposed spikes of all `Spikes` stimuli merged: (step, pop, neuron), sorted.
    pub events: Vec<(Step, u32, u32)>,
    pub cursor: usize,
    pub poisson: Vec<PoissonRun>,
    pub currents: Vec<(usize, Vec<u32>, f64, Step, Step)>,
    /// Steps at which the set of active currents changes, sorted, unique.
    pub current_changes: Vec<Step>,
    pub current_cursor: usize,
    pub noise: Vec<NoiseRun>,
    pub poisson_input: Vec<PoissonInputRun>,
}

/// A white-noise current being applied (see [`Stimulus::Noise`]).
#[derive(Debug)]
pub(crate) struct NoiseRun {
    pub pop: usize,
    pub neurons: Vec<u32>,
    pub streams: Vec<Stream>,
    pub amp_pa: f64,
    /// Sorted windows and the index of the current one.
    pub windows: Vec<(Step, Step)>,
    pub cursor: usize,
    /// The noise current added to each neuron's input in the last step (0 outside windows).
    pub applied: Vec<f64>,
}

impl NoiseRun {
    /// Sets this step's noise on the input currents `cur` of the population:
    /// removes last step's draw and adds this step's. `reset`: the constant
    /// currents were rebuilt from zero this step (last step's draw is gone).
    pub fn apply(&mut self, s: Step, cur: &mut [f64], reset: bool) {
        if reset {
            self.applied.iter_mut().for_each(|a| *a = 0.0);
        }
        while self.windows.get(self.cursor).is_some_and(|w| w.1 <= s) {
            self.cursor += 1;
        }
        let active = self.windows.get(self.cursor).is_some_and(|w| w.0 <= s);
        for (k, &n) in self.neurons.iter().enumerate() {
            let new = if active { self.amp_pa * (2.0 * self.streams[k].uniform(s) - 1.0) } else { 0.0 };
            let c = &mut cur[n as usize];
            *c += new - self.applied[k];
            self.applied[k] = new;
        }
    }

    /// Whether the run still has to act at or after step `s` (a window, or a draw to remove).
    fn next_active(&self, s: Step) -> Option<Step> {
        if self.applied.iter().any(|&a| a != 0.0) {
            return Some(s);
        }
        self.windows[self.cursor..].iter().find(|w| w.1 > s).map(|w| w.0.max(s))
    }
}

#[derive(Debug)]
pub(crate) struct PoissonRun {
    pub pop: usize,
    pub neurons: Vec<u32>,
    pub streams: Vec<Stream>,
    pub p_spike: f64,
    /// Sorted, non-overlapping windows and the index of the current one.
    pub windows: Vec<(Step, Step)>,
    pub cursor: usize,
    /// Next spike step of each neuron (a min-heap of (step, neuron index)), for
    /// the window `heap_window`; spikes are drawn as geometric inter-spike gaps,
    /// which is the same process as one Bernoulli(p) draw per step, at a cost per
    /// spike instead of per step.
    pub heap: std::collections::BinaryHeap<std::cmp::Reverse<(Step, u32)>>,
    pub heap_window: Option<usize>,
    pub draws: Vec<u64>,
}

impl PoissonRun {
    /// Whether step `s` lies in a window; `s` must not decrease between calls.
    pub fn active(&mut self, s: Step) -> bool {
        while self.windows.get(self.cursor).is_some_and(|w| w.1 <= s) {
            self.cursor += 1;
        }
        self.windows.get(self.cursor).is_some_and(|w| w.0 <= s)
    }

    /// Draws the gap to the next spike of neuron index `k` (>= 1 step).
    fn gap(&mut self, k: usize) -> Step {
        let u = 1.0 - self.streams[k].uniform(self.draws[k]); // (0, 1]
        self.draws[k] += 1;
        if self.p_spike >= 1.0 {
            return 1;
        }
        let g = (u.ln() / (-self.p_spike).ln_1p()).floor();
        if g >= (Step::MAX / 2) as f64 {
            Step::MAX / 2
        } else {
            g as Step + 1
        }
    }

    /// Pushes the neurons of index list that spike in step `s` into `out`.
    pub fn fire(&mut self, s: Step, out: &mut Vec<u32>) {
        if self.heap_window != Some(self.cursor) {
            // A new window: by memorylessness, draw every first spike from its start.
            self.heap.clear();
            let start = self.windows[self.cursor].0;
            for k in 0..self.neurons.len() {
                let t = start + self.gap(k) - 1;
                self.heap.push(std::cmp::Reverse((t, k as u32)));
            }
            self.heap_window = Some(self.cursor);
        }
        while let Some(&std::cmp::Reverse((t, k))) = self.heap.peek() {
            if t > s {
                break;
            }
            self.heap.pop();
            if t == s {
                out.push(self.neurons[k as usize]);
            }
            let next = s + self.gap(k as usize);
            self.heap.push(std::cmp::Reverse((next, k)));
        }
    }

    /// The first step >= `s` inside a window.
    pub fn next_active(&self, s: Step) -> Option<Step> {
        self.windows[self.cursor..].iter().find(|w| w.1 > s).map(|w| w.0.max(s))
    }
}

impl Stimuli {
    pub fn add(&mut self, s: Stimulus, dt_ms: f64) {
        match s {
            Stimulus::Spikes { pop, events } => {
                self.events.extend(events.into_iter().map(|(st, n)| (st, pop as u32, n)));
                self.events.sort_unstable();
                self.events.dedup();
            }
            Stimulus::Poisson { pop, neurons, rate_hz, mut windows, stream } => {
                let streams = neurons.iter().map(|&n| stream.child(n as u64)).collect();
                let p_spike = (rate_hz * dt_ms * 1e-3).min(1.0);
                windows.retain(|w| w.1 > w.0);
                windows.sort_unstable();
                let draws = vec![0; neurons.len()];
                self.poisson.push(PoissonRun {
                    pop,
                    neurons,
                    streams,
                    p_spike,
                    windows,
                    cursor: 0,
                    heap: Default::default(),
                    heap_window: None,
                    draws,
                });
            }
            Stimulus::Noise { pop, neurons, amp_pa, mut windows, stream } => {
                let streams = neurons.iter().map(|&n| stream.child(n as u64)).collect();
                windows.retain(|w| w.1 > w.0);
                windows.sort_unstable();
                let applied = vec![0.0; neurons.len()];
                self.noise.push(NoiseRun { pop, neurons, streams, amp_pa, windows, cursor: 0, applied });
            }
            Stimulus::Current { pop, neurons, amp_pa, from, to } => {
                self.current_changes.push(from);
                self.current_changes.push(to);
                self.current_changes.sort_unstable();
                self.current_changes.dedup();
                self.currents.push((pop, neurons, amp_pa, from, to));
            }
        }
    }

    /// The first step at or after `s` in which any stimulus acts, if any.
    pub fn next_activity(&self, s: Step) -> Option<Step> {
        let ev = self.events[self.cursor..].iter().map(|e| e.0).find(|&t| t >= s);
        let po = self.poisson.iter().filter(|p| p.p_spike > 0.0).filter_map(|p| p.next_active(s)).min();
        let cu = self.currents.iter().filter(|c| c.4 > s && c.2 != 0.0).map(|c| c.3.max(s)).min();
        let no = self.noise.iter().filter(|r| r.amp_pa != 0.0).filter_map(|r| r.next_active(s)).min();
        let pi = self.poisson_input.iter().filter_map(|r| r.next_active(s)).min();
        [ev, po, cu, no, pi].into_iter().flatten().min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engram_core::rng::Purpose;

    /// Draws `n` counts of mean `lambda` through the sampler, one uniform each,
    /// keyed as the engine keys them (a neuron per draw, one step).
    fn draws(lambda: f64, n: u64) -> Vec<u32> {
        let table = PoissonCounts::new(lambda);
        let stream = Stream::new(11, Purpose::Poisson, 0).child(0);
        (0..n).map(|i| table.sample(stream.sibling(i).uniform(7))).collect()
    }

    /// P(N = k) for mean `lambda`, computed independently of the table (log space).
    fn pmf(lambda: f64, k: u32) -> f64 {
        let ln_fact: f64 = (1..=k).map(|i| (i as f64).ln()).sum();
        (-lambda + k as f64 * lambda.ln() - ln_fact).exp()
    }

    #[test]
    fn the_table_is_a_distribution_function() {
        for lambda in [0.0, 1e-9, 0.05, 2.0, 37.5, 745.5, 1e4, MAX_POISSON_EVENTS_PER_STEP] {
            let t = PoissonCounts::new(lambda);
            assert!(t.cdf.windows(2).all(|w| w[0] <= w[1]), "lambda {lambda}: not monotone");
            assert_eq!(*t.cdf.last().unwrap(), 1.0);
            // About 19·sqrt(lambda) entries, plus a few for small means.
            assert!((t.len() as f64) < 20.0 * lambda.sqrt() + 25.0, "lambda {lambda}: {} entries", t.len());
            // The mode lies inside, and the table's first probabilities match the law.
            let m = lambda.floor() as u32;
            assert!(t.first <= m && m < t.first + t.len() as u32);
            if lambda > 0.0 && lambda < 700.0 {
                let p0 = t.cdf[0];
                assert!((p0 - (0..=t.first).map(|k| pmf(lambda, k)).sum::<f64>()).abs() <= 1e-14 + 1e-12 * p0);
            }
        }
        // The indexed search gives the binary search's answer, at and around every
        // table entry and guide boundary.
        for lambda in [0.05, 2.0, 37.5, 1e4] {
            let t = PoissonCounts::new(lambda);
            let probes = t.bound.iter().copied().chain((0..t.guide.len() as u64).map(|j| j << t.shift));
            for b in probes {
                for x in [b.saturating_sub(1), b, b + 1].into_iter().filter(|&x| x < 1 << 53) {
                    let u = x as f64 / UNIT;
                    assert_eq!(t.sample_bits(x), t.first + t.cdf.partition_point(|&c| c <= u) as u32, "lambda {lambda}, x {x}");
                }
            }
        }
        // Rate 0: always 0 events.
        let zero = PoissonCounts::new(0.0);
        assert_eq!((zero.first, zero.len()), (0, 1));
        assert_eq!(zero.sample(0.999_999_999), 0);
        // u = 0 gives the smallest count of the table, u just below 1 the largest.
        let t = PoissonCounts::new(2.0);
        assert_eq!(t.sample(0.0), 0);
        assert_eq!(t.sample(1.0 - f64::EPSILON / 2.0), t.first + t.len() as u32 - 1);
        assert_eq!(t.sample(pmf(2.0, 0) * (1.0 - 1e-12)), 0);
        assert_eq!(t.sample(pmf(2.0, 0) * (1.0 + 1e-12)), 1);
    }

    /// Mean and variance of 200,000 draws against lambda, within 5 standard errors:
    /// SE(mean) = sqrt(λ/N); SE(variance) = sqrt((λ + 2λ²)/N) (Poisson fourth
    /// central moment λ + 3λ²).
    #[test]
    fn counts_have_poisson_mean_and_variance() {
        let n = 200_000u64;
        for lambda in [0.002, 0.05, 2.0, 37.5, 800.0, 1e5, MAX_POISSON_EVENTS_PER_STEP] {
            let xs = draws(lambda, n);
            let mean = xs.iter().map(|&x| x as f64).sum::<f64>() / n as f64;
            let var = xs.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let (se_m, se_v) = ((lambda / n as f64).sqrt(), ((lambda + 2.0 * lambda * lambda) / n as f64).sqrt());
            assert!((mean - lambda).abs() < 5.0 * se_m, "lambda {lambda}: mean {mean} (SE {se_m})");
            assert!((var - lambda).abs() < 5.0 * se_v, "lambda {lambda}: variance {var} (SE {se_v})");
        }
    }

    /// The whole law at λ = 2 (the B1p drive: 20 kHz at dt = 0.1 ms): a χ² test
    /// over counts 0..=8 and "9 or more" (10 cells, 9 degrees of freedom; the
    /// bound 37.7 is the 1 − 10^-5 quantile).
    #[test]
    fn counts_follow_the_poisson_law() {
        let (lambda, n) = (2.0, 400_000u64);
        let xs = draws(lambda, n);
        let mut observed = [0u64; 10];
        for &x in &xs {
            observed[(x as usize).min(9)] += 1;
        }
        let mut expected: Vec<f64> = (0..9).map(|k| pmf(lambda, k) * n as f64).collect();
        expected.push(n as f64 - expected.iter().sum::<f64>());
        let chi2: f64 = observed.iter().zip(&expected).map(|(&o, &e)| (o as f64 - e).powi(2) / e).sum();
        assert!(chi2 < 37.7, "chi2 {chi2}: observed {observed:?}, expected {expected:?}");
    }
}
