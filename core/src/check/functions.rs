//! Functions (R6): `rule NAME(p: TYPE, …) = …` and `table NAME(p: TYPE, …) hit …`.
//!
//! A function's body is checked once, with its parameters as values known only by their
//! declared types, in an order where a function is checked after those it calls (a call
//! cycle is `check/cycle`); that check reports the body's errors and gives the result type.
//! Each distinct call — the function's name and its arguments as canonical text, with an
//! enclosing function's arguments substituted for its parameters (R7) — then becomes an
//! instance: an ordinary rule or table of the program, named by that text, whose body is
//! the function's with the arguments in place of the parameters. Identical calls share one
//! instance, so evaluation, explanation (`values` keys), intervals and recourse need
//! nothing of their own. Instances are bounded by [`MAX_EXPANDED_NODES`] in all.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use clausula_dsl::ast::{self, Expr, ExprKind};
use clausula_dsl::{Diagnostic, FileId, Span};

use super::Env;
use crate::codes;
use crate::ir::{Decl, RuleDef, Scope, TExpr, TKind, TableDef};
use crate::types::Type;

/// Most expression nodes all instances of all function calls of one policy may have: past
/// it, nested calls are growing the program faster than its text (`check/too-large`).
pub(crate) const MAX_EXPANDED_NODES: usize = 1_000_000;

/// A function's declaration as written.
#[derive(Clone, Debug)]
pub(crate) enum FnAst {
    Rule(ast::RuleDecl),
    Table(ast::TableDecl),
}

/// A declared function.
#[derive(Clone, Debug)]
pub(crate) struct FunctionDef {
    pub(crate) name: String,
    pub(crate) file: FileId,
    pub(crate) span: Span,
    pub(crate) params: Vec<(String, Type)>,
    pub(crate) ast: FnAst,
    /// The result type, once the body has been checked (`Error` before).
    pub(crate) ty: Type,
    /// A rule function's declared display type (`: percent`).
    pub(crate) display_ty: Option<Type>,
}

impl FunctionDef {
    pub(crate) fn label(&self) -> Option<String> {
        match &self.ast {
            FnAst::Rule(r) => r.label.as_ref().map(|l| l.value.clone()),
            FnAst::Table(t) => t.label.as_ref().map(|l| l.value.clone()),
        }
    }

    /// `增长率(y1: money, y2: money)`, for messages.
    pub(crate) fn signature(&self) -> String {
        let ps: Vec<String> = self
            .params
            .iter()
            .map(|(n, t)| format!("{n}: {}", t.name()))
            .collect();
        format!("{}({})", self.name, ps.join(", "))
    }
}

/// What a function's body is being checked for.
pub(crate) struct FnFrame {
    pub(crate) function: u32,
    /// Checking the body once, for its errors and type: calls give values of their type,
    /// and no instance is made.
    pub(crate) definition: bool,
    /// Each parameter: its name, what it stands for (typed as declared) and the argument
    /// as written (with an enclosing call's arguments already substituted).
    pub(crate) params: Vec<(String, TExpr, Expr)>,
    /// Where the instance is evaluated: the scope of the outermost call (per item inside an
    /// aggregate), whatever the body's own names resolve in.
    pub(crate) inst_scope: Scope,
    /// The calls being expanded, outermost first, for `check/too-large`.
    pub(crate) chain: Vec<String>,
    /// Per parameter: whether the body reads it (only those are shown in `args`: an
    /// argument nothing reads is not evaluated).
    pub(crate) used: RefCell<Vec<bool>>,
}

impl FnFrame {
    pub(crate) fn param(&self, name: &str) -> Option<&(String, TExpr, Expr)> {
        self.params.iter().find(|(n, _, _)| n == name)
    }

    /// Notes that the body reads parameter `name`.
    pub(crate) fn mark_used(&self, name: &str) {
        if let Some(i) = self.params.iter().position(|(n, _, _)| n == name)
            && let Some(u) = self.used.borrow_mut().get_mut(i)
        {
            *u = true;
        }
    }
}

