//! The workflow features end to end: machine formats (each pinned), waivers, baselines, rule
//! selection, redaction of sensitive documents, the review gate, and the helper commands.

use std::path::Path;

use crate::support::{PROJECT, finding_lines, json, run_in, standoff, transcript, write_tree};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn sarif_is_pinned_and_valid_against_the_oasis_schema() {
    let output = run_in(repo(), &["check", "examples/defects", "--format", "sarif"]);
    assert_eq!(output.status.code(), Some(1));
    let sarif = json(&output);
    // The rules list is long and changes with every pack: pin the results and the shape.
    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    insta::assert_json_snapshot!("sarif_results", run["results"]);
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.iter().any(|r| r["id"] == "CORE-REF"
        && r["helpUri"] == "https://github.com/standoff-dev/standoff/blob/main/docs/rules/CORE-REF.md"
        && r["help"]["text"].is_string()));
    assert!(
        rules
            .iter()
            .any(|r| r["id"] == "CORE-RISK-ASSESSMENT"
                && r["helpUri"].as_str().is_some_and(|u| u.starts_with("https://")))
    );
    let schema_path = repo().join("../shared/data/sarif-schema-2.1.0.json");
    if !schema_path.exists() {
        // CI has ../shared beside the clone: there, a missing schema is a failure, not a pass
        // that asserted nothing.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the SARIF schema at {}",
            schema_path.display()
        );
        eprintln!(
            "SARIF schema not found at {}: validation skipped",
            schema_path.display()
        );
        return;
    }
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::options().build(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn junit_github_and_gitlab_are_pinned() {
    let junit = run_in(repo(), &["check", "examples/defects", "--format", "junit"]);
    assert_eq!(junit.status.code(), Some(1));
    insta::assert_snapshot!("junit", stdout(&junit));
    let github = run_in(repo(), &["check", "examples/defects", "--format", "github"]);
    assert_eq!(github.status.code(), Some(1));
    insta::assert_snapshot!("github", stdout(&github));
    let gitlab = run_in(repo(), &["check", "examples/defects", "--format", "gitlab"]);
    assert_eq!(gitlab.status.code(), Some(1));
    insta::assert_json_snapshot!("gitlab", json(&gitlab));
}

const SITE: &str = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n    - id: lawn\n  vehicleApproaches:\n    - id: va-north\n      reaches: plazza\n    - id: va-south\n      reaches: lawm\n";

#[test]
fn inline_waivers_hide_findings_with_accountability() {
    let dir = tempfile::tempdir().unwrap();
    let waived = SITE
        .replace("      reaches: plazza\n", "      # standoff: waive CORE-REF reason=\"the plaza is renamed in the next issue\" until=2026-12-31\n      reaches: plazza\n")
        .replace("      reaches: lawm\n", "      reaches: lawm # standoff: waive CORE-REF reason=\"lawn survey pending\" until=2026-01-31\n");
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("site.yaml", &waived)]);
    let output = run_in(dir.path(), &["check", "--format", "json", "--as-of", "2026-06-01"]);
    let report = json(&output);
    // The first waiver holds; the second expired, so its finding is back, with a notice.
    assert_eq!(
        finding_lines(&report),
        [
            "CORE-REF site.yaml:12:16",
            "CORE-REF site.yaml:14:16",
            "WAIVER-EXPIRED site.yaml:14:21"
        ]
    );
    assert_eq!(
        report["findings"][0]["waived"]["reason"],
        "the plaza is renamed in the next issue"
    );
    assert!(report["findings"][1]["waived"].is_null());
    assert_eq!(
        (
            report["summary"]["errors"].as_u64(),
            report["summary"]["waived"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(output.status.code(), Some(1));
    // SARIF carries the waived finding as a suppression with its justification.
    let sarif = json(&run_in(
        dir.path(),
        &["check", "--format", "sarif", "--as-of", "2026-06-01"],
    ));
    let suppressed: Vec<&serde_json::Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert!(
        suppressed[0]["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .contains("renamed")
    );
    // Before the expiry both hold.
    let early = json(&run_in(
        dir.path(),
        &["check", "--format", "json", "--as-of", "2026-01-15"],
    ));
    assert_eq!(early["summary"]["errors"], 0);
    assert_eq!(early["summary"]["waived"], 2);
}

#[test]
fn bad_and_idle_waivers_are_findings_and_load_errors_are_never_waived() {
    let dir = tempfile::tempdir().unwrap();
    let site = SITE
        .replace(
            "      reaches: plazza\n",
            "      reaches: plazza # standoff: waive CORE-REF\n",
        )
        .replace(
            "    - id: lawn\n",
            "    - id: lawn # standoff: waive CORE-REF reason=\"nothing here\"\n",
        );
    write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT),
            ("site.yaml", &site),
            (
                "broken.yaml",
                "a: [1, 2 # standoff: waive YAML-SYNTAX reason=\"please\"\nb: 1\n",
            ),
        ],
    );
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"YAML-SYNTAX"), "{rules:?}");
    assert!(rules.contains(&"WAIVER-INVALID"), "{rules:?}");
    assert!(rules.contains(&"WAIVER-UNUSED"), "{rules:?}");
    assert_eq!(
        rules.iter().filter(|r| **r == "CORE-REF").count(),
        2,
        "a waiver without a reason waives nothing"
    );
}

