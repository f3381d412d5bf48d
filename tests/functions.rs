//! The expression functions' table as users see it (`standoff explain --functions`, its JSON,
//! the table in docs/rules.md), load-time checks of calls against it, and the check ids
//! `standoff explain` knows.

use std::path::Path;

use crate::support::{json, run_in, transcript, write_tree};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn explain_functions_prints_the_table() {
    let output = run_in(repo(), &["explain", "--functions"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    insta::assert_snapshot!("explain_functions", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn explain_functions_as_json() {
    let output = run_in(repo(), &["explain", "--functions", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let table = json(&output);
    let functions = table["functions"].as_array().unwrap();
    assert_eq!(functions.len(), standoff::rules::functions::FUNCTIONS.len());
    let qty_in = functions.iter().find(|f| f["name"] == "qty_in").unwrap();
    assert_eq!(
        qty_in["params"],
        serde_json::json!([
            {"name": "text", "type": "text", "optional": false},
            {"name": "unit", "type": "text", "optional": false}
        ])
    );
    assert_eq!(
        qty_in["returns"],
        serde_json::json!({"type": "double", "orNull": false})
    );
    assert_eq!(qty_in["origin"], "standoff");
    let size = functions.iter().find(|f| f["name"] == "size").unwrap();
    assert_eq!((&size["origin"], &size["metered"]), (&"cel".into(), &false.into()));
    assert!(
        table["variables"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["name"] == "byId")
    );
}

/// docs/rules.md holds the table between its markers, as generated; `STANDOFF_UPDATE_DOCS=1`
/// rewrites it.
#[test]
fn the_function_table_in_the_docs_is_generated() {
    const START: &str = "<!-- functions:start -->\n";
    const END: &str = "<!-- functions:end -->";
    let path = repo().join("docs/rules.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let start = text.find(START).expect("the start marker") + START.len();
    let end = text.find(END).expect("the end marker");
    let generated = standoff::rules::functions::markdown();
    if text[start..end] == generated {
        return;
    }
    if std::env::var_os("STANDOFF_UPDATE_DOCS").is_some_and(|v| v == "1") {
        std::fs::write(&path, format!("{}{generated}{}", &text[..start], &text[end..])).unwrap();
        return;
    }
    panic!("docs/rules.md's function table is stale: run with STANDOFF_UPDATE_DOCS=1 to regenerate it");
}

const PACK: &str = "name: arity\ntitle: Calls that do not fit\nversion: 0.1.0\ndescription: A test pack.\nsources:\n  - title: Nothing\n    url: https://example.org\n";

fn rule(id: &str, expr: &str) -> String {
    format!(
        "id: {id}\ntitle: A rule\nseverity: warning\nstage: 3\nkind: Site\nselect: /spec/vehicleApproaches/*\ncheck:\n  expr: |\n    has(self.impactSpeed) &&\n      {expr}\nmessage: \"approach {{item}}\"\nhelp: Fix it.\nwhy: Because.\nsources:\n  - {{ title: A source, url: https://example.org, confidence: secondary }}\ntests:\n  valid: [{{ apiVersion: standoff/v1, kind: Site, metadata: {{ name: s }}, spec: {{ crowdedSpaces: [{{ id: a }}] }} }}]\n  invalid:\n    - documents: [{{ apiVersion: standoff/v1, kind: Site, metadata: {{ name: s }}, spec: {{ crowdedSpaces: [{{ id: a }}] }} }}]\n      expect: [{{ at: /spec }}]\n"
    )
}

#[test]
fn a_call_that_does_not_fit_its_signature_is_a_located_load_error() {
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &[
            ("arity/pack.yaml", PACK),
            (
                "arity/ARITY-COUNT.yaml",
                &rule("ARITY-COUNT", "qty(self.runUp, 'm') > 0.0"),
            ),
            (
                "arity/ARITY-METHOD.yaml",
                &rule("ARITY-METHOD", "self.impactSpeed.rating().ok"),
            ),
        ],
    );
    let output = run_in(dir.path(), &["rules", "--rules", "arity"]);
    assert_eq!(output.status.code(), Some(2), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for expected in [
        "`qty` takes 1 argument, not 2: `qty(text)` (text: text)",
        "ARITY-COUNT.yaml:10:7]",
        "`rating` is a function, not a method: write `rating(text)`",
        "ARITY-METHOD.yaml:10:24]",
    ] {
        assert!(stderr.contains(expected), "{expected} missing from\n{stderr}");
    }
}

/// Every check id the source emits: each string literal `"FAMILY-NAME"` of a family the tool
/// itself reports in (rule packs' ids, such as `CORE-REF`, are not in these families).
fn emitted_check_ids() -> std::collections::BTreeSet<String> {
    const FAMILIES: [&str; 11] = [
        "FILE", "YAML", "DOC", "SCHEMA", "WAIVER", "RISK", "GATE", "RULE", "CONFIG", "PACK", "BASELINE",
    ];
    let re = regex::Regex::new(r#""([A-Z]+)-([A-Z0-9]+(?:-[A-Z0-9]+)*)""#).unwrap();
    let mut ids = std::collections::BTreeSet::new();
    let mut stack = vec![repo().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for c in re.captures_iter(&text) {
                    if FAMILIES.contains(&&c[1]) {
                        ids.insert(format!("{}-{}", &c[1], &c[2]));
                    }
                }
            }
        }
    }
    ids
}

#[test]
fn every_check_id_the_tool_emits_can_be_explained() {
    let ids = emitted_check_ids();
    assert!(ids.contains("WAIVER-UNUSED") && ids.len() >= 30, "{ids:?}");
    for id in &ids {
        let output = run_in(repo(), &["explain", id]);
        assert_eq!(output.status.code(), Some(0), "{id}: {}", transcript(&output));
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.starts_with(&format!("{id}: ")), "{stdout}");
        assert!(stdout.contains("built-in check · "), "{stdout}");
    }
    // And the registry holds nothing the source never emits.
    for check in standoff::checks::BUILTIN_CHECKS {
        assert!(ids.contains(check.id), "{} is never emitted", check.id);
    }
    let unused = run_in(repo(), &["explain", "WAIVER-UNUSED"]);
    assert!(String::from_utf8_lossy(&unused.stdout).contains("built-in check · warning · any stage"));
}

#[test]
fn an_unknown_id_suggests_the_nearest_or_its_upper_case() {
    let lower = run_in(repo(), &["explain", "waiver-unused"]);
    assert_eq!(lower.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&lower.stderr);
    assert!(
        stderr.contains("ids are upper case: did you mean WAIVER-UNUSED?"),
        "{stderr}"
    );
    let typo = run_in(repo(), &["explain", "WAIVER-UNUSD"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&typo.stderr).contains("did you mean WAIVER-UNUSED?"));
    let rule = run_in(repo(), &["explain", "core-ref"]);
    assert!(String::from_utf8_lossy(&rule.stderr).contains("did you mean CORE-REF?"));
}
