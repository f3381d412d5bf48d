//! The gate's HTML report, written with maud: every text is escaped by the template (the
//! markup is checked at compile time), and characters that could disguise text (controls,
//! bidirectional overrides, invisible characters) are shown as `\u{…}` escapes first. The page
//! is self-contained: one inline stylesheet, no scripts, no images, no external assets, and a
//! Content-Security-Policy that lets the browser load or run nothing else.

use std::borrow::Cow;
use std::fmt::Write as _;

use maud::{DOCTYPE, Markup, PreEscaped, Render, html as markup};

use super::{Disregarded, FindingRecord, Record, Status, accepted_count};
use crate::model::finding::Severity;

/// The report's only stylesheet (inline).
const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2430;line-height:1.45}\
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.3rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}\
.verdict{display:inline-block;padding:.35rem .9rem;border-radius:.4rem;font-weight:700;font-size:1.1rem}\
.pass{background:#dafbe1;color:#116329;border:1px solid #4ac26b}.fail{background:#ffebe9;color:#82071e;border:1px solid #ff8182}\
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:.92rem}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}.error{color:#82071e;font-weight:600}.warning{color:#7d4e00;font-weight:600}.info{color:#0550ae}\
.met{background:#dafbe1}.not-met{background:#ffebe9}.cannot-verify{background:#fff1e5;color:#953800}.not-applicable{background:#f6f8fa;color:#57606a}.waived{background:#fff8c5}.accepted{background:#ddf4ff}.not-yet-applicable{background:#f6f8fa;color:#57606a}\
pre{background:#f6f8fa;padding:.5rem;overflow-x:auto;font-size:.85rem;margin:.3rem 0}.mark{background:#ffebe9}\
.finding{border:1px solid #d0d7de;border-radius:.4rem;padding:.5rem .8rem;margin:.6rem 0}code{font-size:.88em}.hash{overflow-wrap:anywhere}.muted{color:#57606a}span.waived,span.accepted{padding:0 .35rem;border-radius:.3rem;font-size:.85em}\
@media print{@page{margin:15mm}body{margin:0;max-width:none;padding:0;font-size:10pt;color:#000}\
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}h2,h3{break-after:avoid}.finding,tr,pre{break-inside:avoid}\
pre{white-space:pre-wrap;overflow:visible}a{color:inherit;text-decoration:none}a[href]::after{content:' <' attr(href) '>';font-size:.85em;color:#57606a}}";

/// The page's Content-Security-Policy: nothing may load or run; the one inline stylesheet is
/// allowed by its SHA-256, so a style injected into the page (or the stylesheet altered) is
/// refused by the browser.
#[must_use]
pub fn content_security_policy() -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(STYLE.as_bytes());
    format!(
        "default-src 'none'; style-src 'sha256-{}'; img-src 'none'; base-uri 'none'; form-action 'none'",
        base64(&digest)
    )
}

/// Standard base64 with padding (RFC 4648 §4), for the CSP hash source.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Text from a document, a pack, a config or a file name: characters that could disguise it
/// are shown as escapes, then the template escapes it for HTML.
struct Text<'a>(&'a str);

impl Render for Text<'_> {
    fn render_to(&self, buffer: &mut String) {
        let shown: Cow<'_, str> = if self.0.chars().any(crate::text::is_unsafe_char) {
            let mut out = String::with_capacity(self.0.len() + 8);
            for c in self.0.chars() {
                if crate::text::is_unsafe_char(c) {
                    let _ = write!(out, "\\u{{{:x}}}", c as u32);
                } else {
                    out.push(c);
                }
            }
            Cow::Owned(out)
        } else {
            Cow::Borrowed(self.0)
        };
        shown.as_ref().render_to(buffer);
    }
}

fn t(text: &str) -> Text<'_> {
    Text(text)
}

/// A link target, when the URL is an http(s) address: anything else (`javascript:`, `data:`, a
/// relative path) is shown as text, never made a link.
fn web_url(url: &str) -> Option<&str> {
    let scheme = url.split_once("://").map(|(scheme, _)| scheme)?;
    (scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")).then_some(url)
}

/// `:12` for a line, nothing without one.
fn at_line(line: Option<u32>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

fn status_class(status: Status) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn verdict_text(record: &Record) -> (&'static str, String) {
    match (record.passed, record.accepted.is_empty()) {
        (true, true) => ("pass", "PASSED".to_owned()),
        (true, false) => ("pass", format!("PASSED with {}", accepted_count(record.accepted.len()))),
        (false, _) => ("fail", "NOT PASSED".to_owned()),
    }
}

/// The title, the overall verdict and why it did not pass.
fn verdict(record: &Record) -> Markup {
    let (class, text) = verdict_text(record);
    markup! {
        h1 { "Protective-security review gate: end of RIBA stage " (record.stage) " (" (t(&record.stage_name)) ")" }
        p.muted {
            "standoff " (t(&record.tool_version)) " · judged as of " (t(&record.as_of))
            " · every rule due by the end of stage " (record.stage) " at its own severity"
        }
        p { span.verdict.(class) #verdict { (text) } }
        @for reason in &record.reasons {
            p.fail-reason { strong { "Not passed:" } " " (t(reason)) }
        }
    }
}

fn projects(record: &Record) -> Markup {
    markup! {
        h2 #projects { "Verdict by project" }
        table {
            tr { th { "Project" } th { "Declared stage" } th { "Verdict" } th { "Errors" } th { "Warnings" } th { "Info" } th { "Waived" } }
            @for p in &record.projects {
                tr {
                    td { (t(&p.name)) }
                    td { @match p.declared_stage { Some(s) => (s), None => "unknown" } }
                    @if p.passed { td.met { "passed" } } @else { td.not-met { "not passed" } }
                    td { (p.counts.error) } td { (p.counts.warning) } td { (p.counts.info) } td { (p.waived) }
                }
            }
        }
    }
}

fn by_pack(record: &Record) -> Markup {
    markup! {
        h3 { "Findings by pack" }
        table {
            tr { th { "Pack" } th { "Errors" } th { "Warnings" } th { "Info" } }
            @for (pack, c) in &record.counts_by_pack {
                tr { td { (t(pack)) } td { (c.error) } td { (c.warning) } td { (c.info) } }
            }
            tr { th { "Total" } th { (record.counts.error) } th { (record.counts.warning) } th { (record.counts.info) } }
        }
    }
}

fn matrix(record: &Record) -> Markup {
    markup! {
        h2 #sources { "Compliance by source" }
        table {
            tr { th { "Source" } th { "Confidence" } th { "Status" } th { "Rules" } }
            @for row in &record.matrix {
                tr {
                    td {
                        @if let Some(url) = web_url(&row.url) {
                            a href=(t(url)) rel="noopener noreferrer" { (t(&row.source)) }
                        } @else {
                            (t(&row.source))
                        }
                    }
                    td { (t(&row.confidence.join(", "))) }
                    td class=(status_class(row.status)) { (row.status.label()) }
                    td {
                        @for (i, (id, status)) in row.rules.iter().enumerate() {
                            @if i > 0 { br; }
                            code { (t(id)) } " " (status.label())
                        }
                    }
                }
            }
        }
    }
}

fn finding(f: &FindingRecord) -> Markup {
    let at = f
        .line
        .map(|l| format!(":{l}:{}", f.column.unwrap_or(1)))
        .unwrap_or_default();
    markup! {
        div.finding {
            div {
                span class=(f.severity.as_str()) { (f.severity.as_str()) } " "
                code { (t(&f.rule)) }
                @if !f.title.is_empty() { " " strong { (t(&f.title)) } }
                @if f.waived { " " span.waived { "waived" } }
                @if f.accepted { " " span.accepted { "accepted residual risk" } }
            }
            div {
                code { (t(&f.file)) (at) }
                @if let Some(project) = &f.project { " " span.muted { "project " (t(project)) } }
            }
            div { (t(&f.message)) }
            @if !f.snippet.is_empty() {
                pre {
                    @for (n, line) in &f.snippet {
                        @if f.start.is_some_and(|s| s.line == *n) {
                            span.mark { (format!("{n:>5}")) " │ " (t(line)) } "\n"
                        } @else {
                            (format!("{n:>5}")) " │ " (t(line)) "\n"
                        }
                    }
                }
            }
            @if let Some(help) = &f.help { div.muted { (t(help)) } }
        }
    }
}

/// The findings by severity, errors first; in each group the findings that count come before
/// the waived and accepted ones, otherwise in the record's order.
fn findings(record: &Record) -> Markup {
    let groups = [
        (Severity::Error, "Errors"),
        (Severity::Warning, "Warnings"),
        (Severity::Info, "Info"),
    ]
    .map(|(severity, heading)| {
        let mut group: Vec<&FindingRecord> = record.findings.iter().filter(|f| f.severity == severity).collect();
        group.sort_by_key(|f| f.waived || f.accepted);
        (severity, heading, group)
    });
    markup! {
        h2 #findings { "Findings" }
        @if record.findings.is_empty() { p { "No findings." } }
        @for (severity, heading, group) in &groups {
            @if !group.is_empty() {
                @let set_aside = group.iter().filter(|f| f.waived || f.accepted).count();
                h3 class=(severity.as_str()) {
                    (heading) " (" (group.len())
                    @if set_aside > 0 { ", " (set_aside) " waived or accepted" }
                    ")"
                }
                @for f in group { (finding(f)) }
            }
        }
    }
}

fn accepted(record: &Record) -> Markup {
    markup! {
        h2 #accepted { "Accepted residual risks" }
        @if record.accepted.is_empty() {
            p { "None." }
        } @else {
            table {
                tr { th { "Risk" } th { "Owner" } th { "Accepted on" } th { "Rule" } th { "Severity" } th { "Where" } }
                @for a in &record.accepted {
                    tr {
                        td { (t(&a.risk)) } td { (t(&a.owner)) } td { (t(&a.date)) } td { code { (t(&a.rule)) } }
                        td { (a.severity.as_str()) } td { (t(&a.file)) (at_line(a.line)) }
                    }
                }
            }
        }
    }
}

fn waivers(record: &Record) -> Markup {
    markup! {
        h2 #waivers { "Waivers in force" }
        @if record.waivers.is_empty() {
            p { "None." }
        } @else {
            table {
                tr { th { "Rule" } th { "Where" } th { "Reason" } th { "Approver" } th { "Until" } th { "Written in" } }
                @for w in &record.waivers {
                    tr {
                        td { code { (t(&w.rule)) } } td { (t(&w.file)) (at_line(w.line)) } td { (t(&w.reason)) }
                        td { (t(w.approver.as_deref().unwrap_or("not named"))) }
                        td { (t(w.until.as_deref().unwrap_or("no expiry"))) }
                        td { (t(&w.origin)) }
                    }
                }
            }
        }
    }
}

/// What the gate disregarded of the submission's settings, as a list a case officer can read.
fn disregarded(d: &Disregarded) -> Markup {
    let any = !d.files_check_would_skip.is_empty()
        || !d.links_not_followed.is_empty()
        || !d.packs_not_replacing.is_empty()
        || !d.limits_capped.is_empty()
        || d.config_stage.is_some()
        || d.rule_filters
        || d.follow_symlinks;
    markup! {
        @if any {
            p { "Disregarded at the gate:" }
            ul {
                @for path in &d.files_check_would_skip {
                    li { code { (t(path)) } " is skipped by " code { "check" } " (an ignore file or the config's excludes); judged here" }
                }
                @for path in &d.links_not_followed { li { "symbolic link " code { (t(path)) } " not followed" } }
                @for pack in &d.packs_not_replacing {
                    li { "extra pack " (t(pack)) " not loaded: it would replace the built-in pack of that name" }
                }
                @for limit in &d.limits_capped { li { "config limit " (t(limit)) } }
                @if let Some(stage) = d.config_stage {
                    li { "the config's " code { "stage: " (stage) } " (the gate's stage applies)" }
                }
                @if d.rule_filters { li { "the config's rule selection, ignores and severity overrides" } }
                @if d.follow_symlinks {
                    li { "the config's " code { "follow-symlinks: true" } " (links are followed only inside the tree)" }
                }
            }
        } @else {
            p { "Nothing in the submission's settings was disregarded." }
        }
    }
}

fn judged(record: &Record) -> Markup {
    markup! {
        h2 #judged { "What was judged" }
        p {
            "standoff " (t(&record.tool_version)) ", every rule due by the end of RIBA stage " (record.stage)
            " (" (t(&record.stage_name)) "), as of " (t(&record.as_of)) "."
        }
        @if let Some(c) = &record.config {
            p {
                "Config " code { (t(&c.path)) } ", SHA-256 " code.hash { (t(&c.sha256)) }
                ". Baselines are not used at the gate, nor the config's rule selection."
            }
        } @else {
            p { "No config file. Baselines are not used at the gate." }
        }
        @if let Some(w) = &record.waiver_file {
            p { "Waiver file " code { (t(&w.path)) } ", SHA-256 " code.hash { (t(&w.sha256)) } "." }
        } @else {
            p { "No waiver file." }
        }
        (disregarded(&record.disregarded))
        table {
            tr { th { "Pack" } th { "Version" } th { "Rules" } th { "From" } th { "SHA-256" } }
            @for p in &record.packs {
                tr {
                    td { (t(&p.name)) } td { (t(&p.version)) } td { (p.rules) } td { (t(&p.origin)) }
                    td { code.hash { (t(&p.sha256)) } }
                }
            }
        }
        (by_pack(record))
        table {
            tr { th { "Input file" } th { "Bytes" } th { "SHA-256" } }
            @for input in &record.inputs {
                tr {
                    td { (t(&input.path)) } td { (input.bytes) }
                    td { code.hash { (t(input.sha256.as_deref().unwrap_or("not read"))) } }
                }
            }
        }
    }
}

/// The self-contained HTML report (one inline stylesheet: no scripts, no external assets).
#[must_use]
pub fn html(record: &Record) -> String {
    let page = markup! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(content_security_policy());
                meta name="referrer" content="no-referrer";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "standoff review gate: stage " (record.stage) " (" (t(&record.stage_name)) ")" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                // The order a case officer reads in (issue 14): the verdict, what fails it, what
                // was set aside and by whom, what was judged, and the sources last.
                (verdict(record))
                (projects(record))
                (findings(record))
                (waivers(record))
                (accepted(record))
                (judged(record))
                (matrix(record))
            }
        }
    };
    let mut text = page.into_string();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::base64;

    #[test]
    fn base64_matches_rfc_4648() {
        for (input, expected) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), expected);
        }
    }
}
