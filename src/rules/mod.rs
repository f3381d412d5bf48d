//! Rule packs: loading (built-in packs are embedded in the binary, others come from folders),
//! compiling raw rule files into validated [`Rule`]s once per run, evaluating them
//! ([`eval`]) and running their own test cases ([`selftest`]).

pub mod budget;
mod builtin_files;
pub mod compile;
pub mod eval;
pub mod expr;
pub mod fields;
pub mod functions;
pub mod raw;
pub mod select;
pub mod selftest;
pub mod template;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use regex::Regex;

use crate::date::Date;
use crate::error::ToolError;
use crate::model::document::Kind;
use crate::model::finding::Severity;
use crate::stage::Stage;
use crate::units::Quantity;
use crate::yaml::YamlDocument;
pub use select::Selector;
pub use template::Template;

/// When a rule is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum RuleStage {
    /// Integrity checks that hold whatever the stage (and even when it is unknown).
    Always,
    /// Due by the end of this stage.
    Due(Stage),
}

impl std::fmt::Display for RuleStage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RuleStage::Always => f.write_str("always"),
            RuleStage::Due(s) => write!(f, "{}", s.number()),
        }
    }
}

/// How a source was confirmed (reference/domain.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Confirmed,
    Secondary,
    Inferred,
    Unconfirmed,
}

impl Confidence {
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "confirmed" => Some(Self::Confirmed),
            "secondary" => Some(Self::Secondary),
            "inferred" => Some(Self::Inferred),
            "unconfirmed" => Some(Self::Unconfirmed),
            _ => None,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirmed => "confirmed",
            Self::Secondary => "secondary",
            Self::Inferred => "inferred",
            Self::Unconfirmed => "unconfirmed",
        }
    }
}

/// A published source a rule rests on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Source {
    pub title: String,
    pub url: String,
    pub clause: Option<String>,
    pub confidence: Confidence,
    /// The copy the text was read in, when it was not the publisher's page at `url`.
    #[serde(rename = "readAt", skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
}

/// Where a finding points: the selected value, or its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Locate {
    Value,
    Key,
}

/// What a value names: a document of `kind`, or an item in `lists` of such a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefSpec {
    pub kind: Kind,
    pub lists: Vec<String>,
    pub via: Option<String>,
}

/// A bound for `min`/`max`.
#[derive(Clone, Debug, PartialEq)]
pub enum Bound {
    Number(f64),
    Quantity(Quantity, String),
}

/// A bound for `before`/`after`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateBound {
    Today,
    Date(Date),
}

/// Checks the engine implements itself, for tree-wide integrity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    ProjectMembership,
    UniqueNames,
    UniqueIds,
    References,
}

impl Builtin {
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "project-membership" => Some(Self::ProjectMembership),
            "unique-names" => Some(Self::UniqueNames),
            "unique-ids" => Some(Self::UniqueIds),
            "references" => Some(Self::References),
            _ => None,
        }
    }
}

/// A compiled predicate.
#[derive(Debug)]
pub enum Predicate {
    Required,
    Absent,
    Equals(serde_json::Value),
    In(Vec<serde_json::Value>),
    Range { min: Option<Bound>, max: Option<Bound> },
    Matches(Regex),
    Unique,
    Count { min: Option<u64>, max: Option<u64> },
    Ref(RefSpec),
    Before(DateBound),
    After(DateBound),
    Expr(Box<expr::Expr>),
    All(Vec<Predicate>),
    Any(Vec<Predicate>),
    Not(Box<Predicate>),
    Builtin(Builtin),
}

/// Something a rule must read to establish its outcome.
#[derive(Debug)]
pub struct Requirement {
    pub check: Predicate,
    /// What is missing when `check` does not pass.
    pub missing: Template,
}

/// A related location for each finding: what the selected value names.
#[derive(Debug)]
pub struct Related {
    pub target: RefSpec,
    pub label: Template,
}

/// One of a rule's own test cases.
#[derive(Debug)]
pub struct TestCase {
    pub valid: bool,
    pub name: Option<String>,
    /// Judge the case as if at this stage (default: the rule's stage).
    pub stage: Option<Stage>,
    pub as_of: Option<Date>,
    pub settings: BTreeMap<String, String>,
    /// The preorder ids, in the rule file's document, of the case's documents.
    pub documents: Vec<u32>,
    /// (document index, pointer, cannot verify) of every finding expected.
    pub expect: Vec<(usize, String, bool)>,
    /// (document index, pointer, message) of each expected finding whose message is pinned.
    pub messages: Vec<(usize, String, String)>,
    /// Where the case is in the rule file.
    pub pointer: String,
}

