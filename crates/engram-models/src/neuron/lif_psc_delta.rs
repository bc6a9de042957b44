//! `lif_psc_delta`: leaky integrate-and-fire neuron whose synapses make the
//! membrane potential jump (delta synapses).
//!
//! Same model and update order as NEST's `iaf_psc_delta` (the neuron of the
//! Brunel 2000 network and of the Luboeinski & Tetzlaff 2021 memory network).
//!
//! ```text
//! dV/dt = -(V - E_L)/tau_m + (I_e + I_stim)/C_m
//! V += w for each arriving spike (w in mV; excitatory w > 0, inhibitory w < 0)
//! V >= V_th  ->  spike; V = V_reset; clamped for t_ref (input arriving then is lost)
//! ```
//!
//! Per step: if not refractory, `V ← E_L + (V−E_L)·P33 + (I_e + I_stim)·P30 + input`
//! (input arriving in this step acts at once), else count down; then `V ← max(V, V_min)`
//! and the threshold test.
//!
//! | parameter | unit | default | meaning |
//! |-----------|------|---------|---------|
//! | C_m       | pF   | 250     | membrane capacitance |
//! | tau_m     | ms   | 10      | membrane time constant |
//! | t_ref     | ms   | 2       | refractory period |
//! | E_L       | mV   | -70     | resting potential |
//! | V_reset   | mV   | -70     | reset potential |
//! | V_th      | mV   | -55     | threshold |
//! | V_min     | mV   | -1e9    | lower bound of V (NEST default: none) |
//! | V_init    | mV   | -70     | initial potential |
//! | I_e       | pA   | 0       | bias current |
//!
//! References: Brunel N (2000) J Comput Neurosci 8:183, doi:10.1023/A:1008925309027;
//! NEST `iaf_psc_delta` documentation.

use engram_core::model::{InputKind, NeuronModel, StepInput};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::time::Dt;
use engram_core::units::Dimension::{Capacitance, Current, Time, Voltage};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct LifPscDelta;

/// Parameters (pF, ms, mV, pA).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub c_m: f64,
    pub tau_m: f64,
    pub t_ref: f64,
    pub e_l: f64,
    pub v_reset: f64,
    pub v_th: f64,
    pub v_min: f64,
    pub v_init: f64,
    pub i_e: f64,
}

/// Per-step constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    p33: f64,
    p30: f64,
    refractory_steps: u32,
}

/// Per-neuron state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    /// V − E_L [mV].
    pub v_rel: f64,
    /// Remaining refractory steps.
    pub refractory: u32,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "C_m", dim: Capacitance, default: 250.0, bound: Bound::Positive, doc: "membrane capacitance" },
    FieldSpec { name: "tau_m", dim: Time, default: 10.0, bound: Bound::Positive, doc: "membrane time constant" },
    FieldSpec { name: "t_ref", dim: Time, default: 2.0, bound: Bound::NonNegative, doc: "refractory period (input arriving then is lost)" },
    FieldSpec { name: "E_L", dim: Voltage, default: -70.0, bound: Bound::Any, doc: "resting potential" },
    FieldSpec { name: "V_reset", dim: Voltage, default: -70.0, bound: Bound::Any, doc: "reset potential (< V_th)" },
    FieldSpec { name: "V_th", dim: Voltage, default: -55.0, bound: Bound::Any, doc: "spike threshold" },
    FieldSpec { name: "V_min", dim: Voltage, default: -1e9, bound: Bound::Any, doc: "lower bound of the membrane potential" },
    FieldSpec { name: "V_init", dim: Voltage, default: -70.0, bound: Bound::Any, doc: "initial membrane potential" },
    FieldSpec { name: "I_e", dim: Current, default: 0.0, bound: Bound::Any, doc: "constant bias current" },
];

const STATE_VARS: &[StateVar] = &[StateVar { name: "V_m", unit: "mV", doc: "membrane potential" }];

