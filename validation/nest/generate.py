#!/usr/bin/env python3
"""Generate NEST reference data for engram's validation tests.

Run (from the repository root, with the engram venv that has
nest-simulator==3.10.0 installed):

    ~/.cache/engram-venv/bin/python validation/nest/generate.py

All output goes to ``validation/data/*.json`` (path resolved relative to this
file, so the working directory does not matter).  The script is fully
deterministic: every random input train is drawn from a numpy Generator with a
fixed seed, put on the 0.1 ms grid in *integer steps*, and the resulting spike
times are written into the JSON, so the Rust side replays exactly the same
input.  NEST itself uses no randomness in any of these cases (all models are
deterministic; the ``rng_seed`` is fixed anyway).

Four case families are produced (pass family names, e.g. ``stdp_dopamine``,
to write only those):

1. ``iaf_psc_exp_<case>.json`` -- single ``iaf_psc_exp`` neuron (exact
   integration), driven by DC and/or ``spike_generator`` inputs; records the
   output spike times and V_m at every 0.1 ms step.
2. ``stdp_<case>.json`` -- the standard NEST STDP test bench
   (spike_generator -> parrot_neuron -> plastic synapse -> parrot_neuron on
   receptor 1), recording the actual pre/post spike times, the weight after
   every presynaptic spike (weight_recorder), and the final weight.
3. ``tsodyks2_<case>.json`` -- spike_generator -> parrot -> tsodyks2_synapse ->
   parrot; records the transmitted amplitude weight*u*x of every presynaptic
   spike (weight_recorder) and the final u, x.
4. ``stdp_dopamine_<case>.json`` -- pre, post and dopamine spike_generators ->
   parrots; pre parrot -> stdp_dopamine_synapse -> post parrot, dopamine
   parrots -> volume_transmitter (delay 0.1 ms, so min_delay is one step);
   records the weight at every presynaptic spike and the final w, c, n, Kplus.

As a self-check, every case is also recomputed by a small pure-Python
re-implementation of the NEST 3.10 C++ update rules (reference_iaf,
reference_stdp below); the script aborts if NEST and the re-implementation
disagree (> 1e-9), and stores the agreement in each file's "self_check". This
documents, executable, the exact semantics the Rust side has to reproduce.

See ``validation/README.md`` for the JSON schemas and the NEST semantics that
each case pins down.
"""

import bisect
import json
import math
import os
import sys
import warnings

import numpy as np

import nest

# --------------------------------------------------------------------------
# Global settings
# --------------------------------------------------------------------------

DT = 0.1  # simulation resolution in ms, used everywhere
STEPS_PER_MS = 10  # 1 / DT; spike times are handled as integer steps internally
NEST_VERSION = nest.__version__

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "data"))

MAX_FILE_BYTES = 300 * 1024  # every JSON must stay below this


def step_to_ms(k):
    """Integer step index -> time in ms on the 0.1 ms grid.

    ``k / 10`` is the correctly rounded double closest to the decimal value
    k*0.1 (e.g. 0.3, not 0.30000000000000004), so the JSON shows clean
    decimals and ``round(t / 0.1)`` recovers ``k`` exactly on the Rust side.
    """
    return int(k) / STEPS_PER_MS


def ms_to_step(t):
    """Time in ms (on the grid) -> integer step index."""
    return int(round(t * STEPS_PER_MS))


def grid(t):
    """Snap an arbitrary ms value (e.g. a NEST-returned float) to the grid."""
    return step_to_ms(ms_to_step(t))


def reset_kernel():
    """Fresh NEST kernel with the settings shared by all cases."""
    nest.ResetKernel()
    with warnings.catch_warnings():
        # NEST 3.10 marks set_verbosity as "backward compatibility only";
        # it still works, silence the UserWarning.
        warnings.simplefilter("ignore")
        nest.set_verbosity("M_ERROR")
    nest.resolution = DT
    nest.local_num_threads = 1  # single thread: deterministic event order
    nest.rng_seed = 12345  # unused by these deterministic models, fixed anyway


def poisson_steps(rng, rate_hz, t_start_ms, t_end_ms):
    """Poisson-like spike train as a sorted array of *unique* integer steps.

    Inter-spike intervals are exponential with mean 1000/rate_hz ms; each
    time is rounded to the nearest 0.1 ms step. Duplicate steps (possible
    after rounding) are removed, because two spikes at the same step in one
    spike_generator would be delivered as ONE event with multiplicity 2,
    which the STDP synapses process only once.
    Only steps with t_start_ms <= t <= t_end_ms are kept.
    """
    steps = []
    t = t_start_ms
    while True:
        t += rng.exponential(1000.0 / rate_hz)
        if t > t_end_ms:
            break
        steps.append(int(round(t * STEPS_PER_MS)))
    lo, hi = ms_to_step(t_start_ms), ms_to_step(t_end_ms)
    s = np.unique(np.asarray(steps, dtype=np.int64))
    return s[(s >= lo) & (s <= hi)]


def write_json(name, payload):
    """Write one JSON file (compact separators) and enforce the size limit."""
    os.makedirs(OUT_DIR, exist_ok=True)
    path = os.path.join(OUT_DIR, name)
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    if len(text.encode()) >= MAX_FILE_BYTES:
        raise RuntimeError(f"{name} too big: {len(text)} bytes")
    with open(path, "w") as f:
        f.write(text)
        f.write("\n")
    return path, len(text)


# --------------------------------------------------------------------------
# Family 1: iaf_psc_exp
# --------------------------------------------------------------------------

# Base parameter set (NEST defaults except I_e / V_m); each case overrides.
IAF_BASE = {
    "C_m": 250.0,  # pF
    "tau_m": 10.0,  # ms
    "tau_syn_ex": 2.0,  # ms
    "tau_syn_in": 2.0,  # ms
    "t_ref": 2.0,  # ms (= 20 steps)
    "E_L": -70.0,  # mV
    "V_reset": -70.0,  # mV
    "V_th": -55.0,  # mV
    "I_e": 0.0,  # pA
    "V_m": -70.0,  # mV, initial membrane potential
}

# Delays used for the input connections (ms). 0.1 = one step, the minimum.
IAF_DELAYS = [0.1, 1.0, 1.5, 2.3, 4.7]


def make_iaf_inputs(seed, t_stop, n_exc=40, n_inh=10, rate_hz=20.0, exc_w=(80.0, 150.0)):
    """Random input set: n_exc excitatory and n_inh inhibitory generators.

    Each input: Poisson-like train (rate_hz) on the 0.1 ms grid, a weight
    (exc uniform in exc_w, default +80..+150 pA; inh -300..-200 pA; rounded
    to 0.01 pA) and a delay
    drawn from IAF_DELAYS. Trains stop at t_stop - 5 ms so that every input
    spike is delivered before t_stop.
    """
    rng = np.random.default_rng(seed)
    inputs = []
    for i in range(n_exc + n_inh):
        exc = i < n_exc
        steps = poisson_steps(rng, rate_hz, 0.1, t_stop - 5.0)
        w = rng.uniform(*exc_w) if exc else -rng.uniform(200.0, 300.0)
        d = IAF_DELAYS[int(rng.integers(len(IAF_DELAYS)))]
        inputs.append(
            {
                "times": [step_to_ms(k) for k in steps],
                "weight": round(float(w), 2),
                "delay": d,
            }
        )
    # Pin simultaneous arrivals: input 1 gets input 0's first 5 spike times
    # with input 0's delay, input 40 (inhibitory) also gets them, so several
    # exc + inh events land in the same step.
    shared = inputs[0]["times"][:5]
    for j in (1, n_exc):
        inputs[j]["times"] = sorted(set(inputs[j]["times"]) | set(shared))
        inputs[j]["delay"] = inputs[0]["delay"]
    return inputs


