//! Bounded evaluation: every expression runs within a budget of steps, and every rule within a
//! budget over one document, so no expression from a pack (a pack from disk included) can take
//! minutes or gigabytes.
//!
//! CEL (crate `cel`) has no step limit of its own, so the compiled program is instrumented
//! (see [`instrument`]): every place where the interpreter copies or walks a value of unbounded
//! size is wrapped in a call to an internal overload that charges the value's size to a
//! thread-local meter before the interpreter goes on, and fails the evaluation once the budget
//! is spent:
//!
//! - each iteration of a comprehension (the element is copied into the loop variable: its deep
//!   size, charged as it is visited, so `exists()` stops paying when it stops);
//! - the result of `+` (a new string or list), and each element of a list or map literal (a
//!   copy of the value, `map()`'s results included);
//! - the operands of `==`, `!=` (a deep comparison), the ordering operators (a string
//!   comparison) and the right of `in` (a list scanned);
//! - every argument and receiver of a function (a string matched, a value converted), and the
//!   values the domain functions copy.
//!
//! Between two charges the interpreter does a bounded amount of work (at most the expression's
//! size), so time and memory are both proportional to the steps charged. The source is also
//! checked before it reaches the parser: CEL's parser and interpreter recurse once per level of
//! nesting, so a long chain (`self.a.a.a…`, `1 + 1 + …`) would overflow the stack
//! ([`guard_source`]).

use std::cell::Cell;

use cel::common::ast::{CallExpr, ComprehensionExpr, EntryExpr, Expr, IdedExpr, ListExpr, operators};
use cel::common::types::{CelBytes, CelList, CelMap, CelString};
use cel::common::value::{CowVal, Val};
use cel::{Env, ExecutionError, Value};

/// Steps one evaluation of one expression may take. A step copies or visits at most one value
/// (or 32 bytes of a string), so this also bounds the memory one evaluation holds.
pub const EVALUATION_STEPS: u64 = 1_000_000;

/// Steps one rule may take on one document, over all its selected values.
pub const RULE_STEPS: u64 = 10_000_000;

/// The most operator characters an expression may have (`.`, `+`, brackets, commas...): each
/// level of nesting takes one, and the parser and the interpreter recurse once per level.
/// Measured (`tests::chain_on_stack`): in a debug build, the worst shapes (`1 + 1 + …`,
/// `x[0][0]…`, `1 < 1 < …`) overflow a 2 MiB stack (rayon's workers) past about 475 operators
/// (the parser alone past 2,750), and 250 overflow 1 MiB; so 200, with a margin of more than
/// two. The built-in packs' longest expression has 80.
pub const MAX_OPERATORS: usize = 200;

/// Bytes of a string that count as one step.
const STRING_STEP_BYTES: usize = 32;

thread_local! {
    static EVALUATION_LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static RULE_LEFT: Cell<u64> = const { Cell::new(u64::MAX) };
    static EXCEEDED: Cell<bool> = const { Cell::new(false) };
}

/// The error an evaluation stops with when its budget is spent (callers test [`exceeded`], as
/// CEL may absorb an error: `error || true` is `true`).
fn breach() -> ExecutionError {
    super::functions::FnError::OverBudget.to_cel("budget")
}

/// Charges `cost` steps; fails once the expression's or the rule's budget is spent.
pub fn charge(cost: u64) -> Result<(), ExecutionError> {
    let evaluation = EVALUATION_LEFT.get();
    let rule = RULE_LEFT.get();
    if EXCEEDED.get() || cost > evaluation || cost > rule {
        EXCEEDED.set(true);
        EVALUATION_LEFT.set(0);
        RULE_LEFT.set(rule.saturating_sub(cost));
        return Err(breach());
    }
    EVALUATION_LEFT.set(evaluation - cost);
    RULE_LEFT.set(rule - cost);
    Ok(())
}

/// The steps left before the budget is spent (a size need not be counted past it).
fn left() -> u64 {
    EVALUATION_LEFT.get().min(RULE_LEFT.get())
}

/// Whether the current evaluation spent its budget.
#[must_use]
pub fn exceeded() -> bool {
    EXCEEDED.get()
}

