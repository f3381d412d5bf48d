//! Evaluating compiled rules over a tree: stage semantics, predicates, built-in integrity
//! checks and cross-document references. Pure: documents and rules in, findings out.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use serde_json::Value;

use super::expr::{self, ExprOutcome, ProjectData};
use super::fields::ref_fields;
use super::select::Target;
use super::template::Placeholder;
use super::{Binding, Bound, Builtin, DateBound, Locate, Predicate, RefSpec, Rule, RuleSet, RuleStage};
use crate::date::Date;
use crate::model::document::Kind;
use crate::model::finding::{Finding, Severity};
use crate::model::index::TreeIndex;
use crate::model::project::ProjectModel;
use crate::model::source::{DesignDocument, SourceFile};
use crate::schema::{Schemas, missing_anchor};
use crate::stage::Stage;
use crate::text::{COMPUTED_MAX_CHARS, did_you_mean, quote, quote_up_to};
use crate::units;
use crate::yaml::{Node, Span};

/// How rules are judged.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    /// Also evaluate the rules due at the next stage, reported as info.
    pub lookahead: bool,
    /// "Today" for every date comparison.
    pub as_of: Option<Date>,
    /// Config settings rules and packs read (e.g. `martyns-law.commencement`).
    pub settings: BTreeMap<String, String>,
    /// The review gate at the end of this stage: every rule due by then at its own severity.
    pub gate: Option<Stage>,
    /// Evaluate only this rule (a rule's own tests).
    pub only: Option<String>,
    /// Only findings in these files will be reported (the pre-commit case): a rule's finding is
    /// located in the document it reads, so rules are evaluated on these files' documents only
    /// (the rest of the tree is still their context).
    pub report_only: Option<std::collections::HashSet<crate::model::finding::FileId>>,
}

impl EvalOptions {
    /// Whether findings in document `d` can be reported (see `report_only`).
    fn reports(&self, tree: &Tree<'_>, d: usize) -> bool {
        self.report_only
            .as_ref()
            .is_none_or(|only| only.contains(&tree.documents[d].file))
    }
}

/// The tree, as the rules see it.
#[derive(Clone, Copy)]
pub struct Tree<'a> {
    pub documents: &'a [DesignDocument],
    pub files: &'a [SourceFile],
    pub projects: &'a ProjectModel,
    pub index: &'a TreeIndex,
    pub schemas: &'a Schemas,
}

/// A three-valued result: a predicate may not apply (the value it reads is not there).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Pass,
    Fail,
    NotApplicable,
}

/// The severity a rule reports at for a project, and the note that says why, or `None` when
/// the rule is not due.
fn applicability(rule: &Rule, stage: Option<Stage>, options: &EvalOptions) -> Option<(Severity, String)> {
    let RuleStage::Due(due) = rule.stage else {
        return Some((rule.severity, String::new()));
    };
    if let Some(gate) = options.gate {
        return (due <= gate).then(|| (rule.severity, String::new()));
    }
    let stage = stage?;
    if stage > due {
        Some((rule.severity, String::new()))
    } else if stage == due {
        Some((
            rule.severity.min(Severity::Warning),
            format!(" (due by the end of stage {})", due.number()),
        ))
    } else if options.lookahead && stage.next() == Some(due) {
        Some((
            Severity::Info,
            format!(" (due by the end of stage {}; shown by --lookahead)", due.number()),
        ))
    } else {
        None
    }
}

/// Whether a rule due at `rule_stage` reports at all for a project at `stage` (as
/// [`applicability`] judges it): a waiver of a rule that is not due waives nothing yet, and is
/// not idle.
#[must_use]
pub fn is_due(rule_stage: RuleStage, stage: Option<Stage>, lookahead: bool, gate: Option<Stage>) -> bool {
    let RuleStage::Due(due) = rule_stage else {
        return true;
    };
    if let Some(gate) = gate {
        return due <= gate;
    }
    stage.is_some_and(|stage| stage >= due || (lookahead && stage.next() == Some(due)))
}

/// Whether a jurisdiction matches a pattern (`GB-ENG`, `GB-*`, `*`).
fn jurisdiction_matches(pattern: &str, jurisdiction: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => jurisdiction.starts_with(prefix),
        None => pattern == jurisdiction,
    }
}

/// Evaluates every rule over the tree.
#[must_use]
pub fn evaluate(rules: &RuleSet, tree: &Tree<'_>, options: &EvalOptions) -> Vec<Finding> {
    evaluate_with_coverage(rules, tree, options).findings
}

/// Findings, and which rules judged anything.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// The ids of the rules that reached a pass or a fail on at least one selected value: a
    /// rule absent here found nothing to judge (the gate says "not applicable", not "met").
    pub judged: std::collections::BTreeSet<String>,
}

/// Evaluates every rule over the tree, and says which rules judged anything.
#[must_use]
pub fn evaluate_with_coverage(rules: &RuleSet, tree: &Tree<'_>, options: &EvalOptions) -> Evaluation {
    let selected: Vec<&Rule> = rules
        .rules
        .iter()
        .filter(|r| options.only.as_deref().is_none_or(|only| r.id == only))
        .collect();
    let per_project: Vec<(Vec<Finding>, Vec<usize>)> = (0..tree.projects.projects.len())
        .into_par_iter()
        .filter(|&p| {
            Kind::ALL.iter().any(|&kind| {
                tree.index.projects[p]
                    .of_kind(kind)
                    .iter()
                    .any(|&d| options.reports(tree, d))
            })
        })
        .map(|p| evaluate_project(rules, &selected, tree, options, p))
        .collect();
    let mut evaluation = Evaluation::default();
    for (findings, judged) in per_project {
        evaluation.findings.extend(findings);
        evaluation
            .judged
            .extend(judged.into_iter().filter_map(|i| selected.get(i)).map(|r| r.id.clone()));
    }
    for rule in &selected {
        if let Predicate::Builtin(builtin) = rule.check {
            evaluation
                .findings
                .extend(builtin_findings(rule, builtin, tree, options));
            // A tree-wide integrity check judges every document of its kinds.
            if tree.documents.iter().any(|d| rule.kinds.contains(&d.kind)) {
                evaluation.judged.insert(rule.id.clone());
            }
        }
    }
    evaluation
}

