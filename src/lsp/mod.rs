//! `standoff lsp`: the language server. While documents are edited it publishes the findings
//! `check` would report for them, judged with their whole tree as context (the pre-commit
//! case) and with every open editor's unsaved text in the place of its file: on open and save
//! at once, on change after a pause (a debounce, so typing is not judged key by key). Hover on a
//! finding explains its rule; code actions insert an inline waiver to be given its reason, and
//! apply the fixes that are certain (a near-miss key, a kind or allowed value with one clear
//! match).
//!
//! Built on `lsp-server`'s messages and `lsp-types`: a judgement is synchronous work on a tree,
//! so one thread and a message loop with a timeout are all a debounce needs
//! (docs/dependencies.md). The framing is our own (`transport`), bounded and tolerant of a
//! malformed message.

mod position;
mod transport;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender};
use lsp_server::{Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument, Notification as _,
    PublishDiagnostics, ShowMessage,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams, CodeActionProviderCapability,
    CodeDescription, Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams, Hover, HoverContents,
    HoverParams, HoverProviderCapability, InitializeParams, Location, MarkupContent, MarkupKind, MessageType,
    NumberOrString, Position, PublishDiagnosticsParams, Range, SaveOptions, ServerCapabilities, ServerInfo,
    ShowMessageParams, TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
};

use crate::app::input::Buffer;
use crate::app::judge::{self, JudgeRequest, Judgement};
use crate::error::ToolError;
use crate::model::finding::{Finding, Severity};
use position::{Encoding, Lines};
use transport::{Incoming, Outgoing};

/// How long the text must rest after a change before it is judged.
const DEBOUNCE: Duration = Duration::from_millis(300);

/// What the server is started with.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Options {
    /// The date used for "today" (`--as-of`); the system date when `None`.
    pub(crate) as_of: Option<crate::date::Date>,
}

/// Serves the protocol on standard input and output until the client says `exit`. Returns
/// whether the session ended as the protocol asks (`shutdown`, then `exit`): the exit code is 0
/// then, 1 otherwise.
pub(crate) fn serve_stdio(options: Options) -> Result<bool, ToolError> {
    let (sender, receiver, threads) = transport::stdio();
    let clean = serve(&sender, &receiver, options)?;
    drop(sender);
    threads
        .join()
        .map_err(|e| ToolError::message(format!("the language server could not write its output: {e}")))?;
    Ok(clean)
}

/// Serves the protocol on a pair of channels until `exit` or the end of the input.
pub(crate) fn serve(
    sender: &Sender<Outgoing>,
    receiver: &Receiver<Incoming>,
    options: Options,
) -> Result<bool, ToolError> {
    let mut server = Server {
        sender,
        receiver,
        state: State::Uninitialized,
        encoding: Encoding::Utf16,
        options,
        documents: BTreeMap::new(),
        published: BTreeMap::new(),
        due: None,
        errors: BTreeMap::new(),
    };
    server.run()
}

/// Where the session is (LSP's lifecycle).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Uninitialized,
    Running,
    /// `shutdown` was answered: only `exit` is expected.
    ShuttingDown,
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
            open_close: Some(true),
            change: Some(TextDocumentSyncKind::FULL),
            save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                include_text: Some(true),
            })),
            ..TextDocumentSyncOptions::default()
        })),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// An open document: the client's URI, its path, and the text as the editor has it.
struct Open {
    uri: Uri,
    path: PathBuf,
    /// The path resolved (links, `..`), to find the document's findings among the tree's.
    canonical: Option<PathBuf>,
    text: String,
    version: i32,
}

/// A finding as published, kept for hover and code actions.
struct Published {
    diagnostic: Diagnostic,
    rule: String,
    /// The rule's explanation, in Markdown.
    explanation: String,
    /// A certain fix: the range and its new text.
    fix: Option<(Range, String)>,
    /// Whether an inline waiver may hide it (load errors are never waived).
    waivable: bool,
}

