//! Declared ranges in three-valued evaluation (LANGUAGE.md second edition, R1–R3).
//!
//! After a frame is evaluated, each row that left a line or an amount unknown is looked at
//! again with intervals: an unknown fact declared `in LOW..HIGH` stands for every value in
//! its range, any other unknown for every value at all, a known value for itself. Each
//! arithmetic node maps its operands' intervals to an interval by applying the evaluator's
//! own scalar operations to the endpoints (so a bound is always a value the engine itself
//! computes), and a comparison that every pair of values in its operands' intervals decides
//! the same way is written into the frame as decided. `not`, `and`, `or`, `if` and tables
//! above it are then evaluated again from the refined values, with the evaluator's own rules.
//!
//! Numbers are never written back: an unknown amount stays unknown (R1). Because decided
//! comparisons are ordinary known values in the frame afterwards, `missing` (which walks
//! unknown values only) no longer reaches the facts behind them (R3).
//!
//! Soundness rests on monotonicity: every operation handled here is monotone in each operand
//! on the intervals it is applied to (`×` and `÷` by their four corners, `abs` split at zero,
//! a divisor interval containing zero gives up), and rounding in the engine's decimal
//! arithmetic is monotone. A property test checks decisions against the reference
//! interpreter at sampled values (`proptests`).

use std::cmp::Ordering;

use rust_decimal::Decimal;

use crate::eval::{self, Frame, Res};
use crate::graph::{Graph, NodeId, Op, ROW};
use crate::ir::{AggKind, ArithOp, CmpOp, FieldRange, Hit};
use crate::value::{Const, Val};

/// A closed interval of numbers, dates or day counts; `None` is an unbounded end. `err`:
/// the value may turn out to be an evaluation error once the facts are known (a divisor
/// that may be zero, a table that may match no row, an aggregate over a list that may be
/// empty), so nothing may be decided from it.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Iv {
    lo: Option<Val>,
    hi: Option<Val>,
    err: bool,
    /// Values inside may carry a long fraction (a quotient: `x / 3`), so a sum or product
    /// of them may need more digits than a decimal holds (`eval/precision`) where the ends
    /// do not: arithmetic on such an interval decides nothing.
    long: bool,
}

impl Iv {
    /// Any value.
    const ANY: Iv = Iv {
        lo: None,
        hi: None,
        err: false,
        long: false,
    };
    /// Any value, or an error.
    const UNSURE: Iv = Iv {
        lo: None,
        hi: None,
        err: true,
        long: false,
    };

    fn point(v: &Val) -> Iv {
        match v {
            Val::Num(_) | Val::Date(_) | Val::Days(_) => Iv {
                lo: Some(v.clone()),
                hi: Some(v.clone()),
                err: false,
                long: false,
            },
            _ => Iv::ANY,
        }
    }

    pub(crate) fn of_range(r: &FieldRange) -> Iv {
        let end = |c: &Option<Const>| match c {
            Some(Const::Num(d)) => Some(Val::Num(*d)),
            Some(Const::Date(d)) => Some(Val::Date(*d)),
            _ => None,
        };
        Iv {
            lo: end(&r.low),
            hi: end(&r.high),
            err: false,
            long: false,
        }
    }

    /// The lower end (`None`: unbounded).
    pub(crate) fn lo(&self) -> Option<&Val> {
        self.lo.as_ref()
    }

    /// The upper end (`None`: unbounded).
    pub(crate) fn hi(&self) -> Option<&Val> {
        self.hi.as_ref()
    }

    fn is_point(&self) -> bool {
        self.lo.is_some() && self.lo == self.hi
    }

    /// Whether values inside may have a long fraction: marked so, or an end has one.
    fn is_long(&self) -> bool {
        let long_end = |v: &Option<Val>| matches!(v, Some(Val::Num(d)) if d.scale() > 10);
        self.long || long_end(&self.lo) || long_end(&self.hi)
    }

    fn is_any(&self) -> bool {
        self.lo.is_none() && self.hi.is_none()
    }
}

/// `a ≤ b` for two endpoints of the same kind; `None` when they do not compare.
fn le(a: &Val, b: &Val) -> Option<bool> {
    eval::compare(a, b).map(|o| o != Ordering::Greater)
}

fn lt(a: &Val, b: &Val) -> Option<bool> {
    eval::compare(a, b).map(|o| o == Ordering::Less)
}

