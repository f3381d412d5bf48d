//! Finding the YAML files to check, with the `ignore` crate: `.gitignore` (inside and outside
//! a git repository), `.ignore`, config excludes; symbolic links not followed unless asked.
//! Problems met on the way are reported, never fatal to the rest of the walk.

use std::path::{Path, PathBuf};

use crate::paths::{clean, is_yaml, lossless, relative_to};

use ignore::overrides::Override;
use ignore::{WalkBuilder, WalkState};

/// One file to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Candidate {
    pub(crate) path: PathBuf,
}

/// Something the walk could not do, with the path it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WalkProblem {
    pub(crate) path: PathBuf,
    pub(crate) kind: WalkProblemKind,
    pub(crate) message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum WalkProblemKind {
    /// A folder or entry that could not be read, or a link loop.
    Unreadable,
    /// A symbolic link that was not followed.
    SymlinkSkipped,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct WalkOptions {
    pub(crate) follow_symlinks: bool,
    pub(crate) exclude: Option<Override>,
    /// The review gate's walk: every YAML file under the roots, whatever `.gitignore`,
    /// `.ignore`, `.git/info/exclude` or the config's excludes say; a link is followed only
    /// when it points inside its root, and what it points to is judged once.
    pub(crate) judge_everything: bool,
    /// A folder below a root that holds its own `standoff.yaml` is another tree: it is not
    /// walked, and it is listed in [`Walked::nested_trees`] instead.
    pub(crate) stop_at_trees: bool,
}

/// The walk's result, sorted by path.
#[derive(Debug, Default)]
pub(crate) struct Walked {
    pub(crate) files: Vec<Candidate>,
    pub(crate) problems: Vec<WalkProblem>,
    /// Files named explicitly but excluded by the config.
    pub(crate) excluded: usize,
    /// Folders met below a root that are trees of their own (see [`WalkOptions::stop_at_trees`]).
    pub(crate) nested_trees: Vec<PathBuf>,
}

fn excluded(options: &WalkOptions, path: &Path, is_dir: bool) -> bool {
    let Some(exclude) = &options.exclude else {
        return false;
    };
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    exclude.matched(&absolute, is_dir).is_ignore()
        || absolute
            .ancestors()
            .skip(1)
            .any(|a| exclude.matched(a, true).is_ignore())
}

/// The ignore files the walk reads in a folder.
const IGNORE_FILES: [&str; 3] = [".gitignore", ".ignore", ".git/info/exclude"];

/// An ignore file of `dir` that exists but is not a regular file (reading a FIFO blocks), as a
/// problem: the folder is not walked, and the error says why.
fn special_ignore_file(dir: &Path) -> Option<WalkProblem> {
    IGNORE_FILES.iter().find_map(|name| {
        let path = dir.join(name);
        let meta = std::fs::metadata(&path).ok()?;
        (!meta.is_file()).then(|| WalkProblem {
            message: format!(
                "not a regular file, so its ignore rules cannot be read: the folder {} was not walked",
                display(dir)
            ),
            path,
            kind: WalkProblemKind::Unreadable,
        })
    })
}

/// Walks `roots` (files or folders). A file named explicitly is checked whatever its
/// extension, unless the config excludes it. A FIFO, socket or device (named, or met as
/// `*.yaml`) is a candidate like a file, so reading it reports "not a regular file" (never a
/// silent skip); the walk itself never opens it.
#[must_use]
pub(crate) fn walk(roots: &[PathBuf], options: &WalkOptions, skip: &[PathBuf]) -> Walked {
    let mut walked = Walked::default();
    let skip: Vec<PathBuf> = skip.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
    let is_skipped = |p: &Path| !skip.is_empty() && std::fs::canonicalize(p).is_ok_and(|c| skip.contains(&c));
    for root in roots {
        // Anything that is not a folder (a FIFO or device too) is a file named explicitly.
        if std::fs::metadata(root).is_ok_and(|m| !m.is_dir()) {
            if excluded(options, root, false) {
                walked.excluded += 1;
            } else if !is_skipped(root) {
                walked.files.push(Candidate { path: clean(root) });
            }
            continue;
        }
        // The ignore files of the root and of every folder above it are read first (the
        // gate's walk reads none).
        let reads_ignore_files = !options.judge_everything;
        let absolute = std::path::absolute(root).unwrap_or_else(|_| root.clone());
        if reads_ignore_files && let Some(problem) = absolute.ancestors().find_map(special_ignore_file) {
            walked.problems.push(problem);
            continue;
        }
        let special = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let found = std::sync::Arc::clone(&special);
        let nested = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let nested_found = std::sync::Arc::clone(&nested);
        let stop_at_trees = options.stop_at_trees;
        let mut builder = WalkBuilder::new(root);
        builder
            .hidden(false)
            .require_git(false)
            .follow_links(options.follow_symlinks && !options.judge_everything)
            .filter_entry(move |entry| {
                if entry.file_name() == ".git" {
                    return false;
                }
                // A folder is filtered before its ignore files are read.
                if reads_ignore_files
                    && entry.depth() > 0
                    && entry.file_type().is_some_and(|t| t.is_dir())
                    && let Some(problem) = special_ignore_file(entry.path())
                {
                    if let Ok(mut found) = found.lock() {
                        found.push(problem);
                    }
                    return false;
                }
                if stop_at_trees
                    && entry.depth() > 0
                    && entry.file_type().is_some_and(|t| t.is_dir())
                    && entry.path().join(crate::app::config::CONFIG_FILE).is_file()
                {
                    if let Ok(mut nested) = nested_found.lock() {
                        nested.push(clean(entry.path()));
                    }
                    return false;
                }
                true
            });
        if options.judge_everything {
            builder.standard_filters(false);
        } else if let Some(exclude) = &options.exclude {
            builder.overrides(exclude.clone());
        }
        let inside = options
            .judge_everything
            .then(|| std::fs::canonicalize(root).ok())
            .flatten();
        let (sender, receiver) = std::sync::mpsc::channel();
        builder.build_parallel().run(|| {
            let sender = sender.clone();
            let inside = inside.clone();
            Box::new(move |entry| {
                let message = match entry {
                    Ok(entry) => {
                        let Some(file_type) = entry.file_type() else {
                            return WalkState::Continue;
                        };
                        if file_type.is_symlink() && options.judge_everything {
                            gate_link(entry.path(), inside.as_deref())
                        } else if file_type.is_symlink() {
                            // Only reached when links are not followed.
                            let target_is_relevant = entry.path().is_dir() || is_yaml(entry.path());
                            if target_is_relevant && entry.depth() > 0 {
                                Some(Err(WalkProblem {
                                    path: entry.path().to_path_buf(),
                                    kind: WalkProblemKind::SymlinkSkipped,
                                    message: "symbolic link not followed".into(),
                                }))
                            } else {
                                None
                            }
                        } else if !file_type.is_dir() && is_yaml(entry.path()) {
                            Some(Ok(Candidate {
                                path: clean(entry.path()),
                            }))
                        } else {
                            None
                        }
                    }
                    Err(error) => Some(Err(problem(&error, root))),
                };
                if let Some(message) = message {
                    let _ = sender.send(message);
                }
                WalkState::Continue
            })
        });
        drop(sender);
        if let Ok(mut special) = special.lock() {
            walked.problems.append(&mut special);
        }
        if let Ok(mut nested) = nested.lock() {
            walked.nested_trees.append(&mut nested);
        }
        for message in receiver {
            match message {
                Ok(candidate) if is_skipped(&candidate.path) => {}
                Ok(candidate) => walked.files.push(candidate),
                Err(problem) => walked.problems.push(problem),
            }
        }
    }
    walked.files.sort_by(|a, b| a.path.cmp(&b.path));
    walked.files.dedup();
    walked.nested_trees.sort();
    walked.nested_trees.dedup();
    if options.judge_everything {
        // A file reached twice (by its own path and through a link inside the tree) is judged
        // once: under its own path when the walk met it, else under the first link's.
        let is_link = |p: &Path| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
        let mut chosen: std::collections::HashMap<PathBuf, PathBuf> = std::collections::HashMap::new();
        for c in &walked.files {
            let Ok(real) = std::fs::canonicalize(&c.path) else {
                continue;
            };
            match chosen.get(&real) {
                Some(earlier) if !is_link(earlier) || is_link(&c.path) => {}
                _ => {
                    chosen.insert(real, c.path.clone());
                }
            }
        }
        walked
            .files
            .retain(|c| std::fs::canonicalize(&c.path).map_or(true, |real| chosen.get(&real) == Some(&c.path)));
    }
    walked
        .problems
        .sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.message.cmp(&b.message)));
    walked
}

