//! `protein_pool`: plasticity-related proteins (PRPs), synthesised neuron-wide
//! and captured by tagged synapses.
//!
//! ```text
//! tau_p dp/dt = -p + alpha * H(drive - theta_pro)
//! drive = sum over the neuron's synapses of |h - h0|   (the summed early change)
//! ```
//!
//! With `separate_pools = 1` there are two pools: the LTP-related pool `p_ltp`
//! is driven by the potentiated synapses (sum of max(h − h0, 0)) and the
//! LTD-related pool `p_ltd` by the depressed ones; with `separate_pools = 0`
//! (default) one pool is driven by the sum of both and serves LTP and LTD
//! capture alike, so that a strong tetanus on one pathway lets a weak LFS on
//! another consolidate (cross-capture). Between slow-clock ticks the drive is
//! held and the pool is advanced in closed form:
//! `p(t) = p_inf + (p0 − p_inf)·exp(−t/tau_p)`, `p_inf = alpha·H(drive − theta_pro)`.
//!
//! A protein-synthesis inhibitor (anisomycin) sets `alpha = 0`.
//!
//! **Neuromodulated threshold** (Lehr, Luboeinski & Tetzlaff 2022): when the
//! protocol binds a modulator of the population's region to the pool
//! (`proteins = { ..., modulator = "dopamine" }`), the threshold in effect is
//!
//! ```text
//! theta_eff = theta_pro / (1 + nm_gain * max(level, 0))      level = tonic + phasic
//! ```
//!
//! sampled at every slow tick and held until the next one. Lehr et al. use
//! `theta_pro(nm) = h0 / (nm + 0.001)` (their code, `getThetaProC_Clopath2008`
//! in jlubo/memory-consolidation-stc, after Clopath et al. 2008), which is this
//! form with `theta_pro = 1000 h0` and `nm_gain = 1000`; that calibration is
//! for recurrent networks whose neurons sum the early changes of many
//! synapses. `nm_gain = 0` (default) leaves the threshold at `theta_pro`
//! whatever the level. A D1/D5 receptor antagonist (SCH23390) sets
//! `nm_gain = 0`.
//!
//! | parameter      | unit | default  | meaning |
//! |----------------|------|----------|---------|
//! | theta_pro      | mV   | 2.10037  | synthesis threshold on the summed early change |
//! | tau_p          | ms   | 3600000  | protein time constant (1 h) |
//! | alpha          | 1    | 1        | synthesis amplitude (0 blocks synthesis) |
//! | separate_pools | 1    | 0        | 1: separate LTP- and LTD-related pools |
//! | nm_gain        | 1    | 0        | threshold lowering per unit of the bound modulator's level |
//!
//! References: Luboeinski J, Tetzlaff C (2021) Commun Biol 4:275,
//! doi:10.1038/s42003-021-01778-y (protein dynamics, Table 1);
//! Li Y, Kulvicius T, Tetzlaff C (2016) PLoS ONE 11:e0161679;
//! Frey U, Morris RGM (1997) Nature 385:533; Lehr AB, Luboeinski J, Tetzlaff C
//! (2022) Sci Rep, doi:10.1038/s41598-022-22430-7 (neuromodulated threshold).

use engram_core::model::FieldModel;
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::units::Dimension::{Dimensionless, Time, Voltage};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct ProteinPool;

/// Parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Synthesis threshold [mV of summed early change].
    pub theta_pro: f64,
    /// Time constant [ms].
    pub tau_p: f64,
    /// Synthesis amplitude.
    pub alpha: f64,
    /// Two pools instead of one.
    pub separate: bool,
    /// Threshold lowering per unit of modulator level.
    pub nm_gain: f64,
}

/// Per-neuron state: the two pool levels (equal when pools are shared).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct State {
    /// LTP-related protein level.
    pub p_ltp: f64,
    /// LTD-related protein level.
    pub p_ltd: f64,
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "theta_pro", dim: Voltage, default: 2.10037, bound: Bound::NonNegative, doc: "synthesis threshold on the summed early change sum|h - h0|" },
    FieldSpec { name: "tau_p", dim: Time, default: 3_600_000.0, bound: Bound::Positive, doc: "protein time constant" },
    FieldSpec { name: "alpha", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "synthesis amplitude (0 = synthesis blocked)" },
    FieldSpec { name: "separate_pools", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "1: separate LTP- and LTD-related pools; 0: one shared pool" },
    FieldSpec { name: "nm_gain", dim: Dimensionless, default: 0.0, bound: Bound::NonNegative, doc: "with a bound modulator: theta_pro / (1 + nm_gain max(level, 0)) is the threshold in effect (0 = no effect; SCH23390 sets 0)" },
];

const STATE_VARS: &[StateVar] = &[
    StateVar { name: "protein", unit: "", doc: "protein level (LTP-related pool; the shared pool when pools are not separate)" },
    StateVar { name: "protein_ltd", unit: "", doc: "LTD-related protein level" },
];

/// Level and integral of `p' = (p_inf − p)/tau` over `t`, from `p0`.
fn relax(p0: f64, p_inf: f64, tau: f64, t: f64) -> (f64, f64) {
    let e = (-t / tau).exp();
    let level = p_inf + (p0 - p_inf) * e;
    let integral = p_inf * t + (p0 - p_inf) * tau * (1.0 - e);
    (level, integral)
}

impl FieldModel for ProteinPool {
    type Params = Params;
    type State = State;