/// The instances made so far.
#[derive(Default)]
pub(crate) struct Instances {
    /// Declared rules and tables: instance ids come after them.
    pub(crate) base_rules: u32,
    pub(crate) base_tables: u32,
    pub(crate) rules: Vec<RuleDef>,
    pub(crate) tables: Vec<TableDef>,
    /// Instance by its name (the call's canonical text, per scope).
    pub(crate) by_key: HashMap<String, TKind>,
    /// Instances in the order they were made (each after those it reads), not yet placed in
    /// the program's order.
    pub(crate) created: Vec<Decl>,
    /// Expression nodes in all instances so far.
    pub(crate) nodes: usize,
    /// Set once the budget is exceeded (reported once).
    pub(crate) over_budget: bool,
    /// The `check/too-large` diagnostic, kept here rather than in the diagnostics of the
    /// body being expanded (those of a call are discarded), and reported by `check`.
    pub(crate) too_large: Option<Diagnostic>,
}

pub(crate) type SharedInstances = RefCell<Instances>;

/// Whether an argument of type `arg` may be passed for a parameter of type `param` (R6):
/// no change of dimension; a unit-less literal takes the parameter's numeric kind.
pub(crate) fn accepts(param: Type, arg: Type) -> bool {
    use Type::*;
    if arg == Error || param == Error {
        return true;
    }
    match param {
        Money => matches!(arg, Money | Scalar),
        Number | Percent => matches!(arg, Int | Number | Percent | Scalar),
        Int => matches!(arg, Int | Scalar),
        Code => matches!(arg, Code | Text),
        p => p == arg,
    }
}

/// Expression nodes of a typed expression (iteratively: bodies may be deep).
pub(crate) fn count_nodes(e: &TExpr) -> usize {
    let mut n = 0usize;
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        n += 1;
        match &e.kind {
            TKind::Not(a) | TKind::Neg(a) | TKind::Abs(a) | TKind::InForce { x: a, .. } => {
                stack.push(a)
            }
            TKind::Round { x, .. } => stack.push(x),
            TKind::And(a, b)
            | TKind::Or(a, b)
            | TKind::Cmp(_, a, b)
            | TKind::Arith(_, a, b)
            | TKind::DateDiff(a, b)
            | TKind::YearsBetween(a, b)
            | TKind::MonthsBetween(a, b)
            | TKind::Within(a, b)
            | TKind::DaysArith { a, b, .. }
            | TKind::DateShift { date: a, by: b, .. } => {
                stack.push(a);
                stack.push(b);
            }
            TKind::If(c, a, b) => {
                stack.push(c);
                stack.push(a);
                stack.push(b);
            }
            TKind::MinMax { args, .. } => stack.extend(args),
            TKind::InList(x, items) => {
                stack.push(x);
                stack.extend(items);
            }
            TKind::DirHas(_, x) | TKind::DirGet(_, x, _) | TKind::WithinDir(_, x) => stack.push(x),
            TKind::Agg { filter, value, .. } => {
                stack.extend(filter.as_deref());
                stack.extend(value.as_deref());
            }
            TKind::Const(_)
            | TKind::Fact { .. }
            | TKind::ItemFact { .. }
            | TKind::Rule(_)
            | TKind::Param(_)
            | TKind::Table(_)
            | TKind::Eligible(_)
            | TKind::OutcomeAmount { .. }
            | TKind::AsOf
            | TKind::Opaque => {}
        }
    }
    n
}

/// `e` with every name that is a parameter of `frame` replaced by the argument it stands
/// for, as written: the canonical text of a call inside a function's body (R7).
pub(crate) fn substitute(e: &Expr, frame: Option<&FnFrame>) -> Expr {
    let Some(frame) = frame else {
        return e.clone();
    };
    let mut out = e.clone();
    let mut stack: Vec<&mut Expr> = vec![&mut out];
    while let Some(e) = stack.pop() {
        if let ExprKind::Name(n) = &e.kind
            && let Some((_, _, arg)) = frame.param(n)
        {
            let span = e.span;
            *e = arg.clone();
            e.span = span;
            continue;
        }
        stack.extend(e.children_mut());
    }
    out
}

