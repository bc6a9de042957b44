//! Projections: sparse synapses between two populations, with one synapse model.
//!
//! Synapses are split into *shards* by postsynaptic neuron (ranges of
//! [`CHUNK`] neurons, fixed, independent of the thread count). Each shard
//! stores its synapses as compressed rows indexed by the presynaptic neuron,
//! structure-of-arrays (`post`, `delay`, `weight`, plastic state), plus the
//! spike archives of its postsynaptic neurons when the rule needs them. A shard
//! writes only into the input buffers of its own postsynaptic neurons, so shards
//! run in parallel without atomics, and each neuron receives its inputs in the
//! same order whatever the number of threads.

use engram_core::history::PostHistory;
use engram_core::model::{CatchUp, FastStep, PostSpike, PreSpike, SlowTick, SynapseModel};
use engram_core::modulator::ModulatorTrace;
use engram_core::rng::{Purpose, Stream};
use engram_core::params::{ModelInfo, ParamValues};
use engram_core::time::{Dt, Step};
use engram_core::CoreError;
use rayon::prelude::*;

use crate::connect::{self, Rule};
use crate::population::{InputBuffer, CHUNK};

/// Which input port of the postsynaptic neuron a projection drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receptor {
    /// Excitatory port.
    Excitatory,
    /// Inhibitory port.
    Inhibitory,
    /// By the sign of each transmitted weight (current-based neurons; NEST convention).
    BySign,
}

/// One synapse as built: (pre, post, weight, delay in steps).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynapseSpec {
    /// Presynaptic neuron.
    pub pre: u32,
    /// Postsynaptic neuron.
    pub post: u32,
    /// Initial weight (pA or nS).
    pub weight: f64,
    /// Delay in steps (>= 1).
    pub delay: u16,
}

/// Where a projection's synapses come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Synapses {
    /// Drawn by a connectivity rule ([`crate::connect::draw`], streams keyed
    /// by `seed` and `index`), all with one weight and one delay. Each shard
    /// draws and sorts its own synapses, so nothing per synapse is held but
    /// the stored arrays.
    Rule {
        /// The rule; it must pass [`crate::connect::check`].
        rule: Rule,
        /// Whether pre and post are one population.
        same: bool,
        /// Seed of the connectivity streams.
        seed: u64,
        /// Projection index in the connectivity stream keys.
        index: usize,
        /// Weight (pA, nS or mV).
        weight: f64,
        /// Delay in steps (>= 1).
        delay: u16,
    },
    /// Explicit synapses, in any order.
    List(Vec<SynapseSpec>),
}

