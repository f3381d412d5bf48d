//! CEL (crate `cel`) for computed checks: the only module that knows the expression language.
//!
//! Expressions compile once, when their rule loads; unknown names are rejected then, from the
//! program's references, and syntax errors carry their position. At check time each project
//! gets one root context holding the domain functions and the project's documents; each
//! evaluation binds `self`, `doc`, `item`, `project` and `stage` in an inner scope.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use cel::objects::Key;
use cel::{Context, Env, ExecutionError, IdedExpr, Value};

use super::budget;
use crate::date::Date;
use crate::domain::{martyns, nctc, rating, speed};
use crate::units::{self, Dimension};

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

/// The functions standoff adds to CEL, with their signatures.
pub const FUNCTIONS: [(&str, &str); 25] = [
    ("docs", "docs(kind) -> list: the project's documents of a kind"),
    (
        "ref",
        "ref(kind, name) -> document or null: the project's document of a kind with that name",
    ),
    (
        "item_in",
        "item_in(document, id) -> item or null: the list item with that id anywhere under the document's spec",
    ),
    (
        "item_of",
        "item_of(kind, name, id) -> item or null: item_in(ref(kind, name), id) without copying the whole document",
    ),
    (
        "qty",
        "qty(text) -> double: a quantity's value in SI units (m, m/s, kg, m/s², rad, m²)",
    ),
    (
        "qty_in",
        "qty_in(text, unit) -> double: a quantity's value in a unit (e.g. 'km/h')",
    ),
    (
        "speed_class",
        "speed_class(speed) -> int or null: the nominal test-speed class in km/h (30 mph -> 48)",
    ),
    (
        "speed_at_least",
        "speed_at_least(rated, needed) -> bool: a rated speed covers a needed one (nominal classes compare as classes)",
    ),
    (
        "achievable_speed",
        "achievable_speed(entry, acceleration, runUp) -> text: sqrt(u² + 2as), as a speed in km/h",
    ),
    (
        "rating",
        "rating(text) -> map: the crash rating in a datasheet string (ok, problem, standard, massKg, vehicleClass, speedKmh, speed, angleDeg, penetrationM, debrisM, ...)",
    ),
    (
        "rating_for",
        "rating_for(text, standard) -> map: as rating(), choosing the rating of a standard when the text holds several",
    ),
    (
        "martyns_tier",
        "martyns_tier(project) -> 'none', 'standard', 'enhanced' or null: the Act's tier from building, uses, mainUse, headcount and exclusion",
    ),
    ("martyns_reason", "martyns_reason(project) -> text: why that tier"),
    (
        "martyns_facts",
        "martyns_facts(project) -> map: relevantUse, standardOnly, unverified, mainUseProblem, eventsExcluded, eventsExclusion, eventsUnverified",
    ),
    (
        "qualifying_event",
        "qualifying_event(event spec, project) -> bool: a qualifying public event under s.3",
    ),
    (
        "nctc",
        "nctc(charge) -> map or null: the NCTC stand-off card row for a charge (description, mandatoryM, preferredM, ...)",
    ),
    (
        "days_between",
        "days_between(from, to) -> int: days from one date to another (negative if earlier)",
    ),
    ("today", "today() -> text: the date taken as today (--as-of)"),
    ("is_date", "is_date(text) -> bool: a valid YYYY-MM-DD date"),
    ("blank", "blank(text) -> bool: the text is empty or only white space"),
    (
        "matches_re",
        "matches_re(text, pattern) -> bool: text.matches(pattern), with the compiled pattern kept for the next call",
    ),
    (
        "gsa_condition",
        "gsa_condition(text) -> string or null: a GSA/ISC glazing performance condition ('1' to '4', '3a', '3b') as written in a class ('Condition 3b', 'PC 2'), or null",
    ),
    ("max_of", "max_of(list of numbers) -> double or null: the largest"),
    ("min_of", "min_of(list of numbers) -> double or null: the smallest"),
    (
        "design_charge",
        "design_charge(type) -> text or null: the largest design-basis charge of the project's risk assessments for a methodology type (e.g. 'vbied')",
    ),
];

