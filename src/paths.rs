//! Paths as text: how every output shows a path (lossless, `/`-separated, relative to the
//! working folder or a root), and which paths name YAML files. No walking and no reading here,
//! so every layer can use them.

use std::path::{Component, Path, PathBuf};

/// Whether a path names a YAML file (`.yaml` or `.yml`, any case).
#[must_use]
pub(crate) fn is_yaml(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Removes `./` components so paths print as users type them.
#[must_use]
pub(crate) fn clean(path: &Path) -> PathBuf {
    let cleaned: PathBuf = path.components().filter(|c| *c != Component::CurDir).collect();
    if cleaned.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        cleaned
    }
}

/// A file name or path as text, without losing anything: valid UTF-8 as it is, each byte that
/// is not (a non-UTF-8 name on Unix) as `\xNN`, and a backslash as `\\`, so the display is
/// one-to-one and [`lossless_bytes`] gives the bytes back. On Windows, `\` separators print as
/// `/` and an unpaired surrogate as `\u{d800}`. Control and bidirectional characters are kept
/// here (machine outputs carry the real name); every terminal channel escapes them.
#[must_use]
pub(crate) fn lossless(name: &std::ffi::OsStr) -> String {
    #[cfg(unix)]
    {
        use std::fmt::Write as _;
        use std::os::unix::ffi::OsStrExt as _;
        let mut out = String::with_capacity(name.len());
        for chunk in name.as_bytes().utf8_chunks() {
            for c in chunk.valid().chars() {
                if c == '\\' {
                    out.push_str("\\\\");
                } else {
                    out.push(c);
                }
            }
            for byte in chunk.invalid() {
                let _ = write!(out, "\\x{byte:02x}");
            }
        }
        out
    }
    #[cfg(windows)]
    {
        use std::fmt::Write as _;
        use std::os::windows::ffi::OsStrExt as _;
        let mut out = String::with_capacity(name.len());
        for unit in char::decode_utf16(name.encode_wide()) {
            match unit {
                Ok('\\') => out.push('/'),
                Ok(c) => out.push(c),
                Err(e) => {
                    let _ = write!(out, "\\u{{{:x}}}", e.unpaired_surrogate());
                }
            }
        }
        out
    }
    #[cfg(not(any(unix, windows)))]
    {
        name.to_string_lossy().replace('\\', "/")
    }
}

/// The bytes a [`lossless`] display stands for (`\xNN` and `\\` undone), for percent-encoding
/// a path in a URI.
#[must_use]
pub(crate) fn lossless_bytes(shown: &str) -> Vec<u8> {
    let bytes = shown.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            if bytes.get(i + 1) == Some(&b'\\') {
                out.push(b'\\');
                i += 2;
                continue;
            }
            if bytes.get(i + 1) == Some(&b'x')
                && let Some(byte) = shown.get(i + 2..i + 4).and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                out.push(byte);
                i += 4;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// `path` relative to `base` (both absolute), with `..` where needed.
#[must_use]
pub(crate) fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let path: Vec<Component<'_>> = path.components().collect();
    let base: Vec<Component<'_>> = base.components().collect();
    if path.first() != base.first() {
        return None;
    }
    let common = path.iter().zip(&base).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..base.len() {
        out.push("..");
    }
    for c in &path[common..] {
        out.push(c);
    }
    Some(if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative_to(Path::new("/a/b/c.yaml"), Path::new("/a")),
            Some(PathBuf::from("b/c.yaml"))
        );
        assert_eq!(
            relative_to(Path::new("/a/c.yaml"), Path::new("/a/b")),
            Some(PathBuf::from("../c.yaml"))
        );
        assert_eq!(clean(Path::new("./x/./y.yaml")), PathBuf::from("x/y.yaml"));
    }

    #[cfg(unix)]
    #[test]
    fn lossless_display_is_one_to_one() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt as _;
        let names: [&[u8]; 5] = [
            b"a\xff.yaml",
            b"a\xfe.yaml",
            b"a\\xff.yaml",
            b"a\\\\xff.yaml",
            b"caf\xc3\xa9.yaml",
        ];
        let shown: Vec<String> = names.iter().map(|n| lossless(OsStr::from_bytes(n))).collect();
        assert_eq!(shown[0], "a\\xff.yaml");
        assert_eq!(shown[4], "café.yaml");
        for (i, a) in shown.iter().enumerate() {
            assert_eq!(lossless_bytes(a), names[i], "{a}");
            for b in &shown[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    /// On Windows a path joined from components has `\` separators; it prints with `/`.
    #[cfg(windows)]
    #[test]
    fn windows_separators_print_as_slashes() {
        let built: PathBuf = ["site", "north", "site.yaml"].iter().collect();
        assert_eq!(lossless(built.as_os_str()), "site/north/site.yaml");
        assert_eq!(
            lossless(std::ffi::OsStr::new(r"..\north\site.yaml")),
            "../north/site.yaml"
        );
    }

    #[test]
    fn yaml_extensions() {
        assert!(is_yaml(Path::new("a.yaml")));
        assert!(is_yaml(Path::new("a.YML")));
        assert!(!is_yaml(Path::new("a.json")));
        assert!(!is_yaml(Path::new("yaml")));
    }
}
