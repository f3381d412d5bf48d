//! The functions a rule's expressions may call: one table ([`FUNCTIONS`]) giving each its name,
//! typed parameters, result, one-line documentation and (for standoff's own) the implementation.
//!
//! Everything else reads the table: `project_context` registers the domain functions from it,
//! the loader checks names, argument counts and call style against it, the budget meters calls
//! by its `metered` flag, and `standoff explain --functions` and docs/rules.md print it.
//!
//! A domain function that cannot give a value fails with a typed [`FnError`], carried through
//! CEL's `ExecutionError` as a payload only this module writes and reads ([`FnError::to_cel`],
//! [`FnError::of`]), so an evaluation's outcome is told by type, not by the message's text.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use cel::objects::Key;
use cel::{Context, ExecutionError, Value};

use super::budget;
use super::expr::ProjectData;
use crate::date::Date;
use crate::domain::{martyns, nctc, rating, speed};
use crate::units::{self, Dimension};

/// The type of a parameter or a result, as the documentation names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Text,
    Int,
    UInt,
    Double,
    Bool,
    Bytes,
    List,
    Map,
    /// A whole design document (a map).
    Document,
    /// A list item (a map).
    Item,
    /// A CEL type value (`int`, `string`, ...).
    Type,
    /// Any value.
    Any,
}

impl Ty {
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Int => "int",
            Self::UInt => "uint",
            Self::Double => "double",
            Self::Bool => "bool",
            Self::Bytes => "bytes",
            Self::List => "list",
            Self::Map => "map",
            Self::Document => "document",
            Self::Item => "item",
            Self::Type => "type",
            Self::Any => "any",
        }
    }
}

/// A parameter: its name (as the documentation calls it) and type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
}

const fn p(name: &'static str, ty: Ty) -> Param {
    Param { name, ty }
}

/// What a function gives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Returns {
    pub ty: Ty,
    /// Null when there is no answer (no such document, a text that is not a rating...).
    pub or_null: bool,
}

const fn r(ty: Ty) -> Returns {
    Returns { ty, or_null: false }
}

const fn r_or_null(ty: Ty) -> Returns {
    Returns { ty, or_null: true }
}

/// How a function is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// `f(a, b)`.
    Global,
    /// `a.f(b)`: the first parameter is the receiver.
    Method,
    /// Either form (`size(x)` or `x.size()`).
    Either,
    /// A CEL macro, expanded by the parser (`has(x.f)`, `list.all(x, p)`).
    Macro,
}

/// Registers one domain function (under the table's name) in a project's root context.
pub type Registrar = fn(&mut Context<'static, 'static>, &'static str, &Arc<ProjectData>);

/// Where a function comes from.
#[derive(Clone, Copy)]
pub enum Origin {
    /// CEL's standard library (or a standard macro): standoff allows it and documents it.
    Standard,
    /// standoff's own, with its implementation.
    Domain(Registrar),
}

impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Standard => "Standard",
            Self::Domain(_) => "Domain",
        })
    }
}

/// One function an expression may call.
#[derive(Clone, Copy, Debug)]
pub struct Function {
    pub name: &'static str,
    pub params: &'static [Param],
    /// How many of the last parameters may be left out (`map(x, e)` or `map(x, p, e)`).
    pub optional: usize,
    pub returns: Returns,
    pub call: Call,
    /// One line (wrapped when printed).
    pub doc: &'static str,
    /// Whether the budget charges its arguments (see `budget::instrument`): false for the
    /// functions that neither walk nor copy them (`size`, `type`, `dyn`).
    pub metered: bool,
    pub origin: Origin,
}

impl Function {
    /// Whether standoff implements it (a domain function), rather than CEL.
    #[must_use]
    pub const fn is_domain(&self) -> bool {
        matches!(self.origin, Origin::Domain(_))
    }

