//! The README's captured output is the tool's output (issue 14, point 8): the command it names
//! is run and its output compared, the elapsed time aside.

use std::path::Path;

use crate::support::standoff;

#[test]
fn the_readme_shows_what_the_command_it_names_prints() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let section = readme
        .split("## What it looks like")
        .nth(1)
        .expect("the README's example section");
    let command = section
        .split('`')
        .nth(1)
        .expect("the section opens with the command in backticks");
    let args: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(args.first(), Some(&"standoff"), "{command}");
    assert!(
        args.contains(&"--as-of"),
        "the captured command pins its date: {command}"
    );
    let block = section
        .split("```text\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a text block with the captured output");
    let (head, tail) = block
        .split_once("...\n")
        .expect("the block elides the middle with `...`");
    // The pinned date of the support environment must not be what makes it pass.
    let output = standoff()
        .env_remove("STANDOFF_AS_OF")
        .current_dir(root)
        .args(&args[1..])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&output.stdout).to_string() + &String::from_utf8_lossy(&output.stderr);
    assert!(
        printed.starts_with(head),
        "the README's first findings differ from the output:\n{printed}"
    );
    let without_time = |text: &str| {
        text.lines()
            .map(|l| l.split(" in ").next().unwrap_or(l).to_owned())
            .collect::<Vec<_>>()
    };
    let last: Vec<String> = without_time(printed.trim_end()).into_iter().rev().take(2).collect();
    let expected: Vec<String> = without_time(tail.trim_end()).into_iter().rev().take(2).collect();
    assert_eq!(last, expected, "the README's summary lines");
    let mut json_args = args[1..].to_vec();
    json_args.extend(["--format", "json"]);
    let report = crate::support::json(
        &standoff()
            .env_remove("STANDOFF_AS_OF")
            .current_dir(root)
            .args(&json_args)
            .output()
            .unwrap(),
    );
    let count = report["findings"].as_array().map_or(0, Vec::len);
    assert!(
        section.contains(&format!("of {} findings", number_word(count))),
        "the README says how many findings there are ({count})"
    );
}

fn number_word(n: usize) -> String {
    const WORDS: [&str; 21] = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
    ];
    WORDS.get(n).map_or_else(|| n.to_string(), |w| (*w).to_owned())
}

/// The five targets the release builds (README, "Install"; docs/ci.md downloads the Linux ones).
const TARGETS: [&str; 5] = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
];

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// A workflow file read with standoff's own YAML loader (the YAML 1.2 core schema, so `on` is a
/// key, not `true`).
fn workflow(path: &str) -> serde_json::Value {
    let outcome = standoff::yaml::load(&repo_file(path), &standoff::yaml::Limits::default());
    assert!(outcome.error.is_none(), "{path}: {:?}", outcome.error);
    assert_eq!(outcome.documents.len(), 1, "{path}");
    outcome.documents.into_iter().next().unwrap().value
}

/// Every `run:` script of a workflow's jobs, with the job's name.
fn scripts(workflow: &serde_json::Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (job, spec) in workflow["jobs"].as_object().unwrap() {
        for step in spec["steps"].as_array().unwrap() {
            if let Some(run) = step["run"].as_str() {
                out.push((job.clone(), run.to_owned()));
            }
        }
    }
    out
}

