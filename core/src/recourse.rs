//! Recourse: for a line that blocks, the single-fact changes that would flip it alone.
//!
//! The line's condition is walked from the top (`not`, `and`, `or`, a comparison, a bool
//! fact) to the comparisons that decide it; each side of a comparison is inverted exactly
//! down to a fact through operations that are monotone on the whole promised set (`+`, `−`,
//! `×` and `÷` by known values of fixed sign, `min`/`max`, negation, `round`/`floor`/
//! `ceil`). A fact in a divisor is inverted on the side of zero its value is on, and the
//! item says so (`and`). A fact read twice by the line (so that the line is not monotone
//! in it), a line that reads a
//! table or a directory (but see below), a date or list fact: no item. A line that asks for
//! a code in a directory (`require project.category in 支持目录`) offers a few codes that
//! pass it, those closest to the current code first. Every item is checked by evaluating
//! the changed facts at the edge of its promised set, and dropped if the line does not
//! flip there without an error (LANGUAGE.md, "Recourse", and R15).
//!
//! Only explained decisions compute it; `summarize` and batches never do.

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use crate::decision::{Decision, LineStatus, Recourse, RecourseBound};
use crate::eval::{self, FactRow, Plan};
use crate::explain::{fact_path, line_status};
use crate::graph::{FactRef, Graph, NodeId, Op, ReqG};
use crate::ir::{ArithOp, CmpOp, ReqKind, RoundMode};
use crate::types::Type;
use crate::value::{Val, decimal_text};

/// Nodes visited per line before giving up (the graph is a DAG: paths can multiply).
const MAX_VISITS: usize = 4096;
/// Items per line at most (each costs one evaluation to check).
const MAX_ITEMS: usize = 16;
/// Checking evaluations per decision at most, over all its lines: each is one evaluation
/// of the graph, so the cost of recourse stays a constant number of evaluations however
/// many lines block. Lines past the budget get no item.
pub(crate) const MAX_CHECKS: usize = 64;

/// Fills `recourse` of every blocking line of `d`.
pub(crate) fn attach(
    g: &Graph,
    plan: &Plan,
    frame: &eval::Frame,
    row: &FactRow,
    as_of: i32,
    d: &mut Decision,
) {
    let mut checks = MAX_CHECKS;
    for o in &g.outcomes {
        let Some(od) = d.outcomes.0.iter_mut().find(|(n, _)| *n == o.name) else {
            continue;
        };
        for (req, line) in o.requirements.iter().zip(od.1.requirements.iter_mut()) {
            if line.blocks {
                line.recourse = for_line(g, plan, frame, row, as_of, req, &mut checks);
            }
        }
    }
}

/// A constraint on a fact slot found by inversion: `slot op bound` (and, for a divisor,
/// `slot and.0 and.1`); `exact` when no division along the way was rounded.
#[derive(Clone, Debug)]
struct Found {
    slot: u32,
    op: CmpOp,
    bound: Decimal,
    exact: bool,
    and: Option<(CmpOp, Decimal)>,
}

struct Inverter<'a> {
    g: &'a Graph,
    frame: &'a eval::Frame,
    /// Whether a `+`, `−` or `×` lies between the comparison and the node being inverted:
    /// those need the exact digits of their operands, so a quotient that does not terminate
    /// below them makes some values of the fact an `eval/precision` error, and no item can
    /// promise every value.
    under_arith: bool,
    visits: usize,
    found: Vec<Found>,
    bools: Vec<(u32, bool)>,
}

