//! What each fuzz target checks. Shared, by `#[path]`, between the cargo-fuzz targets in
//! `fuzz_targets/` and the regression test `core/tests/fuzz_regressions.rs`, which replays
//! every input kept under `fuzz/regressions/<target>/` on stable in `cargo test`.
//!
//! A check fails by panicking: a crash, an internal-error diagnostic, or a broken invariant
//! (round trip, determinism, rows ≡ batch, monotonicity of three-valued evaluation).

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a fuzz harness fails by panicking"
)]

use std::fmt::Write;

use arbitrary::{Arbitrary, Unstructured};
use clausula_core::{Decision, NaiveDate, Policy, Status};
use clausula_dsl::Diagnostics;
use serde_json::Value;

/// Inputs longer than this are skipped: the limits are tested elsewhere, and a fuzzer that
/// spends its time on megabyte inputs finds nothing.
const MAX_INPUT: usize = 64 * 1024;

fn text(data: &[u8]) -> Option<&str> {
    if data.len() > MAX_INPUT {
        return None;
    }
    std::str::from_utf8(data).ok()
}

/// Diagnostics must never be internal errors, and must render (spans on char boundaries).
fn assert_clean(d: &Diagnostics, what: &str) {
    for code in d.codes() {
        assert!(
            !code.ends_with("/internal"),
            "{what}: internal diagnostic `{code}`\n{d}"
        );
    }
    let rendered = d.to_string();
    assert!(!rendered.is_empty() || d.list().is_empty());
    let reports = d.reports();
    assert_eq!(reports.len(), d.list().len());
}

fn date(s: &str) -> NaiveDate {
    clausula_core::parse_date(s).expect("a valid date")
}

/// `parse`: any UTF-8 text parses or gives clean diagnostics; what parses prints and
/// parses back.
pub(crate) fn parse(data: &[u8]) {
    let Some(source) = text(data) else { return };
    match clausula_dsl::parse(source) {
        Ok(file) => {
            let printed = clausula_dsl::print(&file);
            if let Err(d) = clausula_dsl::parse(&printed) {
                panic!("the printed file does not parse:\n{printed}\n{d}");
            }
        }
        Err(d) => assert_clean(&d, "parse"),
    }
}

/// `roundtrip`: `print(parse(x))` parses to the same tree; `format` is idempotent and keeps
/// the tree.
pub(crate) fn roundtrip(data: &[u8]) {
    let Some(source) = text(data) else { return };
    let Ok(file) = clausula_dsl::parse(source) else {
        return;
    };
    let tree = file.without_spans();
    let printed = clausula_dsl::print(&file);
    let again = clausula_dsl::parse(&printed)
        .unwrap_or_else(|d| panic!("printed source does not parse:\n{printed}\n{d}"));
    assert_eq!(
        tree,
        again.without_spans(),
        "print changed the tree:\n{printed}"
    );
    let formatted = match clausula_dsl::format(source) {
        Ok(f) => f,
        Err(d) => panic!("a file that parses does not format:\n{d}"),
    };
    let reparsed = clausula_dsl::parse(&formatted)
        .unwrap_or_else(|d| panic!("formatted source does not parse:\n{formatted}\n{d}"));
    assert_eq!(
        tree,
        reparsed.without_spans(),
        "format changed the tree:\n{formatted}"
    );
    let twice = clausula_dsl::format(&formatted)
        .unwrap_or_else(|d| panic!("formatted source does not format:\n{d}"));
    assert_eq!(formatted, twice, "format is not idempotent");
}

const DATES: [&str; 4] = ["1999-12-31", "2016-06-01", "2026-03-01", "9999-12-31"];

/// `compile`: any UTF-8 text compiles or gives clean diagnostics; a compiled policy
/// survives its bytes, runs its examples and decides on empty facts identically after
/// reloading.
pub(crate) fn compile(data: &[u8]) {
    let Some(source) = text(data) else { return };
    match Policy::compile(source) {
        Err(d) => assert_clean(&d, "compile"),
        Ok(policy) => {
            if let Some(w) = policy.warnings() {
                assert_clean(w, "warnings");
            }
            let bytes = policy.to_bytes();
            let loaded = Policy::from_bytes(&bytes).expect("a policy loads its own bytes");
            assert_eq!(loaded.to_bytes(), bytes, "bytes are stable");
            let _ = policy.inputs();
            let _ = policy.to_dot();
            let _ = policy.run_examples();
            for d in DATES {
                let empty = Value::Object(serde_json::Map::new());
                let a = policy.decide(&empty, date(d)).to_json();
                let b = loaded.decide(&empty, date(d)).to_json();
                assert_eq!(a, b);
            }
        }
    }
}

