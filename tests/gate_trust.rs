//! Issue "Trust", points 1-5 and 14: the gate judges what was submitted. Each test reproduces
//! an attack that passed the v0.1 gate (or a way a rule went silently inactive) and proves it
//! is refused now. Inputs are generated in the test.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{PROJECT, copy_example, json, matrix_status, run_in, standoff, transcript, write_tree};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The design documents of `dir` (its `standoff.yaml`, which makes it a tree, is not one).
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml") && !p.ends_with("standoff.yaml"))
        .collect();
    files.sort();
    files
}

/// Runs the gate in `dir` on `paths` and returns the exit code and the record (written under
/// `dir`, or a temporary folder when `dir` is the repository).
fn gate(dir: &Path, stage: &str, paths: &[&str]) -> (Output, serde_json::Value) {
    let scratch = tempfile::tempdir().unwrap();
    let out = if dir == repo() {
        scratch.path().join("gate-out")
    } else {
        dir.join("gate-out")
    };
    let _ = std::fs::remove_dir_all(&out);
    let mut args = vec!["gate", "--stage", stage, "--as-of", "2026-06-01", "--out"];
    let out_text = out.to_string_lossy().into_owned();
    args.push(&out_text);
    args.extend_from_slice(paths);
    let output = run_in(dir, &args);
    let record = std::fs::read_to_string(out.join("gate-record.json"))
        .map_or(serde_json::Value::Null, |t| serde_json::from_str(&t).unwrap());
    (output, record)
}

fn findings_of(record: &serde_json::Value, rule: &str) -> usize {
    record["findings"]
        .as_array()
        .map_or(0, |f| f.iter().filter(|f| f["rule"] == rule).count())
}

#[test]
fn a_submission_whose_documents_are_hidden_from_the_gate_fails_it() {
    type Mangle = fn(&str) -> String;
    let mangles: [(&str, Mangle); 5] = [
        ("apiVersion deleted", |t| t.replace("apiVersion: standoff/v1\n", "")),
        ("apiVersion ~", |t| {
            t.replace("apiVersion: standoff/v1", "apiVersion: ~")
        }),
        ("apiVersion in a list", |t| {
            t.replace("apiVersion: standoff/v1", "apiVersion: [standoff/v1]")
        }),
        ("another prefix", |t| {
            t.replace("apiVersion: standoff/v1", "apiVersion: standoff.dev/v1")
        }),
        ("the whole file one string", |t| {
            let mut out = String::from("--- |\n");
            for line in t.lines() {
                out.push_str("  ");
                out.push_str(line);
                out.push('\n');
            }
            out
        }),
    ];
    // The unmangled submission fails on its own findings: a hidden one must not pass.
    let dir = tempfile::tempdir().unwrap();
    copy_example("harbour-festival", &dir.path().join("sub"));
    let (output, record) = gate(dir.path(), "4", &["sub"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(record["projects"].as_array().is_some_and(|p| p.len() == 1));
    for (what, mangle) in mangles {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        copy_example("harbour-festival", &sub);
        for file in yaml_files(&sub) {
            let text = std::fs::read_to_string(&file).unwrap();
            std::fs::write(&file, mangle(&text)).unwrap();
        }
        let (output, record) = gate(dir.path(), "4", &["sub"]);
        assert_eq!(output.status.code(), Some(1), "{what}: {}", transcript(&output));
        assert_eq!(record["passed"], false, "{what}");
        let reasons = record["reasons"].to_string();
        assert!(reasons.contains("nothing was judged"), "{what}: {reasons}");
        assert!(stdout(&output).contains("nothing was judged"), "{what}");
        // Each hidden document is a located error at the gate ...
        let near: Vec<&serde_json::Value> = record["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "DOC-NEAR-MISS")
            .collect();
        assert_eq!(near.len(), 7, "{what}: {record}");
        assert!(
            near.iter()
                .all(|f| f["severity"] == "error" && f["line"].as_u64().is_some()),
            "{what}"
        );
        // ... and a warning in `check`.
        let report = json(&run_in(dir.path(), &["check", "--format", "json", "sub"]));
        let warnings = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "DOC-NEAR-MISS" && f["severity"] == "warning")
            .count();
        assert_eq!(warnings, 7, "{what}: {report}");
    }
}

#[test]
fn foreign_yaml_and_the_tools_own_files_are_never_near_misses() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT),
            (
                "deploy/k8s.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n---\napiVersion: v1\nkind: Event\nmetadata: {name: e}\n---\napiVersion: project.openshift.io/v1\nkind: Project\nmetadata: {name: p}\n",
            ),
            (
                ".github/workflows/ci.yaml",
                "name: ci\non: push\njobs:\n  test: {runs-on: ubuntu-latest}\n",
            ),
            (
                "standoff-waivers.yaml",
                "waivers:\n  - rule: CORE-REF\n    file: project.yaml\n    reason: kind Site spec\n    approver: A\n",
            ),
            (
                "notes.yaml",
                "--- |\n  The Site kind will need a spec once the brief is written.\n",
            ),
        ],
    );
    let report = json(&run_in(dir.path(), &["check", "--format", "json", "."]));
    let near: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("DOC-")))
        .collect();
    assert!(near.is_empty(), "{near:?}");
    // The built-in packs' own files, full of `apiVersion: standoff/v1` test documents, are
    // not candidates either.
    let rules = json(&run_in(repo(), &["check", "--format", "json", "rules"]));
    let near = rules["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("DOC-")))
        .count();
    assert_eq!(near, 0, "{rules}");
}

