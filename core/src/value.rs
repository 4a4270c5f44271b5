//! Runtime values and the constants stored in a compiled graph.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

/// A value during evaluation. `Unknown` is the third truth value: a fact that is absent,
/// or anything computed from one. `Err` is an evaluation error (overflow, division by
/// zero, …) that propagates like an unknown but is reported.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) enum Val {
    #[default]
    Unknown,
    Err(u32),
    Bool(bool),
    Num(Decimal),
    /// Days since 0001-01-01 (chrono's `num_days_from_ce`).
    Date(i32),
    /// A number of days.
    Days(i64),
    /// A calendar duration.
    Cal(Calendar),
    Str(SmolStr),
    /// Index of the variant in its enum.
    Enum(u32),
}

/// A calendar duration: months and days, added to dates with end-of-month clamping.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Calendar {
    pub(crate) months: i32,
    pub(crate) days: i32,
}

impl Val {
    pub(crate) fn is_known(&self) -> bool {
        !matches!(self, Val::Unknown | Val::Err(_))
    }

    pub(crate) fn as_num(&self) -> Option<Decimal> {
        match self {
            Val::Num(d) => Some(*d),
            _ => None,
        }
    }
}

/// A constant in a compiled graph (the serialisable subset of values).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) enum Const {
    Bool(bool),
    Num(#[serde(with = "dec_str")] Decimal),
    Date(i32),
    Days(i64),
    Cal(Calendar),
    Str(SmolStr),
    Enum(u32),
}

impl Const {
    pub(crate) fn to_val(&self) -> Val {
        match self {
            Const::Bool(b) => Val::Bool(*b),
            Const::Num(d) => Val::Num(*d),
            Const::Date(d) => Val::Date(*d),
            Const::Days(d) => Val::Days(*d),
            Const::Cal(c) => Val::Cal(*c),
            Const::Str(s) => Val::Str(s.clone()),
            Const::Enum(e) => Val::Enum(*e),
        }
    }

    #[cfg(feature = "parser")]
    pub(crate) fn from_val(v: &Val) -> Option<Const> {
        Some(match v {
            Val::Bool(b) => Const::Bool(*b),
            Val::Num(d) => Const::Num(*d),
            Val::Date(d) => Const::Date(*d),
            Val::Days(d) => Const::Days(*d),
            Val::Cal(c) => Const::Cal(*c),
            Val::Str(s) => Const::Str(s.clone()),
            Val::Enum(e) => Const::Enum(*e),
            Val::Unknown | Val::Err(_) => return None,
        })
    }
}

/// Decimals are stored as their exact text and re-validated on load, so a corrupt graph
/// can never produce an out-of-range decimal.
pub(crate) mod dec_str {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub(crate) fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Decimal::from_str_exact(&s).map_err(|_| D::Error::custom("invalid decimal"))
    }
}

/// The canonical text of a decimal: no exponent, no trailing zeros, no `-0`.
pub fn decimal_text(d: Decimal) -> String {
    // The digits of the normalised mantissa with the point put in by hand: the same text
    // as `d.normalize().to_string()` (asserted by a property test) without going through
    // `fmt`, which showed up in every explained decision's profile.
    let d = d.normalize();
    let m = d.mantissa();
    let scale = d.scale() as usize;
    let mut buf = itoa::Buffer::new();
    let digits = match u64::try_from(m.unsigned_abs()) {
        // 64-bit formatting avoids 128-bit divisions for every ordinary amount.
        Ok(small) => buf.format(small),
        Err(_) => buf.format(m.unsigned_abs()),
    };
    let mut out = String::with_capacity(digits.len() + scale + 3);
    if m < 0 {
        out.push('-');
    }
    match digits.len().checked_sub(scale) {
        Some(0) | None => {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', scale - digits.len()));
            out.push_str(digits);
        }
        Some(whole) => match digits.split_at_checked(whole) {
            Some((int, frac)) if !frac.is_empty() => {
                out.push_str(int);
                out.push('.');
                out.push_str(frac);
            }
            _ => out.push_str(digits),
        },
    }
    out
}

/// Day number of 0001-01-01, the first date the engine computes with.
pub(crate) const FIRST_DAY: i32 = 1;
/// Day number of 9999-12-31, the last.
pub(crate) const LAST_DAY: i32 = 3_652_059;

/// The date of a day number, within 0001-01-01 … 9999-12-31 (`None` outside).
pub(crate) fn date_from_days(days: i32) -> Option<NaiveDate> {
    if !(FIRST_DAY..=LAST_DAY).contains(&days) {
        return None;
    }
    NaiveDate::from_num_days_from_ce_opt(days)
}

