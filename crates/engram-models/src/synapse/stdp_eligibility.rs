//! Three-factor STDP with separate LTP and LTD eligibility traces: spike pairs
//! only *mark* the synapse; the weight changes only where a trace meets the
//! region's neuromodulator (Frémaux & Gerstner 2016; separate traces with
//! their own time constants as used for the retroactive conversion of t-LTD
//! into t-LTP by dopamine, Brzosko, Schultz & Paulsen 2015, and for the
//! 0.3–2 s dopamine window of Yagishita et al. 2014).
//!
//! ```text
//! K+ jumps by 1 at each pre spike, decays with tau_plus   (per synapse)
//! K- jumps by 1 at each post spike, decays with tau_minus (per postsynaptic neuron)
//! LTP trace e+ (per synapse), decays with tau_ltp:
//!     post spike t_post (felt at t_post + d):  e+ += K+(t_post + d)
//! LTD trace e- (per synapse), decays with tau_ltd:
//!     pre spike t_pre:                         e- += K-(t_pre - d)   (post spikes strictly before)
//! n: the level of the region's modulator (default "dopamine"), tonic + phasic
//! weight:  dw/dt = (A_ltp e+ + A_ltd e-) (n - b),   clipped to [Wmin, Wmax]
//! ```
//!
//! The traces are pure markers (dimensionless, one per pairing at zero lag);
//! `A_ltp` and `A_ltd` say what the modulator makes of them, with their signs:
//! `A_ltd < 0` depresses post-before-pre-marked synapses when `n > b`, `A_ltd > 0`
//! potentiates them (dopamine converting t-LTD into t-LTP). Without modulator
//! above `b` nothing changes; a tonic level above `b` gives ongoing plasticity.
//!
//! **Exact and lazy.** Between events the traces and the phasic level are
//! exponentials, so the weight change is a sum of exponential integrals,
//! evaluated in closed form:
//! `∫ (u e^{-s/τ1} + v e^{-s/τ2})(N e^{-s/τn} − B) ds`, with
//! `1/τ_kn = 1/τ_k + 1/τ_n`. The synapse is updated at its presynaptic spikes
//! and at every tick of the slow clock. Clipping follows the step grid, as for
//! `stdp_dopamine` (NEST's every-step update): the trace factor and `n − b` each
//! change sign at most once between events, so the weight is clipped at the end
//! of each stretch of one sign, the steps containing a sign change taken alone;
//! the result equals clipping after every step and does not depend on when the
//! synapse is updated.
//!
//! | parameter | unit | default | meaning |
//! |-----------|------|---------|---------|
//! | A_ltp     | weight | 1    | weight change rate per unit of LTP trace and modulator above b (per ms) |
//! | A_ltd     | weight | -1   | the same for the LTD trace (negative: depression; positive: conversion to potentiation) |
//! | tau_plus  | ms   | 20      | presynaptic pairing trace time constant |
//! | tau_minus | ms   | 20      | postsynaptic pairing trace time constant |
//! | tau_ltp   | ms   | 1000    | LTP eligibility time constant |
//! | tau_ltd   | ms   | 1000    | LTD eligibility time constant |
//! | b         | 1    | 0       | modulator baseline |
//! | Wmin      | weight | 0    | minimal weight |
//! | Wmax      | weight | 200  | maximal weight |
//!
//! References: Frémaux & Gerstner (2016) Front Neural Circuits 9:85;
//! Brzosko, Schultz & Paulsen (2015) eLife 4:e09685; Yagishita et al. (2014)
//! Science 345:1616; Izhikevich (2007) Cereb Cortex 17:2443.

use engram_core::history::PostHistory;
use engram_core::model::{CatchUp, PreSpike, SynapseModel};
use engram_core::modulator::ModulatorTrace;
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::time::Step;
use engram_core::units::Dimension::{Dimensionless, Time, Weight};
use engram_core::CoreError;

