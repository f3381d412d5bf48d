//! The benchmark command: `cargo bench --bench throughput -- [--docs N] [--runs R]`.
//!
//! Generates a deterministic tree of N design documents (all nine kinds, from the shipped
//! example, one project per nine documents), then measures three phases, each in a fresh child
//! process so its peak memory is its own, at 1 thread and at all cores:
//!
//! - `parse`: read every file and pull every YAML event (the floor: nothing can be faster);
//! - `load+validate`: read, load with spans, recognise, validate against the schemas, build the
//!   projects and the index (the engine with no rules);
//! - `load+validate+rules`: the same, with every built-in rule pack;
//! - `check`: the whole `standoff check` (walk, load, validate, projects, JSON report to a file).
//!
//! It prints documents/s, MB/s and peak RSS, then the targets: check time over the parse floor,
//! peak memory over input size, the time for twice the documents (`--no-scaling` skips it) and
//! the pre-commit case (the real binary on one file of a 10-document project), and the HVM attack
//! shape (one Site with 2,000 approaches, entrances and crowded spaces; `--hvm-attack` runs only
//! it). Figures, not
//! assertions: the machines are shared. `--keep` keeps the generated tree (for profiling).

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark prints its figures"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark that cannot set up has failed"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rayon::prelude::*;

const TEMPLATES: [(&str, &str); 9] = [
    (
        "project.yaml",
        include_str!("../examples/riverside-arena/stage-4/project.yaml"),
    ),
    (
        "risk-assessment.yaml",
        include_str!("../examples/riverside-arena/stage-4/risk-assessment.yaml"),
    ),
    (
        "security-strategy.yaml",
        include_str!("../examples/riverside-arena/stage-4/security-strategy.yaml"),
    ),
    (
        "site.yaml",
        include_str!("../examples/riverside-arena/stage-4/site.yaml"),
    ),
    (
        "barrier-schedule.yaml",
        include_str!("../examples/riverside-arena/stage-4/barrier-schedule.yaml"),
    ),
    (
        "glazing.yaml",
        include_str!("../examples/riverside-arena/stage-4/glazing.yaml"),
    ),
    (
        "procedures.yaml",
        include_str!("../examples/riverside-arena/stage-4/procedures.yaml"),
    ),
    (
        "security-plan.yaml",
        include_str!("../examples/riverside-arena/stage-4/security-plan.yaml"),
    ),
    (
        "event.yaml",
        include_str!("../examples/riverside-arena/stage-4/event.yaml"),
    ),
];

/// A small deterministic generator (64-bit LCG), so every run builds the same tree.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// Writes `docs` documents under `dir`; returns the total bytes.
fn generate(dir: &Path, docs: usize) -> u64 {
    let mut rng = Lcg(0x5eed);
    let mut bytes = 0;
    for i in 0..docs {
        let project = i / TEMPLATES.len();
        let (file, template) = TEMPLATES[i % TEMPLATES.len()];
        let folder = dir.join(format!("p{project:05}"));
        std::fs::create_dir_all(&folder).unwrap();
        // Vary the text deterministically: the project name and a comment of seeded length.
        let note = "x".repeat((rng.next() % 200) as usize);
        let text = format!(
            "# generated {i}: {note}\n{}",
            template.replace("riverside-arena", &format!("project-{project:05}"))
        );
        bytes += text.len() as u64;
        std::fs::write(folder.join(file), text).unwrap();
    }
    bytes
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = ignore::WalkBuilder::new(dir)
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(ignore::DirEntry::into_path)
        .collect();
    files.sort();
    files
}

/// Runs one phase in this (child) process and prints `seconds peak_kib`.
fn child(phase: &str, dir: &Path) {
    let started = Instant::now();
    match phase {
        "parse" => {
            let events: usize = yaml_files(dir)
                .par_iter()
                .map(|p| {
                    let text = std::fs::read_to_string(p).unwrap();
                    saphyr_parser::Parser::new_from_str(&text).count()
                })
                .sum();
            assert!(events > 0);
        }
        "load+validate" | "load+validate+rules" => {
            let schemas = standoff::schema::schemas().unwrap();
            let rules = if phase == "load+validate" {
                standoff::rules::RuleSet::default()
            } else {
                standoff::rules::load(standoff::rules::builtin_packs()).unwrap()
            };
            let limits = standoff::yaml::Limits::default();
            let inputs: Vec<(String, standoff::model::source::FileInput)> = yaml_files(dir)
                .par_iter()
                .map(|p| {
                    (
                        p.display().to_string(),
                        standoff::model::source::FileInput::Bytes(std::fs::read(p).unwrap()),
                    )
                })
                .collect();
            let options = standoff::engine::CheckOptions {
                as_of: standoff::date::Date::parse("2026-11-24"),
                ..standoff::engine::CheckOptions::default()
            };
            let checked = standoff::engine::check(inputs, &limits, schemas, &rules, &options);
            assert_eq!(checked.summary.findings.error, 0, "the generated tree must pass");
        }
        "check" => {
            let out = dir.with_extension("report.json");
            let code = standoff::cli::main_from([
                "standoff".as_ref(),
                "check".as_ref(),
                dir.as_os_str(),
                "--format".as_ref(),
                "json".as_ref(),
                "--as-of".as_ref(),
                "2026-11-24".as_ref(),
                "--output".as_ref(),
                out.as_os_str(),
            ]);
            assert_eq!(code, std::process::ExitCode::SUCCESS, "the generated tree must pass");
        }
        other => panic!("unknown phase {other}"),
    }
    println!("{} {}", started.elapsed().as_secs_f64(), peak_rss_kib());
}