/// The standard CEL functions and macros standoff allows (checked by a test to exist).
pub const CEL_STANDARD: [&str; 19] = [
    "size",
    "contains",
    "startsWith",
    "endsWith",
    "matches",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "bool",
    "type",
    "dyn",
    "has",
    "all",
    "exists",
    "exists_one",
    "map",
    "filter",
];

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
            .map_err(|message| ExecutionError::function_error("compile", message.clone()))
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
        if operator || CEL_STANDARD.contains(&name) || FUNCTIONS.iter().any(|(f, _)| *f == name) {
            continue;
        }
        let known = FUNCTIONS.iter().map(|(f, _)| *f).chain(CEL_STANDARD);
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

/// The message of the error an evaluation that spent its budget ends with.
pub const OVER_BUDGET: &str = "the evaluation spent its budget of steps";

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

fn map_get<'v>(value: &'v Value, key: &str) -> Option<&'v Value> {
    match value {
        Value::Map(m) => m.map.get(&Key::String(Arc::new(key.to_owned()))),
        _ => None,
    }
}

fn cel_map(entries: Vec<(&str, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_owned())), v))
        .collect();
    Value::Map(cel::objects::Map { map: Arc::new(map) })
}

fn opt_float(v: Option<f64>) -> Value {
    v.map_or(Value::Null, Value::Float)
}

fn opt_text(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |s| Value::String(Arc::new(s.to_owned())))
}

fn text(s: impl Into<String>) -> Value {
    Value::String(Arc::new(s.into()))
}

/// A rating (or the reason there is none) as a CEL map.
fn rating_value(result: Result<rating::Rating, rating::RatingProblem>) -> Value {
    match result {
        Ok(r) => cel_map(vec![
            ("ok", Value::Bool(true)),
            ("problem", Value::Null),
            ("text", text(r.text.clone())),
            ("standard", opt_text(r.standard.map(rating::Standard::as_str))),
            ("massKg", opt_float(r.mass_kg)),
            (
                "massConfirmed",
                Value::Bool(matches!(
                    r.mass_source,
                    Some(rating::MassSource::Stated | rating::MassSource::Confirmed)
                )),
            ),
            ("vehicleClass", opt_text(r.vehicle_class.as_deref())),
            ("speedKmh", opt_float(r.speed.as_ref().map(rating::RatedSpeed::kmh))),
            (
                "speed",
                r.speed.as_ref().map_or(Value::Null, |s| {
                    let unit = match s.unit {
                        rating::SpeedUnit::KmH => "km/h",
                        rating::SpeedUnit::Mph => "mph",
                    };
                    text(format!("{} {unit}", s.value))
                }),
            ),
            ("angleDeg", opt_float(r.angle_deg)),
            ("penetrationM", opt_float(r.penetration_m)),
            ("debrisM", opt_float(r.debris_m)),
            ("astmVehicle", opt_text(r.astm_vehicle.as_deref())),
            ("pRating", r.p_rating.map_or(Value::Null, |p| Value::Int(i64::from(p)))),
            ("kRating", r.k_rating.map_or(Value::Null, |k| Value::Int(i64::from(k)))),
        ]),
        Err(problem) => cel_map(vec![("ok", Value::Bool(false)), ("problem", text(problem.to_string()))]),
    }
}

/// The Act's premises facts as read from a Project's spec (owned strings, borrowed by
/// [`ProjectFacts::premises`]).
struct ProjectFacts {
    building: bool,
    uses: Vec<String>,
    main_use: Option<String>,
    expected_peak: Option<u64>,
    exclusion: Option<String>,
}

