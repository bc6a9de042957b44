//! Probes: what the engine samples during a run, for recorders to turn into tables.
//!
//! Samples are taken at the end of a step, i.e. at stamp `s + 1`, when
//! `(s + 1) % every == 0`, and once at stamp 0 before the first step.

use engram_core::time::Step;

/// What to sample.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeKind {
    /// Every spike of a population: (stamp, neuron).
    Spikes {
        /// Population index.
        pop: usize,
    },
    /// A state variable of some neurons.
    State {
        /// Population index.
        pop: usize,
        /// Variable index in the model's state variables.
        var: usize,
        /// Neurons to sample.
        neurons: Vec<u32>,
    },
    /// The mean weight of a projection.
    MeanWeight {
        /// Projection index.
        proj: usize,
    },
    /// The mean of a per-synapse variable of a projection (early weight, tags...).
    SynapseMean {
        /// Projection index.
        proj: usize,
        /// Variable index in the synapse model's `SYN_VARS`.
        var: usize,
    },
    /// The level (tonic + phasic) of a modulator field.
    Modulator {
        /// Modulator index.
        m: usize,
    },
    /// The mean of a population's field variable (protein level).
    FieldMean {
        /// Population index.
        pop: usize,
        /// Variable index in the field model's state variables.
        var: usize,
    },
}

/// A probe and its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// What is sampled.
    pub kind: ProbeKind,
    /// Sampling period in steps (ignored for spikes).
    pub every: Step,
    /// Sample stamps (state and weight probes) or spike stamps.
    pub stamps: Vec<Step>,
    /// Samples: one value per (stamp, neuron) for state, one per stamp for weights,
    /// unused for spikes.
    pub values: Vec<f64>,
    /// Spiking neuron per spike (spike probes only).
    pub neurons: Vec<u32>,
}

impl Probe {
    /// A new, empty probe.
    pub fn new(kind: ProbeKind, every: Step) -> Self {
        Self { kind, every: every.max(1), stamps: vec![], values: vec![], neurons: vec![] }
    }
}