    const INFO: ModelInfo = ModelInfo {
        name: "protein_pool",
        kind: ModelKind::Neuron,
        summary: "Neuron-wide plasticity-related protein pool(s), synthesised while the summed early change exceeds a threshold (Luboeinski & Tetzlaff 2021).",
        equations: "tau_p dp/dt = -p + alpha H(drive - theta_pro)
drive = sum over the neuron's synapses of |h - h0|
separate_pools = 1: p_ltp driven by sum max(h - h0, 0), p_ltd by sum max(h0 - h, 0)
closed form between slow ticks: p = p_inf + (p0 - p_inf) exp(-t/tau_p)
bound modulator (modulator = \"dopamine\"): theta_pro -> theta_pro / (1 + nm_gain max(level, 0)),
    level sampled at each slow tick (Lehr et al. 2022: theta_pro = 1000 h0, nm_gain = 1000)",
        fields: FIELDS,
        state_vars: STATE_VARS,
        references: &[
            "Luboeinski J, Tetzlaff C (2021) Memory consolidation and improvement by synaptic tagging and capture in recurrent neural networks. Commun Biol 4:275. doi:10.1038/s42003-021-01778-y",
            "Li Y, Kulvicius T, Tetzlaff C (2016) Induction and consolidation of calcium-based homo- and heterosynaptic potentiation and depression. PLoS ONE 11:e0161679. doi:10.1371/journal.pone.0161679",
            "Frey U, Morris RGM (1997) Synaptic tagging and long-term potentiation. Nature 385:533-536. doi:10.1038/385533a0",
            "Lehr AB, Luboeinski J, Tetzlaff C (2022) Neuromodulator-dependent synaptic tagging and capture retroactively controls neural coding in spiking neural networks. Sci Rep. doi:10.1038/s41598-022-22430-7",
        ],
    };

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        Ok(Params {
            theta_pro: v.get("theta_pro"),
            tau_p: v.get("tau_p"),
            alpha: v.get("alpha"),
            separate: v.get("separate_pools") >= 0.5,
            nm_gain: v.get("nm_gain"),
        })
    }

    const LEVEL_MODULATOR: Option<&'static str> = Some("dopamine");

    fn at_level(p: &Params, level: f64) -> Params {
        if p.nm_gain == 0.0 {
            return p.clone();
        }
        Params { theta_pro: p.theta_pro / (1.0 + p.nm_gain * level.max(0.0)), ..p.clone() }
    }

    fn synthesis(p: &Params, drive: [f64; 2]) -> [bool; 2] {
        if p.separate {
            [drive[0] > p.theta_pro, drive[1] > p.theta_pro]
        } else {
            let on = drive[0] + drive[1] > p.theta_pro;
            [on, on]
        }
    }

    fn advance(p: &Params, s: &mut State, drive: [f64; 2], dt_ms: f64) -> [f64; 2] {
        let on = Self::synthesis(p, drive);
        let inf = |b: bool| if b { p.alpha } else { 0.0 };
        let (l0, i0) = relax(s.p_ltp, inf(on[0]), p.tau_p, dt_ms);
        let (l1, i1) = relax(s.p_ltd, inf(on[1]), p.tau_p, dt_ms);
        s.p_ltp = l0;
        s.p_ltd = l1;
        [i0, i1]
    }

    fn levels(_: &Params, s: &State) -> [f64; 2] {
        [s.p_ltp, s.p_ltd]
    }

    fn read(_: &Params, s: &State, var: usize) -> f64 {
        if var == 1 {
            s.p_ltd
        } else {
            s.p_ltp
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthesis_relaxes_to_alpha_and_integral_is_exact() {
        let p = ProteinPool::params(&ProteinPool::INFO.defaults()).unwrap();
        let mut s = State::default();
        let i = ProteinPool::advance(&p, &mut s, [3.0, 0.0], 3_600_000.0);
        assert!((s.p_ltp - (1.0 - (-1.0f64).exp())).abs() < 1e-12);
        assert!((i[0] - 3_600_000.0 * (-1.0f64).exp()).abs() < 1e-6);
        // two half steps give the same as one step
        let mut a = State::default();
        let i1 = ProteinPool::advance(&p, &mut a, [3.0, 0.0], 1_800_000.0);
        let i2 = ProteinPool::advance(&p, &mut a, [3.0, 0.0], 1_800_000.0);
        assert!((a.p_ltp - s.p_ltp).abs() < 1e-12);
        assert!((i1[0] + i2[0] - i[0]).abs() < 1e-6);
        // below threshold: decay only
        ProteinPool::advance(&p, &mut a, [1.0, 0.0], 3_600_000.0);
        assert!((a.p_ltp - s.p_ltp * (-1.0f64).exp()).abs() < 1e-12);
    }

    /// The bound modulator lowers the threshold as theta_pro / (1 + k level);
    /// with k = 0, or a negative level, the parameters are unchanged.
    #[test]
    fn issue6_modulator_lowers_the_synthesis_threshold() {
        let v = ProteinPool::INFO.resolve([("nm_gain", 4.0)]).unwrap();
        let p = ProteinPool::params(&v).unwrap();
        let q = ProteinPool::at_level(&p, 0.5);
        assert!((q.theta_pro - p.theta_pro / 3.0).abs() < 1e-12);
        assert!(!ProteinPool::synthesis(&p, [1.0, 0.0])[0]);
        assert!(ProteinPool::synthesis(&q, [1.0, 0.0])[0]);
        assert_eq!(ProteinPool::at_level(&p, -2.0), p);
        let off = ProteinPool::params(&ProteinPool::INFO.defaults()).unwrap();
        assert_eq!(ProteinPool::at_level(&off, 10.0), off);
    }
}
