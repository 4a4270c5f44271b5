//! Compare: the Shanghai fund before and after its 2026 revision, over a seeded population.
//! What a comparison says per row must equal two independent evaluations of the same rows.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use clausula_core::{
    BatchOptions, BatchResult, Comparer, Decimal, FactErrors, Facts, NaiveDate, Policy, Status,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

const FUND: &str = "shanghai_key_tech_fund";

fn policy() -> Policy {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    Policy::load(
        root.join("policies/shanghai/key-tech-transformation.cla")
            .to_str()
            .unwrap(),
    )
    .unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A synthetic applicant: mostly complete, sometimes a fact missing or bad.
fn applicant(rng: &mut StdRng) -> Value {
    let total: u64 = rng.random_range(5..400) * 1_000_000;
    let fixed: u64 = total * rng.random_range(30..95) / 100;
    let category = ["ZBSJ", "ZZLC", "CPJG", "XXXX"][rng.random_range(0..4)];
    let prior = rng.random_bool(0.1);
    let mut b = |p: f64| rng.random_bool(p);
    let mut v = json!({
        "enterprise": {
            "registered_in_shanghai": b(0.95),
            "independent_legal_person": b(0.97),
            "credit_good": b(0.9),
        },
        "project": {
            "category": category,
            "in_three_year_pool": true,
            "total_investment": total.to_string(),
            "fixed_asset_investment": fixed.to_string(),
            "approvals_complete": true,
            "funds_in_place": true,
            "construction_started": true,
            "prior_municipal_support": prior,
        }
    });
    match rng.random_range(0..20) {
        0 => {
            v["project"]
                .as_object_mut()
                .unwrap()
                .remove("fixed_asset_investment");
        }
        1 => v["project"]["total_investment"] = json!("lots"),
        _ => {}
    }
    v
}

fn evaluate(p: &Policy, rows: &[Value], as_of: NaiveDate, lines: bool) -> BatchResult {
    let facts: Vec<Result<Facts, FactErrors>> = rows.iter().map(|r| p.facts(r)).collect();
    p.evaluate_batch_with(&facts, as_of, BatchOptions { lines })
        .unwrap()
}

fn paid(r: &BatchResult, row: usize) -> Option<Decimal> {
    let o = &r.outcomes[0];
    match o.statuses[row]? {
        Status::Eligible => o.amounts[0].1[row],
        Status::Ineligible => Some(Decimal::ZERO),
        Status::Undetermined => None,
    }
}

#[test]
fn compare_equals_two_independent_batches_row_by_row() {
    let p = policy();
    let mut rng = StdRng::seed_from_u64(20_261_205);
    let rows: Vec<Value> = (0..3_000).map(|_| applicant(&mut rng)).collect();
    let (before, after) = (date(2025, 12, 31), date(2026, 3, 1));
    let mut cmp = Comparer::new(&p, &p);
    // In three chunks, as the CLI feeds it.
    let mut compared = Vec::new();
    for chunk in rows.chunks(1_024) {
        let b = evaluate(&p, chunk, before, true);
        let r = evaluate(&p, chunk, after, true);
        compared.push(cmp.add(&b, &r));
    }
    // The same rows, evaluated independently (no lines, one batch each).
    let b = evaluate(&p, &rows, before, false);
    let r = evaluate(&p, &rows, after, false);
    let (mut base_total, mut reform_total, mut changed) = (Decimal::ZERO, Decimal::ZERO, 0u64);
    let mut row = 0;
    for chunk in &compared {
        let o = &chunk.outcomes[0];
        assert_eq!(o.name, FUND);
        let a = &o.amounts[0];
        assert_eq!(a.name, "support_amount");
        for i in 0..chunk.len() {
            assert_eq!(o.base[i], b.outcomes[0].statuses[row], "row {row}");
            assert_eq!(o.reform[i], r.outcomes[0].statuses[row], "row {row}");
            assert_eq!(a.base[i], paid(&b, row), "row {row}");
            assert_eq!(a.reform[i], paid(&r, row), "row {row}");
            match (a.base[i], a.reform[i]) {
                (Some(x), Some(y)) => assert_eq!(a.delta[i], Some(y - x)),
                _ => assert_eq!(a.delta[i], None),
            }
            base_total += a.base[i].unwrap_or_default();
            reform_total += a.reform[i].unwrap_or_default();
            assert_eq!(
                chunk.base_errors[i].as_ref(),
                b.first_error(row),
                "row {row}"
            );
            // Lines are named exactly for the rows whose status changed.
            if o.base[i] != o.reform[i] {
                changed += 1;
                assert!(!o.changed_lines[i].is_empty(), "row {row}");
            } else {
                assert!(o.changed_lines[i].is_empty(), "row {row}");
            }
            row += 1;
        }
    }
    assert_eq!(row, rows.len());
    let s = cmp.summary();
    assert_eq!(s.rows, rows.len() as u64);
    let o = &s.outcomes[0];
    assert_eq!(o.transitions.iter().map(|t| t.rows).sum::<u64>(), s.rows);
    assert_eq!(o.changed, changed);
    assert!(changed > 100, "the revision changes many rows: {changed}");
    assert_eq!(o.amounts[0].base.0, base_total);
    assert_eq!(o.amounts[0].reform.0, reform_total);
    assert_eq!(o.amounts[0].delta.0, reform_total - base_total);
    // The 60% fixed-asset line (new in 2026) is the first cause of changes, with its cite.
    let top = &o.lines[0];
    assert_eq!(
        (top.from.as_str(), top.to.as_str()),
        ("not_applicable", "false")
    );
    assert!(top.message.contains("固定资产投资占项目总投资的比例"));
    assert_eq!(top.cite.as_deref(), Some("专项资金管理办法（2026年修订）"));
    let eligible_to_ineligible = o
        .transitions
        .iter()
        .find(|t| t.from == "eligible" && t.to == "ineligible")
        .unwrap();
    assert!(eligible_to_ineligible.rows > 0);
    // Chunking does not change the summary.
    let mut once = Comparer::new(&p, &p);
    once.add(
        &evaluate(&p, &rows, before, true),
        &evaluate(&p, &rows, after, true),
    );
    assert_eq!(once.summary(), s);
}

#[test]
fn the_readme_applicant_loses_the_fund_in_2026_because_of_the_fixed_asset_line() {
    let p = policy();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let facts: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("examples/applications/shanghai-fund-2026.json"))
            .unwrap(),
    )
    .unwrap();
    let rows = [facts];
    let mut cmp = Comparer::new(&p, &p);
    let out = cmp.add(
        &evaluate(&p, &rows, date(2025, 12, 31), true),
        &evaluate(&p, &rows, date(2026, 3, 1), true),
    );
    let o = &out.outcomes[0];
    assert_eq!(o.base[0], Some(Status::Eligible));
    assert_eq!(o.reform[0], Some(Status::Ineligible));
    // 10% of 185,000,000 under the 5000万 cap; nothing after.
    assert_eq!(o.amounts[0].base[0], Some(Decimal::from(18_500_000)));
    assert_eq!(o.amounts[0].reform[0], Some(Decimal::ZERO));
    assert_eq!(o.amounts[0].delta[0], Some(Decimal::from(-18_500_000)));
    // The ratio line fails. The prior-support exception now applies too, but does not hold:
    // not a cause.
    assert_eq!(o.changed_lines[0], ["line10"]);
    let text = cmp.summary().to_text();
    assert!(text.contains("eligible     -> ineligible"), "{text}");
    assert!(text.contains("18,500,000.00"), "{text}");
    assert!(text.contains("[专项资金管理办法（2026年修订）]"), "{text}");
}

