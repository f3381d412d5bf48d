//! The terminal end to end (issue 14 §3): waivers of rules not due or not selected, `init`
//! with a name, `explain`, `-v` and `--show-settings`, colour from the environment, and
//! completions.

use std::path::Path;

use crate::support::{PROJECT, json, run_in, transcript, write_tree};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A site whose vehicle approach reaches a crowded space unmitigated (HVM-MITIGATED, due at
/// stage 2), waived inline on the approach's line.
const SITE: &str = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n  vehicleApproaches:\n    - id: va-north # standoff: waive HVM-MITIGATED reason=\"bollards in the next issue\"\n      reaches: plaza\n";

fn at_stage(stage: u8) -> String {
    PROJECT.replace("stage: 0", &format!("stage: {stage}"))
}

#[test]
fn a_waiver_of_a_rule_not_yet_due_or_not_selected_is_not_idle() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", &at_stage(1)), ("site.yaml", SITE)]);
    let check = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "json"];
        args.extend_from_slice(extra);
        json(&run_in(dir.path(), &args))
    };
    // Stage 1: HVM-MITIGATED is not due, so its correct waiver is early, not idle.
    let early = check(&[]);
    assert!(
        !crate::support::rule_ids(&early).contains(&"WAIVER-UNUSED".to_owned()),
        "{:?}",
        crate::support::rule_ids(&early)
    );
    // With --lookahead the stage-2 rule reports (as info) and the waiver waives it.
    let ahead = check(&["--lookahead"]);
    assert!(
        !crate::support::rule_ids(&ahead).contains(&"WAIVER-UNUSED".to_owned()),
        "{:?}",
        crate::support::rule_ids(&ahead)
    );
    assert!(ahead["summary"]["waived"].as_u64() >= Some(1), "{ahead:#}");
    // Stage 2: the rule is due and the waiver waives it.
    write_tree(dir.path(), &[("project.yaml", &at_stage(2))]);
    let due = check(&[]);
    assert!(
        !crate::support::rule_ids(&due).contains(&"WAIVER-UNUSED".to_owned()),
        "{:?}",
        crate::support::rule_ids(&due)
    );
    assert!(due["summary"]["waived"].as_u64() >= Some(1), "{due:#}");
    // Not selected in this run (--ignore, --select, config): not idle either.
    assert!(!crate::support::rule_ids(&check(&["--ignore", "HVM-MITIGATED"])).contains(&"WAIVER-UNUSED".to_owned()));
    assert!(!crate::support::rule_ids(&check(&["--select", "CORE"])).contains(&"WAIVER-UNUSED".to_owned()));
    write_tree(dir.path(), &[("standoff.yaml", "ignore: [HVM]\n")]);
    assert!(!crate::support::rule_ids(&check(&[])).contains(&"WAIVER-UNUSED".to_owned()));
    std::fs::remove_file(dir.path().join("standoff.yaml")).unwrap();
    // The other direction: a due, selected rule's waiver on a line with no such finding is
    // still reported as waiving nothing.
    let misplaced = SITE
        .replace(
            " # standoff: waive HVM-MITIGATED reason=\"bollards in the next issue\"",
            "",
        )
        .replace(
            "    - id: plaza\n",
            "    - id: plaza # standoff: waive HVM-MITIGATED reason=\"wrong line\"\n",
        );
    write_tree(dir.path(), &[("site.yaml", &misplaced)]);
    let idle = check(&[]);
    assert!(
        crate::support::rule_ids(&idle).contains(&"WAIVER-UNUSED".to_owned()),
        "{:?}",
        crate::support::rule_ids(&idle)
    );
    assert!(crate::support::rule_ids(&idle).contains(&"HVM-MITIGATED".to_owned()));
}

