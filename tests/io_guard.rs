//! Issue 10, points 8 and 13: outputs never overwrite inputs (nor write through a planted
//! link), `-` is standard output or input, and a FIFO, socket or device is a FILE-READ finding,
//! never a hang or a silent skip.

use std::path::Path;
#[cfg(unix)]
use std::time::{Duration, Instant};

use crate::support::{PROJECT, finding_lines, json, run_in, standoff, transcript, write_tree};

const SITE: &str = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n    - id: lawn\n  vehicleApproaches:\n    - id: va-north\n      reaches: plaza\n";

/// A folder holding the tree `t/` (a config, a Project and a Site).
fn tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("t/standoff.yaml", "fail-on: error\n"),
            ("t/project.yaml", PROJECT),
            ("t/site.yaml", SITE),
        ],
    );
    dir
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a refusal (exit 2) whose message names the input.
fn assert_refused(output: &std::process::Output, input: &str) {
    assert_eq!(output.status.code(), Some(2), "{}", transcript(output));
    let err = stderr(output);
    assert!(
        err.contains("refusing to write") && err.contains(input),
        "the message should name {input}:\n{err}"
    );
}

#[test]
fn output_onto_an_input_is_refused() {
    let dir = tree();
    let before = bytes(&dir.path().join("t/project.yaml"));
    let output = run_in(
        dir.path(),
        &["check", "t", "--format", "json", "--output", "t/project.yaml"],
    );
    assert_refused(&output, "t/project.yaml");
    assert_eq!(bytes(&dir.path().join("t/project.yaml")), before);
    // Spelt another way, through a folder that does not exist yet.
    let output = run_in(dir.path(), &["check", "t", "-o", "new/../t/./project.yaml"]);
    assert_refused(&output, "t/project.yaml");
    assert_eq!(bytes(&dir.path().join("t/project.yaml")), before);
    // The config in force is an input too.
    let before = bytes(&dir.path().join("t/standoff.yaml"));
    let output = run_in(dir.path(), &["check", "t", "-o", "t/standoff.yaml"]);
    assert_refused(&output, "t/standoff.yaml");
    assert_eq!(bytes(&dir.path().join("t/standoff.yaml")), before);
}

#[cfg(unix)]
#[test]
fn output_through_a_link_to_an_input_is_refused() {
    let dir = tree();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink("../t/project.yaml", dir.path().join("out/link.json")).unwrap();
    let before = bytes(&dir.path().join("t/project.yaml"));
    let output = run_in(
        dir.path(),
        &["check", "t", "--format", "json", "--output", "out/link.json"],
    );
    assert_refused(&output, "t/project.yaml");
    assert!(stderr(&output).contains("symbolic link"), "{}", transcript(&output));
    assert_eq!(bytes(&dir.path().join("t/project.yaml")), before);
    // A hard link (a second name of the input) is refused as well.
    std::fs::hard_link(dir.path().join("t/site.yaml"), dir.path().join("out/hard.json")).unwrap();
    let before = bytes(&dir.path().join("t/site.yaml"));
    let output = run_in(dir.path(), &["check", "t", "-o", "out/hard.json"]);
    assert_refused(&output, "t/site.yaml");
    assert_eq!(bytes(&dir.path().join("t/site.yaml")), before);
}