/// Decides `a op b` when every pair of values in the intervals gives the same answer (and
/// neither side may be an error).
fn decide(op: CmpOp, a: &Iv, b: &Iv) -> Option<bool> {
    if a.err || b.err {
        return None;
    }
    // `x >= y` is true when lo(x) ≥ hi(y), false when hi(x) < lo(y); `x > y` (strict) is
    // true when lo(x) > hi(y), false when hi(x) ≤ lo(y).
    let order = |x: &Iv, y: &Iv, strict: bool| -> Option<bool> {
        let holds = if strict { lt } else { le };
        let fails = if strict { le } else { lt };
        if let (Some(xl), Some(yh)) = (&x.lo, &y.hi)
            && holds(yh, xl)?
        {
            return Some(true);
        }
        if let (Some(xh), Some(yl)) = (&x.hi, &y.lo)
            && fails(xh, yl)?
        {
            return Some(false);
        }
        None
    };
    let ge = |x: &Iv, y: &Iv| order(x, y, false);
    let gt = |x: &Iv, y: &Iv| order(x, y, true);
    let eq = |x: &Iv, y: &Iv| -> Option<bool> {
        let disjoint = |p: &Iv, q: &Iv| match (&p.hi, &q.lo) {
            (Some(ph), Some(ql)) => lt(ph, ql).unwrap_or(false),
            _ => false,
        };
        if disjoint(x, y) || disjoint(y, x) {
            return Some(false);
        }
        // Equal only as two equal points (a known value on both sides: the frame has it).
        match (&x.lo, &x.hi, &y.lo, &y.hi) {
            (Some(a), Some(b), Some(c), Some(d))
                if eval::compare(a, b) == Some(Ordering::Equal)
                    && eval::compare(c, d) == Some(Ordering::Equal)
                    && eval::compare(a, c) == Some(Ordering::Equal) =>
            {
                Some(true)
            }
            _ => None,
        }
    };
    match op {
        CmpOp::Ge => ge(a, b),
        CmpOp::Gt => gt(a, b),
        CmpOp::Le => ge(b, a),
        CmpOp::Lt => gt(b, a),
        CmpOp::Eq => eq(a, b),
        CmpOp::Ne => eq(a, b).map(|x| !x),
    }
}

/// The value of a scalar operation at an endpoint; `None` when it fails there (overflow, a
/// date off the calendar), which makes the whole result unbounded (R1), never an error.
fn end2(r: Res) -> Option<Val> {
    match r {
        Res::V(v) if v.is_known() => Some(v),
        _ => None,
    }
}

/// Maps both ends through `f` (an unbounded end stays unbounded, `swap` exchanges them for
/// a non-increasing `f`); any failing end makes the result unbounded.
fn map1(a: &Iv, swap: bool, f: &dyn Fn(&Val) -> Res) -> Iv {
    let end = |x: &Option<Val>| -> Result<Option<Val>, ()> {
        match x {
            None => Ok(None),
            Some(x) => end2(f(x)).map(Some).ok_or(()),
        }
    };
    match (end(&a.lo), end(&a.hi)) {
        (Ok(lo), Ok(hi)) if swap => Iv {
            lo: hi,
            hi: lo,
            err: false,
            long: false,
        },
        (Ok(lo), Ok(hi)) => Iv {
            lo,
            hi,
            err: false,
            long: false,
        },
        _ => Iv::UNSURE,
    }
}

/// An extended number for `×` and `÷` corners: ±∞ or a decimal.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Ext {
    NegInf,
    Fin(Decimal),
    PosInf,
}

impl Ext {
    fn sign(self) -> i8 {
        match self {
            Ext::NegInf => -1,
            Ext::PosInf => 1,
            Ext::Fin(d) if d.is_zero() => 0,
            Ext::Fin(d) if d.is_sign_negative() => -1,
            Ext::Fin(_) => 1,
        }
    }

    fn inf(sign: i8) -> Ext {
        if sign < 0 { Ext::NegInf } else { Ext::PosInf }
    }

    fn cmp(self, o: Ext) -> Ordering {
        match (self, o) {
            (Ext::Fin(a), Ext::Fin(b)) => a.cmp(&b),
            (Ext::NegInf, Ext::NegInf) | (Ext::PosInf, Ext::PosInf) => Ordering::Equal,
            (Ext::NegInf, _) | (_, Ext::PosInf) => Ordering::Less,
            (Ext::PosInf, _) | (_, Ext::NegInf) => Ordering::Greater,
        }
    }
}

