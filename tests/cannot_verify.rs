//! Issue "Fail closed", section 1: a rule that cannot establish its outcome says so. Each
//! known silent pass of v0.1 is reproduced here and must now be a finding.

use std::path::Path;

use crate::support::{json, matrix_status, run_in, standoff, transcript};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn the_stage_2_snapshot_without_a_barrier_schedule_does_not_pass_the_stage_4_gate() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gate");
    let output = standoff()
        .current_dir(repo())
        .args([
            "gate",
            "--stage",
            "4",
            "examples/riverside-arena/stage-2",
            "--as-of",
            "2026-06-01",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("gate-record.json")).unwrap()).unwrap();
    let schedule: Vec<&serde_json::Value> = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "HVM-SCHEDULE")
        .collect();
    assert_eq!(
        schedule.len(),
        5,
        "one per approach relying on barriers (four permanent, one temporary): {record}"
    );
    assert!(schedule.iter().all(|f| f["severity"] == "error"));
    // The rules that would have read the schedule cannot verify anything: not "not applicable".
    for rule in ["HVM-SPEED", "HVM-MASS", "HVM-PENETRATION", "HVM-GAP"] {
        let s = matrix_status(&record, rule);
        assert!(!s.is_empty() && s.iter().all(|s| s == "cannot-verify"), "{rule}: {s:?}");
    }
    let html = std::fs::read_to_string(out.join("gate-report.html")).unwrap();
    assert!(html.contains("<code>HVM-SPEED</code> cannot verify"));
}

const PROJECT_STAGE_4: &str = "apiVersion: standoff/v1\nkind: Project\nmetadata: {name: p}\nspec: {stage: 4, jurisdiction: GB-ENG, uses: [halls], occupancy: {expectedPeak: 50, basis: design-estimate, includesStaff: true}}\n";

#[test]
fn unknown_or_unbounded_penetration_cannot_be_verified() {
    let dir = tempfile::tempdir().unwrap();
    let barriers = "apiVersion: standoff/v1\nkind: BarrierSchedule\nmetadata: {name: barriers}\nspec:\n  site: quay\n  barriers:\n    - {id: b1, standard: astm-f2656, rating: M50/P4, protects: [va], protectedDistance: 3 m}\n    - {id: b2, standard: pas-68, rating: \"V/7500[N2]/48/90\", protects: [va], protectedDistance: 40 m}\n    - {id: b3, standard: astm-f2656, rating: M50/P1, protects: [va], protectedDistance: 3 m}\n";
    let site = "apiVersion: standoff/v1\nkind: Site\nmetadata: {name: quay}\nspec:\n  crowdedSpaces: [{id: plaza}]\n  vehicleApproaches: [{id: va, reaches: plaza, impactSpeed: 30 mph, mitigation: barrier-line}]\n";
    crate::support::write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT_STAGE_4),
            ("barriers.yaml", barriers),
            ("site.yaml", site),
        ],
    );
    let report = json(&run_in(
        dir.path(),
        &["check", "--format", "json", "--select", "HVM-PENETRATION", "."],
    ));
    let found: Vec<(String, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["pointer"].as_str().unwrap().to_owned(), f["cannotVerify"] == true))
        .collect();
    assert_eq!(
        found,
        [
            ("/spec/barriers/0/protectedDistance".to_owned(), true),
            ("/spec/barriers/1/protectedDistance".to_owned(), true)
        ],
        "{report}"
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("cannot verify: barrier b1 (M50/P4)"), "{message}");
    assert_eq!(report["findings"][0]["severity"], "error");
}

#[test]
fn a_stated_impact_speed_below_the_approachs_own_dynamics_is_not_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let site = |reduction: &str| {
        format!(
            "apiVersion: standoff/v1\nkind: Site\nmetadata: {{name: quay}}\nspec:\n  crowdedSpaces: [{{id: plaza}}]\n  vehicleApproaches: [{{id: va, reaches: plaza, runUp: 110 m, entrySpeed: 30 mph, acceleration: 1.2 m/s2, impactSpeed: 48 km/h, mitigation: barrier-line{reduction}}}]\n"
        )
    };
    let barriers = "apiVersion: standoff/v1\nkind: BarrierSchedule\nmetadata: {name: barriers}\nspec:\n  site: quay\n  barriers:\n    - {id: b1, standard: iwa-14-1, rating: \"V/7200[N3C]/48/90:1.5\", protects: [va], protectedDistance: 3 m}\n";
    crate::support::write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT_STAGE_4),
            ("barriers.yaml", barriers),
            ("site.yaml", &site("")),
        ],
    );
    let rules = |dir: &Path| -> Vec<String> {
        let report = json(&run_in(
            dir,
            &["check", "--format", "json", "--select", "HVM-SPEED,HVM-VDA", "."],
        ));
        crate::support::rule_ids(&report)
    };
    assert_eq!(rules(dir.path()), ["HVM-SPEED", "HVM-VDA"]);
    std::fs::write(
        dir.path().join("site.yaml"),
        site(", speedReduction: \"two bends at 30 m and 60 m, assessed in the VDA\""),
    )
    .unwrap();
    assert_eq!(rules(dir.path()), Vec::<String>::new());
}

#[test]
fn a_new_project_does_not_switch_martyns_law_off() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_in(dir.path(), &["init", "--name", "quayside-hall"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let project = std::fs::read_to_string(dir.path().join("project.yaml")).unwrap();
    assert!(!project.contains("expectedPeak: 0"), "{project}");
    let report = json(&run_in(dir.path(), &["check", "--format", "json", "."]));
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "ML-HEADCOUNT"),
        "ML-HEADCOUNT must ask for the headcount: {report}"
    );
}
