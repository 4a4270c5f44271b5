//! Decision tables: typing, and the row analysis that finds rows that can never be chosen
//! and rows of a `unique` table that overlap.
//!
//! A row condition that is a conjunction of comparisons between one expression and a
//! literal (`sales < 5000万 and size == small`) is turned into a box: for each expression,
//! an interval (numbers, dates) or a set of allowed values. Boxes decide containment and
//! overlap exactly; rows with any other kind of condition are not analysed (a `unique`
//! conflict among them is reported at evaluation instead).

use std::collections::{BTreeMap, BTreeSet};

use clausula_dsl::ast::{self, HitPolicy};
use clausula_dsl::{Diagnostic, FileId, Span};
use rust_decimal::Decimal;

use super::Env;
use super::expr::{Cx, describe};
use crate::codes;
use crate::ir::*;
use crate::types::Type;
use crate::value::Const;

pub(super) fn check_table(
    env: &Env,
    t: &ast::TableDecl,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
    frame: Option<&super::functions::Frame>,
) -> TableDef {
    let hit = match t.hit {
        HitPolicy::First => Hit::First,
        HitPolicy::Unique => Hit::Unique,
        HitPolicy::Collect(ast::CollectAgg::Sum) => Hit::Sum,
        HitPolicy::Collect(ast::CollectAgg::Min) => Hit::Min,
        HitPolicy::Collect(ast::CollectAgg::Max) => Hit::Max,
        HitPolicy::Collect(ast::CollectAgg::Count) => Hit::Count,
    };
    let versions_ast: Vec<(Option<&ast::TableVersion>, &[ast::TableRow])> = match &t.body {
        ast::TableBody::Rows(rows) => vec![(None, rows.as_slice())],
        ast::TableBody::Versions(vs) => vs.iter().map(|v| (Some(v), v.rows.as_slice())).collect(),
    };
    let mut ty: Option<Type> = None;
    let mut first_value: Option<Span> = None;
    let mut versions = Vec::new();
    let mut prev_from: Option<(i32, Span)> = None;
    for (version, rows) in versions_ast {
        let from = version.map(|v| crate::value::days_from_date(v.from.value));
        if let (Some(v), Some(day)) = (version, from) {
            if let Some((pd, ps)) = prev_from
                && day <= pd
            {
                diags.push(
                    Diagnostic::error(
                        codes::DATE_ORDER,
                        v.from.span,
                        "versions must be in increasing date order",
                    )
                    .in_file(file)
                    .with_label(ps, "previous version"),
                );
            }
            prev_from = Some((day, v.from.span));
        }
        let mut out_rows = Vec::new();
        for row in rows {
            let mut cx = Cx::new(env, file, Scope::Row, diags).in_function(frame.cloned());
            let cond = row
                .condition
                .as_ref()
                .map(|c| cx.expect_bool(c, "a row condition"));
            let value = cx.expr(&row.value, ty.filter(|t| matches!(t, Type::Enum(_))));
            match ty {
                None => {
                    ty = Some(value.ty);
                    first_value = Some(row.value.span);
                }
                Some(prev) => match Type::unify(prev, value.ty) {
                    Some(u) => ty = Some(u),
                    None => {
                        let mut d = Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            row.value.span,
                            format!(
                                "rows of table `{}` give different types: {} and {}",
                                t.name.name,
                                describe(env, prev),
                                describe(env, value.ty)
                            ),
                        )
                        .in_file(file);
                        if let Some(s) = first_value {
                            d = d.with_label(s, "the first row's value");
                        }
                        diags.push(d);
                        ty = Some(Type::Error);
                    }
                },
            }
            out_rows.push((cond, value, row.span, row.condition.is_none()));
        }
        analyse(env, hit, &t.name.name, &out_rows, file, diags);
        versions.push(TableVersion {
            from,
            cite: version
                .and_then(|v| v.cite.as_ref())
                .map(|c| c.value.clone()),
            rows: out_rows
                .into_iter()
                .map(|(cond, value, _, _)| TableRow { cond, value })
                .collect(),
        });
    }
    let mut ty = ty.unwrap_or(Type::Error);
    match hit {
        Hit::Count => ty = Type::Int,
        Hit::Sum | Hit::Min | Hit::Max if !(ty.is_numeric() || ty == Type::Error) => {
            diags.push(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    t.name.span,
                    format!(
                        "`hit collect` needs numeric row values, these are {}",
                        describe(env, ty)
                    ),
                )
                .in_file(file),
            );
            ty = Type::Error;
        }
        _ => {}
    }
    TableDef {
        name: t.name.name.clone(),
        label: t.label.as_ref().map(|l| l.value.clone()),
        hit,
        ty,
        versions,
        call: None,
    }
}

