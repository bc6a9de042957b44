//! `tagging_capture`: calcium-based early phase, synaptic tags, capture of
//! plasticity-related proteins and a late phase (Li, Kulvicius & Tetzlaff 2016;
//! Luboeinski & Tetzlaff 2021).
//!
//! ```text
//! calcium:  dc/dt = -c/tau_c ;  c += c_pre at t_pre + t_c_delay ;  c += c_post at t_post
//! early:    tau_h dh/dt = 0.1 a (h0 - h) + gamma_p (h_max - h) H(c - theta_p) - gamma_d h H(c - theta_d)
//!                         + sigma_pl sqrt(tau_h (H(c - theta_p) + H(c - theta_d))) xi(t)
//! tags:     LTP tag while h - h0 > theta_tag ;  LTD tag while h0 - h > theta_tag
//! late:     tau_z dz/dt = p_ltp (z_max - z) [LTP tag] - p_ltd (z - z_min) [LTD tag]
//!           (p: the postsynaptic neuron's protein pool(s), see `protein_pool`)
//! efficacy: w = h + h0 z   (transmitted, in mV for lif_psc_delta targets)
//! ```
//!
//! Fast state (c, h) is event-driven and exact: between events calcium decays
//! exponentially, so the times at which it crosses theta_p and theta_d are known
//! in closed form, and on each piece h follows a linear SDE whose Gaussian
//! transition is drawn exactly (an Ornstein–Uhlenbeck step; noise only while
//! calcium is above a threshold). Slow state (tags, z) advances on the slow
//! clock or, in quiet periods, in closed form to the next switch (a tag ending
//! or protein synthesis stopping). Each synapse draws its noise from its own
//! counter-based stream, so results do not depend on threads.
//!
//! **Synthesis and degradation (proteasome).** `a = proteasome` is the
//! proteasome activity (1 by default, 0 under MG132). Two processes depend on it
//! (Fonseca, Vabulas, Hartl, Bonhoeffer & Nägerl 2006; the positive and negative
//! plasticity proteins of Smolen, Baxter & Byrne 2018):
//!
//! ```text
//! early potentiation decays by degradation:   the 0.1 (h0 - h) term above carries the factor a
//! undegraded negative regulator reverses it:  dh/dt = -(1 - a) p_ltp (h - h0) / tau_neg
//! ```
//!
//! The negative regulator (an LTP-suppressing protein made with the PRPs, e.g.
//! the translational repressors that accumulate under proteasome inhibition,
//! Dong et al. 2008, 2014) is made in proportion to the neuron's proteins and
//! normally cleared at once by the proteasome; it is not a state of its own.
//! The reversal is applied at each slow tick in closed form with the interval's
//! protein integral, `h - h0 <- (h - h0) exp(-(1 - a) ∫p_ltp dt / tau_neg)`. So
//! blocking degradation alone lets the proteins made after a tetanus reverse the
//! early phase before it is consolidated (late LTP impaired); blocking synthesis
//! alone (anisomycin, on `protein_pool`) leaves nothing to capture; blocking both
//! leaves no regulator and no decay, and once the drugs are washed out the tag and
//! the synthesis drive are still there and consolidation goes ahead: the result
//! of Fonseca et al. follows from the balance, not from a rule for the drugs.
//! With `a = 1` none of this changes anything. While `a < 1` a synapse away from
//! h0 is not quiet (the reversal follows the protein level, which the tag and
//! drive predictions of fast-forward do not know), so the engine steps.
//!
//! Interventions act through parameters: `tag_block = 1` (no tags can be set),
//! `zip = 1` (the late weight decays to 0 with `tau_zip`, as after ZIP/PKMζ
//! inhibition), `c_pre = 0` (NMDA receptor block, APV); protein synthesis is
//! blocked on the neuron's `protein_pool` (anisomycin: `alpha = 0`);
//! `proteasome = 0` blocks degradation (MG132, above).
//!
//! **Noradrenaline (β-adrenergic receptors).** When the protocol binds a
//! modulator of the target's region (`modulator = "noradrenaline"` on the
//! projection), the potentiation threshold in effect is
//!
//! ```text
//! occ = L / (L + K_beta)                       L = max(level, 0), level = tonic + phasic
//! theta_p_eff = theta_d + (theta_p - theta_d) (1 - beta_gain occ)
//! ```
//!
//! sampled at every slow tick and held until the next: β-adrenergic activation
//! lowers the threshold for LTP induction (Thomas, Moody, Makhinson & O'Dell
//! 1996), never below the depression threshold.
//! `beta_gain = 0` (default) leaves `theta_p` unchanged; propranolol sets it to 0.
//! Calcium above `theta_d` lasts only ~100 ms after a spike, so the sampled
//! threshold is exact for tetani delivered while the level changes slowly
//! compared with the slow clock.
//!
//! | parameter  | unit | default  | meaning |
//! |------------|------|----------|---------|
//! | tau_c      | ms   | 48.8     | calcium time constant |
//! | c_pre      | 1    | 1        | calcium jump per presynaptic spike |
//! | c_post     | 1    | 0.2758   | calcium jump per postsynaptic spike |
//! | t_c_delay  | ms   | 18.8     | delay of the presynaptic calcium jump |
//! | theta_p    | 1    | 3        | calcium threshold for potentiation |
//! | theta_d    | 1    | 1.2      | calcium threshold for depression |
//! | gamma_p    | 1    | 1645.6   | potentiation rate |
//! | gamma_d    | 1    | 313.1    | depression rate |
//! | tau_h      | ms   | 688400   | early-phase time constant |
//! | h0         | mV   | 4.20075  | baseline early weight |
//! | h_max      | mV   | 10       | potentiation target of h |
//! | sigma_pl   | mV   | 2.90436  | plasticity noise amplitude |
//! | theta_tag  | mV   | 0.840149 | tagging threshold on abs(h − h0) |
//! | tau_z      | ms   | 3600000  | late-phase time constant |
//! | z_max      | 1    | 1        | late weight of a consolidated potentiation |
//! | z_min      | 1    | -0.5     | late weight of a consolidated depression |
//! | tag_block  | 1    | 0        | 1: tags cannot be set |
//! | zip        | 1    | 0        | 1: late-phase maintenance blocked |
//! | tau_zip    | ms   | 3600000  | decay of z while maintenance is blocked |
//! | beta_gain  | 1    | 0        | fraction of theta_p − theta_d removed at full β-adrenergic occupancy |
//! | K_beta     | 1    | 1        | modulator level at half occupancy |
//! | proteasome | 1    | 1        | proteasome activity a (0: degradation blocked, MG132) |
//! | tau_neg    | ms   | 600000   | reversal of early LTP per unit protein by the undegraded negative regulator |
//!
//! The initial early weight is the projection's `weight` (normally `h0`); z starts at 0.
//!
//! References: Li Y, Kulvicius T, Tetzlaff C (2016) PLoS ONE 11:e0161679,
//! doi:10.1371/journal.pone.0161679; Luboeinski J, Tetzlaff C (2021) Commun Biol
//! 4:275, doi:10.1038/s42003-021-01778-y (parameters, Table 1); Graupner M, Brunel N
//! (2012) PNAS 109:3991 (calcium rule); Frey U, Morris RGM (1997) Nature 385:533;
//! Pastalkova E et al. (2006) Science 313:1141 (ZIP); Thomas MJ, Moody TD,
//! Makhinson M, O'Dell TJ (1996) Neuron 17:475 (β-adrenergic LTP threshold);
//! Fonseca R, Vabulas RM, Hartl FU, Bonhoeffer T, Nägerl UV (2006) Neuron 52:239
//! (synthesis/degradation balance); Smolen P, Baxter DA, Byrne JH (2018)
//! arXiv:1808.06578 (positive and negative regulator proteins); Dong C et al.
//! (2008) Learn Mem 15:335 (proteasome inhibition and L-LTP).