/// A numeric interval as extended numbers; `None` when an end is not a number.
fn ext(iv: &Iv) -> Option<(Ext, Ext)> {
    let lo = match &iv.lo {
        None => Ext::NegInf,
        Some(Val::Num(d)) => Ext::Fin(*d),
        Some(_) => return None,
    };
    let hi = match &iv.hi {
        None => Ext::PosInf,
        Some(Val::Num(d)) => Ext::Fin(*d),
        Some(_) => return None,
    };
    Some((lo, hi))
}

/// `x × y` or `x ÷ y` at one corner; `None` when it cannot be bounded (overflow, ∞ ÷ ∞).
fn corner(div: bool, x: Ext, y: Ext) -> Option<Ext> {
    match (x, y) {
        (Ext::Fin(a), Ext::Fin(b)) => {
            let op = if div { ArithOp::Div } else { ArithOp::Mul };
            match end2(eval::arith(op, &Val::Num(a), &Val::Num(b)))? {
                Val::Num(d) => Some(Ext::Fin(d)),
                _ => None,
            }
        }
        // A finite number over an unbounded divisor tends to 0, which bounds it.
        (Ext::Fin(_), _) if div => Some(Ext::Fin(Decimal::ZERO)),
        (_, _) if div && !matches!(y, Ext::Fin(_)) => None,
        (_, _) => {
            let s = x.sign() * y.sign();
            // 0 × ±∞ = 0 (R1).
            Some(if s == 0 {
                Ext::Fin(Decimal::ZERO)
            } else {
                Ext::inf(s)
            })
        }
    }
}

fn mul_div(div: bool, a: &Iv, b: &Iv) -> Iv {
    let (Some((al, ah)), Some((bl, bh))) = (ext(a), ext(b)) else {
        return Iv::UNSURE;
    };
    if div {
        // A divisor that may be zero decides nothing (R1).
        if bl.sign() <= 0 && bh.sign() >= 0 {
            return Iv::UNSURE;
        }
    }
    let mut corners = Vec::with_capacity(4);
    for x in [al, ah] {
        for y in [bl, bh] {
            match corner(div, x, y) {
                Some(c) => corners.push(c),
                None => return Iv::UNSURE,
            }
        }
    }
    let lo = corners.iter().copied().min_by(|p, q| p.cmp(*q));
    let hi = corners.iter().copied().max_by(|p, q| p.cmp(*q));
    let back = |e: Option<Ext>| match e {
        Some(Ext::Fin(d)) => Some(Val::Num(d)),
        _ => None,
    };
    // An end that came out on the wrong infinity (never for real intervals) is unbounded.
    Iv {
        lo: back(lo),
        hi: back(hi),
        err: false,
        long: false,
    }
}

/// Both ends through a monotone non-decreasing binary operation: `lo = f(a.lo, b.lo)`.
fn up2(a: &Iv, b: &Iv, f: &dyn Fn(&Val, &Val) -> Res) -> Iv {
    let end = |x: &Option<Val>, y: &Option<Val>| -> Result<Option<Val>, ()> {
        match (x, y) {
            (Some(x), Some(y)) => end2(f(x, y)).map(Some).ok_or(()),
            _ => Ok(None),
        }
    };
    match (end(&a.lo, &b.lo), end(&a.hi, &b.hi)) {
        (Ok(lo), Ok(hi)) => Iv {
            lo,
            hi,
            err: false,
            long: false,
        },
        _ => Iv::UNSURE,
    }
}

/// Non-decreasing in `a`, non-increasing in `b`: `lo = f(a.lo, b.hi)`.
fn up_down(a: &Iv, b: &Iv, f: &dyn Fn(&Val, &Val) -> Res) -> Iv {
    up2(
        a,
        &Iv {
            lo: b.hi.clone(),
            hi: b.lo.clone(),
            err: b.err,
            long: b.long,
        },
        f,
    )
}

fn pick(a: &Option<Val>, b: &Option<Val>, smaller: bool) -> Option<Val> {
    let (a, b) = (a.as_ref()?, b.as_ref()?);
    let a_first = le(a, b)?;
    Some(if a_first == smaller { a } else { b }.clone())
}

/// The smallest interval holding both.
fn hull(a: &Iv, b: &Iv) -> Iv {
    Iv {
        lo: pick(&a.lo, &b.lo, true),
        hi: pick(&a.hi, &b.hi, false),
        err: a.err || b.err,
        long: a.long || b.long,
    }
}

