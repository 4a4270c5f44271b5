//! `clausula lsp` driven as an editor drives it: JSON-RPC over its stdin and stdout.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use serde_json::{Value, json};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_clausula"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Client {
            child,
            stdin,
            stdout,
            next: 1,
        }
    }

    fn send(&mut self, msg: &Value) {
        let body = serde_json::to_string(msg).unwrap();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn read(&mut self) -> Value {
        let mut len = 0usize;
        loop {
            let mut line = String::new();
            self.stdout.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                len = n.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.read();
            if m["id"] == json!(id) {
                return m["result"].clone();
            }
        }
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn diagnostics(&mut self) -> Value {
        loop {
            let m = self.read();
            if m["method"] == "textDocument/publishDiagnostics" {
                return m["params"]["diagnostics"].clone();
            }
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        // A failed assertion must not leave the server running.
        let _ = self.child.kill();
    }
}

#[test]
fn an_editor_session() {
    let dir = std::env::temp_dir().join(format!("clausula-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("政策.cla");
    let uri = format!(
        "file://{}",
        path.to_str().unwrap().replace("政策", "%E6%94%BF%E7%AD%96")
    );
    let broken = "policy p \"支持\"\n  effective 2024-01-01\n\ninput 企业 \"申报企业\" { 投资: money \"项目总投资\" }\n\nrule 门槛 \"投资门槛\" = 企业.投资额 >= 2000万\n\noutcome o { require 门槛 \"达到门槛\" }\n";
    let mut c = Client::start();
    let init = c.request("initialize", json!({"capabilities": {}, "processId": null}));
    assert_eq!(
        init["capabilities"]["documentFormattingProvider"],
        json!(true)
    );
    c.notify("initialized", json!({}));

    // A misspelt field: the error, with its code, under `企业.投资额` (UTF-16 columns).
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "clausula", "version": 1, "text": broken}}),
    );
    let d = c.diagnostics();
    assert_eq!(d.as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d[0]["code"], "check/unknown-field");
    assert_eq!(d[0]["range"]["start"], json!({"line": 5, "character": 17}));
    assert_eq!(d[0]["range"]["end"], json!({"line": 5, "character": 23}));
    assert!(d[0]["message"].as_str().unwrap().contains("投资"), "{d}");

    // Fixed: no diagnostics.
    let fixed = broken.replace("企业.投资额", "企业.投资");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": fixed}]}),
    );
    assert_eq!(c.diagnostics(), json!([]));

    // Hover over the fact path and over the rule's name.
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 5, "character": 20}}),
    );
    assert_eq!(
        h["contents"]["value"],
        "**fact** `企业.投资`: money — 项目总投资"
    );
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 7, "character": 21}}),
    );
    assert_eq!(h["contents"]["value"], "**rule** `门槛` — 投资门槛");

    // Go to the rule's definition; the document's symbols.
    let def = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": uri}, "position": {"line": 7, "character": 21}}),
    );
    assert_eq!(def["range"]["start"], json!({"line": 5, "character": 5}));
    let syms = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = syms
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["企业", "门槛", "o"]);

    // Formatting: one edit giving what `clausula fmt` gives.
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = edits[0]["newText"].as_str().unwrap();
    assert_eq!(formatted, clausula_dsl::format(&fixed).unwrap());
    assert!(formatted.contains("input 企业 \"申报企业\" {\n  投资: money \"项目总投资\"\n}"));

    // A param's hover lists its steps with their citations (the Shanghai policy).
    let shanghai = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../policies/shanghai/key-tech-transformation.cla"),
    )
    .unwrap();
    let suri = format!("file://{}", dir.join("shanghai.cla").to_str().unwrap());
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": suri, "languageId": "clausula", "version": 1, "text": shanghai}}),
    );
    let _ = c.diagnostics();
    let (line, col) = shanghai
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            l.strip_prefix("param ")
                .filter(|rest| rest.starts_with("单个项目支持上限"))
                .map(|_| (i, 7))
        })
        .unwrap();
    let h = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": suri}, "position": {"line": line, "character": col}}),
    );
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("**param** `单个项目支持上限`"), "{text}");
    assert_eq!(text.matches("\n- from ").count(), 2, "{text}");
    assert!(text.contains("— "), "{text}");

    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    c.notify("exit", Value::Null);
    assert!(c.child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}
