//! CEL (crate `cel`) for computed checks: the only module that knows the expression language.
//!
//! Expressions compile once, when their rule loads; unknown names are rejected then, from the
//! program's references, and syntax errors carry their position. At check time each project
//! gets one root context holding the domain functions and the project's documents; each
//! evaluation binds `self`, `doc`, `item`, `project` and `stage` in an inner scope.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, OnceLock};

use cel::common::types::{CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelUInt};
use cel::common::value::Val;
use cel::objects::Key;
use cel::{Context, Env, ExecutionError, IdedExpr, Value};

use super::budget;
use super::functions::{self, FnError};
use crate::date::Date;

/// The variables an expression may use.
pub const VARIABLES: [(&str, &str); 6] = [
    (
        "self",
        "the selected value, as written (a quantity is its text, e.g. \"1.2 m\")",
    ),
    ("doc", "the whole document being checked"),
    (
        "item",
        "the innermost list item (a mapping) holding the selected value, or null",
    ),
    ("project", "the `spec` of the document's Project"),
    ("stage", "the stage the project is judged at (0-7)"),
    (
        BY_ID,
        "the document's list items by id: `byId.<list>` maps each id in the list `spec.<list>` to its item (the first, if the id repeats): `x in byId.crowdedSpaces`, `byId.entrances[x]`, a lookup instead of a scan",
    ),
];

/// The name of the variable holding the document's items by id.
pub const BY_ID: &str = "byId";

/// CEL's type names, which an expression may use as values (`type(x) == string`).
const CEL_TYPES: [&str; 10] = [
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "list",
    "map",
    "null_type",
    "type",
];

static ENV: LazyLock<Arc<Env>> = LazyLock::new(|| {
    let mut env = Env::stdlib();
    budget::declare(&mut env);
    Arc::new(env)
});

/// A compiled expression.
#[derive(Debug)]
pub struct Expr {
    pub source: String,
    /// Compiled when the rule loads (packs from disk), or at first use (built-in packs, whose
    /// every expression `standoff test` and the test suite compile in CI): most of a one-file
    /// run's start-up was parsing expressions it never evaluates.
    compiled: OnceLock<Result<Compiled, String>>,
    /// Names bound by the rule's `let:` (pack format 2) that the expression may read, besides
    /// the variables every expression has.
    bound: Arc<[String]>,
}

#[derive(Debug)]
struct Compiled {
    /// The program, instrumented with the budget's charges (see `budget::instrument`).
    program: IdedExpr,
    /// Whether it reads `self` / `item`: binding a value copies it, so unread ones are not bound.
    reads_self: bool,
    reads_item: bool,
    /// The `let` names it reads, in the order they are declared.
    reads_bound: Vec<String>,
}

impl Expr {
    /// An expression compiled at its first evaluation; a problem then is a rule error.
    #[must_use]
    pub fn deferred(source: &str) -> Self {
        Self::deferred_with(source, Arc::from([]))
    }

    /// As [`Expr::deferred`], with `let` names it may read.
    #[must_use]
    pub fn deferred_with(source: &str, bound: Arc<[String]>) -> Self {
        Self {
            source: source.to_owned(),
            compiled: OnceLock::new(),
            bound,
        }
    }

    fn compiled(&self) -> Result<&Compiled, ExecutionError> {
        self.compiled
            .get_or_init(|| compile_now(&self.source, &self.bound).map_err(|e| e.message))
            .as_ref()
            .map_err(|message| functions::failed("compile", message))
    }

    /// The `let` names the expression reads (compiling it if it was deferred).
    pub fn reads_bound(&self) -> Result<&[String], ExecutionError> {
        self.compiled().map(|c| c.reads_bound.as_slice())
    }
}

/// A problem in an expression, at a byte range of its source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub offset: usize,
    pub len: usize,
    pub message: String,
}

/// The variable `docs('Kind')` compiles to; no rule can name it (it is not a CEL identifier a
/// rule may use: names starting with `__` are rejected).
const DOCS_VARIABLE: &str = "__docs";

