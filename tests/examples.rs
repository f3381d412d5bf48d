//! Every shipped example, pinned: the findings each gives (human output), so a change in any
//! rule that changes what an example shows is seen in review.

use std::path::Path;

use crate::support::{filters, run_in, transcript};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `check` on an example at a fixed date (each snapshot of a project at the date it was
/// taken) and pins exit code, stdout and stderr.
fn pin(name: &str, path: &str, as_of: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["check", path, "--as-of", as_of, "--color", "never"];
    args.extend_from_slice(extra);
    let output = run_in(repo(), &args);
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!(name, transcript(&output));
    });
    output
}

#[test]
fn riverside_arena_stage_0() {
    let output = pin(
        "riverside_stage_0",
        "examples/riverside-arena/stage-0",
        "2025-02-01",
        &[],
    );
    assert_eq!(output.status.code(), Some(0));
    // Looking ahead shows what stage 1 will demand, as info.
    pin(
        "riverside_stage_0_lookahead",
        "examples/riverside-arena/stage-0",
        "2025-02-01",
        &["--lookahead"],
    );
}

#[test]
fn riverside_arena_stage_2() {
    let output = pin(
        "riverside_stage_2",
        "examples/riverside-arena/stage-2",
        "2025-09-01",
        &["--lookahead"],
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn riverside_arena_stage_4() {
    let output = pin(
        "riverside_stage_4",
        "examples/riverside-arena/stage-4",
        "2026-06-01",
        &[],
    );
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn harbour_festival() {
    let output = pin("harbour_festival", "examples/harbour-festival", "2026-06-01", &[]);
    assert_eq!(output.status.code(), Some(1));
}

/// The clean city-centre example: a dense urban site whose two stand-off findings are accepted
/// residual risks; nothing else is reported (its README explains each line).
#[test]
fn city_centre() {
    let output = pin("city_centre", "examples/city-centre", "2026-06-15", &[]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("0 errors, 0 warnings, 0 info, 5 accepted"), "{said}");
}

/// The review gate at the end of stage 4 passes the city-centre example and says what was
/// accepted, by whom and when.
#[test]
fn city_centre_passes_the_stage_4_gate_with_its_accepted_risks() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gate");
    let output = run_in(
        repo(),
        &[
            "gate",
            "--stage",
            "4",
            "examples/city-centre",
            "--as-of",
            "2026-06-15",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("gate passed with 5 accepted residual risks"), "{said}");
    assert!(said.contains("(0 errors, 0 warnings, 0 info, 0 waived)"), "{said}");
    for line in [
        "accepted: RR-01 by Grace Whitcombe, Chief Executive on 2026-04-20: SO-BUILDING",
        "accepted: RR-02 by Grace Whitcombe, Chief Executive on 2026-04-20: SO-PREFERRED",
        "accepted: RR-03 by Grace Whitcombe, Chief Executive on 2026-04-20: SO-PBIED",
    ] {
        assert!(said.contains(line), "{line} in {said}");
    }
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("gate-record.json")).unwrap()).unwrap();
    assert_eq!(record["accepted"].as_array().unwrap().len(), 5, "{record}");
}

/// Before the s.7 document is due, the city-centre strategy's categorised decisions satisfy the
/// Martyn's Law measure rules; from stage 4 the `SecurityPlan` is needed, and without it they
/// report again.
#[test]
fn city_centre_measures_come_from_the_strategy_until_stage_4() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_example("city-centre", dir.path());
    std::fs::remove_file(dir.path().join("security-plan.yaml")).unwrap();
    let rules = |stage: &str| -> Vec<String> {
        let report = crate::support::json(&run_in(
            dir.path(),
            &["check", "--format", "json", "--as-of", "2026-06-15", "--stage", stage],
        ));
        let mut rules: Vec<String> = crate::support::rule_ids(&report)
            .into_iter()
            .filter(|r| r.starts_with("ML-"))
            .collect();
        rules.sort();
        rules
    };
    assert_eq!(rules("3"), Vec::<String>::new());
    assert_eq!(rules("4"), ["ML-DOCUMENT", "ML-MONITORING", "ML-OTHER-MEASURES"]);
}

/// The pre-commit case (one file named, the tree loaded for context) reports exactly what the
/// whole-tree run reports in that file: evaluating rules only on the named files' documents
/// loses nothing.
#[test]
fn one_file_reports_what_the_whole_tree_reports_in_it() {
    let dir = repo().join("examples/harbour-festival");
    let findings = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["check", "--format", "json", "--as-of", "2026-06-01"];
        all.extend_from_slice(args);
        let report = crate::support::json(&run_in(&dir, &all));
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {} {} {}", f["file"], f["rule"], f["pointer"], f["message"]))
            .collect()
    };
    let whole = findings(&["."]);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| Path::new(n).extension().is_some_and(|e| e.eq_ignore_ascii_case("yaml")))
        .collect();
    files.sort();
    let mut seen = 0;
    for file in &files {
        let alone = findings(&[file.as_str()]);
        // Paths are relative to the repository root, wherever the run starts.
        let shown = format!("\"examples/harbour-festival/{file}\"");
        let expected: Vec<&String> = whole.iter().filter(|f| f.starts_with(&shown)).collect();
        assert_eq!(alone.iter().collect::<Vec<_>>(), expected, "{file}");
        seen += alone.len();
    }
    assert_eq!(seen, whole.len(), "every finding belongs to one file");
}

/// Martyn's Law findings are at most warnings until the configured commencement date, then at
/// their own severity (as the harbour-festival README says).
#[test]
fn martyns_law_reports_at_full_severity_once_commenced() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_example("harbour-festival", dir.path());
    std::fs::write(
        dir.path().join("standoff.yaml"),
        "martyns-law:\n  commencement: 2026-04-01\n",
    )
    .unwrap();
    let severities = |as_of: &str| -> Vec<String> {
        let report = crate::support::json(&run_in(dir.path(), &["check", "--format", "json", "--as-of", as_of]));
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"].as_str().unwrap().starts_with("ML-"))
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
            .collect()
    };
    let commenced = severities("2026-06-01");
    for expected in [
        "ML-DSI error",
        "ML-PROCEDURE-LOCKDOWN error",
        "ML-MONITORING error",
        "ML-DOCUMENT warning",
        "ML-OTHER-MEASURES warning",
    ] {
        assert!(commenced.iter().any(|f| f == expected), "{expected} in {commenced:?}");
    }
    let before = severities("2026-03-01");
    assert_eq!(before.len(), commenced.len());
    assert!(before.iter().all(|f| f.ends_with(" warning")), "{before:?}");
}

/// The westgate-centre example (a shopping centre in use, stage 7) shows each check a
/// counter-terrorism security adviser expects firing once its subject is present (issue 13).
#[test]
fn westgate_centre_shows_every_ctsa_check_firing() {
    let output = pin("westgate_centre", "examples/westgate-centre", "2026-11-01", &[]);
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stdout);
    for rule in [
        "SO-PARKING",
        "HVM-QUEUE",
        "HVM-SEARCH-POINT",
        "SO-PBIED",
        "ML-REFUGE-CAPACITY",
        "ML-REFUGE-PROTECTED",
        "ISM-CLASSIFICATION",
        "ML-FIRST-COPY",
        "ML-PROPOSED-MEASURES",
        "ERL-POLICE-ADVICE",
        "SO-CONCEALMENT",
        "ML-EXERCISED",
        "ML-PROCEDURES-REVIEWED",
    ] {
        assert!(said.contains(rule), "{rule} does not fire on westgate-centre:\n{said}");
    }
}
