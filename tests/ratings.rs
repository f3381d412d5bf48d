//! The rating corpus (tests/fixtures/rating-corpus.yaml): real strings copied from public
//! pages, each read as expected or refused as ambiguous with the expected reason.

use serde_json::Value;
use standoff::domain::rating::{self, Penetration, Rating};

const CORPUS: &str = include_str!("fixtures/rating-corpus.yaml");

fn corpus() -> Vec<Value> {
    let outcome = standoff::yaml::load(CORPUS, &standoff::yaml::Limits::default());
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
    let Some(Value::Array(entries)) = outcome.documents.into_iter().next().map(|d| d.value) else {
        panic!("the corpus is not a list");
    };
    entries
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// Every way `rating` differs from `expected` (empty when it matches).
fn differences(r: &Rating, expected: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut check = |name: &str, ok: bool, got: String| {
        if !ok {
            out.push(format!("{name}: expected {}, read {got}", expected[name]));
        }
    };
    let standard = r.standard.map(rating::Standard::as_str);
    check(
        "standard",
        expected["standard"].as_str() == standard,
        format!("{standard:?}"),
    );
    let mass_ok = match (number(&expected["massKg"]), r.mass_kg) {
        (Some(want), Some(got)) => (want - got).abs() < 0.5,
        (None, None) => expected["massKg"].is_null(),
        _ => false,
    };
    check("massKg", mass_ok, format!("{:?}", r.mass_kg));
    check(
        "vehicleClass",
        expected["vehicleClass"].as_str() == r.vehicle_class.as_deref(),
        format!("{:?}", r.vehicle_class),
    );
    let speed = r.speed.map(|s| s.to_string());
    check(
        "speed",
        expected["speed"].as_str() == speed.as_deref(),
        format!("{speed:?}"),
    );
    check(
        "angleDeg",
        number(&expected["angleDeg"]) == r.angle_deg && (r.angle_deg.is_some() || expected["angleDeg"].is_null()),
        format!("{:?}", r.angle_deg),
    );
    let penetration_ok = match &expected["penetration"] {
        Value::String(s) if s == "unknown" => r.penetration == Penetration::Unknown && r.penetration_m.is_none(),
        Value::String(s) if s == "unbounded" => r.penetration == Penetration::Unbounded && r.penetration_m.is_none(),
        v => {
            number(v).is_some_and(|want| r.penetration_m.is_some_and(|got| (want - got).abs() < 1e-9))
                && matches!(r.penetration, Penetration::Measured | Penetration::AtMost)
        }
    };
    check(
        "penetration",
        penetration_ok,
        format!("{:?} {:?}", r.penetration, r.penetration_m),
    );
    check(
        "debrisM",
        number(&expected["debrisM"]) == r.debris_m && (r.debris_m.is_some() || expected["debrisM"].is_null()),
        format!("{:?}", r.debris_m),
    );
    let prose = r.form == rating::Form::Prose;
    check(
        "form",
        prose == (expected["form"].as_str() == Some("prose")),
        format!("{:?}", r.form),
    );
    out
}

/// Every way the reading of `text` differs from `expected`.
fn mismatches(text: &str, expected: &Value) -> Vec<String> {
    let result = rating::parse_ratings(text);
    if let Some(reason) = expected["ambiguous"].as_str() {
        return match result {
            Err(p) if p.reason.contains(reason) => Vec::new(),
            Err(p) => vec![format!("refused, but for another reason: {p}")],
            Ok(r) => vec![format!("read {} rating(s), expected refusal ({reason})", r.len())],
        };
    }
    let ratings = match result {
        Ok(r) => r,
        Err(p) => return vec![format!("refused: {p}")],
    };
    let wanted: Vec<&Value> = match expected["ratings"].as_array() {
        Some(list) => list.iter().collect(),
        None => vec![expected],
    };
    if wanted.len() != ratings.len() {
        return vec![format!("read {} rating(s), expected {}", ratings.len(), wanted.len())];
    }
    ratings
        .iter()
        .zip(wanted)
        .flat_map(|(r, e)| differences(r, e))
        .collect()
}

#[test]
fn every_published_rating_is_read_or_reported_ambiguous() {
    let entries = corpus();
    assert!(
        entries.len() >= 40,
        "the corpus has {} strings, fewer than 40",
        entries.len()
    );
    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for entry in &entries {
        let text = entry["text"].as_str().expect("every entry has a text");
        let url = entry["url"].as_str().expect("every entry has a url");
        assert!(
            url.starts_with("http://") || url.starts_with("https://"),
            "{text}: url {url}"
        );
        assert!(seen.insert(text), "{text} is in the corpus twice");
        for m in mismatches(text, &entry["expected"]) {
            failures.push(format!("`{text}` ({url}): {m}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {}:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_check_can_fail() {
    // A wrong expectation, a wrong reason and a wrong count are each caught.
    let wrong: Value = serde_json::json!({"standard": null, "massKg": 7200, "vehicleClass": "N3",
        "speed": "80 km/h", "angleDeg": 90, "penetration": 0.4, "debrisM": 15.4});
    assert!(!mismatches("V/7500[N3]/80/90:0.4/15.4", &wrong).is_empty());
    let unknown: Value = serde_json::json!({"standard": "astm-f2656", "massKg": 6803.9,
        "vehicleClass": null, "speed": "30 mph", "angleDeg": 90, "penetration": "unknown", "debrisM": null});
    assert!(mismatches("M30", &unknown).is_empty());
    assert!(
        !mismatches("M30 P4", &unknown).is_empty(),
        "P4 is unbounded, not unknown"
    );
    assert!(!mismatches("M30/P1", &unknown).is_empty());
    let reason: Value = serde_json::json!({"ambiguous": "two masses disagree"});
    assert!(!mismatches("7,500/7,200 kg vehicle travelling at 48 kph (30mph)", &reason).is_empty());
    assert!(!mismatches("M30", &reason).is_empty());
    let two: Value = serde_json::json!({"ratings": [unknown]});
    assert!(!mismatches("M30 / M50", &two).is_empty());
}

#[test]
fn every_reading_says_what_it_assumed() {
    // A rating read without printing its mass, angle or penetration says so in its notes.
    for entry in corpus() {
        let text = entry["text"].as_str().unwrap();
        let Ok(ratings) = rating::parse_ratings(text) else {
            continue;
        };
        for r in ratings {
            if r.mass_source != Some(rating::MassSource::Stated) {
                assert!(r.notes.iter().any(|n| n.starts_with("mass:")), "{text}: {:?}", r.notes);
            }
            if r.penetration == Penetration::Unknown || r.penetration == Penetration::Unbounded {
                assert!(
                    r.notes
                        .iter()
                        .any(|n| n.contains("penetration") || n.contains("not a test rating")),
                    "{text}: {:?}",
                    r.notes
                );
            }
        }
    }
}

#[test]
fn rules_refuse_prose_and_say_what_it_reads() {
    // The rules read ratings through `rating()`: a description in prose is no certificate rating.
    let p = rating::parse_rating_for("7,5 tonnes lancé à 80 km/h", None).unwrap_err();
    assert!(p.reason.contains("7500 kg at 80 km/h"), "{p}");
    assert!(p.reason.contains("not a test rating"), "{p}");
    assert!(rating::parse_rating_for("ASTM M50 P1", Some(rating::Standard::AstmF2656)).is_ok());
}
