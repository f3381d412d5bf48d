//! Judging a tree: the config, the rule packs, the waivers, the scope of a pre-commit run,
//! the walk, reading (and, for the gate, hashing) every input, the engine, the policy. What
//! `check` and `gate` share; they differ only in what the submitter may change.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use sha2::Digest as _;

use crate::app::config::{self, Config};
use crate::app::input::{self, read_input};
use crate::app::output;
use crate::app::walk::{self, WalkOptions, WalkProblemKind};
use crate::date::Date;
use crate::engine::{self, CheckOptions, Checked};
use crate::error::ToolError;
use crate::gate;
use crate::model::finding::{FileId, Severity, SeverityCounts};
use crate::model::source::FileInput;
use crate::paths;
use crate::policy::{self, Policy, waivers};
use crate::rules::{self, RuleSet};
use crate::schema;
use crate::stage::Stage;
use crate::yaml::Limits;

/// The tree to load for the given paths, and the files to report on (the pre-commit case).
struct Scope {
    roots: Vec<PathBuf>,
    report_only: Option<Vec<PathBuf>>,
}

fn scope(paths: &[PathBuf], config: &Config) -> Scope {
    if paths.is_empty() {
        // Standard input alone (`check -`): nothing to walk.
        return Scope {
            roots: Vec::new(),
            report_only: None,
        };
    }
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
    let absolute: Vec<PathBuf> = paths.iter().filter_map(|p| std::fs::canonicalize(p).ok()).collect();
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

/// The built-in packs plus the extra pack folders (the config's `rules`, then `--rules`).
/// Returns the rule set and, at the gate, the extra packs that were not allowed to replace a
/// built-in pack of the same name.
pub(crate) fn load_rules(config: &Config, extra: &[PathBuf], gate: bool) -> Result<(RuleSet, Vec<String>), ToolError> {
    let mut packs = rules::builtin_packs();
    let mut refused = Vec::new();
    for dir in config.rule_dirs.iter().chain(extra) {
        if !dir.is_dir() {
            return Err(ToolError::message(format!(
                "{}: no such rules folder",
                walk::display(dir)
            )));
        }
        for pack in rules::read_packs(dir, &walk::display(dir))? {
            let replaces = packs
                .iter()
                .any(|p| p.origin == crate::rules::BUILT_IN && p.name == pack.name);
            if replaces && gate {
                // The gate judges with the built-in packs whatever was submitted: an extra
                // pack adds rules, it never replaces (or empties) a built-in one.
                refused.push(format!("{} (from {})", pack.name, pack.origin));
                continue;
            }
            // Elsewhere a pack read from disk replaces the built-in pack of the same name: how
            // a pack is developed (`standoff test rules/hvm`).
            packs.retain(|p| !(p.origin == crate::rules::BUILT_IN && p.name == pack.name));
            packs.push(pack);
        }
    }
    Ok((rules::load(packs)?, refused))
}

/// The limits at the gate: the config's, but never above the defaults (a submitted config
/// cannot buy an alias bomb the time and memory it needs). Returns what was capped.
fn capped_limits(limits: Limits) -> (Limits, Vec<String>) {
    let defaults = Limits::default();
    let mut capped = Vec::new();
    let mut cap = |name: &str, value: u64, default: u64| {
        if value > default {
            capped.push(format!("{name}: {value} capped at {default}"));
            default
        } else {
            value
        }
    };
    let to_usize = |v: u64| usize::try_from(v).unwrap_or(usize::MAX);
    let out = Limits {
        max_file_size: cap("max-file-size", limits.max_file_size, defaults.max_file_size),
        max_depth: to_usize(cap("max-depth", limits.max_depth as u64, defaults.max_depth as u64)),
        max_nodes: to_usize(cap("max-nodes", limits.max_nodes as u64, defaults.max_nodes as u64)),
        max_alias_nodes: to_usize(cap(
            "max-alias-nodes",
            limits.max_alias_nodes as u64,
            defaults.max_alias_nodes as u64,
        )),
        max_documents: to_usize(cap(
            "max-documents",
            limits.max_documents as u64,
            defaults.max_documents as u64,
        )),
        max_scalar_bytes: to_usize(cap(
            "max-scalar-bytes",
            limits.max_scalar_bytes as u64,
            defaults.max_scalar_bytes as u64,
        )),
    };
    (out, capped)
}

/// The config for a run: `--config`, else the nearest `standoff.yaml` above the first path.
pub(crate) fn find_config(explicit: Option<&PathBuf>, first_path: Option<&PathBuf>) -> Result<Config, ToolError> {
    match explicit {
        Some(path) => {
            if !path.is_file() {
                return Err(ToolError::message(format!(
                    "{}: no such config file",
                    walk::display(path)
                )));
            }
            config::load(path, &walk::display(path))
        }
        None => match first_path.and_then(|p| config::discover(p)) {
            Some(path) => config::load(&path, &walk::display(&path)),
            None => Ok(Config::default()),
        },
    }
}

/// What judging a tree needs.
pub(crate) struct JudgeRequest<'a> {
    pub(crate) paths: &'a [PathBuf],
    pub(crate) config: Option<&'a PathBuf>,
    pub(crate) rules: &'a [PathBuf],
    pub(crate) stage: Option<Stage>,
    pub(crate) as_of: Option<Date>,
    pub(crate) lookahead: bool,
    /// The review gate at the end of this stage (config rule filters then do not apply).
    pub(crate) gate: Option<Stage>,
    /// Replaces the config's `select` (check only).
    pub(crate) select: Option<Vec<String>>,
    /// Adds to the config's `ignore` (check only).
    pub(crate) ignore: Vec<String>,
    pub(crate) verbose: bool,
    /// Standard input, in the place of the file it is reported as (`check -`).
    pub(crate) stdin: Option<&'a input::Stdin>,
    /// Editors' unsaved texts, each in the place of its file (the language server).
    pub(crate) buffers: &'a [input::Buffer],
}

