//! `check --staged` (issue 14, point 5): the staged change judged as git would commit it.
//!
//! A pre-commit hook that is handed the changed files never sees a deleted file, nor the
//! documents elsewhere whose references a change breaks. Here git is asked for the change
//! (index against `HEAD`, renames and deletions included); the files standoff reads (YAML, the
//! ignore files, the waiver files the configs name) of the index and of `HEAD` are written out
//! into two temporary folders, each with an empty `.git` marker so every path shows as it does
//! in the repository; the trees the change touches are judged in both. What is reported: every
//! finding in a changed file, and every finding elsewhere in those trees that `HEAD` did not
//! have (same rule at the same place of the same, unchanged, file), or had waived, accepted or
//! at a lower severity, labelled as caused by the change.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

use crate::app::config::{self, CONFIG_FILE};
use crate::app::judge::{self, JudgeRequest, Judgement};
use crate::app::output::Guard;
use crate::app::walk;
use crate::date::Date;
use crate::engine::Checked;
use crate::error::ToolError;
use crate::model::finding::{Finding, Severity};
use crate::paths;

/// A staged change judged: the result to report, and what to tell the user besides (stderr).
pub(crate) struct Staged {
    pub(crate) judgement: Judgement,
    pub(crate) notes: Vec<String>,
}

/// How one path changed between `HEAD` and the index.
#[derive(Clone, Debug, PartialEq, Eq)]
enum ChangeKind {
    Added,
    Modified,
    Deleted,
    /// A file became a link, or the reverse.
    TypeChanged,
    Renamed {
        from: PathBuf,
    },
    Copied {
        from: PathBuf,
    },
}

/// One changed path (the new path; the deleted one for a deletion).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Change {
    kind: ChangeKind,
    path: PathBuf,
}

impl Change {
    /// The path in `HEAD`, when it had one.
    fn old_path(&self) -> Option<&Path> {
        match &self.kind {
            ChangeKind::Added | ChangeKind::Copied { .. } => None,
            ChangeKind::Modified | ChangeKind::Deleted | ChangeKind::TypeChanged => Some(&self.path),
            ChangeKind::Renamed { from } => Some(from),
        }
    }

    /// The path in the index, when it has one.
    fn new_path(&self) -> Option<&Path> {
        (self.kind != ChangeKind::Deleted).then_some(self.path.as_path())
    }

    /// Every path the change touches.
    fn paths(&self) -> impl Iterator<Item = &Path> {
        let from = match &self.kind {
            ChangeKind::Renamed { from } | ChangeKind::Copied { from } => Some(from.as_path()),
            _ => None,
        };
        std::iter::once(self.path.as_path()).chain(from)
    }

    /// As the label of a finding it causes shows it: "`site.yaml` deleted".
    fn describe(&self) -> String {
        let path = shown(&self.path);
        match &self.kind {
            ChangeKind::Added => format!("`{path}` added"),
            ChangeKind::Modified => format!("`{path}` modified"),
            ChangeKind::Deleted => format!("`{path}` deleted"),
            ChangeKind::TypeChanged => format!("`{path}` changed type"),
            ChangeKind::Renamed { from } => format!("`{}` renamed to `{path}`", shown(from)),
            ChangeKind::Copied { from } => format!("`{}` copied to `{path}`", shown(from)),
        }
    }
}

/// A repository-relative path as every output shows it.
fn shown(path: &Path) -> String {
    paths::lossless(path.as_os_str())
}

/// A path git printed (bytes, `/`-separated, relative to the top-level folder).
#[cfg_attr(unix, allow(clippy::unnecessary_wraps, reason = "it fails on other platforms"))]
fn git_path(bytes: &[u8]) -> Result<PathBuf, ToolError> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        Ok(PathBuf::from(OsStr::from_bytes(bytes)))
    }
    #[cfg(not(unix))]
    {
        String::from_utf8(bytes.to_vec())
            .map(PathBuf::from)
            .map_err(|_| ToolError::message("git printed a path that is not UTF-8"))
    }
}

/// Runs git at the repository's top-level folder.
struct Git {
    top: PathBuf,
}

/// How a git command ended when it did not succeed.
enum GitFailure {
    /// git could not be started (not installed, not on `PATH`).
    NotRun(std::io::Error),
    /// It ran and exited with an error; its standard error.
    Failed(String),
}

