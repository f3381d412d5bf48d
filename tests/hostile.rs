//! Hostile input, generated here (nothing large is committed). Each case must end in a
//! located diagnostic or a full load: never a crash, a hang or a silent skip.

use std::fmt::Write as _;

use crate::support::{PROJECT, finding_lines, json, run_in, transcript, write_tree};

fn check_json(files: &[(&str, &[u8])], extra_args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    let mut args = vec!["check", "--format", "json"];
    args.extend_from_slice(extra_args);
    let output = run_in(dir.path(), &args);
    let code = output.status.code();
    assert!(code == Some(0) || code == Some(1), "{}", transcript(&output));
    (code, json(&output))
}

fn only_finding(report: &serde_json::Value) -> &serde_json::Value {
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    &findings[0]
}

#[test]
fn billion_laughs_hits_the_alias_budget() {
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for pair in names.windows(2) {
        let refs = vec![format!("*{}", pair[0]); 9].join(",");
        writeln!(text, "{}: &{} [{refs}]", pair[1], pair[1]).unwrap();
    }
    let (code, report) = check_json(&[("laughs.yaml", text.as_bytes())], &[]);
    assert_eq!(code, Some(1));
    let finding = only_finding(&report);
    assert_eq!(finding["rule"], "YAML-LIMIT");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("aliases expand to more than 100000 nodes")
    );
    assert!(finding["line"].as_u64().unwrap() >= 5);
}

#[test]
fn deep_nesting_is_a_located_limit() {
    let cases: [(&str, String); 3] = [
        ("flow-seq.yaml", "[".repeat(100_000) + &"]".repeat(100_000)),
        ("flow-map.yaml", "{a: ".repeat(100_000) + "1" + &"}".repeat(100_000)),
        ("block-seq.yaml", "- ".repeat(100_000) + "x\n"),
    ];
    for (name, text) in &cases {
        let (code, report) = check_json(&[(name, text.as_bytes())], &[]);
        assert_eq!(code, Some(1), "{name}");
        let finding = only_finding(&report);
        assert_eq!(finding["rule"], "YAML-LIMIT", "{name}");
        assert_eq!(finding["line"], 1, "{name}");
        assert!(
            finding["message"].as_str().unwrap().contains("nested deeper than"),
            "{name}: {finding}"
        );
    }
}

