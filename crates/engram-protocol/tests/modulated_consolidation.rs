//! Issue 6, item 3: modulators in the consolidation cascade, through the
//! protocol. Models name a modulator whose level (sampled at every slow tick)
//! sets some of their parameters: the protein-synthesis threshold of
//! `protein_pool` (dopamine), the potentiation threshold of `tagging_capture`
//! (noradrenaline) and the transmission of `static` (acetylcholine).
//!
//! - the level acts through the value sampled at the last slow tick (sample
//!   and hold), exactly;
//! - an intervention keeps the sampled level, and a drug removes the effect;
//! - a large network with every new binding is bit-identical with 1 and 2 threads.

use engram_protocol::results::collect;
use engram_protocol::{parse_str, Protocol, RunOverrides};

fn run(text: &str, threads: usize) -> Protocol {
    let mut p = parse_str("modulated.toml", text, &[], RunOverrides { seed: None, threads: Some(threads) }).unwrap_or_else(|d| panic!("{d}"));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    p
}

/// One fibre, one neuron, one static synapse; acetylcholine released at 50 ms
/// (amount 1, tau 1 s); the fibre spikes at 520 ms (and at 820 ms, inside a
/// scopolamine window from 800 ms).
fn ach(bound: bool, drug: bool) -> String {
    format!(
        r#"[simulation]
duration = "1 s"
dt = "0.1 ms"

[[population]]
name = "post"
size = 1
model = "lif_psc_exp"
region = "ca3"
params = {{ V_th = "0 mV" }}

[[population]]
name = "pre"
size = 1
model = "spike_source"

[[projection]]
name = "rec"
from = "pre"
to = "post"
connect = {{ rule = "all_to_all" }}
weight = "100 pA"
delay = "1 ms"
plasticity = {{ model = "static", ach_suppression = 0.5, K_ach = 1 }}
{}

[[modulator]]
region = "ca3"
name = "acetylcholine"
tau = "1 s"

[[modulator.release]]
at = "50 ms"
amount = 1

[[stimulus]]
target = "pre"
kind = "times"
times = ["520 ms", "820 ms"]

{}

[[record]]
name = "i"
kind = "state"
population = "post"
variable = "I_syn_ex"
every = "0.1 ms"
"#,
        if bound { "modulator = \"acetylcholine\"" } else { "" },
        if drug { "[[intervention]]\nname = \"scopolamine\"\ntarget = \"projection.rec\"\ndrug = \"scopolamine\"\nfrom = \"800 ms\"\n" } else { "" },
    )
}

/// Largest synaptic current in (from, to] ms.
fn peak(p: &Protocol, from: f64, to: f64) -> f64 {
    let r = &collect(p)[0];
    r.times_ms.iter().zip(&r.values).filter(|(t, _)| **t > from && **t <= to).map(|(_, v)| *v).fold(f64::MIN, f64::max)
}

#[test]
fn issue6_acetylcholine_scales_transmission_by_the_level_sampled_at_the_last_tick() {
    let plain = run(&ach(false, false), 1);
    let bound = run(&ach(true, false), 1);
    let ratio = peak(&bound, 500.0, 700.0) / peak(&plain, 500.0, 700.0);
    // The spike at 520 ms sees the level sampled at the tick at 500 ms.
    let l = (-0.45f64).exp();
    let want = 1.0 - 0.5 * l / (l + 1.0);
    assert!((ratio - want).abs() < 1e-12, "ratio {ratio}, want {want}");
    let l_now = (-0.47f64).exp();
    assert!((ratio - (1.0 - 0.5 * l_now / (l_now + 1.0))).abs() > 1e-4, "the level is held between ticks");
    // At 820 ms, still suppressed without a drug, and not at all with scopolamine.
    let l8 = (-0.75f64).exp();
    let r8 = peak(&bound, 800.0, 1000.0) / peak(&plain, 800.0, 1000.0);
    assert!((r8 - (1.0 - 0.5 * l8 / (l8 + 1.0))).abs() < 1e-12, "{r8}");
    let drugged = run(&ach(true, true), 1);
    assert_eq!(peak(&drugged, 800.0, 1000.0).to_bits(), peak(&plain, 800.0, 1000.0).to_bits());
    assert_eq!(peak(&drugged, 500.0, 700.0).to_bits(), peak(&bound, 500.0, 700.0).to_bits());
}

/// 2048 neurons (two shards), each with one tagging-and-capture synapse that
/// reads noradrenaline and a protein pool that reads dopamine; a strong tetanus
/// at 100 ms after both releases.
const NET: &str = r#"[simulation]
duration = "3 s"
dt = "0.2 ms"
seed = 6

[[population]]
name = "fibres"
size = 2048
model = "spike_source"

[[population]]
name = "ca1"
size = 2048
model = "lif_psc_delta"
params = { tau_m = "10 ms", E_L = "-65 mV", V_init = "-65 mV", V_reset = "-70 mV", V_th = "-55 mV", t_ref = "2 ms" }
region = "slice"
proteins = { model = "protein_pool", modulator = "dopamine", nm_gain = 4 }

