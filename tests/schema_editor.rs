//! The schemas as editors and spec-compliant validators read them (issue 14 §2): written by
//! `standoff schema --out`, with no `$id`, so `common.schema.json` and the kinds' schemas are
//! the files beside them, offline. Every example document validates against the one dispatch
//! schema, `design-document.schema.json`: with check-jsonschema when it is installed (CI
//! installs it), and always with the jsonschema crate reading only the written files.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use standoff::schema::EMBEDDED;
use standoff::yaml::{Limits, load};

use crate::support::{run_in, transcript};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The pointer, in the examples' bare-speed defect, of the bare `48`.
const BARE_SPEED: &str = "/spec/vehicleApproaches/0/impactSpeed";

/// What the schemas tell an editor to do about a bare number in a speed field.
const ADD_A_UNIT: &str = "add a unit: 48 km/h or 30 mph (a number, then km/h, mph or m/s)";

/// Every schema, written by `standoff schema --out` into a fresh folder.
fn written_schemas() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    let output = run_in(repo(), &["schema", "--out", out]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    dir
}

/// One design document of the examples: the file, its index in the file, its value.
struct Example {
    file: PathBuf,
    index: usize,
    count: usize,
    value: Value,
}

/// Every standoff/v1 document the YAML loader reads in the YAML files under `examples/`, in
/// path order (of the deliberate defects, those it can read).
fn example_documents() -> Vec<Example> {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, files);
            } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&repo().join("examples"), &mut files);
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let loaded = load(&text, &Limits::default());
        let documents: Vec<Value> = loaded
            .documents
            .into_iter()
            .map(|d| d.value)
            .filter(|v| v["apiVersion"] == "standoff/v1")
            .collect();
        let count = documents.len();
        out.extend(documents.into_iter().enumerate().map(|(index, value)| Example {
            file: file.clone(),
            index,
            count,
            value,
        }));
    }
    out
}

fn is_defect(example: &Example) -> bool {
    example.file.starts_with(repo().join("examples/defects"))
}

fn name(example: &Example) -> String {
    let file = example.file.strip_prefix(repo()).unwrap().display().to_string();
    if example.count > 1 {
        format!("{file}#{}", example.index)
    } else {
        file
    }
}

/// The defects that the schema must refuse, by file, with the pointer of the refused value.
const DEFECTS: [(&str, &str); 4] = [
    ("examples/defects/bare-speed.yaml", BARE_SPEED),
    ("examples/defects/missing-required.yaml", "/spec"),
    ("examples/defects/typo-key.yaml", "/spec"),
    ("examples/defects/wrong-enum.yaml", "/spec/entrances/0/type"),
];

#[test]
fn schema_out_writes_every_schema_as_shipped_with_no_id() {
    let dir = written_schemas();
    let written: BTreeSet<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let embedded: BTreeSet<String> = EMBEDDED.iter().map(|s| s.file.to_owned()).collect();
    assert_eq!(written, embedded);
    assert!(written.contains("design-document.schema.json"));
    for schema in &EMBEDDED {
        let text = std::fs::read_to_string(dir.path().join(schema.file)).unwrap();
        assert_eq!(
            text,
            std::fs::read_to_string(repo().join("schemas").join(schema.file)).unwrap()
        );
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value.get("$id"), None, "{}", schema.file);
    }
    // One schema: the files it refers to come with it, so its references resolve in the folder.
    let one = tempfile::tempdir().unwrap();
    let output = run_in(
        repo(),
        &["schema", "design-document", "--out", one.path().to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let count = std::fs::read_dir(one.path()).unwrap().count();
    assert_eq!(count, 11, "the dispatch schema, the nine kinds' and common");
    // Printed, it is the same text.
    let printed = run_in(repo(), &["schema", "design-document"]);
    assert_eq!(printed.status.code(), Some(0), "{}", transcript(&printed));
    assert_eq!(
        String::from_utf8_lossy(&printed.stdout),
        std::fs::read_to_string(repo().join("schemas/design-document.schema.json")).unwrap()
    );
}

/// check-jsonschema, or `None` outside CI when it is not installed (CI must have it: `.ci/run`
/// installs it with pip).
fn check_jsonschema() -> Option<&'static str> {
    if Command::new("check-jsonschema")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return Some("check-jsonschema");
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have check-jsonschema (.ci/run installs it with pip)"
    );
    eprintln!("check-jsonschema not installed: the spec-compliant validation of the schemas was skipped");
    None
}

