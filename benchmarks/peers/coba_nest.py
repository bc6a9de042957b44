#!/usr/bin/env python3
"""COBA (and COBA+STDP) in NEST, with the parameters of benchmarks/coba.toml.

Prints one line: RESULT {json}. Written for engram's benchmark harness
(benchmarks/compare.py); needs nest-simulator (PyPI).
"""
import argparse
import json
import resource
import time

ap = argparse.ArgumentParser()
ap.add_argument("--T", type=float, default=1.0, help="timed biological time [s]")
ap.add_argument("--seed", type=int, default=1001)
ap.add_argument("--stdp", action="store_true")
a = ap.parse_args()

import nest  # noqa: E402

nest.set_verbosity("M_ERROR")
t0 = time.perf_counter()
nest.ResetKernel()
nest.resolution = 0.1
nest.rng_seed = a.seed
NE, NI = 3200, 800
neuron = dict(C_m=200.0, g_L=10.0, E_L=-60.0, V_th=-50.0, V_reset=-60.0, t_ref=5.0,
              E_ex=0.0, E_in=-80.0, tau_syn_ex=5.0, tau_syn_in=10.0, V_m=-60.0)
if a.stdp:
    neuron["tau_minus"] = 20.0
exc = nest.Create("iaf_cond_exp", NE, params=neuron)
inh = nest.Create("iaf_cond_exp", NI, params=neuron)
alln = exc + inh
conn = {"rule": "pairwise_bernoulli", "p": 0.02, "allow_autapses": True}
if a.stdp:
    nest.CopyModel("stdp_synapse", "ee_stdp", {"lambda": 0.01, "alpha": 1.05, "mu_plus": 0.0,
                                                "mu_minus": 0.0, "Wmax": 12.0, "tau_plus": 20.0})
    nest.Connect(exc, exc, conn, {"synapse_model": "ee_stdp", "weight": 6.0, "delay": 0.1})
    nest.Connect(exc, inh, conn, {"weight": 6.0, "delay": 0.1})
else:
    nest.Connect(exc, alln, conn, {"weight": 6.0, "delay": 0.1})
nest.Connect(inh, alln, conn, {"weight": -67.0, "delay": 0.1})
kick = nest.Create("poisson_generator", params={"rate": 1000.0, "start": 0.0, "stop": 50.0})
nest.Connect(kick, alln, "all_to_all", {"weight": 6.0, "delay": 0.1})
rec = nest.Create("spike_recorder", params={"start": 50.0})
nest.Connect(alln, rec)
nest.Prepare()
nest.Run(50.0)
setup_s = time.perf_counter() - t0
t1 = time.perf_counter()
nest.Run(a.T * 1000.0)
sim_s = time.perf_counter() - t1
nest.Cleanup()
n_syn = nest.GetKernelStatus("num_connections") - len(alln) - len(alln)
spikes = rec.get("n_events")
print("RESULT " + json.dumps({
    "sim": "NEST " + nest.__version__, "T_s": a.T, "setup_s": setup_s, "sim_s": sim_s,
    "rtf": sim_s / a.T, "synapses": n_syn, "spikes": spikes,
    "rate_hz": spikes / (NE + NI) / a.T,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
}))
