//! The tree's index, built once per run: documents by project, kind and name, and every list
//! item by id, so cross-document rules are linear, not quadratic.

use std::collections::HashMap;

use serde_json::Value;

use crate::model::document::Kind;
use crate::model::project::ProjectModel;
use crate::model::source::DesignDocument;
use crate::yaml::{Node, escape_token};

/// One project's documents.
#[derive(Clone, Debug, Default)]
pub struct ProjectDocs {
    /// Document indices by kind (in file order).
    pub by_kind: HashMap<Kind, Vec<usize>>,
    /// Document index by kind and name (the first, when names repeat).
    pub by_name: HashMap<(Kind, String), usize>,
}

impl ProjectDocs {
    #[must_use]
    pub fn of_kind(&self, kind: Kind) -> &[usize] {
        self.by_kind.get(&kind).map_or(&[], Vec::as_slice)
    }
}

/// A list item with an `id`: where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemLocation {
    /// The pointer of the item (`/spec/vehicleApproaches/2`).
    pub pointer: String,
    /// The list it is in, under `spec` (`vehicleApproaches`).
    pub list: String,
}

/// An id used twice in one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateId {
    pub document: usize,
    pub id: String,
    pub first: String,
    pub second: String,
}

/// The index of a whole tree.
#[derive(Clone, Debug, Default)]
pub struct TreeIndex {
    /// Parallel to the project model's projects.
    pub projects: Vec<ProjectDocs>,
    /// For each document, its items by id.
    pub items: Vec<HashMap<String, ItemLocation>>,
    pub duplicate_ids: Vec<DuplicateId>,
}

impl TreeIndex {
    #[must_use]
    pub fn build(documents: &[DesignDocument], model: &ProjectModel) -> Self {
        let mut projects = vec![ProjectDocs::default(); model.projects.len()];
        for (i, doc) in documents.iter().enumerate() {
            let Some(p) = model.membership.get(i).copied().flatten() else {
                continue;
            };
            let docs = &mut projects[p];
            docs.by_kind.entry(doc.kind).or_default().push(i);
            if let Some(name) = doc.name() {
                docs.by_name.entry((doc.kind, name.to_owned())).or_insert(i);
            }
        }
        let mut items = Vec::with_capacity(documents.len());
        let mut duplicate_ids = Vec::new();
        for (i, doc) in documents.iter().enumerate() {
            let mut ids: HashMap<String, ItemLocation> = HashMap::new();
            if let Some(spec) = doc.yaml.pointer("/spec") {
                let mut found = Vec::new();
                collect_items(spec, &mut found);
                for (id, location) in found {
                    match ids.get(&id) {
                        Some(first) => duplicate_ids.push(DuplicateId {
                            document: i,
                            id,
                            first: first.pointer.clone(),
                            second: location.pointer,
                        }),
                        None => {
                            ids.insert(id, location);
                        }
                    }
                }
            }
            items.push(ids);
        }
        Self {
            projects,
            items,
            duplicate_ids,
        }
    }
}

/// Every mapping with a string `id` inside a list, at any depth under `spec`, in document
/// order (an explicit stack, visited in preorder).
fn collect_items(spec: Node<'_>, out: &mut Vec<(String, ItemLocation)>) {
    // (node, its pointer, the first-level list under spec it is in, whether it is a list item)
    let mut stack: Vec<(Node<'_>, String, Option<String>, bool)> = vec![(spec, "/spec".to_owned(), None, false)];
    while let Some((node, pointer, list, in_list)) = stack.pop() {
        if in_list && let (Some(id), Some(list)) = (node.value().get("id").and_then(Value::as_str), &list) {
            out.push((
                id.to_owned(),
                ItemLocation {
                    pointer: pointer.clone(),
                    list: list.clone(),
                },
            ));
        }
        // Only mappings and lists can hold an item: a scalar child gets no pointer (making one
        // for every scalar was most of the index's time).
        let container = |child: &Node<'_>| child.value().is_array() || child.value().is_object();
        let mut children: Vec<(Node<'_>, String, Option<String>, bool)> = Vec::new();
        if node.value().is_array() {
            for (i, child) in node.items().enumerate().filter(|(_, c)| container(c)) {
                children.push((child, format!("{pointer}/{i}"), list.clone(), true));
            }
        } else {
            for (key, child) in node.entries().filter(|(_, c)| container(c)) {
                let list = list.clone().or_else(|| Some(key.to_owned()));
                children.push((child, format!("{pointer}/{}", escape_token(key)), list, false));
            }
        }
        stack.extend(children.into_iter().rev());
    }
}
