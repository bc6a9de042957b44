//! `tagtric_trigger`: the neuron-wide protein-synthesis trigger p of the
//! Tag-Trigger-Consolidation model (Clopath et al. 2008).
//!
//! ```text
//! dp/dt = -p/tau_pd + alpha (1 - p)/tau_pm H(sum (h - l) > theta_p)
//! ```
//!
//! The sum runs over every synapse onto the neuron (all pathways) and counts the
//! synapses in *any* early state (up, h = 1, or down, l = −1), so LTP and LTD tags
//! both trigger synthesis; the comparison is strict. The synapses
//! (`tag_trigger_consolidation`) report their state on the slow clock as the drive
//! (up, down), and the count is held over each slow interval, over which p follows
//! its linear ODE in closed form: with S = H(count > theta_p),
//! `lambda = 1/tau_pd + alpha S/tau_pm`, `p_inf = (alpha S/tau_pm)/lambda`,
//! `p(t) = p_inf + (p0 − p_inf) exp(−lambda t)`. p starts at 0. One level serves LTP
//! and LTD capture alike (both returned levels are p).
//!
//! A protein-synthesis inhibitor (drug `anisomycin`) sets `alpha = 0`: p then only decays.
//!
//! | parameter | unit | default | meaning |
//! |-----------|------|---------|---------|
//! | tau_pm    | ms   | 360000  | rise time constant while triggered (360 s) |
//! | tau_pd    | ms   | 3600000 | decay time constant (1 h) |
//! | theta_p   | 1    | 60      | trigger threshold on the number of synapses in an early state |
//! | alpha     | 1    | 1       | synthesis switch / gain (0: synthesis blocked) |
//!
//! References: Clopath C, Ziegler L, Vasilaki E, Büsing L, Gerstner W (2008) PLoS
//! Comput Biol 4:e1000248, doi:10.1371/journal.pcbi.1000248; ModelDB 118199 (tagtric.py).

use engram_core::model::FieldModel;
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::units::Dimension::{Dimensionless, Time};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct TagtricTrigger;

/// Parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Rise time constant [ms].
    pub tau_pm: f64,
    /// Decay time constant [ms].
    pub tau_pd: f64,
    /// Threshold on the count of synapses in an early state.
    pub theta_p: f64,
    /// Synthesis gain (0 blocks).
    pub alpha: f64,
}

/// Per-neuron state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    /// Trigger level p.
    pub p: f64,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "tau_pm", dim: Time, default: 360_000.0, bound: Bound::Positive, doc: "rise time constant while triggered" },
    FieldSpec { name: "tau_pd", dim: Time, default: 3_600_000.0, bound: Bound::Positive, doc: "decay time constant" },
    FieldSpec { name: "theta_p", dim: Dimensionless, default: 60.0, bound: Bound::NonNegative, doc: "threshold on the number of synapses in an early (up or down) state (strict)" },
    FieldSpec { name: "alpha", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "synthesis switch / gain (0 = synthesis blocked, anisomycin)" },
];

const STATE_VARS: &[StateVar] = &[
    StateVar { name: "protein", unit: "", doc: "trigger level p" },
    StateVar { name: "protein_ltd", unit: "", doc: "trigger level p (the same; one shared level)" },
];

impl FieldModel for TagtricTrigger {
    type Params = Params;
    type State = State;

    const INFO: ModelInfo = ModelInfo {
        name: "tagtric_trigger",
        kind: ModelKind::Neuron,
        summary: "Protein-synthesis trigger of the Tag-Trigger-Consolidation model: switched on while more than theta_p synapses are in an early state (Clopath et al. 2008).",
        equations: "dp/dt = -p/tau_pd + alpha (1 - p)/tau_pm H(count > theta_p)
count = number of the neuron's synapses in an early state (up or down), held over each slow interval
closed form: p = p_inf + (p0 - p_inf) exp(-lambda t), lambda = 1/tau_pd + alpha S/tau_pm, p_inf = alpha S/(tau_pm lambda)",
        fields: FIELDS,
        state_vars: STATE_VARS,
        references: &[
            "Clopath C, Ziegler L, Vasilaki E, Büsing L, Gerstner W (2008) Tag-trigger-consolidation: a model of early and late long-term-potentiation and depression. PLoS Comput Biol 4:e1000248. doi:10.1371/journal.pcbi.1000248",
            "ModelDB 118199, tagtric.py",
        ],
    };

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        Ok(Params { tau_pm: v.get("tau_pm"), tau_pd: v.get("tau_pd"), theta_p: v.get("theta_p"), alpha: v.get("alpha") })
    }

    fn synthesis(p: &Params, drive: [f64; 2]) -> [bool; 2] {
        let on = drive[0] + drive[1] > p.theta_p;
        [on, on]
    }

    fn advance(p: &Params, s: &mut State, drive: [f64; 2], dt_ms: f64) -> [f64; 2] {
        let on = Self::synthesis(p, drive)[0] && p.alpha > 0.0;
        let rate_on = if on { p.alpha / p.tau_pm } else { 0.0 };
        let lambda = 1.0 / p.tau_pd + rate_on;
        let p_inf = rate_on / lambda;
        let e = (-lambda * dt_ms).exp();
        let integral = p_inf * dt_ms + (s.p - p_inf) * (1.0 - e) / lambda;
        s.p = p_inf + (s.p - p_inf) * e;
        [integral, integral]
    }

    fn levels(_: &Params, s: &State) -> [f64; 2] {
        [s.p, s.p]
    }

    fn read(_: &Params, s: &State, _var: usize) -> f64 {
        s.p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(alpha: f64) -> Params {
        TagtricTrigger::params(&TagtricTrigger::INFO.resolve([("alpha", alpha)]).unwrap()).unwrap()
    }

    /// Triggered, p relaxes to tau_pd/(tau_pd + tau_pm) = 0.909; fine Euler agrees;
    /// the count must exceed theta_p strictly; alpha = 0 blocks synthesis.
    #[test]
    fn trigger_closed_form() {
        let p = params(1.0);
        let mut s = State::default();
        let i = TagtricTrigger::advance(&p, &mut s, [40.0, 21.0], 3_600_000.0);
        let (mut e, mut ie) = (0.0f64, 0.0);
        for _ in 0..3_600_000 {
            ie += e;
            e += -e / p.tau_pd + (1.0 - e) / p.tau_pm;
        }
        assert!((s.p - e).abs() < 1e-5, "{} vs {e}", s.p);
        assert!((i[0] - ie).abs() < 1e-3 * ie);
        let mut long = State::default();
        TagtricTrigger::advance(&p, &mut long, [61.0, 0.0], 1e9);
        assert!((long.p - 10.0 / 11.0).abs() < 1e-12);
        assert_eq!(TagtricTrigger::synthesis(&p, [30.0, 30.0]), [false, false]);
        let mut b = State::default();
        TagtricTrigger::advance(&params(0.0), &mut b, [100.0, 0.0], 3_600_000.0);
        assert_eq!(b.p, 0.0);
        // decay only
        let mut d = State { p: 0.5 };
        TagtricTrigger::advance(&p, &mut d, [0.0, 0.0], 3_600_000.0);
        assert!((d.p - 0.5 * (-1.0f64).exp()).abs() < 1e-12);
    }
}
