//! The gate's HTML report as a case officer reads it (issue 12: a template that escapes; issue
//! 14 §7: the verdict first, the sources last): escaping of hostile text, the links it makes.

use std::collections::BTreeMap;

use standoff::gate::{
    AcceptedRecord, ConfigRecord, Disregarded, FindingRecord, Input, MatrixRow, PackRecord, ProjectVerdict, Record,
    Status, WaiverRecord, html,
};
use standoff::model::finding::{Severity, SeverityCounts};
use standoff::text::LineCol;

const SCRIPT: &str = "<script>alert(1)</script>";
const BREAKOUT: &str = "\"><img src=x onerror=alert(1)>";

fn finding(rule: &str, severity: Severity, message: &str) -> FindingRecord {
    FindingRecord {
        rule: rule.to_owned(),
        severity,
        file: "halls/<b>main</b>.yaml".to_owned(),
        line: Some(3),
        column: Some(5),
        pointer: Some("/spec/name".to_owned()),
        message: message.to_owned(),
        help: Some(format!("help {SCRIPT}")),
        waived: false,
        project: Some(format!("project {BREAKOUT}")),
        fingerprint: "f".repeat(16),
        snippet: vec![
            (2, "spec:".to_owned()),
            (3, format!("  name: {SCRIPT}")),
            (4, format!("  note: '{BREAKOUT}'")),
        ],
        start: Some(LineCol { line: 3, column: 5 }),
        title: format!("A title {SCRIPT}"),
        accepted: false,
    }
}

/// A record whose every text field carries an attack.
fn hostile() -> Record {
    let counts = SeverityCounts {
        error: 1,
        warning: 1,
        info: 0,
    };
    let mut waived = finding("HVM-WAIVED", Severity::Error, "waived finding");
    waived.waived = true;
    Record {
        version: 2,
        tool: "standoff".to_owned(),
        tool_version: "0.1.0".to_owned(),
        stage: 4,
        stage_name: "Technical Design".to_owned(),
        as_of: "2026-06-01".to_owned(),
        passed: false,
        reasons: vec![format!("reason {SCRIPT}")],
        projects: vec![ProjectVerdict {
            name: format!("Quay {BREAKOUT}"),
            declared_stage: Some(4),
            passed: false,
            counts,
            waived: 1,
        }],
        counts,
        counts_by_pack: BTreeMap::from([(format!("pack {SCRIPT}"), counts)]),
        config: Some(ConfigRecord {
            path: "standoff<.yaml".to_owned(),
            sha256: "0".repeat(64),
        }),
        waiver_file: None,
        packs: vec![PackRecord {
            name: format!("pack {SCRIPT}"),
            version: "1.0.0".to_owned(),
            origin: format!("origin {BREAKOUT}"),
            sha256: "1".repeat(64),
            rules: 3,
        }],
        inputs: vec![Input {
            path: "halls/<b>main</b>.yaml".to_owned(),
            bytes: 10,
            sha256: Some("2".repeat(64)),
        }],
        disregarded: Disregarded {
            files_check_would_skip: vec![format!("skip {SCRIPT}.yaml")],
            links_not_followed: vec![format!("link {BREAKOUT}")],
            ..Disregarded::default()
        },
        findings: vec![
            finding("HVM-WARN", Severity::Warning, &format!("a warning {BREAKOUT}")),
            finding(
                "HVM-ERR",
                Severity::Error,
                &format!("an error {SCRIPT} \u{202e}reversed"),
            ),
            waived,
        ],
        waivers: vec![WaiverRecord {
            rule: "HVM-WAIVED".to_owned(),
            file: "halls/<b>main</b>.yaml".to_owned(),
            line: Some(3),
            reason: format!("because {SCRIPT}"),
            approver: Some(format!("Ann {BREAKOUT}")),
            until: None,
            origin: "inline".to_owned(),
        }],
        accepted: vec![AcceptedRecord {
            risk: format!("RR-01 {SCRIPT}"),
            owner: format!("Bob {BREAKOUT}"),
            date: "2026-05-01".to_owned(),
            rule: "HVM-ACC".to_owned(),
            severity: Severity::Warning,
            file: "x.yaml".to_owned(),
            line: None,
            project: None,
        }],
        matrix: vec![
            MatrixRow {
                source: format!("Script source {SCRIPT}"),
                url: "javascript:alert(1)".to_owned(),
                confidence: vec!["confirmed".to_owned()],
                rules: vec![("HVM-ERR".to_owned(), Status::NotMet)],
                status: Status::NotMet,
            },
            MatrixRow {
                source: "Data source".to_owned(),
                url: "data:text/html,<script>alert(1)</script>".to_owned(),
                confidence: vec!["confirmed".to_owned()],
                rules: vec![("HVM-WARN".to_owned(), Status::Met)],
                status: Status::Met,
            },
            MatrixRow {
                source: "Web source".to_owned(),
                url: format!("https://example.org/?q={BREAKOUT}"),
                confidence: vec!["confirmed".to_owned()],
                rules: vec![("HVM-WARN".to_owned(), Status::Met)],
                status: Status::Met,
            },
        ],
    }
}

/// The names of the elements a page opens.
fn tags(page: &str) -> Vec<String> {
    page.split('<')
        .skip(1)
        .filter(|rest| !rest.starts_with('/') && !rest.starts_with('!'))
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect::<String>()
                .to_ascii_lowercase()
        })
        .collect()
}

#[test]
fn every_text_from_the_submission_is_escaped() {
    let page = html(&hostile());
    let allowed = [
        "html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "span", "strong", "table", "thead",
        "tbody", "tr", "th", "td", "div", "code", "pre", "ul", "li", "a", "br", "section", "header",
    ];
    for tag in tags(&page) {
        assert!(
            allowed.contains(&tag.as_str()),
            "an element <{tag}> came from the submission:\n{page}"
        );
    }
    assert!(!page.contains("<script") && !page.contains("<img") && !page.contains("<b>"));
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(page.contains("halls/&lt;b&gt;main&lt;/b&gt;.yaml"));
    assert!(page.contains("standoff&lt;.yaml"));
    // A bidirectional override is shown, not obeyed.
    assert!(!page.contains('\u{202e}') && page.contains("\\u{202e}reversed"));
}

#[test]
fn only_web_addresses_become_links() {
    let page = html(&hostile());
    assert!(!page.contains("href=\"javascript") && !page.contains("href=\"data"));
    assert!(page.contains("Script source &lt;script&gt;") && page.contains("Data source"));
    let links: Vec<&str> = page.match_indices("<a ").map(|(i, _)| &page[i..]).collect();
    assert_eq!(links.len(), 1, "{page}");
    let link = &links[0][..links[0].find('>').unwrap()];
    // The address is escaped inside its attribute, and the link leaks nothing to the site.
    assert!(
        link.contains("href=\"https://example.org/?q=&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\""),
        "{link}"
    );
    assert!(link.contains("rel=\"noopener noreferrer\""), "{link}");
}
