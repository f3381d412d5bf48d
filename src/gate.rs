//! The review gate for planning authorities: one verdict per project at the end of a stage,
//! a self-contained HTML report a case officer can read and file, and a JSON record of exactly
//! what was judged (inputs with SHA-256, the config and its hash, pack versions and digests,
//! findings, waivers). Pure: a checked tree in, documents (text) out.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::engine::Checked;
use crate::model::finding::{Finding, Severity, SeverityCounts, WaiverOrigin};
use crate::report::Output;
use crate::rules::{RuleSet, RuleStage};
use crate::stage::Stage;
use crate::text::LineCol;

/// The parts of a stored record that `gate --verify` compares (the schema has checked the rest).
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredRecord {
    pub tool_version: String,
    pub stage: u8,
    pub as_of: String,
    pub passed: bool,
    pub findings: Vec<StoredFinding>,
    pub inputs: Vec<StoredInput>,
    pub config: Option<StoredFile>,
    pub waiver_file: Option<StoredFile>,
    pub packs: Vec<StoredPack>,
}

/// A finding as stored: what `--verify` compares with a new judgement.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Deserialize)]
pub struct StoredFinding {
    pub rule: String,
    pub severity: String,
    pub fingerprint: String,
    pub waived: bool,
}

/// An input as stored.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct StoredInput {
    pub path: String,
    pub sha256: Option<String>,
}

/// A hashed file as stored.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct StoredFile {
    pub path: String,
    pub sha256: String,
}

/// A pack as stored.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct StoredPack {
    pub name: String,
    pub version: String,
    pub origin: String,
    pub sha256: String,
}

/// The record format (`schemas/gate-record.schema.json`).
pub const RECORD_VERSION: u32 = 2;

/// A file that was judged, with its digest.
#[derive(Clone, Debug, Serialize)]
pub struct Input {
    pub path: String,
    pub bytes: u64,
    pub sha256: Option<String>,
}

/// The config that was in force.
#[derive(Clone, Debug, Serialize)]
pub struct ConfigRecord {
    pub path: String,
    pub sha256: String,
}

/// The waiver file that was in force.
#[derive(Clone, Debug, Serialize)]
pub struct WaiverFileRecord {
    pub path: String,
    pub sha256: String,
}

/// What the gate disregarded of a submitter's means to hide or replace things, so the record
/// shows it.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disregarded {
    /// Files `check` would have skipped (ignore files, the config's excludes); judged here.
    pub files_check_would_skip: Vec<String>,
    /// Symbolic links not followed: they leave the tree, or point nowhere.
    pub links_not_followed: Vec<String>,
    /// Extra packs that would have replaced the built-in pack of the same name.
    pub packs_not_replacing: Vec<String>,
    /// Config limits above the defaults, capped at the defaults.
    pub limits_capped: Vec<String>,
    /// The config's `stage`, which the gate's `--stage` overrules.
    pub config_stage: Option<u8>,
    /// Whether the config set rule filters (select, ignore, severity, overrides).
    pub rule_filters: bool,
    /// Whether the config asked for `follow-symlinks: true`.
    pub follow_symlinks: bool,
}

/// What the gate was asked.
#[derive(Clone, Debug)]
pub struct GateRequest<'a> {
    pub stage: Stage,
    pub as_of: String,
    pub inputs: Vec<Input>,
    pub config: Option<ConfigRecord>,
    pub waiver_file: Option<WaiverFileRecord>,
    pub disregarded: Disregarded,
    pub tool_version: &'a str,
}

/// A project's verdict.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectVerdict {
    pub name: String,
    pub declared_stage: Option<u8>,
    pub passed: bool,
    pub counts: SeverityCounts,
    pub waived: usize,
}

/// How each rule stands at the gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Due, but the rule selected nothing to judge in any project.
    NotApplicable,
    Met,
    Waived,
    /// Every finding of the rule is covered by an accepted, owned residual risk.
    Accepted,
    /// The rule could not establish its outcome: a value it reads is missing or unreadable,
    /// or the document kind it reads is missing where it is due.
    CannotVerify,
    NotMet,
    NotYetApplicable,
}

