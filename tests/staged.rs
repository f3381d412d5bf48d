//! `check --staged` (issue 14, point 5): the staged change judged as git would commit it. A
//! deleted document, or one whose name changes, breaks the references of files the change does
//! not touch; the hook reports those, labelled as caused by the change, and judges the index,
//! never the unstaged edits of the working tree.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{PROJECT, filters, json, standoff, transcript, write_tree};

/// The tree's folder: a space and a non-ASCII letter, so every path git prints must be read
/// exactly (`-z`).
const TREE: &str = "design docs";
const SITE_FILE: &str = "design docs/sité.yaml";
const BARRIERS_FILE: &str = "design docs/barriers.yaml";

const SITE: &str = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n  vehicleApproaches:\n    - id: va\n      reaches: plaza\n";
const BARRIERS: &str = "apiVersion: standoff/v1\nkind: BarrierSchedule\nmetadata:\n  name: barriers\nspec:\n  site: quay\n  barriers:\n    - id: b1\n      protects: [va]\n";

/// The variables git reads that would make a test depend on the machine or on an enclosing
/// repository (a test run from a hook has `GIT_DIR` and `GIT_INDEX_FILE` set).
const GIT_VARIABLES: [&str; 5] = [
    "GIT_DIR",
    "GIT_INDEX_FILE",
    "GIT_WORK_TREE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_CEILING_DIRECTORIES",
];

/// The settings that make git independent of the machine's own configuration, and blind to
/// any repository above the test's folder.
fn git_settings(dir: &Path) -> [(&'static str, std::ffi::OsString); 3] {
    let null = if cfg!(windows) { "NUL" } else { "/dev/null" };
    [
        ("GIT_CONFIG_NOSYSTEM", "1".into()),
        ("GIT_CONFIG_GLOBAL", null.into()),
        ("GIT_CEILING_DIRECTORIES", dir.parent().unwrap_or(dir).into()),
    ]
}

fn git(dir: &Path, args: &[&str]) {
    let mut command = Command::new("git");
    for name in GIT_VARIABLES {
        command.env_remove(name);
    }
    let output = command
        .envs(git_settings(dir))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {}", transcript(&output));
}

/// `standoff` in `dir`, with git set up as for [`git`].
fn staged_in(dir: &Path, args: &[&str]) -> Output {
    let mut cmd = standoff();
    for name in GIT_VARIABLES {
        cmd.env_remove(name);
    }
    cmd.envs(git_settings(dir))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

/// A repository whose one commit holds a clean tree: a Project, a Site and a barrier schedule
/// that references the Site.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "--quiet"]);
    git(dir.path(), &["config", "user.name", "Test"]);
    git(dir.path(), &["config", "user.email", "test@example.com"]);
    git(dir.path(), &["config", "commit.gpgsign", "false"]);
    write_tree(
        dir.path(),
        &[
            ("design docs/standoff.yaml", "fail-on: error\n"),
            ("design docs/project.yaml", PROJECT),
            (SITE_FILE, SITE),
            (BARRIERS_FILE, BARRIERS),
            ("README.md", "# design\n"),
        ],
    );
    git(dir.path(), &["add", "--all"]);
    git(dir.path(), &["commit", "--quiet", "--message", "design"]);
    let clean = staged_in(dir.path(), &["check", TREE]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "the committed tree is clean: {}",
        transcript(&clean)
    );
    dir
}

/// Each finding as `RULE file pointer: message`.
fn findings(output: &Output) -> Vec<String> {
    json(output)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}: {}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["pointer"].as_str().unwrap_or(""),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// Stages everything, runs `check --staged`, and asserts that it fails with a finding whose
/// line starts with `expected`; returns every finding's line.
fn staged_fails_with(dir: &Path, expected: &str) -> Vec<String> {
    git(dir, &["add", "--all"]);
    let output = check_staged_json(dir);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let lines = findings(&output);
    assert!(lines.iter().any(|l| l.starts_with(expected)), "{lines:#?}");
    lines
}

fn check_staged_json(dir: &Path) -> Output {
    staged_in(dir, &["check", "--staged", "--format", "json"])
}

#[test]
fn a_staged_deletion_reports_the_broken_reference_in_the_file_left_behind() {
    let dir = repository();
    // What the hook that is handed the changed files saw: a deletion hands it nothing, and the
    // file left behind is fine on its own terms.
    git(dir.path(), &["rm", "--quiet", SITE_FILE]);
    let output = check_staged_json(dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let found = findings(&output);
    assert!(!found.is_empty());
    for finding in &found {
        assert!(
            finding.starts_with(&format!("CORE-REF {BARRIERS_FILE} "))
                && finding.ends_with(&format!("(caused by this commit: `{SITE_FILE}` deleted)")),
            "{found:#?}"
        );
    }
    assert!(found.iter().any(|f| f.contains(" /spec/site: ")), "{found:#?}");
    let human = staged_in(dir.path(), &["check", "--staged"]);
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!("staged_deletion", transcript(&human));
    });
}

