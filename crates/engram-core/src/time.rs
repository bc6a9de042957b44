//! Time is an integer number of steps of `dt`.
//!
//! A spike emitted while the engine advances from step `s` to `s + 1` carries
//! the *stamp* `s + 1`, i.e. its time is `(s + 1) * dt`: the end of the step in
//! which it happened (the NEST convention). Durations given by the user are
//! converted to steps once, at load time, and must be whole multiples of `dt`;
//! after that no float time is ever compared or accumulated, so a run of 30 days
//! ends exactly on its last step.

use crate::CoreError;

/// A step count (time in units of `dt`).
pub type Step = u64;

/// The simulation step, in ms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Dt {
    ms: f64,
}

/// Relative tolerance used to decide that `duration / dt` is a whole number.
/// Quantities are parsed from decimal text, so `0.3 ms / 0.1 ms` is `2.9999999999999996`;
/// anything closer than this to an integer is taken to be that integer.
const WHOLE_TOLERANCE: f64 = 1e-9;

impl Dt {
    /// The default step, 0.1 ms.
    pub const DEFAULT_MS: f64 = 0.1;

    /// A step of `ms` milliseconds; must be positive and finite.
    pub fn from_ms(ms: f64) -> Result<Self, CoreError> {
        if !(ms.is_finite() && ms > 0.0) {
            return Err(CoreError::OutOfRange {
                name: "dt".into(),
                value: ms,
                unit: "ms",
                accepted: "a positive duration, like \"0.1 ms\"".into(),
            });
        }
        Ok(Self { ms })
    }

    /// The step length in ms.
    pub fn ms(self) -> f64 {
        self.ms
    }

    /// Converts a duration to a whole number of steps, or explains why it is not one.
    pub fn steps(self, what: &str, duration_ms: f64) -> Result<Step, CoreError> {
        let ratio = duration_ms / self.ms;
        let whole = ratio.round();
        let not_whole = (ratio - whole).abs() > WHOLE_TOLERANCE * whole.abs().max(1.0);
        if !duration_ms.is_finite() || duration_ms < 0.0 || not_whole || whole > u64::MAX as f64 {
            return Err(CoreError::NotMultipleOfDt { what: what.into(), ms: duration_ms, dt_ms: self.ms });
        }
        Ok(whole as Step)
    }

    /// The time in ms at the start of step `s` (equivalently, the stamp `s`).
    pub fn to_ms(self, s: Step) -> f64 {
        s as f64 * self.ms
    }
}

/// A slow clock that ticks every `every` steps (an integer multiple of `dt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Steps between ticks (at least 1).
    pub every: Step,
}

impl Clock {
    /// Whether the clock ticks at the end of step `s` (i.e. at stamp `s + 1`).
    pub fn ticks_after(self, s: Step) -> bool {
        (s + 1) % self.every == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_days_is_exact() {
        let dt = Dt::from_ms(0.1).unwrap();
        let thirty_days_ms = 30.0 * 24.0 * 3600.0 * 1000.0;
        let n = dt.steps("duration", thirty_days_ms).unwrap();
        assert_eq!(n, 25_920_000_000);
        assert_eq!(dt.steps("t", 0.3).unwrap(), 3);
        assert_eq!(dt.steps("t", 35.0 * 60_000.0).unwrap(), 21_000_000);
    }

    #[test]
    fn non_multiples_are_rejected() {
        let dt = Dt::from_ms(0.1).unwrap();
        assert!(dt.steps("delay", 0.15).is_err());
        assert!(dt.steps("delay", -1.0).is_err());
        assert!(Dt::from_ms(0.0).is_err());
        assert!(Dt::from_ms(f64::NAN).is_err());
    }

    #[test]
    fn slow_clock_ticks_on_multiples() {
        let c = Clock { every: 10 };
        let ticks: Vec<Step> = (0..35).filter(|&s| c.ticks_after(s)).collect();
        assert_eq!(ticks, vec![9, 19, 29]);
    }
}
