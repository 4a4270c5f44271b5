//! What if: a population under a baseline and a reform, row by row, and what changed.
//!
//! A [`Comparer`] is made from two policies (two versions, or one policy evaluated at two
//! dates) and is fed the two batch results of each chunk of rows — the same rows evaluated
//! once under each side, with line statuses. For every chunk it gives the row-level
//! comparison ([`CompareRows`]: both statuses, paid amounts and their difference, and for a
//! row whose status changed the lines that changed), and it keeps a running
//! [`CompareSummary`] over all chunks: per outcome the transition matrix, the exact totals
//! of what each side pays and their difference, and the line changes behind the status
//! changes, ranked by how many rows they concern. Memory is constant in the number of rows.
//!
//! Outcomes are matched by name and amounts by name within them; lines by their stable id
//! (a line that exists on one side only is `absent` on the other).

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::decision::{Amount, LineKind, LineStatus, Status};
use crate::{BatchResult, ErrorReport, Policy, codes};

/// A row's side of a comparison: an outcome's status, or `error` when its facts were bad.
fn side(s: Option<Status>) -> &'static str {
    s.map_or("error", Status::as_str)
}

/// A line's side: its status, or `absent` when that side has no such line (or the row's
/// facts were bad).
fn line_side(s: Option<LineStatus>) -> &'static str {
    s.map_or("absent", LineStatus::as_str)
}

/// What a line does to its outcome in a row: 0 lets it pass (holds, does not apply, or
/// absent), 1 blocks it, 2 leaves it unknown.
fn effect(kind: Option<LineKind>, s: Option<LineStatus>) -> u8 {
    match (kind, s) {
        (Some(LineKind::Require), Some(LineStatus::False))
        | (Some(LineKind::Unless), Some(LineStatus::True)) => 1,
        (Some(_), Some(LineStatus::Unknown)) => 2,
        _ => 0,
    }
}

/// The order transitions are listed in: eligible, ineligible, undetermined, error.
fn rank(s: &str) -> u8 {
    match s {
        "eligible" => 0,
        "ineligible" => 1,
        "undetermined" => 2,
        _ => 3,
    }
}

/// How many rows went from one status to another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Transition {
    /// The baseline's status (`eligible`, `ineligible`, `undetermined`, or `error`).
    pub from: String,
    /// The reform's status.
    pub to: String,
    /// Rows.
    pub rows: u64,
}

/// What an amount of an outcome costs on each side: the sum over the rows that side finds
/// eligible (what would be paid), exact.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AmountComparison {
    /// The amount's name.
    pub name: String,
    /// Its label, from the reform (else the baseline).
    pub label: Option<String>,
    /// Paid under the baseline.
    pub base: Amount,
    /// Paid under the reform.
    pub reform: Amount,
    /// `reform - base`.
    pub delta: Amount,
    /// `base`, `reform` and `delta` as the one display of numbers shows money
    /// (`18,500,000.00`; the delta signed, `+0.00`, `-18,500,000.00`).
    pub base_display: String,
    /// See `base_display`.
    pub reform_display: String,
    /// See `base_display`.
    pub delta_display: String,
    /// Rows eligible under the baseline whose amount is unknown (not in `base`).
    pub base_unknown: u64,
    /// Rows eligible under the reform whose amount is unknown (not in `reform`).
    pub reform_unknown: u64,
}

/// A line behind status changes: in rows whose outcome status changed, it blocks or is
/// unknown on one side and not on the other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineChange {
    /// The line's id.
    pub id: String,
    /// Its message (the reform's, else the baseline's).
    pub message: String,
    /// The clause it cites (the reform's, else the baseline's).
    pub cite: Option<String>,
    /// Its status under the baseline (`absent` when the baseline has no such line).
    pub from: String,
    /// Its status under the reform.
    pub to: String,
    /// Rows whose outcome status changed and whose line went `from` → `to` (and so blocks,
    /// or is unknown, on one side only).
    pub rows: u64,
}

