//! Compilation: a parsed protocol file → a ready-to-run engine [`Simulation`].
//!
//! Every check that can be made before the run is made here, with the span of
//! the offending value: units, ranges, names, model parameters, connectivity,
//! whole multiples of `dt`, times inside the run.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use engram_core::model::{FieldModel, InputKind, NeuronModel, SynapseModel};
use engram_core::params::{ModelInfo, ParamValues};
use engram_core::rng::{Purpose, Stream};
use engram_core::time::{Dt, Step};
use engram_core::units::{parse_quantity, Dimension};
use engram_core::CoreError;
use engram_engine::connect::{self, Rule};
use engram_engine::modulator::{ModulatorSpec, Release};
use engram_engine::probe::{Probe, ProbeKind};
use engram_engine::projection::{MemoryEstimate, Projection, Receptor, SynapseSpec, Synapses};
use engram_engine::simulation::{Change, Guards, Target};
use engram_engine::stimulus::{PoissonInput, Stimulus, MAX_POISSON_EVENTS_PER_STEP};
use engram_engine::{EngineError, Simulation};
use engram_models::catalogue::{self, NeuronVisitor, SynapseVisitor};
use serde_json::{json, Value as Json};

use crate::diag::{Diagnostic, Source};
use crate::presets;
use crate::schema::*;

/// What a recorder records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    /// Spike times of a population.
    Spikes,
    /// A state variable of some neurons.
    State,
    /// Mean weight of a projection.
    Weight,
    /// Mean weight as % of its baseline (fEPSP %).
    Fepsp,
    /// Mean of a per-synapse variable of a projection.
    Synapse,
    /// Mean protein level of a population.
    Protein,
    /// Level of a modulator in a region.
    Modulator,
}

impl RecordKind {
    /// The name used in protocols.
    pub fn name(self) -> &'static str {
        match self {
            RecordKind::Spikes => "spikes",
            RecordKind::State => "state",
            RecordKind::Weight => "weight",
            RecordKind::Fepsp => "fepsp",
            RecordKind::Synapse => "synapse",
            RecordKind::Protein => "protein",
            RecordKind::Modulator => "modulator",
        }
    }
}

/// A recorder, compiled.
#[derive(Debug, Clone)]
pub struct RecordPlan {
    /// Name (output file stem).
    pub name: String,
    /// Kind.
    pub kind: RecordKind,
    /// Index of the engine probe.
    pub probe: usize,
    /// Population or projection recorded.
    pub subject: String,
    /// Variable name (state) or what is recorded.
    pub variable: String,
    /// Unit of the recorded values.
    pub unit: String,
    /// Neurons (state recorders).
    pub neurons: Vec<u32>,
    /// Population size (spike recorders).
    pub population_size: usize,
    /// fEPSP baseline window in stamps (inclusive).
    pub baseline: (Step, Step),
    /// Unit of the mean weight behind an fEPSP record ("" otherwise).
    pub raw_unit: String,
}

/// What a readout computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stat {
    /// The last sample at or before `at`.
    Value,
    /// Mean of the samples in the window.
    Mean,
    /// Mean rate in the window [Hz] (spike recorders).
    Rate,
    /// Spike count in the window.
    Count,
}

/// A readout, compiled.
#[derive(Debug, Clone)]
pub struct ReadoutPlan {
    /// Name.
    pub name: String,
    /// Index into the records.
    pub record: usize,
    /// Statistic.
    pub stat: Stat,
    /// Window in stamps (`from == to` for `Value`).
    pub window: (Step, Step),
}

/// An expectation, compiled.
#[derive(Debug, Clone)]
pub struct ExpectPlan {
    /// Index into the readouts.
    pub readout: usize,
    /// Lower bound.
    pub min: Option<f64>,
    /// Upper bound.
    pub max: Option<f64>,
    /// Published source.
    pub source: String,
    /// Derivation note.
    pub note: Option<String>,
}

/// A stimulus or intervention marker for plots.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Start [ms].
    pub from_ms: f64,
    /// End [ms] (equal to start for a point event).
    pub to_ms: f64,
    /// Label.
    pub label: String,
    /// Targeted population or projection.
    pub target: String,
    /// Whether this is an intervention window.
    pub intervention: bool,
}

/// A compiled protocol, ready to run.
pub struct Protocol {
    /// The source text (for diagnostics).
    pub source: Source,
    /// Title from `[meta]`, or the file stem.
    pub title: String,
    /// Description from `[meta]`.
    pub description: String,
    /// What it reproduces.
    pub reproduces: String,
    /// The engine simulation.
    pub sim: Simulation,
    /// Step.
    pub dt: Dt,
    /// Duration in steps.
    pub duration: Step,
    /// Seed.
    pub seed: u64,
    /// Threads.
    pub threads: usize,
    /// Recorders.
    pub records: Vec<RecordPlan>,
    /// Readouts.
    pub readouts: Vec<ReadoutPlan>,
    /// Expectations.
    pub expects: Vec<ExpectPlan>,
    /// Plot markers.
    pub markers: Vec<Marker>,
    /// Every parameter, resolved, for run.json.
    pub resolved: Json,
}

/// Overrides that do not go through the file: `--seed`, `--threads`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOverrides {
    /// Seed override.
    pub seed: Option<u64>,
    /// Threads override.
    pub threads: Option<usize>,
}

struct Cx<'a> {
    src: &'a Source,
    dt: Dt,
    duration: Step,
}

fn span<T>(v: &Sp<T>) -> Range<usize> {
    v.span()
}

impl Cx<'_> {
    fn err(&self, span: Range<usize>, msg: impl Into<String>, accepted: impl Into<Option<String>>) -> Diagnostic {
        self.src.diag(span, msg, accepted.into())
    }

    fn core_err(&self, span: Range<usize>, what: &str, e: CoreError) -> Diagnostic {
        let (msg, accepted) = match &e {
            CoreError::BadQuantity { value, expected } => (format!("{what}: cannot read {value:?}"), Some(expected.clone())),
            CoreError::WrongDimension { value, found, expected, example } => (
                format!("{what}: {value:?} is a {found}, but a {expected} is needed"),
                Some(format!("a {expected}, for example {example}")),
            ),
            CoreError::OutOfRange { name, value, unit, accepted } => {
                let unit = if unit.is_empty() { String::new() } else { format!(" {unit}") };
                (format!("{what}: {name} = {value}{unit} is out of range"), Some(accepted.clone()))
            }
            CoreError::NotMultipleOfDt { ms, dt_ms, .. } => (
                format!("{what}: {ms} ms is not a whole number of steps of dt = {dt_ms} ms"),
                Some(format!("a multiple of dt = {dt_ms} ms")),
            ),
            CoreError::UnknownParameter { name, model, known } => {
                (format!("{what}: unknown parameter {name:?} for model {model}"), Some(format!("one of: {known}")))
            }
            CoreError::Inconsistent(m) => (format!("{what}: {m}"), None),
        };
        self.err(span, msg, accepted)
    }

    /// A quantity of dimension `dim` (a string with units; a plain number when dimensionless).
    /// The dimension and unit of a synaptic weight onto a population of input
    /// kind `kind` (`target`: where the population is named), or the error for a
    /// spike source; `hint` ends the accepted form.
    fn weight_dimension(&self, kind: InputKind, target: &Sp<String>, what: &str, hint: &str) -> Result<(Dimension, &'static str), Diagnostic> {
        match kind {
            InputKind::Current => Ok((Dimension::Current, "pA")),
            InputKind::Voltage => Ok((Dimension::Voltage, "mV")),
            InputKind::Conductance => Ok((Dimension::Conductance, "nS")),
            InputKind::None => Err(self.err(
                span(target),
                format!("{what}: population {:?} is a spike source and takes no synaptic input", target.get_ref()),
                format!("a population of a neuron model (lif_psc_exp, lif_psc_delta, lif_cond_exp, adex{hint}"),
            )),
        }
    }

    /// The `receptor` key of a projection or Poisson input, checked against its
    /// weight: current- and voltage-based targets take the sign of the weight as
    /// the port (NEST convention), so an inhibitory weight must then be negative.
    fn receptor(&self, receptor: Option<&Sp<String>>, weight: f64, weight_val: &Val, (dim, unit): (Dimension, &str), what: &str) -> Result<Receptor, Diagnostic> {
        let r = match receptor.map(|r| r.get_ref().as_str()) {
            None | Some("excitatory") => Receptor::Excitatory,
            Some("inhibitory") => Receptor::Inhibitory,
            Some(other) => {
                return Err(self.err(
                    span(receptor.expect("receptor given")),
                    format!("{what}: unknown receptor {other:?}"),
                    "\"excitatory\" or \"inhibitory\"".to_string(),
                ))
            }
        };
        if r == Receptor::Inhibitory && dim != Dimension::Conductance && weight > 0.0 {
            return Err(self.err(
                span(weight_val),
                format!("{what}: an inhibitory weight onto a {} target must be negative (got {weight} {unit})", dim.name()),
                format!("a negative weight, like \"-{weight} {unit}\""),
            ));
        }
        Ok(r)
    }

    fn quantity(&self, v: &Val, dim: Dimension, what: &str) -> Result<f64, Diagnostic> {
        let sp = span(v);
        match v.get_ref() {
            toml::Value::String(s) => {
                if dim == Dimension::Dimensionless {
                    let q = parse_quantity(s).map_err(|e| self.core_err(sp.clone(), what, e))?;
                    if q.dim != Dimension::Dimensionless {
                        return Err(self.err(sp, format!("{what}: {s:?} has a unit, but a plain number is needed"), "a plain number, like 0.5".to_string()));
                    }
                    return Ok(q.value);
                }
                engram_core::units::parse_as(s, dim).map_err(|e| self.core_err(sp, what, e))
            }
            toml::Value::Integer(i) if dim == Dimension::Dimensionless => Ok(*i as f64),
            toml::Value::Float(x) if dim == Dimension::Dimensionless && x.is_finite() => Ok(*x),
            toml::Value::Integer(_) | toml::Value::Float(_) => Err(self.err(
                sp,
                format!("{what}: {} has no unit", v.get_ref()),
                format!("a {} with its unit, for example {}", dim.name(), dim.example()),
            )),
            other => Err(self.err(
                sp,
                format!("{what}: expected a {}, found {}", dim.name(), other.type_str()),
                format!("for example {}", dim.example()),
            )),
        }
    }

    fn ms(&self, v: &Val, what: &str) -> Result<f64, Diagnostic> {
        self.quantity(v, Dimension::Time, what)
    }

    /// A time that must not be negative (checked before the multiple-of-dt test,
    /// which would otherwise report a negative time as "not a whole number of steps").
    fn ms_non_negative(&self, v: &Val, what: &str) -> Result<f64, Diagnostic> {
        let ms = self.ms(v, what)?;
        if ms < 0.0 {
            return Err(self.err(span(v), format!("{what}: {ms} ms is negative"), "a time >= 0, like \"10 ms\"".to_string()));
        }
        Ok(ms)
    }

    /// A time on the grid, within the run.
    fn time(&self, v: &Val, what: &str) -> Result<Step, Diagnostic> {
        let ms = self.ms_non_negative(v, what)?;
        let s = self.dt.steps(what, ms).map_err(|e| self.core_err(span(v), what, e))?;
        if s > self.duration {
            return Err(self.err(
                span(v),
                format!("{what} = {ms} ms is after the end of the run ({} ms)", self.dt.to_ms(self.duration)),
                format!("a time between 0 and the duration, {} ms", self.dt.to_ms(self.duration)),
            ));
        }
        Ok(s)
    }

    /// A positive duration, in steps (at least one step).
    fn period(&self, v: &Val, what: &str) -> Result<Step, Diagnostic> {
        let ms = self.ms_non_negative(v, what)?;
        let s = self.dt.steps(what, ms).map_err(|e| self.core_err(span(v), what, e))?;
        if s == 0 {
            return Err(self.err(span(v), format!("{what} must be at least one step"), format!("at least dt = {} ms", self.dt.ms())));
        }
        Ok(s)
    }

    fn positive_int(&self, v: &Sp<i64>, what: &str) -> Result<u64, Diagnostic> {
        let x = *v.get_ref();
        if x < 1 {
            return Err(self.err(span(v), format!("{what} = {x} must be at least 1"), "a positive whole number".to_string()));
        }
        Ok(x as u64)
    }

    /// Resolves a parameter table against a model, skipping `skip` keys.
    fn params(
        &self,
        info: &ModelInfo,
        table: Option<&Sp<ParamTable>>,
        skip: &[&str],
        weight_dim: Dimension,
        base: Option<&ParamValues>,
        what: &str,
    ) -> Result<ParamValues, Diagnostic> {
        let mut values = base.cloned().unwrap_or_else(|| info.defaults());
        let Some(table) = table else { return Ok(values) };
        for (key, val) in table.get_ref() {
            if skip.contains(&key.get_ref().as_str()) {
                continue;
            }
            let Some(field) = info.field(key.get_ref()) else {
                let known = if info.fields.is_empty() { "(this model has no parameters)".to_string() } else { info.field_names() };
                return Err(self.err(
                    span(key),
                    format!("{what}: unknown parameter {:?} for model {}", key.get_ref(), info.name),
                    format!("one of: {known}"),
                ));
            };
            let dim = if field.dim == Dimension::Weight { weight_dim } else { field.dim };
            let x = self.quantity(val, dim, &format!("{what}: {}", field.name))?;
            values = values.with(info, field.name, x).map_err(|e| self.core_err(span(val), what, e))?;
        }
        Ok(values)
    }
}

