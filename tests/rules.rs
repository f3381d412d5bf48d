//! End-to-end tests of the rule engine's commands: `test`, `rules`, `explain`, `rating`, extra
//! packs, stages and cross-document findings.

use std::path::Path;

use crate::support::{PROJECT, filters, finding_lines, json, run_in, transcript, write_tree};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn snapshot(name: &str, output: &std::process::Output) {
    insta::with_settings!({ filters => filters() }, {
        insta::assert_snapshot!(name, transcript(output));
    });
}

#[test]
fn built_in_packs_pass_their_own_tests() {
    let output = run_in(repo(), &["test"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(" 0 missing, 0 noisy, 0 error"), "{stdout}");
}

#[test]
fn a_bad_rule_pack_is_located_and_exits_2() {
    let output = run_in(
        repo(),
        &[
            "check",
            "examples/riverside-arena/stage-4",
            "--rules",
            "tests/fixtures/packs/broken",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    snapshot("bad_rule_pack", &output);
    // The same errors from `standoff test` and `standoff rules`.
    assert_eq!(
        run_in(repo(), &["test", "tests/fixtures/packs/broken"]).status.code(),
        Some(2)
    );
    assert_eq!(
        run_in(repo(), &["rules", "--rules", "tests/fixtures/packs/broken"])
            .status
            .code(),
        Some(2)
    );
}

const RA: &str = "apiVersion: standoff/v1\nkind: RiskAssessment\nmetadata: {name: sra}\nspec:\n  assessor: {name: A. Adviser}\n  assessed: 2025-06-01\n  methodologies: [{type: vehicle-as-weapon, status: assessed}]\n";
const STRATEGY: &str = "apiVersion: standoff/v1\nkind: SecurityStrategy\nmetadata: {name: strategy}\nspec:\n  riskAssessment: sra\n  decisions: [{id: d1, measure: Bollards}]\n";
const SITE: &str = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n  vehicleApproaches:\n    - id: va-east\n      reaches: plaza\n      impactSpeed: 64 km/h\n";
const BARRIERS: &str = "apiVersion: standoff/v1\nkind: BarrierSchedule\nmetadata:\n  name: barriers\nspec:\n  site: quay\n  barriers:\n    - id: tb-1\n      temporary: true\n      protects: [va-east]\n";

#[test]
fn an_extra_pack_reports_across_documents() {
    let dir = tempfile::tempdir().unwrap();
    let project = PROJECT.replace("stage: 0", "stage: 3");
    write_tree(
        dir.path(),
        &[
            ("project.yaml", &project),
            ("ra.yaml", RA),
            ("strategy.yaml", STRATEGY),
            ("site.yaml", SITE),
            ("barriers.yaml", BARRIERS),
        ],
    );
    let pack = repo().join("tests/fixtures/packs/extra");
    let output = crate::support::standoff()
        .current_dir(dir.path())
        .args(["check", "--color", "never", "--select", "BX", "--rules"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    // The finding is at the barrier; its related label is at the approach in the Site.
    snapshot("cross_document_finding", &output);
    let listed = crate::support::standoff()
        .args(["rules", "--format", "json", "--rules"])
        .arg(&pack)
        .output()
        .unwrap();
    let rules = json(&listed);
    assert!(
        rules["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "BX-TEMPORARY")
    );
}

#[test]
fn the_stage_decides_which_rules_fire() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", PROJECT)]);
    // The core pack's presence rules show the semantics; the other packs would add their own.
    let rules = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json", "--select", "CORE"];
        all.extend_from_slice(args);
        let output = run_in(dir.path(), &all);
        let report = json(&output);
        let found: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
            .collect();
        (output.status.code(), found)
    };
    // Stage 0: nothing is due yet.
    assert_eq!(rules(&[]), (Some(0), vec![]));
    // Looking ahead from stage 0: the stage-1 rule, as info.
    assert_eq!(
        rules(&["--lookahead"]),
        (Some(0), vec!["CORE-RISK-ASSESSMENT info".to_owned()])
    );
    // Stage 1: due this stage, so at most a warning.
    assert_eq!(
        rules(&["--stage", "1"]),
        (Some(0), vec!["CORE-RISK-ASSESSMENT warning".to_owned()])
    );
    // Stage 2: overdue (error), and the stage-2 rules are due (warnings).
    assert_eq!(
        rules(&["--stage", "concept-design"]),
        (
            Some(1),
            vec![
                "CORE-RISK-ASSESSMENT error".into(),
                "CORE-SECURITY-STRATEGY warning".into(),
                "CORE-SITE warning".into()
            ]
        )
    );
    let output = run_in(dir.path(), &["check", "--stage", "1", "--color", "never"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("(due by the end of stage 1)"), "{stdout}");
}

#[test]
fn an_invalid_project_stops_stage_rules_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let broken = PROJECT.replace("stage: 0", "stage: 9");
    write_tree(dir.path(), &[("project.yaml", &broken), ("site.yaml", SITE)]);
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    // The Project's own error, and one warning that its stage rules did not run: no cascade
    // (the Site's missing stage-2 documents are not reported).
    assert_eq!(
        finding_lines(&report),
        ["CORE-PROJECT project.yaml:2:7", "SCHEMA-FORMAT project.yaml:6:10"]
    );
    assert_eq!(report["findings"][0]["severity"], "warning");
}

#[test]
fn explain_renders_a_rule_and_suggests_ids() {
    let output = run_in(repo(), &["explain", "CORE-REF"]);
    assert_eq!(output.status.code(), Some(0));
    snapshot("explain_core_ref", &output);
    let builtin = run_in(repo(), &["explain", "SCHEMA-QUANTITY"]);
    assert!(String::from_utf8_lossy(&builtin.stdout).contains("48 km/h"));
    let unknown = run_in(repo(), &["explain", "CORE-REFF"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean CORE-REF?"));
    // The list a CEL error points to (`see standoff explain --functions`).
    let functions = run_in(repo(), &["explain", "--functions"]);
    assert_eq!(functions.status.code(), Some(0));
    let text = String::from_utf8_lossy(&functions.stdout);
    for name in [
        "self",
        "docs(kind)",
        "item_of(kind, name, id)",
        "design_charge(type)",
        "matches_re(text, pattern)",
    ] {
        assert!(text.contains(name), "{name} missing from\n{text}");
    }
    assert_eq!(
        run_in(repo(), &["explain"]).status.code(),
        Some(2),
        "an id or --functions"
    );
}

#[test]
fn rating_strings_decode_or_say_why_not() {
    let output = run_in(
        repo(),
        &["rating", "PAS 68:2013 V/7500(N3)/80/90:0.4/15.4 ; ASTM F2656-07 M50 P1"],
    );
    assert_eq!(output.status.code(), Some(0));
    snapshot("rating_human", &output);
    let output = run_in(
        repo(),
        &["rating", "--format", "json", "IWA 14-1:2013 V/7200[N3C]/30mph/90:1.5"],
    );
    assert_eq!(output.status.code(), Some(0));
    insta::assert_json_snapshot!("rating_json", json(&output));
    let output = run_in(repo(), &["rating", "V/7500[N3]/80/90:1,500"]);
    assert_eq!(output.status.code(), Some(1));
    snapshot("rating_ambiguous", &output);
}
