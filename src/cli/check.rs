//! `standoff check`: walk, read, load, validate, judge, report.

use std::io::{self, IsTerminal};
use std::process::ExitCode;

use super::{CheckArgs, GlobalArgs, use_color, width};
use crate::app::judge::{self, JudgeRequest};
use crate::app::walk;

use crate::app::output::{self, Destination};
use crate::error::ToolError;
use crate::policy::{self};
use crate::report::{self, HumanOptions};

/// Splits `A,B` option values.
fn ids(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Writes a report to its destination (standard output when `None`), through the output guard.
pub(super) fn emit(buffer: &[u8], output: Option<(&Destination, &output::Guard)>) -> Result<(), ToolError> {
    match output {
        Some((destination, guard)) => output::emit(buffer, destination, guard),
        None => output::write_stdout(buffer),
    }
}

pub(super) fn run(args: &CheckArgs, global: &GlobalArgs) -> Result<ExitCode, ToolError> {
    let report_to = Destination::from_arg(args.output.as_ref());
    let baseline_to = args.write_baseline.as_ref().map(|p| Destination::from_arg(Some(p)));
    if report_to.is_stdout() && baseline_to.as_ref().is_some_and(Destination::is_stdout) {
        return Err(ToolError::message(
            "the report and the baseline cannot both go to standard output: write one to a file (--output FILE)",
        ));
    }
    let plan = judge::stdin_plan(&args.paths, args.stdin_filename.as_ref(), args.config.as_ref())?;
    let select = (!args.select.is_empty()).then(|| ids(&args.select));
    if args.show_settings {
        return show_settings(args, &plan, select.as_ref());
    }
    let request = JudgeRequest {
        paths: &plan.paths,
        config: plan.config.as_ref(),
        rules: &args.rules,
        stage: args.stage,
        as_of: args.as_of,
        lookahead: args.lookahead,
        gate: None,
        select,
        ignore: ids(&args.ignore),
        verbose: global.verbose,
        stdin: plan.stdin.as_ref(),
    };
    let mut judgement = judge::judge(&request)?;
    // The report never replaces an input, nor the baseline it is judged against; both
    // destinations are checked before either is written.
    let mut report_guard = judgement.guard.clone();
    if let Some(path) = &args.baseline {
        report_guard.protect_file(path);
    }
    if let Destination::File(path) = &report_to {
        report_guard.check(path)?;
    }
    if let Some(destination) = &baseline_to {
        let baseline = policy::baseline::write(&judgement.checked);
        output::emit(baseline.as_bytes(), destination, &judgement.guard)?;
    }
    if let Some(path) = &args.baseline {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ToolError::message(format!("cannot read baseline {}: {e}", walk::display(path))))?;
        let accepted =
            policy::baseline::read(&text).map_err(|e| ToolError::message(format!("{}: {e}", walk::display(path))))?;
        policy::baseline::apply(&mut judgement.checked, &accepted);
    }
    let checked = &judgement.checked;
    let fail_on = judgement.report_threshold(args.fail_on);
    let to_file = !report_to.is_stdout();
    let color = !to_file && use_color(global.color, io::stdout().is_terminal());
    let human = HumanOptions {
        color,
        width: width(),
        quiet: global.quiet,
        elapsed: Some(judgement.started.elapsed()),
    };
    let mut buffer = Vec::new();
    let output = report::Output {
        rules: &judgement.rules,
        reveal: args.reveal,
        tool_version: env!("CARGO_PKG_VERSION"),
        fail_on,
    };
    report::write(args.format, checked, &output, &human, &mut buffer)
        .map_err(|e| ToolError::message(format!("cannot render the report: {e}")))?;
    emit(&buffer, Some((&report_to, &report_guard)))?;
    // In GitHub Actions, the job's summary page too.
    if args.format == report::Format::Github
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
    {
        let summary = report::github::step_summary(checked, &output);
        output::append(std::path::Path::new(&path), summary.as_bytes(), &report_guard)?;
    }
    Ok(if judgement.fails(args.fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `check --show-settings`: the config the first path's tree is judged with (or `--config`),
/// each key with its value and source, and no check.
fn show_settings(
    args: &CheckArgs,
    plan: &judge::StdinPlan,
    select: Option<&Vec<String>>,
) -> Result<ExitCode, ToolError> {
    let config = judge::find_config(plan.config.as_ref(), plan.paths.first())?;
    let list = |v: &[String]| serde_json::to_string(v).unwrap_or_default();
    let mut options: Vec<(&str, String)> = Vec::new();
    if let Some(stage) = args.stage {
        options.push(("stage", stage.number().to_string()));
    }
    if let Some(fail_on) = args.fail_on {
        options.push(("fail-on", format!("\"{}\"", fail_on.as_str())));
    }
    if let Some(select) = select {
        options.push(("select", list(select)));
    }
    if !args.ignore.is_empty() {
        options.push(("ignore", list(&ids(&args.ignore))));
    }
    if !args.rules.is_empty() {
        let dirs: Vec<String> = args.rules.iter().map(|p| walk::display(p)).collect();
        options.push(("rules", list(&dirs)));
    }
    let text = crate::app::config::show_settings(&config, &options);
    emit(crate::text::terminal(&text).as_bytes(), None)?;
    Ok(ExitCode::SUCCESS)
}
