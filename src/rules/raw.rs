//! The rule and pack files as written: serde types that mirror `schemas/rule.schema.json` and
//! `schemas/pack.schema.json` (a test keeps them in step). They are compiled once into
//! [`super::Rule`] and [`super::Pack`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RuleStage;
use crate::model::document::Kind;
use crate::model::finding::Severity;
use crate::stage::Stage;

/// `severity:` as written, validated when the file is read: `error`, `warning` or `info`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct RawSeverity(pub Severity);

impl Default for RawSeverity {
    fn default() -> Self {
        Self(Severity::Error)
    }
}

impl TryFrom<String> for RawSeverity {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        Severity::parse(&text).map(Self).ok_or_else(|| {
            format!(
                "severity must be error, warning or info, not `{}`",
                crate::text::quote(&text)
            )
        })
    }
}

impl From<RawSeverity> for String {
    fn from(severity: RawSeverity) -> Self {
        severity.0.as_str().to_owned()
    }
}

/// `stage:` as written, validated when the file is read: a RIBA stage (0-7 or its name) or
/// `always`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct RawStage(pub RuleStage);

impl Default for RawStage {
    fn default() -> Self {
        Self(RuleStage::Always)
    }
}

impl TryFrom<Value> for RawStage {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        if value.as_str() == Some("always") {
            return Ok(Self(RuleStage::Always));
        }
        Stage::from_json(&value)
            .map(|s| Self(RuleStage::Due(s)))
            .ok_or_else(|| format!("stage must be a RIBA stage (0 to 7, or its name) or `always`, not {value}"))
    }
}

impl From<RawStage> for Value {
    fn from(stage: RawStage) -> Self {
        match stage.0 {
            RuleStage::Always => Value::from("always"),
            RuleStage::Due(s) => Value::from(s.number()),
        }
    }
}

/// `kind:` as written, validated when the file is read: one kind or a list of kinds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "Value", into = "Value")]
pub struct RawKinds(pub Vec<Kind>);

impl TryFrom<Value> for RawKinds {
    type Error = String;

    fn try_from(value: Value) -> Result<Self, String> {
        let names: Vec<&Value> = match &value {
            Value::Array(items) => items.iter().collect(),
            other => vec![other],
        };
        names
            .into_iter()
            .map(|name| {
                let text = name.as_str().unwrap_or_default();
                Kind::from_name(text).ok_or_else(|| {
                    let hint = crate::text::did_you_mean(text, Kind::ALL.map(Kind::name))
                        .map(|m| format!("; did you mean `{m}`?"))
                        .unwrap_or_default();
                    format!("kind must name a kind of design document, not {name}{hint}")
                })
            })
            .collect::<Result<Vec<Kind>, String>>()
            .map(Self)
    }
}

impl From<RawKinds> for Value {
    fn from(kinds: RawKinds) -> Self {
        match kinds.0.as_slice() {
            [one] => Value::from(one.name()),
            many => Value::Array(many.iter().map(|k| Value::from(k.name())).collect()),
        }
    }
}

/// A rule file, as written.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    pub title: String,
    pub severity: RawSeverity,
    pub stage: RawStage,
    pub kind: RawKinds,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdictions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub select: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locate: Option<String>,
    /// Names bound to CEL expressions, in order (pack format 2).
    #[serde(rename = "let", skip_serializing_if = "Option::is_none")]
    pub lets: Option<RawLets>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub when: Option<RawPredicate>,
    pub check: RawPredicate,
    /// What the rule must be able to read to establish its outcome; each one unmet is a
    /// "cannot verify" finding instead of a silent pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requires: Option<Vec<RawRequirement>>,
    /// The kind of document this rule reports missing: where it fires, the rules that read
    /// that kind cannot verify anything (the gate's matrix says so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demands: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related: Option<RawRelated>,
    pub message: String,
    pub help: String,
    pub why: String,
    /// What the rule protects against, in plain language (shown before `why`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protects: Option<String>,
    pub sources: Vec<RawSource>,
    pub tests: RawTests,
}

/// `let:` as written: an ordered map from a name to a CEL expression.
pub type RawLets = serde_json::Map<String, Value>;

/// A predicate, as written: exactly one form (or `min` with `max`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPredicate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub required: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub absent: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    #[serde(rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matches: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unique: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<RawCount>,
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub ref_: Option<RawRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all: Option<Vec<RawPredicate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub any: Option<Vec<RawPredicate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<RawPredicate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builtin: Option<String>,
}