use engram_core::model::{PostSpike, PreSpike, SlowTick, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::rng::{Purpose, Stream};
use engram_core::units::Dimension::{Dimensionless, Time, Voltage};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct TaggingCapture;

/// Shared parameters of one projection.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub tau_c: f64,
    pub c_pre: f64,
    pub c_post: f64,
    pub t_c_delay: f64,
    pub theta_p: f64,
    pub theta_d: f64,
    pub gamma_p: f64,
    pub gamma_d: f64,
    pub tau_h: f64,
    pub h0: f64,
    pub h_max: f64,
    pub sigma_pl: f64,
    pub theta_tag: f64,
    /// Tags' effect, capture and maintenance of the late weight.
    pub late: LatePhase,
    pub beta_gain: f64,
    pub k_beta: f64,
    /// Proteasome activity a (1 normal, 0 blocked).
    pub proteasome: f64,
    pub tau_neg: f64,
}

/// The late phase shared by the tagging-and-capture synapses (this one and
/// `tagging_capture_ampar`): which tags count, capture of the neuron's proteins
/// into the late weight z, and the ZIP-like maintenance block.
#[derive(Debug, Clone, Copy, PartialEq)]
#[allow(missing_docs)]
pub struct LatePhase {
    pub tau_z: f64,
    pub z_max: f64,
    pub z_min: f64,
    pub tag_block: bool,
    pub zip: bool,
    pub tau_zip: f64,
}