/// `graph`: arbitrary bytes load as a graph or give a `LoadError`; a graph that loads can be
/// inspected and evaluated on any facts without panicking.
pub(crate) fn graph(data: &[u8]) {
    let Ok(policy) = Policy::from_bytes(data) else {
        return;
    };
    let schema = policy.inputs();
    let _ = policy.to_dot();
    let _ = policy.graph_view();
    // one fact of a plausible value per field, and nothing
    let mut full = serde_json::Map::new();
    for input in &schema.inputs {
        let mut fields = serde_json::Map::new();
        for f in &input.fields {
            let v = match f.ty.as_str() {
                "bool" => Value::Bool(true),
                "date" => Value::String("2020-02-29".into()),
                "enum" => f
                    .choices
                    .as_ref()
                    .and_then(|c| c.first())
                    .map_or(Value::Null, |c| Value::String(c.value.clone())),
                "text" | "code" => Value::String("A".into()),
                _ => Value::String("12.5".into()),
            };
            fields.insert(f.name.clone(), v);
        }
        let value = if input.list {
            Value::Array(vec![Value::Object(fields.clone()), Value::Object(fields)])
        } else {
            Value::Object(fields)
        };
        full.insert(input.name.clone(), value);
    }
    for d in DATES {
        for facts in [
            Value::Object(serde_json::Map::new()),
            Value::Object(full.clone()),
        ] {
            let decision = policy.decide(&facts, date(d));
            let _ = decision.to_json();
            let _ = policy.decide_batch(std::slice::from_ref(&facts), date(d));
        }
    }
}

// ---------------------------------------------------------------------------------------
// `evaluate`: a structured generator of well-typed policies over a fixed schema, with facts
// that are mostly right and sometimes hostile.

const SCHEMA: &str = r#"policy fuzzed "fuzzed"
  effective 2015-01-01

input a "申请人" {
  ok: bool
  flag: bool = true
  m: money
  base: money = 1000
  n: int
  p: percent
  d: date
  c: code
  k: enum { 甲 "first", 乙, 丙 }
}

input xs[] {
  b: bool
  v: money
  w: int = 2
}

param limit: money
  from 2015-01-01 = 5000万
  from 2020-01-01 = 1亿

directory 目录 key code {
  min: money, rate: percent
  "C1" { min = 100, rate = 10% }
  "C12" { min = 2000万 }
  "C2" { min = 0.5, rate = 150% }
}

enum 等级 "等级" { 高 "high", 低 }

rule 封顶(x: money, cap: money) "封顶" = min(x, cap, limit)

table 分档(x: money) "分档" hit first {
  when x >= 1000 => x / 2
  when x < 0 => 0
  otherwise => 目录["C1"].min
}

table 系数(g: 等级) "系数" hit first {
  when g == 等级.高 => 2
  otherwise => 1
}

directory 年度 key year: int {
  cap: money
  0 { cap = 10 }
  3 { cap = 300 }
  -2 { cap = 0.5 }
}

directory 等级表 key 等级 {
  rate: percent
  高 { rate = 20% }
}
"#;

#[derive(Arbitrary, Debug, Clone, Copy)]
enum Cmp {
    Ge,
    Gt,
    Lt,
    Le,
    Eq,
    Ne,
}

impl Cmp {
    fn text(self) -> &'static str {
        match self {
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
        }
    }
}

