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

use super::{Output, rule_docs, span_positions};
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

/// GitHub's `security-severity` of a severity: critical (9.0 and above) for an error, medium
/// for a warning, low for info.
#[must_use]
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "9.0",
        Severity::Warning => "5.0",
        Severity::Info => "2.0",
    }
}

/// GitHub shows at most 1024 characters of a description.
const DESCRIPTION_MAX: usize = 1024;

fn description(text: &str) -> MultiformatMessageString {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() <= DESCRIPTION_MAX {
        return self::text(text);
    }
    let cut: String = text.chars().take(DESCRIPTION_MAX - 1).collect();
    self::text(format!("{}\u{2026}", cut.trim_end()))
}

/// The property bag of a rule: GitHub's `security-severity` and `tags` (`security` first, so
/// code scanning files the alerts as security alerts, then the pack and the stage).
fn properties(severity: Severity, more: Vec<String>) -> PropertyBag {
    let mut tags = vec!["security".to_owned()];
    tags.extend(more);
    let mut bag = PropertyBag::builder().tags(tags).build();
    bag.additional_properties.insert(
        "security-severity".to_owned(),
        serde_json::json!(security_severity(severity)),
    );
    bag
}

/// Every rule and built-in check, with its index.
fn descriptors(output: &Output<'_>) -> (Vec<ReportingDescriptor>, BTreeMap<String, i64>) {
    let mut list = Vec::new();
    for rule in &output.rules.rules {
        let pack = output.rules.pack_of(rule).map(|p| p.name.clone()).unwrap_or_default();
        let help = MultiformatMessageString::builder()
            .text(rule_docs::help_text(output.rules, rule))
            .markdown(rule_docs::help_markdown(output.rules, rule))
            .build();
        let descriptor = ReportingDescriptor::builder()
            .id(rule.id.clone())
            .name(rule_docs::pascal_name(&rule.title, &rule.id))
            .short_description(description(&rule.title))
            .full_description(description(&rule.why))
            .help(help)
            .default_configuration(
                ReportingConfiguration::builder()
                    .level(serde_json::json!(level(rule.severity)))
                    .build(),
            )
            .properties(properties(rule.severity, vec![pack, format!("stage-{}", rule.stage)]));
        list.push(match rule_docs::rule_uri(output.rules, rule) {
            Some(uri) => descriptor.help_uri(uri).build(),
            None => descriptor.build(),
        });
    }
    for check in BUILTIN_CHECKS {
        list.push(
            ReportingDescriptor::builder()
                .id(check.id)
                .name(rule_docs::pascal_name(check.title, check.id))
                .short_description(description(check.title))
                .full_description(description(check.why))
                .help(text(check.help))
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::json!("error"))
                        .build(),
                )
                .properties(properties(Severity::Error, vec!["built-in".to_owned()]))
                .help_uri(rule_docs::help_uri(check.id))
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
