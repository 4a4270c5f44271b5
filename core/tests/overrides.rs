//! Reforms without editing files: `Policy::with_params` on the Shanghai fund.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::Path;

use clausula_core::{BatchOptions, Comparer, Decimal, NaiveDate, Override, Policy, Status, codes};
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

/// An eligible applicant with a large project: 10% of 20亿 is above every cap.
fn big() -> Value {
    json!({
        "enterprise": {"registered_in_shanghai": true, "independent_legal_person": true, "credit_good": true},
        "project": {
            "category": "ZZLC", "in_three_year_pool": true,
            "total_investment": "2000000000", "fixed_asset_investment": "1800000000",
            "approvals_complete": true, "funds_in_place": true, "construction_started": true,
            "prior_municipal_support": false
        }
    })
}

fn set(p: &Policy, specs: &[&str]) -> Result<Policy, Vec<clausula_core::ErrorReport>> {
    let parsed: Vec<Override> = specs.iter().map(|s| Override::parse(s).unwrap()).collect();
    p.with_params(&parsed)
}

fn support(p: &Policy, facts: &Value, as_of: NaiveDate) -> Option<Decimal> {
    p.decide(facts, as_of)
        .outcome(FUND)
        .unwrap()
        .amounts
        .get("support_amount")
        .map(|a| a.0)
}

#[test]
fn a_param_set_at_every_date_or_from_a_date_and_cited_as_the_override() {
    let p = policy();
    let facts = big();
    let cap = |x: i64| Some(Decimal::from(x));
    assert_eq!(support(&p, &facts, date(2026, 3, 1)), cap(100_000_000));
    // By name, at every date: 1.5亿 in 2025 as in 2026.
    let q = set(&p, &["单个项目支持上限=1.5亿"]).unwrap();
    assert_eq!(support(&q, &facts, date(2025, 3, 1)), cap(150_000_000));
    assert_eq!(support(&q, &facts, date(2026, 3, 1)), cap(150_000_000));
    // The decision says where the value came from.
    let d = q.decide(&facts, date(2026, 3, 1));
    let v = d
        .outcome(FUND)
        .unwrap()
        .values
        .get("单个项目支持上限")
        .unwrap();
    assert_eq!(v.cite.as_deref(), Some("what-if: 单个项目支持上限=1.5亿"));
    assert_eq!(v.value.as_deref(), Some("150000000"));
    // By label, from a date: earlier steps stay.
    let q = set(&p, &["单个项目支持金额上限@2027-01-01=1.5亿"]).unwrap();
    assert_eq!(support(&q, &facts, date(2025, 3, 1)), cap(50_000_000));
    assert_eq!(support(&q, &facts, date(2026, 3, 1)), cap(100_000_000));
    assert_eq!(support(&q, &facts, date(2027, 6, 1)), cap(150_000_000));
    // The original is untouched, and its facts are facts of the override.
    assert_eq!(support(&p, &facts, date(2027, 6, 1)), cap(100_000_000));
    let f = p.facts(&facts).unwrap();
    assert_eq!(
        q.decide_facts(&f, date(2027, 6, 1))
            .outcome(FUND)
            .unwrap()
            .status,
        Status::Eligible
    );
}

#[test]
fn a_directory_cell_changed_or_a_row_added() {
    let p = policy();
    let readme = json!({
        "enterprise": {"registered_in_shanghai": true, "independent_legal_person": true, "credit_good": true},
        "project": {
            "category": "ZZLC", "in_three_year_pool": true,
            "total_investment": "185000000", "fixed_asset_investment": "150000000",
            "approvals_complete": true, "funds_in_place": true, "construction_started": true,
            "prior_municipal_support": false
        }
    });
    let as_of = date(2026, 3, 1);
    assert_eq!(
        p.decide(&readme, as_of).outcome(FUND).unwrap().status,
        Status::Eligible
    );
    let q = set(&p, &["支持目录[ZZLC].min_investment=2亿"]).unwrap();
    assert_eq!(
        q.decide(&readme, as_of).outcome(FUND).unwrap().status,
        Status::Ineligible
    );
    // A category the directory lacks is outside it; added, it is inside.
    let mut other = readme.clone();
    other["project"]["category"] = json!("SZZX");
    assert_eq!(
        p.decide(&other, as_of).outcome(FUND).unwrap().status,
        Status::Ineligible
    );
    let q = set(
        &p,
        &[
            "支持目录[SZZX].min_investment=2000万",
            "支持目录[SZZX].name=数字化转型",
        ],
    )
    .unwrap();
    assert_eq!(
        q.decide(&other, as_of).outcome(FUND).unwrap().status,
        Status::Eligible
    );
}

#[test]
fn bad_overrides_are_all_reported_and_nothing_applies() {
    let p = policy();
    let errors = set(
        &p,
        &[
            "单个项目支持上线=1亿",
            "单个项目支持上限=60%",
            "单个项目支持上限=lots",
            "支持目录[ZZLC].min_investmnt=1",
            "支持木录[ZZLC].min_investment=1",
        ],
    )
    .unwrap_err();
    let got: Vec<(&str, Option<&str>)> = errors
        .iter()
        .map(|e| (e.code.as_str(), e.help.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (
                codes::OVERRIDE_UNKNOWN,
                Some("did you mean `单个项目支持上限`?")
            ),
            (codes::OVERRIDE_WRONG_TYPE, None),
            (codes::OVERRIDE_WRONG_TYPE, None),
            (
                codes::OVERRIDE_UNKNOWN,
                Some("did you mean `min_investment`?")
            ),
            (codes::OVERRIDE_UNKNOWN, Some("did you mean `支持目录`?")),
        ]
    );
    assert!(
        errors[1].message.contains("a number without `%`"),
        "{}",
        errors[1].message
    );
    for bad in ["=1", "x", "x=", "D[k]=1", "D[k.c=1", "p@2026-13-01=1"] {
        let e = Override::parse(bad).unwrap_err();
        assert_eq!(e.code, codes::OVERRIDE_SYNTAX, "{bad}");
    }
    let too_many: Vec<Override> = (0..=clausula_core::MAX_OVERRIDES)
        .map(|_| Override::parse("单个项目支持上限=1亿").unwrap())
        .collect();
    assert_eq!(
        p.with_params(&too_many).unwrap_err()[0].code,
        codes::OVERRIDE_SYNTAX
    );
}

#[test]
fn compare_a_policy_with_its_override() {
    let p = policy();
    let q = set(&p, &["单个项目支持上限=1.5亿"]).unwrap();
    let rows = [big()];
    let facts: Vec<_> = rows.iter().map(|r| p.facts(r)).collect();
    let opts = BatchOptions { lines: true };
    let as_of = date(2026, 3, 1);
    let mut cmp = Comparer::new(&p, &q);
    let out = cmp.add(
        &p.evaluate_batch_with(&facts, as_of, opts).unwrap(),
        &q.evaluate_batch_with(&facts, as_of, opts).unwrap(),
    );
    assert_eq!(
        out.outcomes[0].amounts[0].delta[0],
        Some(Decimal::from(50_000_000))
    );
    assert_eq!(cmp.summary().outcomes[0].changed, 0);
}
