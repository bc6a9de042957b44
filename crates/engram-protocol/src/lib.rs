//! # engram-protocol: declarative experiment files
//!
//! A protocol is one TOML file: simulation settings, populations, projections
//! with their synapse models, stimuli and interventions on a timeline,
//! recorders, readouts and expectations with their published sources. This
//! crate parses it keeping source spans ([`schema`]), applies command-line
//! overrides ([`overrides`]), checks units, names and ranges and compiles it to
//! an engine simulation ([`compile`]), and after the run turns probes into
//! recorder data, readouts and verdicts ([`results`]).
//!
//! Every error is a [`Diagnostic`] with file, line, column, the offending value
//! and the accepted form. The format is documented in `docs/protocol.md`.
#![warn(missing_docs)]

pub mod compile;
pub mod diag;
pub mod overrides;
pub mod presets;
pub mod results;
pub mod schema;

use std::path::Path;

pub use compile::{Protocol, RunOverrides};
pub use diag::{Diagnostic, Source};

/// Reading a protocol failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The protocol is invalid.
    #[error("{0}")]
    Invalid(#[from] Diagnostic),
}

/// Reads, overrides, parses and compiles the protocol at `path`.
pub fn load(path: &Path, sets: &[String], over: RunOverrides) -> Result<Protocol, LoadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| LoadError::Io { path: path.display().to_string(), source })?;
    Ok(parse_str(&path.display().to_string(), &text, sets, over)?)
}

/// Parses and compiles protocol text; `name` is used in messages.
pub fn parse_str(name: &str, text: &str, sets: &[String], over: RunOverrides) -> Result<Protocol, Diagnostic> {
    let (text, overridden) = overrides::apply(text, sets)?;
    let src = Source { name: name.to_string(), text, overridden };
    let file: schema::ProtocolFile = toml::from_str(&src.text).map_err(|e| toml_error(&src, &e))?;
    compile::compile(file, &src, over)
}

fn toml_error(src: &Source, e: &toml::de::Error) -> Diagnostic {
    let msg = e.message().trim().to_string();
    // serde's "unknown field `x`, expected one of `a`, `b`" → message + accepted form.
    let (message, accepted) = match msg.split_once(", expected ") {
        Some((m, "nothing")) => (m.to_string(), None),
        Some((m, exp)) => (m.to_string(), Some(plain_type_name(exp))),
        None => (msg, None),
    };
    match e.span() {
        Some(span) => src.diag(span, message, accepted),
        None => src.diag_file(message, accepted),
    }
}

/// serde's names for the expected type, in the words of a protocol file.
fn plain_type_name(expected: &str) -> String {
    match expected {
        "i64" | "u64" => "a whole number (without quotes), like 10".into(),
        "f64" => "a number (without quotes), like 0.5".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "an array, like [0, 1, 2]".into(),
        "a tuple of size 2" => "a pair of numbers, like [0, 1]".into(),
        other if other.starts_with("struct ") => "a table".into(),
        other => other.to_string(),
    }
}
