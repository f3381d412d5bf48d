//! Issue "Fail closed", section 3: what a well-run project should not be told, and what it
//! still must be.

use crate::support::{json, run_in, write_tree};

fn severities(dir: &std::path::Path, rule: &str) -> Vec<String> {
    let report = json(&run_in(dir, &["check", "--format", "json", "--select", rule, "."]));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["severity"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn iso_19650_5_binds_at_full_severity_only_a_project_that_adopts_it() {
    let project = |adopted: &str| {
        format!(
            "apiVersion: standoff/v1\nkind: Project\nmetadata: {{name: p}}\nspec:\n  stage: 1\n  jurisdiction: GB-ENG\n  uses: [office]\n{adopted}"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", &project(""))]);
    assert_eq!(severities(dir.path(), "ISM-SENSITIVITY"), ["warning"]);
    let report = json(&run_in(
        dir.path(),
        &["check", "--format", "json", "--select", "ISM-SENSITIVITY", "."],
    ));
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("ISO 19650-5 is voluntary"),
        "{report}"
    );
    write_tree(
        dir.path(),
        &[("project.yaml", &project("  informationSecurity: {adopted: true}\n"))],
    );
    assert_eq!(severities(dir.path(), "ISM-SENSITIVITY"), ["error"]);
}