/// Most pairs of rows compared in one table version. Tables small enough to be written by
/// hand are analysed completely; past this, the remaining pairs are not compared (a `unique`
/// conflict among them is still reported at evaluation as `eval/unique-conflict`), so that
/// compiling stays linear in the policy's size. One-dimensional `unique` tables (every row
/// bounds the same expression) are analysed completely at any size by sorting.
const MAX_ROW_PAIRS: usize = 200_000;

#[derive(Clone, Debug, PartialEq)]
struct Bound {
    at: Decimal,
    inclusive: bool,
}

/// What a row allows for one axis.
#[derive(Clone, Debug, PartialEq)]
enum Domain {
    Interval {
        lo: Option<Bound>,
        hi: Option<Bound>,
    },
    Only(BTreeSet<String>),
    Except(BTreeSet<String>),
}

/// An axis of the row boxes: a linear form over atoms (`a.x + 2 * a.y`, normalised so its
/// first coefficient is 1) or a non-numeric expression (a code, an enum, a bool).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Axis {
    key: String,
}

/// What is known of the atoms an axis reads: whether its values are whole numbers, and which
/// atoms it reads (for independence between axes).
#[derive(Clone, Debug)]
struct AxisInfo {
    atoms: Vec<String>,
    /// Some atom is derived (a rule, a table, a directory column): it may depend on the atoms
    /// of any other axis.
    derived: bool,
}

#[derive(Clone, Debug, Default)]
struct RowBox {
    axes: BTreeMap<Axis, Domain>,
}

/// Every axis seen in a table, with its atoms.
type Axes = BTreeMap<Axis, AxisInfo>;

/// `Σ coefficient × atom + constant`, exactly.
#[derive(Clone, Debug, Default)]
struct Linear {
    terms: BTreeMap<String, Decimal>,
    constant: Decimal,
    /// Every atom is whole-valued (an int fact, a date, a day count).
    integral: bool,
    derived: bool,
}

/// An atom of a linear form or a discrete axis: a fact, `as_of`, a param (a constant at any
/// date), or a derived value (rule, table, directory column).
fn atom(e: &TExpr) -> Option<(String, bool)> {
    match &e.kind {
        TKind::Fact { entity, field } => Some((format!("f{entity}.{field}"), false)),
        TKind::AsOf => Some(("as_of".to_string(), false)),
        TKind::Param(p) => Some((format!("p{p}"), false)),
        TKind::Rule(r) => Some((format!("r{r}"), true)),
        TKind::Table(t) => Some((format!("t{t}"), true)),
        TKind::DirGet(d, k, c) => {
            let (k, _) = atom(k)?;
            Some((format!("d{d}[{k}].{c}"), true))
        }
        _ => None,
    }
}

fn whole_type(ty: Type) -> bool {
    matches!(ty, Type::Int | Type::Date | Type::Days)
}

