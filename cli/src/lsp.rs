//! `clausula lsp`: a language server over stdio (issue 23, first part), on `lsp-server` and
//! `lsp-types` (the synchronous scaffold rust-analyzer uses: the server is a loop over
//! messages, nothing async to pull in). What it offers today:
//!
//! - diagnostics as you type: syntax and check errors with their codes, the open document's
//!   unsaved text compiled with its imports (open documents win over the disk);
//! - formatting (`clausula fmt`), as one edit of the whole document;
//! - document symbols (every declaration, with its kind);
//! - hover over a declared name (its kind and label) or a fact path (its label and type);
//! - go to definition of a name declared in the same file.
//!
//! Positions are UTF-16 code units, as the protocol says (Chinese text is one unit per
//! character, some rarer characters two).

use std::collections::HashMap;

use anyhow::Result;
use clausula_core::{FsLoader, Policy, ReadError, SourceLoader};
use clausula_dsl::ast::{Item, SourceFile};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::{
    Diagnostic, DiagnosticSeverity, DocumentSymbol, Hover, HoverContents, MarkupContent,
    MarkupKind, NumberOrString, Position, Range, SymbolKind, TextEdit, Uri,
};
use serde_json::{Value, json};

/// Runs the server on stdin/stdout until the client says `exit`.
pub(crate) fn run() -> Result<()> {
    let (connection, io) = Connection::stdio();
    let caps = json!({
        "textDocumentSync": 1,
        "documentFormattingProvider": true,
        "documentSymbolProvider": true,
        "hoverProvider": true,
        "definitionProvider": true,
        "positionEncoding": "utf-16",
    });
    connection.initialize(caps)?;
    let mut docs: HashMap<String, String> = HashMap::new();
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    break;
                }
                let result = answer(&docs, &req);
                connection
                    .sender
                    .send(Message::Response(Response::new_ok(req.id, result)))?;
            }
            Message::Notification(n) => {
                if let Some(uri) = changed(&mut docs, &n) {
                    publish(&connection, &docs, &uri)?;
                }
            }
            Message::Response(_) => {}
        }
    }
    // The writer thread ends when the last sender is gone.
    drop(connection);
    io.join()?;
    Ok(())
}

/// Applies an open/change/close notification; the URI whose diagnostics are now due.
fn changed(docs: &mut HashMap<String, String>, n: &Notification) -> Option<String> {
    let uri = n.params.pointer("/textDocument/uri")?.as_str()?.to_string();
    match n.method.as_str() {
        "textDocument/didOpen" => {
            let text = n
                .params
                .pointer("/textDocument/text")?
                .as_str()?
                .to_string();
            docs.insert(uri.clone(), text);
            Some(uri)
        }
        "textDocument/didChange" => {
            // Full sync: the last change is the whole text.
            let text = n
                .params
                .get("contentChanges")?
                .as_array()?
                .last()?
                .get("text")?
                .as_str()?
                .to_string();
            docs.insert(uri.clone(), text);
            Some(uri)
        }
        "textDocument/didClose" => {
            docs.remove(&uri);
            None
        }
        _ => None,
    }
}

/// The file path of a `file:` URI, percent-decoded.
fn path_of(uri: &str) -> Option<String> {
    let parsed: Uri = uri.parse().ok()?;
    if parsed.scheme().map(|s| s.as_str()) != Some("file") {
        return None;
    }
    let decoded = parsed.path().as_estr().decode().into_string().ok()?;
    Some(decoded.into_owned())
}

/// Open documents first, then the disk (inside the policy's folder, as `clausula check`).
struct Overlay<'d> {
    docs: HashMap<String, &'d str>,
    disk: FsLoader,
}

impl SourceLoader for Overlay<'_> {
    fn load(&self, path: &str, max_bytes: usize) -> Result<String, ReadError> {
        match self.docs.get(path) {
            Some(text) if text.len() <= max_bytes => Ok((*text).to_string()),
            _ => self.disk.load(path, max_bytes),
        }
    }
}

/// Compiles the document and sends its diagnostics (those in other files are shown at the
/// top, naming the file).
fn publish(connection: &Connection, docs: &HashMap<String, String>, uri: &str) -> Result<()> {
    let (Some(text), Some(path)) = (docs.get(uri), path_of(uri)) else {
        return Ok(());
    };
    let overlay = Overlay {
        docs: docs
            .iter()
            .filter_map(|(u, t)| Some((path_of(u)?, t.as_str())))
            .collect(),
        disk: FsLoader::for_file(&path),
    };
    let found = match Policy::compile_with(&overlay, &path, text) {
        Ok(p) => p.warnings().cloned(),
        Err(d) => Some(d),
    };
    let mut list = Vec::new();
    for r in found.map(|d| d.reports()).unwrap_or_default() {
        let here = r.file == path;
        let range = if here {
            Range::new(
                position(text, r.span[0] as usize),
                position(text, r.span[1] as usize),
            )
        } else {
            Range::default()
        };
        let message = if here {
            r.message.clone()
        } else {
            format!("{}:{}:{}: {}", r.file, r.line, r.column, r.message)
        };
        let message = match &r.help {
            Some(h) => format!("{message}\nhelp: {h}"),
            None => message,
        };
        list.push(Diagnostic {
            range,
            severity: Some(if r.severity == clausula_dsl::Severity::Error {
                DiagnosticSeverity::ERROR
            } else {
                DiagnosticSeverity::WARNING
            }),
            code: Some(NumberOrString::String(r.code.clone())),
            source: Some("clausula".to_string()),
            message,
            ..Diagnostic::default()
        });
    }
    connection
        .sender
        .send(Message::Notification(Notification::new(
            "textDocument/publishDiagnostics".to_string(),
            json!({ "uri": uri, "diagnostics": list }),
        )))?;
    Ok(())
}

