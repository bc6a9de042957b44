//! The order of phases inside a step and its tie rules (see the module docs of
//! `engram_engine::simulation`), pinned with hand-made coincident-spike cases.

use engram_core::model::{NeuronModel, SynapseModel};
use engram_core::time::{Dt, Step};
use engram_engine::probe::{Probe, ProbeKind};
use engram_engine::projection::{Receptor, SynapseSpec};
use engram_engine::simulation::{Change, Target};
use engram_engine::stimulus::Stimulus;
use engram_engine::Simulation;
use engram_models::neuron::lif_psc_exp::LifPscExp;
use engram_models::neuron::spike_source::SpikeSource;
use engram_models::synapse::static_synapse::StaticSynapse;
use engram_models::synapse::stdp_pair::StdpAllToAll;

fn dt() -> Dt {
    Dt::from_ms(0.1).unwrap()
}

/// A spike imposed in step s with delay d reaches the synaptic current in step
/// s + d and the membrane potential from step s + d + 1 on.
#[test]
fn input_acts_on_current_then_voltage() {
    let mut sim = Simulation::new(dt());
    let src = sim.add_population::<SpikeSource>("src", 1, SpikeSource::INFO.defaults()).unwrap();
    let nrn = sim.add_population::<LifPscExp>("n", 1, LifPscExp::INFO.defaults()).unwrap();
    let (s, d): (Step, u16) = (20, 5);
    sim.add_stimulus(Stimulus::Spikes { pop: src, events: vec![(s, 0)] });
    sim.add_projection::<StaticSynapse>("p", src, nrn, StaticSynapse::INFO.defaults(), Receptor::Excitatory, vec![SynapseSpec { pre: 0, post: 0, weight: 100.0, delay: d }]).unwrap();
    let i = sim.add_probe(Probe::new(ProbeKind::State { pop: nrn, var: 1, neurons: vec![0] }, 1));
    let v = sim.add_probe(Probe::new(ProbeKind::State { pop: nrn, var: 0, neurons: vec![0] }, 1));
    sim.run_until(40, &mut |_| {}).unwrap();
    let (ip, vp) = (&sim.probes()[i], &sim.probes()[v]);
    // sample k has stamp k, i.e. the state after step k - 1
    let arrive = (s + d as u64) as usize;
    assert_eq!(ip.values[arrive], 0.0, "current before step s+d");
    assert_eq!(ip.values[arrive + 1], 100.0, "current jumps in step s+d");
    assert_eq!(vp.values[arrive + 1], -70.0, "voltage still at rest after step s+d");
    assert!(vp.values[arrive + 2] > -70.0, "voltage moves in step s+d+1");
}

/// A neuron that crosses threshold and also has a spike imposed in the same step
/// spikes once.
#[test]
fn imposed_and_natural_spike_in_one_step_count_once() {
    let mut sim = Simulation::new(dt());
    let values = LifPscExp::INFO.resolve([("I_e", 10_000.0)]).unwrap();
    let nrn = sim.add_population::<LifPscExp>("n", 1, values).unwrap();
    let sp = sim.add_probe(Probe::new(ProbeKind::Spikes { pop: nrn }, 1));
    sim.run_until(100, &mut |_| {}).unwrap();
    let natural = sim.probes()[sp].stamps.clone();
    assert!(!natural.is_empty());
    let mut sim2 = Simulation::new(dt());
    let values = LifPscExp::INFO.resolve([("I_e", 10_000.0)]).unwrap();
    let nrn = sim2.add_population::<LifPscExp>("n", 1, values).unwrap();
    sim2.add_stimulus(Stimulus::Spikes { pop: nrn, events: vec![(natural[0] - 1, 0)] });
    let sp = sim2.add_probe(Probe::new(ProbeKind::Spikes { pop: nrn }, 1));
    sim2.run_until(100, &mut |_| {}).unwrap();
    assert_eq!(sim2.probes()[sp].stamps, natural);
}

