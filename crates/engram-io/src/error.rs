//! The crate's single error type.

use std::path::PathBuf;

/// Everything that can go wrong while writing recorder output.
///
/// Every variant names the `path` it concerns, so a message printed by a
/// command-line tool always says *which* file failed. For errors detected
/// before any file is touched (for example [`Table::validate`]), `path` is
/// the file that was about to be written, or — when validation is called
/// directly without a destination — the table's name.
///
/// [`Table::validate`]: crate::Table::validate
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IoError {
    /// An operating-system I/O operation failed.
    #[error("cannot {op} {path}: {source}")]
    Io {
        /// What was being attempted, e.g. `"create temporary file for"`.
        op: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The `parquet` crate rejected the schema or data.
    #[error("cannot write Parquet file {path}: {source}")]
    Parquet {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: parquet::errors::ParquetError,
    },

    /// The destination path cannot be used (no file name, not UTF-8, ...).
    #[error("invalid output path {path}: {reason}")]
    InvalidPath {
        /// The offending path.
        path: PathBuf,
        /// Why it was rejected.
        reason: String,
    },

    /// Columns of a table differ in length.
    #[error(
        "{path}: column `{column}` has {found} rows, but column `{first}` has {expected}; \
         all columns of a table must have the same length"
    )]
    ColumnLength {
        /// Destination file (or table name, see the type-level docs).
        path: PathBuf,
        /// Name of the first column, which sets the expected length.
        first: String,
        /// Its length.
        expected: usize,
        /// Name of the offending column.
        column: String,
        /// Its length.
        found: usize,
    },

    /// Two columns share a name.
    #[error("{path}: duplicate column name `{column}`")]
    DuplicateColumn {
        /// Destination file (or table name).
        path: PathBuf,
        /// The repeated name.
        column: String,
    },

    /// A table has no columns at all (an empty table with zero *rows* is fine).
    #[error("{path}: table has no columns")]
    NoColumns {
        /// Destination file (or table name).
        path: PathBuf,
    },

    /// A table's metadata uses a key that engram-io reserves for itself.
    #[error("{path}: metadata key `{key}` is reserved by engram-io")]
    ReservedMetadataKey {
        /// Destination file (or table name).
        path: PathBuf,
        /// The reserved key.
        key: String,
    },
}

impl IoError {
    /// The path this error concerns.
    pub fn path(&self) -> &std::path::Path {
        match self {
            IoError::Io { path, .. }
            | IoError::Parquet { path, .. }
            | IoError::InvalidPath { path, .. }
            | IoError::ColumnLength { path, .. }
            | IoError::DuplicateColumn { path, .. }
            | IoError::NoColumns { path }
            | IoError::ReservedMetadataKey { path, .. } => path,
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IoError::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