impl Status {
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Status::NotApplicable => "not applicable: nothing to judge",
            Status::Met => "met",
            Status::CannotVerify => "cannot verify",
            Status::Waived => "waived",
            Status::Accepted => "accepted",
            Status::NotMet => "not met",
            Status::NotYetApplicable => "not yet applicable",
        }
    }
}

/// One source of guidance and how the rules resting on it stand.
#[derive(Clone, Debug, Serialize)]
pub struct MatrixRow {
    pub source: String,
    pub url: String,
    pub confidence: Vec<String>,
    pub rules: Vec<(String, Status)>,
    pub status: Status,
}

/// A waiver in force.
#[derive(Clone, Debug, Serialize)]
pub struct WaiverRecord {
    pub rule: String,
    pub file: String,
    pub line: Option<u32>,
    pub reason: String,
    pub approver: Option<String>,
    pub until: Option<String>,
    pub origin: String,
}

/// A finding covered by an accepted, owned residual risk: it does not fail the verdict, and
/// the case officer sees what was accepted, by whom and when.
#[derive(Clone, Debug, Serialize)]
pub struct AcceptedRecord {
    pub risk: String,
    pub owner: String,
    pub date: String,
    pub rule: String,
    /// The finding's severity before it was accepted.
    pub severity: Severity,
    pub file: String,
    pub line: Option<u32>,
    pub project: Option<String>,
}

/// A finding in the record.
#[derive(Clone, Debug, Serialize)]
pub struct FindingRecord {
    pub rule: String,
    pub severity: Severity,
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub pointer: Option<String>,
    pub message: String,
    pub help: Option<String>,
    pub waived: bool,
    pub project: Option<String>,
    pub fingerprint: String,
    /// The source lines around the finding (none for sensitive documents unless revealed).
    #[serde(skip)]
    pub snippet: Vec<(u32, String)>,
    #[serde(skip)]
    pub start: Option<LineCol>,
}

/// The pack versions that judged.
#[derive(Clone, Debug, Serialize)]
pub struct PackRecord {
    pub name: String,
    pub version: String,
    pub origin: String,
    pub sha256: String,
    pub rules: usize,
}

/// The gate's record.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Record {
    pub version: u32,
    pub tool: String,
    pub tool_version: String,
    pub stage: u8,
    pub stage_name: String,
    pub as_of: String,
    pub passed: bool,
    /// Why the gate did not pass (empty when it passed).
    pub reasons: Vec<String>,
    pub projects: Vec<ProjectVerdict>,
    pub counts: SeverityCounts,
    pub counts_by_pack: BTreeMap<String, SeverityCounts>,
    pub config: Option<ConfigRecord>,
    pub waiver_file: Option<WaiverFileRecord>,
    pub packs: Vec<PackRecord>,
    pub inputs: Vec<Input>,
    pub disregarded: Disregarded,
    pub findings: Vec<FindingRecord>,
    pub waivers: Vec<WaiverRecord>,
    /// Findings accepted as residual risks (they do not fail the verdict).
    pub accepted: Vec<AcceptedRecord>,
    pub matrix: Vec<MatrixRow>,
}

fn project_of(checked: &Checked, finding: &Finding) -> Option<usize> {
    let by_document = finding.document.and_then(|index| {
        let d = checked
            .documents
            .iter()
            .position(|d| d.file == finding.file && d.index == index)?;
        checked.projects.membership.get(d).copied().flatten()
    });
    by_document.or_else(|| {
        // A finding about a whole file: the project of the file's documents, when there is one.
        let mut projects = checked
            .documents
            .iter()
            .enumerate()
            .filter(|(_, d)| d.file == finding.file)
            .filter_map(|(i, _)| checked.projects.membership.get(i).copied().flatten());
        let first = projects.next()?;
        projects.all(|p| p == first).then_some(first)
    })
}

