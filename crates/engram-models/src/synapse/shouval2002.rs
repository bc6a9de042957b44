//! `calcium_control`: the calcium-control rule of Shouval, Bear & Cooper (2002),
//! a unified model of NMDA-receptor-dependent bidirectional plasticity.
//!
//! ```text
//! NMDA gating:   g = gf + gs ;  dgf/dt = -gf/tau_nmda_f ;  dgs/dt = -gs/tau_nmda_s
//!                at a presynaptic spike: gf += P0 I_f (1 - g) ;  gs += P0 (1 - I_f)(1 - g)
//! Mg block:      B(V) = 1 / (1 + exp(-0.062 V) [Mg]/3.57)          (V in mV, [Mg] in mM)
//! NMDA current:  I_NMDA = g_nmda g B(V) (V_ca - V)                  (µM/ms)
//! calcium:       dCa/dt = I_NMDA - Ca/tau_ca
//! dendritic V:   V = V_rest + EPSP + BPAP
//!                EPSP = (epsp_amp / n) sum_pre (exp(-s/tau_epsp_decay) - exp(-s/tau_epsp_rise)),
//!                       n = peak of the bracket, so one EPSP peaks at epsp_amp
//!                BPAP = bpap_amp (f_b exp(-u/tau_bpap_f) + (1 - f_b) exp(-u/tau_bpap_s)),
//!                       u = t - t_post - bpap_delay, last postsynaptic spike only
//! learning:      dW/dt = eta(Ca) (Omega(Ca) - lambda W)
//!                Omega(c) = 0.25 + sig(c - alpha2, beta2) - 0.25 sig(c - alpha1, beta1),
//!                       sig(x, b) = exp(b x) / (1 + exp(b x))
//!                eta(c) = 1 / tau_eta(c),  tau_eta(c) = P1 / (P2 + c^P3) + P4
//! transmitted:   weight = W0 W / W_init     (W0: the projection's weight)
//! ```
//!
//! Calcium is measured from its resting level (Ca = 0 at rest), as in the paper.
//! With the defaults Omega(0) = 0.25 = W_init and lambda = 1, so a synapse at rest
//! keeps its weight; calcium between alpha1 and alpha2 drives W toward ~0 (LTD),
//! calcium above alpha2 toward 1 (LTP); W stays between the extremes of
//! Omega/lambda and its start.
//!
//! **The postsynaptic potential is modelled inside the synapse**, not read from
//! the point neuron: V is the published dendritic waveform, the resting
//! potential plus the EPSPs of this synapse's own presynaptic spikes plus the
//! back-propagating action potential (BPAP, with its slow after-depolarisation)
//! of the last postsynaptic spike, which the synapse learns through `on_post`.
//! Why: (1) the paper specifies V at the spine by these waveforms; a point
//! neuron's somatic V_m resets after a spike and has neither BPAP nor ADP, and
//! its EPSP shape is that of the soma; (2) the NMDA/calcium transient lasts
//! hundreds of ms while the engine's `step_fast` hook runs only while the
//! postsynaptic neuron is awake; (3) the result is then exact between events
//! and independent of the simulation step. In a slice protocol the stimulated
//! pathway's fibres fire together, so `epsp_amp` stands for the compound
//! depolarisation the stimulus produces at the spine (Shouval et al. use 1 mV
//! for pairing and STDP, 10 mV for the rate protocol).
//!
//! **Integration.** Between events (pre spikes, post spikes, BPAP arrival) the
//! gating, EPSP and BPAP terms are exact exponentials; (Ca, W) is integrated with
//! classical Runge–Kutta (RK4): sub-steps of at most `h_fast` (0.2 ms, or a
//! tenth of the fastest time constant) within 5 rise/fast time constants of a
//! presynaptic spike or a BPAP arrival; at most `h_slow` (1 ms, or a twentieth of
//! the slowest-acting time constants) within 5 slow BPAP time constants of a
//! BPAP arrival and wherever calcium lies within 8/beta of alpha1 or alpha2 (the
//! steps of Omega); `h_coarse` (5 ms, or a tenth of the calcium, NMDA and EPSP
//! decay time constants) elsewhere. Once the synapse is
//! quiet (open fraction < 1e-9, |Ca| < 1e-6 µM, EPSP and BPAP < 1e-6 mV) calcium
//! decays and W relaxes in closed form with eta(0) and Omega(0). The update is
//! lazy, as for `stdp_pair` (NEST's convention): the state is brought up to date
//! at each pre- and postsynaptic spike, so a weight recorder shows the weight as
//! of the last spike of either neuron. Protocols read the weight after a test
//! pulse (see `experiments/dudek_bear1992_frequency_response.toml`).
//!
//! Interventions: the drug `apv` sets g_nmda = 0 (no NMDA calcium). Because of
//! the lazy update, a parameter change applies to each synapse from its last
//! spike before the change; time changes for when the synapse is quiet, or keep
//! them on through the next spike (as `dudek_bear1992_apv.toml` does).
//!
//! Shipped experiments (each pathway on its own cell, read out by a test pulse):
//! `dudek_bear1992_frequency_response.toml` (900 pulses at 1–50 Hz, 10-mV
//! EPSPs, no postsynaptic spikes: Shouval et al. Fig. 3B solid curve; LTD up to
//! 5 Hz, LTP from 10 Hz, the sign change near 5.25 Hz),
//! `shouval2002_pairing_clamp.toml` (Fig. 3A: 100 pulses at 1 Hz at a held
//! potential, LTD from about -62 mV, LTP from about -51.5 mV),
//! `dudek_bear1992_frequency_response_spiking.toml` (Fig. 3B dashed curve: the
//! cells fire, BPAPs reach the synapses; LTD at 1 and 5 Hz is smaller),
//! `shouval2002_stdp.toml` (Fig. 3C: 100 pairings at 1 Hz; LTD at -15 ms, LTP at
//! +10 ms, the second LTD window at +70 ms) and `dudek_bear1992_apv.toml` (APV
//! blocks the 1-Hz LTD).
//!
//! The synaptic delay counts as axonal for transmission only: the synapse's
//! NMDA and EPSP onset is the presynaptic spike's stamp. Two postsynaptic spikes
//! closer than `bpap_delay`: the later one's BPAP replaces the earlier one's.
//!
//! | parameter       | unit | default | meaning |
//! |-----------------|------|---------|---------|
//! | tau_ca          | ms   | 50      | calcium decay time constant |
//! | g_nmda          | 1    | 0.002   | NMDA calcium conductance, µM per (ms·mV) (paper: G_NMDA = -1/500 with V - V_r) |
//! | P0              | 1    | 0.5     | fraction of closed NMDA receptors opened by a presynaptic spike |
//! | I_f             | 1    | 0.5     | fast fraction of the NMDA open-probability decay |
//! | tau_nmda_f      | ms   | 50      | fast NMDA decay |
//! | tau_nmda_s      | ms   | 200     | slow NMDA decay |
//! | V_ca            | mV   | 130     | calcium reversal potential |
//! | Mg              | µM   | 1000    | extracellular magnesium (1 mM) |
//! | V_rest          | mV   | -65     | resting potential at the spine |
//! | epsp_amp        | mV   | 1       | peak of one EPSP at the spine |
//! | tau_epsp_rise   | ms   | 5       | EPSP rise (fast) time constant |
//! | tau_epsp_decay  | ms   | 50      | EPSP decay (slow) time constant |
//! | bpap_amp        | mV   | 100     | BPAP peak above rest |
//! | bpap_fast       | 1    | 0.75    | fast fraction of the BPAP |
//! | tau_bpap_f      | ms   | 3       | fast BPAP decay |
//! | tau_bpap_s      | ms   | 25      | slow BPAP decay (after-depolarisation) |
//! | bpap_delay      | ms   | 2       | BPAP arrival after the postsynaptic spike |
//! | alpha1          | µM   | 0.35    | LTD threshold of Omega |
//! | alpha2          | µM   | 0.55    | LTP threshold of Omega |
//! | beta1           | 1    | 80      | steepness at alpha1, per µM |
//! | beta2           | 1    | 80      | steepness at alpha2, per µM |
//! | P1              | ms   | 100     | eta: tau_eta = P1/(P2 + Ca^P3) + P4 (P1 = 0.1 s) |
//! | P2              | 1    | 1e-5    | eta, in µM^P3 (= P1·1e-4 with P1 in s) |
//! | P3              | 1    | 3       | eta exponent |
//! | P4              | ms   | 1000    | eta: fastest learning time constant (1 s) |
//! | lambda          | 1    | 1       | weight decay coefficient |
//! | W_init          | 1    | 0.25    | initial W (the projection's weight is transmitted for it) |
//!
//! Defaults: the values of Shouval, Bear & Cooper (2002) as coded in the public
//! re-implementation folmez/CaDP-MatLab, which reproduces the paper's figures
//! (`NMDAr_calcium_current.m`, `BPAP.m`, `EPSP.m`, `Omega_calcium.m`,
//! `eta_calcium.m`, `update_Ca.m`, `update_w.m`): I_f = 0.5 (the paper's main
//! value), the 2-ms BPAP delay, the EPSP waveform (50 and 5 ms, normalised to its
//! peak), and P2 = P1·1e-4 = 1e-5, which that code notes is misprinted in the
//! paper and which makes tau_eta at rest about 3 h (10001 s here).
//!
//! References: Shouval HZ, Bear MF, Cooper LN (2002) A unified model of NMDA
//! receptor-dependent bidirectional synaptic plasticity. PNAS 99:10831–10836,
//! doi:10.1073/pnas.152343099; Shouval HZ, Castellani GC, Blais BS, Yeung LC,
//! Cooper LN (2002) Converging evidence for a simplified biophysical model of
//! synaptic plasticity. Biol Cybern 87:383–391;
//! Jahr CE, Stevens CF (1990) J Neurosci 10:3178 (Mg block); Dudek SM, Bear MF
//! (1992) PNAS 89:4363–4367 (frequency dependence).

