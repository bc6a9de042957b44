//! # engram-core: the vocabulary every other engram crate speaks
//!
//! Nothing here simulates anything. This crate defines
//! - [`time`]: integer step counts, `dt`, and exact conversions from durations;
//! - [`units`]: parsing of quantities such as `"35 min"`, `"0.5 nA"`, `"100 Hz"`
//!   into engram's canonical units (ms, mV, pA, nS, pF, Hz);
//! - [`rng`]: counter-based random streams keyed by (seed, purpose, entity);
//! - [`params`]: parameter metadata ([`params::FieldSpec`]) that both validates
//!   user input and documents models (`engram describe`);
//! - [`model`]: the traits a neuron model or a plasticity rule implements;
//! - [`history`]: the postsynaptic spike archive that pair-based rules read;
//! - [`decay`]: exact tables of decay factors `exp(-k·dt/τ)` for event-driven rules;
//! - [`modulator`]: the level of a neuromodulator in a region (tonic + decaying releases).
//!
//! Layers point one way: models and the engine depend on this crate, never the
//! reverse.
#![warn(missing_docs)]

pub mod decay;
pub mod error;
pub mod history;
pub mod model;
pub mod modulator;
pub mod params;
pub mod rng;
pub mod time;
pub mod units;

pub use error::CoreError;
