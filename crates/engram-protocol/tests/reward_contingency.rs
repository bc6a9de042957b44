//! Issue 6: reward-contingent modulator releases (`[[modulator.release]]` with
//! `contingency = { ... }`, Izhikevich 2007): a release after a random delay
//! each time the post neuron fires less than `window` after the pre neuron.
//!
//! - every pair inside the window is rewarded once, pairs at or beyond the
//!   window, same-step pairs and spikes of other neurons are not;
//! - each release comes `delay_min ..= delay_max` after its pair, the delays
//!   spread over the range, and they are keyed by the seed (1 and 2 threads
//!   give the same releases, another seed other delays).

use engram_protocol::results::collect;
use engram_protocol::{parse_str, Protocol, RunOverrides};

/// Pairs every 5 s (so a release, 1–3 s later, belongs to one pair): 100 pairs
/// of neuron 1 of `a` then neuron 0 of `b` 10 ms later (rewarded), then 10 with
/// the post spike 20 ms later (= window: not rewarded), 10 in the same step, 10
/// where a neuron that is not watched fires instead.
const BASE: &str = r#"[simulation]
duration = "700 s"
dt = "1 ms"
seed = 5

[[population]]
name = "a"
size = 2
model = "spike_source"

[[population]]
name = "b"
size = 2
model = "spike_source"
region = "r"

[[modulator]]
region = "r"
name = "dopamine"
tau = "1 ms"

[[modulator.release]]
amount = 1
contingency = { pre = "a", pre_neuron = 1, post = "b", post_neuron = 0, window = "20 ms", delay_min = "1 s", delay_max = "3 s" }

[[stimulus]]
target = "a"
neurons = [1]
kind = "regular"
rate = "0.2 Hz"
count = 130
at = "1 s"

[[stimulus]]
target = "b"
neurons = [0]
kind = "regular"
rate = "0.2 Hz"
count = 100
at = "1.01 s"

[[stimulus]]
target = "b"
neurons = [0]
kind = "regular"
rate = "0.2 Hz"
count = 10
at = "501.02 s"

[[stimulus]]
target = "b"
neurons = [0]
kind = "regular"
rate = "0.2 Hz"
count = 10
at = "551 s"

[[stimulus]]
target = "b"
neurons = [1]
kind = "regular"
rate = "0.2 Hz"
count = 10
at = "601.01 s"

[[stimulus]]
target = "a"
neurons = [0]
kind = "regular"
rate = "0.2 Hz"
count = 10
at = "651 s"

[[stimulus]]
target = "b"
neurons = [0]
kind = "regular"
rate = "0.2 Hz"
count = 10
at = "651.01 s"

[[record]]
name = "da"
kind = "modulator"
region = "r"
variable = "dopamine"
every = "1 ms"
"#;

fn run(seed: u64, threads: usize) -> (Protocol, Vec<f64>) {
    let over = RunOverrides { seed: Some(seed), threads: Some(threads) };
    let mut p = parse_str("contingency.toml", BASE, &[], over).unwrap_or_else(|d| panic!("{d}"));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let data = collect(&p);
    let da = data.iter().find(|d| d.name == "da").unwrap();
    // With tau = 1 ms the level falls by e per step: a release shows as a jump above 0.5.
    let releases: Vec<f64> = da.times_ms.iter().zip(&da.values).filter(|(_, &v)| v > 0.5).map(|(&t, _)| t).collect();
    (p, releases)
}

#[test]
fn issue6_contingent_rewards_follow_the_pairs_in_the_window_with_keyed_delays() {
    let (p, releases) = run(5, 1);
    assert_eq!(p.sim.contingent_rewards(0), 100);
    assert_eq!(releases.len(), 100, "{releases:?}");
    // Release k belongs to the post spike at 1010 + 5000 k ms.
    let delays: Vec<f64> = releases
        .iter()
        .map(|&t| {
            let k = ((t - 1010.0) / 5000.0).floor();
            t - (1010.0 + 5000.0 * k)
        })
        .collect();
    assert!(delays.iter().all(|&d| (1000.0..=3000.0).contains(&d)), "{delays:?}");
    let mean = delays.iter().sum::<f64>() / delays.len() as f64;
    let (lo, hi) = delays.iter().fold((f64::INFINITY, 0.0f64), |(a, b), &d| (a.min(d), b.max(d)));
    assert!((mean - 2000.0).abs() < 200.0 && lo < 1200.0 && hi > 2800.0, "mean {mean}, range {lo}..{hi}");
    // Each pair got its own release (k from 0 to 99, once each).
    let mut ks: Vec<i64> = releases.iter().map(|&t| ((t - 1010.0) / 5000.0).floor() as i64).collect();
    ks.dedup();
    assert_eq!(ks, (0..100).collect::<Vec<_>>());

    // Threads do not change the draws; another seed does.
    let (_, two) = run(5, 2);
    assert_eq!(two, releases);
    let (_, other) = run(6, 1);
    assert_eq!(other.len(), 100);
    assert_ne!(other, releases);
}