#[derive(Arbitrary, Debug)]
enum B {
    True,
    False,
    Ok,
    Flag,
    InDir,
    Within(u8),
    EnumIs(u8),
    EnumIn,
    Not(Box<B>),
    And(Box<B>, Box<B>),
    Or(Box<B>, Box<B>),
    Money(Cmp, Box<M>, Box<M>),
    Int(Cmp, Box<I>, Box<I>),
    Date(Cmp, Box<D>, Box<D>),
    Ratio(Cmp, Box<M>, u8),
    If(Box<B>, Box<B>, Box<B>),
    Any(Box<B>),
    All(Box<B>),
    Rule(u8),
    /// Item scope only: the item's flag.
    ItemFlag,
    AgeDays(u16),
    /// `a.n in 年度`: an int-keyed directory (R8).
    InYears,
    /// `eligible(oJ)` of an outcome printed before this one (R9).
    Eligible(u8),
}

#[derive(Arbitrary, Debug)]
enum M {
    Lit(u8),
    Field,
    Base,
    Limit,
    DirMin,
    Add(Box<M>, Box<M>),
    Sub(Box<M>, Box<M>),
    Pct(Box<M>, u8),
    Times(Box<M>, Box<I>),
    Div(Box<M>, Box<I>),
    Min(Box<M>, Box<M>),
    Max(Box<M>, Box<M>),
    Round(Box<M>, u8),
    Floor(Box<M>),
    Neg(Box<M>),
    If(Box<B>, Box<M>, Box<M>),
    Sum(Box<B>, Box<M>),
    MaxOf(Box<B>),
    Rule(u8),
    /// Item scope only: the item's amount.
    ItemAmount,
    /// A call of the rule function `封顶` (R6), anywhere.
    Call(Box<M>, Box<M>),
    /// A call of the table function `分档` (R6), per application only.
    Band(Box<M>),
    /// `年度[a.n].cap`: an int-keyed lookup (R8).
    YearCap,
    /// An enum-keyed lookup, bare or qualified, with and without a row (R8).
    GradeRate(u8, Box<M>),
    /// `oJ.xI`: an amount of an outcome printed before this one (R9).
    OutcomeAmount(u8, u8),
}

#[derive(Arbitrary, Debug)]
enum I {
    Lit(i8),
    Field,
    Add(Box<I>, Box<I>),
    Count(Box<B>),
    Years(Box<D>),
    Months(Box<D>),
    /// Item scope only.
    ItemCount,
}

#[derive(Arbitrary, Debug)]
enum D {
    AsOf,
    Field,
    Lit(u8),
    PlusDays(Box<D>, u16),
    MinusMonths(Box<D>, u8),
}

const MONEY: [&str; 12] = [
    "0",
    "1",
    "0.01",
    "2.5",
    "100",
    "2000万",
    "1亿",
    "12345.6789",
    "99999999999999999999",
    "7922816251426433759354395033",
    "50_000_000",
    "3万",
];
const PERCENTS: [&str; 6] = ["0%", "10%", "60%", "100%", "a.p", "目录[a.c].rate"];
const DATE_LITS: [&str; 5] = [
    "2016-02-29",
    "2019-12-31",
    "2020-01-01",
    "0001-01-01",
    "9999-12-31",
];
const CODES: [&str; 4] = ["C", "C1", "C12", ""];

/// Prints generated expressions; past `MAX_DEPTH` a subtree becomes a leaf.
struct Printer {
    rules: Vec<(String, char)>,
    /// The amounts' count of each outcome printed so far (what `eligible` and `o.a` read).
    outcomes: Vec<usize>,
}

const MAX_DEPTH: u32 = 7;

impl Printer {
    fn rule(&self, kind: char, i: u8) -> Option<String> {
        let of: Vec<&String> = self
            .rules
            .iter()
            .filter(|(_, k)| *k == kind)
            .map(|(n, _)| n)
            .collect();
        if of.is_empty() {
            None
        } else {
            Some(of[usize::from(i) % of.len()].clone())
        }
    }

