//! `standoff test`: every rule's own cases, each ending with a named outcome (after
//! ast-grep's `sg test`): validated, reported, missing, noisy or error.

use std::collections::{BTreeMap, BTreeSet};

use super::eval::{self, EvalOptions, Tree};
use super::{Rule, RuleSet, RuleStage, TestCase};
use crate::date::Date;
use crate::model::document::{Kind, Recognition, recognise};
use crate::model::finding::FileId;
use crate::model::index::TreeIndex;
use crate::model::project;
use crate::model::source::{DesignDocument, SourceFile};
use crate::schema::{self, Schemas};
use crate::stage::Stage;
use crate::yaml::{self, Limits};

/// How a case ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A valid case the rule did not report.
    Validated,
    /// An invalid case reported at exactly the expected pointers.
    Reported,
    /// A case whose expected findings are all "cannot verify", reported so at exactly the
    /// expected pointers: the rule said it could not establish its outcome.
    CannotVerify,
    /// An invalid case the rule did not report (at these expected pointers).
    Missing(Vec<String>),
    /// Reported where it should not be: on a valid case, or at unexpected pointers.
    Noisy(Vec<String>),
    /// Reported where expected, with other messages than the pinned ones (`expect: {message}`)
    /// or the rule's snapshot, or a message showing a placeholder that could not be rendered.
    Message(Vec<String>),
    /// The case could not run.
    Error(String),
}

impl Outcome {
    #[must_use]
    pub fn passed(&self) -> bool {
        matches!(self, Outcome::Validated | Outcome::Reported | Outcome::CannotVerify)
    }

    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Validated => "validated",
            Outcome::Reported => "reported",
            Outcome::CannotVerify => "cannot verify",
            Outcome::Missing(_) => "missing",
            Outcome::Noisy(_) | Outcome::Message(_) => "noisy",
            Outcome::Error(_) => "error",
        }
    }
}

/// One case's result.
#[derive(Debug)]
pub struct CaseResult<'r> {
    pub rule: &'r Rule,
    pub case: &'r TestCase,
    pub outcome: Outcome,
    /// The rule's findings on the case, rendered: (document, pointer, message), in order.
    pub diagnostics: Vec<Diagnostic>,
    /// How an invalid case's findings compare with the rule's snapshot.
    pub snapshot: Snapshot,
}

/// An invalid case's rendered findings against the rule's snapshot
/// (`<pack>/__snapshots__/<RULE-ID>.snap`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Snapshot {
    /// A valid case, or one that did not run: nothing to compare.
    None,
    Matches,
    /// The rule has no snapshot, or the snapshot no section for the case: listed, not a failure
    /// (`standoff test --update` writes it).
    Missing,
    /// The lines that differ (`- ` in the snapshot, `+ ` rendered now): the case fails.
    Differs(Vec<String>),
}

/// The heading of a snapshot file.
fn snapshot_heading(rule: &Rule) -> String {
    format!(
        "# {}: the findings of each invalid case, as rendered (written by `standoff test --update`)\n",
        rule.id
    )
}

/// A case's findings as snapshot lines (a line feed in a message is written `\n`).
fn snapshot_lines(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| format!("  {}", d.to_string().replace('\n', "\\n")))
        .collect()
}

/// A rule's snapshot: for each invalid case (by its pointer in the rule file), its findings.
#[must_use]
pub fn snapshot_text(rule: &Rule, results: &[&CaseResult<'_>]) -> String {
    let mut out = snapshot_heading(rule);
    for r in results.iter().filter(|r| !r.case.valid && std::ptr::eq(r.rule, rule)) {
        out.push('\n');
        out.push_str(&r.case.pointer);
        if let Some(name) = &r.case.name {
            out.push(' ');
            out.push_str(&name.replace('\n', " "));
        }
        out.push('\n');
        for line in snapshot_lines(&r.diagnostics) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// The sections of a snapshot: the case pointer, and its lines.
fn snapshot_sections(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut sections: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("/tests/") {
            let pointer = line.split(' ').next().unwrap_or(line).to_owned();
            sections.entry(pointer.clone()).or_default();
            current = Some(pointer);
        } else if line.starts_with("  ")
            && let Some(pointer) = &current
        {
            sections.entry(pointer.clone()).or_default().push(line.to_owned());
        }
    }
    sections
}

/// Compares a case's findings with its section of the rule's snapshot.
fn compare_snapshot(snapshot: Option<&String>, case: &TestCase, diagnostics: &[Diagnostic]) -> Snapshot {
    let Some(section) = snapshot.and_then(|text| snapshot_sections(text).remove(&case.pointer)) else {
        return Snapshot::Missing;
    };
    let now = snapshot_lines(diagnostics);
    if now == section {
        return Snapshot::Matches;
    }
    let mut diff: Vec<String> = section
        .iter()
        .filter(|l| !now.contains(l))
        .map(|l| format!("- {}", l.trim_start()))
        .collect();
    diff.extend(
        now.iter()
            .filter(|l| !section.contains(l))
            .map(|l| format!("+ {}", l.trim_start())),
    );
    if diff.is_empty() {
        diff.push("the findings are in another order".into());
    }
    Snapshot::Differs(diff)
}

/// One finding of a case, as rendered.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub document: usize,
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.document == 0 {
            write!(f, "{}: {}", self.pointer, self.message)
        } else {
            write!(f, "document {}: {}: {}", self.document, self.pointer, self.message)
        }
    }
}

