//! Property tests over random well-typed policies and random facts:
//! - the compiled graph agrees with the reference interpreter on every outcome status,
//!   line status, amount and evaluation error;
//! - adding facts never changes a decided outcome (only `undetermined` can become decided);
//! - evaluation is deterministic.
//!
//! Policies are generated as source text from a fixed schema, so the whole pipeline
//! (parse, check, compile) is exercised. A failure prints the seed and the policy.

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test-only code"
)]

use std::fmt::Write;

use chrono::NaiveDate;
use proptest::prelude::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

use crate::check;
use crate::compile;
use crate::decision::{Decision, LineStatus, Status};
use crate::load::{MemoryLoader, load_all};
use crate::policy::Policy;
use crate::reference::{RefOutcome, Reference};
use crate::value::{days_from_date, decimal_text};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ty {
    Bool,
    Money,
    Ratio,
    Int,
    Date,
}

const SCHEMA: &str = r#"policy gen "generated"
  effective 2019-01-01

enum 档 { x, y, z }

input e "entity" {
  b1: bool
  b2: bool = false
  n1: money
  n2: money = 100
  i1: int
  p1: percent
  d1: date
  c1: code
  k: 档
}

input items[] {
  q: bool
  v: money
  w: int = 1
}

param cap: money
  from 2019-01-01 = 5000
  from 2021-01-01 = 8000

directory D key code {
  m: money, r: percent
  "A" { m = 100, r = 10% }
  "AB" { m = 2000 }
  "B" { m = 30, r = 50% }
}

directory K key 档 {
  f: percent
  x { f = 120% }
  y { f = 80% }
}

directory Y key year: int {
  cap: money
  1 { cap = 500 }
  3 { cap = 1_500 }
}
"#;

struct Gen {
    rng: SmallRng,
    /// Rules declared so far, with their types.
    rules: Vec<(String, Ty)>,
    /// Per-item boolean rules.
    item_rules: Vec<String>,
    tables: Vec<(String, Ty)>,
    /// Outcomes whose status later lines and amounts may read (`eligible(oN)`, R9).
    outcomes_done: u32,
    /// Money functions of two money parameters (`fm0`), and table functions of one (`ft0`).
    rule_fns: u32,
    table_fns: u32,
    /// Amounts of each finished outcome, readable later as `oN.aM` (R9).
    amounts_of: Vec<u32>,
}

