//! Design documents: recognising them among other YAML, and their kinds.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::model::finding::{FileId, Finding, Severity};
use crate::text::{did_you_mean, quote};
use crate::yaml::{Span, YamlDocument};

/// The `apiVersion` this linter reads.
pub const API_VERSION: &str = "standoff/v1";

/// The nine kinds of design document (`documents.md`, section 4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Kind {
    Project,
    RiskAssessment,
    SecurityStrategy,
    Site,
    BarrierSchedule,
    Glazing,
    Procedures,
    SecurityPlan,
    Event,
}

impl Kind {
    pub const ALL: [Kind; 9] = [
        Kind::Project,
        Kind::RiskAssessment,
        Kind::SecurityStrategy,
        Kind::Site,
        Kind::BarrierSchedule,
        Kind::Glazing,
        Kind::Procedures,
        Kind::SecurityPlan,
        Kind::Event,
    ];

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Kind::Project => "Project",
            Kind::RiskAssessment => "RiskAssessment",
            Kind::SecurityStrategy => "SecurityStrategy",
            Kind::Site => "Site",
            Kind::BarrierSchedule => "BarrierSchedule",
            Kind::Glazing => "Glazing",
            Kind::Procedures => "Procedures",
            Kind::SecurityPlan => "SecurityPlan",
            Kind::Event => "Event",
        }
    }

    /// The kind's schema file stem in `schemas/` (`barrier-schedule`).
    #[must_use]
    pub fn file_stem(self) -> &'static str {
        match self {
            Kind::Project => "project",
            Kind::RiskAssessment => "risk-assessment",
            Kind::SecurityStrategy => "security-strategy",
            Kind::Site => "site",
            Kind::BarrierSchedule => "barrier-schedule",
            Kind::Glazing => "glazing",
            Kind::Procedures => "procedures",
            Kind::SecurityPlan => "security-plan",
            Kind::Event => "event",
        }
    }

    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a YAML document turned out to be.
#[derive(Debug)]
pub enum Recognition {
    /// A design document of this kind (schema validation comes next).
    Design(Kind),
    /// Not a design document: skipped and counted.
    Foreign,
    /// Null or empty: skipped and counted.
    Empty,
    /// It claims to be a design document but cannot be read as one.
    Problem(Box<Finding>),
}

fn problem(finding: Finding) -> Recognition {
    Recognition::Problem(Box::new(finding))
}

/// Whether a mapping is shaped like a design document (documents.md, section 1): its `kind`
/// is one of the kinds (as written, in any case, or as the first item of a list), and it has
/// `metadata` or `spec`. Rule files name the kind they read too, but have neither.
fn shaped_like_ours(map: &serde_json::Map<String, Value>) -> bool {
    let kind = match map.get("kind") {
        Some(Value::String(k)) => Some(k.as_str()),
        Some(Value::Array(items)) => items.first().and_then(Value::as_str),
        _ => None,
    };
    let kind_is_ours = kind.is_some_and(|k| Kind::ALL.iter().any(|kind| kind.name().eq_ignore_ascii_case(k.trim())));
    kind_is_ours && (map.contains_key("metadata") || map.contains_key("spec"))
}

/// A rule file of a pack (`id`, `check`, no `metadata` or `spec`): its test cases are full of
/// design documents, and it is never a candidate.
fn is_rule_file(map: &serde_json::Map<String, Value>) -> bool {
    map.contains_key("id")
        && (map.contains_key("check") || map.contains_key("tests"))
        && !map.contains_key("metadata")
        && !map.contains_key("spec")
}

/// How many nodes of a foreign document are looked into for a design document it hides.
const HIDING_NODE_BUDGET: usize = 2_000;

/// Whether a value hides a design document: a mapping shaped like one (or with a `standoff/`
/// apiVersion) inside a list or mapping, or a string (or base64 text) that reads as one.
/// Bounded in depth and in nodes visited.
fn hides_design(value: &Value, depth: u8, budget: &mut usize) -> bool {
    if depth == 0 || *budget == 0 {
        return false;
    }
    *budget -= 1;
    match value {
        Value::Object(map) => {
            if is_rule_file(map) {
                return false;
            }
            let api_is_ours = map
                .get("apiVersion")
                .and_then(Value::as_str)
                .is_some_and(|a| a.trim().to_ascii_lowercase().starts_with("standoff"));
            api_is_ours || shaped_like_ours(map) || map.values().any(|v| hides_design(v, depth - 1, budget))
        }
        Value::Array(items) => items.iter().any(|v| hides_design(v, depth - 1, budget)),
        Value::String(text) => {
            string_reads_as_design(text, depth - 1)
                || decode_base64(text).is_some_and(|t| string_reads_as_design(&t, depth - 1))
        }
        _ => false,
    }
}

