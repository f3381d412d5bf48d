//! What a project decides about the findings, applied after evaluation: which rules it selects
//! or ignores (everywhere or for some files), severity overrides, accountable waivers, and a
//! baseline for gradual adoption. Pure: it rewrites the checked tree's findings.

pub(crate) mod baseline;
pub(crate) mod residual;
pub(crate) mod waivers;

use globset::GlobSet;

use crate::checks::is_load_error;
use crate::date::Date;
use crate::engine::Checked;
use crate::model::finding::{Finding, Severity, SeverityCounts};

/// Rule selection by id or prefix: `HVM` and `HVM-` match `HVM-GAP`.
#[must_use]
pub(crate) fn pattern_matches(pattern: &str, id: &str) -> bool {
    let stem = pattern.trim_end_matches('-');
    id == stem || id.strip_prefix(stem).is_some_and(|rest| rest.starts_with('-'))
}

/// Resolves a rule pattern of the tool's own inputs (`--select`, config `ignore`, ...) to the
/// form [`pattern_matches`] reads: an exact rule or check id, a pack's id prefix (`HVM`, `HVM-`)
/// or a pack's name (`hvm`, read as its prefix). Anything else is an error with a did-you-mean:
/// a rule must never be silently inactive because its id was mistyped.
pub(crate) fn resolve_pattern(pattern: &str, rules: &crate::rules::RuleSet) -> Result<String, String> {
    let ids = || {
        rules
            .rules
            .iter()
            .map(|r| r.id.as_str())
            .chain(crate::checks::BUILTIN_CHECKS.iter().map(|c| c.id))
    };
    if let Some(pack) = rules.packs.iter().find(|p| p.name == pattern) {
        return Ok(pack.prefix.clone());
    }
    if ids().any(|id| pattern_matches(pattern, id)) {
        return Ok(pattern.to_owned());
    }
    let mut candidates: Vec<&str> = ids().collect();
    candidates.extend(rules.packs.iter().map(|p| p.prefix.as_str()));
    candidates.extend(rules.packs.iter().map(|p| p.name.as_str()));
    // Families of the built-in checks (`SCHEMA`, `YAML`) are prefixes too.
    let families: Vec<&str> = crate::checks::BUILTIN_CHECKS
        .iter()
        .filter_map(|c| c.id.split_once('-').map(|(family, _)| family))
        .collect();
    candidates.extend(families);
    let hint = match crate::text::did_you_mean(pattern, candidates) {
        Some(m) => format!("; did you mean `{m}`?"),
        None => String::new(),
    };
    Err(format!(
        "no rule, check or pack matches `{}`{hint} (`standoff rules` lists the ids; a prefix such as `HVM` or a pack name such as `hvm` selects a pack)",
        crate::text::quote(pattern)
    ))
}

/// Which rules report, and at what severity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RuleFilter {
    /// Empty: every rule.
    pub(crate) select: Vec<String>,
    pub(crate) ignore: Vec<String>,
    /// Severity overrides; the longest matching pattern wins.
    pub(crate) severity: Vec<(String, Severity)>,
}

