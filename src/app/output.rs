//! Every file standoff writes (`check --output`, `check --write-baseline`, `gate --out`) goes
//! through this module: a [`Guard`] refuses a destination that is, or resolves to, an input of
//! the run, and [`write_files`] writes through a new temporary file in the destination's folder
//! that is then renamed over the destination, so a link planted there is replaced, never
//! written through. `-` names standard output.

use std::collections::HashMap;
use std::io::{self, Write as _};
use std::path::{Component, Path, PathBuf};

use crate::app::walk;
use crate::error::ToolError;
use crate::paths;

/// Where one output goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    /// `None` and `-` are standard output; anything else is a file.
    #[must_use]
    pub(crate) fn from_arg(path: Option<&PathBuf>) -> Self {
        match path {
            Some(p) if !is_dash(p) => Self::File(p.clone()),
            _ => Self::Stdout,
        }
    }

    #[must_use]
    pub(crate) fn is_stdout(&self) -> bool {
        matches!(self, Self::Stdout)
    }
}

/// Whether a path argument is `-` (standard input or output).
#[must_use]
pub(crate) fn is_dash(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The inputs of a run, which no output may replace. Resolved on the first check only, so a
/// run that writes no file pays nothing for it.
#[derive(Clone, Debug, Default)]
pub(crate) struct Guard {
    /// Walked folders (and files named as roots) and rule-pack folders.
    roots: Vec<PathBuf>,
    /// Every input file.
    files: Vec<PathBuf>,
    resolved: std::sync::OnceLock<Resolved>,
}

#[derive(Clone, Debug, Default)]
struct Resolved {
    /// Each input by its resolved path and by the path of its folder entry, as it is shown.
    files: HashMap<PathBuf, String>,
    /// Each input by device and inode, so a second name of an input (a hard link) is refused too.
    #[cfg(unix)]
    ids: HashMap<(u64, u64), String>,
    /// Folders whose YAML files the run reads (the walked trees, rule-pack folders): a new YAML
    /// file there would be an input of the next run.
    folders: Vec<(PathBuf, String)>,
}

/// The resolved names of one input file (none when it does not exist).
fn file_names(path: &Path) -> Resolved {
    let mut out = Resolved::default();
    let shown = walk::display(path);
    if let Ok(entry) = resolve_entry(path) {
        out.files.insert(entry, shown.clone());
    }
    if let Ok(target) = std::fs::canonicalize(path) {
        out.files.entry(target).or_insert_with(|| shown.clone());
    }
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::MetadataExt as _;
        out.ids.insert((meta.dev(), meta.ino()), shown);
    }
    out
}

impl Resolved {
    fn merge(mut self, other: Self) -> Self {
        for (k, v) in other.files {
            self.files.entry(k).or_insert(v);
        }
        #[cfg(unix)]
        for (k, v) in other.ids {
            self.ids.entry(k).or_insert(v);
        }
        self.folders.extend(other.folders);
        self
    }
}

impl Guard {
    /// Protects what another tree's guard protects too (a run over several trees).
    pub(crate) fn absorb(&mut self, other: Guard) {
        self.roots.extend(other.roots);
        self.files.extend(other.files);
        self.resolved = std::sync::OnceLock::new();
    }

    /// Protects one input file (it need not exist; an absent file protects nothing).
    pub(crate) fn protect_file(&mut self, path: &Path) {
        self.files.push(path.to_path_buf());
        self.resolved = std::sync::OnceLock::new();
    }

