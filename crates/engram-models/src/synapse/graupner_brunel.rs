//! `graupner_brunel`: the calcium-based bistable plasticity rule of Graupner &
//! Brunel (2012).
//!
//! ```text
//! calcium:  dc/dt = -c/tau_ca ;  c += c_pre U x (1 - k + k rho) at t_pre + delay ;  c += c_post at t_post
//! STD:      x = 1 - (1 - x_last (1 - U)) exp(-(t - t_last)/tau_rec) at each presynaptic jump, 1 at the first
//! efficacy: tau drho/dt = -cubic rho (1 - rho) (rho_star - rho) + gamma_p (1 - rho) H(c - theta_p)
//!                         - gamma_d rho H(c - theta_d)
//!                         + sigma sqrt(tau) sqrt(H(c - theta_p) + H(c - theta_d)) xi(t)
//! weight:   w = w0 + rho (w1 - w0),  w0 = the projection's weight,  w1 = b w0
//! ```
//!
//! Event-driven and lazy: a synapse is brought up to date only when its
//! presynaptic or postsynaptic neuron spikes. Calcium is exact: between events
//! it decays exponentially, so the times at which it falls below theta_p and
//! theta_d are known in closed form, and each interval between events splits
//! into at most three pieces on which the threshold indicators are constant.
//!
//! * Below both thresholds (the long silent gaps) there is no noise and the only
//!   drift is the cubic term. Separating variables gives the exact implicit
//!   solution `F(rho(t)) = F(rho(0)) + t/tau` with
//!   `F(rho) = ln|rho - rho_star| / (rho_star (1 - rho_star)) - ln(rho) / rho_star - ln(1 - rho) / (1 - rho_star)`,
//!   which is solved for rho within its basin by Newton's method safeguarded by
//!   bisection (in ln rho or ln(1 - rho), so values near 0 and 1 keep full
//!   precision). For rho_star = 1/2 (all published sets) it inverts by hand:
//!   `(rho - 1/2)^2 / (rho (1 - rho)) = K exp(t / (2 tau))`. A gap of any length
//!   costs one exponential (or a few logarithms).
//! * Above a threshold rho follows the cubic drift plus the constant-indicator
//!   terms, integrated with classical Runge–Kutta (RK4) sub-steps of at most
//!   `MAX_STEP_ACTIVE` (10 ms; the fastest rate, (gamma_p + gamma_d)/tau, is about
//!   1/300 per ms for the published sets, so RK4 is exact to ~1e-9 per step).
//!   The noise, additive within a piece, enters as one Gaussian increment per
//!   sub-step whose variance is that of the drift linearized at the start of the
//!   sub-step (`q (exp(2 k h) - 1) / (2 k)`, `q = sigma^2 (H_p + H_d) / tau`,
//!   `k` the slope of the drift), so the spread does not depend on the sub-step.
//!   After a noisy sub-step rho is clamped to [0, 1]; the deterministic flow
//!   keeps [0, 1] invariant by itself.
//!
//! Each synapse draws its noise from its own counter-based stream, so results
//! do not depend on threads. Because the update is lazy, a weight recorder shows
//! each synapse as of its last pre- or postsynaptic spike; protocols read the
//! weights after a test volley (one presynaptic spike) brings them up to date.
//!
//! Initial state (the paper's bistable population, β and b of its Eq. for the
//! relative change): a fraction `beta` of each projection's synapses starts at
//! `rho_init` (default 0, the DOWN state) and the rest (1 − beta, chosen by the
//! engine's keyed shuffle) at rho = 1 (UP). With `beta = 1` every synapse starts
//! at `rho_init`. The transmitted and recorded weight is the efficacy
//! w0 (1 + rho (b − 1)); the projection's `weight` sets w0, the DOWN-state efficacy.
//!
//! | parameter | unit | default  | meaning |
//! |-----------|------|----------|---------|
//! | tau_ca    | ms   | 20       | calcium time constant |
//! | c_pre     | 1    | 1        | calcium jump per presynaptic spike |
//! | c_post    | 1    | 2        | calcium jump per postsynaptic spike |
//! | delay     | ms   | 13.7     | delay D of the presynaptic calcium jump |
//! | theta_d   | 1    | 1        | depression threshold |
//! | theta_p   | 1    | 1.3      | potentiation threshold |
//! | gamma_d   | 1    | 200      | depression rate |
//! | gamma_p   | 1    | 321.808  | potentiation rate |
//! | sigma     | 1    | 2.8284   | noise amplitude |
//! | tau       | ms   | 150000   | time constant of rho |
//! | rho_star  | 1    | 0.5      | boundary between the two basins |
//! | beta      | 1    | 0.5      | fraction of synapses starting at rho_init (DOWN) |
//! | b         | 1    | 5        | ratio w1/w0 of UP- to DOWN-state efficacy |
//! | rho_init  | 1    | 0        | initial rho of the beta fraction |
//! | U         | 1    | 1        | fraction of the presynaptic resources x used per spike |
//! | tau_rec   | ms   | 0        | recovery time constant of x (0: no short-term depression) |
//! | c_pre_weight | 1 | 0        | k: weight dependence of the presynaptic jump (1: proportional to rho) |
//! | cubic     | 1    | 1        | factor of the cubic term (0: flat potential, no bistability) |
//!
//! The last four extend the 2012 rule (Deperrois & Graupner 2020): presynaptic
//! short-term depression of the calcium jump (Tsodyks–Markram resources x with
//! fixed use U, in closed form between jumps, so the update stays exact and
//! event-driven), a presynaptic jump proportional to the efficacy, and a flat
//! potential (cubic = 0: below both thresholds rho does not move; above them,
//! without noise, it relaxes exponentially, also in closed form). With their
//! defaults the jump is exactly c_pre and the 2012 rule is unchanged, bit for bit.
//!
//! Defaults: the "DP" set. All nine published parameter sets (Graupner & Brunel
//! 2012, SI Appendix Table S1; the same numbers are in the authors' code,
//! mgraupe/CalciumBasedPlasticityModel `synapticChange.py`, there with times in s)
//! are in [`PARAMETER_SETS`]; a protocol picks one with
//! `plasticity = { model = "graupner_brunel", parameter_set = "cortical_slices" }`,
//! and parameters written next to it override the set's values:
//!
//! | set                   | tau_ca [ms] | c_pre     | c_post   | theta_p | gamma_d  | gamma_p  | sigma  | tau [s]  | delay [ms] | beta | b       | fitted to / shape |
//! |-----------------------|-------------|-----------|----------|---------|----------|----------|--------|----------|------------|------|---------|-------------------|
//! | `DP`                  | 20          | 1         | 2        | 1.3     | 200      | 321.808  | 2.8284 | 150      | 13.7       | 0.5  | 5       | Fig. 2: depression–potentiation STDP |
//! | `DPD`                 | 20          | 0.9       | 0.9      | 1.3     | 250      | 550      | 2.8284 | 150      | 4.6        | 0.5  | 5       | Fig. 2: D–P–D |
//! | `DPD_prime`           | 20          | 1         | 2        | 2.5     | 50       | 600      | 2.8284 | 150      | 2.2        | 0.5  | 5       | Fig. 2: D–P–D' |
//! | `P`                   | 20          | 2         | 2        | 1.3     | 160      | 257.447  | 2.8284 | 150      | 0          | 0.5  | 5       | Fig. 2: potentiation only |
//! | `D`                   | 20          | 0.6       | 0.6      | 1.3     | 500      | 550      | 5.6568 | 150      | 0          | 0.5  | 5       | Fig. 2: depression only |
//! | `D_prime`             | 20          | 1         | 2        | 3.5     | 60       | 600      | 2.8284 | 150      | 0          | 0.5  | 5       | Fig. 2: D' |
//! | `hippocampal_slices`  | 48.8373     | 1         | 0.275865 | 1.3     | 313.0965 | 1645.59  | 9.1844 | 688.355  | 18.8008    | 0.7  | 5.28145 | Wittenberg & Wang 2006 |
//! | `hippocampal_cultures`| 11.9536     | 0.58156   | 1.76444  | 1.3     | 61.141   | 113.6545 | 2.5654 | 33.7596  | 10         | 0.5  | 36.0263 | Wang et al. 2005 |
//! | `cortical_slices`     | 22.6936     | 0.5617539 | 1.23964  | 1.3     | 331.909  | 725.085  | 3.3501 | 346.3615 | 4.6098     | 0.5  | 5.40988 | Sjöström et al. 2001 |
//!
//! Every set has theta_d = 1 and rho_star = 0.5; rho_init keeps its default (0).
//!
//! Two later fits to the same Sjöström et al. (2001) data use a flat potential
//! (cubic = 0), no noise (sigma = 0), every synapse starting at rho = 0.5
//! (beta = 1, rho_init = 0.5), and read the change as rho_end / 0.5 (record the
//! synapse variable `rho`); b = 2 as in the authors' code (it only sets the
//! transmitted weight). Values from the authors' code
//! (`parameter_fit_solutions.py`, `Deperrois2020PlosComputBiol/params.py`):
//!
//! | set                  | tau_ca [ms] | c_pre    | c_post   | theta_p  | gamma_d  | gamma_p  | tau [s]  | delay [ms] | U        | tau_rec [ms] | k | fitted to |
//! |----------------------|-------------|----------|----------|----------|----------|----------|----------|------------|----------|--------------|---|-----------|
//! | `visual_cortex_std`  | 38.3492083  | 3.99132241 | 1.12940834 | 1.63069609 | 111.320539 | 564.392975 | 299.8778 | 9.23545841 | 0.383753 | 148.9192 | 1 | Deperrois & Graupner 2020, Fig. 2A: regular pairs (5 pairs, 15 times every 10 s) |
//! | `visual_cortex_flat` | 22.2721171  | 0.844990637 | 1.621379 | 2.00928899 | 137.758631 | 597.089216 | 520.761286 | 9.53708736 | 1 | 0 | 0 | Graupner, Wallisch & Ostojic 2016, linear calcium model (shown with the regular and the random data) |
//!
//! No published set reproduces all of the Sjöström et al. random-firing data
//! within one SEM (see the headers of `experiments/sjostrom2001_random_*.toml`
//! and `validation/data/sjostrom2001_published_fits.json`).
//! Nor does engram's own fit of this flat-potential, noise-free family
//! (tau_ca, c_pre, c_post, theta_p, gamma_d, gamma_p, delay, U, tau_rec and
//! c_pre_weight free) to all 14 regular and random points: at its best six
//! regular points and the 20 Hz random point stay outside one SEM, by up to
//! 1.74 SEM, so no such set is shipped
//! (`validation/graupner_brunel/fit_sjostrom2001.py`,
//! `validation/data/sjostrom2001_engram_fit.json`).
//!
//! References: Graupner M, Brunel N (2012) Calcium-based plasticity model explains
//! sensitivity of synaptic changes to spike pattern, rate, and dendritic location.
//! PNAS 109:3991–3996, doi:10.1073/pnas.1109359109.
//! Deperrois N, Graupner M (2020) Short-term depression and long-term plasticity
//! together tune sensitive range of synaptic plasticity. PLoS Comput Biol
//! 16(9):e1008265, doi:10.1371/journal.pcbi.1008265.
//! Graupner M, Wallisch P, Ostojic S (2016) Natural firing patterns imply low
//! sensitivity of synaptic plasticity to spike timing compared with firing rate.
//! J Neurosci 36(44):11238–11258.

