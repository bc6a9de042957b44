//! The catalogue: model name → type, without the models knowing who builds them.
//!
//! The protocol layer wants to turn `model = "lif_psc_exp"` into an engine
//! population of type `Population<LifPscExp>`; the engine must not know the
//! models, and the models must not know the engine. The catalogue bridges the
//! two with visitors: the caller passes a [`NeuronVisitor`] whose generic method
//! is called with the right type.

use engram_core::model::{FieldModel, NeuronModel, SynapseModel};
use engram_core::params::ModelInfo;

use crate::neuron::{
    adex::Adex, adex_psc_delta::AdexPscDelta, izhikevich::Izhikevich, lif_cond_exp::LifCondExp, lif_psc_delta::LifPscDelta, lif_psc_exp::LifPscExp, spike_source::SpikeSource,
};
use crate::proteins::protein_pool::ProteinPool;
use crate::proteins::tagtric_trigger::TagtricTrigger;
use crate::synapse::ampar_trafficking::AmparTrafficking;
use crate::synapse::camkii_switch::CamkiiSwitch;
use crate::synapse::ecb_stdp::EcbStdp;
use crate::synapse::graupner_brunel::GraupnerBrunel;
use crate::synapse::shouval2002::CalciumControl;
use crate::synapse::static_synapse::StaticSynapse;
use crate::synapse::stdp_dopamine::StdpDopamine;
use crate::synapse::stdp_eligibility::StdpEligibility;
use crate::synapse::tag_trigger_consolidation::TagTriggerConsolidation;
use crate::synapse::tagging_capture::TaggingCapture;
use crate::synapse::tagging_capture_ampar::TaggingCaptureAmpar;
use crate::synapse::tsodyks2::Tsodyks2;
use crate::synapse::stdp_pair::{StdpAllToAll, StdpNearestPreCentered, StdpNearestRestricted, StdpNearestSymmetric};

/// Something to do with a neuron model type.
pub trait NeuronVisitor {
    /// The result.
    type Output;
    /// Called with the model type named in the protocol.
    fn visit<M: NeuronModel>(self) -> Self::Output;
}

/// Something to do with a synapse model type.
pub trait SynapseVisitor {
    /// The result.
    type Output;
    /// Called with the model type named in the protocol.
    fn visit<S: SynapseModel>(self) -> Self::Output;
}

/// Metadata of every neuron model, in catalogue order.
pub const NEURON_MODELS: &[ModelInfo] =
    &[LifPscExp::INFO, LifPscDelta::INFO, LifCondExp::INFO, Adex::INFO, AdexPscDelta::INFO, Izhikevich::INFO, SpikeSource::INFO];

/// Metadata of every synapse model, in catalogue order.
pub const SYNAPSE_MODELS: &[ModelInfo] = &[
    StaticSynapse::INFO,
    StdpAllToAll::INFO,
    StdpNearestSymmetric::INFO,
    StdpNearestPreCentered::INFO,
    StdpNearestRestricted::INFO,
    TaggingCapture::INFO,
    TagTriggerConsolidation::INFO,
    Tsodyks2::INFO,
    GraupnerBrunel::INFO,
    StdpDopamine::INFO,
    StdpEligibility::INFO,
    CalciumControl::INFO,
    CamkiiSwitch::INFO,
    AmparTrafficking::INFO,
    TaggingCaptureAmpar::INFO,
    EcbStdp::INFO,
];

/// Metadata of every neuron-wide field model (protein pools).
pub const FIELD_MODELS: &[ModelInfo] = &[ProteinPool::INFO, TagtricTrigger::INFO];

