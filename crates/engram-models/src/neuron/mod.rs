//! Neuron models and spike sources.
pub mod adex;
pub mod adex_psc_delta;
pub mod izhikevich;
pub mod lif_cond_exp;
pub mod lif_psc_delta;
pub mod lif_psc_exp;
pub mod spike_source;

use engram_core::CoreError;

/// The reset potential must lie below the threshold (all integrate-and-fire models).
pub(crate) fn check_reset_below_threshold(v_reset: f64, v_th: f64) -> Result<(), CoreError> {
    if v_reset >= v_th {
        return Err(CoreError::Inconsistent(format!("V_reset ({v_reset} mV) must be below V_th ({v_th} mV)")));
    }
    Ok(())
}

/// Mean of a unit exponential decay `exp(-t/tau)` over one step `h`: `tau/h (1 - exp(-h/tau))`,
/// written with `exp_m1` to stay accurate when `h << tau`. Conductance models use it to
/// replace a decaying conductance by its exact average over the step.
pub(crate) fn step_mean(h: f64, tau: f64) -> f64 {
    -(-h / tau).exp_m1() * tau / h
}
