//! `adex`: adaptive exponential integrate-and-fire neuron with conductance synapses.
//!
//! Brette & Gerstner (2005); parameters and synapses as NEST's `aeif_cond_exp`.
//!
//! ```text
//! C_m dV/dt  = -g_L (V - E_L) + g_L Delta_T exp((V - V_T)/Delta_T) - w
//!              - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
//! tau_w dw/dt = a (V - E_L) - w
//! dg_ex/dt = -g_ex/tau_syn_ex ,  dg_in/dt = -g_in/tau_syn_in   (jumps by w_syn in nS)
//! V >= V_peak -> spike; V = V_reset; w += b; V clamped for t_ref
//! ```
//!
//! Integration: (V, w) by the explicit midpoint method (RK2) on `n_sub` equal
//! sub-steps of `dt` (ten times more once V is within 2·Delta_T of V_T), conductances replaced by their exact mean over the step
//! and then decayed exactly. The exponential's argument is capped at
//! `(V_peak − V_T)/Delta_T + 1` so that the upswing cannot overflow.
//!
//! | parameter  | unit | default | meaning |
//! |------------|------|---------|---------|
//! | C_m        | pF   | 281     | membrane capacitance |
//! | g_L        | nS   | 30      | leak conductance |
//! | E_L        | mV   | -70.6   | leak reversal |
//! | V_T        | mV   | -50.4   | exponential threshold |
//! | Delta_T    | mV   | 2       | slope factor |
//! | V_peak     | mV   | 0       | spike detection |
//! | V_reset    | mV   | -60     | reset |
//! | t_ref      | ms   | 0       | refractory period |
//! | a          | nS   | 4       | subthreshold adaptation |
//! | b          | pA   | 80.5    | spike-triggered adaptation |
//! | tau_w      | ms   | 144     | adaptation time constant |
//! | E_ex, E_in | mV   | 0, -85  | synaptic reversals |
//! | tau_syn_ex, tau_syn_in | ms | 0.2, 2 | synaptic time constants |
//! | I_e        | pA   | 0       | bias current |
//! | n_sub      | 1    | 4       | RK2 sub-steps per dt |
//!
//! Reference: Brette R, Gerstner W (2005) J Neurophysiol 94:3637, doi:10.1152/jn.00686.2005.

use engram_core::model::{InputKind, NeuronModel, StepInput};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::time::Dt;
use engram_core::units::Dimension::{Capacitance, Conductance, Current, Dimensionless, Time, Voltage};
use engram_core::CoreError;

use super::step_mean;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct Adex;

/// Parameters.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub c_m: f64,
    pub g_l: f64,
    pub e_l: f64,
    pub v_t: f64,
    pub delta_t: f64,
    pub v_peak: f64,
    pub v_reset: f64,
    pub t_ref: f64,
    pub a: f64,
    pub b: f64,
    pub tau_w: f64,
    pub e_ex: f64,
    pub e_in: f64,
    pub tau_syn_ex: f64,
    pub tau_syn_in: f64,
    pub i_e: f64,
    pub v_init: f64,
    pub n_sub: u32,
}

/// Per-step constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    decay_ex: f64,
    decay_in: f64,
    mean_ex: f64,
    mean_in: f64,
    h_sub: f64,
    exp_cap: f64,
    refractory_steps: u32,
}

