//! Declared ranges (`in LOW..HIGH`): out-of-range facts in every input path, the range in
//! the schemas, and decisions that intervals make (the conformance corpus has the JSON).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use clausula_core::{FactValue, NaiveDate, Policy, Status};
use serde_json::json;

const POLICY: &str = r#"policy scoring "评分"

input ent "企业" {
  known: int "已得分"
  local_points: int in 0..15 "地方特色指标得分"
  rd_ratio: percent in 0%..100% "研发费用占比"
}

outcome ok "合格" {
  require ent.known + ent.local_points >= 60 "总分不低于60分"
  require ent.rd_ratio >= 3% "研发费用占比不低于3%"
}
"#;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
}

#[test]
fn out_of_range_is_an_error_of_that_row_only_in_every_batch_path() {
    let p = Policy::compile(POLICY).unwrap();
    let rows = [
        json!({"ent": {"known": 66, "local_points": 16, "rd_ratio": 0.05}}),
        json!({"ent": {"known": 66, "rd_ratio": 0.05}}),
        json!({"ent": {"known": 40, "local_points": 15, "rd_ratio": "5%"}}),
    ];
    let by_rows = p.decide_batch(&rows, day()).unwrap();
    let mut b = p.column_batch(3);
    b.set(
        "ent.known",
        [66, 66, 40].map(|n| FactValue::Decimal(n.into())),
    )
    .unwrap();
    b.set(
        "ent.local_points",
        [
            FactValue::Decimal(16.into()),
            FactValue::Null,
            FactValue::Decimal(15.into()),
        ],
    )
    .unwrap();
    b.set(
        "ent.rd_ratio",
        [
            FactValue::Text("5%".into()),
            FactValue::Text("5%".into()),
            FactValue::Text("5%".into()),
        ],
    )
    .unwrap();
    let by_columns = p.evaluate_columns(&b.build(), day()).unwrap();
    for r in [&by_rows, &by_columns] {
        assert_eq!(r.errors[0].len(), 1);
        assert_eq!(r.errors[0][0].code, "facts/out-of-range");
        assert_eq!(r.errors[0][0].path.as_deref(), Some("ent.local_points"));
        assert!(
            r.errors[0][0].message.contains("0..15"),
            "{}",
            r.errors[0][0].message
        );
        let o = &r.outcomes[0];
        assert_eq!(o.statuses[0], None);
        // 66 known and 0..15 unknown: eligible; 40 + 15 < 60: ineligible.
        assert_eq!(o.statuses[1], Some(Status::Eligible));
        assert_eq!(o.statuses[2], Some(Status::Ineligible));
        assert!(r.errors[1].is_empty() && r.errors[2].is_empty());
    }
    // A percent given as a bare 5 is 500%.
    let d = p.decide(&json!({"ent": {"rd_ratio": 5}}), day());
    assert_eq!(d.errors[0].code, "facts/out-of-range");
    assert!(
        d.errors[0].message.contains("500%"),
        "{}",
        d.errors[0].message
    );
}

#[test]
fn the_66_points_case_is_eligible_with_nothing_missing() {
    let p = Policy::compile(POLICY).unwrap();
    let d = p.decide(&json!({"ent": {"known": 66, "rd_ratio": "5%"}}), day());
    let o = d.outcome("ok").unwrap();
    assert_eq!(o.status, Status::Eligible);
    assert!(o.missing.is_empty());
    let c = o.requirements[0].compare.as_ref().unwrap();
    assert_eq!(c.left, None);
    assert_eq!(c.left_display.as_deref(), Some("66..81"));
    let b = c.left_bounds.as_ref().unwrap();
    assert_eq!(
        (b.min.as_deref(), b.max.as_deref()),
        (Some("66"), Some("81"))
    );
    // The unknown fact's entry in the working carries its range.
    let v = o.values.get("ent.local_points").unwrap();
    assert_eq!(v.value, None);
    let b = v.bounds.as_ref().unwrap();
    assert_eq!(b.display, "0..15");
    assert_eq!(
        (b.min.as_deref(), b.max.as_deref()),
        (Some("0"), Some("15"))
    );
    // 50 points: the item can still decide, so it is asked for.
    let d = p.decide(&json!({"ent": {"known": 50, "rd_ratio": "5%"}}), day());
    let o = d.outcome("ok").unwrap();
    assert_eq!(o.status, Status::Undetermined);
    assert_eq!(o.missing, ["ent.local_points"]);
}

#[test]
fn schemas_carry_the_range() {
    let p = Policy::compile(POLICY).unwrap();
    let s = p.inputs();
    let f = s.inputs[0]
        .fields
        .iter()
        .find(|f| f.name == "rd_ratio")
        .unwrap();
    assert_eq!((f.min.as_deref(), f.max.as_deref()), (Some("0"), Some("1")));
    let js = s.json_schema();
    let lp = &js["properties"]["ent"]["properties"]["local_points"];
    assert_eq!(lp["minimum"], json!(0));
    assert_eq!(lp["maximum"], json!(15));
}

