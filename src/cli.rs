//! The command line: arguments (clap derive) and the commands that adapt the engine to files,
//! terminals and exit codes.

use std::collections::HashSet;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::config::{self, Config};
use crate::date::Date;
use crate::engine::{self, CheckOptions, FileInput};
use crate::error::ToolError;
use crate::finding::{FileId, Severity};
use crate::report::{self, Format, HumanOptions};
use crate::schema;
use crate::stage::Stage;
use crate::walk::{self, WalkOptions, WalkProblemKind};
use crate::yaml::Limits;

/// Lint the protective-security design documents of buildings, venues, public spaces and
/// events, from RIBA stage 0.
#[derive(Debug, Parser)]
#[command(name = "standoff", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to colour the output (`NO_COLOR` is honoured; never when not a terminal).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, help_heading = "Global options")]
    pub color: ColorChoice,
    /// Print only the findings, no summary.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "Global options"
    )]
    pub quiet: bool,
    /// Also print what was walked and skipped (to stderr).
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub verbose: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check design documents: schemas and rules, with exact locations.
    #[command(visible_alias = "lint")]
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files or folders to check. When every path is a file (a pre-commit hook), the whole
    /// tree they belong to is loaded for context and only findings in these files are reported.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Judge every project as if at this RIBA stage (0-7 or a stage name).
    #[arg(long, value_parser = parse_stage)]
    pub stage: Option<Stage>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when any finding is at or above this severity [default: error, or the config's].
    #[arg(long, value_enum)]
    pub fail_on: Option<Severity>,
    /// Use this config file instead of searching for standoff.yaml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The date taken as today for every date comparison (YYYY-MM-DD) [default: today, UTC].
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub as_of: Option<Date>,
}

fn parse_stage(text: &str) -> Result<Stage, String> {
    text.parse()
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("`{text}` is not a calendar date: write YYYY-MM-DD"))
}

/// Runs the command line; the result is the exit code.
#[must_use]
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// Runs the command line with these arguments (the first is the program name).
#[must_use]
pub fn main_from<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = Cli::parse_from(args);
    let color = use_color(cli.global.color, io::stderr().is_terminal());
    match run(&cli) {
        Ok(code) => code,
        Err(error) => {
            print_tool_error(&error, color);
            ExitCode::from(2)
        }
    }
}

fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_terminal && !no_color,
    }
}

fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