fn run_git(
    dir: &Path,
    args: &[&OsStr],
    index_file: Option<&Path>,
    input: Option<&[u8]>,
) -> Result<Vec<u8>, GitFailure> {
    let mut command = Command::new("git");
    command
        .args(args)
        .current_dir(dir)
        // Nothing here needs the index lock; never take an optional one.
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(index) = index_file {
        command.env("GIT_INDEX_FILE", index);
    }
    let mut child = command.spawn().map_err(GitFailure::NotRun)?;
    let stdin = child.stdin.take();
    // The input is written from another thread while this one reads the output, so neither
    // side can block on a full pipe.
    let output = std::thread::scope(|scope| {
        if let (Some(mut stdin), Some(input)) = (stdin, input) {
            scope.spawn(move || {
                let _ = stdin.write_all(input);
            });
        }
        child.wait_with_output()
    })
    .map_err(GitFailure::NotRun)?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(GitFailure::Failed(
            String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        ))
    }
}

fn not_run(error: &std::io::Error) -> ToolError {
    ToolError::message(format!(
        "--staged reads the staged change from git, and git could not be run: {error}"
    ))
}

impl Git {
    /// The repository the current folder is in.
    fn find() -> Result<Self, ToolError> {
        let here = std::env::current_dir()
            .map_err(|e| ToolError::message(format!("--staged: cannot read the current folder: {e}")))?;
        let top = match run_git(
            &here,
            &[OsStr::new("rev-parse"), OsStr::new("--show-toplevel")],
            None,
            None,
        ) {
            Ok(out) => out,
            Err(GitFailure::NotRun(e)) => return Err(not_run(&e)),
            Err(GitFailure::Failed(why)) => {
                return Err(ToolError::message(format!(
                    "--staged judges the staged change of a git repository, and {} is not in the work tree of one ({})",
                    paths::lossless(here.as_os_str()),
                    why.lines().next().unwrap_or("git found no repository")
                )));
            }
        };
        let top = top.strip_suffix(b"\n").unwrap_or(&top);
        let top = git_path(top)?;
        Ok(Self { top })
    }

    fn run(&self, args: &[&OsStr], index_file: Option<&Path>, input: Option<&[u8]>) -> Result<Vec<u8>, ToolError> {
        run_git(&self.top, args, index_file, input).map_err(|failure| match failure {
            GitFailure::NotRun(e) => not_run(&e),
            GitFailure::Failed(why) => {
                let command: Vec<String> = args.iter().map(|a| a.to_string_lossy().into_owned()).collect();
                ToolError::message(format!("--staged: `git {}` failed: {why}", command.join(" ")))
            }
        })
    }

    /// Whether the repository has a commit to compare with (not on its first commit).
    fn has_head(&self) -> Result<bool, ToolError> {
        let args = [
            OsStr::new("rev-parse"),
            OsStr::new("--verify"),
            OsStr::new("--quiet"),
            OsStr::new("HEAD^{commit}"),
        ];
        match run_git(&self.top, &args, None, None) {
            Ok(_) => Ok(true),
            Err(GitFailure::Failed(_)) => Ok(false),
            Err(GitFailure::NotRun(e)) => Err(not_run(&e)),
        }
    }

    /// The staged change: the index against `HEAD` (against nothing before the first commit).
    fn changes(&self) -> Result<Vec<Change>, ToolError> {
        let args = [
            "diff",
            "--cached",
            "--name-status",
            "-z",
            "-M",
            "--no-relative",
            "--no-ext-diff",
        ]
        .map(OsStr::new);
        let out = self.run(&args, None, None)?;
        parse_changes(&out)
    }

    /// The entries of an index (the repository's own, or `index_file`).
    fn entries(&self, index_file: Option<&Path>) -> Result<Vec<PathBuf>, ToolError> {
        let out = self.run(&["ls-files", "--stage", "-z"].map(OsStr::new), index_file, None)?;
        parse_entries(&out)
    }

    /// Writes `files` of an index under `prefix` (a folder, created as needed).
    fn checkout(&self, index_file: Option<&Path>, prefix: &Path, files: &[&Path]) -> Result<(), ToolError> {
        if files.is_empty() {
            return Ok(());
        }
        let mut input = Vec::new();
        for file in files {
            input.extend_from_slice(path_bytes(file)?.as_ref());
            input.push(0);
        }
        let mut prefix_arg = OsString::from("--prefix=");
        prefix_arg.push(prefix.as_os_str());
        prefix_arg.push("/");
        let base = [
            OsStr::new("checkout-index"),
            &prefix_arg,
            OsStr::new("-z"),
            OsStr::new("--stdin"),
        ];
        // Files outside a sparse checkout are part of the commit too; git before 2.36 has no
        // such option (and checks every file out anyway).
        let mut with_sparse = base.to_vec();
        with_sparse.push(OsStr::new("--ignore-skip-worktree-bits"));
        match run_git(&self.top, &with_sparse, index_file, Some(&input)) {
            Ok(_) => Ok(()),
            Err(GitFailure::Failed(why)) if why.contains("ignore-skip-worktree-bits") && why.contains("unknown") => {
                self.run(&base, index_file, Some(&input)).map(|_| ())
            }
            Err(GitFailure::Failed(why)) => Err(ToolError::message(format!(
                "--staged: git could not write out the staged files: {why}"
            ))),
            Err(GitFailure::NotRun(e)) => Err(not_run(&e)),
        }
    }
}

