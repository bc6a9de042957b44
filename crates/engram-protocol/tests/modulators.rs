//! Issue 6: modulator fields per region, their releases and recorders, and the
//! three-factor rule `stdp_dopamine` reading them, through the protocol.
//!
//! - the recorded level equals the closed form (tonic + decaying releases from
//!   times, periodic releases and spikes of a population with a delay);
//! - one pairing and one dopamine release change the weight by exactly the
//!   integral of c·n (and nothing without the release);
//! - fast-forward and the thread count do not change modulated weights;
//! - a modulator field costs nothing per synapse.

use engram_protocol::results::{collect, summarize};
use engram_protocol::{parse_str, Protocol, RunOverrides};

fn build(text: &str, sets: &[&str]) -> Protocol {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    parse_str("modulators.toml", text, &sets, RunOverrides::default()).unwrap_or_else(|d| panic!("{d}"))
}

fn run(text: &str, sets: &[&str]) -> Protocol {
    let mut p = build(text, sets);
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    p
}

const LEVELS: &str = r#"[simulation]
duration = "1 s"
dt = "0.1 ms"

[[population]]
name = "msn"
size = 2
model = "lif_psc_exp"
region = "striatum"

[[population]]
name = "vta"
size = 3
model = "spike_source"

[[modulator]]
region = "striatum"
name = "dopamine"
tonic = 0.1
tau = "50 ms"

[[modulator.release]]
times = ["100 ms", "100 ms", "250 ms"]
amount = 0.5

[[modulator.release]]
population = "vta"
delay = "2 ms"
amount = 0.2

[[modulator.release]]
every = "100 ms"
from = "600 ms"
to = "800 ms"
amount = 0.05

[[modulator]]
region = "striatum"
name = "acetylcholine"
tau = "10 ms"

[[stimulus]]
target = "vta"
kind = "times"
times = ["400 ms"]

[[record]]
name = "da"
kind = "modulator"
region = "striatum"
variable = "dopamine"
every = "1 ms"

[[record]]
name = "ach"
kind = "modulator"
region = "striatum"
variable = "acetylcholine"
every = "1 ms"
"#;

/// The level in closed form: 0.1 + Σ amount·exp(−(t − t_r)/50 ms) over releases at or before t.
#[test]
fn issue6_recorded_modulator_level_is_the_closed_form() {
    let p = run(LEVELS, &[]);
    let data = collect(&p);
    let releases = [(100.0, 1.0), (250.0, 0.5), (402.0, 0.6), (600.0, 0.05), (700.0, 0.05)];
    let da = data.iter().find(|d| d.name == "da").unwrap();
    assert_eq!(da.times_ms.len(), 1001);
    for (t, v) in da.times_ms.iter().zip(&da.values) {
        let want: f64 = 0.1 + releases.iter().filter(|r| r.0 <= t + 1e-9).map(|r| r.1 * (-(t - r.0) / 50.0).exp()).sum::<f64>();
        assert!((v - want).abs() <= 1e-12, "t = {t} ms: level {v} vs {want}");
    }
    // No release for acetylcholine: its level stays at its (default) tonic level 0.
    let ach = data.iter().find(|d| d.name == "ach").unwrap();
    assert!(ach.values.iter().all(|&v| v == 0.0));
}

const PAIRING: &str = r#"[simulation]
duration = "10 s"
dt = "0.1 ms"

[[population]]
name = "pre"
size = 1
model = "spike_source"

[[population]]
name = "post"
size = 1
model = "lif_psc_exp"
params = { V_th = "1000 mV" }
region = "striatum"

[[modulator]]
region = "striatum"
name = "dopamine"
tau = "200 ms"

[[modulator.release]]
at = "200 ms"
amount = 0.005

[[projection]]
name = "S"
from = "pre"
to = "post"
connect = { rule = "all_to_all" }
weight = "50 pA"
delay = "1 ms"
plasticity = { model = "stdp_dopamine", A_plus = "1 pA", A_minus = "1.5 pA", tau_plus = "20 ms", tau_c = "1000 ms" }