/// Per-neuron state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    /// Membrane potential [mV].
    pub v: f64,
    /// Adaptation current [pA].
    pub w: f64,
    /// Excitatory conductance [nS].
    pub g_ex: f64,
    /// Inhibitory conductance [nS].
    pub g_in: f64,
    /// Remaining refractory steps.
    pub refractory: u32,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "C_m", dim: Capacitance, default: 281.0, bound: Bound::Positive, doc: "membrane capacitance" },
    FieldSpec { name: "g_L", dim: Conductance, default: 30.0, bound: Bound::Positive, doc: "leak conductance" },
    FieldSpec { name: "E_L", dim: Voltage, default: -70.6, bound: Bound::Any, doc: "leak reversal potential" },
    FieldSpec { name: "V_T", dim: Voltage, default: -50.4, bound: Bound::Any, doc: "exponential threshold" },
    FieldSpec { name: "Delta_T", dim: Voltage, default: 2.0, bound: Bound::Positive, doc: "slope factor" },
    FieldSpec { name: "V_peak", dim: Voltage, default: 0.0, bound: Bound::Any, doc: "spike detection threshold (> V_T)" },
    FieldSpec { name: "V_reset", dim: Voltage, default: -60.0, bound: Bound::Any, doc: "reset potential (< V_peak)" },
    FieldSpec { name: "t_ref", dim: Time, default: 0.0, bound: Bound::NonNegative, doc: "refractory period" },
    FieldSpec { name: "a", dim: Conductance, default: 4.0, bound: Bound::Any, doc: "subthreshold adaptation" },
    FieldSpec { name: "b", dim: Current, default: 80.5, bound: Bound::Any, doc: "spike-triggered adaptation increment" },
    FieldSpec { name: "tau_w", dim: Time, default: 144.0, bound: Bound::Positive, doc: "adaptation time constant" },
    FieldSpec { name: "E_ex", dim: Voltage, default: 0.0, bound: Bound::Any, doc: "excitatory reversal potential" },
    FieldSpec { name: "E_in", dim: Voltage, default: -85.0, bound: Bound::Any, doc: "inhibitory reversal potential" },
    FieldSpec { name: "tau_syn_ex", dim: Time, default: 0.2, bound: Bound::Positive, doc: "excitatory conductance time constant" },
    FieldSpec { name: "tau_syn_in", dim: Time, default: 2.0, bound: Bound::Positive, doc: "inhibitory conductance time constant" },
    FieldSpec { name: "I_e", dim: Current, default: 0.0, bound: Bound::Any, doc: "constant bias current" },
    FieldSpec { name: "V_init", dim: Voltage, default: -70.6, bound: Bound::Any, doc: "initial membrane potential" },
    FieldSpec { name: "n_sub", dim: Dimensionless, default: 4.0, bound: Bound::Closed(1.0, 100.0), doc: "RK2 sub-steps per dt (integer)" },
];

const STATE_VARS: &[StateVar] = &[
    StateVar { name: "V_m", unit: "mV", doc: "membrane potential" },
    StateVar { name: "w", unit: "pA", doc: "adaptation current" },
    StateVar { name: "g_ex", unit: "nS", doc: "excitatory conductance" },
    StateVar { name: "g_in", unit: "nS", doc: "inhibitory conductance" },
];


impl Adex {
    #[inline]
    fn rhs(p: &Params, d: &Derived, v: f64, w: f64, g_ex: f64, g_in: f64, i: f64) -> (f64, f64) {
        let arg = ((v - p.v_t) / p.delta_t).min(d.exp_cap);
        let dv = (-p.g_l * (v - p.e_l) + p.g_l * p.delta_t * arg.exp() - w - g_ex * (v - p.e_ex)
            - g_in * (v - p.e_in)
            + i)
            / p.c_m;
        let dw = (p.a * (v - p.e_l) - w) / p.tau_w;
        (dv, dw)
    }
}

impl NeuronModel for Adex {
    type Params = Params;
    type Derived = Derived;
    type State = State;

