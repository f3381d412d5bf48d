//! Raw rule and pack files → compiled [`Rule`]s and [`Pack`]s, once per run. Every problem is a
//! located error in the rule file (exit 2): a rule that does not compile is never silently
//! inactive.

use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::fields::{FieldInfo, field_info};
use super::raw::{RawInvalidCase, RawLets, RawPack, RawPredicate, RawRef, RawRule, RawSource};
use super::template::Grammar;
use super::{
    BUILT_IN, Binding, Bound, Builtin, Commencement, Confidence, DateBound, Locate, Pack, PackFiles, PackFormat,
    Predicate, RefSpec, Rule, RuleFile, RuleSet, Selector, Source, Template, TestCase, expr,
};
use crate::date::Date;
use crate::error::{LocatedError, ToolError};
use crate::model::document::Kind;
use crate::model::finding::Severity;
use crate::schema::{self, Schemas};
use crate::stage::Stage;
use crate::text::did_you_mean;
use crate::units::{self, Dimension};
use crate::yaml::{self, Limits, Span, YamlDocument};

/// A file being compiled: where problems are reported.
struct FileCtx {
    path: String,
    text: String,
    doc: YamlDocument,
}

impl FileCtx {
    fn value_span(&self, pointer: &str) -> Span {
        let (node, found) = self.doc.nearest(pointer);
        if found {
            node.span()
        } else {
            node.key_span().unwrap_or(node.span())
        }
    }

    fn error_at(&self, span: Span, message: impl Into<String>, label: &str, help: Option<String>) -> LocatedError {
        LocatedError {
            path: self.path.clone(),
            text: self.text.clone(),
            span,
            message: message.into(),
            label: label.to_owned(),
            help,
        }
    }

    fn error(&self, pointer: &str, message: impl Into<String>, label: &str, help: Option<String>) -> LocatedError {
        self.error_at(self.value_span(pointer), message, label, help)
    }

    /// The span of bytes `offset..offset+len` of the string value at `pointer`, in the file
    /// (for positions inside a CEL expression or a template).
    fn inner_span(&self, pointer: &str, offset: usize, len: usize) -> Span {
        let Some(node) = self.doc.pointer(pointer) else {
            return self.value_span(pointer);
        };
        let Some(decoded) = node.value().as_str() else {
            return node.span();
        };
        let span = node.span();
        let raw = self
            .text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default();
        // Find each decoded line in the written text, in order: exact for plain, quoted
        // (without escapes) and literal block scalars; otherwise the scalar's start.
        let mut search_from = 0;
        let mut line_start_in_decoded = 0;
        for line in decoded.split_inclusive('\n') {
            let content = line.trim_end_matches('\n');
            let Some(found) = raw.get(search_from..).and_then(|r| r.find(content)) else {
                break;
            };
            let at_raw = search_from + found;
            let line_end = line_start_in_decoded + line.len();
            if offset < line_end || line_end == decoded.len() {
                let start = span.start + (at_raw + offset.saturating_sub(line_start_in_decoded)) as u32;
                return Span::new(start, (start + len.max(1) as u32).min(span.end.max(start + 1)));
            }
            search_from = at_raw + content.len();
            line_start_in_decoded = line_end;
        }
        Span::new(span.start, span.start + 1)
    }
}

/// Loads one YAML file of a pack and validates it against a schema.
/// Loads a pack file; `validate` checks it against its schema (skipped only for built-in packs
/// in a normal run: `every_builtin_expression_compiles` loads them validated).
fn load_file(
    path: &str,
    text: &str,
    schema_file: &'static str,
    schemas: &Schemas,
    validate: bool,
) -> Result<FileCtx, Vec<LocatedError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_owned();
    let outcome = yaml::load(&text, &Limits::default());
    let located = |span: Span, message: String, label: &str, help: Option<String>| LocatedError {
        path: path.to_owned(),
        text: text.clone(),
        span,
        message,
        label: label.to_owned(),
        help,
    };
    if let Some(e) = outcome.error {
        return Err(vec![located(e.span, e.message, "here", e.help)]);
    }
    let mut documents = outcome.documents.into_iter();
    let Some(doc) = documents.next() else {
        return Err(vec![located(Span::at(0), "the file is empty".into(), "here", None)]);
    };
    if let Some(extra) = documents.next() {
        return Err(vec![located(
            Span::at(extra.start),
            "a rule-pack file holds one YAML document".into(),
            "second document",
            Some("one rule per file: move this rule to its own file named after its id".into()),
        )]);
    }
    let issues = if validate {
        let validator = schemas
            .validator(schema_file)
            .map_err(|m| vec![located(Span::at(0), m, "here", None)])?;
        schema::validate(schemas, validator, &doc, &text)
    } else {
        Vec::new()
    };
    if !issues.is_empty() {
        return Err(issues
            .into_iter()
            .map(|i| located(i.span, i.message, &i.label, i.help))
            .collect());
    }
    Ok(FileCtx {
        path: path.to_owned(),
        text,
        doc,
    })
}