fn project_spec<'a>(tree: &Tree<'a>, p: usize) -> Option<&'a Value> {
    let project = tree.projects.projects.get(p)?;
    tree.documents.get(project.document)?.yaml.value.get("spec")
}

/// A project's findings, and the indexes (in `selected`) of the rules that judged anything.
fn evaluate_project(
    rules: &RuleSet,
    selected: &[&Rule],
    tree: &Tree<'_>,
    options: &EvalOptions,
    p: usize,
) -> (Vec<Finding>, Vec<usize>) {
    let mut findings = Vec::new();
    let mut judged = Vec::new();
    let Some(project) = tree.projects.projects.get(p) else {
        return (findings, judged);
    };
    let stage = project.stage;
    let docs = &tree.index.projects[p];
    let spec = project_spec(tree, p);
    let jurisdiction = spec
        .and_then(|s| s.get("jurisdiction"))
        .and_then(Value::as_str)
        .unwrap_or_default();
    let stage_rules = selected
        .iter()
        .any(|r| matches!(r.stage, RuleStage::Due(_)) && !matches!(r.check, Predicate::Builtin(_)));
    if stage.is_none()
        && options.gate.is_none()
        && stage_rules
        && let Some(doc) = tree.documents.get(project.document)
    {
        findings.push(
                Finding::new(
                    "CORE-PROJECT",
                    Severity::Warning,
                    doc.file,
                    format!(
                        "the stage-dependent rules of project `{}` did not run: its Project document does not pass its schema",
                        quote(&project.name)
                    ),
                )
                .at(doc.yaml.pointer("/kind").map_or(Span::at(doc.yaml.start), |k| k.span()))
                .in_document(doc.index, "/spec/stage")
                .label("fix this document first")
                .help("fix the Project's schema errors; then every rule due by its stage runs"),
            );
    }
    // CEL values of the project's documents, converted once.
    let mut docs_by_kind: HashMap<String, cel::Value> = HashMap::new();
    let mut cel_docs: HashMap<usize, cel::Value> = HashMap::new();
    if selected.iter().any(|r| rule_uses_cel(r)) {
        for kind in Kind::ALL {
            let list: Vec<cel::Value> = docs
                .of_kind(kind)
                .iter()
                .map(|&d| {
                    let v = expr::to_cel(&tree.documents[d].yaml.value);
                    cel_docs.insert(d, v.clone());
                    v
                })
                .collect();
            docs_by_kind.insert(kind.name().to_owned(), cel::Value::List(std::sync::Arc::new(list)));
        }
    }
    let data = ProjectData {
        docs_by_kind,
        as_of: options.as_of,
    };
    let mut ctx = expr::project_context(data);
    expr::bind_project(
        &mut ctx,
        spec.map_or(cel::Value::Null, expr::to_cel),
        stage.map(Stage::number),
    );
    // The kinds of the rules that look items up by id: their documents get `byId`, built once.
    let by_id_kinds: Vec<Kind> = selected
        .iter()
        .filter(|r| rule_mentions(r, expr::BY_ID))
        .flat_map(|r| r.kinds.iter().copied())
        .collect();
    // One scope per document with `doc` bound, shared by every rule that reads the document.
    let doc_scopes: HashMap<usize, cel::Context<'_, 'static>> = cel_docs
        .into_iter()
        .filter(|&(d, _)| options.reports(tree, d))
        .map(|(d, value)| {
            let mut scope = ctx.new_inner_scope();
            expr::bind_document(&mut scope, value);
            let document = &tree.documents[d];
            if by_id_kinds.contains(&document.kind) {
                expr::bind_by_id(&mut scope, expr::by_id(&document.yaml.value));
            }
            (d, scope)
        })
        .collect();
    for (rule_index, rule) in selected.iter().enumerate() {
        if matches!(rule.check, Predicate::Builtin(_)) {
            continue;
        }
        if !rule.jurisdictions.is_empty() && !rule.jurisdictions.iter().any(|j| jurisdiction_matches(j, jurisdiction)) {
            continue;
        }
        let pack = rules.pack_of(rule);
        if let Some(pack) = pack
            && !pack.jurisdictions.is_empty()
            && !pack.jurisdictions.iter().any(|j| jurisdiction_matches(j, jurisdiction))
        {
            continue;
        }
        let Some((mut severity, mut note)) = applicability(rule, stage, options) else {
            continue;
        };
        if let Some(commencement) = pack.and_then(|p| p.commencement.as_ref()) {
            let commenced = options
                .settings
                .get(&commencement.setting)
                .and_then(|d| Date::parse(d))
                .zip(options.as_of)
                .is_some_and(|(date, today)| today >= date);
            if !commenced && severity > Severity::Warning {
                severity = Severity::Warning;
                note = format!("{note} ({})", commencement.note);
            }
        }
        // A voluntary standard binds only a project that says it adopts it.
        if let Some(adoption) = pack.and_then(|p| p.adoption.as_ref()) {
            let adopted = spec.and_then(|s| s.pointer(&adoption.field)) == Some(&Value::Bool(true));
            if !adopted && severity > Severity::Warning {
                severity = Severity::Warning;
                note = format!("{note} ({})", adoption.note);
            }
        }
        for kind in &rule.kinds {
            for &d in docs.of_kind(*kind) {
                if !options.reports(tree, d) {
                    continue;
                }
                let scope = Scope {
                    tree,
                    ctx: doc_scopes.get(&d).unwrap_or(&ctx),
                    project: p,
                    stage,
                    doc_index: d,
                    as_of: options.as_of,
                    lets: &rule.lets,
                    memo: std::cell::RefCell::default(),
                };
                let (found, judged_here) = evaluate_rule_on_document(rule, &scope, severity, &note);
                findings.extend(found);
                if judged_here && judged.last() != Some(&rule_index) {
                    judged.push(rule_index);
                }
            }
        }
    }
    (findings, judged)
}