/// R2: a hit-first table, a collect-sum table and an enum-keyed lookup take the hull of what
/// they may give, so a comparison every possible value decides is decided, and the facts
/// behind it are not asked for.
#[test]
fn tables_and_enum_keyed_lookups_decide_under_intervals() {
    let p = Policy::compile(
        r#"policy bands "分档"

enum 规模 { large, medium, small }
input ent { growth: percent in 0%..100%, size: 规模, base: int in 0..10 }

table 成长得分 hit first {
  when ent.growth >= 35% => 10
  when ent.growth >= 25% => 8
  otherwise => 6
}

table 加分 hit collect sum {
  when ent.growth >= 50% => 3
  when ent.base >= 5 => 2
}

table 无兜底 hit first {
  when ent.growth >= 35% => 10
}

directory 系数 key 规模 {
  f: int
  large { f = 1 }
  medium { f = 2 }
  small { f = 4 }
}

directory 缺行 key 规模 {
  f: int
  large { f = 1 }
}

outcome banded {
  require 成长得分 >= 6 "得分不低于6"
  require 成长得分 + 加分 <= 15 "合计不超过15"
  require 系数[ent.size].f >= 1 "系数不低于1"
}

outcome unsure {
  require 无兜底 >= 0 "无兜底的表可能无行可用"
}

outcome incomplete {
  require 缺行[ent.size].f >= 1 "缺行的目录可能查不到"
}
"#,
    )
    .unwrap();
    let d = p.decide(&json!({}), day());
    let banded = d.outcome("banded").unwrap();
    assert_eq!(banded.status, Status::Eligible);
    assert!(banded.missing.is_empty(), "{:?}", banded.missing);
    // A table with no `otherwise` may match no row; a lookup may find no row.
    assert_eq!(d.outcome("unsure").unwrap().status, Status::Undetermined);
    assert_eq!(
        d.outcome("incomplete").unwrap().status,
        Status::Undetermined
    );
    // Known facts still decide the same way.
    let d = p.decide(
        &json!({"ent": {"growth": 0.4, "size": "small", "base": 6}}),
        day(),
    );
    assert_eq!(d.outcome("banded").unwrap().status, Status::Eligible);
    assert_eq!(d.outcome("unsure").unwrap().status, Status::Eligible);
}

/// R2: `count` and `sum` over a known list take the items whose filter is undecided as
/// maybe; over an absent list `count` is 0 or more.
#[test]
fn counts_and_sums_over_lists_decide_under_intervals() {
    let p = Policy::compile(
        r#"policy lists "清单"

input item[] { eligible: bool, price: money }

outcome many {
  require count(item where eligible) >= 2 "至少两项合格"
  require sum(item where eligible, price) <= 1000 "合格项合计不超过1000"
}

outcome some {
  require count(item where eligible) >= 0 "合格项不为负"
}

outcome extremes {
  require max(item where eligible, price) >= 300 "最高单价不低于300"
  require min(item where eligible, price) <= 400 "最低单价不高于400"
}
"#,
    )
    .unwrap();
    // Two sure, one unknown: the count is 2..3, the sum 500..900.
    let facts = json!({"item": [
        {"eligible": true, "price": 200},
        {"eligible": true, "price": 300},
        {"price": 400},
        {"eligible": false, "price": 5000}
    ]});
    let d = p.decide(&facts, day());
    let many = d.outcome("many").unwrap();
    assert_eq!(many.status, Status::Eligible, "{:?}", many.requirements);
    assert!(many.missing.is_empty(), "{:?}", many.missing);
    // The max of 200, 300 and maybe 400 is 300..400; the min of those 200..200.
    let extremes = d.outcome("extremes").unwrap();
    assert_eq!(
        extremes.status,
        Status::Eligible,
        "{:?}",
        extremes.requirements
    );
    // One unknown item that would push the sum past 1000: undetermined, and it is asked.
    let facts = json!({"item": [
        {"eligible": true, "price": 200},
        {"eligible": true, "price": 300},
        {"price": 600}
    ]});
    let d = p.decide(&facts, day());
    let many = d.outcome("many").unwrap();
    assert_eq!(many.status, Status::Undetermined);
    assert_eq!(many.missing, vec!["item[2].eligible".to_string()]);
    // No list at all: a count is never negative; a maximum may have no items at all.
    let d = p.decide(&json!({}), day());
    assert_eq!(d.outcome("some").unwrap().status, Status::Eligible);
    assert_eq!(d.outcome("extremes").unwrap().status, Status::Undetermined);
    // Nothing sure to pass: the filtered list may be empty, so the maximum may fail.
    let d = p.decide(&json!({"item": [{"price": 500}]}), day());
    assert_eq!(d.outcome("extremes").unwrap().status, Status::Undetermined);
}
