//! The simulation: builder methods and the step loop.
//!
//! # Order of phases within step `s` (from `t = s·dt` to `(s+1)·dt`)
//!
//! 1. **Changes**: parameter changes scheduled for step `s` (interventions) take effect.
//!    A change of a modulator field first brings the synapses that read it to
//!    stamp `s`, then sets its tonic level and release gain (the gain scales
//!    releases added from this step on, stamps `s + 1` and later).
//! 2. **Stimuli**: current steps are set for this step; imposed spikes
//!    (explicit trains, presets, Poisson) are collected per population.
//! 3. **Neurons**: every population advances one step, reading the synaptic
//!    input due in step `s` from its ring buffer. A neuron spikes if its model
//!    crosses threshold or a spike is imposed on it (one spike if both). Spikes
//!    carry the stamp `s + 1`.
//! 4. **Archive**: postsynaptic spikes are added to the spike archives of the
//!    plastic projections they receive.
//!
//! 4a. **Modulators**: releases with stamp `s + 1` are added to the modulator
//!    fields: fixed releases at that time, and releases caused by spikes with
//!    stamp `s + 1 − delay` (this step's spikes when the delay is 0). Reward
//!    contingencies look at this step's spikes (the presynaptic neuron's first,
//!    so a pre and a post spike in the same step do not count as a pair) and
//!    schedule their delayed releases.
//!
//! 4b. **Fast synaptic dynamics**: for projections whose synapse model sets
//!    `STEP_FAST`, every synapse whose presynaptic neuron spiked in this step or
//!    whose postsynaptic neuron is not quiescent runs `step_fast` with the
//!    postsynaptic membrane potential after phase 3 (skipped entirely when no
//!    presynaptic spike and no awake postsynaptic neuron).
//! 5. **Delivery and plasticity**: for each projection in protocol order, each
//!    presynaptic spike (ascending neuron index) runs the synapse's `on_pre`
//!    (which may change the weight, seeing postsynaptic spikes up to stamp
//!    `s + 1 − delay`), then its weight is added to the input of step `s + delay`.
//! 6. **Slow clock** (every `slow_every` steps, at stamp `s + 1`): protein pools
//!    advance over the elapsed interval with the synthesis switches set at its
//!    start, then slow synaptic state (capture) with the tags set at its start;
//!    then every slow synapse is brought to the present and the new tags and
//!    protein drive are set for the next interval. Every synapse that reads a
//!    modulator is brought to the present too (closed form), and the modulator
//!    archives forget the releases before it. Last, projections and fields
//!    bound to a modulator by their parameters (`LEVEL_MODULATOR`) get the
//!    parameters at the level of this stamp, held until the next tick.
//! 7. **Probes**: samples are taken with stamp `s + 1`.
//! 8. **Guards**: non-finite state and runaway rates stop the run with an error.
//!
//! # Fast-forward
//!
//! When enabled, at each slow tick the engine checks whether the network is
//! quiet: no stimulus acts, no input is pending, every neuron is quiescent and
//! every slow synapse has its fast state at rest. It then jumps, in closed form,
//! to the earliest of: the next stimulus, parameter change, probe sample, end of
//! the run, a tag switching off, protein synthesis switching off (found by
//! bisection on the closed-form drive), or a modulator release (fixed or
//! pending after a spike). Each jump is one slow interval, computed by the same
//! code as the stepped slow clock. Modulator levels need no stepping: they are
//! closed-form functions of the step count, and modulated synapses integrate
//! them in closed form when they are next updated, so a jump treats them exactly.
//! A protein pool whose threshold follows a modulator is probed, in the
//! bisection, with the threshold at the level of each probed time, so the jump
//! ends where synthesis would switch off as the level decays; parameters set by
//! a level are sampled again at the end of each jump (jumps stop at releases).
//!
//! Tie rules that follow: a presynaptic and a postsynaptic spike in the same step
//! never pair through the archive in that step (the delay is at least one step);
//! input delivered with delay `d` from a spike in step `s` first changes the
//! postsynaptic state in step `s + d` and the membrane potential from `s + d + 1`
//! (for the exactly integrated LIF models).

use engram_core::model::{FieldModel, InputKind, NeuronModel, SynapseModel};
use engram_core::params::ParamValues;
use engram_core::rng::{Purpose, Stream};
use engram_core::time::{Clock, Dt, Step};

use crate::error::EngineError;
use crate::field::{Field, FieldDyn};
use crate::modulator::{Contingency, ModSlot, ModulatorSpec, Release, SpikeRelease};
use crate::population::{InputBuffer, Population, PopulationDyn, CHUNK};
use crate::probe::{Probe, ProbeKind};
use crate::connect;
use crate::projection::{Projection, ProjectionDyn, Receptor, ShardTask, SynapseSpec, Synapses};
use crate::stimulus::{PoissonInput, PoissonInputRun, Stimuli, Stimulus, MAX_POISSON_EVENTS_PER_STEP};

/// The longest delay, in steps, that a projection may have.
pub const MAX_DELAY_STEPS: u64 = u16::MAX as u64;