def iaf_propagator_exp(tau_syn, tau_m, c_m, h):
    """P21 (I_syn -> V_m) as in NEST's IAFPropagatorExp::evaluate (libnestutil).

    Regular formula gamma * exp(-h/tau_syn) * expm1(h/beta) with
    beta = tau_syn*tau_m/(tau_m - tau_syn), gamma = beta/C_m. If that is not a
    normal positive number (tau_syn == tau_m gives inf * 0 = NaN, or tau_syn
    very close to tau_m), the singular limit h/C_m * exp(-h/tau_m) is used.
    """
    with np.errstate(all="ignore"):
        beta = np.float64(tau_syn) * tau_m / (np.float64(tau_m) - tau_syn)
        gamma = beta / c_m
        inv_beta = (tau_m - tau_syn) / (tau_syn * tau_m)
        p32 = float(gamma * math.exp(-h / tau_syn) * math.expm1(h * inv_beta))
    if math.isfinite(p32) and p32 > 0 and abs(p32) >= sys.float_info.min:
        return p32
    return h / c_m * math.exp(-h / tau_m)


def reference_iaf(params, t_stop, inputs):
    """Pure-Python re-implementation of NEST 3.10's iaf_psc_exp::update.

    Self-check only (the JSON stores NEST's output). Per step k -> k+1:
      1. if not refractory: V = V*P22 + I_ex*P21ex + I_in*P21in + I_e*P20
         else: decrement refractory counter (V stays clamped)
      2. I_ex *= P11ex, I_in *= P11in
      3. add the weights of all spikes arriving at t = (k+1)*dt (generator
         time + delay), exc if weight >= 0 else inh
      4. if V >= V_th: spike at (k+1)*dt, V = V_reset, counter = t_ref/dt
      5. record V at (k+1)*dt
    V is handled relative to E_L, like NEST does internally.
    """
    h = 0.001 * 100  # Time::get_resolution().get_ms()
    C, tau_m = params["C_m"], params["tau_m"]
    E_L = params["E_L"]
    P22 = math.exp(-h / tau_m)
    P11ex, P11in = math.exp(-h / params["tau_syn_ex"]), math.exp(-h / params["tau_syn_in"])
    P21ex = iaf_propagator_exp(params["tau_syn_ex"], tau_m, C, h)
    P21in = iaf_propagator_exp(params["tau_syn_in"], tau_m, C, h)
    P20 = tau_m / C * (1.0 - P22)
    ref_counts = ms_to_step(params["t_ref"])
    n = ms_to_step(t_stop)
    ex, inh = [0.0] * (n + 1), [0.0] * (n + 1)
    for inp in inputs:
        for t in inp["times"]:
            k = ms_to_step(t) + ms_to_step(inp["delay"])
            if k <= n:
                if inp["weight"] >= 0:
                    ex[k] += inp["weight"]
                else:
                    inh[k] += inp["weight"]
    V, iex, iin, r = params["V_m"] - E_L, 0.0, 0.0, 0
    theta, v_reset = params["V_th"] - E_L, params["V_reset"] - E_L
    spikes, vm = [], []
    for k in range(n):
        if r == 0:
            V = V * P22 + iex * P21ex + iin * P21in + params["I_e"] * P20
        else:
            r -= 1
        iex *= P11ex
        iin *= P11in
        iex += ex[k + 1]
        iin += inh[k + 1]
        if V >= theta:
            r = ref_counts
            V = v_reset
            spikes.append(step_to_ms(k + 1))
        vm.append(V + E_L)
    return spikes, vm


def run_iaf(case, description, params, t_stop, inputs, vm_t_max=None):
    """Simulate one iaf_psc_exp neuron and write iaf_psc_exp_<case>.json."""
    reset_kernel()
    neuron = nest.Create("iaf_psc_exp", params=params)
    sr = nest.Create("spike_recorder")
    mm = nest.Create("multimeter", params={"interval": DT, "record_from": ["V_m"]})
    nest.Connect(neuron, sr)
    nest.Connect(mm, neuron)
    for inp in inputs:
        g = nest.Create(
            "spike_generator",
            params={"spike_times": inp["times"], "allow_offgrid_times": False},
        )
        nest.Connect(
            g,
            neuron,
            syn_spec={"synapse_model": "static_synapse", "weight": inp["weight"], "delay": inp["delay"]},
        )

    # The multimeter's samples of the last min_delay slice are only handed to
    # the recorder in the following slice, so Simulate(t_stop) would miss the
    # samples in (t_stop - min_delay, t_stop]. Simulate a little longer and cut.
    nest.Simulate(t_stop + 5.0)

    spikes = [grid(t) for t in sr.get("events")["times"] if ms_to_step(t) <= ms_to_step(t_stop)]
    ev = mm.get("events")
    t_cut = t_stop if vm_t_max is None else vm_t_max
    keep = [i for i, t in enumerate(ev["times"]) if ms_to_step(t) <= ms_to_step(t_cut)]
    vm_times = [grid(ev["times"][i]) for i in keep]
    vm = [float(ev["V_m"][i]) for i in keep]
    # Samples must be exactly the steps 1..N (times 0.1, 0.2, ..., t_cut).
    assert [ms_to_step(t) for t in vm_times] == list(range(1, ms_to_step(t_cut) + 1)), case

    payload = {
        "family": "iaf_psc_exp",
        "case": case,
        "description": description,
        "nest_version": NEST_VERSION,
        "model": "iaf_psc_exp",
        "dt": DT,
        "t_stop": t_stop,
        "params": dict(params),
        "inputs": inputs,
        "spikes": spikes,
        "vm_t_max": t_cut,
        "vm_times": vm_times,
        "vm": vm,
    }
    # self-check against the Python re-implementation
    ref_spikes, ref_vm = reference_iaf(params, t_stop, inputs)
    assert ref_spikes == spikes, (case, ref_spikes, spikes)
    vm_diff = max(abs(a - b) for a, b in zip(ref_vm, vm))
    assert vm_diff < 1e-9, (case, vm_diff)
    payload["self_check"] = {
        "python_reference_spikes_equal": True,
        "python_reference_vm_max_abs_diff": vm_diff,
    }
    path, size = write_json(f"iaf_psc_exp_{case}.json", payload)
    print(
        f"{os.path.basename(path):40s} {size/1024:7.1f} KB  spikes={len(spikes):4d}  "
        f"inputs={len(inputs):3d}  vm samples={len(vm)}  "
        f"V range=[{min(vm):.3f}, {max(vm):.3f}]  ref max|dV|={vm_diff:.2g}"
    )
    return payload


def family_iaf():
    # a) DC only: I_e = 376 pA is just above rheobase (375 pA = 15 mV * 250 pF / 10 ms)
    p = dict(IAF_BASE, I_e=376.0, V_m=-70.0)
    run_iaf(
        "dc",
        "iaf_psc_exp, constant suprathreshold I_e=376 pA (rheobase 375 pA), no synaptic input, "
        "200 ms. Pins the exact-integration DC propagator P20, threshold test V_m >= V_th, "
        "reset to V_reset and the 20-step refractory clamp.",
        p,
        200.0,
        [],
    )

    # b) subthreshold DC (300 pA < 375 pA rheobase) + 40 exc / 10 inh Poisson inputs, different delays
    t_stop = 1000.0
    inputs = make_iaf_inputs(seed=1001, t_stop=t_stop)
    p = dict(IAF_BASE, I_e=300.0, V_m=-68.0)
    run_iaf(
        "inputs",
        "iaf_psc_exp, subthreshold I_e=300 pA (rheobase 375 pA) plus 40 excitatory (+80..+150 pA) and 10 inhibitory "
        "(-300..-200 pA) spike_generators (~20 Hz, 0.1 ms grid) via static_synapse with delays "
        "0.1/1.0/1.5/2.3/4.7 ms, 1000 ms, initial V_m=-68. Pins PSC jump timing (spike arriving "
        "at t is added to I_syn at the end of the step ending at t, affects V_m from the next "
        "step), exc/inh routing by weight sign, tau_syn != tau_m propagator.",
        p,
        t_stop,
        inputs,
    )

    # c) same as b but tau_syn_ex == tau_m: singular propagator branch
    # With tau_syn_ex = 10 ms every excitatory PSC carries 5x the charge, so the
    # excitatory weights are scaled down (20..40 pA) and I_e lowered to 200 pA
    # to stay in the fluctuation-driven regime (a few tens of spikes).
    inputs = make_iaf_inputs(seed=1002, t_stop=t_stop, exc_w=(20.0, 40.0))
    p = dict(IAF_BASE, I_e=200.0, V_m=-68.0, tau_m=10.0, tau_syn_ex=10.0, tau_syn_in=2.0)
    run_iaf(
        "tau_equal",
        "iaf_psc_exp as case 'inputs' (other seed, 40 exc +20..+40 pA, 10 inh -300..-200 pA, "
        "I_e=200 pA) but tau_syn_ex == tau_m == 10 ms (tau_syn_in = 2 ms). Pins the singular propagator P21ex = h/C_m * exp(-h/tau_m) that "
        "NEST's IAFPropagatorExp uses when tau_syn == tau_m.",
        p,
        t_stop,
        inputs,
    )


