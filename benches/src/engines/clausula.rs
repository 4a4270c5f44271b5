//! Clausula: the shipped policy files, facts validated once (pre-parsed), then `summarize`
//! (statuses and amounts, like the peers), `evaluate` (the full explained decision) or
//! `decide_json` (from JSON text, explained) and `summarize_json` (from JSON text, statuses
//! and amounts).

use clausula_core::{Facts, MemoryLoader, NaiveDate, Policy, Status, parse_date};

use crate::data::{self, Fund, Hnte, Lookup, Row, Verdict};
use crate::{Engine, repo_root};

/// How a record is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `Policy::summarize` on validated facts: statuses and amounts.
    Summary,
    /// `Policy::evaluate` on validated facts: the explained decision.
    Explained,
    /// `Policy::decide_json` on JSON text: validation, evaluation, explanation.
    JsonText,
    /// `Policy::summarize_json` on JSON text: validation, statuses and amounts.
    SummaryJson,
}

/// A Clausula policy prepared for a workload.
pub struct Clausula {
    name: &'static str,
    /// The compiled policy.
    pub policy: Policy,
    /// Validated facts per record.
    pub facts: Vec<Facts>,
    texts: Vec<Vec<u8>>,
    /// The evaluation date.
    pub as_of: NaiveDate,
    outcome: &'static str,
    amount: Option<&'static str>,
    mode: Mode,
}

fn load(relative: &str) -> Policy {
    let path = repo_root().join(relative);
    Policy::load(path.to_str().unwrap()).unwrap_or_else(|d| panic!("{d}"))
}

fn prepare(
    policy: Policy,
    facts: Vec<serde_json::Value>,
    as_of: &str,
    outcome: &'static str,
    amount: Option<&'static str>,
    mode: Mode,
) -> Clausula {
    let texts = facts
        .iter()
        .map(|f| serde_json::to_vec(f).unwrap())
        .collect();
    let validated = facts.iter().map(|f| policy.facts(f).unwrap()).collect();
    let name = match mode {
        Mode::Summary => "clausula",
        Mode::Explained => "clausula (explained)",
        Mode::JsonText => "clausula (JSON text, explained)",
        Mode::SummaryJson => "clausula (JSON text, summary)",
    };
    Clausula {
        name,
        policy,
        facts: validated,
        texts,
        as_of: parse_date(as_of).unwrap(),
        outcome,
        amount,
        mode,
    }
}

/// W1 on the shipped high-tech enterprise policy.
pub fn hnte(records: &[Hnte], mode: Mode) -> Clausula {
    let policy = load("policies/national/high-tech-enterprise.cla");
    let facts = records.iter().map(Hnte::facts).collect();
    prepare(
        policy,
        facts,
        data::HNTE_AS_OF,
        "high_tech_enterprise",
        None,
        mode,
    )
}

/// W2 on the shipped Shanghai policy (both outcomes are evaluated; the fund is compared).
pub fn fund(records: &[Fund], mode: Mode) -> Clausula {
    let policy = load("policies/shanghai/key-tech-transformation.cla");
    let facts = records.iter().map(Fund::facts).collect();
    prepare(
        policy,
        facts,
        data::FUND_AS_OF,
        "shanghai_key_tech_fund",
        Some("support_amount"),
        mode,
    )
}

/// The W3 policy with a directory of `rows`, compiled from source and CSV.
pub fn directory_policy(rows: &[Row]) -> Policy {
    let mut loader = MemoryLoader::new();
    loader.insert("catalogue.csv", data::directory_csv(rows));
    Policy::compile_with(&loader, "directory.cla", super::DIRECTORY_POLICY)
        .unwrap_or_else(|d| panic!("{d}"))
}

/// W3.
pub fn directory(rows: &[Row], records: &[Lookup], mode: Mode) -> Clausula {
    let facts = records.iter().map(Lookup::facts).collect();
    prepare(
        directory_policy(rows),
        facts,
        "2024-06-01",
        "supported",
        Some("support"),
        mode,
    )
}

impl Clausula {
    /// `evaluate_batch` over every record: the number of eligible records.
    pub fn batch(&self) -> usize {
        let rows: Vec<Result<Facts, clausula_core::FactErrors>> =
            self.facts.iter().cloned().map(Ok).collect();
        self.batch_of(&rows)
    }

