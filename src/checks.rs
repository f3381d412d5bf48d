//! The checks the tool itself reports (the loader, schema validation, waivers, residual-risk
//! acceptances, the gate and the rule engine; not rule-pack rules), in one typed registry: each
//! id with its usual severity, title and explanation, for `standoff explain`, the machine
//! formats and the did-you-mean of an unknown id.

/// The id of a check the tool itself reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    FileRead,
    FileUtf8,
    FileSymlink,
    YamlSyntax,
    YamlDuplicateKey,
    YamlMergeKey,
    YamlComplexKey,
    YamlAlias,
    YamlTag,
    YamlLimit,
    DocApiVersion,
    DocKind,
    SchemaUnknownProperty,
    SchemaRequired,
    SchemaType,
    SchemaEnum,
    SchemaQuantity,
    SchemaFormat,
    SchemaRange,
    SchemaInvalid,
    SchemaInternal,
    DocNearMiss,
    WaiverInvalid,
    WaiverExpired,
    WaiverUnused,
    RiskInvalid,
    RiskUnused,
    GateNothingJudged,
    RuleError,
    RuleBudget,
}

impl CheckId {
    /// Every check id, in the registry's order.
    pub const ALL: [Self; 30] = [
        Self::FileRead,
        Self::FileUtf8,
        Self::FileSymlink,
        Self::YamlSyntax,
        Self::YamlDuplicateKey,
        Self::YamlMergeKey,
        Self::YamlComplexKey,
        Self::YamlAlias,
        Self::YamlTag,
        Self::YamlLimit,
        Self::DocApiVersion,
        Self::DocKind,
        Self::SchemaUnknownProperty,
        Self::SchemaRequired,
        Self::SchemaType,
        Self::SchemaEnum,
        Self::SchemaQuantity,
        Self::SchemaFormat,
        Self::SchemaRange,
        Self::SchemaInvalid,
        Self::SchemaInternal,
        Self::DocNearMiss,
        Self::WaiverInvalid,
        Self::WaiverExpired,
        Self::WaiverUnused,
        Self::RiskInvalid,
        Self::RiskUnused,
        Self::GateNothingJudged,
        Self::RuleError,
        Self::RuleBudget,
    ];

    /// The id as findings carry it (`WAIVER-UNUSED`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FileRead => "FILE-READ",
            Self::FileUtf8 => "FILE-UTF8",
            Self::FileSymlink => "FILE-SYMLINK",
            Self::YamlSyntax => "YAML-SYNTAX",
            Self::YamlDuplicateKey => "YAML-DUPLICATE-KEY",
            Self::YamlMergeKey => "YAML-MERGE-KEY",
            Self::YamlComplexKey => "YAML-COMPLEX-KEY",
            Self::YamlAlias => "YAML-ALIAS",
            Self::YamlTag => "YAML-TAG",
            Self::YamlLimit => "YAML-LIMIT",
            Self::DocApiVersion => "DOC-API-VERSION",
            Self::DocKind => "DOC-KIND",
            Self::SchemaUnknownProperty => "SCHEMA-UNKNOWN-PROPERTY",
            Self::SchemaRequired => "SCHEMA-REQUIRED",
            Self::SchemaType => "SCHEMA-TYPE",
            Self::SchemaEnum => "SCHEMA-ENUM",
            Self::SchemaQuantity => "SCHEMA-QUANTITY",
            Self::SchemaFormat => "SCHEMA-FORMAT",
            Self::SchemaRange => "SCHEMA-RANGE",
            Self::SchemaInvalid => "SCHEMA-INVALID",
            Self::SchemaInternal => "SCHEMA-INTERNAL",
            Self::DocNearMiss => "DOC-NEAR-MISS",
            Self::WaiverInvalid => "WAIVER-INVALID",
            Self::WaiverExpired => "WAIVER-EXPIRED",
            Self::WaiverUnused => "WAIVER-UNUSED",
            Self::RiskInvalid => "RISK-INVALID",
            Self::RiskUnused => "RISK-UNUSED",
            Self::GateNothingJudged => "GATE-NOTHING-JUDGED",
            Self::RuleError => "RULE-ERROR",
            Self::RuleBudget => "RULE-BUDGET",
        }
    }

    /// The check with this id, exactly as written (ids are upper case).
    #[must_use]
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == id)
    }

    /// Its entry in the registry.
    #[must_use]
    pub fn check(self) -> &'static BuiltinCheck {
        &BUILTIN_CHECKS[self as usize]
    }
}

impl std::fmt::Display for CheckId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The severity a check's findings usually have (the model's `Severity` is a layer above).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Error,
    Warning,
    Info,
}

impl Level {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// A built-in check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinCheck {
    pub code: CheckId,
    /// `code` as text (what findings carry).
    pub id: &'static str,
    pub severity: Level,
    /// When its severity is not always `severity`.
    pub severity_note: Option<&'static str>,
    pub title: &'static str,
    pub why: &'static str,
    pub help: &'static str,
}

