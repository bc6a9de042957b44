//! Protocol diagnostics: every error names the file, line and column, shows the
//! offending text, and says what would be accepted.

use std::fmt;
use std::ops::Range;

/// An error in a protocol file (or in a `--set` override), with its location.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct Diagnostic {
    /// File name as given by the user.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub col: usize,
    /// What is wrong, naming the offending value.
    pub message: String,
    /// The accepted form, if there is one to state.
    pub accepted: Option<String>,
    /// The source line, for display.
    pub source_line: String,
    /// Length of the underlined span on that line (at least 1).
    pub width: usize,
    /// A note, e.g. that the value came from `--set`.
    pub note: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}:{}:{}: error: {}", self.file, self.line, self.col, self.message)?;
        if !self.source_line.is_empty() {
            let gutter = self.line.to_string().len();
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{} | {}", self.line, self.source_line)?;
            writeln!(f, "{:gutter$} | {}{}", "", " ".repeat(self.col.saturating_sub(1)), "^".repeat(self.width.max(1)))?;
        }
        if let Some(a) = &self.accepted {
            writeln!(f, "  = accepted: {a}")?;
        }
        if let Some(n) = &self.note {
            writeln!(f, "  = note: {n}")?;
        }
        Ok(())
    }
}

/// The text of a protocol file, for turning byte spans into line and column.
#[derive(Debug, Clone)]
pub struct Source {
    /// File name as given.
    pub name: String,
    /// Full text (after `--set` overrides were applied).
    pub text: String,
    /// Lines that `--set` changed (1-based), with the override as written.
    pub overridden: Vec<(usize, String)>,
}

impl Source {
    /// Builds a diagnostic at byte range `span`.
    pub fn diag(&self, span: Range<usize>, message: impl Into<String>, accepted: Option<String>) -> Diagnostic {
        let start = span.start.min(self.text.len());
        let before = &self.text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = self.text[line_start..start].chars().count() + 1;
        let source_line = self.text[line_start..].lines().next().unwrap_or("").to_string();
        let end = span.end.clamp(start, self.text.len());
        let width = self.text[start..end].lines().next().map_or(1, |l| l.chars().count()).max(1);
        let note = self
            .overridden
            .iter()
            .find(|(l, _)| *l == line)
            .map(|(_, o)| format!("this value was set on the command line by --set {o}"));
        Diagnostic { file: self.name.clone(), line, col, message: message.into(), accepted, source_line, width, note }
    }

    /// A diagnostic for the whole file (no better location known).
    pub fn diag_file(&self, message: impl Into<String>, accepted: Option<String>) -> Diagnostic {
        Diagnostic {
            file: self.name.clone(),
            line: 1,
            col: 1,
            message: message.into(),
            accepted,
            source_line: String::new(),
            width: 1,
            note: None,
        }
    }
}
