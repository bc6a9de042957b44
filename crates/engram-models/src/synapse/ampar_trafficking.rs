//! `ampar_trafficking`: AMPA receptor trafficking between an intracellular
//! (endosomal) pool, the extrasynaptic membrane and the PSD (free and bound to
//! scaffold slots), for GluA2-containing and GluA2-lacking receptors, with a
//! spine whose volume follows actin polymerisation and sets the number of slots
//! (Earnshaw & Bressloff 2006; Matsuzaki et al. 2004).
//!
//! ```text
//! calcium:      dc/dt = -c/tau_c ;  c += c_pre at t_pre ;  c += c_post at t_post
//! kinase:       tau_k  dK/dt  = gamma_k  (1 - K)  H(c - theta_k)  - K     (CaMKII-like, 0..1)
//! phosphatase:  tau_pp dPP/dt = gamma_pp (1 - PP) H(c - theta_pp) - PP    (calcineurin/PP1-like)
//!
//! per receptor type j (1: GluA2-lacking, 2: GluA2-containing); I intracellular,
//! E extrasynaptic, F free in the PSD, B bound to a slot; S slots, Z = S - B1 - B2:
//!   exocytosis   I -> E   sigma_1 = (1/tau_exo1 + K/tau_exo_k1)(1 - exo_block)
//!                         sigma_2 = (1/tau_exo2)(1 - exo_block)
//!   endocytosis  E -> I   k = (1 + a_endo PP)/tau_endo (1 - endo_block)
//!   hopping      E -> F   1/tau_hop_in ;  F -> E  1/tau_hop_out
//!   binding      F -> B   (1/tau_bind) max(Z, 0)/S   per free receptor
//!   unbinding    B -> F   (1 + a_unbind PP)/tau_unbind_j + max(-Z, 0)/(S tau_evict)
//!   dI_j/dt = k E_j - sigma_j I_j
//!   dE_j/dt = sigma_j I_j - k E_j - (E_j/tau_hop_in - F_j/tau_hop_out)
//!   dF_j/dt = (E_j/tau_hop_in - F_j/tau_hop_out) - binding_j + unbinding_j
//!   dB_j/dt = binding_j - unbinding_j
//! spine (volume in um^3; Vd dynamic, Vs stable actin-supported volume):
//!   dVd/dt = poly H(c - theta_a) - Vd/tau_depoly - capture
//!   dVs/dt = capture,  capture = K Vd / (tau_capture (1 + (Vs/v_half)^n_v))
//!   tau_slot dS/dt = slot_density (Vs + Vd) - S
//! PSD receptors  = F1 + B1 + F2 + B2
//! efficacy       w = w0 (F2 + B2 + g_lack (F1 + B1)) / (same at the start)
//! ```
//!
//! **Numerics.** Calcium decays exponentially between spikes, so the times at
//! which it crosses the three thresholds are known in closed form; on each
//! piece between crossings the Heaviside terms are constant and K and PP are
//! exact exponentials. The eleven trafficking and spine variables (bilinear
//! binding, the saturating capture) are integrated on each piece by classic
//! fourth-order Runge–Kutta with K(t), PP(t) evaluated exactly at the stages and
//! a step h = min(1 s, 0.1/Λ), Λ the largest rate of the system (K = PP = 1).
//! RK4 conserves the receptor totals (linear invariants) to rounding, and the
//! unit tests bound the error against steps 8× smaller (relative < 1e-6). The
//! synapse is advanced only at events: its own spikes and the engine's slow
//! clock ticks, which bring it to the present so that recorders read current
//! values (the slow clock does not read the neuron's protein field:
//! `FIELD = false`, no `proteins` table needed). Cost: O(simulated time / h)
//! per synapse, never per `dt` step. Parameter changes (interventions) take
//! effect from the synapse's last update, which is at most one slow tick
//! (100 ms) earlier; keep intervention times multiples of the slow clock.
//!
//! **Initial state.** Every synapse starts at the closed-form steady state of
//! the pools at rest (K = PP = 0, Vd = 0, blocks off) for the spine volume
//! `v_init`, with S = slot_density · v_init slots and rho_j · S receptors of type
//! j in total: with r_j = tau_endo/tau_exo_j, q = tau_hop_out/tau_hop_in,
//! a_j = q r_j tau_unbind_j/(S tau_bind), the free slots Z solve
//! Z + Σ_j a_j Z T_j/(1 + r_j (1 + q) + a_j Z) = S (monotone in Z, solved to
//! machine precision by bisection) and then I_j = T_j/(1 + r_j(1+q) + a_j Z),
//! E_j = r_j I_j, F_j = q E_j, B_j = a_j I_j Z. Without synthesis or
//! degradation the totals I + E + F + B of each type stay constant.
//!
//! **Design choices** (documented deviations and calibration):
//! - Earnshaw & Bressloff (2006) give the targets this model is calibrated to
//!   (their figure on blocking exo-/endocytosis): blocking exocytosis almost halves the PSD receptors in
//!   under 10 min (the free PSD receptors are lost) and then they decay over
//!   days; blocking endocytosis nearly doubles them within 1 h. The rate
//!   constants here are this implementation's calibration to those targets, not
//!   their table: with the defaults the PSD holds 46.4 receptors (25 slots),
//!   exocytosis block gives 0.57 of baseline at 10 min and endocytosis block
//!   1.88 at 1 h and 2.02 at steady state.
//! - GluA2-lacking (GluA1 homomeric) receptors are exocytosed in proportion to
//!   CaMKII-like activity while GluA2-containing ones cycle constitutively
//!   (Shi et al. 2001). GluA2-lacking receptors leave slots faster
//!   (tau_unbind1 = 8 min against 48 h), so after LTP they are the first to fill
//!   new slots and are then replaced by GluA2-containing receptors over 20–30 min
//!   (Plant et al. 2006); they conduct g_lack = 2 times more (Swanson et al. 1997).
//! - Calcium and the two enzymes use thresholds on calcium, as in Graupner &
//!   Brunel (2012): a kinase above a high threshold, a phosphatase above a lower
//!   one (Lisman 1989). Calcium is dimensionless; `c_pre` is the NMDA calcium per
//!   presynaptic spike at physiological Mg²⁺ (raise it for Mg²⁺-free uncaging).
//! - Spine: calcium/calmodulin-driven actin polymerisation enlarges the spine
//!   transiently (Vd, depolymerising with tau_depoly); CaMKII activity captures
//!   part of that dynamic actin into a stable pool (Okamoto et al. 2009; Bosch et
//!   al. 2014), with a capture efficiency that falls steeply with the stable
//!   volume (v_half, n_v): small spines are captured into a larger stable state,
//!   large spines are near saturation and enlarge only transiently, and without
//!   kinase (KN-93) every enlargement is transient (Matsuzaki et al. 2004). The
//!   slots follow the volume (PSD area ∝ spine volume: Harris & Stevens 1989;
//!   AMPA current ∝ volume: Matsuzaki et al. 2001). Defaults give, for 60
//!   Mg²⁺-free uncaging pulses at 1 Hz (c_pre = 3), 2.6× the volume at 1 min and
//!   1.7× from 20 min on in a 0.04 um³ spine, 1.3× then back to 1.0 in a 0.2 um³
//!   spine, and 2.6× then back to 1.0 with gamma_k = 0.
//! - Not modelled: receptor synthesis and degradation, lateral diffusion along
//!   the dendrite, stochastic receptor numbers, LTD expression beyond the
//!   phosphatase-driven endocytosis and unbinding (not calibrated).
//!
//! Interventions act through parameters: `exo_block = 1` (botulinum/tetanus
//! toxin light chain, NEM: no exocytosis), `endo_block = 1` (dynamin inhibitory
//! peptide, GluA2-3Y: no endocytosis), `gamma_k = 0` (KN-93), `gamma_pp = 0`
//! (okadaic acid, FK506), `c_pre = 0` (APV).
//!
//! | parameter    | unit | default | meaning |
//! |--------------|------|---------|---------|
//! | tau_c        | ms   | 20      | calcium time constant |
//! | c_pre        | 1    | 1       | calcium per presynaptic spike (NMDA receptors, physiological Mg²⁺) |
//! | c_post       | 1    | 0.6     | calcium per postsynaptic spike |
//! | theta_k      | 1    | 2       | calcium threshold of the kinase |
//! | gamma_k      | 1    | 200     | kinase activation rate above theta_k (0: KN-93) |
//! | tau_k        | ms   | 60 s    | kinase time constant |
//! | theta_pp     | 1    | 1       | calcium threshold of the phosphatase |
//! | gamma_pp     | 1    | 50      | phosphatase activation rate above theta_pp (0: okadaic acid, FK506) |
//! | tau_pp       | ms   | 30 s    | phosphatase time constant |
//! | tau_exo1     | ms   | 100 min | basal exocytosis time constant, GluA2-lacking |
//! | tau_exo_k1   | ms   | 6 s     | kinase-driven exocytosis time constant at K = 1, GluA2-lacking |
//! | tau_exo2     | ms   | 336 s   | constitutive exocytosis time constant, GluA2-containing |
//! | tau_endo     | ms   | 100 s   | endocytosis time constant (extrasynaptic membrane) |
//! | a_endo       | 1    | 4       | phosphatase gain of endocytosis |
//! | tau_hop_in   | ms   | 30 s    | extrasynaptic → PSD hopping time constant |
//! | tau_hop_out  | ms   | 30 s    | PSD → extrasynaptic hopping time constant |
//! | tau_bind     | ms   | 100 s   | binding time constant of a free PSD receptor when every slot is free |
//! | tau_unbind1  | ms   | 8 min   | unbinding time constant, GluA2-lacking |
//! | tau_unbind2  | ms   | 48 h    | unbinding time constant, GluA2-containing |
//! | a_unbind     | 1    | 4       | phosphatase gain of unbinding |
//! | tau_evict    | ms   | 60 s    | release of bound receptors in excess of the slots |
//! | slot_density | 1    | 625     | slots per um³ of spine volume |
//! | tau_slot     | ms   | 120 s   | time constant of the slots following the volume |
//! | rho1         | 1    | 1       | GluA2-lacking receptors per initial slot (total) |
//! | rho2         | 1    | 5.5     | GluA2-containing receptors per initial slot (total) |
//! | g_lack       | 1    | 2       | conductance of a GluA2-lacking receptor relative to GluA2-containing |
//! | v_init       | 1    | 0.04    | initial spine volume [um³] |
//! | theta_a      | 1    | 2       | calcium threshold of actin polymerisation |
//! | poly         | 1    | 0.15    | polymerisation rate above theta_a [um³ per s] |
//! | tau_depoly   | ms   | 180 s   | depolymerisation time constant of dynamic actin |
//! | tau_capture  | ms   | 60 s    | capture time constant of dynamic actin at K = 1 |
//! | v_half       | 1    | 0.1     | stable volume at which capture is halved [um³] |
//! | n_v          | 1    | 4       | steepness of the size dependence of capture |
//! | exo_block    | 1    | 0       | fraction of exocytosis blocked |
//! | endo_block   | 1    | 0       | fraction of endocytosis blocked |
//!
//! References: Earnshaw BA, Bressloff PC (2006) J Neurosci 26:12362-12373,
//! doi:10.1523/JNEUROSCI.3601-06.2006; Matsuzaki M, Honkura N, Ellis-Davies GCR,
//! Kasai H (2004) Nature 429:761-766, doi:10.1038/nature02617; Shi S-H, Hayashi Y,
//! Esteban JA, Malinow R (2001) Cell 105:331-343; Plant K et al. (2006) Nat
//! Neurosci 9:602-604; Lüscher C et al. (1999) Neuron 24:649-658; Graupner M,
//! Brunel N (2012) PNAS 109:3991-3996; Okamoto K, Bosch M, Hayashi Y (2009)
//! Physiology 24:357-366; Bosch M et al. (2014) Neuron 82:444-459; Matsuzaki M
//! et al. (2001) Nat Neurosci 4:1086-1092; Harris KM, Stevens JK (1989) J Neurosci
//! 9:2982-2997; Swanson GT, Kamboj SK, Cull-Candy SG (1997) J Neurosci 17:58-69.

