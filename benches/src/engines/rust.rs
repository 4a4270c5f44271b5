//! The same rules hand-written in Rust, with the same exact decimals: the practical limit.

use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::Engine;
use crate::data::{self, Fund, Hnte, Lookup, Row, Verdict};

fn dec(x: i64) -> Decimal {
    Decimal::from(x)
}

fn pct(x: i64) -> Decimal {
    Decimal::new(x, 2)
}

/// W1 applicant with decimals, pre-built.
pub struct HnteRecord {
    age_days: i64,
    ip: bool,
    fields: bool,
    total_staff: Decimal,
    st_staff: Decimal,
    rd: Decimal,
    domestic_rd: Decimal,
    sales_3y: Decimal,
    latest_sales: Decimal,
    hightech: Decimal,
    income: Decimal,
    score: Decimal,
    incident: bool,
}

/// W1 hand-written.
pub struct HnteRust(Vec<HnteRecord>);

/// W1.
pub fn hnte(records: &[Hnte]) -> HnteRust {
    let as_of = data::day_number(2024, 5, 20);
    HnteRust(
        records
            .iter()
            .map(|r| HnteRecord {
                age_days: as_of - r.registration_day,
                ip: r.owns_core_ip,
                fields: r.tech_in_priority_fields,
                total_staff: dec(r.total_staff),
                st_staff: dec(r.st_staff),
                rd: dec(r.rd_expense_3y),
                domestic_rd: dec(r.domestic_rd_expense_3y),
                sales_3y: dec(r.sales_3y),
                latest_sales: dec(r.latest_year_sales),
                hightech: dec(r.hightech_income),
                income: dec(r.total_income),
                score: dec(r.innovation_score),
                incident: r.major_incident_past_year,
            })
            .collect(),
    )
}

/// The 2016 recognition test.
pub fn hnte_eligible(r: &HnteRecord) -> bool {
    let threshold = if r.latest_sales <= dec(50_000_000) {
        pct(5)
    } else if r.latest_sales <= dec(200_000_000) {
        pct(4)
    } else {
        pct(3)
    };
    let ratio = |a: Decimal, b: Decimal| a.checked_div(b);
    r.age_days >= 365
        && r.ip
        && r.fields
        && ratio(r.st_staff, r.total_staff).is_some_and(|x| x >= pct(10))
        && ratio(r.rd, r.sales_3y).is_some_and(|x| x >= threshold)
        && ratio(r.domestic_rd, r.rd).is_some_and(|x| x >= pct(60))
        && ratio(r.hightech, r.income).is_some_and(|x| x >= pct(60))
        && r.score > dec(70)
        && !r.incident
}

impl Engine for HnteRust {
    fn name(&self) -> &'static str {
        "hand-written Rust"
    }

    fn decide(&mut self, i: usize) -> Verdict {
        Verdict::status(hnte_eligible(&self.0[i]))
    }
}

/// W2 application with decimals, pre-built.
pub struct FundRecord {
    basics: bool,
    category: String,
    total: Decimal,
    fixed: Decimal,
    project: bool,
    prior: bool,
}

/// W2 hand-written: the directory is a map from code to its floor.
pub struct FundRust {
    records: Vec<FundRecord>,
    directory: HashMap<&'static str, Decimal>,
}

/// W2.
pub fn fund(records: &[Fund]) -> FundRust {
    FundRust {
        records: records
            .iter()
            .map(|r| FundRecord {
                basics: r.registered_in_shanghai && r.independent_legal_person && r.credit_good,
                category: r.category.clone(),
                total: dec(r.total_investment),
                fixed: dec(r.fixed_asset_investment),
                project: r.in_three_year_pool
                    && r.approvals_complete
                    && r.funds_in_place
                    && r.construction_started,
                prior: r.prior_municipal_support,
            })
            .collect(),
        directory: data::FUND_CODES
            .iter()
            .map(|c| (*c, dec(20_000_000)))
            .collect(),
    }
}

impl Engine for FundRust {
    fn name(&self) -> &'static str {
        "hand-written Rust"
    }

    fn decide(&mut self, i: usize) -> Verdict {
        let r = &self.records[i];
        let floor = self.directory.get(r.category.as_str());
        let eligible = r.basics
            && floor.is_some_and(|f| r.total >= *f)
            && r.project
            && r.fixed.checked_div(r.total).is_some_and(|s| s > pct(60))
            && !r.prior;
        let amount = (r.total * pct(10)).min(dec(100_000_000));
        Verdict::with_amount(eligible, Some(amount))
    }
}

/// W3 hand-written: a hash map.
pub struct DirectoryRust {
    records: Vec<(String, Decimal)>,
    directory: HashMap<String, (Decimal, Decimal)>,
}

/// W3.
pub fn directory(rows: &[Row], records: &[Lookup]) -> DirectoryRust {
    DirectoryRust {
        records: records
            .iter()
            .map(|r| (r.code.clone(), dec(r.investment)))
            .collect(),
        directory: rows
            .iter()
            .map(|r| (r.code.clone(), (dec(r.min_investment), pct(r.rate_pct))))
            .collect(),
    }
}

impl Engine for DirectoryRust {
    fn name(&self) -> &'static str {
        "hand-written Rust"
    }

    fn decide(&mut self, i: usize) -> Verdict {
        let (code, investment) = &self.records[i];
        match self.directory.get(code) {
            Some((min, rate)) => Verdict::with_amount(investment >= min, Some(*investment * *rate)),
            None => Verdict::status(false),
        }
    }
}
