//! `--format junit`: `JUnit` XML (quick-junit). One test suite per file; one test case per rule
//! that reports in it (failing, with every finding), and a passing case for a clean file.

use std::io::{self, Write};

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::{Output, positions};
use crate::engine::Checked;

pub fn write(checked: &Checked, output: &Output<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut report = Report::new("standoff");
    for (index, file) in checked.files.iter().enumerate() {
        let in_file: Vec<_> = checked
            .findings
            .iter()
            .filter(|f| f.file.0 as usize == index && f.waiver.is_none())
            .collect();
        if !checked.is_reported(crate::finding::FileId(index as u32)) {
            continue;
        }
        let mut suite = TestSuite::new(file.path.as_str());
        if in_file.is_empty() {
            suite.add_test_case(TestCase::new("standoff", TestCaseStatus::success()));
        }
        let mut rules: Vec<&str> = in_file.iter().map(|f| f.rule.as_ref()).collect();
        rules.dedup();
        for rule in rules {
            let mut lines = Vec::new();
            for original in in_file.iter().filter(|f| f.rule == rule) {
                let f = output.visible(original);
                let at =
                    positions(checked, original).map_or_else(String::new, |(s, _)| format!(":{}:{}", s.line, s.column));
                lines.push(format!("{}{at}: {} [{}]", file.path, f.message, f.severity));
            }
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let (title, _, _) = output.describe(rule);
            status.set_message(title);
            status.set_description(lines.join("\n"));
            suite.add_test_case(TestCase::new(rule, status));
        }
        report.add_test_suite(suite);
    }
    let xml = report.to_string().map_err(io::Error::other)?;
    out.write_all(xml.as_bytes())?;
    writeln!(out)
}
