//! Neuromodulator fields: one [`ModulatorTrace`] per (region, modulator), shared
//! by every synapse of the region that reads it, and the releases that drive it.
//!
//! A release happens at a stamp: either at times fixed in advance
//! ([`Release::At`]), or one per spike of a population ([`Release::PerSpike`]), a
//! whole number of steps (possibly 0) after the spike, or one per rewarded spike
//! pair ([`Release::Contingency`]) after a delay drawn from a stream keyed by the
//! seed, the modulator and the release source. Releases with stamp
//! `s + 1` are added in step `s` after the neurons have spiked and before spikes
//! are delivered, so a presynaptic spike with the same stamp sees them (NEST's
//! volume transmitter: a dopamine spike at `t` counts for synapse updates at `t`).

use std::collections::BTreeMap;

use engram_core::modulator::ModulatorTrace;
use engram_core::rng::Stream;
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
#[allow(clippy::large_enum_variant)]
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
    /// A reward contingent on a spike pair: each spike of neuron `post_neuron` of
    /// population `post` that comes `1 ..= window − 1` steps after the last spike
    /// of neuron `pre_neuron` of population `pre` schedules a release of `amount`
    /// after a delay drawn uniformly from the whole steps `delay_min ..= delay_max`
    /// (Izhikevich 2007, daspnet.m: n2 firing less than 20 ms after n1, reward
    /// 1–3 s later). The delays come from the stream (seed, `Purpose::Reward`,
    /// modulator, source), drawn in the order of the rewards, so they do not
    /// depend on threads.
    Contingency {
        /// Population of the presynaptic neuron.
        pre: usize,
        /// The presynaptic neuron.
        pre_neuron: u32,
        /// Population of the postsynaptic neuron.
        post: usize,
        /// The postsynaptic neuron.
        post_neuron: u32,
        /// The post spike must come less than this many steps after the pre spike (> 0).
        window: Step,
        /// Shortest delay from the post spike to the release [steps].
        delay_min: Step,
        /// Longest delay [steps], >= `delay_min`.
        delay_max: Step,
        /// Amount of each release.
        amount: f64,
    },
}

pub(crate) struct SpikeRelease {
    pub pop: usize,
    pub mask: Option<Vec<bool>>,
    pub delay: Step,
    pub amount: f64,
}

/// A reward contingency being watched (see [`Release::Contingency`]).
pub(crate) struct Contingency {
    pub pre: usize,
    pub pre_neuron: u32,
    pub post: usize,
    pub post_neuron: u32,
    pub window: Step,
    pub delay_min: Step,
    pub delay_max: Step,
    pub amount: f64,
    pub stream: Stream,
    /// Rewards scheduled so far (the counter of the next delay draw).
    pub draws: u64,
    /// Stamp of the last spike of the presynaptic neuron.
    pub last_pre: Option<Step>,
}

impl Contingency {
    /// Called in the step whose spikes carry `stamp`, with the spikes of the
    /// two populations: returns the stamp of a release to schedule, if any.
    pub fn check(&mut self, stamp: Step, pre_spikes: &[u32], post_spikes: &[u32]) -> Option<Step> {
        if pre_spikes.contains(&self.pre_neuron) {
            self.last_pre = Some(stamp);
        }
        let last = self.last_pre?;
        let lag = stamp - last;
        if lag == 0 || lag >= self.window || !post_spikes.contains(&self.post_neuron) {
            return None;
        }
        let span = self.delay_max - self.delay_min + 1;
        let u = self.stream.uniform(self.draws);
        self.draws += 1;
        let delay = self.delay_min + ((u * span as f64) as Step).min(span - 1);
        Some(stamp + delay)
    }
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
    /// Reward contingencies.
    pub contingencies: Vec<Contingency>,
    /// Factor on every release amount when it lands (interventions; 1 by default).
    pub gain: f64,
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
            contingencies: vec![],
            gain: 1.0,
        }
    }

    /// Applies every release due at `stamp` (fixed ones and pending ones),
    /// scaled by the release gain in effect.
    pub fn apply_due(&mut self, stamp: Step) {
        while let Some(&(s, amount)) = self.timed.get(self.cursor) {
            if s > stamp {
                break;
            }
            self.trace.release(s.max(stamp), amount * self.gain);
            self.cursor += 1;
        }
        while let Some((&s, _)) = self.pending.first_key_value() {
            if s > stamp {
                break;
            }
            let (_, amount) = self.pending.pop_first().expect("checked above");
            self.trace.release(stamp, amount * self.gain);
        }
    }

    /// The step in which the next known release happens (its stamp minus one).
    pub fn next_release_step(&self) -> Option<Step> {
        let t = self.timed.get(self.cursor).map(|r| r.0);
        let p = self.pending.first_key_value().map(|r| *r.0);
        [t, p].into_iter().flatten().min().map(|s| s.saturating_sub(1))
    }
}
