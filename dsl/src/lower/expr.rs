//! Expressions: the flat operand/operator sequence of `expr` folded by a Pratt parser.

use std::sync::LazyLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::{Lowerer, Res, err};
use crate::ast::*;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::limits::{MAX_EXPR_DEPTH, MAX_PREFIX_RUN};
use crate::parse::Rule;
use crate::span::Span;

/// Precedence, loosest first; must agree with `BinaryOp::precedence` (the printer uses that).
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::op_or, Assoc::Left))
        .op(Op::infix(Rule::op_and, Assoc::Left))
        .op(Op::prefix(Rule::op_not))
        .op(Op::infix(Rule::op_eq, Assoc::Left)
            | Op::infix(Rule::op_ne, Assoc::Left)
            | Op::infix(Rule::op_lt, Assoc::Left)
            | Op::infix(Rule::op_le, Assoc::Left)
            | Op::infix(Rule::op_gt, Assoc::Left)
            | Op::infix(Rule::op_ge, Assoc::Left)
            | Op::infix(Rule::op_in, Assoc::Left)
            | Op::infix(Rule::op_not_in, Assoc::Left)
            | Op::infix(Rule::op_within, Assoc::Left))
        .op(Op::infix(Rule::op_range, Assoc::Left))
        .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
        .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
        .op(Op::prefix(Rule::op_neg))
        .op(Op::postfix(Rule::field_access) | Op::postfix(Rule::index_access))
});

/// An expression and the depth of its tree, so depth can be limited while building.
struct Built {
    expr: Expr,
    depth: u32,
}

