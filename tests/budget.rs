//! Bounded work on any input (issue 10, points 11 and 12): built-in rules look items up by id
//! instead of scanning, every rule evaluation runs within a budget (`RULE-BUDGET`), and an
//! expression too deep for the parser's stack is a located error.

use std::fmt::Write as _;
use std::path::Path;

use crate::support::{PROJECT, json, run_in, standoff, transcript, write_tree};

/// A Site shaped like the attack on HVM-MITIGATED and HVM-ASSESS: `n` crowded spaces, `n`
/// entrances (one id, used `n` times) that serve an unknown space, and `n` approaches that each
/// reach that entrance; one more approach reaches a crowded space, unmitigated.
fn attack_site(n: usize) -> String {
    let mut text =
        String::from("apiVersion: standoff/v1\nkind: Site\nmetadata: { name: quay }\nspec:\n  crowdedSpaces:\n");
    for i in 0..n {
        let _ = writeln!(text, "    - {{ id: c{i} }}");
    }
    text.push_str("  entrances:\n");
    for _ in 0..n {
        text.push_str("    - { id: gate, type: pedestrian, serves: nowhere }\n");
    }
    text.push_str("  vehicleApproaches:\n");
    for i in 0..n {
        let _ = writeln!(text, "    - {{ id: va{i}, reaches: gate }}");
    }
    text.push_str("    - { id: va-plaza, reaches: c0 }\n");
    text
}

fn count(report: &serde_json::Value, rule: &str) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .count()
}