#[test]
fn the_matrix_says_not_applicable_for_a_rule_that_judged_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", PROJECT)]);
    let (output, record) = gate(dir.path(), "4", &["."]);
    assert!(output.status.code().is_some(), "{}", transcript(&output));
    // No BarrierSchedule: HVM-SPEED judged nothing.
    let speed = matrix_status(&record, "HVM-SPEED");
    assert!(!speed.is_empty(), "{record}");
    assert!(speed.iter().all(|s| s == "not-applicable"), "{speed:?}");
    let html = std::fs::read_to_string(dir.path().join("gate-out/gate-report.html")).unwrap();
    assert!(html.contains("<code>HVM-SPEED</code> not applicable: nothing to judge"));
    // A rule that read the Project and passed is met.
    let statuses: Vec<String> = record["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["rules"].as_array().unwrap().iter())
        .map(|pair| pair[1].as_str().unwrap().to_owned())
        .collect();
    assert!(statuses.iter().any(|s| s == "met"), "{statuses:?}");
    // The stage-4 example judges barriers: HVM-SPEED is met there.
    let (_, record) = gate(repo(), "4", &["examples/riverside-arena/stage-4"]);
    assert!(
        matrix_status(&record, "HVM-SPEED").iter().all(|s| s == "met"),
        "{record}"
    );
}

