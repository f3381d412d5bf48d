//! What the kind schemas say about a path: whether a `select` names a real field, the
//! dimension of a quantity field, and every field that names another document or item.

use serde_json::Value;

use super::select::{Segment, Selector};
use crate::model::document::Kind;
use crate::schema::{Schemas, kind_file};
use crate::units::Dimension;

/// What a path reaches in a kind's schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldInfo {
    /// A field; its dimension when it is a quantity, and whether it is a date.
    Field { dimension: Option<Dimension>, date: bool },
    /// No such field: the segment that failed and the names allowed there.
    Unknown { segment: usize, allowed: Vec<String> },
}

/// A schema node and the file its local `$ref`s resolve in.
#[derive(Clone, Copy)]
struct At<'s> {
    node: &'s Value,
    file: &'s str,
}

/// Follows `$ref`s (within the embedded schemas) to the node that describes the value.
fn resolve<'s>(schemas: &'s Schemas, mut at: At<'s>) -> At<'s> {
    for _ in 0..16 {
        let Some(reference) = at.node.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let (file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
        let file = if file.is_empty() { at.file } else { file };
        let Some(root) = schemas.raw(file) else { break };
        let Some(node) = root.pointer(fragment) else { break };
        at = At { node, file };
    }
    at
}

fn dimension_of(schemas: &Schemas, at: At<'_>) -> (Option<Dimension>, bool) {
    let resolved = resolve(schemas, at);
    let dimension = resolved
        .node
        .get("x-standoff-quantity")
        .and_then(Value::as_str)
        .and_then(Dimension::from_name);
    let date = resolved.node.get("format").and_then(Value::as_str) == Some("date");
    (dimension, date)
}

/// Resolves a selector against the schema of `kind`.
#[must_use]
pub fn field_info(schemas: &Schemas, kind: Kind, selector: &Selector) -> FieldInfo {
    let file = kind_file(kind);
    let Some(root) = schemas.raw(file) else {
        return FieldInfo::Field {
            dimension: None,
            date: false,
        };
    };
    walk(schemas, At { node: root, file }, &selector.segments, 0)
}

/// Resolves `segments` (the selector's from index `first` on) below `at`. A `*` over a mapping
/// with named fields (a document's `spec`) tries each field: the path is a field when it is
/// one below any of them (`/spec/*/*/distanceFromUnscreenedPublic` reads every list that has
/// it). Schemas are finite trees, so the recursion ends.
fn walk<'s>(schemas: &'s Schemas, mut at: At<'s>, segments: &[Segment], first: usize) -> FieldInfo {
    for (offset, segment) in segments.iter().enumerate() {
        let i = first + offset;
        let resolved = resolve(schemas, at);
        let node = resolved.node;
        let next = match segment {
            Segment::Key(key) => {
                if let Some(child) = node.get("properties").and_then(|p| p.get(key)) {
                    Some(child)
                } else if key.parse::<usize>().is_ok() {
                    node.get("items")
                } else {
                    node.get("additionalProperties").filter(|a| a.is_object())
                }
            }
            Segment::Any => node
                .get("items")
                .or_else(|| node.get("additionalProperties").filter(|a| a.is_object())),
        };
        if let Some(child) = next {
            at = At {
                node: child,
                file: resolved.file,
            };
            continue;
        }
        if matches!(segment, Segment::Any)
            && let Some(fields) = node.get("properties").and_then(Value::as_object)
        {
            let rest = segments.get(offset + 1..).unwrap_or_default();
            let mut deepest: Option<FieldInfo> = None;
            for child in fields.values() {
                let below = walk(
                    schemas,
                    At {
                        node: child,
                        file: resolved.file,
                    },
                    rest,
                    i + 1,
                );
                match below {
                    FieldInfo::Field { .. } => return below,
                    FieldInfo::Unknown { segment, .. } => {
                        if deepest
                            .as_ref()
                            .is_none_or(|d| matches!(d, FieldInfo::Unknown { segment: s, .. } if segment > *s))
                        {
                            deepest = Some(below);
                        }
                    }
                }
            }
            if let Some(unknown) = deepest {
                return unknown;
            }
        }
        // A free-form value (no properties, no items): anything below is unchecked.
        let open = node.get("properties").is_none()
            && node.get("items").is_none()
            && node.get("anyOf").is_none()
            && node.get("type").is_none_or(|t| t == "object");
        if open {
            return FieldInfo::Field {
                dimension: None,
                date: false,
            };
        }
        let allowed = node
            .get("properties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        return FieldInfo::Unknown { segment: i, allowed };
    }
    let (dimension, date) = dimension_of(schemas, at);
    FieldInfo::Field { dimension, date }
}

/// A field that names a document or an item, from `x-standoff-ref`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefField {
    /// Where the names are (`/spec/barriers/*/protects/*`).
    pub selector: String,
    pub kind: Kind,
    pub lists: Vec<String>,
    pub via: Option<String>,
}