# --------------------------------------------------------------------------
# Family 2: STDP synapses
# --------------------------------------------------------------------------

GEN_DELAY = 1.0  # generator -> parrot delay (static_synapse, weight 1.0)

STDP_ADDITIVE = {
    "weight": 50.0,  # initial weight
    "Wmax": 100.0,
    "lambda": 0.01,
    "alpha": 1.05,
    "mu_plus": 0.0,
    "mu_minus": 0.0,
    "tau_plus": 16.8,
}
POST_TAU_MINUS = 33.7  # set on the post parrot (ArchivingNode parameter)


def insert_ties(rng, pre_steps, post_steps, delay_steps, n_each=5, t_max_step=None):
    """Add post spikes that coincide with pre spikes in the tie-relevant ways.

    Relations are between *parrot* times. Since both generators reach their
    parrot with the same delay (1 ms), a relation between generator times is
    the same relation between parrot times, so we build them on generator
    steps. For n_each randomly chosen pre spikes each we add a post spike at
      * post == pre                    ("post_eq_pre")
      * post == pre + delay            ("post_eq_pre_plus_delay")
      * post == pre - delay            ("post_eq_pre_minus_delay", i.e.
        post + delay == pre: the boundary of NEST's history window)
    Returns the new post step array and the chosen pre (parrot) times per kind.
    """
    post = set(int(k) for k in post_steps)
    kinds = {"post_eq_pre": 0, "post_eq_pre_plus_delay": delay_steps, "post_eq_pre_minus_delay": -delay_steps}
    ties = {}
    # choose distinct pre spikes, away from the edges
    cand = [int(k) for k in pre_steps if k > 3 * delay_steps + 10 and (t_max_step is None or k < t_max_step - 10)]
    chosen = rng.choice(len(cand), size=n_each * len(kinds), replace=False)
    for j, (kind, off) in enumerate(kinds.items()):
        sel = sorted(cand[c] for c in chosen[j * n_each : (j + 1) * n_each])
        for k in sel:
            post.add(k + off)
        # parrot time = generator time + GEN_DELAY
        ties[kind] = [step_to_ms(k + ms_to_step(GEN_DELAY)) for k in sel]
    return np.array(sorted(post), dtype=np.int64), ties


def nest_ms(k):
    """Time of integer step k exactly as NEST's Time::get_ms() computes it.

    NEST keeps time in integer tics (1000 per ms, 100 per 0.1 ms step) and
    converts with ms = MS_PER_TIC * tics = 0.001 * (100 * k). This double
    differs from k / 10 by one ulp for ~18 % of all k; using it makes the
    Python reference below bit-identical to NEST.
    """
    return 0.001 * (100 * int(k))


def reference_stdp(model, p, tau_minus, pre_steps, post_steps):
    """Pure-Python re-implementation of NEST 3.10's STDP rules.

    Used only as a self-check of the semantics documented in the README (the
    JSON files contain the NEST output, not this). Mirrors the C++ code:
    models/stdp*_synapse.h::send() + ArchivingNode::get_history /
    get_K_value(s) / set_spiketime, including the operation order, the
    1e-6 ms stdp_eps and t_lastspike_ = 0 initially.
    Returns (weights after every pre spike, #facilitations clipped at Wmax,
    #depressions clipped at 0).
    """
    eps = 1e-6
    d = 0.1 * ms_to_step(p["delay"])  # Time::delay_steps_to_ms = steps * MS_PER_STEP
    Wmax, lam, alpha = p["Wmax"], p["lambda"], p["alpha"]
    mu_p, mu_m, tau_p = p["mu_plus"], p["mu_minus"], p["tau_plus"]
    tau_minus_inv = 1.0 / tau_minus
    # postsynaptic archive: (t, Kminus) with Kminus = Kminus*exp((last-t)/tau_minus) + 1
    hist, Km, last = [], 0.0, -1.0
    for k in post_steps:
        t = nest_ms(k)
        Km = Km * math.exp((last - t) * tau_minus_inv) + 1.0
        last = t
        hist.append((t, Km))
    n_clip_max = n_clip_zero = 0

    def fac(w, kplus):
        nonlocal n_clip_max
        nw = (w / Wmax) + (lam * math.pow(1.0 - (w / Wmax), mu_p) * kplus)
        if nw < 1.0:
            return nw * Wmax
        n_clip_max += 1
        return Wmax

    def dep(w, kminus):
        nonlocal n_clip_zero
        nw = (w / Wmax) - (alpha * lam * math.pow(w / Wmax, mu_m) * kminus)
        if nw > 0.0:
            return nw * Wmax
        n_clip_zero += 1
        return 0.0

    w, Kplus, t_last = p["weight"], p.get("Kplus", 0.0), 0.0
    out = []
    for k in pre_steps:
        t = nest_ms(k)
        t1, t2 = t_last - d, t - d
        # get_history(t1, t2): entries with t1 + eps <= t_post < t2 + eps
        window = [h for h in hist if t1 + eps <= h[0] < t2 + eps]
        # get_K_value(s)(t2): latest entry with t2 - t_post > eps (strictly before)
        prev = [h for h in hist if t2 - h[0] > eps]
        if prev:
            K = prev[-1][1] * math.exp((prev[-1][0] - t2) * tau_minus_inv)
            K_nn = math.exp((prev[-1][0] - t2) * tau_minus_inv)
        else:
            K = K_nn = 0.0
        if model == "stdp_synapse":
            for tp, _ in window:
                w = fac(w, Kplus * math.exp((t_last - (tp + d)) / tau_p))
            w = dep(w, K)
            Kplus = Kplus * math.exp((t_last - t) / tau_p) + 1.0
        elif model == "stdp_nn_symm_synapse":
            for tp, _ in window:
                w = fac(w, math.exp((t_last - (tp + d)) / tau_p))
            w = dep(w, K_nn)
        elif model == "stdp_nn_restr_synapse":
            if window:
                w = fac(w, math.exp((t_last - (window[0][0] + d)) / tau_p))
                w = dep(w, K_nn)
        elif model == "stdp_nn_pre_centered_synapse":
            if window:
                w = fac(w, Kplus * math.exp((t_last - (window[0][0] + d)) / tau_p))
                Kplus = 0.0
            w = dep(w, K_nn)
            Kplus = Kplus * math.exp((t_last - t) / tau_p) + 1.0
        else:
            raise ValueError(model)
        t_last = t
        out.append(w)
    return out, n_clip_max, n_clip_zero


def check_against_reference(model, p, tau_minus, pre_spikes_ms, post_spikes_ms, trace):
    """Compare the NEST weight trace with reference_stdp; returns a summary dict."""
    pre = [ms_to_step(t) for t in pre_spikes_ms]
    post = [ms_to_step(t) for t in post_spikes_ms]
    ref, n_max, n_zero = reference_stdp(model, p, tau_minus, pre, post)
    got = [w for _, w in trace]
    assert len(ref) == len(got)
    max_diff = max((abs(a - b) for a, b in zip(ref, got)), default=0.0)
    assert max_diff < 1e-9, (model, max_diff)
    return {
        "python_reference_max_abs_diff": max_diff,
        "python_reference_bit_identical": all(a == b for a, b in zip(ref, got)),
        "n_facilitation_clipped_at_Wmax": n_max,
        "n_depression_clipped_at_zero": n_zero,
    }


