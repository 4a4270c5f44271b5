//! Batch evaluation: many applications at once, a column at a time through the graph,
//! in chunks spread over all cores. A bad row gets an error in its row; every other row
//! is still evaluated; no row is ever dropped.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::codes;
use crate::decision::{ErrorReport, LineKind, LineStatus, Status};
use crate::error::{EvalError, FactErrors};
use crate::eval::{self, FactRow, Source};
use crate::explain;
use crate::facts;
use crate::policy::{FactValue, Facts, Policy};
use crate::value::Val;
use clausula_dsl::text::visible;
use std::collections::HashMap;

/// Rows per chunk: large enough to amortise per-node dispatch, small enough for the cache.
pub(crate) const CHUNK: usize = 1024;

/// Results of a batch, column-oriented: one entry per input row in every vector.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchResult {
    /// Per outcome, in policy order.
    pub outcomes: Vec<BatchOutcome>,
    /// Per row: the problems its single decision would report, the first one first (bad
    /// facts, or evaluation errors in an outcome); empty when the row is fine.
    pub errors: Vec<Vec<ErrorReport>>,
}

/// What a batch computes beyond statuses, amounts and errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchOptions {
    /// Each line's status per row ([`BatchOutcome::lines`]), computed from the same
    /// columns as the statuses (no explained decision per row).
    pub lines: bool,
}

/// One `require`/`unless` line over a batch.
#[derive(Clone, Debug, PartialEq)]
pub struct BatchLine {
    /// The line's stable id (declared with `as`, or `line<N>`).
    pub id: String,
    /// `require` or `unless`.
    pub kind: LineKind,
    /// The line's message, as the policy writes it.
    pub message: String,
    /// The clause the line cites, if any.
    pub cite: Option<String>,
    /// Per row; `None` when the row's facts were bad.
    pub statuses: Vec<Option<LineStatus>>,
}

impl BatchLine {
    /// Whether the line makes row `row` ineligible (a `require` that fails, an `unless` that
    /// holds).
    pub fn blocks(&self, row: usize) -> bool {
        matches!(
            (self.kind, self.statuses.get(row).copied().flatten()),
            (LineKind::Require, Some(LineStatus::False))
                | (LineKind::Unless, Some(LineStatus::True))
        )
    }
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
    /// Per line, in policy order, when [`BatchOptions::lines`] asked for them (else empty).
    pub lines: Vec<BatchLine>,
}

impl BatchOutcome {
    /// The ids of the lines that make row `row` ineligible (empty unless lines were asked for).
    pub fn failed(&self, row: usize) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|l| l.blocks(row))
            .map(|l| l.id.as_str())
            .collect()
    }
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

    /// Row `row`'s first problem, if any: the one to show when only one is shown.
    pub fn first_error(&self, row: usize) -> Option<&ErrorReport> {
        self.errors.get(row).and_then(|e| e.first())
    }

    /// The error that left row `row` without a decision (bad facts), if any. Evaluation
    /// errors scoped to a line or an amount (R11) leave the row decided: they are in
    /// `errors`, never here.
    pub fn row_error(&self, row: usize) -> Option<&ErrorReport> {
        self.errors
            .get(row)
            .and_then(|e| e.iter().find(|e| !e.is_scoped()))
    }
}

impl BatchResult {
    /// An empty result with room for `rows` rows, one column per outcome and amount.
    fn with_capacity(
        g: &crate::graph::Graph,
        rows: usize,
        error_rows: usize,
        opts: BatchOptions,
    ) -> BatchResult {
        BatchResult {
            outcomes: g
                .outcomes
                .iter()
                .map(|o| BatchOutcome {
                    name: o.name.clone(),
                    statuses: Vec::with_capacity(rows),
                    amounts: o
                        .amounts
                        .iter()
                        .map(|a| (a.name.clone(), Vec::with_capacity(rows)))
                        .collect(),
                    lines: if opts.lines {
                        o.requirements
                            .iter()
                            .map(|q| BatchLine {
                                id: q.id.clone(),
                                kind: q.kind.line_kind(),
                                message: q.message.clone(),
                                cite: q.cite.clone(),
                                statuses: Vec::with_capacity(rows),
                            })
                            .collect()
                    } else {
                        Vec::new()
                    },
                })
                .collect(),
            errors: Vec::with_capacity(error_rows),
        }
    }

