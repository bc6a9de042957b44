//! Synapse models: static and plastic.
pub mod ampar_trafficking;
pub mod camkii_switch;
pub mod ecb_stdp;
pub mod graupner_brunel;
pub mod shouval2002;
pub mod static_synapse;
pub mod stdp_dopamine;
pub mod stdp_eligibility;
pub mod stdp_pair;
pub mod tag_trigger_consolidation;
pub mod tagging_capture;
pub mod tagging_capture_ampar;
pub mod tsodyks2;

use engram_core::CoreError;

/// Checks `Wmin <= Wmax` (the bounded three-factor rules).
pub(crate) fn check_weight_bounds(w_min: f64, w_max: f64) -> Result<(), CoreError> {
    if w_min > w_max {
        return Err(CoreError::Inconsistent(format!("Wmin ({w_min}) must not be above Wmax ({w_max})")));
    }
    Ok(())
}

/// Checks that an initial weight lies in `[Wmin, Wmax]`.
pub(crate) fn check_weight_within(weight: f64, w_min: f64, w_max: f64) -> Result<(), CoreError> {
    if weight < w_min || weight > w_max {
        return Err(CoreError::Inconsistent(format!("weight ({weight}) must lie between Wmin ({w_min}) and Wmax ({w_max})")));
    }
    Ok(())
}