impl Gen {
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.rng.random_range(0..xs.len())]
    }

    /// A money literal as written in a policy.
    fn money_lit(&mut self) -> String {
        self.pick(&[
            "0",
            "1",
            "2.5",
            "100",
            "1500",
            "2000",
            "3万",
            "0.01",
            "12345.67",
            "99999999999999999999",
        ])
        .to_string()
    }

    /// A money value as written in facts JSON.
    fn money_fact(&mut self) -> String {
        self.pick(&[
            "0",
            "1",
            "2.5",
            "100",
            "-3",
            "2000",
            "30000",
            "0.01",
            "12345.67",
            "99999999999999999999",
        ])
        .to_string()
    }

    fn rule_of(&mut self, ty: Ty) -> Option<String> {
        let matching: Vec<String> = self
            .rules
            .iter()
            .filter(|(_, t)| *t == ty)
            .map(|(n, _)| n.clone())
            .collect();
        if matching.is_empty() || self.rng.random_bool(0.6) {
            return None;
        }
        Some(matching[self.rng.random_range(0..matching.len())].clone())
    }

    /// An expression of type `ty`; `item` allows the item fields of `items`.
    fn expr(&mut self, ty: Ty, depth: u32, item: bool) -> String {
        // An amount of an earlier outcome (R9).
        if ty == Ty::Money && !item && self.rng.random_bool(0.05) {
            let with: Vec<(usize, u32)> = self
                .amounts_of
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(o, n)| (o, *n))
                .collect();
            if !with.is_empty() {
                let (o, n) = with[self.rng.random_range(0..with.len())];
                return format!("o{o}.a{}", self.rng.random_range(0..n));
            }
        }
        // A call of a function (R6): rule functions anywhere, table functions per application.
        if ty == Ty::Money && depth > 0 && self.rng.random_bool(0.1) {
            let tables = if item { 0 } else { self.table_fns };
            let n = self.rule_fns + tables;
            if n > 0 {
                let k = self.rng.random_range(0..n);
                let d = depth - 1;
                return if k < self.rule_fns {
                    let (a, b) = (self.expr(Ty::Money, d, item), self.expr(Ty::Money, d, item));
                    format!("fm{k}({a}, {b})")
                } else {
                    format!("ft{}({})", k - self.rule_fns, self.expr(Ty::Money, d, item))
                };
            }
        }
        let leaf = depth == 0 || self.rng.random_bool(0.3);
        if !item && let Some(r) = self.rule_of(ty) {
            return r;
        }
        match ty {
            Ty::Bool => {
                if leaf {
                    let mut opts: Vec<String> =
                        ["e.b1", "e.b2", "true", "false", "e.c1 in D", "e.k == x"]
                            .iter()
                            .map(|s| s.to_string())
                            .collect();
                    if item {
                        opts.extend(["q", "q", "w > 1"].iter().map(|s| s.to_string()));
                        opts.extend(self.item_rules.iter().cloned());
                    } else {
                        opts.extend((0..self.outcomes_done).map(|o| format!("eligible(o{o})")));
                    }
                    return opts[self.rng.random_range(0..opts.len())].clone();
                }
                let d = depth - 1;
                match self.rng.random_range(0..15) {
                    0 => format!(
                        "({} and {})",
                        self.expr(Ty::Bool, d, item),
                        self.expr(Ty::Bool, d, item)
                    ),
                    1 => format!(
                        "({} or {})",
                        self.expr(Ty::Bool, d, item),
                        self.expr(Ty::Bool, d, item)
                    ),
                    2 => format!("not ({})", self.expr(Ty::Bool, d, item)),
                    3 => {
                        let op = self.pick(&[">=", ">", "<", "<=", "==", "!="]);
                        format!(
                            "({} {op} {})",
                            self.expr(Ty::Money, d, item),
                            self.expr(Ty::Money, d, item)
                        )
                    }
                    4 => {
                        let op = self.pick(&[">=", "<", "=="]);
                        format!(
                            "({} {op} {})",
                            self.expr(Ty::Int, d, item),
                            self.expr(Ty::Int, d, item)
                        )
                    }
                    5 => {
                        let op = self.pick(&[">=", "<"]);
                        format!(
                            "({} {op} {})",
                            self.expr(Ty::Date, d, item),
                            self.expr(Ty::Date, d, item)
                        )
                    }
                    6 => {
                        let op = self.pick(&[">=", ">", "<"]);
                        let pct =
                            self.pick(&["60%", "10%", "100%", "e.p1", "D[e.c1].r", "K[e.k].f"]);
                        format!("({} {op} {pct})", self.expr(Ty::Ratio, d, item))
                    }
                    7 => self
                        .pick(&[
                            "e.c1 within \"A\"",
                            "e.c1 within D",
                            "e.c1 == \"AB\"",
                            "e.k in [x, y]",
                            "e.k != z",
                            "e.k in K",
                            "e.i1 in Y",
                        ])
                        .to_string(),
                    8 if !item => format!("any(items where {})", self.expr(Ty::Bool, d, true)),
                    9 if !item => format!("all(items, {})", self.expr(Ty::Bool, d, true)),
                    10 => format!(
                        "(if {} then {} else {})",
                        self.expr(Ty::Bool, d, item),
                        self.expr(Ty::Bool, d, item),
                        self.expr(Ty::Bool, d, item)
                    ),
                    11 => format!("(as_of - e.d1 >= {} days)", self.rng.random_range(0..1500)),
                    _ => self.expr(Ty::Bool, 0, item),
                }
            }
            Ty::Money => {
                if leaf {
                    let mut opts: Vec<String> = ["e.n1", "e.n2", "cap", "D[e.c1].m", "Y[e.i1].cap"]
                        .iter()
                        .map(|s| s.to_string())
                        .collect();
                    opts.push(self.money_lit());
                    opts.extend(
                        self.tables
                            .iter()
                            .filter(|(_, t)| *t == Ty::Money)
                            .map(|(n, _)| n.clone()),
                    );
                    if item {
                        opts.extend(["v".to_string(), "v".to_string()]);
                    }
                    return opts[self.rng.random_range(0..opts.len())].clone();
                }
                let d = depth - 1;
                match self.rng.random_range(0..14) {
                    0 => format!(
                        "({} + {})",
                        self.expr(Ty::Money, d, item),
                        self.expr(Ty::Money, d, item)
                    ),
                    1 => format!(
                        "({} - {})",
                        self.expr(Ty::Money, d, item),
                        self.expr(Ty::Money, d, item)
                    ),
                    2 => {
                        let p = self.pick(&["e.p1", "15%", "D[e.c1].r", "0.5", "K[y].f"]);
                        format!("({} * {p})", self.expr(Ty::Money, d, item))
                    }
                    3 => format!(
                        "({} * {})",
                        self.expr(Ty::Money, d, item),
                        self.expr(Ty::Int, d, item)
                    ),
                    4 => format!(
                        "({} / {})",
                        self.expr(Ty::Money, d, item),
                        self.expr(Ty::Int, d, item)
                    ),
                    5 => format!(
                        "min({}, {})",
                        self.expr(Ty::Money, d, item),
                        self.expr(Ty::Money, d, item)
                    ),
                    6 => format!(
                        "max({}, {})",
                        self.expr(Ty::Money, d, item),
                        self.expr(Ty::Money, d, item)
                    ),
                    7 => format!(
                        "round({}, {})",
                        self.expr(Ty::Money, d, item),
                        self.rng.random_range(0..3)
                    ),
                    8 => format!("-({})", self.expr(Ty::Money, d, item)),
                    9 if !item => format!(
                        "sum(items where {}, {})",
                        self.expr(Ty::Bool, d, true),
                        self.expr(Ty::Money, d, true)
                    ),
                    10 => format!(
                        "(if {} then {} else {})",
                        self.expr(Ty::Bool, d, item),
                        self.expr(Ty::Money, d, item),
                        self.expr(Ty::Money, d, item)
                    ),
                    11 if !item => format!("max(items where {}, v)", self.expr(Ty::Bool, d, true)),
                    12 => format!("floor({}, 1)", self.expr(Ty::Money, d, item)),
                    _ => self.expr(Ty::Money, 0, item),
                }
            }
            // Anchored to money facts, so both sides are money even when the generated
            // operand is made of unit-less literals only.
            Ty::Ratio => format!(
                "((e.n2 + {}) / (e.n1 + {}))",
                self.expr(Ty::Money, depth.saturating_sub(1), item),
                self.expr(Ty::Money, depth.saturating_sub(1), item)
            ),
            Ty::Int => {
                if leaf || depth == 0 {
                    let mut opts = vec!["e.i1", "0", "1", "3", "years_between(e.d1, as_of)"];
                    if item {
                        opts.extend(["w", "w"]);
                    }
                    return self.pick(&opts).to_string();
                }
                let d = depth - 1;
                match self.rng.random_range(0..4) {
                    0 if !item => format!("count(items where {})", self.expr(Ty::Bool, d, true)),
                    1 => format!(
                        "({} + {})",
                        self.expr(Ty::Int, d, item),
                        self.expr(Ty::Int, d, item)
                    ),
                    2 => format!("months_between({}, as_of)", self.expr(Ty::Date, d, item)),
                    _ => self.expr(Ty::Int, 0, item),
                }
            }
            Ty::Date => {
                let base = self
                    .pick(&["e.d1", "as_of", "2020-02-29", "2021-01-01"])
                    .to_string();
                if leaf {
                    return base;
                }
                match self.rng.random_range(0..3) {
                    0 => format!("({base} + {} days)", self.rng.random_range(0..400)),
                    1 => format!("({base} - {} months)", self.rng.random_range(0..30)),
                    _ => base,
                }
            }
        }
    }

    /// A money expression of a function's parameters `x` and `y` (R6): what a body may read.
    fn fn_body(&mut self) -> String {
        let lit = self.money_lit();
        match self.rng.random_range(0..7) {
            0 => "x + y".to_string(),
            1 => "min(x, cap) - y".to_string(),
            2 => format!("if x > y then x else y * 2 + {lit}"),
            3 => "(x - y) / 2".to_string(),
            4 => "round(x / 3, 2)".to_string(),
            5 => format!("max(x, y, {lit})"),
            _ => format!("x * D[\"A\"].r + {lit}"),
        }
    }

    fn policy(&mut self) -> String {
        let mut s = String::from(SCHEMA);
        // Functions: bodies over their parameters, params and directories; later ones may
        // call earlier ones.
        for f in 0..self.rng.random_range(0..3u32) {
            let body = if f > 0 && self.rng.random_bool(0.4) {
                let g = self.rng.random_range(0..f);
                format!("fm{g}(y, x) + {}", self.money_lit())
            } else {
                self.fn_body()
            };
            let _ = writeln!(s, "\nrule fm{f}(x: money, y: money) = {body}");
            self.rule_fns = f + 1;
        }
        if self.rng.random_bool(0.4) {
            let (lit, body, other) = (self.money_lit(), self.fn_body(), self.money_lit());
            let _ = writeln!(
                s,
                "\ntable ft0(x: money) hit first {{\n  when x >= {lit} => {}\n  otherwise => {other}\n}}",
                body.replace('y', "cap")
            );
            self.table_fns = 1;
        }
        // Tables over entity fields only.
        for t in 0..self.rng.random_range(0..3) {
            let name = format!("t{t}");
            let hit = self.pick(&["first", "first", "collect sum", "collect max"]);
            let _ = writeln!(s, "\ntable {name} hit {hit} {{");
            let versions = if self.rng.random_bool(0.5) {
                vec![None]
            } else {
                vec![Some("2019-01-01"), Some("2021-01-01")]
            };
            let versioned = versions.first().is_some_and(Option::is_some);
            for v in &versions {
                if let Some(d) = v {
                    let _ = writeln!(s, "  from {d} {{");
                }
                for _ in 0..self.rng.random_range(1..4) {
                    let (c, val) = (
                        self.expr(Ty::Bool, 1, false),
                        self.expr(Ty::Money, 1, false),
                    );
                    let _ = writeln!(s, "    when {c} => {val}");
                }
                if self.rng.random_bool(0.7) {
                    let val = self.money_lit();
                    let _ = writeln!(s, "    otherwise => {val}");
                }
                if versioned {
                    s.push_str("  }\n");
                }
            }
            s.push_str("}\n");
            self.tables.push((name, Ty::Money));
        }
        for r in 0..self.rng.random_range(0..3) {
            let name = format!("items.ir{r}");
            let body = self.expr(Ty::Bool, 2, true);
            let _ = writeln!(s, "\nrule {name} = {body}");
            self.item_rules.push(format!("ir{r}"));
        }
        for r in 0..self.rng.random_range(1..6) {
            let ty = [Ty::Bool, Ty::Money, Ty::Int, Ty::Money][self.rng.random_range(0..4)];
            let body = self.expr(ty, 3, false);
            let _ = writeln!(s, "\nrule r{r} = {body}");
            self.rules.push((format!("r{r}"), ty));
        }
        for o in 0..self.rng.random_range(1..3) {
            let _ = writeln!(s, "\noutcome o{o} {{");
            // Lines may read earlier outcomes; amounts their own outcome too.
            self.outcomes_done = o;
            for _ in 0..self.rng.random_range(1..4) {
                let kw = if self.rng.random_bool(0.8) {
                    "require"
                } else {
                    "unless"
                };
                let cond = self.expr(Ty::Bool, 3, false);
                let guard = if self.rng.random_bool(0.3) {
                    format!(" when {}", self.expr(Ty::Bool, 2, false))
                } else {
                    String::new()
                };
                let _ = writeln!(s, "  {kw} {cond}{guard} \"m\"");
            }
            self.outcomes_done = o + 1;
            let n = self.rng.random_range(0..3);
            for a in 0..n {
                let v = self.expr(Ty::Money, 3, false);
                let _ = writeln!(s, "  amount a{a} = {v}");
            }
            self.amounts_of.push(n);
            s.push_str("}\n");
        }
        s
    }

    fn facts(&mut self) -> Value {
        let mut e = Map::new();
        // A field is given, `null` (absent, R17) or left out.
        let mut put = |g: &mut Gen, k: &str, v: Value| {
            let r: f64 = g.rng.random();
            if r < 0.75 {
                e.insert(k.to_string(), v);
            } else if r < 0.85 {
                e.insert(k.to_string(), Value::Null);
            }
        };
        let b1 = self.rng.random_bool(0.5);
        put(self, "b1", json!(b1));
        let b2 = self.rng.random_bool(0.5);
        put(self, "b2", json!(b2));
        let n1 = self.money_fact();
        put(self, "n1", json!(n1));
        let n2 = self.pick(&["-3", "0", "500", "2000"]).to_string();
        put(self, "n2", json!(n2));
        let i1 = self.rng.random_range(-1..4);
        put(self, "i1", json!(i1));
        let p1 = self.pick(&["0", "0.1", "60%", "1.2"]).to_string();
        put(self, "p1", json!(p1));
        let d1 = self
            .pick(&["2016-02-29", "2019-06-01", "2020-01-31", "2022-12-31"])
            .to_string();
        put(self, "d1", json!(d1));
        let c1 = self.pick(&["A", "AB", "ABC", "B", "C", ""]).to_string();
        put(self, "c1", json!(c1));
        let k = self.pick(&["x", "y", "z"]).to_string();
        put(self, "k", json!(k));
        let mut root = Map::new();
        // Now and then the whole entity is `null`: the same as absent (R17).
        let e = if self.rng.random_bool(0.05) {
            Value::Null
        } else {
            Value::Object(e)
        };
        root.insert("e".to_string(), e);
        if self.rng.random_bool(0.8) {
            let n = self.rng.random_range(0..4);
            let mut items = Vec::new();
            for _ in 0..n {
                let mut it = Map::new();
                if self.rng.random_bool(0.8) {
                    it.insert("q".into(), json!(self.rng.random_bool(0.5)));
                }
                if self.rng.random_bool(0.8) {
                    it.insert("v".into(), json!(self.money_fact()));
                }
                if self.rng.random_bool(0.5) {
                    it.insert("w".into(), json!(self.rng.random_range(0..3)));
                }
                items.push(Value::Object(it));
            }
            root.insert("items".to_string(), Value::Array(items));
        } else if self.rng.random_bool(0.25) {
            root.insert("items".to_string(), Value::Null);
        }
        Value::Object(root)
    }

    fn as_of(&mut self) -> NaiveDate {
        let d = self.pick(&["2019-06-01", "2020-12-31", "2021-01-01", "2023-03-15"]);
        crate::value::parse_date(d).unwrap_or_default()
    }
}