/// A link met by the gate's walk: judged when it points to a file inside `root` (under the
/// link's path; the dedup keeps one path per file), reported when it leaves the tree or
/// cannot be resolved. A link to a folder inside the tree adds nothing: the gate's walk
/// reaches that folder by its own path.
fn gate_link(link: &Path, root: Option<&Path>) -> Option<Result<Candidate, WalkProblem>> {
    let leaves = |message: &str| {
        Some(Err(WalkProblem {
            path: link.to_path_buf(),
            kind: WalkProblemKind::SymlinkSkipped,
            message: message.to_owned(),
        }))
    };
    let Ok(target) = std::fs::canonicalize(link) else {
        return leaves("symbolic link that points nowhere: not followed");
    };
    if !root.is_some_and(|r| target.starts_with(r)) {
        return leaves("symbolic link that leaves the tree: the review gate never follows it");
    }
    // A link to a FIFO or device is a candidate too: reading it reports "not a regular file".
    if !target.is_dir() && (is_yaml(link) || is_yaml(&target)) {
        return Some(Ok(Candidate { path: clean(link) }));
    }
    None
}

fn problem(error: &ignore::Error, root: &Path) -> WalkProblem {
    let (path, message) = describe(error);
    WalkProblem {
        path: path.unwrap_or_else(|| root.to_path_buf()),
        kind: WalkProblemKind::Unreadable,
        message,
    }
}