/// The pre-commit case: the real binary, started for one changed file of a 10-document project
/// (the project loaded for context). Returns the median and the fastest wall time, in seconds.
fn pre_commit(runs: usize) -> (f64, f64) {
    let dir = std::env::temp_dir().join("standoff-bench-pre-commit");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, template) in TEMPLATES {
        std::fs::write(dir.join(file), template).unwrap();
    }
    // A tenth document: a second glazing schedule.
    let glazing = TEMPLATES.iter().find(|(f, _)| *f == "glazing.yaml").unwrap().1;
    std::fs::write(
        dir.join("glazing-annexe.yaml"),
        glazing.replace("name: riverside-glazing", "name: riverside-glazing-annexe"),
    )
    .unwrap();
    let exe = env!("CARGO_BIN_EXE_standoff");
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let output = Command::new(exe)
                .current_dir(&dir)
                .args(["check", "site.yaml", "--as-of", "2026-11-24", "--color", "never"])
                .output()
                .unwrap();
            let elapsed = started.elapsed().as_secs_f64();
            assert!(output.status.code().is_some_and(|c| c <= 1), "pre-commit run failed");
            elapsed
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let _ = std::fs::remove_dir_all(&dir);
    (times[times.len() / 2], times[0])
}

/// The shape of the attack on HVM-MITIGATED and HVM-ASSESS (issue 10): one Site with `n`
/// crowded spaces, `n` entrances (one id, repeated) that serve an unknown space and `n`
/// approaches that each reach that entrance. The real binary checks it; returns the median and
/// the fastest wall time, in seconds.
fn hvm_attack(n: usize, runs: usize) -> (f64, f64) {
    use std::fmt::Write as _;
    let dir = std::env::temp_dir().join("standoff-bench-hvm-attack");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let project = TEMPLATES[0].1.replace("stage: 4", "stage: 3");
    std::fs::write(dir.join("project.yaml"), project).unwrap();
    let mut site = String::from(
        "apiVersion: standoff/v1\nkind: Site\nmetadata:\n  name: quay\n  project: riverside-arena\nspec:\n  crowdedSpaces:\n",
    );
    for i in 0..n {
        let _ = writeln!(site, "    - {{ id: c{i} }}");
    }
    site.push_str("  entrances:\n");
    for _ in 0..n {
        site.push_str("    - { id: gate, type: pedestrian, serves: nowhere }\n");
    }
    site.push_str("  vehicleApproaches:\n");
    for i in 0..n {
        let _ = writeln!(site, "    - {{ id: va{i}, reaches: gate }}");
    }
    std::fs::write(dir.join("site.yaml"), site).unwrap();
    let exe = env!("CARGO_BIN_EXE_standoff");
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            let output = Command::new(exe)
                .current_dir(&dir)
                .args(["check", ".", "--as-of", "2026-11-24", "--format", "json"])
                .output()
                .unwrap();
            let elapsed = started.elapsed().as_secs_f64();
            assert!(
                output.status.code().is_some_and(|c| c <= 1),
                "the attack shape's run failed"
            );
            let report = String::from_utf8_lossy(&output.stdout);
            assert!(!report.contains("RULE-BUDGET"), "a built-in rule spent its budget");
            elapsed
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let _ = std::fs::remove_dir_all(&dir);
    (times[times.len() / 2], times[0])
}

fn hvm_attack_row(runs: usize) {
    let (median, fastest) = hvm_attack(2_000, runs);
    println!(
        "| one Site with 2,000 approaches, entrances and crowded spaces (the HVM attack shape), whole process | {median:.3} s (fastest {fastest:.3} s) | <= 1 s | {} |",
        met(median <= 1.0)
    );
}

