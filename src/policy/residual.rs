//! Accepted residual risks (issue "Fail closed", section 2): a `SecurityStrategy`'s
//! `residualRisks` entry may name what it accepts (items by id, optionally rules), with an
//! owner and the date of acceptance. A finding on an item so accepted is shown as accepted,
//! counted apart, and listed by the gate with its owner and date; it does not fail the
//! verdict. An acceptance that covers nothing, or lacks its owner or date, is reported, as a
//! bad waiver is. Pure: the checked tree in, findings changed and notices out.

use serde_json::Value;

use crate::checks::is_load_error;
use crate::date::Date;
use crate::document::Kind;
use crate::engine::Checked;
use crate::finding::{Accepted, Finding, Severity};
use crate::text::quote;
use crate::yaml::{Span, pointer_tokens};

/// One acceptance, read from a `SecurityStrategy`.
struct Acceptance {
    /// The index of the `SecurityStrategy` among the checked documents.
    document: usize,
    project: usize,
    risk: String,
    owner: String,
    date: Date,
    items: Vec<String>,
    rules: Vec<String>,
    span: Span,
    used: bool,
}

/// The item ids a finding is about: the list items its pointer passes through (by id), and
/// the item its selected value names (a reference such as `protects: [va-north]`).
fn item_ids(checked: &Checked, finding: &Finding) -> Vec<String> {
    let Some(index) = finding.document else {
        return Vec::new();
    };
    let Some(doc) = checked
        .documents
        .iter()
        .find(|d| d.file == finding.file && d.index == index)
    else {
        return Vec::new();
    };
    let Some(pointer) = finding.pointer.as_deref() else {
        return Vec::new();
    };
    // Every mapping on the way down that carries an `id` (list items, and a named mapping such
    // as a Site's `standoff: {id: foyer-face, ...}`).
    let mut ids: Vec<String> = Vec::new();
    let mut node = Some(doc.yaml.root());
    for token in pointer_tokens(pointer) {
        node = node.and_then(|n| n.child(&token));
        if let Some(Value::String(id)) = node.and_then(|n| n.value().get("id")) {
            ids.push(id.clone());
        }
    }
    if let Some(Value::String(named)) = doc.yaml.value.pointer(pointer) {
        ids.push(named.clone());
    }
    ids
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
        .unwrap_or_default()
}

fn notice(
    checked: &Checked,
    document: usize,
    span: Span,
    rule: &'static str,
    severity: Severity,
    message: String,
    help: &str,
) -> Finding {
    let doc = &checked.documents[document];
    Finding::new(rule, severity, doc.file, message)
        .at(span)
        .label("residual risk")
        .help(help)
}

/// Reads every acceptance, reporting the ones that cannot be used.
fn acceptances(checked: &Checked, notices: &mut Vec<Finding>) -> Vec<Acceptance> {
    let mut out = Vec::new();
    for (d, doc) in checked.documents.iter().enumerate() {
        if doc.kind != Kind::SecurityStrategy {
            continue;
        }
        let Some(project) = checked.projects.membership.get(d).copied().flatten() else {
            continue;
        };
        let Some(risks) = doc.yaml.value.pointer("/spec/residualRisks").and_then(Value::as_array) else {
            continue;
        };
        for (i, risk) in risks.iter().enumerate() {
            let Some(accepts) = risk.get("accepts") else { continue };
            let pointer = format!("/spec/residualRisks/{i}");
            let span = doc
                .yaml
                .pointer(&pointer)
                .map_or(Span::at(doc.yaml.start), |n| n.key_span().unwrap_or(n.span()));
            let id = risk.get("id").and_then(Value::as_str).unwrap_or("?").to_owned();
            let owner = risk
                .get("owner")
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|o| !o.is_empty());
            let date = risk.get("acceptedOn").and_then(Value::as_str).and_then(Date::parse);
            let accepted = risk.get("accepted").and_then(Value::as_bool) == Some(true);
            let items = strings(accepts.get("items"));
            let mut problems = Vec::new();
            if !accepted {
                problems.push("`accepted: true` (the owner's acceptance)");
            }
            if owner.is_none() {
                problems.push("an `owner`");
            }
            if date.is_none() {
                problems.push("the date of acceptance, `acceptedOn`");
            }
            if items.is_empty() {
                problems.push("the items it accepts, each named by id in `accepts.items`");
            }
            if !problems.is_empty() {
                notices.push(notice(
                    checked,
                    d,
                    span,
                    "RISK-INVALID",
                    Severity::Error,
                    format!(
                        "residual risk {} names what it accepts but lacks {}, so it accepts nothing",
                        quote(&id),
                        problems.join(", ")
                    ),
                    "an accepted residual risk needs `accepted: true`, an `owner`, `acceptedOn: YYYY-MM-DD` and `accepts.items`",
                ));
                continue;
            }
            out.push(Acceptance {
                document: d,
                project,
                risk: id,
                owner: owner.unwrap_or_default().to_owned(),
                date: date.unwrap_or_else(Date::today_utc),
                items,
                rules: strings(accepts.get("rules")),
                span,
                used: false,
            });
        }
    }
    out
}

/// The project a finding belongs to: its document's.
fn project_of(checked: &Checked, finding: &Finding) -> Option<usize> {
    let index = finding.document?;
    let d = checked
        .documents
        .iter()
        .position(|d| d.file == finding.file && d.index == index)?;
    checked.projects.membership.get(d).copied().flatten()
}

/// Marks the findings an accepted residual risk covers, and reports acceptances that cover
/// nothing or cannot be used.
pub fn apply(findings: &mut [Finding], checked: &Checked, notices: &mut Vec<Finding>) {
    let mut accepted = acceptances(checked, notices);
    if accepted.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        if finding.waiver.is_some() || finding.accepted.is_some() || is_load_error(&finding.rule) {
            continue;
        }
        let Some(project) = project_of(checked, finding) else {
            continue;
        };
        let ids = item_ids(checked, finding);
        if ids.is_empty() {
            continue;
        }
        let Some(acceptance) = accepted.iter_mut().find(|a| {
            a.project == project
                && a.items.iter().any(|item| ids.contains(item))
                && (a.rules.is_empty() || a.rules.iter().any(|r| super::pattern_matches(r, &finding.rule)))
        }) else {
            continue;
        };
        acceptance.used = true;
        finding.accepted = Some(Box::new(Accepted {
            risk: acceptance.risk.clone(),
            owner: acceptance.owner.clone(),
            date: acceptance.date,
            severity: finding.severity,
        }));
        finding.message = format!(
            "{} (accepted as {} by {} on {})",
            finding.message,
            acceptance.risk,
            quote(&acceptance.owner),
            acceptance.date
        );
        finding.severity = Severity::Info;
    }
    for a in accepted.iter().filter(|a| !a.used) {
        notices.push(notice(
            checked,
            a.document,
            a.span,
            "RISK-UNUSED",
            Severity::Warning,
            format!(
                "residual risk {} accepts {}{}, but no finding is on them",
                quote(&a.risk),
                a.items.iter().map(|i| quote(i)).collect::<Vec<_>>().join(", "),
                if a.rules.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", a.rules.join(", "))
                }
            ),
            "remove the acceptance if the risk was designed out, or correct its item ids and rules",
        ));
    }
}
