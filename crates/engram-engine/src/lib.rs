//! # engram-engine: runs networks of models, knowing only their traits
//!
//! - [`population`]: contiguous neuron state per model, ring buffers for input;
//! - [`projection`]: sparse synapse rows sharded by postsynaptic neuron;
//! - [`connect`]: connectivity rules on keyed random streams;
//! - [`stimulus`]: imposed spikes, Poisson drive, current steps, in steps;
//! - [`field`]: neuron-wide slow fields (protein pools) shared by synapses;
//! - [`modulator`]: neuromodulator fields per region and their releases;
//! - [`probe`]: what is sampled during a run;
//! - [`simulation`]: the builder and the step loop, whose phase order is
//!   documented (and tested) there.
//!
//! The engine never names a model: protocol compilation instantiates
//! `Population<M>` and `Projection<S>` through the catalogue's visitors.
#![warn(missing_docs)]

pub mod connect;
pub mod error;
pub mod field;
pub mod modulator;
pub mod population;
pub mod probe;
pub mod projection;
pub mod simulation;
pub mod stimulus;

pub use error::EngineError;
pub use simulation::Simulation;
