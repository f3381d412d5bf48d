//! A loaded YAML document: its JSON value and the spans of every key and value, in preorder.

use serde_json::Value;

use super::Span;

/// The spans of one node. Entries are stored in preorder; `end` is the index one past the
/// node's last descendant, so siblings are found by jumping from `end` to `end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpanEntry {
    /// The span of the key this node is the value of, if its parent is a mapping.
    pub key: Option<Span>,
    /// The span of the value as written (for a block collection: from its first to its last
    /// child; for a flow collection: bracket to bracket).
    pub value: Span,
    /// One past the index of this node's last descendant.
    pub end: u32,
}

/// One YAML document of a file.
#[derive(Clone, Debug)]
pub struct YamlDocument {
    pub value: Value,
    pub spans: Vec<SpanEntry>,
    /// Where the document starts (its `---`, or its first node).
    pub start: u32,
}

impl YamlDocument {
    /// The root node.
    #[must_use]
    pub fn root(&self) -> Node<'_> {
        Node {
            doc: self,
            value: &self.value,
            id: 0,
        }
    }

    /// The node at `pointer` (RFC 6901), if it exists.
    #[must_use]
    pub fn pointer(&self, pointer: &str) -> Option<Node<'_>> {
        self.root().pointer(pointer)
    }

    /// The deepest existing node on the way to `pointer`, and whether it is the node itself.
    #[must_use]
    pub fn nearest(&self, pointer: &str) -> (Node<'_>, bool) {
        self.root().nearest(pointer)
    }

    /// The node `id` and everything below it, as a document of its own (its spans still point
    /// into the same text): how a rule's inline test documents are checked.
    #[must_use]
    pub fn subtree(&self, id: u32) -> Option<YamlDocument> {
        let root = self.spans.get(id as usize)?;
        let value = {
            let mut node = self.root();
            // Walk down to the node with this id (ids are preorder, so follow the range).
            while node.id() != id {
                node = node.child_ids_containing(id).and_then(|(child, _)| child)?;
            }
            node.value().clone()
        };
        let spans = self.spans[id as usize..root.end as usize]
            .iter()
            .enumerate()
            .map(|(i, e)| SpanEntry {
                key: if i == 0 { None } else { e.key },
                value: e.value,
                end: e.end - id,
            })
            .collect();
        Some(YamlDocument {
            value,
            spans,
            start: root.value.start,
        })
    }

    /// The spans of node `id`; a document always has its root entry.
    fn entry(&self, id: u32) -> SpanEntry {
        self.spans.get(id as usize).copied().unwrap_or(SpanEntry {
            key: None,
            value: Span::at(self.start),
            end: id + 1,
        })
    }
}

/// A cursor on one node: its value and its spans.
#[derive(Clone, Copy, Debug)]
pub struct Node<'a> {
    doc: &'a YamlDocument,
    value: &'a Value,
    id: u32,
}

impl<'a> Node<'a> {
    #[must_use]
    pub fn value(&self) -> &'a Value {
        self.value
    }

    /// The preorder index of this node in its document, stable for the document's lifetime.
    #[must_use]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The span of the value.
    #[must_use]
    pub fn span(&self) -> Span {
        self.doc.entry(self.id).value
    }

    /// The span of the key whose value this node is, if any.
    #[must_use]
    pub fn key_span(&self) -> Option<Span> {
        self.doc.entry(self.id).key
    }

    /// The first child's id, and the id one past the last descendant.
    fn child_range(&self) -> (u32, u32) {
        (self.id + 1, self.doc.entry(self.id).end)
    }

    /// The children in order (map values or sequence items), with their preorder ids.
    fn child_ids(&self) -> impl Iterator<Item = u32> + 'a {
        let (first, end) = self.child_range();
        let doc = self.doc;
        std::iter::successors(Some(first), move |&id| Some(doc.entry(id).end)).take_while(move |&id| id < end)
    }

    /// The child whose subtree holds node `id`.
    fn child_ids_containing(&self, id: u32) -> Option<(Option<Node<'a>>, u32)> {
        let values: Box<dyn Iterator<Item = &'a Value>> = match self.value {
            Value::Object(map) => Box::new(map.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => return None,
        };
        values
            .zip(self.child_ids())
            .find(|(_, child)| *child <= id && id < self.doc.entry(*child).end)
            .map(|(value, child)| {
                (
                    Some(Node {
                        doc: self.doc,
                        value,
                        id: child,
                    }),
                    child,
                )
            })
    }

    /// The value of `key` in a mapping.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<Node<'a>> {
        let map = self.value.as_object()?;
        let position = map.keys().position(|k| k == key)?;
        let id = self.child_ids().nth(position)?;
        let value = map.get(key)?;
        Some(Node {
            doc: self.doc,
            value,
            id,
        })
    }

    /// Item `index` of a sequence.
    #[must_use]
    pub fn index(&self, index: usize) -> Option<Node<'a>> {
        let items = self.value.as_array()?;
        let value = items.get(index)?;
        let id = self.child_ids().nth(index)?;
        Some(Node {
            doc: self.doc,
            value,
            id,
        })
    }

    /// The entries of a mapping, in written order (empty for anything else).
    pub fn entries(&self) -> impl Iterator<Item = (&'a str, Node<'a>)> + 'a {
        let doc = self.doc;
        let map = self.value.as_object();
        map.into_iter()
            .flat_map(serde_json::Map::iter)
            .zip(self.child_ids())
            .map(move |((key, value), id)| (key.as_str(), Node { doc, value, id }))
    }

    /// The items of a sequence, in order (empty for anything else).
    pub fn items(&self) -> impl Iterator<Item = Node<'a>> + 'a {
        let doc = self.doc;
        let items = self.value.as_array();
        items
            .into_iter()
            .flat_map(|v| v.iter())
            .zip(self.child_ids())
            .map(move |(value, id)| Node { doc, value, id })
    }

    /// One step down: a key of a mapping or an index of a sequence.
    #[must_use]
    pub fn child(&self, token: &str) -> Option<Node<'a>> {
        match self.value {
            Value::Object(_) => self.get(token),
            Value::Array(_) => token.parse::<usize>().ok().and_then(|i| self.index(i)),
            _ => None,
        }
    }

    /// The node at `pointer` below this one.
    #[must_use]
    pub fn pointer(&self, pointer: &str) -> Option<Node<'a>> {
        match self.nearest(pointer) {
            (node, true) => Some(node),
            (_, false) => None,
        }
    }

    /// The deepest existing node on the way to `pointer`, and whether it is the target.
    #[must_use]
    pub fn nearest(&self, pointer: &str) -> (Node<'a>, bool) {
        let mut node = *self;
        for token in pointer_tokens(pointer) {
            match node.child(&token) {
                Some(next) => node = next,
                None => return (node, false),
            }
        }
        (node, true)
    }
}

/// The unescaped reference tokens of a JSON pointer (`~1` is `/`, `~0` is `~`).
pub fn pointer_tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
}

/// Escapes a key for use as a JSON pointer token.
#[must_use]
pub fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}
