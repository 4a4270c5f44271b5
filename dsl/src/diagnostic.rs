//! Diagnostics: one type for syntax, check and evaluation problems, rendered with a code frame.
//!
//! A [`Diagnostic`] has a stable `code` (`syntax/unexpected-token`, `check/unknown-name`, …),
//! a lowercase message, a primary span, secondary labels and an optional help line. Line and
//! column are computed from the source only when rendering or when building the
//! [`DiagnosticReport`] that bindings serialise.

use std::fmt;

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;
use serde::Serialize;

use crate::frame::Excerpt;
use crate::span::{FileId, Sources, Span};
use crate::text::visible;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum Severity {
    /// Stops compilation.
    Error,
    /// Worth fixing; does not stop compilation.
    Warning,
}

/// A secondary location with a note.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// The file.
    pub file: FileId,
    /// Where.
    pub span: Span,
    /// What about it.
    pub message: String,
}

/// A problem found in a policy, with where it is and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `syntax/unexpected-token`. Tests compare codes, not wording.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// Lowercase, no trailing period, user text in backticks.
    pub message: String,
    /// The file the primary span is in.
    pub file: FileId,
    /// The primary location.
    pub span: Span,
    /// Text under the primary caret.
    pub primary_label: Option<String>,
    /// Secondary locations.
    pub labels: Vec<Label>,
    /// How to fix it.
    pub help: Option<String>,
    /// Further notes.
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// An error at `span` in file 0.
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            file: FileId(0),
            span,
            primary_label: None,
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    /// A warning at `span` in file 0.
    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    /// Sets the file.
    #[must_use]
    pub fn in_file(mut self, file: FileId) -> Diagnostic {
        self.file = file;
        for l in &mut self.labels {
            if l.file == FileId(0) {
                l.file = file;
            }
        }
        self
    }

    /// Sets the text shown under the primary caret.
    #[must_use]
    pub fn with_primary(mut self, text: impl Into<String>) -> Diagnostic {
        self.primary_label = Some(text.into());
        self
    }

    /// Adds a secondary label in the same file.
    #[must_use]
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            file: self.file,
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a secondary label in another file.
    #[must_use]
    pub fn with_label_in(
        mut self,
        file: FileId,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        self.labels.push(Label {
            file,
            span,
            message: message.into(),
        });
        self
    }

    /// Sets the help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Adds a note.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    /// Whether this is an error (not a warning).
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Renders this diagnostic with `file:line:col` and a code frame with carets. The frame
    /// shows only the lines the labels touch, clipped around them (see `frame.rs`).
    pub fn render(&self, sources: &Sources, color: bool) -> String {
        let mut spans = vec![(self.file, self.span)];
        spans.extend(self.labels.iter().map(|l| (l.file, l.span)));
        let (excerpt, mapped) = Excerpt::new(sources, &spans);
        let severity = match self.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
        };
        let mut labels = Vec::new();
        for (i, m) in mapped.into_iter().enumerate() {
            let Some((file, range)) = m else { continue };
            if i == 0 {
                let mut primary = cs::Label::primary(file, range);
                if let Some(p) = &self.primary_label {
                    primary = primary.with_message(visible(p));
                }
                labels.push(primary);
            } else if let Some(l) = self.labels.get(i - 1) {
                labels.push(cs::Label::secondary(file, range).with_message(visible(&l.message)));
            }
        }
        let mut notes = Vec::new();
        if let Some(h) = &self.help {
            notes.push(format!("help: {}", visible(h)));
        }
        notes.extend(self.notes.iter().map(|n| format!("note: {}", visible(n))));
        let d = cs::Diagnostic::new(severity)
            .with_code(self.code)
            .with_message(visible(&self.message))
            .with_labels(labels)
            .with_notes(notes);
        let config = term::Config::default();
        let rendered = if color {
            let mut buf = term::termcolor::Buffer::ansi();
            term::emit_to_write_style(&mut buf, &config, &excerpt, &d)
                .ok()
                .map(|()| String::from_utf8_lossy(buf.as_slice()).into_owned())
        } else {
            term::emit_into_string(&config, &excerpt, &d).ok()
        };
        rendered.unwrap_or_else(|| {
            format!(
                "{}[{}]: {}\n",
                severity_word(self.severity),
                self.code,
                self.message
            )
        })
    }

    /// The serialisable form used by the CLI's JSON output and the bindings.
    pub fn report(&self, sources: &Sources) -> DiagnosticReport {
        let start = sources.line_col(self.file, self.span.start);
        let end = sources.line_col(self.file, self.span.end);
        DiagnosticReport {
            code: self.code.to_string(),
            severity: self.severity,
            message: self.message.clone(),
            file: sources.name(self.file).to_string(),
            line: start.line,
            column: start.column,
            end_line: end.line,
            end_column: end.column,
            span: [self.span.start, self.span.end],
            labels: self
                .labels
                .iter()
                .map(|l| {
                    let lc = sources.line_col(l.file, l.span.start);
                    LabelReport {
                        message: l.message.clone(),
                        file: sources.name(l.file).to_string(),
                        line: lc.line,
                        column: lc.column,
                        span: [l.span.start, l.span.end],
                    }
                })
                .collect(),
            help: self.help.clone(),
            notes: self.notes.clone(),
            rendered: self.render(sources, false),
        }
    }
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A diagnostic with line and column resolved, for JSON and the bindings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct DiagnosticReport {
    /// Stable code.
    pub code: String,
    /// `error` or `warning`.
    pub severity: Severity,
    /// The message.
    pub message: String,
    /// File name.
    pub file: String,
    /// 1-based line of the start.
    pub line: u32,
    /// 1-based column of the start (in characters).
    pub column: u32,
    /// 1-based line of the end.
    pub end_line: u32,
    /// 1-based column of the end.
    pub end_column: u32,
    /// Byte offsets `[start, end)`.
    pub span: [u32; 2],
    /// Secondary locations.
    pub labels: Vec<LabelReport>,
    /// How to fix it.
    pub help: Option<String>,
    /// Further notes.
    pub notes: Vec<String>,
    /// The rendered text with the code frame, without colour.
    pub rendered: String,
}

