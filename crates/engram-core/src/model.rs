//! The traits a model implements.
//!
//! Every model shows the same anatomy (see ARCHITECTURE.md):
//! - `Params`: validated, built from [`ParamValues`] in canonical units;
//! - `Derived`: constants precomputed from params and `dt` (propagators;
//!   synapse models keep theirs, such as decay tables, in their params,
//!   filled by [`SynapseModel::derive`]);
//! - `State`: plain per-neuron or per-synapse data, `Copy`, checkpointable;
//! - synapse models may also keep presynaptic state once per *row* (per
//!   projection and presynaptic neuron: [`SynapseModel::Row`]) instead of per
//!   synapse, for the parts of their state that depend only on the presynaptic
//!   spike train;
//! - buffers (input ring buffers, spike archives) are owned by the engine.
//!
//! Kernels are associated functions taking `(&Params, &Derived, &mut State, ctx)`;
//! the engine stores states contiguously and calls them in tight generic loops,
//! with one dynamic dispatch per population or projection, never per element.

use std::fmt::Debug;

use crate::history::PostHistory;
use crate::modulator::ModulatorTrace;
use crate::params::{ModelInfo, ParamValues};
use crate::time::{Dt, Step};
use crate::CoreError;

/// What the weights of incoming synapses mean to a neuron model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// Current jumps in pA; the sign picks the excitatory or inhibitory port (NEST convention).
    Current,
    /// Conductance jumps in nS; the projection's receptor picks the port.
    Conductance,
    /// Membrane potential jumps in mV (delta synapses); the sign picks the port.
    Voltage,
    /// The model ignores synaptic input (spike sources).
    None,
}

/// Input to one neuron for one step.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StepInput {
    /// Summed excitatory weights arriving this step (pA or nS).
    pub exc: f64,
    /// Summed inhibitory weights arriving this step (pA, negative, or nS, positive).
    pub inh: f64,
    /// Injected current during this step, in pA (stimulus current steps).
    pub current: f64,
}

/// A point-neuron model (or spike source).
pub trait NeuronModel: Send + Sync + 'static {
    /// Validated parameters.
    type Params: Clone + Debug + Send + Sync;
    /// Constants derived from params and dt.
    type Derived: Clone + Debug + Send + Sync;
    /// Per-neuron state.
    type State: Copy + Debug + Send + Sync;

    /// Catalogue metadata (parameters, equations, references).
    const INFO: ModelInfo;
    /// How synaptic weights are interpreted.
    const INPUT: InputKind;

    /// Builds typed params; checks constraints between parameters.
    fn params(v: &ParamValues) -> Result<Self::Params, CoreError>;
    /// Precomputes propagators for step `dt`.
    fn derive(p: &Self::Params, dt: Dt) -> Self::Derived;
    /// The initial state.
    fn init(p: &Self::Params) -> Self::State;
    /// Advances one step. Input arriving this step is applied according to the
    /// model's documented order. Returns whether the neuron spiked.
    fn update(p: &Self::Params, d: &Self::Derived, s: &mut Self::State, input: &StepInput) -> bool;
    /// Advances a block of neurons one step: neuron `i` gets input `exc[i]`,
    /// `inh[i]`, `current[i]`; the consumed `exc` and `inh` entries are zeroed and
    /// `base + i` of every neuron that spiked is pushed to `spikes` in ascending
    /// order. Models may override it with a batched form of [`Self::update`]
    /// (for instruction-level parallelism); it must give bit-identical results.
    #[allow(clippy::too_many_arguments)]
    fn update_block(
        p: &Self::Params,
        d: &Self::Derived,
        states: &mut [Self::State],
        exc: &mut [f64],
        inh: &mut [f64],
        current: &[f64],
        base: u32,
        spikes: &mut Vec<u32>,
    ) {
        for (i, s) in states.iter_mut().enumerate() {
            let input = StepInput { exc: exc[i], inh: inh[i], current: current[i] };
            exc[i] = 0.0;
            inh[i] = 0.0;
            if Self::update(p, d, s, &input) {
                spikes.push(base + i as u32);
            }
        }
    }
    /// Puts the neuron in its post-spike state (for imposed spikes).
    fn impose_spike(p: &Self::Params, d: &Self::Derived, s: &mut Self::State);
    /// Reads state variable number `var` (an index into `INFO.state_vars`).
    fn read(p: &Self::Params, s: &Self::State, var: usize) -> f64;
    /// Whether the model spikes only when imposed (sources): lets the engine skip updates.
    fn is_source() -> bool {
        false
    }
    /// Whether, without input, the neuron is certain to stay silent (allows fast-forwarding).
    fn is_quiescent(_p: &Self::Params, _d: &Self::Derived, _s: &Self::State) -> bool {
        false
    }
    /// Advances `n` steps without input. Only called when quiescent; models
    /// override it with their closed form.
    fn fast_forward(p: &Self::Params, d: &Self::Derived, s: &mut Self::State, n: u64, _dt: Dt) {
        for _ in 0..n {
            Self::update(p, d, s, &StepInput::default());
        }
    }
}

