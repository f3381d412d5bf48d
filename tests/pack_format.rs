//! Pack format 2: a pack of format 1 still loads from disk and judges as before, and
//! `standoff migrate-pack` rewrites it into format 2 with the same findings and messages.

use std::path::Path;

use crate::support::{finding_lines, json, run_in, transcript};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

const FIXTURE: &str = "tests/fixtures/packs/format-1";

/// The findings of the fixture's rules on an example that breaks them.
fn legacy_findings(rules: &str) -> Vec<String> {
    let output = run_in(
        repo(),
        &[
            "check",
            "examples/harbour-festival",
            "--rules",
            rules,
            "--format",
            "json",
        ],
    );
    assert_ne!(output.status.code(), Some(2), "{}", transcript(&output));
    finding_lines(&json(&output))
        .into_iter()
        .filter(|l| l.contains("LEG-"))
        .collect()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_format_1_pack_loads_and_migrates_to_the_same_findings_and_messages() {
    // Format 1 from disk: its own cases (and snapshots) pass, and it reports on the example.
    let output = run_in(repo(), &["test", FIXTURE]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let before = legacy_findings(FIXTURE);
    assert!(before.len() >= 4, "{before:#?}");

    let temp = tempfile::tempdir().unwrap();
    let copy = temp.path().join("packs");
    copy_dir(&repo().join(FIXTURE), &copy);
    let copy_text = copy.to_string_lossy().into_owned();
    let check = run_in(repo(), &["migrate-pack", &copy_text, "--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", transcript(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("5 files to migrate"),
        "{}",
        transcript(&check)
    );
    let migrate = run_in(repo(), &["migrate-pack", &copy_text]);
    assert_eq!(migrate.status.code(), Some(0), "{}", transcript(&migrate));
    let again = run_in(repo(), &["migrate-pack", &copy_text, "--check"]);
    assert_eq!(again.status.code(), Some(0), "{}", transcript(&again));

    let rule = std::fs::read_to_string(copy.join("legacy/LEG-ASSESS.yaml")).unwrap();
    assert!(rule.contains("\nlet:\n") && !rule.contains("{="), "{rule}");
    let pack = std::fs::read_to_string(copy.join("legacy/pack.yaml")).unwrap();
    assert!(pack.contains("\nformat: 2\n"), "{pack}");

    // The migrated pack: its cases render the messages of the snapshots written in format 1,
    // and it gives the same findings, with the same messages.
    let output = run_in(repo(), &["test", &copy_text]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains(" 0 noisy, 0 error"),
        "{}",
        transcript(&output)
    );
    assert_eq!(legacy_findings(&copy_text), before);
}

#[test]
fn let_in_a_format_1_pack_says_how_to_migrate() {
    let temp = tempfile::tempdir().unwrap();
    let copy = temp.path().join("packs");
    copy_dir(&repo().join(FIXTURE), &copy);
    let path = copy.join("legacy/LEG-SPEED.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("\nwhen:", "\nlet:\n  rated: \"item.rating\"\nwhen:"),
    )
    .unwrap();
    let output = run_in(repo(), &["test", &copy.to_string_lossy()]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`let:` needs pack format 2") && stderr.contains("standoff migrate-pack"),
        "{stderr}"
    );
}
