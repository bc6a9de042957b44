//! Synapse models: static and plastic.
pub mod ampar_trafficking;
pub mod camkii_switch;
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
