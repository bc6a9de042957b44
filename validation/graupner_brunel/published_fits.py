#!/usr/bin/env python3
"""The published fits of the calcium-based rule to Sjöström et al. (2001), on
the regular-pair and the random-firing protocols, and the experiments that
ship them.

Writes
  validation/data/sjostrom2001_published_fits.json
  experiments/sjostrom2001_frequency_dg2020.toml   (visual_cortex_std)
  experiments/sjostrom2001_random_dg2020.toml      (visual_cortex_std)
  experiments/sjostrom2001_frequency_gwo2016.toml  (visual_cortex_flat)
  experiments/sjostrom2001_random_gwo2016.toml     (visual_cortex_flat)

Models (parameters from the authors' code, github.com/mgraupe/
CalciumBasedPlasticityModel, parameter_fit_solutions.py and
Deperrois2020PlosComputBiol/params.py; times here in ms):

* cortical_slices: Graupner & Brunel 2012 (bistable, noisy); its predictions
  are the analytic ones of reference.py (graupner_brunel2012_reference.json).
* visual_cortex_std: Deperrois & Graupner 2020, PLoS Comput Biol 16:e1008265,
  fit sJFullSim0: flat potential, no noise, presynaptic short-term depression
  of the calcium jump (U, tau_rec), jump proportional to the efficacy w,
  w(0) = 0.5, change = w_end / 0.5.
* visual_cortex_flat: Graupner, Wallisch & Ostojic 2016, J Neurosci 36:11238,
  linear calcium model (linearCaModel): flat potential, no STD, same readout.

The flat-potential models are deterministic; they are computed here event by
event, exactly (calcium decays exponentially between jumps; above theta_p w
relaxes to gamma_p / (gamma_p + gamma_d) with rate (gamma_p + gamma_d) / tau,
between theta_d and theta_p it decays with rate gamma_d / tau, below both it
stays). This is an independent re-implementation of the rule, written from
the equations, against which the Rust model is checked by the experiments.
(Checked once against the authors' own functions, timeAboveThreshold.py
spikePairFrequencySTPFullSimulation and fullEventBasedSimulation, on the
regular schedule and the shipped random draw: equal to 1e-13.)

Random firing, as computed by the models' authors (Graupner et al. 2016 code,
spikePairStochasticFrequency): pair k at k/f, the presynaptic spike jittered
by u and the postsynaptic one at pre + v, u, v uniform in [-15, 15] ms, 75
pairs. The experiments use the draw shipped in
experiments/sjostrom2001_random_gb2012.toml (seed 2001, 0.1 ms grid); the JSON
also gives the mean over 200 draws.

python3 published_fits.py   (standard library only; run reference.py first)
"""
import json
import math
import os
import random
import re

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
EXPERIMENTS = os.path.join(HERE, "..", "..", "experiments")

SETS = {
    "visual_cortex_std": dict(tau_ca=38.3492083, c_pre=3.99132241, c_post=1.12940834, theta_d=1.0,
                              theta_p=1.63069609, gamma_d=111.320539, gamma_p=564.392975, tau=299877.8,
                              delay=9.23545841, U=0.383753, tau_rec=148.9192, c_pre_weight=1.0),
    "visual_cortex_flat": dict(tau_ca=22.2721171, c_pre=0.844990637, c_post=1.621379, theta_d=1.0,
                               theta_p=2.00928899, gamma_d=137.758631, gamma_p=597.089216, tau=520761.286,
                               delay=9.53708736, U=1.0, tau_rec=0.0, c_pre_weight=0.0),
}
PAPERS = {
    "visual_cortex_std": "Deperrois N, Graupner M (2020) PLoS Comput Biol 16(9):e1008265 (fit sJFullSim0; "
                         "U and tau_rec from Deperrois2020PlosComputBiol/params.py)",
    "visual_cortex_flat": "Graupner M, Wallisch P, Ostojic S (2016) J Neurosci 36(44):11238-11258 "
                          "(linear calcium model, linearCaModel)",
}
W0 = 0.5


