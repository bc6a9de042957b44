//! Neuron-wide slow fields: plasticity-related protein pools.
pub mod protein_pool;
pub mod tagtric_trigger;