    /// `name(a, b)` (or `a.name(b)` for a method), with the parameters' names.
    #[must_use]
    pub fn signature(&self) -> String {
        let names: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .map(|(i, param)| {
                if i >= self.params.len() - self.optional {
                    format!("[{}]", param.name)
                } else {
                    param.name.to_owned()
                }
            })
            .collect();
        match (self.call, names.split_first()) {
            (Call::Method, Some((receiver, rest))) => format!("{receiver}.{}({})", self.name, rest.join(", ")),
            (Call::Macro, Some((receiver, rest))) if self.name != "has" => {
                format!("{receiver}.{}({})", self.name, rest.join(", "))
            }
            _ => format!("{}({})", self.name, names.join(", ")),
        }
    }

    /// The signature with the parameters' types: `qty_in(text: text, unit: text)`.
    #[must_use]
    pub fn typed_signature(&self) -> String {
        let typed: Vec<String> = self
            .params
            .iter()
            .enumerate()
            .map(|(i, param)| {
                let written = format!("{}: {}", param.name, param.ty.name());
                if i >= self.params.len() - self.optional {
                    format!("[{written}]")
                } else {
                    written
                }
            })
            .collect();
        let method = matches!(self.call, Call::Method) || (matches!(self.call, Call::Macro) && self.name != "has");
        match typed.split_first() {
            Some((receiver, rest)) if method => format!("{receiver}.{}({})", self.name, rest.join(", ")),
            _ => format!("{}({})", self.name, typed.join(", ")),
        }
    }

    /// The parameters with their types: `text: text, unit: text`.
    #[must_use]
    pub fn typed_params(&self) -> String {
        self.params
            .iter()
            .map(|param| format!("{}: {}", param.name, param.ty.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The result type as the documentation writes it: `map or null`.
    #[must_use]
    pub fn result_text(&self) -> String {
        if self.returns.or_null {
            format!("{} or null", self.returns.ty.name())
        } else {
            self.returns.ty.name().to_owned()
        }
    }

    /// Checks one call as written: its style (global or method) and its number of arguments.
    /// `method` is whether it was written on a receiver, `args` the arguments in parentheses.
    pub fn check_call(&self, method: bool, args: usize) -> Result<(), String> {
        let (min, max) = (self.params.len() - self.optional, self.params.len());
        let total = args + usize::from(method);
        let style = match self.call {
            Call::Global if method => Err(format!(
                "`{}` is a function, not a method: write `{}`",
                self.name,
                self.signature()
            )),
            Call::Method if !method => Err(format!("`{}` is a method: write `{}`", self.name, self.signature())),
            _ => Ok(()),
        };
        style?;
        if (min..=max).contains(&total) {
            return Ok(());
        }
        let wanted = if method {
            (min.saturating_sub(1), max.saturating_sub(1))
        } else {
            (min, max)
        };
        let count = if wanted.0 == wanted.1 {
            crate::text::plural(wanted.0, "argument", "arguments")
        } else {
            format!("{} to {} arguments", wanted.0, wanted.1)
        };
        Err(format!(
            "`{}` takes {count}, not {args}: `{}` ({})",
            self.name,
            self.signature(),
            self.typed_params()
        ))
    }
}

/// The variables and functions an expression may use, as text for a terminal (wrapped to
/// `width` columns): what `standoff explain --functions` prints.
#[must_use]
pub fn explain_text(width: usize) -> String {
    use std::fmt::Write as _;
    let wrap = |text: &str, indent: &str| crate::text::wrap(text, indent, width);
    let mut out = String::from("Names\n");
    for (name, what) in super::expr::VARIABLES {
        let _ = write!(out, "  {name}\n{}", wrap(what, "      "));
    }
    for (heading, domain) in [
        ("standoff's functions (contracts in docs/rules.md)", true),
        ("CEL's standard functions and macros allowed", false),
    ] {
        let _ = writeln!(out, "\n{heading}");
        for f in FUNCTIONS.iter().filter(|f| f.is_domain() == domain) {
            let _ = writeln!(out, "  {} -> {}", f.signature(), f.result_text());
            if !f.params.is_empty() {
                let _ = writeln!(out, "      ({})", f.typed_params());
            }
            out.push_str(&wrap(f.doc, "      "));
        }
    }
    out
}

/// The table as JSON (`standoff explain --functions --format json`).
#[must_use]
pub fn explain_json() -> serde_json::Value {
    let variables: Vec<serde_json::Value> = super::expr::VARIABLES
        .iter()
        .map(|(name, doc)| serde_json::json!({"name": name, "doc": doc}))
        .collect();
    let functions: Vec<serde_json::Value> = FUNCTIONS
        .iter()
        .map(|f| {
            let params: Vec<serde_json::Value> = f
                .params
                .iter()
                .enumerate()
                .map(|(i, param)| {
                    serde_json::json!({
                        "name": param.name,
                        "type": param.ty.name(),
                        "optional": i >= f.params.len() - f.optional,
                    })
                })
                .collect();
            serde_json::json!({
                "name": f.name,
                "origin": if f.is_domain() { "standoff" } else { "cel" },
                "call": match f.call {
                    Call::Global => "function",
                    Call::Method => "method",
                    Call::Either => "function or method",
                    Call::Macro => "macro",
                },
                "signature": f.signature(),
                "params": params,
                "returns": {"type": f.returns.ty.name(), "orNull": f.returns.or_null},
                "doc": f.doc,
                "metered": f.metered,
            })
        })
        .collect();
    serde_json::json!({"variables": variables, "functions": functions})
}

/// The functions as the Markdown docs/rules.md holds between its `functions` markers.
#[must_use]
pub fn markdown() -> String {
    use std::fmt::Write as _;
    let standard: Vec<String> = FUNCTIONS
        .iter()
        .filter(|f| !f.is_domain())
        .map(|f| format!("`{}`", f.name))
        .collect();
    let mut out = format!(
        "CEL's standard functions and macros allowed: {}.\n\nstandoff's functions (generated from `src/rules/functions.rs`; `standoff explain --functions` prints the same):\n\n| function | returns | what |\n|---|---|---|\n",
        standard.join(", ")
    );
    for f in FUNCTIONS.iter().filter(|f| f.is_domain()) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} |",
            f.typed_signature(),
            f.result_text(),
            f.doc.replace('|', "\\|")
        );
    }
    out
}