fn predicate_uses_cel(p: &Predicate) -> bool {
    match p {
        Predicate::Expr(_) => true,
        Predicate::All(ps) | Predicate::Any(ps) => ps.iter().any(predicate_uses_cel),
        Predicate::Not(p) => predicate_uses_cel(p),
        _ => false,
    }
}

/// Whether any of a rule's expressions mentions `word` (an over-estimate: the text is searched).
fn rule_mentions(rule: &Rule, word: &str) -> bool {
    fn predicate(p: &Predicate, word: &str) -> bool {
        match p {
            Predicate::Expr(e) => e.source.contains(word),
            Predicate::All(ps) | Predicate::Any(ps) => ps.iter().any(|p| predicate(p, word)),
            Predicate::Not(p) => predicate(p, word),
            _ => false,
        }
    }
    let template = |t: &super::Template| {
        t.parts
            .iter()
            .any(|p| matches!(p, super::template::Part::Expr(e) if e.source.contains(word)))
    };
    // A `let` binding (the rule's or its pack's) is an expression too: `byId` read only there
    // must still be bound.
    rule.lets.iter().any(|b| b.expr.source.contains(word))
        || predicate(&rule.check, word)
        || rule.when.as_ref().is_some_and(|w| predicate(w, word))
        || rule
            .requires
            .iter()
            .any(|r| predicate(&r.check, word) || template(&r.missing))
        || template(&rule.message)
        || rule.related.as_ref().is_some_and(|r| template(&r.label))
}

fn rule_uses_cel(rule: &Rule) -> bool {
    let template_uses = |t: &super::Template| t.computes();
    !rule.lets.is_empty()
        || predicate_uses_cel(&rule.check)
        || rule.when.as_ref().is_some_and(predicate_uses_cel)
        || rule
            .requires
            .iter()
            .any(|r| predicate_uses_cel(&r.check) || template_uses(&r.missing))
        || template_uses(&rule.message)
        || rule.related.as_ref().is_some_and(|r| template_uses(&r.label))
}

/// What one rule's evaluation on one document can see.
struct Scope<'s, 'a> {
    tree: &'s Tree<'a>,
    /// The document's CEL scope (`doc`, `project`, `stage` and the functions bound).
    ctx: &'s cel::Context<'s, 'static>,
    project: usize,
    stage: Option<Stage>,
    doc_index: usize,
    as_of: Option<Date>,
    /// The rule's `let:` bindings, and their values for the target being judged.
    lets: &'s [Binding],
    memo: std::cell::RefCell<Memo>,
}

/// A `let` binding's value for one target.
#[derive(Clone, Debug)]
enum LetValue {
    Value(cel::Value),
    /// The data it reads is not there.
    Missing,
    Failed(String),
    Budget,
}

/// The values of a rule's bindings computed for one target (its pointer and item): each is
/// evaluated at most once per target, and only when an expression or a message reads it.
#[derive(Debug, Default)]
struct Memo {
    key: Option<(String, Option<u32>)>,
    values: Vec<Option<LetValue>>,
}

impl Scope<'_, '_> {
    /// Forgets the values of another target.
    fn memo_for(&self, target: &Target<'_>) {
        let key = (target.pointer.clone(), target.item.map(|n| n.id()));
        let mut memo = self.memo.borrow_mut();
        if memo.key.as_ref() != Some(&key) {
            memo.key = Some(key);
            memo.values = vec![None; self.lets.len()];
        }
    }

    /// The value of binding `index` for `target`, computing it (and what it reads) once.
    fn let_value(&self, index: usize, target: &Target<'_>) -> LetValue {
        self.memo_for(target);
        if let Some(Some(value)) = self.memo.borrow().values.get(index) {
            return value.clone();
        }
        let Some(binding) = self.lets.get(index) else {
            return LetValue::Missing;
        };
        let value = match self.prepare(&binding.expr, target) {
            Err(message) => LetValue::Failed(message),
            Ok(()) => match self.eval_expr(&binding.expr, target) {
                Ok(value) => LetValue::Value(value),
                Err(ExprOutcome::OverBudget) => LetValue::Budget,
                Err(ExprOutcome::Failed(message)) => LetValue::Failed(message),
                Err(_) => LetValue::Missing,
            },
        };
        if let Some(slot) = self.memo.borrow_mut().values.get_mut(index) {
            *slot = Some(value.clone());
        }
        value
    }

    /// Computes every binding `e` reads, before it is evaluated.
    fn prepare(&self, e: &expr::Expr, target: &Target<'_>) -> Result<(), String> {
        if self.lets.is_empty() {
            return Ok(());
        }
        let reads = e.reads_bound().map_err(|e| e.to_string())?;
        for name in reads {
            if let Some(i) = self.lets.iter().position(|b| &b.name == name) {
                self.let_value(i, target);
            }
        }
        Ok(())
    }

    /// Evaluates `e` with its bindings (computed by [`Scope::prepare`]); an error in a binding
    /// it reaches is that binding's error.
    fn eval_expr(&self, e: &expr::Expr, target: &Target<'_>) -> Result<cel::Value, ExprOutcome> {
        let lookup = |name: &str| {
            let i = self.lets.iter().position(|b| b.name == name)?;
            match self.memo.borrow().values.get(i) {
                Some(Some(LetValue::Value(v))) => Some(v.clone()),
                _ => None,
            }
        };
        expr::eval_local_with(
            e,
            self.ctx,
            &|| Scope::self_value(target),
            &|| Scope::item_value(target),
            &lookup,
        )
        .map_err(|error| {
            if let cel::ExecutionError::UndeclaredReference(name) = &error
                && let Some(i) = self.lets.iter().position(|b| b.name == name.as_str())
            {
                match self.memo.borrow().values.get(i) {
                    Some(Some(LetValue::Budget)) => return ExprOutcome::OverBudget,
                    Some(Some(LetValue::Failed(message))) => {
                        return ExprOutcome::Failed(format!("`{name}`: {message}"));
                    }
                    Some(Some(LetValue::Missing)) => return ExprOutcome::Missing,
                    _ => {}
                }
            }
            expr::classify(&error)
        })
    }

