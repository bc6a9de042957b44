//! Malformed protocols: each case is a small textual edit of a valid base
//! protocol, and must come back as a `Diagnostic` (never a panic) with the
//! right line, column, message and accepted form.
//!
//! `every_malformed_protocol_is_diagnosed` runs the whole table and reports
//! every broken case by name; a few cases that need more than one assertion
//! have their own tests below.

use std::panic::{catch_unwind, AssertUnwindSafe};

use engram_protocol::{parse_str, Diagnostic, RunOverrides};

/// The valid base. Line numbers in the table refer to this text (after the edit).
const BASE: &str = r#"[simulation]
duration = "1 s"
dt = "0.1 ms"
seed = 3

[[population]]
name = "post"
size = 1
model = "lif_psc_exp"
params = { tau_m = "10 ms", V_th = "-55 mV", V_reset = "-70 mV" }

[[population]]
name = "pre"
size = 5
model = "spike_source"

[[projection]]
name = "S1"
from = "pre"
to = "post"
connect = { rule = "all_to_all" }
weight = "20 pA"
delay = "1 ms"
plasticity = { model = "stdp_pair", tau_plus = "16.8 ms", tau_minus = "33.7 ms", Wmax = "40 pA" }

[[stimulus]]
target = "pre"
kind = "regular"
rate = "10 Hz"
count = 5
at = "100 ms"

[[record]]
name = "w"
kind = "weight"
projection = "S1"
every = "10 ms"

[[record]]
name = "spk"
kind = "spikes"
population = "post"

[[readout]]
name = "w_end"
record = "w"
at = "1 s"

[[expect]]
readout = "w_end"
min = 0
max = 40
source = "test"
"#;

/// The name under which the protocol text is parsed.
const FILE: &str = "base.toml";

/// The file name of diagnostics about a `--set` argument itself.
const CLI: &str = "command line";

/// How a case is derived from `BASE`.
enum Edit {
    /// The base as it is (for `--set` cases).
    Unchanged,
    /// Replace the only occurrence of the first text by the second.
    Replace(&'static str, &'static str),
    /// Several replacements, in order, each of a text that occurs once.
    ReplaceAll(&'static [(&'static str, &'static str)]),
    /// Append text at the end.
    Append(&'static str),
}

struct Case {
    name: &'static str,
    edit: Edit,
    sets: &'static [&'static str],
    file: &'static str,
    line: usize,
    /// `None` where the column carries no meaning (a diagnostic about the whole file).
    col: Option<usize>,
    message: &'static str,
    /// A substring the accepted form must contain; `None`: no requirement.
    accepted: Option<&'static str>,
    /// A substring the note must contain; `None`: there must be no note.
    note: Option<&'static str>,
}

fn case(name: &'static str, edit: Edit) -> Case {
    Case { name, edit, sets: &[], file: FILE, line: 0, col: None, message: "", accepted: None, note: None }
}

impl Case {
    fn at(mut self, line: usize, col: usize) -> Self {
        self.line = line;
        self.col = Some(col);
        self
    }
    fn at_line(mut self, line: usize) -> Self {
        self.line = line;
        self
    }
    fn msg(mut self, m: &'static str) -> Self {
        self.message = m;
        self
    }
    fn accepts(mut self, a: &'static str) -> Self {
        self.accepted = Some(a);
        self
    }
    fn set(mut self, sets: &'static [&'static str]) -> Self {
        self.sets = sets;
        self
    }
    fn on_command_line(mut self) -> Self {
        self.file = CLI;
        self
    }
    fn note(mut self, n: &'static str) -> Self {
        self.note = Some(n);
        self
    }

    fn text(&self) -> String {
        let replace = |text: String, old: &str, new: &str| {
            let n = text.matches(old).count();
            assert_eq!(n, 1, "case {}: the edit target {old:?} occurs {n} times in the base", self.name);
            text.replacen(old, new, 1)
        };
        match &self.edit {
            Edit::Unchanged => BASE.to_string(),
            Edit::Replace(old, new) => replace(BASE.to_string(), old, new),
            Edit::ReplaceAll(list) => list.iter().fold(BASE.to_string(), |t, (old, new)| replace(t, old, new)),
            Edit::Append(extra) => format!("{BASE}{extra}"),
        }
    }
}

use Edit::*;

