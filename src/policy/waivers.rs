//! Accountable waivers: inline (`# standoff: waive RULE-ID reason="…" until=YYYY-MM-DD`, on the
//! line of the finding or the line above) and in a waiver file. A waiver needs a reason; an
//! expired one stops waiving and is reported; one that waives nothing is reported; load errors
//! are never waived. YAML events carry no comments, so comments are found here, in the text,
//! outside every scalar.

use crate::checks::is_load_error;
use crate::date::Date;
use crate::engine::annotate::id_path;
use crate::model::finding::{AppliedWaiver, FileId, Finding, Severity, WaiverOrigin};
use crate::model::source::{DesignDocument, SourceFile};
use crate::text::quote;
use crate::yaml::{Span, YamlDocument};

/// The waiver file's default name, beside the config.
pub(crate) const WAIVER_FILE: &str = "standoff-waivers.yaml";

/// A waiver from the waiver file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Waiver {
    pub(crate) rule: String,
    /// The document file, relative to the config's folder.
    pub(crate) file: String,
    pub(crate) pointer: Option<String>,
    pub(crate) item: Option<String>,
    pub(crate) reason: String,
    pub(crate) approver: String,
    pub(crate) until: Option<Date>,
    /// Its position in the waiver file, and where it is written there.
    pub(crate) index: usize,
    pub(crate) span: Span,
}

/// The waiver file: where it is, its text, and its waivers.
#[derive(Clone, Debug, Default)]
pub(crate) struct WaiverFile {
    pub(crate) path: String,
    pub(crate) text: String,
    pub(crate) waivers: Vec<Waiver>,
}

/// An inline waiver found in a document's comments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct InlineWaiver {
    pub(crate) rules: Vec<String>,
    pub(crate) reason: Option<String>,
    pub(crate) approver: Option<String>,
    pub(crate) until: Option<Date>,
    /// The 1-based line whose findings it waives.
    pub(crate) target_line: u32,
    pub(crate) line: u32,
    pub(crate) span: Span,
    /// Why it cannot be used, if it cannot.
    pub(crate) problem: Option<String>,
}

/// The byte spans of every scalar value in the documents (a `#` inside one is not a comment).
pub(crate) fn scalar_spans(documents: &[&YamlDocument]) -> Vec<Span> {
    let mut spans: Vec<Span> = documents
        .iter()
        .flat_map(|d| {
            d.spans
                .iter()
                .enumerate()
                .filter(|(i, e)| e.end == *i as u32 + 1)
                .map(|(_, e)| e.value)
        })
        .collect();
    spans.sort_unstable();
    spans
}

fn inside(spans: &[Span], offset: u32) -> bool {
    let i = spans.partition_point(|s| s.start <= offset);
    i > 0 && spans[i - 1].end > offset
}

/// Reads `key="value"` or `key=value` pairs after the rule ids.
/// A directive's rule ids, reason, until and approver.
type Directive = (Vec<String>, Option<String>, Option<String>, Option<String>);

fn parse_directive(text: &str) -> Result<Directive, String> {
    let mut rest = text.trim();
    let ids_end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let rules: Vec<String> = rest[..ids_end]
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    if rules.is_empty() {
        return Err("name the rule to waive: `# standoff: waive RULE-ID reason=\"...\"`".into());
    }
    rest = rest[ids_end..].trim_start();
    let (mut reason, mut until, mut approver) = (None, None, None);
    while !rest.is_empty() {
        let Some((key, after)) = rest.split_once('=') else {
            return Err(format!("cannot read `{}`: write key=\"value\"", quote(rest)));
        };
        let key = key.trim();
        let after = after.trim_start();
        let (value, remaining) = if let Some(quoted) = after.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (&quoted[..end], &quoted[end + 1..]),
                None => return Err(format!("the value of `{key}` has no closing quote")),
            }
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        match key {
            "reason" => reason = Some(value.trim().to_owned()).filter(|r| !r.is_empty()),
            "until" => until = Some(value.to_owned()),
            "approver" => approver = Some(value.trim().to_owned()).filter(|a| !a.is_empty()),
            other => {
                return Err(format!(
                    "unknown key `{}`: use reason, until and approver",
                    quote(other)
                ));
            }
        }
        rest = remaining.trim_start();
    }
    Ok((rules, reason, until, approver))
}

