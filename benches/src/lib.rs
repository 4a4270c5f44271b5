//! Benchmark workloads and the engines that run them, side by side.
//!
//! Every engine expresses the same rule idiomatically (a decision graph for zen, an
//! expression for CEL, JSON for json-logic, Rego for regorus, a Cedar policy over `context`,
//! plain Rust for the hand-written baseline) and gets its input pre-built in its own native
//! form, so only evaluation is timed. [`agree`] checks that every engine returns Clausula's
//! decision on every record; the benchmarks call it before timing anything, and the tests
//! run it on the same records.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs,
    reason = "benchmark code: a failure should stop the run loudly"
)]
// Amounts are grouped by 万 (four digits), as the policies write them.
#![allow(clippy::inconsistent_digit_grouping)]

pub mod data;
pub mod engines;

pub use data::Verdict;

/// An engine prepared for one workload: its rule compiled and its inputs pre-built.
pub trait Engine {
    /// The name in the report.
    fn name(&self) -> &'static str;
    /// Decides record `i`.
    fn decide(&mut self, i: usize) -> Verdict;
    /// Whether it computes the workload's amounts (Cedar cannot: it only allows or denies).
    fn compares_amounts(&self) -> bool {
        true
    }
}

/// Checks that every engine decides every one of `n` records as the first one does.
pub fn agree(engines: &mut [Box<dyn Engine>], n: usize) -> Result<(), String> {
    let Some((first, rest)) = engines.split_first_mut() else {
        return Ok(());
    };
    let mut eligible = 0usize;
    for i in 0..n {
        let expected = first.decide(i);
        eligible += usize::from(expected.eligible);
        for e in rest.iter_mut() {
            let got = e.decide(i);
            let same = if e.compares_amounts() {
                got == expected
            } else {
                got.eligible == expected.eligible
            };
            if !same {
                return Err(format!(
                    "record {i}: {} says {expected:?}, {} says {got:?}",
                    first.name(),
                    e.name()
                ));
            }
        }
    }
    if eligible == 0 || eligible == n {
        return Err(format!(
            "{eligible} of {n} records eligible: the workload tests nothing"
        ));
    }
    Ok(())
}

/// Root of the repository (for the policy files).
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}