pub(crate) fn days_from_date(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

/// `YYYY-MM-DD`, or `?` for an out-of-range day number (never produced by valid graphs).
pub(crate) fn date_text(days: i32) -> String {
    date_from_days(days).map_or_else(|| "?".to_string(), iso_date)
}

/// `YYYY-MM-DD` (chrono's `%Y-%m-%d`, written directly for four-digit years: it is on the
/// path of every decision).
pub(crate) fn iso_date(d: NaiveDate) -> String {
    use chrono::Datelike;
    let year = d.year();
    if !(0..=9999).contains(&year) {
        return d.format("%Y-%m-%d").to_string();
    }
    let mut out = String::with_capacity(10);
    for n in [year / 1000, year / 100 % 10, year / 10 % 10, year % 10] {
        out.push(digit(n));
    }
    out.push('-');
    out.push(digit(i32::try_from(d.month() / 10).unwrap_or(0)));
    out.push(digit(i32::try_from(d.month() % 10).unwrap_or(0)));
    out.push('-');
    out.push(digit(i32::try_from(d.day() / 10).unwrap_or(0)));
    out.push(digit(i32::try_from(d.day() % 10).unwrap_or(0)));
    out
}

fn digit(n: i32) -> char {
    char::from_digit(n.unsigned_abs(), 10).unwrap_or('0')
}

/// Adds a calendar duration to a date (months first, clamped to the month's end).
pub(crate) fn add_calendar(days: i32, c: Calendar, negate: bool) -> Option<i32> {
    let date = date_from_days(days)?;
    let (months, extra) = if negate {
        (c.months.checked_neg()?, c.days.checked_neg()?)
    } else {
        (c.months, c.days)
    };
    let shifted = if months >= 0 {
        date.checked_add_months(chrono::Months::new(u32::try_from(months).ok()?))?
    } else {
        date.checked_sub_months(chrono::Months::new(months.unsigned_abs()))?
    };
    let shifted = shifted.checked_add_signed(chrono::TimeDelta::try_days(i64::from(extra))?)?;
    let day = days_from_date(shifted);
    date_from_days(day).map(|_| day)
}

/// Parses a strict `YYYY-MM-DD` date (four-digit year, two-digit month and day).
pub(crate) fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    if !b
        .iter()
        .enumerate()
        .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
    {
        return None;
    }
    let y = s.get(0..4)?.parse().ok()?;
    let m = s.get(5..7)?.parse().ok()?;
    let d = s.get(8..10)?.parse().ok()?;
    // Year 0 does not exist in the calendar policies are written in.
    if y == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Why an exact result cannot be given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Inexact {
    /// Beyond the decimal range.
    Overflow,
    /// Representable only by dropping digits (more than 28 after the point, or more than
    /// the 96-bit mantissa holds).
    Precision,
}

/// [`exact`], with the error as the engine's code (`eval/overflow`, `eval/precision`).
pub(crate) fn exact_or_code(
    op: crate::ir::ArithOp,
    x: Decimal,
    y: Decimal,
) -> Result<Decimal, &'static str> {
    exact(op, x, y).map_err(|e| match e {
        Inexact::Overflow => crate::codes::OVERFLOW,
        Inexact::Precision => crate::codes::PRECISION,
    })
}