/// Shared parameters of one projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Weight rate per unit of LTP trace and modulator (weight units per ms).
    pub a_ltp: f64,
    /// Weight rate per unit of LTD trace and modulator (weight units per ms).
    pub a_ltd: f64,
    /// Presynaptic pairing trace time constant [ms].
    pub tau_plus: f64,
    /// Postsynaptic pairing trace time constant [ms].
    pub tau_minus: f64,
    /// LTP eligibility time constant [ms].
    pub tau_ltp: f64,
    /// LTD eligibility time constant [ms].
    pub tau_ltd: f64,
    /// Modulator baseline.
    pub b: f64,
    /// Minimal weight.
    pub w_min: f64,
    /// Maximal weight.
    pub w_max: f64,
}

/// Per-synapse state (values at `t_last`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Syn {
    /// LTP eligibility trace.
    pub e_ltp: f64,
    /// LTD eligibility trace.
    pub e_ltd: f64,
    /// Presynaptic pairing trace K+.
    pub k_plus: f64,
    /// Stamp of the last update (pre spike or catch-up).
    pub t_last: Step,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "A_ltp", dim: Weight, default: 1.0, bound: Bound::Any, doc: "weight rate per unit of LTP trace and modulator above b, per ms (weight units)" },
    FieldSpec { name: "A_ltd", dim: Weight, default: -1.0, bound: Bound::Any, doc: "weight rate per unit of LTD trace and modulator above b, per ms (negative: depression, positive: conversion to potentiation)" },
    FieldSpec { name: "tau_plus", dim: Time, default: 20.0, bound: Bound::Positive, doc: "presynaptic pairing trace time constant" },
    FieldSpec { name: "tau_minus", dim: Time, default: 20.0, bound: Bound::Positive, doc: "postsynaptic pairing trace time constant" },
    FieldSpec { name: "tau_ltp", dim: Time, default: 1000.0, bound: Bound::Positive, doc: "LTP eligibility trace time constant" },
    FieldSpec { name: "tau_ltd", dim: Time, default: 1000.0, bound: Bound::Positive, doc: "LTD eligibility trace time constant" },
    FieldSpec { name: "b", dim: Dimensionless, default: 0.0, bound: Bound::Any, doc: "modulator baseline: dw/dt = (A_ltp e+ + A_ltd e-) (n - b)" },
    FieldSpec { name: "Wmin", dim: Weight, default: 0.0, bound: Bound::Any, doc: "minimal weight (pA, nS or mV, like the weight)" },
    FieldSpec { name: "Wmax", dim: Weight, default: 200.0, bound: Bound::Any, doc: "maximal weight (pA, nS or mV, like the weight)" },
];

const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "pA/nS", doc: "synaptic weight, as of the last update (pre spike or slow tick)" },
    StateVar { name: "ltp_trace", unit: "", doc: "LTP eligibility trace e+, as of the last update" },
    StateVar { name: "ltd_trace", unit: "", doc: "LTD eligibility trace e-, as of the last update" },
];

const EQUATIONS: &str = "K+ += 1 at each pre spike, decays with tau_plus (per synapse)
K- += 1 at each post spike, decays with tau_minus (per postsynaptic neuron)
e+ += K+(t_post + d) at each post spike (felt at t_post + d), decays with tau_ltp
e- += K-(t_pre - d) at each pre spike (post spikes strictly before), decays with tau_ltd
n = tonic + phasic level of the region's modulator (default dopamine)
dw/dt = (A_ltp e+ + A_ltd e-) (n - b), w clipped to [Wmin, Wmax]
closed form between events; clipped at the end of each stretch of one sign, the steps
   where (A_ltp e+ + A_ltd e-) or (n - b) changes sign taken alone (= clipping every step)";