/// The exact linear form of a numeric or date expression, if it has one.
fn linear(e: &TExpr) -> Option<Linear> {
    let scaled = |mut l: Linear, by: Decimal| -> Option<Linear> {
        for c in l.terms.values_mut() {
            *c = c.checked_mul(by)?;
        }
        l.constant = l.constant.checked_mul(by)?;
        l.terms.retain(|_, c| !c.is_zero());
        Some(l)
    };
    let sum = |a: Linear, b: Linear| -> Option<Linear> {
        let mut out = a;
        for (k, c) in b.terms {
            let slot = out.terms.entry(k).or_insert(Decimal::ZERO);
            *slot = slot.checked_add(c)?;
        }
        out.terms.retain(|_, c| !c.is_zero());
        out.constant = out.constant.checked_add(b.constant)?;
        out.integral &= b.integral;
        out.derived |= b.derived;
        Some(out)
    };
    match &e.kind {
        TKind::Const(c) => {
            let (v, integral) = match c {
                Const::Num(d) => (*d, d.fract().is_zero()),
                Const::Date(d) => (Decimal::from(*d), true),
                Const::Days(d) => (Decimal::from(*d), true),
                _ => return None,
            };
            Some(Linear {
                terms: BTreeMap::new(),
                constant: v,
                integral,
                derived: false,
            })
        }
        TKind::Neg(x) => scaled(linear(x)?, Decimal::NEGATIVE_ONE),
        TKind::Arith(op, a, b) => {
            let (la, lb) = (linear(a)?, linear(b)?);
            match op {
                ArithOp::Add => sum(la, lb),
                ArithOp::Sub => sum(la, scaled(lb, Decimal::NEGATIVE_ONE)?),
                ArithOp::Mul if la.terms.is_empty() => {
                    let integral = lb.integral && la.constant.fract().is_zero();
                    scaled(lb, la.constant).map(|l| Linear { integral, ..l })
                }
                ArithOp::Mul if lb.terms.is_empty() => {
                    let integral = la.integral && lb.constant.fract().is_zero();
                    scaled(la, lb.constant).map(|l| Linear { integral, ..l })
                }
                // Division by a constant only when every coefficient divides exactly.
                ArithOp::Div if lb.terms.is_empty() && !lb.constant.is_zero() => {
                    let d = lb.constant;
                    let mut out = la;
                    for c in out.terms.values_mut() {
                        *c = exact_div(*c, d)?;
                    }
                    out.constant = exact_div(out.constant, d)?;
                    out.integral = out.integral
                        && out.terms.values().all(|c| c.fract().is_zero())
                        && out.constant.fract().is_zero();
                    Some(out)
                }
                _ => None,
            }
        }
        TKind::DateDiff(a, b) | TKind::DaysArith { sub: true, a, b } => {
            sum(linear(a)?, scaled(linear(b)?, Decimal::NEGATIVE_ONE)?)
        }
        TKind::DaysArith { sub: false, a, b } => sum(linear(a)?, linear(b)?),
        _ => {
            let (name, derived) = atom(e)?;
            Some(Linear {
                terms: [(name, Decimal::ONE)].into(),
                constant: Decimal::ZERO,
                integral: whole_type(e.ty),
                derived,
            })
        }
    }
}

/// `a / b` when it is exact (the quotient times `b` gives `a` back), else `None`.
fn exact_div(a: Decimal, b: Decimal) -> Option<Decimal> {
    let q = a.checked_div(b)?;
    (q.checked_mul(b)? == a).then_some(q)
}

fn discrete(c: &Const) -> Option<String> {
    match c {
        Const::Bool(b) => Some(format!("b:{b}")),
        Const::Str(s) => Some(format!("s:{s}")),
        Const::Enum(e) => Some(format!("e:{e}")),
        _ => None,
    }
}

fn interval(lo: Option<Bound>, hi: Option<Bound>) -> Domain {
    Domain::Interval { lo, hi }
}

fn inclusive(at: Decimal) -> Option<Bound> {
    Some(Bound {
        at,
        inclusive: true,
    })
}

/// `form op 0` for a linear form: the axis and what it allows, or `None` when it cannot
/// be analysed (`!=` on numbers, an inexact normalisation). A form with no atoms is decided
/// at once: an empty domain when false, no constraint when true.
fn numeric_atom(l: Linear, op: CmpOp) -> Option<Option<(Axis, AxisInfo, Domain)>> {
    if op == CmpOp::Ne {
        return None;
    }
    let Some((_, &lead)) = l.terms.iter().next() else {
        let z = l.constant;
        let holds = match op {
            CmpOp::Eq => z.is_zero(),
            CmpOp::Lt => z < Decimal::ZERO,
            CmpOp::Le => z <= Decimal::ZERO,
            CmpOp::Gt => z > Decimal::ZERO,
            CmpOp::Ge => z >= Decimal::ZERO,
            CmpOp::Ne => !z.is_zero(),
        };
        return Some(if holds {
            None
        } else {
            Some((
                Axis { key: String::new() },
                AxisInfo {
                    atoms: Vec::new(),
                    derived: false,
                },
                Domain::Only(BTreeSet::new()),
            ))
        });
    };
    // Divide by the first coefficient: `c·x + k op 0` → `x + (k/c) op' 0`.
    let op = if lead < Decimal::ZERO {
        op.flipped()
    } else {
        op
    };
    let mut key = String::new();
    let mut integral = l.integral;
    for (name, c) in &l.terms {
        let n = exact_div(*c, lead)?.normalize();
        integral &= n.fract().is_zero();
        key.push_str(&format!("{n}·{name}+"));
    }
    let bound = (-exact_div(l.constant, lead)?).normalize();
    // Over whole numbers a strict or fractional bound tightens to the next whole number.
    let domain = if integral {
        let (floor, ceil) = (bound.floor(), bound.ceil());
        match op {
            CmpOp::Eq if !bound.fract().is_zero() => Domain::Only(BTreeSet::new()),
            CmpOp::Eq => interval(inclusive(bound), inclusive(bound)),
            CmpOp::Lt => interval(None, inclusive(ceil.checked_sub(Decimal::ONE)?)),
            CmpOp::Le => interval(None, inclusive(floor)),
            CmpOp::Gt => interval(inclusive(floor.checked_add(Decimal::ONE)?), None),
            CmpOp::Ge => interval(inclusive(ceil), None),
            CmpOp::Ne => return None,
        }
    } else {
        let b = |inclusive| {
            Some(Bound {
                at: bound,
                inclusive,
            })
        };
        match op {
            CmpOp::Eq => interval(b(true), b(true)),
            CmpOp::Lt => interval(None, b(false)),
            CmpOp::Le => interval(None, b(true)),
            CmpOp::Gt => interval(b(false), None),
            CmpOp::Ge => interval(b(true), None),
            CmpOp::Ne => return None,
        }
    };
    let info = AxisInfo {
        atoms: l.terms.keys().cloned().collect(),
        derived: l.derived,
    };
    Some(Some((Axis { key }, info, domain)))
}

