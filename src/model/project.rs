//! Projects: which Project each design document belongs to, names unique per kind within a
//! project, and each project's stage (`product.md`, "Trees, projects and files").

use std::collections::HashMap;

use crate::model::document::Kind;
use crate::model::finding::Finding;
use crate::model::source::DesignDocument;
use crate::stage::Stage;
use crate::text::{did_you_mean, quote};
use crate::yaml::Span;

/// A project of the tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Project {
    pub name: String,
    /// The index of its Project document in the tree's documents.
    pub document: usize,
    /// The stage its Project declares (`None` when the Project fails its schema).
    pub declared_stage: Option<Stage>,
    /// The stage it is judged at: `--stage`/config override, else the declared stage; `None`
    /// when the Project fails its schema (its stage-dependent rules then do not run).
    pub stage: Option<Stage>,
}

/// The projects of a tree and every document's membership.
#[derive(Clone, Debug, Default)]
pub struct ProjectModel {
    pub projects: Vec<Project>,
    /// For each document (same order as the tree's documents), its project's index.
    pub membership: Vec<Option<usize>>,
    pub findings: Vec<Finding>,
}

impl ProjectModel {
    /// The project a document belongs to.
    #[must_use]
    pub fn project_of(&self, document: usize) -> Option<&Project> {
        self.membership
            .get(document)
            .copied()
            .flatten()
            .and_then(|p| self.projects.get(p))
    }
}

/// Where a finding about a document's project points: its `metadata` key, else its start.
fn metadata_anchor(doc: &DesignDocument) -> Span {
    doc.yaml
        .pointer("/metadata")
        .and_then(|m| m.key_span())
        .unwrap_or(Span::at(doc.yaml.start))
}

/// Builds the project model of a tree. `documents` are in file order.
#[must_use]
pub fn build(documents: &[DesignDocument], stage_override: Option<Stage>) -> ProjectModel {
    let mut model = ProjectModel {
        membership: vec![None; documents.len()],
        ..ProjectModel::default()
    };
    let mut by_name: HashMap<&str, usize> = HashMap::new();
    for (i, doc) in documents.iter().enumerate() {
        if doc.kind != Kind::Project {
            continue;
        }
        let Some(name) = doc.name() else { continue };
        if let Some(&first) = by_name.get(name) {
            model
                .findings
                .push(duplicate_name(doc, &documents[model.projects[first].document], name));
            continue;
        }
        let declared_stage = if doc.schema_valid {
            doc.yaml.value.pointer("/spec/stage").and_then(Stage::from_json)
        } else {
            None
        };
        let stage = declared_stage.map(|declared| stage_override.unwrap_or(declared));
        by_name.insert(name, model.projects.len());
        model.membership[i] = Some(model.projects.len());
        model.projects.push(Project {
            name: name.to_owned(),
            document: i,
            declared_stage,
            stage,
        });
    }
    let names: Vec<&str> = model.projects.iter().map(|p| p.name.as_str()).collect();
    let mut orphans = Vec::new();
    for (i, doc) in documents.iter().enumerate() {
        let project_node = doc.yaml.pointer("/metadata/project");
        let named_text = project_node.and_then(|n| n.value().as_str());
        if doc.kind == Kind::Project {
            if let (Some(node), Some(text), Some(own)) = (project_node, named_text, doc.name())
                && text != own
            {
                model.findings.push(
                    Finding::error(
                        "CORE-PROJECT",
                        doc.file,
                        format!(
                            "Project `{}` names another project, `{}`, in `metadata.project`",
                            quote(own),
                            quote(text)
                        ),
                    )
                    .at(node.span())
                    .in_document(doc.index, "/metadata/project")
                    .label("a Project belongs to itself")
                    .help("remove `metadata.project` from the Project, or make it the Project's own name"),
                );
            }
            continue;
        }
        match (project_node, named_text) {
            (Some(node), Some(text)) => {
                if let Some(&p) = by_name.get(text) {
                    model.membership[i] = Some(p);
                } else {
                    let help = match did_you_mean(text, names.iter().copied()) {
                        Some(m) => format!("did you mean `{m}`?"),
                        None if names.is_empty() => {
                            "add the Project document to the tree, or check its folder too".to_owned()
                        }
                        None => format!("the Projects in this tree: {}", names.join(", ")),
                    };
                    model.findings.push(
                        Finding::error(
                            "CORE-PROJECT",
                            doc.file,
                            format!("no Project named `{}` in this tree", quote(text)),
                        )
                        .at(node.span())
                        .in_document(doc.index, "/metadata/project")
                        .label("unknown project")
                        .help(help),
                    );
                }
            }
            // A non-string `metadata.project` is already a schema error.
            (Some(_), None) => {}
            (None, _) => match model.projects.len() {
                1 => model.membership[i] = Some(0),
                0 => orphans.push(i),
                n => model.findings.push(
                    Finding::error(
                        "CORE-PROJECT",
                        doc.file,
                        format!(
                            "this tree holds {n} Projects ({}), and this document names none",
                            names.join(", ")
                        ),
                    )
                    .at(metadata_anchor(doc))
                    .in_document(doc.index, "/metadata/project")
                    .label("which project?")
                    .help("add `project:` to `metadata`, naming its Project"),
                ),
            },
        }
    }
    // No Project at all: one finding for the tree, not one per document.
    if let Some(&first) = orphans.first() {
        let doc = &documents[first];
        model.findings.push(
            Finding::error(
                "CORE-PROJECT",
                doc.file,
                format!(
                    "this tree holds no Project document, so {} design document(s) belong to no project",
                    orphans.len()
                ),
            )
            .at(metadata_anchor(doc))
            .in_document(doc.index, "/metadata/project")
            .label("no Project in the tree")
            .help("add a Project document (kind: Project) for these documents, or check the folder that holds it too"),
        );
    }
    // Names are unique per kind within a project.
    let mut seen: HashMap<(usize, Kind, &str), usize> = HashMap::new();
    for (i, doc) in documents.iter().enumerate() {
        let (Some(project), Some(name)) = (model.membership[i], doc.name()) else {
            continue;
        };
        if doc.kind == Kind::Project {
            continue;
        }
        match seen.get(&(project, doc.kind, name)) {
            Some(&first) => model.findings.push(duplicate_name(doc, &documents[first], name)),
            None => {
                seen.insert((project, doc.kind, name), i);
            }
        }
    }
    model
}

fn duplicate_name(doc: &DesignDocument, first: &DesignDocument, name: &str) -> Finding {
    let span = |d: &DesignDocument| {
        d.yaml
            .pointer("/metadata/name")
            .map_or(Span::at(d.yaml.start), |n| n.span())
    };
    Finding::error(
        "CORE-NAME-UNIQUE",
        doc.file,
        format!("a second {} named `{}` in the same project", doc.kind, quote(name)),
    )
    .at(span(doc))
    .in_document(doc.index, "/metadata/name")
    .label("duplicate name")
    .help(format!(
        "names are unique per kind within a project: rename one of the two {} documents",
        doc.kind
    ))
    .related(first.file, span(first), "first used here")
}
