//! The layers of docs/architecture.md, enforced: every top-level module of `src/` sits in one
//! layer and uses only modules of lower layers, so no module cycle can come back; and the
//! layers that must be pure (documents and rules in, findings out) neither touch the file
//! system nor print.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bottom first. A module may use only modules of a strictly lower layer.
const LAYERS: &[(&str, &[&str])] = &[
    ("text", &["text"]),
    ("foundation", &["date", "units", "stage", "paths", "checks"]),
    ("domain", &["domain"]),
    ("yaml", &["yaml"]),
    ("errors", &["error"]),
    ("model", &["model"]),
    ("schema", &["schema"]),
    ("rules", &["rules"]),
    ("engine", &["engine"]),
    ("policy", &["policy"]),
    ("report", &["report"]),
    ("gate", &["gate"]),
    ("application", &["app"]),
    ("language server", &["lsp"]),
    ("command line", &["cli"]),
];

/// Layers that never read files, the environment or the clock's folder, and never print.
const PURE: &[&str] = &[
    "text", "date", "units", "stage", "paths", "checks", "domain", "yaml", "error", "model", "schema", "engine",
    "policy", "report", "gate",
];

const IMPURE: &[&str] = &[
    "std::fs",
    "File::open",
    "std::env::",
    "println!",
    "eprintln!",
    "print!(",
    "eprint!(",
    "std::process",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("an entry of src/").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source of a file without its unit tests and without comments.
fn production_code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file is readable");
    let code = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
    code.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Each top-level module of src/ with the production code of its files.
fn modules() -> BTreeMap<String, Vec<(PathBuf, String)>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut modules: BTreeMap<String, Vec<(PathBuf, String)>> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).expect("under src/").to_path_buf();
        let first = relative.components().next().expect("a path under src/");
        let name = first.as_os_str().to_string_lossy().trim_end_matches(".rs").to_owned();
        if name == "lib" || name == "main" {
            continue;
        }
        let code = production_code(&file);
        modules.entry(name).or_default().push((relative, code));
    }
    modules
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, members)| members.contains(&module))
}

/// The top-level modules a piece of code names through `crate::`.
fn uses(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
        rest = after;
    }
    out
}

#[test]
fn every_module_sits_in_a_layer() {
    let unplaced: Vec<String> = modules().into_keys().filter(|m| layer_of(m).is_none()).collect();
    assert!(
        unplaced.is_empty(),
        "modules not placed in a layer of tests/layers.rs (and docs/architecture.md): {unplaced:?}"
    );
}

#[test]
fn modules_use_only_lower_layers() {
    let mut violations = Vec::new();
    for (module, files) in modules() {
        let Some(own) = layer_of(&module) else { continue };
        for (file, code) in files {
            for used in uses(&code) {
                if used == module {
                    continue;
                }
                match layer_of(&used) {
                    Some(layer) if layer < own => {}
                    Some(layer) => violations.push(format!(
                        "src/{}: `{module}` ({}) uses `{used}` ({}), a layer that is not below it",
                        file.display(),
                        LAYERS[own].0,
                        LAYERS[layer].0
                    )),
                    None => violations.push(format!("src/{}: uses `crate::{used}`, not a module", file.display())),
                }
            }
        }
    }
    assert!(violations.is_empty(), "layering broken:\n{}", violations.join("\n"));
}

#[test]
fn pure_layers_neither_read_files_nor_print() {
    let mut violations = Vec::new();
    for (module, files) in modules() {
        if !PURE.contains(&module.as_str()) {
            continue;
        }
        for (file, code) in files {
            for needle in IMPURE {
                if code.contains(needle) {
                    violations.push(format!(
                        "src/{}: `{needle}` in the pure layer `{module}`",
                        file.display()
                    ));
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

/// The checker itself: a use of a higher layer is found (so the tests above can fail).
#[test]
fn the_layer_check_sees_a_violation() {
    let code = "use crate::cli::main;\nfn f() { crate::model::finding::Severity::Error; }";
    let found = uses(code);
    assert_eq!(found, ["cli", "model"]);
    let model = layer_of("model").expect("model is placed");
    let cli = layer_of("cli").expect("cli is placed");
    assert!(cli > model);
}
