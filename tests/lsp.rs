//! The language server, driven over stdio as an editor drives it (issue 14, point 1):
//! initialize with and without UTF-8 offered, didOpen, publishDiagnostics, hover, codeAction,
//! didChange (debounced), didSave and didClose, and positions counted in the negotiated
//! encoding on a line with non-ASCII text before the finding.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::copy_example;

/// Long enough for a judgement on a loaded machine; a hang fails instead of blocking the run.
const WAIT: Duration = Duration::from_secs(60);

struct Client {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
}

impl Client {
    fn start(dir: &Path) -> Self {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("standoff"))
            .args(["lsp", "--stdio", "--as-of", "2026-06-01"])
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(n) = line.strip_prefix("Content-Length: ") {
                        length = n.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("every message has a Content-Length")];
                reader.read_exact(&mut body).unwrap();
                if sender.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            stdin,
            messages,
            next_id: 0,
        }
    }

    fn send(&mut self, message: &Value) {
        let body = serde_json::to_vec(message).unwrap();
        self.send_raw(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        self.send_raw(&body);
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        self.stdin.write_all(bytes).unwrap();
        self.stdin.flush().unwrap();
    }

    /// The server's exit code, once it has stopped.
    fn exit_code(mut self) -> Option<i32> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn notify(&mut self, method: &str, params: &Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and waits for its response (notifications met meanwhile are kept
    /// out of the way: the test asks for them by name).
    fn request(&mut self, method: &str, params: &Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.wait_for(|m| m["id"] == id)
    }

    fn wait_for(&mut self, wanted: impl Fn(&Value) -> bool) -> Value {
        self.collect_until(wanted).0
    }

    /// The first message that is `wanted`, and every message that came before it.
    fn collect_until(&mut self, wanted: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let deadline = Instant::now() + WAIT;
        let mut before = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(message) if wanted(&message) => return (message, before),
                Ok(message) => before.push(message),
                Err(RecvTimeoutError::Timeout) => panic!("the language server did not answer in {WAIT:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the language server stopped"),
            }
        }
    }

    /// The code actions offered for a published diagnostic.
    fn actions(&mut self, uri: &str, diagnostic: &Value) -> Vec<Value> {
        let response = self.request(
            "textDocument/codeAction",
            &json!({"textDocument": {"uri": uri}, "range": diagnostic["range"], "context": {"diagnostics": [diagnostic]}}),
        );
        response["result"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| panic!("no actions: {response}"))
    }

    /// The titles of the code actions offered for a published diagnostic.
    fn action_titles(&mut self, uri: &str, diagnostic: &Value) -> Vec<String> {
        self.actions(uri, diagnostic)
            .iter()
            .map(|a| a["title"].as_str().unwrap().to_owned())
            .collect()
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Value {
        self.wait_for(|m| m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri)["params"]
            .clone()
    }

    fn initialize(&mut self, encodings: Option<&[&str]>) -> Value {
        let capabilities = match encodings {
            Some(e) => json!({"general": {"positionEncodings": e}}),
            None => json!({}),
        };
        let response = self.request(
            "initialize",
            &json!({"processId": null, "rootUri": null, "capabilities": capabilities}),
        );
        self.notify("initialized", &json!({}));
        response["result"].clone()
    }

    fn shutdown(mut self) {
        let response = self.request("shutdown", &Value::Null);
        assert!(response["error"].is_null(), "{response}");
        // Between shutdown and exit, a request is refused and the server stays.
        let late = self.request("textDocument/hover", &json!({}));
        assert_eq!(late["error"]["code"], -32600, "{late}");
        self.notify("exit", &Value::Null);
        assert_eq!(self.exit_code(), Some(0));
    }
}

fn uri_of(path: &Path) -> String {
    let path = std::fs::canonicalize(path).unwrap();
    let text = path.to_str().unwrap();
    let mut out = String::from("file://");
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The defects example, with a Site whose metadata line has accented letters and an emoji
/// before a near-miss key (`projekt`), and a bare speed.
fn tree() -> (tempfile::TempDir, std::path::PathBuf, String) {
    let dir = tempfile::tempdir().unwrap();
    copy_example("defects", dir.path());
    let site = dir.path().join("bare-speed.yaml");
    let text = std::fs::read_to_string(&site).unwrap().replace(
        "metadata: { name: theatre-site-bare-speed, project: harbour-street-theatre }",
        "metadata: { title: \"Théâtre 🚧 forecourt\", name: theatre-site-bare-speed, projekt: harbour-street-theatre }",
    );
    std::fs::write(&site, &text).unwrap();
    (dir, site, text)
}

fn by_code<'a>(diagnostics: &'a Value, code: &str) -> &'a Value {
    diagnostics["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics}"))
}