impl Open {
    /// The tree it is judged in (its nearest `standoff.yaml`, `None` for none), when it is
    /// judged: a file of a tree, or one that names standoff (a design document, or a near miss
    /// of one, outside any tree). Other YAML (a CI file in a repository without standoff) is left
    /// alone, so the walk of its repository is not paid at every keystroke.
    #[allow(
        clippy::option_option,
        reason = "outer: whether it is judged; inner: its tree's config, the key trees are grouped by (none: the defaults)"
    )]
    fn tree(&self) -> Option<Option<PathBuf>> {
        let canonical = self.canonical.as_ref().filter(|c| c.is_file())?;
        let tree = crate::app::config::discover(canonical);
        (tree.is_some() || self.text.contains("standoff")).then_some(tree)
    }
}

struct Server<'c> {
    sender: &'c Sender<Outgoing>,
    receiver: &'c Receiver<Incoming>,
    state: State,
    encoding: Encoding,
    options: Options,
    /// By the client's URI text.
    documents: BTreeMap<String, Open>,
    published: BTreeMap<String, Vec<Published>>,
    /// When the open documents are next judged (a change waits for the debounce).
    due: Option<Instant>,
    /// The error judging a tree met (a bad config), by the tree's config: shown once until it
    /// changes, and that tree's findings kept meanwhile.
    errors: BTreeMap<Option<PathBuf>, String>,
}

/// A message loop step: an error ends the server (the client has gone).
type Sent = Result<(), ToolError>;