/// Starts one expression's evaluation: a fresh expression budget (the rule's goes on).
pub fn start_evaluation() {
    EVALUATION_LEFT.set(EVALUATION_STEPS);
    EXCEEDED.set(false);
}

/// The budget of one rule on one document, for as long as the guard lives (nested guards
/// restore the outer budget).
pub struct RuleBudget {
    outer: u64,
}

impl RuleBudget {
    #[must_use]
    pub fn start() -> Self {
        let outer = RULE_LEFT.get();
        RULE_LEFT.set(RULE_STEPS);
        Self { outer }
    }

    /// Whether the rule has spent its budget on this document.
    #[must_use]
    pub fn spent(&self) -> bool {
        RULE_LEFT.get() == 0
    }
}

impl Drop for RuleBudget {
    fn drop(&mut self) {
        RULE_LEFT.set(self.outer);
    }
}

/// A string's steps.
fn string_steps(len: usize) -> u64 {
    1 + (len / STRING_STEP_BYTES) as u64
}

/// The deep size of a value in steps, counted no further than `cap`.
fn deep_size(value: &dyn Val, cap: u64) -> u64 {
    let mut total: u64 = 0;
    let mut stack: Vec<&dyn Val> = vec![value];
    while let Some(value) = stack.pop() {
        if let Some(s) = value.downcast_ref::<CelString<'_>>() {
            total += string_steps(s.inner().len());
        } else if let Some(b) = value.downcast_ref::<CelBytes<'_>>() {
            total += string_steps(b.inner().len());
        } else if let Some(list) = value.downcast_ref::<CelList<'_>>() {
            total += 1;
            stack.extend(list.inner().iter().map(AsRef::as_ref));
        } else if let Some(map) = value.downcast_ref::<CelMap<'_>>() {
            total += 1 + map.inner().len() as u64;
            stack.extend(map.inner().values().map(AsRef::as_ref));
        } else {
            total += 1;
        }
        if total > cap {
            break;
        }
    }
    total
}

/// The size of a value's top level in steps (a list's or map's length, a string's bytes).
fn top_size(value: &dyn Val) -> u64 {
    if let Some(s) = value.downcast_ref::<CelString<'_>>() {
        string_steps(s.inner().len())
    } else if let Some(b) = value.downcast_ref::<CelBytes<'_>>() {
        string_steps(b.inner().len())
    } else if let Some(list) = value.downcast_ref::<CelList<'_>>() {
        1 + list.inner().len() as u64
    } else if let Some(map) = value.downcast_ref::<CelMap<'_>>() {
        1 + map.inner().len() as u64
    } else {
        1
    }
}

/// The deep size of a converted value ([`Value`]), counted no further than `cap`.
fn value_size(value: &Value, cap: u64) -> u64 {
    let mut total: u64 = 0;
    let mut stack: Vec<&Value> = vec![value];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(s) => total += string_steps(s.len()),
            Value::Bytes(b) => total += string_steps(b.len()),
            Value::List(items) => {
                total += 1;
                stack.extend(items.iter());
            }
            Value::Map(map) => {
                total += 1 + map.map.len() as u64;
                stack.extend(map.map.values());
            }
            _ => total += 1,
        }
        if total > cap {
            break;
        }
    }
    total
}

/// Charges the deep size of a value a domain function copies (an argument or its result).
pub fn charge_value(value: &Value) -> Result<(), ExecutionError> {
    charge(value_size(value, left()))
}

const DEEP: &str = "@budget_deep";
const TOP: &str = "@budget_top";
const CONTAINER: &str = "@budget_container";
const EACH: &str = "@budget_each";
const WITH: &str = "@budget_with";

fn single<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    match (args.pop(), args.is_empty()) {
        (Some(value), true) => Ok(value),
        _ => Err(ExecutionError::function_error("budget", "one argument expected")),
    }
}

/// Charges the deep size of its argument and returns it as it is (borrowed: nothing copied).
fn charge_deep<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = single(args)?;
    charge(deep_size(value.as_ref(), left()))?;
    Ok(value)
}

/// Charges the top-level size of its argument and returns it as it is.
fn charge_top<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = single(args)?;
    charge(top_size(value.as_ref()))?;
    Ok(value)
}