#[test]
fn a_waiver_file_entry_for_a_rule_not_yet_due_is_not_idle() {
    let dir = tempfile::tempdir().unwrap();
    let site = SITE.replace(
        " # standoff: waive HVM-MITIGATED reason=\"bollards in the next issue\"",
        "",
    );
    let waivers = "waivers:\n  - rule: HVM-MITIGATED\n    file: site.yaml\n    item: va-north\n    reason: bollards in the next issue\n    approver: J. Smith, CTSA\n  - rule: HVM-MITIGATED\n    file: sight.yaml\n    reason: a file the tree does not hold\n    approver: J. Smith, CTSA\n";
    write_tree(
        dir.path(),
        &[
            ("standoff.yaml", "{}\n"),
            ("project.yaml", &at_stage(1)),
            ("site.yaml", &site),
            ("standoff-waivers.yaml", waivers),
        ],
    );
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    let unused: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "WAIVER-UNUSED")
        .collect();
    // Only the waiver naming a file that is not there is idle.
    assert_eq!(unused.len(), 1, "{report:#}");
    assert!(unused[0]["message"].as_str().unwrap().contains("sight.yaml"));
}

#[test]
fn init_with_a_name_writes_a_project_that_passes_its_own_schema() {
    let dir = tempfile::tempdir().unwrap();
    let output = run_in(dir.path(), &["init", "--name", "Quayside Hall: \"East\""]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let project = std::fs::read_to_string(dir.path().join("project.yaml")).unwrap();
    assert!(project.contains("  name: quayside-hall-east\n"), "{project}");
    assert!(
        project.contains("  title: \"Quayside Hall: \\\"East\\\"\"\n"),
        "{project}"
    );
    // Both files name the schema an editor validates them with, and it is there.
    let config = std::fs::read_to_string(dir.path().join("standoff.yaml")).unwrap();
    assert!(
        config.starts_with("# yaml-language-server: $schema=./.standoff/schemas/config.schema.json\n"),
        "{config}"
    );
    assert!(dir.path().join(".standoff/schemas/config.schema.json").is_file());
    // What init wrote checks without a schema or load finding.
    let report = json(&run_in(dir.path(), &["check", "--format", "json"]));
    let rules = crate::support::rule_ids(&report);
    assert!(
        !rules
            .iter()
            .any(|r| r.starts_with("SCHEMA-") || r.starts_with("YAML-") || r.starts_with("DOC-")),
        "{rules:?}"
    );
    assert_eq!(report["summary"]["documents"], 1, "{report:#}");
    // A name with nothing to make a name of is refused, with the reason, and nothing written.
    let empty = tempfile::tempdir().unwrap();
    let refused = run_in(empty.path(), &["init", "--name", "東京 !!"]);
    assert_eq!(refused.status.code(), Some(2), "{}", transcript(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("lowercase letters, digits and '-'"),
        "{}",
        transcript(&refused)
    );
    assert!(!empty.path().join("project.yaml").exists());
    assert!(!empty.path().join("standoff.yaml").exists());
}

#[test]
fn explain_shows_a_passing_example_and_numbers_documents_as_the_json_does() {
    let output = run_in(repo(), &["explain", "HVM-GAP"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let reported = text
        .find("Example that is reported (2 documents")
        .expect("a failing example");
    let passes = text
        .find("Example that passes (2 documents")
        .expect("a passing example");
    assert!(reported < passes, "{text}");
    // Every document of each example, numbered from 0 like a finding's JSON `document`.
    assert_eq!(text.matches("  # document 0\n").count(), 2, "{text}");
    assert_eq!(text.matches("  # document 1\n").count(), 2, "{text}");
    assert!(text.contains("  kind: Site\n") && text.contains("  kind: BarrierSchedule\n"));
    assert!(
        text.contains("→ reported at /spec/barriers/1/clearGap (document 0)"),
        "{text}"
    );
    assert!(text[passes..].contains("→ not reported"), "{text}");
    // An id in lower case names its upper-case form.
    let lower = run_in(repo(), &["explain", "hvm-gap"]);
    assert_eq!(lower.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&lower.stderr).contains("did you mean HVM-GAP?"),
        "{}",
        transcript(&lower)
    );
}

#[test]
fn verbose_names_the_config_and_colour_follows_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", &at_stage(1)), ("site.yaml", SITE)]);
    let stderr = |args: &[&str]| String::from_utf8_lossy(&run_in(dir.path(), args).stderr).into_owned();
    let none = stderr(&["-v", "check"]);
    assert!(none.contains("config: none, defaults\n"), "{none}");
    write_tree(dir.path(), &[("standoff.yaml", "{}\n")]);
    let named = stderr(&["check", "-v"]);
    assert!(
        named
            .lines()
            .any(|l| l.starts_with("config: ") && l.ends_with("standoff.yaml")),
        "{named}"
    );
    assert!(!stderr(&["check"]).contains("config:"));
    // Colour: FORCE_COLOR and CLICOLOR_FORCE (set, not "0") force it on a pipe, over
    // NO_COLOR; an explicit --color never wins over all.
    let coloured = |env: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = crate::support::standoff();
        cmd.current_dir(dir.path()).arg("check").args(extra);
        for (k, v) in env {
            cmd.env(k, v);
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).contains('\u{1b}')
    };
    assert!(!coloured(&[], &[]), "a pipe has no colour by default");
    assert!(coloured(&[("FORCE_COLOR", "1")], &[]));
    assert!(coloured(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], &[]));
    assert!(!coloured(&[("FORCE_COLOR", "0")], &[]));
    assert!(!coloured(&[("FORCE_COLOR", "")], &[]));
    assert!(!coloured(&[("FORCE_COLOR", "1")], &["--color", "never"]));
    assert!(coloured(&[("NO_COLOR", "1")], &["--color", "always"]));
}

