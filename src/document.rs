//! Design documents: recognising them among other YAML, and their kinds.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::finding::{FileId, Finding, Severity};
use crate::text::{did_you_mean, quote};
use crate::yaml::YamlDocument;

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

/// Sorts a YAML document into design document, foreign YAML, or a problem to report.
#[must_use]
pub fn recognise(file: FileId, index: u32, doc: &YamlDocument) -> Recognition {
    let root = doc.root();
    let Value::Object(map) = root.value() else {
        return if root.value().is_null() {
            Recognition::Empty
        } else {
            Recognition::Foreign
        };
    };
    let kind_name = map.get("kind").and_then(Value::as_str);
    let Some(api) = root.get("apiVersion") else {
        // A document shaped like ours without `apiVersion` would otherwise be skipped silently.
        if kind_name.and_then(Kind::from_name).is_some() && map.contains_key("spec") {
            let at = root
                .get("kind")
                .map_or(root.span(), |k| k.key_span().unwrap_or(k.span()));
            return problem(
                Finding::new(
                    "DOC-API-VERSION",
                    Severity::Warning,
                    file,
                    "this looks like a design document but has no `apiVersion`, so it was skipped",
                )
                .at(at)
                .in_document(index, "/apiVersion")
                .label("no apiVersion")
                .help(format!("add `apiVersion: {API_VERSION}` so standoff checks it")),
            );
        }
        return Recognition::Foreign;
    };
    let Some(api_text) = api.value().as_str() else {
        return Recognition::Foreign;
    };
    if api_text != API_VERSION {
        let ours = api_text.starts_with("standoff/");
        let near = did_you_mean(api_text, [API_VERSION]).is_some();
        if !ours && !near {
            return Recognition::Foreign;
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
        problem(
            Finding::error("DOC-KIND", file, format!("unknown kind `{}`", quote(kind_text)))
                .at(kind.span())
                .in_document(index, "/kind")
                .label("unknown kind")
                .help(help),
        )
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
    }
}
