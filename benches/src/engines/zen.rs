//! GoRules ZEN: a JSON decision graph (input → decision table → expression → output), with
//! its expressions precompiled; inputs pre-built as zen `Variable`s.

use std::sync::Arc;

use serde_json::{Value, json};
use zen_engine::model::GraphContent;
use zen_engine::{Decision, Variable};

use crate::Engine;
use crate::data::{Fund, Hnte, Lookup, Row, Verdict};

/// A zen decision and its inputs.
pub struct Zen {
    decision: Decision,
    inputs: Vec<Variable>,
    amount: Option<&'static str>,
}

fn graph(nodes: Vec<Value>) -> Decision {
    let edges: Vec<Value> = nodes
        .windows(2)
        .enumerate()
        .map(|(i, w)| json!({ "id": format!("e{i}"), "sourceId": w[0]["id"], "targetId": w[1]["id"] }))
        .collect();
    let content: GraphContent =
        serde_json::from_value(json!({ "nodes": nodes, "edges": edges })).expect("a JDM graph");
    let mut decision = Decision::from(Arc::new(content));
    decision.compile();
    decision
}

fn input() -> Value {
    json!({ "id": "in", "name": "request", "type": "inputNode", "content": {} })
}

fn output() -> Value {
    json!({ "id": "out", "name": "response", "type": "outputNode", "content": {} })
}

fn expressions(pairs: &[(&str, &str)]) -> Value {
    let list: Vec<Value> = pairs
        .iter()
        .enumerate()
        .map(|(i, (k, v))| json!({ "id": format!("x{i}"), "key": k, "value": v }))
        .collect();
    json!({ "id": "expr", "name": "rule", "type": "expressionNode", "content": { "expressions": list } })
}

/// W1: the banded R&D threshold as a decision table, the ten conditions as an expression.
pub fn hnte(records: &[Hnte]) -> Zen {
    let table = json!({
        "id": "dt", "name": "rd threshold", "type": "decisionTableNode",
        "content": {
            "hitPolicy": "first", "passThrough": true,
            "inputs": [{ "id": "i1", "name": "latest year sales", "field": "enterprise.latest_year_sales" }],
            "outputs": [{ "id": "o1", "name": "threshold", "field": "threshold" }],
            "rules": [
                { "_id": "r1", "i1": "<= 50000000", "o1": "0.05" },
                { "_id": "r2", "i1": "<= 200000000", "o1": "0.04" },
                { "_id": "r3", "i1": "", "o1": "0.03" }
            ]
        }
    });
    let rule = "as_of_day - enterprise.registration_day >= 365 \
        and enterprise.owns_core_ip and enterprise.tech_in_priority_fields \
        and enterprise.st_staff / enterprise.total_staff >= 0.1 \
        and enterprise.rd_expense_3y / enterprise.sales_3y >= threshold \
        and enterprise.domestic_rd_expense_3y / enterprise.rd_expense_3y >= 0.6 \
        and enterprise.hightech_income / enterprise.total_income >= 0.6 \
        and enterprise.innovation_score > 70 \
        and not enterprise.major_incident_past_year";
    Zen {
        decision: graph(vec![
            input(),
            table,
            expressions(&[("eligible", rule)]),
            output(),
        ]),
        inputs: records
            .iter()
            .map(|r| Variable::from(r.facts_with_days()))
            .collect(),
        amount: None,
    }
}

/// W2: the support directory as a decision table (code → floor), then the conditions and
/// the capped amount as expressions.
pub fn fund(records: &[Fund]) -> Zen {
    let rules: Vec<Value> = crate::data::FUND_CODES
        .iter()
        .enumerate()
        .map(|(i, c)| json!({ "_id": format!("r{i}"), "i1": format!("\"{c}\""), "o1": "20000000" }))
        .collect();
    let table = json!({
        "id": "dt", "name": "support directory", "type": "decisionTableNode",
        "content": {
            "hitPolicy": "first", "passThrough": true,
            "inputs": [{ "id": "i1", "name": "category", "field": "project.category" }],
            "outputs": [{ "id": "o1", "name": "floor", "field": "floor" }],
            "rules": rules
        }
    });
    let rule = "enterprise.registered_in_shanghai and enterprise.independent_legal_person \
        and enterprise.credit_good and floor != null and project.in_three_year_pool \
        and project.total_investment >= floor and project.approvals_complete \
        and project.funds_in_place and project.construction_started \
        and project.fixed_asset_investment / project.total_investment > 0.6 \
        and not project.prior_municipal_support";
    let amount = "min([project.total_investment * 0.1, 100000000])";
    Zen {
        decision: graph(vec![
            input(),
            table,
            expressions(&[("eligible", rule), ("amount", amount)]),
            output(),
        ]),
        inputs: records.iter().map(|r| Variable::from(r.facts())).collect(),
        amount: Some("amount"),
    }
}

/// W3: the directory as a decision table of `rows` rows.
pub fn directory(rows: &[Row], records: &[Lookup]) -> Zen {
    let rules: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "_id": format!("r{i}"),
                "i1": format!("\"{}\"", r.code),
                "o1": r.min_investment.to_string(),
                "o2": format!("{}", r.rate_pct as f64 / 100.0),
            })
        })
        .collect();
    let table = json!({
        "id": "dt", "name": "support directory", "type": "decisionTableNode",
        "content": {
            "hitPolicy": "first", "passThrough": true,
            "inputs": [{ "id": "i1", "name": "code", "field": "applicant.code" }],
            "outputs": [
                { "id": "o1", "name": "min", "field": "min" },
                { "id": "o2", "name": "rate", "field": "rate" }
            ],
            "rules": rules
        }
    });
    let rule = "min != null and applicant.investment >= min";
    let amount = "min != null ? applicant.investment * rate : null";
    Zen {
        decision: graph(vec![
            input(),
            table,
            expressions(&[("eligible", rule), ("amount", amount)]),
            output(),
        ]),
        inputs: records.iter().map(|r| Variable::from(r.facts())).collect(),
        amount: Some("amount"),
    }
}

impl Engine for Zen {
    fn name(&self) -> &'static str {
        "zen-engine"
    }

    fn decide(&mut self, i: usize) -> Verdict {
        let input = self.inputs[i].deep_clone();
        let response = pollster::block_on(self.decision.evaluate(input)).expect("zen evaluates");
        let result = response.result;
        let eligible = result
            .dot("eligible")
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        match self.amount {
            Some(a) => Verdict::with_amount(eligible, result.dot(a).and_then(|v| v.as_number())),
            None => Verdict::status(eligible),
        }
    }
}
