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
    /// The modulator whose level may change the field's parameters, if any.
    fn level_modulator(&self) -> Option<&'static str>;
    /// Puts the parameters at modulator level `level` (from the protocol values,
    /// kept across [`FieldDyn::set_values`] until the next call).
    fn set_level(&mut self, level: f64);
    /// Synthesis flags for a drive with the parameters at level `level`.
    fn synthesis_at(&self, drive: &[[f64; 2]], level: f64) -> Vec<[bool; 2]>;
}

/// A field of model `F` over a population.
pub struct Field<F: FieldModel> {
    values: ParamValues,
    params: F::Params,
    states: Vec<F::State>,
    /// The modulator level the parameters are set at, once bound.
    level: Option<f64>,
}

impl<F: FieldModel> Field<F> {
    /// A field over `n` neurons, starting at zero levels.
    pub fn new(n: usize, values: ParamValues) -> Result<Self, CoreError> {
        let params = F::params(&values)?;
        Ok(Self { values, params, states: vec![F::State::default(); n], level: None })
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
        let base = F::params(&v)?;
        self.params = match self.level {
            Some(l) => F::at_level(&base, l),
            None => base,
        };
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
    fn level_modulator(&self) -> Option<&'static str> {
        F::LEVEL_MODULATOR
    }
    fn set_level(&mut self, level: f64) {
        if let Ok(base) = F::params(&self.values) {
            self.params = F::at_level(&base, level);
            self.level = Some(level);
        }
    }
    fn synthesis_at(&self, drive: &[[f64; 2]], level: f64) -> Vec<[bool; 2]> {
        match F::params(&self.values) {
            Ok(base) => {
                let p = F::at_level(&base, level);
                drive.iter().map(|d| F::synthesis(&p, *d)).collect()
            }
            Err(_) => self.synthesis(drive),
        }
    }
}
