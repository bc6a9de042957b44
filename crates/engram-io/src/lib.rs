//! Output side of engram: tables, atomic files and figures.
//!
//! The writers and figures are independent of the simulator: they take a
//! [`Table`] (plain named, typed, equally long columns with units and string
//! metadata) or a figure spec built from plain vectors. Only [`report`] knows
//! about protocols: it turns a finished run's recorders, readouts and
//! metadata into the output directory (`run.json`, `summary.json`, one table
//! and one figure per recorder).
//! Figures work the same way: build a [`TimecourseSpec`] or [`RasterSpec`]
//! from plain vectors and get SVG text back.
//!
//! * [`table`]: the [`Table`] / [`Column`] / [`ColumnData`] data types.
//! * [`writer`]: [`write_table`] to Parquet (pandas/pyarrow/polars readable,
//!   units in the file's key-value metadata) or CSV, selected by [`Format`].
//! * [`atomic`]: [`write_atomic`] / [`write_atomic_with`]: temp file, fsync,
//!   rename — a killed run never leaves a half-written file under the final
//!   name. All writers in this crate use it.
//! * [`plot`]: hand-written, publication-style SVG: [`timecourse_svg`]
//!   (fEPSP % of baseline vs time, weights, voltages) and [`raster_svg`].
//!
//! Every fallible function returns [`IoError`], whose variants all name the
//! file concerned. Nothing here panics on I/O errors or bad data.
//!
//! ```
//! use engram_io::{write_table, Format, Table};
//!
//! # let out = std::env::temp_dir().join(format!("engram-io-doc-lib-{}", std::process::id()));
//! let mut t = Table::new("weights");
//! t.push_column("t", "ms", vec![0.0, 100.0, 200.0])
//!     .push_column("w", "nS", vec![0.5, 0.62, 0.71]);
//! t.metadata.insert("model".into(), "clopath2010".into());
//! let path = write_table(&t, &out, Format::Parquet)?; // {out}/weights.parquet
//! # assert!(path.exists());
//! # std::fs::remove_dir_all(&out).unwrap();
//! # Ok::<(), engram_io::IoError>(())
//! ```
#![warn(missing_docs)]

pub mod atomic;
mod error;
pub mod plot;
pub mod report;
pub mod table;
pub mod writer;

pub use atomic::{write_atomic, write_atomic_with};
pub use error::IoError;
pub use plot::{
    nice_axis, nice_ticks, raster_svg, timecourse_svg, Marker, RasterSpec, Series, SeriesStyle,
    TimecourseSpec,
};
pub use table::{Column, ColumnData, Table, UNITS_KEY};
pub use writer::{write_table, Format, ParseFormatError, PARQUET_ROW_GROUP_ROWS};
