//! A span-exact YAML loader built on `saphyr-parser` events.
//!
//! The loader drives the parser's pull iterator with an explicit stack (no recursion, so no
//! input can overflow the stack), resolves plain scalars with the YAML 1.2 core schema, and
//! builds two things per document side by side:
//!
//! - a `serde_json::Value` (what schemas and rules read), with maps in written order;
//! - a compact preorder list of [`SpanEntry`] (the byte span of every key and value).
//!
//! Because both are in document order, a JSON pointer resolves to its span on demand by
//! walking them together ([`Node::pointer`]); no pointer map is built up front.

mod loader;
mod offsets;
mod scalar;
mod tree;

pub use loader::{LoadError, LoadErrorKind, LoadOutcome, load};
pub use tree::{Node, SpanEntry, YamlDocument, escape_token, pointer_tokens};

use serde::Serialize;

/// A byte range in a source file (`start..end`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    #[must_use]
    pub const fn new(start: u32, end: u32) -> Self {
        Self { start, end }
    }

    /// An empty span at `offset`.
    #[must_use]
    pub const fn at(offset: u32) -> Self {
        Self {
            start: offset,
            end: offset,
        }
    }

    #[must_use]
    pub const fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }

    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The smallest span covering both.
    #[must_use]
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// Resource limits for one file. Each breach is a located diagnostic; the file stops loading
/// there, and the rest of the run goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest file read, in bytes.
    pub max_file_size: u64,
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Most nodes (scalars and collections, aliases expanded) in one file.
    pub max_nodes: usize,
    /// Most nodes created by expanding aliases in one file.
    pub max_alias_nodes: usize,
    /// Most YAML documents in one file.
    pub max_documents: usize,
    /// Longest scalar, in bytes.
    pub max_scalar_bytes: usize,
}

impl Default for Limits {
    /// The defaults and why (see `docs/decisions.md`, "Resource limits"):
    /// - 32 MiB per file: a large design document is well under 1 MB; 32 MiB leaves room for
    ///   generated schedules (the 20 MB test file) while bounding memory to a few hundred MB.
    /// - depth 64: design documents nest fewer than 10 levels; 64 is serde-saphyr's default.
    /// - 4,000,000 nodes: dense YAML has about one node per 13 bytes, so any file under the size
    ///   limit fits; only alias expansion can exceed it.
    /// - 100,000 alias-expanded nodes: saphyr's own default (saphyr-rs/saphyr#109); a
    ///   plausible fan-out (59,000 nodes) loads, a billion-laughs file stops in milliseconds.
    /// - 1,000 documents per file, 1 MiB per scalar: far beyond real use, small enough to bound
    ///   a hostile file.
    fn default() -> Self {
        Self {
            max_file_size: 32 * 1024 * 1024,
            max_depth: 64,
            max_nodes: 4_000_000,
            max_alias_nodes: 100_000,
            max_documents: 1_000,
            max_scalar_bytes: 1024 * 1024,
        }
    }
}