use engram_core::model::{PostSpike, PreSpike, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::rng::{Purpose, Stream};
use engram_core::units::Dimension::{Dimensionless, Time};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct GraupnerBrunel;

/// Shared parameters of one projection.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs, non_snake_case)]
pub struct Params {
    pub tau_ca: f64,
    pub c_pre: f64,
    pub c_post: f64,
    pub delay: f64,
    pub theta_d: f64,
    pub theta_p: f64,
    pub gamma_d: f64,
    pub gamma_p: f64,
    pub sigma: f64,
    pub tau: f64,
    pub rho_star: f64,
    pub beta: f64,
    pub b: f64,
    pub rho_init: f64,
    pub U: f64,
    pub tau_rec: f64,
    pub c_pre_weight: f64,
    pub cubic: f64,
}

/// Most presynaptic calcium jumps that can be pending at once (delay / ISI).
const PENDING: usize = 4;
/// Largest RK4 sub-step while calcium is above a threshold [ms].
const MAX_STEP_ACTIVE: f64 = 10.0;

/// Per-synapse state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Syn {
    /// Calcium at `t`.
    pub c: f64,
    /// Efficacy variable rho at `t`.
    pub rho: f64,
    /// Time of the last update [ms].
    pub t: f64,
    /// DOWN-state efficacy w0 (the projection's initial weight).
    pub w0: f64,
    /// Times of pending presynaptic calcium jumps [ms], oldest first.
    pending: [f64; PENDING],
    n_pending: u8,
    /// Presynaptic resources x used by the last calcium jump (short-term depression).
    pub x: f64,
    /// Time of the last presynaptic calcium jump [ms] (-inf before the first).
    t_jump: f64,
    /// Noise stream key and draws so far.
    key: u64,
    draws: u64,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec {
        name: "tau_ca",
        dim: Time,
        default: 20.0,
        bound: Bound::Positive,
        doc: "calcium time constant",
    },
    FieldSpec {
        name: "c_pre",
        dim: Dimensionless,
        default: 1.0,
        bound: Bound::NonNegative,
        doc: "calcium jump per presynaptic spike (0: NMDA receptors blocked)",
    },
    FieldSpec {
        name: "c_post",
        dim: Dimensionless,
        default: 2.0,
        bound: Bound::NonNegative,
        doc: "calcium jump per postsynaptic spike",
    },
    FieldSpec {
        name: "delay",
        dim: Time,
        default: 13.7,
        bound: Bound::NonNegative,
        doc: "delay D of the presynaptic calcium jump",
    },
    FieldSpec {
        name: "theta_d",
        dim: Dimensionless,
        default: 1.0,
        bound: Bound::Positive,
        doc: "calcium threshold for depression",
    },
    FieldSpec {
        name: "theta_p",
        dim: Dimensionless,
        default: 1.3,
        bound: Bound::Positive,
        doc: "calcium threshold for potentiation",
    },
    FieldSpec {
        name: "gamma_d",
        dim: Dimensionless,
        default: 200.0,
        bound: Bound::NonNegative,
        doc: "depression rate",
    },
    FieldSpec {
        name: "gamma_p",
        dim: Dimensionless,
        default: 321.808,
        bound: Bound::NonNegative,
        doc: "potentiation rate",
    },
    FieldSpec {
        name: "sigma",
        dim: Dimensionless,
        default: 2.8284,
        bound: Bound::NonNegative,
        doc: "noise amplitude (active only above a threshold)",
    },
    FieldSpec {
        name: "tau",
        dim: Time,
        default: 150_000.0,
        bound: Bound::Positive,
        doc: "time constant of the efficacy variable rho",
    },
    FieldSpec {
        name: "rho_star",
        dim: Dimensionless,
        default: 0.5,
        bound: Bound::Closed(0.0, 1.0),
        doc: "unstable fixed point between the DOWN and UP basins (strictly between 0 and 1)",
    },
    FieldSpec {
        name: "beta",
        dim: Dimensionless,
        default: 0.5,
        bound: Bound::Closed(0.0, 1.0),
        doc: "fraction of synapses starting at rho_init (the rest start UP, rho = 1)",
    },
    FieldSpec {
        name: "b",
        dim: Dimensionless,
        default: 5.0,
        bound: Bound::Positive,
        doc: "ratio w1/w0 of UP- to DOWN-state efficacy",
    },
    FieldSpec {
        name: "rho_init",
        dim: Dimensionless,
        default: 0.0,
        bound: Bound::Closed(0.0, 1.0),
        doc: "initial rho of the beta fraction of synapses",
    },
    FieldSpec {
        name: "U",
        dim: Dimensionless,
        default: 1.0,
        bound: Bound::Closed(0.0, 1.0),
        doc: "fraction of the presynaptic resources x used per spike; the calcium jump is c_pre U x (Deperrois & Graupner 2020)",
    },
    FieldSpec {
        name: "tau_rec",
        dim: Time,
        default: 0.0,
        bound: Bound::NonNegative,
        doc: "recovery time constant of the presynaptic resources x (0: no short-term depression, x = 1)",
    },
    FieldSpec {
        name: "c_pre_weight",
        dim: Dimensionless,
        default: 0.0,
        bound: Bound::Closed(0.0, 1.0),
        doc: "weight dependence of the presynaptic calcium jump: times 1 - c_pre_weight + c_pre_weight rho (1: proportional to rho, Deperrois & Graupner 2020)",
    },
    FieldSpec {
        name: "cubic",
        dim: Dimensionless,
        default: 1.0,
        bound: Bound::NonNegative,
        doc: "factor of the cubic (double-well) term; 0: flat potential, rho keeps its value below both thresholds (no bistability)",
    },
];