/// The engine's view of a projection.
pub trait ProjectionDyn: Send + Sync {
    /// Catalogue metadata of the synapse model.
    fn info(&self) -> &'static ModelInfo;
    /// Number of synapses.
    fn len(&self) -> usize;
    /// Whether it has no synapses.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Longest delay in steps.
    fn max_delay(&self) -> u16;
    /// Records postsynaptic spikes with stamp `stamp` in the archives (plastic rules only).
    fn record_post_spikes(&mut self, stamp: Step, post_spikes: &[u32]);
    /// Delivers the presynaptic spikes of step `s` (stamp `s + 1`) into `input`,
    /// shard after shard (with threads, the engine runs the shards of all
    /// projections in one region: [`ProjectionDyn::deliver_tasks`]); `modulator`
    /// is the field a modulated rule reads (see [`ProjectionDyn::modulator`]).
    fn deliver(&mut self, s: Step, pre_spikes: &[u32], input: &mut InputBuffer, dt_ms: f64, modulator: Option<&ModulatorTrace>);
    /// Number of shards (shard `k` drives postsynaptic neurons `[k·CHUNK, (k+1)·CHUNK)`).
    fn n_shards(&self) -> usize;
    /// [`ProjectionDyn::deliver`] split by shard, so that the shards of several
    /// projections can share one parallel region: pushes, for shard `k`, a task
    /// onto `out[k]` that delivers into that shard's block of the input ring
    /// buffers (`exc`, `inh`, ring length `slots`) exactly as `deliver` does.
    /// Once every task has run, [`ProjectionDyn::finish_deliver`] completes the step.
    fn deliver_tasks<'a>(
        &'a mut self,
        s: Step,
        pre_spikes: &'a [u32],
        dt_ms: f64,
        modulator: Option<&'a ModulatorTrace>,
        out: &mut [Vec<ShardTask<'a>>],
    );
    /// Advances the presynaptic row state of the spiking neurons, after every
    /// shard has delivered their spikes of step `s` (part of [`ProjectionDyn::deliver`]).
    fn finish_deliver(&mut self, s: Step, pre_spikes: &[u32], dt_ms: f64);
    /// The modulator the synapse model reads by default (`Some("dopamine")`), if any.
    fn modulator(&self) -> Option<&'static str>;
    /// Brings every synapse of a modulated rule to `stamp` (weights and traces).
    fn catch_up(&mut self, stamp: Step, modulator: &ModulatorTrace, parallel: bool);
    /// Heap bytes held by the synapses (arrays, per-synapse state, spike
    /// archives) and by the shared params (tables).
    fn heap_bytes(&self) -> usize;
    /// Sum and count of weights (for the mean-weight recorder), in a fixed order.
    fn weight_sum(&self) -> (f64, usize);
    /// All synapses as (pre, post, weight), ordered by shard then row.
    fn synapses(&self) -> Vec<(u32, u32, f64)>;
    /// Current parameter values.
    fn values(&self) -> &ParamValues;
    /// Replaces the shared parameters (interventions); synapse state is kept.
    fn set_values(&mut self, v: ParamValues) -> Result<(), CoreError>;
    /// The modulator whose level may change the synapse model's parameters
    /// ([`SynapseModel::LEVEL_MODULATOR`]), if any.
    fn level_modulator(&self) -> Option<&'static str>;
    /// Puts the shared parameters at modulator level `level`, from the current
    /// protocol values (until the next call or [`ProjectionDyn::set_values`]).
    fn set_level(&mut self, level: f64);
    /// The first synapse whose weight is not finite: (index, pre, post, value).
    fn first_non_finite(&self) -> Option<(usize, u32, u32, f64)>;
    /// Whether the synapse model has slow dynamics.
    fn is_slow(&self) -> bool;
    /// Slow clock, part 1: advances the slow state over `[t0, t0 + dt]` with the
    /// tags stored at `t0` and the protein integrals of each postsynaptic neuron.
    fn slow_apply(&mut self, t0_ms: f64, dt_ms: f64, levels: &[[f64; 2]], integrals: &[[f64; 2]]);
    /// Slow clock, part 2: brings every synapse to `t_ms` and adds its protein
    /// drive to `drive` (indexed by postsynaptic neuron).
    fn slow_drive(&mut self, t_ms: f64, drive: &mut [[f64; 2]]);
    /// In quiet conditions, ms until the next slow switch of any synapse (0: not quiet).
    fn next_switch_ms(&self, t_ms: f64) -> f64;
    /// In quiet conditions, adds the drive each synapse will exert `after_ms` from now.
    fn quiet_drive(&self, after_ms: f64, drive: &mut [[f64; 2]]);
    /// Mean of per-synapse variable `var` (see the model's `SYN_VARS`).
    fn syn_mean(&self, var: usize) -> f64;
    /// Names of the per-synapse variables.
    fn syn_vars(&self) -> &'static [engram_core::params::StateVar];
    /// Whether the synapse model asks for [`ProjectionDyn::step_fast`] every step.
    fn wants_fast(&self) -> bool;
    /// Fast synaptic dynamics of step `step`: calls the model's `step_fast` for every
    /// synapse whose presynaptic neuron spiked (`pre_spiked`, by presynaptic index)
    /// or whose postsynaptic neuron is awake (`awake`, not quiescent), with the
    /// postsynaptic potential `v_post` (both by postsynaptic index).
    fn step_fast(&mut self, step: Step, dt_ms: f64, pre_spiked: &[bool], v_post: &[f64], awake: &[bool]);
}

/// Delivery of one shard of one projection (see [`ProjectionDyn::deliver_tasks`]):
/// called with the shard's excitatory and inhibitory ring blocks and the ring length.
pub type ShardTask<'a> = Box<dyn FnOnce(&mut [f64], &mut [f64], usize) + Send + 'a>;

struct Shard<S: SynapseModel> {
    lo: u32,
    /// Row pointers into the arrays below, one row per presynaptic neuron.
    row: Vec<u32>,
    /// Postsynaptic neuron, relative to `lo` (a shard spans CHUNK <= 65536 neurons).
    post: Vec<u16>,
    /// Delays in steps; a single entry (stride `ds` = 0) when all are equal.
    delay: Vec<u16>,
    /// Weights; a single entry (stride `ws` = 0) when all are equal and the
    /// model never changes them ([`SynapseModel::WEIGHT_FIXED`]).
    weight: Vec<f64>,
    ds: usize,
    ws: usize,
    syn: Vec<S::Syn>,
    history: Vec<PostHistory>,
    /// Synapses by local postsynaptic neuron (only for models with `ON_POST`).
    by_post_ptr: Vec<u32>,
    by_post: Vec<u32>,
}

