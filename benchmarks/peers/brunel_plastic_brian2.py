#!/usr/bin/env python3
"""Plastic Brunel network (benchmarks/brunel_plastic.toml, B1p) in Brian2 C++
standalone (1 thread).

LIF with delta synapses, integrated exactly (`method="exact"`, as NEST
iaf_psc_delta); input arriving during the refractory period is lost (NEST);
p = 0.1 without autapses, delay 1.5 ms; E->E multiplicative pair STDP with
NEST stdp_synapse semantics at the arrival of the presynaptic spike:
depression w <- w (1 - alpha lambda K-) (floored at 0) and then transmission,
facilitation w <- w + lambda (Wmax - w) K+ (capped) at a postsynaptic spike.
External drive: PoissonInput, 800 inputs at 25 Hz (20 kHz) of 0.1 mV per
neuron. An untimed warm-up (default 100 ms) precedes the timed window.
Prints one line: RESULT {json}. Part of engram's benchmark harness
(benchmarks/compare.py); needs brian2 (PyPI) and g++.
"""
import argparse
import json
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("--T", type=float, default=1.0, help="timed biological time [s]")
ap.add_argument("--warmup", type=float, default=0.1, help="untimed warm-up [s]")
ap.add_argument("--seed", type=int, default=2001)
ap.add_argument("--static", action="store_true", help="E->E static as well (B1s)")
ap.add_argument("--builddir", default="/tmp/engram_bench_brian2")
a = ap.parse_args()

import brian2 as b2  # noqa: E402
from brian2 import ms, mV, Hz  # noqa: E402

b2.BrianLogger.log_level_error()
builddir = os.path.join(a.builddir, "brunel_static" if a.static else "brunel_plastic")
b2.set_device("cpp_standalone", directory=builddir, build_on_run=False)
b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
b2.defaultclock.dt = 0.1 * ms
b2.seed(a.seed)
N_E, N_I = 8000, 2000
ns = {"tau_m": 20 * ms, "J_E": 0.1 * mV, "J_I": -0.5 * mV, "Wmax": 0.3 * mV,
      "lam": 0.01, "alpha": 2.02, "tau_plus": 20 * ms, "tau_minus": 20 * ms}
cells = b2.NeuronGroup(N_E + N_I, "dv/dt = -v / tau_m : volt (unless refractory)",
                       threshold="v >= 20*mV", reset="v = 0*mV", refractory=2 * ms,
                       method="exact", namespace=ns)
cells.v = 0 * mV
exc, inh = cells[:N_E], cells[N_E:]
gate = "int(not_refractory_post)"
if a.static:
    ee = b2.Synapses(exc, exc, on_pre=f"v_post += J_E * {gate}", delay=1.5 * ms, namespace=ns)
else:
    ee = b2.Synapses(exc, exc, """w : volt
        dkp/dt = -kp / tau_plus : 1 (event-driven)
        dkm/dt = -km / tau_minus : 1 (event-driven)""",
        on_pre=f"""w = clip(w * (1 - alpha * lam * km), 0*mV, Wmax)
        v_post += w * {gate}
        kp += 1""",
        on_post="""w = clip(w + lam * (Wmax - w) * kp, 0*mV, Wmax)
        km += 1""", delay=1.5 * ms, namespace=ns)
ee.connect(condition="i != j", p=0.1)
if not a.static:
    ee.w = 0.1 * mV
ei = b2.Synapses(exc, inh, on_pre=f"v_post += J_E * {gate}", delay=1.5 * ms, namespace=ns)
ei.connect(p=0.1)
ie = b2.Synapses(inh, exc, on_pre=f"v_post += J_I * {gate}", delay=1.5 * ms, namespace=ns)
ie.connect(p=0.1)
ii = b2.Synapses(inh, inh, on_pre=f"v_post += J_I * {gate}", delay=1.5 * ms, namespace=ns)
ii.connect(condition="i != j", p=0.1)
drive = b2.PoissonInput(cells, "v", N=800, rate=25 * Hz, weight="0.1*mV*int(not_refractory)")
mon = b2.SpikeMonitor(cells)
b2.run(a.warmup * 1000 * ms)
b2.run(a.T * 1000 * ms)
t0 = time.perf_counter()
b2.device.build(directory=builddir, run=False)
build_s = time.perf_counter() - t0
t1 = time.perf_counter()
b2.device.run()
wall = time.perf_counter() - t1
# Brian's own timing of the last run() call: the timed window.
sim_s = b2.device._last_run_time if hasattr(b2.device, "_last_run_time") else wall
t, i = mon.t[:], mon.i[:]
sel = t >= a.warmup * 1000 * ms
spikes = int(sel.sum())
n_exc = int((sel & (i < N_E)).sum())
n_syn = sum(len(s) for s in (ee, ei, ie, ii))
print("RESULT " + json.dumps({
    "sim": "Brian2 " + b2.__version__ + " standalone", "T_s": a.T, "setup_s": build_s, "sim_s": sim_s,
    "binary_wall_s": wall, "rtf": sim_s / a.T, "synapses": n_syn, "spikes": spikes, "neurons": N_E + N_I,
    "rate_hz": spikes / (N_E + N_I) / a.T,
    "exc_rate_hz": n_exc / N_E / a.T, "inh_rate_hz": (spikes - n_exc) / N_I / a.T,
    "mean_w_mV": float(ee.w[:].mean() / mV) if not a.static else None,
}))