def run_stdp_bench(synapse_model, syn_params, tau_minus, pre_trains_steps, post_steps, t_stop):
    """Standard NEST STDP bench, n pre parrots -> 1 post parrot.

    spike_generator(pre_i) -> parrot(pre_i)   static, delay 1.0, weight 1.0
    spike_generator(post)  -> parrot(post)    static, delay 1.0, weight 1.0
    parrot(pre_i) -> parrot(post)             plastic, receptor_type 1
    (a parrot only repeats spikes arriving on port 0, so spikes coming in
    through the plastic synapse on port 1 do not make the post parrot fire).
    Returns parrot spike times, weight-recorder traces and final weights.
    """
    reset_kernel()
    wr = nest.Create("weight_recorder")
    nest.CopyModel(synapse_model, "stdp_recorded", {"weight_recorder": wr})

    n_pre = len(pre_trains_steps)
    pre_gens = nest.Create("spike_generator", n_pre)
    for g, steps in zip(pre_gens, pre_trains_steps):
        g.set({"spike_times": [step_to_ms(k) for k in steps], "allow_offgrid_times": False})
    post_gen = nest.Create(
        "spike_generator", params={"spike_times": [step_to_ms(k) for k in post_steps], "allow_offgrid_times": False}
    )
    pre_parrots = nest.Create("parrot_neuron", n_pre)
    post_parrot = nest.Create("parrot_neuron", params={"tau_minus": tau_minus})

    static = {"synapse_model": "static_synapse", "weight": 1.0, "delay": GEN_DELAY}
    nest.Connect(pre_gens, pre_parrots, "one_to_one", syn_spec=static)
    nest.Connect(post_gen, post_parrot, syn_spec=static)

    plastic = dict(syn_params, synapse_model="stdp_recorded", receptor_type=1)
    nest.Connect(pre_parrots, post_parrot, "all_to_all", syn_spec=plastic)

    sr_pre = nest.Create("spike_recorder")
    sr_post = nest.Create("spike_recorder")
    nest.Connect(pre_parrots, sr_pre)
    nest.Connect(post_parrot, sr_post)

    nest.Simulate(t_stop)

    ev = sr_pre.get("events")
    pre_ids = list(pre_parrots.tolist())
    pre_spikes = [[] for _ in range(n_pre)]
    for s, t in zip(ev["senders"], ev["times"]):
        pre_spikes[pre_ids.index(int(s))].append(grid(t))
    pre_spikes = [sorted(x) for x in pre_spikes]
    post_spikes = sorted(grid(t) for t in sr_post.get("events")["times"])

    wev = wr.get("events")
    traces = [[] for _ in range(n_pre)]
    for s, t, w in zip(wev["senders"], wev["times"], wev["weights"]):
        traces[pre_ids.index(int(s))].append([grid(t), float(w)])

    conns = nest.GetConnections(source=pre_parrots, target=post_parrot)
    cstat = conns.get(["source", "weight"] + (["Kplus"] if "Kplus" in nest.GetDefaults(synapse_model) else []))
    # a single connection returns scalars, several return lists -> normalise
    cstat = {k: np.atleast_1d(v) for k, v in cstat.items()}
    order = np.argsort(cstat["source"])
    final_w = [float(cstat["weight"][i]) for i in order]
    final_kplus = [float(cstat["Kplus"][i]) for i in order] if "Kplus" in cstat else None
    assert [int(cstat["source"][i]) for i in order] == pre_ids

    # Sanity: parrots repeat their generator with exactly +1 ms; the post
    # parrot must NOT repeat the plastic (port 1) input.
    for steps, got in zip(pre_trains_steps, pre_spikes):
        assert [ms_to_step(t) for t in got] == [int(k) + ms_to_step(GEN_DELAY) for k in steps]
    assert [ms_to_step(t) for t in post_spikes] == [int(k) + ms_to_step(GEN_DELAY) for k in post_steps]
    # every pre spike is delivered before t_stop -> one weight entry per pre spike,
    # stamped with the pre parrot's spike time
    for got, tr in zip(pre_spikes, traces):
        assert [t for t, _ in tr] == got
    return pre_spikes, post_spikes, traces, final_w, final_kplus


def stdp_case(
    name, synapse_model, syn_params, description, seed, t_stop=6000.0, pre_rate=20.0, post_rate=20.0, post_steps_fn=None
):
    """One pre -> one post STDP case, writes stdp_<name>.json."""
    rng = np.random.default_rng(seed)
    d_steps = ms_to_step(syn_params["delay"])
    t_end = t_stop - 50.0  # all spikes well before t_stop (delivery + recording)
    pre = poisson_steps(rng, pre_rate, 1.0, t_end)
    post = poisson_steps(rng, post_rate, 1.0, t_end) if post_steps_fn is None else post_steps_fn(rng, pre, t_end)
    post, ties = insert_ties(rng, pre, post, d_steps, t_max_step=ms_to_step(t_end))

    pre_sp, post_sp, traces, final_w, final_kplus = run_stdp_bench(
        synapse_model, syn_params, POST_TAU_MINUS, [pre], post, t_stop
    )
    pre_sp, trace = pre_sp[0], traces[0]

    # the tie relations must be present in the recorded parrot trains
    d = syn_params["delay"]
    post_set = set(ms_to_step(t) for t in post_sp)
    for kind, off in (("post_eq_pre", 0), ("post_eq_pre_plus_delay", d), ("post_eq_pre_minus_delay", -d)):
        for t in ties[kind]:
            assert ms_to_step(t) in set(ms_to_step(x) for x in pre_sp)
            assert ms_to_step(t + off) in post_set, (name, kind, t)

    check = check_against_reference(synapse_model, syn_params, POST_TAU_MINUS, pre_sp, post_sp, trace)

    payload = {
        "family": "stdp",
        "case": name,
        "description": description,
        "nest_version": NEST_VERSION,
        "synapse_model": synapse_model,
        "params": dict(syn_params),
        "post_tau_minus": POST_TAU_MINUS,
        "dt": DT,
        "t_stop": t_stop,
        "generator_to_parrot_delay": GEN_DELAY,
        "seed": seed,
        "pre_spikes": pre_sp,
        "post_spikes": post_sp,
        "ties": ties,
        "weight_trace": trace,
        "final_weight": final_w[0],
        "self_check": check,
    }
    if final_kplus is not None:
        payload["final_Kplus"] = final_kplus[0]
    path, size = write_json(f"stdp_{name}.json", payload)
    ws = [w for _, w in trace]
    n_max = sum(1 for w in ws if w == syn_params["Wmax"])
    n_zero = sum(1 for w in ws if w == 0.0)
    print(
        f"{os.path.basename(path):40s} {size/1024:7.1f} KB  pre={len(pre_sp):4d} post={len(post_sp):4d}  "
        f"w: {syn_params['weight']} -> {final_w[0]:.6f}  range=[{min(ws):.4f}, {max(ws):.4f}]  "
        f"#w==Wmax={n_max} #w==0={n_zero}  clipped(fac@Wmax={check['n_facilitation_clipped_at_Wmax']}, "
        f"dep@0={check['n_depression_clipped_at_zero']}) ref bit-identical={check['python_reference_bit_identical']}"
    )
    return payload


def causal_post(lag_lo_ms, lag_hi_ms, p_follow, extra_rate_hz):
    """post train = (pre spikes shifted by a random lag, with prob p_follow)
    + independent Poisson background. Negative lags make post precede pre."""

    def fn(rng, pre, t_end):
        follow = []
        for k in pre:
            if rng.random() < p_follow:
                lag = rng.uniform(lag_lo_ms, lag_hi_ms)
                follow.append(int(k) + int(round(lag * STEPS_PER_MS)))
        bg = poisson_steps(rng, extra_rate_hz, 1.0, t_end)
        s = np.unique(np.concatenate([np.asarray(follow, dtype=np.int64), bg]))
        return s[(s >= ms_to_step(1.0)) & (s <= ms_to_step(t_end))]

    return fn