[[stimulus]]
target = "pre"
kind = "times"
times = ["100 ms"]

[[stimulus]]
target = "post"
kind = "times"
times = ["105 ms"]

[[record]]
name = "w"
kind = "weight"
projection = "S"
every = "100 ms"

[[record]]
name = "c"
kind = "synapse"
projection = "S"
variable = "eligibility"
every = "100 ms"

[[readout]]
name = "w_end"
record = "w"
at = "10 s"
"#;

/// Pre at 100 ms, post at 105 ms felt at 106 ms (dendritic delay 1 ms):
/// c = A_plus·exp(−6/20); a release of 1/200 at 200 ms adds
/// ∫ c(t) n(t) dt = c(200 ms)·0.005·tau_s (1 − exp(−9800/tau_s)), 1/tau_s = 1/1000 + 1/200.
/// Without the release the weight does not move.
#[test]
fn issue6_one_pairing_and_one_release_give_the_integral_of_c_times_n() {
    let p = run(PAIRING, &[]);
    let s = summarize(&p, &collect(&p));
    let w = s.readouts[0].value;
    let c200 = (-6.0f64 / 20.0).exp() * (-94.0f64 / 1000.0).exp();
    let tau_s = 1000.0 * 200.0 / 1200.0;
    let want = 50.0 + c200 * 0.005 * tau_s * (1.0 - (-9800.0 / tau_s).exp());
    assert!((w - want).abs() <= 1e-10 * want, "weight {w} vs {want}");
    assert!(w - 50.0 > 0.5, "the pairing must have potentiated: {w}");
    // The recorded weight is brought up to date at slow ticks (no pre spike after 100 ms).
    let data = collect(&p);
    let wrec = &data.iter().find(|d| d.name == "w").unwrap().values;
    assert!(wrec[2] == 50.0 && wrec[3] > 50.0 && wrec[3] < w, "{:?}", &wrec[..5]);

    let no_release = PAIRING.replace("[[modulator.release]]\nat = \"200 ms\"\namount = 0.005\n", "");
    let p = run(&no_release, &[]);
    let s = summarize(&p, &collect(&p));
    assert_eq!(s.readouts[0].value, 50.0);
}

const BUSY: &str = r#"[simulation]
duration = "20 s"
dt = "0.1 ms"
fast_forward = false
threads = 1

[[population]]
name = "pre"
size = 40
model = "spike_source"

[[population]]
name = "post"
size = 1200
model = "lif_psc_exp"
region = "striatum"

[[population]]
name = "vta"
size = 5
model = "spike_source"

[[modulator]]
region = "striatum"
name = "dopamine"
tonic = 0.001
tau = "200 ms"

[[modulator.release]]
population = "vta"
delay = "5 ms"
amount = 0.005

[[modulator.release]]
times = ["12 s"]
amount = 0.02

[[projection]]
name = "S"
from = "pre"
to = "post"
connect = { rule = "fixed_indegree", k = 10 }
weight = "60 pA"
delay = "1.5 ms"
plasticity = { model = "stdp_dopamine", A_plus = "2 pA", A_minus = "2.4 pA", b = 0.004, Wmin = "55 pA", Wmax = "64 pA" }

[[stimulus]]
target = "pre"
kind = "pairing"
post = "post"
delta_t = "8 ms"
pairs = 10
rate = "5 Hz"
at = "1 s"

[[stimulus]]
target = "pre"
kind = "pairing"
post = "post"
delta_t = "-8 ms"
pairs = 10
rate = "5 Hz"
at = "9 s"

[[stimulus]]
target = "vta"
kind = "burst"
bursts = 3
spikes_per_burst = 4
burst_rate = "50 Hz"
burst_interval = "500 ms"
at = "3 s"

[[stimulus]]
target = "pre"
kind = "regular"
rate = "1 Hz"
count = 3
at = "16 s"

[[record]]
name = "w"
kind = "weight"
projection = "S"
every = "1 s"