fn unique<'a>(cx: &Cx, names: impl Iterator<Item = &'a Sp<String>>, what: &str) -> Result<(), Diagnostic> {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for n in names {
        if n.get_ref().is_empty() {
            return Err(cx.err(span(n), format!("{what} name must not be empty"), "a non-empty name".to_string()));
        }
        if seen.insert(n.get_ref(), ()).is_some() {
            return Err(cx.err(span(n), format!("duplicate {what} name {:?}", n.get_ref()), format!("a {what} name used only once")));
        }
    }
    Ok(())
}

/// An intervention window: from, to, the parameters it sets, and its name and `set` span.
/// An intervention window: from, to, the resolved parameter values it sets, (name, span).
type Window = (Step, Step, Vec<(&'static str, f64)>, (String, Range<usize>));

/// Checks a set of parameter values against the model's constraints between parameters.
struct CheckParams<'a>(&'a ParamValues);

impl NeuronVisitor for CheckParams<'_> {
    type Output = Result<(), CoreError>;
    fn visit<M: NeuronModel>(self) -> Self::Output {
        M::params(self.0).map(|_| ())
    }
}

impl SynapseVisitor for CheckParams<'_> {
    type Output = Result<(), CoreError>;
    fn visit<S: SynapseModel>(self) -> Self::Output {
        S::params(self.0).map(|_| ())
    }
}

impl catalogue::FieldVisitor for CheckParams<'_> {
    type Output = Result<(), CoreError>;
    fn visit<F: FieldModel>(self) -> Self::Output {
        F::params(self.0).map(|_| ())
    }
}

struct AddField<'a> {
    sim: &'a mut Simulation,
    pop: usize,
    values: ParamValues,
}

impl catalogue::FieldVisitor for AddField<'_> {
    type Output = Result<(), EngineError>;
    fn visit<F: FieldModel>(self) -> Self::Output {
        self.sim.add_field::<F>(self.pop, self.values)
    }
}

struct AddPopulation<'a> {
    sim: &'a mut Simulation,
    name: &'a str,
    size: usize,
    values: ParamValues,
}

impl NeuronVisitor for AddPopulation<'_> {
    type Output = Result<usize, EngineError>;
    fn visit<M: NeuronModel>(self) -> Self::Output {
        self.sim.add_population::<M>(self.name, self.size, self.values)
    }
}

/// The memory a projection of a synapse model will need.
struct EstimateMemory {
    synapses: f64,
    n_pre: usize,
    n_post: usize,
    explicit: bool,
    threads: usize,
}

impl SynapseVisitor for EstimateMemory {
    type Output = MemoryEstimate;
    fn visit<S: SynapseModel>(self) -> MemoryEstimate {
        Projection::<S>::estimate(self.synapses, self.n_pre, self.n_post, self.explicit, self.threads)
    }
}

/// The modulator a field model's parameters may follow.
struct FieldLevelModulator;
impl catalogue::FieldVisitor for FieldLevelModulator {
    type Output = Option<&'static str>;
    fn visit<F: FieldModel>(self) -> Self::Output {
        F::LEVEL_MODULATOR
    }
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Memory the operating system can still give this process, in bytes (Linux
/// `MemAvailable`); `None` where it cannot be read, and the check is skipped.
fn memory_available() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

struct AddProjection<'a> {
    sim: &'a mut Simulation,
    name: &'a str,
    pre: usize,
    post: usize,
    values: ParamValues,
    receptor: Receptor,
    synapses: Synapses,
}

impl SynapseVisitor for AddProjection<'_> {
    type Output = Result<usize, EngineError>;
    fn visit<S: SynapseModel>(self) -> Self::Output {
        self.sim.add_projection_from::<S>(self.name, self.pre, self.post, self.values, self.receptor, self.synapses)
    }
}

fn param_json(info: &ModelInfo, v: &ParamValues, weight_unit: &str) -> Json {
    let mut m = serde_json::Map::new();
    for f in info.fields {
        let unit = if f.dim == Dimension::Weight { weight_unit } else { f.unit_label() };
        m.insert(f.name.to_string(), json!({ "value": v.get(f.name), "unit": unit }));
    }
    Json::Object(m)
}

fn neuron_list(cx: &Cx, v: Option<&Sp<Vec<i64>>>, size: usize, what: &str) -> Result<Vec<u32>, Diagnostic> {
    match v {
        None => Ok((0..size as u32).collect()),
        Some(list) => {
            let mut out = Vec::with_capacity(list.get_ref().len());
            for &i in list.get_ref() {
                if i < 0 || i as usize >= size {
                    return Err(cx.err(
                        span(list),
                        format!("{what}: neuron index {i} is outside the population (size {size})"),
                        format!("indices from 0 to {}", size.saturating_sub(1)),
                    ));
                }
                out.push(i as u32);
            }
            Ok(out)
        }
    }
}