def family_stdp():
    add = dict(STDP_ADDITIVE, delay=1.0)
    stdp_case(
        "synapse_additive",
        "stdp_synapse",
        add,
        "stdp_synapse, additive (mu_plus = mu_minus = 0), lambda 0.01, alpha 1.05, tau_plus 16.8, "
        "post tau_minus 33.7, Wmax 100, w0 50, delay 1 ms; independent ~20 Hz pre/post trains, 6 s, "
        "plus tie pairs (post == pre, post == pre + d, post == pre - d in parrot time).",
        seed=2001,
    )
    stdp_case(
        "synapse_multiplicative",
        "stdp_synapse",
        dict(STDP_ADDITIVE, mu_plus=1.0, mu_minus=1.0, delay=2.5),
        "stdp_synapse, multiplicative/weight-dependent (mu_plus = mu_minus = 1), otherwise as "
        "additive, delay 2.5 ms (25 steps, so the dendritic-delay shift of the post history is "
        "non-trivial); ~25 Hz pre / ~15 Hz post, 6 s, plus tie pairs.",
        seed=2002,
        pre_rate=25.0,
        post_rate=15.0,
    )
    stdp_case(
        "synapse_mixed",
        "stdp_synapse",
        dict(STDP_ADDITIVE, mu_plus=0.0, mu_minus=1.0, delay=1.0),
        "stdp_synapse, Guetig-like mixed rule (mu_plus = 0, mu_minus = 1), otherwise as additive, "
        "delay 1 ms; ~15 Hz pre / ~30 Hz post, 6 s, plus tie pairs.",
        seed=2003,
        pre_rate=15.0,
        post_rate=30.0,
    )
    stdp_case(
        "synapse_wmax",
        "stdp_synapse",
        dict(STDP_ADDITIVE, **{"lambda": 0.1}, delay=1.0),
        "stdp_synapse, additive with large lambda 0.1 and a causal post train (90% of pre spikes "
        "followed by a post spike 2..8 ms later, + 3 Hz background), ~10 Hz pre, 6 s, plus tie pairs: "
        "facilitation is clipped at Wmax = 100 many times (count in self_check). Because the "
        "depression by earlier post spikes is applied right after facilitation within the same "
        "pre-spike update, the recorded weights stay just below Wmax.",
        seed=2004,
        pre_rate=10.0,
        post_steps_fn=causal_post(2.0, 8.0, 0.9, 3.0),
    )
    stdp_case(
        "synapse_zero",
        "stdp_synapse",
        dict(STDP_ADDITIVE, **{"lambda": 0.1}, delay=1.0),
        "stdp_synapse, additive with large lambda 0.1 and an anti-causal post train (80% of pre "
        "spikes preceded by a post spike 3..12 ms earlier, + 5 Hz background): weight is driven "
        "to 0 repeatedly (depress_ clips to 0). ~20 Hz pre, 6 s, plus tie pairs.",
        seed=2005,
        post_steps_fn=causal_post(-12.0, -3.0, 0.8, 5.0),
    )
    nn = dict(STDP_ADDITIVE, delay=1.0)
    for model, seed, extra in (
        (
            "stdp_nn_symm_synapse",
            2006,
            "symmetric nearest-neighbour: each post spike is paired with the last pre spike before "
            "it (facilitation, factor exp(-dt/tau_plus) without Kplus accumulation) and each pre spike "
            "with the last post spike before it (depression, nearest-neighbour Kminus = exp(-dt/tau_minus)).",
        ),
        (
            "stdp_nn_restr_synapse",
            2007,
            "restricted symmetric nearest-neighbour: only the first post spike after a pre spike "
            "facilitates, and depression happens only if there was at least one post spike in "
            "(t_last_pre - d, t_pre - d] (presynaptic-centered restricted scheme).",
        ),
        (
            "stdp_nn_pre_centered_synapse",
            2008,
            "presynaptic-centered nearest-neighbour: Kplus accumulates over pre spikes but is "
            "reset to 0 after the first post spike following them (only that first post spike "
            "facilitates); each pre spike is depressed by the nearest preceding post spike.",
        ),
    ):
        stdp_case(
            model[len("stdp_") :],
            model,
            nn,
            f"{model}, lambda 0.01, alpha 1.05, mu_plus = mu_minus = 0, tau_plus 16.8, post tau_minus "
            f"33.7, Wmax 100, w0 50, delay 1 ms; ~30 Hz pre / ~30 Hz post, 6 s (high rates so that "
            f"several post spikes often fall between two pre spikes and vice versa), plus tie pairs. "
            + extra,
            seed=seed,
            pre_rate=30.0,
            post_rate=30.0,
        )
    stdp_multi()


def stdp_multi():
    """20 independent pre parrots -> 1 post parrot, additive stdp_synapse.

    Pins the shared post-synaptic spike history (ArchivingNode) with many
    incoming STDP synapses: access counters / pruning must not change the
    result of any single synapse.
    """
    seed = 2100
    t_stop = 3000.0
    n_pre = 20
    rng = np.random.default_rng(seed)
    params = dict(STDP_ADDITIVE, delay=1.0)
    t_end = t_stop - 50.0
    pre_trains = [poisson_steps(rng, rng.uniform(15.0, 30.0), 1.0, t_end) for _ in range(n_pre)]
    # post = ~2 Hz background + causal followers of pre trains 0 and 1 (their
    # spikes are followed with prob. 0.9 resp. 0.5 by a post spike 2..8 ms
    # later), so that weights spread out: some grow, the uncorrelated ones
    # decay slowly (net depression of additive STDP with alpha > 1).
    post = poisson_steps(rng, 2.0, 1.0, t_end)
    follow = []
    for i, p_follow in ((0, 0.9), (1, 0.5)):
        for k in pre_trains[i]:
            if rng.random() < p_follow:
                follow.append(int(k) + int(round(rng.uniform(2.0, 8.0) * STEPS_PER_MS)))
    post = np.unique(np.concatenate([post, np.asarray(follow, dtype=np.int64)]))
    post = post[post <= ms_to_step(t_end)]
    # a few ties against pre train 0 and 1
    post, ties0 = insert_ties(rng, pre_trains[0], post, ms_to_step(params["delay"]), n_each=3, t_max_step=ms_to_step(t_end))
    post, ties1 = insert_ties(rng, pre_trains[1], post, ms_to_step(params["delay"]), n_each=3, t_max_step=ms_to_step(t_end))

    pre_sp, post_sp, traces, final_w, final_kplus = run_stdp_bench(
        "stdp_synapse", params, POST_TAU_MINUS, pre_trains, post, t_stop
    )
    checks = [
        check_against_reference("stdp_synapse", params, POST_TAU_MINUS, pre_sp[i], post_sp, traces[i])
        for i in range(n_pre)
    ]
    self_check = {
        "python_reference_max_abs_diff": max(c["python_reference_max_abs_diff"] for c in checks),
        "python_reference_bit_identical": all(c["python_reference_bit_identical"] for c in checks),
        "n_facilitation_clipped_at_Wmax": sum(c["n_facilitation_clipped_at_Wmax"] for c in checks),
        "n_depression_clipped_at_zero": sum(c["n_depression_clipped_at_zero"] for c in checks),
    }

    payload = {
        "family": "stdp_multi",
        "case": "synapse_multi",
        "description": "20 pre parrots with independent Poisson-like trains (15..30 Hz each) -> one post "
        "parrot (~2 Hz background + causal followers of pre train 0 / 1 at 2..8 ms with prob. 0.9 / 0.5 + "
        "tie pairs against pre trains 0 and 1), all via stdp_synapse with the additive "
        "parameters (lambda 0.01, alpha 1.05, mu 0/0, tau_plus 16.8, post tau_minus 33.7, Wmax 100, "
        "w0 50, delay 1 ms), 3 s. Pins the shared postsynaptic spike history with many incoming "
        "STDP synapses. Lists are in connection order sorted by source node id (= pre index).",
        "nest_version": NEST_VERSION,
        "synapse_model": "stdp_synapse",
        "params": params,
        "post_tau_minus": POST_TAU_MINUS,
        "dt": DT,
        "t_stop": t_stop,
        "generator_to_parrot_delay": GEN_DELAY,
        "seed": seed,
        "n_pre": n_pre,
        "pre_spikes": pre_sp,
        "post_spikes": post_sp,
        "ties": {"pre_0": ties0, "pre_1": ties1},
        "weight_traces": traces,
        "final_weights": final_w,
        "final_Kplus": final_kplus,
        "self_check": self_check,
    }
    path, size = write_json("stdp_synapse_multi.json", payload)
    print(
        f"{os.path.basename(path):40s} {size/1024:7.1f} KB  n_pre={n_pre} pre total={sum(map(len, pre_sp))} "
        f"post={len(post_sp)}  final w in [{min(final_w):.4f}, {max(final_w):.4f}]  "
        f"ref bit-identical={self_check['python_reference_bit_identical']}"
    )