use engram_core::model::{PostSpike, PreSpike, SlowTick, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::units::Dimension::{Dimensionless, Time};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct AmparTrafficking;

/// Shared parameters of one projection; rates in 1/ms.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub tau_c: f64,
    pub c_pre: f64,
    pub c_post: f64,
    pub theta_k: f64,
    pub gamma_k: f64,
    pub tau_k: f64,
    pub theta_pp: f64,
    pub gamma_pp: f64,
    pub tau_pp: f64,
    /// Exocytosis rates: basal GluA2-lacking, kinase-driven GluA2-lacking (at K = 1), GluA2-containing.
    pub exo1: f64,
    pub exo_k1: f64,
    pub exo2: f64,
    pub endo: f64,
    pub a_endo: f64,
    pub hop_in: f64,
    pub hop_out: f64,
    pub bind: f64,
    pub unbind1: f64,
    pub unbind2: f64,
    pub a_unbind: f64,
    pub evict: f64,
    pub slot_density: f64,
    pub slot_rate: f64,
    pub rho1: f64,
    pub rho2: f64,
    pub g_lack: f64,
    pub v_init: f64,
    pub theta_a: f64,
    /// Polymerisation rate [um³/ms].
    pub poly: f64,
    pub depoly: f64,
    pub capture: f64,
    pub v_half: f64,
    pub n_v: f64,
    pub exo_block: f64,
    pub endo_block: f64,
    /// Integration step [ms].
    pub h: f64,
}

