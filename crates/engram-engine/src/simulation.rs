//! The simulation: builder methods and the step loop.
//!
//! # Order of phases within step `s` (from `t = s·dt` to `(s+1)·dt`)
//!
//! 1. **Changes**: parameter changes scheduled for step `s` (interventions) take effect.
//! 2. **Stimuli**: current steps are set for this step; imposed spikes
//!    (explicit trains, presets, Poisson) are collected per population.
//! 3. **Neurons**: every population advances one step, reading the synaptic
//!    input due in step `s` from its ring buffer. A neuron spikes if its model
//!    crosses threshold or a spike is imposed on it (one spike if both). Spikes
//!    carry the stamp `s + 1`.
//! 4. **Archive**: postsynaptic spikes are added to the spike archives of the
//!    plastic projections they receive.
//! 5. **Delivery and plasticity**: for each projection in protocol order, each
//!    presynaptic spike (ascending neuron index) runs the synapse's `on_pre`
//!    (which may change the weight, seeing postsynaptic spikes up to stamp
//!    `s + 1 − delay`), then its weight is added to the input of step `s + delay`.
//! 6. **Probes**: samples are taken with stamp `s + 1`.
//! 7. **Guards**: non-finite state and runaway rates stop the run with an error.
//!
//! Tie rules that follow: a presynaptic and a postsynaptic spike in the same step
//! never pair through the archive in that step (the delay is at least one step);
//! input delivered with delay `d` from a spike in step `s` first changes the
//! postsynaptic state in step `s + d` and the membrane potential from `s + d + 1`
//! (for the exactly integrated LIF models).

use engram_core::model::{InputKind, NeuronModel, SynapseModel};
use engram_core::params::ParamValues;
use engram_core::time::{Dt, Step};

use crate::error::EngineError;
use crate::population::{Population, PopulationDyn};
use crate::probe::{Probe, ProbeKind};
use crate::projection::{Projection, ProjectionDyn, Receptor, SynapseSpec};
use crate::stimulus::{Stimuli, Stimulus};

/// The longest delay, in steps, that a projection may have.
pub const MAX_DELAY_STEPS: u64 = u16::MAX as u64;

/// What an intervention changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A population's neuron parameters.
    Population(usize),
    /// A projection's synapse parameters.
    Projection(usize),
}

/// A scheduled parameter change.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Step at whose start the change applies.
    pub at: Step,
    /// What changes.
    pub target: Target,
    /// The complete new parameter values.
    pub values: ParamValues,
}

struct PopSlot {
    name: String,
    body: Box<dyn PopulationDyn>,
    spikes: Vec<u32>,
    imposed: Vec<u32>,
    total_spikes: u64,
    window_spikes: u64,
}

struct ProjSlot {
    name: String,
    pre: usize,
    post: usize,
    body: Box<dyn ProjectionDyn>,
}

/// Limits checked during the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Guards {
    /// Largest mean rate of a (non-source) population over one window [Hz].
    pub max_rate_hz: f64,
    /// Window for the rate check and period of the finite-state check [steps].
    pub window: Step,
}

/// Counts reported after a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunStats {
    /// Steps simulated.
    pub steps: Step,
    /// Spikes emitted, all populations.
    pub spikes: u64,
    /// Synaptic events delivered (spikes × out-degree).
    pub synaptic_events: u64,
}

/// A network with its stimuli, scheduled changes and probes.
pub struct Simulation {
    dt: Dt,
    now: Step,
    pops: Vec<PopSlot>,
    projs: Vec<ProjSlot>,
    stimuli: Stimuli,
    changes: Vec<Change>,
    change_cursor: usize,
    probes: Vec<Probe>,
    threads: usize,
    pool: Option<rayon::ThreadPool>,
    guards: Guards,
    stats: RunStats,
    finalized: bool,
}

impl Simulation {
    /// An empty simulation with step `dt`.
    pub fn new(dt: Dt) -> Self {
        let window = ((1000.0 / dt.ms()).round() as Step).max(1);
        Self {
            dt,
            now: 0,
            pops: vec![],
            projs: vec![],
            stimuli: Stimuli::default(),
            changes: vec![],
            change_cursor: 0,
            probes: vec![],
            threads: 1,
            pool: None,
            guards: Guards { max_rate_hz: 1000.0, window },
            stats: RunStats::default(),
            finalized: false,
        }
    }

    /// The step.
    pub fn dt(&self) -> Dt {
        self.dt
    }

    /// The current step (the stamp of the state).
    pub fn now(&self) -> Step {
        self.now
    }

