//! `tag_trigger_consolidation`: the Tag-Trigger-Consolidation model ("TagTriC")
//! of Clopath, Ziegler, Vasilaki, Büsing & Gerstner (2008): a stochastic
//! three-state early synapse with voltage-dependent induction, a neuron-wide
//! protein-synthesis trigger (`tagtric_trigger`), and a bistable late phase.
//!
//! ```text
//! traces:   tau_x dr/dt = -r + (1 ms) sum_pre delta(t - t_pre - t_x_lag)   (r jumps by 1 ms / tau_x)
//!           tau_ltd du1/dt = u - u1 ;  tau_ltp du2/dt = u - u2           (u: postsynaptic V)
//! early:    neutral -> up   (h = 1)  at rate  rho_h = A_ltp [u - theta_ltp]+ r [u2 - theta_ltd]+   (per ms)
//!           neutral -> down (l = -1) with probability rho_l = A_ltd [u1 - theta_ltd]+ per presynaptic spike
//!           up -> neutral at rate 1/tau_h ;  down -> neutral at rate 1/tau_l
//! trigger:  dp/dt = -p/tau_pd + (1 - p)/tau_pm H(sum (h - l) > theta_p)       (see `tagtric_trigger`)
//! late:     tau_z dz/dt = z (1 - z)(z - kappa) + gamma (h + l) p
//! efficacy: w_i = w_o + g_h h + g_l l + g_z z ;  transmitted weight = eps w_i   (eps: the projection's weight)
//! ```
//!
//! **Fast part** (induction) runs in the engine's fast hook (`step_fast`): every
//! step while the postsynaptic neuron is awake or the presynaptic neuron spikes, the
//! synapse reads the postsynaptic potential, updates its traces exactly for a
//! potential held over the step, and draws its transitions: with
//! `P_up = 1 − exp(−rho_h dt)` and `P_down = min(1, rho_l)` (at presynaptic spikes),
//! one uniform U decides: up if U < P_up, else down if U < P_up + P_down. Between
//! calls (postsynaptic neuron quiescent) the traces relax in closed form.
//!
//! **Slow part** runs on the slow clock: when a synapse enters the up or down state
//! its lifetime is drawn at once, T = −tau ln(1 − U) (the exact equivalent of the
//! per-step decay probabilities k·Δt of the reference as Δt → 0). The state reverts
//! to neutral at the first slow tick after it expires, but z is integrated with the
//! exact on/off times inside each slow interval (RK4, sub-steps ≤ 1 s, p linear in
//! the interval with the level and integral from the trigger). So results do not
//! depend on the length of slow intervals, and fast-forward and stepping use the
//! same random draws: every draw is keyed by (synapse, step) on a counter-based
//! per-synapse stream, never by call order or thread. `next_switch_ms` bounds
//! fast-forward jumps to 1 s (accuracy of the interval-wise p) and forbids them
//! while a presynaptic trace jump is pending.
//!
//! Correspondence with the reference code (ModelDB 118199, tagtric.py; Euler with 1-ms steps):
//! rho_h there is a probability per 1-ms step, here a rate per ms (the same number);
//! the reference computes rho_h with the presynaptic trace of the previous step, so
//! the spike that evokes the postsynaptic spike does not count for its own LTP —
//! `t_x_lag = 1 ms` (from the presynaptic spike stamp) reproduces that with the
//! neuron's 1-ms spike (`adex_psc_delta`, `t_spike`). The reference adds w_o once
//! per pathway to the drive but once per synapse to the reported weight; here it is
//! per synapse throughout (in every shipped protocol each volley fires the neuron
//! either way). `z_init_fraction` gives an exact, seeded share of the synapses z = 1
//! at the start (the reference: exactly 30 of 100 per pathway).
//!
//! Interventions: `tag_block = 1` (drug `tag_blocker`): no new up/down states are
//! induced. Protein synthesis is blocked on the `tagtric_trigger` field
//! (drug `anisomycin`: `alpha = 0`).
//!
//! | parameter       | unit  | default  | meaning |
//! |-----------------|-------|----------|---------|
//! | A_ltp           | mV⁻²  | 0.001    | LTP rate amplitude (per ms) |
//! | A_ltd           | mV⁻¹  | 0.01     | LTD probability per presynaptic spike, per mV |
//! | theta_ltp       | mV    | -50      | potentiation threshold on u |
//! | theta_ltd       | mV    | -70.6    | threshold on the filtered potentials (TagTriC: E_L) |
//! | tau_ltp         | ms    | 100      | time constant of u2 (potentiation filter) |
//! | tau_ltd         | ms    | 1000     | time constant of u1 (depression filter) |
//! | tau_x           | ms    | 100      | presynaptic trace time constant |
//! | t_x_lag         | ms    | 1        | delay of the presynaptic trace jump after the spike stamp |
//! | tau_h           | ms    | 3600000  | mean lifetime of the up state (1/k_h) |
//! | tau_l           | ms    | 5400000  | mean lifetime of the down state (1/k_l) |
//! | tau_z           | ms    | 360000   | consolidation time constant |
//! | kappa           | 1     | 0.5      | unstable fixed point of z |
//! | gamma           | 1     | 0.1      | capture strength |
//! | w_o             | 1     | 1        | baseline efficacy |
//! | g_h             | 1     | 1        | efficacy of the up state |
//! | g_l             | 1     | 0.5      | efficacy of the down state (times l = −1) |
//! | g_z             | 1     | 2        | efficacy of the late phase |
//! | z_init_fraction | 1     | 0        | share of synapses starting at z = 1 (exact count, seeded) |
//! | tag_block       | 1     | 0        | 1: no up/down states can be induced |
//!
//! The projection's `weight` is the input gain eps (mV per unit of efficacy; TagTriC: 3 mV).
//!
//! References: Clopath C, Ziegler L, Vasilaki E, Büsing L, Gerstner W (2008) PLoS
//! Comput Biol 4:e1000248, doi:10.1371/journal.pcbi.1000248; ModelDB 118199
//! (tagtric.py, amplitudes as corrected in April 2009); Frey U, Morris RGM (1997)
//! Nature 385:533; Sajikumar S, Frey JU (2004) Neurobiol Learn Mem 82:12.

