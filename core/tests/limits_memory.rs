//! A 50 MB facts document is decided within bounded memory. Alone in its test binary, so
//! the process's peak resident size (`VmHWM`) measures this test only.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use clausula_core::{Policy, Status, parse_date};

const POLICY: &str = r#"policy equipment_credit "设备抵免"
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

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[test]
fn a_fifty_megabyte_document_is_decided_in_bounded_memory() {
    let policy = Policy::compile(POLICY).unwrap();
    let note = "设备说明".repeat(20); // 240 bytes of text per item
    let mut text = String::with_capacity(52 * 1024 * 1024);
    text.push_str(r#"{"equipment":["#);
    let mut n = 0u64;
    while text.len() < 50 * 1024 * 1024 {
        if n > 0 {
            text.push(',');
        }
        text.push_str(&format!(
            r#"{{"price":"1000","qualified":true,"note":"{note}"}}"#
        ));
        n += 1;
    }
    text.push_str("]}");
    let before = peak_rss_bytes();
    let d = policy.decide_json(text.as_bytes(), parse_date("2024-06-01").unwrap());
    assert!(d.errors.is_empty(), "{:?}", d.errors.first());
    let o = d.outcome("credit").unwrap();
    assert_eq!(o.status, Status::Eligible);
    assert_eq!(
        clausula_core::decimal_text(o.amounts.get("credit").unwrap().0),
        format!("{}", n * 100)
    );
    if let (Some(before), Some(after)) = (before, peak_rss_bytes()) {
        let used = after.saturating_sub(before);
        eprintln!(
            "{n} items, {} MB of JSON: peak grew by {} MB",
            text.len() >> 20,
            used >> 20
        );
        // the parsed document, its typed columns and the decision: well under 20× the text
        assert!(used < 20 * text.len() as u64, "peak grew by {used} bytes");
    }
}