#[test]
fn renaming_a_document_breaks_the_references_to_its_old_name() {
    // References name a document by its `metadata.name`: renaming it is what breaks them.
    let dir = repository();
    write_tree(
        dir.path(),
        &[(SITE_FILE, &SITE.replace("name: quay", "name: quay-east"))],
    );
    git(dir.path(), &["add", SITE_FILE]);
    let output = check_staged_json(dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let found = findings(&output);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with(&format!("CORE-REF {BARRIERS_FILE} /spec/site: "))
                && f.ends_with(&format!("(caused by this commit: `{SITE_FILE}` modified)"))),
        "{found:#?}"
    );
    assert!(found.iter().all(|f| f.contains(BARRIERS_FILE)), "{found:#?}");
}

#[test]
fn moving_a_file_out_of_its_tree_breaks_what_referenced_it() {
    // A file renamed inside its tree breaks nothing (see the clean change below); moved into
    // another tree, its document leaves the project.
    let dir = repository();
    std::fs::create_dir(dir.path().join("archive")).unwrap();
    git(dir.path(), &["mv", SITE_FILE, "archive/sité.yaml"]);
    let output = check_staged_json(dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let found = findings(&output);
    assert!(
        found
            .iter()
            .any(|f| f.starts_with(&format!("CORE-REF {BARRIERS_FILE} /spec/site: "))
                && f.ends_with(&format!(
                    "(caused by this commit: `{SITE_FILE}` renamed to `archive/sité.yaml`)"
                ))),
        "{found:#?}"
    );
    // The moved file is a changed file: its own findings are reported as `check FILE` reports
    // them (no Project in its new tree), without a label.
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("CORE-PROJECT archive/sité.yaml ") && !f.contains("caused by")),
        "{found:#?}"
    );
}

#[test]
fn a_clean_change_passes() {
    let dir = repository();
    // A rename inside the tree (references go by name, not by file), an edit that keeps the
    // name, and a new file.
    git(dir.path(), &["mv", SITE_FILE, "design docs/site plan.yaml"]);
    write_tree(
        dir.path(),
        &[
            ("design docs/site plan.yaml", &format!("# the quay\n{SITE}")),
            ("design docs/notes.yml", "just: notes\n"),
        ],
    );
    git(dir.path(), &["add", "--all"]);
    let output = check_staged_json(dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert_eq!(findings(&output), Vec::<String>::new());
}

#[test]
fn the_index_is_judged_not_the_working_tree() {
    // Deleted in the working tree but not staged: the commit keeps it, so nothing breaks.
    let dir = repository();
    std::fs::remove_file(dir.path().join(SITE_FILE)).unwrap();
    let unstaged = check_staged_json(dir.path());
    assert_eq!(unstaged.status.code(), Some(0), "{}", transcript(&unstaged));
    assert_eq!(staged_in(dir.path(), &["check", TREE]).status.code(), Some(1));
    // Staged as deleted but still in the working tree: the commit drops it.
    let dir = repository();
    git(dir.path(), &["rm", "--quiet", "--cached", SITE_FILE]);
    assert!(dir.path().join(SITE_FILE).is_file());
    let staged = check_staged_json(dir.path());
    assert_eq!(staged.status.code(), Some(1), "{}", transcript(&staged));
    assert_eq!(staged_in(dir.path(), &["check", TREE]).status.code(), Some(0));
    // A staged edit that an unstaged one undoes is still judged as staged.
    let dir = repository();
    let renamed = SITE.replace("name: quay", "name: quay-east");
    write_tree(dir.path(), &[(SITE_FILE, &renamed)]);
    git(dir.path(), &["add", SITE_FILE]);
    write_tree(dir.path(), &[(SITE_FILE, SITE)]);
    assert_eq!(check_staged_json(dir.path()).status.code(), Some(1));
}

#[test]
fn the_first_commit_judges_every_staged_file() {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "--quiet"]);
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("barriers.yaml", BARRIERS)]);
    let found = staged_fails_with(dir.path(), "CORE-REF barriers.yaml /spec/site: ");
    assert!(
        found.iter().all(|f| !f.contains("caused by")),
        "every file is in the change: {found:#?}"
    );
}