/// A non-numeric axis (`e.size`, `p.code`, a bool rule) and its value set for `op value`.
fn discrete_atom(x: &TExpr, op: CmpOp, c: &Const) -> Option<(Axis, AxisInfo, Domain)> {
    let (name, derived) = atom(x)?;
    let v = discrete(c)?;
    let domain = match op {
        CmpOp::Eq => Domain::Only([v].into()),
        CmpOp::Ne => Domain::Except([v].into()),
        _ => return None,
    };
    Some((
        Axis { key: name.clone() },
        AxisInfo {
            atoms: vec![name],
            derived,
        },
        domain,
    ))
}

/// The box of a condition, if it is a conjunction of analysable comparisons. Axes seen are
/// added to `axes`.
fn row_box(env: &Env, e: &TExpr, axes: &mut Axes) -> Option<RowBox> {
    let mut out = RowBox::default();
    let mut stack = vec![(e, false)];
    while let Some((e, negated)) = stack.pop() {
        let found = match &e.kind {
            TKind::And(a, b) if !negated => {
                stack.push((a, false));
                stack.push((b, false));
                continue;
            }
            TKind::Or(a, b) if negated => {
                stack.push((a, true));
                stack.push((b, true));
                continue;
            }
            TKind::Not(x) => {
                stack.push((x, !negated));
                continue;
            }
            TKind::Const(Const::Bool(b)) => {
                if *b == negated {
                    // `false`: nothing matches.
                    return Some(empty_box());
                }
                continue;
            }
            TKind::Cmp(op, a, b) => {
                let op = if negated { op.negated() } else { *op };
                let numeric = a.ty.is_numeric() || whole_type(a.ty) || a.ty == Type::Date;
                if numeric {
                    let mut minus_b = linear(b)?;
                    for c in minus_b.terms.values_mut() {
                        *c = -*c;
                    }
                    minus_b.constant = -minus_b.constant;
                    let la = linear(a)?;
                    let mut form = la.clone();
                    for (k, c) in minus_b.terms {
                        let slot = form.terms.entry(k).or_insert(Decimal::ZERO);
                        *slot = slot.checked_add(c)?;
                    }
                    form.terms.retain(|_, c| !c.is_zero());
                    form.constant = form.constant.checked_add(minus_b.constant)?;
                    form.integral = la.integral && minus_b.integral;
                    form.derived = la.derived || minus_b.derived;
                    match numeric_atom(form, op)? {
                        Some(x) => x,
                        None => continue,
                    }
                } else {
                    match (&a.kind, &b.kind) {
                        (_, TKind::Const(c)) => discrete_atom(a, op, c)?,
                        (TKind::Const(c), _) => discrete_atom(b, op.flipped(), c)?,
                        _ => return None,
                    }
                }
            }
            TKind::InList(x, items) if !negated => {
                let mut set = BTreeSet::new();
                for i in items {
                    match &i.kind {
                        TKind::Const(c) => set.insert(discrete(c)?),
                        _ => return None,
                    };
                }
                let (name, derived) = atom(x)?;
                (
                    Axis { key: name.clone() },
                    AxisInfo {
                        atoms: vec![name],
                        derived,
                    },
                    Domain::Only(set),
                )
            }
            _ if e.ty == Type::Bool => {
                let (name, derived) = atom(e)?;
                (
                    Axis { key: name.clone() },
                    AxisInfo {
                        atoms: vec![name],
                        derived,
                    },
                    Domain::Only([format!("b:{}", !negated)].into()),
                )
            }
            _ => return None,
        };
        let (axis, info, d) = found;
        let d = closed_enum(env, e, d);
        axes.entry(axis.clone()).or_insert(info);
        let merged = match out.axes.remove(&axis) {
            Some(prev) => intersect(&prev, &d)?,
            None => d,
        };
        out.axes.insert(axis, merged);
    }
    Some(out)
}

