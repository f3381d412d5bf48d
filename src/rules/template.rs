//! Message templates: `{value}`, `{item}`, `{doc}`, `{kind}`, `{field}`, `{pointer}`, `{stage}`,
//! `{due}`; in pack format 2 a `let` name, `{name}` or `{name.field}`; in pack format 1
//! `{= <CEL expression>}`; `{{` and `}}` are literal braces.

use super::expr::{self, Expr, ExprError};

/// A placeholder's meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placeholder {
    /// The selected value, as written.
    Value,
    /// The id of the innermost list item (or its index).
    Item,
    /// The document's name.
    Doc,
    Kind,
    /// The last key of the pointer.
    Field,
    Pointer,
    /// The stage the project is judged at.
    Stage,
    /// The stage the rule is due by.
    Due,
}

const PLACEHOLDERS: [(&str, Placeholder); 8] = [
    ("value", Placeholder::Value),
    ("item", Placeholder::Item),
    ("doc", Placeholder::Doc),
    ("kind", Placeholder::Kind),
    ("field", Placeholder::Field),
    ("pointer", Placeholder::Pointer),
    ("stage", Placeholder::Stage),
    ("due", Placeholder::Due),
];

#[derive(Debug)]
pub enum Part {
    Text(String),
    Placeholder(Placeholder),
    Expr(Box<Expr>),
    /// A `let` name (its index in the rule's bindings), and the fields read from its value.
    Bound {
        index: usize,
        name: String,
        path: Vec<String>,
    },
}

/// What a template may hold besides the fixed placeholders.
#[derive(Clone, Copy, Debug, Default)]
pub struct Grammar<'g> {
    /// The rule's `let` names, in order (pack format 2).
    pub bound: &'g [String],
    /// Whether `{= expression}` is allowed (pack format 1 only).
    pub expressions: bool,
    /// Compile expressions at first use.
    pub deferred: bool,
}

/// The text a placeholder of a `let` name renders as when it cannot be rendered.
#[must_use]
pub fn unresolved(name: &str, reason: Option<&str>) -> String {
    match reason {
        None => format!("<{name}: not recorded>"),
        Some(reason) => format!("<{name}: could not be computed: {reason}>"),
    }
}

/// A compiled template.
#[derive(Debug, Default)]
pub struct Template {
    pub parts: Vec<Part>,
}

/// A problem in a template, at a byte range of its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

/// The offset of the `}` closing the `{` at the start of `text`, for an expression: braces of
/// CEL map literals nest, and braces inside CEL string literals do not count.
fn closing_brace(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'\'' | b'"' => quote = Some(b),
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// A piece of a template's source, for rewriting one: text as written (placeholders and `{{`
/// escapes included) or the source of a `{= expression}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Written(String),
    Expression(String),
}

/// Splits a template's source into text as written and `{= expression}`s (pack format 1).
pub fn segments(text: &str) -> Result<Vec<Segment>, TemplateError> {
    let mut out = Vec::new();
    let mut written = String::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(open) = rest.find("{=") {
        // `{{=` is an escaped brace followed by `=`.
        let before = &rest[..open];
        let escaped = before.len() - before.trim_end_matches('{').len();
        if escaped % 2 == 1 {
            written.push_str(&rest[..open + 2]);
            rest = &rest[open + 2..];
            offset += open + 2;
            continue;
        }
        let Some(close) = closing_brace(&rest[open..]) else {
            return Err(TemplateError {
                offset: offset + open,
                len: 1,
                message: "a `{=` that is not closed".into(),
            });
        };
        written.push_str(before);
        if !written.is_empty() {
            out.push(Segment::Written(std::mem::take(&mut written)));
        }
        out.push(Segment::Expression(rest[open + 2..open + close].trim().to_owned()));
        rest = &rest[open + close + 1..];
        offset += open + close + 1;
    }
    written.push_str(rest);
    if !written.is_empty() {
        out.push(Segment::Written(written));
    }
    Ok(out)
}