const REFERENCES: &[&str] = &[
    "Fremaux N, Gerstner W (2016) Neuromodulated spike-timing-dependent plasticity, and theory of three-factor learning rules. Front Neural Circuits 9:85. doi:10.3389/fncir.2015.00085",
    "Brzosko Z, Schultz W, Paulsen O (2015) Retroactive modulation of spike timing-dependent plasticity by dopamine. eLife 4:e09685. doi:10.7554/eLife.09685",
    "Yagishita S, Hayashi-Takagi A, Ellis-Davies GCR, Urakubo H, Ishii S, Kasai H (2014) A critical time window for dopamine actions on the structural plasticity of dendritic spines. Science 345:1616-1620. doi:10.1126/science.1255514",
    "Izhikevich EM (2007) Solving the distal reward problem through linkage of STDP and dopamine signaling. Cereb Cortex 17:2443-2452. doi:10.1093/cercor/bhl152",
];

/// Three-factor STDP with separate LTP and LTD eligibility traces (`stdp_eligibility`).
#[derive(Debug, Clone, Copy)]
pub struct StdpEligibility;

/// Integral of `u e^{-s/tau_k} (N e^{-s/tau_n} - B)` over `[0, L]`.
#[inline]
fn integral(u: f64, tau_k: f64, n: f64, b: f64, tau_n: f64, l: f64) -> f64 {
    let tau_kn = tau_k * tau_n / (tau_k + tau_n);
    -u * (n * tau_kn * (-l / tau_kn).exp_m1() - b * tau_k * (-l / tau_k).exp_m1())
}

impl StdpEligibility {
    #[inline]
    fn clip(p: &Params, w: f64) -> f64 {
        w.max(p.w_min).min(p.w_max)
    }

    /// Carries the weight over `[a, e]` (no release or trace jump inside), from
    /// the traces `(e_ltp, e_ltd)` at `a`.
    fn segment(p: &Params, m: &ModulatorTrace, w: &mut f64, traces: (f64, f64), a: Step, e: Step) {
        let dt = m.dt_ms();
        let len = (e - a) as f64;
        let (u, v) = (p.a_ltp * traces.0, p.a_ltd * traces.1);
        let n_a = m.phasic(a);
        let b = p.b - m.tonic();
        // Sign changes in steps after a: of the trace factor and of n - b.
        let mut cross = [f64::INFINITY; 2];
        let rate = 1.0 / p.tau_ltd - 1.0 / p.tau_ltp;
        if u != 0.0 && v != 0.0 && -v / u > 0.0 && rate != 0.0 {
            // u e^{-s/τ1} + v e^{-s/τ2} = 0  ⇔  e^{s (1/τ2 − 1/τ1)} = −v/u
            let s = (-v / u).ln() / rate / dt;
            if s > 0.0 {
                cross[0] = s;
            }
        }
        if b != 0.0 && n_a / b > 1.0 {
            cross[1] = m.tau_ms() * (n_a / b).ln() / dt;
        }
        let mut cuts = [a; 6];
        let mut k = 1;
        let mut gs: Vec<Step> = Vec::new();
        for s in cross {
            if s < len {
                let g1 = a + s.floor() as Step;
                gs.push(g1);
                gs.push((g1 + 1).min(e));
            }
        }
        gs.sort_unstable();
        for g in gs {
            if g > cuts[k - 1] && g < e {
                cuts[k] = g;
                k += 1;
            }
        }
        cuts[k] = e;
        for i in 0..k {
            let (x, y) = (cuts[i], cuts[i + 1]);
            let off = (x - a) as f64 * dt;
            let ux = u * (-off / p.tau_ltp).exp();
            let vx = v * (-off / p.tau_ltd).exp();
            let nx = n_a * m.decay(x - a);
            let l = (y - x) as f64 * dt;
            let dw = integral(ux, p.tau_ltp, nx, b, m.tau_ms(), l) + integral(vx, p.tau_ltd, nx, b, m.tau_ms(), l);
            *w = Self::clip(p, *w + dw);
        }
    }