/// A projection whose synapses follow model `S`.
pub struct Projection<S: SynapseModel> {
    values: ParamValues,
    /// The params of `values`, derived ([`SynapseModel::derive`]).
    base: S::Params,
    /// The params in effect: `base`, or `base` at a modulator level.
    params: S::Params,
    receptor: Receptor,
    shards: Vec<Shard<S>>,
    /// Presynaptic state per row ([`SynapseModel::Row`]), by presynaptic neuron;
    /// shared by the shards (each reads it; it advances after all have delivered).
    rows: Vec<S::Row>,
    max_delay: u16,
    len: usize,
    dt: Dt,
    dt_ms: f64,
}

impl<S: SynapseModel> Projection<S> {
    /// Builds the sparse structure from `synapses`; shards are built in
    /// parallel on `pool` when one is given (the result does not depend on it).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        values: ParamValues,
        receptor: Receptor,
        n_pre: usize,
        n_post: usize,
        synapses: Synapses,
        dt: Dt,
        noise_key: u64,
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<Self, CoreError> {
        let mut params = S::params(&values)?;
        S::derive(&mut params, dt);
        let n_shards = n_post.div_ceil(CHUNK).max(1);
        let bounds = |k: usize| ((k * CHUNK) as u32, ((k + 1) * CHUNK).min(n_post) as u32);
        let shards: Vec<Result<Shard<S>, CoreError>> = match synapses {
            Synapses::Rule { rule: Rule::List(list), weight, delay, .. } => {
                let specs = list.into_iter().map(|(pre, post)| SynapseSpec { pre, post, weight, delay }).collect();
                Self::from_list(&params, n_pre, n_shards, bounds, specs)
            }
            Synapses::List(specs) => Self::from_list(&params, n_pre, n_shards, bounds, specs),
            Synapses::Rule { rule, same, seed, index, weight, delay } => {
                let build = |scratch: &mut RuleScratch, k: usize| {
                    let (lo, hi) = bounds(k);
                    Self::shard_from_rule(&params, n_pre, lo, hi, (&rule, same, seed, index), weight, delay, scratch)
                };
                match pool {
                    Some(pool) if n_shards > 1 => {
                        pool.install(|| (0..n_shards).into_par_iter().map_init(RuleScratch::default, build).collect())
                    }
                    _ => {
                        let mut scratch = RuleScratch::default();
                        (0..n_shards).map(|k| build(&mut scratch, k)).collect()
                    }
                }
            }
        };
        // The first error in shard order, whatever the thread count.
        let mut shards = shards.into_iter().collect::<Result<Vec<_>, _>>()?;
        let mut max_delay = 1;
        let mut len = 0;
        for sh in shards.iter_mut() {
            max_delay = sh.delay.iter().fold(max_delay, |m, &d| m.max(d));
            for (k, sy) in sh.syn.iter_mut().enumerate() {
                S::set_noise_key(sy, noise_key ^ (((len + k) as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
            }
            len += sh.post.len();
        }
        // Alternative initial state for an exact, seeded share of the synapses.
        let f = S::init_alternative_fraction(&params);
        if f > 0.0 && len > 0 {
            let k = ((f * len as f64).round() as usize).min(len);
            let mut idx: Vec<u32> = (0..len as u32).collect();
            let mut rng = Stream::new(noise_key, Purpose::InitialState, 0).rng();
            for i in 0..k {
                let j = i + rng.below((len - i) as u32) as usize;
                idx.swap(i, j);
            }
            let starts: Vec<usize> = shards
                .iter()
                .scan(0usize, |acc, sh: &Shard<S>| {
                    let a = *acc;
                    *acc += sh.post.len();
                    Some(a)
                })
                .collect();
            for &g in &idx[..k] {
                let g = g as usize;
                let si = starts.partition_point(|&a| a <= g) - 1;
                let sh = &mut shards[si];
                let local = g - starts[si];
                S::init_alternative(&params, &mut sh.syn[local], &mut sh.weight[local * sh.ws]);
            }
        }
        let base = params.clone();
        Ok(Self { values, base, params, receptor, shards, rows: vec![S::Row::default(); n_pre], max_delay, len, dt, dt_ms: dt.ms() })
    }
}

impl<S: SynapseModel> Projection<S> {
    /// The archives' remembered traces were computed with the old parameters.
    fn forget_memos(&mut self) {
        for sh in &mut self.shards {
            sh.history.iter_mut().for_each(PostHistory::forget_memo);
        }
    }

    /// Shards of an explicit list: one stable sort by (shard, pre, post), then
    /// each shard's slice is already in row order.
    fn from_list(
        params: &S::Params,
        n_pre: usize,
        n_shards: usize,
        bounds: impl Fn(usize) -> (u32, u32),
        mut synapses: Vec<SynapseSpec>,
    ) -> Vec<Result<Shard<S>, CoreError>> {
        synapses.sort_by_key(|s| ((s.post as usize / CHUNK), s.pre, s.post));
        let mut rest = &synapses[..];
        (0..n_shards)
            .map(|k| {
                let (lo, hi) = bounds(k);
                let n = rest.partition_point(|s| s.post < hi);
                let (mine, tail) = rest.split_at(n);
                rest = tail;
                let row = offsets(n_pre, mine.iter().map(|s| s.pre as usize));
                let mut incoming = vec![0u32; (hi - lo) as usize];
                let mut syn = Vec::with_capacity(n);
                for s in mine {
                    incoming[(s.post - lo) as usize] += 1;
                    syn.push(S::init(params, s.weight)?);
                }
                let post = mine.iter().map(|s| (s.post - lo) as u16).collect();
                let delay = mine.iter().map(|s| s.delay).collect();
                let weight = mine.iter().map(|s| s.weight).collect();
                Ok(Self::finish_shard(params, lo, row, post, delay, weight, syn, incoming))
            })
            .collect()
    }

    /// One shard of a rule: its synapses are drawn post by post (the order of
    /// [`connect::draw`]) into a list of presynaptic indices, then placed in
    /// rows by a stable counting sort on pre, which yields the (pre, post)
    /// order. The drawn list is the only per-synapse scratch, and it is reused.
    #[allow(clippy::too_many_arguments)]
    fn shard_from_rule(
        params: &S::Params,
        n_pre: usize,
        lo: u32,
        hi: u32,
        (rule, same, seed, index): (&Rule, bool, u64, usize),
        weight: f64,
        delay: u16,
        scratch: &mut RuleScratch,
    ) -> Result<Shard<S>, CoreError> {
        let RuleScratch { draws, pres } = scratch;
        pres.clear();
        if let Rule::FixedIndegree { k, .. } = rule {
            pres.reserve(*k as usize * (hi - lo) as usize);
        }
        let mut incoming = vec![0u32; (hi - lo) as usize];
        connect::draw(rule, n_pre, same, seed, index, lo as usize..hi as usize, draws, |pre, post| {
            pres.push(pre);
            incoming[(post - lo) as usize] += 1;
        });
        let n = pres.len();
        let row = offsets(n_pre, pres.iter().map(|&pre| pre as usize));
        let mut next = row.clone();
        let mut post = vec![0u16; n];
        let mut drawn = pres.iter();
        for (local, &c) in incoming.iter().enumerate() {
            for &pre in drawn.by_ref().take(c as usize) {
                let slot = &mut next[pre as usize];
                post[*slot as usize] = local as u16;
                *slot += 1;
            }
        }
        let syn = if n > 0 { vec![S::init(params, weight)?; n] } else { vec![] };
        // The homogeneous columns go in as the single entry they are stored as.
        let n_weights = if S::WEIGHT_FIXED { n.min(1) } else { n };
        Ok(Self::finish_shard(params, lo, row, post, vec![delay; n.min(1)], vec![weight; n_weights], syn, incoming))
    }

    /// The rest of a shard from its rows: homogeneous columns stored once,
    /// synapses by post (rules with `ON_POST`), spike archives.
    #[allow(clippy::too_many_arguments)]
    fn finish_shard(
        params: &S::Params,
        lo: u32,
        row: Vec<u32>,
        post: Vec<u16>,
        mut delay: Vec<u16>,
        mut weight: Vec<f64>,
        mut syn: Vec<S::Syn>,
        incoming: Vec<u32>,
    ) -> Shard<S> {
        let n_local = incoming.len();
        let (mut by_post_ptr, mut by_post) = (vec![], vec![]);
        if S::ON_POST {
            by_post_ptr = offsets(n_local, post.iter().map(|&q| q as usize));
            let mut fill = by_post_ptr.clone();
            by_post = vec![0u32; post.len()];
            for (k, &q) in post.iter().enumerate() {
                let slot = &mut fill[q as usize];
                by_post[*slot as usize] = k as u32;
                *slot += 1;
            }
        }
        let history = if S::post_tau_ms(params).is_some() { incoming.into_iter().map(PostHistory::new).collect() } else { vec![] };
        // Homogeneous columns are stored once (NEST's `_hom` synapses do the same
        // for weights): static networks then cost 2 bytes per synapse plus rows.
        let ds = if delay.windows(2).all(|w| w[0] == w[1]) && !delay.is_empty() {
            delay.truncate(1);
            0
        } else {
            1
        };
        let ws = if S::WEIGHT_FIXED && !weight.is_empty() && weight.iter().all(|&w: &f64| w.to_bits() == weight[0].to_bits()) {
            weight.truncate(1);
            0
        } else {
            1
        };
        // Grown by pushes: up to twice the synapses otherwise (plastic weights, state).
        delay.shrink_to_fit();
        weight.shrink_to_fit();
        syn.shrink_to_fit();
        Shard { lo, row, post, delay, weight, ds, ws, syn, history, by_post_ptr, by_post }
    }
}

/// Memory a projection needs, in bytes, estimated before it is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MemoryEstimate {
    /// Bytes per synapse kept once built (post index, columns that are not
    /// homogeneous, model state, index by post).
    pub per_synapse: usize,
    /// All bytes kept once built: the synapses, the row pointers and
    /// homogeneous columns of every shard, the per-postsynaptic-neuron arrays
    /// and the params' tables.
    pub kept: f64,
    /// Bytes held only while building (drawn lists, sort scratch), on top of `kept`.
    pub scratch: f64,
}

impl<S: SynapseModel> Projection<S> {
    /// Estimates the memory of a projection of about `synapses` synapses
    /// between populations of `n_pre` and `n_post` neurons; `explicit`: an
    /// explicit list (pairs, perhaps with their own weights and delays);
    /// `threads`: shards built at once. Mirrors the layout built by [`Projection::new`].
    pub fn estimate(synapses: f64, n_pre: usize, n_post: usize, explicit: bool, threads: usize) -> MemoryEstimate {
        use std::mem::size_of;
        let n_shards = n_post.div_ceil(CHUNK).max(1);
        // A rule's single weight and delay are stored once per shard; a list's
        // may differ from synapse to synapse.
        let weight = if S::WEIGHT_FIXED && !explicit { 0 } else { size_of::<f64>() };
        let delay = if explicit { size_of::<u16>() } else { 0 };
        let by_post = if S::ON_POST { size_of::<u32>() } else { 0 };
        let per_synapse = size_of::<u16>() + delay + weight + size_of::<S::Syn>() + by_post;
        // A spike archive per postsynaptic neuron for rules that read one (whether
        // a rule does is not a matter of its parameter values), and the params'
        // tables, as filled for the default parameters and step.
        let defaults = S::params(&S::INFO.defaults()).ok().map(|mut p| {
            S::derive(&mut p, Dt::from_ms(Dt::DEFAULT_MS).expect("a valid step"));
            p
        });
        let archive = defaults.as_ref().is_some_and(|p| S::post_tau_ms(p).is_some());
        let tables = defaults.as_ref().map_or(0, |p| S::params_heap_bytes(p));
        let per_post = if archive { size_of::<PostHistory>() } else { 0 } + by_post;
        let per_shard = (n_pre + 1) * size_of::<u32>() + size_of::<u16>() + size_of::<f64>();
        // Per-row presynaptic state (K+ and t_last of the STDP rules), once per pre neuron.
        let rows = n_pre * size_of::<S::Row>();
        let kept = synapses * per_synapse as f64 + (n_shards * per_shard + n_post * per_post + rows + tables) as f64;
        let scratch = if explicit {
            // The pairs, the specs made from them, and the stable sort's buffer (half the specs).
            synapses * (size_of::<(u32, u32)>() as f64 + 1.5 * size_of::<SynapseSpec>() as f64)
        } else {
            // Per shard being built: its drawn pre indices (a reused buffer, up
            // to twice the largest shard) and a copy of its row pointers.
            let busy = threads.clamp(1, n_shards) as f64;
            busy * (2.0 * synapses / n_shards as f64 * size_of::<u32>() as f64 + ((n_pre + 1) * size_of::<u32>()) as f64)
        };
        // The seeded choice of synapses put in an alternative initial state
        // (models with state only) lists every synapse index once.
        let scratch = scratch.max(if size_of::<S::Syn>() > 0 { synapses * size_of::<u32>() as f64 } else { 0.0 });
        MemoryEstimate { per_synapse, kept, scratch }
    }
}

/// Compressed-row offsets of `keys` (each below `n`): `n + 1` entries, entry
/// `i` the number of keys below `i`.
fn offsets(n: usize, keys: impl Iterator<Item = usize>) -> Vec<u32> {
    let mut ptr = vec![0u32; n + 1];
    for k in keys {
        ptr[k + 1] += 1;
    }
    for i in 0..n {
        ptr[i + 1] += ptr[i];
    }
    ptr
}

/// Per-thread scratch of [`Projection::new`] for rules.
#[derive(Default)]
struct RuleScratch {
    draws: connect::Scratch,
    /// Presynaptic indices of one shard in drawn order (by post).
    pres: Vec<u32>,
}

/// How many synapses ahead [`deliver_shard`] loads a postsynaptic archive.
const AHEAD: usize = 8;

#[inline]
#[allow(clippy::too_many_arguments)]
fn deliver_shard<S: SynapseModel>(
    p: &S::Params,
    receptor: Receptor,
    sh: &mut Shard<S>,
    rows: &[S::Row],
    s: Step,
    pre_spikes: &[u32],
    exc: &mut [f64],
    inh: &mut [f64],
    slots: usize,
    dt_ms: f64,
    modulator: Option<&ModulatorTrace>,
) {
    let stamp = s + 1;
    // Ring slot of delay d: (s + d) % slots, without a 64-bit division per synapse
    // (every delay is shorter than the ring, so one subtraction wraps it).
    let base = (s % slots as u64) as usize;
    // The shard's block of the ring buffers is slot-major (see `InputBuffer`).
    let chunk_len = exc.len() / slots;
    let mut none = PostHistory::default();
    // Archives loaded ahead of their use (see below); folded into one value that
    // is kept, so that the loads are made.
    let mut ahead = 0i64;
    for (n, &j) in pre_spikes.iter().enumerate() {
        let (a, b) = (sh.row[j as usize] as usize, sh.row[j as usize + 1] as usize);
        let row = &rows[j as usize];
        // The first post index and weight of the next row, likewise (the
        // hardware prefetcher only follows a row once it has missed on it).
        if !sh.history.is_empty() {
            if let Some(&next) = pre_spikes.get(n + 1) {
                let c = sh.row[next as usize] as usize;
                if c < sh.post.len() {
                    ahead ^= sh.post[c] as i64 ^ sh.weight[c * sh.ws].to_bits() as i64;
                }
            }
        }
        for k in a..b {
            let local = sh.post[k] as usize;
            let d = sh.delay[k * sh.ds] as u64;
            // The archive of the synapse AHEAD places on: a load whose result
            // nothing waits for, so its cache miss overlaps with this synapse's
            // work instead of stalling the synapse that needs it.
            if !sh.history.is_empty() && k + AHEAD < b {
                ahead ^= sh.history[sh.post[k + AHEAD] as usize].touch();
            }
            {
                // Rules without a spike archive get an empty one.
                let post = if sh.history.is_empty() { &mut none } else { &mut sh.history[local] };
                let mut cx = PreSpike { stamp, delay: d, dt_ms, post, row };
                match modulator {
                    Some(m) if S::MODULATOR.is_some() => S::on_pre_modulated(p, &mut sh.syn[k], &mut sh.weight[k * sh.ws], &mut cx, m),
                    _ => S::on_pre(p, &mut sh.syn[k], &mut sh.weight[k * sh.ws], &mut cx),
                }
            }
            let w = S::transmitted(p, &sh.syn[k], sh.weight[k * sh.ws]);
            // A spike with stamp s+1 and delay d is applied in step s + d.
            debug_assert!((d as usize) < slots);
            let mut off = base + d as usize;
            if off >= slots {
                off -= slots;
            }
            let slot = off * chunk_len + local;
            match receptor {
                Receptor::Excitatory => exc[slot] += w,
                Receptor::Inhibitory => inh[slot] += w,
                Receptor::BySign => {
                    if w >= 0.0 {
                        exc[slot] += w
                    } else {
                        inh[slot] += w
                    }
                }
            }
        }
    }
    std::hint::black_box(ahead);
}

impl<S: SynapseModel> ProjectionDyn for Projection<S> {
    fn info(&self) -> &'static ModelInfo {
        const { &S::INFO }
    }
    fn len(&self) -> usize {
        self.len
    }
    fn max_delay(&self) -> u16 {
        self.max_delay
    }

    fn record_post_spikes(&mut self, stamp: Step, post_spikes: &[u32]) {
        if S::ON_POST {
            let cx = PostSpike { stamp, dt_ms: self.dt_ms };
            for &i in post_spikes {
                let sh = &mut self.shards[i as usize / CHUNK];
                let local = (i - sh.lo) as usize;
                for j in sh.by_post_ptr[local] as usize..sh.by_post_ptr[local + 1] as usize {
                    let k = sh.by_post[j] as usize;
                    S::on_post(&self.params, &mut sh.syn[k], &mut sh.weight[k * sh.ws], &cx);
                }
            }
        }
        let Some(tau) = S::post_tau_ms(&self.params) else { return };
        let horizon = self.max_delay as Step;
        let dt = self.dt_ms;
        for &i in post_spikes {
            let sh = &mut self.shards[i as usize / CHUNK];
            let local = (i - sh.lo) as usize;
            sh.history[local].record(stamp, horizon, |steps| (-(steps as f64) * dt / tau).exp());
        }
    }

    fn deliver(&mut self, s: Step, pre_spikes: &[u32], input: &mut InputBuffer, dt_ms: f64, modulator: Option<&ModulatorTrace>) {
        if pre_spikes.is_empty() {
            return;
        }
        let slots = input.slots;
        let (p, receptor, rows) = (&self.params, self.receptor, &self.rows[..]);
        for (sh, (exc, inh)) in
            self.shards.iter_mut().zip(input.exc.chunks_mut(CHUNK * slots).zip(input.inh.chunks_mut(CHUNK * slots)))
        {
            deliver_shard::<S>(p, receptor, sh, rows, s, pre_spikes, exc, inh, slots, dt_ms, modulator);
        }
        self.finish_deliver(s, pre_spikes, dt_ms);
    }

    fn n_shards(&self) -> usize {
        self.shards.len()
    }

    fn deliver_tasks<'a>(
        &'a mut self,
        s: Step,
        pre_spikes: &'a [u32],
        dt_ms: f64,
        modulator: Option<&'a ModulatorTrace>,
        out: &mut [Vec<ShardTask<'a>>],
    ) {
        if pre_spikes.is_empty() {
            return;
        }
        let (p, receptor, rows) = (&self.params, self.receptor, &self.rows[..]);
        for (sh, tasks) in self.shards.iter_mut().zip(out.iter_mut()) {
            tasks.push(Box::new(move |exc: &mut [f64], inh: &mut [f64], slots: usize| {
                deliver_shard::<S>(p, receptor, sh, rows, s, pre_spikes, exc, inh, slots, dt_ms, modulator)
            }));
        }
    }

    fn finish_deliver(&mut self, s: Step, pre_spikes: &[u32], dt_ms: f64) {
        // Every shard has seen the rows as they were before the spike; now advance them.
        if std::mem::size_of::<S::Row>() > 0 {
            for &j in pre_spikes {
                S::on_pre_row(&self.params, &mut self.rows[j as usize], s + 1, dt_ms);
            }
        }
    }

    fn modulator(&self) -> Option<&'static str> {
        S::MODULATOR
    }