/// Prints an error of the tool's own inputs to stderr, located when it can be.
#[allow(clippy::print_stderr, reason = "the command line's error channel")]
fn print_tool_error(error: &ToolError, color: bool) {
    match error {
        ToolError::Message(text) => eprintln!("error: {text}"),
        ToolError::Located { title, errors } => {
            eprintln!("error: {title}");
            let handler = report::human::handler(color, width());
            for e in errors {
                let text = crate::text::sanitize_source(&e.text);
                let diagnostic = miette::MietteDiagnostic::new(e.message.clone())
                    .with_severity(miette::Severity::Error)
                    .with_label(miette::LabeledSpan::new_primary_with_span(
                        Some(e.label.clone()),
                        miette::SourceSpan::new(
                            (e.span.start as usize).into(),
                            e.span.len() as usize,
                        ),
                    ));
                let diagnostic = match &e.help {
                    Some(help) => diagnostic.with_help(help.clone()),
                    None => diagnostic,
                };
                let report = miette::Report::new(diagnostic)
                    .with_source_code(miette::NamedSource::new(e.path.clone(), text.into_owned()));
                let mut out = String::new();
                if handler.render_report(&mut out, report.as_ref()).is_ok() {
                    eprint!("{out}");
                } else {
                    eprintln!("error: {}: {}", e.path, e.message);
                }
            }
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode, ToolError> {
    match &cli.command {
        Command::Check(args) => check(args, &cli.global),
    }
}

/// The tree to load for the given paths, and the files to report on (the pre-commit case).
struct Scope {
    roots: Vec<PathBuf>,
    report_only: Option<Vec<PathBuf>>,
}

fn scope(paths: &[PathBuf], config: &Config) -> Scope {
    let all_files = paths.iter().all(|p| p.is_file());
    if !all_files {
        return Scope {
            roots: paths.to_vec(),
            report_only: None,
        };
    }
    // The folder of the nearest standoff.yaml, else the repository root, else the files'
    // common folder.
    let root = config
        .root
        .clone()
        .or_else(|| paths.first().and_then(|p| repository_root(p)))
        .unwrap_or_else(|| common_folder(paths));
    Scope {
        roots: vec![root],
        report_only: Some(paths.to_vec()),
    }
}

fn repository_root(path: &Path) -> Option<PathBuf> {
    let absolute = std::fs::canonicalize(path).ok()?;
    absolute
        .ancestors()
        .skip(1)
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

fn common_folder(paths: &[PathBuf]) -> PathBuf {
    let absolute: Vec<PathBuf> = paths
        .iter()
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    let Some(first) = absolute.first() else {
        return PathBuf::from(".");
    };
    let mut common = first.parent().map(Path::to_path_buf).unwrap_or_default();
    for p in &absolute[1..] {
        while !p.starts_with(&common) {
            if !common.pop() {
                break;
            }
        }
    }
    common
}

fn read_input(path: &Path, limits: &Limits) -> FileInput {
    use std::io::Read as _;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return FileInput::Unreadable(e.to_string()),
    };
    let size = file.metadata().map_or(0, |m| m.len());
    if size > limits.max_file_size {
        return FileInput::TooLarge { size };
    }
    let mut bytes = Vec::with_capacity(size as usize);
    // Read at most one byte past the limit: a file that grows while read is still bounded.
    match file.take(limits.max_file_size + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > limits.max_file_size => FileInput::TooLarge {
            size: bytes.len() as u64,
        },
        Ok(_) => FileInput::Bytes(bytes),
        Err(e) => FileInput::Unreadable(e.to_string()),
    }
}

#[allow(clippy::print_stderr, reason = "-v prints what was walked to stderr")]
fn check(args: &CheckArgs, global: &GlobalArgs) -> Result<ExitCode, ToolError> {
    let started = Instant::now();
    for path in &args.paths {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(ToolError::message(format!(
                "{}: no such file or folder",
                walk::display(path)
            )));
        }
    }
    let config = match &args.config {
        Some(path) => {
            if !path.is_file() {
                return Err(ToolError::message(format!(
                    "{}: no such config file",
                    walk::display(path)
                )));
            }
            config::load(path, &walk::display(path))?
        }
        None => match args.paths.first().and_then(|p| config::discover(p)) {
            Some(path) => config::load(&path, &walk::display(&path))?,
            None => Config::default(),
        },
    };
    let schemas = schema::schemas().map_err(ToolError::Message)?;
    let scope = scope(&args.paths, &config);
    let options = WalkOptions {
        follow_symlinks: config.follow_symlinks,
        exclude: config.exclude.clone(),
    };
    let skip: Vec<PathBuf> = config.path.iter().cloned().collect();
    let mut walked = walk::walk(&scope.roots, &options, &skip);
    // In the pre-commit case, a named file is checked even when the walk would not pick it.
    let report_paths: Option<HashSet<PathBuf>> = scope.report_only.as_ref().map(|files| {
        files
            .iter()
            .filter_map(|f| std::fs::canonicalize(f).ok())
            .collect()
    });
    if let Some(named) = &scope.report_only {
        let walked_canonical: HashSet<PathBuf> = walked
            .files
            .iter()
            .filter_map(|c| std::fs::canonicalize(&c.path).ok())
            .collect();
        for file in named {
            let canonical = std::fs::canonicalize(file).ok();
            if canonical.is_some_and(|c| !walked_canonical.contains(&c)) {
                walked.files.push(walk::Candidate {
                    path: walk::clean(file),
                });
            }
        }
    }
    let mut inputs: Vec<(PathBuf, Option<FileInput>)> =
        walked.files.into_iter().map(|c| (c.path, None)).collect();
    for problem in walked.problems {
        let (rule, severity) = match problem.kind {
            WalkProblemKind::Unreadable => ("FILE-READ", Severity::Error),
            WalkProblemKind::SymlinkSkipped => ("FILE-SYMLINK", Severity::Info),
        };
        let message = match problem.kind {
            WalkProblemKind::SymlinkSkipped => format!(
                "{}; set `follow-symlinks: true` in standoff.yaml to check what it points to",
                problem.message
            ),
            WalkProblemKind::Unreadable => problem.message,
        };
        inputs.push((
            problem.path,
            Some(FileInput::WalkProblem {
                rule,
                severity,
                message,
            }),
        ));
    }
    inputs.sort_by(|a, b| a.0.cmp(&b.0));
    if global.verbose {
        for (path, input) in &inputs {
            let note = if input.is_some() { " (not read)" } else { "" };
            eprintln!("walked {}{note}", walk::display(path));
        }
    }
    let limits = config.limits;
    let report_ids: Option<HashSet<FileId>> = report_paths.map(|wanted| {
        inputs
            .iter()
            .enumerate()
            .filter(|(_, (p, _))| std::fs::canonicalize(p).is_ok_and(|c| wanted.contains(&c)))
            .map(|(i, _)| FileId(i as u32))
            .collect()
    });
    let read: Vec<(String, FileInput)> = inputs
        .into_par_iter()
        .map(|(path, input)| {
            let input = input.unwrap_or_else(|| read_input(&path, &limits));
            (walk::display(&path), input)
        })
        .collect();
    let check_options = CheckOptions {
        stage: args.stage.or(config.stage),
        as_of: Some(args.as_of.unwrap_or_else(Date::today_utc)),
        report_only: report_ids,
    };
    let checked = engine::check(read, &limits, schemas, &check_options);
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Severity::Error);
    let to_file = args.output.is_some();
    let color = !to_file && use_color(global.color, io::stdout().is_terminal());
    let human = HumanOptions {
        color,
        width: width(),
        quiet: global.quiet,
        elapsed: Some(started.elapsed()),
    };
    let mut buffer = Vec::new();
    report::write(args.format, &checked, &human, &mut buffer)
        .map_err(|e| ToolError::message(format!("cannot render the report: {e}")))?;
    if let Some(path) = &args.output {
        std::fs::write(path, &buffer).map_err(|e| {
            ToolError::message(format!("cannot write {}: {e}", walk::display(path)))
        })?;
    } else {
        let mut stdout = io::stdout().lock();
        // A closed pipe (`standoff check | head`) is not an error.
        match stdout.write_all(&buffer).and_then(|()| stdout.flush()) {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
                return Err(ToolError::message(format!("cannot write the report: {e}")));
            }
            _ => {}
        }
    }
    Ok(if checked.summary.findings.reaches(fail_on) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