/// Context for a presynaptic spike, given to [`SynapseModel::on_pre`].
/// `R` is the model's [`SynapseModel::Row`] (`()` for most models).
#[derive(Debug)]
pub struct PreSpike<'a, R = ()> {
    /// Stamp of the presynaptic spike (steps).
    pub stamp: Step,
    /// Synaptic delay in steps (treated as dendritic, as in NEST).
    pub delay: Step,
    /// The step in ms.
    pub dt_ms: f64,
    /// The postsynaptic spike archive of the target neuron (if the rule asked for one).
    pub post: &'a mut PostHistory,
    /// The presynaptic row state as it was *before* this spike: every synapse
    /// of the row sees the same value; [`SynapseModel::on_pre_row`] advances it
    /// once after the whole row has been delivered.
    pub row: &'a R,
}

/// Context for bringing a modulated synapse to the present, given to
/// [`SynapseModel::catch_up`] (no spike happens at `stamp`).
#[derive(Debug)]
pub struct CatchUp<'a> {
    /// The stamp the synapse is brought to (steps).
    pub stamp: Step,
    /// Synaptic delay in steps (dendritic).
    pub delay: Step,
    /// The step in ms.
    pub dt_ms: f64,
    /// The postsynaptic spike archive of the target neuron (if the rule asked for one).
    pub post: &'a mut PostHistory,
}

/// Context for a postsynaptic spike, given to [`SynapseModel::on_post`].
#[derive(Debug, Clone, Copy)]
pub struct PostSpike {
    /// Stamp of the postsynaptic spike (steps).
    pub stamp: Step,
    /// The step in ms.
    pub dt_ms: f64,
}

/// Context for one step of fast synaptic dynamics, given to [`SynapseModel::step_fast`].
#[derive(Debug, Clone, Copy)]
pub struct FastStep {
    /// The step being taken (from `step·dt` to `(step + 1)·dt`); also the counter
    /// for per-synapse random draws, so draws do not depend on how often the
    /// synapse was called before.
    pub step: Step,
    /// The step in ms.
    pub dt_ms: f64,
    /// Membrane potential of the postsynaptic neuron after its update in this step [mV].
    pub v_post: f64,
    /// Whether the presynaptic neuron spiked in this step (stamp `step + 1`).
    pub pre_spiked: bool,
}

/// Context for the slow clock, given to [`SynapseModel::slow_apply`].
#[derive(Debug, Clone, Copy)]
pub struct SlowTick {
    /// Start of the interval [ms].
    pub t0_ms: f64,
    /// Length of the interval [ms].
    pub dt_ms: f64,
    /// Protein levels of the postsynaptic neuron at the start (LTP-related, LTD-related).
    pub protein: [f64; 2],
    /// Integrals of the protein levels over the interval [level·ms].
    pub protein_integral: [f64; 2],
}