/// An enum's `Except` set as the `Only` set of the values left (enums are finite, so
/// `!= a and != b` over an enum of {a, b} is empty).
fn closed_enum(env: &Env, cmp: &TExpr, d: Domain) -> Domain {
    let Domain::Except(out) = &d else {
        return d;
    };
    let ty = match &cmp.kind {
        TKind::Cmp(_, a, b) => {
            if matches!(a.ty, Type::Enum(_)) {
                a.ty
            } else {
                b.ty
            }
        }
        _ => return d,
    };
    let Type::Enum(id) = ty else {
        return d;
    };
    let Some(def) = env.enums.get(id as usize) else {
        return d;
    };
    Domain::Only(
        (0..def.variants.len())
            .map(|i| format!("e:{i}"))
            .filter(|v| !out.contains(v))
            .collect(),
    )
}

fn empty_box() -> RowBox {
    RowBox {
        axes: [(Axis { key: String::new() }, Domain::Only(BTreeSet::new()))].into(),
    }
}

fn lower_max(a: &Option<Bound>, b: &Option<Bound>) -> Option<Bound> {
    match (a, b) {
        (None, x) | (x, None) => x.clone(),
        (Some(x), Some(y)) => Some(if x.at > y.at || (x.at == y.at && !x.inclusive) {
            x.clone()
        } else {
            y.clone()
        }),
    }
}

fn upper_min(a: &Option<Bound>, b: &Option<Bound>) -> Option<Bound> {
    match (a, b) {
        (None, x) | (x, None) => x.clone(),
        (Some(x), Some(y)) => Some(if x.at < y.at || (x.at == y.at && !x.inclusive) {
            x.clone()
        } else {
            y.clone()
        }),
    }
}

/// Intersection; `None` when the two kinds cannot mix (not analysable).
fn intersect(a: &Domain, b: &Domain) -> Option<Domain> {
    Some(match (a, b) {
        (Domain::Interval { lo: l1, hi: h1 }, Domain::Interval { lo: l2, hi: h2 }) => {
            Domain::Interval {
                lo: lower_max(l1, l2),
                hi: upper_min(h1, h2),
            }
        }
        (Domain::Only(x), Domain::Only(y)) => Domain::Only(x.intersection(y).cloned().collect()),
        (Domain::Only(x), Domain::Except(y)) | (Domain::Except(y), Domain::Only(x)) => {
            Domain::Only(x.difference(y).cloned().collect())
        }
        (Domain::Except(x), Domain::Except(y)) => Domain::Except(x.union(y).cloned().collect()),
        (Domain::Only(x), Domain::Interval { .. }) | (Domain::Interval { .. }, Domain::Only(x))
            if x.is_empty() =>
        {
            Domain::Only(BTreeSet::new())
        }
        _ => return None,
    })
}

fn is_empty(d: &Domain) -> bool {
    match d {
        Domain::Interval {
            lo: Some(l),
            hi: Some(h),
        } => l.at > h.at || (l.at == h.at && !(l.inclusive && h.inclusive)),
        Domain::Interval { .. } => false,
        Domain::Only(s) => s.is_empty(),
        // Booleans are the only finite discrete domain we can see exhausted.
        Domain::Except(s) => s.contains("b:true") && s.contains("b:false"),
    }
}

fn box_empty(b: &RowBox) -> bool {
    b.axes.values().any(is_empty)
}