#[test]
fn nothing_staged_passes_and_says_so() {
    let dir = repository();
    write_tree(dir.path(), &[("README.md", "# design, again\n")]);
    git(dir.path(), &["add", "README.md"]);
    let output = staged_in(dir.path(), &["check", "--staged"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("note: nothing staged that standoff reads"), "{stderr}");
}

#[test]
fn outside_a_repository_or_without_git_it_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", PROJECT)]);
    let output = staged_in(dir.path(), &["check", "--staged"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--staged judges the staged change of a git repository")
            && stderr.contains("is not in the work tree of one"),
        "{stderr}"
    );
    // git not on PATH.
    let repo = repository();
    let empty = tempfile::tempdir().unwrap();
    let output = standoff()
        .current_dir(repo.path())
        .env("PATH", empty.path())
        .args(["check", "--staged"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("git could not be run"),
        "{}",
        transcript(&output)
    );
    // Paths mean nothing to it.
    let output = staged_in(repo.path(), &["check", "--staged", TREE]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
}

#[test]
fn a_waiver_withdrawn_brings_its_finding_back_as_caused_by_the_change() {
    // The config names a waiver file that is not `.yaml`: a change to it alone is judged too.
    let dir = repository();
    let waivers = "waivers:\n  - rule: CORE-REF\n    file: barriers.yaml\n    pointer: /spec/barriers/0/protects/1\n    reason: the east approach is surveyed next month\n    approver: J. Smith, CTSA\n";
    write_tree(
        dir.path(),
        &[
            ("design docs/standoff.yaml", "fail-on: error\nwaivers: waivers.txt\n"),
            ("design docs/waivers.txt", waivers),
            (BARRIERS_FILE, &BARRIERS.replace("[va]", "[va, va-east]")),
        ],
    );
    git(dir.path(), &["add", "--all"]);
    git(dir.path(), &["commit", "--quiet", "--message", "a waived reference"]);
    let waived = staged_in(dir.path(), &["check", TREE]);
    assert_eq!(waived.status.code(), Some(0), "{}", transcript(&waived));
    write_tree(dir.path(), &[("design docs/waivers.txt", "waivers: []\n")]);
    git(dir.path(), &["add", "--all"]);
    let output = check_staged_json(dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let found = findings(&output);
    assert!(
        found.len() == 1
            && found[0].starts_with(&format!(
                "CORE-REF {BARRIERS_FILE} /spec/barriers/0/protects/1: `va-east` "
            ))
            && found[0].ends_with("(caused by this commit: `design docs/waivers.txt` modified)"),
        "{found:#?}"
    );
}

#[test]
fn the_recommended_hook_reads_the_staged_change() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml")).unwrap();
    let hook = manifest
        .split("\n- id: ")
        .find(|h| h.starts_with("standoff\n"))
        .expect("a hook named standoff");
    for line in [
        "entry: standoff check --staged",
        "language: rust",
        "pass_filenames: false",
        "always_run: true",
    ] {
        assert!(hook.lines().any(|l| l.trim() == line), "{line}: {hook}");
    }
    // docs/ci.md pins this release, and installs it with Cargo.lock.
    let version = env!("CARGO_PKG_VERSION");
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/ci.md")).unwrap();
    let section = doc
        .split("\n## pre-commit\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("docs/ci.md has a pre-commit section");
    assert!(section.contains(&format!("rev: v{version}\n")), "{section}");
    assert!(manifest.contains(&format!("rev: v{version}\n")), "{manifest}");
    let installs: Vec<&str> = section.lines().filter(|l| l.starts_with("cargo install")).collect();
    assert!(!installs.is_empty());
    for line in installs {
        assert!(
            line.contains("--locked") && line.contains(&format!("--tag v{version} ")),
            "{line}"
        );
    }
}

#[test]
fn a_problem_already_committed_elsewhere_is_not_the_changes() {
    let dir = repository();
    write_tree(
        dir.path(),
        &[(BARRIERS_FILE, &BARRIERS.replace("[va]", "[va, va-ghost]"))],
    );
    git(
        dir.path(),
        &["commit", "--quiet", "--all", "--message", "a broken reference"],
    );
    // Marking the project OFFICIAL-SENSITIVE changes how every finding of the project is
    // fingerprinted; the committed problem in the barrier schedule is still not this change's.
    let marked = PROJECT.replace(
        "  name: test-project\n",
        "  name: test-project\n  classification: OFFICIAL-SENSITIVE\n",
    );
    assert_ne!(marked, PROJECT);
    write_tree(dir.path(), &[("design docs/project.yaml", &marked)]);
    git(dir.path(), &["add", "--all"]);
    let output = check_staged_json(dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert_eq!(findings(&output), Vec::<String>::new());
    assert_eq!(staged_in(dir.path(), &["check", TREE]).status.code(), Some(1));
}

/// After the attack: a raised `fail-on` (or any change to a tree's own config) reaches every
/// file of that tree, so warnings HEAD already had fail the commit that makes them fail, as
/// `check` of the committed tree would.
#[test]
fn a_changed_config_judges_every_file_of_its_tree() {
    let dir = repository();
    write_tree(
        dir.path(),
        &[("design docs/standoff.yaml", "fail-on: error\nstage: 1\n")],
    );
    git(
        dir.path(),
        &["commit", "--quiet", "--all", "--message", "judged at stage 1"],
    );
    write_tree(
        dir.path(),
        &[("design docs/standoff.yaml", "fail-on: warning\nstage: 1\n")],
    );
    staged_fails_with(dir.path(), "CORE-RISK-ASSESSMENT design docs/project.yaml");
}

/// After the attack: when HEAD cannot be judged (its config was broken), the comparison is
/// impossible, so every finding of the touched trees is reported (fail closed): a deleted
/// document that others refer to still fails the commit that also mends the config.
#[test]
fn an_unjudgeable_head_reports_the_touched_trees_in_full() {
    let dir = repository();
    write_tree(dir.path(), &[("design docs/standoff.yaml", "fail-on: eror\n")]);
    git(
        dir.path(),
        &["commit", "--quiet", "--all", "--message", "a broken config"],
    );
    write_tree(dir.path(), &[("design docs/standoff.yaml", "fail-on: error\n")]);
    git(dir.path(), &["add", "--all"]);
    git(dir.path(), &["rm", "--quiet", SITE_FILE]);
    staged_fails_with(dir.path(), "CORE-REF design docs/barriers.yaml");
    let output = check_staged_json(dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("HEAD could not be judged"), "{stderr}");
}

/// After the attack: an intent to add (`git add -N`) is not in the commit, so it is not
/// judged. A `standoff.yaml` only intended to be added does not split the tree: a harmless edit
/// in its folder is judged with the tree the commit will really have, and passes.
#[test]
fn an_intent_to_add_is_not_judged() {
    let dir = repository();
    let annex = "design docs/annex/barriers.yaml";
    write_tree(
        dir.path(),
        &[(annex, &BARRIERS.replace("name: barriers", "name: annex-barriers"))],
    );
    git(dir.path(), &["add", "--all"]);
    git(dir.path(), &["commit", "--quiet", "--message", "an annex"]);
    write_tree(dir.path(), &[("design docs/annex/standoff.yaml", "fail-on: info\n")]);
    git(
        dir.path(),
        &["add", "--intent-to-add", "design docs/annex/standoff.yaml"],
    );
    write_tree(
        dir.path(),
        &[(
            annex,
            &format!(
                "# reviewed\n{}",
                BARRIERS.replace("name: barriers", "name: annex-barriers")
            ),
        )],
    );
    git(dir.path(), &["add", annex]);
    let output = check_staged_json(dir.path());
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(findings(&output).is_empty(), "{:#?}", findings(&output));
}
