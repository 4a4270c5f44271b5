//! Batch evaluation: many applications at once, a column at a time through the graph,
//! in chunks spread over all cores. A bad row gets an error in its row; every other row
//! is still evaluated; no row is ever dropped.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::codes;
use crate::decision::{ErrorReport, Status};
use crate::error::EvalError;
use crate::eval::{self, FactRow, Source};
use crate::explain;
use crate::facts;
use crate::policy::{FactValue, Facts, Policy};
use crate::value::Val;

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

fn chunk_results<S: Source + ?Sized>(p: &Policy, rows: &S, day: i32) -> Vec<RowOut> {
    let g = p.graph();
    let frame = eval::run(g, rows, day);
    (0..Source::len(rows))
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

/// A list input over rows: per row, its items (each a row of field values), or `None`.
type ListColumn = Vec<Option<Vec<Vec<Val>>>>;

/// Facts for many applications, column by column, as data frames and Arrow hold them.
/// Build one with [`Policy::column_batch`] and evaluate it with [`Policy::evaluate_columns`].
#[derive(Clone, Debug)]
pub struct ColumnBatch {
    rows: usize,
    /// Per scalar slot: the column, or `None` when not given (every row takes the default).
    slots: Vec<Option<Vec<Val>>>,
    /// Per slot: the default, or unknown.
    defaults: Vec<Val>,
    /// Per list: per row, its items (or `None` when the row does not give the list).
    lists: Vec<Option<ListColumn>>,
    errors: Vec<Option<ErrorReport>>,
    schema_id: u64,
}

/// What a column name means to a policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnKind {
    /// A field of an input: `entity.field`, with the field's type name.
    Fact(String),
    /// A list input (`equipment`): the column holds each row's items as JSON text.
    List,
    /// Not a fact of this policy (an identifier, a name…): carried along, not read.
    Other,
}

/// Builds a [`ColumnBatch`] one column at a time.
pub struct ColumnBatchBuilder<'p> {
    policy: &'p Policy,
    batch: ColumnBatch,
}

impl ColumnBatch {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }
}

/// A window of rows of a column batch, as the evaluator reads it.
struct ColumnView<'a> {
    batch: &'a ColumnBatch,
    start: usize,
    len: usize,
}

impl Source for ColumnView<'_> {
    fn len(&self) -> usize {
        self.len
    }

    fn fill(&self, slot: u32, out: &mut [Val]) {
        let range = self.start..self.start + self.len;
        match self
            .batch
            .slots
            .get(slot as usize)
            .and_then(|c| c.as_ref())
            .and_then(|c| c.get(range))
        {
            Some(col) => out.clone_from_slice(col.get(..out.len()).unwrap_or(col)),
            None => out.fill(
                self.batch
                    .defaults
                    .get(slot as usize)
                    .cloned()
                    .unwrap_or(Val::Unknown),
            ),
        }
    }

    fn items(&self, row: usize, list: u32) -> Option<&[Vec<Val>]> {
        self.batch
            .lists
            .get(list as usize)?
            .as_ref()?
            .get(self.start + row)?
            .as_deref()
    }
}

