//! The output directory of a run: metadata, summary, one table and one figure per recorder.
//!
//! | file | content |
//! |------|---------|
//! | `run.json` | engram version, git commit, seed, threads, the fully resolved parameters, wall time, spike and synapse counts, peak memory |
//! | `summary.json` | readouts, and expectations with their verdicts and sources |
//! | `NAME.parquet` / `NAME.csv` | one table per recorder (units in the file metadata / header) |
//! | `NAME.svg` | one figure per recorder: fEPSP % or weight against time with stimulus and drug markers, voltage traces, spike rasters |
//! | `fepsp.svg` | all fEPSP recorders in one slice-physiology figure, when there are two or more |
//!
//! Every file is written atomically.

use std::path::{Path, PathBuf};

use engram_protocol::compile::{Marker as ProtocolMarker, Protocol, RecordKind};
use engram_protocol::results::{RecordData, Summary};
use serde_json::json;

use crate::plot::{raster_svg, timecourse_svg, Marker, RasterSpec, Series, SeriesStyle, TimecourseSpec};
use crate::{write_atomic, write_table, Format, IoError, Table};

/// Facts about the run that the protocol does not hold.
#[derive(Debug, Clone)]
pub struct RunInfo {
    /// engram version.
    pub version: String,
    /// Git commit of the build, or "unknown".
    pub git_commit: String,
    /// Protocol file path.
    pub protocol_path: String,
    /// Wall time of the simulation loop [s].
    pub wall_s: f64,
    /// Wall time of loading and building [s].
    pub build_s: f64,
    /// Peak resident memory [bytes], if known.
    pub peak_rss_bytes: Option<u64>,
    /// Output format.
    pub format: Format,
    /// Command-line overrides.
    pub overrides: Vec<String>,
}

/// The time axis unit for a run of `duration_ms`: (divisor, label).
pub fn time_axis(duration_ms: f64) -> (f64, &'static str) {
    if duration_ms > 2.0 * 3_600_000.0 {
        (3_600_000.0, "h")
    } else if duration_ms > 2.0 * 60_000.0 {
        (60_000.0, "min")
    } else if duration_ms > 2_000.0 {
        (1000.0, "s")
    } else {
        (1.0, "ms")
    }
}

fn table_of(d: &RecordData) -> Table {
    let mut t = Table::new(d.name.clone());
    t.metadata.insert("engram.record_kind".into(), d.kind.name().into());
    t.metadata.insert("engram.subject".into(), d.subject.clone());
    match d.kind {
        RecordKind::Spikes => {
            t.push_column("t", "ms", d.times_ms.clone()).push_column("neuron", "", d.neurons.clone());
        }
        RecordKind::State => {
            t.push_column("t", "ms", d.times_ms.clone())
                .push_column("neuron", "", d.neurons.clone())
                .push_column(d.variable.clone(), d.unit.clone(), d.values.clone());
        }
        RecordKind::Weight => {
            t.push_column("t", "ms", d.times_ms.clone()).push_column("mean_weight", d.unit.clone(), d.values.clone());
        }
        RecordKind::Synapse | RecordKind::Protein => {
            t.push_column("t", "ms", d.times_ms.clone()).push_column(format!("mean_{}", d.variable), d.unit.clone(), d.values.clone());
        }
        RecordKind::Modulator => {
            t.push_column("t", "ms", d.times_ms.clone()).push_column(d.variable.clone(), "", d.values.clone());
        }
        RecordKind::Fepsp => {
            t.push_column("t", "ms", d.times_ms.clone())
                .push_column("fepsp", "%", d.values.clone())
                .push_column("mean_weight", d.raw_unit.clone(), d.raw.clone());
        }
    }
    t
}

