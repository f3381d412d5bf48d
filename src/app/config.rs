//! `standoff.yaml`: found by walking up from the first path, validated against the embedded
//! config schema (so every mistake is located, with a "did you mean"), then resolved once into
//! [`Config`].

use std::path::{Path, PathBuf};

use ignore::overrides::{Override, OverrideBuilder};
use serde::Deserialize;
use serde_json::Value;

use crate::error::{LocatedError, ToolError};
use crate::model::finding::Severity;
use crate::policy::{PathOverride, RuleFilter};
use crate::schema;
use crate::stage::Stage;
use crate::yaml::{self, Limits, Span};

/// The config file's name.
pub(crate) const CONFIG_FILE: &str = "standoff.yaml";

/// The raw file, as written (kebab-case keys; the schema has already rejected unknown keys).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    exclude: Vec<String>,
    fail_on: Option<String>,
    stage: Option<Value>,
    follow_symlinks: Option<bool>,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    rules: Vec<String>,
    #[serde(default, rename = "martyns-law")]
    martyns_law: RawMartynsLaw,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    overrides: Vec<RawOverride>,
    waivers: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    files: Vec<String>,
    #[serde(default)]
    select: Vec<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    severity: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMartynsLaw {
    commencement: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[allow(clippy::struct_field_names, reason = "the names are the config keys")]
struct RawLimits {
    max_file_size: Option<u64>,
    max_depth: Option<usize>,
    max_nodes: Option<usize>,
    max_alias_nodes: Option<usize>,
    max_documents: Option<usize>,
    max_scalar_bytes: Option<usize>,
}

/// The resolved configuration.
#[derive(Debug, Default)]
pub(crate) struct Config {
    /// The file it came from, if any.
    pub(crate) path: Option<PathBuf>,
    /// The folder excludes are relative to.
    pub(crate) root: Option<PathBuf>,
    /// The compiled excludes (gitignore-style globs).
    pub(crate) exclude: Option<Override>,
    pub(crate) fail_on: Option<Severity>,
    pub(crate) stage: Option<Stage>,
    pub(crate) follow_symlinks: bool,
    pub(crate) limits: Limits,
    /// The file's bytes, for the gate's record.
    pub(crate) text: Option<String>,
    /// Extra rule-pack folders, resolved against the config's folder.
    pub(crate) rule_dirs: Vec<PathBuf>,
    /// Settings the packs read, by dotted name (`martyns-law.commencement`).
    pub(crate) settings: std::collections::BTreeMap<String, String>,
    /// Rule selection and severity, everywhere and per path.
    pub(crate) filter: RuleFilter,
    pub(crate) overrides: Vec<PathOverride>,
    /// The waiver file to read, if any (resolved; it may not exist when defaulted).
    pub(crate) waiver_file: Option<PathBuf>,
    /// Whether `waiver_file` was named in the config (then it must exist).
    pub(crate) waiver_file_named: bool,
    /// Every rule pattern as written (`select`, `ignore`, `severity`, per-path overrides), with
    /// where, so a pattern that matches no rule is a located error once the rules are known.
    pub(crate) pattern_sites: Vec<(String, Span)>,
}

impl Config {
    /// Resolves the config's rule patterns against the rules of the run: a pattern that names
    /// no rule, check or pack is a located error with a did-you-mean (exit 2).
    pub(crate) fn resolve_rules(&mut self, rules: &crate::rules::RuleSet) -> Result<(), ToolError> {
        let display = self
            .path
            .as_deref()
            .map_or_else(|| CONFIG_FILE.to_owned(), crate::app::walk::display);
        let text = self.text.clone().unwrap_or_default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_owned();
        let errors: Vec<LocatedError> = self
            .pattern_sites
            .iter()
            .filter_map(|(pattern, span)| {
                crate::policy::resolve_pattern(pattern, rules)
                    .err()
                    .map(|message| LocatedError {
                        path: display.clone(),
                        text: text.clone(),
                        span: *span,
                        message,
                        label: "no such rule".to_owned(),
                        help: None,
                    })
            })
            .collect();
        if !errors.is_empty() {
            return Err(invalid(&display, errors));
        }
        let mut unresolved = self.filter.resolve(rules).err().unwrap_or_default();
        for o in &mut self.overrides {
            unresolved.extend(o.filter.resolve(rules).err().unwrap_or_default());
        }
        match unresolved.first() {
            Some(first) => Err(ToolError::message(format!("{display}: {first}"))),
            None => Ok(()),
        }
    }
}

/// Where each rule pattern of the config is written.
fn pattern_sites(raw: &RawConfig, doc: &yaml::YamlDocument) -> Vec<(String, Span)> {
    let mut sites = Vec::new();
    let mut list = |base: &str, patterns: &[String]| {
        for (i, p) in patterns.iter().enumerate() {
            let span = doc.pointer(&format!("{base}/{i}")).map_or(Span::at(0), |n| n.span());
            sites.push((p.clone(), span));
        }
    };
    list("/select", &raw.select);
    list("/ignore", &raw.ignore);
    for (i, o) in raw.overrides.iter().enumerate() {
        list(&format!("/overrides/{i}/select"), &o.select);
        list(&format!("/overrides/{i}/ignore"), &o.ignore);
    }
    let mut map = |base: String, severity: &std::collections::BTreeMap<String, String>| {
        for key in severity.keys() {
            let token = key.replace('~', "~0").replace('/', "~1");
            let span = doc
                .pointer(&format!("{base}/{token}"))
                .map_or(Span::at(0), |n| n.key_span().unwrap_or(n.span()));
            sites.push((key.clone(), span));
        }
    };
    map("/severity".to_owned(), &raw.severity);
    for (i, o) in raw.overrides.iter().enumerate() {
        map(format!("/overrides/{i}/severity"), &o.severity);
    }
    sites
}

fn filter(select: &[String], ignore: &[String], severity: &std::collections::BTreeMap<String, String>) -> RuleFilter {
    RuleFilter {
        select: select.to_vec(),
        ignore: ignore.to_vec(),
        severity: severity
            .iter()
            .filter_map(|(k, v)| Severity::parse(v).map(|s| (k.clone(), s)))
            .collect(),
    }
}

/// Finds `standoff.yaml` in `start` or its parents, stopping at the repository root (the
/// first folder holding `.git`) so a stray file above a repository is never picked up.
#[must_use]
pub(crate) fn discover(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        if d.join(".git").exists() {
            return None;
        }
        dir = d.parent();
    }
    None
}

