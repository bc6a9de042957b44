//! The stochastic CaMKII/PP1 switch (`camkii_switch`, issue 5): the shipped
//! lifetime-vs-N protocol shows exponential growth (log-linear fit), and the
//! exact lazy SSA (with spike-evoked calcium) gives bit-identical results with
//! 1 or 2 threads and with or without fast-forward.

use std::path::PathBuf;

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, parse_str, RunOverrides};

/// Least-squares fit of y = a + b x: (slope, R²).
fn linear_fit(xs: &[f64], ys: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let syy: f64 = ys.iter().map(|y| (y - my).powi(2)).sum();
    let slope = sxy / sxx;
    (slope, sxy * sxy / (sxx * syy))
}

#[test]
fn issue5_linear_fit_helper_is_right() {
    let (b, r2) = linear_fit(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]);
    assert!((b - 2.0).abs() < 1e-12 && (r2 - 1.0).abs() < 1e-12);
    let (_, r2) = linear_fit(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 1.0, 3.0]);
    assert!((r2 - 0.2).abs() < 1e-12, "{r2}");
}

/// Miller et al. 2005, Fig. 2E: ln(UP lifetime) is linear in the number of
/// holoenzymes N. Runs the shipped protocol and fits ln(lifetime_nN) against N.
#[test]
fn issue5_camkii_up_lifetime_grows_exponentially_with_n() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../experiments/miller2005_lifetime_vs_n.toml");
    let mut p = load(&path, &[], RunOverrides::default()).unwrap();
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    let (mut ns, mut lns) = (vec![], vec![]);
    for r in &s.readouts {
        if let Some(n) = r.name.strip_prefix("lifetime_n") {
            ns.push(n.parse::<f64>().unwrap());
            lns.push(r.value.ln());
            eprintln!("N = {n}: mean UP lifetime {:.1} h", r.value);
        }
    }
    assert!(ns.len() >= 4, "the protocol must read out at least four N");
    let (slope, r2) = linear_fit(&ns, &lns);
    eprintln!("ln(lifetime) = a + {slope:.3} N, R^2 = {r2:.4}");
    assert!(slope > 0.3, "lifetime must grow with N (slope {slope} per holoenzyme)");
    assert!(r2 > 0.95, "log-linear fit R^2 = {r2}");
}

const SMALL: &str = r#"
[simulation]
duration = "3 h"
dt = "100 ms"
seed = 5

[[population]]
name = "fibres"
size = 6
model = "spike_source"

[[population]]
name = "spines"
size = 6
model = "lif_psc_delta"

[[projection]]
name = "n3"
from = "fibres"
to = "spines"
connect = { rule = "one_to_one" }
weight = "0.1 mV"
delay = "100 ms"
plasticity = { model = "camkii_switch", n_holo = 3, up_init = 0.5 }

[[projection]]
name = "n8"
from = "fibres"
to = "spines"
connect = { rule = "one_to_one" }
weight = "0.1 mV"
delay = "100 ms"
plasticity = { model = "camkii_switch", n_holo = 8, ca = "0.25 uM", ca_pre = "1 uM", tau_ca = "50 ms" }

[[stimulus]]
target = "fibres"
kind = "regular"
rate = "1 Hz"
count = 5
at = "1 h"

[[intervention]]
name = "pulse"
target = "projection.n3"
set = { ca = "1 uM" }
from = "30 min"
to = "1800.5 s"

[[record]]
name = "n3_phi"
kind = "synapse"
projection = "n3"
variable = "phospho_fraction"
every = "10 min"

[[record]]
name = "n8_phi"
kind = "synapse"
projection = "n8"
variable = "phospho_fraction"
every = "10 min"

[[record]]
name = "n8_w"
kind = "weight"
projection = "n8"
every = "10 min"
"#;

