//! Every channel escaped, every format well-formed (issue 10, points 9 and 10): hostile text
//! (terminal escape sequences, a bidirectional override, U+FFFE, a C0 control, a line feed)
//! planted in file names, document values, a rule pack on disk, a waiver file and a config
//! never reaches a terminal or a CI log raw, and `JUnit`, SARIF and JSON stay well-formed.

use std::path::Path;
use std::process::Output;

use crate::support::{PROJECT, json, run_in, standoff, transcript, write_tree};

/// The hostile text as YAML double-quoted escapes: an OSC title change, a screen clear, a
/// right-to-left override, U+FFFE, U+0001 and a line feed.
const HOSTILE_YAML: &str = r"\e]0;pwned\a\e[2J\u202E\uFFFE\x01\n";

/// The same text in a file name (Linux allows any byte but `/` and NUL).
const HOSTILE_NAME: &str = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}\u{fffe}\u{1}\n.yaml";

/// What must never be printed raw: C0 controls but tab and line feed, DEL, C1 controls, the
/// bidirectional controls, zero-width characters, the byte-order mark, line and paragraph
/// separators, and the characters XML 1.0 forbids.
fn is_raw_hostile(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{b}'..='\u{1f}' | '\u{7f}'..='\u{9f}'
        | '\u{061c}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        | '\u{feff}' | '\u{fffe}' | '\u{ffff}')
}

/// Asserts that `bytes` (one channel's output) is UTF-8 without a raw hostile character, and
/// that the planted text did reach it, escaped (`marker`), so the check is not vacuous.
fn assert_escaped(channel: &str, bytes: &[u8], marker: &str) -> String {
    let text = String::from_utf8(bytes.to_vec()).unwrap_or_else(|e| panic!("{channel}: not UTF-8: {e}"));
    if let Some((at, c)) = text.char_indices().find(|(_, c)| is_raw_hostile(*c)) {
        let before: String = text[..at]
            .chars()
            .rev()
            .take(80)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let context = format!("{before}{}", text[at..].chars().take(40).collect::<String>());
        panic!("{channel}: raw {c:?} at byte {at}: {context:?}");
    }
    assert!(
        text.contains(marker),
        "{channel}: the planted text does not show (escaped as {marker:?}):\n{text}"
    );
    text
}

/// The escaped form of the planted text in a terminal channel.
const MARKER: &str = r"\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}\u{fffe}\u{1}";

/// The same in JSON (`\uXXXX` escapes, which keep it the same JSON).
const JSON_MARKER: &str = r"\u001b]0;pwned\u0007\u001b[2J\u202e\ufffe\u0001";

/// A pack on disk whose every text carries the hostile text.
fn write_pack(dir: &Path) {
    let h = HOSTILE_YAML;
    // In a CEL string literal: the same, without the line feed.
    let e = h.trim_end_matches(r"\n");
    write_tree(
        dir,
        &[
            (
                "evil/pack.yaml",
                &format!(
                    "name: evil\ntitle: \"Evil {h}\"\nversion: 0.1.0\nprefix: EVIL\ndescription: \"A pack {h}\"\nsources:\n  - title: \"Source {h}\"\n    url: https://example.org/evil\n"
                ),
            ),
            (
                "evil/EVIL-ALWAYS.yaml",
                &format!(
                    "id: EVIL-ALWAYS\ntitle: \"Always {h}\"\nseverity: warning\nstage: 0\nkind: Project\nselect: /spec/jurisdiction\nwhen: {{ expr: \"self != '{e}'\" }}\ncheck: {{ expr: \"size(self) > 100 && self == '{e}'\" }}\nmessage: \"message {h} {{value}}\"\nhelp: \"help {h}\"\nwhy: \"why {h}\"\nsources:\n  - title: \"Source {h}\"\n    url: \"https://example.org/{h}\"\n    clause: \"clause {h}\"\n    confidence: secondary\ntests:\n  valid:\n    - documents:\n        - {{ apiVersion: standoff/v1, kind: Site, metadata: {{ name: s }}, spec: {{}} }}\n  invalid:\n    - documents:\n        - {{ apiVersion: standoff/v1, kind: Project, metadata: {{ name: p }}, spec: {{ stage: 0, jurisdiction: GB-ENG }} }}\n      expect: [{{ at: /spec/jurisdiction }}]\n"
                ),
            ),
        ],
    );
}