/// The answer to a request (`null` for what is not offered or not found).
fn answer(docs: &HashMap<String, String>, req: &Request) -> Value {
    let uri = req
        .params
        .pointer("/textDocument/uri")
        .and_then(Value::as_str)
        .unwrap_or("");
    let Some(text) = docs.get(uri) else {
        return Value::Null;
    };
    let at = || -> Option<usize> {
        let p: Position = serde_json::from_value(req.params.get("position")?.clone()).ok()?;
        offset(text, p)
    };
    match req.method.as_str() {
        "textDocument/formatting" => match clausula_dsl::format(text) {
            Ok(formatted) if formatted != *text => json!([TextEdit::new(
                Range::new(Position::new(0, 0), position(text, text.len())),
                formatted
            )]),
            _ => json!([]),
        },
        "textDocument/documentSymbol" => match clausula_dsl::parse(text) {
            Ok(file) => json!(symbols(text, &file)),
            Err(_) => json!([]),
        },
        "textDocument/hover" => at()
            .and_then(|o| hover(text, o))
            .map_or(Value::Null, |h| json!(h)),
        "textDocument/definition" => at()
            .and_then(|o| definition(text, o))
            .map_or(Value::Null, |r| json!({ "uri": uri, "range": r })),
        _ => Value::Null,
    }
}

/// The UTF-16 position of byte offset `at` in `text`.
fn position(text: &str, at: usize) -> Position {
    let at = at.min(text.len());
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count();
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let col: usize = before
        .get(start..)
        .unwrap_or("")
        .chars()
        .map(char::len_utf16)
        .sum();
    Position::new(
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(col).unwrap_or(u32::MAX),
    )
}

/// The byte offset of a UTF-16 position (`None` past the text).
fn offset(text: &str, p: Position) -> Option<usize> {
    let mut line_start = 0;
    for _ in 0..p.line {
        line_start += text.get(line_start..)?.find('\n')? + 1;
    }
    let mut units = 0;
    for (i, c) in text.get(line_start..)?.char_indices() {
        if units >= p.character as usize || c == '\n' {
            return Some(line_start + i);
        }
        units += c.len_utf16();
    }
    Some(text.len())
}

/// A declaration's name, kind and label, with the byte spans of the name and the whole.
struct Decl<'f> {
    name: &'f str,
    kind: (&'static str, SymbolKind),
    label: Option<&'f str>,
    name_span: clausula_dsl::Span,
    span: clausula_dsl::Span,
}

fn lab(l: &Option<clausula_dsl::ast::StrLit>) -> Option<&str> {
    l.as_ref().map(|s| s.value.as_str())
}

fn declarations(file: &SourceFile) -> Vec<Decl<'_>> {
    file.items
        .iter()
        .filter_map(|item| {
            Some(match item {
                Item::Input(d) => Decl {
                    name: &d.name.name,
                    kind: ("input", SymbolKind::STRUCT),
                    label: lab(&d.label),
                    name_span: d.name.span,
                    span: d.span,
                },
                Item::Param(d) => Decl {
                    name: &d.name.name,
                    kind: ("param", SymbolKind::CONSTANT),
                    label: lab(&d.label),
                    name_span: d.name.span,
                    span: d.span,
                },
                Item::Rule(d) => Decl {
                    name: &d.name.name,
                    kind: if d.params.is_some() {
                        ("function", SymbolKind::FUNCTION)
                    } else {
                        ("rule", SymbolKind::VARIABLE)
                    },
                    label: lab(&d.label),
                    name_span: d.name.span,
                    span: d.span,
                },
                Item::Table(d) => Decl {
                    name: &d.name.name,
                    kind: if d.params.is_some() {
                        ("table function", SymbolKind::FUNCTION)
                    } else {
                        ("table", SymbolKind::ARRAY)
                    },
                    label: lab(&d.label),
                    name_span: d.name.span,
                    span: d.span,
                },
                Item::Directory(d) => Decl {
                    name: &d.name.name,
                    kind: ("directory", SymbolKind::OBJECT),
                    label: lab(&d.label),
                    name_span: d.name.span,
                    span: d.span,
                },
                Item::Enum(d) => Decl {
                    name: &d.name.name,
                    kind: ("enum", SymbolKind::ENUM),
                    label: lab(&d.label),
                    name_span: d.name.span,
                    span: d.span,
                },
                Item::Outcome(d) => Decl {
                    name: &d.name.name,
                    kind: ("outcome", SymbolKind::EVENT),
                    label: lab(&d.label),
                    name_span: d.name.span,
                    span: d.span,
                },
                Item::Policy(_) | Item::Import(_) | Item::Example(_) => return None,
            })
        })
        .collect()
}

