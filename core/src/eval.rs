//! Evaluation: one forward pass over the graph, a column at a time.
//!
//! Each node gets a column: one value per application (row scope) or per list item (item
//! scope). A node's kernel reads its children's columns and writes its own; dispatch happens
//! once per node, not once per value. A single evaluation is a batch of one, so single and
//! batch evaluation share every line of semantics.
//!
//! Three-valued logic: `Val::Unknown` is the third value; `Val::Err` is an evaluation error
//! (recorded in `Frame::errors`) that propagates like an unknown. `and`/`or` absorb both
//! (`false and unknown = false`).

use std::cmp::Ordering;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::codes;
use crate::graph::{DirG, Graph, NodeId, Op, ROW};
use crate::ir::{AggKind, ArithOp, CmpOp, Hit, RoundMode};
use crate::value::{Val, add_calendar, date_from_days, exact_or_code};

/// The validated facts of one application: scalar slots, and per list its items (each a
/// row of field values) or `None` when the list is not given.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct FactRow {
    pub(crate) scalars: Vec<Val>,
    pub(crate) lists: Vec<Option<Vec<Vec<Val>>>>,
}

/// Where the evaluator reads facts from: validated rows, or a window of columns.
pub(crate) trait Source {
    /// Number of applications.
    fn len(&self) -> usize;
    /// Writes scalar slot `slot` of every application into `out`.
    fn fill(&self, slot: u32, out: &mut [Val]);
    /// The items of list `list` for application `row`; `None` when the list is not given.
    fn items(&self, row: usize, list: u32) -> Option<&[Vec<Val>]>;
}

/// Validated rows, owned (`[FactRow]`) or borrowed (`[&FactRow]`, a batch evaluated in place).
impl<R: std::borrow::Borrow<FactRow>> Source for [R] {
    fn len(&self) -> usize {
        <[R]>::len(self)
    }

    fn fill(&self, slot: u32, out: &mut [Val]) {
        for (o, row) in out.iter_mut().zip(self) {
            *o = row
                .borrow()
                .scalars
                .get(slot as usize)
                .cloned()
                .unwrap_or(Val::Unknown);
        }
    }

    fn items(&self, row: usize, list: u32) -> Option<&[Vec<Val>]> {
        self.get(row)?.borrow().lists.get(list as usize)?.as_deref()
    }
}

/// An evaluation error at one node and row.
#[derive(Clone, Debug)]
pub(crate) struct ErrRec {
    pub(crate) code: &'static str,
    pub(crate) node: NodeId,
    pub(crate) detail: Option<String>,
}

/// The values of every node for a batch of applications.
pub(crate) struct Frame {
    /// `Some(n)` when every node has one value per row (no list items): node `i`'s column
    /// is `vals[i * n..][..n]` and `starts`/`lens` are left empty.
    uniform: Option<usize>,
    starts: Vec<usize>,
    lens: Vec<usize>,
    pub(crate) vals: Vec<Val>,
    /// Per list: item offsets per row (`n + 1` entries).
    pub(crate) list_off: Vec<Vec<u32>>,
    /// Per list: whether the row gave the list at all.
    pub(crate) list_present: Vec<Vec<bool>>,
    /// Per list: the row of each item.
    pub(crate) item_row: Vec<Vec<u32>>,
    pub(crate) errors: Vec<ErrRec>,
    /// For a single decision: the intervals of row values that stayed unknown but are
    /// bounded by declared ranges (see `intervals`), for explanations.
    pub(crate) bounds: Vec<(NodeId, crate::intervals::Iv)>,
}

const UNKNOWN: Val = Val::Unknown;

impl Frame {
    /// The value of `node` at position `pos` (a row, or an item of the node's list).
    pub(crate) fn value(&self, node: NodeId, pos: usize) -> &Val {
        self.column(node).get(pos).unwrap_or(&UNKNOWN)
    }

    /// Sets the value of `node` at position `pos` (nothing for an unknown node).
    pub(crate) fn set(&mut self, node: NodeId, pos: usize, v: Val) {
        set(self, node, pos, v);
    }

    pub(crate) fn column(&self, node: NodeId) -> &[Val] {
        let (s, l) = self.span(node);
        self.vals.get(s..s.saturating_add(l)).unwrap_or(&[])
    }

    /// Where `node`'s column sits in `vals`: start and length (out of range for an unknown
    /// node, so reads find nothing and writes go nowhere).
    fn span(&self, node: NodeId) -> (usize, usize) {
        let i = node as usize;
        match self.uniform {
            Some(n) => (i.saturating_mul(n), n),
            None => (
                self.starts.get(i).copied().unwrap_or(usize::MAX),
                self.lens.get(i).copied().unwrap_or(0),
            ),
        }
    }

    /// Items of list `list` for row `row`, as a range of item positions.
    pub(crate) fn items(&self, list: u32, row: usize) -> std::ops::Range<usize> {
        let off = self.list_off.get(list as usize);
        let a = off.and_then(|o| o.get(row)).copied().unwrap_or(0) as usize;
        let b = off.and_then(|o| o.get(row + 1)).copied().unwrap_or(0) as usize;
        a..b.max(a)
    }

    pub(crate) fn row_of(&self, scope: u32, pos: usize) -> u32 {
        if scope == ROW {
            u32::try_from(pos).unwrap_or(u32::MAX)
        } else {
            self.item_row
                .get(scope as usize - 1)
                .and_then(|r| r.get(pos))
                .copied()
                .unwrap_or(0)
        }
    }
}

