//! The workloads' records, generated from a fixed seed. Money is whole yuan (the generators
//! never need fractions), so engines without exact decimals can represent every value; the
//! thresholds are still hit exactly now and then, which is where floats and decimals differ.

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde_json::{Value, json};

/// The seed of every generator.
pub const SEED: u64 = 20_261_124;

/// A day number: days since 1970-01-01.
pub fn day_number(y: i32, m: u32, d: u32) -> i64 {
    // days from civil (Howard Hinnant's algorithm)
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let m = i64::from(m);
    let d = i64::from(d);
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DD` of a day number.
pub fn date_text(days: i64) -> String {
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---- W1: the high-tech enterprise recognition (2016 rules) -----------------------------

/// The evaluation date of W1.
pub const HNTE_AS_OF: &str = "2024-05-20";

/// One applicant of W1.
#[derive(Clone, Debug)]
pub struct Hnte {
    /// Registration date, as a day number.
    pub registration_day: i64,
    /// Owns core IP.
    pub owns_core_ip: bool,
    /// Core technology in the priority fields.
    pub tech_in_priority_fields: bool,
    /// Staff.
    pub total_staff: i64,
    /// Science and technology staff.
    pub st_staff: i64,
    /// Three-year R&D expense (yuan).
    pub rd_expense_3y: i64,
    /// Of which in China (yuan).
    pub domestic_rd_expense_3y: i64,
    /// Three-year sales (yuan).
    pub sales_3y: i64,
    /// Latest year's sales (yuan).
    pub latest_year_sales: i64,
    /// High-tech income (yuan).
    pub hightech_income: i64,
    /// Total income (yuan).
    pub total_income: i64,
    /// Innovation score.
    pub innovation_score: i64,
    /// A major incident in the past year.
    pub major_incident_past_year: bool,
}

/// `n` applicants, about half of them eligible.
pub fn hnte(n: usize) -> Vec<Hnte> {
    let mut r = SmallRng::seed_from_u64(SEED);
    let as_of = day_number(2024, 5, 20);
    (0..n)
        .map(|_| {
            // each condition holds with probability ~0.93, so ~half pass all ten
            let pass = |r: &mut SmallRng| r.random_bool(0.93);
            let latest_year_sales = [3_000_0000, 5_000_0000, 8_000_0000, 2_0000_0000, 5_0000_0000]
                [r.random_range(0..5)];
            let threshold_pct = if latest_year_sales <= 5_000_0000 {
                5
            } else if latest_year_sales <= 2_0000_0000 {
                4
            } else {
                3
            };
            let sales_3y = latest_year_sales * 5 / 2;
            // exactly at the threshold now and then
            let rd_pct_tenths = if pass(&mut r) {
                threshold_pct * 10 + r.random_range(0..30)
            } else {
                threshold_pct * 10 - r.random_range(1..10)
            };
            let rd_expense_3y = sales_3y / 1000 * rd_pct_tenths;
            let total_staff = r.random_range(20..2000);
            let st_staff = if pass(&mut r) {
                total_staff / 10 + r.random_range(0..total_staff / 4 + 1)
            } else {
                total_staff / 10 - 1
            };
            let domestic_rd_expense_3y = if pass(&mut r) {
                rd_expense_3y / 10 * r.random_range(6..=10)
            } else {
                rd_expense_3y / 100 * 59
            };
            let total_income = latest_year_sales + r.random_range(0..1000) * 10_000;
            let hightech_income = if pass(&mut r) {
                total_income / 10 * r.random_range(6..=10)
            } else {
                total_income / 100 * 59
            };
            Hnte {
                registration_day: if pass(&mut r) {
                    as_of - r.random_range(365..6000)
                } else {
                    as_of - r.random_range(30..365)
                },
                owns_core_ip: pass(&mut r),
                tech_in_priority_fields: pass(&mut r),
                total_staff,
                st_staff,
                rd_expense_3y,
                domestic_rd_expense_3y,
                sales_3y,
                latest_year_sales,
                hightech_income,
                total_income,
                innovation_score: if pass(&mut r) {
                    r.random_range(71..100)
                } else {
                    r.random_range(50..=70)
                },
                major_incident_past_year: !pass(&mut r),
            }
        })
        .collect()
}

impl Hnte {
    /// The facts in the shape of the policy's inputs (Clausula, zen, json-logic).
    pub fn facts(&self) -> Value {
        json!({ "enterprise": {
            "registration_date": date_text(self.registration_day),
            "owns_core_ip": self.owns_core_ip,
            "tech_in_priority_fields": self.tech_in_priority_fields,
            "total_staff": self.total_staff,
            "st_staff": self.st_staff,
            "rd_expense_3y": self.rd_expense_3y,
            "domestic_rd_expense_3y": self.domestic_rd_expense_3y,
            "sales_3y": self.sales_3y,
            "latest_year_sales": self.latest_year_sales,
            "hightech_income": self.hightech_income,
            "total_income": self.total_income,
            "innovation_score": self.innovation_score,
            "major_incident_past_year": self.major_incident_past_year,
        }})
    }

    /// The same with the dates as day numbers (for engines without dates), plus `as_of`.
    pub fn facts_with_days(&self) -> Value {
        let mut v = self.facts();
        if let Some(e) = v.get_mut("enterprise").and_then(Value::as_object_mut) {
            e.insert("registration_day".into(), json!(self.registration_day));
            e.remove("registration_date");
        }
        if let Some(o) = v.as_object_mut() {
            o.insert("as_of_day".into(), json!(day_number(2024, 5, 20)));
        }
        v
    }
}

// ---- W2: the Shanghai key technical transformation fund ----------------------------------

/// The evaluation date of W2 (2026 rules: the 60% fixed-asset share, the 1亿 cap).
pub const FUND_AS_OF: &str = "2026-03-01";

/// The six codes of the support directory.
pub const FUND_CODES: [&str; 6] = ["ZBSJ", "ZZLC", "CPJG", "ZLXL", "JNJP", "AQSC"];

/// One application of W2.
#[derive(Clone, Debug)]
pub struct Fund {
    /// Registered in Shanghai.
    pub registered_in_shanghai: bool,
    /// Independent legal person.
    pub independent_legal_person: bool,
    /// Good credit.
    pub credit_good: bool,
    /// Directory code (sometimes not in the directory).
    pub category: String,
    /// In the three-year project pool.
    pub in_three_year_pool: bool,
    /// Total investment (yuan).
    pub total_investment: i64,
    /// Fixed-asset investment (yuan).
    pub fixed_asset_investment: i64,
    /// Approvals complete.
    pub approvals_complete: bool,
    /// Funds in place.
    pub funds_in_place: bool,
    /// Construction started.
    pub construction_started: bool,
    /// Already supported by the city.
    pub prior_municipal_support: bool,
}

/// `n` applications, about half eligible.
pub fn fund(n: usize) -> Vec<Fund> {
    let mut r = SmallRng::seed_from_u64(SEED + 2);
    (0..n)
        .map(|_| {
            let pass = |r: &mut SmallRng| r.random_bool(0.93);
            let total_investment = if pass(&mut r) {
                [2000_0000, 3500_0000, 3_0000_0000, 9_0000_0000, 20_0000_0000][r.random_range(0..5)]
                    + r.random_range(0..100) * 10_000
            } else {
                1999_9999
            };
            let fixed_asset_investment = if pass(&mut r) {
                total_investment / 100 * r.random_range(61..=100)
            } else {
                total_investment / 100 * 60
            };
            Fund {
                registered_in_shanghai: pass(&mut r),
                independent_legal_person: pass(&mut r),
                credit_good: pass(&mut r),
                category: if pass(&mut r) {
                    FUND_CODES[r.random_range(0..6)].to_string()
                } else {
                    "QTXM".to_string()
                },
                in_three_year_pool: pass(&mut r),
                total_investment,
                fixed_asset_investment,
                approvals_complete: pass(&mut r),
                funds_in_place: pass(&mut r),
                construction_started: pass(&mut r),
                prior_municipal_support: !pass(&mut r),
            }
        })
        .collect()
}

impl Fund {
    /// The facts in the shape of the policy's inputs.
    pub fn facts(&self) -> Value {
        json!({
            "enterprise": {
                "registered_in_shanghai": self.registered_in_shanghai,
                "independent_legal_person": self.independent_legal_person,
                "credit_good": self.credit_good,
            },
            "project": {
                "category": self.category,
                "in_three_year_pool": self.in_three_year_pool,
                "total_investment": self.total_investment,
                "fixed_asset_investment": self.fixed_asset_investment,
                "approvals_complete": self.approvals_complete,
                "funds_in_place": self.funds_in_place,
                "construction_started": self.construction_started,
                "prior_municipal_support": self.prior_municipal_support,
            }
        })
    }
}

// ---- W3: a rule over a big support directory ----------------------------------------------

/// One row of a W3 directory.
#[derive(Clone, Debug)]
pub struct Row {
    /// The code.
    pub code: String,
    /// The investment floor (yuan).
    pub min_investment: i64,
    /// The support rate, in percent.
    pub rate_pct: i64,
}

/// A directory of `n` rows (codes `C000000`…, shuffled floors and rates).
pub fn directory(n: usize) -> Vec<Row> {
    let mut r = SmallRng::seed_from_u64(SEED + 3 + n as u64);
    (0..n)
        .map(|i| Row {
            code: format!("C{:06}", i * 7 % 1_000_000),
            min_investment: r.random_range(1..200) * 100_000,
            rate_pct: r.random_range(5..=30),
        })
        .collect()
}

/// The directory as the CSV a policy reads.
pub fn directory_csv(rows: &[Row]) -> String {
    let mut s = String::from("code,min_investment,rate\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{}%\n",
            r.code, r.min_investment, r.rate_pct
        ));
    }
    s
}

/// One applicant of W3.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The applicant's code (half of them in the directory).
    pub code: String,
    /// The investment (yuan).
    pub investment: i64,
}

/// `n` applicants against `rows`.
pub fn lookups(rows: &[Row], n: usize) -> Vec<Lookup> {
    let mut r = SmallRng::seed_from_u64(SEED + 4);
    (0..n)
        .map(|_| {
            if r.random_bool(0.5) && !rows.is_empty() {
                let row = &rows[r.random_range(0..rows.len())];
                Lookup {
                    code: row.code.clone(),
                    investment: row.min_investment + r.random_range(-5..15) * 100_000,
                }
            } else {
                Lookup {
                    code: format!("X{:06}", r.random_range(0..1_000_000)),
                    investment: r.random_range(1..200) * 100_000,
                }
            }
        })
        .collect()
}

impl Lookup {
    /// The facts in the shape of the policy's inputs.
    pub fn facts(&self) -> Value {
        json!({ "applicant": { "code": self.code, "investment": self.investment } })
    }
}

/// What every engine must agree on: the status, and the amount when eligible (in yuan,
/// exact; engines computing in floats are rounded to cents before comparing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Eligible or not.
    pub eligible: bool,
    /// The amount, when eligible and the workload has one.
    pub amount: Option<Decimal>,
}

impl Verdict {
    /// A status without an amount.
    pub fn status(eligible: bool) -> Verdict {
        Verdict {
            eligible,
            amount: None,
        }
    }

    /// A status with an amount (dropped unless eligible).
    pub fn with_amount(eligible: bool, amount: Option<Decimal>) -> Verdict {
        Verdict {
            eligible,
            amount: if eligible {
                amount.map(|a| a.round_dp(2).normalize())
            } else {
                None
            },
        }
    }

    /// From a float amount (rounded to cents).
    pub fn with_float(eligible: bool, amount: Option<f64>) -> Verdict {
        Verdict::with_amount(eligible, amount.and_then(|a| Decimal::try_from(a).ok()))
    }
}

// ---- W4: a generated policy ------------------------------------------------------------

/// A generated policy of `rules` rules over 40 inputs: arithmetic and comparisons chained
/// through earlier rules, one outcome per 20 rules with their conditions, an amount each,
/// and a decision table per 100 rules.
pub fn generated_policy(rules: usize) -> String {
    let mut s = String::from(
        "policy generated \"generated\"\n  effective 2020-01-01\n\ninput a \"申请人\" {\n",
    );
    for f in 0..20 {
        s.push_str(&format!(
            "  m{f}: money \"金额{f}\"\n  n{f}: int \"数量{f}\"\n"
        ));
    }
    s.push_str("  ok: bool\n  d: date\n}\n\n");
    for t in 0..rules / 100 {
        s.push_str(&format!(
            "table t{t} hit first {{\n  when a.m{} < 1000万 => 5%\n  when a.m{} <= 1亿 => 4%\n  otherwise => 3%\n}}\n\n",
            t % 20,
            t % 20
        ));
    }
    for r in 0..rules {
        let body = match r % 5 {
            0 => format!("a.m{} * {}% + a.m{}", r % 20, r % 50 + 1, (r + 7) % 20),
            1 => format!("a.n{} >= {} and a.ok", r % 20, r % 100),
            2 if r >= 2 => format!("r{} + a.m{} / {}", r - 2, r % 20, r % 9 + 1),
            3 if r >= 3 => format!(
                "r{} or (a.m{} > {}万 and as_of - a.d >= 365 days)",
                r - 2,
                r % 20,
                r % 500
            ),
            4 if r >= 100 => format!("min(r{}, a.m{} * t{})", r - 4, r % 20, (r / 100) - 1),
            _ => format!("a.m{} + {}", r % 20, r),
        };
        s.push_str(&format!("rule r{r} = {body}\n"));
    }
    for o in 0..rules / 20 {
        s.push_str(&format!("\noutcome o{o} \"事项{o}\" {{\n"));
        for k in 0..4 {
            let r = o * 20 + 1 + k * 5; // boolean rules: r % 5 == 1 or 3
            s.push_str(&format!("  require r{r} \"条件{k}\" cite \"第{o}条\"\n"));
        }
        s.push_str(&format!("  require r{} \"条件4\"\n", o * 20 + 3));
        s.push_str(&format!("  amount x = min(r{}, 5000万)\n}}\n", o * 20 + 2));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip() {
        assert_eq!(day_number(1970, 1, 1), 0);
        assert_eq!(date_text(day_number(2024, 2, 29)), "2024-02-29");
        assert_eq!(date_text(day_number(2000, 3, 1)), "2000-03-01");
        assert_eq!(day_number(2024, 5, 20) - day_number(2023, 5, 19), 367);
    }
}