fn digest(files: &[(String, String, String)]) -> String {
    let mut hasher = Sha256::new();
    // Snapshots record what the rules' own tests rendered; they do not judge.
    let mut sorted: Vec<&(String, String, String)> = files.iter().filter(|f| !super::is_snapshot(&f.1)).collect();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    for (_, name, text) in sorted {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    crate::text::hex(&hasher.finalize())
}

/// Compiles packs. With `trust_builtin`, built-in packs (validated and compiled in full by the
/// test suite) skip schema validation and compile their CEL at first use.
pub(super) fn compile_packs(packs: Vec<PackFiles>, trust_builtin: bool) -> Result<RuleSet, ToolError> {
    let schemas = schema::schemas().map_err(ToolError::Message)?;
    let mut set = RuleSet::default();
    let mut errors: Vec<LocatedError> = Vec::new();
    let mut messages: Vec<String> = Vec::new();
    let mut first_id: HashMap<String, (String, Span)> = HashMap::new();
    for pack_files in packs {
        let Some((pack_path, _, pack_text)) = pack_files.files.iter().find(|(_, name, _)| name == "pack.yaml") else {
            messages.push(format!("rule pack {} has no pack.yaml", pack_files.origin));
            continue;
        };
        // Built-in packs are validated in full by the test suite; a normal run trusts them.
        let trusted = trust_builtin && pack_files.origin == BUILT_IN;
        let ctx = match load_file(pack_path, pack_text, "pack.schema.json", schemas, !trusted) {
            Ok(ctx) => ctx,
            Err(e) => {
                errors.extend(e);
                continue;
            }
        };
        let raw: RawPack = match serde_json::from_value(ctx.doc.value.clone()) {
            Ok(raw) => raw,
            Err(e) => {
                errors.push(ctx.error("", format!("invalid pack: {e}"), "here", None));
                continue;
            }
        };
        if raw.name != pack_files.name {
            errors.push(ctx.error(
                "/name",
                format!(
                    "the pack is named `{}` but its folder is `{}`",
                    raw.name, pack_files.name
                ),
                "name",
                Some("name the folder after the pack".into()),
            ));
            continue;
        }
        if let Some(other) = set.packs.iter().find(|p| p.name == raw.name) {
            errors.push(ctx.error(
                "/name",
                format!(
                    "a second pack named `{}` (the first is from {})",
                    raw.name, other.origin
                ),
                "duplicate pack",
                Some("pack names are unique across built-in and extra packs".into()),
            ));
            continue;
        }
        let format = match raw.format {
            None | Some(1) => PackFormat::One,
            Some(2) => PackFormat::Two,
            Some(n) => {
                errors.push(ctx.error(
                    "/format",
                    format!("pack format {n} is not one this standoff reads (1 and 2)"),
                    "format",
                    Some("update standoff, or write the pack in format 2".into()),
                ));
                continue;
            }
        };
        let mut pack_errors = Vec::new();
        let pack_lets = check_lets(&ctx, raw.lets.as_ref(), "/let", format, &[], !trusted, &mut pack_errors);
        if !pack_errors.is_empty() {
            errors.extend(pack_errors);
            continue;
        }
        let prefix = raw.prefix.clone().unwrap_or_else(|| raw.name.to_uppercase());
        let pack_index = set.packs.len();
        set.packs.push(Pack {
            name: raw.name.clone(),
            title: raw.title,
            version: raw.version,
            format,
            prefix: prefix.clone(),
            description: raw.description,
            jurisdictions: raw.jurisdictions.unwrap_or_default(),
            sources: raw.sources.into_iter().map(|s| (s.title, s.url)).collect(),
            commencement: raw.commencement.map(|c| Commencement {
                setting: c.setting,
                note: c.note,
            }),
            adoption: raw.adoption.map(|a| super::Adoption {
                field: a.field,
                note: a.note,
            }),
            origin: pack_files.origin.clone(),
            digest: digest(&pack_files.files),
        });
        for (_, name, text) in &pack_files.files {
            if let Some(id) = name
                .strip_prefix(super::SNAPSHOTS)
                .and_then(|n| n.strip_prefix('/'))
                .and_then(|n| n.strip_suffix(".snap"))
            {
                set.snapshots.insert(id.to_owned(), text.clone());
            }
        }
        // Rule files compile independently (CEL parsing is most of a short run's start-up), so
        // in parallel; their order, and so the errors' order, is kept.
        let compiled: Vec<Result<Rule, Vec<LocatedError>>> = pack_files
            .files
            .par_iter()
            .filter(|(_, name, _)| name != "pack.yaml" && !super::is_snapshot(name))
            .map(|(path, name, text)| {
                let ctx = load_file(path, text, "rule.schema.json", schemas, !trusted)?;
                let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
                let pack = PackContext {
                    index: pack_index,
                    prefix: &prefix,
                    format,
                    lets: &pack_lets,
                };
                compile_rule(ctx, stem, &pack, schemas, trusted)
            })
            .collect();
        for result in compiled {
            match result {
                Ok(rule) => {
                    let id_span = rule.file.yaml.pointer("/id").map_or(Span::at(0), |n| n.span());
                    if let Some((first_path, _)) = first_id.get(&rule.id) {
                        errors.push(LocatedError {
                            path: rule.file.path.clone(),
                            text: rule.file.text.clone(),
                            span: id_span,
                            message: format!("a second rule with the id `{}` (the first is {first_path})", rule.id),
                            label: "duplicate id".into(),
                            help: Some("rule ids are unique across every pack".into()),
                        });
                        continue;
                    }
                    first_id.insert(rule.id.clone(), (rule.file.path.clone(), id_span));
                    set.rules.push(rule);
                }
                Err(e) => errors.extend(e),
            }
        }
    }
    if !messages.is_empty() && errors.is_empty() {
        return Err(ToolError::Message(messages.join("\n")));
    }
    if !errors.is_empty() {
        let title = format!(
            "{} in the rule packs{}",
            crate::text::plural(errors.len(), "problem", "problems"),
            if messages.is_empty() {
                String::new()
            } else {
                format!("; also: {}", messages.join("; "))
            }
        );
        return Err(ToolError::Located { title, errors });
    }
    set.rules.sort_by(|a, b| a.id.cmp(&b.id));
    set.index();
    Ok(set)
}

/// What a rule inherits from its pack.
struct PackContext<'p> {
    index: usize,
    prefix: &'p str,
    format: PackFormat,
    /// The pack's `let:` bindings, checked: (name, expression).
    lets: &'p [(String, String)],
}

