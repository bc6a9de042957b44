//! The concentration of one neuromodulator in one brain region.
//!
//! A modulator field (dopamine, acetylcholine, noradrenaline, or any named one)
//! belongs to a *region*, not to a synapse: every synapse of the region reads
//! the same [`ModulatorTrace`] through its context, so the field costs memory
//! per region, never per synapse.
//!
//! ```text
//! level(t) = tonic + phasic(t)
//! phasic jumps by `amount` at each release and decays with tau between releases:
//! phasic(t) = phasic(t_r) · exp(−(t − t_r)/tau)     (t_r: the last release at or before t)
//! ```
//!
//! The decay is evaluated in closed form from integer step counts, so the level
//! at any stamp is exact on the step grid whatever the history of calls (stepped
//! or fast-forwarded). Releases at one stamp add up (NEST's spike multiplicity
//! at a `volume_transmitter`).
//!
//! Plasticity rules update lazily: a synapse reads the level at its last update
//! and every release since then ([`ModulatorTrace::releases`]). The engine brings
//! every synapse that reads the trace to the present at each tick of the slow
//! clock and then calls [`ModulatorTrace::forget_before`], so the archive holds
//! only the releases of one slow interval.
//!
//! **Interventions** ([`INFO`]) may set the tonic level and a release gain
//! (the factor on every phasic release amount; 0 blocks releases, as a lesion of
//! the releasing nucleus or a release blocker would) piecewise constant over a
//! window. The engine applies the gain when a release lands on the trace and,
//! before it changes the tonic level ([`ModulatorTrace::set_tonic`]), brings
//! every reader to the present, so each reader sees one tonic level per
//! interval it integrates.

use crate::params::{Bound, FieldSpec, ModelInfo, ModelKind};
use crate::time::Step;
use crate::units::Dimension::Dimensionless;

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "tonic", dim: Dimensionless, default: 0.0, bound: Bound::Any, doc: "tonic level (the modulator table's `tonic` unless an intervention sets it)" },
    FieldSpec { name: "release_gain", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "factor on every phasic release amount (0 = releases blocked, e.g. a lesion of the releasing nucleus)" },
];

/// What an intervention on a modulator field (`target = "modulator.REGION.NAME"`) may set.
pub const INFO: ModelInfo = ModelInfo {
    name: "modulator",
    kind: ModelKind::Neuron,
    summary: "A neuromodulator field of one region: tonic level plus decaying phasic releases; interventions set its tonic level and release gain.",
    equations: "level(t) = tonic + phasic(t);  phasic jumps by release_gain * amount at each release and decays with tau",
    fields: FIELDS,
    state_vars: &[],
    references: &[],
};

/// One modulator in one region: tonic level, phasic releases and their decay.
#[derive(Debug, Clone, PartialEq)]
pub struct ModulatorTrace {
    tonic: f64,
    tau_ms: f64,
    dt_ms: f64,
    /// Phasic level at `base.0`, releases at that stamp included.
    base: (Step, f64),
    /// Releases after `base.0`: (stamp, phasic level just after it), ascending, unique stamps.
    releases: Vec<(Step, f64)>,
}

impl ModulatorTrace {
    /// A trace with `tonic` level and phasic decay time constant `tau_ms`, on a grid of `dt_ms`.
    pub fn new(tonic: f64, tau_ms: f64, dt_ms: f64) -> Self {
        Self { tonic, tau_ms, dt_ms, base: (0, 0.0), releases: vec![] }
    }

    /// The tonic level.
    pub fn tonic(&self) -> f64 {
        self.tonic
    }

    /// Sets the tonic level from now on. Levels of earlier stamps are not kept:
    /// the caller brings every reader of the trace to the present first.
    pub fn set_tonic(&mut self, tonic: f64) {
        self.tonic = tonic;
    }

    /// The decay time constant of phasic releases [ms].
    pub fn tau_ms(&self) -> f64 {
        self.tau_ms
    }

    /// The step [ms].
    pub fn dt_ms(&self) -> f64 {
        self.dt_ms
    }

    /// Adds a release of `amount` at `stamp` (not before the last one; releases
    /// at the same stamp add up).
    pub fn release(&mut self, stamp: Step, amount: f64) {
        let last = self.releases.last().copied().unwrap_or(self.base);
        if stamp <= last.0 {
            // Same stamp (or, defensively, an earlier one): add to the newest level.
            match self.releases.last_mut() {
                Some(r) => r.1 += amount,
                None => self.base.1 += amount,
            }
            return;
        }
        let level = last.1 * self.decay(stamp - last.0) + amount;
        self.releases.push((stamp, level));
    }