/// The names of the functions `e` calls.
fn calls(env: &Env, e: &Expr, out: &mut Vec<u32>) {
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        if let ExprKind::Call(name, _) = &e.kind
            && let Some(super::Sym::Function(f)) = env.globals.get(&name.name)
        {
            out.push(*f);
        }
        stack.extend(e.children());
    }
}

fn body_calls(env: &Env, f: &FunctionDef) -> Vec<u32> {
    let mut out = Vec::new();
    match &f.ast {
        FnAst::Rule(r) => calls(env, &r.value, &mut out),
        FnAst::Table(t) => {
            let rows: Vec<&ast::TableRow> = match &t.body {
                ast::TableBody::Rows(rows) => rows.iter().collect(),
                ast::TableBody::Versions(vs) => vs.iter().flat_map(|v| &v.rows).collect(),
            };
            for r in rows {
                if let Some(c) = &r.condition {
                    calls(env, c, &mut out);
                }
                calls(env, &r.value, &mut out);
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// The functions in an order where each comes after those it calls; a call cycle is
/// reported (`check/cycle`, naming the chain) and its functions left out.
pub(crate) fn order(env: &Env, diags: &mut Vec<Diagnostic>) -> Vec<u32> {
    let n = env.functions.len();
    let edges: Vec<Vec<u32>> = env.functions.iter().map(|f| body_calls(env, f)).collect();
    // 0 = not seen, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut out = Vec::with_capacity(n);
    let mut reported = vec![false; n];
    for start in 0..n {
        if state.get(start).copied() != Some(0) {
            continue;
        }
        // Iterative depth-first search: (function, next edge).
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        if let Some(s) = state.get_mut(start) {
            *s = 1;
        }
        while let Some((f, i)) = stack.last().copied() {
            let next = edges.get(f).and_then(|e| e.get(i)).map(|g| *g as usize);
            match next {
                Some(g) => {
                    if let Some(top) = stack.last_mut() {
                        top.1 += 1;
                    }
                    match state.get(g).copied() {
                        Some(0) => {
                            if let Some(s) = state.get_mut(g) {
                                *s = 1;
                            }
                            stack.push((g, 0));
                        }
                        Some(1) => {
                            let at = stack.iter().position(|(x, _)| *x == g).unwrap_or(0);
                            let members: Vec<usize> = stack
                                .get(at..)
                                .unwrap_or(&[])
                                .iter()
                                .map(|(x, _)| *x)
                                .collect();
                            if !members.iter().any(|m| reported.get(*m) == Some(&true)) {
                                report_cycle(env, &members, diags);
                            }
                            for m in members {
                                if let Some(r) = reported.get_mut(m) {
                                    *r = true;
                                }
                            }
                        }
                        _ => {}
                    }
                }
                None => {
                    stack.pop();
                    if let Some(s) = state.get_mut(f) {
                        *s = 2;
                    }
                    if reported.get(f) != Some(&true) {
                        out.push(u32::try_from(f).unwrap_or(u32::MAX));
                    }
                }
            }
        }
    }
    out
}

fn report_cycle(env: &Env, members: &[usize], diags: &mut Vec<Diagnostic>) {
    let defs: Vec<&FunctionDef> = members
        .iter()
        .filter_map(|m| env.functions.get(*m))
        .collect();
    let Some(first) = defs.first() else {
        return;
    };
    let mut path: Vec<String> = defs.iter().map(|f| format!("`{}`", f.name)).collect();
    path.push(format!("`{}`", first.name));
    let mut d = Diagnostic::error(
        codes::CYCLE,
        first.span,
        if defs.len() == 1 {
            format!("function `{}` calls itself", first.name)
        } else {
            format!(
                "function `{}` calls itself: {}",
                first.name,
                path.join(" → ")
            )
        },
    )
    .in_file(first.file)
    .with_help("functions expand where they are called, so they cannot be recursive");
    for f in defs.iter().skip(1) {
        d = d.with_label_in(f.file, f.span, format!("`{}` is part of the cycle", f.name));
    }
    diags.push(d);
}

/// Shares a frame with the checks of a body.
pub(crate) type Frame = Rc<FnFrame>;