impl Template {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        Self::parse_with(text, false)
    }

    /// As [`Template::parse`]; with `deferred`, expressions compile at first use.
    pub fn parse_with(text: &str, deferred: bool) -> Result<Self, TemplateError> {
        Self::parse_in(
            text,
            Grammar {
                bound: &[],
                expressions: true,
                deferred,
            },
        )
    }

    /// Parses a template of the given grammar.
    pub fn parse_in(text: &str, grammar: Grammar<'_>) -> Result<Self, TemplateError> {
        let deferred = grammar.deferred;
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        let mut offset = 0;
        while let Some(open) = rest.find(['{', '}']) {
            literal.push_str(&rest[..open]);
            let brace = rest.as_bytes()[open];
            if rest[open + 1..].starts_with(brace as char) {
                literal.push(brace as char);
                rest = &rest[open + 2..];
                offset += open + 2;
                continue;
            }
            if brace == b'}' {
                return Err(TemplateError {
                    offset: offset + open,
                    len: 1,
                    message: "a `}` without its `{` (write `}}` for a brace)".into(),
                });
            }
            let close = if rest[open + 1..].starts_with('=') {
                closing_brace(&rest[open..])
            } else {
                rest[open..].find('}')
            };
            let Some(close) = close else {
                return Err(TemplateError {
                    offset: offset + open,
                    len: 1,
                    message: "a `{` that is not closed (write `{{` for a brace)".into(),
                });
            };
            let inner = &rest[open + 1..open + close];
            if !literal.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut literal)));
            }
            let inner_offset = offset + open + 1;
            if let Some(source) = inner.strip_prefix('=') {
                if !grammar.expressions {
                    return Err(TemplateError {
                        offset: inner_offset - 1,
                        len: close + 1,
                        message:
                            "a message is text in pack format 2, not a program: bind it with `let:` and write `{name}`"
                                .into(),
                    });
                }
                let expr = if deferred {
                    expr::Expr::deferred(source.trim())
                } else {
                    expr::compile(source.trim()).map_err(|e: ExprError| TemplateError {
                        offset: inner_offset + 1 + (source.len() - source.trim_start().len()) + e.offset,
                        len: e.len,
                        message: e.message,
                    })?
                };
                parts.push(Part::Expr(Box::new(expr)));
            } else {
                let name = inner.trim();
                let mut path = name.split('.');
                let head = path.next().unwrap_or_default();
                if let Some(index) = grammar.bound.iter().position(|b| b == head) {
                    let path: Vec<String> = path.map(str::to_owned).collect();
                    if path.iter().any(|p| !is_identifier(p)) {
                        return Err(TemplateError {
                            offset: inner_offset,
                            len: inner.len(),
                            message: format!(
                                "`{{{name}}}`: a placeholder is a `let` name and fields, `{{name.field}}`"
                            ),
                        });
                    }
                    parts.push(Part::Bound {
                        index,
                        name: name.to_owned(),
                        path,
                    });
                    rest = &rest[open + close + 1..];
                    offset += open + close + 1;
                    continue;
                }
                let Some((_, placeholder)) = PLACEHOLDERS.iter().find(|(n, _)| *n == name) else {
                    let names: Vec<&str> = PLACEHOLDERS
                        .iter()
                        .map(|(n, _)| *n)
                        .chain(grammar.bound.iter().map(String::as_str))
                        .collect();
                    let or = if grammar.expressions {
                        ", or {= expression}"
                    } else {
                        ", or a name bound with `let:`"
                    };
                    let hint = crate::text::did_you_mean(name, names.iter().copied()).map_or_else(
                        || format!("; use one of {}{or}", names.join(", ")),
                        |m| format!("; did you mean `{{{m}}}`?"),
                    );
                    return Err(TemplateError {
                        offset: inner_offset,
                        len: inner.len(),
                        message: format!("unknown placeholder `{{{name}}}`{hint}"),
                    });
                };
                parts.push(Part::Placeholder(*placeholder));
            }
            rest = &rest[open + close + 1..];
            offset += open + close + 1;
        }
        literal.push_str(rest);
        if !literal.is_empty() {
            parts.push(Part::Text(literal));
        }
        Ok(Self { parts })
    }

    /// Renders with `resolve` for placeholders and `evaluate` for expressions (`let` names
    /// render as [`unresolved`]).
    pub fn render(&self, resolve: &dyn Fn(Placeholder) -> String, evaluate: &dyn Fn(&Expr) -> String) -> String {
        self.render_with(resolve, evaluate, &|name, _, _| unresolved(name, None))
    }

    /// As [`Template::render`], with `bound(name, index, path)` for `let` names.
    pub fn render_with(
        &self,
        resolve: &dyn Fn(Placeholder) -> String,
        evaluate: &dyn Fn(&Expr) -> String,
        bound: &dyn Fn(&str, usize, &[String]) -> String,
    ) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Placeholder(p) => out.push_str(&resolve(*p)),
                Part::Expr(e) => out.push_str(&evaluate(e)),
                Part::Bound { index, name, path } => out.push_str(&bound(name, *index, path)),
            }
        }
        out
    }

    /// Whether the template reads a `let` name or an expression.
    #[must_use]
    pub fn computes(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Expr(_) | Part::Bound { .. }))
    }
}