/// A judged tree, with what judged it.
pub(crate) struct Judgement {
    pub(crate) checked: Checked,
    pub(crate) rules: RuleSet,
    pub(crate) config: Config,
    pub(crate) as_of: Date,
    pub(crate) started: Instant,
    /// Every input with its size and SHA-256, for the gate's record.
    pub(crate) inputs: Vec<gate::Input>,
    /// The waiver file in force and its SHA-256, for the gate's record.
    pub(crate) waiver_file: Option<gate::WaiverFileRecord>,
    /// What the gate disregarded (empty for `check`).
    pub(crate) disregarded: gate::Disregarded,
    /// The folder every output path is relative to.
    pub(crate) root: PathBuf,
    /// What no output of this run may overwrite.
    pub(crate) guard: output::Guard,
    /// The trees judged, each with its own config.
    pub(crate) trees: Vec<TreeReport>,
}

/// `path` relative to the config's folder, else to the current folder.
fn relative_path(path: &Path, root: Option<&Path>) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let base = root.map(Path::to_path_buf).or_else(|| std::env::current_dir().ok());
    base.and_then(|b| {
        let b = std::fs::canonicalize(&b).unwrap_or(b);
        let a = std::fs::canonicalize(&absolute).unwrap_or(absolute.clone());
        paths::relative_to(&a, &b)
    })
    .map_or_else(
        || paths::lossless(absolute.as_os_str()),
        |p| paths::lossless(p.as_os_str()),
    )
}

/// One tree of a run, as it is told apart in the result.
pub(crate) struct TreeReport {
    /// Its config's `fail-on`.
    pub(crate) fail_on: Option<Severity>,
    /// Its files, as shown.
    pub(crate) files: HashSet<String>,
}

impl Judgement {
    /// The threshold the reports mark failures at (`JUnit` failures, the summary's verdict):
    /// `--fail-on`, else the lowest of the trees' `fail-on` (their common one when they agree), so
    /// nothing that fails a tree shows as passed.
    #[must_use]
    pub(crate) fn report_threshold(&self, fail_on: Option<Severity>) -> Severity {
        fail_on.unwrap_or_else(|| {
            self.trees
                .iter()
                .map(|t| t.fail_on.unwrap_or(Severity::Error))
                .min()
                .unwrap_or(Severity::Error)
        })
    }

    /// Whether the run fails: some finding reaches `--fail-on` when it is given, else its own
    /// tree's `fail-on` (an error by default).
    #[must_use]
    pub(crate) fn fails(&self, fail_on: Option<Severity>) -> bool {
        let checked = &self.checked;
        if let Some(threshold) = fail_on {
            return checked.summary.findings.reaches(threshold);
        }
        self.trees.iter().any(|tree| {
            let in_tree = checked.findings.iter().filter(|f| {
                checked
                    .files
                    .get(f.file.0 as usize)
                    .is_some_and(|file| tree.files.contains(&file.path))
            });
            SeverityCounts::of(in_tree).reaches(tree.fail_on.unwrap_or(Severity::Error))
        })
    }
}

