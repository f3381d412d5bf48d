//! `--statistics`: how many findings each rule reports, most first (ties by id), instead of the
//! findings. Waived findings are not counted; accepted ones are, at their shown severity.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::Output;
use crate::engine::Checked;
use crate::text::terminal_line;

/// The rows: (count, rule id, title), most first, then by id.
#[must_use]
pub fn rows(checked: &Checked, output: &Output<'_>) -> Vec<(usize, String, String)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for f in checked.findings.iter().filter(|f| f.waiver.is_none()) {
        *counts.entry(f.rule.as_ref()).or_default() += 1;
    }
    let mut rows: Vec<(usize, String, String)> = counts
        .into_iter()
        .map(|(id, n)| (n, id.to_owned(), output.describe(id).0))
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    rows
}

/// Writes the table: count, rule id, title, one rule a line.
pub fn write(checked: &Checked, output: &Output<'_>, out: &mut dyn Write) -> io::Result<()> {
    let rows = rows(checked, output);
    let width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    for (n, id, title) in rows {
        let id = terminal_line(&id);
        writeln!(out, "{n:>5}  {id:<width$}  {}", terminal_line(&title))?;
    }
    Ok(())
}
