//! Tsodyks–Markram short-term plasticity (depression and facilitation) with the
//! exact semantics of NEST 3.10's `tsodyks2_synapse`.
//!
//! ```text
//! between presynaptic spikes (closed form over the interval h = t_n - t_{n-1}):
//!     x relaxes to 1 with tau_rec,  u relaxes to U with tau_fac (tau_fac = 0: at once)
//! at presynaptic spike n > 1, in this order:
//!     x_n = 1 + (x_{n-1} - u_{n-1} x_{n-1} - 1) exp(-h / tau_rec)     (uses the old u)
//!     u_n = U + u_{n-1} (1 - U) exp(-h / tau_fac)                      (0 if tau_fac = 0)
//! transmitted at spike n:  weight · u_n · x_n
//! the first spike transmits weight · u0 · x0 and changes nothing.
//! ```
//!
//! The stored weight (the `A_se` of the papers) never changes; only the
//! transmitted amplitude is scaled, so the model suits current- and
//! conductance-based targets alike. The readouts `u` and `x` are the values used
//! by the last presynaptic spike (NEST's `u` and `x` connection properties);
//! they do not relax between spikes. The delay plays no role.
//!
//! | parameter | unit | default | meaning |
//! |-----------|------|---------|---------|
//! | U         | 1    | 0.5     | increment of u at each spike (baseline release probability), in [0, 1] |
//! | u         | 1    | 0.5     | initial u (release probability), in [0, 1] |
//! | x         | 1    | 1       | initial x (fraction of available resources), in [0, 1] |
//! | tau_rec   | ms   | 800     | recovery time constant of x |
//! | tau_fac   | ms   | 0       | facilitation time constant of u (0: no facilitation) |
//!
//! | n_sites   | 1    | 0       | release sites for binomial quantal release (0: deterministic, as NEST's tsodyks2_synapse) |
//! | tau_pr    | ms   | 0       | relaxation of the persistent release probability `pr` back to U (0: never, `pr` is persistent) |
//!
//! Defaults are NEST's (NEST initialises `u` to 0.5, the default `U`; here `u`
//! is a parameter of its own).
//!
//! **Persistent release probability.** Each synapse carries `pr`, the baseline
//! release probability its u relaxes to and is incremented by (the `U` above).
//! It starts at `U` and stays there unless a slower mechanism moves it
//! (`Tsodyks2::scale_release_probability`, used by presynaptic long-term
//! plasticity such as endocannabinoid LTD); with `tau_pr > 0` it relaxes back
//! to `U` between spikes. While `pr == U` the arithmetic is NEST's, bit for bit.
//!
//! **Binomial quantal release** (`n_sites = N > 0`, after NEST's
//! `quantal_stp_synapse` and Fuhrmann et al. 2002): the synapse has N sites,
//! `a` of which hold a docked vesicle (all at first). At a spike after an
//! interval h, u is updated as above, each empty site refills with probability
//! 1 − exp(−h/tau_rec), and each docked vesicle is released with probability u;
//! the spike transmits weight · k / N for k released vesicles (so the mean
//! amplitude of a first spike is weight · u, as in the deterministic model;
//! NEST's quantal synapse transmits weight · k instead). Draws come from the
//! synapse's own keyed stream: results do not depend on the thread count.
//!
//! References: Tsodyks & Markram (1997) PNAS 94:719; Fuhrmann, Segev, Markram &
//! Tsodyks (2002) J Neurophysiol 87:140; Maass & Markram (2002) Neural Netw 15:155.

use engram_core::model::{PreSpike, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::rng::{Purpose, Stream};
use engram_core::units::Dimension::{Dimensionless, Time};
use engram_core::CoreError;

/// Shared parameters of one projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Increment of u per spike.
    pub u_inc: f64,
    /// Initial u.
    pub u0: f64,
    /// Initial x.
    pub x0: f64,
    /// Recovery time constant [ms].
    pub tau_rec: f64,
    /// Facilitation time constant [ms]; 0 disables facilitation.
    pub tau_fac: f64,
    /// Release sites for binomial release; 0: deterministic.
    pub n_sites: u32,
    /// Relaxation time constant of `pr` to U [ms]; 0: persistent.
    pub tau_pr: f64,
}

