//! `--format github`: GitHub Actions workflow commands, so findings appear as annotations on
//! the pull request. Waived findings are not annotated. Everything written, the `file=` and
//! `title=` properties included, goes through [`crate::text::terminal`] first: the log a CI
//! runner prints holds no control or bidirectional character from a file name, a document, a
//! rule pack or a waiver file.

use std::io::{self, Write};

use super::{Output, positions};
use crate::engine::Checked;
use crate::model::finding::Severity;
use crate::text::terminal;

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
