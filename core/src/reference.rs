//! A reference interpreter straight over the checked program: recursive, one record at a
//! time, linear scans instead of indexes, no constant folding, no sharing. It exists only to
//! check the compiled graph (property tests assert both agree on every status, line and
//! amount).

#![allow(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test-only code"
)]

use std::cmp::Ordering;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::codes;
use crate::decision::{LineStatus, Status};
use crate::eval::FactRow;
use crate::ir::*;
use crate::value::{Calendar, Const, add_calendar, date_from_days, exact_or_code};

/// Keeps the first error among undecided values, else unknown.
fn first_error(slot: &mut Option<R>, v: R) {
    match (&*slot, v) {
        (Some(R::Err(_)), _) => {}
        (_, R::Err(e)) => *slot = Some(R::Err(e)),
        (None, _) => *slot = Some(R::Unknown),
        (Some(_), _) => {}
    }
}

/// A value of the reference interpreter.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum R {
    Unknown,
    Err(&'static str),
    Bool(bool),
    Num(Decimal),
    Date(i32),
    Days(i64),
    Cal(Calendar),
    Str(String),
    Enum(u32),
}

impl R {
    fn known(&self) -> bool {
        !matches!(self, R::Unknown | R::Err(_))
    }
}

fn of_const(c: &Const) -> R {
    match c {
        Const::Bool(b) => R::Bool(*b),
        Const::Num(d) => R::Num(*d),
        Const::Date(d) => R::Date(*d),
        Const::Days(d) => R::Days(*d),
        Const::Cal(c) => R::Cal(*c),
        Const::Str(s) => R::Str(s.to_string()),
        Const::Enum(e) => R::Enum(*e),
    }
}

fn of_val(v: &crate::value::Val) -> R {
    use crate::value::Val;
    match v {
        Val::Unknown | Val::Err(_) => R::Unknown,
        Val::Bool(b) => R::Bool(*b),
        Val::Num(d) => R::Num(*d),
        Val::Date(d) => R::Date(*d),
        Val::Days(d) => R::Days(*d),
        Val::Cal(c) => R::Cal(*c),
        Val::Str(s) => R::Str(s.to_string()),
        Val::Enum(e) => R::Enum(*e),
    }
}

/// Unknown or error of two operands: the first error, else unknown.
fn either(a: &R, b: &R) -> R {
    match (a, b) {
        (R::Err(e), _) | (_, R::Err(e)) => R::Err(e),
        _ => R::Unknown,
    }
}