    /// The guard for a judged run: every file it walked or read, the config and waiver files in
    /// force, the walked roots and the rule-pack folders it loaded.
    #[must_use]
    pub(crate) fn for_run<'a>(
        roots: &[PathBuf],
        inputs: impl IntoIterator<Item = &'a Path>,
        config: &crate::app::config::Config,
        rule_dirs: &[PathBuf],
    ) -> Self {
        let mut guard = Self::default();
        guard
            .roots
            .extend(roots.iter().chain(&config.rule_dirs).chain(rule_dirs).cloned());
        guard.files.extend(inputs.into_iter().map(Path::to_path_buf));
        guard
            .files
            .extend(config.path.iter().chain(config.waiver_file.iter()).cloned());
        guard
    }

    fn resolved(&self) -> &Resolved {
        use rayon::prelude::*;
        self.resolved.get_or_init(|| {
            let mut resolved = self
                .files
                .par_iter()
                .map(|f| file_names(f))
                .reduce(Resolved::default, Resolved::merge);
            for root in &self.roots {
                if std::fs::metadata(root).is_ok_and(|m| m.is_dir()) {
                    if let Ok(folder) = std::fs::canonicalize(root) {
                        resolved.folders.push((folder, walk::display(root)));
                    }
                } else {
                    resolved = resolved.merge(file_names(root));
                }
            }
            resolved
        })
    }

    /// Refuses (exit 2) a destination that is an input, resolves through a link to one, or is a
    /// new YAML file inside a folder the run reads.
    pub(crate) fn check(&self, destination: &Path) -> Result<(), ToolError> {
        let shown = walk::display(destination);
        let refuse = |why: String| {
            Err(ToolError::message(format!(
                "refusing to write {shown}: {why}; choose an output path outside the inputs"
            )))
        };
        let entry = resolve_entry(destination).map_err(|e| ToolError::message(format!("cannot write {shown}: {e}")))?;
        let resolved = self.resolved();
        if let Some(input) = resolved.files.get(&entry) {
            return refuse(format!("it is {input}, an input of this run"));
        }
        let link = std::fs::symlink_metadata(&entry).is_ok_and(|m| m.file_type().is_symlink());
        if let Ok(target) = std::fs::canonicalize(&entry)
            && let Some(input) = resolved.files.get(&target)
        {
            return refuse(if link {
                format!("it is a symbolic link to {input}, an input of this run")
            } else {
                format!("it is {input}, an input of this run")
            });
        }
        #[cfg(unix)]
        if let Ok(meta) = std::fs::metadata(&entry) {
            use std::os::unix::fs::MetadataExt as _;
            if let Some(input) = resolved.ids.get(&(meta.dev(), meta.ino())) {
                return refuse(format!("it is another name of {input}, an input of this run"));
            }
        }
        // An existing file of the tree that is not a report (a README, a drawing register, a
        // build file) is the tree's own: never replaced by a report. A report of an earlier run
        // (`.json`, `.sarif`, `.xml`, `.html`, `.txt`, `.log`) may be.
        let report_like = entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| REPORT_EXTENSIONS.iter().any(|r| e.eq_ignore_ascii_case(r)));
        if !report_like
            && std::fs::metadata(&entry).is_ok_and(|m| m.is_file())
            && let Some((_, folder)) = resolved.folders.iter().find(|(f, _)| entry.starts_with(f))
        {
            return refuse(format!(
                "it is an existing file of {folder}, the tree being checked, and not a report"
            ));
        }
        if paths::is_yaml(&entry)
            && let Some((_, folder)) = resolved.folders.iter().find(|(f, _)| entry.starts_with(f))
        {
            return refuse(format!(
                "it is a YAML file inside {folder}, which this run reads, so the next run would read it as an input"
            ));
        }
        Ok(())
    }
}

/// Extensions of the files a report may replace inside the tree (an earlier run's report).
const REPORT_EXTENSIONS: [&str; 6] = ["json", "sarif", "xml", "html", "txt", "log"];

/// The absolute path of the folder entry a write to `path` creates or replaces: every existing
/// folder on the way resolved (links included), folders still to be created taken as written,
/// the last component kept as it is (a link there is replaced by the write, not followed).
fn resolve_entry(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let Some(name) = absolute.file_name().map(std::ffi::OsStr::to_os_string) else {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "not a file name"));
    };
    let parent = absolute.parent().unwrap_or(&absolute);
    // The common case: the folder exists.
    if let Ok(resolved) = std::fs::canonicalize(parent) {
        return Ok(resolved.join(name));
    }
    let mut current = PathBuf::new();
    let mut exists = true;
    for component in parent.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => current.push(component),
            Component::CurDir => {}
            Component::ParentDir => {
                current.pop();
            }
            Component::Normal(part) => {
                current.push(part);
                if exists {
                    match std::fs::canonicalize(&current) {
                        Ok(resolved) => current = resolved,
                        // A dangling link on the way cannot be created through.
                        Err(e) if std::fs::symlink_metadata(&current).is_ok() => return Err(e),
                        // Folders from here on are created by the write: real folders, so `..`
                        // after them is lexical.
                        Err(_) => exists = false,
                    }
                }
            }
        }
    }
    if !exists {
        // A `..` may have climbed back into existing folders: resolve what exists again.
        if let Some(resolved) = nearest_existing(&current) {
            current = resolved;
        }
    }
    Ok(current.join(name))
}

/// `path` with its longest existing prefix resolved.
fn nearest_existing(path: &Path) -> Option<PathBuf> {
    let mut rest = Vec::new();
    let mut existing = path;
    loop {
        if let Ok(resolved) = std::fs::canonicalize(existing) {
            let mut out = resolved;
            out.extend(rest.iter().rev());
            return Some(out);
        }
        rest.push(existing.file_name()?);
        existing = existing.parent()?;
    }
}

