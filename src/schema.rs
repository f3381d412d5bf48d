//! The embedded JSON Schemas and validation with exact locations.
//!
//! Schemas live in `schemas/` and are compiled into the binary; validators are built offline
//! from an embedded registry (no network or file access, ever) and only for the kinds a run
//! meets. Errors from `jsonschema` are mapped back to spans through the YAML span tree:
//! an unknown property points at its key, a missing one at its parent's key, a wrong value at
//! the value.

use std::collections::{BTreeSet, HashMap};
use std::sync::{LazyLock, OnceLock};

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Keyword, ValidationError, Validator};
use serde_json::{Map, Value};

use crate::model::document::Kind;
use crate::text::{did_you_mean, quote};
use crate::units::{Dimension, check_value};
use crate::yaml::{Node, Span, YamlDocument, escape_token, pointer_tokens};

/// The base URI the embedded registry files every schema under (`BASE_URI` + file name). It is
/// never fetched, and the files carry no `$id`: a validator reading them from disk (or any other
/// address) resolves their relative `$ref`s against the files' own location, as JSON Schema
/// says, so `common.schema.json` is the sibling file, never a remote one.
pub const BASE_URI: &str = "https://standoff.dev/schemas/v1/";

/// One embedded schema file.
#[derive(Debug)]
pub struct EmbeddedSchema {
    pub file: &'static str,
    pub text: &'static str,
}

macro_rules! embed {
    ($($file:literal),* $(,)?) => {
        [$(EmbeddedSchema { file: $file, text: include_str!(concat!("../schemas/", $file)) }),*]
    };
}

/// The schema that checks any design document by its `kind` (one editor association for all).
pub const DESIGN_DOCUMENT: &str = "design-document.schema.json";

/// Every schema shipped in the binary.
pub static EMBEDDED: [EmbeddedSchema; 16] = embed![
    "common.schema.json",
    "design-document.schema.json",
    "project.schema.json",
    "risk-assessment.schema.json",
    "security-strategy.schema.json",
    "site.schema.json",
    "barrier-schedule.schema.json",
    "glazing.schema.json",
    "procedures.schema.json",
    "security-plan.schema.json",
    "event.schema.json",
    "config.schema.json",
    "rule.schema.json",
    "pack.schema.json",
    "waivers.schema.json",
    "gate-record.schema.json",
];

/// The parsed schemas and their lazily built validators.
pub struct Schemas {
    by_uri: HashMap<String, Value>,
    registry: jsonschema::Registry<'static>,
    validators: HashMap<&'static str, OnceLock<Result<Validator, String>>>,
}

static SCHEMAS: LazyLock<Result<Schemas, String>> = LazyLock::new(Schemas::load);

/// The embedded schemas, parsed once per process.
pub fn schemas() -> Result<&'static Schemas, String> {
    SCHEMAS.as_ref().map_err(Clone::clone)
}

impl Schemas {
    fn load() -> Result<Self, String> {
        let mut by_uri = HashMap::new();
        let mut builder = jsonschema::Registry::new();
        for schema in &EMBEDDED {
            let mut value: Value = serde_json::from_str(schema.text)
                .map_err(|e| format!("embedded schema {} is not JSON: {e}", schema.file))?;
            let uri = format!("{BASE_URI}{}", schema.file);
            // In memory only: the registry's address for it, so its relative `$ref`s and the
            // keyword locations of its errors are under `BASE_URI`.
            if let Some(map) = value.as_object_mut() {
                map.insert("$id".to_owned(), Value::String(uri.clone()));
            }
            builder = builder
                .add(&uri, value.clone())
                .map_err(|e| format!("embedded schema {}: {e}", schema.file))?;
            by_uri.insert(uri, value);
        }
        let registry = builder.prepare().map_err(|e| format!("embedded schemas: {e}"))?;
        let validators = EMBEDDED.iter().map(|s| (s.file, OnceLock::new())).collect();
        Ok(Self {
            by_uri,
            registry,
            validators,
        })
    }

    /// The raw schema of a file (`site.schema.json`).
    #[must_use]
    pub fn raw(&self, file: &str) -> Option<&Value> {
        self.by_uri.get(&format!("{BASE_URI}{file}"))
    }