/// Reads and resolves a config file. `display` is the path as shown in messages.
pub(crate) fn load(path: &Path, display: &str) -> Result<Config, ToolError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| ToolError::message(format!("cannot read config {display}: {e}")))?;
    parse(&text, path, display)
}

/// Parses config text (the file is at `path`, shown as `display`).
pub(crate) fn parse(text: &str, path: &Path, display: &str) -> Result<Config, ToolError> {
    // A bare file name (`--config standoff.yaml`) has an empty parent: the config's folder, which
    // waivers, rule folders and output paths are relative to, is then the current folder.
    let dotted;
    let path = if path.parent().is_some_and(|p| p.as_os_str().is_empty()) {
        dotted = Path::new(".").join(path);
        dotted.as_path()
    } else {
        path
    };
    let text_no_bom = text.strip_prefix('\u{feff}').unwrap_or(text);
    let located = |span: Span, message: String, label: &str, help: Option<String>| LocatedError {
        path: display.to_owned(),
        text: text_no_bom.to_owned(),
        span,
        message,
        label: label.to_owned(),
        help,
    };
    let outcome = yaml::load(text_no_bom, &Limits::default());
    if let Some(e) = outcome.error {
        return Err(invalid(display, vec![located(e.span, e.message, "here", e.help)]));
    }
    let mut documents = outcome.documents.into_iter();
    // An empty config still puts the default waiver file beside it: never ignored silently.
    let empty = || Config {
        path: Some(path.to_owned()),
        text: Some(text.to_owned()),
        root: path.parent().map(Path::to_path_buf),
        waiver_file: Some(
            path.parent()
                .unwrap_or_else(|| Path::new(""))
                .join(crate::policy::waivers::WAIVER_FILE),
        ),
        ..Config::default()
    };
    let Some(doc) = documents.next() else {
        return Ok(empty());
    };
    if let Some(extra) = documents.next() {
        return Err(invalid(
            display,
            vec![located(
                Span::at(extra.start),
                "a config file holds one YAML document".into(),
                "second document",
                Some("remove the `---` and merge the settings into one mapping".into()),
            )],
        ));
    }
    if doc.value.is_null() {
        return Ok(empty());
    }
    let schemas = schema::schemas().map_err(ToolError::Message)?;
    let validator = schemas.validator("config.schema.json").map_err(ToolError::Message)?;
    let issues = schema::validate(schemas, validator, &doc, text_no_bom);
    if !issues.is_empty() {
        let errors = issues
            .into_iter()
            .map(|i| located(i.span, i.message, &i.label, i.help))
            .collect();
        return Err(invalid(display, errors));
    }
    let raw: RawConfig = serde_json::from_value(doc.value.clone()).map_err(|e| {
        invalid(
            display,
            vec![located(doc.root().span(), format!("invalid config: {e}"), "here", None)],
        )
    })?;
    let root = path.parent().map(Path::to_path_buf);
    let exclude = compile_excludes(display, &raw.exclude, root.as_deref(), &doc, &located)?;
    let stage = raw.stage.as_ref().and_then(Stage::from_json);
    let defaults = Limits::default();
    let limits = Limits {
        max_file_size: raw.limits.max_file_size.unwrap_or(defaults.max_file_size),
        max_depth: raw.limits.max_depth.unwrap_or(defaults.max_depth),
        max_nodes: raw.limits.max_nodes.unwrap_or(defaults.max_nodes),
        max_alias_nodes: raw.limits.max_alias_nodes.unwrap_or(defaults.max_alias_nodes),
        max_documents: raw.limits.max_documents.unwrap_or(defaults.max_documents),
        max_scalar_bytes: raw.limits.max_scalar_bytes.unwrap_or(defaults.max_scalar_bytes),
    };
    let base = root.clone().unwrap_or_default();
    let rule_dirs = raw.rules.iter().map(|d| base.join(d)).collect();
    let mut settings = std::collections::BTreeMap::new();
    if let Some(date) = &raw.martyns_law.commencement {
        settings.insert("martyns-law.commencement".to_owned(), date.clone());
    }
    let mut overrides = Vec::new();
    for (i, o) in raw.overrides.iter().enumerate() {
        let mut builder = globset::GlobSetBuilder::new();
        for (g, glob) in o.files.iter().enumerate() {
            match globset::GlobBuilder::new(glob).literal_separator(true).build() {
                Ok(glob) => {
                    builder.add(glob);
                }
                Err(e) => {
                    let span = doc
                        .pointer(&format!("/overrides/{i}/files/{g}"))
                        .map_or(Span::at(0), |n| n.span());
                    return Err(invalid(
                        display,
                        vec![located(span, format!("invalid glob: {e}"), "invalid glob", None)],
                    ));
                }
            }
        }
        let files = builder
            .build()
            .map_err(|e| ToolError::message(format!("{display}: invalid override globs: {e}")))?;
        overrides.push(PathOverride {
            files,
            filter: filter(&o.select, &o.ignore, &o.severity),
        });
    }
    let (waiver_file, waiver_file_named) = match &raw.waivers {
        Some(named) => (Some(base.join(named)), true),
        None => (Some(base.join(crate::policy::waivers::WAIVER_FILE)), false),
    };
    Ok(Config {
        path: Some(path.to_owned()),
        pattern_sites: pattern_sites(&raw, &doc),
        filter: filter(&raw.select, &raw.ignore, &raw.severity),
        overrides,
        waiver_file,
        waiver_file_named,
        rule_dirs,
        settings,
        root,
        exclude,
        fail_on: raw.fail_on.as_deref().and_then(Severity::parse),
        stage,
        follow_symlinks: raw.follow_symlinks.unwrap_or(false),
        limits,
        text: Some(text.to_owned()),
    })
}

