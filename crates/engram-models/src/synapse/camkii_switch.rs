//! `camkii_switch`: a stochastic CaMKII/PP1 bistable switch made of a finite
//! number of holoenzymes, simulated exactly (Miller, Zhabotinsky, Lisman & Wang
//! 2005; deterministic kinetics of Zhabotinsky 2000).
//!
//! Each synapse holds `n_holo` CaMKII holoenzymes. A holoenzyme is two rings of
//! six subunits (12 subunits); each subunit is phosphorylated (T286) or not,
//! and the exact configuration of every ring is kept (a 6-bit mask per ring, up
//! to rotation). With `f(Ca)` the fraction of Ca²⁺/calmodulin-activated
//! subunits and `S` the number of phosphorylated subunits of the synapse:
//!
//! ```text
//! Ca(t)   = ca + sum over spikes of ca_pre (pre) or ca_post (post) · exp(-(t - t_spike)/tau_ca)
//! f(Ca)   = Ca^n_H / (K_H1^n_H + Ca^n_H)
//! initiation:  an unphosphorylated subunit whose neighbour (one direction
//!              around the ring) is unphosphorylated          rate k1 f²
//!              (two Ca/CaM needed: one on the substrate, one on the kinase)
//! spreading:   an unphosphorylated subunit whose neighbour is phosphorylated
//!                                                             rate k1 f
//! PP1:         each phosphorylated subunit                   rate k2 E / (K_M + S/V)
//!              (Michaelis–Menten, saturated when S/V ≫ K_M: the source of bistability)
//! turnover:    each holoenzyme with a phosphorylated subunit is replaced by an
//!              unphosphorylated one                          rate 1/tau_turnover
//! volume:      V = n_holo / camkii   (molecules per µM; the holoenzyme
//!              concentration is fixed, so the volume grows with n_holo)
//! E = pp1 (free PP1, µM);  S/V = phosphorylated subunits as a concentration (µM)
//! phosphorylated fraction  phi = S / (12 n_holo)
//! label:       UP once phi >= theta_up, DOWN once phi <= theta_down (hysteresis)
//! efficacy:    w = w0 (1 + (b - 1) phi)   (w0: the projection's weight)
//! ```
//!
//! The reactions are simulated exactly with Gillespie's direct method: with
//! calcium at its level `ca` (piecewise constant; an `[[intervention]]` raises
//! it for a pulse) all propensities are constant between reactions. While
//! spike-evoked calcium decays, the propensities fall, and the candidate
//! reaction times are drawn at their value at the last draw, a bound, and
//! accepted with probability propensity/bound (thinning), which is also exact.
//! A spike redraws from its own time. The time of
//! the next reaction is stored in the synapse, so the trajectory does not depend
//! on how often the synapse is brought up to date: the SSA runs lazily, only
//! when the engine asks for the synapse's present state (slow clock ticks,
//! presynaptic spikes), and the fast-forward of quiet stretches jumps over
//! months in a few calls. When a parameter changes, the next reaction time is
//! redrawn from the time of the last update (exact by memorylessness when the
//! change falls on a slow-clock tick; keep intervention boundaries multiples of
//! `slow_dt`). Every draw comes from the synapse's own keyed Philox stream, one
//! block per reaction, so results do not depend on the thread count.
//!
//! Reduction and deviations from Miller et al. (2005), all deliberate:
//! - PP1 activity is a constant (`pp1`): the calcineurin/inhibitor-1 pathway that
//!   makes PP1 calcium-dependent in Miller et al. is left out, and PP1 is a
//!   concentration rather than a whole number of molecules.
//! - calcium is the spine concentration `ca`, set by the protocol (rest, or a
//!   pulse by intervention), plus optional exponentially decaying jumps per
//!   presynaptic and postsynaptic spike (`ca_pre`, `ca_post`, `tau_ca`; off by
//!   default, not calibrated against data).
//! - the defaults are this implementation's calibration, chosen so that the
//!   published behaviour holds (bistable at resting calcium; a 2 s pulse of
//!   2 µM switches 16 holoenzymes UP; 8 holoenzymes switch spontaneously on a
//!   time scale of weeks; UP lifetime exponential in `n_holo`). The rate
//!   structure (f² for initiation, f for spreading, saturable PP1, turnover of
//!   one holoenzyme per 30 h) follows the papers; K_H1 = 0.7 µM, n_H = 3 and the
//!   resting 0.1 µM calcium are of the order of theirs, while k1, k2, pp1, K_M
//!   and camkii were chosen here (calibration table and measured lifetimes in
//!   docs/models/camkii_switch.md).
//!
//! | parameter    | unit | default | meaning |
//! |--------------|------|---------|---------|
//! | n_holo       | 1    | 16      | holoenzymes per synapse (whole number, 1–32) |
//! | ca           | µM   | 0.1     | spine calcium (resting level; raise it for a pulse) |
//! | ca_pre       | µM   | 0       | calcium jump per presynaptic spike |
//! | ca_post      | µM   | 0       | calcium jump per postsynaptic spike |
//! | tau_ca       | ms   | 20      | decay time constant of spike-evoked calcium |
//! | k1           | Hz   | 2       | autophosphorylation rate per Ca/CaM-activated subunit |
//! | K_H1         | µM   | 0.7     | calcium for half activation of calmodulin |
//! | n_H          | 1    | 3       | Hill coefficient of calmodulin activation |
//! | k2           | Hz   | 0.065   | PP1 catalytic rate |
//! | pp1          | µM   | 0.1     | free PP1 concentration |
//! | K_M          | µM   | 1       | PP1 Michaelis constant |
//! | camkii       | µM   | 1       | holoenzyme concentration (sets the volume) |
//! | tau_turnover | ms   | 30 h    | mean lifetime of a holoenzyme (turnover) |
//! | theta_up     | 1    | 0.5     | phosphorylated fraction above which the label is UP |
//! | theta_down   | 1    | 0.2     | fraction below which the label is DOWN |
//! | b            | 1    | 2       | efficacy at full phosphorylation over the efficacy at none |
//! | up_init      | 1    | 0       | fraction of synapses that start fully phosphorylated (UP) |
//!
//! References: Miller P, Zhabotinsky AM, Lisman JE, Wang X-J (2005) PLoS Biol
//! 3:e107, doi:10.1371/journal.pbio.0030107; Zhabotinsky AM (2000) Biophys J
//! 79:2211-2221; Lisman JE, Zhabotinsky AM (2001) Neuron 31:191-201; Gillespie DT
//! (1977) J Phys Chem 81:2340-2361.

