//! Validation of a deserialised graph: every index in range, every child before its
//! parent, scopes consistent. After this, evaluation cannot go out of bounds (and it
//! uses checked access anyway).

use super::{FactRef, Graph, Node, Op, ROW};
use crate::types::Type;
use crate::value::{Const, date_from_days};

fn ensure(ok: bool, what: impl FnOnce() -> String) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("corrupt graph: {}", what()))
    }
}

fn check_type(g: &Graph, ty: Type) -> Result<(), String> {
    if let Type::Enum(id) = ty {
        ensure((id as usize) < g.enums.len(), || {
            format!("enum {id} out of range")
        })?;
    }
    Ok(())
}

fn check_const(c: &Const) -> Result<(), String> {
    if let Const::Date(d) = c {
        ensure(date_from_days(*d).is_some(), || {
            format!("date {d} out of range")
        })?;
    }
    Ok(())
}

pub(super) fn validate(g: &mut Graph) -> Result<(), String> {
    let n_lists = g.lists.len();
    for (i, e) in g.entities.iter().enumerate() {
        for f in &e.fields {
            check_type(g, f.ty)?;
            if let Some(c) = &f.default {
                check_const(c)?;
            }
            if let Some(r) = &f.range {
                for c in r.low.iter().chain(r.high.iter()) {
                    check_const(c)?;
                }
            }
        }
        if e.is_list {
            ensure(g.lists.get(e.base as usize) == Some(&(i as u32)), || {
                format!("list entity {i}")
            })?;
        } else {
            for (k, _) in e.fields.iter().enumerate() {
                let slot = (e.base as usize).saturating_add(k);
                ensure(g.slots.get(slot) == Some(&(i as u32, k as u32)), || {
                    format!("slot of entity {i}")
                })?;
            }
        }
    }
    for (s, (e, f)) in g.slots.iter().enumerate() {
        let ent = g.entities.get(*e as usize);
        ensure(
            ent.is_some_and(|en| !en.is_list && (*f as usize) < en.fields.len()),
            || format!("slot {s}"),
        )?;
    }
    for (l, e) in g.lists.iter().enumerate() {
        ensure(
            g.entities.get(*e as usize).is_some_and(|en| en.is_list),
            || format!("list {l}"),
        )?;
    }
    for c in &g.consts {
        check_const(c)?;
    }
    for p in &g.params {
        for (_, c, _) in &p.steps {
            ensure((*c as usize) < g.consts.len(), || {
                format!("param `{}`", p.name)
            })?;
        }
    }
    for d in &mut g.directories {
        let expected = d.keys.len().checked_mul(d.columns.len());
        ensure(expected == Some(d.cells.len()), || {
            format!("directory `{}` cells", d.name)
        })?;
        for c in d.cells.iter().flatten() {
            check_const(c)?;
        }
        let variants = match d.key_ty {
            Type::Enum(id) => g.enums.get(id as usize).map(|e| &e.variants[..]),
            Type::Code | Type::Int => None,
            _ => {
                return Err(format!("corrupt graph: directory `{}` key type", d.name));
            }
        };
        ensure(d.build_index(variants), || {
            format!(
                "directory `{}` has duplicate keys or keys of another type",
                d.name
            )
        })?;
    }
    for (t, table) in g.tables.iter().enumerate() {
        ensure(!table.versions.is_empty(), || {
            format!("table {t} has no version")
        })?;
    }

    let n = g.nodes.len();
    let scope_of = |g: &Graph, id: u32| g.nodes.get(id as usize).map(|n| n.scope);
    for (i, node) in g.nodes.iter().enumerate() {
        let i32_ = u32::try_from(i).map_err(|_| "too many nodes".to_string())?;
        let Node {
            op,
            ty,
            scope,
            text,
        } = node;
        check_type(g, *ty)?;
        ensure((*scope as usize) <= n_lists, || format!("node {i} scope"))?;
        if let Some(t) = text {
            ensure((*t as usize) < g.texts.len(), || format!("node {i} text"))?;
        }
        let before = |c: &u32| *c < i32_;
        // Args ranges must be in bounds.
        if let Op::And(a) | Op::Or(a) | Op::MinMax { args: a, .. } | Op::InSet(_, a) = op {
            let end = (a.start as usize).checked_add(a.len as usize);
            ensure(end.is_some_and(|e| e <= g.args.len()), || {
                format!("node {i} args")
            })?;
        }
        let children = g.children(op);
        ensure(children.iter().all(before), || {
            format!("node {i} refers forward")
        })?;
        match op {
            Op::Const(c) => ensure((*c as usize) < g.consts.len(), || format!("node {i} const"))?,
            Op::Fact(s) => ensure((*s as usize) < g.slots.len() && *scope == ROW, || {
                format!("node {i} fact")
            })?,
            Op::ItemFact { list, field } => {
                let ok = g
                    .lists
                    .get(*list as usize)
                    .and_then(|e| g.entities.get(*e as usize))
                    .is_some_and(|e| (*field as usize) < e.fields.len());
                ensure(ok && *scope == list + 1, || format!("node {i} item fact"))?;
            }
            Op::Param(p) => ensure((*p as usize) < g.params.len(), || format!("node {i} param"))?,
            Op::Broadcast(c) => ensure(scope_of(g, *c) == Some(ROW) && *scope != ROW, || {
                format!("node {i} broadcast")
            })?,
            Op::Agg {
                list,
                filter,
                value,
                ..
            } => {
                ensure((*list as usize) < n_lists && *scope == ROW, || {
                    format!("node {i} aggregate")
                })?;
                for c in filter.iter().chain(value.iter()) {
                    ensure(scope_of(g, *c) == Some(list + 1), || {
                        format!("node {i} aggregate scope")
                    })?;
                }
            }
            Op::DirHas(d, _) | Op::WithinDir(d, _) => {
                ensure((*d as usize) < g.directories.len(), || {
                    format!("node {i} directory")
                })?
            }
            Op::DirGet(d, _, c) => {
                let ok = g
                    .directories
                    .get(*d as usize)
                    .is_some_and(|d| (*c as usize) < d.columns.len());
                ensure(ok, || format!("node {i} directory column"))?;
            }
            Op::Table(t) => {
                ensure((*t as usize) < g.tables.len() && *scope == ROW, || {
                    format!("node {i} table")
                })?;
                ensure(
                    children.iter().all(|c| scope_of(g, *c) == Some(ROW)),
                    || format!("node {i} table rows"),
                )?;
            }
            _ => {}
        }
        if !matches!(op, Op::Broadcast(_) | Op::Agg { .. } | Op::Table(_)) {
            ensure(
                children.iter().all(|c| scope_of(g, *c) == Some(*scope)),
                || format!("node {i} mixes scopes"),
            )?;
        }
    }
    for (name, call) in g
        .named
        .iter()
        .filter_map(|r| Some((&r.name, r.call.as_ref()?)))
        .chain(
            g.tables
                .iter()
                .filter_map(|t| Some((&t.name, t.call.as_ref()?))),
        )
    {
        for (_, node) in &call.args {
            ensure((*node as usize) < n, || {
                format!("the arguments of `{name}`")
            })?;
        }
    }
    for (o, node) in &g.statuses {
        ensure(
            (*node as usize) < n && (*o as usize) < g.outcomes.len() + g.library.len(),
            || "an outcome's status".to_string(),
        )?;
    }
    for named in &g.named {
        ensure((named.node as usize) < n, || {
            format!("rule `{}`", named.name)
        })?;
    }
    g.index_named();
    for o in g.outcomes.iter().chain(&g.library) {
        for r in &o.requirements {
            for c in std::iter::once(r.cond).chain(r.guard) {
                ensure((c as usize) < n && scope_of(g, c) == Some(ROW), || {
                    format!("outcome `{}`", o.name)
                })?;
            }
        }
        for a in &o.amounts {
            ensure(
                (a.node as usize) < n && scope_of(g, a.node) == Some(ROW),
                || format!("outcome `{}`", o.name),
            )?;
        }
        for d in &o.deps {
            let ok = match d {
                FactRef::Slot(s) => (*s as usize) < g.slots.len(),
                FactRef::ItemField { list, field } => g
                    .lists
                    .get(*list as usize)
                    .and_then(|e| g.entities.get(*e as usize))
                    .is_some_and(|e| (*field as usize) < e.fields.len()),
                FactRef::List(l) => (*l as usize) < n_lists,
            };
            ensure(ok, || format!("outcome `{}` dependencies", o.name))?;
        }
    }
    Ok(())
}
