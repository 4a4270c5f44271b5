//! What each rule and table refers to, cycles among them, and an order to check them in.
//! Outcomes take part in the cycle search through `eligible(o)` (R9): an outcome depends on
//! what its lines read, so a line that reads its own outcome, directly or through rules,
//! is a cycle.
//!
//! Everything here is iterative: a policy may chain thousands of rules.

use std::collections::HashSet;

use clausula_dsl::ast::{self, Expr, ExprKind};
use clausula_dsl::{Diagnostic, FileId, Span};

use super::{Env, Sym};
use crate::codes;
use crate::ir::{Decl, Scope};

const AGGREGATES: &[&str] = &["sum", "count", "any", "all", "min", "max"];

/// What an expression refers to: rules, tables, and outcomes (through `eligible`).
enum Ref {
    Decl(Decl),
    Outcome(u32),
    /// `o.a` (R9): outcome, amount by position.
    Amount(u32, u32),
}

/// What an expression refers to: rules, tables and outcomes.
fn refs_all(env: &Env, e: &Expr, scope: Scope, out: &mut Vec<Ref>) {
    let mut stack: Vec<(&Expr, Scope)> = vec![(e, scope)];
    while let Some((e, scope)) = stack.pop() {
        match &e.kind {
            ExprKind::Name(n) => {
                if let Scope::Item(list) = scope {
                    if env.field_index(list, n).is_some() {
                        continue;
                    }
                    if let Some(r) = env.item_rules.get(&(list, n.clone())) {
                        out.push(Ref::Decl(Decl::Rule(*r)));
                        continue;
                    }
                }
                match env.globals.get(n) {
                    Some(Sym::Rule(r)) => out.push(Ref::Decl(Decl::Rule(*r))),
                    Some(Sym::Table(t)) => out.push(Ref::Decl(Decl::Table(*t))),
                    _ => {}
                }
            }
            ExprKind::Field(base, f) => {
                if let ExprKind::Name(o) = &base.kind
                    && !env.globals.contains_key(o)
                    && let Some(id) = env.outcome_ids.get(o)
                    && let Some(a) = env
                        .outcome_amounts
                        .get(*id as usize)
                        .and_then(|l| l.iter().position(|(n, _, _)| *n == f.name))
                {
                    out.push(Ref::Amount(*id, u32::try_from(a).unwrap_or(u32::MAX)));
                    continue;
                }
                stack.push((base, scope));
            }
            ExprKind::Index(base, key) => {
                stack.push((base, scope));
                stack.push((key, scope));
            }
            ExprKind::Unary(_, x) => stack.push((x, scope)),
            ExprKind::Binary(_, l, r) => {
                stack.push((l, scope));
                stack.push((r, scope));
            }
            ExprKind::If(c, a, b) => {
                stack.push((c, scope));
                stack.push((a, scope));
                stack.push((b, scope));
            }
            ExprKind::Call(name, args) => {
                if name.name == "eligible"
                    && let [a] = args.as_slice()
                    && let ExprKind::Name(o) = &a.value.kind
                    && let Some(id) = env.outcome_ids.get(o)
                {
                    out.push(Ref::Outcome(*id));
                    continue;
                }
                let list = match args.first().map(|a| &a.value.kind) {
                    Some(ExprKind::Name(l)) if AGGREGATES.contains(&name.name.as_str()) => {
                        match env.globals.get(l) {
                            Some(Sym::Entity(id))
                                if env.entities.get(*id as usize).is_some_and(|e| e.is_list) =>
                            {
                                Some(*id)
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                };
                for (i, a) in args.iter().enumerate() {
                    let inner = match list {
                        Some(l) if i > 0 || a.filter.is_some() => Scope::Item(l),
                        _ => scope,
                    };
                    if !(i == 0 && list.is_some()) {
                        stack.push((&a.value, inner));
                    }
                    if let Some(f) = &a.filter {
                        stack.push((f, inner));
                    }
                }
            }
            ExprKind::List(items) => stack.extend(items.iter().map(|i| (i, scope))),
            ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(_)
            | ExprKind::AsOf => {}
        }
    }
}

fn index(d: Decl, n_rules: usize) -> usize {
    match d {
        Decl::Rule(r) => r as usize,
        Decl::Table(t) => n_rules + t as usize,
    }
}

/// Orders rules and tables so that each comes after what it uses; reports cycles. Members
/// of a cycle are left out of the order (their type stays unknown, which silences
/// follow-on errors in their users).
pub(super) fn order(
    env: &Env,
    rules: &[(FileId, &ast::RuleDecl)],
    tables: &[(FileId, &ast::TableDecl)],
    outcomes: &[(FileId, &ast::OutcomeDecl)],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Decl> {
    let n_rules = rules.len();
    let n_decls = n_rules + tables.len();
    // Outcomes come after the rules and tables, then their amounts: nodes of the cycle
    // search, never checked here.
    let n_outcomes = n_decls + outcomes.len();
    let mut amount_at: Vec<usize> = Vec::with_capacity(outcomes.len());
    let mut n = n_outcomes;
    for k in 0..outcomes.len() {
        amount_at.push(n);
        n += env.outcome_amounts.get(k).map_or(0, Vec::len);
    }
    let at = |r: Ref| -> usize {
        match r {
            Ref::Decl(d) => index(d, n_rules),
            Ref::Outcome(o) => n_decls + o as usize,
            Ref::Amount(o, a) => amount_at.get(o as usize).copied().unwrap_or(n) + a as usize,
        }
    };
    let decl_of = |i: usize| -> Decl {
        if i < n_rules {
            Decl::Rule(u32::try_from(i).unwrap_or(u32::MAX))
        } else {
            Decl::Table(u32::try_from(i - n_rules).unwrap_or(u32::MAX))
        }
    };
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, (_, r)) in rules.iter().enumerate() {
        let scope = env.rule_scopes.get(i).copied().unwrap_or(Scope::Row);
        let mut out = Vec::new();
        refs_all(env, &r.value, scope, &mut out);
        if let Some(d) = deps.get_mut(i) {
            *d = dedup(out.into_iter().map(at).collect());
        }
    }
    for (j, (_, t)) in tables.iter().enumerate() {
        let mut out = Vec::new();
        let rows: Vec<&ast::TableRow> = match &t.body {
            ast::TableBody::Rows(rows) => rows.iter().collect(),
            ast::TableBody::Versions(vs) => vs.iter().flat_map(|v| v.rows.iter()).collect(),
        };
        for row in rows {
            if let Some(c) = &row.condition {
                refs_all(env, c, Scope::Row, &mut out);
            }
            refs_all(env, &row.value, Scope::Row, &mut out);
        }
        if let Some(d) = deps.get_mut(n_rules + j) {
            *d = dedup(out.into_iter().map(at).collect());
        }
    }
    // An outcome's status depends on its lines (not its amounts: an amount may read
    // `eligible` of its own outcome).
    for (k, (_, o)) in outcomes.iter().enumerate() {
        let mut out = Vec::new();
        for item in &o.items {
            if let ast::OutcomeItem::Require(q) | ast::OutcomeItem::Unless(q) = item {
                refs_all(env, &q.condition, Scope::Row, &mut out);
                if let Some(g) = &q.guard {
                    refs_all(env, g, Scope::Row, &mut out);
                }
            }
        }
        if let Some(d) = deps.get_mut(n_decls + k) {
            *d = dedup(out.into_iter().map(at).collect());
        }
    }
    // Each amount depends on what its expression reads (its own outcome's status included,
    // through `eligible`): `o.a` read by a line of `o` is a cycle only then.
    for (k, list) in env.outcome_amounts.iter().enumerate() {
        let Some(first) = amount_at.get(k).copied() else {
            continue;
        };
        for (a, (_, _, value)) in list.iter().enumerate() {
            let mut out = Vec::new();
            refs_all(env, value, Scope::Row, &mut out);
            if let Some(d) = deps.get_mut(first + a) {
                *d = dedup(out.into_iter().map(at).filter(|i| *i < n).collect());
            }
        }
    }

    let name_of = |i: usize| -> (String, FileId, Span) {
        if i < n_rules {
            rules
                .get(i)
                .map_or((String::new(), FileId(0), Span::default()), |(f, r)| {
                    let name = match &r.list {
                        Some(l) => format!("{}.{}", l.name, r.name.name),
                        None => r.name.name.clone(),
                    };
                    (name, *f, r.name.span)
                })
        } else if i < n_decls {
            tables
                .get(i - n_rules)
                .map_or((String::new(), FileId(0), Span::default()), |(f, t)| {
                    (t.name.name.clone(), *f, t.name.span)
                })
        } else if i < n_outcomes {
            outcomes
                .get(i - n_decls)
                .map_or((String::new(), FileId(0), Span::default()), |(f, o)| {
                    (o.name.name.clone(), *f, o.name.span)
                })
        } else {
            // An amount: the outcome whose block holds it.
            let k = amount_at.iter().rposition(|s| *s <= i).unwrap_or(0);
            let a = i - amount_at.get(k).copied().unwrap_or(i);
            let name = env
                .outcome_amounts
                .get(k)
                .and_then(|l| l.get(a))
                .map_or("?", |(n, _, _)| n.as_str());
            outcomes
                .get(k)
                .map_or((String::new(), FileId(0), Span::default()), |(f, o)| {
                    (format!("{}.{name}", o.name.name), *f, o.name.span)
                })
        }
    };

    // Find cycles with an iterative depth-first search.
    let mut in_cycle = vec![false; n];
    let mut color = vec![0u8; n]; // 0 white, 1 on stack, 2 done
    for start in 0..n {
        if color.get(start) != Some(&0) {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        if let Some(c) = color.get_mut(start) {
            *c = 1;
        }
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            let child = deps.get(node).and_then(|d| d.get(*next)).copied();
            *next += 1;
            match child {
                Some(ch) => match color.get(ch).copied() {
                    Some(0) => {
                        if let Some(c) = color.get_mut(ch) {
                            *c = 1;
                        }
                        stack.push((ch, 0));
                    }
                    Some(1) => {
                        // A back edge: the cycle is the stack from `ch` to the top.
                        let pos = stack.iter().position(|(s, _)| *s == ch).unwrap_or(0);
                        let members: Vec<usize> = stack
                            .get(pos..)
                            .unwrap_or(&[])
                            .iter()
                            .map(|(s, _)| *s)
                            .collect();
                        if members
                            .iter()
                            .all(|m| !in_cycle.get(*m).copied().unwrap_or(true))
                        {
                            report_cycle(&members, &name_of, diags);
                        }
                        for m in members {
                            if let Some(c) = in_cycle.get_mut(m) {
                                *c = true;
                            }
                        }
                    }
                    _ => {}
                },
                None => {
                    if let Some(c) = color.get_mut(node) {
                        *c = 2;
                    }
                    stack.pop();
                }
            }
        }
    }

    // Kahn's algorithm over the rest.
    let mut remaining: Vec<usize> = vec![0; n];
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        if in_cycle.get(i).copied().unwrap_or(false) {
            continue;
        }
        for d in ds {
            if in_cycle.get(*d).copied().unwrap_or(false) {
                continue;
            }
            if let Some(r) = remaining.get_mut(i) {
                *r += 1;
            }
            if let Some(u) = users.get_mut(*d) {
                u.push(i);
            }
        }
    }
    let mut ready: Vec<usize> = (0..n)
        .rev()
        .filter(|i| remaining.get(*i) == Some(&0) && !in_cycle.get(*i).copied().unwrap_or(false))
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop() {
        if i < n_decls {
            order.push(decl_of(i));
        }
        for u in users.get(i).cloned().unwrap_or_default() {
            if let Some(r) = remaining.get_mut(u) {
                *r -= 1;
                if *r == 0 {
                    ready.push(u);
                }
            }
        }
    }
    order
}

fn dedup(v: Vec<usize>) -> Vec<usize> {
    let mut seen = HashSet::new();
    v.into_iter().filter(|x| seen.insert(*x)).collect()
}

fn report_cycle(
    members: &[usize],
    name_of: &dyn Fn(usize) -> (String, FileId, Span),
    diags: &mut Vec<Diagnostic>,
) {
    let names: Vec<(String, FileId, Span)> = members.iter().map(|m| name_of(*m)).collect();
    let Some((first, file, span)) = names.first().cloned() else {
        return;
    };
    let mut path: Vec<String> = names.iter().map(|(n, _, _)| format!("`{n}`")).collect();
    path.push(format!("`{first}`"));
    let mut d = Diagnostic::error(
        codes::CYCLE,
        span,
        if names.len() == 1 {
            format!("`{first}` is defined in terms of itself")
        } else {
            format!("`{first}` depends on itself: {}", path.join(" → "))
        },
    )
    .in_file(file)
    .with_help(
        "a rule, table or outcome cannot use itself, directly or through others (an outcome's \
         amounts may read `eligible` of it)",
    );
    for (n, f, s) in names.iter().skip(1) {
        d = d.with_label_in(*f, *s, format!("`{n}` is part of the cycle"));
    }
    diags.push(d);
}