/// The trees the paths belong to: each path's nearest `standoff.yaml` (none: the defaults),
/// in the order of the config paths, so the result does not depend on the order of the paths.
fn trees_of(paths: &[PathBuf]) -> BTreeMap<Option<PathBuf>, Vec<PathBuf>> {
    let mut trees: BTreeMap<Option<PathBuf>, Vec<PathBuf>> = BTreeMap::new();
    for path in paths {
        trees.entry(config::discover(path)).or_default().push(path.clone());
    }
    trees
}

/// Walks, reads and judges every tree the paths belong to (product.md, "Trees, projects and
/// files"), each with its own config, waivers and projects, and puts the results together.
/// An explicit `--config` judges the paths as one tree with that config; the gate judges one
/// tree, and refuses paths that span several.
pub(crate) fn judge(request: &JudgeRequest<'_>) -> Result<Judgement, ToolError> {
    let started = Instant::now();
    for path in request.paths {
        if std::fs::symlink_metadata(path).is_err() {
            return Err(ToolError::message(format!(
                "{}: no such file or folder",
                walk::display(path)
            )));
        }
    }
    if request.config.is_some() || request.paths.is_empty() {
        let config = find_config(request.config, request.paths.first())?;
        let root = walk::output_root(request.paths, config.root.as_deref());
        let (judgement, _) = judge_tree(request, request.paths, config, &root, false, started)?;
        return Ok(judgement);
    }
    let mut pending = trees_of(request.paths);
    let single_config = (pending.len() == 1)
        .then(|| pending.keys().next().cloned().flatten())
        .flatten();
    let root = walk::output_root(request.paths, single_config.as_deref().and_then(Path::parent));
    let mut judged: BTreeMap<Option<PathBuf>, (Vec<PathBuf>, Judgement)> = BTreeMap::new();
    while let Some((key, paths)) = pending.pop_first() {
        let config = match &key {
            Some(path) => config::load(path, &walk::display(path))?,
            None => Config::default(),
        };
        let (judgement, nested) = judge_tree(request, &paths, config, &root, true, started)?;
        if request.gate.is_some() && (!nested.is_empty() || !judged.is_empty() || !pending.is_empty()) {
            let trees: Vec<String> = nested
                .iter()
                .map(|n| walk::display(n))
                .chain(pending.values().flatten().map(|p| walk::display(p)))
                .collect();
            return Err(ToolError::message(format!(
                "the review gate judges one tree at a time, and these paths hold several (each `standoff.yaml` makes its folder a tree of its own: {}): run the gate once per tree",
                trees.join(", ")
            )));
        }
        judged.insert(key, (paths, judgement));
        for folder in nested {
            let key = Some(folder.join(config::CONFIG_FILE));
            let key = key.map(|k| std::fs::canonicalize(&k).unwrap_or(k));
            // A folder met again (named too, reached from two roots or through a link) is
            // judged once; a tree judged already on some of its files is judged again with the
            // whole folder. Each tree's folders only grow, so this ends.
            let same = |p: &PathBuf| std::fs::canonicalize(p).ok() == std::fs::canonicalize(&folder).ok();
            let known = judged.get(&key).map(|(paths, _)| paths).or_else(|| pending.get(&key));
            if known.is_some_and(|paths| paths.iter().any(same)) {
                continue;
            }
            let mut paths = match judged.remove(&key) {
                Some((paths, _)) => paths,
                None => pending.remove(&key).unwrap_or_default(),
            };
            paths.push(folder);
            pending.insert(key, paths);
        }
    }
    let mut parts = judged.into_values().map(|(_, j)| j);
    let Some(first) = parts.next() else {
        return Err(ToolError::message("no tree to judge"));
    };
    Ok(merge(first, parts, started))
}