impl LatePhase {
    /// Reads `tau_z`, `z_max`, `z_min`, `tag_block`, `zip`, `tau_zip`.
    pub(crate) fn from_values(v: &ParamValues) -> Result<Self, CoreError> {
        let l = LatePhase {
            tau_z: v.get("tau_z"),
            z_max: v.get("z_max"),
            z_min: v.get("z_min"),
            tag_block: v.get("tag_block") >= 0.5,
            zip: v.get("zip") >= 0.5,
            tau_zip: v.get("tau_zip"),
        };
        if l.z_min > l.z_max {
            return Err(CoreError::Inconsistent(format!("z_min ({}) must not exceed z_max ({})", l.z_min, l.z_max)));
        }
        Ok(l)
    }

    /// z after one slow interval, with the tags held since its start (bit 0: LTP,
    /// bit 1: LTD) and the protein integrals of the interval, in closed form.
    pub(crate) fn capture(&self, mut z: f64, tags: u8, cx: &SlowTick) -> f64 {
        let (ltp, ltd) = (tags & 1 != 0 && !self.tag_block, tags & 2 != 0 && !self.tag_block);
        if ltp {
            z = self.z_max - (self.z_max - z) * (-cx.protein_integral[0] / self.tau_z).exp();
        } else if ltd {
            z = self.z_min + (z - self.z_min) * (-cx.protein_integral[1] / self.tau_z).exp();
        }
        if self.zip {
            z *= (-cx.dt_ms / self.tau_zip).exp();
        }
        z
    }
}

/// Most presynaptic calcium jumps that can be pending at once (t_c_delay / ISI).
const PENDING: usize = 4;

/// Per-synapse state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Syn {
    /// Calcium at `t`.
    pub c: f64,
    /// Early weight at `t` [mV].
    pub h: f64,
    /// Late weight [units of h0].
    pub z: f64,
    /// Time of the last update [ms].
    pub t: f64,
    /// Times of pending presynaptic calcium jumps [ms], oldest first.
    pending: [f64; PENDING],
    n_pending: u8,
    /// Noise stream key and draws so far.
    key: u64,
    draws: u64,
    /// Tags as of the last slow tick (bit 0: LTP, bit 1: LTD); they hold until the next.
    tags: u8,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "tau_c", dim: Time, default: 48.8, bound: Bound::Positive, doc: "calcium time constant" },
    FieldSpec { name: "c_pre", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "calcium jump per presynaptic spike (0: NMDA receptors blocked)" },
    FieldSpec { name: "c_post", dim: Dimensionless, default: 0.2758, bound: Bound::NonNegative, doc: "calcium jump per postsynaptic spike" },
    FieldSpec { name: "t_c_delay", dim: Time, default: 18.8, bound: Bound::NonNegative, doc: "delay of the presynaptic calcium jump" },
    FieldSpec { name: "theta_p", dim: Dimensionless, default: 3.0, bound: Bound::Positive, doc: "calcium threshold for potentiation (> theta_d)" },
    FieldSpec { name: "theta_d", dim: Dimensionless, default: 1.2, bound: Bound::Positive, doc: "calcium threshold for depression" },
    FieldSpec { name: "gamma_p", dim: Dimensionless, default: 1645.6, bound: Bound::NonNegative, doc: "potentiation rate" },
    FieldSpec { name: "gamma_d", dim: Dimensionless, default: 313.1, bound: Bound::NonNegative, doc: "depression rate" },
    FieldSpec { name: "tau_h", dim: Time, default: 688_400.0, bound: Bound::Positive, doc: "early-phase time constant" },
    FieldSpec { name: "h0", dim: Voltage, default: 4.20075, bound: Bound::Positive, doc: "baseline early weight" },
    FieldSpec { name: "h_max", dim: Voltage, default: 10.0, bound: Bound::Positive, doc: "potentiation target of the early weight" },
    FieldSpec { name: "sigma_pl", dim: Voltage, default: 2.90436, bound: Bound::NonNegative, doc: "plasticity noise amplitude" },
    FieldSpec { name: "theta_tag", dim: Voltage, default: 0.840149, bound: Bound::NonNegative, doc: "tagging threshold on |h - h0|" },
    FieldSpec { name: "tau_z", dim: Time, default: 3_600_000.0, bound: Bound::Positive, doc: "late-phase time constant" },
    FieldSpec { name: "z_max", dim: Dimensionless, default: 1.0, bound: Bound::Any, doc: "late weight of a consolidated potentiation" },
    FieldSpec { name: "z_min", dim: Dimensionless, default: -0.5, bound: Bound::Any, doc: "late weight of a consolidated depression" },
    FieldSpec { name: "tag_block", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "1: tags cannot be set (tag blocker)" },
    FieldSpec { name: "zip", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "1: late-phase maintenance blocked (ZIP-like)" },
    FieldSpec { name: "tau_zip", dim: Time, default: 3_600_000.0, bound: Bound::Positive, doc: "decay time constant of z while maintenance is blocked" },
    FieldSpec { name: "beta_gain", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "with a bound modulator (noradrenaline): fraction of theta_p - theta_d removed at full beta-adrenergic occupancy (0 = no effect; propranolol sets 0)" },
    FieldSpec { name: "K_beta", dim: Dimensionless, default: 1.0, bound: Bound::Positive, doc: "modulator level at half beta-adrenergic occupancy" },
    FieldSpec { name: "proteasome", dim: Dimensionless, default: 1.0, bound: Bound::Closed(0.0, 1.0), doc: "proteasome activity a: scales the decay of the early phase; 1 - a is the share of the negative regulator left undegraded (0 = degradation blocked, MG132)" },
    FieldSpec { name: "tau_neg", dim: Time, default: 600_000.0, bound: Bound::Positive, doc: "reversal time of the early phase per unit protein by the undegraded negative regulator (acts only while proteasome < 1)" },
];

