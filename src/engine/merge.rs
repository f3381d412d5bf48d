//! One result from several trees (product.md, "Trees, projects and files"): each tree is
//! judged alone, with its own config and projects, and the results are put together as if they
//! were one tree, files in path order, so the output does not depend on the order of the paths.

use std::collections::{BTreeSet, HashSet};

use super::annotate::Sensitivity;
use super::{Checked, Summary};
use crate::model::finding::{FileId, Finding, SeverityCounts, WaiverOrigin};
use crate::model::project::ProjectModel;

/// Where each tree's files and documents went in the merged result.
struct Renumbering {
    /// For each tree, its old file index to the new one.
    files: Vec<Vec<u32>>,
    /// For each tree, its old document index to the new one.
    documents: Vec<Vec<usize>>,
}

fn renumber(parts: &[Checked]) -> Renumbering {
    let mut files: Vec<(&str, usize, usize)> = parts
        .iter()
        .enumerate()
        .flat_map(|(t, c)| c.files.iter().enumerate().map(move |(i, f)| (f.path.as_str(), t, i)))
        .collect();
    files.sort_unstable();
    let mut file_map: Vec<Vec<u32>> = parts.iter().map(|c| vec![0; c.files.len()]).collect();
    for (new, &(_, t, i)) in files.iter().enumerate() {
        file_map[t][i] = new as u32;
    }
    let mut documents: Vec<(u32, u32, usize, usize)> = parts
        .iter()
        .enumerate()
        .flat_map(|(t, c)| {
            let file_map = &file_map[t];
            c.documents
                .iter()
                .enumerate()
                .map(move |(i, d)| (file_map[d.file.0 as usize], d.index, t, i))
        })
        .collect();
    documents.sort_unstable();
    let mut document_map: Vec<Vec<usize>> = parts.iter().map(|c| vec![0; c.documents.len()]).collect();
    for (new, &(_, _, t, i)) in documents.iter().enumerate() {
        document_map[t][i] = new;
    }
    Renumbering {
        files: file_map,
        documents: document_map,
    }
}

fn moved(finding: &mut Finding, files: &[u32]) {
    let map = |id: FileId| FileId(files[id.0 as usize]);
    finding.file = map(finding.file);
    for related in &mut finding.related {
        related.file = map(related.file);
    }
    if let Some(waiver) = &mut finding.waiver
        && let WaiverOrigin::Inline { file, .. } = &mut waiver.origin
    {
        *file = map(*file);
    }
}

fn add(total: &mut Summary, part: &Summary) {
    total.files += part.files;
    total.documents += part.documents;
    total.skipped_documents += part.skipped_documents;
    total.empty_files += part.empty_files;
    total.context_files += part.context_files;
    total.waived += part.waived;
    total.accepted += part.accepted;
    total.baselined += part.baselined;
}

/// The results of several trees as one. With one tree it is returned as it is.
#[must_use]
pub fn merge(mut parts: Vec<Checked>) -> Checked {
    if parts.len() == 1
        && let Some(only) = parts.pop()
    {
        return only;
    }
    let numbers = renumber(&parts);
    let file_count: usize = parts.iter().map(|c| c.files.len()).sum();
    let document_count: usize = parts.iter().map(|c| c.documents.len()).sum();
    let mut files: Vec<Option<_>> = (0..file_count).map(|_| None).collect();
    let mut documents: Vec<Option<_>> = (0..document_count).map(|_| None).collect();
    let mut sensitive_documents = vec![false; document_count];
    let mut membership = vec![None; document_count];
    let mut projects = ProjectModel::default();
    let mut findings = Vec::new();
    let mut summary = Summary::default();
    let mut reported: Option<HashSet<FileId>> = None;
    let mut judged = BTreeSet::new();
    let mut sensitivity = Sensitivity::default();
    let every_file_reported = parts.iter().all(|c| c.report_only.is_none());
    for (t, part) in parts.into_iter().enumerate() {
        let file_map = &numbers.files[t];
        let document_map = &numbers.documents[t];
        let project_offset = projects.projects.len();
        add(&mut summary, &part.summary);
        if !every_file_reported {
            let reported = reported.get_or_insert_with(HashSet::new);
            match &part.report_only {
                Some(only) => reported.extend(only.iter().map(|id| FileId(file_map[id.0 as usize]))),
                None => reported.extend(file_map.iter().map(|&id| FileId(id))),
            }
        }
        for (i, file) in part.files.into_iter().enumerate() {
            files[file_map[i] as usize] = Some(file);
        }
        for (i, mut document) in part.documents.into_iter().enumerate() {
            document.file = FileId(file_map[document.file.0 as usize]);
            documents[document_map[i]] = Some(document);
        }
        for (i, sensitive) in part.sensitivity.documents.iter().enumerate() {
            if let Some(&new) = document_map.get(i) {
                sensitive_documents[new] = *sensitive;
            }
        }
        sensitivity.projects.extend(part.sensitivity.projects.iter().copied());
        sensitivity.broken_files.extend(
            part.sensitivity
                .broken_files
                .iter()
                .map(|id| FileId(file_map[id.0 as usize])),
        );
        for (i, project) in part.projects.membership.iter().enumerate() {
            if let Some(&new) = document_map.get(i) {
                membership[new] = project.map(|p| p + project_offset);
            }
        }
        projects
            .projects
            .extend(part.projects.projects.into_iter().map(|mut p| {
                p.document = document_map.get(p.document).copied().unwrap_or(p.document);
                p
            }));
        for mut finding in part.projects.findings {
            moved(&mut finding, file_map);
            projects.findings.push(finding);
        }
        for mut finding in part.findings {
            moved(&mut finding, file_map);
            findings.push(finding);
        }
        judged.extend(part.judged);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    summary.findings = SeverityCounts::of(&findings);
    projects.membership = membership;
    sensitivity.documents = sensitive_documents;
    Checked {
        files: files.into_iter().flatten().collect(),
        documents: documents.into_iter().flatten().collect(),
        projects,
        findings,
        summary,
        report_only: reported,
        judged,
        sensitivity,
    }
}