/// Result of a scalar operation: a value, or a new error with its code.
pub(crate) enum Res {
    V(Val),
    E(&'static str),
}

/// Node label: read by nothing a decision reports.
const UNREAD: u32 = u32::MAX;
/// Node label: read by more than one guarded condition, or by a guard, an unguarded
/// condition or an amount.
const SHARED: u32 = u32::MAX - 1;

/// Which nodes a decision reads, worked out once per graph.
///
/// A decision reports requirement lines and amounts. A line whose `when` guard is false is
/// not applicable: its condition is never shown, blamed or reported (see `explain`), so the
/// nodes only that condition reads need not be evaluated. Guards are evaluated first; then
/// every other node that something reads, skipping the nodes of conditions whose guard is
/// false at every position (typically a rule version not in force at `as_of`). Nodes nothing
/// reads are never evaluated.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    /// The nodes guards read (closed under children), ascending.
    first: Vec<NodeId>,
    /// Every other node read by a line or an amount, ascending.
    rest: Vec<NodeId>,
    /// Per node: the guarded requirement (index into `guards`) whose condition alone reads
    /// it, or `SHARED` / `UNREAD`.
    owner: Vec<u32>,
    /// Per guarded requirement, in policy order: its guard.
    guards: Vec<NodeId>,
    /// Per node: its scope (a compact copy, for laying out a frame).
    scopes: Vec<u32>,
    /// Declared ranges, when the policy has any (else empty): per fact slot, its interval.
    ranges: Vec<Option<crate::intervals::Iv>>,
    /// With ranges: the nodes a decision reads, in evaluation order; and the nodes whose
    /// unknown value sends a row through interval refinement.
    order: Vec<NodeId>,
    watch: Vec<NodeId>,
}

impl Plan {
    pub(crate) fn new(g: &Graph) -> Plan {
        let n = g.nodes.len();
        let merge = |a: u32, b: u32| -> u32 {
            if a == UNREAD || a == b {
                b
            } else if b == UNREAD {
                a
            } else {
                SHARED
            }
        };
        let mut owner = vec![UNREAD; n];
        let mut in_first = vec![false; n];
        let mut guards = Vec::new();
        let label = |owner: &mut Vec<u32>, node: NodeId, l: u32| {
            if let Some(o) = owner.get_mut(node as usize) {
                *o = merge(*o, l);
            }
        };
        for o in &g.outcomes {
            for q in &o.requirements {
                match q.guard {
                    Some(gd) => {
                        let k = u32::try_from(guards.len()).unwrap_or(SHARED).min(SHARED);
                        guards.push(gd);
                        label(&mut owner, q.cond, k);
                        label(&mut owner, gd, SHARED);
                        if let Some(f) = in_first.get_mut(gd as usize) {
                            *f = true;
                        }
                    }
                    None => label(&mut owner, q.cond, SHARED),
                }
            }
            for a in &o.amounts {
                label(&mut owner, a.node, SHARED);
            }
        }
        // Children come before their parents (the graph is validated topological), so one
        // pass from the last node down sees every parent of a node before the node.
        for (id, node) in g.nodes.iter().enumerate().rev() {
            let own = owner.get(id).copied().unwrap_or(UNREAD);
            let first = in_first.get(id).copied().unwrap_or(false);
            if own == UNREAD && !first {
                continue;
            }
            for c in g.children(&node.op) {
                if (c as usize) >= id {
                    continue;
                }
                label(&mut owner, c, own);
                if first && let Some(f) = in_first.get_mut(c as usize) {
                    *f = true;
                }
            }
        }
        let ids = (0..n).filter_map(|i| u32::try_from(i).ok());
        let first: Vec<NodeId> = ids
            .clone()
            .filter(|&i| in_first.get(i as usize).copied().unwrap_or(false))
            .collect();
        let rest: Vec<NodeId> = ids
            .filter(|&i| {
                !in_first.get(i as usize).copied().unwrap_or(false)
                    && owner.get(i as usize).copied().unwrap_or(UNREAD) != UNREAD
            })
            .collect();
        let mut ranges = Vec::new();
        let (mut order, mut watch) = (Vec::new(), Vec::new());
        // Intervals can decide something with a declared range, or through a table, a
        // `count`/`sum` or a lookup in an enum-keyed directory (R2): only then is a row that
        // left something unknown looked at again.
        let ranged = g
            .entities
            .iter()
            .any(|e| !e.is_list && e.fields.iter().any(|f| f.range.is_some()));
        let through = g.nodes.iter().any(|n| match &n.op {
            Op::Table(_) => true,
            Op::Agg { kind, .. } => matches!(kind, AggKind::Count | AggKind::Sum),
            Op::DirGet(d, _, _) => g
                .directories
                .get(*d as usize)
                .is_some_and(|d| matches!(d.key_ty, crate::types::Type::Enum(_))),
            _ => false,
        });
        if ranged || through {
            for e in g.entities.iter().filter(|e| !e.is_list) {
                for (k, f) in e.fields.iter().enumerate() {
                    let slot = (e.base as usize).saturating_add(k);
                    if ranges.len() <= slot {
                        ranges.resize(slot + 1, None);
                    }
                    if let Some(s) = ranges.get_mut(slot) {
                        *s = f.range.as_ref().map(crate::intervals::Iv::of_range);
                    }
                }
            }
            order = first.iter().chain(rest.iter()).copied().collect();
            for o in &g.outcomes {
                for q in &o.requirements {
                    watch.push(q.cond);
                    watch.extend(q.guard);
                }
                watch.extend(o.amounts.iter().map(|a| a.node));
            }
        }
        Plan {
            first,
            rest,
            owner,
            guards,
            scopes: g.nodes.iter().map(|n| n.scope).collect(),
            ranges,
            order,
            watch,
        }
    }
}

