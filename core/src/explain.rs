//! Explaining an evaluation: statuses, the facts each line read, both sides of comparisons,
//! evaluation errors, and `missing` — the unknown facts that could still change a status.
//!
//! `missing` follows the Kleene rules backwards from each undecided line: from a node whose
//! value is unknown, only to children that are themselves unknown (a `false` operand of an
//! `and` would have decided it), only into the branch an `if` takes when its condition is
//! known, and never through a directory lookup whose key is known (a key not in the
//! directory is unknown but no fact can change that). All traversals are iterative.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::codes;
use crate::decision::*;
use crate::eval::{ErrRec, FactRow, Frame, version_at};
use crate::graph::{FactRef, Graph, NodeId, Op, OutcomeG, ROW};
use crate::ir::{Hit, ReqKind};
use crate::types::Type;
use crate::value::{Val, date_text, decimal_text};

/// Most facts listed under one requirement.
const MAX_FACTS_PER_LINE: usize = 32;

pub(crate) fn line_status(kind: ReqKind, cond: &Val, guard: Option<&Val>) -> LineStatus {
    let c = match cond {
        Val::Bool(true) => LineStatus::True,
        Val::Bool(false) => LineStatus::False,
        _ => LineStatus::Unknown,
    };
    match guard {
        None | Some(Val::Bool(true)) => c,
        Some(Val::Bool(false)) => LineStatus::NotApplicable,
        // Guard unknown: decided only if the condition alone decides the line.
        Some(_) => match (kind, c) {
            (ReqKind::Require, LineStatus::True) => LineStatus::True,
            (ReqKind::Unless, LineStatus::False) => LineStatus::False,
            _ => LineStatus::Unknown,
        },
    }
}

pub(crate) fn outcome_status(lines: impl Iterator<Item = (ReqKind, LineStatus)>) -> Status {
    let mut status = Status::Eligible;
    for (kind, s) in lines {
        status = fold_status(status, kind, s);
        if status == Status::Ineligible {
            break;
        }
    }
    status
}

/// An outcome's status so far (`Eligible` before any line) with one more line: a blocking
/// line makes it ineligible for good, an undecided line undetermined. Lines can be folded
/// in any order with the same result.
pub(crate) fn fold_status(so_far: Status, kind: ReqKind, line: LineStatus) -> Status {
    match (so_far, kind, line) {
        (Status::Ineligible, _, _)
        | (_, ReqKind::Require, LineStatus::False)
        | (_, ReqKind::Unless, LineStatus::True) => Status::Ineligible,
        (_, _, LineStatus::Unknown) => Status::Undetermined,
        (s, _, _) => s,
    }
}

/// The status of every outcome for one row, without explanations (batch mode).
pub(crate) fn statuses(g: &Graph, f: &Frame, row: usize) -> Vec<Status> {
    g.outcomes
        .iter()
        .map(|o| {
            outcome_status(o.requirements.iter().map(|r| {
                let cond = f.value(r.cond, row);
                let guard = r.guard.map(|gd| f.value(gd, row));
                (r.kind, line_status(r.kind, cond, guard))
            }))
        })
        .collect()
}

/// The evaluation errors row `row`'s decision reports, in its order: per outcome, the
/// conditions then guards of its undecided lines, then its unknown amounts — each error once
/// per outcome, with the lines and amounts it reaches there and so its scope (R11). The same
/// list [`decide`] puts in `errors`, without explaining anything.
pub(crate) fn reported_errors(g: &Graph, f: &Frame, row: usize, as_of: i32) -> Vec<ErrorReport> {
    let mut out: Vec<(u32, ErrorReport)> = Vec::new();
    if f.errors.is_empty() {
        return Vec::new();
    }
    // (error, what it reaches) in reading order.
    let mut errs: Vec<(u32, Reach)> = Vec::new();
    // Where each error of this outcome is in `out`.
    let mut at_of: FxHashMap<u32, usize> = FxHashMap::default();
    for o in &g.outcomes {
        errs.clear();
        at_of.clear();
        for (i, q) in o.requirements.iter().enumerate() {
            let cond = f.value(q.cond, row);
            let guard = q.guard.map(|gd| f.value(gd, row));
            if line_status(q.kind, cond, guard) == LineStatus::Unknown {
                errs.extend(err_of(cond).map(|e| (e, Reach::Line(i))));
                errs.extend(guard.and_then(err_of).map(|e| (e, Reach::Line(i))));
            }
        }
        for (i, a) in o.amounts.iter().enumerate() {
            errs.extend(err_of(f.value(a.node, row)).map(|e| (e, Reach::Amount(i))));
        }
        for (e, reach) in &errs {
            let at = match at_of.get(e) {
                Some(k) => *k,
                None => {
                    let Some(rec) = f.errors.get(*e as usize) else {
                        continue;
                    };
                    let mut r = error_report(g, rec, Some(&o.name), as_of);
                    r.scope = ErrorScope::Amount;
                    out.push((*e, r));
                    at_of.insert(*e, out.len() - 1);
                    out.len() - 1
                }
            };
            let Some((_, r)) = out.get_mut(at) else {
                continue;
            };
            match *reach {
                Reach::Line(i) => {
                    r.scope = ErrorScope::Line;
                    if r.lines.last() != Some(&i) {
                        r.lines.push(i);
                    }
                }
                Reach::Amount(i) => {
                    if let Some(a) = o.amounts.get(i) {
                        r.amounts.push(a.name.clone());
                    }
                }
            }
        }
    }
    out.into_iter().map(|(_, r)| r).collect()
}

/// What of an outcome an evaluation error reaches.
#[derive(Clone, Copy)]
enum Reach {
    Line(usize),
    Amount(usize),
}

