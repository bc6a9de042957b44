//! Quantities with units, checked at the edge.
//!
//! Users write `"20 ms"`, `"0.5 nA"`, `"100 Hz"`, `"35 min"`. Each is parsed into
//! one of engram's canonical units, which is what every model sees inside:
//!
//! | dimension     | canonical | also accepted                         |
//! |---------------|-----------|---------------------------------------|
//! | time          | ms        | us, µs, s, min, h, d (also day, days) |
//! | voltage       | mV        | uV, µV, V                             |
//! | current       | pA        | fA, nA, uA, µA                        |
//! | conductance   | nS        | pS, uS, µS, mS                        |
//! | capacitance   | pF        | nF, uF, µF                            |
//! | frequency     | Hz        | kHz                                   |
//! | concentration | uM        | nM, µM, mM                            |
//!
//! Dimensionless values are plain numbers. A dimensional value written as a
//! bare number is an error: the unit is not guessed.

use crate::CoreError;

/// The physical dimension of a parameter or quantity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// A pure number.
    Dimensionless,
    /// Time (canonical ms).
    Time,
    /// Voltage (canonical mV).
    Voltage,
    /// Current (canonical pA).
    Current,
    /// Conductance (canonical nS).
    Conductance,
    /// Capacitance (canonical pF).
    Capacitance,
    /// Frequency (canonical Hz).
    Frequency,
    /// Concentration (canonical µM).
    Concentration,
    /// A synaptic weight: pA on current-based targets, nS on conductance-based
    /// ones, resolved by the protocol against the projection's target.
    Weight,
}

impl Dimension {
    /// The canonical unit symbol ("" for dimensionless).
    pub fn canonical_unit(self) -> &'static str {
        match self {
            Dimension::Dimensionless => "",
            Dimension::Time => "ms",
            Dimension::Voltage => "mV",
            Dimension::Current => "pA",
            Dimension::Conductance => "nS",
            Dimension::Capacitance => "pF",
            Dimension::Frequency => "Hz",
            Dimension::Concentration => "uM",
            Dimension::Weight => "pA|nS",
        }
    }

    /// The dimension's name in words.
    pub fn name(self) -> &'static str {
        match self {
            Dimension::Dimensionless => "plain number",
            Dimension::Time => "time",
            Dimension::Voltage => "voltage",
            Dimension::Current => "current",
            Dimension::Conductance => "conductance",
            Dimension::Capacitance => "capacitance",
            Dimension::Frequency => "frequency",
            Dimension::Concentration => "concentration",
            Dimension::Weight => "synaptic weight",
        }
    }

    /// An example of a well-formed value of this dimension.
    pub fn example(self) -> &'static str {
        match self {
            Dimension::Dimensionless => "0.5",
            Dimension::Time => "\"20 ms\"",
            Dimension::Voltage => "\"-65 mV\"",
            Dimension::Current => "\"0.5 nA\"",
            Dimension::Conductance => "\"6 nS\"",
            Dimension::Capacitance => "\"250 pF\"",
            Dimension::Frequency => "\"100 Hz\"",
            Dimension::Concentration => "\"1.2 uM\"",
            Dimension::Weight => "\"50 pA\" or \"6 nS\"",
        }
    }
}

/// (symbol, dimension, factor to the canonical unit)
const UNITS: &[(&str, Dimension, f64)] = &[
    ("us", Dimension::Time, 1e-3),
    ("µs", Dimension::Time, 1e-3),
    ("ms", Dimension::Time, 1.0),
    ("s", Dimension::Time, 1e3),
    ("sec", Dimension::Time, 1e3),
    ("min", Dimension::Time, 60e3),
    ("h", Dimension::Time, 3600e3),
    ("d", Dimension::Time, 86_400e3),
    ("day", Dimension::Time, 86_400e3),
    ("days", Dimension::Time, 86_400e3),
    ("uV", Dimension::Voltage, 1e-3),
    ("µV", Dimension::Voltage, 1e-3),
    ("mV", Dimension::Voltage, 1.0),
    ("V", Dimension::Voltage, 1e3),
    ("fA", Dimension::Current, 1e-3),
    ("pA", Dimension::Current, 1.0),
    ("nA", Dimension::Current, 1e3),
    ("uA", Dimension::Current, 1e6),
    ("µA", Dimension::Current, 1e6),
    ("pS", Dimension::Conductance, 1e-3),
    ("nS", Dimension::Conductance, 1.0),
    ("uS", Dimension::Conductance, 1e3),
    ("µS", Dimension::Conductance, 1e3),
    ("mS", Dimension::Conductance, 1e6),
    ("pF", Dimension::Capacitance, 1.0),
    ("nF", Dimension::Capacitance, 1e3),
    ("uF", Dimension::Capacitance, 1e6),
    ("µF", Dimension::Capacitance, 1e6),
    ("Hz", Dimension::Frequency, 1.0),
    ("kHz", Dimension::Frequency, 1e3),
    ("nM", Dimension::Concentration, 1e-3),
    ("uM", Dimension::Concentration, 1.0),
    ("µM", Dimension::Concentration, 1.0),
    ("mM", Dimension::Concentration, 1e3),
];

