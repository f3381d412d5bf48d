//! The engine's predicates, end to end: small rules written inline, compiled by the real
//! loader and judged by their own cases (the `standoff test` machinery), plus the located
//! errors a bad rule file gets.

use super::selftest::{self, Outcome};
use super::{PackFiles, load};
use crate::error::ToolError;
use crate::schema::schemas;

const PACK: &str = "name: t\ntitle: Test pack\nversion: 0.1.0\nprefix: T\ndescription: Tests.\nsources: [{title: x, url: https://example.org}]\n";

const SOURCE: &str = "sources: [{title: A source, url: https://example.org, confidence: confirmed}]\n";

fn pack(rules: &[(&str, String)]) -> PackFiles {
    let mut files = vec![("t/pack.yaml".to_owned(), "pack.yaml".to_owned(), PACK.to_owned())];
    for (id, text) in rules {
        files.push((format!("t/{id}.yaml"), format!("{id}.yaml"), text.clone()));
    }
    PackFiles {
        name: "t".into(),
        origin: "test".into(),
        files,
    }
}

/// A rule with the given body (kind, select, check, tests...), around the fixed fields.
fn rule(id: &str, body: &str) -> (&'static str, String) {
    let id: &'static str = Box::leak(id.to_owned().into_boxed_str());
    (
        id,
        format!(
            "id: {id}\ntitle: Test\nseverity: error\nmessage: \"{{value}} at {{item}}\"\nhelp: Fix it.\nwhy: Because.\n{SOURCE}{body}"
        ),
    )
}

fn assert_all_pass(rules: &[(&str, String)]) {
    let set = match load(vec![pack(rules)]) {
        Ok(set) => set,
        Err(ToolError::Located { errors, .. }) => panic!(
            "{:#?}",
            errors.iter().map(|e| (&e.path, &e.message)).collect::<Vec<_>>()
        ),
        Err(e) => panic!("{e}"),
    };
    let results = selftest::run(&set, schemas().unwrap());
    let failures: Vec<String> = results
        .iter()
        .filter(|r| !r.outcome.passed())
        .map(|r| format!("{} {}: {:?}", r.rule.id, r.case.pointer, r.outcome))
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
    assert_eq!(
        results.len(),
        rules.len() * 2,
        "every rule has one valid and one invalid case"
    );
}

fn site(spec: &str) -> String {
    format!("- {{apiVersion: standoff/v1, kind: Site, metadata: {{name: s}}, spec: {spec}}}")
}

fn cases(valid_spec: &str, invalid_spec: &str, expect: &str) -> String {
    format!(
        "tests:\n  valid:\n    - documents:\n      {}\n  invalid:\n    - documents:\n      {}\n      expect: [{expect}]\n",
        site(valid_spec),
        site(invalid_spec)
    )
}