    /// `exp(−steps·dt/tau)`.
    #[inline]
    pub fn decay(&self, steps: Step) -> f64 {
        (-(steps as f64) * self.dt_ms / self.tau_ms).exp()
    }

    /// The phasic level at `stamp`, releases at `stamp` included.
    pub fn phasic(&self, stamp: Step) -> f64 {
        let (s, level) = self.releases.iter().rev().find(|r| r.0 <= stamp).copied().unwrap_or(self.base);
        if stamp >= s {
            level * self.decay(stamp - s)
        } else {
            // Before the base (not used by the engine): extrapolate backwards.
            level * ((s - stamp) as f64 * self.dt_ms / self.tau_ms).exp()
        }
    }

    /// The level (tonic + phasic) at `stamp`.
    pub fn level(&self, stamp: Step) -> f64 {
        self.tonic + self.phasic(stamp)
    }

    /// Calls `f(stamp, phasic level just after)` for every release with
    /// `after < stamp <= upto`, oldest first.
    pub fn releases(&self, after: Step, upto: Step, mut f: impl FnMut(Step, f64)) {
        let start = self.releases.partition_point(|r| r.0 <= after);
        for &(s, level) in &self.releases[start..] {
            if s > upto {
                break;
            }
            f(s, level);
        }
    }

    /// Whether a release lies in `after < stamp <= upto`.
    pub fn any_release(&self, after: Step, upto: Step) -> bool {
        let start = self.releases.partition_point(|r| r.0 <= after);
        self.releases.get(start).is_some_and(|r| r.0 <= upto)
    }

    /// Drops the releases at or before `stamp`, keeping the level at `stamp`
    /// (called once every reader has been brought to `stamp`).
    pub fn forget_before(&mut self, stamp: Step) {
        if stamp <= self.base.0 {
            return;
        }
        let level = self.phasic(stamp);
        self.releases.retain(|r| r.0 > stamp);
        self.base = (stamp, level);
    }

    /// Number of archived releases (for tests and memory accounting).
    pub fn len(&self) -> usize {
        self.releases.len()
    }

    /// Whether no release is archived.
    pub fn is_empty(&self) -> bool {
        self.releases.is_empty()
    }

    /// Heap bytes held by the archive.
    pub fn heap_bytes(&self) -> usize {
        self.releases.capacity() * std::mem::size_of::<(Step, f64)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decay_is_exact_on_the_grid_and_releases_add() {
        let mut m = ModulatorTrace::new(0.5, 200.0, 0.1);
        assert_eq!(m.level(10), 0.5);
        m.release(100, 1.0);
        m.release(100, 1.0); // same stamp: multiplicity 2
        assert_eq!(m.phasic(100), 2.0);
        assert_eq!(m.phasic(99), 0.0);
        let t = 2000; // 190 ms later
        assert!((m.phasic(t) - 2.0 * (-190.0f64 / 200.0).exp()).abs() < 1e-15);
        m.release(3000, 0.25);
        let want = 2.0 * (-290.0f64 / 200.0).exp() + 0.25;
        assert!((m.phasic(3000) - want).abs() < 1e-15);
        assert!((m.level(3000) - 0.5 - want).abs() < 1e-15);
        let mut seen = vec![];
        m.releases(100, 3000, |s, _| seen.push(s));
        assert_eq!(seen, vec![3000]);
        assert!(m.any_release(99, 100) && !m.any_release(100, 2999));
    }

    #[test]
    fn forgetting_keeps_the_level() {
        let mut m = ModulatorTrace::new(0.0, 50.0, 0.1);
        for k in 1..20u64 {
            m.release(k * 37, 0.1 * k as f64);
        }
        let before: Vec<f64> = (700..900).map(|s| m.phasic(s)).collect();
        m.forget_before(700);
        assert!(m.len() < 19);
        let after: Vec<f64> = (700..900).map(|s| m.phasic(s)).collect();
        for (a, b) in before.iter().zip(&after) {
            assert!((a - b).abs() <= 1e-14 * a.abs().max(1e-300));
        }
    }
}