/// Per-synapse state.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Syn {
    /// Release probability used by the last spike.
    pub u: f64,
    /// Available resources used by the last spike.
    pub x: f64,
    /// Stamp of the last presynaptic spike; `None` before the first.
    pub t_last: Option<u64>,
    /// Persistent baseline release probability (U of this synapse).
    pub pr: f64,
    /// Docked vesicles (binomial release).
    pub docked: u32,
    /// Vesicles released by the last spike (binomial release).
    pub released: u32,
    /// Noise stream key and draws so far (binomial release).
    key: u64,
    draws: u64,
}

/// Parameters (also those of the models built on this synapse, e.g. `ecb_stdp`).
pub const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "U", dim: Dimensionless, default: 0.5, bound: Bound::Closed(0.0, 1.0), doc: "increment of u at each spike (baseline release probability)" },
    FieldSpec { name: "u", dim: Dimensionless, default: 0.5, bound: Bound::Closed(0.0, 1.0), doc: "initial u (release probability)" },
    FieldSpec { name: "x", dim: Dimensionless, default: 1.0, bound: Bound::Closed(0.0, 1.0), doc: "initial x (fraction of available resources)" },
    FieldSpec { name: "tau_rec", dim: Time, default: 800.0, bound: Bound::Positive, doc: "recovery time constant of x" },
    FieldSpec { name: "tau_fac", dim: Time, default: 0.0, bound: Bound::NonNegative, doc: "facilitation time constant of u (0: no facilitation)" },
    FieldSpec { name: "n_sites", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 10000.0), doc: "release sites for binomial quantal release, a whole number (0: deterministic)" },
    FieldSpec { name: "tau_pr", dim: Time, default: 0.0, bound: Bound::NonNegative, doc: "relaxation of the persistent release probability pr back to U (0: pr is persistent)" },
];

/// Recordable variables; the first is the weight.
pub const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "pA/nS", doc: "stored (base) weight; the transmitted amplitude is weight·u·x" },
    StateVar { name: "u", unit: "", doc: "release probability used by the last presynaptic spike" },
    StateVar { name: "x", unit: "", doc: "available resources used by the last presynaptic spike" },
    StateVar { name: "pr", unit: "", doc: "persistent baseline release probability of the synapse" },
    StateVar { name: "released", unit: "", doc: "vesicles released by the last spike (binomial release)" },
];

const EQUATIONS: &str = "at presynaptic spike n > 1, h = t_n - t_{n-1}, in this order:
    x <- 1 + (x - u x - 1) exp(-h / tau_rec)
    u <- U + u (1 - U) exp(-h / tau_fac)        (exp term 0 if tau_fac = 0)
transmitted at every spike: weight u x (the first spike uses the initial u, x)
the stored weight stays constant
U above is the synapse's persistent release probability pr (= U unless moved by a
slower mechanism; relaxes to U with tau_pr if tau_pr > 0)
binomial (n_sites = N): u as above; each empty site refills with prob 1 - exp(-h/tau_rec);
    k ~ Binomial(docked, u) vesicles released; transmitted weight k / N";

const REFERENCES: &[&str] = &[
    "Tsodyks MV, Markram H (1997) The neural code between neocortical pyramidal neurons depends on neurotransmitter release probability. PNAS 94:719-723. doi:10.1073/pnas.94.2.719",
    "Fuhrmann G, Segev I, Markram H, Tsodyks M (2002) Coding of temporal information by activity-dependent synapses. J Neurophysiol 87:140-148. doi:10.1152/jn.00258.2001",
    "Maass W, Markram H (2002) Synapses as dynamic memory buffers. Neural Netw 15:155-161. doi:10.1016/S0893-6080(01)00144-7",
    "NEST tsodyks2_synapse (nest-simulator 3.10)",
];

/// Tsodyks–Markram short-term plasticity (`tsodyks2`).
#[derive(Debug, Clone, Copy)]
pub struct Tsodyks2;