    /// Appends the rows of `other` (a later chunk of the same policy).
    fn append(&mut self, other: BatchResult) {
        for (o, mut p) in self.outcomes.iter_mut().zip(other.outcomes) {
            o.statuses.append(&mut p.statuses);
            for ((_, col), (_, mut part)) in o.amounts.iter_mut().zip(p.amounts) {
                col.append(&mut part);
            }
            for (line, mut part) in o.lines.iter_mut().zip(p.lines) {
                line.statuses.append(&mut part.statuses);
            }
        }
        let mut errors = other.errors;
        self.errors.append(&mut errors);
    }
}

/// Facts with no value at all: what a bad row is evaluated on (its results are discarded).
static NO_FACTS: FactRow = FactRow {
    scalars: Vec::new(),
    lists: Vec::new(),
};

impl Policy {
    /// Evaluates many applications given as JSON values. Rows whose facts are bad get their
    /// errors and no statuses; all others are evaluated.
    pub fn decide_batch(&self, rows: &[Value], as_of: NaiveDate) -> Result<BatchResult, EvalError> {
        let validated: Vec<Result<Facts, FactErrors>> =
            rows.iter().map(|r| self.facts(r)).collect();
        self.evaluate_batch(&validated, as_of)
    }

    /// Evaluates many applications. Fails only when `as_of` is outside the effective window
    /// (which concerns every row alike).
    pub fn evaluate_batch(
        &self,
        rows: &[Result<Facts, FactErrors>],
        as_of: NaiveDate,
    ) -> Result<BatchResult, EvalError> {
        self.evaluate_batch_with(rows, as_of, BatchOptions::default())
    }

    /// [`Policy::evaluate_batch`] computing what `opts` asks for besides (each line's status).
    pub fn evaluate_batch_with(
        &self,
        rows: &[Result<Facts, FactErrors>],
        as_of: NaiveDate,
        opts: BatchOptions,
    ) -> Result<BatchResult, EvalError> {
        let day = self.check_window(as_of)?;
        let schema = self.inner.schema_id;
        // Every row is evaluated in place (no copy of its facts); a bad row is evaluated on
        // no facts and then given its errors instead of results.
        let facts: Vec<&FactRow> = rows
            .iter()
            .map(|r| match r {
                Ok(f) if f.schema_id == schema => &f.row,
                _ => &NO_FACTS,
            })
            .collect();
        let bad = |i: usize| -> Vec<ErrorReport> {
            match rows.get(i) {
                None => Vec::new(),
                Some(Ok(f)) if f.schema_id == schema => Vec::new(),
                Some(Err(e)) if !e.is_empty() => e.to_vec(),
                Some(_) => EvalError::ForeignFacts.reports(),
            }
        };
        Ok(run_chunks(self, &facts, day, &bad, opts))
    }
}

const UNKNOWN: Val = Val::Unknown;

/// One chunk's results: its columns (with no error column) and, apart, the rows that have
/// an error (most have none).
struct Part {
    rows: usize,
    result: BatchResult,
    /// `(row within the chunk, its errors)`, by row.
    errors: Vec<(usize, Vec<ErrorReport>)>,
}