/// Pre and post spikes in the same step: the depression at the presynaptic spike
/// does not see the coincident postsynaptic spike (strictly-before rule); the next
/// presynaptic spike facilitates for it with Δt = d.
#[test]
fn coincident_pre_and_post_pair_only_through_the_delay() {
    let mut sim = Simulation::new(dt());
    let pre = sim.add_population::<SpikeSource>("pre", 1, SpikeSource::INFO.defaults()).unwrap();
    let post = sim.add_population::<LifPscExp>("post", 1, LifPscExp::INFO.resolve([("V_th", 1e9)]).unwrap()).unwrap();
    sim.add_stimulus(Stimulus::Spikes { pop: pre, events: vec![(99, 0), (9999, 0)] });
    sim.add_stimulus(Stimulus::Spikes { pop: post, events: vec![(99, 0)] });
    let values = StdpAllToAll::INFO
        .resolve([("lambda", 0.01), ("alpha", 1.0), ("mu_plus", 0.0), ("mu_minus", 0.0), ("Wmax", 100.0), ("tau_plus", 20.0), ("tau_minus", 20.0)])
        .unwrap();
    sim.add_projection::<StdpAllToAll>("stdp", pre, post, values, Receptor::Excitatory, vec![SynapseSpec { pre: 0, post: 0, weight: 50.0, delay: 1 }]).unwrap();
    sim.run_until(101, &mut |_| {}).unwrap();
    assert_eq!(sim.projection(0).synapses()[0].2, 50.0, "no depression from the coincident post spike");
    sim.run_until(10_001, &mut |_| {}).unwrap();
    // post at stamp 100, seen by the synapse at 100 + d = 101; last pre at 100: Δt = 0.1 ms
    let expected = 50.0 + 100.0 * 0.01 * (-0.1f64 / 20.0).exp() - 100.0 * 0.01 * (-(9999.0 - 100.0) * 0.1 / 20.0f64).exp();
    let w = sim.projection(0).synapses()[0].2;
    assert!((w - expected).abs() < 1e-12, "{w} vs {expected}");
}

/// A parameter change scheduled at step s acts from step s on, and is undone when scheduled.
#[test]
fn interventions_take_effect_at_the_start_of_their_step() {
    let mut sim = Simulation::new(dt());
    let nrn = sim.add_population::<LifPscExp>("n", 1, LifPscExp::INFO.defaults()).unwrap();
    let on = LifPscExp::INFO.resolve([("I_e", 100.0)]).unwrap();
    sim.add_change(Change { at: 10, target: Target::Population(nrn), values: on });
    sim.add_change(Change { at: 20, target: Target::Population(nrn), values: LifPscExp::INFO.defaults() });
    let v = sim.add_probe(Probe::new(ProbeKind::State { pop: nrn, var: 0, neurons: vec![0] }, 1));
    sim.run_until(30, &mut |_| {}).unwrap();
    let vals = &sim.probes()[v].values;
    assert_eq!(vals[10], -70.0, "unchanged before step 10");
    assert!(vals[11] > -70.0, "the current acts in step 10");
    assert!(vals[21] < vals[20], "relaxing again after step 20");
}

/// A non-finite state stops the run with a message naming variable, neuron and population.
#[test]
fn non_finite_state_is_reported_with_its_neuron() {
    let mut sim = Simulation::new(dt());
    let src = sim.add_population::<SpikeSource>("src", 1, SpikeSource::INFO.defaults()).unwrap();
    let nrn = sim.add_population::<LifPscExp>("ca1", 3, LifPscExp::INFO.resolve([("V_th", 1e300)]).unwrap()).unwrap();
    sim.add_stimulus(Stimulus::Spikes { pop: src, events: vec![(0, 0)] });
    sim.add_projection::<StaticSynapse>("p", src, nrn, StaticSynapse::INFO.defaults(), Receptor::Excitatory, vec![SynapseSpec { pre: 0, post: 2, weight: f64::INFINITY, delay: 1 }]).unwrap();
    let err = sim.run_until(20_000, &mut |_| {}).unwrap_err().to_string();
    assert!(err.contains("I_syn_ex") && err.contains("neuron 2") && err.contains("ca1"), "{err}");
}