use engram_core::model::{PostSpike, PreSpike, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::units::Dimension::{Concentration, Dimensionless, Time, Voltage};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct CalciumControl;

/// Shared parameters of one projection (canonical units: ms, mV, µM), plus
/// constants derived from them.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub tau_ca: f64,
    pub g_nmda: f64,
    pub p0: f64,
    pub i_f: f64,
    pub tau_nmda_f: f64,
    pub tau_nmda_s: f64,
    pub v_ca: f64,
    /// Magnesium in mM (the formula's unit).
    pub mg_mm: f64,
    pub v_rest: f64,
    pub epsp_amp: f64,
    pub tau_epsp_rise: f64,
    pub tau_epsp_decay: f64,
    pub bpap_amp: f64,
    pub bpap_fast: f64,
    pub tau_bpap_f: f64,
    pub tau_bpap_s: f64,
    pub bpap_delay: f64,
    pub alpha1: f64,
    pub alpha2: f64,
    pub beta1: f64,
    pub beta2: f64,
    pub p1: f64,
    pub p2: f64,
    pub p3: f64,
    pub p4: f64,
    pub lambda: f64,
    pub w_init: f64,
    /// Derived: EPSP scale, epsp_amp over the peak of the unit bracket [mV].
    pub epsp_scale: f64,
    /// Derived: largest RK4 sub-step near spikes [ms].
    pub h_fast: f64,
    /// Derived: largest RK4 sub-step within the BPAP's slow window or with
    /// calcium near a threshold of Omega [ms].
    pub h_slow: f64,
    /// Derived: largest RK4 sub-step elsewhere [ms].
    pub h_coarse: f64,
}

