//! Stable diagnostic codes of the front end. Tests and tools match on these, never on wording.

/// A token that does not fit here.
pub const UNEXPECTED_TOKEN: &str = "syntax/unexpected-token";
/// The file (or a declaration) ended too early.
pub const UNEXPECTED_END: &str = "syntax/unexpected-end";
/// A string without its closing quote.
pub const UNTERMINATED_STRING: &str = "syntax/unterminated-string";
/// A backslash escape that is not `\"`, `\\`, `\n`, `\t`, `\r` or `\u{…}`.
pub const INVALID_ESCAPE: &str = "syntax/invalid-escape";
/// A date literal that is not a calendar date (`2023-02-30`).
pub const INVALID_DATE: &str = "syntax/invalid-date";
/// A number literal too large or too precise for an exact decimal.
pub const NUMBER_OUT_OF_RANGE: &str = "syntax/number-out-of-range";
/// A character that cannot start any token (control characters, fullwidth punctuation).
pub const INVALID_CHARACTER: &str = "syntax/invalid-character";
/// A clause given twice (`source`, `effective`, a requirement's `when`).
pub const DUPLICATE_CLAUSE: &str = "syntax/duplicate-clause";
/// `hit collect` without a known aggregate (`sum`, `min`, `max`, `count`).
pub const UNKNOWN_AGGREGATE: &str = "syntax/unknown-aggregate";
/// An `expect` status that is not `eligible`, `ineligible` or `undetermined`.
pub const UNKNOWN_STATUS: &str = "syntax/unknown-status";
/// An `effective` window that ends before it starts.
pub const INVALID_WINDOW: &str = "syntax/invalid-window";
/// A file that is not UTF-8 (a GBK or GB18030 file, a binary file).
pub const INVALID_UTF8: &str = "syntax/invalid-utf8";
/// The source is larger than the limit.
pub const TOO_LARGE: &str = "syntax/too-large";
/// Nesting deeper than the limit.
pub const TOO_DEEP: &str = "syntax/too-deep";
/// The parser met a shape it does not know: a bug in Clausula, reported instead of a panic.
pub const INTERNAL: &str = "syntax/internal";
