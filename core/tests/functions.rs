//! Functions (R6/R7): calls expand into named instances whose `values` entries show the
//! function and its arguments' values — the same after the graph is pruned, saved and
//! loaded — for the parameters the body reads.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use clausula_core::{NaiveDate, Policy, ValueKind};
use serde_json::json;

const POLICY: &str = r#"policy f "函数"

input fin "财务" {
  a: money "甲"
  b: money "乙"
  c: money "丙"
}

// Nodes no decision reads come first, so pruning renumbers every node after them.
rule unused_1 = fin.a * 3 + fin.b * 7
rule unused_2 = fin.c / 9

rule 比(x: money, y: money, spare: money) "比值" = x / y

table 档(r: percent) "档次" hit first {
  when r >= 50% => 2
  otherwise => 1
}

outcome o "结果" {
  require 档(比(fin.b, fin.a, fin.c)) >= 2 "档次不低于2"
  amount ratio "比值" = 比(fin.b, fin.a, fin.c)
}
"#;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

#[test]
fn call_entries_name_the_function_and_every_argument_after_pruning_and_reloading() {
    let compiled = Policy::compile(POLICY).unwrap();
    let reloaded = Policy::from_bytes(&compiled.to_bytes()).unwrap();
    let facts = json!({"fin": {"a": 200, "b": 150, "c": 7}});
    for p in [&compiled, &reloaded] {
        let d = p.decide(&facts, day());
        let o = d.outcome("o").unwrap();
        let call = o
            .values
            .get("比(fin.b, fin.a, fin.c)")
            .expect("the call's entry");
        assert_eq!(call.kind, ValueKind::Function);
        assert_eq!(call.function.as_deref(), Some("比"));
        assert_eq!(call.value.as_deref(), Some("0.75"));
        assert_eq!(call.formula.as_deref(), Some("x / y"));
        let args: Vec<(&str, Option<&str>)> = call
            .args
            .as_ref()
            .unwrap()
            .iter()
            .map(|(k, v)| (k, v.as_deref()))
            .collect();
        // `spare` is not read by the body: not evaluated, not shown.
        assert_eq!(args, [("x", Some("150")), ("y", Some("200"))]);
        let table = o
            .values
            .get("档(比(fin.b, fin.a, fin.c))")
            .expect("the table call");
        assert_eq!(table.kind, ValueKind::Table);
        assert_eq!(table.function.as_deref(), Some("档"));
        assert_eq!(table.row, Some(1));
        assert_eq!(
            table
                .args
                .as_ref()
                .unwrap()
                .get("r")
                .cloned()
                .flatten()
                .as_deref(),
            Some("0.75")
        );
        assert_eq!(o.amounts.get("ratio").unwrap().0.to_string(), "0.75");
    }
}

#[test]
fn identical_calls_are_one_instance_and_an_error_names_the_arguments() {
    let p = Policy::compile(POLICY).unwrap();
    let d = p.decide(&json!({"fin": {"a": 0, "b": 150, "c": 7}}), day());
    let o = d.outcome("o").unwrap();
    let calls = o
        .values
        .iter()
        .filter(|(k, _)| k.starts_with("比("))
        .count();
    assert_eq!(calls, 1, "one entry for the two identical calls");
    // The error names the expression with the call's arguments, not the parameters.
    assert_eq!(
        d.errors[0].message, "division by zero in `fin.b / fin.a`",
        "{:?}",
        d.errors
    );
}

/// Nested calls that multiply (each function calls the previous one twice) stop at the
/// expansion budget with `check/too-large` naming the chain — never a policy that compiles
/// with the over-budget calls silently missing (the error is raised inside an expansion,
/// whose own diagnostics are discarded).
#[test]
fn calls_that_multiply_stop_at_the_budget_with_an_error() {
    let mut source = String::from(
        "policy nest \"nest\"\ninput e \"E\" {\n  x: money \"x\"\n}\nrule f0(x: money) = x + 1\n",
    );
    for k in 1..=20 {
        source.push_str(&format!(
            "rule f{k}(x: money) = f{}(f{}(x)) + 1\n",
            k - 1,
            k - 1
        ));
    }
    source.push_str("rule top = f20(e.x)\noutcome o \"O\" {\n  require top > 0 \"m\"\n}\n");
    let err = Policy::compile(&source).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("check/too-large"), "{text}");
    assert!(text.contains("while expanding f20(e.x)"), "{text}");
}
