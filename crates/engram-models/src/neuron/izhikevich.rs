//! `izhikevich`: the simple spiking model of Izhikevich (2003), integrated as in
//! the author's network codes (`spnet.m`, Izhikevich 2006; `daspnet.m`,
//! Izhikevich 2007, ModelDB 84167), with delta-like synaptic input.
//!
//! ```text
//! dv/dt = 0.04 v^2 + 5 v + 140 - u + I        (v in mV, t in ms, I and u in mV/ms)
//! du/dt = a (b v - u)
//! v >= V_peak  ->  spike; v = c, u = u + d
//! I = (I_e + I_stim)/C_m + (sum of synaptic weights arriving this step)/h
//! ```
//!
//! **Integration (the paper's scheme).** The published codes advance one
//! millisecond as two explicit Euler half-steps of 0.5 ms for v ("for numerical
//! stability") followed by one Euler step of 1 ms for u with the new v; a neuron
//! whose v has reached 30 mV is reset at the next step (`v = c`, `u += d`). This
//! model does the same on a step h: v takes two Euler steps of h/2, then
//! `u += h a (b v − u)` with the new v, and if v ≥ `V_peak` the neuron spikes and
//! is reset at once (v = c, u += d). With `dt = "1 ms"` this is the published
//! arithmetic number for number: the code's reset at the start of the next
//! millisecond, before anything reads v, is the same as a reset at the end of
//! this one, and u is updated with the supra-threshold v exactly as there.
//! Smaller dt is a finer Euler scheme of the same equations (not the paper's
//! numbers). NEST's `izhikevich` with `consistent_integration = false` uses the
//! same published scheme.
//!
//! **Input.** Weights are in mV (`InputKind::Voltage`, as `lif_psc_delta`): a
//! weight w arriving in a step adds w/h to I for that step, so v moves by w in
//! total (plus the model's own dynamics over the step). At h = 1 ms this is the
//! codes' `I(post) += s`; excitatory weights are positive, inhibitory negative.
//! Injected currents (`current` stimuli, `I_e`) are in pA and divided by `C_m`
//! (pF): pA/pF = mV/ms, so with the default `C_m = 1 pF` a current of 1 pA is
//! one unit of the paper's I (the thalamic input I = 20 of `spnet.m` is 20 pA).
//!
//! **Presets.** Regular spiking (excitatory cortical cells) is the default:
//! a = 0.02, b = 0.2, c = −65 mV, d = 8. Fast spiking (inhibitory interneurons):
//! `params = { a = 0.1, d = 2 }`. Izhikevich (2003, Fig. 2) lists the others
//! (intrinsically bursting c = −55 mV, d = 4; chattering c = −50 mV, d = 2;
//! low-threshold spiking b = 0.25, d = 2). The initial state is v = `V_init`,
//! u = b·`V_init`, as in the codes.
//!
//! | parameter | unit | default | meaning |
//! |-----------|------|---------|---------|
//! | a         | 1/ms (plain) | 0.02 | recovery time scale |
//! | b         | plain | 0.2 | sensitivity of u to v |
//! | c         | mV   | -65     | reset potential |
//! | d         | mV/ms (plain) | 8 | jump of u at a spike |
//! | V_peak    | mV   | 30      | spike cut-off |
//! | V_init    | mV   | -65     | initial v (u starts at b·V_init) |
//! | C_m       | pF   | 1       | divides injected currents (pA/pF = mV/ms) |
//! | I_e       | pA   | 0       | bias current |
//!
//! The neuron is never quiescent in the sense of fast-forward (v has no closed
//! form), so protocols with it are stepped.
//!
//! References: Izhikevich EM (2003) IEEE Trans Neural Netw 14:1569,
//! doi:10.1109/TNN.2003.820440; Izhikevich EM (2006) Neural Comput 18:245,
//! doi:10.1162/089976606775093882 (spnet.m); Izhikevich EM (2007) Cereb Cortex
//! 17:2443, doi:10.1093/cercor/bhl152 (daspnet.m, ModelDB 84167).

use engram_core::model::{InputKind, NeuronModel, StepInput};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::time::Dt;
use engram_core::units::Dimension::{Capacitance, Current, Dimensionless, Voltage};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct Izhikevich;