/// One outcome under both sides.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutcomeComparison {
    /// The outcome's name.
    pub name: String,
    /// Its title, from the reform (else the baseline).
    pub title: Option<String>,
    /// Rows whose status differs.
    pub changed: u64,
    /// Every (from, to) pair that occurs, unchanged ones included, in status order.
    pub transitions: Vec<Transition>,
    /// Per amount both sides have: totals and the difference.
    pub amounts: Vec<AmountComparison>,
    /// The line changes behind the status changes, most rows first.
    pub lines: Vec<LineChange>,
}

/// The comparison of a whole population.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CompareSummary {
    /// Rows compared.
    pub rows: u64,
    /// Per outcome both sides have, in the reform's order.
    pub outcomes: Vec<OutcomeComparison>,
    /// Outcomes only the baseline has.
    pub only_base: Vec<String>,
    /// Outcomes only the reform has.
    pub only_reform: Vec<String>,
    /// Sums that left the range of exact decimals (the totals concerned are not exact and
    /// must not be used): empty when every total is exact.
    pub overflow: Vec<String>,
}

/// One compared outcome of a chunk of rows.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeRows {
    /// The outcome's name.
    pub name: String,
    /// Per row, the baseline's status (`None`: the row's facts were bad for the baseline).
    pub base: Vec<Option<Status>>,
    /// Per row, the reform's status.
    pub reform: Vec<Option<Status>>,
    /// Per amount both sides have: its name, then per row what the baseline pays, what the
    /// reform pays (nothing when the side does not find the row eligible: zero; unknown when
    /// the status or the amount is), and the difference (unknown when either side is).
    pub amounts: Vec<AmountRows>,
    /// Per row whose status changed, the ids of the lines behind the change: those that
    /// block or are unknown on one side and not on the other (empty for other rows).
    pub changed_lines: Vec<Vec<String>>,
}

/// One amount of a compared outcome over a chunk.
#[derive(Clone, Debug, PartialEq)]
pub struct AmountRows {
    /// The amount's name.
    pub name: String,
    /// Paid under the baseline, per row.
    pub base: Vec<Option<Decimal>>,
    /// Paid under the reform, per row.
    pub reform: Vec<Option<Decimal>>,
    /// `reform - base`, per row.
    pub delta: Vec<Option<Decimal>>,
}

/// A chunk of rows compared.
#[derive(Clone, Debug, PartialEq)]
pub struct CompareRows {
    /// Per outcome both sides have, in the reform's order.
    pub outcomes: Vec<OutcomeRows>,
    /// Per row, the baseline's first error.
    pub base_errors: Vec<Option<ErrorReport>>,
    /// Per row, the reform's first error.
    pub reform_errors: Vec<Option<ErrorReport>>,
}

impl CompareRows {
    /// Rows in the chunk.
    pub fn len(&self) -> usize {
        self.base_errors.len()
    }

    /// Whether the chunk has no row.
    pub fn is_empty(&self) -> bool {
        self.base_errors.is_empty()
    }
}

/// An outcome both sides have: where it is in each side's results.
struct Pair {
    name: String,
    title: Option<String>,
    base: usize,
    reform: usize,
    /// `(name, label, index in base, index in reform)`.
    amounts: Vec<(String, Option<String>, usize, usize)>,
}

/// Running totals of one outcome.
#[derive(Default)]
struct Tally {
    /// Rows per (baseline, reform) status, by [`rank`].
    transitions: [[u64; 4]; 4],
    /// Per amount: base total, reform total, unknown counts.
    amounts: Vec<(Decimal, Decimal, u64, u64)>,
    /// Per (line, from, to): the line is the reform's line `i` (`(0, i)`) or the baseline's
    /// line `i` that the reform does not have (`(1, i)`); statuses by [`code`].
    lines: HashMap<(u8, usize, u8, u8), LineTally>,
}

struct LineTally {
    id: String,
    message: String,
    cite: Option<String>,
    rows: u64,
}

/// A line side as a small number (for counting without allocating).
fn code(s: Option<LineStatus>) -> u8 {
    match s {
        None => 0,
        Some(LineStatus::True) => 1,
        Some(LineStatus::False) => 2,
        Some(LineStatus::Unknown) => 3,
        Some(LineStatus::NotApplicable) => 4,
    }
}