#[cfg(unix)]
#[test]
fn the_gate_never_follows_a_link_out_of_the_tree() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    write_tree(
        &sub,
        &[("standoff.yaml", "follow-symlinks: true\n"), ("project.yaml", PROJECT)],
    );
    let outside = dir.path().join("outside.yaml");
    std::fs::write(
        &outside,
        "apiVersion: standoff/v1\nkind: Site\nmetadata: {name: OUTSIDE-CANARY-51}\nspec: {}\n",
    )
    .unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", sub.join("env.yaml")).unwrap();
    std::os::unix::fs::symlink(&outside, sub.join("outside-link.yaml")).unwrap();
    std::os::unix::fs::symlink(sub.join("project.yaml"), sub.join("again.yaml")).unwrap();
    let out = dir.path().join("gate-out");
    let output = standoff()
        .current_dir(dir.path())
        .env("STANDOFF_TEST_TOKEN", "ENV-CANARY-93")
        .args(["gate", "--stage", "0", "sub", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(output.status.code().is_some(), "{}", transcript(&output));
    let html = std::fs::read_to_string(out.join("gate-report.html")).unwrap();
    let record_text = std::fs::read_to_string(out.join("gate-record.json")).unwrap();
    for text in [&html, &record_text, &stdout(&output), &stderr(&output)] {
        assert!(!text.contains("ENV-CANARY-93"), "the environment leaked");
        assert!(!text.contains("OUTSIDE-CANARY-51"), "a file outside the tree was read");
    }
    let record: serde_json::Value = serde_json::from_str(&record_text).unwrap();
    let links = record["disregarded"]["linksNotFollowed"].to_string();
    assert!(
        links.contains("env.yaml") && links.contains("outside-link.yaml"),
        "{links}"
    );
    assert_eq!(record["disregarded"]["followSymlinks"], true);
    // The link inside the tree is judged once: the project is not a duplicate of itself.
    let inputs: Vec<&str> = record["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["project.yaml"], "{record}");
    assert_eq!(findings_of(&record, "CORE-NAME-UNIQUE"), 0);
}

#[test]
fn the_gate_judges_what_ignore_files_and_excludes_would_hide() {
    let dir = tempfile::tempdir().unwrap();
    let bad_site = "apiVersion: standoff/v1\nkind: Site\nmetadata: {name: hidden}\nspec:\n  crowdedSpaces: [{id: plaza, capacity: 12}]\n  vehicleApproaches: [{id: va, reaches: nowhere}]\n";
    write_tree(
        dir.path(),
        &[
            ("standoff.yaml", "exclude: [excluded/]\n"),
            ("project.yaml", PROJECT),
            (".gitignore", "gitignored.yaml\n"),
            (".ignore", "dotignored.yaml\n"),
            (".git/info/exclude", "git-excluded.yaml\n"),
            ("gitignored.yaml", &bad_site.replace("hidden", "hidden-a")),
            ("dotignored.yaml", &bad_site.replace("hidden", "hidden-b")),
            ("git-excluded.yaml", &bad_site.replace("hidden", "hidden-c")),
            ("excluded/site.yaml", &bad_site.replace("hidden", "hidden-d")),
        ],
    );
    // `check` skips all four ...
    let report = json(&run_in(dir.path(), &["check", "--format", "json", "."]));
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report}");
    // ... the gate judges all four, and lists them.
    let (output, record) = gate(dir.path(), "0", &["."]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let skipped = record["disregarded"]["filesCheckWouldSkip"].to_string();
    for file in [
        "gitignored.yaml",
        "dotignored.yaml",
        "git-excluded.yaml",
        "excluded/site.yaml",
    ] {
        assert!(skipped.contains(file), "{file} not listed: {skipped}");
        assert!(record["inputs"].to_string().contains(file), "{file} not judged");
    }
    assert!(findings_of(&record, "CORE-REF") >= 4, "{record}");
}

/// A billion-laughs document of about 700 bytes.
fn alias_bomb() -> String {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = i - 1;
        let _ = std::fmt::Write::write_fmt(
            &mut text,
            format_args!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ),
        );
    }
    text
}

#[test]
fn the_gate_caps_raised_limits_at_the_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = alias_bomb();
    assert!(bomb.len() < 1000);
    write_tree(
        dir.path(),
        &[
            (
                "standoff.yaml",
                "limits:\n  max-nodes: 100000000000\n  max-alias-nodes: 100000000000\n  max-depth: 10000\n  max-file-size: 100000000000\n",
            ),
            ("project.yaml", PROJECT),
            ("bomb.yaml", &bomb),
        ],
    );
    let (output, record) = gate(dir.path(), "0", &["."]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(findings_of(&record, "YAML-LIMIT") >= 1, "{record}");
    let capped = record["disregarded"]["limitsCapped"].to_string();
    for limit in ["max-nodes", "max-alias-nodes", "max-depth", "max-file-size"] {
        assert!(capped.contains(limit), "{capped}");
    }
}