/// Whether `text` is a name: a letter or `_`, then letters, digits and `_`.
#[must_use]
pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_placeholders_expressions_and_braces() {
        let t = Template::parse("gap {value} at {item} ({= qty(self)} m) {{literal}}").unwrap();
        let rendered = t.render(&|p| format!("<{p:?}>"), &|e| format!("[{}]", e.source));
        assert_eq!(rendered, "gap <Value> at <Item> ([qty(self)] m) {literal}");
    }

    #[test]
    fn errors_are_located() {
        let e = Template::parse("gap {valeu}").unwrap_err();
        assert_eq!((e.offset, e.len), (5, 5));
        assert!(e.message.contains("did you mean `{value}`"), "{}", e.message);
        assert_eq!(Template::parse("a { b").unwrap_err().offset, 2);
        let e = Template::parse("x {= slef.a}").unwrap_err();
        assert_eq!(e.offset, 5, "{e:?}");
    }

    #[test]
    fn expressions_may_hold_map_literals_and_braces_in_strings() {
        let t = Template::parse("tier {= {'a': 'x}'}['a']} and {= '{' + \"}\"} end").unwrap();
        let rendered = t.render(&|p| format!("<{p:?}>"), &|e| format!("[{}]", e.source));
        assert_eq!(rendered, "tier [{'a': 'x}'}['a']] and ['{' + \"}\"] end");
        assert!(Template::parse("{= {'a': 1}").is_err(), "an unclosed expression");
    }

    #[test]
    fn segments_split_expressions_from_text_as_written() {
        let parts = segments("a {value} {{= b}} {= {'x': 1}['x']}{=c}").unwrap();
        assert_eq!(
            parts,
            [
                Segment::Written("a {value} {{= b}} ".into()),
                Segment::Expression("{'x': 1}['x']".into()),
                Segment::Expression("c".into()),
            ]
        );
    }

    #[test]
    fn format_2_reads_let_names_and_rejects_programs() {
        let bound = ["speed".to_owned(), "wording".to_owned()];
        let grammar = Grammar {
            bound: &bound,
            expressions: false,
            deferred: false,
        };
        let t = Template::parse_in("{item} at {speed.value} {wording}", grammar).unwrap();
        let rendered = t.render_with(&|p| format!("<{p:?}>"), &|_| String::new(), &|n, i, path| {
            format!("[{n} {i} {}]", path.join("/"))
        });
        assert_eq!(rendered, "<Item> at [speed.value 0 value] [wording 1 ]");
        let e = Template::parse_in("a {= self} b", grammar).unwrap_err();
        assert!(
            e.message.contains("bind it with `let:` and write `{name}`"),
            "{}",
            e.message
        );
        assert_eq!((e.offset, e.len), (2, 8));
        let e = Template::parse_in("{sped}", grammar).unwrap_err();
        assert!(e.message.contains("did you mean `{speed}`"), "{}", e.message);
        assert_eq!(unresolved("speed", None), "<speed: not recorded>");
    }
}
