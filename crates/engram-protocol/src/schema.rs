//! The protocol file format, as serde structures that keep source spans.
//!
//! Every user-written value is wrapped in [`Sp`] so that later semantic checks
//! (units, ranges, names) can point at the exact place in the file. Unknown
//! keys are rejected everywhere (`deny_unknown_fields`). See `docs/protocol.md`
//! for the user-facing reference.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A value with its byte span in the file.
pub type Sp<T> = Spanned<T>;
/// A free-form value (a quantity string or a number), interpreted later.
pub type Val = Sp<toml::Value>;
/// A table of model parameters: name → value.
pub type ParamTable = BTreeMap<Sp<String>, Val>;

/// A whole protocol file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtocolFile {
    /// Title, description and figure reference.
    #[serde(default)]
    pub meta: Option<Sp<Meta>>,
    /// Duration, dt, seed, threads.
    pub simulation: Sp<SimulationDef>,
    /// Populations.
    #[serde(default)]
    pub population: Vec<Sp<PopulationDef>>,
    /// Projections.
    #[serde(default)]
    pub projection: Vec<Sp<ProjectionDef>>,
    /// Neuromodulator fields of brain regions.
    #[serde(default)]
    pub modulator: Vec<Sp<ModulatorDef>>,
    /// Stimuli on the timeline.
    #[serde(default)]
    pub stimulus: Vec<Sp<StimulusDef>>,
    /// Interventions on the timeline.
    #[serde(default)]
    pub intervention: Vec<Sp<InterventionDef>>,
    /// Recorders.
    #[serde(default)]
    pub record: Vec<Sp<RecordDef>>,
    /// Readouts.
    #[serde(default)]
    pub readout: Vec<Sp<ReadoutDef>>,
    /// Expectations.
    #[serde(default)]
    pub expect: Vec<Sp<ExpectDef>>,
}

/// Descriptive metadata.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Short title (used on plots).
    pub title: Option<Sp<String>>,
    /// What the protocol shows.
    pub description: Option<Sp<String>>,
    /// The figure or experiment it reproduces.
    pub reproduces: Option<Sp<String>>,
}

/// `[simulation]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulationDef {
    /// Biological time to simulate, e.g. "9 h".
    pub duration: Val,
    /// Step, default "0.1 ms".
    pub dt: Option<Val>,
    /// Random seed, default 1.
    pub seed: Option<Sp<i64>>,
    /// Worker threads, default 1.
    pub threads: Option<Sp<i64>>,
    /// Guard: largest mean population rate before the run is stopped, default "1000 Hz".
    pub max_rate: Option<Val>,
    /// Period of the slow clock (tags, proteins, capture), default "100 ms".
    pub slow_dt: Option<Val>,
    /// Skip quiet stretches in closed form, default false.
    pub fast_forward: Option<Sp<bool>>,
}

/// `[[population]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopulationDef {
    /// Unique name.
    pub name: Sp<String>,
    /// Number of neurons.
    pub size: Sp<i64>,
    /// Neuron model from the catalogue.
    pub model: Sp<String>,
    /// Parameter overrides.
    #[serde(default)]
    pub params: Option<Sp<ParamTable>>,
    /// Neuron-wide plasticity-related protein pools, e.g. `{ model = "protein_pool", theta_pro = "2.1 mV" }`.
    #[serde(default)]
    pub proteins: Option<Sp<ParamTable>>,
    /// The brain region the population belongs to (its modulator fields).
    pub region: Option<Sp<String>>,
}

/// `[[projection]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectionDef {
    /// Unique name.
    pub name: Sp<String>,
    /// Presynaptic population.
    pub from: Sp<String>,
    /// Postsynaptic population.
    pub to: Sp<String>,
    /// Connectivity rule.
    pub connect: Sp<ConnectDef>,
    /// Initial weight ("50 pA" for current-based targets, "6 nS" for conductance-based).
    pub weight: Val,
    /// Delay, default one step.
    pub delay: Option<Val>,
    /// "excitatory" (default) or "inhibitory".
    pub receptor: Option<Sp<String>>,
    /// Synapse model and its parameters, e.g. `{ model = "stdp_pair", tau_plus = "16.8 ms" }`.
    /// Default: static.
    pub plasticity: Option<Sp<ParamTable>>,
    /// The modulator a modulated synapse model reads (default: the model's own, e.g. "dopamine").
    pub modulator: Option<Sp<String>>,
}

