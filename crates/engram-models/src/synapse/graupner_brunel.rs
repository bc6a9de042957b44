//! `graupner_brunel`: the calcium-based bistable plasticity rule of Graupner &
//! Brunel (2012).
//!
//! ```text
//! calcium:  dc/dt = -c/tau_ca ;  c += c_pre at t_pre + delay ;  c += c_post at t_post
//! efficacy: tau drho/dt = -rho (1 - rho) (rho_star - rho) + gamma_p (1 - rho) H(c - theta_p)
//!                         - gamma_d rho H(c - theta_d)
//!                         + sigma sqrt(tau) sqrt(H(c - theta_p) + H(c - theta_d)) xi(t)
//! weight:   w = w0 + rho (w1 - w0),  w0 = the projection's weight,  w1 = b w0
//! ```
//!
//! Calcium is event-driven and exact: between events it decays exponentially,
//! so the times at which it falls below theta_p and theta_d are known in closed
//! form, and each interval between events splits into at most three pieces on
//! which the threshold indicators are constant. On each piece rho follows the
//! cubic ODE above, integrated with classical Runge–Kutta (RK4) sub-steps of at
//! most `MAX_STEP_ACTIVE` (1 ms) while calcium is above a threshold and at most
//! `MAX_STEP_QUIET` (10 ms) below both (there the only drift is the slow cubic
//! term, whose fastest rate is about 1/(4 tau)); the noise, present only while
//! calcium is above a threshold and additive within a piece, enters as an exact
//! Gaussian increment per sub-step (Euler–Maruyama, exact for additive noise).
//! After a noisy sub-step rho is clamped to [0, 1]; the deterministic flow keeps
//! [0, 1] invariant by itself. Each synapse draws its noise from its own
//! counter-based stream, so results do not depend on threads.
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
//!
//! Defaults: the "DP" set (Graupner & Brunel 2012, Table S1; the same numbers in
//! mgraupe/CalciumBasedPlasticityModel `synapticChange.py`, set 'DP', there in s).
//!
//! Reference: Graupner M, Brunel N (2012) Calcium-based plasticity model explains
//! sensitivity of synaptic changes to spike pattern, rate, and dendritic location.
//! PNAS 109:3991–3996, doi:10.1073/pnas.1109359109.

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
#[allow(missing_docs)]
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
}

/// Most presynaptic calcium jumps that can be pending at once (delay / ISI).
const PENDING: usize = 4;
/// Largest RK4 sub-step while calcium is above a threshold [ms].
const MAX_STEP_ACTIVE: f64 = 1.0;
/// Largest RK4 sub-step while calcium is below both thresholds [ms].
const MAX_STEP_QUIET: f64 = 10.0;

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
    /// Noise stream key and draws so far.
    key: u64,
    draws: u64,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "tau_ca", dim: Time, default: 20.0, bound: Bound::Positive, doc: "calcium time constant" },
    FieldSpec { name: "c_pre", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "calcium jump per presynaptic spike (0: NMDA receptors blocked)" },
    FieldSpec { name: "c_post", dim: Dimensionless, default: 2.0, bound: Bound::NonNegative, doc: "calcium jump per postsynaptic spike" },
    FieldSpec { name: "delay", dim: Time, default: 13.7, bound: Bound::NonNegative, doc: "delay D of the presynaptic calcium jump" },
    FieldSpec { name: "theta_d", dim: Dimensionless, default: 1.0, bound: Bound::Positive, doc: "calcium threshold for depression" },
    FieldSpec { name: "theta_p", dim: Dimensionless, default: 1.3, bound: Bound::Positive, doc: "calcium threshold for potentiation" },
    FieldSpec { name: "gamma_d", dim: Dimensionless, default: 200.0, bound: Bound::NonNegative, doc: "depression rate" },
    FieldSpec { name: "gamma_p", dim: Dimensionless, default: 321.808, bound: Bound::NonNegative, doc: "potentiation rate" },
    FieldSpec { name: "sigma", dim: Dimensionless, default: 2.8284, bound: Bound::NonNegative, doc: "noise amplitude (active only above a threshold)" },
    FieldSpec { name: "tau", dim: Time, default: 150_000.0, bound: Bound::Positive, doc: "time constant of the efficacy variable rho" },
    FieldSpec { name: "rho_star", dim: Dimensionless, default: 0.5, bound: Bound::Closed(0.0, 1.0), doc: "unstable fixed point between the DOWN and UP basins" },
    FieldSpec { name: "beta", dim: Dimensionless, default: 0.5, bound: Bound::Closed(0.0, 1.0), doc: "fraction of synapses starting at rho_init (the rest start UP, rho = 1)" },
    FieldSpec { name: "b", dim: Dimensionless, default: 5.0, bound: Bound::Positive, doc: "ratio w1/w0 of UP- to DOWN-state efficacy" },
    FieldSpec { name: "rho_init", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "initial rho of the beta fraction of synapses" },
];