use engram_core::model::{PostSpike, PreSpike, SlowTick, SynapseModel};
use engram_core::params::{Bound, FieldSpec, ModelInfo, ModelKind, ParamValues, StateVar};
use engram_core::rng::{Purpose, Stream};
use engram_core::units::Dimension::{Concentration, Dimensionless, Frequency, Time};
use engram_core::CoreError;

/// The model type.
#[derive(Debug, Clone, Copy)]
pub struct CamkiiSwitch;

/// Most holoenzymes per synapse (the state is a fixed array, no heap).
pub const MAX_HOLO: usize = 32;
/// Subunits per ring.
const RING: u32 = 6;
/// Subunits per holoenzyme (two rings).
const SUBUNITS: u32 = 2 * RING;
const RING_MASK: u16 = (1 << RING) - 1;

/// Shared parameters of one projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Holoenzymes per synapse.
    pub n_holo: usize,
    /// Calcium [µM].
    pub ca: f64,
    /// Calcium jump per presynaptic spike [µM].
    pub ca_pre: f64,
    /// Calcium jump per postsynaptic spike [µM].
    pub ca_post: f64,
    /// Decay time constant of spike-evoked calcium [ms].
    pub tau_ca: f64,
    /// Autophosphorylation rate [1/ms].
    pub k1: f64,
    /// Spreading rate per site, k1 f(ca) [1/ms].
    pub spread: f64,
    /// Initiation rate per site, k1 f(ca)² [1/ms].
    pub init: f64,
    /// Calmodulin half activation [µM].
    pub k_h1: f64,
    /// Hill coefficient.
    pub n_h: f64,
    /// PP1 catalytic rate [1/ms].
    pub k2: f64,
    /// PP1 in molecules of the synapse's volume (pp1 · V).
    pub pp1_n: f64,
    /// Michaelis constant in molecules (K_M · V).
    pub km_n: f64,
    /// Turnover rate per holoenzyme [1/ms].
    pub turnover: f64,
    /// UP label threshold on the phosphorylated fraction.
    pub theta_up: f64,
    /// DOWN label threshold.
    pub theta_down: f64,
    /// Efficacy ratio full / none.
    pub b: f64,
    /// Fraction of synapses starting UP.
    pub up_init: f64,
}

/// Per-synapse state: the exact ring configurations and the SSA clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Syn {
    /// Phosphorylation masks, one per holoenzyme (bits 0–5: ring A, 6–11: ring B).
    holo: [u16; MAX_HOLO],
    /// Phosphorylated subunits.
    s_p: u32,
    /// Unphosphorylated subunits with a phosphorylated neighbour (spreading sites).
    n_adj: u32,
    /// Unphosphorylated subunits with an unphosphorylated neighbour (initiation sites).
    n_iso: u32,
    /// Holoenzymes with at least one phosphorylated subunit.
    n_holo_p: u32,
    /// Time up to which the SSA has run [ms].
    t: f64,
    /// Time of the next reaction [ms].
    t_next: f64,
    /// Time of the last reaction [ms].
    t_last: f64,
    /// Total propensity (or, with a calcium transient, its bound) with which
    /// `t_next` was drawn [1/ms] (NaN: none drawn), and when it was drawn [ms].
    a_drawn: f64,
    t_draw: f64,
    /// Spike-evoked calcium [µM] at time `t_tr` [ms]; decays with tau_ca.
    ca_tr: f64,
    t_tr: f64,
    /// Efficacy at phi = 0.
    w0: f64,
    /// The synapse's noise stream and blocks drawn so far.
    stream: Stream,
    draws: u64,
    /// Current label (true: UP).
    up: bool,
    /// Label transitions DOWN→UP and UP→DOWN.
    n_up: u32,
    n_down: u32,
    /// Time of the first UP→DOWN transition [ms] (infinity: none yet).
    t_first_down: f64,
}

