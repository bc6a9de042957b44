//! `--set PATH=VALUE`: change any protocol value from the command line.
//!
//! The path names tables and keys as in the file; entries of `[[population]]`,
//! `[[projection]]`, `[[record]]`, `[[readout]]` and `[[intervention]]` are
//! picked by their `name`, `[[stimulus]]` and `[[expect]]` entries by their
//! 1-based position: `projection.S1.plasticity.tau_plus=20ms`,
//! `simulation.duration="2 h"`, `stimulus.1.at=40min`. The edited text is then
//! parsed and checked exactly like the file, so a bad value gets the same
//! message, pointing at the line it replaced.

use toml_edit::{DocumentMut, Item, Value};

use crate::diag::Diagnostic;

fn cli_error(arg: &str, message: String, accepted: Option<String>) -> Diagnostic {
    Diagnostic {
        file: "command line".into(),
        line: 1,
        col: 1,
        message: format!("--set {arg}: {message}"),
        accepted,
        source_line: String::new(),
        width: 1,
        note: None,
    }
}

fn parse_value(raw: &str) -> Value {
    raw.parse::<Value>().unwrap_or_else(|_| Value::from(raw))
}

/// Applies the overrides to `text`. Returns the new text and, for each changed
/// line (1-based), the override responsible. If the file does not parse, it is
/// returned unchanged so that the parser reports the real error.
pub fn apply(text: &str, sets: &[String]) -> Result<(String, Vec<(usize, String)>), Diagnostic> {
    if sets.is_empty() {
        return Ok((text.to_string(), vec![]));
    }
    let Ok(mut doc) = text.parse::<DocumentMut>() else {
        return Ok((text.to_string(), vec![]));
    };
    for arg in sets {
        let Some((path, raw)) = arg.split_once('=') else {
            return Err(cli_error(arg, "missing `=`".into(), Some("PATH=VALUE, e.g. projection.S1.plasticity.tau_plus=20ms".into())));
        };
        let segs: Vec<&str> = path.trim().split('.').collect();
        if segs.iter().any(|s| s.is_empty()) {
            return Err(cli_error(arg, format!("cannot read the path {path:?}"), Some("dot-separated names, e.g. simulation.duration".into())));
        }
        set_path(&mut doc, &segs, parse_value(raw.trim()), arg)?;
    }
    let new = doc.to_string();
    let old_lines: Vec<&str> = text.lines().collect();
    let changed = new
        .lines()
        .enumerate()
        .filter(|(i, l)| old_lines.get(*i) != Some(l))
        .map(|(i, _)| (i + 1, sets.join(" ")))
        .collect();
    Ok((new, changed))
}

fn set_path(doc: &mut DocumentMut, segs: &[&str], value: Value, arg: &str) -> Result<(), Diagnostic> {
    let root = doc.as_table_mut();
    let first = segs[0];
    let Some(item) = root.get_mut(first) else {
        return Err(cli_error(arg, format!("the protocol has no section {first:?}"), None));
    };
    let (mut cur, rest): (&mut Item, &[&str]) = if let Some(arr) = item.as_array_of_tables_mut() {
        let Some(sel) = segs.get(1) else {
            return Err(cli_error(arg, format!("name which {first} entry to change"), Some(format!("{first}.NAME.KEY=VALUE"))));
        };
        let by_index = matches!(first, "stimulus" | "expect");
        let names: Vec<String> = arr
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if by_index {
                    (i + 1).to_string()
                } else {
                    t.get("name").and_then(|n| n.as_str()).unwrap_or("").to_string()
                }
            })
            .collect();
        let Some(pos) = names.iter().position(|n| n == sel) else {
            return Err(cli_error(arg, format!("no {first} {sel:?}"), Some(format!("one of: {}", names.join(", ")))));
        };
        let table = arr.get_mut(pos).expect("position found above");
        // Re-wrap so the remaining walk is uniform.
        let rest = &segs[2..];
        if rest.is_empty() {
            return Err(cli_error(arg, "name the key to change".into(), Some(format!("{first}.{sel}.KEY=VALUE"))));
        }
        return set_in_table(table, rest, value, arg);
    } else {
        (item, &segs[1..])
    };
    if rest.is_empty() {
        *cur = Item::Value(value);
        return Ok(());
    }
    for (i, seg) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        if let Some(t) = cur.as_table_like_mut() {
            if last {
                t.insert(seg, Item::Value(value));
                return Ok(());
            }
            if t.get(seg).is_none() {
                return Err(cli_error(arg, format!("no key {seg:?} here"), None));
            }
            cur = t.get_mut(seg).expect("checked");
        } else {
            return Err(cli_error(arg, format!("{seg:?} is inside a value that is not a table"), None));
        }
    }
    Ok(())
}

fn set_in_table(table: &mut toml_edit::Table, rest: &[&str], value: Value, arg: &str) -> Result<(), Diagnostic> {
    if rest.len() == 1 {
        table.insert(rest[0], Item::Value(value));
        return Ok(());
    }
    let Some(item) = table.get_mut(rest[0]) else {
        return Err(cli_error(arg, format!("no key {:?} here", rest[0]), None));
    };
    let mut cur = item;
    for (i, seg) in rest[1..].iter().enumerate() {
        let last = i + 2 == rest.len();
        let Some(t) = cur.as_table_like_mut() else {
            return Err(cli_error(arg, format!("{seg:?} is inside a value that is not a table"), None));
        };
        if last {
            t.insert(seg, Item::Value(value));
            return Ok(());
        }
        if t.get(seg).is_none() {
            return Err(cli_error(arg, format!("no key {seg:?} here"), None));
        }
        cur = t.get_mut(seg).expect("checked");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[simulation]\nduration = \"1 s\"\n\n[[projection]]\nname = \"S1\"\nplasticity = { model = \"stdp_pair\", tau_plus = \"16.8 ms\" }\n";

    #[test]
    fn sets_nested_values_by_name() {
        let (t, changed) = apply(TEXT, &["projection.S1.plasticity.tau_plus=20ms".into()]).unwrap();
        assert!(t.contains("tau_plus = \"20ms\""), "{t}");
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].0, 6);
        let (t, _) = apply(TEXT, &["simulation.duration=\"2 s\"".into()]).unwrap();
        assert!(t.contains("duration = \"2 s\""));
    }

    #[test]
    fn unknown_paths_are_errors() {
        assert!(apply(TEXT, &["projection.S9.weight=1".into()]).unwrap_err().message.contains("S9"));
        assert!(apply(TEXT, &["nosuch.key=1".into()]).is_err());
        assert!(apply(TEXT, &["simulation.duration".into()]).is_err());
    }
}
