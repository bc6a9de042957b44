#!/usr/bin/env python3
"""Writes the shipped Graupner & Brunel / Sjöström experiments from the data and
the reference numbers (run reference.py first):

  experiments/graupner_brunel2012_stdp_dp.toml      (bounds: analytic curve +-2 %)
  experiments/sjostrom2001_frequency_gb2012.toml    (bounds: data +- SEM)
  experiments/sjostrom2001_random_gb2012.toml       (random pair times drawn here, seed 2001)

python3 make_protocols.py
"""
import json
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
EXPERIMENTS = os.path.join(HERE, "..", "..", "experiments")

# ---- graupner_brunel2012_stdp_dp.toml
N = 6000
out = os.path.join(EXPERIMENTS, "graupner_brunel2012_stdp_dp.toml")
dts=[-50,-20,-10,-5,0,5,10,20,50]
ref={'curve': json.load(open(os.path.join(DATA, 'graupner_brunel2012_reference.json')))['dp_stdp_60_pairs_1hz']['curve']}
def nm(d): return ('m%d'%-d) if d<0 else ('p%d'%d)
L=[]
L.append('''# Graupner & Brunel 2012, Fig. 2: the STDP curve of the DP parameter set.
#
# 60 pre/post pairs at 1 Hz for each spike-timing difference, as in the paper,
# with parameter_set = "DP". Each timing has its own pathway of %d synapses
# onto its own postsynaptic neuron (imposed spikes only; the threshold is out
# of reach). Pathways must not share a neuron: a postsynaptic spike raises the
# calcium of every synapse of its neuron, and postsynaptic spikes alone drive
# rho towards rho_star, so a pathway on a shared neuron is also changed by the
# other pathways' pairings (issue 5: +10 ms read 101 %% instead of 122 %%).
# Half of the synapses start DOWN (rho = 0) and half UP (rho = 1): beta = 0.5,
# w1/w0 = b = 5, as in the paper. After the pairing every synapse relaxes to one
# of its two stable states; a test volley at 179 min brings the lazily updated
# efficacies up to date, and the change is read as fEPSP %% of the baseline.
#
# Target: the paper's analytic curve (mean drift over the time above each
# threshold, Gaussian UP/DOWN transition probabilities), recomputed by
# validation/graupner_brunel/reference.py into
# validation/data/graupner_brunel2012_reference.json (the same numbers as the
# curve of Fig. 2), +-2 %% (relative). The analytic curve neglects the cubic
# term and is the limit of infinitely many synapses; over ten seeds this
# protocol (2000 synapses per timing) agreed with it within 1.1 %% on average,
# and with %d synapses the run-to-run spread is about 1 point, so another seed
# can put a point just outside +-2 %%.

[meta]
title = "Graupner & Brunel 2012, Fig. 2: STDP curve of the DP set"
reproduces = "Graupner & Brunel 2012, PNAS 109:3991, Fig. 2 (DP curve)"

[simulation]
duration = "3 h"
dt = "0.1 ms"
seed = 2012
fast_forward = true
''' % (N, N))
for d in dts:
    n=nm(d)
    L.append(f'''
[[population]]
name = "post_{n}"
size = 1
model = "lif_psc_exp"
params = {{ V_th = "1000 mV" }}

[[population]]
name = "fibres_{n}"
size = {N}
model = "spike_source"

[[projection]]
name = "dt_{n}"
from = "fibres_{n}"
to = "post_{n}"
connect = {{ rule = "all_to_all" }}
weight = "1 pA"
plasticity = {{ model = "graupner_brunel", parameter_set = "DP" }}

[[stimulus]]
target = "fibres_{n}"
kind = "pairing"
post = "post_{n}"
delta_t = "{d} ms"
pairs = 60
rate = "1 Hz"
at = "1 s"

[[stimulus]]
target = "fibres_{n}"
kind = "times"
times = ["179 min"]

[[record]]
name = "dt_{n}_fepsp"
kind = "fepsp"
projection = "dt_{n}"
every = "30 min"

[[readout]]
name = "dt_{n}"
record = "dt_{n}_fepsp"
at = "3 h"
''')
if ref:
    for d in dts:
        v=[r for r in ref['curve'] if r['delta_t_ms']==d][0]['relative_change']*100
        L.append(f'''
[[expect]]
readout = "dt_{nm(d)}"
min = {round(v*0.98,2)}
max = {round(v*1.02,2)}
source = "Graupner & Brunel 2012, PNAS 109:3991, Fig. 2 (DP curve)"
note = "analytic {v:.2f} % +-2 % (validation/data/graupner_brunel2012_reference.json)"
''')
open(out,'w').write(''.join(L))