impl NeuronModel for LifPscDelta {
    type Params = Params;
    type Derived = Derived;
    type State = State;

    const INFO: ModelInfo = ModelInfo {
        name: "lif_psc_delta",
        kind: ModelKind::Neuron,
        summary: "Leaky integrate-and-fire neuron with delta synapses: each spike makes V jump by the weight in mV (NEST iaf_psc_delta semantics).",
        equations: "dV/dt = -(V - E_L)/tau_m + (I_e + I_stim)/C_m
V += w on each arriving spike (mV)
V >= V_th: spike, V = V_reset, clamped for t_ref (input during t_ref is lost)
per step: V (exact propagator) + input of this step -> V = max(V, V_min) -> threshold",
        fields: FIELDS,
        state_vars: STATE_VARS,
        references: &[
            "Brunel N (2000) Dynamics of sparsely connected networks of excitatory and inhibitory spiking neurons. J Comput Neurosci 8:183-208. doi:10.1023/A:1008925309027",
            "NEST iaf_psc_delta model documentation (nest-simulator 3.10)",
        ],
    };
    const INPUT: InputKind = InputKind::Voltage;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            c_m: v.get("C_m"),
            tau_m: v.get("tau_m"),
            t_ref: v.get("t_ref"),
            e_l: v.get("E_L"),
            v_reset: v.get("V_reset"),
            v_th: v.get("V_th"),
            v_min: v.get("V_min"),
            v_init: v.get("V_init"),
            i_e: v.get("I_e"),
        };
        super::check_reset_below_threshold(p.v_reset, p.v_th)?;
        Ok(p)
    }

    fn derive(p: &Params, dt: Dt) -> Derived {
        let h = dt.ms();
        let p33 = (-h / p.tau_m).exp();
        Derived { p33, p30: p.tau_m / p.c_m * (1.0 - p33), refractory_steps: (p.t_ref / h).round() as u32 }
    }

    fn init(p: &Params) -> State {
        State { v_rel: p.v_init - p.e_l, refractory: 0 }
    }

    #[inline]
    fn update(p: &Params, d: &Derived, s: &mut State, input: &StepInput) -> bool {
        if s.refractory == 0 {
            s.v_rel = s.v_rel * d.p33 + (p.i_e + input.current) * d.p30 + input.exc + input.inh;
        } else {
            s.refractory -= 1;
        }
        s.v_rel = s.v_rel.max(p.v_min - p.e_l);
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

    fn read(p: &Params, s: &State, _: usize) -> f64 {
        s.v_rel + p.e_l
    }

    fn is_quiescent(p: &Params, d: &Derived, s: &State) -> bool {
        // V relaxes monotonically toward v_inf: it stays below threshold if both are.
        let v_inf = p.i_e * d.p30 / (1.0 - d.p33);
        let theta = p.v_th - p.e_l;
        s.refractory == 0 && s.v_rel < theta && v_inf < theta
    }

    fn fast_forward(p: &Params, d: &Derived, s: &mut State, n: u64, dt: Dt) {
        let v_inf = p.i_e * d.p30 / (1.0 - d.p33);
        s.v_rel = v_inf + (s.v_rel - v_inf) * (-(n as f64) * dt.ms() / p.tau_m).exp();
        s.v_rel = s.v_rel.max(p.v_min - p.e_l);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jumps_then_relaxes_exactly() {
        let p = LifPscDelta::params(&LifPscDelta::INFO.defaults()).unwrap();
        let d = LifPscDelta::derive(&p, Dt::from_ms(0.1).unwrap());
        let mut s = LifPscDelta::init(&p);
        LifPscDelta::update(&p, &d, &mut s, &StepInput { exc: 5.0, ..Default::default() });
        assert_eq!(s.v_rel, 5.0);
        for _ in 0..100 {
            LifPscDelta::update(&p, &d, &mut s, &StepInput::default());
        }
        assert!((s.v_rel - 5.0 * (-10.0f64 / 10.0).exp()).abs() < 1e-12);
    }
}
