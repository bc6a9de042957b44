//! Plain, engine-independent data types for recorder output.
//!
//! A [`Table`] is a named set of equally long, typed [`Column`]s, each with a
//! physical unit, plus free-form string metadata (simulation seed, model
//! name, protocol, ...). Writers in [`crate::writer`] turn tables into
//! Parquet or CSV files.

use std::collections::BTreeMap;
use std::path::Path;

use crate::IoError;

/// Metadata key under which writers store the per-column units.
///
/// Table metadata must not use this key; see [`Table::validate`].
pub const UNITS_KEY: &str = "engram.units";

/// A named table of equally long columns, e.g. the output of one recorder.
///
/// ```
/// use engram_io::{ColumnData, Table};
///
/// let mut t = Table::new("spikes");
/// t.push_column("t", "ms", vec![1.5, 2.25, 7.0])
///     .push_column("neuron", "", vec![0u32, 3, 0]);
/// t.metadata.insert("seed".into(), "42".into());
/// assert_eq!(t.validate().unwrap(), 3);
/// assert_eq!(t.n_rows(), 3);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Table name; also the output file stem (`{name}.parquet`).
    pub name: String,
    /// Columns in output order.
    pub columns: Vec<Column>,
    /// Free-form metadata written alongside the data.
    pub metadata: BTreeMap<String, String>,
}

/// One column of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// Column name, e.g. `"t"` or `"fepsp_s1"`.
    pub name: String,
    /// Physical unit, e.g. `"ms"`, `"mV"`, `"%"`; empty for dimensionless
    /// quantities and indices.
    pub unit: String,
    /// The values.
    pub data: ColumnData,
}

/// Typed column storage.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    /// 64-bit floats (times, voltages, weights, ...).
    F64(Vec<f64>),
    /// Unsigned 32-bit integers (neuron / synapse indices).
    U32(Vec<u32>),
    /// Unsigned 64-bit integers (step counters, large ids).
    U64(Vec<u64>),
    /// Signed 64-bit integers.
    I64(Vec<i64>),
}

impl ColumnData {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::F64(v) => v.len(),
            ColumnData::U32(v) => v.len(),
            ColumnData::U64(v) => v.len(),
            ColumnData::I64(v) => v.len(),
        }
    }

    /// `true` if the column holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Short type name: `"f64"`, `"u32"`, `"u64"` or `"i64"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            ColumnData::F64(_) => "f64",
            ColumnData::U32(_) => "u32",
            ColumnData::U64(_) => "u64",
            ColumnData::I64(_) => "i64",
        }
    }
}

impl From<Vec<f64>> for ColumnData {
    fn from(v: Vec<f64>) -> Self {
        ColumnData::F64(v)
    }
}
impl From<Vec<u32>> for ColumnData {
    fn from(v: Vec<u32>) -> Self {
        ColumnData::U32(v)
    }
}
impl From<Vec<u64>> for ColumnData {
    fn from(v: Vec<u64>) -> Self {
        ColumnData::U64(v)
    }
}
impl From<Vec<i64>> for ColumnData {
    fn from(v: Vec<i64>) -> Self {
        ColumnData::I64(v)
    }
}

impl Column {
    /// Creates a column.
    pub fn new(
        name: impl Into<String>,
        unit: impl Into<String>,
        data: impl Into<ColumnData>,
    ) -> Self {
        Column {
            name: name.into(),
            unit: unit.into(),
            data: data.into(),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// `true` if the column holds no values.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

impl Table {
    /// Creates an empty table (no columns, no metadata).
    pub fn new(name: impl Into<String>) -> Self {
        Table {
            name: name.into(),
            columns: Vec::new(),
            metadata: BTreeMap::new(),
        }
    }

    /// Appends a column and returns `self` for chaining.
    ///
    /// Lengths are not checked here (so columns can be added in any order);
    /// [`validate`](Self::validate) and the writers check them.
    pub fn push_column(
        &mut self,
        name: impl Into<String>,
        unit: impl Into<String>,
        data: impl Into<ColumnData>,
    ) -> &mut Self {
        self.columns.push(Column::new(name, unit, data));
        self
    }

    /// Looks up a column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Number of rows: the length of the first column (0 without columns).
    ///
    /// Only meaningful once [`validate`](Self::validate) has succeeded.
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// Checks that the table can be written and returns its row count.
    ///
    /// Fails if there are no columns, if column lengths differ, if two
    /// columns share a name, or if the metadata uses the reserved key
    /// [`UNITS_KEY`]. Errors name the table (there is no file yet).
    pub fn validate(&self) -> Result<usize, IoError> {
        self.validate_for(Path::new(&self.name))
    }

    /// As [`validate`](Self::validate), with `path` reported in errors.
    pub(crate) fn validate_for(&self, path: &Path) -> Result<usize, IoError> {
        let Some(first) = self.columns.first() else {
            return Err(IoError::NoColumns {
                path: path.to_path_buf(),
            });
        };
        let expected = first.len();
        for (i, c) in self.columns.iter().enumerate() {
            if c.len() != expected {
                return Err(IoError::ColumnLength {
                    path: path.to_path_buf(),
                    first: first.name.clone(),
                    expected,
                    column: c.name.clone(),
                    found: c.len(),
                });
            }
            if self.columns[..i].iter().any(|p| p.name == c.name) {
                return Err(IoError::DuplicateColumn {
                    path: path.to_path_buf(),
                    column: c.name.clone(),
                });
            }
        }
        if self.metadata.contains_key(UNITS_KEY) {
            return Err(IoError::ReservedMetadataKey {
                path: path.to_path_buf(),
                key: UNITS_KEY.to_string(),
            });
        }
        Ok(expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ragged_table_is_an_error() {
        let mut t = Table::new("w");
        t.push_column("t", "ms", vec![0.0, 1.0])
            .push_column("w", "", vec![1u32]);
        let err = t.validate().unwrap_err();
        assert!(matches!(
            err,
            IoError::ColumnLength {
                expected: 2,
                found: 1,
                ..
            }
        ));
        let msg = err.to_string();
        assert!(msg.contains("`w`") && msg.contains("`t`"), "{msg}");
    }

    #[test]
    fn other_validation_errors() {
        assert!(matches!(
            Table::new("x").validate(),
            Err(IoError::NoColumns { .. })
        ));
        let mut t = Table::new("x");
        t.push_column("a", "", vec![1i64])
            .push_column("a", "", vec![2i64]);
        assert!(matches!(t.validate(), Err(IoError::DuplicateColumn { .. })));
        let mut t = Table::new("x");
        t.push_column("a", "", Vec::<f64>::new());
        assert_eq!(t.validate().unwrap(), 0);
        t.metadata.insert(UNITS_KEY.into(), "{}".into());
        assert!(matches!(
            t.validate(),
            Err(IoError::ReservedMetadataKey { .. })
        ));
    }
}
