//! `--set PATH=VALUE`: change any protocol value from the command line.
//!
//! The path names tables and keys as in the file; entries of `[[population]]`,
//! `[[projection]]`, `[[record]]`, `[[readout]]` and `[[intervention]]` are
//! picked by their `name`, `[[stimulus]]`, `[[expect]]` and `[[modulator]]`
//! entries (whose names need not be unique) by their 1-based position: `projection.S1.plasticity.tau_plus=20ms`,
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
    let mut current = doc.to_string();
    let mut changed: Vec<(usize, String)> = vec![];
    for arg in sets {
        let Some((path, raw)) = arg.split_once('=') else {
            return Err(cli_error(arg, "missing `=`".into(), Some("PATH=VALUE, e.g. projection.S1.plasticity.tau_plus=20ms".into())));
        };
        let segs: Vec<&str> = path.trim().split('.').collect();
        if segs.iter().any(|s| s.is_empty()) {
            return Err(cli_error(arg, format!("cannot read the path {path:?}"), Some("dot-separated names, e.g. simulation.duration".into())));
        }
        set_path(&mut doc, &segs, parse_value(raw.trim()), arg)?;
        let next = doc.to_string();
        changed = track_changes(&current, &next, changed, arg);
        current = next;
    }
    Ok((current, changed))
}

/// Marks the lines of `new` that differ from `old` as set by `arg`, and moves
/// the marks of earlier overrides to their lines in `new`. Only the block
/// between the common first and last lines counts as changed, so a `--set`
/// that adds a line does not mark every line after it.
fn track_changes(old: &str, new: &str, marks: Vec<(usize, String)>, arg: &str) -> Vec<(usize, String)> {
    let (old, new): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let prefix = old.iter().zip(&new).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - prefix;
    let suffix = old.iter().rev().zip(new.iter().rev()).take(room).take_while(|(a, b)| a == b).count();
    let (old_end, new_end) = (old.len() - suffix, new.len() - suffix);
    let mut out: Vec<(usize, String)> = marks
        .into_iter()
        .filter_map(|(line, o)| match line - 1 {
            i if i < prefix => Some((line, o)),
            i if i >= old_end => Some((i - old_end + new_end + 1, o)),
            _ => None,
        })
        .collect();
    out.extend((prefix..new_end).map(|i| (i + 1, arg.to_string())));
    out.sort();
    out
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
        let by_index = matches!(first, "stimulus" | "expect" | "modulator");
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
    fn only_the_changed_lines_are_marked() {
        // Adding a key inserts a line: the lines after it move but are not marked.
        let sets = ["simulation.seed=2".to_string(), "projection.S1.plasticity.tau_plus=20ms".to_string()];
        let (t, changed) = apply(TEXT, &sets).unwrap();
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(changed.len(), 2, "{changed:?}\n{t}");
        assert_eq!(lines[changed[0].0 - 1], "seed = 2");
        assert_eq!(changed[0].1, sets[0]);
        assert!(lines[changed[1].0 - 1].contains("tau_plus = \"20ms\""));
        assert_eq!(changed[1].1, sets[1]);
    }

    #[test]
    fn unknown_paths_are_errors() {
        assert!(apply(TEXT, &["projection.S9.weight=1".into()]).unwrap_err().message.contains("S9"));
        assert!(apply(TEXT, &["nosuch.key=1".into()]).is_err());
        assert!(apply(TEXT, &["simulation.duration".into()]).is_err());
    }
}