const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "mV", doc: "transmitted efficacy h + h0 z" },
    StateVar { name: "early_weight", unit: "mV", doc: "early-phase weight h" },
    StateVar { name: "late_weight", unit: "", doc: "late-phase weight z (units of h0)" },
    StateVar { name: "calcium", unit: "", doc: "calcium concentration c" },
    StateVar { name: "ltp_tag", unit: "", doc: "1 while the LTP tag is set" },
    StateVar { name: "ltd_tag", unit: "", doc: "1 while the LTD tag is set" },
];

impl TaggingCapture {
    fn efficacy(p: &Params, s: &Syn) -> f64 {
        s.h + p.h0 * s.z
    }

    fn tags(p: &Params, s: &Syn) -> (bool, bool) {
        if p.late.tag_block {
            return (false, false);
        }
        (s.h - p.h0 > p.theta_tag, p.h0 - s.h > p.theta_tag)
    }

    fn normal(s: &mut Syn) -> f64 {
        let stream = Stream::new(s.key, Purpose::Noise, 0);
        let u1 = 1.0 - stream.uniform(2 * s.draws);
        let u2 = stream.uniform(2 * s.draws + 1);
        s.draws += 1;
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Advances (c, h) over `len` ms with no calcium jump inside.
    fn segment(p: &Params, s: &mut Syn, len: f64) {
        if len <= 0.0 {
            return;
        }
        let c0 = s.c;
        let cross = |theta: f64| if c0 > theta { (p.tau_c * (c0 / theta).ln()).min(len) } else { 0.0 };
        let (s_p, s_d) = (cross(p.theta_p), cross(p.theta_d));
        // Pieces: both thresholds exceeded, then only theta_d, then neither.
        let mut start = 0.0;
        for (end, pot, dep) in [(s_p.min(s_d), true, true), (s_d.max(s_p), s_p > s_d, s_d > s_p), (len, false, false)] {
            let l = end - start;
            if l > 0.0 {
                let (pp, dd) = (pot as u8 as f64, dep as u8 as f64);
                let r = Self::relax_rate(p);
                let a = r * p.h0 + p.gamma_p * p.h_max * pp;
                let b = r + p.gamma_p * pp + p.gamma_d * dd;
                let var = if b > 0.0 {
                    let h_inf = a / b;
                    let e = (-b * l / p.tau_h).exp();
                    s.h = h_inf + (s.h - h_inf) * e;
                    p.sigma_pl * p.sigma_pl * (pp + dd) / (2.0 * b) * (1.0 - e * e)
                } else {
                    // No decay and no calcium-driven drift (degradation blocked, rates 0): h holds.
                    p.sigma_pl * p.sigma_pl * (pp + dd) * l / p.tau_h
                };
                if p.sigma_pl > 0.0 && (pot || dep) {
                    s.h += var.sqrt() * Self::normal(s);
                }
                start = end;
            }
        }
        s.c = c0 * (-len / p.tau_c).exp();
        s.t += len;
    }

    /// Brings the fast state to `t` ms, applying pending presynaptic calcium jumps.
    fn advance_to(p: &Params, s: &mut Syn, t: f64) {
        while s.n_pending > 0 && s.pending[0] <= t {
            let tj = s.pending[0];
            Self::segment(p, s, tj - s.t);
            s.c += p.c_pre;
            s.pending.copy_within(1.., 0);
            s.n_pending -= 1;
        }
        Self::segment(p, s, t - s.t);
    }

    /// Relaxation rate of h toward h0 in units of 1/tau_h: 0.1, scaled by the
    /// proteasome activity (0.1 · 1 is exactly 0.1, so a = 1 changes no bit).
    fn relax_rate(p: &Params) -> f64 {
        0.1 * p.proteasome
    }

    /// Time constant of h in quiet conditions (infinite while degradation is blocked).
    fn tau_quiet(p: &Params) -> f64 {
        p.tau_h / Self::relax_rate(p)
    }
}

impl SynapseModel for TaggingCapture {
    type Params = Params;
    type Syn = Syn;
    type Row = ();