impl ProjectFacts {
    fn read(project: &Value) -> Self {
        let building = !matches!(map_get(project, "building"), Some(Value::Bool(false)));
        let uses: Vec<String> = match map_get(project, "uses") {
            Some(Value::List(items)) => items
                .iter()
                .filter_map(|v| {
                    if let Value::String(s) = v {
                        Some(s.to_string())
                    } else {
                        None
                    }
                })
                .collect(),
            _ => Vec::new(),
        };
        let main_use = match map_get(project, "mainUse") {
            Some(Value::String(s)) => Some(s.to_string()),
            _ => None,
        };
        let expected_peak = map_get(project, "occupancy")
            .and_then(|o| map_get(o, "expectedPeak"))
            .and_then(|v| match v {
                Value::Int(i) => u64::try_from(*i).ok(),
                Value::UInt(u) => Some(*u),
                _ => None,
            });
        let exclusion = match map_get(project, "exclusion") {
            None | Some(Value::Null) => None,
            Some(e) => Some(match map_get(e, "schedule2") {
                Some(Value::String(s)) => s.to_string(),
                _ => String::new(),
            }),
        };
        Self {
            building,
            uses,
            main_use,
            expected_peak,
            exclusion,
        }
    }

    fn with_premises<T>(&self, f: impl FnOnce(&martyns::Premises<'_>) -> T) -> T {
        let uses: Vec<&str> = self.uses.iter().map(String::as_str).collect();
        f(&martyns::Premises {
            building: self.building,
            uses: &uses,
            main_use: self.main_use.as_deref(),
            expected_peak: self.expected_peak,
            exclusion: self.exclusion.as_deref(),
        })
    }
}

/// The tier of a Project's spec: the one computed tier every rule uses.
fn assess_project(project: &Value) -> martyns::Assessment {
    ProjectFacts::read(project).with_premises(martyns::assess)
}

/// What the tier rests on, for rules that need more than the tier (a CEL map).
fn martyns_facts_value(project: &Value) -> Value {
    ProjectFacts::read(project).with_premises(|premises| {
        let assessment = martyns::assess(premises);
        let relevant = match martyns::relevant_use(premises) {
            martyns::RelevantUse::Known(u) => text(u),
            _ => Value::Null,
        };
        let (excluded, exclusion, events_unverified) = match martyns::event_exclusion(premises) {
            martyns::EventExclusion::NotExcluded => (Value::Bool(false), Value::Null, Value::Null),
            martyns::EventExclusion::Excluded(why) => (Value::Bool(true), text(why), Value::Null),
            martyns::EventExclusion::Unverified(what) => (Value::Bool(false), Value::Null, text(what)),
        };
        cel_map(vec![
            ("relevantUse", relevant),
            ("standardOnly", Value::Bool(assessment.standard_only)),
            ("unverified", opt_text(assessment.unverified.as_deref())),
            (
                "mainUseProblem",
                opt_text(martyns::main_use_problem(premises).as_deref()),
            ),
            ("eventsExcluded", excluded),
            ("eventsExclusion", exclusion),
            ("eventsUnverified", events_unverified),
        ])
    })
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
    ctx.add_variable_from_value(DOCS_VARIABLE, Value::Map(cel::objects::Map { map: Arc::new(by_kind) }));
    let data = Arc::new(data);
    let d = data.clone();
    // A function's result is converted into the interpreter's values (a copy): the domain
    // functions charge what they copy or walk to the evaluation's budget.
    let _ = ctx.add_function("docs", move |kind: Arc<String>| -> Result<Value, ExecutionError> {
        let docs = d
            .docs_by_kind
            .get(kind.as_str())
            .cloned()
            .unwrap_or_else(|| Value::List(Arc::new(Vec::new())));
        budget::charge_value(&docs)?;
        Ok(docs)
    });
    let d = data.clone();
    let _ = ctx.add_function(
        "ref",
        move |kind: Arc<String>, name: Arc<String>| -> Result<Value, ExecutionError> {
            let found = named_document(&d, &kind, &name).cloned().unwrap_or(Value::Null);
            budget::charge_value(&found)?;
            Ok(found)
        },
    );
    let _ = ctx.add_function(
        "item_in",
        |doc: Value, id: Arc<String>| -> Result<Value, ExecutionError> {
            // The document was copied into the argument.
            budget::charge_value(&doc)?;
            Ok(find_item(&doc, &id).0)
        },
    );
    // Passing a whole document across CEL's function boundary copies it twice (out of `ref`,
    // into `item_in`); this finds the item where the document already is.
    let d = data.clone();
    let _ = ctx.add_function(
        "item_of",
        move |kind: Arc<String>, name: Arc<String>, id: Arc<String>| -> Result<Value, ExecutionError> {
            let Some(doc) = named_document(&d, &kind, &name) else {
                return Ok(Value::Null);
            };
            let (item, visited) = find_item(doc, &id);
            budget::charge(visited)?;
            budget::charge_value(&item)?;
            Ok(item)
        },
    );
    let _ = ctx.add_function("qty", |q: Arc<String>| -> Result<f64, ExecutionError> {
        units::parse(&q)
            .map(|q| q.si())
            .map_err(|e| ExecutionError::function_error("qty", e.to_string()))
    });
    let _ = ctx.add_function(
        "qty_in",
        |q: Arc<String>, unit: Arc<String>| -> Result<f64, ExecutionError> {
            let quantity = units::parse(&q).map_err(|e| ExecutionError::function_error("qty_in", e.to_string()))?;
            let target = units::UNITS
                .iter()
                .find(|u| u.symbol == unit.as_str() && u.dimension == quantity.dimension())
                .ok_or_else(|| {
                    ExecutionError::function_error(
                        "qty_in",
                        format!("`{unit}` is not a unit of {}", quantity.dimension()),
                    )
                })?;
            Ok(quantity.in_unit(target))
        },
    );
    let _ = ctx.add_function("speed_class", |q: Arc<String>| -> Value {
        units::parse_as(&q, Dimension::Speed)
            .ok()
            .and_then(|q| speed::nominal_class(&q))
            .map_or(Value::Null, |c| Value::Int(i64::from(c)))
    });
    let _ = ctx.add_function(
        "speed_at_least",
        |rated: Arc<String>, needed: Arc<String>| -> Result<bool, ExecutionError> {
            let parse = |t: &str| {
                units::parse_as(t, Dimension::Speed)
                    .map_err(|e| ExecutionError::function_error("speed_at_least", e.to_string()))
            };
            Ok(speed::at_least(&parse(&rated)?, &parse(&needed)?))
        },
    );
    let _ = ctx.add_function(
        "achievable_speed",
        |entry: Arc<String>, acceleration: Arc<String>, run_up: Arc<String>| -> Result<Value, ExecutionError> {
            let parse = |t: &str, d: Dimension| {
                units::parse_as(t, d).map_err(|e| ExecutionError::function_error("achievable_speed", e.to_string()))
            };
            let v = speed::achievable_speed(
                &parse(&entry, Dimension::Speed)?,
                &parse(&acceleration, Dimension::Acceleration)?,
                &parse(&run_up, Dimension::Length)?,
            );
            // Rounded up to 0.1 km/h: the assessment must never be optimistic.
            let kmh = (v * 3.6 * 10.0).ceil() / 10.0;
            Ok(text(format!("{kmh} km/h")))
        },
    );
    let _ = ctx.add_function("rating", |t: Arc<String>| -> Value {
        rating_value(rating::parse_rating_for(&t, None))
    });
    let _ = ctx.add_function("rating_for", |t: Arc<String>, standard: Arc<String>| -> Value {
        rating_value(rating::parse_rating_for(&t, rating::Standard::from_document(&standard)))
    });
    let _ = ctx.add_function("martyns_tier", |project: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&project)?;
        Ok(assess_project(&project).tier.map_or(Value::Null, |t| text(t.as_str())))
    });
    let _ = ctx.add_function("martyns_reason", |project: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&project)?;
        Ok(text(assess_project(&project).reason))
    });
    let _ = ctx.add_function("martyns_facts", |project: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&project)?;
        Ok(martyns_facts_value(&project))
    });
    let _ = ctx.add_function(
        "qualifying_event",
        |event: Value, project: Value| -> Result<bool, ExecutionError> {
            budget::charge_value(&event)?;
            budget::charge_value(&project)?;
            let peak = match map_get(&event, "expectedPeak") {
                Some(Value::Int(i)) => u64::try_from(*i).unwrap_or(0),
                Some(Value::UInt(u)) => *u,
                _ => 0,
            };
            let flag = |key| matches!(map_get(&event, key), Some(Value::Bool(true)));
            let facts = ProjectFacts::read(&project);
            let at_enhanced = facts.with_premises(martyns::assess).tier == Some(martyns::Tier::Enhanced);
            let excluded = match facts.with_premises(martyns::event_exclusion) {
                martyns::EventExclusion::Excluded(why) => Some(why),
                martyns::EventExclusion::NotExcluded | martyns::EventExclusion::Unverified(_) => None,
            };
            Ok(martyns::qualifying_event(&martyns::Event {
                expected_peak: peak,
                entry_checks: flag("entryChecks"),
                public_access: flag("publicAccess"),
                at_enhanced_premises: at_enhanced,
                excluded,
            })
            .0)
        },
    );
    let _ = ctx.add_function("nctc", |charge: Arc<String>| -> Result<Value, ExecutionError> {
        let kg = units::parse_as(&charge, Dimension::Mass)
            .map_err(|e| ExecutionError::function_error("nctc", e.to_string()))?
            .si();
        Ok(nctc::row_for(kg).map_or(Value::Null, |row| {
            cel_map(vec![
                ("description", text(row.description)),
                ("capacityKg", Value::Float(row.capacity_kg)),
                ("capacityLb", Value::Int(i64::from(row.capacity_lb))),
                ("mandatoryM", Value::Int(i64::from(row.mandatory_m))),
                ("preferredM", Value::Int(i64::from(row.preferred_m))),
                ("mandatory", text(format!("{} m", row.mandatory_m))),
                ("preferred", text(format!("{} m", row.preferred_m))),
            ])
        }))
    });
    let _ = ctx.add_function(
        "days_between",
        |from: Arc<String>, to: Arc<String>| -> Result<i64, ExecutionError> {
            let parse = |t: &str| {
                Date::parse(t)
                    .ok_or_else(|| ExecutionError::function_error("days_between", format!("`{t}` is not a date")))
            };
            Ok(parse(&from)?.days_until(parse(&to)?))
        },
    );
    let d = data.clone();
    let _ = ctx.add_function("today", move || -> Value {
        d.as_of.map_or(Value::Null, |t| text(t.to_string()))
    });
    let _ = ctx.add_function("is_date", |t: Arc<String>| -> bool { Date::parse(&t).is_some() });
    // `x.matches('\\S')` would compile a regular expression at every call.
    let _ = ctx.add_function("blank", |t: Arc<String>| -> bool { t.trim().is_empty() });
    let _ = ctx.add_function(
        "matches_re",
        |t: Arc<String>, pattern: Arc<String>| -> Result<bool, ExecutionError> {
            cached_regex(&pattern)
                .map(|re| re.is_match(&t))
                .map_err(|e| ExecutionError::function_error("matches_re", e))
        },
    );
    let _ = ctx.add_function("gsa_condition", |t: Arc<String>| -> Value {
        gsa_condition(&t).map_or(Value::Null, text)
    });
    let _ = ctx.add_function("max_of", |items: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&items)?;
        Ok(fold_numbers(&items, f64::max))
    });
    let _ = ctx.add_function("min_of", |items: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&items)?;
        Ok(fold_numbers(&items, f64::min))
    });
    let d = data;
    let _ = ctx.add_function(
        "design_charge",
        move |kind: Arc<String>| -> Result<Value, ExecutionError> {
            // It walks the risk assessments' methodologies.
            if let Some(assessments) = d.docs_by_kind.get("RiskAssessment") {
                budget::charge_value(assessments)?;
            }
            Ok(design_charge(&d, &kind))
        },
    );
    ctx
}