#[test]
fn value_predicates() {
    let rules = [
        rule(
            "T-REQUIRED",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/standoff/building\ncheck: {{required: true}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a}], standoff: {building: 30 m}}",
                    "{crowdedSpaces: [{id: a}]}",
                    "{at: /spec/standoff/building}"
                )
            ),
        ),
        rule(
            "T-ABSENT",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/parking\ncheck: {{absent: true}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a}]}",
                    "{crowdedSpaces: [{id: a}], parking: [{id: p}]}",
                    "{at: /spec/parking}"
                )
            ),
        ),
        rule(
            "T-EQUALS",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*/outdoor\ncheck: {{equals: false}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a, outdoor: false}, {id: b}]}",
                    "{crowdedSpaces: [{id: a, outdoor: true}]}",
                    "{at: /spec/crowdedSpaces/0/outdoor}"
                )
            ),
        ),
        rule(
            "T-IN",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/entrances/*/screening\ncheck: {{in: [walk-through, full]}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a}], entrances: [{id: e, screening: full}]}",
                    "{crowdedSpaces: [{id: a}], entrances: [{id: e, screening: none}]}",
                    "{at: /spec/entrances/0/screening}"
                )
            ),
        ),
        rule(
            "T-MAX-UNITS",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/parking/*/distanceToBuilding\ncheck: {{max: \"1.2 m\"}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a}], parking: [{id: p, distanceToBuilding: 1200 mm}, {id: q, distanceToBuilding: 1.21 m}]}",
                    "{crowdedSpaces: [{id: a}], parking: [{id: p, distanceToBuilding: 4 ft}]}",
                    "{at: /spec/parking/0/distanceToBuilding}"
                )
            ),
        ),
        rule(
            "T-MIN-NUMBER",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*/capacity\ncheck: {{min: 10, max: 100}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a, capacity: 10}, {id: b, capacity: 100}]}",
                    "{crowdedSpaces: [{id: a, capacity: 9}, {id: b, capacity: 101}]}",
                    "{at: /spec/crowdedSpaces/0/capacity}, {at: /spec/crowdedSpaces/1/capacity}"
                )
            ),
        ),
        rule(
            "T-MATCHES",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*/id\ncheck: {{matches: \"^cs-\"}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: cs-a}]}",
                    "{crowdedSpaces: [{id: plaza}]}",
                    "{at: /spec/crowdedSpaces/0/id}"
                )
            ),
        ),
        rule(
            "T-EXPR",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/vehicleApproaches/*\nwhen: {{expr: \"has(self.impactSpeed)\"}}\ncheck: {{expr: \"speed_at_least('48 km/h', self.impactSpeed)\"}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a}], vehicleApproaches: [{id: v, reaches: a, impactSpeed: 30 mph}, {id: w, reaches: a}]}",
                    "{crowdedSpaces: [{id: a}], vehicleApproaches: [{id: v, reaches: a, impactSpeed: 50 km/h}]}",
                    "{at: /spec/vehicleApproaches/0}"
                )
            ),
        ),
        rule(
            "T-LOGIC",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*\ncheck: {{any: [{{not: {{expr: \"self.outdoor\"}}}}, {{all: [{{expr: \"self.queueing\"}}, {{expr: \"self.capacity < 500\"}}]}}]}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a, outdoor: false}, {id: b, outdoor: true, queueing: true, capacity: 100}]}",
                    "{crowdedSpaces: [{id: a, outdoor: true, queueing: false, capacity: 100}]}",
                    "{at: /spec/crowdedSpaces/0}"
                )
            ),
        ),
        rule(
            "T-LOCATE-KEY",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/standoff\nlocate: key\ncheck: {{expr: \"qty(self.building) >= 30.0\"}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a}], standoff: {building: 30 m}}",
                    "{crowdedSpaces: [{id: a}], standoff: {building: 20 m}}",
                    "{at: /spec/standoff}"
                )
            ),
        ),
    ];
    assert_all_pass(&rules);
}

#[test]
fn selection_and_reference_predicates() {
    let rules = [
        rule(
            "T-UNIQUE",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*/description\ncheck: {{unique: true}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a, description: North}, {id: b, description: South}]}",
                    "{crowdedSpaces: [{id: a, description: North}, {id: b, description: North}]}",
                    "{at: /spec/crowdedSpaces/1/description}"
                )
            ),
        ),
        rule(
            "T-COUNT",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/assemblyPoints/*\ncheck: {{count: {{min: 1}}}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a}], assemblyPoints: [{id: ap}]}",
                    "{crowdedSpaces: [{id: a}]}",
                    "{at: /spec/assemblyPoints}"
                )
            ),
        ),
        rule(
            "T-REF",
            &format!(
                "stage: 2\nkind: Site\nselect: /spec/entrances/*/serves\ncheck: {{ref: {{kind: Site, lists: [crowdedSpaces]}}}}\n{}",
                cases(
                    "{crowdedSpaces: [{id: a}], entrances: [{id: e, serves: a}]}",
                    "{crowdedSpaces: [{id: a}], entrances: [{id: e, serves: a}, {id: f, serves: e}]}",
                    "{at: /spec/entrances/1/serves}"
                )
            ),
        ),
    ];
    assert_all_pass(&rules);
}

