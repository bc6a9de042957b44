//! Pair-based STDP with the exact semantics of NEST's `stdp_synapse` family.
//!
//! Four pairing schemes share this file, each a catalogue entry:
//!
//! | name                   | NEST model                     | which pairs count |
//! |------------------------|--------------------------------|-------------------|
//! | `stdp_pair`            | `stdp_synapse`                 | all-to-all |
//! | `stdp_nn_symm`         | `stdp_nn_symm_synapse`         | each spike pairs with its nearest earlier partner |
//! | `stdp_nn_pre_centered` | `stdp_nn_pre_centered_synapse` | presynaptic-centred nearest neighbour |
//! | `stdp_nn_restr`        | `stdp_nn_restr_synapse`        | restricted symmetric nearest neighbour |
//!
//! ```text
//! traces:  K+ jumps by 1 at each pre spike, decays with tau_plus   (per presynaptic neuron)
//!          K- jumps by 1 at each post spike, decays with tau_minus (per postsynaptic neuron)
//! facilitation at a post spike t_post (dendritic delay d):
//!          w/Wmax += lambda (1 - w/Wmax)^mu_plus · K+(t_post + d),   capped at Wmax
//! depression at a pre spike t_pre:
//!          w/Wmax -= alpha·lambda (w/Wmax)^mu_minus · K-(t_pre - d), floored at 0
//! mu = 0: additive; mu = 1: multiplicative (weight-dependent); anything between: Gütig et al.
//! ```
//!
//! The update is lazy, as in NEST: when the presynaptic neuron fires at `t_pre`,
//! first every postsynaptic spike with `t_last_pre − d < t_post ≤ t_pre − d` is
//! applied as facilitation (oldest first), then depression uses `K-` from the
//! postsynaptic spikes *strictly before* `t_pre − d`, then the new weight is
//! transmitted and `K+` jumps. The weight is therefore updated only at
//! presynaptic spikes; a readout sees the weight as of the last one. The synaptic
//! delay counts as dendritic. `t_last_pre` starts at time 0, as in NEST.
//!
//! **Storage.** NEST keeps `K+` and `t_last_pre` in every synapse, but they
//! change only at presynaptic spikes, from the spike's stamp, so all synapses
//! of one presynaptic neuron hold the same values: engram keeps them once per
//! row ([`Row`], per projection and presynaptic neuron) and a synapse is its
//! f64 weight and u16 post index (10 bytes). Synapses read the row as it was
//! before the spike; the engine then advances it once ([`SynapseModel::on_pre_row`]),
//! with NEST's arithmetic, so the numbers are NEST's to the bit of engram's
//! own per-synapse implementation. The exception is `stdp_nn_pre_centered`,
//! whose `K+` is reset by the synapse's own facilitations: it keeps `K+` per
//! synapse ([`PreCenteredSyn`], 18 bytes) and only `t_last_pre` in the row.
//! The decay factors `exp(-k·dt/τ)` (k a whole number of steps) come from
//! tables filled by `derive` with the very expression the rule evaluates
//! otherwise ([`DecayTable`]): the same bits, without a library `exp` per
//! postsynaptic spike and synapse.
//!
//! | parameter | unit | default | meaning |
//! |-----------|------|---------|---------|
//! | tau_plus  | ms   | 20      | presynaptic trace time constant |
//! | tau_minus | ms   | 20      | postsynaptic trace time constant (in NEST a neuron parameter) |
//! | lambda    | 1    | 0.01    | learning rate (step size) |
//! | alpha     | 1    | 1       | depression/potentiation ratio |
//! | mu_plus   | 1    | 1       | weight dependence of potentiation |
//! | mu_minus  | 1    | 1       | weight dependence of depression |
//! | Wmax      | same as weight | 100 | maximum weight (same sign as the weight) |
//!
//! **Acetylcholine** (optional; Hasselmo 1999, 2006). A projection may bind a
//! modulator of its target's region (`modulator = "acetylcholine"`); with the
//! occupancy `occ = L/(L + K_ach)` of the level L sampled at every slow tick,
//! the transmitted weight is `w (1 − ach_suppression occ)` (the stored weight
//! is unchanged; muscarinic suppression of recurrent transmission) and the
//! learning rate in effect is `lambda (1 + ach_plasticity occ)`
//! (`ach_plasticity < 0` damps plasticity, `> 0` enhances it, as Hasselmo
//! 2006 reports for ACh). With the defaults (0) or no binding the rule is NEST's.
//! Scopolamine sets `ach_suppression = 0` and `ach_plasticity = 0`.
//!
//! | parameter       | unit | default | meaning |
//! |-----------------|------|---------|---------|
//! | ach_suppression | 1 | 0 | fraction of transmission removed at full occupancy |
//! | ach_plasticity  | 1 | 0 | relative change of lambda at full occupancy (−1 to 10) |
//! | K_ach           | 1 | 1 | modulator level at half occupancy |
//!
//! Defaults are NEST's. References: Bi & Poo (1998) J Neurosci 18:10464;
//! Song, Miller & Abbott (2000) Nat Neurosci 3:919; van Rossum, Bi & Turrigiano
//! (2000) J Neurosci 20:8812; Gütig et al. (2003) J Neurosci 23:3697; Rubin,
//! Lee & Sompolinsky (2001) PRL 86:364; Morrison, Diesmann & Gerstner (2008)
//! Biol Cybern 98:459 (pairing schemes).

