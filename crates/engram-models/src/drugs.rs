//! The drug catalogue: named interventions, each a documented change of model
//! parameters applied over a time window.
//!
//! A drug names its molecular target once and says, for every model it can act
//! on, which parameters that target corresponds to. Applying a drug to a
//! population or projection whose model is not listed is a protocol error
//! (no silent no-op): the pharmacology of a model without that molecule is
//! undefined.
//!
//! | drug          | molecular target | acts on | effect in the models |
//! |---------------|------------------|---------|----------------------|
//! | `anisomycin`  | ribosome (protein synthesis) | protein pools | `alpha = 0`: no new plasticity-related proteins |
//! | `apv`         | NMDA receptor | synapses | `c_pre = 0` (`g_nmda = 0` for `calcium_control`): no calcium from presynaptic activity |
//! | `tag_blocker` | tag-setting kinases | synapses | `tag_block = 1`: no synaptic tags |
//! | `zip`         | PKMζ | synapses | `zip = 1`: the late weight decays back |
//! | `kn93`        | CaMKII | synapses | potentiation rate 0 (`gamma_p`, `A_ltp`) |
//! | `okadaic_acid`| PP1/PP2A | synapses | depression rate 0 (`gamma_d`, `A_ltd`) |
//! | `fk506`       | calcineurin (PP2B) | synapses | depression rate 0 (`gamma_d`, `A_ltd`) |
//! | `exocytosis_block` | SNARE-dependent exocytosis | synapses | `exo_block = 1` (`ampar_trafficking`): no receptor exocytosis |
//! | `endocytosis_block` | dynamin/clathrin endocytosis of AMPA receptors | synapses | `endo_block = 1` (`ampar_trafficking`): no receptor endocytosis |
//! | `propranolol` | β-adrenergic receptors (antagonist) | synapses | `beta_gain = 0` (`tagging_capture`): noradrenaline no longer lowers `theta_p` |
//! | `sch23390`    | dopamine D1/D5 receptors (antagonist) | protein pools | `nm_gain = 0` (`protein_pool`): the modulator no longer lowers `theta_pro` |
//! | `scopolamine` | muscarinic acetylcholine receptors (antagonist) | synapses | `ach_suppression = 0` (`static`, STDP family; there also `ach_plasticity = 0`): acetylcholine no longer suppresses transmission or changes the learning rate |
//! | `am251`       | cannabinoid CB1 receptors (antagonist/inverse agonist) | synapses | `cb1_gain = 0` (`ecb_stdp`): the postsynaptic endocannabinoid no longer lowers release probability, so post-before-pre tLTD is blocked; the postsynaptic tLTP is untouched |
//! | `mg132`       | proteasome | synapses | `proteasome = 0` (`tagging_capture`): early LTP no longer decays by degradation, and the negative regulator made with the proteins is not cleared |
//!
//! The receptor antagonists remove the effect of a modulator bound to the
//! model (`modulator = ...`); they name the receptor, so bind the modulator that
//! acts on it (noradrenaline for `propranolol`, dopamine for `sch23390`,
//! acetylcholine for `scopolamine`).
//! `am251` is a receptor antagonist too, but its ligand, the endocannabinoid,
//! is made by the model itself (a trace of the postsynaptic spikes in
//! `ecb_stdp`), not a region's modulator, so it needs no binding (`blocks` is
//! `None`).
//!
//! On `ampar_trafficking`, `kn93` sets the kinase activation `gamma_k = 0`,
//! `okadaic_acid` and `fk506` the phosphatase activation `gamma_pp = 0`, and `apv`
//! sets `c_pre = 0`.
//!
//! `tagging_capture_ampar` (tagging and capture with the ampar_trafficking
//! chain as early phase) takes the chain's effects for `kn93`, `okadaic_acid`,
//! `fk506`, `exocytosis_block`, `endocytosis_block` and `apv`, and the capture
//! part's for `zip` and `tag_blocker`; `anisomycin` acts on its neuron's
//! `protein_pool`.
//!
//! On `camkii_switch`, `kn93` sets the autophosphorylation rate `k1 = 0` (every
//! phosphorylation step there needs Ca/calmodulin) and `okadaic_acid` the PP1
//! rate `k2 = 0`; `fk506` has no target there (PP1 does not depend on
//! calcineurin in that model).