/// The right of `in`: a list is scanned (its deep size), a map looked up (one step).
fn charge_container<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = single(args)?;
    let cost = if value.downcast_ref::<CelMap<'_>>().is_some() {
        1
    } else {
        deep_size(value.as_ref(), left())
    };
    charge(cost)?;
    Ok(value)
}

/// One iteration of a comprehension: charges the deep size of the loop variable's value (the
/// interpreter copied it in) and gives `true`.
fn charge_each<'b, 'v>(args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let value = single(args)?;
    charge(deep_size(value.as_ref(), left()))?;
    Ok(CowVal::Borrowed(&cel::common::types::CelBool::TRUE))
}

/// One iteration of `map()`: charges the loop variable's value and the element made, and gives
/// the element.
fn charge_with<'b, 'v>(mut args: Vec<CowVal<'b, 'v>>) -> Result<CowVal<'b, 'v>, ExecutionError> {
    let (Some(element), Some(each), true) = (args.pop(), args.pop(), args.is_empty()) else {
        return Err(ExecutionError::function_error("budget", "two arguments expected"));
    };
    charge(deep_size(each.as_ref(), left()))?;
    charge(deep_size(element.as_ref(), left()))?;
    Ok(element)
}

/// Declares the internal overloads the instrumented programs call. Their names start with `@`,
/// which no CEL source can spell.
pub fn declare(env: &mut Env) {
    for (name, op) in [
        (DEEP, charge_deep as cel::common::functions::Function),
        (TOP, charge_top),
        (CONTAINER, charge_container),
        (EACH, charge_each),
    ] {
        // Declared once, on a fresh environment: a conflict is impossible.
        let _ = env.add_overload(name, &format!("{name}_dyn"), vec![cel::common::types::DYN_TYPE], op);
    }
    let _ = env.add_overload(
        WITH,
        "@budget_with_dyn_dyn",
        vec![cel::common::types::DYN_TYPE, cel::common::types::DYN_TYPE],
        charge_with,
    );
}

/// A literal, or a list of literals: its size is the expression's, so it needs no charge (and
/// nor does comparing with it, which costs at most its size).
fn is_constant(expr: &IdedExpr) -> bool {
    match &expr.expr {
        Expr::Literal(_) => true,
        Expr::List(list) => list.elements.iter().all(|e| matches!(e.expr, Expr::Literal(_))),
        _ => false,
    }
}

/// `expr` charged by `meter`, unless it is a constant.
fn wrap(meter: &str, expr: IdedExpr) -> IdedExpr {
    if is_constant(&expr) {
        return expr;
    }
    IdedExpr {
        id: expr.id,
        expr: Expr::Call(CallExpr {
            func_name: meter.to_owned(),
            target: None,
            args: vec![expr],
        }),
    }
}

/// The program with its charges (see the module's documentation). Its depth is bounded by
/// [`guard_source`], so the recursion is too.
#[must_use]
pub fn instrument(expr: &IdedExpr) -> IdedExpr {
    let id = expr.id;
    let node = match &expr.expr {
        Expr::Call(call) => Expr::Call(instrument_call(call)),
        Expr::Comprehension(c) => Expr::Comprehension(Box::new(ComprehensionExpr {
            // Each element is charged as it is copied into the loop variable (see
            // `instrument_step`), so a loop that stops early pays only for what it visited.
            iter_range: wrap(TOP, instrument(&c.iter_range)),
            iter_var: c.iter_var.clone(),
            iter_var2: c.iter_var2.clone(),
            accu_var: c.accu_var.clone(),
            accu_init: instrument(&c.accu_init),
            loop_cond: instrument(&c.loop_cond),
            loop_step: instrument_step(&c.loop_step, &c.accu_var, &c.iter_var),
            result: instrument(&c.result),
        })),
        Expr::List(list) => Expr::List(ListExpr {
            elements: list.elements.iter().map(|e| wrap(DEEP, instrument(e))).collect(),
            optional_indices: list.optional_indices.clone(),
        }),
        Expr::Map(map) => {
            let mut map = map.clone();
            for entry in &mut map.entries {
                if let EntryExpr::MapEntry(e) = &mut entry.expr {
                    e.key = wrap(DEEP, instrument(&e.key));
                    e.value = wrap(DEEP, instrument(&e.value));
                }
            }
            Expr::Map(map)
        }
        Expr::Select(select) => {
            let mut select = select.clone();
            select.operand = Box::new(instrument(&select.operand));
            Expr::Select(select)
        }
        other => other.clone(),
    };
    IdedExpr { id, expr: node }
}

