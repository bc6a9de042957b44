#!/usr/bin/env python3
"""COBA (and COBA+STDP) in Brian2 C++ standalone (1 thread), with the parameters
of benchmarks/coba.toml. Prints one line: RESULT {json}. Written for engram's
benchmark harness (benchmarks/compare.py); needs brian2 (PyPI) and g++.
"""
import argparse
import json
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("--T", type=float, default=1.0, help="timed biological time [s]")
ap.add_argument("--seed", type=int, default=1001)
ap.add_argument("--stdp", action="store_true")
ap.add_argument("--builddir", default="/tmp/engram_bench_brian2")
a = ap.parse_args()

import brian2 as b2  # noqa: E402
from brian2 import ms, mV, nS, pF, Hz  # noqa: E402

b2.BrianLogger.log_level_error()
tag = "coba_stdp" if a.stdp else "coba"
builddir = os.path.join(a.builddir, tag)
b2.set_device("cpp_standalone", directory=builddir, build_on_run=False)
b2.prefs.devices.cpp_standalone.extra_make_args_unix = ["-j2"]
b2.defaultclock.dt = 0.1 * ms
b2.seed(a.seed)
NE, NI = 3200, 800
eqs = """
dv/dt = (g_L*(E_L - v) + ge*(E_ex - v) + gi*(E_in - v)) / C_m : volt (unless refractory)
dge/dt = -ge / tau_e : siemens
dgi/dt = -gi / tau_i : siemens
"""
ns = dict(g_L=10 * nS, E_L=-60 * mV, E_ex=0 * mV, E_in=-80 * mV, C_m=200 * pF, tau_e=5 * ms, tau_i=10 * ms)
P = b2.NeuronGroup(NE + NI, eqs, threshold="v > -50*mV", reset="v = -60*mV", refractory=5 * ms,
                   method="rk4", namespace=ns)
P.v = -60 * mV
Pe, Pi = P[:NE], P[NE:]
if a.stdp:
    ee = b2.Synapses(Pe, Pe, """w : siemens
        dapre/dt = -apre / (20*ms) : siemens (event-driven)
        dapost/dt = -apost / (20*ms) : siemens (event-driven)""",
        on_pre="ge += w; apre += 0.01*12*nS; w = clip(w - apost, 0*nS, 12*nS)",
        on_post="apost += 1.05*0.01*12*nS; w = clip(w + apre, 0*nS, 12*nS)")
    ee.connect(p=0.02)
    ee.w = 6 * nS
    ei = b2.Synapses(Pe, Pi, on_pre="ge += 6*nS")
    ei.connect(p=0.02)
else:
    ce = b2.Synapses(Pe, P, on_pre="ge += 6*nS")
    ce.connect(p=0.02)
ci = b2.Synapses(Pi, P, on_pre="gi += 67*nS")
ci.connect(p=0.02)
kick = b2.PoissonInput(P, "ge", N=1, rate=1000 * Hz, weight=6 * nS)
mon = b2.SpikeMonitor(P)
b2.run(50 * ms)
kick.active = False
b2.run(a.T * 1000 * ms, report=None)
t0 = time.perf_counter()
b2.device.build(directory=builddir, run=False)
build_s = time.perf_counter() - t0
t1 = time.perf_counter()
b2.device.run()
wall = time.perf_counter() - t1
# Brian's own timing of each run() call; the second one is the timed window.
sim_s = b2.device._last_run_time if hasattr(b2.device, "_last_run_time") else wall
spikes = int((mon.t >= 50 * ms).sum())
n_syn = sum(len(s) for s in ([ee, ei, ci] if a.stdp else [ce, ci]))
print("RESULT " + json.dumps({
    "sim": "Brian2 " + b2.__version__ + " standalone", "T_s": a.T, "setup_s": build_s, "sim_s": sim_s,
    "binary_wall_s": wall, "rtf": sim_s / a.T, "synapses": n_syn, "spikes": spikes,
    "rate_hz": spikes / (NE + NI) / a.T,
}))