/// Rewrites each `docs('Kind')` (a literal kind name, outside string literals) to
/// `__docs.Kind`, padded with spaces to the same length so error positions stay right.
fn inline_docs(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut previous: Option<char> = None;
    let mut chars = source.char_indices();
    while let Some((i, c)) = chars.next() {
        if let Some(q) = quote {
            // Inside a string literal everything is copied as written.
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
        } else {
            let at_word_start = previous.is_none_or(|p| !(p.is_ascii_alphanumeric() || p == '_' || p == '.'));
            if at_word_start && let Some((kind, len)) = docs_call(&source[i..]) {
                let replacement = format!("{DOCS_VARIABLE}.{kind}");
                out.push_str(&replacement);
                out.extend(std::iter::repeat_n(' ', len - replacement.len()));
                // `docs(...)` is ASCII up to its closing parenthesis: skip the rest of it.
                for _ in 1..len {
                    chars.next();
                }
                previous = Some(')');
                continue;
            }
            if c == '\'' || c == '"' {
                quote = Some(c);
            }
        }
        out.push(c);
        previous = Some(c);
    }
    out
}

/// `docs('Kind')` at the start of `text`: the kind and the call's length in bytes (the call is
/// ASCII: a kind name, quotes, parentheses and ASCII spaces).
fn docs_call(text: &str) -> Option<(&'static str, usize)> {
    let rest = text.strip_prefix("docs")?;
    let after_paren = rest
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .strip_prefix('(')?;
    let inner = after_paren.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let q = inner.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let name_and_rest = &inner[1..];
    let end = name_and_rest.find(q)?;
    let name = &name_and_rest[..end];
    let kind = crate::model::document::Kind::ALL
        .iter()
        .map(|k| k.name())
        .find(|k| *k == name)?;
    let close = name_and_rest[end + 1..]
        .trim_start_matches(|c: char| c.is_ascii_whitespace())
        .strip_prefix(')')?;
    let len = text.len() - close.len();
    (len > DOCS_VARIABLE.len() + kind.len()).then_some((kind, len))
}

/// Compiles an expression and checks every name it uses.
pub fn compile(source: &str) -> Result<Expr, ExprError> {
    compile_with(source, Arc::from([]))
}

/// As [`compile`], where the names in `bound` (a rule's `let:` names) are variables too.
pub fn compile_with(source: &str, bound: Arc<[String]>) -> Result<Expr, ExprError> {
    let compiled = compile_now(source, &bound)?;
    Ok(Expr {
        source: source.to_owned(),
        compiled: OnceLock::from(Ok(compiled)),
        bound,
    })
}

fn compile_now(source: &str, declared: &[String]) -> Result<Compiled, ExprError> {
    // Before the parser: it (and the interpreter) recurse once per level of nesting.
    if let Some(offset) = budget::guard_source(source) {
        return Err(ExprError {
            offset,
            len: 1,
            message: format!(
                "the expression is too long or too deeply nested: more than {} operators, brackets and separators (here is the next); split it into several predicates",
                budget::MAX_OPERATORS
            ),
        });
    }
    let original = source;
    let rewritten = inline_docs(source);
    let source = rewritten.as_str();
    let program = ENV.compile(source).map_err(|errors| {
        let first = errors.errors.first();
        let (line, column) = first.map_or((1, 1), |e| e.pos);
        let message = first.map_or_else(|| "syntax error".to_owned(), |e| e.msg.clone());
        // An error at the end of the input points at the last character written.
        let last = source.trim_end().char_indices().last().map_or(0, |(i, _)| i);
        ExprError {
            offset: offset_of(source, line, column).min(last),
            len: 1,
            message: format!("CEL {}", lowercase_first(&message)),
        }
    })?;
    let references = program.references();
    let bound = bound_variables(source);
    let mut variables = references.variables();
    variables.sort_unstable();
    for name in variables {
        // `__docs` only ever comes from the rewrite: one written in the source is rejected.
        let inlined = name == DOCS_VARIABLE && !original.contains(DOCS_VARIABLE);
        if inlined
            || VARIABLES.iter().any(|(v, _)| *v == name)
            || bound.iter().any(|b| b == name)
            || declared.iter().any(|d| d == name)
            || CEL_TYPES.contains(&name)
        {
            continue;
        }
        let known: Vec<&str> = VARIABLES
            .iter()
            .map(|(v, _)| *v)
            .chain(declared.iter().map(String::as_str))
            .collect();
        let hint = crate::text::did_you_mean(name, known.iter().copied()).map_or_else(
            || format!("; the variables are {}", known.join(", ")),
            |m| format!("; did you mean `{m}`?"),
        );
        let (offset, len) = find_word(source, name);
        return Err(ExprError {
            offset,
            len,
            message: format!("unknown variable `{name}`{hint}"),
        });
    }
    let mut functions = references.functions();
    functions.sort_unstable();
    for name in functions {
        let operator = name.starts_with('_') || name.starts_with('@') || name.starts_with('!');
        if operator || functions::function(name).is_some() {
            continue;
        }
        let known = functions::FUNCTIONS.iter().map(|f| f.name);
        let hint = crate::text::did_you_mean(name, known).map_or_else(
            || "; see `standoff explain --functions`".to_owned(),
            |m| format!("; did you mean `{m}`?"),
        );
        let (offset, len) = find_word(source, name);
        return Err(ExprError {
            offset,
            len,
            message: format!("unknown function `{name}`{hint}"),
        });
    }
    check_calls(&program, source)?;
    let reads = |name: &str| references.has_variable(name) && !bound.iter().any(|b| b == name);
    let (reads_self, reads_item) = (reads("self"), reads("item"));
    let reads_bound = declared.iter().filter(|d| reads(d)).cloned().collect();
    Ok(Compiled {
        program: budget::instrument(program.expression()),
        reads_self,
        reads_item,
        reads_bound,
    })
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// The byte offset of a 1-based line and column in `source`.
fn offset_of(source: &str, line: isize, column: isize) -> usize {
    let line = usize::try_from(line.max(1)).unwrap_or(1);
    let column = usize::try_from(column.max(1)).unwrap_or(1);
    let mut offset = 0;
    for (i, text) in source.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            let within: usize = text.chars().take(column - 1).map(char::len_utf8).sum();
            return (offset + within).min(source.len());
        }
        offset += text.len();
    }
    source.len()
}

