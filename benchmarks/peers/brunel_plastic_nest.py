#!/usr/bin/env python3
"""Plastic Brunel network (benchmarks/brunel_plastic.toml, B1p) in NEST.

iaf_psc_delta neurons, pairwise_bernoulli p = 0.1 without autapses, delay
1.5 ms, E->E stdp_synapse_hom (lambda 0.01, alpha 2.02, mu_plus = mu_minus = 1,
Wmax 0.3 mV, tau_plus = tau_minus = 20 ms), other pathways static with shared
weights, one poisson_generator of 20 kHz (an independent train per neuron,
J_E = 0.1 mV). An untimed warm-up (default 100 ms) precedes the timed window.
Prints one line: RESULT {json}. Part of engram's benchmark harness
(benchmarks/compare.py); needs nest-simulator (PyPI).
"""
import argparse
import json
import time

ap = argparse.ArgumentParser()
ap.add_argument("--T", type=float, default=1.0, help="timed biological time [s]")
ap.add_argument("--warmup", type=float, default=0.1, help="untimed warm-up [s]")
ap.add_argument("--seed", type=int, default=2001)
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--static", action="store_true", help="E->E static as well (B1s)")
a = ap.parse_args()

import nest  # noqa: E402

nest.set_verbosity("M_ERROR")
t_start = time.perf_counter()
nest.ResetKernel()
nest.SetKernelStatus({"resolution": 0.1, "rng_seed": a.seed, "local_num_threads": a.threads})
N_E, N_I = 8000, 2000
J_E, J_I, D = 0.1, -0.5, 1.5
nest.SetDefaults("iaf_psc_delta", {"C_m": 250.0, "tau_m": 20.0, "t_ref": 2.0, "E_L": 0.0,
                                   "V_reset": 0.0, "V_th": 20.0, "V_m": 0.0, "tau_minus": 20.0})
exc = nest.Create("iaf_psc_delta", N_E)
inh = nest.Create("iaf_psc_delta", N_I)
cells = exc + inh
nest.CopyModel("static_synapse_hom_w", "exc_static", {"weight": J_E, "delay": D})
nest.CopyModel("static_synapse_hom_w", "inh_static", {"weight": J_I, "delay": D})
if a.static:
    ee_model = "exc_static"
else:
    nest.CopyModel("stdp_synapse_hom", "exc_plastic", {
        "lambda": 0.01, "alpha": 2.02, "mu_plus": 1.0, "mu_minus": 1.0, "Wmax": 3 * J_E,
        "tau_plus": 20.0, "weight": J_E, "delay": D})
    ee_model = "exc_plastic"
bern = {"rule": "pairwise_bernoulli", "p": 0.1, "allow_autapses": False}
nest.Connect(exc, exc, bern, {"synapse_model": ee_model})
nest.Connect(exc, inh, bern, {"synapse_model": "exc_static"})
nest.Connect(inh, exc, bern, {"synapse_model": "inh_static"})
nest.Connect(inh, inh, bern, {"synapse_model": "inh_static"})
n_syn = nest.GetKernelStatus("num_connections")
drive = nest.Create("poisson_generator", params={"rate": 20000.0})
nest.Connect(drive, cells, "all_to_all", {"weight": J_E, "delay": D})
rec = nest.Create("spike_recorder", params={"start": a.warmup * 1000.0})
nest.Connect(cells, rec)
nest.Prepare()
nest.Run(a.warmup * 1000.0)
setup_s = time.perf_counter() - t_start
t0 = time.perf_counter()
nest.Run(a.T * 1000.0)
sim_s = time.perf_counter() - t0
nest.Cleanup()
ev = rec.get("events")
senders = ev["senders"]
spikes = len(senders)
n_exc_spikes = int((senders <= exc.tolist()[-1]).sum())
print("RESULT " + json.dumps({
    "sim": "NEST " + nest.__version__, "T_s": a.T, "setup_s": setup_s, "sim_s": sim_s,
    "rtf": sim_s / a.T, "synapses": n_syn, "spikes": spikes, "neurons": N_E + N_I,
    "rate_hz": spikes / (N_E + N_I) / a.T,
    "exc_rate_hz": n_exc_spikes / N_E / a.T, "inh_rate_hz": (spikes - n_exc_spikes) / N_I / a.T,
}))
