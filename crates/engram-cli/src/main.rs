//! `engram`: run, check and validate plasticity protocols; describe and list models.
//!
//! Exit codes: 0 success; 1 a run failed (numerical guard) or an expectation
//! failed; 2 bad input (protocol errors, bad arguments, unknown names).

mod progress;

/// `println!` that never panics: a closed stdout (`engram validate | head -1`)
/// stops the printing, not the command — outputs on disk are still written and
/// the exit code still reports the result.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

/// `print!` that never panics (see [`outln!`]).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($t)*);
    }};
}

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};
use engram_io::report::{write_run, RunInfo};
use engram_io::Format;
use engram_models::catalogue;
use engram_protocol::results::{collect, summarize, Summary};
use engram_protocol::{load, LoadError, Protocol, RunOverrides};
use serde_json::json;

use crate::progress::Progress;

#[derive(Parser)]
#[command(name = "engram", version, about = "engram: synaptic plasticity from molecules to memories", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a protocol and write its outputs.
    Run {
        /// The protocol file (TOML).
        file: PathBuf,
        /// Output directory [default: out/<protocol name>].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Worker threads (results do not depend on it).
        #[arg(long)]
        threads: Option<usize>,
        /// Random seed (overrides the protocol's).
        #[arg(long)]
        seed: Option<u64>,
        /// Override a protocol value: PATH=VALUE, e.g. projection.S1.plasticity.tau_plus=20ms.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
        /// Recorder table format: parquet or csv.
        #[arg(long, default_value = "parquet")]
        format: Format,
        /// No progress bar and no summary.
        #[arg(long)]
        quiet: bool,
    },
    /// Check a protocol without running it.
    Check {
        /// Protocol files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Override a protocol value: PATH=VALUE.
        #[arg(long = "set", value_name = "PATH=VALUE")]
        sets: Vec<String>,
    },
    /// Run protocols that carry expectations and report pass or fail.
    Validate {
        /// Protocol files or directories [default: experiments/ and examples/].
        paths: Vec<PathBuf>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// Worker threads.
        #[arg(long)]
        threads: Option<usize>,
    },
    /// Describe a model, drug or stimulus preset: equations, parameters, references.
    Describe {
        /// Model or preset name (see `engram list`).
        name: String,
    },
    /// List models, stimulus presets and interventions.
    List,
}

fn git_commit() -> &'static str {
    env!("ENGRAM_GIT_COMMIT")
}

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Loads a protocol, printing the diagnostic on failure.
fn load_or_report(file: &Path, sets: &[String], over: RunOverrides) -> Result<Protocol, ExitCode> {
    load(file, sets, over).map_err(|e| {
        match e {
            LoadError::Io { .. } => eprintln!("error: {e}"),
            LoadError::Invalid(d) => eprint!("{d}"),
        }
        ExitCode::from(2)
    })
}

/// Runs a loaded protocol to its end.
fn execute(p: &mut Protocol, quiet: bool) -> Result<f64, String> {
    let mut bar = Progress::new(p.duration, p.dt.ms(), quiet);
    let start = Instant::now();
    let duration = p.duration;
    let result = p.sim.run_until(duration, &mut |s| bar.update(s));
    bar.finish();
    result.map_err(|e| e.to_string())?;
    Ok(start.elapsed().as_secs_f64())
}

fn print_summary(s: &Summary) {
    if !s.readouts.is_empty() {
        outln!("readouts:");
        for r in &s.readouts {
            outln!("  {:<24} {:>12.4} {}", r.name, r.value, r.unit);
        }
    }
    if !s.expectations.is_empty() {
        outln!("expectations:");
        for v in &s.expectations {
            outln!("  {}", verdict_line(v));
        }
    }
}

fn bound_text(min: Option<f64>, max: Option<f64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("in [{a}, {b}]"),
        (Some(a), None) => format!(">= {a}"),
        (None, Some(b)) => format!("<= {b}"),
        (None, None) => "any".into(),
    }
}

fn verdict_line(v: &engram_protocol::results::Verdict) -> String {
    format!(
        "{} {:<24} {:.4} {} (target {}; {})",
        if v.pass { "PASS" } else { "FAIL" },
        v.readout,
        v.value,
        v.unit,
        bound_text(v.min, v.max),
        v.source
    )
}

