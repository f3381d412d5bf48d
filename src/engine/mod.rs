//! The pure engine: bytes in, findings out. No printing, no file access: the command line
//! reads the files and hands their bytes here; a language server would hand buffers.

pub mod annotate;
pub mod merge;

use std::collections::HashSet;

use rayon::prelude::*;

use crate::date::Date;
use crate::model::document::{Recognition, recognise};
use crate::model::finding::{FileId, Finding, Severity, SeverityCounts};
use crate::model::index::TreeIndex;
use crate::model::project::{self, ProjectModel};
use crate::model::source::{DesignDocument, FileInput, LoadedFile, SourceFile};
use crate::rules::RuleSet;
use crate::rules::eval::{self, EvalOptions, Tree};
use crate::schema::{self, Schemas};
use crate::stage::Stage;
use crate::yaml::{self, Limits, LoadErrorKind, Span};

/// Decodes, loads, recognises and validates one file. Never fails: every problem is a finding.
#[must_use]
pub fn load_file(file: FileId, path: String, input: FileInput, limits: &Limits, schemas: &Schemas) -> LoadedFile {
    let mut findings = Vec::new();
    let text = match input {
        FileInput::Bytes(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(error) => {
                let valid_up_to = error.utf8_error().valid_up_to();
                let bytes = error.into_bytes();
                // The valid prefix is shown; the offending byte is where the snippet ends.
                let prefix = String::from_utf8_lossy(&bytes[..valid_up_to]).into_owned();
                let bad = bytes.get(valid_up_to).copied().unwrap_or_default();
                let mut text = prefix;
                let offset = text.len() as u32;
                text.push('\u{fffd}');
                findings.push(
                    Finding::error(
                        "FILE-UTF8",
                        file,
                        format!("the file is not UTF-8: byte 0x{bad:02x} at offset {valid_up_to}"),
                    )
                    .at(Span::new(offset, offset + 3))
                    .label("invalid byte")
                    .help("save the file as UTF-8; design documents are UTF-8 text"),
                );
                return LoadedFile {
                    source: SourceFile::new(path, text),
                    documents: Vec::new(),
                    findings,
                    foreign_documents: 0,
                    empty: false,
                    read: true,
                };
            }
        },
        FileInput::TooLarge { size } => {
            findings.push(
                Finding::error(
                    "YAML-LIMIT",
                    file,
                    format!(
                        "the file is {size} bytes, more than the limit of {} bytes; it was not read",
                        limits.max_file_size
                    ),
                )
                .at(Span::at(0))
                .help("if the file is genuine, raise `limits.max-file-size` in standoff.yaml"),
            );
            return LoadedFile::failed(path, findings, true);
        }
        FileInput::Unreadable(message) => {
            findings.push(Finding::error(
                "FILE-READ",
                file,
                format!("cannot read the file: {message}"),
            ));
            return LoadedFile::failed(path, findings, true);
        }
        FileInput::WalkProblem {
            rule,
            severity,
            message,
        } => {
            findings.push(Finding::new(rule, severity, file, message));
            return LoadedFile::failed(path, findings, false);
        }
    };
    // A byte-order mark is not content: dropping it keeps columns on line 1 right everywhere.
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    let outcome = yaml::load(&text, limits);
    if let Some(error) = &outcome.error {
        let rule = match error.kind {
            LoadErrorKind::Syntax => "YAML-SYNTAX",
            LoadErrorKind::DuplicateKey => "YAML-DUPLICATE-KEY",
            LoadErrorKind::MergeKey => "YAML-MERGE-KEY",
            LoadErrorKind::ComplexKey => "YAML-COMPLEX-KEY",
            LoadErrorKind::RecursiveAlias => "YAML-ALIAS",
            LoadErrorKind::Tag => "YAML-TAG",
            LoadErrorKind::Depth
            | LoadErrorKind::Nodes
            | LoadErrorKind::AliasNodes
            | LoadErrorKind::Documents
            | LoadErrorKind::ScalarSize => "YAML-LIMIT",
        };
        let mut finding = Finding::error(rule, file, error.message.clone())
            .at(error.span)
            .label(match error.kind {
                LoadErrorKind::DuplicateKey => "duplicate",
                LoadErrorKind::Syntax => "here",
                _ => "limit reached here",
            })
            .maybe_help(error.help.clone());
        finding.document = Some(outcome.documents.len() as u32);
        if let Some((span, message)) = &error.related {
            finding = finding.related(file, *span, message.clone());
        }
        findings.push(finding);
    }
    let empty = outcome.documents.iter().all(|d| d.value.is_null()) && outcome.error.is_none();
    let mut documents = Vec::new();
    let mut foreign_documents = 0;
    for (index, doc) in outcome.documents.into_iter().enumerate() {
        let index = index as u32;
        match recognise(file, index, &doc) {
            Recognition::Design(kind) => {
                let validator = match schemas.for_kind(kind) {
                    Ok(v) => v,
                    Err(message) => {
                        findings.push(Finding::error("SCHEMA-INTERNAL", file, message).at(Span::at(doc.start)));
                        continue;
                    }
                };
                let issues = schema::validate(schemas, validator, &doc, &text);
                let schema_valid = issues.is_empty();
                findings.extend(issues.into_iter().map(|issue| {
                    let finding = Finding::error(issue.rule, file, issue.message)
                        .at(issue.span)
                        .in_document(index, issue.pointer)
                        .label(issue.label)
                        .maybe_help(issue.help);
                    match issue.replacement {
                        Some(replacement) => finding.fix(issue.span, replacement),
                        None => finding,
                    }
                }));
                documents.push(DesignDocument {
                    file,
                    index,
                    kind,
                    yaml: doc,
                    schema_valid,
                });
            }
            Recognition::Foreign => foreign_documents += 1,
            Recognition::Empty => {}
            Recognition::Problem(finding) => findings.push(*finding),
        }
    }
    LoadedFile {
        source: SourceFile::new(path, text),
        documents,
        findings,
        foreign_documents,
        empty,
        read: true,
    }
}