fn instrument_call(call: &CallExpr) -> CallExpr {
    let name = call.func_name.as_str();
    let args: Vec<IdedExpr> = call.args.iter().map(instrument).collect();
    let target = call.target.as_deref().map(instrument);
    let binary = args.len() == 2 && target.is_none();
    let args = match name {
        operators::ADD if binary => {
            // The sum is a new value: charged once made (it is at most its operands' size).
            return CallExpr {
                func_name: DEEP.to_owned(),
                target: None,
                args: vec![IdedExpr {
                    id: call.args[0].id,
                    expr: Expr::Call(CallExpr {
                        func_name: call.func_name.clone(),
                        target: None,
                        args,
                    }),
                }],
            };
        }
        // Comparing with a constant costs at most the constant's size.
        _ if binary && call.args.iter().any(is_constant) && is_comparison(name) => args,
        operators::EQUALS | operators::NOT_EQUALS if binary => meter_first(args, DEEP),
        operators::LESS | operators::LESS_EQUALS | operators::GREATER | operators::GREATER_EQUALS if binary => {
            meter_first(args, TOP)
        }
        operators::IN if binary => {
            let mut args = args;
            if let Some(container) = args.pop() {
                args.push(wrap(CONTAINER, container));
            }
            args
        }
        _ if name.starts_with('_') || name.starts_with('@') || name.starts_with('!') => args,
        // The functions the table says neither walk nor copy their arguments (`size`, `type`).
        _ if !super::functions::metered(name) => args,
        _ => args.into_iter().map(|a| wrap(TOP, a)).collect(),
    };
    let meter_target = !(name.starts_with('_') || name.starts_with('@')) && super::functions::metered(name);
    CallExpr {
        func_name: call.func_name.clone(),
        target: target.map(|t| Box::new(if meter_target { wrap(TOP, t) } else { t })),
        args,
    }
}

fn is_comparison(name: &str) -> bool {
    [
        operators::EQUALS,
        operators::NOT_EQUALS,
        operators::LESS,
        operators::LESS_EQUALS,
        operators::GREATER,
        operators::GREATER_EQUALS,
        operators::IN,
    ]
    .contains(&name)
}

fn meter_first(args: Vec<IdedExpr>, meter: &str) -> Vec<IdedExpr> {
    let mut args = args.into_iter();
    let first = args.next().map(|a| wrap(meter, a));
    first.into_iter().chain(args).collect()
}