    /// The validator for a schema file, built on first use.
    pub fn validator(&self, file: &'static str) -> Result<&Validator, String> {
        let cell = self
            .validators
            .get(file)
            .ok_or_else(|| format!("no embedded schema {file}"))?;
        cell.get_or_init(|| {
            let schema = self.raw(file).ok_or_else(|| format!("no embedded schema {file}"))?;
            jsonschema::draft202012::options()
                .with_registry(&self.registry)
                .offline()
                .should_validate_formats(true)
                .with_keyword("x-standoff-quantity", quantity_keyword)
                .build(schema)
                .map_err(|e| format!("embedded schema {file} does not compile: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// The validator for a kind of design document.
    pub fn for_kind(&self, kind: Kind) -> Result<&Validator, String> {
        self.validator(kind_file(kind))
    }

    /// The schema node an error's keyword sits in (the object holding the keyword).
    fn keyword_parent(&self, error: &ValidationError<'_>) -> Option<&Value> {
        let location = error.absolute_keyword_location()?;
        let text = location.as_str();
        let (base, fragment) = text.split_once('#').unwrap_or((text, ""));
        let mut node = self.by_uri.get(base)?;
        let tokens: Vec<String> = pointer_tokens(fragment).collect();
        let (_, parents) = tokens.split_last()?;
        for token in parents {
            node = match node {
                Value::Object(map) => map.get(token.as_str())?,
                Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(node)
    }
}

/// The schema file of a kind.
#[must_use]
pub fn kind_file(kind: Kind) -> &'static str {
    match kind {
        Kind::Project => "project.schema.json",
        Kind::RiskAssessment => "risk-assessment.schema.json",
        Kind::SecurityStrategy => "security-strategy.schema.json",
        Kind::Site => "site.schema.json",
        Kind::BarrierSchedule => "barrier-schedule.schema.json",
        Kind::Glazing => "glazing.schema.json",
        Kind::Procedures => "procedures.schema.json",
        Kind::SecurityPlan => "security-plan.schema.json",
        Kind::Event => "event.schema.json",
    }
}

/// `x-standoff-quantity: <dimension>`: the exact quantity parse, run wherever a schema
/// references a quantity definition. Its message replaces the definition's `type` and
/// `pattern` errors, which say less.
struct QuantityKeyword(Dimension);

impl<'i> Keyword<'i> for QuantityKeyword {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        check_value(instance, self.0)
            .map(|_| ())
            .map_err(|e| ValidationError::custom(e.to_string()))
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        check_value(instance, self.0).is_ok()
    }
}

fn quantity_keyword<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: jsonschema::paths::Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    let dimension = value
        .as_str()
        .and_then(Dimension::from_name)
        .ok_or_else(|| ValidationError::schema(format!("x-standoff-quantity must name a dimension, not {value}")))?;
    Ok(Box::new(QuantityKeyword(dimension)))
}

/// One schema problem, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaIssue {
    pub rule: &'static str,
    pub span: Span,
    pub pointer: String,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    /// The text that certainly replaces what `span` covers (a near-miss key, an allowed value
    /// with one clear match), for editors' quick fixes.
    pub replacement: Option<String>,
}

/// What certainly replaces the scalar at `span`, given the options it should have been one of.
fn certain_replacement<'a>(
    text: &str,
    span: Span,
    input: &str,
    options: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let written = text.get(span.start as usize..span.end as usize)?;
    let meant = crate::text::clear_match(input, options)?;
    crate::text::scalar_replacement(written, meant)
}

/// Validates a document and maps every error to its location. Issues come in document order.
#[must_use]
pub fn validate(schemas: &Schemas, validator: &Validator, doc: &YamlDocument, text: &str) -> Vec<SchemaIssue> {
    let mut issues = Vec::new();
    let mut seen = BTreeSet::new();
    for error in validator.iter_errors(&doc.value) {
        if is_superseded_quantity_error(&error) {
            continue;
        }
        for issue in map_error(schemas, &error, doc, text) {
            if seen.insert((issue.pointer.clone(), issue.rule)) {
                issues.push(issue);
            }
        }
    }
    issues.sort_by(|a, b| (a.span.start, a.span.end, a.rule).cmp(&(b.span.start, b.span.end, b.rule)));
    issues
}

/// A `type` or `pattern` error inside a quantity definition: the quantity keyword has
/// already said what is wrong, better.
fn is_superseded_quantity_error(error: &ValidationError<'_>) -> bool {
    if matches!(error.kind(), ValidationErrorKind::Custom { .. }) {
        return false;
    }
    let Some(location) = error.absolute_keyword_location() else {
        return false;
    };
    let text = location.as_str();
    Dimension::ALL
        .iter()
        .any(|d| text.contains(&format!("#/$defs/{}/", d.name())))
}

/// `spec.vehicleApproaches[0].runUp`, for messages.
#[must_use]
pub fn display_path(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer_tokens(pointer) {
        if token.parse::<usize>().is_ok() {
            out.push('[');
            out.push_str(&token);
            out.push(']');
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&quote(&token));
        }
    }
    if out.is_empty() {
        "the document".to_owned()
    } else {
        format!("`{out}`")
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing (null)",
        Value::Bool(_) => "true/false",
        Value::Number(n) if n.is_i64() || n.is_u64() => "an integer",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

fn expected_type_name(kind: &jsonschema::error::TypeKind) -> String {
    let name = |t: &jsonschema::JsonType| match t.to_string().as_str() {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "a mapping",
        "null" => "null",
        _ => "another type",
    };
    match kind {
        jsonschema::error::TypeKind::Single(t) => name(t).to_owned(),
        jsonschema::error::TypeKind::Multiple(set) => {
            let names: Vec<&str> = set.iter().map(|t| name(&t)).collect();
            names.join(" or ")
        }
    }
}

/// A short rendering of a value for messages.
fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{}`", quote(s)),
        Value::Array(_) => "a list".to_owned(),
        Value::Object(_) => "a mapping".to_owned(),
        other => format!("`{}`", quote(&other.to_string())),
    }
}

/// The span of the first line of a node (for a list item that is missing something).
fn first_line(text: &str, span: Span) -> Span {
    let start = span.start as usize;
    let end = (span.end as usize).min(text.len());
    let line_end = text
        .get(start..end)
        .and_then(|s| s.find(['\n', '\r']))
        .map_or(end, |i| start + i);
    Span::new(span.start, line_end as u32)
}

/// Where "something is missing under this node" points: the node's key, or for a list item
/// its first line, or for the document root its `kind`.
#[must_use]
pub fn missing_anchor(node: &Node<'_>, text: &str) -> Span {
    if let Some(key) = node.key_span() {
        return key;
    }
    if node.id() == 0
        && let Some(kind) = node.get("kind")
    {
        return kind.key_span().unwrap_or(kind.span());
    }
    first_line(text, node.span())
}

fn map_error(schemas: &Schemas, error: &ValidationError<'_>, doc: &YamlDocument, text: &str) -> Vec<SchemaIssue> {
    let pointer = error.instance_path().as_str().to_owned();
    let (node, _) = doc.nearest(&pointer);
    let value = node.value();
    let where_ = display_path(&pointer);
    let schema_node = schemas.keyword_parent(error);
    let expect = schema_node
        .and_then(|s| s.get("x-standoff-expect"))
        .and_then(Value::as_str);
    let issue = |rule, span, message: String, label: &str, help: Option<String>| SchemaIssue {
        rule,
        span,
        pointer: pointer.clone(),
        message,
        label: label.to_owned(),
        help,
        replacement: None,
    };
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            let allowed: Vec<&str> = schema_node
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            unexpected
                .iter()
                .map(|key| {
                    let child = node.get(key);
                    let span = child.and_then(|c| c.key_span()).unwrap_or(node.span());
                    let help = match did_you_mean(key, allowed.iter().copied()) {
                        Some(m) => Some(format!("did you mean `{m}`?")),
                        None if !allowed.is_empty() => Some(format!("allowed here: {}", allowed.join(", "))),
                        None => None,
                    };
                    SchemaIssue {
                        rule: "SCHEMA-UNKNOWN-PROPERTY",
                        span,
                        pointer: format!("{pointer}/{}", escape_token(key)),
                        message: if pointer.is_empty() {
                            format!("unknown property `{}` at the top level", quote(key))
                        } else {
                            format!("unknown property `{}` in {where_}", quote(key))
                        },
                        label: "unknown property".to_owned(),
                        help,
                        // Never onto a key the mapping already has (that would be a duplicate).
                        replacement: child
                            .and_then(|c| c.key_span())
                            .and_then(|at| certain_replacement(text, at, key, allowed.iter().copied()))
                            .filter(|meant| node.get(meant.trim_matches(['"', '\''])).is_none()),
                    }
                })
                .collect()
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            let description = schema_node
                .and_then(|s| s.pointer(&format!("/properties/{}/description", escape_token(name))))
                .and_then(Value::as_str);
            let help = description.map_or_else(
                || format!("add `{name}`"),
                |d| format!("add `{name}`: {}", d.trim_end_matches('.').to_lowercase()),
            );
            vec![SchemaIssue {
                rule: "SCHEMA-REQUIRED",
                span: missing_anchor(&node, text),
                pointer: format!("{pointer}/{}", escape_token(name)),
                message: format!("{where_} is missing the required property `{}`", quote(name)),
                label: format!("`{}` missing here", quote(name)),
                help: Some(help),
                replacement: None,
            }]
        }
        ValidationErrorKind::Type { kind } => {
            let expected = expected_type_name(kind);
            let help = match value {
                Value::String(s) if expected.contains("integer") || expected.contains("number") => s
                    .parse::<f64>()
                    .is_ok()
                    .then(|| "remove the quotes to write a number".to_owned()),
                Value::String(s) if expected.contains("true or false") => {
                    matches!(s.as_str(), "yes" | "no" | "on" | "off" | "y" | "n" | "Yes" | "No")
                        .then(|| "YAML 1.2 reads this as text: write `true` or `false`".to_owned())
                }
                Value::Number(_) | Value::Bool(_) if expected == "a string" => {
                    Some("quote the value to write it as text".to_owned())
                }
                Value::Null => Some("give a value, or remove the key".to_owned()),
                _ => None,
            };
            vec![issue(
                "SCHEMA-TYPE",
                node.span(),
                format!("{where_} must be {expected}, not {}", json_type_name(value)),
                &format!("expected {expected}"),
                help,
            )]
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<&str> = options
                .as_array()
                .map(|o| o.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let suggestion = value.as_str().and_then(|v| did_you_mean(v, options.iter().copied()));
            let help = match suggestion {
                Some(m) => format!("did you mean `{m}`?"),
                None => format!("allowed: {}", options.join(", ")),
            };
            let mut found = issue(
                "SCHEMA-ENUM",
                node.span(),
                format!("{} is not an allowed value for {where_}", show(value)),
                "not an allowed value",
                Some(help),
            );
            found.replacement = value
                .as_str()
                .and_then(|v| certain_replacement(text, node.span(), v, options.iter().copied()));
            vec![found]
        }
        ValidationErrorKind::Constant { expected_value } => vec![issue(
            "SCHEMA-ENUM",
            node.span(),
            format!("{where_} must be {}", show(expected_value)),
            "unexpected value",
            None,
        )],
        ValidationErrorKind::Custom { message, .. } => vec![issue(
            "SCHEMA-QUANTITY",
            node.span(),
            format!("{where_}: {message}"),
            "not a valid quantity",
            None,
        )],
        ValidationErrorKind::Pattern { .. }
        | ValidationErrorKind::Format { .. }
        | ValidationErrorKind::AnyOf { .. }
        | ValidationErrorKind::OneOfNotValid { .. } => {
            let expected = expect.unwrap_or("a value of the expected form");
            let help = match (value.as_str(), schema_node) {
                (Some(v), Some(s)) => {
                    let names = enum_values(s);
                    did_you_mean(v, names.iter().copied()).map(|m| format!("did you mean `{m}`?"))
                }
                _ => None,
            };
            vec![issue(
                "SCHEMA-FORMAT",
                node.span(),
                format!("{} is not valid for {where_}: expected {expected}", show(value)),
                "not of the expected form",
                help,
            )]
        }
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => vec![issue(
            "SCHEMA-RANGE",
            node.span(),
            format!("{} is below the minimum {limit} for {where_}", show(value)),
            "too small",
            None,
        )],
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => vec![issue(
            "SCHEMA-RANGE",
            node.span(),
            format!("{} is above the maximum {limit} for {where_}", show(value)),
            "too large",
            None,
        )],
        ValidationErrorKind::MinLength { limit } => vec![issue(
            "SCHEMA-RANGE",
            node.span(),
            format!("{where_} must have at least {limit} character(s)"),
            "too short",
            None,
        )],
        ValidationErrorKind::MaxLength { limit } => vec![issue(
            "SCHEMA-RANGE",
            node.span(),
            format!("{where_} must have at most {limit} characters"),
            "too long",
            None,
        )],
        ValidationErrorKind::MinItems { limit } => vec![issue(
            "SCHEMA-RANGE",
            node.span(),
            format!("{where_} must list at least {limit} item(s)"),
            "too few items",
            None,
        )],
        ValidationErrorKind::MaxItems { limit } => vec![issue(
            "SCHEMA-RANGE",
            node.span(),
            format!("{where_} must list at most {limit} items"),
            "too many items",
            None,
        )],
        ValidationErrorKind::UniqueItems => vec![issue(
            "SCHEMA-INVALID",
            node.span(),
            format!("{where_} lists the same item twice"),
            "repeated item",
            None,
        )],
        _ => vec![issue(
            "SCHEMA-INVALID",
            node.span(),
            format!("{where_}: {}", quote(&error.to_string())),
            "invalid",
            None,
        )],
    }
}

/// String values a schema node allows through `enum` (directly or in an `anyOf`/`oneOf`).
fn enum_values(schema: &Value) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let direct = schema.get("enum").and_then(Value::as_array).into_iter().flatten();
    out.extend(direct.filter_map(Value::as_str));
    for key in ["anyOf", "oneOf"] {
        for branch in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            let values = branch.get("enum").and_then(Value::as_array).into_iter().flatten();
            out.extend(values.filter_map(Value::as_str));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, load};

    /// The files carry no `$id` (a validator reading them resolves `common.schema.json` beside
    /// them, never at a remote address); the embedded registry files each under `BASE_URI`.
    #[test]
    fn every_embedded_schema_is_valid_2020_12_and_compiles() {
        let schemas = schemas().unwrap();
        for schema in &EMBEDDED {
            let text: Value = serde_json::from_str(schema.text).unwrap();
            assert!(
                jsonschema::meta::is_valid(&text),
                "{} is not a valid schema",
                schema.file
            );
            assert_eq!(text.get("$id"), None, "{} has an $id", schema.file);
            let raw = schemas.raw(schema.file).unwrap();
            assert_eq!(
                raw.get("$id").and_then(Value::as_str),
                Some(format!("{BASE_URI}{}", schema.file).as_str())
            );
            if schema.file != "common.schema.json" {
                schemas.validator(schema.file).unwrap();
            }
        }
    }

    /// What editors show: every `$ref` property has its own description (a sibling of `$ref`
    /// wins over the definition's, so the field is described, not the type), and every
    /// `pattern` says how to fix a value that does not match (`patternErrorMessage`, which the
    /// YAML language server shows instead of the regular expression). A `pattern` under `if`
    /// is a condition and is never reported, so it needs none.
    #[test]
    fn every_ref_property_is_described_and_every_pattern_says_how_to_fix_it() {
        fn walk(node: &Value, path: &str, problems: &mut Vec<String>) {
            let Some(map) = node.as_object() else {
                if let Value::Array(items) = node {
                    for (i, item) in items.iter().enumerate() {
                        walk(item, &format!("{path}/{i}"), problems);
                    }
                }
                return;
            };
            if map.contains_key("pattern") && !map.get("patternErrorMessage").is_some_and(Value::is_string) {
                problems.push(format!("{path}: a pattern without patternErrorMessage"));
            }
            for (key, child) in map {
                match key.as_str() {
                    // Maps of names to schemas: a property may be called `pattern`.
                    "properties" | "patternProperties" | "$defs" | "dependentSchemas" => {
                        for (name, schema) in child.as_object().into_iter().flatten() {
                            let here = format!("{path}/{key}/{name}");
                            if key == "properties"
                                && schema.get("$ref").is_some()
                                && schema.get("description").is_none()
                            {
                                problems.push(format!("{here}: a $ref property without its own description"));
                            }
                            walk(schema, &here, problems);
                        }
                    }
                    "if" | "enum" | "const" | "examples" | "default" => {}
                    _ => walk(child, &format!("{path}/{key}"), problems),
                }
            }
        }
        let mut problems = Vec::new();
        for schema in &EMBEDDED {
            let text: Value = serde_json::from_str(schema.text).unwrap();
            walk(&text, schema.file, &mut problems);
        }
        assert!(problems.is_empty(), "{problems:#?}");
        // The quantities' message also replaces the type error of a bare number (`48`), the
        // mistake the language server would otherwise call "Incorrect type".
        let common = schemas().unwrap().raw("common.schema.json").unwrap();
        for dimension in Dimension::ALL {
            let def = &common["$defs"][dimension.name()];
            let message = def["patternErrorMessage"].as_str().unwrap();
            assert!(message.starts_with("add a unit: "), "{dimension}: {message}");
            assert_eq!(def["errorMessage"].as_str(), Some(message), "{dimension}");
        }
        assert_eq!(
            common["$defs"]["speed"]["patternErrorMessage"],
            "add a unit: 48 km/h or 30 mph (a number, then km/h, mph or m/s)"
        );
    }

    /// The dispatch schema sends each kind to its own schema, lists exactly the kinds, and finds
    /// what the kind's own schema finds, at the same places.
    #[test]
    fn the_design_document_schema_dispatches_on_kind() {
        let schemas = schemas().unwrap();
        let dispatch = schemas.raw(DESIGN_DOCUMENT).unwrap();
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        let branches = dispatch["allOf"].as_array().unwrap();
        assert_eq!(
            branches[0]["then"]["properties"]["kind"]["enum"],
            serde_json::json!(names)
        );
        assert_eq!(dispatch["properties"]["kind"]["examples"], serde_json::json!(names));
        let routes: Vec<(&str, &str)> = branches[1..]
            .iter()
            .map(|b| {
                (
                    b["if"]["properties"]["kind"]["const"].as_str().unwrap(),
                    b["then"]["$ref"].as_str().unwrap(),
                )
            })
            .collect();
        let expected: Vec<(&str, &str)> = Kind::ALL.iter().map(|k| (k.name(), kind_file(*k))).collect();
        assert_eq!(routes, expected);

        let validator = schemas.validator(DESIGN_DOCUMENT).unwrap();
        let issues = |text: &str| {
            let doc = &load(text, &Limits::default()).documents[0];
            let found = validate(schemas, validator, doc, text);
            found.into_iter().map(|i| (i.rule, i.pointer)).collect::<Vec<_>>()
        };
        // The same issues as the Site schema's own, in `errors_point_at_the_right_node`.
        let site = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: Bad Name\nspec:\n  crowdedSpaces:\n    - description: no id\n      capacity: \"12\"\n  standoff:\n    building: 30\n  parking: [{id: p, controlled: yes}]\n";
        let doc = &load(site, &Limits::default()).documents[0];
        let own: Vec<_> = validate(schemas, schemas.for_kind(Kind::Site).unwrap(), doc, site)
            .into_iter()
            .map(|i| (i.rule, i.pointer))
            .collect();
        assert_eq!(issues(site), own);
        assert_eq!(own.len(), 5);
        let sight = issues("apiVersion: standoff/v1\nkind: Sight\nmetadata: {name: a}\nspec: {}\n");
        assert_eq!(sight, [("SCHEMA-ENUM", "/kind".to_owned())]);
        let version = issues("apiVersion: standoff/v2\nkind: Site\nmetadata: {name: a}\nspec: {}\n");
        assert_eq!(version, [("SCHEMA-ENUM", "/apiVersion".to_owned())]);
        let near_miss = issues("kind: Site\nmetadata: {name: a}\nspec: {crowdedSpaces: []}\n");
        assert_eq!(near_miss, [("SCHEMA-REQUIRED", "/apiVersion".to_owned())]);
        // Other YAML passes, as standoff skips it: a CI file, a rule file, a list.
        for other in [
            "name: build\non: [push]\n",
            "apiVersion: apps/v1\nkind: Deployment\nspec: {}\n",
            "id: CORE-X\nkind: Site\ncheck: {required: true}\n",
            "- a\n- b\n",
        ] {
            assert!(issues(other).is_empty(), "{other}: {:?}", issues(other));
        }
    }

    /// Every object closes its properties and documents each one: editors show the
    /// descriptions, and an unknown key must never pass silently.
    #[test]
    fn kind_schemas_follow_the_conventions() {
        fn walk(node: &Value, path: &str, problems: &mut Vec<String>) {
            let Some(map) = node.as_object() else { return };
            if let Some(props) = map.get("properties").and_then(Value::as_object) {
                if map.get("additionalProperties") != Some(&Value::Bool(false)) {
                    problems.push(format!("{path}: additionalProperties is not false"));
                }
                for (name, prop) in props {
                    let described = prop.get("description").is_some() || path.ends_with("/metadata");
                    if !described && !matches!(name.as_str(), "apiVersion" | "kind" | "metadata" | "spec") {
                        problems.push(format!("{path}/{name}: no description"));
                    }
                }
            }
            for (key, child) in map {
                match child {
                    Value::Object(_) => walk(child, &format!("{path}/{key}"), problems),
                    Value::Array(items) => {
                        for (i, item) in items.iter().enumerate() {
                            walk(item, &format!("{path}/{key}/{i}"), problems);
                        }
                    }
                    _ => {}
                }
            }
        }
        let schemas = schemas().unwrap();
        let mut problems = Vec::new();
        for kind in Kind::ALL {
            walk(schemas.raw(kind_file(kind)).unwrap(), kind_file(kind), &mut problems);
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// The schema patterns (what editors check) and the Rust parser (what the linter checks)
    /// agree, with the parser the stricter of the two.
    #[test]
    fn quantity_patterns_agree_with_the_parser() {
        let schemas = schemas().unwrap();
        let common = schemas.raw("common.schema.json").unwrap();
        let samples = [
            "85 m",
            "85m",
            "1200 mm",
            "0.5 km",
            "4 ft",
            "12 in",
            "48 km/h",
            "30 mph",
            "13.4 m/s",
            "7.5 t",
            "7200 kg",
            "16000 lb",
            "2.5 m/s2",
            "2.5 m/s²",
            "90 deg",
            "12 m2",
            "12 m²",
            "-5 m",
            "5  m",
            "5 M",
            "5 metres",
            "1e3 m",
            "1,200 mm",
            ".5 m",
            "5. m",
            "5 km/h ",
            " 5 m",
            "5 kph",
            "48",
            "",
            "m",
        ];
        for dimension in Dimension::ALL {
            let def = &common["$defs"][dimension.name()];
            assert_eq!(def["x-standoff-quantity"], dimension.name());
            let pattern = regex::Regex::new(def["pattern"].as_str().unwrap()).unwrap();
            for sample in samples {
                let parsed = crate::units::parse_as(sample, dimension).is_ok();
                assert_eq!(parsed, pattern.is_match(sample), "{dimension}: {sample:?}");
            }
        }
    }

    #[test]
    fn errors_point_at_the_right_node() {
        let schemas = schemas().unwrap();
        let text = "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: Bad Name\nspec:\n  crowdedSpaces:\n    - description: no id\n      capacity: \"12\"\n  standoff:\n    building: 30\n  parking: [{id: p, controlled: yes}]\n";
        let doc = &load(text, &Limits::default()).documents[0];
        let issues = validate(schemas, schemas.for_kind(Kind::Site).unwrap(), doc, text);
        let at = |i: &SchemaIssue| &text[i.span.start as usize..i.span.end as usize];
        let summary: Vec<(&str, &str, &str)> = issues.iter().map(|i| (i.rule, i.pointer.as_str(), at(i))).collect();
        assert_eq!(
            summary,
            [
                ("SCHEMA-FORMAT", "/metadata/name", "Bad Name"),
                ("SCHEMA-REQUIRED", "/spec/crowdedSpaces/0/id", "description: no id"),
                ("SCHEMA-TYPE", "/spec/crowdedSpaces/0/capacity", "\"12\""),
                ("SCHEMA-QUANTITY", "/spec/standoff/building", "30"),
                ("SCHEMA-TYPE", "/spec/parking/0/controlled", "yes"),
            ]
        );
        assert_eq!(issues[2].help.as_deref(), Some("remove the quotes to write a number"));
        assert_eq!(
            issues[4].help.as_deref(),
            Some("YAML 1.2 reads this as text: write `true` or `false`")
        );
        assert!(
            issues[3].message.contains("`30` has no unit: write `30 m` or `30 mm`"),
            "{}",
            issues[3].message
        );
    }
}
