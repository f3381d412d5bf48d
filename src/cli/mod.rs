//! The command line: arguments (clap derive) and the commands that adapt the engine to files,
//! terminals and exit codes.

mod check;
mod gate;
mod migrate;
mod rating;
mod rules;
mod tools;

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::date::Date;
use crate::error::ToolError;
use crate::model::finding::Severity;
use crate::report::{self, Format};
use crate::stage::Stage;

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
    /// When to colour the output (auto: on a terminal unless `NO_COLOR`; `FORCE_COLOR` or
    /// `CLICOLOR_FORCE` force it).
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
    /// The review gate at the end of a stage: a verdict per project, an HTML report and a JSON
    /// record of what was judged.
    Gate(GateArgs),
    /// List the rules (built-in packs and any extra packs).
    Rules(RulesArgs),
    /// Explain a rule: why it exists, how to comply, its sources and an example.
    Explain(ExplainArgs),
    /// Run every rule's own test cases.
    Test(TestArgs),
    /// Rewrite rule packs of format 1 into pack format 2 (`let:` bindings and messages that
    /// are text).
    MigratePack(MigrateArgs),
    /// Decode a crash-rating string as a datasheet prints it (PAS 68, IWA 14-1, ISO 22343-1,
    /// ASTM F2656, `DoS` K ratings).
    Rating(RatingArgs),
    /// Print a JSON Schema (for editors), or write them all with --out.
    Schema(SchemaArgs),
    /// Start a project: a starter standoff.yaml and a stage-0 Project.
    Init(InitArgs),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Run the language server (LSP over standard input and output) for editors: the findings
    /// of `check` as you type, rule explanations on hover, waivers and certain fixes as code
    /// actions.
    Lsp(LspArgs),
}