fn generator(seed: u64) -> Gen {
    Gen {
        rng: SmallRng::seed_from_u64(seed),
        rules: Vec::new(),
        item_rules: Vec::new(),
        tables: Vec::new(),
        outcomes_done: 0,
        rule_fns: 0,
        table_fns: 0,
        amounts_of: Vec::new(),
    }
}

/// Compiles `source`, returning the policy and its checked program.
fn build(source: &str) -> Result<(Policy, crate::ir::Program), String> {
    let loader = MemoryLoader::new();
    let (mut loaded, ds) = load_all(&loader, "gen.cla", source);
    if !ds.is_empty() {
        return Err(clausula_dsl::Diagnostics::new(ds, loaded.sources).to_string());
    }
    let (checked, ds) = check::check(&mut loaded, &loader, true);
    let Some(checked) = checked else {
        return Err(clausula_dsl::Diagnostics::new(ds, loaded.sources).to_string());
    };
    let graph = compile::compile(&checked.program);
    Ok((Policy::from_graph(graph), checked.program))
}

/// The engine's decision in the reference's shape.
fn engine_view(policy: &Policy, d: &Decision) -> Vec<RefOutcome> {
    let g = policy.graph();
    g.outcomes
        .iter()
        .map(|o| {
            let od = d.outcome(&o.name);
            let mut errors: Vec<String> = d
                .errors
                .iter()
                .filter(|e| e.outcome.as_deref() == Some(&o.name))
                .map(|e| e.code.clone())
                .collect();
            errors.sort_unstable();
            errors.dedup();
            RefOutcome {
                status: od.map_or(Status::Undetermined, |x| x.status),
                lines: od
                    .map(|x| x.requirements.iter().map(|l| l.status).collect())
                    .unwrap_or_default(),
                amounts: o
                    .amounts
                    .iter()
                    .map(|a| od.and_then(|x| x.amounts.get(&a.name)).map(|v| v.0))
                    .collect(),
                errors,
                cond_errors: Vec::new(),
            }
        })
        .collect()
}

