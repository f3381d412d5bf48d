//! `standoff gate --stage N [PATHS] --out DIR`: the review gate at the end of a stage.

use super::ExitStatus;
use std::fmt::Write as _;

use sha2::Digest as _;

use super::check::emit;
use super::{GateArgs, GlobalArgs};
use crate::app::judge::{JudgeRequest, judge};
use crate::app::walk;
use crate::error::ToolError;
use crate::gate::{self, ConfigRecord, GateRequest};
use crate::report::Output;

pub(super) fn run(args: &GateArgs, global: &GlobalArgs) -> Result<ExitStatus, ToolError> {
    if let Some(record) = &args.verify {
        return verify(record, args, global);
    }
    let (Some(stage), Some(out)) = (args.stage, args.out.as_ref()) else {
        return Err(ToolError::message("the gate needs --stage N and --out DIR"));
    };
    if crate::app::output::is_dash(out) {
        return Err(ToolError::message(
            "gate --out names a folder (the gate writes gate-record.json and gate-report.html there), not `-`",
        ));
    }
    let judgement = judge(&gate_request(args, stage, global))?;
    let config = config_record(&judgement);
    let output = Output {
        rules: &judgement.rules,
        reveal: args.reveal,
        tool_version: env!("CARGO_PKG_VERSION"),
        fail_on: crate::model::finding::Severity::Error,
    };
    let gate_request = GateRequest {
        stage,
        as_of: judgement.as_of.to_string(),
        inputs: judgement.inputs.clone(),
        config,
        waiver_file: judgement.waiver_file.clone(),
        disregarded: judgement.disregarded.clone(),
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let record = gate::record(&judgement.checked, &output, &gate_request);
    let json = serde_json::to_string_pretty(&record).map_err(|e| ToolError::message(e.to_string()))? + "\n";
    // The same JSON, with control and bidirectional characters written as `\u` escapes, as
    // every other JSON output: a record read in a terminal or a review tool shows no tricks.
    let json = crate::text::json_terminal(&json).into_owned();
    let html = gate::html(&record);
    // Both files are checked against the inputs before either is written (src/output.rs).
    let record_path = out.join("gate-record.json");
    let report_path = out.join("gate-report.html");
    crate::app::output::write_files(
        &[(&record_path, json.as_bytes()), (&report_path, html.as_bytes())],
        &judgement.guard,
    )?;
    let mut summary = String::new();
    // The terminal is for the person at the keyboard: it names the projects.
    for (project, model) in record.projects.iter().zip(&judgement.checked.projects.projects) {
        let _ = writeln!(
            summary,
            "project {}: {} at the end of stage {} ({} errors, {} warnings, {} info, {} waived)",
            crate::text::quote(&model.name),
            if project.passed { "passed" } else { "NOT PASSED" },
            record.stage,
            project.counts.error,
            project.counts.warning,
            project.counts.info,
            project.waived
        );
    }
    for reason in &record.reasons {
        let _ = writeln!(summary, "not passed: {reason}");
    }
    // A pass that rests on accepted risks says so, with who accepted each and when (the
    // terminal is for the person at the keyboard: the names are shown).
    for f in judgement.checked.findings.iter().filter(|f| f.waiver.is_none()) {
        let (Some(a), Some(file)) = (&f.accepted, judgement.checked.files.get(f.file.0 as usize)) else {
            continue;
        };
        let _ = writeln!(
            summary,
            "accepted: {} by {} on {}: {} in {}",
            a.risk, a.owner, a.date, f.rule, file.path
        );
    }
    let verdict = match (record.passed, record.accepted.is_empty()) {
        (true, true) => "passed".to_owned(),
        (true, false) => format!("passed with {}", gate::accepted_count(record.accepted.len())),
        (false, _) => "NOT PASSED".to_owned(),
    };
    let _ = writeln!(
        summary,
        "gate {}: report in {}",
        verdict,
        crate::text::terminal_line(&walk::display(&out.join("gate-report.html")))
    );
    if !global.quiet {
        emit(crate::text::terminal(&summary).as_bytes(), None)?;
    }
    Ok(if record.passed {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn gate_request<'a>(args: &'a GateArgs, stage: crate::stage::Stage, global: &GlobalArgs) -> JudgeRequest<'a> {
    JudgeRequest {
        paths: &args.paths,
        config: args.config.as_ref(),
        rules: &args.rules,
        stage: None,
        as_of: args.as_of,
        lookahead: false,
        gate: Some(stage),
        select: None,
        ignore: Vec::new(),
        verbose: global.verbose,
        stdin: None,
        buffers: &[],
    }
}

fn config_record(judgement: &crate::app::judge::Judgement) -> Option<ConfigRecord> {
    match (&judgement.config.path, &judgement.config.text) {
        (Some(path), Some(text)) => Some(ConfigRecord {
            path: walk::display_from(path, &judgement.root),
            sha256: crate::text::hex(&sha2::Sha256::digest(text.as_bytes())),
        }),
        _ => None,
    }
}

/// `gate --verify RECORD [PATHS]`: are the inputs, config, waiver file and packs under PATHS
/// still what the record says was judged? Exit 0 when they are, 1 when anything differs.
fn verify(record_path: &std::path::Path, args: &GateArgs, global: &GlobalArgs) -> Result<ExitStatus, ToolError> {
    use std::collections::BTreeMap;
    let shown = walk::display(record_path);
    let text = std::fs::read_to_string(record_path)
        .map_err(|e| ToolError::message(format!("cannot read the gate record {shown}: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ToolError::message(format!("{shown} is not a gate record (not JSON: {e})")))?;
    if let Some(version) = value.get("version").and_then(serde_json::Value::as_u64)
        && version != u64::from(gate::RECORD_VERSION)
    {
        return Err(ToolError::message(format!(
            "{shown} is a version {version} gate record; this standoff verifies version {} (run the gate again to make one)",
            gate::RECORD_VERSION
        )));
    }
    let schemas = crate::schema::schemas().map_err(ToolError::Message)?;
    let validator = schemas
        .validator("gate-record.schema.json")
        .map_err(ToolError::Message)?;
    if let Some(error) = validator.iter_errors(&value).next() {
        return Err(ToolError::message(format!(
            "{shown} is not a valid gate record: at `{}`: {}",
            crate::text::quote(error.instance_path().as_str()),
            crate::text::quote(&error.to_string())
        )));
    }
    let record: gate::StoredRecord = serde_json::from_value(value)
        .map_err(|e| ToolError::message(format!("{shown} is not a valid gate record: {e}")))?;
    let stage = crate::stage::Stage::new(record.stage)
        .ok_or_else(|| ToolError::message(format!("{shown}: stage {} is not a RIBA stage", record.stage)))?;
    // Judged again, as of the record's date: the record's verdict and findings must be what
    // the same inputs give, so an edited record (a "passed" written over a failure) is caught.
    let as_of = crate::date::Date::parse(&record.as_of)
        .ok_or_else(|| ToolError::message(format!("{shown}: `asOf` is not a date")))?;
    let mut request = gate_request(args, stage, global);
    request.as_of = Some(as_of);
    let judgement = judge(&request)?;
    let mut differences: Vec<String> = Vec::new();
    let output = Output {
        rules: &judgement.rules,
        reveal: false,
        tool_version: env!("CARGO_PKG_VERSION"),
        fail_on: crate::model::finding::Severity::Error,
    };
    let again = gate::record(
        &judgement.checked,
        &output,
        &GateRequest {
            stage,
            as_of: record.as_of.clone(),
            inputs: judgement.inputs.clone(),
            config: config_record(&judgement),
            waiver_file: judgement.waiver_file.clone(),
            disregarded: judgement.disregarded.clone(),
            tool_version: env!("CARGO_PKG_VERSION"),
        },
    );
    if again.passed != record.passed {
        differences.push(format!(
            "the verdict: the record says {}, the same inputs give {}",
            if record.passed { "passed" } else { "not passed" },
            if again.passed { "passed" } else { "not passed" }
        ));
    }
    let mut stored = record.findings.clone();
    stored.sort();
    let mut judged: Vec<gate::StoredFinding> = again
        .findings
        .iter()
        .map(|f| gate::StoredFinding {
            rule: f.rule.clone(),
            severity: f.severity.as_str().to_owned(),
            fingerprint: f.fingerprint.clone(),
            waived: f.waived,
        })
        .collect();
    judged.sort();
    if stored != judged {
        let missing = judged.iter().filter(|f| !stored.contains(f)).count();
        let extra = stored.iter().filter(|f| !judged.contains(f)).count();
        differences.push(format!(
            "the findings: {missing} the same inputs give are not in the record, and {extra} in the record they do not give"
        ));
    }
    let now: BTreeMap<&str, Option<&str>> = judgement
        .inputs
        .iter()
        .map(|i| (i.path.as_str(), i.sha256.as_deref()))
        .collect();
    let then: BTreeMap<&str, Option<&str>> = record
        .inputs
        .iter()
        .map(|i| (i.path.as_str(), i.sha256.as_deref()))
        .collect();
    for (path, sha) in &then {
        match now.get(path) {
            None => differences.push(format!("input {} is missing", crate::text::quote(path))),
            Some(current) if current != sha => {
                differences.push(format!("input {} has changed", crate::text::quote(path)));
            }
            Some(_) => {}
        }
    }
    for path in now.keys().filter(|p| !then.contains_key(*p)) {
        differences.push(format!("input {} was not judged", crate::text::quote(path)));
    }
    let hashed =
        |what: &str, then: Option<(&str, &str)>, now: Option<(&str, &str)>, differences: &mut Vec<String>| match (
            then, now,
        ) {
            (Some((p, a)), Some((q, b))) if p == q && a == b => {}
            (None, None) => {}
            (Some((p, _)), Some((q, _))) if p == q => {
                differences.push(format!("the {what} {} has changed", crate::text::quote(p)));
            }
            (Some((p, _)), _) => differences.push(format!(
                "the {what} {} is not the one in force now",
                crate::text::quote(p)
            )),
            (None, Some((q, _))) => differences.push(format!(
                "a {what} {} is in force now; none was then",
                crate::text::quote(q)
            )),
        };
    let config_now = config_record(&judgement);
    hashed(
        "config",
        record.config.as_ref().map(|c| (c.path.as_str(), c.sha256.as_str())),
        config_now.as_ref().map(|c| (c.path.as_str(), c.sha256.as_str())),
        &mut differences,
    );
    hashed(
        "waiver file",
        record
            .waiver_file
            .as_ref()
            .map(|c| (c.path.as_str(), c.sha256.as_str())),
        judgement
            .waiver_file
            .as_ref()
            .map(|c| (c.path.as_str(), c.sha256.as_str())),
        &mut differences,
    );
    for pack in &record.packs {
        match judgement
            .rules
            .packs
            .iter()
            .find(|p| p.name == pack.name && p.origin == pack.origin)
        {
            None => differences.push(format!(
                "pack {} from {} is not loaded now",
                crate::text::quote(&pack.name),
                crate::text::quote(&pack.origin)
            )),
            Some(now) if now.digest != pack.sha256 || now.version != pack.version => differences.push(format!(
                "pack {} from {} has changed (version {} then, {} now)",
                crate::text::quote(&pack.name),
                crate::text::quote(&pack.origin),
                crate::text::quote(&pack.version),
                crate::text::quote(&now.version)
            )),
            Some(_) => {}
        }
    }
    for pack in &judgement.rules.packs {
        if !record
            .packs
            .iter()
            .any(|p| p.name == pack.name && p.origin == pack.origin)
        {
            differences.push(format!(
                "pack {} from {} is loaded now but did not judge",
                crate::text::quote(&pack.name),
                crate::text::quote(&pack.origin)
            ));
        }
    }
    let mut out = String::new();
    if record.tool_version != env!("CARGO_PKG_VERSION") {
        let _ = writeln!(
            out,
            "note: the record was made by standoff {}; this is standoff {}",
            crate::text::quote(&record.tool_version),
            env!("CARGO_PKG_VERSION")
        );
    }
    for d in &differences {
        let _ = writeln!(out, "differs: {d}");
    }
    let _ = writeln!(
        out,
        "{}: {} inputs, {} packs, config and waiver file checked against {shown}",
        if differences.is_empty() {
            "verified: what was judged is unchanged"
        } else {
            "NOT VERIFIED: the record does not match what these inputs give"
        },
        record.inputs.len(),
        record.packs.len(),
    );
    emit(crate::text::terminal(&out).as_bytes(), None)?;
    Ok(if differences.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
