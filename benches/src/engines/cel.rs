//! CEL (cel-interpreter): one compiled expression per workload; each record's variables are
//! pre-built into its own context. Money is `int` (whole yuan), ratios are `double`.

use std::collections::HashMap;
use std::sync::Arc;

use cel_interpreter::objects::{Key, Map};
use cel_interpreter::{Context, Program, Value};

use crate::Engine;
use crate::data::{self, Fund, Hnte, Lookup, Row, Verdict};

fn map(pairs: Vec<(&str, Value)>) -> Value {
    let m: HashMap<Key, Value> = pairs.into_iter().map(|(k, v)| (Key::from(k), v)).collect();
    Value::Map(Map { map: Arc::new(m) })
}

/// A CEL program and per-record contexts.
pub struct Cel {
    program: Program,
    contexts: Vec<Context<'static>>,
    amounts: bool,
}

/// W1.
pub fn hnte(records: &[Hnte]) -> Cel {
    let program = Program::compile(
        "as_of_day - e.registration_day >= 365 \
         && e.owns_core_ip && e.tech_in_priority_fields \
         && double(e.st_staff) / double(e.total_staff) >= 0.1 \
         && double(e.rd_expense_3y) / double(e.sales_3y) >= \
            (e.latest_year_sales <= 50000000 ? 0.05 : (e.latest_year_sales <= 200000000 ? 0.04 : 0.03)) \
         && double(e.domestic_rd_expense_3y) / double(e.rd_expense_3y) >= 0.6 \
         && double(e.hightech_income) / double(e.total_income) >= 0.6 \
         && e.innovation_score > 70 \
         && !e.major_incident_past_year",
    )
    .expect("CEL compiles");
    let as_of = data::day_number(2024, 5, 20);
    let contexts = records
        .iter()
        .map(|r| {
            let mut c = Context::default();
            c.add_variable_from_value("as_of_day", Value::Int(as_of));
            c.add_variable_from_value(
                "e",
                map(vec![
                    ("registration_day", Value::Int(r.registration_day)),
                    ("owns_core_ip", Value::Bool(r.owns_core_ip)),
                    (
                        "tech_in_priority_fields",
                        Value::Bool(r.tech_in_priority_fields),
                    ),
                    ("total_staff", Value::Int(r.total_staff)),
                    ("st_staff", Value::Int(r.st_staff)),
                    ("rd_expense_3y", Value::Int(r.rd_expense_3y)),
                    (
                        "domestic_rd_expense_3y",
                        Value::Int(r.domestic_rd_expense_3y),
                    ),
                    ("sales_3y", Value::Int(r.sales_3y)),
                    ("latest_year_sales", Value::Int(r.latest_year_sales)),
                    ("hightech_income", Value::Int(r.hightech_income)),
                    ("total_income", Value::Int(r.total_income)),
                    ("innovation_score", Value::Int(r.innovation_score)),
                    (
                        "major_incident_past_year",
                        Value::Bool(r.major_incident_past_year),
                    ),
                ]),
            );
            c
        })
        .collect();
    Cel {
        program,
        contexts,
        amounts: false,
    }
}

/// W2: the directory as a map literal in the expression.
pub fn fund(records: &[Fund]) -> Cel {
    let directory: Vec<String> = data::FUND_CODES
        .iter()
        .map(|c| format!("'{c}': 20000000"))
        .collect();
    let dir = directory.join(", ");
    let program = Program::compile(&format!(
        "[e.registered_in_shanghai && e.independent_legal_person && e.credit_good \
         && p.category in {{{dir}}} && p.in_three_year_pool \
         && p.total_investment >= {{{dir}}}[p.category] \
         && p.approvals_complete && p.funds_in_place && p.construction_started \
         && double(p.fixed_asset_investment) / double(p.total_investment) > 0.6 \
         && !p.prior_municipal_support, \
         min(double(p.total_investment) * 0.1, 100000000.0)]"
    ))
    .expect("CEL compiles");
    let contexts = records
        .iter()
        .map(|r| {
            let mut c = Context::default();
            c.add_variable_from_value(
                "e",
                map(vec![
                    (
                        "registered_in_shanghai",
                        Value::Bool(r.registered_in_shanghai),
                    ),
                    (
                        "independent_legal_person",
                        Value::Bool(r.independent_legal_person),
                    ),
                    ("credit_good", Value::Bool(r.credit_good)),
                ]),
            );
            c.add_variable_from_value(
                "p",
                map(vec![
                    ("category", Value::String(Arc::new(r.category.clone()))),
                    ("in_three_year_pool", Value::Bool(r.in_three_year_pool)),
                    ("total_investment", Value::Int(r.total_investment)),
                    (
                        "fixed_asset_investment",
                        Value::Int(r.fixed_asset_investment),
                    ),
                    ("approvals_complete", Value::Bool(r.approvals_complete)),
                    ("funds_in_place", Value::Bool(r.funds_in_place)),
                    ("construction_started", Value::Bool(r.construction_started)),
                    (
                        "prior_municipal_support",
                        Value::Bool(r.prior_municipal_support),
                    ),
                ]),
            );
            c
        })
        .collect();
    Cel {
        program,
        contexts,
        amounts: true,
    }
}

/// W3: the directory is a map variable shared by every record's context.
pub fn directory(rows: &[Row], records: &[Lookup]) -> Cel {
    let dir: HashMap<Key, Value> = rows
        .iter()
        .map(|r| {
            (
                Key::from(r.code.as_str()),
                map(vec![
                    ("min", Value::Int(r.min_investment)),
                    ("rate", Value::Int(r.rate_pct)),
                ]),
            )
        })
        .collect();
    let dir = Value::Map(Map { map: Arc::new(dir) });
    let program = Program::compile(
        "a.code in dir \
         ? [a.investment >= dir[a.code].min, double(a.investment) * double(dir[a.code].rate) / 100.0] \
         : [false, 0.0]",
    )
    .expect("CEL compiles");
    let contexts = records
        .iter()
        .map(|r| {
            let mut c = Context::default();
            // the map is reference-counted: every context shares the one directory
            c.add_variable_from_value("dir", dir.clone());
            c.add_variable_from_value(
                "a",
                map(vec![
                    ("code", Value::String(Arc::new(r.code.clone()))),
                    ("investment", Value::Int(r.investment)),
                ]),
            );
            c
        })
        .collect();
    Cel {
        program,
        contexts,
        amounts: true,
    }
}

impl Engine for Cel {
    fn name(&self) -> &'static str {
        "cel-interpreter"
    }

    fn decide(&mut self, i: usize) -> Verdict {
        let v = self
            .program
            .execute(&self.contexts[i])
            .expect("CEL evaluates");
        match (v, self.amounts) {
            (Value::Bool(b), false) => Verdict::status(b),
            (Value::List(l), true) => {
                let eligible = matches!(l.first(), Some(Value::Bool(true)));
                let amount = match l.get(1) {
                    Some(Value::Float(f)) => Some(*f),
                    _ => None,
                };
                Verdict::with_float(eligible, amount)
            }
            (other, _) => panic!("CEL returned {other:?}"),
        }
    }
}
