//! After evaluation, each finding gets its fingerprint (a stable identity for baselines and
//! code scanning) and its sensitivity (whether outputs leaving the machine may quote it).
//!
//! Sensitivity fails closed: a document is not sensitive only when its classification is
//! positively read as OFFICIAL (its own marking, else its Project's, a Project without a
//! marking being OFFICIAL). A marking that is not a string, an unknown level, a document whose
//! Project cannot be established, or a file of the tree that failed to load (it could be a
//! Project, or carry a marking) makes every document it could apply to sensitive.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::checks::is_load_error;
use crate::model::document::Kind;
use crate::model::finding::{FileId, Finding, Severity};
use crate::model::project::ProjectModel;
use crate::model::source::{DesignDocument, SourceFile};
use crate::yaml::{escape_token, pointer_tokens};

/// A document's own `metadata.classification`, as far as it can be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Marking {
    /// No marking written: it takes its Project's (a Project's default is OFFICIAL).
    Absent,
    /// Exactly `OFFICIAL`.
    Official,
    /// Anything else: a higher level, an unknown level, a list, a map, null.
    Other,
}

fn marking(doc: &DesignDocument) -> Marking {
    let Some(metadata) = doc.yaml.value.get("metadata") else {
        return Marking::Absent;
    };
    let Some(metadata) = metadata.as_object() else {
        // `metadata` that is not a mapping: whatever it says cannot be read as a marking.
        return Marking::Other;
    };
    match metadata.get("classification") {
        None => Marking::Absent,
        Some(Value::String(level)) if level == "OFFICIAL" => Marking::Official,
        Some(_) => Marking::Other,
    }
}

/// The kinds that hold what an attacker planning against the premises would want: the site
/// layout, the barrier and glazing specifications, the response to an attack and the s.7
/// document. Where the ISO 19650-5 triage says a security-minded approach is required, they are
/// sensitive whatever their marking says (`ISM-CLASSIFICATION` reports the marking).
pub const SECURITY_SENSITIVE_KINDS: [Kind; 5] = [
    Kind::Site,
    Kind::BarrierSchedule,
    Kind::Glazing,
    Kind::Procedures,
    Kind::SecurityPlan,
];

/// Whether a Project's ISO 19650-5 triage calls for a security-minded approach: its outcome is
/// `required`, or an outcome is written that cannot be read as `not-required` (fail closed).
fn triage_requires(project: &DesignDocument) -> bool {
    match project
        .yaml
        .value
        .pointer("/spec/informationSecurity/sensitivityAssessment/outcome")
    {
        None => false,
        Some(Value::String(outcome)) => outcome != "not-required",
        Some(_) => true,
    }
}

/// Whether document `i` is sensitive because of its kind and its Project's triage.
fn triage_marks(i: usize, doc: &DesignDocument, documents: &[DesignDocument], projects: &ProjectModel) -> bool {
    SECURITY_SENSITIVE_KINDS.contains(&doc.kind)
        && projects
            .project_of(i)
            .and_then(|p| documents.get(p.document))
            .is_some_and(triage_requires)
}

/// Whether a finding says its file, or a document in it, could not be loaded. Info-level
/// notes (a link not followed by choice) do not count: the file is not part of the tree.
fn is_load_failure(finding: &Finding) -> bool {
    is_load_error(&finding.rule) && finding.severity > Severity::Info
}

/// What is sensitive in a checked tree, computed once before any filtering, and used by the
/// annotation of every finding (notices included) and by every output that names a project.
#[derive(Clone, Debug, Default)]
pub struct Sensitivity {
    /// For each document of the tree, in order.
    pub documents: Vec<bool>,
    /// For each project of the model, in order (its Project document's sensitivity).
    pub projects: Vec<bool>,
    /// Files of the tree that failed to load in whole or in part.
    pub broken_files: BTreeSet<FileId>,
}

