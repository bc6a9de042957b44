//! Issue 4: bytes per synapse, all indices included (rows, post indices,
//! delays, weights, per-synapse state, spike archives), as the engine counts
//! them (`Simulation::synapse_bytes`).

use std::path::PathBuf;

use engram_protocol::{load, RunOverrides};

fn bytes_per_synapse(file: &str, sets: &[&str]) -> f64 {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(file);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let p = load(&f, &sets, RunOverrides::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
    p.sim.synapse_bytes() as f64 / p.sim.n_synapses() as f64
}

/// COBA (static synapses, one weight and one delay per projection): the
/// homogeneous columns are stored once, leaving the 2-byte local post index
/// and the row pointers.
#[test]
fn issue4_static_synapses_take_at_most_8_bytes() {
    let b = bytes_per_synapse("benchmarks/coba.toml", &[]);
    println!("COBA: {b:.3} bytes per static synapse");
    assert!(b <= 8.0, "{b} bytes per static synapse");
}

/// Bytes per synapse of projection `name`, as the engine counts them.
fn projection_bytes(p: &engram_protocol::Protocol, name: &str) -> (f64, &'static str) {
    let i = (0..p.sim.n_projections()).find(|&i| p.sim.projection_ends(i).0 == name).expect("projection");
    let proj = p.sim.projection(i);
    (proj.heap_bytes() as f64 / proj.len() as f64, proj.info().name)
}

/// Issue 4: a plastic `stdp_pair` synapse (NEST `stdp_synapse`) takes at most
/// 16 bytes, all indices included: its weight and post index, its share of the
/// row pointers, of the presynaptic state kept once per row (K+ and the last
/// presynaptic spike, which NEST keeps in every synapse) and of the
/// postsynaptic spike archives. Checked on the E->E projection of COBA + STDP
/// (in-degree 64, sparser than the plastic Brunel network's 800, so the
/// per-row and per-neuron shares weigh more), as built and after 150 ms of
/// activity, when the archives hold spikes.
#[test]
fn issue4_stdp_pair_synapses_take_at_most_16_bytes() {
    let f = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks/coba_stdp.toml");
    let mut p = load(&f, &[], RunOverrides::default()).unwrap();
    let (built, model) = projection_bytes(&p, "ee");
    assert_eq!(model, "stdp_pair");
    let end = (150.0 / p.sim.dt().ms()).round() as u64;
    p.sim.run_until(end, &mut |_| {}).unwrap();
    assert!(p.sim.stats().spikes > 1000, "the network must be active");
    let (ran, _) = projection_bytes(&p, "ee");
    println!("COBA + STDP, E->E stdp_pair: {built:.3} bytes per synapse as built, {ran:.3} after 150 ms");
    assert!(built <= 16.0 && ran <= 16.0, "{built} and {ran} bytes per stdp_pair synapse");
}