fn abs(a: &Iv) -> Iv {
    let Some((lo, hi)) = ext(a) else {
        return Iv::UNSURE;
    };
    let neg = |e: Ext| match e {
        Ext::Fin(d) => Ext::Fin(-d),
        Ext::NegInf => Ext::PosInf,
        Ext::PosInf => Ext::NegInf,
    };
    let (l, h) = if lo.sign() >= 0 {
        (lo, hi)
    } else if hi.sign() <= 0 {
        (neg(hi), neg(lo))
    } else {
        let m = if neg(lo).cmp(hi) == Ordering::Greater {
            neg(lo)
        } else {
            hi
        };
        (Ext::Fin(Decimal::ZERO), m)
    };
    let back = |e: Ext| match e {
        Ext::Fin(d) => Some(Val::Num(d)),
        _ => None,
    };
    Iv {
        lo: back(l),
        hi: back(h),
        err: false,
        long: false,
    }
}

/// The interval of node `id` at row `r`, from the frame and its children's intervals.
/// A table's interval (R2), from its rows' refined conditions and their values' intervals.
/// Hit first: the hull of the rows not definitely false up to the first definitely true one
/// (or `otherwise`); a table that may match no row may be an error. Collect sum and count:
/// definitely true rows add their value, undecided ones the hull of 0 and it. `hit unique`,
/// `collect min`/`max`: nothing is decided.
fn table_interval(
    g: &Graph,
    f: &Frame,
    at: &dyn Fn(NodeId) -> Iv,
    t: u32,
    r: usize,
    as_of: i32,
) -> Iv {
    let Some(rows) = g.tables.get(t as usize).and_then(|tab| {
        let v = eval::version_at(g, t, as_of)?;
        Some((tab.hit, &tab.versions.get(v)?.rows))
    }) else {
        return Iv::UNSURE;
    };
    let (hit, rows) = rows;
    let truth =
        |row: &crate::graph::RowG| row.cond.map_or(Val::Bool(true), |c| f.value(c, r).clone());
    match hit {
        Hit::First => {
            let mut acc: Option<Iv> = None;
            for row in rows {
                let v = at(row.value);
                // A condition that may still fail (`x / y > 1` with y unknown) may make the
                // table an error.
                if truth(row) == Val::Unknown
                    && row.cond.is_some_and(|c| !settles_cleanly(g, f, at, c, r))
                {
                    return Iv::UNSURE;
                }
                match truth(row) {
                    Val::Bool(false) => {}
                    Val::Bool(true) => return acc.map_or(v.clone(), |a| hull(&a, &v)),
                    Val::Err(_) => return Iv::UNSURE,
                    _ => acc = Some(acc.map_or(v.clone(), |a| hull(&a, &v))),
                }
            }
            // No row is sure to match: the table may match none (an error).
            Iv::UNSURE
        }
        Hit::Sum | Hit::Count => {
            let zero = Iv::point(&Val::Num(Decimal::ZERO));
            let mut acc = zero.clone();
            // `otherwise` applies only when no other row matches: a count ignores it; a sum
            // is its value then (so with no row sure to match, either may be the result).
            let mut sure_match = false;
            let mut otherwise: Option<Iv> = None;
            for row in rows {
                if row.cond.is_none() {
                    if hit == Hit::Sum {
                        otherwise = Some(at(row.value));
                    }
                    continue;
                }
                let v = if hit == Hit::Count {
                    Iv::point(&Val::Num(Decimal::ONE))
                } else {
                    at(row.value)
                };
                if truth(row) == Val::Unknown
                    && row.cond.is_some_and(|c| !settles_cleanly(g, f, at, c, r))
                {
                    return Iv::UNSURE;
                }
                let add = match truth(row) {
                    Val::Bool(false) => continue,
                    Val::Bool(true) => {
                        sure_match = true;
                        v
                    }
                    Val::Err(_) => return Iv::UNSURE,
                    _ => hull(&zero, &v),
                };
                acc = up2(&acc, &add, &|x, y| eval::arith(ArithOp::Add, x, y));
            }
            match otherwise {
                Some(o) if !sure_match => hull(&acc, &o),
                _ => acc,
            }
        }
        Hit::Unique | Hit::Min | Hit::Max => Iv::UNSURE,
    }
}

