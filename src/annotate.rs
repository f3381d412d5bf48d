//! After evaluation, each finding gets its fingerprint (a stable identity for baselines and
//! code scanning) and its sensitivity (whether outputs leaving the machine may quote it).

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::engine::{DesignDocument, SourceFile};
use crate::finding::Finding;
use crate::project::ProjectModel;
use crate::yaml::pointer_tokens;

/// Classifications at or above OFFICIAL-SENSITIVE (UK Government Security Classifications).
fn is_sensitive_classification(value: Option<&str>) -> bool {
    // Anything but plain OFFICIAL counts as sensitive: an unknown marking fails closed.
    value.is_some_and(|c| c != "OFFICIAL")
}

fn classification(doc: &DesignDocument) -> Option<&str> {
    doc.yaml
        .value
        .pointer("/metadata/classification")
        .and_then(Value::as_str)
}

/// Whether each document is sensitive: its own marking, else its Project's.
#[must_use]
pub fn sensitive_documents(documents: &[DesignDocument], projects: &ProjectModel) -> Vec<bool> {
    documents
        .iter()
        .enumerate()
        .map(|(i, doc)| match classification(doc) {
            Some(own) => is_sensitive_classification(Some(own)),
            None => projects
                .project_of(i)
                .and_then(|p| documents.get(p.document))
                .is_some_and(|p| is_sensitive_classification(classification(p))),
        })
        .collect()
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

/// Sets every finding's fingerprint and sensitivity.
pub fn annotate(findings: &mut [Finding], documents: &[DesignDocument], files: &[SourceFile], projects: &ProjectModel) {
    let sensitive = sensitive_documents(documents, projects);
    let any_sensitive = sensitive.iter().any(|s| *s);
    let find_doc = |f: &Finding| {
        let index = f.document?;
        documents.iter().position(|d| d.file == f.file && d.index == index)
    };
    for finding in findings.iter_mut() {
        let doc = find_doc(finding);
        let path = files.get(finding.file.0 as usize).map_or("", |f| f.path.as_str());
        let (identity, location) = match doc.map(|d| &documents[d]) {
            Some(d) => (
                format!("{}/{}", d.kind, d.name().unwrap_or("?")),
                finding.pointer.as_deref().map(|p| id_path(d, p)).unwrap_or_default(),
            ),
            None => (
                finding.document.map(|i| format!("#{i}")).unwrap_or_default(),
                finding.pointer.clone().unwrap_or_default(),
            ),
        };
        let mut hasher = Sha256::new();
        for part in [finding.rule.as_ref(), path, &identity, &location] {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        finding.fingerprint = crate::text::hex(&hasher.finalize()[..16]);
        // A finding no document can be attributed to (a file that did not parse) is treated as
        // sensitive when any document of the tree is: outputs fail closed.
        let file_docs: Vec<usize> = documents
            .iter()
            .enumerate()
            .filter(|(_, d)| d.file == finding.file)
            .map(|(i, _)| i)
            .collect();
        finding.sensitive = match doc {
            Some(d) => sensitive[d],
            None if !file_docs.is_empty() => file_docs.iter().any(|&d| sensitive[d]),
            None => any_sensitive,
        } || finding.related.iter().any(|r| {
            documents
                .iter()
                .enumerate()
                .any(|(i, d)| d.file == r.file && sensitive[i])
        });
    }
}
