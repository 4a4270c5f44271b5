//! The types of the policy language and their arithmetic.
//!
//! Numbers come in kinds that carry meaning: `money` has a dimension (yuan), `int`,
//! `number` and `percent` are dimensionless. The rules: money + money is money;
//! money × percent (or any dimensionless) is money; money / money is a number (a ratio);
//! money + percent, money × money and number / money are errors. A numeric literal
//! without a unit (`5000万`, `0.5`) takes whatever numeric kind it meets.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Index of an enum definition in a policy.
pub(crate) type EnumId = u32;

/// A type of the policy language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Type {
    /// `true` / `false`.
    Bool,
    /// Whole numbers.
    Int,
    /// Dimensionless decimals.
    Number,
    /// Amounts of money (exact decimals).
    Money,
    /// Fractions written with `%`; stored as the fraction (`10%` is 0.10).
    Percent,
    /// A numeric literal without a unit, before it meets a typed value.
    Scalar,
    /// A calendar date.
    Date,
    /// A span of days (`as_of - date`, `365 days`).
    Days,
    /// A calendar duration (`3 months`, `2 years`), only added to dates.
    Calendar,
    /// Free text.
    Text,
    /// A code (industry, category): text that supports `within` for hierarchies.
    Code,
    /// One of the values of an enum.
    Enum(EnumId),
    /// The type of an expression that already has an error (suppresses follow-on errors).
    Error,
}