/// The names a `let:` may not bind: the variables every expression has, and the placeholders
/// every message has.
#[must_use]
pub fn reserved(name: &str) -> Option<String> {
    if expr::VARIABLES.iter().any(|(v, _)| *v == name) {
        return Some(format!(
            "`{name}` is a built-in variable (self, doc, item, project, stage, byId): a `let` name may not shadow it"
        ));
    }
    if ["value", "kind", "field", "pointer", "due"].contains(&name) {
        return Some(format!(
            "`{name}` is a message placeholder (`{{{name}}}`): a `let` name may not shadow it"
        ));
    }
    None
}

/// Checks a `let:` map: its names (no duplicate, none shadowing a built-in variable or one
/// bound before, in `earlier`) and, with `compile`, its expressions, each of which may read
/// the names bound before it. Returns the bindings as (name, expression).
fn check_lets(
    ctx: &FileCtx,
    lets: Option<&RawLets>,
    pointer: &str,
    format: PackFormat,
    earlier: &[String],
    compile: bool,
    errors: &mut Vec<LocatedError>,
) -> Vec<(String, String)> {
    let Some(lets) = lets else { return Vec::new() };
    if format == PackFormat::One {
        errors.push(ctx.error(
            pointer,
            "`let:` needs pack format 2",
            "let",
            Some(
                "add `format: 2` to the pack's pack.yaml (`standoff migrate-pack DIR` rewrites a format-1 pack)".into(),
            ),
        ));
        return Vec::new();
    }
    let mut names: Vec<String> = earlier.to_vec();
    let mut out = Vec::new();
    for (name, value) in lets {
        let at = format!("{pointer}/{}", crate::yaml::escape_token(name));
        let Some(source) = value.as_str() else {
            errors.push(ctx.error(
                &at,
                format!("`{name}` is bound to a CEL expression, written as a string"),
                "not an expression",
                None,
            ));
            continue;
        };
        let problem = if !super::template::is_identifier(name) || name.starts_with("__") {
            Some(format!(
                "`{}` is not a name: a letter, then letters, digits and `_`",
                crate::text::quote(name)
            ))
        } else if let Some(why) = reserved(name) {
            Some(why)
        } else if names.iter().any(|n| n == name) {
            Some(if earlier.iter().any(|n| n == name) {
                format!("`{name}` is already bound by the pack's `let:`")
            } else {
                format!("`{name}` is bound twice")
            })
        } else {
            None
        };
        if let Some(problem) = problem {
            errors.push(
                ctx.error_at(
                    ctx.doc
                        .pointer(&at)
                        .and_then(|n| n.key_span())
                        .unwrap_or_else(|| ctx.value_span(&at)),
                    problem,
                    "let name",
                    None,
                ),
            );
            continue;
        }
        if compile && let Err(e) = expr::compile_with(source, Arc::from(names.as_slice())) {
            let span = ctx.inner_span(&at, e.offset, e.len);
            errors.push(ctx.error_at(span, e.message, "here", None));
        }
        names.push(name.clone());
        out.push((name.clone(), source.to_owned()));
    }
    out
}

