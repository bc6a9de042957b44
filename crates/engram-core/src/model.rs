//! The traits a model implements.
//!
//! Every model shows the same anatomy (see ARCHITECTURE.md):
//! - `Params`: validated, built from [`ParamValues`] in canonical units;
//! - `Derived`: constants precomputed from params and `dt` (propagators);
//! - `State`: plain per-neuron or per-synapse data, `Copy`, checkpointable;
//! - buffers (input ring buffers, spike archives) are owned by the engine.
//!
//! Kernels are associated functions taking `(&Params, &Derived, &mut State, ctx)`;
//! the engine stores states contiguously and calls them in tight generic loops,
//! with one dynamic dispatch per population or projection, never per element.

use std::fmt::Debug;

use crate::history::PostHistory;
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
    /// Puts the neuron in its post-spike state (for imposed spikes).
    fn impose_spike(p: &Self::Params, d: &Self::Derived, s: &mut Self::State);
    /// Reads state variable number `var` (an index into `INFO.state_vars`).
    fn read(p: &Self::Params, s: &Self::State, var: usize) -> f64;
    /// Whether the model spikes only when imposed (sources): lets the engine skip updates.
    fn is_source() -> bool {
        false
    }
}

/// Context for a presynaptic spike, given to [`SynapseModel::on_pre`].
#[derive(Debug)]
pub struct PreSpike<'a> {
    /// Stamp of the presynaptic spike (steps).
    pub stamp: Step,
    /// Synaptic delay in steps (treated as dendritic, as in NEST).
    pub delay: Step,
    /// The step in ms.
    pub dt_ms: f64,
    /// The postsynaptic spike archive of the target neuron (if the rule asked for one).
    pub post: &'a mut PostHistory,
}

/// A synapse model: transmission plus optional plasticity.
pub trait SynapseModel: Send + Sync + 'static {
    /// Validated parameters, shared by all synapses of a projection.
    type Params: Clone + Debug + Send + Sync;
    /// Per-synapse plastic state (besides the weight).
    type Syn: Copy + Debug + Default + Send + Sync;

    /// Catalogue metadata.
    const INFO: ModelInfo;

    /// Builds typed params.
    fn params(v: &ParamValues) -> Result<Self::Params, CoreError>;
    /// The postsynaptic trace time constant (ms) if the rule reads a spike archive.
    fn post_tau_ms(p: &Self::Params) -> Option<f64>;
    /// Checks an initial weight and returns the initial per-synapse state.
    fn init(p: &Self::Params, weight: f64) -> Result<Self::Syn, CoreError>;
    /// Called when the presynaptic neuron fires, before transmission: may change
    /// the weight, which is then transmitted.
    fn on_pre(p: &Self::Params, syn: &mut Self::Syn, weight: &mut f64, cx: &mut PreSpike<'_>);
}
