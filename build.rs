//! Embeds the built-in rule packs: lists every file under `rules/` so the binary carries them
//! (no file access at run time), in a stable order.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The folder of a pack holding its rules' test snapshots.
const SNAPSHOTS: &str = "__snapshots__";

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

/// The YAML files one level down (`rules/<pack>/<file>.yaml`), and the rules' test snapshots
/// (`rules/<pack>/__snapshots__/<RULE-ID>.snap`).
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
            } else if path.file_name().is_some_and(|n| n == SNAPSHOTS) {
                println!("cargo:rerun-if-changed={}", path.display());
                let Ok(snapshots) = std::fs::read_dir(&path) else {
                    continue;
                };
                for snapshot in snapshots.flatten() {
                    if snapshot.path().extension().is_some_and(|e| e == "snap") {
                        files.push(snapshot.path());
                    }
                }
            }
        }
    }
}
