//! Facts: JSON validated against the policy's `input` schema. Nothing is guessed: a wrong
//! type, an undeclared field, an invalid date or an unknown enum value is an error naming
//! the fact path (`project.total_investment`, `equipment[2].price`) and what was expected.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde_json::Value;

use crate::codes;
use crate::decision::ErrorReport;
use crate::eval::FactRow;
use crate::graph::{EntitySchema, FieldSchema, Graph};
use crate::policy::FactValue;
use crate::types::Type;
use crate::value::{Val, days_from_date, parse_date};

/// Largest facts document accepted, in bytes.
pub const MAX_FACTS_BYTES: usize = 256 * 1024 * 1024;
/// Most items in one list of facts.
pub const MAX_LIST_ITEMS: usize = 1_000_000;
/// Most errors reported for one document (the rest are summarised).
const MAX_ERRORS: usize = 50;
/// Longest key in a facts document, in bytes (a fact path segment is a name).
pub const MAX_KEY_BYTES: usize = 1024;

fn error(code: &str, path: impl fmt::Display, message: String) -> ErrorReport {
    let path = path.to_string();
    ErrorReport {
        code: code.to_string(),
        message,
        path: (!path.is_empty()).then_some(path),
        ..Default::default()
    }
}

/// Where a fact sits in the document: `input`, `input.field`, `list[3]` or `list[3].field`.
/// Kept as borrowed parts and only written out when there is an error to report, so reading
/// good facts builds no strings.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FactPath<'a> {
    prefix: &'a str,
    index: Option<usize>,
    field: Option<&'a str>,
}

impl<'a> FactPath<'a> {
    /// A path given whole (`project.total_investment`).
    pub(crate) fn text(path: &'a str) -> FactPath<'a> {
        FactPath {
            prefix: path,
            index: None,
            field: None,
        }
    }

    fn item(list: &'a str, index: usize) -> FactPath<'a> {
        FactPath {
            prefix: list,
            index: Some(index),
            field: None,
        }
    }

    fn field(self, name: &'a str) -> FactPath<'a> {
        FactPath {
            field: Some(name),
            ..self
        }
    }
}

impl fmt::Display for FactPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix)?;
        if let Some(i) = self.index {
            write!(f, "[{i}]")?;
        }
        if let Some(name) = self.field {
            write!(f, ".{name}")?;
        }
        Ok(())
    }
}

/// A cell on its way to becoming a fact: a borrowed view of a JSON value or a [`FactValue`].
enum Cell<'v> {
    Null,
    Bool(bool),
    Decimal(Decimal),
    Date(chrono::NaiveDate),
    Text(&'v str),
}

/// A facts document parsed strictly. Keys and strings borrow from the text unless they
/// hold escapes; numbers keep their exact text.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json<'a> {
    Null,
    Bool(bool),
    /// A whole number that fits 64 bits.
    Int(i64),
    UInt(u64),
    /// Any other number, as written.
    Num(Cow<'a, str>),
    Str(Cow<'a, str>),
    Arr(Vec<Json<'a>>),
    /// Members in document order, keys unique.
    Obj(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl Json<'_> {
    /// The same document as a `serde_json` value.
    fn into_value(self) -> Value {
        match self {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Int(i) => Value::Number(i.into()),
            Json::UInt(u) => Value::Number(u.into()),
            // The text came from the JSON parser, so it is a valid number.
            Json::Num(t) => serde_json::Number::from_str(&t).map_or(Value::Null, Value::Number),
            Json::Str(s) => Value::String(s.into_owned()),
            Json::Arr(items) => Value::Array(items.into_iter().map(Json::into_value).collect()),
            Json::Obj(members) => Value::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_value()))
                    .collect(),
            ),
        }
    }
}

/// Parses facts JSON strictly: duplicate keys and excessive depth are errors, a leading
/// byte-order mark is skipped. Numbers keep their exact text only when `serde_json`'s
/// `arbitrary_precision` feature is enabled in the embedding build (this crate does not
/// force it); [`Policy::facts_from_json`](crate::Policy::facts_from_json) reads text
/// exactly in every build.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ErrorReport> {
    parse_doc(bytes).map(Json::into_value)
}

/// Deepest nesting of arrays and objects in a facts document.
const MAX_DEPTH: usize = 128;

fn invalid(code: &'static str, message: String) -> ErrorReport {
    error(
        code,
        "",
        format!("the facts are not acceptable JSON: {message}"),
    )
}

/// A fact path as `(entity or list, item index, field)`: `project.total_investment`,
/// `equipment[2].price`, `project`; `None` for anything else.
pub(crate) fn split_path(path: &str) -> Option<(&str, Option<usize>, Option<&str>)> {
    let (head, field) = match path.split_once('.') {
        Some((h, f)) => (h, Some(f)),
        None => (path, None),
    };
    match head.split_once('[') {
        Some((n, rest)) => {
            let i = rest.strip_suffix(']')?.parse::<usize>().ok()?;
            Some((n, Some(i), field))
        }
        None => Some((head, None, field)),
    }
}

