//! Populations: contiguous state of one neuron model, plus its input ring buffers.
//!
//! `Population<M>` is generic over the model and runs a tight monomorphic loop;
//! the engine holds it as `Box<dyn PopulationDyn>`, so there is one dynamic call
//! per population per step, never one per neuron.

use engram_core::model::{InputKind, NeuronModel};
use engram_core::params::{ModelInfo, ParamValues};
use engram_core::time::{Dt, Step};
use engram_core::CoreError;

/// Neurons per work chunk. Fixed (not derived from the thread count) so that
/// the work decomposition, and hence every result, is the same for any number
/// of threads.
pub const CHUNK: usize = 1024;

/// Per-neuron synaptic input ring buffers, slot-major within each chunk of
/// [`CHUNK`] neurons: chunk `c` owns the contiguous block
/// `[c·CHUNK·slots, (c·CHUNK + len_c)·slots)`, and inside it slot `k` of its
/// `j`-th neuron is at `k·len_c + j` (`len_c` = neurons in the chunk). A chunk
/// still owns a contiguous range (shards deliver into it in parallel), and one
/// step's slot of a chunk is contiguous (the neuron update reads it in order).
#[derive(Debug, Clone, Default)]
pub struct InputBuffer {
    /// Ring length (max delay + 1 steps).
    pub slots: usize,
    /// Excitatory input per (neuron, slot).
    pub exc: Vec<f64>,
    /// Inhibitory input per (neuron, slot).
    pub inh: Vec<f64>,
    /// Injected current for the current step, per neuron [pA].
    pub current: Vec<f64>,
}

impl InputBuffer {
    fn new(n: usize, slots: usize) -> Self {
        Self { slots, exc: vec![0.0; n * slots], inh: vec![0.0; n * slots], current: vec![0.0; n] }
    }
}

/// Input added to a chunk within its update task: called with the chunk index,
/// its excitatory and inhibitory ring blocks and the ring length.
pub type BeforeChunk<'a> = dyn Fn(usize, &mut [f64], &mut [f64], usize) + Sync + 'a;

/// The engine's view of a population.
pub trait PopulationDyn: Send + Sync {
    /// Catalogue metadata of the model.
    fn info(&self) -> &'static ModelInfo;
    /// Number of neurons.
    fn size(&self) -> usize;
    /// How weights are read.
    fn input_kind(&self) -> InputKind;
    /// Whether the model only spikes when imposed.
    fn is_source(&self) -> bool;
    /// Sets the ring-buffer length (called once when the network is finalised).
    fn resize_input(&mut self, slots: usize);
    /// The input buffers, for spike delivery.
    fn input(&mut self) -> &mut InputBuffer;
    /// Advances every neuron by step `s`; `imposed` (sorted) neurons spike regardless.
    /// Spiking neuron indices are written to `spikes` in ascending order. (With
    /// threads, the engine runs the chunks of all populations in one region:
    /// [`PopulationDyn::spawn_update`].)
    fn update(&mut self, s: Step, imposed: &[u32], spikes: &mut Vec<u32>);
    /// Work chunks of [`PopulationDyn::spawn_update`] ([`CHUNK`] neurons each; 0 for spike sources).
    fn n_chunks(&self) -> usize;
    /// The natural part of [`PopulationDyn::update`] as one task per chunk
    /// spawned into `scope` (so that several populations share one parallel
    /// region): chunk `c` writes its spikes, ascending, into `out[c]`. Each
    /// task first calls `before(c, exc, inh, slots)` with the chunk's blocks of
    /// the ring buffers (input added in the step itself, e.g. Poisson input).
    /// [`PopulationDyn::finish_update`] completes the step.
    fn spawn_update<'a>(
        &'a mut self,
        scope: &rayon::Scope<'a>,
        s: Step,
        out: &'a mut [Vec<u32>],
        before: &'a BeforeChunk<'a>,
    );
    /// Completes a step begun by [`PopulationDyn::spawn_update`]: `spikes` gets
    /// the chunks' spikes in chunk order, merged with the `imposed` ones, which
    /// spike regardless (the same result as [`PopulationDyn::update`]).
    fn finish_update(&mut self, imposed: &[u32], out: &[Vec<u32>], spikes: &mut Vec<u32>);
    /// Reads state variable `var` of neuron `i`.
    fn read(&self, var: usize, i: usize) -> f64;
    /// Current parameter values.
    fn values(&self) -> &ParamValues;
    /// Replaces the parameters (interventions); state is kept.
    fn set_values(&mut self, v: ParamValues, dt: Dt) -> Result<(), CoreError>;
    /// The first (neuron, state variable index, value) that is not finite, if any.
    fn first_non_finite(&self) -> Option<(usize, usize, f64)>;
    /// Whether every neuron is certain to stay silent without new input (no
    /// pending input, no injected current, quiescent state).
    fn quiescent(&self) -> bool;
    /// Advances `n` steps without input, in closed form.
    fn fast_forward(&mut self, n: Step, dt: Dt);
    /// For fast synaptic dynamics: writes every neuron's membrane potential (the
    /// state variable named `V_m`) and whether it is awake (not quiescent); returns
    /// whether any is awake, or `None` if the model has no `V_m`.
    fn potential_and_awake(&self, v: &mut [f64], awake: &mut [bool]) -> Option<bool>;
}

