//! The checks built into the loader and schema validation (not rule-pack rules): their ids,
//! titles and explanations, for `standoff explain` and the machine formats.

/// A built-in check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinCheck {
    pub id: &'static str,
    pub title: &'static str,
    pub why: &'static str,
    pub help: &'static str,
}

/// Every built-in check id a finding can carry.
pub static BUILTIN_CHECKS: &[BuiltinCheck] = &[
    BuiltinCheck {
        id: "FILE-READ",
        title: "A file or folder could not be read",
        why: "Nothing is skipped silently: a file that cannot be read is not checked, so the run says so.",
        help: "Check the permissions, and that links point somewhere; then run again.",
    },
    BuiltinCheck {
        id: "FILE-UTF8",
        title: "The file is not UTF-8",
        why: "Design documents are UTF-8 text; other encodings would be read wrongly.",
        help: "Save the file as UTF-8.",
    },
    BuiltinCheck {
        id: "FILE-SYMLINK",
        title: "A symbolic link was not followed",
        why: "Links are not followed by default (they can loop or leave the repository), and are listed so nothing is skipped silently.",
        help: "Set `follow-symlinks: true` in standoff.yaml to check what they point to.",
    },
    BuiltinCheck {
        id: "YAML-SYNTAX",
        title: "The text is not YAML",
        why: "A document that does not parse cannot be checked at all.",
        help: "Fix the YAML at the point shown (indentation, `:` and `-`, brackets).",
    },
    BuiltinCheck {
        id: "YAML-DUPLICATE-KEY",
        title: "A key appears twice in one mapping",
        why: "Parsers keep one of the two values silently; a reviewer reading the file may see the other.",
        help: "Keep one of the two keys.",
    },
    BuiltinCheck {
        id: "YAML-MERGE-KEY",
        title: "A YAML merge key `<<`",
        why: "YAML 1.2 has no merge keys, and merged values are hidden from the reader of the mapping.",
        help: "Write the keys out in full.",
    },
    BuiltinCheck {
        id: "YAML-COMPLEX-KEY",
        title: "A mapping or list used as a key",
        why: "Design documents use plain keys; JSON (and every rule) cannot read others.",
        help: "Use a plain string key.",
    },
    BuiltinCheck {
        id: "YAML-ALIAS",
        title: "An alias inside the node it names",
        why: "A node cannot contain itself.",
        help: "Remove the alias.",
    },
    BuiltinCheck {
        id: "YAML-TAG",
        title: "A value that does not fit its tag",
        why: "An explicit tag (`!!int`) promises a type the value does not have.",
        help: "Fix the value, or remove the tag.",
    },
    BuiltinCheck {
        id: "YAML-LIMIT",
        title: "A resource limit was reached",
        why: "Limits keep hostile or broken files (alias bombs, deep nesting, huge files) from exhausting time or memory; the file is not loaded past the limit.",
        help: "If the file is genuine, raise the limit under `limits:` in standoff.yaml.",
    },
    BuiltinCheck {
        id: "DOC-API-VERSION",
        title: "An unknown or missing apiVersion",
        why: "Documents are recognised by `apiVersion: standoff/v1`; a misspelt one would be skipped silently.",
        help: "Write `apiVersion: standoff/v1`.",
    },
    BuiltinCheck {
        id: "DOC-KIND",
        title: "A missing or unknown kind",
        why: "The kind decides the schema and the rules that apply.",
        help: "Use one of the nine kinds.",
    },
    BuiltinCheck {
        id: "SCHEMA-UNKNOWN-PROPERTY",
        title: "A key the schema does not allow",
        why: "A misspelt key would be ignored, and the value it carries lost (`vehicleApproach` for `vehicleApproaches`).",
        help: "Fix the key's spelling, or remove it.",
    },
    BuiltinCheck {
        id: "SCHEMA-REQUIRED",
        title: "A required key is missing",
        why: "The document cannot be judged without it.",
        help: "Add the key named.",
    },
    BuiltinCheck {
        id: "SCHEMA-TYPE",
        title: "A value of the wrong type",
        why: "Rules compare values of a known type; text where a number is expected (or the reverse) would be misread.",
        help: "Write the value as the type named.",
    },
    BuiltinCheck {
        id: "SCHEMA-ENUM",
        title: "A value outside the allowed set",
        why: "Rules match exact values; a misspelt one would never match.",
        help: "Use one of the values listed.",
    },
    BuiltinCheck {
        id: "SCHEMA-QUANTITY",
        title: "A quantity without a unit, with a wrong unit, negative or not finite",
        why: "In these fields a wrong unit is a safety defect: 48 could be km/h or mph.",
        help: "Write the number with its unit, e.g. `48 km/h` or `30 mph`.",
    },
    BuiltinCheck {
        id: "SCHEMA-FORMAT",
        title: "A value not of the expected form",
        why: "Names, ids, dates and stages have fixed forms so references and comparisons work.",
        help: "Write the value in the form described.",
    },
    BuiltinCheck {
        id: "SCHEMA-RANGE",
        title: "A number, text or list outside its bounds",
        why: "The schema bounds the value.",
        help: "Bring the value within the bounds named.",
    },
    BuiltinCheck {
        id: "SCHEMA-INVALID",
        title: "Another schema violation",
        why: "The document does not match its kind's schema.",
        help: "See the message.",
    },
    BuiltinCheck {
        id: "SCHEMA-INTERNAL",
        title: "An embedded schema could not be used",
        why: "This is a fault of standoff, not of the document.",
        help: "Report it, with the file that triggered it.",
    },
    BuiltinCheck {
        id: "DOC-NEAR-MISS",
        title: "A document shaped like a design document that is not read as one",
        why: "A document whose `kind` is a standoff kind, with `metadata` or `spec`, but whose `apiVersion` is missing, not a string or another prefix (or a whole file written as one string) would otherwise be skipped, and a review gate would pass what it never judged.",
        help: "Write `apiVersion: standoff/v1` as a plain string at the top of the document.",
    },
    BuiltinCheck {
        id: "WAIVER-INVALID",
        title: "A waiver that cannot be used",
        why: "A waiver must name rules that exist, give a reason, and not hide a load error; a mistyped id would otherwise waive nothing while looking accountable.",
        help: "Name an existing rule id (see `standoff rules`) and give `reason=\"...\"`.",
    },
    BuiltinCheck {
        id: "WAIVER-EXPIRED",
        title: "A waiver past its `until` date",
        why: "A waiver is a time-limited decision; once expired it stops waiving, and the finding reports again.",
        help: "Fix the finding, or renew the waiver with a new date and the approver's agreement.",
    },
    BuiltinCheck {
        id: "WAIVER-UNUSED",
        title: "A waiver that waives nothing",
        why: "A waiver left behind after its finding was fixed (or written at the wrong line) would hide a future finding unseen.",
        help: "Remove the waiver, or move it to the finding's line or the line above.",
    },
    BuiltinCheck {
        id: "RISK-INVALID",
        title: "A residual-risk acceptance that cannot be used",
        why: "An accepted residual risk turns findings into accepted ones at the gate, so it must be accountable: accepted, owned, dated, and naming each item it covers.",
        help: "Give the residual risk `accepted: true`, an `owner`, `acceptedOn: YYYY-MM-DD` and `accepts.items`.",
    },
    BuiltinCheck {
        id: "RISK-UNUSED",
        title: "A residual-risk acceptance that covers nothing",
        why: "An acceptance naming items no finding is on was either designed out (then remove it) or names the wrong items, and would hide a future finding unseen.",
        help: "Remove the acceptance, or correct its item ids and rules.",
    },
    BuiltinCheck {
        id: "GATE-NOTHING-JUDGED",
        title: "The review gate judged no project",
        why: "A gate that found nothing to judge must not pass: documents hidden from it (a deleted or mangled `apiVersion`, a file written as one string) would otherwise pass unseen.",
        help: "Submit the folder that holds the project's design documents, each starting `apiVersion: standoff/v1`.",
    },
    BuiltinCheck {
        id: "RULE-ERROR",
        title: "A rule could not be evaluated",
        why: "A rule that fails to run is said so, never silently skipped.",
        help: "This is a problem in the rule pack named; report it to its authors.",
    },
    BuiltinCheck {
        id: "RULE-BUDGET",
        title: "A rule spent its evaluation budget",
        why: "Every rule runs within a budget of steps and memory on each document, so no rule (a pack from disk included) and no document can make a run take minutes or gigabytes. A rule stopped by its budget is not judged, so the finding is an error.",
        help: "The rule named does too much work on this document (a nested scan of its lists, or a very large value): report it to the pack's authors, or look for an unusually large list in the document.",
    },
];

/// The built-in check with this id.
#[must_use]
pub fn builtin_check(id: &str) -> Option<&'static BuiltinCheck> {
    BUILTIN_CHECKS.iter().find(|c| c.id == id)
}

/// Whether a finding of this id is a load error (a waiver never hides one).
#[must_use]
pub fn is_load_error(id: &str) -> bool {
    id.starts_with("FILE-") || id.starts_with("YAML-") || id.starts_with("DOC-")
}