/// The function of this name.
#[must_use]
pub fn function(name: &str) -> Option<&'static Function> {
    FUNCTIONS.iter().find(|f| f.name == name)
}

/// Whether the budget charges a call's arguments: every function but those the table says
/// neither walk nor copy them (an unknown name is metered).
#[must_use]
pub fn metered(name: &str) -> bool {
    function(name).is_none_or(|f| f.metered)
}

/// Why a domain function gave no value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FnError {
    /// The data it needs is not there: the rule does not apply ("cannot verify").
    Missing(String),
    /// It was given something it cannot use: a rule error.
    Failed(String),
    /// The evaluation spent its budget: `RULE-BUDGET`.
    OverBudget,
}

/// The `function` of a CEL function error carrying an [`FnError`]: no CEL function can be
/// named so (a name cannot hold `:`). The kind follows, then `:` and the function's name.
const PAYLOAD: &str = "standoff:";
const MISSING: &str = "missing";
const FAILED: &str = "failed";
const OVER_BUDGET: &str = "over-budget";

impl FnError {
    /// The error as CEL carries it, raised by `function`.
    #[must_use]
    pub fn to_cel(&self, function: &str) -> ExecutionError {
        let (kind, message) = match self {
            Self::Missing(what) => (MISSING, what.as_str()),
            Self::Failed(reason) => (FAILED, reason.as_str()),
            Self::OverBudget => (OVER_BUDGET, ""),
        };
        ExecutionError::FunctionError {
            function: format!("{PAYLOAD}{kind}:{function}"),
            message: message.to_owned(),
        }
    }

