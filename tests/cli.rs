//! End-to-end tests of the command line: exit codes, stdout and stderr, pinned.

use crate::support::{PROJECT, filters, finding_lines, json, run_in, standoff, transcript, write_tree};
use std::path::Path;

fn snapshot(name: &str, output: &std::process::Output) {
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!(name, transcript(output));
    });
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn clean_example_passes() {
    let output = run_in(
        repo(),
        &["check", "examples/riverside-arena/stage-4", "--as-of", "2026-11-24"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    snapshot("clean_example", &output);
}

#[test]
fn defects_example_human() {
    let output = run_in(repo(), &["check", "examples/defects", "--as-of", "2026-11-24"]);
    assert_eq!(output.status.code(), Some(1));
    snapshot("defects_human", &output);
}

#[test]
fn defects_example_json() {
    let output = run_in(
        repo(),
        &["check", "examples/defects", "--format", "json", "--as-of", "2026-11-24"],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stderr.is_empty());
    insta::assert_json_snapshot!("defects_json", json(&output));
}

#[test]
fn defects_are_located_exactly() {
    let output = run_in(repo(), &["check", "examples/defects", "--format", "json"]);
    let report = json(&output);
    let lines = finding_lines(&report);
    let expect = |rule: &str, file: &str| {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("{rule} examples/defects/{file}:"))),
            "no {rule} in {file}: {lines:#?}"
        );
    };
    expect("SCHEMA-UNKNOWN-PROPERTY", "typo-key.yaml");
    expect("SCHEMA-QUANTITY", "bare-speed.yaml");
    expect("SCHEMA-REQUIRED", "missing-required.yaml");
    expect("SCHEMA-ENUM", "wrong-enum.yaml");
    expect("YAML-DUPLICATE-KEY", "duplicate-key.yaml");
    expect("YAML-SYNTAX", "broken.yaml");
    // Each finding's line:col points at the text the message names.
    for finding in report["findings"].as_array().unwrap() {
        let file = finding["file"].as_str().unwrap();
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        let line = finding["line"].as_u64().unwrap() as usize;
        let column = finding["column"].as_u64().unwrap() as usize;
        let at: String = text.lines().nth(line - 1).unwrap().chars().skip(column - 1).collect();
        let rule = finding["rule"].as_str().unwrap();
        let pointer = finding["pointer"].as_str().unwrap_or_default();
        let last = pointer.rsplit('/').next().unwrap_or_default();
        match rule {
            "SCHEMA-UNKNOWN-PROPERTY" => assert!(at.starts_with("vehicleApproach:"), "{at}"),
            "SCHEMA-QUANTITY" => assert!(at.starts_with("48"), "{at}"),
            "SCHEMA-REQUIRED" => assert!(at.starts_with("spec:"), "{at} ({last})"),
            "SCHEMA-ENUM" => assert!(at.starts_with("pedestrain"), "{at}"),
            "YAML-DUPLICATE-KEY" => assert!(at.starts_with("capacity:"), "{at}"),
            _ => {}
        }
    }
}

#[test]
fn foreign_yaml_only_is_skipped_and_counted() {
    let output = run_in(repo(), &["check", "examples/foreign-only"]);
    assert_eq!(output.status.code(), Some(0));
    snapshot("foreign_only", &output);
}

#[test]
fn bad_arguments_exit_2() {
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--stage", "9"],
        &["check", "--stage", "concept-desing"],
        &["check", "--as-of", "2026-02-30"],
        &["check", "--fail-on", "fatal"],
        &["frobnicate"],
    ] {
        let output = run_in(repo(), args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", transcript(&output));
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    let output = run_in(repo(), &["check", "--stage", "concept-desing"]);
    snapshot("bad_stage_argument", &output);
}

#[test]
fn missing_path_exits_2() {
    let output = run_in(repo(), &["check", "no/such/folder"]);
    assert_eq!(output.status.code(), Some(2));
    snapshot("missing_path", &output);
}

#[test]
fn bad_config_is_located_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "standoff.yaml",
                "fail-on: error\nexlude:\n  - drafts/\nlimits:\n  max-depth: many\n",
            ),
            ("project.yaml", PROJECT),
        ],
    );
    let output = run_in(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    snapshot("bad_config", &output);
}

#[test]
fn config_is_found_by_walking_up_and_applies() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("standoff.yaml", "exclude: [drafts/]\nstage: 4\nselect: [CORE]\n"),
            ("docs/project.yaml", PROJECT),
            ("docs/drafts/bad.yaml", "apiVersion: standoff/v1\nkind: Sight\n"),
        ],
    );
    let output = run_in(&dir.path().join("docs"), &["check", "--format", "json", "."]);
    let report = json(&output);
    // Judged at stage 4 (the config), the documents due by stages 1 and 2 are overdue; the
    // excluded draft is not read at all; only the core pack is selected.
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["CORE-RISK-ASSESSMENT", "CORE-SECURITY-STRATEGY", "CORE-SITE"]);
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(report["projects"][0]["stage"], 4);
    assert_eq!(report["projects"][0]["declaredStage"], 0);
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT),
            // Shaped like a design document but without apiVersion: a warning.
            (
                "site.yaml",
                "kind: Site\nmetadata: {name: s}\nspec: {crowdedSpaces: []}\n",
            ),
        ],
    );
    assert_eq!(run_in(dir.path(), &["check"]).status.code(), Some(0));
    assert_eq!(
        run_in(dir.path(), &["check", "--fail-on", "warning"]).status.code(),
        Some(1)
    );
    std::fs::write(dir.path().join("standoff.yaml"), "fail-on: warning\n").unwrap();
    assert_eq!(run_in(dir.path(), &["check"]).status.code(), Some(1));
    assert_eq!(
        run_in(dir.path(), &["check", "--fail-on", "error"]).status.code(),
        Some(0)
    );
}