#[test]
fn a_raised_depth_limit_applies() {
    let text = "- ".repeat(80) + "x\n";
    let (code, report) = check_json(&[("deep.yaml", text.as_bytes())], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(only_finding(&report)["rule"], "YAML-LIMIT");
    let (code, report) = check_json(
        &[
            ("deep.yaml", text.as_bytes()),
            ("standoff.yaml", b"limits:\n  max-depth: 100\n"),
        ],
        &[],
    );
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(report["summary"]["skippedDocuments"], 1);
}

#[test]
fn a_20_mb_document_loads_completely() {
    let mut text =
        String::from("apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: big-site\nspec:\n  crowdedSpaces:\n");
    let mut n = 0;
    while text.len() < 20 * 1024 * 1024 {
        writeln!(
            text,
            "    - id: space-{n}\n      description: \"Concourse bay {n}, level {}, with queueing for the east turnstiles\"\n      capacity: {}\n      outdoor: {}\n      queueing: true",
            n % 7,
            100 + n % 900,
            n % 2 == 0
        )
        .unwrap();
        n += 1;
    }
    // One defect at the very end proves the whole file was read and located.
    text.push_str("  standoff:\n    building: 30\n");
    let (code, report) = check_json(
        &[("project.yaml", PROJECT.as_bytes()), ("big.yaml", text.as_bytes())],
        &[],
    );
    assert_eq!(code, Some(1));
    let lines = finding_lines(&report);
    let last_line = text.lines().count();
    assert_eq!(lines, [format!("SCHEMA-QUANTITY big.yaml:{last_line}:15")]);
    assert_eq!(report["summary"]["documents"], 2);
}

#[test]
fn invalid_utf8_is_reported_with_its_offset() {
    let (code, report) = check_json(&[("bad.yaml", b"a: \"ok\"\nb: \xff\xfe bad\n")], &[]);
    assert_eq!(code, Some(1));
    let finding = only_finding(&report);
    assert_eq!(finding["rule"], "FILE-UTF8");
    assert_eq!(
        (finding["line"].as_u64(), finding["column"].as_u64()),
        (Some(2), Some(4))
    );
    assert!(finding["message"].as_str().unwrap().contains("byte 0xff at offset 11"));
}

const SITE_WITH_TYPO: &str =
    "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: s\nspec:\n  crowdedSpaces: [{id: p}]\n  entrences: []\n";

#[test]
fn bom_and_crlf_keep_columns_right() {
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(b"kind: Sitte\napiVersion: standoff/v1\n");
    let (_, report) = check_json(&[("project.yaml", PROJECT.as_bytes()), ("bom.yaml", &bom)], &[]);
    assert_eq!(finding_lines(&report), ["DOC-KIND bom.yaml:1:7"]);

    let crlf = SITE_WITH_TYPO.replace('\n', "\r\n");
    let crlf_project = PROJECT.replace('\n', "\r\n");
    let (_, report) = check_json(
        &[
            ("project.yaml", crlf_project.as_bytes()),
            ("crlf.yaml", crlf.as_bytes()),
        ],
        &[],
    );
    assert_eq!(finding_lines(&report), ["SCHEMA-UNKNOWN-PROPERTY crlf.yaml:7:3"]);
    assert_eq!(
        report["findings"][0]["end"],
        serde_json::json!({"line": 7, "column": 12})
    );
}

#[test]
fn duplicate_keys_point_at_both() {
    let text = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: s\n  name: t\nspec: {}\n";
    let (code, report) = check_json(&[("dup.yaml", text.as_bytes())], &[]);
    assert_eq!(code, Some(1));
    let finding = only_finding(&report);
    assert_eq!(finding_lines(&report), ["YAML-DUPLICATE-KEY dup.yaml:5:3"]);
    assert_eq!(finding["related"][0]["line"], 4);
    assert_eq!(finding["related"][0]["column"], 3);
}

#[test]
fn every_document_of_a_multi_document_file_is_checked() {
    let text = format!("{PROJECT}---\n# a CI file in the same stream\nname: build\n---\n{SITE_WITH_TYPO}");
    let (code, report) = check_json(&[("all.yaml", text.as_bytes())], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(finding_lines(&report), ["SCHEMA-UNKNOWN-PROPERTY all.yaml:22:3"]);
    assert_eq!(report["findings"][0]["document"], 2);
    assert_eq!(report["findings"][0]["pointer"], "/spec/entrences");
    assert_eq!(report["summary"]["documents"], 2);
    assert_eq!(report["summary"]["skippedDocuments"], 1);
}

#[test]
fn merge_keys_and_empty_files() {
    let merge = "base: &b {x: 1}\nother:\n  <<: *b\n";
    let (code, report) = check_json(
        &[
            ("merge.yaml", merge.as_bytes()),
            ("empty.yaml", b""),
            ("comments.yaml", b"# nothing\n"),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(finding_lines(&report), ["YAML-MERGE-KEY merge.yaml:3:3"]);
    assert_eq!(report["summary"]["emptyFiles"], 2);
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_reported_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(dir.path(), &[("project.yaml", PROJECT)]);
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::os::unix::fs::symlink(dir.path(), dir.path().join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("missing.yaml"), dir.path().join("dangling.yaml")).unwrap();

    // Default: links are not followed, and each is reported as info.
    let output = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let report = json(&output);
    assert_eq!(
        finding_lines(&report),
        [
            "FILE-SYMLINK dangling.yaml:null:null",
            "FILE-SYMLINK sub/loop:null:null"
        ]
    );

    // Followed: the loop and the dangling link are errors, and the rest is still checked.
    std::fs::write(dir.path().join("standoff.yaml"), "follow-symlinks: true\n").unwrap();
    let output = run_in(dir.path(), &["check", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let report = json(&output);
    let lines = finding_lines(&report);
    assert!(lines.contains(&"FILE-READ sub/loop:null:null".to_owned()), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("FILE-READ dangling.yaml")),
        "{lines:?}"
    );
    assert_eq!(report["summary"]["documents"], 1);
}

#[test]
fn oversized_files_are_not_read() {
    let big = "a: 1\n".repeat(300);
    let (code, report) = check_json(
        &[
            ("big.yaml", big.as_bytes()),
            ("standoff.yaml", b"limits:\n  max-file-size: 1000\n"),
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    let finding = only_finding(&report);
    assert_eq!(finding["rule"], "YAML-LIMIT");
    assert!(finding["message"].as_str().unwrap().contains("1500 bytes"));
}
