//! `--format sarif`: SARIF 2.1.0 (serde-sarif), for GitHub code scanning and other viewers.
//! `rules[]` describes every rule and built-in check with its help and guidance URL; results
//! carry `partialFingerprints` (stable across unrelated edits) and waived findings are
//! `suppressions` with their justification.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_sarif::sarif::{
    ArtifactLocation, Location, Message, MultiformatMessageString, PhysicalLocation, PropertyBag, Region,
    ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif, Suppression, Tool,
    ToolComponent,
};

use super::{Output, span_positions};
use crate::checks::BUILTIN_CHECKS;
use crate::engine::Checked;
use crate::model::finding::{Severity, WaiverOrigin};

/// The key of standoff's fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "standoffFingerprint/v1";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result_level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info => ResultLevel::Note,
    }
}

fn text(t: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(t.into()).build()
}

fn message(t: impl Into<String>) -> Message {
    Message::builder().text(t.into()).build()
}

/// Every rule and built-in check, with its index.
fn descriptors(output: &Output<'_>) -> (Vec<ReportingDescriptor>, BTreeMap<String, i64>) {
    let mut list = Vec::new();
    for rule in &output.rules.rules {
        let pack = output.rules.pack_of(rule).map(|p| p.name.clone()).unwrap_or_default();
        let help_uri = rule
            .sources
            .iter()
            .map(|s| s.url.as_str())
            .find(|u| u.starts_with("http"))
            .map(crate::text::uri_clean);
        let sources: Vec<String> = rule
            .sources
            .iter()
            .map(|s| {
                format!(
                    "{}{} [{}] {}",
                    s.title,
                    s.clause.as_ref().map(|c| format!(", {c}")).unwrap_or_default(),
                    s.confidence.as_str(),
                    s.url
                )
            })
            .collect();
        let descriptor = ReportingDescriptor::builder()
            .id(rule.id.clone())
            .name(rule.id.clone())
            .short_description(text(rule.title.clone()))
            .full_description(text(rule.why.trim().to_owned()))
            .help(text(format!(
                "{}\n\nSources:\n{}",
                rule.help.trim(),
                sources.join("\n")
            )))
            .default_configuration(
                ReportingConfiguration::builder()
                    .level(serde_json::json!(level(rule.severity)))
                    .build(),
            )
            .properties(
                PropertyBag::builder()
                    .tags(vec![pack, format!("stage-{}", rule.stage)])
                    .build(),
            );
        list.push(match help_uri {
            Some(uri) => descriptor.help_uri(uri).build(),
            None => descriptor.build(),
        });
    }
    for check in BUILTIN_CHECKS {
        list.push(
            ReportingDescriptor::builder()
                .id(check.id)
                .name(check.id)
                .short_description(text(check.title))
                .full_description(text(check.why))
                .help(text(check.help))
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::json!("error"))
                        .build(),
                )
                .properties(PropertyBag::builder().tags(vec!["built-in".to_owned()]).build())
                .build(),
        );
    }
    let index = list
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.clone(), i64::try_from(i).unwrap_or(i64::MAX)))
        .collect();
    (list, index)
}

fn location(
    checked: &Checked,
    file: crate::model::finding::FileId,
    span: Option<crate::yaml::Span>,
    note: Option<String>,
) -> Location {
    let source = checked.files.get(file.0 as usize);
    // A valid RFC 3986 relative reference: the path's own bytes, percent-encoded.
    let uri = source.map_or_else(String::new, |s| {
        crate::text::uri_path(&crate::paths::lossless_bytes(&s.path))
    });
    let artifact = ArtifactLocation::builder().uri(uri).uri_base_id("%SRCROOT%").build();
    let physical = match (span, source) {
        (Some(span), Some(source)) if !source.text.is_empty() => {
            let (start, end) = span_positions(&source.text, source.lines(), span);
            let region = Region::builder()
                .start_line(i64::from(start.line))
                .start_column(i64::from(start.column))
                .end_line(i64::from(end.line))
                .end_column(i64::from(end.column.max(1)))
                .build();
            PhysicalLocation::builder()
                .artifact_location(artifact)
                .region(region)
                .build()
        }
        _ => PhysicalLocation::builder().artifact_location(artifact).build(),
    };
    match note {
        Some(note) => Location::builder()
            .physical_location(physical)
            .message(message(note))
            .build(),
        None => Location::builder().physical_location(physical).build(),
    }
}

pub fn write(checked: &Checked, output: &Output<'_>, out: &mut dyn Write) -> io::Result<()> {
    let (rules, index) = descriptors(output);
    let results: Vec<SarifResult> = checked
        .findings
        .iter()
        .map(|original| {
            let f = output.visible(checked, original);
            let related: Vec<Location> = original
                .related
                .iter()
                .zip(&f.related)
                .map(|(r, shown)| location(checked, r.file, Some(r.span), Some(shown.message.clone())))
                .collect();
            let mut fingerprints = BTreeMap::new();
            fingerprints.insert(FINGERPRINT_KEY.to_owned(), original.fingerprint.clone());
            let help = f.help.as_deref().map(|h| format!("\n{h}")).unwrap_or_default();
            let mut result = SarifResult::builder()
                .rule_id(original.rule.to_string())
                .level(result_level(original.severity))
                .message(message(format!("{}{help}", f.message)))
                .locations(vec![location(checked, original.file, original.span, None)])
                .partial_fingerprints(fingerprints)
                .build();
            result.rule_index = index.get(original.rule.as_ref()).copied();
            if !related.is_empty() {
                result.related_locations = Some(related);
            }
            if let Some(waiver) = &f.waiver {
                let kind = match waiver.origin {
                    WaiverOrigin::Inline { .. } => "inSource",
                    WaiverOrigin::File { .. } => "external",
                };
                let approver = waiver
                    .approver
                    .as_ref()
                    .map(|a| format!(" (approved by {a})"))
                    .unwrap_or_default();
                let until = waiver.until.map(|u| format!(" until {u}")).unwrap_or_default();
                let justification = format!("{}{approver}{until}", waiver.reason);
                result.suppressions = Some(vec![
                    Suppression::builder()
                        .kind(serde_json::json!(kind))
                        .status(serde_json::json!("accepted"))
                        .justification(justification)
                        .build(),
                ]);
            }
            result
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("standoff")
        .version(output.tool_version)
        .semantic_version(output.tool_version)
        .information_uri("https://github.com/standoff-dev/standoff")
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    let sarif = Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif).map_err(io::Error::other)?;
    writeln!(out)
}