/// Per-synapse state, as of time `t`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Syn {
    /// Time of the last update [ms].
    pub t: f64,
    /// Calcium above rest [µM].
    pub ca: f64,
    /// Synaptic efficacy W (dimensionless; starts at W_init).
    pub w: f64,
    /// Open NMDA fraction, fast component.
    pub gf: f64,
    /// Open NMDA fraction, slow component.
    pub gs: f64,
    /// EPSP decay component (sum of unit exponentials, tau_epsp_decay).
    pub e1: f64,
    /// EPSP rise component (sum of unit exponentials, tau_epsp_rise).
    pub e2: f64,
    /// BPAP fast component [mV].
    pub bf: f64,
    /// BPAP slow component [mV].
    pub bs: f64,
    /// Last presynaptic spike [ms].
    pub t_pre: f64,
    /// Arrival of the last BPAP that has reached the spine [ms].
    pub t_bpap: f64,
    /// Arrival of the pending BPAP [ms] (infinite: none).
    pub t_bpap_next: f64,
    /// Transmitted weight per unit of W (the projection's weight over W_init).
    pub scale: f64,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "tau_ca",
        dim: Time,
        default: 50.0,
        bound: Bound::Positive,
        doc: "calcium decay time constant",
    },
    FieldSpec {
        name: "g_nmda",
        dim: Dimensionless,
        default: 0.002,
        bound: Bound::NonNegative,
        doc: "NMDA calcium conductance [µM/(ms·mV)] (0: NMDA receptors blocked)",
    },
    FieldSpec {
        name: "P0",
        dim: Dimensionless,
        default: 0.5,
        bound: Bound::Closed(0.0, 1.0),
        doc: "fraction of closed NMDA receptors opened by a presynaptic spike",
    },
    FieldSpec {
        name: "I_f",
        dim: Dimensionless,
        default: 0.5,
        bound: Bound::Closed(0.0, 1.0),
        doc: "fast fraction of the NMDA open-probability decay",
    },
    FieldSpec {
        name: "tau_nmda_f",
        dim: Time,
        default: 50.0,
        bound: Bound::Positive,
        doc: "fast NMDA decay time constant",
    },
    FieldSpec {
        name: "tau_nmda_s",
        dim: Time,
        default: 200.0,
        bound: Bound::Positive,
        doc: "slow NMDA decay time constant",
    },
    FieldSpec {
        name: "V_ca",
        dim: Voltage,
        default: 130.0,
        bound: Bound::Any,
        doc: "calcium reversal potential",
    },
    FieldSpec {
        name: "Mg",
        dim: Concentration,
        default: 1000.0,
        bound: Bound::NonNegative,
        doc: "extracellular magnesium (default 1 mM)",
    },
    FieldSpec {
        name: "V_rest",
        dim: Voltage,
        default: -65.0,
        bound: Bound::Any,
        doc: "resting potential at the spine",
    },
    FieldSpec {
        name: "epsp_amp",
        dim: Voltage,
        default: 1.0,
        bound: Bound::NonNegative,
        doc: "peak of one EPSP at the spine (paper: 1 mV pairing/STDP, 10 mV rate protocol)",
    },
    FieldSpec {
        name: "tau_epsp_rise",
        dim: Time,
        default: 5.0,
        bound: Bound::Positive,
        doc: "EPSP rise time constant (must be below tau_epsp_decay)",
    },
    FieldSpec {
        name: "tau_epsp_decay",
        dim: Time,
        default: 50.0,
        bound: Bound::Positive,
        doc: "EPSP decay time constant",
    },
    FieldSpec {
        name: "bpap_amp",
        dim: Voltage,
        default: 100.0,
        bound: Bound::NonNegative,
        doc: "peak of the back-propagating action potential above rest (0: no BPAP)",
    },
    FieldSpec {
        name: "bpap_fast",
        dim: Dimensionless,
        default: 0.75,
        bound: Bound::Closed(0.0, 1.0),
        doc: "fast fraction of the BPAP",
    },
    FieldSpec {
        name: "tau_bpap_f",
        dim: Time,
        default: 3.0,
        bound: Bound::Positive,
        doc: "fast BPAP decay time constant",
    },
    FieldSpec {
        name: "tau_bpap_s",
        dim: Time,
        default: 25.0,
        bound: Bound::Positive,
        doc: "slow BPAP decay (after-depolarisation) time constant",
    },
    FieldSpec {
        name: "bpap_delay",
        dim: Time,
        default: 2.0,
        bound: Bound::NonNegative,
        doc: "BPAP arrival at the spine after the postsynaptic spike",
    },
    FieldSpec {
        name: "alpha1",
        dim: Concentration,
        default: 0.35,
        bound: Bound::NonNegative,
        doc: "LTD threshold of Omega(Ca)",
    },
    FieldSpec {
        name: "alpha2",
        dim: Concentration,
        default: 0.55,
        bound: Bound::NonNegative,
        doc: "LTP threshold of Omega(Ca) (must be above alpha1)",
    },
    FieldSpec {
        name: "beta1",
        dim: Dimensionless,
        default: 80.0,
        bound: Bound::Positive,
        doc: "steepness of Omega at alpha1 [per µM]",
    },
    FieldSpec {
        name: "beta2",
        dim: Dimensionless,
        default: 80.0,
        bound: Bound::Positive,
        doc: "steepness of Omega at alpha2 [per µM]",
    },
    FieldSpec {
        name: "P1",
        dim: Time,
        default: 100.0,
        bound: Bound::NonNegative,
        doc: "learning-rate time constant tau_eta = P1/(P2 + Ca^P3) + P4 (0.1 s)",
    },
    FieldSpec {
        name: "P2",
        dim: Dimensionless,
        default: 1e-5,
        bound: Bound::Positive,
        doc: "learning-rate constant [µM^P3] (P1·1e-4 with P1 in s, as in folmez/CaDP-MatLab)",
    },
    FieldSpec {
        name: "P3",
        dim: Dimensionless,
        default: 3.0,
        bound: Bound::Positive,
        doc: "learning-rate exponent",
    },
    FieldSpec {
        name: "P4",
        dim: Time,
        default: 1000.0,
        bound: Bound::Positive,
        doc: "fastest learning time constant (1 s)",
    },
    FieldSpec {
        name: "lambda",
        dim: Dimensionless,
        default: 1.0,
        bound: Bound::NonNegative,
        doc: "weight decay coefficient in dW/dt = eta (Omega - lambda W)",
    },
    FieldSpec {
        name: "W_init",
        dim: Dimensionless,
        default: 0.25,
        bound: Bound::Positive,
        doc: "initial efficacy W; the projection's weight is transmitted for it",
    },
];

const SYN_VARS: &[StateVar] = &[
    StateVar {
        name: "weight",
        unit: "",
        doc: "transmitted weight W0 W / W_init, in the projection's weight unit",
    },
    StateVar {
        name: "efficacy",
        unit: "",
        doc: "efficacy W (Shouval et al.'s W; starts at W_init)",
    },
    StateVar {
        name: "calcium",
        unit: "µM",
        doc: "calcium above rest, as of the last update",
    },
    StateVar {
        name: "nmda_open",
        unit: "",
        doc: "open NMDA receptor fraction, as of the last update",
    },
    StateVar {
        name: "v_spine",
        unit: "mV",
        doc: "potential at the spine (rest + EPSP + BPAP), as of the last update",
    },
];

/// Quiet thresholds: open fraction, calcium [µM], EPSP/BPAP [mV].
const QUIET_G: f64 = 1e-9;
const QUIET_CA: f64 = 1e-6;
const QUIET_V: f64 = 1e-6;
/// Fast windows last this many rise/fast time constants after a spike or BPAP.
const FAST_WINDOW: f64 = 5.0;

/// RK4 steps use the slower step `h_slow` while beta |Ca - alpha| is below this.
const NEAR_THRESHOLD: f64 = 8.0;

/// Decay factors of the six exponential components over half and a whole step
/// (NMDA fast, NMDA slow, EPSP decay, EPSP rise, BPAP fast, BPAP slow).
#[derive(Debug, Clone, Copy)]
struct Decay {
    h: f64,
    half: [f64; 6],
    full: [f64; 6],
}

impl Decay {
    fn new(p: &Params, h: f64) -> Self {
        let taus = [
            p.tau_nmda_f,
            p.tau_nmda_s,
            p.tau_epsp_decay,
            p.tau_epsp_rise,
            p.tau_bpap_f,
            p.tau_bpap_s,
        ];
        Decay {
            h,
            half: taus.map(|tau| (-0.5 * h / tau).exp()),
            full: taus.map(|tau| (-h / tau).exp()),
        }
    }
}