# --------------------------------------------------------------------------
# Family 3: tsodyks2_synapse (short-term plasticity)
# --------------------------------------------------------------------------


def reference_tsodyks2(p, pre_steps):
    """Pure-Python re-implementation of NEST 3.10's tsodyks2_synapse::send().

    Self-check only. At each pre spike t (t_last: none before the first):
      if there was an earlier spike:
        h = t - t_last; x_decay = exp(-h/tau_rec);
        u_decay = 0 if tau_fac == 0 else exp(-h/tau_fac)
        x = 1 + (x - x*u - 1)*x_decay     (uses the old u)
        u = U + u*(1 - U)*u_decay
      transmit x*u*weight; t_last = t
    The first spike transmits u0*x0*weight unchanged.
    Returns the transmitted amplitudes and the final (u, x).
    """
    u, x, t_last = p["u"], p["x"], None
    amps = []
    for k in pre_steps:
        t = nest_ms(k)
        if t_last is not None:
            h = t - t_last
            x_decay = math.exp(-h / p["tau_rec"])
            u_decay = 0.0 if p["tau_fac"] == 0 else math.exp(-h / p["tau_fac"])
            x = 1.0 + (x - x * u - 1.0) * x_decay
            u = p["U"] + u * (1.0 - p["U"]) * u_decay
        amps.append(x * u * p["weight"])
        t_last = t
    return amps, u, x


def tsodyks2_train(rng, t_stop):
    """Regular 20 Hz burst (10 spikes from 100 ms), a 50 Hz burst after a
    pause, then Poisson-like ~15 Hz with a 600 ms gap (recovery), as integer
    generator steps; everything ends 50 ms before t_stop."""
    burst20 = [ms_to_step(100.0 + 50.0 * i) for i in range(10)]
    burst50 = [ms_to_step(1000.0 + 20.0 * i) for i in range(8)]
    pois = list(poisson_steps(rng, 15.0, 1300.0, 2000.0)) + list(poisson_steps(rng, 15.0, 2600.0, t_stop - 50.0))
    return np.unique(np.asarray(burst20 + burst50 + [int(k) for k in pois], dtype=np.int64))


def tsodyks2_case(name, syn_params, description, seed, t_stop=4000.0):
    """spike_generator -> parrot (pre) -> tsodyks2_synapse (receptor 1) -> parrot (post).

    The weight_recorder stores e.get_weight() of every event the synapse sends,
    which for tsodyks2_synapse is the transmitted amplitude x*u*weight (NEST's
    Connector::send_weight_event copies the event weight after send()). So the
    trace pins the transmitted value per presynaptic spike exactly, while the
    connection's stored weight stays the base weight.
    """
    rng = np.random.default_rng(seed)
    pre = tsodyks2_train(rng, t_stop)
    reset_kernel()
    wr = nest.Create("weight_recorder")
    nest.CopyModel("tsodyks2_synapse", "tsodyks2_recorded", {"weight_recorder": wr})
    gen = nest.Create("spike_generator", params={"spike_times": [step_to_ms(k) for k in pre], "allow_offgrid_times": False})
    pre_parrot = nest.Create("parrot_neuron")
    post_parrot = nest.Create("parrot_neuron")
    nest.Connect(gen, pre_parrot, syn_spec={"synapse_model": "static_synapse", "weight": 1.0, "delay": GEN_DELAY})
    nest.Connect(pre_parrot, post_parrot, syn_spec=dict(syn_params, synapse_model="tsodyks2_recorded", receptor_type=1))
    sr = nest.Create("spike_recorder")
    nest.Connect(pre_parrot, sr)
    nest.Simulate(t_stop)

    pre_spikes = [grid(t) for t in sr.get("events")["times"]]
    assert [ms_to_step(t) for t in pre_spikes] == [int(k) + ms_to_step(GEN_DELAY) for k in pre]
    wev = wr.get("events")
    trace = [[grid(t), float(w)] for t, w in zip(wev["times"], wev["weights"])]
    assert [t for t, _ in trace] == pre_spikes, name
    conn = nest.GetConnections(source=pre_parrot, target=post_parrot)
    st = conn.get(["weight", "u", "x", "U", "tau_rec", "tau_fac"])
    final = {k: float(np.atleast_1d(v)[0]) for k, v in st.items()}
    assert final["weight"] == syn_params["weight"]

    ref_amps, ref_u, ref_x = reference_tsodyks2(syn_params, [ms_to_step(t) for t in pre_spikes])
    diff = max(abs(a - w) for a, (_, w) in zip(ref_amps, trace))
    diff = max(diff, abs(ref_u - final["u"]), abs(ref_x - final["x"]))
    assert diff < 1e-9 * abs(syn_params["weight"]), (name, diff)
    bit = all(a == w for a, (_, w) in zip(ref_amps, trace)) and ref_u == final["u"] and ref_x == final["x"]

    payload = {
        "family": "tsodyks2",
        "case": name,
        "description": description,
        "nest_version": NEST_VERSION,
        "synapse_model": "tsodyks2_synapse",
        "params": dict(syn_params),
        "dt": DT,
        "t_stop": t_stop,
        "generator_to_parrot_delay": GEN_DELAY,
        "seed": seed,
        "pre_spikes": pre_spikes,
        "amplitude_trace": trace,
        "final_u": final["u"],
        "final_x": final["x"],
        "final_weight": final["weight"],
        "self_check": {"python_reference_max_abs_diff": diff, "python_reference_bit_identical": bit},
    }
    path, size = write_json(f"tsodyks2_{name}.json", payload)
    amps = [w for _, w in trace]
    print(
        f"{os.path.basename(path):40s} {size/1024:7.1f} KB  pre={len(pre_spikes):4d}  "
        f"amp range=[{min(amps):.4f}, {max(amps):.4f}]  final u={final['u']:.6f} x={final['x']:.6f}  "
        f"ref bit-identical={bit}"
    )


def family_tsodyks2():
    tsodyks2_case(
        "depressing",
        {"weight": 100.0, "delay": 1.0, "U": 0.5, "u": 0.5, "x": 1.0, "tau_rec": 800.0, "tau_fac": 0.0},
        "tsodyks2_synapse, depressing: U 0.5, u0 0.5, x0 1, tau_rec 800, tau_fac 0 (u_decay = 0), "
        "weight 100, delay 1 ms; 20 Hz burst, 50 Hz burst, Poisson-like ~15 Hz with a 600 ms gap, 4 s.",
        seed=3001,
    )
    tsodyks2_case(
        "facilitating",
        {"weight": 100.0, "delay": 1.5, "U": 0.1, "u": 0.1, "x": 1.0, "tau_rec": 100.0, "tau_fac": 1000.0},
        "tsodyks2_synapse, facilitating: U 0.1, u0 0.1, x0 1, tau_rec 100, tau_fac 1000, "
        "weight 100, delay 1.5 ms; trains as 'depressing' (other seed).",
        seed=3002,
    )
    tsodyks2_case(
        "mixed",
        {"weight": 37.5, "delay": 0.1, "U": 0.25, "u": 0.4, "x": 0.8, "tau_rec": 300.0, "tau_fac": 200.0},
        "tsodyks2_synapse, mixed: U 0.25, u0 0.4 (!= U), x0 0.8, tau_rec 300, tau_fac 200, "
        "weight 37.5, delay 0.1 ms; trains as 'depressing' (other seed).",
        seed=3003,
    )


# --------------------------------------------------------------------------
# Family 4: stdp_dopamine_synapse (three-factor, dopamine-modulated STDP)
# --------------------------------------------------------------------------

DOPA_VT_DELAY = 0.1  # dopamine parrot -> volume_transmitter delay: makes min_delay one step