[[projection]]
name = "S"
from = "fibres"
to = "ca1"
connect = { rule = "one_to_one" }
weight = "4.20075 mV"
delay = "3 ms"
plasticity = { model = "tagging_capture", beta_gain = 0.9 }
modulator = "noradrenaline"

[[modulator]]
region = "slice"
name = "dopamine"
tau = "10 s"

[[modulator.release]]
at = "50 ms"
amount = 1

[[modulator]]
region = "slice"
name = "noradrenaline"
tau = "10 s"

[[modulator.release]]
at = "50 ms"
amount = 20

[[stimulus]]
target = "fibres"
kind = "burst"
bursts = 10
spikes_per_burst = 2
burst_rate = "100 Hz"
burst_interval = "200 ms"
at = "100 ms"

[[record]]
name = "h"
kind = "synapse"
projection = "S"
variable = "early_weight"
every = "100 ms"

[[record]]
name = "p"
kind = "protein"
population = "ca1"
every = "100 ms"
"#;

#[test]
fn issue6_modulated_thresholds_are_thread_independent_and_act() {
    let a = run(NET, 1);
    let b = run(NET, 2);
    let (ra, rb) = (collect(&a), collect(&b));
    for (x, y) in ra.iter().zip(&rb) {
        assert_eq!(x.values.len(), y.values.len(), "{}", x.name);
        assert!(x.values.iter().zip(&y.values).all(|(p, q)| p.to_bits() == q.to_bits()), "{}", x.name);
    }
    let (wa, wb) = (a.sim.projection(0).synapses(), b.sim.projection(0).synapses());
    assert!(wa.iter().zip(&wb).all(|(p, q)| p.2.to_bits() == q.2.to_bits()));
    // The bindings act: with noradrenaline the paired pulses potentiate, and with
    // dopamine the pool synthesises; without them neither happens.
    let h_end = *ra[0].values.last().unwrap();
    let p_end = *ra[1].values.last().unwrap();
    assert!(h_end > 4.20075 + 0.3, "early weight {h_end}");
    assert!(p_end > 0.0, "protein {p_end}");
    let plain = NET.replace("modulator = \"noradrenaline\"\n", "").replace(", modulator = \"dopamine\"", "");
    let c = run(&plain, 1);
    let rc = collect(&c);
    assert!(*rc[0].values.last().unwrap() < 4.20075, "without noradrenaline: depression only");
    assert_eq!(*rc[1].values.last().unwrap(), 0.0, "without dopamine: no synthesis");
}

/// Pair STDP onto a neuron whose region holds acetylcholine at a tonic level of
/// 3 (occupancy 0.75 with K_ach = 1): the learning rate in effect is
/// lambda (1 + ach_plasticity 0.75), so with additive updates and no clipping the
/// whole weight change scales by that factor; scopolamine restores it.
fn stdp(bound: bool, drug: bool) -> String {
    format!(
        r#"[simulation]
duration = "10 s"
dt = "0.1 ms"

[[population]]
name = "post"
size = 1
model = "lif_psc_exp"
region = "ca3"

[[population]]
name = "pre"
size = 1
model = "spike_source"

[[projection]]
name = "rec"
from = "pre"
to = "post"
connect = {{ rule = "all_to_all" }}
weight = "20 pA"
delay = "1 ms"
plasticity = {{ model = "stdp_pair", mu_plus = 0, mu_minus = 0, alpha = 0.5, Wmax = "100 pA", ach_plasticity = -0.5, ach_suppression = 0.9 }}
{}

[[modulator]]
region = "ca3"
name = "acetylcholine"
tonic = 3
tau = "1 s"

[[stimulus]]
target = "pre"
kind = "pairing"
post = "post"
delta_t = "10 ms"
pairs = 5
rate = "1 Hz"
at = "1 s"

[[stimulus]]
target = "pre"
kind = "times"
times = ["9 s"]

{}
"#,
        if bound { "modulator = \"acetylcholine\"" } else { "" },
        if drug { "[[intervention]]\nname = \"scopolamine\"\ntarget = \"projection.rec\"\ndrug = \"scopolamine\"\nfrom = \"0.5 s\"\n" } else { "" },
    )
}

#[test]
fn issue6_acetylcholine_damps_stdp_by_its_occupancy_and_scopolamine_restores_it() {
    let dw = |p: &Protocol| p.sim.projection(0).synapses()[0].2 - 20.0;
    let plain = dw(&run(&stdp(false, false), 1));
    let damped = dw(&run(&stdp(true, false), 1));
    assert!(plain > 1.0, "the pairing potentiates: {plain}");
    let want = 1.0 - 0.5 * 0.75;
    assert!((damped / plain - want).abs() < 1e-9, "ratio {} want {want}", damped / plain);
    let blocked = dw(&run(&stdp(true, true), 1));
    assert_eq!(blocked.to_bits(), plain.to_bits());
}