/// Evaluates the nodes a decision reads for `rows` at `as_of` (days since CE).
pub(crate) fn run<S: Source + ?Sized>(g: &Graph, plan: &Plan, rows: &S, as_of: i32) -> Frame {
    let n = rows.len();
    // Lists: offsets and owners of items.
    let mut list_off = Vec::with_capacity(g.lists.len());
    let mut list_present = Vec::with_capacity(g.lists.len());
    let mut item_row = Vec::with_capacity(g.lists.len());
    for l in 0..g.lists.len() {
        let mut off = Vec::with_capacity(n + 1);
        let mut present = Vec::with_capacity(n);
        let mut owners = Vec::new();
        let mut total: u32 = 0;
        off.push(0);
        for r in 0..n {
            let items = rows.items(r, u32::try_from(l).unwrap_or(u32::MAX));
            present.push(items.is_some());
            let k = items.map_or(0, <[Vec<Val>]>::len);
            total = total.saturating_add(u32::try_from(k).unwrap_or(u32::MAX));
            off.push(total);
            owners.extend(std::iter::repeat_n(u32::try_from(r).unwrap_or(u32::MAX), k));
        }
        list_off.push(off);
        list_present.push(present);
        item_row.push(owners);
    }
    let uniform = plan.scopes.iter().all(|&s| s == ROW);
    let (mut starts, mut lens) = (Vec::new(), Vec::new());
    let mut total = 0usize;
    if uniform {
        total = plan.scopes.len().saturating_mul(n);
    } else {
        starts.reserve(plan.scopes.len());
        lens.reserve(plan.scopes.len());
        for &scope in &plan.scopes {
            let len = if scope == ROW {
                n
            } else {
                item_row.get(scope as usize - 1).map_or(0, Vec::len)
            };
            starts.push(total);
            lens.push(len);
            total = total.saturating_add(len);
        }
    }
    let mut vals = Vec::with_capacity(total);
    vals.resize_with(total, || Val::Unknown);
    let mut f = Frame {
        uniform: uniform.then_some(n),
        starts,
        lens,
        vals,
        list_off,
        list_present,
        item_row,
        errors: Vec::new(),
        bounds: Vec::new(),
    };
    let one = f.uniform == Some(1);
    let eval_node = |f: &mut Frame, id: NodeId| {
        if let Some(node) = g.nodes.get(id as usize)
            && !(one && step1(g, f, rows, id, &node.op, as_of))
        {
            step(g, f, rows, id, &node.op, node.scope, as_of);
        }
    };
    for &id in &plan.first {
        eval_node(&mut f, id);
    }
    // Guarded requirements whose guard is false everywhere (the first 64 are tracked).
    let mut off: u64 = 0;
    for (k, gd) in plan.guards.iter().enumerate().take(64) {
        if f.column(*gd).iter().all(|v| *v == Val::Bool(false)) {
            off |= 1 << k;
        }
    }
    for &id in &plan.rest {
        let own = plan.owner.get(id as usize).copied().unwrap_or(SHARED);
        if own < 64 && off & (1 << own) != 0 {
            continue;
        }
        eval_node(&mut f, id);
    }
    if !plan.order.is_empty() {
        crate::intervals::refine(g, &mut f, &plan.ranges, &plan.order, &plan.watch, n, as_of);
        // Looked up by node when explaining: sorted, so each lookup is a binary search.
        f.bounds.sort_by_key(|(id, _)| *id);
    }
    f
}

/// The value of parameter `p` in force at `as_of`; `None` before its first step.
fn param_at(g: &Graph, p: u32, as_of: i32) -> Option<Val> {
    g.params
        .get(p as usize)?
        .steps
        .iter()
        .rev()
        .find(|(from, _, _)| *from <= as_of)
        .and_then(|(_, c, _)| g.consts.get(*c as usize))
        .map(|c| c.to_val())
}

/// The version of table `t` in force at `as_of` (evaluation and explanations agree on it).
pub(crate) fn version_at(g: &Graph, t: u32, as_of: i32) -> Option<usize> {
    g.tables
        .get(t as usize)?
        .versions
        .iter()
        .rposition(|v| v.from.is_none_or(|d| d <= as_of))
}

/// One application in a uniform frame: node `i`'s value is `vals[i]`, so the common
/// operators read their operands in place and call the same scalar kernels as `step`,
/// without setting up a column per operand. Returns `false` for the operators it leaves
/// to `step` (tables, and what only list items use).
fn step1<S: Source + ?Sized>(
    g: &Graph,
    f: &mut Frame,
    rows: &S,
    id: NodeId,
    op: &Op,
    as_of: i32,
) -> bool {
    let i = id as usize;
    let total = f.vals.len();
    let (done, rest) = f.vals.split_at_mut(i.min(total));
    let Some(out) = rest.first_mut() else {
        return true;
    };
    let errors = &mut f.errors;
    if let Op::Fact(slot) = op {
        rows.fill(*slot, std::slice::from_mut(out));
        return true;
    }
    // Children come before their parents in a validated graph.
    let Some(v) = scalar(g, id, op, in_slice(done), as_of, errors) else {
        return false;
    };
    *out = v;
    true
}

/// Reads operand values from a slice indexed by node id (one application's values). One
/// function, so that `scalar` is compiled once for `step1` and for `intervals`.
pub(crate) fn in_slice<'v>(vals: &'v [Val]) -> impl Fn(&NodeId) -> &'v Val {
    move |c| vals.get(*c as usize).unwrap_or(&UNKNOWN)
}