/// Where a message shows a placeholder that could not be rendered (see
/// [`super::template::unresolved`]), the text of the first.
#[must_use]
pub fn unresolved_placeholder(message: &str) -> Option<&str> {
    let mut rest = message;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let Some(close) = after.find('>') else { break };
        let inner = &after[..close];
        if let Some((name, reason)) = inner.split_once(": ")
            && !name.is_empty()
            && name.split('.').all(super::template::is_identifier)
            && (reason == "not recorded" || reason.starts_with("could not be computed"))
        {
            return Some(&rest[open..=open + 1 + close]);
        }
        rest = after;
    }
    None
}

/// The date a case runs at unless it says otherwise: fixed, so results never depend on the day.
pub const DEFAULT_AS_OF: &str = "2026-01-01";

/// Runs every case of every rule; an invalid case whose findings differ from the rule's
/// snapshot fails.
#[must_use]
pub fn run<'r>(rules: &'r RuleSet, schemas: &Schemas) -> Vec<CaseResult<'r>> {
    run_with(rules, schemas, true)
}

/// As [`run`]; without `snapshots`, a differing snapshot is recorded in each result but does
/// not fail the case (`standoff test --update`, which rewrites it).
#[must_use]
pub fn run_with<'r>(rules: &'r RuleSet, schemas: &Schemas, snapshots: bool) -> Vec<CaseResult<'r>> {
    use rayon::prelude::*;
    rules
        .rules
        .par_iter()
        .flat_map_iter(|rule| {
            rule.tests.iter().map(move |case| {
                let (mut outcome, diagnostics) = run_case(rules, rule, case, schemas);
                let snapshot = if case.valid || matches!(outcome, Outcome::Error(_)) {
                    Snapshot::None
                } else {
                    compare_snapshot(rules.snapshots.get(&rule.id), case, &diagnostics)
                };
                if snapshots
                    && outcome.passed()
                    && let Snapshot::Differs(diff) = &snapshot
                {
                    let mut lines = vec![format!(
                        "the findings differ from the snapshot {}/{}.snap (`standoff test --update` rewrites it):",
                        super::SNAPSHOTS,
                        rule.id
                    )];
                    lines.extend(diff.iter().cloned());
                    outcome = Outcome::Message(lines);
                }
                CaseResult {
                    rule,
                    case,
                    outcome,
                    diagnostics,
                    snapshot,
                }
            })
        })
        .collect()
}

fn default_project(rule: &Rule, stage: Stage) -> String {
    let jurisdiction = rule
        .jurisdictions
        .iter()
        .find(|j| !j.contains('*'))
        .cloned()
        .or_else(|| rule.jurisdictions.first().map(|j| j.replace('*', "ENG")))
        .unwrap_or_else(|| "GB-ENG".to_owned());
    format!(
        "apiVersion: standoff/v1\nkind: Project\nmetadata:\n  name: test-project\nspec:\n  stage: {}\n  jurisdiction: {jurisdiction}\n  uses: [entertainment-and-leisure]\n",
        stage.number()
    )
}

fn run_case(rules: &RuleSet, rule: &Rule, case: &TestCase, schemas: &Schemas) -> (Outcome, Vec<Diagnostic>) {
    let findings = match case_findings(rules, rule, case, schemas) {
        Ok(findings) => findings,
        Err(outcome) => return (outcome, Vec::new()),
    };
    let mut diagnostics: Vec<Diagnostic> = findings
        .iter()
        .filter(|f| f.rule == rule.id)
        .map(|f| Diagnostic {
            document: f.document.unwrap_or(0) as usize,
            pointer: f.pointer.clone().unwrap_or_default(),
            message: f.message.clone(),
        })
        .collect();
    diagnostics.sort();
    let outcome = judge(rule, case, &findings, &diagnostics);
    (outcome, diagnostics)
}