    /// The error an [`ExecutionError`] carries, and the function that raised it, if
    /// [`FnError::to_cel`] made it.
    #[must_use]
    pub fn of(error: &ExecutionError) -> Option<(Self, &str)> {
        let ExecutionError::FunctionError { function, message } = error else {
            return None;
        };
        let (kind, name) = function.strip_prefix(PAYLOAD)?.split_once(':')?;
        let error = match kind {
            MISSING => Self::Missing(message.clone()),
            FAILED => Self::Failed(message.clone()),
            OVER_BUDGET => Self::OverBudget,
            _ => return None,
        };
        Some((error, name))
    }
}

/// A failure of `function` for a reason (see [`FnError::Failed`]).
pub fn failed(function: &str, reason: impl std::fmt::Display) -> ExecutionError {
    FnError::Failed(reason.to_string()).to_cel(function)
}

use Ty::{Any, Bool, Document, Double, Int, Item, List, Map, Text};

/// Every function an expression may call: CEL's standard ones that standoff allows (a test
/// checks each exists), then standoff's own.
pub static FUNCTIONS: &[Function] = &[
    standard(
        "size",
        &[p("value", Any)],
        r(Int),
        Call::Either,
        false,
        "the length of a text (in characters), list or map",
    ),
    standard(
        "contains",
        &[p("text", Text), p("part", Text)],
        r(Bool),
        Call::Method,
        true,
        "the text contains the part",
    ),
    standard(
        "startsWith",
        &[p("text", Text), p("prefix", Text)],
        r(Bool),
        Call::Method,
        true,
        "the text starts with the prefix",
    ),
    standard(
        "endsWith",
        &[p("text", Text), p("suffix", Text)],
        r(Bool),
        Call::Method,
        true,
        "the text ends with the suffix",
    ),
    standard(
        "matches",
        &[p("text", Text), p("pattern", Text)],
        r(Bool),
        Call::Either,
        true,
        "the text matches a regular expression (compiled at every call: prefer `matches_re`)",
    ),
    standard(
        "int",
        &[p("value", Any)],
        r(Int),
        Call::Global,
        true,
        "the value as an integer",
    ),
    standard(
        "uint",
        &[p("value", Any)],
        r(Ty::UInt),
        Call::Global,
        true,
        "the value as an unsigned integer",
    ),
    standard(
        "double",
        &[p("value", Any)],
        r(Double),
        Call::Global,
        true,
        "the value as a double",
    ),
    standard(
        "string",
        &[p("value", Any)],
        r(Text),
        Call::Global,
        true,
        "the value as text",
    ),
    standard(
        "bytes",
        &[p("value", Any)],
        r(Ty::Bytes),
        Call::Global,
        true,
        "the value as bytes",
    ),
    standard(
        "bool",
        &[p("value", Any)],
        r(Bool),
        Call::Global,
        true,
        "the value as a boolean ('true', 'false')",
    ),
    standard(
        "type",
        &[p("value", Any)],
        r(Ty::Type),
        Call::Global,
        false,
        "the value's type (`type(x) == string`)",
    ),
    standard(
        "dyn",
        &[p("value", Any)],
        r(Any),
        Call::Global,
        false,
        "the value, its type checked at run time",
    ),
    standard(
        "has",
        &[p("field", Any)],
        r(Bool),
        Call::Macro,
        true,
        "the field is present (`has(self.x)`)",
    ),
    standard(
        "all",
        &[p("list", List), p("x", Any), p("predicate", Bool)],
        r(Bool),
        Call::Macro,
        true,
        "the predicate holds for every element",
    ),
    standard(
        "exists",
        &[p("list", List), p("x", Any), p("predicate", Bool)],
        r(Bool),
        Call::Macro,
        true,
        "the predicate holds for some element",
    ),
    standard(
        "exists_one",
        &[p("list", List), p("x", Any), p("predicate", Bool)],
        r(Bool),
        Call::Macro,
        true,
        "the predicate holds for exactly one element",
    ),
    standard(
        "map",
        &[p("list", List), p("x", Any), p("expression", Any)],
        r(List),
        Call::Macro,
        true,
        "each element transformed by the expression (`list.map(x, p, e)`: those for which `p` holds)",
    ),
    standard(
        "filter",
        &[p("list", List), p("x", Any), p("predicate", Bool)],
        r(List),
        Call::Macro,
        true,
        "the elements for which the predicate holds",
    ),
    domain(
        "docs",
        &[p("kind", Text)],
        r(List),
        "the project's documents of a kind (a list of whole documents)",
        register_docs,
    ),
    domain(
        "ref",
        &[p("kind", Text), p("name", Text)],
        r_or_null(Document),
        "the project's document of that kind and name",
        register_ref,
    ),
    domain(
        "item_in",
        &[p("document", Document), p("id", Text)],
        r_or_null(Item),
        "the list item with that id anywhere under the document's `spec`",
        register_item_in,
    ),
    domain(
        "item_of",
        &[p("kind", Text), p("name", Text), p("id", Text)],
        r_or_null(Item),
        "`item_in(ref(kind, name), id)`, without copying the document (prefer it: a document passed to a function is copied)",
        register_item_of,
    ),
    domain(
        "qty",
        &[p("text", Text)],
        r(Double),
        "a quantity's value in SI units (m, m/s, kg, m/s², rad, m²)",
        register_qty,
    ),
    domain(
        "qty_in",
        &[p("text", Text), p("unit", Text)],
        r(Double),
        "a quantity's value in a unit of its dimension (e.g. 'km/h')",
        register_qty_in,
    ),
    domain(
        "speed_class",
        &[p("speed", Text)],
        r_or_null(Int),
        "the nominal test-speed class in km/h (30 mph -> 48)",
        register_speed_class,
    ),
    domain(
        "speed_at_least",
        &[p("rated", Text), p("needed", Text)],
        r(Bool),
        "a rated speed covers a needed one (nominal classes compare as classes, else 1 % tolerance)",
        register_speed_at_least,
    ),
    domain(
        "achievable_speed",
        &[p("entry", Text), p("acceleration", Text), p("runUp", Text)],
        r(Text),
        "`sqrt(u² + 2as)` as a speed text in km/h, rounded up to 0.1",
        register_achievable_speed,
    ),
    domain(
        "rating",
        &[p("text", Text)],
        r(Map),
        "the crash rating in a datasheet string: `ok`, `problem`, `text`, `standard`, `massKg`, `massConfirmed`, `vehicleClass`, `speed` (text), `speedKmh`, `angleDeg`, `penetrationM`, `debrisM`, `astmVehicle`, `pRating`, `kRating`",
        register_rating,
    ),
    domain(
        "rating_for",
        &[p("text", Text), p("standard", Text)],
        r(Map),
        "as `rating`, choosing the rating of a standard when the text holds several",
        register_rating_for,
    ),
    domain(
        "martyns_tier",
        &[p("project", Map)],
        r_or_null(Text),
        "the Act's tier, `none`, `standard` or `enhanced`, from building, uses, mainUse, headcount and exclusion (null with no headcount)",
        register_martyns_tier,
    ),
    domain(
        "martyns_reason",
        &[p("project", Map)],
        r(Text),
        "why the project has that tier",
        register_martyns_reason,
    ),
    domain(
        "martyns_facts",
        &[p("project", Map)],
        r(Map),
        "what the tier rests on: `relevantUse` (s.4(2), or null), `standardOnly` (Schedule 1 keeps the premises standard), `unverified` (what the tier cannot be verified for, or null), `mainUseProblem`, `eventsExcluded`, `eventsExclusion` (why), `eventsUnverified` (Sch 2 Part 2)",
        register_martyns_facts,
    ),
    domain(
        "qualifying_event",
        &[p("eventSpec", Map), p("project", Map)],
        r(Bool),
        "the event is a qualifying public event (s.3; not held at enhanced duty premises, not excluded by Schedule 2 Part 2)",
        register_qualifying_event,
    ),
    domain(
        "nctc",
        &[p("charge", Text)],
        r_or_null(Map),
        "the NCTC stand-off card row for a charge: `description`, `capacityKg`, `capacityLb`, `mandatoryM`, `preferredM`, `mandatory`/`preferred` (texts such as \"98 m\"); null beyond the card",
        register_nctc,
    ),
    domain(
        "design_charge",
        &[p("type", Text)],
        r_or_null(Text),
        "the largest design-basis charge (as written) of the project's risk assessments for a methodology type (e.g. 'vbied')",
        register_design_charge,
    ),
    domain(
        "days_between",
        &[p("from", Text), p("to", Text)],
        r(Int),
        "days from one date to another (negative if earlier)",
        register_days_between,
    ),
    domain(
        "today",
        &[],
        r_or_null(Text),
        "the date taken as today (`--as-of`)",
        register_today,
    ),
    domain(
        "is_date",
        &[p("text", Text)],
        r(Bool),
        "the text is a valid YYYY-MM-DD date",
        register_is_date,
    ),
    domain(
        "blank",
        &[p("text", Text)],
        r(Bool),
        "the text is empty or only white space (cheaper than `matches('\\\\S')`, which compiles a regular expression at each call)",
        register_blank,
    ),
    domain(
        "matches_re",
        &[p("text", Text), p("pattern", Text)],
        r(Bool),
        "`text.matches(pattern)` with the compiled pattern kept (CEL's `matches` compiles it at every call: prefer this in rules)",
        register_matches_re,
    ),
    domain(
        "gsa_condition",
        &[p("class", Text)],
        r_or_null(Text),
        "a GSA/ISC glazing performance condition (`1` to `4`, `3a`, `3b`) as written in a class (`Condition 3b`, `PC 2`)",
        register_gsa_condition,
    ),
    domain(
        "max_of",
        &[p("numbers", List)],
        r_or_null(Double),
        "the largest number of a list (null if it has none)",
        register_max_of,
    ),
    domain(
        "min_of",
        &[p("numbers", List)],
        r_or_null(Double),
        "the smallest number of a list (null if it has none)",
        register_min_of,
    ),
    domain(
        "sum_of",
        &[p("numbers", List)],
        r(Double),
        "the numbers of a list added up (0 for a list with none; values that are not numbers are left out, so check them first)",
        register_sum_of,
    ),
];

