//! `lif_psc_exp`: leaky integrate-and-fire neuron with exponential current synapses.
//!
//! Same model and update order as NEST's `iaf_psc_exp`, so that identical input
//! gives identical spike times (checked against NEST output in
//! `validation/data/iaf_psc_exp_*.json`).
//!
//! ```text
//! dV/dt     = -(V - E_L)/tau_m + (I_ex + I_in + I_e + I_stim)/C_m
//! dI_ex/dt  = -I_ex/tau_syn_ex          I_ex += w  for each arriving spike with w > 0
//! dI_in/dt  = -I_in/tau_syn_in          I_in += w  for each arriving spike with w < 0
//! V >= V_th  ->  spike; V = V_reset; V clamped for t_ref
//! ```
//!
//! The linear system is integrated exactly (Rotter & Diesmann 1999). Per step:
//! 1. if not refractory, `V ← E_L + (V−E_L)·P22 + I_ex·P21ex + I_in·P21in + (I_e + I_stim)·P20`,
//!    else count down the refractory period;
//! 2. `I_ex ← I_ex·P11ex + input.exc`, `I_in ← I_in·P11in + input.inh`
//!    (input arriving in this step acts on V from the next step on);
//! 3. if `V ≥ V_th`: spike, `V ← V_reset`, refractory for `t_ref`.
//!
//! | parameter  | unit | default | meaning |
//! |------------|------|---------|---------|
//! | C_m        | pF   | 250     | membrane capacitance |
//! | tau_m      | ms   | 10      | membrane time constant |
//! | tau_syn_ex | ms   | 2       | excitatory synaptic time constant |
//! | tau_syn_in | ms   | 2       | inhibitory synaptic time constant |
//! | t_ref      | ms   | 2       | absolute refractory period |
//! | E_L        | mV   | -70     | resting potential |
//! | V_reset    | mV   | -70     | reset potential |
//! | V_th       | mV   | -55     | spike threshold |
//! | V_init     | mV   | -70     | initial membrane potential |
//! | I_e        | pA   | 0       | constant bias current |
//!
//! References: Rotter & Diesmann (1999) Biol Cybern 81:381, doi:10.1007/s004220050570;
//! Tsodyks, Uziel & Markram (2000) J Neurosci 20:RC50; NEST `iaf_psc_exp` documentation.

use engram_core::model::{InputKind, NeuronModel, StepInput};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::time::Dt;
use engram_core::units::Dimension::{Capacitance, Current, Time, Voltage};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct LifPscExp;

/// Parameters (canonical units: pF, ms, mV, pA).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Membrane capacitance [pF].
    pub c_m: f64,
    /// Membrane time constant [ms].
    pub tau_m: f64,
    /// Excitatory synaptic time constant [ms].
    pub tau_syn_ex: f64,
    /// Inhibitory synaptic time constant [ms].
    pub tau_syn_in: f64,
    /// Refractory period [ms].
    pub t_ref: f64,
    /// Resting potential [mV].
    pub e_l: f64,
    /// Reset potential [mV].
    pub v_reset: f64,
    /// Threshold [mV].
    pub v_th: f64,
    /// Initial potential [mV].
    pub v_init: f64,
    /// Bias current [pA].
    pub i_e: f64,
}

/// Exact propagators for one step.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    p11_ex: f64,
    p11_in: f64,
    p22: f64,
    p21_ex: f64,
    p21_in: f64,
    p20: f64,
    refractory_steps: u32,
}

/// Per-neuron state. `v` is relative to `E_L`, as in NEST.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    /// Membrane potential minus E_L [mV].
    pub v_rel: f64,
    /// Excitatory synaptic current [pA].
    pub i_ex: f64,
    /// Inhibitory synaptic current [pA].
    pub i_in: f64,
    /// Remaining refractory steps.
    pub refractory: u32,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "C_m", dim: Capacitance, default: 250.0, bound: Bound::Positive, doc: "membrane capacitance" },
    FieldSpec { name: "tau_m", dim: Time, default: 10.0, bound: Bound::Positive, doc: "membrane time constant" },
    FieldSpec { name: "tau_syn_ex", dim: Time, default: 2.0, bound: Bound::Positive, doc: "excitatory synaptic time constant" },
    FieldSpec { name: "tau_syn_in", dim: Time, default: 2.0, bound: Bound::Positive, doc: "inhibitory synaptic time constant" },
    FieldSpec { name: "t_ref", dim: Time, default: 2.0, bound: Bound::NonNegative, doc: "absolute refractory period" },
    FieldSpec { name: "E_L", dim: Voltage, default: -70.0, bound: Bound::Any, doc: "resting potential" },
    FieldSpec { name: "V_reset", dim: Voltage, default: -70.0, bound: Bound::Any, doc: "reset potential (< V_th)" },
    FieldSpec { name: "V_th", dim: Voltage, default: -55.0, bound: Bound::Any, doc: "spike threshold" },
    FieldSpec { name: "V_init", dim: Voltage, default: -70.0, bound: Bound::Any, doc: "initial membrane potential" },
    FieldSpec { name: "I_e", dim: Current, default: 0.0, bound: Bound::Any, doc: "constant bias current" },
];

