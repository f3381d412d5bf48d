//! Hardening: byte-identical output whatever the thread count, inputs never written, no failure
//! silent, and properties of the loader and the quantity parser over generated input.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use sha2::Digest as _;

use crate::support::{PROJECT, filters, json, run_in, standoff, transcript, write_tree};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn run_with_threads(dir: &Path, threads: &str, args: &[&str]) -> Vec<u8> {
    let output = standoff()
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .args(args)
        .output()
        .unwrap();
    let mut bytes = output.stdout;
    bytes.extend_from_slice(format!("\nexit {:?}", output.status.code()).as_bytes());
    bytes
}

#[test]
fn output_is_byte_identical_with_one_thread_and_many() {
    for example in ["examples/defects", "examples/riverside-arena/stage-4"] {
        for format in ["human", "json", "sarif", "junit", "github", "gitlab"] {
            let args = [
                "check",
                example,
                "--format",
                format,
                "--color",
                "never",
                "--as-of",
                "2026-06-01",
            ];
            let one = run_with_threads(repo(), "1", &args);
            let many = run_with_threads(repo(), "8", &args);
            let normalise = |bytes: Vec<u8>| {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                // The human summary's run time is the only thing allowed to differ.
                filters().iter().fold(text, |t, (re, to)| {
                    regex::Regex::new(re).unwrap().replace_all(&t, *to).into_owned()
                })
            };
            assert_eq!(normalise(one), normalise(many), "{example} {format}");
        }
    }
}

/// SHA-256 of every file under `dir`, by relative path.
fn digest_tree(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(
                    path.strip_prefix(dir).unwrap().to_path_buf(),
                    standoff::text::hex(&sha2::Sha256::digest(&bytes)),
                );
            }
        }
    }
    out
}

#[test]
fn inputs_are_never_written() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(repo().join("examples/defects")).unwrap().flatten() {
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    std::fs::write(dir.path().join("standoff.yaml"), "fail-on: warning\n").unwrap();
    let before = digest_tree(dir.path());
    for format in ["human", "json", "sarif", "junit", "github", "gitlab"] {
        let _ = run_in(dir.path(), &["check", "--format", format]);
    }
    let out = tempfile::tempdir().unwrap();
    let _ = standoff()
        .current_dir(dir.path())
        .args(["gate", "--stage", "2", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let _ = standoff()
        .current_dir(dir.path())
        .args(["check", "--write-baseline"])
        .arg(elsewhere.path().join("baseline.json"))
        .output()
        .unwrap();
    assert_eq!(before, digest_tree(dir.path()), "a check changed its inputs");
}

#[test]
fn no_failure_is_silent() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT),
            ("empty.yaml", ""),
            ("ci.yml", "name: build\non: push\n"),
            (
                "nokind.yaml",
                "apiVersion: standoff/v1\nmetadata: {name: x}\nspec: {}\n",
            ),
            ("latin1.yaml", "a: caf\u{e9}\n"),
        ],
    );
    std::fs::write(dir.path().join("latin1.yaml"), b"a: caf\xe9\n").unwrap();
    // A folder named like a YAML file cannot be read as one.
    std::fs::create_dir(dir.path().join("folder.yaml")).unwrap();
    std::fs::write(
        dir.path().join("folder.yaml/inner.yaml"),
        PROJECT.replace("test-project", "inner"),
    )
    .unwrap();
    let output = run_in(dir.path(), &["check", "--format", "json"]);
    let report = json(&output);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"DOC-KIND"), "{rules:?}");
    assert!(rules.contains(&"FILE-UTF8"), "{rules:?}");
    assert_eq!(report["summary"]["emptyFiles"], 1);
    assert_eq!(report["summary"]["skippedDocuments"], 1);
    let human = run_in(dir.path(), &["check", "--color", "never"]);
    let text = transcript(&human);
    assert!(text.contains("skipped: 1 other YAML document, 1 empty file"), "{text}");
}

/// JSON-representable values without floats that YAML and JSON print differently.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::json!(n)),
        (-1.0e12f64..1.0e12).prop_map(|f| serde_json::json!(f)),
        "[ -~\u{e9}\u{2603}\\n\\t]{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(serde_json::Value::Array),
            prop::collection::btree_map("[a-z][a-z0-9 _-]{0,8}", inner, 0..5)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Writes a value as block YAML with JSON (double-quoted) scalars and flow empties.