/// Logistic sigmoid sig(x, b) = exp(b x) / (1 + exp(b x)), safe for large |b x|.
fn sig(x: f64, b: f64) -> f64 {
    let z = b * x;
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl CalciumControl {
    /// Omega(Ca): the calcium-dependent target of W.
    pub fn omega(p: &Params, ca: f64) -> f64 {
        0.25 + sig(ca - p.alpha2, p.beta2) - 0.25 * sig(ca - p.alpha1, p.beta1)
    }

    /// eta(Ca): the calcium-dependent learning rate [1/ms]. Negative calcium
    /// (possible only if V exceeds V_ca) counts as zero.
    pub fn eta(p: &Params, ca: f64) -> f64 {
        let c = ca.max(0.0);
        1.0 / (p.p1 / (p.p2 + c.powf(p.p3)) + p.p4)
    }

    /// Magnesium block B(V), V in mV.
    pub fn mg_block(p: &Params, v: f64) -> f64 {
        1.0 / (1.0 + (-0.062 * v).exp() * p.mg_mm / 3.57)
    }

    /// NMDA calcium current [µM/ms] for open fraction `g` at potential `v`.
    pub fn i_nmda(p: &Params, g: f64, v: f64) -> f64 {
        p.g_nmda * g * Self::mg_block(p, v) * (p.v_ca - v)
    }

    fn transmitted_weight(s: &Syn) -> f64 {
        s.scale * s.w
    }

    /// Potential at the spine for the components held in `s`.
    fn v_of(p: &Params, e1: f64, e2: f64, bf: f64, bs: f64) -> f64 {
        p.v_rest + p.epsp_scale * (e1 - e2) + bf + bs
    }

    fn is_quiet(p: &Params, s: &Syn) -> bool {
        s.gf + s.gs < QUIET_G
            && s.ca.abs() < QUIET_CA
            && p.epsp_scale * s.e1 < QUIET_V
            && s.bf.abs() + s.bs.abs() < QUIET_V
    }

    /// Right-hand side (dCa/dt, dW/dt) at potential `v` and open fraction `g`.
    fn rhs(p: &Params, ca: f64, w: f64, g: f64, v: f64) -> (f64, f64) {
        let dca = Self::i_nmda(p, g, v) - ca / p.tau_ca;
        let dw = Self::eta(p, ca) * (Self::omega(p, ca) - p.lambda * w);
        (dca, dw)
    }

    /// Closed form for a quiet synapse: calcium decays, W relaxes with eta(0) and
    /// Omega(0) (the input current and Ca itself are below 1e-6 of their scale).
    fn quiet(p: &Params, s: &mut Syn, len: f64) {
        s.ca *= (-len / p.tau_ca).exp();
        let (eta0, om0) = (Self::eta(p, 0.0), Self::omega(p, 0.0));
        if p.lambda > 0.0 {
            let keep = (-p.lambda * eta0 * len).exp();
            s.w = s.w * keep + om0 / p.lambda * (1.0 - keep);
        } else {
            s.w += eta0 * om0 * len;
        }
        let decay = |tau: f64| (-len / tau).exp();
        s.gf *= decay(p.tau_nmda_f);
        s.gs *= decay(p.tau_nmda_s);
        s.e1 *= decay(p.tau_epsp_decay);
        s.e2 *= decay(p.tau_epsp_rise);
        s.bf *= decay(p.tau_bpap_f);
        s.bs *= decay(p.tau_bpap_s);
        s.t += len;
    }

    /// RK4 on (Ca, W) over `len` ms in equal sub-steps of at most `hmax`; the
    /// gating, EPSP and BPAP components are exact exponentials.
    fn rk4(p: &Params, s: &mut Syn, len: f64, hmax: f64) {
        let n = (len / hmax).ceil().max(1.0) as usize;
        let d = Decay::new(p, len / n as f64);
        for _ in 0..n {
            Self::rk4_step(p, s, &d);
        }
        s.t += len;
    }

    /// Away from spikes: RK4 steps of `h_coarse` while calcium is far from the
    /// thresholds of Omega, of `h_slow` near them, and the closed form once quiet.
    fn rk4_coarse(p: &Params, s: &mut Syn, len: f64) {
        let (fine, coarse) = (Decay::new(p, p.h_slow), Decay::new(p, p.h_coarse));
        let mut left = len;
        while left > 0.0 {
            if Self::is_quiet(p, s) {
                Self::quiet(p, s, left);
                return;
            }
            let near = ((s.ca - p.alpha1) * p.beta1).abs() < NEAR_THRESHOLD
                || ((s.ca - p.alpha2) * p.beta2).abs() < NEAR_THRESHOLD;
            let d = if near { &fine } else { &coarse };
            if d.h >= left * (1.0 - 1e-12) {
                Self::rk4_step(p, s, &Decay::new(p, left));
                break;
            }
            Self::rk4_step(p, s, d);
            left -= d.h;
        }
        s.t += len;
    }

    /// One RK4 step of length `d.h` (does not move `s.t`).
    #[inline]
    fn rk4_step(p: &Params, s: &mut Syn, d: &Decay) {
        let h = d.h;
        let (ca, w) = (s.ca, s.w);
        let g0 = s.gf + s.gs;
        let v0 = Self::v_of(p, s.e1, s.e2, s.bf, s.bs);
        let [gf_h, gs_h, e1_h, e2_h, bf_h, bs_h] = d.half;
        let [gf_1, gs_1, e1_1, e2_1, bf_1, bs_1] = d.full;
        let gm = s.gf * gf_h + s.gs * gs_h;
        let vm = Self::v_of(p, s.e1 * e1_h, s.e2 * e2_h, s.bf * bf_h, s.bs * bs_h);
        s.gf *= gf_1;
        s.gs *= gs_1;
        s.e1 *= e1_1;
        s.e2 *= e2_1;
        s.bf *= bf_1;
        s.bs *= bs_1;
        let g1 = s.gf + s.gs;
        let v1 = Self::v_of(p, s.e1, s.e2, s.bf, s.bs);
        let k1 = Self::rhs(p, ca, w, g0, v0);
        let k2 = Self::rhs(p, ca + 0.5 * h * k1.0, w + 0.5 * h * k1.1, gm, vm);
        let k3 = Self::rhs(p, ca + 0.5 * h * k2.0, w + 0.5 * h * k2.1, gm, vm);
        let k4 = Self::rhs(p, ca + h * k3.0, w + h * k3.1, g1, v1);
        s.ca = ca + h / 6.0 * (k1.0 + 2.0 * k2.0 + 2.0 * k3.0 + k4.0);
        s.w = w + h / 6.0 * (k1.1 + 2.0 * k2.1 + 2.0 * k3.1 + k4.1);
    }

    /// Brings the state to time `t` [ms] (no spike at `t` is applied).
    pub fn advance_to(p: &Params, s: &mut Syn, t: f64) {
        while s.t < t {
            // Boundaries: BPAP arrival and the ends of the fast and BPAP windows.
            let mut end = t;
            let mut consider = |b: f64| {
                if b > s.t && b < end {
                    end = b;
                }
            };
            let pre_fast_end = s.t_pre + FAST_WINDOW * p.tau_epsp_rise;
            let bpap_fast_end = s.t_bpap + FAST_WINDOW * p.tau_bpap_f;
            let bpap_slow_end = s.t_bpap + FAST_WINDOW * p.tau_bpap_s;
            consider(s.t_bpap_next);
            consider(pre_fast_end);
            consider(bpap_fast_end);
            consider(bpap_slow_end);
            let mid = 0.5 * (s.t + end);
            let len = end - s.t;
            if mid < pre_fast_end || mid < bpap_fast_end {
                Self::rk4(p, s, len, p.h_fast);
            } else if Self::is_quiet(p, s) {
                Self::quiet(p, s, len);
            } else if mid < bpap_slow_end {
                Self::rk4(p, s, len, p.h_slow);
            } else {
                Self::rk4_coarse(p, s, len);
            }
            s.t = end; // exact, whatever rounding the sub-steps accumulated
            if s.t >= s.t_bpap_next {
                Self::arrive_bpap(p, s);
            }
        }
    }

    /// The BPAP reaches the spine: it replaces the previous one.
    fn arrive_bpap(p: &Params, s: &mut Syn) {
        s.bf = p.bpap_amp * p.bpap_fast;
        s.bs = p.bpap_amp * (1.0 - p.bpap_fast);
        s.t_bpap = s.t_bpap_next;
        s.t_bpap_next = f64::INFINITY;
    }

    /// A presynaptic spike at `t` ms.
    pub fn pre_event(p: &Params, s: &mut Syn, t: f64) {
        Self::advance_to(p, s, t);
        let closed = (1.0 - s.gf - s.gs).max(0.0);
        s.gf += p.p0 * p.i_f * closed;
        s.gs += p.p0 * (1.0 - p.i_f) * closed;
        s.e1 += 1.0;
        s.e2 += 1.0;
        s.t_pre = t;
    }

    /// A postsynaptic spike at `t` ms: its BPAP arrives `bpap_delay` later.
    pub fn post_event(p: &Params, s: &mut Syn, t: f64) {
        Self::advance_to(p, s, t);
        if p.bpap_amp <= 0.0 {
            return;
        }
        s.t_bpap_next = t + p.bpap_delay;
        if p.bpap_delay <= 0.0 {
            Self::arrive_bpap(p, s);
        }
    }

    /// A fresh synapse at rest at time 0.
    pub fn rest(p: &Params, weight: f64) -> Syn {
        Syn {
            w: p.w_init,
            t_pre: f64::NEG_INFINITY,
            t_bpap: f64::NEG_INFINITY,
            t_bpap_next: f64::INFINITY,
            scale: weight / p.w_init,
            ..Syn::default()
        }
    }
}

impl SynapseModel for CalciumControl {
    type Params = Params;
    type Syn = Syn;
    type Row = ();

    const INFO: ModelInfo = ModelInfo {
        name: "calcium_control",
        kind: ModelKind::Synapse,
        summary: "Calcium-control rule (Shouval, Bear & Cooper 2002): NMDA-receptor calcium with Mg block and BPAP sets the sign and rate of plasticity, dW/dt = eta(Ca)(Omega(Ca) - lambda W).",
        equations: "g = gf + gs (open NMDA fraction); at a pre spike gf += P0 I_f (1 - g), gs += P0 (1 - I_f)(1 - g); gf, gs decay with tau_nmda_f, tau_nmda_s
B(V) = 1 / (1 + exp(-0.062 V) Mg/3.57 mM);  I_NMDA = g_nmda g B(V) (V_ca - V)
dCa/dt = I_NMDA - Ca/tau_ca        (Ca above rest, µM)
V = V_rest + epsp_amp/n sum_pre (exp(-s/tau_epsp_decay) - exp(-s/tau_epsp_rise))   (n: peak of the bracket)
      + bpap_amp (bpap_fast exp(-u/tau_bpap_f) + (1 - bpap_fast) exp(-u/tau_bpap_s)),  u = t - t_post - bpap_delay (last post spike)
dW/dt = eta(Ca) (Omega(Ca) - lambda W)
Omega(c) = 0.25 + sig(c - alpha2, beta2) - 0.25 sig(c - alpha1, beta1),  sig(x, b) = 1/(1 + exp(-b x))
eta(c) = 1 / (P1/(P2 + c^P3) + P4)
transmitted weight = W0 W / W_init   (W0: the projection's weight)
V is the spine potential modelled in the synapse from its pre and post spikes (not the neuron's V_m);
exact exponentials between events, (Ca, W) by RK4 (<= 0.2 ms near spikes, <= 1 ms after a BPAP or near alpha1/alpha2, <= 5 ms elsewhere), closed form when quiet;
updated at pre and post spikes (lazy): a recorder shows the state as of the last spike",
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: &[
            "Shouval HZ, Bear MF, Cooper LN (2002) A unified model of NMDA receptor-dependent bidirectional synaptic plasticity. PNAS 99:10831-10836. doi:10.1073/pnas.152343099",
            "Shouval HZ, Castellani GC, Blais BS, Yeung LC, Cooper LN (2002) Converging evidence for a simplified biophysical model of synaptic plasticity. Biol Cybern 87:383-391",
            "folmez/CaDP-MatLab (public MATLAB re-implementation of Shouval et al. 2002; P2 = 1e-4 P1 and the EPSP/BPAP waveforms)",
            "Jahr CE, Stevens CF (1990) Voltage dependence of NMDA-activated macroscopic conductances predicted by single-channel kinetics. J Neurosci 10:3178-3182",
            "Dudek SM, Bear MF (1992) Homosynaptic long-term depression in area CA1 of hippocampus and effects of N-methyl-D-aspartate receptor blockade. PNAS 89:4363-4367",
        ],
    };
    const SYN_VARS: &'static [StateVar] = SYN_VARS;
    const ON_POST: bool = true;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let mut p = Params {
            tau_ca: v.get("tau_ca"),
            g_nmda: v.get("g_nmda"),
            p0: v.get("P0"),
            i_f: v.get("I_f"),
            tau_nmda_f: v.get("tau_nmda_f"),
            tau_nmda_s: v.get("tau_nmda_s"),
            v_ca: v.get("V_ca"),
            mg_mm: v.get("Mg") * 1e-3,
            v_rest: v.get("V_rest"),
            epsp_amp: v.get("epsp_amp"),
            tau_epsp_rise: v.get("tau_epsp_rise"),
            tau_epsp_decay: v.get("tau_epsp_decay"),
            bpap_amp: v.get("bpap_amp"),
            bpap_fast: v.get("bpap_fast"),
            tau_bpap_f: v.get("tau_bpap_f"),
            tau_bpap_s: v.get("tau_bpap_s"),
            bpap_delay: v.get("bpap_delay"),
            alpha1: v.get("alpha1"),
            alpha2: v.get("alpha2"),
            beta1: v.get("beta1"),
            beta2: v.get("beta2"),
            p1: v.get("P1"),
            p2: v.get("P2"),
            p3: v.get("P3"),
            p4: v.get("P4"),
            lambda: v.get("lambda"),
            w_init: v.get("W_init"),
            epsp_scale: 0.0,
            h_fast: 0.0,
            h_slow: 0.0,
            h_coarse: 0.0,
        };
        if p.tau_epsp_rise >= p.tau_epsp_decay {
            return Err(CoreError::Inconsistent(format!(
                "tau_epsp_rise ({} ms) must be below tau_epsp_decay ({} ms)",
                p.tau_epsp_rise, p.tau_epsp_decay
            )));
        }
        if p.alpha2 <= p.alpha1 {
            return Err(CoreError::Inconsistent(format!(
                "alpha2 ({} µM) must be above alpha1 ({} µM)",
                p.alpha2, p.alpha1
            )));
        }
        // Peak of exp(-s/tau_d) - exp(-s/tau_r), at s* = tau_d tau_r ln(tau_d/tau_r) / (tau_d - tau_r).
        let (td, tr) = (p.tau_epsp_decay, p.tau_epsp_rise);
        let s_peak = td * tr * (td / tr).ln() / (td - tr);
        let peak = (-s_peak / td).exp() - (-s_peak / tr).exp();
        p.epsp_scale = p.epsp_amp / peak;
        let fastest = p.tau_epsp_rise.min(p.tau_bpap_f);
        p.h_fast = (0.1 * fastest).min(0.2);
        let slow = p
            .tau_ca
            .min(p.tau_nmda_f)
            .min(p.tau_nmda_s)
            .min(p.tau_epsp_decay)
            .min(p.tau_bpap_s);
        let mut h_slow = (slow / 20.0).min(1.0);
        if p.lambda > 0.0 {
            // Keep lambda eta h well inside RK4's stability region (eta <= 1/P4).
            h_slow = h_slow.min(0.25 * p.p4 / p.lambda);
        }
        let smooth = p
            .tau_ca
            .min(p.tau_nmda_f)
            .min(p.tau_nmda_s)
            .min(p.tau_epsp_decay);
        let mut h_coarse = (smooth / 10.0).min(5.0);
        if p.lambda > 0.0 {
            h_coarse = h_coarse.min(0.25 * p.p4 / p.lambda);
        }
        p.h_coarse = h_coarse.max(h_slow);
        p.h_slow = h_slow;
        p.h_fast = p.h_fast.min(h_slow);
        Ok(p)
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    fn init(p: &Params, weight: f64) -> Result<Syn, CoreError> {
        if weight < 0.0 || !weight.is_finite() {
            return Err(CoreError::Inconsistent(format!(
                "calcium_control is an excitatory (NMDA-receptor) rule: the projection's weight must not be negative (got {weight})"
            )));
        }
        Ok(Self::rest(p, weight))
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut PreSpike<'_>) {
        Self::pre_event(p, syn, cx.stamp as f64 * cx.dt_ms);
        *w = Self::transmitted_weight(syn);
    }

    fn on_post(p: &Params, syn: &mut Syn, w: &mut f64, cx: &PostSpike) {
        Self::post_event(p, syn, cx.stamp as f64 * cx.dt_ms);
        *w = Self::transmitted_weight(syn);
    }

    fn read(p: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        match var {
            1 => syn.w,
            2 => syn.ca,
            3 => syn.gf + syn.gs,
            4 => Self::v_of(p, syn.e1, syn.e2, syn.bf, syn.bs),
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(given: &[(&str, f64)]) -> Params {
        let v = CalciumControl::INFO.resolve(given.iter().copied()).unwrap();
        CalciumControl::params(&v).unwrap()
    }

    /// Omega at its landmarks, from the published form and constants
    /// (alpha1 = 0.35 µM, alpha2 = 0.55 µM, beta1 = beta2 = 80 per µM).
    #[test]
    fn issue5_omega_published_values() {
        let p = params(&[]);
        let om = |c: f64| CalciumControl::omega(&p, c);
        // At rest Omega = 0.25 (= W_init: rest is a fixed point with lambda = 1).
        assert!((om(0.0) - 0.25).abs() < 1e-9, "{}", om(0.0));
        // Half-way through the LTD step: 0.25 - 0.25/2.
        assert!((om(0.35) - 0.125).abs() < 1e-6, "{}", om(0.35));
        // The LTD trough between the thresholds: 0.25 + sig(-8) - 0.25 sig(8).
        let s8 = 1.0 / (1.0 + (-8.0f64).exp());
        assert!(
            (om(0.45) - (0.25 + (1.0 - s8) - 0.25 * s8)).abs() < 1e-12,
            "{}",
            om(0.45)
        );
        assert!(om(0.45) < 1e-3);
        // Half-way through the LTP step: 0.25 + 0.5 - 0.25.
        assert!((om(0.55) - 0.5).abs() < 1e-6, "{}", om(0.55));
        // Saturated LTP.
        assert!((om(1.0) - 1.0).abs() < 1e-9, "{}", om(1.0));
        // Shape: LTD dip below rest, then LTP above.
        assert!(
            om(0.45) < om(0.35) && om(0.35) < om(0.0) && om(0.0) < om(0.55) && om(0.55) < om(0.7)
        );
        // No overflow far out.
        assert!(om(1e6).is_finite() && om(-1e6).is_finite());
    }

    /// eta = 1/tau_eta with tau_eta = P1/(P2 + Ca^P3) + P4, P1 = 0.1 s, P2 = 1e-5,
    /// P3 = 3, P4 = 1 s: tau_eta(0) ~ 2.8 h (CaDP-MatLab's note: ~3 h), ~1.8 s at 0.5 µM.
    #[test]
    fn issue5_eta_published_values() {
        let p = params(&[]);
        let tau_s = |c: f64| 1.0 / CalciumControl::eta(&p, c) / 1000.0;
        let expect = |c: f64| 0.1 / (1e-5 + c * c * c) + 1.0;
        for c in [0.0, 0.1, 0.3, 0.5, 1.0, 3.0] {
            assert!(
                (tau_s(c) - expect(c)).abs() < 1e-9 * expect(c),
                "Ca = {c}: {} s",
                tau_s(c)
            );
        }
        assert!((tau_s(0.0) - 10_001.0).abs() < 1e-6);
        assert!(tau_s(0.0) / 3600.0 > 2.5 && tau_s(0.0) / 3600.0 < 3.0);
        assert!((tau_s(0.5) - 1.8).abs() < 0.001);
        // Fastest learning tends to 1/P4; negative calcium counts as rest.
        assert!((tau_s(1e3) - 1.0).abs() < 1e-6);
        assert_eq!(CalciumControl::eta(&p, -0.2), CalciumControl::eta(&p, 0.0));
    }

    /// B(V) = 1/(1 + exp(-0.062 V) [Mg]/3.57) (Jahr & Stevens 1990).
    #[test]
    fn issue5_mg_block_values() {
        let p = params(&[]);
        let b = |v: f64| CalciumControl::mg_block(&p, v);
        assert!((b(0.0) - 3.57 / 4.57).abs() < 1e-12);
        assert!((b(-65.0) - 1.0 / (1.0 + (0.062f64 * 65.0).exp() / 3.57)).abs() < 1e-12);
        assert!(b(-65.0) > 0.05 && b(-65.0) < 0.07, "{}", b(-65.0));
        assert!(b(-65.0) < b(-30.0) && b(-30.0) < b(0.0) && b(0.0) < b(20.0) && b(20.0) < 1.0);
        // Mg given in µM at the edge: 2 mM blocks more, 0 not at all.
        let p2 = params(&[("Mg", 2000.0)]);
        assert!(
            (CalciumControl::mg_block(&p2, -65.0)
                - 1.0 / (1.0 + (0.062f64 * 65.0).exp() * 2.0 / 3.57))
                .abs()
                < 1e-12
        );
        let p0 = params(&[("Mg", 0.0)]);
        assert_eq!(CalciumControl::mg_block(&p0, -65.0), 1.0);
    }

    /// A reference built from the published formulas, evaluated directly from
    /// the spike times, integrated with forward Euler on a fine grid.
    fn fine_euler(p: &Params, pre: &[f64], post: &[f64], t_end: f64, h: f64) -> (f64, f64) {
        let n = (t_end / h).round() as usize;
        let (mut ca, mut w) = (0.0f64, p.w_init);
        // Open-fraction amplitudes of each presynaptic spike (fast, slow).
        let mut amps: Vec<(f64, f64, f64)> = Vec::new();
        let open_at = |amps: &[(f64, f64, f64)], t: f64| -> f64 {
            amps.iter()
                .map(|&(tj, af, a_s)| {
                    af * (-(t - tj) / p.tau_nmda_f).exp() + a_s * (-(t - tj) / p.tau_nmda_s).exp()
                })
                .sum()
        };
        let td = p.tau_epsp_decay;
        let tr = p.tau_epsp_rise;
        let s_peak = td * tr * (td / tr).ln() / (td - tr);
        let norm = (-s_peak / td).exp() - (-s_peak / tr).exp();
        let mut next_pre = 0;
        for i in 0..n {
            let t = i as f64 * h;
            while next_pre < pre.len() && pre[next_pre] <= t + 1e-9 {
                let tj = pre[next_pre];
                let closed = 1.0 - open_at(&amps, tj);
                amps.push((tj, p.p0 * p.i_f * closed, p.p0 * (1.0 - p.i_f) * closed));
                next_pre += 1;
            }
            let epsp: f64 = amps
                .iter()
                .map(|&(tj, _, _)| (-(t - tj) / td).exp() - (-(t - tj) / tr).exp())
                .sum::<f64>()
                * p.epsp_amp
                / norm;
            let last_post = post
                .iter()
                .copied()
                .filter(|&tp| tp + p.bpap_delay <= t + 1e-9)
                .fold(f64::NEG_INFINITY, f64::max);
            let u = t - last_post - p.bpap_delay;
            let bpap = if u.is_finite() {
                p.bpap_amp
                    * (p.bpap_fast * (-u / p.tau_bpap_f).exp()
                        + (1.0 - p.bpap_fast) * (-u / p.tau_bpap_s).exp())
            } else {
                0.0
            };
            let v = p.v_rest + epsp + bpap;
            let g = open_at(&amps, t);
            let b = 1.0 / (1.0 + (-0.062 * v).exp() * p.mg_mm / 3.57);
            let i_nmda = p.g_nmda * g * b * (p.v_ca - v);
            let sig = |x: f64, beta: f64| 1.0 / (1.0 + (-beta * x).exp());
            let omega = 0.25 + sig(ca - p.alpha2, p.beta2) - 0.25 * sig(ca - p.alpha1, p.beta1);
            let eta = 1.0 / (p.p1 / (p.p2 + ca.max(0.0).powf(p.p3)) + p.p4);
            let (dca, dw) = (i_nmda - ca / p.tau_ca, eta * (omega - p.lambda * w));
            ca += h * dca;
            w += h * dw;
        }
        (ca, w)
    }

    fn run(p: &Params, pre: &[f64], post: &[f64], t_end: f64) -> Syn {
        let mut s = CalciumControl::rest(p, 1.0);
        let mut events: Vec<(f64, bool)> = pre
            .iter()
            .map(|&t| (t, true))
            .chain(post.iter().map(|&t| (t, false)))
            .collect();
        events.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (t, is_pre) in events {
            if is_pre {
                CalciumControl::pre_event(p, &mut s, t);
            } else {
                CalciumControl::post_event(p, &mut s, t);
            }
        }
        CalciumControl::advance_to(p, &mut s, t_end);
        s
    }

    /// Calcium and W agree with a fine Euler integration of the published
    /// equations: pre-before-post pairing (BPAP with its delay) and a 20-Hz
    /// train with 10-mV EPSPs (calcium through both thresholds).
    #[test]
    fn issue5_calcium_and_weight_match_fine_reference() {
        let cases: Vec<(Params, Vec<f64>, Vec<f64>, f64)> = vec![
            (params(&[]), vec![10.0], vec![20.0], 300.0),
            (
                params(&[("epsp_amp", 10.0)]),
                (0..20).map(|k| 5.0 + 50.0 * k as f64).collect(),
                vec![],
                1200.0,
            ),
        ];
        for (p, pre, post, t_end) in cases {
            let s = run(&p, &pre, &post, t_end);
            let (ca, w) = fine_euler(&p, &pre, &post, t_end, 2e-4);
            let peak_run = run(&p, &pre, &post, pre.last().unwrap() + 15.0);
            let (ca_peak, _) = fine_euler(&p, &pre, &post, pre.last().unwrap() + 15.0, 2e-4);
            assert!(ca_peak > 0.05, "the case must drive calcium: {ca_peak}");
            assert!(
                (peak_run.ca - ca_peak).abs() < 1e-3 * ca_peak,
                "calcium near the peak {} vs {}",
                peak_run.ca,
                ca_peak
            );
            assert!(
                (s.ca - ca).abs() < 1e-3 * ca.abs().max(1e-3),
                "calcium at the end {} vs {}",
                s.ca,
                ca
            );
            let dw = w - p.w_init;
            assert!(dw.abs() > 1e-4, "the case must change W: {dw}");
            assert!(
                (s.w - w).abs() < 1e-3 * dw.abs(),
                "W {} vs {} (change {dw})",
                s.w,
                w
            );
        }
    }

    /// The closed form used once the synapse is quiet continues the RK4 solution:
    /// after a 20-Hz train, advancing to 20 s (closed form from ~4 s on) agrees
    /// with RK4 in 1-ms steps all the way.
    #[test]
    fn issue5_quiet_closed_form_continues_rk4() {
        let p = params(&[("epsp_amp", 10.0)]);
        let mut a = CalciumControl::rest(&p, 1.0);
        for k in 0..10 {
            CalciumControl::pre_event(&p, &mut a, 50.0 * k as f64);
        }
        CalciumControl::advance_to(&p, &mut a, 1000.0);
        let mut b = a;
        CalciumControl::advance_to(&p, &mut a, 20_000.0);
        assert!(
            CalciumControl::is_quiet(&p, &a),
            "the synapse is quiet by 20 s"
        );
        CalciumControl::rk4(&p, &mut b, 19_000.0, 1.0);
        assert!((a.w - b.w).abs() < 1e-9, "{} vs {}", a.w, b.w);
        assert!((a.ca - b.ca).abs() < 1e-12);
        assert!(
            (a.w - p.w_init).abs() > 1e-3,
            "the train changed W: {}",
            a.w
        );
        // Over hours at rest W relaxes toward Omega(0)/lambda with tau_eta(0) ~ 2.8 h.
        let mut c = a;
        let tau0 = 1.0 / CalciumControl::eta(&p, 0.0);
        CalciumControl::advance_to(&p, &mut c, 20_000.0 + tau0);
        let expect = 0.25 + (a.w - 0.25) * (-1.0f64).exp();
        assert!((c.w - expect).abs() < 1e-6, "{} vs {}", c.w, expect);
    }

    /// Shouval et al. 2002, Fig. 3B (solid curve: presynaptic rate, no
    /// postsynaptic spikes, 100 pulses, 10-mV EPSPs): LTD at low rates, LTP at
    /// high rates, the sign change between 5 and 15 Hz.
    #[test]
    fn issue5_rate_curve_100_pulses() {
        let p = params(&[("epsp_amp", 10.0)]);
        let ratio = |f: f64| {
            let isi = 1000.0 / f;
            let pre: Vec<f64> = (0..100).map(|k| k as f64 * isi).collect();
            let s = run(&p, &pre, &[], 100.0 * isi + 5000.0);
            s.w / p.w_init
        };
        let curve: Vec<(f64, f64)> = [1.0, 3.0, 5.0, 15.0, 20.0, 50.0]
            .iter()
            .map(|&f| (f, ratio(f)))
            .collect();
        eprintln!("W_final/W_init after 100 pulses: {curve:?}");
        for &(f, r) in &curve {
            if f <= 5.0 {
                assert!(r < 0.95, "LTD at {f} Hz: {curve:?}");
            } else {
                assert!(r > 1.05, "LTP at {f} Hz: {curve:?}");
            }
        }
    }

    /// W stays within [min Omega, max Omega]/lambda and its start, and nothing
    /// becomes NaN, under extreme drive (huge EPSPs pushing V past V_ca, bursts
    /// of post spikes closer than the BPAP delay, no Mg).
    #[test]
    fn issue5_weight_bounded_and_finite() {
        for (epsp, mg, lambda) in [
            (10.0, 1000.0, 1.0),
            (300.0, 1000.0, 1.0),
            (50.0, 0.0, 2.0),
            (1.0, 1000.0, 0.5),
        ] {
            let p = params(&[("epsp_amp", epsp), ("Mg", mg), ("lambda", lambda)]);
            let mut s = CalciumControl::rest(&p, 2.0);
            let (lo, hi) = (0.0f64.min(p.w_init), (1.0 / lambda).max(p.w_init));
            let mut t = 0.0;
            for k in 0..2000u32 {
                // A deterministic irregular pattern: ISIs from 0.5 to 40 ms.
                t += 0.5 + ((k.wrapping_mul(2_654_435_761) >> 7) % 80) as f64 * 0.5;
                if k % 3 == 0 {
                    CalciumControl::post_event(&p, &mut s, t);
                    CalciumControl::post_event(&p, &mut s, t + 0.5);
                } else {
                    CalciumControl::pre_event(&p, &mut s, t);
                }
                assert!(s.w.is_finite() && s.ca.is_finite(), "k = {k}: {s:?}");
                assert!(
                    s.w >= lo - 1e-9 && s.w <= hi + 1e-9,
                    "W = {} outside [{lo}, {hi}]",
                    s.w
                );
            }
            CalciumControl::advance_to(&p, &mut s, t + 60_000.0);
            assert!(s.w.is_finite() && s.w >= lo - 1e-9 && s.w <= hi + 1e-9);
        }
    }

    /// With the NMDA receptors blocked (drug `apv`: g_nmda = 0) no calcium
    /// enters and W does not move, whatever the stimulation.
    #[test]
    fn issue5_nmda_block_prevents_plasticity() {
        let p = params(&[("epsp_amp", 10.0), ("g_nmda", 0.0)]);
        let pre: Vec<f64> = (0..200).map(|k| 20.0 * k as f64).collect();
        let post: Vec<f64> = (0..200).map(|k| 20.0 * k as f64 + 5.0).collect();
        let s = run(&p, &pre, &post, 10_000.0);
        assert_eq!(s.ca, 0.0);
        assert!((s.w - p.w_init).abs() < 1e-12, "{}", s.w);
        // The same drive without the block potentiates.
        let open = params(&[("epsp_amp", 10.0)]);
        assert!(run(&open, &pre, &post, 10_000.0).w > 1.5 * open.w_init);
    }

    /// Parameters are checked together; the weight must not be negative.
    #[test]
    fn issue5_rejects_inconsistent_params() {
        let bad = |g: &[(&str, f64)]| {
            CalciumControl::params(&CalciumControl::INFO.resolve(g.iter().copied()).unwrap())
                .is_err()
        };
        assert!(bad(&[("tau_epsp_rise", 60.0)]));
        assert!(bad(&[("alpha1", 0.6)]));
        assert!(!bad(&[]));
        let p = params(&[]);
        assert!(CalciumControl::init(&p, -1.0).is_err());
        assert!(
            (CalciumControl::transmitted_weight(&CalciumControl::init(&p, 4.0).unwrap()) - 4.0)
                .abs()
                < 1e-12
        );
    }
}
