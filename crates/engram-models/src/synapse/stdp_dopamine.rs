//! Dopamine-modulated STDP (three-factor rule) with the semantics of NEST 3.10's
//! `stdp_dopamine_synapse` (Izhikevich 2007; Potjans, Morrison & Diesmann 2010).
//!
//! ```text
//! K+ jumps by 1 at each pre spike, decays with tau_plus   (per synapse)
//! K- jumps by 1 at each post spike, decays with tau_minus (per postsynaptic neuron)
//! eligibility c (per synapse), decays with tau_c:
//!     post spike t_post (felt at t_post + d, d the dendritic delay):  c += A_plus  K+(t_post + d)
//!     pre spike t_pre:                                               c -= A_minus K-(t_pre - d)
//! dopamine n: the level of the region's modulator (default "dopamine"),
//!     n(t) = tonic + phasic(t), phasic jumps by the release amount and decays with tau_n
//!     (tau_n is the modulator's `tau`; NEST: each dopamine spike adds 1/tau_n)
//! weight: dw/dt = c(t) (n(t) - b), clipped to [Wmin, Wmax]
//! between events, with c0 = c(t0), n0 = phasic(t0), b' = b - tonic, L = t1 - t0,
//! 1/tau_s = 1/tau_c + 1/tau_n (NEST's update_weight_):
//!     w(t1) = w(t0) - c0 [ n0 tau_s expm1(-L/tau_s) - b' tau_c expm1(-L/tau_c) ]
//! ```
//!
//! **Order and laziness, as in NEST.** The synapse is updated when its
//! presynaptic neuron fires at `t_pre`: the postsynaptic spikes with
//! `t_last - d < t_post <= t_pre - d` are taken oldest first, the weight being
//! carried in closed form to each `t_post + d` (and across every modulator
//! release in between) before `c` jumps; then the weight is carried to `t_pre`
//! (releases at `t_pre` included), transmitted, and `c` is depressed with `K-`
//! from the postsynaptic spikes strictly before `t_pre - d`. The engine also
//! brings every synapse to the present at each tick of the slow clock (NEST's
//! `trigger_update_weight`), without a spike; the result does not depend on
//! when this happens.
//!
//! **Clipping.** NEST's volume transmitter updates every synapse at the end of
//! every `min_delay` (one step when the dopamine connection has the minimal
//! delay), clipping the weight after each step. Between two events `c` keeps
//! its sign and `n - b` changes sign at most once, so that is the same as
//! clipping at the end of each stretch of one sign, with the step in which the
//! sign changes taken as one step: engram computes exactly that, in closed form.
//! (With a larger `min_delay` NEST updates, and clips, only every `min_delay`,
//! and its results depend on it; the cross-check uses one step.)
//!
//! The synapse stores `c`, `K+` and the stamp of its last update (24 bytes); the
//! modulator is read from the region's field and never copied per synapse.
//!
//! | parameter | unit | default | meaning |
//! |-----------|------|---------|---------|
//! | A_plus    | weight | 1    | eligibility increment per pre-before-post pairing (times K+) |
//! | A_minus   | weight | 1.5  | eligibility decrement per post-before-pre pairing (times K-) |
//! | tau_plus  | ms   | 20      | presynaptic trace time constant |
//! | tau_minus | ms   | 20      | postsynaptic trace time constant (in NEST a neuron parameter) |
//! | tau_c     | ms   | 1000    | eligibility trace time constant |
//! | b         | 1    | 0       | dopamine baseline: the weight grows where n > b and shrinks where n < b (for c > 0) |
//! | Wmin      | weight | 0    | minimal weight |
//! | Wmax      | weight | 200  | maximal weight |
//!
//! The weight, `A_plus`, `A_minus`, `Wmin` and `Wmax` are in the target's weight
//! unit (pA, nS or mV); the modulator level is in arbitrary units and time in
//! ms, so that one NEST dopamine spike (a release of `1/tau_n`) integrates to 1.
//! Defaults are NEST's. NEST's `tau_n` is the decay time constant of the
//! modulator (`[[modulator]] tau`), NEST's `vt` the modulator field, and a
//! dopamine spike a release of `1/tau_n` (`[[modulator.release]]` with
//! `amount = 1/tau_n` per spike of a population, delay 0.1 ms for NEST's
//! minimal volume-transmitter delay).
//!
//! References: Izhikevich (2007) Cereb Cortex 17:2443; Potjans, Morrison &
//! Diesmann (2010) Front Comput Neurosci 4:141; NEST 3.10
//! `stdp_dopamine_synapse` and `volume_transmitter`.

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
    /// Eligibility increment per pre-before-post pairing (weight units).
    pub a_plus: f64,
    /// Eligibility decrement per post-before-pre pairing (weight units).
    pub a_minus: f64,
    /// Presynaptic trace time constant [ms].
    pub tau_plus: f64,
    /// Postsynaptic trace time constant [ms].
    pub tau_minus: f64,
    /// Eligibility time constant [ms].
    pub tau_c: f64,
    /// Dopamine baseline.
    pub b: f64,
    /// Minimal weight.
    pub w_min: f64,
    /// Maximal weight.
    pub w_max: f64,
}

