//! `--format junit`: `JUnit` XML in the shape Jenkins xUnit's `junit-10.xsd` allows (the one
//! most consumers accept: Jenkins, GitLab, junitparser, junit2html). One test suite per file
//! (`name` and `file` its path); one test case per rule that reports in it (`classname` the
//! file, `time` 0: the tree is judged as one, rules are not timed apart), and a passing case
//! for a clean file. A rule whose findings reach `--fail-on` fails (`type` its rule id,
//! `message` its title, every finding in the text); findings below `--fail-on` do not fail the
//! case: they are listed in its `system-out`, so a green run has no failing test case. Waived
//! findings are left out, as in the other annotation formats.
//!
//! The XML is written here rather than by a library so that only what the XSD allows is
//! written (no `skipped` on `testsuites`). It is well-formed for any input: every text and
//! attribute (file names, rule ids and titles from packs on disk, messages quoting documents
//! and waiver files) is passed through [`crate::text::terminal`] (names and titles through
//! [`crate::text::terminal_line`], so they stay on one line) before it is escaped, which writes
//! every character XML 1.0 forbids (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) and
//! every control or bidirectional character as the text `\u{..}`; [`escape`] then writes the
//! five markup characters as entities.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Output, positions};
use crate::engine::Checked;
use crate::model::finding::{FileId, Finding};
use crate::text::{terminal, terminal_line};

/// Text or an attribute value with the markup characters as entities.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

/// One test case: a rule in a file (or the clean file's `standoff`).
struct Case {
    name: String,
    /// The findings that fail it (at or above `--fail-on`).
    failing: Vec<String>,
    /// The findings below `--fail-on`, listed in `system-out`.
    passing: Vec<String>,
    title: String,
    rule: String,
}

fn finding_line(checked: &Checked, output: &Output<'_>, path: &str, original: &Finding) -> String {
    let f = output.visible(checked, original);
    let at = positions(checked, original).map_or_else(String::new, |(s, _)| format!(":{}:{}", s.line, s.column));
    format!("{path}{at}: {} [{}]", terminal(&f.message), f.severity)
}

fn cases(checked: &Checked, output: &Output<'_>, index: usize, path: &str) -> Vec<Case> {
    let in_file: Vec<&Finding> = checked
        .findings
        .iter()
        .filter(|f| f.file.0 as usize == index && f.waiver.is_none())
        .collect();
    if in_file.is_empty() {
        return vec![Case {
            name: "standoff".to_owned(),
            failing: Vec::new(),
            passing: Vec::new(),
            title: String::new(),
            rule: String::new(),
        }];
    }
    let mut rules: Vec<&str> = in_file.iter().map(|f| f.rule.as_ref()).collect();
    let mut seen = std::collections::HashSet::new();
    rules.retain(|r| seen.insert(*r));
    rules
        .into_iter()
        .map(|rule| {
            let (title, _, _) = output.describe(rule);
            let mut case = Case {
                name: terminal_line(rule).into_owned(),
                failing: Vec::new(),
                passing: Vec::new(),
                title: terminal_line(&title).into_owned(),
                rule: terminal_line(rule).into_owned(),
            };
            for original in in_file.iter().filter(|f| f.rule == rule) {
                let line = finding_line(checked, output, path, original);
                if original.severity >= output.fail_on {
                    case.failing.push(line);
                } else {
                    case.passing.push(line);
                }
            }
            case
        })
        .collect()
}

pub fn write(checked: &Checked, output: &Output<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut suites = String::new();
    let (mut tests, mut failures) = (0_usize, 0_usize);
    for (index, file) in checked.files.iter().enumerate() {
        if !checked.is_reported(FileId(u32::try_from(index).unwrap_or(u32::MAX))) {
            continue;
        }
        let path = terminal_line(&file.path);
        let cases = cases(checked, output, index, &path);
        let failed = cases.iter().filter(|c| !c.failing.is_empty()).count();
        tests += cases.len();
        failures += failed;
        let path = escape(&path);
        let _ = writeln!(
            suites,
            r#"    <testsuite name="{path}" tests="{}" failures="{failed}" errors="0" skipped="0" time="0" file="{path}">"#,
            cases.len()
        );
        for case in cases {
            let _ = write!(
                suites,
                r#"        <testcase name="{}" classname="{path}" time="0""#,
                escape(&case.name)
            );
            if case.failing.is_empty() && case.passing.is_empty() {
                suites.push_str("/>\n");
                continue;
            }
            suites.push_str(">\n");
            if !case.failing.is_empty() {
                let _ = writeln!(
                    suites,
                    r#"            <failure type="{}" message="{}">{}</failure>"#,
                    escape(&case.rule),
                    escape(&case.title),
                    escape(&case.failing.join("\n"))
                );
            }
            if !case.passing.is_empty() {
                let _ = writeln!(
                    suites,
                    "            <system-out>{}</system-out>",
                    escape(&case.passing.join("\n"))
                );
            }
            suites.push_str("        </testcase>\n");
        }
        suites.push_str("    </testsuite>\n");
    }
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"standoff\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"0\">\n{suites}</testsuites>\n"
    );
    // Each field was escaped above; the document once more, so no forbidden character is ever
    // written (the escape's own characters are all allowed in XML, and markup has none).
    out.write_all(terminal(&xml).as_bytes())
}
