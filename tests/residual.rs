//! Issue "Fail closed", section 2: accepted, owned residual risks. A finding on an item a
//! `SecurityStrategy`'s residual risk accepts is shown as accepted, counted apart, and listed by
//! the gate with its owner and date; an acceptance that covers nothing or lacks its owner or
//! date is reported.

use std::path::Path;

use crate::support::{json, run_in, transcript, write_tree};

const PROJECT: &str = "apiVersion: standoff/v1\nkind: Project\nmetadata:\n  name: quay\nspec:\n  stage: 2\n  jurisdiction: GB-ENG\n  uses: [halls]\n  occupancy: { expectedPeak: 50, basis: design-estimate, includesStaff: true }\n  informationSecurity:\n    sensitivityAssessment: { completed: 2025-01-10, owner: Test Owner, outcome: not-required }\n";

/// A Site whose assembly point is inside the NCTC preferred distance (SO-PREFERRED), beside a
/// risk assessment with a VBIED design basis.
const SITE: &str = "apiVersion: standoff/v1\nkind: Site\nmetadata: {name: quay-site}\nspec:\n  crowdedSpaces: [{id: plaza, capacity: 100}]\n  assemblyPoints:\n    - {id: ap-park, outdoor: true, distanceFromVehicleAccess: 150 m}\n    - {id: ap-square, outdoor: true, distanceFromVehicleAccess: 160 m}\n";

const RISK: &str = "apiVersion: standoff/v1\nkind: RiskAssessment\nmetadata: {name: sra}\nspec:\n  assessor: {name: A. Assessor, credentials: [csyp]}\n  assessed: 2025-03-01\n  methodologies:\n    - {type: vbied, status: assessed, designBasis: {charge: 227 kg}}\n";

fn strategy(risks: &str) -> String {
    format!(
        "apiVersion: standoff/v1\nkind: SecurityStrategy\nmetadata: {{name: strategy}}\nspec:\n  riskAssessment: sra\n  decisions: [{{id: d1, requirement: r1, measure: m, rationale: r}}]\n  residualRisks:\n{risks}"
    )
}

fn tree(dir: &Path, risks: &str) {
    write_tree(
        dir,
        &[
            ("project.yaml", PROJECT),
            ("site.yaml", SITE),
            ("risk.yaml", RISK),
            ("strategy.yaml", &strategy(risks)),
        ],
    );
}

fn findings(dir: &Path, rules: &str) -> Vec<serde_json::Value> {
    let report = json(&run_in(dir, &["check", "--format", "json", "--select", rules, "."]));
    report["findings"].as_array().unwrap().clone()
}

const ACCEPTED: &str = "    - id: RR-01\n      description: the park assembly point is inside the preferred distance\n      owner: Jo Bloggs, Operations Director\n      accepted: true\n      acceptedOn: 2026-03-12\n      accepts: {items: [ap-park], rules: [SO-PREFERRED]}\n";

#[test]
fn a_finding_on_an_accepted_item_is_shown_as_accepted_and_counted_apart() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), "    - {id: RR-00, description: none yet}\n");
    let before = findings(dir.path(), "SO-PREFERRED,RISK");
    assert_eq!(
        before.len(),
        2,
        "both assembly points are inside the distance: {before:?}"
    );
    tree(dir.path(), ACCEPTED);
    let output = run_in(
        dir.path(),
        &["check", "--format", "json", "--select", "SO-PREFERRED,RISK", "."],
    );
    let report = json(&output);
    let found = report["findings"].as_array().unwrap();
    assert_eq!(found.len(), 2, "{report}");
    let park = found
        .iter()
        .find(|f| f["pointer"].as_str().unwrap().contains("/0/"))
        .unwrap();
    assert_eq!(park["severity"], "info");
    assert_eq!(park["accepted"]["risk"], "RR-01");
    assert_eq!(park["accepted"]["owner"], "Jo Bloggs, Operations Director");
    assert_eq!(park["accepted"]["date"], "2026-03-12");
    assert_eq!(park["accepted"]["severity"], "warning");
    assert!(
        park["message"]
            .as_str()
            .unwrap()
            .ends_with("(accepted as RR-01 by Jo Bloggs, Operations Director on 2026-03-12)")
    );
    // The other point is not named, so it is not accepted: no wildcards.
    let square = found
        .iter()
        .find(|f| f["pointer"].as_str().unwrap().contains("/1/"))
        .unwrap();
    assert_eq!(square["severity"], "warning");
    assert!(square.get("accepted").is_none());
    assert_eq!(report["summary"]["accepted"], 1);
    assert_eq!(report["summary"]["warnings"], 1);
    assert_eq!(report["summary"]["info"], 0);
    let human = run_in(dir.path(), &["check", "--select", "SO-PREFERRED", "."]);
    assert!(
        String::from_utf8_lossy(&human.stdout).contains("1 accepted"),
        "{}",
        transcript(&human)
    );
}

