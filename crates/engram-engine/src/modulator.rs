//! Neuromodulator fields: one [`ModulatorTrace`] per (region, modulator), shared
//! by every synapse of the region that reads it, and the releases that drive it.
//!
//! A release happens at a stamp: either at times fixed in advance
//! ([`Release::At`]) or one per spike of a population ([`Release::PerSpike`]), a
//! whole number of steps (possibly 0) after the spike. Releases with stamp
//! `s + 1` are added in step `s` after the neurons have spiked and before spikes
//! are delivered, so a presynaptic spike with the same stamp sees them (NEST's
//! volume transmitter: a dopamine spike at `t` counts for synapse updates at `t`).

use std::collections::BTreeMap;

use engram_core::modulator::ModulatorTrace;
use engram_core::time::Step;

/// A modulator field to add: its label, tonic level and phasic decay.
#[derive(Debug, Clone, PartialEq)]
pub struct ModulatorSpec {
    /// Label, for messages and recorders (the protocol uses `REGION.NAME`).
    pub name: String,
    /// The modulator's name (`dopamine`), which synapse models ask for.
    pub modulator: String,
    /// Tonic level (arbitrary units).
    pub tonic: f64,
    /// Decay time constant of phasic releases [ms], > 0.
    pub tau_ms: f64,
}

/// Where the releases of a modulator come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Release {
    /// A release of `amount` at each stamp (any order; duplicates add up).
    At {
        /// Stamps of the releases.
        stamps: Vec<Step>,
        /// Amount of each release.
        amount: f64,
    },
    /// A release of `amount` per spike of population `pop`, `delay` steps after it.
    PerSpike {
        /// The releasing population.
        pop: usize,
        /// Only these neurons release (all if `None`).
        neurons: Option<Vec<u32>>,
        /// Steps from the spike's stamp to the release.
        delay: Step,
        /// Amount per spike.
        amount: f64,
    },
}

pub(crate) struct SpikeRelease {
    pub pop: usize,
    pub mask: Option<Vec<bool>>,
    pub delay: Step,
    pub amount: f64,
}

/// A modulator field and its pending releases.
pub(crate) struct ModSlot {
    pub name: String,
    pub modulator: String,
    pub trace: ModulatorTrace,
    /// Fixed releases, ascending by stamp, and the next one to apply.
    pub timed: Vec<(Step, f64)>,
    pub cursor: usize,
    /// Releases caused by spikes, waiting for their stamp.
    pub pending: BTreeMap<Step, f64>,
    pub sources: Vec<SpikeRelease>,
}

impl ModSlot {
    pub fn new(spec: ModulatorSpec, dt_ms: f64) -> Self {
        Self {
            name: spec.name,
            modulator: spec.modulator,
            trace: ModulatorTrace::new(spec.tonic, spec.tau_ms, dt_ms),
            timed: vec![],
            cursor: 0,
            pending: BTreeMap::new(),
            sources: vec![],
        }
    }

    /// Applies every release due at `stamp` (fixed ones and pending ones).
    pub fn apply_due(&mut self, stamp: Step) {
        while let Some(&(s, amount)) = self.timed.get(self.cursor) {
            if s > stamp {
                break;
            }
            self.trace.release(s.max(stamp), amount);
            self.cursor += 1;
        }
        while let Some((&s, _)) = self.pending.first_key_value() {
            if s > stamp {
                break;
            }
            let (_, amount) = self.pending.pop_first().expect("checked above");
            self.trace.release(stamp, amount);
        }
    }

    /// The step in which the next known release happens (its stamp minus one).
    pub fn next_release_step(&self) -> Option<Step> {
        let t = self.timed.get(self.cursor).map(|r| r.0);
        let p = self.pending.first_key_value().map(|r| *r.0);
        [t, p].into_iter().flatten().min().map(|s| s.saturating_sub(1))
    }
}