#[derive(Debug, Args)]
pub struct LspArgs {
    /// Serve over standard input and output (the only transport; accepted because editors'
    /// generic clients pass it).
    #[arg(long)]
    pub stdio: bool,
    /// The date used for "today" (waiver expiry, review dates) [default: the system date].
    #[arg(long, value_name = "DATE", value_parser = parse_date, env = "STANDOFF_AS_OF")]
    pub as_of: Option<Date>,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The kind (site, barrier-schedule, ...) or config, rule, pack, waivers, common, gate-record.
    pub kind: Option<String>,
    /// Write the schemas to this folder instead.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to start in.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// The project's name [default: from the folder's name].
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The format of a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct GateArgs {
    /// The stage whose end is reviewed: every rule due by then reports at its own severity.
    #[arg(long, value_parser = parse_stage, required_unless_present = "verify")]
    pub stage: Option<Stage>,
    /// Files or folders to judge.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// The folder for gate-report.html and gate-record.json.
    #[arg(long, value_name = "DIR", required_unless_present = "verify")]
    pub out: Option<PathBuf>,
    /// Check a gate record instead: re-hash the inputs, config, waiver file and packs under
    /// PATHS and say whether they are still what was judged (exit 0 if so, 1 if not).
    #[arg(long, value_name = "RECORD", conflicts_with_all = ["out", "stage", "reveal"])]
    pub verify: Option<PathBuf>,
    /// Use this config file instead of searching for standoff.yaml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Also load the rule packs in this folder (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// The date taken as today (YYYY-MM-DD) [default: today, UTC].
    #[arg(long, value_name = "DATE", value_parser = parse_date, env = "STANDOFF_AS_OF")]
    pub as_of: Option<Date>,
    /// Show document values in the report and record even for OFFICIAL-SENSITIVE documents.
    #[arg(long)]
    pub reveal: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Also load the rule packs in this folder (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id (e.g. HVM-GAP) or built-in check id (e.g. SCHEMA-QUANTITY).
    #[arg(required_unless_present = "functions")]
    pub id: Option<String>,
    /// List the names and functions rule expressions (CEL) may use, instead of a rule.
    #[arg(long, conflicts_with = "id")]
    pub functions: bool,
    /// Also load the rule packs in this folder (repeatable).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Output format of `--functions`.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Rule-pack folders to test (a pack, or a folder of packs) [default: the built-in packs].
    pub dirs: Vec<PathBuf>,
    /// Write each rule's snapshot (`<pack>/__snapshots__/<RULE-ID>.snap`: every invalid case's
    /// findings, as rendered) instead of failing a case whose findings differ from it.
    #[arg(long, short = 'U')]
    pub update: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// A rule-pack folder (a pack, or a folder of packs).
    pub dir: PathBuf,
    /// Change nothing: list the files that would change, and exit 1 if any would.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct RatingArgs {
    /// The rating text, as the datasheet prints it (quote it).
    pub text: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Debug, Args)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each flag is an independent switch of the command line"
)]
pub struct CheckArgs {
    /// Files or folders to check. When every path is a file (a pre-commit hook), the whole
    /// tree they belong to is loaded for context and only findings in these files are reported.
    /// `-` reads standard input (see `--stdin-filename`).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Judge every project as if at this RIBA stage (0-7 or a stage name).
    #[arg(long, value_parser = parse_stage)]
    pub stage: Option<Stage>,
    /// Output format: human, concise, json, sarif, junit, github or gitlab (`--format` is an
    /// alias). `FORMAT:FILE` writes that format to FILE; repeat for several outputs from one
    /// run (at most one to standard output).
    #[arg(
        long = "output-format",
        alias = "format",
        value_name = "FORMAT[:FILE]",
        value_parser = parse_output_spec,
        default_value = "human"
    )]
    pub outputs: Vec<OutputSpec>,
    /// Print how many findings each rule reports (most first) instead of the findings.
    #[arg(long)]
    pub statistics: bool,
    /// Exit 0 even when findings reach `--fail-on` (2 still means the tool could not run).
    #[arg(long)]
    pub exit_zero: bool,
    /// Write the report to this file instead of standard output (`-`: standard output). Never
    /// an input of the run; missing folders are created.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With `-` as the path: the path standard input is reported at; when it names a file of a
    /// tree, the rest of the tree is loaded for context.
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    /// Exit 1 when any finding is at or above this severity [default: error, or the config's].
    #[arg(long, value_enum)]
    pub fail_on: Option<Severity>,
    /// Use this config file instead of searching for standoff.yaml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The date taken as today for every date comparison (YYYY-MM-DD) [default: today, UTC].
    #[arg(long, value_name = "DATE", value_parser = parse_date, env = "STANDOFF_AS_OF")]
    pub as_of: Option<Date>,
    /// Also load the rule packs in this folder (repeatable; adds to the config's `rules`).
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Also evaluate the rules due at the next stage, reported as info.
    #[arg(long)]
    pub lookahead: bool,
    /// Report only these rules: ids or prefixes, comma-separated (replaces the config's `select`).
    #[arg(long, value_name = "IDS")]
    pub select: Vec<String>,
    /// Never report these rules: ids or prefixes, comma-separated (adds to the config's `ignore`).
    #[arg(long, value_name = "IDS")]
    pub ignore: Vec<String>,
    /// Report only findings not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the current findings' fingerprints to this baseline file (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Show document values in machine outputs even for OFFICIAL-SENSITIVE documents.
    #[arg(long)]
    pub reveal: bool,
    /// Print the config in force (each key, its value and where it came from) and exit
    /// without checking.
    #[arg(long)]
    pub show_settings: bool,
    /// Judge the staged change (git's index against HEAD) as it will be committed: every
    /// finding in the files it changes, and what it breaks elsewhere in their trees (a
    /// reference to a document it deletes or renames), labelled as caused by it. Takes no
    /// paths: the repository is the one the current folder is in. The pre-commit hook.
    #[arg(long, conflicts_with_all = ["stdin_filename", "config", "show_settings", "write_baseline"])]
    pub staged: bool,
}

/// One output of `check`: a format and, when given as `FORMAT:FILE`, its own file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputSpec {
    pub format: Format,
    pub file: Option<PathBuf>,
}