    /// `evaluate_batch` over prepared rows.
    pub fn batch_of(&self, rows: &[Result<Facts, clausula_core::FactErrors>]) -> usize {
        let result = self.policy.evaluate_batch(rows, self.as_of).unwrap();
        let o = result
            .outcomes
            .iter()
            .find(|o| o.name == self.outcome)
            .unwrap();
        o.statuses
            .iter()
            .filter(|s| **s == Some(Status::Eligible))
            .count()
    }

    /// [`Clausula::batch_of`] with every line's status per row as well (`lines=True`):
    /// returns how many rows a line blocks, so nothing is optimised away.
    pub fn batch_lines_of(&self, rows: &[Result<Facts, clausula_core::FactErrors>]) -> usize {
        let result = self
            .policy
            .evaluate_batch_with(
                rows,
                self.as_of,
                clausula_core::BatchOptions { lines: true },
            )
            .unwrap();
        let o = result
            .outcomes
            .iter()
            .find(|o| o.name == self.outcome)
            .unwrap();
        (0..result.len())
            .filter(|r| !o.failed(*r).is_empty())
            .count()
    }

    /// The rows for [`Clausula::batch_of`].
    /// The same rows compared under this policy at `base_as_of` and at its own date (what
    /// `clausula compare` and Python's `compare` do per chunk): returns how many rows changed
    /// status, so nothing is optimised away.
    pub fn compare_of(
        &self,
        rows: &[Result<Facts, clausula_core::FactErrors>],
        base_as_of: NaiveDate,
    ) -> u64 {
        let opts = clausula_core::BatchOptions { lines: true };
        let b = self
            .policy
            .evaluate_batch_with(rows, base_as_of, opts)
            .unwrap();
        let r = self
            .policy
            .evaluate_batch_with(rows, self.as_of, opts)
            .unwrap();
        let mut cmp = clausula_core::Comparer::new(&self.policy, &self.policy);
        cmp.add(&b, &r);
        cmp.summary().outcomes.iter().map(|o| o.changed).sum()
    }

    pub fn rows(&self) -> Vec<Result<Facts, clausula_core::FactErrors>> {
        self.facts.iter().cloned().map(Ok).collect()
    }

    /// The batch's verdicts, for the agreement check.
    pub fn batch_verdicts(&self) -> Vec<Verdict> {
        let result = self
            .policy
            .evaluate_batch(&self.rows(), self.as_of)
            .unwrap();
        let o = result
            .outcomes
            .iter()
            .find(|o| o.name == self.outcome)
            .unwrap();
        let amounts = self
            .amount
            .and_then(|a| o.amounts.iter().find(|(n, _)| n == a))
            .map(|(_, v)| v.clone());
        o.statuses
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let eligible = *s == Some(Status::Eligible);
                match &amounts {
                    Some(col) => Verdict::with_amount(eligible, col[i]),
                    None => Verdict::status(eligible),
                }
            })
            .collect()
    }
}

impl Engine for Clausula {
    fn name(&self) -> &'static str {
        self.name
    }

    fn decide(&mut self, i: usize) -> Verdict {
        match self.mode {
            Mode::Summary => {
                let s = self.policy.summarize(&self.facts[i], self.as_of).unwrap();
                let o = s.outcomes.iter().find(|o| o.name == self.outcome).unwrap();
                let eligible = o.status == Status::Eligible;
                match self.amount {
                    Some(a) => Verdict::with_amount(
                        eligible,
                        o.amounts.iter().find(|(n, _)| n == a).map(|(_, v)| *v),
                    ),
                    None => Verdict::status(eligible),
                }
            }
            Mode::SummaryJson => {
                let s = self.policy.summarize_json(&self.texts[i], self.as_of);
                let o = s.outcome(self.outcome).unwrap();
                let eligible = o.status == Status::Eligible;
                match self.amount {
                    Some(a) => Verdict::with_amount(eligible, o.amounts.get(a).map(|x| x.0)),
                    None => Verdict::status(eligible),
                }
            }
            Mode::Explained | Mode::JsonText => {
                let d = if self.mode == Mode::Explained {
                    self.policy.evaluate(&self.facts[i], self.as_of).unwrap()
                } else {
                    self.policy.decide_json(&self.texts[i], self.as_of)
                };
                let o = d.outcome(self.outcome).unwrap();
                let eligible = o.status == Status::Eligible;
                match self.amount {
                    Some(a) => Verdict::with_amount(eligible, o.amounts.get(a).map(|x| x.0)),
                    None => Verdict::status(eligible),
                }
            }
        }
    }
}