    /// Carries the weight from `t0` to `t1` across the releases in between; returns the traces at `t1`.
    fn advance(p: &Params, m: &ModulatorTrace, w: &mut f64, traces: (f64, f64), t0: Step, t1: Step) -> (f64, f64) {
        if t1 <= t0 {
            return traces;
        }
        let dt = m.dt_ms();
        let decay = |tr: (f64, f64), steps: Step| {
            let h = steps as f64 * dt;
            (tr.0 * (-h / p.tau_ltp).exp(), tr.1 * (-h / p.tau_ltd).exp())
        };
        let (mut a, mut tr) = (t0, traces);
        m.releases(t0, t1, |r, _| {
            if r > a {
                Self::segment(p, m, w, tr, a, r);
                tr = decay(tr, r - a);
                a = r;
            }
        });
        if t1 > a {
            Self::segment(p, m, w, tr, a, t1);
            tr = decay(tr, t1 - a);
        }
        tr
    }

    /// LTP marks by the post spikes in `(t_last - d, upto - d]`, carrying the
    /// weight to each; returns (traces, stamp they refer to).
    fn mark_ltp(p: &Params, m: &ModulatorTrace, syn: &Syn, w: &mut f64, post: &mut PostHistory, d: Step, upto: Step) -> ((f64, f64), Step) {
        let dt = m.dt_ms();
        let (mut tr, mut t0) = ((syn.e_ltp, syn.e_ltd), syn.t_last);
        let t_last = syn.t_last;
        post.read(t_last as i64 - d as i64, upto as i64 - d as i64, |t_post| {
            let te = t_post + d;
            tr = Self::advance(p, m, w, tr, t0, te);
            t0 = te;
            tr.0 += syn.k_plus * (-((te - t_last) as f64) * dt / p.tau_plus).exp();
        });
        (tr, t0)
    }
}

impl SynapseModel for StdpEligibility {
    type Params = Params;
    type Syn = Syn;
    type Row = ();

    const INFO: ModelInfo = ModelInfo {
        name: "stdp_eligibility",
        kind: ModelKind::Synapse,
        summary: "Three-factor STDP: separate LTP and LTD eligibility traces, turned into weight changes only by the region's modulator.",
        equations: EQUATIONS,
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: REFERENCES,
    };