#[test]
fn pre_commit_reports_only_the_given_files_with_the_tree_as_context() {
    let dir = tempfile::tempdir().unwrap();
    let site = |name: &str, speed: &str| {
        format!(
            "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: {name}\nspec:\n  crowdedSpaces:\n    - id: plaza\n  vehicleApproaches:\n    - id: north\n      reaches: plaza\n      impactSpeed: {speed}\n"
        )
    };
    write_tree(
        dir.path(),
        &[
            ("standoff.yaml", "{}\n"),
            ("project.yaml", PROJECT),
            ("sites/a.yaml", &site("site-a", "48")),
            ("sites/b.yaml", &site("site-b", "30")),
        ],
    );
    let output = run_in(&dir.path().join("sites"), &["check", "--format", "json", "a.yaml"]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(1));
    // Only a.yaml is reported; the Project two folders up gave the context (no CORE-PROJECT).
    // Its path is relative to the tree's root (the config's folder), not the working folder.
    assert_eq!(finding_lines(&report), ["SCHEMA-QUANTITY sites/a.yaml:11:20"]);
    assert_eq!(report["summary"]["files"], 1);
    assert_eq!(report["summary"]["contextFiles"], 2, "the whole tree was loaded");
}

#[test]
fn output_file_and_colour() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let output = standoff()
        .current_dir(repo())
        .args(["check", "examples/defects", "--format", "json", "--output"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let written: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(written["summary"]["errors"], 8);

    let colour = run_in(repo(), &["check", "examples/defects", "--color", "always"]);
    assert!(colour.stdout.contains(&0x1b));
    let plain = run_in(repo(), &["check", "examples/defects", "--color", "never"]);
    assert!(!plain.stdout.contains(&0x1b));
    let no_color = standoff()
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .args(["check", "examples/defects"])
        .output()
        .unwrap();
    assert!(!no_color.stdout.contains(&0x1b));
}

#[test]
fn stage_override_is_shown() {
    let output = run_in(repo(), &["check", "examples/riverside-arena/stage-4", "--stage", "1"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("judged at stage 1 (preparation-and-briefing), declared 4"),
        "{stdout}"
    );
}

#[test]
fn gitignore_is_honoured_outside_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (".gitignore", "generated/\n"),
            ("project.yaml", PROJECT),
            ("generated/bad.yaml", "apiVersion: standoff/v1\nkind: Nope\n"),
        ],
    );
    let output = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert_eq!(json(&output)["summary"]["files"], 1);
}

#[test]
fn project_membership_and_unique_names() {
    let dir = tempfile::tempdir().unwrap();
    let other_project = PROJECT.replace("test-project", "other-project");
    write_tree(
        dir.path(),
        &[
            ("a-project.yaml", PROJECT),
            ("b-project.yaml", &other_project),
            (
                "sites.yaml",
                "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: plaza\n  project: test-project\nspec:\n  crowdedSpaces: [{id: p}]\n---\napiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: plaza\n  project: test-project\nspec:\n  crowdedSpaces: [{id: q}]\n---\napiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\n  project: test-projekt\nspec:\n  crowdedSpaces: [{id: r}]\n---\napiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: dock\nspec:\n  crowdedSpaces: [{id: s}]\n",
            ),
        ],
    );
    let output = run_in(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    snapshot("project_membership", &output);
}

#[test]
fn no_project_is_one_finding_not_a_cascade() {
    let dir = tempfile::tempdir().unwrap();
    let site = |n: &str| {
        format!("apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: {n}\nspec:\n  crowdedSpaces: [{{id: p}}]\n")
    };
    write_tree(
        dir.path(),
        &[("a.yaml", &site("a")), ("b.yaml", &site("b")), ("c.yaml", &site("c"))],
    );
    let report = json(&run_in(dir.path(), &["check", "--format", "json", "--reveal"]));
    assert_eq!(finding_lines(&report), ["CORE-PROJECT a.yaml:3:1"]);
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("3 design document(s)")
    );
}

#[test]
fn terminal_escapes_in_documents_are_neutralised() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT),
            (
                "site.yaml",
                "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: s\nspec:\n  crowdedSpaces: [{id: p}]\n  entrances:\n    - id: e\n      type: \"\\e[31mvehicle\\u202e\"\n",
            ),
            // Raw escape bytes in the source itself, shown in a snippet.
            ("raw.yaml", "a: 1\n# \u{1b}[2J\u{202e} hidden\nb: [\n"),
        ],
    );
    let output = run_in(dir.path(), &["check", "--color", "never"]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(!stdout.contains('\u{1b}'), "{stdout}");
    assert!(!stdout.contains('\u{202e}'), "{stdout}");
    assert!(stdout.contains("\\u{1b}[31mvehicle\\u{202e}"), "{stdout}");
}
