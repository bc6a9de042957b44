//! `spike_source`: a population of fibres that spike only when a stimulus says so.
//!
//! Stimuli (Poisson, regular trains, bursts, explicit times, slice presets)
//! impose its spikes; it ignores synaptic input and has no dynamics. Like NEST's
//! `parrot_neuron`, a spike imposed in step `s` carries the stamp `s + 1`.
//!
//! No parameters. References: NEST `parrot_neuron` and `spike_generator` documentation.

use engram_core::model::{InputKind, NeuronModel, StepInput};
use engram_core::params::{ModelInfo, ModelKind, ParamValues};
use engram_core::time::Dt;
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct SpikeSource;

impl NeuronModel for SpikeSource {
    type Params = ();
    type Derived = ();
    type State = ();

    const INFO: ModelInfo = ModelInfo {
        name: "spike_source",
        kind: ModelKind::Neuron,
        summary: "Input fibres: spike exactly when a stimulus imposes it (NEST parrot_neuron / spike_generator).",
        equations: "no dynamics; a spike imposed in step s has stamp s+1",
        fields: &[],
        state_vars: &[],
        references: &["NEST parrot_neuron and spike_generator documentation"],
    };
    const INPUT: InputKind = InputKind::None;

    fn params(_: &ParamValues) -> Result<(), CoreError> {
        Ok(())
    }
    fn derive(_: &(), _: Dt) {}
    fn init(_: &()) {}
    #[inline]
    fn update(_: &(), _: &(), _: &mut (), _: &StepInput) -> bool {
        false
    }
    fn impose_spike(_: &(), _: &(), _: &mut ()) {}
    fn read(_: &(), _: &(), _: usize) -> f64 {
        0.0
    }
    fn is_source() -> bool {
        true
    }
    fn is_quiescent(_: &(), _: &(), _: &()) -> bool {
        true
    }
    fn fast_forward(_: &(), _: &(), _: &mut (), _: u64, _: Dt) {}
}