/// `D[k].c` with `k` unknown (R2): when an enum keys D and every value has a row with a
/// value in column `c`, the hull of the column over those rows (their number is the enum's).
/// Otherwise the lookup may stay unknown whatever the facts (a key without a row, an empty
/// cell), which is not a number at all: nothing may be decided from it.
fn lookup_interval(g: &Graph, d: u32, col: u32) -> Iv {
    let Some(dir) = g.directories.get(d as usize) else {
        return Iv::UNSURE;
    };
    if !matches!(dir.key_ty, crate::types::Type::Enum(_))
        || dir.variants.is_empty()
        || dir.variants.contains(&u32::MAX)
    {
        return Iv::UNSURE;
    }
    let mut acc: Option<Iv> = None;
    for &row in &dir.variants {
        let v = match dir.cell(row, col) {
            Some(c) => Iv::point(&c.to_val()),
            None => return Iv::UNSURE,
        };
        if v.is_any() {
            return Iv::UNSURE;
        }
        acc = Some(acc.map_or(v.clone(), |a| hull(&a, &v)));
    }
    acc.unwrap_or(Iv::UNSURE)
}

/// `count` and `sum` over a list (R2), from the items' filters and values as evaluated:
/// an item whose filter is true adds its value, one whose filter is undecided adds the hull
/// of 0 and its value; over an absent list, `count` is 0 or more. An unknown value, an
/// error, `min`, `max`, `any` and `all` decide nothing here (the evaluator's own rules
/// already decide what they can).
/// Whether row-scope node `n`, undecided at row `r`, cannot turn out an evaluation error once
/// its facts are known: everything below it is known, or logic and comparisons, or
/// arithmetic whose interval is bounded and error-free (its ends computed without overflow
/// or a possible zero divisor, so no value inside fails either).
fn settles_cleanly(g: &Graph, f: &Frame, at: &dyn Fn(NodeId) -> Iv, n: NodeId, r: usize) -> bool {
    let mut stack = vec![n];
    let mut seen = 0usize;
    while let Some(id) = stack.pop() {
        seen += 1;
        if seen > 256 {
            return false;
        }
        let v = f.value(id, r);
        if v.is_known() {
            continue;
        }
        if matches!(v, Val::Err(_)) {
            return false;
        }
        let Some(node) = g.nodes.get(id as usize) else {
            return false;
        };
        let iv = at(id);
        let ok = match node.op {
            Op::Fact(_) | Op::Not(_) | Op::And(_) | Op::Or(_) | Op::Cmp(..) | Op::If(..) => true,
            Op::Arith(..)
            | Op::Neg(_)
            | Op::Abs(_)
            | Op::Round { .. }
            | Op::MinMax { .. }
            | Op::DateShift { .. }
            | Op::DaysArith { .. }
            | Op::DateDiff(..)
            | Op::YearsBetween(..)
            | Op::MonthsBetween(..) => !iv.err && iv.lo.is_some() && iv.hi.is_some(),
            _ => false,
        };
        if !ok {
            return false;
        }
        stack.extend(g.children(&node.op));
    }
    true
}

/// Whether node `n` can never be an evaluation error: it and everything below it are facts,
/// constants, logic, comparisons and membership tests (no arithmetic, which may divide by
/// zero or overflow; no tables, lookups of values, aggregates or params).
fn cannot_fail(g: &Graph, n: NodeId) -> bool {
    let mut stack = vec![n];
    let mut seen = 0usize;
    while let Some(id) = stack.pop() {
        seen += 1;
        let Some(node) = g.nodes.get(id as usize) else {
            return false;
        };
        let ok = matches!(
            node.op,
            Op::Const(_)
                | Op::Fact(_)
                | Op::ItemFact { .. }
                | Op::AsOf
                | Op::Broadcast(_)
                | Op::Not(_)
                | Op::And(_)
                | Op::Or(_)
                | Op::Cmp(..)
                | Op::InSet(..)
                | Op::DirHas(..)
                | Op::Within(..)
                | Op::WithinDir(..)
        );
        // Bounded: a filter is small; a huge one is simply not reasoned about.
        if !ok || seen > 256 {
            return false;
        }
        stack.extend(g.children(&node.op));
    }
    true
}

