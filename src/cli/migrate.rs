//! `standoff migrate-pack DIR [--check]`: rewrites rule packs of format 1 into pack format 2.
//! Each `{= expression}` of a message becomes a `let:` binding (one per distinct expression)
//! and a `{name}` placeholder; `pack.yaml` gets `format: 2`. Everything else in the files
//! (comments, order, layout) is kept as written, and each rewrite is read back to prove that
//! the messages and bindings mean what the old text did.

use super::ExitStatus;
use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::Value;

use super::MigrateArgs;
use crate::app::walk;
use crate::error::ToolError;
use crate::rules::compile::reserved;
use crate::rules::template::{Segment, is_identifier, segments};
use crate::rules::{self, SNAPSHOTS};
use crate::yaml::{self, Limits, YamlDocument};

/// How wide a rewritten scalar's lines may be.
const WIDTH: usize = 100;

pub(super) fn run(args: &MigrateArgs) -> Result<ExitStatus, ToolError> {
    let packs = rules::read_packs(&args.dir, &walk::display(&args.dir))?;
    let mut changes: Vec<(PathBuf, String, String)> = Vec::new();
    let mut problems = Vec::new();
    for pack in packs {
        let folder = if args.dir.join("pack.yaml").is_file() {
            args.dir.clone()
        } else {
            args.dir.join(&pack.name)
        };
        for (display, name, text) in &pack.files {
            if rules::is_snapshot(name) || name.starts_with(SNAPSHOTS) {
                continue;
            }
            let migrated = if name == "pack.yaml" {
                migrate_pack_file(text)
            } else {
                migrate_rule_file(text)
            };
            match migrated {
                Ok(Some(new)) => changes.push((folder.join(name), display.clone(), new)),
                Ok(None) => {}
                Err(problem) => problems.push(format!("{display}: {problem}")),
            }
        }
    }
    if !problems.is_empty() {
        return Err(ToolError::message(format!("cannot migrate:\n{}", problems.join("\n"))));
    }
    let mut out = String::new();
    if args.check {
        for (_, display, _) in &changes {
            let _ = writeln!(out, "would migrate {}", crate::text::terminal_line(display));
        }
        let _ = writeln!(
            out,
            "{} to migrate to pack format 2",
            crate::text::plural(changes.len(), "file", "files")
        );
        write_out(&out)?;
        return Ok(if changes.is_empty() {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        });
    }
    for (path, display, text) in &changes {
        std::fs::write(path, text).map_err(|e| ToolError::message(format!("cannot write {display}: {e}")))?;
        let _ = writeln!(out, "migrated {}", crate::text::terminal_line(display));
    }
    let _ = writeln!(
        out,
        "{} migrated to pack format 2",
        crate::text::plural(changes.len(), "file", "files")
    );
    write_out(&out)?;
    Ok(ExitStatus::Success)
}

fn write_out(text: &str) -> Result<(), ToolError> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(crate::text::terminal(text).as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ToolError::message(format!("cannot write: {e}"))),
        _ => Ok(()),
    }
}

fn load(text: &str) -> Result<YamlDocument, String> {
    let outcome = yaml::load(text, &Limits::default());
    if let Some(e) = outcome.error {
        return Err(e.message);
    }
    outcome
        .documents
        .into_iter()
        .next()
        .ok_or_else(|| "the file is empty".to_owned())
}

/// `pack.yaml` with `format: 2` after its `version:` (None when it has a format already).
fn migrate_pack_file(text: &str) -> Result<Option<String>, String> {
    let doc = load(text)?;
    if doc.value.get("format").is_some() {
        return Ok(None);
    }
    let at = doc
        .pointer("/version")
        .map(|n| line_end(text, n.span().end as usize))
        .map_or(text.len(), |end| (end + 1).min(text.len()));
    let mut new = String::with_capacity(text.len() + 10);
    new.push_str(&text[..at]);
    if !new.is_empty() && !new.ends_with('\n') {
        new.push('\n');
    }
    new.push_str("format: 2\n");
    new.push_str(&text[at..]);
    let check = load(&new)?;
    if check.value.get("format") != Some(&Value::from(2)) {
        return Err("could not add `format: 2`; add it by hand".into());
    }
    Ok(Some(new))
}