    const INFO: ModelInfo = ModelInfo {
        name: "tagging_capture",
        kind: ModelKind::Synapse,
        summary: "Synaptic tagging and capture: calcium-based early phase, LTP/LTD tags, capture of neuron-wide proteins, late phase (Li et al. 2016; Luboeinski & Tetzlaff 2021).",
        equations: "dc/dt = -c/tau_c;  c += c_pre at t_pre + t_c_delay;  c += c_post at t_post
tau_h dh/dt = 0.1 a (h0 - h) + gamma_p (h_max - h) H(c - theta_p) - gamma_d h H(c - theta_d)
              + sigma_pl sqrt(tau_h (H(c - theta_p) + H(c - theta_d))) xi(t)
LTP tag while h - h0 > theta_tag;  LTD tag while h0 - h > theta_tag   (none if tag_block = 1)
tau_z dz/dt = p_ltp (z_max - z) [LTP tag] - p_ltd (z - z_min) [LTD tag]   (p: protein_pool)
zip = 1: additionally dz/dt = -z/tau_zip
bound modulator (modulator = \"noradrenaline\"), level L sampled at each slow tick:
    theta_p -> theta_d + (theta_p - theta_d) (1 - beta_gain L/(L + K_beta))
a = proteasome (1; MG132: 0); undegraded negative regulator, at each slow tick:
    h - h0 <- (h - h0) exp(-(1 - a) integral(p_ltp dt) / tau_neg)
transmitted efficacy w = h + h0 z
fast state exact between events (closed-form threshold crossings, exact OU noise steps);
slow state on the slow clock, or in closed form to the next switch while quiet",
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: &[
            "Li Y, Kulvicius T, Tetzlaff C (2016) Induction and consolidation of calcium-based homo- and heterosynaptic potentiation and depression. PLoS ONE 11:e0161679. doi:10.1371/journal.pone.0161679",
            "Luboeinski J, Tetzlaff C (2021) Memory consolidation and improvement by synaptic tagging and capture in recurrent neural networks. Commun Biol 4:275. doi:10.1038/s42003-021-01778-y",
            "Graupner M, Brunel N (2012) Calcium-based plasticity model explains sensitivity of synaptic changes to spike pattern, rate, and dendritic location. PNAS 109:3991-3996",
            "Frey U, Morris RGM (1997) Synaptic tagging and long-term potentiation. Nature 385:533-536",
            "Pastalkova E et al. (2006) Storage of spatial information by the maintenance mechanism of LTP. Science 313:1141-1144",
            "Thomas MJ, Moody TD, Makhinson M, O'Dell TJ (1996) Activity-dependent beta-adrenergic modulation of low frequency stimulation induced LTP in the hippocampal CA1 region. Neuron 17:475-482",
            "Fonseca R, Vabulas RM, Hartl FU, Bonhoeffer T, Nagerl UV (2006) A balance of protein synthesis and proteasome-dependent degradation determines the maintenance of LTP. Neuron 52:239-245",
            "Smolen P, Baxter DA, Byrne JH (2018) Paradoxical LTP maintenance with inhibition of protein synthesis and the proteasome suggests a novel protein synthesis requirement for early LTP reversal. arXiv:1808.06578",
            "Dong C, Upadhya SC, Ding L, Smith TK, Hegde AN (2008) Proteasome inhibition enhances the induction and impairs the maintenance of late-phase long-term potentiation. Learn Mem 15:335-347",
        ],
    };
    const SYN_VARS: &'static [StateVar] = SYN_VARS;
    const ON_POST: bool = true;
    const SLOW: bool = true;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            tau_c: v.get("tau_c"),
            c_pre: v.get("c_pre"),
            c_post: v.get("c_post"),
            t_c_delay: v.get("t_c_delay"),
            theta_p: v.get("theta_p"),
            theta_d: v.get("theta_d"),
            gamma_p: v.get("gamma_p"),
            gamma_d: v.get("gamma_d"),
            tau_h: v.get("tau_h"),
            h0: v.get("h0"),
            h_max: v.get("h_max"),
            sigma_pl: v.get("sigma_pl"),
            theta_tag: v.get("theta_tag"),
            late: LatePhase::from_values(v)?,
            beta_gain: v.get("beta_gain"),
            k_beta: v.get("K_beta"),
            proteasome: v.get("proteasome"),
            tau_neg: v.get("tau_neg"),
        };
        if p.theta_p <= p.theta_d {
            return Err(CoreError::Inconsistent(format!(
                "theta_p ({}) must be above theta_d ({})",
                p.theta_p, p.theta_d
            )));
        }
        Ok(p)
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    const LEVEL_MODULATOR: Option<&'static str> = Some("noradrenaline");

