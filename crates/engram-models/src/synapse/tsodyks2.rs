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
//! Defaults are NEST's (NEST initialises `u` to 0.5, the default `U`; here `u`
//! is a parameter of its own). Binomial quantal release (NEST's
//! `quantal_stp_synapse`) is not modelled.
//!
//! References: Tsodyks & Markram (1997) PNAS 94:719; Fuhrmann, Segev, Markram &
//! Tsodyks (2002) J Neurophysiol 87:140; Maass & Markram (2002) Neural Netw 15:155.

use engram_core::model::{PreSpike, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
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
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "U", dim: Dimensionless, default: 0.5, bound: Bound::Closed(0.0, 1.0), doc: "increment of u at each spike (baseline release probability)" },
    FieldSpec { name: "u", dim: Dimensionless, default: 0.5, bound: Bound::Closed(0.0, 1.0), doc: "initial u (release probability)" },
    FieldSpec { name: "x", dim: Dimensionless, default: 1.0, bound: Bound::Closed(0.0, 1.0), doc: "initial x (fraction of available resources)" },
    FieldSpec { name: "tau_rec", dim: Time, default: 800.0, bound: Bound::Positive, doc: "recovery time constant of x" },
    FieldSpec { name: "tau_fac", dim: Time, default: 0.0, bound: Bound::NonNegative, doc: "facilitation time constant of u (0: no facilitation)" },
];

const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "pA/nS", doc: "stored (base) weight; the transmitted amplitude is weight·u·x" },
    StateVar { name: "u", unit: "", doc: "release probability used by the last presynaptic spike" },
    StateVar { name: "x", unit: "", doc: "available resources used by the last presynaptic spike" },
];

const EQUATIONS: &str = "at presynaptic spike n > 1, h = t_n - t_{n-1}, in this order:
    x <- 1 + (x - u x - 1) exp(-h / tau_rec)
    u <- U + u (1 - U) exp(-h / tau_fac)        (exp term 0 if tau_fac = 0)
transmitted at every spike: weight u x (the first spike uses the initial u, x)
the stored weight stays constant";

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
        let x_decay = (-h_ms / p.tau_rec).exp();
        let u_decay = if p.tau_fac == 0.0 { 0.0 } else { (-h_ms / p.tau_fac).exp() };
        let x_new = 1.0 + (x - x * u - 1.0) * x_decay;
        let u_new = p.u_inc + u * (1.0 - p.u_inc) * u_decay;
        (u_new, x_new)
    }
}

impl SynapseModel for Tsodyks2 {
    type Params = Params;
    type Syn = Syn;

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
        Ok(Params { u_inc: v.get("U"), u0: v.get("u"), x0: v.get("x"), tau_rec: v.get("tau_rec"), tau_fac: v.get("tau_fac") })
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    fn init(p: &Params, _weight: f64) -> Result<Syn, CoreError> {
        Ok(Syn { u: p.u0, x: p.x0, t_last: None })
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Syn, _w: &mut f64, cx: &mut PreSpike<'_>) {
        if let Some(t_last) = syn.t_last {
            let h = (cx.stamp - t_last) as f64 * cx.dt_ms;
            (syn.u, syn.x) = Self::advance(p, syn.u, syn.x, h);
        }
        syn.t_last = Some(cx.stamp);
    }

    #[inline]
    fn transmitted(_: &Params, syn: &Syn, weight: f64) -> f64 {
        syn.x * syn.u * weight
    }

    const SYN_VARS: &'static [StateVar] = SYN_VARS;

    fn read(_: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        match var {
            0 => weight,
            1 => syn.u,
            _ => syn.x,
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
        Tsodyks2::on_pre(p, syn, w, &mut PreSpike { stamp, delay: 1, dt_ms: dt, post: &mut post });
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
}