/// Number of integrated variables.
pub const NY: usize = 11;
/// Indices into [`Syn::y`].
pub const I1: usize = 0;
#[allow(missing_docs)]
pub const E1: usize = 1;
#[allow(missing_docs)]
pub const F1: usize = 2;
#[allow(missing_docs)]
pub const B1: usize = 3;
#[allow(missing_docs)]
pub const I2: usize = 4;
#[allow(missing_docs)]
pub const E2: usize = 5;
#[allow(missing_docs)]
pub const F2: usize = 6;
#[allow(missing_docs)]
pub const B2: usize = 7;
#[allow(missing_docs)]
pub const S: usize = 8;
#[allow(missing_docs)]
pub const VD: usize = 9;
#[allow(missing_docs)]
pub const VS: usize = 10;

/// Per-synapse state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Syn {
    /// Receptor pools [count] (I1, E1, F1, B1, I2, E2, F2, B2), slots S, volumes Vd, Vs [um³].
    pub y: [f64; NY],
    /// Calcium at `t`.
    pub c: f64,
    /// Kinase activity at `t`.
    pub k: f64,
    /// Phosphatase activity at `t`.
    pub pp: f64,
    /// Time of the last update [ms].
    pub t: f64,
    /// Efficacy scale (the projection's weight) and the weighted PSD count it corresponds to.
    w0: f64,
    eff0: f64,
    /// PSD receptors and volume at the start (for the ratios).
    psd0: f64,
    v0: f64,
}

/// Parameters (shared with `tagging_capture_ampar`, which embeds this chain).
pub(crate) const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "tau_c", dim: Time, default: 20.0, bound: Bound::Positive, doc: "calcium time constant" },
    FieldSpec { name: "c_pre", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "calcium per presynaptic spike (NMDA receptors at physiological Mg; larger without Mg; 0: APV)" },
    FieldSpec { name: "c_post", dim: Dimensionless, default: 0.6, bound: Bound::NonNegative, doc: "calcium per postsynaptic spike" },
    FieldSpec { name: "theta_k", dim: Dimensionless, default: 2.0, bound: Bound::Positive, doc: "calcium threshold of the CaMKII-like kinase" },
    FieldSpec { name: "gamma_k", dim: Dimensionless, default: 200.0, bound: Bound::NonNegative, doc: "kinase activation rate above theta_k (0: CaMKII blocked, KN-93)" },
    FieldSpec { name: "tau_k", dim: Time, default: 60_000.0, bound: Bound::Positive, doc: "kinase time constant" },
    FieldSpec { name: "theta_pp", dim: Dimensionless, default: 1.0, bound: Bound::Positive, doc: "calcium threshold of the calcineurin/PP1-like phosphatase" },
    FieldSpec { name: "gamma_pp", dim: Dimensionless, default: 50.0, bound: Bound::NonNegative, doc: "phosphatase activation rate above theta_pp (0: phosphatases blocked)" },
    FieldSpec { name: "tau_pp", dim: Time, default: 30_000.0, bound: Bound::Positive, doc: "phosphatase time constant" },
    FieldSpec { name: "tau_exo1", dim: Time, default: 6_000_000.0, bound: Bound::Positive, doc: "basal exocytosis time constant of GluA2-lacking receptors" },
    FieldSpec { name: "tau_exo_k1", dim: Time, default: 6_000.0, bound: Bound::Positive, doc: "kinase-driven exocytosis time constant of GluA2-lacking receptors at K = 1" },
    FieldSpec { name: "tau_exo2", dim: Time, default: 336_000.0, bound: Bound::Positive, doc: "constitutive exocytosis time constant of GluA2-containing receptors" },
    FieldSpec { name: "tau_endo", dim: Time, default: 100_000.0, bound: Bound::Positive, doc: "endocytosis time constant of extrasynaptic receptors" },
    FieldSpec { name: "a_endo", dim: Dimensionless, default: 4.0, bound: Bound::NonNegative, doc: "phosphatase gain of endocytosis" },
    FieldSpec { name: "tau_hop_in", dim: Time, default: 30_000.0, bound: Bound::Positive, doc: "hopping time constant extrasynaptic -> PSD" },
    FieldSpec { name: "tau_hop_out", dim: Time, default: 30_000.0, bound: Bound::Positive, doc: "hopping time constant PSD -> extrasynaptic" },
    FieldSpec { name: "tau_bind", dim: Time, default: 100_000.0, bound: Bound::Positive, doc: "binding time constant of a free PSD receptor when every slot is free" },
    FieldSpec { name: "tau_unbind1", dim: Time, default: 480_000.0, bound: Bound::Positive, doc: "unbinding time constant of GluA2-lacking receptors" },
    FieldSpec { name: "tau_unbind2", dim: Time, default: 172_800_000.0, bound: Bound::Positive, doc: "unbinding time constant of GluA2-containing receptors" },
    FieldSpec { name: "a_unbind", dim: Dimensionless, default: 4.0, bound: Bound::NonNegative, doc: "phosphatase gain of unbinding" },
    FieldSpec { name: "tau_evict", dim: Time, default: 60_000.0, bound: Bound::Positive, doc: "release time constant of bound receptors in excess of the slots" },
    FieldSpec { name: "slot_density", dim: Dimensionless, default: 625.0, bound: Bound::Positive, doc: "scaffold slots per um^3 of spine volume" },
    FieldSpec { name: "tau_slot", dim: Time, default: 120_000.0, bound: Bound::Positive, doc: "time constant of the slots following the spine volume" },
    FieldSpec { name: "rho1", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "GluA2-lacking receptors per initial slot (all pools)" },
    FieldSpec { name: "rho2", dim: Dimensionless, default: 5.5, bound: Bound::NonNegative, doc: "GluA2-containing receptors per initial slot (all pools)" },
    FieldSpec { name: "g_lack", dim: Dimensionless, default: 2.0, bound: Bound::NonNegative, doc: "conductance of a GluA2-lacking receptor relative to a GluA2-containing one" },
    FieldSpec { name: "v_init", dim: Dimensionless, default: 0.04, bound: Bound::Positive, doc: "initial spine volume [um^3]" },
    FieldSpec { name: "theta_a", dim: Dimensionless, default: 2.0, bound: Bound::Positive, doc: "calcium threshold of actin polymerisation (calmodulin)" },
    FieldSpec { name: "poly", dim: Dimensionless, default: 0.15, bound: Bound::NonNegative, doc: "actin polymerisation rate above theta_a [um^3 per s]" },
    FieldSpec { name: "tau_depoly", dim: Time, default: 180_000.0, bound: Bound::Positive, doc: "depolymerisation time constant of dynamic actin" },
    FieldSpec { name: "tau_capture", dim: Time, default: 60_000.0, bound: Bound::Positive, doc: "capture time constant of dynamic actin into the stable pool at K = 1" },
    FieldSpec { name: "v_half", dim: Dimensionless, default: 0.1, bound: Bound::Positive, doc: "stable volume at which capture is halved [um^3]" },
    FieldSpec { name: "n_v", dim: Dimensionless, default: 4.0, bound: Bound::Positive, doc: "steepness of the size dependence of capture" },
    FieldSpec { name: "exo_block", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "fraction of exocytosis blocked (1: botulinum/tetanus toxin, NEM)" },
    FieldSpec { name: "endo_block", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "fraction of endocytosis blocked (1: dynamin inhibitory peptide, GluA2-3Y)" },
];