use engram_core::model::{FastStep, PreSpike, SlowTick, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::rng::{Purpose, Stream};
use engram_core::units::Dimension::{Dimensionless, Time, Voltage};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct TagTriggerConsolidation;

/// Shared parameters of one projection.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub a_ltp: f64,
    pub a_ltd: f64,
    pub theta_ltp: f64,
    pub theta_ltd: f64,
    pub tau_ltp: f64,
    pub tau_ltd: f64,
    pub tau_x: f64,
    pub t_x_lag: f64,
    pub tau_h: f64,
    pub tau_l: f64,
    pub tau_z: f64,
    pub kappa: f64,
    pub gamma: f64,
    pub w_o: f64,
    pub g_h: f64,
    pub g_l: f64,
    pub g_z: f64,
    pub z_init_fraction: f64,
    pub tag_block: bool,
}

/// Per-synapse state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Syn {
    /// Early state: 1 up (h = 1), −1 down (l = −1), 0 neutral.
    pub state: i8,
    /// Late (consolidation) variable.
    pub z: f64,
    /// Input gain [mV per unit efficacy].
    eps: f64,
    /// When the current up/down state expires [ms] (infinite while neutral).
    t_end: f64,
    /// When the current state was induced, if within the current slow interval [ms].
    t_on: f64,
    /// Time of the last slow tick [ms].
    t_tick: f64,
    /// Presynaptic trace, depression and potentiation filters, as of `t_tr`.
    rbar: f64,
    u1: f64,
    u2: f64,
    t_tr: f64,
    /// When the pending presynaptic trace jump applies [ms] (infinite: none).
    x_pending: f64,
    key: u64,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "A_ltp", dim: Dimensionless, default: 1e-3, bound: Bound::NonNegative, doc: "LTP rate amplitude [mV^-2 per ms]" },
    FieldSpec { name: "A_ltd", dim: Dimensionless, default: 1e-2, bound: Bound::NonNegative, doc: "LTD probability per presynaptic spike [per mV]" },
    FieldSpec { name: "theta_ltp", dim: Voltage, default: -50.0, bound: Bound::Any, doc: "potentiation threshold on the membrane potential" },
    FieldSpec { name: "theta_ltd", dim: Voltage, default: -70.6, bound: Bound::Any, doc: "threshold on the filtered potentials (TagTriC: E_L)" },
    FieldSpec { name: "tau_ltp", dim: Time, default: 100.0, bound: Bound::Positive, doc: "time constant of the potentiation filter u2" },
    FieldSpec { name: "tau_ltd", dim: Time, default: 1000.0, bound: Bound::Positive, doc: "time constant of the depression filter u1" },
    FieldSpec { name: "tau_x", dim: Time, default: 100.0, bound: Bound::Positive, doc: "presynaptic trace time constant" },
    FieldSpec { name: "t_x_lag", dim: Time, default: 1.0, bound: Bound::NonNegative, doc: "delay of the presynaptic trace jump after the spike stamp" },
    FieldSpec { name: "tau_h", dim: Time, default: 3_600_000.0, bound: Bound::Positive, doc: "mean lifetime of the up state (1/k_h)" },
    FieldSpec { name: "tau_l", dim: Time, default: 5_400_000.0, bound: Bound::Positive, doc: "mean lifetime of the down state (1/k_l)" },
    FieldSpec { name: "tau_z", dim: Time, default: 360_000.0, bound: Bound::Positive, doc: "consolidation time constant" },
    FieldSpec { name: "kappa", dim: Dimensionless, default: 0.5, bound: Bound::Closed(0.0, 1.0), doc: "unstable fixed point of z" },
    FieldSpec { name: "gamma", dim: Dimensionless, default: 0.1, bound: Bound::NonNegative, doc: "capture strength" },
    FieldSpec { name: "w_o", dim: Dimensionless, default: 1.0, bound: Bound::Any, doc: "baseline efficacy" },
    FieldSpec { name: "g_h", dim: Dimensionless, default: 1.0, bound: Bound::Any, doc: "efficacy of the up state" },
    FieldSpec { name: "g_l", dim: Dimensionless, default: 0.5, bound: Bound::Any, doc: "efficacy of the down state (multiplies l = -1)" },
    FieldSpec { name: "g_z", dim: Dimensionless, default: 2.0, bound: Bound::Any, doc: "efficacy of the late phase" },
    FieldSpec { name: "z_init_fraction", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "share of the projection's synapses starting at z = 1 (exact count, seeded; read at build time)" },
    FieldSpec { name: "tag_block", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "1: no up/down states can be induced (tag blocker)" },
];

