//! Compiling a checked program into a rule graph.
//!
//! - Identical sub-expressions become one node (hash-consing on operation, type and scope).
//! - Operations on constants are folded with the evaluator's own scalar functions, so folding
//!   cannot disagree with evaluation; an operation that would fail (division by zero) is
//!   left in place so that its error is reported when (and if) it is reached.
//! - `true and x` is `x`, `false and x` is `false`, `if true then a else b` is `a`.
//! - Nodes that no outcome uses are dropped, and every outcome gets its dependency set.

use std::collections::{BTreeSet, HashMap};

use crate::eval::{self, Res};
use crate::graph::*;
use crate::ir::*;
use crate::types::Type;
use crate::value::{Const, Val};

struct Builder<'p> {
    p: &'p Program,
    nodes: Vec<Node>,
    args: Vec<NodeId>,
    consts: Vec<Const>,
    const_ids: HashMap<Const, u32>,
    texts: Vec<String>,
    text_ids: HashMap<String, u32>,
    intern: HashMap<(Op, Type, u32), NodeId>,
    rule_nodes: Vec<Option<NodeId>>,
    table_nodes: Vec<Option<NodeId>>,
    /// `eligible(o)` per outcome, built on first use.
    status_nodes: Vec<Option<NodeId>>,
    /// The node of each outcome amount read as `o.a` (R9).
    amount_nodes: HashMap<(u32, u32), NodeId>,
    slot_of: HashMap<(u32, u32), u32>,
    list_of: HashMap<u32, u32>,
    directories: Vec<DirG>,
}

