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
            let mut cx = Cx::new(env, file, Scope::Row, diags);
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
        analyse(hit, &t.name.name, &out_rows, file, diags);
        versions.push(TableVersion {
            from,
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
        hit,
        ty,
        versions,
    }
}

/// A point on an ordered axis: numbers, or dates and day counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Point {
    Num(Decimal),
    Int(i64),
}

#[derive(Clone, Debug, PartialEq)]
struct Bound {
    at: Point,
    inclusive: bool,
}

/// What a row allows for one expression.
#[derive(Clone, Debug, PartialEq)]
enum Domain {
    Interval {
        lo: Option<Bound>,
        hi: Option<Bound>,
    },
    Only(BTreeSet<String>),
    Except(BTreeSet<String>),
}

type RowBox = BTreeMap<String, Domain>;

fn point(c: &Const) -> Option<Point> {
    match c {
        Const::Num(d) => Some(Point::Num(*d)),
        Const::Date(d) => Some(Point::Int(i64::from(*d))),
        Const::Days(d) => Some(Point::Int(*d)),
        _ => None,
    }
}

fn discrete(c: &Const) -> Option<String> {
    match c {
        Const::Bool(b) => Some(format!("b:{b}")),
        Const::Str(s) => Some(format!("s:{s}")),
        Const::Enum(e) => Some(format!("e:{e}")),
        _ => None,
    }
}

/// A stable key for the non-literal side of a comparison.
fn key(e: &TExpr) -> Option<String> {
    match &e.kind {
        TKind::Fact { entity, field } => Some(format!("f{entity}.{field}")),
        TKind::Rule(r) => Some(format!("r{r}")),
        TKind::Param(p) => Some(format!("p{p}")),
        TKind::Table(t) => Some(format!("t{t}")),
        TKind::AsOf => Some("as_of".to_string()),
        TKind::DirGet(d, k, c) => key(k).map(|k| format!("d{d}[{k}].{c}")),
        TKind::Arith(op, a, b) => Some(format!(
            "({}{:?}{})",
            key_or_const(a)?,
            op,
            key_or_const(b)?
        )),
        TKind::DateDiff(a, b) => Some(format!("({}-{})", key_or_const(a)?, key_or_const(b)?)),
        _ => None,
    }
}

fn key_or_const(e: &TExpr) -> Option<String> {
    match &e.kind {
        TKind::Const(c) => Some(format!("{c:?}")),
        _ => key(e),
    }
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

fn negate(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Eq => CmpOp::Ne,
        CmpOp::Ne => CmpOp::Eq,
        CmpOp::Lt => CmpOp::Ge,
        CmpOp::Le => CmpOp::Gt,
        CmpOp::Gt => CmpOp::Le,
        CmpOp::Ge => CmpOp::Lt,
    }
}

fn atom(op: CmpOp, c: &Const) -> Option<Domain> {
    if let Some(p) = point(c) {
        let b = |inclusive| Some(Bound { at: p, inclusive });
        return Some(match op {
            CmpOp::Eq => Domain::Interval {
                lo: b(true),
                hi: b(true),
            },
            CmpOp::Lt => Domain::Interval {
                lo: None,
                hi: b(false),
            },
            CmpOp::Le => Domain::Interval {
                lo: None,
                hi: b(true),
            },
            CmpOp::Gt => Domain::Interval {
                lo: b(false),
                hi: None,
            },
            CmpOp::Ge => Domain::Interval {
                lo: b(true),
                hi: None,
            },
            CmpOp::Ne => return None,
        });
    }
    let v = discrete(c)?;
    match op {
        CmpOp::Eq => Some(Domain::Only([v].into())),
        CmpOp::Ne => Some(Domain::Except([v].into())),
        _ => None,
    }
}

/// The box of a condition, if it is a conjunction of analysable comparisons.
fn row_box(e: &TExpr) -> Option<RowBox> {
    let mut out = RowBox::new();
    let mut stack = vec![(e, false)];
    while let Some((e, negated)) = stack.pop() {
        let (k, d) = match &e.kind {
            TKind::And(a, b) if !negated => {
                stack.push((a, false));
                stack.push((b, false));
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
                let op = if negated { negate(*op) } else { *op };
                match (&a.kind, &b.kind) {
                    (_, TKind::Const(c)) => (key(a)?, atom(op, c)?),
                    (TKind::Const(c), _) => (key(b)?, atom(flip(op), c)?),
                    _ => return None,
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
                (key(x)?, Domain::Only(set))
            }
            _ if e.ty == Type::Bool => (key(e)?, Domain::Only([format!("b:{}", !negated)].into())),
            _ => return None,
        };
        let merged = match out.remove(&k) {
            Some(prev) => intersect(&prev, &d)?,
            None => d,
        };
        out.insert(k, merged);
    }
    Some(out)
}

fn empty_box() -> RowBox {
    [("".to_string(), Domain::Only(BTreeSet::new()))].into()
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
    b.values().any(is_empty)
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

fn box_subset(inner: &RowBox, outer: &RowBox) -> bool {
    if box_empty(inner) {
        return true;
    }
    outer
        .iter()
        .all(|(k, od)| inner.get(k).is_some_and(|id| subset(id, od)))
}

fn boxes_overlap(a: &RowBox, b: &RowBox) -> bool {
    if box_empty(a) || box_empty(b) {
        return false;
    }
    a.iter().all(|(k, da)| match b.get(k) {
        None => true,
        Some(db) => intersect(da, db).is_none_or(|d| !is_empty(&d)),
    })
}

fn analyse(
    hit: Hit,
    table: &str,
    rows: &[(Option<TExpr>, TExpr, Span, bool)],
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) {
    let boxes: Vec<Option<RowBox>> = rows
        .iter()
        .map(|(c, _, _, otherwise)| {
            if *otherwise {
                Some(RowBox::new())
            } else {
                c.as_ref().and_then(row_box)
            }
        })
        .collect();
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
        if hit == Hit::First {
            for (j, prev) in boxes.iter().enumerate().take(i) {
                if rows.get(j).is_some_and(|r| r.3) {
                    continue;
                }
                if let Some(prev) = prev
                    && box_subset(bx, prev)
                {
                    let pspan = rows.get(j).map_or(*span, |r| r.2);
                    diags.push(
                        Diagnostic::warning(
                            codes::UNREACHABLE_ROW,
                            *span,
                            "this row can never be chosen",
                        )
                        .in_file(file)
                        .with_label(pspan, "this earlier row already matches everything it does")
                        .with_help(
                            "with `hit first` the earlier row wins; reorder or narrow the rows",
                        ),
                    );
                    break;
                }
            }
        }
        if hit == Hit::Unique {
            for (j, prev) in boxes.iter().enumerate().take(i) {
                if rows.get(j).is_some_and(|r| r.3) {
                    continue;
                }
                if let Some(prev) = prev
                    && boxes_overlap(bx, prev)
                {
                    let pspan = rows.get(j).map_or(*span, |r| r.2);
                    diags.push(
                        Diagnostic::error(
                            codes::OVERLAPPING_ROWS,
                            *span,
                            format!("rows of `hit unique` table `{table}` overlap"),
                        )
                        .in_file(file)
                        .with_label(pspan, "this row matches some of the same facts")
                        .with_help("make the conditions exclusive, or use `hit first`"),
                    );
                    break;
                }
            }
        }
    }
}