fn pack_of_rule<'r>(rules: &'r RuleSet, id: &str) -> &'r str {
    rules
        .get(id)
        .and_then(|r| rules.pack_of(r))
        .map_or("built-in checks", |p| p.name.as_str())
}

fn snippet(checked: &Checked, finding: &Finding) -> (Vec<(u32, String)>, Option<LineCol>) {
    let (Some(span), Some(file)) = (finding.span, checked.files.get(finding.file.0 as usize)) else {
        return (Vec::new(), None);
    };
    if file.text.is_empty() {
        return (Vec::new(), None);
    }
    let start = file.lines().line_col(&file.text, span.start);
    let first = start.line.saturating_sub(2).max(1);
    let lines = file
        .text
        .lines()
        .enumerate()
        .skip(first as usize - 1)
        .take(5)
        .map(|(i, l)| (i as u32 + 1, crate::text::sanitize_source(l).into_owned()))
        .collect();
    (lines, Some(start))
}

/// A rule's id, its status, and the confidence of the source it rests on.
type RuleStanding = (String, Status, String);

/// Judges a checked tree at the gate.
#[must_use]
pub fn record(checked: &Checked, output: &Output<'_>, request: &GateRequest<'_>) -> Record {
    let rules = output.rules;
    let path = |f: &Finding| {
        checked
            .files
            .get(f.file.0 as usize)
            .map_or_else(String::new, |s| s.path.clone())
    };
    let mut findings = Vec::new();
    let mut waivers = Vec::new();
    let mut accepted_risks = Vec::new();
    let mut project_counts: Vec<(SeverityCounts, usize)> =
        vec![(SeverityCounts::default(), 0); checked.projects.projects.len()];
    let mut unassigned = SeverityCounts::default();
    let mut counts_by_pack: BTreeMap<String, SeverityCounts> = BTreeMap::new();
    for original in &checked.findings {
        let shown = output.visible(checked, original);
        let project = project_of(checked, original);
        if original.waiver.is_none() && original.accepted.is_some() {
            // Accepted: listed with its owner and date, counted apart, never failing.
        } else if original.waiver.is_none() {
            counts_by_pack
                .entry(pack_of_rule(rules, &original.rule).to_owned())
                .or_default()
                .add(original.severity);
            match project {
                Some(p) => project_counts[p].0.add(original.severity),
                None => unassigned.add(original.severity),
            }
        } else if let Some(p) = project {
            project_counts[p].1 += 1;
        }
        let (snippet, start) = if original.sensitive && !output.reveal {
            (Vec::new(), crate::report::positions(checked, original).map(|p| p.0))
        } else {
            snippet(checked, original)
        };
        if let Some(w) = &shown.waiver {
            waivers.push(WaiverRecord {
                rule: original.rule.to_string(),
                file: path(original),
                line: start.map(|s| s.line),
                reason: w.reason.clone(),
                approver: w.approver.clone(),
                until: w.until.map(|d| d.to_string()),
                origin: match &w.origin {
                    WaiverOrigin::Inline { .. } => "inline".to_owned(),
                    WaiverOrigin::File { path, .. } => path.clone(),
                },
            });
        }
        if let (None, Some(a)) = (&original.waiver, &shown.accepted) {
            accepted_risks.push(AcceptedRecord {
                risk: a.risk.clone(),
                owner: a.owner.clone(),
                date: a.date.to_string(),
                rule: original.rule.to_string(),
                severity: a.severity,
                file: path(original),
                line: start.map(|s| s.line),
                project: project.map(|p| output.project_name(checked, p)),
            });
        }
        findings.push(FindingRecord {
            rule: original.rule.to_string(),
            severity: original.severity,
            file: path(original),
            line: start.map(|s| s.line),
            column: start.map(|s| s.column),
            pointer: shown.pointer.clone(),
            message: shown.message.clone(),
            help: shown.help.clone(),
            waived: original.waiver.is_some(),
            project: project.map(|p| output.project_name(checked, p)),
            fingerprint: original.fingerprint.clone(),
            snippet,
            start,
        });
    }
    let projects: Vec<ProjectVerdict> = checked
        .projects
        .projects
        .iter()
        .zip(&project_counts)
        .enumerate()
        .map(|(i, (p, (counts, waived)))| ProjectVerdict {
            // Withheld names are positional (`project-1`), the same in every field.
            name: output.project_name(checked, i),
            declared_stage: p.declared_stage.map(Stage::number),
            passed: counts.error == 0,
            counts: *counts,
            waived: *waived,
        })
        .collect();
    // Kinds a demanding rule reported missing (and that are missing from the project): the
    // rules that read them could judge nothing there.
    let missing_kinds: std::collections::BTreeSet<crate::model::document::Kind> = checked
        .findings
        .iter()
        .filter(|f| f.waiver.is_none())
        .filter_map(|f| {
            let kind = rules.get(&f.rule)?.demands?;
            let project = project_of(checked, f)?;
            let has_kind =
                checked.documents.iter().enumerate().any(|(i, d)| {
                    d.kind == kind && checked.projects.membership.get(i).copied().flatten() == Some(project)
                });
            (!has_kind).then_some(kind)
        })
        .collect();
    // The compliance matrix: each source, and the rules that rest on it.
    let mut by_source: BTreeMap<(String, String), Vec<RuleStanding>> = BTreeMap::new();
    for rule in &rules.rules {
        let status = match rule.stage {
            RuleStage::Due(due) if due > request.stage => Status::NotYetApplicable,
            _ => {
                let mine: Vec<&Finding> = checked.findings.iter().filter(|f| f.rule == rule.id).collect();
                if mine
                    .iter()
                    .any(|f| f.waiver.is_none() && f.accepted.is_none() && !f.cannot_verify)
                {
                    Status::NotMet
                } else if mine.iter().any(|f| f.waiver.is_none() && f.cannot_verify) {
                    Status::CannotVerify
                } else if mine.iter().any(|f| f.waiver.is_none()) {
                    Status::Accepted
                } else if !mine.is_empty() {
                    Status::Waived
                } else if checked.judged.contains(&rule.id) {
                    // Met only when the rule judged something and found nothing wrong.
                    Status::Met
                } else if rule.kinds.iter().any(|k| missing_kinds.contains(k)) {
                    Status::CannotVerify
                } else {
                    Status::NotApplicable
                }
            }
        };
        for source in &rule.sources {
            let title = match &source.clause {
                Some(c) => format!("{}, {c}", source.title),
                None => source.title.clone(),
            };
            by_source.entry((title, source.url.clone())).or_default().push((
                rule.id.clone(),
                status,
                source.confidence.as_str().to_owned(),
            ));
        }
    }
    let matrix = by_source
        .into_iter()
        .map(|((source, url), rules)| {
            let status = rules
                .iter()
                .map(|(_, s, _)| *s)
                .filter(|s| *s != Status::NotYetApplicable)
                .max()
                .unwrap_or(Status::NotYetApplicable);
            let mut confidence: Vec<String> = rules.iter().map(|(_, _, c)| c.clone()).collect();
            confidence.sort();
            confidence.dedup();
            MatrixRow {
                source,
                url,
                confidence,
                rules: rules.into_iter().map(|(id, s, _)| (id, s)).collect(),
                status,
            }
        })
        .collect();
    let counts = checked.summary.findings;
    let mut reasons = Vec::new();
    if projects.is_empty() {
        let near_misses = checked.findings.iter().filter(|f| f.rule == "DOC-NEAR-MISS").count();
        reasons.push(format!(
            "nothing was judged: no project among {} and {}{}",
            crate::text::plural(checked.summary.files, "file", "files"),
            crate::text::plural(checked.documents.len(), "design document", "design documents"),
            if near_misses > 0 {
                format!(
                    " ({} shaped like a design document but not readable as one)",
                    crate::text::plural(near_misses, "document", "documents")
                )
            } else {
                String::new()
            }
        ));
    }
    let failed_projects = projects.iter().filter(|p| !p.passed).count();
    if failed_projects > 0 {
        reasons.push(format!(
            "{} with errors",
            crate::text::plural(failed_projects, "project", "projects")
        ));
    }
    if unassigned.error > 0 {
        reasons.push(format!(
            "{} outside every project (files that did not load, documents no project claims)",
            crate::text::plural(unassigned.error, "error", "errors")
        ));
    }
    let passed = reasons.is_empty();
    Record {
        version: RECORD_VERSION,
        tool: "standoff".into(),
        tool_version: request.tool_version.to_owned(),
        stage: request.stage.number(),
        stage_name: request.stage.name().to_owned(),
        as_of: request.as_of.clone(),
        passed,
        reasons,
        projects,
        counts,
        counts_by_pack,
        config: request.config.clone(),
        waiver_file: request.waiver_file.clone(),
        disregarded: request.disregarded.clone(),
        packs: rules
            .packs
            .iter()
            .map(|p| PackRecord {
                name: p.name.clone(),
                version: p.version.clone(),
                origin: p.origin.clone(),
                sha256: p.digest.clone(),
                rules: rules
                    .rules
                    .iter()
                    .filter(|r| rules.pack_of(r).is_some_and(|q| q.name == p.name))
                    .count(),
            })
            .collect(),
        inputs: request.inputs.clone(),
        findings,
        waivers,
        accepted: accepted_risks,
        matrix,
    }
}