    fn at_level(p: &Params, level: f64) -> Params {
        if p.beta_gain == 0.0 {
            return p.clone();
        }
        let l = level.max(0.0);
        let occ = l / (l + p.k_beta);
        Params { theta_p: p.theta_d + (p.theta_p - p.theta_d) * (1.0 - p.beta_gain * occ), ..p.clone() }
    }

    fn init(_: &Params, weight: f64) -> Result<Syn, CoreError> {
        if weight <= 0.0 {
            return Err(CoreError::Inconsistent(format!("the initial early weight must be positive (got {weight})")));
        }
        Ok(Syn { h: weight, ..Syn::default() })
    }

    fn set_noise_key(syn: &mut Syn, key: u64) {
        syn.key = key;
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut PreSpike<'_>) {
        let t = cx.stamp as f64 * cx.dt_ms;
        Self::advance_to(p, syn, t);
        if p.c_pre > 0.0 {
            if syn.n_pending as usize == PENDING {
                // More jumps pending than slots (ISI < t_c_delay / PENDING): apply the oldest early.
                let tj = syn.pending[0];
                Self::segment(p, syn, tj - syn.t);
                syn.c += p.c_pre;
                syn.pending.copy_within(1.., 0);
                syn.n_pending -= 1;
            }
            syn.pending[syn.n_pending as usize] = t + p.t_c_delay;
            syn.n_pending += 1;
        }
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
        let (ltp, ltd) = Self::tags(p, syn);
        syn.tags = ltp as u8 | (ltd as u8) << 1;
        [(syn.h - p.h0).max(0.0), (p.h0 - syn.h).max(0.0)]
    }

    fn slow_apply(p: &Params, syn: &mut Syn, w: &mut f64, cx: &SlowTick) {
        if p.proteasome < 1.0 {
            // The undegraded negative regulator reverses the early phase (see the module docs).
            Self::advance_to(p, syn, cx.t0_ms + cx.dt_ms);
            let k = (1.0 - p.proteasome) * cx.protein_integral[0] / p.tau_neg;
            syn.h = p.h0 + (syn.h - p.h0) * (-k).exp();
        }
        syn.z = p.late.capture(syn.z, syn.tags, cx);
        *w = Self::efficacy(p, syn);
    }

    fn next_switch_ms(p: &Params, syn: &Syn, t_ms: f64) -> f64 {
        if syn.n_pending > 0 || syn.c >= p.theta_d {
            return 0.0;
        }
        if p.proteasome < 1.0 && syn.h != p.h0 {
            // The reversal follows the protein level, unknown here: step (see the module docs).
            return 0.0;
        }
        if p.late.tag_block {
            return f64::INFINITY;
        }
        let dev = (syn.h - p.h0).abs() * (-(t_ms - syn.t) / Self::tau_quiet(p)).exp();
        if dev > p.theta_tag {
            Self::tau_quiet(p) * (dev / p.theta_tag).ln()
        } else {
            f64::INFINITY
        }
    }

