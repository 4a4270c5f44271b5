//! The facts' JSON Schema and TypeScript types, for every kind of field.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use clausula_core::Policy;
use serde_json::json;

const SOURCE: &str = r#"policy p "示例" effective 2024-01-01
input e "企业" {
  size: enum { small "小型", large "大型" } "规模"
  rate: percent "比例"
  since: date "成立日期"
  staff: int = 10 "职工人数"
  ok: bool
}
input items[] "设备" { price: money "价格" }
outcome o { require e.ok "ok"
  amount a = sum(items, price) }
"#;

#[test]
fn json_schema_covers_enums_lists_percents_dates_and_defaults() {
    let s = Policy::compile(SOURCE).unwrap().inputs().json_schema();
    let e = &s["properties"]["e"];
    assert_eq!(e["title"], "企业");
    assert_eq!(
        e["properties"]["size"]["oneOf"],
        json!([{"const": "small", "title": "小型"}, {"const": "large", "title": "大型"}, {"type": "null"}])
    );
    assert_eq!(
        e["properties"]["rate"]["anyOf"][1]["pattern"],
        "^-?[0-9]+(\\.[0-9]+)?%$"
    );
    assert_eq!(e["properties"]["since"]["format"], "date");
    assert_eq!(e["properties"]["staff"]["default"], 10);
    assert_eq!(e["properties"]["staff"]["type"], json!(["integer", "null"]));
    let items = &s["properties"]["items"];
    assert_eq!(items["type"], json!(["array", "null"]));
    assert_eq!(items["items"]["properties"]["price"]["title"], "价格");
    assert_eq!(items["items"]["additionalProperties"], false);
}

#[test]
fn typescript_has_unions_for_enums_and_arrays_for_lists() {
    let ts = Policy::compile(SOURCE).unwrap().inputs().typescript();
    assert!(ts.contains("  e?: E | null;"), "{ts}");
    assert!(ts.contains("  items?: Items[] | null;"), "{ts}");
    assert!(
        ts.contains("  size?: \"small\" | \"large\" | null;"),
        "{ts}"
    );
    assert!(
        ts.contains("  rate?: number | `${number}%` | null;"),
        "{ts}"
    );
    assert!(
        ts.contains("  since?: `${number}-${number}-${number}` | null;"),
        "{ts}"
    );
}