/// The engine's outcomes `a` equal the reference interpreter's `b`, except that the engine
/// may decide, with declared ranges and through tables and aggregates (R1–R2), a line, a
/// status or an amount (a table or `if` above a decided comparison) the reference leaves open; those decisions are checked against every completion
/// in `interval_decisions_hold_for_every_value_in_range` and by monotonicity.
fn same(a: &[RefOutcome], b: &[RefOutcome]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            (x.status == y.status || y.status == Status::Undetermined)
                && x.lines.len() == y.lines.len()
                && x.lines
                    .iter()
                    .zip(&y.lines)
                    // A guard the intervals decided false makes the line not applicable
                    // where the reference, its guard open, shows the condition.
                    .all(|(p, q)| {
                        p == q || *q == LineStatus::Unknown || *p == LineStatus::NotApplicable
                    })
                // A line the intervals decided not to apply reports no error of its
                // condition: then the engine's errors are some of the reference's.
                && (x.errors == y.errors
                    || ((x.status != y.status || x.lines != y.lines)
                        && x.errors.iter().all(|e| y.errors.contains(e))))
                && x.amounts.len() == y.amounts.len()
                && x.amounts.iter().zip(&y.amounts).all(|(p, q)| match (p, q) {
                    (Some(p), Some(q)) => decimal_text(*p) == decimal_text(*q),
                    // A table or `if` above a comparison the intervals decided.
                    (_, None) => true,
                    _ => false,
                })
        })
}

