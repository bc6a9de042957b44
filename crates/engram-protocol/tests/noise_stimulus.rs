//! Issue 6: the `noise` stimulus (a uniform white-noise current, Izhikevich
//! 2007's thalamic input): every step each target neuron gets its own draw from
//! [−amplitude, +amplitude], only inside the window, keyed by seed, stimulus,
//! neuron and step (1 and 2 threads identical).
//!
//! Read through a `lif_psc_delta` neuron with C_m = 1 pF and tau_m = 1e9 ms: at
//! dt = 1 ms its potential moves by the injected current (pA) times 1 mV/pA in
//! each step, so the steps of V_m are the draws.

use engram_protocol::results::collect;
use engram_protocol::{parse_str, RunOverrides};

const BASE: &str = r#"[simulation]
duration = "3 s"
dt = "1 ms"
seed = 9

[[population]]
name = "cell"
size = 2
model = "lif_psc_delta"
params = { C_m = "1 pF", tau_m = "1e9 ms", V_th = "1e6 mV", E_L = "0 mV", V_reset = "0 mV", V_init = "0 mV" }

[[stimulus]]
target = "cell"
kind = "noise"
amplitude = "6.5 pA"
from = "0 s"
to = "2 s"

[[record]]
name = "v"
kind = "state"
population = "cell"
variable = "V_m"
every = "1 ms"
"#;

fn steps(seed: u64, threads: usize) -> [Vec<f64>; 2] {
    let over = RunOverrides { seed: Some(seed), threads: Some(threads) };
    let mut p = parse_str("noise.toml", BASE, &[], over).unwrap_or_else(|d| panic!("{d}"));
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    let data = collect(&p);
    let v = data.iter().find(|d| d.name == "v").unwrap();
    // Rows are (sample, neuron), neuron fastest.
    let per: [Vec<f64>; 2] = [0, 1].map(|n| v.values.iter().skip(n).step_by(2).copied().collect::<Vec<f64>>());
    per.map(|trace| trace.windows(2).map(|w| w[1] - w[0]).collect())
}

#[test]
fn issue6_noise_current_is_uniform_per_neuron_and_step_inside_its_window() {
    let [a, b] = steps(9, 1);
    assert_eq!(a.len(), 3000);
    // Inside the window (samples 1..=2000 are the steps 0..2000): draws within the bounds.
    let inside = &a[..2000];
    assert!(inside.iter().all(|d| d.abs() <= 6.5 + 1e-6), "out of bounds");
    let mean = inside.iter().sum::<f64>() / 2000.0;
    let var = inside.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / 2000.0;
    // Uniform on [-6.5, 6.5]: mean 0 (SE 0.084), variance 6.5^2/3 = 14.08 (SE ~0.4).
    assert!(mean.abs() < 0.35 && (var - 14.08).abs() < 1.6, "mean {mean}, variance {var}");
    assert!(inside.iter().any(|&d| d > 6.0) && inside.iter().any(|&d| d < -6.0));
    // After the window the current is gone (V stays, up to the leak of tau_m = 1e9 ms).
    assert!(a[2001..].iter().all(|d| d.abs() < 1e-6), "noise after the window");
    // Each neuron has its own draws.
    assert!(a[..2000].iter().zip(&b[..2000]).filter(|(x, y)| x == y).count() < 5);
    // Threads do not matter; the seed does.
    assert_eq!(steps(9, 2), [a.clone(), b]);
    assert_ne!(steps(10, 1)[0], a);
}
