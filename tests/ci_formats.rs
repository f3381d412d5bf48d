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
fn validator() -> Option<PathBuf> {
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
fn validate(xsd: &Path, xml: &str) -> Result<(), String> {
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