/// Parameters (mV, ms, pA, pF; a, b, d plain numbers in the paper's units).
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct Params {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub d: f64,
    pub v_peak: f64,
    pub v_init: f64,
    pub c_m: f64,
    pub i_e: f64,
}

/// Per-step constants.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    /// The step [ms].
    h: f64,
}

/// Per-neuron state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    /// Membrane potential [mV].
    pub v: f64,
    /// Recovery variable [mV/ms].
    pub u: f64,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "a", dim: Dimensionless, default: 0.02, bound: Bound::Positive, doc: "time scale of the recovery variable u (1/ms; RS 0.02, FS 0.1)" },
    FieldSpec { name: "b", dim: Dimensionless, default: 0.2, bound: Bound::Any, doc: "sensitivity of u to v" },
    FieldSpec { name: "c", dim: Voltage, default: -65.0, bound: Bound::Any, doc: "reset potential after a spike" },
    FieldSpec { name: "d", dim: Dimensionless, default: 8.0, bound: Bound::Any, doc: "jump of u at a spike (mV/ms; RS 8, FS 2)" },
    FieldSpec { name: "V_peak", dim: Voltage, default: 30.0, bound: Bound::Any, doc: "spike cut-off (> c)" },
    FieldSpec { name: "V_init", dim: Voltage, default: -65.0, bound: Bound::Any, doc: "initial potential; u starts at b V_init" },
    FieldSpec { name: "C_m", dim: Capacitance, default: 1.0, bound: Bound::Positive, doc: "divides injected currents: pA/pF = mV/ms" },
    FieldSpec { name: "I_e", dim: Current, default: 0.0, bound: Bound::Any, doc: "constant bias current" },
];

const STATE_VARS: &[StateVar] = &[
    StateVar { name: "V_m", unit: "mV", doc: "membrane potential v" },
    StateVar { name: "u", unit: "mV/ms", doc: "recovery variable" },
];

impl Izhikevich {
    #[inline]
    fn dv(v: f64, u: f64, i: f64) -> f64 {
        (0.04 * v + 5.0) * v + 140.0 - u + i
    }
}

impl NeuronModel for Izhikevich {
    type Params = Params;
    type Derived = Derived;
    type State = State;

