//! `lif_cond_exp`: leaky integrate-and-fire neuron with exponential conductance synapses.
//!
//! The model of the Vogels & Abbott (2005) / Brette et al. (2007) COBA benchmark
//! and of NEST's `iaf_cond_exp`.
//!
//! ```text
//! C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
//! dg_ex/dt  = -g_ex/tau_syn_ex        g_ex += w on each excitatory spike (nS)
//! dg_in/dt  = -g_in/tau_syn_in        g_in += w on each inhibitory spike (nS)
//! V >= V_th  ->  spike; V = V_reset; V clamped for t_ref
//! ```
//!
//! Integration: the conductances decay exactly. Over one step V is linear with
//! constant coefficients once each conductance is replaced by its exact mean over
//! the step (`g·τ/h·(1 − e^(−h/τ))`), so V is advanced by the exact exponential
//! solution of that linear equation (exponential Euler with step-averaged
//! conductances; error O(h²) in the conductance change, no stiffness limit).
//! Its `exp` is `crate::math::exp` (within 0.51 ulp of the exact value; at most
//! 1 ulp from the library `exp`), which vectorises.
//! Order per step: V (old conductances) → conductances decay + new input → threshold,
//! the same order as `lif_psc_exp`.
//!
//! | parameter  | unit | default | meaning |
//! |------------|------|---------|---------|
//! | C_m        | pF   | 250     | membrane capacitance |
//! | g_L        | nS   | 16.6667 | leak conductance |
//! | E_L        | mV   | -70     | leak reversal potential |
//! | E_ex       | mV   | 0       | excitatory reversal potential |
//! | E_in       | mV   | -85     | inhibitory reversal potential |
//! | tau_syn_ex | ms   | 0.2     | excitatory conductance time constant |
//! | tau_syn_in | ms   | 2       | inhibitory conductance time constant |
//! | t_ref      | ms   | 2       | refractory period |
//! | V_reset    | mV   | -60     | reset potential |
//! | V_th       | mV   | -55     | threshold |
//! | V_init     | mV   | -70     | initial potential |
//! | I_e        | pA   | 0       | bias current |
//!
//! References: Vogels TP, Abbott LF (2005) J Neurosci 25:10786, doi:10.1523/JNEUROSCI.3508-05.2005;
//! Brette R et al. (2007) J Comput Neurosci 23:349, doi:10.1007/s10827-007-0038-6;
//! NEST `iaf_cond_exp` documentation (defaults).

use engram_core::model::{InputKind, NeuronModel, StepInput};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::time::Dt;
use engram_core::units::Dimension::{Capacitance, Conductance, Current, Time, Voltage};
use engram_core::CoreError;

use super::step_mean;
use crate::math;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct LifCondExp;

/// Parameters (pF, nS, mV, ms, pA).
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Membrane capacitance [pF].
    pub c_m: f64,
    /// Leak conductance [nS].
    pub g_l: f64,
    /// Leak reversal [mV].
    pub e_l: f64,
    /// Excitatory reversal [mV].
    pub e_ex: f64,
    /// Inhibitory reversal [mV].
    pub e_in: f64,
    /// Excitatory time constant [ms].
    pub tau_syn_ex: f64,
    /// Inhibitory time constant [ms].
    pub tau_syn_in: f64,
    /// Refractory period [ms].
    pub t_ref: f64,
    /// Reset [mV].
    pub v_reset: f64,
    /// Threshold [mV].
    pub v_th: f64,
    /// Initial potential [mV].
    pub v_init: f64,
    /// Bias current [pA].
    pub i_e: f64,
}

/// Per-step constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    decay_ex: f64,
    decay_in: f64,
    /// Mean of a unit exponential over one step (τ/h·(1 − e^(−h/τ))).
    mean_ex: f64,
    mean_in: f64,
    h_over_c: f64,
    refractory_steps: u32,
}

