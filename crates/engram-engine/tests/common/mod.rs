//! Helpers shared by the NEST cross-check tests: reading the reference data in
//! `validation/data` and putting times on the step grid.
#![allow(dead_code)] // each test binary uses its own subset

use engram_core::time::Step;
use serde_json::Value;

/// Reads `validation/data/NAME.json`.
pub fn load(name: &str) -> Value {
    let path = format!("{}/../../validation/data/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

/// A JSON number.
pub fn f(v: &Value) -> f64 {
    v.as_f64().unwrap()
}

/// A JSON array of numbers.
pub fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(f).collect()
}

/// Time in ms on the grid → stamp.
pub fn stamp(t_ms: f64, dt: f64) -> Step {
    (t_ms / dt).round() as Step
}
