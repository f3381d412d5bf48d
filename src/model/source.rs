//! What a tree is made of once read: its source files, and the design documents loaded from
//! them with what was found while loading.

use std::sync::OnceLock;

use crate::model::document::Kind;
use crate::model::finding::{FileId, Finding, Severity};
use crate::text::LineIndex;
use crate::yaml::YamlDocument;

/// A source file of the tree: its path as shown, and its text (empty when unreadable).
#[derive(Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    lines: OnceLock<LineIndex>,
}

impl SourceFile {
    #[must_use]
    pub fn new(path: String, text: String) -> Self {
        Self {
            path,
            text,
            lines: OnceLock::new(),
        }
    }

    /// The line index, built on first use (only files with findings need one).
    pub fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(&self.text))
    }
}

/// What the command line read for one file.
#[derive(Debug)]
pub enum FileInput {
    Bytes(Vec<u8>),
    /// Larger than the limit; not read.
    TooLarge {
        size: u64,
    },
    /// Could not be read (the message says why).
    Unreadable(String),
    /// Met on the walk but not read (a link not followed, a loop): reported, not counted.
    WalkProblem {
        rule: &'static str,
        severity: Severity,
        message: String,
    },
}

/// A design document of the tree.
#[derive(Debug)]
pub struct DesignDocument {
    pub file: FileId,
    /// Its index among the YAML documents of its file.
    pub index: u32,
    pub kind: Kind,
    pub yaml: YamlDocument,
    /// Whether it passed its kind's schema.
    pub schema_valid: bool,
}

impl DesignDocument {
    /// `metadata.name`, if written as a string.
    #[must_use]
    pub fn name(&self) -> Option<&str> {
        self.yaml
            .value
            .pointer("/metadata/name")
            .and_then(serde_json::Value::as_str)
    }
}

/// One file after loading and validation.
#[derive(Debug)]
pub struct LoadedFile {
    pub source: SourceFile,
    pub documents: Vec<DesignDocument>,
    pub findings: Vec<Finding>,
    /// YAML documents that are not design documents.
    pub foreign_documents: usize,
    /// Whether the file holds no YAML content at all.
    pub empty: bool,
    /// Whether it counts as a file read (walk problems do not).
    pub read: bool,
}