/// What a drug acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrugTarget {
    /// A population's protein pools (`proteins.NAME` / `population.NAME`).
    Proteins,
    /// A projection's synapses (`projection.NAME`).
    Synapses,
}

/// The parameters a drug sets on one model while it is applied.
#[derive(Debug, Clone, Copy)]
pub struct Effect {
    /// Catalogue name of the model.
    pub model: &'static str,
    /// Parameter values set while applied.
    pub sets: &'static [(&'static str, f64)],
}

/// A catalogued drug.
#[derive(Debug, Clone, Copy)]
pub struct Drug {
    /// Name used in protocols.
    pub name: &'static str,
    /// What it acts on.
    pub target: DrugTarget,
    /// Per-model parameter changes.
    pub effects: &'static [Effect],
    /// Molecular target and effect.
    pub effect: &'static str,
    /// Typical bath concentration (a label).
    pub concentration: &'static str,
    /// References.
    pub references: &'static [&'static str],
    /// For receptor antagonists: the neuromodulator whose receptors it blocks.
    /// The protocol then requires its target to read that modulator: on a model
    /// bound to another one, or to none, the drug would have no defined effect.
    pub blocks: Option<&'static str>,
}

impl Drug {
    /// The parameter changes on `model`, if the drug acts on it.
    pub fn sets_for(&self, model: &str) -> Option<&'static [(&'static str, f64)]> {
        self.effects.iter().find(|e| e.model == model).map(|e| e.sets)
    }

    /// Names of the models the drug acts on, comma separated.
    pub fn models(&self) -> String {
        self.effects.iter().map(|e| e.model).collect::<Vec<_>>().join(", ")
    }
}

const NO_SYNTHESIS: &[(&str, f64)] = &[("alpha", 0.0)];
const NO_LTD_RATE: &[(&str, f64)] = &[("gamma_d", 0.0)];
const NO_LTP_RATE: &[(&str, f64)] = &[("gamma_p", 0.0)];
const NO_PHOSPHATASE: &[(&str, f64)] = &[("gamma_pp", 0.0)];
const NO_TAGTRIC_LTD: &[(&str, f64)] = &[("A_ltd", 0.0)];
const SCOPOLAMINE_STDP: &[(&str, f64)] = &[("ach_suppression", 0.0), ("ach_plasticity", 0.0)];