/// A path as the bytes git reads.
#[cfg_attr(unix, allow(clippy::unnecessary_wraps, reason = "it fails on other platforms"))]
fn path_bytes(path: &Path) -> Result<std::borrow::Cow<'_, [u8]>, ToolError> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt as _;
        Ok(std::borrow::Cow::Borrowed(path.as_os_str().as_bytes()))
    }
    #[cfg(not(unix))]
    {
        path.to_str()
            .map(|s| std::borrow::Cow::Owned(s.replace('\\', "/").into_bytes()))
            .ok_or_else(|| ToolError::message(format!("{}: not a UTF-8 path", path.display())))
    }
}

/// `git diff --name-status -z` output: `STATUS NUL path NUL`, with two paths for renames and
/// copies.
fn parse_changes(out: &[u8]) -> Result<Vec<Change>, ToolError> {
    let mut fields = out.split(|b| *b == 0).filter(|f| !f.is_empty());
    let mut changes = Vec::new();
    let malformed = || ToolError::message("--staged: git printed a change standoff cannot read");
    while let Some(status) = fields.next() {
        let mut path = || fields.next().ok_or_else(malformed).and_then(git_path);
        let kind = match status.first() {
            Some(b'A') => ChangeKind::Added,
            Some(b'M') => ChangeKind::Modified,
            Some(b'D') => ChangeKind::Deleted,
            Some(b'T') => ChangeKind::TypeChanged,
            Some(b'R') => ChangeKind::Renamed { from: path()? },
            Some(b'C') => ChangeKind::Copied { from: path()? },
            Some(b'U') => {
                let path = path()?;
                return Err(ToolError::message(format!(
                    "--staged: `{}` is unmerged: resolve the conflict and stage the result first",
                    shown(&path)
                )));
            }
            _ => return Err(malformed()),
        };
        changes.push(Change { kind, path: path()? });
    }
    Ok(changes)
}

/// `git ls-files --stage -z` output (`mode SP object SP stage TAB path NUL`): the files
/// standoff may read, regular files and symbolic links.
fn parse_entries(out: &[u8]) -> Result<Vec<PathBuf>, ToolError> {
    let mut entries = Vec::new();
    for record in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let malformed = || ToolError::message("--staged: git printed an index entry standoff cannot read");
        let tab = record.iter().position(|b| *b == b'\t').ok_or_else(malformed)?;
        let (head, path) = (&record[..tab], &record[tab + 1..]);
        let mut parts = head.split(|b| *b == b' ');
        let mode = parts.next().ok_or_else(malformed)?;
        let stage = parts.nth(1).ok_or_else(malformed)?;
        let path = git_path(path)?;
        if stage != b"0" {
            return Err(ToolError::message(format!(
                "--staged: `{}` is unmerged: resolve the conflict and stage the result first",
                shown(&path)
            )));
        }
        // Regular files and links; a submodule (160000) holds nothing of this tree.
        if matches!(mode, b"100644" | b"100755" | b"120000") {
            entries.push(path);
        }
    }
    Ok(entries)
}

/// Whether standoff reads a file of this name when it walks a tree: YAML, and the ignore files.
fn walked_kind(path: &Path) -> bool {
    paths::is_yaml(path) || path.file_name().is_some_and(|n| n == ".gitignore" || n == ".ignore")
}

/// `path` with `.` and `..` resolved without touching the disk.
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// What a tree's config makes standoff read besides the tree: its waiver file and rule folders,
/// relative to the snapshot.
#[derive(Debug, Default)]
struct ConfigReads {
    /// The folder holding the `standoff.yaml`.
    folder: PathBuf,
    waiver: Option<PathBuf>,
    rule_dirs: Vec<PathBuf>,
    /// Rule folders named by a relative path that leaves the repository, as written from the
    /// top level (`design/../../packs`): the snapshot has no such folder.
    rule_dirs_outside: Vec<String>,
}

/// One side of the comparison (`HEAD` or the index) written out under `root`.
struct Snapshot {
    root: PathBuf,
    /// The index file to read (`None`: the repository's own, or `GIT_INDEX_FILE`).
    index_file: Option<PathBuf>,
    entries: BTreeSet<PathBuf>,
    /// The folders that hold a `standoff.yaml` (the tree roots besides the repository's).
    config_folders: BTreeSet<PathBuf>,
    configs: Vec<ConfigReads>,
    /// Every file written out, relative to `root`.
    written: BTreeSet<PathBuf>,
}

