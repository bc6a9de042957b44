//! Criterion micro-benchmarks of the hot loops of the plastic Brunel benchmark
//! (benchmarks/brunel_plastic.toml), at its sizes and rates (about 34 Hz, i.e.
//! 34 spikes per 0.1 ms step among 10,000 neurons; 27 of them excitatory):
//!
//! - `neuron_update`: one step of 10,000 `lif_psc_delta` neurons (bias current
//!   that makes them fire at about 28 Hz), through the engine's `Population`.
//! - `spike_delivery/static`: 34 presynaptic spikes delivered through a static
//!   10,000 x 10,000 projection, p = 0.1, delay 15 steps (about 34,000 synapses
//!   per step) into the ring buffers.
//! - `stdp/post`: 27 postsynaptic spikes recorded in the spike archives of a
//!   `stdp_pair` projection 8000 x 8000, p = 0.1 (the whole post-side cost of
//!   NEST `stdp_synapse` semantics: the update is lazy; here nobody reads the
//!   archives, so they grow during the measurement).
//! - `stdp/pre_and_post`: the same 27 post spikes, then 27 presynaptic spikes
//!   delivered through it (facilitation from the archive, depression,
//!   transmission: about 21,600 synapses per step), after 200 ms of the same
//!   to reach the steady state.
//!
//! Throughput is in synapses (or neurons) per second; criterion reports the
//! time per step. Run: `cargo bench --manifest-path benchmarks/micro/Cargo.toml`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use engram_core::model::{NeuronModel, SynapseModel};
use engram_engine::population::{Population, PopulationDyn};
use engram_engine::projection::{Projection, ProjectionDyn, Receptor, Synapses};
use engram_micro::{dt, random_synapses, Mix};
use engram_models::neuron::lif_psc_delta::LifPscDelta;
use engram_models::synapse::static_synapse::StaticSynapse;
use engram_models::synapse::stdp_pair::StdpAllToAll;

const SLOTS: usize = 16; // delay 1.5 ms = 15 steps, plus one

fn brunel_neurons(n: usize, i_e: f64) -> Population<LifPscDelta> {
    let values = LifPscDelta::INFO
        .resolve([("tau_m", 20.0), ("t_ref", 2.0), ("E_L", 0.0), ("V_reset", 0.0), ("V_th", 20.0), ("V_init", 0.0), ("I_e", i_e)])
        .unwrap();
    let mut pop = Population::<LifPscDelta>::new(n, values, dt()).unwrap();
    pop.resize_input(SLOTS);
    pop
}

fn neuron_update(c: &mut Criterion) {
    let n = 10_000;
    // I_e = 300 pA: V_inf = 24 mV > V_th, regular firing at about 28 Hz.
    let mut pop = brunel_neurons(n, 300.0);
    let mut spikes = Vec::new();
    let mut s = 0u64;
    let mut g = c.benchmark_group("neuron_update");
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("lif_psc_delta_10k", |b| {
        b.iter(|| {
            pop.update(s, &[], &mut spikes);
            s += 1;
            black_box(spikes.len())
        })
    });
    g.finish();
}

/// Precomputed spike lists (a cycle of 256 steps) and the mean number of
/// synapses they reach.
fn spike_cycle(n_pre: u32, per_step: usize, out_degree: &[usize], seed: u64) -> (Vec<Vec<u32>>, f64) {
    let mut mix = Mix(seed);
    let lists: Vec<Vec<u32>> = (0..256).map(|_| mix.spikes(n_pre, per_step)).collect();
    let reached: usize = lists.iter().flatten().map(|&j| out_degree[j as usize]).sum();
    let mean = reached as f64 / lists.len() as f64;
    (lists, mean)
}

fn out_degrees(n_pre: usize, syn: &[engram_engine::projection::SynapseSpec]) -> Vec<usize> {
    let mut d = vec![0usize; n_pre];
    for s in syn {
        d[s.pre as usize] += 1;
    }
    d
}