/// What an intervention changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A population's neuron parameters.
    Population(usize),
    /// A projection's synapse parameters.
    Projection(usize),
    /// A population's field (protein pool) parameters.
    Field(usize),
    /// A modulator field's tonic level and release gain
    /// (`engram_core::modulator::INFO`): in effect from the step of the change,
    /// so the level sampled at its stamp is still the previous one and releases
    /// stamped later are scaled by the new gain.
    Modulator(usize),
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
    /// Spikes of each update chunk in a parallel step (reused from step to step).
    chunk_spikes: Vec<Vec<u32>>,
    imposed: Vec<u32>,
    total_spikes: u64,
    window_spikes: u64,
    field: Option<Box<dyn FieldDyn>>,
    /// The modulator whose level sets the field's parameters (bound fields only).
    field_level: Option<usize>,
    /// Protein drive set at the last slow tick (held over the interval), the
    /// drive being gathered, levels at the interval start, and integrals over it.
    drive: Vec<[f64; 2]>,
    drive_next: Vec<[f64; 2]>,
    levels: Vec<[f64; 2]>,
    integrals: Vec<[f64; 2]>,
}

struct ProjSlot {
    name: String,
    pre: usize,
    post: usize,
    body: Box<dyn ProjectionDyn>,
    /// Buffers for fast synaptic dynamics (presynaptic spike mask, postsynaptic
    /// potentials, awake flags); empty unless the model sets `STEP_FAST`.
    fast: (Vec<bool>, Vec<f64>, Vec<bool>),
    /// The modulator field the synapse model reads (modulated models only).
    modulator: Option<usize>,
    /// The modulator whose level sets the model's parameters, and the level
    /// sampled at the last slow tick (level-modulated models, when bound).
    level: Option<(usize, f64)>,
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
    /// Steps skipped by fast-forward.
    pub fast_forward_steps: u64,
}

/// Synaptic events of a step (spikes × out-degree, all projections) below
/// which delivery stays serial with threads: a parallel region costs a few µs.
/// 256 gave the best 2-thread times of 0, 256 and 1024 on COBA and COBA+STDP.
const PAR_MIN_EVENTS: u64 = 256;

