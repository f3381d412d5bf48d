//! Findings: what the engine reports, as data. Reporters turn them into text.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

use crate::yaml::Span;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An index into the tree's list of source files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FileId(pub u32);

/// A second location a finding refers to (the first of two duplicate keys, the approach a
/// barrier fails to cover).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule or built-in check id, e.g. `SCHEMA-UNKNOWN-PROPERTY` or `HVM-GAP`.
    pub rule: Cow<'static, str>,
    pub severity: Severity,
    pub file: FileId,
    /// The byte span the finding points at; `None` when the file has no text to point into
    /// (it could not be read).
    pub span: Option<Span>,
    /// The index of the YAML document in its file, when the finding is about one.
    pub document: Option<u32>,
    /// The JSON pointer of the node (or the missing path) inside that document.
    pub pointer: Option<String>,
    /// The headline, naming the offending value and item.
    pub message: String,
    /// The text of the primary label, under the span.
    pub label: Option<String>,
    /// How to fix it.
    pub help: Option<String>,
    pub related: Vec<Related>,
    /// A stable identity across unrelated edits (rule, file, and the path with list indices
    /// replaced by item ids), for baselines and code scanning. Set after evaluation.
    pub fingerprint: String,
    /// In a document classified OFFICIAL-SENSITIVE or higher (or of a Project so classified):
    /// outputs that leave the machine carry no values from it. Set after evaluation.
    pub sensitive: bool,
    /// The waiver that hides this finding, if any.
    pub waiver: Option<Box<AppliedWaiver>>,
    /// The rule could not establish its outcome here (a value it needs is missing, unknown,
    /// unbounded or unreadable): reported at the rule's severity, never a silent pass.
    pub cannot_verify: bool,
    /// The accepted residual risk that covers this finding, if any (its severity is then info
    /// and the original kept here).
    pub accepted: Option<Box<Accepted>>,
    /// A fix that is certain (a near-miss key, or a kind or allowed value with one clear
    /// "did you mean"), for editors to apply.
    pub fix: Option<Box<Fix>>,
}

/// A certain fix: the text at `span` replaced by `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
}

/// An accepted, owned residual risk in force on a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// The residual risk's id in the `SecurityStrategy` (`RR-01`).
    pub risk: String,
    pub owner: String,
    pub date: crate::date::Date,
    /// The finding's severity before it was accepted.
    pub severity: Severity,
}

/// A waiver in force on a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedWaiver {
    pub reason: String,
    pub approver: Option<String>,
    pub until: Option<crate::date::Date>,
    /// Where it is written: `inline` (a comment in the document) or the waiver file.
    pub origin: WaiverOrigin,
}

/// Where a waiver is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WaiverOrigin {
    /// A `# standoff: waive` comment, at this file and line.
    Inline { file: FileId, line: u32 },
    /// An entry of the waiver file.
    File { path: String, index: usize },
}

impl WaiverOrigin {
    /// How outputs name it: `inline`, or the waiver file's path.
    #[must_use]
    pub fn label(&self) -> String {
        match self {
            WaiverOrigin::Inline { .. } => "inline".to_owned(),
            WaiverOrigin::File { path, .. } => path.clone(),
        }
    }
}

impl Finding {
    #[must_use]
    pub fn new(
        rule: impl Into<Cow<'static, str>>,
        severity: Severity,
        file: FileId,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule: rule.into(),
            severity,
            file,
            span: None,
            document: None,
            pointer: None,
            message: message.into(),
            label: None,
            help: None,
            related: Vec::new(),
            fingerprint: String::new(),
            sensitive: false,
            waiver: None,
            cannot_verify: false,
            accepted: None,
            fix: None,
        }
    }

    #[must_use]
    pub fn error(rule: impl Into<Cow<'static, str>>, file: FileId, message: impl Into<String>) -> Self {
        Self::new(rule, Severity::Error, file, message)
    }

    #[must_use]
    pub fn at(mut self, span: Span) -> Self {
        self.span = Some(span);
        self
    }

    #[must_use]
    pub fn in_document(mut self, document: u32, pointer: impl Into<String>) -> Self {
        self.document = Some(document);
        self.pointer = Some(pointer.into());
        self
    }

    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// The certain fix: `replacement` written over `span`.
    #[must_use]
    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self.fix = Some(Box::new(Fix {
            span,
            replacement: replacement.into(),
        }));
        self
    }

    #[must_use]
    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    #[must_use]
    pub fn related(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            file,
            span,
            message: message.into(),
        });
        self
    }

    /// The order findings are reported in: file, position, rule id, message.
    #[must_use]
    pub fn sort_key(&self) -> (FileId, u32, u32, &str, &str) {
        let span = self.span.unwrap_or_default();
        (self.file, span.start, span.end, &self.rule, &self.message)
    }
}

/// Findings counted by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SeverityCounts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

impl SeverityCounts {
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.error += 1,
            Severity::Warning => self.warning += 1,
            Severity::Info => self.info += 1,
        }
    }

    /// The findings that count: waived ones do not.
    #[must_use]
    pub fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        let mut counts = Self::default();
        // Waived and accepted findings are listed and counted apart, not by severity.
        for f in findings
            .into_iter()
            .filter(|f| f.waiver.is_none() && f.accepted.is_none())
        {
            counts.add(f.severity);
        }
        counts
    }

    /// Whether any finding is at or above `threshold`.
    #[must_use]
    pub fn reaches(&self, threshold: Severity) -> bool {
        match threshold {
            Severity::Error => self.error > 0,
            Severity::Warning => self.error + self.warning > 0,
            Severity::Info => self.error + self.warning + self.info > 0,
        }
    }
}