use engram_core::decay::DecayTable;
use engram_core::model::{PreSpike, SynapseModel};
use engram_core::time::{Dt, Step};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues};
use engram_core::units::Dimension::{Dimensionless, Time, Weight};
use engram_core::CoreError;

/// Which spike pairs contribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    /// All pairs (NEST `stdp_synapse`).
    AllToAll,
    /// Nearest neighbour, symmetric (NEST `stdp_nn_symm_synapse`).
    NearestSymmetric,
    /// Nearest neighbour, presynaptic-centred (NEST `stdp_nn_pre_centered_synapse`).
    NearestPreCentered,
    /// Nearest neighbour, restricted symmetric (NEST `stdp_nn_restr_synapse`).
    NearestRestricted,
}

/// How a weight change depends on the weight: `x^mu` with the two common
/// exponents told apart once, when the parameters are built.
///
/// `powf(x, 1) == x` and `powf(x, 0) == 1` exactly in IEEE 754, so the
/// shortcuts give the same numbers without the cost of `pow` in the hot loop.
/// (A test of `mu == 1.0` next to `x.powf(mu)` does not help: the optimiser,
/// knowing the two arms agree, folds it back into an unconditional `pow`.)
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum WeightDependence {
    /// `mu = 0`: additive.
    Additive,
    /// `mu = 1`: multiplicative.
    Multiplicative,
    /// Any other `mu`: `x^mu` (Gütig et al. 2003).
    Power(f64),
}

impl WeightDependence {
    fn new(mu: f64) -> Self {
        if mu == 0.0 {
            Self::Additive
        } else if mu == 1.0 {
            Self::Multiplicative
        } else {
            Self::Power(mu)
        }
    }

    /// `x^mu`.
    #[inline]
    fn of(self, x: f64) -> f64 {
        match self {
            Self::Additive => 1.0,
            Self::Multiplicative => x,
            Self::Power(mu) => x.powf(mu),
        }
    }
}

/// Shared parameters of one projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Presynaptic trace time constant [ms].
    pub tau_plus: f64,
    /// Postsynaptic trace time constant [ms].
    pub tau_minus: f64,
    /// Learning rate.
    pub lambda: f64,
    /// Depression scale.
    pub alpha: f64,
    /// Potentiation weight dependence (`mu_plus`).
    pub plus_dependence: WeightDependence,
    /// Depression weight dependence (`mu_minus`).
    pub minus_dependence: WeightDependence,
    /// Maximum weight (weight units).
    pub w_max: f64,
    /// Fraction of transmission removed at full acetylcholine occupancy.
    pub ach_suppression: f64,
    /// Relative change of lambda at full occupancy.
    pub ach_plasticity: f64,
    /// Level at half occupancy.
    pub k_ach: f64,
    /// Transmission factor in effect (1 unless a bound modulator acts).
    pub gain: f64,
    /// `exp(-k·dt/tau_plus)` (filled by `derive`; one table when `tau_minus` is equal).
    pub plus_decay: DecayTable,
    /// `exp(-k·dt/tau_minus)`.
    pub minus_decay: DecayTable,
}