/// Every inline waiver of a file.
#[must_use]
pub(crate) fn scan(text: &str, documents: &[&YamlDocument]) -> Vec<InlineWaiver> {
    let spans = scalar_spans(documents);
    let mut found = Vec::new();
    let mut offset = 0usize;
    let all_lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (n, line) in all_lines.iter().enumerate() {
        let bytes = line.as_bytes();
        let mut search = 0;
        while let Some(hash) = line[search..].find('#').map(|i| i + search) {
            search = hash + 1;
            let at = (offset + hash) as u32;
            let starts_comment = hash == 0 || bytes[hash - 1] == b' ' || bytes[hash - 1] == b'\t';
            if !starts_comment || inside(&spans, at) {
                continue;
            }
            let comment = line[hash + 1..].trim_end_matches(['\n', '\r']).trim();
            let Some(directive) = comment.strip_prefix("standoff:") else {
                break;
            };
            let directive = directive.trim_start();
            let Some(body) = directive.strip_prefix("waive") else {
                break;
            };
            let line_number = n as u32 + 1;
            let own_line = line[..hash].trim().is_empty();
            // On its own line it waives the next line with content; after content, its own line.
            let target_line = if own_line {
                all_lines[n + 1..]
                    .iter()
                    .position(|l| {
                        let t = l.trim();
                        !t.is_empty() && !t.starts_with('#')
                    })
                    .map_or(line_number + 1, |k| line_number + 1 + k as u32)
            } else {
                line_number
            };
            let span = Span::new(at, (offset + line.trim_end_matches(['\n', '\r']).len()) as u32);
            let mut waiver = InlineWaiver {
                rules: Vec::new(),
                reason: None,
                approver: None,
                until: None,
                target_line,
                line: line_number,
                span,
                problem: None,
            };
            match parse_directive(body) {
                Ok((rules, reason, until, approver)) => {
                    waiver.rules = rules;
                    waiver.reason = reason;
                    waiver.approver = approver;
                    if let Some(until) = until {
                        waiver.until = Date::parse(&until);
                        if waiver.until.is_none() {
                            waiver.problem = Some(format!("`until={}` is not a date: write YYYY-MM-DD", quote(&until)));
                        }
                    }
                    if waiver.reason.is_none() && waiver.problem.is_none() {
                        waiver.problem = Some("a waiver needs a reason: add reason=\"…\"".into());
                    }
                    if let Some(load) = waiver.rules.iter().find(|r| is_load_error(r)) {
                        waiver.problem = Some(format!("{load} is a load error, and load errors cannot be waived"));
                    }
                }
                Err(problem) => waiver.problem = Some(problem),
            }
            found.push(waiver);
            break;
        }
        offset += line.len();
    }
    found
}

fn notice(rule: &'static str, severity: Severity, file: FileId, span: Span, message: String, help: &str) -> Finding {
    Finding::new(rule, severity, file, message)
        .at(span)
        .label("waiver")
        .help(help)
}

/// Why a waived id names no rule or check of this run, with a did-you-mean; `None` when it
/// names one (or when `known` is empty: nothing to judge it against).
fn unknown_id(id: &str, known: &[String]) -> Option<String> {
    if known.is_empty() || known.iter().any(|k| k == id) {
        return None;
    }
    let hint = crate::text::did_you_mean(id, known.iter().map(String::as_str))
        .map(|m| format!("; did you mean {m}?"))
        .unwrap_or_default();
    Some(format!("no rule or check `{}`{hint}", quote(id)))
}

