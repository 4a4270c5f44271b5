//! Deciding with field errors (what a form needs while the user types): a bad field is an
//! error on that field and unknown; every outcome is still decided from the rest.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use clausula_core::{NaiveDate, Policy, Status};
use serde_json::json;

fn shanghai() -> Policy {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Policy::load(
        root.join("policies/shanghai/key-tech-transformation.cla")
            .to_str()
            .unwrap(),
    )
    .unwrap()
}

#[test]
fn bad_fields_are_errors_on_their_paths_and_the_rest_decides() {
    let p = shanghai();
    let as_of = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let facts = json!({
        "enterprise": {"registered_in_shanghai": false, "independent_legal_person": true, "credit_good": "yes"},
        "project": {"category": "ZZLC", "total_investment": "3亿元", "fixed_asset_investmnt": "1"},
        "extra": {"a": 1}
    });
    // Strict: no outcome at all.
    let strict = p.decide(&facts, as_of);
    assert!(strict.outcomes.is_empty() && strict.errors.len() == 4);
    let d = p.decide_with_field_errors(&facts, as_of);
    let paths: Vec<&str> = d.errors.iter().filter_map(|e| e.path.as_deref()).collect();
    assert_eq!(d.errors.len(), 4, "{:?}", d.errors);
    for want in [
        "enterprise.credit_good",
        "project.total_investment",
        "project.fixed_asset_investmnt",
        "extra",
    ] {
        assert!(paths.contains(&want), "{want} in {paths:?}");
    }
    // The same codes as the strict decision, with a did-you-mean for the misspelt field.
    let codes = |d: &clausula_core::Decision| {
        let mut c: Vec<String> = d.errors.iter().map(|e| e.code.clone()).collect();
        c.sort();
        c
    };
    assert_eq!(codes(&d), codes(&strict));
    // Registered outside Shanghai: ineligible, whatever the bad fields would have said.
    let fund = d.outcome("shanghai_key_tech_fund").unwrap();
    assert_eq!(fund.status, Status::Ineligible);
    // The bad fields are unknown, so asked for again.
    assert!(d.outcome("shanghai_own_land_renovation").is_some());
    // Good facts: the same decision as `decide`.
    let good = json!({"enterprise": {"registered_in_shanghai": true}});
    assert_eq!(
        p.decide_with_field_errors(&good, as_of).to_json(),
        p.decide(&good, as_of).to_json()
    );
}

#[test]
fn list_item_fields_and_what_cannot_be_blamed_on_a_field() {
    let p = Policy::compile(
        "policy p effective 2024-01-01\ninput a { x: money }\ninput items[] { price: money }\n\
         outcome o { require a.x >= 1 \"x\"\n  amount total = sum(items, price) }\n",
    )
    .unwrap();
    let as_of = NaiveDate::from_ymd_opt(2024, 6, 1).unwrap();
    let d = p.decide_with_field_errors(
        &json!({"a": {"x": 5}, "items": [{"price": 1}, {"price": "x"}, {"price": 2}]}),
        as_of,
    );
    assert_eq!(d.errors.len(), 1);
    assert_eq!(d.errors[0].path.as_deref(), Some("items[1].price"));
    assert_eq!(d.outcome("o").unwrap().status, Status::Eligible);
    // Not an object, or JSON that does not parse: no outcome.
    assert!(
        p.decide_with_field_errors(&json!([1]), as_of)
            .outcomes
            .is_empty()
    );
    let text = p.decide_json_with_field_errors(b"{\"a\": {\"x\": 1}, \"a\": {}}", as_of);
    assert!(text.outcomes.is_empty() && !text.errors.is_empty());
    let text = p.decide_json_with_field_errors(b"{\"a\": {\"x\": \"bad\"}}", as_of);
    assert_eq!(text.outcome("o").unwrap().status, Status::Undetermined);
    assert_eq!(text.errors[0].path.as_deref(), Some("a.x"));
}