/// A tree with a config, the project, the site and this waiver file.
fn tree_with_waivers(waivers: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("standoff.yaml", "{}\n"),
            ("project.yaml", PROJECT),
            ("site.yaml", SITE),
            ("standoff-waivers.yaml", waivers),
        ],
    );
    dir
}

#[test]
fn the_waiver_file_waives_by_item_and_names_its_approver() {
    let dir = tree_with_waivers(
        "waivers:\n  - rule: CORE-REF\n    file: site.yaml\n    item: va-south\n    reason: the lawn approach is closed during works\n    approver: J. Smith, CTSA\n    until: 2027-01-01\n  - rule: CORE-REF\n    file: site.yaml\n    item: va-east\n    reason: no such approach\n    approver: J. Smith, CTSA\n",
    );
    let report = json(&run_in(
        dir.path(),
        &["check", "--format", "json", "--as-of", "2026-06-01"],
    ));
    assert_eq!(
        finding_lines(&report),
        [
            "CORE-REF site.yaml:11:16",
            "CORE-REF site.yaml:13:16",
            "WAIVER-UNUSED standoff-waivers.yaml:8:5"
        ]
    );
    assert_eq!(report["findings"][1]["waived"]["approver"], "J. Smith, CTSA");
    assert_eq!(report["findings"][1]["waived"]["origin"], "standoff-waivers.yaml");
    // A waiver without a reason is an error of the tool's input.
    std::fs::write(
        dir.path().join("standoff-waivers.yaml"),
        "waivers:\n  - rule: CORE-REF\n    file: site.yaml\n    approver: J. Smith\n",
    )
    .unwrap();
    let output = run_in(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("missing the required property `reason`"),
        "{}",
        transcript(&output)
    );
}

/// Regression: `--config standoff.yaml` (a bare file name, whose parent is the empty path)
/// once put the waiver file nowhere, so every waiver was reported as waiving nothing.
#[test]
fn a_config_named_by_its_bare_file_name_keeps_its_waivers() {
    let dir = tree_with_waivers(
        "waivers:\n  - rule: CORE-REF\n    file: site.yaml\n    item: va-south\n    reason: the lawn approach is closed during works\n    approver: J. Smith, CTSA\n",
    );
    let lines = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        let report = json(&run_in(dir.path(), &args));
        (finding_lines(&report), report["summary"].clone())
    };
    let discovered = lines(&[]);
    assert!(
        !discovered.0.iter().any(|l| l.starts_with("WAIVER-UNUSED")),
        "{discovered:?}"
    );
    for named in ["standoff.yaml", "./standoff.yaml"] {
        assert_eq!(lines(&["--config", named]), discovered, "--config {named}");
    }
}