impl Tsodyks2 {
    /// Advances (u, x) of the previous spike to a spike `h_ms` later (closed form).
    #[inline]
    pub fn advance(p: &Params, u: f64, x: f64, h_ms: f64) -> (f64, f64) {
        Self::advance_with(p, p.u_inc, u, x, h_ms)
    }

    /// As [`Tsodyks2::advance`] with the baseline release probability `pr` in place of U.
    #[inline]
    fn advance_with(p: &Params, pr: f64, u: f64, x: f64, h_ms: f64) -> (f64, f64) {
        let x_decay = (-h_ms / p.tau_rec).exp();
        let u_decay = if p.tau_fac == 0.0 { 0.0 } else { (-h_ms / p.tau_fac).exp() };
        let x_new = 1.0 + (x - x * u - 1.0) * x_decay;
        let u_new = pr + u * (1.0 - pr) * u_decay;
        (u_new, x_new)
    }

    /// Multiplies the synapse's persistent release probability by `factor`
    /// (clamped to [0, 1]): the hook for presynaptic long-term plasticity.
    pub fn scale_release_probability(syn: &mut Syn, factor: f64) {
        syn.pr = (syn.pr * factor).clamp(0.0, 1.0);
    }

    fn uniform(syn: &mut Syn) -> f64 {
        let x = Stream::new(syn.key, Purpose::Noise, 0).uniform(syn.draws);
        syn.draws += 1;
        x
    }

    /// Binomial release at a spike `h_ms` after the previous one (None: the first spike).
    fn quantal(p: &Params, syn: &mut Syn, h_ms: Option<f64>) {
        if let Some(h) = h_ms {
            let refill = 1.0 - (-h / p.tau_rec).exp();
            for _ in syn.docked..p.n_sites {
                if Self::uniform(syn) < refill {
                    syn.docked += 1;
                }
            }
        }
        let mut k = 0;
        for _ in 0..syn.docked {
            if Self::uniform(syn) < syn.u {
                k += 1;
            }
        }
        syn.docked -= k;
        syn.released = k;
    }
}

impl SynapseModel for Tsodyks2 {
    type Params = Params;
    type Syn = Syn;
    type Row = ();
    const WEIGHT_FIXED: bool = true;

    const INFO: ModelInfo = ModelInfo {
        name: "tsodyks2",
        kind: ModelKind::Synapse,
        summary: "Tsodyks-Markram short-term depression and facilitation; transmits weight·u·x (exact NEST tsodyks2_synapse semantics).",
        equations: EQUATIONS,
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: REFERENCES,
    };

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let n = v.get("n_sites");
        if n.fract() != 0.0 {
            return Err(CoreError::Inconsistent(format!("n_sites must be a whole number (got {n})")));
        }
        Ok(Params {
            u_inc: v.get("U"),
            u0: v.get("u"),
            x0: v.get("x"),
            tau_rec: v.get("tau_rec"),
            tau_fac: v.get("tau_fac"),
            n_sites: n as u32,
            tau_pr: v.get("tau_pr"),
        })
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    fn init(p: &Params, _weight: f64) -> Result<Syn, CoreError> {
        Ok(Syn { u: p.u0, x: p.x0, t_last: None, pr: p.u_inc, docked: p.n_sites, released: 0, key: 0, draws: 0 })
    }

    fn set_noise_key(syn: &mut Syn, key: u64) {
        syn.key = key;
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Syn, _w: &mut f64, cx: &mut PreSpike<'_>) {
        let h = syn.t_last.map(|t_last| (cx.stamp - t_last) as f64 * cx.dt_ms);
        if let Some(h) = h {
            if p.tau_pr > 0.0 && syn.pr != p.u_inc {
                syn.pr = p.u_inc + (syn.pr - p.u_inc) * (-h / p.tau_pr).exp();
            }
            (syn.u, syn.x) = Self::advance_with(p, syn.pr, syn.u, syn.x, h);
        }
        if p.n_sites > 0 {
            Self::quantal(p, syn, h);
        }
        syn.t_last = Some(cx.stamp);
    }

    #[inline]
    fn transmitted(p: &Params, syn: &Syn, weight: f64) -> f64 {
        if p.n_sites > 0 {
            weight * syn.released as f64 / p.n_sites as f64
        } else {
            syn.x * syn.u * weight
        }
    }

