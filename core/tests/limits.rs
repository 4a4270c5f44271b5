//! The resource limits of `docs/limits.md`: big inputs give a result or a clean error with
//! a code, never a panic, a hang or a silently dropped item.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use clausula_core::{MAX_LIST_ITEMS, Policy, Status, parse_date};

const EQUIPMENT: &str = r#"policy equipment_credit "设备抵免"
  effective 2008-01-01

input equipment[] "专用设备" {
  price: money "价款"
  qualified: bool "列入目录"
  note: text "说明"
}

outcome credit "抵免" {
  require count(equipment where qualified) >= 1 "至少一台设备列入目录"
  amount credit = sum(equipment where qualified, price) * 10%
}
"#;

fn items(n: usize, qualified: &str) -> String {
    let mut s = String::with_capacity(n * 48 + 20);
    s.push_str(r#"{"equipment":["#);
    for i in 0..n {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!(
            r#"{{"price":"{}.25","qualified":{qualified}}}"#,
            i % 1000
        ));
    }
    s.push_str("]}");
    s
}

#[test]
fn a_hundred_thousand_item_list_is_decided_exactly() {
    let policy = Policy::compile(EQUIPMENT).unwrap();
    let as_of = parse_date("2024-06-01").unwrap();
    let d = policy.decide_json(items(100_000, "true").as_bytes(), as_of);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let o = d.outcome("credit").unwrap();
    assert_eq!(o.status, Status::Eligible);
    // 100 rounds of (0.25 + 1.25 + … + 999.25) = 100 × 499,750 = 49,975,000; 10% of it
    assert_eq!(
        clausula_core::decimal_text(o.amounts.get("credit").unwrap().0),
        "4997500"
    );
}

#[test]
fn a_hundred_thousand_unknown_items_are_undetermined_and_asked_for() {
    let policy = Policy::compile(EQUIPMENT).unwrap();
    let as_of = parse_date("2024-06-01").unwrap();
    let d = policy.decide_json(items(100_000, "null").as_bytes(), as_of);
    let o = d.outcome("credit").unwrap();
    assert_eq!(o.status, Status::Undetermined);
    assert!(!o.missing.is_empty());
    assert!(o.missing.len() <= 100_000);
    assert_eq!(o.missing[0], "equipment[0].qualified");
}

#[test]
fn more_items_than_the_limit_is_a_clean_error() {
    let policy = Policy::compile(EQUIPMENT).unwrap();
    let as_of = parse_date("2024-06-01").unwrap();
    let mut text = String::from(r#"{"equipment":["#);
    text.push_str(&vec!["{}"; MAX_LIST_ITEMS + 1].join(","));
    text.push_str("]}");
    let d = policy.decide_json(text.as_bytes(), as_of);
    assert!(d.outcomes.is_empty());
    assert_eq!(d.errors[0].code, "facts/too-large");
    assert_eq!(d.errors[0].path.as_deref(), Some("equipment"));
}

#[test]
fn json_nested_ten_thousand_deep_is_a_clean_error() {
    let policy = Policy::compile(EQUIPMENT).unwrap();
    let as_of = parse_date("2024-06-01").unwrap();
    let text = format!(
        r#"{{"equipment":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let d = policy.decide_json(text.as_bytes(), as_of);
    assert_eq!(d.errors[0].code, "facts/too-deep");
}

#[test]
fn money_beyond_the_decimal_range_is_an_overflow_error_never_a_wrap() {
    let source = r#"policy p
  effective 2020-01-01
input a { m: money }
outcome o {
  require a.m > 0 "m"
  amount doubled = a.m * 2
}
"#;
    let policy = Policy::compile(source).unwrap();
    let as_of = parse_date("2024-06-01").unwrap();
    let d = policy.decide_json(br#"{"a":{"m":"50000000000000000000000000000"}}"#, as_of);
    assert!(
        d.errors.iter().any(|e| e.code == "eval/overflow"),
        "{:?}",
        d.errors
    );
    let o = d.outcome("o").unwrap();
    assert!(o.amounts.get("doubled").is_none());
    // one digit more than a decimal holds is refused when read
    let d = policy.decide_json(br#"{"a":{"m":"99999999999999999999999999999"}}"#, as_of);
    assert_eq!(d.errors[0].code, "facts/invalid-number");
}

#[test]
fn more_declarations_than_the_limit_is_a_clean_error() {
    let mut source = String::from("policy p\n  effective 2020-01-01\ninput a { m: money }\n");
    for i in 0..100_001 {
        source.push_str(&format!("rule r{i} = a.m + {i}\n"));
    }
    let err = Policy::compile(&source).unwrap_err();
    assert_eq!(err.codes(), ["check/too-large"]);
}

#[test]
fn a_source_over_the_size_limit_is_a_clean_error() {
    let mut source = String::from("policy p\n  effective 2020-01-01\n");
    source.push_str(&"// padding\n".repeat(clausula_dsl::limits::MAX_SOURCE_BYTES / 11 + 1));
    let err = Policy::compile(&source).unwrap_err();
    assert_eq!(err.codes(), ["syntax/too-large"]);
}