fn markers_for(p: &Protocol, pre_population: Option<&str>, scale: f64) -> Vec<Marker> {
    p.markers
        .iter()
        .filter(|m: &&ProtocolMarker| m.intervention || pre_population.is_none_or(|pp| pp == m.target))
        .map(|m| {
            if m.intervention {
                Marker::Window { x0: m.from_ms / scale, x1: m.to_ms / scale, label: m.label.clone() }
            } else {
                let label = if pre_population.is_some() { m.label.clone() } else { format!("{} → {}", m.label, m.target) };
                Marker::Event { x: m.from_ms / scale, label }
            }
        })
        .collect()
}

fn pre_population_of(p: &Protocol, projection: &str) -> Option<String> {
    (0..p.sim.n_projections()).find_map(|i| {
        let (name, pre, _) = p.sim.projection_ends(i);
        (name == projection).then(|| p.sim.population_name(pre).to_string())
    })
}

fn figure_of(p: &Protocol, d: &RecordData) -> String {
    let duration_ms = p.dt.to_ms(p.duration);
    let (scale, unit) = time_axis(duration_ms);
    let x_label = format!("time ({unit})");
    match d.kind {
        RecordKind::Spikes => raster_svg(&RasterSpec {
            title: format!("{}: spikes of {}", d.name, d.subject),
            times_ms: d.times_ms.clone(),
            neurons: d.neurons.clone(),
            n_neurons: d.population_size as u32,
            t_start_ms: 0.0,
            t_stop_ms: duration_ms,
        }),
        RecordKind::State => {
            let mut neurons: Vec<u32> = d.neurons.clone();
            neurons.sort_unstable();
            neurons.dedup();
            let series = neurons
                .iter()
                .map(|&n| {
                    let (x, y): (Vec<f64>, Vec<f64>) = d
                        .times_ms
                        .iter()
                        .zip(&d.neurons)
                        .zip(&d.values)
                        .filter(|((_, nn), _)| **nn == n)
                        .map(|((t, _), v)| (t / scale, *v))
                        .unzip();
                    Series { label: format!("neuron {n}"), x, y, style: SeriesStyle::Line }
                })
                .collect();
            timecourse_svg(&TimecourseSpec {
                title: format!("{}: {} of {}", d.name, d.variable, d.subject),
                x_label,
                y_label: format!("{} ({})", d.variable, d.unit),
                series,
                markers: markers_for(p, Some(&d.subject), scale),
                hline: None,
                y_range: None,
            })
        }
        RecordKind::Modulator => timecourse_svg(&TimecourseSpec {
            title: format!("{}: {} in {}", p.title, d.variable, d.subject),
            x_label,
            y_label: format!("{} level (a.u.)", d.variable),
            series: vec![Series { label: d.subject.clone(), x: d.times_ms.iter().map(|t| t / scale).collect(), y: d.values.clone(), style: SeriesStyle::Line }],
            markers: markers_for(p, None, scale),
            hline: None,
            y_range: None,
        }),
        RecordKind::Synapse | RecordKind::Protein => {
            let pre = if d.kind == RecordKind::Synapse { pre_population_of(p, &d.subject) } else { None };
            let unit = if d.unit.is_empty() { String::new() } else { format!(" ({})", d.unit) };
            timecourse_svg(&TimecourseSpec {
                title: format!("{}: {} of {}", p.title, d.variable, d.subject),
                x_label,
                y_label: format!("mean {}{unit}", d.variable),
                series: vec![Series { label: d.subject.clone(), x: d.times_ms.iter().map(|t| t / scale).collect(), y: d.values.clone(), style: SeriesStyle::Line }],
                markers: markers_for(p, pre.as_deref(), scale),
                hline: None,
                y_range: None,
            })
        }
        RecordKind::Weight | RecordKind::Fepsp => {
            let fepsp = d.kind == RecordKind::Fepsp;
            let pre = pre_population_of(p, &d.subject);
            timecourse_svg(&TimecourseSpec {
                title: format!("{}: {}", p.title, d.subject),
                x_label,
                y_label: if fepsp { "fEPSP (% of baseline)".into() } else { format!("mean weight ({})", d.unit) },
                series: vec![Series {
                    label: d.subject.clone(),
                    x: d.times_ms.iter().map(|t| t / scale).collect(),
                    y: d.values.clone(),
                    style: if fepsp { SeriesStyle::Points } else { SeriesStyle::Line },
                }],
                markers: markers_for(p, pre.as_deref(), scale),
                hline: fepsp.then_some(100.0),
                y_range: None,
            })
        }
    }
}