impl Syn {
    /// Time of the last reaction [ms] (0 if none).
    pub fn t_last_reaction(&self) -> f64 {
        self.t_last
    }
}

impl Default for Syn {
    fn default() -> Self {
        Syn {
            holo: [0; MAX_HOLO],
            s_p: 0,
            n_adj: 0,
            n_iso: 0,
            n_holo_p: 0,
            t: 0.0,
            t_next: f64::INFINITY,
            t_last: 0.0,
            a_drawn: f64::NAN,
            t_draw: 0.0,
            ca_tr: 0.0,
            t_tr: 0.0,
            w0: 0.0,
            stream: Stream::new(0, Purpose::Noise, 0),
            draws: 0,
            up: false,
            n_up: 0,
            n_down: 0,
            t_first_down: f64::INFINITY,
        }
    }
}

const FIELDS: &[FieldSpec] = &[
    FieldSpec { name: "n_holo", dim: Dimensionless, default: 16.0, bound: Bound::Closed(1.0, MAX_HOLO as f64), doc: "CaMKII holoenzymes per synapse (whole number)" },
    FieldSpec { name: "ca", dim: Concentration, default: 0.1, bound: Bound::NonNegative, doc: "spine calcium concentration (resting level; an intervention raises it for a pulse)" },
    FieldSpec { name: "ca_pre", dim: Concentration, default: 0.0, bound: Bound::NonNegative, doc: "calcium jump per presynaptic spike (0: spikes add no calcium)" },
    FieldSpec { name: "ca_post", dim: Concentration, default: 0.0, bound: Bound::NonNegative, doc: "calcium jump per postsynaptic spike" },
    FieldSpec { name: "tau_ca", dim: Time, default: 20.0, bound: Bound::Positive, doc: "decay time constant of spike-evoked calcium" },
    FieldSpec { name: "k1", dim: Frequency, default: 2.0, bound: Bound::NonNegative, doc: "autophosphorylation rate per Ca/CaM-activated subunit (0: kinase blocked)" },
    FieldSpec { name: "K_H1", dim: Concentration, default: 0.7, bound: Bound::Positive, doc: "calcium for half activation of calmodulin" },
    FieldSpec { name: "n_H", dim: Dimensionless, default: 3.0, bound: Bound::Positive, doc: "Hill coefficient of calmodulin activation" },
    FieldSpec { name: "k2", dim: Frequency, default: 0.065, bound: Bound::NonNegative, doc: "PP1 catalytic rate (0: phosphatase blocked)" },
    FieldSpec { name: "pp1", dim: Concentration, default: 0.1, bound: Bound::NonNegative, doc: "free PP1 concentration" },
    FieldSpec { name: "K_M", dim: Concentration, default: 1.0, bound: Bound::Positive, doc: "PP1 Michaelis constant" },
    FieldSpec { name: "camkii", dim: Concentration, default: 1.0, bound: Bound::Positive, doc: "holoenzyme concentration; the volume is n_holo / camkii" },
    FieldSpec { name: "tau_turnover", dim: Time, default: 108_000_000.0, bound: Bound::Positive, doc: "mean lifetime of a holoenzyme before replacement (30 h)" },
    FieldSpec { name: "theta_up", dim: Dimensionless, default: 0.5, bound: Bound::Closed(0.0, 1.0), doc: "phosphorylated fraction at or above which the label is UP" },
    FieldSpec { name: "theta_down", dim: Dimensionless, default: 0.2, bound: Bound::Closed(0.0, 1.0), doc: "phosphorylated fraction at or below which the label is DOWN (< theta_up)" },
    FieldSpec { name: "b", dim: Dimensionless, default: 2.0, bound: Bound::Positive, doc: "efficacy at full phosphorylation over the efficacy at none" },
    FieldSpec { name: "up_init", dim: Dimensionless, default: 0.0, bound: Bound::Closed(0.0, 1.0), doc: "fraction of synapses that start fully phosphorylated (read when the network is built)" },
];

const SYN_VARS: &[StateVar] = &[
    StateVar { name: "weight", unit: "", doc: "transmitted efficacy w0 (1 + (b - 1) phi), in the projection's weight unit" },
    StateVar { name: "phospho_fraction", unit: "", doc: "phosphorylated fraction phi of the synapse's CaMKII subunits" },
    StateVar { name: "up", unit: "", doc: "1 while the label is UP" },
    StateVar { name: "switches", unit: "", doc: "label transitions so far (UP→DOWN and DOWN→UP)" },
    StateVar { name: "down_switches", unit: "", doc: "UP→DOWN transitions so far" },
    StateVar { name: "first_down_h", unit: "h", doc: "time of the first UP→DOWN transition, or the present time if none yet (censored)" },
    StateVar { name: "calcium", unit: "uM", doc: "spine calcium: ca plus the spike-evoked transient" },
];

/// (spreading sites, initiation sites) of a 6-bit ring mask.
#[inline]
fn ring_sites(m: u16) -> (u32, u32) {
    let nb = ((m << 1) | (m >> (RING - 1))) & RING_MASK; // bit i: neighbour i-1 phosphorylated
    let free = !m & RING_MASK;
    ((free & nb).count_ones(), (free & !nb & RING_MASK).count_ones())
}