    fn b(&self, e: &B, depth: u32, item: bool) -> String {
        let d = depth + 1;
        if depth > MAX_DEPTH {
            return "a.ok".into();
        }
        match e {
            B::True => "true".into(),
            B::False => "false".into(),
            B::Ok => "a.ok".into(),
            B::Flag => "a.flag".into(),
            B::InDir => "a.c in 目录".into(),
            B::Within(i) => format!("a.c within \"{}\"", CODES[usize::from(*i) % CODES.len()]),
            B::EnumIs(i) => format!("a.k == {}", ["甲", "乙", "丙"][usize::from(*i) % 3]),
            B::EnumIn => "a.k in [甲, 丙]".into(),
            B::Not(x) => format!("not ({})", self.b(x, d, item)),
            B::And(x, y) => format!("({} and {})", self.b(x, d, item), self.b(y, d, item)),
            B::Or(x, y) => format!("({} or {})", self.b(x, d, item), self.b(y, d, item)),
            B::Money(c, x, y) => format!(
                "({} {} {})",
                self.m(x, d, item),
                c.text(),
                self.m(y, d, item)
            ),
            B::Int(c, x, y) => format!(
                "({} {} {})",
                self.i(x, d, item),
                c.text(),
                self.i(y, d, item)
            ),
            B::Date(c, x, y) => format!("({} {} {})", self.d(x, d), c.text(), self.d(y, d)),
            B::Ratio(c, x, p) => format!(
                "((a.base + {}) / (a.m + 1) {} {})",
                self.m(x, d, item),
                c.text(),
                PERCENTS[usize::from(*p) % PERCENTS.len()]
            ),
            B::If(c, x, y) => format!(
                "(if {} then {} else {})",
                self.b(c, d, item),
                self.b(x, d, item),
                self.b(y, d, item)
            ),
            B::Any(x) if !item => format!("any(xs where {})", self.b(x, d, true)),
            B::All(x) if !item => format!("all(xs, {})", self.b(x, d, true)),
            B::Rule(i) if !item => self.rule('b', *i).unwrap_or_else(|| "a.flag".into()),
            B::ItemFlag if item => "b".into(),
            B::AgeDays(n) => format!("(as_of - a.d >= {n} days)"),
            B::InYears => "a.n in 年度".into(),
            B::Eligible(j) if !item && !self.outcomes.is_empty() => {
                format!("eligible(o{})", usize::from(*j) % self.outcomes.len())
            }
            _ => "a.ok".into(),
        }
    }