# ---- sjostrom2001_frequency_gb2012.toml
N = 3000
out = os.path.join(EXPERIMENTS, "sjostrom2001_frequency_gb2012.toml")
pts=[(0.1,10),(0.1,-10),(10,10),(10,-10),(20,10),(20,-10),(40,10),(40,-10),(50,10),(50,-10)]
def nm(f,d): return ('f%s_%s%d'%(str(f).replace('.','p'),'m' if d<0 else 'p',abs(d)))
data=json.load(open(os.path.join(DATA, 'sjostrom2001.json')))['regular_pairs']['points']
ref=json.load(open(os.path.join(DATA, 'graupner_brunel2012_reference.json')))['cortical_regular_75_pairs']['points']
L=['''# Sjöström et al. 2001: frequency dependence of spike-pair plasticity at
# +10 and -10 ms, with the Graupner & Brunel 2012 calcium-based rule and its
# "cortical_slices" parameter set (fitted to these data; their Fig. 4).
#
# 75 pre/post pairs at 0.1, 10, 20, 40 and 50 Hz, the protocol for which the
# published set was fitted (Graupner & Brunel 2012 compute 75 regular pairs at
# frequency f). Each frequency and timing has its own pathway of %d synapses
# onto its own postsynaptic neuron (imposed spikes only). beta = 0.5 of the
# synapses start DOWN, the rest UP, w1/w0 = b = 5.40988 (the set's values).
# A test volley at 239 min brings the lazily updated efficacies up to date;
# the change is read as fEPSP %% of the baseline (100 %% + data change).
#
# Data: validation/data/sjostrom2001.json (mean +- SEM). The bounds are the
# data mean +- 1 SEM, except at 0.1 Hz, where the published set does not
# reach the data: its analytic prediction (validation/data/
# graupner_brunel2012_reference.json) is +6.1 %% at +10 ms (data -4 +- 5 %%),
# and the full model, whose cubic term pulls rho back to its stable state in
# the 10-s gaps between pairs (the analytic solution neglects it; 75 pairs at
# 0.1 Hz last 750 s, twice tau), gives +4.6 %% at +10 ms (outside 1 SEM) and
# -21.4 %% at -10 ms (data -29 +- 8 %%: at the edge of 1 SEM, where another seed
# may fall outside; the analytic value is -30.9 %%). Those two points are held
# to +-2 SEM, and the deviation is stated here.
# The experiment's own schedule (5 pairs at f, 15 times every 10 s) gives
# similar values except +41 %% at 40 Hz, +10 ms (data 53 +- 11 %%).

[meta]
title = "Sjöström et al. 2001: plasticity vs pair frequency at +-10 ms (Graupner & Brunel 2012, cortical_slices)"
reproduces = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149; fit of Graupner & Brunel 2012, PNAS 109:3991, Fig. 4"

[simulation]
duration = "4 h"
dt = "0.1 ms"
seed = 2001
fast_forward = true
''' % N]
for f,d in pts:
    n=nm(f,d)
    L.append(f'''
[[population]]
name = "post_{n}"
size = 1
model = "lif_psc_exp"
params = {{ V_th = "1000 mV" }}

[[population]]
name = "fibres_{n}"
size = {N}
model = "spike_source"

[[projection]]
name = "{n}"
from = "fibres_{n}"
to = "post_{n}"
connect = {{ rule = "all_to_all" }}
weight = "1 pA"
plasticity = {{ model = "graupner_brunel", parameter_set = "cortical_slices" }}

[[stimulus]]
target = "fibres_{n}"
kind = "pairing"
post = "post_{n}"
delta_t = "{d} ms"
pairs = 75
rate = "{f} Hz"
at = "1 s"

[[stimulus]]
target = "fibres_{n}"
kind = "times"
times = ["239 min"]

[[record]]
name = "{n}_fepsp"
kind = "fepsp"
projection = "{n}"
every = "60 min"

[[readout]]
name = "{n}"
record = "{n}_fepsp"
at = "4 h"
''')
for (f,d) in pts:
    dd=[x for x in data if x['frequency_hz']==f and x['delta_t_ms']==d][0]
    rr=[x for x in ref if x['frequency_hz']==f and x['delta_t_ms']==d][0]
    k=2 if f<1 else 1
    lo=100*(1+dd['change']-k*dd['sem']); hi=100*(1+dd['change']+k*dd['sem'])
    note=f"data {dd['change']*100:+.0f} +- {dd['sem']*100:.0f} % (mean +- SEM), bounds +- {k} SEM; published fit (analytic) {100*(rr['relative_change']-1):+.1f} %"
    if f<1: note += '; not within 1 SEM with the published set, see the header'
    L.append(f'''
[[expect]]
readout = "{nm(f,d)}"
min = {round(lo,2)}
max = {round(hi,2)}
source = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149 (data as in Graupner & Brunel 2012, Fig. 4)"
note = "{note}"
''')
open(out,'w').write(''.join(L))


