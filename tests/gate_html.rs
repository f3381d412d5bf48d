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
    // The head is the page's own (its stylesheet has a `<` in a print rule); the body carries
    // the submission's text.
    let body = between(&page, "</head>", "</html>");
    for tag in tags(body) {
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

/// The text between `start` and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).unwrap_or_else(|| panic!("no {start} in the page")) + start.len();
    let to = text[from..]
        .find(end)
        .unwrap_or_else(|| panic!("no {end} after {start}"))
        + from;
    &text[from..to]
}

/// Base64 (RFC 4648), written again here so the test does not trust the code it checks.
fn base64(bytes: &[u8]) -> String {
    let alphabet: Vec<char> = ('A'..='Z')
        .chain('a'..='z')
        .chain('0'..='9')
        .chain(['+', '/'])
        .collect();
    let bits = bytes.iter().fold(String::new(), |mut bits, b| {
        use std::fmt::Write as _;
        write!(bits, "{b:08b}").unwrap();
        bits
    });
    let mut out: String = bits
        .as_bytes()
        .chunks(6)
        .map(|six| {
            let six = format!("{:0<6}", std::str::from_utf8(six).unwrap());
            alphabet[usize::from_str_radix(&six, 2).unwrap()]
        })
        .collect();
    while !out.len().is_multiple_of(4) {
        out.push('=');
    }
    out
}

#[test]
fn the_content_security_policy_allows_only_the_pages_own_stylesheet() {
    use sha2::Digest as _;
    let page = html(&hostile());
    let head = between(&page, "<head>", "</head>");
    let csp = between(head, "<meta http-equiv=\"Content-Security-Policy\" content=\"", "\"");
    let style = between(head, "<style>", "</style>");
    let hash = base64(&sha2::Sha256::digest(style.as_bytes()));
    assert_eq!(
        csp,
        format!("default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; form-action 'none'")
    );
    assert_eq!(csp, standoff::gate::content_security_policy());
    // The policy comes before the stylesheet it governs; the page sends no referrer.
    assert!(head.find("Content-Security-Policy").unwrap() < head.find("<style>").unwrap());
    assert!(head.contains("<meta name=\"referrer\" content=\"no-referrer\">"));
    assert_eq!(page.matches("<style").count(), 1, "one stylesheet");
    assert!(
        !page.contains(" style="),
        "no inline style attributes (the policy refuses them)"
    );
    assert!(style.contains("@media print"), "a print stylesheet");
}

/// Renders a page in headless Chromium: its DOM after load, and the browser's log.
pub(crate) fn render(browser: &std::path::Path, page: &std::path::Path) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let rendered = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    (
        String::from_utf8_lossy(&rendered.stdout).into_owned(),
        String::from_utf8_lossy(&rendered.stderr).into_owned(),
    )
}

/// What Chromium logs when a Content-Security-Policy blocks something (the wording changed
/// across versions).
fn csp_violation(log: &str) -> bool {
    log.contains("Refused to apply inline style") || log.contains("violates the following Content Security Policy")
}

/// The gate's report of the defects example (errors, warnings and info), written to `out`.
fn defects_report(out: &std::path::Path) -> String {
    let output = crate::support::standoff()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "gate",
            "--stage",
            "4",
            "examples/defects",
            "--as-of",
            "2026-06-01",
            "--out",
        ])
        .arg(out)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", crate::support::transcript(&output));
    std::fs::read_to_string(out.join("gate-report.html")).unwrap()
}

