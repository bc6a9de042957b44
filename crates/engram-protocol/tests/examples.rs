//! Every shipped protocol under examples/ (and experiments/, when present) meets
//! its own expectations.
//!
//! **Long protocols.** A protocol listed in [`LONG`] takes minutes in the dev
//! profile (opt-level 1); here it runs shortened to the duration listed, with its
//! readout times moved inside the shortened run, and it must run to the end
//! (no guard may stop it), but its expectations are not judged, since they
//! describe the whole run. The whole run, expectations judged, is the ignored
//! test `long_protocols_meet_their_expectations`:
//! `cargo test --release -p engram-protocol --test examples -- --ignored`
//! (or `engram validate FILE`); the protocol's header gives its measured numbers.

use std::path::PathBuf;

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, RunOverrides};

fn protocols() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = vec![];
    for dir in ["examples", "experiments"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else { continue };
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "toml") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Protocols too long for the dev profile, with the duration they are shortened to here.
const LONG: &[(&str, &str)] = &[
    // an hour of 1000 Izhikevich neurons and 10^5 dopamine-modulated synapses: minutes in release
    ("izhikevich2007_distal_reward.toml", "20 s"),
];

fn long_duration(f: &std::path::Path) -> Option<&'static str> {
    let name = f.file_name()?.to_str()?;
    LONG.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

/// `--set` overrides that shorten a protocol to `duration` and move its readouts inside it.
fn shorten(f: &std::path::Path, duration: &str) -> Vec<String> {
    let doc: toml::Table = std::fs::read_to_string(f).unwrap().parse().unwrap();
    let mut sets = vec![format!("simulation.duration=\"{duration}\"")];
    for r in doc.get("readout").and_then(|r| r.as_array()).into_iter().flatten() {
        let name = r["name"].as_str().unwrap();
        for (key, value) in [("from", "0 ms"), ("to", duration), ("at", duration)] {
            if r.get(key).is_some() {
                sets.push(format!("readout.{name}.{key}=\"{value}\""));
            }
        }
    }
    sets
}

#[test]
fn shipped_protocols_meet_their_expectations() {
    let files = protocols();
    assert!(!files.is_empty());
    for f in files {
        if let Some(duration) = long_duration(&f) {
            let mut p = load(&f, &shorten(&f, duration), RunOverrides::default()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let d = p.duration;
            p.sim.run_until(d, &mut |_| {}).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            assert!(p.sim.stats().spikes > 0, "{}: silent", f.display());
            continue;
        }
        let mut p = load(&f, &[], RunOverrides::default()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let d = p.duration;
        p.sim.run_until(d, &mut |_| {}).unwrap();
        let s = summarize(&p, &collect(&p));
        for v in &s.expectations {
            assert!(v.pass, "{}: {} = {} {} outside [{:?}, {:?}] ({})", f.display(), v.readout, v.value, v.unit, v.min, v.max, v.source);
        }
    }
}

/// The main example's numbers, pinned (a golden run: they change only if the
/// model or the engine changes).
#[test]
fn stdp_window_example_golden_values() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/stdp_window.toml");
    let mut p = load(&root, &[], RunOverrides::default()).unwrap();
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    let get = |n: &str| s.readouts.iter().find(|r| r.name == n).unwrap().value;
    assert!((get("S1_after") - 161.3088).abs() < 1e-3, "{}", get("S1_after"));
    assert!((get("S2_after") - 58.6562).abs() < 1e-3, "{}", get("S2_after"));
    assert!((get("S3_after") - 103.1259).abs() < 1e-3, "{}", get("S3_after"));
    assert_eq!(get("ca1_rate"), 0.75);
}

/// The long protocols of [`LONG`], whole, expectations judged (minutes; run in release).
#[test]
#[ignore = "long: cargo test --release -p engram-protocol --test examples -- --ignored"]
fn long_protocols_meet_their_expectations() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../experiments");
    for (name, _) in LONG {
        let f = root.join(name);
        let mut p = load(&f, &[], RunOverrides::default()).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let d = p.duration;
        p.sim.run_until(d, &mut |_| {}).unwrap();
        let s = summarize(&p, &collect(&p));
        assert!(!s.expectations.is_empty(), "{name}: no expectations");
        for v in &s.expectations {
            assert!(v.pass, "{name}: {} = {} {} outside [{:?}, {:?}] ({})", v.readout, v.value, v.unit, v.min, v.max, v.source);
        }
    }
}