/// Names bound by comprehension macros (`list.all(x, ...)`), which CEL reports as variables.
fn bound_variables(source: &str) -> Vec<String> {
    static MACRO: LazyLock<Option<regex::Regex>> = LazyLock::new(|| {
        regex::Regex::new(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,(?:\s*([A-Za-z_][A-Za-z0-9_]*)\s*,)?").ok()
    });
    let Some(re) = MACRO.as_ref() else { return Vec::new() };
    re.captures_iter(source)
        .flat_map(|c| [c.get(1), c.get(2)])
        .flatten()
        .map(|m| m.as_str().to_owned())
        .collect()
}

/// Where a name first appears as a whole word.
fn find_word(source: &str, word: &str) -> (usize, usize) {
    let bytes = source.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut from = 0;
    while let Some(found) = source[from..].find(word) {
        let start = from + found;
        let end = start + word.len();
        let before_ok = start == 0 || !is_ident(bytes[start - 1]);
        let after_ok = end >= bytes.len() || !is_ident(bytes[end]);
        if before_ok && after_ok {
            return (start, word.len());
        }
        from = end;
    }
    (0, source.len().min(1))
}

/// Checks every call of a domain function against its signature in the table: written as a
/// function (not a method), with as many arguments as it takes. CEL itself would only find out
/// when the call runs, as a rule error on every document.
fn check_calls(program: &cel::Program, source: &str) -> Result<(), ExprError> {
    use cel::common::ast::{EntryExpr, Expr as Node};
    let mut stack = vec![program.expression()];
    while let Some(node) = stack.pop() {
        match &node.expr {
            Node::Call(call) => {
                if let Some(f) = functions::function(&call.func_name).filter(|f| f.is_domain())
                    && let Err(message) = f.check_call(call.target.is_some(), call.args.len())
                {
                    let at = program
                        .source_info()
                        .offset_for(node.id)
                        .map(|(start, _)| start as usize);
                    let (offset, len) = find_word_near(source, &call.func_name, at);
                    return Err(ExprError { offset, len, message });
                }
                stack.extend(call.target.as_deref());
                stack.extend(call.args.iter());
            }
            Node::Comprehension(c) => {
                stack.extend([&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result]);
            }
            Node::List(list) => stack.extend(list.elements.iter()),
            Node::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(e) = &entry.expr {
                        stack.extend([&e.key, &e.value]);
                    }
                }
            }
            Node::Struct(s) => {
                for entry in &s.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(e) => stack.extend([&e.key, &e.value]),
                        EntryExpr::StructField(f) => stack.push(&f.value),
                    }
                }
            }
            Node::Select(select) => stack.push(&select.operand),
            Node::Unspecified | Node::Ident(_) | Node::Literal(_) => {}
        }
    }
    Ok(())
}

