//! Literal values: numbers with `%`, `万`, `亿` and `_`; dates; escaped strings.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::ast::NumberSuffix;

/// Why a literal is invalid: a diagnostic code and a message.
#[derive(Debug)]
pub(crate) struct LiteralError {
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

fn out_of_range(text: &str) -> LiteralError {
    LiteralError {
        code: crate::codes::NUMBER_OUT_OF_RANGE,
        message: format!("number `{text}` is out of range"),
        help: Some("numbers are exact decimals of at most 28 significant digits".to_string()),
    }
}

/// Parses a number literal as written in a policy (`50_000_000`, `3.65%`, `5000万`, `2亿`).
pub(crate) fn parse_number(text: &str) -> Result<(Decimal, NumberSuffix), LiteralError> {
    let (body, suffix) = if let Some(b) = text.strip_suffix('%') {
        (b, NumberSuffix::Percent)
    } else if let Some(b) = text.strip_suffix('万') {
        (b, NumberSuffix::Wan)
    } else if let Some(b) = text.strip_suffix('亿') {
        (b, NumberSuffix::Yi)
    } else {
        (text, NumberSuffix::None)
    };
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    let base = Decimal::from_str_exact(&digits).map_err(|_| out_of_range(text))?;
    let value = match suffix {
        NumberSuffix::None => Some(base),
        NumberSuffix::Percent => base.checked_div(Decimal::ONE_HUNDRED),
        NumberSuffix::Wan => base.checked_mul(Decimal::from(10_000)),
        NumberSuffix::Yi => base.checked_mul(Decimal::from(100_000_000)),
    };
    value.map(|v| (v, suffix)).ok_or_else(|| out_of_range(text))
}

/// Parses `YYYY-MM-DD` into a calendar date.
pub(crate) fn parse_date(text: &str) -> Result<NaiveDate, LiteralError> {
    let invalid = || LiteralError {
        code: crate::codes::INVALID_DATE,
        message: format!("`{text}` is not a calendar date"),
        help: Some("dates are written YYYY-MM-DD with a real month and day".to_string()),
    };
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let y = i32::from_str(y).map_err(|_| invalid())?;
    let m = u32::from_str(m).map_err(|_| invalid())?;
    let d = u32::from_str(d).map_err(|_| invalid())?;
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(invalid)
}

/// Processes the escapes of a string body (between the quotes).
pub(crate) fn unescape(body: &str) -> Result<String, (usize, LiteralError)> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == '\0' {
            // a raw NUL, like an escaped one: the printer could not write it back
            return Err((
                i,
                LiteralError {
                    code: crate::codes::INVALID_CHARACTER,
                    message: "strings cannot contain NUL".to_string(),
                    help: Some("remove the NUL byte (the file may not be text)".to_string()),
                },
            ));
        }
        if c != '\\' {
            out.push(c);
            continue;
        }
        let bad = |what: String| {
            (
                i,
                LiteralError {
                    code: crate::codes::INVALID_ESCAPE,
                    message: what,
                    help: Some(r#"escapes are \", \\, \n, \t, \r and \u{XXXX}"#.to_string()),
                },
            )
        };
        match chars.next() {
            Some((_, '"')) => out.push('"'),
            Some((_, '\\')) => out.push('\\'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 't')) => out.push('\t'),
            Some((_, 'r')) => out.push('\r'),
            Some((_, 'u')) => {
                let rest = body.get(i + 2..).unwrap_or("");
                let close = rest.find('}');
                let hex = match (rest.strip_prefix('{'), close) {
                    (Some(_), Some(end)) if end > 1 => rest.get(1..end).unwrap_or(""),
                    _ => return Err(bad("`\\u` must be followed by `{hex}`".to_string())),
                };
                let ch = u32::from_str_radix(hex, 16)
                    .ok()
                    .filter(|_| hex.len() <= 6)
                    .and_then(char::from_u32)
                    .ok_or_else(|| bad(format!("`\\u{{{hex}}}` is not a Unicode scalar value")))?;
                if ch == '\0' {
                    return Err(bad("strings cannot contain NUL".to_string()));
                }
                out.push(ch);
                for _ in 0..hex.len() + 2 {
                    chars.next();
                }
            }
            Some((_, other)) => return Err(bad(format!("unknown escape `\\{other}`"))),
            None => return Err(bad("a string cannot end with a backslash".to_string())),
        }
    }
    Ok(out)
}

/// Characters that reorder how text is displayed (the "Trojan Source" characters): in a
/// policy they would let a reviewer read something other than what is evaluated.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Quotes a string for printing: the inverse of [`unescape`].
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_bidi_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_scale_exactly() {
        let v = |s| parse_number(s).unwrap().0.normalize().to_string();
        assert_eq!(v("5000万"), "50000000");
        assert_eq!(v("2亿"), "200000000");
        assert_eq!(v("1.5亿"), "150000000");
        assert_eq!(v("50_000_000"), "50000000");
        assert_eq!(v("3.65%"), "0.0365");
        assert_eq!(v("10%"), "0.1");
        assert!(parse_number("99999999999999999999999999999999").is_err());
        assert!(parse_number("9999999999999999999999999亿").is_err());
    }

    #[test]
    fn dates_must_exist() {
        assert!(parse_date("2024-02-29").is_ok());
        assert!(parse_date("2023-02-30").is_err());
        assert!(parse_date("2023-13-01").is_err());
    }

    #[test]
    fn escapes_round_trip() {
        let s = "a\"b\\c\nd\u{1}";
        let q = quote(s);
        assert_eq!(unescape(&q[1..q.len() - 1]).unwrap(), s);
        assert!(unescape(r"\q").is_err());
        assert_eq!(unescape(r"\u{4e2d}").unwrap(), "中");
    }
}
