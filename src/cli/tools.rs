//! `standoff schema`, `standoff init` and `standoff completions`: what editors, new projects
//! and shells need.

use super::ExitStatus;
use std::path::Path;

use clap::CommandFactory;

use super::check::emit;
use super::{Cli, CompletionsArgs, InitArgs, SchemaArgs};
use crate::app::walk;
use crate::error::ToolError;
use crate::model::document::Kind;
use crate::schema::{EMBEDDED, kind_file};

/// The schemas that are not a kind's, by the name `schema NAME` takes (the file's stem).
const OTHER_SCHEMAS: [&str; 7] = [
    "design-document",
    "config",
    "rule",
    "pack",
    "waivers",
    "common",
    "gate-record",
];

pub(super) fn schema(args: &SchemaArgs) -> Result<ExitStatus, ToolError> {
    let wanted: Vec<&str> = match &args.kind {
        Some(name) => {
            let file = Kind::ALL
                .iter()
                .find(|k| k.name().eq_ignore_ascii_case(name) || k.file_stem() == name)
                .map(|k| kind_file(*k))
                .or_else(|| {
                    EMBEDDED
                        .iter()
                        .map(|s| s.file)
                        .find(|f| f.trim_end_matches(".schema.json") == name)
                })
                .ok_or_else(|| {
                    let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
                    ToolError::message(format!(
                        "no schema `{}`: the kinds are {}; also {} (design-document checks any kind)",
                        crate::text::quote(name),
                        names.join(", "),
                        OTHER_SCHEMAS.join(", ")
                    ))
                })?;
            vec![file]
        }
        None => EMBEDDED.iter().map(|s| s.file).collect(),
    };
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .map_err(|e| ToolError::message(format!("cannot create {}: {e}", walk::display(dir))))?;
        // With the files they refer to (common.schema.json; every kind's for design-document),
        // so that the relative references resolve in DIR.
        write_schemas(dir, &with_references(&wanted))?;
        Ok(ExitStatus::Success)
    } else {
        if wanted.len() > 1 {
            return Err(ToolError::message(
                "name one schema to print (e.g. `standoff schema site`), or write them all with --out DIR",
            ));
        }
        let text = EMBEDDED.iter().find(|s| s.file == wanted[0]).map_or("", |s| s.text);
        emit(text.as_bytes(), None)?;
        Ok(ExitStatus::Success)
    }
}

/// The schema files `files` name, and every file they refer to, directly or not, in the order
/// met.
fn with_references(files: &[&'static str]) -> Vec<&'static str> {
    fn refs<'a>(node: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(serde_json::Value::as_str) {
                    out.push(target.split('#').next().unwrap_or_default());
                }
                map.values().for_each(|child| refs(child, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|child| refs(child, out)),
            _ => {}
        }
    }
    let mut all: Vec<&'static str> = files.to_vec();
    let mut next = 0;
    while let Some(file) = all.get(next).copied() {
        next += 1;
        let text = EMBEDDED.iter().find(|s| s.file == file).map_or("", |s| s.text);
        let value: serde_json::Value = serde_json::from_str(text).unwrap_or_default();
        let mut targets = Vec::new();
        refs(&value, &mut targets);
        for target in targets {
            if let Some(found) = EMBEDDED.iter().find(|s| s.file == target)
                && !all.contains(&found.file)
            {
                all.push(found.file);
            }
        }
    }
    all
}

/// Writes schema files for editors, exactly as shipped. They carry no `$id`, so a validator
/// resolves the relative `$ref`s between them against the folder they are in (and never tries
/// to fetch them).
fn write_schemas(dir: &Path, files: &[&str]) -> Result<(), ToolError> {
    for file in files {
        let text = EMBEDDED.iter().find(|s| s.file == *file).map_or("", |s| s.text);
        let path = dir.join(file);
        std::fs::write(&path, text)
            .map_err(|e| ToolError::message(format!("cannot write {}: {e}", walk::display(&path))))?;
    }
    Ok(())
}