/// A compiled regular expression, kept: CEL's own `matches` compiles its pattern at every call,
/// which costs more than most rules. At most 256 patterns are kept (rule packs hold a few).
fn cached_regex(pattern: &str) -> Result<regex::Regex, String> {
    static CACHE: LazyLock<Mutex<HashMap<String, regex::Regex>>> = LazyLock::new(|| Mutex::new(HashMap::new()));
    if let Some(re) = CACHE.lock().ok().and_then(|cache| cache.get(pattern).cloned()) {
        return Ok(re);
    }
    let re = regex::Regex::new(pattern).map_err(|e| e.to_string())?;
    if let Ok(mut cache) = CACHE.lock()
        && cache.len() < 256
    {
        cache.insert(pattern.to_owned(), re.clone());
    }
    Ok(re)
}

/// A GSA/ISC glazing performance condition named in a class as written: an optional
/// "condition", "performance condition" or "PC", then 1, 2, 3, 3a, 3b or 4 (any case).
fn gsa_condition(class: &str) -> Option<&'static str> {
    let lower = class.trim().to_ascii_lowercase();
    let mut rest = lower.as_str();
    for prefix in ["performance condition", "condition", "pc"] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim_start();
            break;
        }
    }
    ["1", "2", "3", "3a", "3b", "4"].into_iter().find(|c| *c == rest)
}

