//! Redaction fails closed (issue 10, points 6 and 7): a classification that cannot be read
//! makes every document it could apply to sensitive, and nothing about a sensitive document
//! (values, keys, item ids, project names, waiver lines, fingerprints) leaves the machine.

use std::path::Path;

use crate::support::{PROJECT, json, run_in, standoff, transcript};

const VALUE: &str = "CANARY-VALUE-7f3a";
const KEY: &str = "canarykey7f3a";
const ITEM: &str = "canary-item-7f3a";
const PROJECT_NAME: &str = "canary-proj-7f3a";
const CANARIES: [&str; 4] = [VALUE, KEY, ITEM, PROJECT_NAME];

const MACHINE_FORMATS: [&str; 5] = ["json", "sarif", "junit", "github", "gitlab"];

/// A Project named `name`, with `metadata_extra` (whole lines) after its name.
fn project(name: &str, metadata_extra: &str) -> String {
    PROJECT.replace("  name: test-project\n", &format!("  name: {name}\n{metadata_extra}"))
}

/// A Site that draws findings naming every canary: an unknown key (schema), an item id and a
/// value (a reference to nothing, a quantity without a unit).
fn site(metadata_extra: &str) -> String {
    format!(
        "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\n{metadata_extra}spec:\n  {KEY}: 1\n  crowdedSpaces:\n    - id: {ITEM}\n      description: Control room {VALUE}\n  vehicleApproaches:\n    - id: {ITEM}-approach\n      reaches: {VALUE}\n  parking:\n    - id: {ITEM}-parking\n      distanceToBuilding: {VALUE} m\n"
    )
}

/// Every output that leaves the machine, for the tree in `dir`: each machine format of
/// `check` (stdout and stderr), and both files of `gate --stage 4`.
fn machine_outputs(dir: &Path) -> Vec<(String, String)> {
    let mut outputs = Vec::new();
    for format in MACHINE_FORMATS {
        let output = run_in(dir, &["check", "--format", format]);
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{format}: {}",
            transcript(&output)
        );
        assert!(
            !output.stdout.is_empty() || format == "github",
            "{format} wrote nothing"
        );
        outputs.push((format!("check --format {format}"), transcript(&output)));
    }
    let out = tempfile::tempdir().unwrap();
    let gate = standoff()
        .current_dir(dir)
        .args(["gate", "--stage", "4", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(matches!(gate.status.code(), Some(0 | 1)), "{}", transcript(&gate));
    for file in ["gate-record.json", "gate-report.html"] {
        let text = std::fs::read_to_string(out.path().join(file))
            .unwrap_or_else(|e| panic!("gate did not write {file} ({e}):\n{}", transcript(&gate)));
        outputs.push((file.to_owned(), text));
    }
    outputs
}

/// Asserts that no machine output of the tree names any of `canaries`, and that the outputs
/// still report findings (rule ids), so an empty output cannot pass.
fn assert_withheld(variant: &str, dir: &Path, canaries: &[&str]) {
    for (name, text) in machine_outputs(dir) {
        for canary in canaries {
            assert!(!text.contains(canary), "{variant}: {name} leaks `{canary}`:\n{text}");
        }
        assert!(
            text.contains("SCHEMA-") || text.contains("CORE-") || text.contains("YAML-") || text.contains("FILE-"),
            "{variant}: {name} reports no finding:\n{text}"
        );
    }
}

fn tree(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        std::fs::write(dir.path().join(path), content).unwrap();
    }
    dir
}

#[test]
fn with_plain_official_the_canaries_do_appear() {
    // The control: the same tree, positively OFFICIAL, shows what the other tests withhold.
    let dir = tree(&[
        (
            "project.yaml",
            project(PROJECT_NAME, "  classification: OFFICIAL\n").as_bytes(),
        ),
        ("site.yaml", site("").as_bytes()),
    ]);
    let outputs = machine_outputs(dir.path());
    let all: String = outputs.iter().map(|(_, t)| t.as_str()).collect();
    for canary in CANARIES {
        assert!(
            all.contains(canary),
            "no output names `{canary}`: the test could not fail"
        );
    }
    for (name, text) in &outputs {
        assert!(text.contains(VALUE), "{name} does not name the value");
    }
    // A Project with no marking at all is OFFICIAL by default (docs/decisions.md).
    let dir = tree(&[
        ("project.yaml", project(PROJECT_NAME, "").as_bytes()),
        ("site.yaml", site("").as_bytes()),
    ]);
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    assert!(report.to_string().contains(VALUE), "{report:#}");
    assert_eq!(report["projects"][0]["name"], PROJECT_NAME);
}