# ---- sjostrom2001_random_gb2012.toml
N = 3000
out = os.path.join(EXPERIMENTS, "sjostrom2001_random_gb2012.toml")
data=json.load(open(os.path.join(DATA, 'sjostrom2001.json')))['random_firing']['points']
ref=json.load(open(os.path.join(DATA, 'graupner_brunel2012_reference.json')))['cortical_random_75_pairs']['points']
rates=[1,20,35,50]
rng=random.Random(2001)
def grid(t): return round(t*10)/10  # 0.1 ms grid
L=['''# Sjöström et al. 2001, random firing, with the Graupner & Brunel 2012
# calcium-based rule and its "cortical_slices" parameter set.
#
# For each rate f: 75 pre/post pairs, pair k at 1 s + k/f; the presynaptic
# spike is jittered by u and the postsynaptic one follows it after v, with u
# and v uniform in [-15, +15] ms (the random protocol as computed by the
# model's authors: Graupner, Wallisch & Ostojic 2016, code in
# github.com/mgraupe/CalciumBasedPlasticityModel, spikePairStochasticFrequency).
# One draw of the times (seeded, on the 0.1 ms grid) is written out below; each
# rate has its own pathway of %d synapses onto its own postsynaptic neuron.
# beta = 0.5 start DOWN, the rest UP. A test volley at 239 min updates the
# lazily updated efficacies; the change is read as fEPSP %% of the baseline.
#
# DEVIATION: the published set does not reproduce these data. It gives LTD
# only at 1 Hz; at 20, 35 and 50 Hz it predicts LTP (analytic, averaged over
# random pairs: %s;
# validation/data/graupner_brunel2012_reference.json) where the data show
# %s (validation/data/sjostrom2001.json).
# The 1 Hz point is held to the data (+- 1 SEM). At 20, 35 and 50 Hz the
# expectations check the model against its own analytic prediction (+-4 %%,
# relative; one draw of 75 random pairs, not the average over draws), not
# against the data.
# The protocol is not the cause: with independent Poisson trains at f, or with
# the regular experiments' schedule (5 pairs, 15 times every 10 s) and random
# timing, the set also predicts no LTD at 20 Hz (+5 to +33 %%) and strong LTP
# at 35 Hz (+40 to +52 %%) (validation/data/sjostrom2001_published_fits.json,
# cortical_slices_random_protocol_variants). No published fit reaches all four
# points: Deperrois & Graupner 2020 (presynaptic short-term depression, set
# visual_cortex_std) were fitted to the regular pairs only and also predict
# LTP at 20, 35 and 50 Hz (experiments/sjostrom2001_random_dg2020.toml);
# Graupner, Wallisch & Ostojic 2016 (set visual_cortex_flat) reach 1, 20 and
# 50 Hz but not 35 Hz (experiments/sjostrom2001_random_gwo2016.toml).
#
# engram's own fit of this model family to all 14 regular and random points
# (flat potential, no noise; tau_ca, c_pre, c_post, theta_p, gamma_d, gamma_p,
# delay, U, tau_rec and the rho-dependence of the jump free;
# validation/graupner_brunel/fit_sjostrom2001.py) found no set within one SEM
# of all of them either: at its best (chi2 14.9 over the 14 points) six
# regular points and the 20 Hz random point stay outside, by up to 1.74 SEM
# (50 Hz -10 ms: +42 %%, data +75 +- 19 %%)
# (validation/data/sjostrom2001_engram_fit.json).
''' % (N, ', '.join('%+.0f %%' % (100*(r['relative_change']-1)) for r in ref[1:]), ', '.join('%+.0f +- %.0f %%' % (100*d['change'], 100*d['sem']) for d in data[1:])),
'''
[meta]
title = "Sjöström et al. 2001: random firing (Graupner & Brunel 2012, cortical_slices)"
reproduces = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149 (random firing)"

[simulation]
duration = "4 h"
dt = "0.1 ms"
seed = 2001
fast_forward = true
''']
for f in rates:
    n=f'r{f}'
    P=1000.0/f
    pre=[]; post=[]
    for k in range(75):
        tp=1000.0+k*P+rng.uniform(-15,15)
        pre.append(grid(tp)); post.append(grid(tp+rng.uniform(-15,15)))
    pre=sorted(set(pre)); post=sorted(set(post))
    fmt=lambda xs: '[' + ', '.join('"%s ms"' % (('%.1f' % x).rstrip('0').rstrip('.')) for x in xs) + ']'
    L.append(f'''
[[population]]
name = "post_{n}"
size = 1
model = "lif_psc_exp"
params = {{ V_th = "1000 mV" }}

[[population]]
name = "fibres_{n}"
size = {N}
model = "spike_source"

[[projection]]
name = "{n}"
from = "fibres_{n}"
to = "post_{n}"
connect = {{ rule = "all_to_all" }}
weight = "1 pA"
plasticity = {{ model = "graupner_brunel", parameter_set = "cortical_slices" }}

[[stimulus]]
target = "fibres_{n}"
kind = "times"
times = {fmt(pre)}

[[stimulus]]
target = "post_{n}"
kind = "times"
times = {fmt(post)}

[[stimulus]]
target = "fibres_{n}"
kind = "times"
times = ["239 min"]

[[record]]
name = "{n}_fepsp"
kind = "fepsp"
projection = "{n}"
every = "60 min"

[[readout]]
name = "{n}"
record = "{n}_fepsp"
at = "4 h"
''')
d=data[0]; r=ref[0]
L.append(f'''
[[expect]]
readout = "r1"
min = {round(100*(1+d['change']-d['sem']),2)}
max = {round(100*(1+d['change']+d['sem']),2)}
source = "Sjöström, Turrigiano & Nelson 2001, Neuron 32:1149 (random firing at 1 Hz)"
note = "data {100*d['change']:+.0f} +- {100*d['sem']:.0f} % (mean +- SEM); published fit (analytic) {100*(r['relative_change']-1):+.1f} %"
''')
for r in ref[1:]:
    v=100*r['relative_change']; f=int(r['rate_hz'])
    dd=[x for x in data if x['rate_hz']==f][0]
    L.append(f'''
[[expect]]
readout = "r{f}"
min = {round(v*0.96,2)}
max = {round(v*1.04,2)}
source = "Graupner & Brunel 2012, PNAS 109:3991: the model's analytic prediction for random pairs (cortical_slices)"
note = "model-to-model: analytic {v:.1f} % +-4 %; NOT the data ({100*dd['change']:+.0f} +- {100*dd['sem']:.0f} %), which the published set does not reproduce"
''')
open(out,'w').write(''.join(L))