fn decode(c: u8) -> &'static str {
    line_side(match c {
        1 => Some(LineStatus::True),
        2 => Some(LineStatus::False),
        3 => Some(LineStatus::Unknown),
        4 => Some(LineStatus::NotApplicable),
        _ => None,
    })
}

/// The status at a [`rank`].
const SIDES: [&str; 4] = ["eligible", "ineligible", "undetermined", "error"];

/// Compares chunk after chunk of rows evaluated under a baseline and a reform.
pub struct Comparer {
    pairs: Vec<Pair>,
    tallies: Vec<Tally>,
    rows: u64,
    only_base: Vec<String>,
    only_reform: Vec<String>,
    overflow: Vec<String>,
}

/// Row-level column names of a comparison, in the order [`Comparer::columns`] gives them.
pub const COMPARE_ERROR_COLUMNS: [&str; 2] = ["error.base", "error.reform"];

impl Comparer {
    /// A comparer of `base` and `reform` (the same policy twice to compare two dates).
    pub fn new(base: &Policy, reform: &Policy) -> Comparer {
        let b = base.inputs().outcomes;
        let r = reform.inputs().outcomes;
        let mut pairs = Vec::new();
        for (ri, ro) in r.iter().enumerate() {
            let Some(bi) = b.iter().position(|o| o.name == ro.name) else {
                continue;
            };
            let Some(bo) = b.get(bi) else { continue };
            let amounts = ro
                .amounts
                .iter()
                .enumerate()
                .filter_map(|(rai, a)| {
                    let bai = bo.amounts.iter().position(|x| x == a)?;
                    let label = ro
                        .amount_labels
                        .get(rai)
                        .cloned()
                        .flatten()
                        .or_else(|| bo.amount_labels.get(bai).cloned().flatten());
                    Some((a.clone(), label, bai, rai))
                })
                .collect();
            pairs.push(Pair {
                name: ro.name.clone(),
                title: ro.title.clone().or_else(|| bo.title.clone()),
                base: bi,
                reform: ri,
                amounts,
            });
        }
        let only_base = b
            .iter()
            .filter(|o| !r.iter().any(|x| x.name == o.name))
            .map(|o| o.name.clone())
            .collect();
        let only_reform = r
            .iter()
            .filter(|o| !b.iter().any(|x| x.name == o.name))
            .map(|o| o.name.clone())
            .collect();
        let tallies = pairs
            .iter()
            .map(|p| Tally {
                amounts: vec![(Decimal::ZERO, Decimal::ZERO, 0, 0); p.amounts.len()],
                ..Tally::default()
            })
            .collect();
        Comparer {
            pairs,
            tallies,
            rows: 0,
            only_base,
            only_reform,
            overflow: Vec::new(),
        }
    }