const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "mV", doc: "transmitted weight eps (w_o + g_h h + g_l l + g_z z)" },
    StateVar { name: "efficacy", unit: "", doc: "w_o + g_h h + g_l l + g_z z" },
    StateVar { name: "late_weight", unit: "", doc: "consolidation variable z" },
    StateVar { name: "up", unit: "", doc: "1 while in the up state (h = 1)" },
    StateVar { name: "down", unit: "", doc: "1 while in the down state (l = -1)" },
    StateVar { name: "early_weight", unit: "", doc: "g_h h + g_l l" },
];

/// Longest RK4 sub-step for z [ms].
const Z_SUBSTEP_MS: f64 = 1000.0;

impl TagTriggerConsolidation {
    fn efficacy(p: &Params, s: &Syn) -> f64 {
        let (h, l) = match s.state {
            1 => (1.0, 0.0),
            -1 => (0.0, -1.0),
            _ => (0.0, 0.0),
        };
        p.w_o + p.g_h * h + p.g_l * l + p.g_z * s.z
    }

    fn weight(p: &Params, s: &Syn) -> f64 {
        s.eps * Self::efficacy(p, s)
    }

    /// Right-hand side of dz/dt [per ms] for tag value `tag` (h + l) and trigger `p_level`.
    pub fn dz(p: &Params, z: f64, tag: f64, p_level: f64) -> f64 {
        (z * (1.0 - z) * (z - p.kappa) + p.gamma * tag * p_level) / p.tau_z
    }

