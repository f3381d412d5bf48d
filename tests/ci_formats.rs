//! The CI formats as their consumers read them: `JUnit` against Jenkins xUnit's junit-10.xsd
//! (with xmllint), SARIF with what GitHub code scanning asks for, the GitHub step summary, and
//! the terminal's concise output, statistics and exit options.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{PROJECT, run_in, write_tree};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The XSD and xmllint, or `None` outside CI when either is missing (CI must have both:
/// `.ci/run` installs libxml2-utils, and ../shared/data is beside the clone).
pub(crate) fn validator() -> Option<PathBuf> {
    let xsd = repo().join("../shared/data/junit-10.xsd");
    let xmllint = Command::new("xmllint").arg("--version").output().is_ok();
    if xsd.is_file() && xmllint {
        return Some(xsd);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI must have xmllint and the JUnit schema at {}",
        xsd.display()
    );
    eprintln!("xmllint or {} missing: JUnit validation skipped", xsd.display());
    None
}

/// Validates `xml` against junit-10.xsd; the error text when it is not valid.
pub(crate) fn validate(xsd: &Path, xml: &str) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.xml");
    std::fs::write(&file, xml).unwrap();
    let output = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(&file)
        .output()
        .unwrap();
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn junit_validates_against_jenkins_xunit_junit_10_xsd() {
    let output = run_in(repo(), &["check", "examples/defects", "--format", "junit"]);
    assert_eq!(output.status.code(), Some(1));
    let xml = stdout(&output);
    // What the consumers read: classname and time on each case, file on each suite, a type on
    // each failure, and no `skipped` on the root.
    assert!(
        xml.contains(r#"<testcase name="SCHEMA-QUANTITY" classname="examples/defects/bare-speed.yaml" time="0">"#),
        "{xml}"
    );
    assert!(xml.contains(r#"file="examples/defects/bare-speed.yaml">"#), "{xml}");
    assert!(xml.contains(r#"<failure type="SCHEMA-QUANTITY" message="#), "{xml}");
    let root = xml.lines().find(|l| l.starts_with("<testsuites")).unwrap();
    assert!(!root.contains("skipped"), "{root}");
    let Some(xsd) = validator() else { return };
    validate(&xsd, &xml).unwrap();
    // The check can fail: the schema refuses what the old output wrote.
    let old = xml.replacen(
        "<testsuites name=\"standoff\"",
        "<testsuites name=\"standoff\" skipped=\"0\"",
        1,
    );
    assert!(validate(&xsd, &old).is_err(), "xmllint accepts `skipped` on testsuites");
}

const SITE: &str = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n  vehicleApproaches:\n    - id: va-north\n      reaches: plazza\n";

#[test]
fn junit_clean_and_failing_runs_are_both_valid() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("site.yaml", SITE)]);
    let failing = stdout(&run_in(dir.path(), &["check", "--format", "junit"]));
    assert!(failing.contains(r#"<failure type="CORE-REF""#), "{failing}");
    // Nothing reported: each file a passing case, no failure anywhere, exit 0.
    let out = run_in(dir.path(), &["check", "--format", "junit", "--ignore", "CORE-REF"]);
    assert_eq!(out.status.code(), Some(0));
    let clean = stdout(&out);
    assert!(!clean.contains("<failure"), "{clean}");
    assert!(clean.contains(r#"failures="0""#), "{clean}");
    if let Some(xsd) = validator() {
        validate(&xsd, &failing).unwrap();
        validate(&xsd, &clean).unwrap();
    }
}

#[test]
fn junit_warnings_on_a_green_run_are_system_out_not_failures() {
    // examples/defects has warnings and info besides errors; with --fail-on error only the
    // errors' cases fail, and every warning is in a passing case's system-out.
    let output = run_in(repo(), &["check", "examples/defects", "--format", "junit"]);
    let xml = stdout(&output);
    assert!(xml.contains("<system-out>"), "{xml}");
    for failure in xml.lines().filter(|l| l.contains("<failure")) {
        assert!(failure.contains("[error]"), "{failure}");
        assert!(!failure.contains("[warning]"), "{failure}");
    }
    // With --fail-on warning the warnings fail too.
    let strict = stdout(&run_in(
        repo(),
        &["check", "examples/defects", "--format", "junit", "--fail-on", "warning"],
    ));
    assert!(
        strict
            .lines()
            .any(|l| l.contains("<failure") && l.contains("[warning]")),
        "{strict}"
    );
    if let Some(xsd) = validator() {
        validate(&xsd, &strict).unwrap();
    }
}

/// docs/rules/<ID>.md for every built-in rule, as generated from the rule files; rewritten
/// with `STANDOFF_UPDATE_DOCS=1`.
#[test]
fn rule_pages_are_generated_from_the_rule_files() {
    let set = standoff::rules::load(standoff::rules::builtin_packs()).unwrap();
    let dir = repo().join(standoff::report::rule_docs::RULE_DOCS_DIR);
    let pages = standoff::report::rule_docs::pages(&set);
    // A page per rule and per built-in check, and the index.
    assert_eq!(
        pages.len(),
        set.rules.len() + standoff::checks::BUILTIN_CHECKS.len() + 1
    );
    if std::env::var_os("STANDOFF_UPDATE_DOCS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "md") {
                std::fs::remove_file(path).unwrap();
            }
        }
        for (name, text) in &pages {
            std::fs::write(dir.join(name), text).unwrap();
        }
    }
    let mut stale = Vec::new();
    for (name, text) in &pages {
        if std::fs::read_to_string(dir.join(name)).ok().as_deref() != Some(text.as_str()) {
            stale.push(name.clone());
        }
    }
    // Each built-in pack's README lists its rules (issue 13).
    for pack in set.packs.iter().filter(|p| p.origin == standoff::rules::BUILT_IN) {
        let path = repo().join("rules").join(&pack.name).join("README.md");
        let text = standoff::report::rule_docs::pack_readme(&set, pack);
        if std::env::var_os("STANDOFF_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &text).unwrap();
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(format!("rules/{}/README.md", pack.name));
        }
        for rule in set
            .rules
            .iter()
            .filter(|r| set.pack_of(r).is_some_and(|p| p.name == pack.name))
        {
            assert!(
                text.contains(&format!("[{}]", rule.id.replace('_', "\\_"))),
                "{} not in {}'s README",
                rule.id,
                pack.name
            );
        }
    }
    let mut extra: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            Path::new(n).extension().is_some_and(|e| e.eq_ignore_ascii_case("md")) && !pages.iter().any(|(p, _)| p == n)
        })
        .collect();
    extra.sort();
    assert!(
        stale.is_empty() && extra.is_empty(),
        "stale pages {stale:?}, pages of no rule {extra:?}: run STANDOFF_UPDATE_DOCS=1 cargo test --test integration rule_pages"
    );
    // Each page has what a reader needs.
    let is_check = |name: &str| standoff::checks::builtin_check(name.trim_end_matches(".md")).is_some();
    for (name, text) in pages.iter().filter(|(n, _)| n != "README.md" && !is_check(n)) {
        for part in [
            "## Why",
            "## How to fix",
            "## Sources",
            "| Severity |",
            "| Stage |",
            "| Reads |",
        ] {
            assert!(text.contains(part), "{name} lacks {part}");
        }
    }
    for (name, text) in pages.iter().filter(|(n, _)| is_check(n)) {
        for part in ["## Why", "## How to fix", "| Severity |", "built-in check"] {
            assert!(text.contains(part), "{name} lacks {part}");
        }
    }
}

/// What GitHub code scanning documents for an uploaded SARIF file ("SARIF support for code
/// scanning"), checked on the example of defects.
#[test]
fn sarif_meets_github_code_scanning_requirements() {
    let output = run_in(repo(), &["check", "examples/defects", "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let set = standoff::rules::load(standoff::rules::builtin_packs()).unwrap();
    for rule in rules {
        let id = rule["id"].as_str().unwrap();
        let name = rule["name"].as_str().unwrap();
        assert!(
            name != id && name.chars().next().unwrap().is_ascii_uppercase(),
            "{id}: name {name}"
        );
        assert!(
            name.chars().all(char::is_alphanumeric),
            "{id}: name {name} is not PascalCase"
        );
        for field in ["shortDescription", "fullDescription"] {
            let text = rule[field]["text"].as_str().unwrap();
            assert!(!text.is_empty() && text.chars().count() <= 1024, "{id}: {field}");
        }
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty(), "{id}: help.text");
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&severity), "{id}");
        let tags = rule["properties"]["tags"].as_array().unwrap();
        assert_eq!(tags[0], "security", "{id}");
        assert!(tags.len() <= 20, "{id}");
        let help = format!("{}{}", rule["help"]["text"], rule["help"]["markdown"]);
        // No link to a file that exists only in a checkout: every address is absolute.
        assert!(!help.contains("(docs/") && !help.contains(" docs/"), "{id}: {help}");
        if set.get(id).is_some() {
            let markdown = rule["help"]["markdown"].as_str().unwrap();
            assert!(
                markdown.contains("**Why.**") && markdown.contains("**How to fix.**"),
                "{id}"
            );
            assert!(
                markdown.contains("**Sources**") && markdown.contains("](https://"),
                "{id}"
            );
            assert_eq!(
                rule["helpUri"],
                format!("https://github.com/standoff-dev/standoff/blob/main/docs/rules/{id}.md"),
            );
            // The page it links to exists.
            assert!(repo().join(format!("docs/rules/{id}.md")).is_file(), "{id}");
        } else {
            // A built-in check has its page too (the SARIF multitool's SARIF2012).
            assert!(standoff::checks::builtin_check(id).is_some(), "{id}");
            assert_eq!(
                rule["helpUri"],
                format!("https://github.com/standoff-dev/standoff/blob/main/docs/rules/{id}.md"),
            );
            assert!(repo().join(format!("docs/rules/{id}.md")).is_file(), "{id}");
        }
    }
    let severities: Vec<&str> = ["CORE-REF", "ISM-REVIEW"]
        .iter()
        .map(|id| {
            rules.iter().find(|r| r["id"] == *id).unwrap()["properties"]["security-severity"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(severities, ["9.0", "5.0"]);
    for result in run["results"].as_array().unwrap() {
        assert!(!result["message"]["text"].as_str().unwrap().is_empty());
        let index = usize::try_from(result["ruleIndex"].as_u64().unwrap()).unwrap();
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let locations = result["locations"].as_array().unwrap();
        assert!((1..=10).contains(&locations.len()));
        let uri = locations[0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/') && !uri.contains("://"), "{uri}");
        if let Some(line) = locations[0]["physicalLocation"]["region"]["startLine"].as_u64() {
            assert!(line >= 1);
        }
        assert!(result["partialFingerprints"].is_object());
    }
}

#[test]
fn github_format_appends_a_markdown_summary_to_the_step_summary() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_tree(&tree, &[("project.yaml", PROJECT), ("site.yaml", SITE)]);
    let summary = dir.path().join("step_summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let output = crate::support::standoff()
        .current_dir(&tree)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "github"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    // The annotations still go to standard output.
    assert!(
        stdout(&output).starts_with("::error file=site.yaml"),
        "{}",
        stdout(&output)
    );
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.starts_with("earlier step\n## standoff: failed\n"), "{text}");
    assert!(
        text.contains("2 files and 2 design documents checked: 1 error, 0 warnings, 0 info."),
        "{text}"
    );
    assert!(text.contains("| Rule | File | Line | Message |"), "{text}");
    assert!(
        text.contains("| CORE-REF | site.yaml | 10 | \\`plazza\\` names nothing"),
        "{text}"
    );
    // Other formats leave it alone.
    crate::support::standoff()
        .current_dir(&tree)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["check", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), text);
}

#[cfg(unix)]
#[test]
fn the_step_summary_is_never_written_through_a_link_nor_over_an_input() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_tree(&tree, &[("project.yaml", PROJECT), ("site.yaml", SITE)]);
    let target = dir.path().join("elsewhere.txt");
    std::fs::write(&target, "keep\n").unwrap();
    let link = dir.path().join("summary.md");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for (summary, what) in [(link.clone(), "symbolic link"), (tree.join("site.yaml"), "an input")] {
        let output = crate::support::standoff()
            .current_dir(&tree)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .args(["check", "--format", "github"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{what}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("refusing"), "{what}");
    }
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
    assert_eq!(std::fs::read_to_string(tree.join("site.yaml")).unwrap(), SITE);
}

#[test]
fn human_output_marks_waived_findings_and_counts_waived_and_baselined() {
    let dir = tempfile::tempdir().unwrap();
    let waived = SITE.replace(
        "      reaches: plazza\n",
        "      # standoff: waive CORE-REF reason=\"renamed in the next issue\" until=2026-12-31\n      reaches: plazza\n",
    );
    let second = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: wharf\nspec:\n  crowdedSpaces:\n    - id: lawn\n  vehicleApproaches:\n    - id: va-south\n      reaches: lawm\n";
    write_tree(
        dir.path(),
        &[
            ("project.yaml", PROJECT),
            ("site.yaml", &waived),
            ("wharf.yaml", second),
        ],
    );
    let output = run_in(dir.path(), &["check", "--color", "never"]);
    let text = stdout(&output);
    assert!(text.contains("CORE-REF (waived)"), "{text}");
    assert!(text.contains("(waived: renamed in"), "{text}");
    assert!(text.contains("until 2026-12-31)"), "{text}");
    assert!(text.contains(", 1 waived"), "{text}");
    // The live one is not marked.
    assert_eq!(text.matches("CORE-REF (waived)").count(), 1, "{text}");
    // Baselined: the live finding accepted by a baseline is counted, not listed.
    run_in(dir.path(), &["check", "--write-baseline", "baseline.json"]);
    let output = run_in(
        dir.path(),
        &["check", "--color", "never", "--baseline", "baseline.json"],
    );
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.contains(", 1 waived, 1 baselined"), "{text}");
}

#[test]
fn concise_output_is_one_line_per_finding_and_format_is_an_alias() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("site.yaml", SITE)]);
    let concise = run_in(dir.path(), &["check", "--output-format", "concise", "-q"]);
    assert_eq!(concise.status.code(), Some(1));
    assert_eq!(
        stdout(&concise),
        "site.yaml:10:16: error CORE-REF `plazza` names nothing: no such crowdedSpaces or entrances in Site `quay`\n"
    );
    let alias = run_in(dir.path(), &["check", "--format", "concise", "-q"]);
    assert_eq!(stdout(&alias), stdout(&concise));
    // Without -q, the summary follows.
    let full = stdout(&run_in(dir.path(), &["check", "--output-format", "concise"]));
    assert!(
        full.contains("\nchecked 2 files, 2 design documents: 1 error"),
        "{full}"
    );
}