    fn m(&self, e: &M, depth: u32, item: bool) -> String {
        let d = depth + 1;
        if depth > MAX_DEPTH {
            return "a.m".into();
        }
        match e {
            M::Lit(i) => MONEY[usize::from(*i) % MONEY.len()].into(),
            M::Field => "a.m".into(),
            M::Base => "a.base".into(),
            M::Limit => "limit".into(),
            M::DirMin => "目录[a.c].min".into(),
            M::Add(x, y) => format!("({} + {})", self.m(x, d, item), self.m(y, d, item)),
            M::Sub(x, y) => format!("({} - {})", self.m(x, d, item), self.m(y, d, item)),
            M::Pct(x, p) => format!(
                "({} * {})",
                self.m(x, d, item),
                PERCENTS[usize::from(*p) % PERCENTS.len()]
            ),
            M::Times(x, y) => format!("({} * {})", self.m(x, d, item), self.i(y, d, item)),
            M::Div(x, y) => format!("({} / {})", self.m(x, d, item), self.i(y, d, item)),
            M::Min(x, y) => format!("min({}, {})", self.m(x, d, item), self.m(y, d, item)),
            M::Max(x, y) => format!("max({}, {})", self.m(x, d, item), self.m(y, d, item)),
            M::Round(x, p) => format!("round({}, {})", self.m(x, d, item), p % 4),
            M::Floor(x) => format!("floor({}, 1)", self.m(x, d, item)),
            M::Neg(x) => format!("-({})", self.m(x, d, item)),
            M::If(c, x, y) => format!(
                "(if {} then {} else {})",
                self.b(c, d, item),
                self.m(x, d, item),
                self.m(y, d, item)
            ),
            M::Sum(c, x) if !item => format!(
                "sum(xs where {}, {})",
                self.b(c, d, true),
                self.m(x, d, true)
            ),
            M::MaxOf(c) if !item => format!("max(xs where {}, v)", self.b(c, d, true)),
            M::Rule(i) if !item => self.rule('m', *i).unwrap_or_else(|| "a.base".into()),
            M::ItemAmount if item => "v".into(),
            M::Call(x, y) => format!("封顶({}, {})", self.m(x, d, item), self.m(y, d, item)),
            M::Band(x) if !item => format!("(分档({}) * 系数(等级.高))", self.m(x, d, item)),
            M::YearCap => "年度[a.n].cap".into(),
            M::GradeRate(g, x) => format!(
                "({} * 等级表[{}].rate)",
                self.m(x, d, item),
                ["等级.高", "高", "等级.低", "低"][usize::from(*g) % 4]
            ),
            M::OutcomeAmount(j, i) if !item => {
                let with: Vec<(usize, usize)> = self
                    .outcomes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(o, n)| (o, *n))
                    .collect();
                match with.get(usize::from(*j) % with.len().max(1)) {
                    Some((o, n)) => format!("o{o}.x{}", usize::from(*i) % n),
                    None => "a.base".into(),
                }
            }
            _ => "a.m".into(),
        }
    }

    fn i(&self, e: &I, depth: u32, item: bool) -> String {
        let d = depth + 1;
        if depth > MAX_DEPTH {
            return "a.n".into();
        }
        match e {
            I::Lit(n) => {
                if *n < 0 {
                    format!("({n})")
                } else {
                    n.to_string()
                }
            }
            I::Field => "a.n".into(),
            I::Add(x, y) => format!("({} + {})", self.i(x, d, item), self.i(y, d, item)),
            I::Count(c) if !item => format!("count(xs where {})", self.b(c, d, true)),
            I::Years(x) => format!("years_between({}, as_of)", self.d(x, d)),
            I::Months(x) => format!("months_between({}, as_of)", self.d(x, d)),
            I::ItemCount if item => "w".into(),
            _ => "a.n".into(),
        }
    }

    fn d(&self, e: &D, depth: u32) -> String {
        let d = depth + 1;
        if depth > MAX_DEPTH {
            return "as_of".into();
        }
        match e {
            D::AsOf => "as_of".into(),
            D::Field => "a.d".into(),
            D::Lit(i) => DATE_LITS[usize::from(*i) % DATE_LITS.len()].into(),
            D::PlusDays(x, n) => format!("({} + {n} days)", self.d(x, d)),
            D::MinusMonths(x, n) => format!("({} - {n} months)", self.d(x, d)),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Rule {
    B(B),
    M(M),
}

#[derive(Arbitrary, Debug)]
struct Line {
    unless: bool,
    cond: B,
    guard: Option<B>,
}

#[derive(Arbitrary, Debug)]
struct Outcome {
    lines: Vec<Line>,
    amounts: Vec<M>,
}

/// A value for one fact: mostly right, sometimes hostile.
#[derive(Arbitrary, Debug, Clone)]
enum Fact {
    Absent,
    Null,
    Good(u8),
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Raw(u8),
}

const RAW: [&str; 14] = [
    "1e400",
    "-0",
    "\"NaN\"",
    "\"1e5\"",
    "\"１２３\"",
    "\"2023-02-30\"",
    "\"+10000-01-01\"",
    "\"甲\"",
    "\"ｃ1\"",
    "[]",
    "{}",
    "\"\\ud800\"",
    "79228162514264337593543950336",
    "-79228162514264337593543950335.5",
];

#[derive(Arbitrary, Debug)]
pub(crate) struct Case {
    rules: Vec<Rule>,
    outcomes: Vec<Outcome>,
    a: [Fact; 9],
    xs: Option<Vec<[Fact; 3]>>,
    as_of: u16,
    /// Drop this fact to test monotonicity.
    drop: u8,
    /// Declare ranges on the number, percent and date fields (interval reasoning, R1).
    ranged: bool,
    /// Now and then an entity or the list is `null`: the same as absent (R17).
    nulls: u8,
}

const FIELDS: [&str; 9] = ["ok", "flag", "m", "base", "n", "p", "d", "c", "k"];
const ITEM_FIELDS: [&str; 3] = ["b", "v", "w"];

fn good(field: &str, i: u8) -> String {
    let pick = |xs: &[&str]| xs[usize::from(i) % xs.len()].to_string();
    match field {
        "ok" | "flag" | "b" => pick(&["true", "false"]),
        "m" | "base" | "v" => pick(&[
            "0",
            "\"12.5\"",
            "2000",
            "\"20000000\"",
            "-3",
            "1e3",
            "\"0.001\"",
        ]),
        "n" | "w" => pick(&["0", "1", "3", "-2", "\"7\""]),
        "p" => pick(&["\"60%\"", "0.5", "\"1.2\"", "0"]),
        "d" => pick(&["\"2016-02-29\"", "\"2019-06-01\"", "\"2024-12-31\""]),
        "c" => pick(&["\"C1\"", "\"C12\"", "\"C123\"", "\"C2\"", "\"X\"", "\"\""]),
        _ => pick(&["\"甲\"", "\"乙\"", "\"丙\""]),
    }
}

fn fact_text(field: &str, f: &Fact) -> Option<String> {
    Some(match f {
        Fact::Absent => return None,
        Fact::Null => "null".into(),
        Fact::Good(i) => good(field, *i),
        Fact::Bool(b) => b.to_string(),
        Fact::Int(n) => n.to_string(),
        Fact::Float(x) => {
            serde_json::Number::from_f64(*x).map_or_else(|| "null".into(), |n| n.to_string())
        }
        Fact::Text(s) => serde_json::to_string(s).unwrap_or_default(),
        Fact::Raw(i) => RAW[usize::from(*i) % RAW.len()].into(),
    })
}

fn object(pairs: &[(&str, Option<String>)]) -> String {
    let body: Vec<String> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("\"{k}\":{v}")))
        .collect();
    format!("{{{}}}", body.join(","))
}