/// One thing a rule needs to read, as written.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRequirement {
    /// Passes when the rule can establish its outcome.
    pub check: RawPredicate,
    /// What is missing when it fails (a message template: "cannot verify: <missing>").
    pub missing: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCount {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lists: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRelated {
    #[serde(rename = "ref")]
    pub ref_: RawRef,
    pub label: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSource {
    pub title: String,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    pub confidence: String,
    /// Where the text was actually read, when that was a copy of the publisher's page.
    #[serde(rename = "readAt", skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTests {
    /// Each a case (`{documents: [...]}`) or a single document.
    pub valid: Vec<Value>,
    pub invalid: Vec<RawInvalidCase>,
}

/// The options a case may carry (shared by valid and invalid cases).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawCase {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<BTreeMap<String, String>>,
    pub documents: Vec<Value>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RawInvalidCase {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings: Option<BTreeMap<String, String>>,
    pub documents: Vec<Value>,
    pub expect: Vec<RawExpect>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    pub at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<usize>,
    /// `fail` (the default) or `cannot-verify`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// The finding's message, exactly as rendered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A `pack.yaml`, as written.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPack {
    pub name: String,
    pub title: String,
    pub version: String,
    /// The pack format: absent for format 1, `2` for `let:` and text messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdictions: Option<Vec<String>>,
    pub description: String,
    pub sources: Vec<RawPackSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commencement: Option<RawCommencement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adoption: Option<RawAdoption>,
    /// Names bound for every rule of the pack (format 2), before each rule's own.
    #[serde(rename = "let", skip_serializing_if = "Option::is_none")]
    pub lets: Option<RawLets>,
}

/// A voluntary standard's adoption switch, as written.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAdoption {
    pub field: String,
    pub note: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPackSource {
    pub title: String,
    pub url: String,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommencement {
    pub setting: String,
    pub note: String,
}

#[cfg(test)]
mod tests {
    //! The schemas editors see and the types the loader reads must not drift apart: every
    //! field of every type is a property of its schema object, and every property a field.

    use std::collections::BTreeSet;

    use super::*;
    use crate::schema::schemas;

    fn keys<T: Serialize>(value: &T) -> BTreeSet<String> {
        serde_json::to_value(value)
            .unwrap()
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }

    fn properties(file: &str, pointer: &str) -> BTreeSet<String> {
        let schema = schemas().unwrap().raw(file).unwrap();
        schema
            .pointer(pointer)
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("{file}#{pointer}"))
            .keys()
            .cloned()
            .collect()
    }

    fn full_predicate() -> RawPredicate {
        RawPredicate {
            required: Some(true),
            absent: Some(true),
            equals: Some(Value::Null),
            in_: Some(Vec::new()),
            min: Some(Value::Null),
            max: Some(Value::Null),
            matches: Some(String::new()),
            unique: Some(true),
            count: Some(RawCount::default()),
            ref_: Some(RawRef::default()),
            before: Some(String::new()),
            after: Some(String::new()),
            expr: Some(String::new()),
            all: Some(Vec::new()),
            any: Some(Vec::new()),
            not: Some(Box::default()),
            builtin: Some(String::new()),
        }
    }

    #[test]
    fn rule_types_match_the_rule_schema() {
        let rule = RawRule {
            jurisdictions: Some(Vec::new()),
            select: Some(String::new()),
            locate: Some(String::new()),
            lets: Some(RawLets::new()),
            when: Some(RawPredicate::default()),
            requires: Some(Vec::new()),
            demands: Some(String::new()),
            related: Some(RawRelated::default()),
            protects: Some(String::new()),
            ..RawRule::default()
        };
        let file = "rule.schema.json";
        assert_eq!(keys(&rule), properties(file, "/properties"));
        assert_eq!(
            keys(&RawRequirement::default()),
            properties(file, "/properties/requires/items/properties")
        );
        assert_eq!(keys(&full_predicate()), properties(file, "/$defs/predicate/properties"));
        assert_eq!(
            keys(&RawCount {
                min: Some(0),
                max: Some(0)
            }),
            properties(file, "/$defs/predicate/properties/count/properties")
        );
        let reference = RawRef {
            lists: Some(Vec::new()),
            via: Some(String::new()),
            ..RawRef::default()
        };
        assert_eq!(keys(&reference), properties(file, "/$defs/ref/properties"));
        assert_eq!(
            keys(&RawRelated::default()),
            properties(file, "/properties/related/properties")
        );
        let source = RawSource {
            clause: Some(String::new()),
            read_at: Some(String::new()),
            ..RawSource::default()
        };
        assert_eq!(keys(&source), properties(file, "/properties/sources/items/properties"));
        assert_eq!(
            keys(&RawTests::default()),
            properties(file, "/properties/tests/properties")
        );
        let case = RawCase {
            name: Some(String::new()),
            stage: Some(0),
            as_of: Some(String::new()),
            settings: Some(BTreeMap::new()),
            documents: Vec::new(),
        };
        assert_eq!(keys(&case), properties(file, "/$defs/case/properties"));
        let invalid = RawInvalidCase {
            name: Some(String::new()),
            stage: Some(0),
            as_of: Some(String::new()),
            settings: Some(BTreeMap::new()),
            ..RawInvalidCase::default()
        };
        assert_eq!(keys(&invalid), properties(file, "/$defs/invalidCase/properties"));
        let expect = RawExpect {
            document: Some(0),
            outcome: Some(String::new()),
            message: Some(String::new()),
            ..RawExpect::default()
        };
        assert_eq!(
            keys(&expect),
            properties(file, "/$defs/invalidCase/properties/expect/items/properties")
        );
    }

    #[test]
    fn pack_types_match_the_pack_schema() {
        let pack = RawPack {
            format: Some(2),
            prefix: Some(String::new()),
            jurisdictions: Some(Vec::new()),
            commencement: Some(RawCommencement::default()),
            adoption: Some(RawAdoption::default()),
            lets: Some(RawLets::new()),
            ..RawPack::default()
        };
        let file = "pack.schema.json";
        assert_eq!(keys(&pack), properties(file, "/properties"));
        assert_eq!(
            keys(&RawPackSource::default()),
            properties(file, "/properties/sources/items/properties")
        );
        assert_eq!(
            keys(&RawCommencement::default()),
            properties(file, "/properties/commencement/properties")
        );
        assert_eq!(
            keys(&RawAdoption::default()),
            properties(file, "/properties/adoption/properties")
        );
    }
}