fn aggregate_interval(
    g: &Graph,
    f: &Frame,
    kind: AggKind,
    list: u32,
    filter: Option<NodeId>,
    value: Option<NodeId>,
    r: usize,
) -> Iv {
    let zero = Iv::point(&Val::Num(Decimal::ZERO));
    let present = f
        .list_present
        .get(list as usize)
        .and_then(|p| p.get(r))
        .copied()
        .unwrap_or(false);
    if !present {
        // Items still to come could make a filter that may fail an error.
        return match kind {
            AggKind::Count if filter.is_none_or(|fl| cannot_fail(g, fl)) => Iv {
                lo: Some(Val::Num(Decimal::ZERO)),
                ..Iv::ANY
            },
            _ => Iv::UNSURE,
        };
    }
    if matches!(kind, AggKind::Min | AggKind::Max) {
        return extreme_interval(g, f, kind == AggKind::Max, list, filter, value, r);
    }
    if !matches!(kind, AggKind::Count | AggKind::Sum) {
        return Iv::UNSURE;
    }
    // An undecided filter counts as "maybe" only if it cannot turn out an error (a division,
    // an overflow) once its facts are known: that would make the aggregate an error.
    let mut safe: Option<bool> = None;
    let mut acc = zero.clone();
    for j in f.items(list, r) {
        let sure = match filter.map_or(Val::Bool(true), |fl| f.value(fl, j).clone()) {
            Val::Bool(true) => true,
            Val::Bool(false) => continue,
            Val::Unknown => {
                let ok = *safe.get_or_insert_with(|| filter.is_some_and(|fl| cannot_fail(g, fl)));
                if !ok {
                    return Iv::UNSURE;
                }
                false
            }
            _ => return Iv::UNSURE,
        };
        let v = match (kind, value) {
            (AggKind::Count, _) => Iv::point(&Val::Num(Decimal::ONE)),
            (_, Some(v)) => match f.value(v, j) {
                x @ Val::Num(_) => Iv::point(x),
                _ => return Iv::UNSURE,
            },
            (_, None) => return Iv::UNSURE,
        };
        let add = if sure { v } else { hull(&zero, &v) };
        acc = up2(&acc, &add, &|x, y| eval::arith(ArithOp::Add, x, y));
    }
    acc
}

/// `min`/`max` over a given list (R2): with at least one item sure to pass its filter, the
/// extreme lies between the sure items' extreme and the extreme of the sure and undecided
/// items together; with none sure, the filtered list may be empty (an error), and nothing
/// is decided. Every value involved must be known.
fn extreme_interval(
    g: &Graph,
    f: &Frame,
    max: bool,
    list: u32,
    filter: Option<NodeId>,
    value: Option<NodeId>,
    r: usize,
) -> Iv {
    let Some(value) = value else {
        return Iv::UNSURE;
    };
    let better = |a: Option<Val>, b: &Val| -> Option<Option<Val>> {
        Some(Some(match a {
            None => b.clone(),
            Some(a) => pick(&Some(a), &Some(b.clone()), !max)?,
        }))
    };
    let (mut sure, mut all): (Option<Val>, Option<Val>) = (None, None);
    let mut safe: Option<bool> = None;
    for j in f.items(list, r) {
        let is_sure = match filter.map_or(Val::Bool(true), |fl| f.value(fl, j).clone()) {
            Val::Bool(true) => true,
            Val::Bool(false) => continue,
            Val::Unknown => {
                if !*safe.get_or_insert_with(|| filter.is_some_and(|fl| cannot_fail(g, fl))) {
                    return Iv::UNSURE;
                }
                false
            }
            _ => return Iv::UNSURE,
        };
        let v = f.value(value, j);
        if !matches!(v, Val::Num(_) | Val::Date(_)) {
            return Iv::UNSURE;
        }
        let Some(a) = better(all.take(), v) else {
            return Iv::UNSURE;
        };
        all = a;
        if is_sure {
            let Some(s) = better(sure.take(), v) else {
                return Iv::UNSURE;
            };
            sure = s;
        }
    }
    match (sure, all) {
        (Some(s), Some(a)) if max => Iv {
            lo: Some(s),
            hi: Some(a),
            err: false,
            long: false,
        },
        (Some(s), Some(a)) => Iv {
            lo: Some(a),
            hi: Some(s),
            err: false,
            long: false,
        },
        _ => Iv::UNSURE,
    }
}

