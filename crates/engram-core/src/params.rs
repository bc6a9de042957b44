//! Parameter metadata: one table per model that validates input *and* documents it.
//!
//! A model lists its parameters as [`FieldSpec`]s (name, dimension, default,
//! accepted range, meaning). The protocol loader checks user values against
//! this table, `engram describe` prints it, and the model builds its typed
//! parameter struct from the resolved [`ParamValues`]. There is no second copy
//! of the defaults anywhere.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::units::Dimension;
use crate::CoreError;

/// The accepted range of a parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bound {
    /// Any finite value.
    Any,
    /// Strictly positive.
    Positive,
    /// Zero or positive.
    NonNegative,
    /// Within `[lo, hi]`.
    Closed(f64, f64),
}

impl Bound {
    /// Whether `v` is accepted.
    pub fn accepts(self, v: f64) -> bool {
        v.is_finite()
            && match self {
                Bound::Any => true,
                Bound::Positive => v > 0.0,
                Bound::NonNegative => v >= 0.0,
                Bound::Closed(lo, hi) => (lo..=hi).contains(&v),
            }
    }

    /// The accepted range in words.
    pub fn describe(self) -> String {
        match self {
            Bound::Any => "any finite value".into(),
            Bound::Positive => "> 0".into(),
            Bound::NonNegative => ">= 0".into(),
            Bound::Closed(lo, hi) => format!("between {lo} and {hi}"),
        }
    }
}

/// One parameter of a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldSpec {
    /// Name as written in protocols (`tau_m`).
    pub name: &'static str,
    /// Physical dimension; the value is stored in its canonical unit.
    pub dim: Dimension,
    /// Default value in the canonical unit.
    pub default: f64,
    /// Accepted range.
    pub bound: Bound,
    /// Meaning, one line.
    pub doc: &'static str,
}

impl FieldSpec {
    /// Checks a value given in canonical units.
    pub fn check(&self, value: f64) -> Result<(), CoreError> {
        if self.bound.accepts(value) {
            Ok(())
        } else {
            Err(CoreError::OutOfRange {
                name: self.name.into(),
                value,
                unit: self.dim.canonical_unit(),
                accepted: format!("{} (in {})", self.bound.describe(), self.unit_label()),
            })
        }
    }

    /// The canonical unit, or "1" for plain numbers.
    pub fn unit_label(&self) -> &'static str {
        match self.dim.canonical_unit() {
            "" => "1",
            u => u,
        }
    }
}

/// A state variable a model exposes to recorders.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StateVar {
    /// Name (`V_m`).
    pub name: &'static str,
    /// Canonical unit.
    pub unit: &'static str,
    /// Meaning.
    pub doc: &'static str,
}

/// What a model is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// A point neuron or spike source.
    Neuron,
    /// A synapse model with or without plasticity.
    Synapse,
}

/// Everything `engram describe` prints about a model, and what validates its parameters.
#[derive(Debug, Clone, Copy)]
pub struct ModelInfo {
    /// Catalogue name (`lif_psc_exp`).
    pub name: &'static str,
    /// Neuron or synapse.
    pub kind: ModelKind,
    /// One-line summary.
    pub summary: &'static str,
    /// Equations, in the code's variable names.
    pub equations: &'static str,
    /// Parameters.
    pub fields: &'static [FieldSpec],
    /// Recordable state.
    pub state_vars: &'static [StateVar],
    /// References.
    pub references: &'static [&'static str],
}

impl ModelInfo {
    /// The spec of parameter `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Names of all parameters, comma separated (for error messages).
    pub fn field_names(&self) -> String {
        self.fields.iter().map(|f| f.name).collect::<Vec<_>>().join(", ")
    }

    /// Resolves user overrides (canonical units) on top of the defaults.
    pub fn resolve<'a>(
        &self,
        given: impl IntoIterator<Item = (&'a str, f64)>,
    ) -> Result<ParamValues, CoreError> {
        let mut values: BTreeMap<&'static str, f64> =
            self.fields.iter().map(|f| (f.name, f.default)).collect();
        for (name, v) in given {
            let spec = self.field(name).ok_or_else(|| CoreError::UnknownParameter {
                name: name.into(),
                model: self.name.into(),
                known: self.field_names(),
            })?;
            spec.check(v)?;
            values.insert(spec.name, v);
        }
        Ok(ParamValues { model: self.name, values })
    }

