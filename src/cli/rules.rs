//! `standoff rules`, `standoff explain` and `standoff test`.

use super::ExitStatus;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use super::{ExplainArgs, GlobalArgs, ListFormat, RulesArgs, TestArgs};
use crate::app::config::Config;
use crate::app::walk;
use crate::checks::builtin_check;
use crate::error::ToolError;
use crate::rules::selftest::{self, Outcome};
use crate::rules::{self, Rule, RuleSet, RuleStage};
use crate::schema;

fn load(extra: &[PathBuf]) -> Result<RuleSet, ToolError> {
    crate::app::judge::load_rules(&Config::default(), extra, false).map(|(rules, _)| rules)
}

/// Writes a listing to standard output. Pack text (titles, help, why, sources, expressions,
/// file names) can come from a pack on disk, so every listing goes through
/// [`crate::text::terminal`] (JSON through [`crate::text::json_terminal`], which keeps it JSON).
fn print(text: &str) -> Result<ExitStatus, ToolError> {
    write_out(&crate::text::terminal(text))
}

fn print_json(text: &str) -> Result<ExitStatus, ToolError> {
    write_out(&crate::text::json_terminal(text))
}

fn write_out(text: &str) -> Result<ExitStatus, ToolError> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(ToolError::message(format!("cannot write: {e}"))),
        _ => Ok(ExitStatus::Success),
    }
}

/// A one-line field of a listing (an id, a title, a name, a path): a line feed in it could
/// forge a row, so it is escaped too.
fn line(text: &str) -> std::borrow::Cow<'_, str> {
    crate::text::terminal_line(text)
}

fn stage_text(rule: &Rule) -> String {
    match rule.stage {
        RuleStage::Always => "always".to_owned(),
        RuleStage::Due(s) => s.number().to_string(),
    }
}

fn kinds_text(rule: &Rule) -> String {
    rule.kinds.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ")
}

/// The rules as JSON values (shared by `rules --format json`).
fn rule_json(set: &RuleSet, rule: &Rule) -> serde_json::Value {
    let pack = set.pack_of(rule);
    serde_json::json!({
        "id": rule.id,
        "pack": pack.map(|p| p.name.as_str()),
        "packVersion": pack.map(|p| p.version.as_str()),
        "title": rule.title,
        "severity": rule.severity.as_str(),
        "stage": match rule.stage { RuleStage::Always => serde_json::json!("always"), RuleStage::Due(s) => serde_json::json!(s.number()) },
        "kinds": rule.kinds.iter().map(|k| k.name()).collect::<Vec<_>>(),
        "select": rule.select.text,
        "help": rule.help,
        "why": rule.why,
        "protects": (!rule.protects.is_empty()).then_some(&rule.protects),
        "sources": rule.sources,
    })
}