#[test]
fn outcomes_and_lines_on_one_side_only_are_reported() {
    let base = Policy::compile(
        r#"policy p effective 2024-01-01
input a { x: money, y: bool }
outcome o { require a.x >= 100 "x" as floor
  amount s = a.x * 10% }
outcome gone { require a.y "y" }
"#,
    )
    .unwrap();
    let reform = Policy::compile(
        r#"policy p effective 2024-01-01
input a { x: money, y: bool }
outcome o { require a.x >= 100 "x" as floor
  require a.y "y now required" cite "art. 2" as needs_y
  amount s = a.x * 20% }
outcome new { require a.y "y" }
"#,
    )
    .unwrap();
    let rows = [
        json!({"a": {"x": 200, "y": false}}),
        json!({"a": {"x": 200, "y": true}}),
    ];
    let d = date(2024, 6, 1);
    let mut cmp = Comparer::new(&base, &reform);
    let out = cmp.add(
        &evaluate(&base, &rows, d, true),
        &evaluate(&reform, &rows, d, true),
    );
    assert_eq!(out.outcomes.len(), 1);
    let o = &out.outcomes[0];
    assert_eq!(o.changed_lines[0], ["needs_y"]);
    assert!(o.changed_lines[1].is_empty());
    assert_eq!(o.amounts[0].delta[1], Some(Decimal::from(20)));
    let s = cmp.summary();
    assert_eq!(s.only_base, ["gone"]);
    assert_eq!(s.only_reform, ["new"]);
    let l = &s.outcomes[0].lines[0];
    assert_eq!(
        (l.id.as_str(), l.from.as_str(), l.to.as_str(), l.rows),
        ("needs_y", "absent", "false", 1)
    );
    assert_eq!(l.cite.as_deref(), Some("art. 2"));
    // Row 0 is paid 20 before and nothing after, row 1 20 before and 40 after.
    assert_eq!(s.outcomes[0].amounts[0].base.0, Decimal::from(40));
    assert_eq!(s.outcomes[0].amounts[0].delta.0, Decimal::ZERO);
}
