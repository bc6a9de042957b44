//! Integration tests of the `engram` binary: exit codes, diagnostics on
//! stderr, and the files a run writes.
//!
//! The example protocol (examples/stdp_window.toml) is run twice in this file
//! (`run` and `validate`); every other protocol here is a few lines long.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const ENGRAM: &str = env!("CARGO_BIN_EXE_engram");

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/stdp_window.toml")
}

/// A fresh path under the system temp directory, unique to this process and call.
fn scratch(label: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    std::env::temp_dir().join(format!("engram-cli-test-{}-{n}-{label}", std::process::id()))
}

/// Writes `text` to a fresh `.toml` file and returns its path.
fn protocol_file(label: &str, text: &str) -> PathBuf {
    let path = scratch(label).with_extension("toml");
    std::fs::write(&path, text).expect("write temp protocol");
    path
}

fn engram(args: &[&str]) -> Output {
    Command::new(ENGRAM).args(args).output().expect("run the engram binary")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("engram exited normally, not by a signal")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn show(o: &Output) -> String {
    format!("exit {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}", o.status.code(), stdout(o), stderr(o))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A small valid protocol: one neuron driven by five fibres.
const SMALL: &str = r#"[simulation]
duration = "200 ms"

[[population]]
name = "cell"
size = 1
model = "lif_psc_exp"
params = { tau_m = "10 ms" }

[[population]]
name = "fibres"
size = 5
model = "spike_source"

[[projection]]
name = "S1"
from = "fibres"
to = "cell"
connect = { rule = "all_to_all" }
weight = "20 pA"
"#;

#[test]
fn check_reports_the_location_of_an_error_and_exits_2() {
    let broken = SMALL.replace(r#"tau_m = "10 ms""#, r#"tau_m = "10 mV""#);
    let path = protocol_file("broken", &broken);
    let o = engram(&["check", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code(&o), 2, "{}", show(&o));
    let expected = format!("{}:8:20: error:", path.display());
    assert!(stderr(&o).contains(&expected), "stderr lacks {expected:?}\n{}", show(&o));
    assert!(stderr(&o).contains("is a voltage, but a time is needed"), "{}", show(&o));
    assert!(stderr(&o).contains("= accepted:"), "{}", show(&o));
}

#[test]
fn check_accepts_the_example() {
    let o = engram(&["check", example().to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(stdout(&o).contains(": ok ("), "{}", show(&o));
}

#[test]
fn check_accepts_a_small_protocol() {
    let path = protocol_file("small", SMALL);
    let o = engram(&["check", path.to_str().unwrap()]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code(&o), 0, "{}", show(&o));
    assert!(stdout(&o).contains("2 populations, 1 projections, 5 synapses"), "{}", show(&o));
}

#[test]
fn run_writes_the_output_directory() {
    let out = scratch("run-out");
    let o = engram(&["run", example().to_str().unwrap(), "--out", out.to_str().unwrap(), "--format", "csv", "--quiet"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    for f in ["run.json", "summary.json", "S1_fepsp.csv", "S1_fepsp.svg", "fepsp.svg", "ca1_spikes.csv"] {
        assert!(out.join(f).is_file(), "{f} was not written to {}\n{}", out.display(), show(&o));
    }
    let run = read_json(&out.join("run.json"));
    for key in ["engram_version", "git_commit", "seed", "parameters", "wall_time_s", "synapses", "peak_rss_bytes"] {
        assert!(run.get(key).is_some(), "run.json lacks {key:?}: {run:#}");
    }
    assert_eq!(run["seed"], 7, "{run:#}");
    assert_eq!(run["synapses"], 150, "{run:#}");
    assert_eq!(run["output_format"], "csv", "{run:#}");
    let summary = read_json(&out.join("summary.json"));
    assert_eq!(summary["pass"], true, "{summary:#}");
    assert_eq!(summary["expectations"].as_array().map(Vec::len), Some(3), "{summary:#}");
    // Tables carry their units in the header, after the `#` metadata lines.
    let header = |f: &str| {
        let text = std::fs::read_to_string(out.join(f)).unwrap();
        text.lines().find(|l| !l.starts_with('#')).unwrap_or_default().to_string()
    };
    assert!(header("S1_fepsp.csv").starts_with("t [ms],fepsp [%]"), "{}", header("S1_fepsp.csv"));
    assert_eq!(header("ca1_spikes.csv"), "t [ms],neuron");
    let svg = std::fs::read_to_string(out.join("fepsp.svg")).unwrap();
    assert!(svg.trim_start().starts_with("<svg") || svg.trim_start().starts_with("<?xml"), "fepsp.svg is not SVG");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn run_with_a_bad_set_value_exits_2_and_names_the_override() {
    let out = scratch("bad-set");
    let o = engram(&[
        "run",
        example().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--set",
        "projection.S1.plasticity.tau_plus=-3ms",
    ]);
    assert_eq!(code(&o), 2, "{}", show(&o));
    let err = stderr(&o);
    assert!(err.contains("tau_plus = -3 ms is out of range"), "{}", show(&o));
    assert!(err.contains("--set projection.S1.plasticity.tau_plus=-3ms"), "{}", show(&o));
    assert!(!out.exists(), "nothing may be written for an invalid protocol");
}

#[test]
fn run_with_an_unknown_set_path_exits_2() {
    let path = protocol_file("unknown-set", SMALL);
    let o = engram(&["check", path.to_str().unwrap(), "--set", "projection.S9.weight=1pA"]);
    let _ = std::fs::remove_file(&path);
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(stderr(&o).contains("command line:1:1: error: --set projection.S9.weight=1pA: no projection \"S9\""), "{}", show(&o));
}

#[test]
fn validate_json_lists_the_example_as_passing() {
    let o = engram(&["validate", "--json", example().to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{}", show(&o)));
    let list = v.as_array().unwrap_or_else(|| panic!("expected a JSON array: {v:#}"));
    assert_eq!(list.len(), 1, "{v:#}");
    let entry = &list[0];
    assert!(entry["protocol"].as_str().is_some_and(|p| p.ends_with("stdp_window.toml")), "{v:#}");
    assert_eq!(entry["pass"], true, "{v:#}");
    assert_eq!(entry["expectations"].as_array().map(Vec::len), Some(3), "{v:#}");
}

#[test]
fn describe_prints_the_parameter_table() {
    let o = engram(&["describe", "lif_psc_exp"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    let text = stdout(&o);
    assert!(text.contains("Parameters:"), "{text}");
    let tau_m = text.lines().find(|l| l.trim_start().starts_with("tau_m ")).unwrap_or_else(|| panic!("no tau_m row:\n{text}"));
    assert!(tau_m.contains("ms"), "{tau_m}");
}

#[test]
fn describe_an_unknown_name_exits_2() {
    let o = engram(&["describe", "nosuchmodel"]);
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(stderr(&o).contains("nosuchmodel"), "{}", show(&o));
}

#[test]
fn list_exits_0_and_names_models_and_presets() {
    let o = engram(&["list"]);
    assert_eq!(code(&o), 0, "{}", show(&o));
    for name in ["lif_psc_exp", "stdp_pair", "theta_burst", "fepsp"] {
        assert!(stdout(&o).contains(name), "list does not mention {name}\n{}", show(&o));
    }
}

#[test]
fn an_unknown_subcommand_exits_2() {
    let o = engram(&["frobnicate"]);
    assert_eq!(code(&o), 2, "{}", show(&o));
    let o = engram(&[]);
    assert_eq!(code(&o), 2, "no subcommand\n{}", show(&o));
}

#[test]
fn a_missing_file_exits_2() {
    let missing = scratch("missing").with_extension("toml");
    let o = engram(&["check", missing.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", show(&o));
    assert!(stderr(&o).contains("cannot read"), "{}", show(&o));
}

#[test]
fn runaway_activity_stops_the_run_with_exit_1() {
    // A huge current and no refractory period: the neuron fires in every step
    // (10 kHz), far above the 1000 Hz guard, which is checked once per second.
    let text = r#"[simulation]
duration = "2 s"

[[population]]
name = "runaway_cell"
size = 1
model = "lif_psc_exp"
params = { t_ref = "0 ms" }

[[stimulus]]
target = "runaway_cell"
kind = "current"
amplitude = "1 uA"
from = "0 s"
to = "2 s"
"#;
    let path = protocol_file("runaway", text);
    let out = scratch("runaway-out");
    let o = engram(&["run", path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"]);
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_dir_all(&out);
    assert_eq!(code(&o), 1, "{}", show(&o));
    let err = stderr(&o);
    assert!(err.contains("runaway activity"), "{}", show(&o));
    assert!(err.contains("population runaway_cell"), "{}", show(&o));
}

/// A network that cannot fit in memory is refused before anything is allocated
/// (issue 4), with the estimate, the memory available and exit code 2.
#[test]
fn a_network_too_large_for_memory_is_refused_with_exit_2() {
    let path = protocol_file(
        "too_large",
        r#"[simulation]
duration = "1 s"

[[population]]
name = "a"
size = 1000000
model = "lif_psc_exp"

[[projection]]
name = "rec"
from = "a"
to = "a"
connect = { rule = "fixed_probability", p = 0.5 }
weight = "1 pA"
"#,
    );
    let o = engram(&["check", path.to_str().unwrap()]);
    assert_eq!(code(&o), 2, "{}", show(&o));
    let err = stderr(&o);
    assert!(err.contains(":13:11: error:") && err.contains("GiB") && err.contains("available"), "{err}");
}

/// `engram list | head -1`: a closed stdout must not make engram panic
/// ("failed printing to stdout: Broken pipe"); the command still ends normally.
#[test]
fn a_closed_stdout_is_not_a_panic() {
    let mut child = Command::new(ENGRAM)
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run the engram binary");
    // Close the read end before the child prints, so its first write gets EPIPE.
    drop(child.stdout.take());
    let o = child.wait_with_output().expect("wait for engram");
    assert!(!stderr(&o).contains("panicked"), "{}", show(&o));
    assert_eq!(code(&o), 0, "{}", show(&o));
}