/// The whole-word occurrence of a name nearest to a byte offset (the parser's position of the
/// call), or the first one.
fn find_word_near(source: &str, word: &str, near: Option<usize>) -> (usize, usize) {
    let Some(near) = near else {
        return find_word(source, word);
    };
    let bytes = source.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut best: Option<usize> = None;
    for (start, _) in source.match_indices(word) {
        let end = start + word.len();
        let whole = (start == 0 || !is_ident(bytes[start - 1])) && (end >= bytes.len() || !is_ident(bytes[end]));
        if whole && best.is_none_or(|b| start.abs_diff(near) < b.abs_diff(near)) {
            best = Some(start);
        }
    }
    best.map_or_else(|| find_word(source, word), |start| (start, word.len()))
}

/// What an evaluation gave.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprOutcome {
    True,
    False,
    /// The data the expression reads is not there (a missing key, a null): not applicable.
    Missing,
    /// A real failure (a wrong type, a non-boolean result): reported as a rule error.
    Failed(String),
    /// The evaluation spent its budget of steps (see `budget`): reported as `RULE-BUDGET`.
    OverBudget,
}

/// Converts a JSON value into a CEL value.
#[must_use]
pub fn to_cel(value: &serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map(Value::Int)
            .or_else(|| n.as_u64().map(Value::UInt))
            .unwrap_or_else(|| Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(items) => Value::List(Arc::new(items.iter().map(to_cel).collect())),
        serde_json::Value::Object(map) => {
            let map: HashMap<Key, Value> = map
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), to_cel(v)))
                .collect();
            Value::Map(cel::objects::Map { map: Arc::new(map) })
        }
    }
}

/// Renders a CEL value for a message.
#[must_use]
pub fn display(value: &Value) -> String {
    match value {
        Value::String(s) => s.to_string(),
        Value::Int(i) => i.to_string(),
        Value::UInt(u) => u.to_string(),
        Value::Float(f) => {
            let rounded = (f * 100.0).round() / 100.0;
            if rounded.fract() == 0.0 {
                format!("{rounded:.0}")
            } else {
                format!("{rounded}")
            }
        }
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_owned(),
        Value::List(items) => items.iter().map(display).collect::<Vec<_>>().join(", "),
        other => format!("{other:?}"),
    }
}

/// The data one project's evaluations share.
#[derive(Clone, Debug, Default)]
pub struct ProjectData {
    /// The project's documents by kind name, as CEL lists.
    pub docs_by_kind: HashMap<String, Value>,
    pub as_of: Option<Date>,
}

/// A root context for one project, holding the domain functions.
pub fn project_context(data: ProjectData) -> Context<'static, 'static> {
    let mut ctx = Context::with_env(ENV.clone());
    // `docs('Kind')` is compiled to `__docs.Kind` (see `inline_docs`): bound once here, the
    // lists are borrowed by every evaluation instead of copied out of a function each call.
    let by_kind: HashMap<Key, Value> = data
        .docs_by_kind
        .iter()
        .map(|(kind, docs)| (Key::String(Arc::new(kind.clone())), docs.clone()))
        .chain(
            crate::model::document::Kind::ALL
                .iter()
                .filter(|k| !data.docs_by_kind.contains_key(k.name()))
                .map(|k| {
                    (
                        Key::String(Arc::new(k.name().to_owned())),
                        Value::List(Arc::new(Vec::new())),
                    )
                }),
        )
        .collect();
    bind(
        &mut ctx,
        DOCS_VARIABLE,
        Value::Map(cel::objects::Map { map: Arc::new(by_kind) }),
    );
    let data = Arc::new(data);
    super::functions::register_all(&mut ctx, &data);
    ctx
}

/// `byId` for a document: for each list under its `spec`, a map from each string `id` of its
/// items to the item, built once per document, so a rule finds an item in one lookup instead of
/// a scan of the list. An id used twice maps to its first item, the one a reference to it
/// resolves to (`CORE-REF`, and the tree index); the second use is a `CORE-ID-UNIQUE` error.
#[must_use]
pub fn by_id(document: &serde_json::Value) -> Value {
    let mut lists: HashMap<Key, Value> = HashMap::new();
    if let Some(spec) = document.get("spec").and_then(serde_json::Value::as_object) {
        for (name, list) in spec {
            let Some(items) = list.as_array() else { continue };
            let mut ids: HashMap<Key, Value> = HashMap::new();
            for item in items {
                if let Some(id) = item.get("id").and_then(serde_json::Value::as_str) {
                    ids.entry(Key::String(Arc::new(id.to_owned())))
                        .or_insert_with(|| to_cel(item));
                }
            }
            lists.insert(
                Key::String(Arc::new(name.clone())),
                Value::Map(cel::objects::Map { map: Arc::new(ids) }),
            );
        }
    }
    Value::Map(cel::objects::Map { map: Arc::new(lists) })
}