    const SYN_VARS: &'static [StateVar] = SYN_VARS;

    fn read(_: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        match var {
            0 => weight,
            1 => syn.u,
            2 => syn.x,
            3 => syn.pr,
            _ => syn.released as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engram_core::history::PostHistory;

    fn params(pairs: &[(&str, f64)]) -> Params {
        Tsodyks2::params(&Tsodyks2::INFO.resolve(pairs.iter().copied()).unwrap()).unwrap()
    }

    fn spike(p: &Params, syn: &mut Syn, w: &mut f64, stamp: u64, dt: f64) -> f64 {
        let mut post = PostHistory::default();
        Tsodyks2::on_pre(p, syn, w, &mut PreSpike { stamp, delay: 1, dt_ms: dt, post: &mut post, row: &() });
        Tsodyks2::transmitted(p, syn, *w)
    }

    /// With U = 1 and no facilitation, x is 0 right after a spike and recovers as
    /// 1 - exp(-h/tau_rec): the closed form of dx/dt = (1 - x)/tau_rec.
    #[test]
    fn recovery_is_the_closed_form() {
        let p = params(&[("U", 1.0), ("u", 1.0), ("tau_rec", 250.0), ("tau_fac", 0.0)]);
        let dt = 0.1;
        let mut syn = Tsodyks2::init(&p, 2.0).unwrap();
        let mut w = 2.0;
        assert_eq!(spike(&p, &mut syn, &mut w, 10, dt), 2.0);
        for (k, h_steps) in [1u64, 37, 2500, 10_000].into_iter().enumerate() {
            let t = syn.t_last.unwrap() + h_steps;
            let amp = spike(&p, &mut syn, &mut w, t, dt);
            let want = 2.0 * (1.0 - (-(h_steps as f64) * dt / 250.0).exp());
            assert!((amp - want).abs() < 1e-14, "interval {k}: {amp} vs {want}");
            assert_eq!(w, 2.0, "the stored weight never changes");
        }
        // Recovery composes: two half intervals from the same start equal one whole
        // interval, because x(t) - 1 decays exponentially.
        let x = 0.2;
        let q = params(&[("U", 0.0), ("tau_rec", 100.0)]);
        let (_, x1) = Tsodyks2::advance(&q, 0.0, x, 40.0);
        let (_, x2) = Tsodyks2::advance(&q, 0.0, x1, 60.0);
        let (_, x3) = Tsodyks2::advance(&q, 0.0, x, 100.0);
        assert!((x2 - x3).abs() < 1e-15);
    }

    /// Facilitation: u relaxes to U with tau_fac; a spike adds U (1 - u).
    #[test]
    fn facilitation_matches_hand_computation() {
        let p = params(&[("U", 0.1), ("u", 0.1), ("tau_rec", 100.0), ("tau_fac", 1000.0)]);
        let (u, x) = Tsodyks2::advance(&p, 0.1, 1.0, 50.0);
        let want_u = 0.1 + 0.1 * 0.9 * (-0.05f64).exp();
        let want_x = 1.0 - 0.1 * (-0.5f64).exp();
        assert!((u - want_u).abs() < 1e-15 && (x - want_x).abs() < 1e-15);
    }

    /// Steady state of a regular train without facilitation: x_ss = (1 - E) / (1 - (1 - U) E),
    /// E = exp(-T/tau_rec); the ratio of the steady amplitude to the first is x_ss.
    /// Tsodyks & Markram 1997: 0.114 at 20 Hz for U = 0.5, tau_rec = 800 ms.
    #[test]
    fn issue5_steady_state_ratio_is_the_closed_form() {
        let p = params(&[("U", 0.5), ("u", 0.5), ("tau_rec", 800.0)]);
        let dt = 0.1;
        for rate_hz in [5.0, 10.0, 20.0, 40.0] {
            let steps = (1000.0 / rate_hz / dt) as u64;
            let mut syn = Tsodyks2::init(&p, 1.0).unwrap();
            let mut w = 1.0;
            let first = spike(&p, &mut syn, &mut w, 1, dt);
            let mut last = first;
            for n in 1..200u64 {
                last = spike(&p, &mut syn, &mut w, 1 + n * steps, dt);
            }
            let e = (-(steps as f64) * dt / 800.0).exp();
            let want = (1.0 - e) / (1.0 - 0.5 * e);
            assert!((last / first - want).abs() < 1e-12, "{rate_hz} Hz: {} vs {want}", last / first);
            if rate_hz == 20.0 {
                assert!((want - 0.114).abs() < 5e-4, "20 Hz closed form {want}");
            }
        }
    }

    /// Binomial release: a first spike releases Binomial(N, u) vesicles, and over many
    /// synapses the mean amplitude of every spike of a train approaches the
    /// deterministic model's weight·u·x (the sites refill on tau_rec).
    #[test]
    fn issue5_binomial_release_has_the_deterministic_mean() {
        let det = params(&[("U", 0.4), ("u", 0.4), ("tau_rec", 300.0)]);
        let bin = params(&[("U", 0.4), ("u", 0.4), ("tau_rec", 300.0), ("n_sites", 10.0)]);
        let dt = 0.1;
        let n_syn = 4000;
        let spikes = 8;
        let steps = 500u64; // 20 Hz
        let mut mean = vec![0.0; spikes];
        let mut first_counts = [0usize; 11];
        for i in 0..n_syn {
            let mut syn = Tsodyks2::init(&bin, 1.0).unwrap();
            Tsodyks2::set_noise_key(&mut syn, 0x5eed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let mut w = 1.0;
            for k in 0..spikes {
                let a = spike(&bin, &mut syn, &mut w, 1 + k as u64 * steps, dt);
                assert!((0.0..=1.0).contains(&a));
                if k == 0 {
                    first_counts[syn.released as usize] += 1;
                }
                mean[k] += a / n_syn as f64;
            }
        }
        let mut syn = Tsodyks2::init(&det, 1.0).unwrap();
        let mut w = 1.0;
        for (k, m) in mean.iter().enumerate() {
            let want = spike(&det, &mut syn, &mut w, 1 + k as u64 * steps, dt);
            // Standard error of a mean of 4000 amplitudes k/10 is below 0.0025.
            assert!((m - want).abs() < 0.01, "spike {k}: mean {m} vs deterministic {want}");
        }
        // First spike: Binomial(10, 0.4) probability of 4 releases is 0.2508.
        let p4 = first_counts[4] as f64 / n_syn as f64;
        assert!((p4 - 0.2508).abs() < 0.03, "P(k = 4) = {p4}");
    }

    /// The persistent release probability: unchanged by spikes, used as U, moved only
    /// by the slow hook, and relaxing back to U only when tau_pr > 0.
    #[test]
    fn issue5_release_probability_is_persistent() {
        let p = params(&[("U", 0.5), ("u", 0.5), ("tau_rec", 100.0)]);
        let dt = 0.1;
        let mut syn = Tsodyks2::init(&p, 1.0).unwrap();
        let mut w = 1.0;
        spike(&p, &mut syn, &mut w, 1, dt);
        Tsodyks2::scale_release_probability(&mut syn, 0.5);
        assert_eq!(syn.pr, 0.25);
        // After a long pause the next spike releases with u = pr (depression recovered).
        let a = spike(&p, &mut syn, &mut w, 1 + 10_000_000, dt);
        assert!((a - 0.25).abs() < 1e-12, "amplitude {a}");
        assert_eq!(syn.pr, 0.25, "pr persists");
        // With tau_pr it relaxes back to U: pr = U + (pr0 - U) exp(-h / tau_pr).
        let q = params(&[("U", 0.5), ("u", 0.5), ("tau_rec", 100.0), ("tau_pr", 1000.0)]);
        let mut syn = Tsodyks2::init(&q, 1.0).unwrap();
        spike(&q, &mut syn, &mut w, 1, dt);
        Tsodyks2::scale_release_probability(&mut syn, 0.5);
        spike(&q, &mut syn, &mut w, 1 + 10_000, dt); // 1000 ms later
        let want = 0.5 - 0.25 * (-1.0f64).exp();
        assert!((syn.pr - want).abs() < 1e-12, "pr {} vs {want}", syn.pr);
    }
}
