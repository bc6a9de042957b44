//! Engine errors: raised while building, or when a run goes numerically wrong.

use engram_core::CoreError;
use thiserror::Error;

/// Errors from building or running a simulation.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum EngineError {
    /// A model rejected its parameters.
    #[error("{context}: {source}")]
    Params {
        /// Where (population or projection name).
        context: String,
        /// Why.
        source: CoreError,
    },
    /// A connection refers to a neuron outside its population.
    #[error("projection {projection}: neuron index {index} is outside population {population} of size {size}")]
    IndexOutOfRange {
        /// Projection name.
        projection: String,
        /// Population name.
        population: String,
        /// The index.
        index: u64,
        /// The population size.
        size: usize,
    },
    /// A connectivity rule that cannot be satisfied (in-degree above the
    /// population size, a probability outside [0, 1], ...).
    #[error("projection {projection}: {reason}")]
    Connectivity {
        /// Projection name.
        projection: String,
        /// Why.
        reason: String,
    },
    /// A delay shorter than one step.
    #[error("projection {projection}: delay must be at least one step (dt = {dt_ms} ms)")]
    DelayTooShort {
        /// Projection name.
        projection: String,
        /// The step.
        dt_ms: f64,
    },
    /// A delay that does not fit the ring buffer.
    #[error("projection {projection}: delay of {steps} steps exceeds the maximum of {max} steps")]
    DelayTooLong {
        /// Projection name.
        projection: String,
        /// The delay in steps.
        steps: u64,
        /// The maximum.
        max: u64,
    },
    /// A weight of the wrong sign for a conductance target.
    #[error("projection {projection}: conductance weights must be >= 0 nS (got {weight}); use receptor = \"inhibitory\" for inhibition")]
    NegativeConductance {
        /// Projection name.
        projection: String,
        /// The weight.
        weight: f64,
    },
    /// A projection into a population that ignores input.
    #[error("projection {projection}: target population {population} is a spike source and ignores synaptic input")]
    TargetIgnoresInput {
        /// Projection name.
        projection: String,
        /// Population name.
        population: String,
    },
    /// A stimulus that its target population cannot take.
    #[error("stimulus on population {population}: {reason}")]
    BadStimulus {
        /// Population name.
        population: String,
        /// Why.
        reason: String,
    },
    /// Unknown state variable requested by a recorder.
    #[error("population {population} (model {model}) has no state variable {var:?}; it has: {known}")]
    UnknownVariable {
        /// Population name.
        population: String,
        /// Model.
        model: String,
        /// The name asked for.
        var: String,
        /// Known names.
        known: String,
    },
    /// A state variable became NaN or infinite.
    #[error("numerical failure at t = {t_ms} ms: {variable} of neuron {neuron} in population {population} is {value}")]
    NonFinite {
        /// Population name.
        population: String,
        /// Neuron index.
        neuron: usize,
        /// Variable name.
        variable: String,
        /// The value.
        value: f64,
        /// Time of detection.
        t_ms: f64,
    },
    /// A synaptic weight became NaN or infinite.
    #[error("numerical failure at t = {t_ms} ms: weight of synapse {synapse} (pre {pre} -> post {post}) in projection {projection} is {value}")]
    NonFiniteWeight {
        /// Projection name.
        projection: String,
        /// Index of the synapse in the projection's build order.
        synapse: usize,
        /// Presynaptic neuron.
        pre: u32,
        /// Postsynaptic neuron.
        post: u32,
        /// The value.
        value: f64,
        /// Time of detection.
        t_ms: f64,
    },
    /// A population fired faster than is physically possible.
    #[error("runaway activity at t = {t_ms} ms: population {population} fired at {rate_hz:.0} Hz on average over the last {window_ms} ms (limit {limit_hz} Hz); check weights and inputs")]
    RunawayRate {
        /// Population name.
        population: String,
        /// Mean rate.
        rate_hz: f64,
        /// Limit.
        limit_hz: f64,
        /// Window.
        window_ms: f64,
        /// Time of detection.
        t_ms: f64,
    },
    /// A modulator field or release is invalid.
    #[error("modulator {modulator}: {reason}")]
    BadModulator {
        /// The modulator's label.
        modulator: String,
        /// Why.
        reason: String,
    },
    /// A projection of a modulated synapse model reads no modulator field.
    #[error("projection {projection}: its synapse model reads the modulator {modulator:?}, but no modulator field was given to it")]
    UnboundModulator {
        /// Projection name.
        projection: String,
        /// The modulator the model reads.
        modulator: String,
    },
    /// The thread pool could not be built.
    #[error("cannot start {threads} threads: {reason}")]
    Threads {
        /// Requested threads.
        threads: usize,
        /// Why.
        reason: String,
    },
}