    fn catch_up(&mut self, stamp: Step, m: &ModulatorTrace, parallel: bool) {
        if S::MODULATOR.is_none() {
            return;
        }
        let (p, dt_ms) = (&self.params, self.dt_ms);
        let shard = |sh: &mut Shard<S>| {
            let mut none = PostHistory::default();
            for k in 0..sh.post.len() {
                let local = sh.post[k] as usize;
                let post = if sh.history.is_empty() { &mut none } else { &mut sh.history[local] };
                let mut cx = CatchUp { stamp, delay: sh.delay[k * sh.ds] as Step, dt_ms, post };
                S::catch_up(p, &mut sh.syn[k], &mut sh.weight[k * sh.ws], &mut cx, m);
            }
        };
        if parallel && self.shards.len() > 1 {
            self.shards.par_iter_mut().for_each(shard);
        } else {
            self.shards.iter_mut().for_each(shard);
        }
    }

    fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        self.rows.capacity() * size_of::<S::Row>()
            + S::params_heap_bytes(&self.params)
            + self
            .shards
            .iter()
            .map(|sh| {
                sh.row.capacity() * size_of::<u32>()
                    + sh.post.capacity() * size_of::<u16>()
                    + sh.delay.capacity() * size_of::<u16>()
                    + sh.weight.capacity() * size_of::<f64>()
                    + sh.syn.capacity() * size_of::<S::Syn>()
                    + sh.history.capacity() * size_of::<PostHistory>()
                    + sh.history.iter().map(PostHistory::heap_bytes).sum::<usize>()
                    + (sh.by_post_ptr.capacity() + sh.by_post.capacity()) * size_of::<u32>()
            })
            .sum::<usize>()
    }

    fn weight_sum(&self) -> (f64, usize) {
        let mut sum = 0.0;
        for sh in &self.shards {
            sum += if sh.ws == 0 { sh.weight.first().map_or(0.0, |&w| w * sh.post.len() as f64) } else { sh.weight.iter().sum::<f64>() };
        }
        (sum, self.len)
    }

    fn synapses(&self) -> Vec<(u32, u32, f64)> {
        let mut out = Vec::with_capacity(self.len);
        for sh in &self.shards {
            for j in 0..sh.row.len() - 1 {
                for k in sh.row[j] as usize..sh.row[j + 1] as usize {
                    out.push((j as u32, sh.lo + sh.post[k] as u32, sh.weight[k * sh.ws]));
                }
            }
        }
        out
    }

    fn values(&self) -> &ParamValues {
        &self.values
    }

    fn set_values(&mut self, v: ParamValues) -> Result<(), CoreError> {
        let mut base = S::params(&v)?;
        S::derive(&mut base, self.dt);
        self.params = base.clone();
        self.base = base;
        self.values = v;
        self.forget_memos();
        Ok(())
    }

    fn level_modulator(&self) -> Option<&'static str> {
        S::LEVEL_MODULATOR
    }

    fn set_level(&mut self, level: f64) {
        // From the derived base: what the level leaves alone (the decay tables
        // when the time constants stay) is shared, not filled again.
        self.params = S::at_level(&self.base, level);
        S::derive(&mut self.params, self.dt);
        self.forget_memos();
    }

    fn is_slow(&self) -> bool {
        S::SLOW
    }

    fn slow_apply(&mut self, t0_ms: f64, dt_ms: f64, levels: &[[f64; 2]], integrals: &[[f64; 2]]) {
        if !S::SLOW {
            return;
        }
        for sh in self.shards.iter_mut() {
            for k in 0..sh.post.len() {
                let q = (sh.lo + sh.post[k] as u32) as usize;
                let cx = SlowTick { t0_ms, dt_ms, protein: levels[q], protein_integral: integrals[q] };
                S::slow_apply(&self.params, &mut sh.syn[k], &mut sh.weight[k * sh.ws], &cx);
            }
        }
    }

    fn slow_drive(&mut self, t_ms: f64, drive: &mut [[f64; 2]]) {
        if !S::SLOW {
            return;
        }
        for sh in self.shards.iter_mut() {
            for k in 0..sh.post.len() {
                let d = S::slow_drive(&self.params, &mut sh.syn[k], &mut sh.weight[k * sh.ws], t_ms);
                let q = (sh.lo + sh.post[k] as u32) as usize;
                drive[q][0] += d[0];
                drive[q][1] += d[1];
            }
        }
    }

    fn next_switch_ms(&self, t_ms: f64) -> f64 {
        let mut next = f64::INFINITY;
        for sh in &self.shards {
            for sy in &sh.syn {
                next = next.min(S::next_switch_ms(&self.params, sy, t_ms));
            }
        }
        next
    }

    fn quiet_drive(&self, after_ms: f64, drive: &mut [[f64; 2]]) {
        for sh in &self.shards {
            for (k, sy) in sh.syn.iter().enumerate() {
                let d = S::quiet_drive(&self.params, sy, after_ms);
                let q = (sh.lo + sh.post[k] as u32) as usize;
                drive[q][0] += d[0];
                drive[q][1] += d[1];
            }
        }
    }

    fn syn_mean(&self, var: usize) -> f64 {
        let mut sum = 0.0;
        for sh in &self.shards {
            for (k, sy) in sh.syn.iter().enumerate() {
                sum += S::read(&self.params, sy, sh.weight[k * sh.ws], var);
            }
        }
        if self.len == 0 {
            f64::NAN
        } else {
            sum / self.len as f64
        }
    }

    fn syn_vars(&self) -> &'static [engram_core::params::StateVar] {
        S::SYN_VARS
    }

    fn wants_fast(&self) -> bool {
        S::STEP_FAST
    }

    fn step_fast(&mut self, step: Step, dt_ms: f64, pre_spiked: &[bool], v_post: &[f64], awake: &[bool]) {
        if !S::STEP_FAST {
            return;
        }
        let p = &self.params;
        for sh in self.shards.iter_mut() {
            for j in 0..sh.row.len() - 1 {
                let pre_spiked = pre_spiked[j];
                for k in sh.row[j] as usize..sh.row[j + 1] as usize {
                    let q = (sh.lo + sh.post[k] as u32) as usize;
                    if pre_spiked || awake[q] {
                        let cx = FastStep { step, dt_ms, v_post: v_post[q], pre_spiked };
                        S::step_fast(p, &mut sh.syn[k], &mut sh.weight[k * sh.ws], &cx);
                    }
                }
            }
        }
    }

    fn first_non_finite(&self) -> Option<(usize, u32, u32, f64)> {
        let mut base = 0;
        for sh in &self.shards {
            // A homogeneous column holds the weight of synapse 0 only.
            if let Some(k) = sh.weight.iter().position(|w| !w.is_finite()) {
                let pre = sh.row.partition_point(|&r| r as usize <= k) as u32 - 1;
                return Some((base + k, pre, sh.lo + sh.post[k] as u32, sh.weight[k]));
            }
            base += sh.post.len();
        }
        None
    }
}
