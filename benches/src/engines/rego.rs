//! Rego (regorus): one module per workload; the input is set per record (pre-built regorus
//! values) and one rule is evaluated. W3's directory is loaded as `data`.

use regorus::{Engine as Rego, Value};
use serde_json::json;

use crate::Engine;
use crate::data::{Fund, Hnte, Lookup, Row, Verdict};

/// A regorus engine with its policy and inputs.
pub struct Regorus {
    engine: Rego,
    rule: String,
    inputs: Vec<Value>,
    amounts: bool,
}

fn build(module: &str, rule: &str, inputs: Vec<serde_json::Value>, amounts: bool) -> Regorus {
    let mut engine = Rego::new();
    engine
        .add_policy("policy.rego".to_string(), module.to_string())
        .expect("Rego parses");
    Regorus {
        engine,
        rule: rule.to_string(),
        inputs: inputs
            .iter()
            .map(|i| Value::from_json_str(&i.to_string()).expect("input"))
            .collect(),
        amounts,
    }
}

/// W1.
pub fn hnte(records: &[Hnte]) -> Regorus {
    let module = r#"
package hnte

default eligible := false

threshold := 0.05 if input.enterprise.latest_year_sales <= 50000000

threshold := 0.04 if {
	input.enterprise.latest_year_sales > 50000000
	input.enterprise.latest_year_sales <= 200000000
}

threshold := 0.03 if input.enterprise.latest_year_sales > 200000000

eligible if {
	e := input.enterprise
	input.as_of_day - e.registration_day >= 365
	e.owns_core_ip
	e.tech_in_priority_fields
	e.st_staff / e.total_staff >= 0.1
	e.rd_expense_3y / e.sales_3y >= threshold
	e.domestic_rd_expense_3y / e.rd_expense_3y >= 0.6
	e.hightech_income / e.total_income >= 0.6
	e.innovation_score > 70
	not e.major_incident_past_year
}
"#;
    build(
        module,
        "data.hnte.eligible",
        records.iter().map(Hnte::facts_with_days).collect(),
        false,
    )
}

/// W2.
pub fn fund(records: &[Fund]) -> Regorus {
    let codes: Vec<String> = crate::data::FUND_CODES
        .iter()
        .map(|c| format!("\"{c}\": 20000000"))
        .collect();
    let module = format!(
        r#"
package fund

directory := {{{}}}

default eligible := false

eligible if {{
	e := input.enterprise
	p := input.project
	e.registered_in_shanghai
	e.independent_legal_person
	e.credit_good
	floor := directory[p.category]
	p.in_three_year_pool
	p.total_investment >= floor
	p.approvals_complete
	p.funds_in_place
	p.construction_started
	p.fixed_asset_investment / p.total_investment > 0.6
	not p.prior_municipal_support
}}

amount := min([input.project.total_investment * 0.1, 100000000])

decision := [eligible, amount]
"#,
        codes.join(", ")
    );
    build(
        &module,
        "data.fund.decision",
        records.iter().map(Fund::facts).collect(),
        true,
    )
}

/// W3: the directory is `data.dir`.
pub fn directory(rows: &[Row], records: &[Lookup]) -> Regorus {
    let module = r#"
package dir

default decision := [false, 0]

decision := [input.applicant.investment >= d.min, (input.applicant.investment * d.rate) / 100] if {
	d := data.dir[input.applicant.code]
}
"#;
    let mut r = build(
        module,
        "data.dir.decision",
        records.iter().map(Lookup::facts).collect(),
        true,
    );
    let dir: serde_json::Map<String, serde_json::Value> = rows
        .iter()
        .map(|row| {
            (
                row.code.clone(),
                json!({ "min": row.min_investment, "rate": row.rate_pct }),
            )
        })
        .collect();
    r.engine
        .add_data(Value::from_json_str(&json!({ "dir": dir }).to_string()).expect("data"))
        .expect("data loads");
    r
}

impl Engine for Regorus {
    fn name(&self) -> &'static str {
        "regorus (Rego)"
    }

    fn decide(&mut self, i: usize) -> Verdict {
        self.engine.set_input(self.inputs[i].clone());
        let v = self
            .engine
            .eval_rule(self.rule.clone())
            .expect("Rego evaluates");
        if !self.amounts {
            return Verdict::status(v == Value::from(true));
        }
        let json: serde_json::Value =
            serde_json::from_str(&v.to_json_str().expect("JSON")).expect("JSON");
        let eligible = json.get(0).and_then(serde_json::Value::as_bool) == Some(true);
        Verdict::with_float(eligible, json.get(1).and_then(serde_json::Value::as_f64))
    }
}