/// Removes the fact at `path` from a parsed facts document (see `drop_field` in
/// `policy.rs`, its twin for `serde_json` values); whether there was one to remove.
pub(crate) fn drop_json_field(doc: &mut Json<'_>, path: &str) -> bool {
    fn remove(members: &mut Vec<(Cow<'_, str>, Json<'_>)>, key: &str) -> bool {
        let before = members.len();
        members.retain(|(k, _)| k != key);
        members.len() != before
    }
    let Some((name, index, field)) = split_path(path) else {
        return false;
    };
    let Json::Obj(top) = doc else {
        return false;
    };
    let entry = top.iter_mut().find(|(k, _)| k == name).map(|(_, v)| v);
    match (index, field, entry) {
        (None, None, Some(_)) => remove(top, name),
        (None, Some(f), Some(Json::Obj(o))) => remove(o, f),
        // The entity is not an object: the error is about it; drop it whole.
        (None, Some(_), Some(_)) => remove(top, name),
        (Some(i), Some(f), Some(Json::Arr(items))) => match items.get_mut(i) {
            Some(Json::Obj(o)) => remove(o, f),
            _ => false,
        },
        _ => false,
    }
}

/// [`parse_json`] without building a `serde_json` value: what the engine reads facts from.
/// The parser (jiter) hands over every number's exact text, and strings and keys without
/// escapes are borrowed from `bytes`.
pub(crate) fn parse_doc(bytes: &[u8]) -> Result<Json<'_>, ErrorReport> {
    if bytes.len() > MAX_FACTS_BYTES {
        return Err(error(
            codes::FACTS_TOO_LARGE,
            "",
            format!(
                "the facts are {} bytes, more than the limit of {MAX_FACTS_BYTES}",
                bytes.len()
            ),
        ));
    }
    let data = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let mut reader = Reader {
        jiter: jiter::Jiter::new(data),
        data,
    };
    reader.document()
}