/// The value of a row-scope operator from its operands' values, with the scalar kernels
/// `step` uses; `None` for facts, tables and what only list items use. New errors go to
/// `errors`.
pub(crate) fn scalar<'v>(
    g: &Graph,
    id: NodeId,
    op: &Op,
    at: impl Fn(&NodeId) -> &'v Val,
    as_of: i32,
    errors: &mut Vec<ErrRec>,
) -> Option<Val> {
    let v = match op {
        Op::Const(c) => g
            .consts
            .get(*c as usize)
            .map_or(Val::Unknown, |c| c.to_val()),
        Op::AsOf => Val::Date(as_of),
        Op::Param(p) => match param_at(g, *p, as_of) {
            Some(v) => v,
            None => err(errors, codes::NOT_IN_FORCE, id),
        },
        Op::Not(a) => not(at(a)),
        Op::Neg(a) => settle(neg(at(a)), errors, id),
        Op::And(args) | Op::Or(args) => {
            let is_and = matches!(op, Op::And(_));
            let mut acc = Val::Bool(is_and);
            for c in g.args(*args) {
                kleene(&mut acc, at(c), is_and);
            }
            acc
        }
        Op::Cmp(cop, a, b) => cmp(*cop, at(a), at(b)),
        Op::Arith(aop, a, b) => settle(arith(*aop, at(a), at(b)), errors, id),
        Op::DateShift { date, by, negate } => {
            settle(date_shift(at(date), at(by), *negate), errors, id)
        }
        Op::DateDiff(a, b) => date_diff(at(a), at(b)),
        Op::DaysArith { sub, a, b } => settle(days_arith(*sub, at(a), at(b)), errors, id),
        Op::If(c, a, b) => if_(at(c), at(a), at(b)),
        Op::MinMax { max, args } => minmax(*max, g.args(*args).iter().map(at)),
        Op::Round { x, places, mode } => settle(round(at(x), *places, *mode), errors, id),
        Op::Abs(x) => match at(x) {
            Val::Num(d) => Val::Num(d.abs()),
            other => pass(other),
        },
        Op::InForce { from, to, x } => {
            if Op::in_force(*from, *to, as_of) {
                at(x).clone()
            } else {
                err(errors, codes::OUTSIDE_WINDOW, id)
            }
        }
        Op::YearsBetween(a, b) => between(at(a), at(b), true),
        Op::MonthsBetween(a, b) => between(at(a), at(b), false),
        Op::InSet(x, items) => in_set(at(x), g.args(*items).iter().map(at)),
        Op::DirHas(d, key) => dir_has(g.directories.get(*d as usize), at(key)),
        Op::DirGet(d, key, col) => dir_get(g.directories.get(*d as usize), at(key), *col),
        Op::Within(x, p) => within(at(x), at(p)),
        Op::WithinDir(d, x) => within_dir(g.directories.get(*d as usize), at(x)),
        Op::Fact(_) | Op::ItemFact { .. } | Op::Broadcast(_) | Op::Table(_) | Op::Agg { .. } => {
            return None;
        }
    };
    Some(v)
}

/// The node's own output column, its children's columns, and the error list.
fn split<const N: usize>(
    f: &mut Frame,
    id: NodeId,
    kids: [NodeId; N],
) -> (&mut [Val], [&[Val]; N], &mut Vec<ErrRec>) {
    let (start, len) = f.span(id);
    let spans = kids.map(|c| f.span(c));
    let total = f.vals.len();
    let (done, rest) = f.vals.split_at_mut(start.min(total));
    let out = rest.get_mut(..len).unwrap_or(&mut []);
    let cols = spans.map(|(s, l)| {
        let col: &[Val] = done.get(s..s.saturating_add(l)).unwrap_or(&[]);
        col
    });
    (out, cols, &mut f.errors)
}

fn err(errors: &mut Vec<ErrRec>, code: &'static str, node: NodeId) -> Val {
    let i = u32::try_from(errors.len()).unwrap_or(u32::MAX);
    errors.push(ErrRec {
        code,
        node,
        detail: None,
    });
    Val::Err(i)
}