    /// Evaluates a boolean expression for `target`.
    fn eval_bool(&self, e: &expr::Expr, target: &Target<'_>) -> ExprOutcome {
        self.memo_for(target);
        if let Err(message) = self.prepare(e, target) {
            return ExprOutcome::Failed(message);
        }
        match self.eval_expr(e, target) {
            Ok(cel::Value::Bool(true)) => ExprOutcome::True,
            Ok(cel::Value::Bool(false)) => ExprOutcome::False,
            Ok(cel::Value::Null) => ExprOutcome::Missing,
            Ok(other) => ExprOutcome::Failed(format!(
                "the expression gave {}, not true or false",
                expr::display(&other)
            )),
            Err(outcome) => outcome,
        }
    }

    /// A `let` name's placeholder, `{name}` or `{name.field}`, rendered: a value that is not
    /// there, or that could not be computed, says so (never a bare `?`).
    fn render_bound(&self, name: &str, index: usize, path: &[String], target: &Target<'_>) -> String {
        match self.let_value(index, target) {
            LetValue::Value(value) => {
                let mut value = &value;
                for field in path {
                    match value {
                        cel::Value::Map(map) => match map
                            .map
                            .get(&cel::objects::Key::String(std::sync::Arc::new(field.clone())))
                        {
                            Some(inner) => value = inner,
                            None => return super::template::unresolved(name, None),
                        },
                        _ => return super::template::unresolved(name, None),
                    }
                }
                if matches!(value, cel::Value::Null) {
                    super::template::unresolved(name, None)
                } else {
                    quote_up_to(&expr::display(value), COMPUTED_MAX_CHARS)
                }
            }
            LetValue::Missing => super::template::unresolved(name, None),
            LetValue::Failed(reason) => super::template::unresolved(name, Some(&reason)),
            LetValue::Budget => super::template::unresolved(name, Some(expr::OVER_BUDGET)),
        }
    }
    fn doc(&self) -> &DesignDocument {
        &self.tree.documents[self.doc_index]
    }

    fn text(&self) -> &str {
        self.tree
            .files
            .get(self.doc().file.0 as usize)
            .map_or("", |f| f.text.as_str())
    }

    /// `self` for one target.
    fn self_value(target: &Target<'_>) -> cel::Value {
        target.node.map_or(cel::Value::Null, |n| expr::to_cel(n.value()))
    }

    /// `item` for one target.
    fn item_value(target: &Target<'_>) -> cel::Value {
        target.item.map_or(cel::Value::Null, |n| expr::to_cel(n.value()))
    }
}

/// A rule's findings on one document, and whether it judged anything there (reached a pass
/// or a fail on a selected value).
fn evaluate_rule_on_document(
    rule: &Rule,
    scope: &Scope<'_, '_>,
    severity: Severity,
    note: &str,
) -> (Vec<Finding>, bool) {
    // Every evaluation of the rule on this document (messages included) shares one budget.
    let _budget = super::budget::RuleBudget::start();
    let doc = scope.doc();
    let targets = rule.select.targets(&doc.yaml);
    let mut findings = Vec::new();
    let mut judged = false;
    match &rule.check {
        Predicate::Unique => {
            let mut first: HashMap<String, &Target<'_>> = HashMap::new();
            for target in &targets {
                let Some(selected) = target.node else { continue };
                if selected.value().is_null() {
                    continue;
                }
                match passes_when(rule, scope, target) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(()) => {
                        findings.push(over_budget(rule, scope, target));
                        break;
                    }
                }
                judged = true;
                let key = selected.value().to_string();
                match first.get(&key) {
                    Some(earlier) => {
                        let mut finding = make_finding(rule, scope, target, severity, note);
                        if let Some(earlier_node) = earlier.node {
                            finding = finding.related(doc.file, earlier_node.span(), "first here");
                        }
                        findings.push(finding);
                    }
                    None => {
                        first.insert(key, target);
                    }
                }
            }
        }
        Predicate::Count { min, max } => {
            let mut count: u64 = 0;
            for target in &targets {
                if target.node.is_none_or(|n| n.value().is_null()) {
                    continue;
                }
                match passes_when(rule, scope, target) {
                    Ok(true) => count += 1,
                    Ok(false) => {}
                    Err(()) => {
                        findings.push(over_budget(rule, scope, target));
                        return (findings, true);
                    }
                }
            }
            judged = true;
            if min.is_some_and(|m| count < m) || max.is_some_and(|m| count > m) {
                let prefix = rule.select.fixed_prefix();
                let (nearest, _) = doc.yaml.nearest(&prefix);
                let target = Target {
                    pointer: prefix,
                    node: None,
                    nearest,
                    item: None,
                };
                findings.push(make_finding(rule, scope, &target, severity, note));
            }
        }
        check => {
            for target in &targets {
                match passes_when(rule, scope, target) {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(()) => {
                        findings.push(over_budget(rule, scope, target));
                        break;
                    }
                }
                // What the rule cannot read, it cannot pass: "cannot verify", never silence.
                match unmet_requirement(rule, scope, target) {
                    Ok(None) => {}
                    Ok(Some(missing)) => {
                        findings.push(cannot_verify(rule, scope, target, severity, note, &missing));
                        continue;
                    }
                    Err(Unjudged::Error(message)) => {
                        findings.push(rule_error(rule, scope, target, &message));
                        continue;
                    }
                    Err(Unjudged::Budget) => {
                        findings.push(over_budget(rule, scope, target));
                        break;
                    }
                }
                match eval_predicate(check, scope, target) {
                    Ok(Outcome::Fail) => {
                        judged = true;
                        findings.push(make_finding(rule, scope, target, severity, note));
                    }
                    Ok(Outcome::Pass) => judged = true,
                    Ok(Outcome::NotApplicable) => {}
                    Err(Unjudged::Error(message)) => findings.push(rule_error(rule, scope, target, &message)),
                    Err(Unjudged::Budget) => {
                        findings.push(over_budget(rule, scope, target));
                        break;
                    }
                }
            }
        }
    }
    (findings, judged)
}

