//! Every shipped protocol under examples/ (and experiments/, when present) meets
//! its own expectations.

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

#[test]
fn shipped_protocols_meet_their_expectations() {
    let files = protocols();
    assert!(!files.is_empty());
    for f in files {
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
