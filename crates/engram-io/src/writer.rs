//! Writing [`Table`]s to Parquet or CSV files.
//!
//! Both formats are written atomically (see [`crate::atomic`]): a crashed
//! or killed run never leaves a truncated file under the final name.
//!
//! # Parquet layout
//!
//! | [`ColumnData`] | physical type | logical type          | pandas dtype |
//! |----------------|---------------|-----------------------|--------------|
//! | `F64`          | `DOUBLE`      | —                     | `float64`    |
//! | `U32`          | `INT32`       | `INTEGER(32, false)`  | `uint32`     |
//! | `U64`          | `INT64`       | `INTEGER(64, false)`  | `uint64`     |
//! | `I64`          | `INT64`       | `INTEGER(64, true)`   | `int64`      |
//!
//! All columns are `REQUIRED` (no nulls; `NaN` is an ordinary float value).
//! Pages are Snappy-compressed, row groups hold at most
//! [`PARQUET_ROW_GROUP_ROWS`] rows. The file's key-value metadata contains
//! [`UNITS_KEY`] (`"engram.units"`) mapping to a JSON object
//! `{"column": "unit", ...}` in column order, plus one entry per
//! [`Table::metadata`] item. With pyarrow:
//!
//! ```python
//! import json, pyarrow.parquet as pq
//! units = json.loads(pq.read_schema("spikes.parquet").metadata[b"engram.units"])
//! ```
//!
//! # CSV layout
//!
//! ```text
//! # model: stdp_song2000
//! # seed: 42
//! t [ms],neuron
//! 1.5,0
//! 2.25,3
//! ```
//!
//! Metadata comes first as `# key: value` lines (newlines, carriage returns
//! and backslashes in keys/values are escaped as `\n`, `\r`, `\\`), then a
//! header of `name [unit]` (just `name` for an empty unit), then one line per
//! row. Floats use Rust's shortest round-trip formatting (exponent notation
//! outside `1e-5 ≤ |x| < 1e16`), so every value parses back bit-exactly;
//! non-finite values are written `NaN`, `inf`, `-inf`. Fields containing
//! `,`, `"` or line breaks are quoted as in RFC 4180. Read with
//! `pandas.read_csv(path, comment="#")`.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use parquet::basic::{Compression, LogicalType, Repetition, Type as PhysicalType};
use parquet::data_type::{DoubleType, Int32Type, Int64Type};
use parquet::errors::ParquetError;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::Type;

use crate::atomic::atomic_file;
use crate::table::UNITS_KEY;
use crate::{ColumnData, IoError, Table};

/// Maximum number of rows per Parquet row group.
pub const PARQUET_ROW_GROUP_ROWS: usize = 1 << 20;

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Format {
    /// Apache Parquet (typed, compressed; the default).
    #[default]
    Parquet,
    /// Comma-separated values with `#` comment metadata.
    Csv,
}

impl Format {
    /// All formats, in the order listed in error messages.
    pub const ALL: [Format; 2] = [Format::Parquet, Format::Csv];

    /// File extension without the dot: `"parquet"` or `"csv"`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// Error returned when parsing an unknown [`Format`] name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFormatError {
    /// The rejected input.
    pub input: String,
}

impl fmt::Display for ParseFormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown output format `{}`; expected one of: parquet, csv",
            self.input
        )
    }
}

impl std::error::Error for ParseFormatError {}

impl FromStr for Format {
    type Err = ParseFormatError;

    /// Accepts `"parquet"` and `"csv"`, ignoring ASCII case and surrounding
    /// whitespace.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        Format::ALL
            .into_iter()
            .find(|f| t.eq_ignore_ascii_case(f.extension()))
            .ok_or_else(|| ParseFormatError {
                input: s.to_string(),
            })
    }
}

