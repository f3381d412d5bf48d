//! `--format junit`: `JUnit` XML (quick-junit). One test suite per file; one test case per rule
//! that reports in it (failing, with every finding), and a passing case for a clean file.
//!
//! The XML is well-formed for any input: every text and attribute (file names, rule ids and
//! titles from packs on disk, messages quoting documents and waiver files) is passed through
//! [`crate::text::terminal`] (names and titles through [`crate::text::terminal_line`], so they
//! stay on one line) before serializing, which writes every character XML 1.0 forbids
//! (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF) and every control or bidirectional
//! character as the text `\u{..}`; quick-junit escapes the markup characters.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Output, positions};
use crate::engine::Checked;
use crate::text::{terminal, terminal_line};

pub fn write(checked: &Checked, output: &Output<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut report = Report::new("standoff");
    for (index, file) in checked.files.iter().enumerate() {
        let in_file: Vec<_> = checked
            .findings
            .iter()
            .filter(|f| f.file.0 as usize == index && f.waiver.is_none())
            .collect();
        if !checked.is_reported(crate::model::finding::FileId(index as u32)) {
            continue;
        }
        let mut suite = TestSuite::new(terminal_line(&file.path).as_ref());
        if in_file.is_empty() {
            suite.add_test_case(TestCase::new("standoff", TestCaseStatus::success()));
        }
        let mut rules: Vec<&str> = in_file.iter().map(|f| f.rule.as_ref()).collect();
        rules.dedup();
        for rule in rules {
            let mut lines = Vec::new();
            for original in in_file.iter().filter(|f| f.rule == rule) {
                let f = output.visible(checked, original);
                let at =
                    positions(checked, original).map_or_else(String::new, |(s, _)| format!(":{}:{}", s.line, s.column));
                let path = terminal_line(&file.path);
                lines.push(format!("{path}{at}: {} [{}]", terminal(&f.message), f.severity));
            }
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let (title, _, _) = output.describe(rule);
            status.set_message(terminal_line(&title).into_owned());
            status.set_description(lines.join("\n"));
            suite.add_test_case(TestCase::new(terminal_line(rule).as_ref(), status));
        }
        report.add_test_suite(suite);
    }
    let xml = report.to_string().map_err(io::Error::other)?;
    // Each field was escaped above; the document once more, so no forbidden character is ever
    // written (the escape's own characters are all allowed in XML, and markup has none).
    out.write_all(terminal(&xml).as_bytes())?;
    writeln!(out)
}