impl Policy {
    /// Starts a column batch of `rows` applications. Columns not set are absent facts
    /// (defaults apply); null cells are unknown.
    pub fn column_batch(&self, rows: usize) -> ColumnBatchBuilder<'_> {
        let g = self.graph();
        let defaults = g
            .slots
            .iter()
            .map(|(e, f)| {
                g.entities
                    .get(*e as usize)
                    .and_then(|en| en.fields.get(*f as usize))
                    .and_then(|f| f.default.as_ref())
                    .map_or(Val::Unknown, crate::value::Const::to_val)
            })
            .collect();
        ColumnBatchBuilder {
            policy: self,
            batch: ColumnBatch {
                rows,
                slots: vec![None; g.slots.len()],
                defaults,
                lists: vec![None; g.lists.len()],
                errors: vec![None; rows],
                schema_id: self.inner.schema_id,
            },
        }
    }

    /// Evaluates a column batch: column at a time through the graph, in chunks over all cores.
    pub fn evaluate_columns(
        &self,
        batch: &ColumnBatch,
        as_of: NaiveDate,
    ) -> Result<BatchResult, EvalError> {
        if batch.schema_id != self.inner.schema_id {
            return Err(EvalError::ForeignFacts);
        }
        let day = self.check_window(as_of)?;
        let evaluated = run_column_chunks(self, batch, day);
        let g = self.graph();
        let mut outcomes: Vec<BatchOutcome> = g
            .outcomes
            .iter()
            .map(|o| BatchOutcome {
                name: o.name.clone(),
                statuses: Vec::with_capacity(batch.rows),
                amounts: o
                    .amounts
                    .iter()
                    .map(|a| (a.name.clone(), Vec::with_capacity(batch.rows)))
                    .collect(),
            })
            .collect();
        let mut errors = Vec::with_capacity(batch.rows);
        for (i, (st, am, err)) in evaluated.into_iter().enumerate() {
            let bad = batch.errors.get(i).cloned().flatten();
            for (oi, o) in outcomes.iter_mut().enumerate() {
                o.statuses.push(if bad.is_some() {
                    None
                } else {
                    st.get(oi).copied()
                });
                for (ai, (_, col)) in o.amounts.iter_mut().enumerate() {
                    let v = if bad.is_some() {
                        None
                    } else {
                        am.get(oi).and_then(|a| a.get(ai)).copied().flatten()
                    };
                    col.push(v);
                }
            }
            errors.push(bad.or(err));
        }
        Ok(BatchResult { outcomes, errors })
    }
}