fn order(a: &R, b: &R) -> Option<Ordering> {
    match (a, b) {
        (R::Num(x), R::Num(y)) => Some(x.cmp(y)),
        (R::Date(x), R::Date(y)) => Some(x.cmp(y)),
        (R::Days(x), R::Days(y)) => Some(x.cmp(y)),
        (R::Str(x), R::Str(y)) => Some(x.cmp(y)),
        (R::Enum(x), R::Enum(y)) => Some(x.cmp(y)),
        (R::Bool(x), R::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// The result of one outcome: status, line statuses, amounts, and evaluation error codes.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RefOutcome {
    pub(crate) status: Status,
    pub(crate) lines: Vec<LineStatus>,
    pub(crate) amounts: Vec<Option<Decimal>>,
    pub(crate) errors: Vec<String>,
    /// Per line: whether its condition is an evaluation error.
    pub(crate) cond_errors: Vec<bool>,
}

pub(crate) struct Reference<'p> {
    p: &'p Program,
    facts: &'p FactRow,
    as_of: i32,
}

impl<'p> Reference<'p> {
    pub(crate) fn new(p: &'p Program, facts: &'p FactRow, as_of: i32) -> Reference<'p> {
        Reference { p, facts, as_of }
    }

    /// Slot of a scalar fact: fields of earlier scalar entities come first.
    fn slot(&self, entity: EntityId, field: u32) -> usize {
        let before: usize = self
            .p
            .entities
            .iter()
            .take(entity as usize)
            .filter(|e| !e.is_list)
            .map(|e| e.fields.len())
            .sum();
        before + field as usize
    }

    fn list_index(&self, entity: EntityId) -> usize {
        self.p
            .entities
            .iter()
            .take(entity as usize)
            .filter(|e| e.is_list)
            .count()
    }

    fn items(&self, list: EntityId) -> Option<&'p Vec<Vec<crate::value::Val>>> {
        self.facts.lists.get(self.list_index(list))?.as_ref()
    }

    pub(crate) fn outcomes(&self) -> Vec<RefOutcome> {
        self.p.outcomes.iter().map(|o| self.outcome(o)).collect()
    }

    /// `eligible(o)`: the outcome's status as a truth value; an undetermined outcome whose
    /// lines failed with an error is that error.
    fn eligible(&self, o: u32) -> R {
        let Some(def) = self.p.outcomes.get(o as usize) else {
            return R::Unknown;
        };
        let (lines, errors) = self.lines(def);
        match Self::status(def, &lines) {
            Status::Eligible => R::Bool(true),
            Status::Ineligible => R::Bool(false),
            Status::Undetermined => errors.first().map_or(R::Unknown, |c| R::Err(c)),
        }
    }

    fn status(o: &OutcomeDef, lines: &[LineStatus]) -> Status {
        let fails = o.requirements.iter().zip(lines).any(|(r, s)| {
            matches!(
                (r.kind, s),
                (ReqKind::Require, LineStatus::False) | (ReqKind::Unless, LineStatus::True)
            )
        });
        if fails {
            Status::Ineligible
        } else if lines.contains(&LineStatus::Unknown) {
            Status::Undetermined
        } else {
            Status::Eligible
        }
    }

    fn outcome(&self, o: &OutcomeDef) -> RefOutcome {
        let (lines, line_errors) = self.lines(o);
        let mut errors: Vec<String> = line_errors.iter().map(|c| c.to_string()).collect();
        // A condition reading `eligible(p)` is left out: its error here comes from a line
        // of `p` this interpreter cannot decide, which the engine's intervals may decide (a
        // `require` whose condition holds, whatever its guard's error).
        let cond_errors = o
            .requirements
            .iter()
            .map(|r| {
                matches!(self.eval(&r.cond, None), R::Err(_))
                    && !format!("{:?}", r.cond.kind).contains("Eligible(")
            })
            .collect();
        let status = Self::status(o, &lines);
        let mut amounts = Vec::new();
        for a in &o.amounts {
            match self.eval(&a.value, None) {
                R::Num(d) => amounts.push(Some(d)),
                R::Err(code) => {
                    errors.push(code.to_string());
                    amounts.push(None);
                }
                _ => amounts.push(None),
            }
        }
        errors.sort_unstable();
        errors.dedup();
        RefOutcome {
            status,
            lines,
            amounts,
            errors,
            cond_errors,
        }
    }

    /// Each line's status, and the errors of the lines left unknown by one.
    fn lines(&self, o: &OutcomeDef) -> (Vec<LineStatus>, Vec<&'static str>) {
        let mut lines = Vec::new();
        let mut errors = Vec::new();
        for r in &o.requirements {
            let c = self.eval(&r.cond, None);
            let g = r.guard.as_ref().map(|g| self.eval(g, None));
            let cs = match c {
                R::Bool(true) => LineStatus::True,
                R::Bool(false) => LineStatus::False,
                _ => LineStatus::Unknown,
            };
            let status = match &g {
                None | Some(R::Bool(true)) => cs,
                Some(R::Bool(false)) => LineStatus::NotApplicable,
                Some(_) => match (r.kind, cs) {
                    (ReqKind::Require, LineStatus::True) => LineStatus::True,
                    (ReqKind::Unless, LineStatus::False) => LineStatus::False,
                    _ => LineStatus::Unknown,
                },
            };
            if status == LineStatus::Unknown {
                for v in std::iter::once(&c).chain(g.as_ref()) {
                    if let R::Err(code) = v {
                        errors.push(*code);
                    }
                }
            }
            lines.push(status);
        }
        (lines, errors)
    }

    fn rule(&self, r: RuleId, item: Option<(EntityId, usize)>) -> R {
        let Some(def) = self.p.rules.get(r as usize) else {
            return R::Unknown;
        };
        match def.scope {
            Scope::Row => self.eval(&def.body, None),
            Scope::Item(_) => self.eval(&def.body, item),
        }
    }

    fn table(&self, t: TableId) -> R {
        let Some(def) = self.p.tables.get(t as usize) else {
            return R::Unknown;
        };
        let Some(v) = def
            .versions
            .iter()
            .rev()
            .find(|v| v.from.is_none_or(|d| d <= self.as_of))
        else {
            return R::Err(codes::NOT_IN_FORCE);
        };
        let truth = |row: &TableRow| {
            row.cond
                .as_ref()
                .map_or(R::Bool(true), |c| self.eval(c, None))
        };
        match def.hit {
            Hit::First => {
                let mut candidates: Vec<R> = Vec::new();
                let mut matched = false;
                for row in &v.rows {
                    match truth(row) {
                        R::Bool(false) => {}
                        R::Bool(true) => {
                            candidates.push(self.eval(&row.value, None));
                            matched = true;
                            break;
                        }
                        R::Err(e) => return R::Err(e),
                        _ => candidates.push(self.eval(&row.value, None)),
                    }
                }
                match (candidates.as_slice(), matched) {
                    ([one], true) => one.clone(),
                    ([], false) => R::Err(codes::NO_MATCHING_ROW),
                    (all, true)
                        if all
                            .first()
                            .is_some_and(|f| f.known() && all.iter().all(|x| x == f)) =>
                    {
                        all.first().cloned().unwrap_or(R::Unknown)
                    }
                    (all, _) => all
                        .iter()
                        .find(|x| matches!(x, R::Err(_)))
                        .cloned()
                        .unwrap_or(R::Unknown),
                }
            }
            Hit::Unique => {
                let mut matched = Vec::new();
                let mut undecided = None;
                let mut otherwise = None;
                for row in &v.rows {
                    if row.cond.is_none() {
                        otherwise = Some(self.eval(&row.value, None));
                        continue;
                    }
                    match truth(row) {
                        R::Bool(true) => matched.push(self.eval(&row.value, None)),
                        R::Bool(false) => {}
                        R::Err(e) => {
                            if !matches!(undecided, Some(R::Err(_))) {
                                undecided = Some(R::Err(e));
                            }
                        }
                        _ => {
                            undecided.get_or_insert(R::Unknown);
                        }
                    }
                }
                if matched.len() > 1 {
                    return R::Err(codes::UNIQUE_CONFLICT);
                }
                if let Some(u) = undecided {
                    return u;
                }
                matched
                    .into_iter()
                    .next()
                    .or(otherwise)
                    .unwrap_or(R::Err(codes::NO_MATCHING_ROW))
            }
            Hit::Sum | Hit::Min | Hit::Max | Hit::Count => {
                let mut matched = Vec::new();
                let mut otherwise = None;
                let mut unknown = false;
                for row in &v.rows {
                    if row.cond.is_none() {
                        otherwise = Some(self.eval(&row.value, None));
                        continue;
                    }
                    match truth(row) {
                        R::Bool(true) => matched.push(self.eval(&row.value, None)),
                        R::Bool(false) => {}
                        R::Err(e) => return R::Err(e),
                        _ => unknown = true,
                    }
                }
                if unknown {
                    return R::Unknown;
                }
                if matched.is_empty() {
                    return match (def.hit, otherwise) {
                        (Hit::Count, _) | (Hit::Sum, None) => R::Num(Decimal::ZERO),
                        (_, Some(v)) => v,
                        _ => R::Err(codes::NO_MATCHING_ROW),
                    };
                }
                match def.hit {
                    Hit::Count => R::Num(Decimal::from(matched.len())),
                    Hit::Sum => {
                        let mut acc = Decimal::ZERO;
                        for m in &matched {
                            match m {
                                R::Num(d) => match exact_or_code(ArithOp::Add, acc, *d) {
                                    Ok(x) => acc = x,
                                    Err(code) => return R::Err(code),
                                },
                                other => return either(other, &R::Unknown),
                            }
                        }
                        R::Num(acc)
                    }
                    _ => extreme(def.hit == Hit::Max, &matched),
                }
            }
        }
    }

    fn eval(&self, e: &TExpr, item: Option<(EntityId, usize)>) -> R {
        match &e.kind {
            TKind::Const(c) => of_const(c),
            TKind::Fact { entity, field } => self
                .facts
                .scalars
                .get(self.slot(*entity, *field))
                .map_or(R::Unknown, of_val),
            TKind::ItemFact { list, field } => {
                let Some((_, i)) = item else {
                    return R::Unknown;
                };
                self.items(*list)
                    .and_then(|items| items.get(i))
                    .and_then(|it| it.get(*field as usize))
                    .map_or(R::Unknown, of_val)
            }
            TKind::Rule(r) => self.rule(*r, item),
            TKind::Eligible(o) => self.eligible(*o),
            TKind::OutcomeAmount { outcome, amount } => match self
                .p
                .outcomes
                .get(*outcome as usize)
                .and_then(|o| o.amounts.get(*amount as usize))
            {
                Some(a) => self.eval(&a.value, None),
                None => R::Unknown,
            },
            TKind::Param(p) => {
                let Some(def) = self.p.params.get(*p as usize) else {
                    return R::Unknown;
                };
                def.steps
                    .iter()
                    .rev()
                    .find(|(d, _, _)| *d <= self.as_of)
                    .map_or(R::Err(codes::NOT_IN_FORCE), |(_, c, _)| of_const(c))
            }
            TKind::Table(t) => self.table(*t),
            TKind::AsOf => R::Date(self.as_of),
            TKind::Opaque => R::Unknown,
            TKind::Not(x) => match self.eval(x, item) {
                R::Bool(b) => R::Bool(!b),
                other => either(&other, &R::Unknown),
            },
            TKind::Neg(x) => match self.eval(x, item) {
                R::Num(d) => R::Num(-d),
                R::Days(d) => d.checked_neg().map_or(R::Err(codes::OVERFLOW), R::Days),
                other => either(&other, &R::Unknown),
            },
            TKind::And(a, b) | TKind::Or(a, b) => {
                let is_and = matches!(e.kind, TKind::And(..));
                let (x, y) = (self.eval(a, item), self.eval(b, item));
                let absorbing = R::Bool(!is_and);
                if x == absorbing || y == absorbing {
                    absorbing
                } else if x.known() && y.known() {
                    R::Bool(is_and)
                } else {
                    either(&x, &y)
                }
            }
            TKind::Cmp(op, a, b) => {
                let (x, y) = (self.eval(a, item), self.eval(b, item));
                if !x.known() || !y.known() {
                    return either(&x, &y);
                }
                let Some(o) = order(&x, &y) else {
                    return R::Unknown;
                };
                R::Bool(match op {
                    CmpOp::Eq => o == Ordering::Equal,
                    CmpOp::Ne => o != Ordering::Equal,
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::Le => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    CmpOp::Ge => o != Ordering::Less,
                })
            }
            TKind::Arith(op, a, b) => {
                let (x, y) = (self.eval(a, item), self.eval(b, item));
                let (R::Num(x), R::Num(y)) = (&x, &y) else {
                    return either(&x, &y);
                };
                if *op == ArithOp::Div && y.is_zero() {
                    return R::Err(codes::DIVISION_BY_ZERO);
                }
                exact_or_code(*op, *x, *y).map_or_else(R::Err, R::Num)
            }
            TKind::DateShift { date, by, negate } => {
                let (d, b) = (self.eval(date, item), self.eval(by, item));
                let R::Date(day) = d else {
                    return either(&d, &b);
                };
                let shifted = match b {
                    R::Days(n) => {
                        let n = if *negate { n.checked_neg() } else { Some(n) };
                        n.and_then(|n| i64::from(day).checked_add(n))
                            .and_then(|x| i32::try_from(x).ok())
                            .filter(|x| date_from_days(*x).is_some())
                    }
                    R::Cal(c) => add_calendar(day, c, *negate),
                    other => return either(&other, &R::Unknown),
                };
                shifted.map_or(R::Err(codes::DATE_OUT_OF_RANGE), R::Date)
            }
            TKind::DateDiff(a, b) => match (self.eval(a, item), self.eval(b, item)) {
                (R::Date(x), R::Date(y)) => R::Days(i64::from(x) - i64::from(y)),
                (x, y) => either(&x, &y),
            },
            TKind::DaysArith { sub, a, b } => match (self.eval(a, item), self.eval(b, item)) {
                (R::Days(x), R::Days(y)) => {
                    let r = if *sub {
                        x.checked_sub(y)
                    } else {
                        x.checked_add(y)
                    };
                    r.map_or(R::Err(codes::OVERFLOW), R::Days)
                }
                (x, y) => either(&x, &y),
            },
            TKind::If(c, a, b) => {
                let (c, x, y) = (self.eval(c, item), self.eval(a, item), self.eval(b, item));
                match c {
                    R::Bool(true) => x,
                    R::Bool(false) => y,
                    _ if x.known() && x == y => x,
                    R::Err(e) => R::Err(e),
                    _ => either(&x, &y),
                }
            }
            TKind::MinMax { max, args } => {
                let vals: Vec<R> = args.iter().map(|a| self.eval(a, item)).collect();
                extreme(*max, &vals)
            }
            TKind::Round { x, places, mode } => match self.eval(x, item) {
                R::Num(d) => R::Num(d.round_dp_with_strategy(
                    *places,
                    match mode {
                        RoundMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
                        RoundMode::Floor => RoundingStrategy::ToNegativeInfinity,
                        RoundMode::Ceil => RoundingStrategy::ToPositiveInfinity,
                    },
                )),
                other => either(&other, &R::Unknown),
            },
            TKind::InForce { from, to, x } => {
                if crate::graph::Op::in_force(*from, *to, self.as_of) {
                    self.eval(x, item)
                } else {
                    R::Err(codes::OUTSIDE_WINDOW)
                }
            }
            TKind::Abs(x) => match self.eval(x, item) {
                R::Num(d) => R::Num(d.abs()),
                other => either(&other, &R::Unknown),
            },
            TKind::YearsBetween(a, b) | TKind::MonthsBetween(a, b) => {
                let years = matches!(e.kind, TKind::YearsBetween(..));
                match (self.eval(a, item), self.eval(b, item)) {
                    (R::Date(x), R::Date(y)) => {
                        let (Some(d1), Some(d2)) = (date_from_days(x), date_from_days(y)) else {
                            return R::Unknown;
                        };
                        let (lo, hi, sign) = if d1 <= d2 {
                            (d1, d2, 1i64)
                        } else {
                            (d2, d1, -1i64)
                        };
                        // R14, by its definition: count up while lo + n months (clamped to
                        // the month's end) stays on or before hi.
                        let fits = |n: u32| {
                            lo.checked_add_months(chrono::Months::new(if years {
                                n * 12
                            } else {
                                n
                            }))
                            .is_some_and(|d| d <= hi)
                        };
                        let mut n = 0u32;
                        while n < 120_000 && fits(n + 1) {
                            n += 1;
                        }
                        let n = i64::from(n);
                        R::Num(Decimal::from(sign * n))
                    }
                    (x, y) => either(&x, &y),
                }
            }
            TKind::InList(x, items) => {
                let x = self.eval(x, item);
                if !x.known() {
                    return either(&x, &R::Unknown);
                }
                let vals: Vec<R> = items.iter().map(|i| self.eval(i, item)).collect();
                if vals
                    .iter()
                    .any(|v| v.known() && order(&x, v) == Some(Ordering::Equal))
                {
                    return R::Bool(true);
                }
                let mut undecided = None;
                for v in vals.into_iter().filter(|v| !v.known()) {
                    first_error(&mut undecided, v);
                }
                undecided.unwrap_or(R::Bool(false))
            }
            TKind::DirHas(d, k) => match self.dir_key(*d, self.eval(k, item)) {
                Ok(key) => R::Bool(
                    self.dir(*d)
                        .is_some_and(|dir| dir.keys.iter().any(|k| k.as_str() == key)),
                ),
                Err(other) => either(&other, &R::Unknown),
            },
            TKind::DirGet(d, k, col) => match self.dir_key(*d, self.eval(k, item)) {
                Ok(key) => {
                    let Some(dir) = self.dir(*d) else {
                        return R::Unknown;
                    };
                    let Some(row) = dir.keys.iter().position(|k| k.as_str() == key) else {
                        return R::Unknown;
                    };
                    dir.cells
                        .get(row * dir.columns.len() + *col as usize)
                        .and_then(Option::as_ref)
                        .map_or(R::Unknown, of_const)
                }
                Err(other) => either(&other, &R::Unknown),
            },
            TKind::Within(x, p) => match (self.eval(x, item), self.eval(p, item)) {
                (R::Str(a), R::Str(b)) => R::Bool(a.starts_with(&b)),
                (x, y) => either(&x, &y),
            },
            TKind::WithinDir(d, x) => match self.eval(x, item) {
                R::Str(code) => R::Bool(self.dir(*d).is_some_and(|dir| {
                    dir.keys
                        .iter()
                        .any(|k| !k.is_empty() && code.starts_with(k.as_str()))
                })),
                other => either(&other, &R::Unknown),
            },
            TKind::Agg {
                kind,
                list,
                filter,
                value,
            } => self.aggregate(*kind, *list, filter.as_deref(), value.as_deref()),
        }
    }

    fn dir(&self, d: DirId) -> Option<&'p DirectoryDef> {
        self.p.directories.get(d as usize)
    }

    /// A key value as the directory's key text: a code itself, an int's digits, an enum
    /// value's name. `Err` gives back a value that is not a key (unknown, an error).
    fn dir_key(&self, d: DirId, key: R) -> Result<String, R> {
        match key {
            R::Str(s) => Ok(s),
            R::Num(n) if n.fract().is_zero() => Ok(n.trunc().normalize().to_string()),
            R::Num(_) => Ok(String::new()),
            R::Enum(v) => {
                let enum_id = match self.dir(d).map(|dir| dir.key_ty) {
                    Some(crate::types::Type::Enum(id)) => id,
                    _ => return Ok(String::new()),
                };
                Ok(self
                    .p
                    .enums
                    .get(enum_id as usize)
                    .and_then(|e| e.variants.get(v as usize))
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default())
            }
            other => Err(other),
        }
    }

    fn aggregate(
        &self,
        kind: AggKind,
        list: EntityId,
        filter: Option<&TExpr>,
        value: Option<&TExpr>,
    ) -> R {
        let Some(items) = self.items(list) else {
            return R::Unknown;
        };
        let pass = |i: usize| filter.map_or(R::Bool(true), |f| self.eval(f, Some((list, i))));
        let val = |i: usize| value.map_or(R::Bool(true), |v| self.eval(v, Some((list, i))));
        match kind {
            AggKind::Any | AggKind::All => {
                // any: some item with filter and value; all: every item with not filter or value.
                let mut acc = R::Bool(kind == AggKind::All);
                for i in 0..items.len() {
                    let (f, v) = (pass(i), val(i));
                    let el = if kind == AggKind::Any {
                        and3(&f, &v)
                    } else {
                        or3(&not3(&f), &v)
                    };
                    acc = if kind == AggKind::Any {
                        or3(&acc, &el)
                    } else {
                        and3(&acc, &el)
                    };
                }
                acc
            }
            AggKind::Count | AggKind::Sum => {
                // Any undecided item leaves the result undecided: an error if one failed,
                // else unknown.
                let mut acc = Decimal::ZERO;
                let mut failed: Option<&'static str> = None;
                let mut undecided: Option<R> = None;
                for i in 0..items.len() {
                    match pass(i) {
                        R::Bool(true) if kind == AggKind::Count => acc += Decimal::ONE,
                        R::Bool(true) => match val(i) {
                            R::Num(d) => match exact_or_code(ArithOp::Add, acc, d) {
                                Ok(x) => acc = x,
                                Err(code) => {
                                    failed.get_or_insert(code);
                                }
                            },
                            other => first_error(&mut undecided, other),
                        },
                        R::Bool(false) => {}
                        other => first_error(&mut undecided, other),
                    }
                }
                match (undecided, failed) {
                    (Some(u), _) => u,
                    (None, Some(code)) => R::Err(code),
                    (None, None) => R::Num(acc),
                }
            }
            AggKind::Min | AggKind::Max => {
                // Undecided filters first, then the values chosen.
                let mut chosen = Vec::new();
                let mut undecided: Option<R> = None;
                for i in 0..items.len() {
                    match pass(i) {
                        R::Bool(true) => chosen.push(val(i)),
                        R::Bool(false) => {}
                        other => first_error(&mut undecided, other),
                    }
                }
                if let Some(u) = undecided {
                    return u;
                }
                if chosen.is_empty() {
                    return R::Err(codes::EMPTY_AGGREGATE);
                }
                extreme(kind == AggKind::Max, &chosen)
            }
        }
    }
}

