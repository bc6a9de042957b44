//! The same protocol and seed give bit-identical results with 1 and 2 threads.
//!
//! The network is large enough (2500 neurons) to span several work chunks and
//! projection shards, so the parallel paths really run; it has Poisson drive,
//! random connectivity and recurrent pair STDP.

use engram_protocol::results::collect;
use engram_protocol::{parse_str, RunOverrides};

const NETWORK: &str = r#"
[simulation]
duration = "150 ms"
seed = 11

[[population]]
name = "exc"
size = 2000
model = "lif_cond_exp"
params = { tau_syn_ex = "5 ms", tau_syn_in = "10 ms", g_L = "10 nS", C_m = "200 pF", E_L = "-60 mV", V_th = "-50 mV", V_reset = "-60 mV", E_in = "-80 mV", V_init = "-60 mV", t_ref = "5 ms" }

[[population]]
name = "inh"
size = 500
model = "lif_cond_exp"
params = { tau_syn_ex = "5 ms", tau_syn_in = "10 ms", g_L = "10 nS", C_m = "200 pF", E_L = "-60 mV", V_th = "-50 mV", V_reset = "-60 mV", E_in = "-80 mV", V_init = "-60 mV", t_ref = "5 ms" }

[[population]]
name = "drive"
size = 2500
model = "spike_source"

[[projection]]
name = "drive_exc"
from = "drive"
to = "exc"
connect = { rule = "fixed_indegree", k = 20 }
weight = "6 nS"

[[projection]]
name = "drive_inh"
from = "drive"
to = "inh"
connect = { rule = "fixed_indegree", k = 20 }
weight = "6 nS"

[[projection]]
name = "ee"
from = "exc"
to = "exc"
connect = { rule = "fixed_probability", p = 0.02 }
weight = "2 nS"
delay = "1.5 ms"
plasticity = { model = "stdp_pair", lambda = 0.05, alpha = 1.05, mu_plus = 0, mu_minus = 0, Wmax = "4 nS" }

[[projection]]
name = "ie"
from = "inh"
to = "exc"
connect = { rule = "fixed_probability", p = 0.02 }
weight = "3 nS"
receptor = "inhibitory"

[[stimulus]]
target = "drive"
kind = "poisson"
rate = "40 Hz"
from = "0 ms"
to = "150 ms"

[[record]]
name = "exc_spikes"
kind = "spikes"
population = "exc"

[[record]]
name = "ee_weight"
kind = "weight"
projection = "ee"
every = "1 ms"

[[record]]
name = "vm"
kind = "state"
population = "exc"
variable = "V_m"
neurons = [0, 1500, 1999]
every = "0.5 ms"
"#;

/// A second, dense drive onto `exc` with the same port and delay as
/// `drive_exc`, so that both add several terms into the same ring entries in
/// the same step (in projection order; another order rounds differently).
const SECOND_DRIVE: &str = r#"
[[projection]]
name = "drive_exc_b"
from = "drive"
to = "exc"
connect = { rule = "fixed_indegree", k = 500 }
weight = "0.0123 nS"
"#;

fn run(threads: usize) -> (Vec<engram_protocol::results::RecordData>, Vec<(u32, u32, f64)>) {
    run_with(NETWORK, threads, None)
}

/// `min_events`: synaptic events per step from which delivery runs in parallel.
fn run_with(
    text: &str,
    threads: usize,
    min_events: Option<u64>,
) -> (Vec<engram_protocol::results::RecordData>, Vec<(u32, u32, f64)>) {
    let mut p = parse_str("determinism.toml", text, &[], RunOverrides { seed: None, threads: Some(threads) }).unwrap();
    if let Some(n) = min_events {
        p.sim.set_parallel_min_events(n);
    }
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let weights = p.sim.projection(2).synapses();
    (collect(&p), weights)
}

fn assert_bit_identical(
    (a, wa): &(Vec<engram_protocol::results::RecordData>, Vec<(u32, u32, f64)>),
    (b, wb): &(Vec<engram_protocol::results::RecordData>, Vec<(u32, u32, f64)>),
) {
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x.times_ms.len(), y.times_ms.len(), "{}", x.name);
        assert!(x.times_ms.iter().zip(&y.times_ms).all(|(p, q)| p.to_bits() == q.to_bits()), "{}", x.name);
        assert_eq!(x.neurons, y.neurons, "{}", x.name);
        assert!(x.values.iter().zip(&y.values).all(|(p, q)| p.to_bits() == q.to_bits()), "{}", x.name);
    }
    assert_eq!(wa.len(), wb.len());
    assert!(wa.iter().zip(wb).all(|(p, q)| p.0 == q.0 && p.1 == q.1 && p.2.to_bits() == q.2.to_bits()));
}

/// Issue 4: with threads, every delivery of a step runs in one parallel region,
/// one task per postsynaptic shard applying each projection in turn (here three
/// projections, two of them with the same port and delay, share the shards of
/// `exc`). Forced into that region at every step, and with 3 threads, the run
/// stays bit-identical to the serial one.
#[test]
fn issue4_shared_delivery_region_is_bit_identical() {
    let text = format!("{NETWORK}{SECOND_DRIVE}");
    let one = run_with(&text, 1, None);
    assert_bit_identical(&one, &run_with(&text, 2, Some(0)));
    assert_bit_identical(&one, &run_with(&text, 3, Some(0)));
    assert_bit_identical(&one, &run_with(&text, 2, Some(u64::MAX)));
}

#[test]
fn one_and_two_threads_are_bit_identical() {
    let (a, wa) = run(1);
    let (b, wb) = run(2);
    let spikes = &a[0];
    assert!(spikes.times_ms.len() > 1000, "the network must be active: {} spikes", spikes.times_ms.len());
    assert!(wa.iter().any(|w| w.2 != 2.0), "STDP must have changed some weights");
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.times_ms.len(), y.times_ms.len(), "{}", x.name);
        assert!(x.times_ms.iter().zip(&y.times_ms).all(|(p, q)| p.to_bits() == q.to_bits()), "{}", x.name);
        assert_eq!(x.neurons, y.neurons, "{}", x.name);
        assert!(x.values.iter().zip(&y.values).all(|(p, q)| p.to_bits() == q.to_bits()), "{}", x.name);
    }
    assert_eq!(wa.len(), wb.len());
    assert!(wa.iter().zip(&wb).all(|(p, q)| p.0 == q.0 && p.1 == q.1 && p.2.to_bits() == q.2.to_bits()));
}

#[test]
fn a_different_seed_gives_a_different_network() {
    let p1 = parse_str("d.toml", NETWORK, &[], RunOverrides { seed: Some(1), threads: None }).unwrap();
    let p2 = parse_str("d.toml", NETWORK, &[], RunOverrides { seed: Some(2), threads: None }).unwrap();
    assert_ne!(p1.sim.projection(2).synapses(), p2.sim.projection(2).synapses());
}