/// Several trees' judgements as one (the first tree's config stands for the run where one
/// config is shown; each tree keeps its own `fail-on` in [`Judgement::trees`]).
fn merge(first: Judgement, rest: impl Iterator<Item = Judgement>, started: Instant) -> Judgement {
    let Judgement {
        checked,
        mut rules,
        config,
        as_of,
        mut inputs,
        waiver_file,
        disregarded,
        root,
        mut guard,
        mut trees,
        ..
    } = first;
    let mut parts = vec![checked];
    for part in rest {
        parts.push(part.checked);
        rules.absorb(part.rules);
        guard.absorb(part.guard);
        trees.extend(part.trees);
        inputs.extend(part.inputs);
    }
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    Judgement {
        checked: engine::merge::merge(parts),
        rules,
        config,
        as_of,
        started,
        inputs,
        waiver_file,
        disregarded,
        root,
        guard,
        trees,
    }
}

/// Walks, reads and judges one tree with its config; applies the config's rule filters and
/// every waiver. Returns the folders below it that are trees of their own (when asked to stop
/// at them).
#[allow(clippy::print_stderr, reason = "-v prints what was walked to stderr")]
fn judge_tree(
    request: &JudgeRequest<'_>,
    paths: &[PathBuf],
    mut config: Config,
    root: &Path,
    stop_at_trees: bool,
    started: Instant,
) -> Result<(Judgement, Vec<PathBuf>), ToolError> {
    let root = root.to_path_buf();
    if request.verbose {
        // Which config judges this tree (one line per tree), so a surprising result can be
        // traced to the file in force.
        let named = config.path.as_ref().map_or_else(
            || "none, defaults".to_owned(),
            |p| crate::text::terminal_line(&walk::display(p)).into_owned(),
        );
        eprintln!("config: {named}");
    }
    let schemas = schema::schemas().map_err(ToolError::Message)?;
    let gate = request.gate.is_some();
    let (mut rules, packs_not_replacing) = load_rules(&config, request.rules, gate)?;
    // A mistyped rule id must never leave a rule silently inactive. At the gate the
    // submitter's filters do not apply, so they are not judged there either.
    if request.gate.is_none() {
        config.resolve_rules(&rules)?;
    }
    let waiver_file = match &config.waiver_file {
        Some(path) if path.is_file() => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ToolError::message(format!("cannot read {}: {e}", walk::display(path))))?;
            Some((
                // Shown relative to the tree's root like every input, so the record and the
                // findings do not depend on the working folder.
                waivers::load_file(&text, &walk::display_from(path, &root))?,
                gate::WaiverFileRecord {
                    path: walk::display_from(path, &root),
                    sha256: crate::text::hex(&sha2::Sha256::digest(text.as_bytes())),
                },
            ))
        }
        Some(path) if config.waiver_file_named => {
            return Err(ToolError::message(format!(
                "{}: no such waiver file (named in the config)",
                walk::display(path)
            )));
        }
        _ => None,
    };
    let (waiver_file, waiver_record) = waiver_file.unzip();
    // The gate judges exactly what it was given: named files are judged, not used as a
    // window onto a tree whose other findings would then go unreported.
    let scope = if gate {
        Scope {
            roots: paths.to_vec(),
            report_only: None,
        }
    } else {
        scope(paths, &config)
    };
    let check_walk = WalkOptions {
        follow_symlinks: config.follow_symlinks,
        exclude: config.exclude.clone(),
        judge_everything: false,
        stop_at_trees,
    };
    let options = WalkOptions {
        judge_everything: gate,
        ..check_walk.clone()
    };
    let skip: Vec<PathBuf> = config.path.iter().chain(config.waiver_file.iter()).cloned().collect();
    let mut walked = walk::walk(&scope.roots, &options, &skip);
    // Files named alone (the pre-commit case) are judged with their own tree as context: the
    // trees nested below its folder are not theirs, and are not judged.
    let nested_trees = match scope.report_only {
        Some(_) => Vec::new(),
        None => std::mem::take(&mut walked.nested_trees),
    };
    let mut disregarded = gate::Disregarded::default();
    if gate {
        // What `check` would have skipped, judged here and listed in the record.
        let checked_by_check: HashSet<PathBuf> = walk::walk(&scope.roots, &check_walk, &skip)
            .files
            .iter()
            .filter_map(|c| std::fs::canonicalize(&c.path).ok())
            .collect();
        disregarded.files_check_would_skip = walked
            .files
            .iter()
            .filter(|c| std::fs::canonicalize(&c.path).is_ok_and(|real| !checked_by_check.contains(&real)))
            .map(|c| walk::display_from(&c.path, &root))
            .collect();
        disregarded.links_not_followed = walked
            .problems
            .iter()
            .filter(|p| p.kind == WalkProblemKind::SymlinkSkipped)
            .map(|p| walk::display_from(&p.path, &root))
            .collect();
        disregarded.packs_not_replacing = packs_not_replacing;
        disregarded.config_stage = config.stage.map(Stage::number);
        disregarded.rule_filters = config.filter != policy::RuleFilter::default() || !config.overrides.is_empty();
        disregarded.follow_symlinks = config.follow_symlinks;
    }
    // In the pre-commit case, a named file is checked even when the walk would not pick it.
    let report_paths: Option<HashSet<PathBuf>> = scope
        .report_only
        .as_ref()
        .map(|files| files.iter().filter_map(|f| std::fs::canonicalize(f).ok()).collect());
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
                    path: paths::clean(file),
                });
            }
        }
    }
    let mut inputs: Vec<(PathBuf, Option<FileInput>)> = walked.files.into_iter().map(|c| (c.path, None)).collect();
    for problem in walked.problems {
        let (rule, severity) = match problem.kind {
            WalkProblemKind::Unreadable => ("FILE-READ", Severity::Error),
            WalkProblemKind::SymlinkSkipped => ("FILE-SYMLINK", Severity::Info),
        };
        let message = match problem.kind {
            WalkProblemKind::SymlinkSkipped if !gate => {
                format!(
                    "{}; set `follow-symlinks: true` in standoff.yaml to check what it points to",
                    problem.message
                )
            }
            WalkProblemKind::Unreadable | WalkProblemKind::SymlinkSkipped => problem.message,
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
    // Outputs never overwrite an input (src/output.rs).
    let guard = output::Guard::for_run(
        &scope.roots,
        inputs.iter().map(|(p, _)| p.as_path()),
        &config,
        request.rules,
    );
    if request.verbose {
        for (path, input) in &inputs {
            let note = if input.is_some() { " (not read)" } else { "" };
            eprintln!("walked {}{note}", crate::text::terminal_line(&walk::display(path)));
        }
    }
    let limits = if gate {
        let (capped, what) = capped_limits(config.limits);
        disregarded.limits_capped = what;
        capped
    } else {
        config.limits
    };
    // `check -`: standard input in the place of the file it is reported as (src/input.rs).
    input::splice_stdin(&mut inputs, request.stdin, &limits);
    input::splice_buffers(&mut inputs, request.buffers, &limits);
    let report_ids: Option<HashSet<FileId>> = report_paths.map(|wanted| {
        inputs
            .iter()
            .enumerate()
            .filter(|(_, (p, _))| std::fs::canonicalize(p).is_ok_and(|c| wanted.contains(&c)))
            .map(|(i, _)| FileId(i as u32))
            .collect()
    });
    let relative_paths: Vec<String> = inputs
        .iter()
        .map(|(p, _)| relative_path(p, config.root.as_deref()))
        .collect();
    let read: Vec<((String, FileInput), Option<gate::Input>)> = inputs
        .into_par_iter()
        .map(|(path, input)| {
            let input = input.unwrap_or_else(|| read_input(&path, &limits));
            let display = walk::display_from(&path, &root);
            let record = match &input {
                // Met on the walk but not read (a link not followed): a finding, not an input.
                FileInput::WalkProblem { .. } => None,
                FileInput::Bytes(bytes) => Some(gate::Input {
                    path: display.clone(),
                    bytes: bytes.len() as u64,
                    // Only the gate's record needs the digest; a check does not hash (it was a
                    // tenth of a whole check's time).
                    sha256: gate.then(|| crate::text::hex(&sha2::Sha256::digest(bytes))),
                }),
                _ => Some(gate::Input {
                    path: display.clone(),
                    bytes: 0,
                    sha256: None,
                }),
            };
            ((display, input), record)
        })
        .collect();
    let (read, input_records): (Vec<(String, FileInput)>, Vec<Option<gate::Input>>) = read.into_iter().unzip();
    let input_records: Vec<gate::Input> = input_records.into_iter().flatten().collect();
    let as_of = request.as_of.unwrap_or_else(Date::today_utc);
    let check_options = CheckOptions {
        // The gate's `--stage` rules there; the submitted config's `stage` does not apply.
        stage: if gate { None } else { request.stage.or(config.stage) },
        as_of: Some(as_of),
        lookahead: request.lookahead,
        gate: request.gate,
        settings: config.settings.clone(),
        report_only: report_ids,
    };
    // The gate judges what was submitted: the submitter's rule filters do not apply there.
    let (filter, overrides) = if request.gate.is_some() {
        (policy::RuleFilter::default(), Vec::new())
    } else {
        let mut filter = config.filter.clone();
        let mut named = policy::RuleFilter {
            select: request.select.clone().unwrap_or_default(),
            ignore: request.ignore.clone(),
            severity: Vec::new(),
        };
        named
            .resolve(&rules)
            .map_err(|errors| ToolError::message(errors.join("\n")))?;
        if request.select.is_some() {
            filter.select = named.select;
        }
        filter.ignore.extend(named.ignore);
        (filter, config.overrides.clone())
    };
    let known_ids: Vec<String> = rules
        .rules
        .iter()
        .map(|r| r.id.clone())
        .chain(crate::checks::BUILTIN_CHECKS.iter().map(|c| c.id.to_owned()))
        .collect();
    let rule_stages = rules.rules.iter().map(|r| (r.id.clone(), r.stage)).collect();
    // A rule the run-wide filter drops can never report (per-path overrides only narrow it),
    // so it is not evaluated at all.
    rules.retain(|id| filter.selects(id));
    let mut checked = engine::check(read, &limits, schemas, &rules, &check_options);
    let policy = Policy {
        filter,
        overrides,
        waiver_file,
        known_ids,
        rule_stages,
        lookahead: request.lookahead,
        gate: request.gate,
    };
    policy::apply(&mut checked, &policy, &relative_paths, Some(as_of));
    let tree = TreeReport {
        fail_on: config.fail_on,
        files: checked.files.iter().map(|f| f.path.clone()).collect(),
    };
    let judgement = Judgement {
        checked,
        rules,
        config,
        as_of,
        started,
        inputs: input_records,
        waiver_file: waiver_record,
        disregarded,
        root,
        guard,
        trees: vec![tree],
    };
    Ok((judgement, nested_trees))
}

/// What `check -` judges: the paths to walk, standard input and the config to use.
pub(crate) struct StdinPlan {
    pub(crate) paths: Vec<PathBuf>,
    pub(crate) stdin: Option<input::Stdin>,
    pub(crate) config: Option<PathBuf>,
}

/// Plans `check -`: `paths` as given, `stdin_filename` the path standard input is reported at,
/// `config` the explicit `--config`.
pub(crate) fn stdin_plan(
    paths: &[PathBuf],
    stdin_filename: Option<&PathBuf>,
    config: Option<&PathBuf>,
) -> Result<StdinPlan, ToolError> {
    let dash = paths.iter().any(|p| output::is_dash(p));
    if !dash {
        if let Some(name) = &stdin_filename {
            return Err(ToolError::message(format!(
                "--stdin-filename {} names the path standard input is reported at: pass `-` as the path to read standard input",
                walk::display(name)
            )));
        }
        return Ok(StdinPlan {
            paths: paths.to_vec(),
            stdin: None,
            config: config.cloned(),
        });
    }
    if paths.len() > 1 {
        return Err(ToolError::message(
            "`-` (standard input) is checked alone: pass no other path with it",
        ));
    }
    let stdin = input::Stdin::new(stdin_filename);
    match stdin_filename {
        // A file of a tree: the tree is loaded for context and only it is reported (the
        // pre-commit case), its content taken from standard input.
        Some(name) if std::fs::metadata(name).is_ok_and(|m| m.is_file()) => Ok(StdinPlan {
            paths: vec![name.clone()],
            stdin: Some(stdin),
            config: config.cloned(),
        }),
        Some(name) if name.is_dir() => Err(ToolError::message(format!(
            "--stdin-filename {} is a folder: name the file standard input stands for",
            walk::display(name)
        ))),
        // A new file, or no name: standard input judged alone, with the config found from
        // where the file would be (else the current folder).
        other => {
            let from = other.map_or_else(|| PathBuf::from("."), |name| nearest_existing_folder(name));
            let config = config.cloned().or_else(|| config::discover(&from));
            Ok(StdinPlan {
                paths: Vec::new(),
                stdin: Some(stdin),
                config,
            })
        }
    }
}

fn nearest_existing_folder(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    absolute
        .ancestors()
        .skip(1)
        .find(|a| a.is_dir())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}