/// A fact's path as written in facts JSON and `missing`.
pub(crate) fn fact_path(g: &Graph, fact: FactRef, item: Option<usize>) -> String {
    // Written piece by piece rather than with `format!`: every explained line lists its
    // facts by path.
    let entity = |e: Option<&u32>| e.and_then(|e| g.entities.get(*e as usize));
    fn field_name(ent: Option<&crate::graph::EntitySchema>, f: u32) -> &str {
        ent.and_then(|e| e.fields.get(f as usize))
            .map_or("?", |f| f.name.as_str())
    }
    match fact {
        FactRef::Slot(s) => {
            let (e, f) = g.slots.get(s as usize).copied().unwrap_or((0, 0));
            let ent = g.entities.get(e as usize);
            let (a, b) = (ent.map_or("?", |e| e.name.as_str()), field_name(ent, f));
            let mut out = String::with_capacity(a.len() + b.len() + 1);
            out.push_str(a);
            out.push('.');
            out.push_str(b);
            out
        }
        FactRef::ItemField { list, field } => {
            let ent = entity(g.lists.get(list as usize));
            let (a, b) = (ent.map_or("?", |e| e.name.as_str()), field_name(ent, field));
            let mut n = itoa::Buffer::new();
            let i = n.format(item.unwrap_or(0));
            let mut out = String::with_capacity(a.len() + i.len() + b.len() + 3);
            out.push_str(a);
            out.push('[');
            out.push_str(i);
            out.push_str("].");
            out.push_str(b);
            out
        }
        FactRef::List(list) => {
            entity(g.lists.get(list as usize)).map_or_else(|| "?".to_string(), |e| e.name.clone())
        }
    }
}

/// A value for display: decimals canonical, dates `YYYY-MM-DD`, enum values by name.
pub(crate) fn display(g: &Graph, v: &Val, ty: Type) -> Option<String> {
    Some(match v {
        Val::Num(d) => decimal_text(*d),
        Val::Bool(b) => b.to_string(),
        Val::Date(d) => date_text(*d),
        Val::Days(n) => n.to_string(),
        Val::Cal(c) => format!("{} months {} days", c.months, c.days),
        Val::Str(s) => s.to_string(),
        Val::Enum(i) => match ty {
            Type::Enum(id) => g
                .enums
                .get(id as usize)
                .and_then(|e| e.variants.get(*i as usize))
                .map_or_else(|| i.to_string(), |(n, _)| n.clone()),
            _ => i.to_string(),
        },
        Val::Unknown | Val::Err(_) => return None,
    })
}

fn fact_json(g: &Graph, v: &Val, ty: Type) -> Option<serde_json::Value> {
    match v {
        Val::Bool(b) => Some(serde_json::Value::Bool(*b)),
        other => display(g, other, ty).map(serde_json::Value::String),
    }
}

struct Walker<'a> {
    g: &'a Graph,
    f: &'a Frame,
    row: usize,
    as_of: i32,
    versions: Vec<Option<usize>>,
    /// Positions visited by the current traversal, kept between traversals for its memory.
    seen: FxHashSet<(NodeId, usize)>,
}

