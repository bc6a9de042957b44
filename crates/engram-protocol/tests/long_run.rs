//! A tiny network runs 30 days of biological time and ends exactly on time:
//! 720 hourly stimuli give exactly 720 postsynaptic spikes, the last one at
//! exactly 30 days minus one hour plus the delay.

use engram_protocol::results::{collect, summarize};
use engram_protocol::{parse_str, RunOverrides};

const THIRTY_DAYS: &str = r#"
[simulation]
duration = "30 days"
dt = "100 ms"

[[population]]
name = "fibre"
size = 1
model = "spike_source"

[[population]]
name = "cell"
size = 1
model = "lif_psc_exp"
params = { tau_m = "1 s", tau_syn_ex = "100 ms", t_ref = "0 ms" }

[[projection]]
name = "in"
from = "fibre"
to = "cell"
connect = { rule = "all_to_all" }
weight = "100 pA"
delay = "100 ms"

[[stimulus]]
target = "fibre"
kind = "regular"
count = 1
rate = "1 Hz"
every = "1 h"
from = "1 h"
to = "30 days"

[[record]]
name = "cell_spikes"
kind = "spikes"
population = "cell"

[[readout]]
name = "spikes"
record = "cell_spikes"
stat = "count"
from = "0 h"
to = "30 days"
"#;

#[test]
fn thirty_days_end_exactly_on_time() {
    let mut p = parse_str("thirty_days.toml", THIRTY_DAYS, &[], RunOverrides::default()).unwrap();
    assert_eq!(p.duration, 25_920_000);
    let d = p.duration;
    p.sim.run_until(d, &mut |_| {}).unwrap();
    assert_eq!(p.sim.now(), 25_920_000);
    assert_eq!(p.dt.to_ms(p.sim.now()), 2_592_000_000.0);
    let data = collect(&p);
    let spikes = &data[0].times_ms;
    // onsets at 1 h, 2 h, ..., 719 h (to is exclusive): 719 stimuli
    assert_eq!(spikes.len(), 719);
    // fibre spike stamped at k h, arrives after 100 ms, acts on V one step later
    let last = spikes.last().copied().unwrap();
    assert_eq!(last, 719.0 * 3_600_000.0 + 200.0);
    let s = summarize(&p, &data);
    assert_eq!(s.readouts[0].value, 719.0);
}