/// Per-synapse state (values at `t_last`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Syn {
    /// Eligibility trace c.
    pub c: f64,
    /// Presynaptic trace K+.
    pub k_plus: f64,
    /// Stamp of the last update (pre spike or catch-up); 0 at the start, as in NEST.
    pub t_last: Step,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "A_plus", dim: Weight, default: 1.0, bound: Bound::Any, doc: "eligibility increment per pre-before-post pairing, times K+ (weight units)" },
    FieldSpec { name: "A_minus", dim: Weight, default: 1.5, bound: Bound::Any, doc: "eligibility decrement per post-before-pre pairing, times K- (weight units)" },
    FieldSpec { name: "tau_plus", dim: Time, default: 20.0, bound: Bound::Positive, doc: "presynaptic trace time constant" },
    FieldSpec { name: "tau_minus", dim: Time, default: 20.0, bound: Bound::Positive, doc: "postsynaptic trace time constant" },
    FieldSpec { name: "tau_c", dim: Time, default: 1000.0, bound: Bound::Positive, doc: "eligibility trace time constant" },
    FieldSpec { name: "b", dim: Dimensionless, default: 0.0, bound: Bound::Any, doc: "dopamine baseline: dw/dt = c (n - b)" },
    FieldSpec { name: "Wmin", dim: Weight, default: 0.0, bound: Bound::Any, doc: "minimal weight (pA, nS or mV, like the weight)" },
    FieldSpec { name: "Wmax", dim: Weight, default: 200.0, bound: Bound::Any, doc: "maximal weight (pA, nS or mV, like the weight)" },
];

const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "pA/nS", doc: "synaptic weight, as of the last update (pre spike or slow tick)" },
    StateVar { name: "eligibility", unit: "", doc: "eligibility trace c, as of the last update" },
    StateVar { name: "K_plus", unit: "", doc: "presynaptic trace K+, as of the last update" },
];

const EQUATIONS: &str = "K+ += 1 at each pre spike, decays with tau_plus (per synapse)
K- += 1 at each post spike, decays with tau_minus (per postsynaptic neuron)
c: post spike felt at t_post + d:  c += A_plus K+;  pre spike:  c -= A_minus K-(t_pre - d)
   c decays with tau_c
n = tonic + phasic level of the region's modulator (default dopamine); phasic decays with
   the modulator's tau (NEST tau_n); a NEST dopamine spike is a release of 1/tau_n
dw/dt = c (n - b), w clipped to [Wmin, Wmax]; between events, 1/tau_s = 1/tau_c + 1/tau_n:
   w(t0 + L) = w(t0) - c0 [ n0 tau_s expm1(-L/tau_s) - (b - tonic) tau_c expm1(-L/tau_c) ]
clipping as NEST with a volume transmitter updating every step: at the end of each
   stretch where c (n - b) keeps its sign, the step where it changes sign taken alone
order at a pre spike t_pre: for post spikes in (t_last - d, t_pre - d], carry w to
   t_post + d and facilitate; carry w to t_pre; transmit; depress c; K+ += 1";

const REFERENCES: &[&str] = &[
    "Izhikevich EM (2007) Solving the distal reward problem through linkage of STDP and dopamine signaling. Cereb Cortex 17:2443-2452. doi:10.1093/cercor/bhl152",
    "Potjans W, Morrison A, Diesmann M (2010) Enabling functional neural circuit simulations with distributed computing of neuromodulated plasticity. Front Comput Neurosci 4:141. doi:10.3389/fncom.2010.00141",
    "NEST stdp_dopamine_synapse and volume_transmitter (nest-simulator 3.10)",
];

/// Dopamine-modulated STDP (`stdp_dopamine`).
#[derive(Debug, Clone, Copy)]
pub struct StdpDopamine;

impl StdpDopamine {
    #[inline]
    fn clip(p: &Params, w: f64) -> f64 {
        w.max(p.w_min).min(p.w_max)
    }