/// The error for an invalid config file.
fn invalid(display: &str, errors: Vec<LocatedError>) -> ToolError {
    ToolError::Located {
        title: format!("{display} is not a valid standoff config"),
        errors,
    }
}

/// Builds a located error in the config file.
type Locate<'a> = dyn Fn(Span, String, &str, Option<String>) -> LocatedError + 'a;

fn compile_excludes(
    display: &str,
    globs: &[String],
    root: Option<&Path>,
    doc: &yaml::YamlDocument,
    located: &Locate<'_>,
) -> Result<Option<Override>, ToolError> {
    if globs.is_empty() {
        return Ok(None);
    }
    let root = root.unwrap_or_else(|| Path::new("."));
    let mut builder = OverrideBuilder::new(root);
    let mut errors = Vec::new();
    for (i, glob) in globs.iter().enumerate() {
        // An override glob selects; a `!` glob ignores. Every exclude is an ignore.
        let pattern = format!("!{}", glob.trim_start_matches('!'));
        if let Err(e) = builder.add(&pattern) {
            let span = doc.pointer(&format!("/exclude/{i}")).map_or(Span::at(0), |n| n.span());
            errors.push(located(
                span,
                format!("invalid exclude glob: {e}"),
                "invalid glob",
                None,
            ));
        }
    }
    if !errors.is_empty() {
        return Err(invalid(display, errors));
    }
    builder
        .build()
        .map(Some)
        .map_err(|e| ToolError::message(format!("invalid excludes: {e}")))
}