impl Type {
    /// Whether values of this type are decimals.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Type::Int | Type::Number | Type::Money | Type::Percent | Type::Scalar
        )
    }

    /// Whether values are strings (text or code).
    pub fn is_stringy(self) -> bool {
        matches!(self, Type::Text | Type::Code)
    }

    /// The name as written in policies, or a description.
    pub fn name(self) -> &'static str {
        match self {
            Type::Bool => "bool",
            Type::Int => "int",
            Type::Number => "number",
            Type::Money => "money",
            Type::Percent => "percent",
            Type::Scalar => "number",
            Type::Date => "date",
            Type::Days => "days",
            Type::Calendar => "calendar duration",
            Type::Text => "text",
            Type::Code => "code",
            Type::Enum(_) => "enum",
            Type::Error => "error",
        }
    }

    /// Parses a type name written in a policy.
    pub fn from_name(name: &str) -> Option<Type> {
        Some(match name {
            "bool" => Type::Bool,
            "int" => Type::Int,
            "number" => Type::Number,
            "money" => Type::Money,
            "percent" => Type::Percent,
            "date" => Type::Date,
            "text" => Type::Text,
            "code" => Type::Code,
            _ => return None,
        })
    }

    /// The names accepted by [`Type::from_name`] (for suggestions).
    pub const NAMES: [&'static str; 8] = [
        "bool", "int", "number", "money", "percent", "date", "text", "code",
    ];

    fn dimension(self) -> Option<u8> {
        match self {
            Type::Money => Some(1),
            Type::Int | Type::Number | Type::Percent => Some(0),
            _ => None,
        }
    }

    /// The type two values unify to (branches of `if`, rows of a table, `min`/`max`
    /// arguments, comparisons), or `None` when they cannot mix.
    pub fn unify(a: Type, b: Type) -> Option<Type> {
        use Type::*;
        if a == Error || b == Error {
            return Some(Error);
        }
        if a == b {
            return Some(a);
        }
        match (a, b) {
            (Scalar, t) | (t, Scalar) if t.is_numeric() => Some(t),
            (Int, Number) | (Number, Int) => Some(Number),
            (Percent, Number) | (Number, Percent) | (Percent, Int) | (Int, Percent) => Some(Number),
            (Text, Code) | (Code, Text) => Some(Code),
            _ => None,
        }
    }

    /// Result type of `a + b` / `a - b`.
    pub fn sum(a: Type, b: Type, subtract: bool) -> Result<Type, String> {
        use Type::*;
        match (a, b) {
            (Error, _) | (_, Error) => Ok(Error),
            (Date, Date) if subtract => Ok(Days),
            (Date, Days | Calendar) => Ok(Date),
            (Days | Calendar, Date) if !subtract => Ok(Date),
            (Days, Days) => Ok(Days),
            (x, y) if x.is_numeric() && y.is_numeric() => match (x.dimension(), y.dimension()) {
                (Some(dx), Some(dy)) if dx != dy => Err(format!(
                    "cannot {} {} and {}",
                    if subtract { "subtract" } else { "add" },
                    x.name(),
                    y.name()
                )),
                _ => Type::unify(x, y)
                    .ok_or_else(|| format!("cannot add {} and {}", x.name(), y.name())),
            },
            _ => Err(format!(
                "cannot {} {} and {}",
                if subtract { "subtract" } else { "add" },
                a.name(),
                b.name()
            )),
        }
    }

    /// Result type of `a * b`. A unit-less literal keeps its flexibility through
    /// dimensionless factors (`robots * 5万` can still meet money).
    pub fn product(a: Type, b: Type) -> Result<Type, String> {
        use Type::*;
        match (a, b) {
            (Error, _) | (_, Error) => Ok(Error),
            (Money, Money) => Err("cannot multiply money by money".to_string()),
            (Money, t) | (t, Money) if t.is_numeric() => Ok(Money),
            (Scalar, Int | Number | Scalar | Percent) | (Int | Number | Percent, Scalar) => {
                Ok(Scalar)
            }
            (Percent, Percent) => Ok(Percent),
            (Int, Int) => Ok(Int),
            (x, y) if x.is_numeric() && y.is_numeric() => Ok(Number),
            _ => Err(format!("cannot multiply {} by {}", a.name(), b.name())),
        }
    }

    /// Result type of `a / b`.
    pub fn quotient(a: Type, b: Type) -> Result<Type, String> {
        use Type::*;
        match (a, b) {
            (Error, _) | (_, Error) => Ok(Error),
            (Money, Money) => Ok(Number),
            (Money, t) if t.is_numeric() => Ok(Money),
            (t, Money) if t.is_numeric() => Err(format!("cannot divide {} by money", t.name())),
            (Scalar, Int | Number | Scalar) => Ok(Scalar),
            (Percent, Scalar) => Ok(Percent),
            (x, y) if x.is_numeric() && y.is_numeric() => Ok(Number),
            _ => Err(format!("cannot divide {} by {}", a.name(), b.name())),
        }
    }

    /// Whether `<`, `<=`, `>`, `>=` apply between the two.
    pub fn orderable(a: Type, b: Type) -> bool {
        use Type::*;
        match (a, b) {
            (Error, _) | (_, Error) => true,
            (Date, Date) | (Days, Days) => true,
            (x, y) if x.is_numeric() && y.is_numeric() => {
                !matches!((x.dimension(), y.dimension()), (Some(dx), Some(dy)) if dx != dy)
            }
            _ => false,
        }
    }

    /// Whether `==` / `!=` apply between the two.
    pub fn equatable(a: Type, b: Type) -> bool {
        use Type::*;
        match (a, b) {
            (Error, _) | (_, Error) => true,
            (Calendar, _) | (_, Calendar) => false,
            (x, y) if x.is_numeric() && y.is_numeric() => Type::orderable(x, y),
            (x, y) if x.is_stringy() && y.is_stringy() => true,
            (x, y) => x == y,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::Type::*;
    use super::*;

    #[test]
    fn money_arithmetic_follows_dimensions() {
        assert_eq!(Type::sum(Money, Money, false), Ok(Money));
        assert!(Type::sum(Money, Percent, false).is_err());
        assert_eq!(Type::sum(Money, Scalar, false), Ok(Money));
        assert_eq!(Type::product(Money, Percent), Ok(Money));
        assert_eq!(Type::product(Percent, Money), Ok(Money));
        assert!(Type::product(Money, Money).is_err());
        assert_eq!(Type::quotient(Money, Money), Ok(Number));
        assert_eq!(Type::quotient(Money, Int), Ok(Money));
        // A literal stays flexible through counts: `robots * 5万` can be compared with money.
        assert_eq!(Type::product(Int, Scalar), Ok(Scalar));
        assert!(Type::orderable(Money, Type::product(Int, Scalar).unwrap()));
        assert_eq!(Type::quotient(Scalar, Int), Ok(Scalar));
        assert_eq!(Type::quotient(Int, Scalar), Ok(Number));
        assert!(Type::quotient(Number, Money).is_err());
        assert!(Type::orderable(Number, Percent));
        assert!(!Type::orderable(Money, Percent));
        assert!(Type::orderable(Money, Scalar));
    }

    #[test]
    fn dates_and_durations() {
        assert_eq!(Type::sum(Date, Date, true), Ok(Days));
        assert!(Type::sum(Date, Date, false).is_err());
        assert_eq!(Type::sum(Date, Calendar, false), Ok(Date));
        assert_eq!(Type::sum(Date, Days, true), Ok(Date));
        assert!(Type::orderable(Days, Days));
        assert!(!Type::orderable(Days, Calendar));
    }
}