/// The largest (or smallest) number of a list; null for an empty list or no numbers.
fn fold_numbers(items: &Value, pick: fn(f64, f64) -> f64) -> Value {
    let Value::List(items) = items else { return Value::Null };
    let numbers = items.iter().filter_map(|v| match v {
        Value::Int(i) => Some(*i as f64),
        Value::UInt(u) => Some(*u as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    });
    numbers.reduce(pick).map_or(Value::Null, Value::Float)
}

/// The largest design-basis charge (as written) among the project's risk assessments for a
/// methodology type.
fn design_charge(data: &ProjectData, methodology: &str) -> Value {
    let Some(Value::List(assessments)) = data.docs_by_kind.get("RiskAssessment") else {
        return Value::Null;
    };
    let mut best: Option<(f64, Arc<String>)> = None;
    for assessment in assessments.iter() {
        let Some(Value::List(methodologies)) = map_get(assessment, "spec").and_then(|s| map_get(s, "methodologies"))
        else {
            continue;
        };
        for m in methodologies.iter() {
            if !matches!(map_get(m, "type"), Some(Value::String(t)) if t.as_str() == methodology) {
                continue;
            }
            let Some(Value::String(charge)) = map_get(m, "designBasis").and_then(|b| map_get(b, "charge")) else {
                continue;
            };
            let Ok(q) = units::parse_as(charge, Dimension::Mass) else {
                continue;
            };
            if best.as_ref().is_none_or(|(kg, _)| q.si() > *kg) {
                best = Some((q.si(), charge.clone()));
            }
        }
    }
    best.map_or(Value::Null, |(_, charge)| Value::String(charge))
}

/// The project's document of a kind with a `metadata.name`.
fn named_document<'d>(data: &'d ProjectData, kind: &str, name: &str) -> Option<&'d Value> {
    let Some(Value::List(docs)) = data.docs_by_kind.get(kind) else {
        return None;
    };
    docs.iter().find(|doc| {
        map_get(doc, "metadata")
            .and_then(|m| map_get(m, "name"))
            .is_some_and(|n| matches!(n, Value::String(s) if s.as_str() == name))
    })
}

