//! `standoff check`: walk, read, load, validate, judge, report.

use super::ExitStatus;
use std::io::{self, IsTerminal};

use super::{CheckArgs, GlobalArgs, use_color, width};
use crate::app::judge::{self, JudgeRequest};
use crate::app::{staged, walk};

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

/// What `--staged` says besides the report (nothing staged, `HEAD` not judged), on stderr.
#[allow(clippy::print_stderr, reason = "notes go to stderr, apart from the report")]
fn print_notes(notes: &[String]) {
    for note in notes {
        eprintln!("note: {}", crate::text::terminal(note));
    }
}

/// Writes a report to its destination (standard output when `None`), through the output guard.
pub(super) fn emit(buffer: &[u8], output: Option<(&Destination, &output::Guard)>) -> Result<(), ToolError> {
    match output {
        Some((destination, guard)) => output::emit(buffer, destination, guard),
        None => output::write_stdout(buffer),
    }
}

/// Each output's format and destination: a `FORMAT:FILE` its own file, the others `--output`
/// (standard output without it). At most one goes to standard output (the baseline counts),
/// and no two to the same file.
fn destinations(args: &CheckArgs) -> Result<Vec<(report::Format, Destination)>, ToolError> {
    let plan: Vec<(report::Format, Destination)> = args
        .outputs
        .iter()
        .map(|spec| {
            let file = spec.file.as_ref().or(args.output.as_ref());
            (spec.format, Destination::from_arg(file))
        })
        .collect();
    let baseline_to_stdout = args
        .write_baseline
        .as_ref()
        .is_some_and(|p| Destination::from_arg(Some(p)).is_stdout());
    let to_stdout = plan.iter().filter(|(_, d)| d.is_stdout()).count() + usize::from(baseline_to_stdout);
    if to_stdout > 1 {
        return Err(ToolError::message(if baseline_to_stdout {
            "the report and the baseline cannot both go to standard output: write one to a file (--output FILE)"
        } else {
            "at most one output can go to standard output: give the others a file (--output-format FORMAT:FILE)"
        }));
    }
    let mut files: Vec<&std::path::Path> = plan
        .iter()
        .filter_map(|(_, d)| match d {
            Destination::File(p) => Some(p.as_path()),
            Destination::Stdout => None,
        })
        .collect();
    files.sort();
    if let Some(pair) = files.windows(2).find(|w| w[0] == w[1]) {
        return Err(ToolError::message(format!(
            "two outputs go to {}: give each its own file",
            walk::display(pair[0])
        )));
    }
    Ok(plan)
}

pub(super) fn run(args: &CheckArgs, global: &GlobalArgs) -> Result<ExitStatus, ToolError> {
    let plan = destinations(args)?;
    let baseline_to = args.write_baseline.as_ref().map(|p| Destination::from_arg(Some(p)));
    if args.statistics
        && plan
            .iter()
            .any(|(f, _)| !matches!(f, report::Format::Human | report::Format::Concise))
    {
        return Err(ToolError::message(
            "--statistics replaces the findings with a table: use it with --output-format human or concise",
        ));
    }
    if args.staged && args.paths.iter().any(|p| p.as_os_str() != ".") {
        return Err(ToolError::message(
            "--staged judges the whole staged change of the repository the current folder is in: give it no paths",
        ));
    }
    let stdin_plan = judge::stdin_plan(&args.paths, args.stdin_filename.as_ref(), args.config.as_ref())?;
    let select = (!args.select.is_empty()).then(|| ids(&args.select));
    if args.show_settings {
        return show_settings(args, &stdin_plan, select.as_ref());
    }
    let request = JudgeRequest {
        paths: &stdin_plan.paths,
        buffers: &[],
        config: stdin_plan.config.as_ref(),
        rules: &args.rules,
        stage: args.stage,
        as_of: args.as_of,
        lookahead: args.lookahead,
        gate: None,
        select,
        ignore: ids(&args.ignore),
        verbose: global.verbose,
        stdin: stdin_plan.stdin.as_ref(),
    };
    let mut judgement = if args.staged {
        let staged = staged::judge(&request)?;
        if !global.quiet {
            print_notes(&staged.notes);
        }
        staged.judgement
    } else {
        judge::judge(&request)?
    };
    // No report replaces an input, nor the baseline it is judged against; every destination
    // is checked before any is written.
    let mut report_guard = judgement.guard.clone();
    if let Some(path) = &args.baseline {
        report_guard.protect_file(path);
    }
    for (_, destination) in &plan {
        if let Destination::File(path) = destination {
            report_guard.check(path)?;
        }
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
    let output = report::Output {
        rules: &judgement.rules,
        reveal: args.reveal,
        tool_version: env!("CARGO_PKG_VERSION"),
        fail_on,
    };
    for (format, destination) in &plan {
        let color = destination.is_stdout() && use_color(global.color, io::stdout().is_terminal());
        let human = HumanOptions {
            color,
            width: width(),
            quiet: global.quiet,
            elapsed: Some(judgement.started.elapsed()),
        };
        let mut buffer = Vec::new();
        if args.statistics {
            report::statistics::write(checked, &output, &mut buffer)
        } else {
            report::write(*format, checked, &output, &human, &mut buffer)
        }
        .map_err(|e| ToolError::message(format!("cannot render the report: {e}")))?;
        emit(&buffer, Some((destination, &report_guard)))?;
    }
    // In GitHub Actions, the job's summary page too.
    if plan.iter().any(|(f, _)| *f == report::Format::Github)
        && let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())
    {
        let summary = report::github::step_summary(checked, &output);
        output::append(std::path::Path::new(&path), summary.as_bytes(), &report_guard)?;
    }
    Ok(if judgement.fails(args.fail_on) && !args.exit_zero {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// `check --show-settings`: the config the first path's tree is judged with (or `--config`),
/// each key with its value and source, and no check.
fn show_settings(
    args: &CheckArgs,
    plan: &judge::StdinPlan,
    select: Option<&Vec<String>>,
) -> Result<ExitStatus, ToolError> {
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
    Ok(ExitStatus::Success)
}