/// A tree with the hostile text in a file name, a document value and a waiver file.
fn hostile_tree(dir: &Path) {
    let h = HOSTILE_YAML;
    write_tree(
        dir,
        &[
            ("standoff.yaml", "{}\n"),
            ("project.yaml", PROJECT),
            (
                HOSTILE_NAME,
                &format!(
                    "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n  vehicleApproaches:\n    - id: va-east\n      reaches: \"{h}\"\n"
                ),
            ),
            (
                "standoff-waivers.yaml",
                &format!(
                    "waivers:\n  - rule: CORE-REF\n    file: \"{h}\"\n    reason: \"reason {h}\"\n    approver: \"approver {h}\"\n"
                ),
            ),
        ],
    );
}

fn check(dir: &Path, pack: &Path, args: &[&str]) -> Output {
    standoff()
        .current_dir(dir)
        .args(["check", "--color", "never"])
        .args(args)
        .arg("--rules")
        .arg(pack)
        .output()
        .unwrap()
}

/// A hostile tree and a hostile pack beside it.
fn hostile() -> (tempfile::TempDir, tempfile::TempDir) {
    let tree = tempfile::tempdir().unwrap();
    let packs = tempfile::tempdir().unwrap();
    hostile_tree(tree.path());
    write_pack(packs.path());
    (tree, packs)
}