    const MODULATOR: Option<&'static str> = Some("dopamine");
    const SYN_VARS: &'static [StateVar] = SYN_VARS;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            a_ltp: v.get("A_ltp"),
            a_ltd: v.get("A_ltd"),
            tau_plus: v.get("tau_plus"),
            tau_minus: v.get("tau_minus"),
            tau_ltp: v.get("tau_ltp"),
            tau_ltd: v.get("tau_ltd"),
            b: v.get("b"),
            w_min: v.get("Wmin"),
            w_max: v.get("Wmax"),
        };
        super::check_weight_bounds(p.w_min, p.w_max)?;
        Ok(p)
    }

    fn post_tau_ms(p: &Params) -> Option<f64> {
        Some(p.tau_minus)
    }

    fn init(p: &Params, weight: f64) -> Result<Syn, CoreError> {
        super::check_weight_within(weight, p.w_min, p.w_max)?;
        Ok(Syn::default())
    }

    fn on_pre(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut PreSpike<'_>) {
        // Without a modulator field the level is 0 (the engine always passes one).
        let none = ModulatorTrace::new(0.0, 1.0, cx.dt_ms);
        Self::on_pre_modulated(p, syn, w, cx, &none);
    }

    #[inline]
    fn on_pre_modulated(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut PreSpike<'_>, m: &ModulatorTrace) {
        let (t_pre, d, dt) = (cx.stamp, cx.delay, cx.dt_ms);
        let (tr, t0) = Self::mark_ltp(p, m, syn, w, cx.post, d, t_pre);
        let tr = Self::advance(p, m, w, tr, t0, t_pre);
        let k_minus = cx.post.k_minus(t_pre as i64 - d as i64, |s| (-(s as f64) * dt / p.tau_minus).exp());
        syn.e_ltp = tr.0;
        syn.e_ltd = tr.1 + k_minus;
        syn.k_plus = syn.k_plus * (-((t_pre - syn.t_last) as f64) * dt / p.tau_plus).exp() + 1.0;
        syn.t_last = t_pre;
    }

    fn catch_up(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut CatchUp<'_>, m: &ModulatorTrace) {
        let t = cx.stamp;
        if t <= syn.t_last {
            return;
        }
        let (tr, t0) = Self::mark_ltp(p, m, syn, w, cx.post, cx.delay, t);
        let tr = Self::advance(p, m, w, tr, t0, t);
        syn.e_ltp = tr.0;
        syn.e_ltd = tr.1;
        syn.k_plus *= (-((t - syn.t_last) as f64) * cx.dt_ms / p.tau_plus).exp();
        syn.t_last = t;
    }

    fn read(_: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        match var {
            1 => syn.e_ltp,
            2 => syn.e_ltd,
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(pairs: &[(&'static str, f64)]) -> Params {
        let v = StdpEligibility::INFO.resolve(pairs.iter().copied()).unwrap();
        StdpEligibility::params(&v).unwrap()
    }

    fn pre(p: &Params, syn: &mut Syn, w: &mut f64, post: &mut PostHistory, m: &ModulatorTrace, t: Step) {
        StdpEligibility::on_pre_modulated(p, syn, w, &mut PreSpike { stamp: t, delay: 10, dt_ms: 0.1, post, row: &() }, m);
    }

    fn catch_up(p: &Params, syn: &mut Syn, w: &mut f64, post: &mut PostHistory, m: &ModulatorTrace, t: Step) {
        StdpEligibility::catch_up(p, syn, w, &mut CatchUp { stamp: t, delay: 10, dt_ms: 0.1, post }, m);
    }

    fn post_spike(post: &mut PostHistory, t: Step) {
        post.record(t, 10, |s| (-(s as f64) * 0.1 / 20.0).exp());
    }

    /// Pre at 100 ms, post felt 5 ms later: e+ = exp(-5/20); one release of 0.01
    /// at 300 ms: Δw = A_ltp e+(300 ms) · 0.01 · tau_s, 1/tau_s = 1/tau_ltp + 1/tau_n.
    /// The LTD trace stays 0 (no post spike before the pre spike).
    #[test]
    fn issue6_ltp_trace_times_one_release_is_the_closed_form() {
        let p = params(&[("A_ltp", 3.0), ("tau_ltp", 800.0), ("Wmax", 1e9)]);
        let mut m = ModulatorTrace::new(0.0, 150.0, 0.1);
        let (mut post, mut syn, mut w) = (PostHistory::new(1), Syn::default(), 50.0);
        pre(&p, &mut syn, &mut w, &mut post, &m, 1000);
        post_spike(&mut post, 1040);
        m.release(3000, 0.01);
        catch_up(&p, &mut syn, &mut w, &mut post, &m, 1_000_000);
        let e300 = (-0.25f64).exp() * (-195.0f64 / 800.0).exp();
        let tau_s = 800.0 * 150.0 / 950.0;
        let want = 50.0 + 3.0 * e300 * 0.01 * tau_s;
        assert!((w - want).abs() <= 1e-12 * want, "{w} vs {want}");
        assert_eq!(syn.e_ltd, 0.0);
    }

    /// Post-before-pre marks the LTD trace. With dopamine after it, A_ltd < 0
    /// depresses and A_ltd > 0 potentiates (the retroactive conversion of
    /// Brzosko et al. 2015); without dopamine nothing changes.
    #[test]
    fn issue6_dopamine_after_post_before_pre_depresses_or_converts() {
        let run = |a_ltd: f64, release: bool| {
            let p = params(&[("A_ltd", a_ltd), ("tau_ltd", 2000.0)]);
            let mut m = ModulatorTrace::new(0.0, 200.0, 0.1);
            let (mut post, mut syn, mut w) = (PostHistory::new(1), Syn::default(), 50.0);
            post_spike(&mut post, 990); // felt at 1000, before the pre spike at 1050
            pre(&p, &mut syn, &mut w, &mut post, &m, 1050);
            assert!((syn.e_ltd - (-5.0f64 / 20.0).exp()).abs() < 1e-15);
            if release {
                m.release(20_000, 0.005);
            }
            catch_up(&p, &mut syn, &mut w, &mut post, &m, 200_000);
            w
        };
        assert_eq!(run(-1.0, false), 50.0);
        assert_eq!(run(1.0, false), 50.0);
        let (dep, pot) = (run(-1.0, true), run(1.0, true));
        assert!(dep < 50.0 && pot > 50.0, "{dep} {pot}");
        assert!(((50.0 - dep) - (pot - 50.0)).abs() < 1e-12);
    }

    /// The closed form with its cuts equals the definition: the weight carried
    /// one step at a time and clipped after every step, with traces of opposite
    /// signs (a sign change of the trace factor) and n crossing b, at both bounds.
    /// Catch-ups at any stamps change nothing.
    #[test]
    fn issue6_closed_form_equals_clipping_after_every_step() {
        let p = params(&[("A_ltp", 40.0), ("A_ltd", -60.0), ("tau_ltp", 300.0), ("tau_ltd", 900.0), ("b", 0.004), ("Wmin", 47.0), ("Wmax", 53.0)]);
        let schedule = |m: &mut ModulatorTrace, post: &mut PostHistory, t: Step| {
            if t % 4999 == 0 {
                m.release(t, 0.012);
            }
            if t % 1301 == 5 || t % 2203 == 1900 {
                post_spike(post, t);
            }
        };
        let run = |every: Step| {
            let mut m = ModulatorTrace::new(0.001, 150.0, 0.1);
            let (mut post, mut syn, mut w) = (PostHistory::new(1), Syn::default(), 50.0);
            let mut trace = vec![];
            for t in 1..60_000u64 {
                schedule(&mut m, &mut post, t);
                if t % 1301 == 0 {
                    pre(&p, &mut syn, &mut w, &mut post, &m, t);
                } else if t % every == 0 {
                    catch_up(&p, &mut syn, &mut w, &mut post, &m, t);
                }
                trace.push(w);
            }
            trace
        };
        let every_step = run(1);
        for every in [u64::MAX, 13, 1000] {
            let other = run(every);
            // Compare where both are up to date: at the pre spikes.
            for t in (1301..60_000u64).step_by(1301) {
                let (a, b) = (every_step[t as usize - 1], other[t as usize - 1]);
                assert!((a - b).abs() <= 1e-12 * a.abs(), "every {every}, t = {t}: {a} vs {b}");
            }
        }
        assert!(every_step.contains(&47.0) && every_step.contains(&53.0), "both bounds must be reached");
    }

    /// A sign change of the trace factor while the weight sits at Wmax: LTP
    /// marks (fast trace) outweigh an LTD mark (slow trace) at first, so the
    /// weight climbs to Wmax under tonic dopamine, then the LTD trace wins and it
    /// falls. Only the step of the sign change is taken alone; carrying the
    /// weight without that cut would keep the potentiation above Wmax.
    #[test]
    fn issue6_trace_sign_change_at_a_bound() {
        let p = params(&[("A_ltp", 120.0), ("A_ltd", -60.0), ("tau_ltp", 300.0), ("tau_ltd", 900.0), ("Wmin", 0.0), ("Wmax", 53.0)]);
        let m = ModulatorTrace::new(0.01, 200.0, 0.1);
        let run = |every: Step| {
            let (mut post, mut syn, mut w) = (PostHistory::new(1), Syn::default(), 50.0);
            post_spike(&mut post, 990);
            post_spike(&mut post, 1060);
            let mut out = vec![];
            for t in 1..20_000u64 {
                if t == 1050 || t == 6000 {
                    pre(&p, &mut syn, &mut w, &mut post, &m, t);
                    out.push(w);
                } else if t % every == 0 {
                    catch_up(&p, &mut syn, &mut w, &mut post, &m, t);
                }
            }
            out
        };
        let every_step = run(1);
        assert!(every_step[1] < 53.0 && every_step[1] > 45.0, "{every_step:?}");
        for every in [u64::MAX, 997] {
            let other = run(every);
            assert!((other[1] - every_step[1]).abs() <= 1e-12 * every_step[1], "every {every}: {} vs {}", other[1], every_step[1]);
        }
    }
}