def change(pre, post, p):
    """w_end / w0 - 1 for presynaptic spike times `pre` and postsynaptic `post` (ms)."""
    ev = sorted([(t + p["delay"], 0) for t in pre] + [(t, 1) for t in post])
    c, t, w, x, t_last = 0.0, ev[0][0], W0, 1.0, None
    gp, gd, tau, tc = p["gamma_p"], p["gamma_d"], p["tau"], p["tau_ca"]
    w_bar = gp / (gp + gd)
    for te, kind in ev + [(ev[-1][0] + 10000.0, 2)]:
        dt = te - t
        t_p = min(dt, tc * math.log(c / p["theta_p"])) if c > p["theta_p"] else 0.0
        t_d = min(dt, tc * math.log(c / p["theta_d"])) if c > p["theta_d"] else 0.0
        w = w_bar + (w - w_bar) * math.exp(-t_p * (gp + gd) / tau)
        w *= math.exp(-(t_d - t_p) * gd / tau)
        c *= math.exp(-dt / tc)
        t = te
        if kind == 1:
            c += p["c_post"]
        elif kind == 0:
            amp = p["c_pre"] * p["U"]
            if p["tau_rec"] > 0.0:
                if t_last is not None:
                    x = 1.0 - (1.0 - x * (1.0 - p["U"])) * math.exp(-(te - t_last) / p["tau_rec"])
                amp *= x
                t_last = te
            amp *= 1.0 - p["c_pre_weight"] + p["c_pre_weight"] * w
            c += amp
    return w / W0 - 1.0


def grid(t):
    return round(t * 10.0) / 10.0


def regular_times(f, dt, schedule):
    """engram's `pairing`: pair r at onset (1 s) + r; whichever spike is first is at r.
    schedule: 5 pairs at f, 15 times every 10 s (the experiment's); else 75 pairs at f."""
    rs = ([b * 10000.0 + i * 1000.0 / f for b in range(15) for i in range(5)] if schedule
          else [i * 1000.0 / f for i in range(75)])
    pre = [grid(1000.0 + r + max(-dt, 0)) for r in rs]
    return pre, [grid(x + dt) for x in pre]


def shipped_random_draw():
    """The random pair times of experiments/sjostrom2001_random_gb2012.toml, by rate."""
    text = open(os.path.join(EXPERIMENTS, "sjostrom2001_random_gb2012.toml")).read()
    out = {}
    for rate in (1, 20, 35, 50):
        lists = re.findall(r'target = "(?:fibres|post)_r%d"\nkind = "times"\ntimes = \[([^\]]*)\]' % rate, text)
        trains = [[float(v.strip().strip('"').split()[0]) for v in l.split(",")] for l in lists[:2]]
        out[rate] = (trains[0], trains[1])
    return out


def random_draw(rng, f):
    pre, post = [], []
    for k in range(75):
        tp = 1000.0 + k * 1000.0 / f + rng.uniform(-15.0, 15.0)
        pre.append(grid(tp))
        post.append(grid(tp + rng.uniform(-15.0, 15.0)))
    return pre, post