impl Sensitivity {
    /// Reads the tree's markings. `findings` must include the load errors of every file,
    /// context files included.
    #[must_use]
    pub fn of(
        findings: &[Finding],
        documents: &[DesignDocument],
        files: &[SourceFile],
        projects: &ProjectModel,
    ) -> Self {
        let broken_files: BTreeSet<FileId> = findings.iter().filter(|f| is_load_failure(f)).map(|f| f.file).collect();
        // What each broken file could be: its text when the whole text was read, `None` when
        // only part of it (not UTF-8) or none of it (unreadable, too large) is known.
        let partial_files: HashSet<FileId> = findings
            .iter()
            .filter(|f| is_load_failure(f) && f.rule.starts_with("FILE-"))
            .map(|f| f.file)
            .collect();
        let broken_texts: Vec<Option<&str>> = broken_files
            .iter()
            .map(|file| {
                let partial = partial_files.contains(file);
                files
                    .get(file.0 as usize)
                    .map(|s| s.text.as_str())
                    .filter(|t| !partial && !t.is_empty())
            })
            .collect();
        // Whether a broken file could be a Project named `name`: a scalar's text is in the file
        // literally (each word of it, since lines fold), or behind a double-quoted escape.
        let could_be_project = |name: &str| {
            broken_texts.iter().any(|text| match text {
                None => true,
                Some(text) => {
                    text.contains('\\')
                        || (text.contains("Project") && name.split_whitespace().all(|w| text.contains(w)))
                }
            })
        };
        // Once per project, not per document: the texts can be large.
        let shadowed: Vec<bool> = projects.projects.iter().map(|p| could_be_project(&p.name)).collect();
        // A project name claimed by a Project document whose marking is not OFFICIAL (or
        // absent) is sensitive, whichever of the documents won the name.
        let restricted_names: HashSet<&str> = documents
            .iter()
            .filter(|d| d.kind == Kind::Project && marking(d) == Marking::Other)
            .filter_map(DesignDocument::name)
            .collect();
        let documents_sensitive: Vec<bool> = documents
            .iter()
            .enumerate()
            .map(|(i, doc)| {
                triage_marks(i, doc, documents, projects)
                    || match marking(doc) {
                        // Two Projects of one name that disagree: the classification cannot be read,
                        // so the OFFICIAL copy does not unmark the other (issue "Trust", from an attack).
                        Marking::Official => {
                            doc.kind == Kind::Project && doc.name().is_some_and(|n| restricted_names.contains(n))
                        }
                        Marking::Other => true,
                        Marking::Absent => match projects.membership.get(i).copied().flatten() {
                            // No Project, an unknown or unreadable `metadata.project`, several Projects
                            // and none named: the classification cannot be established.
                            None => true,
                            Some(index) => {
                                let Some(p) = projects.projects.get(index) else {
                                    return true;
                                };
                                // Named (a Project by its own name): a broken file could still be a
                                // second Project of that name. Inferred (the tree's only Project): a
                                // broken file could be another Project, and the inference then fails.
                                let named = doc.kind == Kind::Project
                                    || doc
                                        .yaml
                                        .value
                                        .pointer("/metadata/project")
                                        .is_some_and(Value::is_string);
                                let broken_applies = if named {
                                    shadowed.get(index).copied().unwrap_or(true)
                                } else {
                                    !broken_files.is_empty()
                                };
                                broken_applies
                                    || restricted_names.contains(p.name.as_str())
                                    || documents.get(p.document).is_none_or(|d| marking(d) == Marking::Other)
                            }
                        },
                    }
            })
            .collect();
        let projects_sensitive = projects
            .projects
            .iter()
            .map(|p| {
                documents_sensitive.get(p.document).copied().unwrap_or(true)
                    || restricted_names.contains(p.name.as_str())
            })
            .collect();
        Self {
            documents: documents_sensitive,
            projects: projects_sensitive,
            broken_files,
        }
    }

    /// Whether anything in the tree is sensitive.
    #[must_use]
    pub fn any(&self) -> bool {
        !self.broken_files.is_empty() || self.documents.iter().any(|s| *s)
    }

    /// Whether a file holds anything sensitive: it failed to load, or one of its documents is
    /// sensitive. A file with no document (foreign YAML, empty) is judged by the whole tree.
    #[must_use]
    pub fn of_file(&self, file: FileId, documents: &[DesignDocument]) -> bool {
        if self.broken_files.contains(&file) {
            return true;
        }
        let mut in_file = documents.iter().enumerate().filter(|(_, d)| d.file == file).peekable();
        if in_file.peek().is_none() {
            return self.any();
        }
        in_file.any(|(i, _)| self.documents.get(i).copied().unwrap_or(true))
    }

    /// Whether a finding is sensitive: its document's sensitivity, else its file's, or that of
    /// any file a related location points into.
    #[must_use]
    pub fn of_finding(&self, finding: &Finding, documents: &[DesignDocument]) -> bool {
        let own = match document_of(finding, documents) {
            Some(d) => self.documents.get(d).copied().unwrap_or(true),
            None => self.of_file(finding.file, documents),
        };
        own || finding.related.iter().any(|r| self.of_file(r.file, documents))
    }

