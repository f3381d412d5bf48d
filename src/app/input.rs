//! Reading the files a run checks: regular files only (a FIFO, socket or device is reported,
//! never opened for a blocking read), each bounded by the file-size limit; and standard input
//! (`standoff check -`, reported at `--stdin-filename`).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::model::source::FileInput;
use crate::yaml::Limits;

/// What a file that is not a regular file is, in words.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    if file_type.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_socket() {
            return "a socket";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
    }
    "a special file"
}

/// The finding text for a file that is not a regular file.
fn not_regular(file_type: std::fs::FileType) -> FileInput {
    let kind = kind_of(file_type);
    let mut message = format!("not a regular file ({kind}); it was not opened");
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        // What `/dev/stdin` or a shell's `<(...)` names.
        if file_type.is_fifo() || file_type.is_char_device() {
            message.push_str("; to check standard input, pass `-` (with `--stdin-filename PATH`)");
        }
    }
    FileInput::Unreadable(message)
}

/// Opens a file for reading without blocking on a FIFO or a device swapped in after the check.
fn open(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Reads one input file: a regular file (links followed), at most the file-size limit.
#[must_use]
pub(crate) fn read_input(path: &Path, limits: &Limits) -> FileInput {
    // The type first: opening a FIFO for reading blocks until a writer comes.
    match std::fs::metadata(path) {
        Ok(meta) if !meta.is_file() => return not_regular(meta.file_type()),
        Ok(_) => {}
        Err(e) => return FileInput::Unreadable(e.to_string()),
    }
    let file = match open(path) {
        Ok(f) => f,
        Err(e) => return FileInput::Unreadable(e.to_string()),
    };
    // And again on what was opened, in case the path changed in between.
    let size = match file.metadata() {
        Ok(meta) if !meta.is_file() => return not_regular(meta.file_type()),
        Ok(meta) => meta.len(),
        Err(e) => return FileInput::Unreadable(e.to_string()),
    };
    if size > limits.max_file_size {
        return FileInput::TooLarge { size };
    }
    read_bounded(file, limits, usize::try_from(size).unwrap_or(0))
}

/// Reads at most one byte past the limit: a file that grows while read is still bounded.
fn read_bounded(reader: impl std::io::Read, limits: &Limits, capacity: usize) -> FileInput {
    let mut bytes = Vec::with_capacity(capacity);
    match reader
        .take(limits.max_file_size.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        Ok(_) if bytes.len() as u64 > limits.max_file_size => FileInput::TooLarge {
            size: bytes.len() as u64,
        },
        Ok(_) => FileInput::Bytes(bytes),
        Err(e) => FileInput::Unreadable(e.to_string()),
    }
}

/// Standard input as the document of one file (`standoff check -`).
#[derive(Clone, Debug)]
pub(crate) struct Stdin {
    /// The path it is reported at (`--stdin-filename`, else `-`).
    pub(crate) path: PathBuf,
}

impl Stdin {
    /// The path to report standard input at.
    #[must_use]
    pub(crate) fn new(stdin_filename: Option<&PathBuf>) -> Self {
        Self {
            path: stdin_filename.map_or_else(|| PathBuf::from("-"), |p| crate::paths::clean(p)),
        }
    }
}

/// An editor's text of a file, judged in the place of the file on disk (the language server:
/// what is being typed, not what was last saved).
#[derive(Clone, Debug)]
pub(crate) struct Buffer {
    pub(crate) path: PathBuf,
    pub(crate) text: Vec<u8>,
}

/// Puts `content` in the place of the file at `path` among the inputs (the file as it is on
/// disk, if the walk met it, is replaced), or adds it.
fn splice(inputs: &mut Vec<(PathBuf, Option<FileInput>)>, path: &Path, content: FileInput) {
    let wanted = std::fs::canonicalize(path).ok();
    let slot = inputs
        .iter_mut()
        .find(|(p, _)| *p == path || (wanted.is_some() && std::fs::canonicalize(p).ok() == wanted));
    match slot {
        Some(slot) => slot.1 = Some(content),
        None => inputs.push((path.to_path_buf(), Some(content))),
    }
}

/// Puts standard input in the place of the file it stands for among the inputs, or adds it.
/// Read at most to the file-size limit.
pub(crate) fn splice_stdin(inputs: &mut Vec<(PathBuf, Option<FileInput>)>, stdin: Option<&Stdin>, limits: &Limits) {
    let Some(stdin) = stdin else {
        return;
    };
    let content = read_bounded(std::io::stdin().lock(), limits, 0);
    splice(inputs, &stdin.path, content);
}

/// Puts each editor buffer in the place of its file among the inputs, within the file-size
/// limit. Only files the walk met are replaced: a buffer of another tree, or of a file this
/// tree excludes, is not judged here.
pub(crate) fn splice_buffers(inputs: &mut [(PathBuf, Option<FileInput>)], buffers: &[Buffer], limits: &Limits) {
    for buffer in buffers {
        let wanted = std::fs::canonicalize(&buffer.path).ok();
        // The file itself, never a link to it: a link the walk did not follow is a finding of
        // its own (already decided, so not `None`), and one it followed is another input.
        let slot = inputs.iter_mut().find(|(p, input)| {
            input.is_none()
                && (*p == buffer.path
                    || (wanted.is_some()
                        && !std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
                        && std::fs::canonicalize(p).ok() == wanted))
        });
        if let Some(slot) = slot {
            slot.1 = Some(read_bounded(buffer.text.as_slice(), limits, 0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let FileInput::Unreadable(message) = read_input(dir.path(), &Limits::default()) else {
            panic!("a folder was read");
        };
        assert!(message.starts_with("not a regular file"), "{message}");
    }

    #[test]
    fn reading_is_bounded() {
        let limits = Limits {
            max_file_size: 4,
            ..Limits::default()
        };
        assert!(matches!(
            read_bounded(&b"123456"[..], &limits, 0),
            FileInput::TooLarge { size: 5 }
        ));
        assert!(matches!(read_bounded(&b"1234"[..], &limits, 0), FileInput::Bytes(_)));
    }
}