    /// The defaults.
    pub fn defaults(&self) -> ParamValues {
        ParamValues { model: self.name, values: self.fields.iter().map(|f| (f.name, f.default)).collect() }
    }

    /// A plain-text description: summary, equations, parameter table, state, references.
    pub fn describe(&self) -> String {
        let mut s = String::new();
        let kind = match self.kind {
            ModelKind::Neuron => "neuron model",
            ModelKind::Synapse => "synapse model",
        };
        let _ = writeln!(s, "{} ({kind})\n\n{}\n", self.name, self.summary);
        let _ = writeln!(s, "Equations:\n");
        for line in self.equations.trim_matches('\n').lines() {
            let _ = writeln!(s, "    {line}");
        }
        let _ = writeln!(s, "\nParameters:\n");
        let w = self.fields.iter().map(|f| f.name.len()).max().unwrap_or(4).max(4);
        let _ = writeln!(s, "  {:w$}  {:>5}  {:>12}  {:<16}  meaning", "name", "unit", "default", "accepted");
        for f in self.fields {
            let _ = writeln!(
                s,
                "  {:w$}  {:>5}  {:>12}  {:<16}  {}",
                f.name,
                f.unit_label(),
                format!("{}", f.default),
                f.bound.describe(),
                f.doc
            );
        }
        if !self.state_vars.is_empty() {
            let _ = writeln!(s, "\nState variables (recordable):\n");
            for v in self.state_vars {
                let unit = if v.unit.is_empty() { "1" } else { v.unit };
                let _ = writeln!(s, "  {:w$}  {:>5}  {}", v.name, unit, v.doc);
            }
        }
        if !self.references.is_empty() {
            let _ = writeln!(s, "\nReferences:\n");
            for r in self.references {
                let _ = writeln!(s, "  - {r}");
            }
        }
        s
    }
}

/// Resolved parameter values of one model instance, in canonical units.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamValues {
    model: &'static str,
    values: BTreeMap<&'static str, f64>,
}

impl ParamValues {
    /// The value of a declared parameter.
    ///
    /// # Panics
    /// If `name` is not a field of the model: that is a bug in the model file,
    /// not a user error (user names are checked in [`ModelInfo::resolve`]).
    pub fn get(&self, name: &str) -> f64 {
        match self.values.get(name) {
            Some(v) => *v,
            None => panic!("model {} reads undeclared parameter {name}", self.model),
        }
    }

    /// Returns a copy with `name` set to `value` (used by interventions).
    pub fn with(&self, info: &ModelInfo, name: &str, value: f64) -> Result<Self, CoreError> {
        let mut out = self.clone();
        let spec = info.field(name).ok_or_else(|| CoreError::UnknownParameter {
            name: name.into(),
            model: info.name.into(),
            known: info.field_names(),
        })?;
        spec.check(value)?;
        out.values.insert(spec.name, value);
        Ok(out)
    }

    /// All values, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.values.iter().map(|(k, v)| (*k, *v))
    }

    /// The model these values belong to.
    pub fn model(&self) -> &'static str {
        self.model
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[FieldSpec] = &[
        FieldSpec { name: "tau", dim: Dimension::Time, default: 10.0, bound: Bound::Positive, doc: "time constant" },
        FieldSpec { name: "gain", dim: Dimension::Dimensionless, default: 1.0, bound: Bound::Any, doc: "gain" },
    ];
    const INFO: ModelInfo = ModelInfo {
        name: "toy",
        kind: ModelKind::Neuron,
        summary: "a toy",
        equations: "dx/dt = -x / tau",
        fields: FIELDS,
        state_vars: &[],
        references: &[],
    };

    #[test]
    fn resolve_applies_defaults_and_checks() {
        let v = INFO.resolve([("gain", 2.0)]).unwrap();
        assert_eq!(v.get("tau"), 10.0);
        assert_eq!(v.get("gain"), 2.0);
        assert!(matches!(INFO.resolve([("tau", -1.0)]), Err(CoreError::OutOfRange { .. })));
        assert!(matches!(INFO.resolve([("taux", 1.0)]), Err(CoreError::UnknownParameter { .. })));
        assert!(INFO.describe().contains("time constant"));
    }
}
