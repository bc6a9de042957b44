//! `static`: a synapse with a fixed weight.
//!
//! ```text
//! on each presynaptic spike: transmit w (unchanged) after the synaptic delay
//! ```
//!
//! No parameters; the weight and delay are properties of the projection.
//! Reference: NEST `static_synapse`.

use engram_core::model::{PreSpike, SynapseModel};
use engram_core::params::{ModelInfo, ModelKind, ParamValues};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct StaticSynapse;

impl SynapseModel for StaticSynapse {
    type Params = ();
    type Syn = ();
    const WEIGHT_FIXED: bool = true;

    const INFO: ModelInfo = ModelInfo {
        name: "static",
        kind: ModelKind::Synapse,
        summary: "Fixed weight; transmits each presynaptic spike after the delay (NEST static_synapse).",
        equations: "on pre spike: deliver w at t_spike + delay",
        fields: &[],
        state_vars: &[],
        references: &["NEST static_synapse documentation"],
    };

    fn params(_: &ParamValues) -> Result<(), CoreError> {
        Ok(())
    }
    fn post_tau_ms(_: &()) -> Option<f64> {
        None
    }
    fn init(_: &(), _: f64) -> Result<(), CoreError> {
        Ok(())
    }
    #[inline]
    fn on_pre(_: &(), _: &mut (), _: &mut f64, _: &mut PreSpike<'_>) {}
}
