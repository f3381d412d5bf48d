//! The human report: miette's graphical handler, one diagnostic per finding, then a summary.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode,
    SourceSpan, SpanContents,
};

use super::HumanOptions;
use crate::engine::Checked;
use crate::model::finding::{FileId, Finding, Severity};
use crate::rules::RuleSet;
use crate::text::{plural, quote, sanitize_source, terminal, terminal_line};

/// A file's text under its display name, for miette, without copying the text.
pub struct NamedText<'a> {
    pub name: &'a str,
    pub text: &'a str,
}

impl SourceCode for NamedText<'_> {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.to_owned(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

fn source_span(span: crate::yaml::Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len() as usize)
}

/// One finding as a miette diagnostic.
struct Rendered<'a> {
    finding: &'a Finding,
    source: Option<NamedText<'a>>,
    /// Related locations in other files, as nested advice.
    elsewhere: Vec<RelatedElsewhere<'a>>,
}

struct RelatedElsewhere<'a> {
    source: NamedText<'a>,
    span: crate::yaml::Span,
    message: &'a str,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendered")
            .field("rule", &self.finding.rule)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Rendered<'_> {}

impl Diagnostic for Rendered<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.finding.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.source.as_ref()?;
        let span = self.finding.span?;
        let primary = LabeledSpan::new_primary_with_span(self.finding.label.clone(), source_span(span));
        let same_file = self
            .finding
            .related
            .iter()
            .filter(|r| r.file == self.finding.file)
            .map(|r| LabeledSpan::new_with_span(Some(r.message.clone()), source_span(r.span)));
        Some(Box::new(std::iter::once(primary).chain(same_file)))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.elsewhere.is_empty() {
            return None;
        }
        Some(Box::new(self.elsewhere.iter().map(|r| r as &dyn Diagnostic)))
    }
}

impl fmt::Debug for RelatedElsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl fmt::Display for RelatedElsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl std::error::Error for RelatedElsewhere<'_> {}

impl Diagnostic for RelatedElsewhere<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_primary_with_span(
            Some(self.message.to_owned()),
            source_span(self.span),
        ))))
    }
}

/// The handler used for every human rendering (findings and the tool's own errors).
#[must_use]
pub fn handler(color: bool, width: usize) -> GraphicalReportHandler {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Lines break at spaces only, and a word longer than the line is not cut: an address
    // (a source's URL, a path) stays whole, so it can be opened or copied from the terminal.
    GraphicalReportHandler::new_themed(theme)
        .with_width(width)
        .with_links(false)
        .with_word_separator(textwrap::WordSeparator::AsciiSpace)
        .with_word_splitter(textwrap::WordSplitter::NoHyphenation)
        .with_break_words(false)
}

/// A finding with every text miette prints escaped for the terminal ([`terminal`]): the
/// message, label, help and related messages come from documents, rule packs (which may come
/// from disk) and waiver files.
fn escaped(finding: &Finding) -> Finding {
    let mut f = finding.clone();
    if let Cow::Owned(rule) = terminal_line(&f.rule) {
        f.rule = Cow::Owned(rule);
    }
    f.message = terminal(&f.message).into_owned();
    f.label = f.label.map(|l| terminal(&l).into_owned());
    f.help = f.help.map(|h| terminal(&h).into_owned());
    for related in &mut f.related {
        related.message = terminal(&related.message).into_owned();
    }
    f
}

/// A waived or accepted finding marked so: its id is followed by `(waived)` or `(accepted)`,
/// and a waived one is shown as advice, with the waiver's reason, approver and expiry (an
/// accepted one already names its residual risk in its message), so neither reads as live.
fn marked(finding: &Finding) -> Cow<'_, Finding> {
    if let Some(waiver) = &finding.waiver {
        let mut f = finding.clone();
        f.rule = Cow::Owned(format!("{} (waived)", finding.rule));
        f.severity = Severity::Info;
        let approver = waiver
            .approver
            .as_ref()
            .map(|a| format!(", approved by {a}"))
            .unwrap_or_default();
        let until = waiver.until.map(|u| format!(", until {u}")).unwrap_or_default();
        f.message = format!("{} (waived: {}{approver}{until})", finding.message, waiver.reason);
        return Cow::Owned(f);
    }
    if finding.accepted.is_some() {
        let mut f = finding.clone();
        f.rule = Cow::Owned(format!("{} (accepted)", finding.rule));
        return Cow::Owned(f);
    }
    Cow::Borrowed(finding)
}