/// A comprehension's step keeps the shape the interpreter recognises for `map()` and `filter()`
/// (`@result + [e]`, maybe under `cond ? … : @result`), which it runs without copying the
/// accumulator: only `e` and `cond` are instrumented (and `e` charged, as it is copied).
fn instrument_step(step: &IdedExpr, accu: &str, each: &str) -> IdedExpr {
    let is_accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(name) if name == accu);
    let id = step.id;
    let make = |func: &str, args: Vec<IdedExpr>| IdedExpr {
        id,
        expr: Expr::Call(CallExpr {
            func_name: func.to_owned(),
            target: None,
            args,
        }),
    };
    let each_var = || IdedExpr {
        id,
        expr: Expr::Ident(each.to_owned()),
    };
    // `@budget_each(x) && e`: charges the iteration, then is `e` (errors included).
    let charged = |e: IdedExpr| make(operators::LOGICAL_AND, vec![make(EACH, vec![each_var()]), e]);
    let append = |e: &IdedExpr| -> Option<IdedExpr> {
        let Expr::Call(call) = &e.expr else { return None };
        match call.args.as_slice() {
            [lhs, rhs] if call.func_name == operators::ADD && call.target.is_none() && is_accu(lhs) => {
                let Expr::List(list) = &rhs.expr else { return None };
                Some(IdedExpr {
                    id: e.id,
                    expr: Expr::Call(CallExpr {
                        func_name: call.func_name.clone(),
                        target: None,
                        args: vec![
                            lhs.clone(),
                            IdedExpr {
                                id: rhs.id,
                                expr: Expr::List(ListExpr {
                                    elements: list
                                        .elements
                                        .iter()
                                        .map(|x| make(WITH, vec![each_var(), instrument(x)]))
                                        .collect(),
                                    optional_indices: list.optional_indices.clone(),
                                }),
                            },
                        ],
                    }),
                })
            }
            _ => None,
        }
    };
    if let Some(appended) = append(step) {
        return appended;
    }
    if let Expr::Call(call) = &step.expr
        && call.func_name == operators::CONDITIONAL
        && call.target.is_none()
        && let [guard, then, otherwise] = call.args.as_slice()
        && is_accu(otherwise)
        && let Some(appended) = append(then)
    {
        return IdedExpr {
            id: step.id,
            expr: Expr::Call(CallExpr {
                func_name: call.func_name.clone(),
                target: None,
                args: vec![charged(instrument(guard)), appended, otherwise.clone()],
            }),
        };
    }
    // `all()` / `exists()`: `@result && e` / `@result || e`, a shape the interpreter folds.
    if let Expr::Call(c) = &step.expr
        && (c.func_name == operators::LOGICAL_AND || c.func_name == operators::LOGICAL_OR)
        && c.target.is_none()
        && let [result, e] = c.args.as_slice()
        && is_accu(result)
    {
        return make(&c.func_name, vec![result.clone(), charged(instrument(e))]);
    }
    // Any other step (`exists_one()`): charged before it runs.
    make(
        operators::CONDITIONAL,
        vec![
            make(EACH, vec![each_var()]),
            instrument(step),
            IdedExpr {
                id,
                expr: Expr::Ident(accu.to_owned()),
            },
        ],
    )
}

/// Operator characters: each level of nesting in an expression takes at least one.
fn is_operator(c: char) -> bool {
    matches!(
        c,
        '.' | '[' | '(' | '{' | ',' | '+' | '-' | '*' | '/' | '%' | '<' | '>' | '=' | '!' | '?' | ':' | '&' | '|'
    )
}

/// The byte offset of the first operator past the limit, if the source has more than
/// [`MAX_OPERATORS`]. Every character is counted, inside string literals too, so nothing can
/// be hidden from the count by a quoting the parser reads differently.
#[must_use]
pub fn guard_source(source: &str) -> Option<usize> {
    source
        .char_indices()
        .filter(|(_, c)| is_operator(*c))
        .nth(MAX_OPERATORS)
        .map(|(i, _)| i)
}

#[cfg(test)]
mod tests {
    use crate::rules::expr;

    /// The shapes CEL's grammar nests without bound (left-recursive rules: member selections,
    /// calls and indexes; arithmetic; comparisons), and nested macros, brackets and
    /// parentheses (which the parser limits itself), about `n` operators long.
    fn chains(n: usize) -> Vec<String> {
        vec![
            format!("self{}", ".a".repeat(n)),
            format!("1{}", " + 1".repeat(n)),
            format!("self{}", "[0]".repeat(n)),
            format!("'a'{}", ".size()".repeat(n / 2)),
            format!("1{}", " < 1".repeat(n)),
            format!("1{}", " * 1".repeat(n)),
            format!("{}true{}", "[1].exists(x, ".repeat(n / 4), ")".repeat(n / 4)),
            format!("{}1{}", "(1 + ".repeat(n / 2), ")".repeat(n / 2)),
            format!("{}1{}", "[".repeat(n), "]".repeat(n)),
        ]
    }

    /// Compiles and evaluates; false if it does not compile.
    fn run(source: &str) -> bool {
        let Ok(compiled) = expr::compile(source) else {
            return false;
        };
        let ctx = expr::project_context(expr::ProjectData::default());
        let bindings = expr::Bindings {
            self_: cel::Value::Null,
            doc: cel::Value::Null,
            item: cel::Value::Null,
            project: cel::Value::Null,
            stage: None,
        };
        let _ = expr::eval(&compiled, &ctx, &bindings);
        true
    }