const fn standard(
    name: &'static str,
    params: &'static [Param],
    returns: Returns,
    call: Call,
    metered: bool,
    doc: &'static str,
) -> Function {
    Function {
        name,
        params,
        optional: 0,
        returns,
        call,
        doc,
        metered,
        origin: Origin::Standard,
    }
}

const fn domain(
    name: &'static str,
    params: &'static [Param],
    returns: Returns,
    doc: &'static str,
    register: Registrar,
) -> Function {
    Function {
        name,
        params,
        optional: 0,
        returns,
        call: Call::Global,
        doc,
        metered: true,
        origin: Origin::Domain(register),
    }
}

/// Registers every domain function of the table in a project's root context.
pub fn register_all(ctx: &mut Context<'static, 'static>, data: &Arc<ProjectData>) {
    for f in FUNCTIONS {
        if let Origin::Domain(register) = f.origin {
            register(ctx, f.name, data);
        }
    }
}

// The implementations. A function's result is converted into the interpreter's values (a
// copy): the domain functions charge what they copy or walk to the evaluation's budget.

fn register_docs(ctx: &mut Context<'static, 'static>, name: &'static str, data: &Arc<ProjectData>) {
    let d = data.clone();
    let _ = ctx.add_function(name, move |kind: Arc<String>| -> Result<Value, ExecutionError> {
        let docs = d
            .docs_by_kind
            .get(kind.as_str())
            .cloned()
            .unwrap_or_else(|| Value::List(Arc::new(Vec::new())));
        budget::charge_value(&docs)?;
        Ok(docs)
    });
}