#[allow(clippy::too_many_arguments)]
fn step<S: Source + ?Sized>(
    g: &Graph,
    f: &mut Frame,
    rows: &S,
    id: NodeId,
    op: &Op,
    scope: u32,
    as_of: i32,
) {
    // Positions map to rows for error records.
    let item_rows: Option<Vec<u32>> = (scope != ROW).then(|| {
        f.item_row
            .get(scope as usize - 1)
            .cloned()
            .unwrap_or_default()
    });
    match op {
        Op::Const(c) => {
            let v = g
                .consts
                .get(*c as usize)
                .map_or(Val::Unknown, |c| c.to_val());
            let (out, [], _) = split(f, id, []);
            out.fill(v);
        }
        Op::AsOf => {
            let (out, [], _) = split(f, id, []);
            out.fill(Val::Date(as_of));
        }
        Op::Param(p) => {
            let v = param_at(g, *p, as_of);
            let (out, [], errors) = split(f, id, []);
            match v {
                Some(v) => out.fill(v),
                None => {
                    for o in out.iter_mut() {
                        *o = err(errors, codes::NOT_IN_FORCE, id);
                    }
                }
            }
        }
        Op::Fact(slot) => {
            let (out, [], _) = split(f, id, []);
            rows.fill(*slot, out);
        }
        Op::ItemFact { list, field } => {
            let (out, [], _) = split(f, id, []);
            let mut it = out.iter_mut();
            for r in 0..rows.len() {
                if let Some(items) = rows.items(r, *list) {
                    for item in items {
                        if let Some(o) = it.next() {
                            *o = item.get(*field as usize).cloned().unwrap_or(Val::Unknown);
                        }
                    }
                }
            }
        }
        Op::Broadcast(src) => {
            let owners = item_rows.clone().unwrap_or_default();
            let (out, [src], _) = split(f, id, [*src]);
            for (o, r) in out.iter_mut().zip(owners) {
                *o = src.get(r as usize).cloned().unwrap_or(Val::Unknown);
            }
        }
        Op::Not(a) => {
            let (out, [a], _) = split(f, id, [*a]);
            for (o, x) in out.iter_mut().zip(a) {
                *o = not(x);
            }
        }
        Op::Neg(a) => {
            let (out, [a], errors) = split(f, id, [*a]);
            for (o, x) in out.iter_mut().zip(a) {
                *o = settle(neg(x), errors, id);
            }
        }
        Op::And(args) | Op::Or(args) => {
            let is_and = matches!(op, Op::And(_));
            let children = g.args(*args);
            let (out, [], _) = split(f, id, []);
            out.fill(Val::Bool(is_and));
            for c in children {
                let (s, l) = f.span(*c);
                let (start, len) = f.span(id);
                let total = f.vals.len();
                let (done, rest) = f.vals.split_at_mut(start.min(total));
                let col = done.get(s..s.saturating_add(l)).unwrap_or(&[]);
                let out = rest.get_mut(..len).unwrap_or(&mut []);
                for (o, v) in out.iter_mut().zip(col) {
                    kleene(o, v, is_and);
                }
            }
        }
        Op::Cmp(cop, a, b) => {
            let (out, [a, b], _) = split(f, id, [*a, *b]);
            for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
                *o = cmp(*cop, x, y);
            }
        }
        Op::Arith(aop, a, b) => {
            let (out, [a, b], errors) = split(f, id, [*a, *b]);
            for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
                *o = settle(arith(*aop, x, y), errors, id);
            }
        }
        Op::DateShift { date, by, negate } => {
            let (out, [date, by], errors) = split(f, id, [*date, *by]);
            for (o, (d, b)) in out.iter_mut().zip(date.iter().zip(by)) {
                *o = settle(date_shift(d, b, *negate), errors, id);
            }
        }
        Op::DateDiff(a, b) => {
            let (out, [a, b], _) = split(f, id, [*a, *b]);
            for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
                *o = date_diff(x, y);
            }
        }
        Op::DaysArith { sub, a, b } => {
            let (out, [a, b], errors) = split(f, id, [*a, *b]);
            for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
                *o = settle(days_arith(*sub, x, y), errors, id);
            }
        }
        Op::If(c, a, b) => {
            let (out, [c, a, b], _) = split(f, id, [*c, *a, *b]);
            for (o, (cv, (x, y))) in out.iter_mut().zip(c.iter().zip(a.iter().zip(b))) {
                *o = if_(cv, x, y);
            }
        }
        Op::MinMax { max, args } => {
            let children = g.args(*args).to_vec();
            let (out, [], _) = split(f, id, []);
            out.fill(Val::Unknown);
            let len = out.len();
            for i in 0..len {
                let v = minmax(*max, children.iter().map(|c| f.value(*c, i)));
                let (s, _) = f.span(id);
                if let Some(o) = f.vals.get_mut(s.saturating_add(i)) {
                    *o = v;
                }
            }
        }
        Op::Round { x, places, mode } => {
            let (out, [x], errors) = split(f, id, [*x]);
            for (o, v) in out.iter_mut().zip(x) {
                *o = settle(round(v, *places, *mode), errors, id);
            }
        }
        Op::InForce { from, to, x } => {
            let inside = Op::in_force(*from, *to, as_of);
            let (out, [x], errors) = split(f, id, [*x]);
            for (o, v) in out.iter_mut().zip(x) {
                *o = if inside {
                    v.clone()
                } else {
                    err(errors, codes::OUTSIDE_WINDOW, id)
                };
            }
        }
        Op::Abs(x) => {
            let (out, [x], _) = split(f, id, [*x]);
            for (o, v) in out.iter_mut().zip(x) {
                *o = match v {
                    Val::Num(d) => Val::Num(d.abs()),
                    other => pass(other),
                };
            }
        }
        Op::YearsBetween(a, b) | Op::MonthsBetween(a, b) => {
            let years = matches!(op, Op::YearsBetween(..));
            let (out, [a, b], _) = split(f, id, [*a, *b]);
            for (o, (x, y)) in out.iter_mut().zip(a.iter().zip(b)) {
                *o = between(x, y, years);
            }
        }
        Op::InSet(x, items) => {
            let items = g.args(*items).to_vec();
            let (_, len) = f.span(id);
            let mut out_vals = Vec::with_capacity(len);
            for i in 0..len {
                out_vals.push(in_set(f.value(*x, i), items.iter().map(|c| f.value(*c, i))));
            }
            let (out, [], _) = split(f, id, []);
            for (o, v) in out.iter_mut().zip(out_vals) {
                *o = v;
            }
        }
        Op::DirHas(d, key) => {
            let dir = g.directories.get(*d as usize);
            let (out, [key], _) = split(f, id, [*key]);
            for (o, k) in out.iter_mut().zip(key) {
                *o = dir_has(dir, k);
            }
        }
        Op::DirGet(d, key, col) => {
            let dir = g.directories.get(*d as usize);
            let (out, [key], _) = split(f, id, [*key]);
            for (o, k) in out.iter_mut().zip(key) {
                *o = dir_get(dir, k, *col);
            }
        }
        Op::Within(x, p) => {
            let (out, [x, p], _) = split(f, id, [*x, *p]);
            for (o, (a, b)) in out.iter_mut().zip(x.iter().zip(p)) {
                *o = within(a, b);
            }
        }
        Op::WithinDir(d, x) => {
            let dir = g.directories.get(*d as usize);
            let (out, [x], _) = split(f, id, [*x]);
            for (o, a) in out.iter_mut().zip(x) {
                *o = within_dir(dir, a);
            }
        }
        Op::Table(t) => table(g, f, id, *t, version_at(g, *t, as_of)),
        Op::Agg {
            kind,
            list,
            filter,
            value,
        } => aggregate(f, id, *kind, *list, *filter, *value),
    }
}

/// Turns a scalar result into a value, recording a new error.
fn settle(r: Res, errors: &mut Vec<ErrRec>, node: NodeId) -> Val {
    match r {
        Res::V(v) => v,
        Res::E(code) => err(errors, code, node),
    }
}

/// Unknown and errors pass through an operation unchanged.
fn pass(v: &Val) -> Val {
    match v {
        Val::Err(e) => Val::Err(*e),
        _ => Val::Unknown,
    }
}

/// Notes an undecided operand of an aggregate or a set: the first error wins over any
/// unknown, so an error is never hidden behind an unknown item that came first.
fn note_undecided(slot: &mut Option<Val>, v: &Val) {
    match (&*slot, v) {
        (Some(Val::Err(_)), _) => {}
        (_, Val::Err(e)) => *slot = Some(Val::Err(*e)),
        (None, _) => *slot = Some(Val::Unknown),
        (Some(_), _) => {}
    }
}

/// The unknown-or-error of two operands (the first error wins).
fn pass2(a: &Val, b: &Val) -> Val {
    match (a, b) {
        (Val::Err(e), _) | (_, Val::Err(e)) => Val::Err(*e),
        _ => Val::Unknown,
    }
}

