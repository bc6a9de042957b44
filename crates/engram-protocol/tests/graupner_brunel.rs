//! Issue 5: the Graupner & Brunel (2012) rule on the Fig. 2 protocol at the
//! protocol level (imposed pairing, lazy updates read after a test volley,
//! efficacy w0 (1 + rho (b - 1)) as the transmitted weight).
//!
//! A first Fig. 2 protocol put the +10 ms and the -10 ms pathways on one
//! neuron and read +10 ms as 101 % (analytic 122 %): each pathway also received
//! the postsynaptic spikes paired with the other one, and postsynaptic spikes
//! alone drive rho towards the middle. With one neuron per pathway the readouts
//! follow the paper's analytic solution, computed here from the parameters.

use std::path::PathBuf;

use engram_protocol::results::{collect, summarize};
use engram_protocol::{load, RunOverrides};

/// DP set (Graupner & Brunel 2012, SI Table S1), times in ms.
const TAU_CA: f64 = 20.0;
const C_PRE: f64 = 1.0;
const C_POST: f64 = 2.0;
const DELAY: f64 = 13.7;
const THETA_D: f64 = 1.0;
const THETA_P: f64 = 1.3;
const GAMMA_D: f64 = 200.0;
const GAMMA_P: f64 = 321.808;
const SIGMA: f64 = 2.8284;
const TAU: f64 = 150_000.0;
const BETA: f64 = 0.5;
const B: f64 = 5.0;

/// erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7).
fn erf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs());
    let y = 1.0
        - t * (0.254_829_592
            + t * (-0.284_496_736
                + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))))
            * (-x * x).exp();
    y.copysign(x)
}

/// Time calcium spends above (theta_d, theta_p) during one period of regular
/// pairs (post - pre = dt, 1 s apart) in the periodic steady state, event by event.
fn time_above(dt: f64) -> (f64, f64) {
    let period = 1000.0;
    let mut jumps: Vec<(f64, f64)> = (0..12)
        .flat_map(|k| {
            [
                (k as f64 * period + DELAY, C_PRE),
                (k as f64 * period + dt, C_POST),
            ]
        })
        .collect();
    jumps.sort_by(|a, b| a.0.total_cmp(&b.0));
    let start = 10.0 * period + DELAY.min(dt);
    let (mut c, mut t, mut above) = (0.0f64, f64::NEG_INFINITY, (0.0, 0.0));
    for &(tj, a) in jumps.iter().chain([(start + period, 0.0)].iter()) {
        let (lo, hi) = (t.max(start), tj.min(start + period));
        if hi > lo && c > 0.0 {
            let c_lo = c * (-(lo - t) / TAU_CA).exp();
            let len = |theta: f64| {
                if c_lo > theta {
                    (hi - lo).min(TAU_CA * (c_lo / theta).ln())
                } else {
                    0.0
                }
            };
            above.0 += len(THETA_D);
            above.1 += len(THETA_P);
        }
        if t.is_finite() {
            c *= (-(tj - t) / TAU_CA).exp();
        }
        t = tj;
        c += a;
    }
    above
}

/// After/before ratio of the mean efficacy for 60 pairs at 1 Hz (Graupner & Brunel 2012).
fn analytic_change(dt: f64) -> f64 {
    let (t_d, t_p) = time_above(dt);
    let (a_d, a_p) = (t_d / 1000.0, t_p / 1000.0);
    let (g_p, g_d) = (GAMMA_P * a_p, GAMMA_D * a_d);
    let rho_bar = g_p / (g_p + g_d);
    let var = (a_p + a_d) * SIGMA * SIGMA / (g_p + g_d);
    let tau_eff = TAU / (g_p + g_d);
    let t = 60_000.0;
    let x = |rho0: f64| {
        -(0.5 - rho_bar + (rho_bar - rho0) * (-t / tau_eff).exp())
            / (var * (1.0 - (-2.0 * t / tau_eff).exp())).sqrt()
    };
    let up = (1.0 + erf(x(0.0))) / 2.0;
    let down = (1.0 - erf(x(1.0))) / 2.0;
    ((BETA * (1.0 - up) + (1.0 - BETA) * down) + (BETA * up + (1.0 - BETA) * (1.0 - down)) * B)
        / (BETA + (1.0 - BETA) * B)
}