/// `x + y`, `x - y` or `x × y`, exactly, or why not: rust_decimal would round a result that
/// needs more digits than it has; the engine never rounds unless the policy says `round`.
pub(crate) fn exact(op: crate::ir::ArithOp, x: Decimal, y: Decimal) -> Result<Decimal, Inexact> {
    use crate::ir::ArithOp;
    let quick = match op {
        ArithOp::Add => x.checked_add(y),
        ArithOp::Sub => x.checked_sub(y),
        ArithOp::Mul => x.checked_mul(y),
        ArithOp::Div => return x.checked_div(y).ok_or(Inexact::Overflow),
    };
    // rust_decimal is exact whenever the result keeps the scale the exact result has.
    let exact_scale = match op {
        ArithOp::Mul => x.scale() + y.scale(),
        _ => x.scale().max(y.scale()),
    };
    if let Some(r) = quick
        && r.scale() == exact_scale
    {
        return Ok(r);
    }
    // It rescaled (or overflowed): decide with the exact 256-bit value.
    use ethnum::I256;
    let (mx, my) = (I256::from(x.mantissa()), I256::from(y.mantissa()));
    let ten = I256::from(10u8);
    let pow10 = |n: u32| (0..n).fold(I256::ONE, |acc, _| acc * ten);
    let mut p = match op {
        ArithOp::Mul => mx * my,
        ArithOp::Add | ArithOp::Sub => {
            let a = mx * pow10(exact_scale - x.scale());
            let b = my * pow10(exact_scale - y.scale());
            if op == ArithOp::Add { a + b } else { a - b }
        }
        ArithOp::Div => return Err(Inexact::Overflow),
    };
    let mut scale = exact_scale;
    let limit = I256::from(u128::MAX >> 32); // 2^96 - 1
    while scale > 28 || p.abs() > limit {
        if scale == 0 {
            return Err(Inexact::Overflow);
        }
        if p % ten != I256::ZERO {
            return Err(
                if p.abs() > limit && scale <= 28 && p.abs() / pow10(scale) > limit {
                    Inexact::Overflow
                } else {
                    Inexact::Precision
                },
            );
        }
        p /= ten;
        scale -= 1;
    }
    let m = i128::try_from(p).map_err(|_| Inexact::Overflow)?;
    Decimal::try_from_i128_with_scale(m, scale).map_err(|_| Inexact::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn arithmetic_is_exact_or_refused() {
        use crate::ir::ArithOp::{Add, Mul, Sub};
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(exact(Mul, d("1e-28"), d("1e-28")), Err(Inexact::Precision));
        assert_eq!(exact(Mul, d("185000000"), d("0.1")), Ok(d("18500000.0")));
        assert_eq!(exact(Mul, d("0.5"), d("0.2")), Ok(d("0.10")));
        assert_eq!(exact(Mul, Decimal::MAX, d("2")), Err(Inexact::Overflow));
        assert_eq!(
            exact(Add, Decimal::MAX, d("0.1")),
            Err(Inexact::Precision),
            "the sum needs a 30th digit"
        );
        assert_eq!(exact(Add, Decimal::MAX, d("1")), Err(Inexact::Overflow));
        assert_eq!(exact(Sub, d("1.5"), d("0.25")), Ok(d("1.25")));
        // 1.0000000000000000000000000001 × 1.5 needs 29 decimals.
        assert_eq!(
            exact(Mul, d("1.0000000000000000000000000001"), d("1.5")),
            Err(Inexact::Precision)
        );
        // 10^14 × 10^14 rescales but is exact.
        assert_eq!(
            exact(
                Mul,
                d("100000000000000.0000000000000"),
                d("100000000000000")
            ),
            Ok(d("10000000000000000000000000000"))
        );
    }

    #[test]
    fn dates_stay_in_years_1_to_9999() {
        assert!(parse_date("0000-01-01").is_none());
        assert!(parse_date("0001-01-01").is_some());
        assert_eq!(
            date_from_days(LAST_DAY).map(iso_date).as_deref(),
            Some("9999-12-31")
        );
        assert!(date_from_days(LAST_DAY + 1).is_none());
        assert_eq!(
            date_from_days(FIRST_DAY).map(iso_date).as_deref(),
            Some("0001-01-01")
        );
        assert!(date_from_days(0).is_none());
        let one_year = Calendar {
            months: 12,
            days: 0,
        };
        assert!(add_calendar(LAST_DAY, one_year, false).is_none());
        assert!(
            add_calendar(
                FIRST_DAY,
                Calendar {
                    months: i32::MIN,
                    days: 0
                },
                true
            )
            .is_none()
        );
    }

    #[test]
    fn decimals_print_canonically() {
        assert_eq!(
            decimal_text(Decimal::from_str("800000.00").unwrap()),
            "800000"
        );
        assert_eq!(decimal_text(Decimal::from_str("-0.0").unwrap()), "0");
        assert_eq!(decimal_text(Decimal::from_str("0.0365").unwrap()), "0.0365");
        assert_eq!(
            decimal_text(Decimal::from_str("-0.0365").unwrap()),
            "-0.0365"
        );
        assert_eq!(decimal_text(Decimal::from_str("12.5").unwrap()), "12.5");
        assert_eq!(decimal_text(Decimal::ZERO), "0");
        assert_eq!(decimal_text(Decimal::MAX), Decimal::MAX.to_string());
        assert_eq!(decimal_text(Decimal::MIN), Decimal::MIN.to_string());
        assert_eq!(
            decimal_text(Decimal::from_str("0.0000000000000000000000000001").unwrap()),
            "0.0000000000000000000000000001"
        );
    }

    proptest::proptest! {
        /// The hand-placed point gives `Decimal`'s own text, for every mantissa and scale.
        #[test]
        fn decimal_text_is_the_normalised_display(
            lo in proptest::prelude::any::<u32>(),
            mid in proptest::prelude::any::<u32>(),
            hi in proptest::prelude::any::<u32>(),
            negative in proptest::prelude::any::<bool>(),
            scale in 0u32..=28,
            small in proptest::prelude::any::<bool>(),
        ) {
            // Half the cases small (amounts of money), half anywhere in the 96-bit range.
            let (mid, hi) = if small { (0, 0) } else { (mid, hi) };
            let d = Decimal::from_parts(lo, mid, hi, negative, scale);
            proptest::prop_assert_eq!(decimal_text(d), d.normalize().to_string());
        }
    }

    #[test]
    fn dates_print_as_chrono_does() {
        for (y, m, d) in [
            (2024, 5, 20),
            (5, 1, 9),
            (999, 12, 31),
            (9999, 12, 31),
            (10000, 1, 1),
            (-3, 2, 28),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(iso_date(date), date.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn strict_dates() {
        assert!(parse_date("2024-02-29").is_some());
        for bad in [
            "2023-02-30",
            "+10000-01-01",
            "2024-1-01",
            "2024/01/01",
            "２０２４-01-01",
            "",
        ] {
            assert!(parse_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn calendar_arithmetic_clamps_to_month_end() {
        let jan31 = days_from_date(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap());
        let feb = add_calendar(jan31, Calendar { months: 1, days: 0 }, false).unwrap();
        assert_eq!(date_text(feb), "2024-02-29");
        let back = add_calendar(
            feb,
            Calendar {
                months: 12,
                days: 0,
            },
            true,
        )
        .unwrap();
        assert_eq!(date_text(back), "2023-02-28");
    }
}