    /// Checks the input columns of a comparison: a column is a fact if either side has it;
    /// one that looks like a fact but is one on neither side (`Project.Total_Investment`, a
    /// label) is refused with the path it stands for, as is a set of columns with no fact
    /// of either side, or a column named like a comparison column.
    pub fn check_columns<'n>(
        base: &Policy,
        reform: &Policy,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Result<(), Vec<ErrorReport>> {
        let names: Vec<&str> = names.into_iter().collect();
        let opts = crate::BatchOptions { lines: true };
        let refused = |p: &Policy| {
            p.check_columns(names.iter().copied(), opts)
                .err()
                .unwrap_or_default()
        };
        let (rb, rr) = (refused(base), refused(reform));
        let (kb, kr) = (base.column_batch(0), reform.column_batch(0));
        let fact = |b: &crate::ColumnBatchBuilder<'_>, e: &ErrorReport| {
            e.path.as_deref().is_some_and(|p| {
                matches!(
                    b.kind(p),
                    crate::ColumnKind::Fact(_) | crate::ColumnKind::List
                )
            })
        };
        let no_facts = |e: &[ErrorReport]| e.iter().any(|e| e.code == codes::NO_FACT_COLUMNS);
        let mut errors: Vec<ErrorReport> = Vec::new();
        for (mine, other, theirs) in [(&rb, &kr, &rr), (&rr, &kb, &rb)] {
            for e in mine {
                // The batch's own result columns do not apply here; a fact of the other side
                // is a fact; "no fact column" only when neither side finds one.
                let keep = e.code != codes::COLUMN_CLASH
                    && !fact(other, e)
                    && (e.code != codes::NO_FACT_COLUMNS || no_facts(theirs));
                if keep && !errors.iter().any(|x| x.code == e.code && x.path == e.path) {
                    errors.push(e.clone());
                }
            }
        }
        let columns = Comparer::new(base, reform).columns();
        for n in &names {
            if columns.iter().any(|c| c == n) {
                errors.push(ErrorReport {
                    code: codes::COLUMN_CLASH.to_string(),
                    message: format!("column `{n}` has the name of a comparison column; rename it"),
                    path: Some((*n).to_string()),
                    ..Default::default()
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The columns `side` must not read: facts of `other` that `side` does not have but
    /// that look like its own (a field the reform adds to an input both declare). Reading
    /// them would make every row an unknown-field error of `side`.
    pub fn foreign_columns<'n>(
        side: &Policy,
        other: &Policy,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Vec<String> {
        let (mine, theirs) = (side.column_batch(0), other.column_batch(0));
        names
            .into_iter()
            .filter(|n| {
                let unknown_here =
                    matches!(mine.kind(n), crate::ColumnKind::Fact(ref t) if t.is_empty());
                let known_there = match theirs.kind(n) {
                    crate::ColumnKind::Fact(t) => !t.is_empty(),
                    crate::ColumnKind::List => true,
                    crate::ColumnKind::Other => false,
                };
                unknown_here && known_there
            })
            .map(str::to_string)
            .collect()
    }

    /// The row-level columns a comparison adds, in order: per outcome both sides have
    /// `<outcome>.status.base`, `<outcome>.status.reform`, per amount
    /// `<outcome>.<amount>.base`, `.reform` and `.delta`, and `<outcome>.changed_lines`;
    /// then `error.base` and `error.reform`.
    pub fn columns(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.pairs {
            out.push(format!("{}.status.base", p.name));
            out.push(format!("{}.status.reform", p.name));
            for (a, ..) in &p.amounts {
                for s in ["base", "reform", "delta"] {
                    out.push(format!("{}.{a}.{s}", p.name));
                }
            }
            out.push(format!("{}.changed_lines", p.name));
        }
        out.extend(COMPARE_ERROR_COLUMNS.iter().map(|s| s.to_string()));
        out
    }

    /// Compares one chunk: `base` and `reform` are the same rows evaluated under each side
    /// (with [`crate::BatchOptions::lines`], or no line changes are found). Rows are
    /// matched by position; a shorter side's missing rows count as bad rows.
    pub fn add(&mut self, base: &BatchResult, reform: &BatchResult) -> CompareRows {
        let n = base.len().max(reform.len());
        self.rows += n as u64;
        let mut outcomes = Vec::with_capacity(self.pairs.len());
        for (p, tally) in self.pairs.iter().zip(self.tallies.iter_mut()) {
            let (Some(bo), Some(ro)) = (base.outcomes.get(p.base), reform.outcomes.get(p.reform))
            else {
                continue;
            };
            let status = |o: &crate::BatchOutcome, i: usize| o.statuses.get(i).copied().flatten();
            let mut rows = OutcomeRows {
                name: p.name.clone(),
                base: (0..n).map(|i| status(bo, i)).collect(),
                reform: (0..n).map(|i| status(ro, i)).collect(),
                amounts: Vec::with_capacity(p.amounts.len()),
                changed_lines: vec![Vec::new(); n],
            };
            // The lines of both sides, paired by id once per chunk.
            let partner: Vec<Option<&crate::BatchLine>> = ro
                .lines
                .iter()
                .map(|rl| bo.lines.iter().find(|l| l.id == rl.id))
                .collect();
            let base_only: Vec<(usize, &crate::BatchLine)> = bo
                .lines
                .iter()
                .enumerate()
                .filter(|(_, bl)| !ro.lines.iter().any(|l| l.id == bl.id))
                .collect();
            let at = |l: &crate::BatchLine, i: usize| l.statuses.get(i).copied().flatten();
            for (i, (b, r)) in rows.base.iter().zip(&rows.reform).enumerate() {
                let (rb, rr) = (rank(side(*b)) as usize, rank(side(*r)) as usize);
                if let Some(cell) = tally
                    .transitions
                    .get_mut(rb)
                    .and_then(|row| row.get_mut(rr))
                {
                    *cell += 1;
                }
                if b == r {
                    continue;
                }
                // The lines behind the change: those that block, or are unknown, on one
                // side and not on the other (a `when` that starts to apply to a line that
                // holds changes its status but not the outcome's).
                let mut changed: Vec<String> = Vec::new();
                let mut count = |key: (u8, usize, u8, u8), l: &crate::BatchLine| {
                    tally
                        .lines
                        .entry(key)
                        .or_insert_with(|| LineTally {
                            id: l.id.clone(),
                            message: l.message.clone(),
                            cite: l.cite.clone(),
                            rows: 0,
                        })
                        .rows += 1;
                };
                for ((li, rl), bl) in ro.lines.iter().enumerate().zip(&partner) {
                    let from = bl.and_then(|l| at(l, i));
                    let to = at(rl, i);
                    if effect(bl.map(|l| l.kind), from) != effect(Some(rl.kind), to) {
                        count((0, li, code(from), code(to)), rl);
                        changed.push(rl.id.clone());
                    }
                }
                for (li, bl) in &base_only {
                    let from = at(bl, i);
                    if effect(Some(bl.kind), from) != effect(None, None) {
                        count((1, *li, code(from), code(None)), bl);
                        changed.push(bl.id.clone());
                    }
                }
                if let Some(c) = rows.changed_lines.get_mut(i) {
                    *c = changed;
                }
            }
            for (k, (name, _, bai, rai)) in p.amounts.iter().enumerate() {
                let paid = |o: &crate::BatchOutcome, ai: usize, i: usize| -> Option<Decimal> {
                    match status(o, i)? {
                        Status::Eligible => o
                            .amounts
                            .get(ai)
                            .and_then(|(_, col)| col.get(i).copied().flatten()),
                        Status::Ineligible => Some(Decimal::ZERO),
                        Status::Undetermined => None,
                    }
                };
                let b: Vec<Option<Decimal>> = (0..n).map(|i| paid(bo, *bai, i)).collect();
                let r: Vec<Option<Decimal>> = (0..n).map(|i| paid(ro, *rai, i)).collect();
                let mut delta = Vec::with_capacity(n);
                let Some(t) = tally.amounts.get_mut(k) else {
                    continue;
                };
                for i in 0..n {
                    let (bv, rv) = (b.get(i).copied().flatten(), r.get(i).copied().flatten());
                    let eligible = |o: &crate::BatchOutcome| status(o, i) == Some(Status::Eligible);
                    match bv {
                        Some(v) => match t.0.checked_add(v) {
                            Some(s) => t.0 = s,
                            None => self.overflow.push(format!("{}.{name}.base", p.name)),
                        },
                        None if eligible(bo) => t.2 += 1,
                        None => {}
                    }
                    match rv {
                        Some(v) => match t.1.checked_add(v) {
                            Some(s) => t.1 = s,
                            None => self.overflow.push(format!("{}.{name}.reform", p.name)),
                        },
                        None if eligible(ro) => t.3 += 1,
                        None => {}
                    }
                    delta.push(match (bv, rv) {
                        (Some(x), Some(y)) => y.checked_sub(x),
                        _ => None,
                    });
                }
                rows.amounts.push(AmountRows {
                    name: name.clone(),
                    base: b,
                    reform: r,
                    delta,
                });
            }
            outcomes.push(rows);
        }
        self.overflow.sort();
        self.overflow.dedup();
        let first = |r: &BatchResult, i: usize| r.first_error(i).cloned();
        CompareRows {
            outcomes,
            base_errors: (0..n).map(|i| first(base, i)).collect(),
            reform_errors: (0..n).map(|i| first(reform, i)).collect(),
        }
    }

    /// The summary of every chunk added so far.
    pub fn summary(&self) -> CompareSummary {
        let outcomes = self
            .pairs
            .iter()
            .zip(&self.tallies)
            .map(|(p, t)| {
                let mut transitions: Vec<Transition> = Vec::new();
                for (from, row) in SIDES.iter().zip(&t.transitions) {
                    for (to, rows) in SIDES.iter().zip(row) {
                        if *rows > 0 {
                            transitions.push(Transition {
                                from: (*from).to_string(),
                                to: (*to).to_string(),
                                rows: *rows,
                            });
                        }
                    }
                }
                let changed = transitions
                    .iter()
                    .filter(|x| x.from != x.to)
                    .map(|x| x.rows)
                    .sum();
                let amounts = p
                    .amounts
                    .iter()
                    .zip(&t.amounts)
                    .map(|((name, label, ..), (b, r, bu, ru))| {
                        let delta = r.checked_sub(*b).unwrap_or_default();
                        let sign = if delta.is_sign_negative() { "" } else { "+" };
                        AmountComparison {
                            name: name.clone(),
                            label: label.clone(),
                            base: Amount(*b),
                            reform: Amount(*r),
                            delta: Amount(delta),
                            base_display: crate::display::money(*b),
                            reform_display: crate::display::money(*r),
                            delta_display: format!("{sign}{}", crate::display::money(delta)),
                            base_unknown: *bu,
                            reform_unknown: *ru,
                        }
                    })
                    .collect();
                let mut lines: Vec<LineChange> = t
                    .lines
                    .iter()
                    .map(|((_, _, from, to), l)| LineChange {
                        id: l.id.clone(),
                        message: l.message.clone(),
                        cite: l.cite.clone(),
                        from: decode(*from).to_string(),
                        to: decode(*to).to_string(),
                        rows: l.rows,
                    })
                    .collect();
                lines.sort_by(|a, b| {
                    b.rows
                        .cmp(&a.rows)
                        .then_with(|| a.id.cmp(&b.id))
                        .then_with(|| a.from.cmp(&b.from))
                        .then_with(|| a.to.cmp(&b.to))
                });
                OutcomeComparison {
                    name: p.name.clone(),
                    title: p.title.clone(),
                    changed,
                    transitions,
                    amounts,
                    lines,
                }
            })
            .collect();
        CompareSummary {
            rows: self.rows,
            outcomes,
            only_base: self.only_base.clone(),
            only_reform: self.only_reform.clone(),
            overflow: self.overflow.clone(),
        }
    }
}

impl CompareSummary {
    /// The summary as text, money in the one display of numbers: per outcome the status
    /// changes, what each side pays, and the lines behind the changes.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "{} rows compared", self.rows);
        for o in &self.outcomes {
            let title = o
                .title
                .as_deref()
                .map(|t| format!(" {t}"))
                .unwrap_or_default();
            let _ = writeln!(s, "\n{}{title}: {} rows changed status", o.name, o.changed);
            for t in &o.transitions {
                let mark = if t.from == t.to { " " } else { "*" };
                let _ = writeln!(s, "  {mark} {:<12} -> {:<12} {:>10}", t.from, t.to, t.rows);
            }
            for a in &o.amounts {
                let label = a
                    .label
                    .as_deref()
                    .map(|l| format!(" {l}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  {}{label}: paid {} -> {} ({})",
                    a.name, a.base_display, a.reform_display, a.delta_display
                );
                if a.base_unknown + a.reform_unknown > 0 {
                    let _ = writeln!(
                        s,
                        "    (eligible rows with the amount unknown, not in the totals: {} base, {} reform)",
                        a.base_unknown, a.reform_unknown
                    );
                }
            }
            if !o.lines.is_empty() {
                let _ = writeln!(s, "  lines behind the changes:");
            }
            for l in &o.lines {
                let cite = l
                    .cite
                    .as_deref()
                    .map(|c| format!(" [{c}]"))
                    .unwrap_or_default();
                let _ = writeln!(
                    s,
                    "    {:>8} rows  {} {} -> {}  {}{cite}",
                    l.rows, l.id, l.from, l.to, l.message
                );
            }
        }
        for o in &self.only_base {
            let _ = writeln!(s, "\n{o}: only in the baseline");
        }
        for o in &self.only_reform {
            let _ = writeln!(s, "\n{o}: only in the reform");
        }
        if !self.overflow.is_empty() {
            let _ = writeln!(
                s,
                "\nnot exact (a sum overflowed): {}",
                self.overflow.join(", ")
            );
        }
        s
    }
}