    /// The weight change over `steps` from a point where c = `c0` and the phasic level is `n0`.
    #[inline]
    fn dw(p: &Params, m: &ModulatorTrace, c0: f64, n0: f64, steps: Step) -> f64 {
        let l = steps as f64 * m.dt_ms();
        let taus = (p.tau_c + m.tau_ms()) / (p.tau_c * m.tau_ms());
        let b = p.b - m.tonic();
        -c0 * (n0 / taus * (-taus * l).exp_m1() - b * p.tau_c * (-l / p.tau_c).exp_m1())
    }

    /// Carries the weight over `[a, e]`, which has no release inside (`c_a`: c at `a`).
    fn segment(p: &Params, m: &ModulatorTrace, w: &mut f64, c_a: f64, a: Step, e: Step) {
        let dt = m.dt_ms();
        let n_a = m.phasic(a);
        let b = p.b - m.tonic();
        // n - b changes sign where n_a exp(-s/tau_n) = b: take the step containing it alone.
        let mut cuts = [a, e, e, e];
        let mut k = 1;
        if b != 0.0 && n_a / b > 1.0 {
            let s = m.tau_ms() * (n_a / b).ln() / dt;
            if s < (e - a) as f64 {
                let g1 = a + s.floor() as Step;
                let g2 = (g1 + 1).min(e);
                for g in [g1, g2] {
                    if g > cuts[k - 1] && g < e {
                        cuts[k] = g;
                        k += 1;
                    }
                }
            }
        }
        cuts[k] = e;
        for i in 0..k {
            let (x, y) = (cuts[i], cuts[i + 1]);
            let c_x = c_a * (-((x - a) as f64) * dt / p.tau_c).exp();
            let n_x = n_a * m.decay(x - a);
            *w = Self::clip(p, *w + Self::dw(p, m, c_x, n_x, y - x));
        }
    }

    /// Carries the weight from `t0` to `t1` across the releases in between; `c0`
    /// is c at `t0`; returns c at `t1`.
    fn advance(p: &Params, m: &ModulatorTrace, w: &mut f64, c0: f64, t0: Step, t1: Step) -> f64 {
        if t1 <= t0 {
            return c0;
        }
        let dt = m.dt_ms();
        let (mut a, mut c) = (t0, c0);
        m.releases(t0, t1, |r, _| {
            if r > a {
                Self::segment(p, m, w, c, a, r);
                c *= (-((r - a) as f64) * dt / p.tau_c).exp();
                a = r;
            }
        });
        if t1 > a {
            Self::segment(p, m, w, c, a, t1);
            c *= (-((t1 - a) as f64) * dt / p.tau_c).exp();
        }
        c
    }

    /// Facilitation by the post spikes in `(t_last - d, upto - d]`, carrying the
    /// weight to each; returns (c, stamp it refers to).
    fn facilitate(p: &Params, m: &ModulatorTrace, syn: &Syn, w: &mut f64, post: &mut PostHistory, d: Step, upto: Step) -> (f64, Step) {
        let dt = m.dt_ms();
        let (mut c, mut t0) = (syn.c, syn.t_last);
        let t_last = syn.t_last;
        post.read(t_last as i64 - d as i64, upto as i64 - d as i64, |t_post| {
            let te = t_post + d;
            c = Self::advance(p, m, w, c, t0, te);
            t0 = te;
            c += p.a_plus * syn.k_plus * (-((te - t_last) as f64) * dt / p.tau_plus).exp();
        });
        (c, t0)
    }
}

impl SynapseModel for StdpDopamine {
    type Params = Params;
    type Syn = Syn;
    type Row = ();

    const INFO: ModelInfo = ModelInfo {
        name: "stdp_dopamine",
        kind: ModelKind::Synapse,
        summary: "Dopamine-modulated STDP: eligibility trace times the region's dopamine level (NEST stdp_dopamine_synapse semantics).",
        equations: EQUATIONS,
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: REFERENCES,
    };