/// Calls `v` with the neuron model named `name`, or returns `None` if unknown.
pub fn with_neuron<V: NeuronVisitor>(name: &str, v: V) -> Option<V::Output> {
    Some(match name {
        "lif_psc_exp" => v.visit::<LifPscExp>(),
        "lif_psc_delta" => v.visit::<LifPscDelta>(),
        "lif_cond_exp" => v.visit::<LifCondExp>(),
        "adex" => v.visit::<Adex>(),
        "adex_psc_delta" => v.visit::<AdexPscDelta>(),
        "izhikevich" => v.visit::<Izhikevich>(),
        "spike_source" => v.visit::<SpikeSource>(),
        _ => return None,
    })
}

/// Calls `v` with the synapse model named `name`, or returns `None` if unknown.
pub fn with_synapse<V: SynapseVisitor>(name: &str, v: V) -> Option<V::Output> {
    Some(match name {
        "static" => v.visit::<StaticSynapse>(),
        "stdp_pair" => v.visit::<StdpAllToAll>(),
        "stdp_nn_symm" => v.visit::<StdpNearestSymmetric>(),
        "stdp_nn_pre_centered" => v.visit::<StdpNearestPreCentered>(),
        "stdp_nn_restr" => v.visit::<StdpNearestRestricted>(),
        "tagging_capture" => v.visit::<TaggingCapture>(),
        "tag_trigger_consolidation" => v.visit::<TagTriggerConsolidation>(),
        "tsodyks2" => v.visit::<Tsodyks2>(),
        "graupner_brunel" => v.visit::<GraupnerBrunel>(),
        "stdp_dopamine" => v.visit::<StdpDopamine>(),
        "stdp_eligibility" => v.visit::<StdpEligibility>(),
        "calcium_control" => v.visit::<CalciumControl>(),
        "camkii_switch" => v.visit::<CamkiiSwitch>(),
        "ampar_trafficking" => v.visit::<AmparTrafficking>(),
        "tagging_capture_ampar" => v.visit::<TaggingCaptureAmpar>(),
        "ecb_stdp" => v.visit::<EcbStdp>(),
        _ => return None,
    })
}

/// Something to do with a field model type.
pub trait FieldVisitor {
    /// The result.
    type Output;
    /// Called with the model type named in the protocol.
    fn visit<F: FieldModel>(self) -> Self::Output;
}

/// Calls `v` with the field model named `name`, or returns `None` if unknown.
pub fn with_field<V: FieldVisitor>(name: &str, v: V) -> Option<V::Output> {
    Some(match name {
        "protein_pool" => v.visit::<ProteinPool>(),
        "tagtric_trigger" => v.visit::<TagtricTrigger>(),
        _ => return None,
    })
}

/// The metadata of any model by name.
pub fn info(name: &str) -> Option<&'static ModelInfo> {
    NEURON_MODELS.iter().chain(SYNAPSE_MODELS).chain(FIELD_MODELS).find(|m| m.name == name)
}

/// The published parameter sets of a synapse model, chosen in a protocol with
/// `parameter_set = "NAME"` in the `plasticity` table; empty for models without.
pub fn synapse_parameter_sets(model: &str) -> &'static [crate::synapse::graupner_brunel::ParameterSet] {
    match model {
        "graupner_brunel" => crate::synapse::graupner_brunel::PARAMETER_SETS,
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Name;
    impl NeuronVisitor for Name {
        type Output = &'static str;
        fn visit<M: NeuronModel>(self) -> &'static str {
            M::INFO.name
        }
    }
    impl SynapseVisitor for Name {
        type Output = &'static str;
        fn visit<S: SynapseModel>(self) -> &'static str {
            S::INFO.name
        }
    }

    /// Every listed model is reachable under its own name, and every default is valid.
    #[test]
    fn catalogue_is_consistent() {
        for m in NEURON_MODELS {
            assert_eq!(with_neuron(m.name, Name), Some(m.name));
            for f in m.fields {
                f.check(f.default).unwrap();
            }
        }
        for m in SYNAPSE_MODELS {
            assert_eq!(with_synapse(m.name, Name), Some(m.name));
        }
        assert!(with_neuron("hodgkin_huxley_9000", Name).is_none());
    }
}