fn register_ref(ctx: &mut Context<'static, 'static>, name: &'static str, data: &Arc<ProjectData>) {
    let d = data.clone();
    let _ = ctx.add_function(
        name,
        move |kind: Arc<String>, name: Arc<String>| -> Result<Value, ExecutionError> {
            let found = named_document(&d, &kind, &name).cloned().unwrap_or(Value::Null);
            budget::charge_value(&found)?;
            Ok(found)
        },
    );
}

fn register_item_in(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |doc: Value, id: Arc<String>| -> Result<Value, ExecutionError> {
        // The document was copied into the argument.
        budget::charge_value(&doc)?;
        Ok(find_item(&doc, &id).0)
    });
}

/// Passing a whole document across CEL's function boundary copies it twice (out of `ref`, into
/// `item_in`); this finds the item where the document already is.
fn register_item_of(ctx: &mut Context<'static, 'static>, name: &'static str, data: &Arc<ProjectData>) {
    let d = data.clone();
    let _ = ctx.add_function(
        name,
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
}

fn register_qty(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, move |q: Arc<String>| -> Result<f64, ExecutionError> {
        units::parse(&q).map(|q| q.si()).map_err(|e| failed(name, e))
    });
}

fn register_qty_in(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(
        name,
        move |q: Arc<String>, unit: Arc<String>| -> Result<f64, ExecutionError> {
            let quantity = units::parse(&q).map_err(|e| failed(name, e))?;
            let target = units::UNITS
                .iter()
                .find(|u| u.symbol == unit.as_str() && u.dimension == quantity.dimension())
                .ok_or_else(|| failed(name, format!("`{unit}` is not a unit of {}", quantity.dimension())))?;
            Ok(quantity.in_unit(target))
        },
    );
}