/// Whether `inner` ⊆ `outer`.
fn subset(inner: &Domain, outer: &Domain) -> bool {
    if is_empty(inner) {
        return true;
    }
    match (inner, outer) {
        (Domain::Interval { lo: l1, hi: h1 }, Domain::Interval { lo: l2, hi: h2 }) => {
            let lo_ok = match (l1, l2) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => {
                    a.at > b.at || (a.at == b.at && (b.inclusive || !a.inclusive))
                }
            };
            let hi_ok = match (h1, h2) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(a), Some(b)) => {
                    a.at < b.at || (a.at == b.at && (b.inclusive || !a.inclusive))
                }
            };
            lo_ok && hi_ok
        }
        (Domain::Only(x), Domain::Only(y)) => x.is_subset(y),
        (Domain::Only(x), Domain::Except(y)) => x.is_disjoint(y),
        (Domain::Except(x), Domain::Except(y)) => y.is_subset(x),
        (Domain::Except(x), Domain::Only(y)) => {
            // Only booleans: `!= true` ⊆ `== false`.
            x.contains("b:true") && y.contains("b:false")
                || x.contains("b:false") && y.contains("b:true")
        }
        _ => false,
    }
}

/// Whether every fact matching `inner` matches `outer`. Sound whatever the axes read: a
/// box in axis space that contains another contains all of its facts.
fn box_subset(inner: &RowBox, outer: &RowBox) -> bool {
    if box_empty(inner) {
        return true;
    }
    outer
        .axes
        .iter()
        .all(|(k, od)| inner.axes.get(k).is_some_and(|id| subset(id, od)))
}

/// Whether some facts match both rows, decided only when it can be decided exactly: the
/// boxes intersect on every axis, and the axes are independent — no two read the same atom,
/// and none reads a derived value unless it is the only axis (a rule may depend on the facts
/// of another axis). Otherwise `false`: overlap is then not claimed at compile time.
fn boxes_overlap(axes: &Axes, a: &RowBox, b: &RowBox) -> bool {
    if box_empty(a) || box_empty(b) {
        return false;
    }
    let meets = a.axes.iter().all(|(k, da)| match b.axes.get(k) {
        None => true,
        Some(db) => intersect(da, db).is_none_or(|d| !is_empty(&d)),
    });
    if !meets {
        return false;
    }
    let used: BTreeSet<&Axis> = a.axes.keys().chain(b.axes.keys()).collect();
    if used.len() <= 1 {
        return true;
    }
    let mut atoms: BTreeSet<&str> = BTreeSet::new();
    for axis in used {
        let Some(info) = axes.get(axis) else {
            return false;
        };
        if info.derived {
            return false;
        }
        for at in &info.atoms {
            if !atoms.insert(at) {
                return false;
            }
        }
    }
    true
}

/// A one-dimensional `unique` table (each analysable row bounds the same single axis with an
/// interval): the first pair of overlapping rows, found by sorting (n log n).
fn overlap_1d(
    boxes: &[Option<RowBox>],
    rows: &[TableRowInfo<'_>],
) -> Option<Option<(usize, usize)>> {
    let mut axis: Option<&Axis> = None;
    let mut spans: Vec<(usize, &Option<Bound>, &Option<Bound>)> = Vec::new();
    for (i, b) in boxes.iter().enumerate() {
        if rows.get(i).is_some_and(|r| r.3) {
            continue;
        }
        let Some(b) = b else { continue };
        if box_empty(b) {
            continue;
        }
        let mut it = b.axes.iter();
        let (Some((k, Domain::Interval { lo, hi })), None) = (it.next(), it.next()) else {
            return None;
        };
        if axis.is_some_and(|a| a != k) {
            return None;
        }
        axis = Some(k);
        spans.push((i, lo, hi));
    }
    // Sort by lower bound (unbounded first; an inclusive bound before an exclusive one at the
    // same point, since it starts earlier).
    spans.sort_by(|x, y| match (x.1, y.1) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(a), Some(b)) => a.at.cmp(&b.at).then(b.inclusive.cmp(&a.inclusive)),
    });
    // Sweep: the row reaching furthest so far overlaps the next when the next starts before
    // that reach ends.
    let mut reach: Option<(usize, &Option<Bound>)> = None;
    let mut found: Option<(usize, usize)> = None;
    for (i, lo, hi) in spans {
        if let Some((j, r)) = reach {
            let starts_inside = match (r, lo) {
                (None, _) | (_, None) => true,
                (Some(r), Some(l)) => l.at < r.at || (l.at == r.at && l.inclusive && r.inclusive),
            };
            if starts_inside {
                let pair = (i.max(j), i.min(j));
                if found.is_none_or(|f| pair.0 < f.0) {
                    found = Some(pair);
                }
            }
        }
        let further = match (reach, hi) {
            (None, _) => true,
            (Some((_, None)), _) => false,
            (Some(_), None) => true,
            (Some((_, Some(r))), Some(h)) => h.at > r.at || (h.at == r.at && h.inclusive),
        };
        if further {
            reach = Some((i, hi));
        }
    }
    Some(found)
}