fn codes(diagnostics: &Value) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes
}

/// The character a key starts at on a line, counted in `unit`s.
fn column(line: &str, key: &str, unit: &str) -> u64 {
    let before = &line[..line.find(key).unwrap()];
    let n = match unit {
        "utf-8" => before.len(),
        "utf-16" => before.encode_utf16().count(),
        _ => unreachable!(),
    };
    n as u64
}

#[test]
fn the_server_publishes_explains_and_fixes_in_utf16() {
    let (dir, site, text) = tree();
    let uri = uri_of(&site);
    let mut client = Client::start(dir.path());
    let result = client.initialize(None);
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(result["serverInfo"]["name"], "standoff");
    client.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let published = client.diagnostics(&uri);
    assert_eq!(published["version"], 1);
    // What `check` reports for this file, in its tree.
    assert_eq!(codes(&published), ["SCHEMA-QUANTITY", "SCHEMA-UNKNOWN-PROPERTY"]);

    let line = text.lines().nth(3).unwrap();
    let key = by_code(&published, "SCHEMA-UNKNOWN-PROPERTY");
    let start = column(line, "projekt", "utf-16");
    assert_eq!(key["range"]["start"], json!({"line": 3, "character": start}));
    assert_eq!(key["range"]["end"], json!({"line": 3, "character": start + 7}));
    assert_eq!(key["severity"], 1);
    assert_eq!(key["source"], "standoff");
    assert!(
        key["message"].as_str().unwrap().contains("did you mean `project`?"),
        "{key}"
    );
    let speed = by_code(&published, "SCHEMA-QUANTITY");
    assert_eq!(speed["range"]["start"], json!({"line": 20, "character": 19}));

    // Hover explains the rule.
    let hover = client.request(
        "textDocument/hover",
        &json!({"textDocument": {"uri": uri}, "position": {"line": 3, "character": start + 2}}),
    );
    let markdown = hover["result"]["contents"]["value"].as_str().unwrap();
    assert_eq!(hover["result"]["contents"]["kind"], "markdown");
    assert!(markdown.contains("SCHEMA-UNKNOWN-PROPERTY"), "{markdown}");
    assert!(markdown.contains("How to fix"), "{markdown}");
    // Nothing to say where there is no finding.
    let nothing = client.request(
        "textDocument/hover",
        &json!({"textDocument": {"uri": uri}, "position": {"line": 1, "character": 0}}),
    );
    assert!(nothing["result"].is_null(), "{nothing}");

    // Code actions: the certain fix, and a waiver with a reason to fill in.
    let actions = client.actions(&uri, key);
    let fix = actions.iter().find(|a| a["title"] == "Replace with `project`").unwrap();
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    assert_eq!(
        fix["edit"]["changes"][&uri],
        json!([{"range": key["range"], "newText": "project"}])
    );
    let waiver = actions
        .iter()
        .find(|a| {
            a["title"]
                .as_str()
                .unwrap()
                .starts_with("Waive SCHEMA-UNKNOWN-PROPERTY")
        })
        .unwrap();
    assert_eq!(
        waiver["edit"]["changes"][&uri],
        json!([{"range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}},
                "newText": "# standoff: waive SCHEMA-UNKNOWN-PROPERTY reason=\"\"\n"}])
    );
    // A speed has no certain fix (km/h or mph?), only the waiver.
    let titles = client.action_titles(&uri, speed);
    assert_eq!(titles, ["Waive SCHEMA-QUANTITY on this line (give the reason)"]);

    // The unsaved edit is judged (after the debounce), not the file on disk: both mended.
    let mended = text
        .replace("projekt:", "project:")
        .replace("impactSpeed: 48\n", "impactSpeed: 48 km/h\n");
    client.notify(
        "textDocument/didChange",
        &json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": mended}]}),
    );
    let after = client.diagnostics(&uri);
    assert_eq!(after["version"], 2);
    assert!(!codes(&after).iter().any(|c| c.starts_with("SCHEMA-")), "{after}");

    // The waiver the code action inserts is judged like any inline waiver: without its
    // reason it does not waive, and says so.
    let mut with_waiver = String::new();
    for (i, line) in text.lines().enumerate() {
        if i == 3 {
            with_waiver.push_str("# standoff: waive SCHEMA-UNKNOWN-PROPERTY reason=\"\"\n");
        }
        with_waiver.push_str(line);
        with_waiver.push('\n');
    }
    client.notify(
        "textDocument/didSave",
        &json!({"textDocument": {"uri": uri}, "text": with_waiver}),
    );
    let saved = client.diagnostics(&uri);
    assert!(codes(&saved).contains(&"SCHEMA-UNKNOWN-PROPERTY".to_owned()), "{saved}");
    assert!(codes(&saved).iter().any(|c| c.starts_with("WAIVER-")), "{saved}");

    // Closing clears what was shown.
    client.notify("textDocument/didClose", &json!({"textDocument": {"uri": uri}}));
    let closed = client.diagnostics(&uri);
    assert_eq!(closed["diagnostics"], json!([]));
    client.shutdown();
}

