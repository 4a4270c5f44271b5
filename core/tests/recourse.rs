//! Recourse on the README's own example: what would make the Shanghai application eligible.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use clausula_core::{LineStatus, NaiveDate, Policy, Recourse, RecourseBound};
use serde_json::Value;

fn setup() -> (Policy, Value, NaiveDate) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let policy = Policy::load(
        root.join("policies/shanghai/key-tech-transformation.cla")
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let facts: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("examples/applications/shanghai-fund-2026.json"))
            .unwrap(),
    )
    .unwrap();
    (policy, facts, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap())
}

fn fai_line(policy: &Policy, facts: &Value, as_of: NaiveDate) -> clausula_core::Line {
    let d = policy.decide(facts, as_of);
    d.outcome("shanghai_key_tech_fund")
        .unwrap()
        .requirements
        .iter()
        .find(|l| l.message.contains("固定资产投资占项目总投资的比例"))
        .cloned()
        .unwrap()
}

#[test]
fn the_readme_example_is_told_what_would_make_its_line_pass() {
    let (policy, facts, as_of) = setup();
    let line = fai_line(&policy, &facts, as_of);
    assert!(line.blocks);
    assert_eq!(
        line.recourse,
        [
            Recourse {
                fact: "project.fixed_asset_investment".to_string(),
                op: ">".to_string(),
                value: "111000000".to_string(),
                display: Some("111,000,000.00".to_string()),
                current: Some("104,000,000.00".to_string()),
                and: None,
            },
            // A fact in the divisor: rounded to the 分 toward the flipping side, on the
            // positive side of zero.
            Recourse {
                fact: "project.total_investment".to_string(),
                op: "<=".to_string(),
                value: "173333333.33".to_string(),
                display: Some("173,333,333.33".to_string()),
                current: Some("185,000,000.00".to_string()),
                and: Some(RecourseBound {
                    op: ">".to_string(),
                    value: "0".to_string()
                }),
            },
        ]
    );
    // Applied: 111,000,001 passes; the bound itself (the comparison is strict) does not.
    let with = |path: &str, v: &str| {
        let mut f = facts.clone();
        f["project"][path] = Value::String(v.to_string());
        fai_line(&policy, &f, as_of).status
    };
    assert_eq!(
        with("fixed_asset_investment", "111000001"),
        LineStatus::True
    );
    assert_eq!(
        with("fixed_asset_investment", "111000000"),
        LineStatus::False
    );
    assert_eq!(with("total_investment", "173333333.33"), LineStatus::True);
    assert_eq!(with("total_investment", "173333333.34"), LineStatus::False);
    // The JSON contract: `recourse` on the blocking line only.
    let json = serde_json::to_value(policy.decide(&facts, as_of)).unwrap();
    let lines = json["outcomes"]["shanghai_key_tech_fund"]["requirements"]
        .as_array()
        .unwrap();
    let with_recourse: Vec<&Value> = lines
        .iter()
        .filter(|l| l.get("recourse").is_some())
        .collect();
    assert_eq!(with_recourse.len(), 1);
    assert_eq!(with_recourse[0]["recourse"][0]["value"], "111000000");
}

#[test]
fn summaries_and_batches_carry_no_recourse() {
    let (policy, facts, as_of) = setup();
    let summary = serde_json::to_string(&policy.summarize_value(&facts, as_of)).unwrap();
    assert!(!summary.contains("recourse"));
}

#[test]
fn recourse_costs_a_bounded_number_of_evaluations_however_many_lines_block() {
    // 200 blocking lines, each flippable by one fact: checking every item would cost 200
    // evaluations; the budget (64 per decision) keeps it constant, first lines first.
    let mut src = String::from(
        "policy many \"many lines\"\n  effective 2020-01-01\n\ninput f {\n  x: int\n}\n\noutcome o {\n",
    );
    for i in 1..=200 {
        src.push_str(&format!("  require f.x >= {i} \"at least {i}\"\n"));
    }
    src.push_str("}\n");
    let policy = Policy::compile(&src).unwrap();
    let d = policy.decide(
        &serde_json::json!({"f": {"x": 0}}),
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
    );
    let lines = &d.outcome("o").unwrap().requirements;
    let with: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.recourse.is_empty())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(with, (0..64).collect::<Vec<_>>());
    assert_eq!(lines[0].recourse[0].value, "1");
    assert_eq!(lines[63].recourse[0].value, "64");
}

