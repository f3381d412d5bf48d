//! Accepted residual risks (issue "Fail closed", section 2): a `SecurityStrategy`'s
//! `residualRisks` entry may name what it accepts (items by id, optionally rules), with an
//! owner and the date of acceptance. A finding on an item so accepted is shown as accepted,
//! counted apart, and listed by the gate with its owner and date; it does not fail the
//! verdict. An acceptance that covers nothing, or lacks its owner or date, is reported, as a
//! bad waiver is. Pure: the checked tree in, findings changed and notices out.

use serde_json::Value;

use crate::checks::is_load_error;
use crate::date::Date;
use crate::engine::Checked;
use crate::model::document::Kind;
use crate::model::finding::{Accepted, Finding, Severity};
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

/// The lists whose items a residual risk may accept, by kind (issue "Fail closed", 2):
/// approaches, assembly points, building faces and glazing elements; and (issue 13) the queues
/// and other crowded spaces, entrances, parking and street furniture the CTSA rules judge. A
/// whole document, or an item of any other list, cannot be accepted.
const ACCEPTABLE: [(Kind, &str); 8] = [
    (Kind::Site, "vehicleApproaches"),
    (Kind::Site, "assemblyPoints"),
    (Kind::Site, "crowdedSpaces"),
    (Kind::Site, "entrances"),
    (Kind::Site, "parking"),
    (Kind::Site, "streetFurniture"),
    (Kind::Site, "standoff"),
    (Kind::Glazing, "elements"),
];

/// The acceptable item a finding is located on, by id: `/spec/<list>/<n>/...` of an
/// acceptable list (or `/spec/standoff/...`, the building face, when it carries an `id`).
fn item_id(checked: &Checked, finding: &Finding) -> Option<String> {
    let index = finding.document?;
    let doc = checked
        .documents
        .iter()
        .find(|d| d.file == finding.file && d.index == index)?;
    let pointer = finding.pointer.as_deref()?;
    let mut tokens = pointer_tokens(pointer);
    if tokens.next().as_deref() != Some("spec") {
        return None;
    }
    let list = tokens.next()?;
    if !ACCEPTABLE.iter().any(|(kind, name)| *kind == doc.kind && *name == list) {
        return None;
    }
    let item = if list == "standoff" {
        doc.yaml.value.pointer("/spec/standoff")?
    } else {
        let position = tokens.next()?;
        doc.yaml.value.pointer(&format!("/spec/{list}/{position}"))?
    };
    item.get("id").and_then(Value::as_str).map(str::to_owned)
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
fn acceptances(checked: &Checked, as_of: Option<Date>, notices: &mut Vec<Finding>) -> Vec<Acceptance> {
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
            if date.zip(as_of).is_some_and(|(date, today)| date > today) {
                problems.push("an acceptance date that has come (`acceptedOn` is in the future)");
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
/// `can_report(file, rule)` says whether a rule can report in a file in this run (selected, and
/// due at its project's stage): an acceptance limited to rules none of which can is early or
/// out of the selection, not unused.
pub(crate) fn apply(
    findings: &mut [Finding],
    checked: &Checked,
    as_of: Option<Date>,
    can_report: &dyn Fn(crate::model::finding::FileId, &str) -> bool,
    notices: &mut Vec<Finding>,
) {
    let mut accepted = acceptances(checked, as_of, notices);
    if accepted.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        // Only a design risk can be accepted: never a load or schema error, a waiver or
        // acceptance notice, a rule that could not run, or an integrity (core) finding.
        if finding.waiver.is_some()
            || finding.accepted.is_some()
            || is_load_error(&finding.rule)
            || crate::checks::builtin_check(&finding.rule).is_some()
            || finding.rule.starts_with("CORE-")
        {
            continue;
        }
        let Some(project) = project_of(checked, finding) else {
            continue;
        };
        let Some(id) = item_id(checked, finding) else {
            continue;
        };
        let Some(acceptance) = accepted.iter_mut().find(|a| {
            a.project == project
                && a.items.contains(&id)
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
    let idle = |a: &Acceptance| {
        let file = checked.documents.get(a.document).map(|d| d.file);
        !a.rules.is_empty() && file.is_some_and(|file| a.rules.iter().all(|r| !can_report(file, r)))
    };
    for a in accepted.iter().filter(|a| !a.used && !idle(a)) {
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