impl Walker<'_> {
    fn node_ty(&self, n: NodeId) -> Type {
        self.g.nodes.get(n as usize).map_or(Type::Error, |x| x.ty)
    }

    /// Item index within its row, for item positions.
    fn item_index(&self, scope: u32, pos: usize) -> usize {
        if scope == ROW {
            return 0;
        }
        let list = scope - 1;
        let row = self.f.row_of(scope, pos) as usize;
        pos - self.f.items(list, row).start
    }

    /// Children to visit for explanation (`all`) or for `missing` (only undecided ones).
    fn next(&self, n: NodeId, pos: usize, only_unknown: bool, out: &mut Vec<(NodeId, usize)>) {
        let Some(node) = self.g.nodes.get(n as usize) else {
            return;
        };
        let unknown = |c: NodeId, p: usize| !self.f.value(c, p).is_known();
        let mut push = |c: NodeId, p: usize| {
            if !only_unknown || unknown(c, p) {
                out.push((c, p));
            }
        };
        match &node.op {
            Op::Broadcast(src) => push(*src, self.f.row_of(node.scope, pos) as usize),
            Op::If(c, a, b) if only_unknown => match self.f.value(*c, pos) {
                Val::Bool(true) => push(*a, pos),
                Val::Bool(false) => push(*b, pos),
                _ => {
                    push(*c, pos);
                    push(*a, pos);
                    push(*b, pos);
                }
            },
            Op::DirHas(_, k) | Op::DirGet(_, k, _) | Op::WithinDir(_, k) => push(*k, pos),
            Op::Table(t) => {
                let Some(table) = self.g.tables.get(*t as usize) else {
                    return;
                };
                let Some(v) = self
                    .versions
                    .get(*t as usize)
                    .copied()
                    .flatten()
                    .and_then(|v| table.versions.get(v))
                else {
                    return;
                };
                for r in &v.rows {
                    let truth = r
                        .cond
                        .map_or(Val::Bool(true), |c| self.f.value(c, pos).clone());
                    if let Some(c) = r.cond {
                        push(c, pos);
                    }
                    match truth {
                        Val::Bool(false) if only_unknown => continue,
                        _ => push(r.value, pos),
                    }
                    if table.hit == Hit::First && truth == Val::Bool(true) && only_unknown {
                        break;
                    }
                }
            }
            Op::Agg {
                list,
                filter,
                value,
                ..
            } => {
                for j in self.f.items(*list, pos) {
                    let passes = filter.map_or(Val::Bool(true), |fl| self.f.value(fl, j).clone());
                    if let Some(fl) = filter {
                        push(*fl, j);
                    }
                    if let Some(v) = value
                        && passes != Val::Bool(false)
                    {
                        push(*v, j);
                    }
                }
            }
            op => {
                for c in self.g.children(op) {
                    push(c, pos);
                }
            }
        }
    }

    /// Unknown facts that could change the value of `roots`, in order of discovery.
    fn blame(&mut self, roots: &[NodeId]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen = std::mem::take(&mut self.seen);
        seen.clear();
        let mut stack: Vec<(NodeId, usize)> = roots.iter().rev().map(|r| (*r, self.row)).collect();
        let mut kids = Vec::new();
        while let Some((n, pos)) = stack.pop() {
            if !seen.insert((n, pos)) || self.f.value(n, pos).is_known() {
                continue;
            }
            let Some(node) = self.g.nodes.get(n as usize) else {
                continue;
            };
            match node.op {
                Op::Fact(slot) => out.push(fact_path(self.g, FactRef::Slot(slot), None)),
                Op::ItemFact { list, field } => out.push(fact_path(
                    self.g,
                    FactRef::ItemField { list, field },
                    Some(self.item_index(node.scope, pos)),
                )),
                Op::Agg { list, .. }
                    if !self
                        .f
                        .list_present
                        .get(list as usize)
                        .and_then(|p| p.get(pos))
                        .copied()
                        .unwrap_or(true) =>
                {
                    out.push(fact_path(self.g, FactRef::List(list), None));
                }
                _ => {
                    kids.clear();
                    self.next(n, pos, true, &mut kids);
                    stack.extend(kids.iter().rev());
                }
            }
        }
        self.seen = seen;
        let mut dedup = FxHashSet::default();
        out.retain(|p| dedup.insert(p.clone()));
        out
    }

    /// The known facts read under `roots`, by path.
    fn facts(&mut self, roots: &[NodeId]) -> OrderedMap<serde_json::Value> {
        let mut out: Vec<(String, serde_json::Value)> = Vec::new();
        // Facts found, repeats included: the walk stops at `MAX_FACTS_PER_LINE` of them,
        // and a repeat (two nodes reading one fact) is listed once.
        let mut found = 0usize;
        let add = |out: &mut Vec<(String, serde_json::Value)>,
                   found: &mut usize,
                   path: String,
                   j: serde_json::Value| {
            *found += 1;
            if !out.iter().any(|(p, _)| *p == path) {
                out.push((path, j));
            }
        };
        let mut seen = std::mem::take(&mut self.seen);
        seen.clear();
        let mut stack: Vec<(NodeId, usize)> = roots.iter().rev().map(|r| (*r, self.row)).collect();
        let mut kids = Vec::new();
        while let Some((n, pos)) = stack.pop() {
            if found >= MAX_FACTS_PER_LINE {
                break;
            }
            if !seen.insert((n, pos)) {
                continue;
            }
            let Some(node) = self.g.nodes.get(n as usize) else {
                continue;
            };
            let v = self.f.value(n, pos);
            match node.op {
                Op::Fact(slot) => {
                    if let Some(j) = fact_json(self.g, v, node.ty) {
                        add(
                            &mut out,
                            &mut found,
                            fact_path(self.g, FactRef::Slot(slot), None),
                            j,
                        );
                    }
                }
                Op::ItemFact { list, field } => {
                    if let Some(j) = fact_json(self.g, v, node.ty) {
                        let path = fact_path(
                            self.g,
                            FactRef::ItemField { list, field },
                            Some(self.item_index(node.scope, pos)),
                        );
                        add(&mut out, &mut found, path, j);
                    }
                }
                _ => {
                    kids.clear();
                    self.next(n, pos, false, &mut kids);
                    stack.extend(kids.iter().rev());
                }
            }
        }
        self.seen = seen;
        OrderedMap(out)
    }

    /// The interval an unknown node's value lies in, from declared ranges (single
    /// decisions keep them, see `intervals`).
    fn bounds_of(&self, n: NodeId, ty: Type) -> Option<Bounds> {
        let i = self.f.bounds.binary_search_by_key(&n, |(id, _)| *id).ok()?;
        let (_, iv) = self.f.bounds.get(i)?;
        let end = |v: Option<&Val>| v.and_then(|v| display(self.g, v, ty));
        let show = |v: Option<&Val>| {
            v.and_then(|v| crate::display::display(self.g, v, ty))
                .unwrap_or_default()
        };
        Some(Bounds {
            min: end(iv.lo()),
            max: end(iv.hi()),
            display: format!("{}..{}", show(iv.lo()), show(iv.hi())),
        })
    }

    /// `LOW <= x and x <= HIGH` (how `x in LOW..HIGH` compiles, R5) as one comparison:
    /// `{"left": "8", "op": "in", "right": "3..4"}`.
    fn range_compare(&self, cond: NodeId) -> Option<Compare> {
        let Op::And(args) = self.g.nodes.get(cond as usize)?.op else {
            return None;
        };
        let [c1, c2] = self.g.args(args) else {
            return None;
        };
        let cmp = |c: NodeId| match self.g.nodes.get(c as usize).map(|n| &n.op) {
            Some(Op::Cmp(crate::ir::CmpOp::Le, a, b)) => Some((*a, *b)),
            _ => None,
        };
        let ((lo, x), (x2, hi)) = (cmp(*c1)?, cmp(*c2)?);
        if x != x2 {
            return None;
        }
        let tx = self.node_ty(x);
        let ty = if [tx, self.node_ty(lo), self.node_ty(hi)].contains(&Type::Percent) {
            Type::Percent
        } else if tx == Type::Scalar {
            Type::Number
        } else {
            tx
        };
        let (vx, vl, vh) = (
            self.f.value(x, self.row),
            self.f.value(lo, self.row),
            self.f.value(hi, self.row),
        );
        let both = |f: &dyn Fn(&Val) -> Option<String>| Some(format!("{}..{}", f(vl)?, f(vh)?));
        let left_bounds = if vx.is_known() {
            None
        } else {
            self.bounds_of(x, ty)
        };
        Some(Compare {
            left: display(self.g, vx, ty),
            op: "in".to_string(),
            right: both(&|v| display(self.g, v, ty)),
            ty: ty.name().to_string(),
            left_display: crate::display::display(self.g, vx, ty)
                .or_else(|| left_bounds.as_ref().map(|b| b.display.clone())),
            right_display: both(&|v| crate::display::display(self.g, v, ty)),
            left_bounds,
            right_bounds: None,
        })
    }

    fn compare(&self, cond: NodeId) -> Option<Compare> {
        let node = self.g.nodes.get(cond as usize)?;
        let Op::Cmp(op, a, b) = node.op else {
            return self.range_compare(cond);
        };
        let (ta, tb) = (self.node_ty(a), self.node_ty(b));
        // A ratio compared with a percentage reads as a percentage.
        let ty = if ta == Type::Percent || tb == Type::Percent {
            Type::Percent
        } else if ta == Type::Scalar {
            tb
        } else {
            ta
        };
        let ty = if ty == Type::Scalar { Type::Number } else { ty };
        let (va, vb) = (self.f.value(a, self.row), self.f.value(b, self.row));
        let (mut left_display, mut right_display) =
            crate::display::compare_pair(self.g, va, vb, ty);
        // An unknown side bounded by declared ranges shows its interval (`66..81`).
        let bounded = |n: NodeId, shown: &mut Option<String>| -> Option<Bounds> {
            let b = self.bounds_of(n, ty)?;
            *shown = Some(b.display.clone());
            Some(b)
        };
        let left_bounds = if va.is_known() {
            None
        } else {
            bounded(a, &mut left_display)
        };
        let right_bounds = if vb.is_known() {
            None
        } else {
            bounded(b, &mut right_display)
        };
        Some(Compare {
            left: display(self.g, va, ty),
            op: op.as_str().to_string(),
            right: display(self.g, vb, ty),
            ty: ty.name().to_string(),
            left_display,
            right_display,
            left_bounds,
            right_bounds,
        })
    }
}