fn compile_rule(
    ctx: FileCtx,
    stem: &str,
    pack_context: &PackContext<'_>,
    schemas: &Schemas,
    deferred: bool,
) -> Result<Rule, Vec<LocatedError>> {
    let (pack, prefix, format) = (pack_context.index, pack_context.prefix, pack_context.format);
    let raw: RawRule = serde_json::from_value(ctx.doc.value.clone())
        .map_err(|e| vec![ctx.error("", format!("invalid rule: {e}"), "here", None)])?;
    let mut errors = Vec::new();
    // The pack's bindings, then the rule's: each expression may read every name before it.
    let pack_names: Vec<String> = pack_context.lets.iter().map(|(n, _)| n.clone()).collect();
    let rule_lets = check_lets(
        &ctx,
        raw.lets.as_ref(),
        "/let",
        format,
        &pack_names,
        !deferred,
        &mut errors,
    );
    let all_lets: Vec<(String, String)> = pack_context.lets.iter().cloned().chain(rule_lets).collect();
    let bound: Arc<[String]> = all_lets.iter().map(|(n, _)| n.clone()).collect();
    let lets: Vec<Binding> = all_lets
        .iter()
        .enumerate()
        .map(|(i, (name, source))| Binding {
            name: name.clone(),
            // Checked above (or trusted): compiled at first use.
            expr: expr::Expr::deferred_with(source, bound.get(..i).map_or_else(|| Arc::from([]), Arc::from)),
        })
        .collect();
    if raw.id != stem {
        errors.push(ctx.error(
            "/id",
            format!("the rule id `{}` differs from its file name `{stem}.yaml`", raw.id),
            "id",
            Some(format!("rename the file to `{}.yaml`, or the id to `{stem}`", raw.id)),
        ));
    }
    if !raw.id.starts_with(&format!("{prefix}-")) {
        errors.push(ctx.error(
            "/id",
            format!(
                "the rule id `{}` does not start with its pack's prefix `{prefix}-`",
                raw.id
            ),
            "id",
            None,
        ));
    }
    let severity = raw.severity.0;
    let stage = raw.stage.0;
    let kinds = raw.kind.0.clone();
    let select = Selector::parse(raw.select.as_deref().unwrap_or(""));
    let locate = if raw.locate.as_deref() == Some("key") {
        Locate::Key
    } else {
        Locate::Value
    };

    // The selection must name a real field of every kind the rule reads.
    let mut field = FieldInfo::Field {
        dimension: None,
        date: false,
    };
    for kind in &kinds {
        match field_info(schemas, *kind, &select) {
            unknown @ FieldInfo::Unknown { .. } => {
                let FieldInfo::Unknown { segment, allowed } = &unknown else {
                    continue;
                };
                let (segment, allowed) = (*segment, allowed.clone());
                let bad = select.segments.get(segment).map_or_else(String::new, |s| match s {
                    super::select::Segment::Key(k) => k.clone(),
                    super::select::Segment::Any => "*".to_owned(),
                });
                let help = did_you_mean(&bad, allowed.iter().map(String::as_str))
                    .map(|m| format!("did you mean `{m}`?"))
                    .or_else(|| (!allowed.is_empty()).then(|| format!("the fields there: {}", allowed.join(", "))));
                errors.push(ctx.error(
                    "/select",
                    format!(
                        "`{}` is not a field of a {kind} document (no `{bad}` there)",
                        select.text
                    ),
                    "no such field",
                    help,
                ));
                // Nothing more can be said about the field: no cascade of errors.
                field = unknown;
            }
            info @ FieldInfo::Field { .. } => field = info,
        }
    }

    let mut compiler = PredicateCompiler {
        ctx: &ctx,
        deferred,
        format,
        bound: bound.clone(),
        schemas,
        kinds: &kinds,
        field: &field,
        select: &select,
        errors: Vec::new(),
    };
    let when = raw.when.as_ref().map(|w| compiler.compile(w, "/when", false));
    let check = compiler.compile(&raw.check, "/check", true);
    let related = raw.related.as_ref().and_then(|r| {
        let target = compiler.ref_spec(&r.ref_, "/related/ref")?;
        let label = compiler.template(&r.label, "/related/label")?;
        Some(super::Related { target, label })
    });
    let message = compiler.template(&raw.message, "/message");
    let demands = match raw.demands.as_deref() {
        None => None,
        Some(name) => {
            let kind = Kind::from_name(name);
            if kind.is_none() {
                let known = Kind::ALL.map(Kind::name);
                compiler.error(
                    "/demands",
                    format!("`{}` is not a kind", crate::text::quote(name)),
                    "unknown kind",
                    crate::text::did_you_mean(name, known).map(|m| format!("did you mean `{m}`?")),
                );
            }
            kind
        }
    };
    let requires: Vec<super::Requirement> = raw
        .requires
        .iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, r)| {
            let check = compiler.compile(&r.check, &format!("/requires/{i}/check"), true);
            let missing = compiler.template(&r.missing, &format!("/requires/{i}/missing"))?;
            Some(super::Requirement { check, missing })
        })
        .collect();
    errors.append(&mut compiler.errors);
    if matches!(check, Predicate::Builtin(_)) && raw.select.is_some() {
        errors.push(ctx.error(
            "/select",
            "a built-in check reads the whole tree: remove `select`",
            "select",
            None,
        ));
    }

    let sources: Vec<Source> = raw
        .sources
        .iter()
        .map(|s| Source {
            title: s.title.clone(),
            url: s.url.clone(),
            clause: s.clause.clone(),
            confidence: Confidence::parse(&s.confidence).unwrap_or(Confidence::Unconfirmed),
            read_at: s.read_at.clone(),
        })
        .collect();
    // A number or threshold in an error must rest on a confirmed fact (product.md), and a fact
    // read only in a copy on a document-sharing site is not confirmed enough for an error.
    let confirmed = |s: &RawSource| Confidence::parse(&s.confidence) == Some(Confidence::Confirmed);
    let shared = |s: &RawSource| on_sharing_site(&s.url) || s.read_at.as_deref().is_some_and(on_sharing_site);
    if severity == Severity::Error && !raw.sources.iter().any(|s| confirmed(s) && !shared(s)) {
        let only_shared = raw.sources.iter().any(confirmed);
        errors.push(ctx.error(
            "/severity",
            if only_shared {
                "an error must rest on a confirmed source, and each confirmed source of this rule was read only on a document-sharing site"
            } else {
                "an error must rest on a confirmed source, and every source of this rule is weaker"
            },
            "error",
            Some("make it a warning (or info) and say in `why` which fact is not confirmed (or was read only in a shared copy), or cite the confirmed source".into()),
        ));
    }

    let tests = compile_tests(&ctx, &raw, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Rule {
        id: raw.id,
        pack,
        title: raw.title,
        severity,
        stage,
        kinds,
        jurisdictions: raw.jurisdictions.unwrap_or_default(),
        select,
        locate,
        lets,
        when,
        check,
        requires,
        demands,
        related,
        message: message.unwrap_or_default(),
        help: raw.help.trim().to_owned(),
        why: raw.why.trim().to_owned(),
        protects: raw.protects.as_deref().map(str::trim).unwrap_or_default().to_owned(),
        sources,
        tests,
        file: Arc::new(RuleFile {
            path: ctx.path,
            text: ctx.text,
            yaml: ctx.doc,
        }),
    })
}