#[allow(clippy::too_many_arguments)]
fn interval(
    g: &Graph,
    f: &Frame,
    ranges: &[Option<Iv>],
    ivs: &[Iv],
    id: NodeId,
    r: usize,
    as_of: i32,
) -> Iv {
    let v = f.value(id, r);
    if v.is_known() {
        return Iv::point(v);
    }
    if matches!(v, Val::Err(_)) {
        return Iv::UNSURE;
    }
    let at = |n: NodeId| ivs.get(n as usize).cloned().unwrap_or(Iv::UNSURE);
    let Some(node) = g.nodes.get(id as usize) else {
        return Iv::UNSURE;
    };
    // What may be an error below may be one here.
    let kids_err = g
        .children(&node.op)
        .iter()
        .any(|c| ivs.get(*c as usize).is_none_or(|i| i.err));
    let mut iv = match &node.op {
        Op::Fact(slot) => ranges
            .get(*slot as usize)
            .and_then(Clone::clone)
            .unwrap_or_default(),
        Op::Arith(op, a, b) => {
            let (a, b) = (at(*a), at(*b));
            let points = a.is_point() && b.is_point();
            if !points && *op != ArithOp::Div && (a.is_long() || b.is_long()) {
                return Iv::UNSURE;
            }
            let mut r = match op {
                ArithOp::Add => up2(&a, &b, &|x, y| eval::arith(ArithOp::Add, x, y)),
                ArithOp::Sub => up_down(&a, &b, &|x, y| eval::arith(ArithOp::Sub, x, y)),
                ArithOp::Mul => mul_div(false, &a, &b),
                ArithOp::Div => mul_div(true, &a, &b),
            };
            r.long = *op == ArithOp::Div && !points;
            r
        }
        Op::Neg(a) => map1(&at(*a), true, &eval::neg),
        Op::Abs(a) => abs(&at(*a)),
        Op::InForce { x, .. } => at(*x),
        Op::MinMax { max, args } => {
            let mut it = g.args(*args).iter().map(|c| at(*c));
            let Some(first) = it.next() else {
                return Iv::UNSURE;
            };
            // An unbounded end is −∞ for `lo` and +∞ for `hi`: it wins `min` of the lows
            // and `max` of the highs, and loses the other two.
            let wins = |a: &Option<Val>, b: &Option<Val>, smaller: bool| match (a, b) {
                (Some(_), Some(_)) => pick(a, b, smaller),
                _ => None,
            };
            let loses = |a: &Option<Val>, b: &Option<Val>, smaller: bool| match (a, b) {
                (Some(_), Some(_)) => pick(a, b, smaller),
                (Some(x), None) | (None, Some(x)) => Some(x.clone()),
                (None, None) => None,
            };
            it.fold(first, |acc, x| {
                if *max {
                    Iv {
                        lo: loses(&acc.lo, &x.lo, false),
                        hi: wins(&acc.hi, &x.hi, false),
                        err: false,
                        long: false,
                    }
                } else {
                    Iv {
                        lo: wins(&acc.lo, &x.lo, true),
                        hi: loses(&acc.hi, &x.hi, true),
                        err: false,
                        long: false,
                    }
                }
            })
        }
        Op::Round { x, places, mode } => map1(&at(*x), false, &|v| eval::round(v, *places, *mode)),
        Op::If(c, a, b) => match f.value(*c, r) {
            Val::Bool(true) => at(*a),
            Val::Bool(false) => at(*b),
            _ => hull(&at(*a), &at(*b)),
        },
        Op::DateShift { date, by, negate } => {
            let by = f.value(*by, r);
            if by.is_known() {
                map1(&at(*date), false, &|v| eval::date_shift(v, by, *negate))
            } else {
                Iv::ANY
            }
        }
        Op::DateDiff(a, b) => up_down(&at(*a), &at(*b), &|x, y| Res::V(eval::date_diff(x, y))),
        Op::DaysArith { sub, a, b } => {
            let (a, b) = (at(*a), at(*b));
            if *sub {
                up_down(&a, &b, &|x, y| eval::days_arith(true, x, y))
            } else {
                up2(&a, &b, &|x, y| eval::days_arith(false, x, y))
            }
        }
        // Whole years (months) from a to b: non-increasing in a, non-decreasing in b.
        Op::YearsBetween(a, b) | Op::MonthsBetween(a, b) => {
            let years = matches!(node.op, Op::YearsBetween(..));
            up_down(&at(*b), &at(*a), &|y, x| Res::V(eval::between(x, y, years)))
        }
        Op::Table(t) => table_interval(g, f, &at, *t, r, as_of),
        Op::DirGet(d, k, col) if *f.value(*k, r) == Val::Unknown => lookup_interval(g, *d, *col),
        // A known key without a row (or an empty cell) is unknown for good.
        Op::DirGet(..) => Iv::UNSURE,
        Op::Agg {
            kind,
            list,
            filter,
            value,
        } => aggregate_interval(g, f, *kind, *list, *filter, *value, r),
        _ => Iv::ANY,
    };
    iv.err |= kids_err;
    // A long fraction survives everything but rounding.
    if !matches!(node.op, Op::Round { .. }) {
        iv.long |= g
            .children(&node.op)
            .iter()
            .any(|c| ivs.get(*c as usize).is_some_and(|i| i.long));
    }
    iv
}