#[test]
fn extra_packs_never_replace_built_in_packs_at_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    copy_example("harbour-festival", &sub);
    for (name, prefix) in [("hvm", "HVM"), ("threat", "THR"), ("standoff", "SO")] {
        write_tree(
            &dir.path().join("packs").join(name),
            &[(
                "pack.yaml",
                &format!(
                    "name: {name}\ntitle: Empty\nversion: 9.9.9\nprefix: {prefix}\ndescription: An empty pack that would switch the built-in one off.\nsources:\n  - {{title: none, url: \"https://example.org/\"}}\n"
                ),
            )],
        );
    }
    std::fs::write(sub.join("standoff.yaml"), "rules: [../packs]\n").unwrap();
    // `check` lets a local pack replace a built-in one (that is how packs are developed), so
    // every error of the example goes ...
    let checked = run_in(dir.path(), &["check", "--format", "json", "sub"]);
    assert_eq!(checked.status.code(), Some(0), "{}", transcript(&checked));
    // ... the gate does not: the HVM, threat and stand-off errors still fail it.
    let (output, record) = gate(dir.path(), "4", &["sub"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    for rule in ["HVM-SPEED", "THR-METHODOLOGIES", "SO-MANDATORY"] {
        assert!(findings_of(&record, rule) >= 1, "{rule}: {record}");
    }
    let refused = record["disregarded"]["packsNotReplacing"].to_string();
    for name in ["hvm", "threat", "standoff"] {
        assert!(refused.contains(name), "{refused}");
    }
    let packs = record["packs"].as_array().unwrap();
    assert!(packs.iter().any(|p| p["name"] == "hvm" && p["origin"] == "built-in"));
    assert!(!packs.iter().any(|p| p["version"] == "9.9.9"));
    // Through --rules too.
    std::fs::remove_file(sub.join("standoff.yaml")).unwrap();
    let out = dir.path().join("gate-rules");
    let output = run_in(
        dir.path(),
        &[
            "gate",
            "--stage",
            "4",
            "--rules",
            "packs",
            "--out",
            out.to_str().unwrap(),
            "sub",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
}

#[test]
fn the_gate_ignores_the_configs_stage_and_records_the_waiver_file() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("standoff.yaml", "stage: 7\n"),
            ("project.yaml", PROJECT),
            (
                "standoff-waivers.yaml",
                "waivers:\n  - rule: CORE-RISK-ASSESSMENT\n    file: project.yaml\n    reason: the assessment is being procured\n    approver: A. Officer\n",
            ),
        ],
    );
    let (_, with_stage) = gate(dir.path(), "2", &["."]);
    std::fs::write(dir.path().join("standoff.yaml"), "# no stage\n").unwrap();
    let (_, without) = gate(dir.path(), "2", &["."]);
    assert_eq!(with_stage["disregarded"]["configStage"], 7);
    assert_eq!(with_stage["findings"], without["findings"]);
    let waiver_file = &with_stage["waiverFile"];
    assert_eq!(waiver_file["path"], "standoff-waivers.yaml");
    assert_eq!(waiver_file["sha256"].as_str().map(str::len), Some(64));
}