/// Decodes standard base64 text (as a `!!binary` scalar holds), if it is that and UTF-8.
fn decode_base64(text: &str) -> Option<String> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if digits.len() < 16 || !digits.len().is_multiple_of(4) {
        return None;
    }
    let value = |b: u8| match b {
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(digits.len() / 4 * 3);
    for chunk in digits.chunks(4) {
        let pad = chunk.iter().rev().take_while(|b| **b == b'=').count();
        let mut n = 0u32;
        for &b in &chunk[..4 - pad] {
            n = (n << 6) | value(b)?;
        }
        n <<= 6 * pad as u32;
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    String::from_utf8(out).ok()
}

/// Kubernetes and `OpenShift` have kinds of these names (`Event`, `Project`): under their own
/// `apiVersion`s they are foreign YAML, unless their `spec` carries what our kind requires
/// (an Event's venue, dates and headcount; a Project's stage, jurisdiction and uses).
fn other_systems_kind(api: &str, kind: &str, map: &serde_json::Map<String, Value>) -> bool {
    let core = api == "v1" || api.starts_with("v1beta") || api.starts_with("v1alpha");
    let grouped = ["events.k8s.io/", "project.openshift.io/", "config.openshift.io/"]
        .iter()
        .any(|group| api.starts_with(group));
    let ours: &[&str] = match kind {
        "Event" => &["venue", "dates", "expectedPeak"],
        "Project" => &["stage", "jurisdiction", "uses"],
        _ => return false,
    };
    let spec_is_ours = map
        .get("spec")
        .and_then(Value::as_object)
        .is_some_and(|spec| ours.iter().any(|k| spec.contains_key(*k)));
    (core || grouped) && !spec_is_ours
}

/// A near miss: a document shaped like a design document that would not be read as one.
fn near_miss(file: FileId, index: u32, at: Span, what: &str, label: &str) -> Recognition {
    problem(
        Finding::new(
            "DOC-NEAR-MISS",
            Severity::Warning,
            file,
            format!("this looks like a design document, but {what}, so it was not checked"),
        )
        .at(at)
        .in_document(index, "/apiVersion")
        .label(label)
        .help(format!(
            "write `apiVersion: {API_VERSION}` as a plain string at the top of the document so standoff checks it"
        )),
    )
}

/// How deep a document written as a string is looked into (a string holding a string ...).
const STRING_DOCUMENT_DEPTH: u8 = 3;

/// Whether text (a whole document written as one string) itself reads as a design document.
fn string_reads_as_design(text: &str, depth: u8) -> bool {
    if depth == 0 || !text.contains("kind") {
        return false;
    }
    let loaded = crate::yaml::load(text, &crate::yaml::Limits::default());
    loaded.documents.iter().any(|doc| match doc.root().value() {
        Value::Object(map) => {
            let api_is_ours = map
                .get("apiVersion")
                .and_then(Value::as_str)
                .is_some_and(|a| a.trim().starts_with("standoff/"));
            api_is_ours || shaped_like_ours(map)
        }
        Value::String(inner) => string_reads_as_design(inner, depth - 1),
        _ => false,
    })
}

/// Foreign YAML, unless it hides a design document in a list, a mapping or a string.
fn foreign_unless_hiding(file: FileId, index: u32, root: &crate::yaml::Node<'_>) -> Recognition {
    let mut budget = HIDING_NODE_BUDGET;
    // The document itself was judged foreign already: look only inside it.
    let hidden = match root.value() {
        Value::Object(map) if is_rule_file(map) => false,
        Value::Object(map) => map
            .values()
            .any(|v| hides_design(v, STRING_DOCUMENT_DEPTH, &mut budget)),
        other => hides_design(other, STRING_DOCUMENT_DEPTH + 1, &mut budget),
    };
    if hidden {
        return near_miss(
            file,
            index,
            root.span(),
            "it is held inside another document (in a list, a mapping or a string)",
            "a design document inside",
        );
    }
    Recognition::Foreign
}

/// Sorts a YAML document into design document, foreign YAML, or a problem to report.
#[must_use]
pub fn recognise(file: FileId, index: u32, doc: &YamlDocument) -> Recognition {
    let root = doc.root();
    let Value::Object(map) = root.value() else {
        return match root.value() {
            Value::Null => Recognition::Empty,
            // `--- |` makes a whole file one string: a design document hidden from every rule.
            Value::String(text)
                if string_reads_as_design(text, STRING_DOCUMENT_DEPTH)
                    || decode_base64(text).is_some_and(|t| string_reads_as_design(&t, STRING_DOCUMENT_DEPTH)) =>
            {
                near_miss(
                    file,
                    index,
                    root.span(),
                    "the whole document is one string (a `|` or `>` after `---`, or `!!binary`?)",
                    "a string, not a mapping",
                )
            }
            other if hides_design(other, STRING_DOCUMENT_DEPTH + 1, &mut { HIDING_NODE_BUDGET }) => near_miss(
                file,
                index,
                root.span(),
                "it is wrapped in a list",
                "a list, not a mapping",
            ),
            _ => Recognition::Foreign,
        };
    };
    let kind_name = map.get("kind").and_then(Value::as_str);
    let kind_span = root
        .get("kind")
        .map_or(root.span(), |k| k.key_span().unwrap_or(k.span()));
    let Some(api) = root.get("apiVersion") else {
        // A document shaped like ours without `apiVersion` would otherwise be skipped silently.
        if shaped_like_ours(map) {
            return near_miss(file, index, kind_span, "it has no `apiVersion`", "no apiVersion");
        }
        return foreign_unless_hiding(file, index, &root);
    };
    let Some(api_text) = api.value().as_str() else {
        // `apiVersion: ~`, `[standoff/v1]`, a number: not a string, so never ours as written.
        if shaped_like_ours(map) {
            return near_miss(
                file,
                index,
                api.span(),
                "its `apiVersion` is not a string",
                "not a string",
            );
        }
        return foreign_unless_hiding(file, index, &root);
    };
    if api_text != API_VERSION {
        let ours = api_text.starts_with("standoff/");
        let near = did_you_mean(api_text, [API_VERSION]).is_some();
        if !ours && !near {
            if shaped_like_ours(map) && !kind_name.is_some_and(|k| other_systems_kind(api_text, k, map)) {
                return near_miss(
                    file,
                    index,
                    api.span(),
                    &format!("its `apiVersion` is `{}`, not `{API_VERSION}`", quote(api_text)),
                    "another apiVersion",
                );
            }
            return foreign_unless_hiding(file, index, &root);
        }
        let message = if ours {
            format!(
                "unknown apiVersion `{}`: this standoff reads `{API_VERSION}`",
                quote(api_text)
            )
        } else {
            format!("`{}` is not a standoff apiVersion", quote(api_text))
        };
        return problem(
            Finding::error("DOC-API-VERSION", file, message)
                .at(api.span())
                .in_document(index, "/apiVersion")
                .label("unknown apiVersion")
                .help(format!("did you mean `{API_VERSION}`?")),
        );
    }
    let known = Kind::ALL.map(Kind::name);
    let Some(kind) = root.get("kind") else {
        return problem(
            Finding::error("DOC-KIND", file, "a design document needs a `kind`")
                .at(api.key_span().unwrap_or(api.span()))
                .in_document(index, "/kind")
                .label("no kind")
                .help(format!("add `kind:` with one of: {}", known.join(", "))),
        );
    };
    let Some(kind_text) = kind.value().as_str() else {
        return problem(
            Finding::error("DOC-KIND", file, "`kind` must be a string naming a kind")
                .at(kind.span())
                .in_document(index, "/kind")
                .help(format!("one of: {}", known.join(", "))),
        );
    };
    if let Some(kind) = Kind::from_name(kind_text) {
        Recognition::Design(kind)
    } else {
        let help = match did_you_mean(kind_text, known) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("the kinds are: {}", known.join(", ")),
        };
        let finding = Finding::error("DOC-KIND", file, format!("unknown kind `{}`", quote(kind_text)))
            .at(kind.span())
            .in_document(index, "/kind")
            .label("unknown kind")
            .help(help);
        // Every kind's name is a plain word: written over the value, quoted or not, the YAML
        // still reads a string.
        let certain = crate::text::clear_match(kind_text, known);
        problem(match certain {
            Some(meant) => finding.fix(kind.span(), meant),
            None => finding,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, load};

    fn recognise_text(text: &str) -> Recognition {
        let docs = load(text, &Limits::default()).documents;
        recognise(FileId(0), 0, &docs[0])
    }

    #[test]
    fn sorts_documents() {
        assert!(matches!(
            recognise_text("apiVersion: standoff/v1\nkind: Site\n"),
            Recognition::Design(Kind::Site)
        ));
        assert!(matches!(recognise_text("name: ci\non: push\n"), Recognition::Foreign));
        assert!(matches!(
            recognise_text("apiVersion: apps/v1\nkind: Deployment\n"),
            Recognition::Foreign
        ));
        assert!(matches!(recognise_text("- a\n"), Recognition::Foreign));
        assert!(matches!(recognise_text("---\n"), Recognition::Empty));
    }

    fn problem(text: &str) -> Finding {
        match recognise_text(text) {
            Recognition::Problem(f) => *f,
            other => panic!("expected a problem, got {other:?}"),
        }
    }

    #[test]
    fn reports_near_misses() {
        let f = problem("apiVersion: standoff/v1\nkind: Stie\n");
        assert_eq!(f.message, "unknown kind `Stie`");
        assert_eq!(f.help.as_deref(), Some("did you mean `Site`?"));
        let f = problem("apiVersion: standoff/v2\nkind: Site\n");
        assert_eq!(f.rule, "DOC-API-VERSION");
        let f = problem("apiVersion: standof/v1\nkind: Site\n");
        assert_eq!(f.help.as_deref(), Some("did you mean `standoff/v1`?"));
        let f = problem("apiVersion: standoff/v1\nmetadata: {name: x}\n");
        assert_eq!(f.rule, "DOC-KIND");
        let f = problem("kind: Site\nmetadata: {name: x}\nspec: {}\n");
        assert_eq!(f.severity, Severity::Warning);
        assert_eq!(f.rule, "DOC-NEAR-MISS");
    }

    #[test]
    fn near_misses_are_every_way_of_hiding_a_document() {
        for text in [
            "apiVersion: ~\nkind: Site\nmetadata: {name: x}\n",
            "apiVersion: [standoff/v1]\nkind: Site\nspec: {}\n",
            "apiVersion: standoff.dev/v1\nkind: BarrierSchedule\nspec: {}\n",
            "apiVersion: 1\nkind: Project\nmetadata: {name: x}\n",
            "kind: site\nmetadata: {name: x}\n",
            "--- |\n  apiVersion: standoff/v1\n  kind: Site\n  metadata: {name: x}\n",
            "--- >\n  kind: Site\n\n  spec: {}\n",
            // From an attack on the gate: disguised as a rule file, wrapped in a list, a string
            // inside a list or a mapping, base64, the kind as a list, a Kubernetes apiVersion
            // over our own Event.
            "id: X\ntests: []\nkind: Site\nmetadata: {name: x}\nspec: {}\n",
            "- apiVersion: standoff/v1\n  kind: Site\n  metadata: {name: x}\n",
            "- |\n  apiVersion: standoff/v1\n  kind: Site\n  metadata: {name: x}\n",
            "doc: |\n  apiVersion: standoff/v1\n  kind: Site\n  metadata: {name: x}\n",
            "--- !!binary YXBpVmVyc2lvbjogc3RhbmRvZmYvdjEKa2luZDogU2l0ZQptZXRhZGF0YToge25hbWU6IHh9Cg==\n",
            "kind: [Site]\nmetadata: {name: x}\nspec: {}\n",
            "apiVersion: v1\nkind: Event\nmetadata: {name: x}\nspec: {venue: quay, dates: {start: 2026-01-01, end: 2026-01-02}, expectedPeak: 900}\n",
        ] {
            let f = problem(text);
            assert_eq!(f.rule, "DOC-NEAR-MISS", "{text}");
            assert_eq!(f.severity, Severity::Warning, "{text}");
        }
    }

    #[test]
    fn foreign_yaml_stays_quiet() {
        for text in [
            "apiVersion: v1\nkind: Event\nmetadata: {name: x}\n",
            "apiVersion: events.k8s.io/v1\nkind: Event\nmetadata: {name: x}\n",
            "apiVersion: project.openshift.io/v1\nkind: Project\nmetadata: {name: x}\n",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {}\n",
            "name: ci\non: push\njobs: {}\n",
            "id: HVM-GAP\nkind: BarrierSchedule\ncheck: {max: 1.2 m}\ntests: {}\n",
            "just a string\n",
            "--- |\n  some prose that mentions a kind of thing\n",
        ] {
            assert!(matches!(recognise_text(text), Recognition::Foreign), "{text}");
        }
    }
}