#[test]
fn human_report_escapes_file_names_values_packs_and_waivers() {
    let (tree, packs) = hostile();
    let output = check(tree.path(), &packs.path().join("evil"), &[]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let text = assert_escaped("human stdout", &output.stdout, MARKER);
    // The file name in the snippet header, on one line; the document value; the pack's
    // message, help and source; the waiver file's field in WAIVER-UNUSED.
    assert!(text.contains(&format!(r"evil{MARKER}\n.yaml:")), "{text}");
    assert!(text.contains(&format!("message {MARKER}")), "{text}");
    assert!(text.contains(&format!("help {MARKER}")), "{text}");
    assert!(text.contains(&format!("Source {MARKER}")), "{text}");
    assert!(text.contains(&format!("in {MARKER}")), "{text}");
    assert_escaped("human stderr", &output.stderr, "");
    // With colour, the only escape sequences are miette's own styling.
    let coloured = standoff()
        .current_dir(tree.path())
        .args(["check", "--color", "always", "--rules"])
        .arg(packs.path().join("evil"))
        .output()
        .unwrap();
    let text = String::from_utf8(coloured.stdout).unwrap();
    assert!(text.contains(MARKER), "{text}");
    for raw in ["\u{1b}]", "\u{1b}[2J", "\u{7}", "\u{202e}", "\u{fffe}", "\u{1}"] {
        assert!(!text.contains(raw), "raw {raw:?} in the coloured report");
    }
}

#[test]
fn verbose_walk_escapes_file_names() {
    let (tree, packs) = hostile();
    let output = check(tree.path(), &packs.path().join("evil"), &["-v"]);
    let text = assert_escaped("-v stderr", &output.stderr, MARKER);
    assert!(text.contains(&format!(r"walked evil{MARKER}\n.yaml")), "{text}");
}

#[test]
fn github_annotations_escape_the_file_property_and_message() {
    let (tree, packs) = hostile();
    let output = check(tree.path(), &packs.path().join("evil"), &["--format", "github"]);
    let text = assert_escaped("github stdout", &output.stdout, MARKER);
    assert!(
        text.contains(&format!("::error file=evil{MARKER}%0A.yaml,line=")),
        "{text}"
    );
    // Every workflow command stays on its own line.
    assert!(text.lines().all(|l| l.starts_with("::")), "{text}");
}

/// A strict check that `xml` is a well-formed XML 1.0 document of the shape quick-junit
/// writes: only characters of the `Char` production, tags that nest and match, quoted
/// attributes, and `&` only in the five predefined entities or a character reference.
fn assert_well_formed_xml(xml: &str) {
    if let Some(c) = xml
        .chars()
        .find(|&c| !matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..))
    {
        panic!("character {c:?} is not allowed in XML 1.0");
    }
    let check_entities = |text: &str| {
        for (i, _) in text.match_indices('&') {
            let rest = &text[i..];
            let ok = ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                .iter()
                .any(|e| rest.starts_with(e))
                || rest.strip_prefix("&#").is_some_and(|r| {
                    let end = r.find(';').unwrap_or(0);
                    end > 0 && r[..end].trim_start_matches('x').chars().all(|c| c.is_ascii_hexdigit())
                });
            assert!(ok, "bare & in {text:?}");
        }
    };
    let body = xml
        .strip_prefix("<?xml")
        .and_then(|r| r.split_once("?>"))
        .map_or(xml, |(_, r)| r);
    let mut stack: Vec<String> = Vec::new();
    let mut rest = body;
    let mut roots = 0;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(
            !text.contains('>') || !stack.is_empty(),
            "text outside the root: {text:?}"
        );
        check_entities(text);
        if stack.is_empty() {
            assert!(text.trim().is_empty(), "text outside the root: {text:?}");
        }
        rest = &rest[open + 1..];
        // Attribute values may hold `>`; find the tag's end outside quotes.
        let mut quote = None;
        let end = rest
            .char_indices()
            .find(|&(_, c)| match quote {
                Some(q) if c == q => {
                    quote = None;
                    false
                }
                Some(_) => false,
                None if c == '"' || c == '\'' => {
                    quote = Some(c);
                    false
                }
                None => c == '>',
            })
            .map(|(i, _)| i)
            .expect("unclosed tag");
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        assert!(!tag.contains('<'), "`<` in tag {tag:?}");
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop().as_deref(), Some(name.trim()), "mismatched end tag");
            continue;
        }
        let self_closing = tag.ends_with('/');
        let inner = tag.trim_end_matches('/');
        let name = inner.split_whitespace().next().expect("empty tag");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | ':' | '.')),
            "bad name {name:?}"
        );
        // Attributes: name="value" pairs, values without `<` and with valid entities.
        let mut attrs = inner[name.len()..].trim();
        while !attrs.is_empty() {
            let (key, value) = attrs.split_once('=').expect("attribute without a value");
            assert!(
                key.trim()
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            );
            let value = value.trim_start();
            let q = value.chars().next().expect("empty attribute");
            assert!(q == '"' || q == '\'', "unquoted attribute in {tag:?}");
            let close = value[1..].find(q).expect("unclosed attribute") + 1;
            check_entities(&value[1..close]);
            attrs = value[close + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name.to_owned());
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    assert!(rest.trim().is_empty(), "text after the root");
    assert_eq!(roots, 1, "one root element");
}