#[test]
fn dates_against_today_and_a_fixed_date() {
    let ra = |assessed: &str, review: &str| {
        format!(
            "- {{apiVersion: standoff/v1, kind: RiskAssessment, metadata: {{name: ra}}, spec: {{assessor: {{name: A}}, assessed: {assessed}, reviewDue: {review}, methodologies: [{{type: cbr, status: assessed}}]}}}}"
        )
    };
    let rules = [
        rule(
            "T-AFTER",
            &format!(
                "stage: 1\nkind: RiskAssessment\nselect: /spec/reviewDue\ncheck: {{after: today}}\ntests:\n  valid:\n    - asOf: 2026-03-01\n      documents:\n      {}\n  invalid:\n    - asOf: 2026-03-01\n      documents:\n      {}\n      expect: [{{at: /spec/reviewDue}}]\n",
                ra("2025-01-01", "2026-06-01"),
                ra("2025-01-01", "2026-02-28")
            ),
        ),
        rule(
            "T-BEFORE",
            &format!(
                "stage: 1\nkind: RiskAssessment\nselect: /spec/assessed\ncheck: {{before: 2026-01-01}}\ntests:\n  valid:\n    - documents:\n      {}\n  invalid:\n    - documents:\n      {}\n      expect: [{{at: /spec/assessed}}]\n",
                ra("2025-12-31", "2027-01-01"),
                ra("2026-01-01", "2027-01-01")
            ),
        ),
    ];
    assert_all_pass(&rules);
}

#[test]
fn stages_decide_which_rules_report() {
    // Due at stage 3: a project at stage 2 is silent, at 3 and 4 it reports.
    let body = "stage: 3\nkind: Site\nselect: /spec/standoff\ncheck: {required: true}\ntests:\n  valid:\n    - stage: 2\n      documents:\n      - {apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a}]}}\n  invalid:\n    - stage: 4\n      documents:\n      - {apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a}]}}\n      expect: [{at: /spec/standoff}]\n";
    assert_all_pass(&[rule("T-STAGE", body)]);
}

fn load_errors(rules: &[(&str, String)]) -> Vec<String> {
    match load(vec![pack(rules)]) {
        Err(ToolError::Located { errors, .. }) => errors
            .iter()
            .map(|e| {
                let at = crate::text::LineIndex::new(&e.text).line_col(&e.text, e.span.start);
                format!("{}:{}:{}: {}", e.path, at.line, at.column, e.message)
            })
            .collect(),
        Err(e) => vec![e.to_string()],
        Ok(_) => Vec::new(),
    }
}

const MINIMAL_TESTS: &str = "tests:\n  valid: [{apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a}]}}]\n  invalid: [{documents: [{apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a}]}}], expect: [{at: /spec}]}]\n";

