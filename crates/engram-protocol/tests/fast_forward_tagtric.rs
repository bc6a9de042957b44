//! Fast-forward equivalence for the shipped Tag-Trigger-Consolidation (TagTriC)
//! protocols (`experiments/clopath2008_*.toml`): the readouts agree within 0.5 %
//! whether quiet stretches are skipped or stepped through every dt.
//!
//! The model is stochastic, but the comparison is exact in its randomness by
//! construction: every draw is keyed by (synapse, step) on a per-synapse
//! counter-based stream; induction draws happen only on steps where the fast
//! hook runs, which are the same in both modes (presynaptic spikes or an awake
//! postsynaptic neuron, never inside a fast-forward jump); the lifetimes of the
//! up/down states are drawn on entry, and z is integrated with the exact on/off
//! times, so slow intervals of different lengths give the same result.
//!
//! To keep the stepped runs affordable in a test, both ways run at dt = 1 ms
//! (delays 1 ms; the neuron's 1-ms spike is then one step, as in the reference code).

use std::path::PathBuf;

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, RunOverrides};

fn tagtric_protocols() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        p.extension().is_some_and(|x| x == "toml")
            && std::fs::read_to_string(p).is_ok_and(|t| t.contains("tag_trigger_consolidation") && t.contains("[[expect]]"))
    });
    out.sort();
    out
}

fn readouts(path: &PathBuf, ff: bool) -> (Vec<(String, f64)>, u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut sets = vec![format!("simulation.fast_forward={ff}"), "simulation.dt=\"1 ms\"".to_string()];
    for pr in doc["projection"].as_array().unwrap() {
        sets.push(format!("projection.{}.delay=\"1 ms\"", pr["name"].as_str().unwrap()));
    }
    let mut p = load(path, &sets, RunOverrides::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    (s.readouts.iter().map(|r| (r.name.clone(), r.value)).collect(), p.sim.stats().fast_forward_steps)
}

#[test]
fn fast_forward_matches_stepping_on_every_tagtric_protocol() {
    let files = tagtric_protocols();
    assert!(files.len() >= 5, "expected the shipped TagTriC experiments, found {}", files.len());
    for f in files {
        let (fast, skipped) = readouts(&f, true);
        let (full, none) = readouts(&f, false);
        assert!(skipped > 0, "{}: fast-forward never engaged", f.display());
        assert_eq!(none, 0);
        assert_eq!(fast.len(), full.len());
        for ((name, a), (_, b)) in fast.iter().zip(&full) {
            let tol = 0.005 * b.abs().max(1e-3);
            assert!((a - b).abs() <= tol, "{}: {name} = {a} fast-forwarded vs {b} stepped", f.display());
        }
        eprintln!("{}: {:?}", f.display(), fast);
    }
}
