//! Each rule's own page (`docs/rules/<ID>.md`), its SARIF `name`, `help.markdown` and
//! `helpUri`: all from the rule file, so the page a code-scanning alert links to says what
//! `standoff explain` says. The pages are generated (`tests/ci_formats.rs` fails when one is
//! stale and rewrites them with `STANDOFF_UPDATE_DOCS=1`).

use std::fmt::Write as _;

use crate::rules::{Rule, RuleSet, RuleStage};

/// Where the repository's files are published: a source or page of this repository is linked
/// here, so help text never names a file that exists only in a checkout.
pub const REPOSITORY_BLOB: &str = "https://github.com/standoff-dev/standoff/blob/main/";

/// The folder of the generated pages, in the repository.
pub const RULE_DOCS_DIR: &str = "docs/rules";

/// The address of a built-in rule's page.
#[must_use]
pub fn help_uri(id: &str) -> String {
    format!("{REPOSITORY_BLOB}{RULE_DOCS_DIR}/{id}.md")
}

/// Whether the rule is one of the built-in packs' (and so has a page).
#[must_use]
pub fn has_page(set: &RuleSet, rule: &Rule) -> bool {
    set.pack_of(rule).is_some_and(|p| p.origin == crate::rules::BUILT_IN)
}

/// Where a rule's `helpUri` points: its page for a built-in rule; for a pack's from disk, its
/// first `https://` source (it has no page here).
#[must_use]
pub fn rule_uri(set: &RuleSet, rule: &Rule) -> Option<String> {
    if has_page(set, rule) {
        return Some(help_uri(&rule.id));
    }
    rule.sources
        .iter()
        .map(|s| s.url.as_str())
        .find(|u| u.starts_with("http"))
        .map(crate::text::uri_clean)
}

/// A source's address as every output prints it (the terminal's `source:` lines, `explain`,
/// JSON, SARIF, the review gate, the rule pages): `https://` as written; a path in a built-in
/// pack (standoff's own `docs/document-model.md`, which exists only in standoff's repository)
/// on the published repository; a path in a pack from disk as written, since it is the pack
/// author's file in their own repository, which standoff's does not have. Escaped as a URI
/// ([`crate::text::uri_clean`]), so it can stand in a Markdown link.
#[must_use]
pub fn published_url(url: &str, built_in: bool) -> String {
    if url.starts_with("http://") || url.starts_with("https://") || !built_in {
        crate::text::uri_clean(url)
    } else {
        format!(
            "{REPOSITORY_BLOB}{}",
            crate::text::uri_clean(url.trim_start_matches("./"))
        )
    }
}

/// The address of one of `rule`'s sources as every output prints it ([`published_url`]).
#[must_use]
pub fn source_url(set: &RuleSet, rule: &Rule, url: &str) -> String {
    published_url(url, has_page(set, rule))
}

/// A rule's SARIF `name`: its title in `PascalCase` (`ReferenceNamesNoDocumentOrItem`), so
/// viewers that show the name show words, not the id again. An apostrophe joins (`Martyns`).
#[must_use]
pub fn pascal_name(title: &str, id: &str) -> String {
    let source = if title.trim().is_empty() { id } else { title };
    let mut name = String::new();
    for word in source
        .replace(['\'', '\u{2019}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.extend(first.to_uppercase());
            name.push_str(chars.as_str());
        }
    }
    if name.is_empty() || name == id {
        format!("Rule{}", id.replace(|c: char| !c.is_alphanumeric(), ""))
    } else {
        name
    }
}