/// Per-neuron state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    /// Membrane potential [mV].
    pub v: f64,
    /// Excitatory conductance [nS].
    pub g_ex: f64,
    /// Inhibitory conductance [nS].
    pub g_in: f64,
    /// Remaining refractory steps.
    pub refractory: u32,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "C_m", dim: Capacitance, default: 250.0, bound: Bound::Positive, doc: "membrane capacitance" },
    FieldSpec { name: "g_L", dim: Conductance, default: 16.6667, bound: Bound::Positive, doc: "leak conductance" },
    FieldSpec { name: "E_L", dim: Voltage, default: -70.0, bound: Bound::Any, doc: "leak reversal potential" },
    FieldSpec { name: "E_ex", dim: Voltage, default: 0.0, bound: Bound::Any, doc: "excitatory reversal potential" },
    FieldSpec { name: "E_in", dim: Voltage, default: -85.0, bound: Bound::Any, doc: "inhibitory reversal potential" },
    FieldSpec { name: "tau_syn_ex", dim: Time, default: 0.2, bound: Bound::Positive, doc: "excitatory conductance time constant" },
    FieldSpec { name: "tau_syn_in", dim: Time, default: 2.0, bound: Bound::Positive, doc: "inhibitory conductance time constant" },
    FieldSpec { name: "t_ref", dim: Time, default: 2.0, bound: Bound::NonNegative, doc: "refractory period (V clamped at V_reset)" },
    FieldSpec { name: "V_reset", dim: Voltage, default: -60.0, bound: Bound::Any, doc: "reset potential (< V_th)" },
    FieldSpec { name: "V_th", dim: Voltage, default: -55.0, bound: Bound::Any, doc: "spike threshold" },
    FieldSpec { name: "V_init", dim: Voltage, default: -70.0, bound: Bound::Any, doc: "initial membrane potential" },
    FieldSpec { name: "I_e", dim: Current, default: 0.0, bound: Bound::Any, doc: "constant bias current" },
];

const STATE_VARS: &[StateVar] = &[
    StateVar { name: "V_m", unit: "mV", doc: "membrane potential" },
    StateVar { name: "g_ex", unit: "nS", doc: "excitatory conductance" },
    StateVar { name: "g_in", unit: "nS", doc: "inhibitory conductance" },
];

/// Neurons per batch in `update_block` (the batch's scratch arrays stay in L1).
const BATCH: usize = 64;

impl NeuronModel for LifCondExp {
    type Params = Params;
    type Derived = Derived;
    type State = State;