impl RuleFilter {
    /// Resolves every pattern (see [`resolve_pattern`]); the errors name each one that matches nothing.
    pub(crate) fn resolve(&mut self, rules: &crate::rules::RuleSet) -> Result<(), Vec<String>> {
        let mut errors = Vec::new();
        let mut one = |p: &mut String| match resolve_pattern(p, rules) {
            Ok(resolved) => *p = resolved,
            Err(e) => errors.push(e),
        };
        self.select.iter_mut().for_each(&mut one);
        self.ignore.iter_mut().for_each(&mut one);
        self.severity.iter_mut().for_each(|(p, _)| one(p));
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// Whether a rule's findings report under this filter.
    #[must_use]
    pub(crate) fn selects(&self, id: &str) -> bool {
        (self.select.is_empty() || self.select.iter().any(|p| pattern_matches(p, id)))
            && !self.ignore.iter().any(|p| pattern_matches(p, id))
    }

    fn severity_for(&self, id: &str) -> Option<Severity> {
        self.severity
            .iter()
            .filter(|(p, _)| pattern_matches(p, id))
            .max_by_key(|(p, _)| p.trim_end_matches('-').len())
            .map(|(_, s)| *s)
    }
}

/// Settings for the files a glob set matches.
#[derive(Clone, Debug)]
pub(crate) struct PathOverride {
    pub(crate) files: GlobSet,
    pub(crate) filter: RuleFilter,
}

/// Everything a project decides about findings.
#[derive(Clone, Debug, Default)]
pub(crate) struct Policy {
    pub(crate) filter: RuleFilter,
    pub(crate) overrides: Vec<PathOverride>,
    /// The waiver file, if any.
    pub(crate) waiver_file: Option<waivers::WaiverFile>,
    /// Every rule and check id of the run (before selection), so a waiver naming another id is
    /// reported; empty: not judged.
    pub(crate) known_ids: Vec<String>,
    /// When each rule of the run is due (a rule or check not here is always due), and how the
    /// run judges stages: a waiver of a rule that cannot report in its file in this run (not yet
    /// due, or not selected) is not reported as waiving nothing.
    pub(crate) rule_stages: std::collections::HashMap<String, crate::rules::RuleStage>,
    pub(crate) lookahead: bool,
    pub(crate) gate: Option<crate::stage::Stage>,
}

impl Policy {
    /// Whether `rule` can report in `file` in this run: selected for the file's path, and due
    /// at the stage of a project one of the file's documents belongs to (of no project, when
    /// the file has no design document).
    fn can_report(
        &self,
        checked_documents: &[crate::model::source::DesignDocument],
        projects: &crate::model::project::ProjectModel,
        path: &str,
        file: crate::model::finding::FileId,
        rule: &str,
    ) -> bool {
        let extra = self
            .overrides
            .iter()
            .find(|o| o.files.is_match(path))
            .map(|o| &o.filter);
        if !self.filter.selects(rule) || extra.is_some_and(|e| !e.selects(rule)) {
            return false;
        }
        let Some(&due) = self.rule_stages.get(rule) else {
            return true;
        };
        let mut stages = checked_documents
            .iter()
            .enumerate()
            .filter(|(_, d)| d.file == file)
            .map(|(i, _)| projects.project_of(i).and_then(|p| p.stage))
            .peekable();
        if stages.peek().is_none() {
            return crate::rules::eval::is_due(due, None, self.lookahead, self.gate);
        }
        stages.any(|stage| crate::rules::eval::is_due(due, stage, self.lookahead, self.gate))
    }
}

/// Applies a policy. `paths` gives each file's path relative to the config's folder (for
/// per-path overrides and the waiver file), in `FileId` order.
pub(crate) fn apply(checked: &mut Checked, policy: &Policy, paths: &[String], as_of: Option<Date>) {
    let mut findings = std::mem::take(&mut checked.findings);
    // 1. Selection and severity, per file. Load errors always report: a file that could not be
    // read must never pass silently.
    findings.retain_mut(|f| {
        // A rule that could not be evaluated (RULE-ERROR, RULE-BUDGET) was selected, or it
        // would not have run: its failure reports whatever the filter names.
        if is_load_error(&f.rule) || f.rule.starts_with("RULE-") {
            return true;
        }
        let path = paths.get(f.file.0 as usize).map_or("", String::as_str);
        let extra = policy
            .overrides
            .iter()
            .find(|o| o.files.is_match(path))
            .map(|o| &o.filter);
        if !policy.filter.selects(&f.rule) || extra.is_some_and(|e| !e.selects(&f.rule)) {
            return false;
        }
        if let Some(severity) = extra
            .and_then(|e| e.severity_for(&f.rule))
            .or_else(|| policy.filter.severity_for(&f.rule))
        {
            f.severity = severity;
        }
        true
    });
    // 2. Waivers, inline and from the file.
    let mut notices: Vec<Finding> = Vec::new();
    let waiver_file_id = crate::model::finding::FileId(checked.files.len() as u32);
    let projects = &checked.projects;
    let documents = &checked.documents;
    let can_report = |file: crate::model::finding::FileId, rule: &str| {
        let path = paths.get(file.0 as usize).map_or("", String::as_str);
        policy.can_report(documents, projects, path, file, rule)
    };
    waivers::apply(
        &mut findings,
        &mut checked.files,
        documents,
        policy.waiver_file.as_ref(),
        paths,
        as_of,
        &policy.known_ids,
        &can_report,
        &mut notices,
    );
    // 3. Accepted residual risks, on what is still live.
    residual::apply(&mut findings, checked, as_of, &can_report, &mut notices);
    // Notices are redacted like every finding: by the document file they point into.
    waivers::annotate_notices(
        &mut notices,
        checked,
        policy.waiver_file.as_ref(),
        waiver_file_id,
        paths,
    );
    findings.extend(notices);
    if let Some(only) = &checked.report_only {
        findings.retain(|f| only.contains(&f.file));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    checked.findings = findings;
    recount(checked);
}

/// Recomputes the summary's counts after findings changed.
pub(crate) fn recount(checked: &mut Checked) {
    checked.summary.waived = checked.findings.iter().filter(|f| f.waiver.is_some()).count();
    checked.summary.accepted = checked
        .findings
        .iter()
        .filter(|f| f.waiver.is_none() && f.accepted.is_some())
        .count();
    checked.summary.findings = SeverityCounts::of(&checked.findings);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_ids_and_prefixes() {
        assert!(pattern_matches("HVM-GAP", "HVM-GAP"));
        assert!(pattern_matches("HVM", "HVM-GAP"));
        assert!(pattern_matches("HVM-", "HVM-GAP"));
        assert!(!pattern_matches("HVM-GA", "HVM-GAP"));
        assert!(!pattern_matches("HV", "HVM-GAP"));
    }

    #[test]
    fn filters_select_ignore_and_override_severity() {
        let filter = RuleFilter {
            select: vec!["HVM".into(), "CORE".into()],
            ignore: vec!["HVM-GAP".into()],
            severity: vec![("HVM".into(), Severity::Info), ("HVM-PEN".into(), Severity::Error)],
        };
        assert!(filter.selects("HVM-PEN"));
        assert!(!filter.selects("HVM-GAP"));
        assert!(!filter.selects("GLZ-EVIDENCE"));
        assert_eq!(filter.severity_for("HVM-PEN"), Some(Severity::Error));
        assert_eq!(filter.severity_for("HVM-COVER"), Some(Severity::Info));
        assert_eq!(filter.severity_for("CORE-REF"), None);
    }
}
