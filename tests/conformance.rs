//! The YAML test suite (github.com/yaml/yaml-test-suite, release 2022-01-17), read from
//! `../shared/data/yaml-test-suite` when that folder exists (third-party data, never copied
//! into this repository). Valid cases must load to the expected JSON; error cases must be
//! rejected. Known deviations are listed with their reason, so any change is noticed.

use std::path::{Path, PathBuf};

use standoff::yaml::{Limits, LoadErrorKind, load};

fn suite() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/yaml-test-suite");
    dir.is_dir().then_some(dir)
}

/// Cases whose valid input this loader refuses on purpose.
/// Besides these, every valid case holding a mapping or sequence used as a key is refused
/// (YAML-COMPLEX-KEY): JSON and design documents cannot hold one.
const REFUSED_ON_PURPOSE: &[(&str, &str)] = &[
    // Duplicate keys hide values from a reviewer (documents.md).
    ("2JQS", "duplicate (empty) keys"),
];

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.join("in.yaml").is_file() {
            out.push(path.clone());
        }
        for sub in std::fs::read_dir(&path).into_iter().flatten().flatten() {
            if sub.path().join("in.yaml").is_file() {
                out.push(sub.path());
            }
        }
    }
    out.sort();
    out
}

/// Numbers compare by value (the suite writes `1.0` where the loader may give `1`).
fn same(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
#[allow(clippy::print_stderr, reason = "the pass rate is the point of this test's output")]
fn yaml_test_suite() {
    let Some(dir) = suite() else {
        // CI has ../shared beside the clone: there, a missing suite fails instead of passing
        // having asserted nothing.
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have the YAML test suite at ../shared/data/yaml-test-suite"
        );
        eprintln!("yaml-test-suite not found at ../shared/data/yaml-test-suite: conformance not measured");
        return;
    };
    let (mut valid, mut valid_ok, mut json_cases, mut json_ok, mut errors, mut errors_ok) = (0, 0, 0, 0, 0, 0);
    let mut refused = Vec::new();
    let mut failures = Vec::new();
    for case in cases(&dir) {
        let name = case.strip_prefix(&dir).unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(case.join("in.yaml")).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let outcome = load(text, &Limits::default());
        if case.join("error").exists() {
            errors += 1;
            if outcome.error.is_some() {
                errors_ok += 1;
            } else {
                failures.push(format!("{name}: invalid input accepted"));
            }
            continue;
        }
        valid += 1;
        if let Some(error) = &outcome.error {
            let id = name.split('/').next().unwrap_or_default();
            let on_purpose =
                error.kind == LoadErrorKind::ComplexKey || REFUSED_ON_PURPOSE.iter().any(|(c, _)| *c == id);
            if on_purpose {
                refused.push(format!("{name}: {}", error.message));
            } else {
                failures.push(format!("{name}: valid input refused: {}", error.message));
            }
            continue;
        }
        valid_ok += 1;
        if let Ok(expected_text) = std::fs::read_to_string(case.join("in.json")) {
            json_cases += 1;
            let expected: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&expected_text)
                .into_iter::<serde_json::Value>()
                .collect::<Result<_, _>>()
                .unwrap_or_default();
            let got: Vec<serde_json::Value> = outcome.documents.iter().map(|d| d.value.clone()).collect();
            if expected.len() == got.len() && expected.iter().zip(&got).all(|(e, g)| same(e, g)) {
                json_ok += 1;
            } else {
                failures.push(format!("{name}: JSON differs: expected {expected:?}, got {got:?}"));
            }
        }
    }
    eprintln!(
        "yaml-test-suite: valid {valid_ok}/{valid} loaded ({} refused on purpose), JSON equal {json_ok}/{json_cases}, errors rejected {errors_ok}/{errors}",
        refused.len()
    );
    for r in &refused {
        eprintln!("  refused on purpose: {r}");
    }
    assert!(
        failures.is_empty(),
        "{} conformance failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(errors_ok, errors);
    assert!(
        valid > 300 && errors > 90,
        "the suite looks incomplete: {valid} valid, {errors} error cases"
    );
}