/// The forms a predicate may take (exactly one per predicate).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    Required,
    Absent,
    Equals,
    In,
    /// `min` and/or `max`.
    Range,
    Matches,
    Unique,
    Count,
    Ref,
    Before,
    After,
    Expr,
    All,
    Any,
    Not,
    Builtin,
}

impl Form {
    fn name(self) -> &'static str {
        match self {
            Form::Required => "required",
            Form::Absent => "absent",
            Form::Equals => "equals",
            Form::In => "in",
            Form::Range => "min",
            Form::Matches => "matches",
            Form::Unique => "unique",
            Form::Count => "count",
            Form::Ref => "ref",
            Form::Before => "before",
            Form::After => "after",
            Form::Expr => "expr",
            Form::All => "all",
            Form::Any => "any",
            Form::Not => "not",
            Form::Builtin => "builtin",
        }
    }
}

struct PredicateCompiler<'c> {
    ctx: &'c FileCtx,
    /// Compile CEL at first use (built-in packs, compiled in full by the test suite).
    deferred: bool,
    format: PackFormat,
    /// The rule's `let` names (the pack's, then its own).
    bound: Arc<[String]>,
    schemas: &'c Schemas,
    kinds: &'c [Kind],
    field: &'c FieldInfo,
    select: &'c Selector,
    errors: Vec<LocatedError>,
}