const STARTER_CONFIG: &str = "# yaml-language-server: $schema=./.standoff/schemas/config.schema.json\n# standoff configuration: https://github.com/standoff-dev/standoff\n# Every key is optional; unknown keys are errors.\n\n# Paths not to check (gitignore-style globs, relative to this file).\nexclude: []\n\n# The lowest severity that fails the run: error, warning or info.\nfail-on: error\n\n# Until Part 1 of the Terrorism (Protection of Premises) Act 2025 is commenced, the\n# martyns-law pack reports at most warnings. Set the date once it is known:\n# martyns-law:\n#   commencement: 2027-04-01\n";

fn starter_project(name: &str, title: Option<&str>) -> String {
    // A title is written as a JSON string: a valid YAML double-quoted scalar whatever it holds.
    let title = title
        .and_then(|t| serde_json::to_string(t).ok())
        .map(|t| format!("  title: {t}\n"))
        .unwrap_or_default();
    format!(
        "# yaml-language-server: $schema=./.standoff/schemas/project.schema.json\n# The project's anchor document, at RIBA stage 0 (strategic definition).\napiVersion: standoff/v1\nkind: Project\nmetadata:\n  name: {name}\n{title}  classification: OFFICIAL-SENSITIVE   # protective-security designs are sensitive (ISO 19650-5)\nspec:\n  stage: 0\n  jurisdiction: GB-ENG\n  building: true\n  uses: [entertainment-and-leisure]   # the Schedule 1 uses of the premises\n  occupancy:\n    # expectedPeak: the most people reasonably expected at once, staff included; Martyn's Law\n    # tiers (200, 800) depend on it, so ML-HEADCOUNT asks for it until it is written here\n    basis: design-estimate\n    includesStaff: true\n"
    )
}

/// A document name from any text (a folder's name, `--name`): lowercase ASCII letters and
/// digits, every other run of characters one `-`, at most 63 characters, as the schema's
/// `name` asks; `None` when nothing of it is left.
fn slug(raw: &str) -> Option<String> {
    let mut slug = String::new();
    for c in raw.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug.chars().take(63).collect();
    let slug = slug.trim_matches('-');
    (!slug.is_empty()).then(|| slug.to_owned())
}

/// A document name from a folder name.
fn project_name(dir: &Path) -> String {
    let raw = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default();
    slug(&raw).unwrap_or_else(|| "my-project".to_owned())
}

/// The name and title `--name` gives: its slug as the name, and the text as written as the
/// title when the two differ; an error (nothing is written) when no name can be made of it.
fn named(given: &str) -> Result<(String, Option<String>), ToolError> {
    let name = slug(given).ok_or_else(|| {
        ToolError::message(format!(
            "--name `{}` has no ASCII letter or digit to make a Project name of: a name is lowercase letters, digits and '-' (e.g. quayside-hall); nothing was written",
            crate::text::quote(given)
        ))
    })?;
    let title = (name != given.trim()).then(|| given.trim().to_owned());
    Ok((name, title))
}

pub(super) fn init(args: &InitArgs) -> Result<ExitStatus, ToolError> {
    let dir = &args.dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| ToolError::message(format!("cannot create {}: {e}", walk::display(dir))))?;
    let config = dir.join(crate::app::config::CONFIG_FILE);
    let project = dir.join("project.yaml");
    for path in [&config, &project] {
        if path.exists() {
            return Err(ToolError::message(format!(
                "{} already exists: nothing was written",
                walk::display(path)
            )));
        }
    }
    let (name, title) = match &args.name {
        Some(given) => named(given)?,
        None => (project_name(dir), None),
    };
    let write = |path: &Path, text: &str| {
        std::fs::write(path, text).map_err(|e| ToolError::message(format!("cannot write {}: {e}", walk::display(path))))
    };
    write(&config, STARTER_CONFIG)?;
    write(&project, &starter_project(&name, title.as_deref()))?;
    let schemas = dir.join(".standoff").join("schemas");
    std::fs::create_dir_all(&schemas)
        .map_err(|e| ToolError::message(format!("cannot create {}: {e}", walk::display(&schemas))))?;
    write_schemas(&schemas, &EMBEDDED.iter().map(|s| s.file).collect::<Vec<_>>())?;
    let titled = title
        .map(|t| format!("the Project is named {name} (titled {t})\n"))
        .unwrap_or_default();
    let said = format!(
        "wrote {} and {}\n{titled}next: fill in the Project, then run `standoff check {}`\n",
        walk::display(&config),
        walk::display(&project),
        walk::display(dir)
    );
    emit(crate::text::terminal(&said).as_bytes(), None)?;
    Ok(ExitStatus::Success)
}