/// Marks waived findings and adds the notices (expired, unused and invalid waivers). The
/// waiver file, when it has notices, is added to `files`. `known` holds every rule and check
/// id of the run: a waiver naming another id is invalid (it would waive nothing, unseen).
/// `can_report(file, rule)` says whether the rule can report in that file in this run (due at
/// its project's stage, and selected): a waiver of a rule that cannot is not idle, only early
/// (a correct stage-2 waiver at stage 1), and is not reported as waiving nothing.
#[allow(clippy::too_many_arguments, reason = "one call site, each argument a distinct input")]
pub(crate) fn apply(
    findings: &mut [Finding],
    files: &mut Vec<SourceFile>,
    documents: &[DesignDocument],
    waiver_file: Option<&WaiverFile>,
    paths: &[String],
    as_of: Option<Date>,
    known: &[String],
    can_report: &dyn Fn(FileId, &str) -> bool,
    notices: &mut Vec<Finding>,
) {
    let expired = |until: Option<Date>| until.zip(as_of).is_some_and(|(until, today)| today > until);
    // Inline waivers, file by file.
    for (file_index, source) in files.iter().enumerate() {
        if source.text.is_empty() || !source.text.contains("standoff:") {
            continue;
        }
        let file = FileId(file_index as u32);
        let docs: Vec<&YamlDocument> = documents.iter().filter(|d| d.file == file).map(|d| &d.yaml).collect();
        for waiver in scan(&source.text, &docs) {
            if let Some(problem) = &waiver.problem {
                notices.push(notice("WAIVER-INVALID", Severity::Error, file, waiver.span, format!("this waiver cannot be used: {problem}"), "write `# standoff: waive RULE-ID reason=\"why\" until=YYYY-MM-DD` on the finding's line or the line above"));
                continue;
            }
            for problem in waiver.rules.iter().filter_map(|r| unknown_id(r, known)) {
                notices.push(notice(
                    "WAIVER-INVALID",
                    Severity::Error,
                    file,
                    waiver.span,
                    format!("this waiver names {problem}"),
                    "name an existing rule id (`standoff rules` lists them)",
                ));
            }
            if expired(waiver.until) {
                let until = waiver.until.map(|d| d.to_string()).unwrap_or_default();
                notices.push(notice(
                    "WAIVER-EXPIRED",
                    Severity::Warning,
                    file,
                    waiver.span,
                    format!(
                        "this waiver of {} expired on {until}: its findings are reported again",
                        waiver.rules.join(", ")
                    ),
                    "review the finding: fix it, or renew the waiver with a new expiry and reason",
                ));
                continue;
            }
            let mut used = false;
            for f in findings.iter_mut().filter(|f| f.file == file && f.waiver.is_none()) {
                let Some(span) = f.span else { continue };
                let line = source.lines().line_col(&source.text, span.start).line;
                if line == waiver.target_line && waiver.rules.iter().any(|r| *r == f.rule) && !is_load_error(&f.rule) {
                    f.waiver = Some(Box::new(AppliedWaiver {
                        reason: waiver.reason.clone().unwrap_or_default(),
                        approver: waiver.approver.clone(),
                        until: waiver.until,
                        origin: WaiverOrigin::Inline {
                            file,
                            line: waiver.line,
                        },
                    }));
                    used = true;
                }
            }
            if !used && waiver.rules.iter().any(|r| can_report(file, r)) {
                notices.push(notice(
                    "WAIVER-UNUSED",
                    Severity::Warning,
                    file,
                    waiver.span,
                    format!(
                        "this waiver of {} waives nothing on line {}",
                        waiver.rules.join(", "),
                        waiver.target_line
                    ),
                    "remove the waiver, or move it onto the finding's line or the line above",
                ));
            }
        }
    }
    // The waiver file.
    let Some(waiver_file) = waiver_file else { return };
    let file = FileId(files.len() as u32);
    let mut file_used = false;
    for waiver in &waiver_file.waivers {
        if let Some(problem) = unknown_id(&waiver.rule, known) {
            notices.push(notice(
                "WAIVER-INVALID",
                Severity::Error,
                file,
                waiver.span,
                format!("the waiver for {} names {problem}", waiver.file),
                "name an existing rule id (`standoff rules` lists them)",
            ));
            file_used = true;
            continue;
        }
        let mut note = |rule: &'static str, message: String, help: &str| {
            notices.push(notice(rule, Severity::Warning, file, waiver.span, message, help));
            file_used = true;
        };
        if is_load_error(&waiver.rule) {
            note(
                "WAIVER-INVALID",
                format!("{} is a load error, and load errors cannot be waived", waiver.rule),
                "fix the file instead",
            );
            continue;
        }
        if expired(waiver.until) {
            let until = waiver.until.map(|d| d.to_string()).unwrap_or_default();
            note(
                "WAIVER-EXPIRED",
                format!(
                    "the waiver of {} in {} expired on {until}: its findings are reported again",
                    waiver.rule, waiver.file
                ),
                "review the finding: fix it, or renew the waiver with a new expiry and reason",
            );
            continue;
        }
        let mut used = false;
        for f in findings
            .iter_mut()
            .filter(|f| f.waiver.is_none() && f.rule == waiver.rule)
        {
            if paths.get(f.file.0 as usize).is_none_or(|p| *p != waiver.file) {
                continue;
            }
            let pointer_ok = waiver.pointer.as_ref().is_none_or(|p| f.pointer.as_ref() == Some(p));
            let item_ok = waiver.item.as_ref().is_none_or(|item| {
                let doc = f
                    .document
                    .and_then(|i| documents.iter().find(|d| d.file == f.file && d.index == i));
                match (doc, &f.pointer) {
                    (Some(doc), Some(pointer)) => id_path(doc, pointer).contains(&format!("[{item}]")),
                    _ => false,
                }
            });
            if pointer_ok && item_ok {
                f.waiver = Some(Box::new(AppliedWaiver {
                    reason: waiver.reason.clone(),
                    approver: Some(waiver.approver.clone()),
                    until: waiver.until,
                    origin: WaiverOrigin::File {
                        path: waiver_file.path.clone(),
                        index: waiver.index,
                    },
                }));
                used = true;
            }
        }
        // A waiver naming a file the tree does not hold is idle whatever its rule.
        let target = paths.iter().position(|p| *p == waiver.file).map(|i| FileId(i as u32));
        if !used && target.is_none_or(|t| can_report(t, &waiver.rule)) {
            note(
                "WAIVER-UNUSED",
                format!("the waiver of {} in {} waives nothing", waiver.rule, waiver.file),
                "remove the waiver, or correct its file, pointer or item",
            );
        }
    }
    if file_used {
        files.push(SourceFile::new(waiver_file.path.clone(), waiver_file.text.clone()));
    }
}