/// Folds `v` into the accumulator of an `and` (or `or`) with Kleene's rules.
pub(crate) fn kleene(acc: &mut Val, v: &Val, is_and: bool) {
    let absorbing = !is_and;
    match (&*acc, v) {
        (Val::Bool(b), _) if *b == absorbing => {}
        (_, Val::Bool(b)) if *b == absorbing => *acc = Val::Bool(absorbing),
        (_, Val::Bool(_)) => {}
        (Val::Err(_), _) => {}
        (_, Val::Err(e)) => *acc = Val::Err(*e),
        (_, _) => *acc = Val::Unknown,
    }
}

pub(crate) fn not(v: &Val) -> Val {
    match v {
        Val::Bool(b) => Val::Bool(!b),
        other => pass(other),
    }
}

pub(crate) fn neg(v: &Val) -> Res {
    match v {
        Val::Num(d) => Res::V(Val::Num(-*d)),
        Val::Days(d) => d
            .checked_neg()
            .map_or(Res::E(codes::OVERFLOW), |x| Res::V(Val::Days(x))),
        other => Res::V(pass(other)),
    }
}

pub(crate) fn compare(a: &Val, b: &Val) -> Option<Ordering> {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => Some(x.cmp(y)),
        (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::Days(x), Val::Days(y)) => Some(x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Enum(x), Val::Enum(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

pub(crate) fn cmp(op: CmpOp, a: &Val, b: &Val) -> Val {
    if !a.is_known() || !b.is_known() {
        return pass2(a, b);
    }
    match compare(a, b) {
        Some(o) => Val::Bool(match op {
            CmpOp::Eq => o == Ordering::Equal,
            CmpOp::Ne => o != Ordering::Equal,
            CmpOp::Lt => o == Ordering::Less,
            CmpOp::Le => o != Ordering::Greater,
            CmpOp::Gt => o == Ordering::Greater,
            CmpOp::Ge => o != Ordering::Less,
        }),
        None => Val::Unknown,
    }
}

pub(crate) fn arith(op: ArithOp, a: &Val, b: &Val) -> Res {
    let (Val::Num(x), Val::Num(y)) = (a, b) else {
        return Res::V(pass2(a, b));
    };
    if op == ArithOp::Div && y.is_zero() {
        return Res::E(codes::DIVISION_BY_ZERO);
    }
    match exact_or_code(op, *x, *y) {
        Ok(d) => Res::V(Val::Num(d)),
        Err(code) => Res::E(code),
    }
}

pub(crate) fn date_shift(d: &Val, by: &Val, negate: bool) -> Res {
    let Val::Date(day) = d else {
        return Res::V(pass2(d, by));
    };
    let r = match by {
        Val::Days(n) => {
            let n = if negate { n.checked_neg() } else { Some(*n) };
            n.and_then(|n| i64::from(*day).checked_add(n))
                .and_then(|x| i32::try_from(x).ok())
                .filter(|x| date_from_days(*x).is_some())
        }
        Val::Cal(c) => add_calendar(*day, *c, negate),
        other => return Res::V(pass(other)),
    };
    r.map_or(Res::E(codes::DATE_OUT_OF_RANGE), |x| Res::V(Val::Date(x)))
}

pub(crate) fn date_diff(a: &Val, b: &Val) -> Val {
    match (a, b) {
        (Val::Date(x), Val::Date(y)) => Val::Days(i64::from(*x) - i64::from(*y)),
        _ => pass2(a, b),
    }
}

pub(crate) fn days_arith(sub: bool, a: &Val, b: &Val) -> Res {
    match (a, b) {
        (Val::Days(x), Val::Days(y)) => {
            let r = if sub {
                x.checked_sub(*y)
            } else {
                x.checked_add(*y)
            };
            r.map_or(Res::E(codes::OVERFLOW), |v| Res::V(Val::Days(v)))
        }
        _ => Res::V(pass2(a, b)),
    }
}

pub(crate) fn if_(c: &Val, a: &Val, b: &Val) -> Val {
    match c {
        Val::Bool(true) => a.clone(),
        Val::Bool(false) => b.clone(),
        // Condition not known (or failed): the value is still known if both branches agree.
        _ if a.is_known() && a == b => a.clone(),
        Val::Err(e) => Val::Err(*e),
        _ => pass2(a, b),
    }
}

pub(crate) fn minmax<'v>(max: bool, vals: impl Iterator<Item = &'v Val>) -> Val {
    let mut best: Option<&Val> = None;
    let mut other = Val::Unknown;
    let mut unknown = false;
    for v in vals {
        if !v.is_known() {
            if let Val::Err(_) = v
                && !matches!(other, Val::Err(_))
            {
                other = v.clone();
            }
            unknown = true;
            continue;
        }
        best = match best {
            None => Some(v),
            Some(b) => match compare(v, b) {
                Some(Ordering::Greater) if max => Some(v),
                Some(Ordering::Less) if !max => Some(v),
                _ => Some(b),
            },
        };
    }
    if unknown {
        return other;
    }
    best.cloned().unwrap_or(Val::Unknown)
}

pub(crate) fn round(v: &Val, places: u32, mode: RoundMode) -> Res {
    match v {
        Val::Num(d) => {
            let strategy = match mode {
                RoundMode::HalfUp => RoundingStrategy::MidpointAwayFromZero,
                RoundMode::Floor => RoundingStrategy::ToNegativeInfinity,
                RoundMode::Ceil => RoundingStrategy::ToPositiveInfinity,
            };
            Res::V(Val::Num(d.round_dp_with_strategy(places.min(28), strategy)))
        }
        other => Res::V(pass(other)),
    }
}

/// Whole years (or months) from `a` to `b`; negative when `b` is before `a`.
pub(crate) fn between(a: &Val, b: &Val, years: bool) -> Val {
    use chrono::Datelike;
    let (Val::Date(x), Val::Date(y)) = (a, b) else {
        return pass2(a, b);
    };
    let (Some(d1), Some(d2)) = (date_from_days(*x), date_from_days(*y)) else {
        return Val::Unknown;
    };
    let (lo, hi, sign) = if d1 <= d2 {
        (d1, d2, 1i64)
    } else {
        (d2, d1, -1i64)
    };
    // R14: the largest n ≥ 0 with lo + n months ≤ hi, adding months clamped to the month's
    // last day (as `date + n months` does); whole years are whole twelves of those months.
    let mut months =
        i64::from(hi.year() - lo.year()) * 12 + i64::from(hi.month()) - i64::from(lo.month());
    let past = |m: i64| {
        u32::try_from(m)
            .ok()
            .and_then(|m| lo.checked_add_months(chrono::Months::new(m)))
            .is_none_or(|d| d > hi)
    };
    if months > 0 && past(months) {
        months -= 1;
    }
    let n = if years { months / 12 } else { months };
    Val::Num(Decimal::from(n * sign))
}

pub(crate) fn in_set<'v>(x: &Val, items: impl Iterator<Item = &'v Val>) -> Val {
    if !x.is_known() {
        return pass(x);
    }
    let mut undecided = None;
    for it in items {
        if !it.is_known() {
            note_undecided(&mut undecided, it);
            continue;
        }
        if compare(x, it) == Some(Ordering::Equal) {
            return Val::Bool(true);
        }
    }
    undecided.unwrap_or(Val::Bool(false))
}

pub(crate) fn dir_has(dir: Option<&DirG>, key: &Val) -> Val {
    match dir.and_then(|d| d.row(key)) {
        Some(row) => Val::Bool(row.is_some()),
        None => pass(key),
    }
}

/// `D[key].column`: unknown (never an error) when the key is not in the directory.
pub(crate) fn dir_get(dir: Option<&DirG>, key: &Val, col: u32) -> Val {
    match dir.and_then(|d| Some((d, d.row(key)?))) {
        Some((d, row)) => row
            .and_then(|row| d.cell(row, col))
            .map_or(Val::Unknown, |c| c.to_val()),
        None => pass(key),
    }
}

pub(crate) fn within(x: &Val, p: &Val) -> Val {
    match (x, p) {
        (Val::Str(a), Val::Str(b)) => Val::Bool(a.starts_with(b.as_str())),
        _ => pass2(x, p),
    }
}

/// Whether the code or one of its prefixes (parent codes) is a key of the directory. Only
/// prefixes as long as some key are looked up, so the cost is the number of distinct key
/// lengths, whatever the code's length.
pub(crate) fn within_dir(dir: Option<&DirG>, x: &Val) -> Val {
    match (dir, x) {
        (Some(d), Val::Str(code)) => {
            let s = code.as_str();
            let found = d
                .key_lens
                .iter()
                .take_while(|len| **len <= s.len())
                .any(|len| s.get(..*len).is_some_and(|p| d.index.contains_key(p)));
            Val::Bool(found)
        }
        (_, other) => pass(other),
    }
}

fn table(g: &Graph, f: &mut Frame, id: NodeId, t: u32, version: Option<usize>) {
    let (_, len) = f.span(id);
    let Some(tab) = g.tables.get(t as usize) else {
        return;
    };
    let Some(v) = version.and_then(|v| tab.versions.get(v)) else {
        for i in 0..len {
            let e = err(&mut f.errors, codes::NOT_IN_FORCE, id);
            set(f, id, i, e);
        }
        return;
    };
    for i in 0..len {
        let out = table_at(f, tab.hit, &v.rows, i);
        let val = match out {
            Res::V(v) => v,
            Res::E(code) => err(&mut f.errors, code, id),
        };
        set(f, id, i, val);
    }
}

fn set(f: &mut Frame, id: NodeId, i: usize, v: Val) {
    let (s, _) = f.span(id);
    if let Some(o) = f.vals.get_mut(s.saturating_add(i)) {
        *o = v;
    }
}

/// One table lookup at position `i` under a hit policy.
pub(crate) fn table_at(f: &Frame, hit: Hit, rows: &[crate::graph::RowG], i: usize) -> Res {
    let truth = |r: &crate::graph::RowG| -> Val {
        r.cond.map_or(Val::Bool(true), |c| f.value(c, i).clone())
    };
    match hit {
        Hit::First => {
            // Values still possible, given what is known; `None` entry = no row matches.
            let mut candidates: Vec<Option<&Val>> = Vec::new();
            let mut decided = false;
            for r in rows {
                match truth(r) {
                    Val::Bool(false) => {}
                    Val::Bool(true) => {
                        candidates.push(Some(f.value(r.value, i)));
                        decided = true;
                        break;
                    }
                    // A condition that failed before any row was sure to match: which row
                    // applies cannot be known, and the error says why (never swallowed).
                    Val::Err(e) => return Res::V(Val::Err(e)),
                    _ => candidates.push(Some(f.value(r.value, i))),
                }
            }
            if !decided {
                candidates.push(None);
            }
            resolve_candidates(&candidates, rows, f, i)
        }
        Hit::Unique => {
            let mut matched: Vec<&Val> = Vec::new();
            let mut undecided: Option<Val> = None;
            let mut otherwise: Option<&Val> = None;
            for r in rows {
                if r.cond.is_none() {
                    otherwise = Some(f.value(r.value, i));
                    continue;
                }
                match truth(r) {
                    Val::Bool(true) => matched.push(f.value(r.value, i)),
                    Val::Bool(false) => {}
                    // An error wins over an unknown row: it is why the table is undecided.
                    Val::Err(e) => {
                        if !matches!(undecided, Some(Val::Err(_))) {
                            undecided = Some(Val::Err(e));
                        }
                    }
                    _ => {
                        undecided.get_or_insert(Val::Unknown);
                    }
                }
            }
            if matched.len() > 1 {
                return Res::E(codes::UNIQUE_CONFLICT);
            }
            if let Some(u) = undecided {
                return Res::V(u);
            }
            match (matched.first(), otherwise) {
                (Some(v), _) => Res::V((*v).clone()),
                (None, Some(v)) => Res::V(v.clone()),
                (None, None) => Res::E(codes::NO_MATCHING_ROW),
            }
        }
        Hit::Sum | Hit::Min | Hit::Max | Hit::Count => {
            let mut matched: Vec<&Val> = Vec::new();
            let mut otherwise: Option<&Val> = None;
            let mut unknown = false;
            for r in rows {
                if r.cond.is_none() {
                    otherwise = Some(f.value(r.value, i));
                    continue;
                }
                match truth(r) {
                    Val::Bool(true) => matched.push(f.value(r.value, i)),
                    Val::Bool(false) => {}
                    // The first failed condition is the result; else any unknown one.
                    Val::Err(e) => return Res::V(Val::Err(e)),
                    _ => unknown = true,
                }
            }
            if unknown {
                return Res::V(Val::Unknown);
            }
            if matched.is_empty() {
                return match (hit, otherwise) {
                    (Hit::Count, _) => Res::V(Val::Num(Decimal::ZERO)),
                    (_, Some(v)) => Res::V(v.clone()),
                    (Hit::Sum, None) => Res::V(Val::Num(Decimal::ZERO)),
                    _ => Res::E(codes::NO_MATCHING_ROW),
                };
            }
            match hit {
                Hit::Count => Res::V(Val::Num(Decimal::from(matched.len()))),
                Hit::Sum => {
                    let mut acc = Decimal::ZERO;
                    for v in matched {
                        match v {
                            Val::Num(d) => match exact_or_code(ArithOp::Add, acc, *d) {
                                Ok(x) => acc = x,
                                Err(code) => return Res::E(code),
                            },
                            other => return Res::V(pass(other)),
                        }
                    }
                    Res::V(Val::Num(acc))
                }
                _ => Res::V(minmax(hit == Hit::Max, matched.into_iter())),
            }
        }
    }
}

fn resolve_candidates(
    candidates: &[Option<&Val>],
    _rows: &[crate::graph::RowG],
    _f: &Frame,
    _i: usize,
) -> Res {
    match candidates {
        [Some(v)] => Res::V((*v).clone()),
        [None] => Res::E(codes::NO_MATCHING_ROW),
        _ => {
            // Several rows are still possible: known only if they all give the same value.
            let first = candidates.first().copied().flatten();
            match first {
                Some(v) if v.is_known() && candidates.iter().all(|c| c.is_some_and(|x| x == v)) => {
                    Res::V(v.clone())
                }
                _ => {
                    let e = candidates
                        .iter()
                        .flatten()
                        .find(|v| matches!(v, Val::Err(_)));
                    Res::V(e.map_or(Val::Unknown, |v| (*v).clone()))
                }
            }
        }
    }
}

fn aggregate(
    f: &mut Frame,
    id: NodeId,
    kind: AggKind,
    list: u32,
    filter: Option<NodeId>,
    value: Option<NodeId>,
) {
    let (_, len) = f.span(id);
    let mut results = Vec::with_capacity(len);
    for r in 0..len {
        let present = f
            .list_present
            .get(list as usize)
            .and_then(|p| p.get(r))
            .copied()
            .unwrap_or(false);
        if !present {
            results.push(Res::V(Val::Unknown));
            continue;
        }
        let items = f.items(list, r);
        let pass_of = |j: usize| filter.map_or(Val::Bool(true), |fl| f.value(fl, j).clone());
        let val_of = |j: usize| value.map_or(Val::Bool(true), |v| f.value(v, j).clone());
        let res = match kind {
            AggKind::Any | AggKind::All => {
                let is_and = kind == AggKind::All;
                let mut acc = Val::Bool(is_and);
                for j in items {
                    // any: exists (filter and value); all: forall (not filter or value)
                    let mut el = if is_and { not(&pass_of(j)) } else { pass_of(j) };
                    kleene(&mut el, &val_of(j), !is_and);
                    kleene(&mut acc, &el, is_and);
                }
                Res::V(acc)
            }
            AggKind::Count => {
                let mut count: u64 = 0;
                let mut undecided: Option<Val> = None;
                for j in items {
                    match pass_of(j) {
                        Val::Bool(true) => count += 1,
                        Val::Bool(false) => {}
                        other => note_undecided(&mut undecided, &other),
                    }
                }
                Res::V(undecided.unwrap_or(Val::Num(Decimal::from(count))))
            }
            AggKind::Sum => {
                let mut acc = Decimal::ZERO;
                let mut undecided: Option<Val> = None;
                let mut failed: Option<&'static str> = None;
                for j in items {
                    match pass_of(j) {
                        Val::Bool(true) => match val_of(j) {
                            Val::Num(d) => match exact_or_code(ArithOp::Add, acc, d) {
                                Ok(x) => acc = x,
                                Err(code) => {
                                    failed.get_or_insert(code);
                                }
                            },
                            other => note_undecided(&mut undecided, &other),
                        },
                        Val::Bool(false) => {}
                        other => note_undecided(&mut undecided, &other),
                    }
                }
                match (undecided, failed) {
                    (Some(u), _) => Res::V(u),
                    (None, Some(code)) => Res::E(code),
                    (None, None) => Res::V(Val::Num(acc)),
                }
            }
            AggKind::Min | AggKind::Max => {
                let mut vals: Vec<Val> = Vec::new();
                let mut undecided: Option<Val> = None;
                for j in items {
                    match pass_of(j) {
                        Val::Bool(true) => vals.push(val_of(j)),
                        Val::Bool(false) => {}
                        other => note_undecided(&mut undecided, &other),
                    }
                }
                match undecided {
                    Some(u) => Res::V(u),
                    None if vals.is_empty() => Res::E(codes::EMPTY_AGGREGATE),
                    None => Res::V(minmax(kind == AggKind::Max, vals.iter())),
                }
            }
        };
        results.push(res);
    }
    for (r, res) in results.into_iter().enumerate() {
        let v = match res {
            Res::V(v) => v,
            Res::E(code) => err(&mut f.errors, code, id),
        };
        set(f, id, r, v);
    }
}