/// Evaluates one chunk of rows and writes its statuses, amounts (and line statuses when
/// asked) as columns. `bad(i)` is the problems found in row `i` of the chunk before
/// evaluation (empty when none).
fn chunk_results<S: Source + ?Sized>(
    p: &Policy,
    rows: &S,
    day: i32,
    bad: &dyn Fn(usize) -> Vec<ErrorReport>,
    opts: BatchOptions,
) -> Part {
    let g = p.graph();
    let n = Source::len(rows);
    let frame = eval::run(g, &p.inner.plan, rows, day);
    let mut out = BatchResult::with_capacity(g, n, 0, opts);
    let mut errors = Vec::new();
    let mut bad_rows = vec![false; n];
    for (r, slot) in bad_rows.iter_mut().enumerate() {
        let e = bad(r);
        if !e.is_empty() {
            *slot = true;
            errors.push((r, e));
        }
    }
    let mut status = Vec::with_capacity(n);
    for (o, col) in g.outcomes.iter().zip(&mut out.outcomes) {
        // Line by line over whole columns: each row's status folds in one line at a time.
        status.clear();
        status.resize(n, Status::Eligible);
        for (qi, q) in o.requirements.iter().enumerate() {
            let cond = frame.column(q.cond);
            let guard = q.guard.map(|gd| frame.column(gd));
            if let Some(line) = col.lines.get_mut(qi) {
                // Every line of every row (no short cut at the first failed line).
                line.statuses.extend((0..n).map(|r| {
                    if bad_rows.get(r).copied().unwrap_or(true) {
                        return None;
                    }
                    let c = cond.get(r).unwrap_or(&UNKNOWN);
                    let gv = guard.map(|gd| gd.get(r).unwrap_or(&UNKNOWN));
                    Some(explain::line_status(q.kind, c, gv))
                }));
            }
            for (r, s) in status.iter_mut().enumerate() {
                if *s == Status::Ineligible {
                    continue;
                }
                let c = cond.get(r).unwrap_or(&UNKNOWN);
                let gv = guard.map(|gd| gd.get(r).unwrap_or(&UNKNOWN));
                *s = explain::fold_status(*s, q.kind, explain::line_status(q.kind, c, gv));
            }
        }
        col.statuses.extend(
            status
                .iter()
                .zip(&bad_rows)
                .map(|(s, bad)| (!bad).then_some(*s)),
        );
        for (a, (_, amounts)) in o.amounts.iter().zip(&mut col.amounts) {
            let values = frame.column(a.node);
            amounts.extend((0..n).map(|r| {
                if bad_rows.get(r).copied().unwrap_or(true) {
                    None
                } else {
                    values.get(r).and_then(Val::as_num)
                }
            }));
        }
    }
    // The evaluation errors a row's decision reports. Most chunks have no error at all:
    // then there is nothing to look for.
    if !frame.errors.is_empty() {
        for (r, bad) in bad_rows.iter().enumerate() {
            if !bad {
                let e = explain::reported_errors(g, &frame, r, day);
                if !e.is_empty() {
                    errors.push((r, e));
                }
            }
        }
        errors.sort_by_key(|(r, _)| *r);
    }
    Part {
        rows: n,
        result: out,
        errors,
    }
}

#[cfg(feature = "parallel")]
fn run_chunks(
    p: &Policy,
    rows: &[&FactRow],
    day: i32,
    bad: &(dyn Fn(usize) -> Vec<ErrorReport> + Sync),
    opts: BatchOptions,
) -> BatchResult {
    use rayon::prelude::*;
    if rows.len() <= CHUNK {
        return concat(
            p,
            rows.len(),
            vec![chunk_results(p, rows, day, bad, opts)],
            opts,
        );
    }
    let parts: Vec<Part> = rows
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| chunk_results(p, chunk, day, &|r| bad(c * CHUNK + r), opts))
        .collect();
    concat(p, rows.len(), parts, opts)
}

#[cfg(not(feature = "parallel"))]
fn run_chunks(
    p: &Policy,
    rows: &[&FactRow],
    day: i32,
    bad: &dyn Fn(usize) -> Vec<ErrorReport>,
    opts: BatchOptions,
) -> BatchResult {
    let parts = rows
        .chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| chunk_results(p, chunk, day, &|r| bad(c * CHUNK + r), opts))
        .collect();
    concat(p, rows.len(), parts, opts)
}

/// Joins the chunks' results in row order.
fn concat(p: &Policy, rows: usize, mut parts: Vec<Part>, opts: BatchOptions) -> BatchResult {
    if parts.len() == 1
        && let Some(Part {
            rows: n,
            mut result,
            errors,
        }) = parts.pop()
    {
        result.errors = dense_errors(n, [(0, errors)]);
        return result;
    }
    let mut out = BatchResult::with_capacity(p.graph(), rows, 0, opts);
    let mut offset = 0;
    let mut errors = Vec::with_capacity(parts.len());
    for part in parts {
        out.append(part.result);
        errors.push((offset, part.errors));
        offset += part.rows;
    }
    out.errors = dense_errors(rows, errors);
    out
}