/// Most entries in one outcome's `values`: a list of 100,000 items would otherwise list
/// every item's rules. Past it the table keeps the entries found first (in reading order).
pub(crate) const MAX_VALUES: usize = 1000;

/// What a named value is, while building `values`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Boundary {
    Fact,
    Rule,
    /// The status of an outcome `eligible(o)` reads (R9).
    Outcome(u32),
    Table(u32),
    Directory(u32, NodeId, u32),
    Param(u32),
}

/// The `values` table of one outcome, built from the evaluated frame (no second evaluation),
/// iteratively: a named value found while reading a line is queued, and its own `uses` are
/// found when the queue reaches it, so a chain of 10,000 rules needs no deep recursion.
struct Values {
    entries: Vec<(String, ValueEntry)>,
    at: FxHashMap<String, usize>,
    /// Entries whose `uses` are still to be found: (entry, node, position, kind).
    pending: Vec<(usize, NodeId, usize, Boundary)>,
}

impl Walker<'_> {
    /// Whether `n` is a named value, and which kind (`as_rule`: a rule's node counts as the
    /// rule; otherwise only what the node itself is).
    fn boundary(&self, n: NodeId, as_rule: bool) -> Option<Boundary> {
        if let Some(o) = self.g.status_of(n) {
            return Some(Boundary::Outcome(o));
        }
        if as_rule && self.g.named(n).is_some() {
            return Some(Boundary::Rule);
        }
        match self.g.nodes.get(n as usize)?.op {
            Op::Fact(_) | Op::ItemFact { .. } => Some(Boundary::Fact),
            Op::Param(p) => Some(Boundary::Param(p)),
            Op::Table(t) => Some(Boundary::Table(t)),
            Op::DirGet(d, k, c) => Some(Boundary::Directory(d, k, c)),
            _ => None,
        }
    }

    /// The key of a named value at a position (R7): a fact path, a rule or table or param
    /// name (`list[i].rule` for a per-item rule), `D[key].column`.
    fn value_key(&self, n: NodeId, pos: usize, b: Boundary) -> String {
        let node = self.g.nodes.get(n as usize);
        match b {
            Boundary::Fact => match node.map(|x| &x.op) {
                Some(Op::Fact(slot)) => fact_path(self.g, FactRef::Slot(*slot), None),
                Some(Op::ItemFact { list, field }) => fact_path(
                    self.g,
                    FactRef::ItemField {
                        list: *list,
                        field: *field,
                    },
                    Some(self.item_index(node.map_or(ROW, |x| x.scope), pos)),
                ),
                _ => "?".to_string(),
            },
            Boundary::Rule => {
                let name = self.g.named(n).map_or("?", |r| r.name.as_str());
                let scope = node.map_or(ROW, |x| x.scope);
                match name.split_once('.') {
                    Some((list, rule)) if scope != ROW => {
                        format!("{list}[{}].{rule}", self.item_index(scope, pos))
                    }
                    _ => name.to_string(),
                }
            }
            Boundary::Table(t) => self
                .g
                .tables
                .get(t as usize)
                .map_or_else(|| "?".to_string(), |t| t.name.clone()),
            Boundary::Outcome(o) => self
                .g
                .outcome(o)
                .map_or_else(|| "?".to_string(), |o| o.name.clone()),
            Boundary::Param(p) => self
                .g
                .params
                .get(p as usize)
                .map_or_else(|| "?".to_string(), |p| p.name.clone()),
            Boundary::Directory(d, _, c) => self.g.text(n).map_or_else(
                || {
                    let dir = self.g.directories.get(d as usize);
                    format!(
                        "{}[?].{}",
                        dir.map_or("?", |d| d.name.as_str()),
                        dir.and_then(|d| d.columns.get(c as usize))
                            .map_or("?", |c| c.0.as_str())
                    )
                },
                str::to_string,
            ),
        }
    }

    /// The children an explanation reads under `n`: only the branch an `if` took, only the
    /// operands that decided an `and`/`or`, only the items an aggregate's filter let through.
    fn read_children(&self, n: NodeId, pos: usize, out: &mut Vec<(NodeId, usize)>) {
        let Some(node) = self.g.nodes.get(n as usize) else {
            return;
        };
        let v = |c: NodeId, p: usize| self.f.value(c, p);
        match &node.op {
            Op::Broadcast(src) => out.push((*src, self.f.row_of(node.scope, pos) as usize)),
            Op::If(c, a, b) => {
                out.push((*c, pos));
                match v(*c, pos) {
                    Val::Bool(true) => out.push((*a, pos)),
                    Val::Bool(false) => out.push((*b, pos)),
                    _ => {
                        out.push((*a, pos));
                        out.push((*b, pos));
                    }
                }
            }
            Op::And(args) | Op::Or(args) => {
                let result = v(n, pos);
                for c in self.g.args(*args) {
                    // A decided `and` (`or`) is decided by its false (true) operands: the
                    // others did not matter.
                    let decisive = match result {
                        Val::Bool(b) => {
                            v(*c, pos) == &Val::Bool(*b) || { matches!(node.op, Op::And(_)) == *b }
                        }
                        _ => true,
                    };
                    if decisive {
                        out.push((*c, pos));
                    }
                }
            }
            Op::Agg {
                list,
                filter,
                value,
                ..
            } => {
                for j in self.f.items(*list, pos) {
                    let passes = filter.map_or(Val::Bool(true), |fl| v(fl, j).clone());
                    if let Some(fl) = filter {
                        out.push((*fl, j));
                    }
                    if let Some(x) = value
                        && passes != Val::Bool(false)
                    {
                        out.push((*x, j));
                    }
                }
            }
            op => out.extend(self.g.children(op).into_iter().map(|c| (c, pos))),
        }
    }

    /// The keys of the named values read under `roots`, in reading order; named values met
    /// for the first time get an entry (their own `uses` are found later, from the queue).
    fn uses_of(
        &self,
        vals: &mut Values,
        roots: &[(NodeId, usize)],
        as_rule_root: bool,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut seen: FxHashSet<(NodeId, usize)> = FxHashSet::default();
        let mut stack: Vec<(NodeId, usize, bool)> = roots
            .iter()
            .rev()
            .map(|(n, p)| (*n, *p, as_rule_root))
            .collect();
        let mut kids = Vec::new();
        while let Some((n, pos, as_rule)) = stack.pop() {
            if !seen.insert((n, pos)) {
                continue;
            }
            if let Some(b) = self.boundary(n, as_rule) {
                if let Some(key) = self.entry(vals, n, pos, b)
                    && !out.contains(&key)
                {
                    out.push(key);
                }
                continue;
            }
            kids.clear();
            self.read_children(n, pos, &mut kids);
            stack.extend(kids.iter().rev().map(|(c, p)| (*c, *p, true)));
        }
        out
    }

    /// The entry of a named value (made, and queued for its `uses`, when first met); `None`
    /// when the table is full.
    fn entry(&self, vals: &mut Values, n: NodeId, pos: usize, b: Boundary) -> Option<String> {
        let key = self.value_key(n, pos, b);
        if vals.at.contains_key(&key) {
            return Some(key);
        }
        if vals.entries.len() >= MAX_VALUES {
            return None;
        }
        let ty = self.node_ty(n);
        let ty = if ty == Type::Scalar { Type::Number } else { ty };
        // A rule declared `percent` (a ratio) displays as one.
        let ty = match (b, self.g.named(n).and_then(|r| r.ty)) {
            (Boundary::Rule, Some(declared)) => declared,
            _ => ty,
        };
        let v = self.f.value(n, pos);
        let mut e = ValueEntry {
            kind: ValueKind::Fact,
            label: None,
            value: display(self.g, v, ty),
            display: crate::display::display(self.g, v, ty),
            ty: ty.name().to_string(),
            cite: None,
            formula: None,
            row: None,
            rows: None,
            version: None,
            from: None,
            key: None,
            requirements: None,
            function: None,
            args: None,
            bounds: if v.is_known() {
                None
            } else {
                self.bounds_of(n, ty)
            },
            uses: Vec::new(),
        };
        match b {
            Boundary::Fact => {
                e.label = self.fact_label(n);
            }
            Boundary::Rule => {
                e.kind = ValueKind::Rule;
                if let Some(r) = self.g.named(n) {
                    e.label = r.label.clone();
                    e.formula = Some(r.formula.clone());
                    if let Some(call) = &r.call {
                        e.kind = ValueKind::Function;
                        self.call_entry(&mut e, call, pos);
                    }
                }
            }
            Boundary::Outcome(o) => {
                e.kind = ValueKind::Outcome;
                e.ty = "status".to_string();
                e.bounds = None;
                if let Some(out) = self.g.outcome(o) {
                    e.label = out.title.clone();
                    let status = self.status_at(out, pos).as_str().to_string();
                    e.value = Some(status.clone());
                    e.display = Some(status);
                }
            }
            Boundary::Param(p) => {
                e.kind = ValueKind::Param;
                if let Some(param) = self.g.params.get(p as usize) {
                    e.label = param.label.clone();
                    if let Some((from, _, cite)) = param
                        .steps
                        .iter()
                        .rev()
                        .find(|(from, _, _)| *from <= self.as_of)
                    {
                        e.from = Some(date_text(*from));
                        e.cite = cite.clone();
                    }
                }
            }
            Boundary::Table(t) => {
                e.kind = ValueKind::Table;
                if let Some(table) = self.g.tables.get(t as usize) {
                    e.label = table.label.clone();
                    if let Some(call) = &table.call {
                        self.call_entry(&mut e, call, pos);
                    }
                    let version = self.versions.get(t as usize).copied().flatten();
                    if let Some(ver) = version.and_then(|i| table.versions.get(i)) {
                        e.version = ver.from.map(date_text);
                        e.cite = ver.cite.clone();
                        if v.is_known() {
                            let matched = self.matched_rows(table.hit, &ver.rows, pos);
                            if matches!(table.hit, Hit::First | Hit::Unique) {
                                e.row = matched.first().copied();
                            } else {
                                e.rows = Some(matched);
                            }
                        }
                    }
                }
            }
            Boundary::Directory(d, k, c) => {
                e.kind = ValueKind::Directory;
                if let Some(dir) = self.g.directories.get(d as usize) {
                    e.label = dir
                        .columns
                        .get(c as usize)
                        .and_then(|col| col.1.clone())
                        .or_else(|| dir.label.clone());
                    let key = self.f.value(k, pos);
                    if let Some(row) = dir.row(key) {
                        // The key as the directory writes it: the code, the int, the enum
                        // value's name.
                        e.key = match key {
                            Val::Str(k) => Some(k.to_string()),
                            Val::Num(n) => Some(n.normalize().to_string()),
                            Val::Enum(v) => match dir.key_ty {
                                crate::types::Type::Enum(id) => self
                                    .g
                                    .enums
                                    .get(id as usize)
                                    .and_then(|en| en.variants.get(*v as usize))
                                    .map(|(n, _)| n.clone()),
                                _ => None,
                            },
                            _ => None,
                        };
                        e.row = row.map(|r| r.saturating_add(1));
                    }
                }
            }
        }
        let at = vals.entries.len();
        vals.entries.push((key.clone(), e));
        vals.at.insert(key.clone(), at);
        vals.pending.push((at, n, pos, b));
        Some(key)
    }

    /// A function call's entry: the function and its arguments' values (R7).
    fn call_entry(&self, e: &mut ValueEntry, call: &crate::graph::CallG, pos: usize) {
        e.function = Some(call.function.clone());
        let args = call
            .args
            .iter()
            .map(|(p, node)| {
                let ty = self.node_ty(*node);
                let ty = if ty == Type::Scalar { Type::Number } else { ty };
                (p.clone(), display(self.g, self.f.value(*node, pos), ty))
            })
            .collect();
        e.args = Some(OrderedMap(args));
    }

    /// The label of a fact node's field.
    fn fact_label(&self, n: NodeId) -> Option<String> {
        let (e, f) = match self.g.nodes.get(n as usize)?.op {
            Op::Fact(slot) => *self.g.slots.get(slot as usize)?,
            Op::ItemFact { list, field } => (*self.g.lists.get(list as usize)?, field),
            _ => return None,
        };
        self.g
            .entities
            .get(e as usize)?
            .fields
            .get(f as usize)?
            .label
            .clone()
    }

    /// The 1-based rows of a table version that applied at `pos`; empty when which rows
    /// applied is not known (an undecided row came first: the value may still be known when
    /// every candidate gives the same one).
    fn matched_rows(&self, hit: Hit, rows: &[crate::graph::RowG], pos: usize) -> Vec<u32> {
        let mut out = Vec::new();
        let mut otherwise = None;
        for (i, r) in rows.iter().enumerate() {
            let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let Some(c) = r.cond else {
                otherwise.get_or_insert(n);
                if hit == Hit::First {
                    break;
                }
                continue;
            };
            match self.f.value(c, pos) {
                Val::Bool(true) => {
                    out.push(n);
                    if hit == Hit::First {
                        return out;
                    }
                }
                Val::Bool(false) => {}
                _ => return Vec::new(),
            }
        }
        if out.is_empty() {
            out.extend(otherwise);
        }
        out
    }

    /// The nodes a named value was computed from, for its `uses`.
    fn own_roots(
        &self,
        n: NodeId,
        pos: usize,
        b: Boundary,
        out: &mut Vec<(NodeId, usize)>,
        as_rule: &mut bool,
    ) {
        *as_rule = true;
        match b {
            Boundary::Fact | Boundary::Param(_) => {}
            Boundary::Directory(_, k, _) => out.push((k, pos)),
            Boundary::Outcome(o) => {
                if let Some(out_g) = self.g.outcome(o) {
                    for r in self.shown_lines(out_g, pos) {
                        out.extend(r.guard.map(|g| (g, pos)));
                        out.push((r.cond, pos));
                    }
                }
            }
            Boundary::Rule => {
                // A rule that is itself a fact, a table, a lookup or a param uses that value.
                if self.boundary(n, false).is_some() {
                    out.push((n, pos));
                    *as_rule = false;
                } else {
                    self.read_children(n, pos, out);
                }
            }
            Boundary::Table(t) => {
                let Some(table) = self.g.tables.get(t as usize) else {
                    return;
                };
                let Some(ver) = self
                    .versions
                    .get(t as usize)
                    .copied()
                    .flatten()
                    .and_then(|i| table.versions.get(i))
                else {
                    return;
                };
                for r in &ver.rows {
                    let truth = r
                        .cond
                        .map_or(Val::Bool(true), |c| self.f.value(c, pos).clone());
                    if let Some(c) = r.cond {
                        out.push((c, pos));
                    }
                    if truth != Val::Bool(false) {
                        out.push((r.value, pos));
                    }
                    // Rows after the one that applied were not read.
                    if table.hit == Hit::First && truth == Val::Bool(true) {
                        break;
                    }
                }
            }
        }
    }

    /// Outcome `o`'s status at a position, from its lines.
    fn status_at(&self, o: &OutcomeG, pos: usize) -> Status {
        outcome_status(o.requirements.iter().map(|r| {
            let cond = self.f.value(r.cond, pos);
            let guard = r.guard.map(|gd| self.f.value(gd, pos));
            (r.kind, line_status(r.kind, cond, guard))
        }))
    }

    /// The lines of an outcome read by `eligible` that its entry shows: those undecided or
    /// blocking (R9).
    fn shown_lines<'o>(&self, o: &'o OutcomeG, pos: usize) -> Vec<&'o crate::graph::ReqG> {
        o.requirements
            .iter()
            .filter(|r| {
                let cond = self.f.value(r.cond, pos);
                let guard = r.guard.map(|gd| self.f.value(gd, pos));
                let s = line_status(r.kind, cond, guard);
                s == LineStatus::Unknown
                    || matches!(
                        (r.kind, s),
                        (ReqKind::Require, LineStatus::False) | (ReqKind::Unless, LineStatus::True)
                    )
            })
            .collect()
    }

    /// Fills the `uses` of every queued entry (which may queue more).
    fn drain(&self, vals: &mut Values) {
        let mut roots = Vec::new();
        while let Some((at, n, pos, b)) = vals.pending.pop() {
            roots.clear();
            let mut as_rule = true;
            self.own_roots(n, pos, b, &mut roots, &mut as_rule);
            let uses = if as_rule {
                self.uses_of(vals, &roots, true)
            } else {
                // The rule's own node, seen as what it is.
                let mut keys = Vec::new();
                for (r, p) in &roots {
                    if let Some(b) = self.boundary(*r, false)
                        && let Some(k) = self.entry(vals, *r, *p, b)
                    {
                        keys.push(k);
                    }
                }
                keys
            };
            if let Some((_, e)) = vals.entries.get_mut(at) {
                e.uses = uses;
            }
        }
    }
}

