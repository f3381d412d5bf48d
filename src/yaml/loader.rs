//! The event-driven loader: an explicit stack, no recursion.

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::{Map, Value};

use super::offsets::Offsets;
use super::scalar;
use super::tree::{SpanEntry, YamlDocument};
use super::{Limits, Span};

/// What stopped a file from loading completely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadErrorKind {
    /// The text is not YAML.
    Syntax,
    /// A key appears twice in one mapping.
    DuplicateKey,
    /// A YAML 1.1 merge key `<<`.
    MergeKey,
    /// A mapping or sequence used as a key.
    ComplexKey,
    /// An alias inside the node its anchor names.
    RecursiveAlias,
    /// A scalar with an explicit core tag that does not fit it (`!!int abc`).
    Tag,
    /// Nesting deeper than the limit.
    Depth,
    /// More nodes than the limit.
    Nodes,
    /// More alias-expanded nodes than the limit.
    AliasNodes,
    /// More documents than the limit.
    Documents,
    /// A scalar longer than the limit.
    ScalarSize,
}

/// A located reason a file did not load completely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadError {
    pub kind: LoadErrorKind,
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
    /// A second location (the first occurrence of a duplicate key).
    pub related: Option<(Span, String)>,
}

/// The documents loaded before any error, and the error that stopped loading, if any.
#[derive(Debug, Default)]
pub struct LoadOutcome {
    pub documents: Vec<YamlDocument>,
    pub error: Option<LoadError>,
}

/// Loads every document of `text` (which must not start with a byte-order mark).
#[must_use]
pub fn load(text: &str, limits: &Limits) -> LoadOutcome {
    let mut loader = Loader {
        offsets: Offsets::new(text),
        limits,
        documents: Vec::new(),
        doc: None,
        nodes: 0,
        alias_nodes: 0,
    };
    let error = loader.run(text).err().map(|e| loader.explain_syntax_error(e, text));
    LoadOutcome {
        documents: loader.documents,
        error,
    }
}

struct Loader<'l> {
    offsets: Offsets<'l>,
    limits: &'l Limits,
    documents: Vec<YamlDocument>,
    doc: Option<DocBuilder>,
    /// Nodes in the file so far, aliases expanded.
    nodes: usize,
    /// Nodes created by alias expansion so far.
    alias_nodes: usize,
}

/// A document under construction.
struct DocBuilder {
    spans: Vec<SpanEntry>,
    stack: Vec<Frame>,
    /// Completed anchored nodes: their value and the range of their span entries (none for
    /// an anchored key, which has no entry of its own).
    anchors: HashMap<usize, (Value, Option<Range<u32>>)>,
    root: Option<Value>,
    start: u32,
}

struct Frame {
    /// The index of the collection's span entry.
    id: u32,
    anchor: usize,
    container: Container,
}

enum Container {
    Seq(Vec<Value>),
    Map {
        map: Map<String, Value>,
        pending_key: Option<(String, Span)>,
    },
}

fn err(kind: LoadErrorKind, span: Span, message: impl Into<String>) -> LoadError {
    LoadError {
        kind,
        span,
        message: message.into(),
        help: None,
        related: None,
    }
}