/// Issue 14, point 8: binaries for Linux, macOS and Windows from a tag, so an architect needs
/// no toolchain. The workflow cannot run here; this reads what it would do.
#[test]
fn the_release_workflow_builds_the_five_targets_from_a_tag() {
    let text = repo_file(".github/workflows/release.yml");
    assert!(
        text.lines().take(12).any(|l| l.starts_with("# NOT RUN HERE")),
        "the header says that the workflow was never run"
    );
    let release = workflow(".github/workflows/release.yml");
    assert_eq!(
        release["on"]["push"]["tags"],
        serde_json::json!(["v*"]),
        "triggered by a v* tag"
    );
    assert!(release["on"].get("pull_request").is_none() && release["on"]["push"].get("branches").is_none());
    let matrix = release["jobs"]["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .unwrap();
    let targets: Vec<&str> = matrix.iter().filter_map(|m| m["target"].as_str()).collect();
    assert_eq!(targets, TARGETS);
    for entry in matrix {
        let os = entry["os"].as_str().unwrap();
        let target = entry["target"].as_str().unwrap();
        let family = if target.contains("linux") {
            "ubuntu-"
        } else if target.contains("apple") {
            "macos-"
        } else {
            "windows-"
        };
        assert!(os.starts_with(family), "{target} built on {os}");
        // A pinned runner image, not `-latest`, so a release is rebuilt on the same system.
        assert!(!os.ends_with("-latest"), "{target}: {os}");
    }
    let scripts = scripts(&release);
    let cargo: Vec<&String> = scripts
        .iter()
        .map(|(_, s)| s)
        .filter(|s| s.contains("cargo build") || s.contains("cargo install"))
        .collect();
    assert!(!cargo.is_empty());
    for script in cargo {
        assert!(script.contains("--locked"), "builds with Cargo.lock: {script}");
    }
    let all: String = scripts.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>().join("\n");
    for file in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        assert!(all.contains(file), "the archives carry {file}");
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(file).is_file(), "{file}");
    }
    assert!(
        all.contains("sha256sum") && all.contains("SHA256SUMS"),
        "SHA-256 checksums"
    );
    // The tag must be the crate's version, checked before anything is built.
    assert_eq!(release["jobs"]["build"]["needs"], "version");
    assert!(
        scripts
            .iter()
            .any(|(job, s)| job == "version" && s.contains("GITHUB_REF_NAME"))
    );
    // Published as a GitHub Release, the only job that may write to the repository.
    let publish = &release["jobs"]["publish"];
    assert_eq!(publish["permissions"]["contents"], "write");
    assert_eq!(release["permissions"]["contents"], "read");
    let uses: Vec<&str> = publish["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect();
    assert!(
        uses.iter().any(|u| u.starts_with("softprops/action-gh-release@v")),
        "{uses:?}"
    );
    // Every action is pinned to a release (`@v4`), or dtolnay's toolchain channel.
    for (_, spec) in release["jobs"].as_object().unwrap() {
        for step in spec["steps"].as_array().unwrap() {
            if let Some(action) = step["uses"].as_str() {
                let (_, version) = action.split_once('@').unwrap();
                assert!(
                    version.starts_with('v') || action == "dtolnay/rust-toolchain@stable",
                    "{action}"
                );
            }
        }
    }
    // The release notes are the changelog's section of the version.
    let version = env!("CARGO_PKG_VERSION");
    assert!(
        repo_file("CHANGELOG.md")
            .lines()
            .any(|l| l.starts_with(&format!("## {version} — "))),
        "CHANGELOG.md has a dated section for {version}"
    );
}

#[test]
fn ci_runs_the_projects_own_gate() {
    let ci = workflow(".github/workflows/ci.yml");
    assert!(repo_file(".github/workflows/ci.yml").contains("# NOT RUN HERE"));
    assert!(ci["on"].get("pull_request").is_some());
    assert!(
        scripts(&ci).iter().any(|(_, s)| s.trim() == ".ci/run"),
        "CI runs .ci/run"
    );
}