def reference_stdp_dopamine(p, tau_minus, pre_steps, post_steps, dopa_steps, t_stop_step):
    """Pure-Python statement of NEST 3.10's stdp_dopamine_synapse as engram reproduces it.

    Self-check only. With min_delay = one step and deliver_interval = 1, the
    volume_transmitter calls trigger_update_weight at the end of every step, so
    NEST integrates the weight step by step (closed form within a step) and
    clips it to [Wmin, Wmax] after every step. Between events, c decays with
    tau_c and n with tau_n, and dw/dt = c (n - b), whose sign changes at most
    once (where n = b). Stepwise clipping therefore equals clipping at the end
    of each stretch of one sign, plus one separate step for the step in which
    the sign changes. This function evaluates the weight that way, lazily, at
    every pre spike and at t_stop, as engram does:
      - dopamine spikes (times = dopa parrot spike + DOPA_VT_DELAY) add 1/tau_n
        per spike to n (several in one step add up);
      - a post spike at t_post acts on c at t_post + d: c += A_plus K+;
      - a pre spike at t_pre: facilitation by the post spikes in
        (t_last - d, t_pre - d], weight brought to t_pre, then
        c -= A_minus K-(t_pre - d) (post spikes strictly before), K+ += 1.
    Returns the weights at the pre spikes and the final (w, c, n, Kplus).
    """
    dt = DT
    d = ms_to_step(p["delay"])
    A_p, A_m, tau_p, tau_c, tau_n, b = p["A_plus"], p["A_minus"], p["tau_plus"], p["tau_c"], p["tau_n"], p["b"]
    Wmin, Wmax = p["Wmin"], p["Wmax"]
    taus = (tau_c + tau_n) / (tau_c * tau_n)
    # dopamine level n just after each release step
    rel = {}
    for k in dopa_steps:
        rel[k] = rel.get(k, 0) + 1
    rel_steps = sorted(rel)
    n_after, n, last = [], 0.0, 0
    for k in rel_steps:
        n = n * math.exp(-(k - last) * dt / tau_n) + rel[k] / tau_n
        last = k
        n_after.append(n)

    def n_at(k):
        i = bisect.bisect_right(rel_steps, k) - 1
        return 0.0 if i < 0 else n_after[i] * math.exp(-(k - rel_steps[i]) * dt / tau_n)

    def clip(w):
        return min(max(w, Wmin), Wmax)

    def dw(c0, n0, steps):
        L = steps * dt
        return -c0 * (n0 / taus * math.expm1(-taus * L) - b * tau_c * math.expm1(-L / tau_c))

    def segment(w, c0, a, e):
        # [a, e] without releases inside; n(a) includes releases at a
        n0 = n_at(a)
        cuts = [a, e]
        if b != 0.0 and n0 / b > 1.0:
            s = tau_n * math.log(n0 / b) / dt  # sign change, in steps after a
            g1 = a + int(math.floor(s))
            if g1 < e:
                cuts = [a] + [g for g in (g1, min(g1 + 1, e)) if a < g < e] + [e]
        for x, y in zip(cuts, cuts[1:]):
            w = clip(w + dw(c0 * math.exp(-(x - a) * dt / tau_c), n_at(x), y - x))
        return w

    def advance(w, c, t0, t1):
        # weight from t0 to t1 with c(t0) = c; returns w, c(t1)
        a = t0
        for k in [r for r in rel_steps if t0 < r <= t1] + [t1]:
            if k > a:
                w = segment(w, c * math.exp(-(a - t0) * dt / tau_c), a, k)
                a = k
        return w, c * math.exp(-(t1 - t0) * dt / tau_c)

    # post archive with K- just after each post spike
    hist, Km, lastp = [], 0.0, None
    for k in post_steps:
        Km = 1.0 if lastp is None else Km * math.exp(-(k - lastp) * dt / tau_minus) + 1.0
        lastp = k
        hist.append((k, Km))

    w, c, Kp, t_last = p["weight"], 0.0, 0.0, 0
    out = []

    def facilitate_until(w, c, Kp, t_last, t_up):
        t0 = t_last
        for tp, _ in hist:
            if t_last - d < tp <= t_up - d:
                w, c = advance(w, c, t0, tp + d)
                t0 = tp + d
                c += A_p * Kp * math.exp(-(t0 - t_last) * dt / tau_p)
        return w, c, t0

    for k in pre_steps:
        w, c, t0 = facilitate_until(w, c, Kp, t_last, k)
        w, c = advance(w, c, t0, k)
        out.append(w)
        prev = [h for h in hist if h[0] < k - d]
        Kminus = prev[-1][1] * math.exp(-(k - d - prev[-1][0]) * dt / tau_minus) if prev else 0.0
        c -= A_m * Kminus
        Kp = Kp * math.exp(-(k - t_last) * dt / tau_p) + 1.0
        t_last = k
    w, c, t0 = facilitate_until(w, c, Kp, t_last, t_stop_step)
    w, c = advance(w, c, t0, t_stop_step)
    Kp = Kp * math.exp(-(t_stop_step - t_last) * dt / tau_p)
    return out, (w, c, n_at(t_stop_step), Kp)


def stdp_dopamine_case(name, syn_params, description, seed, t_stop, pre_rate, post_fn, dopa_fn, tau_minus=20.0):
    """spike_generator -> parrot (pre, post, dopamine) bench for stdp_dopamine_synapse.

    pre parrot -> post parrot through stdp_dopamine_synapse (receptor 1, so the
    post parrot only repeats its own generator); dopamine parrot ->
    volume_transmitter with delay 0.1 ms, so NEST's min_delay is one step and
    the volume transmitter triggers a weight update at the end of every step.
    Records the weight at every pre spike (weight_recorder) and the final
    weight, c, n and Kplus of the connection at t_stop.
    """
    rng = np.random.default_rng(seed)
    t_end = t_stop - 50.0
    pre = poisson_steps(rng, pre_rate, 1.0, t_end)
    post = post_fn(rng, pre, t_end)
    dopa = dopa_fn(rng, t_end)  # list of integer steps, duplicates = several dopamine neurons at once
    reset_kernel()
    vt = nest.Create("volume_transmitter")
    wr = nest.Create("weight_recorder")
    common = {k: v for k, v in syn_params.items() if k not in ("weight", "delay")}
    nest.CopyModel("stdp_dopamine_synapse", "dopa_recorded", dict(common, weight_recorder=wr, volume_transmitter=vt))
    gen_pre = nest.Create("spike_generator", params={"spike_times": [step_to_ms(k) for k in pre]})
    gen_post = nest.Create("spike_generator", params={"spike_times": [step_to_ms(k) for k in post]})
    # one generator per dopamine neuron; coincident spikes go to different neurons
    dopa_trains = []
    for k in dopa:
        for tr in dopa_trains:
            if not tr or tr[-1] != k:
                tr.append(k)
                break
        else:
            dopa_trains.append([k])
    gen_dopa = nest.Create("spike_generator", len(dopa_trains))
    for g, tr in zip(gen_dopa, dopa_trains):
        g.set({"spike_times": [step_to_ms(k) for k in tr]})
    pre_parrot = nest.Create("parrot_neuron")
    post_parrot = nest.Create("parrot_neuron", params={"tau_minus": tau_minus})
    dopa_parrots = nest.Create("parrot_neuron", len(dopa_trains))
    static = {"synapse_model": "static_synapse", "weight": 1.0, "delay": GEN_DELAY}
    nest.Connect(gen_pre, pre_parrot, syn_spec=static)
    nest.Connect(gen_post, post_parrot, syn_spec=static)
    nest.Connect(gen_dopa, dopa_parrots, "one_to_one", syn_spec=static)
    nest.Connect(dopa_parrots, vt, syn_spec={"synapse_model": "static_synapse", "weight": 1.0, "delay": DOPA_VT_DELAY})
    nest.Connect(
        pre_parrot,
        post_parrot,
        syn_spec={"synapse_model": "dopa_recorded", "weight": syn_params["weight"], "delay": syn_params["delay"], "receptor_type": 1},
    )
    srs = [nest.Create("spike_recorder") for _ in range(3)]
    nest.Connect(pre_parrot, srs[0])
    nest.Connect(post_parrot, srs[1])
    nest.Connect(dopa_parrots, srs[2])
    nest.Simulate(t_stop)
    assert abs(nest.GetKernelStatus("min_delay") - DT) < 1e-12

    pre_sp = sorted(grid(t) for t in srs[0].get("events")["times"])
    post_sp = sorted(grid(t) for t in srs[1].get("events")["times"])
    dopa_sp = sorted(grid(t) for t in srs[2].get("events")["times"])
    g = ms_to_step(GEN_DELAY)
    assert [ms_to_step(t) for t in pre_sp] == [int(k) + g for k in pre]
    assert [ms_to_step(t) for t in post_sp] == [int(k) + g for k in post]
    assert [ms_to_step(t) for t in dopa_sp] == sorted(int(k) + g for k in dopa)
    wev = wr.get("events")
    trace = [[grid(t), float(w)] for t, w in zip(wev["times"], wev["weights"])]
    assert [t for t, _ in trace] == pre_sp, name
    conn = nest.GetConnections(source=pre_parrot, target=post_parrot)
    st = conn.get(["weight", "c", "n", "Kplus"])
    final = {k: float(np.atleast_1d(v)[0]) for k, v in st.items()}

    dopa_release = [ms_to_step(t) + ms_to_step(DOPA_VT_DELAY) for t in dopa_sp]
    ref, (rw, rc, rn, rk) = reference_stdp_dopamine(
        syn_params, tau_minus, [ms_to_step(t) for t in pre_sp], [ms_to_step(t) for t in post_sp], dopa_release, ms_to_step(t_stop)
    )
    rel = lambda a, b: abs(a - b) / max(abs(b), 1e-300)
    diff = max([rel(a, w) for a, (_, w) in zip(ref, trace)] + [rel(rw, final["weight"])])
    diff_state = max(rel(rc, final["c"]), rel(rn, final["n"]), rel(rk, final["Kplus"]))
    assert diff < 1e-9 and diff_state < 1e-9, (name, diff, diff_state)
    ws = [w for _, w in trace]
    payload = {
        "family": "stdp_dopamine",
        "case": name,
        "description": description,
        "nest_version": NEST_VERSION,
        "synapse_model": "stdp_dopamine_synapse",
        "params": dict(syn_params),
        "post_tau_minus": tau_minus,
        "dt": DT,
        "t_stop": t_stop,
        "generator_to_parrot_delay": GEN_DELAY,
        "dopamine_to_volume_transmitter_delay": DOPA_VT_DELAY,
        "min_delay": nest.GetKernelStatus("min_delay"),
        "seed": seed,
        "pre_spikes": pre_sp,
        "post_spikes": post_sp,
        "dopamine_spikes": dopa_sp,
        "weight_trace": trace,
        "final_weight": final["weight"],
        "final_c": final["c"],
        "final_n": final["n"],
        "final_Kplus": final["Kplus"],
        "self_check": {
            "python_reference_max_rel_diff": diff,
            "python_reference_state_max_rel_diff": diff_state,
            "n_at_Wmin": sum(1 for w in ws if w == syn_params["Wmin"]),
            "n_at_Wmax": sum(1 for w in ws if w == syn_params["Wmax"]),
        },
    }
    path, size = write_json(f"stdp_dopamine_{name}.json", payload)
    print(
        f"{os.path.basename(path):40s} {size/1024:7.1f} KB  pre={len(pre_sp):4d} post={len(post_sp):4d} dopa={len(dopa_sp):4d}  "
        f"w: {syn_params['weight']} -> {final['weight']:.6f}  range=[{min(ws):.4f}, {max(ws):.4f}]  "
        f"#Wmin={payload['self_check']['n_at_Wmin']} #Wmax={payload['self_check']['n_at_Wmax']}  ref max rel diff={diff:.2e}"
    )