/// A rule file's text and its loaded YAML, kept for `explain`, `test` and error locations.
#[derive(Debug)]
pub struct RuleFile {
    pub path: String,
    pub text: String,
    pub yaml: YamlDocument,
}

/// A name bound by `let:` (pack format 2): a CEL expression evaluated at most once per
/// evaluation of the rule on one selected value, and only when something reads it.
#[derive(Debug)]
pub struct Binding {
    pub name: String,
    pub expr: expr::Expr,
}

/// The pack format a rule file is written in (`format:` in `pack.yaml`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum PackFormat {
    /// No `format:`: messages may hold `{= expression}`; no `let:`.
    #[default]
    One,
    /// `format: 2`: `let:` bindings (per rule and per pack); messages are text with
    /// placeholders of bound names.
    Two,
}

impl PackFormat {
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Self::One => 1,
            Self::Two => 2,
        }
    }
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    /// Index of its pack in [`RuleSet::packs`].
    pub pack: usize,
    pub title: String,
    pub severity: Severity,
    pub stage: RuleStage,
    pub kinds: Vec<Kind>,
    pub jurisdictions: Vec<String>,
    pub select: Selector,
    pub locate: Locate,
    /// The pack's `let:` bindings, then the rule's, in order; each may read the earlier ones.
    pub lets: Vec<Binding>,
    pub when: Option<Predicate>,
    pub check: Predicate,
    /// Each unmet requirement is a "cannot verify" finding (evaluated after `when`).
    pub requires: Vec<Requirement>,
    /// The kind of document this rule reports missing (see `demands` in the rule schema).
    pub demands: Option<Kind>,
    pub related: Option<Related>,
    pub message: Template,
    pub help: String,
    pub why: String,
    /// What the rule protects against, in plain language (`protects:`; empty when not written).
    pub protects: String,
    pub sources: Vec<Source>,
    pub tests: Vec<TestCase>,
    pub file: Arc<RuleFile>,
}

/// A pack's settings for duties not yet in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commencement {
    pub setting: String,
    pub note: String,
}

/// A voluntary standard's pack: full severity only where the Project adopts it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Adoption {
    /// A JSON pointer into the Project's spec whose value must be `true`.
    pub field: String,
    pub note: String,
}

/// A compiled pack.
#[derive(Clone, Debug)]
pub struct Pack {
    pub name: String,
    pub title: String,
    pub version: String,
    pub format: PackFormat,
    pub prefix: String,
    pub description: String,
    pub jurisdictions: Vec<String>,
    pub sources: Vec<(String, String)>,
    pub commencement: Option<Commencement>,
    pub adoption: Option<Adoption>,
    /// `built-in`, or the folder it was read from.
    pub origin: String,
    /// A digest of the pack's files (name and text), so a report can say exactly what judged.
    pub digest: String,
}

/// Every rule of a run, compiled once.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub packs: Vec<Pack>,
    pub rules: Vec<Rule>,
    /// Each rule's test snapshot, by rule id, when its pack has one.
    pub snapshots: HashMap<String, String>,
    by_id: HashMap<String, usize>,
}

impl RuleSet {
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).and_then(|&i| self.rules.get(i))
    }

    #[must_use]
    pub fn pack_of(&self, rule: &Rule) -> Option<&Pack> {
        self.packs.get(rule.pack)
    }

    /// Keeps only the rules whose id passes `keep`.
    pub fn retain(&mut self, keep: impl Fn(&str) -> bool) {
        self.rules.retain(|r| keep(&r.id));
        self.index();
    }

    /// Adds the rules and packs of another tree's set that this one lacks (a run over several
    /// trees reports with one set).
    pub fn absorb(&mut self, other: RuleSet) {
        for pack in other.packs {
            if !self
                .packs
                .iter()
                .any(|p| p.name == pack.name && p.origin == pack.origin)
            {
                self.packs.push(pack);
            }
        }
        for rule in other.rules {
            if !self.by_id.contains_key(&rule.id) {
                self.rules.push(rule);
            }
        }
        self.index();
    }

    fn index(&mut self) {
        self.by_id = self.rules.iter().enumerate().map(|(i, r)| (r.id.clone(), i)).collect();
    }
}

/// One pack's files before compiling: its folder name, where it came from, and each file's
/// display path, name and text (a rule's test snapshot is named `__snapshots__/<ID>.snap`).
#[derive(Clone, Debug)]
pub struct PackFiles {
    pub name: String,
    pub origin: String,
    pub files: Vec<(String, String, String)>,
}