/// A rule file with each `{= expression}` of its messages bound by `let:` (None when it has
/// none).
fn migrate_rule_file(text: &str) -> Result<Option<String>, String> {
    let doc = load(text)?;
    if doc.value.get("let").is_some() {
        return Ok(None);
    }
    let mut pointers = vec!["/message".to_owned(), "/related/label".to_owned()];
    let requirements = doc.value.get("requires").and_then(Value::as_array).map_or(0, Vec::len);
    pointers.extend((0..requirements).map(|i| format!("/requires/{i}/missing")));
    let mut lets: Vec<(String, String)> = Vec::new();
    let mut rewritten: Vec<(String, String)> = Vec::new();
    for pointer in pointers {
        let Some(template) = doc
            .pointer(&pointer)
            .and_then(|n| n.value().as_str().map(str::to_owned))
        else {
            continue;
        };
        if !template.contains("{=") {
            continue;
        }
        let parts = segments(&template).map_err(|e| format!("{pointer}: {}", e.message))?;
        let mut new = String::new();
        for part in parts {
            match part {
                Segment::Written(text) => new.push_str(&text),
                Segment::Expression(source) => {
                    let source = normalize(&source);
                    let name = if let Some((name, _)) = lets.iter().find(|(_, s)| *s == source) {
                        name.clone()
                    } else {
                        let name = name_for(&source, &lets);
                        lets.push((name.clone(), source));
                        name
                    };
                    let _ = write!(new, "{{{name}}}");
                }
            }
        }
        rewritten.push((pointer, new));
    }
    if rewritten.is_empty() {
        return Ok(None);
    }
    // Edits as (start, end, replacement), applied from the end.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    for (pointer, new) in &rewritten {
        let node = doc.pointer(pointer).ok_or_else(|| format!("{pointer} vanished"))?;
        let key = node.key_span().ok_or_else(|| format!("{pointer} has no key"))?;
        let column = column_of(text, key.start as usize);
        let (start, end) = value_region(text, key.end as usize, column).ok_or_else(|| format!("{pointer}: no `:`"))?;
        edits.push((
            start,
            end,
            format!(" {}", scalar(new, column + 2, column + pointer_key(pointer).len() + 2)),
        ));
    }
    let first = ["/when", "/requires", "/check"]
        .iter()
        .filter_map(|p| doc.pointer(p).and_then(|n| n.key_span()))
        .map(|s| line_start(text, s.start as usize))
        .min()
        .ok_or("the rule has no check")?;
    // Above the comment lines that introduce that key.
    let mut first = first;
    while first > 0 {
        let previous = line_start(text, first - 1);
        if !text[previous..first].trim_start().starts_with('#') {
            break;
        }
        first = previous;
    }
    let mut block = String::from("let:\n");
    for (name, source) in &lets {
        let _ = writeln!(block, "  {name}: {}", scalar(source, 4, name.len() + 4));
    }
    edits.push((first, first, block));
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut new = text.to_owned();
    for (start, end, replacement) in edits {
        new.replace_range(start..end, &replacement);
    }
    // Read back: every message and binding as intended, and nothing else changed.
    let check = load(&new)?;
    for (pointer, template) in &rewritten {
        if check
            .pointer(pointer)
            .and_then(|n| n.value().as_str().map(str::to_owned))
            .as_deref()
            != Some(template)
        {
            return Err(format!(
                "{pointer} could not be rewritten faithfully; migrate it by hand"
            ));
        }
    }
    let mut before = doc.value.clone();
    let mut after = check.value.clone();
    for (pointer, _) in &rewritten {
        for v in [&mut before, &mut after] {
            if let Some(slot) = v.pointer_mut(pointer) {
                *slot = Value::Null;
            }
        }
    }
    let bound = after.as_object_mut().and_then(|o| o.shift_remove("let"));
    let expected: serde_json::Map<String, Value> = lets
        .iter()
        .map(|(n, s)| (n.clone(), Value::String(s.clone())))
        .collect();
    if before != after || bound != Some(Value::Object(expected)) {
        return Err("the rewrite would change more than the messages; migrate it by hand".into());
    }
    Ok(Some(new))
}

/// An expression with its layout made one line: each run of white space outside string
/// literals becomes one space, and none is left inside brackets or before a `.` (CEL reads it
/// the same), so the same expression written twice is bound once.
fn normalize(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut pending_space = false;
    for c in source.chars() {
        if let Some(q) = quote {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() && !matches!(c, '.' | ')' | ']' | ',') && !out.ends_with(['(', '[']) {
            out.push(' ');
        }
        pending_space = false;
        if c == '\'' || c == '"' {
            quote = Some(c);
        }
        out.push(c);
    }
    out
}

/// The last key of a pointer.
fn pointer_key(pointer: &str) -> &str {
    pointer.rsplit('/').next().unwrap_or(pointer)
}

/// A name for an expression's binding: the last field of a path (`item.reaches` → `reaches`),
/// else `part1`, `part2`...; never a reserved name or one already used.
fn name_for(source: &str, lets: &[(String, String)]) -> String {
    let taken = |name: &str| lets.iter().any(|(n, _)| n == name) || reserved(name).is_some();
    let fields: Vec<&str> = source.split('.').collect();
    if fields.len() > 1 && fields.iter().all(|f| is_identifier(f)) {
        let base = fields.last().copied().unwrap_or("part");
        if !taken(base) {
            return base.to_owned();
        }
        if let Some(name) = (2..=lets.len() + 2).map(|n| format!("{base}{n}")).find(|n| !taken(n)) {
            return name;
        }
    }
    (1..=lets.len() + 1)
        .map(|n| format!("part{n}"))
        .find(|n| !taken(n))
        .unwrap_or_default()
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i)
}

