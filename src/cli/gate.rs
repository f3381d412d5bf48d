//! `standoff gate --stage N [PATHS] --out DIR`: the review gate at the end of a stage.

use std::fmt::Write as _;
use std::process::ExitCode;

use sha2::Digest as _;

use super::check::{JudgeRequest, emit, judge};
use super::{GateArgs, GlobalArgs};
use crate::error::ToolError;
use crate::gate::{self, ConfigRecord, GateRequest};
use crate::report::Output;
use crate::walk;

pub(super) fn run(args: &GateArgs, global: &GlobalArgs) -> Result<ExitCode, ToolError> {
    let request = JudgeRequest {
        paths: &args.paths,
        config: args.config.as_ref(),
        rules: &args.rules,
        stage: None,
        as_of: args.as_of,
        lookahead: false,
        gate: Some(args.stage),
        select: None,
        ignore: Vec::new(),
        verbose: global.verbose,
    };
    let judgement = judge(&request)?;
    let config = match (&judgement.config.path, &judgement.config.text) {
        (Some(path), Some(text)) => Some(ConfigRecord {
            path: walk::display(path),
            sha256: crate::text::hex(&sha2::Sha256::digest(text.as_bytes())),
        }),
        _ => None,
    };
    let output = Output {
        rules: &judgement.rules,
        reveal: args.reveal,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let gate_request = GateRequest {
        stage: args.stage,
        as_of: judgement.as_of.to_string(),
        inputs: judgement.inputs.clone(),
        config,
        tool_version: env!("CARGO_PKG_VERSION"),
    };
    let record = gate::record(&judgement.checked, &output, &gate_request);
    std::fs::create_dir_all(&args.out)
        .map_err(|e| ToolError::message(format!("cannot create {}: {e}", walk::display(&args.out))))?;
    let json = serde_json::to_string_pretty(&record).map_err(|e| ToolError::message(e.to_string()))? + "\n";
    let write = |name: &str, text: &str| {
        let path = args.out.join(name);
        std::fs::write(&path, text)
            .map_err(|e| ToolError::message(format!("cannot write {}: {e}", walk::display(&path))))
    };
    write("gate-record.json", &json)?;
    write("gate-report.html", &gate::html(&record))?;
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
    let _ = writeln!(
        summary,
        "gate {}: report in {}",
        if record.passed { "passed" } else { "NOT PASSED" },
        walk::display(&args.out.join("gate-report.html"))
    );
    if !global.quiet {
        emit(summary.as_bytes(), None)?;
    }
    Ok(if record.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