    const INFO: ModelInfo = ModelInfo {
        name: "izhikevich",
        kind: ModelKind::Neuron,
        summary: "Izhikevich (2003) simple model, integrated as in spnet.m/daspnet.m (two half-steps for v per step); weights in mV.",
        equations: "dv/dt = 0.04 v^2 + 5 v + 140 - u + I;  du/dt = a (b v - u)
v >= V_peak: spike, v = c, u = u + d
I = (I_e + I_stim)/C_m + (weights arriving this step)/dt   (weights in mV, currents in pA)
per step h: v += h/2 dv/dt twice (Euler half-steps), then u += h a (b v - u) with the new v,
   then the threshold test and reset; at h = 1 ms this is the arithmetic of daspnet.m
regular spiking: a = 0.02, b = 0.2, c = -65 mV, d = 8 (default); fast spiking: a = 0.1, d = 2",
        fields: FIELDS,
        state_vars: STATE_VARS,
        references: &[
            "Izhikevich EM (2003) Simple model of spiking neurons. IEEE Trans Neural Netw 14:1569-1572. doi:10.1109/TNN.2003.820440",
            "Izhikevich EM (2006) Polychronization: computation with spikes. Neural Comput 18:245-282. doi:10.1162/089976606775093882",
            "Izhikevich EM (2007) Solving the distal reward problem through linkage of STDP and dopamine signaling. Cereb Cortex 17:2443-2452. doi:10.1093/cercor/bhl152 (daspnet.m, ModelDB 84167)",
        ],
    };
    const INPUT: InputKind = InputKind::Voltage;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            a: v.get("a"),
            b: v.get("b"),
            c: v.get("c"),
            d: v.get("d"),
            v_peak: v.get("V_peak"),
            v_init: v.get("V_init"),
            c_m: v.get("C_m"),
            i_e: v.get("I_e"),
        };
        if p.c >= p.v_peak {
            return Err(CoreError::Inconsistent(format!("c ({} mV) must be below V_peak ({} mV)", p.c, p.v_peak)));
        }
        Ok(p)
    }

    fn derive(_p: &Params, dt: Dt) -> Derived {
        Derived { h: dt.ms() }
    }

    fn init(p: &Params) -> State {
        State { v: p.v_init, u: p.b * p.v_init }
    }

    #[inline]
    fn update(p: &Params, d: &Derived, s: &mut State, input: &StepInput) -> bool {
        let h = d.h;
        let i = (p.i_e + input.current) / p.c_m + (input.exc + input.inh) / h;
        let half = 0.5 * h;
        s.v += half * Self::dv(s.v, s.u, i);
        s.v += half * Self::dv(s.v, s.u, i);
        s.u += h * p.a * (p.b * s.v - s.u);
        if s.v >= p.v_peak {
            Self::impose_spike(p, d, s);
            true
        } else {
            false
        }
    }

    fn impose_spike(p: &Params, _d: &Derived, s: &mut State) {
        s.v = p.c;
        s.u += p.d;
    }

    fn read(_p: &Params, s: &State, var: usize) -> f64 {
        match var {
            1 => s.u,
            _ => s.v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(over: &[(&str, f64)]) -> (Params, Derived) {
        let v = Izhikevich::INFO.resolve(over.iter().copied()).unwrap();
        let p = Izhikevich::params(&v).unwrap();
        let d = Izhikevich::derive(&p, Dt::from_ms(1.0).unwrap());
        (p, d)
    }

    /// At dt = 1 ms one step is daspnet.m's millisecond, written out by hand:
    /// v = v + 0.5 ((0.04 v + 5) v + 140 − u + I) twice, u = u + a (0.2 v − u).
    #[test]
    fn issue6_one_millisecond_is_the_published_arithmetic() {
        let (p, d) = setup(&[]);
        let mut s = Izhikevich::init(&p);
        let (mut v, mut u) = (-65.0f64, 0.2 * -65.0);
        for k in 0..200 {
            // a synaptic volley of 3 mV every 7 ms and a current of 4 pA (= 4 mV/ms at C_m = 1 pF)
            let w = if k % 7 == 0 { 3.0 } else { 0.0 };
            let i = 4.0 + w;
            Izhikevich::update(&p, &d, &mut s, &StepInput { exc: w, inh: 0.0, current: 4.0 });
            v += 0.5 * ((0.04 * v + 5.0) * v + 140.0 - u + i);
            v += 0.5 * ((0.04 * v + 5.0) * v + 140.0 - u + i);
            u += 0.02 * (0.2 * v - u);
            if v >= 30.0 {
                v = -65.0;
                u += 8.0;
            }
            assert_eq!((s.v, s.u), (v, u), "step {k}");
        }
    }

    /// Under a step current regular spiking adapts (growing intervals) and fast
    /// spiking fires much faster; without input the neuron rests near −70 mV.
    #[test]
    fn issue6_regular_spiking_adapts_fast_spiking_does_not() {
        let intervals = |over: &[(&str, f64)]| {
            let (p, d) = setup(over);
            let mut s = Izhikevich::init(&p);
            let mut spikes = vec![];
            for k in 0..1000 {
                if Izhikevich::update(&p, &d, &mut s, &StepInput { current: 10.0, ..Default::default() }) {
                    spikes.push(k);
                }
            }
            spikes.windows(2).map(|w| w[1] - w[0]).collect::<Vec<i32>>()
        };
        let rs = intervals(&[]);
        let fs = intervals(&[("a", 0.1), ("d", 2.0)]);
        assert!(rs.len() >= 5 && fs.len() > 2 * rs.len(), "rs {rs:?} fs {fs:?}");
        assert!(rs[rs.len() - 1] > rs[0], "RS adapts: {rs:?}");
        // No input: the default neuron stays at rest.
        let (p, d) = setup(&[]);
        let mut s = Izhikevich::init(&p);
        for _ in 0..1000 {
            assert!(!Izhikevich::update(&p, &d, &mut s, &StepInput::default()));
        }
        assert!((s.v + 70.0).abs() < 5.0, "{}", s.v);
    }

    #[test]
    fn reset_must_lie_below_the_peak() {
        let v = Izhikevich::INFO.resolve([("c", 40.0)]).unwrap();
        assert!(Izhikevich::params(&v).is_err());
    }
}
