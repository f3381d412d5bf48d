//! The review gate for planning authorities: one verdict per project at the end of a stage,
//! a self-contained HTML report a case officer can read and file, and a JSON record of exactly
//! what was judged (inputs with SHA-256, the config and its hash, pack versions and digests,
//! findings, waivers). Pure: a checked tree in, documents (text) out.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::Checked;
use crate::model::finding::{Finding, Severity, SeverityCounts};
use crate::report::Output;
use crate::rules::{RuleSet, RuleStage};
use crate::stage::Stage;
use crate::text::LineCol;

mod html;

pub use html::{content_security_policy, html};

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
    /// The rule's (or built-in check's) title, for the report.
    #[serde(skip)]
    pub title: String,
    /// Covered by an accepted, owned residual risk (listed apart, never failing).
    #[serde(skip)]
    pub accepted: bool,
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
                origin: w.origin.label(),
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
            title: rules.get(&original.rule).map_or_else(
                || crate::checks::builtin_check(&original.rule).map_or_else(String::new, |c| c.title.to_owned()),
                |r| r.title.clone(),
            ),
            accepted: original.waiver.is_none() && shown.accepted.is_some(),
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
            let url = crate::report::rule_docs::source_url(rules, rule, &source.url);
            by_source.entry((title, url)).or_default().push((
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

/// `3 accepted residual risks`.
#[must_use]
pub fn accepted_count(n: usize) -> String {
    crate::text::plural(n, "accepted residual risk", "accepted residual risks")
}