/// Two pathways of `n` synapses, paired at +10 ms (from 10 s) and -10 ms (from
/// 80 s); `shared`: both onto one neuron, otherwise one neuron each. Returns the
/// readouts (plus, minus) in % after a test volley at 179 min.
fn run(shared: bool, n: usize) -> (f64, f64) {
    let (post_plus, post_minus) = if shared {
        ("post", "post")
    } else {
        ("post_plus", "post_minus")
    };
    let mut text = String::from(
        "[simulation]\nduration = \"3 h\"\ndt = \"0.1 ms\"\nseed = 5\nfast_forward = true\n",
    );
    let mut posts = vec![post_plus];
    if !shared {
        posts.push(post_minus);
    }
    for p in posts {
        text += &format!("\n[[population]]\nname = \"{p}\"\nsize = 1\nmodel = \"lif_psc_exp\"\nparams = {{ V_th = \"1000 mV\" }}\n");
    }
    for (name, post, dt, at) in [
        ("plus", post_plus, "10 ms", "10 s"),
        ("minus", post_minus, "-10 ms", "80 s"),
    ] {
        text += &format!(
            r#"
[[population]]
name = "fibres_{name}"
size = {n}
model = "spike_source"

[[projection]]
name = "{name}"
from = "fibres_{name}"
to = "{post}"
connect = {{ rule = "all_to_all" }}
weight = "1 pA"
plasticity = {{ model = "graupner_brunel", parameter_set = "DP" }}

[[stimulus]]
target = "fibres_{name}"
kind = "pairing"
post = "{post}"
delta_t = "{dt}"
pairs = 60
rate = "1 Hz"
at = "{at}"

[[stimulus]]
target = "fibres_{name}"
kind = "times"
times = ["179 min"]

[[record]]
name = "{name}_fepsp"
kind = "fepsp"
projection = "{name}"
every = "30 min"

[[readout]]
name = "{name}"
record = "{name}_fepsp"
at = "3 h"
"#
        );
    }
    let path: PathBuf = std::env::temp_dir().join(format!(
        "engram_issue5_fig2_{}_{}.toml",
        std::process::id(),
        shared
    ));
    std::fs::write(&path, text).unwrap();
    let mut p = load(&path, &[], RunOverrides::default()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(&path).ok();
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    let get = |n: &str| s.readouts.iter().find(|r| r.name == n).unwrap().value;
    (get("plus"), get("minus"))
}

/// One neuron per pathway: +10 and -10 ms follow the analytic solution
/// (122 % and 88 %) within 4 % (2000 synapses: the sampling spread is about
/// 1.5 points).
#[test]
fn issue5_fig2_one_neuron_per_pathway_matches_analytic() {
    let (plus, minus) = run(false, 2000);
    let (a_plus, a_minus) = (
        100.0 * analytic_change(10.0),
        100.0 * analytic_change(-10.0),
    );
    assert!(
        a_plus > 115.0 && a_minus < 92.0,
        "analytic {a_plus}, {a_minus}"
    );
    assert!(
        (plus / a_plus - 1.0).abs() < 0.04,
        "+10 ms: {plus} % vs analytic {a_plus} %"
    );
    assert!(
        (minus / a_minus - 1.0).abs() < 0.04,
        "-10 ms: {minus} % vs analytic {a_minus} %"
    );
}

/// On a shared neuron each pathway also gets the other pairing's postsynaptic
/// spikes (60 unpaired spikes at 1 Hz), which pull rho towards the middle and
/// undo most of the +10 ms potentiation: the symptom of issue 5.
#[test]
fn issue5_fig2_shared_neuron_mixes_the_pathways() {
    let (plus, _) = run(true, 2000);
    let a_plus = 100.0 * analytic_change(10.0);
    assert!(
        plus < a_plus - 10.0,
        "+10 ms on a shared neuron: {plus} % (analytic for its own neuron {a_plus} %)"
    );
}

/// `parameter_set`: a published set is resolved with keys beside it overriding
/// it; an unknown name and a model without sets are refused with the list.
#[test]
fn issue5_parameter_set_key() {
    let write = |plasticity: &str, tag: &str| -> PathBuf {
        let text = format!(
            "[simulation]\nduration = \"1 s\"\ndt = \"0.1 ms\"\n\n[[population]]\nname = \"a\"\nsize = 1\nmodel = \"spike_source\"\n\n\
             [[population]]\nname = \"b\"\nsize = 1\nmodel = \"lif_psc_exp\"\n\n[[projection]]\nname = \"p\"\nfrom = \"a\"\nto = \"b\"\n\
             connect = {{ rule = \"all_to_all\" }}\nweight = \"1 pA\"\nplasticity = {plasticity}\n"
        );
        let path = std::env::temp_dir().join(format!(
            "engram_issue5_set_{}_{tag}.toml",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        path
    };
    let ok = write(
        r#"{ model = "graupner_brunel", parameter_set = "cortical_slices", sigma = 0 }"#,
        "ok",
    );
    let p = load(&ok, &[], RunOverrides::default()).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(&ok).ok();
    let proj = &p.resolved["projections"][0]["params"];
    assert_eq!(proj["tau_ca"]["value"].as_f64(), Some(22.6936), "{proj}");
    assert_eq!(proj["b"]["value"].as_f64(), Some(5.40988), "{proj}");
    assert_eq!(proj["sigma"]["value"].as_f64(), Some(0.0), "{proj}");
    for (plasticity, needle) in [
        (
            r#"{ model = "graupner_brunel", parameter_set = "cortical slices" }"#,
            "unknown parameter set",
        ),
        (
            r#"{ model = "graupner_brunel", parameter_set = 3 }"#,
            "must be a name",
        ),
        (
            r#"{ model = "stdp_pair", parameter_set = "DP" }"#,
            "no published parameter sets",
        ),
    ] {
        let bad = write(plasticity, "bad");
        let e = load(&bad, &[], RunOverrides::default())
            .err()
            .expect("refused")
            .to_string();
        std::fs::remove_file(&bad).ok();
        assert!(e.contains(needle), "{plasticity}: {e}");
        if needle == "unknown parameter set" {
            assert!(
                e.contains("cortical_slices") && e.contains("DPD_prime"),
                "{e}"
            );
        }
    }
}

fn repo(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
}

fn json(rel: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(repo(rel)).unwrap()).unwrap()
}

/// The (readout, min, max) of every expectation of a shipped protocol.
fn bounds(rel: &str) -> Vec<(String, f64, f64)> {
    let doc: toml::Table = std::fs::read_to_string(repo(rel)).unwrap().parse().unwrap();
    doc["expect"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["readout"].as_str().unwrap().to_string(),
                e["min"].as_float().unwrap(),
                e["max"].as_float().unwrap(),
            )
        })
        .collect()
}