#[test]
fn bad_rules_are_located_errors() {
    let bad = |id: &str, body: &str| rule(id, &format!("{body}{MINIMAL_TESTS}"));
    let errors = load_errors(&[
        bad(
            "T-FIELD",
            "stage: 2\nkind: Site\nselect: /spec/crowdedSpace/*/id\ncheck: {required: true}\n",
        ),
        bad(
            "T-UNIT",
            "stage: 2\nkind: Site\nselect: /spec/standoff/building\ncheck: {max: \"48 km/h\"}\n",
        ),
        bad(
            "T-NOUNIT",
            "stage: 2\nkind: Site\nselect: /spec/standoff/building\ncheck: {max: 30}\n",
        ),
        bad(
            "T-CELNAME",
            "stage: 2\nkind: Site\ncheck: {expr: \"slef.spec != null\"}\n",
        ),
        bad(
            "T-CELSYNTAX",
            "stage: 2\nkind: Site\ncheck:\n  expr: |\n    doc.spec != null &&\n      (doc.kind ==\n",
        ),
        bad(
            "T-REGEX",
            "stage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*/id\ncheck: {matches: \"(?=x)\"}\n",
        ),
        bad(
            "T-WHEN",
            "stage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*/id\nwhen: {unique: true}\ncheck: {required: true}\n",
        ),
        bad("T-TWO", "stage: 2\nkind: Site\ncheck: {required: true, absent: true}\n"),
        bad("T-WRONGFILE", "stage: 2\nkind: Site\ncheck: {required: true}\n"),
        bad("T-TEMPLATE", "stage: 2\nkind: Site\ncheck: {required: true}\n"),
    ]);
    let has = |needle: &str| errors.iter().any(|e| e.contains(needle));
    assert!(
        has("t/T-FIELD.yaml:10:9: `/spec/crowdedSpace/*/id` is not a field of a Site document"),
        "{errors:#?}"
    );
    assert!(
        has("t/T-UNIT.yaml:11:14: `48 km/h` is a speed, but `/spec/standoff/building` selects a length"),
        "{errors:#?}"
    );
    assert!(
        has("t/T-NOUNIT.yaml:11:14: `/spec/standoff/building` selects a length, so the bound needs a unit"),
        "{errors:#?}"
    );
    assert!(
        has("t/T-CELNAME.yaml:10:16: unknown variable `slef`; did you mean `self`?"),
        "{errors:#?}"
    );
    assert!(has("t/T-CELSYNTAX.yaml:13:18: CEL syntax error"), "{errors:#?}");
    assert!(has("t/T-REGEX.yaml:11:18: invalid regular expression"), "{errors:#?}");
    assert!(
        has("t/T-WHEN.yaml:11:16: `unique` reads the whole selection"),
        "{errors:#?}"
    );
    assert!(
        has("t/T-TWO.yaml:10:8: a predicate has exactly one form, not required and absent"),
        "{errors:#?}"
    );
    let template = load_errors(&[(
        "T-TEMPLATE",
        format!(
            "id: T-TEMPLATE\ntitle: T\nseverity: error\nmessage: \"bad {{valeu}}\"\nhelp: h\nwhy: w\n{SOURCE}stage: 2\nkind: Site\ncheck: {{required: true}}\n{MINIMAL_TESTS}"
        ),
    )]);
    assert!(
        template
            .iter()
            .any(|e| e.contains("t/T-TEMPLATE.yaml:4:16: unknown placeholder `{valeu}`; did you mean `{value}`?")),
        "{template:#?}"
    );
    let wrong_file = load_errors(&[(
        "T-OTHER",
        rule(
            "T-WRONGFILE",
            &format!("stage: 2\nkind: Site\ncheck: {{required: true}}\n{MINIMAL_TESTS}"),
        )
        .1,
    )]);
    assert!(
        wrong_file
            .iter()
            .any(|e| e
                .contains("t/T-OTHER.yaml:1:5: the rule id `T-WRONGFILE` differs from its file name `T-OTHER.yaml`")),
        "{wrong_file:#?}"
    );
    let weak = load_errors(&[(
        "T-WEAK",
        format!(
            "id: T-WEAK\ntitle: T\nseverity: error\nmessage: m\nhelp: h\nwhy: w\nsources: [{{title: s, url: https://e.org, confidence: secondary}}]\nstage: 2\nkind: Site\ncheck: {{required: true}}\n{MINIMAL_TESTS}"
        ),
    )]);
    assert!(
        weak.iter()
            .any(|e| e.contains("t/T-WEAK.yaml:3:11: an error must rest on a confirmed source")),
        "{weak:#?}"
    );
    let schema = load_errors(&[(
        "T-SCHEMA",
        format!(
            "id: T-SCHEMA\ntitle: T\nseverity: fatal\nmessage: m\nhelp: h\nwhy: w\n{SOURCE}stage: 9\nkind: Site\ncheck: {{required: true}}\n{MINIMAL_TESTS}"
        ),
    )]);
    assert!(
        schema
            .iter()
            .any(|e| e.contains("t/T-SCHEMA.yaml:3:11: `fatal` is not an allowed value for `severity`")),
        "{schema:#?}"
    );
}