/// Binds `byId` (see [`by_id`]) in a document's scope.
pub fn bind_by_id(ctx: &mut Context<'_, '_>, by_id: Value) {
    bind(ctx, BY_ID, by_id);
}

/// Binds a name to a value, converted into CEL's boxed representation by [`into_val`].
fn bind(ctx: &mut Context<'_, '_>, name: &str, value: Value) {
    ctx.add_variable_as_val(name, into_val(value));
}

/// Converts a value into CEL's boxed representation, as `TryFrom<Value> for Box<dyn Val>`
/// does, but moving what the value owns alone instead of copying it: CEL's conversion clones
/// every list and map before converting it, so every string of a freshly made value (`self`,
/// `item`, `byId`) was copied once more and the first copy dropped. A part shared with another
/// value (a document also in `docs('Kind')`) is copied, as before.
fn into_val(value: Value) -> Box<dyn Val> {
    match value {
        Value::Bool(b) => Box::new(CelBool::from(b)),
        Value::Int(i) => Box::new(CelInt::from(i)),
        Value::UInt(u) => Box::new(CelUInt::from(u)),
        Value::Float(f) => Box::new(CelDouble::from(f)),
        Value::String(s) => Box::new(CelString::from(s)),
        Value::Null => Box::new(CelNull),
        Value::List(list) => {
            let items: Vec<Box<dyn Val>> = match Arc::try_unwrap(list) {
                Ok(items) => items.into_iter().map(into_val).collect(),
                Err(shared) => shared.iter().map(|v| into_val(v.clone())).collect(),
            };
            Box::new(CelList::from(items))
        }
        Value::Map(map) => {
            let entries: HashMap<CelMapKey<'static>, Box<dyn Val>> = match Arc::try_unwrap(map.map) {
                Ok(entries) => entries.into_iter().map(|(k, v)| (k.into(), into_val(v))).collect(),
                Err(shared) => shared
                    .iter()
                    .map(|(k, v)| (k.clone().into(), into_val(v.clone())))
                    .collect(),
            };
            Box::new(CelMap::from(entries))
        }
        // Not made by standoff's bindings (bytes, timestamps, opaque values): CEL's own way,
        // which cannot fail for them.
        other => Box::<dyn Val>::try_from(other).unwrap_or_else(|_| Box::new(CelNull)),
    }
}

/// The values bound for one evaluation.
pub struct Bindings {
    pub self_: Value,
    pub doc: Value,
    pub item: Value,
    pub project: Value,
    pub stage: Option<u8>,
}

/// Evaluates a boolean expression with every name bound from `bindings`.
#[must_use]
pub fn eval_bool(expr: &Expr, ctx: &Context<'_, '_>, bindings: &Bindings) -> ExprOutcome {
    boolean(eval(expr, ctx, bindings))
}

/// Evaluates an expression to a value with every name bound from `bindings`.
pub fn eval(expr: &Expr, ctx: &Context<'_, '_>, bindings: &Bindings) -> Result<Value, ExecutionError> {
    let mut scope = ctx.new_inner_scope();
    bind_project(&mut scope, bindings.project.clone(), bindings.stage);
    bind_document(&mut scope, bindings.doc.clone());
    eval_local(expr, &scope, &|| bindings.self_.clone(), &|| bindings.item.clone())
}

/// Binds the names that stay the same for a whole project (`project`, `stage`). Binding converts
/// the value into CEL's own representation, a deep copy; evaluations then borrow it, so each
/// value is bound once, in the outermost scope where it is constant.
pub fn bind_project(ctx: &mut Context<'_, '_>, project: Value, stage: Option<u8>) {
    bind(ctx, "project", project);
    bind(ctx, "stage", stage.map_or(Value::Null, |s| Value::Int(i64::from(s))));
}

/// Binds `doc`, once per document for every rule that reads it.
pub fn bind_document(ctx: &mut Context<'_, '_>, doc: Value) {
    bind(ctx, "doc", doc);
}

