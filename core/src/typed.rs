//! Input as people type it (opt-in, for forms): `3亿`, `2000万元`, `1,000,000`, full-width
//! digits, `是`/`否`, `3.65%`, `2026年3月1日` — turned into the facts JSON the engine reads, or
//! refused with the code and message the engine would give. The engine itself stays strict;
//! a form calls this on what the user typed before it builds the facts.

use serde_json::Value;

use crate::{ErrorReport, codes};

/// At most this many characters are read from one typed value.
const MAX_TYPED_CHARS: usize = 200;

fn refuse(code: &str, message: String, help: Option<&str>) -> ErrorReport {
    ErrorReport {
        code: code.to_string(),
        message,
        help: help.map(str::to_string),
        ..Default::default()
    }
}

/// Full-width digits and signs to ASCII, spaces removed.
fn half_width(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '．' | '。' => '.',
            '，' => ',',
            '％' => '%',
            '－' | '—' => '-',
            '＋' => '+',
            other => other,
        })
        .collect()
}

/// Thousands separators removed, when they are where thousands separators go.
fn without_separators(s: &str) -> Option<String> {
    if !s.contains(',') {
        return Some(s.to_string());
    }
    let int = match s.find(['.', '%', '万', '亿']) {
        Some(i) => s.get(..i)?,
        None => s,
    };
    let int = int.strip_prefix(['-', '+']).map_or(int, |x| x);
    let mut groups = int.split(',');
    let first = groups.next()?;
    if first.is_empty() || first.len() > 3 || !groups.all(|g| g.len() == 3) {
        return None;
    }
    Some(s.replace(',', ""))
}

/// A number with an optional `%`, `万` or `亿`, as a policy writes it (no exponent).
fn number(s: &str) -> Option<rust_decimal::Decimal> {
    use rust_decimal::Decimal;
    let (body, scale) = if let Some(b) = s.strip_suffix('%') {
        (b, None)
    } else if let Some(b) = s.strip_suffix('万') {
        (b, Some(Decimal::from(10_000)))
    } else if let Some(b) = s.strip_suffix('亿') {
        (b, Some(Decimal::from(100_000_000)))
    } else {
        (s, Some(Decimal::ONE))
    };
    let digits = body.strip_prefix('-').unwrap_or(body);
    if !digits.starts_with(|c: char| c.is_ascii_digit())
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '.')
    {
        return None;
    }
    let d = Decimal::from_str_exact(body).ok()?;
    match scale {
        None => d.checked_div(Decimal::ONE_HUNDRED),
        Some(k) => d.checked_mul(k),
    }
}