#[test]
fn positions_are_utf8_when_the_client_offers_it_and_kinds_have_fixes() {
    let (dir, site, text) = tree();
    let text = text.replace("kind: Site", "kind: Stie");
    let uri = uri_of(&site);
    let mut client = Client::start(dir.path());
    let result = client.initialize(Some(&["utf-16", "utf-8"]));
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-8");
    client.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 7, "text": text}}),
    );
    let published = client.diagnostics(&uri);
    // A document of an unknown kind is not validated further: the kind is the finding.
    assert_eq!(codes(&published), ["DOC-KIND"]);
    let kind = by_code(&published, "DOC-KIND");
    assert_eq!(kind["range"]["start"], json!({"line": 2, "character": 6}));
    let actions = client.actions(&uri, kind);
    let fix = actions
        .iter()
        .find(|a| a["title"] == "Replace with `Site`")
        .cloned()
        .unwrap_or_else(|| panic!("no fix in {actions:?}"));
    assert_eq!(fix["edit"]["changes"][&uri][0]["newText"], "Site");

    // Back to the right kind: the near-miss key is now at its UTF-8 column.
    let fixed = text.replace("kind: Stie", "kind: Site");
    client.notify(
        "textDocument/didChange",
        &json!({"textDocument": {"uri": uri, "version": 8}, "contentChanges": [{"text": fixed}]}),
    );
    let after = client.diagnostics(&uri);
    let key = by_code(&after, "SCHEMA-UNKNOWN-PROPERTY");
    let line = fixed.lines().nth(3).unwrap();
    let start = column(line, "projekt", "utf-8");
    assert_ne!(start, column(line, "projekt", "utf-16"));
    assert_eq!(key["range"]["start"], json!({"line": 3, "character": start}));
    client.shutdown();
}

#[test]
fn a_broken_config_is_shown_once_and_an_untitled_buffer_is_left_alone() {
    let (dir, site, text) = tree();
    std::fs::write(dir.path().join("standoff.yaml"), "fail-on: eror\n").unwrap();
    let uri = uri_of(&site);
    let mut client = Client::start(dir.path());
    client.initialize(None);
    client.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": "untitled:Untitled-1", "languageId": "yaml", "version": 1, "text": "kind: Site\n"}}),
    );
    client.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let (shown, before) = client.collect_until(|m| m["method"] == "window/showMessage");
    let message = shown["params"]["message"].as_str().unwrap();
    assert!(message.contains("standoff.yaml"), "{message}");
    assert_eq!(shown["params"]["type"], 1);
    // Edited while the config is still broken: judged again (a hover judges what is pending
    // first), yet not shown again, and neither document is published (the untitled one has no
    // tree; the other keeps what it showed).
    client.notify(
        "textDocument/didChange",
        &json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": format!("{text}\n")}]}),
    );
    client.send(&json!({"jsonrpc": "2.0", "id": 99, "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}}));
    let (_, meanwhile) = client.collect_until(|m| m["id"] == 99);
    for message in before.iter().chain(&meanwhile) {
        assert_ne!(message["method"], "textDocument/publishDiagnostics", "{message}");
    }
    assert!(
        !meanwhile.iter().any(|m| m["method"] == "window/showMessage"),
        "{meanwhile:?}"
    );
    // An unknown request is answered with an error, never left hanging.
    let unknown = client.request("textDocument/definition", &json!({}));
    assert_eq!(unknown["error"]["code"], -32601);
    client.shutdown();
}

/// The attacks on the server (issue 14, point 1, after the attack): a malformed or oversized
/// frame is answered and read past; the lifecycle is kept; a link to the open file is not a
/// second copy of it; ranges sent despite full sync are applied; `exit` without `shutdown` is
/// exit code 1.
#[cfg(unix)]
#[test]
fn hostile_clients_are_answered_and_the_server_goes_on() {
    let (dir, _, _) = tree();
    std::os::unix::fs::symlink("typo-key.yaml", dir.path().join("a-link.yaml")).unwrap();
    let site = dir.path().join("typo-key.yaml");
    let text = std::fs::read_to_string(&site).unwrap();
    let uri = uri_of(&site);
    let mut client = Client::start(dir.path());
    // Before initialize: refused, not fatal.
    let early = client.request("textDocument/hover", &json!({}));
    assert_eq!(early["error"]["code"], -32002, "{early}");
    // Not JSON, then a claimed length far above the limit with nothing behind it yet.
    client.send_raw(b"Content-Length: 5\r\n\r\n{bad}");
    let parse_error = client.wait_for(|m| m["error"]["code"] == -32700);
    assert!(parse_error["id"].is_null(), "{parse_error}");
    client.initialize(None);
    let again = client.request("initialize", &json!({"capabilities": {}}));
    assert_eq!(again["error"]["code"], -32600, "{again}");
    client.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
    );
    // As `check typo-key.yaml` reports it: the link is a FILE-SYMLINK of its own file, not a
    // second Site under the open document's name.
    let published = client.diagnostics(&uri);
    assert_eq!(codes(&published), ["SCHEMA-UNKNOWN-PROPERTY"], "{published}");
    // A ranged change (the server asked for full sync) is applied, not dropped.
    client.notify(
        "textDocument/didChange",
        &json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [
            {"range": {"start": {"line": 14, "character": 2}, "end": {"line": 14, "character": 17}},
             "text": "vehicleApproaches"}]}),
    );
    let after = client.diagnostics(&uri);
    assert_eq!(after["version"], 2);
    assert!(
        !codes(&after).contains(&"SCHEMA-UNKNOWN-PROPERTY".to_owned()),
        "{after}"
    );
    // `exit` without `shutdown`: the protocol's exit code 1.
    client.notify("exit", &Value::Null);
    assert_eq!(client.exit_code(), Some(1));
}