/// Sets the notices' sensitivity and fingerprint as for every finding. A notice in a document
/// file takes that file's sensitivity; one in the waiver file takes that of the document file
/// its waiver names (of the whole tree when it names none of the tree's files), since the
/// waiver's lines (its pointer, item and reason) describe that document.
pub(crate) fn annotate_notices(
    notices: &mut [Finding],
    checked: &crate::engine::Checked,
    waiver_file: Option<&WaiverFile>,
    waiver_file_id: FileId,
    paths: &[String],
) {
    let sensitivity = &checked.sensitivity;
    let targets: Vec<Option<FileId>> = notices
        .iter()
        .map(|notice| {
            waiver_file
                .filter(|_| notice.file == waiver_file_id)
                .and_then(|wf| wf.waivers.iter().find(|w| Some(w.span) == notice.span))
                .and_then(|w| paths.iter().position(|p| *p == w.file))
                .map(|i| FileId(i as u32))
        })
        .collect();
    crate::engine::annotate::annotate(notices, sensitivity, &checked.documents, &checked.files);
    for (notice, target) in notices.iter_mut().zip(targets) {
        if notice.file == waiver_file_id {
            notice.sensitive = match target {
                Some(file) => sensitivity.of_file(file, &checked.documents),
                None => sensitivity.any(),
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::{Limits, load};

    fn scan_text(text: &str) -> Vec<InlineWaiver> {
        let docs = load(text, &Limits::default()).documents;
        let refs: Vec<&YamlDocument> = docs.iter().collect();
        scan(text, &refs)
    }

    #[test]
    fn finds_waivers_on_the_line_and_above() {
        let text = "a: 1\n# standoff: waive HVM-GAP reason=\"tested array\" until=2027-01-01\nb: 2\nc: 3 # standoff: waive CORE-REF,HVM-PEN reason=ok\n";
        let found = scan_text(text);
        assert_eq!(found.len(), 2);
        assert_eq!(
            (found[0].target_line, found[0].rules.clone()),
            (3, vec!["HVM-GAP".to_owned()])
        );
        assert_eq!(found[0].until, Date::parse("2027-01-01"));
        assert_eq!(found[0].reason.as_deref(), Some("tested array"));
        assert_eq!((found[1].target_line, found[1].rules.len()), (4, 2));
    }

    #[test]
    fn a_hash_inside_a_value_is_not_a_comment() {
        let text = "a: \"x # standoff: waive HVM-GAP reason=no\"\nb: |\n  # standoff: waive HVM-GAP reason=no\n";
        assert!(scan_text(text).is_empty());
    }

    #[test]
    fn problems_are_named() {
        let no_reason = scan_text("a: 1 # standoff: waive HVM-GAP\n");
        assert!(
            no_reason[0]
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("needs a reason"))
        );
        let bad_date = scan_text("a: 1 # standoff: waive HVM-GAP reason=x until=soon\n");
        assert!(bad_date[0].problem.as_deref().is_some_and(|p| p.contains("not a date")));
        let load = scan_text("a: 1 # standoff: waive YAML-SYNTAX reason=x\n");
        assert!(
            load[0]
                .problem
                .as_deref()
                .is_some_and(|p| p.contains("cannot be waived"))
        );
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiverFile {
    waivers: Vec<RawWaiver>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    rule: String,
    file: String,
    pointer: Option<String>,
    item: Option<String>,
    reason: String,
    approver: String,
    until: Option<String>,
}

/// Reads and validates a waiver file (a tool input: any problem is a located error, exit 2).
pub(crate) fn load_file(text: &str, display: &str) -> Result<WaiverFile, crate::error::ToolError> {
    use crate::error::{LocatedError, ToolError};
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).to_owned();
    let located = |span: Span, message: String, label: &str, help: Option<String>| LocatedError {
        path: display.to_owned(),
        text: text.clone(),
        span,
        message,
        label: label.to_owned(),
        help,
    };
    let invalid = |errors| ToolError::Located {
        title: format!("{display} is not a valid waiver file"),
        errors,
    };
    let outcome = crate::yaml::load(&text, &crate::yaml::Limits::default());
    if let Some(e) = outcome.error {
        return Err(invalid(vec![located(e.span, e.message, "here", e.help)]));
    }
    let Some(doc) = outcome.documents.into_iter().next() else {
        return Ok(WaiverFile {
            path: display.to_owned(),
            text,
            waivers: Vec::new(),
        });
    };
    let schemas = crate::schema::schemas().map_err(ToolError::Message)?;
    let validator = schemas.validator("waivers.schema.json").map_err(ToolError::Message)?;
    let issues = crate::schema::validate(schemas, validator, &doc, &text);
    if !issues.is_empty() {
        return Err(invalid(
            issues
                .into_iter()
                .map(|i| located(i.span, i.message, &i.label, i.help))
                .collect(),
        ));
    }
    let raw: RawWaiverFile = serde_json::from_value(doc.value.clone()).map_err(|e| {
        invalid(vec![located(
            Span::at(0),
            format!("invalid waiver file: {e}"),
            "here",
            None,
        )])
    })?;
    let mut waivers = Vec::new();
    for (index, w) in raw.waivers.into_iter().enumerate() {
        let node = doc.pointer(&format!("/waivers/{index}"));
        let span = node.map_or(Span::at(0), |n| crate::schema::missing_anchor(&n, &text));
        let until = match &w.until {
            Some(u) => Some(Date::parse(u).ok_or_else(|| {
                invalid(vec![located(
                    span,
                    format!("`{}` is not a date", quote(u)),
                    "until",
                    None,
                )])
            })?),
            None => None,
        };
        waivers.push(Waiver {
            rule: w.rule,
            file: w.file.trim_start_matches("./").replace('\\', "/"),
            pointer: w.pointer,
            item: w.item,
            reason: w.reason,
            approver: w.approver,
            until,
            index,
            span,
        });
    }
    Ok(WaiverFile {
        path: display.to_owned(),
        text,
        waivers,
    })
}
