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
        if f.file_name().unwrap().to_str().unwrap().starts_with("scale_") {
            sets.extend(scale_down(&doc, 100));
        }
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

/// `--set` overrides that make a scale run `factor` times smaller (see the header).
fn scale_down(doc: &toml::Table, factor: i64) -> Vec<String> {
    let mut sets = vec![];
    let mut sizes = std::collections::HashMap::new();
    for p in doc["population"].as_array().unwrap() {
        let (name, size) = (p["name"].as_str().unwrap(), p["size"].as_integer().unwrap());
        let small = (size / factor).max(1);
        sizes.insert(name.to_string(), small);
        sets.push(format!("population.{name}.size={small}"));
    }
    for pr in doc.get("projection").and_then(|p| p.as_array()).into_iter().flatten() {
        let c = pr["connect"].as_table().unwrap();
        if c["rule"].as_str() == Some("fixed_indegree") {
            let k = c["k"].as_integer().unwrap();
            if k > sizes[pr["from"].as_str().unwrap()] {
                sets.push(format!("projection.{}.connect.k={}", pr["name"].as_str().unwrap(), (k / factor).max(1)));
            }
        }
    }
    sets
}