/// Evaluates a boolean expression in a document's scope, binding `self` and `item`.
#[must_use]
pub fn eval_bool_local(
    expr: &Expr,
    scope: &Context<'_, '_>,
    self_: &dyn Fn() -> Value,
    item: &dyn Fn() -> Value,
) -> ExprOutcome {
    boolean(eval_local(expr, scope, self_, item))
}

/// Evaluates an expression in a document's scope, binding `self` and `item`.
/// `self_` and `item` are made only when the expression reads them.
pub fn eval_local(
    expr: &Expr,
    scope: &Context<'_, '_>,
    self_: &dyn Fn() -> Value,
    item: &dyn Fn() -> Value,
) -> Result<Value, ExecutionError> {
    eval_local_with(expr, scope, self_, item, &|_| None)
}

/// As [`eval_local`], binding each `let` name the expression reads to `bound(name)`; a name
/// left unbound (`None`) fails the evaluation, if it is reached, as an undeclared reference.
pub fn eval_local_with(
    expr: &Expr,
    scope: &Context<'_, '_>,
    self_: &dyn Fn() -> Value,
    item: &dyn Fn() -> Value,
    bound: &dyn Fn(&str) -> Option<Value>,
) -> Result<Value, ExecutionError> {
    let compiled = expr.compiled()?;
    let mut inner = scope.new_inner_scope();
    if compiled.reads_self {
        bind(&mut inner, "self", self_());
    }
    if compiled.reads_item {
        bind(&mut inner, "item", item());
    }
    for name in &compiled.reads_bound {
        if let Some(value) = bound(name) {
            inner.add_variable_from_value(name.as_str(), value);
        }
    }
    budget::start_evaluation();
    let result = Value::resolve(&compiled.program, &inner);
    if budget::exceeded() {
        return Err(FnError::OverBudget.to_cel("budget"));
    }
    result
}

/// How a value whose evaluation spent its budget is shown (in a message placeholder).
pub const OVER_BUDGET: &str = "the evaluation spent its budget of steps";

/// Whether an evaluation error is a spent budget.
#[must_use]
pub fn is_over_budget(error: &ExecutionError) -> bool {
    matches!(FnError::of(error), Some((FnError::OverBudget, _)))
}

fn boolean(result: Result<Value, ExecutionError>) -> ExprOutcome {
    match result {
        Ok(Value::Bool(true)) => ExprOutcome::True,
        Ok(Value::Bool(false)) => ExprOutcome::False,
        Ok(Value::Null) => ExprOutcome::Missing,
        Ok(other) => ExprOutcome::Failed(format!("the expression gave {}, not true or false", display(&other))),
        Err(error) => classify(&error),
    }
}

