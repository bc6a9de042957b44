//! Neuron-wide slow fields (protein pools), owned by a population and shared by
//! every synapse onto each neuron.

use engram_core::model::FieldModel;
use engram_core::params::{ModelInfo, ParamValues};
use engram_core::CoreError;

/// The engine's view of a population's field.
pub trait FieldDyn: Send + Sync {
    /// Catalogue metadata.
    fn info(&self) -> &'static ModelInfo;
    /// Current parameter values.
    fn values(&self) -> &ParamValues;
    /// Replaces the parameters (interventions such as a synthesis block).
    fn set_values(&mut self, v: ParamValues) -> Result<(), CoreError>;
    /// Levels of every neuron.
    fn levels(&self, out: &mut [[f64; 2]]);
    /// Advances every neuron over `dt_ms` with its drive held; writes the integrals.
    fn advance(&mut self, drive: &[[f64; 2]], dt_ms: f64, integrals: &mut [[f64; 2]]);
    /// Synthesis flags of every neuron for a drive.
    fn synthesis(&self, drive: &[[f64; 2]]) -> Vec<[bool; 2]>;
    /// Mean of state variable `var` over the neurons.
    fn mean(&self, var: usize) -> f64;
}

/// A field of model `F` over a population.
pub struct Field<F: FieldModel> {
    values: ParamValues,
    params: F::Params,
    states: Vec<F::State>,
}

impl<F: FieldModel> Field<F> {
    /// A field over `n` neurons, starting at zero levels.
    pub fn new(n: usize, values: ParamValues) -> Result<Self, CoreError> {
        let params = F::params(&values)?;
        Ok(Self { values, params, states: vec![F::State::default(); n] })
    }
}

impl<F: FieldModel> FieldDyn for Field<F> {
    fn info(&self) -> &'static ModelInfo {
        const { &F::INFO }
    }
    fn values(&self) -> &ParamValues {
        &self.values
    }
    fn set_values(&mut self, v: ParamValues) -> Result<(), CoreError> {
        self.params = F::params(&v)?;
        self.values = v;
        Ok(())
    }
    fn levels(&self, out: &mut [[f64; 2]]) {
        for (o, s) in out.iter_mut().zip(&self.states) {
            *o = F::levels(&self.params, s);
        }
    }
    fn advance(&mut self, drive: &[[f64; 2]], dt_ms: f64, integrals: &mut [[f64; 2]]) {
        for ((s, d), i) in self.states.iter_mut().zip(drive).zip(integrals.iter_mut()) {
            *i = F::advance(&self.params, s, *d, dt_ms);
        }
    }
    fn synthesis(&self, drive: &[[f64; 2]]) -> Vec<[bool; 2]> {
        drive.iter().map(|d| F::synthesis(&self.params, *d)).collect()
    }
    fn mean(&self, var: usize) -> f64 {
        let n = self.states.len().max(1) as f64;
        self.states.iter().map(|s| F::read(&self.params, s, var)).sum::<f64>() / n
    }
}