/// Describes an evaluation error for users.
pub(crate) fn error_report(
    g: &Graph,
    e: &ErrRec,
    outcome: Option<&str>,
    as_of: i32,
) -> ErrorReport {
    let node = g.nodes.get(e.node as usize);
    let text = g.text(e.node).unwrap_or("an expression");
    let table = match node.map(|n| &n.op) {
        Some(Op::Table(t)) => g.tables.get(*t as usize).map(|t| t.name.clone()),
        _ => None,
    };
    let table = table.unwrap_or_else(|| text.to_string());
    let message = match e.code {
        codes::DIVISION_BY_ZERO => format!("division by zero in `{text}`"),
        codes::OVERFLOW => format!("the result of `{text}` is out of the decimal range"),
        codes::UNIQUE_CONFLICT => {
            format!("more than one row of `hit unique` table `{table}` matches")
        }
        codes::NO_MATCHING_ROW => {
            format!("no row of table `{table}` matches and it has no `otherwise`")
        }
        codes::NOT_IN_FORCE => format!("`{text}` has no value in force on {}", date_text(as_of)),
        codes::OUTSIDE_WINDOW => match node.map(|n| &n.op) {
            Some(Op::InForce { from, to, .. }) => format!(
                "`{text}` comes from an imported policy in force {}, not on {}",
                match (from, to) {
                    (Some(f), Some(t)) => format!("from {} to {}", date_text(*f), date_text(*t)),
                    (Some(f), None) => format!("from {}", date_text(*f)),
                    (None, Some(t)) => format!("until {}", date_text(*t)),
                    (None, None) => "always".to_string(),
                },
                date_text(as_of)
            ),
            _ => format!("`{text}` is not in force on {}", date_text(as_of)),
        },
        codes::EMPTY_AGGREGATE => {
            format!("`{text}` has no items to take the minimum or maximum of")
        }
        codes::DATE_OUT_OF_RANGE => {
            format!("`{text}` gives a date outside 0001-01-01 … 9999-12-31")
        }
        codes::PRECISION => format!(
            "the exact result of `{text}` needs more digits than a decimal holds (28 after the \
             point); round an operand with `round` where the policy allows it"
        ),
        other => format!("`{text}` failed ({other})"),
    };
    let message = match &e.detail {
        Some(d) => format!("{message}: {d}"),
        None => message,
    };
    ErrorReport {
        code: e.code.to_string(),
        message,
        outcome: outcome.map(str::to_string),
        ..Default::default()
    }
}