/// Issue 13: where the ISO 19650-5 triage requires a security-minded approach, a Site marked
/// OFFICIAL is withheld from every machine output as if it were OFFICIAL-SENSITIVE, while its
/// Project, also marked OFFICIAL, keeps its marking (its name is shown).
#[test]
fn a_required_triage_withholds_a_site_marked_official() {
    let required =
        project(PROJECT_NAME, "  classification: OFFICIAL\n").replace("outcome: not-required", "outcome: required");
    assert!(required.contains("outcome: required"), "{required}");
    let dir = tree(&[
        ("project.yaml", required.as_bytes()),
        ("site.yaml", site("  classification: OFFICIAL\n").as_bytes()),
    ]);
    assert_withheld("a required triage", dir.path(), &[VALUE, KEY, ITEM]);
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    assert_eq!(report["projects"][0]["name"], PROJECT_NAME, "{report:#}");
    assert!(report.to_string().contains("ISM-CLASSIFICATION"), "{report:#}");
}

#[test]
fn an_unreadable_classification_of_the_project_makes_its_documents_sensitive() {
    for (variant, marking) in [
        ("a list", "  classification: [SECRET]\n"),
        ("a map", "  classification: { level: SECRET }\n"),
        ("lower case", "  classification: official\n"),
        ("misspelt", "  classification: OFFICAL\n"),
        ("empty", "  classification:\n"),
        ("a number", "  classification: 1\n"),
        (
            "a duplicated key",
            "  classification: OFFICIAL\n  classification: OFFICIAL\n",
        ),
    ] {
        let dir = tree(&[
            ("project.yaml", project(PROJECT_NAME, marking).as_bytes()),
            ("site.yaml", site("").as_bytes()),
        ]);
        assert_withheld(variant, dir.path(), &CANARIES);
    }
}

#[test]
fn an_unreadable_classification_of_the_document_itself_makes_it_sensitive() {
    for (variant, marking) in [
        ("a list", "  classification: [OFFICIAL]\n"),
        ("a map", "  classification: { level: OFFICIAL }\n"),
        ("lower case", "  classification: official\n"),
        ("misspelt", "  classification: OFFICAL\n"),
        // The Site does not load: only the gate's source lines around the finding could leak.
        (
            "a duplicated key",
            "  classification: OFFICIAL\n  classification: OFFICIAL\n",
        ),
    ] {
        // The Project is positively OFFICIAL; the Site's own marking overrides it, unreadably.
        let dir = tree(&[
            (
                "project.yaml",
                project("plain-project", "  classification: OFFICIAL\n").as_bytes(),
            ),
            ("site.yaml", site(marking).as_bytes()),
        ]);
        assert_withheld(variant, dir.path(), &[VALUE, KEY, ITEM]);
    }
}

#[test]
fn a_project_file_that_does_not_load_makes_the_tree_sensitive() {
    let marked = project(PROJECT_NAME, "  classification: SECRET\n");
    let syntax = project(PROJECT_NAME, "  classification: SECRET: x\n");
    let mut utf8 = project(PROJECT_NAME, "  classification: SECRET\n  owner: caf").into_bytes();
    utf8.extend_from_slice(b"\xff\n");
    let api = marked.replace("apiVersion: standoff/v1", "apiVersion: standof/v1");
    let duplicate = project(PROJECT_NAME, "  classification: SECRET\n  classification: SECRET\n");
    for (variant, project) in [
        ("a syntax error", syntax.as_bytes()),
        ("invalid UTF-8", utf8.as_slice()),
        ("apiVersion standof/v1", api.as_bytes()),
        ("a duplicated key", duplicate.as_bytes()),
    ] {
        let dir = tree(&[("project.yaml", project), ("site.yaml", site("").as_bytes())]);
        assert_withheld(variant, dir.path(), &CANARIES);
        // The same with the Site naming its project: the name is not established either.
        let named = site(&format!("  project: {PROJECT_NAME}\n"));
        let dir = tree(&[("project.yaml", project), ("site.yaml", named.as_bytes())]);
        assert_withheld(&format!("{variant}, named"), dir.path(), &CANARIES);
    }
}