/// Index of the `j`-th set bit of `m` (j < popcount).
#[inline]
fn nth_bit(mut m: u16, j: u32) -> u32 {
    for _ in 0..j {
        m &= m - 1;
    }
    m.trailing_zeros()
}

#[inline]
fn to_unit(a: u32, b: u32) -> f64 {
    ((((a as u64) << 32) | b as u64) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Which kind of site a reaction picks.
#[derive(Clone, Copy)]
enum Site {
    Spread,
    Init,
    Phos,
}

impl CamkiiSwitch {
    /// Calmodulin activation f(Ca).
    fn f_ca(ca: f64, k_h1: f64, n_h: f64) -> f64 {
        let x = (ca / k_h1).powf(n_h);
        x / (1.0 + x)
    }

    /// Propensities [1/ms]: (spreading per site, initiation per site, PP1 per phosphorylated subunit).
    /// Spike-evoked calcium at `t` [µM]; exactly 0 after 50 tau_ca.
    fn transient(p: &Params, s: &Syn, t: f64) -> f64 {
        let age = t - s.t_tr;
        if s.ca_tr == 0.0 || age > 50.0 * p.tau_ca {
            0.0
        } else {
            s.ca_tr * (-age / p.tau_ca).exp()
        }
    }

    /// Propensities at time `t` [1/ms]: (spreading per site, initiation per site, PP1 per phosphorylated subunit).
    fn rates(p: &Params, s: &Syn, t: f64) -> (f64, f64, f64) {
        let dep = if s.s_p == 0 { 0.0 } else { p.k2 * p.pp1_n / (p.km_n + s.s_p as f64) };
        let c = Self::transient(p, s, t);
        if c == 0.0 {
            (p.spread, p.init, dep)
        } else {
            let f = Self::f_ca(p.ca + c, p.k_h1, p.n_h);
            (p.k1 * f, p.k1 * f * f, dep)
        }
    }

    /// Total propensity at time `t`; calcium only decays between spikes, so the
    /// value at the start of an interval bounds it over the interval.
    fn total(p: &Params, s: &Syn, t: f64) -> f64 {
        let (ra, ri, rd) = Self::rates(p, s, t);
        ra * s.n_adj as f64 + ri * s.n_iso as f64 + rd * s.s_p as f64 + p.turnover * s.n_holo_p as f64
    }

    /// Recomputes the aggregate counts from the masks.
    fn recount(p: &Params, s: &mut Syn) {
        let (mut sp, mut adj, mut iso, mut hp) = (0, 0, 0, 0);
        for &h in &s.holo[..p.n_holo] {
            for m in [h & RING_MASK, h >> RING] {
                let (a, i) = ring_sites(m);
                adj += a;
                iso += i;
            }
            sp += h.count_ones();
            hp += (h != 0) as u32;
        }
        s.s_p = sp;
        s.n_adj = adj;
        s.n_iso = iso;
        s.n_holo_p = hp;
    }

    /// Replaces holoenzyme `k`'s mask, keeping the aggregates exact.
    fn set_holo(s: &mut Syn, k: usize, new: u16) {
        let old = s.holo[k];
        for (m, sign) in [(old, false), (new, true)] {
            let (a0, i0) = ring_sites(m & RING_MASK);
            let (a1, i1) = ring_sites(m >> RING);
            let (a, i, c, h) = (a0 + a1, i0 + i1, m.count_ones(), (m != 0) as u32);
            if sign {
                s.n_adj += a;
                s.n_iso += i;
                s.s_p += c;
                s.n_holo_p += h;
            } else {
                s.n_adj -= a;
                s.n_iso -= i;
                s.s_p -= c;
                s.n_holo_p -= h;
            }
        }
        s.holo[k] = new;
    }

    /// The `j`-th site of a kind, counted over holoenzymes and rings in order:
    /// returns (holoenzyme, bit within its 12-bit mask).
    fn find_site(p: &Params, s: &Syn, kind: Site, mut j: u32) -> (usize, u32) {
        for k in 0..p.n_holo {
            let h = s.holo[k];
            if let Site::Phos = kind {
                // Skip whole holoenzymes by their count of phosphorylated subunits.
                let c = h.count_ones();
                if j >= c {
                    j -= c;
                    continue;
                }
            }
            for r in 0..2 {
                let m = (h >> (r * RING)) & RING_MASK;
                let nb = ((m << 1) | (m >> (RING - 1))) & RING_MASK;
                let free = !m & RING_MASK;
                let sites = match kind {
                    Site::Spread => free & nb,
                    Site::Init => free & !nb & RING_MASK,
                    Site::Phos => m,
                };
                let c = sites.count_ones();
                if j < c {
                    return (k, r * RING + nth_bit(sites, j));
                }
                j -= c;
            }
        }
        unreachable!("site index beyond the counted sites")
    }

    /// The `j`-th holoenzyme with a phosphorylated subunit.
    fn find_holo(p: &Params, s: &Syn, mut j: u32) -> usize {
        for k in 0..p.n_holo {
            if s.holo[k] != 0 {
                if j == 0 {
                    return k;
                }
                j -= 1;
            }
        }
        unreachable!("holoenzyme index beyond the counted ones")
    }

    /// Two uniforms in [0, 1) from the synapse's stream (one Philox block).
    fn uniforms(s: &mut Syn) -> (f64, f64) {
        let b = s.stream.block(s.draws);
        s.draws += 1;
        (to_unit(b[0], b[1]), to_unit(b[2], b[3]))
    }

    fn fraction(p: &Params, s: &Syn) -> f64 {
        s.s_p as f64 / (SUBUNITS as f64 * p.n_holo as f64)
    }

    fn relabel(p: &Params, s: &mut Syn) {
        let phi = Self::fraction(p, s);
        if !s.up && phi >= p.theta_up {
            s.up = true;
            s.n_up += 1;
        } else if s.up && phi <= p.theta_down {
            s.up = false;
            s.n_down += 1;
            if s.t_first_down.is_infinite() {
                s.t_first_down = s.t;
            }
        }
    }

    /// Fires one reaction chosen with `x` uniform in [0, a0).
    fn fire(p: &Params, s: &mut Syn, x: f64) {
        let (ra, ri, rd) = Self::rates(p, s, s.t);
        let pick = |x: f64, rate: f64, n: u32| ((x / rate) as u32).min(n - 1);
        let (a_adj, a_iso, a_dep) = (ra * s.n_adj as f64, ri * s.n_iso as f64, rd * s.s_p as f64);
        if x < a_adj && s.n_adj > 0 {
            let (k, bit) = Self::find_site(p, s, Site::Spread, pick(x, ra, s.n_adj));
            Self::set_holo(s, k, s.holo[k] | 1 << bit);
        } else if x < a_adj + a_iso && s.n_iso > 0 {
            let (k, bit) = Self::find_site(p, s, Site::Init, pick(x - a_adj, ri, s.n_iso));
            Self::set_holo(s, k, s.holo[k] | 1 << bit);
        } else if x < a_adj + a_iso + a_dep && s.s_p > 0 {
            let (k, bit) = Self::find_site(p, s, Site::Phos, pick(x - a_adj - a_iso, rd, s.s_p));
            Self::set_holo(s, k, s.holo[k] & !(1 << bit));
        } else if s.n_holo_p > 0 {
            let j = pick(x - a_adj - a_iso - a_dep, p.turnover, s.n_holo_p);
            let k = Self::find_holo(p, s, j);
            Self::set_holo(s, k, 0);
        }
        Self::relabel(p, s);
    }

    /// Draws the time of the next reaction (candidate, with a calcium transient)
    /// from the present (`s.t`).
    fn draw_next(s: &mut Syn, a0: f64, u: f64) {
        s.a_drawn = a0;
        s.t_draw = s.t;
        s.t_next = if a0 > 0.0 { s.t + -(1.0 - u).ln() / a0 } else { f64::INFINITY };
    }

    /// Runs the SSA up to `t` ms (exact; independent of how the interval is split).
    ///
    /// Without a calcium transient this is Gillespie's direct method. While
    /// spike-evoked calcium decays, the propensity falls between reactions; the
    /// candidate times are then drawn at the bound (the propensity at the last
    /// draw) and accepted with probability propensity / bound (thinning,
    /// Lewis & Shedler 1979), which is exact. One uniform decides both the
    /// acceptance and the reaction.
    pub fn advance_to(p: &Params, s: &mut Syn, t: f64) {
        let a0 = Self::total(p, s, s.t_draw);
        if a0.to_bits() != s.a_drawn.to_bits() {
            // First call, a spike, or the parameters changed since the last draw.
            let (u, _) = Self::uniforms(s);
            let a = Self::total(p, s, s.t);
            Self::draw_next(s, a, u);
        }
        while s.t_next <= t {
            s.t = s.t_next;
            let (u_time, u_pick) = Self::uniforms(s);
            let x = u_pick * s.a_drawn;
            if x < Self::total(p, s, s.t) {
                s.t_last = s.t;
                Self::fire(p, s, x);
            }
            let a1 = Self::total(p, s, s.t);
            Self::draw_next(s, a1, u_time);
        }
        if t > s.t {
            s.t = t;
        }
        if s.ca_tr != 0.0 && s.t_draw - s.t_tr > 50.0 * p.tau_ca {
            // The transient is exactly 0 for every later evaluation.
            s.ca_tr = 0.0;
        }
    }

    /// A spike at `t` adds `jump` µM of calcium.
    fn calcium_jump(p: &Params, s: &mut Syn, t: f64, jump: f64) {
        Self::advance_to(p, s, t);
        if jump > 0.0 {
            s.ca_tr = Self::transient(p, s, t) + jump;
            s.t_tr = t;
            s.a_drawn = f64::NAN;
        }
    }


    fn efficacy(p: &Params, s: &Syn) -> f64 {
        s.w0 * (1.0 + (p.b - 1.0) * Self::fraction(p, s))
    }
}

impl SynapseModel for CamkiiSwitch {
    type Params = Params;
    type Syn = Syn;
    type Row = ();

    const INFO: ModelInfo = ModelInfo {
        name: "camkii_switch",
        kind: ModelKind::Synapse,
        summary: "Stochastic CaMKII/PP1 bistable switch of n_holo holoenzymes (rings of subunits, Ca/CaM-dependent autophosphorylation, saturable PP1, turnover), exact Gillespie simulation (Miller et al. 2005).",
        equations: "Ca(t) = ca + sum_spikes (ca_pre or ca_post) exp(-(t - t_spike)/tau_ca)
f(Ca) = Ca^n_H / (K_H1^n_H + Ca^n_H);  volume V = n_holo / camkii  (molecules per uM)
per ring of 6 subunits, exact configuration:
  unphosphorylated subunit, neighbour unphosphorylated:  -> P  at k1 f^2   (initiation)
  unphosphorylated subunit, neighbour phosphorylated:    -> P  at k1 f     (spreading)
  phosphorylated subunit:  -> unP  at k2 pp1 V / (K_M V + S)   (saturable PP1; S: phosphorylated subunits)
  holoenzyme with any P:   -> all unP  at 1 / tau_turnover     (turnover)
phi = S / (12 n_holo);  UP once phi >= theta_up, DOWN once phi <= theta_down
efficacy w = w0 (1 + (b - 1) phi)   (w0: the projection's weight)
exact SSA (Gillespie direct method; thinning while spike-evoked calcium decays),
run lazily to each slow tick and spike;
the next reaction time is stored, so results do not depend on how often the synapse is updated",
        fields: FIELDS,
        state_vars: SYN_VARS,
        references: &[
            "Miller P, Zhabotinsky AM, Lisman JE, Wang X-J (2005) The stability of a stochastic CaMKII switch: dependence on the number of enzyme molecules and protein turnover. PLoS Biol 3:e107. doi:10.1371/journal.pbio.0030107",
            "Zhabotinsky AM (2000) Bistability in the Ca2+/calmodulin-dependent protein kinase-phosphatase system. Biophys J 79:2211-2221",
            "Lisman JE, Zhabotinsky AM (2001) A model of synaptic memory: a CaMKII/PP1 switch that potentiates transmission by organizing an AMPA receptor anchoring assembly. Neuron 31:191-201",
            "Gillespie DT (1977) Exact stochastic simulation of coupled chemical reactions. J Phys Chem 81:2340-2361",
            "Lewis PAW, Shedler GS (1979) Simulation of nonhomogeneous Poisson processes by thinning. Naval Res Logist Q 26:403-413",
            "Defaults calibrated in this implementation: docs/models/camkii_switch.md",
        ],
    };
    const SYN_VARS: &'static [StateVar] = SYN_VARS;
    const SLOW: bool = true;
    const FIELD: bool = false;
    const ON_POST: bool = true;

    fn params(v: &ParamValues) -> Result<Params, CoreError> {
        let n: f64 = v.get("n_holo");
        if n.fract() != 0.0 {
            return Err(CoreError::Inconsistent(format!("n_holo = {n} must be a whole number of holoenzymes")));
        }
        let (theta_up, theta_down): (f64, f64) = (v.get("theta_up"), v.get("theta_down"));
        if theta_down >= theta_up {
            return Err(CoreError::Inconsistent(format!("theta_down ({theta_down}) must be below theta_up ({theta_up})")));
        }
        let volume = n / v.get("camkii");
        let k1 = v.get("k1") * 1e-3;
        let f = Self::f_ca(v.get("ca"), v.get("K_H1"), v.get("n_H"));
        Ok(Params {
            spread: k1 * f,
            init: k1 * f * f,
            n_holo: n as usize,
            ca: v.get("ca"),
            ca_pre: v.get("ca_pre"),
            ca_post: v.get("ca_post"),
            tau_ca: v.get("tau_ca"),
            k1,
            k_h1: v.get("K_H1"),
            n_h: v.get("n_H"),
            k2: v.get("k2") * 1e-3,
            pp1_n: v.get("pp1") * volume,
            km_n: v.get("K_M") * volume,
            turnover: 1.0 / v.get("tau_turnover"),
            theta_up,
            theta_down,
            b: v.get("b"),
            up_init: v.get("up_init"),
        })
    }

    fn post_tau_ms(_: &Params) -> Option<f64> {
        None
    }

    fn init(p: &Params, weight: f64) -> Result<Syn, CoreError> {
        let mut s = Syn { w0: weight, ..Syn::default() };
        Self::recount(p, &mut s);
        Ok(s)
    }

    fn set_noise_key(syn: &mut Syn, key: u64) {
        syn.stream = Stream::new(key, Purpose::Noise, 0);
    }

    fn init_alternative_fraction(p: &Params) -> f64 {
        p.up_init
    }

    fn init_alternative(p: &Params, syn: &mut Syn, w: &mut f64) {
        for h in syn.holo[..p.n_holo].iter_mut() {
            *h = (1 << SUBUNITS) - 1;
        }
        Self::recount(p, syn);
        syn.up = true;
        *w = Self::efficacy(p, syn);
    }

    #[inline]
    fn on_pre(p: &Params, syn: &mut Syn, w: &mut f64, cx: &mut PreSpike<'_>) {
        Self::calcium_jump(p, syn, cx.stamp as f64 * cx.dt_ms, p.ca_pre);
        *w = Self::efficacy(p, syn);
    }

    fn on_post(p: &Params, syn: &mut Syn, w: &mut f64, cx: &PostSpike) {
        Self::calcium_jump(p, syn, cx.stamp as f64 * cx.dt_ms, p.ca_post);
        *w = Self::efficacy(p, syn);
    }

    fn slow_drive(p: &Params, syn: &mut Syn, w: &mut f64, t_ms: f64) -> [f64; 2] {
        Self::advance_to(p, syn, t_ms);
        *w = Self::efficacy(p, syn);
        [0.0, 0.0]
    }

    fn slow_apply(_p: &Params, _syn: &mut Syn, _w: &mut f64, _cx: &SlowTick) {}

    fn read(p: &Params, syn: &Syn, weight: f64, var: usize) -> f64 {
        match var {
            1 => Self::fraction(p, syn),
            2 => syn.up as u8 as f64,
            3 => (syn.n_up + syn.n_down) as f64,
            4 => syn.n_down as f64,
            5 => syn.t_first_down.min(syn.t) / 3_600_000.0,
            6 => p.ca + Self::transient(p, syn, syn.t),
            _ => weight,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(over: &[(&str, f64)]) -> Params {
        let v = CamkiiSwitch::INFO.resolve(over.iter().copied()).unwrap();
        CamkiiSwitch::params(&v).unwrap()
    }

    fn syn(p: &Params, key: u64, up: bool) -> Syn {
        let mut s = CamkiiSwitch::init(p, 1.0).unwrap();
        CamkiiSwitch::set_noise_key(&mut s, key);
        if up {
            let mut w = 1.0;
            CamkiiSwitch::init_alternative(p, &mut s, &mut w);
        }
        s
    }

    /// Pure death process: one fully phosphorylated holoenzyme, kinase and
    /// turnover off. The SSA's mean time to full dephosphorylation matches
    /// sum over S of 1 / (S k2 E / (K_M + S)) (all in molecules).
    #[test]
    fn issue5_dephosphorylation_time_matches_the_death_process() {
        let p = params(&[("n_holo", 1.0), ("k1", 0.0), ("tau_turnover", 1e30), ("k2", 2.0), ("pp1", 0.5), ("K_M", 0.3), ("camkii", 0.1)]);
        let expected: f64 = (1..=12).map(|s| (p.km_n + s as f64) / (s as f64 * p.k2 * p.pp1_n)).sum();
        // Variance of a sum of independent exponentials: sum of squared means.
        let var: f64 = (1..=12).map(|s| ((p.km_n + s as f64) / (s as f64 * p.k2 * p.pp1_n)).powi(2)).sum();
        let n = 4000;
        let mut total = 0.0;
        for k in 0..n {
            let mut s = syn(&p, 1 + k, true);
            let mut t = 0.0;
            while s.s_p > 0 {
                t += expected;
                CamkiiSwitch::advance_to(&p, &mut s, t);
            }
            // The time of the last reaction is the extinction time.
            total += s.t_last_reaction();
        }
        let mean = total / n as f64;
        let se = (var / n as f64).sqrt();
        assert!((mean - expected).abs() < 4.0 * se, "mean {mean} ms vs {expected} ms (se {se})");
    }

    /// Turnover alone: a phosphorylated holoenzyme is replaced after an
    /// exponential time of mean tau_turnover.
    #[test]
    fn issue5_turnover_time_is_exponential_with_mean_tau() {
        let tau = 1000.0;
        let p = params(&[("n_holo", 1.0), ("k1", 0.0), ("k2", 0.0), ("tau_turnover", tau)]);
        let n = 4000;
        let (mut total, mut survived) = (0.0, 0);
        for k in 0..n {
            let mut s = syn(&p, 10_000 + k, true);
            CamkiiSwitch::advance_to(&p, &mut s, tau);
            survived += (s.s_p == 12) as u32;
            CamkiiSwitch::advance_to(&p, &mut s, 1e9);
            assert_eq!(s.s_p, 0);
            total += s.t_last_reaction();
        }
        let mean = total / n as f64;
        assert!((mean - tau).abs() < 4.0 * tau / (n as f64).sqrt(), "mean {mean}");
        let frac = survived as f64 / n as f64;
        let e1 = (-1.0f64).exp();
        assert!((frac - e1).abs() < 4.0 * (e1 * (1.0 - e1) / n as f64).sqrt(), "survival at tau {frac}");
    }

    /// The trajectory is a function of the key only: advancing in one call or in
    /// many gives bit-identical states; another key gives another trajectory.
    #[test]
    fn issue5_keyed_stream_is_deterministic_and_split_invariant() {
        let p = params(&[("n_holo", 8.0), ("ca", 0.5)]);
        let mut a = syn(&p, 42, false);
        let mut b = a;
        CamkiiSwitch::advance_to(&p, &mut a, 7_200_000.0);
        let mut t = 0.0f64;
        while t < 7_200_000.0 {
            t = (t + 123_456.7).min(7_200_000.0);
            CamkiiSwitch::advance_to(&p, &mut b, t);
        }
        assert_eq!(a, b);
        assert!(a.draws > 100, "the pulse-level calcium must cause reactions ({} draws)", a.draws);
        let mut c = syn(&p, 43, false);
        CamkiiSwitch::advance_to(&p, &mut c, 7_200_000.0);
        assert_ne!(a.t_last_reaction(), c.t_last_reaction());
    }

    /// Aggregates stay equal to a recount from the masks, and the fraction in [0, 1].
    #[test]
    fn issue5_counts_stay_consistent_and_bounded() {
        let mut p = params(&[("n_holo", 5.0)]);
        let mut s = syn(&p, 5, false);
        for i in 1..=60 {
            p = params(&[("n_holo", 5.0), ("ca", if i % 7 == 0 { 2.0 } else { 0.1 })]);
            CamkiiSwitch::advance_to(&p, &mut s, i as f64 * 600_000.0);
            let mut r = s;
            CamkiiSwitch::recount(&p, &mut r);
            assert_eq!((r.s_p, r.n_adj, r.n_iso, r.n_holo_p), (s.s_p, s.n_adj, s.n_iso, s.n_holo_p));
            assert_eq!(s.n_adj + s.n_iso + s.s_p, 12 * 5);
            let phi = CamkiiSwitch::fraction(&p, &s);
            assert!((0.0..=1.0).contains(&phi));
            assert!(s.holo[5..].iter().all(|&h| h == 0));
        }
        assert!(s.n_up > 0, "pulses of 2 uM switch 5 holoenzymes up at least once");
    }

    /// Thinning under a decaying calcium transient is exact: with the kinase
    /// alone, the probability of no phosphorylation in [0, T] after a spike is
    /// exp(-integral of 12 k1 f(c(t))^2), c(t) = ca + ca_pre exp(-t / tau_ca).
    #[test]
    fn issue5_thinning_matches_the_time_varying_hazard() {
        let p = params(&[("n_holo", 1.0), ("k2", 0.0), ("tau_turnover", 1e30), ("ca_pre", 1.0), ("tau_ca", 100.0)]);
        let big_t = 1000.0;
        let hazard = |t: f64| {
            let f = CamkiiSwitch::f_ca(p.ca + p.ca_pre * (-t / p.tau_ca).exp(), p.k_h1, p.n_h);
            12.0 * p.k1 * f * f
        };
        // Simpson's rule on a fine grid.
        let m = 20_000;
        let h = big_t / m as f64;
        let integral: f64 = (0..=m)
            .map(|i| {
                let w = if i == 0 || i == m { 1.0 } else if i % 2 == 1 { 4.0 } else { 2.0 };
                w * hazard(i as f64 * h)
            })
            .sum::<f64>()
            * h
            / 3.0;
        let expected = (-integral).exp();
        assert!(expected > 0.2 && expected < 0.8, "the test needs a sizeable probability: {expected}");
        let n = 6000;
        let mut none = 0;
        for k in 0..n {
            let mut s = syn(&p, 77 + k, false);
            CamkiiSwitch::advance_to(&p, &mut s, 0.0);
            CamkiiSwitch::calcium_jump(&p, &mut s, 0.0, p.ca_pre);
            CamkiiSwitch::advance_to(&p, &mut s, big_t);
            none += (s.s_p == 0) as u32;
        }
        let frac = none as f64 / n as f64;
        let se = (expected * (1.0 - expected) / n as f64).sqrt();
        assert!((frac - expected).abs() < 4.0 * se, "P(no event) {frac} vs {expected} (se {se})");
    }

    /// With spike-evoked calcium the trajectory still does not depend on how the
    /// time between spikes is split.
    #[test]
    fn issue5_spike_calcium_is_split_invariant() {
        let p = params(&[("n_holo", 6.0), ("ca_pre", 0.8), ("ca_post", 0.4), ("tau_ca", 50.0)]);
        let spikes = [(100.0, true), (130.0, false), (160.0, true), (5_000.0, true), (5_010.0, false)];
        let mut a = syn(&p, 9, false);
        let mut b = a;
        for &(t, pre) in &spikes {
            let jump = if pre { p.ca_pre } else { p.ca_post };
            CamkiiSwitch::calcium_jump(&p, &mut a, t, jump);
            let mut u = b.t;
            while u + 7.3 < t {
                u += 7.3;
                CamkiiSwitch::advance_to(&p, &mut b, u);
            }
            CamkiiSwitch::calcium_jump(&p, &mut b, t, jump);
        }
        CamkiiSwitch::advance_to(&p, &mut a, 600_000.0);
        let mut u = b.t;
        while u < 600_000.0 {
            u = (u + 999.9).min(600_000.0);
            CamkiiSwitch::advance_to(&p, &mut b, u);
        }
        assert_eq!(a, b);
        assert!(a.draws > 5, "spikes must cause reactions ({} draws)", a.draws);
    }

    #[test]
    fn issue5_bad_parameters_are_errors() {
        let v = CamkiiSwitch::INFO.resolve([("n_holo", 2.5)]).unwrap();
        assert!(CamkiiSwitch::params(&v).is_err());
        let v = CamkiiSwitch::INFO.resolve([("theta_down", 0.6)]).unwrap();
        assert!(CamkiiSwitch::params(&v).is_err());
        assert!(CamkiiSwitch::INFO.resolve([("n_holo", 33.0)]).is_err());
    }
}