/// `[[modulator]]`: one neuromodulator in one region.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModulatorDef {
    /// The region (a `region` of some population).
    pub region: Sp<String>,
    /// The modulator: dopamine, acetylcholine, noradrenaline or another name.
    pub name: Sp<String>,
    /// Tonic level (plain number, arbitrary units), default 0.
    pub tonic: Option<Val>,
    /// Decay time constant of phasic releases.
    pub tau: Val,
    /// Phasic releases.
    #[serde(default)]
    pub release: Vec<Sp<ReleaseDef>>,
}

/// `[[modulator.release]]`: releases at given times, or one per spike of a population.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseDef {
    /// Amount per release (plain number, same units as the level).
    pub amount: Val,
    /// One release at this time.
    pub at: Option<Val>,
    /// Releases at these times.
    pub times: Option<Sp<Vec<Val>>>,
    /// Periodic releases: first one.
    pub from: Option<Val>,
    /// Periodic releases: before this time.
    pub to: Option<Val>,
    /// Periodic releases: period.
    pub every: Option<Val>,
    /// A release per spike of this population.
    pub population: Option<Sp<String>>,
    /// Only spikes of these neurons release (default: all).
    pub neurons: Option<Sp<Vec<i64>>>,
    /// From a spike to its release (default 0).
    pub delay: Option<Val>,
    /// A reward contingent on a pre/post spike pair (see [`ContingencyDef`]).
    pub contingency: Option<Sp<ContingencyDef>>,
}

/// `contingency = { pre, pre_neuron, post, post_neuron, window, delay_min, delay_max }`
/// in a `[[modulator.release]]`: a release, after a random delay, each time the
/// post neuron fires within `window` after the pre neuron (Izhikevich 2007).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContingencyDef {
    /// Population of the presynaptic neuron.
    pub pre: Sp<String>,
    /// The presynaptic neuron (index in `pre`).
    pub pre_neuron: Sp<i64>,
    /// Population of the postsynaptic neuron.
    pub post: Sp<String>,
    /// The postsynaptic neuron (index in `post`).
    pub post_neuron: Sp<i64>,
    /// The post spike must follow the last pre spike by less than this.
    pub window: Val,
    /// Shortest delay from the post spike to the release (default 0).
    pub delay_min: Option<Val>,
    /// Longest delay (default `delay_min`).
    pub delay_max: Option<Val>,
}

/// A connectivity rule.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectDef {
    /// all_to_all, one_to_one, fixed_probability, fixed_indegree, list.
    pub rule: Sp<String>,
    /// Probability (fixed_probability).
    pub p: Option<Sp<f64>>,
    /// In-degree (fixed_indegree).
    pub k: Option<Sp<i64>>,
    /// Allow self-connections within one population (default false).
    pub autapses: Option<Sp<bool>>,
    /// Explicit (pre, post) pairs (list).
    pub pairs: Option<Sp<Vec<(i64, i64)>>>,
    /// Per-synapse weights for `list` (one per pair; default: the projection's weight).
    pub weights: Option<Sp<Vec<Val>>>,
    /// Per-synapse delays for `list` (one per pair; default: the projection's delay).
    pub delays: Option<Sp<Vec<Val>>>,
}