/// A population of `M` neurons.
pub struct Population<M: NeuronModel> {
    values: ParamValues,
    params: M::Params,
    derived: M::Derived,
    states: Vec<M::State>,
    input: InputBuffer,
}

impl<M: NeuronModel> Population<M> {
    /// `n` neurons with parameters `values`.
    pub fn new(n: usize, values: ParamValues, dt: Dt) -> Result<Self, CoreError> {
        let params = M::params(&values)?;
        let derived = M::derive(&params, dt);
        let states = vec![M::init(&params); n];
        Ok(Self { values, params, derived, states, input: InputBuffer::new(n, 1) })
    }
}

impl<M: NeuronModel> Population<M> {
    /// Imposed spikes (sorted) after the natural ones in `spikes`.
    fn impose(&mut self, imposed: &[u32], spikes: &mut Vec<u32>) {
        if !imposed.is_empty() {
            let (p, d) = (&self.params, &self.derived);
            for &i in imposed {
                M::impose_spike(p, d, &mut self.states[i as usize]);
            }
            let natural = std::mem::take(spikes);
            merge_sorted_unique(&natural, imposed, spikes);
        }
    }
}

fn update_chunk<M: NeuronModel>(
    p: &M::Params,
    d: &M::Derived,
    states: &mut [M::State],
    exc: &mut [f64],
    inh: &mut [f64],
    current: &[f64],
    slots: usize,
    slot: usize,
    base: u32,
    spikes: &mut Vec<u32>,
) {
    let n = states.len();
    debug_assert_eq!(exc.len(), n * slots);
    let (ex, ih) = (&mut exc[slot * n..(slot + 1) * n], &mut inh[slot * n..(slot + 1) * n]);
    M::update_block(p, d, states, ex, ih, current, base, spikes);
}