def protocol_variants(n_draws=40):
    """Is the random protocol the cause of the cortical_slices mismatch? The
    analytic prediction (reference.py) for other readings of 'random firing':
    independent Poisson trains at f for 75/f s; and the regular experiments'
    schedule (5 pairs, 15 times every 10 s) with jittered or Poisson timing.
    Mean over n_draws draws."""
    import sys
    sys.path.insert(0, HERE)
    from reference import SETS as GB, time_above, relative_change
    cx = GB["cortical_slices"]
    rng = random.Random(11)

    def jitter(f, n, t0):
        pre, post = [], []
        for k in range(n):
            tp = t0 + k * 1000.0 / f + rng.uniform(-15.0, 15.0)
            pre.append(tp)
            post.append(tp + rng.uniform(-15.0, 15.0))
        return pre, post

    def poisson(f, n, t0, t_max=None):
        def train():
            # n spikes, or all spikes within t_max ms when t_max is given.
            t, out = t0, []
            while True:
                t += rng.expovariate(f / 1000.0)
                if (t_max is None and len(out) == n) or (t_max is not None and t > t0 + t_max):
                    return out
                out.append(t)
        return train(), train()

    variants = {
        "poisson_trains_75_over_f": lambda f: (poisson(f, 0, 1000.0, 75e3 / f), 75e3 / f),
        "schedule_5x15_jittered": lambda f: (tuple(sum(x, []) for x in zip(*[jitter(f, 5, 1000.0 + b * 1e4) for b in range(15)])), 15e4),
        "schedule_5x15_poisson": lambda f: (tuple(sum(x, []) for x in zip(*[poisson(f, 5, 1000.0 + b * 1e4) for b in range(15)])), 15e4),
    }
    res = {}
    for name, make in variants.items():
        res[name] = {}
        for f in (1, 20, 35, 50):
            acc = 0.0
            for _ in range(n_draws):
                (pre, post), t_total = make(f)
                jumps = [(t + cx["delay"], cx["c_pre"]) for t in pre] + [(t, cx["c_post"]) for t in post]
                d, p = time_above(jumps, cx, 0.0, 1e12)
                acc += relative_change(cx, t_total, d / t_total, p / t_total) - 1.0
            res[name]["%d_hz" % f] = acc / n_draws
    return res