pub(super) fn list(args: &RulesArgs) -> Result<ExitStatus, ToolError> {
    let set = load(&args.rules)?;
    if args.format == ListFormat::Json {
        let rules: Vec<serde_json::Value> = set.rules.iter().map(|r| rule_json(&set, r)).collect();
        let packs: Vec<serde_json::Value> = set
            .packs
            .iter()
            .map(|p| serde_json::json!({"name": p.name, "title": p.title, "version": p.version, "origin": p.origin, "sha256": p.digest, "rules": set.rules.iter().filter(|r| set.pack_of(r).is_some_and(|q| q.name == p.name)).count()}))
            .collect();
        let text = serde_json::to_string_pretty(&serde_json::json!({"packs": packs, "rules": rules}))
            .map_err(|e| ToolError::message(e.to_string()))?;
        return print_json(&format!("{text}\n"));
    }
    let id_width = set.rules.iter().map(|r| r.id.len()).max().unwrap_or(2).max(2);
    let pack_width = set.packs.iter().map(|p| p.name.len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:id_width$}  {:8}  {:6}  {:pack_width$}  TITLE",
        "ID", "SEVERITY", "STAGE", "PACK"
    );
    for rule in &set.rules {
        let pack = line(set.pack_of(rule).map_or("", |p| p.name.as_str()));
        let _ = writeln!(
            out,
            "{:id_width$}  {:8}  {:6}  {pack:pack_width$}  {}",
            line(&rule.id),
            rule.severity.as_str(),
            stage_text(rule),
            line(&rule.title)
        );
    }
    let _ = writeln!(
        out,
        "\n{} rules in {} packs: {}",
        set.rules.len(),
        set.packs.len(),
        set.packs
            .iter()
            .map(|p| format!("{} {}", line(&p.name), line(&p.version)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    print(&out)
}

/// The width explanations are wrapped to.
const WIDTH: usize = 96;

/// A top-level key of the rule's file and its value, as written (from the key's line to the end
/// of the value), indented by two spaces: what `explain` shows of `when` and `check`, so a pack
/// from disk can be reviewed before it is trusted.
fn as_written(rule: &Rule, key: &str) -> Option<String> {
    let node = rule.file.yaml.root().get(key)?;
    let start = node.key_span()?.start as usize;
    let end = node.span().end as usize;
    let text = &rule.file.text;
    let line_start = text.get(..start)?.rfind('\n').map_or(0, |i| i + 1);
    let written = text.get(line_start..end.max(start))?;
    let mut out = String::new();
    for line in written.lines() {
        let _ = writeln!(out, "  {}", line.trim_end());
    }
    Some(out)
}

/// `standoff explain` of a check the tool itself reports.
fn explain_check(check: &crate::checks::BuiltinCheck) -> String {
    let severity = check.severity_note.map_or_else(
        || check.severity.as_str().to_owned(),
        |note| format!("{} ({note})", check.severity.as_str()),
    );
    let mut out = format!(
        "{}: {}\nbuilt-in check · {severity} · any stage\n\nWhy\n",
        check.id, check.title
    );
    out.push_str(&crate::text::wrap(check.why, "  ", WIDTH));
    out.push_str("\nHow to fix\n");
    out.push_str(&crate::text::wrap(check.help, "  ", WIDTH));
    out
}

/// The error for an id that is neither a rule nor a check: the nearest id, and the upper-case
/// form of an id written in lower case.
fn unknown_id(set: &RuleSet, id: &str) -> ToolError {
    let ids = || {
        set.rules
            .iter()
            .map(|r| r.id.as_str())
            .chain(crate::checks::CheckId::ALL.iter().map(|c| c.as_str()))
    };
    let upper = id.to_uppercase();
    let hint = if upper != id && ids().any(|known| known == upper) {
        format!("; ids are upper case: did you mean {}?", crate::text::quote(&upper))
    } else {
        crate::text::did_you_mean(&upper, ids())
            .map(|m| format!("; did you mean {m}?"))
            .unwrap_or_default()
    };
    ToolError::message(format!(
        "no rule or check `{}`{hint} (`standoff rules` lists them)",
        crate::text::quote(id)
    ))
}

pub(super) fn explain(args: &ExplainArgs) -> Result<ExitStatus, ToolError> {
    if args.functions {
        if args.format == ListFormat::Json {
            let text = serde_json::to_string_pretty(&crate::rules::functions::explain_json())
                .map_err(|e| ToolError::message(e.to_string()))?;
            return print_json(&format!("{text}\n"));
        }
        return print(&crate::rules::functions::explain_text(WIDTH));
    }
    if args.format == ListFormat::Json {
        return Err(ToolError::message(
            "`--format json` is for `explain --functions`; a rule or check is explained as text",
        ));
    }
    let set = load(&args.rules)?;
    let id = args.id.as_deref().unwrap_or_default();
    let Some(rule) = set.get(id) else {
        if let Some(check) = builtin_check(id) {
            return print(&explain_check(check));
        }
        return Err(unknown_id(&set, id));
    };
    let pack = set.pack_of(rule);
    let mut out = format!("{}: {}\n", line(&rule.id), line(&rule.title));
    let due = match rule.stage {
        RuleStage::Always => "at every stage".to_owned(),
        RuleStage::Due(s) => format!("due by the end of stage {s}"),
    };
    let _ = writeln!(
        out,
        "pack {} {} · {} · {due} · reads {}{}",
        line(pack.map_or("?", |p| p.name.as_str())),
        line(pack.map_or("", |p| p.version.as_str())),
        rule.severity,
        kinds_text(rule),
        if rule.select.text.is_empty() {
            String::new()
        } else {
            format!(" at {}", rule.select.text)
        }
    );
    if !rule.jurisdictions.is_empty() {
        let _ = writeln!(out, "applies in {}", rule.jurisdictions.join(", "));
    }
    if !rule.protects.is_empty() {
        out.push_str("\nWhat it protects against\n");
        out.push_str(&crate::text::wrap(&rule.protects, "  ", WIDTH));
    }
    out.push_str("\nWhy\n");
    out.push_str(&crate::text::wrap(&rule.why, "  ", WIDTH));
    out.push_str("\nHow to comply\n");
    out.push_str(&crate::text::wrap(&rule.help, "  ", WIDTH));
    out.push_str("\nWhat it evaluates (as written in the rule file)\n");
    let mut shown = false;
    for key in ["select", "when", "check", "related"] {
        if let Some(text) = as_written(rule, key) {
            out.push_str(&text);
            shown = true;
        }
    }
    if !shown {
        out.push_str("  (not found in the rule file)\n");
    }
    out.push_str("\nSources\n");
    for source in &rule.sources {
        let clause = source
            .clause
            .as_ref()
            .map(|c| format!(", {}", line(c)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  - {}{clause} [{}]\n    {}",
            line(&source.title),
            source.confidence.as_str(),
            line(&crate::report::rule_docs::source_url(&set, rule, &source.url))
        );
    }
    for (valid, heading) in [(false, "Example that is reported"), (true, "Example that passes")] {
        if let Some(example) = crate::report::rule_docs::example(rule, valid) {
            explain_example(&mut out, heading, &example);
        }
    }
    let _ = writeln!(out, "\nDefined in {}", line(&rule.file.path));
    print(&out)
}

/// An example under its heading: every document, numbered from 0 as the JSON output's
/// `document` numbers them when there are several, and where it is reported.
fn explain_example(out: &mut String, heading: &str, example: &crate::report::rule_docs::Example) {
    let count = example.documents.len();
    let several = count > 1;
    if several {
        let _ = writeln!(
            out,
            "\n{heading} ({count} documents, numbered from 0 as in the JSON report)"
        );
    } else {
        let _ = writeln!(out, "\n{heading}");
    }
    for (n, text) in example.documents.iter().enumerate() {
        if n > 0 {
            out.push_str("  ---\n");
        }
        if several {
            let _ = writeln!(out, "  # document {n}");
        }
        out.push_str(text);
    }
    if example.reported.is_empty() {
        if heading.ends_with("passes") {
            out.push_str("  → not reported\n");
        }
        return;
    }
    let at: Vec<String> = example
        .reported
        .iter()
        .map(|(d, p)| {
            if several {
                format!("{p} (document {d})")
            } else {
                p.clone()
            }
        })
        .collect();
    let _ = writeln!(out, "  → reported at {}", at.join(", "));
}

pub(super) fn test(args: &TestArgs, global: &GlobalArgs) -> Result<ExitStatus, ToolError> {
    let set = load(&args.dirs)?;
    let schemas = schema::schemas().map_err(ToolError::Message)?;
    let tested_packs: Vec<String> = if args.dirs.is_empty() {
        rules::builtin_packs().into_iter().map(|p| p.name).collect()
    } else {
        let mut names = Vec::new();
        for dir in &args.dirs {
            names.extend(rules::read_packs(dir, &walk::display(dir))?.into_iter().map(|p| p.name));
        }
        names
    };
    if args.update && args.dirs.is_empty() {
        return Err(ToolError::message(
            "`--update` writes snapshots into the pack folders: name them (`standoff test --update rules/`)",
        ));
    }
    let results = selftest::run_with(&set, schemas, !args.update);
    let mut out = String::new();
    if args.update {
        let written = write_snapshots(&set, &results, &args.dirs)?;
        let _ = writeln!(
            out,
            "{} written\n",
            crate::text::plural(written, "snapshot", "snapshots")
        );
    }
    let mut unsnapshotted: Vec<&str> = Vec::new();
    let (mut rules_run, mut cases, mut failed) = (0, 0, 0);
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for rule in &set.rules {
        if !set.pack_of(rule).is_some_and(|p| tested_packs.contains(&p.name)) {
            continue;
        }
        rules_run += 1;
        let mine: Vec<_> = results.iter().filter(|r| std::ptr::eq(r.rule, rule)).collect();
        let bad: Vec<_> = mine.iter().filter(|r| !r.outcome.passed()).collect();
        for r in &mine {
            cases += 1;
            *counts.entry(r.outcome.name()).or_default() += 1;
        }
        failed += bad.len();
        if !args.update && mine.iter().any(|r| r.snapshot == selftest::Snapshot::Missing) {
            unsnapshotted.push(&rule.id);
        }
        let valid = mine.iter().filter(|r| r.case.valid).count();
        let summary = format!("{valid} valid, {} invalid", mine.len() - valid);
        if bad.is_empty() {
            if !global.quiet {
                let _ = writeln!(out, "ok    {:28} {summary}", rule.id);
            }
            continue;
        }
        let _ = writeln!(out, "FAIL  {:28} {summary}", rule.id);
        for r in bad {
            let name = r.case.name.as_ref().map(|n| format!(" ({n})")).unwrap_or_default();
            let detail = match &r.outcome {
                Outcome::Missing(at) => format!("not reported at {}", at.join(", ")),
                Outcome::Noisy(at) => format!("reported where it should not be: {}", at.join(", ")),
                Outcome::Message(lines) => lines.join("\n        "),
                Outcome::Error(e) => e.clone(),
                Outcome::Validated | Outcome::Reported | Outcome::CannotVerify => String::new(),
            };
            let _ = writeln!(
                out,
                "      {} {}{name}: {}: {detail}",
                line(&rule.file.path),
                line(&r.case.pointer),
                r.outcome.name()
            );
        }
    }
    let breakdown: Vec<String> = ["validated", "reported", "cannot verify", "missing", "noisy", "error"]
        .iter()
        .map(|k| format!("{} {k}", counts.get(k).copied().unwrap_or(0)))
        .collect();
    if !unsnapshotted.is_empty() {
        let _ = writeln!(
            out,
            "\nno snapshot of {} (`standoff test --update DIR` writes it): {}",
            crate::text::plural(unsnapshotted.len(), "rule", "rules"),
            unsnapshotted.iter().map(|id| line(id)).collect::<Vec<_>>().join(", ")
        );
    }
    let _ = writeln!(out, "\n{rules_run} rules, {cases} cases: {}", breakdown.join(", "));
    print(&out)?;
    Ok(if failed > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Writes the snapshot of every rule of the packs in `dirs` whose findings changed (or that has
/// none); returns how many were written.
fn write_snapshots(set: &RuleSet, results: &[selftest::CaseResult<'_>], dirs: &[PathBuf]) -> Result<usize, ToolError> {
    let mut written = 0;
    for dir in dirs {
        for pack in rules::read_packs(dir, &walk::display(dir))? {
            let folder = if dir.join("pack.yaml").is_file() {
                dir.clone()
            } else {
                dir.join(&pack.name)
            };
            let snapshots = folder.join(rules::SNAPSHOTS);
            for rule in set
                .rules
                .iter()
                .filter(|r| set.pack_of(r).is_some_and(|p| p.name == pack.name))
            {
                if !rule.tests.iter().any(|c| !c.valid) {
                    continue;
                }
                let mine: Vec<&selftest::CaseResult<'_>> =
                    results.iter().filter(|r| std::ptr::eq(r.rule, rule)).collect();
                let text = selftest::snapshot_text(rule, &mine);
                let path = snapshots.join(format!("{}.snap", rule.id));
                if std::fs::read_to_string(&path).is_ok_and(|old| old == text) {
                    continue;
                }
                std::fs::create_dir_all(&snapshots)
                    .and_then(|()| std::fs::write(&path, &text))
                    .map_err(|e| ToolError::message(format!("cannot write {}: {e}", walk::display(&path))))?;
                written += 1;
            }
        }
    }
    Ok(written)
}