/// The full decision for row `row` of an evaluated frame.
pub(crate) fn decide(g: &Graph, f: &Frame, _rows: &[FactRow], row: usize, as_of: i32) -> Decision {
    let mut w = Walker {
        g,
        f,
        row,
        as_of,
        versions: (0..g.tables.len())
            .map(|t| version_at(g, u32::try_from(t).unwrap_or(u32::MAX), as_of))
            .collect(),
        seen: FxHashSet::default(),
    };
    let outcomes = g
        .outcomes
        .iter()
        .map(|o| (o.name.clone(), outcome(&mut w, o)))
        .collect();
    Decision {
        policy: g.header.name.clone(),
        as_of: date_text(as_of),
        outcomes: OrderedMap(outcomes),
        // Each outcome lists the errors that reached it (one error shared by two outcomes
        // through a common rule is listed under both); batch and summaries use the same list.
        errors: reported_errors(g, f, row, as_of),
    }
}

fn err_of(v: &Val) -> Option<u32> {
    match v {
        Val::Err(e) => Some(*e),
        _ => None,
    }
}

/// Evaluation error `e` as a line or an amount carries it.
fn line_error(w: &Walker<'_>, e: u32, outcome: &str) -> Option<LineError> {
    w.f.errors.get(e as usize).map(|rec| {
        let r = error_report(w.g, rec, Some(outcome), w.as_of);
        LineError {
            code: r.code,
            message: r.message,
        }
    })
}

