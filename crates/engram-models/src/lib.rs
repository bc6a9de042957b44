//! # engram-models: the model catalogue
//!
//! One file per model. Each file's header documents the equations, the
//! parameters with units and defaults, and the references; the same facts live
//! in the model's [`engram_core::params::ModelInfo`], which validates protocol
//! parameters and is what `engram describe MODEL` prints.
//!
//! Neuron models: [`neuron::lif_psc_exp`], [`neuron::lif_cond_exp`],
//! [`neuron::adex`], [`neuron::spike_source`].
//! Synapse models: [`synapse::static_synapse`], [`synapse::stdp_pair`] (four
//! pairing schemes).
#![warn(missing_docs)]

pub mod catalogue;
pub mod drugs;
pub mod math;
pub mod neuron;
pub mod proteins;
pub mod synapse;
