//! `--format github`: GitHub Actions workflow commands, so findings appear as annotations on
//! the pull request. Waived findings are not annotated. Everything written, the `file=` and
//! `title=` properties included, goes through [`crate::text::terminal`] first: the log a CI
//! runner prints holds no control or bidirectional character from a file name, a document, a
//! rule pack or a waiver file.

use std::io::{self, Write};

use std::fmt::Write as _;

use super::{Output, positions};
use crate::engine::Checked;
use crate::model::finding::Severity;
use crate::text::{plural, terminal, terminal_line};

/// Escapes the message of a workflow command (`%`, CR and LF).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property of a workflow command (also `:` and `,`).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

pub fn write(checked: &Checked, output: &Output<'_>, out: &mut dyn Write) -> io::Result<()> {
    for original in checked.findings.iter().filter(|f| f.waiver.is_none()) {
        let f = output.visible(checked, original);
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let file = checked.files.get(f.file.0 as usize).map_or("", |s| s.path.as_str());
        let mut properties = vec![format!("file={}", escape_property(&terminal(file)))];
        if let Some((start, end)) = positions(checked, original) {
            properties.push(format!("line={}", start.line));
            properties.push(format!("col={}", start.column));
            properties.push(format!("endLine={}", end.line));
            properties.push(format!("endColumn={}", end.column));
        }
        properties.push(format!("title={}", escape_property(&terminal(&f.rule))));
        let help = f.help.as_deref().map(|h| format!("\n{h}")).unwrap_or_default();
        let message = terminal(&format!("{}{help}", f.message)).into_owned();
        let line = format!("::{command} {}::{}\n", properties.join(","), escape_data(&message));
        // Every part is escaped above; the whole line once more, so nothing is ever missed.
        out.write_all(terminal(&line).as_bytes())?;
    }
    Ok(())
}

/// At most this many errors are listed in the step summary (GitHub keeps 1 MiB of it a step).
const SUMMARY_ROWS: usize = 200;

/// Text for one cell of a Markdown table: one line, with the characters that would start
/// markup or HTML (GitHub renders both in a step summary) written as entities or escaped.
fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in terminal_line(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\\' | '*' | '_' | '[' | ']' | '`' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// The Markdown summary a GitHub Actions job shows (`$GITHUB_STEP_SUMMARY`): the counts by
/// severity, waived, accepted and baselined, then a table of the errors (redacted as every
/// output that leaves the machine).
#[must_use]
pub fn step_summary(checked: &Checked, output: &Output<'_>) -> String {
    let s = &checked.summary;
    let counts = &s.findings;
    let verdict = if counts.reaches(output.fail_on) {
        "failed"
    } else {
        "passed"
    };
    let mut out = format!(
        "## standoff: {verdict}\n\n{} and {} checked: {}, {}, {}",
        plural(s.files, "file", "files"),
        plural(s.documents, "design document", "design documents"),
        plural(counts.error, "error", "errors"),
        plural(counts.warning, "warning", "warnings"),
        plural(counts.info, "info", "info"),
    );
    out.push_str(&super::set_apart(s));
    out.push_str(".\n");
    let errors: Vec<_> = checked
        .findings
        .iter()
        .filter(|f| f.waiver.is_none() && f.accepted.is_none() && f.severity == Severity::Error)
        .collect();
    if !errors.is_empty() {
        out.push_str("\n| Rule | File | Line | Message |\n|---|---|---|---|\n");
        for original in errors.iter().take(SUMMARY_ROWS) {
            let f = output.visible(checked, original);
            let file = checked.files.get(f.file.0 as usize).map_or("", |s| s.path.as_str());
            let line = positions(checked, original).map_or_else(String::new, |(start, _)| start.line.to_string());
            let _ = writeln!(
                out,
                "| {} | {} | {line} | {} |",
                cell(&f.rule),
                cell(file),
                cell(&f.message)
            );
        }
        if errors.len() > SUMMARY_ROWS {
            let _ = writeln!(
                out,
                "\n{} more errors are in the job's log.",
                errors.len() - SUMMARY_ROWS
            );
        }
    }
    out.push('\n');
    terminal(&out).into_owned()
}