const SYN_VARS: &[StateVar] = &[
    StateVar {
        name: "weight",
        unit: "",
        doc: "transmitted efficacy w0 (1 + rho (b - 1)), in the projection's weight unit",
    },
    StateVar {
        name: "rho",
        unit: "",
        doc: "efficacy variable rho (0: DOWN, 1: UP)",
    },
    StateVar {
        name: "calcium",
        unit: "",
        doc: "calcium concentration c",
    },
    StateVar {
        name: "resources",
        unit: "",
        doc: "presynaptic resources x used by the last calcium jump (1 without short-term depression)",
    },
];

/// rho after `t` ms of the cubic drift alone, `tau drho/dt = -rho (1 - rho) (a - rho)`
/// with `a = rho_star` in (0, 1): calcium below both thresholds. Exact: the
/// implicit solution `F(rho(t)) = F(rho0) + t/tau` (see the file header) is
/// solved in the basin of `rho0` for `x = ln rho` (below `a`) or `x = ln(1 - rho)`
/// (above `a`), by Newton steps kept inside a bracket by bisection. There
/// `G(x) = F(rho(x)) - F(rho0) - t/tau` decreases, `G(x0) = -t/tau`, and
/// `|dG/dx| >= 1/a` (resp. `1/(1 - a)`), so the root lies in
/// `[x0 - a t/tau, x0]` (resp. `[x0 - (1 - a) t/tau, x0]`).
fn quiet_flow(a: f64, tau: f64, rho0: f64, t: f64) -> f64 {
    if t <= 0.0 || rho0 <= 0.0 || rho0 >= 1.0 || rho0 == a {
        return rho0;
    }
    let low = rho0 < a;
    if a == 0.5 {
        // rho_star = 1/2 (every published set): the implicit solution inverts by
        // hand, (rho - 1/2)^2 / (rho (1 - rho)) = K exp(t / (2 tau)), and the
        // distance from the attractor is 1 / (2 (1 + q) (1 + sqrt(q / (1 + q)))).
        let k = (rho0 - 0.5) * (rho0 - 0.5) / (rho0 * (1.0 - rho0));
        let q = k * (0.5 * t / tau).exp();
        let dist = if q.is_finite() {
            1.0 / (2.0 * (1.0 + q) * (1.0 + (q / (1.0 + q)).sqrt()))
        } else {
            0.0
        };
        return if low { dist } else { 1.0 - dist };
    }
    // rho, ln rho, ln(1 - rho) from the basin coordinate x.
    let coords = |x: f64| -> (f64, f64, f64) {
        let e = x.exp();
        if low {
            (e, x, (-e).ln_1p())
        } else {
            (1.0 - e, (-e).ln_1p(), x)
        }
    };
    let f = |ln_rho: f64, ln_1m: f64, rho: f64| -> f64 {
        let gap = if low { a - rho } else { rho - a };
        gap.ln() / (a * (1.0 - a)) - ln_rho / a - ln_1m / (1.0 - a)
    };
    let x0 = if low { rho0.ln() } else { (-rho0).ln_1p() };
    let (r0, l0, m0) = coords(x0);
    let target = f(l0, m0, r0) + t / tau;
    let (mut lo, mut hi) = (x0 - if low { a } else { 1.0 - a } * t / tau, x0);
    let mut x = x0;
    for _ in 0..200 {
        let (rho, ln_rho, ln_1m) = coords(x);
        let g = f(ln_rho, ln_1m, rho) - target;
        if g > 0.0 {
            lo = x;
        } else {
            hi = x;
        }
        // dG/dx: 1/((1 - rho)(rho - a)) below a, -1/(rho (rho - a)) above a.
        let dg = if low {
            1.0 / ((1.0 - rho) * (rho - a))
        } else {
            -1.0 / (rho * (rho - a))
        };
        let mut next = x - g / dg;
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        if (next - x).abs() <= 1e-15 * x.abs().max(1.0) || hi - lo <= 1e-15 * lo.abs().max(1.0) {
            x = next;
            break;
        }
        x = next;
    }
    coords(x).0
}

/// A published parameter set: its protocol name, what it reproduces, and its
/// values in canonical units (ms for times).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParameterSet {
    /// Name used in protocols (`parameter_set = "cortical_slices"`).
    pub name: &'static str,
    /// The figure or data set it comes from.
    pub source: &'static str,
    /// Parameter values (name, value in the canonical unit).
    pub values: &'static [(&'static str, f64)],
}

macro_rules! gb_set {
    ($name:expr, $source:expr, $tau_ca:expr, $c_pre:expr, $c_post:expr, $theta_p:expr, $gamma_d:expr, $gamma_p:expr, $sigma:expr, $tau_s:expr, $delay:expr, $beta:expr, $b:expr) => {
        ParameterSet {
            name: $name,
            source: $source,
            values: &[
                ("tau_ca", $tau_ca),
                ("c_pre", $c_pre),
                ("c_post", $c_post),
                ("theta_d", 1.0),
                ("theta_p", $theta_p),
                ("gamma_d", $gamma_d),
                ("gamma_p", $gamma_p),
                ("sigma", $sigma),
                ("tau", $tau_s * 1000.0),
                ("rho_star", 0.5),
                ("delay", $delay),
                ("beta", $beta),
                ("b", $b),
            ],
        }
    };
}

/// The nine parameter sets of Graupner & Brunel (2012), SI Appendix Table S1
/// (also in the authors' code, mgraupe/CalciumBasedPlasticityModel
/// `synapticChange.py`). Times in ms (tau given in s in the macro call).
pub const PARAMETER_SETS: &[ParameterSet] = &[
    gb_set!(
        "DP",
        "Graupner & Brunel 2012, Fig. 2 (DP curve)",
        20.0,
        1.0,
        2.0,
        1.3,
        200.0,
        321.808,
        2.8284,
        150.0,
        13.7,
        0.5,
        5.0
    ),
    gb_set!(
        "DPD",
        "Graupner & Brunel 2012, Fig. 2 (DPD curve)",
        20.0,
        0.9,
        0.9,
        1.3,
        250.0,
        550.0,
        2.8284,
        150.0,
        4.6,
        0.5,
        5.0
    ),
    gb_set!(
        "DPD_prime",
        "Graupner & Brunel 2012, Fig. 2 (DPD' curve)",
        20.0,
        1.0,
        2.0,
        2.5,
        50.0,
        600.0,
        2.8284,
        150.0,
        2.2,
        0.5,
        5.0
    ),
    gb_set!(
        "P",
        "Graupner & Brunel 2012, Fig. 2 (P curve)",
        20.0,
        2.0,
        2.0,
        1.3,
        160.0,
        257.447,
        2.8284,
        150.0,
        0.0,
        0.5,
        5.0
    ),
    gb_set!(
        "D",
        "Graupner & Brunel 2012, Fig. 2 (D curve)",
        20.0,
        0.6,
        0.6,
        1.3,
        500.0,
        550.0,
        5.6568,
        150.0,
        0.0,
        0.5,
        5.0
    ),
    gb_set!(
        "D_prime",
        "Graupner & Brunel 2012, Fig. 2 (D' curve)",
        20.0,
        1.0,
        2.0,
        3.5,
        60.0,
        600.0,
        2.8284,
        150.0,
        0.0,
        0.5,
        5.0
    ),
    gb_set!(
        "hippocampal_slices",
        "Graupner & Brunel 2012, SI Table S1 (fit to Wittenberg & Wang 2006)",
        48.8373,
        1.0,
        0.275865,
        1.3,
        313.0965,
        1645.59,
        9.1844,
        688.355,
        18.8008,
        0.7,
        5.28145
    ),
    gb_set!(
        "hippocampal_cultures",
        "Graupner & Brunel 2012, Table S1 (fit to Wang et al. 2005)",
        11.9536,
        0.58156,
        1.76444,
        1.3,
        61.141,
        113.6545,
        2.5654,
        33.7596,
        10.0,
        0.5,
        36.0263
    ),
    gb_set!(
        "cortical_slices",
        "Graupner & Brunel 2012, Fig. 4 (fit to Sjöström et al. 2001)",
        22.6936,
        0.5617539,
        1.23964,
        1.3,
        331.909,
        725.085,
        3.3501,
        346.3615,
        4.6098,
        0.5,
        5.40988
    ),
    // Deperrois & Graupner 2020, visual-cortex fit (the authors' code:
    // parameter_fit_solutions.py `sJFullSim0`, STD from params.py): flat
    // potential, no noise, short-term depression of the presynaptic calcium,
    // which also scales with rho; every synapse starts at rho = 0.5, and the
    // change is rho_end / 0.5.
    ParameterSet {
        name: "visual_cortex_std",
        source: "Deperrois & Graupner 2020, Fig. 2A (fit to Sjöström et al. 2001, regular pairs)",
        values: &[
            ("tau_ca", 38.349_208_3),
            ("c_pre", 3.991_322_41),
            ("c_post", 1.129_408_34),
            ("theta_d", 1.0),
            ("theta_p", 1.630_696_09),
            ("gamma_d", 111.320_539),
            ("gamma_p", 564.392_975),
            ("sigma", 0.0),
            ("tau", 299_877.8),
            ("rho_star", 0.5),
            ("delay", 9.235_458_41),
            ("beta", 1.0),
            ("b", 2.0),
            ("rho_init", 0.5),
            ("U", 0.383_753),
            ("tau_rec", 148.919_2),
            ("c_pre_weight", 1.0),
            ("cubic", 0.0),
        ],
    },
    // Graupner, Wallisch & Ostojic 2016, linear calcium model (the authors'
    // code: parameter_fit_solutions.py `linearCaModel`): flat potential, mean
    // rho from 0.5, no short-term depression.
    ParameterSet {
        name: "visual_cortex_flat",
        source:
            "Graupner, Wallisch & Ostojic 2016 (linear calcium model, fit to Sjöström et al. 2001)",
        values: &[
            ("tau_ca", 22.272_117_1),
            ("c_pre", 0.844_990_637),
            ("c_post", 1.621_379),
            ("theta_d", 1.0),
            ("theta_p", 2.009_288_99),
            ("gamma_d", 137.758_631),
            ("gamma_p", 597.089_216),
            ("sigma", 0.0),
            ("tau", 520_761.286),
            ("rho_star", 0.5),
            ("delay", 9.537_087_36),
            ("beta", 1.0),
            ("b", 2.0),
            ("rho_init", 0.5),
            ("cubic", 0.0),
        ],
    },
];