/// Runs a case: the findings of every rule of the set on its documents, or why it could not run.
fn case_findings(
    rules: &RuleSet,
    rule: &Rule,
    case: &TestCase,
    schemas: &Schemas,
) -> Result<Vec<crate::model::finding::Finding>, Outcome> {
    let file = &rule.file;
    let mut documents = Vec::new();
    for (i, &id) in case.documents.iter().enumerate() {
        let Some(yaml) = file.yaml.subtree(id) else {
            return Err(Outcome::Error(format!("document {i} of the case is missing")));
        };
        let kind = match recognise(FileId(0), i as u32, &yaml) {
            Recognition::Design(kind) => kind,
            Recognition::Problem(f) => return Err(Outcome::Error(format!("document {i}: {}", f.message))),
            Recognition::Foreign | Recognition::Empty => {
                return Err(Outcome::Error(format!(
                    "document {i} is not a design document (apiVersion: standoff/v1)"
                )));
            }
        };
        let validator = match schemas.for_kind(kind) {
            Ok(v) => v,
            Err(e) => return Err(Outcome::Error(e)),
        };
        if let Some(issue) = schema::validate(schemas, validator, &yaml, &file.text).first() {
            let at = crate::text::LineIndex::new(&file.text).line_col(&file.text, issue.span.start);
            return Err(Outcome::Error(format!(
                "document {i} does not pass its schema: {} (line {}, column {})",
                issue.message, at.line, at.column
            )));
        }
        documents.push(DesignDocument {
            file: FileId(0),
            index: i as u32,
            kind,
            yaml,
            schema_valid: true,
        });
    }
    let due = match rule.stage {
        RuleStage::Due(stage) => stage,
        RuleStage::Always => Stage::new(0).unwrap_or(Stage::LAST),
    };
    let stage = case.stage.unwrap_or(due);
    let mut files = vec![SourceFile::new(file.path.clone(), file.text.clone())];
    if !documents.iter().any(|d| d.kind == Kind::Project) {
        let text = default_project(rule, stage);
        let Some(yaml) = yaml::load(&text, &Limits::default()).documents.into_iter().next() else {
            return Err(Outcome::Error("the default Project does not load".into()));
        };
        documents.push(DesignDocument {
            file: FileId(1),
            index: documents.len() as u32,
            kind: Kind::Project,
            yaml,
            schema_valid: true,
        });
        files.push(SourceFile::new("<default project>".into(), text));
    }
    let model = project::build(&documents, case.stage);
    let index = TreeIndex::build(&documents, &model);
    let tree = Tree {
        documents: &documents,
        files: &files,
        projects: &model,
        index: &index,
        schemas,
    };
    let options = EvalOptions {
        lookahead: false,
        as_of: case.as_of.or_else(|| Date::parse(DEFAULT_AS_OF)),
        settings: case.settings.clone(),
        gate: None,
        only: Some(rule.id.clone()),
        report_only: None,
    };
    Ok(eval::evaluate(rules, &tree, &options))
}

/// A case's outcome from its findings: where they are, and their messages (pinned ones, and
/// placeholders that could not be rendered).
fn judge(
    rule: &Rule,
    case: &TestCase,
    findings: &[crate::model::finding::Finding],
    diagnostics: &[Diagnostic],
) -> Outcome {
    if let Some(error) = findings.iter().find(|f| f.rule == "RULE-ERROR") {
        return Outcome::Error(error.message.clone());
    }
    let found: BTreeSet<(usize, String, bool)> = findings
        .iter()
        .filter(|f| f.rule == rule.id)
        .map(|f| {
            (
                f.document.unwrap_or(0) as usize,
                f.pointer.clone().unwrap_or_default(),
                f.cannot_verify,
            )
        })
        .collect();
    let show = |set: &BTreeSet<(usize, String, bool)>| -> Vec<String> {
        set.iter()
            .map(|(d, p, unverified)| {
                let what = if *unverified { " (cannot verify)" } else { "" };
                if *d == 0 {
                    format!("{p}{what}")
                } else {
                    format!("document {d}: {p}{what}")
                }
            })
            .collect()
    };
    if case.valid {
        return if found.is_empty() {
            Outcome::Validated
        } else {
            Outcome::Noisy(show(&found))
        };
    }
    let expected: BTreeSet<(usize, String, bool)> = case.expect.iter().cloned().collect();
    let unexpected: BTreeSet<_> = found.difference(&expected).cloned().collect();
    let missing: BTreeSet<_> = expected.difference(&found).cloned().collect();
    if !unexpected.is_empty() {
        Outcome::Noisy(show(&unexpected))
    } else if !missing.is_empty() {
        Outcome::Missing(show(&missing))
    } else if let Some(problems) = message_problems(case, diagnostics) {
        Outcome::Message(problems)
    } else if expected.iter().all(|(_, _, unverified)| *unverified) {
        Outcome::CannotVerify
    } else {
        Outcome::Reported
    }
}

/// The messages of an invalid case that differ from the pinned ones, or show a placeholder that
/// could not be rendered.
fn message_problems(case: &TestCase, diagnostics: &[Diagnostic]) -> Option<Vec<String>> {
    let mut problems = Vec::new();
    for (document, pointer, expected) in &case.messages {
        let here: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.document == *document && &d.pointer == pointer)
            .collect();
        if !here.iter().any(|d| &d.message == expected) {
            let got = here.first().map_or("nothing", |d| d.message.as_str());
            problems.push(format!(
                "{pointer}: the message differs\n  - expected: {expected}\n  + rendered: {got}"
            ));
        }
    }
    for d in diagnostics {
        if let Some(placeholder) = unresolved_placeholder(&d.message) {
            problems.push(format!("{}: the message shows {placeholder}", d.pointer));
        }
    }
    (!problems.is_empty()).then_some(problems)
}
