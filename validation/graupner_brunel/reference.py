#!/usr/bin/env python3
"""Reference numbers for the Graupner & Brunel (2012) experiments.

Writes validation/data/graupner_brunel2012_reference.json: the analytic
prediction of the calcium-based model (Graupner & Brunel 2012, PNAS 109:3991,
main text and SI: fraction of time alpha_d, alpha_p that calcium spends above
each threshold; Gamma = gamma alpha; rho_bar, sigma_rho^2 and tau_eff; Gaussian
UP/DOWN transition probabilities; change of the mean efficacy of a population
with a fraction beta starting DOWN and w1/w0 = b) for

* the STDP curve of the DP set: 60 pairs at 1 Hz (their Fig. 2);
* the cortical_slices set on the protocols of Sjostrom et al. 2001 as used for
  the fit (75 spike pairs at frequency f, dt = +-10 ms), and on random pairs
  (75 pairs at rate f, dt uniform in [-15, +15] ms, time above threshold by
  averaging over many random pairs).

Only numpy-free standard Python is needed: python3 reference.py
Times are in ms. The time above threshold is computed exactly, event by event
(calcium decays exponentially between jumps).
"""
import json
import math
import os
import random

# The parameter sets used here (Graupner & Brunel 2012, SI Table S1); times in ms.
SETS = {
    "DP": dict(tau_ca=20.0, c_pre=1.0, c_post=2.0, theta_d=1.0, theta_p=1.3, gamma_d=200.0,
               gamma_p=321.808, sigma=2.8284, tau=150e3, rho_star=0.5, delay=13.7, beta=0.5, b=5.0),
    "cortical_slices": dict(tau_ca=22.6936, c_pre=0.5617539, c_post=1.23964, theta_d=1.0, theta_p=1.3,
                            gamma_d=331.909, gamma_p=725.085, sigma=3.3501, tau=346361.5, rho_star=0.5,
                            delay=4.6098, beta=0.5, b=5.40988),
}


def time_above(jumps, p, t_from, t_to):
    """Time that calcium spends above theta_d and theta_p in [t_from, t_to].

    jumps: list of (time, amplitude), calcium 0 before the first one."""
    c, t = 0.0, None
    above = [0.0, 0.0]
    for tj, a in sorted(jumps) + [(t_to, 0.0)]:
        if t is not None and tj > t and c > 0.0:
            lo, hi = max(t, t_from), min(tj, t_to)
            if hi > lo:
                c_lo = c * math.exp(-(lo - t) / p["tau_ca"])
                for i, th in enumerate((p["theta_d"], p["theta_p"])):
                    if c_lo > th:
                        above[i] += min(hi - lo, p["tau_ca"] * math.log(c_lo / th))
            c *= math.exp(-(tj - t) / p["tau_ca"])
        t = tj
        c += a
    return above


def alphas_regular(p, dt, f):
    """Fractions of time above theta_d, theta_p in the periodic steady state of
    regular pairs (post - pre = dt) at f Hz."""
    period = 1000.0 / f
    n = 40
    jumps = []
    for k in range(n + 1):
        jumps.append((k * period + p["delay"], p["c_pre"]))
        jumps.append((k * period + dt, p["c_post"]))
    start = (n - 1) * period + min(p["delay"], dt)
    d, pp = time_above(jumps, p, start, start + period)
    return d / period, pp / period


def alphas_random(p, f, jitter=15.0, n=75 * 200, seed=7):
    """Random pairs: pre at k/f + u, post at pre + v, u and v uniform in [-jitter, jitter]."""
    rng = random.Random(seed)
    period = 1000.0 / f
    jumps = []
    for k in range(n):
        t_pre = 100.0 + k * period + rng.uniform(-jitter, jitter)
        jumps.append((t_pre + p["delay"], p["c_pre"]))
        jumps.append((t_pre + rng.uniform(-jitter, jitter), p["c_post"]))
    d, pp = time_above(jumps, p, 0.0, 100.0 + n * period)
    return d / (n * period), pp / (n * period)


def relative_change(p, t_total, a_d, a_p):
    """After/before ratio of the mean efficacy (Graupner & Brunel 2012)."""
    g_p, g_d = p["gamma_p"] * a_p, p["gamma_d"] * a_d
    rho_bar = g_p / (g_p + g_d)
    var = (a_p + a_d) * p["sigma"] ** 2 / (g_p + g_d)
    tau_eff = p["tau"] / (g_p + g_d)

    def transition(rho0):
        x = -(p["rho_star"] - rho_bar + (rho_bar - rho0) * math.exp(-t_total / tau_eff)) / math.sqrt(
            var * (1.0 - math.exp(-2.0 * t_total / tau_eff)))
        return (1.0 + math.erf(x)) / 2.0 if rho0 == 0.0 else (1.0 - math.erf(x)) / 2.0

    up, down = transition(0.0), transition(1.0)
    beta, b = p["beta"], p["b"]
    return ((beta * (1 - up) + (1 - beta) * down) + (beta * up + (1 - beta) * (1 - down)) * b) / (beta + (1 - beta) * b)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    dp, cx = SETS["DP"], SETS["cortical_slices"]
    stdp = []
    for dt in (-50, -20, -10, -5, 0, 5, 10, 20, 50):
        a_d, a_p = alphas_regular(dp, dt, 1.0)
        stdp.append({"delta_t_ms": dt, "alpha_d": a_d, "alpha_p": a_p,
                     "relative_change": relative_change(dp, 60e3, a_d, a_p)})
    regular = []
    for f in (0.1, 10.0, 20.0, 40.0, 50.0):
        for dt in (10, -10):
            a_d, a_p = alphas_regular(cx, dt, f)
            regular.append({"frequency_hz": f, "delta_t_ms": dt, "alpha_d": a_d, "alpha_p": a_p,
                            "relative_change": relative_change(cx, 75 * 1000.0 / f, a_d, a_p)})
    rand = []
    for f in (1.0, 20.0, 35.0, 50.0):
        a_d, a_p = alphas_random(cx, f)
        rand.append({"rate_hz": f, "alpha_d": a_d, "alpha_p": a_p,
                     "relative_change": relative_change(cx, 75 * 1000.0 / f, a_d, a_p)})
    out = {
        "description": "Analytic predictions of the Graupner & Brunel (2012) calcium-based model "
                       "(mean-field drift, Gaussian UP/DOWN transition probabilities, cubic term neglected), "
                       "computed by validation/graupner_brunel/reference.py",
        "source": "Graupner M, Brunel N (2012) PNAS 109:3991-3996, doi:10.1073/pnas.1109359109; "
                  "parameter sets from SI Table S1",
        "dp_stdp_60_pairs_1hz": {"parameter_set": "DP", "pairs": 60, "rate_hz": 1.0, "curve": stdp},
        "cortical_regular_75_pairs": {"parameter_set": "cortical_slices", "pairs": 75, "points": regular},
        "cortical_random_75_pairs": {"parameter_set": "cortical_slices", "pairs": 75, "jitter_ms": 15.0,
                                     "points": rand},
    }
    path = os.path.join(here, "..", "data", "graupner_brunel2012_reference.json")
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    for r in stdp:
        print("DP dt %+4d ms: %.4f" % (r["delta_t_ms"], r["relative_change"]))
    for r in regular:
        print("cortical %5.1f Hz dt %+3d ms: %+.3f" % (r["frequency_hz"], r["delta_t_ms"], r["relative_change"] - 1))
    for r in rand:
        print("cortical random %4.1f Hz: %+.3f" % (r["rate_hz"], r["relative_change"] - 1))


if __name__ == "__main__":
    main()