/// The list item with `id` anywhere under a document's `spec` (depth-first, iterative), and
/// how many values the search visited.
fn find_item(doc: &Value, id: &str) -> (Value, u64) {
    let mut stack: Vec<&Value> = map_get(doc, "spec").into_iter().collect();
    let mut visited: u64 = 0;
    while let Some(value) = stack.pop() {
        visited += 1;
        match value {
            Value::List(items) => {
                for item in items.iter() {
                    visited += 1;
                    if matches!(map_get(item, "id"), Some(Value::String(s)) if s.as_str() == id) {
                        return (item.clone(), visited);
                    }
                }
                stack.extend(items.iter().rev());
            }
            Value::Map(m) => stack.extend(m.map.values()),
            _ => {}
        }
    }
    (Value::Null, visited)
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
    ctx.add_variable_from_value(BY_ID, by_id);
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
    ctx.add_variable_from_value("project", project);
    ctx.add_variable_from_value("stage", stage.map_or(Value::Null, |s| Value::Int(i64::from(s))));
}

/// Binds `doc`, once per document for every rule that reads it.
pub fn bind_document(ctx: &mut Context<'_, '_>, doc: Value) {
    ctx.add_variable_from_value("doc", doc);
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
        inner.add_variable_from_value("self", self_());
    }
    if compiled.reads_item {
        inner.add_variable_from_value("item", item());
    }
    for name in &compiled.reads_bound {
        if let Some(value) = bound(name) {
            inner.add_variable_from_value(name.as_str(), value);
        }
    }
    budget::start_evaluation();
    let result = Value::resolve(&compiled.program, &inner);
    if budget::exceeded() {
        return Err(ExecutionError::function_error("budget", OVER_BUDGET));
    }
    result
}