    const INFO: ModelInfo = ModelInfo {
        name: "adex",
        kind: ModelKind::Neuron,
        summary: "Adaptive exponential integrate-and-fire neuron with exponential conductance synapses (Brette & Gerstner 2005; NEST aeif_cond_exp parameters).",
        equations: "C_m dV/dt   = -g_L (V - E_L) + g_L Delta_T exp((V - V_T)/Delta_T) - w - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
tau_w dw/dt = a (V - E_L) - w
dg_ex/dt = -g_ex/tau_syn_ex,  dg_in/dt = -g_in/tau_syn_in   (jumps by the weight, nS)
V >= V_peak: spike, V = V_reset, w += b, clamped for t_ref
per step: (V, w) by RK2 on n_sub sub-steps with step-averaged conductances -> conductances decay + input -> threshold",
        fields: FIELDS,
        state_vars: STATE_VARS,
        references: &[
            "Brette R, Gerstner W (2005) Adaptive exponential integrate-and-fire model as an effective description of neuronal activity. J Neurophysiol 94:3637-3642. doi:10.1152/jn.00686.2005",
            "NEST aeif_cond_exp model documentation (defaults)",
        ],
    };
    const INPUT: InputKind = InputKind::Conductance;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            c_m: v.get("C_m"),
            g_l: v.get("g_L"),
            e_l: v.get("E_L"),
            v_t: v.get("V_T"),
            delta_t: v.get("Delta_T"),
            v_peak: v.get("V_peak"),
            v_reset: v.get("V_reset"),
            t_ref: v.get("t_ref"),
            a: v.get("a"),
            b: v.get("b"),
            tau_w: v.get("tau_w"),
            e_ex: v.get("E_ex"),
            e_in: v.get("E_in"),
            tau_syn_ex: v.get("tau_syn_ex"),
            tau_syn_in: v.get("tau_syn_in"),
            i_e: v.get("I_e"),
            v_init: v.get("V_init"),
            n_sub: v.get("n_sub").round() as u32,
        };
        if p.v_peak <= p.v_t || p.v_reset >= p.v_peak {
            return Err(CoreError::Inconsistent(format!(
                "need V_T ({}) < V_peak ({}) and V_reset ({}) < V_peak",
                p.v_t, p.v_peak, p.v_reset
            )));
        }
        Ok(p)
    }

    fn derive(p: &Params, dt: Dt) -> Derived {
        let h = dt.ms();
        Derived {
            decay_ex: (-h / p.tau_syn_ex).exp(),
            decay_in: (-h / p.tau_syn_in).exp(),
            mean_ex: step_mean(h, p.tau_syn_ex),
            mean_in: step_mean(h, p.tau_syn_in),
            h_sub: h / p.n_sub as f64,
            exp_cap: (p.v_peak - p.v_t) / p.delta_t + 1.0,
            refractory_steps: (p.t_ref / h).round() as u32,
        }
    }

    fn init(p: &Params) -> State {
        State { v: p.v_init, ..State::default() }
    }

    #[inline]
    fn update(p: &Params, d: &Derived, s: &mut State, input: &StepInput) -> bool {
        let mut spiked = false;
        if s.refractory == 0 {
            let (g_ex, g_in) = (s.g_ex * d.mean_ex, s.g_in * d.mean_in);
            let i = p.i_e + input.current;
            // Near and above V_T the exponential upswing is fast: refine tenfold there.
            let upswing = s.v > p.v_t - 2.0 * p.delta_t;
            let (n, h) = if upswing { (p.n_sub * 10, d.h_sub * 0.1) } else { (p.n_sub, d.h_sub) };
            for _ in 0..n {
                let (k1v, k1w) = Self::rhs(p, d, s.v, s.w, g_ex, g_in, i);
                let (k2v, k2w) = Self::rhs(p, d, s.v + 0.5 * h * k1v, s.w + 0.5 * h * k1w, g_ex, g_in, i);
                s.v += h * k2v;
                s.w += h * k2w;
                if s.v >= p.v_peak {
                    spiked = true;
                    break;
                }
            }
        } else {
            s.refractory -= 1;
            // V is clamped; w keeps relaxing (one Euler step over dt).
            s.w += d.h_sub * p.n_sub as f64 * (p.a * (s.v - p.e_l) - s.w) / p.tau_w;
        }
        s.g_ex = s.g_ex * d.decay_ex + input.exc;
        s.g_in = s.g_in * d.decay_in + input.inh;
        if spiked {
            Self::impose_spike(p, d, s);
        }
        spiked
    }

    fn impose_spike(p: &Params, d: &Derived, s: &mut State) {
        s.v = p.v_reset;
        s.w += p.b;
        s.refractory = d.refractory_steps;
    }

    fn read(_: &Params, s: &State, var: usize) -> f64 {
        match var {
            1 => s.w,
            2 => s.g_ex,
            3 => s.g_in,
            _ => s.v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_spikes(i_e: f64, dt: f64, t_ms: f64) -> usize {
        count_spikes_sub(i_e, dt, t_ms, 4.0)
    }

    fn count_spikes_sub(i_e: f64, dt: f64, t_ms: f64, n_sub: f64) -> usize {
        let v = Adex::INFO.resolve([("I_e", i_e), ("n_sub", n_sub)]).unwrap();
        let p = Adex::params(&v).unwrap();
        let d = Adex::derive(&p, Dt::from_ms(dt).unwrap());
        let mut s = Adex::init(&p);
        (0..(t_ms / dt).round() as usize).filter(|_| Adex::update(&p, &d, &mut s, &StepInput::default())).count()
    }

    #[test]
    fn quiet_below_rheobase_and_adapting_above() {
        assert_eq!(count_spikes(0.0, 0.1, 500.0), 0);
        let n = count_spikes(800.0, 0.1, 1000.0);
        assert!(n > 5, "{n} spikes");
        // adaptation: the first 100 ms hold more than a tenth of all spikes in 1 s
        assert!(count_spikes(800.0, 0.1, 100.0) * 10 > n);
        assert_eq!(count_spikes_sub(800.0, 0.1, 1000.0, 4.0), count_spikes_sub(800.0, 0.1, 1000.0, 100.0));
        // converged in dt: 0.1 ms and 0.025 ms agree within 5 %
        let fine = count_spikes(800.0, 0.025, 1000.0);
        assert!((n as f64 - fine as f64).abs() <= 0.05 * fine as f64 + 1.0, "{n} vs {fine}");
    }
}