/// A secondary location, resolved.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct LabelReport {
    /// What about it.
    pub message: String,
    /// File name.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub column: u32,
    /// Byte offsets.
    pub span: [u32; 2],
}

/// Diagnostics together with the sources they point into, so they can render themselves.
///
/// This is the error type of parsing, formatting and compiling. `Display` renders every
/// diagnostic with its code frame.
#[derive(Clone, Debug, thiserror::Error)]
pub struct Diagnostics {
    list: Vec<Diagnostic>,
    sources: Sources,
}

impl Diagnostics {
    /// Wraps diagnostics with their sources, sorted by file and position.
    pub fn new(mut list: Vec<Diagnostic>, sources: Sources) -> Diagnostics {
        list.sort_by_key(|d| (d.file, d.span.start, d.span.end));
        Diagnostics { list, sources }
    }

    /// The diagnostics, sorted by file and position.
    pub fn list(&self) -> &[Diagnostic] {
        &self.list
    }

    /// The sources they point into.
    pub fn sources(&self) -> &Sources {
        &self.sources
    }

    /// Whether any is an error.
    pub fn has_errors(&self) -> bool {
        self.list.iter().any(Diagnostic::is_error)
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The codes, in order (handy in tests).
    pub fn codes(&self) -> Vec<&'static str> {
        self.list.iter().map(|d| d.code).collect()
    }

    /// Renders all diagnostics, optionally with ANSI colour.
    pub fn render(&self, color: bool) -> String {
        self.list
            .iter()
            .map(|d| d.render(&self.sources, color))
            .collect()
    }

    /// Serialisable reports for JSON and the bindings.
    pub fn reports(&self) -> Vec<DiagnosticReport> {
        self.list.iter().map(|d| d.report(&self.sources)).collect()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.render(false).trim_end())
    }
}