#[test]
fn baselines_survive_reordering_and_unrelated_edits() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("site.yaml", SITE)]);
    let baseline = dir.path().join("baseline.json");
    let written = standoff()
        .current_dir(dir.path())
        .args(["check", "--write-baseline"])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(written.status.code(), Some(1), "writing a baseline still reports");
    let with_baseline = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json", "--baseline", "baseline.json"];
        args.extend_from_slice(extra);
        json(&run_in(dir.path(), &args))
    };
    let report = with_baseline(&[]);
    assert_eq!(
        (
            report["summary"]["errors"].as_u64(),
            report["summary"]["baselined"].as_u64()
        ),
        (Some(0), Some(2))
    );
    // Reorder the approaches, add comments and an unrelated item: still baselined.
    let reordered = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\n# re-issued for the stage 3 gate\nspec:\n  crowdedSpaces:\n    - id: plaza\n    - id: lawn\n    - id: pier\n  vehicleApproaches:\n    - id: va-south\n      reaches: lawm\n    - id: va-north\n      reaches: plazza\n";
    std::fs::write(dir.path().join("site.yaml"), reordered).unwrap();
    let report = with_baseline(&[]);
    assert_eq!(report["summary"]["errors"], 0, "{report:#}");
    // A new problem is reported.
    std::fs::write(
        dir.path().join("site.yaml"),
        format!("{reordered}    - id: va-west\n      reaches: peir\n"),
    )
    .unwrap();
    let report = with_baseline(&[]);
    assert_eq!(finding_lines(&report), ["CORE-REF site.yaml:17:16"]);
}

#[test]
fn selection_and_severity_come_from_config_and_options() {
    let dir = tempfile::tempdir().unwrap();
    let project = PROJECT.replace("stage: 0", "stage: 3");
    write_tree(
        dir.path(),
        &[
            (
                "standoff.yaml",
                "ignore: [CORE-SITE, ERL, ISM]\nseverity: {CORE-RISK: warning}\noverrides:\n  - files: [\"drafts/**\"]\n    ignore: [CORE-REF]\n",
            ),
            ("project.yaml", &project),
            ("drafts/site.yaml", SITE),
        ],
    );
    let rules = |args: &[&str]| {
        let mut all = vec!["check", "--format", "json"];
        all.extend_from_slice(args);
        let report = json(&run_in(dir.path(), &all));
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule"].as_str().unwrap(), f["severity"].as_str().unwrap()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        rules(&[]),
        ["CORE-RISK-ASSESSMENT warning", "CORE-SECURITY-STRATEGY error"]
    );
    assert_eq!(rules(&["--select", "CORE-SECURITY"]), ["CORE-SECURITY-STRATEGY error"]);
    assert_eq!(
        rules(&["--ignore", "CORE-SECURITY-STRATEGY,CORE-RISK"]),
        Vec::<String>::new()
    );
    // Load errors cannot be ignored.
    std::fs::write(dir.path().join("drafts/bad.yaml"), "a: [\n").unwrap();
    assert!(rules(&["--select", "CORE-REF"]).contains(&"YAML-SYNTAX error".to_owned()));
}

const SECRET: &str = "ZEBRA4417";