fn cmd_run(
    file: PathBuf,
    out: Option<PathBuf>,
    threads: Option<usize>,
    seed: Option<u64>,
    sets: Vec<String>,
    format: Format,
    quiet: bool,
) -> ExitCode {
    let t0 = Instant::now();
    let mut p = match load_or_report(&file, &sets, RunOverrides { seed, threads }) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let build_s = t0.elapsed().as_secs_f64();
    let stem = file.file_stem().map_or("run".into(), |s| s.to_string_lossy().into_owned());
    let out = out.unwrap_or_else(|| PathBuf::from("out").join(&stem));
    if !quiet {
        eprintln!(
            "engram {}: {} — {} neurons, {} synapses, {} steps of {} ms, seed {}, {} thread(s)",
            env!("CARGO_PKG_VERSION"),
            p.title,
            (0..p.sim.n_populations()).map(|i| p.sim.population_size(i)).sum::<usize>(),
            p.sim.n_synapses(),
            p.duration,
            p.dt.ms(),
            p.seed,
            p.threads
        );
    }
    let wall_s = match execute(&mut p, quiet) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: the run stopped: {e}");
            return ExitCode::from(1);
        }
    };
    let data = collect(&p);
    let summary = summarize(&p, &data);
    let info = RunInfo {
        version: env!("CARGO_PKG_VERSION").into(),
        git_commit: git_commit().into(),
        protocol_path: file.display().to_string(),
        wall_s,
        build_s,
        peak_rss_bytes: peak_rss_bytes(),
        format,
        overrides: sets,
    };
    match write_run(&out, &p, &data, &summary, &info) {
        Ok(files) => {
            if !quiet {
                print_summary(&summary);
                eprintln!(
                    "{} s of biological time in {:.2} s wall; {} files written to {}",
                    p.dt.to_ms(p.duration) / 1000.0,
                    wall_s,
                    files.len(),
                    out.display()
                );
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    }
    if summary.pass {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn cmd_check(files: Vec<PathBuf>, sets: Vec<String>) -> ExitCode {
    let mut code = ExitCode::SUCCESS;
    for f in files {
        match load_or_report(&f, &sets, RunOverrides::default()) {
            Ok(p) => outln!(
                "{}: ok ({} populations, {} projections, {} synapses, {} recorders, {} expectations)",
                f.display(),
                p.sim.n_populations(),
                p.sim.n_projections(),
                p.sim.n_synapses(),
                p.records.len(),
                p.expects.len()
            ),
            Err(c) => code = c,
        }
    }
    code
}

fn protocol_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out = vec![];
    let defaults: Vec<PathBuf> = ["experiments", "examples"].iter().map(PathBuf::from).filter(|p| p.is_dir()).collect();
    let roots = if paths.is_empty() { &defaults } else { paths };
    for root in roots {
        if root.is_dir() {
            let mut stack = vec![root.clone()];
            while let Some(dir) = stack.pop() {
                let entries = std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
                for e in entries.flatten() {
                    let path = e.path();
                    if path.is_dir() {
                        stack.push(path);
                    } else if path.extension().is_some_and(|x| x == "toml") {
                        out.push(path);
                    }
                }
            }
        } else if root.is_file() {
            out.push(root.clone());
        } else {
            return Err(format!("no such file or directory: {}", root.display()));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

fn cmd_validate(paths: Vec<PathBuf>, as_json: bool, threads: Option<usize>) -> ExitCode {
    let files = match protocol_files(&paths) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let mut records = vec![];
    let mut failed = false;
    let mut invalid = false;
    for f in &files {
        let mut p = match load_or_report(f, &[], RunOverrides { seed: None, threads }) {
            Ok(p) => p,
            Err(_) => {
                invalid = true;
                continue;
            }
        };
        if p.expects.is_empty() {
            continue;
        }
        let t0 = Instant::now();
        let outcome = execute(&mut p, true);
        let wall = t0.elapsed().as_secs_f64();
        match outcome {
            Err(e) => {
                failed = true;
                if !as_json {
                    outln!("FAIL {}: the run stopped: {e}", f.display());
                }
                records.push(json!({ "protocol": f.display().to_string(), "title": p.title, "pass": false, "error": e }));
            }
            Ok(_) => {
                let data = collect(&p);
                let s = summarize(&p, &data);
                failed |= !s.pass;
                if !as_json {
                    outln!("{} {} — {} ({wall:.2} s)", if s.pass { "PASS" } else { "FAIL" }, f.display(), p.title);
                    for v in &s.expectations {
                        outln!("    {}", verdict_line(v));
                    }
                }
                records.push(json!({
                    "protocol": f.display().to_string(),
                    "title": p.title,
                    "reproduces": p.reproduces,
                    "pass": s.pass,
                    "wall_time_s": wall,
                    "expectations": s.expectations,
                }));
            }
        }
    }
    if as_json {
        outln!("{}", serde_json::to_string_pretty(&records).unwrap_or_default());
    } else {
        let n_pass = records.iter().filter(|r| r["pass"] == true).count();
        outln!("{n_pass} passed, {} failed", records.len() - n_pass);
    }
    if invalid {
        ExitCode::from(2)
    } else if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn cmd_describe(name: &str) -> ExitCode {
    if let Some(info) = catalogue::info(name) {
        out!("{}", info.describe());
        return ExitCode::SUCCESS;
    }
    if let Some(d) = engram_models::drugs::drug(name) {
        let target = match d.target {
            engram_models::drugs::DrugTarget::Proteins => "the protein pools of a population (target = \"population.NAME\")",
            engram_models::drugs::DrugTarget::Synapses => "the synapses of a projection (target = \"projection.NAME\")",
        };
        outln!("{} (drug)\n\n{}\nTypical concentration: {}\nActs on: {}", d.name, d.effect, d.concentration, target);
        if let Some(m) = d.blocks {
            outln!("Antagonist of the {m} receptors: its target must read {m} (a bound modulator)");
        }
        outln!("Sets while applied:");
        for e in d.effects {
            outln!("  on {}: {}", e.model, e.sets.iter().map(|(k, v)| format!("{k} = {v}")).collect::<Vec<_>>().join(", "));
        }
        outln!("\nReferences:");
        for r in d.references {
            outln!("  - {r}");
        }
        return ExitCode::SUCCESS;
    }
    if let Some(p) = engram_protocol::presets::preset(name) {
        let t = p.times_ms();
        outln!("{} (stimulus preset)\n\n{}\n\n{} pulses over {} ms.\nSource: {}", p.name, p.description, t.len(), t.last().copied().unwrap_or(0.0), p.source);
        return ExitCode::SUCCESS;
    }
    eprintln!("error: no model or preset named {name:?}; `engram list` shows them all");
    ExitCode::from(2)
}

fn cmd_list() -> ExitCode {
    outln!("Neuron models:");
    for m in catalogue::NEURON_MODELS {
        outln!("  {:<22} {}", m.name, m.summary);
    }
    outln!("\nSynapse models:");
    for m in catalogue::SYNAPSE_MODELS {
        outln!("  {:<22} {}", m.name, m.summary);
    }
    outln!("\nProtein (neuron-wide field) models:");
    for m in catalogue::FIELD_MODELS {
        outln!("  {:<22} {}", m.name, m.summary);
    }
    outln!("\nDrugs (interventions: [[intervention]] drug = NAME):");
    for d in engram_models::drugs::DRUGS {
        // Labels such as "(model intervention)" carry their own parentheses.
        let c = d.concentration;
        let c = if c.starts_with('(') { c.to_string() } else { format!("({c})") };
        outln!("  {:<22} {} {c}", d.name, d.effect);
    }
    outln!("\nStimulus presets:");
    for p in engram_protocol::presets::PRESETS {
        outln!("  {:<22} {}", p.name, p.description);
    }
    outln!("\nStimulus kinds: poisson, regular, burst, times, pairing, current, noise, poisson_input");
    outln!("\nInterventions: a drug above, or any model parameter of a population, projection or");
    outln!("  protein pool, changed over a time window with [[intervention]]; see docs/protocol.md.");
    outln!("\nRecorders: spikes, state, weight, fepsp, synapse, protein, modulator");
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Run { file, out, threads, seed, sets, format, quiet } => cmd_run(file, out, threads, seed, sets, format, quiet),
        Command::Check { files, sets } => cmd_check(files, sets),
        Command::Validate { paths, json, threads } => cmd_validate(paths, json, threads),
        Command::Describe { name } => cmd_describe(&name),
        Command::List => cmd_list(),
    }
}