impl PredicateCompiler<'_> {
    fn error(&mut self, pointer: &str, message: impl Into<String>, label: &str, help: Option<String>) {
        self.errors.push(self.ctx.error(pointer, message, label, help));
    }

    fn template(&mut self, text: &str, pointer: &str) -> Option<Template> {
        let grammar = Grammar {
            bound: &self.bound,
            expressions: self.format == PackFormat::One,
            deferred: self.deferred,
        };
        match Template::parse_in(text, grammar) {
            Ok(t) => Some(t),
            Err(e) => {
                let span = self.ctx.inner_span(pointer, e.offset, e.len);
                self.errors.push(self.ctx.error_at(span, e.message, "here", None));
                None
            }
        }
    }

    fn ref_spec(&mut self, raw: &RawRef, pointer: &str) -> Option<RefSpec> {
        let Some(kind) = Kind::from_name(&raw.kind) else {
            // Never a reference that checks nothing: an unknown kind is an error.
            self.error(
                &format!("{pointer}/kind"),
                format!("`{}` is not a kind", crate::text::quote(&raw.kind)),
                "unknown kind",
                did_you_mean(&raw.kind, Kind::ALL.map(Kind::name)).map(|m| format!("did you mean `{m}`?")),
            );
            return None;
        };
        let lists = raw.lists.clone().unwrap_or_default();
        for (i, list) in lists.iter().enumerate() {
            let selector = Selector::parse(&format!("/spec/{}", crate::yaml::escape_token(list)));
            if let FieldInfo::Unknown { allowed, .. } = field_info(self.schemas, kind, &selector) {
                let help =
                    did_you_mean(list, allowed.iter().map(String::as_str)).map(|m| format!("did you mean `{m}`?"));
                self.error(
                    &format!("{pointer}/lists/{i}"),
                    format!("`{list}` is not a list of a {kind}"),
                    "no such list",
                    help,
                );
            }
        }
        if let Some(via) = &raw.via {
            for rule_kind in self.kinds {
                if let FieldInfo::Unknown { .. } = field_info(self.schemas, *rule_kind, &Selector::parse(via)) {
                    self.error(
                        &format!("{pointer}/via"),
                        format!("`{via}` is not a field of a {rule_kind}"),
                        "no such field",
                        None,
                    );
                }
            }
        }
        Some(RefSpec {
            kind,
            lists,
            via: raw.via.clone(),
        })
    }

    fn bound(&mut self, value: &Value, pointer: &str) -> Option<Bound> {
        let field_dimension = match self.field {
            FieldInfo::Field { dimension, .. } => *dimension,
            FieldInfo::Unknown { .. } => None,
        };
        match value {
            Value::Number(n) => {
                if let Some(d) = field_dimension {
                    self.error(
                        pointer,
                        format!("`{}` selects a {d}, so the bound needs a unit", self.select.text),
                        "no unit",
                        Some(format!("e.g. `\"{n} {}\"`", d.units().next().map_or("", |u| u.symbol))),
                    );
                    return None;
                }
                n.as_f64().map(Bound::Number)
            }
            Value::String(text) => match units::parse(text) {
                Ok(q) => {
                    match field_dimension {
                        Some(d) if d != q.dimension() => {
                            self.error(
                                pointer,
                                format!(
                                    "`{text}` is a {}, but `{}` selects a {d}: the units are incompatible",
                                    q.dimension(),
                                    self.select.text
                                ),
                                "incompatible unit",
                                None,
                            );
                            return None;
                        }
                        None if !self.select.text.is_empty()
                            && matches!(self.field, FieldInfo::Field { .. })
                            && !self.kinds.is_empty() =>
                        {
                            self.error(
                                pointer,
                                format!(
                                    "`{text}` is a quantity, but `{}` is not a quantity field",
                                    self.select.text
                                ),
                                "not a quantity field",
                                None,
                            );
                            return None;
                        }
                        _ => {}
                    }
                    Some(Bound::Quantity(q, text.clone()))
                }
                Err(e) => {
                    self.error(
                        pointer,
                        format!("the bound is not a number or a quantity: {e}"),
                        "bad bound",
                        None,
                    );
                    None
                }
            },
            _ => None,
        }
    }

    fn date_bound(&mut self, text: &str, pointer: &str) -> Option<DateBound> {
        if text == "today" {
            return Some(DateBound::Today);
        }
        if let Some(d) = Date::parse(text) {
            Some(DateBound::Date(d))
        } else {
            self.error(
                pointer,
                format!("`{text}` is not a calendar date"),
                "bad date",
                Some("write YYYY-MM-DD or `today`".into()),
            );
            None
        }
    }

    /// Compiles a predicate; `top` allows the forms that read the whole selection or tree.
    fn compile(&mut self, raw: &RawPredicate, pointer: &str, top: bool) -> Predicate {
        let present = [
            (Form::Required, raw.required.is_some()),
            (Form::Absent, raw.absent.is_some()),
            (Form::Equals, raw.equals.is_some()),
            (Form::In, raw.in_.is_some()),
            (Form::Range, raw.min.is_some() || raw.max.is_some()),
            (Form::Matches, raw.matches.is_some()),
            (Form::Unique, raw.unique.is_some()),
            (Form::Count, raw.count.is_some()),
            (Form::Ref, raw.ref_.is_some()),
            (Form::Before, raw.before.is_some()),
            (Form::After, raw.after.is_some()),
            (Form::Expr, raw.expr.is_some()),
            (Form::All, raw.all.is_some()),
            (Form::Any, raw.any.is_some()),
            (Form::Not, raw.not.is_some()),
            (Form::Builtin, raw.builtin.is_some()),
        ];
        let forms: Vec<Form> = present.iter().filter(|(_, p)| *p).map(|(f, _)| *f).collect();
        if forms.len() != 1 {
            self.error(
                pointer,
                format!(
                    "a predicate has exactly one form, not {}",
                    if forms.is_empty() {
                        "none".to_owned()
                    } else {
                        forms.iter().map(|f| f.name()).collect::<Vec<_>>().join(" and ")
                    }
                ),
                "predicate",
                Some("combine forms with `all: [...]` or `any: [...]`".into()),
            );
            return Predicate::All(Vec::new());
        }
        let whole_selection_only = |this: &mut Self, name: &str| {
            if !top {
                this.error(
                    &format!("{pointer}/{name}"),
                    format!("`{name}` reads the whole selection, so it can only be the rule's `check`"),
                    "not here",
                    None,
                );
            }
        };
        let Some(&form) = forms.first() else {
            return Predicate::All(Vec::new());
        };
        match form {
            Form::Required => Predicate::Required,
            Form::Absent => Predicate::Absent,
            Form::Equals => Predicate::Equals(raw.equals.clone().unwrap_or(Value::Null)),
            Form::In => Predicate::In(raw.in_.clone().unwrap_or_default()),
            Form::Range => {
                let min = raw.min.as_ref().and_then(|v| self.bound(v, &format!("{pointer}/min")));
                let max = raw.max.as_ref().and_then(|v| self.bound(v, &format!("{pointer}/max")));
                Predicate::Range { min, max }
            }
            Form::Matches => {
                let source = raw.matches.clone().unwrap_or_default();
                match regex::Regex::new(&source) {
                    Ok(re) => Predicate::Matches(re),
                    Err(e) => {
                        self.error(
                            &format!("{pointer}/matches"),
                            format!("invalid regular expression: {e}"),
                            "regex",
                            Some(
                                "patterns run in linear time, so look-around and back-references are not available"
                                    .into(),
                            ),
                        );
                        Predicate::All(Vec::new())
                    }
                }
            }
            Form::Unique => {
                whole_selection_only(self, "unique");
                Predicate::Unique
            }
            Form::Count => {
                whole_selection_only(self, "count");
                let count = raw.count.clone().unwrap_or_default();
                Predicate::Count {
                    min: count.min,
                    max: count.max,
                }
            }
            Form::Ref => match raw
                .ref_
                .as_ref()
                .and_then(|r| self.ref_spec(r, &format!("{pointer}/ref")))
            {
                Some(spec) => Predicate::Ref(spec),
                None => Predicate::All(Vec::new()),
            },
            Form::Before => raw
                .before
                .as_deref()
                .and_then(|t| self.date_bound(t, &format!("{pointer}/before")))
                .map_or(Predicate::All(Vec::new()), Predicate::Before),
            Form::After => raw
                .after
                .as_deref()
                .and_then(|t| self.date_bound(t, &format!("{pointer}/after")))
                .map_or(Predicate::All(Vec::new()), Predicate::After),
            Form::Expr => {
                let source = raw.expr.clone().unwrap_or_default();
                if self.deferred {
                    return Predicate::Expr(Box::new(expr::Expr::deferred_with(&source, self.bound.clone())));
                }
                match expr::compile_with(&source, self.bound.clone()) {
                    Ok(e) => Predicate::Expr(Box::new(e)),
                    Err(e) => {
                        let at = format!("{pointer}/expr");
                        let span = self.ctx.inner_span(&at, e.offset, e.len);
                        self.errors.push(self.ctx.error_at(span, e.message, "here", None));
                        Predicate::All(Vec::new())
                    }
                }
            }
            Form::All => Predicate::All(
                raw.all
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, p)| self.compile(p, &format!("{pointer}/all/{i}"), false))
                    .collect(),
            ),
            Form::Any => Predicate::Any(
                raw.any
                    .iter()
                    .flatten()
                    .enumerate()
                    .map(|(i, p)| self.compile(p, &format!("{pointer}/any/{i}"), false))
                    .collect(),
            ),
            Form::Not => match &raw.not {
                Some(inner) => Predicate::Not(Box::new(self.compile(inner, &format!("{pointer}/not"), false))),
                None => Predicate::All(Vec::new()),
            },
            Form::Builtin => {
                whole_selection_only(self, "builtin");
                let name = raw.builtin.as_deref().unwrap_or_default();
                if let Some(b) = Builtin::parse(name) {
                    Predicate::Builtin(b)
                } else {
                    // Never a placeholder that passes: an unknown check is an error.
                    self.error(
                        &format!("{pointer}/builtin"),
                        format!("`{}` is not a built-in check", crate::text::quote(name)),
                        "unknown built-in",
                        Some("the built-in checks: project-membership, unique-names, unique-ids, references".into()),
                    );
                    Predicate::All(Vec::new())
                }
            }
        }
    }
}