/// Writes `table` to `{dir}/{table.name}.{parquet|csv}` atomically and
/// returns that path.
///
/// `dir` is created if missing. The table is validated first
/// ([`Table::validate`]); its name must be usable as a file name (non-empty,
/// no path separators, not `.` or `..`). An existing file is replaced.
///
/// ```
/// use engram_io::{write_table, Format, Table};
/// # let dir = std::env::temp_dir().join(format!("engram-io-doc3-{}", std::process::id()));
/// let mut t = Table::new("spikes");
/// t.push_column("t", "ms", vec![1.5, 2.25]).push_column("neuron", "", vec![0u32, 3]);
/// let path = write_table(&t, &dir, Format::Csv)?;
/// assert_eq!(path, dir.join("spikes.csv"));
/// assert_eq!(std::fs::read_to_string(&path).unwrap(), "t [ms],neuron\n1.5,0\n2.25,3\n");
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), engram_io::IoError>(())
/// ```
pub fn write_table(table: &Table, dir: &Path, format: Format) -> Result<PathBuf, IoError> {
    let path = dir.join(format!("{}.{}", table.name, format.extension()));
    check_table_name(&table.name, &path)?;
    let n_rows = table.validate_for(&path)?;
    std::fs::create_dir_all(dir).map_err(|e| IoError::io("create directory", dir, e))?;
    match format {
        Format::Parquet => write_parquet(table, &path, n_rows, PARQUET_ROW_GROUP_ROWS)?,
        Format::Csv => write_csv(table, &path, n_rows)?,
    }
    Ok(path)
}

fn check_table_name(name: &str, path: &Path) -> Result<(), IoError> {
    let reason = if name.is_empty() {
        "table name is empty"
    } else if name == "." || name == ".." {
        "table name must not be `.` or `..`"
    } else if name.contains(['/', '\\', '\0']) {
        "table name must not contain `/`, `\\` or NUL"
    } else {
        return Ok(());
    };
    Err(IoError::InvalidPath {
        path: path.to_path_buf(),
        reason: reason.into(),
    })
}

// ---------------------------------------------------------------- Parquet --