/// Re-evaluates node `id` at row `r` from the (refined) frame with the evaluator's own
/// kernels; `Some` when it is now known without a new error.
fn again(g: &Graph, f: &Frame, row: &[Val], id: NodeId, r: usize, as_of: i32) -> Option<Val> {
    let node = g.nodes.get(id as usize)?;
    let v = match &node.op {
        Op::Table(t) => {
            let tab = g.tables.get(*t as usize)?;
            let version = eval::version_at(g, *t, as_of)?;
            let rows = &tab.versions.get(version)?.rows;
            match eval::table_at(f, tab.hit, rows, r) {
                Res::V(v) => v,
                Res::E(_) => return None,
            }
        }
        op => {
            let mut errors = Vec::new();
            let v = eval::scalar(g, id, op, eval::in_slice(row), as_of, &mut errors)?;
            if !errors.is_empty() {
                return None;
            }
            v
        }
    };
    v.is_known().then_some(v)
}

/// Refines every row of `f` that left a reported line unknown (see the module docs).
/// `ranges` holds, per fact slot, the interval of its declared range; `order` the row-scope
/// nodes a decision reads, children first; `watch` the nodes whose unknown value makes a
/// row worth refining (conditions, guards, amounts).
pub(crate) fn refine(
    g: &Graph,
    f: &mut Frame,
    ranges: &[Option<Iv>],
    order: &[NodeId],
    watch: &[NodeId],
    rows: usize,
    as_of: i32,
) {
    let mut ivs = vec![Iv::ANY; g.nodes.len()];
    // The row's values by node id (row-scope nodes; the rest unknown), kept in step with
    // the frame, for the evaluator's kernels.
    let mut row = vec![Val::Unknown; g.nodes.len()];
    for r in 0..rows {
        if !watch.iter().any(|&w| *f.value(w, r) == Val::Unknown) {
            continue;
        }
        for &id in order {
            if let Some(slot) = row.get_mut(id as usize) {
                *slot = f.value(id, r).clone();
            }
        }
        for &id in order {
            let Some(node) = g.nodes.get(id as usize) else {
                continue;
            };
            if node.scope != ROW {
                continue;
            }
            let v = f.value(id, r);
            if v.is_known() {
                if let Some(s) = ivs.get_mut(id as usize) {
                    *s = Iv::point(v);
                }
                continue;
            }
            let is_unknown = *v == Val::Unknown;
            // First the evaluator itself on the refined operands (a decided condition makes
            // an `and`, an `if` or a table known); then, for a comparison, the intervals.
            let decided = match &node.op {
                // An error stays (only `and`/`or` may still decide past one).
                _ if !is_unknown && !matches!(node.op, Op::And(_) | Op::Or(_)) => None,
                Op::Fact(_) | Op::Const(_) | Op::Param(_) | Op::AsOf => None,
                Op::Cmp(op, a, b) => again(g, f, &row, id, r, as_of).or_else(|| {
                    let (a, b) = (
                        ivs.get(*a as usize).cloned().unwrap_or_default(),
                        ivs.get(*b as usize).cloned().unwrap_or_default(),
                    );
                    if a.is_any() && b.is_any() {
                        None
                    } else {
                        decide(*op, &a, &b).map(Val::Bool)
                    }
                }),
                _ => again(g, f, &row, id, r, as_of),
            };
            if let Some(val) = decided {
                if let Some(slot) = row.get_mut(id as usize) {
                    *slot = val.clone();
                }
                f.set(id, r, val);
            }
            let iv = interval(g, f, ranges, &ivs, id, r, as_of);
            // A single decision keeps the bounds of what stayed unknown, for its explanation.
            if rows == 1 && !iv.is_any() && *f.value(id, r) == Val::Unknown {
                f.bounds.push((id, iv.clone()));
            }
            if let Some(s) = ivs.get_mut(id as usize) {
                *s = iv;
            }
        }
    }
}
