//! Fast-forward equivalence: every shipped tagging-and-capture protocol (the
//! three models: `tagging_capture`, `tagging_capture_ampar`, whose name
//! contains the first and whose `frey_morris1997_*_ampar` protocols are
//! therefore checked with it, and `tag_trigger_consolidation`) gives the same
//! readouts (within 0.5 %) whether quiet stretches are skipped (in closed form,
//! or for `tagging_capture_ampar` with predicted tag and synthesis switches) or
//! stepped through every dt.
//!
//! To keep the stepped runs affordable in a test, both ways run at dt = 1 ms;
//! the `tagging_capture` protocols also with 4 neurons per population, the
//! `tag_trigger_consolidation` ones with 1 ms delays (the neuron's 1-ms spike is
//! then one step, as in the reference code). The comparison is between the two
//! ways at the same settings. (At full size and dt = 0.2 ms the two ways were
//! compared by hand: frey_morris1997_strong_before_weak gives S1 187.551 % /
//! S2 155.546 % both ways.)
//!
//! TagTriC is stochastic, but the comparison is exact in its randomness by
//! construction: every draw is keyed by (synapse, step) on a per-synapse
//! counter-based stream; induction draws happen only on steps where the fast
//! hook runs, which are the same in both modes (presynaptic spikes or an awake
//! postsynaptic neuron, never inside a fast-forward jump); the lifetimes of the
//! up/down states are drawn on entry, and z is integrated with the exact on/off
//! times, so slow intervals of different lengths give the same result.

use std::path::PathBuf;

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, RunOverrides};

fn protocols(model: &str) -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| {
        p.extension().is_some_and(|x| x == "toml")
            && std::fs::read_to_string(p).is_ok_and(|t| t.contains(model) && t.contains("[[expect]]"))
    });
    out.sort();
    out
}

/// Readouts and fast-forwarded steps of one run; `shrink` adds the `--set`
/// overrides that make the stepped run affordable.
fn readouts(path: &PathBuf, ff: bool, shrink: fn(&toml::Table) -> Vec<String>) -> (Vec<(String, f64)>, u64) {
    let text = std::fs::read_to_string(path).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let mut sets = vec![format!("simulation.fast_forward={ff}"), "simulation.dt=\"1 ms\"".to_string()];
    sets.extend(shrink(&doc));
    let mut p = load(path, &sets, RunOverrides::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    (s.readouts.iter().map(|r| (r.name.clone(), r.value)).collect(), p.sim.stats().fast_forward_steps)
}

fn four_neurons_per_population(doc: &toml::Table) -> Vec<String> {
    doc["population"].as_array().unwrap().iter().map(|p| format!("population.{}.size=4", p["name"].as_str().unwrap())).collect()
}

fn delays_of_one_ms(doc: &toml::Table) -> Vec<String> {
    doc["projection"].as_array().unwrap().iter().map(|p| format!("projection.{}.delay=\"1 ms\"", p["name"].as_str().unwrap())).collect()
}

fn check_equivalence(model: &str, at_least: usize, shrink: fn(&toml::Table) -> Vec<String>) {
    let files = protocols(model);
    assert!(files.len() >= at_least, "expected the shipped {model} experiments, found {}", files.len());
    for f in files {
        let (fast, skipped) = readouts(&f, true, shrink);
        let (full, none) = readouts(&f, false, shrink);
        assert!(skipped > 0, "{}: fast-forward never engaged", f.display());
        assert_eq!(none, 0);
        assert_eq!(fast.len(), full.len());
        for ((name, a), (_, b)) in fast.iter().zip(&full) {
            let tol = 0.005 * b.abs().max(1e-3);
            assert!((a - b).abs() <= tol, "{}: {name} = {a} fast-forwarded vs {b} stepped", f.display());
        }
    }
}

#[test]
fn fast_forward_matches_stepping_on_every_tagging_protocol() {
    check_equivalence("tagging_capture", 10, four_neurons_per_population);
}

#[test]
fn fast_forward_matches_stepping_on_every_tagtric_protocol() {
    check_equivalence("tag_trigger_consolidation", 5, delays_of_one_ms);
}
