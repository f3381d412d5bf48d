//! `--format json`: one JSON document, stable and documented in `docs/json-output.md`.
//!
//! Field names and meanings only ever grow; `version` changes if one must change.

use std::io::{self, Write};

use serde::Serialize;

use super::{Output, positions};
use crate::engine::Checked;
use crate::model::finding::Finding;
use crate::rules::Source;
use crate::text::LineCol;

/// The version of this JSON layout.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
    projects: Vec<JsonProject>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    file: &'a str,
    line: Option<u32>,
    column: Option<u32>,
    end: Option<LineCol>,
    document: Option<u32>,
    pointer: Option<String>,
    message: String,
    help: Option<String>,
    fingerprint: &'a str,
    /// Present (true) when the rule could not establish its outcome here.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    cannot_verify: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    accepted: Option<JsonAccepted>,
    waived: Option<JsonWaiver>,
    /// The rule's sources, each at its published address ([`super::rule_docs::source_url`]).
    sources: Vec<Source>,
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonWaiver {
    reason: String,
    approver: Option<String>,
    until: Option<String>,
    /// `inline` or the waiver file's path.
    origin: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end: LineCol,
    message: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary {
    files: usize,
    documents: usize,
    skipped_documents: usize,
    empty_files: usize,
    context_files: usize,
    errors: usize,
    warnings: usize,
    info: usize,
    waived: usize,
    /// Findings covered by an accepted, owned residual risk (not in the counts above).
    accepted: usize,
    baselined: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonAccepted {
    /// The residual risk's id in the `SecurityStrategy`.
    risk: String,
    owner: String,
    date: String,
    /// The severity the finding had before it was accepted.
    severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonProject {
    name: String,
    stage: Option<u8>,
    stage_name: Option<&'static str>,
    declared_stage: Option<u8>,
}

fn finding_json<'a>(checked: &'a Checked, output: &Output<'a>, original: &'a Finding) -> JsonFinding<'a> {
    let path = |file: crate::model::finding::FileId| checked.files.get(file.0 as usize).map_or("", |f| f.path.as_str());
    let f = output.visible(checked, original);
    let span = positions(checked, original);
    JsonFinding {
        rule: &original.rule,
        severity: original.severity.as_str(),
        file: path(original.file),
        line: span.map(|(s, _)| s.line),
        column: span.map(|(s, _)| s.column),
        end: span.map(|(_, e)| e),
        document: original.document,
        pointer: f.pointer.clone(),
        message: f.message.clone(),
        help: f.help.clone(),
        fingerprint: &original.fingerprint,
        cannot_verify: original.cannot_verify,
        accepted: f.accepted.as_ref().map(|a| JsonAccepted {
            risk: a.risk.clone(),
            owner: a.owner.clone(),
            date: a.date.to_string(),
            severity: a.severity.as_str(),
        }),
        waived: f.waiver.as_ref().map(|w| JsonWaiver {
            reason: w.reason.clone(),
            approver: w.approver.clone(),
            until: w.until.map(|d| d.to_string()),
            origin: w.origin.label(),
        }),
        sources: output.rules.get(&original.rule).map_or_else(Vec::new, |rule| {
            rule.sources
                .iter()
                .map(|s| Source {
                    url: super::rule_docs::source_url(output.rules, rule, &s.url),
                    ..s.clone()
                })
                .collect()
        }),
        related: original
            .related
            .iter()
            .zip(&f.related)
            .filter_map(|(r, shown)| {
                let file = checked.files.get(r.file.0 as usize)?;
                let (start, end) = super::span_positions(&file.text, file.lines(), r.span);
                Some(JsonRelated {
                    file: &file.path,
                    line: start.line,
                    column: start.column,
                    end,
                    message: shown.message.clone(),
                })
            })
            .collect(),
    }
}

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn write(checked: &Checked, output: &Output<'_>, out: &mut dyn Write) -> io::Result<()> {
    let findings = checked
        .findings
        .iter()
        .map(|f| finding_json(checked, output, f))
        .collect();
    let s = &checked.summary;
    let report = Report {
        version: JSON_VERSION,
        findings,
        summary: JsonSummary {
            files: s.files,
            documents: s.documents,
            skipped_documents: s.skipped_documents,
            empty_files: s.empty_files,
            context_files: s.context_files,
            errors: s.findings.error,
            warnings: s.findings.warning,
            info: s.findings.info,
            waived: s.waived,
            accepted: s.accepted,
            baselined: s.baselined,
        },
        projects: checked
            .projects
            .projects
            .iter()
            .enumerate()
            .map(|(i, p)| JsonProject {
                // A sensitive project's name is a document value: `project-N` unless --reveal.
                name: output.project_name(checked, i),
                stage: p.stage.map(crate::stage::Stage::number),
                stage_name: p.stage.map(crate::stage::Stage::name),
                declared_stage: p.declared_stage.map(crate::stage::Stage::number),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}