/// The parameter set named `name`, if any.
pub fn parameter_set(name: &str) -> Option<&'static ParameterSet> {
    PARAMETER_SETS.iter().find(|s| s.name == name)
}

impl GraupnerBrunel {
    fn efficacy(p: &Params, s: &Syn) -> f64 {
        s.w0 * (1.0 + s.rho * (p.b - 1.0))
    }

    fn normal(s: &mut Syn) -> f64 {
        let stream = Stream::new(s.key, Purpose::Noise, 0);
        let u1 = 1.0 - stream.uniform(2 * s.draws);
        let u2 = stream.uniform(2 * s.draws + 1);
        s.draws += 1;
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// d rho / dt [1/ms] with the threshold indicators `pot`, `dep` (0 or 1).
    fn drift(p: &Params, rho: f64, pot: f64, dep: f64) -> f64 {
        (-p.cubic * rho * (1.0 - rho) * (p.rho_star - rho) + p.gamma_p * (1.0 - rho) * pot
            - p.gamma_d * rho * dep)
            / p.tau
    }

    /// d(drift)/d rho [1/ms] with the threshold indicators `pot`, `dep`.
    fn drift_slope(p: &Params, rho: f64, pot: f64, dep: f64) -> f64 {
        let a = p.rho_star;
        (p.cubic * (-a + 2.0 * (1.0 + a) * rho - 3.0 * rho * rho)
            - p.gamma_p * pot
            - p.gamma_d * dep)
            / p.tau
    }

    /// Integrates rho over `len` ms with constant indicators.
    fn piece(p: &Params, s: &mut Syn, len: f64, pot: f64, dep: f64) {
        if pot + dep == 0.0 {
            if p.cubic > 0.0 {
                s.rho = quiet_flow(p.rho_star, p.tau / p.cubic, s.rho, len);
            }
            return;
        }
        if p.cubic == 0.0 && p.sigma == 0.0 {
            // Flat potential without noise: the drift is linear in rho, exact exponential.
            let g = p.gamma_p * pot + p.gamma_d * dep;
            let rho_bar = p.gamma_p * pot / g;
            s.rho = rho_bar + (s.rho - rho_bar) * (-len * g / p.tau).exp();
            return;
        }
        let n = (len / MAX_STEP_ACTIVE).ceil().max(1.0) as usize;
        let h = len / n as f64;
        // Noise intensity: d<rho^2>/dt = q for a freely diffusing rho.
        let q = p.sigma * p.sigma * (pot + dep) / p.tau;
        for _ in 0..n {
            let r = s.rho;
            let k1 = Self::drift(p, r, pot, dep);
            let k2 = Self::drift(p, r + 0.5 * h * k1, pot, dep);
            let k3 = Self::drift(p, r + 0.5 * h * k2, pot, dep);
            let k4 = Self::drift(p, r + h * k3, pot, dep);
            s.rho = r + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            if q > 0.0 {
                // Locally linearized drift, f(rho) ~ f(r) + k (rho - r): the noise
                // accumulated over h then has variance q (exp(2 k h) - 1) / (2 k).
                let k = Self::drift_slope(p, r, pot, dep);
                let x = 2.0 * k * h;
                let var = if x.abs() > 1e-9 {
                    q * x.exp_m1() / (2.0 * k)
                } else {
                    q * h
                };
                s.rho += var.sqrt() * Self::normal(s);
            }
            s.rho = s.rho.clamp(0.0, 1.0);
        }
    }

    /// Advances (c, rho) over `len` ms with no calcium jump inside.
    fn segment(p: &Params, s: &mut Syn, len: f64) {
        if len <= 0.0 {
            return;
        }
        let c0 = s.c;
        // Time at which c falls to theta (0 if already below), clipped to the segment.
        let cross = |theta: f64| {
            if c0 > theta {
                (p.tau_ca * (c0 / theta).ln()).min(len)
            } else {
                0.0
            }
        };
        let (s1, s2) = {
            let (a, b) = (cross(p.theta_p), cross(p.theta_d));
            (a.min(b), a.max(b))
        };
        let mut start = 0.0;
        for end in [s1, s2, len] {
            let l = end - start;
            if l > 0.0 {
                let c_mid = c0 * (-(start + 0.5 * l) / p.tau_ca).exp();
                let (pot, dep) = (
                    (c_mid > p.theta_p) as u8 as f64,
                    (c_mid > p.theta_d) as u8 as f64,
                );
                Self::piece(p, s, l, pot, dep);
                start = end;
            }
        }
        s.c = c0 * (-len / p.tau_ca).exp();
        s.t += len;
    }

    /// Brings the state to `t` ms, applying pending presynaptic calcium jumps.
    fn advance_to(p: &Params, s: &mut Syn, t: f64) {
        while s.n_pending > 0 && s.pending[0] <= t {
            Self::apply_oldest_pending(p, s);
        }
        Self::segment(p, s, t - s.t);
    }

    fn apply_oldest_pending(p: &Params, s: &mut Syn) {
        let tj = s.pending[0];
        Self::segment(p, s, tj - s.t);
        s.c += Self::pre_jump(p, s, tj);
        s.pending.copy_within(1.., 0);
        s.n_pending -= 1;
    }

    /// The presynaptic calcium jump at `tj` ms: c_pre U x (1 - k + k rho), k =
    /// c_pre_weight. The resources x recover between jumps in closed form,
    /// x = 1 - (1 - x_last (1 - U)) exp(-(tj - t_last) / tau_rec), and are 1 at
    /// the first jump (the delay is constant, so jump intervals are spike intervals).
    fn pre_jump(p: &Params, s: &mut Syn, tj: f64) -> f64 {
        let mut a = p.c_pre * p.U;
        if p.tau_rec > 0.0 {
            let kept = 1.0 - (1.0 - s.x * (1.0 - p.U)) * (-(tj - s.t_jump) / p.tau_rec).exp();
            s.x = kept;
            s.t_jump = tj;
            a *= kept;
        }
        if p.c_pre_weight > 0.0 {
            a *= 1.0 - p.c_pre_weight + p.c_pre_weight * s.rho;
        }
        a
    }

    /// A presynaptic spike at `t` ms: schedules its calcium jump at `t + delay`.
    fn pre_event(p: &Params, s: &mut Syn, t: f64) {
        Self::advance_to(p, s, t);
        if p.c_pre > 0.0 {
            if p.delay == 0.0 {
                s.c += Self::pre_jump(p, s, t);
                return;
            }
            if s.n_pending as usize == PENDING {
                // More jumps pending than slots (ISI < delay / PENDING): apply the oldest early.
                Self::apply_oldest_pending(p, s);
            }
            s.pending[s.n_pending as usize] = t + p.delay;
            s.n_pending += 1;
        }
    }

    /// A postsynaptic spike at `t` ms.
    fn post_event(p: &Params, s: &mut Syn, t: f64) {
        Self::advance_to(p, s, t);
        s.c += p.c_post;
    }
}

impl SynapseModel for GraupnerBrunel {
    type Params = Params;
    type Syn = Syn;
    type Row = ();

