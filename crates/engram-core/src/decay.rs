//! Exact tables of the decay factor `exp(-k·dt/τ)` for whole step counts `k`.
//!
//! Event-driven rules decay a trace over the whole number of steps between two
//! events, as `(-(k as f64) * dt / τ).exp()`. A table filled with that very
//! expression holds the same bits as the library call, and a lookup is a load
//! where the call costs tens of cycles (pair STDP makes one per postsynaptic
//! spike and synapse). Beyond the table's length, or for another `τ` or `dt`
//! than it was filled for, a lookup ([`DecayView::get`]) makes the call: the table is a
//! cache, and results never depend on whether one was filled.

use std::fmt;
use std::sync::Arc;

/// Decay factors `exp(-k·dt/τ)` for `k` below a length set by `τ/dt`.
#[derive(Clone, PartialEq, Default)]
pub struct DecayTable {
    tau_ms: f64,
    dt_ms: f64,
    values: Arc<[f64]>,
}

impl fmt::Debug for DecayTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DecayTable {{ tau_ms: {}, dt_ms: {}, len: {} }}", self.tau_ms, self.dt_ms, self.values.len())
    }
}

impl DecayTable {
    /// Time constants tabulated: the factor after 8 τ is 3·10⁻⁴, and a gap that
    /// long between events of one synapse is rare at the rates where the calls cost.
    const TAUS: f64 = 8.0;
    /// At most this many entries (32 KiB), for a short `dt` or a long `τ`.
    const MAX_LEN: usize = 4096;

    /// The decay factor over `steps` steps: the expression every table entry
    /// and every fallback evaluates (the one the rules used before tables).
    #[inline(always)]
    pub fn factor(steps: u64, dt_ms: f64, tau_ms: f64) -> f64 {
        (-(steps as f64) * dt_ms / tau_ms).exp()
    }

    /// A table for time constant `tau_ms` and step `dt_ms`.
    pub fn new(tau_ms: f64, dt_ms: f64) -> Self {
        let len = if tau_ms.is_finite() && dt_ms > 0.0 { (Self::TAUS * tau_ms / dt_ms).ceil().clamp(0.0, Self::MAX_LEN as f64) as usize } else { 0 };
        Self { tau_ms, dt_ms, values: (0..len as u64).map(|k| Self::factor(k, dt_ms, tau_ms)).collect() }
    }

    /// A table for `tau_ms` and `dt_ms`: this one (shared, not copied) if it
    /// was filled for them, `other`'s if that one was, or a new one.
    pub fn for_params(&self, other: &DecayTable, tau_ms: f64, dt_ms: f64) -> Self {
        if self.is_for(tau_ms, dt_ms) {
            self.clone()
        } else if other.is_for(tau_ms, dt_ms) {
            other.clone()
        } else {
            Self::new(tau_ms, dt_ms)
        }
    }

    /// Whether the table was filled for `tau_ms` and `dt_ms`.
    #[inline]
    pub fn is_for(&self, tau_ms: f64, dt_ms: f64) -> bool {
        self.tau_ms == tau_ms && self.dt_ms == dt_ms
    }

    /// The table for `tau_ms` and `dt_ms`, checked once: lookups through the
    /// view skip the check (its entries are empty if the table was filled for
    /// other values).
    #[inline]
    pub fn view(&self, dt_ms: f64, tau_ms: f64) -> DecayView<'_> {
        let values = if self.is_for(tau_ms, dt_ms) { &self.values[..] } else { &[] };
        DecayView { values, dt_ms, tau_ms }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether the table has no entries (the default: every lookup makes the call).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Heap bytes of the entries (shared between the clones of one table).
    pub fn heap_bytes(&self) -> usize {
        std::mem::size_of_val(&*self.values)
    }

    /// Whether two tables share their entries.
    pub fn shares(&self, other: &DecayTable) -> bool {
        Arc::ptr_eq(&self.values, &other.values)
    }
}

/// A [`DecayTable`] checked for one `τ` and `dt` ([`DecayTable::view`]).
#[derive(Debug, Clone, Copy)]
pub struct DecayView<'a> {
    values: &'a [f64],
    dt_ms: f64,
    tau_ms: f64,
}

impl DecayView<'_> {
    /// `exp(-steps·dt/τ)`, bit for bit [`DecayTable::factor`].
    #[inline]
    pub fn get(&self, steps: u64) -> f64 {
        match self.values.get(steps as usize) {
            Some(&v) => v,
            None => DecayTable::factor(steps, self.dt_ms, self.tau_ms),
        }
    }

    /// The table's factor, or `None` past its end.
    #[inline]
    pub fn lookup(&self, steps: u64) -> Option<f64> {
        self.values.get(steps as usize).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 4: every entry, and every lookup past the end or for other
    /// parameters, is bit for bit the expression the rules evaluate, for
    /// steps and time constants that do not divide evenly.
    #[test]
    fn issue4_lookups_are_the_library_exp_bit_for_bit() {
        for (tau, dt) in [(20.0, 0.1), (16.8, 0.1), (33.7, 0.025), (0.3, 0.1), (1e4, 1.0)] {
            let t = DecayTable::new(tau, dt);
            assert!(!t.is_empty() && t.len() <= 4096, "{tau} {dt}: {}", t.len());
            for k in (0..t.len() as u64 + 50).chain([1 << 20, u32::MAX as u64]) {
                let want = (-(k as f64) * dt / tau).exp();
                assert_eq!(t.view(dt, tau).get(k).to_bits(), want.to_bits(), "tau {tau} dt {dt} k {k}");
                // The form of the rules' code: a negative step count times dt.
                let minus = (-(k as i64)) as f64 * dt;
                assert_eq!((minus / tau).exp().to_bits(), want.to_bits());
            }
            let v = t.view(dt, tau);
            assert_eq!(v.lookup(t.len() as u64 - 1), Some(v.get(t.len() as u64 - 1)));
            for k in [0, 1, 17, t.len() as u64 - 1, t.len() as u64, 1 << 30] {
                assert_eq!(v.get(k).to_bits(), (-(k as f64) * dt / tau).exp().to_bits());
                assert_eq!(v.lookup(k).map(f64::to_bits), (k < t.len() as u64).then(|| v.get(k).to_bits()));
            }
            let other = t.view(dt, tau * 3.0);
            assert_eq!((other.lookup(1), other.get(5).to_bits()), (None, (-5.0 * dt / (tau * 3.0)).exp().to_bits()));
            assert_eq!(v.lookup(t.len() as u64), None);
            // Asked for another tau or dt, the table is not used.
            assert_eq!(t.view(dt, tau * 2.0).get(3).to_bits(), (-3.0 * dt / (tau * 2.0)).exp().to_bits());
            assert_eq!(t.view(dt * 0.5, tau).get(3).to_bits(), (-3.0 * (dt * 0.5) / tau).exp().to_bits());
            assert_eq!((t.view(dt * 0.5, tau).lookup(3), t.view(dt, tau * 2.0).lookup(3)), (None, None));
        }
        assert_eq!(DecayTable::default().view(0.1, 20.0).get(7), (-7.0 * 0.1 / 20.0f64).exp());
        let a = DecayTable::new(20.0, 0.1);
        let b = DecayTable::default().for_params(&a, 20.0, 0.1);
        assert!(a.shares(&b) && b.heap_bytes() == 8 * b.len());
        assert!(!a.for_params(&b, 10.0, 0.1).shares(&a));
    }
}