fn parquet_schema(table: &Table) -> Result<Type, ParquetError> {
    let fields = table
        .columns
        .iter()
        .map(|c| {
            let (physical, logical) = match c.data {
                ColumnData::F64(_) => (PhysicalType::DOUBLE, None),
                ColumnData::U32(_) => (PhysicalType::INT32, Some(LogicalType::integer(32, false))),
                ColumnData::U64(_) => (PhysicalType::INT64, Some(LogicalType::integer(64, false))),
                ColumnData::I64(_) => (PhysicalType::INT64, Some(LogicalType::integer(64, true))),
            };
            Type::primitive_type_builder(&c.name, physical)
                .with_repetition(Repetition::REQUIRED)
                .with_logical_type(logical)
                .build()
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Type::group_type_builder("schema")
        .with_fields(fields)
        .build()
}

/// `{"col": "unit", ...}` in column order.
fn units_json(table: &Table) -> String {
    let entries: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("{}:{}", json_string(&c.name), json_string(&c.unit)))
        .collect();
    format!("{{{}}}", entries.join(","))
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

pub(crate) fn write_parquet(
    table: &Table,
    path: &Path,
    n_rows: usize,
    row_group_rows: usize,
) -> Result<(), IoError> {
    let pq = |source| IoError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let schema = Arc::new(parquet_schema(table).map_err(pq)?);
    let mut kv = vec![KeyValue::new(UNITS_KEY.to_string(), units_json(table))];
    kv.extend(
        table
            .metadata
            .iter()
            .map(|(k, v)| KeyValue::new(k.clone(), v.clone())),
    );
    let props = Arc::new(
        WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_key_value_metadata(Some(kv))
            .build(),
    );
    let row_group_rows = row_group_rows.max(1);

    atomic_file(path, |out: &mut BufWriter<File>| {
        let mut writer = SerializedFileWriter::new(out, schema, props).map_err(pq)?;
        let mut start = 0;
        while start < n_rows {
            let end = n_rows.min(start + row_group_rows);
            let mut rg = writer.next_row_group().map_err(pq)?;
            for c in &table.columns {
                let mut col = rg.next_column().map_err(pq)?.ok_or_else(|| {
                    pq(ParquetError::General(format!(
                        "no column writer for `{}`",
                        c.name
                    )))
                })?;
                match &c.data {
                    ColumnData::F64(v) => {
                        col.typed::<DoubleType>()
                            .write_batch(&v[start..end], None, None)
                    }
                    ColumnData::I64(v) => {
                        col.typed::<Int64Type>()
                            .write_batch(&v[start..end], None, None)
                    }
                    // Unsigned values are stored bit-for-bit in the signed
                    // physical type; the logical type marks them unsigned.
                    ColumnData::U32(v) => {
                        let bits: Vec<i32> = v[start..end]
                            .iter()
                            .map(|&x| i32::from_ne_bytes(x.to_ne_bytes()))
                            .collect();
                        col.typed::<Int32Type>().write_batch(&bits, None, None)
                    }
                    ColumnData::U64(v) => {
                        let bits: Vec<i64> = v[start..end]
                            .iter()
                            .map(|&x| i64::from_ne_bytes(x.to_ne_bytes()))
                            .collect();
                        col.typed::<Int64Type>().write_batch(&bits, None, None)
                    }
                }
                .map_err(pq)?;
                col.close().map_err(pq)?;
            }
            rg.close().map_err(pq)?;
            start = end;
        }
        writer.close().map_err(pq)?;
        Ok(())
    })
}

// -------------------------------------------------------------------- CSV --

/// Writes an `f64` so that it parses back to the identical value.
fn write_f64(w: &mut impl Write, x: f64) -> std::io::Result<()> {
    let a = x.abs();
    if x == 0.0 || !x.is_finite() || (1e-5..1e16).contains(&a) {
        write!(w, "{x}")
    } else {
        write!(w, "{x:e}")
    }
}

/// RFC 4180 quoting, only where needed.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Escapes a metadata key or value for a single `#` comment line.
fn comment_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

fn write_csv(table: &Table, path: &Path, n_rows: usize) -> Result<(), IoError> {
    atomic_file(path, |w: &mut BufWriter<File>| {
        write_csv_to(table, n_rows, w).map_err(|e| IoError::io("write", path, e))
    })
}

fn write_csv_to(table: &Table, n_rows: usize, w: &mut impl Write) -> std::io::Result<()> {
    for (k, v) in &table.metadata {
        writeln!(w, "# {}: {}", comment_escape(k), comment_escape(v))?;
    }
    let header: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            if c.unit.is_empty() {
                csv_field(&c.name)
            } else {
                csv_field(&format!("{} [{}]", c.name, c.unit))
            }
        })
        .collect();
    writeln!(w, "{}", header.join(","))?;
    for r in 0..n_rows {
        for (i, c) in table.columns.iter().enumerate() {
            if i > 0 {
                w.write_all(b",")?;
            }
            match &c.data {
                ColumnData::F64(v) => write_f64(w, v[r])?,
                ColumnData::U32(v) => write!(w, "{}", v[r])?,
                ColumnData::U64(v) => write!(w, "{}", v[r])?,
                ColumnData::I64(v) => write!(w, "{}", v[r])?,
            }
        }
        w.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atomic::tests::{listing, scratch};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::Field;
    use std::collections::BTreeMap;

    const TRICKY_F64: [f64; 12] = [
        0.0,
        -0.0,
        0.1,
        1.0 / 3.0,
        -2.5e-7,
        1e300,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        123_456_789.123_456_79,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];

    fn sample() -> Table {
        let n = TRICKY_F64.len() + 1;
        let mut f: Vec<f64> = TRICKY_F64.to_vec();
        f.push(f64::NAN);
        let mut t = Table::new("sample");
        t.push_column("t", "ms", f)
            .push_column(
                "neuron",
                "",
                (0..n as u32)
                    .map(|i| if i == 3 { u32::MAX } else { i * 7 })
                    .collect::<Vec<_>>(),
            )
            .push_column(
                "step, \"count\"",
                "",
                (0..n as u64)
                    .map(|i| if i == 1 { u64::MAX } else { i << 40 })
                    .collect::<Vec<_>>(),
            )
            .push_column(
                "offset",
                "µm",
                (0..n as i64)
                    .map(|i| if i == 2 { i64::MIN } else { -i })
                    .collect::<Vec<_>>(),
            );
        t.metadata.insert("seed".into(), "42".into());
        t.metadata
            .insert("protocol".into(), "theta burst\nx3".into());
        t
    }

    fn same_f64(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    fn check_parquet(path: &Path, t: &Table, expect_row_groups: usize) {
        let reader = SerializedFileReader::new(File::open(path).unwrap()).unwrap();
        let meta = reader.metadata();
        assert_eq!(meta.num_row_groups(), expect_row_groups);
        let kv: BTreeMap<String, Option<String>> = meta
            .file_metadata()
            .key_value_metadata()
            .unwrap()
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.clone()))
            .collect();
        assert_eq!(kv["engram.units"].as_deref(), Some(units_json(t).as_str()));
        let units: serde_json::Value =
            serde_json::from_str(kv["engram.units"].as_deref().unwrap()).unwrap();
        for c in &t.columns {
            assert_eq!(units[&c.name], serde_json::Value::String(c.unit.clone()));
        }
        for (k, v) in &t.metadata {
            assert_eq!(kv[k].as_deref(), Some(v.as_str()));
        }

        let mut n = 0;
        for (r, row) in reader.get_row_iter(None).unwrap().enumerate() {
            let row = row.unwrap();
            for (ci, (name, field)) in row.get_column_iter().enumerate() {
                let c = &t.columns[ci];
                assert_eq!(name, &c.name);
                match (&c.data, field) {
                    (ColumnData::F64(v), Field::Double(x)) => {
                        assert!(same_f64(v[r], *x), "{} vs {x}", v[r])
                    }
                    (ColumnData::U32(v), Field::UInt(x)) => assert_eq!(v[r], *x),
                    (ColumnData::U64(v), Field::ULong(x)) => assert_eq!(v[r], *x),
                    (ColumnData::I64(v), Field::Long(x)) => assert_eq!(v[r], *x),
                    (d, f) => panic!("type mismatch: {} vs {f:?}", d.type_name()),
                }
            }
            n += 1;
        }
        assert_eq!(n, t.n_rows());
    }

    #[test]
    fn parquet_round_trip() {
        let d = scratch("pq");
        let t = sample();
        let p = write_table(&t, &d, Format::Parquet).unwrap();
        assert_eq!(p, d.join("sample.parquet"));
        check_parquet(&p, &t, 1);
        assert_eq!(listing(&d), vec!["sample.parquet"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn parquet_multiple_row_groups() {
        let d = scratch("pqrg");
        let mut t = Table::new("big");
        let n = 1000;
        t.push_column(
            "t",
            "ms",
            (0..n).map(|i| i as f64 * 0.1).collect::<Vec<_>>(),
        )
        .push_column("i", "", (0..n as u32).rev().collect::<Vec<_>>());
        let p = d.join("big.parquet");
        write_parquet(&t, &p, n, 300).unwrap();
        check_parquet(&p, &t, 4);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn parquet_zero_rows() {
        let d = scratch("pq0");
        let mut t = Table::new("empty");
        t.push_column("t", "ms", Vec::<f64>::new())
            .push_column("i", "", Vec::<u32>::new());
        let p = write_table(&t, &d, Format::Parquet).unwrap();
        check_parquet(&p, &t, 0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// Minimal RFC 4180 line splitter for the tests.
    fn split_csv(line: &str) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(ch) = chars.next() {
            match (ch, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    out.last_mut().unwrap().push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => out.push(String::new()),
                (c, _) => out.last_mut().unwrap().push(c),
            }
        }
        out
    }

    #[test]
    fn csv_round_trip() {
        let d = scratch("csv");
        let t = sample();
        let p = write_table(&t, &d, Format::Csv).unwrap();
        assert_eq!(p, d.join("sample.csv"));
        let text = std::fs::read_to_string(&p).unwrap();
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("# protocol: theta burst\\nx3"));
        assert_eq!(lines.next(), Some("# seed: 42"));
        assert_eq!(
            lines.next(),
            Some("t [ms],neuron,\"step, \"\"count\"\"\",offset [µm]")
        );
        let rows: Vec<Vec<String>> = lines.map(split_csv).collect();
        assert_eq!(rows.len(), t.n_rows());
        for (r, row) in rows.iter().enumerate() {
            assert_eq!(row.len(), 4);
            for (c, cell) in t.columns.iter().zip(row) {
                match &c.data {
                    ColumnData::F64(v) => {
                        let x: f64 = cell.parse().unwrap();
                        assert!(same_f64(v[r], x), "{} written as {cell}", v[r]);
                    }
                    ColumnData::U32(v) => assert_eq!(v[r], cell.parse::<u32>().unwrap()),
                    ColumnData::U64(v) => assert_eq!(v[r], cell.parse::<u64>().unwrap()),
                    ColumnData::I64(v) => assert_eq!(v[r], cell.parse::<i64>().unwrap()),
                }
            }
        }
        // Compact float formatting.
        assert!(text.contains("\n1e300,"), "{text}");
        assert!(text.contains("\n0.1,"));
        assert!(text.contains("\nNaN,"));
        assert_eq!(listing(&d), vec!["sample.csv"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn ragged_table_is_rejected_and_nothing_written() {
        let d = scratch("ragged");
        let mut t = Table::new("bad");
        t.push_column("t", "ms", vec![0.0, 1.0, 2.0])
            .push_column("w", "", vec![1.0]);
        for f in Format::ALL {
            let err = write_table(&t, &d, f).unwrap_err();
            assert!(
                matches!(
                    err,
                    IoError::ColumnLength {
                        expected: 3,
                        found: 1,
                        ..
                    }
                ),
                "{err}"
            );
            assert_eq!(err.path(), d.join(format!("bad.{f}")));
        }
        assert!(listing(&d).is_empty());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn bad_table_names() {
        let d = scratch("names");
        for name in ["", ".", "..", "a/b", "a\\b"] {
            let mut t = Table::new(name);
            t.push_column("x", "", vec![1.0]);
            assert!(
                matches!(
                    write_table(&t, &d, Format::Csv),
                    Err(IoError::InvalidPath { .. })
                ),
                "{name:?}"
            );
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn creates_dir_and_overwrites() {
        let d = scratch("mkdir");
        let sub = d.join("run1").join("out");
        let mut t = Table::new("w");
        t.push_column("x", "", vec![1.0]);
        write_table(&t, &sub, Format::Csv).unwrap();
        t.columns[0].data = ColumnData::F64(vec![2.0]);
        let p = write_table(&t, &sub, Format::Csv).unwrap();
        assert_eq!(std::fs::read_to_string(p).unwrap(), "x\n2\n");
        assert_eq!(listing(&sub), vec!["w.csv"]);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn format_from_str() {
        assert_eq!("parquet".parse::<Format>(), Ok(Format::Parquet));
        assert_eq!(" CSV ".parse::<Format>(), Ok(Format::Csv));
        let err = "xlsx".parse::<Format>().unwrap_err().to_string();
        assert!(
            err.contains("xlsx") && err.contains("parquet") && err.contains("csv"),
            "{err}"
        );
        for f in Format::ALL {
            assert_eq!(f.to_string().parse::<Format>(), Ok(f));
        }
    }
}