fn cases() -> u32 {
    std::env::var("CLAUSULA_PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000)
}

/// `CLAUSULA_SEED=n` replays one seed instead of random ones.
fn seed_strategy() -> BoxedStrategy<u64> {
    match std::env::var("CLAUSULA_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => Just(seed).boxed(),
        None => any::<u64>().boxed(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Each case is one random policy evaluated on four random fact sets.
    #[test]
    fn graph_evaluation_equals_the_reference_interpreter(seed in seed_strategy()) {
        let mut g = generator(seed);
        let source = g.policy();
        let (policy, program) = build(&source).map_err(|e| TestCaseError::fail(format!("seed {seed}: generated policy does not compile:\n{source}\n{e}")))?;
        for _ in 0..4 {
            let facts_json = g.facts();
            let as_of = g.as_of();
            let facts = policy.facts(&facts_json).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
            let decision = policy.decide_facts(&facts, as_of);
            let engine = engine_view(&policy, &decision);
            let reference = Reference::new(&program, &facts.row, days_from_date(as_of)).outcomes();
            prop_assert!(
                same(&engine, &reference),
                "seed {seed}\npolicy:\n{source}\nfacts: {facts_json}\nas_of: {as_of}\nengine:    {engine:?}\nreference: {reference:?}\n{}",
                decision.to_json_pretty()
            );
            // Determinism: the same input gives byte-identical output.
            prop_assert_eq!(decision.to_json(), policy.decide_facts(&facts, as_of).to_json());
        }
    }

    /// Adding facts never turns a decided outcome into another status.
    #[test]
    fn adding_facts_never_changes_a_decided_outcome(seed in seed_strategy()) {
        let mut g = generator(seed);
        let source = g.policy();
        let (policy, _) = build(&source).map_err(|e| TestCaseError::fail(format!("{source}\n{e}")))?;
        let partial = g.facts();
        let as_of = g.as_of();
        // Complete the facts: absent fields of `e` get a value. Fields with a default are
        // known even when absent, so they keep whatever the partial facts had.
        let mut full = g.facts();
        if let Some(fe) = entity_mut(&mut full, "e") {
            for defaulted in ["b2", "n2"] {
                fe.remove(defaulted);
            }
            // A `null` field is absent (R17): only given values carry over.
            if let Some(Value::Object(pe)) = partial.get("e") {
                for (k, v) in pe.iter().filter(|(_, v)| !v.is_null()) {
                    fe.insert(k.clone(), v.clone());
                }
            }
        }
        if let Some(items) = partial.get("items")
            && let Some(obj) = full.as_object_mut()
        {
            obj.insert("items".to_string(), items.clone());
        }
        let before = policy.decide(&partial, as_of);
        let after = policy.decide(&full, as_of);
        for (name, o) in before.outcomes.iter() {
            if o.status == Status::Undetermined {
                continue;
            }
            let later = after.outcome(name).map(|x| x.status);
            prop_assert_eq!(Some(o.status), later, "seed {}\n{}\nbefore: {}\nafter: {}", seed, source, partial, full);
            // And every decided line keeps its effect: blocking stays blocking, passing
            // stays passing (`true` may become `not_applicable` when a guard turns false).
            let after_lines: Vec<bool> = after.outcome(name).map(|x| x.requirements.iter().map(|l| l.blocks).collect()).unwrap_or_default();
            for (i, l) in o.requirements.iter().enumerate() {
                if l.status != LineStatus::Unknown {
                    prop_assert_eq!(Some(&l.blocks), after_lines.get(i), "line {} of {}; seed {}\n{}", i, name, seed, source);
                }
            }
        }
    }
}

/// The property test above is not vacuous: generated policies and facts do get recourse,
/// of every shape (a strict and a non-strict bound, a bool, a divisor's side).
#[test]
fn generated_policies_get_recourse_of_every_shape() {
    let mut ops = std::collections::BTreeMap::<String, usize>::new();
    for seed in 0..3000u64 {
        let mut g = generator(seed);
        let source = g.policy();
        let Ok((policy, _)) = build(&source) else {
            continue;
        };
        let facts = g.facts();
        let as_of = g.as_of();
        for (_, o) in policy.decide(&facts, as_of).outcomes.iter() {
            for l in &o.requirements {
                for r in &l.recourse {
                    let shape = if r.and.is_some() {
                        "divisor".to_string()
                    } else {
                        r.op.clone()
                    };
                    *ops.entry(shape).or_default() += 1;
                }
            }
        }
    }
    for shape in ["==", ">", ">=", "<", "<="] {
        assert!(
            ops.get(shape).copied().unwrap_or(0) > 0,
            "no `{shape}` recourse in 3000 seeds: {ops:?}"
        );
    }
}

/// Points of the set a recourse item promises, for checking it: its edge, and values
/// further inside (for `and`, between the side's zero and the edge too).
fn promised_points(r: &crate::decision::Recourse, int: bool) -> Vec<rust_decimal::Decimal> {
    use rust_decimal::Decimal;
    let Ok(v) = Decimal::from_str_exact(&r.value) else {
        return Vec::new();
    };
    let step = if int {
        Decimal::ONE
    } else {
        Decimal::new(1, v.scale().saturating_add(4).min(26))
    };
    let (edge, dir) = match r.op.as_str() {
        ">" => (v + step, Decimal::ONE),
        ">=" => (v, Decimal::ONE),
        "<" => (v - step, -Decimal::ONE),
        "<=" => (v, -Decimal::ONE),
        _ => return vec![v],
    };
    let mut points = vec![edge, edge + dir, edge + dir * Decimal::from(1000)];
    if let Some(a) = &r.and {
        let zero = Decimal::from_str_exact(&a.value).unwrap_or_default();
        let half = ((edge + zero) / Decimal::TWO).round_dp(if int { 0 } else { 2 });
        points.push(half);
        points.retain(|p| if a.op == ">" { *p > zero } else { *p < zero });
    }
    if int {
        points.retain(|p| p.fract().is_zero());
    }
    // Only points of the promised set (the halfway point is one only for a bound on the
    // far side from zero).
    points.retain(|p| match r.op.as_str() {
        ">" => *p > v,
        ">=" => *p >= v,
        "<" => *p < v,
        "<=" => *p <= v,
        _ => true,
    });
    points
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    /// Every recourse item, applied (at its edge and further inside its promised set),
    /// flips its line alone: the fact named is the only one changed.
    #[test]
    fn every_recourse_applied_flips_its_line(seed in seed_strategy()) {
        let mut g = generator(seed);
        let source = g.policy();
        let (policy, _) = build(&source).map_err(|e| TestCaseError::fail(format!("{source}\n{e}")))?;
        let facts = g.facts();
        let as_of = g.as_of();
        let d = policy.decide(&facts, as_of);
        let types: std::collections::HashMap<String, String> = policy
            .inputs()
            .inputs
            .iter()
            .flat_map(|i| i.fields.iter().map(|f| (f.path.clone(), f.ty.clone())))
            .collect();
        for (name, o) in d.outcomes.iter() {
            for l in o.requirements.iter().filter(|l| !l.recourse.is_empty()) {
                prop_assert!(l.blocks, "recourse on a line that does not block; seed {}", seed);
                for r in &l.recourse {
                    let (entity, field) = r.fact.split_once('.').unwrap_or(("", ""));
                    let ty = types.get(&r.fact).cloned().unwrap_or_default();
                    let values: Vec<Value> = if ty == "bool" {
                        vec![json!(r.value == "true")]
                    } else {
                        promised_points(r, ty == "int")
                            .into_iter()
                            // As a decimal string: an int bound may be past 64 bits.
                            .map(|p| json!(decimal_text(p)))
                            .collect()
                    };
                    for v in values {
                        let mut changed = facts.clone();
                        if let Some(e) = entity_mut(&mut changed, entity) {
                            e.insert(field.to_string(), v.clone());
                        }
                        let after = policy.decide(&changed, as_of);
                        let line = after
                            .outcome(name)
                            .and_then(|x| x.requirements.iter().find(|x| x.id == l.id));
                        prop_assert!(
                            line.is_some_and(|x| !x.blocks && x.status != LineStatus::Unknown),
                            "{} {} {} = {} does not flip line {} of {}; seed {}\n{}\nfacts: {}\nafter: {:?}",
                            r.fact, r.op, r.value, v, l.id, name, seed, source, facts, line
                        );
                    }
                }
            }
        }
    }
}

/// A JSON fact as a typed value, the way a data frame column would give it.
fn fact_value(v: Option<&Value>) -> crate::policy::FactValue {
    use crate::policy::FactValue;
    match v {
        None | Some(Value::Null) => FactValue::Null,
        Some(Value::Bool(b)) => FactValue::Bool(*b),
        Some(Value::Number(n)) => rust_decimal::Decimal::from_str_exact(n.as_str())
            .map_or(FactValue::Null, FactValue::Decimal),
        Some(Value::String(s)) => FactValue::Text(s.clone()),
        Some(other) => FactValue::Text(other.to_string()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 10, failure_persistence: None, ..ProptestConfig::default() })]

    /// Columns, rows and one-at-a-time evaluation give the same statuses and amounts.
    #[test]
    fn column_batches_rows_and_single_evaluations_agree(seed in seed_strategy()) {
        let mut g = generator(seed);
        let source = g.policy();
        let (policy, _) = build(&source).map_err(|e| TestCaseError::fail(format!("{source}\n{e}")))?;
        let as_of = g.as_of();
        let rows: Vec<Value> = (0..g.rng.random_range(1..40)).map(|_| g.facts()).collect();
        let schema = policy.inputs();
        let mut b = policy.column_batch(rows.len());
        for input in &schema.inputs {
            if input.list {
                let texts: Vec<Option<String>> = rows.iter().map(|r| r.get(&input.name).map(Value::to_string)).collect();
                b.set_list_json(&input.name, texts.iter().map(|t| t.as_deref())).map_err(|e| TestCaseError::fail(e.to_string()))?;
                continue;
            }
            for f in &input.fields {
                let col: Vec<_> = rows.iter().map(|r| fact_value(r.get(&input.name).and_then(|e| e.get(&f.name)))).collect();
                b.set(&f.path, col).map_err(|e| TestCaseError::fail(e.to_string()))?;
            }
        }
        let batch = b.build();
        let columns = policy.evaluate_columns(&batch, as_of).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let mut lined = policy
            .evaluate_columns_with(&batch, as_of, crate::BatchOptions { lines: true })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let lines: Vec<Vec<crate::BatchLine>> = lined.outcomes.iter_mut().map(|o| std::mem::take(&mut o.lines)).collect();
        // Asking for the lines changes nothing else.
        prop_assert_eq!(&lined, &columns, "seed {}", seed);
        let by_rows = policy.decide_batch(&rows, as_of).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&columns, &by_rows, "seed {}", seed);
        // Converting columns apart (here last first, as threads may finish) and putting them
        // in order gives the same batch as setting them one after another.
        let mut two_phase = policy.column_batch(rows.len());
        let mut converted = Vec::new();
        for input in schema.inputs.iter().rev().filter(|i| !i.list) {
            for f in input.fields.iter().rev() {
                let col: Vec<_> = rows.iter().map(|r| fact_value(r.get(&input.name).and_then(|e| e.get(&f.name)))).collect();
                converted.push(two_phase.convert(&f.path, col).map_err(|e| TestCaseError::fail(e.to_string()))?);
            }
        }
        for c in converted.into_iter().rev() {
            two_phase.put(c);
        }
        for input in schema.inputs.iter().filter(|i| i.list) {
            let texts: Vec<Option<String>> = rows.iter().map(|r| r.get(&input.name).map(Value::to_string)).collect();
            two_phase.set_list_json(&input.name, texts.iter().map(|t| t.as_deref())).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        let two_phase = policy.evaluate_columns(&two_phase.build(), as_of).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&two_phase, &columns, "seed {}", seed);
        for (i, r) in rows.iter().enumerate() {
            let d = policy.decide(r, as_of);
            let summary = policy.summarize_json(r.to_string().as_bytes(), as_of);
            prop_assert_eq!(&summary, &crate::decision::DecisionSummary::from(&d), "row {} of seed {}\n{}", i, seed, source);
            prop_assert_eq!(&policy.summarize_value(r, as_of), &summary);
            // The row's errors are those its decision reports, in the same order.
            prop_assert_eq!(&columns.errors[i], &d.errors, "row {} of seed {}\n{}", i, seed, source);
            for (o, o_lines) in columns.outcomes.iter().zip(&lines) {
                // Each line's status is the decision's, and `failed` its blocking lines.
                let single: Vec<_> = d.outcome(&o.name).map(|x| x.requirements.iter().map(|l| (l.id.clone(), l.status, l.blocks)).collect()).unwrap_or_default();
                let batch: Vec<_> = o_lines.iter().filter_map(|l| Some((l.id.clone(), l.statuses[i]?, l.blocks(i)))).collect();
                prop_assert_eq!(&batch, &single, "row {} of seed {}\n{}", i, seed, source);
                let single = d.outcome(&o.name).map(|x| x.status);
                prop_assert_eq!(o.statuses[i], single, "row {} of seed {}\n{}", i, seed, source);
                for (name, col) in &o.amounts {
                    let single = d.outcome(&o.name).and_then(|x| x.amounts.get(name)).map(|a| decimal_text(a.0));
                    prop_assert_eq!(col[i].map(decimal_text), single);
                }
            }
        }
    }
}

/// The generated schema with declared ranges on its number, percent and date fields.
fn ranged(source: &str) -> String {
    source
        .replacen("  n1: money\n", "  n1: money in -5..3万\n", 1)
        .replacen("  i1: int\n", "  i1: int in -1..3\n", 1)
        .replacen("  p1: percent\n", "  p1: percent in 0%..120%\n", 1)
        .replacen("  d1: date\n", "  d1: date in 2016-01-01..2023-12-31\n", 1)
}

/// Values inside each declared range of [`ranged`]: both bounds, zero, and values between.
const RANGED_SAMPLES: [(&str, [&str; 5]); 4] = [
    ("n1", ["-5", "30000", "0", "0.01", "12345.67"]),
    ("i1", ["-1", "3", "0", "1", "2"]),
    ("p1", ["0", "1.2", "0", "0.6", "1.1999"]),
    (
        "d1",
        [
            "2016-01-01",
            "2023-12-31",
            "2020-02-29",
            "2019-06-01",
            "2021-01-31",
        ],
    ),
];

/// `partial` completed: its known facts kept, each absent ranged field given `sample`-th
/// value in its range, every other absent field a random value (fields with a default are
/// known when absent, so they stay absent).
/// The object of `entity` in a facts document, made an empty object when it is absent or
/// `null` (an absent entity, R17).
fn entity_mut<'v>(facts: &'v mut Value, entity: &str) -> Option<&'v mut Map<String, Value>> {
    let obj = facts.as_object_mut()?;
    let ent = obj.entry(entity.to_string()).or_insert_with(|| json!({}));
    if ent.is_null() {
        *ent = json!({});
    }
    ent.as_object_mut()
}