impl Case {
    fn source(&self) -> String {
        let mut s = if self.ranged {
            SCHEMA
                .replacen("  m: money\n", "  m: money in -1亿..1亿\n", 1)
                .replacen("  n: int\n", "  n: int in -5..100\n", 1)
                .replacen("  p: percent\n", "  p: percent in 0%..200%\n", 1)
                .replacen("  d: date\n", "  d: date in 2000-01-01..2030-12-31\n", 1)
        } else {
            String::from(SCHEMA)
        };
        let mut p = Printer {
            rules: Vec::new(),
            outcomes: Vec::new(),
        };
        for (i, r) in self.rules.iter().take(8).enumerate() {
            let (body, kind) = match r {
                Rule::B(b) => (p.b(b, 2, false), 'b'),
                Rule::M(m) => (p.m(m, 2, false), 'm'),
            };
            let _ = writeln!(s, "\nrule r{i} = {body}");
            p.rules.push((format!("r{i}"), kind));
        }
        for (o, out) in self.outcomes.iter().take(3).enumerate() {
            let _ = writeln!(s, "\noutcome o{o} {{");
            for line in out.lines.iter().take(6) {
                let kw = if line.unless { "unless" } else { "require" };
                let guard = line
                    .guard
                    .as_ref()
                    .map(|g| format!(" when {}", p.b(g, 3, false)))
                    .unwrap_or_default();
                let _ = writeln!(s, "  {kw} {}{guard} \"m\"", p.b(&line.cond, 1, false));
            }
            for (i, m) in out.amounts.iter().take(3).enumerate() {
                let _ = writeln!(s, "  amount x{i} = {}", p.m(m, 1, false));
            }
            s.push_str("}\n");
            p.outcomes.push(out.amounts.len().min(3));
        }
        s
    }

    fn facts(&self, drop: Option<usize>) -> String {
        let a: Vec<(&str, Option<String>)> = FIELDS
            .iter()
            .zip(&self.a)
            .enumerate()
            .map(|(i, (k, f))| {
                (
                    *k,
                    if Some(i) == drop {
                        None
                    } else {
                        fact_text(k, f)
                    },
                )
            })
            .collect();
        let a = if self.nulls % 16 == 1 {
            "null".to_string()
        } else {
            object(&a)
        };
        let mut top = vec![("a", Some(a))];
        if self.xs.is_none() && self.nulls % 16 == 2 {
            top.push(("xs", Some("null".to_string())));
        }
        if let Some(items) = &self.xs {
            let list: Vec<String> = items
                .iter()
                .take(50)
                .map(|it| {
                    let pairs: Vec<(&str, Option<String>)> = ITEM_FIELDS
                        .iter()
                        .zip(it)
                        .map(|(k, f)| (*k, fact_text(k, f)))
                        .collect();
                    object(&pairs)
                })
                .collect();
            top.push(("xs", Some(format!("[{}]", list.join(",")))));
        }
        object(&top)
    }