#[test]
fn unknown_rule_ids_in_the_tools_inputs_are_errors_with_a_suggestion() {
    let dir = tempfile::tempdir().unwrap();
    copy_example("harbour-festival", dir.path());
    let run = |args: &[&str]| run_in(dir.path(), args);
    let output = run(&["check", ".", "--select", "HVM-GAPP"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(
        stderr(&output).contains("did you mean `HVM-GAP`?"),
        "{}",
        stderr(&output)
    );
    let output = run(&["check", ".", "--ignore", "THR-LEVL-DATED"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("THR-LEVEL-DATED"), "{}", stderr(&output));
    // A pack's name selects the pack, as its prefix does.
    let by_name = json(&run(&["check", ".", "--format", "json", "--select", "hvm"]));
    let by_prefix = json(&run(&["check", ".", "--format", "json", "--select", "HVM"]));
    assert_eq!(by_name["findings"], by_prefix["findings"]);
    assert!(by_name["findings"].as_array().unwrap().len() >= 5);
    // The config accepts the same forms, and locates a bad one.
    for config in [
        "select: [HVM-GAPP]\n",
        "ignore: [HVM, THR-METHODOLOGY]\n",
        "severity: {HVM-SPED: warning}\n",
        "overrides:\n  - files: [\"*.yaml\"]\n    ignore: [SO-MANDATORYY]\n",
    ] {
        std::fs::write(dir.path().join("standoff.yaml"), config).unwrap();
        let output = run(&["check", "."]);
        assert_eq!(output.status.code(), Some(2), "{config}: {}", transcript(&output));
        let err = stderr(&output);
        assert!(err.contains("did you mean"), "{config}: {err}");
        assert!(err.contains("standoff.yaml"), "{config}: {err}");
    }
    std::fs::write(
        dir.path().join("standoff.yaml"),
        "select: [hvm, THR]\nseverity: {standoff: warning}\n",
    )
    .unwrap();
    let output = run(&["check", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let report = json(&output);
    assert!(report["findings"].as_array().unwrap().iter().all(|f| {
        let rule = f["rule"].as_str().unwrap();
        rule.starts_with("HVM-") || rule.starts_with("THR-")
    }));
}

#[test]
fn a_waiver_of_an_unknown_rule_is_a_located_finding_that_the_gate_reports() {
    let dir = tempfile::tempdir().unwrap();
    let project = PROJECT.replace(
        "  stage: 0\n",
        "  stage: 0  # standoff: waive CORE-RISK-ASESSMENT reason=\"procured\"\n",
    );
    write_tree(
        dir.path(),
        &[
            ("standoff.yaml", "# config\n"),
            ("project.yaml", &project),
            (
                "standoff-waivers.yaml",
                "waivers:\n  - rule: HVM-GAPP\n    file: project.yaml\n    reason: tested array\n    approver: A. Officer\n  - rule: hvm-gap\n    file: project.yaml\n    reason: lower case\n    approver: A. Officer\n",
            ),
        ],
    );
    let report = json(&run_in(dir.path(), &["check", "--format", "json", "."]));
    let invalid: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "WAIVER-INVALID")
        .collect();
    // A lower-case id is a finding too, not a waiver file that stops the gate (exit 2).
    assert_eq!(invalid.len(), 3, "{report}");
    let messages: Vec<&str> = invalid.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("did you mean CORE-RISK-ASSESSMENT?")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.contains("did you mean HVM-GAP?")),
        "{messages:?}"
    );
    assert!(invalid.iter().all(|f| f["line"].as_u64().is_some()));
    let (output, record) = gate(dir.path(), "0", &["."]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert_eq!(findings_of(&record, "WAIVER-INVALID"), 3);
}

#[test]
fn a_gate_record_validates_and_can_be_verified_later() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    copy_example("harbour-festival", &sub);
    let (_, record) = gate(dir.path(), "4", &["sub"]);
    assert_eq!(record["version"], 2);
    // The published schema is the record's.
    let schema = run_in(dir.path(), &["schema", "gate-record"]);
    assert_eq!(schema.status.code(), Some(0));
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(schema["properties"]["version"]["const"], 2);
    let record_path = dir.path().join("gate-out/gate-record.json");
    let verify = |cwd: &Path, paths: &[&str]| {
        let mut args = vec!["gate", "--verify", record_path.to_str().unwrap()];
        args.extend_from_slice(paths);
        run_in(cwd, &args)
    };
    let output = verify(dir.path(), &["sub"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(stdout(&output).contains("verified"), "{}", transcript(&output));
    // From inside the tree: the same answer.
    let output = verify(&sub, &["."]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    // A record edited to say "passed" over the same inputs is caught: they are judged again.
    let original = std::fs::read_to_string(&record_path).unwrap();
    let mut forged: serde_json::Value = serde_json::from_str(&original).unwrap();
    forged["passed"] = serde_json::Value::Bool(true);
    forged["reasons"] = serde_json::json!([]);
    forged["findings"] = serde_json::json!([]);
    std::fs::write(&record_path, forged.to_string()).unwrap();
    let output = verify(dir.path(), &["sub"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(
        stdout(&output).contains("differs: the verdict"),
        "{}",
        transcript(&output)
    );
    std::fs::write(&record_path, &original).unwrap();
    // An input changed, one added, one removed.
    let site = sub.join("site.yaml");
    let text = std::fs::read_to_string(&site).unwrap();
    std::fs::write(&site, format!("{text}\n# edited after the gate\n")).unwrap();
    std::fs::write(sub.join("late.yaml"), PROJECT.replace("test-project", "late")).unwrap();
    std::fs::remove_file(sub.join("event.yaml")).unwrap();
    let output = verify(dir.path(), &["sub"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let said = stdout(&output);
    assert!(said.contains("input site.yaml has changed"), "{said}");
    assert!(said.contains("input late.yaml was not judged"), "{said}");
    assert!(said.contains("input event.yaml is missing"), "{said}");
    // A record that is not one is a tool error.
    std::fs::write(&record_path, "{\"version\": 2, \"tool\": \"standoff\"}").unwrap();
    let output = verify(dir.path(), &["sub"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
}

#[test]
fn the_same_tree_gives_the_same_answer_from_any_working_folder() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("work").join("t");
    copy_example("harbour-festival", &tree);
    std::fs::write(tree.join("standoff.yaml"), "# the tree's root\n").unwrap();
    // A waiver file whose notices point into it: its path must not depend on the folder either.
    std::fs::write(
        tree.join("standoff-waivers.yaml"),
        "waivers:\n  - rule: HVM-GAP\n    file: barrier-schedule.yaml\n    reason: a tested array\n    approver: A. Officer\n  - rule: HVM-GAP\n    file: site.yaml\n    reason: nothing there\n    approver: A. Officer\n",
    )
    .unwrap();
    let work = dir.path().join("work");
    let tree_text = tree.to_string_lossy().into_owned();
    let places: [(&Path, &str); 3] = [(&work, "t"), (&tree, "."), (Path::new("/"), &tree_text)];
    for format in ["json", "sarif", "gitlab", "junit", "github"] {
        let outputs: Vec<Vec<u8>> = places
            .iter()
            .map(|(cwd, path)| run_in(cwd, &["check", "--format", format, path]).stdout)
            .collect();
        assert!(!outputs[0].is_empty());
        assert!(
            outputs.windows(2).all(|w| w[0] == w[1]),
            "{format} differs by working folder:\n{}\n---\n{}",
            String::from_utf8_lossy(&outputs[0]),
            String::from_utf8_lossy(&outputs[1])
        );
        assert!(
            !String::from_utf8_lossy(&outputs[0]).contains("../"),
            "{format} climbs out"
        );
    }
    let records: Vec<String> = places
        .iter()
        .enumerate()
        .map(|(i, (cwd, path))| {
            let out = dir.path().join(format!("gate-{i}"));
            run_in(cwd, &["gate", "--stage", "4", "--out", out.to_str().unwrap(), path]);
            std::fs::read_to_string(out.join("gate-record.json")).unwrap()
        })
        .collect();
    assert!(records.windows(2).all(|w| w[0] == w[1]), "gate records differ");
    // A baseline written inside the tree matches when run from its parent.
    let baseline = tree.join("baseline.json");
    run_in(&tree, &["check", ".", "--write-baseline", baseline.to_str().unwrap()]);
    let output = run_in(
        &work,
        &[
            "check",
            "t",
            "--format",
            "json",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
    );
    let report = json(&output);
    let live = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["waived"].is_null())
        .count();
    assert_eq!(live, 0, "{report}");
    assert_eq!(
        report["summary"]["waived"], 1,
        "the waiver still applies from the parent"
    );
    assert_eq!(output.status.code(), Some(0));
    // A baseline of the earlier format is refused, never silently matching nothing.
    let old = dir.path().join("old-baseline.json");
    std::fs::write(&old, "{\"version\": 1, \"findings\": []}").unwrap();
    let output = run_in(&work, &["check", "t", "--baseline", old.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(stderr(&output).contains("write a new one with --write-baseline"));
}

/// Given file paths, the gate judged only the named files' findings while listing the whole
/// tree as inputs: a glob such as `sub/*.yaml` that misses a folder passed a failing project.
#[test]
fn the_gate_given_files_judges_them_and_reports_every_finding() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    copy_example("harbour-festival", &sub);
    let (output, record) = gate(dir.path(), "4", &["sub/project.yaml"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert_eq!(record["passed"], false);
    std::fs::create_dir_all(sub.join("annex")).unwrap();
    for f in ["site.yaml", "barrier-schedule.yaml", "risk-assessment.yaml"] {
        std::fs::rename(sub.join(f), sub.join("annex").join(f)).unwrap();
    }
    let files: Vec<String> = yaml_files(&sub)
        .iter()
        .map(|p| p.strip_prefix(dir.path()).unwrap().to_string_lossy().into_owned())
        .collect();
    let names: Vec<&str> = files.iter().map(String::as_str).collect();
    let (output, record) = gate(dir.path(), "4", &names);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    // What was judged is what is listed: no input without its findings.
    let inputs = record["inputs"].to_string();
    assert!(!inputs.contains("annex"), "{inputs}");
}
