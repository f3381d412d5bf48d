//! Helpers shared by the integration tests.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

/// The `standoff` binary with a predictable environment (no colour, fixed width).
pub(crate) fn standoff() -> Command {
    let mut cmd = Command::cargo_bin("standoff").unwrap();
    cmd.env_remove("NO_COLOR")
        .env_remove("FORCE_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("COLUMNS")
        .env_remove("RAYON_NUM_THREADS")
        // Every date comparison at one fixed day, so no result changes with the calendar;
        // a test's own `--as-of` wins.
        .env("STANDOFF_AS_OF", "2026-06-01");
    // A safety net against hangs, not a performance assertion.
    cmd.timeout(std::time::Duration::from_secs(300));
    cmd
}

/// Runs `standoff` in `dir` with `args`.
pub(crate) fn run_in(dir: &Path, args: &[&str]) -> Output {
    standoff().current_dir(dir).args(args).output().unwrap()
}

/// Exit code, stdout and stderr in one text, for snapshots.
pub(crate) fn transcript(output: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        output
            .status
            .code()
            .map_or_else(|| "signal".to_owned(), |c| c.to_string()),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    )
}

/// The rule id of each finding of a JSON report, in report order.
pub(crate) fn rule_ids(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_owned())
        .collect()
}

/// The JSON report of a run.
pub(crate) fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", transcript(output)))
}

/// The rule ids and positions of a JSON report's findings, as `RULE file:line:col`.
pub(crate) fn finding_lines(report: &serde_json::Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}:{}:{}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect()
}

/// Snapshot filters: the run time in the summary varies.
pub(crate) fn filters() -> Vec<(&'static str, &'static str)> {
    vec![(r" in \d+\.\d+s", " in [TIME]")]
}

/// A minimal valid Project document.
/// A stage-0 Project that every stage-0 rule accepts (out of Martyn's Law scope at 50 people,
/// its sensitivity assessment done), so tests see only the findings they provoke.
pub(crate) const PROJECT: &str = "apiVersion: standoff/v1\nkind: Project\nmetadata:\n  name: test-project\nspec:\n  stage: 0\n  jurisdiction: GB-ENG\n  uses: [halls]\n  occupancy: { expectedPeak: 50, basis: design-estimate, includesStaff: true }\n  informationSecurity:\n    sensitivityAssessment: { completed: 2025-01-10, owner: Test Owner, outcome: not-required }\n";

/// Writes files (path, content) under `dir`.
pub(crate) fn write_tree(dir: &Path, files: &[(&str, &str)]) {
    for (path, content) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// The statuses a gate record's compliance matrix gives `rule` (one per source it rests on).
pub(crate) fn matrix_status(record: &serde_json::Value, rule: &str) -> Vec<String> {
    record["matrix"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| row["rules"].as_array().unwrap().iter())
        .filter(|pair| pair[0] == rule)
        .map(|pair| pair[1].as_str().unwrap().to_owned())
        .collect()
}

/// Copies an example folder's files into `to` (a test edits the copy, never the example).
pub(crate) fn copy_example(name: &str, to: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples").join(name);
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}