    /// A project's name as outputs that leave the machine show it: withheld names are replaced
    /// by their position among the tree's projects (`project-1`, `project-2`, ...).
    #[must_use]
    pub fn project_name(&self, projects: &ProjectModel, index: usize, reveal: bool) -> String {
        match projects.projects.get(index) {
            Some(p) if reveal || !self.projects.get(index).copied().unwrap_or(true) => p.name.clone(),
            _ => format!("project-{}", index + 1),
        }
    }
}

/// The index (in the tree's documents) of the document a finding is about.
#[must_use]
pub fn document_of(finding: &Finding, documents: &[DesignDocument]) -> Option<usize> {
    let index = finding.document?;
    documents
        .iter()
        .position(|d| d.file == finding.file && d.index == index)
}

/// Every property name the embedded schemas define: words of the schema, not of a document.
static SCHEMA_NAMES: LazyLock<HashSet<String>> = LazyLock::new(|| {
    fn walk(value: &Value, names: &mut HashSet<String>) {
        match value {
            Value::Object(map) => {
                for (key, child) in map {
                    if key == "properties"
                        && let Some(props) = child.as_object()
                    {
                        names.extend(props.keys().cloned());
                    }
                    if key == "required"
                        && let Some(list) = child.as_array()
                    {
                        names.extend(list.iter().filter_map(Value::as_str).map(str::to_owned));
                    }
                    walk(child, names);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, names)),
            _ => {}
        }
    }
    let mut names = HashSet::new();
    for schema in &crate::schema::EMBEDDED {
        if let Ok(value) = serde_json::from_str::<Value>(schema.text) {
            walk(&value, &mut names);
        }
    }
    names
});

fn is_schema_name(token: &str) -> bool {
    SCHEMA_NAMES.contains(token)
}

fn is_index(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())
}

/// A pointer with no document text in it: a key the schemas define is kept; any other key is
/// replaced by its position in its mapping (`/spec/3`); list indices stay; a token that names
/// nothing in the document and no schema property becomes `-`. Stable across runs, so it can
/// be fingerprinted, and it cannot be dictionary-attacked.
#[must_use]
pub fn positional_pointer(doc: Option<&DesignDocument>, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = doc.map(|d| d.yaml.root());
    for token in pointer_tokens(pointer) {
        out.push('/');
        let next = node.and_then(|n| n.child(&token));
        let known = is_schema_name(&token);
        match node.map(|n| n.value()) {
            Some(Value::Object(map)) if !known => match map.keys().position(|k| *k == token) {
                Some(position) => out.push_str(&position.to_string()),
                None => out.push('-'),
            },
            _ if known => out.push_str(&escape_token(&token)),
            Some(Value::Array(_)) | None if is_index(&token) => out.push_str(&token),
            _ => out.push('-'),
        }
        node = next;
    }
    out
}

/// The pointer with list indices replaced by what the item is: `[id]` for an item with an id,
/// `[=value]` for a string item, so reordering a list does not change the path.
#[must_use]
pub fn id_path(doc: &DesignDocument, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(doc.yaml.root());
    for token in pointer_tokens(pointer) {
        let parent_is_list = node.is_some_and(|n| n.value().is_array());
        let next = node.and_then(|n| n.child(&token));
        out.push('/');
        match (parent_is_list, next.map(|n| n.value())) {
            (true, Some(Value::Object(map))) if map.get("id").is_some_and(Value::is_string) => {
                out.push('[');
                out.push_str(map.get("id").and_then(Value::as_str).unwrap_or_default());
                out.push(']');
            }
            (true, Some(Value::String(s))) => {
                out.push_str("[=");
                out.push_str(s);
                out.push(']');
            }
            _ => out.push_str(&token),
        }
        node = next;
    }
    out
}