impl ColumnBatchBuilder<'_> {
    /// What `path` means to the policy.
    pub fn kind(&self, path: &str) -> ColumnKind {
        let g = self.policy.graph();
        if let Some(ent) = g.entities.iter().find(|e| e.name == path && e.is_list) {
            let _ = ent;
            return ColumnKind::List;
        }
        let Some((entity, field)) = path.split_once('.') else {
            return ColumnKind::Other;
        };
        match g.entities.iter().find(|e| e.name == entity && !e.is_list) {
            Some(ent) => match ent.fields.iter().find(|f| f.name == field) {
                Some(f) => ColumnKind::Fact(f.ty.name().to_string()),
                // A misspelt field of a real input is a fact the caller meant to give.
                None => ColumnKind::Fact(String::new()),
            },
            None => ColumnKind::Other,
        }
    }

    fn slot_of(&self, path: &str) -> Result<(u32, crate::types::Type), ErrorReport> {
        let g = self.policy.graph();
        let (entity, field) = path.split_once('.').unwrap_or((path, ""));
        let unknown = |code: &str, message: String, help: Option<String>| ErrorReport {
            code: code.to_string(),
            message,
            path: Some(path.to_string()),
            expected: None,
            outcome: None,
            help,
        };
        let Some(ent) = g.entities.iter().find(|e| e.name == entity && !e.is_list) else {
            let names: Vec<&str> = g.entities.iter().map(|e| e.name.as_str()).collect();
            return Err(unknown(
                codes::UNKNOWN_ENTITY,
                format!("`{entity}` is not an input of this policy"),
                clausula_dsl::suggest::closest(entity, &names)
                    .map(|c| format!("did you mean `{c}`?")),
            ));
        };
        let Some(fi) = ent.fields.iter().position(|f| f.name == field) else {
            let names: Vec<&str> = ent.fields.iter().map(|f| f.name.as_str()).collect();
            return Err(unknown(
                codes::UNDECLARED_FIELD,
                format!("`{field}` is not a field of `{entity}`"),
                clausula_dsl::suggest::closest(field, &names)
                    .map(|c| format!("did you mean `{entity}.{c}`?")),
            ));
        };
        let ty = ent
            .fields
            .get(fi)
            .map_or(crate::types::Type::Error, |f| f.ty);
        Ok((ent.base + u32::try_from(fi).unwrap_or(u32::MAX), ty))
    }

    fn note(&mut self, row: usize, e: ErrorReport) {
        if let Some(slot) = self.batch.errors.get_mut(row)
            && slot.is_none()
        {
            *slot = Some(e);
        }
    }

    /// Sets the column of fact `path` (`entity.field`), one value per row. A value of the
    /// wrong type is an error in its row; an unknown path is an error for the whole column.
    pub fn set(
        &mut self,
        path: &str,
        values: impl IntoIterator<Item = FactValue>,
    ) -> Result<&mut Self, ErrorReport> {
        let (slot, ty) = self.slot_of(path)?;
        let g = self.policy.graph();
        let default = self
            .batch
            .defaults
            .get(slot as usize)
            .cloned()
            .unwrap_or(Val::Unknown);
        let mut col = Vec::with_capacity(self.batch.rows);
        let mut bad = Vec::new();
        for (row, v) in values.into_iter().enumerate() {
            if row >= self.batch.rows {
                return Err(column_length(path, self.batch.rows));
            }
            match facts::typed(g, v, ty, path) {
                Ok(Val::Unknown) => col.push(default.clone()),
                Ok(val) => col.push(val),
                Err(e) => {
                    col.push(Val::Unknown);
                    bad.push((row, *e));
                }
            }
        }
        if col.len() != self.batch.rows {
            return Err(column_length(path, self.batch.rows));
        }
        for (row, e) in bad {
            self.note(row, e);
        }
        if let Some(s) = self.batch.slots.get_mut(slot as usize) {
            *s = Some(col);
        }
        Ok(self)
    }

    /// Sets a list input from JSON text per row (an array of objects; null means not given).
    pub fn set_list_json<'s>(
        &mut self,
        entity: &str,
        values: impl IntoIterator<Item = Option<&'s str>>,
    ) -> Result<&mut Self, ErrorReport> {
        let g = self.policy.graph();
        let Some(ent) = g.entities.iter().find(|e| e.name == entity && e.is_list) else {
            return Err(ErrorReport {
                code: codes::UNKNOWN_ENTITY.to_string(),
                message: format!("`{entity}` is not a list input of this policy"),
                path: Some(entity.to_string()),
                expected: None,
                outcome: None,
                help: None,
            });
        };
        let mut col = Vec::with_capacity(self.batch.rows);
        let mut bad = Vec::new();
        for (row, text) in values.into_iter().enumerate() {
            let Some(text) = text else {
                col.push(None);
                continue;
            };
            let mut errors = Vec::new();
            let items = match facts::parse_json(text.as_bytes()) {
                Ok(v) => facts::list_items(g, ent, &v, entity, &mut errors),
                Err(e) => {
                    errors.push(e);
                    None
                }
            };
            if let Some(e) = errors.into_iter().next() {
                bad.push((row, e));
                col.push(None);
            } else {
                col.push(items);
            }
        }
        if col.len() != self.batch.rows {
            return Err(column_length(entity, self.batch.rows));
        }
        for (row, e) in bad {
            self.note(row, e);
        }
        if let Some(l) = self.batch.lists.get_mut(ent.base as usize) {
            *l = Some(col);
        }
        Ok(self)
    }

    /// Marks a row as bad (a problem found before its facts were read).
    pub fn set_row_error(&mut self, row: usize, error: ErrorReport) -> &mut Self {
        self.note(row, error);
        self
    }

    /// The batch.
    pub fn build(self) -> ColumnBatch {
        self.batch
    }
}

fn column_length(path: &str, rows: usize) -> ErrorReport {
    ErrorReport {
        code: codes::FACTS_TOO_LARGE.to_string(),
        message: format!("column `{path}` does not have exactly {rows} values"),
        path: Some(path.to_string()),
        expected: None,
        outcome: None,
        help: None,
    }
}

#[cfg(feature = "parallel")]
fn run_column_chunks(p: &Policy, batch: &ColumnBatch, day: i32) -> Vec<RowOut> {
    use rayon::prelude::*;
    let starts: Vec<usize> = (0..batch.rows).step_by(CHUNK).collect();
    starts
        .par_iter()
        .map(|&start| {
            let view = ColumnView {
                batch,
                start,
                len: CHUNK.min(batch.rows - start),
            };
            chunk_results(p, &view, day)
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(not(feature = "parallel"))]
fn run_column_chunks(p: &Policy, batch: &ColumnBatch, day: i32) -> Vec<RowOut> {
    (0..batch.rows)
        .step_by(CHUNK)
        .flat_map(|start| {
            let view = ColumnView {
                batch,
                start,
                len: CHUNK.min(batch.rows - start),
            };
            chunk_results(p, &view, day)
        })
        .collect()
}