/// All drugs.
pub const DRUGS: &[Drug] = &[
    Drug {
        name: "anisomycin",
        target: DrugTarget::Proteins,
        effects: &[Effect { model: "protein_pool", sets: NO_SYNTHESIS }, Effect { model: "tagtric_trigger", sets: NO_SYNTHESIS }],
        effect: "protein-synthesis inhibitor (ribosomal peptidyl transferase): no new plasticity-related proteins",
        concentration: "25 uM",
        references: &["Frey U, Morris RGM (1997) Nature 385:533-536", "Frey U, Krug M, Reymann KG, Matthies H (1988) Brain Res 452:57-65"],
        blocks: None,
    },
    Drug {
        name: "apv",
        target: DrugTarget::Synapses,
        effects: &[
            Effect { model: "tagging_capture", sets: &[("c_pre", 0.0)] },
            Effect { model: "graupner_brunel", sets: &[("c_pre", 0.0)] },
            Effect { model: "calcium_control", sets: &[("g_nmda", 0.0)] },
            Effect { model: "ampar_trafficking", sets: &[("c_pre", 0.0)] },
            Effect { model: "tagging_capture_ampar", sets: &[("c_pre", 0.0)] },
        ],
        effect: "D-APV, competitive NMDA receptor antagonist: no calcium influx from presynaptic activity",
        concentration: "50 uM",
        references: &["Collingridge GL, Kehl SJ, McLennan H (1983) J Physiol 334:33-46"],
        blocks: None,
    },
    Drug {
        name: "tag_blocker",
        target: DrugTarget::Synapses,
        effects: &[
            Effect { model: "tagging_capture", sets: &[("tag_block", 1.0)] },
            Effect { model: "tag_trigger_consolidation", sets: &[("tag_block", 1.0)] },
            Effect { model: "tagging_capture_ampar", sets: &[("tag_block", 1.0)] },
        ],
        effect: "blocks the setting of synaptic tags (e.g. by inhibiting CaMKII or PKA during induction), so proteins cannot be captured",
        concentration: "(model intervention)",
        references: &["Frey U, Morris RGM (1997) Nature 385:533-536", "Redondo RL, Morris RGM (2011) Nat Rev Neurosci 12:17-30"],
        blocks: None,
    },
    Drug {
        name: "zip",
        target: DrugTarget::Synapses,
        effects: &[Effect { model: "tagging_capture", sets: &[("zip", 1.0)] }, Effect { model: "tagging_capture_ampar", sets: &[("zip", 1.0)] }],
        effect: "zeta inhibitory peptide, PKMzeta inhibitor: late-phase maintenance blocked, the late weight decays back",
        concentration: "5 uM",
        references: &["Pastalkova E et al. (2006) Science 313:1141-1144", "Sajikumar S, Navakkode S, Sacktor TC, Frey JU (2005) J Neurosci 25:5750-5756"],
        blocks: None,
    },
    Drug {
        name: "kn93",
        target: DrugTarget::Synapses,
        effects: &[
            Effect { model: "tagging_capture", sets: NO_LTP_RATE },
            Effect { model: "graupner_brunel", sets: NO_LTP_RATE },
            Effect { model: "tag_trigger_consolidation", sets: &[("A_ltp", 0.0)] },
            Effect { model: "ampar_trafficking", sets: &[("gamma_k", 0.0)] },
            Effect { model: "tagging_capture_ampar", sets: &[("gamma_k", 0.0)] },
            Effect { model: "camkii_switch", sets: &[("k1", 0.0)] },
        ],
        effect: "KN-93, CaMKII inhibitor: the calcium-driven potentiation of the early phase is blocked (depression and existing late weights are untouched). During a tetanus it blocks LTP induction without LTD in the composed chain (tagging_capture_ampar, ampar_trafficking; experiments/pharmacology_kn93_during_stet_ampar.toml), as in slices. Limitation: in the reduced two-threshold rules (tagging_capture, graupner_brunel) high calcium drives depression as well, so a tetanus under kn93 gives LTD there; with those use it to test expression, not induction",
        concentration: "10 uM",
        references: &[
            "Otmakhov N, Griffith LC, Lisman JE (1997) J Neurosci 17:5357-5365",
            "Malinow R, Schulman H, Tsien RW (1989) Science 245:862-866",
        ],
        blocks: None,
    },
    Drug {
        name: "okadaic_acid",
        target: DrugTarget::Synapses,
        effects: &[
            Effect { model: "tagging_capture", sets: NO_LTD_RATE },
            Effect { model: "graupner_brunel", sets: NO_LTD_RATE },
            Effect { model: "tag_trigger_consolidation", sets: NO_TAGTRIC_LTD },
            Effect { model: "ampar_trafficking", sets: NO_PHOSPHATASE },
            Effect { model: "tagging_capture_ampar", sets: NO_PHOSPHATASE },
            Effect { model: "camkii_switch", sets: &[("k2", 0.0)] },
        ],
        effect: "okadaic acid, PP1/PP2A inhibitor: the calcium-driven depression of the early phase is blocked",
        concentration: "1 uM",
        references: &["Mulkey RM, Herron CE, Malenka RC (1993) Science 261:1051-1055"],
        blocks: None,
    },
    Drug {
        name: "fk506",
        target: DrugTarget::Synapses,
        effects: &[
            Effect { model: "tagging_capture", sets: NO_LTD_RATE },
            Effect { model: "graupner_brunel", sets: NO_LTD_RATE },
            Effect { model: "tag_trigger_consolidation", sets: NO_TAGTRIC_LTD },
            Effect { model: "ampar_trafficking", sets: NO_PHOSPHATASE },
            Effect { model: "tagging_capture_ampar", sets: NO_PHOSPHATASE },
        ],
        effect: "FK506 (tacrolimus), calcineurin (PP2B) inhibitor: the calcium-driven depression of the early phase is blocked",
        concentration: "50 uM",
        references: &["Mulkey RM, Endo S, Shenolikar S, Malenka RC (1994) Nature 369:486-488"],
        blocks: None,
    },
    Drug {
        name: "exocytosis_block",
        target: DrugTarget::Synapses,
        effects: &[Effect { model: "ampar_trafficking", sets: &[("exo_block", 1.0)] }, Effect { model: "tagging_capture_ampar", sets: &[("exo_block", 1.0)] }],
        effect: "blocks the SNARE-dependent exocytosis of AMPA receptors (botulinum toxin or tetanus toxin light chain, N-ethylmaleimide): surface and PSD receptors are no longer replenished from intracellular pools",
        concentration: "(postsynaptic infusion; model intervention)",
        references: &[
            "Luscher C, Xia H, Beattie EC, et al. (1999) Neuron 24:649-658",
            "Lledo PM, Zhang X, Sudhof TC, Malenka RC, Nicoll RA (1998) Science 279:399-403",
            "Earnshaw BA, Bressloff PC (2006) J Neurosci 26:12362-12373",
        ],
        blocks: None,
    },
    Drug {
        name: "endocytosis_block",
        target: DrugTarget::Synapses,
        effects: &[Effect { model: "ampar_trafficking", sets: &[("endo_block", 1.0)] }, Effect { model: "tagging_capture_ampar", sets: &[("endo_block", 1.0)] }],
        effect: "blocks the dynamin/clathrin-dependent endocytosis of AMPA receptors (dynamin inhibitory peptide, GluA2-3Y peptide): receptors accumulate at the surface and in the PSD",
        concentration: "(postsynaptic infusion; model intervention)",
        references: &[
            "Luscher C, Xia H, Beattie EC, et al. (1999) Neuron 24:649-658",
            "Ahmadian G, Ju W, Liu L, et al. (2004) EMBO J 23:1040-1050",
            "Earnshaw BA, Bressloff PC (2006) J Neurosci 26:12362-12373",
        ],
        blocks: None,
    },
    Drug {
        name: "propranolol",
        target: DrugTarget::Synapses,
        effects: &[Effect { model: "tagging_capture", sets: &[("beta_gain", 0.0)] }],
        effect: "beta-adrenergic receptor antagonist: noradrenaline no longer lowers the potentiation threshold",
        concentration: "1 uM",
        references: &[
            "Thomas MJ, Moody TD, Makhinson M, O'Dell TJ (1996) Neuron 17:475-482",
            "Gelinas JN, Nguyen PV (2005) J Neurosci 25:3294-3303",
        ],
        blocks: Some("noradrenaline"),
    },
    Drug {
        name: "sch23390",
        target: DrugTarget::Proteins,
        effects: &[Effect { model: "protein_pool", sets: &[("nm_gain", 0.0)] }],
        effect: "SCH23390, dopamine D1/D5 receptor antagonist: dopamine no longer lowers the protein-synthesis threshold",
        concentration: "0.1 uM",
        references: &[
            "Frey U, Schroeder H, Matthies H (1990) Brain Res 522:69-75",
            "Lehr AB, Luboeinski J, Tetzlaff C (2022) Sci Rep, doi:10.1038/s41598-022-22430-7",
        ],
        blocks: Some("dopamine"),
    },
    Drug {
        name: "scopolamine",
        target: DrugTarget::Synapses,
        effects: &[
            Effect { model: "static", sets: &[("ach_suppression", 0.0)] },
            Effect { model: "stdp_pair", sets: SCOPOLAMINE_STDP },
            Effect { model: "stdp_nn_symm", sets: SCOPOLAMINE_STDP },
            Effect { model: "stdp_nn_pre_centered", sets: SCOPOLAMINE_STDP },
            Effect { model: "stdp_nn_restr", sets: SCOPOLAMINE_STDP },
        ],
        effect: "muscarinic acetylcholine receptor antagonist: acetylcholine no longer suppresses synaptic transmission",
        concentration: "10 uM",
        references: &[
            "Hasselmo ME, Schnell E (1994) J Neurosci 14:3898-3914",
            "Hasselmo ME (2006) Curr Opin Neurobiol 16:710-715",
        ],
        blocks: Some("acetylcholine"),
    },
    Drug {
        name: "am251",
        target: DrugTarget::Synapses,
        effects: &[Effect { model: "ecb_stdp", sets: &[("cb1_gain", 0.0)] }],
        effect: "AM251, cannabinoid CB1 receptor antagonist (inverse agonist): the retrograde endocannabinoid no longer lowers presynaptic release probability; timing-dependent LTD (post before pre) is blocked, timing-dependent LTP is not",
        concentration: "2 uM",
        references: &[
            "Sjostrom PJ, Turrigiano GG, Nelson SB (2003) Neuron 39:641-654",
            "Nevian T, Sakmann B (2006) J Neurosci 26:11001-11013 (AM251 at 2 uM)",
        ],
        blocks: None,
    },
    // --- proteasome (issue 6; Fonseca et al. 2006) ---
    Drug {
        name: "mg132",
        target: DrugTarget::Synapses,
        effects: &[Effect { model: "tagging_capture", sets: &[("proteasome", 0.0)] }],
        effect: "MG132 (Z-Leu-Leu-Leu-al), proteasome inhibitor: proteasome-dependent degradation blocked; alone it impairs late LTP, with a protein-synthesis inhibitor late LTP is restored (synthesis and degradation must balance)",
        concentration: "about 10 uM",
        references: &[
            "Fonseca R, Vabulas RM, Hartl FU, Bonhoeffer T, Nagerl UV (2006) Neuron 52:239-245",
            "Dong C, Upadhya SC, Ding L, Smith TK, Hegde AN (2008) Learn Mem 15:335-347",
        ],
        blocks: None,
    },
];