/// A neuron-wide slow field: plasticity-related protein pools shared by all
/// synapses onto one neuron. The population owns its state; synapse models
/// drive it through [`SynapseModel::slow_drive`] and read it in
/// [`SynapseModel::slow_apply`].
pub trait FieldModel: Send + Sync + 'static {
    /// Validated parameters.
    type Params: Clone + Debug + Send + Sync;
    /// Per-neuron state.
    type State: Copy + Debug + Default + Send + Sync;
    /// Catalogue metadata.
    const INFO: ModelInfo;
    /// Builds typed params.
    fn params(v: &ParamValues) -> Result<Self::Params, CoreError>;
    /// Advances over `dt_ms` with the summed drive (LTP, LTD) of the neuron's
    /// synapses held constant; returns the integrals of the two levels over the interval.
    fn advance(p: &Self::Params, s: &mut Self::State, drive: [f64; 2], dt_ms: f64) -> [f64; 2];
    /// The current levels (LTP-related, LTD-related).
    fn levels(p: &Self::Params, s: &Self::State) -> [f64; 2];
    /// Whether synthesis of each pool is on for this drive.
    fn synthesis(p: &Self::Params, drive: [f64; 2]) -> [bool; 2];
    /// Reads state variable `var`.
    fn read(p: &Self::Params, s: &Self::State, var: usize) -> f64;

    /// The neuromodulator whose level may change this field's parameters
    /// (`Some("dopamine")` for a modulated protein-synthesis threshold), or
    /// `None`. The binding is optional: a protocol binds it by naming a
    /// modulator of the population's region; unbound, the parameters are the
    /// protocol's. See [`SynapseModel::LEVEL_MODULATOR`] for the sampling.
    const LEVEL_MODULATOR: Option<&'static str> = None;
    /// The parameters in effect at modulator level `level` (tonic + phasic).
    /// Must return `p` unchanged when the model's modulation gains are 0.
    fn at_level(p: &Self::Params, _level: f64) -> Self::Params {
        p.clone()
    }
}

