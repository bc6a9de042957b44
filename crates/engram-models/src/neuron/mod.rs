//! Neuron models and spike sources.
pub mod adex;
pub mod lif_cond_exp;
pub mod lif_psc_delta;
pub mod lif_psc_exp;
pub mod spike_source;
