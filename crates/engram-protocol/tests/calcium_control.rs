//! Issue 5 (calcium_control, Shouval, Bear & Cooper 2002): the shipped
//! frequency-response protocol gives the same readouts whether quiet stretches
//! are fast-forwarded or stepped, and (the synapse being event-driven with its
//! own sub-steps) nearly the same at a finer simulation step.

use std::path::PathBuf;

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, RunOverrides};

fn readouts(file: &str, sets: &[&str]) -> (Vec<(String, f64)>, u64) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../experiments").join(file);
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let mut p = load(&path, &sets, RunOverrides::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    (s.readouts.iter().map(|r| (r.name.clone(), r.value)).collect(), p.sim.stats().fast_forward_steps)
}

#[test]
fn issue5_frequency_response_fast_forward_equals_stepping() {
    let file = "dudek_bear1992_frequency_response.toml";
    let (ff, skipped) = readouts(file, &["simulation.fast_forward=true"]);
    let (stepped, none) = readouts(file, &["simulation.fast_forward=false"]);
    assert!(skipped > 0, "fast-forward never engaged");
    assert_eq!(none, 0);
    assert_eq!(ff.len(), stepped.len());
    for ((name, a), (_, b)) in ff.iter().zip(&stepped) {
        // The synapse integrates between its own spikes, which do not move.
        assert_eq!(a, b, "{name}: {a} fast-forwarded vs {b} stepped");
    }
}

#[test]
fn issue5_frequency_response_does_not_depend_on_dt() {
    let file = "dudek_bear1992_frequency_response.toml";
    let (coarse, _) = readouts(file, &[]);
    let (fine, _) = readouts(file, &["simulation.dt=\"0.5 ms\""]);
    for ((name, a), (_, b)) in coarse.iter().zip(&fine) {
        // Only the 3- and 15-Hz pulse times move (rounded to the grid), by < 0.5 ms.
        assert!((a - b).abs() <= 0.01 * b.abs().max(1.0), "{name}: {a} at dt = 1 ms vs {b} at 0.5 ms");
    }
    let get = |n: &str| coarse.iter().find(|r| r.0 == n).unwrap().1;
    assert!(get("f5hz_after") < 100.0 && get("f15hz_after") > 100.0, "{coarse:?}");
}
