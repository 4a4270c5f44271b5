//! Text that came from a policy or from facts, made safe to print on a terminal.
//!
//! A string literal (`"\u{1b}[31m"`), a CSV cell or a facts value can hold control characters;
//! printed raw they would drive the user's terminal (colours, cursor moves, a fake prompt).
//! Everything the CLI prints of user text goes through [`visible`].

use std::borrow::Cow;

/// Whether `c` must not reach a terminal raw: C0 and C1 controls (tab and line feed aside,
/// which callers decide on), DEL, and the bidirectional overrides and isolates.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with each unsafe character written as a visible escape (`\u{1b}`); unchanged (and
/// not copied) when it has none.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_is_not_copied() {
        assert_eq!(visible("\u{1b}[31mred"), "\\u{1b}[31mred");
        assert_eq!(visible("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(visible("a\u{9b}b"), "a\\u{9b}b");
        assert!(matches!(visible("研发费用\t3.2%\n"), Cow::Borrowed(_)));
    }
}