fn completed(g: &mut Gen, partial: &Value, sample: usize) -> Value {
    let mut full = g.facts();
    let given = |k: &str| {
        partial
            .get("e")
            .and_then(|e| e.get(k))
            .is_some_and(|v| !v.is_null())
    };
    if let Some(fe) = entity_mut(&mut full, "e") {
        for defaulted in ["b2", "n2"] {
            fe.remove(defaulted);
        }
        let pe = partial.get("e").and_then(Value::as_object);
        for (field, samples) in RANGED_SAMPLES {
            if !given(field) {
                let v = samples[sample % samples.len()];
                let v = if field == "i1" {
                    json!(v.parse::<i64>().unwrap())
                } else {
                    json!(v)
                };
                fe.insert(field.to_string(), v);
            }
        }
        // Every other field too: tables and aggregates may decide through any unknown.
        let unset = |fe: &Map<String, Value>, k: &str| fe.get(k).is_none_or(Value::is_null);
        if unset(fe, "b1") {
            fe.insert("b1".into(), json!(g.rng.random_bool(0.5)));
        }
        if unset(fe, "c1") {
            fe.insert("c1".into(), json!(g.pick(&["A", "AB", "B", "C", ""])));
        }
        if unset(fe, "k") {
            fe.insert("k".into(), json!(g.pick(&["x", "y", "z"])));
        }
        if let Some(pe) = pe {
            for (k, v) in pe.iter().filter(|(_, v)| !v.is_null()) {
                fe.insert(k.clone(), v.clone());
            }
        }
    }
    // A given list keeps its items; their absent fields are completed too.
    if let Some(Value::Array(items)) = partial.get("items") {
        let mut items = items.clone();
        for it in &mut items {
            if let Value::Object(o) = it {
                if !o.contains_key("q") {
                    o.insert("q".into(), json!(g.rng.random_bool(0.5)));
                }
                if !o.contains_key("v") {
                    o.insert("v".into(), json!(g.money_fact()));
                }
            }
        }
        if let Some(obj) = full.as_object_mut() {
            obj.insert("items".to_string(), Value::Array(items));
        }
    }
    full
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases() / 4, failure_persistence: None, ..ProptestConfig::default() })]

    /// R1: what declared ranges decide holds for every value in the ranges. An outcome or
    /// an amount the engine decides from partial facts is what the reference interpreter
    /// computes once the facts are completed with values in range (both bounds and zero
    /// always among them).
    #[test]
    fn interval_decisions_hold_for_every_value_in_range(seed in seed_strategy()) {
        let mut g = generator(seed);
        let source = ranged(&g.policy());
        let (policy, program) = build(&source).map_err(|e| TestCaseError::fail(format!("seed {seed}: {source}\n{e}")))?;
        for _ in 0..3 {
            let partial = g.facts();
            let as_of = g.as_of();
            // A generated value outside a range is refused; that is tested elsewhere.
            let Ok(pf) = policy.facts(&partial) else { continue };
            let decision = policy.decide_facts(&pf, as_of);
            let engine = engine_view(&policy, &decision);
            for sample in 0..5 {
                let full = completed(&mut g, &partial, sample);
                let Ok(ff) = policy.facts(&full) else { continue };
                let reference = Reference::new(&program, &ff.row, days_from_date(as_of)).outcomes();
                for (i, (e, r)) in engine.iter().zip(&reference).enumerate() {
                    // The reference is three-valued: what no completion of the facts can
                    // make known (a lookup of a key the directory lacks) leaves it
                    // undetermined where intervals decide. It must never decide otherwise,
                    // and a line the intervals decided must not be an error.
                    for (k, (el, bad)) in e.lines.iter().zip(&r.cond_errors).enumerate() {
                        prop_assert!(
                            !(*bad && matches!(el, LineStatus::True | LineStatus::False)),
                            "line {} of outcome {} decided {:?} but its condition fails at {}; seed {}\n{}\npartial: {}",
                            k, i, el, full, seed, source, partial
                        );
                    }
                    if e.status != Status::Undetermined && r.status != Status::Undetermined {
                        prop_assert_eq!(e.status, r.status, "outcome {} seed {}\n{}\npartial: {}\nfull: {}\nas_of {}\n{}", i, seed, source, partial, full, as_of, decision.to_json_pretty());
                    }
                    for (k, (ea, ra)) in e.amounts.iter().zip(&r.amounts).enumerate() {
                        if let (Some(ea), Some(_)) = (ea, ra) {
                            prop_assert_eq!(Some(decimal_text(*ea)), ra.map(decimal_text), "amount {} of outcome {} seed {}\n{}\npartial: {}\nfull: {}", k, i, seed, source, partial, full);
                        }
                    }
                }
            }
        }
    }
}