#[test]
fn an_acceptance_for_other_rules_does_not_accept() {
    let dir = tempfile::tempdir().unwrap();
    tree(
        dir.path(),
        &ACCEPTED.replace("rules: [SO-PREFERRED]", "rules: [SO-MANDATORY]"),
    );
    // SO-MANDATORY runs (an acceptance limited to rules that do not run is not "unused").
    let found = findings(dir.path(), "SO-PREFERRED,SO-MANDATORY,RISK");
    assert!(found.iter().all(|f| f.get("accepted").is_none()), "{found:?}");
    // ... and it is reported as covering nothing.
    assert!(found.iter().any(|f| f["rule"] == "RISK-UNUSED"), "{found:?}");
}

#[test]
fn an_acceptance_without_owner_or_date_or_items_is_reported_and_accepts_nothing() {
    for (what, risks) in [
        (
            "no owner",
            ACCEPTED.replace("      owner: Jo Bloggs, Operations Director\n", ""),
        ),
        ("no date", ACCEPTED.replace("      acceptedOn: 2026-03-12\n", "")),
        ("not accepted", ACCEPTED.replace("accepted: true", "accepted: false")),
        (
            "blank owner",
            ACCEPTED.replace("Jo Bloggs, Operations Director", "\"  \""),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        tree(dir.path(), &risks);
        let found = findings(dir.path(), "SO-PREFERRED,RISK");
        let invalid: Vec<&serde_json::Value> = found.iter().filter(|f| f["rule"] == "RISK-INVALID").collect();
        assert_eq!(invalid.len(), 1, "{what}: {found:?}");
        assert_eq!(invalid[0]["severity"], "error", "{what}");
        assert_eq!(invalid[0]["file"], "strategy.yaml", "{what}");
        assert!(invalid[0]["line"].as_u64().is_some(), "{what}");
        assert!(found.iter().all(|f| f.get("accepted").is_none()), "{what}");
    }
    // A wildcard is not an id: the schema refuses it.
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path(), &ACCEPTED.replace("items: [ap-park]", "items: [\"*\"]"));
    let found = findings(dir.path(), "SO-PREFERRED,RISK,SCHEMA");
    assert!(found.iter().any(|f| f["rule"] == "SCHEMA-FORMAT"), "{found:?}");
    assert!(found.iter().all(|f| f.get("accepted").is_none()));
}

#[test]
fn the_gate_passes_with_accepted_risks_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gate");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = run_in(
        repo,
        &[
            "gate",
            "--stage",
            "4",
            "examples/riverside-arena/stage-4",
            "--as-of",
            "2026-06-01",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let said = String::from_utf8_lossy(&output.stdout);
    assert!(said.contains("gate passed with 7 accepted residual risks"), "{said}");
    assert!(
        said.contains("accepted: RR-01 by Helen Okafor, Chief Operating Officer on 2026-03-12"),
        "{said}"
    );
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("gate-record.json")).unwrap()).unwrap();
    let accepted = record["accepted"].as_array().unwrap();
    assert_eq!(accepted.len(), 7, "{record}");
    // The project is OFFICIAL-SENSITIVE: who accepted what is withheld from the record ...
    assert!(
        accepted
            .iter()
            .all(|a| a["owner"] == "withheld" && a["risk"] == "withheld"),
        "{accepted:?}"
    );
    assert!(
        accepted.iter().all(
            |a| ["2026-03-12", "2026-05-14"].contains(&a["date"].as_str().unwrap_or_default())
                && a["severity"] == "warning"
        ),
        "{accepted:?}"
    );
    let mut statuses = crate::support::matrix_status(&record, "SO-PREFERRED");
    statuses.extend(crate::support::matrix_status(&record, "SO-BUILDING"));
    assert!(
        !statuses.is_empty() && statuses.iter().all(|s| s == "accepted"),
        "{statuses:?}"
    );
    let html = std::fs::read_to_string(out.join("gate-report.html")).unwrap();
    assert!(html.contains("PASSED with 7 accepted residual risks"));
    assert!(
        !html.contains("Helen Okafor"),
        "the owner of a sensitive project's risk leaked"
    );
    // ... and shown with --reveal.
    let revealed = run_in(
        repo,
        &[
            "gate",
            "--stage",
            "4",
            "examples/riverside-arena/stage-4",
            "--as-of",
            "2026-06-01",
            "--reveal",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(revealed.status.code(), Some(0));
    let html = std::fs::read_to_string(out.join("gate-report.html")).unwrap();
    assert!(html.contains("Helen Okafor, Chief Operating Officer"));
    assert!(html.contains("RR-03"));
}

#[test]
fn do_nothing_needs_an_accepted_residual_risk_naming_the_approach() {
    let site = "apiVersion: standoff/v1\nkind: Site\nmetadata: {name: quay-site}\nspec:\n  crowdedSpaces: [{id: plaza, capacity: 100}]\n  vehicleApproaches:\n    - {id: va-lane, reaches: plaza, mitigation: do-nothing}\n";
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![("project.yaml", PROJECT), ("site.yaml", site), ("risk.yaml", RISK)];
    let without = strategy("    - {id: RR-00, description: none yet}\n");
    files.push(("strategy.yaml", &without));
    write_tree(dir.path(), &files);
    let found = findings(dir.path(), "HVM-MITIGATED");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("is mitigated by `do-nothing`")
    );
    assert!(found[0].get("accepted").is_none());
    let with = strategy(
        "    - id: RR-02\n      description: the service lane stays open; traffic is light and marshalled on event days\n      owner: Jo Bloggs, Operations Director\n      accepted: true\n      acceptedOn: 2026-02-01\n      accepts: {items: [va-lane]}\n",
    );
    write_tree(dir.path(), &[("strategy.yaml", &with)]);
    let found = findings(dir.path(), "HVM-MITIGATED,RISK");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["accepted"]["risk"], "RR-02");
    assert_eq!(found[0]["severity"], "info");
}

