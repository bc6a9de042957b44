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