/// Markdown text on one line, with the characters that would start markup escaped.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::text::terminal_line(text.trim()).chars() {
        if matches!(c, '\\' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A paragraph: the lines of a folded YAML text joined, markup left as written (rule text
/// uses backticks for names).
fn paragraph(text: &str) -> String {
    crate::text::terminal(&text.split_whitespace().collect::<Vec<_>>().join(" ")).into_owned()
}

fn sources_markdown(set: &RuleSet, rule: &Rule) -> String {
    let mut out = String::new();
    for s in &rule.sources {
        let clause = s
            .clause
            .as_ref()
            .map(|c| format!(", {}", inline(c)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- [{}]({}){clause} ({})",
            inline(&s.title),
            source_url(set, rule, &s.url),
            s.confidence.as_str()
        );
    }
    out
}

/// `help.markdown`: why, how to fix, the sources as links, and the rule's page if it has one.
#[must_use]
pub fn help_markdown(set: &RuleSet, rule: &Rule) -> String {
    let page = if has_page(set, rule) {
        format!("\n[The rule's page]({})\n", help_uri(&rule.id))
    } else {
        String::new()
    };
    format!(
        "**Why.** {}\n\n**How to fix.** {}\n\n**Sources**\n\n{}{page}",
        paragraph(&rule.why),
        paragraph(&rule.help),
        sources_markdown(set, rule),
    )
}

/// `help.text`: the same, as plain text.
#[must_use]
pub fn help_text(set: &RuleSet, rule: &Rule) -> String {
    let sources: Vec<String> = rule
        .sources
        .iter()
        .map(|s| {
            format!(
                "- {}{} [{}] {}",
                s.title,
                s.clause.as_ref().map(|c| format!(", {c}")).unwrap_or_default(),
                s.confidence.as_str(),
                source_url(set, rule, &s.url)
            )
        })
        .collect();
    format!("{}\n\nSources:\n{}", rule.help.trim(), sources.join("\n"))
}

fn stage_text(stage: RuleStage) -> String {
    match stage {
        RuleStage::Always => "every stage".to_owned(),
        RuleStage::Due(s) => format!("due by the end of RIBA stage {}", s.number()),
    }
}

/// One of a rule's test cases as `explain` shows it: each document's text (as written in the
/// rule file, indented by two), and where it is reported, each place with its document's index
/// as the JSON output numbers documents (from 0).
#[derive(Debug, Default)]
pub struct Example {
    pub documents: Vec<String>,
    pub reported: Vec<(usize, String)>,
}

/// The rule's first test case that is reported (`valid: false`) or that passes (`valid: true`).
#[must_use]
pub fn example(rule: &Rule, valid: bool) -> Option<Example> {
    let case = rule.tests.iter().find(|c| c.valid == valid)?;
    let mut example = Example::default();
    for id in &case.documents {
        example.documents.push(document_text(rule, *id)?);
    }
    example.reported = case
        .expect
        .iter()
        .map(|(d, p, unverified)| {
            let p = if *unverified {
                format!("{p} (cannot verify)")
            } else {
                p.clone()
            };
            (*d, p)
        })
        .collect();
    Some(example)
}

/// A test document's text as written in the rule file: its first line starts after `- `, the
/// rest re-indented by that column; every line indented by two.
fn document_text(rule: &Rule, id: u32) -> Option<String> {
    let mut out = String::new();
    let doc = rule.file.yaml.subtree(id)?;
    let span = doc.root().span();
    let text = rule.file.text.get(span.start as usize..span.end as usize)?;
    let line_start = rule
        .file
        .text
        .get(..span.start as usize)?
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let column = span.start as usize - line_start;
    let mut lines = text.lines();
    if let Some(first) = lines.next() {
        let _ = writeln!(out, "  {first}");
    }
    for line in lines {
        let trimmed = match line.get(..column) {
            Some(head) if head.trim().is_empty() => &line[column..],
            _ => line.trim_start(),
        };
        let _ = writeln!(out, "  {trimmed}");
    }
    Some(out)
}

/// The page's reported example: its documents as written, each marked with its index when
/// there are several (from 0, as the JSON report's `document` and `standoff explain` number
/// them), and where it is reported.
fn example_markdown(out: &mut String, example: &Example) {
    let count = example.documents.len();
    let several = count > 1;
    out.push_str("\n## An example that is reported\n\n");
    if several {
        let _ = writeln!(
            out,
            "{count} documents, numbered from 0 as in the JSON report's `document`:\n"
        );
    }
    out.push_str("```yaml\n");
    for (n, text) in example.documents.iter().enumerate() {
        if n > 0 {
            out.push_str("---\n");
        }
        if several {
            let _ = writeln!(out, "# document {n}");
        }
        for line in text.lines() {
            let _ = writeln!(out, "{}", line.strip_prefix("  ").unwrap_or(line));
        }
    }
    out.push_str("```\n");
    if !example.reported.is_empty() {
        let at: Vec<String> = example
            .reported
            .iter()
            .map(|(d, p)| {
                if several {
                    format!("`{p}` (document {d})")
                } else {
                    format!("`{p}`")
                }
            })
            .collect();
        let _ = writeln!(out, "\nReported at {}.", at.join(", "));
    }
}

/// A rule's page, `docs/rules/<ID>.md`.
#[must_use]
pub fn page(set: &RuleSet, rule: &Rule) -> String {
    let pack = set.pack_of(rule).map_or("?", |p| p.name.as_str());
    let kinds: Vec<&str> = rule.kinds.iter().map(|k| k.name()).collect();
    let mut out = format!(
        "<!-- Generated from {} by `STANDOFF_UPDATE_DOCS=1 cargo test --test integration rule_pages`: edit the rule file, not this page. -->\n\n# {}: {}\n\n",
        inline(&rule.file.path),
        inline(&rule.id),
        inline(&rule.title)
    );
    let _ = writeln!(out, "| | |\n|---|---|");
    let _ = writeln!(out, "| Pack | {} |", inline(pack));
    let _ = writeln!(out, "| Severity | {} |", rule.severity);
    let _ = writeln!(out, "| Stage | {} |", stage_text(rule.stage));
    let _ = writeln!(out, "| Reads | {} |", inline(&kinds.join(", ")));
    if !rule.jurisdictions.is_empty() {
        let _ = writeln!(out, "| Applies in | {} |", inline(&rule.jurisdictions.join(", ")));
    }
    if !rule.protects.is_empty() {
        let _ = write!(out, "\n## What it protects against\n\n{}\n", paragraph(&rule.protects));
    }
    let _ = write!(
        out,
        "\n## Why\n\n{}\n\n## How to fix\n\n{}\n\n## Sources\n\n{}",
        paragraph(&rule.why),
        paragraph(&rule.help),
        sources_markdown(set, rule)
    );
    if let Some(example) = example(rule, false) {
        example_markdown(&mut out, &example);
    }
    let _ = writeln!(
        out,
        "\n`standoff explain {}` shows the same in the terminal.",
        inline(&rule.id)
    );
    out
}

/// The folder's index, `docs/rules/README.md`: every built-in rule with its title, pack,
/// severity and stage.
#[must_use]
pub fn index(set: &RuleSet) -> String {
    let mut rules: Vec<&Rule> = set.rules.iter().filter(|r| has_page(set, r)).collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = String::from(
        "<!-- Generated from the rule files by `STANDOFF_UPDATE_DOCS=1 cargo test --test integration rule_pages`. -->\n\n# The built-in rules\n\nEach page says why the rule exists, how to comply, the sources it rests on and an example it reports. `standoff rules` lists them, `standoff explain ID` shows one.\n\n| Rule | Title | Pack | Severity | Stage |\n|---|---|---|---|---|\n",
    );
    for rule in rules {
        let pack = set.pack_of(rule).map_or("?", |p| p.name.as_str());
        let _ = writeln!(
            out,
            "| [{}]({}.md) | {} | {} | {} | {} |",
            inline(&rule.id),
            rule.id,
            inline(&rule.title),
            inline(pack),
            rule.severity,
            stage_text(rule.stage)
        );
    }
    out.push_str("\n## Built-in checks\n\nAlways on, before any rule: the YAML, the envelope, the schema, references, waivers and accepted risks.\n\n| Check | Title | Severity |\n|---|---|---|\n");
    for check in crate::checks::BUILTIN_CHECKS {
        let _ = writeln!(
            out,
            "| [{}]({}.md) | {} | {} |",
            inline(check.id),
            check.id,
            inline(check.title),
            check.severity.as_str()
        );
    }
    out
}

/// A built-in pack's README (`rules/<pack>/README.md`): what the pack enforces, its sources, and
/// each of its rules with its severity, stage and what it protects against.
#[must_use]
pub fn pack_readme(set: &RuleSet, pack: &crate::rules::Pack) -> String {
    let mut rules: Vec<&Rule> = set
        .rules
        .iter()
        .filter(|r| set.pack_of(r).is_some_and(|p| p.name == pack.name))
        .collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    let mut out = format!(
        "<!-- Generated from the rule files by `STANDOFF_UPDATE_DOCS=1 cargo test --test integration rule_pages`. -->\n\n# {} (`{}` pack, version {})\n\n{}\n\n",
        inline(&pack.title),
        inline(&pack.name),
        inline(&pack.version),
        paragraph(&pack.description)
    );
    let _ = writeln!(
        out,
        "| Rule | Severity | Stage | What it checks | What it protects against |\n|---|---|---|---|---|"
    );
    for rule in rules {
        let protects = if rule.protects.is_empty() {
            "see the rule's page".to_owned()
        } else {
            inline(&paragraph(&rule.protects))
        };
        let _ = writeln!(
            out,
            "| [{}](../../{RULE_DOCS_DIR}/{}.md) | {} | {} | {} | {protects} |",
            inline(&rule.id),
            rule.id,
            rule.severity,
            stage_text(rule.stage),
            inline(&rule.title),
        );
    }
    if !pack.sources.is_empty() {
        out.push_str("\n## Sources\n\n");
        for (title, url) in &pack.sources {
            let _ = writeln!(
                out,
                "- [{}]({})",
                inline(title),
                published_url(url, pack.origin == crate::rules::BUILT_IN)
            );
        }
    }
    let _ = writeln!(
        out,
        "\n`standoff rules` lists the rules, `standoff explain ID` shows one; each rule's file in this folder holds its tests."
    );
    out
}

/// A built-in check's page (`SCHEMA-ENUM`, `FILE-READ`, …): what it catches, why and how to
/// fix it. Code scanning links each finding to its rule's page, checks included.
#[must_use]
pub fn check_page(check: &crate::checks::BuiltinCheck) -> String {
    let severity = check.severity_note.map_or_else(
        || check.severity.as_str().to_owned(),
        |note| format!("{} ({note})", check.severity.as_str()),
    );
    format!(
        "<!-- Generated from src/checks.rs by `STANDOFF_UPDATE_DOCS=1 cargo test --test integration rule_pages`: edit the check there, not this page. -->\n\n# {}: {}\n\n| | |\n|---|---|\n| Kind | built-in check (always on) |\n| Severity | {} |\n\n## Why\n\n{}\n\n## How to fix\n\n{}\n\n`standoff explain {}` shows the same in the terminal.\n",
        inline(check.id),
        inline(check.title),
        inline(&severity),
        paragraph(check.why),
        paragraph(check.help),
        inline(check.id),
    )
}

/// Every rule's page: (file name, text), in id order, then the index (`README.md`).
#[must_use]
pub fn pages(set: &RuleSet) -> Vec<(String, String)> {
    let mut pages: Vec<(String, String)> = set
        .rules
        .iter()
        .filter(|rule| has_page(set, rule))
        .map(|rule| (format!("{}.md", rule.id), page(set, rule)))
        .chain(
            crate::checks::BUILTIN_CHECKS
                .iter()
                .map(|check| (format!("{}.md", check.id), check_page(check))),
        )
        .collect();
    pages.sort();
    pages.push(("README.md".to_owned(), index(set)));
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_print_at_the_address_their_reader_can_open() {
        // standoff's own docs, cited by a built-in pack: on the published repository.
        assert_eq!(
            published_url("docs/document-model.md#references", true),
            "https://github.com/standoff-dev/standoff/blob/main/docs/document-model.md#references"
        );
        assert_eq!(
            published_url("./docs/document-model.md", true),
            "https://github.com/standoff-dev/standoff/blob/main/docs/document-model.md"
        );
        // A path in a pack from disk is the pack author's, in their repository: as written,
        // never turned into an address of standoff's repository.
        assert_eq!(published_url("docs/our-standard.md", false), "docs/our-standard.md");
        // A web address as written, escaped for a Markdown link.
        for built_in in [true, false] {
            assert_eq!(
                published_url("https://www.npsa.gov.uk/hostile-vehicle-mitigation-hvm", built_in),
                "https://www.npsa.gov.uk/hostile-vehicle-mitigation-hvm"
            );
            assert_eq!(
                published_url("https://example.org/a guide (2024).pdf", built_in),
                "https://example.org/a%20guide%20(2024).pdf"
            );
        }
    }

    #[test]
    fn every_built_in_source_has_a_published_address() {
        let set = crate::rules::load(crate::rules::builtin_packs()).unwrap();
        let mut relative = 0;
        for rule in &set.rules {
            for source in &rule.sources {
                let url = source_url(&set, rule, &source.url);
                let web = |u: &str| u.starts_with("https://") || u.starts_with("http://");
                assert!(web(&url), "{}: {url}", rule.id);
                if web(&source.url) {
                    // A publisher's address is printed as the rule file writes it.
                    assert_eq!(url, source.url, "{}", rule.id);
                } else {
                    relative += 1;
                    assert!(url.starts_with(REPOSITORY_BLOB), "{}: {url}", rule.id);
                }
            }
        }
        assert!(relative > 0, "no built-in source is one of standoff's own docs");
    }
}