fn not3(a: &R) -> R {
    match a {
        R::Bool(b) => R::Bool(!b),
        other => either(other, &R::Unknown),
    }
}

fn and3(a: &R, b: &R) -> R {
    if *a == R::Bool(false) || *b == R::Bool(false) {
        R::Bool(false)
    } else if a.known() && b.known() {
        R::Bool(true)
    } else {
        either(a, b)
    }
}

fn or3(a: &R, b: &R) -> R {
    if *a == R::Bool(true) || *b == R::Bool(true) {
        R::Bool(true)
    } else if a.known() && b.known() {
        R::Bool(false)
    } else {
        either(a, b)
    }
}

/// Smallest or largest; unknown (or the first error) if any value is not known.
fn extreme(max: bool, vals: &[R]) -> R {
    if let Some(e) = vals.iter().find(|v| matches!(v, R::Err(_))) {
        return e.clone();
    }
    if vals.iter().any(|v| !v.known()) {
        return R::Unknown;
    }
    let mut best: Option<&R> = None;
    for v in vals {
        best = match best {
            None => Some(v),
            Some(b) => match order(v, b) {
                Some(Ordering::Greater) if max => Some(v),
                Some(Ordering::Less) if !max => Some(v),
                _ => Some(b),
            },
        };
    }
    best.cloned().unwrap_or(R::Unknown)
}