def dopa_poisson(rate_hz, n_coincident=0):
    """Dopamine spike steps: Poisson-like at rate_hz, plus n_coincident steps with two spikes."""

    def fn(rng, t_end):
        s = [int(k) for k in poisson_steps(rng, rate_hz, 1.0, t_end)]
        if n_coincident:
            s += [int(s[i]) for i in rng.choice(len(s), size=n_coincident, replace=False)]
        return sorted(s)

    return fn


def dopa_bursts(burst_every_ms, spikes, isi_ms, jitter_ms, background_hz):
    """Phasic dopamine: bursts of `spikes` at `isi_ms` every `burst_every_ms` (jittered) + background."""

    def fn(rng, t_end):
        s = [int(k) for k in poisson_steps(rng, background_hz, 1.0, t_end)]
        t = 200.0
        while t < t_end - spikes * isi_ms:
            for i in range(spikes):
                s.append(ms_to_step(t + i * isi_ms))
            t += burst_every_ms + rng.uniform(-jitter_ms, jitter_ms)
        return sorted(set(s))

    return fn


STDP_DOPA_BASE = {
    "weight": 50.0,
    "delay": 1.0,
    "A_plus": 1.0,
    "A_minus": 1.5,
    "tau_plus": 20.0,
    "tau_c": 1000.0,
    "tau_n": 200.0,
    "b": 0.0,
    "Wmin": 0.0,
    "Wmax": 200.0,
}


def family_stdp_dopamine():
    stdp_dopamine_case(
        "b0",
        dict(STDP_DOPA_BASE),
        "stdp_dopamine_synapse with NEST defaults (A_plus 1, A_minus 1.5, tau_plus 20, tau_c 1000, "
        "tau_n 200, b 0, Wmin 0, Wmax 200), w0 50, delay 1 ms, post tau_minus 20; ~15 Hz pre, causal "
        "post train (60% of pre spikes followed 2..10 ms later, + 5 Hz background), ~4 Hz Poisson "
        "dopamine, 3 s. Weight bounds never reached.",
        seed=4001,
        t_stop=3000.0,
        pre_rate=15.0,
        post_fn=causal_post(2.0, 10.0, 0.6, 5.0),
        dopa_fn=dopa_poisson(4.0),
    )
    stdp_dopamine_case(
        "baseline",
        dict(STDP_DOPA_BASE, b=0.004, delay=2.5, A_minus=1.2),
        "b = 0.004 (dopamine baseline: n - b changes sign between dopamine spikes), A_minus 1.2, "
        "delay 2.5 ms; ~20 Hz pre, independent ~20 Hz post, ~5 Hz Poisson dopamine from several "
        "neurons with 15 coincident pairs (multiplicity 2 at the volume transmitter), 3 s.",
        seed=4002,
        t_stop=3000.0,
        pre_rate=20.0,
        post_fn=lambda rng, pre, t_end: poisson_steps(rng, 20.0, 1.0, t_end),
        dopa_fn=dopa_poisson(5.0, n_coincident=15),
    )
    stdp_dopamine_case(
        "bounds",
        dict(STDP_DOPA_BASE, b=0.008, A_plus=8.0, A_minus=7.0, tau_c=300.0, Wmin=45.0, Wmax=56.0),
        "weight bounds Wmin 45, Wmax 56 around w0 50, strong A_plus 6 / A_minus 7, tau_c 300, b 0.003; "
        "~10 Hz pre; post causal for the first half (90% followed 2..8 ms later) and anti-causal after "
        "(NEST's post train: both, + 3 Hz background); dopamine bursts (4 spikes at 10 ms) every ~400 ms "
        "+ 2 Hz background, 4 s. The weight sits at Wmax and at Wmin for long stretches, also while "
        "n - b changes sign (NEST clips after every step).",
        seed=4003,
        t_stop=4000.0,
        pre_rate=10.0,
        post_fn=lambda rng, pre, t_end: np.unique(
            np.concatenate(
                [
                    causal_post(2.0, 8.0, 0.9, 3.0)(rng, pre[pre < ms_to_step(t_end / 2)], t_end / 2),
                    causal_post(-8.0, -2.0, 0.9, 0.5)(rng, pre[pre >= ms_to_step(t_end / 2)], t_end),
                ]
            )
        ),
        dopa_fn=dopa_bursts(400.0, 4, 10.0, 100.0, 2.0),
    )


FAMILIES = {
    "iaf": lambda: family_iaf(),
    "stdp": lambda: family_stdp(),
    "tsodyks2": lambda: family_tsodyks2(),
    "stdp_dopamine": lambda: family_stdp_dopamine(),
}


def main(argv):
    """Writes every family, or only those named on the command line."""
    names = argv or list(FAMILIES)
    unknown = [n for n in names if n not in FAMILIES]
    if unknown:
        print(f"unknown famil{'ies' if len(unknown) > 1 else 'y'} {unknown}; known: {list(FAMILIES)}")
        return 2
    print(f"NEST {NEST_VERSION}, dt = {DT} ms, writing to {OUT_DIR}")
    for n in names:
        FAMILIES[n]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