/// A value written as a block scalar or with an anchor is never "certainly" fixed (writing over
/// it would take the next key or the anchor with it); a key the mapping already has is never
/// the fix of a near miss; and a waiver is not offered where its comment would be text of a
/// multi-line value.
#[test]
fn fixes_and_waivers_are_offered_only_where_they_keep_the_yaml() {
    let dir = tempfile::tempdir().unwrap();
    copy_example("defects", dir.path());
    let enum_file = dir.path().join("wrong-enum.yaml");
    let original = std::fs::read_to_string(&enum_file).unwrap();
    let cases = [
        original.replace("      type: pedestrain\n", "      type: |-\n        pedestrain\n"),
        original.replace("      type: pedestrain\n", "      type: &t pedestrain\n"),
    ];
    let uri = uri_of(&enum_file);
    let mut client = Client::start(dir.path());
    client.initialize(None);
    for (version, text) in cases.iter().enumerate() {
        let version = i64::try_from(version).unwrap() + 1;
        if version == 1 {
            client.notify(
                "textDocument/didOpen",
                &json!({"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}),
            );
        } else {
            client.notify(
                "textDocument/didChange",
                &json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
            );
        }
        let published = client.diagnostics(&uri);
        let finding = by_code(&published, "SCHEMA-ENUM");
        let titles = client.action_titles(&uri, finding);
        assert!(
            !titles.iter().any(|t| t.starts_with("Replace")),
            "case {version}: {titles:?}"
        );
    }
    // `descripton` beside an existing `description`: renaming it would duplicate the key.
    let key_file = dir.path().join("typo-key.yaml");
    let key_text = std::fs::read_to_string(&key_file)
        .unwrap()
        .replace("  vehicleApproach:\n", "  vehicleApproaches:\n");
    let key_text = key_text.replacen("      description:", "      descripton: twice\n      description:", 1);
    let key_uri = uri_of(&key_file);
    client.notify(
        "textDocument/didOpen",
        &json!({"textDocument": {"uri": key_uri, "languageId": "yaml", "version": 1, "text": key_text}}),
    );
    let published = client.diagnostics(&key_uri);
    let finding = by_code(&published, "SCHEMA-UNKNOWN-PROPERTY");
    assert!(finding["message"].as_str().unwrap().contains("descripton"), "{finding}");
    let titles = client.action_titles(&key_uri, finding);
    assert_eq!(titles, ["Waive SCHEMA-UNKNOWN-PROPERTY on this line (give the reason)"]);
    // A finding on the second line of a multi-line quoted value: no waiver can be placed.
    let multi = std::fs::read_to_string(&key_file).unwrap().replace(
        "metadata: { name: theatre-site-typo, project: harbour-street-theatre }",
        "metadata: { title: \"two\n  lines\", projekt: harbour-street-theatre,\n  name: theatre-site-typo }",
    );
    client.notify(
        "textDocument/didChange",
        &json!({"textDocument": {"uri": key_uri, "version": 2}, "contentChanges": [{"text": multi}]}),
    );
    let published = client.diagnostics(&key_uri);
    let finding = published["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message"].as_str().unwrap().contains("projekt"))
        .cloned()
        .unwrap_or_else(|| panic!("no projekt finding in {published}"));
    let titles = client.action_titles(&key_uri, &finding);
    assert!(!titles.iter().any(|t| t.starts_with("Waive")), "{titles:?}");
    client.shutdown();
}