impl LoadedFile {
    fn failed(path: String, findings: Vec<Finding>, read: bool) -> Self {
        Self {
            source: SourceFile::new(path, String::new()),
            documents: Vec::new(),
            findings,
            foreign_documents: 0,
            empty: false,
            read,
        }
    }
}

/// Options for judging a tree.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Judge every project as if at this stage.
    pub stage: Option<Stage>,
    /// "Today" for every date comparison.
    pub as_of: Option<Date>,
    /// Also evaluate the next stage's rules, as info.
    pub lookahead: bool,
    /// The review gate at the end of this stage.
    pub gate: Option<Stage>,
    /// Config settings the packs read (`martyns-law.commencement`).
    pub settings: std::collections::BTreeMap<String, String>,
    /// Report only findings in these files (the pre-commit case); `None` reports everything.
    pub report_only: Option<HashSet<FileId>>,
}

/// The counts the summary line shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// YAML files read.
    pub files: usize,
    /// Design documents checked.
    pub documents: usize,
    /// YAML documents that are not design documents, skipped.
    pub skipped_documents: usize,
    /// Files with no YAML content, skipped.
    pub empty_files: usize,
    /// Files loaded only for context (the pre-commit case): judged with the tree, not reported.
    pub context_files: usize,
    /// Findings hidden by a waiver (listed, not counted).
    pub waived: usize,
    /// Findings covered by an accepted, owned residual risk (listed, counted apart).
    pub accepted: usize,
    /// Findings accepted by the baseline (not reported).
    pub baselined: usize,
    /// Findings by severity (after `report_only`).
    pub findings: SeverityCounts,
}

/// A checked tree: its files, its documents, its projects and the findings.
#[derive(Debug)]
pub struct Checked {
    pub files: Vec<SourceFile>,
    pub documents: Vec<DesignDocument>,
    pub projects: ProjectModel,
    /// Sorted by file, position, rule id.
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// The files reported on, when not all of them (the pre-commit case).
    pub report_only: Option<HashSet<FileId>>,
    /// The rules that judged at least one selected value (see [`eval::Evaluation`]).
    pub judged: std::collections::BTreeSet<String>,
    /// What outputs that leave the machine must withhold (set with the findings).
    pub sensitivity: crate::engine::annotate::Sensitivity,
}

impl Checked {
    /// Whether findings in `file` are reported.
    #[must_use]
    pub fn is_reported(&self, file: FileId) -> bool {
        self.report_only.as_ref().is_none_or(|only| only.contains(&file))
    }
}