/// Compiles a parsed protocol.
pub fn compile(file: ProtocolFile, src: &Source, over: RunOverrides) -> Result<Protocol, Diagnostic> {
    let s = file.simulation.get_ref();
    let dt_ms = match &s.dt {
        Some(v) => {
            let pre = Cx { src, dt: Dt::from_ms(1.0).expect("1 ms is a valid step"), duration: 0 };
            pre.ms(v, "simulation.dt")?
        }
        None => Dt::DEFAULT_MS,
    };
    let dt = Dt::from_ms(dt_ms).map_err(|e| {
        let pre = Cx { src, dt: Dt::from_ms(1.0).expect("1 ms is a valid step"), duration: 0 };
        pre.core_err(s.dt.as_ref().map_or(span(&file.simulation), span), "simulation.dt", e)
    })?;
    let mut cx = Cx { src, dt, duration: u64::MAX };
    let duration_ms = cx.ms_non_negative(&s.duration, "simulation.duration")?;
    let duration = cx.dt.steps("duration", duration_ms).map_err(|e| cx.core_err(span(&s.duration), "simulation.duration", e))?;
    if duration == 0 {
        return Err(cx.err(span(&s.duration), "simulation.duration must be positive", "a positive time, like \"9 h\"".to_string()));
    }
    cx.duration = duration;
    let seed = match (&over.seed, &s.seed) {
        (Some(x), _) => *x,
        (None, Some(v)) if *v.get_ref() < 0 => {
            return Err(cx.err(span(v), format!("seed = {} must not be negative", v.get_ref()), "a whole number >= 0".to_string()))
        }
        (None, Some(v)) => *v.get_ref() as u64,
        (None, None) => 1,
    };
    let threads = match (&over.threads, &s.threads) {
        (Some(t), _) => *t,
        (None, Some(v)) => cx.positive_int(v, "simulation.threads")? as usize,
        (None, None) => 1,
    };
    let mut sim = Simulation::new(dt);
    sim.set_seed(seed);
    if let Some(v) = &s.slow_dt {
        let steps = cx.period(v, "simulation.slow_dt")?;
        sim.set_slow_every(steps);
    }
    let fast_forward = s.fast_forward.as_ref().is_some_and(|f| *f.get_ref());
    sim.set_fast_forward(fast_forward);
    sim.set_threads(threads).map_err(|e| cx.err(span(&file.simulation), e.to_string(), None))?;
    if let Some(v) = &s.max_rate {
        let hz = cx.quantity(v, Dimension::Frequency, "simulation.max_rate")?;
        if hz <= 0.0 {
            return Err(cx.err(span(v), "simulation.max_rate must be positive", "a rate like \"1000 Hz\"".to_string()));
        }
        let window = ((1000.0 / dt.ms()).round() as Step).max(1);
        sim.set_guards(Guards { max_rate_hz: hz, window });
    }

    // Populations.
    unique(&cx, file.population.iter().map(|p| &p.get_ref().name), "population")?;
    let mut pop_index: HashMap<String, usize> = HashMap::new();
    let mut resolved_pops = vec![];
    // The region of each population (by index), for modulator fields.
    let mut pop_regions: Vec<Option<String>> = vec![];
    // Fields that read a modulator of their region: (population, name, span of the name).
    let mut field_modulators: Vec<(usize, String, Range<usize>)> = vec![];
    for p in &file.population {
        let p = p.get_ref();
        let size = cx.positive_int(&p.size, &format!("population {}: size", p.name.get_ref()))?;
        if size > u64::from(u32::MAX) {
            return Err(cx.err(span(&p.size), format!("population {}: size = {size} is too large", p.name.get_ref()), format!("at most {}", u32::MAX)));
        }
        let size = size as usize;
        let model = p.model.get_ref();
        let Some(info) = catalogue::NEURON_MODELS.iter().find(|m| m.name == model.as_str()) else {
            let known = catalogue::NEURON_MODELS.iter().map(|m| m.name).collect::<Vec<_>>().join(", ");
            return Err(cx.err(span(&p.model), format!("unknown neuron model {model:?}"), format!("one of: {known}")));
        };
        let what = format!("population {}", p.name.get_ref());
        let values = cx.params(info, p.params.as_ref(), &[], Dimension::Weight, None, &what)?;
        let name = p.name.get_ref();
        let idx = catalogue::with_neuron(model, AddPopulation { sim: &mut sim, name, size, values: values.clone() })
            .expect("model found in the catalogue above")
            .map_err(|e| match e {
                EngineError::Params { source, .. } => cx.core_err(
                    p.params.as_ref().map_or(span(&p.model), span),
                    &what,
                    source,
                ),
                other => cx.err(span(&p.name), other.to_string(), None),
            })?;
        pop_index.insert(name.clone(), idx);
        if let Some(r) = &p.region {
            if r.get_ref().is_empty() {
                return Err(cx.err(span(r), format!("{what}: region name must not be empty"), "a name, like \"striatum\"".to_string()));
            }
        }
        pop_regions.push(p.region.as_ref().map(|r| r.get_ref().clone()));
        let mut proteins_json = Json::Null;
        if let Some(t) = &p.proteins {
            let fmodel = match t.get_ref().iter().find(|(k, _)| k.get_ref() == "model") {
                None => "protein_pool".to_string(),
                Some((_, m)) => match m.get_ref() {
                    toml::Value::String(x) => x.clone(),
                    _ => return Err(cx.err(span(m), format!("{what}: proteins model must be a name"), "model = \"protein_pool\"".to_string())),
                },
            };
            let Some(finfo) = catalogue::FIELD_MODELS.iter().find(|m| m.name == fmodel) else {
                let known = catalogue::FIELD_MODELS.iter().map(|m| m.name).collect::<Vec<_>>().join(", ");
                return Err(cx.err(span(t), format!("{what}: unknown protein model {fmodel:?}"), format!("one of: {known}")));
            };
            let fvalues = cx.params(finfo, Some(t), &["model", "modulator"], Dimension::Weight, None, &format!("{what}: proteins"))?;
            if let Some((_, m)) = t.get_ref().iter().find(|(k, _)| k.get_ref() == "modulator") {
                let toml::Value::String(mname) = m.get_ref() else {
                    return Err(cx.err(span(m), format!("{what}: proteins modulator must be a name"), "modulator = \"dopamine\"".to_string()));
                };
                if catalogue::with_field(&fmodel, FieldLevelModulator).flatten().is_none() {
                    return Err(cx.err(span(m), format!("{what}: protein model {fmodel} reads no modulator"), "remove `modulator`, or use protein_pool".to_string()));
                }
                if p.region.is_none() {
                    return Err(cx.err(span(m), format!("{what}: proteins read {mname} in the population's region, but the population has no region"), format!("region = \"NAME\" in population {:?}, and a [[modulator]] with that region and name = \"{mname}\"", p.name.get_ref())));
                }
                field_modulators.push((idx, mname.clone(), span(m)));
            }
            catalogue::with_field(&fmodel, AddField { sim: &mut sim, pop: idx, values: fvalues.clone() })
                .expect("model found in the catalogue above")
                .map_err(|e| match e {
                    EngineError::Params { source, .. } => cx.core_err(span(t), &format!("{what}: proteins"), source),
                    other => cx.err(span(t), other.to_string(), None),
                })?;
            proteins_json = json!({ "model": fmodel, "params": param_json(finfo, &fvalues, "") });
        }
        resolved_pops.push(json!({ "name": name, "model": model, "size": size, "params": param_json(info, &values, ""), "proteins": proteins_json }));
    }
    let find_pop = |n: &Sp<String>, what: &str| -> Result<usize, Diagnostic> {
        pop_index.get(n.get_ref()).copied().ok_or_else(|| {
            let mut known: Vec<&str> = pop_index.keys().map(|s| s.as_str()).collect();
            known.sort();
            cx.err(span(n), format!("{what}: no population named {:?}", n.get_ref()), format!("one of: {}", known.join(", ")))
        })
    };

    // Modulators: one field per (region, modulator), with their releases.
    let mut mod_index: HashMap<(String, String), usize> = HashMap::new();
    let mut mod_values: Vec<ParamValues> = vec![];
    let mut resolved_mods = vec![];
    let mut known_regions: Vec<&str> = pop_regions.iter().flatten().map(String::as_str).collect();
    known_regions.sort();
    known_regions.dedup();
    for md in &file.modulator {
        let md_span = span(md);
        let md = md.get_ref();
        let (region, mname) = (md.region.get_ref(), md.name.get_ref());
        let what = format!("modulator {mname:?} of region {region:?}");
        if !known_regions.contains(&region.as_str()) {
            let accepted = if known_regions.is_empty() {
                "a region named by a population: add region = \"NAME\" to the [[population]] tables".to_string()
            } else {
                format!("one of: {}", known_regions.join(", "))
            };
            return Err(cx.err(span(&md.region), format!("{what}: no population is in region {region:?}"), accepted));
        }
        if mname.is_empty() {
            return Err(cx.err(span(&md.name), "modulator name must not be empty", "dopamine, acetylcholine, noradrenaline, or another name".to_string()));
        }
        if mod_index.contains_key(&(region.clone(), mname.clone())) {
            return Err(cx.err(span(&md.name), format!("duplicate modulator {mname:?} in region {region:?}"), "each modulator once per region".to_string()));
        }
        let tonic = match &md.tonic {
            Some(v) => cx.quantity(v, Dimension::Dimensionless, &format!("{what}: tonic"))?,
            None => 0.0,
        };
        let tau = cx.ms(&md.tau, &format!("{what}: tau"))?;
        if tau <= 0.0 {
            return Err(cx.err(span(&md.tau), format!("{what}: tau = {tau} ms must be positive"), "a positive time, like \"200 ms\"".to_string()));
        }
        let m = sim
            .add_modulator(ModulatorSpec { name: format!("{region}.{mname}"), modulator: mname.clone(), tonic, tau_ms: tau })
            .map_err(|e| cx.err(md_span.clone(), e.to_string(), None))?;
        // The values an intervention starts from (engram_core::modulator::INFO).
        mod_values.push(engram_core::modulator::INFO.resolve([("tonic", tonic)]).map_err(|e| cx.core_err(md_span.clone(), &what, e))?);
        for (ri, rl) in md.release.iter().enumerate() {
            let rl_span = span(rl);
            let rl = rl.get_ref();
            let rwhat = format!("{what}: release {}", ri + 1);
            let amount = cx.quantity(&rl.amount, Dimension::Dimensionless, &format!("{rwhat}: amount"))?;
            let timed = rl.at.is_some() || rl.times.is_some() || rl.every.is_some() || rl.from.is_some() || rl.to.is_some();
            if let Some(ct) = &rl.contingency {
                if let Some(p) = &rl.population {
                    return Err(cx.err(span(p), format!("{rwhat}: give either `contingency` or `population`, not both"), "contingency = { pre = ..., post = ... } alone".to_string()));
                }
                if timed || rl.neurons.is_some() || rl.delay.is_some() {
                    return Err(cx.err(
                        span(ct),
                        format!("{rwhat}: a `contingency` release takes no release times, `neurons` or `delay` (its delays are `delay_min` and `delay_max`)"),
                        "contingency = { pre = \"exc\", pre_neuron = 0, post = \"exc\", post_neuron = 1, window = \"20 ms\", delay_min = \"1 s\", delay_max = \"3 s\" }".to_string(),
                    ));
                }
                let ct = ct.get_ref();
                let cwhat = format!("{rwhat}: contingency");
                let pre = find_pop(&ct.pre, &cwhat)?;
                let post = find_pop(&ct.post, &cwhat)?;
                let neuron = |n: &Sp<i64>, pop: usize, key: &str| {
                    let size = sim.population_size(pop);
                    let i = *n.get_ref();
                    if i < 0 || i as usize >= size {
                        return Err(cx.err(span(n), format!("{cwhat}: {key} = {i} is outside population {} (size {size})", sim.population_name(pop)), format!("an index from 0 to {}", size.saturating_sub(1))));
                    }
                    Ok(i as u32)
                };
                let pre_neuron = neuron(&ct.pre_neuron, pre, "pre_neuron")?;
                let post_neuron = neuron(&ct.post_neuron, post, "post_neuron")?;
                let steps = |v: &Val, key: &str| -> Result<Step, Diagnostic> {
                    let what = format!("{cwhat}: {key}");
                    let ms = cx.ms_non_negative(v, &what)?;
                    cx.dt.steps(key, ms).map_err(|e| cx.core_err(span(v), &what, e))
                };
                let window = steps(&ct.window, "window")?;
                if window == 0 {
                    return Err(cx.err(span(&ct.window), format!("{cwhat}: window must be at least one step"), "a positive time, like \"20 ms\"".to_string()));
                }
                let delay_min = match &ct.delay_min {
                    Some(v) => steps(v, "delay_min")?,
                    None => 0,
                };
                let delay_max = match &ct.delay_max {
                    Some(v) => steps(v, "delay_max")?,
                    None => delay_min,
                };
                if delay_max < delay_min {
                    let v = ct.delay_max.as_ref().expect("only a given delay_max can be below delay_min");
                    return Err(cx.err(span(v), format!("{cwhat}: delay_max must not be below delay_min"), "delay_max >= delay_min, like delay_min = \"1 s\", delay_max = \"3 s\"".to_string()));
                }
                let release = Release::Contingency { pre, pre_neuron, post, post_neuron, window, delay_min, delay_max, amount };
                sim.add_release(m, release).map_err(|e| cx.err(span(&md.release[ri]), e.to_string(), None))?;
                continue;
            }
            let release = match (&rl.population, timed) {
                (Some(p), true) => {
                    return Err(cx.err(
                        span(p),
                        format!("{rwhat}: give either `population` (a release per spike) or release times, not both"),
                        "population = \"NAME\", or at / times / every with from and to".to_string(),
                    ))
                }
                (None, false) => {
                    return Err(cx.err(
                        rl_span,
                        format!("{rwhat}: needs `population` (a release per spike), release times or a `contingency`"),
                        "population = \"vta\", or at = \"1 s\", or times = [\"1 s\", \"2 s\"], or every = \"1 s\" with from and to".to_string(),
                    ))
                }
                (Some(p), false) => {
                    let pop = find_pop(p, &rwhat)?;
                    let neurons = match &rl.neurons {
                        Some(_) => Some(neuron_list(&cx, rl.neurons.as_ref(), sim.population_size(pop), &rwhat)?),
                        None => None,
                    };
                    let delay = match &rl.delay {
                        Some(v) => {
                            let ms = cx.ms_non_negative(v, &format!("{rwhat}: delay"))?;
                            cx.dt.steps("delay", ms).map_err(|e| cx.core_err(span(v), &format!("{rwhat}: delay"), e))?
                        }
                        None => 0,
                    };
                    Release::PerSpike { pop, neurons, delay, amount }
                }
                (None, true) => {
                    let mut stamps = vec![];
                    if let Some(at) = &rl.at {
                        stamps.push(cx.time(at, &format!("{rwhat}: at"))?);
                    }
                    if let Some(ts) = &rl.times {
                        for v in ts.get_ref() {
                            stamps.push(cx.time(v, &format!("{rwhat}: times"))?);
                        }
                    }
                    match (&rl.every, &rl.from) {
                        (Some(every), Some(from)) => {
                            let period = cx.period(every, &format!("{rwhat}: every"))?;
                            let from = cx.time(from, &format!("{rwhat}: from"))?;
                            let to = match &rl.to {
                                Some(v) => cx.time(v, &format!("{rwhat}: to"))?,
                                None => duration.saturating_add(1),
                            };
                            stamps.extend((0..).map(|k| from + k * period).take_while(|&t| t < to && t <= duration));
                        }
                        (Some(every), None) => {
                            return Err(cx.err(span(every), format!("{rwhat}: `every` needs `from`"), "from = \"1 s\" (and optionally to)".to_string()))
                        }
                        (None, _) if rl.from.is_some() || rl.to.is_some() => {
                            let v = rl.from.as_ref().or(rl.to.as_ref()).expect("one is given");
                            return Err(cx.err(span(v), format!("{rwhat}: `from` and `to` repeat releases, and need `every`"), "every = \"1 s\"".to_string()));
                        }
                        (None, _) => {}
                    }
                    Release::At { stamps, amount }
                }
            };
            sim.add_release(m, release).map_err(|e| cx.err(span(&md.release[ri]), e.to_string(), None))?;
        }
        mod_index.insert((region.clone(), mname.clone()), m);
        resolved_mods.push(json!({
            "region": region, "name": mname, "tonic": tonic,
            "tau": { "value": tau, "unit": "ms" }, "releases": md.release.len(),
        }));
    }
    let known_modulators = || {
        let mut k: Vec<String> = mod_index.keys().map(|(r, n)| format!("{n} in {r}")).collect();
        k.sort();
        if k.is_empty() {
            "none is defined: add a [[modulator]] table".to_string()
        } else {
            k.join(", ")
        }
    };
    for (pop, mname, at) in field_modulators {
        let region = pop_regions[pop].clone().expect("checked with the population");
        let Some(&m) = mod_index.get(&(region.clone(), mname.clone())) else {
            return Err(cx.err(
                at,
                format!("population {}: proteins read {mname}, but region {region:?} has no modulator {mname:?}", sim.population_name(pop)),
                format!("a [[modulator]] with region = \"{region}\" and name = \"{mname}\" (defined: {})", known_modulators()),
            ));
        };
        sim.bind_field_modulator(pop, m).map_err(|e| cx.err(at, e.to_string(), None))?;
    }

    // Projections.
    unique(&cx, file.projection.iter().map(|p| &p.get_ref().name), "projection")?;
    let available = memory_available();
    let mut kept_bytes = 0.0f64;
    let mut proj_index: HashMap<String, usize> = HashMap::new();
    let mut proj_values: Vec<(ParamValues, &'static ModelInfo, Dimension)> = vec![];
    let mut resolved_projs = vec![];
    for (pi, pr) in file.projection.iter().enumerate() {
        let pr = pr.get_ref();
        let name = pr.name.get_ref();
        let what = format!("projection {name}");
        let pre = find_pop(&pr.from, &format!("{what}: from"))?;
        let post = find_pop(&pr.to, &format!("{what}: to"))?;
        let (weight_dim, weight_unit) = cx.weight_dimension(sim.population(post).input_kind(), &pr.to, &what, ")")?;
        let weight = cx.quantity(&pr.weight, weight_dim, &format!("{what}: weight"))?;
        let delay = match &pr.delay {
            Some(v) => cx.period(v, &format!("{what}: delay"))?,
            None => 1,
        };
        if delay > engram_engine::simulation::MAX_DELAY_STEPS {
            return Err(cx.err(
                span(pr.delay.as_ref().expect("a long delay was given")),
                format!("{what}: delay of {delay} steps is too long"),
                format!("at most {} steps", engram_engine::simulation::MAX_DELAY_STEPS),
            ));
        }
        let receptor = cx.receptor(pr.receptor.as_ref(), weight, &pr.weight, (weight_dim, weight_unit), &what)?;
        let c = pr.connect.get_ref();
        let autapses = c.autapses.as_ref().is_some_and(|a| *a.get_ref());
        let need = |o: bool, key: &str| -> Result<(), Diagnostic> {
            if o {
                Ok(())
            } else {
                Err(cx.err(span(&pr.connect), format!("{what}: rule {:?} needs `{key}`", c.rule.get_ref()), format!("add {key} = ...")))
            }
        };
        let rule = match c.rule.get_ref().as_str() {
            "all_to_all" => Rule::AllToAll { autapses },
            "one_to_one" => Rule::OneToOne,
            "fixed_probability" => {
                need(c.p.is_some(), "p")?;
                let p = c.p.as_ref().expect("checked");
                if !(0.0..=1.0).contains(p.get_ref()) {
                    return Err(cx.err(span(p), format!("{what}: p = {} is not a probability", p.get_ref()), "a number between 0 and 1".to_string()));
                }
                Rule::FixedProbability { p: *p.get_ref(), autapses }
            }
            "fixed_indegree" => {
                need(c.k.is_some(), "k")?;
                let k = cx.positive_int(c.k.as_ref().expect("checked"), &format!("{what}: k"))?;
                let k = u32::try_from(k).unwrap_or(u32::MAX);
                Rule::FixedIndegree { k, autapses }
            }
            "list" => {
                need(c.pairs.is_some(), "pairs")?;
                let pairs = c.pairs.as_ref().expect("checked");
                let mut out = vec![];
                for &(a, b) in pairs.get_ref() {
                    let (Ok(a), Ok(b)) = (u32::try_from(a), u32::try_from(b)) else {
                        return Err(cx.err(span(pairs), format!("{what}: neuron index out of range in pair ({a}, {b})"), "pairs of indices >= 0 within the populations".to_string()));
                    };
                    out.push((a, b));
                }
                Rule::List(out)
            }
            other => {
                return Err(cx.err(
                    span(&c.rule),
                    format!("{what}: unknown connection rule {other:?}"),
                    "one of: all_to_all, one_to_one, fixed_probability, fixed_indegree, list".to_string(),
                ))
            }
        };
        // Estimate the memory before allocating anything, so that a network that
        // cannot fit is refused with a message instead of being killed by the kernel.
        let (n_pre, n_post) = (sim.population_size(pre) as f64, sim.population_size(post) as f64);
        let expected = match &rule {
            Rule::AllToAll { .. } => n_pre * n_post,
            Rule::OneToOne => n_post,
            Rule::FixedProbability { p, .. } => n_pre * n_post * p,
            Rule::FixedIndegree { k, .. } => *k as f64 * n_post,
            Rule::List(l) => l.len() as f64,
        };
        let model_name = pr.plasticity.as_ref().and_then(|t| {
            t.get_ref().iter().find(|(k, _)| k.get_ref() == "model").and_then(|(_, m)| m.get_ref().as_str().map(str::to_string))
        });
        let estimate = catalogue::with_synapse(
            model_name.as_deref().unwrap_or("static"),
            EstimateMemory { synapses: expected, n_pre: n_pre as usize, n_post: n_post as usize, explicit: matches!(rule, Rule::List(_)), threads },
        );
        if let (Some(avail), Some(e)) = (available, estimate) {
            // What the projections built so far keep, plus this one while it is built.
            let needed = kept_bytes + e.kept + e.scratch;
            if needed > avail as f64 {
                return Err(cx.err(
                    span(&pr.connect),
                    format!(
                        "{what}: the network needs about {:.1} GiB (this projection: about {:.3e} synapses at {} bytes each, {:.1} GiB with its row pointers, plus {:.1} GiB of scratch while it is built), but only {:.1} GiB of memory are available",
                        needed / GIB,
                        expected,
                        e.per_synapse,
                        e.kept / GIB,
                        e.scratch / GIB,
                        avail as f64 / GIB
                    ),
                    "a smaller network (fewer neurons, lower connection probability or in-degree), or a machine with more memory".to_string(),
                ));
            }
        }
        kept_bytes += estimate.map_or(0.0, |e| e.kept);
        connect::check(&rule, sim.population_size(pre), sim.population_size(post), pre == post)
            .map_err(|m| cx.err(span(&pr.connect), format!("{what}: {m}"), None))?;
        // Per-synapse weights and delays (explicit lists only). Every other
        // projection is drawn shard by shard inside the engine.
        let synapses = match rule {
            Rule::List(pairs) if c.weights.is_some() || c.delays.is_some() => {
                let mut synapses: Vec<SynapseSpec> =
                    pairs.iter().map(|&(a, b)| SynapseSpec { pre: a, post: b, weight, delay: delay as u16 }).collect();
                for (key, list) in [("weights", &c.weights), ("delays", &c.delays)] {
                    let Some(list) = list else { continue };
                    if list.get_ref().len() != synapses.len() {
                        return Err(cx.err(
                            span(list),
                            format!("{what}: {} {key} for {} pairs", list.get_ref().len(), synapses.len()),
                            format!("one entry per pair ({})", synapses.len()),
                        ));
                    }
                    for (syn, v) in synapses.iter_mut().zip(list.get_ref()) {
                        if key == "weights" {
                            syn.weight = cx.quantity(v, weight_dim, &format!("{what}: weights"))?;
                        } else {
                            let d = cx.period(v, &format!("{what}: delays"))?;
                            if d > engram_engine::simulation::MAX_DELAY_STEPS {
                                return Err(cx.err(span(v), format!("{what}: delay of {d} steps is too long"), format!("at most {} steps", engram_engine::simulation::MAX_DELAY_STEPS)));
                            }
                            syn.delay = d as u16;
                        }
                    }
                }
                Synapses::List(synapses)
            }
            _ => {
                if let Some((key, list)) = [("weights", &c.weights), ("delays", &c.delays)].into_iter().find_map(|(k, l)| l.as_ref().map(|l| (k, l))) {
                    return Err(cx.err(span(list), format!("{what}: `{key}` is only for rule = \"list\""), format!("remove `{key}`, or use rule = \"list\" with pairs")));
                }
                Synapses::Rule { rule, same: pre == post, seed, index: pi, weight, delay: delay as u16 }
            }
        };
        let (model, info) = match &pr.plasticity {
            None => ("static".to_string(), catalogue::info("static").expect("static is in the catalogue")),
            Some(t) => {
                let Some((_, m)) = t.get_ref().iter().find(|(k, _)| k.get_ref() == "model") else {
                    return Err(cx.err(span(t), format!("{what}: plasticity needs a `model`"), "model = \"stdp_pair\" (or another synapse model)".to_string()));
                };
                let toml::Value::String(m_name) = m.get_ref() else {
                    return Err(cx.err(span(m), format!("{what}: plasticity model must be a name"), "a string such as \"stdp_pair\"".to_string()));
                };
                let Some(info) = catalogue::SYNAPSE_MODELS.iter().find(|i| i.name == m_name.as_str()) else {
                    let known = catalogue::SYNAPSE_MODELS.iter().map(|m| m.name).collect::<Vec<_>>().join(", ");
                    return Err(cx.err(span(m), format!("{what}: unknown synapse model {m_name:?}"), format!("one of: {known}")));
                };
                (m_name.clone(), info)
            }
        };
        // A published parameter set (`parameter_set = "NAME"`) replaces the
        // defaults; keys written beside it override the set.
        let set_base = match pr.plasticity.as_ref().and_then(|t| t.get_ref().iter().find(|(k, _)| k.get_ref() == "parameter_set")) {
            None => None,
            Some((_, v)) => {
                let sets = catalogue::synapse_parameter_sets(&model);
                let names = sets.iter().map(|s| format!("{:?}", s.name)).collect::<Vec<_>>().join(", ");
                if sets.is_empty() {
                    return Err(cx.err(span(v), format!("{what}: model {model} has no published parameter sets"), "no `parameter_set` key for this model".to_string()));
                }
                let toml::Value::String(n) = v.get_ref() else {
                    return Err(cx.err(span(v), format!("{what}: parameter_set must be a name"), format!("one of: {names}")));
                };
                let Some(set) = sets.iter().find(|s| s.name == n.as_str()) else {
                    return Err(cx.err(span(v), format!("{what}: unknown parameter set {n:?} for model {model}"), format!("one of: {names}")));
                };
                Some(info.resolve(set.values.iter().copied()).map_err(|e| cx.core_err(span(v), &what, e))?)
            }
        };
        let values = cx.params(info, pr.plasticity.as_ref(), &["model", "parameter_set"], weight_dim, set_base.as_ref(), &what)?;
        let idx = catalogue::with_synapse(
            &model,
            AddProjection { sim: &mut sim, name, pre, post, values: values.clone(), receptor, synapses },
        )
        .expect("model found in the catalogue above")
        .map_err(|e| match e {
            EngineError::Params { source, .. } => {
                cx.core_err(pr.plasticity.as_ref().map_or(span(&pr.weight), span), &what, source)
            }
            EngineError::NegativeConductance { .. } => cx.err(
                span(&pr.weight),
                e.to_string(),
                "a weight >= 0 nS, with receptor = \"inhibitory\" for inhibition".to_string(),
            ),
            other => cx.err(span(&pr.name), other.to_string(), None),
        })?;
        proj_index.insert(name.clone(), idx);
        match (sim.projection(idx).modulator(), &pr.modulator) {
            (None, Some(m)) if sim.projection(idx).level_modulator().is_some() => {
                // Optional binding: the level of the modulator sets some parameters.
                let mname = m.get_ref().clone();
                let Some(region) = &pop_regions[post] else {
                    return Err(cx.err(
                        span(m),
                        format!("{what}: synapse model {model} reads {mname} in the region of population {:?}, which has no region", pr.to.get_ref()),
                        format!("region = \"NAME\" in population {:?}, and a [[modulator]] with that region and name = \"{mname}\"", pr.to.get_ref()),
                    ));
                };
                let Some(&mi) = mod_index.get(&(region.clone(), mname.clone())) else {
                    return Err(cx.err(
                        span(m),
                        format!("{what}: synapse model {model} reads {mname}, but region {region:?} has no modulator {mname:?}"),
                        format!("a [[modulator]] with region = \"{region}\" and name = \"{mname}\" (defined: {})", known_modulators()),
                    ));
                };
                sim.bind_level_modulator(idx, mi).map_err(|e| cx.err(span(m), e.to_string(), None))?;
            }
            (None, Some(m)) => {
                return Err(cx.err(span(m), format!("{what}: synapse model {model} reads no modulator"), "remove `modulator`, or use a modulated model such as stdp_dopamine or tagging_capture".to_string()))
            }
            (None, None) => {}
            (Some(default), chosen) => {
                let mname = chosen.as_ref().map_or(default.to_string(), |c| c.get_ref().clone());
                let at = chosen.as_ref().map_or_else(|| pr.plasticity.as_ref().map_or(span(&pr.to), span), span);
                let Some(region) = &pop_regions[post] else {
                    return Err(cx.err(
                        span(&pr.to),
                        format!("{what}: synapse model {model} reads {mname} in the region of population {:?}, which has no region", pr.to.get_ref()),
                        format!("region = \"NAME\" in population {:?}, and a [[modulator]] with that region and name = \"{mname}\"", pr.to.get_ref()),
                    ));
                };
                let Some(&m) = mod_index.get(&(region.clone(), mname.clone())) else {
                    return Err(cx.err(
                        at,
                        format!("{what}: synapse model {model} reads {mname}, but region {region:?} has no modulator {mname:?}"),
                        format!("a [[modulator]] with region = \"{region}\" and name = \"{mname}\" (defined: {})", known_modulators()),
                    ));
                };
                sim.bind_modulator(idx, m).map_err(|e| cx.err(at, e.to_string(), None))?;
            }
        }
        proj_values.push((values.clone(), info, weight_dim));
        resolved_projs.push(json!({
            "name": name, "from": pr.from.get_ref(), "to": pr.to.get_ref(), "model": model,
            "rule": c.rule.get_ref(), "synapses": sim.projection(idx).len(),
            "weight": { "value": weight, "unit": weight_unit },
            "delay": { "value": dt.to_ms(delay), "unit": "ms" },
            "receptor": match receptor { Receptor::Inhibitory => "inhibitory", _ => "excitatory" },
            "params": param_json(info, &values, weight_unit),
        }));
    }
    let find_proj = |n: &Sp<String>, what: &str| -> Result<usize, Diagnostic> {
        proj_index.get(n.get_ref()).copied().ok_or_else(|| {
            let mut known: Vec<&str> = proj_index.keys().map(|s| s.as_str()).collect();
            known.sort();
            cx.err(span(n), format!("{what}: no projection named {:?}", n.get_ref()), format!("one of: {}", known.join(", ")))
        })
    };

    // Stimuli.
    let mut markers = vec![];
    for (si, st) in file.stimulus.iter().enumerate() {
        let stim_span = span(st);
        let st = st.get_ref();
        let pop = find_pop(&st.target, &format!("stimulus {}", si + 1))?;
        let what = format!("stimulus {} ({})", si + 1, st.target.get_ref());
        let neurons = neuron_list(&cx, st.neurons.as_ref(), sim.population_size(pop), &what)?;
        compile_stimulus(&cx, &mut sim, st, stim_span, pop, neurons, seed, si, &what, &find_pop, &mut markers)?;
    }

    // Interventions: per target, piecewise-constant parameter values.
    // Target kinds: 0 population, 1 projection, 2 protein field, 3 modulator field.
    let mut windows: BTreeMap<(u8, usize), Vec<Window>> = BTreeMap::new();
    let mut resolved_interventions = vec![];
    for iv in &file.intervention {
        let iv_span = span(iv);
        let iv = iv.get_ref();
        let what = format!("intervention {}", iv.name.get_ref());
        let from = cx.time(&iv.from, &format!("{what}: from"))?;
        let to = match &iv.to {
            Some(v) => cx.time(v, &format!("{what}: to"))?,
            None => duration,
        };
        if to <= from {
            return Err(cx.err(span(iv.to.as_ref().unwrap_or(&iv.from)), format!("{what}: `to` must be after `from`"), "to > from".to_string()));
        }
        let drug = match &iv.drug {
            None => None,
            Some(d) => Some(engram_models::drugs::drug(d.get_ref()).ok_or_else(|| {
                cx.err(span(d), format!("{what}: unknown drug {:?}", d.get_ref()), format!("one of: {}", engram_models::drugs::names()))
            })?),
        };
        if drug.is_none() && iv.set.is_none() {
            return Err(cx.err(iv_span, format!("{what}: needs `set` (parameter changes) or `drug`"), format!("set = {{ ... }} or drug = one of {}", engram_models::drugs::names())));
        }
        let t = iv.target.get_ref();
        let mut key = match t.split_once('.') {
            Some(("population", n)) => {
                let i = pop_index.get(n).copied().ok_or_else(|| cx.err(span(&iv.target), format!("{what}: no population named {n:?}"), None))?;
                (0u8, i)
            }
            Some(("projection", n)) => {
                let i = proj_index.get(n).copied().ok_or_else(|| cx.err(span(&iv.target), format!("{what}: no projection named {n:?}"), None))?;
                (1u8, i)
            }
            Some(("proteins", n)) => {
                let i = pop_index.get(n).copied().ok_or_else(|| cx.err(span(&iv.target), format!("{what}: no population named {n:?}"), None))?;
                (2u8, i)
            }
            Some(("modulator", rest)) => {
                let Some((region, mname)) = rest.split_once('.') else {
                    return Err(cx.err(span(&iv.target), format!("{what}: cannot read modulator target {t:?}"), "\"modulator.REGION.NAME\", like \"modulator.vta.dopamine\"".to_string()));
                };
                let i = mod_index.get(&(region.to_string(), mname.to_string())).copied().ok_or_else(|| {
                    let mut known: Vec<String> = mod_index.keys().map(|(r, n)| format!("modulator.{r}.{n}")).collect();
                    known.sort();
                    let accepted = if known.is_empty() { "a [[modulator]] table for that region and name".to_string() } else { format!("one of: {}", known.join(", ")) };
                    cx.err(span(&iv.target), format!("{what}: no modulator {mname:?} in region {region:?}"), accepted)
                })?;
                if let Some(d) = &iv.drug {
                    return Err(cx.err(span(d), format!("{what}: drugs act on populations and projections, not on modulator fields"), "set = { tonic = ..., release_gain = ... }".to_string()));
                }
                (3u8, i)
            }
            _ => {
                return Err(cx.err(
                    span(&iv.target),
                    format!("{what}: cannot read target {t:?}"),
                    "\"population.NAME\", \"projection.NAME\", \"proteins.NAME\" or \"modulator.REGION.NAME\"".to_string(),
                ))
            }
        };
        if let Some(d) = drug {
            use engram_models::drugs::DrugTarget;
            match (d.target, key.0) {
                (DrugTarget::Proteins, 0) | (DrugTarget::Proteins, 2) => key.0 = 2,
                (DrugTarget::Synapses, 1) => {}
                (DrugTarget::Proteins, _) => return Err(cx.err(span(&iv.target), format!("{what}: {} acts on the protein pools of a population", d.name), "target = \"population.NAME\"".to_string())),
                (DrugTarget::Synapses, _) => return Err(cx.err(span(&iv.target), format!("{what}: {} acts on the synapses of a projection", d.name), "target = \"projection.NAME\"".to_string())),
            }
        }
        // Resolve and validate the parameter names and values now, against the target's model.
        let (base, info, wdim) = match key.0 {
            0 => {
                let p = sim.population(key.1);
                (p.values().clone(), p.info(), Dimension::Weight)
            }
            1 => {
                let (v, i, d) = &proj_values[key.1];
                (v.clone(), *i, *d)
            }
            3 => (mod_values[key.1].clone(), &engram_core::modulator::INFO, Dimension::Dimensionless),
            _ => match sim.field(key.1) {
                Some(f) => (f.values().clone(), f.info(), Dimension::Weight),
                None => return Err(cx.err(span(&iv.target), format!("{what}: population {:?} has no protein pools", t.split_once('.').map_or("", |x| x.1)), "give the population `proteins = { model = \"protein_pool\" }`".to_string())),
            },
        };
        let mut sets: Vec<(&'static str, f64)> = vec![];
        if let Some(d) = drug {
            let Some(effect) = d.sets_for(info.name) else {
                return Err(cx.err(
                    span(iv.drug.as_ref().expect("drug given")),
                    format!("{what}: {} has no documented effect on model {}", d.name, info.name),
                    format!("a target whose model is one of: {}", d.models()),
                ));
            };
            for &(name, value) in effect {
                let field = info.field(name).expect("drug effects name existing parameters (tested in engram-models)");
                sets.push((field.name, value));
            }
            // A receptor antagonist acts on the effect of the modulator it blocks.
            if let Some(ligand) = d.blocks {
                let bound = if key.0 == 1 { sim.level_binding(key.1) } else { sim.field_level_binding(key.1) };
                let bound = bound.map(|m| sim.modulator_names(m).1.to_string());
                if bound.as_deref() != Some(ligand) {
                    let reads = bound.unwrap_or_else(|| "no modulator".to_string());
                    return Err(cx.err(
                        span(iv.drug.as_ref().expect("drug given")),
                        format!("{what}: {} blocks {ligand} receptors, but {t} reads {reads}", d.name),
                        format!("a target bound to {ligand}: modulator = \"{ligand}\" on the projection, or in the population's proteins table"),
                    ));
                }
            }
        }
        if let Some(table) = &iv.set {
            let changed = cx.params(info, Some(table), &[], wdim, Some(&base), &what)?;
            for (k, _) in table.get_ref() {
                let field = info.field(k.get_ref()).expect("checked by params");
                sets.push((field.name, changed.get(field.name)));
            }
        }
        let set_span = iv.set.as_ref().map(span).or_else(|| iv.drug.as_ref().map(span)).unwrap_or(iv_span);
        windows.entry(key).or_default().push((from, to, sets.clone(), (iv.name.get_ref().clone(), set_span)));
        markers.push(Marker {
            from_ms: dt.to_ms(from),
            to_ms: dt.to_ms(to),
            label: iv.name.get_ref().clone(),
            target: t.clone(),
            intervention: true,
        });
        resolved_interventions.push(json!({
            "name": iv.name.get_ref(), "target": t, "from_ms": dt.to_ms(from), "to_ms": dt.to_ms(to),
            "drug": drug.map(|d| d.name), "concentration": drug.map(|d| d.concentration),
            "sets": sets.iter().map(|(k, v)| json!({ "parameter": k, "value": v })).collect::<Vec<_>>(),
            "source": iv.source.as_ref().map(|s| s.get_ref().clone()),
        }));
    }
    for ((kind, i), list) in windows {
        let (base, info) = match kind {
            0 => {
                let p = sim.population(i);
                (p.values().clone(), p.info())
            }
            1 => {
                let (v, inf, _) = &proj_values[i];
                (v.clone(), *inf)
            }
            3 => (mod_values[i].clone(), &engram_core::modulator::INFO),
            _ => {
                let f = sim.field(i).expect("checked above");
                (f.values().clone(), f.info())
            }
        };
        let mut bounds: Vec<Step> = list.iter().flat_map(|w| [w.0, w.1]).collect();
        bounds.sort_unstable();
        bounds.dedup();
        let mut previous = base.clone();
        for &b in &bounds {
            let mut v = base.clone();
            let mut last_active = None;
            for (from, to, sets, who) in &list {
                if *from <= b && b < *to {
                    last_active = Some(who);
                    for &(k, x) in sets {
                        v = v.with(info, k, x).map_err(|e| cx.core_err(who.1.clone(), k, e))?;
                    }
                }
            }
            if v != previous && b < duration {
                // The combined values must also satisfy the model's constraints between
                // parameters (e.g. V_reset < V_th), or the run would stop when they apply.
                let check = match kind {
                    0 => catalogue::with_neuron(info.name, CheckParams(&v)),
                    1 => catalogue::with_synapse(info.name, CheckParams(&v)),
                    // A modulator's two parameters are independent (each checked by its bound).
                    3 => None,
                    _ => catalogue::with_field(info.name, CheckParams(&v)),
                };
                if let (Some(Err(e)), Some((name, set_span))) = (check, last_active) {
                    return Err(cx.core_err(set_span.clone(), &format!("intervention {name} (from {} ms)", dt.to_ms(b)), e));
                }
                let target = match kind {
                    0 => Target::Population(i),
                    1 => Target::Projection(i),
                    3 => Target::Modulator(i),
                    _ => Target::Field(i),
                };
                sim.add_change(Change { at: b, target, values: v.clone() });
                previous = v;
            }
        }
    }

    // Recorders.
    unique(&cx, file.record.iter().map(|r| &r.get_ref().name), "record")?;
    let default_every = (duration / 1000).max(1);
    let mut records = vec![];
    for r in &file.record {
        let r_span = span(r);
        let r = r.get_ref();
        let what = format!("record {}", r.name.get_ref());
        let every = match &r.every {
            Some(v) => cx.period(v, &format!("{what}: every"))?,
            None => default_every,
        };
        let kind = match r.kind.get_ref().as_str() {
            "spikes" => RecordKind::Spikes,
            "state" => RecordKind::State,
            "weight" => RecordKind::Weight,
            "fepsp" => RecordKind::Fepsp,
            "synapse" => RecordKind::Synapse,
            "protein" => RecordKind::Protein,
            "modulator" => RecordKind::Modulator,
            other => {
                return Err(cx.err(span(&r.kind), format!("{what}: unknown kind {other:?}"), "one of: spikes, state, weight, fepsp, synapse, protein, modulator".to_string()))
            }
        };
        let need = |o: Option<&Sp<String>>, key: &str| -> Result<Sp<String>, Diagnostic> {
            o.cloned().ok_or_else(|| cx.err(r_span.clone(), format!("{what}: kind {:?} needs `{key}`", kind.name()), format!("{key} = \"NAME\"")))
        };
        let plan = match kind {
            RecordKind::Spikes | RecordKind::State => {
                let pname = need(r.population.as_ref(), "population")?;
                let pop = find_pop(&pname, &what)?;
                let size = sim.population_size(pop);
                if kind == RecordKind::Spikes {
                    let probe = sim.add_probe(Probe::new(ProbeKind::Spikes { pop }, 1));
                    RecordPlan { name: r.name.get_ref().clone(), kind, probe, subject: pname.get_ref().clone(), variable: "spikes".into(), unit: "ms".into(), neurons: vec![], population_size: size, baseline: (0, 0), raw_unit: String::new() }
                } else {
                    let var = need(r.variable.as_ref(), "variable")?;
                    let info = sim.population(pop).info();
                    let Some(vi) = info.state_vars.iter().position(|v| v.name == var.get_ref().as_str()) else {
                        let known = info.state_vars.iter().map(|v| v.name).collect::<Vec<_>>().join(", ");
                        return Err(cx.err(span(&var), format!("{what}: model {} has no state variable {:?}", info.name, var.get_ref()), format!("one of: {}", if known.is_empty() { "(none)".into() } else { known })));
                    };
                    let neurons = match &r.neurons {
                        Some(_) => neuron_list(&cx, r.neurons.as_ref(), size, &what)?,
                        None => (0..size.min(10) as u32).collect(),
                    };
                    let probe = sim.add_probe(Probe::new(ProbeKind::State { pop, var: vi, neurons: neurons.clone() }, every));
                    RecordPlan { name: r.name.get_ref().clone(), kind, probe, subject: pname.get_ref().clone(), variable: var.get_ref().clone(), unit: info.state_vars[vi].unit.into(), neurons, population_size: size, baseline: (0, 0), raw_unit: String::new() }
                }
            }
            RecordKind::Synapse => {
                let pname = need(r.projection.as_ref(), "projection")?;
                let proj = find_proj(&pname, &what)?;
                let var = need(r.variable.as_ref(), "variable")?;
                let vars = sim.projection(proj).syn_vars();
                let Some(vi) = vars.iter().position(|v| v.name == var.get_ref().as_str()) else {
                    let known = vars.iter().map(|v| v.name).collect::<Vec<_>>().join(", ");
                    return Err(cx.err(span(&var), format!("{what}: synapse model {} has no variable {:?}", sim.projection(proj).info().name, var.get_ref()), format!("one of: {}", if known.is_empty() { "(none: this synapse model has no recordable state)".into() } else { known })));
                };
                let probe = sim.add_probe(Probe::new(ProbeKind::SynapseMean { proj, var: vi }, every));
                RecordPlan { name: r.name.get_ref().clone(), kind, probe, subject: pname.get_ref().clone(), variable: var.get_ref().clone(), unit: vars[vi].unit.into(), neurons: vec![], population_size: 0, baseline: (0, 0), raw_unit: String::new() }
            }
            RecordKind::Protein => {
                let pname = need(r.population.as_ref(), "population")?;
                let pop = find_pop(&pname, &what)?;
                let Some(field) = sim.field(pop) else {
                    return Err(cx.err(span(&pname), format!("{what}: population {:?} has no protein pools", pname.get_ref()), "give it `proteins = { model = \"protein_pool\" }`".to_string()));
                };
                let var_name = r.variable.as_ref().map_or("protein".to_string(), |v| v.get_ref().clone());
                let vars = field.info().state_vars;
                let Some(vi) = vars.iter().position(|v| v.name == var_name) else {
                    let known = vars.iter().map(|v| v.name).collect::<Vec<_>>().join(", ");
                    return Err(cx.err(r.variable.as_ref().map_or(r_span.clone(), span), format!("{what}: no protein variable {var_name:?}"), format!("one of: {known}")));
                };
                let probe = sim.add_probe(Probe::new(ProbeKind::FieldMean { pop, var: vi }, every));
                RecordPlan { name: r.name.get_ref().clone(), kind, probe, subject: pname.get_ref().clone(), variable: var_name, unit: vars[vi].unit.into(), neurons: vec![], population_size: 0, baseline: (0, 0), raw_unit: String::new() }
            }
            RecordKind::Modulator => {
                let rname = need(r.region.as_ref(), "region")?;
                let var = need(r.variable.as_ref(), "variable")?;
                let Some(&m) = mod_index.get(&(rname.get_ref().clone(), var.get_ref().clone())) else {
                    return Err(cx.err(
                        span(&var),
                        format!("{what}: region {:?} has no modulator {:?}", rname.get_ref(), var.get_ref()),
                        format!("a defined modulator ({})", known_modulators()),
                    ));
                };
                let probe = sim.add_probe(Probe::new(ProbeKind::Modulator { m }, every));
                RecordPlan { name: r.name.get_ref().clone(), kind, probe, subject: rname.get_ref().clone(), variable: var.get_ref().clone(), unit: String::new(), neurons: vec![], population_size: 0, baseline: (0, 0), raw_unit: String::new() }
            }
            RecordKind::Weight | RecordKind::Fepsp => {
                let pname = need(r.projection.as_ref(), "projection")?;
                let proj = find_proj(&pname, &what)?;
                let probe = sim.add_probe(Probe::new(ProbeKind::MeanWeight { proj }, every));
                let unit = match proj_values[proj].2 {
                    Dimension::Conductance => "nS",
                    Dimension::Voltage => "mV",
                    _ => "pA",
                };
                let b_from = match &r.baseline_from {
                    Some(v) => cx.time(v, &format!("{what}: baseline_from"))?,
                    None => 0,
                };
                let b_to = match &r.baseline_to {
                    Some(v) => cx.time(v, &format!("{what}: baseline_to"))?,
                    None => b_from,
                };
                if b_to < b_from {
                    return Err(cx.err(r_span.clone(), format!("{what}: baseline_to is before baseline_from"), None));
                }
                RecordPlan {
                    name: r.name.get_ref().clone(),
                    kind,
                    probe,
                    subject: pname.get_ref().clone(),
                    variable: if kind == RecordKind::Fepsp { "fEPSP".into() } else { "mean_weight".into() },
                    unit: if kind == RecordKind::Fepsp { "%".into() } else { unit.into() },
                    neurons: vec![],
                    population_size: 0,
                    baseline: (b_from, b_to),
                    raw_unit: unit.into(),
                }
            }
        };
        records.push(plan);
    }

    // Readouts.
    unique(&cx, file.readout.iter().map(|r| &r.get_ref().name), "readout")?;
    let mut readouts = vec![];
    for ro in &file.readout {
        let ro_span = span(ro);
        let ro = ro.get_ref();
        let what = format!("readout {}", ro.name.get_ref());
        let Some(ri) = records.iter().position(|r| &r.name == ro.record.get_ref()) else {
            let known = records.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(cx.err(span(&ro.record), format!("{what}: no record named {:?}", ro.record.get_ref()), format!("one of: {known}")));
        };
        let is_spikes = records[ri].kind == RecordKind::Spikes;
        let stat = match ro.stat.as_ref().map(|s| s.get_ref().as_str()) {
            None if is_spikes => Stat::Rate,
            None if ro.at.is_none() => Stat::Mean,
            None | Some("value") => Stat::Value,
            Some("mean") => Stat::Mean,
            Some("rate") => Stat::Rate,
            Some("count") => Stat::Count,
            Some(other) => {
                return Err(cx.err(span(ro.stat.as_ref().expect("given")), format!("{what}: unknown stat {other:?}"), "one of: value, mean, rate, count".to_string()))
            }
        };
        if is_spikes != matches!(stat, Stat::Rate | Stat::Count) {
            return Err(cx.err(
                ro_span,
                format!("{what}: stat {:?} does not apply to a {} record", format!("{stat:?}").to_lowercase(), records[ri].kind.name()),
                if is_spikes { "stat = \"rate\" or \"count\" with from/to".to_string() } else { "stat = \"value\" with at, or \"mean\" with from/to".to_string() },
            ));
        }
        let window = if stat == Stat::Value {
            let at = ro.at.as_ref().ok_or_else(|| cx.err(ro_span.clone(), format!("{what}: needs `at`"), "at = \"8 h\"".to_string()))?;
            let s = cx.time(at, &format!("{what}: at"))?;
            (s, s)
        } else {
            let from = match &ro.from {
                Some(v) => cx.time(v, &format!("{what}: from"))?,
                None => 0,
            };
            let to = match &ro.to {
                Some(v) => cx.time(v, &format!("{what}: to"))?,
                None => duration,
            };
            if to <= from {
                return Err(cx.err(ro_span, format!("{what}: `to` must be after `from`"), "to > from".to_string()));
            }
            (from, to)
        };
        readouts.push(ReadoutPlan { name: ro.name.get_ref().clone(), record: ri, stat, window });
    }

    // Expectations.
    let mut expects = vec![];
    for ex in &file.expect {
        let ex_span = span(ex);
        let ex = ex.get_ref();
        let Some(ri) = readouts.iter().position(|r| &r.name == ex.readout.get_ref()) else {
            let known = readouts.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ");
            return Err(cx.err(span(&ex.readout), format!("expect: no readout named {:?}", ex.readout.get_ref()), format!("one of: {known}")));
        };
        if ex.min.is_none() && ex.max.is_none() {
            return Err(cx.err(ex_span, format!("expect {}: needs `min`, `max` or both", ex.readout.get_ref()), "min = 120 and/or max = 200".to_string()));
        }
        if let (Some(a), Some(b)) = (&ex.min, &ex.max) {
            if a.get_ref() > b.get_ref() {
                return Err(cx.err(span(b), format!("expect {}: max ({}) is below min ({})", ex.readout.get_ref(), b.get_ref(), a.get_ref()), "max >= min".to_string()));
            }
        }
        if ex.source.get_ref().trim().is_empty() {
            return Err(cx.err(span(&ex.source), "expect: `source` must name the publication", "for example \"Frey & Morris 1997, Nature 385:533\"".to_string()));
        }
        expects.push(ExpectPlan {
            readout: ri,
            min: ex.min.as_ref().map(|v| *v.get_ref()),
            max: ex.max.as_ref().map(|v| *v.get_ref()),
            source: ex.source.get_ref().clone(),
            note: ex.note.as_ref().map(|n| n.get_ref().clone()),
        });
    }

    let meta = file.meta.as_ref().map(|m| m.get_ref());
    let get = |f: fn(&Meta) -> &Option<Sp<String>>| meta.and_then(|m| f(m).as_ref()).map(|s| s.get_ref().clone()).unwrap_or_default();
    let title = {
        let t = get(|m| &m.title);
        if t.is_empty() {
            std::path::Path::new(&src.name).file_stem().map_or("protocol".into(), |s| s.to_string_lossy().into_owned())
        } else {
            t
        }
    };
    let resolved = json!({
        "simulation": {
            "duration": { "value": duration_ms, "unit": "ms" },
            "dt": { "value": dt.ms(), "unit": "ms" },
            "steps": duration, "seed": seed, "threads": threads, "fast_forward": fast_forward,
        },
        "populations": resolved_pops,
        "projections": resolved_projs,
        "modulators": resolved_mods,
        "interventions": resolved_interventions,
    });
    Ok(Protocol {
        source: src.clone(),
        title,
        description: get(|m| &m.description),
        reproduces: get(|m| &m.reproduces),
        sim,
        dt,
        duration,
        seed,
        threads,
        records,
        readouts,
        expects,
        markers,
        resolved,
    })
}

#[allow(clippy::too_many_arguments)]
fn compile_stimulus(
    cx: &Cx,
    sim: &mut Simulation,
    st: &StimulusDef,
    stim_span: Range<usize>,
    pop: usize,
    neurons: Vec<u32>,
    seed: u64,
    index: usize,
    what: &str,
    find_pop: &dyn Fn(&Sp<String>, &str) -> Result<usize, Diagnostic>,
    markers: &mut Vec<Marker>,
) -> Result<(), Diagnostic> {
    let dt = cx.dt;
    let missing = |key: &str, example: &str| cx.err(stim_span.clone(), format!("{what}: `{key}` is missing"), format!("{key} = {example}"));
    // Onsets: `every` repeats between `from` and `to`; otherwise one onset at `at` (or `from`, or 0).
    let onsets: Vec<Step> = if let Some(every) = &st.every {
        let period = cx.period(every, &format!("{what}: every"))?;
        let from = cx.time(st.from.as_ref().ok_or_else(|| missing("from", "\"1 h\""))?, &format!("{what}: from"))?;
        let to = cx.time(st.to.as_ref().ok_or_else(|| missing("to", "\"2 h\""))?, &format!("{what}: to"))?;
        (0..).map(|k| from + k * period).take_while(|&t| t < to).collect()
    } else if let Some(at) = &st.at {
        vec![cx.time(at, &format!("{what}: at"))?]
    } else if let Some(from) = &st.from {
        vec![cx.time(from, &format!("{what}: from"))?]
    } else {
        vec![0]
    };
    let target_name = st.target.get_ref().clone();
    let mark = |markers: &mut Vec<Marker>, label: &str| {
        for &o in &onsets {
            markers.push(Marker { from_ms: dt.to_ms(o), to_ms: dt.to_ms(o), label: label.to_string(), target: target_name.clone(), intervention: false });
        }
    };
    // Relative pulse times in ms, for spike-train kinds.
    let spikes_from = |rel_ms: &[f64], neurons: &[u32]| -> Result<Vec<(Step, u32)>, Diagnostic> {
        let mut events = Vec::with_capacity(rel_ms.len() * neurons.len() * onsets.len());
        for &o in &onsets {
            for &t in rel_ms {
                // Generated trains are put on the grid (nearest step); a spike at time T
                // is imposed in step T/dt − 1 so that its stamp is T.
                let stamp = o.saturating_add((t / dt.ms()).round() as Step);
                if stamp > cx.duration {
                    return Err(cx.err(
                        stim_span.clone(),
                        format!("{what}: a spike at {} ms falls after the end of the run ({} ms)", dt.to_ms(stamp), dt.to_ms(cx.duration)),
                        "a longer simulation.duration, or an earlier onset".to_string(),
                    ));
                }
                let step = stamp.saturating_sub(1);
                events.extend(neurons.iter().map(|&n| (step, n)));
            }
        }
        Ok(events)
    };
    match (&st.preset, &st.kind) {
        (Some(_), Some(k)) => Err(cx.err(span(k), format!("{what}: give either `preset` or `kind`, not both"), None)),
        (None, None) => Err(cx.err(stim_span.clone(), format!("{what}: needs `preset` or `kind`"), format!("preset = one of {}; or kind = poisson, regular, burst, times, pairing, current, noise, poisson_input", presets::names()))),
        (Some(p), None) => {
            let Some(pre) = presets::preset(p.get_ref()) else {
                return Err(cx.err(span(p), format!("{what}: unknown preset {:?}", p.get_ref()), format!("one of: {}", presets::names())));
            };
            let events = spikes_from(&pre.times_ms(), &neurons)?;
            sim.add_stimulus(Stimulus::Spikes { pop, events });
            mark(markers, pre.name);
            Ok(())
        }
        (None, Some(k)) => match k.get_ref().as_str() {
            "regular" => {
                let rate = cx.quantity(st.rate.as_ref().ok_or_else(|| missing("rate", "\"100 Hz\""))?, Dimension::Frequency, &format!("{what}: rate"))?;
                let count = cx.positive_int(st.count.as_ref().ok_or_else(|| missing("count", "21"))?, &format!("{what}: count"))?;
                if rate <= 0.0 {
                    return Err(cx.err(span(st.rate.as_ref().expect("given")), format!("{what}: rate must be positive"), "a rate like \"100 Hz\"".to_string()));
                }
                let rel: Vec<f64> = (0..count).map(|i| i as f64 * 1000.0 / rate).collect();
                sim.add_stimulus(Stimulus::Spikes { pop, events: spikes_from(&rel, &neurons)? });
                mark(markers, &format!("{count} @ {rate} Hz"));
                Ok(())
            }
            "burst" => {
                let bursts = cx.positive_int(st.bursts.as_ref().ok_or_else(|| missing("bursts", "10"))?, &format!("{what}: bursts"))?;
                let per = cx.positive_int(st.spikes_per_burst.as_ref().ok_or_else(|| missing("spikes_per_burst", "4"))?, &format!("{what}: spikes_per_burst"))?;
                let rate = cx.quantity(st.burst_rate.as_ref().ok_or_else(|| missing("burst_rate", "\"100 Hz\""))?, Dimension::Frequency, &format!("{what}: burst_rate"))?;
                let iv = cx.ms(st.burst_interval.as_ref().ok_or_else(|| missing("burst_interval", "\"200 ms\""))?, &format!("{what}: burst_interval"))?;
                if rate <= 0.0 || iv <= 0.0 {
                    return Err(cx.err(stim_span.clone(), format!("{what}: burst_rate and burst_interval must be positive"), None));
                }
                let rel: Vec<f64> = (0..bursts).flat_map(|b| (0..per).map(move |i| b as f64 * iv + i as f64 * 1000.0 / rate)).collect();
                sim.add_stimulus(Stimulus::Spikes { pop, events: spikes_from(&rel, &neurons)? });
                mark(markers, "bursts");
                Ok(())
            }
            "times" => {
                let list = st.times.as_ref().ok_or_else(|| missing("times", "[\"10 ms\", \"25 ms\"]"))?;
                let mut rel = vec![];
                for v in list.get_ref() {
                    let ms = cx.ms_non_negative(v, &format!("{what}: times"))?;
                    dt.steps("time", ms).map_err(|e| cx.core_err(span(v), &format!("{what}: times"), e))?;
                    rel.push(ms);
                }
                sim.add_stimulus(Stimulus::Spikes { pop, events: spikes_from(&rel, &neurons)? });
                mark(markers, "spikes");
                Ok(())
            }
            "poisson" | "poisson_input" | "current" | "noise" => {
                // Windows: one per onset when `every` repeats it (each `duration` long),
                // otherwise [from, to) or [at, at + duration), or the whole run.
                let windows: Vec<(Step, Step)> = if st.every.is_some() {
                    let d = cx.period(st.duration.as_ref().ok_or_else(|| missing("duration", "\"150 ms\""))?, &format!("{what}: duration"))?;
                    onsets.iter().map(|&o| (o, o.saturating_add(d).min(cx.duration))).collect()
                } else {
                    let (from, to) = match (&st.from, &st.to, &st.at, &st.duration) {
                        (Some(f), Some(t), _, _) => (cx.time(f, &format!("{what}: from"))?, cx.time(t, &format!("{what}: to"))?),
                        (_, _, Some(a), Some(d)) => {
                            let a = cx.time(a, &format!("{what}: at"))?;
                            let d = cx.period(d, &format!("{what}: duration"))?;
                            (a, a.saturating_add(d).min(cx.duration))
                        }
                        (None, None, None, None) => (0, cx.duration),
                        _ => return Err(cx.err(stim_span.clone(), format!("{what}: give the window as `from` and `to`, or `at` and `duration`"), "from = \"0 s\", to = \"10 s\"".to_string())),
                    };
                    if to <= from {
                        return Err(cx.err(stim_span.clone(), format!("{what}: the window is empty (to <= from)"), "to > from".to_string()));
                    }
                    vec![(from, to)]
                };
                let from = windows.first().map_or(0, |w| w.0);
                if k.get_ref() == "poisson" {
                    let rate = cx.quantity(st.rate.as_ref().ok_or_else(|| missing("rate", "\"10 Hz\""))?, Dimension::Frequency, &format!("{what}: rate"))?;
                    if rate < 0.0 {
                        return Err(cx.err(span(st.rate.as_ref().expect("given")), format!("{what}: rate must not be negative"), None));
                    }
                    let stream = Stream::new(seed, Purpose::Poisson, index as u64);
                    sim.add_stimulus(Stimulus::Poisson { pop, neurons, rate_hz: rate, windows, stream });
                    markers.push(Marker { from_ms: dt.to_ms(from), to_ms: dt.to_ms(from), label: format!("Poisson {rate} Hz"), target: target_name.clone(), intervention: false });
                } else if k.get_ref() == "poisson_input" {
                    let hint = ", ...); to drive a spike source use kind = \"poisson\"";
                    let (weight_dim, weight_unit) = cx.weight_dimension(sim.population(pop).input_kind(), &st.target, what, hint)?;
                    let rv = st.rate.as_ref().ok_or_else(|| missing("rate", "\"20 kHz\""))?;
                    let rate = cx.quantity(rv, Dimension::Frequency, &format!("{what}: rate"))?;
                    if rate < 0.0 {
                        return Err(cx.err(span(rv), format!("{what}: rate must not be negative (got {rate} Hz)"), "a total rate per neuron >= 0, like \"20 kHz\"".to_string()));
                    }
                    let per_step = rate * dt.ms() * 1e-3;
                    if per_step > MAX_POISSON_EVENTS_PER_STEP {
                        return Err(cx.err(
                            span(rv),
                            format!("{what}: rate {rate} Hz gives {per_step} events per neuron and step (dt = {} ms)", dt.ms()),
                            format!("at most {MAX_POISSON_EVENTS_PER_STEP} events per step, i.e. rate <= {} Hz", MAX_POISSON_EVENTS_PER_STEP / (dt.ms() * 1e-3)),
                        ));
                    }
                    let wv = st.weight.as_ref().ok_or_else(|| missing("weight", &format!("\"0.1 {weight_unit}\" (the weight of each event, in {weight_unit} for this target)")))?;
                    let weight = cx.quantity(wv, weight_dim, &format!("{what}: weight"))?;
                    // The weight reads as a projection's onto the same target.
                    let receptor = cx.receptor(st.receptor.as_ref(), weight, wv, (weight_dim, weight_unit), what)?;
                    if weight_dim == Dimension::Conductance && weight < 0.0 {
                        return Err(cx.err(
                            span(wv),
                            format!("{what}: a conductance weight must not be negative (got {weight} nS)"),
                            format!("\"{} nS\" with receptor = \"inhibitory\" for inhibition", -weight),
                        ));
                    }
                    let stream = Stream::new(seed, Purpose::Poisson, index as u64);
                    sim.add_poisson_input(PoissonInput { pop, neurons, rate_hz: rate, weight, receptor, windows, stream })
                        .map_err(|e| cx.err(stim_span.clone(), format!("{what}: {e}"), None))?;
                    markers.push(Marker { from_ms: dt.to_ms(from), to_ms: dt.to_ms(from), label: format!("Poisson input {rate} Hz × {weight} {weight_unit}"), target: target_name.clone(), intervention: false });
                } else if k.get_ref() == "noise" {
                    if sim.population(pop).input_kind() == InputKind::None {
                        return Err(cx.err(span(&st.target), format!("{what}: a spike source takes no current"), "a neuron population".to_string()));
                    }
                    let v = st.amplitude.as_ref().ok_or_else(|| missing("amplitude", "\"6.5 pA\""))?;
                    let amp = cx.quantity(v, Dimension::Current, &format!("{what}: amplitude"))?;
                    if amp < 0.0 {
                        return Err(cx.err(span(v), format!("{what}: amplitude must not be negative"), "the half-width of the uniform current, like \"6.5 pA\"".to_string()));
                    }
                    let stream = Stream::new(seed, Purpose::Poisson, index as u64);
                    sim.add_stimulus(Stimulus::Noise { pop, neurons, amp_pa: amp, windows, stream });
                    markers.push(Marker { from_ms: dt.to_ms(from), to_ms: dt.to_ms(from), label: format!("noise ±{amp} pA"), target: target_name.clone(), intervention: false });
                } else {
                    if sim.population(pop).input_kind() == InputKind::None {
                        return Err(cx.err(span(&st.target), format!("{what}: a spike source takes no current"), "a neuron population".to_string()));
                    }
                    let amp = cx.quantity(st.amplitude.as_ref().ok_or_else(|| missing("amplitude", "\"0.5 nA\""))?, Dimension::Current, &format!("{what}: amplitude"))?;
                    for (from, to) in windows {
                        sim.add_stimulus(Stimulus::Current { pop, neurons: neurons.clone(), amp_pa: amp, from, to });
                    }
                    markers.push(Marker { from_ms: dt.to_ms(from), to_ms: dt.to_ms(from), label: format!("{amp} pA"), target: target_name.clone(), intervention: false });
                }
                Ok(())
            }
            "pairing" => {
                let post_name = st.post.as_ref().ok_or_else(|| missing("post", "\"ca1\""))?;
                let post = find_pop(post_name, what)?;
                let post_neurons = neuron_list(cx, st.post_neurons.as_ref(), sim.population_size(post), what)?;
                let delta = cx.ms(st.delta_t.as_ref().ok_or_else(|| missing("delta_t", "\"10 ms\""))?, &format!("{what}: delta_t"))?;
                let pairs = cx.positive_int(st.pairs.as_ref().ok_or_else(|| missing("pairs", "60"))?, &format!("{what}: pairs"))?;
                let rate = cx.quantity(st.rate.as_ref().ok_or_else(|| missing("rate", "\"1 Hz\""))?, Dimension::Frequency, &format!("{what}: rate"))?;
                if rate <= 0.0 {
                    return Err(cx.err(span(st.rate.as_ref().expect("given")), format!("{what}: rate must be positive"), None));
                }
                let bursts = match &st.bursts {
                    Some(b) => cx.positive_int(b, &format!("{what}: bursts"))?,
                    None => 1,
                };
                let burst_iv = match &st.burst_interval {
                    Some(v) => {
                        let iv = cx.ms(v, &format!("{what}: burst_interval"))?;
                        if iv <= 0.0 {
                            return Err(cx.err(span(v), format!("{what}: burst_interval must be positive"), "an interval like \"10 s\"".to_string()));
                        }
                        iv
                    }
                    None if bursts > 1 => return Err(missing("burst_interval", "\"10 s\"")),
                    None => 0.0,
                };
                let pre_rel: Vec<f64> = (0..bursts)
                    .flat_map(|b| (0..pairs).map(move |i| b as f64 * burst_iv + i as f64 * 1000.0 / rate))
                    .map(|t| t + (-delta).max(0.0))
                    .collect();
                let post_rel: Vec<f64> = pre_rel.iter().map(|t| t + delta).collect();
                sim.add_stimulus(Stimulus::Spikes { pop, events: spikes_from(&pre_rel, &neurons)? });
                match st.post_mode.as_ref().map(|m| m.get_ref().as_str()) {
                    None | Some("imposed") => {
                        sim.add_stimulus(Stimulus::Spikes { pop: post, events: spikes_from(&post_rel, &post_neurons)? });
                    }
                    Some("current") => {
                        if sim.population(post).input_kind() == InputKind::None {
                            return Err(cx.err(span(post_name), format!("{what}: post_mode = \"current\" needs a neuron population, but {:?} is a spike source", post_name.get_ref()), "post_mode = \"imposed\", or a neuron population".to_string()));
                        }
                        let amp = cx.quantity(st.amplitude.as_ref().ok_or_else(|| missing("amplitude", "\"2 nA\""))?, Dimension::Current, &format!("{what}: amplitude"))?;
                        let width = match &st.duration {
                            Some(d) => cx.period(d, &format!("{what}: duration"))?,
                            None => dt.steps("pulse", 2.0).unwrap_or(1).max(1),
                        };
                        for &o in &onsets {
                            for &t in &post_rel {
                                let from = o.saturating_add((t / dt.ms()).round() as Step);
                                if from >= cx.duration {
                                    return Err(cx.err(
                                        stim_span.clone(),
                                        format!("{what}: a postsynaptic current pulse at {} ms starts at or after the end of the run ({} ms)", dt.to_ms(from), dt.to_ms(cx.duration)),
                                        "a longer simulation.duration, or an earlier onset".to_string(),
                                    ));
                                }
                                sim.add_stimulus(Stimulus::Current { pop: post, neurons: post_neurons.clone(), amp_pa: amp, from, to: (from + width).min(cx.duration) });
                            }
                        }
                    }
                    Some(other) => {
                        return Err(cx.err(span(st.post_mode.as_ref().expect("given")), format!("{what}: unknown post_mode {other:?}"), "\"imposed\" or \"current\"".to_string()))
                    }
                }
                mark(markers, &format!("pairing {delta:+} ms"));
                Ok(())
            }
            other => Err(cx.err(span(k), format!("{what}: unknown stimulus kind {other:?}"), "one of: poisson, regular, burst, times, pairing, current, noise, poisson_input".to_string())),
        },
    }
}