/// One error slot per row, from the chunks' sparse errors (`(first row, errors)` each).
fn dense_errors(
    rows: usize,
    parts: impl IntoIterator<Item = (usize, Vec<(usize, Vec<ErrorReport>)>)>,
) -> Vec<Vec<ErrorReport>> {
    let mut out = Vec::with_capacity(rows);
    out.resize_with(rows, Vec::new);
    for (offset, errors) in parts {
        for (r, e) in errors {
            if let Some(slot) = out.get_mut(offset + r) {
                *slot = e;
            }
        }
    }
    out
}

/// The error columns every batch result has after its outcome columns: the rendered error
/// that left the row undecided (bad facts), its code, path and message (the columns an
/// analyst groups by), and the list of all of a row's errors, evaluation errors scoped to a
/// line or an amount (R11) included.
pub const ERROR_COLUMNS: [&str; 5] = [
    "error",
    "error.code",
    "error.path",
    "error.message",
    "errors",
];

impl Policy {
    /// The names of a batch's result columns, in order: per outcome `<outcome>.status`, its
    /// amounts `<outcome>.<amount>`, and with [`BatchOptions::lines`] one column per line
    /// `<outcome>.<line id>` and `<outcome>.failed` (the ids of the lines that block); then
    /// [`ERROR_COLUMNS`]. Every binding and the CLI name their columns so.
    pub fn batch_columns(&self, opts: BatchOptions) -> Vec<String> {
        let g = self.graph();
        let mut out = Vec::new();
        for o in &g.outcomes {
            out.push(format!("{}.status", o.name));
            out.extend(o.amounts.iter().map(|a| format!("{}.{}", o.name, a.name)));
            if opts.lines {
                out.extend(
                    o.requirements
                        .iter()
                        .map(|q| format!("{}.{}", o.name, q.id)),
                );
                out.push(format!("{}.failed", o.name));
            }
        }
        out.extend(ERROR_COLUMNS.iter().map(|c| (*c).to_string()));
        out
    }