fn register_speed_class(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |q: Arc<String>| -> Value {
        units::parse_as(&q, Dimension::Speed)
            .ok()
            .and_then(|q| speed::nominal_class(&q))
            .map_or(Value::Null, |c| Value::Int(i64::from(c)))
    });
}

fn register_speed_at_least(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(
        name,
        move |rated: Arc<String>, needed: Arc<String>| -> Result<bool, ExecutionError> {
            let parse = |t: &str| units::parse_as(t, Dimension::Speed).map_err(|e| failed(name, e));
            Ok(speed::at_least(&parse(&rated)?, &parse(&needed)?))
        },
    );
}

fn register_achievable_speed(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(
        name,
        move |entry: Arc<String>, acceleration: Arc<String>, run_up: Arc<String>| -> Result<Value, ExecutionError> {
            let parse = |t: &str, d: Dimension| units::parse_as(t, d).map_err(|e| failed(name, e));
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
}

fn register_rating(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |t: Arc<String>| -> Value { rating_of(&t, None) });
}

fn register_rating_for(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |t: Arc<String>, standard: Arc<String>| -> Value {
        rating_of(&t, rating::Standard::from_document(&standard))
    });
}

fn register_martyns_tier(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |project: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&project)?;
        Ok(assess_project(&project).tier.map_or(Value::Null, |t| text(t.as_str())))
    });
}

fn register_martyns_reason(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |project: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&project)?;
        Ok(text(assess_project(&project).reason))
    });
}

fn register_martyns_facts(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |project: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&project)?;
        Ok(martyns_facts_value(&project))
    });
}

fn register_qualifying_event(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |event: Value, project: Value| -> Result<bool, ExecutionError> {
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
    });
}

fn register_nctc(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, move |charge: Arc<String>| -> Result<Value, ExecutionError> {
        let kg = units::parse_as(&charge, Dimension::Mass)
            .map_err(|e| failed(name, e))?
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
}

fn register_design_charge(ctx: &mut Context<'static, 'static>, name: &'static str, data: &Arc<ProjectData>) {
    let d = data.clone();
    let _ = ctx.add_function(name, move |kind: Arc<String>| -> Result<Value, ExecutionError> {
        // It walks the risk assessments' methodologies.
        if let Some(assessments) = d.docs_by_kind.get("RiskAssessment") {
            budget::charge_value(assessments)?;
        }
        Ok(design_charge(&d, &kind))
    });
}

fn register_days_between(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(
        name,
        move |from: Arc<String>, to: Arc<String>| -> Result<i64, ExecutionError> {
            let parse = |t: &str| Date::parse(t).ok_or_else(|| failed(name, format!("`{t}` is not a date")));
            Ok(parse(&from)?.days_until(parse(&to)?))
        },
    );
}

fn register_today(ctx: &mut Context<'static, 'static>, name: &'static str, data: &Arc<ProjectData>) {
    let d = data.clone();
    let _ = ctx.add_function(name, move || -> Value {
        d.as_of.map_or(Value::Null, |t| text(t.to_string()))
    });
}

fn register_is_date(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |t: Arc<String>| -> bool { Date::parse(&t).is_some() });
}

