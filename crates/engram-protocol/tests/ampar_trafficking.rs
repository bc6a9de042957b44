//! `ampar_trafficking` in the engine: the shipped Earnshaw & Bressloff (2006)
//! and Matsuzaki et al. (2004) protocols give the same readouts whether quiet
//! stretches are fast-forwarded or stepped through (the synapse is brought to
//! the present at every slow tick either way; only the RK4 step boundaries
//! differ), and the model needs no protein field on its target population.

use std::path::PathBuf;

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, RunOverrides};

fn experiment(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../experiments").join(name)
}

fn readouts(path: &PathBuf, sets: &[String]) -> (Vec<(String, f64)>, u64) {
    let mut p = load(path, sets, RunOverrides::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    (s.readouts.iter().map(|r| (r.name.clone(), r.value)).collect(), p.sim.stats().fast_forward_steps)
}

/// Fast-forwarded and stepped runs agree to 1e-6 (relative); the fast-forward did skip steps.
#[test]
fn issue5_ampar_fast_forward_equivalence() {
    for name in ["earnshaw_bressloff2006_glua2_switch.toml", "matsuzaki2004_small_spine.toml"] {
        let path = experiment(name);
        let dt = "simulation.dt=\"1 ms\"".to_string();
        let (ff, skipped) = readouts(&path, &["simulation.fast_forward=true".into(), dt.clone()]);
        let (stepped, none) = readouts(&path, &["simulation.fast_forward=false".into(), dt]);
        assert!(skipped > 0 && none == 0, "{name}: {skipped} / {none} steps skipped");
        for ((n, a), (_, b)) in ff.iter().zip(&stepped) {
            assert!((a - b).abs() <= 1e-6 * b.abs().max(1e-3), "{name}: {n} = {a} (fast-forward) vs {b} (stepped)");
        }
    }
}