/// Writes every output file into `dir`; returns the paths written.
pub fn write_run(
    dir: &Path,
    p: &Protocol,
    data: &[RecordData],
    summary: &Summary,
    info: &RunInfo,
) -> Result<Vec<PathBuf>, IoError> {
    std::fs::create_dir_all(dir).map_err(|source| IoError::Io { op: "create directory", path: dir.to_path_buf(), source })?;
    let mut written = vec![];
    for d in data {
        written.push(write_table(&table_of(d), dir, info.format)?);
        let svg = dir.join(format!("{}.svg", d.name));
        write_atomic(&svg, figure_of(p, d).as_bytes())?;
        written.push(svg);
    }
    let fepsp: Vec<&RecordData> = data.iter().filter(|d| d.kind == RecordKind::Fepsp).collect();
    if fepsp.len() >= 2 && !data.iter().any(|d| d.name == "fepsp") {
        let (scale, unit) = time_axis(p.dt.to_ms(p.duration));
        let styles = [SeriesStyle::Points, SeriesStyle::OpenPoints];
        let series = fepsp
            .iter()
            .enumerate()
            .map(|(i, d)| Series {
                label: d.subject.clone(),
                x: d.times_ms.iter().map(|t| t / scale).collect(),
                y: d.values.clone(),
                style: styles[i % 2],
            })
            .collect();
        let svg = timecourse_svg(&TimecourseSpec {
            title: p.title.clone(),
            x_label: format!("time ({unit})"),
            y_label: "fEPSP (% of baseline)".into(),
            series,
            markers: markers_for(p, None, scale),
            hline: Some(100.0),
            y_range: None,
        });
        let path = dir.join("fepsp.svg");
        write_atomic(&path, svg.as_bytes())?;
        written.push(path);
    }
    let stats = p.sim.stats();
    let populations: Vec<_> = (0..p.sim.n_populations())
        .map(|i| json!({ "name": p.sim.population_name(i), "size": p.sim.population_size(i), "spikes": p.sim.spike_counts()[i] }))
        .collect();
    let projections: Vec<_> = (0..p.sim.n_projections())
        .map(|i| json!({ "name": p.sim.projection_ends(i).0, "synapses": p.sim.projection(i).len() }))
        .collect();
    let run = json!({
        "engram_version": info.version,
        "git_commit": info.git_commit,
        "protocol": info.protocol_path,
        "title": p.title,
        "reproduces": p.reproduces,
        "seed": p.seed,
        "threads": p.threads,
        "overrides": info.overrides,
        "parameters": p.resolved,
        "wall_time_s": info.wall_s,
        "build_time_s": info.build_s,
        "biological_time_ms": p.dt.to_ms(p.sim.now()),
        "steps": stats.steps,
        "fast_forwarded_ms": p.dt.to_ms(stats.fast_forward_steps),
        "spikes": stats.spikes,
        "synaptic_events": stats.synaptic_events,
        "synapses": p.sim.n_synapses(),
        "populations": populations,
        "projections": projections,
        "peak_rss_bytes": info.peak_rss_bytes,
        "output_format": info.format.to_string(),
    });
    let path = dir.join("run.json");
    write_atomic(&path, to_pretty(&run).as_bytes())?;
    written.push(path);
    let path = dir.join("summary.json");
    write_atomic(&path, to_pretty(&json!(summary)).as_bytes())?;
    written.push(path);
    Ok(written)
}

fn to_pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string());
    s.push('\n');
    s
}
