//! A progress line on stderr (only when stderr is a terminal): bar, biological
//! time done, ETA and the biological/wall time ratio.

use std::io::{IsTerminal, Write};
use std::time::Instant;

pub struct Progress {
    enabled: bool,
    start: Instant,
    total_ms: f64,
    dt_ms: f64,
    last_draw: Option<Instant>,
}

fn fmt_bio(ms: f64) -> String {
    if ms >= 3_600_000.0 {
        format!("{:.2} h", ms / 3_600_000.0)
    } else if ms >= 60_000.0 {
        format!("{:.1} min", ms / 60_000.0)
    } else if ms >= 1000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else {
        format!("{ms:.0} ms")
    }
}

fn fmt_wall(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60)
}

impl Progress {
    pub fn new(total_steps: u64, dt_ms: f64, quiet: bool) -> Self {
        Self {
            enabled: !quiet && std::io::stderr().is_terminal(),
            start: Instant::now(),
            total_ms: total_steps as f64 * dt_ms,
            dt_ms,
            last_draw: None,
        }
    }

    pub fn update(&mut self, step: u64) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self.last_draw.is_some_and(|t| now.duration_since(t).as_millis() < 200) && (step as f64 * self.dt_ms) < self.total_ms {
            return;
        }
        self.last_draw = Some(now);
        let done_ms = step as f64 * self.dt_ms;
        let frac = (done_ms / self.total_ms).clamp(0.0, 1.0);
        let wall = now.duration_since(self.start).as_secs_f64();
        let eta = if frac > 0.0 { wall * (1.0 - frac) / frac } else { 0.0 };
        let ratio = if wall > 0.0 { done_ms / 1000.0 / wall } else { 0.0 };
        let width = 30;
        let filled = (frac * width as f64).round() as usize;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r[{}{}] {:5.1}%  {} / {}  ETA {}  {:.1}x real time ",
            "#".repeat(filled),
            ".".repeat(width - filled),
            frac * 100.0,
            fmt_bio(done_ms),
            fmt_bio(self.total_ms),
            fmt_wall(eta),
            ratio
        );
        let _ = err.flush();
    }

    pub fn finish(&mut self) {
        if self.enabled {
            let _ = writeln!(std::io::stderr());
        }
    }
}
