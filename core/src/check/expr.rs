//! Typing expressions: names resolved in scope, operators checked against the type rules of
//! [`crate::types`], enum values resolved from context (`size == small`, `size == "small"`).

use clausula_dsl::ast::{Arg, BinaryOp, DurationUnit, Expr, ExprKind, NumberSuffix, UnaryOp};
use clausula_dsl::suggest::with_suggestion;
use clausula_dsl::{Diagnostic, FileId};
use rust_decimal::Decimal;

use super::functions::{self, FnAst, FnFrame, Frame};
use super::{Env, Sym};
use crate::codes;
use crate::ir::*;
use crate::types::EnumId;
use crate::types::Type;
use crate::value::{Calendar, Const, days_from_date};

pub(super) const FUNCTIONS: &[&str] = &[
    "min",
    "max",
    "sum",
    "count",
    "any",
    "all",
    "round",
    "floor",
    "ceil",
    "abs",
    "years_between",
    "months_between",
    "eligible",
];

/// Checking context: where we are and where errors go.
pub(crate) struct Cx<'e, 'd> {
    env: &'e Env,
    file: FileId,
    scope: Scope,
    diags: &'d mut Vec<Diagnostic>,
    /// In a function's body: its parameters and how it is being checked.
    frame: Option<Frame>,
}

impl<'e, 'd> Cx<'e, 'd> {
    pub(crate) fn new(
        env: &'e Env,
        file: FileId,
        scope: Scope,
        diags: &'d mut Vec<Diagnostic>,
    ) -> Cx<'e, 'd> {
        Cx {
            env,
            file,
            scope,
            diags,
            frame: None,
        }
    }

    /// The same context checking a function's body: its parameters are in scope, and it
    /// may read nothing global but params, directories and other functions.
    pub(crate) fn in_function(mut self, frame: Option<Frame>) -> Cx<'e, 'd> {
        self.frame = frame;
        self
    }

    /// In a function's body, reading `what` (a fact, a rule, …) is an error: a call depends
    /// only on its arguments and `as_of` (R6).
    fn reads_global(&mut self, e: &Expr, what: &str) -> Option<TExpr> {
        let f = self.frame.as_ref()?;
        let name = self
            .env
            .functions
            .get(f.function as usize)
            .map_or_else(String::new, |f| f.name.clone());
        let d = self
            .error(
                codes::FUNCTION_READS_GLOBAL,
                e,
                format!("function `{name}` reads {what}"),
            )
            .with_help(
                "a function reads only its parameters, params, directories, literals, `as_of` \
                 and other functions: add a parameter and pass this as an argument",
            );
        self.push(d);
        Some(self.poisoned(e))
    }

    fn error(&mut self, code: &'static str, e: &Expr, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(code, e.span, message).in_file(self.file)
    }