/// Writes every finding, then the summary.
pub fn write(checked: &Checked, rules: &RuleSet, options: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let handler = handler(options.color, options.width);
    let mut sanitized: HashMap<FileId, Cow<'_, str>> = HashMap::new();
    for finding in &checked.findings {
        for file in std::iter::once(finding.file).chain(finding.related.iter().map(|r| r.file)) {
            if let Some(source) = checked.files.get(file.0 as usize) {
                sanitized.entry(file).or_insert_with(|| sanitize_source(&source.text));
            }
        }
    }
    // File names are escaped like any other text: miette prints them in the snippet header.
    let shown_names: Vec<Cow<'_, str>> = checked.files.iter().map(|s| terminal_line(&s.path)).collect();
    let named = |file: FileId| -> Option<NamedText<'_>> {
        let text = sanitized.get(&file)?;
        Some(NamedText {
            name: shown_names.get(file.0 as usize)?,
            text,
        })
    };
    let path_of = |file: FileId| checked.files.get(file.0 as usize).map_or("?", |s| s.path.as_str());
    for original in &checked.findings {
        let escaped_finding = escaped(&marked(original));
        let finding = &escaped_finding;
        let has_text = checked
            .files
            .get(finding.file.0 as usize)
            .is_some_and(|s| !s.text.is_empty());
        let source = if finding.span.is_some() && has_text {
            named(finding.file)
        } else {
            None
        };
        let elsewhere = finding
            .related
            .iter()
            .filter(|r| r.file != finding.file)
            .filter_map(|r| {
                Some(RelatedElsewhere {
                    source: named(r.file)?,
                    span: r.span,
                    message: &r.message,
                })
            })
            .collect();
        // The guidance behind a rule goes under its help.
        let with_source;
        let first_source = rules.get(&original.rule).and_then(|r| Some((r, r.sources.first()?)));
        let finding = match first_source {
            Some((rule, s)) => {
                let mut f = finding.clone();
                let clause = s.clause.as_ref().map(|c| format!(", {c}")).unwrap_or_default();
                // The publisher's address, never a path that exists only in standoff's checkout.
                let url = crate::report::rule_docs::source_url(rules, rule, &s.url);
                let line = terminal(&format!("source: {}{clause} ({url})", s.title)).into_owned();
                f.help = Some(f.help.map_or(line.clone(), |h| format!("{h}\n{line}")));
                with_source = f;
                &with_source
            }
            None => finding,
        };
        let rendered = Rendered {
            finding,
            source,
            elsewhere,
        };
        let mut text = String::new();
        if rendered.source.is_none() {
            // No snippet to carry the file name: say where, in the message.
            let mut bare = finding.clone();
            bare.message = format!("{}: {}", quote(path_of(finding.file)), finding.message);
            let bare_rendered = Rendered {
                finding: &bare,
                source: None,
                elsewhere: Vec::new(),
            };
            handler
                .render_report(&mut text, &bare_rendered)
                .map_err(io::Error::other)?;
        } else {
            handler.render_report(&mut text, &rendered).map_err(io::Error::other)?;
        }
        // Without colour, nothing in the rendering may be a control character: a last pass
        // catches anything miette itself passed through.
        let text = if options.color {
            Cow::Borrowed(text.as_str())
        } else {
            terminal(&text)
        };
        out.write_all(text.as_bytes())?;
        writeln!(out)?;
    }
    if !options.quiet {
        write_summary(checked, options, out)?;
    }
    Ok(())
}

/// `--output-format concise`: one line per finding, `path:line:col: severity RULE-ID message`
/// (as ruff's), waived findings left out, an accepted one marked; then the summary.
pub fn write_concise(checked: &Checked, options: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    for original in checked.findings.iter().filter(|f| f.waiver.is_none()) {
        let finding = marked(original);
        let path = checked
            .files
            .get(finding.file.0 as usize)
            .map_or("?", |s| s.path.as_str());
        let at = super::positions(checked, original).map_or_else(
            || ":1:1".to_owned(),
            |(start, _)| format!(":{}:{}", start.line, start.column),
        );
        let line = format!(
            "{}{at}: {} {} {}",
            terminal_line(path),
            finding.severity,
            terminal_line(&finding.rule),
            terminal_line(&finding.message)
        );
        writeln!(out, "{line}")?;
    }
    if !options.quiet {
        write_summary(checked, options, out)?;
    }
    Ok(())
}

pub(crate) fn write_summary(checked: &Checked, options: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let s = &checked.summary;
    let reported_projects = checked.projects.projects.iter().enumerate().filter(|(p, _)| {
        checked.documents.iter().enumerate().any(|(d, doc)| {
            checked.projects.membership.get(d).copied().flatten() == Some(*p) && checked.is_reported(doc.file)
        })
    });
    for (_, project) in reported_projects {
        let stage = project.stage.map_or_else(
            || "stage unknown: its Project document is invalid".to_owned(),
            |stage| match project.declared_stage {
                Some(declared) if declared != stage => {
                    format!("judged at stage {stage}, declared {}", declared.number())
                }
                _ => format!("stage {stage}"),
            },
        );
        writeln!(out, "project {}: {stage}", quote(&project.name))?;
    }
    let mut skipped = Vec::new();
    if s.skipped_documents > 0 {
        skipped.push(plural(
            s.skipped_documents,
            "other YAML document",
            "other YAML documents",
        ));
    }
    if s.empty_files > 0 {
        skipped.push(plural(s.empty_files, "empty file", "empty files"));
    }
    let mut notes = Vec::new();
    if !skipped.is_empty() {
        notes.push(format!("skipped: {}", skipped.join(", ")));
    }
    if s.context_files > 0 {
        notes.push(format!(
            "{} loaded for context",
            plural(s.context_files, "other file", "other files")
        ));
    }
    let skipped = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    let counts = &s.findings;
    let time = options
        .elapsed
        .map(|d| format!(" in {:.2}s", d.as_secs_f64()))
        .unwrap_or_default();
    let accepted = super::set_apart(s);
    writeln!(
        out,
        "checked {}, {}{skipped}: {}, {}, {}{accepted}{time}",
        plural(s.files, "file", "files"),
        plural(s.documents, "design document", "design documents"),
        plural(counts.error, "error", "errors"),
        plural(counts.warning, "warning", "warnings"),
        plural(counts.info, "info", "info"),
    )
}