    /// Checks a batch's input column names before any row is read. Refused, each with its
    /// error: a column named like a result column (the output would hold two columns of
    /// that name); a column that is a fact written another way — a fact path or input name
    /// in another case, or a field's label (`项目总投资`) — with the path it stands for;
    /// and, when the policy has inputs, a set of columns none of which is a fact (every row
    /// would be undetermined). Other columns (an id, a name) are carried along.
    pub fn check_columns<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str>,
        opts: BatchOptions,
    ) -> Result<(), Vec<ErrorReport>> {
        let g = self.graph();
        let results = self.batch_columns(opts);
        let report = |code: &str, name: &str, message: String, help: Option<String>| ErrorReport {
            code: code.to_string(),
            message,
            path: Some(name.to_string()),
            expected: None,
            outcome: None,
            help,
            ..Default::default()
        };
        let spellings = other_spellings(g);
        let mut errors = Vec::new();
        let mut facts = 0usize;
        let mut given = 0usize;
        for name in names {
            given += 1;
            if results.iter().any(|r| r == name) {
                errors.push(report(
                    codes::COLUMN_CLASH,
                    name,
                    format!(
                        "input column `{}` has the name of a result column",
                        visible(name)
                    ),
                    Some("rename or drop it (is this a result fed back in?)".to_string()),
                ));
                continue;
            }
            let head = name.split_once('.').map_or(name, |(h, _)| h);
            if let Some(e) = g.entities.iter().find(|e| e.name == head) {
                // An input's name (a struct or list column), or one of its fields.
                match (name == e.name, e.is_list) {
                    (true, _) => facts += 1,
                    (false, false) => match slot_of(g, name) {
                        Ok(_) => facts += 1,
                        Err(err) => errors.push(err),
                    },
                    (false, true) => errors.push(report(
                        codes::UNDECLARED_FIELD,
                        name,
                        format!(
                            "`{}` is a list input: give its items as one column `{}`",
                            e.name, e.name
                        ),
                        None,
                    )),
                }
                continue;
            }
            let found = spellings
                .get(name)
                .filter(|(_, label)| *label)
                .or_else(|| spellings.get(&name.to_lowercase()));
            if let Some((path, by_label)) = found {
                errors.push(if *by_label {
                    report(
                        codes::MISNAMED_COLUMN,
                        name,
                        format!("column `{}` is the label of fact `{path}`", visible(name)),
                        Some(format!(
                            "name the column `{path}` (Python: or pass by_label=True)"
                        )),
                    )
                } else {
                    report(
                        codes::MISNAMED_COLUMN,
                        name,
                        format!(
                            "column `{}` is not a fact path of this policy",
                            visible(name)
                        ),
                        Some(format!("did you mean `{path}`? (paths are case-sensitive)")),
                    )
                });
            }
        }
        if errors.is_empty() && facts == 0 && !g.entities.is_empty() {
            let example = g
                .entities
                .iter()
                .find_map(|e| e.fields.first().map(|f| format!("{}.{}", e.name, f.name)))
                .unwrap_or_default();
            errors.push(ErrorReport {
                code: codes::NO_FACT_COLUMNS.to_string(),
                message: format!(
                    "none of the {given} input columns is a fact of policy `{}`: every row \
                     would be undetermined",
                    g.header.name
                ),
                path: None,
                expected: None,
                outcome: None,
                help: Some(format!(
                    "name fact columns by their paths (`{example}`), or by struct columns \
                     named after an input"
                )),
                ..Default::default()
            });
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

/// The slot and type of fact `path` (`entity.field`), or why it is not a fact.
fn slot_of(g: &crate::graph::Graph, path: &str) -> Result<(u32, crate::types::Type), ErrorReport> {
    let (entity, field) = path.split_once('.').unwrap_or((path, ""));
    let unknown = |code: &str, message: String, help: Option<String>| ErrorReport {
        code: code.to_string(),
        message,
        path: Some(path.to_string()),
        expected: None,
        outcome: None,
        help,
        ..Default::default()
    };
    let Some(ent) = g.entities.iter().find(|e| e.name == entity && !e.is_list) else {
        let names: Vec<&str> = g.entities.iter().map(|e| e.name.as_str()).collect();
        return Err(unknown(
            codes::UNKNOWN_ENTITY,
            format!("`{entity}` is not an input of this policy"),
            clausula_dsl::suggest::closest(entity, &names).map(|c| format!("did you mean `{c}`?")),
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

/// What a column name can stand for written another way: each input name and fact path
/// in lower case, and each field label, to the path (and whether it is a label).
fn other_spellings(g: &crate::graph::Graph) -> HashMap<String, (String, bool)> {
    let mut out = HashMap::new();
    for e in &g.entities {
        out.entry(e.name.to_lowercase())
            .or_insert_with(|| (e.name.clone(), false));
        for f in &e.fields {
            let path = format!("{}.{}", e.name, f.name);
            if let Some(label) = &f.label {
                out.entry(label.clone())
                    .or_insert_with(|| (path.clone(), true));
            }
            out.entry(path.to_lowercase()).or_insert((path, false));
        }
    }
    out
}

impl Policy {
    /// The fact path a column named by a field's label stands for (`项目总投资` →
    /// `project.total_investment`), for callers that accept labels as column names.
    pub fn path_of_label(&self, label: &str) -> Option<String> {
        self.graph().entities.iter().find_map(|e| {
            e.fields
                .iter()
                .find(|f| f.label.as_deref() == Some(label))
                .map(|f| format!("{}.{}", e.name, f.name))
        })
    }
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
    /// Per row: the problems found while its columns were set, in column order.
    errors: Vec<Vec<ErrorReport>>,
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

/// One fact column validated and converted by [`ColumnBatchBuilder::convert`], waiting to
/// be installed with [`ColumnBatchBuilder::put`].
#[derive(Debug)]
pub struct FactColumn {
    slot: u32,
    values: Vec<Val>,
    bad: Vec<(usize, ErrorReport)>,
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
                errors: vec![Vec::new(); rows],
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
        self.evaluate_columns_with(batch, as_of, BatchOptions::default())
    }

    /// [`Policy::evaluate_columns`] computing what `opts` asks for besides (each line's
    /// status).
    pub fn evaluate_columns_with(
        &self,
        batch: &ColumnBatch,
        as_of: NaiveDate,
        opts: BatchOptions,
    ) -> Result<BatchResult, EvalError> {
        if batch.schema_id != self.inner.schema_id {
            return Err(EvalError::ForeignFacts);
        }
        let day = self.check_window(as_of)?;
        Ok(run_column_chunks(self, batch, day, opts))
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
        slot_of(self.policy.graph(), path)
    }

    fn note(&mut self, row: usize, e: ErrorReport) {
        if let Some(slot) = self.batch.errors.get_mut(row) {
            slot.push(e);
        }
    }

    /// Sets the column of fact `path` (`entity.field`), one value per row. A value of the
    /// wrong type is an error in its row; an unknown path is an error for the whole column.
    pub fn set(
        &mut self,
        path: &str,
        values: impl IntoIterator<Item = FactValue>,
    ) -> Result<&mut Self, ErrorReport> {
        let column = self.convert(path, values)?;
        Ok(self.put(column))
    }

    /// The first half of [`ColumnBatchBuilder::set`]: validates and converts a column
    /// without changing the builder, so several columns can be converted at once (from
    /// threads: the builder is `Sync`). Install the result with [`ColumnBatchBuilder::put`].
    pub fn convert(
        &self,
        path: &str,
        values: impl IntoIterator<Item = FactValue>,
    ) -> Result<FactColumn, ErrorReport> {
        let (slot, ty) = self.slot_of(path)?;
        let g = self.policy.graph();
        let default = self
            .batch
            .defaults
            .get(slot as usize)
            .cloned()
            .unwrap_or(Val::Unknown);
        // The field itself, for its declared range (one lookup per column).
        let field = g.entities.iter().filter(|e| !e.is_list).find_map(|e| {
            let k = slot.checked_sub(e.base)?;
            e.fields.get(k as usize)
        });
        let mut values_out = Vec::with_capacity(self.batch.rows);
        let mut bad = Vec::new();
        for (row, v) in values.into_iter().enumerate() {
            if row >= self.batch.rows {
                return Err(column_length(path, self.batch.rows));
            }
            let checked = facts::typed(g, &v, ty, path).and_then(|val| match field {
                Some(f) => facts::check_range(g, f, &val, path).map(|()| val),
                None => Ok(val),
            });
            match checked {
                Ok(Val::Unknown) => values_out.push(default.clone()),
                Ok(val) => values_out.push(val),
                Err(e) => {
                    values_out.push(Val::Unknown);
                    bad.push((row, *e));
                }
            }
        }
        if values_out.len() != self.batch.rows {
            return Err(column_length(path, self.batch.rows));
        }
        Ok(FactColumn {
            slot,
            values: values_out,
            bad,
        })
    }

    /// Installs a column from [`ColumnBatchBuilder::convert`]; its bad cells become their
    /// rows' errors (a row keeps its first error, in the order columns are put).
    pub fn put(&mut self, column: FactColumn) -> &mut Self {
        let FactColumn { slot, values, bad } = column;
        for (row, e) in bad {
            self.note(row, e);
        }
        if let Some(s) = self.batch.slots.get_mut(slot as usize) {
            *s = Some(values);
        }
        self
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
                ..Default::default()
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
            let items = match facts::parse_doc(text.as_bytes()) {
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
        ..Default::default()
    }
}

/// The problem found in row `row` of a column batch while its columns were set, if any.
fn column_error(batch: &ColumnBatch, row: usize) -> Vec<ErrorReport> {
    batch.errors.get(row).cloned().unwrap_or_default()
}

#[cfg(feature = "parallel")]
fn run_column_chunks(p: &Policy, batch: &ColumnBatch, day: i32, opts: BatchOptions) -> BatchResult {
    use rayon::prelude::*;
    let starts: Vec<usize> = (0..batch.rows).step_by(CHUNK).collect();
    let parts: Vec<Part> = starts
        .par_iter()
        .map(|&start| {
            let view = ColumnView {
                batch,
                start,
                len: CHUNK.min(batch.rows - start),
            };
            chunk_results(p, &view, day, &|r| column_error(batch, start + r), opts)
        })
        .collect();
    concat(p, batch.rows, parts, opts)
}

#[cfg(not(feature = "parallel"))]
fn run_column_chunks(p: &Policy, batch: &ColumnBatch, day: i32, opts: BatchOptions) -> BatchResult {
    let parts = (0..batch.rows)
        .step_by(CHUNK)
        .map(|start| {
            let view = ColumnView {
                batch,
                start,
                len: CHUNK.min(batch.rows - start),
            };
            chunk_results(p, &view, day, &|r| column_error(batch, start + r), opts)
        })
        .collect();
    concat(p, batch.rows, parts, opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = r#"policy two "two facts"
  effective 2020-01-01

input f {
  x: money
  n: int
}

outcome ok {
  require f.x > 0 "positive"
  require f.n > 0 "counted"
}
"#;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default()
    }

    #[test]
    fn converted_columns_put_in_order_keep_each_rows_first_error() {
        let policy = Policy::compile(SOURCE).expect("the policy compiles");
        let xs = || {
            [
                FactValue::Text("lots".into()),
                FactValue::Decimal(Decimal::ONE),
            ]
            .into_iter()
        };
        let ns = || {
            [
                FactValue::Text("many".into()),
                FactValue::Text("1.5".into()),
            ]
            .into_iter()
        };
        let mut one_by_one = policy.column_batch(2);
        one_by_one.set("f.x", xs()).expect("a fact column");
        one_by_one.set("f.n", ns()).expect("a fact column");
        let expected = policy
            .evaluate_columns(&one_by_one.build(), as_of())
            .expect("evaluates");
        let codes: Vec<_> = expected
            .errors
            .iter()
            .map(|e| e.first().map(|e| (e.code.clone(), e.path.clone())))
            .collect();
        assert_eq!(
            codes,
            [
                Some((codes::INVALID_NUMBER.to_string(), Some("f.x".to_string()))),
                Some((codes::NOT_AN_INTEGER.to_string(), Some("f.n".to_string()))),
            ]
        );

        // Converted apart, last first, then put in column order: the same batch.
        let mut two_phase = policy.column_batch(2);
        let n = two_phase.convert("f.n", ns()).expect("a fact column");
        let x = two_phase.convert("f.x", xs()).expect("a fact column");
        two_phase.put(x).put(n);
        let got = policy
            .evaluate_columns(&two_phase.build(), as_of())
            .expect("evaluates");
        assert_eq!(got, expected);

        // The order of `put` is the order of errors: `f.n` first makes it row 0's error.
        let mut reversed = policy.column_batch(2);
        let n = reversed.convert("f.n", ns()).expect("a fact column");
        let x = reversed.convert("f.x", xs()).expect("a fact column");
        reversed.put(n).put(x);
        let first = policy
            .evaluate_columns(&reversed.build(), as_of())
            .expect("evaluates");
        assert_eq!(
            first.errors[0].first().and_then(|e| e.path.as_deref()),
            Some("f.n")
        );
        assert_ne!(first, expected);
    }

    #[test]
    fn errors_land_on_their_rows_across_chunks() {
        let policy = Policy::compile(SOURCE).expect("the policy compiles");
        let rows = 3 * CHUNK + 17;
        let bad = |r: usize| r % 997 == 5;
        let mut b = policy.column_batch(rows);
        b.set(
            "f.x",
            (0..rows).map(|r| {
                if bad(r) {
                    FactValue::Text("lots".into())
                } else {
                    FactValue::Decimal(Decimal::from(r))
                }
            }),
        )
        .expect("a fact column");
        b.set("f.n", (0..rows).map(|_| FactValue::Decimal(Decimal::ONE)))
            .expect("a fact column");
        let result = policy
            .evaluate_columns(&b.build(), as_of())
            .expect("evaluates");
        assert_eq!(result.len(), rows);
        for (r, e) in result.errors.iter().enumerate() {
            assert_eq!(!e.is_empty(), bad(r), "row {r}");
        }
        let statuses = &result.outcomes[0].statuses;
        assert_eq!(statuses[0], Some(Status::Ineligible)); // x = 0 is not positive
        assert_eq!(statuses[5], None);
        assert_eq!(statuses[rows - 1], Some(Status::Eligible));
        // Rows as JSON values give the same.
        let values: Vec<Value> = (0..rows)
            .map(|r| {
                let x = if bad(r) {
                    Value::from("lots")
                } else {
                    Value::from(r)
                };
                serde_json::json!({"f": {"x": x, "n": 1}})
            })
            .collect();
        assert_eq!(
            policy.decide_batch(&values, as_of()).expect("evaluates"),
            result
        );
    }
}
