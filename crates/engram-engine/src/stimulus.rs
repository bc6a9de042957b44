//! Stimuli compiled to integer steps: imposed spikes, Poisson drive, current steps.
//!
//! Every stimulus is resolved at build time to step indices; at run time the
//! engine only compares integers. A spike imposed "at time T" is imposed during
//! step `T/dt − 1` and so carries the stamp `T` (NEST `spike_generator`).

use engram_core::rng::Stream;
use engram_core::time::Step;

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
        [ev, po, cu, no].into_iter().flatten().min()
    }
}