fn measure(phase: &str, dir: &Path, threads: usize, runs: usize) -> (f64, u64) {
    let exe = std::env::current_exe().unwrap();
    let mut times = Vec::new();
    let mut peak = 0;
    for _ in 0..runs {
        let output = Command::new(&exe)
            .args(["--child", phase])
            .arg(dir)
            .env("RAYON_NUM_THREADS", threads.to_string())
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{phase}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = String::from_utf8_lossy(&output.stdout);
        let mut parts = text.split_whitespace();
        times.push(parts.next().unwrap().parse::<f64>().unwrap());
        peak = peak.max(parts.next().unwrap().parse::<u64>().unwrap());
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], peak)
}

/// The "met" column of the targets table.
fn met(yes: bool) -> &'static str {
    if yes { "yes" } else { "no" }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if args.first().map(String::as_str) == Some("--child") {
        child(&args[1], Path::new(&args[2]));
        return;
    }
    let value = |flag: &str, default: usize| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let runs = value("--runs", 3).max(1);
    if args.iter().any(|a| a == "--hvm-attack") {
        // Only the attack case (`cargo bench --bench throughput -- --hvm-attack`).
        println!("| target | measured | goal | met |\n|---|---:|---:|---|");
        hvm_attack_row(runs);
        return;
    }
    // Whole projects only (nine documents each), so the generated tree passes every rule.
    let docs = value("--docs", 10_000).div_ceil(TEMPLATES.len()) * TEMPLATES.len();
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let dir = std::env::temp_dir().join(format!("standoff-bench-{docs}"));
    let _ = std::fs::remove_dir_all(&dir);
    let bytes = generate(&dir, docs);
    let mb = bytes as f64 / 1e6;
    println!("tree: {docs} documents, {mb:.1} MB, in {}", dir.display());
    println!("median of {runs} runs; peak RSS is the largest of the runs\n");
    println!("| phase | threads | documents | MB | seconds | documents/s | MB/s | peak RSS MB |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let mut seconds_of = std::collections::HashMap::new();
    let mut check_peak_kib = 0;
    for phase in ["parse", "load+validate", "load+validate+rules", "check"] {
        let mut thread_counts = vec![1];
        if cores > 1 {
            thread_counts.push(cores);
        }
        for threads in thread_counts {
            let (seconds, peak_kib) = measure(phase, &dir, threads, runs);
            seconds_of.insert((phase, threads), seconds);
            if phase == "check" {
                check_peak_kib = check_peak_kib.max(peak_kib);
            }
            println!(
                "| {phase} | {threads} | {docs} | {mb:.1} | {seconds:.3} | {:.0} | {:.1} | {:.1} |",
                docs as f64 / seconds,
                mb / seconds,
                peak_kib as f64 / 1024.0
            );
        }
    }
    println!("\n| target | measured | goal | met |\n|---|---:|---:|---|");
    for threads in [1, cores] {
        if let (Some(check), Some(parse)) = (seconds_of.get(&("check", threads)), seconds_of.get(&("parse", threads))) {
            let ratio = check / parse;
            println!(
                "| check / parse, {threads} thread(s) | {ratio:.2}x | <= 3x | {} |",
                met(ratio <= 3.0)
            );
        }
    }
    println!(
        "| peak RSS of check | {:.0} MB | <= {:.0} MB (5 x input + 50 MB) | {} |",
        check_peak_kib as f64 / 1024.0,
        5.0 * mb + 50.0,
        met(check_peak_kib as f64 / 1024.0 <= 5.0 * mb + 50.0)
    );
    if !args.iter().any(|a| a == "--no-scaling") {
        // Twice the documents: the time should grow linearly.
        let double = dir.with_file_name(format!("standoff-bench-{}", docs * 2));
        let _ = std::fs::remove_dir_all(&double);
        generate(&double, docs * 2);
        let (seconds, _) = measure("check", &double, cores, runs);
        if let Some(single) = seconds_of.get(&("check", cores)) {
            println!(
                "| check time, {} / {docs} documents, {cores} thread(s) | {:.2} ({seconds:.3} s / {single:.3} s) | <= 2.1 (O(n log n)) | {} |",
                docs * 2,
                seconds / single,
                met(seconds / single <= 2.1)
            );
        }
        let _ = std::fs::remove_dir_all(&double);
    }
    let (median, fastest) = pre_commit(runs.max(15));
    println!(
        "| pre-commit: one file of a 10-document project, whole process | {:.1} ms (fastest {:.1} ms) | <= 10 ms | {} |",
        median * 1e3,
        fastest * 1e3,
        met(median <= 0.010)
    );
    hvm_attack_row(runs);
    if args.iter().any(|a| a == "--keep") {
        println!("\nthe tree is kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let _ = std::fs::remove_file(dir.with_extension("report.json"));
}