    fn as_of(&self) -> NaiveDate {
        // a day of 2014 (before the window) to 2032
        let year = 2014 + i32::from(self.as_of / 365 % 19);
        NaiveDate::from_yo_opt(year, u32::from(self.as_of % 365) + 1)
            .unwrap_or_else(|| date("2020-01-01"))
    }
}

fn statuses(d: &Decision) -> Vec<(String, Status)> {
    d.outcomes
        .iter()
        .map(|(k, o)| (k.to_string(), o.status))
        .collect()
}

/// `evaluate`: generated well-typed policies with mostly-right facts. Checks: no panic,
/// the JSON contract parses, evaluation is deterministic, a batch of one agrees with the
/// single decision, a reloaded graph agrees, `missing` names only unknown declared facts,
/// and dropping a fact never changes a decided outcome.
pub(crate) fn evaluate(data: &[u8]) {
    let Ok(case) = Case::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let source = case.source();
    let policy = match Policy::compile(&source) {
        Ok(p) => p,
        Err(d) => {
            assert_clean(&d, "generated policy");
            panic!("a generated policy does not compile:\n{source}\n{d}");
        }
    };
    let as_of = case.as_of();
    let facts = case.facts(None);
    let decision = policy.decide_json(facts.as_bytes(), as_of);
    let json = decision.to_json();
    let parsed: Value = serde_json::from_str(&json).expect("the decision is JSON");
    assert!(parsed.get("outcomes").is_some());
    assert_eq!(
        json,
        policy.decide_json(facts.as_bytes(), as_of).to_json(),
        "deterministic"
    );
    let reloaded = Policy::from_bytes(&policy.to_bytes()).expect("reload");
    assert_eq!(
        json,
        reloaded.decide_json(facts.as_bytes(), as_of).to_json(),
        "reloaded graph"
    );

    let Ok(value) = clausula_core::parse_json(facts.as_bytes()) else {
        return;
    };
    if decision.outcomes.is_empty() {
        return; // bad facts or outside the window: nothing more to compare
    }
    if let Ok(batch) = policy.decide_batch(std::slice::from_ref(&value), as_of) {
        for o in &batch.outcomes {
            let single = decision.outcome(&o.name).map(|x| x.status);
            assert_eq!(
                o.statuses.first().copied().flatten(),
                single,
                "batch of one, outcome {}\n{source}\n{facts}",
                o.name
            );
        }
    }
    let declared: Vec<String> = policy
        .inputs()
        .inputs
        .iter()
        .flat_map(|i| i.fields.iter().map(|f| f.path.clone()))
        .collect();
    for (name, o) in decision.outcomes.iter() {
        for m in &o.missing {
            let template = strip_index(m);
            assert!(
                declared.contains(&template)
                    || declared
                        .iter()
                        .any(|d| d.starts_with(&format!("{template}[]."))),
                "outcome {name} asks for undeclared `{m}`\n{source}\n{facts}"
            );
        }
    }
    // monotonicity: with one fact fewer, a decided outcome is decided the same way
    // (not `flag` or `base`: they have defaults, so dropping them changes their value)
    let droppable = [0, 2, 4, 5, 6, 7, 8];
    let fewer = case.facts(Some(droppable[usize::from(case.drop) % droppable.len()]));
    let less = policy.decide_json(fewer.as_bytes(), as_of);
    let more = statuses(&decision);
    for (name, status) in statuses(&less) {
        if status == Status::Undetermined {
            continue;
        }
        let with_all = more.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
        assert_eq!(
            with_all,
            Some(status),
            "outcome {name} was decided {status:?} without a fact and changed with it\n{source}\nfacts: {facts}\nfewer: {fewer}"
        );
    }
}

/// `xs[3].v` → `xs[].v`.
fn strip_index(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut skipping = false;
    for ch in path.chars() {
        match ch {
            '[' => {
                skipping = true;
                out.push('[');
            }
            ']' => {
                skipping = false;
                out.push(']');
            }
            _ if skipping => {}
            _ => out.push(ch),
        }
    }
    out
}

