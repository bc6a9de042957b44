//! Issue 4: `Simulation::add_poisson_input` at the engine level: where in the
//! step its events land (the phase order of `engram_engine::simulation`), which
//! port they take, and what it refuses.

use engram_core::model::{NeuronModel, SynapseModel};
use engram_core::rng::{Purpose, Stream};
use engram_core::time::{Dt, Step};
use engram_engine::probe::{Probe, ProbeKind};
use engram_engine::projection::{Receptor, SynapseSpec};
use engram_engine::stimulus::{PoissonInput, Stimulus};
use engram_engine::{EngineError, Simulation};
use engram_models::neuron::lif_cond_exp::LifCondExp;
use engram_models::neuron::lif_psc_exp::LifPscExp;
use engram_models::neuron::spike_source::SpikeSource;
use engram_models::synapse::static_synapse::StaticSynapse;

fn dt() -> Dt {
    Dt::from_ms(0.1).unwrap()
}

fn input(pop: usize, rate_hz: f64, weight: f64, receptor: Receptor, windows: Vec<(Step, Step)>) -> PoissonInput {
    PoissonInput { pop, neurons: vec![0], rate_hz, weight, receptor, windows, stream: Stream::new(1, Purpose::Poisson, 0) }
}

/// Events drawn in step s are in the synaptic current of step s (sample s + 1)
/// and move the potential from step s + 1 on, exactly where a spike of step
/// s − d through a synapse of delay d lands. Rate·dt = 50 makes a count of 0
/// impossible in practice (e^-50); the current is a whole multiple of the weight.
#[test]
fn events_land_in_their_own_step_like_a_spike_through_a_synapse() {
    let (s, d): (Step, u16) = (20, 5);
    let mut sim = Simulation::new(dt());
    let direct = sim.add_population::<LifPscExp>("direct", 1, LifPscExp::INFO.defaults()).unwrap();
    let relay = sim.add_population::<LifPscExp>("relay", 1, LifPscExp::INFO.defaults()).unwrap();
    let src = sim.add_population::<SpikeSource>("src", 1, SpikeSource::INFO.defaults()).unwrap();
    sim.add_poisson_input(input(direct, 500_000.0, 2.0, Receptor::Excitatory, vec![(s, s + 1)])).unwrap();
    sim.add_stimulus(Stimulus::Spikes { pop: src, events: vec![(s - d as Step, 0)] });
    sim.add_projection::<StaticSynapse>("p", src, relay, StaticSynapse::INFO.defaults(), Receptor::Excitatory, vec![SynapseSpec { pre: 0, post: 0, weight: 2.0, delay: d }]).unwrap();
    let probes: Vec<(usize, usize)> = [direct, relay]
        .iter()
        .map(|&p| (sim.add_probe(Probe::new(ProbeKind::State { pop: p, var: 1, neurons: vec![0] }, 1)), sim.add_probe(Probe::new(ProbeKind::State { pop: p, var: 0, neurons: vec![0] }, 1))))
        .collect();
    sim.run_until(40, &mut |_| {}).unwrap();
    for (k, &(i, v)) in probes.iter().enumerate() {
        let (ip, vp) = (&sim.probes()[i].values, &sim.probes()[v].values);
        assert_eq!(ip[s as usize], 0.0, "population {k}: current before step s");
        let n = ip[s as usize + 1] / 2.0;
        assert!(n >= 1.0 && n == n.round(), "population {k}: current {} after step s", ip[s as usize + 1]);
        assert_eq!(vp[s as usize + 1], -70.0, "population {k}: voltage still at rest after step s");
        assert!(vp[s as usize + 2] > -70.0, "population {k}: voltage moves in step s+1");
    }
    // 50 events on average against the source's one.
    let counts: Vec<f64> = probes.iter().map(|&(i, _)| sim.probes()[i].values[s as usize + 1] / 2.0).collect();
    assert!(counts[0] > 20.0 && counts[1] == 1.0, "{counts:?}");
}

/// Current-based targets take the sign of the weight as the port; conductance
/// targets take the receptor (the inhibitory conductance rises).
#[test]
fn the_port_follows_the_sign_or_the_receptor() {
    let mut sim = Simulation::new(dt());
    let cur = sim.add_population::<LifPscExp>("cur", 1, LifPscExp::INFO.defaults()).unwrap();
    let cond = sim.add_population::<LifCondExp>("cond", 1, LifCondExp::INFO.defaults()).unwrap();
    sim.add_poisson_input(input(cur, 500_000.0, -3.0, Receptor::Excitatory, vec![(0, 10)])).unwrap();
    sim.add_poisson_input(input(cond, 500_000.0, 1.0, Receptor::Inhibitory, vec![(0, 10)])).unwrap();
    let vars = [(cur, 1), (cur, 2), (cond, 1), (cond, 2)]; // I_syn_ex, I_syn_in; g_ex, g_in
    let probes: Vec<usize> = vars.iter().map(|&(p, var)| sim.add_probe(Probe::new(ProbeKind::State { pop: p, var, neurons: vec![0] }, 1))).collect();
    sim.run_until(5, &mut |_| {}).unwrap();
    let last = |k: usize| *sim.probes()[probes[k]].values.last().unwrap();
    assert_eq!(last(0), 0.0);
    assert!(last(1) < -50.0, "I_syn_in {}", last(1));
    assert_eq!(last(2), 0.0);
    assert!(last(3) > 20.0, "g_in {}", last(3));
}

#[test]
fn what_cannot_take_poisson_input_is_refused_at_build() {
    let mut sim = Simulation::new(dt());
    let src = sim.add_population::<SpikeSource>("src", 1, SpikeSource::INFO.defaults()).unwrap();
    let cond = sim.add_population::<LifCondExp>("cond", 2, LifCondExp::INFO.defaults()).unwrap();
    let refused = |sim: &mut Simulation, p: PoissonInput, why: &str| match sim.add_poisson_input(p) {
        Err(EngineError::BadStimulus { reason, .. }) => assert!(reason.contains(why), "{reason}"),
        other => panic!("expected a refusal ({why}), got {other:?}"),
    };
    refused(&mut sim, input(src, 10.0, 1.0, Receptor::Excitatory, vec![(0, 10)]), "spike source");
    refused(&mut sim, input(cond, 10.0, -1.0, Receptor::Excitatory, vec![(0, 10)]), "conductance weights must be >= 0");
    refused(&mut sim, input(cond, -10.0, 1.0, Receptor::Excitatory, vec![(0, 10)]), "outside [0, 1000000]");
    refused(&mut sim, input(cond, 1e11, 1.0, Receptor::Excitatory, vec![(0, 10)]), "outside [0, 1000000]");
    refused(&mut sim, input(cond, f64::NAN, 1.0, Receptor::Excitatory, vec![(0, 10)]), "outside [0, 1000000]");
    refused(&mut sim, input(cond, 10.0, f64::INFINITY, Receptor::Excitatory, vec![(0, 10)]), "not finite");
    refused(&mut sim, PoissonInput { neurons: vec![2], ..input(cond, 10.0, 1.0, Receptor::Excitatory, vec![(0, 10)]) }, "neuron index 2");
    // Rate 0 is accepted and does nothing.
    sim.add_poisson_input(input(cond, 0.0, 1.0, Receptor::Excitatory, vec![(0, 10)])).unwrap();
}