fn outcome(w: &mut Walker<'_>, o: &OutcomeG) -> OutcomeDecision {
    let (f, row) = (w.f, w.row);
    let mut vals = Values {
        entries: Vec::new(),
        at: FxHashMap::default(),
        pending: Vec::new(),
    };
    let mut lines = Vec::with_capacity(o.requirements.len());
    let mut blame_lists: Vec<Vec<String>> = Vec::new();
    for r in &o.requirements {
        let (line, blame) = explain_line(w, &mut vals, r, &o.name);
        blame_lists.extend(blame);
        lines.push(line);
    }
    let status = outcome_status(
        o.requirements
            .iter()
            .zip(&lines)
            .map(|(r, l)| (r.kind, l.status)),
    );
    let mut amounts = Vec::new();
    let mut amount_blame = Vec::new();
    let mut amount_lines = Vec::with_capacity(o.amounts.len());
    for a in &o.amounts {
        let v = f.value(a.node, row);
        match v {
            Val::Num(d) => amounts.push((a.name.clone(), Amount(*d))),
            _ => amount_blame.extend(w.blame(&[a.node])),
        }
        let ty = w.node_ty(a.node);
        let ty = if ty == Type::Scalar { Type::Number } else { ty };
        let uses = w.uses_of(&mut vals, &[(a.node, row)], true);
        let error = err_of(v).and_then(|e| line_error(w, e, &o.name));
        amount_lines.push(AmountLine {
            name: a.name.clone(),
            label: a.label.clone(),
            value: match v {
                Val::Num(d) => Some(decimal_text(*d)),
                _ => None,
            },
            display: crate::display::display(w.g, v, ty),
            formula: a.formula.clone(),
            uses,
            error,
        });
    }
    w.drain(&mut vals);
    // Outcomes read by `eligible` show their undecided or blocking lines (R9); what those
    // lines read joins the table (and may bring more outcomes).
    let mut done: FxHashSet<String> = FxHashSet::default();
    loop {
        let todo: Vec<(usize, u32)> = vals
            .entries
            .iter()
            .enumerate()
            .filter(|(_, (k, e))| e.kind == ValueKind::Outcome && !done.contains(k))
            .filter_map(|(i, (k, _))| Some((i, w.g.outcome_id(k)?)))
            .collect();
        if todo.is_empty() {
            break;
        }
        for (i, id) in todo {
            let Some(out_g) = w.g.outcome(id) else {
                continue;
            };
            if let Some((k, _)) = vals.entries.get(i) {
                done.insert(k.clone());
            }
            let shown: Vec<Line> = w
                .shown_lines(out_g, row)
                .into_iter()
                .map(|r| explain_line(w, &mut vals, r, &out_g.name).0)
                .collect();
            if let Some((_, e)) = vals.entries.get_mut(i) {
                e.requirements = Some(shown);
            }
        }
        w.drain(&mut vals);
    }
    finish(
        o,
        vals,
        lines,
        blame_lists,
        status,
        amounts,
        amount_blame,
        amount_lines,
    )
}