/// The one mapping from an evaluation error to an outcome: a missing key, or a null where a
/// value was needed, is "not applicable" (cannot verify); a spent budget is `RULE-BUDGET`;
/// anything else is a rule error. Told by the error's type: a domain function's by its
/// [`FnError`], CEL's own by the variant (`NoSuchKey`; a null among the argument types of
/// `NoSuchOverload`, or as the `got` of `UnexpectedType`, which CEL raises converting a null
/// argument for a typed function).
#[must_use]
pub fn classify(error: &ExecutionError) -> ExprOutcome {
    if let Some((error, function)) = FnError::of(error) {
        return match error {
            FnError::Missing(_) => ExprOutcome::Missing,
            FnError::OverBudget => ExprOutcome::OverBudget,
            FnError::Failed(reason) => {
                ExprOutcome::Failed(ExecutionError::function_error(function, reason).to_string())
            }
        };
    }
    let is_null = |name: &str| name.eq_ignore_ascii_case("null") || name == "null_type";
    match error {
        ExecutionError::NoSuchKey(_) => ExprOutcome::Missing,
        // An operator applied to a null (`self < 200` where the value is absent), or a function
        // given one (`nctc(design_charge('vbied'))` with no charge), reads data that is not
        // there, like a missing key.
        ExecutionError::NoSuchOverload(o) if o.argument_types().iter().any(|t| is_null(t)) => ExprOutcome::Missing,
        ExecutionError::UnexpectedType { got, .. } if is_null(got) => ExprOutcome::Missing,
        other => ExprOutcome::Failed(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(source: &str, self_: &serde_json::Value) -> ExprOutcome {
        let expr = compile(source).unwrap();
        let ctx = project_context(ProjectData {
            as_of: Date::parse("2026-01-01"),
            ..ProjectData::default()
        });
        let bindings = Bindings {
            self_: to_cel(self_),
            doc: Value::Null,
            item: Value::Null,
            project: Value::Null,
            stage: Some(2),
        };
        eval_bool(&expr, &ctx, &bindings)
    }

    #[test]
    fn unknown_names_are_rejected_with_a_position() {
        let e = compile("slef.x > 1").unwrap_err();
        assert_eq!((e.offset, e.len), (0, 4));
        assert!(e.message.contains("did you mean `self`"), "{}", e.message);
        let e = compile("qtty(self) > 1.0").unwrap_err();
        assert!(e.message.contains("did you mean `qty`"), "{}", e.message);
        assert!(compile("self.items.all(a, a.id != '')").is_ok());
        assert!(compile("self.items.exists(i, i.id == 'x') && stage >= 2").is_ok());
    }

    #[test]
    fn calls_are_checked_against_their_signatures() {
        let e = compile("rating(self, 'x').ok").unwrap_err();
        assert_eq!((e.offset, e.len), (0, 6), "{e:?}");
        assert!(e.message.contains("`rating` takes 1 argument, not 2"), "{}", e.message);
        let e = compile("self.a == 1 && self.rating().ok").unwrap_err();
        assert_eq!((e.offset, e.len), (20, 6), "{e:?}");
        assert!(
            e.message.contains("is a function, not a method: write `rating(text)`"),
            "{}",
            e.message
        );
        let e = compile("qty(self) > 1.0 || qty() > 1.0").unwrap_err();
        assert_eq!(e.offset, 19, "{e:?}");
        assert!(e.message.contains("takes 1 argument, not 0"), "{}", e.message);
        let e = compile("today(1) == ''").unwrap_err();
        assert!(e.message.contains("takes 0 arguments, not 1"), "{}", e.message);
        assert!(compile("[1].map(x, x > 0, x * 2) == [2] && [1].map(x, x) == [1]").is_ok());
        assert!(compile("'a'.size() == size('a')").is_ok());
    }

    #[test]
    fn function_errors_are_told_apart_by_type() {
        assert!(
            matches!(run("qty(self) > 1.0", &json!("nine")), ExprOutcome::Failed(m) if m.starts_with("Error executing function 'qty': "))
        );
        assert_eq!(run("qty(self) > 1.0", &json!(null)), ExprOutcome::Missing);
        let missing = FnError::Missing("no charge".to_owned()).to_cel("nctc");
        assert_eq!(classify(&missing), ExprOutcome::Missing);
        assert_eq!(classify(&FnError::OverBudget.to_cel("budget")), ExprOutcome::OverBudget);
        assert!(is_over_budget(&FnError::OverBudget.to_cel("budget")));
        // CEL's own function errors are rule errors, whatever their text says.
        let own = ExecutionError::function_error("standoff", "missing");
        assert!(matches!(classify(&own), ExprOutcome::Failed(_)));
    }

    #[test]
    fn syntax_errors_carry_their_position() {
        let e = compile("self.a +* 2").unwrap_err();
        assert_eq!(e.offset, 8, "{e:?}");
        let e = compile("self.a &&\n  )").unwrap_err();
        assert_eq!(e.offset, 12, "{e:?}");
    }

    #[test]
    fn standard_functions_we_allow_exist() {
        let sources = [
            "size('ab') == 2",
            "'ab'.contains('a')",
            "'ab'.startsWith('a')",
            "'ab'.endsWith('b')",
            "'ab'.matches('^a')",
            "int('2') == 2",
            "uint(2) == 2u",
            "double(2) == 2.0",
            "string(2) == '2'",
            "bytes('a') == b'a'",
            "bool('true')",
            "type(1) == int",
            "dyn(1) == 1",
            "has({'a': 1}.a)",
            "[1].all(x, x > 0)",
            "[1].exists(x, x > 0)",
            "[1].exists_one(x, x > 0)",
            "[1].map(x, x * 2) == [2]",
            "[1, 2].filter(x, x > 1) == [2]",
        ];
        for source in sources {
            assert_eq!(run(source, &json!(null)), ExprOutcome::True, "{source}");
        }
        // Every standard function of the table is among them.
        for f in functions::FUNCTIONS.iter().filter(|f| !f.is_domain()) {
            let called = [format!("{}(", f.name), format!(".{}(", f.name)];
            assert!(
                sources.iter().any(|s| called.iter().any(|c| s.contains(c.as_str()))),
                "{} is not tried",
                f.name
            );
        }
    }

    #[test]
    fn domain_functions() {
        assert_eq!(run("qty(self) == 1.2", &json!("1200 mm")), ExprOutcome::True);
        assert_eq!(run("qty_in(self, 'km/h') > 48.27", &json!("30 mph")), ExprOutcome::True);
        assert_eq!(run("speed_class(self) == 48", &json!("30 mph")), ExprOutcome::True);
        assert_eq!(
            run("speed_at_least('48 km/h', self)", &json!("30 mph")),
            ExprOutcome::True
        );
        assert_eq!(
            run("speed_at_least('48 km/h', self)", &json!("50 km/h")),
            ExprOutcome::False
        );
        assert_eq!(
            run(
                "achievable_speed('0 km/h', '2.5 m/s2', '40 m') == '51 km/h'",
                &json!(null)
            ),
            ExprOutcome::True
        );
        assert_eq!(
            run(
                "rating(self).massKg == 7500.0 && rating(self).debrisM == 15.4",
                &json!("V/7500[N3]/80/90:0.4/15.4")
            ),
            ExprOutcome::True
        );
        assert_eq!(
            run("rating(self).ok", &json!("V/7,5[N3]/80/90:0.4")),
            ExprOutcome::False
        );
        assert_eq!(run("nctc(self).mandatoryM == 98", &json!("227 kg")), ExprOutcome::True);
        assert_eq!(
            run("days_between(self, today()) == 31", &json!("2025-12-01")),
            ExprOutcome::True
        );
        assert_eq!(
            run("max_of(self) == 3.0 && min_of(self) == 1.0", &json!([1, 3.0, 2])),
            ExprOutcome::True
        );
        assert_eq!(run("max_of(self) == null", &json!([])), ExprOutcome::True);
        assert_eq!(run("sum_of(self) == 6.5", &json!([1, 3.5, 2])), ExprOutcome::True);
        assert_eq!(run("sum_of(self) == 0.0", &json!([])), ExprOutcome::True);
        assert_eq!(
            run(
                "martyns_tier(self) == 'enhanced'",
                &json!({"building": true, "uses": ["sports-grounds"], "occupancy": {"expectedPeak": 800}})
            ),
            ExprOutcome::True
        );
        assert_eq!(
            run(
                "item_in(self, 'b').n == 2",
                &json!({"spec": {"xs": [{"id": "a", "n": 1}, {"id": "b", "n": 2}]}})
            ),
            ExprOutcome::True
        );
    }

    #[test]
    fn docs_of_a_literal_kind_is_inlined_keeping_positions() {
        let source = "size(docs('Site')) > 0 && docs( \"Event\" ).exists(e, e.x == \"docs('Site')\") && docs(k)";
        let inlined = inline_docs(source);
        assert_eq!(inlined.len(), source.len());
        assert_eq!(
            inlined,
            "size(__docs.Site ) > 0 && __docs.Event   .exists(e, e.x == \"docs('Site')\") && docs(k)"
        );
        assert_eq!(
            inline_docs("mydocs('Site') + docs('Nope')"),
            "mydocs('Site') + docs('Nope')"
        );
        // Text other than the calls is copied as written, multi-byte characters and escapes too.
        let text = "'café\\é°' + \"\\\"docs('Site')\" + size(docs('Site'))";
        assert_eq!(inline_docs(text), text.replace("docs('Site'))", "__docs.Site )"));
        // Written by hand, the internal name is unknown.
        assert!(compile("size(__docs.Site) > 0").is_err());
        assert!(compile("size(docs('Site')) > 0").is_ok());
    }

    #[test]
    fn missing_data_is_not_applicable() {
        assert_eq!(run("self.nope > 1", &json!({})), ExprOutcome::Missing);
        assert!(matches!(run("self > 1", &json!("text")), ExprOutcome::Failed(_)));
        assert!(matches!(run("self", &json!(3)), ExprOutcome::Failed(_)));
        assert_eq!(run("self < 200", &json!(null)), ExprOutcome::Missing);
        assert_eq!(run("self >= 100 && self < 200", &json!(null)), ExprOutcome::Missing);
        assert_eq!(run("nctc(self) != null", &json!(null)), ExprOutcome::Missing);
    }
}