/// The packs embedded in the binary.
#[must_use]
pub fn builtin_packs() -> Vec<PackFiles> {
    let mut packs: Vec<PackFiles> = Vec::new();
    for (path, text) in builtin_files::FILES {
        let Some((pack, file)) = path.split_once('/') else {
            continue;
        };
        let display = format!("rules/{path}");
        // A snapshot keeps its folder in its name: `__snapshots__/<ID>.snap`.
        match packs.iter_mut().find(|p| p.name == pack) {
            Some(p) => p.files.push((display, file.to_owned(), (*text).to_owned())),
            None => packs.push(PackFiles {
                name: pack.to_owned(),
                origin: BUILT_IN.to_owned(),
                files: vec![(display, file.to_owned(), (*text).to_owned())],
            }),
        }
    }
    packs
}

/// Reads packs from a folder: the folder is a pack (it holds `pack.yaml`), or holds packs.
pub fn read_packs(dir: &Path, display: &str) -> Result<Vec<PackFiles>, ToolError> {
    let read_one = |folder: &Path, shown: String| -> Result<PackFiles, ToolError> {
        let name = folder.file_name().map(crate::paths::lossless).unwrap_or_default();
        let mut files = Vec::new();
        let entries =
            std::fs::read_dir(folder).map_err(|e| ToolError::message(format!("cannot read rule pack {shown}: {e}")))?;
        for entry in entries {
            let entry = entry.map_err(|e| ToolError::message(format!("cannot read rule pack {shown}: {e}")))?;
            let path = entry.path();
            if !crate::paths::is_yaml(&path) || !path.is_file() {
                continue;
            }
            let file = crate::paths::lossless(&entry.file_name());
            let text = std::fs::read_to_string(&path)
                .map_err(|e| ToolError::message(format!("cannot read {shown}/{file}: {e}")))?;
            files.push((format!("{shown}/{file}"), file, text));
        }
        let snapshots = folder.join(SNAPSHOTS);
        if snapshots.is_dir() {
            let entries = std::fs::read_dir(&snapshots)
                .map_err(|e| ToolError::message(format!("cannot read {shown}/{SNAPSHOTS}: {e}")))?;
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().is_none_or(|e| e != "snap") || !path.is_file() {
                    continue;
                }
                let file = format!("{SNAPSHOTS}/{}", crate::paths::lossless(&entry.file_name()));
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ToolError::message(format!("cannot read {shown}/{file}: {e}")))?;
                files.push((format!("{shown}/{file}"), file, text));
            }
        }
        files.sort();
        Ok(PackFiles {
            name,
            origin: shown,
            files,
        })
    };
    if dir.join("pack.yaml").is_file() {
        return Ok(vec![read_one(dir, display.trim_end_matches('/').to_owned())?]);
    }
    let entries =
        std::fs::read_dir(dir).map_err(|e| ToolError::message(format!("cannot read rules folder {display}: {e}")))?;
    let mut folders: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("pack.yaml").is_file())
        .collect();
    folders.sort();
    if folders.is_empty() {
        return Err(ToolError::message(format!(
            "{display} holds no rule pack: a pack is a folder with a pack.yaml and one file per rule"
        )));
    }
    folders
        .iter()
        .map(|f| {
            let name = f.file_name().map(crate::paths::lossless).unwrap_or_default();
            read_one(f, format!("{}/{name}", display.trim_end_matches('/')))
        })
        .collect()
}

/// Compiles packs into one rule set; every problem in every file is reported (exit 2).
pub fn load(packs: Vec<PackFiles>) -> Result<RuleSet, ToolError> {
    compile::compile_packs(packs, true)
}

/// As [`load`], compiling every expression now, built-in packs included (for tests that prove
/// the built-in packs compile).
pub fn load_eager(packs: Vec<PackFiles>) -> Result<RuleSet, ToolError> {
    compile::compile_packs(packs, false)
}

/// The folder of a pack holding its rules' test snapshots (`<RULE-ID>.snap`), written by
/// `standoff test --update`.
pub const SNAPSHOTS: &str = "__snapshots__";

/// Whether a pack file is a rule's test snapshot.
#[must_use]
pub fn is_snapshot(name: &str) -> bool {
    name.starts_with(SNAPSHOTS) && Path::new(name).extension().is_some_and(|e| e == "snap")
}

/// The origin of the packs embedded in the binary.
pub const BUILT_IN: &str = "built-in";