fn compile_tests(ctx: &FileCtx, raw: &RawRule, errors: &mut Vec<LocatedError>) -> Vec<TestCase> {
    let mut cases = Vec::new();
    let parse_date = |errors: &mut Vec<LocatedError>, text: Option<&String>, pointer: &str| -> Option<Date> {
        let text = text?;
        let date = Date::parse(text);
        if date.is_none() {
            errors.push(ctx.error(pointer, format!("`{text}` is not a calendar date"), "bad date", None));
        }
        date
    };
    for (i, case) in raw.tests.valid.iter().enumerate() {
        let pointer = format!("/tests/valid/{i}");
        let is_case = case.get("documents").is_some();
        let (name, stage, as_of, settings, document_pointers) = if is_case {
            let options: super::raw::RawCase = match serde_json::from_value(case.clone()) {
                Ok(o) => o,
                Err(e) => {
                    errors.push(ctx.error(&pointer, format!("invalid case: {e}"), "case", None));
                    continue;
                }
            };
            let docs = (0..options.documents.len())
                .map(|d| format!("{pointer}/documents/{d}"))
                .collect::<Vec<_>>();
            let as_of = parse_date(errors, options.as_of.as_ref(), &format!("{pointer}/asOf"));
            (
                options.name,
                options.stage,
                as_of,
                options.settings.unwrap_or_default(),
                docs,
            )
        } else {
            (None, None, None, BTreeMap::new(), vec![pointer.clone()])
        };
        cases.push(TestCase {
            valid: true,
            name,
            stage: stage.and_then(Stage::new),
            as_of,
            settings,
            documents: document_ids(ctx, &document_pointers),
            expect: Vec::new(),
            messages: Vec::new(),
            pointer,
        });
    }
    for (i, case) in raw.tests.invalid.iter().enumerate() {
        let pointer = format!("/tests/invalid/{i}");
        let RawInvalidCase {
            name,
            stage,
            as_of,
            settings,
            documents,
            expect,
        } = case;
        let docs: Vec<String> = (0..documents.len())
            .map(|d| format!("{pointer}/documents/{d}"))
            .collect();
        for (e, expectation) in expect.iter().enumerate() {
            if expectation.document.unwrap_or(0) >= documents.len() {
                errors.push(ctx.error(
                    &format!("{pointer}/expect/{e}/document"),
                    format!("the case has {} document(s)", documents.len()),
                    "no such document",
                    None,
                ));
            }
            if let Some(outcome) = &expectation.outcome
                && outcome != "fail"
                && outcome != "cannot-verify"
            {
                errors.push(ctx.error(
                    &format!("{pointer}/expect/{e}/outcome"),
                    format!("`{}` is not an outcome", crate::text::quote(outcome)),
                    "unknown outcome",
                    Some("write `fail` (the default) or `cannot-verify`".into()),
                ));
            }
        }
        cases.push(TestCase {
            valid: false,
            name: name.clone(),
            stage: stage.and_then(Stage::new),
            as_of: parse_date(errors, as_of.as_ref(), &format!("{pointer}/asOf")),
            settings: settings.clone().unwrap_or_default(),
            documents: document_ids(ctx, &docs),
            expect: expect
                .iter()
                .map(|e| {
                    (
                        e.document.unwrap_or(0),
                        e.at.clone(),
                        e.outcome.as_deref() == Some("cannot-verify"),
                    )
                })
                .collect(),
            messages: expect
                .iter()
                .filter_map(|e| Some((e.document.unwrap_or(0), e.at.clone(), e.message.clone()?)))
                .collect(),
            pointer,
        });
    }
    cases
}