[[record]]
name = "da"
kind = "modulator"
region = "striatum"
variable = "dopamine"
every = "1 s"
"#;

fn weights(p: &Protocol) -> Vec<f64> {
    p.sim.projection(0).synapses().iter().map(|s| s.2).collect()
}

/// Fast-forward (jumps over the quiet seconds, catching synapses up at other
/// moments) changes nothing beyond rounding; two threads change nothing at all.
#[test]
fn issue6_fast_forward_and_threads_do_not_change_modulated_weights() {
    let stepped = run(BUSY, &[]);
    let ff = run(BUSY, &["simulation.fast_forward=true"]);
    let two = run(BUSY, &["simulation.threads=2"]);
    assert!(ff.sim.stats().fast_forward_steps > 50_000, "fast-forward must have jumped: {:?}", ff.sim.stats());
    let (ws, wf, w2) = (weights(&stepped), weights(&ff), weights(&two));
    assert!(ws.iter().any(|&w| w != 60.0), "the weights must have changed");
    assert_eq!(ws, w2, "1 vs 2 threads");
    for (a, b) in ws.iter().zip(&wf) {
        assert!((a - b).abs() <= 1e-12 * a.abs(), "stepped {a} vs fast-forwarded {b}");
    }
    let (ds, df) = (collect(&stepped), collect(&ff));
    for (a, b) in ds.iter().zip(&df) {
        assert_eq!(a.times_ms, b.times_ms, "{}", a.name);
        for (x, y) in a.values.iter().zip(&b.values) {
            assert!((x - y).abs() <= 1e-12 * x.abs().max(1e-300), "{}: {x} vs {y}", a.name);
        }
    }
}

/// Bytes per synapse with and without modulator fields: identical. The fields
/// cost the same whatever the number of synapses.
#[test]
fn issue6_modulator_fields_cost_nothing_per_synapse() {
    let no_field = BUSY
        .replace("region = \"striatum\"\n", "")
        .replace("plasticity = { model = \"stdp_dopamine\", A_plus = \"2 pA\", A_minus = \"2.4 pA\", b = 0.004, Wmin = \"55 pA\", Wmax = \"64 pA\" }", "plasticity = { model = \"stdp_pair\" }");
    let no_field = no_field[..no_field.find("[[modulator]]").unwrap()].to_string() + &no_field[no_field.find("[[projection]]").unwrap()..];
    let no_field = no_field[..no_field.find("[[record]]\nname = \"da\"").unwrap()].to_string();
    let three_fields = BUSY.replace(
        "[[projection]]",
        "[[modulator]]\nregion = \"striatum\"\nname = \"acetylcholine\"\ntau = \"20 ms\"\n\n[[modulator.release]]\npopulation = \"pre\"\namount = 0.1\n\n[[modulator]]\nregion = \"striatum\"\nname = \"noradrenaline\"\ntau = \"1 s\"\ntonic = 0.3\n\n[[projection]]",
    );
    let stdp_pair_with_fields = three_fields.replace(
        "plasticity = { model = \"stdp_dopamine\", A_plus = \"2 pA\", A_minus = \"2.4 pA\", b = 0.004, Wmin = \"55 pA\", Wmax = \"64 pA\" }",
        "plasticity = { model = \"stdp_pair\" }",
    );
    let per_synapse = |p: &Protocol| p.sim.synapse_bytes() as f64 / p.sim.n_synapses() as f64;

    // A pair-STDP network before and after adding three modulator fields to its region.
    let (a, b) = (build(&no_field, &[]), build(&stdp_pair_with_fields, &[]));
    assert_eq!(a.sim.n_modulators(), 0);
    assert_eq!(b.sim.n_modulators(), 3);
    assert_eq!(a.sim.n_synapses(), b.sim.n_synapses());
    println!("stdp_pair: {:.3} bytes/synapse without modulator fields, {:.3} with three", per_synapse(&a), per_synapse(&b));
    assert_eq!(a.sim.synapse_bytes(), b.sim.synapse_bytes());

    // The three-factor rule: one field or three, before and after running.
    let (mut one, mut three) = (build(BUSY, &[]), build(&three_fields, &[]));
    println!("stdp_dopamine: {:.3} bytes/synapse with one modulator field, {:.3} with three", per_synapse(&one), per_synapse(&three));
    assert_eq!(one.sim.synapse_bytes(), three.sim.synapse_bytes());
    for p in [&mut one, &mut three] {
        let d = p.duration;
        p.sim.run_until(d, &mut |_| {}).unwrap();
    }
    println!("after the run: {:.3} and {:.3} bytes/synapse", per_synapse(&one), per_synapse(&three));
    assert_eq!(one.sim.synapse_bytes(), three.sim.synapse_bytes());
    assert_eq!(weights(&one), weights(&three), "other modulators must not affect a dopamine rule");

    // The fields' own memory does not grow with the synapses.
    let bigger = build(&BUSY.replace("k = 10", "k = 40"), &[]);
    assert_eq!(bigger.sim.n_synapses(), 4 * build(BUSY, &[]).sim.n_synapses());
    assert_eq!(bigger.sim.modulator_bytes(), build(BUSY, &[]).sim.modulator_bytes());
}

