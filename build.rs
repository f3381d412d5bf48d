//! Embeds the built-in rule packs: lists every file under `rules/` so the binary carries them
//! (no file access at run time), in a stable order.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files.sort();
    let mut out = String::from(
        "/// Every built-in rule-pack file: (`<pack>/<file>`, text).\npub(crate) static FILES: &[(&str, &str)] = &[\n",
    );
    for path in &files {
        let Ok(relative) = path.strip_prefix(&root) else {
            continue;
        };
        let relative = relative.to_string_lossy().replace('\\', "/");
        let _ = writeln!(out, "    ({relative:?}, include_str!({:?})),", path.to_string_lossy());
        println!("cargo:rerun-if-changed={}", path.display());
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("builtin_rules.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
    }
}

/// The YAML files one level down (`rules/<pack>/<file>.yaml`).
fn collect(root: &Path, files: &mut Vec<PathBuf>) {
    let Ok(packs) = std::fs::read_dir(root) else { return };
    for pack in packs.flatten() {
        let Ok(entries) = std::fs::read_dir(pack.path()) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "yaml") {
                println!("cargo:rerun-if-changed={}", pack.path().display());
                files.push(path);
            }
        }
    }
}