const fn check(
    code: CheckId,
    severity: Level,
    title: &'static str,
    why: &'static str,
    help: &'static str,
) -> BuiltinCheck {
    BuiltinCheck {
        code,
        id: code.as_str(),
        severity,
        severity_note: None,
        title,
        why,
        help,
    }
}

const fn noted(check: BuiltinCheck, note: &'static str) -> BuiltinCheck {
    BuiltinCheck {
        severity_note: Some(note),
        ..check
    }
}

/// Every built-in check id a finding can carry, in the order of [`CheckId::ALL`].
pub static BUILTIN_CHECKS: &[BuiltinCheck] = &[
    check(
        CheckId::FileRead,
        Level::Error,
        "A file or folder could not be read",
        "Nothing is skipped silently: a file that cannot be read is not checked, so the run says so.",
        "Check the permissions, and that links point somewhere; then run again.",
    ),
    check(
        CheckId::FileUtf8,
        Level::Error,
        "The file is not UTF-8",
        "Design documents are UTF-8 text; other encodings would be read wrongly.",
        "Save the file as UTF-8.",
    ),
    check(
        CheckId::FileSymlink,
        Level::Info,
        "A symbolic link was not followed",
        "Links are not followed by default (they can loop or leave the repository), and are listed so nothing is skipped silently.",
        "Set `follow-symlinks: true` in standoff.yaml to check what they point to.",
    ),
    check(
        CheckId::YamlSyntax,
        Level::Error,
        "The text is not YAML",
        "A document that does not parse cannot be checked at all.",
        "Fix the YAML at the point shown (indentation, `:` and `-`, brackets).",
    ),
    check(
        CheckId::YamlDuplicateKey,
        Level::Error,
        "A key appears twice in one mapping",
        "Parsers keep one of the two values silently; a reviewer reading the file may see the other.",
        "Keep one of the two keys.",
    ),
    check(
        CheckId::YamlMergeKey,
        Level::Error,
        "A YAML merge key `<<`",
        "YAML 1.2 has no merge keys, and merged values are hidden from the reader of the mapping.",
        "Write the keys out in full.",
    ),
    check(
        CheckId::YamlComplexKey,
        Level::Error,
        "A mapping or list used as a key",
        "Design documents use plain keys; JSON (and every rule) cannot read others.",
        "Use a plain string key.",
    ),
    check(
        CheckId::YamlAlias,
        Level::Error,
        "An alias inside the node it names",
        "A node cannot contain itself.",
        "Remove the alias.",
    ),
    check(
        CheckId::YamlTag,
        Level::Error,
        "A value that does not fit its tag",
        "An explicit tag (`!!int`) promises a type the value does not have.",
        "Fix the value, or remove the tag.",
    ),
    check(
        CheckId::YamlLimit,
        Level::Error,
        "A resource limit was reached",
        "Limits keep hostile or broken files (alias bombs, deep nesting, huge files) from exhausting time or memory; the file is not loaded past the limit.",
        "If the file is genuine, raise the limit under `limits:` in standoff.yaml.",
    ),
    check(
        CheckId::DocApiVersion,
        Level::Error,
        "An unknown or missing apiVersion",
        "Documents are recognised by `apiVersion: standoff/v1`; a misspelt one would be skipped silently.",
        "Write `apiVersion: standoff/v1`.",
    ),
    check(
        CheckId::DocKind,
        Level::Error,
        "A missing or unknown kind",
        "The kind decides the schema and the rules that apply.",
        "Use one of the nine kinds.",
    ),
    check(
        CheckId::SchemaUnknownProperty,
        Level::Error,
        "A key the schema does not allow",
        "A misspelt key would be ignored, and the value it carries lost (`vehicleApproach` for `vehicleApproaches`).",
        "Fix the key's spelling, or remove it.",
    ),
    check(
        CheckId::SchemaRequired,
        Level::Error,
        "A required key is missing",
        "The document cannot be judged without it.",
        "Add the key named.",
    ),
    check(
        CheckId::SchemaType,
        Level::Error,
        "A value of the wrong type",
        "Rules compare values of a known type; text where a number is expected (or the reverse) would be misread.",
        "Write the value as the type named.",
    ),
    check(
        CheckId::SchemaEnum,
        Level::Error,
        "A value outside the allowed set",
        "Rules match exact values; a misspelt one would never match.",
        "Use one of the values listed.",
    ),
    check(
        CheckId::SchemaQuantity,
        Level::Error,
        "A quantity without a unit, with a wrong unit, negative or not finite",
        "In these fields a wrong unit is a safety defect: 48 could be km/h or mph.",
        "Write the number with its unit, e.g. `48 km/h` or `30 mph`.",
    ),
    check(
        CheckId::SchemaFormat,
        Level::Error,
        "A value not of the expected form",
        "Names, ids, dates and stages have fixed forms so references and comparisons work.",
        "Write the value in the form described.",
    ),
    check(
        CheckId::SchemaRange,
        Level::Error,
        "A number, text or list outside its bounds",
        "The schema bounds the value.",
        "Bring the value within the bounds named.",
    ),
    check(
        CheckId::SchemaInvalid,
        Level::Error,
        "Another schema violation",
        "The document does not match its kind's schema.",
        "See the message.",
    ),
    check(
        CheckId::SchemaInternal,
        Level::Error,
        "An embedded schema could not be used",
        "This is a fault of standoff, not of the document.",
        "Report it, with the file that triggered it.",
    ),
    noted(
        check(
            CheckId::DocNearMiss,
            Level::Warning,
            "A document shaped like a design document that is not read as one",
            "A document whose `kind` is a standoff kind, with `metadata` or `spec`, but whose `apiVersion` is missing, not a string or another prefix (or a whole file written as one string) would otherwise be skipped, and a review gate would pass what it never judged.",
            "Write `apiVersion: standoff/v1` as a plain string at the top of the document.",
        ),
        "an error at the review gate",
    ),
    check(
        CheckId::WaiverInvalid,
        Level::Error,
        "A waiver that cannot be used",
        "A waiver must name rules that exist, give a reason, and not hide a load error; a mistyped id would otherwise waive nothing while looking accountable.",
        "Name an existing rule id (see `standoff rules`) and give `reason=\"...\"`.",
    ),
    check(
        CheckId::WaiverExpired,
        Level::Warning,
        "A waiver past its `until` date",
        "A waiver is a time-limited decision; once expired it stops waiving, and the finding reports again.",
        "Fix the finding, or renew the waiver with a new date and the approver's agreement.",
    ),
    check(
        CheckId::WaiverUnused,
        Level::Warning,
        "A waiver that waives nothing",
        "A waiver left behind after its finding was fixed (or written at the wrong line) would hide a future finding unseen.",
        "Remove the waiver, or move it to the finding's line or the line above.",
    ),
    check(
        CheckId::RiskInvalid,
        Level::Error,
        "A residual-risk acceptance that cannot be used",
        "An accepted residual risk turns findings into accepted ones at the gate, so it must be accountable: accepted, owned, dated, and naming each item it covers.",
        "Give the residual risk `accepted: true`, an `owner`, `acceptedOn: YYYY-MM-DD` and `accepts.items`.",
    ),
    check(
        CheckId::RiskUnused,
        Level::Warning,
        "A residual-risk acceptance that covers nothing",
        "An acceptance naming items no finding is on was either designed out (then remove it) or names the wrong items, and would hide a future finding unseen.",
        "Remove the acceptance, or correct its item ids and rules.",
    ),
    check(
        CheckId::GateNothingJudged,
        Level::Error,
        "The review gate judged no project",
        "A gate that found nothing to judge must not pass: documents hidden from it (a deleted or mangled `apiVersion`, a file written as one string) would otherwise pass unseen.",
        "Submit the folder that holds the project's design documents, each starting `apiVersion: standoff/v1`.",
    ),
    check(
        CheckId::RuleError,
        Level::Warning,
        "A rule could not be evaluated",
        "A rule that fails to run is said so, never silently skipped.",
        "This is a problem in the rule pack named; report it to its authors.",
    ),
    check(
        CheckId::RuleBudget,
        Level::Error,
        "A rule spent its evaluation budget",
        "Every rule runs within a budget of steps and memory on each document, so no rule (a pack from disk included) and no document can make a run take minutes or gigabytes. A rule stopped by its budget is not judged, so the finding is an error.",
        "The rule named does too much work on this document (a nested scan of its lists, or a very large value): report it to the pack's authors, or look for an unusually large list in the document.",
    ),
];

/// The built-in check with this id.
#[must_use]
pub fn builtin_check(id: &str) -> Option<&'static BuiltinCheck> {
    CheckId::parse(id).map(CheckId::check)
}

/// Whether a finding of this id is a load error (a waiver never hides one).
#[must_use]
pub fn is_load_error(id: &str) -> bool {
    id.starts_with("FILE-") || id.starts_with("YAML-") || id.starts_with("DOC-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_follows_the_ids() {
        assert_eq!(BUILTIN_CHECKS.len(), CheckId::ALL.len());
        for (i, id) in CheckId::ALL.into_iter().enumerate() {
            assert_eq!(id as usize, i);
            assert_eq!(id.check().code, id);
            assert_eq!(CheckId::parse(id.as_str()), Some(id));
            assert_eq!(builtin_check(id.as_str()).map(|c| c.id), Some(id.as_str()));
        }
        assert_eq!(CheckId::parse("waiver-unused"), None);
    }
}