    /// Sets the number of worker threads. Results do not depend on it.
    pub fn set_threads(&mut self, threads: usize) -> Result<(), EngineError> {
        self.threads = threads.max(1);
        self.pool = if self.threads > 1 {
            Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(self.threads)
                    .build()
                    .map_err(|e| EngineError::Threads { threads, reason: e.to_string() })?,
            )
        } else {
            None
        };
        Ok(())
    }

    /// Sets the run-time guards.
    pub fn set_guards(&mut self, guards: Guards) {
        self.guards = guards;
    }

    /// Adds `n` neurons of model `M`; returns the population index.
    pub fn add_population<M: NeuronModel>(
        &mut self,
        name: &str,
        n: usize,
        values: ParamValues,
    ) -> Result<usize, EngineError> {
        let body = Population::<M>::new(n, values, self.dt)
            .map_err(|source| EngineError::Params { context: format!("population {name}"), source })?;
        self.pops.push(PopSlot {
            name: name.into(),
            body: Box::new(body),
            spikes: vec![],
            imposed: vec![],
            total_spikes: 0,
            window_spikes: 0,
        });
        self.finalized = false;
        Ok(self.pops.len() - 1)
    }

    /// Adds a projection of synapse model `S`; returns the projection index.
    #[allow(clippy::too_many_arguments)]
    pub fn add_projection<S: SynapseModel>(
        &mut self,
        name: &str,
        pre: usize,
        post: usize,
        values: ParamValues,
        receptor: Receptor,
        synapses: Vec<SynapseSpec>,
    ) -> Result<usize, EngineError> {
        let (n_pre, n_post) = (self.pops[pre].body.size(), self.pops[post].body.size());
        let kind = self.pops[post].body.input_kind();
        if kind == InputKind::None {
            return Err(EngineError::TargetIgnoresInput {
                projection: name.into(),
                population: self.pops[post].name.clone(),
            });
        }
        for s in &synapses {
            if s.pre as usize >= n_pre || s.post as usize >= n_post {
                let (index, pop, size) = if s.pre as usize >= n_pre {
                    (s.pre, &self.pops[pre].name, n_pre)
                } else {
                    (s.post, &self.pops[post].name, n_post)
                };
                return Err(EngineError::IndexOutOfRange {
                    projection: name.into(),
                    population: pop.clone(),
                    index: index as u64,
                    size,
                });
            }
            if s.delay == 0 {
                return Err(EngineError::DelayTooShort { projection: name.into(), dt_ms: self.dt.ms() });
            }
            if kind == InputKind::Conductance && s.weight < 0.0 {
                return Err(EngineError::NegativeConductance { projection: name.into(), weight: s.weight });
            }
        }
        let receptor = if matches!(kind, InputKind::Current | InputKind::Voltage) && receptor == Receptor::Excitatory {
            // Current-based neurons route by the sign of the weight (NEST convention),
            // unless the protocol asked for the inhibitory port explicitly.
            Receptor::BySign
        } else {
            receptor
        };
        let body = Projection::<S>::new(values, receptor, n_pre, n_post, synapses, self.dt)
            .map_err(|source| EngineError::Params { context: format!("projection {name}"), source })?;
        self.projs.push(ProjSlot { name: name.into(), pre, post, body: Box::new(body) });
        self.finalized = false;
        Ok(self.projs.len() - 1)
    }

    /// Adds a stimulus.
    pub fn add_stimulus(&mut self, s: Stimulus) {
        self.stimuli.add(s, self.dt.ms());
    }

    /// Schedules a parameter change.
    pub fn add_change(&mut self, c: Change) {
        let pos = self.changes.partition_point(|x| x.at <= c.at);
        self.changes.insert(pos, c);
    }

    /// Adds a probe; returns its index.
    pub fn add_probe(&mut self, p: Probe) -> usize {
        self.probes.push(p);
        self.probes.len() - 1
    }

    /// The probes and their data.
    pub fn probes(&self) -> &[Probe] {
        &self.probes
    }

    /// Population index by name.
    pub fn population_index(&self, name: &str) -> Option<usize> {
        self.pops.iter().position(|p| p.name == name)
    }

    /// Population size.
    pub fn population_size(&self, pop: usize) -> usize {
        self.pops[pop].body.size()
    }

    /// Population name.
    pub fn population_name(&self, pop: usize) -> &str {
        &self.pops[pop].name
    }

    /// The population's dynamic view (model info, parameter values, state).
    pub fn population(&self, pop: usize) -> &dyn PopulationDyn {
        self.pops[pop].body.as_ref()
    }

    /// The projection's dynamic view.
    pub fn projection(&self, proj: usize) -> &dyn ProjectionDyn {
        self.projs[proj].body.as_ref()
    }

    /// Projection name, pre and post population indices.
    pub fn projection_ends(&self, proj: usize) -> (&str, usize, usize) {
        let p = &self.projs[proj];
        (&p.name, p.pre, p.post)
    }

    /// Number of projections.
    pub fn n_projections(&self) -> usize {
        self.projs.len()
    }

    /// Number of populations.
    pub fn n_populations(&self) -> usize {
        self.pops.len()
    }

    /// Total synapses.
    pub fn n_synapses(&self) -> usize {
        self.projs.iter().map(|p| p.body.len()).sum()
    }

    /// Spikes emitted so far, per population.
    pub fn spike_counts(&self) -> Vec<u64> {
        self.pops.iter().map(|p| p.total_spikes).collect()
    }

    /// Counters of the run so far.
    pub fn stats(&self) -> RunStats {
        self.stats
    }

    /// Sizes the ring buffers; called automatically by [`Simulation::run_until`].
    fn finalize(&mut self) {
        if self.finalized {
            return;
        }
        for (i, pop) in self.pops.iter_mut().enumerate() {
            let max_delay = self.projs.iter().filter(|p| p.post == i).map(|p| p.body.max_delay()).max().unwrap_or(1);
            pop.body.resize_input(max_delay as usize + 1);
        }
        self.finalized = true;
    }

    /// Advances to stamp `end`, calling `progress(now)` about every 1 % of the way.
    pub fn run_until(&mut self, end: Step, progress: &mut (dyn FnMut(Step) + Send)) -> Result<(), EngineError> {
        self.finalize();
        if self.now == 0 {
            self.sample(0);
        }
        let pool = self.pool.take();
        let result = match &pool {
            Some(pool) => pool.install(|| self.run_loop(end, progress)),
            None => self.run_loop(end, progress),
        };
        self.pool = pool;
        result
    }

    fn run_loop(&mut self, end: Step, progress: &mut (dyn FnMut(Step) + Send)) -> Result<(), EngineError> {
        let report_every = ((end.saturating_sub(self.now)) / 100).max(1);
        while self.now < end {
            let s = self.now;
            self.step(s)?;
            self.now = s + 1;
            if self.now % report_every == 0 {
                progress(self.now);
            }
        }
        progress(self.now);
        // Runs shorter than a guard window are checked once at their end.
        if self.now % self.guards.window != 0 {
            self.check_guards_partial(self.now)?;
        }
        Ok(())
    }

    fn step(&mut self, s: Step) -> Result<(), EngineError> {
        let parallel = self.threads > 1;
        let dt = self.dt;
        // 1. Changes.
        while let Some(c) = self.changes.get(self.change_cursor).filter(|c| c.at <= s) {
            let res = match c.target {
                Target::Population(i) => self.pops[i]
                    .body
                    .set_values(c.values.clone(), dt)
                    .map_err(|source| EngineError::Params { context: format!("population {}", self.pops[i].name), source }),
                Target::Projection(i) => self.projs[i]
                    .body
                    .set_values(c.values.clone())
                    .map_err(|source| EngineError::Params { context: format!("projection {}", self.projs[i].name), source }),
            };
            res?;
            self.change_cursor += 1;
        }
        // 2. Stimuli.
        self.apply_stimuli(s);
        // 3. Neurons.
        for pop in self.pops.iter_mut() {
            pop.body.update(s, &pop.imposed, &mut pop.spikes, parallel);
            pop.total_spikes += pop.spikes.len() as u64;
            pop.window_spikes += pop.spikes.len() as u64;
            self.stats.spikes += pop.spikes.len() as u64;
        }
        // 4. Archive postsynaptic spikes.
        for proj in self.projs.iter_mut() {
            let post = &self.pops[proj.post].spikes;
            if !post.is_empty() {
                proj.body.record_post_spikes(s + 1, post);
            }
        }
        // 5. Delivery and plasticity.
        for proj in self.projs.iter_mut() {
            let (pre, post) = (proj.pre, proj.post);
            if self.pops[pre].spikes.is_empty() {
                continue;
            }
            // Split borrows: spikes of `pre`, input buffer of `post`.
            let spikes = std::mem::take(&mut self.pops[pre].spikes);
            proj.body.deliver(s, &spikes, self.pops[post].body.input(), dt.ms(), parallel);
            self.stats.synaptic_events += spikes.len() as u64 * proj.body.len() as u64
                / self.pops[pre].body.size().max(1) as u64;
            self.pops[pre].spikes = spikes;
        }
        // 6. Probes.
        self.sample(s + 1);
        // 7. Guards.
        self.stats.steps += 1;
        if (s + 1) % self.guards.window == 0 {
            self.check_guards(s + 1)?;
        }
        Ok(())
    }

    fn apply_stimuli(&mut self, s: Step) {
        for pop in self.pops.iter_mut() {
            pop.imposed.clear();
        }
        let st = &mut self.stimuli;
        while let Some(&(step, pop, n)) = st.events.get(st.cursor) {
            if step > s {
                break;
            }
            if step == s {
                self.pops[pop as usize].imposed.push(n);
            }
            st.cursor += 1;
        }
        for run in &st.poisson {
            if s >= run.from && s < run.to {
                let imposed = &mut self.pops[run.pop].imposed;
                for (k, &n) in run.neurons.iter().enumerate() {
                    if run.streams[k].uniform(s) < run.p_spike {
                        imposed.push(n);
                    }
                }
            }
        }
        if !st.poisson.is_empty() {
            for pop in self.pops.iter_mut() {
                pop.imposed.sort_unstable();
                pop.imposed.dedup();
            }
        }
        if st.current_changes.get(st.current_cursor) == Some(&s) {
            st.current_cursor += 1;
            for pop in self.pops.iter_mut() {
                pop.body.input().current.fill(0.0);
            }
            for (pop, neurons, amp, from, to) in &st.currents {
                if s >= *from && s < *to {
                    let cur = &mut self.pops[*pop].body.input().current;
                    for &n in neurons {
                        cur[n as usize] += amp;
                    }
                }
            }
        }
    }

    fn sample(&mut self, stamp: Step) {
        for probe in self.probes.iter_mut() {
            match &probe.kind {
                ProbeKind::Spikes { pop } => {
                    if stamp > 0 {
                        for &n in &self.pops[*pop].spikes {
                            probe.stamps.push(stamp);
                            probe.neurons.push(n);
                        }
                    }
                }
                ProbeKind::State { pop, var, neurons } => {
                    if stamp % probe.every == 0 {
                        probe.stamps.push(stamp);
                        let body = &self.pops[*pop].body;
                        probe.values.extend(neurons.iter().map(|&n| body.read(*var, n as usize)));
                    }
                }
                ProbeKind::MeanWeight { proj } => {
                    if stamp % probe.every == 0 {
                        let (sum, n) = self.projs[*proj].body.weight_sum();
                        probe.stamps.push(stamp);
                        probe.values.push(if n == 0 { f64::NAN } else { sum / n as f64 });
                    }
                }
            }
        }
    }

    fn check_guards_partial(&mut self, stamp: Step) -> Result<(), EngineError> {
        let elapsed = stamp % self.guards.window;
        self.check_guards_over(stamp, elapsed.max(1))
    }

    fn check_guards(&mut self, stamp: Step) -> Result<(), EngineError> {
        self.check_guards_over(stamp, self.guards.window)
    }

    fn check_guards_over(&mut self, stamp: Step, window: Step) -> Result<(), EngineError> {
        let t_ms = self.dt.to_ms(stamp);
        let window_ms = self.dt.to_ms(window);
        for pop in self.pops.iter_mut() {
            let n = pop.body.size().max(1) as f64;
            let rate = pop.window_spikes as f64 / n / (window_ms * 1e-3);
            pop.window_spikes = 0;
            if !pop.body.is_source() && rate > self.guards.max_rate_hz {
                return Err(EngineError::RunawayRate {
                    population: pop.name.clone(),
                    rate_hz: rate,
                    limit_hz: self.guards.max_rate_hz,
                    window_ms,
                    t_ms,
                });
            }
            if let Some((neuron, var, value)) = pop.body.first_non_finite() {
                let info = pop.body.info();
                return Err(EngineError::NonFinite {
                    population: pop.name.clone(),
                    neuron,
                    variable: info.state_vars[var].name.to_string(),
                    value,
                    t_ms,
                });
            }
        }
        for proj in &self.projs {
            if let Some((synapse, pre, post, value)) = proj.body.first_non_finite() {
                return Err(EngineError::NonFiniteWeight {
                    projection: proj.name.clone(),
                    synapse,
                    pre,
                    post,
                    value,
                    t_ms,
                });
            }
        }
        Ok(())
    }
}
