//! Errors keep to what they touch (R11) and examples assert them (R16): an evaluation error
//! names the outcome, the lines and amounts it reached and its scope; the status is decided
//! by the lines it did not reach; batch rows stay decided; examples can expect an amount's
//! error and any `values` entry.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use clausula_core::{ErrorScope, LineStatus, NaiveDate, Policy, Status};
use serde_json::json;

const POLICY: &str = r#"policy growth "成长性"

input fin "财务" {
  assets_1: money "第一年净资产"
  assets_2: money "第二年净资产"
  score: int in 0..100 "得分"
}

table band "成长得分" hit first {
  when fin.assets_2 / fin.assets_1 >= 150% => 10
  otherwise => 0
}

outcome rated "评价" {
  require fin.score >= 60 "得分不低于60"
  require band >= 5 "成长得分不低于5"
  amount rate "增长率" = fin.assets_2 / fin.assets_1 - 1
  amount points "得分" = fin.score
}

outcome scored "得分" {
  require fin.score >= 60 "得分不低于60"
  amount rate "增长率" = fin.assets_2 / fin.assets_1 - 1
}
"#;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

#[test]
fn an_error_reports_its_outcome_lines_amounts_and_scope() {
    let p = Policy::compile(POLICY).unwrap();
    let d = p.decide(
        &json!({"fin": {"assets_1": 0, "assets_2": 100, "score": 70}}),
        day(),
    );
    // One error per outcome it reaches, in outcome order.
    assert_eq!(d.errors.len(), 2, "{}", d.to_json_pretty());
    let rated = &d.errors[0];
    assert_eq!(rated.code, "eval/division-by-zero");
    assert_eq!(rated.outcome.as_deref(), Some("rated"));
    assert_eq!(rated.scope, ErrorScope::Line);
    assert_eq!(rated.lines, [1]);
    assert_eq!(rated.amounts, ["rate"]);
    let scored = &d.errors[1];
    assert_eq!(scored.outcome.as_deref(), Some("scored"));
    assert_eq!(scored.scope, ErrorScope::Amount);
    assert!(scored.lines.is_empty());
    assert_eq!(scored.amounts, ["rate"]);
    assert!(d.errors.iter().all(|e| e.is_scoped()));

    // The line the error reached is unknown and says why; the other is decided.
    let o = d.outcome("rated").unwrap();
    assert_eq!(o.status, Status::Undetermined);
    assert_eq!(o.requirements[0].status, LineStatus::True);
    assert!(o.requirements[0].error.is_none());
    assert_eq!(o.requirements[1].status, LineStatus::Unknown);
    let e = o.requirements[1].error.as_ref().unwrap();
    assert_eq!(e.code, "eval/division-by-zero");
    assert!(
        o.missing.is_empty(),
        "no fact could decide it: the error says why"
    );
    // The amount the error reached has no value and carries it; the other is computed.
    assert!(o.amounts.get("rate").is_none());
    assert_eq!(o.amounts.get("points").unwrap().0, 70.into());
    let rate = o.amount_lines.iter().find(|a| a.name == "rate").unwrap();
    assert!(rate.value.is_none() && rate.display.is_none());
    assert_eq!(rate.error.as_ref().unwrap().code, "eval/division-by-zero");

    // An amount's error leaves the status decided.
    assert_eq!(d.outcome("scored").unwrap().status, Status::Eligible);

    // The JSON contract carries all of it.
    let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(v["errors"][0]["scope"], "line");
    assert_eq!(v["errors"][0]["lines"], json!([1]));
    assert_eq!(v["errors"][1]["scope"], "amount");
    assert_eq!(v["errors"][1]["amounts"], json!(["rate"]));
    assert_eq!(
        v["outcomes"]["rated"]["requirements"][1]["error"]["code"],
        "eval/division-by-zero"
    );
}

#[test]
fn bad_facts_stop_the_decision_and_say_so() {
    let p = Policy::compile(POLICY).unwrap();
    let d = p.decide(&json!({"fin": {"score": 170}}), day());
    assert!(d.outcomes.is_empty());
    assert_eq!(d.errors[0].code, "facts/out-of-range");
    assert_eq!(d.errors[0].scope, ErrorScope::Decision);
    assert!(!d.errors[0].is_scoped());
    let v: serde_json::Value = serde_json::from_str(&d.to_json()).unwrap();
    assert_eq!(v["errors"][0]["scope"], "decision");

    // Deciding with field errors sets the bad field aside: the decision stands.
    let d = p.decide_with_field_errors(&json!({"fin": {"score": 170}}), day());
    assert!(!d.outcomes.is_empty());
    assert_eq!(d.errors[0].scope, ErrorScope::Field);
}