impl Loader<'_> {
    fn span(&self, span: saphyr_parser::Span) -> Span {
        Span::new(
            self.offsets.byte(span.start.index()),
            self.offsets.byte(span.end.index()),
        )
    }

    fn run(&mut self, text: &str) -> Result<(), LoadError> {
        let mut parser = Parser::new_from_str(text);
        while let Some(next) = parser.next_event() {
            let (event, raw_span) = next.map_err(|e| {
                let at = Span::at(self.offsets.byte(e.marker().index()));
                // The parser's own guard against deep flow nesting: it scans ahead, so it can
                // trip before the depth limit here sees the events.
                if e.info() == "recursion limit exceeded" {
                    let mut e = err(
                        LoadErrorKind::Depth,
                        at,
                        "collections nested deeper than the YAML parser allows (255 levels of `[` or `{`)",
                    );
                    e.help = Some("the file was not loaded; no design document nests this deep".into());
                    return e;
                }
                err(LoadErrorKind::Syntax, at, syntax_message(e.info()))
            })?;
            let span = self.span(raw_span);
            match event {
                Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
                Event::DocumentStart(_) => {
                    if self.documents.len() >= self.limits.max_documents {
                        return Err(limit(
                            LoadErrorKind::Documents,
                            span,
                            format!("more than {} YAML documents in one file", self.limits.max_documents),
                            "max-documents",
                        ));
                    }
                    self.doc = Some(DocBuilder {
                        spans: Vec::new(),
                        stack: Vec::new(),
                        anchors: HashMap::new(),
                        root: None,
                        start: span.start,
                    });
                }
                Event::DocumentEnd => {
                    if let Some(doc) = self.doc.take() {
                        self.documents.push(YamlDocument {
                            value: doc.root.unwrap_or(Value::Null),
                            spans: doc.spans,
                            start: doc.start,
                        });
                    }
                }
                Event::Scalar(value, style, anchor, tag) => {
                    if value.len() > self.limits.max_scalar_bytes {
                        return Err(limit(
                            LoadErrorKind::ScalarSize,
                            span,
                            format!(
                                "a scalar of {} bytes is longer than the limit of {} bytes",
                                value.len(),
                                self.limits.max_scalar_bytes
                            ),
                            "max-scalar-bytes",
                        ));
                    }
                    let doc = self.doc_mut()?;
                    if doc.expects_key() {
                        if style == ScalarStyle::Plain && tag.is_none() && value == "<<" {
                            let mut e = err(
                                LoadErrorKind::MergeKey,
                                span,
                                "merge keys (`<<`) are not allowed in design documents",
                            );
                            e.help = Some(
                                "write the keys out in full: YAML 1.2 has no merge keys, and merged values \
                                 are hidden from a reviewer reading this mapping"
                                    .into(),
                            );
                            return Err(e);
                        }
                        if anchor != 0 {
                            doc.anchors.insert(anchor, (Value::String(value.to_string()), None));
                        }
                        doc.set_key(value.into_owned(), span)?;
                        continue;
                    }
                    let resolved = scalar::resolve(&value, style, tag.as_deref()).map_err(|m| {
                        err(
                            LoadErrorKind::Tag,
                            span,
                            format!(
                                "the value `{}` does not fit its tag `{}`",
                                crate::text::quote(&value),
                                m.tag
                            ),
                        )
                    })?;
                    self.count_nodes(1, span)?;
                    let doc = self.doc_mut()?;
                    let id = doc.push_entry(span);
                    doc.spans[id as usize].end = id + 1;
                    doc.complete(resolved, anchor, id);
                }
                Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                    let is_map = matches!(event, Event::MappingStart(..));
                    let depth_limit = self.limits.max_depth;
                    self.count_nodes(1, span)?;
                    let doc = self.doc_mut()?;
                    if doc.expects_key() {
                        return Err(complex_key(span));
                    }
                    if doc.stack.len() >= depth_limit {
                        return Err(limit(
                            LoadErrorKind::Depth,
                            span,
                            format!("collections nested deeper than {depth_limit} levels"),
                            "max-depth",
                        ));
                    }
                    let id = doc.push_entry(span);
                    let container = if is_map {
                        Container::Map {
                            map: Map::new(),
                            pending_key: None,
                        }
                    } else {
                        Container::Seq(Vec::new())
                    };
                    doc.stack.push(Frame { id, anchor, container });
                }
                Event::SequenceEnd | Event::MappingEnd => {
                    let doc = self.doc_mut()?;
                    let Some(frame) = doc.stack.pop() else {
                        continue;
                    };
                    let end = doc.spans.len() as u32;
                    let last_child_end = if end > frame.id + 1 {
                        doc.spans[frame.id as usize + 1..].iter().map(|e| e.value.end).max()
                    } else {
                        None
                    };
                    let entry = &mut doc.spans[frame.id as usize];
                    entry.end = end;
                    // Flow collections end at their bracket; block collections end where their
                    // last child ends (the parser puts the end event at the next token).
                    entry.value.end = if span.is_empty() {
                        last_child_end.unwrap_or(entry.value.start).max(entry.value.start)
                    } else {
                        span.end
                    };
                    let value = match frame.container {
                        Container::Seq(items) => Value::Array(items),
                        Container::Map { map, .. } => Value::Object(map),
                    };
                    doc.complete(value, frame.anchor, frame.id);
                }
                Event::Alias(anchor) => {
                    let doc = self.doc_mut()?;
                    let Some((value, range)) = doc.anchors.get(&anchor) else {
                        return Err(err(
                            LoadErrorKind::RecursiveAlias,
                            span,
                            "this alias refers to a node that contains it",
                        ));
                    };
                    if doc.expects_key() {
                        let key = match value {
                            Value::String(s) => s.clone(),
                            Value::Array(_) | Value::Object(_) => return Err(complex_key(span)),
                            other => other.to_string(),
                        };
                        doc.set_key(key, span)?;
                        continue;
                    }
                    let (value, range) = (value.clone(), range.clone());
                    let count = range.as_ref().map_or(1, ExactSizeIterator::len);
                    self.alias_nodes += count;
                    if self.alias_nodes > self.limits.max_alias_nodes {
                        return Err(limit(
                            LoadErrorKind::AliasNodes,
                            span,
                            format!(
                                "aliases expand to more than {} nodes in this file",
                                self.limits.max_alias_nodes
                            ),
                            "max-alias-nodes",
                        ));
                    }
                    self.count_nodes(count, span)?;
                    let doc = self.doc_mut()?;
                    let id = if let Some(range) = range {
                        doc.copy_entries(range, span)
                    } else {
                        let id = doc.push_entry(span);
                        doc.spans[id as usize].end = id + 1;
                        id
                    };
                    doc.complete(value, 0, id);
                }
            }
        }
        Ok(())
    }

    /// A syntax error inside an unclosed `[` or `{` is usually that bracket's fault: say so,
    /// and point at it.
    fn explain_syntax_error(&self, mut error: LoadError, text: &str) -> LoadError {
        if error.kind != LoadErrorKind::Syntax || error.related.is_some() {
            return error;
        }
        let Some(doc) = &self.doc else { return error };
        let open_flow = doc.stack.iter().rev().find_map(|frame| {
            let start = doc.spans.get(frame.id as usize)?.value.start;
            let opener = text.as_bytes().get(start as usize)?;
            matches!(opener, b'[' | b'{').then_some((start, *opener as char))
        });
        if let Some((start, opener)) = open_flow {
            let closer = if opener == '[' { ']' } else { '}' };
            error.related = Some((Span::new(start, start + 1), format!("this `{opener}` is not closed")));
            error.help = Some(format!("close the `{opener}` with `{closer}` before this point"));
        } else if error.help.is_none() {
            error.help = Some("check the indentation and the `:` and `-` indicators around this point".into());
        }
        error
    }

    fn doc_mut(&mut self) -> Result<&mut DocBuilder, LoadError> {
        // The parser always opens a document before any node; this guards the invariant.
        self.doc
            .as_mut()
            .ok_or_else(|| err(LoadErrorKind::Syntax, Span::at(0), "a node outside any document"))
    }

    fn count_nodes(&mut self, count: usize, span: Span) -> Result<(), LoadError> {
        self.nodes += count;
        if self.nodes > self.limits.max_nodes {
            return Err(limit(
                LoadErrorKind::Nodes,
                span,
                format!("more than {} nodes in one file", self.limits.max_nodes),
                "max-nodes",
            ));
        }
        Ok(())
    }
}