const CONVERSION: &str = r#"[simulation]
duration = "20 s"
dt = "0.1 ms"

[[population]]
name = "pre"
size = 10
model = "spike_source"

[[population]]
name = "ca1"
size = 1
model = "lif_psc_exp"
params = { V_th = "1000 mV" }
region = "hippocampus"

[[modulator]]
region = "hippocampus"
name = "dopamine"
tau = "500 ms"

[[modulator.release]]
at = "5 s"
amount = 0.01

[[modulator]]
region = "hippocampus"
name = "acetylcholine"
tau = "500 ms"

[[projection]]
name = "converted"
from = "pre"
to = "ca1"
connect = { rule = "all_to_all" }
weight = "50 pA"
plasticity = { model = "stdp_eligibility", A_ltd = "2 pA", tau_ltd = "3 s" }

[[projection]]
name = "acetylcholine_only"
from = "pre"
to = "ca1"
connect = { rule = "all_to_all" }
weight = "50 pA"
modulator = "acetylcholine"
plasticity = { model = "stdp_eligibility", A_ltd = "2 pA", tau_ltd = "3 s" }

[[projection]]
name = "depressed"
from = "pre"
to = "ca1"
connect = { rule = "all_to_all" }
weight = "50 pA"
plasticity = { model = "stdp_eligibility", A_ltd = "-2 pA", tau_ltd = "3 s" }

[[stimulus]]
target = "pre"
kind = "pairing"
post = "ca1"
delta_t = "-10 ms"
pairs = 10
rate = "5 Hz"
at = "1 s"
"#;

/// Post-before-pre pairing marks the LTD trace; dopamine 3 s later turns it
/// into potentiation (A_ltd > 0, the conversion of Brzosko et al. 2015) or
/// depression (A_ltd < 0). A projection told to read acetylcholine, of which
/// there is none, does not change.
#[test]
fn issue6_stdp_eligibility_reads_the_modulator_its_projection_names() {
    let p = run(CONVERSION, &[]);
    let mean = |i: usize| {
        let s = p.sim.projection(i).synapses();
        s.iter().map(|x| x.2).sum::<f64>() / s.len() as f64
    };
    let (conv, ach, dep) = (mean(0), mean(1), mean(2));
    assert!(conv > 50.5, "dopamine after post-before-pre must potentiate when A_ltd > 0: {conv}");
    assert_eq!(ach, 50.0, "no acetylcholine was released");
    assert!(dep < 49.5, "and depress when A_ltd < 0: {dep}");
}

/// `--set` picks modulators by position (their names repeat across regions).
#[test]
fn issue6_set_changes_a_modulator_by_position() {
    let p = run(LEVELS, &["modulator.1.tau=\"25 ms\"", "modulator.2.tonic=0.5"]);
    let data = collect(&p);
    let da = data.iter().find(|d| d.name == "da").unwrap();
    let i = da.times_ms.iter().position(|&t| t == 110.0).unwrap();
    assert!((da.values[i] - (0.1 + (-10.0f64 / 25.0).exp())).abs() < 1e-12, "{}", da.values[i]);
    let ach = data.iter().find(|d| d.name == "ach").unwrap();
    assert!(ach.values.iter().all(|&v| v == 0.5));
}