/// A network with its stimuli, scheduled changes and probes.
pub struct Simulation {
    dt: Dt,
    now: Step,
    pops: Vec<PopSlot>,
    projs: Vec<ProjSlot>,
    mods: Vec<ModSlot>,
    stimuli: Stimuli,
    changes: Vec<Change>,
    change_cursor: usize,
    probes: Vec<Probe>,
    threads: usize,
    pool: Option<rayon::ThreadPool>,
    /// Synaptic events of a step from which delivery runs in parallel.
    par_min_events: u64,
    guards: Guards,
    stats: RunStats,
    finalized: bool,
    seed: u64,
    slow: Clock,
    last_slow: Step,
    fast_forward: bool,
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
            mods: vec![],
            stimuli: Stimuli::default(),
            changes: vec![],
            change_cursor: 0,
            probes: vec![],
            threads: 1,
            pool: None,
            par_min_events: PAR_MIN_EVENTS,
            guards: Guards { max_rate_hz: 1000.0, window },
            stats: RunStats::default(),
            finalized: false,
            seed: 1,
            slow: Clock { every: ((100.0 / dt.ms()).round() as Step).max(1) },
            last_slow: 0,
            fast_forward: false,
        }
    }

    /// Sets the seed used for per-synapse noise streams (before adding projections).
    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// Sets the slow clock period in steps (default: 100 ms).
    pub fn set_slow_every(&mut self, steps: Step) {
        self.slow = Clock { every: steps.max(1) };
    }

    /// Enables fast-forwarding through quiet periods.
    pub fn set_fast_forward(&mut self, on: bool) {
        self.fast_forward = on;
    }

    /// Attaches a neuron-wide field (protein pools) of model `F` to population `pop`.
    pub fn add_field<F: FieldModel>(&mut self, pop: usize, values: ParamValues) -> Result<(), EngineError> {
        let n = self.pops[pop].body.size();
        let field = Field::<F>::new(n, values)
            .map_err(|source| EngineError::Params { context: format!("population {} proteins", self.pops[pop].name), source })?;
        self.pops[pop].field = Some(Box::new(field));
        Ok(())
    }

    /// The field of a population, if any.
    pub fn field(&self, pop: usize) -> Option<&dyn FieldDyn> {
        self.pops[pop].field.as_deref()
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

    /// Sets the synaptic events of a step (spikes × out-degree, all projections)
    /// from which delivery runs in parallel with threads (default 256). Results
    /// do not depend on it.
    pub fn set_parallel_min_events(&mut self, events: u64) {
        self.par_min_events = events;
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
        let chunk_spikes = vec![vec![]; body.n_chunks()];
        self.pops.push(PopSlot {
            name: name.into(),
            body: Box::new(body),
            spikes: vec![],
            chunk_spikes,
            imposed: vec![],
            total_spikes: 0,
            window_spikes: 0,
            field: None,
            field_level: None,
            drive: vec![[0.0; 2]; n],
            drive_next: vec![[0.0; 2]; n],
            levels: vec![[0.0; 2]; n],
            integrals: vec![[0.0; 2]; n],
        });
        self.finalized = false;
        Ok(self.pops.len() - 1)
    }

    /// Adds a projection of synapse model `S` with explicit synapses; returns the projection index.
    pub fn add_projection<S: SynapseModel>(
        &mut self,
        name: &str,
        pre: usize,
        post: usize,
        values: ParamValues,
        receptor: Receptor,
        synapses: Vec<SynapseSpec>,
    ) -> Result<usize, EngineError> {
        self.add_projection_from::<S>(name, pre, post, values, receptor, Synapses::List(synapses))
    }

    /// Adds a projection of synapse model `S` whose synapses are listed or
    /// drawn by a rule; returns the projection index.
    pub fn add_projection_from<S: SynapseModel>(
        &mut self,
        name: &str,
        pre: usize,
        post: usize,
        values: ParamValues,
        receptor: Receptor,
        synapses: Synapses,
    ) -> Result<usize, EngineError> {
        let (n_pre, n_post) = (self.pops[pre].body.size(), self.pops[post].body.size());
        let kind = self.pops[post].body.input_kind();
        if kind == InputKind::None {
            return Err(EngineError::TargetIgnoresInput {
                projection: name.into(),
                population: self.pops[post].name.clone(),
            });
        }
        let check = |weight: f64, delay: u16| {
            if delay == 0 {
                return Err(EngineError::DelayTooShort { projection: name.into(), dt_ms: self.dt.ms() });
            }
            if kind == InputKind::Conductance && weight < 0.0 {
                return Err(EngineError::NegativeConductance { projection: name.into(), weight });
            }
            Ok(())
        };
        match &synapses {
            Synapses::List(list) => {
                for s in list {
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
                    check(s.weight, s.delay)?;
                }
            }
            Synapses::Rule { rule, same, weight, delay, .. } => {
                connect::check(rule, n_pre, n_post, *same)
                    .map_err(|reason| EngineError::Connectivity { projection: name.into(), reason })?;
                if connect::may_connect(rule, n_pre, n_post, *same) {
                    check(*weight, *delay)?;
                }
            }
        }
        let receptor = if matches!(kind, InputKind::Current | InputKind::Voltage) && receptor == Receptor::Excitatory {
            // Current-based neurons route by the sign of the weight (NEST convention),
            // unless the protocol asked for the inhibitory port explicitly.
            Receptor::BySign
        } else {
            receptor
        };
        if S::SLOW && S::FIELD && self.pops[post].field.is_none() {
            return Err(EngineError::Params {
                context: format!("projection {name}"),
                source: engram_core::CoreError::Inconsistent(format!(
                    "synapse model {} captures plasticity-related proteins, but population {} has none; give it `proteins = {{ model = \"protein_pool\" }}` (or another field model, e.g. \"tagtric_trigger\")",
                    S::INFO.name, self.pops[post].name
                )),
            });
        }
        let noise_key = self.seed ^ ((self.projs.len() as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        let body = Projection::<S>::new(values, receptor, n_pre, n_post, synapses, self.dt, noise_key, self.pool.as_ref())
            .map_err(|source| EngineError::Params { context: format!("projection {name}"), source })?;
        let fast = if S::STEP_FAST {
            let mut v = vec![0.0; n_post];
            let mut awake = vec![false; n_post];
            if self.pops[post].body.potential_and_awake(&mut v, &mut awake).is_none() {
                return Err(EngineError::Params {
                    context: format!("projection {name}"),
                    source: engram_core::CoreError::Inconsistent(format!(
                        "synapse model {} reads the postsynaptic membrane potential, but the model of population {} has no V_m",
                        S::INFO.name, self.pops[post].name
                    )),
                });
            }
            (vec![false; n_pre], v, awake)
        } else {
            (vec![], vec![], vec![])
        };
        self.projs.push(ProjSlot { name: name.into(), pre, post, body: Box::new(body), fast, modulator: None, level: None });
        self.finalized = false;
        Ok(self.projs.len() - 1)
    }

    /// Adds a modulator field (one modulator of one region); returns its index.
    pub fn add_modulator(&mut self, spec: ModulatorSpec) -> Result<usize, EngineError> {
        let valid = spec.tau_ms.is_finite() && spec.tau_ms > 0.0 && spec.tonic.is_finite();
        if !valid {
            return Err(EngineError::BadModulator { modulator: spec.name, reason: format!("tau must be a positive time and tonic finite (tau = {} ms, tonic = {})", spec.tau_ms, spec.tonic) });
        }
        self.mods.push(ModSlot::new(spec, self.dt.ms()));
        Ok(self.mods.len() - 1)
    }

    /// Adds releases to modulator `m`.
    pub fn add_release(&mut self, m: usize, r: Release) -> Result<(), EngineError> {
        let slot = &mut self.mods[m];
        match r {
            Release::At { stamps, amount } => {
                for st in stamps {
                    let pos = slot.timed.partition_point(|x| x.0 <= st);
                    slot.timed.insert(pos, (st, amount));
                }
            }
            Release::PerSpike { pop, neurons, delay, amount } => {
                let size = self.pops[pop].body.size();
                let mask = match neurons {
                    None => None,
                    Some(list) => {
                        let mut mask = vec![false; size];
                        for n in list {
                            let Some(x) = mask.get_mut(n as usize) else {
                                return Err(EngineError::BadModulator {
                                    modulator: slot.name.clone(),
                                    reason: format!("neuron {n} is outside population {} (size {size})", self.pops[pop].name),
                                });
                            };
                            *x = true;
                        }
                        Some(mask)
                    }
                };
                slot.sources.push(SpikeRelease { pop, mask, delay, amount });
            }
            Release::Contingency { pre, pre_neuron, post, post_neuron, window, delay_min, delay_max, amount } => {
                for (pop, n) in [(pre, pre_neuron), (post, post_neuron)] {
                    let size = self.pops[pop].body.size();
                    if n as usize >= size {
                        return Err(EngineError::BadModulator {
                            modulator: self.mods[m].name.clone(),
                            reason: format!("neuron {n} is outside population {} (size {size})", self.pops[pop].name),
                        });
                    }
                }
                if window == 0 || delay_max < delay_min {
                    return Err(EngineError::BadModulator {
                        modulator: self.mods[m].name.clone(),
                        reason: format!("a contingency needs a window of at least one step and delay_max >= delay_min (window {window}, delays {delay_min} to {delay_max} steps)"),
                    });
                }
                let entity = ((m as u64) << 32) | self.mods[m].contingencies.len() as u64;
                let stream = Stream::new(self.seed, Purpose::Reward, entity);
                self.mods[m].contingencies.push(Contingency {
                    pre,
                    pre_neuron,
                    post,
                    post_neuron,
                    window,
                    delay_min,
                    delay_max,
                    amount,
                    stream,
                    draws: 0,
                    last_pre: None,
                });
            }
        }
        Ok(())
    }

    /// Rewards scheduled so far by the contingencies of modulator `m`.
    pub fn contingent_rewards(&self, m: usize) -> u64 {
        self.mods[m].contingencies.iter().map(|c| c.draws).sum()
    }

    /// Makes projection `proj` (of a modulated synapse model) read modulator `m`.
    pub fn bind_modulator(&mut self, proj: usize, m: usize) -> Result<(), EngineError> {
        let p = &mut self.projs[proj];
        if p.body.modulator().is_none() {
            return Err(EngineError::BadModulator {
                modulator: self.mods[m].name.clone(),
                reason: format!("synapse model {} of projection {} reads no modulator", p.body.info().name, p.name),
            });
        }
        p.modulator = Some(m);
        Ok(())
    }

    /// Makes the parameters of projection `proj` (a level-modulated synapse
    /// model) follow the level of modulator `m`, sampled at every slow tick.
    pub fn bind_level_modulator(&mut self, proj: usize, m: usize) -> Result<(), EngineError> {
        let p = &mut self.projs[proj];
        if p.body.level_modulator().is_none() {
            return Err(EngineError::BadModulator {
                modulator: self.mods[m].name.clone(),
                reason: format!("the parameters of synapse model {} of projection {} depend on no modulator", p.body.info().name, p.name),
            });
        }
        p.level = Some((m, 0.0));
        Ok(())
    }

    /// Makes the parameters of population `pop`'s field follow the level of
    /// modulator `m`, sampled at every slow tick.
    pub fn bind_field_modulator(&mut self, pop: usize, m: usize) -> Result<(), EngineError> {
        let slot = &mut self.pops[pop];
        let Some(field) = slot.field.as_ref() else {
            return Err(EngineError::BadModulator { modulator: self.mods[m].name.clone(), reason: format!("population {} has no field", slot.name) });
        };
        if field.level_modulator().is_none() {
            return Err(EngineError::BadModulator {
                modulator: self.mods[m].name.clone(),
                reason: format!("the parameters of field model {} of population {} depend on no modulator", field.info().name, slot.name),
            });
        }
        slot.field_level = Some(m);
        Ok(())
    }

    /// The level history of modulator `m`.
    pub fn modulator(&self, m: usize) -> &engram_core::modulator::ModulatorTrace {
        &self.mods[m].trace
    }

    /// Label and modulator name (`dopamine`) of modulator field `m`.
    pub fn modulator_names(&self, m: usize) -> (&str, &str) {
        (&self.mods[m].name, &self.mods[m].modulator)
    }

    /// The modulator whose level sets the parameters of projection `proj`, if bound.
    pub fn level_binding(&self, proj: usize) -> Option<usize> {
        self.projs[proj].level.map(|l| l.0)
    }

    /// The modulator whose level sets the parameters of population `pop`'s field, if bound.
    pub fn field_level_binding(&self, pop: usize) -> Option<usize> {
        self.pops[pop].field_level
    }

    /// Number of modulator fields.
    pub fn n_modulators(&self) -> usize {
        self.mods.len()
    }

    /// Heap bytes held by all synapses (arrays, per-synapse state, spike archives).
    pub fn synapse_bytes(&self) -> usize {
        self.projs.iter().map(|p| p.body.heap_bytes()).sum()
    }

    /// Bytes held by the modulator fields (their archives and schedules).
    pub fn modulator_bytes(&self) -> usize {
        self.mods
            .iter()
            .map(|m| {
                std::mem::size_of::<ModSlot>()
                    + m.trace.heap_bytes()
                    + m.timed.capacity() * std::mem::size_of::<(Step, f64)>()
                    + m.pending.len() * 2 * std::mem::size_of::<(Step, f64)>()
                    + m.sources.iter().map(|s| std::mem::size_of::<SpikeRelease>() + s.mask.as_ref().map_or(0, Vec::capacity)).sum::<usize>()
                    + m.contingencies.capacity() * std::mem::size_of::<Contingency>()
            })
            .sum()
    }

    /// Adds a stimulus.
    pub fn add_stimulus(&mut self, s: Stimulus) {
        self.stimuli.add(s, self.dt.ms());
    }

    /// Adds a Poisson synaptic input ([`PoissonInput`]). Its weight is read as a
    /// projection's onto the same population: the sign picks the port on
    /// current- and voltage-based targets, `receptor` on conductance-based ones
    /// (where the weight must be >= 0).
    pub fn add_poisson_input(&mut self, p: PoissonInput) -> Result<(), EngineError> {
        let slot = &self.pops[p.pop];
        let bad = |reason: String| Err(EngineError::BadStimulus { population: slot.name.clone(), reason });
        let kind = slot.body.input_kind();
        let lambda = p.rate_hz * self.dt.ms() * 1e-3;
        if kind == InputKind::None {
            return bad("a spike source ignores synaptic input".into());
        }
        if !(0.0..=MAX_POISSON_EVENTS_PER_STEP).contains(&lambda) {
            return bad(format!("rate·dt = {lambda} events per step is outside [0, {MAX_POISSON_EVENTS_PER_STEP}]"));
        }
        if !p.weight.is_finite() {
            return bad(format!("weight {} is not finite", p.weight));
        }
        if let Some(&n) = p.neurons.iter().find(|&&n| n as usize >= slot.body.size()) {
            return bad(format!("neuron index {n} is outside the population (size {})", slot.body.size()));
        }
        if kind == InputKind::Conductance && p.weight < 0.0 {
            return bad(format!("conductance weights must be >= 0 nS (got {}); use the inhibitory receptor for inhibition", p.weight));
        }
        // As for projections: current- and voltage-based neurons route by sign.
        let receptor = if matches!(kind, InputKind::Current | InputKind::Voltage) && p.receptor == Receptor::Excitatory {
            Receptor::BySign
        } else {
            p.receptor
        };
        let size = slot.body.size();
        self.stimuli.poisson_input.push(PoissonInputRun::new(p, receptor, size, self.dt.ms()));
        Ok(())
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

    /// Sizes the ring buffers and checks that every modulated projection has its
    /// modulator; called automatically by [`Simulation::run_until`].
    fn finalize(&mut self) -> Result<(), EngineError> {
        if self.finalized {
            return Ok(());
        }
        if let Some(p) = self.projs.iter().find(|p| p.modulator.is_none() && p.body.modulator().is_some()) {
            return Err(EngineError::UnboundModulator {
                projection: p.name.clone(),
                modulator: p.body.modulator().unwrap_or_default().to_string(),
            });
        }
        for (i, pop) in self.pops.iter_mut().enumerate() {
            let max_delay = self.projs.iter().filter(|p| p.post == i).map(|p| p.body.max_delay()).max().unwrap_or(1);
            pop.body.resize_input(max_delay as usize + 1);
        }
        self.finalized = true;
        Ok(())
    }

    /// Advances to stamp `end`, calling `progress(now)` about every 1 % of the way.
    pub fn run_until(&mut self, end: Step, progress: &mut (dyn FnMut(Step) + Send)) -> Result<(), EngineError> {
        self.finalize()?;
        if self.now == 0 {
            for m in self.mods.iter_mut() {
                m.apply_due(0);
            }
            self.slow_tick(0);
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
            if self.fast_forward && self.now == self.last_slow && self.try_fast_forward(end) {
                if self.now % report_every < self.slow.every {
                    progress(self.now);
                }
                continue;
            }
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
                Target::Projection(i) => {
                    let slot = &mut self.projs[i];
                    let res = slot.body.set_values(c.values.clone());
                    // A level-modulated model keeps the level sampled at the last tick.
                    if let (Ok(()), Some((_, level))) = (&res, slot.level) {
                        slot.body.set_level(level);
                    }
                    res.map_err(|source| EngineError::Params { context: format!("projection {}", slot.name), source })
                }
                Target::Modulator(m) => {
                    // Readers integrate one tonic level per interval: bring them to the change.
                    for proj in self.projs.iter_mut().filter(|p| p.modulator == Some(m)) {
                        proj.body.catch_up(s, &self.mods[m].trace, parallel);
                    }
                    let slot = &mut self.mods[m];
                    slot.trace.set_tonic(c.values.get("tonic"));
                    slot.gain = c.values.get("release_gain");
                    Ok(())
                }
                Target::Field(i) => match self.pops[i].field.as_mut() {
                    Some(f) => f
                        .set_values(c.values.clone())
                        .map_err(|source| EngineError::Params { context: format!("population {} proteins", self.pops[i].name), source }),
                    None => Ok(()),
                },
            };
            res?;
            self.change_cursor += 1;
        }
        // With threads, one parallel region for every chunk of every population
        // (a fork-join costs as much as a small population's update), which
        // also adds the chunk's Poisson input.
        let par_update = parallel && self.pops.iter().map(|p| p.chunk_spikes.len()).sum::<usize>() > 1;
        // 2. Stimuli.
        self.apply_stimuli(s, par_update);
        // 3. Neurons.
        if par_update {
            let runs = &self.stimuli.poisson_input;
            // Runs in list order, as `apply_stimuli` would add them.
            let before: Vec<_> = (0..self.pops.len())
                .map(|i| {
                    move |c: usize, exc: &mut [f64], inh: &mut [f64], slots: usize| {
                        for run in runs.iter().filter(|r| r.pop == i && r.live) {
                            run.apply_chunk(s, c, exc, inh, slots);
                        }
                    }
                })
                .collect();
            rayon::scope(|scope| {
                for (pop, before) in self.pops.iter_mut().zip(&before) {
                    pop.body.spawn_update(scope, s, &mut pop.chunk_spikes, before);
                }
            });
            for pop in self.pops.iter_mut() {
                pop.body.finish_update(&pop.imposed, &pop.chunk_spikes, &mut pop.spikes);
            }
        } else {
            for pop in self.pops.iter_mut() {
                pop.body.update(s, &pop.imposed, &mut pop.spikes);
            }
        }
        for pop in self.pops.iter_mut() {
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
        // 4a. Modulator releases with stamp s + 1.
        for m in self.mods.iter_mut() {
            for src in &m.sources {
                let spikes = &self.pops[src.pop].spikes;
                let n = match &src.mask {
                    None => spikes.len(),
                    Some(mask) => spikes.iter().filter(|&&j| mask[j as usize]).count(),
                };
                if n > 0 {
                    *m.pending.entry(s + 1 + src.delay).or_insert(0.0) += n as f64 * src.amount;
                }
            }
            for c in m.contingencies.iter_mut() {
                if let Some(at) = c.check(s + 1, &self.pops[c.pre].spikes, &self.pops[c.post].spikes) {
                    *m.pending.entry(at).or_insert(0.0) += c.amount;
                }
            }
            m.apply_due(s + 1);
        }
        // 4b. Fast synaptic dynamics (models that read the postsynaptic potential).
        for proj in self.projs.iter_mut().filter(|p| p.body.wants_fast()) {
            let (mask, v, awake) = &mut proj.fast;
            let any_awake = self.pops[proj.post].body.potential_and_awake(v, awake).unwrap_or(false);
            let pre_spikes = &self.pops[proj.pre].spikes;
            if !any_awake && pre_spikes.is_empty() {
                continue;
            }
            for &j in pre_spikes {
                mask[j as usize] = true;
            }
            proj.body.step_fast(s, dt.ms(), mask, v, awake);
            for &j in pre_spikes {
                mask[j as usize] = false;
            }
        }
        // 5. Delivery and plasticity.
        let mut events = 0;
        for proj in &self.projs {
            let n_pre = self.pops[proj.pre].body.size().max(1) as u64;
            events += self.pops[proj.pre].spikes.len() as u64 * proj.body.len() as u64 / n_pre;
        }
        // Below `PAR_MIN_EVENTS` a parallel region costs more than it saves.
        if parallel && events >= self.par_min_events {
            self.deliver_parallel(s);
        } else {
            self.deliver_serial(s);
        }
        self.stats.synaptic_events += events;
        // 6. Slow clock.
        if self.slow.ticks_after(s) {
            self.slow_tick(s + 1);
        }
        // 7. Probes.
        self.sample(s + 1);
        // 8. Guards.
        self.stats.steps += 1;
        if (s + 1) % self.guards.window == 0 {
            self.check_guards(s + 1)?;
        }
        Ok(())
    }

    /// Step 5, one projection after another.
    fn deliver_serial(&mut self, s: Step) {
        let dt_ms = self.dt.ms();
        for proj in self.projs.iter_mut() {
            let (pre, post) = (proj.pre, proj.post);
            if self.pops[pre].spikes.is_empty() {
                continue;
            }
            // Split borrows: spikes of `pre`, input buffer of `post`.
            let spikes = std::mem::take(&mut self.pops[pre].spikes);
            let modulator = proj.modulator.map(|m| &self.mods[m].trace);
            proj.body.deliver(s, &spikes, self.pops[post].body.input(), dt_ms, modulator);
            self.pops[pre].spikes = spikes;
        }
    }

    /// Step 5 in one parallel region, one task per postsynaptic (population,
    /// shard): each runs, in projection order, every projection's delivery
    /// into that shard, so each ring-buffer entry receives its additions in
    /// the order of [`Simulation::deliver_serial`] and the sums are bit-identical.
    fn deliver_parallel(&mut self, s: Step) {
        let dt_ms = self.dt.ms();
        let mut spikes: Vec<&[u32]> = Vec::with_capacity(self.pops.len());
        let mut inputs: Vec<&mut InputBuffer> = Vec::with_capacity(self.pops.len());
        for pop in self.pops.iter_mut() {
            spikes.push(&pop.spikes);
            inputs.push(pop.body.input());
        }
        // tasks[post population][shard], in projection order.
        let mut tasks: Vec<Vec<Vec<ShardTask>>> =
            inputs.iter().map(|inp| (0..inp.current.len().div_ceil(CHUNK).max(1)).map(|_| vec![]).collect()).collect();
        for proj in self.projs.iter_mut() {
            let pre = spikes[proj.pre];
            if !pre.is_empty() {
                let modulator = proj.modulator.map(|m| &self.mods[m].trace);
                proj.body.deliver_tasks(s, pre, dt_ms, modulator, &mut tasks[proj.post]);
            }
        }
        rayon::scope(|scope| {
            for (inp, pop_tasks) in inputs.into_iter().zip(tasks) {
                let slots = inp.slots;
                let blocks = inp.exc.chunks_mut(CHUNK * slots).zip(inp.inh.chunks_mut(CHUNK * slots));
                for ((exc, inh), shard_tasks) in blocks.zip(pop_tasks) {
                    if !shard_tasks.is_empty() {
                        scope.spawn(move |_| {
                            for task in shard_tasks {
                                task(exc, inh, slots);
                            }
                        });
                    }
                }
            }
        });
        for proj in self.projs.iter_mut() {
            let pre = &self.pops[proj.pre].spikes;
            if !pre.is_empty() {
                proj.body.finish_deliver(s, pre, dt_ms);
            }
        }
    }

    /// Step 2; `defer_poisson_input`: Poisson input into populations that are
    /// updated by chunk is only readied here (added by the update tasks).
    fn apply_stimuli(&mut self, s: Step, defer_poisson_input: bool) {
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
        for run in st.poisson.iter_mut() {
            if run.p_spike > 0.0 && run.active(s) {
                let imposed = &mut self.pops[run.pop].imposed;
                run.fire(s, imposed);
            }
        }
        if !st.poisson.is_empty() {
            for pop in self.pops.iter_mut() {
                pop.imposed.sort_unstable();
                pop.imposed.dedup();
            }
        }
        let reset = st.current_changes.get(st.current_cursor) == Some(&s);
        if reset {
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
        for run in st.noise.iter_mut() {
            let cur = &mut self.pops[run.pop].body.input().current;
            run.apply(s, cur, reset);
        }
        for run in st.poisson_input.iter_mut() {
            let pop = &mut self.pops[run.pop];
            if defer_poisson_input && !pop.chunk_spikes.is_empty() {
                run.begin_step(s);
            } else {
                run.apply(s, pop.body.input());
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
                ProbeKind::SynapseMean { proj, var } => {
                    if stamp % probe.every == 0 {
                        probe.stamps.push(stamp);
                        probe.values.push(self.projs[*proj].body.syn_mean(*var));
                    }
                }
                ProbeKind::Modulator { m } => {
                    if stamp % probe.every == 0 {
                        probe.stamps.push(stamp);
                        probe.values.push(self.mods[*m].trace.level(stamp));
                    }
                }
                ProbeKind::FieldMean { pop, var } => {
                    if stamp % probe.every == 0 {
                        probe.stamps.push(stamp);
                        probe.values.push(self.pops[*pop].field.as_ref().map_or(f64::NAN, |f| f.mean(*var)));
                    }
                }
            }
        }
    }

    /// The slow clock at stamp `now`: see the module docs.
    fn slow_tick(&mut self, now: Step) {
        self.catch_up_modulated(now);
        let has_slow = self.projs.iter().any(|p| p.body.is_slow());
        if !has_slow {
            self.last_slow = now;
            self.sample_levels(now);
            return;
        }
        let dt_ms = self.dt.to_ms(now - self.last_slow);
        let t0_ms = self.dt.to_ms(self.last_slow);
        for pop in self.pops.iter_mut() {
            if let Some(f) = pop.field.as_mut() {
                f.levels(&mut pop.levels);
                if dt_ms > 0.0 {
                    f.advance(&pop.drive, dt_ms, &mut pop.integrals);
                } else {
                    pop.integrals.iter_mut().for_each(|i| *i = [0.0; 2]);
                }
            }
        }
        if dt_ms > 0.0 {
            for proj in self.projs.iter_mut().filter(|p| p.body.is_slow()) {
                let post = &self.pops[proj.post];
                proj.body.slow_apply(t0_ms, dt_ms, &post.levels, &post.integrals);
            }
        }
        for pop in self.pops.iter_mut() {
            pop.drive_next.iter_mut().for_each(|d| *d = [0.0; 2]);
        }
        let now_ms = self.dt.to_ms(now);
        for proj in self.projs.iter_mut().filter(|p| p.body.is_slow()) {
            proj.body.slow_drive(now_ms, &mut self.pops[proj.post].drive_next);
        }
        for pop in self.pops.iter_mut() {
            std::mem::swap(&mut pop.drive, &mut pop.drive_next);
        }
        self.last_slow = now;
        self.sample_levels(now);
    }

    /// Sets the parameters of level-modulated projections and fields at the
    /// levels of their modulators at `now`; they hold until the next slow tick.
    fn sample_levels(&mut self, now: Step) {
        for proj in self.projs.iter_mut() {
            if let Some((m, level)) = proj.level.as_mut() {
                *level = self.mods[*m].trace.level(now);
                proj.body.set_level(*level);
            }
        }
        for pop in self.pops.iter_mut() {
            if let (Some(m), Some(f)) = (pop.field_level, pop.field.as_mut()) {
                f.set_level(self.mods[m].trace.level(now));
            }
        }
    }

    /// Brings every modulated synapse to `now`, then lets the modulator archives
    /// forget the releases before it.
    fn catch_up_modulated(&mut self, now: Step) {
        let parallel = self.threads > 1;
        for proj in self.projs.iter_mut() {
            if let Some(m) = proj.modulator {
                proj.body.catch_up(now, &self.mods[m].trace, parallel);
            }
        }
        for m in self.mods.iter_mut() {
            m.trace.forget_before(now);
        }
    }

    /// The next stamp after `now` at which a probe samples (spike probes excluded).
    fn next_sample(&self, now: Step) -> Step {
        self.probes
            .iter()
            .filter(|p| !matches!(p.kind, ProbeKind::Spikes { .. }))
            .map(|p| (now / p.every + 1) * p.every)
            .min()
            .unwrap_or(Step::MAX)
    }

    /// ms until some population's protein synthesis switches, given quiet decay; ∞ if not before `horizon_ms`.
    fn synthesis_switch_ms(&self, horizon_ms: f64) -> f64 {
        let mut best = f64::INFINITY;
        let now = self.now;
        for (i, pop) in self.pops.iter().enumerate() {
            let Some(field) = pop.field.as_ref() else { continue };
            let n = pop.body.size();
            let drive_at = |t: f64| {
                let mut d = vec![[0.0; 2]; n];
                for proj in self.projs.iter().filter(|p| p.post == i && p.body.is_slow()) {
                    proj.body.quiet_drive(t, &mut d);
                }
                // A modulated threshold moves with the (closed-form) level.
                match pop.field_level {
                    Some(m) => field.synthesis_at(&d, self.mods[m].trace.level(now + (t / self.dt.ms()).floor() as Step)),
                    None => field.synthesis(&d),
                }
            };
            let now_flags = field.synthesis(&pop.drive);
            if drive_at(horizon_ms) == now_flags {
                continue;
            }
            let (mut lo, mut hi) = (0.0, horizon_ms);
            for _ in 0..60 {
                let mid = 0.5 * (lo + hi);
                if drive_at(mid) == now_flags {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            best = best.min(hi);
        }
        best
    }

    /// Jumps through a quiet stretch (see the module docs). Returns whether it moved.
    fn try_fast_forward(&mut self, end: Step) -> bool {
        let now = self.now;
        if !self.pops.iter().all(|p| p.body.quiescent()) {
            return false;
        }
        let mut limit = end.min(self.next_sample(now));
        if let Some(s) = self.stimuli.next_activity(now) {
            limit = limit.min(s);
        }
        if let Some(c) = self.changes.get(self.change_cursor) {
            limit = limit.min(c.at);
        }
        if let Some(r) = self.mods.iter().filter_map(ModSlot::next_release_step).min() {
            limit = limit.min(r);
        }
        if limit <= now + self.slow.every {
            return false;
        }
        let t_ms = self.dt.to_ms(now);
        let switch = self.projs.iter().filter(|p| p.body.is_slow()).map(|p| p.body.next_switch_ms(t_ms)).fold(f64::INFINITY, f64::min);
        if switch <= 0.0 {
            return false;
        }
        let horizon_ms = self.dt.to_ms(limit - now);
        let jump_ms = switch.min(self.synthesis_switch_ms(horizon_ms)).min(horizon_ms);
        let n = ((jump_ms / self.dt.ms()).floor() as Step).clamp(1, limit - now);
        for pop in self.pops.iter_mut() {
            pop.body.fast_forward(n, self.dt);
            pop.spikes.clear();
        }
        self.now = now + n;
        self.stats.fast_forward_steps += n;
        self.stats.steps += n;
        self.slow_tick(self.now);
        self.sample(self.now);
        true
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
