//! Batch evaluation: many applications at once, a column at a time through the graph,
//! in chunks spread over all cores. A bad row gets an error in its row; every other row
//! is still evaluated; no row is ever dropped.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::decision::{ErrorReport, Status};
use crate::error::EvalError;
use crate::eval::{self, FactRow};
use crate::explain;
use crate::policy::{Facts, Policy};

/// Rows per chunk: large enough to amortise per-node dispatch, small enough for the cache.
pub(crate) const CHUNK: usize = 1024;

/// Results of a batch, column-oriented: one entry per input row in every vector.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchResult {
    /// Per outcome, in policy order.
    pub outcomes: Vec<BatchOutcome>,
    /// Per row: the first problem (bad facts, or an evaluation error in an outcome), if any.
    pub errors: Vec<Option<ErrorReport>>,
}

/// One outcome's results over a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchOutcome {
    /// The outcome's name.
    pub name: String,
    /// Per row; `None` when the row's facts were bad.
    pub statuses: Vec<Option<Status>>,
    /// Per amount: its name and, per row, its value when known.
    pub amounts: Vec<(String, Vec<Option<Decimal>>)>,
}

impl BatchResult {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }
}

/// One row's outcome statuses and amounts, and its first error.
type RowOut = (Vec<Status>, Vec<Vec<Option<Decimal>>>, Option<ErrorReport>);

impl Policy {
    /// Evaluates many applications given as JSON values. Rows whose facts are bad get their
    /// error and no statuses; all others are evaluated.
    pub fn decide_batch(&self, rows: &[Value], as_of: NaiveDate) -> Result<BatchResult, EvalError> {
        let validated: Vec<Result<Facts, Vec<ErrorReport>>> =
            rows.iter().map(|r| self.facts(r)).collect();
        self.evaluate_batch(&validated, as_of)
    }

    /// Evaluates many applications. Fails only when `as_of` is outside the effective window
    /// (which concerns every row alike).
    pub fn evaluate_batch(
        &self,
        rows: &[Result<Facts, Vec<ErrorReport>>],
        as_of: NaiveDate,
    ) -> Result<BatchResult, EvalError> {
        let day = self.check_window(as_of)?;
        let g = self.graph();
        let schema = self.inner.schema_id;
        // Gather the good rows; remember where each input row went.
        let mut good: Vec<FactRow> = Vec::with_capacity(rows.len());
        let mut place: Vec<Result<usize, ErrorReport>> = Vec::with_capacity(rows.len());
        for r in rows {
            match r {
                Ok(f) if f.schema_id == schema => {
                    place.push(Ok(good.len()));
                    good.push(f.row.clone());
                }
                Ok(_) => place.push(Err(EvalError::ForeignFacts.reports().remove(0))),
                Err(e) => place
                    .push(Err(e.first().cloned().unwrap_or_else(|| {
                        EvalError::ForeignFacts.reports().remove(0)
                    }))),
            }
        }
        let evaluated: Vec<RowOut> = run_chunks(self, &good, day);
        let mut outcomes: Vec<BatchOutcome> = g
            .outcomes
            .iter()
            .map(|o| BatchOutcome {
                name: o.name.clone(),
                statuses: Vec::with_capacity(rows.len()),
                amounts: o
                    .amounts
                    .iter()
                    .map(|a| (a.name.clone(), Vec::with_capacity(rows.len())))
                    .collect(),
            })
            .collect();
        let mut errors = Vec::with_capacity(rows.len());
        for p in place {
            match p {
                Ok(i) => {
                    let Some((st, am, err)) = evaluated.get(i) else {
                        errors.push(None);
                        continue;
                    };
                    for (oi, o) in outcomes.iter_mut().enumerate() {
                        o.statuses.push(st.get(oi).copied());
                        for (ai, (_, col)) in o.amounts.iter_mut().enumerate() {
                            col.push(am.get(oi).and_then(|a| a.get(ai)).copied().flatten());
                        }
                    }
                    errors.push(err.clone());
                }
                Err(e) => {
                    for o in &mut outcomes {
                        o.statuses.push(None);
                        for (_, col) in &mut o.amounts {
                            col.push(None);
                        }
                    }
                    errors.push(Some(e));
                }
            }
        }
        Ok(BatchResult { outcomes, errors })
    }
}

fn chunk_results(p: &Policy, rows: &[FactRow], day: i32) -> Vec<RowOut> {
    let g = p.graph();
    let frame = eval::run(g, rows, day);
    (0..rows.len())
        .map(|r| {
            let statuses = explain::statuses(g, &frame, r);
            let amounts: Vec<Vec<Option<Decimal>>> = g
                .outcomes
                .iter()
                .map(|o| {
                    o.amounts
                        .iter()
                        .map(|a| frame.value(a.node, r).as_num())
                        .collect()
                })
                .collect();
            // The first evaluation error that reached an outcome, if any.
            let err = g.outcomes.iter().find_map(|o| {
                let nodes = o
                    .requirements
                    .iter()
                    .flat_map(|q| std::iter::once(q.cond).chain(q.guard))
                    .chain(o.amounts.iter().map(|a| a.node));
                nodes.into_iter().find_map(|n| match frame.value(n, r) {
                    crate::value::Val::Err(e) => frame
                        .errors
                        .get(*e as usize)
                        .map(|rec| explain::error_report(g, rec, Some(&o.name), day)),
                    _ => None,
                })
            });
            (statuses, amounts, err)
        })
        .collect()
}

#[cfg(feature = "parallel")]
fn run_chunks(p: &Policy, rows: &[FactRow], day: i32) -> Vec<RowOut> {
    use rayon::prelude::*;
    if rows.len() <= CHUNK {
        return chunk_results(p, rows, day);
    }
    rows.par_chunks(CHUNK)
        .map(|c| chunk_results(p, c, day))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(not(feature = "parallel"))]
fn run_chunks(p: &Policy, rows: &[FactRow], day: i32) -> Vec<RowOut> {
    rows.chunks(CHUNK)
        .flat_map(|c| chunk_results(p, c, day))
        .collect()
}
