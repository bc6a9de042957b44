//! Smoke test of the benchmark protocols (benchmarks/*.toml): each still loads and
//! runs (shortened to 60 ms; protocols that fast-forward through quiet hours run
//! whole, since that is what they measure and it takes well under a second) with
//! an active network. It judges no speed; speed is
//! measured side by side with NEST and Brian2 by benchmarks/compare.py.

use std::path::PathBuf;

use engram_protocol::{load, RunOverrides};

#[test]
fn benchmark_protocols_still_run() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benchmarks");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().flatten().map(|e| e.path()).collect();
    files.retain(|p| p.extension().is_some_and(|x| x == "toml"));
    files.sort();
    assert!(files.len() >= 2, "benchmark protocols missing");
    for f in files {
        // Shorten the run, and move every readout inside it.
        let doc: toml::Table = std::fs::read_to_string(&f).unwrap().parse().unwrap();
        let fast_forward = doc.get("simulation").and_then(|s| s.get("fast_forward")).and_then(|v| v.as_bool()) == Some(true);
        let mut sets = vec!["simulation.duration=\"60 ms\"".to_string()];
        let readouts = if fast_forward { sets.clear(); None } else { doc.get("readout").and_then(|r| r.as_array()) };
        for r in readouts.into_iter().flatten() {
            let name = r["name"].as_str().unwrap();
            for (key, value) in [("from", "0 ms"), ("to", "60 ms"), ("at", "60 ms")] {
                if r.get(key).is_some() {
                    sets.push(format!("readout.{name}.{key}=\"{value}\""));
                }
            }
        }
        let mut p = load(&f, &sets, RunOverrides::default()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let d = p.duration;
        p.sim.run_until(d, &mut |_| {}).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(p.sim.stats().spikes > 1000, "{}: network silent ({} spikes)", f.display(), p.sim.stats().spikes);
    }
}