fn for_line(
    g: &Graph,
    plan: &Plan,
    frame: &eval::Frame,
    row: &FactRow,
    as_of: i32,
    req: &ReqG,
    checks: &mut usize,
) -> Vec<Recourse> {
    if *checks == 0 {
        return Vec::new();
    }
    if let Some(items) = membership(g, plan, row, as_of, req, checks) {
        return items;
    }
    if reads_lookup(g, req.cond) {
        return Vec::new();
    }
    let mut inv = Inverter {
        g,
        frame,
        under_arith: false,
        visits: 0,
        found: Vec::new(),
        bools: Vec::new(),
    };
    // A requirement must become true, an exception false.
    inv.want(req.cond, req.kind == ReqKind::Require);
    if inv.visits > MAX_VISITS {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut paths = FxHashMap::default();
    for f in inv.found.into_iter().take(MAX_ITEMS) {
        // The line (its guard included) must read the fact exactly once.
        if reads(g, req.cond, f.slot, &mut paths)
            + req.guard.map_or(0, |gd| reads(g, gd, f.slot, &mut paths))
            != 1
        {
            continue;
        }
        if *checks == 0 {
            break;
        }
        if let Some(item) = numeric_item(g, plan, row, as_of, req, &f, checks)
            && !out.contains(&item)
        {
            out.push(item);
        }
    }
    for (slot, value) in inv.bools.into_iter().take(MAX_ITEMS) {
        if reads(g, req.cond, slot, &mut paths)
            + req.guard.map_or(0, |gd| reads(g, gd, slot, &mut paths))
            != 1
        {
            continue;
        }
        if *checks == 0 {
            break;
        }
        *checks -= 1;
        if flips(g, plan, row, as_of, req, slot, Val::Bool(value)) {
            out.push(Recourse {
                fact: fact_path(g, FactRef::Slot(slot), None),
                op: "==".to_string(),
                value: value.to_string(),
                display: None,
                current: row
                    .scalars
                    .get(slot as usize)
                    .and_then(|v| crate::display::display(g, v, Type::Bool)),
                and: None,
            });
        }
    }
    out
}

/// Codes offered for a directory membership line at most (each is checked).
const MAX_CODES: usize = 3;

/// A line `require FACT in DIRECTORY` (or `unless not (FACT in DIRECTORY)`) on a code fact
/// that is not in the directory: the codes that would pass it, at most [`MAX_CODES`], those
/// sharing the longest prefix with the current code first (codes are often hierarchical),
/// then in the directory's order; each checked by evaluating it. `None` when the line is
/// not of that form (other recourse applies then).
fn membership(
    g: &Graph,
    plan: &Plan,
    row: &FactRow,
    as_of: i32,
    req: &ReqG,
    checks: &mut usize,
) -> Option<Vec<Recourse>> {
    let node = |n: NodeId| g.nodes.get(n as usize).map(|x| &x.op);
    let (d, key) = match (req.kind, node(req.cond)?) {
        (ReqKind::Require, Op::DirHas(d, k)) => (*d, *k),
        (ReqKind::Unless, Op::Not(x)) => match node(*x)? {
            Op::DirHas(d, k) => (*d, *k),
            _ => return None,
        },
        _ => return None,
    };
    let Some(Op::Fact(slot)) = node(key) else {
        return None;
    };
    let slot = *slot;
    // The guard must not read the fact (the line must read it once).
    let mut paths = FxHashMap::default();
    if req.guard.map_or(0, |gd| reads(g, gd, slot, &mut paths)) != 0 {
        return Some(Vec::new());
    }
    let dir = g.directories.get(d as usize)?;
    if dir.key_ty != Type::Code {
        // An enum or int key: no code to change to.
        return Some(Vec::new());
    }
    let current: &str = match row.scalars.get(slot as usize) {
        Some(Val::Str(s)) => s.as_str(),
        _ => "",
    };
    let shared = |k: &str| {
        k.chars()
            .zip(current.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    let mut order: Vec<usize> = (0..dir.keys.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(dir.keys.get(*i).map_or(0, |k| shared(k))));
    // A text column names the row (`ZZLC（制造流程再造）`).
    let name_col = dir
        .columns
        .iter()
        .position(|(_, _, t)| *t == Type::Text)
        .and_then(|c| u32::try_from(c).ok());
    let mut out = Vec::new();
    for i in order.into_iter().take(MAX_CODES) {
        let Some(k) = dir.keys.get(i) else { continue };
        if *checks == 0 {
            break;
        }
        *checks -= 1;
        if !flips(g, plan, row, as_of, req, slot, Val::Str(k.clone())) {
            continue;
        }
        let name = name_col
            .zip(u32::try_from(i).ok())
            .and_then(|(c, r)| match dir.cell(r, c) {
                Some(crate::value::Const::Str(n)) => Some(n.to_string()),
                _ => None,
            });
        out.push(Recourse {
            fact: fact_path(g, FactRef::Slot(slot), None),
            op: "==".to_string(),
            value: k.to_string(),
            display: Some(match name {
                Some(n) => format!("{k}（{n}）"),
                None => k.to_string(),
            }),
            current: (!current.is_empty()).then(|| current.to_string()),
            and: None,
        });
    }
    Some(out)
}

/// Whether the condition reads a table, a directory or an outcome (no recourse then).
fn reads_lookup(g: &Graph, root: NodeId) -> bool {
    let mut stack = vec![root];
    let mut seen = rustc_hash::FxHashSet::default();
    while let Some(n) = stack.pop() {
        if !seen.insert(n) || seen.len() > MAX_VISITS {
            return seen.len() > MAX_VISITS;
        }
        let Some(node) = g.nodes.get(n as usize) else {
            continue;
        };
        // `eligible(o)` (R15: recourse does not look through outcomes). An amount read as
        // `o.a` is arithmetic on facts like any other: inverted, and checked.
        if g.status_of(n).is_some() {
            return true;
        }
        match &node.op {
            Op::Table(_) | Op::DirGet(..) | Op::DirHas(..) | Op::WithinDir(..) => return true,
            op => stack.extend(g.children(op)),
        }
    }
    false
}

/// How many paths lead from `root` to fact `slot` (2 meaning "more than one").
fn reads(g: &Graph, root: NodeId, slot: u32, memo: &mut FxHashMap<(NodeId, u32), u8>) -> u8 {
    fn go(
        g: &Graph,
        n: NodeId,
        slot: u32,
        memo: &mut FxHashMap<(NodeId, u32), u8>,
        budget: &mut usize,
    ) -> u8 {
        if let Some(c) = memo.get(&(n, slot)) {
            return *c;
        }
        if *budget == 0 {
            return 2;
        }
        *budget -= 1;
        let Some(node) = g.nodes.get(n as usize) else {
            return 0;
        };
        let c = match &node.op {
            Op::Fact(s) => u8::from(*s == slot),
            op => {
                let mut total = 0u8;
                for ch in g.children(op) {
                    total = total.saturating_add(go(g, ch, slot, memo, budget)).min(2);
                }
                total
            }
        };
        memo.insert((n, slot), c);
        c
    }
    let mut budget = MAX_VISITS;
    go(g, root, slot, memo, &mut budget)
}

/// The condition on `x` equivalent to `round(x, places) op c` (rounded by `mode`), or
/// `None` (`==`, or digits out of range). Rounding is monotone: `round(x) ≥ c` holds from a
/// threshold of `x` on, found from the grid value `c` rounds up to; `≤`, `<` and `>` are the
/// complements and shifts of that.
fn unround(op: CmpOp, c: Decimal, places: u32, mode: RoundMode) -> Option<(CmpOp, Decimal)> {
    use rust_decimal::RoundingStrategy::{ToNegativeInfinity, ToPositiveInfinity};
    if places > 20 {
        return None;
    }
    let step = Decimal::new(1, places);
    // `round(x) ≥ g` for a grid value `g`, as a condition on `x`.
    let at_least = |g: Decimal| -> Option<(CmpOp, Decimal)> {
        Some(match mode {
            RoundMode::Floor => (CmpOp::Ge, g),
            RoundMode::Ceil => (CmpOp::Gt, g.checked_sub(step)?),
            RoundMode::HalfUp => {
                let t = g.checked_sub(step / Decimal::TWO)?;
                // Half away from zero: the midpoint rounds up when positive, down when not.
                (
                    if t >= Decimal::ZERO {
                        CmpOp::Ge
                    } else {
                        CmpOp::Gt
                    },
                    t,
                )
            }
        })
    };
    let up = c.round_dp_with_strategy(places, ToPositiveInfinity);
    let down = c.round_dp_with_strategy(places, ToNegativeInfinity);
    match op {
        CmpOp::Ge => at_least(up),
        CmpOp::Gt => at_least(down.checked_add(step)?),
        // `round(x) ≤ c` is `not (round(x) ≥ the next grid value above c)`.
        CmpOp::Le => at_least(down.checked_add(step)?).map(|(o, t)| (o.negated(), t)),
        CmpOp::Lt => at_least(up).map(|(o, t)| (o.negated(), t)),
        CmpOp::Eq | CmpOp::Ne => None,
    }
}

/// Whether `x op c` holds.
fn holds(x: Decimal, op: CmpOp, c: Decimal) -> bool {
    match op {
        CmpOp::Eq => x == c,
        CmpOp::Ne => x != c,
        CmpOp::Lt => x < c,
        CmpOp::Le => x <= c,
        CmpOp::Gt => x > c,
        CmpOp::Ge => x >= c,
    }
}

impl Inverter<'_> {
    fn num(&self, n: NodeId) -> Option<Decimal> {
        match self.frame.value(n, 0) {
            Val::Num(d) => Some(*d),
            _ => None,
        }
    }

    fn truth(&self, n: NodeId) -> Option<bool> {
        match self.frame.value(n, 0) {
            Val::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn node(&self, n: NodeId) -> Option<&Op> {
        self.g.nodes.get(n as usize).map(|x| &x.op)
    }

    /// Finds the single-fact changes that make boolean node `n` equal `target`.
    fn want(&mut self, n: NodeId, target: bool) {
        self.visits += 1;
        if self.visits > MAX_VISITS || self.truth(n) == Some(target) {
            return;
        }
        let Some(op) = self.node(n).cloned() else {
            return;
        };
        match op {
            Op::Not(x) => self.want(x, !target),
            Op::Fact(slot)
                if self.slot_type(slot) == Some(Type::Bool) && self.truth(n).is_some() =>
            {
                self.bools.push((slot, target));
            }
            Op::And(args) | Op::Or(args) => {
                let all = matches!(op, Op::And(_)) == target;
                let args: Vec<NodeId> = self.g.args(args).to_vec();
                if all {
                    // Every operand must reach `target`: one change can only fix the one
                    // operand that does not.
                    let off: Vec<NodeId> = args
                        .iter()
                        .copied()
                        .filter(|a| self.truth(*a) != Some(target))
                        .collect();
                    if let [only] = off.as_slice() {
                        self.want(*only, target);
                    }
                } else {
                    // One operand reaching `target` is enough.
                    for a in args {
                        self.want(a, target);
                    }
                }
            }
            Op::Cmp(op, a, b) => {
                let op = if target { op } else { op.negated() };
                if op == CmpOp::Ne {
                    return;
                }
                if let Some(vb) = self.num(b) {
                    self.invert(a, op, vb, true, None);
                }
                if let Some(va) = self.num(a) {
                    self.invert(b, op.flipped(), va, true, None);
                }
            }
            _ => {}
        }
    }

    fn slot_type(&self, slot: u32) -> Option<Type> {
        let (e, f) = self.g.slots.get(slot as usize).copied()?;
        let ent = self.g.entities.get(e as usize)?;
        ent.fields.get(f as usize).map(|f| f.ty)
    }

    /// Finds the facts under numeric node `n` and the bounds that make `n op c` hold.
    fn invert(
        &mut self,
        n: NodeId,
        op: CmpOp,
        c: Decimal,
        exact: bool,
        and: Option<(CmpOp, Decimal)>,
    ) {
        self.visits += 1;
        if self.visits > MAX_VISITS {
            return;
        }
        let Some(node) = self.node(n).cloned() else {
            return;
        };
        match node {
            Op::Fact(slot)
                if matches!(
                    self.slot_type(slot),
                    Some(Type::Int | Type::Number | Type::Money | Type::Percent)
                ) && self.num(n).is_some() =>
            {
                self.found.push(Found {
                    slot,
                    op,
                    bound: c,
                    exact,
                    and,
                });
            }
            Op::Neg(x) => self.invert(
                x,
                op.flipped(),
                -c,
                exact,
                and.map(|(o, v)| (o.flipped(), -v)),
            ),
            Op::Arith(kind, a, b) => self.arith(kind, a, b, op, c, exact, and),
            Op::Round { x, places, mode } => {
                if and.is_some() {
                    return;
                }
                if let Some((op, t)) = unround(op, c, places, mode) {
                    self.invert(x, op, t, exact, None);
                }
            }
            Op::MinMax { max, args } => {
                if op == CmpOp::Eq || and.is_some() {
                    return;
                }
                let args: Vec<NodeId> = self.g.args(args).to_vec();
                // `min ≥ c` needs every operand ≥ c; `min ≤ c` one operand ≤ c (dually
                // for max). One changed operand: the others must already hold (all) or
                // must not (any).
                let needs_all = matches!(op, CmpOp::Gt | CmpOp::Ge) != max;
                for (i, a) in args.iter().enumerate() {
                    let others = args.iter().enumerate().filter(|(j, _)| *j != i);
                    let ok = others
                        .clone()
                        .all(|(_, o)| self.num(*o).is_some_and(|v| holds(v, op, c) == needs_all));
                    if ok {
                        self.invert(*a, op, c, exact, None);
                    }
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn arith(
        &mut self,
        kind: ArithOp,
        a: NodeId,
        b: NodeId,
        op: CmpOp,
        c: Decimal,
        exact: bool,
        and: Option<(CmpOp, Decimal)>,
    ) {
        // A known operand with nearly all of a decimal's digits (a quotient that did not
        // terminate) leaves no room: adding or multiplying it by other values of the fact
        // can need more digits than a decimal holds. Such an operand is not inverted through.
        let short = |v: Option<Decimal>| v.filter(|d| d.mantissa().unsigned_abs() < 10u128.pow(20));
        let (va, vb) = if kind == ArithOp::Div {
            (self.num(a), self.num(b))
        } else {
            (short(self.num(a)), short(self.num(b)))
        };
        let outer = self.under_arith;
        if kind != ArithOp::Div {
            self.under_arith = true;
        }
        self.arith_inner(kind, a, b, va, vb, op, c, exact, and, outer);
        self.under_arith = outer;
    }

    #[allow(clippy::too_many_arguments)]
    fn arith_inner(
        &mut self,
        kind: ArithOp,
        a: NodeId,
        b: NodeId,
        va: Option<Decimal>,
        vb: Option<Decimal>,
        op: CmpOp,
        c: Decimal,
        exact: bool,
        and: Option<(CmpOp, Decimal)>,
        outer: bool,
    ) {
        match kind {
            ArithOp::Add => {
                if let Some(vb) = vb
                    && let Some(t) = c.checked_sub(vb)
                {
                    self.invert(a, op, t, exact, shift(and, -vb));
                }
                if let Some(va) = va
                    && let Some(t) = c.checked_sub(va)
                {
                    self.invert(b, op, t, exact, shift(and, -va));
                }
            }
            ArithOp::Sub => {
                if let Some(vb) = vb
                    && let Some(t) = c.checked_add(vb)
                {
                    self.invert(a, op, t, exact, shift(and, vb));
                }
                // a − b op c  ⇔  b (op flipped) a − c
                if let Some(va) = va
                    && let Some(t) = va.checked_sub(c)
                {
                    let and = and.and_then(|(o, v)| Some((o.flipped(), va.checked_sub(v)?)));
                    self.invert(b, op.flipped(), t, exact, and);
                }
            }
            ArithOp::Mul => {
                for (x, k) in [(a, vb), (b, va)] {
                    let Some(k) = k else { continue };
                    if k.is_zero() || and.is_some() {
                        continue;
                    }
                    let Some(t) = c.checked_div(k) else { continue };
                    let exact = exact && t.checked_mul(k) == Some(c);
                    let op = if k.is_sign_negative() {
                        op.flipped()
                    } else {
                        op
                    };
                    self.invert(x, op, t, exact, None);
                }
            }
            ArithOp::Div => {
                // The numerator, over a known divisor of fixed sign (under `+ − ×` only when
                // every quotient terminates: the divisor is 2^a·5^b times a power of ten).
                if let Some(k) = vb
                    && !k.is_zero()
                    && and.is_none()
                    && (!outer || terminates(k))
                    && let Some(t) = c.checked_mul(k)
                {
                    let op = if k.is_sign_negative() {
                        op.flipped()
                    } else {
                        op
                    };
                    self.invert(a, op, t, exact, None);
                }
                // The divisor d, on the side of zero it is on: n / d op c ⇔ n op' c·d
                // (op' = op for d > 0, swapped for d < 0) ⇔ d op'' n / c.
                if let (Some(n), Some(d)) = (va, vb)
                    && !outer
                    && !d.is_zero()
                    && !c.is_zero()
                    && and.is_none()
                    && matches!(self.node(b), Some(Op::Fact(_)))
                    && op != CmpOp::Eq
                {
                    let positive = d.is_sign_positive();
                    let op1 = if positive { op } else { op.flipped() };
                    // c·d (op1 flipped) n; dividing by c flips it back for c < 0.
                    let op2 = if c.is_sign_positive() {
                        op1.flipped()
                    } else {
                        op1
                    };
                    let Some(t) = n.checked_div(c) else { return };
                    let exact = exact && t.checked_mul(c) == Some(n);
                    let side = if positive { CmpOp::Gt } else { CmpOp::Lt };
                    // The promised set must meet the side: an upper bound at or below 0 on
                    // the positive side is empty (dually for the negative side).
                    let empty = match (positive, op2) {
                        (true, CmpOp::Lt | CmpOp::Le) => t <= Decimal::ZERO,
                        (false, CmpOp::Gt | CmpOp::Ge) => t >= Decimal::ZERO,
                        _ => false,
                    };
                    if !empty {
                        self.invert(b, op2, t, exact, Some((side, Decimal::ZERO)));
                    }
                }
            }
        }
    }
}

/// Whether `x / k` terminates for every terminating `x`: `k`'s digits have no prime factor
/// but 2 and 5.
fn terminates(k: Decimal) -> bool {
    let mut m = k.mantissa().unsigned_abs();
    if m == 0 {
        return false;
    }
    for p in [2u128, 5] {
        while m.is_multiple_of(p) {
            m /= p;
        }
    }
    m == 1
}

/// Moves a divisor's side bound along with the value it constrains.
fn shift(and: Option<(CmpOp, Decimal)>, by: Decimal) -> Option<(CmpOp, Decimal)> {
    and.and_then(|(o, v)| Some((o, v.checked_add(by)?)))
}

/// The item for a numeric constraint, checked; `None` when it cannot be promised.
fn numeric_item(
    g: &Graph,
    plan: &Plan,
    row: &FactRow,
    as_of: i32,
    req: &ReqG,
    f: &Found,
    checks: &mut usize,
) -> Option<Recourse> {
    let ty = {
        let (e, fi) = g.slots.get(f.slot as usize).copied()?;
        g.entities.get(e as usize)?.fields.get(fi as usize)?.ty
    };
    // The grid of the fact's values: whole numbers for int, 分 for money (R15); other
    // types take the exact bound or nothing.
    let grid = match ty {
        Type::Int => Some(0u32),
        Type::Money => Some(2),
        _ => None,
    };
    let (op, bound) = match grid {
        Some(places) => {
            let on_grid = f.bound.round_dp(places) == f.bound;
            if f.exact && on_grid {
                (f.op, f.bound)
            } else {
                // The nearest grid point on the flipping side.
                use rust_decimal::RoundingStrategy::{ToNegativeInfinity, ToPositiveInfinity};
                match f.op {
                    CmpOp::Gt | CmpOp::Ge => (
                        CmpOp::Ge,
                        bump(
                            f.bound.round_dp_with_strategy(places, ToPositiveInfinity),
                            f.bound,
                            f.op,
                            places,
                        ),
                    ),
                    CmpOp::Lt | CmpOp::Le => (
                        CmpOp::Le,
                        bump(
                            f.bound.round_dp_with_strategy(places, ToNegativeInfinity),
                            f.bound,
                            f.op,
                            places,
                        ),
                    ),
                    _ => return None,
                }
            }
        }
        None if f.exact => (f.op, f.bound),
        None => return None,
    };
    // The edge of the promised set, where the check is made: the bound itself, or the
    // next value on the grid (a small step past it off the grid) for a strict bound.
    let step = Decimal::new(
        1,
        grid.unwrap_or_else(|| bound.scale().saturating_add(4).min(26)),
    );
    let edge = match op {
        CmpOp::Gt => bound.checked_add(step)?,
        CmpOp::Lt => bound.checked_sub(step)?,
        _ => bound,
    };
    if let Some((side, zero)) = f.and
        && !holds(edge, side, zero)
    {
        return None;
    }
    *checks = checks.checked_sub(1)?;
    if !flips(g, plan, row, as_of, req, f.slot, Val::Num(edge)) {
        return None;
    }
    let current = row.scalars.get(f.slot as usize);
    Some(Recourse {
        fact: fact_path(g, FactRef::Slot(f.slot), None),
        op: op.as_str().to_string(),
        value: decimal_text(bound),
        display: crate::display::display(g, &Val::Num(bound), ty),
        current: current.and_then(|v| crate::display::display(g, v, ty)),
        and: f.and.map(|(o, v)| RecourseBound {
            op: o.as_str().to_string(),
            value: decimal_text(v),
        }),
    })
}

/// A grid point equal to an exact bound under a strict comparison moves one step further.
fn bump(p: Decimal, exact: Decimal, op: CmpOp, places: u32) -> Decimal {
    let step = Decimal::new(1, places);
    match op {
        CmpOp::Gt if p == exact => p.checked_add(step).unwrap_or(p),
        CmpOp::Lt if p == exact => p.checked_sub(step).unwrap_or(p),
        _ => p,
    }
}

/// Whether the line flips (without an error) when fact `slot` takes `value`, everything
/// else as given.
fn flips(
    g: &Graph,
    plan: &Plan,
    row: &FactRow,
    as_of: i32,
    req: &ReqG,
    slot: u32,
    value: Val,
) -> bool {
    let mut changed = row.clone();
    let Some(cell) = changed.scalars.get_mut(slot as usize) else {
        return false;
    };
    *cell = value;
    let frame = eval::run(g, plan, std::slice::from_ref(&changed), as_of);
    let cond = frame.value(req.cond, 0);
    let guard = req.guard.map(|gd| frame.value(gd, 0));
    let want = match req.kind {
        ReqKind::Require => LineStatus::True,
        ReqKind::Unless => LineStatus::False,
    };
    let status = line_status(req.kind, cond, guard);
    status == want || (req.kind == ReqKind::Unless && status == LineStatus::NotApplicable)
}
