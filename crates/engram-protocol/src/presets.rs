//! Named slice-physiology stimulation protocols, as spike times relative to onset.
//!
//! | preset          | pattern | source |
//! |-----------------|---------|--------|
//! | `weak_tetanus`  | 21 pulses at 100 Hz (WTET) | Frey & Morris (1997) Nature 385:533; Sajikumar & Frey (2004) |
//! | `strong_tetanus`| 3 trains of 100 pulses at 100 Hz, 10 min apart (STET) | Frey & Morris (1997) |
//! | `theta_burst`   | 10 bursts of 4 pulses at 100 Hz, bursts every 200 ms (TBS) | Larson, Wong & Lynch (1986) Brain Res 368:347 |
//! | `weak_lfs`      | 900 pulses at 1 Hz (WLFS) | Sajikumar & Frey (2004) Neurobiol Learn Mem 82:12 |
//! | `strong_lfs`    | 900 bursts of 3 pulses at 20 Hz, bursts at 1 Hz (SLFS) | Sajikumar & Frey (2004) |

/// A preset: name, one-line description, and its pulse times in ms from onset.
pub struct Preset {
    /// Protocol name.
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    /// Where it comes from.
    pub source: &'static str,
    /// Trains × pulses: (number of trains, train interval ms, bursts per train,
    /// burst interval ms, pulses per burst, pulse interval ms).
    pattern: (u32, f64, u32, f64, u32, f64),
}

/// All presets.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "weak_tetanus",
        description: "WTET: 21 pulses at 100 Hz",
        source: "Frey U, Morris RGM (1997) Nature 385:533-536",
        pattern: (1, 0.0, 1, 0.0, 21, 10.0),
    },
    Preset {
        name: "strong_tetanus",
        description: "STET: 3 trains of 100 pulses at 100 Hz, 10 min apart",
        source: "Frey U, Morris RGM (1997) Nature 385:533-536",
        pattern: (3, 600_000.0, 1, 0.0, 100, 10.0),
    },
    Preset {
        name: "theta_burst",
        description: "TBS: 10 bursts of 4 pulses at 100 Hz, one burst every 200 ms",
        source: "Larson J, Wong D, Lynch G (1986) Brain Res 368:347-350",
        pattern: (1, 0.0, 10, 200.0, 4, 10.0),
    },
    Preset {
        name: "weak_lfs",
        description: "WLFS: 900 pulses at 1 Hz",
        source: "Sajikumar S, Frey JU (2004) Neurobiol Learn Mem 82:12-25",
        pattern: (1, 0.0, 900, 1000.0, 1, 0.0),
    },
    Preset {
        name: "strong_lfs",
        description: "SLFS: 900 bursts of 3 pulses at 20 Hz, one burst per second",
        source: "Sajikumar S, Frey JU (2004) Neurobiol Learn Mem 82:12-25",
        pattern: (1, 0.0, 900, 1000.0, 3, 50.0),
    },
];

impl Preset {
    /// Pulse times in ms from onset.
    pub fn times_ms(&self) -> Vec<f64> {
        let (trains, train_iv, bursts, burst_iv, pulses, pulse_iv) = self.pattern;
        let mut out = Vec::with_capacity((trains * bursts * pulses) as usize);
        for t in 0..trains {
            for b in 0..bursts {
                for p in 0..pulses {
                    out.push(t as f64 * train_iv + b as f64 * burst_iv + p as f64 * pulse_iv);
                }
            }
        }
        out
    }
}

/// The preset named `name`.
pub fn preset(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}

/// Names of all presets, comma separated.
pub fn names() -> String {
    PRESETS.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_have_the_published_pulse_counts() {
        let n = |name| preset(name).unwrap().times_ms().len();
        assert_eq!(n("weak_tetanus"), 21);
        assert_eq!(n("strong_tetanus"), 300);
        assert_eq!(n("theta_burst"), 40);
        assert_eq!(n("weak_lfs"), 900);
        assert_eq!(n("strong_lfs"), 2700);
        let stet = preset("strong_tetanus").unwrap().times_ms();
        assert_eq!(stet[100], 600_000.0);
        assert_eq!(*stet.last().unwrap(), 1_200_990.0);
        let slfs = preset("strong_lfs").unwrap().times_ms();
        assert_eq!(&slfs[..4], &[0.0, 50.0, 100.0, 1000.0]);
    }
}