    fn push(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn poisoned(&self, e: &Expr) -> TExpr {
        TExpr {
            kind: TKind::Const(Const::Bool(false)),
            ty: Type::Error,
            span: e.span,
            text: None,
        }
    }

    fn mk(&self, kind: TKind, ty: Type, e: &Expr) -> TExpr {
        TExpr {
            kind,
            ty,
            span: e.span,
            text: None,
        }
    }

    /// Like `mk`, keeping the expression's text for error messages at evaluation (in a
    /// function's body, with the call's arguments in place of the parameters).
    /// A value read from a declaration of an imported policy that has an `effective`
    /// window, guarded by it (R10): outside the window it is
    /// `eval/outside-effective-window`, scoped like any evaluation error.
    fn in_force(&self, name: &str, t: TExpr) -> TExpr {
        match self.env.windows.get(name) {
            Some(&(from, to)) => TExpr {
                ty: t.ty,
                span: t.span,
                text: Some(name.to_string()),
                kind: TKind::InForce {
                    from,
                    to,
                    x: Box::new(t),
                },
            },
            None => t,
        }
    }

    fn mk_named(&self, kind: TKind, ty: Type, e: &Expr) -> TExpr {
        let text = match self.frame.as_deref() {
            Some(f) if !f.definition => {
                clausula_dsl::print_expr(&functions::substitute(e, Some(f)))
            }
            _ => clausula_dsl::print_expr(e),
        };
        TExpr {
            kind,
            ty,
            span: e.span,
            text: Some(text),
        }
    }

    /// Checks a condition.
    pub(crate) fn expect_bool(&mut self, e: &Expr, what: &str) -> TExpr {
        let t = self.expr(e, Some(Type::Bool));
        if t.ty != Type::Bool && t.ty != Type::Error {
            let d = self
                .error(
                    codes::TYPE_MISMATCH,
                    e,
                    format!(
                        "{what} must be true or false, this is {}",
                        describe(self.env, t.ty)
                    ),
                )
                .with_help("compare it with something, e.g. `x >= 10`");
            self.push(d);
            return self.poisoned(e);
        }
        t
    }

    /// Types an expression. `expect` only guides enum values written bare or as strings.
    pub(crate) fn expr(&mut self, e: &Expr, expect: Option<Type>) -> TExpr {
        stacker::maybe_grow(64 * 1024, 1024 * 1024, || self.expr_inner(e, expect))
    }

    fn expr_inner(&mut self, e: &Expr, expect: Option<Type>) -> TExpr {
        match &e.kind {
            ExprKind::Number(n) => {
                let ty = if n.suffix == NumberSuffix::Percent {
                    Type::Percent
                } else {
                    Type::Scalar
                };
                self.mk(TKind::Const(Const::Num(n.value)), ty, e)
            }
            ExprKind::Str(s) => match expect {
                Some(Type::Enum(id)) => self.enum_value(s, id, e),
                _ => self.mk(TKind::Const(Const::Str(s.as_str().into())), Type::Text, e),
            },
            ExprKind::Bool(b) => self.mk(TKind::Const(Const::Bool(*b)), Type::Bool, e),
            ExprKind::Date(d) => {
                self.mk(TKind::Const(Const::Date(days_from_date(*d))), Type::Date, e)
            }
            ExprKind::Duration(d) => {
                let n = i32::try_from(d.count).unwrap_or(i32::MAX);
                match d.unit {
                    DurationUnit::Days => {
                        self.mk(TKind::Const(Const::Days(d.count)), Type::Days, e)
                    }
                    DurationUnit::Weeks => {
                        self.mk(TKind::Const(Const::Days(d.count * 7)), Type::Days, e)
                    }
                    DurationUnit::Months => self.mk(
                        TKind::Const(Const::Cal(Calendar { months: n, days: 0 })),
                        Type::Calendar,
                        e,
                    ),
                    DurationUnit::Years => self.mk(
                        TKind::Const(Const::Cal(Calendar {
                            months: n.saturating_mul(12),
                            days: 0,
                        })),
                        Type::Calendar,
                        e,
                    ),
                }
            }
            ExprKind::AsOf => self.mk(TKind::AsOf, Type::Date, e),
            ExprKind::Name(n) => self.name(n, e, expect),
            ExprKind::Field(base, f) => self.field(base, &f.name, e),
            ExprKind::Index(..) => {
                let d = self
                    .error(codes::MISUSED_NAME, e, "a directory row is not a value")
                    .with_help(
                        "take one of its columns, `D[x].column`, or test membership with `x in D`",
                    );
                self.push(d);
                self.poisoned(e)
            }
            ExprKind::Unary(UnaryOp::Not, x) => {
                let x = self.expect_bool(x, "the operand of `not`");
                let ty = if x.ty == Type::Error {
                    Type::Error
                } else {
                    Type::Bool
                };
                self.mk(TKind::Not(Box::new(x)), ty, e)
            }
            ExprKind::Unary(UnaryOp::Neg, x) => {
                let x = self.expr(x, None);
                if !(x.ty.is_numeric() || x.ty == Type::Days || x.ty == Type::Error) {
                    let d = self.error(
                        codes::TYPE_MISMATCH,
                        e,
                        format!("cannot negate {}", describe(self.env, x.ty)),
                    );
                    self.push(d);
                    return self.poisoned(e);
                }
                let ty = x.ty;
                self.mk_named(TKind::Neg(Box::new(x)), ty, e)
            }
            ExprKind::Binary(op, a, b) => self.binary(*op, a, b, e),
            ExprKind::If(c, a, b) => {
                let c = self.expect_bool(c, "the condition of `if`");
                let (a, b) = self.pair(a, b);
                match Type::unify(a.ty, b.ty) {
                    Some(ty) => self.mk(TKind::If(Box::new(c), Box::new(a), Box::new(b)), ty, e),
                    None => {
                        let d = self.error(
                            codes::TYPE_MISMATCH,
                            e,
                            format!(
                                "the branches of `if` have different types: {} and {}",
                                describe(self.env, a.ty),
                                describe(self.env, b.ty)
                            ),
                        );
                        self.push(d);
                        self.poisoned(e)
                    }
                }
            }
            ExprKind::Call(name, args) => self.call(&name.name, args, e),
            ExprKind::List(_) => {
                let d = self
                    .error(codes::TYPE_MISMATCH, e, "a list `[…]` can only follow `in`")
                    .with_help("write `x in [a, b, c]`");
                self.push(d);
                self.poisoned(e)
            }
        }
    }

    fn enum_value(&mut self, value: &str, id: EnumId, e: &Expr) -> TExpr {
        let Some(def) = self.env.enums.get(id as usize) else {
            return self.poisoned(e);
        };
        match def.variants.iter().position(|(n, _)| n == value) {
            Some(i) => self.mk(
                TKind::Const(Const::Enum(u32::try_from(i).unwrap_or(u32::MAX))),
                Type::Enum(id),
                e,
            ),
            None => {
                let names: Vec<&str> = def.variants.iter().map(|(n, _)| n.as_str()).collect();
                let d = with_suggestion(
                    self.error(
                        codes::UNKNOWN_ENUM_VALUE,
                        e,
                        format!("`{value}` is not a value of `{}`", def.name),
                    ),
                    value,
                    &names,
                    &format!(
                        "the values are {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                );
                self.push(d);
                self.poisoned(e)
            }
        }
    }

    /// Whether a bare name means nothing in scope (so it may be an enum value).
    fn unresolved(&self, e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Name(n) => {
                if let Scope::Item(list) = self.scope
                    && (self.env.field_index(list, n).is_some()
                        || self.env.item_rules.contains_key(&(list, n.clone())))
                {
                    return false;
                }
                !self.env.globals.contains_key(n)
            }
            ExprKind::Str(_) => true,
            _ => false,
        }
    }

    /// Types two operands that must agree, letting one guide the other's enum values.
    fn pair(&mut self, a: &Expr, b: &Expr) -> (TExpr, TExpr) {
        if self.unresolved(a) && !self.unresolved(b) {
            let tb = self.expr(b, None);
            let ta = self.expr(a, Some(tb.ty));
            (ta, tb)
        } else {
            let ta = self.expr(a, None);
            let tb = self.expr(b, Some(ta.ty));
            (ta, tb)
        }
    }

    fn name(&mut self, n: &str, e: &Expr, expect: Option<Type>) -> TExpr {
        if let Some(f) = &self.frame
            && let Some((_, bound, _)) = f.param(n)
        {
            f.mark_used(n);
            return bound.clone();
        }
        if let Scope::Item(list) = self.scope {
            if let Some(fi) = self.env.field_index(list, n) {
                let ty = self
                    .env
                    .entities
                    .get(list as usize)
                    .and_then(|en| en.fields.get(fi as usize))
                    .map_or(Type::Error, |f| f.ty);
                return self.mk(TKind::ItemFact { list, field: fi }, ty, e);
            }
            if let Some(r) = self.env.item_rules.get(&(list, n.to_string())) {
                let ty = self
                    .env
                    .rule_types
                    .get(*r as usize)
                    .copied()
                    .unwrap_or(Type::Error);
                return self.mk(TKind::Rule(*r), ty, e);
            }
        }
        match self.env.globals.get(n).copied() {
            Some(Sym::Rule(_)) if self.frame.is_some() => {
                if let Some(t) = self.reads_global(e, &format!("rule `{n}`")) {
                    return t;
                }
            }
            Some(Sym::Table(_)) if self.frame.is_some() => {
                if let Some(t) = self.reads_global(e, &format!("table `{n}`")) {
                    return t;
                }
            }
            Some(Sym::Function(f)) => {
                let sig = self
                    .env
                    .functions
                    .get(f as usize)
                    .map_or_else(|| n.to_string(), |f| f.signature());
                let d = self
                    .error(
                        codes::MISUSED_NAME,
                        e,
                        format!("`{n}` is a function, not a value"),
                    )
                    .with_help(format!("call it with its arguments: `{sig}`"));
                self.push(d);
                return self.poisoned(e);
            }
            Some(Sym::Rule(r)) => {
                let ty = self
                    .env
                    .rule_types
                    .get(r as usize)
                    .copied()
                    .unwrap_or(Type::Error);
                let t = self.mk(TKind::Rule(r), ty, e);
                return self.in_force(n, t);
            }
            Some(Sym::Param(p)) => {
                let ty = self
                    .env
                    .param_types
                    .get(p as usize)
                    .copied()
                    .unwrap_or(Type::Error);
                let t = self.mk_named(TKind::Param(p), ty, e);
                return self.in_force(n, t);
            }
            Some(Sym::Table(t)) => {
                let ty = self
                    .env
                    .table_types
                    .get(t as usize)
                    .copied()
                    .unwrap_or(Type::Error);
                let t = self.mk_named(TKind::Table(t), ty, e);
                return self.in_force(n, t);
            }
            Some(Sym::Entity(id)) => {
                let is_list = self
                    .env
                    .entities
                    .get(id as usize)
                    .is_some_and(|en| en.is_list);
                let d = if is_list {
                    self.error(
                        codes::MISUSED_NAME,
                        e,
                        format!("`{n}` is a list, not a value"),
                    )
                    .with_help(format!(
                        "aggregate it: `count({n})`, `sum({n}, field)`, `any({n} where …)`"
                    ))
                } else {
                    self.error(
                        codes::MISUSED_NAME,
                        e,
                        format!("`{n}` is an input, not a value"),
                    )
                    .with_help(format!("refer to one of its fields: `{n}.field`"))
                };
                self.push(d);
                return self.poisoned(e);
            }
            Some(Sym::Enum(id)) => {
                let example = self
                    .env
                    .enums
                    .get(id as usize)
                    .and_then(|d| d.variants.first())
                    .map_or("value", |(v, _)| v.as_str());
                let d = self
                    .error(
                        codes::MISUSED_NAME,
                        e,
                        format!("`{n}` is an enum, not a value"),
                    )
                    .with_help(format!("name one of its values: `{n}.{example}`"));
                self.push(d);
                return self.poisoned(e);
            }
            Some(Sym::Dir(_)) => {
                let d = self
                    .error(
                        codes::MISUSED_NAME,
                        e,
                        format!("`{n}` is a directory, not a value"),
                    )
                    .with_help(format!(
                        "test membership with `x in {n}` or read a column with `{n}[x].column`"
                    ));
                self.push(d);
                return self.poisoned(e);
            }
            None => {}
        }
        if let Some(Type::Enum(id)) = expect {
            return self.enum_value(n, id, e);
        }
        // Unknown: suggest a name in scope, or explain an enum value used without context.
        // Any global name is a candidate: a misspelt input or directory is usually followed
        // by `.field` or `[key]`, which is how we got here.
        let lookups = self.env.lookups();
        let item_fields: Vec<&str> = match self.scope {
            Scope::Item(list) => self
                .env
                .entities
                .get(list as usize)
                .map(|en| en.fields.iter().map(|f| f.name.as_str()).collect())
                .unwrap_or_default(),
            Scope::Row => Vec::new(),
        };
        let candidates: Vec<&str> = item_fields
            .into_iter()
            .chain(lookups.globals.iter().map(String::as_str))
            .take(clausula_dsl::suggest::MAX_SUGGEST_CANDIDATES)
            .collect();
        if self.env.outcome_ids.contains_key(n) {
            let d = self
                .error(
                    codes::UNKNOWN_NAME,
                    e,
                    format!("`{n}` is an outcome, not a value"),
                )
                .with_help(format!(
                    "`eligible({n})` is true, false or unknown as `{n}` is eligible, \
                     ineligible or undetermined"
                ));
            self.push(d);
            return self.poisoned(e);
        }
        let mut d = self.error(codes::UNKNOWN_NAME, e, format!("unknown name `{n}`"));
        let owner = lookups.enum_of_value.get(n).cloned();
        d = match owner {
            Some(owner) => d.with_help(format!(
                "`{n}` is a value of `{owner}`; compare it with that field: `{owner} == {n}`"
            )),
            None => {
                let hint = if let Some(en) = lookups.entity_of_field.get(n) {
                    format!("did you mean `{en}.{n}`?")
                } else {
                    String::new()
                };
                if hint.is_empty() {
                    with_suggestion(d, n, &candidates, "")
                } else {
                    d.with_help(hint)
                }
            }
        };
        self.push(d);
        self.poisoned(e)
    }

    /// `o.a`: an amount of an outcome (R9), typed by checking its expression (once).
    fn outcome_amount(&mut self, o: OutcomeId, n: &str, f: &str, e: &Expr) -> TExpr {
        if let Some(t) = self.reads_global(e, &format!("the outcome amount `{n}.{f}`")) {
            return t;
        }
        let amounts = self.env.outcome_amounts.get(o as usize);
        let Some((a, (_, file, value))) =
            amounts.and_then(|list| list.iter().enumerate().find(|(_, (name, _, _))| name == f))
        else {
            let names: Vec<&str> = amounts
                .map(|l| l.iter().map(|(n, _, _)| n.as_str()).collect())
                .unwrap_or_default();
            let d = with_suggestion(
                self.error(
                    codes::UNKNOWN_FIELD,
                    e,
                    format!("outcome `{n}` has no amount `{f}`"),
                ),
                f,
                &names,
                &if names.is_empty() {
                    format!("`{n}` has no amounts")
                } else {
                    format!("its amounts are {}", names.join(", "))
                },
            );
            self.push(d);
            return self.poisoned(e);
        };
        let a = u32::try_from(a).unwrap_or(u32::MAX);
        let known = self.env.amount_types.borrow().get(&(o, a)).copied();
        let ty = match known {
            Some(Some(t)) => t,
            // Being worked out: a cycle, which the dependency search reports.
            Some(None) => Type::Error,
            None => {
                self.env.amount_types.borrow_mut().insert((o, a), None);
                // Its own errors are reported where the outcome is checked.
                let mut scratch = Vec::new();
                let t = Cx::new(self.env, *file, Scope::Row, &mut scratch)
                    .expr(value, None)
                    .ty;
                self.env.amount_types.borrow_mut().insert((o, a), Some(t));
                t
            }
        };
        if ty == Type::Error {
            return self.poisoned(e);
        }
        let t = self.mk(
            TKind::OutcomeAmount {
                outcome: o,
                amount: a,
            },
            ty,
            e,
        );
        let mut t = self.in_force(n, t);
        if matches!(t.kind, TKind::InForce { .. }) {
            t.text = Some(format!("{n}.{f}"));
        }
        t
    }

    fn field(&mut self, base: &Expr, f: &str, e: &Expr) -> TExpr {
        match &base.kind {
            ExprKind::Name(n)
                if !self.env.globals.contains_key(n)
                    && self.frame.as_ref().is_none_or(|fr| fr.param(n).is_none())
                    && self.env.outcome_ids.contains_key(n) =>
            {
                let o = self.env.outcome_ids.get(n).copied().unwrap_or(u32::MAX);
                return self.outcome_amount(o, n, f, e);
            }
            ExprKind::Name(n) => {
                // `规模.small`: a value of a named enum, written qualified (R8).
                if let Some(Sym::Enum(id)) = self.env.globals.get(n).copied() {
                    return self.enum_value(f, id, e);
                }
                if let Some(Sym::Entity(id)) = self.env.globals.get(n).copied() {
                    if let Some(t) = self.reads_global(e, &format!("the fact `{n}.{f}`")) {
                        return t;
                    }
                    let Some(ent) = self.env.entities.get(id as usize) else {
                        return self.poisoned(e);
                    };
                    let Some(fi) = self.env.field_index(id, f) else {
                        let names: Vec<&str> = ent.fields.iter().map(|f| f.name.as_str()).collect();
                        let d = with_suggestion(
                            self.error(
                                codes::UNKNOWN_FIELD,
                                e,
                                format!("`{n}` has no field `{f}`"),
                            ),
                            f,
                            &names,
                            &format!("its fields are {}", names.join(", ")),
                        );
                        self.push(d);
                        return self.poisoned(e);
                    };
                    let ty = ent.fields.get(fi as usize).map_or(Type::Error, |f| f.ty);
                    if ent.is_list {
                        if self.scope == Scope::Item(id) {
                            return self.mk(
                                TKind::ItemFact {
                                    list: id,
                                    field: fi,
                                },
                                ty,
                                e,
                            );
                        }
                        let d = self
                            .error(
                                codes::MISUSED_NAME,
                                e,
                                format!("`{n}` is a list: `{n}.{f}` has one value per item"),
                            )
                            .with_help(format!(
                                "aggregate it, e.g. `sum({n}, {f})` or `any({n} where {f} …)`"
                            ));
                        self.push(d);
                        return self.poisoned(e);
                    }
                    return self.mk(
                        TKind::Fact {
                            entity: id,
                            field: fi,
                        },
                        ty,
                        e,
                    );
                }
            }
            ExprKind::Index(dir, key) => {
                if let ExprKind::Name(dn) = &dir.kind
                    && let Some(Sym::Dir(d)) = self.env.globals.get(dn).copied()
                {
                    let Some(key_t) = self.dir_key(d, dn, key) else {
                        return self.poisoned(e);
                    };
                    let Some(def) = self.env.directories.get(d as usize) else {
                        return self.poisoned(e);
                    };
                    let Some(ci) = def.columns.iter().position(|(c, _, _)| c == f) else {
                        let names: Vec<&str> =
                            def.columns.iter().map(|(c, _, _)| c.as_str()).collect();
                        let diag = with_suggestion(
                            self.error(
                                codes::UNKNOWN_COLUMN,
                                e,
                                format!("directory `{dn}` has no column `{f}`"),
                            ),
                            f,
                            &names,
                            &format!("its columns are {}", names.join(", ")),
                        );
                        self.push(diag);
                        return self.poisoned(e);
                    };
                    let ty = def.columns.get(ci).map_or(Type::Error, |c| c.2);
                    // Named: `D[key].column` is how an explanation's `values` names it.
                    let t = self.mk_named(
                        TKind::DirGet(d, Box::new(key_t), u32::try_from(ci).unwrap_or(u32::MAX)),
                        ty,
                        e,
                    );
                    return self.in_force(dn, t);
                }
            }
            _ => {}
        }
        let t = self.expr(base, None);
        if t.ty != Type::Error {
            let d = self
                .error(
                    codes::MISUSED_NAME,
                    e,
                    format!("`.{f}` needs an input or a directory row before it"),
                )
                .with_help("write `entity.field` or `Directory[key].column`");
            self.push(d);
        }
        self.poisoned(e)
    }

    /// A directory lookup's key, checked against the directory's key type (R8): a code key
    /// takes codes and text, an int key ints, an enum key that enum's values (a bare or
    /// quoted value name too). `None` after reporting a mismatch.
    fn dir_key(&mut self, d: u32, name: &str, key: &Expr) -> Option<TExpr> {
        let key_ty = self
            .env
            .directories
            .get(d as usize)
            .map_or(Type::Code, |def| def.key_ty);
        let expect = matches!(key_ty, Type::Enum(_)).then_some(key_ty);
        let t = self.expr(key, expect);
        let fits = match key_ty {
            _ if t.ty == Type::Error => true,
            Type::Int => matches!(t.ty, Type::Int | Type::Scalar),
            Type::Enum(_) => t.ty == key_ty,
            _ => t.ty.is_stringy(),
        };
        if fits {
            return Some(t);
        }
        let diag = self.error(
            codes::TYPE_MISMATCH,
            key,
            format!(
                "directory `{name}` is keyed by {}, this is {}",
                describe(self.env, key_ty),
                describe(self.env, t.ty)
            ),
        );
        self.push(diag);
        None
    }

    fn mismatch(&mut self, e: &Expr, message: String, l: &TExpr, r: &TExpr) -> TExpr {
        let d = Diagnostic::error(codes::TYPE_MISMATCH, e.span, message)
            .in_file(self.file)
            .with_label(l.span, format!("this is {}", describe(self.env, l.ty)))
            .with_label(r.span, format!("this is {}", describe(self.env, r.ty)));
        self.push(d);
        self.poisoned(e)
    }

    fn binary(&mut self, op: BinaryOp, a: &Expr, b: &Expr, e: &Expr) -> TExpr {
        match op {
            BinaryOp::And | BinaryOp::Or => {
                let l = self.expect_bool(a, &format!("the left side of `{}`", op.as_str()));
                let r = self.expect_bool(b, &format!("the right side of `{}`", op.as_str()));
                let ty = if l.ty == Type::Error || r.ty == Type::Error {
                    Type::Error
                } else {
                    Type::Bool
                };
                let kind = if op == BinaryOp::And {
                    TKind::And(Box::new(l), Box::new(r))
                } else {
                    TKind::Or(Box::new(l), Box::new(r))
                };
                self.mk(kind, ty, e)
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let (l, r) = self.pair(a, b);
                let ok = Type::equatable(l.ty, r.ty);
                if !ok {
                    return self.mismatch(
                        e,
                        format!(
                            "cannot compare {} with {}",
                            describe(self.env, l.ty),
                            describe(self.env, r.ty)
                        ),
                        &l,
                        &r,
                    );
                }
                let cmp = if op == BinaryOp::Eq {
                    CmpOp::Eq
                } else {
                    CmpOp::Ne
                };
                self.mk(TKind::Cmp(cmp, Box::new(l), Box::new(r)), Type::Bool, e)
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let l = self.expr(a, None);
                let r = self.expr(b, None);
                if !Type::orderable(l.ty, r.ty) {
                    let help_money = (l.ty == Type::Money) != (r.ty == Type::Money)
                        && l.ty.is_numeric()
                        && r.ty.is_numeric();
                    let message = format!(
                        "cannot order {} and {}{}",
                        describe(self.env, l.ty),
                        describe(self.env, r.ty),
                        if help_money {
                            " (money has a unit; a ratio does not)"
                        } else {
                            ""
                        }
                    );
                    // `0 <= x <= 8` reads `(0 <= x) <= 8`: say so.
                    let chained = matches!(
                        &a.kind,
                        ExprKind::Binary(
                            BinaryOp::Lt
                                | BinaryOp::Le
                                | BinaryOp::Gt
                                | BinaryOp::Ge
                                | BinaryOp::Eq
                                | BinaryOp::Ne,
                            ..
                        )
                    );
                    if chained {
                        let d = Diagnostic::error(codes::TYPE_MISMATCH, e.span, message)
                            .in_file(self.file)
                            .with_label(l.span, "this comparison is already a bool")
                            .with_help(
                                "comparisons do not chain: write `lo <= x and x <= hi`, or declare \
                                 the field's range (`x: int in 0..8`)",
                            );
                        self.push(d);
                        return self.poisoned(e);
                    }
                    return self.mismatch(e, message, &l, &r);
                }
                let cmp = match op {
                    BinaryOp::Lt => CmpOp::Lt,
                    BinaryOp::Le => CmpOp::Le,
                    BinaryOp::Gt => CmpOp::Gt,
                    _ => CmpOp::Ge,
                };
                self.mk(TKind::Cmp(cmp, Box::new(l), Box::new(r)), Type::Bool, e)
            }
            BinaryOp::In | BinaryOp::NotIn => {
                let t = self.membership(a, b, e);
                if op == BinaryOp::NotIn && t.ty != Type::Error {
                    self.mk(TKind::Not(Box::new(t)), Type::Bool, e)
                } else {
                    t
                }
            }
            BinaryOp::Range => {
                let d = self
                    .error(
                        codes::TYPE_MISMATCH,
                        e,
                        "a range `LOW..HIGH` is only a test's right side: `x in LOW..HIGH`"
                            .to_string(),
                    )
                    .with_help("compare with `>=` and `<=` to use a bound on its own");
                self.push(d);
                self.poisoned(e)
            }
            BinaryOp::Within => {
                let x = self.expr(a, None);
                if !(x.ty.is_stringy() || x.ty == Type::Error) {
                    let d = self.error(
                        codes::TYPE_MISMATCH,
                        a,
                        format!(
                            "`within` applies to codes, this is {}",
                            describe(self.env, x.ty)
                        ),
                    );
                    self.push(d);
                    return self.poisoned(e);
                }
                if let ExprKind::Name(n) = &b.kind
                    && let Some(Sym::Dir(d)) = self.env.globals.get(n).copied()
                {
                    let key_ty = self
                        .env
                        .directories
                        .get(d as usize)
                        .map_or(Type::Code, |def| def.key_ty);
                    if key_ty != Type::Code {
                        let diag = self
                            .error(
                                codes::TYPE_MISMATCH,
                                b,
                                format!(
                                    "`within` needs a directory keyed by code; `{n}` is keyed by {}",
                                    describe(self.env, key_ty)
                                ),
                            )
                            .with_help(format!("test membership with `x in {n}`"));
                        self.push(diag);
                        return self.poisoned(e);
                    }
                    let t = self.mk(TKind::WithinDir(d, Box::new(x)), Type::Bool, e);
                    return self.in_force(n, t);
                }
                let p = self.expr(b, None);
                if !(p.ty.is_stringy() || p.ty == Type::Error) {
                    let d = self.error(
                        codes::TYPE_MISMATCH,
                        b,
                        format!(
                            "`within` needs a code or a directory, this is {}",
                            describe(self.env, p.ty)
                        ),
                    );
                    self.push(d);
                    return self.poisoned(e);
                }
                self.mk(TKind::Within(Box::new(x), Box::new(p)), Type::Bool, e)
            }
            BinaryOp::Add | BinaryOp::Sub => {
                let sub = op == BinaryOp::Sub;
                let l = self.expr(a, None);
                let r = self.expr(b, None);
                match Type::sum(l.ty, r.ty, sub) {
                    Ok(ty) => {
                        let kind = match (l.ty, r.ty) {
                            (Type::Date, Type::Date) => TKind::DateDiff(Box::new(l), Box::new(r)),
                            (Type::Date, _) => TKind::DateShift {
                                date: Box::new(l),
                                by: Box::new(r),
                                negate: sub,
                            },
                            (_, Type::Date) => TKind::DateShift {
                                date: Box::new(r),
                                by: Box::new(l),
                                negate: false,
                            },
                            (Type::Days, _) | (_, Type::Days) => TKind::DaysArith {
                                sub,
                                a: Box::new(l),
                                b: Box::new(r),
                            },
                            _ => TKind::Arith(
                                if sub { ArithOp::Sub } else { ArithOp::Add },
                                Box::new(l),
                                Box::new(r),
                            ),
                        };
                        self.mk_named(kind, ty, e)
                    }
                    Err(msg) => self.mismatch(e, msg, &l, &r),
                }
            }
            BinaryOp::Mul | BinaryOp::Div => {
                let l = self.expr(a, None);
                let r = self.expr(b, None);
                let res = if op == BinaryOp::Mul {
                    Type::product(l.ty, r.ty)
                } else {
                    Type::quotient(l.ty, r.ty)
                };
                match res {
                    Ok(ty) => {
                        let aop = if op == BinaryOp::Mul {
                            ArithOp::Mul
                        } else {
                            ArithOp::Div
                        };
                        self.mk_named(TKind::Arith(aop, Box::new(l), Box::new(r)), ty, e)
                    }
                    Err(msg) => self.mismatch(e, msg, &l, &r),
                }
            }
        }
    }

    fn membership(&mut self, a: &Expr, b: &Expr, e: &Expr) -> TExpr {
        // `x in LOW..HIGH` (R5) is `LOW <= x and x <= HIGH`; `x` is one node of the graph.
        if let ExprKind::Binary(BinaryOp::Range, lo, hi) = &b.kind {
            let x = self.expr(a, None);
            let l = self.expr(lo, Some(x.ty));
            let h = self.expr(hi, Some(x.ty));
            for side in [&l, &h] {
                if !Type::orderable(x.ty, side.ty) {
                    let message = format!(
                        "cannot test {} against a range of {}",
                        describe(self.env, x.ty),
                        describe(self.env, side.ty)
                    );
                    return self.mismatch(e, message, &x, side);
                }
            }
            let lower = self.mk(
                TKind::Cmp(CmpOp::Le, Box::new(l), Box::new(x.clone())),
                Type::Bool,
                e,
            );
            let upper = self.mk(
                TKind::Cmp(CmpOp::Le, Box::new(x), Box::new(h)),
                Type::Bool,
                e,
            );
            return self.mk(TKind::And(Box::new(lower), Box::new(upper)), Type::Bool, e);
        }
        if let ExprKind::Name(n) = &b.kind
            && let Some(Sym::Dir(d)) = self.env.globals.get(n).copied()
        {
            let Some(x) = self.dir_key(d, n, a) else {
                return self.poisoned(e);
            };
            let t = self.mk(TKind::DirHas(d, Box::new(x)), Type::Bool, e);
            return self.in_force(n, t);
        }
        if let ExprKind::List(items) = &b.kind {
            let x = self.expr(a, None);
            let mut out = Vec::new();
            let mut bad = false;
            for it in items {
                let t = self.expr(it, Some(x.ty));
                if !Type::equatable(x.ty, t.ty) {
                    let d = Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        it.span,
                        format!(
                            "this list item is {}, the value tested is {}",
                            describe(self.env, t.ty),
                            describe(self.env, x.ty)
                        ),
                    )
                    .in_file(self.file);
                    self.push(d);
                    bad = true;
                }
                out.push(t);
            }
            if bad {
                return self.poisoned(e);
            }
            return self.mk(TKind::InList(Box::new(x), out), Type::Bool, e);
        }
        let _ = self.expr(a, None);
        let d = self
            .error(
                codes::TYPE_MISMATCH,
                b,
                "`in` needs a directory or a list `[a, b, …]` on its right",
            )
            .with_help("write `x in 支持目录` or `x in [\"A\", \"B\"]`");
        self.push(d);
        self.poisoned(e)
    }

    fn arity(
        &mut self,
        e: &Expr,
        name: &str,
        args: &[Arg],
        min: usize,
        max: usize,
        usage: &str,
    ) -> bool {
        if args.len() < min || args.len() > max {
            let d = self
                .error(
                    codes::WRONG_ARGUMENTS,
                    e,
                    format!(
                        "`{name}` takes {}, not {}",
                        plural_args(min, max),
                        args.len()
                    ),
                )
                .with_help(format!("usage: `{usage}`"));
            self.push(d);
            return false;
        }
        for a in args {
            if let Some(f) = &a.filter {
                let d = Diagnostic::error(
                    codes::WRONG_ARGUMENTS,
                    f.span,
                    "`where` only filters the list of an aggregate",
                )
                .in_file(self.file);
                self.push(d);
                return false;
            }
        }
        true
    }

    fn list_arg(&self, a: &Arg) -> Option<EntityId> {
        match &a.value.kind {
            ExprKind::Name(n) => match self.env.globals.get(n) {
                Some(Sym::Entity(id))
                    if self
                        .env
                        .entities
                        .get(*id as usize)
                        .is_some_and(|en| en.is_list) =>
                {
                    Some(*id)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn call(&mut self, name: &str, args: &[Arg], e: &Expr) -> TExpr {
        if let Some(Sym::Function(f)) = self.env.globals.get(name).copied() {
            let t = self.call_function(f, args, e);
            return self.in_force(name, t);
        }
        match name {
            "eligible" => {
                if let Some(t) = self.reads_global(e, "an outcome") {
                    return t;
                }
                let target = match args {
                    [a] if a.filter.is_none() => match &a.value.kind {
                        ExprKind::Name(o) => Some((o, self.env.outcome_ids.get(o).copied())),
                        _ => None,
                    },
                    _ => None,
                };
                match target {
                    Some((o, Some(id))) => {
                        let t = self.mk(TKind::Eligible(id), Type::Bool, e);
                        self.in_force(o, t)
                    }
                    Some((o, None)) => {
                        let names: Vec<&str> =
                            self.env.outcome_ids.keys().map(String::as_str).collect();
                        let d = with_suggestion(
                            self.error(
                                codes::UNKNOWN_OUTCOME,
                                e,
                                format!("`{o}` is not an outcome of this policy"),
                            ),
                            o,
                            &names,
                            "",
                        );
                        self.push(d);
                        self.poisoned(e)
                    }
                    None => {
                        let d = self
                            .error(
                                codes::WRONG_ARGUMENTS,
                                e,
                                "`eligible` takes the name of one outcome",
                            )
                            .with_help("usage: `eligible(outcome_name)`");
                        self.push(d);
                        self.poisoned(e)
                    }
                }
            }
            "sum" | "count" | "any" | "all" => self.aggregate(name, args, e),
            "min" | "max" if args.first().and_then(|a| self.list_arg(a)).is_some() => {
                self.aggregate(name, args, e)
            }
            "min" | "max" => {
                if args.len() < 2 || args.iter().any(|a| a.filter.is_some()) {
                    let d = self
                        .error(
                            codes::WRONG_ARGUMENTS,
                            e,
                            format!("`{name}` takes two or more values, or a list and a field"),
                        )
                        .with_help(format!(
                            "usage: `{name}(a, b)` or `{name}(list where …, field)`"
                        ));
                    self.push(d);
                    return self.poisoned(e);
                }
                let mut out: Vec<TExpr> = args.iter().map(|a| self.expr(&a.value, None)).collect();
                let mut ty = out.first().map_or(Type::Error, |t| t.ty);
                for t in out.iter().skip(1) {
                    match Type::unify(ty, t.ty) {
                        Some(u)
                            if u.is_numeric()
                                || matches!(u, Type::Date | Type::Days | Type::Error) =>
                        {
                            ty = u
                        }
                        _ => {
                            let first = out.first().cloned().unwrap_or_else(|| self.poisoned(e));
                            return self.mismatch(
                                e,
                                format!("`{name}` needs values of one comparable type"),
                                &first,
                                &t.clone(),
                            );
                        }
                    }
                }
                if !(ty.is_numeric() || matches!(ty, Type::Date | Type::Days | Type::Error)) {
                    let d = self.error(
                        codes::TYPE_MISMATCH,
                        e,
                        format!(
                            "`{name}` needs numbers or dates, these are {}",
                            describe(self.env, ty)
                        ),
                    );
                    self.push(d);
                    return self.poisoned(e);
                }
                out.retain(|_| true);
                self.mk_named(
                    TKind::MinMax {
                        max: name == "max",
                        args: out,
                    },
                    ty,
                    e,
                )
            }
            "round" | "floor" | "ceil" => {
                if !self.arity(e, name, args, 1, 2, &format!("{name}(x, places)")) {
                    return self.poisoned(e);
                }
                let Some(first) = args.first() else {
                    return self.poisoned(e);
                };
                let x = self.expr(&first.value, None);
                if !(x.ty.is_numeric() || x.ty == Type::Error) {
                    let d = self.error(
                        codes::TYPE_MISMATCH,
                        &first.value,
                        format!(
                            "`{name}` rounds numbers, this is {}",
                            describe(self.env, x.ty)
                        ),
                    );
                    self.push(d);
                    return self.poisoned(e);
                }
                let places = match args.get(1) {
                    None => Some(0),
                    Some(a) => match &a.value.kind {
                        ExprKind::Number(n)
                            if n.suffix == NumberSuffix::None
                                && n.value.fract().is_zero()
                                && n.value >= Decimal::ZERO
                                && n.value <= Decimal::from(28) =>
                        {
                            u32::try_from(n.value.mantissa() / 10i128.pow(n.value.scale())).ok()
                        }
                        _ => None,
                    },
                };
                let Some(places) = places else {
                    let d = Diagnostic::error(
                        codes::WRONG_ARGUMENTS,
                        args.get(1).map_or(e.span, |a| a.value.span),
                        "the number of decimal places must be a whole number from 0 to 28",
                    )
                    .in_file(self.file);
                    self.push(d);
                    return self.poisoned(e);
                };
                let mode = match name {
                    "floor" => RoundMode::Floor,
                    "ceil" => RoundMode::Ceil,
                    _ => RoundMode::HalfUp,
                };
                let ty = x.ty;
                self.mk_named(
                    TKind::Round {
                        x: Box::new(x),
                        places,
                        mode,
                    },
                    ty,
                    e,
                )
            }
            "abs" => {
                if !self.arity(e, name, args, 1, 1, "abs(x)") {
                    return self.poisoned(e);
                }
                let Some(first) = args.first() else {
                    return self.poisoned(e);
                };
                let x = self.expr(&first.value, None);
                if !(x.ty.is_numeric() || x.ty == Type::Error) {
                    let d = self.error(
                        codes::TYPE_MISMATCH,
                        e,
                        format!("`abs` needs a number, this is {}", x.ty.name()),
                    );
                    self.push(d);
                    return self.poisoned(e);
                }
                let ty = x.ty;
                self.mk(TKind::Abs(Box::new(x)), ty, e)
            }
            "years_between" | "months_between" => {
                if !self.arity(
                    e,
                    name,
                    args,
                    2,
                    2,
                    &format!("{name}(earlier_date, later_date)"),
                ) {
                    return self.poisoned(e);
                }
                let ts: Vec<TExpr> = args.iter().map(|a| self.expr(&a.value, None)).collect();
                if ts.iter().any(|t| !matches!(t.ty, Type::Date | Type::Error)) {
                    let d =
                        self.error(codes::TYPE_MISMATCH, e, format!("`{name}` takes two dates"));
                    self.push(d);
                    return self.poisoned(e);
                }
                let mut it = ts.into_iter();
                let (Some(a), Some(b)) = (it.next(), it.next()) else {
                    return self.poisoned(e);
                };
                let kind = if name == "years_between" {
                    TKind::YearsBetween(Box::new(a), Box::new(b))
                } else {
                    TKind::MonthsBetween(Box::new(a), Box::new(b))
                };
                self.mk(kind, Type::Int, e)
            }
            _ => {
                let d = with_suggestion(
                    self.error(
                        codes::UNKNOWN_FUNCTION,
                        e,
                        format!("unknown function `{name}`"),
                    ),
                    name,
                    FUNCTIONS,
                    &format!("the functions are {}", FUNCTIONS.join(", ")),
                );
                self.push(d);
                self.poisoned(e)
            }
        }
    }

    /// A call of a declared function (R6): arguments checked against the parameters, then
    /// the instance for these arguments (made on first use), read like a rule or a table.
    fn call_function(&mut self, fid: u32, args: &[Arg], e: &Expr) -> TExpr {
        let Some(f) = self.env.functions.get(fid as usize) else {
            return self.poisoned(e);
        };
        if args.len() != f.params.len() || args.iter().any(|a| a.filter.is_some()) {
            let n = f.params.len();
            let d = self
                .error(
                    codes::WRONG_ARGUMENTS,
                    e,
                    format!(
                        "`{}` takes {n} argument{}, given {}",
                        f.name,
                        if n == 1 { "" } else { "s" },
                        args.len()
                    ),
                )
                .with_help(format!("usage: `{}`", f.signature()));
            self.push(d);
            return self.poisoned(e);
        }
        let mut bound: Vec<(String, TExpr, Expr)> = Vec::with_capacity(args.len());
        let mut ok = true;
        for (a, (pname, pty)) in args.iter().zip(&f.params) {
            let t = self.expr(&a.value, Some(*pty));
            if !functions::accepts(*pty, t.ty) {
                let d = self
                    .error(
                        codes::TYPE_MISMATCH,
                        &a.value,
                        format!(
                            "argument `{pname}` of `{}` is {}, this is {}",
                            f.name,
                            describe(self.env, *pty),
                            describe(self.env, t.ty)
                        ),
                    )
                    .with_help(format!("usage: `{}`", f.signature()));
                self.push(d);
                ok = false;
                continue;
            }
            let written = functions::substitute(&a.value, self.frame.as_deref());
            // In the body the parameter has its declared type (a ratio passed as a percent
            // displays as one).
            let ty = if t.ty == Type::Error { t.ty } else { *pty };
            let text = Some(clausula_dsl::print_expr(&written));
            bound.push((pname.clone(), TExpr { ty, text, ..t }, written));
        }
        if !ok || f.ty == Type::Error {
            return self.poisoned(e);
        }
        let ty = f.ty;
        if self.frame.as_ref().is_some_and(|fr| fr.definition) {
            return self.mk(TKind::Opaque, ty, e);
        }
        let call_text = {
            let call = Expr {
                kind: ExprKind::Call(
                    clausula_dsl::ast::Ident {
                        name: f.name.clone(),
                        span: e.span,
                    },
                    bound
                        .iter()
                        .map(|(_, _, w)| Arg {
                            value: w.clone(),
                            filter: None,
                            span: w.span,
                        })
                        .collect(),
                ),
                span: e.span,
            };
            clausula_dsl::print_expr(&call)
        };
        let scope = self.frame.as_ref().map_or(self.scope, |fr| fr.inst_scope);
        let key = match scope {
            Scope::Row => call_text.clone(),
            Scope::Item(list) => format!(
                "{}.{call_text}",
                self.env
                    .entities
                    .get(list as usize)
                    .map_or("?", |en| en.name.as_str())
            ),
        };
        let made = |kind: TKind| TExpr {
            kind,
            ty,
            span: e.span,
            text: Some(call_text.clone()),
        };
        if let Some(kind) = self.env.instances.borrow().by_key.get(&key) {
            return made(kind.clone());
        }
        if self.env.instances.borrow().over_budget {
            return self.poisoned(e);
        }
        let mut chain = self
            .frame
            .as_ref()
            .map(|fr| fr.chain.clone())
            .unwrap_or_default();
        chain.push(call_text.clone());
        if matches!(f.ast, FnAst::Table(_)) && scope != Scope::Row {
            let d = self
                .error(
                    codes::WRONG_ARGUMENTS,
                    e,
                    format!(
                        "table `{}` is called per item: a table function is called once per \
                         application",
                        f.name
                    ),
                )
                .with_help("call it outside the aggregate, or write the per-item choice as a rule function with `if … then … else`");
            self.push(d);
            return self.poisoned(e);
        }
        let n_params = bound.len();
        let frame: Frame = std::rc::Rc::new(FnFrame {
            function: fid,
            definition: false,
            params: bound,
            inst_scope: scope,
            chain,
            used: std::cell::RefCell::new(vec![false; n_params]),
        });
        // The arguments the body reads, once it is checked.
        let call = |frame: &FnFrame| CallInfo {
            function: f.name.clone(),
            args: frame
                .params
                .iter()
                .zip(frame.used.borrow().iter())
                .filter(|(_, used)| **used)
                .map(|((p, t, _), _)| (p.clone(), t.clone()))
                .collect(),
        };
        // The body's own errors were reported when it was checked once; a call adds none.
        let mut scratch = Vec::new();
        let (kind, nodes) = match &f.ast {
            FnAst::Rule(r) => {
                let body = Cx::new(self.env, f.file, Scope::Row, &mut scratch)
                    .in_function(Some(frame.clone()))
                    .expr(&r.value, None);
                let nodes = functions::count_nodes(&body);
                let def = RuleDef {
                    name: key.clone(),
                    label: f.label(),
                    formula: clausula_dsl::print_expr(&r.value),
                    display_ty: f.display_ty,
                    scope,
                    body,
                    call: Some(call(&frame)),
                };
                let mut inst = self.env.instances.borrow_mut();
                let id = inst.base_rules + u32::try_from(inst.rules.len()).unwrap_or(u32::MAX);
                inst.rules.push(def);
                inst.created.push(Decl::Rule(id));
                (TKind::Rule(id), nodes)
            }
            FnAst::Table(t) => {
                let mut def =
                    super::tables::check_table(self.env, t, f.file, &mut scratch, Some(&frame));
                let nodes: usize = def
                    .versions
                    .iter()
                    .flat_map(|v| &v.rows)
                    .map(|r| {
                        r.cond.as_ref().map_or(0, functions::count_nodes)
                            + functions::count_nodes(&r.value)
                    })
                    .sum();
                def.name = key.clone();
                def.call = Some(call(&frame));
                let mut inst = self.env.instances.borrow_mut();
                let id = inst.base_tables + u32::try_from(inst.tables.len()).unwrap_or(u32::MAX);
                inst.tables.push(def);
                inst.created.push(Decl::Table(id));
                (TKind::Table(id), nodes)
            }
        };
        let over = {
            let mut inst = self.env.instances.borrow_mut();
            inst.by_key.insert(key, kind.clone());
            inst.nodes = inst.nodes.saturating_add(nodes);
            let over = inst.nodes > functions::MAX_EXPANDED_NODES && !inst.over_budget;
            if over {
                inst.over_budget = true;
            }
            over
        };
        if over {
            let d = self
                .error(
                    codes::TOO_LARGE,
                    e,
                    format!(
                        "function calls expand to more than {} expression nodes",
                        functions::MAX_EXPANDED_NODES
                    ),
                )
                .with_note(format!("while expanding {}", frame.chain.join(" → ")))
                .with_help(
                    "nested calls multiply: compute a shared value once in a rule and pass it",
                );
            // Not `self.push`: inside a call's expansion that list is discarded.
            self.env.instances.borrow_mut().too_large = Some(d);
            return self.poisoned(e);
        }
        made(kind)
    }

    fn aggregate(&mut self, name: &str, args: &[Arg], e: &Expr) -> TExpr {
        if let Some(t) = self.reads_global(e, "a list") {
            return t;
        }
        let (kind, min, max, usage) = match name {
            "sum" => (AggKind::Sum, 2, 2, "sum(list where condition, field)"),
            "count" => (AggKind::Count, 1, 1, "count(list where condition)"),
            "any" => (AggKind::Any, 1, 2, "any(list where condition)"),
            "all" => (AggKind::All, 2, 2, "all(list, condition)"),
            "min" => (AggKind::Min, 2, 2, "min(list where condition, field)"),
            _ => (AggKind::Max, 2, 2, "max(list where condition, field)"),
        };
        let Some(first) = args.first() else {
            let d = self
                .error(codes::WRONG_ARGUMENTS, e, format!("`{name}` needs a list"))
                .with_help(format!("usage: `{usage}`"));
            self.push(d);
            return self.poisoned(e);
        };
        let Some(list) = self.list_arg(first) else {
            let d = self
                .error(
                    codes::WRONG_ARGUMENTS,
                    &first.value,
                    format!("the first argument of `{name}` must be a list input"),
                )
                .with_help(format!(
                    "lists are declared `input NAME[] {{ … }}`; usage: `{usage}`"
                ));
            self.push(d);
            return self.poisoned(e);
        };
        if args.len() < min || args.len() > max || args.iter().skip(1).any(|a| a.filter.is_some()) {
            let d = self
                .error(
                    codes::WRONG_ARGUMENTS,
                    e,
                    format!("`{name}` takes {}", plural_args(min, max)),
                )
                .with_help(format!("usage: `{usage}`"));
            self.push(d);
            return self.poisoned(e);
        }
        if self.scope != Scope::Row {
            let d = self.error(
                codes::WRONG_ARGUMENTS,
                e,
                "aggregates over lists cannot be nested in per-item rules",
            );
            self.push(d);
            return self.poisoned(e);
        }
        let mut inner = Cx::new(self.env, self.file, Scope::Item(list), self.diags)
            .in_function(self.frame.clone());
        let filter = first
            .filter
            .as_ref()
            .map(|f| Box::new(inner.expect_bool(f, "a `where` filter")));
        let value = args.get(1).map(|a| {
            if matches!(kind, AggKind::Any | AggKind::All) {
                inner.expect_bool(&a.value, &format!("the condition of `{name}`"))
            } else {
                inner.expr(&a.value, None)
            }
        });
        let ty = match kind {
            AggKind::Count => Type::Int,
            AggKind::Any | AggKind::All => Type::Bool,
            AggKind::Sum | AggKind::Min | AggKind::Max => {
                let vt = value.as_ref().map_or(Type::Error, |v| v.ty);
                let ok = vt.is_numeric()
                    || vt == Type::Error
                    || (kind != AggKind::Sum && matches!(vt, Type::Date | Type::Days));
                if !ok {
                    let d = self.error(
                        codes::TYPE_MISMATCH,
                        e,
                        format!(
                            "`{name}` needs numbers, the field is {}",
                            describe(self.env, vt)
                        ),
                    );
                    self.push(d);
                    return self.poisoned(e);
                }
                vt
            }
        };
        let node = TKind::Agg {
            kind,
            list,
            filter,
            value: value.map(Box::new),
        };
        if matches!(kind, AggKind::Min | AggKind::Max | AggKind::Sum) {
            self.mk_named(node, ty, e)
        } else {
            self.mk(node, ty, e)
        }
    }
}

fn plural_args(min: usize, max: usize) -> String {
    let n = |k: usize| match k {
        1 => "one argument".to_string(),
        2 => "two arguments".to_string(),
        k => format!("{k} arguments"),
    };
    if min == max {
        n(min)
    } else {
        format!("{min} or {max} arguments")
    }
}

/// A type for messages: enums by their name.
pub(crate) fn describe(env: &Env, ty: Type) -> String {
    match ty {
        Type::Enum(id) => env.enums.get(id as usize).map_or_else(
            || "an enum".to_string(),
            |e| format!("a value of `{}`", e.name),
        ),
        Type::Scalar => "a number".to_string(),
        Type::Int => "an int".to_string(),
        Type::Days => "a number of days".to_string(),
        Type::Text => "text".to_string(),
        t => {
            let n = t.name();
            let article = if n.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            };
            if matches!(t, Type::Money) {
                "money".to_string()
            } else {
                format!("{article} {n}")
            }
        }
    }
}

/// Checks a constant (parameter step, default, directory cell) of type `ty`.
pub(crate) fn constant(
    env: &Env,
    e: &Expr,
    ty: Type,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Option<Const> {
    let mismatch = |found: &str, diags: &mut Vec<Diagnostic>| {
        diags.push(
            Diagnostic::error(
                codes::TYPE_MISMATCH,
                e.span,
                format!("expected {}, found {found}", describe(env, ty)),
            )
            .in_file(file),
        );
        None
    };
    let number = |v: Decimal, diags: &mut Vec<Diagnostic>| -> Option<Const> {
        if ty == Type::Int && !v.fract().is_zero() {
            diags.push(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    e.span,
                    "expected an int, found a fraction",
                )
                .in_file(file),
            );
            return None;
        }
        Some(Const::Num(v))
    };
    match (&e.kind, ty) {
        (_, Type::Error) => None,
        (ExprKind::Number(n), t) if t.is_numeric() => number(n.value, diags),
        (ExprKind::Unary(UnaryOp::Neg, x), t) if t.is_numeric() => match &x.kind {
            ExprKind::Number(n) => number(-n.value, diags),
            _ => not_constant(e, file, diags),
        },
        (ExprKind::Str(s), Type::Text | Type::Code) => Some(Const::Str(s.as_str().into())),
        (ExprKind::Str(s) | ExprKind::Name(s), Type::Enum(id)) => {
            let def = env.enums.get(id as usize)?;
            match def.variants.iter().position(|(n, _)| n == s) {
                Some(i) => Some(Const::Enum(u32::try_from(i).unwrap_or(u32::MAX))),
                None => {
                    let names: Vec<&str> = def.variants.iter().map(|(n, _)| n.as_str()).collect();
                    diags.push(with_suggestion(
                        Diagnostic::error(
                            codes::UNKNOWN_ENUM_VALUE,
                            e.span,
                            format!("`{s}` is not a value of `{}`", def.name),
                        )
                        .in_file(file),
                        s,
                        &names,
                        &format!("the values are {}", names.join(", ")),
                    ));
                    None
                }
            }
        }
        (ExprKind::Bool(b), Type::Bool) => Some(Const::Bool(*b)),
        (ExprKind::Date(d), Type::Date) => Some(Const::Date(days_from_date(*d))),
        (ExprKind::Number(_) | ExprKind::Unary(UnaryOp::Neg, _), _) => mismatch("a number", diags),
        (ExprKind::Str(_), _) => mismatch("a string", diags),
        (ExprKind::Bool(_), _) => mismatch("true/false", diags),
        (ExprKind::Date(_), _) => mismatch("a date", diags),
        _ => not_constant(e, file, diags),
    }
}

fn not_constant(e: &Expr, file: FileId, diags: &mut Vec<Diagnostic>) -> Option<Const> {
    diags.push(
        Diagnostic::error(codes::NOT_CONSTANT, e.span, "this must be a constant")
            .in_file(file)
            .with_help(
                "write a number, a string, a date or true/false here; compute values in rules",
            ),
    );
    None
}