/// Whether an evaluation error is a spent budget.
#[must_use]
pub fn is_over_budget(error: &ExecutionError) -> bool {
    matches!(error, ExecutionError::FunctionError { function, message } if function == "budget" && message == OVER_BUDGET)
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

/// A missing key or a null where a value was needed is "not applicable"; anything else fails.
#[must_use]
pub fn classify(error: &ExecutionError) -> ExprOutcome {
    if is_over_budget(error) {
        return ExprOutcome::OverBudget;
    }
    match error {
        ExecutionError::NoSuchKey(_) => ExprOutcome::Missing,
        ExecutionError::NoSuchOverload(o) if format!("{o:?}").contains("\"null\"") => ExprOutcome::Missing,
        // An operator applied to a null (`self < 200` where the value is absent) reads data
        // that is not there, like a missing key.
        other => {
            let message = other.to_string();
            // So is a function given a null (`nctc(design_charge('vbied'))` with no charge).
            if (message.contains("no matching overload") && message.contains("null_type"))
                || message.contains("got 'Null'")
            {
                ExprOutcome::Missing
            } else {
                ExprOutcome::Failed(message)
            }
        }
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
    fn syntax_errors_carry_their_position() {
        let e = compile("self.a +* 2").unwrap_err();
        assert_eq!(e.offset, 8, "{e:?}");
        let e = compile("self.a &&\n  )").unwrap_err();
        assert_eq!(e.offset, 12, "{e:?}");
    }

    #[test]
    fn standard_functions_we_allow_exist() {
        for source in [
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
        ] {
            assert_eq!(run(source, &json!(null)), ExprOutcome::True, "{source}");
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
    fn gsa_conditions_as_written() {
        for (class, condition) in [
            ("3b", Some("3b")),
            (" Condition 2 ", Some("2")),
            ("PC 4", Some("4")),
            ("performance condition 3A", Some("3a")),
            ("PC4", Some("4")),
        ] {
            assert_eq!(gsa_condition(class), condition, "{class}");
        }
        for class in ["5", "condition", "ER1", "3c", ""] {
            assert_eq!(gsa_condition(class), None, "{class}");
        }
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