/// The pointers of a rule's findings.
fn pointers(report: &serde_json::Value, rule: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| f["pointer"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Took minutes (the approach x entrance x crowded-space scan); now the run completes (the
/// support helper's timeout is the safety net, not an assertion on time) with the right
/// findings.
#[test]
fn hvm_rules_look_items_up_by_id_on_the_attack_shape() {
    let dir = tempfile::tempdir().unwrap();
    let project = PROJECT.replace("stage: 0", "stage: 3");
    write_tree(
        dir.path(),
        &[("project.yaml", &project), ("site.yaml", &attack_site(400))],
    );
    let output = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let report = json(&output);
    // The approaches to the entrance reach nothing crowded: only the one to c0 is judged.
    assert_eq!(
        pointers(&report, "HVM-MITIGATED"),
        vec!["/spec/vehicleApproaches/400/mitigation"]
    );
    assert_eq!(pointers(&report, "HVM-ASSESS"), vec!["/spec/vehicleApproaches/400"]);
    assert_eq!(count(&report, "CORE-ID-UNIQUE"), 399);
    assert_eq!(count(&report, "CORE-REF"), 400, "each `serves: nowhere`");
    assert_eq!(count(&report, "RULE-BUDGET"), 0);
    assert_eq!(count(&report, "RULE-ERROR"), 0);
}

/// Entrances that serve a crowded space make their approaches judged: the lookup follows the
/// entrance to the space (the behaviour of the scan it replaces).
#[test]
fn an_entrance_serving_a_crowded_space_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let project = PROJECT.replace("stage: 0", "stage: 3");
    let site = attack_site(50).replace("serves: nowhere", "serves: c7");
    write_tree(dir.path(), &[("project.yaml", &project), ("site.yaml", &site)]);
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    assert_eq!(count(&report, "HVM-MITIGATED"), 51);
    assert_eq!(count(&report, "HVM-ASSESS"), 51);
    assert_eq!(count(&report, "RULE-BUDGET"), 0);
}

/// A pack from disk (`costly`, in `dir`) with one rule `id` whose check is `check`; returns
/// the pack's folder.
fn write_pack(dir: &Path, id: &str, check: &str) -> std::path::PathBuf {
    let rule = format!(
        "id: {id}\ntitle: A costly rule\nseverity: warning\nstage: always\nkind: Site\nselect: /metadata/name\ncheck:\n  expr: >-\n    {check}\nmessage: \"too costly\"\nhelp: Do less.\nwhy: Because.\nsources:\n  - {{ title: A source, url: https://example.org, confidence: secondary }}\ntests:\n  valid: [{{ apiVersion: standoff/v1, kind: Site, metadata: {{ name: s }}, spec: {{ crowdedSpaces: [{{ id: a }}] }} }}]\n  invalid:\n    - documents: [{{ apiVersion: standoff/v1, kind: Site, metadata: {{ name: s }}, spec: {{ crowdedSpaces: [] }} }}]\n      expect: [{{ at: /metadata/name }}]\n"
    );
    let dir = dir.join("costly");
    write_tree(
        &dir,
        &[
            (
                "pack.yaml",
                "name: costly\ntitle: Costly rules\nversion: 0.1.0\ndescription: Used by the tests.\nsources:\n  - title: Nothing\n    url: https://example.org\n",
            ),
            (&format!("{id}.yaml"), &rule),
        ],
    );
    dir
}

/// A nested comprehension in a pack from disk reached 3 GB on a 300 KB document; now it is a
/// located RULE-BUDGET finding at the rule's selected node, naming the rule.
#[test]
fn a_nested_comprehension_from_disk_is_stopped_by_its_budget() {
    let packs = tempfile::tempdir().unwrap();
    let pack = write_pack(
        packs.path(),
        "COSTLY-PAIRS",
        "size(doc.spec.crowdedSpaces.map(a, doc.spec.crowdedSpaces.map(b, [a, b]))) > 0",
    );
    let dir = tempfile::tempdir().unwrap();
    let mut site =
        String::from("apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n");
    let mut i = 0;
    while site.len() < 300_000 {
        let _ = writeln!(site, "    - {{ id: space-{i:06}, name: a crowded space }}");
        i += 1;
    }
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("site.yaml", &site)]);
    let output = standoff()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--rules"])
        .arg(&pack)
        .output()
        .unwrap();
    let report = json(&output);
    let findings: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "RULE-BUDGET")
        .collect();
    assert_eq!(findings.len(), 1, "{}", transcript(&output));
    let finding = findings[0];
    assert!(
        finding["message"].as_str().unwrap().contains("COSTLY-PAIRS"),
        "{finding}"
    );
    assert_eq!(finding["pointer"], "/metadata/name");
    assert_eq!(finding["file"], "site.yaml");
    assert_eq!(finding["line"], 4);
    assert_eq!(finding["severity"], "error");
    // An error: the rule could not be judged.
    assert_eq!(output.status.code(), Some(1));
    // Selecting the costly rule keeps its budget finding: a rule is never silently inactive.
    let selected = standoff()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--select", "COSTLY-PAIRS", "--rules"])
        .arg(&pack)
        .output()
        .unwrap();
    let selected = json(&selected);
    assert!(
        selected["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "RULE-BUDGET"),
        "{selected}"
    );
    // `explain` knows the id.
    let explained = run_in(dir.path(), &["explain", "RULE-BUDGET"]);
    assert_eq!(explained.status.code(), Some(0), "{}", transcript(&explained));
}

/// A scan inside a loop (`in` over a list, for each item) is quadratic too, and stopped.
#[test]
fn a_scan_in_a_loop_from_disk_is_stopped_by_its_budget() {
    let packs = tempfile::tempdir().unwrap();
    let pack = write_pack(
        packs.path(),
        "COSTLY-SCAN",
        "doc.spec.crowdedSpaces.all(a, a in doc.spec.crowdedSpaces)",
    );
    let dir = tempfile::tempdir().unwrap();
    let mut site =
        String::from("apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n");
    for i in 0..5_000 {
        let _ = writeln!(site, "    - {{ id: s{i} }}");
    }
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("site.yaml", &site)]);
    let output = standoff()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--rules"])
        .arg(&pack)
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(count(&report, "RULE-BUDGET"), 1, "{}", transcript(&output));
}