fn run_small(threads: usize, ff: bool) -> Vec<engram_protocol::results::RecordData> {
    let text = SMALL.replace("seed = 5", &format!("seed = 5\nfast_forward = {ff}"));
    let mut p = parse_str("camkii.toml", &text, &[], RunOverrides { seed: None, threads: Some(threads) }).unwrap();
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    if ff {
        assert!(p.sim.stats().fast_forward_steps > 0, "fast-forward must engage");
    }
    collect(&p)
}

fn assert_bit_identical(a: &[engram_protocol::results::RecordData], b: &[engram_protocol::results::RecordData]) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.values.len(), y.values.len(), "{}", x.name);
        assert!(x.values.iter().zip(&y.values).all(|(p, q)| p.to_bits() == q.to_bits()), "{}: {:?} vs {:?}", x.name, x.values, y.values);
    }
}

/// The SSA draws from per-synapse keyed streams and stores its next reaction
/// time: threads and fast-forward change nothing, bit for bit.
#[test]
fn issue5_camkii_threads_and_fast_forward_are_bit_identical() {
    let stepped = run_small(1, false);
    let fast = run_small(1, true);
    let two = run_small(2, true);
    let n8 = &stepped[1].values;
    assert!(n8.iter().any(|&v| v > 0.0), "the synapses must react: {n8:?}");
    assert!(n8.windows(2).any(|w| w[0] != w[1]), "the fraction must change over the run: {n8:?}");
    assert_bit_identical(&stepped, &fast);
    assert_bit_identical(&fast, &two);
}

/// Errors in the model's parameters are load errors with a message, not panics.
#[test]
fn issue5_camkii_bad_parameters_are_load_errors() {
    for (bad, needle) in [
        ("n_holo = 2.5", "whole number"),
        ("n_holo = 40", "n_holo"),
        ("n_holo = 8, theta_down = 0.7", "theta_down"),
        ("n_holo = 8, ca = \"2 mV\"", "ca"),
    ] {
        let text = SMALL.replace("n_holo = 8, ca = \"0.25 uM\", ca_pre = \"1 uM\", tau_ca = \"50 ms\"", bad);
        assert_ne!(text, SMALL);
        let err = match parse_str("bad.toml", &text, &[], RunOverrides::default()) {
            Ok(_) => panic!("{bad}: accepted"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(needle), "{bad}: {err}");
    }
}

const PULSE: &str = r#"
[simulation]
duration = "1 h"
dt = "100 ms"
seed = 3
fast_forward = true

[[population]]
name = "fibres"
size = 10
model = "spike_source"

[[population]]
name = "spines"
size = 10
model = "lif_psc_delta"

[[projection]]
name = "syn"
from = "fibres"
to = "spines"
connect = { rule = "one_to_one" }
weight = "0.1 mV"
delay = "100 ms"
plasticity = { model = "camkii_switch", n_holo = 16 }

[[intervention]]
name = "pulse"
target = "projection.syn"
set = { ca = "2 uM" }
from = "600 s"
to = "602 s"

[[record]]
name = "up"
kind = "synapse"
projection = "syn"
variable = "up"
every = "10 min"

[[readout]]
name = "up_1h"
record = "up"
at = "1 h"
"#;

fn up_after_pulse(extra: &str) -> f64 {
    let mut p = parse_str("pulse.toml", &format!("{PULSE}{extra}"), &[], RunOverrides::default()).unwrap();
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    summarize(&p, &collect(&p)).readouts[0].value
}

/// KN-93 (k1 = 0) during the 2 s pulse prevents the switch; without it all
/// 16-holoenzyme synapses switch UP.
#[test]
fn issue5_camkii_kn93_during_the_pulse_prevents_switching() {
    assert_eq!(up_after_pulse(""), 1.0);
    let kn93 = "\n[[intervention]]\nname = \"KN-93\"\ntarget = \"projection.syn\"\ndrug = \"kn93\"\nfrom = \"500 s\"\nto = \"700 s\"\n";
    assert_eq!(up_after_pulse(kn93), 0.0);
}