/// The folders of the entries that are a `standoff.yaml`: the trees.
fn config_folders_of(entries: &BTreeSet<PathBuf>) -> BTreeSet<PathBuf> {
    entries
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| n == CONFIG_FILE))
        .map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default())
        .collect()
}

impl Snapshot {
    fn new(git: &Git, root: PathBuf, index_file: Option<PathBuf>) -> Result<Self, ToolError> {
        std::fs::create_dir_all(root.join(".git"))
            .map_err(|e| ToolError::message(format!("--staged: cannot create a temporary folder: {e}")))?;
        let entries: BTreeSet<PathBuf> = git.entries(index_file.as_deref())?.into_iter().collect();
        let config_folders = config_folders_of(&entries);
        Ok(Self {
            root,
            index_file,
            entries,
            config_folders,
            configs: Vec::new(),
            written: BTreeSet::new(),
        })
    }

    /// Drops the entries that are only intents to add (`git add -N`): in the index, yet neither
    /// in `head` nor `added` by the staged change (`git diff --cached` leaves them out).
    fn forget_intents_to_add(&mut self, head: &Snapshot, added: &BTreeSet<&Path>) {
        self.entries
            .retain(|p| head.entries.contains(p) || added.contains(p.as_path()));
        self.config_folders = config_folders_of(&self.entries);
    }

    /// An empty side: `HEAD` before the first commit.
    fn empty(root: PathBuf) -> Self {
        Self {
            root,
            index_file: None,
            entries: BTreeSet::new(),
            config_folders: BTreeSet::new(),
            configs: Vec::new(),
            written: BTreeSet::new(),
        }
    }

    fn write(&mut self, git: &Git, files: Vec<PathBuf>) -> Result<(), ToolError> {
        let files: Vec<PathBuf> = files.into_iter().filter(|f| !self.written.contains(f)).collect();
        let refs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
        git.checkout(self.index_file.as_deref(), &self.root, &refs)?;
        self.written.extend(files);
        Ok(())
    }

    /// Writes out every `standoff.yaml` and reads what each makes standoff read besides its tree.
    fn read_configs(&mut self, git: &Git) -> Result<(), ToolError> {
        let configs: Vec<PathBuf> = self.config_folders.iter().map(|f| f.join(CONFIG_FILE)).collect();
        self.write(git, configs)?;
        for folder in &self.config_folders {
            let path = self.root.join(folder).join(CONFIG_FILE);
            // A config that does not load is reported when its tree is judged.
            let Ok(config) = config::load(&path, &shown(&folder.join(CONFIG_FILE))) else {
                continue;
            };
            let inside = |p: &Path| normalise(p).strip_prefix(&self.root).ok().map(Path::to_path_buf);
            // A relative path was joined to the config's folder in the snapshot; an absolute one
            // (outside the repository) is read as it is, like `--rules`.
            let rule_dirs_outside = config
                .rule_dirs
                .iter()
                .filter_map(|d| d.strip_prefix(&self.root).ok().filter(|_| inside(d).is_none()))
                .map(shown)
                .collect();
            self.configs.push(ConfigReads {
                folder: folder.clone(),
                waiver: config.waiver_file.as_deref().and_then(inside),
                rule_dirs: config.rule_dirs.iter().filter_map(|d| inside(d)).collect(),
                rule_dirs_outside,
            });
        }
        Ok(())
    }

    /// The root of the tree `path` belongs to: the deepest folder above it holding a
    /// `standoff.yaml`, else the repository's top level (`""`).
    fn tree_of(&self, path: &Path) -> PathBuf {
        path.parent()
            .into_iter()
            .flat_map(Path::ancestors)
            .find(|a| self.config_folders.contains(*a))
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The configs whose waiver file is `path` or whose rule folders hold it.
    fn configs_reading<'a>(&'a self, path: &'a Path) -> impl Iterator<Item = &'a ConfigReads> + 'a {
        self.configs
            .iter()
            .filter(move |c| c.waiver.as_deref() == Some(path) || c.rule_dirs.iter().any(|d| path.starts_with(d)))
    }