#[test]
fn a_code_outside_the_directory_is_offered_the_closest_codes_that_pass() {
    let (policy, mut facts, _) = setup();
    facts["project"]["category"] = serde_json::json!("ZZLX");
    let as_of = NaiveDate::from_ymd_opt(2025, 3, 1).unwrap();
    let d = policy.decide(&facts, as_of);
    let line = d
        .outcome("shanghai_key_tech_fund")
        .unwrap()
        .requirements
        .iter()
        .find(|l| l.message.contains("支持目录"))
        .cloned()
        .unwrap();
    let codes: Vec<&str> = line.recourse.iter().map(|r| r.value.as_str()).collect();
    // ZZLC shares the most with ZZLX; then the directory's order.
    assert_eq!(codes, ["ZZLC", "ZBSJ", "ZLXL"]);
    let first = &line.recourse[0];
    assert_eq!(first.fact, "project.category");
    assert_eq!(first.op, "==");
    assert_eq!(first.display.as_deref(), Some("ZZLC（制造流程再造）"));
    assert_eq!(first.current.as_deref(), Some("ZZLX"));
    // Each, applied, makes the line pass.
    for code in codes {
        facts["project"]["category"] = serde_json::json!(code);
        let d = policy.decide(&facts, as_of);
        let again = d
            .outcome("shanghai_key_tech_fund")
            .unwrap()
            .requirements
            .iter()
            .find(|l| l.message.contains("《上海市重点技术改造支持目录》"))
            .cloned()
            .unwrap();
        assert_eq!(again.status, LineStatus::True, "{code}");
    }
}

/// Recourse through `round`, `floor` and `ceil`: each item flips its line at its bound, and
/// the nearest value on the other side of the bound does not.
#[test]
fn rounding_is_inverted_exactly() {
    let as_of = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    for (cond, x, want_op, want_bound, outside) in [
        // round(x / 3) ≥ 10: x / 3 ≥ 9.5, x ≥ 28.5.
        ("round(a.x / 3, 0) >= 10", "20", ">=", "28.5", "28.49"),
        // floor(x, 1) > 4.5: floor ≥ 4.6, x ≥ 4.6.
        ("floor(a.x, 1) > 4.5", "1", ">=", "4.6", "4.59"),
        // ceil(x) ≤ 3: not (ceil ≥ 4), x ≤ 3.
        ("ceil(a.x, 0) <= 3", "7.2", "<=", "3", "3.01"),
        // round(x, 2) < 1: round ≤ 0.99, not (round ≥ 1), x < 0.995.
        ("round(a.x, 2) < 1", "2", "<", "0.995", "0.995"),
    ] {
        let src = format!(
            "policy p effective 2024-01-01\ninput a {{ x: number }}\noutcome o {{ require {cond} \"the line\" }}\n"
        );
        let policy = Policy::compile(&src).unwrap();
        let facts = serde_json::json!({"a": {"x": x}});
        let d = policy.decide(&facts, as_of);
        let line = d.outcome("o").unwrap().requirements[0].clone();
        assert_eq!(line.status, LineStatus::False, "{cond}");
        assert_eq!(line.recourse.len(), 1, "{cond}: {:?}", line.recourse);
        let r = &line.recourse[0];
        assert_eq!(
            (r.op.as_str(), r.value.as_str()),
            (want_op, want_bound),
            "{cond}"
        );
        let status = |v: &str| {
            policy
                .decide(&serde_json::json!({"a": {"x": v}}), as_of)
                .outcome("o")
                .unwrap()
                .requirements[0]
                .status
        };
        assert_eq!(
            status(want_bound),
            if want_op == "<" {
                LineStatus::False
            } else {
                LineStatus::True
            },
            "{cond}"
        );
        assert_eq!(status(outside), LineStatus::False, "{cond}: {outside}");
    }
}

/// R15: a line that reads another outcome's status gets no recourse, though the same
/// comparison written on the facts would; an amount read as `o.a` is arithmetic like any
/// other, inverted and checked.
#[test]
fn recourse_does_not_look_through_outcomes() {
    let p = Policy::compile(
        r#"policy r "R"
input e "E" {
  x: money "x"
}
outcome base "基础" {
  require e.x >= 100 "x不低于100"
  amount twice "两倍" = e.x * 2
}
outcome via_status "看状态" {
  require eligible(base) "基础条件满足"
}
outcome via_amount "看金额" {
  require base.twice >= 200 "两倍不低于200"
}
outcome direct "直接" {
  require e.x * 2 >= 200 "两倍不低于200"
}
"#,
    )
    .unwrap();
    let d = p.decide(
        &serde_json::json!({"e": {"x": 50}}),
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
    );
    let line = &d.outcome("via_status").unwrap().requirements[0];
    assert!(line.blocks);
    assert!(line.recourse.is_empty(), "{:?}", line.recourse);
    // The outcome read by `eligible` keeps its own recourse.
    let base = &d.outcome("base").unwrap().requirements[0];
    assert_eq!(base.recourse[0].fact, "e.x");
    assert_eq!(base.recourse[0].value, "100");
    for o in ["via_amount", "direct"] {
        let line = &d.outcome(o).unwrap().requirements[0];
        assert_eq!(line.recourse[0].fact, "e.x", "{o}");
        assert_eq!(line.recourse[0].value, "100", "{o}");
    }
}
