#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod ast;
pub mod codes;
mod diagnostic;
mod format;
mod frame;
pub mod limits;
mod literal;
mod lower;
mod parse;
mod print;
mod scan;
mod span;
pub mod suggest;
pub mod text;

pub use diagnostic::{Diagnostic, DiagnosticReport, Diagnostics, Label, LabelReport, Severity};
pub use format::{format, format_named};
pub use literal::quote;
pub use parse::{parse_expr, parse_file};
pub use print::{RESERVED, WIDTH, is_plain_ident, print, print_expr};
pub use span::{FileId, LineCol, LineIndex, Sources, Span};

/// Parses a number written as in a policy (`12`, `-0.5`, `50_000_000`, `15%`, `5000万`,
/// `2亿`) into its exact value. Used for directory CSV cells.
pub fn parse_number_literal(text: &str) -> Option<rust_decimal::Decimal> {
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if !body.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (v, _) = literal::parse_number(body).ok()?;
    Some(if negative { -v } else { v })
}

/// Parses one source file into its syntax tree.
///
/// Every syntax error of the file is reported at once: the parser recovers at declarations
/// that start at the beginning of a line. Use [`parse_file`] to keep going with the
/// declarations that did parse.
pub fn parse(source: &str) -> Result<ast::SourceFile, Diagnostics> {
    parse_named("<input>", source)
}

/// Like [`parse`], with a file name for the diagnostics.
pub fn parse_named(name: &str, source: &str) -> Result<ast::SourceFile, Diagnostics> {
    let (file, diagnostics) = parse_file(FileId(0), source);
    if diagnostics.iter().any(Diagnostic::is_error) {
        Err(Diagnostics::new(diagnostics, Sources::single(name, source)))
    } else {
        Ok(file)
    }
}