    /// Writes out what judging `roots` reads: the walked files under them, the ignore files of
    /// the folders above them, and their configs' waiver files and rule packs.
    fn write_trees(&mut self, git: &Git, roots: &BTreeSet<PathBuf>) -> Result<(), ToolError> {
        let configs: Vec<&ConfigReads> = self
            .configs
            .iter()
            .filter(|c| roots.iter().any(|r| c.folder.starts_with(r)))
            .collect();
        let waivers: HashSet<&Path> = configs.iter().filter_map(|c| c.waiver.as_deref()).collect();
        let rule_dirs: Vec<&Path> = configs
            .iter()
            .flat_map(|c| c.rule_dirs.iter().map(PathBuf::as_path))
            .collect();
        let above = |p: &Path| {
            p.parent()
                .is_some_and(|folder| roots.iter().any(|r| r.starts_with(folder) && r != folder))
        };
        let files: Vec<PathBuf> = self
            .entries
            .iter()
            .filter(|e| {
                waivers.contains(e.as_path())
                    || (walked_kind(e)
                        && (roots.iter().any(|r| e.starts_with(r))
                            || rule_dirs.iter().any(|d| e.starts_with(d))
                            || (!paths::is_yaml(e) && above(e))))
            })
            .cloned()
            .collect();
        self.write(git, files)
    }

    /// The request's paths for this side: the roots it has, and the changed YAML files (named,
    /// so a file the walk would pass over is judged, as `check FILE` judges it).
    fn judged_paths(&self, roots: &BTreeSet<PathBuf>, files: &BTreeSet<PathBuf>) -> Vec<PathBuf> {
        let roots = roots.iter().map(|r| self.root.join(r)).filter(|r| r.is_dir());
        let files = files
            .iter()
            .filter(|f| self.written.contains(*f))
            .map(|f| self.root.join(f));
        roots.chain(files).collect()
    }
}

/// The same error with the snapshot's folder taken out of its paths, so it names the file as
/// the repository does.
fn unsnapshot(error: ToolError, root: &Path) -> ToolError {
    let mut forms = vec![walk::display(root), paths::lossless(root.as_os_str())];
    if let Ok(real) = std::fs::canonicalize(root) {
        forms.push(paths::lossless(real.as_os_str()));
    }
    let fix = |text: &str| {
        forms
            .iter()
            .fold(text.to_owned(), |text, form| text.replace(&format!("{form}/"), ""))
    };
    match error {
        ToolError::Message(text) => ToolError::Message(fix(&text)),
        ToolError::Located { title, errors } => ToolError::Located {
            title: fix(&title),
            errors: errors
                .into_iter()
                .map(|mut e| {
                    e.path = fix(&e.path);
                    e.message = fix(&e.message);
                    e
                })
                .collect(),
        },
    }
}

/// A finding's weight, to tell whether `HEAD` had it already: whether it counts (not waived,
/// not accepted) and its severity.
fn weight(finding: &Finding) -> (bool, Severity) {
    (finding.waiver.is_none() && finding.accepted.is_none(), finding.severity)
}

/// Where a finding is: its rule, file, document, pointer and span.
type Place<'a> = (&'a str, &'a str, Option<u32>, Option<&'a str>, Option<(u32, u32)>);

/// What makes a finding of a file the change leaves alone the same finding on both sides: the
/// file's text is the same, so the same finding has the same rule and the same place. (Not the
/// fingerprint: that changes with the sensitivity another file can give the project, and would
/// then call every finding of the tree new.)
fn place<'a>(finding: &'a Finding, checked: &'a Checked) -> Place<'a> {
    (
        finding.rule.as_ref(),
        checked
            .files
            .get(finding.file.0 as usize)
            .map_or("", |f| f.path.as_str()),
        finding.document,
        finding.pointer.as_deref(),
        finding.span.map(|s| (s.start, s.end)),
    )
}

/// The project names of the documents of each file.
fn projects_by_file(checked: &Checked) -> HashMap<&str, HashSet<&str>> {
    let mut out: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (d, document) in checked.documents.iter().enumerate() {
        let Some(file) = checked.files.get(document.file.0 as usize) else {
            continue;
        };
        let entry = out.entry(file.path.as_str()).or_default();
        if let Some(project) = checked.projects.project_of(d) {
            entry.insert(project.name.as_str());
        }
    }
    out
}

/// The project of a finding's document, if any.
fn project_of<'a>(finding: &Finding, checked: &'a Checked) -> Option<&'a str> {
    crate::engine::annotate::document_of(finding, &checked.documents)
        .and_then(|d| checked.projects.project_of(d))
        .map(|p| p.name.as_str())
}

/// Who caused a finding outside the changed files: the changes of its tree, narrowed to those
/// that touch its project when some do.
struct Causes<'a> {
    changes: &'a [&'a Change],
    /// For each change, the trees it touches (as shown).
    trees: Vec<HashSet<String>>,
    /// For each change, the projects of its documents on either side.
    projects: Vec<HashSet<&'a str>>,
}