    /// Integrates z from `a` to `b` with the tag held; `pt` gives the trigger at a time.
    fn integrate_z(p: &Params, mut z: f64, a: f64, b: f64, tag: f64, pt: &dyn Fn(f64) -> f64) -> f64 {
        let len = b - a;
        if len <= 0.0 {
            return z;
        }
        let n = (len / Z_SUBSTEP_MS).ceil().max(1.0) as usize;
        let h = len / n as f64;
        for i in 0..n {
            let t = a + i as f64 * h;
            let (p0, pm, p1) = (pt(t), pt(t + 0.5 * h), pt(t + h));
            let k1 = Self::dz(p, z, tag, p0);
            let k2 = Self::dz(p, z + 0.5 * h * k1, tag, pm);
            let k3 = Self::dz(p, z + 0.5 * h * k2, tag, pm);
            let k4 = Self::dz(p, z + h * k3, tag, p1);
            z += h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
        }
        z
    }

    /// Brings the traces to time `t` with the postsynaptic potential held at `v`.
    fn relax_traces(p: &Params, s: &mut Syn, t: f64, v: f64) {
        let decay_r = |s: &mut Syn, to: f64| {
            s.rbar *= (-(to - s.t_tr) / p.tau_x).exp();
            s.t_tr = to;
        };
        let t_start = s.t_tr;
        if t <= t_start {
            return;
        }
        if s.x_pending <= t {
            let tj = s.x_pending.max(t_start);
            decay_r(s, tj);
            s.rbar += 1.0 / p.tau_x;
            s.x_pending = f64::INFINITY;
        }
        decay_r(s, t);
        let len = t - t_start;
        s.u1 = v + (s.u1 - v) * (-len / p.tau_ltd).exp();
        s.u2 = v + (s.u2 - v) * (-len / p.tau_ltp).exp();
    }

    /// Enters the up (+1) or down (−1) state at `t`, drawing the lifetime.
    fn enter(p: &Params, s: &mut Syn, state: i8, t: f64, step: u64) {
        let u = Stream::new(s.key, Purpose::Noise, 1).uniform(step);
        let tau = if state > 0 { p.tau_h } else { p.tau_l };
        s.state = state;
        s.t_on = t;
        s.t_end = t - tau * (1.0 - u).ln();
    }
}

impl SynapseModel for TagTriggerConsolidation {
    type Params = Params;
    type Syn = Syn;
    type Row = ();

