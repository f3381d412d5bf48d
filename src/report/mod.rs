//! Reporters: one module per output format. Each takes the checked tree and writes text.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod junit;
pub mod rule_docs;
pub mod sarif;
pub mod statistics;

use std::io::{self, Write};
use std::time::Duration;

use crate::engine::Checked;
use crate::model::finding::Finding;
use crate::rules::RuleSet;
use crate::text::LineCol;
use crate::yaml::Span;

/// The output formats of `standoff check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rich diagnostics for people: snippets, labels, help.
    Human,
    /// One line per finding: `path:line:col: severity RULE-ID message`.
    Concise,
    /// One stable JSON document (see docs/json-output.md).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// `JUnit` XML, one test suite per file.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// GitLab Code Quality JSON.
    Gitlab,
}

/// Checks whose findings never quote the document (numbers, offsets, an I/O error, no pointer):
/// shown in full even for a sensitive file, so a file that could not be read says why.
const TEXT_FREE: [&str; 3] = ["FILE-READ", "FILE-UTF8", "YAML-LIMIT"];

/// What every reporter needs besides the findings.
#[derive(Clone, Copy)]
pub struct Output<'a> {
    pub rules: &'a RuleSet,
    /// Show document values even from sensitive documents (`--reveal`).
    pub reveal: bool,
    pub tool_version: &'a str,
    /// The severity from which a finding fails the run (`--fail-on`): `JUnit` fails only the
    /// test cases of such findings.
    pub fail_on: crate::model::finding::Severity,
}

impl Output<'_> {
    /// A rule's (or built-in check's) title, help and first source URL.
    #[must_use]
    pub fn describe(&self, id: &str) -> (String, String, Option<String>) {
        if let Some(rule) = self.rules.get(id) {
            let uri = rule
                .sources
                .iter()
                .map(|s| s.url.clone())
                .find(|u| u.starts_with("http"));
            return (rule.title.clone(), rule.help.clone(), uri);
        }
        if let Some(check) = crate::checks::builtin_check(id) {
            return (check.title.to_owned(), check.help.to_owned(), None);
        }
        (id.to_owned(), String::new(), None)
    }

    /// A finding as it may leave the machine: the one place where reporters redact. For a
    /// sensitive finding (unless `--reveal`): the rule's generic title and help instead of a
    /// message that names document values or ids, no label, generic related messages, the
    /// waiver's reason withheld, and a pointer whose keys that are not schema words are
    /// replaced by their positions (an unknown key's name is document text).
    #[must_use]
    pub fn visible<'f>(&self, checked: &Checked, finding: &'f Finding) -> std::borrow::Cow<'f, Finding> {
        if !finding.sensitive || self.reveal || TEXT_FREE.contains(&finding.rule.as_ref()) {
            return std::borrow::Cow::Borrowed(finding);
        }
        let (title, help, _) = self.describe(&finding.rule);
        let mut shown = finding.clone();
        shown.message = format!(
            "{title} (details withheld: the document is OFFICIAL-SENSITIVE or above, or its classification cannot be read)"
        );
        shown.help = (!help.is_empty()).then_some(help);
        shown.label = None;
        for related in &mut shown.related {
            "related location".clone_into(&mut related.message);
        }
        if let Some(waiver) = &mut shown.waiver {
            "withheld".clone_into(&mut waiver.reason);
        }
        // Who accepted a risk in a sensitive design, and its id, are document text too.
        if let Some(accepted) = &mut shown.accepted {
            "withheld".clone_into(&mut accepted.risk);
            "withheld".clone_into(&mut accepted.owner);
        }
        if let Some(pointer) = &finding.pointer {
            let doc = crate::engine::annotate::document_of(finding, &checked.documents).map(|d| &checked.documents[d]);
            shown.pointer = Some(crate::engine::annotate::positional_pointer(doc, pointer));
        }
        std::borrow::Cow::Owned(shown)
    }

    /// A project's name as it may leave the machine: a sensitive project's name is replaced by
    /// its position among the tree's projects (`project-1`), unless `--reveal`.
    #[must_use]
    pub fn project_name(&self, checked: &Checked, index: usize) -> String {
        checked.sensitivity.project_name(&checked.projects, index, self.reveal)
    }
}

/// How the human report looks.
#[derive(Clone, Copy, Debug)]
pub struct HumanOptions {
    pub color: bool,
    /// Terminal width for wrapping.
    pub width: usize,
    /// Leave out the summary.
    pub quiet: bool,
    /// How long the run took (shown in the summary).
    pub elapsed: Option<Duration>,
}

/// Writes the report in `format`.
pub fn write(
    format: Format,
    checked: &Checked,
    output: &Output<'_>,
    human: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut json = Vec::new();
    match format {
        Format::Human => return human::write(checked, output.rules, human, out),
        Format::Concise => return human::write_concise(checked, human, out),
        Format::Junit => return junit::write(checked, output, out),
        Format::Github => return github::write(checked, output, out),
        Format::Json => json::write(checked, output, &mut json)?,
        Format::Sarif => sarif::write(checked, output, &mut json)?,
        Format::Gitlab => gitlab::write(checked, output, &mut json)?,
    }
    // The same JSON, with every control or bidirectional character of a string written as a
    // `\uXXXX` escape, so the output is also safe to print to a terminal or a CI log.
    let text = String::from_utf8(json).map_err(io::Error::other)?;
    out.write_all(crate::text::json_terminal(&text).as_bytes())
}

/// The findings that do not count, counted apart, for a summary line: ", 2 accepted, 1 waived,
/// 17 baselined" (empty when there are none).
#[must_use]
pub fn set_apart(summary: &crate::engine::Summary) -> String {
    use std::fmt::Write as _;
    let mut text = String::new();
    for (n, what) in [
        (summary.accepted, "accepted"),
        (summary.waived, "waived"),
        (summary.baselined, "baselined"),
    ] {
        if n > 0 {
            let _ = write!(text, ", {n} {what}");
        }
    }
    text
}

/// The start and end of a finding's span as lines and columns.
#[must_use]
pub fn positions(checked: &Checked, finding: &Finding) -> Option<(LineCol, LineCol)> {
    let span = finding.span?;
    let file = checked.files.get(finding.file.0 as usize)?;
    Some(span_positions(&file.text, file.lines(), span))
}

#[must_use]
pub fn span_positions(text: &str, lines: &crate::text::LineIndex, span: Span) -> (LineCol, LineCol) {
    (lines.line_col(text, span.start), lines.line_col(text, span.end))
}