/// Presynaptic state, kept once per row (projection and presynaptic neuron).
///
/// NEST keeps `Kplus_` and `t_lastspike_` in every synapse, but both change
/// only at presynaptic spikes, from the spike's stamp: every synapse of a row
/// holds the same two numbers, so one copy per row is exact.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Row {
    /// All-to-all presynaptic trace just after the last presynaptic spike
    /// (read by `stdp_pair` only).
    pub k_plus: f64,
    /// Stamp of the last presynaptic spike (0 before the first, as in NEST).
    pub t_last: u64,
}

/// Per-synapse state of the presynaptic-centred scheme: its presynaptic trace
/// is reset by the synapse's own facilitations, so it cannot live in the row.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PreCenteredSyn {
    /// Presynaptic trace just after the last presynaptic spike.
    pub k_plus: f64,
}

/// The per-synapse state of each pairing scheme: nothing (`()`), except for
/// the presynaptic-centred scheme ([`PreCenteredSyn`]).
pub trait SchemeSyn: Copy + std::fmt::Debug + Default + Send + Sync + 'static {
    /// The synapse's own presynaptic trace.
    fn k_plus(&self) -> f64;
    /// Sets the synapse's own presynaptic trace.
    fn set_k_plus(&mut self, k: f64);
}

impl SchemeSyn for () {
    // Schemes with `()` read K+ from the row (all-to-all) or not at all.
    fn k_plus(&self) -> f64 {
        1.0
    }
    fn set_k_plus(&mut self, _: f64) {}
}

impl SchemeSyn for PreCenteredSyn {
    #[inline]
    fn k_plus(&self) -> f64 {
        self.k_plus
    }
    #[inline]
    fn set_k_plus(&mut self, k: f64) {
        self.k_plus = k;
    }
}

/// Picks each scheme's per-synapse state.
pub trait Scheme {
    /// Per-synapse state besides the weight.
    type Syn: SchemeSyn;
}
impl Scheme for StdpPair<0> {
    type Syn = ();
}
impl Scheme for StdpPair<1> {
    type Syn = ();
}
impl Scheme for StdpPair<2> {
    type Syn = PreCenteredSyn;
}
impl Scheme for StdpPair<3> {
    type Syn = ();
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "tau_plus", dim: Time, default: 20.0, bound: Bound::Positive, doc: "presynaptic trace time constant" },
    FieldSpec { name: "tau_minus", dim: Time, default: 20.0, bound: Bound::Positive, doc: "postsynaptic trace time constant" },
    FieldSpec { name: "lambda", dim: Dimensionless, default: 0.01, bound: Bound::NonNegative, doc: "learning rate" },
    FieldSpec { name: "alpha", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "depression / potentiation ratio" },
    FieldSpec { name: "mu_plus", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "weight dependence of potentiation (0 additive, 1 multiplicative)" },
    FieldSpec { name: "mu_minus", dim: Dimensionless, default: 1.0, bound: Bound::NonNegative, doc: "weight dependence of depression (0 additive, 1 multiplicative)" },
    FieldSpec { name: "Wmax", dim: Weight, default: 100.0, bound: Bound::Any, doc: "maximum weight (pA or nS, like the weight; same sign as the weight)" },
    FieldSpec { name: "ach_suppression", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "with a bound modulator (acetylcholine): fraction of transmission removed at full receptor occupancy (0 = none; scopolamine sets 0)" },
    FieldSpec { name: "ach_plasticity", dim: Dimensionless, default: 0.0, bound: Bound::Closed(-1.0, 10.0), doc: "with a bound modulator: relative change of lambda at full occupancy (< 0 damps, > 0 enhances; scopolamine sets 0)" },
    FieldSpec { name: "K_ach", dim: Dimensionless, default: 1.0, bound: Bound::Positive, doc: "modulator level at half receptor occupancy" },
];

const EQUATIONS: &str = "K+ += 1 at each pre spike, decays with tau_plus (per presynaptic neuron)
K- += 1 at each post spike, decays with tau_minus (per postsynaptic neuron)
post spike t_post (applied lazily at the next pre spike, delay d dendritic):
    w/Wmax += lambda (1 - w/Wmax)^mu_plus K+(t_post + d)        capped at Wmax
pre spike t_pre:
    w/Wmax -= alpha lambda (w/Wmax)^mu_minus K-(t_pre - d)     floored at 0
order at a pre spike: facilitate for post spikes in (t_last - d, t_pre - d],
    then depress with K- from post spikes strictly before t_pre - d, then transmit