/// Every config key, its value and where it came from (`file`, `default`, or `option` when a
/// command-line option given in `options`, by key, replaces or adds to it), one per line:
/// what `check --show-settings` prints.
#[must_use]
pub(crate) fn show_settings(config: &Config, options: &[(&str, String)]) -> String {
    use std::fmt::Write as _;
    let file: Option<Value> = config.text.as_deref().and_then(|text| {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        yaml::load(text, &Limits::default())
            .documents
            .into_iter()
            .next()
            .map(|d| d.value)
    });
    let limits = Limits::default();
    let waivers = config
        .waiver_file
        .as_ref()
        .map_or_else(|| "none".to_owned(), |p| crate::app::walk::display(p));
    let defaults: [(&str, String); 17] = [
        ("exclude", "[]".into()),
        ("fail-on", "\"error\"".into()),
        ("stage", "each Project's own".into()),
        ("follow-symlinks", "false".into()),
        ("limits.max-file-size", limits.max_file_size.to_string()),
        ("limits.max-depth", limits.max_depth.to_string()),
        ("limits.max-nodes", limits.max_nodes.to_string()),
        ("limits.max-alias-nodes", limits.max_alias_nodes.to_string()),
        ("limits.max-documents", limits.max_documents.to_string()),
        ("limits.max-scalar-bytes", limits.max_scalar_bytes.to_string()),
        ("rules", "[]".into()),
        ("martyns-law.commencement", "not yet commenced".into()),
        ("select", "every rule".into()),
        ("ignore", "[]".into()),
        ("severity", "{}".into()),
        ("overrides", "[]".into()),
        ("waivers", waivers),
    ];
    let mut out = String::new();
    let _ = writeln!(
        out,
        "config: {}",
        config
            .path
            .as_ref()
            .map_or_else(|| "none, defaults".to_owned(), |p| crate::app::walk::display(p))
    );
    for (key, default) in defaults {
        let written = file.as_ref().and_then(|f| {
            let mut node = f;
            for part in key.split('.') {
                node = node.get(part)?;
            }
            Some(node.to_string())
        });
        let option = options.iter().find(|(k, _)| *k == key).map(|(_, v)| v);
        let (value, from) = match (option, written) {
            (Some(v), Some(w)) if matches!(key, "ignore" | "rules") => (format!("{w} + {v}"), "file and option"),
            (Some(v), _) => (v.clone(), "option"),
            (None, Some(w)) => (w, "file"),
            (None, None) => (default, "default"),
        };
        let _ = writeln!(out, "{key}: {value} ({from})");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Config, ToolError> {
        parse(text, Path::new("/repo/standoff.yaml"), "standoff.yaml")
    }

    #[test]
    fn reads_every_key() {
        let config = parse_text(
            "exclude: [drafts/]\nfail-on: warning\nstage: concept-design\nfollow-symlinks: true\nlimits:\n  max-depth: 10\n",
        )
        .unwrap();
        assert_eq!(config.fail_on, Some(Severity::Warning));
        assert_eq!(config.stage.map(Stage::number), Some(2));
        assert!(config.follow_symlinks);
        assert_eq!(config.limits.max_depth, 10);
        assert_eq!(config.limits.max_nodes, Limits::default().max_nodes);
        assert!(config.exclude.is_some());
    }

    #[test]
    fn unknown_keys_are_located_with_a_suggestion() {
        let Err(ToolError::Located { errors, .. }) = parse_text("fail-on: error\nexlude: [x]\n") else {
            panic!("expected a located error");
        };
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].span, Span::new(15, 21));
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `exclude`?"));
    }

    #[test]
    fn empty_config_is_default() {
        let config = parse_text("# nothing yet\n").unwrap();
        assert_eq!(config.limits, Limits::default());
    }
}