impl<'a> Causes<'a> {
    fn new(
        changes: &'a [&'a Change],
        trees: &[BTreeSet<PathBuf>],
        now: &'a Checked,
        before: Option<&'a Checked>,
    ) -> Self {
        let projects_now = projects_by_file(now);
        let projects_before = before.map(projects_by_file).unwrap_or_default();
        let projects = changes
            .iter()
            .map(|c| {
                let now = c.new_path().and_then(|p| projects_now.get(shown(p).as_str()));
                let then = c.old_path().and_then(|p| projects_before.get(shown(p).as_str()));
                now.into_iter().chain(then).flatten().copied().collect()
            })
            .collect();
        Self {
            changes,
            trees: trees.iter().map(|t| t.iter().map(|t| shown(t)).collect()).collect(),
            projects,
        }
    }

    /// The label of a finding in `tree` (as shown), in `project`.
    fn label(&self, tree: &str, project: Option<&str>) -> String {
        let in_tree: Vec<usize> = (0..self.changes.len())
            .filter(|&i| self.trees[i].contains(tree))
            .collect();
        let in_project: Vec<usize> = in_tree
            .iter()
            .copied()
            .filter(|&i| project.is_some_and(|p| self.projects[i].contains(p)))
            .collect();
        let causes = if in_project.is_empty() { in_tree } else { in_project };
        let mut named: Vec<String> = causes
            .iter()
            .take(CAUSES_SHOWN)
            .map(|&i| self.changes[i].describe())
            .collect();
        if causes.len() > CAUSES_SHOWN {
            named.push(format!("and {} more", causes.len() - CAUSES_SHOWN));
        }
        if named.is_empty() {
            "caused by this commit".to_owned()
        } else {
            format!("caused by this commit: {}", named.join(", "))
        }
    }
}

/// The findings to report: every finding in a changed file, and those elsewhere that `before`
/// (`HEAD`) did not have at the same place at least as heavily, labelled with their causes;
/// when `HEAD` could not be judged, every finding of the touched trees (fail closed: nothing
/// the change breaks goes unreported for want of a comparison). A tree whose config changed
/// is changed in all its files: a new `fail-on`, exclude or waiver reaches every one.
fn select(now: &Checked, before: Option<&Checked>, causes: &Causes<'_>, index: &Snapshot) -> Vec<Finding> {
    let changed: HashSet<String> = causes.changes.iter().filter_map(|c| c.new_path()).map(shown).collect();
    let mut weights_before: HashMap<Place<'_>, (bool, Severity)> = HashMap::new();
    if let Some(checked) = before {
        for finding in &checked.findings {
            let w = weight(finding);
            weights_before
                .entry(place(finding, checked))
                .and_modify(|old| *old = (*old).max(w))
                .or_insert(w);
        }
    }
    let written: HashMap<String, &PathBuf> = index.written.iter().map(|p| (shown(p), p)).collect();
    // The trees whose own config the change touches.
    let reconfigured: HashSet<PathBuf> = causes
        .changes
        .iter()
        .filter_map(|c| c.new_path())
        .filter(|p| p.file_name().is_some_and(|n| n == CONFIG_FILE))
        .map(|p| p.parent().map(Path::to_path_buf).unwrap_or_default())
        .collect();
    let mut kept = Vec::new();
    for finding in &now.findings {
        let file = now.files.get(finding.file.0 as usize).map_or("", |f| f.path.as_str());
        let in_reconfigured = written
            .get(file)
            .is_some_and(|p| reconfigured.contains(&index.tree_of(p)));
        if changed.contains(file) || in_reconfigured {
            kept.push(finding.clone());
            continue;
        }
        if before.is_none() {
            let mut labelled = finding.clone();
            labelled.message = format!(
                "{} (reported in full: HEAD could not be judged to tell what this commit changed)",
                finding.message
            );
            kept.push(labelled);
            continue;
        }
        let (counts, severity) = weight(finding);
        let covered = weights_before
            .get(&place(finding, now))
            .is_some_and(|&(had_counts, had_severity)| !counts || (had_counts && had_severity >= severity));
        if covered {
            continue;
        }
        let tree = written.get(file).map(|p| shown(&index.tree_of(p))).unwrap_or_default();
        let mut labelled = finding.clone();
        labelled.message = format!(
            "{} ({})",
            finding.message,
            causes.label(&tree, project_of(finding, now))
        );
        kept.push(labelled);
    }
    kept
}

/// The request judging one side: `request`'s options on `paths`, at one date for both sides.
fn side_request<'a>(
    request: &'a JudgeRequest<'_>,
    paths: &'a [PathBuf],
    as_of: Option<Date>,
    verbose: bool,
) -> JudgeRequest<'a> {
    JudgeRequest {
        paths,
        config: None,
        rules: request.rules,
        stage: request.stage,
        as_of,
        lookahead: request.lookahead,
        gate: None,
        select: request.select.clone(),
        ignore: request.ignore.clone(),
        verbose,
        stdin: None,
        buffers: &[],
    }
}

