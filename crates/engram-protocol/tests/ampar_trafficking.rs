//! `ampar_trafficking` in the engine: the shipped Earnshaw & Bressloff (2006)
//! and Matsuzaki et al. (2004) protocols give the same readouts whether quiet
//! stretches are fast-forwarded or stepped through (the synapse is brought to
//! the present at every slow tick either way; only the RK4 step boundaries
//! differ), and the model needs no protein field on its target population.

use std::path::{Path, PathBuf};

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, RunOverrides};

fn experiment(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../experiments").join(name)
}

fn readouts(path: &Path, sets: &[String]) -> (Vec<(String, f64)>, u64) {
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

const PROTOCOL: &str = r#"
[simulation]
duration = "20 min"
dt = "0.5 ms"
fast_forward = true

[[population]]
name = "fibre"
size = 1
model = "spike_source"

[[population]]
name = "cell"
size = 1
model = "lif_psc_delta"

[[projection]]
name = "syn"
from = "fibre"
to = "cell"
connect = { rule = "one_to_one" }
weight = "0.5 mV"
delay = "1 ms"
plasticity = PLASTICITY

[[intervention]]
name = "block"
drug = "DRUG"
target = "projection.syn"
from = "5 min"
to = "20 min"
"#;

fn protocol(plasticity: &str, drug: &str) -> String {
    PROTOCOL.replace("PLASTICITY", plasticity).replace("DRUG", drug)
}

/// The trafficking drugs act only on `ampar_trafficking`: on another model they
/// are a diagnostic that names the models they act on; on this one they load.
#[test]
fn issue5_trafficking_drugs_are_checked_against_the_model() {
    for drug in ["exocytosis_block", "endocytosis_block"] {
        let other = protocol(r#"{ model = "stdp_pair" }"#, drug);
        let d = match engram_protocol::parse_str("t.toml", &other, &[], RunOverrides::default()) {
            Err(d) => d,
            Ok(_) => panic!("{drug} on stdp_pair was accepted"),
        };
        assert!(d.to_string().contains("ampar_trafficking"), "{drug}: {d}");
        let ours = protocol(r#"{ model = "ampar_trafficking" }"#, drug);
        assert!(engram_protocol::parse_str("t.toml", &ours, &[], RunOverrides::default()).is_ok(), "{drug} on ampar_trafficking");
    }
    for drug in ["kn93", "okadaic_acid", "fk506", "apv"] {
        let ours = protocol(r#"{ model = "ampar_trafficking" }"#, drug);
        assert!(engram_protocol::parse_str("t.toml", &ours, &[], RunOverrides::default()).is_ok(), "{drug} on ampar_trafficking");
    }
}

/// Parameters that leave a synapse without receptors are rejected when the file is loaded.
#[test]
fn issue5_no_receptors_is_a_diagnostic() {
    let text = protocol(r#"{ model = "ampar_trafficking", rho1 = 0, rho2 = 0 }"#, "kn93");
    let d = match engram_protocol::parse_str("t.toml", &text, &[], RunOverrides::default()) {
        Err(d) => d,
        Ok(_) => panic!("accepted"),
    };
    assert!(d.to_string().contains("rho1 + rho2"), "{d}");
}
