//! Writes example figures and tables to a directory (default `out/figures/`):
//!
//! ```text
//! cargo run -p engram-io --example figures -- /tmp/engram-figures
//! ```
//!
//! The data are synthetic (a deterministic pseudo-random generator), shaped
//! like a late-LTP experiment with two pathways and a protein-synthesis
//! inhibitor, and like a Poisson spike raster.

use engram_io::plot::{raster_svg, Marker, RasterSpec, Series, SeriesStyle, TimecourseSpec};
use engram_io::{timecourse_svg, write_atomic, write_table, Format, IoError, Table};
use std::path::PathBuf;

/// Small deterministic generator (xorshift64*), uniform in [0, 1).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Approximately normal (sum of 12 uniforms).
    fn normal(&mut self) -> f64 {
        (0..12).map(|_| self.next()).sum::<f64>() - 6.0
    }
}

fn main() -> Result<(), IoError> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "out/figures".into()),
    );
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);

    // fEPSP slope every 5 min from -30 min to 8 h; strong tetanus to S1 at 0.
    let t_h: Vec<f64> = (-6..=96).map(|i| f64::from(i) * 5.0 / 60.0).collect();
    let s1: Vec<f64> = t_h
        .iter()
        .map(|&t| {
            let ltp = if t < 0.0 {
                0.0
            } else {
                45.0 + 60.0 * (-t / 0.4).exp()
            };
            100.0 + ltp + 4.0 * rng.normal()
        })
        .collect();
    let s2: Vec<f64> = t_h.iter().map(|_| 100.0 + 4.0 * rng.normal()).collect();

    let spec = TimecourseSpec {
        title: "Late LTP in S1, control pathway S2".into(),
        x_label: "Time (h)".into(),
        y_label: "fEPSP slope (% of baseline)".into(),
        series: vec![
            Series {
                label: "S1 (tetanized)".into(),
                x: t_h.clone(),
                y: s1.clone(),
                style: SeriesStyle::Points,
            },
            Series {
                label: "S2 (control)".into(),
                x: t_h.clone(),
                y: s2.clone(),
                style: SeriesStyle::OpenPoints,
            },
        ],
        markers: vec![
            Marker::Event {
                x: 0.0,
                label: "STET".into(),
            },
            Marker::Window {
                x0: -0.5,
                x1: 1.0,
                label: "anisomycin".into(),
            },
        ],
        hline: Some(100.0),
        y_range: None,
    };
    std::fs::create_dir_all(&dir).map_err(|e| IoError::Io {
        op: "create directory",
        path: dir.clone(),
        source: e,
    })?;
    write_atomic(&dir.join("ltp.svg"), timecourse_svg(&spec).as_bytes())?;

    // The same data as a table.
    let mut table = Table::new("ltp");
    table
        .push_column("t", "h", t_h.clone())
        .push_column("fepsp_s1", "%", s1)
        .push_column("fepsp_s2", "%", s2);
    table.metadata.insert(
        "protocol".into(),
        "STET at t = 0 h; anisomycin -0.5..1 h".into(),
    );
    write_table(&table, &dir, Format::Parquet)?;
    write_table(&table, &dir, Format::Csv)?;

    // Membrane potential trace (lines), with tetanus arrows.
    let t_ms: Vec<f64> = (0..20_000).map(|i| f64::from(i) * 0.05).collect();
    let v: Vec<f64> = t_ms
        .iter()
        .map(|&t| {
            let phase = t % 100.0;
            -70.0 + 15.0 * (1.0 - (-phase / 20.0).exp()) + 0.3 * rng.normal()
        })
        .collect();
    let w: Vec<f64> = t_ms
        .iter()
        .map(|&t| -62.0 + 3.0 * (t / 150.0).sin())
        .collect();
    let trace = TimecourseSpec {
        title: "Membrane potential".into(),
        x_label: "Time (ms)".into(),
        y_label: "V (mV)".into(),
        series: vec![
            Series {
                label: "neuron 0".into(),
                x: t_ms.clone(),
                y: v,
                style: SeriesStyle::Line,
            },
            Series {
                label: "neuron 1".into(),
                x: t_ms,
                y: w,
                style: SeriesStyle::Line,
            },
        ],
        markers: (0..10)
            .map(|i| Marker::Event {
                x: f64::from(i) * 100.0,
                label: if i == 0 {
                    "100 Hz train".into()
                } else {
                    "100 Hz".into()
                },
            })
            .collect(),
        hline: None,
        y_range: None,
    };
    write_atomic(&dir.join("trace.svg"), timecourse_svg(&trace).as_bytes())?;

    // Poisson raster: 200 neurons, rate 5 Hz (+ burst in 50..100), 2 s.
    let (mut times, mut neurons) = (Vec::new(), Vec::new());
    for n in 0..200u32 {
        let mut t = 0.0;
        loop {
            let rate_hz = if (50..100).contains(&n) && (800.0..1200.0).contains(&t) {
                40.0
            } else {
                5.0
            };
            t += -(1.0 - rng.next()).ln() / rate_hz * 1000.0;
            if t >= 2000.0 {
                break;
            }
            times.push(t);
            neurons.push(n);
        }
    }
    let raster = RasterSpec {
        title: "Input population".into(),
        times_ms: times,
        neurons,
        n_neurons: 200,
        t_start_ms: 0.0,
        t_stop_ms: 2000.0,
    };
    write_atomic(&dir.join("raster.svg"), raster_svg(&raster).as_bytes())?;
    println!("wrote figures and tables to {}", dir.display());
    Ok(())
}