fn document_ids(ctx: &FileCtx, pointers: &[String]) -> Vec<u32> {
    pointers
        .iter()
        .filter_map(|p| ctx.doc.pointer(p))
        .map(|n| n.id())
        .collect()
}

/// The dimension of a quantity bound, for messages.
#[must_use]
pub fn bound_dimension(bound: &Bound) -> Option<Dimension> {
    match bound {
        Bound::Quantity(q, _) => Some(q.dimension()),
        Bound::Number(_) => None,
    }
}

/// Document-sharing sites (reference/domain.md): a copy there may be partial, altered or
/// mislabelled, so a rule resting only on it is at most a warning.
const SHARING_HOSTS: &[&str] = &[
    "docslib.org",
    "paperzz.com",
    "scribd.com",
    "pdfcoffee.com",
    "readbag.com",
    "studylib.net",
    "pdfslide.net",
    "pdfslide.fr",
    "pdfslide.us",
    "tpub.com",
    "vdocument.in",
    "vdocuments.mx",
    "vdocuments.site",
    "fdocuments.in",
    "docsbay.net",
    "1library.net",
    "wixlib.com",
    "abcdocz.com",
    "yumpu.com",
    "issuu.com",
    "slideshare.net",
    "dokumen.pub",
    "kupdf.net",
];

/// Whether a web address is on a document-sharing site, or reaches one through a proxy: its
/// host, or any segment of its path, is a sharing host or one of its subdomains.
#[must_use]
pub fn on_sharing_site(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).any(|segment| {
        let host = segment.rsplit_once('@').map_or(segment, |(_, host)| host);
        let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
        SHARING_HOSTS
            .iter()
            .any(|s| host == *s || host.strip_suffix(s).is_some_and(|sub| sub.ends_with('.')))
    })
}