    const INFO: ModelInfo = ModelInfo {
        name: "graupner_brunel",
        kind: ModelKind::Synapse,
        summary: "Calcium-based bistable plasticity rule (Graupner & Brunel 2012): calcium thresholds for potentiation and depression, noisy bistable efficacy; optional presynaptic short-term depression of the calcium and flat potential (Deperrois & Graupner 2020).",
        equations: "dc/dt = -c/tau_ca;  c += c_pre U x (1 - k + k rho) at t_pre + delay (k = c_pre_weight);  c += c_post at t_post
short-term depression: x = 1 - (1 - x_last (1 - U)) exp(-(t - t_last)/tau_rec) at each presynaptic
  jump (x = 1 at the first, and always when tau_rec = 0)
tau drho/dt = -cubic rho (1 - rho) (rho_star - rho) + gamma_p (1 - rho) H(c - theta_p) - gamma_d rho H(c - theta_d)
              + sigma sqrt(tau) sqrt(H(c - theta_p) + H(c - theta_d)) xi(t)
transmitted efficacy w = w0 (1 + rho (b - 1))   (w0: the projection's weight, w1 = b w0)
initial rho: rho_init for a fraction beta of the synapses, 1 (UP) for the rest
event-driven and lazy (a synapse is updated at its pre- and postsynaptic spikes; read
weights after a test volley). Calcium exact between events (closed-form threshold
crossings). Below both thresholds rho follows the cubic exactly:
  F(rho(t)) = F(rho(0)) + t/tau,
  F(rho) = ln|rho - rho_star|/(rho_star (1 - rho_star)) - ln(rho)/rho_star - ln(1 - rho)/(1 - rho_star)
(solved by safeguarded Newton). Above a threshold: RK4 sub-steps <= 10 ms, each with one
Gaussian noise increment of the variance of the locally linearized drift; rho clamped to [0, 1].

Parameter sets (Graupner & Brunel 2012, SI Table S1): plasticity = { model = \"graupner_brunel\",
parameter_set = \"NAME\" }; keys written beside it override the set. theta_d = 1, rho_star = 0.5 in all.
  set                   tau_ca[ms] c_pre     c_post    theta_p gamma_d   gamma_p   sigma   tau[s]    delay[ms] beta b
  DP                    20         1         2         1.3     200       321.808   2.8284  150       13.7      0.5  5
  DPD                   20         0.9       0.9       1.3     250       550       2.8284  150       4.6       0.5  5
  DPD_prime             20         1         2         2.5     50        600       2.8284  150       2.2       0.5  5
  P                     20         2         2         1.3     160       257.447   2.8284  150       0         0.5  5
  D                     20         0.6       0.6       1.3     500       550       5.6568  150       0         0.5  5
  D_prime               20         1         2         3.5     60        600       2.8284  150       0         0.5  5
  hippocampal_slices    48.8373    1         0.275865  1.3     313.0965  1645.59   9.1844  688.355   18.8008   0.7  5.28145
  hippocampal_cultures  11.9536    0.58156   1.76444   1.3     61.141    113.6545  2.5654  33.7596   10        0.5  36.0263
  cortical_slices       22.6936    0.5617539 1.23964   1.3     331.909   725.085   3.3501  346.3615  4.6098    0.5  5.40988
(hippocampal_slices: fit to Wittenberg & Wang 2006; hippocampal_cultures: Wang et al. 2005;
cortical_slices: Sjöström et al. 2001; the others: the STDP curve shapes of Fig. 2.)
The 2012 sets keep U = 1, tau_rec = 0, c_pre_weight = 0, cubic = 1 (the 2012 rule, unchanged).
Later fits to Sjöström et al. 2001 (flat potential cubic = 0, sigma = 0, beta = 1, rho_init = 0.5,
b = 2, theta_d = 1; read the change as rho_end / 0.5 from the synapse variable rho):
  set                 tau_ca[ms] c_pre      c_post     theta_p    gamma_d    gamma_p    tau[s]     delay[ms]  U        tau_rec[ms] c_pre_weight
  visual_cortex_std   38.3492083 3.99132241 1.12940834 1.63069609 111.320539 564.392975 299.8778   9.23545841 0.383753 148.9192    1
  visual_cortex_flat  22.2721171 0.844990637 1.621379  2.00928899 137.758631 597.089216 520.761286 9.53708736 1        0           0
(visual_cortex_std: Deperrois & Graupner 2020, Fig. 2A, regular pairs; visual_cortex_flat: Graupner,
Wallisch & Ostojic 2016, linear calcium model. Neither reproduces all random-firing data of
Sjöström et al. 2001 within one SEM.)
Default: DP.",
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: &[
            "Graupner M, Brunel N (2012) Calcium-based plasticity model explains sensitivity of synaptic changes to spike pattern, rate, and dendritic location. PNAS 109:3991-3996. doi:10.1073/pnas.1109359109 (equations; parameter sets: SI Appendix Table S1)",
            "Parameter sets as in the authors' code: github.com/mgraupe/CalciumBasedPlasticityModel, synapticChange.py",
            "Sjöström PJ, Turrigiano GG, Nelson SB (2001) Rate, timing, and cooperativity jointly determine cortical synaptic plasticity. Neuron 32:1149-1164 (data of the cortical_slices fit)",
            "Deperrois N, Graupner M (2020) Short-term depression and long-term plasticity together tune sensitive range of synaptic plasticity. PLoS Comput Biol 16(9):e1008265. doi:10.1371/journal.pcbi.1008265 (U, tau_rec, c_pre_weight, cubic = 0; set visual_cortex_std: parameter_fit_solutions.py sJFullSim0 and Deperrois2020PlosComputBiol/params.py in the authors' code)",
            "Graupner M, Wallisch P, Ostojic S (2016) Natural firing patterns imply low sensitivity of synaptic plasticity to spike timing compared with firing rate. J Neurosci 36(44):11238-11258 (set visual_cortex_flat: parameter_fit_solutions.py linearCaModel in the authors' code)",
        ],
    };
    const SYN_VARS: &'static [StateVar] = SYN_VARS;
    const ON_POST: bool = true;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let rho_star: f64 = v.get("rho_star");
        if !(rho_star > 0.0 && rho_star < 1.0) {
            return Err(CoreError::Inconsistent(format!(
                "rho_star = {rho_star} must lie strictly between 0 and 1 (the unstable point between the DOWN and UP states)"
            )));
        }
        Ok(Params {
            tau_ca: v.get("tau_ca"),
            c_pre: v.get("c_pre"),
            c_post: v.get("c_post"),
            delay: v.get("delay"),
            theta_d: v.get("theta_d"),
            theta_p: v.get("theta_p"),
            gamma_d: v.get("gamma_d"),
            gamma_p: v.get("gamma_p"),
            sigma: v.get("sigma"),
            tau: v.get("tau"),
            rho_star: v.get("rho_star"),
            beta: v.get("beta"),
            b: v.get("b"),
            rho_init: v.get("rho_init"),
            U: v.get("U"),
            tau_rec: v.get("tau_rec"),
            c_pre_weight: v.get("c_pre_weight"),
            cubic: v.get("cubic"),
        })
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    fn init(p: &Params, weight: f64) -> Result<Syn, CoreError> {
        if weight < 0.0 {
            return Err(CoreError::Inconsistent(format!(
                "the DOWN-state weight w0 must not be negative (got {weight})"
            )));
        }
        Ok(Syn {
            rho: p.rho_init,
            w0: weight,
            x: 1.0,
            t_jump: f64::NEG_INFINITY,
            ..Syn::default()
        })
    }

    fn set_noise_key(syn: &mut Syn, key: u64) {
        syn.key = key;
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut PreSpike<'_>) {
        Self::pre_event(p, syn, cx.stamp as f64 * cx.dt_ms);
        *w = Self::efficacy(p, syn);
    }

    fn on_post(p: &Params, syn: &mut Syn, w: &mut f64, cx: &PostSpike) {
        Self::post_event(p, syn, cx.stamp as f64 * cx.dt_ms);
        *w = Self::efficacy(p, syn);
    }

    fn init_alternative_fraction(p: &Params) -> f64 {
        1.0 - p.beta
    }

    fn init_alternative(p: &Params, syn: &mut Syn, w: &mut f64) {
        syn.rho = 1.0;
        *w = Self::efficacy(p, syn);
    }

    fn read(_p: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        match var {
            1 => syn.rho,
            2 => syn.c,
            3 => syn.x,
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(sigma: f64) -> Params {
        let v = GraupnerBrunel::INFO.resolve([("sigma", sigma)]).unwrap();
        GraupnerBrunel::params(&v).unwrap()
    }

    /// Pairs of a presynaptic spike at k T and a postsynaptic one at k T + dt_pair (ms).
    fn run_pairs(p: &Params, s: &mut Syn, dt_pair: f64, n: usize, period: f64) {
        let t0 = 100.0;
        for k in 0..n {
            let tp = t0 + k as f64 * period;
            if dt_pair >= 0.0 {
                GraupnerBrunel::pre_event(p, s, tp);
                GraupnerBrunel::post_event(p, s, tp + dt_pair);
            } else {
                GraupnerBrunel::post_event(p, s, tp + dt_pair);
                GraupnerBrunel::pre_event(p, s, tp);
            }
        }
        GraupnerBrunel::advance_to(p, s, t0 + n as f64 * period);
    }

    /// Fractions of one period (ms) that calcium spends above theta_d and theta_p
    /// in the periodic steady state of a pairing, by brute force (fine grid).
    fn alphas(p: &Params, dt_pair: f64, period: f64) -> (f64, f64) {
        // Calcium jump times within one period, relative to the presynaptic spike.
        let jumps = [(p.delay, p.c_pre), (dt_pair, p.c_post)];
        let h = 1e-3;
        let n = (period / h) as usize;
        let (mut above_d, mut above_p) = (0usize, 0usize);
        for i in 0..n {
            let t = i as f64 * h;
            let mut c = 0.0;
            for &(tj, a) in &jumps {
                // Sum over earlier periods (periodic steady state).
                let mut since = (t - tj).rem_euclid(period);
                for _ in 0..5 {
                    c += a * (-since / p.tau_ca).exp();
                    since += period;
                }
            }
            above_d += (c > p.theta_d) as usize;
            above_p += (c > p.theta_p) as usize;
        }
        (above_d as f64 / n as f64, above_p as f64 / n as f64)
    }

    /// The analytic mean of rho after `t_total` ms (Graupner & Brunel 2012, drift
    /// part of their Eqs.; the cubic term is neglected there).
    fn analytic_mean(p: &Params, rho0: f64, dt_pair: f64, period: f64, t_total: f64) -> f64 {
        let (a_d, a_p) = alphas(p, dt_pair, period);
        let (g_p, g_d) = (p.gamma_p * a_p, p.gamma_d * a_d);
        let rho_bar = g_p / (g_p + g_d);
        let tau_eff = p.tau / (g_p + g_d);
        rho_bar - (rho_bar - rho0) * (-t_total / tau_eff).exp()
    }

    /// DP set, sigma = 0, 60 pairs at 1 Hz from rho0 = 0.5: +10 ms potentiates,
    /// -10 ms depresses, and the mean change agrees with the analytic drift
    /// solution (time fractions above threshold by brute force) within 0.01.
    #[test]
    fn dp_stdp_curve_matches_analytic_drift() {
        let p = params(0.0);
        let mut changes = Vec::new();
        for dt_pair in [-20.0, -10.0, 0.0, 10.0, 20.0] {
            let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
            s.rho = 0.5;
            run_pairs(&p, &mut s, dt_pair, 60, 1000.0);
            let predicted = analytic_mean(&p, 0.5, dt_pair, 1000.0, 60_000.0);
            assert!(
                (s.rho - predicted).abs() < 0.01,
                "dt = {dt_pair} ms: simulated rho {} vs analytic {predicted}",
                s.rho
            );
            changes.push((dt_pair, s.rho - 0.5));
        }
        let get = |d: f64| changes.iter().find(|c| c.0 == d).unwrap().1;
        assert!(get(10.0) > 0.03, "+10 ms potentiates: {changes:?}");
        assert!(get(-10.0) < -0.02, "-10 ms depresses: {changes:?}");
    }

    /// Exact calcium (closed form between events) agrees with a fine Euler
    /// integration, and so does rho.
    #[test]
    fn matches_fine_euler() {
        let p = params(0.0);
        let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
        s.rho = 0.3;
        GraupnerBrunel::pre_event(&p, &mut s, 0.0);
        GraupnerBrunel::post_event(&p, &mut s, 5.0);
        GraupnerBrunel::advance_to(&p, &mut s, 150.0);
        let (mut c, mut rho, dt) = (0.0f64, 0.3f64, 1e-4);
        let n = (150.0 / dt) as usize;
        for i in 0..n {
            let t = i as f64 * dt;
            if i == (5.0 / dt) as usize {
                c += p.c_post;
            }
            if i == (p.delay / dt).round() as usize {
                c += p.c_pre;
            }
            let _ = t;
            let (pot, dep) = ((c > p.theta_p) as u8 as f64, (c > p.theta_d) as u8 as f64);
            rho += dt * GraupnerBrunel::drift(&p, rho, pot, dep);
            c -= dt * c / p.tau_ca;
        }
        assert!(
            (s.c - c).abs() < 1e-4 * c.max(1e-3),
            "calcium {} vs {}",
            s.c,
            c
        );
        assert!((s.rho - rho).abs() < 1e-5, "rho {} vs {}", s.rho, rho);
        assert!(
            s.rho > 0.3,
            "pre-before-post at +5 ms potentiates: {}",
            s.rho
        );
    }

    /// Splitting an interval anywhere gives the same result (pieces compose).
    #[test]
    fn pieces_compose() {
        let p = params(0.0);
        let mut a = GraupnerBrunel::init(&p, 1.0).unwrap();
        a.rho = 0.4;
        a.c = 3.0;
        let mut b = a;
        GraupnerBrunel::advance_to(&p, &mut a, 200.0);
        for t in [7.0, 21.97, 22.0, 80.0, 200.0] {
            GraupnerBrunel::advance_to(&p, &mut b, t);
        }
        assert!((a.rho - b.rho).abs() < 1e-9, "{} vs {}", a.rho, b.rho);
        assert!((a.c - b.c).abs() < 1e-12);
    }

    /// rho stays in [0, 1], with and without noise, under strong protocols.
    #[test]
    fn rho_stays_in_unit_interval() {
        for sigma in [0.0, 2.8284, 20.0] {
            let mut p = params(sigma);
            p.gamma_p = 5000.0;
            for (dt_pair, rho0) in [(10.0, 0.99), (-10.0, 0.01), (0.0, 0.5)] {
                let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
                GraupnerBrunel::set_noise_key(&mut s, 42);
                s.rho = rho0;
                for k in 0..100 {
                    let t = 100.0 + 60.0 * k as f64;
                    GraupnerBrunel::pre_event(&p, &mut s, t);
                    GraupnerBrunel::post_event(&p, &mut s, t + dt_pair);
                    GraupnerBrunel::advance_to(&p, &mut s, t + 30.0);
                    assert!((0.0..=1.0).contains(&s.rho), "rho = {}", s.rho);
                }
            }
        }
    }

    /// Noisy trials: the mean over synapses from rho0 = 0.5 follows the analytic
    /// mean within 0.03 (the noise is symmetric; clamping and the cubic term are small).
    #[test]
    fn noisy_mean_follows_analytic_mean() {
        let p = params(2.8284);
        for dt_pair in [-10.0, 10.0] {
            let n = 200;
            let mut sum = 0.0;
            for i in 0..n {
                let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
                GraupnerBrunel::set_noise_key(&mut s, 1000 + i);
                s.rho = 0.5;
                run_pairs(&p, &mut s, dt_pair, 60, 1000.0);
                sum += s.rho;
            }
            let mean = sum / n as f64;
            let predicted = analytic_mean(&p, 0.5, dt_pair, 1000.0, 60_000.0);
            assert!(
                (mean - predicted).abs() < 0.03,
                "dt = {dt_pair}: mean {mean} vs analytic {predicted}"
            );
        }
    }

    /// Fine RK4 integration of the cubic drift alone (no calcium), step `h` ms.
    fn cubic_rk4(a: f64, tau: f64, rho0: f64, t: f64, h: f64) -> f64 {
        let f = |r: f64| -r * (1.0 - r) * (a - r) / tau;
        let n = (t / h).round() as usize;
        let mut r = rho0;
        for _ in 0..n {
            let k1 = f(r);
            let k2 = f(r + 0.5 * h * k1);
            let k3 = f(r + 0.5 * h * k2);
            let k4 = f(r + h * k3);
            r += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        }
        r
    }

    /// Issue 5: a silent gap (calcium below both thresholds) is solved in closed
    /// form; it agrees with a fine RK4 integration (1 ms steps) of the cubic for
    /// both basins, several rho_star and gaps from 1 ms to 1 h.
    #[test]
    fn issue5_quiet_gap_closed_form_matches_fine_integration() {
        for a in [0.5, 0.3, 0.8] {
            for rho0 in [1e-6, 0.01, 0.2, 0.49, 0.51, 0.75, 0.99, 1.0 - 1e-6] {
                for t in [1.0, 1000.0, 60_000.0, 3_600_000.0] {
                    let exact = quiet_flow(a, 150_000.0, rho0, t);
                    let fine = cubic_rk4(a, 150_000.0, rho0, t, 1.0);
                    assert!(
                        (exact - fine).abs() < 1e-10,
                        "a = {a}, rho0 = {rho0}, t = {t}: closed form {exact} vs RK4 {fine}"
                    );
                    // It moves away from rho_star, towards the attractor of its basin.
                    if rho0 < a {
                        assert!(exact <= rho0 && exact >= 0.0);
                    } else {
                        assert!(exact >= rho0 && exact <= 1.0);
                    }
                }
            }
        }
    }

    /// Issue 5: for rho_star = 1/2 the implicit solution can be inverted by hand,
    /// (rho - 1/2)^2 / (rho (1 - rho)) = K exp(t / (2 tau)); the solver agrees,
    /// including very long gaps and values very close to 0 and 1.
    #[test]
    fn issue5_quiet_gap_matches_explicit_inverse_for_half() {
        let tau: f64 = 346_361.5;
        for rho0 in [1e-9, 0.05, 0.3, 0.4999, 0.5001, 0.7, 0.999_999] {
            for t in [10.0, 1e5, 1e7, 2.6e9] {
                let k = (rho0 - 0.5f64).powi(2) / (rho0 * (1.0 - rho0));
                let q: f64 = k * (t / (2.0 * tau)).exp();
                let s = (q / (1.0 + q)).sqrt();
                // Distance of rho from its attractor, computed without cancellation.
                let dist = if q.is_finite() {
                    1.0 / (2.0 * (1.0 + q) * (1.0 + s))
                } else {
                    0.0
                };
                let expected = if rho0 < 0.5 { dist } else { 1.0 - dist };
                let got = quiet_flow(0.5, tau, rho0, t);
                // The general (Newton) solver agrees with the explicit inverse.
                let newton = quiet_flow(0.5 + 1e-12, tau, rho0, t);
                assert!(
                    (newton - got).abs() < 1e-6,
                    "rho0 = {rho0}, t = {t}: Newton {newton} vs explicit {got}"
                );
                let (eg, ee) = if rho0 < 0.5 {
                    (got, expected)
                } else {
                    (1.0 - got, 1.0 - expected)
                };
                assert!(
                    (eg - ee).abs() <= 1e-9 * ee.max(1e-300) || (eg - ee).abs() < 1e-300,
                    "rho0 = {rho0}, t = {t}: {got} vs {expected}"
                );
            }
        }
    }

    /// Issue 5: a 3-hour silent gap split anywhere gives the same rho as one step
    /// (the closed form composes), and stable states stay put.
    #[test]
    fn issue5_long_gap_composes() {
        let p = params(2.8284);
        for rho0 in [0.0, 0.3, 0.6, 1.0] {
            let mut a = GraupnerBrunel::init(&p, 1.0).unwrap();
            a.rho = rho0;
            let mut b = a;
            GraupnerBrunel::advance_to(&p, &mut a, 3.0 * 3_600_000.0);
            for t in [0.5, 1000.0, 60_000.0, 600_000.0, 3.0 * 3_600_000.0] {
                GraupnerBrunel::advance_to(&p, &mut b, t);
            }
            assert!(
                (a.rho - b.rho).abs() < 1e-12,
                "{rho0}: {} vs {}",
                a.rho,
                b.rho
            );
            if rho0 == 0.0 || rho0 == 1.0 {
                assert_eq!(a.rho, rho0);
            }
        }
    }

    /// Issue 5: all nine published sets exist, are accepted by the parameter
    /// table (bounds and constraints), are listed in `engram describe`, and the
    /// defaults are the DP set.
    #[test]
    fn issue5_parameter_sets_are_valid_and_documented() {
        assert_eq!(PARAMETER_SETS.len(), 11);
        for (i, set) in PARAMETER_SETS.iter().enumerate() {
            let v = GraupnerBrunel::INFO
                .resolve(set.values.iter().copied())
                .unwrap_or_else(|e| panic!("{}: {e}", set.name));
            let p = GraupnerBrunel::params(&v).unwrap();
            if i < 9 {
                // The 2012 sets leave the later extensions off.
                assert_eq!(set.values.len(), 13, "{}", set.name);
                assert!(p.U == 1.0 && p.tau_rec == 0.0 && p.c_pre_weight == 0.0 && p.cubic == 1.0);
            }
            assert!(
                GraupnerBrunel::INFO.equations.contains(set.name),
                "{} missing from describe",
                set.name
            );
            assert!(p.theta_p > p.theta_d && p.tau > 1000.0, "{}", set.name);
        }
        let dp = parameter_set("DP").unwrap();
        let defaults = GraupnerBrunel::INFO.defaults();
        for &(name, value) in dp.values {
            assert_eq!(defaults.get(name), value, "default {name}");
        }
        assert!(parameter_set("cortical slices").is_none());
    }

    /// The tables of parameter sets in `engram describe` are written by hand:
    /// every number in a set's row must be one of that set's values (tau in s,
    /// the sets in ms), so the printed table cannot drift from the data.
    #[test]
    fn described_parameter_set_tables_match_the_sets() {
        for set in PARAMETER_SETS {
            let row = GraupnerBrunel::INFO
                .equations
                .lines()
                .find(|l| l.split_whitespace().next() == Some(set.name))
                .unwrap_or_else(|| panic!("{}: no row in the described table", set.name));
            let numbers: Vec<f64> = row.split_whitespace().skip(1).map(|x| x.parse().unwrap()).collect();
            assert!(numbers.len() >= 10, "{}: {row}", set.name);
            for x in numbers {
                let known = set.values.iter().any(|&(name, v)| {
                    let shown = if name == "tau" { v / 1000.0 } else { v };
                    (shown - x).abs() <= 1e-9 * x.abs().max(1.0)
                });
                assert!(known, "{}: {x} in the described row is not a value of the set", set.name);
            }
        }
    }

    /// rho_star must lie strictly inside (0, 1): a typed error, no panic.
    #[test]
    fn rho_star_at_the_boundary_is_refused() {
        for r in [0.0, 1.0] {
            let v = GraupnerBrunel::INFO.resolve([("rho_star", r)]).unwrap();
            assert!(GraupnerBrunel::params(&v).is_err());
        }
    }

    /// Issue 5: the noise increments give the spread of the linear theory
    /// (Graupner & Brunel 2012: sigma_rho^2 = (alpha_p + alpha_d) sigma^2 / (Gamma_p + Gamma_d)
    /// in the long run, times 1 - exp(-2 t / tau_eff) before): with calcium held
    /// above both thresholds for 100 ms and for 5 s, the variance over 4000
    /// synapses is within 8 % of it (the sampling error is 2.2 %; the cubic
    /// term adds about 0.1 %), whatever the sub-step.
    #[test]
    fn issue5_noise_spread_matches_linear_theory() {
        let p = params(2.8284);
        let (g, rho_bar) = (p.gamma_p + p.gamma_d, p.gamma_p / (p.gamma_p + p.gamma_d));
        for len in [100.0, 5000.0] {
            let n = 4000;
            let mut xs = Vec::with_capacity(n);
            for i in 0..n {
                let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
                GraupnerBrunel::set_noise_key(&mut s, 77_000 + i as u64);
                s.rho = rho_bar;
                GraupnerBrunel::piece(&p, &mut s, len, 1.0, 1.0);
                xs.push(s.rho);
            }
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let theory = 2.0 * p.sigma * p.sigma / g * 0.5 * (1.0 - (-2.0 * len * g / p.tau).exp());
            assert!(
                (var / theory - 1.0).abs() < 0.08,
                "{len} ms: variance {var} vs {theory}"
            );
            assert!(
                (mean - rho_bar).abs() < 0.01,
                "{len} ms: mean {mean} vs {rho_bar}"
            );
        }
    }

    /// Issue 5 (why a Fig. 2 pathway read 101 % instead of 122 %): postsynaptic
    /// spikes alone, e.g. those paired with another pathway on the same neuron,
    /// raise the calcium of every synapse of the neuron by c_post and drive rho
    /// to Gamma_p / (Gamma_p + Gamma_d) (about 0.5 for the DP set) with the time
    /// constant tau / (Gamma_p + Gamma_d); 60 such spikes at 1 Hz move an UP or a
    /// DOWN synapse most of the way to the middle. Noise-free, against the drift
    /// solution (time above threshold of one c_post transient in closed form).
    #[test]
    fn issue5_postsynaptic_spikes_alone_drive_rho_to_the_middle() {
        let p = params(0.0);
        let above = |theta: f64| {
            if p.c_post > theta {
                p.tau_ca * (p.c_post / theta).ln()
            } else {
                0.0
            }
        };
        let (g_p, g_d) = (
            p.gamma_p * above(p.theta_p) / 1000.0,
            p.gamma_d * above(p.theta_d) / 1000.0,
        );
        let (rho_bar, tau_eff) = (g_p / (g_p + g_d), p.tau / (g_p + g_d));
        for rho0 in [0.0, 1.0] {
            let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
            s.rho = rho0;
            for k in 0..60 {
                GraupnerBrunel::post_event(&p, &mut s, 100.0 + 1000.0 * k as f64);
            }
            GraupnerBrunel::advance_to(&p, &mut s, 60_100.0);
            let predicted = rho_bar + (rho0 - rho_bar) * (-60_000.0 / tau_eff).exp();
            assert!(
                (s.rho - predicted).abs() < 0.02,
                "from {rho0}: {} vs {predicted}",
                s.rho
            );
            assert!((s.rho - 0.5).abs() < 0.15, "from {rho0}: {}", s.rho);
        }
    }
    /// Issue 5: short-term depression of the presynaptic calcium (Deperrois &
    /// Graupner 2020). For regular presynaptic spikes at interval T the jump
    /// amplitudes follow the Tsodyks–Markram closed form
    /// x_n = x_ss + (1 - x_ss) r^(n-1), r = (1 - U) e^(-T/tau_rec),
    /// x_ss = (1 - e^(-T/tau_rec)) / (1 - r); the amplitude is c_pre U x_n, and
    /// with c_pre_weight = 1 also times rho (held fixed here: no postsynaptic
    /// spikes, thresholds out of reach).
    #[test]
    fn issue5_std_calcium_amplitude_matches_closed_form() {
        for (period, k_w, delay) in [(50.0, 0.0, 9.2), (20.0, 1.0, 0.0), (100.0, 0.5, 4.0)] {
            let v = GraupnerBrunel::INFO
                .resolve([
                    ("U", 0.383_753),
                    ("tau_rec", 148.919_2),
                    ("c_pre_weight", k_w),
                    ("c_pre", 2.0),
                    ("theta_d", 1e6),
                    ("theta_p", 2e6),
                    ("delay", delay),
                    ("sigma", 0.0),
                    ("cubic", 0.0),
                ])
                .unwrap();
            let p = GraupnerBrunel::params(&v).unwrap();
            let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
            s.rho = 0.3;
            let decay = (-period / p.tau_rec).exp();
            let r = (1.0 - p.U) * decay;
            let x_ss = (1.0 - decay) / (1.0 - r);
            let scale = 1.0 - k_w + k_w * 0.3;
            let (mut c_prev, mut t_prev) = (0.0f64, 0.0f64);
            for n in 1..=30 {
                let t = 100.0 + (n - 1) as f64 * period;
                GraupnerBrunel::pre_event(&p, &mut s, t);
                let tj = t + p.delay;
                GraupnerBrunel::advance_to(&p, &mut s, tj);
                let jump = s.c - c_prev * (-(tj - t_prev) / p.tau_ca).exp();
                let x_n = x_ss + (1.0 - x_ss) * r.powi(n - 1);
                let expected = p.c_pre * p.U * x_n * scale;
                assert!(
                    (jump - expected).abs() < 1e-12 * expected.max(1.0),
                    "T = {period}, n = {n}: jump {jump} vs {expected}"
                );
                assert!((s.x - x_n).abs() < 1e-13, "x_{n}: {} vs {x_n}", s.x);
                assert_eq!(s.rho, 0.3);
                c_prev = s.c;
                t_prev = tj;
            }
        }
    }

    /// Issue 5: with the defaults (U = 1, tau_rec = 0, c_pre_weight = 0) every
    /// presynaptic jump is exactly c_pre, however close the spikes.
    #[test]
    fn issue5_std_off_jump_is_c_pre() {
        let p = params(0.0);
        let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
        s.rho = 0.0;
        let mut c_prev = 0.0f64;
        let mut t_prev = 0.0f64;
        for n in 0..10 {
            let t = 100.0 + 3.0 * n as f64;
            GraupnerBrunel::pre_event(&p, &mut s, t);
            let tj = t + p.delay;
            GraupnerBrunel::advance_to(&p, &mut s, tj);
            let jump = s.c - c_prev * (-(tj - t_prev) / p.tau_ca).exp();
            assert!((jump - p.c_pre).abs() < 1e-12, "{jump}");
            assert_eq!(s.x, 1.0);
            c_prev = s.c;
            t_prev = tj;
        }
    }

    /// Issue 5: flat potential (cubic = 0, sigma = 0): rho keeps its value
    /// below both thresholds and relaxes exponentially above them,
    /// rho -> gamma_p H_p / (gamma_p H_p + gamma_d H_d) with rate
    /// (gamma_p H_p + gamma_d H_d) / tau, in closed form; it agrees with the
    /// RK4 path (cubic = 1e-300, numerically zero).
    #[test]
    fn issue5_flat_potential_is_exact() {
        let v = GraupnerBrunel::INFO
            .resolve([("cubic", 0.0), ("sigma", 0.0)])
            .unwrap();
        let p = GraupnerBrunel::params(&v).unwrap();
        let mut s = GraupnerBrunel::init(&p, 1.0).unwrap();
        s.rho = 0.3;
        GraupnerBrunel::advance_to(&p, &mut s, 3.6e6);
        assert_eq!(s.rho, 0.3, "no drift below the thresholds");
        // c = 3 at t0: above theta_p for tau_ca ln(3/1.3), above theta_d for tau_ca ln 3.
        s.c = 3.0;
        let mut rk = s;
        let t0 = s.t;
        GraupnerBrunel::advance_to(&p, &mut s, t0 + 500.0);
        let (t_p, t_d) = (p.tau_ca * (3.0 / p.theta_p).ln(), p.tau_ca * 3.0f64.ln());
        let g = p.gamma_p + p.gamma_d;
        let bar = p.gamma_p / g;
        let mut expected = bar + (0.3 - bar) * (-t_p * g / p.tau).exp();
        expected *= (-(t_d - t_p) * p.gamma_d / p.tau).exp();
        assert!((s.rho - expected).abs() < 1e-14, "{} vs {expected}", s.rho);
        let mut q = p.clone();
        q.cubic = 1e-300;
        GraupnerBrunel::advance_to(&q, &mut rk, t0 + 500.0);
        assert!(
            (rk.rho - expected).abs() < 1e-9,
            "RK4 {} vs {expected}",
            rk.rho
        );
    }
}