/// Recordable variables (shared with `tagging_capture_ampar`).
pub(crate) const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "", doc: "transmitted efficacy w0 (F2 + B2 + g_lack (F1 + B1)) / initial, in the projection's weight unit" },
    StateVar { name: "psd_receptors", unit: "", doc: "receptors in the PSD, free and bound, both types" },
    StateVar { name: "psd_ratio", unit: "", doc: "PSD receptors over their number at the start" },
    StateVar { name: "glua2_lacking", unit: "", doc: "GluA2-lacking receptors in the PSD (F1 + B1)" },
    StateVar { name: "glua2_lacking_fraction", unit: "", doc: "GluA2-lacking share of the PSD receptors" },
    StateVar { name: "bound", unit: "", doc: "receptors bound to slots (B1 + B2)" },
    StateVar { name: "extrasynaptic", unit: "", doc: "extrasynaptic receptors (E1 + E2)" },
    StateVar { name: "intracellular", unit: "", doc: "intracellular (endosomal) receptors (I1 + I2)" },
    StateVar { name: "slots", unit: "", doc: "scaffold slots S" },
    StateVar { name: "volume", unit: "um3", doc: "spine volume Vs + Vd" },
    StateVar { name: "volume_ratio", unit: "", doc: "spine volume over its value at the start" },
    StateVar { name: "kinase", unit: "", doc: "CaMKII-like activity K" },
    StateVar { name: "phosphatase", unit: "", doc: "phosphatase activity PP" },
    StateVar { name: "calcium", unit: "", doc: "calcium c" },
    StateVar { name: "total_receptors", unit: "", doc: "all receptors, all pools (constant: no synthesis or degradation)" },
];

impl AmparTrafficking {
    /// Right-hand side of the trafficking and spine equations at kinase `k`,
    /// phosphatase `pp` and polymerisation switch `poly_on`.
    fn rhs(p: &Params, y: &[f64; NY], k: f64, pp: f64, poly_on: bool) -> [f64; NY] {
        let s = y[S].max(1e-12);
        let z = y[S] - y[B1] - y[B2];
        let (zp, zm) = (z.max(0.0) / s, (-z).max(0.0) / s);
        let endo = p.endo * (1.0 + p.a_endo * pp) * (1.0 - p.endo_block);
        let exo = [(p.exo1 + k * p.exo_k1) * (1.0 - p.exo_block), p.exo2 * (1.0 - p.exo_block)];
        let unbind = [p.unbind1, p.unbind2];
        let mut d = [0.0; NY];
        for j in 0..2 {
            let o = 4 * j;
            let (i, e, f, b) = (y[o], y[o + 1], y[o + 2], y[o + 3]);
            let ex = exo[j] * i - endo * e;
            let hop = p.hop_in * e - p.hop_out * f;
            let bind = p.bind * f * zp;
            let unb = (unbind[j] * (1.0 + p.a_unbind * pp) + p.evict * zm) * b;
            d[o] = -ex;
            d[o + 1] = ex - hop;
            d[o + 2] = hop - bind + unb;
            d[o + 3] = bind - unb;
        }
        let cap = p.capture * k * y[VD] / (1.0 + (y[VS] / p.v_half).powf(p.n_v));
        d[S] = p.slot_rate * (p.slot_density * (y[VS] + y[VD]) - y[S]);
        d[VD] = if poly_on { p.poly } else { 0.0 } - p.depoly * y[VD] - cap;
        d[VS] = cap;
        d
    }

