//! `--format json`: one JSON document, stable and documented in `docs/json-output.md`.
//!
//! Field names and meanings only ever grow; `version` changes if one must change.

use std::io::{self, Write};

use serde::Serialize;

use super::positions;
use crate::engine::Checked;
use crate::rules::{RuleSet, Source};
use crate::text::LineCol;

/// The version of this JSON layout.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
    projects: Vec<JsonProject<'a>>,
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
    pointer: Option<&'a str>,
    message: &'a str,
    help: Option<&'a str>,
    sources: &'a [Source],
    related: Vec<JsonRelated<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end: LineCol,
    message: &'a str,
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
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonProject<'a> {
    name: &'a str,
    stage: Option<u8>,
    stage_name: Option<&'a str>,
    declared_stage: Option<u8>,
}

/// Writes the report as pretty-printed JSON followed by a newline.
pub fn write(checked: &Checked, rules: &RuleSet, out: &mut dyn Write) -> io::Result<()> {
    let path = |file: crate::finding::FileId| checked.files.get(file.0 as usize).map_or("", |f| f.path.as_str());
    let findings = checked
        .findings
        .iter()
        .map(|f| {
            let span = positions(checked, f);
            JsonFinding {
                rule: &f.rule,
                severity: f.severity.as_str(),
                file: path(f.file),
                line: span.map(|(s, _)| s.line),
                column: span.map(|(s, _)| s.column),
                end: span.map(|(_, e)| e),
                document: f.document,
                pointer: f.pointer.as_deref(),
                message: &f.message,
                help: f.help.as_deref(),
                sources: rules.get(&f.rule).map_or(&[], |r| r.sources.as_slice()),
                related: f
                    .related
                    .iter()
                    .filter_map(|r| {
                        let file = checked.files.get(r.file.0 as usize)?;
                        let (start, end) = super::span_positions(&file.text, file.lines(), r.span);
                        Some(JsonRelated {
                            file: &file.path,
                            line: start.line,
                            column: start.column,
                            end,
                            message: &r.message,
                        })
                    })
                    .collect(),
            }
        })
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
        },
        projects: checked
            .projects
            .projects
            .iter()
            .map(|p| JsonProject {
                name: &p.name,
                stage: p.stage.map(crate::stage::Stage::number),
                stage_name: p.stage.map(crate::stage::Stage::name),
                declared_stage: p.declared_stage.map(crate::stage::Stage::number),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &report).map_err(io::Error::other)?;
    writeln!(out)
}