impl DocBuilder {
    /// Whether the next node is a key of the innermost mapping.
    fn expects_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame {
                container: Container::Map { pending_key: None, .. },
                ..
            })
        )
    }

    fn set_key(&mut self, key: String, span: Span) -> Result<(), LoadError> {
        let Some(Frame {
            id,
            container: Container::Map { map, pending_key },
            ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        if let Some(position) = map.keys().position(|k| *k == key) {
            // The first occurrence: walk this mapping's completed children to its entry.
            let mut child = *id + 1;
            for _ in 0..position {
                child = self.spans.get(child as usize).map_or(child + 1, |e| e.end);
            }
            let first = self.spans.get(child as usize).and_then(|e| e.key).unwrap_or(span);
            let mut e = err(
                LoadErrorKind::DuplicateKey,
                span,
                format!("duplicate key `{}`", crate::text::quote(&key)),
            );
            e.help = Some("a mapping key may appear once; a second value would hide the first from a reviewer".into());
            e.related = Some((first, "first defined here".into()));
            return Err(e);
        }
        *pending_key = Some((key, span));
        Ok(())
    }

    /// Appends a span entry for a node starting now, keyed if it is a mapping value.
    fn push_entry(&mut self, value: Span) -> u32 {
        let key = match self.stack.last() {
            Some(Frame {
                container:
                    Container::Map {
                        pending_key: Some((_, key)),
                        ..
                    },
                ..
            }) => Some(*key),
            _ => None,
        };
        let id = self.spans.len() as u32;
        self.spans.push(SpanEntry {
            key,
            value,
            end: id + 1,
        });
        id
    }

    /// Copies the span entries of an anchored node for an alias; the copy's root takes the
    /// alias's own span, its descendants keep the anchor's spans.
    fn copy_entries(&mut self, range: Range<u32>, alias: Span) -> u32 {
        let base = self.spans.len() as u32;
        let id = self.push_entry(alias);
        let shift = |end: u32| end - range.start + base;
        if let Some(root) = self.spans.get(range.start as usize).copied() {
            self.spans[id as usize].end = shift(root.end);
        }
        let descendants: Vec<SpanEntry> = self.spans[range.start as usize + 1..range.end as usize]
            .iter()
            .map(|e| SpanEntry {
                key: e.key,
                value: e.value,
                end: shift(e.end),
            })
            .collect();
        self.spans.extend(descendants);
        id
    }

    /// Hands a finished node to its parent (or makes it the root), remembering its anchor.
    fn complete(&mut self, value: Value, anchor: usize, id: u32) {
        if anchor != 0 {
            let end = self.spans.get(id as usize).map_or(id + 1, |e| e.end);
            self.anchors.insert(anchor, (value.clone(), Some(id..end)));
        }
        match self.stack.last_mut() {
            Some(Frame {
                container: Container::Seq(items),
                ..
            }) => items.push(value),
            Some(Frame {
                container: Container::Map { map, pending_key },
                ..
            }) => {
                if let Some((key, _)) = pending_key.take() {
                    map.insert(key, value);
                }
            }
            None => self.root = Some(value),
        }
    }
}

fn complex_key(span: Span) -> LoadError {
    let mut e = err(LoadErrorKind::ComplexKey, span, "a mapping or sequence used as a key");
    e.help = Some("keys in design documents are plain strings".into());
    e
}

fn limit(kind: LoadErrorKind, span: Span, message: String, setting: &str) -> LoadError {
    let mut e = err(kind, span, message);
    e.help = Some(format!(
        "the file was not loaded past this point; if the file is genuine, raise `limits.{setting}` in standoff.yaml"
    ));
    e
}

/// The parser's message, as a sentence.
fn syntax_message(info: &str) -> String {
    let info = info.trim();
    if info.is_empty() {
        "YAML syntax error".to_owned()
    } else {
        format!("YAML syntax error: {info}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::fmt::Write as _;

    fn load_ok(text: &str) -> Vec<YamlDocument> {
        let outcome = load(text, &Limits::default());
        assert!(outcome.error.is_none(), "{:?}", outcome.error);
        outcome.documents
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn values_and_spans() {
        let text = "a: 1\nb:\n  c: \"x\"\n  d: [1, {e: f}]\nl:\n- x\n- y: z\n";
        let docs = load_ok(text);
        assert_eq!(docs.len(), 1);
        let doc = &docs[0];
        assert_eq!(
            doc.value,
            json!({"a": 1, "b": {"c": "x", "d": [1, {"e": "f"}]}, "l": ["x", {"y": "z"}]})
        );
        let c = doc.pointer("/b/c").unwrap();
        assert_eq!(slice(text, c.span()), "\"x\"");
        assert_eq!(slice(text, c.key_span().unwrap()), "c");
        let e = doc.pointer("/b/d/1/e").unwrap();
        assert_eq!(slice(text, e.span()), "f");
        assert_eq!(slice(text, doc.pointer("/b/d").unwrap().span()), "[1, {e: f}]");
        assert_eq!(
            slice(text, doc.pointer("/b").unwrap().span()),
            "c: \"x\"\n  d: [1, {e: f}]"
        );
        assert_eq!(slice(text, doc.pointer("/l/1/y").unwrap().span()), "z");
        assert!(doc.pointer("/l/2").is_none());
        let (near, found) = doc.nearest("/b/missing/deeper");
        assert!(!found);
        assert_eq!(slice(text, near.key_span().unwrap()), "b");
    }

    #[test]
    fn entries_and_items_follow_document_order() {
        let docs = load_ok("z: 1\na: [x, y]\nm: {q: 2}\n");
        let keys: Vec<_> = docs[0].root().entries().map(|(k, _)| k).collect();
        assert_eq!(keys, ["z", "a", "m"]);
        let a = docs[0].pointer("/a").unwrap();
        let items: Vec<_> = a.items().map(|n| n.value().clone()).collect();
        assert_eq!(items, [json!("x"), json!("y")]);
    }

    #[test]
    fn multi_document_files() {
        let docs = load_ok("a: 1\n---\nb: 2\n---\n- 3\n");
        assert_eq!(docs.len(), 3);
        assert_eq!(docs[2].value, json!([3]));
    }

    #[test]
    fn non_ascii_spans_are_bytes() {
        let text = "é: \"☕ café\"\nk: v\n";
        let doc = &load_ok(text)[0];
        assert_eq!(slice(text, doc.pointer("/é").unwrap().span()), "\"☕ café\"");
        assert_eq!(slice(text, doc.pointer("/k").unwrap().span()), "v");
    }

    #[test]
    fn duplicate_keys_point_at_both() {
        let text = "a: 1\nb: 2\na: 3\n";
        let outcome = load(text, &Limits::default());
        let error = outcome.error.unwrap();
        assert_eq!(error.kind, LoadErrorKind::DuplicateKey);
        assert_eq!(error.span, Span::new(10, 11));
        assert_eq!(error.related.unwrap().0, Span::new(0, 1));
    }

    #[test]
    fn duplicate_after_nested_values_points_at_first() {
        let text = "a:\n  x: [1, 2]\nb: 2\na: 3\n";
        let error = load(text, &Limits::default()).error.unwrap();
        assert_eq!(error.related.unwrap().0, Span::new(0, 1));
    }

    #[test]
    fn merge_keys_are_rejected() {
        let error = load("base: &b {x: 1}\nother:\n  <<: *b\n", &Limits::default())
            .error
            .unwrap();
        assert_eq!(error.kind, LoadErrorKind::MergeKey);
        // A quoted "<<" is an ordinary key.
        assert!(load("\"<<\": 1\n", &Limits::default()).error.is_none());
    }

    #[test]
    fn aliases_expand_with_spans() {
        let text = "a: &x {k: v}\nb: *x\n";
        let doc = &load_ok(text)[0];
        assert_eq!(doc.value, json!({"a": {"k": "v"}, "b": {"k": "v"}}));
        let b = doc.pointer("/b").unwrap();
        assert_eq!(slice(text, b.span()), "*x");
        assert_eq!(slice(text, doc.pointer("/b/k").unwrap().span()), "v");
        assert_eq!(doc.spans.len(), 5);
    }

    #[test]
    fn alias_budget_stops_billion_laughs() {
        let mut text =
            String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (prev, name) in ["a", "b", "c", "d", "e", "f", "g", "h"]
            .iter()
            .zip(["b", "c", "d", "e", "f", "g", "h", "i"])
        {
            let refs = vec![format!("*{prev}"); 9].join(",");
            writeln!(text, "{name}: &{name} [{refs}]").unwrap();
        }
        let error = load(&text, &Limits::default()).error.unwrap();
        assert_eq!(error.kind, LoadErrorKind::AliasNodes);
    }

    #[test]
    fn depth_limit_is_located() {
        let text = "[".repeat(100) + &"]".repeat(100);
        let error = load(&text, &Limits::default()).error.unwrap();
        assert_eq!(error.kind, LoadErrorKind::Depth);
        assert_eq!(error.span.start, 64);
    }

    #[test]
    fn complex_keys_are_rejected() {
        let error = load("? [a, b]\n: c\n", &Limits::default()).error.unwrap();
        assert_eq!(error.kind, LoadErrorKind::ComplexKey);
    }

    #[test]
    fn syntax_errors_keep_earlier_documents() {
        let outcome = load("a: 1\n---\nb: [1, 2\n", &Limits::default());
        assert_eq!(outcome.documents.len(), 1);
        assert_eq!(outcome.error.unwrap().kind, LoadErrorKind::Syntax);
    }

    #[test]
    fn recursive_alias_is_an_error() {
        let error = load("a: &x [1, *x]\n", &Limits::default()).error.unwrap();
        assert_eq!(error.kind, LoadErrorKind::RecursiveAlias);
    }
}