fn range_of(text: &str, s: clausula_dsl::Span) -> Range {
    Range::new(
        position(text, s.start as usize),
        position(text, s.end as usize),
    )
}

#[allow(deprecated)] // `DocumentSymbol::deprecated` must still be written.
fn symbols(text: &str, file: &SourceFile) -> Vec<DocumentSymbol> {
    declarations(file)
        .into_iter()
        .map(|d| DocumentSymbol {
            name: d.name.to_string(),
            detail: Some(match d.label {
                Some(l) => format!("{} “{l}”", d.kind.0),
                None => d.kind.0.to_string(),
            }),
            kind: d.kind.1,
            tags: None,
            deprecated: None,
            range: range_of(text, d.span),
            selection_range: range_of(text, d.name_span),
            children: None,
        })
        .collect()
}

/// The name (or dotted path) under byte offset `at`.
fn word_at(text: &str, at: usize) -> Option<(String, usize)> {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let start = text
        .get(..at)?
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = text
        .get(at..)?
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| at + i);
    let w = text.get(start..end)?.trim_matches('.');
    (!w.is_empty()).then(|| (w.to_string(), start))
}

fn hover(text: &str, at: usize) -> Option<Hover> {
    let file = clausula_dsl::parse(text).ok()?;
    let (word, _) = word_at(text, at)?;
    let decls = declarations(&file);
    let body = if let Some(d) = decls.iter().find(|d| d.name == word) {
        let mut body = match d.label {
            Some(l) => format!("**{}** `{}` — {l}", d.kind.0, d.name),
            None => format!("**{}** `{}`", d.kind.0, d.name),
        };
        body.push_str(&details(&file, d.name));
        body
    } else {
        // `entity.field`: the field's label and type.
        let (entity, field) = word.split_once('.')?;
        let field = field.split('.').next()?;
        file.items.iter().find_map(|item| match item {
            Item::Input(d) if d.name.name == entity => {
                let f = d.fields.iter().find(|f| f.name.name == field)?;
                let ty = match &f.ty {
                    clausula_dsl::ast::TypeExpr::Named(i) => i.name.clone(),
                    clausula_dsl::ast::TypeExpr::Enum { variants, .. } => format!(
                        "enum {{ {} }}",
                        variants
                            .iter()
                            .map(|v| v.name.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                Some(match &f.label {
                    Some(l) => format!("**fact** `{entity}.{field}`: {ty} — {}", l.value),
                    None => format!("**fact** `{entity}.{field}`: {ty}"),
                })
            }
            _ => None,
        })?
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: body,
        }),
        range: None,
    })
}

/// What a hover adds below a declaration's title: a param's steps with their citations, a
/// directory's key and columns.
fn details(file: &SourceFile, name: &str) -> String {
    let mut out = String::new();
    for item in &file.items {
        match item {
            Item::Param(p) if p.name.name == name => {
                for s in &p.steps {
                    out.push_str(&format!(
                        "\n- from {}: `{}`",
                        s.from.value,
                        clausula_dsl::print_expr(&s.value)
                    ));
                    if let Some(c) = &s.cite {
                        out.push_str(&format!(" — {}", c.value));
                    }
                }
            }
            Item::Directory(d) if d.name.name == name => {
                out.push_str(&format!("\n- key `{}`", d.key.name));
                for c in &d.columns {
                    out.push_str(&format!("\n- `{}`", c.name.name));
                    if let Some(l) = &c.label {
                        out.push_str(&format!(" — {}", l.value));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn definition(text: &str, at: usize) -> Option<Range> {
    let file = clausula_dsl::parse(text).ok()?;
    let (word, _) = word_at(text, at)?;
    // `D[key].column` and `o.amount` name their declaration first.
    let head = word.split('.').next()?;
    declarations(&file)
        .iter()
        .find(|d| d.name == word || d.name == head)
        .map(|d| range_of(text, d.name_span))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units() {
        let text = "rule 甲 = 1\nrule 𠀀x = 2\n";
        // 𠀀 is outside the BMP: two UTF-16 units.
        let x = text.find('x').unwrap();
        assert_eq!(position(text, x), Position::new(1, 7));
        assert_eq!(offset(text, Position::new(1, 7)), Some(x));
        assert_eq!(position(text, text.find('=').unwrap()), Position::new(0, 7));
    }

    #[test]
    fn file_uris_are_decoded() {
        assert_eq!(
            path_of("file:///tmp/%E6%94%BF%E7%AD%96/a.cla").as_deref(),
            Some("/tmp/政策/a.cla")
        );
        assert_eq!(path_of("untitled:1"), None);
    }
}