fn column_of(text: &str, at: usize) -> usize {
    at - line_start(text, at)
}

/// The bytes of a block-style value after its key: from just after the `:` to the end of the
/// last non-blank line indented deeper than the key.
fn value_region(text: &str, key_end: usize, column: usize) -> Option<(usize, usize)> {
    let colon = key_end + text[key_end..].find(':')?;
    let start = colon + 1;
    let mut end = line_end(text, start);
    let mut next = end + 1;
    while next < text.len() {
        let line_stop = line_end(text, next);
        let line = &text[next..line_stop];
        let indent = line.len() - line.trim_start_matches(' ').len();
        if !line.trim().is_empty() {
            if indent <= column {
                break;
            }
            end = line_stop;
        }
        next = line_stop + 1;
    }
    Some((start, end))
}

/// A scalar for `text`: a folded block (`>-`) wrapped at [`WIDTH`] with its lines at `indent`,
/// or a double-quoted string when it fits on the line (after `used` columns) or cannot fold.
fn scalar(text: &str, indent: usize, used: usize) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_default();
    let foldable =
        !text.is_empty() && !text.contains(['\n', '\t', '\r']) && !text.starts_with(' ') && !text.ends_with(' ');
    if used + quoted.len() <= WIDTH || !foldable {
        return quoted;
    }
    let room = WIDTH.saturating_sub(indent).max(40);
    let pad = " ".repeat(indent);
    let mut out = String::from(">-");
    let bytes = text.as_bytes();
    let mut line_start = 0;
    let mut last_break: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        // Break only at a single space: folding turns the line break back into it.
        if b == b' ' && i > 0 && bytes[i - 1] != b' ' && bytes.get(i + 1).is_some_and(|n| *n != b' ') {
            if i - line_start > room
                && let Some(at) = last_break
            {
                out.push('\n');
                out.push_str(&pad);
                out.push_str(&text[line_start..at]);
                line_start = at + 1;
            }
            last_break = Some(i);
        }
    }
    if text.len() - line_start > room
        && let Some(at) = last_break.filter(|&at| at >= line_start)
    {
        out.push('\n');
        out.push_str(&pad);
        out.push_str(&text[line_start..at]);
        line_start = at + 1;
    }
    out.push('\n');
    out.push_str(&pad);
    out.push_str(&text[line_start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_normalised_outside_string_literals() {
        assert_eq!(normalize("(a ?\n  b : c)\n .x"), "(a ? b : c).x");
        assert_eq!(normalize("f( 'a  b' ,\n  c )"), "f('a  b', c)");
    }

    #[test]
    fn a_message_expression_becomes_a_binding_and_a_placeholder() {
        let text = "id: T-X\nkind: Site\nselect: /spec/x\n# the check\ncheck:\n  expr: self > 1\nrequires:\n  - check: {required: true}\n    missing: >-\n      no {= self.a} for {value}\nmessage: >-\n  item {item} reaches {= item.reaches} and {= item.reaches} again, {= size(doc.spec.x) > 1 ? 'many' : 'one'}\nhelp: x\n";
        let new = migrate_rule_file(text).unwrap().unwrap();
        let doc = load(&new).unwrap();
        assert_eq!(
            doc.value.get("message").and_then(Value::as_str),
            Some("item {item} reaches {reaches} and {reaches} again, {part1}")
        );
        assert_eq!(
            doc.pointer("/requires/0/missing").unwrap().value(),
            "no {a} for {value}"
        );
        let lets: Vec<&str> = doc.value["let"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(lets, ["reaches", "part1", "a"]);
        assert!(new.contains("let:\n  reaches: \"item.reaches\"\n"), "{new}");
        assert!(new.find("let:").unwrap() < new.find("# the check").unwrap(), "{new}");
        assert_eq!(migrate_rule_file(&new).unwrap(), None, "format 2 already");
        let pack = migrate_pack_file("name: t\nversion: 1.0.0\nprefix: T\n")
            .unwrap()
            .unwrap();
        assert_eq!(pack, "name: t\nversion: 1.0.0\nformat: 2\nprefix: T\n");
    }
}
