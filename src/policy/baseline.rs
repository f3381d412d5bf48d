//! Baselines for gradual adoption: `--write-baseline FILE` records the fingerprints of today's
//! findings; `--baseline FILE` then reports only findings not in it. Fingerprints are built
//! from the rule, the file, and the path with list indices replaced by item ids, so they
//! survive reordering and unrelated edits.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::engine::Checked;

/// The baseline format this standoff writes: 2 since paths (and so fingerprints) are relative
/// to the tree's root rather than the working folder.
pub(crate) const BASELINE_VERSION: u32 = 2;

/// The baseline file's layout.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BaselineFile {
    pub(crate) version: u32,
    pub(crate) findings: Vec<BaselineEntry>,
}

/// One accepted finding: its fingerprint, and (for people reading the file) its rule and file.
#[derive(Debug, Deserialize, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
pub(crate) struct BaselineEntry {
    pub(crate) fingerprint: String,
    pub(crate) rule: String,
    pub(crate) file: String,
}

/// The baseline of a checked tree (waived findings and load errors are not baselined).
#[must_use]
pub(crate) fn write(checked: &Checked) -> String {
    let mut findings: Vec<BaselineEntry> = checked
        .findings
        .iter()
        .filter(|f| f.waiver.is_none() && !crate::checks::is_load_error(&f.rule))
        .map(|f| BaselineEntry {
            fingerprint: f.fingerprint.clone(),
            rule: f.rule.to_string(),
            file: checked
                .files
                .get(f.file.0 as usize)
                .map(|s| s.path.clone())
                .unwrap_or_default(),
        })
        .collect();
    findings.sort();
    findings.dedup();
    let file = BaselineFile {
        version: BASELINE_VERSION,
        findings,
    };
    serde_json::to_string_pretty(&file)
        .map(|t| t + "\n")
        .unwrap_or_default()
}

/// Drops the findings a baseline accepts (never load errors) and counts them.
pub(crate) fn apply<S: std::hash::BuildHasher>(checked: &mut Checked, accepted: &HashSet<String, S>) {
    let before = checked.findings.len();
    checked
        .findings
        .retain(|f| crate::checks::is_load_error(&f.rule) || f.waiver.is_some() || !accepted.contains(&f.fingerprint));
    checked.summary.baselined = before - checked.findings.len();
    super::recount(checked);
}

/// Reads a baseline's fingerprints.
pub(crate) fn read(text: &str) -> Result<HashSet<String>, String> {
    let file: BaselineFile = serde_json::from_str(text).map_err(|e| format!("not a standoff baseline: {e}"))?;
    if file.version == 1 {
        // Version 1 fingerprints held the path as seen from the working folder, so they
        // cannot be matched reliably: refused, never silently matching nothing.
        return Err(
            "this baseline was written by standoff 0.1 (version 1), whose fingerprints depended on the folder it was run from; write a new one with --write-baseline".to_owned(),
        );
    }
    if file.version != BASELINE_VERSION {
        return Err(format!(
            "baseline version {} is not supported (this standoff writes version {BASELINE_VERSION})",
            file.version
        ));
    }
    Ok(file.findings.into_iter().map(|e| e.fingerprint).collect())
}