fn parse_output_spec(text: &str) -> Result<OutputSpec, String> {
    let (name, file) = match text.split_once(':') {
        Some((name, file)) if !file.is_empty() => (name, Some(PathBuf::from(file))),
        Some((_, _)) => return Err(format!("`{text}`: write FORMAT:FILE, with a file name after the colon")),
        None => (text, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_owned()))
            .collect();
        format!("`{name}` is not an output format: one of {}", names.join(", "))
    })?;
    Ok(OutputSpec { format, file })
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
        Ok(status) => status.into(),
        Err(error) => {
            print_tool_error(&error, color);
            ExitStatus::Error.into()
        }
    }
}

/// How a command ends (product.md, "Exit codes"): every command returns one of these, and only
/// `main_from` turns it into the process's exit code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: nothing at or above the `--fail-on` threshold (or the command did its job).
    Success,
    /// 1: findings at or above it, or a rule's own test that did not pass.
    Failure,
    /// 2: the tool could not do its job (bad arguments, config, rule pack, a missing path).
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::SUCCESS,
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

/// Whether to colour: `--color always|never` wins; else `FORCE_COLOR` or `CLICOLOR_FORCE`
/// (set, not empty, not `0`) forces it; else `NO_COLOR` turns it off; else a terminal has it.
fn use_color(choice: ColorChoice, is_terminal: bool) -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    let forced = ["FORCE_COLOR", "CLICOLOR_FORCE"]
        .iter()
        .any(|name| set(name) && std::env::var_os(name).is_some_and(|v| v != "0"));
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => forced || (is_terminal && !set("NO_COLOR")),
    }
}

fn width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .filter(|w| *w >= 40)
        .unwrap_or(100)
}

/// Prints an error of the tool's own inputs to stderr, located when it can be. Every text in
/// it (titles, messages, labels, help, file names, the snippet) can come from a config, rule
/// pack or waiver file, or a file name, so all of it is escaped ([`crate::text::terminal`]).
#[allow(clippy::print_stderr, reason = "the command line's error channel")]
fn print_tool_error(error: &ToolError, color: bool) {
    use crate::text::{terminal, terminal_line};
    match error {
        ToolError::Message(text) => eprintln!("error: {}", terminal(text)),
        ToolError::Located { title, errors } => {
            eprintln!("error: {}", terminal(title));
            let handler = report::human::handler(color, width());
            for e in errors {
                let text = crate::text::sanitize_source(&e.text);
                let diagnostic = miette::MietteDiagnostic::new(terminal(&e.message))
                    .with_severity(miette::Severity::Error)
                    .with_label(miette::LabeledSpan::new_primary_with_span(
                        Some(terminal(&e.label).into_owned()),
                        miette::SourceSpan::new((e.span.start as usize).into(), e.span.len() as usize),
                    ));
                let diagnostic = match &e.help {
                    Some(help) => diagnostic.with_help(terminal(help)),
                    None => diagnostic,
                };
                let path = terminal_line(&e.path);
                let report = miette::Report::new(diagnostic)
                    .with_source_code(miette::NamedSource::new(path.as_ref(), text.into_owned()));
                let mut out = String::new();
                if handler.render_report(&mut out, report.as_ref()).is_ok() {
                    if color {
                        eprint!("{out}");
                    } else {
                        eprint!("{}", terminal(&out));
                    }
                } else {
                    eprintln!("error: {path}: {}", terminal(&e.message));
                }
            }
        }
    }
}

fn run(cli: &Cli) -> Result<ExitStatus, ToolError> {
    match &cli.command {
        Command::Check(args) => check::run(args, &cli.global),
        Command::Gate(args) => gate::run(args, &cli.global),
        Command::Rules(args) => rules::list(args),
        Command::Explain(args) => rules::explain(args),
        Command::Test(args) => rules::test(args, &cli.global),
        Command::MigratePack(args) => migrate::run(args),
        Command::Rating(args) => rating::run(args),
        Command::Schema(args) => tools::schema(args),
        Command::Init(args) => tools::init(args),
        Command::Completions(args) => tools::completions(args),
        // LSP: exit 0 after `shutdown` then `exit`, 1 after an `exit` alone or the end of input.
        Command::Lsp(args) => crate::lsp::serve_stdio(crate::lsp::Options { as_of: args.as_of }).map(|clean| {
            if clean {
                ExitStatus::Success
            } else {
                ExitStatus::Failure
            }
        }),
    }
}