/// The path an error concerns, and a message without the path in it.
fn describe(error: &ignore::Error) -> (Option<PathBuf>, String) {
    match error {
        ignore::Error::WithPath { path, err } => (Some(path.clone()), describe(err).1),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => describe(err),
        ignore::Error::Loop { ancestor, child } => (
            Some(child.clone()),
            format!("symbolic link loop: it points back to {}", display(ancestor)),
        ),
        ignore::Error::Io(e) => (None, format!("cannot read: {e}")),
        ignore::Error::Partial(errors) => {
            let first = errors.first().map(describe);
            first.unwrap_or((None, "cannot read".into()))
        }
        other => (None, other.to_string()),
    }
}

/// The folder every output path is relative to (product.md, "Trees, projects and files"):
/// the repository root when the first path is inside a git repository, else the folder of the
/// config in force, else the common folder of the paths. Never the working folder, so the same
/// submission gives the same paths, fingerprints and records wherever it is run from.
#[must_use]
pub(crate) fn output_root(paths: &[PathBuf], config_folder: Option<&Path>) -> PathBuf {
    let canonical: Vec<PathBuf> = paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
    let folder_of = |p: &Path| {
        if p.is_dir() {
            p.to_path_buf()
        } else {
            p.parent().map_or_else(|| p.to_path_buf(), Path::to_path_buf)
        }
    };
    if let Some(first) = canonical.first() {
        let start = folder_of(first);
        if let Some(repo) = start.ancestors().find(|d| d.join(".git").exists()) {
            return repo.to_path_buf();
        }
    }
    if let Some(folder) = config_folder.and_then(|f| std::fs::canonicalize(f).ok()) {
        return folder;
    }
    let Some(first) = canonical.first() else {
        return std::env::current_dir().unwrap_or_default();
    };
    let mut common = folder_of(first);
    for p in &canonical[1..] {
        while !p.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

/// `path` as every output shows it: relative to `root` (see [`output_root`]), `/`-separated,
/// lossless ([`lossless`]).
/// The last component is not resolved, so a link inside the tree shows under its own name.
#[must_use]
pub(crate) fn display_from(path: &Path, root: &Path) -> String {
    let absolute = match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() {
                Path::new(".")
            } else {
                parent
            };
            std::fs::canonicalize(parent).map_or_else(|_| path.to_path_buf(), |p| p.join(name))
        }
        _ => std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
    };
    let shown = relative_to(&absolute, root).unwrap_or(absolute);
    lossless(shown.as_os_str())
}

/// A path for display: relative to the current folder when under it, `/`-separated, and
/// lossless ([`lossless`]): two different paths never display the same.
#[must_use]
pub(crate) fn display(path: &Path) -> String {
    let path = clean(path);
    let shown = match std::env::current_dir() {
        Ok(cwd) if path.is_absolute() => relative_to(&path, &cwd).unwrap_or(path),
        _ => path,
    };
    lossless(shown.as_os_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every path an output prints goes through [`display`] or [`display_from`], and both print
    /// `/` whatever the platform's separator: a path built from components (joined with `\` on
    /// Windows) prints the same everywhere.
    #[test]
    fn printed_paths_use_slashes_on_every_platform() {
        let built: PathBuf = ["site", "north", "site.yaml"].iter().collect();
        assert_eq!(display(&built), "site/north/site.yaml");

        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("site").join("north")).unwrap();
        let file = root.join(&built);
        std::fs::write(&file, "kind: Site\n").unwrap();
        let shown = display_from(&file, &root);
        assert_eq!(shown, "site/north/site.yaml");
        assert!(!shown.contains('\\'), "{shown}");
        // Outside the root: `..` components, still with `/`.
        let beside = display_from(&file, &root.join("site").join("south"));
        assert_eq!(beside, "../north/site.yaml");
    }
}
