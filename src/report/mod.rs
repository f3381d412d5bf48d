//! Reporters: one module per output format. Each takes the checked tree and writes text.

pub mod human;
pub mod json;

use std::io::{self, Write};
use std::time::Duration;

use crate::engine::Checked;
use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::text::LineCol;
use crate::yaml::Span;

/// The output formats of `standoff check`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Rich diagnostics for people: snippets, labels, help.
    Human,
    /// One stable JSON document (see docs/json-output.md).
    Json,
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

/// Writes the report in `format`; `rules` gives each finding's rule metadata (sources).
pub fn write(
    format: Format,
    checked: &Checked,
    rules: &RuleSet,
    human: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::write(checked, rules, human, out),
        Format::Json => json::write(checked, rules, out),
    }
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