#[test]
fn sensitive_documents_leak_no_values_into_outputs_that_leave_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let project = PROJECT
        .replace(
            "  name: test-project\n",
            "  name: test-project\n  classification: OFFICIAL-SENSITIVE\n",
        )
        .replace("stage: 0", "stage: 3");
    let site = format!(
        "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza-{SECRET}\n      description: Control room {SECRET}\n  vehicleApproaches:\n    - id: va-{SECRET}\n      reaches: hall-{SECRET}\n  parking:\n    - id: pk-{SECRET}\n      distanceToBuilding: {SECRET} m\n"
    );
    write_tree(dir.path(), &[("project.yaml", &project), ("site.yaml", &site)]);
    for format in ["json", "sarif", "junit", "github", "gitlab"] {
        let output = run_in(dir.path(), &["check", "--format", format]);
        assert_eq!(output.status.code(), Some(1), "{format}: {}", transcript(&output));
        let text = transcript(&output);
        assert!(!text.contains(SECRET), "{format} leaks the value:\n{text}");
        assert!(
            text.contains("CORE-REF") || text.contains("SCHEMA-QUANTITY"),
            "{format} still names the rules:\n{text}"
        );
    }
    let out = dir.path().join("gate");
    let gate = standoff()
        .current_dir(dir.path())
        .args(["gate", "--stage", "3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(gate.status.code(), Some(1));
    for file in ["gate-report.html", "gate-record.json"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(!text.contains(SECRET), "{file} leaks the value");
    }
    // The terminal is for the person at the keyboard; --reveal opts in for machine outputs.
    assert!(transcript(&run_in(dir.path(), &["check", "--color", "never"])).contains(SECRET));
    assert!(transcript(&run_in(dir.path(), &["check", "--format", "json", "--reveal"])).contains(SECRET));
}

/// Chromium, when this machine has it (CI installs it).
pub(crate) fn chromium() -> Option<std::path::PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn the_gate_writes_a_record_and_a_report_that_renders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gate");
    let output = standoff()
        .current_dir(repo())
        .args([
            "gate",
            "--stage",
            "4",
            "examples/riverside-arena/stage-4",
            "--as-of",
            "2026-06-01",
            "--out",
        ])
        .arg(&out)
        .output()
        .unwrap();
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", transcript(&output));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("gate-record.json")).unwrap()).unwrap();
    assert_eq!(record["stage"], 4);
    assert_eq!(record["inputs"].as_array().unwrap().len(), 9);
    assert!(
        record["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["sha256"].as_str().is_some_and(|h| h.len() == 64))
    );
    assert!(
        record["packs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "core" && p["sha256"].as_str().is_some_and(|h| h.len() == 64))
    );
    assert!(
        record["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["status"].is_string())
    );
    let html = std::fs::read_to_string(out.join("gate-report.html")).unwrap();
    assert!(
        !html.contains("<script") && !html.contains("<link") && !html.contains("src=\"") && !html.contains("url("),
        "self-contained, no scripts or remote assets"
    );
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Chromium (.ci/run installs it)"
        );
        eprintln!("chromium not installed: the rendering check was skipped");
        return;
    };
    let (dom, log) = crate::gate_html::render(&browser, &out.join("gate-report.html"));
    assert!(dom.contains("id=\"verdict\""), "the page did not render:\n{log}");
    let verdict = if record["passed"] == true {
        "PASSED"
    } else {
        "NOT PASSED"
    };
    assert!(dom.contains(verdict), "the verdict is not shown");
    assert!(
        !log.contains("Uncaught") && !log.contains(":CONSOLE("),
        "the page logged errors:\n{log}"
    );
}

#[test]
fn init_schema_and_completions() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("new-venue");
    let output = standoff().arg("init").arg(&target).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(target.join(".standoff/schemas/common.schema.json").exists());
    let check = standoff().arg("check").arg(&target).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", transcript(&check));
    assert_eq!(
        standoff().arg("init").arg(&target).output().unwrap().status.code(),
        Some(2),
        "never overwrites"
    );
    let schema = json(&run_in(repo(), &["schema", "barrier-schedule"]));
    assert_eq!(
        schema["title"]
            .as_str()
            .map(|t| t.contains("BarrierSchedule") || t.contains("barrier")),
        Some(true)
    );
    assert_eq!(run_in(repo(), &["schema", "nope"]).status.code(), Some(2));
    let bash = run_in(repo(), &["completions", "bash"]);
    assert!(stdout(&bash).contains("standoff"));
}