fn cases() -> Vec<Case> {
    vec![
        // --- TOML syntax and structure -----------------------------------------------------
        case("toml_unterminated_string", Replace(r#"duration = "1 s""#, r#"duration = "1 s"#))
            .at(2, 16)
            .msg("invalid basic string"),
        case("toml_extra_equals", Replace("seed = 3", "seed = = 3")).at(4, 8).msg("extra `=`"),
        case("unknown_top_level_table", Append("\n[extras]\nfoo = 1\n"))
            .at(55, 2)
            .msg("unknown field `extras`")
            .accepts("`simulation`"),
        case("unknown_top_level_key", Replace("[simulation]", "colour = \"red\"\n[simulation]"))
            .at(1, 1)
            .msg("unknown field `colour`")
            .accepts("`population`"),
        case("positive_inhibitory_current_weight", Replace("delay = \"1 ms\"\n", "delay = \"1 ms\"\nreceptor = \"inhibitory\"\n"))
            .at(22, 10)
            .msg("an inhibitory weight onto a current target must be negative")
            .accepts("-20 pA"),
        case("unknown_drug", Append("\n[[intervention]]\nname = \"x\"\ndrug = \"aspirin\"\ntarget = \"projection.S1\"\nfrom = \"0 ms\"\n"))
            .at(57, 8)
            .msg("unknown drug \"aspirin\"")
            .accepts("anisomycin"),
        case("protein_drug_on_a_projection", Append("\n[[intervention]]\nname = \"x\"\ndrug = \"anisomycin\"\ntarget = \"projection.S1\"\nfrom = \"0 ms\"\n"))
            .at(58, 10)
            .msg("anisomycin acts on the protein pools of a population")
            .accepts("population.NAME"),
        case("synapse_drug_on_a_model_it_does_not_act_on", Append("\n[[intervention]]\nname = \"x\"\ndrug = \"apv\"\ntarget = \"projection.S1\"\nfrom = \"0 ms\"\n"))
            .at(57, 8)
            .msg("apv has no documented effect on model stdp_pair")
            .accepts("tagging_capture, graupner_brunel"),
        case("tagging_capture_without_proteins", Replace("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"tagging_capture\""))
            .at(24, 14)
            .msg("has none"),
        case("tag_trigger_consolidation_without_proteins", Replace("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"tag_trigger_consolidation\""))
            .at(24, 14)
            .msg("has none"),
        case("tag_trigger_consolidation_fraction_above_one", Replace("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"tag_trigger_consolidation\", z_init_fraction = 1.5"))
            .at(24, 71)
            .msg("z_init_fraction = 1.5 is out of range")
            .accepts("between 0 and 1"),
        case("unknown_key_in_simulation", Replace("seed = 3", "sed = 3"))
            .at(4, 1)
            .msg("unknown field `sed`")
            .accepts("`seed`"),
        case("unknown_key_in_population", Replace("size = 1\n", "size = 1\nneurons = 3\n"))
            .at(9, 1)
            .msg("unknown field `neurons`")
            .accepts("`params`"),
        case("unknown_key_in_projection", Replace(r#"delay = "1 ms""#, r#"delays = "1 ms""#))
            .at(23, 1)
            .msg("unknown field `delays`")
            .accepts("`delay`"),
        case("unknown_key_in_connect", Replace(r#"{ rule = "all_to_all" }"#, r#"{ rule = "all_to_all", prob = 0.1 }"#))
            .at(21, 34)
            .msg("unknown field `prob`")
            .accepts("`p`"),
        case("unknown_key_in_stimulus", Replace("count = 5", "counts = 5"))
            .at(30, 1)
            .msg("unknown field `counts`")
            .accepts("`count`"),
        case("unknown_key_in_meta", Replace("[simulation]", "[meta]\ntitle = \"t\"\nauthor = \"me\"\n\n[simulation]"))
            .at(3, 1)
            .msg("unknown field `author`")
            .accepts("`reproduces`"),
        case("missing_population_model", Replace("model = \"lif_psc_exp\"\n", ""))
            .at(6, 1)
            .msg("missing field `model`"),
        case("missing_expect_source", Replace("source = \"test\"\n", ""))
            .at(49, 1)
            .msg("missing field `source`"),
        case("missing_simulation_duration", Replace("duration = \"1 s\"\n", ""))
            .at(1, 1)
            .msg("missing field `duration`"),
        case("missing_simulation_section", Replace("[simulation]\nduration = \"1 s\"\ndt = \"0.1 ms\"\nseed = 3\n", ""))
            .at_line(1)
            .msg("missing field `simulation`"),
        case("string_for_integer", Replace("size = 1", "size = \"1\""))
            .at(8, 8)
            .msg("invalid type: string \"1\"")
            .accepts("a whole number"),
        case("integer_for_array", Replace("count = 5\n", "count = 5\nneurons = 3\n"))
            .at(31, 11)
            .msg("invalid type: integer `3`")
            .accepts("an array"),
        // --- Quantities and units --------------------------------------------------------------
        case("wrong_unit_for_time_constant", Replace(r#"tau_m = "10 ms""#, r#"tau_m = "10 mV""#))
            .at(10, 20)
            .msg("population post: tau_m: \"10 mV\" is a voltage, but a time is needed")
            .accepts("a time, for example \"20 ms\""),
        case("missing_unit_for_time_constant", Replace(r#"tau_m = "10 ms""#, "tau_m = 10"))
            .at(10, 20)
            .msg("population post: tau_m: 10 has no unit")
            .accepts("a time with its unit"),
        case("unparseable_quantity", Replace(r#"tau_m = "10 ms""#, r#"tau_m = "ten ms""#))
            .at(10, 20)
            .msg("tau_m: cannot read \"ten ms\"")
            .accepts("a number followed by a unit"),
        case("unknown_unit", Replace(r#"tau_m = "10 ms""#, r#"tau_m = "10 fortnights""#))
            .at(10, 20)
            .msg("tau_m: cannot read \"10 fortnights\"")
            .accepts("known units are us, µs, ms"),
        case("wrong_unit_for_weight_on_conductance_target", Replace(
            "model = \"lif_psc_exp\"\nparams = { tau_m = \"10 ms\", V_th = \"-55 mV\", V_reset = \"-70 mV\" }",
            "model = \"lif_cond_exp\"",
        ))
            .at(21, 10)
            .msg("projection S1: weight: \"20 pA\" is a current, but a conductance is needed")
            .accepts("\"6 nS\""),
        case("unit_on_a_plain_number", Replace(r#"Wmax = "40 pA""#, r#"Wmax = "40 pA", lambda = "0.1 ms""#))
            .at(24, 107)
            .msg("projection S1: lambda: \"0.1 ms\" has a unit, but a plain number is needed")
            .accepts("a plain number"),
        // --- Ranges and consistency ----------------------------------------------------------------
        case("negative_time_constant", Replace(r#"tau_m = "10 ms""#, r#"tau_m = "-5 ms""#))
            .at(10, 20)
            .msg("population post: tau_m = -5 ms is out of range")
            .accepts("> 0 (in ms)"),
        case("negative_learning_rate", Replace(r#"Wmax = "40 pA""#, r#"Wmax = "40 pA", lambda = -0.1"#))
            .at(24, 107)
            .msg("projection S1: lambda = -0.1 is out of range")
            .accepts(">= 0"),
        case("reset_above_threshold", Replace(r#"V_reset = "-70 mV""#, r#"V_reset = "-50 mV""#))
            .at(10, 10)
            .msg("population post: V_reset (-50 mV) must be below V_th (-55 mV)"),
        case("duration_not_multiple_of_dt", Replace(r#"duration = "1 s""#, r#"duration = "1000.05 ms""#))
            .at(2, 12)
            .msg("simulation.duration: 1000.05 ms is not a whole number of steps of dt = 0.1 ms")
            .accepts("a multiple of dt = 0.1 ms"),
        case("negative_duration", Replace(r#"duration = "1 s""#, r#"duration = "-1 s""#))
            .at(2, 12)
            .msg("simulation.duration: -1000 ms is negative")
            .accepts("a time >= 0"),
        case("zero_dt", Replace(r#"dt = "0.1 ms""#, r#"dt = "0 ms""#))
            .at(3, 6)
            .msg("simulation.dt: dt = 0 ms is out of range")
            .accepts("a positive duration"),
        case("negative_seed", Replace("seed = 3", "seed = -1")).at(4, 8).msg("seed = -1 must not be negative"),
        case("zero_population_size", Replace("size = 1", "size = 0"))
            .at(8, 8)
            .msg("population post: size = 0 must be at least 1")
            .accepts("a positive whole number"),
        case("delay_zero", Replace(r#"delay = "1 ms""#, r#"delay = "0 ms""#))
            .at(23, 9)
            .msg("projection S1: delay must be at least one step")
            .accepts("at least dt = 0.1 ms"),
        case("delay_shorter_than_dt", Replace(r#"delay = "1 ms""#, r#"delay = "0.05 ms""#))
            .at(23, 9)
            .msg("delay: 0.05 ms is not a whole number of steps of dt = 0.1 ms"),
        case("delay_negative", Replace(r#"delay = "1 ms""#, r#"delay = "-1 ms""#))
            .at(23, 9)
            .msg("projection S1: delay: -1 ms is negative")
            .accepts("a time >= 0"),
        case("stimulus_onset_negative", Replace(r#"at = "100 ms""#, r#"at = "-100 ms""#))
            .at(31, 6)
            .msg("stimulus 1 (pre): at: -100 ms is negative"),
        case("stimulus_onset_not_multiple_of_dt", Replace(r#"at = "100 ms""#, r#"at = "100.05 ms""#))
            .at(31, 6)
            .msg("at: 100.05 ms is not a whole number of steps of dt = 0.1 ms"),
        case("fixed_probability_above_one", Replace(r#"{ rule = "all_to_all" }"#, r#"{ rule = "fixed_probability", p = 1.5 }"#))
            .at(21, 45)
            .msg("projection S1: p = 1.5 is not a probability")
            .accepts("between 0 and 1"),
        case("fixed_probability_without_p", Replace(r#"{ rule = "all_to_all" }"#, r#"{ rule = "fixed_probability" }"#))
            .at(21, 11)
            .msg("rule \"fixed_probability\" needs `p`")
            .accepts("p = "),
        case("one_to_one_with_unequal_sizes", Replace("all_to_all", "one_to_one"))
            .at(21, 11)
            .msg("one_to_one needs equal sizes, got 5 and 1"),
        case("negative_conductance_weight", ReplaceAll(&[
            (
                "model = \"lif_psc_exp\"\nparams = { tau_m = \"10 ms\", V_th = \"-55 mV\", V_reset = \"-70 mV\" }",
                "model = \"lif_cond_exp\"",
            ),
            (r#"weight = "20 pA""#, r#"weight = "-2 nS""#),
            (", Wmax = \"40 pA\"", ""),
        ]))
            .at(21, 10)
            .msg("conductance weights must be >= 0 nS (got -2)")
            .accepts("receptor = \"inhibitory\""),
        case("weight_and_wmax_of_opposite_sign", Replace(r#"Wmax = "40 pA""#, r#"Wmax = "-40 pA""#))
            .at(24, 14)
            .msg("projection S1: weight (20) and Wmax (-40) must have the same sign"),
        case("expect_max_below_min", Replace("max = 40", "max = -1"))
            .at(52, 7)
            .msg("expect w_end: max (-1) is below min (0)")
            .accepts("max >= min"),
        case("expect_without_bounds", Replace("min = 0\nmax = 40\n", ""))
            .at(49, 1)
            .msg("expect w_end: needs `min`, `max` or both")
            .accepts("min = "),
        case("expect_with_empty_source", Replace(r#"source = "test""#, r#"source = " ""#))
            .at(53, 10)
            .msg("`source` must name the publication"),
        // --- Names and references --------------------------------------------------------------
        case("projection_from_unknown_population", Replace(r#"from = "pre""#, r#"from = "pree""#))
            .at(19, 8)
            .msg("projection S1: from: no population named \"pree\"")
            .accepts("one of: post, pre"),
        case("projection_to_unknown_population", Replace(r#"to = "post""#, r#"to = "postt""#))
            .at(20, 6)
            .msg("projection S1: to: no population named \"postt\"")
            .accepts("one of: post, pre"),
        case("projection_into_spike_source", Replace(r#"to = "post""#, r#"to = "pre""#))
            .at(20, 6)
            .msg("population \"pre\" is a spike source and takes no synaptic input")
            .accepts("lif_psc_exp"),
        case("stimulus_target_unknown", Replace(r#"target = "pre""#, r#"target = "pr""#))
            .at(27, 10)
            .msg("stimulus 1: no population named \"pr\"")
            .accepts("one of: post, pre"),
        case("record_population_unknown", Replace(r#"population = "post""#, r#"population = "pst""#))
            .at(42, 14)
            .msg("record spk: no population named \"pst\"")
            .accepts("one of: post, pre"),
        case("record_projection_unknown", Replace(r#"projection = "S1""#, r#"projection = "S2""#))
            .at(36, 14)
            .msg("record w: no projection named \"S2\"")
            .accepts("one of: S1"),
        case("record_state_variable_unknown", Replace("kind = \"spikes\"\npopulation = \"post\"", "kind = \"state\"\npopulation = \"post\"\nvariable = \"V\""))
            .at(43, 12)
            .msg("record spk: model lif_psc_exp has no state variable \"V\"")
            .accepts("V_m"),
        case("readout_of_unknown_record", Replace(r#"record = "w""#, r#"record = "ww""#))
            .at(46, 10)
            .msg("readout w_end: no record named \"ww\"")
            .accepts("one of: w, spk"),
        case("expect_on_unknown_readout", Replace(r#"readout = "w_end""#, r#"readout = "w_ende""#))
            .at(50, 11)
            .msg("expect: no readout named \"w_ende\"")
            .accepts("one of: w_end"),
        case("duplicate_population_name", Replace(r#"name = "pre""#, r#"name = "post""#))
            .at(13, 8)
            .msg("duplicate population name \"post\""),
        case("duplicate_record_name", Replace(r#"name = "spk""#, r#"name = "w""#))
            .at(40, 8)
            .msg("duplicate record name \"w\""),
        case("unknown_neuron_model", Replace(r#"model = "lif_psc_exp""#, r#"model = "iaf_psc_exp""#))
            .at(9, 9)
            .msg("unknown neuron model \"iaf_psc_exp\"")
            .accepts("lif_psc_exp, lif_psc_delta, lif_cond_exp, adex, adex_psc_delta, izhikevich, spike_source"),
        case("unknown_synapse_model", Replace(r#"model = "stdp_pair""#, r#"model = "stdp_triplet""#))
            .at(24, 24)
            .msg("projection S1: unknown synapse model \"stdp_triplet\"")
            .accepts("stdp_pair"),
        case("plasticity_without_model", Replace(r#"model = "stdp_pair", "#, ""))
            .at(24, 14)
            .msg("projection S1: plasticity needs a `model`")
            .accepts("model = \"stdp_pair\""),
        case("unknown_plasticity_parameter", Replace(r#"Wmax = "40 pA""#, r#"W_max = "40 pA""#))
            .at(24, 82)
            .msg("projection S1: unknown parameter \"W_max\" for model stdp_pair")
            .accepts("Wmax"),
        case("unknown_neuron_parameter", Replace(r#"tau_m = "10 ms""#, r#"taum = "10 ms""#))
            .at(10, 12)
            .msg("population post: unknown parameter \"taum\" for model lif_psc_exp")
            .accepts("tau_m"),
        case("unknown_connection_rule", Replace("all_to_all", "all2all"))
            .at(21, 20)
            .msg("unknown connection rule \"all2all\"")
            .accepts("fixed_indegree"),
        case("unknown_receptor", Replace(r#"delay = "1 ms""#, "delay = \"1 ms\"\nreceptor = \"gaba\""))
            .at(24, 12)
            .msg("projection S1: unknown receptor \"gaba\"")
            .accepts("\"inhibitory\""),
        case("unknown_record_kind", Replace(r#"kind = "weight""#, r#"kind = "weights""#))
            .at(35, 8)
            .msg("record w: unknown kind \"weights\"")
            .accepts("fepsp"),
        case("unknown_readout_stat", Replace(r#"at = "1 s""#, "at = \"1 s\"\nstat = \"median\""))
            .at(48, 8)
            .msg("readout w_end: unknown stat \"median\"")
            .accepts("value, mean, rate, count"),
        case("rate_readout_of_weight_record", Replace(r#"at = "1 s""#, r#"stat = "rate""#))
            .at(44, 1)
            .msg("readout w_end: stat \"rate\" does not apply to a weight record"),
        // --- Stimuli ---------------------------------------------------------------------------------
        case("unknown_preset", Replace("kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\n", "preset = \"weak_tetanis\"\n"))
            .at(28, 10)
            .msg("stimulus 1 (pre): unknown preset \"weak_tetanis\"")
            .accepts("weak_tetanus, strong_tetanus, theta_burst, weak_lfs, strong_lfs"),
        case("unknown_stimulus_kind", Replace(r#"kind = "regular""#, r#"kind = "regulr""#))
            .at(28, 8)
            .msg("stimulus 1 (pre): unknown stimulus kind \"regulr\"")
            .accepts("poisson, regular, burst, times, pairing, current"),
        case("both_preset_and_kind", Replace(r#"kind = "regular""#, "preset = \"weak_tetanus\"\nkind = \"regular\""))
            .at(29, 8)
            .msg("give either `preset` or `kind`, not both"),
        case("neither_preset_nor_kind", Replace("kind = \"regular\"\n", ""))
            .at(26, 1)
            .msg("stimulus 1 (pre): needs `preset` or `kind`")
            .accepts("preset = one of weak_tetanus"),
        case("stimulus_missing_required_key", Replace("count = 5\n", ""))
            .at(26, 1)
            .msg("stimulus 1 (pre): `count` is missing")
            .accepts("count = "),
        case("stimulus_neuron_index_out_of_range", Replace("count = 5\n", "count = 5\nneurons = [0, 5]\n"))
            .at(31, 11)
            .msg("stimulus 1 (pre): neuron index 5 is outside the population (size 5)")
            .accepts("indices from 0 to 4"),
        case("stimulus_spike_after_end_of_run", Replace("count = 5", "count = 50"))
            .at(26, 1)
            .msg("a spike at 1100 ms falls after the end of the run (1000 ms)"),
        case("stimulus_rate_so_low_the_spike_is_never", Replace(r#"rate = "10 Hz""#, r#"rate = "1e-300 Hz""#))
            .at(26, 1)
            .msg("falls after the end of the run (1000 ms)"),
        case("stimulus_negative_spike_time", Replace(
            "kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\n",
            "kind = \"times\"\ntimes = [\"10 ms\", \"-5 ms\"]\n",
        ))
            .at(29, 19)
            .msg("stimulus 1 (pre): times: -5 ms is negative"),
        case("current_into_spike_source", Replace(
            "kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"\n",
            "kind = \"current\"\namplitude = \"1 nA\"\nfrom = \"0 s\"\nto = \"0.5 s\"\n",
        ))
            .at(27, 10)
            .msg("a spike source takes no current"),
        case("poisson_window_half_given", Replace(
            "kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"\n",
            "kind = \"poisson\"\nrate = \"10 Hz\"\nfrom = \"100 ms\"\n",
        ))
            .at(26, 1)
            .msg("give the window as `from` and `to`, or `at` and `duration`"),
        case("pairing_with_huge_delta_t", Replace(
            "kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\n",
            "kind = \"pairing\"\npost = \"post\"\ndelta_t = \"1e300 ms\"\npairs = 3\nrate = \"10 Hz\"\n",
        ))
            .at(26, 1)
            .msg("falls after the end of the run"),
        case("pairing_negative_burst_interval", Replace(
            "kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\n",
            "kind = \"pairing\"\npost = \"post\"\ndelta_t = \"10 ms\"\npairs = 3\nrate = \"10 Hz\"\nbursts = 2\nburst_interval = \"-300 ms\"\n",
        ))
            .at(34, 18)
            .msg("burst_interval must be positive"),
        case("pairing_unknown_post_mode", Replace(
            "kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\n",
            "kind = \"pairing\"\npost = \"post\"\ndelta_t = \"10 ms\"\npairs = 3\nrate = \"10 Hz\"\npost_mode = \"zap\"\n",
        ))
            .at(33, 13)
            .msg("unknown post_mode \"zap\"")
            .accepts("\"imposed\" or \"current\""),
        case("pairing_current_into_spike_source", Replace(
            "kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\n",
            "kind = \"pairing\"\npost = \"pre\"\ndelta_t = \"10 ms\"\npairs = 3\nrate = \"10 Hz\"\npost_mode = \"current\"\namplitude = \"1 nA\"\n",
        ))
            .at(29, 8)
            .msg("post_mode = \"current\" needs a neuron population, but \"pre\" is a spike source"),
        // --- Times within the run --------------------------------------------------------------
        case("readout_at_after_end_of_run", Replace(r#"at = "1 s""#, r#"at = "2 s""#))
            .at(47, 6)
            .msg("readout w_end: at = 2000 ms is after the end of the run (1000 ms)")
            .accepts("between 0 and the duration"),
        // --- Interventions ---------------------------------------------------------------------
        case("intervention_unknown_population", Append(
            "\n[[intervention]]\nname = \"drug\"\ntarget = \"population.nope\"\nset = { tau_m = \"5 ms\" }\nfrom = \"0.5 s\"\n",
        ))
            .at(57, 10)
            .msg("intervention drug: no population named \"nope\""),
        case("intervention_unreadable_target", Append(
            "\n[[intervention]]\nname = \"drug\"\ntarget = \"post\"\nset = { tau_m = \"5 ms\" }\nfrom = \"0.5 s\"\n",
        ))
            .at(57, 10)
            .msg("intervention drug: cannot read target \"post\"")
            .accepts("\"population.NAME\", \"projection.NAME\", \"proteins.NAME\" or \"modulator.REGION.NAME\""),
        case("intervention_ends_before_it_starts", Append(
            "\n[[intervention]]\nname = \"drug\"\ntarget = \"projection.S1\"\nset = { lambda = 0 }\nfrom = \"0.5 s\"\nto = \"0.2 s\"\n",
        ))
            .at(60, 6)
            .msg("intervention drug: `to` must be after `from`"),
        case("intervention_makes_parameters_inconsistent", Append(
            "\n[[intervention]]\nname = \"drug\"\ntarget = \"population.post\"\nset = { V_th = \"-80 mV\" }\nfrom = \"0.5 s\"\n",
        ))
            .at(58, 7)
            .msg("intervention drug (from 500 ms): V_reset (-70 mV) must be below V_th (-80 mV)"),
        // --- --set overrides ------------------------------------------------------------------
        case("set_bad_value", Unchanged)
            .set(&["projection.S1.plasticity.tau_plus=-3ms"])
            .at(24, 48)
            .msg("projection S1: tau_plus = -3 ms is out of range")
            .accepts("> 0 (in ms)")
            .note("set on the command line by --set projection.S1.plasticity.tau_plus=-3ms"),
        case("set_value_without_unit", Unchanged)
            .set(&["simulation.duration=10"])
            .at(2, 12)
            .msg("simulation.duration: 10 has no unit")
            .note("--set simulation.duration=10"),
        case("set_unknown_entry", Unchanged)
            .set(&["projection.S9.weight=1"])
            .on_command_line()
            .at_line(1)
            .msg("--set projection.S9.weight=1: no projection \"S9\"")
            .accepts("one of: S1"),
        case("set_unknown_section", Unchanged)
            .set(&["simulaton.duration=1s"])
            .on_command_line()
            .at_line(1)
            .msg("the protocol has no section \"simulaton\""),
        case("set_unknown_key_on_the_way", Unchanged)
            .set(&["population.post.parms.tau_m=5ms"])
            .on_command_line()
            .at_line(1)
            .msg("no key \"parms\" here"),
        case("set_without_equals", Unchanged)
            .set(&["simulation.duration"])
            .on_command_line()
            .at_line(1)
            .msg("--set simulation.duration: missing `=`")
            .accepts("PATH=VALUE"),
        case("set_stimulus_by_zero_index", Unchanged)
            .set(&["stimulus.0.at=1s"])
            .on_command_line()
            .at_line(1)
            .msg("no stimulus \"0\"")
            .accepts("one of: 1"),
        // A --set that inserts a line must not mark the later, unrelated error as coming from --set.
        case("set_elsewhere_does_not_claim_a_later_error", Replace(r#"population = "post""#, r#"population = "pst""#))
            .set(&["simulation.threads=1"])
            .at(43, 14)
            .msg("record spk: no population named \"pst\""),
        // --- issue 6: modulator fields, releases, modulated synapses, modulator recorders ----
        case("issue6_modulator_in_a_region_without_populations", Append("\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n"))
            .at(56, 10)
            .msg("no population is in region \"ca1\"")
            .accepts("add region = \"NAME\""),
        case("issue6_modulator_unknown_key", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\ntonc = 0.1\n")]))
            .at(60, 1)
            .msg("unknown field `tonc`")
            .accepts("`tonic`"),
        case("issue6_modulator_tau_without_unit", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = 200\n")]))
            .at(59, 7)
            .msg("tau: 200 has no unit")
            .accepts("a time"),
        case("issue6_modulator_tau_not_positive", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"0 ms\"\n")]))
            .at(59, 7)
            .msg("tau = 0 ms must be positive")
            .accepts("a positive time"),
        case("issue6_modulator_twice_in_a_region", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"100 ms\"\n")]))
            .at(63, 8)
            .msg("duplicate modulator \"dopamine\" in region \"ca1\""),
        case("issue6_tonic_with_a_unit", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\ntonic = \"2 uM\"\n")]))
            .at(60, 9)
            .msg("tonic: \"2 uM\" has a unit")
            .accepts("a plain number"),
        case("issue6_intervention_on_an_unknown_modulator", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[intervention]]\nname = \"lesion\"\ntarget = \"modulator.ca1.dopamin\"\nfrom = \"0 ms\"\nset = { release_gain = 0 }\n")]))
            .at(63, 10)
            .msg("intervention lesion: no modulator \"dopamin\" in region \"ca1\"")
            .accepts("one of: modulator.ca1.dopamine"),
        case("issue6_intervention_unknown_modulator_parameter", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[intervention]]\nname = \"lesion\"\ntarget = \"modulator.ca1.dopamine\"\nfrom = \"0 ms\"\nset = { gain = 0 }\n")]))
            .at(65, 9)
            .msg("unknown parameter \"gain\" for model modulator")
            .accepts("one of: tonic, release_gain"),
        case("issue6_intervention_negative_release_gain", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[intervention]]\nname = \"lesion\"\ntarget = \"modulator.ca1.dopamine\"\nfrom = \"0 ms\"\nset = { release_gain = -1 }\n")]))
            .at(65, 24)
            .msg("release_gain")
            .accepts(">= 0"),
        case("issue6_drug_on_a_modulator", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[intervention]]\nname = \"lesion\"\ntarget = \"modulator.ca1.dopamine\"\nfrom = \"0 ms\"\ndrug = \"sch23390\"\n")]))
            .at(65, 8)
            .msg("drugs act on populations and projections, not on modulator fields")
            .accepts("release_gain"),
        case("issue6_release_without_source", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.005\n")]))
            .at(61, 1)
            .msg("release 1: needs `population`")
            .accepts("population = \"vta\""),
        case("issue6_release_from_population_and_times", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.005\npopulation = \"pre\"\nat = \"10 ms\"\n")]))
            .at(63, 14)
            .msg("not both"),
        case("issue6_release_from_unknown_population", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.005\npopulation = \"vta\"\n")]))
            .at(63, 14)
            .msg("no population named \"vta\"")
            .accepts("one of: post, pre"),
        case("issue6_release_amount_with_a_unit", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = \"5 nM\"\npopulation = \"pre\"\n")]))
            .at(62, 10)
            .msg("amount: \"5 nM\" has a unit"),
        case("issue6_release_delay_off_the_grid", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.005\npopulation = \"pre\"\ndelay = \"0.05 ms\"\n")]))
            .at(64, 9)
            .msg("is not a whole number of steps")
            .accepts("a multiple of dt"),
        case("issue6_release_every_without_from", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.005\nevery = \"100 ms\"\n")]))
            .at(63, 9)
            .msg("`every` needs `from`"),
        case("issue6_release_after_the_run", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.005\ntimes = [\"10 ms\", \"2 s\"]\n")]))
            .at(63, 19)
            .msg("after the end of the run"),
        case("issue6_noise_on_a_spike_source", Replace("kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "kind = \"noise\"\namplitude = \"5 pA\""))
            .at(27, 10)
            .msg("a spike source takes no current")
            .accepts("a neuron population"),
        case("issue6_noise_with_a_negative_amplitude", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"noise\"\namplitude = \"-5 pA\""))
            .at(29, 13)
            .msg("amplitude must not be negative")
            .accepts("half-width"),
        case("issue6_noise_without_amplitude", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"noise\""))
            .at_line(26)
            .msg("amplitude"),
        case("issue4_poisson_input_on_a_spike_source", Replace("kind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "kind = \"poisson_input\"\nrate = \"20 kHz\"\nweight = \"0.1 pA\""))
            .at(27, 10)
            .msg("population \"pre\" is a spike source and takes no synaptic input")
            .accepts("kind = \"poisson\""),
        case("issue4_poisson_input_with_a_negative_rate", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"poisson_input\"\nrate = \"-5 Hz\"\nweight = \"1 pA\""))
            .at(29, 8)
            .msg("rate must not be negative (got -5 Hz)")
            .accepts(">= 0"),
        case("issue4_poisson_input_with_a_rate_too_high_for_its_table", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"poisson_input\"\nrate = \"1e12 Hz\"\nweight = \"1 pA\""))
            .at(29, 8)
            .msg("gives 100000000 events per neuron and step")
            .accepts("at most 1000000 events per step"),
        case("issue4_poisson_input_without_rate", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"poisson_input\"\nweight = \"1 pA\""))
            .at_line(26)
            .msg("`rate` is missing"),
        case("issue4_poisson_input_without_weight", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"poisson_input\"\nrate = \"20 kHz\""))
            .at_line(26)
            .msg("`weight` is missing")
            .accepts("in pA for this target"),
        case("issue4_poisson_input_weight_in_the_wrong_unit", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"poisson_input\"\nrate = \"20 kHz\"\nweight = \"0.1 mV\""))
            .at(30, 10)
            .msg("weight: \"0.1 mV\" is a voltage, but a current is needed")
            .accepts("a current"),
        case("issue4_poisson_input_positive_inhibitory_current_weight", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"poisson_input\"\nrate = \"20 kHz\"\nweight = \"5 pA\"\nreceptor = \"inhibitory\""))
            .at(30, 10)
            .msg("an inhibitory weight onto a current target must be negative")
            .accepts("-5 pA"),
        case("issue4_poisson_input_unknown_receptor", Replace("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"poisson_input\"\nrate = \"20 kHz\"\nweight = \"5 pA\"\nreceptor = \"nmda\""))
            .at(31, 12)
            .msg("unknown receptor \"nmda\"")
            .accepts("\"excitatory\" or \"inhibitory\""),
        case("issue4_poisson_input_negative_conductance_weight", ReplaceAll(&[("model = \"lif_psc_exp\"\nparams = { tau_m = \"10 ms\", V_th = \"-55 mV\", V_reset = \"-70 mV\" }", "model = \"lif_cond_exp\""), ("weight = \"20 pA\"", "weight = \"2 nS\""), ("Wmax = \"40 pA\"", "Wmax = \"4 nS\""), ("target = \"pre\"\nkind = \"regular\"\nrate = \"10 Hz\"\ncount = 5\nat = \"100 ms\"", "target = \"post\"\nkind = \"poisson_input\"\nrate = \"20 kHz\"\nweight = \"-1 nS\"")]))
            .at(29, 10)
            .msg("a conductance weight must not be negative (got -1 nS)")
            .accepts("receptor = \"inhibitory\""),
        case("issue6_contingency_unknown_population", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.5\ncontingency = { pre = \"vta\", pre_neuron = 0, post = \"post\", post_neuron = 0, window = \"20 ms\" }\n")]))
            .at(63, 23)
            .msg("no population named \"vta\"")
            .accepts("one of: post, pre"),
        case("issue6_contingency_neuron_outside_the_population", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.5\ncontingency = { pre = \"pre\", pre_neuron = 5, post = \"post\", post_neuron = 0, window = \"20 ms\" }\n")]))
            .at(63, 43)
            .msg("pre_neuron = 5 is outside population pre (size 5)")
            .accepts("an index from 0 to 4"),
        case("issue6_contingency_window_of_zero", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.5\ncontingency = { pre = \"pre\", pre_neuron = 0, post = \"post\", post_neuron = 0, window = \"0 ms\" }\n")]))
            .at(63, 87)
            .msg("window must be at least one step")
            .accepts("a positive time"),
        case("issue6_contingency_window_off_the_grid", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.5\ncontingency = { pre = \"pre\", pre_neuron = 0, post = \"post\", post_neuron = 0, window = \"0.05 ms\" }\n")]))
            .at(63, 87)
            .msg("is not a whole number of steps")
            .accepts("a multiple of dt"),
        case("issue6_contingency_delay_max_below_delay_min", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.5\ncontingency = { pre = \"pre\", pre_neuron = 0, post = \"post\", post_neuron = 0, window = \"20 ms\", delay_min = \"300 ms\", delay_max = \"100 ms\" }\n")]))
            .at(63, 130)
            .msg("delay_max must not be below delay_min")
            .accepts("delay_max >= delay_min"),
        case("issue6_contingency_negative_delay", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.5\ncontingency = { pre = \"pre\", pre_neuron = 0, post = \"post\", post_neuron = 0, window = \"20 ms\", delay_min = \"-1 s\" }\n")]))
            .at(63, 108)
            .msg("delay_min: -1000 ms is negative"),
        case("issue6_contingency_and_population", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.5\npopulation = \"pre\"\ncontingency = { pre = \"pre\", pre_neuron = 0, post = \"post\", post_neuron = 0, window = \"20 ms\" }\n")]))
            .at(63, 14)
            .msg("give either `contingency` or `population`, not both"),
        case("issue6_contingency_and_times", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[modulator.release]]\namount = 0.5\nat = \"10 ms\"\ncontingency = { pre = \"pre\", pre_neuron = 0, post = \"post\", post_neuron = 0, window = \"20 ms\" }\n")]))
            .at(64, 15)
            .msg("a `contingency` release takes no release times")
            .accepts("window = \"20 ms\""),
        case("issue6_stdp_dopamine_onto_a_population_without_region", Replace("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"stdp_dopamine\", Wmax = \"40 pA\""))
            .at(20, 6)
            .msg("reads dopamine in the region of population \"post\", which has no region")
            .accepts("region = \"NAME\" in population \"post\""),
        case("issue6_stdp_dopamine_without_a_dopamine_field", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"stdp_dopamine\", Wmax = \"40 pA\""), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"noradrenaline\"\ntau = \"200 ms\"\n")]))
            .at(25, 14)
            .msg("region \"ca1\" has no modulator \"dopamine\"")
            .accepts("noradrenaline in ca1"),
        case("issue6_modulator_for_a_model_that_reads_none", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"tsodyks2\""), ("delay = \"1 ms\"\n", "delay = \"1 ms\"\nmodulator = \"dopamine\"\n"), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n")]))
            .at(25, 13)
            .msg("synapse model tsodyks2 reads no modulator"),
        case("issue6_stdp_dopamine_weight_outside_its_bounds", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"stdp_dopamine\", Wmin = \"25 pA\", Wmax = \"40 pA\""), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n")]))
            .at(25, 14)
            .msg("must lie between Wmin (25) and Wmax (40)"),
        case("issue6_record_of_an_unknown_modulator", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[record]]\nname = \"da\"\nkind = \"modulator\"\nregion = \"ca1\"\nvariable = \"serotonin\"\n")]))
            .at(65, 12)
            .msg("region \"ca1\" has no modulator \"serotonin\"")
            .accepts("dopamine in ca1"),
        case("issue6_record_of_a_modulator_without_region", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[record]]\nname = \"da\"\nkind = \"modulator\"\nvariable = \"dopamine\"\n")]))
            .at(61, 1)
            .msg("kind \"modulator\" needs `region`"),
        case("issue6_empty_region_name", Replace("name = \"post\"\nsize = 1\n", "name = \"post\"\nsize = 1\nregion = \"\"\n"))
            .at(9, 10)
            .msg("region name must not be empty"),
        // --- issue 6 item 3: level-modulated parameters (proteins and synapses read a region's modulator) ----
        case("issue6_level_modulated_synapse_without_that_modulator", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"static\", ach_suppression = 0.5"), ("delay = \"1 ms\"\n", "delay = \"1 ms\"\nmodulator = \"acetylcholine\"\n"), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n")]))
            .at(25, 13)
            .msg("synapse model static reads acetylcholine, but region \"ca1\" has no modulator \"acetylcholine\"")
            .accepts("dopamine in ca1"),
        case("issue6_protein_modulator_without_region", Replace("V_reset = \"-70 mV\" }\n", "V_reset = \"-70 mV\" }\nproteins = { model = \"protein_pool\", modulator = \"dopamine\" }\n"))
            .at(11, 50)
            .msg("proteins read dopamine in the population's region, but the population has no region")
            .accepts("region = \"NAME\" in population \"post\""),
        case("issue6_protein_modulator_missing_in_region", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("V_reset = \"-70 mV\" }\n", "V_reset = \"-70 mV\" }\nproteins = { model = \"protein_pool\", modulator = \"dopamine\" }\n"), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"noradrenaline\"\ntau = \"200 ms\"\n")]))
            .at(12, 50)
            .msg("proteins read dopamine, but region \"ca1\" has no modulator \"dopamine\"")
            .accepts("noradrenaline in ca1"),
        case("issue6_protein_modulator_on_a_field_that_reads_none", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("V_reset = \"-70 mV\" }\n", "V_reset = \"-70 mV\" }\nproteins = { model = \"tagtric_trigger\", modulator = \"dopamine\" }\n"), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n")]))
            .at(12, 53)
            .msg("protein model tagtric_trigger reads no modulator")
            .accepts("use protein_pool"),
        case("issue6_protein_modulator_not_a_name", Replace("V_reset = \"-70 mV\" }\n", "V_reset = \"-70 mV\" }\nproteins = { model = \"protein_pool\", modulator = 3 }\n"))
            .at(11, 50)
            .msg("proteins modulator must be a name"),
        case("issue6_propranolol_on_a_model_without_beta_receptors", Append("\n[[intervention]]\nname = \"beta block\"\ntarget = \"projection.S1\"\ndrug = \"propranolol\"\nfrom = \"0 ms\"\n"))
            .at(58, 8)
            .msg("propranolol has no documented effect on model stdp_pair")
            .accepts("tagging_capture"),
        case("issue6_antagonist_on_a_pool_that_reads_no_modulator", ReplaceAll(&[("V_reset = \"-70 mV\" }\n", "V_reset = \"-70 mV\" }\nproteins = { model = \"protein_pool\" }\n"), ("source = \"test\"\n", "source = \"test\"\n\n[[intervention]]\nname = \"d1 block\"\ntarget = \"proteins.post\"\ndrug = \"sch23390\"\nfrom = \"0 ms\"\n")]))
            .at(59, 8)
            .msg("sch23390 blocks dopamine receptors, but proteins.post reads no modulator")
            .accepts("a target bound to dopamine"),
        case("issue6_antagonist_on_a_synapse_that_reads_another_modulator", ReplaceAll(&[(r#"name = "post"
size = 1
"#, r#"name = "post"
size = 1
region = "ca1"
"#), ("model = \"stdp_pair\", tau_plus = \"16.8 ms\", tau_minus = \"33.7 ms\", Wmax = \"40 pA\"", "model = \"static\", ach_suppression = 0.5"), ("delay = \"1 ms\"\n", "delay = \"1 ms\"\nmodulator = \"dopamine\"\n"), ("source = \"test\"\n", "source = \"test\"\n\n[[modulator]]\nregion = \"ca1\"\nname = \"dopamine\"\ntau = \"200 ms\"\n\n[[intervention]]\nname = \"m block\"\ntarget = \"projection.S1\"\ndrug = \"scopolamine\"\nfrom = \"0 ms\"\n")]))
            .at(65, 8)
            .msg("scopolamine blocks acetylcholine receptors, but projection.S1 reads dopamine")
            .accepts("modulator = \"acetylcholine\""),
        case("issue6_am251_on_a_model_without_cb1", Append("\n[[intervention]]\nname = \"cb1 block\"\ntarget = \"projection.S1\"\ndrug = \"am251\"\nfrom = \"0 ms\"\n"))
            .at(58, 8)
            .msg("am251 has no documented effect on model stdp_pair")
            .accepts("ecb_stdp"),
    ]
}

fn parse(text: &str, sets: &[&str]) -> std::thread::Result<Result<engram_protocol::Protocol, Diagnostic>> {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    catch_unwind(AssertUnwindSafe(|| parse_str(FILE, text, &sets, RunOverrides::default())))
}

/// Checks one case; returns a description of what is wrong, if anything.
fn check(c: &Case) -> Result<(), String> {
    let text = c.text();
    let d = match parse(&text, c.sets) {
        Err(_) => return Err("panicked instead of returning a diagnostic".into()),
        Ok(Ok(_)) => return Err("was accepted".into()),
        Ok(Err(d)) => d,
    };
    let mut wrong = vec![];
    if d.file != c.file {
        wrong.push(format!("file {:?}, expected {:?}", d.file, c.file));
    }
    if d.line != c.line {
        wrong.push(format!("line {}, expected {}", d.line, c.line));
    }
    if let Some(col) = c.col {
        if d.col != col {
            wrong.push(format!("column {}, expected {col}", d.col));
        }
    }
    if c.message.is_empty() || !d.message.contains(c.message) {
        wrong.push(format!("message does not contain {:?}", c.message));
    }
    if let Some(a) = c.accepted {
        if !d.accepted.as_deref().is_some_and(|x| x.contains(a)) {
            wrong.push(format!("accepted form does not contain {a:?}"));
        }
    }
    match (c.note, d.note.as_deref()) {
        (Some(n), Some(x)) if x.contains(n) => {}
        (Some(n), _) => wrong.push(format!("note does not contain {n:?}")),
        (None, Some(x)) => wrong.push(format!("unexpected note {x:?}")),
        (None, None) => {}
    }
    // The printed form starts with the location, as editors and the CLI tests expect.
    let shown = d.to_string();
    let head = format!("{}:{}:{}: error: ", d.file, d.line, d.col);
    if !shown.starts_with(&head) {
        wrong.push(format!("display does not start with {head:?}"));
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("{}\n--- diagnostic ---\n{shown}", wrong.join("; ")))
    }
}

#[test]
fn base_protocol_is_valid() {
    match parse(BASE, &[]) {
        Ok(Ok(p)) => {
            assert_eq!(p.sim.n_populations(), 2);
            assert_eq!(p.sim.n_synapses(), 5);
            assert_eq!((p.records.len(), p.readouts.len(), p.expects.len()), (2, 1, 1));
        }
        Ok(Err(d)) => panic!("the base protocol must be valid:\n{d}"),
        Err(_) => panic!("the base protocol panicked"),
    }
}

#[test]
fn every_malformed_protocol_is_diagnosed() {
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut names = std::collections::HashSet::new();
    let mut failures = vec![];
    for c in &cases {
        assert!(names.insert(c.name), "duplicate case name {}", c.name);
        if let Err(e) = check(c) {
            failures.push(format!("case `{}`: {e}", c.name));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

#[test]
fn no_malformed_protocol_panics() {
    // Covered by the table too, but kept separate so that a panic is named as such.
    let panicked: Vec<&str> = cases().iter().filter(|c| parse(&c.text(), c.sets).is_err()).map(|c| c.name).collect();
    assert!(panicked.is_empty(), "these cases panicked: {panicked:?}");
}

#[test]
fn set_note_names_only_the_override_that_changed_the_line() {
    let sets = ["simulation.threads=1", "projection.S1.plasticity.tau_plus=-3ms"];
    let d = match parse(BASE, &sets) {
        Ok(Err(d)) => d,
        _ => panic!("expected a diagnostic"),
    };
    // threads was inserted into [simulation], so the plasticity line moved down by one.
    assert_eq!(d.line, 25, "{d}");
    assert!(d.message.contains("tau_plus = -3 ms is out of range"), "{d}");
    let note = d.note.clone().unwrap_or_default();
    assert!(note.contains("--set projection.S1.plasticity.tau_plus=-3ms"), "{d}");
    assert!(!note.contains("threads"), "the note names the wrong override:\n{d}");
}

#[test]
fn set_with_a_good_value_is_applied() {
    let p = match parse(BASE, &["simulation.duration=\"2 s\"", "stimulus.1.at=200ms"]) {
        Ok(Ok(p)) => p,
        Ok(Err(d)) => panic!("{d}"),
        Err(_) => panic!("panicked"),
    };
    assert_eq!(p.duration, 20_000);
    assert!(p.markers.iter().any(|m| m.from_ms == 200.0), "{:?}", p.markers);
}

#[test]
fn display_shows_source_line_caret_and_accepted_form() {
    let text = BASE.replacen(r#"tau_m = "10 ms""#, r#"tau_m = "10 mV""#, 1);
    let d = match parse(&text, &[]) {
        Ok(Err(d)) => d,
        _ => panic!("expected a diagnostic"),
    };
    let shown = d.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines[0], "base.toml:10:20: error: population post: tau_m: \"10 mV\" is a voltage, but a time is needed");
    assert!(lines[2].starts_with("10 | params = { tau_m = \"10 mV\""), "{shown}");
    // The caret line underlines the value, quotes included.
    let caret = lines[3];
    assert_eq!(caret.find('^'), lines[2].find("\"10 mV\""), "{shown}");
    assert_eq!(caret.matches('^').count(), "\"10 mV\"".len(), "{shown}");
    assert!(shown.contains("= accepted: a time, for example \"20 ms\""), "{shown}");
}