    /// The pools at rest (K = PP = 0, Vd = 0, blocks off) for spine volume `v`;
    /// see the module docs for the closed form.
    pub fn steady_state(p: &Params, v: f64) -> [f64; NY] {
        let s = p.slot_density * v;
        let q = p.hop_in / p.hop_out;
        let r = [p.exo1 / p.endo, p.exo2 / p.endo];
        let unbind = [p.unbind1, p.unbind2];
        let tot = [p.rho1 * s, p.rho2 * s];
        let a: [f64; 2] = std::array::from_fn(|j| p.bind / s * q * r[j] / unbind[j]);
        let denom = |j: usize, z: f64| 1.0 + r[j] * (1.0 + q) + a[j] * z;
        let g = |z: f64| z + (0..2).map(|j| a[j] * z * tot[j] / denom(j, z)).sum::<f64>() - s;
        let (mut lo, mut hi) = (0.0, s);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if g(mid) > 0.0 {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        let z = 0.5 * (lo + hi);
        let mut y = [0.0; NY];
        for j in 0..2 {
            let x = tot[j] / denom(j, z);
            y[4 * j] = x;
            y[4 * j + 1] = r[j] * x;
            y[4 * j + 2] = q * r[j] * x;
            y[4 * j + 3] = a[j] * x * z;
        }
        y[S] = s;
        y[VS] = v;
        y
    }

    /// One piece with constant threshold flags: K and PP exact, the rest by RK4 with step <= `h`.
    fn piece(p: &Params, s: &mut Syn, len: f64, flags: [bool; 3], h: f64) {
        let gk = if flags[0] { p.gamma_k } else { 0.0 };
        let gp = if flags[1] { p.gamma_pp } else { 0.0 };
        let (k_inf, k_rate, k0) = (gk / (1.0 + gk), (1.0 + gk) / p.tau_k, s.k);
        let (p_inf, p_rate, p0) = (gp / (1.0 + gp), (1.0 + gp) / p.tau_pp, s.pp);
        let kf = |u: f64| k_inf + (k0 - k_inf) * (-k_rate * u).exp();
        let pf = |u: f64| p_inf + (p0 - p_inf) * (-p_rate * u).exp();
        let n = (len / h).ceil().max(1.0);
        let hh = len / n;
        let mut y = s.y;
        for m in 0..n as u64 {
            let u = m as f64 * hh;
            let (ka, kb, kc) = (kf(u), kf(u + 0.5 * hh), kf(u + hh));
            let (pa, pb, pc) = (pf(u), pf(u + 0.5 * hh), pf(u + hh));
            let k1 = Self::rhs(p, &y, ka, pa, flags[2]);
            let y2: [f64; NY] = std::array::from_fn(|i| y[i] + 0.5 * hh * k1[i]);
            let k2 = Self::rhs(p, &y2, kb, pb, flags[2]);
            let y3: [f64; NY] = std::array::from_fn(|i| y[i] + 0.5 * hh * k2[i]);
            let k3 = Self::rhs(p, &y3, kb, pb, flags[2]);
            let y4: [f64; NY] = std::array::from_fn(|i| y[i] + hh * k3[i]);
            let k4 = Self::rhs(p, &y4, kc, pc, flags[2]);
            for i in 0..NY {
                y[i] += hh / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
        s.y = y;
        s.k = kf(len);
        s.pp = pf(len);
    }

    /// Advances over `len` ms with no calcium jump inside.
    fn segment(p: &Params, s: &mut Syn, len: f64, h: f64) {
        if len <= 0.0 {
            return;
        }
        let c0 = s.c;
        let thresholds = [p.theta_k, p.theta_pp, p.theta_a];
        let cross = |theta: f64| if c0 > theta { (p.tau_c * (c0 / theta).ln()).min(len) } else { 0.0 };
        let mut cuts = [cross(thresholds[0]), cross(thresholds[1]), cross(thresholds[2]), len];
        cuts.sort_by(f64::total_cmp);
        let mut start = 0.0;
        for end in cuts {
            let l = end - start;
            if l > 0.0 {
                let c_mid = c0 * (-(start + end) * 0.5 / p.tau_c).exp();
                let flags = [c_mid > thresholds[0], c_mid > thresholds[1], c_mid > thresholds[2]];
                Self::piece(p, s, l, flags, h);
                start = end;
            }
        }
        s.c = c0 * (-len / p.tau_c).exp();
        s.t += len;
    }

    /// Brings the synapse to `t` ms with integration step at most `h` ms.
    pub fn advance_to_with(p: &Params, s: &mut Syn, t: f64, h: f64) {
        Self::segment(p, s, t - s.t, h);
    }

    /// Brings the synapse to `t` ms.
    pub fn advance_to(p: &Params, s: &mut Syn, t: f64) {
        Self::advance_to_with(p, s, t, p.h);
    }

    /// PSD receptors, both types.
    pub fn psd(s: &Syn) -> f64 {
        s.y[F1] + s.y[B1] + s.y[F2] + s.y[B2]
    }

    fn weighted(p: &Params, y: &[f64; NY]) -> f64 {
        y[F2] + y[B2] + p.g_lack * (y[F1] + y[B1])
    }

    /// The weighted PSD conductance relative to the start, 1 at rest
    /// (the early change read by `tagging_capture_ampar`).
    pub(crate) fn conductance_ratio(p: &Params, s: &Syn) -> f64 {
        if s.eff0 > 0.0 {
            Self::weighted(p, &s.y) / s.eff0
        } else {
            1.0
        }
    }

    /// The efficacy scale w0 (the projection's weight).
    pub(crate) fn read_w0(s: &Syn) -> f64 {
        s.w0
    }

    fn efficacy(p: &Params, s: &Syn) -> f64 {
        if s.eff0 > 0.0 {
            s.w0 * Self::weighted(p, &s.y) / s.eff0
        } else {
            s.w0
        }
    }
}

impl SynapseModel for AmparTrafficking {
    type Params = Params;
    type Syn = Syn;
    type Row = ();

    const INFO: ModelInfo = ModelInfo {
        name: "ampar_trafficking",
        kind: ModelKind::Synapse,
        summary: "AMPA receptor trafficking (intracellular, extrasynaptic, PSD free and slot-bound; GluA2-lacking and GluA2-containing) driven by calcium-dependent kinase and phosphatase, with a spine whose actin-supported volume sets the slots (Earnshaw & Bressloff 2006; Matsuzaki et al. 2004).",
        equations: "dc/dt = -c/tau_c;  c += c_pre at t_pre;  c += c_post at t_post
tau_k dK/dt = gamma_k (1 - K) H(c - theta_k) - K;   tau_pp dPP/dt = gamma_pp (1 - PP) H(c - theta_pp) - PP
type j (1: GluA2-lacking, 2: GluA2-containing): I (intracellular) <-> E (extrasynaptic) <-> F (PSD, free) <-> B (PSD, bound)
  exocytosis I->E: sigma_1 = (1/tau_exo1 + K/tau_exo_k1)(1 - exo_block), sigma_2 = (1 - exo_block)/tau_exo2
  endocytosis E->I: (1 + a_endo PP)(1 - endo_block)/tau_endo;  hopping E->F 1/tau_hop_in, F->E 1/tau_hop_out
  binding F->B: max(Z,0)/(S tau_bind), Z = S - B1 - B2;  unbinding B->F: (1 + a_unbind PP)/tau_unbind_j + max(-Z,0)/(S tau_evict)
spine: dVd/dt = poly H(c - theta_a) - Vd/tau_depoly - cap;  dVs/dt = cap = K Vd / (tau_capture (1 + (Vs/v_half)^n_v))
slots: tau_slot dS/dt = slot_density (Vs + Vd) - S
efficacy w = w0 (F2 + B2 + g_lack (F1 + B1)) / (its value at the start)
start: closed-form steady state at rest for v_init; calcium, K, PP exact between threshold crossings;
pools, slots and volume by RK4 on each piece, step min(1 s, 0.1/largest rate); advanced at spikes and slow ticks",
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: &[
            "Earnshaw BA, Bressloff PC (2006) Biophysical model of AMPA receptor trafficking and its regulation during long-term potentiation/long-term depression. J Neurosci 26:12362-12373. doi:10.1523/JNEUROSCI.3601-06.2006",
            "Matsuzaki M, Honkura N, Ellis-Davies GCR, Kasai H (2004) Structural basis of long-term potentiation in single dendritic spines. Nature 429:761-766. doi:10.1038/nature02617",
            "Shi S-H, Hayashi Y, Esteban JA, Malinow R (2001) Subunit-specific rules governing AMPA receptor trafficking to synapses in hippocampal pyramidal neurons. Cell 105:331-343",
            "Plant K, Pelkey KA, Bortolotto ZA, et al. (2006) Transient incorporation of native GluR2-lacking AMPA receptors during hippocampal long-term potentiation. Nat Neurosci 9:602-604",
            "Luscher C, Xia H, Beattie EC, et al. (1999) Role of AMPA receptor cycling in synaptic transmission and plasticity. Neuron 24:649-658",
            "Graupner M, Brunel N (2012) Calcium-based plasticity model explains sensitivity of synaptic changes to spike pattern, rate, and dendritic location. PNAS 109:3991-3996",
            "Okamoto K, Bosch M, Hayashi Y (2009) The roles of CaMKII and F-actin in the structural plasticity of dendritic spines. Physiology 24:357-366",
            "Bosch M, Castro J, Saneyoshi T, et al. (2014) Structural and molecular remodeling of dendritic spine substructures during long-term potentiation. Neuron 82:444-459",
            "Matsuzaki M, Ellis-Davies GCR, Nemoto T, et al. (2001) Dendritic spine geometry is critical for AMPA receptor expression in hippocampal CA1 pyramidal neurons. Nat Neurosci 4:1086-1092",
            "Swanson GT, Kamboj SK, Cull-Candy SG (1997) Single-channel properties of recombinant AMPA receptors depend on RNA editing, splice variation, and subunit composition. J Neurosci 17:58-69",
            "Rate constants: this implementation's calibration to the Earnshaw & Bressloff (2006) block time courses and Matsuzaki et al. (2004) (module docs of ampar_trafficking.rs)",
        ],
    };
    const SYN_VARS: &'static [StateVar] = SYN_VARS;
    const ON_POST: bool = true;
    const SLOW: bool = true;
    const FIELD: bool = false;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let rate = |name: &str| 1.0 / v.get(name);
        let mut p = Params {
            tau_c: v.get("tau_c"),
            c_pre: v.get("c_pre"),
            c_post: v.get("c_post"),
            theta_k: v.get("theta_k"),
            gamma_k: v.get("gamma_k"),
            tau_k: v.get("tau_k"),
            theta_pp: v.get("theta_pp"),
            gamma_pp: v.get("gamma_pp"),
            tau_pp: v.get("tau_pp"),
            exo1: rate("tau_exo1"),
            exo_k1: rate("tau_exo_k1"),
            exo2: rate("tau_exo2"),
            endo: rate("tau_endo"),
            a_endo: v.get("a_endo"),
            hop_in: rate("tau_hop_in"),
            hop_out: rate("tau_hop_out"),
            bind: rate("tau_bind"),
            unbind1: rate("tau_unbind1"),
            unbind2: rate("tau_unbind2"),
            a_unbind: v.get("a_unbind"),
            evict: rate("tau_evict"),
            slot_density: v.get("slot_density"),
            slot_rate: rate("tau_slot"),
            rho1: v.get("rho1"),
            rho2: v.get("rho2"),
            g_lack: v.get("g_lack"),
            v_init: v.get("v_init"),
            theta_a: v.get("theta_a"),
            poly: v.get("poly") * 1e-3,
            depoly: rate("tau_depoly"),
            capture: rate("tau_capture"),
            v_half: v.get("v_half"),
            n_v: v.get("n_v"),
            exo_block: v.get("exo_block"),
            endo_block: v.get("endo_block"),
            h: 0.0,
        };
        if p.rho1 + p.rho2 <= 0.0 {
            return Err(CoreError::Inconsistent("rho1 + rho2 must be positive: the synapse needs receptors".into()));
        }
        // Largest rate of the integrated system (K = PP = 1; binding seen from the
        // slots' side, where up to all receptors can be free in the PSD).
        let rates = [
            p.exo1 + p.exo_k1,
            p.exo2,
            p.endo * (1.0 + p.a_endo),
            p.hop_in,
            p.hop_out + p.bind,
            p.bind * (1.0 + p.rho1 + p.rho2),
            p.unbind1.max(p.unbind2) * (1.0 + p.a_unbind) + p.evict,
            p.slot_rate,
            p.depoly + p.capture,
        ];
        let lambda = rates.into_iter().fold(0.0, f64::max);
        p.h = (0.1 / lambda).min(1000.0);
        Ok(p)
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    fn init(p: &Params, weight: f64) -> Result<Syn, CoreError> {
        if weight <= 0.0 || !weight.is_finite() {
            return Err(CoreError::Inconsistent(format!("the initial weight must be positive (got {weight})")));
        }
        let y = Self::steady_state(p, p.v_init);
        let s = Syn { y, w0: weight, eff0: Self::weighted(p, &y), psd0: y[F1] + y[B1] + y[F2] + y[B2], v0: p.v_init, ..Syn::default() };
        Ok(s)
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut PreSpike<'_>) {
        Self::advance_to(p, syn, cx.stamp as f64 * cx.dt_ms);
        syn.c += p.c_pre;
        *w = Self::efficacy(p, syn);
    }

    fn on_post(p: &Params, syn: &mut Syn, w: &mut f64, cx: &PostSpike) {
        Self::advance_to(p, syn, cx.stamp as f64 * cx.dt_ms);
        syn.c += p.c_post;
        *w = Self::efficacy(p, syn);
    }

    fn slow_drive(p: &Params, syn: &mut Syn, w: &mut f64, t_ms: f64) -> [f64; 2] {
        Self::advance_to(p, syn, t_ms);
        *w = Self::efficacy(p, syn);
        [0.0, 0.0]
    }

    fn slow_apply(_p: &Params, _syn: &mut Syn, _w: &mut f64, _cx: &SlowTick) {}

    fn read(_p: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        let y = &syn.y;
        let psd = Self::psd(syn);
        match var {
            1 => psd,
            2 => psd / syn.psd0,
            3 => y[F1] + y[B1],
            4 => (y[F1] + y[B1]) / psd,
            5 => y[B1] + y[B2],
            6 => y[E1] + y[E2],
            7 => y[I1] + y[I2],
            8 => y[S],
            9 => y[VS] + y[VD],
            10 => (y[VS] + y[VD]) / syn.v0,
            11 => syn.k,
            12 => syn.pp,
            13 => syn.c,
            14 => y[..8].iter().sum(),
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: f64 = 60_000.0;

    fn params(over: &[(&str, f64)]) -> Params {
        let v = AmparTrafficking::INFO.resolve(over.iter().copied()).unwrap();
        AmparTrafficking::params(&v).unwrap()
    }

    fn syn(p: &Params) -> Syn {
        AmparTrafficking::init(p, 1.0).unwrap()
    }

    /// Presynaptic spikes at `rate` Hz from `t0` ms, each adding `c` to calcium.
    fn train(p: &Params, s: &mut Syn, t0: f64, n: usize, rate: f64, c: f64) {
        for i in 0..n {
            AmparTrafficking::advance_to(p, s, t0 + i as f64 * 1000.0 / rate);
            s.c += c;
        }
    }

    fn totals(s: &Syn) -> [f64; 2] {
        [s.y[I1] + s.y[E1] + s.y[F1] + s.y[B1], s.y[I2] + s.y[E2] + s.y[F2] + s.y[B2]]
    }

    /// The closed-form rest state is a fixed point of the equations, and an
    /// arbitrary start (every receptor intracellular) relaxes to it.
    #[test]
    fn issue5_steady_state_matches_closed_form() {
        let p = params(&[("tau_unbind2", 3_600_000.0)]);
        let ss = AmparTrafficking::steady_state(&p, p.v_init);
        let d = AmparTrafficking::rhs(&p, &ss, 0.0, 0.0, false);
        for i in 0..NY {
            assert!(d[i].abs() < 1e-12 * (1.0 + ss[i]), "d[{i}] = {}", d[i]);
        }
        // Conservation in the closed form: the totals are rho_j S.
        let s0 = p.slot_density * p.v_init;
        assert!((ss[I1] + ss[E1] + ss[F1] + ss[B1] - p.rho1 * s0).abs() < 1e-9);
        assert!((ss[I2] + ss[E2] + ss[F2] + ss[B2] - p.rho2 * s0).abs() < 1e-9);
        let mut s = syn(&p);
        let tot = totals(&s);
        s.y[..8].fill(0.0);
        s.y[I1] = tot[0];
        s.y[I2] = tot[1];
        AmparTrafficking::advance_to(&p, &mut s, 40.0 * 3_600_000.0);
        for (i, (y, c)) in s.y.iter().zip(&ss).enumerate() {
            assert!((y - c).abs() < 1e-6 * (1.0 + c), "y[{i}] = {y} vs closed form {c}");
        }
    }

    /// The default calibration: 46.4 receptors in the PSD over 25 slots.
    #[test]
    fn issue5_default_rest_state() {
        let p = params(&[]);
        let s = syn(&p);
        let psd = AmparTrafficking::psd(&s);
        assert!((psd - 46.4).abs() < 0.1, "{psd}");
        assert!((s.y[S] - 25.0).abs() < 1e-12);
        assert!(s.y[B1] + s.y[B2] <= s.y[S]);
    }

    /// Totals of each type stay constant through induction and blocks (RK4
    /// preserves linear invariants up to rounding).
    #[test]
    fn issue5_receptor_conservation() {
        let p = params(&[]);
        let mut s = syn(&p);
        let t0 = totals(&s);
        train(&p, &mut s, 1000.0, 100, 100.0, p.c_pre);
        AmparTrafficking::advance_to(&p, &mut s, 30.0 * MIN);
        let pe = params(&[("endo_block", 1.0)]);
        AmparTrafficking::advance_to(&pe, &mut s, 90.0 * MIN);
        let px = params(&[("exo_block", 1.0), ("gamma_pp", 0.0)]);
        train(&px, &mut s, 90.0 * MIN, 900, 1.0, 1.5);
        AmparTrafficking::advance_to(&px, &mut s, 200.0 * MIN);
        let t1 = totals(&s);
        for j in 0..2 {
            assert!((t1[j] - t0[j]).abs() < 1e-9 * t0[j], "type {j}: {} -> {}", t0[j], t1[j]);
        }
    }

    /// The integration error: steps 8 times smaller change nothing beyond 1e-6 (relative).
    #[test]
    fn issue5_integration_error_is_bounded() {
        let p = params(&[]);
        let (mut a, mut b) = (syn(&p), syn(&p));
        for (s, h) in [(&mut a, p.h), (&mut b, p.h / 8.0)] {
            for i in 0..100 {
                AmparTrafficking::advance_to_with(&p, s, 1000.0 + i as f64 * 10.0, h);
                s.c += p.c_pre;
            }
            AmparTrafficking::advance_to_with(&p, s, 20.0 * MIN, h);
        }
        for i in 0..NY {
            assert!((a.y[i] - b.y[i]).abs() <= 1e-6 * b.y[i].abs().max(1e-3), "y[{i}]: {} vs {}", a.y[i], b.y[i]);
        }
        assert!((a.k - b.k).abs() < 1e-12 && (a.pp - b.pp).abs() < 1e-12);
    }

    /// Splitting an interval at slow ticks changes the result only within the integration error.
    #[test]
    fn issue5_updates_compose() {
        let p = params(&[]);
        let (mut a, mut b) = (syn(&p), syn(&p));
        a.c = 3.0;
        b.c = 3.0;
        AmparTrafficking::advance_to(&p, &mut a, 10.0 * MIN);
        let mut t = 0.0;
        while t < 10.0 * MIN {
            t += 100.0;
            AmparTrafficking::advance_to(&p, &mut b, t);
        }
        for i in 0..NY {
            assert!((a.y[i] - b.y[i]).abs() <= 1e-7 * b.y[i].abs().max(1e-3), "y[{i}]: {} vs {}", a.y[i], b.y[i]);
        }
    }

    /// Earnshaw & Bressloff (2006): blocking exocytosis roughly halves the PSD
    /// receptors within 10 min; blocking endocytosis roughly doubles them within 1 h.
    #[test]
    fn issue5_exocytosis_and_endocytosis_blocks() {
        let px = params(&[("exo_block", 1.0)]);
        let mut s = syn(&px);
        let b = AmparTrafficking::psd(&s);
        AmparTrafficking::advance_to(&px, &mut s, 10.0 * MIN);
        let exo10 = AmparTrafficking::psd(&s) / b;
        assert!((0.45..0.65).contains(&exo10), "exocytosis block, 10 min: {exo10}");
        let pe = params(&[("endo_block", 1.0)]);
        let mut s = syn(&pe);
        AmparTrafficking::advance_to(&pe, &mut s, 60.0 * MIN);
        let endo60 = AmparTrafficking::psd(&s) / b;
        assert!((1.7..2.3).contains(&endo60), "endocytosis block, 1 h: {endo60}");
    }

    /// After a tetanus GluA2-lacking receptors enter the PSD first and are
    /// replaced by GluA2-containing ones within 20-30 min; the PSD stays potentiated.
    #[test]
    fn issue5_glua2_lacking_inserted_then_replaced() {
        let p = params(&[]);
        let mut s = syn(&p);
        let (b, lack0) = (AmparTrafficking::psd(&s), s.y[F1] + s.y[B1]);
        train(&p, &mut s, 1000.0, 100, 100.0, p.c_pre);
        let mut peak: f64 = 0.0;
        for m in 1..=5 {
            AmparTrafficking::advance_to(&p, &mut s, 1000.0 + m as f64 * MIN);
            peak = peak.max(s.y[F1] + s.y[B1]);
        }
        AmparTrafficking::advance_to(&p, &mut s, 1000.0 + 30.0 * MIN);
        let lack30 = s.y[F1] + s.y[B1];
        AmparTrafficking::advance_to(&p, &mut s, 1000.0 + 60.0 * MIN);
        assert!(peak > 5.0 * lack0, "peak {peak} vs rest {lack0}");
        assert!(lack30 - lack0 < 0.1 * (peak - lack0), "30 min: {lack30} (peak {peak}, rest {lack0})");
        assert!(AmparTrafficking::psd(&s) / b > 1.2, "LTP at 60 min: {}", AmparTrafficking::psd(&s) / b);
    }

    /// Matsuzaki et al. (2004): uncaging enlarges small spines persistently and
    /// large ones transiently; without CaMKII the enlargement is transient.
    #[test]
    fn issue5_spine_enlargement_small_large_kn93() {
        let run = |over: &[(&str, f64)]| {
            let p = params(over);
            let mut s = syn(&p);
            train(&p, &mut s, 1000.0, 60, 1.0, 3.0);
            AmparTrafficking::advance_to(&p, &mut s, 62_000.0);
            let early = (s.y[VS] + s.y[VD]) / s.v0;
            AmparTrafficking::advance_to(&p, &mut s, 61_000.0 + 60.0 * MIN);
            (early, (s.y[VS] + s.y[VD]) / s.v0)
        };
        let (small_early, small_late) = run(&[]);
        let (large_early, large_late) = run(&[("v_init", 0.2)]);
        let (kn_early, kn_late) = run(&[("gamma_k", 0.0)]);
        assert!(small_early > 2.0 && small_late > 1.5, "small {small_early} {small_late}");
        assert!(large_early > 1.2 && large_late < 1.05, "large {large_early} {large_late}");
        assert!(kn_early > 2.0 && kn_late < 1.02, "kn93 {kn_early} {kn_late}");
    }

    /// Moderate calcium (above theta_pp, below theta_k) activates the phosphatase,
    /// which speeds endocytosis and unbinding: PSD receptors fall during the
    /// train and recover after it. With the phosphatase blocked (okadaic acid,
    /// FK506: gamma_pp = 0) nothing changes.
    #[test]
    fn issue5_phosphatase_drives_endocytosis() {
        let run = |over: &[(&str, f64)]| {
            let p = params(over);
            let mut s = syn(&p);
            let b = AmparTrafficking::psd(&s);
            train(&p, &mut s, 1000.0, 300, 1.0, 1.5);
            AmparTrafficking::advance_to(&p, &mut s, 301_000.0);
            let during = AmparTrafficking::psd(&s) / b;
            AmparTrafficking::advance_to(&p, &mut s, 301_000.0 + 120.0 * MIN);
            (during, AmparTrafficking::psd(&s) / b, s.k)
        };
        let (during, after, k) = run(&[]);
        assert!(k == 0.0, "no kinase below theta_k: {k}");
        assert!(during < 0.9, "phosphatase-driven loss: {during}");
        assert!((after - 1.0).abs() < 0.02, "recovers: {after}");
        let (during, after, _) = run(&[("gamma_pp", 0.0)]);
        assert!((during - 1.0).abs() < 1e-9 && (after - 1.0).abs() < 1e-9, "blocked: {during} {after}");
    }

    /// Long mixed activity keeps every pool finite and non-negative.
    #[test]
    fn issue5_bounds_and_no_nan() {
        let p = params(&[]);
        let mut s = syn(&p);
        let mut t = 0.0;
        for burst in 0..40 {
            let c = [0.6, 1.2, 3.0, 5.0][burst % 4];
            for i in 0..50 {
                t += [5.0, 20.0, 300.0, 1000.0][(burst / 4) % 4] * (1.0 + (i % 3) as f64);
                AmparTrafficking::advance_to(&p, &mut s, t);
                s.c += c;
            }
            t += 10.0 * MIN;
            AmparTrafficking::advance_to(&p, &mut s, t);
            for i in 0..NY {
                assert!(s.y[i].is_finite() && s.y[i] > -1e-9, "burst {burst}: y[{i}] = {}", s.y[i]);
            }
            assert!((0.0..1.0).contains(&s.k) && (0.0..1.0).contains(&s.pp));
            assert!(s.y[VS] >= p.v_init - 1e-12);
        }
    }

    #[test]
    fn issue5_rejects_bad_input() {
        let v = AmparTrafficking::INFO.resolve([("rho1", 0.0), ("rho2", 0.0)]).unwrap();
        assert!(AmparTrafficking::params(&v).is_err());
        let p = params(&[]);
        assert!(AmparTrafficking::init(&p, 0.0).is_err());
        assert!(AmparTrafficking::init(&p, -1.0).is_err());
    }
}
