//! JSON Logic (datalogic-rs, the maintained Rust implementation): one compiled rule per
//! workload returning `[eligible, amount]`; inputs pre-parsed into its own value type; the
//! evaluation arena is reused.

use bumpalo::Bump;
use datalogic_rs::datavalue::OwnedDataValue;
use datalogic_rs::{Engine as Logic, Logic as CompiledLogic};
use serde_json::{Value, json};

use crate::Engine;
use crate::data::{Fund, Hnte, Lookup, Row, Verdict};

/// A compiled JSON Logic rule and its inputs.
pub struct JsonLogic {
    engine: Logic,
    rule: CompiledLogic,
    inputs: Vec<OwnedDataValue>,
    /// For W3: one document holding the directory, whose first entry (the applicant) is
    /// replaced by `inputs[i]` before each evaluation.
    shared: Option<OwnedDataValue>,
    arena: Bump,
    amounts: bool,
}

fn v(path: &str) -> Value {
    json!({ "var": path })
}

fn ratio(a: &str, b: &str) -> Value {
    json!({ "/": [v(a), v(b)] })
}

fn build(rule: Value, inputs: Vec<Value>, amounts: bool) -> JsonLogic {
    let engine = Logic::new();
    let rule = engine
        .compile(&rule.to_string())
        .expect("JSON Logic compiles");
    let inputs = inputs
        .iter()
        .map(|i| OwnedDataValue::from_json(&i.to_string()).expect("input"))
        .collect();
    JsonLogic {
        engine,
        rule,
        inputs,
        shared: None,
        arena: Bump::new(),
        amounts,
    }
}

/// W1.
pub fn hnte(records: &[Hnte]) -> JsonLogic {
    let e = |f: &str| format!("enterprise.{f}");
    let rule = json!({ "and": [
        { ">=": [{ "-": [v("as_of_day"), v(&e("registration_day"))] }, 365] },
        v(&e("owns_core_ip")),
        v(&e("tech_in_priority_fields")),
        { ">=": [ratio(&e("st_staff"), &e("total_staff")), 0.1] },
        { ">=": [ratio(&e("rd_expense_3y"), &e("sales_3y")),
            { "if": [
                { "<=": [v(&e("latest_year_sales")), 50000000] }, 0.05,
                { "<=": [v(&e("latest_year_sales")), 200000000] }, 0.04,
                0.03
            ] }] },
        { ">=": [ratio(&e("domestic_rd_expense_3y"), &e("rd_expense_3y")), 0.6] },
        { ">=": [ratio(&e("hightech_income"), &e("total_income")), 0.6] },
        { ">": [v(&e("innovation_score")), 70] },
        { "!": [v(&e("major_incident_past_year"))] }
    ]});
    build(
        rule,
        records.iter().map(Hnte::facts_with_days).collect(),
        false,
    )
}

/// W2: the directory codes as a literal list.
pub fn fund(records: &[Fund]) -> JsonLogic {
    let p = |f: &str| format!("project.{f}");
    let codes: Vec<&str> = crate::data::FUND_CODES.to_vec();
    let eligible = json!({ "and": [
        v("enterprise.registered_in_shanghai"),
        v("enterprise.independent_legal_person"),
        v("enterprise.credit_good"),
        { "in": [v(&p("category")), codes] },
        v(&p("in_three_year_pool")),
        { ">=": [v(&p("total_investment")), 20000000] },
        v(&p("approvals_complete")),
        v(&p("funds_in_place")),
        v(&p("construction_started")),
        { ">": [ratio(&p("fixed_asset_investment"), &p("total_investment")), 0.6] },
        { "!": [v(&p("prior_municipal_support"))] }
    ]});
    let amount = json!({ "min": [{ "*": [v(&p("total_investment")), 0.1] }, 100000000] });
    build(
        json!([eligible, amount]),
        records.iter().map(Fund::facts).collect(),
        true,
    )
}

/// W3: the directory is part of the data, looked up with a computed `var` path.
pub fn directory(rows: &[Row], records: &[Lookup]) -> JsonLogic {
    let dir: serde_json::Map<String, Value> = rows
        .iter()
        .map(|r| {
            (
                r.code.clone(),
                json!({ "min": r.min_investment, "rate": r.rate_pct }),
            )
        })
        .collect();
    let entry =
        |f: &str| json!({ "var": { "cat": ["dir.", v("applicant.code"), format!(".{f}")] } });
    let rule = json!({ "if": [
        { "!!": [{ "var": { "cat": ["dir.", v("applicant.code")] } }] },
        [ { ">=": [v("applicant.investment"), entry("min")] },
          { "/": [{ "*": [v("applicant.investment"), entry("rate")] }, 100] } ],
        [false, 0]
    ]});
    // JSON Logic reads only its data document: the directory goes into one shared document
    // and each record's applicant is swapped into it (cloning the directory per record would
    // dominate the time).
    let mut engine = build(
        rule,
        records
            .iter()
            .map(|r| r.facts()["applicant"].clone())
            .collect(),
        true,
    );
    let shared = json!({ "applicant": null, "dir": Value::Object(dir) });
    engine.shared = Some(OwnedDataValue::from_json(&shared.to_string()).expect("data"));
    engine
}

impl Engine for JsonLogic {
    fn name(&self) -> &'static str {
        "json-logic (datalogic-rs)"
    }

    fn decide(&mut self, i: usize) -> Verdict {
        self.arena.reset();
        let input = match &mut self.shared {
            Some(doc) => {
                if let OwnedDataValue::Object(entries) = doc
                    && let Some((_, applicant)) = entries.iter_mut().find(|(k, _)| k == "applicant")
                {
                    *applicant = self.inputs[i].clone();
                }
                &*doc
            }
            None => &self.inputs[i],
        };
        let out = self
            .engine
            .evaluate(&self.rule, input, &self.arena)
            .expect("JSON Logic evaluates");
        if !self.amounts {
            return Verdict::status(out.as_bool() == Some(true));
        }
        let json: Value = serde_json::from_str(&out.to_string()).expect("JSON");
        let eligible = json.get(0).and_then(Value::as_bool) == Some(true);
        Verdict::with_float(eligible, json.get(1).and_then(Value::as_f64))
    }
}