#[test]
fn completions_offer_rule_ids_stages_and_kinds() {
    let output = run_in(repo(), &["completions", "bash"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let bash = String::from_utf8_lossy(&output.stdout);
    for word in [
        "HVM-GAP",
        "WAIVER-UNUSED",
        "concept-design",
        "barrier-schedule",
        "gate-record",
    ] {
        assert!(bash.contains(word), "no {word} in the bash completions");
    }
    // Completion values only: --select still takes a prefix and a list.
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", PROJECT)]);
    let prefix = run_in(
        dir.path(),
        &["check", "--select", "CORE,ISM-SENSITIVITY", "--stage", "1"],
    );
    assert_ne!(prefix.status.code(), Some(2), "{}", transcript(&prefix));
}

#[test]
fn show_settings_prints_each_key_its_value_and_source_without_checking() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            (
                "standoff.yaml",
                "fail-on: warning\nlimits:\n  max-depth: 32\nignore: [HVM]\n",
            ),
            // Not valid: a run that checked would report it; --show-settings does not check.
            ("project.yaml", "kind: Project\n"),
        ],
    );
    let output = run_in(
        dir.path(),
        &["check", "--show-settings", "--stage", "2", "--ignore", "ISM"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    for line in [
        "config: standoff.yaml\n",
        "fail-on: \"warning\" (file)\n",
        "stage: 2 (option)\n",
        "limits.max-depth: 32 (file)\n",
        "limits.max-nodes: 4000000 (default)\n",
        "ignore: [\"HVM\"] + [\"ISM\"] (file and option)\n",
        "exclude: [] (default)\n",
    ] {
        assert!(text.contains(line), "no {line:?} in\n{text}");
    }
    assert!(!text.contains("SCHEMA") && !text.contains("checked"), "{text}");
    // No config: every key is a default.
    let bare = tempfile::tempdir().unwrap();
    let output = run_in(bare.path(), &["check", "--show-settings"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("config: none, defaults\n"), "{text}");
    assert!(text.lines().skip(1).all(|l| l.ends_with("(default)")), "{text}");
}