/// One requirement or exception explained, with the facts that could decide it when it is
/// undecided.
fn explain_line(
    w: &mut Walker<'_>,
    vals: &mut Values,
    r: &crate::graph::ReqG,
    outcome: &str,
) -> (Line, Option<Vec<String>>) {
    let (f, row) = (w.f, w.row);
    let cond = f.value(r.cond, row);
    let guard = r.guard.map(|gd| f.value(gd, row));
    let status = line_status(r.kind, cond, guard);
    let applies = status != LineStatus::NotApplicable;
    let mut roots = Vec::new();
    if let Some(gd) = r.guard {
        roots.push(gd);
    }
    if applies {
        roots.push(r.cond);
    }
    let mut blame = None;
    if status == LineStatus::Unknown {
        let mut undecided = Vec::new();
        if let Some(gd) = r.guard {
            undecided.push(gd);
        }
        undecided.push(r.cond);
        blame = Some(w.blame(&undecided));
    }
    let blocks = matches!(
        (r.kind, status),
        (ReqKind::Require, LineStatus::False) | (ReqKind::Unless, LineStatus::True)
    );
    let read: Vec<(NodeId, usize)> = roots.iter().map(|r| (*r, row)).collect();
    let uses = w.uses_of(vals, &read, true);
    // An undecided line whose condition (or guard) failed says why (R11).
    let error = if status == LineStatus::Unknown {
        err_of(cond)
            .or_else(|| guard.and_then(err_of))
            .and_then(|e| line_error(w, e, outcome))
    } else {
        None
    };
    let line = Line {
        id: r.id.clone(),
        uses,
        blocks,
        kind: r.kind.line_kind(),
        status,
        message: r.message.clone(),
        cite: r.cite.clone(),
        facts: w.facts(&roots),
        compare: if applies { w.compare(r.cond) } else { None },
        recourse: Vec::new(),
        error,
    };
    (line, blame)
}

/// The decision on an outcome from its explained lines and amounts: `missing` ranked.
#[allow(clippy::too_many_arguments)]
fn finish(
    o: &OutcomeG,
    vals: Values,
    lines: Vec<Line>,
    blame_lists: Vec<Vec<String>>,
    status: Status,
    amounts: Vec<(String, Amount)>,
    amount_blame: Vec<String>,
    amount_lines: Vec<AmountLine>,
) -> OutcomeDecision {
    // Most decisive first: the fact in the most undecided lines; ties by first appearance.
    let mut missing: Vec<String> = Vec::new();
    if status != Status::Ineligible {
        let mut count: FxHashMap<&str, (usize, usize)> = FxHashMap::default();
        let mut order = 0usize;
        for list in &blame_lists {
            for p in list {
                let e = count.entry(p.as_str()).or_insert_with(|| {
                    order += 1;
                    (0, order)
                });
                e.0 += 1;
            }
        }
        let mut ranked: Vec<(&str, (usize, usize))> = count.into_iter().collect();
        ranked.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
        if status == Status::Undetermined {
            missing.extend(ranked.into_iter().map(|(p, _)| p.to_string()));
        }
        let mut listed: FxHashSet<String> = missing.iter().cloned().collect();
        for p in amount_blame {
            if listed.insert(p.clone()) {
                missing.push(p);
            }
        }
    }
    OutcomeDecision {
        status,
        title: o.title.clone(),
        amounts: OrderedMap(amounts),
        requirements: lines,
        missing,
        values: OrderedMap(vals.entries),
        amount_lines,
    }
}