#[test]
fn a_broken_file_beside_a_readable_official_project_could_be_a_project() {
    // The readable Project says OFFICIAL, but another file of the tree failed to load: it could
    // be a second Project of the same name, or carry a marking, so unmarked documents fail closed.
    let second = format!(
        "apiVersion: standoff/v1\nkind: Project\nmetadata:\n  name: {PROJECT_NAME}\n  classification: SECRET\n  classification: SECRET\n"
    );
    let dir = tree(&[
        ("project.yaml", project(PROJECT_NAME, "").as_bytes()),
        ("site.yaml", site("").as_bytes()),
        ("second.yaml", second.as_bytes()),
    ]);
    assert_withheld("a broken second file", dir.path(), &[VALUE, KEY, ITEM, PROJECT_NAME]);
    // The Site names its project: the broken file could still be a second Project of that name.
    let named = site(&format!("  project: {PROJECT_NAME}\n"));
    let dir = tree(&[
        ("project.yaml", project(PROJECT_NAME, "").as_bytes()),
        ("site.yaml", named.as_bytes()),
        ("second.yaml", second.as_bytes()),
    ]);
    assert_withheld(
        "a broken second file, named",
        dir.path(),
        &[VALUE, KEY, ITEM, PROJECT_NAME],
    );
    // Escaped, the name is not in the text literally: still a possible Project.
    let escaped = second.replace(&format!("name: {PROJECT_NAME}"), "name: \"canary-proj-7f3\\x61\"");
    let dir = tree(&[
        ("project.yaml", project(PROJECT_NAME, "").as_bytes()),
        ("site.yaml", named.as_bytes()),
        ("second.yaml", escaped.as_bytes()),
    ]);
    assert_withheld("a broken second file, escaped", dir.path(), &CANARIES);
    // A broken file that cannot be a Project of that name (no `Project`, no name, no escape)
    // leaves the named Site OFFICIAL, and is itself withheld (it could carry a marking).
    let other = format!("apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: {VALUE}-other\n  owner: {VALUE}: x\n");
    let dir = tree(&[
        ("project.yaml", project(PROJECT_NAME, "").as_bytes()),
        ("site.yaml", named.as_bytes()),
        ("other.yaml", other.as_bytes()),
    ]);
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["file"] == "site.yaml" && f["message"].as_str().is_some_and(|m| m.contains(VALUE))),
        "{report:#}"
    );
    let broken: Vec<_> = findings.iter().filter(|f| f["file"] == "other.yaml").collect();
    assert!(!broken.is_empty(), "{report:#}");
    assert!(
        broken
            .iter()
            .all(|f| f["message"].as_str().is_some_and(|m| m.contains("details withheld"))),
        "{report:#}"
    );
}

#[test]
fn a_metadata_project_that_names_no_project_makes_the_document_sensitive() {
    let dir = tree(&[
        ("project.yaml", project("plain-project", "").as_bytes()),
        ("site.yaml", site(&format!("  project: {PROJECT_NAME}\n")).as_bytes()),
    ]);
    assert_withheld("an unknown project", dir.path(), &CANARIES);
    // No Project in the tree at all: the Site's classification cannot be established.
    let dir = tree(&[("site.yaml", site("").as_bytes())]);
    assert_withheld("no Project", dir.path(), &[VALUE, KEY, ITEM]);
}

#[test]
fn waiver_notices_of_a_sensitive_project_are_redacted() {
    let project = project(PROJECT_NAME, "  classification: OFFICIAL-SENSITIVE\n");
    // Inline: an unused waiver, an expired one and an invalid one (no reason), each beside a
    // line that names a canary, so a snippet of the lines around a notice would leak it. The
    // unused ones waive a rule that is always due (one not yet due would not be idle).
    let site = site("").replace(
        &format!("    - id: {ITEM}\n"),
        &format!(
            "    # standoff: waive CORE-ID-UNIQUE reason=\"{VALUE} unused\"\n    - id: {ITEM}\n      # standoff: waive CORE-REF reason=\"{VALUE} old\" until=2020-01-01\n      name: {VALUE}\n      # standoff: waive CORE-REF\n"
        ),
    );
    let waivers = format!(
        "waivers:\n  - rule: CORE-ID-UNIQUE\n    file: site.yaml\n    item: {ITEM}\n    reason: {VALUE} unused\n    approver: J. Smith\n  - rule: CORE-REF\n    file: site.yaml\n    item: {ITEM}-approach\n    reason: {VALUE} expired\n    approver: J. Smith\n    until: 2020-01-01\n  - rule: YAML-SYNTAX\n    file: site.yaml\n    pointer: /spec/{KEY}\n    reason: {VALUE} invalid\n    approver: J. Smith\n"
    );
    let dir = tree(&[
        ("project.yaml", project.as_bytes()),
        ("site.yaml", site.as_bytes()),
        ("standoff.yaml", b"{}\n"),
        ("standoff-waivers.yaml", waivers.as_bytes()),
    ]);
    // The notices are there (so the test can fail) ...
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule"].as_str())
        .collect();
    for notice in ["WAIVER-UNUSED", "WAIVER-EXPIRED", "WAIVER-INVALID"] {
        assert!(rules.contains(&notice), "no {notice}: {report:#}");
    }
    for f in report["findings"].as_array().unwrap() {
        if f["rule"].as_str().is_some_and(|r| r.starts_with("WAIVER-")) {
            assert!(
                f["message"].as_str().is_some_and(|m| m.contains("details withheld")),
                "a notice about a sensitive document is not redacted: {f:#}"
            );
            assert_eq!(f["fingerprint"].as_str().map(str::len), Some(32), "{f:#}");
        }
    }
    // ... redacted, and the human output (for the person at the keyboard) still shows them.
    assert_withheld("waiver notices", dir.path(), &CANARIES);
    let human = transcript(&run_in(dir.path(), &["check", "--color", "never"]));
    assert!(human.contains(VALUE) && human.contains(ITEM), "{human}");
}