/// Compiles a checked program.
pub(crate) fn compile(p: &Program) -> Graph {
    let mut slots = Vec::new();
    let mut lists = Vec::new();
    let mut entities = Vec::new();
    let mut slot_of = HashMap::new();
    let mut list_of = HashMap::new();
    for (e, ent) in p.entities.iter().enumerate() {
        let e = u32::try_from(e).unwrap_or(u32::MAX);
        let base = if ent.is_list {
            let l = u32::try_from(lists.len()).unwrap_or(u32::MAX);
            lists.push(e);
            list_of.insert(e, l);
            l
        } else {
            let base = u32::try_from(slots.len()).unwrap_or(u32::MAX);
            for (f, _) in ent.fields.iter().enumerate() {
                let f = u32::try_from(f).unwrap_or(u32::MAX);
                slot_of.insert((e, f), u32::try_from(slots.len()).unwrap_or(u32::MAX));
                slots.push((e, f));
            }
            base
        };
        entities.push(EntitySchema {
            name: ent.name.clone(),
            label: ent.label.clone(),
            is_list: ent.is_list,
            fields: ent
                .fields
                .iter()
                .map(|f| FieldSchema {
                    name: f.name.clone(),
                    label: f.label.clone(),
                    ty: f.ty,
                    default: f.default.clone(),
                    range: f.range.clone(),
                })
                .collect(),
            base,
        });
    }
    let mut directories: Vec<DirG> = p
        .directories
        .iter()
        .map(|d| DirG {
            name: d.name.clone(),
            label: d.label.clone(),
            key: d.key.clone(),
            key_ty: d.key_ty,
            columns: d.columns.clone(),
            keys: d.keys.clone(),
            cells: d.cells.clone(),
            index: Default::default(),
            ints: Default::default(),
            variants: Vec::new(),
            key_lens: Vec::new(),
        })
        .collect();
    for d in &mut directories {
        // Keys are unique and canonical after checking; an index failure would only drop
        // lookups.
        let variants = match d.key_ty {
            crate::types::Type::Enum(id) => p.enums.get(id as usize).map(|e| &e.variants[..]),
            _ => None,
        };
        let _ = d.build_index(variants);
    }
    let mut b = Builder {
        p,
        nodes: Vec::new(),
        args: Vec::new(),
        consts: Vec::new(),
        const_ids: HashMap::new(),
        texts: Vec::new(),
        text_ids: HashMap::new(),
        intern: HashMap::new(),
        rule_nodes: vec![None; p.rules.len()],
        status_nodes: vec![None; p.outcomes.len()],
        amount_nodes: HashMap::new(),
        table_nodes: vec![None; p.tables.len()],
        slot_of,
        list_of,
        directories,
    };
    let mut tables: Vec<TableG> = p
        .tables
        .iter()
        .map(|t| TableG {
            name: t.name.clone(),
            label: t.label.clone(),
            hit: t.hit,
            versions: Vec::new(),
            call: None,
        })
        .collect();
    let mut rule_calls: Vec<Option<CallG>> = vec![None; p.rules.len()];
    for decl in &p.order {
        match *decl {
            Decl::Rule(r) => {
                let Some(rule) = p.rules.get(r as usize) else {
                    continue;
                };
                let scope = b.scope(rule.scope);
                let node = b.lower(&rule.body, scope);
                if let Some(slot) = b.rule_nodes.get_mut(r as usize) {
                    *slot = Some(node);
                }
                if let Some(call) = &rule.call {
                    let call = b.call(call, scope);
                    if let Some(slot) = rule_calls.get_mut(r as usize) {
                        *slot = Some(call);
                    }
                }
            }
            Decl::Table(t) => {
                let Some(def) = p.tables.get(t as usize) else {
                    continue;
                };
                let mut versions = Vec::new();
                for v in &def.versions {
                    let rows = v
                        .rows
                        .iter()
                        .map(|r| RowG {
                            cond: r.cond.as_ref().map(|c| b.lower(c, ROW)),
                            value: b.lower(&r.value, ROW),
                        })
                        .collect();
                    versions.push(VersionG {
                        from: v.from,
                        cite: v.cite.clone(),
                        rows,
                    });
                }
                let call = def.call.as_ref().map(|c| b.call(c, ROW));
                if let Some(tg) = tables.get_mut(t as usize) {
                    tg.versions = versions;
                    tg.call = call;
                }
                // The table node is created after its rows, so it follows them in order.
                let node = b.push_raw(Op::Table(t), def.ty, ROW, None);
                if let Some(slot) = b.table_nodes.get_mut(t as usize) {
                    *slot = Some(node);
                }
            }
        }
    }
    // The rules, in declaration order, by the nodes their values are in.
    let mut named: Vec<NamedG> = p
        .rules
        .iter()
        .zip(&b.rule_nodes)
        .zip(rule_calls)
        .filter_map(|((r, n), call)| {
            Some(NamedG {
                node: (*n)?,
                name: r.name.clone(),
                label: r.label.clone(),
                formula: r.formula.clone(),
                ty: r.display_ty,
                call,
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for o in &p.outcomes {
        let requirements = o
            .requirements
            .iter()
            .map(|r| ReqG {
                id: r.id.clone(),
                kind: r.kind,
                cond: b.lower(&r.cond, ROW),
                guard: r.guard.as_ref().map(|g| b.lower(g, ROW)),
                message: r.message.clone(),
                cite: r.cite.clone(),
            })
            .collect();
        let amounts = o
            .amounts
            .iter()
            .map(|a| AmountG {
                name: a.name.clone(),
                label: a.label.clone(),
                node: b.lower(&a.value, ROW),
                formula: a.formula.clone(),
            })
            .collect();
        outcomes.push(OutcomeG {
            name: o.name.clone(),
            title: o.title.clone(),
            requirements,
            amounts,
            deps: Vec::new(),
        });
    }
    let params = p
        .params
        .iter()
        .map(|pd| ParamG {
            name: pd.name.clone(),
            label: pd.label.clone(),
            steps: pd
                .steps
                .iter()
                .map(|(d, c, cite)| (*d, b.constant(c.clone()), cite.clone()))
                .collect(),
        })
        .collect();
    let mut g = Graph {
        header: Header {
            name: p.name.clone(),
            title: p.title.clone(),
            source: p.source.clone(),
            effective_from: p.effective_from,
            effective_to: p.effective_to,
        },
        named: {
            // Outcome amounts read as `o.a` are named so (R7), after the rules.
            let mut read: Vec<(&(u32, u32), &NodeId)> = b.amount_nodes.iter().collect();
            read.sort_unstable();
            for ((o, a), node) in read {
                let Some(out) = p.outcomes.get(*o as usize) else {
                    continue;
                };
                let Some(am) = out.amounts.get(*a as usize) else {
                    continue;
                };
                named.push(NamedG {
                    node: *node,
                    name: format!("{}.{}", out.name, am.name),
                    label: am.label.clone(),
                    formula: am.formula.clone(),
                    ty: None,
                    call: None,
                });
            }
            named
        },
        enums: p
            .enums
            .iter()
            .map(|e| EnumSchema {
                name: e.name.clone(),
                variants: e.variants.clone(),
            })
            .collect(),
        entities,
        slots,
        lists,
        nodes: b.nodes,
        args: b.args,
        consts: b.consts,
        texts: b.texts,
        params,
        tables,
        directories: b.directories,
        library: outcomes.split_off(p.reported.min(outcomes.len())),
        outcomes,
        named_at: Default::default(),
        statuses: b
            .status_nodes
            .iter()
            .enumerate()
            .filter_map(|(o, n)| Some((u32::try_from(o).ok()?, (*n)?)))
            .collect(),
        status_at: Default::default(),
    };
    prune(&mut g);
    g.index_named();
    dependencies(&mut g);
    g
}

impl Builder<'_> {
    fn scope(&self, s: Scope) -> u32 {
        match s {
            Scope::Row => ROW,
            Scope::Item(e) => self.list_of.get(&e).map_or(ROW, |l| l + 1),
        }
    }

    fn constant(&mut self, c: Const) -> u32 {
        if let Some(id) = self.const_ids.get(&c) {
            return *id;
        }
        let id = u32::try_from(self.consts.len()).unwrap_or(u32::MAX);
        self.consts.push(c.clone());
        self.const_ids.insert(c, id);
        id
    }

    fn text(&mut self, t: &Option<String>) -> Option<u32> {
        let t = t.as_ref()?;
        if let Some(id) = self.text_ids.get(t) {
            return Some(*id);
        }
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.texts.push(t.clone());
        self.text_ids.insert(t.clone(), id);
        Some(id)
    }

    fn push_raw(&mut self, op: Op, ty: Type, scope: u32, text: Option<u32>) -> NodeId {
        let key = (op.clone(), ty, scope);
        if let Some(id) = self.intern.get(&key) {
            return *id;
        }
        let id = u32::try_from(self.nodes.len()).unwrap_or(u32::MAX);
        self.nodes.push(Node {
            op,
            ty,
            scope,
            text,
        });
        self.intern.insert(key, id);
        id
    }

    fn const_node(&mut self, c: Const, ty: Type, scope: u32) -> NodeId {
        let id = self.constant(c);
        self.push_raw(Op::Const(id), ty, scope, None)
    }

    fn const_of(&self, n: NodeId) -> Option<&Const> {
        match self.nodes.get(n as usize)?.op {
            Op::Const(c) => self.consts.get(c as usize),
            _ => None,
        }
    }

    fn args(&mut self, ids: &[NodeId]) -> Args {
        let start = u32::try_from(self.args.len()).unwrap_or(u32::MAX);
        self.args.extend_from_slice(ids);
        Args {
            start,
            len: u32::try_from(ids.len()).unwrap_or(u32::MAX),
        }
    }

    /// Adds a node, folding it when all its inputs are constants.
    fn node(&mut self, op: Op, ty: Type, scope: u32, text: Option<u32>) -> NodeId {
        if let Some(v) = self.fold(&op)
            && let Some(c) = Const::from_val(&v)
        {
            return self.const_node(c, ty, scope);
        }
        self.push_raw(op, ty, scope, text)
    }

    /// The value of `op` if every input is a constant and it evaluates without error.
    fn fold(&self, op: &Op) -> Option<Val> {
        let c = |n: &NodeId| self.const_of(*n).map(Const::to_val);
        let done = |r: Res| match r {
            Res::V(v) if v.is_known() => Some(v),
            _ => None,
        };
        let v = match op {
            Op::Not(a) => eval::not(&c(a)?),
            Op::Neg(a) => done(eval::neg(&c(a)?))?,
            Op::Cmp(o, a, b) => eval::cmp(*o, &c(a)?, &c(b)?),
            Op::Arith(o, a, b) => done(eval::arith(*o, &c(a)?, &c(b)?))?,
            Op::DateShift { date, by, negate } => {
                done(eval::date_shift(&c(date)?, &c(by)?, *negate))?
            }
            Op::DateDiff(a, b) => eval::date_diff(&c(a)?, &c(b)?),
            Op::DaysArith { sub, a, b } => done(eval::days_arith(*sub, &c(a)?, &c(b)?))?,
            Op::Round { x, places, mode } => done(eval::round(&c(x)?, *places, *mode))?,
            Op::Abs(x) => match c(x)? {
                Val::Num(d) => Val::Num(d.abs()),
                _ => return None,
            },
            Op::YearsBetween(a, b) => eval::between(&c(a)?, &c(b)?, true),
            Op::MonthsBetween(a, b) => eval::between(&c(a)?, &c(b)?, false),
            Op::Within(a, b) => eval::within(&c(a)?, &c(b)?),
            Op::DirHas(d, k) => eval::dir_has(self.directories.get(*d as usize), &c(k)?),
            Op::DirGet(d, k, col) => eval::dir_get(self.directories.get(*d as usize), &c(k)?, *col),
            Op::WithinDir(d, k) => eval::within_dir(self.directories.get(*d as usize), &c(k)?),
            _ => return None,
        };
        v.is_known().then_some(v)
    }

    /// Lowers an expression into nodes of `scope`.
    /// A function instance's call: its arguments lowered where its body reads them (the
    /// same nodes, interned), for the explanation's `args`.
    fn call(&mut self, call: &crate::ir::CallInfo, scope: u32) -> CallG {
        CallG {
            function: call.function.clone(),
            args: call
                .args
                .iter()
                .map(|(p, e)| (p.clone(), self.lower(e, scope)))
                .collect(),
        }
    }

    fn lower(&mut self, e: &TExpr, scope: u32) -> NodeId {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.lower_inner(e, scope))
    }

    /// A row-scope node seen from `scope`.
    fn at(&mut self, row_node: NodeId, ty: Type, scope: u32) -> NodeId {
        if scope == ROW {
            return row_node;
        }
        if let Some(c) = self.const_of(row_node).cloned() {
            return self.const_node(c, ty, scope);
        }
        self.push_raw(Op::Broadcast(row_node), ty, scope, None)
    }

    fn lower_inner(&mut self, e: &TExpr, scope: u32) -> NodeId {
        let ty = e.ty;
        let text = self.text(&e.text);
        match &e.kind {
            TKind::Const(c) => self.const_node(c.clone(), ty, scope),
            TKind::Fact { entity, field } => {
                let slot = self.slot_of.get(&(*entity, *field)).copied().unwrap_or(0);
                let n = self.push_raw(Op::Fact(slot), ty, ROW, None);
                self.at(n, ty, scope)
            }
            TKind::ItemFact { list, field } => {
                let l = self.list_of.get(list).copied().unwrap_or(0);
                self.push_raw(
                    Op::ItemFact {
                        list: l,
                        field: *field,
                    },
                    ty,
                    l + 1,
                    None,
                )
            }
            TKind::Rule(r) => {
                let rule_scope = self
                    .p
                    .rules
                    .get(*r as usize)
                    .map_or(Scope::Row, |r| r.scope);
                let node = self.rule_nodes.get(*r as usize).copied().flatten();
                let node = match node {
                    Some(n) => n,
                    // Not compiled yet (cannot happen after checking): compile it now.
                    None => match self.p.rules.get(*r as usize) {
                        Some(rule) => {
                            let s = self.scope(rule.scope);
                            let body = rule.body.clone();
                            let n = self.lower(&body, s);
                            if let Some(slot) = self.rule_nodes.get_mut(*r as usize) {
                                *slot = Some(n);
                            }
                            n
                        }
                        None => return self.const_node(Const::Bool(false), ty, scope),
                    },
                };
                if rule_scope == Scope::Row {
                    self.at(node, ty, scope)
                } else {
                    node
                }
            }
            TKind::Param(p) => {
                let n = self.push_raw(Op::Param(*p), ty, ROW, text);
                self.at(n, ty, scope)
            }
            TKind::Eligible(o) => {
                let node = match self.status_nodes.get(*o as usize).copied().flatten() {
                    Some(n) => n,
                    None => {
                        let n = match self.p.outcomes.get(*o as usize) {
                            Some(def) => {
                                let passes = status_expr(def, e.span);
                                let n = self.lower(&passes, ROW);
                                // A node of its own (a one-operand `and`), never shared with
                                // a line that happens to be the whole status: explanations and
                                // recourse tell the outcome's status from that line.
                                let args = self.args(&[n]);
                                self.push_raw(Op::And(args), Type::Bool, ROW, None)
                            }
                            None => return self.const_node(Const::Bool(false), ty, scope),
                        };
                        if let Some(slot) = self.status_nodes.get_mut(*o as usize) {
                            *slot = Some(n);
                        }
                        n
                    }
                };
                self.at(node, ty, scope)
            }
            TKind::OutcomeAmount { outcome, amount } => {
                let key = (*outcome, *amount);
                let node = match self.amount_nodes.get(&key).copied() {
                    Some(n) => n,
                    None => {
                        let value = self
                            .p
                            .outcomes
                            .get(*outcome as usize)
                            .and_then(|o| o.amounts.get(*amount as usize))
                            .map(|a| a.value.clone());
                        let Some(value) = value else {
                            return self.const_node(Const::Bool(false), ty, scope);
                        };
                        let n = self.lower(&value, ROW);
                        self.amount_nodes.insert(key, n);
                        n
                    }
                };
                self.at(node, ty, scope)
            }
            TKind::Table(t) => match self.table_nodes.get(*t as usize).copied().flatten() {
                Some(n) => self.at(n, ty, scope),
                None => self.const_node(Const::Bool(false), ty, scope),
            },
            TKind::AsOf => {
                let n = self.push_raw(Op::AsOf, ty, ROW, None);
                self.at(n, ty, scope)
            }
            // Only in a function's body checked for its errors, never in a program.
            TKind::Opaque => self.const_node(Const::Bool(false), ty, scope),
            TKind::Not(x) => {
                let a = self.lower(x, scope);
                if let Some(Op::Not(inner)) = self.nodes.get(a as usize).map(|n| n.op.clone()) {
                    return inner;
                }
                self.node(Op::Not(a), ty, scope, text)
            }
            TKind::Neg(x) => {
                let a = self.lower(x, scope);
                self.node(Op::Neg(a), ty, scope, text)
            }
            TKind::And(..) | TKind::Or(..) => {
                let is_and = matches!(e.kind, TKind::And(..));
                let mut operands = Vec::new();
                flatten(e, is_and, &mut operands);
                let mut kids = Vec::new();
                for o in operands {
                    let n = self.lower(o, scope);
                    match self.const_of(n) {
                        Some(Const::Bool(b)) if *b == is_and => {}
                        Some(Const::Bool(_)) => {
                            return self.const_node(Const::Bool(!is_and), ty, scope);
                        }
                        _ => {
                            if !kids.contains(&n) {
                                kids.push(n);
                            }
                        }
                    }
                }
                match kids.as_slice() {
                    [] => self.const_node(Const::Bool(is_and), ty, scope),
                    [one] => *one,
                    _ => {
                        let args = self.args(&kids);
                        let op = if is_and { Op::And(args) } else { Op::Or(args) };
                        self.push_raw(op, ty, scope, None)
                    }
                }
            }
            TKind::Cmp(o, a, b) => {
                let (a, b) = (self.lower(a, scope), self.lower(b, scope));
                self.node(Op::Cmp(*o, a, b), ty, scope, text)
            }
            TKind::Arith(o, a, b) => {
                let (a, b) = (self.lower(a, scope), self.lower(b, scope));
                self.node(Op::Arith(*o, a, b), ty, scope, text)
            }
            TKind::DateShift { date, by, negate } => {
                let (d, b) = (self.lower(date, scope), self.lower(by, scope));
                self.node(
                    Op::DateShift {
                        date: d,
                        by: b,
                        negate: *negate,
                    },
                    ty,
                    scope,
                    text,
                )
            }
            TKind::DateDiff(a, b) => {
                let (a, b) = (self.lower(a, scope), self.lower(b, scope));
                self.node(Op::DateDiff(a, b), ty, scope, text)
            }
            TKind::DaysArith { sub, a, b } => {
                let (a, b) = (self.lower(a, scope), self.lower(b, scope));
                self.node(Op::DaysArith { sub: *sub, a, b }, ty, scope, text)
            }
            TKind::If(c, a, b) => {
                let c = self.lower(c, scope);
                let (a, b) = (self.lower(a, scope), self.lower(b, scope));
                match self.const_of(c) {
                    Some(Const::Bool(true)) => a,
                    Some(Const::Bool(false)) => b,
                    _ => self.node(Op::If(c, a, b), ty, scope, text),
                }
            }
            TKind::MinMax { max, args } => {
                let kids: Vec<NodeId> = args.iter().map(|a| self.lower(a, scope)).collect();
                let all_const: Option<Vec<Val>> = kids
                    .iter()
                    .map(|k| self.const_of(*k).map(Const::to_val))
                    .collect();
                if let Some(vals) = all_const {
                    let v = eval::minmax(*max, vals.iter());
                    if let Some(c) = Const::from_val(&v) {
                        return self.const_node(c, ty, scope);
                    }
                }
                let args = self.args(&kids);
                self.push_raw(Op::MinMax { max: *max, args }, ty, scope, text)
            }
            TKind::Round { x, places, mode } => {
                let x = self.lower(x, scope);
                self.node(
                    Op::Round {
                        x,
                        places: *places,
                        mode: *mode,
                    },
                    ty,
                    scope,
                    text,
                )
            }
            TKind::Abs(x) => {
                let x = self.lower(x, scope);
                self.node(Op::Abs(x), ty, scope, text)
            }
            TKind::InForce { from, to, x } => {
                let x = self.lower(x, scope);
                self.node(
                    Op::InForce {
                        from: *from,
                        to: *to,
                        x,
                    },
                    ty,
                    scope,
                    text,
                )
            }
            TKind::YearsBetween(a, b) => {
                let (a, b) = (self.lower(a, scope), self.lower(b, scope));
                self.node(Op::YearsBetween(a, b), ty, scope, text)
            }
            TKind::MonthsBetween(a, b) => {
                let (a, b) = (self.lower(a, scope), self.lower(b, scope));
                self.node(Op::MonthsBetween(a, b), ty, scope, text)
            }
            TKind::InList(x, items) => {
                let x = self.lower(x, scope);
                let kids: Vec<NodeId> = items.iter().map(|i| self.lower(i, scope)).collect();
                if let Some(xv) = self.const_of(x).map(Const::to_val) {
                    let vals: Option<Vec<Val>> = kids
                        .iter()
                        .map(|k| self.const_of(*k).map(Const::to_val))
                        .collect();
                    if let Some(vals) = vals {
                        let v = eval::in_set(&xv, vals.iter());
                        if let Some(c) = Const::from_val(&v) {
                            return self.const_node(c, ty, scope);
                        }
                    }
                }
                let args = self.args(&kids);
                self.push_raw(Op::InSet(x, args), ty, scope, None)
            }
            TKind::DirHas(d, k) => {
                let k = self.lower(k, scope);
                self.node(Op::DirHas(*d, k), ty, scope, text)
            }
            TKind::DirGet(d, k, c) => {
                let k = self.lower(k, scope);
                self.node(Op::DirGet(*d, k, *c), ty, scope, text)
            }
            TKind::Within(x, p) => {
                let (x, p) = (self.lower(x, scope), self.lower(p, scope));
                self.node(Op::Within(x, p), ty, scope, text)
            }
            TKind::WithinDir(d, x) => {
                let x = self.lower(x, scope);
                self.node(Op::WithinDir(*d, x), ty, scope, text)
            }
            TKind::Agg {
                kind,
                list,
                filter,
                value,
            } => {
                let l = self.list_of.get(list).copied().unwrap_or(0);
                let item = l + 1;
                let filter = filter.as_ref().map(|f| self.lower(f, item));
                let value = value.as_ref().map(|v| self.lower(v, item));
                let n = self.push_raw(
                    Op::Agg {
                        kind: *kind,
                        list: l,
                        filter,
                        value,
                    },
                    ty,
                    ROW,
                    text,
                );
                self.at(n, ty, scope)
            }
        }
    }
}

/// Collects the operands of a chain of `and` (or `or`).
fn flatten<'e>(e: &'e TExpr, is_and: bool, out: &mut Vec<&'e TExpr>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        match &e.kind {
            TKind::And(a, b) if is_and => {
                stack.push(b);
                stack.push(a);
            }
            TKind::Or(a, b) if !is_and => {
                stack.push(b);
                stack.push(a);
            }
            _ => out.push(e),
        }
    }
}