/// The README's "Install": binaries for architects, `cargo install --locked` from a clone; the
/// two set-up commands stay the only ones in "Set up".
#[test]
fn the_readme_says_how_to_install() {
    let readme = repo_file("README.md");
    let install = readme
        .split("\n## Install\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("an Install section");
    assert!(install.contains("https://github.com/standoff-dev/standoff/releases"));
    assert!(install.contains("`cargo install --locked --path .`"));
    assert!(install.contains("SHA-256") && install.contains("No Rust toolchain"));
    assert!(!install.contains("```"), "no second block of set-up commands");
    let set_up = readme
        .split("\n## Set up\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Set up section");
    assert_eq!(set_up.matches("```sh\n").count(), 2, "{set_up}");
}

/// docs/ci.md installs what exists: the release binary of this version, checked against its
/// checksum, with `cargo install --locked` of the same tag as the fallback, and caches it.
#[test]
fn ci_recipes_install_a_release_that_the_workflow_publishes() {
    let doc = repo_file("docs/ci.md");
    let version = env!("CARGO_PKG_VERSION");
    for (heading, cache) in [
        ("## GitHub Actions", "uses: actions/cache@v4"),
        ("## GitLab CI", "\n  cache:\n"),
    ] {
        let section = doc
            .split(heading)
            .nth(1)
            .and_then(|s| s.split("\n## ").next())
            .unwrap_or_else(|| panic!("{heading}"));
        let recipe = section
            .split("```yaml\n")
            .nth(1)
            .and_then(|s| s.split("```").next())
            .unwrap();
        assert!(
            recipe.contains(&format!("STANDOFF_VERSION: \"{version}\"")),
            "{heading}: installs this release ({version})"
        );
        assert!(recipe.contains(cache), "{heading}: caches the binary");
        assert!(
            recipe.contains("releases/download/v$STANDOFF_VERSION"),
            "{heading}: the release binary"
        );
        assert!(recipe.contains("sha256sum -c"), "{heading}: the checksum checked");
        // The asset name is one the release workflow publishes for Linux.
        assert!(
            recipe.contains("standoff-$(uname -m)-unknown-linux-musl.tar.gz"),
            "{heading}"
        );
        // `uname -m` on both Linux runners names a published target.
        for arch in ["x86_64", "aarch64"] {
            assert!(TARGETS.contains(&format!("{arch}-unknown-linux-musl").as_str()));
        }
        for line in recipe.lines().filter(|l| l.contains("cargo install")) {
            assert!(
                line.contains("--locked") && line.contains("--tag \"v$STANDOFF_VERSION\""),
                "{heading}: the fallback builds the same tag with Cargo.lock: {line}"
            );
        }
    }
    assert!(!doc.contains("cargo install --locked --git https://github.com/standoff-dev/standoff standoff"));
}

/// Every config key is in the README's `standoff.yaml` (issue 14, point 8), and that example is
/// a config standoff loads: `--show-settings` lists every key as coming from the file.
#[test]
fn the_readme_documents_every_config_key_in_an_example_that_loads() {
    let readme = repo_file("README.md");
    let example = readme
        .split("- `standoff.yaml`, found by walking up")
        .nth(1)
        .and_then(|s| s.split("```yaml\n").nth(1))
        .and_then(|s| s.split("```").next())
        .expect("the README's standoff.yaml example");
    let mut config = String::new();
    for line in example.lines() {
        config.push_str(line.strip_prefix("  ").unwrap_or(line));
        config.push('\n');
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("standoff.yaml"), &config).unwrap();
    std::fs::create_dir(dir.path().join("packs")).unwrap();
    let output = crate::support::run_in(dir.path(), &["check", "--show-settings"]);
    let shown = String::from_utf8_lossy(&output.stdout).into_owned();
    assert_eq!(output.status.code(), Some(0), "{}", crate::support::transcript(&output));
    let keys: Vec<&str> = shown
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(": ").map(|(k, _)| k))
        .collect();
    assert!(keys.len() >= 17, "{shown}");
    for line in shown.lines().skip(1) {
        assert!(line.ends_with("(file)"), "the README's example does not set it: {line}");
    }
    // And the config schema has no key the settings do not list.
    let schema: serde_json::Value = serde_json::from_str(&repo_file("schemas/config.schema.json")).unwrap();
    for key in schema["properties"].as_object().unwrap().keys() {
        assert!(
            keys.iter().any(|k| k == key || k.starts_with(&format!("{key}."))),
            "{key} is not in --show-settings"
        );
    }
}

/// Every output format is named where the README lists them.
#[test]
fn the_readme_names_every_output_format() {
    let output = crate::support::run_in(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["check", "--output-format", "no-such-format"],
    );
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr).into_owned();
    let formats: Vec<&str> = error
        .split("one of ")
        .nth(1)
        .and_then(|s| s.lines().next())
        .expect("the error lists the formats")
        .split(", ")
        .collect();
    assert!(formats.len() >= 7, "{error}");
    let readme = repo_file("README.md");
    let line = readme
        .lines()
        .find(|l| l.contains("--output-format human|"))
        .expect("the README's formats");
    let listed = line.split('`').nth(1).unwrap().trim_start_matches("--output-format ");
    let listed: Vec<&str> = listed.split('|').collect();
    assert_eq!(listed, formats, "the README's list and the tool's");
}