    const INFO: ModelInfo = ModelInfo {
        name: "tag_trigger_consolidation",
        kind: ModelKind::Synapse,
        summary: "Tag-Trigger-Consolidation (TagTriC): stochastic three-state early synapse with voltage-dependent induction, neuron-wide trigger, bistable consolidation (Clopath et al. 2008).",
        equations: "tau_x dr/dt = -r + (1 ms) sum delta(t - t_pre - t_x_lag);  tau_ltd du1/dt = u - u1;  tau_ltp du2/dt = u - u2
neutral -> up (h = 1):    rate rho_h = A_ltp [u - theta_ltp]+ r [u2 - theta_ltd]+ (per ms)
neutral -> down (l = -1): probability rho_l = A_ltd [u1 - theta_ltd]+ per presynaptic spike
up -> neutral: rate 1/tau_h;  down -> neutral: rate 1/tau_l   (lifetimes drawn on entry)
tau_z dz/dt = z (1 - z)(z - kappa) + gamma (h + l) p     (p: tagtric_trigger, driven by sum (h - l))
efficacy w_i = w_o + g_h h + g_l l + g_z z;  transmitted weight = eps w_i (eps: the projection's weight)
induction in the engine's fast hook (postsynaptic V each active step); z and decays on the slow clock
(RK4, sub-steps <= 1 s, exact on/off times within each interval)",
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: &[
            "Clopath C, Ziegler L, Vasilaki E, Büsing L, Gerstner W (2008) Tag-trigger-consolidation: a model of early and late long-term-potentiation and depression. PLoS Comput Biol 4:e1000248. doi:10.1371/journal.pcbi.1000248",
            "ModelDB 118199, tagtric.py (Clopath 2008; amplitudes corrected April 2009)",
            "Frey U, Morris RGM (1997) Synaptic tagging and long-term potentiation. Nature 385:533-536",
            "Sajikumar S, Frey JU (2004) Late-associativity, synaptic tagging, and the role of dopamine during LTP and LTD. Neurobiol Learn Mem 82:12-25",
        ],
    };
    const SYN_VARS: &'static [StateVar] = SYN_VARS;
    const SLOW: bool = true;
    const STEP_FAST: bool = true;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            a_ltp: v.get("A_ltp"),
            a_ltd: v.get("A_ltd"),
            theta_ltp: v.get("theta_ltp"),
            theta_ltd: v.get("theta_ltd"),
            tau_ltp: v.get("tau_ltp"),
            tau_ltd: v.get("tau_ltd"),
            tau_x: v.get("tau_x"),
            t_x_lag: v.get("t_x_lag"),
            tau_h: v.get("tau_h"),
            tau_l: v.get("tau_l"),
            tau_z: v.get("tau_z"),
            kappa: v.get("kappa"),
            gamma: v.get("gamma"),
            w_o: v.get("w_o"),
            g_h: v.get("g_h"),
            g_l: v.get("g_l"),
            g_z: v.get("g_z"),
            z_init_fraction: v.get("z_init_fraction"),
            tag_block: v.get("tag_block") >= 0.5,
        };
        if p.theta_ltp <= p.theta_ltd {
            return Err(CoreError::Inconsistent(format!(
                "theta_ltp ({} mV) must be above theta_ltd ({} mV)",
                p.theta_ltp, p.theta_ltd
            )));
        }
        Ok(p)
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    fn init(p: &Params, weight: f64) -> Result<Syn, CoreError> {
        if weight <= 0.0 {
            return Err(CoreError::Inconsistent(format!(
                "the projection's weight is the input gain eps of tag_trigger_consolidation and must be positive (got {weight}; TagTriC: 3 mV)"
            )));
        }
        Ok(Syn {
            eps: weight,
            t_end: f64::INFINITY,
            t_on: f64::NEG_INFINITY,
            u1: p.theta_ltd,
            u2: p.theta_ltd,
            x_pending: f64::INFINITY,
            ..Syn::default()
        })
    }

    fn set_noise_key(syn: &mut Syn, key: u64) {
        syn.key = key;
    }

    fn init_alternative_fraction(p: &Params) -> f64 {
        p.z_init_fraction
    }

    fn init_alternative(p: &Params, syn: &mut Syn, weight: &mut f64) {
        syn.z = 1.0;
        *weight = Self::weight(p, syn);
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Syn, w: &mut f64, _cx: &mut PreSpike<'_>) {
        *w = Self::weight(p, syn);
    }

    fn step_fast(p: &Params, syn: &mut Syn, w: &mut f64, cx: &FastStep) {
        let t0 = cx.step as f64 * cx.dt_ms;
        let t1 = t0 + cx.dt_ms;
        let v = cx.v_post;
        Self::relax_traces(p, syn, t0, v);
        if syn.state == 0 && !p.tag_block {
            let rho_h = p.a_ltp * (v - p.theta_ltp).max(0.0) * syn.rbar * (syn.u2 - p.theta_ltd).max(0.0);
            let p_up = -(-rho_h * cx.dt_ms).exp_m1();
            let p_down = if cx.pre_spiked { (p.a_ltd * (syn.u1 - p.theta_ltd).max(0.0)).min(1.0) } else { 0.0 };
            if p_up > 0.0 || p_down > 0.0 {
                let u = Stream::new(syn.key, Purpose::Noise, 0).uniform(cx.step);
                if u < p_up {
                    Self::enter(p, syn, 1, t1, cx.step);
                } else if u < p_up + p_down {
                    Self::enter(p, syn, -1, t1, cx.step);
                }
            }
        }
        // Traces over this step, the potential held at v.
        syn.u1 = v + (syn.u1 - v) * (-cx.dt_ms / p.tau_ltd).exp();
        syn.u2 = v + (syn.u2 - v) * (-cx.dt_ms / p.tau_ltp).exp();
        syn.rbar *= (-cx.dt_ms / p.tau_x).exp();
        syn.t_tr = t1;
        if cx.pre_spiked {
            if syn.x_pending.is_finite() {
                // A second spike before the first one's jump: apply the first now.
                syn.rbar += 1.0 / p.tau_x;
            }
            syn.x_pending = t1 + p.t_x_lag;
        }
        if syn.x_pending <= t1 + 1e-9 * cx.dt_ms {
            syn.rbar += 1.0 / p.tau_x;
            syn.x_pending = f64::INFINITY;
        }
        *w = Self::weight(p, syn);
    }