/// `[[stimulus]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StimulusDef {
    /// Target population.
    pub target: Sp<String>,
    /// A named preset (weak_tetanus, strong_tetanus, theta_burst, weak_lfs, strong_lfs).
    pub preset: Option<Sp<String>>,
    /// Or a kind: poisson, regular, burst, times, pairing, current, noise, poisson_input.
    pub kind: Option<Sp<String>>,
    /// Subset of target neurons (default: all).
    pub neurons: Option<Sp<Vec<i64>>>,
    /// Onset.
    pub at: Option<Val>,
    /// Start of a window or of repetitions.
    pub from: Option<Val>,
    /// End of a window or of repetitions.
    pub to: Option<Val>,
    /// Repeat the onset with this period between `from` and `to`.
    pub every: Option<Val>,
    /// Rate or frequency (poisson, poisson_input, regular, pairing).
    pub rate: Option<Val>,
    /// Number of pulses (regular).
    pub count: Option<Sp<i64>>,
    /// Explicit spike times (times).
    pub times: Option<Sp<Vec<Val>>>,
    /// Bursts: number of bursts.
    pub bursts: Option<Sp<i64>>,
    /// Bursts: spikes per burst.
    pub spikes_per_burst: Option<Sp<i64>>,
    /// Bursts: rate of spikes within a burst.
    pub burst_rate: Option<Val>,
    /// Bursts: onset-to-onset interval of bursts.
    pub burst_interval: Option<Val>,
    /// Pairing: the postsynaptic population.
    pub post: Option<Sp<String>>,
    /// Pairing: postsynaptic neurons (default all).
    pub post_neurons: Option<Sp<Vec<i64>>>,
    /// Pairing: t_post − t_pre.
    pub delta_t: Option<Val>,
    /// Pairing: number of pairs in each burst (one burst unless `bursts` is given).
    pub pairs: Option<Sp<i64>>,
    /// Pairing: how the post spike is made: "imposed" (default) or "current".
    pub post_mode: Option<Sp<String>>,
    /// Current amplitude (current; pairing with post_mode = "current").
    pub amplitude: Option<Val>,
    /// Current pulse duration (pairing with post_mode = "current"), or step duration.
    pub duration: Option<Val>,
    /// Weight of each event (poisson_input), in the target's weight unit.
    pub weight: Option<Val>,
    /// Input port of the events (poisson_input): "excitatory" (default) or "inhibitory".
    pub receptor: Option<Sp<String>>,
}

/// `[[intervention]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterventionDef {
    /// Label (shown on plots).
    pub name: Sp<String>,
    /// "population.NAME", "projection.NAME" or "proteins.NAME".
    pub target: Sp<String>,
    /// Parameters to change during the window.
    pub set: Option<Sp<ParamTable>>,
    /// A catalogued drug instead of (or before) `set` (see `engram list`).
    pub drug: Option<Sp<String>>,
    /// Start.
    pub from: Val,
    /// End (default: end of the run).
    pub to: Option<Val>,
    /// Where the effect is documented.
    pub source: Option<Sp<String>>,
}

/// `[[record]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordDef {
    /// Unique name (file name of the output).
    pub name: Sp<String>,
    /// spikes, state, weight, fepsp, synapse, protein.
    pub kind: Sp<String>,
    /// Population (spikes, state).
    pub population: Option<Sp<String>>,
    /// Projection (weight, fepsp).
    pub projection: Option<Sp<String>>,
    /// Region (modulator).
    pub region: Option<Sp<String>>,
    /// State variable (state).
    pub variable: Option<Sp<String>>,
    /// Neurons to sample (state; default the first up to 10).
    pub neurons: Option<Sp<Vec<i64>>>,
    /// Sampling period (state, weight, fepsp), default duration / 1000 (at least dt).
    pub every: Option<Val>,
    /// fepsp: baseline window start (default 0).
    pub baseline_from: Option<Val>,
    /// fepsp: baseline window end (default: only the first sample).
    pub baseline_to: Option<Val>,
}

/// `[[readout]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadoutDef {
    /// Unique name.
    pub name: Sp<String>,
    /// The recorder it reads.
    pub record: Sp<String>,
    /// The value at the last sample at or before this time.
    pub at: Option<Val>,
    /// Window start (mean over a window, or a rate).
    pub from: Option<Val>,
    /// Window end.
    pub to: Option<Val>,
    /// "value" (default), "mean", "rate" (spike recorders, Hz), "count".
    pub stat: Option<Sp<String>>,
}

/// `[[expect]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectDef {
    /// The readout.
    pub readout: Sp<String>,
    /// Lower bound (inclusive).
    pub min: Option<Sp<f64>>,
    /// Upper bound (inclusive).
    pub max: Option<Sp<f64>>,
    /// Published source of the bound (required).
    pub source: Sp<String>,
    /// How the bound was derived from the source.
    pub note: Option<Sp<String>>,
}