/// `x.matches('\\S')` would compile a regular expression at every call.
fn register_blank(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |t: Arc<String>| -> bool { t.trim().is_empty() });
}

fn register_matches_re(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(
        name,
        move |t: Arc<String>, pattern: Arc<String>| -> Result<bool, ExecutionError> {
            cached_regex(&pattern)
                .map(|re| re.is_match(&t))
                .map_err(|e| failed(name, e))
        },
    );
}

fn register_gsa_condition(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |t: Arc<String>| -> Value {
        gsa_condition(&t).map_or(Value::Null, text)
    });
}

fn register_max_of(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |items: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&items)?;
        Ok(fold_numbers(&items, f64::max))
    });
}

fn register_min_of(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |items: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&items)?;
        Ok(fold_numbers(&items, f64::min))
    });
}

fn register_sum_of(ctx: &mut Context<'static, 'static>, name: &'static str, _: &Arc<ProjectData>) {
    let _ = ctx.add_function(name, |items: Value| -> Result<Value, ExecutionError> {
        budget::charge_value(&items)?;
        Ok(match fold_numbers(&items, |a, b| a + b) {
            Value::Null => Value::Float(0.0),
            sum => sum,
        })
    });
}

/// Ratings kept per thread: at most this many (then the memo starts again), of texts at most
/// [`RATING_MEMO_TEXT`] bytes long, so the memo's memory stays bounded whatever the documents.
const RATING_MEMO_ENTRIES: usize = 1024;
const RATING_MEMO_TEXT: usize = 256;

thread_local! {
    /// Rules parse the same rating more than once (a rule's `when` and `check`, and several
    /// rules over the same barrier): a parse runs a dozen regular expressions, a lookup none.
    static RATINGS: std::cell::RefCell<HashMap<(String, Option<&'static str>), Value>> =
        std::cell::RefCell::new(HashMap::new());
}

/// A rating as a CEL map (see [`rating_value`]), memoised (see [`RATINGS`]).
fn rating_of(text: &str, standard: Option<rating::Standard>) -> Value {
    if text.len() > RATING_MEMO_TEXT {
        return rating_value(rating::parse_rating_for(text, standard));
    }
    let key = (text.to_owned(), standard.map(rating::Standard::as_str));
    if let Some(value) = RATINGS.with_borrow(|memo| memo.get(&key).cloned()) {
        return value;
    }
    let value = rating_value(rating::parse_rating_for(text, standard));
    RATINGS.with_borrow_mut(|memo| {
        if memo.len() >= RATING_MEMO_ENTRIES {
            memo.clear();
        }
        memo.insert(key, value.clone());
    });
    value
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_memoised_within_bounds() {
        let text = "V/7500[N3]/80/90:0.4/15.4";
        let first = rating_of(text, None);
        assert_eq!(rating_of(text, None), first);
        assert!(RATINGS.with_borrow(|memo| memo.contains_key(&(text.to_owned(), None))));
        for i in 0..=RATING_MEMO_ENTRIES {
            let _ = rating_of(&format!("V/{i}[N3]/48/90:0"), None);
        }
        assert!(RATINGS.with_borrow(HashMap::len) <= RATING_MEMO_ENTRIES);
        let long = "x".repeat(RATING_MEMO_TEXT + 1);
        let _ = rating_of(&long, None);
        assert!(!RATINGS.with_borrow(|memo| memo.contains_key(&(long.clone(), None))));
        // A memoised answer is the parse's.
        assert_eq!(
            rating_of(text, None),
            rating_value(rating::parse_rating_for(text, None))
        );
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
}
