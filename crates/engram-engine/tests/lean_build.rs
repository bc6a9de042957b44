//! Issue 4 (lean build): a projection drawn by a rule inside the engine, shard
//! by shard (counting sort on pre), is the projection built from the same
//! rule's pair list (one stable comparison sort), synapse for synapse and byte
//! for byte, with any number of threads.

use engram_core::model::{NeuronModel, SynapseModel};
use engram_core::time::Dt;
use engram_engine::connect::{self, Rule};
use engram_engine::projection::{Receptor, SynapseSpec, Synapses};
use engram_engine::Simulation;
use engram_models::neuron::lif_psc_exp::LifPscExp;
use engram_models::neuron::spike_source::SpikeSource;
use engram_models::synapse::static_synapse::StaticSynapse;
use engram_models::synapse::stdp_pair::StdpAllToAll;
use engram_models::synapse::tsodyks2::Tsodyks2;

const SEED: u64 = 77;

/// Builds one projection from `src` (spike sources, or the target itself) onto
/// 2500 neurons (three shards) and returns its synapses and heap bytes.
fn build<S: SynapseModel>(rule: &Rule, recurrent: bool, from_list: bool, threads: usize) -> (Vec<(u32, u32, f64)>, usize, u16) {
    let mut sim = Simulation::new(Dt::from_ms(0.1).unwrap());
    sim.set_threads(threads).unwrap();
    let src = sim.add_population::<SpikeSource>("src", 5000, SpikeSource::INFO.defaults()).unwrap();
    let tgt = sim.add_population::<LifPscExp>("tgt", 2500, LifPscExp::INFO.defaults()).unwrap();
    let pre = if recurrent { tgt } else { src };
    let n_pre = sim.population_size(pre);
    let (weight, delay) = (2.5, 3);
    let synapses = if from_list {
        let pairs = connect::pairs(rule, n_pre, 2500, recurrent, SEED, 4).unwrap();
        Synapses::List(pairs.into_iter().map(|(pre, post)| SynapseSpec { pre, post, weight, delay }).collect())
    } else {
        Synapses::Rule { rule: rule.clone(), same: recurrent, seed: SEED, index: 4, weight, delay }
    };
    let i = sim.add_projection_from::<S>("p", pre, tgt, S::INFO.defaults(), Receptor::Excitatory, synapses).unwrap();
    let p = sim.projection(i);
    (p.synapses(), p.heap_bytes(), p.max_delay())
}

fn same_either_way<S: SynapseModel>() {
    let rules = [
        (Rule::FixedIndegree { k: 300, autapses: false }, true), // bitmap read by scanning
        (Rule::FixedIndegree { k: 3, autapses: true }, false),    // picks read by sorting
        (Rule::FixedProbability { p: 0.05, autapses: false }, true),
        (Rule::FixedProbability { p: 0.01, autapses: true }, false),
        (Rule::AllToAll { autapses: false }, true),
        (Rule::OneToOne, true),
        (Rule::List(vec![(7, 2400), (3, 1), (7, 2), (4999, 0), (3, 1)]), false),
    ];
    for (rule, recurrent) in &rules {
        let reference = build::<S>(rule, *recurrent, true, 1);
        assert!(!reference.0.is_empty());
        for threads in [1, 3] {
            assert_eq!(build::<S>(rule, *recurrent, false, threads), reference, "{} {rule:?}, {threads} threads", S::INFO.name);
        }
    }
}

#[test]
fn issue4_rule_drawn_projection_equals_the_sorted_pair_list_static() {
    same_either_way::<StaticSynapse>();
}

#[test]
fn issue4_rule_drawn_projection_equals_the_sorted_pair_list_plastic() {
    same_either_way::<StdpAllToAll>();
    same_either_way::<Tsodyks2>();
}

/// Errors of a rule are raised before anything is drawn.
#[test]
fn issue4_unsatisfiable_rule_is_an_error() {
    let mut sim = Simulation::new(Dt::from_ms(0.1).unwrap());
    let a = sim.add_population::<LifPscExp>("a", 10, LifPscExp::INFO.defaults()).unwrap();
    let rule = Rule::FixedIndegree { k: 10, autapses: false };
    let e = sim
        .add_projection_from::<StaticSynapse>("p", a, a, StaticSynapse::INFO.defaults(), Receptor::Excitatory, Synapses::Rule { rule, same: true, seed: 1, index: 0, weight: 1.0, delay: 1 })
        .unwrap_err();
    assert_eq!(e.to_string(), "projection p: in-degree 10 exceeds the 9 available presynaptic neurons");
}

/// The memory estimate (checked before building) covers what the built
/// projection holds, and not by much more: exactly drawn in-degrees, so the
/// synapse count is known in advance.
#[test]
fn issue4_memory_estimate_covers_the_built_projection() {
    fn check<S: SynapseModel>() {
        let rule = Rule::FixedIndegree { k: 300, autapses: false };
        let (synapses, heap, _) = build::<S>(&rule, true, false, 1);
        let e = engram_engine::projection::Projection::<S>::estimate(synapses.len() as f64, 2500, 2500, false, 1);
        println!("{}: built {heap} bytes, estimated {} kept + {} scratch", S::INFO.name, e.kept, e.scratch);
        assert!(e.kept >= heap as f64 && e.kept <= heap as f64 * 1.05 + 131072.0, "{}: {heap} built, {} estimated", S::INFO.name, e.kept);
    }
    check::<StaticSynapse>();
    check::<StdpAllToAll>();
    check::<Tsodyks2>();
}

/// The 10^9-synapse network of benchmarks/scale_1e9.toml (issue 4: it must fit
/// in 16 GiB), as the protocol estimates it before building.
#[test]
fn issue4_the_1e9_network_is_estimated_below_16_gib() {
    type P = engram_engine::projection::Projection<StaticSynapse>;
    // (in-degree, pre size, post size) of ee, ei, ie, ii (the drive is a poisson_input, no synapses).
    let projections = [(8000, 80_000, 80_000), (8000, 80_000, 20_000), (2000, 20_000, 80_000), (2000, 20_000, 20_000)];
    let mut kept = 0.0f64;
    let mut peak = 0.0f64;
    for (k, n_pre, n_post) in projections {
        let e = P::estimate((k * n_post) as f64, n_pre, n_post, false, 1);
        peak = peak.max(kept + e.kept + e.scratch);
        kept += e.kept;
    }
    let gib = (1u64 << 30) as f64;
    println!("scale_1e9: {:.2} GiB kept, {:.2} GiB at the peak of the build", kept / gib, peak / gib);
    assert!(peak < 16.0 * gib && kept > 1e9 * 2.0);
}