#[test]
fn batch_rows_with_scoped_errors_are_decided_rows() {
    let p = Policy::compile(POLICY).unwrap();
    let rows = [
        json!({"fin": {"assets_1": 0, "assets_2": 100, "score": 70}}),
        json!({"fin": {"assets_1": 50, "assets_2": 100, "score": 70}}),
        json!({"fin": {"assets_1": 50, "assets_2": 100, "score": 700}}),
    ];
    let r = p.decide_batch(&rows, day()).unwrap();
    // Row 0: decided, its errors listed but no row error.
    assert!(r.row_error(0).is_none());
    assert_eq!(r.errors[0].len(), 2);
    assert_eq!(r.errors[0][1].scope, ErrorScope::Amount);
    let scored = r.outcomes.iter().find(|o| o.name == "scored").unwrap();
    assert_eq!(scored.statuses[0], Some(Status::Eligible));
    // Row 1: no error at all.
    assert!(r.errors[1].is_empty());
    // Row 2: bad facts, not decided.
    assert_eq!(r.row_error(2).unwrap().code, "facts/out-of-range");
    assert_eq!(scored.statuses[2], None);
    // The same in a single decision.
    for (i, row) in rows.iter().enumerate() {
        assert_eq!(p.decide(row, day()).errors, r.errors[i], "row {i}");
    }
}

/// The policy above without the table: its only error is an amount's.
fn amounts_only() -> String {
    let start = POLICY.find("table band").unwrap();
    let end = POLICY.find("outcome scored").unwrap();
    format!("{}{}", &POLICY[..start], &POLICY[end..])
}

#[test]
fn examples_expect_an_amounts_error_and_values() {
    let source = format!(
        r#"{}
example "zero assets" as_of 2026-01-01 {{
  given {{ fin: {{ assets_1: 0, assets_2: 100, score: 70 }} }}
  expect scored eligible rate error "eval/division-by-zero" value "fin.score" = 70
}}

example "growth" as_of 2026-01-01 {{
  given {{ fin: {{ assets_1: 50, assets_2: 100, score: 70 }} }}
  expect scored eligible rate = 1 value "fin.assets_1" = 50.00 value "fin.score" = 70
}}

example "wrong expectations" as_of 2026-01-01 {{
  given {{ fin: {{ assets_1: 0, assets_2: 100, score: 70 }} }}
  expect scored eligible rate error "eval/overflow" value "fin.score" = 71 value "fin.scor" = 1
}}

example "an unnamed error" as_of 2026-01-01 {{
  given {{ fin: {{ assets_1: 0, assets_2: 100, score: 70 }} }}
  expect scored eligible
}}
"#,
        amounts_only()
    );
    let p = Policy::compile(&source).unwrap();
    let results = p.run_examples();
    let by_name = |n: &str| results.iter().find(|r| r.name == n).unwrap();
    assert!(
        by_name("zero assets").passed,
        "{:?}",
        by_name("zero assets").failures
    );
    assert!(by_name("growth").passed, "{:?}", by_name("growth").failures);
    let wrong = by_name("wrong expectations");
    assert!(!wrong.passed);
    let all = wrong.failures.join("\n");
    assert!(
        all.contains("expected error `eval/overflow`, got `eval/division-by-zero`"),
        "{all}"
    );
    assert!(
        all.contains("expected value `fin.score` = 71, got 70"),
        "{all}"
    );
    assert!(all.contains("did you mean `fin.score`?"), "{all}");
    let unnamed = by_name("an unnamed error");
    assert!(!unnamed.passed);
    assert!(
        unnamed.failures[0].starts_with("unexpected error: [eval/division-by-zero]"),
        "{:?}",
        unnamed.failures
    );
}

#[test]
fn an_expected_amount_error_must_name_an_amount() {
    let source = format!(
        r#"{POLICY}
example "typo" as_of 2026-01-01 {{
  given {{ fin: {{ score: 70 }} }}
  expect scored eligible rat error "eval/division-by-zero"
}}
"#
    );
    let err = Policy::compile(&source).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("outcome `scored` has no amount `rat`"),
        "{text}"
    );
    assert!(text.contains("did you mean `rate`?"), "{text}");
}