impl Lowerer<'_> {
    /// Lowers an `expr` pair.
    pub(crate) fn expr(&self, p: Pair<'_, Rule>) -> Res<Expr> {
        self.build(p).map(|b| b.expr)
    }

    fn too_deep(&self, span: Span) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error(
                codes::TOO_DEEP,
                span,
                format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
            )
            .with_help("split it into named rules"),
        )
    }

    fn node(&self, kind: ExprKind, span: Span, depth: u32) -> Res<Built> {
        if depth > MAX_EXPR_DEPTH {
            return Err(self.too_deep(span));
        }
        Ok(Built {
            expr: Expr { kind, span },
            depth,
        })
    }

    fn build(&self, p: Pair<'_, Rule>) -> Res<Built> {
        let span = self.span(&p);
        if p.as_rule() != Rule::expr {
            return Err(self.internal(span, "expression"));
        }
        // pest's Pratt parser recurses once per prefix operator: bound the run first.
        let mut run = 0usize;
        for child in p.clone().into_inner() {
            if matches!(child.as_rule(), Rule::op_not | Rule::op_neg) {
                run += 1;
                if run > MAX_PREFIX_RUN {
                    return err(Diagnostic::error(
                        codes::TOO_DEEP,
                        self.span(&child),
                        format!("more than {MAX_PREFIX_RUN} prefix operators in a row"),
                    ));
                }
            } else {
                run = 0;
            }
        }
        PRATT
            .map_primary(|primary| self.primary(primary))
            .map_prefix(|op, rhs| {
                let rhs = rhs?;
                let op_span = self.span(&op);
                let span = op_span.to(rhs.expr.span);
                let unop = match op.as_rule() {
                    Rule::op_not => UnaryOp::Not,
                    Rule::op_neg => UnaryOp::Neg,
                    _ => return Err(self.internal(op_span, "prefix operator")),
                };
                let depth = rhs.depth + 1;
                self.node(ExprKind::Unary(unop, Box::new(rhs.expr)), span, depth)
            })
            .map_postfix(|lhs, op| {
                let lhs = lhs?;
                let op_span = self.span(&op);
                let span = lhs.expr.span.to(op_span);
                let mut it = op.clone().into_inner().peekable();
                match op.as_rule() {
                    Rule::field_access => {
                        let name =
                            self.ident(self.next(&mut it, Rule::ident, op_span, "field access")?);
                        self.node(
                            ExprKind::Field(Box::new(lhs.expr), name),
                            span,
                            lhs.depth + 1,
                        )
                    }
                    Rule::index_access => {
                        let index =
                            self.build(self.next(&mut it, Rule::expr, op_span, "index")?)?;
                        let depth = lhs.depth.max(index.depth) + 1;
                        self.node(
                            ExprKind::Index(Box::new(lhs.expr), Box::new(index.expr)),
                            span,
                            depth,
                        )
                    }
                    _ => Err(self.internal(op_span, "postfix operator")),
                }
            })
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let binop = match op.as_rule() {
                    Rule::op_or => BinaryOp::Or,
                    Rule::op_and => BinaryOp::And,
                    Rule::op_eq => BinaryOp::Eq,
                    Rule::op_ne => BinaryOp::Ne,
                    Rule::op_lt => BinaryOp::Lt,
                    Rule::op_le => BinaryOp::Le,
                    Rule::op_gt => BinaryOp::Gt,
                    Rule::op_ge => BinaryOp::Ge,
                    Rule::op_in => BinaryOp::In,
                    Rule::op_not_in => BinaryOp::NotIn,
                    Rule::op_within => BinaryOp::Within,
                    Rule::op_add => BinaryOp::Add,
                    Rule::op_sub => BinaryOp::Sub,
                    Rule::op_mul => BinaryOp::Mul,
                    Rule::op_div => BinaryOp::Div,
                    Rule::op_range => BinaryOp::Range,
                    _ => return Err(self.internal(self.span(&op), "operator")),
                };
                let span = lhs.expr.span.to(rhs.expr.span);
                let depth = lhs.depth.max(rhs.depth) + 1;
                self.node(
                    ExprKind::Binary(binop, Box::new(lhs.expr), Box::new(rhs.expr)),
                    span,
                    depth,
                )
            })
            .parse(p.into_inner())
    }

    fn primary(&self, p: Pair<'_, Rule>) -> Res<Built> {
        let span = self.span(&p);
        let leaf = |kind| self.node(kind, span, 1);
        match p.as_rule() {
            Rule::number => leaf(ExprKind::Number(self.number(&p)?)),
            Rule::string => leaf(ExprKind::Str(self.string(p)?.value)),
            Rule::date => leaf(ExprKind::Date(self.date(p)?.value)),
            Rule::bool_lit => leaf(ExprKind::Bool(p.as_str().trim() == "true")),
            Rule::as_of => leaf(ExprKind::AsOf),
            Rule::ident => leaf(ExprKind::Name(p.as_str().to_string())),
            Rule::duration => {
                let mut it = p.into_inner().peekable();
                let count = self.next(&mut it, Rule::duration_count, span, "duration")?;
                let unit = self.next(&mut it, Rule::duration_unit, span, "duration")?;
                let digits: String = count.as_str().chars().filter(|&c| c != '_').collect();
                let count = digits
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n <= 1_000_000)
                    .ok_or_else(|| {
                        Diagnostic::error(
                            codes::NUMBER_OUT_OF_RANGE,
                            span,
                            format!("duration `{digits}` is out of range"),
                        )
                        .with_help("durations are at most 1,000,000 units")
                    })?;
                let unit = match unit.as_str() {
                    "day" | "days" | "天" => DurationUnit::Days,
                    "week" | "weeks" | "周" => DurationUnit::Weeks,
                    "month" | "months" | "个月" => DurationUnit::Months,
                    "year" | "years" | "年" => DurationUnit::Years,
                    _ => return Err(self.internal(span, "duration unit")),
                };
                leaf(ExprKind::Duration(DurationLit { count, unit }))
            }
            Rule::paren => {
                let mut it = p.into_inner().peekable();
                let inner = self.build(self.next(&mut it, Rule::expr, span, "parentheses")?)?;
                // Parentheses are syntax only: the tree keeps the inner expression.
                Ok(inner)
            }
            Rule::if_expr => {
                let mut it = p.into_inner().peekable();
                self.take(&mut it, Rule::kw_if);
                let c = self.build(self.next(&mut it, Rule::expr, span, "if")?)?;
                self.take(&mut it, Rule::kw_then);
                let a = self.build(self.next(&mut it, Rule::expr, span, "then")?)?;
                self.take(&mut it, Rule::kw_else);
                let b = self.build(self.next(&mut it, Rule::expr, span, "else")?)?;
                let depth = c.depth.max(a.depth).max(b.depth) + 1;
                self.node(
                    ExprKind::If(Box::new(c.expr), Box::new(a.expr), Box::new(b.expr)),
                    span,
                    depth,
                )
            }
            Rule::call => {
                let mut it = p.into_inner().peekable();
                let mut name = self.ident(self.next(&mut it, Rule::ident, span, "call")?);
                // `hnte.f(x)`: a qualified function name, kept as one name.
                if let Some(member) = self.take(&mut it, Rule::ident) {
                    let member = self.ident(member);
                    name = Ident {
                        name: format!("{}.{}", name.name, member.name),
                        span: name.span.to(member.span),
                    };
                }
                let mut args = Vec::new();
                let mut depth = 1;
                for a in it {
                    let aspan = self.span(&a);
                    if a.as_rule() != Rule::call_arg {
                        return Err(self.internal(aspan, "call argument"));
                    }
                    let mut ai = a.into_inner().peekable();
                    let value = self.build(self.next(&mut ai, Rule::expr, aspan, "argument")?)?;
                    depth = depth.max(value.depth + 1);
                    let filter = if self.take(&mut ai, Rule::kw_where).is_some() {
                        let f = self.build(self.next(&mut ai, Rule::expr, aspan, "where")?)?;
                        depth = depth.max(f.depth + 1);
                        Some(f.expr)
                    } else {
                        None
                    };
                    args.push(Arg {
                        value: value.expr,
                        filter,
                        span: aspan,
                    });
                }
                self.node(ExprKind::Call(name, args), span, depth)
            }
            Rule::list_lit => {
                let mut items = Vec::new();
                let mut depth = 1;
                for e in p.into_inner() {
                    let b = self.build(e)?;
                    depth = depth.max(b.depth + 1);
                    items.push(b.expr);
                }
                self.node(ExprKind::List(items), span, depth)
            }
            _ => Err(self.internal(span, "expression")),
        }
    }
}