    fn slow_drive(p: &Params, syn: &mut Syn, w: &mut f64, t_ms: f64) -> [f64; 2] {
        if syn.state != 0 && syn.t_end <= t_ms {
            syn.state = 0;
            syn.t_end = f64::INFINITY;
        }
        syn.t_on = f64::NEG_INFINITY;
        syn.t_tick = t_ms;
        *w = Self::weight(p, syn);
        [(syn.state == 1) as u8 as f64, (syn.state == -1) as u8 as f64]
    }

    fn slow_apply(p: &Params, syn: &mut Syn, w: &mut f64, cx: &SlowTick) {
        let (t0, t1) = (cx.t0_ms, cx.t0_ms + cx.dt_ms);
        // The trigger, linear over the interval with the given start level and integral.
        let p0 = cx.protein[0];
        let slope = if cx.dt_ms > 0.0 { 2.0 * (cx.protein_integral[0] / cx.dt_ms - p0) / cx.dt_ms } else { 0.0 };
        let pt = |t: f64| (p0 + slope * (t - t0)).max(0.0);
        let tag = syn.state as f64;
        let (a, b) = if syn.state == 0 {
            (t1, t1)
        } else {
            let a = syn.t_on.clamp(t0, t1);
            (a, syn.t_end.clamp(a, t1))
        };
        let mut z = Self::integrate_z(p, syn.z, t0, a, 0.0, &pt);
        z = Self::integrate_z(p, z, a, b, tag, &pt);
        syn.z = Self::integrate_z(p, z, b, t1, 0.0, &pt);
        *w = Self::weight(p, syn);
    }

    fn next_switch_ms(_: &Params, syn: &Syn, _t_ms: f64) -> f64 {
        if syn.x_pending.is_finite() {
            0.0
        } else {
            // Keeps slow intervals short enough for the trigger's linear form in slow_apply.
            1000.0
        }
    }

    fn quiet_drive(_: &Params, syn: &Syn, after_ms: f64) -> [f64; 2] {
        let on = syn.state != 0 && syn.t_end > syn.t_tick + after_ms;
        [(on && syn.state == 1) as u8 as f64, (on && syn.state == -1) as u8 as f64]
    }