const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "", doc: "transmitted efficacy w0 (1 + rho (b - 1)), in the projection's weight unit" },
    StateVar { name: "rho", unit: "", doc: "efficacy variable rho (0: DOWN, 1: UP)" },
    StateVar { name: "calcium", unit: "", doc: "calcium concentration c" },
];

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
        (-rho * (1.0 - rho) * (p.rho_star - rho) + p.gamma_p * (1.0 - rho) * pot - p.gamma_d * rho * dep) / p.tau
    }

    /// Integrates rho over `len` ms with constant indicators.
    fn piece(p: &Params, s: &mut Syn, len: f64, pot: f64, dep: f64) {
        let active = pot + dep > 0.0;
        let max = if active { MAX_STEP_ACTIVE } else { MAX_STEP_QUIET };
        let n = (len / max).ceil().max(1.0) as usize;
        let h = len / n as f64;
        let noisy = active && p.sigma > 0.0;
        let noise_sd = p.sigma * ((pot + dep) * h / p.tau).sqrt();
        for _ in 0..n {
            let r = s.rho;
            let k1 = Self::drift(p, r, pot, dep);
            let k2 = Self::drift(p, r + 0.5 * h * k1, pot, dep);
            let k3 = Self::drift(p, r + 0.5 * h * k2, pot, dep);
            let k4 = Self::drift(p, r + h * k3, pot, dep);
            s.rho = r + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4);
            if noisy {
                s.rho += noise_sd * Self::normal(s);
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
        let cross = |theta: f64| if c0 > theta { (p.tau_ca * (c0 / theta).ln()).min(len) } else { 0.0 };
        let (s1, s2) = {
            let (a, b) = (cross(p.theta_p), cross(p.theta_d));
            (a.min(b), a.max(b))
        };
        let mut start = 0.0;
        for end in [s1, s2, len] {
            let l = end - start;
            if l > 0.0 {
                let c_mid = c0 * (-(start + 0.5 * l) / p.tau_ca).exp();
                let (pot, dep) = ((c_mid > p.theta_p) as u8 as f64, (c_mid > p.theta_d) as u8 as f64);
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
        s.c += p.c_pre;
        s.pending.copy_within(1.., 0);
        s.n_pending -= 1;
    }

    /// A presynaptic spike at `t` ms: schedules its calcium jump at `t + delay`.
    fn pre_event(p: &Params, s: &mut Syn, t: f64) {
        Self::advance_to(p, s, t);
        if p.c_pre > 0.0 {
            if p.delay == 0.0 {
                s.c += p.c_pre;
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

    const INFO: ModelInfo = ModelInfo {
        name: "graupner_brunel",
        kind: ModelKind::Synapse,
        summary: "Calcium-based bistable plasticity rule (Graupner & Brunel 2012): calcium thresholds for potentiation and depression, noisy bistable efficacy.",
        equations: "dc/dt = -c/tau_ca;  c += c_pre at t_pre + delay;  c += c_post at t_post
tau drho/dt = -rho (1 - rho) (rho_star - rho) + gamma_p (1 - rho) H(c - theta_p) - gamma_d rho H(c - theta_d)
              + sigma sqrt(tau) sqrt(H(c - theta_p) + H(c - theta_d)) xi(t)
transmitted efficacy w = w0 (1 + rho (b - 1))   (w0: the projection's weight, w1 = b w0)
initial rho: rho_init for a fraction beta of the synapses, 1 (UP) for the rest
calcium exact between events (closed-form threshold crossings); rho by RK4 sub-steps
(<= 1 ms above a threshold, <= 10 ms below) with Gaussian noise increments, clamped to [0, 1]",
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: &["Graupner M, Brunel N (2012) Calcium-based plasticity model explains sensitivity of synaptic changes to spike pattern, rate, and dendritic location. PNAS 109:3991-3996. doi:10.1073/pnas.1109359109"],
    };
    const SYN_VARS: &'static [StateVar] = SYN_VARS;
    const ON_POST: bool = true;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
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
        })
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    fn init(p: &Params, weight: f64) -> Result<Syn, CoreError> {
        if weight < 0.0 {
            return Err(CoreError::Inconsistent(format!("the DOWN-state weight w0 must not be negative (got {weight})")));
        }
        Ok(Syn { rho: p.rho_init, w0: weight, ..Syn::default() })
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
        assert!((s.c - c).abs() < 1e-4 * c.max(1e-3), "calcium {} vs {}", s.c, c);
        assert!((s.rho - rho).abs() < 1e-5, "rho {} vs {}", s.rho, rho);
        assert!(s.rho > 0.3, "pre-before-post at +5 ms potentiates: {}", s.rho);
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
            assert!((mean - predicted).abs() < 0.03, "dt = {dt_pair}: mean {mean} vs analytic {predicted}");
        }
    }
}