/// A 5,000-link `self.a.a…` chain and a 10,000-term sum overflowed the parser's stack and
/// aborted `rules`, `check`, `test` and `gate`; each is now a located error in the rule file,
/// exit 2.
#[test]
fn expressions_too_deep_for_the_stack_are_located_errors() {
    let chain = format!("has(self{})", ".a".repeat(5_000));
    let sum = format!("1{} > 0", " + 1".repeat(9_999));
    for (id, check) in [("DEEP-CHAIN", chain), ("DEEP-SUM", sum)] {
        let packs = tempfile::tempdir().unwrap();
        let pack = write_pack(packs.path(), id, &check);
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &[
                ("project.yaml", PROJECT),
                (
                    "site.yaml",
                    "apiVersion: standoff/v1\nkind: Site\nmetadata: { name: quay }\nspec:\n  crowdedSpaces: [{ id: plaza }]\n",
                ),
            ],
        );
        let out = tempfile::tempdir().unwrap();
        let pack_arg = pack.to_str().unwrap();
        let out_arg = out.path().join("gate");
        let runs: Vec<(&str, Vec<&str>)> = vec![
            ("rules", vec!["rules", "--rules", pack_arg]),
            ("check", vec!["check", "--rules", pack_arg]),
            ("test", vec!["test", pack_arg]),
            (
                "gate",
                vec![
                    "gate",
                    "--stage",
                    "2",
                    "--rules",
                    pack_arg,
                    "--out",
                    out_arg.to_str().unwrap(),
                ],
            ),
        ];
        for (command, args) in runs {
            let output = run_in(dir.path(), &args);
            let text = transcript(&output);
            assert_eq!(
                output.status.code(),
                Some(2),
                "{id} {command}:\n{}",
                &text[..text.len().min(2_000)]
            );
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(stderr.contains("too long or too deeply nested"), "{id} {command}");
            // Located: the rule file, the line of the expression (line 9) and a column.
            assert!(
                stderr.contains(&format!("{id}.yaml:9:")),
                "{id} {command}: not located:\n{}",
                &stderr[..stderr.len().min(600)]
            );
        }
    }
}

/// CORE-REF, the built-in reference check, searched every name of a list for a did-you-mean at
/// each unresolved reference and listed them all in each finding's help (the attack shape's
/// 2,000 `serves: nowhere` took 8 s in a release build); the names of a list are now gathered
/// once, a repeated name is searched once, and a bag-distance filter skips the names that cannot
/// be close.
#[test]
fn unresolved_references_in_thousands_stay_cheap() {
    let dir = tempfile::tempdir().unwrap();
    let mut site =
        String::from("apiVersion: standoff/v1\nkind: Site\nmetadata: { name: quay }\nspec:\n  crowdedSpaces:\n");
    for i in 0..2_000 {
        let _ = writeln!(site, "    - {{ id: c{i} }}");
    }
    site.push_str("  vehicleApproaches:\n");
    for i in 0..2_000 {
        let _ = writeln!(site, "    - {{ id: va{i}, reaches: x{i}, mitigation: do-nothing }}");
    }
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("site.yaml", &site)]);
    let report = json(&run_in(
        dir.path(),
        &["check", "--format", "json", "--select", "CORE-REF"],
    ));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2_000);
    assert_eq!(findings[0]["help"], "did you mean `c0`?");
    assert_eq!(findings[1_999]["help"], "did you mean `c1999`?");
    // No close name: a few of the names, then how many more.
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[("project.yaml", PROJECT), ("site.yaml", &attack_site(400))],
    );
    let report = json(&run_in(
        dir.path(),
        &["check", "--format", "json", "--select", "CORE-REF"],
    ));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 400);
    let help = findings[0]["help"].as_str().unwrap();
    assert!(help.starts_with("the names there: c0, c1, c10, c100,"), "{help}");
    assert!(help.ends_with(", and 390 more"), "{help}");
}
