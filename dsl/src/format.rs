//! The formatter: parse, then print canonically with the comments put back.

use crate::diagnostic::Diagnostics;
use crate::parse::parse_file;
use crate::print::Printer;
use crate::span::{FileId, Sources};

/// Formats a policy source in canonical form, keeping every comment.
///
/// Idempotent: formatting the result again gives the same text. A source with syntax errors
/// is not formatted; the errors come back instead.
///
/// ```
/// let out = clausula_dsl::format("rule  x=1+2*3 // note\n").unwrap();
/// assert_eq!(out, "rule x = 1 + 2 * 3  // note\n");
/// ```
pub fn format(source: &str) -> Result<String, Diagnostics> {
    format_named("<input>", source)
}

/// Like [`format`], with a file name for the diagnostics.
pub fn format_named(name: &str, source: &str) -> Result<String, Diagnostics> {
    let (file, diagnostics) = parse_file(FileId(0), source);
    if diagnostics.iter().any(|d| d.is_error()) {
        return Err(Diagnostics::new(diagnostics, Sources::single(name, source)));
    }
    Ok(stacker::maybe_grow(
        crate::parse::STACK_RED_ZONE,
        crate::parse::STACK_SEGMENT,
        || {
            let mut printer = Printer::new(&file.comments, source);
            printer.file(&file);
            printer.finish()
        },
    ))
}