/// What was typed in a field of type `ty` (`money`, `number`, `int`, `percent`, `bool`,
/// `date`, `text`, `code`, `enum`), as the facts JSON value the engine reads: a decimal
/// string, a percent string (`"3.65%"`), an integer, a bool, a `YYYY-MM-DD` string, or the
/// text. Empty input is `null` (not given). Refused with the engine's codes:
/// `facts/invalid-number`, `facts/not-an-integer`, `facts/wrong-type`, `facts/invalid-date`.
pub fn parse_typed(text: &str, ty: &str) -> Result<Value, ErrorReport> {
    if text.chars().count() > MAX_TYPED_CHARS {
        return Err(refuse(
            codes::INVALID_NUMBER,
            format!("more than {MAX_TYPED_CHARS} characters"),
            None,
        ));
    }
    let shown = crate::visible(text.trim());
    if text.trim().is_empty() {
        return Ok(Value::Null);
    }
    match ty {
        "money" | "number" | "int" | "percent" => {
            let mut s = half_width(text);
            if let Some(x) = s.strip_prefix('¥') {
                s = x.to_string();
            }
            if let Some(x) = s.strip_suffix('元') {
                s = x.to_string();
            }
            let bad = || {
                refuse(
                    codes::INVALID_NUMBER,
                    format!("`{shown}` is not a number"),
                    Some("write digits, with 万 or 亿 if you like: 2000万, 1.5亿, 1,000,000"),
                )
            };
            let s = without_separators(&s).ok_or_else(bad)?;
            let s = s.strip_prefix('+').map_or(s.as_str(), |x| x).to_string();
            let is_percent = s.ends_with('%');
            if ty == "percent" && !is_percent {
                return Err(refuse(
                    codes::INVALID_NUMBER,
                    format!("`{shown}` is not a percent"),
                    Some("write a percent with %: 3.65%"),
                ));
            }
            if ty != "percent" && is_percent {
                return Err(refuse(
                    codes::INVALID_NUMBER,
                    format!("`{shown}` is a percent; this field is a {ty}"),
                    None,
                ));
            }
            let d = number(&s).ok_or_else(bad)?;
            if ty == "percent" {
                // As the engine reads percents: the text with `%`.
                let pct = d
                    .checked_mul(rust_decimal::Decimal::ONE_HUNDRED)
                    .ok_or_else(bad)?;
                return Ok(Value::String(format!("{}%", crate::decimal_text(pct))));
            }
            if ty == "int" {
                if !d.fract().is_zero() {
                    return Err(refuse(
                        codes::NOT_AN_INTEGER,
                        format!("`{shown}` is not a whole number"),
                        None,
                    ));
                }
                return crate::decimal_text(d)
                    .parse::<i64>()
                    .map(|i| Value::Number(i.into()))
                    .map_err(|_| bad());
            }
            Ok(Value::String(crate::decimal_text(d)))
        }
        "bool" => match half_width(text).to_ascii_lowercase().as_str() {
            "是" | "true" | "对" | "有" | "yes" => Ok(Value::Bool(true)),
            "否" | "false" | "不是" | "无" | "没有" | "no" => Ok(Value::Bool(false)),
            _ => Err(refuse(
                codes::WRONG_TYPE,
                format!("`{shown}` is not yes or no"),
                Some("是 or 否 (true or false)"),
            )),
        },
        "date" => {
            let s = half_width(text);
            // 2026年3月1日, 2026/3/1, 2026.3.1, 2026-03-01.
            let s = s.trim_end_matches('日');
            let parts: Vec<&str> = s.split(['年', '月', '/', '-', '.']).collect();
            let date = match parts.as_slice() {
                [y, m, d] if y.len() == 4 => {
                    let (y, m, d) = (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>());
                    match (y, m, d) {
                        (Ok(y), Ok(m), Ok(d)) => chrono::NaiveDate::from_ymd_opt(y, m, d),
                        _ => None,
                    }
                }
                _ => None,
            };
            // Written by hand: chrono's formatter is large in WebAssembly.
            date.map(|d| {
                use chrono::Datelike;
                Value::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()))
            })
            .ok_or_else(|| {
                refuse(
                    codes::INVALID_DATE,
                    format!("`{shown}` is not a date"),
                    Some("2026-03-01, 2026/3/1 or 2026年3月1日"),
                )
            })
        }
        _ => Ok(Value::String(text.trim().to_string())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn what_people_type_becomes_what_the_engine_reads() {
        for (text, ty, want) in [
            ("3亿", "money", json!("300000000")),
            ("2000万元", "money", json!("20000000")),
            ("1,000,000", "money", json!("1000000")),
            ("１２３４．５", "money", json!("1234.5")),
            ("¥1,234.50", "money", json!("1234.5")),
            ("-5", "number", json!("-5")),
            ("120", "int", json!(120)),
            ("3.65%", "percent", json!("3.65%")),
            ("３.６５％", "percent", json!("3.65%")),
            ("是", "bool", json!(true)),
            ("否", "bool", json!(false)),
            ("2026年3月1日", "date", json!("2026-03-01")),
            ("2026/3/1", "date", json!("2026-03-01")),
            ("  ", "money", Value::Null),
            (" ZZLC ", "code", json!("ZZLC")),
        ] {
            assert_eq!(parse_typed(text, ty).ok(), Some(want), "{text} as {ty}");
        }
    }

    #[test]
    fn what_the_engine_would_refuse_is_refused_with_its_code() {
        for (text, ty, code) in [
            ("3亿元整", "money", codes::INVALID_NUMBER),
            ("1,00", "money", codes::INVALID_NUMBER),
            ("1e5", "money", codes::INVALID_NUMBER),
            ("3.65", "percent", codes::INVALID_NUMBER),
            ("5%", "money", codes::INVALID_NUMBER),
            ("1.5", "int", codes::NOT_AN_INTEGER),
            ("也许", "bool", codes::WRONG_TYPE),
            ("2026-02-30", "date", codes::INVALID_DATE),
            ("明天", "date", codes::INVALID_DATE),
        ] {
            let e = parse_typed(text, ty).unwrap_err();
            assert_eq!(e.code, code, "{text} as {ty}: {}", e.message);
        }
        let long = "1".repeat(500);
        assert!(parse_typed(&long, "money").is_err());
    }
}