bound modulator (modulator = \"acetylcholine\"), occ = L/(L + K_ach), L sampled at each slow tick:
    transmitted w (1 - ach_suppression occ);  lambda -> lambda (1 + ach_plasticity occ)";

const REFERENCES: &[&str] = &[
    "Bi GQ, Poo MM (1998) Synaptic modifications in cultured hippocampal neurons. J Neurosci 18:10464-10472",
    "Song S, Miller KD, Abbott LF (2000) Competitive Hebbian learning through spike-timing-dependent synaptic plasticity. Nat Neurosci 3:919-926. doi:10.1038/78829",
    "van Rossum MCW, Bi GQ, Turrigiano GG (2000) Stable Hebbian learning from spike timing-dependent plasticity. J Neurosci 20:8812-8821",
    "Guetig R, Aharonov R, Rotter S, Sompolinsky H (2003) Learning input correlations through nonlinear temporally asymmetric Hebbian plasticity. J Neurosci 23:3697-3714",
    "Morrison A, Diesmann M, Gerstner W (2008) Phenomenological models of synaptic plasticity based on spike timing. Biol Cybern 98:459-478. doi:10.1007/s00422-008-0233-1",
    "NEST stdp_synapse, stdp_nn_symm_synapse, stdp_nn_pre_centered_synapse, stdp_nn_restr_synapse (nest-simulator 3.10)",
];

/// Pair STDP with pairing scheme `P` (see [`Pairing`]); `P` is the scheme's index.
#[derive(Debug, Clone, Copy)]
pub struct StdpPair<const P: u8>;

/// All-to-all pairing (`stdp_pair`).
pub type StdpAllToAll = StdpPair<0>;
/// Symmetric nearest neighbour (`stdp_nn_symm`).
pub type StdpNearestSymmetric = StdpPair<1>;
/// Presynaptic-centred nearest neighbour (`stdp_nn_pre_centered`).
pub type StdpNearestPreCentered = StdpPair<2>;
/// Restricted symmetric nearest neighbour (`stdp_nn_restr`).
pub type StdpNearestRestricted = StdpPair<3>;

impl<const P: u8> StdpPair<P> {
    const PAIRING: Pairing = match P {
        0 => Pairing::AllToAll,
        1 => Pairing::NearestSymmetric,
        2 => Pairing::NearestPreCentered,
        _ => Pairing::NearestRestricted,
    };

    #[inline]
    fn facilitate(p: &Params, w: f64, k: f64) -> f64 {
        let norm = w / p.w_max + p.lambda * p.plus_dependence.of(1.0 - w / p.w_max) * k;
        if norm < 1.0 {
            norm * p.w_max
        } else {
            p.w_max
        }
    }

    #[inline]
    fn depress(p: &Params, w: f64, k: f64) -> f64 {
        let norm = w / p.w_max - p.alpha * p.lambda * p.minus_dependence.of(w / p.w_max) * k;
        if norm > 0.0 {
            norm * p.w_max
        } else {
            0.0
        }
    }
}

impl<const P: u8> SynapseModel for StdpPair<P>
where
    StdpPair<P>: Scheme,
{
    type Params = Params;
    type Syn = <Self as Scheme>::Syn;
    type Row = Row;

    const INFO: ModelInfo = ModelInfo {
        name: match P {
            0 => "stdp_pair",
            1 => "stdp_nn_symm",
            2 => "stdp_nn_pre_centered",
            _ => "stdp_nn_restr",
        },
        kind: ModelKind::Synapse,
        summary: match P {
            0 => "Pair-based STDP, all-to-all pairing, additive to multiplicative (exact NEST stdp_synapse semantics).",
            1 => "Pair-based STDP, symmetric nearest-neighbour pairing (exact NEST stdp_nn_symm_synapse semantics).",
            2 => "Pair-based STDP, presynaptic-centred nearest-neighbour pairing (exact NEST stdp_nn_pre_centered_synapse semantics).",
            _ => "Pair-based STDP, restricted symmetric nearest-neighbour pairing (exact NEST stdp_nn_restr_synapse semantics).",
        },
        equations: EQUATIONS,
        fields: FIELDS,
        state_vars: &[],
        references: REFERENCES,
    };

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let p = Params {
            tau_plus: v.get("tau_plus"),
            tau_minus: v.get("tau_minus"),
            lambda: v.get("lambda"),
            alpha: v.get("alpha"),
            plus_dependence: WeightDependence::new(v.get("mu_plus")),
            minus_dependence: WeightDependence::new(v.get("mu_minus")),
            w_max: v.get("Wmax"),
            ach_suppression: v.get("ach_suppression"),
            ach_plasticity: v.get("ach_plasticity"),
            k_ach: v.get("K_ach"),
            gain: 1.0,
            plus_decay: DecayTable::default(),
            minus_decay: DecayTable::default(),
        };
        if p.w_max == 0.0 {
            return Err(CoreError::Inconsistent("Wmax must not be 0".into()));
        }
        Ok(p)
    }

    fn derive(p: &mut Params, dt: Dt) {
        p.plus_decay = p.plus_decay.for_params(&p.minus_decay, p.tau_plus, dt.ms());
        p.minus_decay = p.minus_decay.for_params(&p.plus_decay, p.tau_minus, dt.ms());
    }

    fn params_heap_bytes(p: &Params) -> usize {
        p.plus_decay.heap_bytes() + if p.minus_decay.shares(&p.plus_decay) { 0 } else { p.minus_decay.heap_bytes() }
    }

    fn post_tau_ms(p: &Params) -> Option<f64> {
        Some(p.tau_minus)
    }

    #[inline]
    fn transmitted(p: &Params, _: &Self::Syn, weight: f64) -> f64 {
        // gain = 1 exactly unless a bound modulator acts, so results are NEST's.
        weight * p.gain
    }

    const LEVEL_MODULATOR: Option<&'static str> = Some("acetylcholine");

    fn at_level(p: &Params, level: f64) -> Params {
        if p.ach_suppression == 0.0 && p.ach_plasticity == 0.0 {
            return p.clone();
        }
        let l = level.max(0.0);
        let occ = l / (l + p.k_ach);
        Params { gain: 1.0 - p.ach_suppression * occ, lambda: p.lambda * (1.0 + p.ach_plasticity * occ), ..p.clone() }
    }

    fn init(p: &Params, weight: f64) -> Result<Self::Syn, CoreError> {
        if (weight >= 0.0) != (p.w_max >= 0.0) {
            return Err(CoreError::Inconsistent(format!(
                "weight ({weight}) and Wmax ({}) must have the same sign",
                p.w_max
            )));
        }
        Ok(Self::Syn::default())
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Self::Syn, w: &mut f64, cx: &mut PreSpike<'_, Row>) {
        let dt = cx.dt_ms;
        let t_pre = cx.stamp as i64;
        let d = cx.delay as i64;
        // The row's state before this spike (NEST's per-synapse Kplus_, t_lastspike_).
        let t_last = cx.row.t_last as i64;
        // The decay factors exp(-k dt/tau) come from the tables, the same bits as
        // the library call (see DecayTable).
        let (plus_decay, minus_table) = (p.plus_decay.view(dt, p.tau_plus), p.minus_decay.view(dt, p.tau_minus));
        let minus_decay = |steps: u64| minus_table.get(steps);
        let mut weight = *w;
        // Facilitation for post spikes in (t_last - d, t_pre - d].
        match Self::PAIRING {
            Pairing::AllToAll | Pairing::NearestSymmetric => {
                let k_plus = if Self::PAIRING == Pairing::AllToAll { cx.row.k_plus } else { 1.0 };
                cx.post.read(t_last - d, t_pre - d, |t_post| {
                    // K+ decayed from t_last to t_post + d (> t_last: the window's tie rule).
                    let steps = (t_post as i64 + d - t_last) as u64;
                    weight = Self::facilitate(p, weight, k_plus * plus_decay.get(steps));
                });
            }
            Pairing::NearestPreCentered | Pairing::NearestRestricted => {
                let mut first = None;
                cx.post.read(t_last - d, t_pre - d, |t_post| {
                    first.get_or_insert(t_post);
                });
                if let Some(t_post) = first {
                    let steps = (t_post as i64 + d - t_last) as u64;
                    let k_plus = if Self::PAIRING == Pairing::NearestPreCentered { syn.k_plus() } else { 1.0 };
                    weight = Self::facilitate(p, weight, k_plus * plus_decay.get(steps));
                    if Self::PAIRING == Pairing::NearestPreCentered {
                        syn.set_k_plus(0.0);
                    }
                }
            }
        }
        // Depression from the postsynaptic trace strictly before t_pre - d.
        weight = match Self::PAIRING {
            // From the table, or remembered per postsynaptic neuron (synapses from
            // several presynaptic neurons firing in one step read it at the same t).
            Pairing::AllToAll => {
                let table = |steps: u64| minus_table.lookup(steps);
                Self::depress(p, weight, cx.post.k_minus_quick(t_pre - d, table, minus_decay))
            }
            Pairing::NearestSymmetric | Pairing::NearestPreCentered => {
                Self::depress(p, weight, cx.post.nearest_k_minus(t_pre - d, minus_decay))
            }
            Pairing::NearestRestricted => {
                if cx.post.any_in(t_last - d, t_pre - d) {
                    Self::depress(p, weight, cx.post.nearest_k_minus(t_pre - d, minus_decay))
                } else {
                    weight
                }
            }
        };
        *w = weight;
        if Self::PAIRING == Pairing::NearestPreCentered {
            syn.set_k_plus(syn.k_plus() * plus_decay.get((t_pre - t_last) as u64) + 1.0);
        }
    }

    #[inline]
    fn on_pre_row(p: &Params, row: &mut Row, stamp: Step, dt_ms: f64) {
        // The same update NEST applies to every synapse's Kplus_ and t_lastspike_.
        if Self::PAIRING == Pairing::AllToAll {
            row.k_plus = row.k_plus * p.plus_decay.view(dt_ms, p.tau_plus).get(stamp - row.t_last) + 1.0;
        }
        row.t_last = stamp;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use engram_core::history::PostHistory;

    /// One presynaptic spike as the engine delivers it: the synapse sees the row
    /// before the spike, then the row advances.
    #[allow(clippy::too_many_arguments)]
    fn pre<const P: u8>(p: &Params, row: &mut Row, syn: &mut <StdpPair<P> as Scheme>::Syn, w: &mut f64, post: &mut PostHistory, stamp: Step, delay: Step, dt: f64)
    where
        StdpPair<P>: Scheme,
    {
        let before = *row;
        StdpPair::<P>::on_pre(p, syn, w, &mut PreSpike { stamp, delay, dt_ms: dt, post, row: &before });
        StdpPair::<P>::on_pre_row(p, row, stamp, dt);
    }

    fn params(mu: f64) -> Params {
        let v = StdpAllToAll::INFO
            .resolve([("mu_plus", mu), ("mu_minus", mu), ("lambda", 0.01), ("alpha", 1.0), ("Wmax", 100.0)])
            .unwrap();
        StdpAllToAll::params(&v).unwrap()
    }

    /// One pre-before-post pair then a second pre spike far later: the weight change
    /// equals the textbook window lambda·Wmax·exp(−Δt/τ+) for the additive rule.
    #[test]
    fn single_pair_matches_the_window() {
        let p = params(0.0);
        let dt = 0.1;
        let mut post = PostHistory::new(1);
        // All-to-all synapses keep nothing but their weight.
        let () = StdpAllToAll::init(&p, 50.0).unwrap();
        let mut syn = ();
        let mut row = Row::default();
        let mut w = 50.0;
        let delay = 10; // 1 ms
        let pre1 = 1000u64; // 100 ms
        pre::<0>(&p, &mut row, &mut syn, &mut w, &mut post, pre1, delay, dt);
        assert_eq!(w, 50.0);
        // The delay is dendritic: the synapse sees a post spike at t_post + d, so a
        // post spike at pre + 10 ms - d makes a pair with Δt = +10 ms.
        let t_post = pre1 + 100 - delay;
        post.record(t_post, delay, |s| (-(s as f64) * dt / p.tau_minus).exp());
        let pre2 = 100_000u64;
        pre::<0>(&p, &mut row, &mut syn, &mut w, &mut post, pre2, delay, dt);
        let expected_ltp = 100.0 * 0.01 * (-10.0f64 / 20.0).exp();
        let k_minus = (-((pre2 - delay - t_post) as f64) * dt / 20.0).exp();
        let expected = 50.0 + expected_ltp - 100.0 * 0.01 * k_minus;
        assert!((w - expected).abs() < 1e-12, "{w} vs {expected}");
    }

    /// Acetylcholine scales the transmitted weight and the learning rate by the
    /// occupancy; without it the parameters are untouched (NEST's rule).
    #[test]
    fn issue6_acetylcholine_damps_transmission_and_plasticity() {
        let v = StdpAllToAll::INFO.resolve([("ach_suppression", 0.8), ("ach_plasticity", -0.5), ("K_ach", 3.0)]).unwrap();
        let p = StdpAllToAll::params(&v).unwrap();
        assert_eq!(StdpAllToAll::transmitted(&p, &(), 7.0), 7.0);
        let q = StdpAllToAll::at_level(&p, 3.0);
        assert!((StdpAllToAll::transmitted(&q, &(), 10.0) - 6.0).abs() < 1e-12);
        assert!((q.lambda - p.lambda * 0.75).abs() < 1e-15);
        let off = params(0.0);
        assert_eq!(StdpAllToAll::at_level(&off, 100.0), off);
    }

    #[test]
    fn bounds_hold() {
        let mut p = params(0.0);
        p.lambda = 10.0;
        let dt = 0.1;
        let mut post = PostHistory::new(1);
        let (mut row, mut syn) = (Row::default(), ());
        let mut w = 50.0;
        for k in 1..50u64 {
            post.record(k * 100 + 5, 1, |s| (-(s as f64) * dt / 20.0).exp());
            pre::<0>(&p, &mut row, &mut syn, &mut w, &mut post, k * 100 + 50, 1, dt);
            assert!((0.0..=100.0).contains(&w));
        }
    }

    /// Random pre and post spike trains through one synapse per scheme, twice:
    /// with the derived decay tables and without (every factor from the library
    /// `exp`). The weights, the row and the synapse's own K+ agree bit for bit.
    fn tables_change_nothing<const P: u8>(tau_plus: f64, tau_minus: f64)
    where
        StdpPair<P>: Scheme,
    {
        let v = StdpAllToAll::INFO
            .resolve([("tau_plus", tau_plus), ("tau_minus", tau_minus), ("mu_plus", 0.4), ("lambda", 0.05), ("alpha", 1.1), ("Wmax", 100.0)])
            .unwrap();
        let plain = StdpPair::<P>::params(&v).unwrap();
        let dt = 0.1;
        let mut tabled = plain.clone();
        StdpPair::<P>::derive(&mut tabled, Dt::from_ms(dt).unwrap());
        assert!(!tabled.plus_decay.is_empty() && !tabled.minus_decay.is_empty());
        assert_eq!(tabled.plus_decay.shares(&tabled.minus_decay), tau_plus == tau_minus);
        let expected_bytes = if tau_plus == tau_minus { 8 * tabled.plus_decay.len() } else { 8 * (tabled.plus_decay.len() + tabled.minus_decay.len()) };
        assert_eq!(StdpPair::<P>::params_heap_bytes(&tabled), expected_bytes);
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut rand = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let delay = 15;
        let mut runs: Vec<_> = [&plain, &tabled].iter().map(|p| ((*p).clone(), PostHistory::new(1), Row::default(), <StdpPair<P> as Scheme>::Syn::default(), 50.0)).collect();
        let mut pre_spikes = 0;
        for stamp in 1..60_000u64 {
            // Post spikes at about 40 Hz, pre spikes at 30 Hz (some gaps past the tables).
            let post_spike = rand(250) == 0;
            let pre_spike = rand(333) == 0 || stamp == 59_999;
            for (p, post, row, syn, w) in runs.iter_mut() {
                if post_spike {
                    post.record(stamp, delay, |s| (-(s as f64) * dt / p.tau_minus).exp());
                }
                if pre_spike {
                    pre::<P>(p, row, syn, w, post, stamp, delay, dt);
                }
            }
            if pre_spike {
                pre_spikes += 1;
                let (a, b) = (&runs[0], &runs[1]);
                assert_eq!(a.4.to_bits(), b.4.to_bits(), "weight at {stamp}");
                assert_eq!(a.2.k_plus.to_bits(), b.2.k_plus.to_bits());
                assert_eq!(a.3.k_plus().to_bits(), b.3.k_plus().to_bits());
            }
        }
        let (w0, w1) = (runs[0].4, runs[1].4);
        assert!(pre_spikes > 100 && w0 != 50.0, "{pre_spikes} pre spikes, weight {w0} {w1}");
    }

    /// Issue 4: the decay tables give the numbers of the library `exp`, bit for
    /// bit, in every pairing scheme, with one shared table or two.
    #[test]
    fn issue4_decay_tables_change_no_bit() {
        tables_change_nothing::<0>(20.0, 20.0);
        tables_change_nothing::<0>(16.8, 33.7);
        tables_change_nothing::<1>(16.8, 33.7);
        tables_change_nothing::<2>(16.8, 33.7);
        tables_change_nothing::<3>(20.0, 20.0);
    }
}