/// The first requirement of the rule that `target` does not meet, rendered; a requirement
/// whose data is not there is unmet too (that is what it is for).
fn unmet_requirement(rule: &Rule, scope: &Scope<'_, '_>, target: &Target<'_>) -> Result<Option<String>, Unjudged> {
    for requirement in &rule.requires {
        if eval_predicate(&requirement.check, scope, target)? != Outcome::Pass {
            return Ok(Some(render(&requirement.missing, rule, scope, target)));
        }
    }
    Ok(None)
}

/// A "cannot verify" finding: located as the rule's own findings are, at the rule's severity.
fn cannot_verify(
    rule: &Rule,
    scope: &Scope<'_, '_>,
    target: &Target<'_>,
    severity: Severity,
    note: &str,
    missing: &str,
) -> Finding {
    let doc = scope.doc();
    let span = target_span(rule.locate, target, scope.text());
    let mut finding = Finding::new(
        rule.id.clone(),
        severity,
        doc.file,
        format!("cannot verify: {missing}{note}"),
    )
    .at(span)
    .in_document(doc.index, target.pointer.clone())
    .label(format!("cannot verify: {}", rule.title))
    .help(rule.help.clone());
    finding.cannot_verify = true;
    finding
}

/// Whether the rule's `when` holds; `Err` when it spent the budget.
fn passes_when(rule: &Rule, scope: &Scope<'_, '_>, target: &Target<'_>) -> Result<bool, ()> {
    match &rule.when {
        None => Ok(true),
        Some(when) => match eval_predicate(when, scope, target) {
            Ok(outcome) => Ok(outcome == Outcome::Pass),
            Err(Unjudged::Budget) => Err(()),
            Err(Unjudged::Error(_)) => Ok(false),
        },
    }
}

/// A finding about the rule itself (it could not run here), at the selected value, or at the
/// nearest existing key when the value is absent.
fn about_rule(
    id: &'static str,
    severity: Severity,
    scope: &Scope<'_, '_>,
    target: &Target<'_>,
    message: String,
) -> Finding {
    let doc = scope.doc();
    let span = target
        .node
        .map_or_else(|| missing_anchor(&target.nearest, scope.text()), |n| n.span());
    Finding::new(id, severity, doc.file, message)
        .at(span)
        .in_document(doc.index, target.pointer.clone())
}

/// A rule whose evaluation spent its budget on a document: one finding, and the rule is not
/// evaluated further on that document.
fn over_budget(rule: &Rule, scope: &Scope<'_, '_>, target: &Target<'_>) -> Finding {
    about_rule(
        "RULE-BUDGET",
        Severity::Error,
        scope,
        target,
        format!(
            "rule {} was stopped here: it spent its budget of {} steps (at most {} for one value) on this document, so it could not be judged",
            rule.id,
            super::budget::RULE_STEPS,
            super::budget::EVALUATION_STEPS,
        ),
    )
    .label("evaluation budget spent")
    .help(format!(
        "rule {} ({}) does too much work on this document (a nested scan of its lists, or a very large value); the rule is not judged, so this is an error",
        rule.id, rule.file.path
    ))
}

/// A rule that could not be evaluated is said so, never silently skipped.
fn rule_error(rule: &Rule, scope: &Scope<'_, '_>, target: &Target<'_>, message: &str) -> Finding {
    about_rule(
        "RULE-ERROR",
        Severity::Warning,
        scope,
        target,
        format!("rule {} could not be evaluated here: {}", rule.id, quote(message)),
    )
    .label("rule error")
    .help(format!(
        "this is a problem in rule {} ({}), not necessarily in the document",
        rule.id, rule.file.path
    ))
}

/// Why a predicate could not be judged.
enum Unjudged {
    /// The rule failed (a wrong type...): `RULE-ERROR`.
    Error(String),
    /// The evaluation spent its budget: `RULE-BUDGET`.
    Budget,
}