/// A synapse model: transmission plus optional plasticity.
pub trait SynapseModel: Send + Sync + 'static {
    /// Validated parameters, shared by all synapses of a projection.
    type Params: Clone + Debug + Send + Sync;
    /// Per-synapse plastic state (besides the weight).
    type Syn: Copy + Debug + Default + Send + Sync;
    /// Presynaptic state kept once per row, i.e. per projection and presynaptic
    /// neuron, owned by the engine (`()` for models without any). For state that
    /// depends only on the presynaptic spike train, such as the presynaptic
    /// trace `K+` and the stamp of the last presynaptic spike of NEST's
    /// `stdp_synapse`, which NEST keeps per synapse: storing it per row gives
    /// the same numbers for a fraction of the memory, and its decay is computed
    /// once per presynaptic spike instead of once per synapse. Synapses read it
    /// in [`SynapseModel::on_pre`] (`cx.row`, the state before the spike);
    /// [`SynapseModel::on_pre_row`] then advances it. Modulated rules
    /// ([`SynapseModel::MODULATOR`]) must keep `()`: [`SynapseModel::catch_up`]
    /// does not see the row.
    type Row: Copy + Debug + Default + Send + Sync;

    /// Catalogue metadata.
    const INFO: ModelInfo;

    /// Builds typed params.
    fn params(v: &ParamValues) -> Result<Self::Params, CoreError>;
    /// Fills the constants the params derive from the step `dt` (tables of
    /// decay factors, [`crate::decay::DecayTable`]). The engine calls it on the
    /// params it runs with, after building them and after every change. What it
    /// fills is a cache: the kernels give the same numbers without it.
    fn derive(_p: &mut Self::Params, _dt: Dt) {}
    /// Heap bytes held by the params (what [`SynapseModel::derive`] filled).
    fn params_heap_bytes(_p: &Self::Params) -> usize {
        0
    }
    /// The postsynaptic trace time constant (ms) if the rule reads a spike archive.
    fn post_tau_ms(p: &Self::Params) -> Option<f64>;
    /// Checks an initial weight and returns the initial per-synapse state.
    fn init(p: &Self::Params, weight: f64) -> Result<Self::Syn, CoreError>;
    /// Called when the presynaptic neuron fires, before transmission: may change
    /// the weight, which is then transmitted.
    fn on_pre(p: &Self::Params, syn: &mut Self::Syn, weight: &mut f64, cx: &mut PreSpike<'_, Self::Row>);
    /// Advances the row state for a presynaptic spike with stamp `stamp`, once per
    /// spike and projection, after [`SynapseModel::on_pre`] has run for every
    /// synapse of the row (also for a row without synapses).
    #[inline]
    fn on_pre_row(_p: &Self::Params, _row: &mut Self::Row, _stamp: Step, _dt_ms: f64) {}
    /// The value transmitted for the presynaptic spike that [`SynapseModel::on_pre`]
    /// has just processed (called right after it, with the stored weight). The
    /// default transmits the stored weight; short-term plasticity models return a
    /// scaled amplitude while their stored weight stays the base weight.
    #[inline]
    fn transmitted(_p: &Self::Params, _syn: &Self::Syn, weight: f64) -> f64 {
        weight
    }

    /// Gives a synapse its own noise stream key (called once after `init`).
    fn set_noise_key(_syn: &mut Self::Syn, _key: u64) {}

    /// In quiet conditions, the protein drive (LTP, LTD) this synapse will exert
    /// `after_ms` after its last update (for locating synthesis switches exactly).
    fn quiet_drive(_p: &Self::Params, _syn: &Self::Syn, _after_ms: f64) -> [f64; 2] {
        [0.0, 0.0]
    }

    /// Whether the model never changes the stored weight (static and short-term
    /// plasticity rules). The engine may then store a projection's weights once
    /// when they are all equal; the `weight` passed to the hooks must not be written.
    const WEIGHT_FIXED: bool = false;

    /// Whether [`SynapseModel::on_post`] must be called on postsynaptic spikes.
    const ON_POST: bool = false;
    /// Called for every synapse onto a neuron that spikes (eager postsynaptic rules).
    fn on_post(_p: &Self::Params, _syn: &mut Self::Syn, _weight: &mut f64, _cx: &PostSpike) {}

    /// Whether the model has slow dynamics run on the slow clock.
    const SLOW: bool = false;
    /// Whether the slow dynamics read the postsynaptic neuron's field (protein
    /// pools), which the target population must then have. Slow models that only
    /// advance their own state on the slow clock set it to false.
    const FIELD: bool = true;
    /// Brings the synapse's event-driven state up to `t_ms` (without changing the
    /// slow state) and returns its drive of the neuron's protein synthesis (LTP, LTD).
    fn slow_drive(_p: &Self::Params, _syn: &mut Self::Syn, _weight: &mut f64, _t_ms: f64) -> [f64; 2] {
        [0.0, 0.0]
    }
    /// Advances the slow state (capture, consolidation) over one slow interval.
    fn slow_apply(_p: &Self::Params, _syn: &mut Self::Syn, _weight: &mut f64, _cx: &SlowTick) {}
    /// In quiet conditions (no spikes), the time in ms after `t_ms` at which a slow
    /// switch of this synapse (a tag) flips, or infinity; 0 if the synapse is not
    /// quiet (its fast state is still changing), which forbids fast-forwarding.
    fn next_switch_ms(_p: &Self::Params, _syn: &Self::Syn, _t_ms: f64) -> f64 {
        f64::INFINITY
    }
    /// Whether the engine must call [`SynapseModel::step_fast`] (models whose
    /// plasticity reads the postsynaptic membrane potential continuously).
    const STEP_FAST: bool = false;
    /// Fast synaptic dynamics for one step, called after the neurons have been
    /// updated and before spikes are delivered, for every synapse whose
    /// presynaptic neuron spiked in this step or whose postsynaptic neuron is not
    /// quiescent ([`NeuronModel::is_quiescent`] false). Between two calls the
    /// postsynaptic neuron was quiescent, and the model may take its potential as
    /// constant at the value `cx.v_post` of the next call. Never called during
    /// fast-forward jumps (the network is then quiescent). Cost: O(synapses of
    /// the projections that set [`SynapseModel::STEP_FAST`]) on active steps.
    fn step_fast(_p: &Self::Params, _syn: &mut Self::Syn, _weight: &mut f64, _cx: &FastStep) {}

    /// Fraction of each projection's synapses that start in the model's
    /// alternative initial state ([`SynapseModel::init_alternative`]). The count is
    /// exact, `round(f·n)`, and the synapses are chosen by a shuffle keyed by the
    /// seed and the projection, so the choice does not depend on threads.
    fn init_alternative_fraction(_p: &Self::Params) -> f64 {
        0.0
    }
    /// Puts a synapse chosen by [`SynapseModel::init_alternative_fraction`] in the alternative initial state.
    fn init_alternative(_p: &Self::Params, _syn: &mut Self::Syn, _weight: &mut f64) {}

    /// The neuromodulator this rule reads (`Some("dopamine")` for a three-factor
    /// rule), or `None`. The engine then gives the rule the level of that
    /// modulator in the region of the postsynaptic population (a protocol may
    /// name another modulator), through [`SynapseModel::on_pre_modulated`] and
    /// [`SynapseModel::catch_up`]; the synapse keeps no copy of it.
    const MODULATOR: Option<&'static str> = None;
    /// A presynaptic spike of a modulated rule: called instead of
    /// [`SynapseModel::on_pre`] when [`SynapseModel::MODULATOR`] is set, with the
    /// region's modulator level, releases up to `cx.stamp` included.
    fn on_pre_modulated(
        p: &Self::Params,
        syn: &mut Self::Syn,
        weight: &mut f64,
        cx: &mut PreSpike<'_, Self::Row>,
        _m: &ModulatorTrace,
    ) {
        Self::on_pre(p, syn, weight, cx)
    }
    /// Brings a modulated synapse (weight and traces) to `cx.stamp` in closed
    /// form, as if it had been updated there. Called for every synapse of a
    /// modulated projection at each tick of the slow clock, so that recorders see
    /// current weights and the modulator archive can be shortened.
    fn catch_up(_p: &Self::Params, _syn: &mut Self::Syn, _weight: &mut f64, _cx: &mut CatchUp<'_>, _m: &ModulatorTrace) {}

    /// The neuromodulator whose level may change some of this rule's shared
    /// parameters (`Some("noradrenaline")` for a β-adrenergic threshold), or
    /// `None`. Unlike [`SynapseModel::MODULATOR`] the binding is optional: a
    /// protocol binds it by naming the modulator on the projection; unbound,
    /// the parameters are the protocol's. Bound, the engine samples the level
    /// of the target's region at every tick of the slow clock (after the slow
    /// state has been brought to the tick) and the kernels see
    /// [`SynapseModel::at_level`] of the protocol parameters until the next
    /// tick (sample and hold; an intervention keeps the sampled level). The
    /// synapses keep no copy of the level.
    const LEVEL_MODULATOR: Option<&'static str> = None;
    /// The parameters in effect at modulator level `level` (tonic + phasic).
    /// Must return `p` unchanged when the model's modulation gains are 0.
    fn at_level(p: &Self::Params, _level: f64) -> Self::Params {
        p.clone()
    }

    /// Recordable per-synapse variables (names and units); the first is the weight.
    const SYN_VARS: &'static [crate::params::StateVar] = &[];
    /// Reads per-synapse variable `var` (an index into `SYN_VARS`).
    fn read(_p: &Self::Params, _syn: &Self::Syn, weight: f64, _var: usize) -> f64 {
        weight
    }
}