    const MODULATOR: Option<&'static str> = Some("dopamine");
    const SYN_VARS: &'static [StateVar] = SYN_VARS;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            a_plus: v.get("A_plus"),
            a_minus: v.get("A_minus"),
            tau_plus: v.get("tau_plus"),
            tau_minus: v.get("tau_minus"),
            tau_c: v.get("tau_c"),
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
        let (c, t0) = Self::facilitate(p, m, syn, w, cx.post, d, t_pre);
        let mut c = Self::advance(p, m, w, c, t0, t_pre);
        let k_minus = cx.post.k_minus(t_pre as i64 - d as i64, |s| (-(s as f64) * dt / p.tau_minus).exp());
        c -= p.a_minus * k_minus;
        syn.k_plus = syn.k_plus * (-((t_pre - syn.t_last) as f64) * dt / p.tau_plus).exp() + 1.0;
        syn.c = c;
        syn.t_last = t_pre;
    }

    fn catch_up(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut CatchUp<'_>, m: &ModulatorTrace) {
        let t = cx.stamp;
        if t <= syn.t_last {
            return;
        }
        let (c, t0) = Self::facilitate(p, m, syn, w, cx.post, cx.delay, t);
        syn.c = Self::advance(p, m, w, c, t0, t);
        syn.k_plus *= (-((t - syn.t_last) as f64) * cx.dt_ms / p.tau_plus).exp();
        syn.t_last = t;
    }

    fn read(_: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        match var {
            1 => syn.c,
            2 => syn.k_plus,
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(b: f64, w_min: f64, w_max: f64) -> Params {
        let v = StdpDopamine::INFO.resolve([("b", b), ("Wmin", w_min), ("Wmax", w_max)]).unwrap();
        StdpDopamine::params(&v).unwrap()
    }

    /// With c fixed by one pairing and one release, the weight change is the
    /// integral of c(t) n(t): c0 · amount · tau_s (no baseline, no bounds).
    #[test]
    fn one_pairing_one_release_integrates_to_the_closed_form() {
        let p = params(0.0, 0.0, 1e9);
        let dt = 0.1;
        let mut m = ModulatorTrace::new(0.0, 200.0, dt);
        let mut post = PostHistory::new(1);
        let mut syn = StdpDopamine::init(&p, 50.0).unwrap();
        let mut w = 50.0;
        let d = 10;
        StdpDopamine::on_pre_modulated(&p, &mut syn, &mut w, &mut PreSpike { stamp: 1000, delay: d, dt_ms: dt, post: &mut post, row: &() }, &m);
        // post spike felt 5 ms after the pre spike: c = A_plus exp(-5/20)
        post.record(1050 - d, d, |s| (-(s as f64) * dt / 20.0).exp());
        m.release(1100, 1.0 / 200.0);
        // far later: everything has decayed
        let t_end = 1_000_000;
        StdpDopamine::catch_up(&p, &mut syn, &mut w, &mut CatchUp { stamp: t_end, delay: d, dt_ms: dt, post: &mut post }, &m);
        let c_at_release = (-0.25f64).exp() * (-5.0f64 / 1000.0).exp();
        let tau_s = 1000.0 * 200.0 / 1200.0;
        let want = 50.0 + c_at_release * (1.0 / 200.0) * tau_s;
        assert!((w - want).abs() < 1e-12 * want, "{w} vs {want}");
    }

    /// Splitting an interval (catch-ups at arbitrary stamps) changes nothing, also
    /// with bounds and a baseline that makes n - b change sign.
    #[test]
    fn catch_ups_do_not_change_the_weight() {
        let p = Params { a_plus: 30.0, ..params(0.004, 45.0, 56.0) };
        let dt = 0.1;
        let run = |every: Step| {
            let mut m = ModulatorTrace::new(0.002, 150.0, dt);
            let mut post = PostHistory::new(1);
            let mut syn = StdpDopamine::init(&p, 50.0).unwrap();
            let mut w = 50.0;
            let mut out = vec![];
            for t in 1..40_000u64 {
                if t % 4999 == 0 {
                    m.release(t, 0.01);
                }
                // causal pairings for 2 s, then anti-causal ones
                if (t < 20_000 && t % 1301 == 5) || (t >= 20_000 && t % 1301 == 1250) {
                    post.record(t, 10, |s| (-(s as f64) * dt / 20.0).exp());
                }
                if t % 1301 == 0 {
                    StdpDopamine::on_pre_modulated(&p, &mut syn, &mut w, &mut PreSpike { stamp: t, delay: 10, dt_ms: dt, post: &mut post, row: &() }, &m);
                    out.push(w);
                } else if t % every == 0 {
                    StdpDopamine::catch_up(&p, &mut syn, &mut w, &mut CatchUp { stamp: t, delay: 10, dt_ms: dt, post: &mut post }, &m);
                }
            }
            out
        };
        let a = run(u64::MAX);
        for every in [1, 7, 1000] {
            let b = run(every);
            for (x, y) in a.iter().zip(&b) {
                assert!((x - y).abs() <= 1e-12 * x.abs(), "every {every}: {x} vs {y}");
            }
        }
        assert!(a.contains(&56.0) && a.contains(&45.0), "{a:?}");
    }
}
