//! After a run: recorder data as named columns, readouts, and expectation verdicts.

use engram_core::time::Step;
use serde::Serialize;

use crate::compile::{Protocol, RecordKind, Stat};

/// The data of one recorder, in physical units.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordData {
    /// Recorder name.
    pub name: String,
    /// Kind.
    pub kind: RecordKind,
    /// Population or projection.
    pub subject: String,
    /// Variable.
    pub variable: String,
    /// Unit of `values`.
    pub unit: String,
    /// Sample (or spike) times [ms].
    pub times_ms: Vec<f64>,
    /// Spiking neurons (spike records) or the sampled neuron of each value (state records).
    pub neurons: Vec<u32>,
    /// Values: one per time (weight, fepsp), one per (time, neuron) row (state), none (spikes).
    pub values: Vec<f64>,
    /// Mean weight per time (fepsp records; the raw weight behind the %).
    pub raw: Vec<f64>,
    /// Unit of `raw`.
    pub raw_unit: String,
    /// Population size (spike records).
    pub population_size: usize,
}

/// Collects every recorder's data from the engine.
pub fn collect(p: &Protocol) -> Vec<RecordData> {
    let probes = p.sim.probes();
    let ms = |s: &Step| p.dt.to_ms(*s);
    p.records
        .iter()
        .map(|r| {
            let probe = &probes[r.probe];
            let mut d = RecordData {
                name: r.name.clone(),
                kind: r.kind,
                subject: r.subject.clone(),
                variable: r.variable.clone(),
                unit: r.unit.clone(),
                times_ms: vec![],
                neurons: vec![],
                values: vec![],
                raw: vec![],
                raw_unit: r.raw_unit.clone(),
                population_size: r.population_size,
            };
            match r.kind {
                RecordKind::Spikes => {
                    d.times_ms = probe.stamps.iter().map(ms).collect();
                    d.neurons = probe.neurons.clone();
                }
                RecordKind::State => {
                    for (k, s) in probe.stamps.iter().enumerate() {
                        for (j, &n) in r.neurons.iter().enumerate() {
                            d.times_ms.push(ms(s));
                            d.neurons.push(n);
                            d.values.push(probe.values[k * r.neurons.len() + j]);
                        }
                    }
                }
                RecordKind::Weight | RecordKind::Synapse | RecordKind::Protein | RecordKind::Modulator => {
                    d.times_ms = probe.stamps.iter().map(ms).collect();
                    d.values = probe.values.clone();
                }
                RecordKind::Fepsp => {
                    d.times_ms = probe.stamps.iter().map(ms).collect();
                    let (b0, b1) = r.baseline;
                    let base: Vec<f64> = probe
                        .stamps
                        .iter()
                        .zip(&probe.values)
                        .filter(|(s, _)| **s >= b0 && **s <= b1)
                        .map(|(_, v)| *v)
                        .collect();
                    let baseline = if base.is_empty() {
                        probe.values.first().copied().unwrap_or(f64::NAN)
                    } else {
                        base.iter().sum::<f64>() / base.len() as f64
                    };
                    d.values = probe.values.iter().map(|v| 100.0 * v / baseline).collect();
                    d.raw = probe.values.clone();
                }
            }
            d
        })
        .collect()
}

/// A readout's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadoutValue {
    /// Name.
    pub name: String,
    /// Recorder.
    pub record: String,
    /// Statistic.
    pub stat: String,
    /// Window start [ms] (equal to end for a point value).
    pub from_ms: f64,
    /// Window end [ms].
    pub to_ms: f64,
    /// Value (NaN if there was no sample).
    pub value: f64,
    /// Unit.
    pub unit: String,
}

/// An expectation's verdict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    /// Readout name.
    pub readout: String,
    /// Measured value.
    pub value: f64,
    /// Unit.
    pub unit: String,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// Whether the value is within bounds.
    pub pass: bool,
    /// Published source.
    pub source: String,
    /// How the bound was derived.
    pub note: Option<String>,
}

/// Readouts and verdicts of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Protocol title.
    pub title: String,
    /// Readouts.
    pub readouts: Vec<ReadoutValue>,
    /// Verdicts.
    pub expectations: Vec<Verdict>,
    /// Whether all expectations passed.
    pub pass: bool,
}

/// Computes readouts and verdicts.
pub fn summarize(p: &Protocol, data: &[RecordData]) -> Summary {
    let readouts: Vec<ReadoutValue> = p
        .readouts
        .iter()
        .map(|ro| {
            let d = &data[ro.record];
            let (from, to) = (p.dt.to_ms(ro.window.0), p.dt.to_ms(ro.window.1));
            let (value, unit) = match ro.stat {
                Stat::Value => {
                    // The last sample at or before `at` (mean over neurons for state records).
                    let at = d.times_ms.iter().rposition(|&t| t <= to + 1e-9);
                    let v = at.map_or(f64::NAN, |i| {
                        let t = d.times_ms[i];
                        let vals: Vec<f64> =
                            d.times_ms.iter().zip(&d.values).filter(|(tt, _)| **tt == t).map(|(_, v)| *v).collect();
                        vals.iter().sum::<f64>() / vals.len() as f64
                    });
                    (v, d.unit.clone())
                }
                Stat::Mean => {
                    let vals: Vec<f64> = d
                        .times_ms
                        .iter()
                        .zip(&d.values)
                        .filter(|(t, _)| **t >= from - 1e-9 && **t <= to + 1e-9)
                        .map(|(_, v)| *v)
                        .collect();
                    let v = if vals.is_empty() { f64::NAN } else { vals.iter().sum::<f64>() / vals.len() as f64 };
                    (v, d.unit.clone())
                }
                Stat::Rate | Stat::Count => {
                    // Spikes with stamp in (from, to].
                    let n = d.times_ms.iter().filter(|&&t| t > from + 1e-9 && t <= to + 1e-9).count() as f64;
                    if ro.stat == Stat::Count {
                        (n, "spikes".into())
                    } else {
                        (n / d.population_size.max(1) as f64 / ((to - from) * 1e-3), "Hz".into())
                    }
                }
            };
            ReadoutValue {
                name: ro.name.clone(),
                record: d.name.clone(),
                stat: format!("{:?}", ro.stat).to_lowercase(),
                from_ms: from,
                to_ms: to,
                value,
                unit,
            }
        })
        .collect();
    let expectations: Vec<Verdict> = p
        .expects
        .iter()
        .map(|e| {
            let r = &readouts[e.readout];
            let pass = r.value.is_finite()
                && e.min.is_none_or(|m| r.value >= m)
                && e.max.is_none_or(|m| r.value <= m);
            Verdict {
                readout: r.name.clone(),
                value: r.value,
                unit: r.unit.clone(),
                min: e.min,
                max: e.max,
                pass,
                source: e.source.clone(),
                note: e.note.clone(),
            }
        })
        .collect();
    let pass = expectations.iter().all(|v| v.pass);
    Summary { title: p.title.clone(), readouts, expectations, pass }
}