#[test]
fn chromium_renders_the_report_and_its_policy_blocks_nothing_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("gate");
    let page = defects_report(&out);
    let Some(browser) = crate::workflow::chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have Chromium (.ci/run installs it)"
        );
        eprintln!("chromium not installed: the rendering check was skipped");
        return;
    };
    let (dom, log) = render(&browser, &out.join("gate-report.html"));
    assert!(dom.contains("id=\"verdict\""), "the page did not render:\n{log}");
    assert!(
        between(&dom, "id=\"verdict\">", "<").contains("NOT PASSED"),
        "the verdict is not shown"
    );
    assert!(!csp_violation(&log), "the policy blocked part of the page:\n{log}");
    assert!(!log.contains("Uncaught"), "the page logged errors:\n{log}");
    // The hostile record in a real browser: its markup stays text, nothing tries to load.
    let hostile_page = dir.path().join("hostile.html");
    std::fs::write(&hostile_page, html(&hostile())).unwrap();
    let (dom, log) = render(&browser, &hostile_page);
    let body = between(&dom, "<body>", "</body>");
    assert!(
        !body.contains("<script") && !body.contains("<img") && !body.contains("<b>"),
        "{body}"
    );
    assert!(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{body}");
    assert!(!csp_violation(&log), "the hostile page tried something:\n{log}");
    // It prints (the print stylesheet applies; a PDF comes out).
    let pdf = dir.path().join("report.pdf");
    let profile = tempfile::tempdir().unwrap();
    let printed = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", out.join("gate-report.html").display()))
        .output()
        .unwrap();
    let pdf = std::fs::read(&pdf).unwrap_or_default();
    assert!(
        pdf.starts_with(b"%PDF") && pdf.len() > 10_000,
        "the report did not print:\n{}",
        String::from_utf8_lossy(&printed.stderr)
    );
    // The check can fail: the same page with its stylesheet changed is refused.
    let tampered = dir.path().join("tampered.html");
    std::fs::write(&tampered, page.replace("<style>", "<style>p{color:red}")).unwrap();
    let (_, log) = render(&browser, &tampered);
    assert!(csp_violation(&log), "a changed stylesheet was applied:\n{log}");
}

/// Where `needle` first occurs in `page`.
fn position(page: &str, needle: &str) -> usize {
    page.find(needle).unwrap_or_else(|| panic!("no {needle} in the page"))
}

#[test]
fn the_report_reads_verdict_findings_waivers_judged_then_sources() {
    let dir = tempfile::tempdir().unwrap();
    let page = defects_report(&dir.path().join("gate"));
    let order = [
        "id=\"verdict\"",
        "<h2 id=\"projects\">Verdict by project</h2>",
        "<h2 id=\"findings\">Findings</h2>",
        "<h3 class=\"error\">Errors (",
        "<h3 class=\"warning\">Warnings (",
        "<h3 class=\"info\">Info (",
        "<h2 id=\"waivers\">Waivers in force</h2>",
        "<h2 id=\"accepted\">Accepted residual risks</h2>",
        "<h2 id=\"judged\">What was judged</h2>",
        "<h2 id=\"sources\">Compliance by source</h2>",
    ];
    let positions: Vec<usize> = order.iter().map(|heading| position(&page, heading)).collect();
    for (pair, names) in positions.windows(2).zip(order.windows(2)) {
        assert!(pair[0] < pair[1], "{} comes after {}", names[0], names[1]);
    }
    // Every error is listed before the first warning, every warning before the first info.
    let warnings = position(&page, "<h3 class=\"warning\">");
    let infos = position(&page, "<h3 class=\"info\">");
    assert!(page.rfind("<span class=\"error\">error</span>").unwrap() < warnings);
    assert!(page.rfind("<span class=\"warning\">warning</span>").unwrap() < infos);
    assert!(position(&page, "<span class=\"info\">info</span>") > infos);
    // Each finding names its rule's title, its place and its source lines.
    let first = between(&page, "<div class=\"finding\">", "</pre>");
    assert!(
        first.contains("<strong>") && first.contains("examples/defects/") && first.contains(" │ "),
        "{first}"
    );
    // The pack and input tables are part of what was judged, after the findings.
    assert!(position(&page, "<th>Input file</th>") > position(&page, "<h2 id=\"judged\">"));
}

#[test]
fn in_each_severity_the_findings_that_count_come_before_the_waived() {
    let page = html(&hostile());
    let errors = position(&page, "<h3 class=\"error\">Errors (2, 1 waived or accepted)</h3>");
    let live = position(&page, "<code>HVM-ERR</code>");
    let waived = position(&page, "<code>HVM-WAIVED</code> <strong>");
    let warnings = position(&page, "<h3 class=\"warning\">Warnings (1)</h3>");
    assert!(errors < live && live < waived && waived < warnings);
    assert!(between(&page[waived..], "</strong>", "</div>").contains("<span class=\"waived\">waived</span>"));
    assert!(page.contains("<strong>A title &lt;script&gt;alert(1)&lt;/script&gt;</strong>"));
}