    fn read(p: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        match var {
            1 => Self::efficacy(p, syn),
            2 => syn.z,
            3 => (syn.state == 1) as u8 as f64,
            4 => (syn.state == -1) as u8 as f64,
            5 => Self::efficacy(p, syn) - p.w_o - p.g_z * syn.z,
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(extra: &[(&str, f64)]) -> Params {
        let v = TagTriggerConsolidation::INFO.resolve(extra.iter().copied()).unwrap();
        TagTriggerConsolidation::params(&v).unwrap()
    }

    fn tick(t0: f64, dt: f64, p: f64) -> SlowTick {
        SlowTick { t0_ms: t0, dt_ms: dt, protein: [p, p], protein_integral: [p * dt, p * dt] }
    }

    /// Without tags z relaxes to the stable fixed points 0 and 1; kappa is unstable.
    #[test]
    fn z_is_bistable() {
        let p = params(&[]);
        let mut w = 0.0;
        for (z0, target) in [(0.45, 0.0), (0.55, 1.0), (1.2, 1.0), (-0.1, 0.0)] {
            let mut s = TagTriggerConsolidation::init(&p, 3.0).unwrap();
            s.z = z0;
            TagTriggerConsolidation::slow_apply(&p, &mut s, &mut w, &tick(0.0, 20.0 * 3_600_000.0, 0.0));
            assert!((s.z - target).abs() < 1e-6, "{z0} -> {}", s.z);
        }
        assert_eq!(TagTriggerConsolidation::dz(&p, 0.5, 0.0, 0.0), 0.0);
        assert_eq!(TagTriggerConsolidation::dz(&p, 1.0, 0.0, 0.0), 0.0);
        // RK4 on 1-s sub-steps agrees with a fine Euler solution
        let mut s = TagTriggerConsolidation::init(&p, 3.0).unwrap();
        s.z = 0.6;
        TagTriggerConsolidation::slow_apply(&p, &mut s, &mut w, &tick(0.0, 600_000.0, 0.0));
        let mut z = 0.6;
        for _ in 0..600_000 {
            z += TagTriggerConsolidation::dz(&p, z, 0.0, 0.0);
        }
        assert!((s.z - z).abs() < 1e-6, "{} vs {z}", s.z);
    }

    /// A tagged synapse switches z up only if the trigger is high enough
    /// (gamma p must exceed max |z (1-z)(z-kappa)| on [0, kappa], about 0.048).
    #[test]
    fn capture_needs_tag_and_trigger() {
        let p = params(&[]);
        let mut w = 0.0;
        let run = |state: i8, level: f64| {
            let mut s = TagTriggerConsolidation::init(&p, 3.0).unwrap();
            s.state = state;
            s.t_end = f64::INFINITY;
            let mut w = 0.0;
            TagTriggerConsolidation::slow_apply(&p, &mut s, &mut w, &tick(0.0, 3.0 * 3_600_000.0, level));
            s.z
        };
        assert!(run(1, 0.9) > 0.99);
        assert!(run(1, 0.3) < 0.2);
        assert_eq!(run(0, 0.9), 0.0);
        // a consolidated synapse with an LTD tag and a trigger falls back to 0
        let mut s = TagTriggerConsolidation::init(&p, 3.0).unwrap();
        s.z = 1.0;
        s.state = -1;
        s.t_end = f64::INFINITY;
        TagTriggerConsolidation::slow_apply(&p, &mut s, &mut w, &tick(0.0, 3.0 * 3_600_000.0, 0.9));
        assert!(s.z < 0.01, "{}", s.z);
    }

    /// A state that expires inside a slow interval contributes only until it expires:
    /// one long interval equals many short ones.
    #[test]
    fn slow_intervals_compose() {
        let p = params(&[]);
        let mut a = TagTriggerConsolidation::init(&p, 3.0).unwrap();
        a.state = 1;
        a.t_end = 1_234_567.0;
        let mut b = a;
        let (mut wa, mut wb) = (0.0, 0.0);
        TagTriggerConsolidation::slow_apply(&p, &mut a, &mut wa, &tick(0.0, 2_000_000.0, 0.9));
        for k in 0..20 {
            let t0 = k as f64 * 100_000.0;
            TagTriggerConsolidation::slow_apply(&p, &mut b, &mut wb, &tick(t0, 100_000.0, 0.9));
            TagTriggerConsolidation::slow_drive(&p, &mut b, &mut wb, t0 + 100_000.0);
        }
        assert!((a.z - b.z).abs() < 1e-9, "{} vs {}", a.z, b.z);
        assert_eq!(b.state, 0);
    }

    /// Rates from known inputs: the up-rate at a 20-mV spike with r = 0.1, u2 = E_L + 9 mV,
    /// and the down-probability at a presynaptic spike with u1 = E_L + 5 mV.
    #[test]
    fn transition_probabilities_from_known_inputs() {
        let p = params(&[]);
        let n = 20_000u64;
        let (mut ups, mut downs) = (0, 0);
        for i in 0..n {
            let mut s = TagTriggerConsolidation::init(&p, 3.0).unwrap();
            s.key = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
            s.rbar = 0.1;
            s.u2 = p.theta_ltd + 9.0;
            s.u1 = p.theta_ltd;
            let mut w = 0.0;
            TagTriggerConsolidation::step_fast(&p, &mut s, &mut w, &FastStep { step: 0, dt_ms: 1.0, v_post: 20.0, pre_spiked: false });
            ups += (s.state == 1) as u32;
            let mut s = TagTriggerConsolidation::init(&p, 3.0).unwrap();
            s.key = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 1;
            s.u1 = p.theta_ltd + 5.0;
            TagTriggerConsolidation::step_fast(&p, &mut s, &mut w, &FastStep { step: 0, dt_ms: 0.1, v_post: p.theta_ltd, pre_spiked: true });
            downs += (s.state == -1) as u32;
        }
        let rho_h: f64 = 1e-3 * 70.0 * 0.1 * 9.0; // per ms
        let expect_up = 1.0 - (-rho_h).exp();
        let f_up = ups as f64 / n as f64;
        assert!((f_up - expect_up).abs() < 4.0 * (expect_up / n as f64).sqrt(), "{f_up} vs {expect_up}");
        let f_down = downs as f64 / n as f64;
        assert!((f_down - 0.05).abs() < 4.0 * (0.05 / n as f64).sqrt(), "{f_down}");
    }

    /// Lifetimes are exponential with the documented means (decay probability k·Δt per Δt).
    #[test]
    fn decay_lifetimes_have_the_documented_means() {
        let p = params(&[]);
        let n = 20_000u64;
        let mut sum = [0.0; 2];
        for i in 0..n {
            for (j, state) in [1i8, -1].into_iter().enumerate() {
                let mut s = TagTriggerConsolidation::init(&p, 3.0).unwrap();
                s.key = i * 2 + j as u64 + 1;
                TagTriggerConsolidation::enter(&p, &mut s, state, 0.0, 7);
                sum[j] += s.t_end;
            }
        }
        let (mh, ml) = (sum[0] / n as f64, sum[1] / n as f64);
        assert!((mh / p.tau_h - 1.0).abs() < 0.03, "{mh}");
        assert!((ml / p.tau_l - 1.0).abs() < 0.03, "{ml}");
        // probability of surviving one hour in the up state: exp(-1)
        let mut alive = 0;
        for i in 0..n {
            let mut s = TagTriggerConsolidation::init(&p, 3.0).unwrap();
            s.key = i + 99;
            TagTriggerConsolidation::enter(&p, &mut s, 1, 0.0, 3);
            alive += (s.t_end > 3_600_000.0) as u32;
        }
        assert!((alive as f64 / n as f64 - (-1.0f64).exp()).abs() < 0.015);
    }

    /// The presynaptic trace jumps by 1 ms / tau_x, t_x_lag after the spike, and
    /// the closed-form catch-up equals stepping.
    #[test]
    fn traces_catch_up_exactly() {
        let p = params(&[]);
        let mut a = TagTriggerConsolidation::init(&p, 3.0).unwrap();
        let mut w = 0.0;
        let cx = |step: u64, pre: bool| FastStep { step, dt_ms: 0.1, v_post: -60.0, pre_spiked: pre };
        TagTriggerConsolidation::step_fast(&p, &mut a, &mut w, &cx(0, true));
        assert_eq!(a.rbar, 0.0);
        let mut b = a;
        for k in 1..=100 {
            TagTriggerConsolidation::step_fast(&p, &mut a, &mut w, &cx(k, false));
        }
        TagTriggerConsolidation::step_fast(&p, &mut b, &mut w, &cx(100, false));
        assert!((a.rbar - b.rbar).abs() < 1e-12 && a.rbar > 0.0);
        assert!((a.u1 - b.u1).abs() < 1e-9 && (a.u2 - b.u2).abs() < 1e-9);
        let expected = 0.01 * (-(10.1 - 1.1) / 100.0f64).exp();
        assert!((a.rbar - expected).abs() < 1e-3 * expected, "{} vs {expected}", a.rbar);
    }
}