#[test]
fn junit_is_well_formed_xml_for_hostile_names_and_text() {
    let (tree, packs) = hostile();
    // --fail-on warning: the pack's rule (a warning) fails its case, so its title is written.
    let output = check(
        tree.path(),
        &packs.path().join("evil"),
        &["--format", "junit", "--fail-on", "warning"],
    );
    let text = assert_escaped("junit stdout", &output.stdout, MARKER);
    assert_well_formed_xml(&text);
    assert!(
        text.contains(&format!(r#"<testsuite name="evil{MARKER}\n.yaml""#)),
        "{text}"
    );
    assert!(
        text.contains(&format!(r#"<failure type="EVIL-ALWAYS" message="Always {MARKER}\n">"#)),
        "{text}"
    );
    // Valid against Jenkins xUnit's schema too, whatever the names and texts hold.
    if let Some(xsd) = crate::ci_formats::validator() {
        crate::ci_formats::validate(&xsd, &text).unwrap();
    }
    // The checker itself refuses what an XML writer could otherwise pass through.
    let refused = std::panic::catch_unwind(|| assert_well_formed_xml("<a b=\"\u{fffe}\"/>"));
    assert!(refused.is_err(), "the XML check accepts U+FFFE");
}

#[test]
fn json_outputs_escape_as_json_and_keep_the_real_name() {
    let (tree, packs) = hostile();
    let pack = packs.path().join("evil");
    for format in ["json", "gitlab", "sarif"] {
        let output = check(tree.path(), &pack, &["--format", format]);
        assert_escaped(&format!("{format} stdout"), &output.stdout, JSON_MARKER);
        json(&output);
    }
    let report = json(&check(tree.path(), &pack, &["--format", "json"]));
    let files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(files.contains(&HOSTILE_NAME), "{files:?}");
    let sarif = json(&check(tree.path(), &pack, &["--format", "sarif"]));
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(
        uris.contains(&"evil%1B%5D0%3Bpwned%07%1B%5B2J%E2%80%AE%EF%BF%BE%01%0A.yaml"),
        "{uris:?}"
    );
    // A pack's source URL becomes a valid `helpUri`.
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let evil = rules.iter().find(|r| r["id"] == "EVIL-ALWAYS").unwrap();
    assert_eq!(
        evil["helpUri"],
        "https://example.org/%1B%5D0;pwned%07%1B%5B2J%E2%80%AE%EF%BF%BE%01%0A"
    );
}

#[test]
fn sarif_uris_are_percent_encoded_relative_references() {
    let tree = tempfile::tempdir().unwrap();
    write_tree(
        tree.path(),
        &[
            ("project.yaml", PROJECT),
            (
                "plans/Site plan #2.yaml",
                "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n  vehicleApproaches:\n    - id: va-east\n      reaches: nowhere\n",
            ),
        ],
    );
    let sarif = json(&run_in(tree.path(), &["check", "--format", "sarif"]));
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str())
        .collect();
    assert!(uris.contains(&"plans/Site%20plan%20%232.yaml"), "{uris:?}");
    for uri in uris {
        assert!(
            uri.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~/%".contains(&b)),
            "{uri}"
        );
    }
}

#[cfg(unix)]
#[test]
fn two_non_utf8_file_names_never_show_as_the_same() {
    use std::os::unix::ffi::OsStrExt as _;
    let tree = tempfile::tempdir().unwrap();
    write_tree(tree.path(), &[("project.yaml", PROJECT)]);
    let site = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\nspec:\n  crowdedSpaces:\n    - id: plaza\n  vehicleApproaches:\n    - id: va-east\n      reaches: nowhere\n";
    for name in [&b"bad\xff.yaml"[..], &b"bad\xfe.yaml"[..]] {
        std::fs::write(tree.path().join(std::ffi::OsStr::from_bytes(name)), site).unwrap();
    }
    let report = json(&run_in(tree.path(), &["check", "--format", "json"]));
    let mut files: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["file"].as_str())
        .filter(|f| f.starts_with("bad"))
        .collect();
    files.dedup();
    assert_eq!(files, [r"bad\xfe.yaml", r"bad\xff.yaml"]);
    let human = run_in(tree.path(), &["check", "--color", "never"]);
    let text = assert_escaped("human stdout", &human.stdout, r"bad\xff.yaml");
    assert!(text.contains(r"bad\xfe.yaml") && !text.contains('\u{fffd}'), "{text}");
    let sarif = json(&run_in(tree.path(), &["check", "--format", "sarif"]));
    let uris = sarif.to_string();
    assert!(uris.contains("bad%FF.yaml") && uris.contains("bad%FE.yaml"), "{uris}");
}

#[test]
fn explain_and_rules_escape_pack_text_and_show_the_expressions() {
    let packs = tempfile::tempdir().unwrap();
    write_pack(packs.path());
    let pack = packs.path().join("evil");
    let explained = standoff()
        .args(["explain", "EVIL-ALWAYS", "--rules"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(explained.status.code(), Some(0), "{}", transcript(&explained));
    let text = assert_escaped("explain stdout", &explained.stdout, MARKER);
    for part in ["Always ", "why ", "help ", "Source ", "clause "] {
        assert!(text.contains(&format!("{part}{MARKER}")), "{part}: {text}");
    }
    assert!(
        text.starts_with(&format!("EVIL-ALWAYS: Always {MARKER}\\n\n")),
        "{text}"
    );
    // The expressions, as written in the rule file (YAML escapes and all), for review.
    assert!(text.contains(r"check: { expr: "), "{text}");
    assert!(text.contains(r#"when: { expr: "self != '\e]0;pwned"#), "{text}");
    for format in ["human", "json"] {
        let listed = standoff()
            .args(["rules", "--format", format, "--rules"])
            .arg(&pack)
            .output()
            .unwrap();
        assert_eq!(listed.status.code(), Some(0), "{}", transcript(&listed));
        let marker = if format == "json" { JSON_MARKER } else { MARKER };
        let text = assert_escaped(&format!("rules --format {format}"), &listed.stdout, marker);
        if format == "json" {
            json(&listed);
        } else {
            // One-line fields stay on their row: a line feed in a title cannot forge a row.
            assert!(
                text.lines()
                    .any(|l| l.starts_with("EVIL-ALWAYS") && l.ends_with(&format!(r"Always {MARKER}\n"))),
                "{text}"
            );
        }
    }
    // A built-in rule shows its `when` and `check` too.
    let builtin = standoff().args(["explain", "HVM-LOW-SPEED"]).output().unwrap();
    let text = String::from_utf8(builtin.stdout).unwrap();
    assert!(text.contains("  when:\n") && text.contains("  check:\n"), "{text}");
}

#[test]
fn config_errors_escape_keys_values_and_file_names() {
    let tree = tempfile::tempdir().unwrap();
    let h = HOSTILE_YAML;
    write_tree(
        tree.path(),
        &[
            ("project.yaml", PROJECT),
            ("standoff.yaml", &format!("\"{h}\": 1\nstage: \"{h}\"\n")),
        ],
    );
    let output = run_in(tree.path(), &["check", "--color", "never"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert_escaped("config error stderr", &output.stderr, r"\u{1b}]0;pwned");
    // A config named on the command line with a hostile name.
    let named = tree.path().join(HOSTILE_NAME);
    std::fs::write(&named, format!("\"{h}\": 1\n")).unwrap();
    let output = standoff()
        .current_dir(tree.path())
        .args(["check", "--color", "never", "--config"])
        .arg(&named)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert_escaped(
        "named config error stderr",
        &output.stderr,
        &format!(r"evil{MARKER}\n.yaml"),
    );
}

#[test]
fn waiver_file_errors_escape_its_fields() {
    let tree = tempfile::tempdir().unwrap();
    let h = HOSTILE_YAML;
    write_tree(
        tree.path(),
        &[
            ("standoff.yaml", "{}\n"),
            ("project.yaml", PROJECT),
            (
                "standoff-waivers.yaml",
                &format!("waivers:\n  - rule: CORE-REF\n    file: \"{h}\"\n    \"{h}\": 1\n    until: \"{h}\"\n"),
            ),
        ],
    );
    let output = run_in(tree.path(), &["check", "--color", "never"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    assert_escaped("waiver error stderr", &output.stderr, r"\u{1b}]0;pwned");
}

#[test]
fn gate_summary_and_verify_escape_file_names() {
    let tree = tempfile::tempdir().unwrap();
    let out = tempfile::tempdir().unwrap();
    hostile_tree(tree.path());
    let gate = standoff()
        .current_dir(tree.path())
        .args(["-v", "gate", "--stage", "0", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert_eq!(gate.status.code(), Some(1), "{}", transcript(&gate));
    assert_escaped("gate stdout", &gate.stdout, "gate NOT PASSED");
    assert_escaped("gate -v stderr", &gate.stderr, MARKER);
    // The record names the hostile file; once it is gone, --verify says so, escaped.
    std::fs::remove_file(tree.path().join(HOSTILE_NAME)).unwrap();
    let verify = standoff()
        .current_dir(tree.path())
        .args(["gate", "--verify"])
        .arg(out.path().join("gate-record.json"))
        .output()
        .unwrap();
    assert_eq!(verify.status.code(), Some(1), "{}", transcript(&verify));
    assert_escaped("gate --verify stdout", &verify.stdout, &format!(r"evil{MARKER}\n.yaml"));
}
