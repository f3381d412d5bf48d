//! `select`: a JSON pointer with `*` wildcards, expanded over a document into targets.
//!
//! A target is a concrete pointer with the node there, if it exists. When the path below the
//! last wildcard does not exist, the target is still produced (absent), with its nearest
//! existing ancestor, so `required` can point at it.

use crate::yaml::{Node, YamlDocument, escape_token, pointer_tokens};

/// One segment of a selector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    /// Every item of a list, or every value of a mapping.
    Any,
}

/// A parsed selector.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selector {
    pub segments: Vec<Segment>,
    pub text: String,
}

/// One node a selector reaches (or would reach).
#[derive(Clone, Debug)]
pub struct Target<'a> {
    /// The concrete pointer (wildcards replaced by keys or indices).
    pub pointer: String,
    /// The node, when it exists.
    pub node: Option<Node<'a>>,
    /// The deepest existing node on the way (the node itself when it exists).
    pub nearest: Node<'a>,
    /// The innermost list item that is a mapping, on the way (the barrier of
    /// `/spec/barriers/0/rating` and of `/spec/barriers/0/protects/1`).
    pub item: Option<Node<'a>>,
}

impl Selector {
    /// Parses `/spec/barriers/*/clearGap`; the empty string selects the whole document.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        let segments = pointer_tokens(text)
            .map(|t| if t == "*" { Segment::Any } else { Segment::Key(t) })
            .collect();
        Self {
            segments,
            text: text.to_owned(),
        }
    }

    #[must_use]
    pub fn has_wildcard(&self) -> bool {
        self.segments.contains(&Segment::Any)
    }

    /// The pointer of the part before the first wildcard (where `count` points when nothing
    /// matches).
    #[must_use]
    pub fn fixed_prefix(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                Segment::Key(k) => {
                    out.push('/');
                    out.push_str(&escape_token(k));
                }
                Segment::Any => break,
            }
        }
        out
    }

    /// Every target in `doc`, in document order.
    #[must_use]
    pub fn targets<'a>(&self, doc: &'a YamlDocument) -> Vec<Target<'a>> {
        let root = doc.root();
        let mut frontier = vec![Target {
            pointer: String::new(),
            node: Some(root),
            nearest: root,
            item: None,
        }];
        for (i, segment) in self.segments.iter().enumerate() {
            let wildcard_follows = self.segments[i + 1..].contains(&Segment::Any);
            let mut next = Vec::with_capacity(frontier.len());
            for target in frontier {
                match (&target.node, segment) {
                    (Some(node), Segment::Key(key)) => {
                        let pointer = format!("{}/{}", target.pointer, escape_token(key));
                        match node.child(key) {
                            Some(child) => {
                                let item = if node.value().is_array() && child.value().is_object() {
                                    Some(child)
                                } else {
                                    target.item
                                };
                                next.push(Target {
                                    pointer,
                                    node: Some(child),
                                    nearest: child,
                                    item,
                                });
                            }
                            // Absent: only a target when no wildcard would need to expand below.
                            None if !wildcard_follows => {
                                next.push(Target {
                                    pointer,
                                    node: None,
                                    nearest: *node,
                                    item: target.item,
                                });
                            }
                            None => {}
                        }
                    }
                    (Some(node), Segment::Any) => {
                        if node.value().is_array() {
                            for (index, child) in node.items().enumerate() {
                                let pointer = format!("{}/{index}", target.pointer);
                                let item = if child.value().is_object() {
                                    Some(child)
                                } else {
                                    target.item
                                };
                                next.push(Target {
                                    pointer,
                                    node: Some(child),
                                    nearest: child,
                                    item,
                                });
                            }
                        } else {
                            for (key, child) in node.entries() {
                                let pointer = format!("{}/{}", target.pointer, escape_token(key));
                                next.push(Target {
                                    pointer,
                                    node: Some(child),
                                    nearest: child,
                                    item: target.item,
                                });
                            }
                        }
                    }
                    (None, Segment::Key(key)) => {
                        let pointer = format!("{}/{}", target.pointer, escape_token(key));
                        next.push(Target {
                            pointer,
                            node: None,
                            nearest: target.nearest,
                            item: target.item,
                        });
                    }
                    (None, Segment::Any) => {}
                }
            }
            frontier = next;
        }
        frontier
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, load};

    fn doc(text: &str) -> YamlDocument {
        load(text, &Limits::default()).documents.remove(0)
    }

    fn pointers(selector: &str, d: &YamlDocument) -> Vec<(String, bool)> {
        Selector::parse(selector)
            .targets(d)
            .into_iter()
            .map(|t| (t.pointer, t.node.is_some()))
            .collect()
    }

    #[test]
    fn expands_wildcards_and_keeps_absent_leaves() {
        let d = doc("spec:\n  barriers:\n    - {id: a, clearGap: 1 m}\n    - {id: b}\n");
        assert_eq!(
            pointers("/spec/barriers/*/clearGap", &d),
            [
                ("/spec/barriers/0/clearGap".to_owned(), true),
                ("/spec/barriers/1/clearGap".to_owned(), false)
            ]
        );
        assert_eq!(pointers("/spec/missing/*/x", &d), []);
        assert_eq!(
            pointers("/spec/missing/deeper", &d),
            [("/spec/missing/deeper".to_owned(), false)]
        );
        assert_eq!(pointers("", &d), [(String::new(), true)]);
        assert_eq!(pointers("/spec/*", &d), [("/spec/barriers".to_owned(), true)]);
    }

    #[test]
    fn targets_know_their_list_item_and_nearest_node() {
        let d = doc("spec:\n  barriers:\n    - {id: a, protects: [x, y]}\n");
        let targets = Selector::parse("/spec/barriers/*/protects/*").targets(&d);
        assert_eq!(targets.len(), 2);
        // The item is the barrier, not the protected id (a scalar).
        assert_eq!(
            targets[1].item.map(|n| n.value()["id"].clone()),
            Some(serde_json::json!("a"))
        );
        let absent = Selector::parse("/spec/barriers/*/rating").targets(&d);
        assert_eq!(absent[0].nearest.value()["id"], "a");
        assert_eq!(
            absent[0].item.map(|n| n.value()["id"].clone()),
            Some(serde_json::json!("a"))
        );
    }
}