#[test]
fn duplicate_ids_across_packs() {
    let rules = [rule(
        "T-ONE",
        &format!("stage: 2\nkind: Site\ncheck: {{required: true}}\n{MINIMAL_TESTS}"),
    )];
    let mut second = pack(&rules);
    second.name = "u".into();
    for file in &mut second.files {
        file.0 = file.0.replace("t/", "u/");
        file.2 = file.2.replace("name: t\n", "name: u\n");
    }
    match load(vec![pack(&rules), second]) {
        Err(ToolError::Located { errors, .. }) => {
            assert!(
                errors.iter().any(|e| e
                    .message
                    .contains("a second rule with the id `T-ONE` (the first is t/T-ONE.yaml)")),
                "{errors:#?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn outcomes_name_what_went_wrong() {
    // A valid case the rule reports, an invalid case reported elsewhere, and one not reported.
    let body = "stage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*/capacity\ncheck: {max: 100}\ntests:\n  valid:\n    - {apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a, capacity: 500}]}}\n  invalid:\n    - documents: [{apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a, capacity: 500}]}}]\n      expect: [{at: /spec/crowdedSpaces/0}]\n    - documents: [{apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpaces: [{id: a, capacity: 5}]}}]\n      expect: [{at: /spec/crowdedSpaces/0/capacity}]\n    - documents: [{apiVersion: standoff/v1, kind: Site, metadata: {name: s}, spec: {crowdedSpace: []}}]\n      expect: [{at: /spec}]\n";
    let set = load(vec![pack(&[rule("T-OUT", body)])]).unwrap();
    let results = selftest::run(&set, schemas().unwrap());
    let outcomes: Vec<&str> = results.iter().map(|r| r.outcome.name()).collect();
    assert_eq!(outcomes, ["noisy", "noisy", "missing", "error"]);
    assert_eq!(
        results[1].outcome,
        Outcome::Noisy(vec!["/spec/crowdedSpaces/0/capacity".into()])
    );
    assert!(
        matches!(&results[3].outcome, Outcome::Error(e) if e.contains("does not pass its schema")),
        "{:?}",
        results[3].outcome
    );
}

/// Built-in packs compile their CEL at first use in a normal run; here every expression of
/// every built-in rule (checks, preconditions, messages, labels) must compile now.
#[test]
fn every_builtin_expression_compiles() {
    let eager = super::load_eager(super::builtin_packs());
    assert!(eager.is_ok(), "{:?}", eager.err());
    let lazy = super::load(super::builtin_packs()).unwrap();
    assert_eq!(eager.unwrap().rules.len(), lazy.rules.len());
}

const PACK_2: &str = "name: t\ntitle: Test pack\nversion: 0.1.0\nformat: 2\nprefix: T\ndescription: Tests.\nsources: [{title: x, url: https://example.org}]\nlet:\n  limit: \"100\"\n";

fn pack_2(rules: &[(&str, String)]) -> PackFiles {
    let mut files = pack(rules);
    files.files[0].2 = PACK_2.to_owned();
    files
}

/// Runs every case of `set`'s rules and asserts each ends as its test expects.
fn run_passing(set: &super::RuleSet) -> Vec<selftest::CaseResult<'_>> {
    let results = selftest::run(set, schemas().unwrap());
    let outcomes: Vec<String> = results
        .iter()
        .map(|r| format!("{:?} {:?}", r.outcome, r.diagnostics))
        .collect();
    assert!(results.iter().all(|r| r.outcome.passed()), "{outcomes:#?}");
    results
}

/// A format-2 rule: `let` bindings (the pack's `limit`, and the rule's own), read by the check
/// and shown in the message.
fn capacity_rule(id: &str, lets: &str, message: &str, expect: &str) -> (&'static str, String) {
    let id: &'static str = Box::leak(id.to_owned().into_boxed_str());
    let space = |capacity: u32| {
        format!(
            "{{apiVersion: standoff/v1, kind: Site, metadata: {{name: s}}, spec: {{crowdedSpaces: [{{id: a, capacity: {capacity}}}]}}}}"
        )
    };
    (
        id,
        format!(
            "id: {id}\ntitle: Test\nseverity: error\nstage: 2\nkind: Site\nselect: /spec/crowdedSpaces/*\nlet:\n{lets}\ncheck: {{expr: \"!over\"}}\nmessage: \"{message}\"\nhelp: Fix it.\nwhy: Because.\n{SOURCE}tests:\n  valid: [{}]\n  invalid:\n    - documents: [{}]\n      expect: [{expect}]\n",
            space(50),
            space(500)
        ),
    )
}

const CAPACITY_LETS: &str = "  capacity: \"has(self.capacity) ? self.capacity : null\"\n  over: \"capacity != null && capacity > limit\"\n  info: \"{'note': 'see the plan', 'by': capacity - limit}\"\n";

#[test]
fn format_2_binds_names_for_checks_and_messages() {
    let rules = [capacity_rule(
        "T-LET",
        CAPACITY_LETS,
        "space {item} holds {capacity}, {info.by} over {limit}: {info.note}",
        "{at: /spec/crowdedSpaces/0, message: \"space a holds 500, 400 over 100: see the plan (due by the end of stage 2)\"}",
    )];
    let set = match load(vec![pack_2(&rules)]) {
        Ok(set) => set,
        Err(ToolError::Located { errors, .. }) => {
            panic!("{:#?}", errors.iter().map(|e| &e.message).collect::<Vec<_>>())
        }
        Err(e) => panic!("{e}"),
    };
    assert_eq!(set.packs[0].format, super::PackFormat::Two);
    run_passing(&set);
}

#[test]
fn a_pinned_message_that_differs_and_an_unrendered_placeholder_fail_the_case() {
    let rules = [
        capacity_rule(
            "T-PINNED",
            CAPACITY_LETS,
            "space {item} holds {capacity}",
            "{at: /spec/crowdedSpaces/0, message: \"space a holds 5000\"}",
        ),
        capacity_rule(
            "T-UNRENDERED",
            &format!("{CAPACITY_LETS}  nothing: \"self.absent\"\n  broken: \"int('x')\"\n"),
            "space {item}: {nothing}; {broken}; {info.missing}",
            "{at: /spec/crowdedSpaces/0}",
        ),
    ];
    let set = load(vec![pack_2(&rules)]).unwrap();
    let results = selftest::run(&set, schemas().unwrap());
    let pinned = results
        .iter()
        .find(|r| r.rule.id == "T-PINNED" && !r.case.valid)
        .unwrap();
    match &pinned.outcome {
        Outcome::Message(problems) => assert!(
            problems[0].contains("expected: space a holds 5000")
                && problems[0].contains("rendered: space a holds 500 (due"),
            "{problems:?}"
        ),
        other => panic!("{other:?}"),
    }
    let unrendered = results
        .iter()
        .find(|r| r.rule.id == "T-UNRENDERED" && !r.case.valid)
        .unwrap();
    let message = &unrendered.diagnostics[0].message;
    assert!(
        message.starts_with("space a: <nothing: not recorded>; <broken: could not be computed: "),
        "{message}"
    );
    assert!(
        message.ends_with("; <info.missing: not recorded> (due by the end of stage 2)"),
        "{message}"
    );
    assert!(
        matches!(&unrendered.outcome, Outcome::Message(p) if p.len() == 1),
        "{:?}",
        unrendered.outcome
    );
}

#[test]
fn bad_let_bindings_are_located_errors() {
    let errors = match load(vec![pack_2(&[
        capacity_rule(
            "T-UNKNOWN",
            "  capacity: \"limt + 1\"\n  over: \"false\"",
            "x",
            "{at: /spec}",
        ),
        capacity_rule("T-LATER", "  capacity: \"over\"\n  over: \"false\"", "x", "{at: /spec}"),
        capacity_rule("T-TWICE", "  limit: \"1\"\n  over: \"false\"", "x", "{at: /spec}"),
        capacity_rule("T-SHADOW", "  self: \"1\"\n  over: \"false\"", "x", "{at: /spec}"),
        capacity_rule("T-PROGRAM", "  over: \"false\"", "x {= self.id}", "{at: /spec}"),
        capacity_rule("T-PLACE", "  over: \"false\"", "x {ovr}", "{at: /spec}"),
    ])]) {
        Err(ToolError::Located { errors, .. }) => errors
            .iter()
            .map(|e| {
                let at = crate::text::LineIndex::new(&e.text).line_col(&e.text, e.span.start);
                format!("{}:{}:{}: {}", e.path, at.line, at.column, e.message)
            })
            .collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let expected = [
        "t/T-UNKNOWN.yaml:8:14: unknown variable `limt`; did you mean `limit`?",
        "t/T-LATER.yaml:8:14: unknown variable `over`",
        "t/T-TWICE.yaml:8:3: `limit` is already bound by the pack's `let:`",
        "t/T-SHADOW.yaml:8:3: `self` is a built-in variable",
        "t/T-PROGRAM.yaml:10:13: a message is text in pack format 2, not a program: bind it with `let:` and write `{name}`",
        "t/T-PLACE.yaml:10:14: unknown placeholder `{ovr}`; did you mean `{over}`?",
    ];
    for want in expected {
        assert!(errors.iter().any(|e| e.starts_with(want)), "{want}\n{errors:#?}");
    }
    assert_eq!(errors.len(), expected.len(), "{errors:#?}");
    // `let:` in a format-1 pack says how to migrate.
    let errors = load_errors(&[capacity_rule("T-OLD", "  over: \"false\"", "x", "{at: /spec}")]);
    assert!(
        errors.iter().any(|e| e.contains("`let:` needs pack format 2")),
        "{errors:#?}"
    );
}

#[test]
fn snapshots_pin_every_invalid_case_and_a_missing_one_is_only_listed() {
    let rules = [capacity_rule(
        "T-SNAP",
        CAPACITY_LETS,
        "space {item} holds {capacity}",
        "{at: /spec/crowdedSpaces/0}",
    )];
    let set = load(vec![pack_2(&rules)]).unwrap();
    let results = run_passing(&set);
    let invalid = results.iter().find(|r| !r.case.valid).unwrap();
    assert_eq!(invalid.snapshot, selftest::Snapshot::Missing);
    let text = selftest::snapshot_text(&set.rules[0], &results.iter().collect::<Vec<_>>());
    assert!(
        text.ends_with("\n/tests/invalid/0\n  /spec/crowdedSpaces/0: space a holds 500 (due by the end of stage 2)\n"),
        "{text}"
    );
    // The same snapshot matches; an edited one fails the case with the difference.
    let with_snapshot = |snapshot: &str| {
        let mut files = pack_2(&rules);
        files.files.push((
            "t/__snapshots__/T-SNAP.snap".into(),
            "__snapshots__/T-SNAP.snap".into(),
            snapshot.to_owned(),
        ));
        load(vec![files]).unwrap()
    };
    let same = with_snapshot(&text);
    let results = run_passing(&same);
    assert_eq!(
        results.iter().find(|r| !r.case.valid).unwrap().snapshot,
        selftest::Snapshot::Matches
    );
    let edited = with_snapshot(&text.replace("holds 500", "holds 600"));
    let results = selftest::run(&edited, schemas().unwrap());
    match &results.iter().find(|r| !r.case.valid).unwrap().outcome {
        Outcome::Message(lines) => {
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with("- /spec/crowdedSpaces/0: space a holds 600")),
                "{lines:?}"
            );
            assert!(
                lines
                    .iter()
                    .any(|l| l.starts_with("+ /spec/crowdedSpaces/0: space a holds 500")),
                "{lines:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn severity_stage_and_kind_are_typed_when_the_rule_is_read() {
    use super::raw::{RawKinds, RawSeverity, RawStage};
    let severity: Result<RawSeverity, _> = serde_json::from_value(serde_json::json!("fatal"));
    assert!(
        severity
            .unwrap_err()
            .to_string()
            .contains("severity must be error, warning or info, not `fatal`")
    );
    let stage: RawStage = serde_json::from_value(serde_json::json!(3)).unwrap();
    assert_eq!(stage.0, super::RuleStage::Due(crate::stage::Stage::new(3).unwrap()));
    let always: RawStage = serde_json::from_value(serde_json::json!("always")).unwrap();
    assert_eq!(always.0, super::RuleStage::Always);
    assert!(serde_json::from_value::<RawStage>(serde_json::json!(9)).is_err());
    let kinds: RawKinds = serde_json::from_value(serde_json::json!(["Site", "BarrierSchedule"])).unwrap();
    assert_eq!(kinds.0.len(), 2);
    let bad = serde_json::from_value::<RawKinds>(serde_json::json!("Sit"))
        .unwrap_err()
        .to_string();
    assert!(bad.contains("did you mean `Site`?"), "{bad}");
    assert_eq!(
        serde_json::to_value(kinds).unwrap(),
        serde_json::json!(["Site", "BarrierSchedule"])
    );
}

/// `byId` read only in a `let` binding is bound all the same (issue 13: SO-PBIED's bindings
/// look items up by id and were silently "not applicable" when only the check was scanned).
#[test]
fn by_id_read_only_in_a_binding_is_bound() {
    let rules = [capacity_rule(
        "T-BYID",
        "  capacity: \"has(self.capacity) ? self.capacity : null\"\n  listed: \"self.id in byId.crowdedSpaces\"\n  over: \"listed && capacity > limit\"\n",
        "space {item} holds {capacity}",
        "{at: /spec/crowdedSpaces/0}",
    )];
    let set = load(vec![pack_2(&rules)]).unwrap();
    run_passing(&set);
}
