//! `--format gitlab`: GitLab Code Quality JSON (an array of issues), for merge-request widgets.
//! Waived findings are left out.

use std::io::{self, Write};

use serde::Serialize;

use super::{Output, positions};
use crate::engine::Checked;
use crate::model::finding::Severity;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

pub fn write(checked: &Checked, output: &Output<'_>, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue<'_>> = checked
        .findings
        .iter()
        .filter(|f| f.waiver.is_none())
        .map(|original| {
            let f = output.visible(checked, original);
            Issue {
                description: f.message.clone(),
                check_name: &original.rule,
                fingerprint: &original.fingerprint,
                severity: match original.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                location: Location {
                    path: checked
                        .files
                        .get(original.file.0 as usize)
                        .map_or("", |s| s.path.as_str()),
                    lines: Lines {
                        begin: positions(checked, original).map_or(1, |(s, _)| s.line),
                    },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues).map_err(io::Error::other)?;
    writeln!(out)
}