/// Issue 5: the bounds of the shipped Graupner & Brunel / Sjöström protocols are
/// the stored data and reference numbers (validation/data), not typed by hand:
/// the DP curve +-2 %, the Sjöström points mean +- SEM (+- 2 SEM at 0.1 Hz, as
/// stated in the protocol), random firing at 1 Hz mean +- SEM.
#[test]
fn issue5_shipped_bounds_come_from_the_stored_data() {
    let close = |a: f64, b: f64| (a - b).abs() < 0.006;
    let reference = json("validation/data/graupner_brunel2012_reference.json");
    let data = json("validation/data/sjostrom2001.json");
    let stdp = bounds("experiments/graupner_brunel2012_stdp_dp.toml");
    let curve = reference["dp_stdp_60_pairs_1hz"]["curve"]
        .as_array()
        .unwrap();
    assert_eq!(stdp.len(), curve.len());
    for point in curve {
        let dt = point["delta_t_ms"].as_i64().unwrap();
        let name = if dt < 0 {
            format!("dt_m{}", -dt)
        } else {
            format!("dt_p{dt}")
        };
        let v = 100.0 * point["relative_change"].as_f64().unwrap();
        let (_, lo, hi) = stdp
            .iter()
            .find(|b| b.0 == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert!(
            close(*lo, 0.98 * v) && close(*hi, 1.02 * v),
            "{name}: [{lo}, {hi}] vs {v}"
        );
    }
    let freq = bounds("experiments/sjostrom2001_frequency_gb2012.toml");
    let points = data["regular_pairs"]["points"].as_array().unwrap();
    assert_eq!(freq.len(), points.len());
    for point in points {
        let (f, dt) = (
            point["frequency_hz"].as_f64().unwrap(),
            point["delta_t_ms"].as_i64().unwrap(),
        );
        let name = format!(
            "f{}_{}{}",
            f.to_string().replace('.', "p"),
            if dt < 0 { "m" } else { "p" },
            dt.abs()
        );
        let (m, sem) = (
            point["change"].as_f64().unwrap(),
            point["sem"].as_f64().unwrap(),
        );
        let k = if f < 1.0 { 2.0 } else { 1.0 };
        let (_, lo, hi) = freq
            .iter()
            .find(|b| b.0 == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert!(
            close(*lo, 100.0 * (1.0 + m - k * sem)) && close(*hi, 100.0 * (1.0 + m + k * sem)),
            "{name}: [{lo}, {hi}]"
        );
    }
    let random = bounds("experiments/sjostrom2001_random_gb2012.toml");
    let first = &data["random_firing"]["points"][0];
    let (m, sem) = (
        first["change"].as_f64().unwrap(),
        first["sem"].as_f64().unwrap(),
    );
    let (_, lo, hi) = random.iter().find(|b| b.0 == "r1").unwrap();
    assert!(close(*lo, 100.0 * (1.0 + m - sem)) && close(*hi, 100.0 * (1.0 + m + sem)));
    for point in reference["cortical_random_75_pairs"]["points"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
    {
        let name = format!("r{}", point["rate_hz"].as_f64().unwrap());
        let v = 100.0 * point["relative_change"].as_f64().unwrap();
        let (_, lo, hi) = random
            .iter()
            .find(|b| b.0 == name)
            .unwrap_or_else(|| panic!("{name}"));
        assert!(
            close(*lo, 0.96 * v) && close(*hi, 1.04 * v),
            "{name}: [{lo}, {hi}] vs {v}"
        );
    }
}

/// Runs a shipped experiment and returns its readouts by name.
fn run_experiment(rel: &str) -> Vec<(String, f64)> {
    let mut p = load(&repo(rel), &[], RunOverrides::default()).unwrap_or_else(|e| panic!("{e}"));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let s = summarize(&p, &collect(&p));
    s.readouts
        .iter()
        .map(|r| (r.name.clone(), r.value))
        .collect()
}

/// Issue 5: the later fits to Sjöström et al. 2001 (Deperrois & Graupner 2020
/// with presynaptic short-term depression, set visual_cortex_std; Graupner,
/// Wallisch & Ostojic 2016, set visual_cortex_flat) are deterministic; every
/// readout of their shipped experiments (rho = 0.5 (1 + change)) equals the
/// independent event-by-event re-implementation in
/// validation/graupner_brunel/published_fits.py to 1e-12, and every bound is
/// the data mean +- SEM where that prediction is within 1 SEM of the data,
/// otherwise the prediction +- 1e-6 (stated in the protocol).
#[test]
fn issue5_later_fits_match_reference_reimplementation() {
    let fits = json("validation/data/sjostrom2001_published_fits.json");
    let mut checked = 0;
    let mut check =
        |file: &str, got: &[(String, f64)], name: &str, model: f64, row: &serde_json::Value| {
            let expected = 0.5 * (1.0 + model);
            let value = got
                .iter()
                .find(|r| r.0 == name)
                .unwrap_or_else(|| panic!("{file} {name}"))
                .1;
            assert!(
                (value - expected).abs() < 1e-12,
                "{file} {name}: {value} vs {expected}"
            );
            let (m, sem) = (row["data"].as_f64().unwrap(), row["sem"].as_f64().unwrap());
            let (want_lo, want_hi) = if (model - m).abs() <= sem {
                (0.5 * (1.0 + m - sem), 0.5 * (1.0 + m + sem))
            } else {
                (expected - 1e-6, expected + 1e-6)
            };
            let b = bounds(file);
            let (_, lo, hi) = b.iter().find(|b| b.0 == name).unwrap();
            assert!(
                (lo - want_lo).abs() < 1e-7 && (hi - want_hi).abs() < 1e-7,
                "{file} {name}: [{lo}, {hi}] vs [{want_lo}, {want_hi}]"
            );
            checked += 1;
        };
    for (tag, set, schedule) in [
        ("dg2020", "visual_cortex_std", true),
        ("gwo2016", "visual_cortex_flat", false),
    ] {
        let file = format!("experiments/sjostrom2001_frequency_{tag}.toml");
        let got = run_experiment(&file);
        for row in fits["regular"].as_array().unwrap() {
            let (f, dt) = (
                row["frequency_hz"].as_f64().unwrap(),
                row["delta_t_ms"].as_f64().unwrap(),
            );
            let key = if schedule && f >= 1.0 {
                format!("{set}_schedule")
            } else {
                format!("{set}_75_pairs")
            };
            let name = format!(
                "f{}_{}{}",
                f.to_string().replace('.', "p"),
                if dt < 0.0 { "m" } else { "p" },
                dt.abs()
            );
            check(&file, &got, &name, row[&key].as_f64().unwrap(), row);
        }
        let file = format!("experiments/sjostrom2001_random_{tag}.toml");
        let got = run_experiment(&file);
        for row in fits["random"].as_array().unwrap() {
            let name = format!("r{}", row["rate_hz"].as_f64().unwrap());
            let model = row[format!("{set}_shipped_draw")].as_f64().unwrap();
            check(&file, &got, &name, model, row);
        }
    }
    assert_eq!(checked, 28);
}