    /// The measurement behind `MAX_OPERATORS`: one shape, length and stack per process, as an
    /// overflow aborts it (`STANDOFF_CHAIN=1,475,2048 STANDOFF_PHASE=parse|full`).
    #[test]
    #[ignore = "a measurement, run by hand"]
    #[allow(clippy::print_stderr, reason = "a measurement prints its result")]
    fn chain_on_stack() {
        let spec = std::env::var("STANDOFF_CHAIN").unwrap_or_default();
        let parts: Vec<usize> = spec.split(',').filter_map(|p| p.parse().ok()).collect();
        let [shape, n, kib] = parts[..] else { return };
        let source = chains(n)[shape].clone();
        let parse_only = std::env::var("STANDOFF_PHASE").is_ok_and(|p| p == "parse");
        let ok = std::thread::Builder::new()
            .stack_size(kib << 10)
            .spawn(move || {
                if parse_only {
                    cel::Env::stdlib().compile(&source).is_ok()
                } else {
                    run(&source)
                }
            })
            .unwrap()
            .join()
            .unwrap();
        eprintln!("RESULT {ok}");
    }

    #[test]
    fn deep_chains_stay_on_the_stack() {
        // At the limit, every shape compiles (or is refused by the parser's own nesting limit)
        // and runs on a 2 MiB stack, a rayon worker's: an overflow would abort this test.
        for source in chains(super::MAX_OPERATORS) {
            let head: String = source.chars().take(16).collect();
            let ran = std::thread::Builder::new()
                .stack_size(2 << 20)
                .spawn(move || run(&source))
                .unwrap()
                .join();
            assert!(ran.is_ok(), "{head}…");
        }
        // Past it, a located error before the parser sees the text, for every shape.
        for source in chains(super::MAX_OPERATORS * 50) {
            let e = expr::compile(&source).unwrap_err();
            assert!(e.message.contains("too long or too deeply nested"), "{}", e.message);
            assert!(e.offset > 0 && e.offset < source.len());
        }
        let chain = |n: usize| format!("self{}", ".a".repeat(n));
        assert!(expr::compile(&chain(super::MAX_OPERATORS)).is_ok());
        assert!(expr::compile(&chain(super::MAX_OPERATORS + 1)).is_err());
    }

    fn outcome(source: &str, self_: &serde_json::Value) -> expr::ExprOutcome {
        let compiled = expr::compile(source).unwrap();
        let ctx = expr::project_context(expr::ProjectData::default());
        let bindings = expr::Bindings {
            self_: expr::to_cel(self_),
            doc: cel::Value::Null,
            item: cel::Value::Null,
            project: cel::Value::Null,
            stage: None,
        };
        let _rule = super::RuleBudget::start();
        expr::eval_bool(&compiled, &ctx, &bindings)
    }

    #[test]
    fn quadratic_work_spends_the_budget() {
        let items: Vec<serde_json::Value> = (0..3_000).map(|i| serde_json::json!({"id": format!("x{i}")})).collect();
        let list = serde_json::Value::Array(items);
        // A scan is linear, within the budget.
        assert_eq!(
            outcome("self.exists(a, a.id == 'x2999')", &list),
            expr::ExprOutcome::True
        );
        assert_eq!(
            outcome("size(self.map(a, a.id)) == 3000", &list),
            expr::ExprOutcome::True
        );
        // Every quadratic shape is stopped: nested comprehensions, a scan with `in` inside a
        // loop, copies made in a loop, deep comparisons in a loop, strings built in a loop.
        for source in [
            "size(self.map(a, self.map(b, [a, b]))) > 0",
            "self.all(a, self.exists(b, b.id == a.id))",
            "self.all(a, a in self)",
            "self.all(a, size([self, self]) == 2)",
            "self.all(a, self == self)",
            "self.all(a, size(self + self) > 0)",
            "self.all(a, string(self.map(b, b.id)) != '')",
        ] {
            assert_eq!(outcome(source, &list), expr::ExprOutcome::OverBudget, "{source}");
        }
        // A long string matched in a loop.
        let text = serde_json::json!({"s": "a".repeat(200_000), "xs": (0..2_000).collect::<Vec<_>>()});
        assert_eq!(
            outcome("self.xs.all(x, self.s.contains('b') == false)", &text),
            expr::ExprOutcome::OverBudget
        );
    }
}