fn eval_predicate(predicate: &Predicate, scope: &Scope<'_, '_>, target: &Target<'_>) -> Result<Outcome, Unjudged> {
    let value = target.node.map(|n| n.value()).filter(|v| !v.is_null());
    let pass = |ok: bool| if ok { Outcome::Pass } else { Outcome::Fail };
    Ok(match predicate {
        Predicate::Required => pass(value.is_some()),
        Predicate::Absent => pass(value.is_none()),
        Predicate::Equals(expected) => value.map_or(Outcome::NotApplicable, |v| pass(v == expected)),
        Predicate::In(options) => value.map_or(Outcome::NotApplicable, |v| pass(options.contains(v))),
        Predicate::Range { min, max } => match value {
            None => Outcome::NotApplicable,
            Some(v) => match (check_bound(v, min.as_ref(), true), check_bound(v, max.as_ref(), false)) {
                (Some(a), Some(b)) => pass(a && b),
                _ => Outcome::NotApplicable,
            },
        },
        Predicate::Matches(re) => match value {
            Some(Value::String(s)) => pass(re.is_match(s)),
            _ => Outcome::NotApplicable,
        },
        Predicate::Ref(spec) => match value {
            Some(Value::String(name)) => match resolve_ref(scope.tree, scope.project, scope.doc_index, spec, name) {
                RefOutcome::Found { .. } => Outcome::Pass,
                RefOutcome::NotFound { .. } => Outcome::Fail,
                RefOutcome::Unknown => Outcome::NotApplicable,
            },
            _ => Outcome::NotApplicable,
        },
        Predicate::Before(bound) | Predicate::After(bound) => {
            let date = value.and_then(Value::as_str).and_then(Date::parse);
            let limit = match bound {
                DateBound::Today => scope.as_of,
                DateBound::Date(d) => Some(*d),
            };
            match (date, limit) {
                (Some(date), Some(limit)) => pass(if matches!(predicate, Predicate::Before(_)) {
                    date < limit
                } else {
                    date > limit
                }),
                _ => Outcome::NotApplicable,
            }
        }
        Predicate::Expr(e) => match scope.eval_bool(e, target) {
            ExprOutcome::True => Outcome::Pass,
            ExprOutcome::False => Outcome::Fail,
            ExprOutcome::Missing => Outcome::NotApplicable,
            ExprOutcome::Failed(message) => return Err(Unjudged::Error(message)),
            ExprOutcome::OverBudget => return Err(Unjudged::Budget),
        },
        Predicate::All(ps) => {
            let mut any_pass = false;
            for p in ps {
                match eval_predicate(p, scope, target)? {
                    Outcome::Fail => return Ok(Outcome::Fail),
                    Outcome::Pass => any_pass = true,
                    Outcome::NotApplicable => {}
                }
            }
            if any_pass || ps.is_empty() {
                Outcome::Pass
            } else {
                Outcome::NotApplicable
            }
        }
        Predicate::Any(ps) => {
            let mut any_fail = false;
            for p in ps {
                match eval_predicate(p, scope, target)? {
                    Outcome::Pass => return Ok(Outcome::Pass),
                    Outcome::Fail => any_fail = true,
                    Outcome::NotApplicable => {}
                }
            }
            if any_fail {
                Outcome::Fail
            } else {
                Outcome::NotApplicable
            }
        }
        Predicate::Not(p) => match eval_predicate(p, scope, target)? {
            Outcome::Pass => Outcome::Fail,
            Outcome::Fail => Outcome::Pass,
            Outcome::NotApplicable => Outcome::NotApplicable,
        },
        // Whole-selection and whole-tree forms are evaluated elsewhere.
        Predicate::Unique | Predicate::Count { .. } | Predicate::Builtin(_) => Outcome::NotApplicable,
    })
}

/// Compares a value with a bound; `None` when they cannot be compared (the schema reports the
/// value itself).
fn check_bound(value: &Value, bound: Option<&Bound>, is_min: bool) -> Option<bool> {
    let Some(bound) = bound else { return Some(true) };
    // Converted quantities compare with a 1 % tolerance (documents.md): "4 ft" is not "over"
    // 1.2 m by rounding, and "1.21 m" is not a violation of a 1.2 m maximum.
    let (actual, limit) = match (bound, value) {
        (Bound::Number(limit), Value::Number(n)) => {
            return n.as_f64().map(|v| if is_min { v >= *limit } else { v <= *limit });
        }
        (Bound::Quantity(limit, _), Value::String(text)) => {
            let q = units::parse(text).ok()?;
            if q.dimension() != limit.dimension() {
                return None;
            }
            (q.si(), limit.si())
        }
        _ => return None,
    };
    let tolerance = limit.abs() * 0.01;
    Some(if is_min {
        actual >= limit - tolerance
    } else {
        actual <= limit + tolerance
    })
}

/// What a reference resolved to.
enum RefOutcome {
    Found {
        document: usize,
        pointer: Option<String>,
    },
    NotFound {
        /// Where the names it could have been are (listed only for a finding, see [`Nearby`]).
        nearby: Nearby,
        target: String,
    },
    /// It cannot be judged (the naming field is missing, or the document has no project).
    Unknown,
}

fn resolve_ref(tree: &Tree<'_>, project: usize, doc_index: usize, spec: &RefSpec, name: &str) -> RefOutcome {
    let Some(docs) = tree.index.projects.get(project) else {
        return RefOutcome::Unknown;
    };
    let this = &tree.documents[doc_index];
    if spec.lists.is_empty() {
        return match docs.by_name.get(&(spec.kind, name.to_owned())) {
            Some(&d) => RefOutcome::Found {
                document: d,
                pointer: None,
            },
            None => RefOutcome::NotFound {
                nearby: Nearby::Documents {
                    project,
                    kind: spec.kind,
                },
                target: format!("{} in this project", spec.kind),
            },
        };
    }
    // The document holding the items: named at `via`, else this one, else the project's.
    let holders: Vec<usize> = if let Some(via) = &spec.via {
        let Some(holder_name) = this.yaml.value.pointer(via).and_then(Value::as_str) else {
            return RefOutcome::Unknown;
        };
        match docs.by_name.get(&(spec.kind, holder_name.to_owned())) {
            Some(&d) => vec![d],
            None => return RefOutcome::Unknown,
        }
    } else if this.kind == spec.kind {
        vec![doc_index]
    } else {
        docs.of_kind(spec.kind).to_vec()
    };
    if holders.is_empty() {
        return RefOutcome::NotFound {
            nearby: Nearby::Items {
                holders: Vec::new(),
                lists: Vec::new(),
            },
            target: format!("{} (the project has none)", spec.kind),
        };
    }
    for &h in &holders {
        let items = &tree.index.items[h];
        if let Some(location) = items.get(name).filter(|l| spec.lists.contains(&l.list)) {
            return RefOutcome::Found {
                document: h,
                pointer: Some(location.pointer.clone()),
            };
        }
    }
    let holder_name = holders
        .first()
        .and_then(|&h| tree.documents[h].name())
        .unwrap_or_default();
    RefOutcome::NotFound {
        target: format!("{} in {} `{}`", spec.lists.join(" or "), spec.kind, quote(holder_name)),
        nearby: Nearby::Items {
            holders,
            lists: spec.lists.clone(),
        },
    }
}

/// Where the names an unresolved reference could have meant are: computed only for a finding,
/// and once per place (a name that resolves costs one lookup, and a thousand references into
/// one list share one sorted list of its names).
#[derive(Clone, PartialEq, Eq, Hash)]
enum Nearby {
    Documents { project: usize, kind: Kind },
    Items { holders: Vec<usize>, lists: Vec<String> },
}