/// The drug named `name`.
pub fn drug(name: &str) -> Option<&'static Drug> {
    DRUGS.iter().find(|d| d.name == name)
}

/// Names of all drugs, comma separated.
pub fn names() -> String {
    DRUGS.iter().map(|d| d.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    /// Every effect names a catalogued model of the right kind and parameters that model has.
    #[test]
    fn every_effect_names_existing_models_and_parameters() {
        for d in DRUGS {
            assert!(!d.effects.is_empty(), "{} acts on no model", d.name);
            for e in d.effects {
                let info = catalogue::info(e.model).unwrap_or_else(|| panic!("{}: no model {}", d.name, e.model));
                for (k, _) in e.sets {
                    assert!(info.field(k).is_some(), "{}: model {} has no parameter {k}", d.name, e.model);
                }
            }
        }
    }

    #[test]
    fn issue6_antagonists_name_their_modulator() {
        let blocks = |name| drug(name).and_then(|d| d.blocks);
        assert_eq!(blocks("propranolol"), Some("noradrenaline"));
        assert_eq!(blocks("sch23390"), Some("dopamine"));
        assert_eq!(blocks("scopolamine"), Some("acetylcholine"));
        assert_eq!(blocks("anisomycin"), None);
    }

    /// AM251 blocks CB1 on the endocannabinoid synapse (its ligand is the model's own trace).
    #[test]
    fn issue6_am251_sets_the_cb1_gain_to_zero() {
        let d = drug("am251").unwrap();
        assert_eq!(d.sets_for("ecb_stdp"), Some(&[("cb1_gain", 0.0)][..]));
        assert_eq!(d.blocks, None);
    }

    #[test]
    fn names_are_unique() {
        let mut n: Vec<_> = DRUGS.iter().map(|d| d.name).collect();
        n.sort_unstable();
        n.dedup();
        assert_eq!(n.len(), DRUGS.len());
    }
}