/// Loads every file (in parallel) and judges the tree. `inputs` are in `FileId` order.
#[must_use]
pub fn check(
    inputs: Vec<(String, FileInput)>,
    limits: &Limits,
    schemas: &Schemas,
    rules: &RuleSet,
    options: &CheckOptions,
) -> Checked {
    let loaded: Vec<LoadedFile> = inputs
        .into_par_iter()
        .enumerate()
        .map(|(i, (path, input))| load_file(FileId(i as u32), path, input, limits, schemas))
        .collect();
    assemble(loaded, schemas, rules, options)
}

/// The files whose rules are evaluated when only `reported` files are reported: those files,
/// and every file of a project whose `SecurityStrategy` is among them, since its residual-risk
/// acceptances are matched against the findings of the whole project (else each would be
/// reported as covering nothing when the strategy is checked alone).
fn scope_for_acceptances(
    reported: &HashSet<FileId>,
    documents: &[DesignDocument],
    projects: &ProjectModel,
) -> HashSet<FileId> {
    let strategy_projects: HashSet<usize> = documents
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind == crate::model::document::Kind::SecurityStrategy && reported.contains(&d.file))
        .filter_map(|(i, _)| projects.membership.get(i).copied().flatten())
        .collect();
    let mut scope = reported.clone();
    if !strategy_projects.is_empty() {
        scope.extend(
            documents
                .iter()
                .enumerate()
                .filter(|(i, _)| {
                    projects
                        .membership
                        .get(*i)
                        .copied()
                        .flatten()
                        .is_some_and(|p| strategy_projects.contains(&p))
                })
                .map(|(_, d)| d.file),
        );
    }
    scope
}

/// Judges loaded files as one tree.
#[must_use]
pub fn assemble(loaded: Vec<LoadedFile>, schemas: &Schemas, rules: &RuleSet, options: &CheckOptions) -> Checked {
    let mut summary = Summary::default();
    let mut files = Vec::with_capacity(loaded.len());
    let mut documents = Vec::new();
    let mut findings = Vec::new();
    for (i, file) in loaded.into_iter().enumerate() {
        let reported = options
            .report_only
            .as_ref()
            .is_none_or(|only| only.contains(&FileId(i as u32)));
        if reported {
            summary.files += usize::from(file.read);
            summary.documents += file.documents.len();
            summary.skipped_documents += file.foreign_documents;
            summary.empty_files += usize::from(file.empty);
        } else {
            summary.context_files += usize::from(file.read);
        }
        files.push(file.source);
        documents.extend(file.documents);
        findings.extend(file.findings);
    }
    if options.gate.is_some() {
        // At the gate a document hidden from judgement is an error: it fails the verdict.
        for f in findings.iter_mut().filter(|f| f.rule == "DOC-NEAR-MISS") {
            f.severity = Severity::Error;
        }
    }
    let projects = project::build(&documents, options.stage);
    let index = TreeIndex::build(&documents, &projects);
    let tree = Tree {
        documents: &documents,
        files: &files,
        projects: &projects,
        index: &index,
        schemas,
    };
    let evaluated = options
        .report_only
        .as_ref()
        .map(|only| scope_for_acceptances(only, &documents, &projects));
    let eval_options = EvalOptions {
        lookahead: options.lookahead,
        as_of: options.as_of,
        settings: options.settings.clone(),
        gate: options.gate,
        only: None,
        report_only: evaluated.clone(),
    };
    let evaluation = eval::evaluate_with_coverage(rules, &tree, &eval_options);
    findings.extend(evaluation.findings);
    let judged = evaluation.judged;
    // Before `report_only`: a context file that failed to load still makes the tree sensitive.
    let sensitivity = crate::engine::annotate::Sensitivity::of(&findings, &documents, &files, &projects);
    // The policy narrows them to the reported files once residual risks have been matched.
    if let Some(only) = &evaluated {
        findings.retain(|f| only.contains(&f.file));
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    crate::engine::annotate::annotate(&mut findings, &sensitivity, &documents, &files);
    summary.findings = SeverityCounts::of(&findings);
    Checked {
        files,
        documents,
        projects,
        findings,
        summary,
        report_only: options.report_only.clone(),
        judged,
        sensitivity,
    }
}