#[test]
fn write_baseline_onto_an_input_is_refused() {
    let dir = tree();
    let before = bytes(&dir.path().join("t/site.yaml"));
    let output = run_in(dir.path(), &["check", "t", "--write-baseline", "t/site.yaml"]);
    assert_refused(&output, "t/site.yaml");
    assert_eq!(bytes(&dir.path().join("t/site.yaml")), before);
    // Outside the tree it is written.
    let output = run_in(dir.path(), &["check", "t", "--write-baseline", "baseline.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(dir.path().join("baseline.json").is_file());
}

#[test]
fn a_new_yaml_file_inside_the_tree_is_refused() {
    let dir = tree();
    let output = run_in(dir.path(), &["check", "t", "-o", "t/report.yaml"]);
    assert_refused(&output, "t");
    assert!(!dir.path().join("t/report.yaml").exists());
    // Anything the walk would not read is fine.
    let output = run_in(dir.path(), &["check", "t", "--format", "json", "-o", "t/report.json"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(dir.path().join("t/report.json").is_file());
}

#[cfg(unix)]
#[test]
fn gate_out_with_a_planted_link_is_refused_or_replaced() {
    let dir = tree();
    std::fs::create_dir(dir.path().join("out")).unwrap();
    std::os::unix::fs::symlink("../t/site.yaml", dir.path().join("out/gate-report.html")).unwrap();
    let before = bytes(&dir.path().join("t/site.yaml"));
    let output = run_in(dir.path(), &["gate", "--stage", "0", "t", "--out", "out"]);
    assert_refused(&output, "t/site.yaml");
    assert_eq!(bytes(&dir.path().join("t/site.yaml")), before);
    // Nothing was written: the record is not left half done.
    assert!(!dir.path().join("out/gate-record.json").exists());

    // A link to a file outside the inputs is replaced by the report, the file left alone.
    std::fs::write(dir.path().join("victim.txt"), "precious\n").unwrap();
    std::fs::remove_file(dir.path().join("out/gate-report.html")).unwrap();
    std::os::unix::fs::symlink("../victim.txt", dir.path().join("out/gate-report.html")).unwrap();
    std::os::unix::fs::symlink("../victim.txt", dir.path().join("out/gate-record.json")).unwrap();
    let output = run_in(dir.path(), &["gate", "--stage", "0", "t", "--out", "out"]);
    assert!(matches!(output.status.code(), Some(0 | 1)), "{}", transcript(&output));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("victim.txt")).unwrap(),
        "precious\n"
    );
    for name in ["gate-report.html", "gate-record.json"] {
        let meta = std::fs::symlink_metadata(dir.path().join("out").join(name)).unwrap();
        assert!(meta.is_file(), "{name} should now be a regular file");
    }
    // No temporary file is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn dash_output_is_standard_output() {
    let dir = tree();
    for flag in ["-o", "--output"] {
        let output = run_in(dir.path(), &["check", "t", "--format", "json", flag, "-"]);
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        let report = json(&output);
        assert!(report["findings"].is_array());
        assert!(!dir.path().join("-").exists(), "a file named `-` was written");
    }
    // The baseline can go there too, but not both.
    let output = run_in(dir.path(), &["check", "t", "--write-baseline", "-"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let output = run_in(dir.path(), &["check", "t", "--write-baseline", "-", "-o", "report.txt"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("\"version\""));
    assert!(!dir.path().join("-").exists());
    // The gate needs a folder.
    let output = run_in(dir.path(), &["gate", "--stage", "0", "t", "--out", "-"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert!(!dir.path().join("-").exists());
}

#[test]
fn missing_output_folders_are_created() {
    let dir = tree();
    let output = run_in(
        dir.path(),
        &["check", "t", "--format", "json", "-o", "new/dir/out.json"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = std::fs::read_to_string(dir.path().join("new/dir/out.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(report["findings"].is_array());
}

/// A check that must end promptly (a FIFO opened for reading would block it forever).
#[cfg(unix)]
fn check_promptly(dir: &Path, args: &[&str]) -> std::process::Output {
    let started = Instant::now();
    let output = standoff()
        .current_dir(dir)
        .args(args)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "the run hung:\n{}",
        transcript(&output)
    );
    output
}

#[cfg(unix)]
fn assert_not_regular(output: &std::process::Output, path: &str) {
    let report = json(output);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(output));
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == path)
        .unwrap_or_else(|| panic!("no finding at {path}:\n{}", transcript(output)));
    assert_eq!(finding["rule"], "FILE-READ");
    assert!(
        finding["message"].as_str().unwrap().contains("not a regular file"),
        "{finding}"
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_is_a_read_finding_not_a_hang() {
    let dir = tree();
    let status = std::process::Command::new("mkfifo")
        .arg(dir.path().join("t/pipe.yaml"))
        .status()
        .unwrap();
    assert!(status.success());
    // Met by the walk.
    let output = check_promptly(dir.path(), &["check", "t", "--format", "json"]);
    assert_not_regular(&output, "pipe.yaml");
    // Named on the command line.
    let output = check_promptly(dir.path(), &["check", "t/pipe.yaml", "--format", "json"]);
    assert_not_regular(&output, "pipe.yaml");
}

#[cfg(unix)]
#[test]
fn a_socket_is_a_read_finding() {
    let dir = tree();
    let _listener = std::os::unix::net::UnixListener::bind(dir.path().join("t/sock.yaml")).unwrap();
    let output = check_promptly(dir.path(), &["check", "t", "--format", "json"]);
    assert_not_regular(&output, "sock.yaml");
}

#[cfg(unix)]
#[test]
fn a_device_named_on_the_command_line_is_a_read_finding() {
    let dir = tree();
    let output = check_promptly(dir.path(), &["check", "/dev/null", "--format", "json"]);
    assert_not_regular(&output, "null");
}

#[test]
fn stdin_is_judged_at_the_stdin_filename_with_its_tree() {
    let dir = tree();
    let edited = SITE.replace("reaches: plaza", "reaches: plazza");
    let output = standoff()
        .current_dir(dir.path())
        .args(["check", "-", "--stdin-filename", "t/site.yaml", "--format", "json"])
        .write_stdin(edited)
        .output()
        .unwrap();
    // What standard input says is judged (the file on disk is valid), at the path given
    // (relative to the tree's root, t/), with the tree's Project as context (no finding about
    // a missing Project).
    assert_eq!(finding_lines(&json(&output)), ["CORE-REF site.yaml:11:16"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert_eq!(bytes(&dir.path().join("t/site.yaml")), SITE.as_bytes());

    // Alone, standard input is reported at `-` (a Site with no Project around it).
    let output = standoff()
        .current_dir(dir.path())
        .args(["check", "-", "--format", "json"])
        .write_stdin(SITE)
        .output()
        .unwrap();
    assert_eq!(finding_lines(&json(&output)), ["CORE-PROJECT -:3:1"]);

    // `--stdin-filename` without `-` is a mistake, said so.
    let output = run_in(dir.path(), &["check", "t", "--stdin-filename", "t/site.yaml"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
}

#[test]
fn stdin_is_bounded_by_the_file_size_limit() {
    let dir = tree();
    std::fs::write(dir.path().join("t/standoff.yaml"), "limits:\n  max-file-size: 100\n").unwrap();
    let output = standoff()
        .current_dir(dir.path())
        .args(["check", "-", "--stdin-filename", "t/site.yaml", "--format", "json"])
        .write_stdin(SITE.repeat(100))
        .output()
        .unwrap();
    let lines = finding_lines(&json(&output));
    assert!(lines.iter().any(|l| l.starts_with("YAML-LIMIT site.yaml")), "{lines:?}");
}

#[cfg(unix)]
#[test]
fn dev_stdin_is_not_checked_zero_files() {
    let dir = tree();
    let output = standoff()
        .current_dir(dir.path())
        .args(["check", "/dev/stdin"])
        .write_stdin(SITE)
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("checked 0 files"), "{}", transcript(&output));
    assert_ne!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(
        text.contains("not a regular file") && text.contains("`-`"),
        "{}",
        transcript(&output)
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_ignore_file_is_reported_not_a_hang() {
    let mkfifo = |path: &Path| {
        let status = std::process::Command::new("mkfifo").arg(path).status().unwrap();
        assert!(status.success());
    };
    // In a folder under the root: that folder is not walked, and an error says why.
    let dir = tree();
    std::fs::create_dir(dir.path().join("t/sub")).unwrap();
    mkfifo(&dir.path().join("t/sub/.gitignore"));
    let output = check_promptly(dir.path(), &["check", "t", "--format", "json"]);
    assert_not_regular(&output, "sub/.gitignore");
    // In the root itself.
    let dir = tree();
    mkfifo(&dir.path().join("t/.ignore"));
    let output = check_promptly(dir.path(), &["check", "t", "--format", "json"]);
    assert_not_regular(&output, ".ignore");
}

#[cfg(unix)]
#[test]
fn the_gate_reports_special_files_promptly() {
    let dir = tree();
    for name in ["t/pipe.yaml", "t/.gitignore"] {
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join(name))
            .status()
            .unwrap();
        assert!(status.success());
    }
    std::os::unix::fs::symlink("pipe.yaml", dir.path().join("t/link.yaml")).unwrap();
    let output = check_promptly(dir.path(), &["gate", "--stage", "0", "t", "--out", "out"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/gate-record.json")).unwrap()).unwrap();
    let text = record.to_string();
    assert!(text.contains("not a regular file"), "{text}");
    assert!(text.contains("pipe.yaml"), "{text}");
}

/// From an attack: `-o t/README.md` replaced a file of the tree that is not an input. An
/// existing file of the tree is never replaced by a report, unless it is an earlier report.
#[test]
fn an_existing_file_of_the_tree_is_not_replaced_by_a_report() {
    let dir = tree();
    std::fs::write(dir.path().join("t/README.md"), "# the project's readme\n").unwrap();
    let before = bytes(&dir.path().join("t/README.md"));
    let output = run_in(dir.path(), &["check", "t", "-o", "t/README.md"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("not a report"), "{}", stderr(&output));
    assert_eq!(bytes(&dir.path().join("t/README.md")), before);
    // A report of an earlier run is replaced.
    for _ in 0..2 {
        let output = run_in(dir.path(), &["check", "t", "--format", "json", "-o", "t/report.json"]);
        assert!(matches!(output.status.code(), Some(0 | 1)), "{}", stderr(&output));
    }
}

/// After the attack on the pre-commit hook: an output to a device is written to, never
/// replaced by a file (as root, the rename replaced `/dev/null` itself); an output to a FIFO is
/// refused with the reason.
#[cfg(unix)]
#[test]
fn outputs_to_devices_write_through_and_fifos_are_refused() {
    use std::os::unix::fs::FileTypeExt as _;
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = run_in(
        repo,
        &["check", "examples/defects", "--output-format", "sarif:/dev/null"],
    );
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let null = std::fs::metadata("/dev/null").unwrap();
    assert!(null.file_type().is_char_device(), "/dev/null is no longer a device");
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let output = run_in(
        repo,
        &[
            "check",
            "examples/defects",
            "--output",
            fifo.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a regular file"), "{stderr}");
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo());
}
