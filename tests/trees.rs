//! Trees (product.md, "Trees, projects and files"; issue 14, point 4): each `standoff.yaml`
//! makes its folder a tree with its own config; a run checks each tree it meets with that
//! tree's config, so results do not depend on the order of the paths; a file checked alone is
//! judged with its own tree.

use std::path::{Path, PathBuf};

use crate::support::{PROJECT, copy_example, json, run_in, standoff, transcript, write_tree};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Each finding as one comparable line: rule, file, position, severity, message, waived.
fn lines(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .map(|findings| {
            findings
                .iter()
                .map(|f| {
                    format!(
                        "{} {}:{}:{} {} {} waived={}",
                        f["rule"].as_str().unwrap_or("?"),
                        f["file"].as_str().unwrap_or("?"),
                        f["line"],
                        f["column"],
                        f["severity"].as_str().unwrap_or("?"),
                        f["message"].as_str().unwrap_or("?"),
                        !f["waived"].is_null()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn check_json(dir: &Path, paths: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(paths);
    let output = run_in(dir, &args);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", transcript(&output));
    (output.status.code(), json(&output))
}

/// Two trees side by side in a folder that is no tree itself: `a` (the stage-2 snapshot, three
/// warnings and no error) fails on warnings by its own config; `b` (the defects example) keeps
/// the defaults.
fn two_trees() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    // A repository, so every run shows paths from its root (product.md), whichever tree it checks.
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    copy_example("riverside-arena/stage-2", &dir.path().join("a"));
    std::fs::write(dir.path().join("a/standoff.yaml"), "fail-on: warning\n").unwrap();
    copy_example("defects", &dir.path().join("b"));
    dir
}

#[test]
fn the_order_of_the_paths_changes_nothing() {
    let dir = two_trees();
    let (code_ab, ab) = check_json(dir.path(), &["a", "b"]);
    let (code_ba, ba) = check_json(dir.path(), &["b", "a"]);
    let (code_all, all) = check_json(dir.path(), &["."]);
    assert_eq!(lines(&ab), lines(&ba));
    assert_eq!(lines(&ab), lines(&all), "`check .` meets both trees");
    assert_eq!((code_ab, code_ba, code_all), (Some(1), Some(1), Some(1)));
    assert_eq!(ab["summary"], ba["summary"]);
    // Each tree alone gives exactly its part of the whole.
    let (_, a) = check_json(dir.path(), &["a"]);
    let (_, b) = check_json(dir.path(), &["b"]);
    let mut parts = lines(&a);
    parts.extend(lines(&b));
    parts.sort();
    let mut whole = lines(&all);
    whole.sort();
    assert_eq!(parts, whole);
}

#[test]
fn each_tree_is_judged_with_its_own_config() {
    let dir = two_trees();
    // `a` has warnings only: they fail the run by a's config, alone and beside `b`.
    let (code, report) = check_json(dir.path(), &["a"]);
    assert_eq!(code, Some(1), "{report}");
    assert_eq!(report["summary"]["errors"], 0);
    // A tree's `ignore` applies to it alone.
    std::fs::write(
        dir.path().join("a/standoff.yaml"),
        "fail-on: warning\nignore: [THR-REVIEW-DUE, SO-BUILDING, SO-PREFERRED, SO-PBIED]\n",
    )
    .unwrap();
    let (code, report) = check_json(dir.path(), &["a"]);
    assert_eq!((code, lines(&report)), (Some(0), Vec::<String>::new()));
    copy_example("riverside-arena/stage-2", &dir.path().join("c"));
    let (_, report) = check_json(dir.path(), &["."]);
    let in_c: Vec<String> = lines(&report).into_iter().filter(|l| l.contains(" c/")).collect();
    assert!(
        in_c.iter().any(|l| l.starts_with("THR-REVIEW-DUE ")),
        "c is a tree of its own, with its own config: {in_c:?}"
    );
    assert!(!lines(&report).iter().any(|l| l.contains(" a/")));
}

#[test]
fn a_nested_trees_waiver_file_is_never_ignored() {
    let dir = two_trees();
    std::fs::write(
        dir.path().join("a/standoff-waivers.yaml"),
        "waivers:\n  - rule: THR-REVIEW-DUE\n    file: risk-assessment.yaml\n    reason: the review is booked for next week\n    approver: J. Smith, CTSA\n",
    )
    .unwrap();
    for paths in [&["."][..], &["a"], &["b", "a"], &["a/risk-assessment.yaml"]] {
        let (_, report) = check_json(dir.path(), paths);
        let review: Vec<String> = lines(&report)
            .into_iter()
            .filter(|l| l.starts_with("THR-REVIEW-DUE "))
            .collect();
        assert_eq!(review.len(), 1, "{paths:?}: {review:?}");
        assert!(review[0].ends_with("waived=true"), "{paths:?}: {review:?}");
        assert!(!lines(&report).iter().any(|l| l.starts_with("WAIVER-")), "{paths:?}");
    }
}

#[test]
fn the_gate_refuses_paths_that_span_trees() {
    let dir = two_trees();
    let out = tempfile::tempdir().unwrap();
    for paths in [&["."][..], &["a", "b"]] {
        let output = standoff()
            .current_dir(dir.path())
            .args(["gate", "--stage", "2", "--out"])
            .arg(out.path().join("gate"))
            .args(paths)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
        assert!(
            String::from_utf8_lossy(&output.stderr).contains("one tree at a time"),
            "{}",
            transcript(&output)
        );
    }
}

/// Every folder of the examples that is a tree.
fn example_trees() -> Vec<PathBuf> {
    let mut trees = Vec::new();
    let mut stack = vec![repo().join("examples")];
    while let Some(dir) = stack.pop() {
        if dir.join("standoff.yaml").is_file() {
            trees.push(dir.clone());
        }
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    trees.sort();
    trees
}

fn relative(path: &Path) -> String {
    path.strip_prefix(repo()).unwrap().to_string_lossy().replace('\\', "/")
}

#[test]
fn every_example_and_snapshot_is_its_own_tree_and_the_root_reports_only_theirs() {
    let trees = example_trees();
    let yaml_at_top = |dir: &Path| {
        std::fs::read_dir(dir)
            .unwrap()
            .filter_map(Result::ok)
            .any(|e| e.path().extension().is_some_and(|x| x == "yaml" || x == "yml"))
    };
    for dir in std::fs::read_dir(repo().join("examples")).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() && yaml_at_top(&dir) {
            assert!(trees.contains(&dir), "{} has no standoff.yaml", relative(&dir));
        }
    }
    let mut expected = Vec::new();
    for tree in &trees {
        let (_, report) = check_json(&repo(), &[&relative(tree)]);
        expected.extend(lines(&report));
    }
    expected.sort();
    let (_, whole) = check_json(&repo(), &["."]);
    let mut found = lines(&whole);
    found.sort();
    assert_eq!(found, expected, "`check .` at the repository root");
    assert!(
        !found.iter().any(|l| l.starts_with("CORE-NAME-UNIQUE")),
        "no project meets its own snapshots: {found:?}"
    );
}

#[test]
fn every_example_file_checked_alone_reports_what_its_tree_reports_in_it() {
    for tree in example_trees() {
        let (_, report) = check_json(&repo(), &[&relative(&tree)]);
        let whole = lines(&report);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&tree)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml") && !p.ends_with("standoff.yaml"))
            .collect();
        files.sort();
        for file in files {
            let shown = relative(&file);
            let (_, alone) = check_json(&repo(), &[&shown]);
            let expected: Vec<&String> = whole.iter().filter(|l| l.contains(&format!(" {shown}:"))).collect();
            let found = lines(&alone);
            assert_eq!(found.iter().collect::<Vec<_>>(), expected, "{shown} checked alone");
        }
    }
}

/// A hostile layout: a nested tree whose link leads back to the tree above it, with links
/// followed in both. Every tree is judged once, and the run ends.
#[cfg(unix)]
#[test]
fn a_link_from_a_nested_tree_back_to_its_parent_is_judged_once() {
    let dir = two_trees();
    std::fs::write(dir.path().join("standoff.yaml"), "follow-symlinks: true\n").unwrap();
    std::fs::write(
        dir.path().join("a/standoff.yaml"),
        "follow-symlinks: true\nfail-on: warning\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("a/up")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("b"), dir.path().join("a/b-again")).unwrap();
    let (code, report) = check_json(dir.path(), &["."]);
    assert_eq!(code, Some(1));
    let all = lines(&report);
    let review = all.iter().filter(|l| l.starts_with("THR-REVIEW-DUE ")).count();
    assert_eq!(review, 1, "{all:?}");
    let syntax = all.iter().filter(|l| l.starts_with("YAML-SYNTAX ")).count();
    assert_eq!(syntax, 1, "b is judged once, under one name: {all:?}");
}

/// A file named alone outside every tree is judged with its folder as context, but the trees
/// nested below that folder are not its own: they are neither judged nor reported (after the
/// attack on the language server: `check x.yaml` reported a nested tree's files and failed on
/// them).
#[test]
fn a_file_named_alone_is_not_judged_with_the_trees_below_it() {
    let dir = tempfile::tempdir().unwrap();
    let broken = PROJECT
        .replace("name: test-project", "name: x")
        .replace("uses: [halls]", "uses: [hals]");
    write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT),
            ("nested/standoff.yaml", "fail-on: error\n"),
            ("nested/project.yaml", &broken),
        ],
    );
    let (code, report) = check_json(dir.path(), &["project.yaml"]);
    assert!(
        lines(&report).iter().all(|l| !l.contains("nested/")),
        "{:#?}",
        lines(&report)
    );
    assert_eq!(code, Some(0), "{report}");
    // The folder itself still judges both trees.
    let (code, report) = check_json(dir.path(), &["."]);
    assert!(
        lines(&report).iter().any(|l| l.contains("nested/project.yaml")),
        "{report}"
    );
    assert_eq!(code, Some(1));
}