const STATE_VARS: &[StateVar] = &[
    StateVar { name: "V_m", unit: "mV", doc: "membrane potential" },
    StateVar { name: "I_syn_ex", unit: "pA", doc: "excitatory synaptic current" },
    StateVar { name: "I_syn_in", unit: "pA", doc: "inhibitory synaptic current" },
];

/// NEST's `IAFPropagatorExp`: the I_syn → V propagator, with the limit form when
/// `tau_syn` is (numerically) equal to `tau_m`.
pub(crate) fn propagator_exp(tau_syn: f64, tau_m: f64, c_m: f64, h: f64) -> f64 {
    let beta = tau_syn * tau_m / (tau_m - tau_syn);
    let gamma = beta / c_m;
    let inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m);
    let p32 = gamma * (-h / tau_syn).exp() * (h * inv_beta).exp_m1();
    if p32.is_finite() && p32.abs() >= f64::MIN_POSITIVE && p32 > 0.0 {
        p32
    } else {
        h / c_m * (-h / tau_m).exp()
    }
}

impl NeuronModel for LifPscExp {
    type Params = Params;
    type Derived = Derived;
    type State = State;

    const INFO: ModelInfo = ModelInfo {
        name: "lif_psc_exp",
        kind: ModelKind::Neuron,
        summary: "Leaky integrate-and-fire neuron with exponential current synapses (NEST iaf_psc_exp semantics), integrated exactly.",
        equations: "dV/dt    = -(V - E_L)/tau_m + (I_ex + I_in + I_e + I_stim)/C_m
dI_ex/dt = -I_ex/tau_syn_ex     I_ex += w on each spike with w > 0 (pA)
dI_in/dt = -I_in/tau_syn_in     I_in += w on each spike with w < 0 (pA)
V >= V_th: spike, V = V_reset, clamped for t_ref
per step: V (exact propagator, old currents) -> currents decay + new input -> threshold",
        fields: FIELDS,
        state_vars: STATE_VARS,
        references: &[
            "Rotter S, Diesmann M (1999) Exact digital simulation of time-invariant linear systems with applications to neuronal modeling. Biol Cybern 81:381-402. doi:10.1007/s004220050570",
            "Tsodyks M, Uziel A, Markram H (2000) Synchrony generation in recurrent networks with frequency-dependent synapses. J Neurosci 20:RC50",
            "NEST iaf_psc_exp model documentation (nest-simulator 3.10)",
        ],
    };
    const INPUT: InputKind = InputKind::Current;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            c_m: v.get("C_m"),
            tau_m: v.get("tau_m"),
            tau_syn_ex: v.get("tau_syn_ex"),
            tau_syn_in: v.get("tau_syn_in"),
            t_ref: v.get("t_ref"),
            e_l: v.get("E_L"),
            v_reset: v.get("V_reset"),
            v_th: v.get("V_th"),
            v_init: v.get("V_init"),
            i_e: v.get("I_e"),
        };
        super::check_reset_below_threshold(p.v_reset, p.v_th)?;
        Ok(p)
    }

    fn derive(p: &Params, dt: Dt) -> Derived {
        let h = dt.ms();
        let p22 = (-h / p.tau_m).exp();
        Derived {
            p11_ex: (-h / p.tau_syn_ex).exp(),
            p11_in: (-h / p.tau_syn_in).exp(),
            p22,
            p21_ex: propagator_exp(p.tau_syn_ex, p.tau_m, p.c_m, h),
            p21_in: propagator_exp(p.tau_syn_in, p.tau_m, p.c_m, h),
            p20: p.tau_m / p.c_m * (1.0 - p22),
            refractory_steps: (p.t_ref / h).round() as u32,
        }
    }

    fn init(p: &Params) -> State {
        State { v_rel: p.v_init - p.e_l, ..State::default() }
    }

    #[inline]
    fn update(p: &Params, d: &Derived, s: &mut State, input: &StepInput) -> bool {
        if s.refractory == 0 {
            s.v_rel = s.v_rel * d.p22 + s.i_ex * d.p21_ex + s.i_in * d.p21_in + (p.i_e + input.current) * d.p20;
        } else {
            s.refractory -= 1;
        }
        s.i_ex = s.i_ex * d.p11_ex + input.exc;
        s.i_in = s.i_in * d.p11_in + input.inh;
        if s.v_rel >= p.v_th - p.e_l {
            Self::impose_spike(p, d, s);
            true
        } else {
            false
        }
    }

    fn impose_spike(p: &Params, d: &Derived, s: &mut State) {
        s.refractory = d.refractory_steps;
        s.v_rel = p.v_reset - p.e_l;
    }

    fn read(p: &Params, s: &State, var: usize) -> f64 {
        match var {
            1 => s.i_ex,
            2 => s.i_in,
            _ => s.v_rel + p.e_l,
        }
    }

    fn is_quiescent(p: &Params, d: &Derived, s: &State) -> bool {
        let v_inf = p.i_e * d.p20 / (1.0 - d.p22);
        let theta = p.v_th - p.e_l;
        // Residual synaptic currents must be negligible (below 1 fA).
        s.refractory == 0 && s.i_ex.abs() + s.i_in.abs() < 1e-3 && s.v_rel + 1e-3 < theta && v_inf + 1e-3 < theta
    }

    fn fast_forward(p: &Params, _d: &Derived, s: &mut State, n: u64, dt: Dt) {
        // Exact solution over t = n·dt: leak relaxation plus the decaying currents.
        let t = n as f64 * dt.ms();
        let v_inf = p.i_e * p.tau_m / p.c_m;
        s.v_rel = v_inf
            + (s.v_rel - v_inf) * (-t / p.tau_m).exp()
            + s.i_ex * propagator_exp(p.tau_syn_ex, p.tau_m, p.c_m, t)
            + s.i_in * propagator_exp(p.tau_syn_in, p.tau_m, p.c_m, t);
        s.i_ex *= (-t / p.tau_syn_ex).exp();
        s.i_in *= (-t / p.tau_syn_in).exp();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Params, Derived) {
        let p = LifPscExp::params(&LifPscExp::INFO.defaults()).unwrap();
        let d = LifPscExp::derive(&p, Dt::from_ms(0.1).unwrap());
        (p, d)
    }

    /// Subthreshold response to a constant current against the closed form
    /// V(t) = E_L + R·I·(1 − exp(−t/τ_m)).
    #[test]
    fn constant_current_matches_closed_form() {
        let (p, d) = setup();
        let mut s = LifPscExp::init(&p);
        let i = 100.0; // pA, below rheobase 375 pA
        for _ in 0..500 {
            assert!(!LifPscExp::update(&p, &d, &mut s, &StepInput { current: i, ..Default::default() }));
        }
        let t = 50.0;
        let expected = p.tau_m / p.c_m * i * (1.0 - (-t / p.tau_m).exp());
        assert!((s.v_rel - expected).abs() < 1e-12, "{} vs {}", s.v_rel, expected);
    }

    /// A single current jump decays exactly: I(t) = w exp(−t/τ_syn).
    #[test]
    fn synaptic_current_decays_exactly() {
        let (p, d) = setup();
        let mut s = LifPscExp::init(&p);
        LifPscExp::update(&p, &d, &mut s, &StepInput { exc: 50.0, inh: -20.0, current: 0.0 });
        for _ in 0..100 {
            LifPscExp::update(&p, &d, &mut s, &StepInput::default());
        }
        assert!((s.i_ex - 50.0 * (-10.0 / p.tau_syn_ex).exp()).abs() < 1e-12);
        assert!((s.i_in + 20.0 * (-10.0 / p.tau_syn_in).exp()).abs() < 1e-12);
    }

    #[test]
    fn equal_time_constants_use_the_limit_propagator() {
        let h = 0.1;
        let limit = propagator_exp(10.0, 10.0, 250.0, h);
        assert!((limit - h / 250.0 * (-h / 10.0f64).exp()).abs() < 1e-15);
        let near = propagator_exp(10.0 + 1e-6, 10.0, 250.0, h);
        assert!((near - limit).abs() / limit < 1e-5);
    }

    /// Fast-forwarding n steps equals stepping n times.
    #[test]
    fn fast_forward_equals_stepping() {
        let (p, d) = setup();
        let mut a = State { v_rel: 3.0, i_ex: 40.0, i_in: -10.0, refractory: 0 };
        let mut b = a;
        for _ in 0..1234 {
            LifPscExp::update(&p, &d, &mut a, &StepInput::default());
        }
        LifPscExp::fast_forward(&p, &d, &mut b, 1234, Dt::from_ms(0.1).unwrap());
        assert!((a.v_rel - b.v_rel).abs() < 1e-9 && (a.i_ex - b.i_ex).abs() < 1e-9, "{a:?} {b:?}");
    }

    #[test]
    fn reset_must_be_below_threshold() {
        let v = LifPscExp::INFO.resolve([("V_reset", -50.0)]).unwrap();
        assert!(LifPscExp::params(&v).is_err());
    }
}