def main():
    sj = json.load(open(os.path.join(DATA, "sjostrom2001.json")))
    gb = json.load(open(os.path.join(DATA, "graupner_brunel2012_reference.json")))
    reg_data = sj["regular_firing" if "regular_firing" in sj else "regular_pairs"]["points"]
    rnd_data = sj["random_firing"]["points"]
    draw = shipped_random_draw()
    out = {
        "description": "Predictions of the published fits of the calcium-based rule to Sjöström et al. 2001, "
                       "computed by validation/graupner_brunel/published_fits.py (relative change w_end/w0 - 1)",
        "sources": {"cortical_slices": "Graupner M, Brunel N (2012) PNAS 109:3991 (analytic, from "
                                       "graupner_brunel2012_reference.json)", **PAPERS},
        "data": "validation/data/sjostrom2001.json",
        "regular": [], "random": [],
    }
    for d in reg_data:
        f, dt = d["frequency_hz"], d["delta_t_ms"]
        row = {"frequency_hz": f, "delta_t_ms": dt, "data": d["change"], "sem": d["sem"],
               "cortical_slices_75_pairs": next(r["relative_change"] - 1 for r in gb["cortical_regular_75_pairs"]["points"]
                                                if r["frequency_hz"] == f and r["delta_t_ms"] == dt)}
        for name, p in SETS.items():
            row[name + "_75_pairs"] = change(*regular_times(f, dt, False), p)
            if f >= 1.0:
                row[name + "_schedule"] = change(*regular_times(f, dt, True), p)
        out["regular"].append(row)
    rng = random.Random(7)
    draws = {f: [random_draw(rng, f) for _ in range(200)] for f in (1, 20, 35, 50)}
    for d in rnd_data:
        f = int(d["rate_hz"])
        row = {"rate_hz": f, "data": d["change"], "sem": d["sem"],
               "cortical_slices_mean": next(r["relative_change"] - 1 for r in gb["cortical_random_75_pairs"]["points"]
                                            if r["rate_hz"] == f)}
        for name, p in SETS.items():
            row[name + "_mean"] = sum(change(a, b, p) for a, b in draws[f]) / len(draws[f])
            row[name + "_shipped_draw"] = change(*draw[f], p)
        out["random"].append(row)
    out["cortical_slices_random_protocol_variants"] = protocol_variants()
    with open(os.path.join(DATA, "sjostrom2001_published_fits.json"), "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    for r in out["regular"]:
        print("regular %5.1f Hz %+3d ms: data %+.2f+-%.2f" % (r["frequency_hz"], r["delta_t_ms"], r["data"], r["sem"]),
              " ".join("%s %+.3f" % (k, v) for k, v in r.items() if k.startswith(("cortical", "visual"))))
    for r in out["random"]:
        print("random %2d Hz: data %+.2f+-%.2f" % (r["rate_hz"], r["data"], r["sem"]),
              " ".join("%s %+.3f" % (k, v) for k, v in r.items() if k.startswith(("cortical", "visual"))))
    return out, draw


if __name__ == "__main__":
    main()


def pathway(name, set_name, stimuli):
    return f'''
[[population]]
name = "post_{name}"
size = 1
model = "lif_psc_exp"
params = {{ V_th = "1000 mV" }}

[[population]]
name = "fibre_{name}"
size = 1
model = "spike_source"

[[projection]]
name = "{name}"
from = "fibre_{name}"
to = "post_{name}"
connect = {{ rule = "all_to_all" }}
weight = "1 pA"
plasticity = {{ model = "graupner_brunel", parameter_set = "{set_name}" }}
{stimuli}
[[stimulus]]
target = "fibre_{name}"
kind = "times"
times = ["239 min"]

[[record]]
name = "{name}_rho"
kind = "synapse"
projection = "{name}"
variable = "rho"
every = "60 min"

[[readout]]
name = "{name}"
record = "{name}_rho"
at = "4 h"
'''


def times_list(ts):
    return "[" + ", ".join('"%s ms"' % ("%.1f" % t).rstrip("0").rstrip(".") for t in ts) + "]"


def expect(readout, model, data, sem, source, what):
    """Held to the data (+-1 SEM) where the model is within it; otherwise to the
    model's own exact value (+-1e-6 in rho), marked."""
    if abs(model - data) <= sem:
        lo, hi = W0 * (1 + data - sem), W0 * (1 + data + sem)
        note = f"data {data*100:+.0f} +- {sem*100:.0f} % (mean +- SEM) as rho = 0.5 (1 + change); model (exact) {model*100:+.1f} %"
        src = source
    else:
        lo, hi = W0 * (1 + model) - 1e-6, W0 * (1 + model) + 1e-6
        note = (f"model-to-model: exact re-implementation {model*100:+.1f} % (+-1e-6 in rho); "
                f"NOT the data ({data*100:+.0f} +- {sem*100:.0f} %), which this published set does not reach")
        src = f"validation/graupner_brunel/published_fits.py: the {what} set's own prediction"
    return f'''
[[expect]]
readout = "{readout}"
min = {lo:.7f}
max = {hi:.7f}
source = "{src}"
note = "{note}"
'''


def wrap(lead, items):
    """A comment paragraph (continuation lines start with '# ')."""
    import textwrap
    text = (lead + ("; ".join(items) if items else "none") + ".").replace(" %", "\u00a0%")
    return "\n# ".join(textwrap.wrap(text, 76)).replace("\u00a0", " ")


def write_experiments(out, draw):
    reg = {(r["frequency_hz"], r["delta_t_ms"]): r for r in out["regular"]}
    rnd = {r["rate_hz"]: r for r in out["random"]}
    data_src = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149 (validation/data/sjostrom2001.json)"
    for set_name, tag, schedule, header in (
        ("visual_cortex_std", "dg2020", True, HEADER_DG2020),
        ("visual_cortex_flat", "gwo2016", False, HEADER_GWO2016),
    ):
        # Regular pairs.
        body, exps, miss = [], [], []
        for (f, dt), r in reg.items():
            name = "f%s_%s%d" % (str(f).replace(".0", "").replace(".", "p"), "m" if dt < 0 else "p", abs(dt))
            sched = schedule and f >= 1.0
            key = set_name + ("_schedule" if sched else "_75_pairs")
            extra = '\nbursts = 15\nburst_interval = "10 s"' if sched else ""
            body.append(pathway(name, set_name, f'''
[[stimulus]]
target = "fibre_{name}"
kind = "pairing"
post = "post_{name}"
delta_t = "{dt} ms"
pairs = {5 if sched else 75}
rate = "{f:g} Hz"{extra}
at = "1 s"
'''))
            exps.append(expect(name, r[key], r["data"], r["sem"], data_src, set_name))
            if abs(r[key] - r["data"]) > r["sem"]:
                miss.append("%g Hz %+d ms: %+.1f %% (data %+.0f +- %.0f %%)" % (f, dt, 100 * r[key], 100 * r["data"], 100 * r["sem"]))
        text = header["frequency"].format(missing=wrap("Outside 1 SEM with the published set: ", miss)) + SIM + "".join(body) + "".join(exps)
        open(os.path.join(EXPERIMENTS, "sjostrom2001_frequency_%s.toml" % tag), "w").write(text)
        # Random firing.
        body, exps, miss = [], [], []
        for f, r in rnd.items():
            name = "r%d" % f
            pre, post = draw[f]
            body.append(pathway(name, set_name, f'''
[[stimulus]]
target = "fibre_{name}"
kind = "times"
times = {times_list(pre)}

[[stimulus]]
target = "post_{name}"
kind = "times"
times = {times_list(post)}
'''))
            m = r[set_name + "_shipped_draw"]
            exps.append(expect(name, m, r["data"], r["sem"], data_src, set_name))
            if abs(m - r["data"]) > r["sem"]:
                miss.append("%d Hz: %+.1f %% (mean over draws %+.1f %%; data %+.0f +- %.0f %%)" % (
                    f, 100 * m, 100 * r[set_name + "_mean"], 100 * r["data"], 100 * r["sem"]))
        text = header["random"].format(missing=wrap("Outside 1 SEM with the published set: ", miss)) + SIM + "".join(body) + "".join(exps)
        open(os.path.join(EXPERIMENTS, "sjostrom2001_random_%s.toml" % tag), "w").write(text)


SIM = '''
[simulation]
duration = "4 h"
dt = "0.1 ms"
seed = 2001
fast_forward = true
'''

COMMON = '''#
# Each pathway is one synapse onto its own postsynaptic neuron (imposed spikes
# only); the model is deterministic (sigma = 0), so one synapse is the
# population mean. Every synapse starts at rho = 0.5 (beta = 1, rho_init = 0.5)
# and the change is read, as in the authors' code, from rho itself:
# readout rho = 0.5 (1 + change). A test volley at 239 min brings the lazily
# updated rho up to date (its own calcium jump comes after the read).
# Reference: validation/graupner_brunel/published_fits.py, an independent
# event-by-event re-implementation (validation/data/
# sjostrom2001_published_fits.json); engram agrees with it to 1e-14 in rho
# (crates/engram-protocol/tests/graupner_brunel.rs checks every readout).
# Points where the published set is within 1 SEM of the data are held to the
# data (+-1 SEM); the others are held to the set's own exact value (+-1e-6)
# and listed here.
'''

HEADER_DG2020 = {
    "frequency": '''# Sjöström et al. 2001: frequency dependence of spike-pair plasticity at
# +10 and -10 ms, with the calcium-based rule extended by presynaptic
# short-term depression (Deperrois & Graupner 2020, PLoS Comput Biol
# 16:e1008265), parameter set "visual_cortex_std" (their fit to these data,
# Fig. 2A: flat potential, U = 0.383753, tau_rec = 148.9 ms, presynaptic
# calcium jump c_pre U x rho).
#
# The experiment's schedule, as fitted by the authors: 5 pairs at f, 15 times
# every 10 s, at 10, 20, 40 and 50 Hz; at 0.1 Hz, where 5 pairs do not fit in
# 10 s, 75 pairs at 0.1 Hz.
''' + COMMON + '''#
# {missing}

[meta]
title = "Sjöström et al. 2001: plasticity vs pair frequency at +-10 ms (Deperrois & Graupner 2020, visual_cortex_std)"
reproduces = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149; fit of Deperrois & Graupner 2020, PLoS Comput Biol 16:e1008265, Fig. 2A"
''',
    "random": '''# Sjöström et al. 2001, random firing, with the calcium-based rule extended
# by presynaptic short-term depression (Deperrois & Graupner 2020, PLoS
# Comput Biol 16:e1008265), parameter set "visual_cortex_std".
#
# The random pairs of experiments/sjostrom2001_random_gb2012.toml (the same
# draw): for each rate f, 75 pairs, pair k at 1 s + k/f, the presynaptic spike
# jittered by u and the postsynaptic one at pre + v, u and v uniform in
# [-15, +15] ms (the random protocol as computed by the models' authors).
''' + COMMON + '''#
# DEVIATION: the authors fitted this set to the regular pairs only; it does not
# reproduce the random-firing data either. Short-term depression scales only
# the presynaptic jumps: at 35 and 50 Hz the postsynaptic jumps alone summate
# above theta_p = 1.63 (peak c_post / (1 - exp(-1/(f tau_ca))) = 2.2 and 2.8),
# and at 20 Hz (peak 1.55) the depressed presynaptic jumps still lift calcium
# over it, so random pairs potentiate as regular ones do.
# {missing}
#
# engram's own fit of this model family to all 14 regular and random points
# (flat potential, no noise; tau_ca, c_pre, c_post, theta_p, gamma_d, gamma_p,
# delay, U, tau_rec and the rho-dependence of the jump free;
# validation/graupner_brunel/fit_sjostrom2001.py) found no set within one SEM
# of all of them either: at its best (chi2 14.9 over the 14 points) six
# regular points and the 20 Hz random point stay outside, by up to 1.74 SEM
# (50 Hz -10 ms: +42 %, data +75 +- 19 %)
# (validation/data/sjostrom2001_engram_fit.json).

[meta]
title = "Sjöström et al. 2001: random firing (Deperrois & Graupner 2020, visual_cortex_std)"
reproduces = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149 (random firing); model of Deperrois & Graupner 2020, PLoS Comput Biol 16:e1008265"
''',
}

HEADER_GWO2016 = {
    "frequency": '''# Sjöström et al. 2001: frequency dependence of spike-pair plasticity at
# +10 and -10 ms, with the calcium-based rule as fitted by Graupner, Wallisch
# & Ostojic 2016 (J Neurosci 36:11238; linear calcium model, parameter set
# "visual_cortex_flat": flat potential, no noise, no short-term depression).
#
# 75 pairs at f (0.1, 10, 20, 40, 50 Hz), the protocol of the authors' fit.
''' + COMMON + '''#
# {missing}

[meta]
title = "Sjöström et al. 2001: plasticity vs pair frequency at +-10 ms (Graupner, Wallisch & Ostojic 2016, visual_cortex_flat)"
reproduces = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149; fit of Graupner, Wallisch & Ostojic 2016, J Neurosci 36:11238"
''',
    "random": '''# Sjöström et al. 2001, random firing, with the calcium-based rule as fitted
# by Graupner, Wallisch & Ostojic 2016 (J Neurosci 36:11238; linear calcium
# model, parameter set "visual_cortex_flat"), the published fit that comes
# closest to the random-firing data.
#
# The random pairs of experiments/sjostrom2001_random_gb2012.toml (the same
# draw): for each rate f, 75 pairs, pair k at 1 s + k/f, the presynaptic spike
# jittered by u and the postsynaptic one at pre + v, u and v uniform in
# [-15, +15] ms (the random protocol of the authors' code).
''' + COMMON + '''#
# DEVIATION: the time-averaged (mean-field) solution the authors plot gives
# +28.6 % at 35 Hz as well (their code, spikePairStochasticFrequency).
# {missing}
#
# engram's own fit of this model family to all 14 regular and random points
# (flat potential, no noise; tau_ca, c_pre, c_post, theta_p, gamma_d, gamma_p,
# delay, U, tau_rec and the rho-dependence of the jump free;
# validation/graupner_brunel/fit_sjostrom2001.py) found no set within one SEM
# of all of them either: at its best (chi2 14.9 over the 14 points) six
# regular points and the 20 Hz random point stay outside, by up to 1.74 SEM
# (50 Hz -10 ms: +42 %, data +75 +- 19 %)
# (validation/data/sjostrom2001_engram_fit.json).

[meta]
title = "Sjöström et al. 2001: random firing (Graupner, Wallisch & Ostojic 2016, visual_cortex_flat)"
reproduces = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149 (random firing); fit of Graupner, Wallisch & Ostojic 2016, J Neurosci 36:11238"
''',
}

if __name__ == "__main__":
    write_experiments(*main())