/// Possible values for completion only (parsing keeps its own rules: `--select` takes
/// prefixes and lists). The command line is built once and the process ends, so the leaked
/// strings are freed with it.
fn candidates(values: &[String]) -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        values
            .iter()
            .map(|v| clap::builder::PossibleValue::new(&*v.clone().leak())),
    )
}

/// The command line as the shells complete it: rule and check ids for `--select`, `--ignore`
/// and `explain ID`, stage numbers and names for `--stage`, kinds for `schema KIND`.
fn completing(mut command: clap::Command) -> Result<clap::Command, ToolError> {
    let rules = crate::app::judge::load_rules(&crate::app::config::Config::default(), &[], false)?.0;
    let ids: Vec<String> = rules
        .rules
        .iter()
        .map(|r| r.id.clone())
        .chain(crate::checks::BUILTIN_CHECKS.iter().map(|c| c.id.to_owned()))
        .collect();
    let stages: Vec<String> = (0..=7)
        .map(|n| n.to_string())
        .chain(crate::stage::STAGE_NAMES.iter().map(|s| (*s).to_owned()))
        .collect();
    let kinds: Vec<String> = Kind::ALL
        .iter()
        .map(|k| k.file_stem().to_owned())
        .chain(OTHER_SCHEMAS.iter().map(|s| (*s).to_owned()))
        .collect();
    command = command
        .mut_subcommand("check", |c| {
            c.mut_arg("select", |a| a.value_parser(candidates(&ids)))
                .mut_arg("ignore", |a| a.value_parser(candidates(&ids)))
                .mut_arg("stage", |a| a.value_parser(candidates(&stages)))
        })
        .mut_subcommand("gate", |c| c.mut_arg("stage", |a| a.value_parser(candidates(&stages))))
        .mut_subcommand("explain", |c| c.mut_arg("id", |a| a.value_parser(candidates(&ids))))
        .mut_subcommand("schema", |c| c.mut_arg("kind", |a| a.value_parser(candidates(&kinds))));
    Ok(command)
}

pub(super) fn completions(args: &CompletionsArgs) -> Result<ExitStatus, ToolError> {
    let mut command = completing(Cli::command())?;
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut command, "standoff", &mut out);
    emit(&out, None)?;
    Ok(ExitStatus::Success)
}

#[cfg(test)]
mod tests {
    use super::{slug, with_references};

    #[test]
    fn schemas_are_written_with_the_files_they_refer_to() {
        assert_eq!(
            with_references(&["site.schema.json"]),
            ["site.schema.json", "common.schema.json"]
        );
        assert_eq!(
            with_references(&["gate-record.schema.json"]),
            ["gate-record.schema.json"]
        );
        let dispatch = with_references(&["design-document.schema.json"]);
        assert_eq!(dispatch.len(), 11, "{dispatch:?}");
        for kind in crate::model::document::Kind::ALL {
            assert!(dispatch.contains(&crate::schema::kind_file(kind)), "{kind:?}");
        }
        assert!(dispatch.contains(&"common.schema.json"));
    }

    #[test]
    fn slugs_are_valid_document_names() {
        assert_eq!(slug("Quayside Hall").as_deref(), Some("quayside-hall"));
        assert_eq!(slug("  Pier 4: \"East\" -- ").as_deref(), Some("pier-4-east"));
        assert_eq!(slug("Café Müller").as_deref(), Some("caf-m-ller"));
        assert_eq!(slug("!!!"), None);
        assert_eq!(slug("東京"), None);
        let long = slug(&format!("{}-{}", "a".repeat(62), "b")).unwrap_or_default();
        assert_eq!(long, "a".repeat(62), "no trailing '-' after the cut");
    }
}