/// A table row while checking: condition, value, span, and whether it is `otherwise`.
type TableRowInfo<'a> = (Option<TExpr>, TExpr, Span, bool);

fn analyse(
    env: &Env,
    hit: Hit,
    table: &str,
    rows: &[TableRowInfo<'_>],
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) {
    let mut axes = Axes::new();
    let boxes: Vec<Option<RowBox>> = rows
        .iter()
        .map(|(c, _, _, otherwise)| {
            if *otherwise {
                Some(RowBox::default())
            } else {
                c.as_ref().and_then(|c| row_box(env, c, &mut axes))
            }
        })
        .collect();
    let overlap = |d: &mut Vec<Diagnostic>, i: usize, j: usize| {
        let span = rows.get(i).map_or(Span::new(0, 0), |r| r.2);
        let pspan = rows.get(j).map_or(span, |r| r.2);
        d.push(
            Diagnostic::error(
                codes::OVERLAPPING_ROWS,
                span,
                format!("rows of `hit unique` table `{table}` overlap"),
            )
            .in_file(file)
            .with_label(pspan, "this row matches some of the same facts")
            .with_help("make the conditions exclusive, or use `hit first`"),
        );
    };
    let one_dimensional = if hit == Hit::Unique {
        overlap_1d(&boxes, rows)
    } else {
        None
    };
    if let Some(Some((i, j))) = one_dimensional {
        overlap(diags, i, j);
    }
    let mut pairs_left = MAX_ROW_PAIRS;
    let mut otherwise_at: Option<Span> = None;
    for (i, (_, _, span, otherwise)) in rows.iter().enumerate() {
        if *otherwise {
            if let Some(first) = otherwise_at {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        *span,
                        format!("table `{table}` has two `otherwise` rows"),
                    )
                    .in_file(file)
                    .with_label(first, "the first one"),
                );
            }
            otherwise_at = Some(*span);
            continue;
        }
        if hit == Hit::First
            && let Some(o) = otherwise_at
        {
            diags.push(
                Diagnostic::warning(
                    codes::UNREACHABLE_ROW,
                    *span,
                    "this row can never be chosen",
                )
                .in_file(file)
                .with_label(o, "`otherwise` above it matches first")
                .with_help("with `hit first`, rows after `otherwise` are never reached"),
            );
            continue;
        }
        let Some(Some(bx)) = boxes.get(i) else {
            continue;
        };
        if box_empty(bx) {
            diags.push(
                Diagnostic::warning(
                    codes::UNREACHABLE_ROW,
                    *span,
                    "this row's condition can never be true",
                )
                .in_file(file),
            );
            continue;
        }
        let pairwise = match hit {
            Hit::First => true,
            Hit::Unique => one_dimensional.is_none(),
            _ => false,
        };
        if !pairwise || pairs_left == 0 {
            continue;
        }
        for (j, prev) in boxes.iter().enumerate().take(i) {
            if pairs_left == 0 {
                break;
            }
            pairs_left -= 1;
            if rows.get(j).is_some_and(|r| r.3) {
                continue;
            }
            let Some(prev) = prev else { continue };
            if hit == Hit::First && box_subset(bx, prev) {
                let pspan = rows.get(j).map_or(*span, |r| r.2);
                diags.push(
                    Diagnostic::warning(
                        codes::UNREACHABLE_ROW,
                        *span,
                        "this row can never be chosen",
                    )
                    .in_file(file)
                    .with_label(pspan, "this earlier row already matches everything it does")
                    .with_help("with `hit first` the earlier row wins; reorder or narrow the rows"),
                );
                break;
            }
            if hit == Hit::Unique && boxes_overlap(&axes, bx, prev) {
                overlap(diags, i, j);
                break;
            }
        }
    }
}