impl<M: NeuronModel> PopulationDyn for Population<M> {
    fn info(&self) -> &'static ModelInfo {
        // INFO is a const; promote it to a static reference.
        const { &M::INFO }
    }
    fn size(&self) -> usize {
        self.states.len()
    }
    fn input_kind(&self) -> InputKind {
        M::INPUT
    }
    fn is_source(&self) -> bool {
        M::is_source()
    }
    fn resize_input(&mut self, slots: usize) {
        self.input = InputBuffer::new(self.states.len(), slots.max(1));
    }
    fn input(&mut self) -> &mut InputBuffer {
        &mut self.input
    }

    fn update(&mut self, s: Step, imposed: &[u32], spikes: &mut Vec<u32>) {
        spikes.clear();
        let (p, d) = (&self.params, &self.derived);
        if !M::is_source() {
            let slots = self.input.slots;
            let slot = (s % slots as u64) as usize;
            let inp = &mut self.input;
            // The buffer layout is per chunk (see `InputBuffer`).
            for (c, (((st, ex), ih), cur)) in self
                .states
                .chunks_mut(CHUNK)
                .zip(inp.exc.chunks_mut(CHUNK * slots))
                .zip(inp.inh.chunks_mut(CHUNK * slots))
                .zip(inp.current.chunks(CHUNK))
                .enumerate()
            {
                update_chunk::<M>(p, d, st, ex, ih, cur, slots, slot, (c * CHUNK) as u32, spikes);
            }
        }
        self.impose(imposed, spikes);
    }

    fn n_chunks(&self) -> usize {
        if M::is_source() {
            0
        } else {
            self.states.len().div_ceil(CHUNK)
        }
    }

    fn spawn_update<'a>(
        &'a mut self,
        scope: &rayon::Scope<'a>,
        s: Step,
        out: &'a mut [Vec<u32>],
        before: &'a BeforeChunk<'a>,
    ) {
        if M::is_source() {
            return;
        }
        let (p, d) = (&self.params, &self.derived);
        let slots = self.input.slots;
        let slot = (s % slots as u64) as usize;
        let inp = &mut self.input;
        for (c, ((((st, ex), ih), cur), o)) in self
            .states
            .chunks_mut(CHUNK)
            .zip(inp.exc.chunks_mut(CHUNK * slots))
            .zip(inp.inh.chunks_mut(CHUNK * slots))
            .zip(inp.current.chunks(CHUNK))
            .zip(out.iter_mut())
            .enumerate()
        {
            scope.spawn(move |_| {
                o.clear();
                before(c, ex, ih, slots);
                update_chunk::<M>(p, d, st, ex, ih, cur, slots, slot, (c * CHUNK) as u32, o);
            });
        }
    }

    fn finish_update(&mut self, imposed: &[u32], out: &[Vec<u32>], spikes: &mut Vec<u32>) {
        spikes.clear();
        for o in out {
            spikes.extend_from_slice(o);
        }
        self.impose(imposed, spikes);
    }

    fn read(&self, var: usize, i: usize) -> f64 {
        M::read(&self.params, &self.states[i], var)
    }
    fn values(&self) -> &ParamValues {
        &self.values
    }
    fn set_values(&mut self, v: ParamValues, dt: Dt) -> Result<(), CoreError> {
        let params = M::params(&v)?;
        self.derived = M::derive(&params, dt);
        self.params = params;
        self.values = v;
        Ok(())
    }
    fn quiescent(&self) -> bool {
        let inp = &self.input;
        inp.exc.iter().all(|&x| x == 0.0)
            && inp.inh.iter().all(|&x| x == 0.0)
            && inp.current.iter().all(|&x| x == 0.0)
            && self.states.iter().all(|s| M::is_quiescent(&self.params, &self.derived, s))
    }

    fn fast_forward(&mut self, n: Step, dt: Dt) {
        for s in self.states.iter_mut() {
            M::fast_forward(&self.params, &self.derived, s, n, dt);
        }
    }

    fn potential_and_awake(&self, v: &mut [f64], awake: &mut [bool]) -> Option<bool> {
        let var = M::INFO.state_vars.iter().position(|x| x.name == "V_m")?;
        let mut any = false;
        for ((s, v), a) in self.states.iter().zip(v.iter_mut()).zip(awake.iter_mut()) {
            *v = M::read(&self.params, s, var);
            *a = !M::is_quiescent(&self.params, &self.derived, s);
            any |= *a;
        }
        Some(any)
    }

    fn first_non_finite(&self) -> Option<(usize, usize, f64)> {
        let n_vars = M::INFO.state_vars.len();
        self.states.iter().enumerate().find_map(|(i, s)| {
            (0..n_vars).map(|var| (i, var, M::read(&self.params, s, var))).find(|(_, _, v)| !v.is_finite())
        })
    }
}

/// Merges two ascending lists into `out`, dropping duplicates.
fn merge_sorted_unique(a: &[u32], b: &[u32], out: &mut Vec<u32>) {
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        let next = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x < y => {
                i += 1;
                x
            }
            (Some(&x), Some(&y)) if x > y => {
                j += 1;
                y
            }
            (Some(&x), Some(_)) => {
                i += 1;
                j += 1;
                x
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (None, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => break,
        };
        out.push(next);
    }
}

#[cfg(test)]
mod tests {
    use super::merge_sorted_unique;

    #[test]
    fn merge_keeps_order_and_drops_duplicates() {
        let mut out = vec![];
        merge_sorted_unique(&[1, 4, 9], &[0, 4, 10], &mut out);
        assert_eq!(out, vec![0, 1, 4, 9, 10]);
    }
}
