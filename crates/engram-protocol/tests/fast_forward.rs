//! Fast-forward equivalence: every shipped tagging-and-capture protocol gives the
//! same readouts (within 0.5 %) whether quiet stretches are skipped in closed form
//! or stepped through every dt.
//!
//! To keep the stepped runs affordable in a test, each protocol is run with 4
//! neurons per population and dt = 1 ms, both ways; the comparison is between
//! the two ways at the same settings. (At full size and dt = 0.2 ms the two
//! ways were compared by hand: frey_morris1997_strong_before_weak gives
//! S1 187.551 % / S2 155.546 % both ways; see the issue notes.)

use std::path::PathBuf;

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, RunOverrides};

fn tagging_protocols() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        p.extension().is_some_and(|x| x == "toml")
            && std::fs::read_to_string(p).is_ok_and(|t| t.contains("tagging_capture") && t.contains("[[expect]]"))
    });
    out.sort();
    out
}

fn readouts(path: &PathBuf, ff: bool) -> (Vec<(String, f64)>, u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut sets = vec![format!("simulation.fast_forward={ff}"), "simulation.dt=\"1 ms\"".to_string()];
    for pop in doc["population"].as_array().unwrap() {
        sets.push(format!("population.{}.size=4", pop["name"].as_str().unwrap()));
    }
    let mut p = load(path, &sets, RunOverrides::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    (s.readouts.iter().map(|r| (r.name.clone(), r.value)).collect(), p.sim.stats().fast_forward_steps)
}

#[test]
fn fast_forward_matches_stepping_on_every_tagging_protocol() {
    let files = tagging_protocols();
    assert!(files.len() >= 10, "expected the shipped tagging-and-capture experiments, found {}", files.len());
    for f in files {
        let (fast, skipped) = readouts(&f, true);
        let (full, none) = readouts(&f, false);
        assert!(skipped > 0, "{}: fast-forward never engaged", f.display());
        assert_eq!(none, 0);
        for ((name, a), (_, b)) in fast.iter().zip(&full) {
            let tol = 0.005 * b.abs().max(1e-3);
            assert!((a - b).abs() <= tol, "{}: {name} = {a} fast-forwarded vs {b} stepped", f.display());
        }
    }
}