#[test]
fn withheld_project_names_are_positional_in_every_field() {
    let dir = tree(&[
        (
            "project.yaml",
            project(PROJECT_NAME, "  classification: SECRET\n").as_bytes(),
        ),
        ("site.yaml", site("").as_bytes()),
    ]);
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    assert_eq!(report["projects"][0]["name"], "project-1");
    let out = tempfile::tempdir().unwrap();
    let gate = standoff()
        .current_dir(dir.path())
        .args(["gate", "--stage", "4", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(matches!(gate.status.code(), Some(0 | 1)), "{}", transcript(&gate));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("gate-record.json")).unwrap()).unwrap();
    assert_eq!(record["projects"][0]["name"], "project-1");
    let findings = record["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["project"] == "project-1"), "{record:#}");
    // Pointers keep the schema's words and replace the document's own keys by position.
    let pointers: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["pointer"].as_str())
        .collect();
    assert!(
        pointers.contains(&"/spec/0"),
        "the unknown key is the first of spec: {pointers:?}"
    );
    // --reveal opts in.
    let revealed = json(&run_in(dir.path(), &["check", "--format", "json", "--reveal"]));
    assert_eq!(revealed["projects"][0]["name"], PROJECT_NAME);
    assert!(revealed.to_string().contains(KEY));
}

#[test]
fn fingerprints_of_sensitive_documents_do_not_depend_on_withheld_text() {
    // Two trees that differ only in the withheld text: the same fingerprints, so a fingerprint
    // cannot be dictionary-attacked, and a baseline still matches run after run.
    let fingerprints = |marking: &str, tag: &str| {
        let swap = |text: String| text.replace("7f3a", tag);
        let dir = tree(&[
            ("project.yaml", swap(project(PROJECT_NAME, marking)).as_bytes()),
            ("site.yaml", swap(site("")).as_bytes()),
        ]);
        let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
        let mut prints: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{} {}", f["rule"], f["fingerprint"]))
            .collect();
        prints.sort();
        prints
    };
    let secret = "  classification: SECRET\n";
    let first = fingerprints(secret, "7f3a");
    assert!(first.len() >= 3, "{first:?}");
    assert_eq!(first, fingerprints(secret, "9b2c"));
    assert_eq!(first, fingerprints(secret, "7f3a"), "stable across runs");
    // Not so for OFFICIAL documents, whose fingerprints use names and item ids (robust to
    // reordering a list): the control that shows the comparison can fail.
    assert_ne!(fingerprints("", "7f3a"), fingerprints("", "9b2c"));
}

/// From an attack: a second copy of a sensitive Project, marked OFFICIAL, made its name (and
/// its documents' findings) leave the machine. Two Projects of one name that disagree cannot
/// be classified: both are sensitive.
#[test]
fn an_official_copy_of_a_sensitive_project_does_not_unmark_it() {
    for order in ["official first", "sensitive first"] {
        let sensitive = project(PROJECT_NAME, "  classification: OFFICIAL-SENSITIVE\n");
        let official = project(PROJECT_NAME, "  classification: OFFICIAL\n");
        let (a, b) = if order == "official first" {
            (official, sensitive)
        } else {
            (sensitive, official)
        };
        let dir = tree(&[
            ("a-project.yaml", a.as_bytes()),
            ("b-project.yaml", b.as_bytes()),
            ("site.yaml", site("").as_bytes()),
        ]);
        assert_withheld(order, dir.path(), &CANARIES);
        // In one file too.
        let dir = tree(&[
            (
                "project.yaml",
                format!(
                    "{}---\n{}",
                    project(PROJECT_NAME, "  classification: OFFICIAL\n"),
                    project(PROJECT_NAME, "  classification: OFFICIAL-SENSITIVE\n")
                )
                .as_bytes(),
            ),
            ("site.yaml", site("").as_bytes()),
        ]);
        assert_withheld("one file", dir.path(), &CANARIES);
    }
}