fn spike_delivery(c: &mut Criterion) {
    let (n_pre, n_post) = (10_000, 10_000);
    let syn = random_synapses(n_pre, n_post, 0.1, 0.1, 15, 1);
    let deg = out_degrees(n_pre, &syn);
    let (lists, per_step) = spike_cycle(n_pre as u32, 34, &deg, 2);
    let mut proj =
        Projection::<StaticSynapse>::new(StaticSynapse::INFO.defaults(), Receptor::BySign, n_pre, n_post, Synapses::List(syn), dt(), 0, None)
            .unwrap();
    let mut post = brunel_neurons(n_post, 0.0);
    let mut s = 0u64;
    let mut g = c.benchmark_group("spike_delivery");
    g.throughput(Throughput::Elements(per_step as u64));
    g.bench_function("static_10kx10k_p0.1_34_spikes", |b| {
        b.iter(|| {
            let pre = &lists[(s % 256) as usize];
            let input = post.input();
            proj.deliver(s, pre, input, 0.1, None);
            // The neuron update clears the slot it reads; do the same here so
            // the buffers stay bounded.
            let slot = (s % SLOTS as u64) as usize;
            for i in 0..n_post {
                input.exc[i * SLOTS + slot] = 0.0;
            }
            s += 1;
        })
    });
    g.finish();
}

fn stdp(c: &mut Criterion) {
    let n = 8000;
    let syn = random_synapses(n, n, 0.1, 0.1, 15, 3);
    let deg = out_degrees(n, &syn);
    let (pre_lists, per_step) = spike_cycle(n as u32, 27, &deg, 4);
    let (post_lists, _) = spike_cycle(n as u32, 27, &deg, 5);
    let values = StdpAllToAll::INFO
        .resolve([("lambda", 0.01), ("alpha", 2.02), ("mu_plus", 1.0), ("mu_minus", 1.0), ("Wmax", 0.3), ("tau_plus", 20.0), ("tau_minus", 20.0)])
        .unwrap();
    // Post spikes alone: archives that nobody reads grow, so this runs on its own
    // projection, in batches of 256 steps on a fresh copy of the archives' owner.
    let mut g = c.benchmark_group("stdp");
    {
        let small = random_synapses(n, n, 0.1, 0.1, 15, 6);
        let proj = Projection::<StdpAllToAll>::new(values.clone(), Receptor::BySign, n, n, Synapses::List(small), dt(), 0, None).unwrap();
        let mut proj = Some(proj);
        let mut s = 0u64;
        g.throughput(Throughput::Elements(27));
        g.bench_function("post_27_spikes_8kx8k", |b| {
            b.iter(|| {
                let p = proj.as_mut().unwrap();
                p.record_post_spikes(s + 1, &post_lists[(s % 256) as usize]);
                s += 1;
            })
        });
        drop(proj.take());
    }
    // Steady state of the plastic Brunel benchmark: post spikes are archived and
    // every presynaptic spike reads them (so the archives stay short).
    let mut proj = Projection::<StdpAllToAll>::new(values, Receptor::BySign, n, n, Synapses::List(syn), dt(), 0, None).unwrap();
    let mut post = brunel_neurons(n, 0.0);
    let mut s = 0u64;
    let step = |s: u64, proj: &mut Projection<StdpAllToAll>, post: &mut Population<LifPscDelta>| {
        proj.record_post_spikes(s + 1, &post_lists[(s % 256) as usize]);
        let input = post.input();
        proj.deliver(s, &pre_lists[(s % 256) as usize], input, 0.1, None);
        let slot = (s % SLOTS as u64) as usize;
        for i in 0..n {
            input.exc[i * SLOTS + slot] = 0.0;
        }
    };
    // Every synapse reads the archive from t = 0 at its first presynaptic spike
    // (NEST semantics); run 2000 steps (200 ms) before measuring.
    for _ in 0..2000 {
        step(s, &mut proj, &mut post);
        s += 1;
    }
    g.throughput(Throughput::Elements(per_step as u64));
    g.bench_function("pre_and_post_27_spikes_8kx8k", |b| {
        b.iter(|| {
            step(s, &mut proj, &mut post);
            s += 1;
        })
    });
    g.finish();
}

fn config() -> Criterion {
    Criterion::default().sample_size(30).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4))
}

criterion_group! { name = benches; config = config(); targets = neuron_update, spike_delivery, stdp }
criterion_main!(benches);