impl Server<'_> {
    /// The message loop; returns whether the session ended with `shutdown` then `exit`.
    fn run(&mut self) -> Result<bool, ToolError> {
        loop {
            let incoming = match self.due {
                Some(due) => match self
                    .receiver
                    .recv_timeout(due.saturating_duration_since(Instant::now()))
                {
                    Ok(incoming) => Some(incoming),
                    Err(e) if e.is_timeout() => None,
                    Err(_) => return Ok(false),
                },
                None => match self.receiver.recv() {
                    Ok(incoming) => Some(incoming),
                    Err(_) => return Ok(false),
                },
            };
            let Some(incoming) = incoming else {
                self.due = None;
                self.judge_open_documents()?;
                continue;
            };
            let message = match incoming {
                Incoming::Message(message) => message,
                Incoming::Malformed(why) => {
                    self.sender
                        .send(Outgoing::ParseError(why))
                        .map_err(|_| ToolError::message("language server: the client has gone"))?;
                    continue;
                }
            };
            match message {
                Message::Request(request) => self.request(request)?,
                Message::Notification(notification) if notification.method == "exit" => {
                    return Ok(self.state == State::ShuttingDown);
                }
                Message::Notification(notification) => {
                    if self.state == State::Running {
                        self.notification(notification)?;
                    }
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, message: impl Into<Message>) -> Sent {
        self.sender
            .send(Outgoing::Message(message.into()))
            .map_err(|_| ToolError::message("language server: the client has gone"))
    }

    fn refuse(&self, id: RequestId, code: lsp_server::ErrorCode, message: impl Into<String>) -> Sent {
        self.send(Response::new_err(id, code as i32, message.into()))
    }

    fn request(&mut self, request: Request) -> Sent {
        let id = request.id.clone();
        match (self.state, request.method.as_str()) {
            (State::Uninitialized, "initialize") => self.initialize(request),
            (State::Uninitialized, _) => self.refuse(
                id,
                lsp_server::ErrorCode::ServerNotInitialized,
                "the server is not initialized",
            ),
            (State::ShuttingDown, _) => self.refuse(
                id,
                lsp_server::ErrorCode::InvalidRequest,
                "the server is shutting down: only exit is expected",
            ),
            (State::Running, "initialize") => self.refuse(
                id,
                lsp_server::ErrorCode::InvalidRequest,
                "the server is already initialized",
            ),
            (State::Running, "shutdown") => {
                self.state = State::ShuttingDown;
                self.send(Response::new_ok(id, serde_json::Value::Null))
            }
            (State::Running, HoverRequest::METHOD) => {
                self.flush()?;
                let result = params::<HoverParams>(request.params, &request.method).map(|p| self.hover(&p));
                self.respond(id, result)
            }
            (State::Running, CodeActionRequest::METHOD) => {
                self.flush()?;
                let result = params::<CodeActionParams>(request.params, &request.method).map(|p| self.code_actions(&p));
                self.respond(id, result)
            }
            (State::Running, method) => self.refuse(
                id,
                lsp_server::ErrorCode::MethodNotFound,
                format!("standoff does not serve {method}"),
            ),
        }
    }

    /// A judgement still waiting for its pause is made now, so a hover or code action answers
    /// for the text the client has (its changes come before its request).
    fn flush(&mut self) -> Sent {
        if self.due.take().is_some() {
            self.judge_open_documents()?;
        }
        Ok(())
    }

    fn initialize(&mut self, request: Request) -> Sent {
        let id = request.id.clone();
        let params = match params::<InitializeParams>(request.params, &request.method) {
            Ok(params) => params,
            Err(message) => return self.refuse(id, lsp_server::ErrorCode::InvalidParams, message),
        };
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_deref());
        self.encoding = Encoding::negotiate(offered);
        self.state = State::Running;
        self.send(Response::new_ok(
            id,
            serde_json::json!({
                "capabilities": capabilities(self.encoding),
                "serverInfo": ServerInfo { name: "standoff".to_owned(), version: Some(env!("CARGO_PKG_VERSION").to_owned()) },
            }),
        ))
    }

    fn respond<R: serde::Serialize>(&self, id: RequestId, result: Result<R, String>) -> Sent {
        self.send(match result {
            Ok(value) => Response::new_ok(id, value),
            Err(message) => Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, message),
        })
    }

    fn notification(&mut self, notification: Notification) -> Sent {
        match notification.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(params) = params::<DidOpenTextDocumentParams>(notification.params, &notification.method) {
                    let document = params.text_document;
                    if let Some(path) = position::uri_to_path(&document.uri) {
                        let canonical = std::fs::canonicalize(&path).ok();
                        self.documents.insert(
                            document.uri.as_str().to_owned(),
                            Open {
                                uri: document.uri,
                                path,
                                canonical,
                                text: document.text,
                                version: document.version,
                            },
                        );
                        self.due = Some(Instant::now());
                    }
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(params) = params::<DidChangeTextDocumentParams>(notification.params, &notification.method)
                    && let Some(open) = self.documents.get_mut(params.text_document.uri.as_str())
                {
                    // Full sync is what the server asks for; a client that sends ranges anyway
                    // gets them applied in order, so the text never drifts from the editor's.
                    for change in params.content_changes {
                        match change.range {
                            None => open.text = change.text,
                            Some(range) => {
                                let lines = Lines::new(&open.text);
                                let start = lines.offset(range.start, self.encoding);
                                let end = lines.offset(range.end, self.encoding);
                                let (start, end) = (start.min(end), start.max(end));
                                open.text.replace_range(start..end, &change.text);
                            }
                        }
                    }
                    open.version = params.text_document.version;
                    self.due = Some(Instant::now() + DEBOUNCE);
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(params) = params::<DidSaveTextDocumentParams>(notification.params, &notification.method) {
                    if let Some(open) = self.documents.get_mut(params.text_document.uri.as_str()) {
                        if let Some(text) = params.text {
                            open.text = text;
                        }
                        // A file saved for the first time exists now.
                        open.canonical = std::fs::canonicalize(&open.path).ok();
                    }
                    self.due = Some(Instant::now());
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(params) = params::<DidCloseTextDocumentParams>(notification.params, &notification.method) {
                    let key = params.text_document.uri.as_str().to_owned();
                    self.documents.remove(&key);
                    if self.published.remove(&key).is_some() {
                        self.publish(params.text_document.uri, Vec::new(), None)?;
                    }
                    // The others were judged with its unsaved text: judge them with the file.
                    if !self.documents.is_empty() {
                        self.due = Some(Instant::now());
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) -> Sent {
        self.send(Notification::new(
            PublishDiagnostics::METHOD.to_owned(),
            PublishDiagnosticsParams {
                uri,
                diagnostics,
                version,
            },
        ))
    }

    /// Judges every open document that is a file of some tree, tree by tree, each with its
    /// tree as context and every open text in the place of its file, and publishes each one's
    /// findings (an empty list clears what was shown). A tree whose config or packs cannot be
    /// read says so once and keeps what it showed; the other trees are judged as ever.
    fn judge_open_documents(&mut self) -> Sent {
        let mut trees: BTreeMap<Option<PathBuf>, Vec<PathBuf>> = BTreeMap::new();
        for document in self.documents.values() {
            if let (Some(tree), Some(canonical)) = (document.tree(), &document.canonical) {
                trees.entry(tree).or_default().push(canonical.clone());
            }
        }
        let buffers: Vec<Buffer> = self
            .documents
            .values()
            .map(|d| Buffer {
                path: d.canonical.clone().unwrap_or_else(|| d.path.clone()),
                text: d.text.clone().into_bytes(),
            })
            .collect();
        let mut found: BTreeMap<String, Vec<Published>> = BTreeMap::new();
        let mut kept: Vec<String> = Vec::new();
        for (tree, paths) in &trees {
            let request = JudgeRequest {
                paths,
                config: None,
                rules: &[],
                stage: None,
                as_of: self.options.as_of,
                lookahead: false,
                gate: None,
                select: None,
                ignore: Vec::new(),
                verbose: false,
                stdin: None,
                buffers: &buffers,
            };
            match judge::judge(&request) {
                Ok(judgement) => {
                    self.errors.remove(tree);
                    for (uri, items) in self.findings_by_document(&judgement) {
                        found.entry(uri).or_default().extend(items);
                    }
                }
                Err(error) => {
                    let text = error.to_string();
                    if self.errors.get(tree) != Some(&text) {
                        self.send(Notification::new(
                            ShowMessage::METHOD.to_owned(),
                            ShowMessageParams {
                                typ: MessageType::ERROR,
                                message: format!("standoff could not judge the open documents: {text}"),
                            },
                        ))?;
                        self.errors.insert(tree.clone(), text);
                    }
                    kept.extend(
                        self.documents
                            .iter()
                            .filter(|(_, d)| d.canonical.as_ref().is_some_and(|c| paths.contains(c)))
                            .map(|(key, _)| key.clone()),
                    );
                }
            }
        }
        let keys: Vec<String> = self.documents.keys().filter(|k| !kept.contains(k)).cloned().collect();
        for key in keys {
            let items = found.remove(&key).unwrap_or_default();
            let Some(open) = self.documents.get(&key) else { continue };
            let diagnostics = items.iter().map(|p| p.diagnostic.clone()).collect();
            self.publish(open.uri.clone(), diagnostics, Some(open.version))?;
            self.published.insert(key, items);
        }
        Ok(())
    }

    /// The judgement's findings, as diagnostics of the open documents they are in. Waived
    /// findings are left out (as `check` sets them apart); accepted ones show as information.
    fn findings_by_document(&self, judgement: &Judgement) -> BTreeMap<String, Vec<Published>> {
        let checked = &judgement.checked;
        // Each checked file's open document, by the file's index: the file itself as the walk
        // met it (a link to it is a file of its own, as `check` reports it).
        let shown: Vec<(String, &Open)> = self
            .documents
            .values()
            .filter_map(|d| {
                let path = d.canonical.as_ref()?;
                Some((crate::app::walk::display_from(path, &judgement.root), d))
            })
            .collect();
        let open_of: Vec<Option<&Open>> = checked
            .files
            .iter()
            .map(|file| shown.iter().find(|(p, _)| *p == file.path).map(|(_, d)| *d))
            .collect();
        // Per file, once: its lines as the editor counts them, and its scalars' spans.
        let mut files: BTreeMap<u32, (Lines<'_>, Vec<crate::yaml::Span>)> = BTreeMap::new();
        let mut out: BTreeMap<String, Vec<Published>> = BTreeMap::new();
        for finding in &checked.findings {
            if finding.waiver.is_some() || !checked.is_reported(finding.file) {
                continue;
            }
            let Some(Some(open)) = open_of.get(finding.file.0 as usize) else {
                continue;
            };
            let Some(file) = checked.files.get(finding.file.0 as usize) else {
                continue;
            };
            let (lines, scalars) = files.entry(finding.file.0).or_insert_with(|| {
                // Positions count in the editor's text; the engine read it without a
                // byte-order mark.
                let lines = match open.text.strip_prefix('\u{feff}') {
                    Some(rest) if rest == file.text => Lines::shifted(&open.text, 3),
                    _ => Lines::new(&file.text),
                };
                let documents: Vec<&crate::yaml::YamlDocument> = checked
                    .documents
                    .iter()
                    .filter(|d| d.file == finding.file)
                    .map(|d| &d.yaml)
                    .collect();
                (lines, crate::policy::waivers::scalar_spans(&documents))
            });
            let mut published = self.published_finding(judgement, finding, lines, &open_of);
            // An inline waiver goes on its own line above the finding's: never where that line
            // starts inside a scalar (a block or a multi-line quoted value), where it would be
            // text of the value rather than a comment. Scalars do not nest, and the spans are
            // sorted: only the last one starting before the line can hold its start.
            if let Some(span) = finding.span {
                let line_start = file.text[..(span.start as usize).min(file.text.len())]
                    .rfind(['\n', '\r'])
                    .map_or(0, |i| i + 1);
                let offset = u32::try_from(line_start).unwrap_or(u32::MAX);
                let before = scalars.partition_point(|s| s.start < offset);
                let inside = before > 0 && scalars[before - 1].end > offset;
                published.waivable &= !inside;
            }
            out.entry(open.uri.as_str().to_owned()).or_default().push(published);
        }
        out
    }

    fn published_finding(
        &self,
        judgement: &Judgement,
        finding: &Finding,
        lines: &Lines<'_>,
        open_of: &[Option<&Open>],
    ) -> Published {
        let checked = &judgement.checked;
        let range = finding
            .span
            .map_or_else(Range::default, |s| lines.range(s, self.encoding));
        // An accepted finding's message already says who accepted it and when.
        let mut message = finding.message.clone();
        if let Some(help) = &finding.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        let related: Vec<DiagnosticRelatedInformation> = finding
            .related
            .iter()
            .filter_map(|related| {
                let file = checked.files.get(related.file.0 as usize)?;
                let uri = match open_of.get(related.file.0 as usize) {
                    Some(Some(open)) => open.uri.clone(),
                    _ => position::path_to_uri(&absolute(&judgement.root.join(&file.path)))?,
                };
                let range = Lines::new(&file.text).range(related.span, self.encoding);
                Some(DiagnosticRelatedInformation {
                    location: Location::new(uri, range),
                    message: related.message.clone(),
                })
            })
            .collect();
        let rule = judgement.rules.get(&finding.rule);
        let page = match rule {
            Some(rule) => crate::report::rule_docs::rule_uri(&judgement.rules, rule),
            None => crate::checks::builtin_check(&finding.rule).map(|c| crate::report::rule_docs::help_uri(c.id)),
        };
        let href = page.and_then(|u| u.parse::<Uri>().ok());
        let diagnostic = Diagnostic {
            range,
            severity: Some(match finding.severity {
                Severity::Error => DiagnosticSeverity::ERROR,
                Severity::Warning => DiagnosticSeverity::WARNING,
                Severity::Info => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(finding.rule.to_string())),
            code_description: href.map(|href| CodeDescription { href }),
            source: Some("standoff".to_owned()),
            message,
            related_information: (!related.is_empty()).then_some(related),
            ..Diagnostic::default()
        };
        let explanation = match rule {
            Some(rule) => crate::report::rule_docs::help_markdown(&judgement.rules, rule),
            None => crate::checks::builtin_check(&finding.rule).map_or_else(String::new, |check| {
                format!(
                    "**{}**: {}\n\n{}\n\n**How to fix:** {}",
                    check.id, check.title, check.why, check.help
                )
            }),
        };
        let fix = finding
            .fix
            .as_ref()
            .map(|fix| (lines.range(fix.span, self.encoding), fix.replacement.clone()));
        Published {
            diagnostic,
            rule: finding.rule.to_string(),
            explanation,
            fix,
            waivable: !crate::checks::is_load_error(&finding.rule),
        }
    }

    fn hover(&self, params: &HoverParams) -> Option<Hover> {
        let at = &params.text_document_position_params;
        let items = self.published.get(at.text_document.uri.as_str())?;
        let mut hits = items
            .iter()
            .filter(|p| position::contains(&p.diagnostic.range, at.position));
        let first = hits.next()?;
        let mut markdown = first.explanation.clone();
        let mut shown = vec![first.rule.as_str()];
        for other in hits {
            if !shown.contains(&other.rule.as_str()) {
                markdown.push_str("\n\n---\n\n");
                markdown.push_str(&other.explanation);
                shown.push(&other.rule);
            }
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: markdown,
            }),
            range: Some(first.diagnostic.range),
        })
    }

    fn code_actions(&self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let uri = &params.text_document.uri;
        let (Some(items), Some(open)) = (self.published.get(uri.as_str()), self.documents.get(uri.as_str())) else {
            return Vec::new();
        };
        let lines = Lines::new(&open.text);
        let mut actions = Vec::new();
        let mut waived_lines: Vec<(u32, &str)> = Vec::new();
        for item in items
            .iter()
            .filter(|p| position::overlaps(&p.diagnostic.range, &params.range))
        {
            if let Some((range, replacement)) = &item.fix {
                actions.push(action(
                    format!("Replace with `{replacement}`"),
                    uri,
                    TextEdit::new(*range, replacement.clone()),
                    &item.diagnostic,
                    true,
                ));
            }
            let line = item.diagnostic.range.start.line;
            if item.waivable && !waived_lines.contains(&(line, item.rule.as_str())) {
                waived_lines.push((line, item.rule.as_str()));
                let text = lines.line(line);
                let indent: String = text.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
                let comment = format!("{indent}# standoff: waive {} reason=\"\"\n", item.rule);
                actions.push(action(
                    format!("Waive {} on this line (give the reason)", item.rule),
                    uri,
                    TextEdit::new(Range::new(Position::new(line, 0), Position::new(line, 0)), comment),
                    &item.diagnostic,
                    false,
                ));
            }
        }
        actions
    }
}

fn action(title: String, uri: &Uri, edit: TextEdit, diagnostic: &Diagnostic, preferred: bool) -> CodeActionOrCommand {
    // `Uri` caches its parse in a cell but hashes its text only, so it is a sound key.
    #[allow(
        clippy::mutable_key_type,
        reason = "WorkspaceEdit's own key type; hashed by its text"
    )]
    let mut changes = std::collections::HashMap::new();
    changes.insert(uri.clone(), vec![edit]);
    CodeActionOrCommand::CodeAction(CodeAction {
        title,
        kind: Some(CodeActionKind::QUICKFIX),
        diagnostics: Some(vec![diagnostic.clone()]),
        edit: Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }),
        is_preferred: preferred.then_some(true),
        ..CodeAction::default()
    })
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// A message's params as `P`, or why not.
fn params<P: serde::de::DeserializeOwned>(value: serde_json::Value, method: &str) -> Result<P, String> {
    serde_json::from_value(value).map_err(|e| format!("malformed {method} params: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(path: &Path, text: &str) -> Open {
        Open {
            uri: position::path_to_uri(path).unwrap(),
            path: path.to_path_buf(),
            canonical: std::fs::canonicalize(path).ok(),
            text: text.to_owned(),
            version: 1,
        }
    }

    #[test]
    fn yaml_outside_every_tree_is_judged_only_when_it_names_standoff() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let ci = dir.path().join(".gitlab-ci.yml");
        std::fs::write(&ci, "stages: [build]\n").unwrap();
        assert!(open(&ci, "stages: [build]\n").tree().is_none());
        assert_eq!(
            open(&ci, "apiVersion: standoff.dev/v1\nkind: Site\n").tree(),
            Some(None)
        );
        std::fs::write(dir.path().join("standoff.yaml"), "{}\n").unwrap();
        assert!(open(&ci, "stages: [build]\n").tree().is_some_and(|t| t.is_some()));
    }
}