/// check-jsonschema against the written dispatch schema, with every network access failing
/// (a proxy that refuses connections): the schemas must resolve from the folder alone.
fn run_check_jsonschema(program: &str, schemas: &Path, files: &[PathBuf]) -> std::process::Output {
    let refused = "http://127.0.0.1:9";
    Command::new(program)
        .arg("--verbose")
        .arg("--output-format")
        .arg("json")
        .arg("--schemafile")
        .arg(schemas.join("design-document.schema.json"))
        .args(files)
        .env("HTTPS_PROXY", refused)
        .env("https_proxy", refused)
        .env("HTTP_PROXY", refused)
        .env("http_proxy", refused)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap()
}

#[test]
fn check_jsonschema_validates_every_example_offline_and_refuses_a_bare_speed() {
    let Some(program) = check_jsonschema() else { return };
    let schemas = written_schemas();
    // A YAML file of one document is given as it is; one of several is split, a JSON file a
    // document (check-jsonschema reads one document per file).
    let split = tempfile::tempdir().unwrap();
    let mut files = BTreeSet::new();
    let examples = example_documents();
    for example in examples.iter().filter(|e| !is_defect(e)) {
        if example.count == 1 {
            files.insert(example.file.clone());
        } else {
            let path = split
                .path()
                .join(format!("{}.json", name(example).replace(['/', '#'], "_")));
            std::fs::write(&path, serde_json::to_string(&example.value).unwrap()).unwrap();
            files.insert(path);
        }
    }
    let files: Vec<PathBuf> = files.into_iter().collect();
    assert!(files.len() >= 30, "only {} example files", files.len());
    let output = run_check_jsonschema(program, schemas.path(), &files);
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("check-jsonschema said no JSON ({e}): {}", transcript(&output)));
    assert_eq!(report["status"], "ok", "{report:#}\n{}", transcript(&output));
    assert_eq!(
        report["checked_paths"].as_array().unwrap().len(),
        files.len(),
        "{report:#}"
    );

    // The defects it can parse are refused where the linter refuses them; a bare `48` is not a
    // speed. check-jsonschema prints its own message, and the schema node it failed carries
    // the message an editor shows instead.
    let defects: Vec<PathBuf> = DEFECTS.iter().map(|(file, _)| repo().join(file)).collect();
    let output = run_check_jsonschema(program, schemas.path(), &defects);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<(String, String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let file = Path::new(e["filename"].as_str().unwrap());
            let file = file.strip_prefix(repo()).unwrap().display().to_string();
            (
                file,
                e["path"].as_str().unwrap().to_owned(),
                e["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(errors.len(), DEFECTS.len(), "{report:#}");
    for ((file, pointer), (got_file, path, _)) in DEFECTS.iter().zip(&errors) {
        assert_eq!(got_file, file);
        assert_eq!(path, &json_path(pointer), "{file}");
    }
    assert_eq!(errors[0].2, "48 is not of type 'string'");
    let node = schema_node_at(schemas.path(), "site.schema.json", BARE_SPEED);
    assert_eq!(node["patternErrorMessage"], ADD_A_UNIT);
    assert_eq!(
        node["errorMessage"], ADD_A_UNIT,
        "shown for the bare number's type error"
    );
    // The field keeps its own description beside the reference.
    let description = node["description"].as_str().unwrap();
    assert!(description.starts_with("The speed at impact: "), "{description}");
}

/// `/spec/vehicleApproaches/0/impactSpeed` as check-jsonschema writes it.
fn json_path(pointer: &str) -> String {
    let mut out = "$".to_owned();
    for token in pointer.split('/').skip(1) {
        if token.parse::<usize>().is_ok() {
            out.push('[');
            out.push_str(token);
            out.push(']');
        } else {
            out.push('.');
            out.push_str(token);
        }
    }
    out
}

/// The schema node of the written `file` that applies at a document `pointer`, with the
/// property's own keywords over those of the definition it refers to (as editors merge them).
fn schema_node_at(dir: &Path, file: &str, pointer: &str) -> serde_json::Map<String, Value> {
    let read =
        |file: &str| -> Value { serde_json::from_str(&std::fs::read_to_string(dir.join(file)).unwrap()).unwrap() };
    let mut node = read(file);
    for token in pointer.split('/').skip(1) {
        node = if token.parse::<usize>().is_ok() {
            node["items"].clone()
        } else {
            node["properties"][token].clone()
        };
    }
    let mut merged = node.as_object().unwrap().clone();
    if let Some(reference) = node["$ref"].as_str() {
        let (target, fragment) = reference.split_once('#').unwrap();
        let definition = read(target).pointer(fragment).unwrap().clone();
        for (key, value) in definition.as_object().unwrap() {
            merged.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    merged
}

/// A retriever that reads `file://` URIs inside one folder and refuses everything else,
/// recording what it was asked for.
struct FilesIn {
    dir: PathBuf,
    asked: Arc<Mutex<Vec<String>>>,
}

impl jsonschema::Retrieve for FilesIn {
    fn retrieve(&self, uri: &jsonschema::Uri<String>) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        self.asked.lock().unwrap().push(uri.as_str().to_owned());
        let path = uri
            .as_str()
            .strip_prefix("file://")
            .map(PathBuf::from)
            .filter(|p| p.parent() == Some(self.dir.as_path()))
            .ok_or_else(|| format!("not a written schema: {uri}"))?;
        Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
    }
}

/// A validator of the written dispatch schema at its file's address, reading only the files
/// beside it; and the URIs it read.
fn dispatch_validator(dir: &Path) -> (jsonschema::Validator, Vec<String>) {
    let file = dir.join("design-document.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let validator = jsonschema::draft202012::options()
        .with_base_uri(format!("file://{}", file.display()))
        .with_retriever(FilesIn {
            dir: dir.to_path_buf(),
            asked: Arc::clone(&asked),
        })
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let asked = asked.lock().unwrap().clone();
    (validator, asked)
}

#[test]
fn the_jsonschema_crate_validates_every_example_against_the_written_dispatch_schema() {
    let schemas = written_schemas();
    let (validator, asked) = dispatch_validator(schemas.path());
    // The references resolved to the files beside it: common and the nine kinds.
    let dir = format!("file://{}/", schemas.path().display());
    let mut read: Vec<&str> = asked.iter().map(|u| u.strip_prefix(&dir).unwrap_or(u)).collect();
    read.sort_unstable();
    read.dedup();
    assert_eq!(read.len(), 10, "{asked:#?}");
    assert!(
        read.contains(&"common.schema.json") && read.contains(&"site.schema.json"),
        "{read:?}"
    );

    let examples = example_documents();
    let mut failures = Vec::new();
    let mut valid = 0;
    for example in examples.iter().filter(|e| !is_defect(e)) {
        let errors: Vec<String> = validator
            .iter_errors(&example.value)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        if errors.is_empty() {
            valid += 1;
        } else {
            failures.push(format!("{}: {errors:?}", name(example)));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let kinds: BTreeSet<&str> = examples.iter().filter_map(|e| e.value["kind"].as_str()).collect();
    assert_eq!(kinds.len(), 9, "every kind has an example: {kinds:?}");
    assert!(valid >= 30, "only {valid} example documents");

    // The defects the loader reads fail where the linter says (the Project among them passes).
    for (file, pointer) in DEFECTS {
        let example = examples.iter().find(|e| e.file == repo().join(file)).unwrap();
        let at: Vec<String> = validator
            .iter_errors(&example.value)
            .map(|e| e.instance_path().as_str().to_owned())
            .collect();
        assert!(at.contains(&pointer.to_owned()), "{file}: {at:?}");
    }
    let project = examples
        .iter()
        .find(|e| e.file == repo().join("examples/defects/project.yaml"))
        .unwrap();
    assert!(validator.is_valid(&project.value));
}

#[test]
fn what_init_writes_validates_against_its_own_dispatch_schema() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_in(dir.path(), &["init", "--name", "quayside-hall"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let schemas = dir.path().join(".standoff/schemas");
    let (validator, _) = dispatch_validator(&schemas);
    let text = std::fs::read_to_string(dir.path().join("project.yaml")).unwrap();
    let project = &load(&text, &Limits::default()).documents[0].value;
    let errors: Vec<String> = validator.iter_errors(project).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    // The Project's modeline names a schema init wrote.
    let modeline = text.lines().next().unwrap();
    let named = modeline
        .strip_prefix("# yaml-language-server: $schema=./.standoff/schemas/")
        .unwrap();
    assert!(schemas.join(named).is_file(), "{modeline}");
}