/// The strict reader over jiter's pull parser.
struct Reader<'a> {
    jiter: jiter::Jiter<'a>,
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    fn document(&mut self) -> Result<Json<'a>, ErrorReport> {
        let peek = self.jiter.peek().map_err(|e| self.fail(e))?;
        let v = self.value(peek, 0)?;
        self.jiter.finish().map_err(|e| self.fail(e))?;
        Ok(v)
    }

    fn fail(&self, e: jiter::JiterError) -> ErrorReport {
        let at = self.jiter.error_position(e.index);
        invalid(
            codes::INVALID_JSON,
            format!("{} at line {} column {}", e.error_type, at.line, at.column),
        )
    }

    /// `part` (a slice jiter returned) as the same bytes of the input, with its lifetime.
    fn borrowed(data: &'a [u8], part: &[u8]) -> Option<&'a [u8]> {
        let start = (part.as_ptr() as usize).checked_sub(data.as_ptr() as usize)?;
        data.get(start..start.checked_add(part.len())?)
    }

    /// A string's or key's raw content (between the quotes, escapes not applied) as text:
    /// borrowed when it has no escape, else decoded.
    fn text(&self, raw: &'a [u8]) -> Result<Cow<'a, str>, ErrorReport> {
        if !raw.contains(&b'\\') {
            return std::str::from_utf8(raw).map(Cow::Borrowed).map_err(|e| {
                invalid(
                    codes::INVALID_JSON,
                    format!("a string is not valid UTF-8 (byte {})", e.valid_up_to()),
                )
            });
        }
        // Decode the escapes by reading the quoted string on its own.
        let start = (raw.as_ptr() as usize)
            .checked_sub(self.data.as_ptr() as usize)
            .and_then(|s| s.checked_sub(1));
        let quoted = start.and_then(|s| self.data.get(s..s + raw.len() + 2));
        let Some(quoted) = quoted else {
            return Err(invalid(
                codes::INVALID_JSON,
                "a malformed string".to_string(),
            ));
        };
        let mut one = jiter::Jiter::new(quoted);
        one.next_str()
            .map(|s| Cow::Owned(s.to_string()))
            .map_err(|e| invalid(codes::INVALID_JSON, e.error_type.to_string()))
    }

    fn key(&self, raw: Option<&'a [u8]>) -> Result<Option<Cow<'a, str>>, ErrorReport> {
        let Some(raw) = raw else { return Ok(None) };
        if raw.len() > MAX_KEY_BYTES {
            return Err(invalid(
                codes::FACTS_TOO_LARGE,
                format!(
                    "a key of {} bytes, more than the limit of {MAX_KEY_BYTES}",
                    raw.len()
                ),
            ));
        }
        self.text(raw).map(Some)
    }

    /// A key found (`Some(Some(_))`), none left (`None`), or one that is not in the input.
    fn checked(k: Option<Option<&'a [u8]>>) -> Result<Option<&'a [u8]>, ErrorReport> {
        match k {
            None => Ok(None),
            Some(Some(k)) => Ok(Some(k)),
            Some(None) => Err(invalid(codes::INVALID_JSON, "a malformed key".to_string())),
        }
    }

    fn too_deep(&self) -> ErrorReport {
        let at = self.jiter.current_position();
        invalid(
            codes::FACTS_TOO_DEEP,
            format!(
                "nested deeper than {MAX_DEPTH} levels at line {} column {}",
                at.line, at.column
            ),
        )
    }

    fn value(&mut self, peek: jiter::Peek, depth: usize) -> Result<Json<'a>, ErrorReport> {
        use jiter::Peek;
        match peek {
            Peek::Null => {
                self.jiter.known_null().map_err(|e| self.fail(e))?;
                Ok(Json::Null)
            }
            Peek::True | Peek::False => {
                let b = self.jiter.known_bool(peek).map_err(|e| self.fail(e))?;
                Ok(Json::Bool(b))
            }
            Peek::String => {
                let data = self.data;
                let raw = match self.jiter.known_bytes().map(|r| Reader::borrowed(data, r)) {
                    Ok(r) => r,
                    Err(e) => return Err(self.fail(e)),
                };
                let raw = raw.ok_or_else(|| {
                    invalid(codes::INVALID_JSON, "a malformed string".to_string())
                })?;
                self.text(raw).map(Json::Str)
            }
            Peek::Array => {
                if depth >= MAX_DEPTH {
                    return Err(self.too_deep());
                }
                let mut items = Vec::new();
                let mut next = self.jiter.known_array().map_err(|e| self.fail(e))?;
                while let Some(p) = next {
                    items.push(self.value(p, depth + 1)?);
                    next = self.jiter.array_step().map_err(|e| self.fail(e))?;
                }
                Ok(Json::Arr(items))
            }
            Peek::Object => {
                if depth >= MAX_DEPTH {
                    return Err(self.too_deep());
                }
                let mut members: Vec<(Cow<'a, str>, Json<'a>)> = Vec::with_capacity(8);
                // Built once an object outgrows a linear scan.
                let mut seen: Option<HashSet<Cow<'a, str>>> = None;
                let data = self.data;
                let first = match self.jiter.next_object_bytes() {
                    Ok(k) => k.map(|r| Reader::borrowed(data, r)),
                    Err(e) => return Err(self.fail(e)),
                };
                let mut key = self.key(Reader::checked(first)?)?;
                while let Some(k) = key {
                    let duplicate = if members.len() < LINEAR_KEYS {
                        members.iter().any(|(m, _)| *m == k)
                    } else {
                        let set = seen.get_or_insert_with(|| {
                            members.iter().map(|(m, _)| m.clone()).collect()
                        });
                        !set.insert(k.clone())
                    };
                    if duplicate {
                        let at = self.jiter.current_position();
                        return Err(invalid(
                            codes::DUPLICATE_JSON_KEY,
                            format!(
                                "duplicate key `{k}` at line {} column {}",
                                at.line, at.column
                            ),
                        ));
                    }
                    let p = self.jiter.peek().map_err(|e| self.fail(e))?;
                    let v = self.value(p, depth + 1)?;
                    members.push((k, v));
                    let next = match self.jiter.next_key_bytes() {
                        Ok(k) => k.map(|r| Reader::borrowed(data, r)),
                        Err(e) => return Err(self.fail(e)),
                    };
                    key = self.key(Reader::checked(next)?)?;
                }
                Ok(Json::Obj(members))
            }
            _ => {
                let data = self.data;
                let raw = match self
                    .jiter
                    .known_number_bytes(peek)
                    .map(|r| Reader::borrowed(data, r))
                {
                    Ok(r) => r,
                    Err(e) => return Err(self.fail(e)),
                };
                let raw = raw.ok_or_else(|| {
                    invalid(codes::INVALID_JSON, "a malformed number".to_string())
                })?;
                let text = std::str::from_utf8(raw)
                    .map_err(|_| invalid(codes::INVALID_JSON, "a malformed number".to_string()))?;
                let whole = !text.contains(['.', 'e', 'E']);
                Ok(match (whole, text.parse::<i64>(), text.parse::<u64>()) {
                    (true, Ok(i), _) => Json::Int(i),
                    (true, _, Ok(u)) => Json::UInt(u),
                    _ => Json::Num(Cow::Borrowed(text)),
                })
            }
        }
    }
}

/// Objects with more members than this check duplicate keys with a hash set.
const LINEAR_KEYS: usize = 16;

/// A facts document as the reader sees it: a parsed [`Json`] or a `serde_json` value.
pub(crate) trait Doc: Sized {
    /// An object's members, in document order.
    type Members<'v>: Iterator<Item = (&'v str, &'v Self)> + Clone
    where
        Self: 'v;
    fn view(&self) -> View<'_, Self>;
}

/// One value of a [`Doc`].
pub(crate) enum View<'v, D: Doc + 'v> {
    Null,
    Bool(bool),
    /// A whole number.
    Int(i128),
    /// A number's text (borrowed from the document; made for a `serde_json` number).
    Num(Cow<'v, str>),
    Str(&'v str),
    Arr(&'v [D]),
    Obj(D::Members<'v>),
}

type JsonMember<'a> = (Cow<'a, str>, Json<'a>);

fn json_member<'v, 'a>(m: &'v JsonMember<'a>) -> (&'v str, &'v Json<'a>) {
    (&m.0, &m.1)
}

fn value_member<'v>((k, v): (&'v String, &'v Value)) -> (&'v str, &'v Value) {
    (k, v)
}

impl<'a> Doc for Json<'a> {
    type Members<'v>
        = std::iter::Map<
        std::slice::Iter<'v, JsonMember<'a>>,
        fn(&'v JsonMember<'a>) -> (&'v str, &'v Json<'a>),
    >
    where
        Self: 'v;
    fn view<'v>(&'v self) -> View<'v, Json<'a>> {
        let member: fn(&'v JsonMember<'a>) -> (&'v str, &'v Json<'a>) = json_member;
        match self {
            Json::Null => View::Null,
            Json::Bool(b) => View::Bool(*b),
            Json::Int(i) => View::Int(i128::from(*i)),
            Json::UInt(u) => View::Int(i128::from(*u)),
            Json::Num(t) => View::Num(Cow::Borrowed(t)),
            Json::Str(s) => View::Str(s),
            Json::Arr(items) => View::Arr(items),
            Json::Obj(members) => View::Obj(members.iter().map(member)),
        }
    }
}

impl Doc for Value {
    type Members<'v> = std::iter::Map<
        serde_json::map::Iter<'v>,
        fn((&'v String, &'v Value)) -> (&'v str, &'v Value),
    >;
    fn view<'v>(&'v self) -> View<'v, Value> {
        let member: fn((&'v String, &'v Value)) -> (&'v str, &'v Value) = value_member;
        match self {
            Value::Null => View::Null,
            Value::Bool(b) => View::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => View::Int(i128::from(i)),
                (_, Some(u)) => View::Int(i128::from(u)),
                // Exact when the build enables `arbitrary_precision`, else the float's
                // shortest text.
                _ => View::Num(Cow::Owned(n.to_string())),
            },
            Value::String(s) => View::Str(s),
            Value::Array(items) => View::Arr(items),
            Value::Object(members) => View::Obj(members.iter().map(member)),
        }
    }
}

/// What a type accepts, for messages.
pub(crate) fn expected(g: &Graph, ty: Type) -> String {
    match ty {
        Type::Bool => "true or false".to_string(),
        Type::Int => "a whole number".to_string(),
        Type::Number | Type::Scalar => "a number (a JSON number or a decimal string)".to_string(),
        Type::Money => "an amount of money (a JSON number or a decimal string)".to_string(),
        Type::Percent => {
            "a percentage: a fraction (0.0365) or a string with % (\"3.65%\")".to_string()
        }
        Type::Date => "a date \"YYYY-MM-DD\"".to_string(),
        Type::Text => "text (a string)".to_string(),
        Type::Code => "a code (a string)".to_string(),
        Type::Enum(id) => g.enums.get(id as usize).map_or_else(
            || "an enum value".to_string(),
            |e| {
                format!(
                    "one of {}",
                    e.variants
                        .iter()
                        .map(|(n, _)| format!("\"{n}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        ),
        t => t.name().to_string(),
    }
}

fn json_kind<D: Doc>(v: &View<'_, D>) -> &'static str {
    match v {
        View::Null => "null",
        View::Bool(_) => "a boolean",
        View::Int(_) | View::Num(_) => "a number",
        View::Str(_) => "a string",
        View::Arr(_) => "an array",
        View::Obj(_) => "an object",
    }
}

/// Parses an exact decimal from JSON number text or a decimal string. A number with an
/// exponent (`1.5e3`) is accepted only when its value is exact in a decimal, like the same
/// digits written without one: `1.00000000000000000000000000001e0` is refused, never rounded.
pub(crate) fn decimal(text: &str) -> Option<Decimal> {
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let ok_chars = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'));
    if !ok_chars {
        return None;
    }
    let plain = match text.find(['e', 'E']) {
        None => std::borrow::Cow::Borrowed(text),
        Some(at) => std::borrow::Cow::Owned(expand_exponent(text.get(..at)?, text.get(at + 1..)?)?),
    };
    exact_decimal(&plain)
}

/// `mantissa × 10^exponent` written out without an exponent.
fn expand_exponent(mantissa: &str, exponent: &str) -> Option<String> {
    let exp: i32 = exponent.parse().ok()?;
    if exp.unsigned_abs() > 64 {
        return None;
    }
    let (sign, body) = match mantissa.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", mantissa.strip_prefix('+').unwrap_or(mantissa)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{int}{frac}");
    let point = i32::try_from(int.len()).ok()?.checked_add(exp)?;
    let n = i32::try_from(digits.len()).ok()?;
    let out = if point <= 0 {
        format!(
            "{sign}0.{}{digits}",
            "0".repeat(point.unsigned_abs() as usize)
        )
    } else if point >= n {
        format!(
            "{sign}{digits}{}",
            "0".repeat((point - n).unsigned_abs() as usize)
        )
    } else {
        let (a, b) = digits.split_at(point.unsigned_abs() as usize);
        format!("{sign}{a}.{b}")
    };
    Some(out)
}

/// A plain decimal (`-12.50`) exactly, or `None` if it needs more digits than a decimal has
/// (trailing zeros after the point and leading zeros do not count).
fn exact_decimal(text: &str) -> Option<Decimal> {
    let (sign, body) = match text.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", text.strip_prefix('+').unwrap_or(text)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let frac = frac.trim_end_matches('0');
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let trimmed = if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    };
    Decimal::from_str_exact(&trimmed).ok()
}

/// A percentage's fraction (`3.65` → `0.0365`), exactly.
fn percent_fraction(d: Decimal) -> Option<Decimal> {
    let d = d.normalize();
    Decimal::try_from_i128_with_scale(d.mantissa(), d.scale().checked_add(2)?).ok()
}

/// Converts one JSON value to a fact of type `ty`.
fn value<D: Doc>(g: &Graph, v: &D, ty: Type, path: FactPath<'_>) -> Result<Val, ErrorReport> {
    let v = v.view();
    let cell = match v {
        View::Null => return Ok(Val::Unknown),
        View::Bool(b) => Cell::Bool(b),
        // Any 64-bit integer fits a decimal's 96-bit mantissa.
        View::Int(i) => match Decimal::try_from_i128_with_scale(i, 0) {
            Ok(d) => Cell::Decimal(d),
            Err(_) => return Err(invalid_number(g, ty, path, &i.to_string())),
        },
        View::Num(text) => {
            match decimal(&text) {
                Some(d) => Cell::Decimal(d),
                None if ty.is_numeric() => return Err(invalid_number(g, ty, path, &text)),
                // Not a number type anyway: report the type, not the number.
                None => Cell::Decimal(Decimal::ZERO),
            }
        }
        View::Str(s) => Cell::Text(s),
        View::Arr(_) | View::Obj(_) => {
            return Err(wrong_type(g, ty, path, json_kind(&v)));
        }
    };
    typed_inner(g, cell, ty, path)
}

/// R4: a known number or date outside the field's declared range is `facts/out-of-range`,
/// naming the value and the range as written (`local_points = 16, allowed 0..15`).
pub(crate) fn check_range(
    g: &Graph,
    f: &FieldSchema,
    v: &Val,
    path: impl fmt::Display,
) -> Result<(), Box<ErrorReport>> {
    let Some(r) = &f.range else { return Ok(()) };
    if r.admits(v) {
        return Ok(());
    }
    let shown = crate::display::display(g, v, f.ty).unwrap_or_default();
    let mut e = error(
        codes::OUT_OF_RANGE,
        path,
        format!("{shown} is outside the allowed range {}", r.text),
    );
    e.expected = Some(format!("{} in {}", expected(g, f.ty), r.text));
    if f.ty == Type::Percent {
        e.help = Some("a percentage is given as a fraction (0.05) or as text (\"5%\")".to_string());
    }
    Err(Box::new(e))
}

fn wrong_type(g: &Graph, ty: Type, path: FactPath<'_>, found: &str) -> ErrorReport {
    let mut e = error(
        codes::WRONG_TYPE,
        path,
        format!("expected {}, found {found}", expected(g, ty)),
    );
    e.expected = Some(expected(g, ty));
    e
}

fn invalid_number(g: &Graph, ty: Type, path: FactPath<'_>, text: &str) -> ErrorReport {
    let mut e = error(
        codes::INVALID_NUMBER,
        path,
        format!("`{text}` is not an exact decimal number in range"),
    );
    e.expected = Some(expected(g, ty));
    e.help = Some("numbers have at most 28 significant digits and no NaN or infinity".to_string());
    e
}

fn kind_of(v: &Cell<'_>) -> &'static str {
    match v {
        Cell::Bool(_) => "a boolean",
        Cell::Decimal(_) => "a number",
        Cell::Date(_) => "a date",
        Cell::Text(_) => "a string",
        Cell::Null => "null",
    }
}

/// Converts one typed value (from JSON, a typed builder or a column) to a fact of type `ty`.
/// Strings are parsed for numbers (`"12.5"`, percentages `"3.65%"`), dates and enum values.
pub(crate) fn typed(
    g: &Graph,
    v: &FactValue,
    ty: Type,
    path: &str,
) -> Result<Val, Box<ErrorReport>> {
    let cell = match v {
        FactValue::Null => Cell::Null,
        FactValue::Bool(b) => Cell::Bool(*b),
        FactValue::Decimal(d) => Cell::Decimal(*d),
        FactValue::Date(d) => Cell::Date(*d),
        FactValue::Text(s) => Cell::Text(s),
    };
    typed_inner(g, cell, ty, FactPath::text(path)).map_err(Box::new)
}
fn typed_inner(g: &Graph, v: Cell<'_>, ty: Type, path: FactPath<'_>) -> Result<Val, ErrorReport> {
    let found = kind_of(&v);
    match (ty, v) {
        // One rule for every binding: null means the fact is not given, and so does an
        // empty string (an empty form field or spreadsheet cell) for every type but `text`,
        // where it is the empty text.
        (_, Cell::Null) => Ok(Val::Unknown),
        (t, Cell::Text("")) if t != Type::Text => Ok(Val::Unknown),
        (Type::Bool, Cell::Bool(b)) => Ok(Val::Bool(b)),
        (
            Type::Int | Type::Number | Type::Money | Type::Percent | Type::Scalar,
            v @ (Cell::Decimal(_) | Cell::Text(_)),
        ) => {
            let d = match v {
                Cell::Decimal(d) => d,
                Cell::Text(s) => {
                    // `"3.65%"` for a percent; `"200万"`, `"1.5亿"` for money, numbers and ints, as the
                    // policy language writes them (exactly: a decimal times 10⁴ or 10⁸).
                    let (body, percent, unit) = match s.strip_suffix('%') {
                        Some(b) if ty == Type::Percent => (b, true, None),
                        _ => match (s.strip_suffix('万'), s.strip_suffix('亿')) {
                            (Some(b), _)
                                if matches!(ty, Type::Money | Type::Number | Type::Int) =>
                            {
                                (b, false, Some(Decimal::from(10_000)))
                            }
                            (_, Some(b))
                                if matches!(ty, Type::Money | Type::Number | Type::Int) =>
                            {
                                (b, false, Some(Decimal::from(100_000_000)))
                            }
                            _ => (s, false, None),
                        },
                    };
                    let d = decimal(body).ok_or_else(|| invalid_number(g, ty, path, s))?;
                    if percent {
                        percent_fraction(d).ok_or_else(|| invalid_number(g, ty, path, s))?
                    } else if let Some(k) = unit {
                        d.checked_mul(k)
                            .ok_or_else(|| invalid_number(g, ty, path, s))?
                    } else {
                        d
                    }
                }
                _ => return Err(wrong_type(g, ty, path, found)),
            };
            if ty == Type::Int && !d.fract().is_zero() {
                let mut e = error(
                    codes::NOT_AN_INTEGER,
                    path,
                    format!("expected a whole number, found {}", d),
                );
                e.expected = Some(expected(g, ty));
                return Err(e);
            }
            Ok(Val::Num(d))
        }
        (Type::Date, Cell::Date(d)) => Ok(Val::Date(days_from_date(d))),
        (Type::Date, Cell::Text(s)) => parse_date(s)
            .map(|d| Val::Date(days_from_date(d)))
            .ok_or_else(|| {
                let mut e = error(
                    codes::INVALID_DATE,
                    path,
                    format!("`{s}` is not a calendar date YYYY-MM-DD"),
                );
                e.expected = Some(expected(g, ty));
                e
            }),
        (Type::Text | Type::Code, Cell::Text(s)) => Ok(Val::Str(s.into())),
        (Type::Enum(id), Cell::Text(s)) => {
            let Some(def) = g.enums.get(id as usize) else {
                return Err(wrong_type(g, ty, path, found));
            };
            match def.variants.iter().position(|(n, _)| *n == s) {
                Some(i) => Ok(Val::Enum(u32::try_from(i).unwrap_or(u32::MAX))),
                None => {
                    let names: Vec<&str> = def.variants.iter().map(|(n, _)| n.as_str()).collect();
                    let mut e = error(
                        codes::INVALID_ENUM_VALUE,
                        path,
                        format!("`{s}` is not an allowed value"),
                    );
                    e.expected = Some(expected(g, ty));
                    // A label given instead of the value, or a near miss (case, width, typo).
                    let by_label = def
                        .variants
                        .iter()
                        .find(|(_, l)| l.as_deref() == Some(s))
                        .map(|(n, _)| n.as_str());
                    let hint = by_label.or_else(|| clausula_dsl::suggest::closest(s, &names));
                    e.help = hint.map(|h| format!("did you mean \"{h}\"?"));
                    Err(e)
                }
            }
        }
        _ => Err(wrong_type(g, ty, path, found)),
    }
}

fn unknown_key(
    code: &str,
    path: impl fmt::Display,
    found: &str,
    names: &[&str],
    what: &str,
) -> ErrorReport {
    let mut e = error(code, path, format!("`{found}` is not {what}"));
    e.help = match clausula_dsl::suggest::closest(found, names) {
        Some(c) => Some(format!("did you mean `{c}`?")),
        None if names.is_empty() => None,
        None => Some(format!("expected one of {}", names.join(", "))),
    };
    e
}

fn record<'v, D: Doc + 'v>(
    g: &Graph,
    ent: &EntitySchema,
    obj: D::Members<'v>,
    prefix: FactPath<'_>,
    out: &mut [Val],
    errors: &mut Vec<ErrorReport>,
) {
    for (k, v) in obj {
        // Past the error limit the document is refused anyway: stop reading it.
        if errors.len() > MAX_ERRORS {
            break;
        }
        let path = prefix.field(k);
        match ent.fields.iter().position(|f| f.name == *k) {
            Some(fi) => {
                let field = ent.fields.get(fi);
                let ty = field.map_or(Type::Error, |f| f.ty);
                let checked = value(g, v, ty, path).and_then(|val| match field {
                    Some(f) => check_range(g, f, &val, path).map(|()| val).map_err(|e| *e),
                    None => Ok(val),
                });
                match checked {
                    Ok(val) => {
                        if let Some(slot) = out.get_mut(fi) {
                            *slot = val;
                        }
                    }
                    Err(e) => errors.push(e),
                }
            }
            None => {
                let names: Vec<&str> = ent.fields.iter().map(|f| f.name.as_str()).collect();
                let mut e = unknown_key(
                    codes::UNDECLARED_FIELD,
                    path,
                    k,
                    &names,
                    &format!("a field of `{}`", ent.name),
                );
                // No near miss here, but a field of that name elsewhere: say where it belongs.
                if clausula_dsl::suggest::closest(k, &names).is_none()
                    && let Some(other) = g
                        .entities
                        .iter()
                        .find(|o| o.fields.iter().any(|f| f.name == *k))
                {
                    e.help = Some(format!("`{k}` is a field of `{}`", other.name));
                }
                errors.push(e);
            }
        }
    }
    for (fi, f) in ent.fields.iter().enumerate() {
        if let (Some(slot), Some(d)) = (out.get_mut(fi), &f.default)
            && matches!(slot, Val::Unknown)
        {
            *slot = d.to_val();
        }
    }
}

/// The items of a list input (`None` when the list is null or bad; errors are added).
pub(crate) fn list_items<D: Doc>(
    g: &Graph,
    ent: &EntitySchema,
    val: &D,
    k: &str,
    errors: &mut Vec<ErrorReport>,
) -> Option<Vec<Vec<Val>>> {
    let val = val.view();
    match val {
        View::Null => None,
        View::Arr(items) => {
            if items.len() > MAX_LIST_ITEMS {
                errors.push(error(
                    codes::FACTS_TOO_LARGE,
                    k,
                    format!(
                        "{} items, more than the limit of {MAX_LIST_ITEMS}",
                        items.len()
                    ),
                ));
                return None;
            }
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let prefix = FactPath::item(k, i);
                let mut fields = vec![Val::Unknown; ent.fields.len()];
                match item.view() {
                    View::Obj(o) => record::<D>(g, ent, o, prefix, &mut fields, errors),
                    other => errors.push(error(
                        codes::NOT_AN_OBJECT,
                        prefix,
                        format!(
                            "each item must be an object of fields, found {}",
                            json_kind(&other)
                        ),
                    )),
                }
                out.push(fields);
                if errors.len() > MAX_ERRORS {
                    break;
                }
            }
            Some(out)
        }
        other => {
            errors.push(error(
                codes::WRONG_TYPE,
                k,
                format!(
                    "`{k}` is a list: expected an array of objects, found {}",
                    json_kind(&other)
                ),
            ));
            None
        }
    }
}

/// Validates facts against the graph's schema.
pub(crate) fn read<D: Doc>(g: &Graph, v: &D) -> Result<FactRow, Vec<ErrorReport>> {
    let mut row = FactRow {
        scalars: vec![Val::Unknown; g.slots.len()],
        lists: vec![None; g.lists.len()],
    };
    let mut errors = Vec::new();
    let obj = match v.view() {
        View::Obj(members) => members,
        other => {
            return Err(vec![error(
                codes::NOT_AN_OBJECT,
                "",
                format!(
                    "the facts must be a JSON object with one key per input, found {}",
                    json_kind(&other)
                ),
            )]);
        }
    };
    for (k, val) in obj.clone() {
        let Some(ent) = g.entities.iter().find(|e| e.name == *k) else {
            let names: Vec<&str> = g.entities.iter().map(|e| e.name.as_str()).collect();
            errors.push(unknown_key(
                codes::UNKNOWN_ENTITY,
                k,
                k,
                &names,
                "an input of this policy",
            ));
            continue;
        };
        if ent.is_list {
            if let Some(items) = list_items(g, ent, val, k, &mut errors)
                && let Some(slot) = row.lists.get_mut(ent.base as usize)
            {
                *slot = Some(items);
            }
        } else {
            let start = ent.base as usize;
            let end = start.saturating_add(ent.fields.len());
            let Some(out) = row.scalars.get_mut(start..end) else {
                continue;
            };
            match val.view() {
                // `null` for an entity is absent (R17): its fields take their defaults.
                View::Null => {
                    for (slot, f) in out.iter_mut().zip(&ent.fields) {
                        if let Some(d) = &f.default {
                            *slot = d.to_val();
                        }
                    }
                }
                View::Obj(o) => record::<D>(g, ent, o, FactPath::text(k), out, &mut errors),
                other => errors.push(error(
                    codes::NOT_AN_OBJECT,
                    k,
                    format!(
                        "`{k}` must be an object of fields, found {}",
                        json_kind(&other)
                    ),
                )),
            }
        }
        if errors.len() > MAX_ERRORS {
            break;
        }
    }
    // Defaults for entities not given at all.
    for ent in &g.entities {
        if ent.is_list || obj.clone().any(|(k, _)| k == ent.name) {
            continue;
        }
        for (fi, f) in ent.fields.iter().enumerate() {
            if let (Some(slot), Some(d)) = (row.scalars.get_mut(ent.base as usize + fi), &f.default)
            {
                *slot = d.to_val();
            }
        }
    }
    if errors.len() > MAX_ERRORS {
        let extra = errors.len() - MAX_ERRORS;
        errors.truncate(MAX_ERRORS);
        errors.push(error(
            codes::FACTS_TOO_LARGE,
            "",
            format!("{extra} more errors not shown"),
        ));
    }
    if errors.is_empty() {
        Ok(row)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_json_keeps_exact_numbers_and_refuses_duplicates() {
        let v = parse_json(br#"{"a": 0.1, "b": 12345678901234567890.12}"#).unwrap();
        assert_eq!(v["a"].as_number().unwrap().as_str(), "0.1");
        assert_eq!(
            v["b"].as_number().unwrap().as_str(),
            "12345678901234567890.12"
        );
        let e = parse_json(br#"{"a": 1, "a": 2}"#).unwrap_err();
        assert_eq!(e.code, codes::DUPLICATE_JSON_KEY);
        let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(
            parse_json(deep.as_bytes()).unwrap_err().code,
            codes::FACTS_TOO_DEEP
        );
        assert_eq!(
            parse_json(br#"{"a": "\ud800"}"#).unwrap_err().code,
            codes::INVALID_JSON
        );
        assert_eq!(
            parse_json(b"{\"a\": \"\xff\"}").unwrap_err().code,
            codes::INVALID_JSON
        );
        assert!(parse_json(b"\xef\xbb\xbf{}").is_ok());
    }

    #[test]
    fn documents_borrow_text_and_keep_numbers_exact() {
        let text = br#"{"n": -5, "u": 18446744073709551615, "f": 1.50, "e": 1e3, "s": "x\"y", "t": "plain", "l": [true, null]}"#;
        let doc = parse_doc(text).unwrap();
        let Json::Obj(members) = &doc else {
            panic!("not an object: {doc:?}")
        };
        let get = |k: &str| &members.iter().find(|(n, _)| n == k).unwrap().1;
        assert_eq!(get("n"), &Json::Int(-5));
        assert_eq!(get("u"), &Json::UInt(u64::MAX));
        assert_eq!(get("f"), &Json::Num(Cow::Borrowed("1.50")));
        assert!(matches!(get("t"), Json::Str(Cow::Borrowed("plain"))));
        assert!(matches!(get("s"), Json::Str(Cow::Owned(s)) if s == "x\"y"));
        let v = parse_json(text).unwrap();
        assert_eq!(v["u"].as_number().unwrap().as_str(), "18446744073709551615");
        assert_eq!(v["f"].as_number().unwrap().as_str(), "1.50");
        assert_eq!(v["e"].as_f64(), Some(1000.0));
        assert_eq!(v["l"], serde_json::json!([true, null]));
    }

    #[test]
    fn duplicate_keys_are_found_in_small_and_large_objects() {
        let e = parse_json(br#"{"a": 1, "\u0061": 2}"#).unwrap_err();
        assert_eq!(e.code, codes::DUPLICATE_JSON_KEY);
        let mut big: Vec<String> = (0..40).map(|i| format!("\"k{i}\": {i}")).collect();
        big.push("\"k31\": 0".to_string());
        let text = format!("{{{}}}", big.join(", "));
        let e = parse_json(text.as_bytes()).unwrap_err();
        assert_eq!(e.code, codes::DUPLICATE_JSON_KEY);
        assert!(e.message.contains("duplicate key `k31`"), "{}", e.message);
        big.pop();
        assert!(parse_json(format!("{{{}}}", big.join(", ")).as_bytes()).is_ok());
    }

    #[test]
    fn decimals_are_exact_or_refused() {
        assert_eq!(decimal("1e3").unwrap().normalize().to_string(), "1000");
        assert!(decimal("1e400").is_none());
        assert!(decimal("NaN").is_none());
        assert!(decimal("").is_none());
        assert!(decimal("1,000").is_none());
        assert_eq!(decimal("-0").unwrap().normalize().to_string(), "0");
        // Exponents: exact values only, as without one.
        assert_eq!(decimal("1.5e3").unwrap().normalize().to_string(), "1500");
        assert_eq!(decimal("25E-2").unwrap().normalize().to_string(), "0.25");
        assert_eq!(decimal("-1.2e-1").unwrap().normalize().to_string(), "-0.12");
        assert!(decimal("1.00000000000000000000000000001e0").is_none());
        assert!(decimal("1.00000000000000000000000000001").is_none());
        assert_eq!(
            decimal("1.00000000000000000000000000000000")
                .unwrap()
                .normalize()
                .to_string(),
            "1"
        );
        assert!(decimal("1e-29").is_none());
        assert!(decimal("1e29").is_none());
        assert!(decimal("e5").is_none());
        assert!(decimal("1e").is_none());
        assert_eq!(
            percent_fraction(Decimal::from_str_exact("3.65").unwrap())
                .unwrap()
                .to_string(),
            "0.0365"
        );
        assert!(
            percent_fraction(Decimal::from_str_exact("0.0000000000000000000000000001").unwrap())
                .is_none()
        );
    }
}