/// Escapes text for HTML.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if crate::text::is_unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2430;line-height:1.45}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}\
.verdict{display:inline-block;padding:.35rem .9rem;border-radius:.4rem;font-weight:700;font-size:1.1rem}\
.pass{background:#dafbe1;color:#116329;border:1px solid #4ac26b}.fail{background:#ffebe9;color:#82071e;border:1px solid #ff8182}\
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}.error{color:#82071e;font-weight:600}.warning{color:#7d4e00;font-weight:600}.info{color:#0550ae}\
.met{background:#dafbe1}.not-met{background:#ffebe9}.cannot-verify{background:#fff1e5;color:#953800}.not-applicable{background:#f6f8fa;color:#57606a}.waived{background:#fff8c5}.accepted{background:#ddf4ff}.not-yet-applicable{background:#f6f8fa;color:#57606a}\
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.85rem;margin:.3rem 0}.mark{background:#ffebe9}\
.finding{border:1px solid #d0d7de;border-radius:.4rem;padding:.5rem .8rem;margin:.6rem 0}code{font-size:.88em}.muted{color:#57606a}";

/// `3 accepted residual risks`.
#[must_use]
pub fn accepted_count(n: usize) -> String {
    crate::text::plural(n, "accepted residual risk", "accepted residual risks")
}

/// What the gate disregarded of the submission's settings, as a list a case officer can read.
fn disregarded_html(h: &mut String, d: &Disregarded) {
    let mut items: Vec<String> = Vec::new();
    for path in &d.files_check_would_skip {
        items.push(format!(
            "<code>{}</code> is skipped by <code>check</code> (an ignore file or the config's excludes); judged here",
            esc(path)
        ));
    }
    for path in &d.links_not_followed {
        items.push(format!("symbolic link <code>{}</code> not followed", esc(path)));
    }
    for pack in &d.packs_not_replacing {
        items.push(format!(
            "extra pack {} not loaded: it would replace the built-in pack of that name",
            esc(pack)
        ));
    }
    for limit in &d.limits_capped {
        items.push(format!("config limit {}", esc(limit)));
    }
    if let Some(stage) = d.config_stage {
        items.push(format!(
            "the config's <code>stage: {stage}</code> (the gate's stage applies)"
        ));
    }
    if d.rule_filters {
        items.push("the config's rule selection, ignores and severity overrides".to_owned());
    }
    if d.follow_symlinks {
        items.push(
            "the config's <code>follow-symlinks: true</code> (links are followed only inside the tree)".to_owned(),
        );
    }
    if items.is_empty() {
        h.push_str("<p>Nothing in the submission's settings was disregarded.</p>\n");
        return;
    }
    h.push_str("<p>Disregarded at the gate:</p>\n<ul>\n");
    for item in items {
        let _ = writeln!(h, "<li>{item}</li>");
    }
    h.push_str("</ul>\n");
}

/// The self-contained HTML report (inline styles only: no scripts, no external assets).
#[must_use]
pub fn html(record: &Record) -> String {
    let mut h = String::new();
    let passed_with = format!("PASSED with {}", accepted_count(record.accepted.len()));
    let verdict = match (record.passed, record.accepted.is_empty()) {
        (true, true) => ("pass", "PASSED"),
        (true, false) => ("pass", passed_with.as_str()),
        (false, _) => ("fail", "NOT PASSED"),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>standoff review gate: stage {} ({})</title><style>{STYLE}</style></head><body>\n",
        record.stage,
        esc(&record.stage_name)
    );
    let _ = write!(
        h,
        "<h1>Protective-security review gate: end of RIBA stage {} ({})</h1>\n<p class=\"muted\">standoff {} · judged as of {} · every rule due by the end of stage {} at its own severity</p>\n\
<p><span class=\"verdict {}\" id=\"verdict\">{}</span></p>\n",
        record.stage,
        esc(&record.stage_name),
        esc(&record.tool_version),
        esc(&record.as_of),
        record.stage,
        verdict.0,
        verdict.1
    );
    for reason in &record.reasons {
        let _ = writeln!(
            h,
            "<p class=\"fail-reason\"><strong>Not passed:</strong> {}</p>",
            esc(reason)
        );
    }
    h.push_str("<h2>Verdict by project</h2>\n<table><tr><th>Project</th><th>Declared stage</th><th>Verdict</th><th>Errors</th><th>Warnings</th><th>Info</th><th>Waived</th></tr>\n");
    for p in &record.projects {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.name),
            p.declared_stage.map_or_else(|| "unknown".to_owned(), |s| s.to_string()),
            if p.passed { "met" } else { "not-met" },
            if p.passed { "passed" } else { "not passed" },
            p.counts.error,
            p.counts.warning,
            p.counts.info,
            p.waived
        );
    }
    h.push_str("</table>\n<h2>Findings by pack</h2>\n<table><tr><th>Pack</th><th>Errors</th><th>Warnings</th><th>Info</th></tr>\n");
    for (pack, c) in &record.counts_by_pack {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(pack),
            c.error,
            c.warning,
            c.info
        );
    }
    let _ = writeln!(
        h,
        "<tr><th>Total</th><th>{}</th><th>{}</th><th>{}</th></tr></table>",
        record.counts.error, record.counts.warning, record.counts.info
    );
    h.push_str("<h2>Compliance by source</h2>\n<table><tr><th>Source</th><th>Confidence</th><th>Status</th><th>Rules</th></tr>\n");
    for row in &record.matrix {
        let rules: Vec<String> = row
            .rules
            .iter()
            .map(|(id, s)| format!("<code>{}</code> {}", esc(id), s.label()))
            .collect();
        let source = if row.url.starts_with("http") {
            format!("<a href=\"{}\">{}</a>", esc(&row.url), esc(&row.source))
        } else {
            esc(&row.source)
        };
        let class = serde_json::to_value(row.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let _ = writeln!(
            h,
            "<tr><td>{source}</td><td>{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            esc(&row.confidence.join(", ")),
            row.status.label(),
            rules.join("<br>")
        );
    }
    h.push_str("</table>\n<h2>Findings</h2>\n");
    if record.findings.is_empty() {
        h.push_str("<p>No findings.</p>\n");
    }
    for f in &record.findings {
        let at = f
            .line
            .map(|l| format!(":{l}:{}", f.column.unwrap_or(1)))
            .unwrap_or_default();
        let waived = if f.waived {
            " <span class=\"muted\">(waived)</span>"
        } else {
            ""
        };
        let _ = write!(
            h,
            "<div class=\"finding\"><div><span class=\"{}\">{}</span> <code>{}</code> {}{}{waived}</div><div><code>{}{}</code></div>",
            f.severity,
            f.severity,
            esc(&f.rule),
            esc(&f.message),
            f.project
                .as_ref()
                .map(|p| format!(" <span class=\"muted\">project {}</span>", esc(p)))
                .unwrap_or_default(),
            esc(&f.file),
            at
        );
        if !f.snippet.is_empty() {
            h.push_str("<pre>");
            for (n, line) in &f.snippet {
                let mark = f.start.is_some_and(|s| s.line == *n);
                let _ = writeln!(
                    h,
                    "{}{n:>5} │ {}{}",
                    if mark { "<span class=\"mark\">" } else { "" },
                    esc(line),
                    if mark { "</span>" } else { "" }
                );
            }
            h.push_str("</pre>");
        }
        if let Some(help) = &f.help {
            let _ = write!(h, "<div class=\"muted\">{}</div>", esc(help));
        }
        h.push_str("</div>\n");
    }
    h.push_str("<h2>Accepted residual risks</h2>\n");
    if record.accepted.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<table><tr><th>Risk</th><th>Owner</th><th>Accepted on</th><th>Rule</th><th>Severity</th><th>Where</th></tr>\n");
        for a in &record.accepted {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}{}</td></tr>",
                esc(&a.risk),
                esc(&a.owner),
                esc(&a.date),
                esc(&a.rule),
                a.severity,
                esc(&a.file),
                a.line.map(|l| format!(":{l}")).unwrap_or_default()
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>Waivers in force</h2>\n");
    if record.waivers.is_empty() {
        h.push_str("<p>None.</p>\n");
    } else {
        h.push_str("<table><tr><th>Rule</th><th>Where</th><th>Reason</th><th>Approver</th><th>Until</th><th>Written in</th></tr>\n");
        for w in &record.waivers {
            let _ = writeln!(
                h,
                "<tr><td><code>{}</code></td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&w.rule),
                esc(&w.file),
                w.line.map(|l| format!(":{l}")).unwrap_or_default(),
                esc(&w.reason),
                esc(w.approver.as_deref().unwrap_or("not named")),
                esc(w.until.as_deref().unwrap_or("no expiry")),
                esc(&w.origin)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("<h2>What was judged</h2>\n");
    match &record.config {
        Some(c) => {
            let _ = writeln!(
                h,
                "<p>Config <code>{}</code>, SHA-256 <code>{}</code>. Baselines are not used at the gate, nor the config's rule selection.</p>",
                esc(&c.path),
                esc(&c.sha256)
            );
        }
        None => h.push_str("<p>No config file. Baselines are not used at the gate.</p>\n"),
    }
    match &record.waiver_file {
        Some(w) => {
            let _ = writeln!(
                h,
                "<p>Waiver file <code>{}</code>, SHA-256 <code>{}</code>.</p>",
                esc(&w.path),
                esc(&w.sha256)
            );
        }
        None => h.push_str("<p>No waiver file.</p>\n"),
    }
    disregarded_html(&mut h, &record.disregarded);
    h.push_str("<table><tr><th>Pack</th><th>Version</th><th>Rules</th><th>From</th><th>SHA-256</th></tr>\n");
    for p in &record.packs {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&p.name),
            esc(&p.version),
            p.rules,
            esc(&p.origin),
            esc(&p.sha256)
        );
    }
    h.push_str("</table>\n<table><tr><th>Input file</th><th>Bytes</th><th>SHA-256</th></tr>\n");
    for input in &record.inputs {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            esc(&input.path),
            input.bytes,
            esc(input.sha256.as_deref().unwrap_or("not read"))
        );
    }
    h.push_str("</table>\n</body></html>\n");
    h
}