/// An attack on the acceptance: name every barrier, approach and point of a failing festival,
/// plant an `id` on a whole document, and date the acceptance in the future. Only the named
/// approaches and points of the listed kinds may be accepted, never a barrier, a document or a
/// schema error, and not before the acceptance date.
#[test]
fn an_acceptance_cannot_swallow_documents_barriers_schema_errors_or_the_future() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_example("harbour-festival", dir.path());
    let strategy_path = dir.path().join("security-strategy.yaml");
    // The example's own acceptance (FRR-02, a person-borne device in the queues) is taken out:
    // the attack is on the acceptance planted below, which must accept nothing it may not.
    let strategy = std::fs::read_to_string(&strategy_path)
        .unwrap()
        .replace(
            "      acceptedOn: 2026-04-14\n      accepts:\n        items: [cs-promenade, gate-north]\n        rules: [SO-PBIED]\n",
            "",
        );
    let accepts = |date: &str| {
        format!(
            "      acceptedOn: {date}\n      accepts:\n        items: [tb-harbour-1, tb-harbour-2, tb-quay-1, tb-quay-2, va-harbour-road, va-ferry-lanes, ap-quay-green, whole-sra]\n"
        )
    };
    let planted = |date: &str| {
        strategy.replacen(
            "      accepted: true\n",
            &format!("      accepted: true\n{}", accepts(date)),
            1,
        )
    };
    assert_ne!(
        planted("2026-01-01"),
        strategy,
        "the example has an accepted residual risk"
    );
    std::fs::write(&strategy_path, planted("2099-01-01")).unwrap();
    let ra = dir.path().join("risk-assessment.yaml");
    let text = std::fs::read_to_string(&ra).unwrap();
    std::fs::write(&ra, text.replacen("spec:\n", "spec:\n  id: whole-sra\n", 1)).unwrap();
    let gate = |dir: &Path| {
        let out = dir.join("gate-out");
        let output = run_in(
            dir,
            &[
                "gate",
                "--stage",
                "4",
                "--as-of",
                "2026-06-01",
                "--out",
                out.to_str().unwrap(),
                ".",
            ],
        );
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("gate-record.json")).unwrap()).unwrap();
        (output, record)
    };
    // Dated in the future: reported, and accepting nothing.
    let (output, record) = gate(dir.path());
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(record["accepted"].as_array().unwrap().is_empty(), "{record}");
    assert!(
        record["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "RISK-INVALID")
    );
    // Dated today: only approaches and assembly points are accepted.
    std::fs::write(&strategy_path, planted("2026-01-01")).unwrap();
    let (output, record) = gate(dir.path());
    assert_eq!(
        output.status.code(),
        Some(1),
        "the barriers' and documents' errors still fail it"
    );
    for a in record["accepted"].as_array().unwrap() {
        let rule = a["rule"].as_str().unwrap();
        assert!(
            !rule.starts_with("SCHEMA-") && !rule.starts_with("THR-") && !rule.starts_with("CORE-"),
            "{rule} was accepted: {a}"
        );
        assert_eq!(a["file"], "site.yaml", "only Site items were named: {a}");
    }
    let live: Vec<&str> = record["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error" && f["waived"] == false)
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    for rule in [
        "HVM-SPEED",
        "HVM-RATING-PARSE",
        "THR-METHODOLOGIES",
        "SCHEMA-UNKNOWN-PROPERTY",
    ] {
        assert!(live.contains(&rule), "{rule} must still fail: {live:?}");
    }
}
