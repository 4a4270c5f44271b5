//! The one human form of a value (`display`), computed from the value and its static type
//! (LANGUAGE.md, R12). Every surface prints it — the CLI, the Python repr and notebook HTML,
//! the npm package and the web form — so none of them formats numbers itself.
//!
//! - money: thousands separators and exactly two decimals, half away from zero
//!   (`-1,234.50`, `185,000,000.00`), never `万`/`亿`;
//! - percent: the fraction × 100, half away from zero to two decimals, trailing zeros and
//!   point removed, then `%` (`75%`, `56.22%`, `3.2%`);
//! - int: digits, no separators (`168`, `2024`);
//! - number (ratios included): at most six digits after the point, half away from zero,
//!   trailing zeros removed (`0.118056`);
//! - date: ISO; days: `365天`; bool: `是`/`否`; enum: its label, or its name; text and code
//!   unchanged.

use rust_decimal::{Decimal, RoundingStrategy};

use crate::graph::Graph;
use crate::types::Type;
use crate::value::{Val, date_text, decimal_text};

/// `d` rounded half away from zero to `places`, as canonical text (no exponent).
fn rounded(d: Decimal, places: u32) -> Decimal {
    d.round_dp_with_strategy(places, RoundingStrategy::MidpointAwayFromZero)
}

/// Groups the integer digits of canonical decimal text in threes: `-1234.5` → `-1,234.5`.
fn grouped(text: &str) -> String {
    let (sign, body) = match text.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", text),
    };
    let (int, frac) = match body.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3 + 1);
    out.push_str(sign);
    let n = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (n - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Money: separators, exactly two decimals.
pub(crate) fn money(d: Decimal) -> String {
    let mut r = rounded(d, 2);
    if r.is_zero() {
        r = Decimal::ZERO;
    }
    r.rescale(2);
    grouped(&r.to_string())
}

/// A percentage from its fraction: `0.5622` → `56.22%`, `0.75` → `75%`.
pub(crate) fn percent(fraction: Decimal) -> String {
    match fraction.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", decimal_text(rounded(p, 2))),
        // Beyond the range ×100 can reach: the fraction itself, still exact.
        None => format!("{}×100%", decimal_text(fraction)),
    }
}

/// A number: at most six decimals, trailing zeros removed.
pub(crate) fn number(d: Decimal) -> String {
    decimal_text(rounded(d, 6))
}

/// The display of a known value of static type `ty`; `None` for unknown and errors.
pub(crate) fn display(g: &Graph, v: &Val, ty: Type) -> Option<String> {
    Some(match v {
        Val::Num(d) => match ty {
            Type::Money => money(*d),
            Type::Percent => percent(*d),
            Type::Int => decimal_text(*d),
            _ => number(*d),
        },
        Val::Bool(b) => (if *b { "是" } else { "否" }).to_string(),
        Val::Date(d) => date_text(*d),
        Val::Days(n) => format!("{n}天"),
        Val::Cal(c) => match (c.months, c.days) {
            (m, 0) if m % 12 == 0 => format!("{}年", m / 12),
            (m, 0) => format!("{m}个月"),
            (0, d) => format!("{d}天"),
            (m, d) => format!("{m}个月{d}天"),
        },
        Val::Str(s) => s.to_string(),
        Val::Enum(i) => match ty {
            Type::Enum(id) => g
                .enums
                .get(id as usize)
                .and_then(|e| e.variants.get(*i as usize))
                .map_or_else(
                    || i.to_string(),
                    |(name, label)| label.clone().unwrap_or_else(|| name.clone()),
                ),
            _ => i.to_string(),
        },
        Val::Unknown | Val::Err(_) => return None,
    })
}

/// Two sides of a comparison for display: as [`display`], but with more decimals (up to 12)
/// where the usual rounding would show two different numbers alike (`59.99999%` against
/// `60%`, never `60% ≥ 60%` for a false line).
pub(crate) fn compare_pair(
    g: &Graph,
    a: &Val,
    b: &Val,
    ty: Type,
) -> (Option<String>, Option<String>) {
    let (da, db) = (display(g, a, ty), display(g, b, ty));
    let (Val::Num(x), Val::Num(y)) = (a, b) else {
        return (da, db);
    };
    if da != db || x == y {
        return (da, db);
    }
    for places in [4u32, 6, 8, 10, 12] {
        let show = |d: Decimal| match ty {
            Type::Percent => d
                .checked_mul(Decimal::ONE_HUNDRED)
                .map(|p| format!("{}%", decimal_text(rounded(p, places)))),
            Type::Money => Some(grouped(&decimal_text(rounded(d, places)))),
            _ => Some(decimal_text(rounded(d, places))),
        };
        let (sa, sb) = (show(*x), show(*y));
        if sa != sb {
            return (sa, sb);
        }
    }
    (Some(decimal_text(*x)), Some(decimal_text(*y)))
}

/// The display of a value given as the contract's text (a decimal string, a date…) with its
/// type name (`money`, `percent`, …): what the CLI needs for a `compare` side it only has as
/// text. `None` when the text is not of that type.
pub fn display_text(text: &str, ty: &str) -> Option<String> {
    let d = || crate::facts::decimal(text);
    Some(match ty {
        "money" => money(d()?),
        "percent" => percent(d()?),
        "int" => decimal_text(d()?),
        "number" => number(d()?),
        "bool" => match text {
            "true" => "是".to_string(),
            "false" => "否".to_string(),
            _ => return None,
        },
        "days" => format!("{text}天"),
        _ => text.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn the_display_of_each_type() {
        assert_eq!(money(d("185000000")), "185,000,000.00");
        assert_eq!(money(d("-1234.5")), "-1,234.50");
        assert_eq!(money(d("719135.8")), "719,135.80");
        assert_eq!(money(d("0.005")), "0.01");
        assert_eq!(money(d("-0.005")), "-0.01");
        assert_eq!(money(d("-0.001")), "0.00");
        assert_eq!(money(d("999.995")), "1,000.00");
        assert_eq!(percent(d("0.75")), "75%");
        assert_eq!(percent(d("0.5622")), "56.22%");
        assert_eq!(percent(d("0.562249")), "56.22%");
        assert_eq!(percent(d("0.56225")), "56.23%");
        assert_eq!(percent(d("0.032")), "3.2%");
        assert_eq!(percent(d("0.1434198943661971830985915493")), "14.34%");
        assert_eq!(number(d("0.1180555555")), "0.118056");
        assert_eq!(number(d("12.500")), "12.5");
        assert_eq!(display_text("2024", "int").as_deref(), Some("2024"));
        assert_eq!(display_text("true", "bool").as_deref(), Some("是"));
        assert_eq!(display_text("365", "days").as_deref(), Some("365天"));
        assert_eq!(display_text("abc", "money"), None);
    }
}