/// Checks every destination, then writes each (so a refusal writes nothing). Each write goes
/// to a new temporary file (created exclusively) in the destination's folder, which is created
/// if missing, then renamed over the destination.
pub(crate) fn write_files(files: &[(&Path, &[u8])], guard: &Guard) -> Result<(), ToolError> {
    for (path, _) in files {
        guard.check(path)?;
    }
    for (path, bytes) in files {
        write_atomic(path, bytes)
            .map_err(|e| ToolError::message(format!("cannot write {}: {e}", walk::display(path))))?;
    }
    Ok(())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    // A device (`/dev/null`, a terminal) is written to, never replaced by a file (as root, the
    // rename would replace the device itself); a FIFO, socket or block device is refused, as
    // no report belongs there (standard output is `-`).
    #[cfg(unix)]
    if let Ok(meta) = std::fs::metadata(path) {
        use std::os::unix::fs::FileTypeExt as _;
        let kind = meta.file_type();
        if kind.is_char_device() {
            let mut device = std::fs::OpenOptions::new().write(true).open(path)?;
            return device.write_all(bytes);
        }
        if kind.is_fifo() || kind.is_socket() || kind.is_block_device() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "not a regular file (a FIFO, socket or block device); write standard output with `-`",
            ));
        }
    }
    std::fs::create_dir_all(parent)?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".standoff-").suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        // What a plain write would create: 0666 less the umask.
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder.tempfile_in(parent)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    // A regular file being replaced keeps its permissions (a link does not lend its target's).
    if let Ok(meta) = std::fs::symlink_metadata(path)
        && meta.is_file()
    {
        std::fs::set_permissions(temp.path(), meta.permissions())?;
    }
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Appends to a file (GitHub's step summary) through the guard: refused as any output when it
/// is an input; never through a symbolic link (refused); the file as it was plus `bytes` is
/// written as a new file renamed over it, so a reader never sees half of it.
pub(crate) fn append(path: &Path, bytes: &[u8], guard: &Guard) -> Result<(), ToolError> {
    guard.check(path)?;
    let shown = walk::display(path);
    let mut text = match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(ToolError::message(format!(
                "refusing to append to {shown}: it is a symbolic link"
            )));
        }
        Ok(meta) if !meta.is_file() => {
            return Err(ToolError::message(format!("refusing to append to {shown}: not a file")));
        }
        Ok(_) => std::fs::read(path).map_err(|e| ToolError::message(format!("cannot read {shown}: {e}")))?,
        Err(_) => Vec::new(),
    };
    text.extend_from_slice(bytes);
    write_atomic(path, &text).map_err(|e| ToolError::message(format!("cannot write {shown}: {e}")))
}

/// Writes to standard output (a closed pipe is not an error).
pub(crate) fn write_stdout(buffer: &[u8]) -> Result<(), ToolError> {
    let mut stdout = io::stdout().lock();
    match stdout.write_all(buffer).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(ToolError::message(format!("cannot write the report: {e}")))
        }
        _ => Ok(()),
    }
}

/// Writes one output to its destination.
pub(crate) fn emit(buffer: &[u8], destination: &Destination, guard: &Guard) -> Result<(), ToolError> {
    match destination {
        Destination::Stdout => write_stdout(buffer),
        Destination::File(path) => write_files(&[(path, buffer)], guard),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dash_is_stdout() {
        assert_eq!(Destination::from_arg(Some(&PathBuf::from("-"))), Destination::Stdout);
        assert_eq!(Destination::from_arg(None), Destination::Stdout);
        assert_eq!(
            Destination::from_arg(Some(&PathBuf::from("./-"))),
            Destination::File(PathBuf::from("./-"))
        );
    }

    #[test]
    fn parent_climbs_are_resolved() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("t");
        std::fs::create_dir(&t).unwrap();
        std::fs::write(t.join("project.yaml"), "x").unwrap();
        let mut guard = Guard::default();
        guard.protect_file(&t.join("project.yaml"));
        // Through a folder that does not exist yet and back.
        let sneaky = dir.path().join("new/../t/project.yaml");
        assert!(guard.check(&sneaky).is_err());
        let fine = dir.path().join("new/out.json");
        assert!(guard.check(&fine).is_ok());
    }

    #[test]
    fn yaml_inside_a_read_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut guard = Guard::default();
        guard.roots.push(dir.path().to_path_buf());
        assert!(guard.check(&dir.path().join("sub/report.yaml")).is_err());
        assert!(guard.check(&dir.path().join("sub/report.json")).is_ok());
    }
}