/// An intervention on the dopamine field of `LEVELS` from 200 ms to 500 ms sets
/// the tonic level to 0.4 and the release gain to 0: the releases at 250 ms and
/// 402 ms are lost, the one at 100 ms decays on as before, and the tonic level
/// is 0.4 after 200 ms up to and including 500 ms (a change at a step holds from
/// that step on, so the level sampled at its own stamp is the previous one).
/// Stepped and fast-forwarded runs give the same closed form.
#[test]
fn issue6_intervention_sets_tonic_level_and_blocks_releases() {
    let text = format!(
        "{LEVELS}\n[[intervention]]\nname = \"vta_lesion\"\ntarget = \"modulator.striatum.dopamine\"\nfrom = \"200 ms\"\nto = \"500 ms\"\nset = {{ tonic = 0.4, release_gain = 0 }}\n"
    );
    let releases = [(100.0, 1.0), (600.0, 0.05), (700.0, 0.05)];
    for ff in ["false", "true"] {
        let p = run(&text, &[&format!("simulation.fast_forward={ff}")]);
        let data = collect(&p);
        let da = data.iter().find(|d| d.name == "da").unwrap();
        assert_eq!(da.times_ms.len(), 1001);
        for (t, v) in da.times_ms.iter().zip(&da.values) {
            let tonic = if *t > 200.0 + 1e-9 && *t <= 500.0 + 1e-9 { 0.4 } else { 0.1 };
            let want: f64 = tonic + releases.iter().filter(|r| r.0 <= t + 1e-9).map(|r| r.1 * (-(t - r.0) / 50.0).exp()).sum::<f64>();
            assert!((v - want).abs() <= 1e-12, "fast_forward = {ff}, t = {t} ms: level {v} vs {want}");
        }
    }
}

/// `PAIRING` with a tonic dopamine level of 0.002 from 300 ms to 500 ms: the
/// weight gains, besides the release's integral, exactly ∫ c(t)·0.002 dt over
/// that window, c(t) = exp(−6/20)·exp(−(t − 106 ms)/1000 ms), so the synapse
/// integrated the old level up to the change and the new one after it. With the
/// release gain at 0 over the release, the weight does not move.
#[test]
fn issue6_modulated_weight_follows_an_intervened_tonic_level() {
    let text = format!(
        "{PAIRING}\n[[intervention]]\nname = \"tonic\"\ntarget = \"modulator.striatum.dopamine\"\nfrom = \"300 ms\"\nto = \"500 ms\"\nset = {{ tonic = 0.002 }}\n"
    );
    let p = run(&text, &[]);
    let w = summarize(&p, &collect(&p)).readouts[0].value;
    let c200 = (-6.0f64 / 20.0).exp() * (-94.0f64 / 1000.0).exp();
    let tau_s = 1000.0 * 200.0 / 1200.0;
    let release = c200 * 0.005 * tau_s * (1.0 - (-9800.0 / tau_s).exp());
    let tonic = 0.002 * (-0.3f64).exp() * 1000.0 * ((-194.0f64 / 1000.0).exp() - (-394.0f64 / 1000.0).exp());
    let want = 50.0 + release + tonic;
    assert!((w - want).abs() <= 1e-10 * want, "weight {w} vs {want}");

    let blocked = format!(
        "{PAIRING}\n[[intervention]]\nname = \"release_blocker\"\ntarget = \"modulator.striatum.dopamine\"\nfrom = \"150 ms\"\nto = \"250 ms\"\nset = {{ release_gain = 0 }}\n"
    );
    let p = run(&blocked, &[]);
    assert_eq!(summarize(&p, &collect(&p)).readouts[0].value, 50.0);
}