    const INFO: ModelInfo = ModelInfo {
        name: "lif_cond_exp",
        kind: ModelKind::Neuron,
        summary: "Leaky integrate-and-fire neuron with exponential conductance synapses (the COBA benchmark neuron; NEST iaf_cond_exp).",
        equations: "C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
dg_ex/dt  = -g_ex/tau_syn_ex     g_ex += w on each excitatory spike (nS)
dg_in/dt  = -g_in/tau_syn_in     g_in += w on each inhibitory spike (nS)
V >= V_th: spike, V = V_reset, clamped for t_ref
per step: V by exponential Euler with step-averaged conductances -> conductances decay + new input -> threshold",
        fields: FIELDS,
        state_vars: STATE_VARS,
        references: &[
            "Vogels TP, Abbott LF (2005) Signal propagation and logic gating in networks of integrate-and-fire neurons. J Neurosci 25:10786-10795. doi:10.1523/JNEUROSCI.3508-05.2005",
            "Brette R et al. (2007) Simulation of networks of spiking neurons: a review of tools and strategies. J Comput Neurosci 23:349-398. doi:10.1007/s10827-007-0038-6",
            "NEST iaf_cond_exp model documentation (defaults)",
        ],
    };
    const INPUT: InputKind = InputKind::Conductance;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            c_m: v.get("C_m"),
            g_l: v.get("g_L"),
            e_l: v.get("E_L"),
            e_ex: v.get("E_ex"),
            e_in: v.get("E_in"),
            tau_syn_ex: v.get("tau_syn_ex"),
            tau_syn_in: v.get("tau_syn_in"),
            t_ref: v.get("t_ref"),
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
        Derived {
            decay_ex: (-h / p.tau_syn_ex).exp(),
            decay_in: (-h / p.tau_syn_in).exp(),
            mean_ex: step_mean(h, p.tau_syn_ex),
            mean_in: step_mean(h, p.tau_syn_in),
            h_over_c: h / p.c_m,
            refractory_steps: (p.t_ref / h).round() as u32,
        }
    }

    fn init(p: &Params) -> State {
        State { v: p.v_init, ..State::default() }
    }

    #[inline]
    fn update(p: &Params, d: &Derived, s: &mut State, input: &StepInput) -> bool {
        if s.refractory == 0 {
            let g_ex = s.g_ex * d.mean_ex;
            let g_in = s.g_in * d.mean_in;
            let g_tot = p.g_l + g_ex + g_in;
            let v_inf = (p.g_l * p.e_l + g_ex * p.e_ex + g_in * p.e_in + p.i_e + input.current) / g_tot;
            s.v = v_inf + (s.v - v_inf) * math::exp(-(g_tot * d.h_over_c));
        } else {
            s.refractory -= 1;
        }
        s.g_ex = s.g_ex * d.decay_ex + input.exc;
        s.g_in = s.g_in * d.decay_in + input.inh;
        if s.v >= p.v_th {
            Self::impose_spike(p, d, s);
            true
        } else {
            false
        }
    }

    /// The same arithmetic as [`Self::update`], bit for bit, in two passes per
    /// batch: the free evolution of V (division, `exp`) of every neuron in a
    /// branch-free loop that the compiler vectorises, then a per-neuron pass
    /// for the refractory clamp (a select), the conductances and the threshold
    /// (spikes are rare, so that branch predicts well).
    #[allow(clippy::needless_range_loop)] // parallel arrays indexed in step
    fn update_block(
        p: &Params,
        d: &Derived,
        states: &mut [State],
        exc: &mut [f64],
        inh: &mut [f64],
        current: &[f64],
        base: u32,
        spikes: &mut Vec<u32>,
    ) {
        let n = states.len();
        assert!(exc.len() == n && inh.len() == n && current.len() == n);
        let leak_drive = p.g_l * p.e_l;
        let mut start = 0;
        while start < n {
            let m = (n - start).min(BATCH);
            let st = &mut states[start..start + m];
            let (ex, ih, cur) = (&mut exc[start..start + m], &mut inh[start..start + m], &current[start..start + m]);
            let mut v_free = [0.0; BATCH];
            for i in 0..m {
                let s = st[i];
                let g_ex = s.g_ex * d.mean_ex;
                let g_in = s.g_in * d.mean_in;
                let g_tot = p.g_l + g_ex + g_in;
                let v_inf = (leak_drive + g_ex * p.e_ex + g_in * p.e_in + p.i_e + cur[i]) / g_tot;
                v_free[i] = v_inf + (s.v - v_inf) * math::exp(-(g_tot * d.h_over_c));
            }
            for i in 0..m {
                let s = &mut st[i];
                s.v = if s.refractory == 0 { v_free[i] } else { s.v };
                s.refractory = s.refractory.saturating_sub(1);
                s.g_ex = s.g_ex * d.decay_ex + ex[i];
                s.g_in = s.g_in * d.decay_in + ih[i];
                ex[i] = 0.0;
                ih[i] = 0.0;
                if s.v >= p.v_th {
                    Self::impose_spike(p, d, s);
                    spikes.push(base + (start + i) as u32);
                }
            }
            start += m;
        }
    }

    fn impose_spike(p: &Params, d: &Derived, s: &mut State) {
        s.refractory = d.refractory_steps;
        s.v = p.v_reset;
    }

    fn read(_: &Params, s: &State, var: usize) -> f64 {
        match var {
            1 => s.g_ex,
            2 => s.g_in,
            _ => s.v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 4: the batched update is the per-neuron update, bit for bit, over
    /// states with small and large conductances, refractory periods and spikes.
    #[test]
    fn update_block_is_bit_identical_to_update() {
        let p = LifCondExp::params(&LifCondExp::INFO.resolve([("V_init", -60.0), ("tau_syn_ex", 5.0), ("tau_syn_in", 10.0)]).unwrap()).unwrap();
        let d = LifCondExp::derive(&p, Dt::from_ms(0.1).unwrap());
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut uniform = move || {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let n = 77; // not a multiple of the batch
        let mut a: Vec<State> = (0..n)
            .map(|_| State { v: -75.0 + 30.0 * uniform(), g_ex: 60.0 * uniform(), g_in: 600.0 * uniform(), refractory: (uniform() * 3.0) as u32 })
            .collect();
        let mut b = a.clone();
        let (mut far, mut spikes_total) = (0, 0);
        // Neurons with g_tot·h/C >= 1/8 (where an earlier version called the library exp).
        for step in 0..200 {
            let exc: Vec<f64> = (0..n).map(|_| if uniform() < 0.2 { 6.0 } else { 0.0 }).collect();
            let inh: Vec<f64> = (0..n).map(|_| if uniform() < 0.1 { 67.0 } else { 0.0 }).collect();
            let current: Vec<f64> = (0..n).map(|_| if step % 20 < 5 { 3000.0 * uniform() } else { 0.0 }).collect();
            let mut spikes_a = vec![];
            for (i, s) in a.iter_mut().enumerate() {
                far += (s.refractory == 0 && (p.g_l + s.g_ex * d.mean_ex + s.g_in * d.mean_in) * d.h_over_c >= 0.125) as usize;
                if LifCondExp::update(&p, &d, s, &StepInput { exc: exc[i], inh: inh[i], current: current[i] }) {
                    spikes_a.push(i as u32 + 5);
                }
            }
            let (mut ex, mut ih, mut spikes_b) = (exc.clone(), inh.clone(), vec![]);
            LifCondExp::update_block(&p, &d, &mut b, &mut ex, &mut ih, &current, 5, &mut spikes_b);
            assert_eq!(spikes_a, spikes_b, "step {step}");
            assert!(ex.iter().chain(&ih).all(|&x| x == 0.0));
            for (x, y) in a.iter().zip(&b) {
                assert_eq!((x.v.to_bits(), x.g_ex.to_bits(), x.g_in.to_bits(), x.refractory), (y.v.to_bits(), y.g_ex.to_bits(), y.g_in.to_bits(), y.refractory));
            }
            spikes_total += spikes_a.len();
        }
        assert!(far > 1000 && spikes_total > 20, "large conductances and spikes exercised: {far}, {spikes_total}");
    }

    #[test]
    fn leak_relaxation_matches_closed_form() {
        let p = LifCondExp::params(&LifCondExp::INFO.resolve([("V_init", -60.0)]).unwrap()).unwrap();
        let d = LifCondExp::derive(&p, Dt::from_ms(0.1).unwrap());
        let mut s = LifCondExp::init(&p);
        for _ in 0..200 {
            LifCondExp::update(&p, &d, &mut s, &StepInput::default());
        }
        let tau = p.c_m / p.g_l;
        let expected = p.e_l + 10.0 * (-20.0 / tau).exp();
        assert!((s.v - expected).abs() < 1e-10);
    }

    /// A conductance pulse converges to the fine-step solution as dt shrinks.
    #[test]
    fn conductance_pulse_converges() {
        let run = |dt: f64| {
            let p = LifCondExp::params(&LifCondExp::INFO.resolve([("tau_syn_ex", 5.0)]).unwrap()).unwrap();
            let d = LifCondExp::derive(&p, Dt::from_ms(dt).unwrap());
            let mut s = LifCondExp::init(&p);
            LifCondExp::update(&p, &d, &mut s, &StepInput { exc: 20.0, ..Default::default() });
            for _ in 1..(10.0 / dt).round() as usize {
                LifCondExp::update(&p, &d, &mut s, &StepInput::default());
            }
            s.v
        };
        let fine = run(0.001);
        assert!((run(0.1) - fine).abs() < 0.05, "{} vs {}", run(0.1), fine);
        assert!((run(0.01) - fine).abs() < 0.005);
    }
}
