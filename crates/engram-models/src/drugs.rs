//! The drug catalogue: named interventions, each a documented change of model
//! parameters applied over a time window.
//!
//! | drug         | acts on | parameter change | effect |
//! |--------------|---------|------------------|--------|
//! | `anisomycin` | protein pools of a population | `alpha = 0` | protein synthesis blocked |
//! | `apv`        | synapses of a projection | `c_pre = 0` | NMDA receptors blocked: no calcium from presynaptic activity |
//! | `tag_blocker`| synapses of a projection | `tag_block = 1` | synaptic tags cannot be set |
//! | `zip`        | synapses of a projection | `zip = 1` | late-phase maintenance blocked: the late weight decays back |

/// What a drug acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrugTarget {
    /// A population's protein pools (`proteins.NAME` / `population.NAME`).
    Proteins,
    /// A projection's synapses (`projection.NAME`).
    Synapses,
}

/// A catalogued drug.
#[derive(Debug, Clone, Copy)]
pub struct Drug {
    /// Name used in protocols.
    pub name: &'static str,
    /// What it acts on.
    pub target: DrugTarget,
    /// Parameter values it sets while applied.
    pub sets: &'static [(&'static str, f64)],
    /// Molecular target and effect.
    pub effect: &'static str,
    /// Typical bath concentration (a label).
    pub concentration: &'static str,
    /// References.
    pub references: &'static [&'static str],
}

/// All drugs.
pub const DRUGS: &[Drug] = &[
    Drug {
        name: "anisomycin",
        target: DrugTarget::Proteins,
        sets: &[("alpha", 0.0)],
        effect: "protein-synthesis inhibitor (ribosomal peptidyl transferase): no new plasticity-related proteins",
        concentration: "25 uM",
        references: &["Frey U, Morris RGM (1997) Nature 385:533-536", "Frey U, Krug M, Reymann KG, Matthies H (1988) Brain Res 452:57-65"],
    },
    Drug {
        name: "apv",
        target: DrugTarget::Synapses,
        sets: &[("c_pre", 0.0)],
        effect: "D-APV, competitive NMDA receptor antagonist: no calcium influx from presynaptic activity",
        concentration: "50 uM",
        references: &["Collingridge GL, Kehl SJ, McLennan H (1983) J Physiol 334:33-46"],
    },
    Drug {
        name: "tag_blocker",
        target: DrugTarget::Synapses,
        sets: &[("tag_block", 1.0)],
        effect: "blocks the setting of synaptic tags (e.g. by inhibiting CaMKII or PKA during induction), so proteins cannot be captured",
        concentration: "(model intervention)",
        references: &["Frey U, Morris RGM (1997) Nature 385:533-536", "Redondo RL, Morris RGM (2011) Nat Rev Neurosci 12:17-30"],
    },
    Drug {
        name: "zip",
        target: DrugTarget::Synapses,
        sets: &[("zip", 1.0)],
        effect: "zeta inhibitory peptide, PKMzeta inhibitor: late-phase maintenance blocked, the late weight decays back",
        concentration: "5 uM",
        references: &["Pastalkova E et al. (2006) Science 313:1141-1144", "Sajikumar S, Navakkode S, Sacktor TC, Frey JU (2005) J Neurosci 25:5750-5756"],
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