    fn quiet_drive(p: &Params, syn: &Syn, after_ms: f64) -> [f64; 2] {
        let d = (syn.h - p.h0) * (-after_ms / Self::tau_quiet(p)).exp();
        [d.max(0.0), (-d).max(0.0)]
    }

    fn read(p: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        let (ltp, ltd) = Self::tags(p, syn);
        match var {
            1 => syn.h,
            2 => syn.z,
            3 => syn.c,
            4 => ltp as u8 as f64,
            5 => ltd as u8 as f64,
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(noise: bool) -> Params {
        let v = TaggingCapture::INFO.resolve([("sigma_pl", if noise { 2.90436 } else { 0.0 })]).unwrap();
        TaggingCapture::params(&v).unwrap()
    }

    /// Without calcium the early weight relaxes to h0 with tau_h / 0.1, exactly.
    #[test]
    fn quiet_relaxation_is_exponential() {
        let p = params(false);
        let mut s = TaggingCapture::init(&p, 6.0).unwrap();
        TaggingCapture::advance_to(&p, &mut s, 3_600_000.0);
        let expected = p.h0 + (6.0 - p.h0) * (-3_600_000.0 / 6_884_000.0f64).exp();
        assert!((s.h - expected).abs() < 1e-12);
    }

    /// Calcium above theta_p drives h toward its fixed point; splitting the
    /// interval anywhere gives the same result (the pieces are exact).
    #[test]
    fn event_driven_pieces_compose() {
        let p = params(false);
        let mut a = TaggingCapture::init(&p, p.h0).unwrap();
        a.c = 10.0;
        let mut b = a;
        TaggingCapture::advance_to(&p, &mut a, 200.0);
        for t in [13.0, 57.3, 58.0, 120.0, 200.0] {
            TaggingCapture::advance_to(&p, &mut b, t);
        }
        assert!((a.h - b.h).abs() < 1e-12, "{} vs {}", a.h, b.h);
        assert!((a.c - b.c).abs() < 1e-12);
        assert!(a.h > p.h0, "potentiated: {}", a.h);
    }

    /// A fine Euler integration of the same ODE agrees with the exact pieces.
    #[test]
    fn matches_fine_euler() {
        let p = params(false);
        let mut s = TaggingCapture::init(&p, p.h0).unwrap();
        s.c = 8.0;
        TaggingCapture::advance_to(&p, &mut s, 100.0);
        let (mut c, mut h, dt) = (8.0f64, p.h0, 1e-4);
        for _ in 0..(100.0 / dt) as usize {
            let (pot, dep) = ((c > p.theta_p) as u8 as f64, (c > p.theta_d) as u8 as f64);
            h += dt / p.tau_h * (0.1 * (p.h0 - h) + p.gamma_p * (p.h_max - h) * pot - p.gamma_d * h * dep);
            c -= dt * c / p.tau_c;
        }
        assert!((s.h - h).abs() < 1e-3, "{} vs {}", s.h, h);
    }

    #[test]
    fn capture_moves_z_toward_its_bound_only_when_tagged() {
        let p = params(false);
        let mut s = TaggingCapture::init(&p, p.h0 + 2.0).unwrap();
        let mut w = 0.0;
        TaggingCapture::slow_drive(&p, &mut s, &mut w, 0.0);
        let tick = SlowTick { t0_ms: 0.0, dt_ms: 3_600_000.0, protein: [1.0, 1.0], protein_integral: [3_600_000.0, 3_600_000.0] };
        TaggingCapture::slow_apply(&p, &mut s, &mut w, &tick);
        assert!((s.z - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        let mut u = TaggingCapture::init(&p, p.h0).unwrap();
        TaggingCapture::slow_apply(&p, &mut u, &mut w, &tick);
        assert_eq!(u.z, 0.0);
    }

    /// Noradrenaline lowers theta_p by beta_gain times the occupancy of the
    /// theta_p - theta_d gap, never below theta_d; beta_gain = 0 changes nothing.
    #[test]
    fn issue6_beta_adrenergic_occupancy_lowers_theta_p() {
        let v = TaggingCapture::INFO.resolve([("beta_gain", 0.5), ("K_beta", 2.0)]).unwrap();
        let p = TaggingCapture::params(&v).unwrap();
        let q = TaggingCapture::at_level(&p, 2.0); // half occupancy
        assert!((q.theta_p - (p.theta_d + (p.theta_p - p.theta_d) * 0.75)).abs() < 1e-12);
        let full = TaggingCapture::params(&TaggingCapture::INFO.resolve([("beta_gain", 1.0)]).unwrap()).unwrap();
        let r = TaggingCapture::at_level(&full, 1e12);
        assert!(r.theta_p >= r.theta_d && r.theta_p - r.theta_d < 1e-9);
        assert_eq!(TaggingCapture::at_level(&p, -1.0), p);
        let off = params(false);
        assert_eq!(TaggingCapture::at_level(&off, 5.0), off);
    }

    fn proteasome(a: f64) -> Params {
        let v = TaggingCapture::INFO.resolve([("sigma_pl", 0.0), ("proteasome", a)]).unwrap();
        TaggingCapture::params(&v).unwrap()
    }

    fn tick(integral: f64) -> SlowTick {
        SlowTick { t0_ms: 0.0, dt_ms: 3_600_000.0, protein: [0.5, 0.5], protein_integral: [integral, integral] }
    }

    /// Fonseca et al. 2006: with degradation blocked (a = 0) a potentiated h
    /// does not decay while no protein is made, and proteins made reverse it as
    /// exp(-∫p dt / tau_neg); with a = 1 the regulator never acts and h decays as before.
    #[test]
    fn issue6_blocked_degradation_holds_early_ltp_and_lets_proteins_reverse_it() {
        let blocked = proteasome(0.0);
        let mut w = 0.0;
        let mut s = TaggingCapture::init(&blocked, blocked.h0 + 3.0).unwrap();
        TaggingCapture::slow_apply(&blocked, &mut s, &mut w, &tick(0.0));
        assert_eq!(s.h, blocked.h0 + 3.0, "no synthesis, no degradation: h holds");
        assert_eq!(TaggingCapture::next_switch_ms(&blocked, &s, s.t), 0.0, "not quiet while a < 1 away from h0");
        let mut r = TaggingCapture::init(&blocked, blocked.h0 + 3.0).unwrap();
        TaggingCapture::slow_apply(&blocked, &mut r, &mut w, &tick(1_200_000.0));
        assert!((r.h - (blocked.h0 + 3.0 * (-2.0f64).exp())).abs() < 1e-12, "{}", r.h);
        // Half activity: half the decay rate and half the regulator.
        let half = proteasome(0.5);
        let mut q = TaggingCapture::init(&half, half.h0 + 3.0).unwrap();
        TaggingCapture::slow_apply(&half, &mut q, &mut w, &tick(1_200_000.0));
        let want = half.h0 + 3.0 * (-0.05 * 3_600_000.0 / half.tau_h).exp() * (-1.0f64).exp();
        assert!((q.h - want).abs() < 1e-12, "{} vs {want}", q.h);
        // Normal activity: proteins do not reverse the early phase.
        let normal = proteasome(1.0);
        let mut n = TaggingCapture::init(&normal, normal.h0 + 3.0).unwrap();
        TaggingCapture::slow_apply(&normal, &mut n, &mut w, &tick(1_200_000.0));
        assert_eq!(n.h, normal.h0 + 3.0, "slow_apply leaves h alone at a = 1");
        assert_eq!(normal, params(false), "proteasome = 1 is the default");
    }

    /// With degradation blocked and both rates 0 (b = 0 in the pieces) h holds
    /// exactly and the noise variance is its b -> 0 limit, finite.
    #[test]
    fn issue6_no_relaxation_at_all_is_finite() {
        let v = TaggingCapture::INFO.resolve([("proteasome", 0.0), ("gamma_p", 0.0), ("gamma_d", 0.0)]).unwrap();
        let p = TaggingCapture::params(&v).unwrap();
        let mut s = TaggingCapture::init(&p, p.h0 + 1.0).unwrap();
        s.c = 10.0;
        TaggingCapture::advance_to(&p, &mut s, 500.0);
        assert!(s.h.is_finite());
        let mut quiet = TaggingCapture::init(&p, p.h0 + 1.0).unwrap();
        TaggingCapture::advance_to(&p, &mut quiet, 3_600_000.0);
        assert_eq!(quiet.h, p.h0 + 1.0);
    }
}
