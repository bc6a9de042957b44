//! `static`: a synapse with a fixed weight.
//!
//! ```text
//! on each presynaptic spike: transmit g·w (unchanged w) after the synaptic delay
//! g = 1                                  (no modulator bound, or ach_suppression = 0)
//! g = 1 - ach_suppression · L/(L + K_ach)   L = max(level, 0) of the bound modulator
//! ```
//!
//! The weight and delay are properties of the projection. Without a bound
//! modulator the synapse is NEST's `static_synapse` (g = 1 exactly).
//!
//! **Acetylcholine (muscarinic suppression of transmission).** A projection
//! may bind a modulator of its target's region (`modulator = "acetylcholine"`);
//! its level, sampled at every slow tick and held until the next, scales the
//! transmitted weight of every synapse of the projection by g, with the
//! occupancy `L/(L + K_ach)` of the (muscarinic) receptors. Cholinergic
//! agonists suppress recurrent (stratum radiatum) transmission in the
//! hippocampus much more than afferent (stratum lacunosum-moleculare)
//! transmission (Hasselmo & Schnell 1994), which sets an encoding mode
//! (high ACh: afferent input dominates) against a retrieval/consolidation
//! mode (low ACh: recurrent transmission recovers; Hasselmo 1999, 2006):
//! give the recurrent projection a large `ach_suppression` and the afferent
//! one a small one. The suppression is a property of the projection, not of
//! each synapse (no per-synapse state). Scopolamine (muscarinic antagonist)
//! sets `ach_suppression = 0`.
//!
//! | parameter       | unit | default | meaning |
//! |-----------------|------|---------|---------|
//! | ach_suppression | 1    | 0       | fraction of transmission removed at full receptor occupancy |
//! | K_ach           | 1    | 1       | modulator level at half occupancy |
//!
//! References: NEST `static_synapse`; Hasselmo ME, Schnell E (1994) J Neurosci
//! 14:3898-3914; Hasselmo ME (1999) Trends Cogn Sci 3:351-359; Hasselmo ME
//! (2006) Curr Opin Neurobiol 16:710-715.

use engram_core::model::{PreSpike, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues};
use engram_core::units::Dimension::Dimensionless;
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct StaticSynapse;

/// Shared parameters of one projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Fraction of transmission removed at full occupancy.
    pub ach_suppression: f64,
    /// Level at half occupancy.
    pub k_ach: f64,
    /// Transmission factor in effect (1 unless a bound modulator acts).
    pub gain: f64,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "ach_suppression", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "with a bound modulator (acetylcholine): fraction of transmission removed at full receptor occupancy (0 = none; scopolamine sets 0)" },
    FieldSpec { name: "K_ach", dim: Dimensionless, default: 1.0, bound: Bound::Positive, doc: "modulator level at half receptor occupancy" },
];

impl SynapseModel for StaticSynapse {
    type Params = Params;
    type Syn = ();
    type Row = ();
    const WEIGHT_FIXED: bool = true;

    const INFO: ModelInfo = ModelInfo {
        name: "static",
        kind: ModelKind::Synapse,
        summary: "Fixed weight; transmits each presynaptic spike after the delay (NEST static_synapse); optionally scaled down by a bound modulator (muscarinic suppression).",
        equations: "on pre spike: deliver g w at t_spike + delay
g = 1, or with a bound modulator (modulator = \"acetylcholine\"), level L sampled at each slow tick:
g = 1 - ach_suppression L/(L + K_ach)",
        fields: FIELDS,
        state_vars: &[],
        references: &[
            "NEST static_synapse documentation",
            "Hasselmo ME, Schnell E (1994) Laminar selectivity of the cholinergic suppression of synaptic transmission in rat hippocampal region CA1. J Neurosci 14:3898-3914",
            "Hasselmo ME (1999) Neuromodulation: acetylcholine and memory consolidation. Trends Cogn Sci 3:351-359",
            "Hasselmo ME (2006) The role of acetylcholine in learning and memory. Curr Opin Neurobiol 16:710-715",
        ],
    };

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        Ok(Params { ach_suppression: v.get("ach_suppression"), k_ach: v.get("K_ach"), gain: 1.0 })
    }
    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }
    fn init(_: &Params, _: f64) -> Result<(), CoreError> {
        Ok(())
    }
    #[inline]
    fn on_pre(_: &Params, _: &mut (), _: &mut f64, _: &mut PreSpike<'_>) {}

    #[inline]
    fn transmitted(p: &Params, _: &(), weight: f64) -> f64 {
        // g = 1 exactly unless a bound modulator acts, so results are NEST's.
        weight * p.gain
    }

    const LEVEL_MODULATOR: Option<&'static str> = Some("acetylcholine");

    fn at_level(p: &Params, level: f64) -> Params {
        let l = level.max(0.0);
        Params { gain: 1.0 - p.ach_suppression * l / (l + p.k_ach), ..p.clone() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The transmitted weight is scaled by 1 - s L/(L + K); without suppression,
    /// or at level 0, it is the weight, bit for bit.
    #[test]
    fn issue6_acetylcholine_scales_transmission() {
        let p = StaticSynapse::params(&StaticSynapse::INFO.resolve([("ach_suppression", 0.8), ("K_ach", 2.0)]).unwrap()).unwrap();
        assert_eq!(StaticSynapse::transmitted(&p, &(), 3.7), 3.7);
        let q = StaticSynapse::at_level(&p, 2.0);
        assert!((StaticSynapse::transmitted(&q, &(), 10.0) - 6.0).abs() < 1e-12);
        assert_eq!(StaticSynapse::transmitted(&StaticSynapse::at_level(&p, 0.0), &(), 3.7), 3.7);
        let off = StaticSynapse::params(&StaticSynapse::INFO.defaults()).unwrap();
        assert_eq!(StaticSynapse::transmitted(&StaticSynapse::at_level(&off, 50.0), &(), -3.7), -3.7);
    }
}