/// Sets every finding's sensitivity and fingerprint. The fingerprint of a sensitive finding
/// hashes only what its outputs show (rule, file, document index, positional pointer), never a
/// name, an id or a key of the document.
pub fn annotate(
    findings: &mut [Finding],
    sensitivity: &Sensitivity,
    documents: &[DesignDocument],
    files: &[SourceFile],
) {
    for finding in findings.iter_mut() {
        finding.sensitive = sensitivity.of_finding(finding, documents);
        let doc = document_of(finding, documents).map(|d| &documents[d]);
        let path = files.get(finding.file.0 as usize).map_or("", |f| f.path.as_str());
        let pointer = finding.pointer.as_deref();
        let (identity, location) = match (doc, finding.sensitive) {
            (Some(d), false) => (
                format!("{}/{}", d.kind, d.name().unwrap_or("?")),
                pointer.map(|p| id_path(d, p)).unwrap_or_default(),
            ),
            (Some(d), true) => (
                format!("{}/#{}", d.kind, d.index),
                pointer.map(|p| positional_pointer(Some(d), p)).unwrap_or_default(),
            ),
            (None, sensitive) => (
                finding.document.map(|i| format!("#{i}")).unwrap_or_default(),
                match pointer {
                    Some(p) if sensitive => positional_pointer(None, p),
                    Some(p) => p.to_owned(),
                    None => String::new(),
                },
            ),
        };
        let mut hasher = Sha256::new();
        for part in [finding.rule.as_ref(), path, &identity, &location] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        finding.fingerprint = crate::text::hex(&hasher.finalize()[..16]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, load};

    fn document(text: &str, kind: Kind) -> DesignDocument {
        let yaml = load(text, &Limits::default()).documents.remove(0);
        DesignDocument {
            file: FileId(0),
            index: 0,
            kind,
            yaml,
            schema_valid: false,
        }
    }

    #[test]
    fn positional_pointers_keep_schema_words_only() {
        let doc = document(
            "apiVersion: standoff/v1\nkind: Site\nspec:\n  crowdedSpaces:\n    - id: a\n      secretkey: 1\n",
            Kind::Site,
        );
        assert_eq!(
            positional_pointer(Some(&doc), "/spec/crowdedSpaces/0/secretkey"),
            "/spec/crowdedSpaces/0/1"
        );
        // Missing: a schema word stays (it is the schema's text), anything else is `-`.
        assert_eq!(positional_pointer(Some(&doc), "/spec/stage"), "/spec/stage");
        assert_eq!(positional_pointer(Some(&doc), "/spec/nosuchword7f3a"), "/spec/-");
        assert_eq!(positional_pointer(None, "/metadata/x7f3a/2"), "/metadata/-/2");
    }

    #[test]
    fn only_a_positively_official_marking_is_not_sensitive() {
        let project = |marking: &str| {
            document(
                &format!("apiVersion: standoff/v1\nkind: Project\nmetadata:\n  name: p\n{marking}"),
                Kind::Project,
            )
        };
        for (marking, sensitive) in [
            ("", false),
            ("  classification: OFFICIAL\n", false),
            ("  classification: OFFICIAL-SENSITIVE\n", true),
            ("  classification: official\n", true),
            ("  classification: [OFFICIAL]\n", true),
            ("  classification: {a: OFFICIAL}\n", true),
            ("  classification:\n", true),
        ] {
            let documents = vec![project(marking)];
            let projects = crate::model::project::build(&documents, None);
            let s = Sensitivity::of(&[], &documents, &[], &projects);
            assert_eq!(s.documents, [sensitive], "{marking:?}");
            assert_eq!(s.projects, [sensitive], "{marking:?}");
            let expected = if sensitive { "project-1" } else { "p" };
            assert_eq!(s.project_name(&projects, 0, false), expected);
            assert_eq!(s.project_name(&projects, 0, true), "p");
        }
    }

    /// Issue 13: where the triage requires a security-minded approach, the site, barrier,
    /// glazing, procedures and s.7 documents are sensitive whatever they are marked; other
    /// kinds keep their marking, and a triage that is not required changes nothing.
    #[test]
    fn a_required_triage_makes_the_security_documents_sensitive() {
        let project = |outcome: &str| {
            document(
                &format!(
                    "apiVersion: standoff/v1\nkind: Project\nmetadata:\n  name: p\n  classification: OFFICIAL\nspec:\n  informationSecurity:\n    sensitivityAssessment:\n      {outcome}\n"
                ),
                Kind::Project,
            )
        };
        let other = |kind: Kind| {
            document(
                &format!("apiVersion: standoff/v1\nkind: {kind:?}\nmetadata:\n  name: x\n  classification: OFFICIAL\n"),
                kind,
            )
        };
        for (outcome, site_sensitive) in [
            ("outcome: required", true),
            ("outcome: not-required", false),
            ("owner: nobody", false),
            ("outcome: maybe", true),
            ("outcome: [required]", true),
        ] {
            let documents = vec![
                project(outcome),
                other(Kind::Site),
                other(Kind::BarrierSchedule),
                other(Kind::Glazing),
                other(Kind::Procedures),
                other(Kind::SecurityPlan),
                other(Kind::RiskAssessment),
            ];
            let projects = crate::model::project::build(&documents, None);
            let s = Sensitivity::of(&[], &documents, &[], &projects);
            let expected = [
                false,
                site_sensitive,
                site_sensitive,
                site_sensitive,
                site_sensitive,
                site_sensitive,
                false,
            ];
            assert_eq!(s.documents, expected, "{outcome}");
            assert_eq!(s.projects, [false], "{outcome}");
        }
    }
}