#[test]
fn exit_zero_and_statistics() {
    let output = run_in(
        repo(),
        &["check", "examples/defects", "--exit-zero", "--format", "json"],
    );
    assert_eq!(output.status.code(), Some(0));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(report["summary"]["errors"].as_u64().unwrap() > 0);
    // Tool errors still exit 2.
    let missing = run_in(repo(), &["check", "no/such/folder", "--exit-zero"]);
    assert_eq!(missing.status.code(), Some(2));

    let dir = tempfile::tempdir().unwrap();
    let two = SITE.replace(
        "      reaches: plazza\n",
        "      reaches: plazza\n    - id: va-south\n      reaches: lawm\n",
    );
    write_tree(dir.path(), &[("project.yaml", PROJECT), ("site.yaml", &two)]);
    let stats = run_in(dir.path(), &["check", "--statistics", "--ignore", "SCHEMA"]);
    assert_eq!(stats.status.code(), Some(1));
    assert_eq!(stdout(&stats), "    2  CORE-REF  Reference names no document or item\n");
    // Most first, then by id.
    let all = stdout(&run_in(repo(), &["check", "examples/defects", "--statistics"]));
    let counts: Vec<(usize, String)> = all
        .lines()
        .map(|l| {
            let mut parts = l.split_whitespace();
            (parts.next().unwrap().parse().unwrap(), parts.next().unwrap().to_owned())
        })
        .collect();
    let mut sorted = counts.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    assert_eq!(counts, sorted);
    assert!(counts.iter().any(|(_, id)| id == "SCHEMA-ENUM"));
    // With a machine format it is refused, not silently ignored.
    let refused = run_in(
        repo(),
        &["check", "examples/defects", "--statistics", "--format", "json"],
    );
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn several_outputs_from_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    write_tree(&tree, &[("project.yaml", PROJECT), ("site.yaml", SITE)]);
    let out = dir.path().join("out");
    let sarif = out.join("standoff.sarif");
    let junit = out.join("standoff.xml");
    let output = run_in(
        &tree,
        &[
            "check",
            "--output-format",
            &format!("sarif:{}", sarif.display()),
            "--format",
            &format!("junit:{}", junit.display()),
            "--output-format",
            "concise",
            "-q",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).starts_with("site.yaml:10:16: error CORE-REF"),
        "{}",
        stdout(&output)
    );
    let sarif: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "CORE-REF");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"<failure type="CORE-REF""#), "{xml}");
    if let Some(xsd) = validator() {
        validate(&xsd, &xml).unwrap();
    }
    // At most one to standard output; no two to one file; every file through the guard.
    let two = run_in(&tree, &["check", "--format", "json", "--format", "sarif"]);
    assert_eq!(two.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&two.stderr).contains("at most one output"));
    let same = run_in(&tree, &["check", "--format", "json:r.json", "--format", "sarif:r.json"]);
    assert_eq!(same.status.code(), Some(2));
    let over_input = run_in(
        &tree,
        &[
            "check",
            "--format",
            "json:elsewhere.json",
            "--format",
            "sarif:site.yaml",
        ],
    );
    assert_eq!(over_input.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(tree.join("site.yaml")).unwrap(), SITE);
    // A refusal writes nothing, not even the outputs that were allowed.
    assert!(!tree.join("elsewhere.json").exists());
    let unknown = run_in(&tree, &["check", "--format", "yaml:x.yaml"]);
    assert_eq!(unknown.status.code(), Some(2));
}

