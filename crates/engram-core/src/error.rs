//! Errors raised by the vocabulary layer.

use thiserror::Error;

/// Errors from time conversion, unit parsing and parameter validation.
///
/// Every variant carries the offending value and the accepted form, so that the
/// protocol layer can attach a source location and print one complete message.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CoreError {
    /// A quantity string could not be parsed.
    #[error("cannot read {value:?} as a quantity; expected {expected}")]
    BadQuantity {
        /// The text as written.
        value: String,
        /// The accepted form, e.g. `a number and a time unit, like "20 ms"`.
        expected: String,
    },
    /// A quantity had the wrong physical dimension.
    #[error("{value:?} is a {found}, but a {expected} is needed (for example {example})")]
    WrongDimension {
        /// The text as written.
        value: String,
        /// The dimension found.
        found: &'static str,
        /// The dimension expected.
        expected: &'static str,
        /// An example of an accepted value.
        example: &'static str,
    },
    /// A duration is not an integer number of simulation steps.
    #[error("{what} = {ms} ms is not a whole number of steps of dt = {dt_ms} ms")]
    NotMultipleOfDt {
        /// What the duration is (e.g. `delay`).
        what: String,
        /// The duration in ms.
        ms: f64,
        /// The step in ms.
        dt_ms: f64,
    },
    /// A value is outside the accepted range.
    #[error("{name} = {value} {unit} is out of range; accepted: {accepted}")]
    OutOfRange {
        /// The parameter name.
        name: String,
        /// The value in canonical units.
        value: f64,
        /// The canonical unit.
        unit: &'static str,
        /// The accepted range, in words.
        accepted: String,
    },
    /// A parameter name is not known to the model.
    #[error("unknown parameter {name:?} for model {model:?}; known parameters: {known}")]
    UnknownParameter {
        /// The unknown name.
        name: String,
        /// The model.
        model: String,
        /// The known names, comma separated.
        known: String,
    },
    /// Parameters are individually valid but inconsistent with each other.
    #[error("{0}")]
    Inconsistent(String),
}