/// The property above is not vacuous: with the ranges declared, generated policies decide
/// outcomes that stay undetermined without them, and nothing decided without ranges
/// changes with them.
#[test]
fn ranges_decide_more_and_never_differently() {
    let (mut more, mut cases) = (0usize, 0usize);
    for seed in 0..400u64 {
        let mut g = generator(seed);
        let plain_source = g.policy();
        let Ok((plain, _)) = build(&plain_source) else {
            continue;
        };
        let Ok((with_ranges, _)) = build(&ranged(&plain_source)) else {
            panic!("seed {seed}: the ranged schema does not compile");
        };
        for _ in 0..3 {
            let facts = g.facts();
            let as_of = g.as_of();
            if with_ranges.facts(&facts).is_err() {
                continue;
            }
            cases += 1;
            let (a, b) = (
                plain.decide(&facts, as_of),
                with_ranges.decide(&facts, as_of),
            );
            for (name, o) in a.outcomes.iter() {
                let r = b.outcome(name).map(|x| x.status);
                if o.status == Status::Undetermined {
                    more += usize::from(r != Some(Status::Undetermined));
                } else {
                    assert_eq!(
                        Some(o.status),
                        r,
                        "seed {seed} outcome {name}\n{plain_source}"
                    );
                }
            }
        }
    }
    assert!(cases > 500, "{cases}");
    // Tables and aggregates already decide through intervals without ranges (R2); the
    // ranges must still add decisions of their own.
    assert!(
        more >= 5,
        "ranges decided only {more} more outcomes in {cases} cases"
    );
}