impl Nearby {
    /// The names there, sorted.
    fn names(&self, tree: &Tree<'_>) -> Vec<String> {
        let mut names: Vec<String> = match self {
            Self::Documents { project, kind } => tree
                .index
                .projects
                .get(*project)
                .map(|docs| {
                    docs.of_kind(*kind)
                        .iter()
                        .filter_map(|&d| tree.documents[d].name())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            Self::Items { holders, lists } => holders
                .iter()
                .flat_map(|&h| {
                    tree.index.items[h]
                        .iter()
                        .filter(|(_, l)| lists.contains(&l.list))
                        .map(|(id, _)| id.clone())
                })
                .collect(),
        };
        names.sort();
        names
    }
}

/// The names of one place, each with its lowercase characters sorted: the edit distance of two
/// names is at least their bag distance (the characters one has and the other lacks), which
/// takes one pass, so a list of thousands of names costs few edit distances per reference.
struct NearbyNames {
    names: Vec<String>,
    bags: Vec<Vec<char>>,
}

fn bag(name: &str) -> Vec<char> {
    let mut chars: Vec<char> = name.to_lowercase().chars().collect();
    chars.sort_unstable();
    chars
}

/// The bag distance of two sorted character lists: max(|a - b|, |b - a|) as multisets.
fn bag_distance(a: &[char], b: &[char]) -> usize {
    let (mut i, mut j, mut only_a, mut only_b) = (0, 0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => {
                only_a += 1;
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                only_b += 1;
                j += 1;
            }
        }
    }
    (only_a + a.len() - i).max(only_b + b.len() - j)
}

/// Names listed in a finding's help when none is close: a few, then how many more.
const LISTED_NAMES: usize = 10;

/// The help for an unresolved `name`: the close name, else the names there (a few of them).
fn reference_help(name: &str, nearby: &NearbyNames, fallback: &str) -> String {
    let input = bag(name);
    // The same allowance as `did_you_mean`.
    let allowance = (name.chars().count() / 3).clamp(1, 3);
    let close = nearby
        .names
        .iter()
        .zip(&nearby.bags)
        .filter(|(_, b)| bag_distance(&input, b) <= allowance)
        .map(|(n, _)| n.as_str());
    match did_you_mean(name, close) {
        Some(m) => format!("did you mean `{m}`?"),
        None if nearby.names.is_empty() => fallback.to_owned(),
        None => {
            let listed: Vec<String> = nearby.names.iter().take(LISTED_NAMES).map(|c| quote(c)).collect();
            let more = nearby.names.len().saturating_sub(LISTED_NAMES);
            if more == 0 {
                format!("the names there: {}", listed.join(", "))
            } else {
                format!("the names there: {}, and {more} more", listed.join(", "))
            }
        }
    }
}

/// Where a finding about a target points.
fn target_span(rule_locate: Locate, target: &Target<'_>, text: &str) -> Span {
    match (target.node, rule_locate) {
        (Some(node), Locate::Key) => node.key_span().unwrap_or(node.span()),
        (Some(node), Locate::Value) => node.span(),
        (None, _) => missing_anchor(&target.nearest, text),
    }
}

fn show_value(node: Option<Node<'_>>) -> String {
    match node.map(|n| n.value()) {
        None | Some(Value::Null) => "nothing".to_owned(),
        Some(Value::String(s)) => quote(s),
        Some(Value::Array(_)) => "a list".to_owned(),
        Some(Value::Object(_)) => "a mapping".to_owned(),
        Some(other) => other.to_string(),
    }
}

fn item_name(target: &Target<'_>, scope: &Scope<'_, '_>) -> String {
    match target.item {
        Some(item) => item
            .value()
            .get("id")
            .and_then(Value::as_str)
            .map_or_else(|| "an unnamed item".to_owned(), quote),
        None => scope.doc().name().map_or_else(|| "the document".to_owned(), quote),
    }
}

fn render(template: &super::Template, rule: &Rule, scope: &Scope<'_, '_>, target: &Target<'_>) -> String {
    let doc = scope.doc();
    let resolve = |placeholder: Placeholder| match placeholder {
        Placeholder::Value => show_value(target.node),
        Placeholder::Item => item_name(target, scope),
        Placeholder::Doc => doc.name().map_or_else(|| "unnamed".to_owned(), quote),
        Placeholder::Kind => doc.kind.name().to_owned(),
        Placeholder::Field => target
            .pointer
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .replace("~1", "/")
            .replace("~0", "~"),
        Placeholder::Pointer => target.pointer.clone(),
        Placeholder::Stage => scope.stage.map_or_else(|| "?".to_owned(), |s| s.number().to_string()),
        Placeholder::Due => rule.stage.to_string(),
    };
    let (self_, item) = (|| Scope::self_value(target), || Scope::item_value(target));
    let evaluate = |e: &expr::Expr| match expr::eval_local(e, scope.ctx, &self_, &item) {
        Ok(value) => quote_up_to(&expr::display(&value), COMPUTED_MAX_CHARS),
        Err(_) => "?".to_owned(),
    };
    let bound = |name: &str, index: usize, path: &[String]| scope.render_bound(name, index, path, target);
    template.render_with(&resolve, &evaluate, &bound)
}

fn make_finding(rule: &Rule, scope: &Scope<'_, '_>, target: &Target<'_>, severity: Severity, note: &str) -> Finding {
    let doc = scope.doc();
    let span = target_span(rule.locate, target, scope.text());
    let message = format!("{}{note}", render(&rule.message, rule, scope, target));
    let mut finding = Finding::new(rule.id.clone(), severity, doc.file, message)
        .at(span)
        .in_document(doc.index, target.pointer.clone())
        .label(rule.title.clone())
        .help(rule.help.clone());
    if let (Some(related), Some(Value::String(name))) = (&rule.related, target.node.map(|n| n.value()))
        && let RefOutcome::Found { document, pointer } =
            resolve_ref(scope.tree, scope.project, scope.doc_index, &related.target, name)
    {
        let other = &scope.tree.documents[document];
        let related_node = pointer
            .as_deref()
            .and_then(|p| other.yaml.pointer(p))
            .unwrap_or_else(|| other.yaml.root());
        let other_text = scope
            .tree
            .files
            .get(other.file.0 as usize)
            .map_or("", |f| f.text.as_str());
        let related_span = missing_anchor(&related_node, other_text);
        finding = finding.related(other.file, related_span, render(&related.label, rule, scope, target));
    }
    finding
}

/// Findings of the tree-wide checks.
fn builtin_findings(rule: &Rule, builtin: Builtin, tree: &Tree<'_>, options: &EvalOptions) -> Vec<Finding> {
    let severity = match rule.stage {
        RuleStage::Always => rule.severity,
        RuleStage::Due(due) if options.gate.is_none_or(|g| due <= g) => rule.severity,
        RuleStage::Due(_) => return Vec::new(),
    };
    let retag = |mut f: Finding| {
        f.rule = rule.id.clone().into();
        f.severity = severity;
        f
    };
    match builtin {
        Builtin::ProjectMembership => tree
            .projects
            .findings
            .iter()
            .filter(|f| f.rule == "CORE-PROJECT")
            .cloned()
            .map(retag)
            .collect(),
        Builtin::UniqueNames => tree
            .projects
            .findings
            .iter()
            .filter(|f| f.rule == "CORE-NAME-UNIQUE")
            .cloned()
            .map(retag)
            .collect(),
        Builtin::UniqueIds => tree
            .index
            .duplicate_ids
            .iter()
            .filter_map(|dup| {
                let doc = tree.documents.get(dup.document)?;
                let at = |p: &str| {
                    doc.yaml
                        .pointer(&format!("{p}/id"))
                        .map_or(Span::at(doc.yaml.start), |n| n.span())
                };
                Some(
                    Finding::new(
                        rule.id.clone(),
                        severity,
                        doc.file,
                        format!(
                            "the id `{}` is used twice in {} `{}`",
                            quote(&dup.id),
                            doc.kind,
                            quote(doc.name().unwrap_or("?"))
                        ),
                    )
                    .at(at(&dup.second))
                    .in_document(doc.index, format!("{}/id", dup.second))
                    .label("second use")
                    .help(rule.help.clone())
                    .related(doc.file, at(&dup.first), "first use"),
                )
            })
            .collect(),
        Builtin::References => references(rule, severity, tree),
    }
}

fn references(rule: &Rule, severity: Severity, tree: &Tree<'_>) -> Vec<Finding> {
    let mut fields_by_kind: HashMap<Kind, Vec<(super::Selector, RefSpec)>> = HashMap::new();
    for kind in Kind::ALL {
        let fields = ref_fields(tree.schemas, kind)
            .into_iter()
            // metadata.project is judged by project membership.
            .filter(|f| f.selector != "/metadata/project")
            .map(|f| {
                (
                    super::Selector::parse(&f.selector),
                    RefSpec {
                        kind: f.kind,
                        lists: f.lists,
                        via: f.via,
                    },
                )
            })
            .collect();
        fields_by_kind.insert(kind, fields);
    }
    let mut findings = Vec::new();
    let mut places: HashMap<Nearby, NearbyNames> = HashMap::new();
    let mut helps: HashMap<(Nearby, String), String> = HashMap::new();
    for (d, doc) in tree.documents.iter().enumerate() {
        let Some(project) = tree.projects.membership.get(d).copied().flatten() else {
            continue;
        };
        for (selector, spec) in fields_by_kind.get(&doc.kind).into_iter().flatten() {
            for target in selector.targets(&doc.yaml) {
                let Some(node) = target.node else { continue };
                let Some(name) = node.value().as_str() else { continue };
                if let RefOutcome::NotFound { nearby, target: what } = resolve_ref(tree, project, d, spec, name) {
                    let key = (nearby, name.to_owned());
                    let help = if let Some(help) = helps.get(&key) {
                        help.clone()
                    } else {
                        let names = places.entry(key.0.clone()).or_insert_with(|| {
                            let names = key.0.names(tree);
                            let bags = names.iter().map(|n| bag(n)).collect();
                            NearbyNames { names, bags }
                        });
                        let help = reference_help(name, names, &rule.help);
                        helps.insert(key, help.clone());
                        help
                    };
                    findings.push(
                        Finding::new(
                            rule.id.clone(),
                            severity,
                            doc.file,
                            format!("`{}` names nothing: no such {what}", quote(name)),
                        )
                        .at(node.span())
                        .in_document(doc.index, target.pointer.clone())
                        .label("unresolved reference")
                        .help(help),
                    );
                }
            }
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::{bag, bag_distance};

    #[test]
    fn bag_distance_is_a_lower_bound_of_the_edit_distance() {
        for (a, b) in [
            ("plaza", "plazza"),
            ("Stie", "Site"),
            ("c123", "x123"),
            ("c124", "x123"),
            ("", "abc"),
            ("gate", "gate"),
            ("ÉTÉ", "été"),
        ] {
            let edit = crate::text::levenshtein(&a.to_lowercase(), &b.to_lowercase());
            assert!(bag_distance(&bag(a), &bag(b)) <= edit, "{a} {b}");
        }
        assert_eq!(bag_distance(&bag("c124"), &bag("x123")), 2);
    }

    #[test]
    fn a_rule_is_due_from_its_stage_or_one_before_with_lookahead() {
        use super::is_due;
        use crate::rules::RuleStage;
        use crate::stage::Stage;
        let (one, two) = (Stage::new(1), Stage::new(2));
        let due_two = RuleStage::Due(two.unwrap_or(Stage::LAST));
        assert!(!is_due(due_two, one, false, None));
        assert!(is_due(due_two, one, true, None));
        assert!(is_due(due_two, two, false, None));
        assert!(!is_due(due_two, None, true, None));
        assert!(is_due(due_two, None, false, two));
        assert!(!is_due(due_two, two, false, one));
        assert!(is_due(RuleStage::Always, None, false, None));
    }
}