/// A decimal's exact value from JSON number text, for comparing two parsers' numbers.
fn number_value(text: &str) -> Option<clausula_core::Decimal> {
    let d = clausula_core::Decimal::from_scientific(text)
        .ok()
        .or_else(|| clausula_core::Decimal::from_str_exact(text).ok())?;
    Some(d.normalize())
}

/// Whether two JSON values are the same document (numbers by value when both are decimals,
/// else by text; object members in order).
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (xs, ys) = (x.to_string(), y.to_string());
            xs == ys
                || matches!((number_value(&xs), number_value(&ys)), (Some(p), Some(q)) if p == q)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kp, p), (kq, q))| kp == kq && same_json(p, q))
        }
        // serde_json with `arbitrary_precision` reads this object as a number; the engine
        // reads it as what it is, an object (the spoofing the engine refuses to fall for).
        (Value::Object(x), Value::Number(y)) if x.len() == 1 => x
            .get("$serde_json::private::Number")
            .is_some_and(|v| v.as_str() == Some(y.to_string().as_str())),
        _ => a == b,
    }
}

/// Whether an object anywhere in `v` has serde_json's private number key.
fn mentions_private_number(v: &Value) -> bool {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                if m.contains_key("$serde_json::private::Number") {
                    return true;
                }
                stack.extend(m.values());
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
    false
}

/// Whether `v` nests arrays and objects deeper than `limit`.
fn deeper_than(v: &Value, limit: usize) -> bool {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, d)) = stack.pop() {
        let children: Vec<&Value> = match v {
            Value::Array(items) => items.iter().collect(),
            Value::Object(m) => m.values().collect(),
            _ => continue,
        };
        if d + 1 > limit {
            return true;
        }
        stack.extend(children.into_iter().map(|c| (c, d + 1)));
    }
    false
}

/// Target `facts_json`: raw bytes as a facts document, diffed against serde_json. Both accept
/// the same JSON and read the same values, except where the engine is stricter on purpose:
/// duplicate keys, keys over 1,024 bytes, nesting over 128 levels (serde_json's own limit is
/// the same). A leading byte-order mark is skipped by the engine only.
pub(crate) fn facts_json(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let ours = clausula_core::parse_json(data);
    let body = data.strip_prefix(b"\xef\xbb\xbf").unwrap_or(data);
    let theirs: Result<Value, _> = serde_json::from_slice(body);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => assert!(same_json(a, b), "the documents differ: {a} vs {b}"),
        // serde_json with `arbitrary_precision` reserves this key for its own numbers and
        // refuses it with any other value; the engine reads it as the ordinary key it is.
        (Ok(a), Err(_)) if mentions_private_number(a) => {}
        (Ok(a), Err(e)) => panic!("accepted what serde_json refuses ({e}): {a}"),
        (Err(e), Ok(b)) => {
            let stricter = matches!(
                e.code.as_str(),
                "facts/duplicate-key" | "facts/too-large" | "facts/too-deep"
            ) || deeper_than(b, 127);
            // serde_json keeps the last of two equal keys; a document with none may only be
            // refused by the engine's own limits.
            assert!(
                stricter,
                "refused what serde_json accepts ({}): {b}",
                e.message
            );
        }
        (Err(_), Err(_)) => {}
    }
    // Whatever the bytes, reading them as an application of a policy never panics.
    let p = harness_policy();
    let _ = p.decide_json(data, date("2024-06-01"));
    let _ = p.summarize_json(data, date("2024-06-01"));
}

fn harness_policy() -> &'static Policy {
    static POLICY: std::sync::OnceLock<Policy> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        Policy::compile(
            "policy p \"P\"\n\ninput e {\n  x: money\n  n: int = 3\n  s: enum { a, b }\n  t: text\n  d: date\n}\n\ninput items[] {\n  v: money\n}\n\noutcome o {\n  require e.x > 1 \"x\"\n  require count(items where v > 1) >= e.n \"n\"\n  amount a = e.x * 2\n}\n",
        )
        .unwrap()
    })
}