/// Every reference field of a kind, from its schema's `x-standoff-ref` annotations.
#[must_use]
pub fn ref_fields(schemas: &Schemas, kind: Kind) -> Vec<RefField> {
    let file = kind_file(kind);
    let Some(root) = schemas.raw(file) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut stack: Vec<(At<'_>, String, usize)> = vec![(At { node: root, file }, String::new(), 0)];
    while let Some((at, path, depth)) = stack.pop() {
        if depth > 32 {
            continue;
        }
        if let Some(annotation) = at.node.get("x-standoff-ref") {
            let kind = annotation.get("kind").and_then(Value::as_str).and_then(Kind::from_name);
            if let Some(kind) = kind {
                let lists = annotation
                    .get("lists")
                    .and_then(Value::as_array)
                    .map(|l| l.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default();
                let via = annotation.get("via").and_then(Value::as_str).map(str::to_owned);
                out.push(RefField {
                    selector: path.clone(),
                    kind,
                    lists,
                    via,
                });
            }
        }
        let resolved = resolve(schemas, at);
        if let Some(props) = resolved.node.get("properties").and_then(Value::as_object) {
            for (key, child) in props {
                stack.push((
                    At {
                        node: child,
                        file: resolved.file,
                    },
                    format!("{path}/{key}"),
                    depth + 1,
                ));
            }
        }
        if let Some(items) = resolved.node.get("items").filter(|i| i.is_object()) {
            stack.push((
                At {
                    node: items,
                    file: resolved.file,
                },
                format!("{path}/*"),
                depth + 1,
            ));
        }
    }
    out.sort_by(|a, b| a.selector.cmp(&b.selector));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::schemas;

    #[test]
    fn resolves_fields_and_dimensions() {
        let s = schemas().unwrap();
        let info = |kind, path: &str| field_info(s, kind, &Selector::parse(path));
        assert_eq!(
            info(Kind::BarrierSchedule, "/spec/barriers/*/clearGap"),
            FieldInfo::Field {
                dimension: Some(Dimension::Length),
                date: false
            }
        );
        assert_eq!(
            info(Kind::Site, "/spec/vehicleApproaches/*/impactSpeed"),
            FieldInfo::Field {
                dimension: Some(Dimension::Speed),
                date: false
            }
        );
        assert_eq!(
            info(Kind::RiskAssessment, "/spec/assessed"),
            FieldInfo::Field {
                dimension: None,
                date: true
            }
        );
        assert_eq!(
            info(Kind::Project, "/metadata/name"),
            FieldInfo::Field {
                dimension: None,
                date: false
            }
        );
        // A `*` over the named fields of `spec` reads every list that has the field.
        assert_eq!(
            info(Kind::Site, "/spec/*/*/distanceFromUnscreenedPublic"),
            FieldInfo::Field {
                dimension: Some(Dimension::Length),
                date: false
            }
        );
        assert!(matches!(
            info(Kind::Site, "/spec/*/*/distanceFromUnscreenedPublik"),
            FieldInfo::Unknown { segment: 3, .. }
        ));
        match info(Kind::BarrierSchedule, "/spec/barriers/*/clearGapp") {
            FieldInfo::Unknown { segment, allowed } => {
                assert_eq!(segment, 3);
                assert!(allowed.contains(&"clearGap".to_owned()));
            }
            other @ FieldInfo::Field { .. } => panic!("{other:?}"),
        }
    }

    #[test]
    fn finds_every_reference_field() {
        let s = schemas().unwrap();
        let refs = ref_fields(s, Kind::BarrierSchedule);
        let selectors: Vec<&str> = refs.iter().map(|r| r.selector.as_str()).collect();
        assert!(selectors.contains(&"/spec/site"), "{selectors:?}");
        assert!(selectors.contains(&"/spec/barriers/*/protects/*"), "{selectors:?}");
        assert!(selectors.contains(&"/metadata/project"), "{selectors:?}");
        let total: usize = Kind::ALL.iter().map(|k| ref_fields(s, *k).len()).sum();
        assert!(total >= 13 + 9, "{total}");
    }
}