fn block_yaml(value: &serde_json::Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        serde_json::Value::Object(map) if !map.is_empty() => {
            for (k, v) in map {
                let key = serde_json::to_string(k).unwrap();
                match v {
                    serde_json::Value::Object(m) if !m.is_empty() => {
                        writeln!(out, "{pad}{key}:").unwrap();
                        block_yaml(v, indent + 2, out);
                    }
                    serde_json::Value::Array(a) if !a.is_empty() => {
                        writeln!(out, "{pad}{key}:").unwrap();
                        block_yaml(v, indent + 2, out);
                    }
                    scalar => writeln!(out, "{pad}{key}: {}", serde_json::to_string(scalar).unwrap()).unwrap(),
                }
            }
        }
        serde_json::Value::Array(items) if !items.is_empty() => {
            for v in items {
                match v {
                    serde_json::Value::Object(m) if !m.is_empty() => {
                        writeln!(out, "{pad}-").unwrap();
                        block_yaml(v, indent + 2, out);
                    }
                    serde_json::Value::Array(a) if !a.is_empty() => {
                        writeln!(out, "{pad}-").unwrap();
                        block_yaml(v, indent + 2, out);
                    }
                    scalar => writeln!(out, "{pad}- {}", serde_json::to_string(scalar).unwrap()).unwrap(),
                }
            }
        }
        scalar => writeln!(out, "{pad}{}", serde_json::to_string(scalar).unwrap()).unwrap(),
    }
}

/// Every key and scalar value span slices the text to exactly what was written for it.
fn check_spans(doc: &standoff::yaml::YamlDocument, text: &str) {
    let mut stack = vec![doc.root()];
    while let Some(node) = stack.pop() {
        if let Some(key) = node.key_span() {
            let written = &text[key.start as usize..key.end as usize];
            assert!(
                written.starts_with('"') && written.ends_with('"'),
                "key span {written:?}"
            );
        }
        match node.value() {
            serde_json::Value::Object(_) => stack.extend(node.entries().map(|(_, n)| n)),
            serde_json::Value::Array(_) => stack.extend(node.items()),
            scalar => {
                let span = node.span();
                let written = &text[span.start as usize..span.end as usize];
                assert_eq!(written, serde_json::to_string(scalar).unwrap(), "value span");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn json_written_as_yaml_loads_back_equal(value in json_value()) {
        let limits = standoff::yaml::Limits::default();
        // Flow style: JSON itself is YAML 1.2.
        let flow = serde_json::to_string(&value).unwrap();
        let outcome = standoff::yaml::load(&flow, &limits);
        prop_assert!(outcome.error.is_none(), "{:?} for {flow}", outcome.error);
        prop_assert_eq!(&outcome.documents[0].value, &value);
        check_spans(&outcome.documents[0], &flow);
        // Block style.
        let mut block = String::new();
        block_yaml(&value, 0, &mut block);
        let outcome = standoff::yaml::load(&block, &limits);
        prop_assert!(outcome.error.is_none(), "{:?} for\n{block}", outcome.error);
        prop_assert_eq!(&outcome.documents[0].value, &value);
        check_spans(&outcome.documents[0], &block);
    }

    #[test]
    fn quantities_round_trip(whole in 0u64..10_000_000, frac in 0u32..1000, unit in prop::sample::select(standoff::units::UNITS.iter().map(|u| u.symbol).collect::<Vec<_>>()), space in any::<bool>()) {
        let text = format!("{whole}.{frac:03}{}{unit}", if space { " " } else { "" });
        let q = standoff::units::parse(&text).unwrap();
        prop_assert_eq!(q.unit.symbol, unit);
        let expected = whole as f64 + f64::from(frac) / 1000.0;
        prop_assert!((q.value - expected).abs() < 1e-6);
        let again = standoff::units::parse(&format!("{} {}", q.value, q.unit.symbol)).unwrap();
        prop_assert!((again.si() - q.si()).abs() <= q.si().abs() * 1e-12);
    }
}