/// Microsoft's SARIF multitool, `validate` with its GitHub rules and the SARIF rules
/// (`--rule-kind "Gh;Sarif"`), finds no error and no warning in the SARIF of any example.
/// `SARIF_MULTITOOL` names its binary (`.ci/run` installs it from npm); CI must have it.
#[test]
fn sarif_passes_the_sarif_multitool_github_rules() {
    let Some(tool) = std::env::var_os("SARIF_MULTITOOL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must validate SARIF with the multitool: set SARIF_MULTITOOL (.ci/run installs it)"
        );
        eprintln!("note: SARIF multitool not installed (SARIF_MULTITOOL unset): its GitHub rules were not run");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut logs = Vec::new();
    for example in [
        "defects",
        "harbour-festival",
        "city-centre",
        "westgate-centre",
        "riverside-arena/stage-4",
    ] {
        let output = run_in(
            repo(),
            &["check", &format!("examples/{example}"), "--output-format", "sarif"],
        );
        let log = dir.path().join(format!("{}.sarif", example.replace('/', "-")));
        std::fs::write(&log, &output.stdout).unwrap();
        logs.push(log);
    }
    let (status, validation) = multitool_validate(&tool, &logs, &dir.path().join("validation.sarif"));
    assert!(
        status.status.success(),
        "the multitool failed: {}{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    let results = validation["runs"][0]["results"].as_array().cloned().unwrap_or_default();
    let problems: Vec<String> = results
        .iter()
        .map(|r| format!("{} {}: {}", r["ruleId"], r["level"], r["message"]))
        .collect();
    assert!(problems.is_empty(), "the multitool's GitHub rules: {problems:#?}");
    // The control: the same tool on a copy broken as GitHub refuses (a message with no text,
    // an absolute location without a region) reports it, so the empty report above is a
    // judgement.
    let mut broken: serde_json::Value = serde_json::from_slice(&std::fs::read(&logs[0]).unwrap()).unwrap();
    broken["runs"][0]["results"][0]["message"] = serde_json::json!({"id": "undefined"});
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"] =
        serde_json::json!({"artifactLocation": {"uri": "file:///elsewhere/site.yaml"}});
    let broken_log = dir.path().join("broken.sarif");
    std::fs::write(&broken_log, serde_json::to_vec(&broken).unwrap()).unwrap();
    let (ran, control) = multitool_validate(&tool, &[broken_log], &dir.path().join("control.sarif"));
    let flagged: Vec<&str> = control["runs"][0]["results"]
        .as_array()
        .map(|r| r.iter().filter_map(|x| x["ruleId"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        flagged.iter().any(|id| id.starts_with("GH")),
        "the control was not flagged ({}): {control}",
        ran.status
    );
}

/// Runs the SARIF multitool's `validate` with its GitHub and SARIF rules (errors and warnings)
/// on `logs`; returns how it ran and the validation log it wrote to `report`.
fn multitool_validate(
    tool: &std::ffi::OsStr,
    logs: &[PathBuf],
    report: &Path,
) -> (std::process::Output, serde_json::Value) {
    let ran = Command::new(tool)
        .arg("validate")
        .args(["--rule-kind", "Gh;Sarif", "--level", "Error;Warning"])
        .args(logs)
        .arg("--output")
        .arg(report)
        .args(["--log", "ForceOverwrite"])
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .unwrap();
    let validation = std::fs::read(report)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(serde_json::Value::Null);
    (ran, validation)
}