/// Drops nodes no outcome can reach and renumbers the rest (order is kept).
fn prune(g: &mut Graph) {
    let n = g.nodes.len();
    let mut live = vec![false; n];
    for o in &g.outcomes {
        for r in &o.requirements {
            mark(&mut live, r.cond);
            if let Some(gd) = r.guard {
                mark(&mut live, gd);
            }
        }
        for a in &o.amounts {
            mark(&mut live, a.node);
        }
    }
    let sweep = |live: &mut Vec<bool>| {
        for i in (0..n).rev() {
            if !live.get(i).copied().unwrap_or(false) {
                continue;
            }
            let children = g
                .nodes
                .get(i)
                .map(|node| g.children(&node.op))
                .unwrap_or_default();
            for c in children {
                mark(live, c);
            }
        }
    };
    sweep(&mut live);
    // A live call of a function keeps its arguments (an unused parameter's too), which the
    // explanation shows in `args`.
    let is_live = |live: &[bool], id: NodeId| live.get(id as usize).copied().unwrap_or(false);
    let used_tables: BTreeSet<u32> = g
        .nodes
        .iter()
        .enumerate()
        .filter(|(i, _)| is_live(&live, u32::try_from(*i).unwrap_or(u32::MAX)))
        .filter_map(|(_, n)| match n.op {
            Op::Table(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut call_args: Vec<NodeId> = Vec::new();
    for nm in &g.named {
        if is_live(&live, nm.node)
            && let Some(c) = &nm.call
        {
            call_args.extend(c.args.iter().map(|(_, a)| *a));
        }
    }
    for (t, tg) in g.tables.iter().enumerate() {
        if used_tables.contains(&u32::try_from(t).unwrap_or(u32::MAX))
            && let Some(c) = &tg.call
        {
            call_args.extend(c.args.iter().map(|(_, a)| *a));
        }
    }
    if !call_args.is_empty() {
        for a in call_args {
            mark(&mut live, a);
        }
        sweep(&mut live);
    }
    let mut new_id = vec![u32::MAX; n];
    let mut next = 0u32;
    for (i, l) in live.iter().enumerate() {
        if *l {
            if let Some(slot) = new_id.get_mut(i) {
                *slot = next;
            }
            next += 1;
        }
    }
    let map = |id: NodeId| new_id.get(id as usize).copied().unwrap_or(u32::MAX);
    let mut args = Vec::new();
    let mut remap_args = |a: Args, old: &[NodeId]| -> Args {
        let start = u32::try_from(args.len()).unwrap_or(u32::MAX);
        let slice = old
            .get(a.start as usize..(a.start + a.len) as usize)
            .unwrap_or(&[]);
        args.extend(slice.iter().map(|x| map(*x)));
        Args { start, len: a.len }
    };
    let old_args = std::mem::take(&mut g.args);
    let old_nodes = std::mem::take(&mut g.nodes);
    for (i, node) in old_nodes.into_iter().enumerate() {
        if !live.get(i).copied().unwrap_or(false) {
            continue;
        }
        let op = match node.op {
            Op::Broadcast(a) => Op::Broadcast(map(a)),
            Op::Not(a) => Op::Not(map(a)),
            Op::Neg(a) => Op::Neg(map(a)),
            Op::Abs(a) => Op::Abs(map(a)),
            Op::InForce { from, to, x } => Op::InForce {
                from,
                to,
                x: map(x),
            },
            Op::And(a) => Op::And(remap_args(a, &old_args)),
            Op::Or(a) => Op::Or(remap_args(a, &old_args)),
            Op::MinMax { max, args } => Op::MinMax {
                max,
                args: remap_args(args, &old_args),
            },
            Op::InSet(x, a) => Op::InSet(map(x), remap_args(a, &old_args)),
            Op::Cmp(o, a, b) => Op::Cmp(o, map(a), map(b)),
            Op::Arith(o, a, b) => Op::Arith(o, map(a), map(b)),
            Op::DateShift { date, by, negate } => Op::DateShift {
                date: map(date),
                by: map(by),
                negate,
            },
            Op::DateDiff(a, b) => Op::DateDiff(map(a), map(b)),
            Op::DaysArith { sub, a, b } => Op::DaysArith {
                sub,
                a: map(a),
                b: map(b),
            },
            Op::If(c, a, b) => Op::If(map(c), map(a), map(b)),
            Op::Round { x, places, mode } => Op::Round {
                x: map(x),
                places,
                mode,
            },
            Op::YearsBetween(a, b) => Op::YearsBetween(map(a), map(b)),
            Op::MonthsBetween(a, b) => Op::MonthsBetween(map(a), map(b)),
            Op::DirHas(d, k) => Op::DirHas(d, map(k)),
            Op::DirGet(d, k, c) => Op::DirGet(d, map(k), c),
            Op::Within(a, b) => Op::Within(map(a), map(b)),
            Op::WithinDir(d, k) => Op::WithinDir(d, map(k)),
            Op::Agg {
                kind,
                list,
                filter,
                value,
            } => Op::Agg {
                kind,
                list,
                filter: filter.map(map),
                value: value.map(map),
            },
            op @ (Op::Const(_)
            | Op::Fact(_)
            | Op::ItemFact { .. }
            | Op::AsOf
            | Op::Param(_)
            | Op::Table(_)) => op,
        };
        g.nodes.push(Node { op, ..node });
    }
    g.args = args;
    for t in &mut g.tables {
        for v in &mut t.versions {
            for r in &mut v.rows {
                r.cond = r.cond.map(map);
                r.value = map(r.value);
            }
        }
        if let Some(c) = &mut t.call {
            for (_, a) in &mut c.args {
                *a = map(*a);
            }
            // A call no decision reads keeps no arguments (their nodes are gone).
            c.args.retain(|(_, a)| *a != u32::MAX);
        }
    }
    // Tables no outcome uses keep no rows (their nodes are gone).
    let used: BTreeSet<u32> = g
        .nodes
        .iter()
        .filter_map(|n| match n.op {
            Op::Table(t) => Some(t),
            _ => None,
        })
        .collect();
    for (i, t) in g.tables.iter_mut().enumerate() {
        if !used.contains(&u32::try_from(i).unwrap_or(u32::MAX)) {
            for v in &mut t.versions {
                v.rows.clear();
            }
        }
    }
    for o in &mut g.outcomes {
        for r in &mut o.requirements {
            r.cond = map(r.cond);
            r.guard = r.guard.map(map);
        }
        for a in &mut o.amounts {
            a.node = map(a.node);
        }
    }
    // An imported policy's outcome keeps what is read of it: its lines when its status is
    // (they are the status node's operands), its amounts read as `o.a`.
    for o in &mut g.library {
        o.requirements.retain_mut(|r| {
            r.cond = map(r.cond);
            r.guard = r.guard.map(map);
            r.cond != u32::MAX && r.guard != Some(u32::MAX)
        });
        o.amounts.retain_mut(|a| {
            a.node = map(a.node);
            a.node != u32::MAX
        });
    }
    // Rules no decision reads are gone with their nodes.
    g.statuses.retain_mut(|(_, n)| {
        *n = map(*n);
        *n != u32::MAX
    });
    g.named.retain_mut(|n| {
        n.node = map(n.node);
        if let Some(c) = &mut n.call {
            for (_, a) in &mut c.args {
                *a = map(*a);
            }
        }
        n.node != u32::MAX
    });
}

fn mark(live: &mut [bool], id: NodeId) {
    if let Some(l) = live.get_mut(id as usize) {
        *l = true;
    }
}

/// Every fact each outcome can depend on.
fn dependencies(g: &mut Graph) {
    let n = g.nodes.len();
    let mut deps = Vec::new();
    for o in &g.outcomes {
        let mut seen = vec![false; n];
        let mut stack: Vec<NodeId> = o
            .requirements
            .iter()
            .flat_map(|r| std::iter::once(r.cond).chain(r.guard))
            .chain(o.amounts.iter().map(|a| a.node))
            .collect();
        let mut facts = BTreeSet::new();
        while let Some(id) = stack.pop() {
            let Some(s) = seen.get_mut(id as usize) else {
                continue;
            };
            if *s {
                continue;
            }
            *s = true;
            let Some(node) = g.nodes.get(id as usize) else {
                continue;
            };
            match node.op {
                Op::Fact(slot) => {
                    facts.insert(FactRef::Slot(slot));
                }
                Op::ItemFact { list, field } => {
                    facts.insert(FactRef::ItemField { list, field });
                }
                Op::Agg { list, .. } => {
                    facts.insert(FactRef::List(list));
                }
                _ => {}
            }
            stack.extend(g.children(&node.op));
        }
        deps.push(facts.into_iter().collect());
    }
    for (o, d) in g.outcomes.iter_mut().zip(deps) {
        o.deps = d;
    }
}

/// An outcome's status as one truth value (R9): the `and` of its lines' passing, where a
/// requirement passes when its condition holds and an exception when it does not, and a
/// guarded line also passes when its guard is false. Kleene's rules then give exactly the
/// outcome's status: false when a line fails, true when every line passes, else unknown.
fn status_expr(o: &crate::ir::OutcomeDef, span: clausula_dsl::Span) -> TExpr {
    let mk = |kind: TKind| TExpr {
        kind,
        ty: Type::Bool,
        span,
        text: None,
    };
    let mut acc: Option<TExpr> = None;
    for q in &o.requirements {
        let pass = match q.kind {
            crate::ir::ReqKind::Require => q.cond.clone(),
            crate::ir::ReqKind::Unless => mk(TKind::Not(Box::new(q.cond.clone()))),
        };
        // The condition first, then the guard: an undecided line carries its condition's
        // error before its guard's, as the line itself reports it.
        let pass = match &q.guard {
            Some(g) => mk(TKind::Or(
                Box::new(pass),
                Box::new(mk(TKind::Not(Box::new(g.clone())))),
            )),
            None => pass,
        };
        acc = Some(match acc {
            Some(a) => mk(TKind::And(Box::new(a), Box::new(pass))),
            None => pass,
        });
    }
    acc.unwrap_or_else(|| mk(TKind::Const(Const::Bool(true))))
}