/// A parsed quantity in canonical units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quantity {
    /// The value in the canonical unit of `dim`.
    pub value: f64,
    /// Its dimension.
    pub dim: Dimension,
}

/// Parses text such as `"35 min"` or `"-70mV"` into a canonical quantity.
///
/// A bare number parses as dimensionless.
pub fn parse_quantity(text: &str) -> Result<Quantity, CoreError> {
    let t = text.trim();
    let split = t
        .char_indices()
        .find(|&(i, c)| {
            !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-' || c == '_'
                || ((c == 'e' || c == 'E') && exponent_follows(t, i)))
        })
        .map(|(i, _)| i)
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let bad = || CoreError::BadQuantity {
        value: text.to_string(),
        expected: "a number followed by a unit, like \"20 ms\", \"0.5 nA\" or \"100 Hz\"".into(),
    };
    let value: f64 = num.replace('_', "").parse().map_err(|_| bad())?;
    if !value.is_finite() {
        return Err(bad());
    }
    let unit = unit.trim();
    if unit.is_empty() {
        return Ok(Quantity { value, dim: Dimension::Dimensionless });
    }
    let &(_, dim, factor) = UNITS.iter().find(|(sym, _, _)| *sym == unit).ok_or_else(|| {
        CoreError::BadQuantity {
            value: text.to_string(),
            expected: format!(
                "a known unit; known units are {}",
                UNITS.iter().map(|u| u.0).collect::<Vec<_>>().join(", ")
            ),
        }
    })?;
    Ok(Quantity { value: value * factor, dim })
}

fn exponent_follows(t: &str, i: usize) -> bool {
    // `1e-3` is an exponent; `1 e` is not a unit we know either way.
    let rest = &t[i + 1..];
    let rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    rest.starts_with(|c: char| c.is_ascii_digit()) && i > 0
}

/// Parses `text` and requires dimension `dim`; returns the canonical value.
pub fn parse_as(text: &str, dim: Dimension) -> Result<f64, CoreError> {
    let q = parse_quantity(text)?;
    if q.dim != dim {
        return Err(CoreError::WrongDimension {
            value: text.to_string(),
            found: if q.dim == Dimension::Dimensionless { "plain number without a unit" } else { q.dim.name() },
            expected: dim.name(),
            example: dim.example(),
        });
    }
    Ok(q.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_and_scaled_units() {
        assert_eq!(parse_as("20 ms", Dimension::Time).unwrap(), 20.0);
        assert_eq!(parse_as("35 min", Dimension::Time).unwrap(), 2_100_000.0);
        assert_eq!(parse_as("8 h", Dimension::Time).unwrap(), 28_800_000.0);
        assert_eq!(parse_as("0.5 nA", Dimension::Current).unwrap(), 500.0);
        assert_eq!(parse_as("-70mV", Dimension::Voltage).unwrap(), -70.0);
        assert_eq!(parse_as("100 Hz", Dimension::Frequency).unwrap(), 100.0);
        assert_eq!(parse_as("1e-3 s", Dimension::Time).unwrap(), 1.0);
        assert_eq!(parse_quantity("0.25").unwrap().dim, Dimension::Dimensionless);
    }

    #[test]
    fn rejects_wrong_or_missing_units() {
        assert!(matches!(parse_as("20", Dimension::Time), Err(CoreError::WrongDimension { .. })));
        assert!(matches!(parse_as("20 mV", Dimension::Time), Err(CoreError::WrongDimension { .. })));
        assert!(matches!(parse_quantity("20 parsecs"), Err(CoreError::BadQuantity { .. })));
        assert!(matches!(parse_quantity("twenty ms"), Err(CoreError::BadQuantity { .. })));
        assert!(matches!(parse_quantity("inf ms"), Err(CoreError::BadQuantity { .. })));
        assert!(matches!(parse_quantity(""), Err(CoreError::BadQuantity { .. })));
    }
}
