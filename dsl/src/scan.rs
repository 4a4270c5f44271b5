//! A lexical pre-scan that runs before pest: finds comments, splits the file into item chunks
//! at column-0 declaration keywords, and enforces nesting limits.
//!
//! Splitting lets the parser recover at item boundaries: a broken `rule` does not hide an
//! error in a later `outcome`. The scan knows strings and comments, nothing else.

use crate::ast::Comment;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::limits::{MAX_BRACKET_DEPTH, MAX_IFS_PER_ITEM, MAX_NAME_BYTES};
use crate::span::Span;

/// Keywords that start a declaration when they open a line.
pub(crate) const ITEM_KEYWORDS: &[&str] = &[
    "policy",
    "import",
    "input",
    "param",
    "rule",
    "table",
    "directory",
    "outcome",
    "example",
    "enum",
];

/// A slice of the file holding zero or more declarations.
#[derive(Debug)]
pub(crate) struct Chunk {
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// Set when the chunk breaks a limit; it is then not parsed.
    pub(crate) error: Option<Diagnostic>,
}

#[derive(Debug)]
pub(crate) struct Scan {
    pub(crate) chunks: Vec<Chunk>,
    pub(crate) comments: Vec<Comment>,
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

fn starts_item(rest: &str) -> bool {
    ITEM_KEYWORDS.iter().any(|kw| {
        rest.strip_prefix(kw)
            .is_some_and(|after| !after.chars().next().is_some_and(is_ident_char))
    })
}

fn bidi_error(at: usize, c: char) -> Diagnostic {
    Diagnostic::error(
        codes::INVALID_CHARACTER,
        Span::new(at, at + c.len_utf8()),
        format!("bidirectional control character U+{:04X}", c as u32),
    )
    .with_help(
        "it makes the text display in another order than it is read; remove it (in a string, \
         write it as an escape such as `\\u{202e}` if it is meant)",
    )
}

pub(crate) fn scan(source: &str, start: usize) -> Scan {
    let mut chunks = Vec::new();
    let mut comments = Vec::new();
    let mut chunk_start = start;
    let mut depth = 0usize;
    let mut ifs = 0usize;
    let mut error: Option<Diagnostic> = None;
    let mut in_string = false;
    let mut escaped = false;
    let mut line_start = true;
    let mut prev_ident = false;
    // Where the current run of name characters started.
    let mut name_start = 0usize;

    let bytes_len = source.len();
    let mut iter = source.get(start..).unwrap_or("").char_indices().peekable();
    while let Some((rel, c)) = iter.next() {
        let i = rel + start;
        if crate::literal::is_bidi_control(c) && error.is_none() {
            error = Some(bidi_error(i, c));
        }
        if line_start && !in_string && i != chunk_start && source.get(i..).is_some_and(starts_item)
        {
            chunks.push(Chunk {
                start: chunk_start,
                end: i,
                error: error.take(),
            });
            chunk_start = i;
            depth = 0;
            ifs = 0;
        }
        line_start = false;
        if c == '\n' {
            line_start = true;
            in_string = false;
            escaped = false;
            prev_ident = false;
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if iter.peek().is_some_and(|&(_, n)| n == '/') => {
                let end = source
                    .get(i..)
                    .and_then(|s| s.find('\n'))
                    .map_or(bytes_len, |n| i + n);
                let text = source.get(i..end).unwrap_or("").trim_end_matches('\r');
                if let Some((at, b)) = text
                    .char_indices()
                    .find(|&(_, b)| crate::literal::is_bidi_control(b))
                    && error.is_none()
                {
                    error = Some(bidi_error(i + at, b));
                }
                comments.push(Comment {
                    text: text.to_string(),
                    span: Span::new(i, i + text.len()),
                });
                while iter.peek().is_some_and(|&(j, _)| j + start < end) {
                    iter.next();
                }
            }
            '(' | '[' | '{' => {
                depth += 1;
                if depth > MAX_BRACKET_DEPTH && error.is_none() {
                    error = Some(
                        Diagnostic::error(
                            codes::TOO_DEEP,
                            Span::new(i, i + 1),
                            format!("brackets nested more than {MAX_BRACKET_DEPTH} deep"),
                        )
                        .with_help("split the expression into named rules"),
                    );
                }
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        let ident = is_ident_char(c);
        if ident && !prev_ident {
            name_start = i;
        }
        if ident && i + c.len_utf8() - name_start > MAX_NAME_BYTES && error.is_none() {
            error = Some(
                Diagnostic::error(
                    codes::TOO_LARGE,
                    Span::new(name_start, name_start + MAX_NAME_BYTES.min(64)),
                    format!("a name or number longer than {MAX_NAME_BYTES} bytes"),
                )
                .with_help("names are short; a long text belongs in a string"),
            );
        }
        if ident
            && !prev_ident
            && c == 'i'
            && source.get(i..).is_some_and(|s| {
                s.starts_with("if")
                    && !s
                        .get(2..)
                        .and_then(|r| r.chars().next())
                        .is_some_and(is_ident_char)
            })
        {
            ifs += 1;
            if ifs > MAX_IFS_PER_ITEM && error.is_none() {
                error = Some(
                    Diagnostic::error(
                        codes::TOO_DEEP,
                        Span::new(i, i + 2),
                        format!("more than {MAX_IFS_PER_ITEM} `if` expressions in one declaration"),
                    )
                    .with_help(
                        "use a decision table (`table … hit first`) instead of nested `if`s",
                    ),
                );
            }
        }
        prev_ident = ident;
    }
    chunks.push(Chunk {
        start: chunk_start,
        end: bytes_len,
        error,
    });
    Scan { chunks, comments }
}