/// The most changes a label names.
const CAUSES_SHOWN: usize = 3;

/// Judges the staged change of the repository the current folder is in. `request` gives the
/// options (its paths, config and standard input are not used).
pub(crate) fn judge(request: &JudgeRequest<'_>) -> Result<Staged, ToolError> {
    let git = Git::find()?;
    let mut notes = Vec::new();
    let changes = git.changes()?;
    let temp = tempfile::Builder::new()
        .prefix("standoff-staged-")
        .tempdir()
        .map_err(|e| ToolError::message(format!("--staged: cannot create a temporary folder: {e}")))?;
    // The snapshots hold copies of the design documents (some OFFICIAL-SENSITIVE): only their
    // owner may read them, in a shared /tmp.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o700))
            .map_err(|e| ToolError::message(format!("--staged: cannot make the temporary folder private: {e}")))?;
    }
    let mut index = Snapshot::new(&git, temp.path().join("index"), None)?;
    let mut head = if git.has_head()? {
        let index_file = temp.path().join("head.index");
        git.run(&[OsStr::new("read-tree"), OsStr::new("HEAD")], Some(&index_file), None)?;
        Snapshot::new(&git, temp.path().join("head"), Some(index_file))?
    } else {
        let root = temp.path().join("head");
        std::fs::create_dir_all(root.join(".git"))
            .map_err(|e| ToolError::message(format!("--staged: cannot create a temporary folder: {e}")))?;
        Snapshot::empty(root)
    };
    // An entry of the index that HEAD does not have and the staged change does not add is
    // only an intent to add (`git add -N`): the commit will not hold it, so neither is it judged.
    let added: BTreeSet<&Path> = changes.iter().filter_map(Change::new_path).collect();
    index.forget_intents_to_add(&head, &added);
    // The repository's own excludes apply to both sides, as they apply to `check`.
    if let Ok(out) = git.run(&["rev-parse", "--git-path", "info/exclude"].map(OsStr::new), None, None) {
        let exclude = git_path(out.strip_suffix(b"\n").unwrap_or(&out)).map(|p| git.top.join(p));
        if let Ok(exclude) = exclude
            && exclude.is_file()
        {
            for side in [&index, &head] {
                let info = side.root.join(".git").join("info");
                let _ = std::fs::create_dir_all(&info).and_then(|()| std::fs::copy(&exclude, info.join("exclude")));
            }
        }
    }
    index.read_configs(&git)?;
    head.read_configs(&git)?;
    // The changes standoff sees: files it walks, and waiver files named by a config.
    let relevant: Vec<&Change> = changes
        .iter()
        .filter(|c| {
            c.paths()
                .any(|p| walked_kind(p) || [&index, &head].iter().any(|s| s.configs_reading(p).next().is_some()))
        })
        .collect();
    if request.verbose {
        for change in &changes {
            notes.push(format!("staged: {}", change.describe()));
        }
    }
    let as_of = Some(request.as_of.unwrap_or_else(Date::today_utc));
    if relevant.is_empty() {
        notes.push("nothing staged that standoff reads (no YAML, ignore or waiver file changed)".to_owned());
        let mut judgement = judge::judge(&side_request(request, &[], as_of, false))?;
        judgement.root.clone_from(&git.top);
        return Ok(Staged { judgement, notes });
    }
    // The trees the change touches, on either side, by where each path is and by the configs
    // that read it.
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    let mut trees_of_change: Vec<BTreeSet<PathBuf>> = Vec::new();
    for change in &relevant {
        let mut trees = BTreeSet::new();
        for path in change.paths() {
            for side in [&index, &head] {
                trees.insert(side.tree_of(path));
                trees.extend(side.configs_reading(path).map(|c| c.folder.clone()));
            }
        }
        roots.extend(trees.iter().cloned());
        trees_of_change.push(trees);
    }
    // A tree whose config reaches out of the repository for its rule packs cannot be judged
    // from the snapshot: said plainly, rather than as a missing folder in a temporary one.
    if let Some((config, dir)) = index
        .configs
        .iter()
        .filter(|c| roots.iter().any(|r| c.folder.starts_with(r)))
        .find_map(|c| c.rule_dirs_outside.first().map(|d| (c.folder.join(CONFIG_FILE), d)))
    {
        return Err(ToolError::message(format!(
            "{} names the rules folder {dir}, outside the repository: --staged judges what the commit holds, so keep the rule packs in the repository (or name them with --rules)",
            shown(&config)
        )));
    }
    index.write_trees(&git, &roots)?;
    head.write_trees(&git, &roots)?;
    let named_new: BTreeSet<PathBuf> = relevant
        .iter()
        .filter_map(|c| c.new_path())
        .filter(|p| paths::is_yaml(p))
        .map(Path::to_path_buf)
        .collect();
    let named_old: BTreeSet<PathBuf> = relevant
        .iter()
        .filter_map(|c| c.old_path())
        .filter(|p| paths::is_yaml(p))
        .map(Path::to_path_buf)
        .collect();
    let index_paths = index.judged_paths(&roots, &named_new);
    let mut judgement = judge::judge(&side_request(request, &index_paths, as_of, request.verbose))
        .map_err(|e| unsnapshot(e, &index.root))?;
    // Without paths (a first commit, a tree the change creates) this judges nothing.
    let head_paths = head.judged_paths(&roots, &named_old);
    let before = match judge::judge(&side_request(request, &head_paths, as_of, false)) {
        Ok(before) => Some(before),
        Err(e) => {
            notes.push(format!(
                "HEAD could not be judged, so every finding of the trees the change touches is reported: {}",
                unsnapshot(e, &head.root)
            ));
            None
        }
    };
    let causes = Causes::new(
        &relevant,
        &trees_of_change,
        &judgement.checked,
        before.as_ref().map(|b| &b.checked),
    );
    let kept = select(&judgement.checked, before.as_ref().map(|b| &b.checked), &causes, &index);
    judgement.checked.findings = kept;
    crate::policy::recount(&mut judgement.checked);
    // Outputs are guarded against the repository's own files, not the snapshot's.
    let real_roots: Vec<PathBuf> = roots.iter().map(|r| git.top.join(r)).collect();
    let real_inputs: Vec<PathBuf> = index.written.iter().map(|f| git.top.join(f)).collect();
    judgement.guard = Guard::for_run(
        &real_roots,
        real_inputs.iter().map(PathBuf::as_path),
        &config::Config::default(),
        request.rules,
    );
    judgement.root.clone_from(&git.top);
    Ok(Staged { judgement, notes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_are_read_with_renames_and_odd_names() {
        let out = b"M\0a b/\xc3\xa9.yaml\0R087\0old.yaml\0new.yaml\0D\0gone.yaml\0A\0x.yml\0T\0link.yaml\0";
        let changes = parse_changes(out).unwrap();
        let described: Vec<String> = changes.iter().map(Change::describe).collect();
        assert_eq!(
            described,
            [
                "`a b/\u{e9}.yaml` modified",
                "`old.yaml` renamed to `new.yaml`",
                "`gone.yaml` deleted",
                "`x.yml` added",
                "`link.yaml` changed type",
            ]
        );
        assert_eq!(changes[1].old_path(), Some(Path::new("old.yaml")));
        assert_eq!(changes[2].new_path(), None);
        assert!(parse_changes(b"R100\0only-one\0").is_err());
        assert!(parse_changes(b"U\0conflict.yaml\0").is_err());
        assert!(parse_changes(b"Z\0what.yaml\0").is_err());
    }

    #[test]
    fn index_entries_keep_files_and_links_and_refuse_conflicts() {
        let out = b"100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\ta.yaml\0\
120000 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\tlink.yaml\0\
160000 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 0\tsub\0";
        let entries = parse_entries(out).unwrap();
        assert_eq!(entries, [Path::new("a.yaml"), Path::new("link.yaml")]);
        assert!(parse_entries(b"100644 e69de29bb2d1d6434b8b29ae775ad8c2e48c5391 2\ta.yaml\0").is_err());
        assert!(parse_entries(b"garbage\0").is_err());
    }

    #[test]
    fn trees_are_found_from_the_listing() {
        let mut side = Snapshot::empty(PathBuf::from("/nowhere"));
        side.config_folders.insert(PathBuf::from("a"));
        side.config_folders.insert(PathBuf::from("a/b"));
        assert_eq!(side.tree_of(Path::new("a/b/c/d.yaml")), Path::new("a/b"));
        assert_eq!(side.tree_of(Path::new("a/standoff.yaml")), Path::new("a"));
        assert_eq!(side.tree_of(Path::new("a/x.yaml")), Path::new("a"));
        assert_eq!(side.tree_of(Path::new("top.yaml")), Path::new(""));
        assert_eq!(side.tree_of(Path::new("ab/x.yaml")), Path::new(""));
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(normalise(Path::new("/t/index/a/../../packs")), Path::new("/t/packs"));
        assert_eq!(
            normalise(Path::new("/t/index/./a/w.yaml")),
            Path::new("/t/index/a/w.yaml")
        );
    }
}
