//! Lowering: pest pairs into the typed AST, one function per grammar rule.
//!
//! Pair shapes are never unwrapped: an unexpected shape becomes a `syntax/internal`
//! diagnostic (fuzzing asserts that none is ever produced).

mod expr;

use std::iter::Peekable;

use pest::iterators::{Pair, Pairs};

use crate::ast::*;
use crate::codes;
use crate::diagnostic::Diagnostic;
use crate::literal::{self, LiteralError};
use crate::parse::Rule;
use crate::span::Span;

pub(crate) type Inner<'i> = Peekable<Pairs<'i, Rule>>;
/// Lowering results box their diagnostic: it keeps `Result`s small on a deeply recursive path.
pub(crate) type Res<T> = Result<T, Box<Diagnostic>>;

pub(crate) fn err<T>(d: Diagnostic) -> Res<T> {
    Err(Box::new(d))
}

/// Lowers pairs of one chunk; `offset` is the chunk's position in the file.
pub(crate) struct Lowerer<'c> {
    offset: usize,
    /// The file's comments, to trim them off the end of spans.
    comments: &'c [Comment],
}

impl<'c> Lowerer<'c> {
    pub(crate) fn new(offset: usize, comments: &'c [Comment]) -> Lowerer<'c> {
        Lowerer { offset, comments }
    }

    /// The span of a pair without trailing whitespace and comments (pest includes them
    /// when a rule ends with an optional part).
    pub(crate) fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        let text = s.as_str();
        let mut end = s.end();
        loop {
            let rel = end - s.start();
            let trimmed = text.get(..rel).map_or(rel, |t| t.trim_end().len());
            end = s.start() + trimmed;
            let abs = end + self.offset;
            match self
                .comments
                .binary_search_by_key(&abs, |c| c.span.end as usize)
            {
                Ok(i) => match self.comments.get(i) {
                    Some(c) if c.span.start as usize >= s.start() + self.offset => {
                        end = c.span.start as usize - self.offset;
                    }
                    _ => break,
                },
                Err(_) => break,
            }
        }
        Span::new(s.start() + self.offset, end + self.offset)
    }

    pub(crate) fn internal(&self, span: Span, what: &str) -> Box<Diagnostic> {
        Box::new(
            Diagnostic::error(
                codes::INTERNAL,
                span,
                format!("internal error: unexpected parse shape in {what}"),
            )
            .with_help("this is a bug in Clausula; please report it with the policy text"),
        )
    }

    fn literal_error(&self, span: Span, e: LiteralError) -> Box<Diagnostic> {
        let d = Diagnostic::error(e.code, span, e.message);
        Box::new(match e.help {
            Some(h) => d.with_help(h),
            None => d,
        })
    }

    /// The next pair, which must be `rule`.
    pub(crate) fn next<'i>(
        &self,
        it: &mut Inner<'i>,
        rule: Rule,
        parent: Span,
        what: &str,
    ) -> Res<Pair<'i, Rule>> {
        match it.next() {
            Some(p) if p.as_rule() == rule => Ok(p),
            Some(p) => Err(self.internal(self.span(&p), what)),
            None => Err(self.internal(parent, what)),
        }
    }

    /// The next pair if it is `rule`.
    pub(crate) fn take<'i>(&self, it: &mut Inner<'i>, rule: Rule) -> Option<Pair<'i, Rule>> {
        if it.peek().is_some_and(|p| p.as_rule() == rule) {
            it.next()
        } else {
            None
        }
    }

    fn no_more(&self, it: &mut Inner<'_>, what: &str) -> Res<()> {
        match it.next() {
            None => Ok(()),
            Some(p) => Err(self.internal(self.span(&p), what)),
        }
    }

    pub(crate) fn ident(&self, p: Pair<'_, Rule>) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    pub(crate) fn string(&self, p: Pair<'_, Rule>) -> Res<StrLit> {
        let span = self.span(&p);
        let body = p.into_inner().next().map_or("", |b| b.as_str());
        match literal::unescape(body) {
            Ok(value) => Ok(StrLit { value, span }),
            Err((at, e)) => {
                let start = span.start as usize + 1 + at;
                Err(self.literal_error(Span::new(start, start + 2), e))
            }
        }
    }

    fn opt_string(&self, it: &mut Inner<'_>) -> Res<Option<StrLit>> {
        self.take(it, Rule::string)
            .map(|p| self.string(p))
            .transpose()
    }

    pub(crate) fn date(&self, p: Pair<'_, Rule>) -> Res<DateLit> {
        let span = self.span(&p);
        literal::parse_date(p.as_str())
            .map(|value| DateLit { value, span })
            .map_err(|e| self.literal_error(span, e))
    }

    pub(crate) fn number(&self, p: &Pair<'_, Rule>) -> Res<NumberLit> {
        let span = self.span(p);
        let text = p.as_str();
        literal::parse_number(text)
            .map(|(value, suffix)| NumberLit {
                value,
                text: text.to_string(),
                suffix,
            })
            .map_err(|e| self.literal_error(span, e))
    }

    fn cite(&self, it: &mut Inner<'_>) -> Res<Option<StrLit>> {
        match self.take(it, Rule::cite) {
            Some(c) => {
                let span = self.span(&c);
                let mut inner = c.into_inner().peekable();
                self.take(&mut inner, Rule::kw_cite);
                let s = self.next(&mut inner, Rule::string, span, "cite")?;
                Ok(Some(self.string(s)?))
            }
            None => Ok(None),
        }
    }

    /// Lowers one declaration; a declaration may carry several independent errors.
    pub(crate) fn item(&self, p: Pair<'_, Rule>) -> Result<Item, Vec<Diagnostic>> {
        let one = |r: Res<Item>| r.map_err(|d| vec![*d]);
        match p.as_rule() {
            Rule::policy_decl => self.policy(p),
            Rule::import_decl => one(self.import(p)),
            Rule::input_decl => self.input(p).map(Item::Input),
            Rule::param_decl => one(self.param(p)),
            Rule::rule_decl => one(self.rule(p)),
            Rule::table_decl => self.table(p).map(Item::Table),
            Rule::directory_decl => self.directory(p).map(Item::Directory),
            Rule::enum_decl => one(self.enum_decl(p)),
            Rule::outcome_decl => self.outcome(p).map(Item::Outcome),
            Rule::example_decl => one(self.example(p)),
            _ => Err(vec![*self.internal(self.span(&p), "declaration")]),
        }
    }

    fn policy(&self, p: Pair<'_, Rule>) -> Result<Item, Vec<Diagnostic>> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_policy);
        let name = self
            .next(&mut it, Rule::ident, span, "policy")
            .map_err(|d| vec![*d])?;
        let name = self.ident(name);
        let title = self.opt_string(&mut it).map_err(|d| vec![*d])?;
        let mut decl = PolicyDecl {
            name,
            title,
            source: None,
            effective: None,
            span,
        };
        let mut errors = Vec::new();
        for clause in it {
            let cspan = self.span(&clause);
            let dup = |what: &str| {
                Diagnostic::error(
                    codes::DUPLICATE_CLAUSE,
                    cspan,
                    format!("`{what}` is given twice"),
                )
                .with_help(format!("keep one `{what}` clause"))
            };
            match clause.as_rule() {
                Rule::source_clause => {
                    if decl.source.is_some() {
                        errors.push(dup("source"));
                        continue;
                    }
                    let mut ci = clause.into_inner().peekable();
                    self.take(&mut ci, Rule::kw_source);
                    match self
                        .next(&mut ci, Rule::string, cspan, "source")
                        .and_then(|s| self.string(s))
                    {
                        Ok(s) => decl.source = Some(s),
                        Err(d) => errors.push(*d),
                    }
                }
                Rule::effective_clause => {
                    if decl.effective.is_some() {
                        errors.push(dup("effective"));
                        continue;
                    }
                    match self.effective(clause) {
                        Ok(e) => decl.effective = Some(e),
                        Err(d) => errors.push(*d),
                    }
                }
                _ => errors.push(*self.internal(cspan, "policy clause")),
            }
        }
        if errors.is_empty() {
            Ok(Item::Policy(decl))
        } else {
            Err(errors)
        }
    }

    fn effective(&self, p: Pair<'_, Rule>) -> Res<Effective> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_effective);
        let from = self.date(self.next(&mut it, Rule::date, span, "effective")?)?;
        let to = self
            .take(&mut it, Rule::date)
            .map(|d| self.date(d))
            .transpose()?;
        if let Some(to) = &to
            && to.value < from.value
        {
            return err(Diagnostic::error(
                codes::INVALID_WINDOW,
                to.span,
                format!(
                    "the window ends ({}) before it starts ({})",
                    to.value, from.value
                ),
            )
            .with_label(from.span, "starts here"));
        }
        Ok(Effective { from, to, span })
    }

    fn import(&self, p: Pair<'_, Rule>) -> Res<Item> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_import);
        let path = self.string(self.next(&mut it, Rule::string, span, "import")?)?;
        let alias = match self.take(&mut it, Rule::kw_as) {
            Some(_) => Some(self.ident(self.next(&mut it, Rule::ident, span, "import name")?)),
            None => None,
        };
        Ok(Item::Import(ImportDecl { path, alias, span }))
    }

    fn input(&self, p: Pair<'_, Rule>) -> Result<InputDecl, Vec<Diagnostic>> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_input);
        let name = self
            .next(&mut it, Rule::ident, span, "input")
            .map_err(|d| vec![*d])?;
        let name = self.ident(name);
        let is_list = self.take(&mut it, Rule::list_marker).is_some();
        let label = self.opt_string(&mut it).map_err(|d| vec![*d])?;
        let mut fields = Vec::new();
        let mut errors = Vec::new();
        for f in it {
            match self.field(f) {
                Ok(f) => fields.push(f),
                Err(d) => errors.push(*d),
            }
        }
        if errors.is_empty() {
            Ok(InputDecl {
                name,
                is_list,
                label,
                fields,
                span,
            })
        } else {
            Err(errors)
        }
    }

    fn field(&self, p: Pair<'_, Rule>) -> Res<FieldDecl> {
        let span = self.span(&p);
        if p.as_rule() != Rule::field_decl {
            return Err(self.internal(span, "input field"));
        }
        let mut it = p.into_inner().peekable();
        let name = self.ident(self.next(&mut it, Rule::ident, span, "field")?);
        let ty = self.type_expr(self.next(&mut it, Rule::type_expr, span, "field type")?)?;
        let range = match self.take(&mut it, Rule::field_range) {
            Some(r) => Some(self.field_range(r)?),
            None => None,
        };
        let default = match self.take(&mut it, Rule::default_value) {
            Some(d) => {
                let dspan = self.span(&d);
                let mut di = d.into_inner().peekable();
                Some(self.expr(self.next(&mut di, Rule::expr, dspan, "default")?)?)
            }
            None => None,
        };
        let label = self.opt_string(&mut it)?;
        self.no_more(&mut it, "field")?;
        Ok(FieldDecl {
            name,
            ty,
            range,
            default,
            label,
            span,
        })
    }

    /// `in LOW..HIGH`: each bound becomes a literal expression (a negative number is `-n`).
    fn field_range(&self, p: Pair<'_, Rule>) -> Res<RangeDecl> {
        let span = self.span(&p);
        let (mut low, mut high) = (None, None);
        let (mut low_text, mut high_text) = (String::new(), String::new());
        for b in p.into_inner() {
            let rule = b.as_rule();
            if rule == Rule::kw_in {
                continue;
            }
            let bspan = self.span(&b);
            let text = b.as_str().to_string();
            let lit = b
                .into_inner()
                .next()
                .ok_or_else(|| self.internal(bspan, "range bound"))?;
            let e = match lit.as_rule() {
                Rule::date => Expr {
                    kind: ExprKind::Date(self.date(lit)?.value),
                    span: bspan,
                },
                Rule::data_number => {
                    let mut it = lit.into_inner().peekable();
                    let negative = self.take(&mut it, Rule::neg).is_some();
                    let n = self.next(&mut it, Rule::number, bspan, "range bound")?;
                    let nspan = self.span(&n);
                    let num = Expr {
                        kind: ExprKind::Number(self.number(&n)?),
                        span: nspan,
                    };
                    if negative {
                        Expr {
                            kind: ExprKind::Unary(UnaryOp::Neg, Box::new(num)),
                            span: bspan,
                        }
                    } else {
                        num
                    }
                }
                _ => return Err(self.internal(bspan, "range bound")),
            };
            match rule {
                Rule::range_low => {
                    low = Some(e);
                    low_text = text;
                }
                Rule::range_high => {
                    high = Some(e);
                    high_text = text;
                }
                _ => return Err(self.internal(bspan, "range")),
            }
        }
        Ok(RangeDecl {
            low,
            high,
            text: format!("{low_text}..{high_text}"),
            span,
        })
    }

    fn enum_decl(&self, p: Pair<'_, Rule>) -> Res<Item> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_enum);
        let name = self.ident(self.next(&mut it, Rule::ident, span, "enum name")?);
        let label = self.opt_string(&mut it)?;
        let variants = it.map(|v| self.variant(v)).collect::<Res<Vec<_>>>()?;
        Ok(Item::Enum(EnumDecl {
            name,
            label,
            variants,
            span,
        }))
    }

    /// `small "小型"`: one value of an enum, named or inline.
    fn variant(&self, v: Pair<'_, Rule>) -> Res<Variant> {
        let span = self.span(&v);
        let mut vi = v.into_inner().peekable();
        let name = self.ident(self.next(&mut vi, Rule::ident, span, "enum value")?);
        let label = self.opt_string(&mut vi)?;
        Ok(Variant { name, label, span })
    }

    fn type_expr(&self, p: Pair<'_, Rule>) -> Res<TypeExpr> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        let inner = it.next().ok_or_else(|| self.internal(span, "type"))?;
        match inner.as_rule() {
            Rule::ident => Ok(TypeExpr::Named(self.ident(inner))),
            Rule::enum_type => {
                let espan = self.span(&inner);
                let mut variants = Vec::new();
                for v in inner.into_inner() {
                    match v.as_rule() {
                        Rule::kw_enum => {}
                        Rule::enum_variant => variants.push(self.variant(v)?),
                        _ => return Err(self.internal(self.span(&v), "enum")),
                    }
                }
                Ok(TypeExpr::Enum {
                    variants,
                    span: espan,
                })
            }
            _ => Err(self.internal(span, "type")),
        }
    }

    fn param(&self, p: Pair<'_, Rule>) -> Res<Item> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_param);
        let name = self.ident(self.next(&mut it, Rule::ident, span, "param")?);
        let label = self.opt_string(&mut it)?;
        let ty = self.type_expr(self.next(&mut it, Rule::type_expr, span, "param type")?)?;
        let mut steps = Vec::new();
        for s in it {
            let sspan = self.span(&s);
            if s.as_rule() != Rule::param_step {
                return Err(self.internal(sspan, "param step"));
            }
            let mut si = s.into_inner().peekable();
            self.take(&mut si, Rule::kw_from);
            let from = self.date(self.next(&mut si, Rule::date, sspan, "param step")?)?;
            let value = self.expr(self.next(&mut si, Rule::expr, sspan, "param value")?)?;
            let cite = self.cite(&mut si)?;
            steps.push(ParamStep {
                from,
                value,
                cite,
                span: sspan,
            });
        }
        Ok(Item::Param(ParamDecl {
            name,
            label,
            ty,
            steps,
            span,
        }))
    }

    fn rule(&self, p: Pair<'_, Rule>) -> Res<Item> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_rule);
        let rn = self.next(&mut it, Rule::rule_name, span, "rule name")?;
        let rspan = self.span(&rn);
        let mut ri = rn.into_inner().peekable();
        let first = self.ident(self.next(&mut ri, Rule::ident, rspan, "rule name")?);
        let (list, name) = match self.take(&mut ri, Rule::ident) {
            Some(second) => (Some(first), self.ident(second)),
            None => (None, first),
        };
        let params = self.fn_params(&mut it)?;
        let label = self.opt_string(&mut it)?;
        let ty = self
            .take(&mut it, Rule::type_expr)
            .map(|t| self.type_expr(t))
            .transpose()?;
        let value = self.expr(self.next(&mut it, Rule::expr, span, "rule value")?)?;
        Ok(Item::Rule(RuleDecl {
            list,
            name,
            params,
            label,
            ty,
            value,
            span,
        }))
    }

    /// `(p: TYPE, …)`, if the next pair is one.
    fn fn_params(&self, it: &mut Inner<'_>) -> Res<Option<Vec<FnParam>>> {
        let Some(ps) = self.take(it, Rule::fn_params) else {
            return Ok(None);
        };
        let mut out = Vec::new();
        for p in ps.into_inner() {
            let pspan = self.span(&p);
            let mut pi = p.into_inner().peekable();
            let name = self.ident(self.next(&mut pi, Rule::ident, pspan, "parameter")?);
            let ty = self.ident(self.next(&mut pi, Rule::ident, pspan, "parameter type")?);
            out.push(FnParam { name, ty });
        }
        Ok(Some(out))
    }

    fn table(&self, p: Pair<'_, Rule>) -> Result<TableDecl, Vec<Diagnostic>> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_table);
        let head = (|| -> Res<_> {
            let name = self.ident(self.next(&mut it, Rule::ident, span, "table")?);
            let params = self.fn_params(&mut it)?;
            let label = self.opt_string(&mut it)?;
            self.take(&mut it, Rule::kw_hit);
            let hit =
                self.hit_policy(self.next(&mut it, Rule::hit_policy, span, "hit policy")?)?;
            Ok((name, params, label, hit))
        })();
        let (name, params, label, hit) = head.map_err(|d: Box<Diagnostic>| vec![*d])?;
        let mut rows = Vec::new();
        let mut versions = Vec::new();
        let mut errors = Vec::new();
        for part in it {
            match part.as_rule() {
                Rule::table_row => match self.table_row(part) {
                    Ok(r) => rows.push(r),
                    Err(d) => errors.push(*d),
                },
                Rule::table_version => {
                    let vspan = self.span(&part);
                    let mut vi = part.into_inner().peekable();
                    self.take(&mut vi, Rule::kw_from);
                    let from = match self
                        .next(&mut vi, Rule::date, vspan, "table version")
                        .and_then(|d| self.date(d))
                    {
                        Ok(d) => d,
                        Err(d) => {
                            errors.push(*d);
                            continue;
                        }
                    };
                    let cite = match self.cite(&mut vi) {
                        Ok(c) => c,
                        Err(d) => {
                            errors.push(*d);
                            None
                        }
                    };
                    let mut vrows = Vec::new();
                    for r in vi {
                        match self.table_row(r) {
                            Ok(r) => vrows.push(r),
                            Err(d) => errors.push(*d),
                        }
                    }
                    versions.push(TableVersion {
                        from,
                        cite,
                        rows: vrows,
                        span: vspan,
                    });
                }
                _ => errors.push(*self.internal(self.span(&part), "table")),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let body = if versions.is_empty() {
            TableBody::Rows(rows)
        } else {
            TableBody::Versions(versions)
        };
        Ok(TableDecl {
            name,
            params,
            label,
            hit,
            body,
            span,
        })
    }

    fn hit_policy(&self, p: Pair<'_, Rule>) -> Res<HitPolicy> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        let first = it.next().ok_or_else(|| self.internal(span, "hit policy"))?;
        match first.as_rule() {
            Rule::kw_first => Ok(HitPolicy::First),
            Rule::kw_unique => Ok(HitPolicy::Unique),
            Rule::kw_collect => {
                let agg = self.take(&mut it, Rule::ident);
                let found = agg.as_ref().map(|a| a.as_str()).unwrap_or("");
                let agg_span = agg.as_ref().map_or(span, |a| self.span(a));
                match found {
                    "sum" => Ok(HitPolicy::Collect(CollectAgg::Sum)),
                    "min" => Ok(HitPolicy::Collect(CollectAgg::Min)),
                    "max" => Ok(HitPolicy::Collect(CollectAgg::Max)),
                    "count" => Ok(HitPolicy::Collect(CollectAgg::Count)),
                    "" => err(Diagnostic::error(
                        codes::UNKNOWN_AGGREGATE,
                        agg_span,
                        "`hit collect` needs an aggregate",
                    )
                    .with_help("write `hit collect sum`, `min`, `max` or `count`")),
                    other => err(crate::suggest::with_suggestion(
                        Diagnostic::error(
                            codes::UNKNOWN_AGGREGATE,
                            agg_span,
                            format!("unknown aggregate `{other}`"),
                        ),
                        other,
                        ["sum", "min", "max", "count"],
                        "the aggregates are `sum`, `min`, `max` and `count`",
                    )),
                }
            }
            _ => Err(self.internal(span, "hit policy")),
        }
    }

    fn table_row(&self, p: Pair<'_, Rule>) -> Res<TableRow> {
        let span = self.span(&p);
        if p.as_rule() != Rule::table_row {
            return Err(self.internal(span, "table row"));
        }
        let mut it = p.into_inner().peekable();
        let condition = if self.take(&mut it, Rule::otherwise).is_some() {
            None
        } else {
            self.take(&mut it, Rule::kw_when);
            Some(self.expr(self.next(&mut it, Rule::expr, span, "row condition")?)?)
        };
        let value = self.expr(self.next(&mut it, Rule::expr, span, "row value")?)?;
        Ok(TableRow {
            condition,
            value,
            span,
        })
    }

    fn directory(&self, p: Pair<'_, Rule>) -> Result<DirectoryDecl, Vec<Diagnostic>> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_directory);
        let head = (|| -> Res<_> {
            let name = self.ident(self.next(&mut it, Rule::ident, span, "directory")?);
            let label = self.opt_string(&mut it)?;
            self.take(&mut it, Rule::kw_key);
            let key = self.ident(self.next(&mut it, Rule::ident, span, "directory key")?);
            let key_type = match self.take(&mut it, Rule::dir_key_type) {
                Some(t) => {
                    let tspan = self.span(&t);
                    let mut ti = t.into_inner().peekable();
                    Some(self.type_expr(self.next(
                        &mut ti,
                        Rule::type_expr,
                        tspan,
                        "key type",
                    )?)?)
                }
                None => None,
            };
            let source = match self.take(&mut it, Rule::dir_source) {
                Some(s) => {
                    let sspan = self.span(&s);
                    let mut si = s.into_inner().peekable();
                    self.take(&mut si, Rule::kw_from);
                    Some(self.string(self.next(
                        &mut si,
                        Rule::string,
                        sspan,
                        "directory source",
                    )?)?)
                }
                None => None,
            };
            Ok((name, label, key, key_type, source))
        })();
        let (name, label, key, key_type, source) = head.map_err(|d: Box<Diagnostic>| vec![*d])?;
        let mut columns = Vec::new();
        let mut rows = Vec::new();
        let mut errors = Vec::new();
        for part in it {
            match part.as_rule() {
                Rule::dir_columns => {
                    for c in part.into_inner() {
                        match self.column(c) {
                            Ok(c) => columns.push(c),
                            Err(d) => errors.push(*d),
                        }
                    }
                }
                Rule::dir_row => match self.dir_row(part) {
                    Ok(r) => rows.push(r),
                    Err(d) => errors.push(*d),
                },
                _ => errors.push(*self.internal(self.span(&part), "directory")),
            }
        }
        if errors.is_empty() {
            Ok(DirectoryDecl {
                name,
                label,
                key,
                key_type,
                source,
                columns,
                rows,
                span,
            })
        } else {
            Err(errors)
        }
    }

    fn column(&self, p: Pair<'_, Rule>) -> Res<ColumnDecl> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        let name = self.ident(self.next(&mut it, Rule::ident, span, "column")?);
        let ty = self.type_expr(self.next(&mut it, Rule::type_expr, span, "column type")?)?;
        let label = self.opt_string(&mut it)?;
        Ok(ColumnDecl {
            name,
            ty,
            label,
            span,
        })
    }

    fn dir_row(&self, p: Pair<'_, Rule>) -> Res<DirRow> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        let first = it
            .next()
            .ok_or_else(|| self.internal(span, "directory row"))?;
        let bare = matches!(first.as_rule(), Rule::dir_int_key | Rule::ident);
        let key = if bare {
            StrLit {
                value: first.as_str().to_string(),
                span: self.span(&first),
            }
        } else {
            self.string(first)?
        };
        let mut cells = Vec::new();
        for c in it {
            let cspan = self.span(&c);
            let mut ci = c.into_inner().peekable();
            let column = self.ident(self.next(&mut ci, Rule::ident, cspan, "directory cell")?);
            let value = self.expr(self.next(&mut ci, Rule::expr, cspan, "directory cell")?)?;
            cells.push(DirCell {
                column,
                value,
                span: cspan,
            });
        }
        Ok(DirRow {
            key,
            bare,
            cells,
            span,
        })
    }

    fn outcome(&self, p: Pair<'_, Rule>) -> Result<OutcomeDecl, Vec<Diagnostic>> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_outcome);
        let name = self
            .next(&mut it, Rule::ident, span, "outcome")
            .map_err(|d| vec![*d])?;
        let name = self.ident(name);
        let label = self.opt_string(&mut it).map_err(|d| vec![*d])?;
        let mut items = Vec::new();
        let mut errors = Vec::new();
        for part in it {
            let r = match part.as_rule() {
                Rule::require_item => self.requirement(part).map(OutcomeItem::Require),
                Rule::unless_item => self.requirement(part).map(OutcomeItem::Unless),
                Rule::amount_item => self.amount(part).map(OutcomeItem::Amount),
                _ => Err(self.internal(self.span(&part), "outcome")),
            };
            match r {
                Ok(i) => items.push(i),
                Err(d) => errors.push(*d),
            }
        }
        if errors.is_empty() {
            Ok(OutcomeDecl {
                name,
                label,
                items,
                span,
            })
        } else {
            Err(errors)
        }
    }

    fn guard(&self, p: Pair<'_, Rule>) -> Res<Expr> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_when);
        self.expr(self.next(&mut it, Rule::expr, span, "when")?)
    }

    fn requirement(&self, p: Pair<'_, Rule>) -> Res<Requirement> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        if self.take(&mut it, Rule::kw_require).is_none() {
            self.take(&mut it, Rule::kw_unless);
        }
        let condition = self.expr(self.next(&mut it, Rule::expr, span, "requirement")?)?;
        let guard_before = self
            .take(&mut it, Rule::guard)
            .map(|g| self.guard(g))
            .transpose()?;
        let message =
            self.string(self.next(&mut it, Rule::string, span, "requirement message")?)?;
        let cite = self.cite(&mut it)?;
        let guard_after = self
            .take(&mut it, Rule::guard)
            .map(|g| self.guard(g))
            .transpose()?;
        let id = self
            .take(&mut it, Rule::line_id)
            .map(|p| {
                let pspan = self.span(&p);
                let mut inner = p.into_inner().peekable();
                self.take(&mut inner, Rule::kw_as);
                self.next(&mut inner, Rule::ident, pspan, "line id")
                    .map(|i| self.ident(i))
            })
            .transpose()?;
        let guard = match (guard_before, guard_after) {
            (Some(_), Some(second)) => {
                return err(Diagnostic::error(
                    codes::DUPLICATE_CLAUSE,
                    second.span,
                    "a requirement has one `when` guard",
                )
                .with_help("combine the conditions with `and`"));
            }
            (a, b) => a.or(b),
        };
        Ok(Requirement {
            condition,
            guard,
            message,
            cite,
            id,
            span,
        })
    }

    fn amount(&self, p: Pair<'_, Rule>) -> Res<AmountDecl> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_amount);
        let name = self.ident(self.next(&mut it, Rule::ident, span, "amount")?);
        let label = self.opt_string(&mut it)?;
        let value = self.expr(self.next(&mut it, Rule::expr, span, "amount")?)?;
        Ok(AmountDecl {
            name,
            label,
            value,
            span,
        })
    }

    fn example(&self, p: Pair<'_, Rule>) -> Res<Item> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_example);
        let name = self.string(self.next(&mut it, Rule::string, span, "example")?)?;
        self.take(&mut it, Rule::kw_as_of);
        let as_of = self.date(self.next(&mut it, Rule::date, span, "example date")?)?;
        let given = self.next(&mut it, Rule::given, span, "given")?;
        let gspan = self.span(&given);
        let mut gi = given.into_inner().peekable();
        self.take(&mut gi, Rule::kw_given);
        let given = self.data(self.next(&mut gi, Rule::data_object, gspan, "given")?)?;
        let mut expects = Vec::new();
        for e in it {
            expects.push(self.expectation(e)?);
        }
        Ok(Item::Example(ExampleDecl {
            name,
            as_of,
            given,
            expects,
            span,
        }))
    }

    fn expectation(&self, p: Pair<'_, Rule>) -> Res<Expectation> {
        let span = self.span(&p);
        let mut it = p.into_inner().peekable();
        self.take(&mut it, Rule::kw_expect);
        let body = it.next().ok_or_else(|| self.internal(span, "expect"))?;
        match body.as_rule() {
            Rule::expect_error => {
                let bspan = self.span(&body);
                let mut bi = body.into_inner().peekable();
                self.take(&mut bi, Rule::kw_error);
                let code =
                    self.string(self.next(&mut bi, Rule::string, bspan, "expect error")?)?;
                Ok(Expectation::Error { code, span })
            }
            Rule::expect_outcome => {
                let bspan = self.span(&body);
                let mut bi = body.into_inner().peekable();
                let outcome = self.ident(self.next(&mut bi, Rule::ident, bspan, "expect")?);
                let status_ident =
                    self.ident(self.next(&mut bi, Rule::ident, bspan, "expect status")?);
                let status = match status_ident.name.as_str() {
                    "eligible" => ExpectedStatus::Eligible,
                    "ineligible" => ExpectedStatus::Ineligible,
                    "undetermined" => ExpectedStatus::Undetermined,
                    other => {
                        return err(crate::suggest::with_suggestion(
                            Diagnostic::error(
                                codes::UNKNOWN_STATUS,
                                status_ident.span,
                                format!("unknown status `{other}`"),
                            ),
                            other,
                            ["eligible", "ineligible", "undetermined"],
                            "a status is `eligible`, `ineligible` or `undetermined`",
                        ));
                    }
                };
                let mut amounts = Vec::new();
                let mut amount_errors = Vec::new();
                let mut values = Vec::new();
                let mut missing = None;
                for part in bi {
                    let pspan = self.span(&part);
                    match part.as_rule() {
                        Rule::expect_amount => {
                            let mut ai = part.into_inner().peekable();
                            let name = self.ident(self.next(
                                &mut ai,
                                Rule::ident,
                                pspan,
                                "expected amount",
                            )?);
                            let n =
                                self.next(&mut ai, Rule::data_number, pspan, "expected amount")?;
                            amounts.push((name, self.data_number(n)?));
                        }
                        Rule::expect_amount_error => {
                            let mut ai = part.into_inner().peekable();
                            let name = self.ident(self.next(
                                &mut ai,
                                Rule::ident,
                                pspan,
                                "expected amount",
                            )?);
                            self.take(&mut ai, Rule::kw_error);
                            let code = self.string(self.next(
                                &mut ai,
                                Rule::string,
                                pspan,
                                "error code",
                            )?)?;
                            amount_errors.push((name, code));
                        }
                        Rule::expect_value => {
                            let mut ai =
                                part.into_inner().filter(|p| p.as_rule() != Rule::kw_value);
                            let (Some(k), Some(v)) = (ai.next(), ai.next()) else {
                                return Err(self.internal(pspan, "expect value"));
                            };
                            let key = match k.as_rule() {
                                Rule::ident => {
                                    let i = self.ident(k);
                                    StrLit {
                                        value: i.name,
                                        span: i.span,
                                    }
                                }
                                _ => self.string(k)?,
                            };
                            values.push((key, self.data(v)?));
                        }
                        Rule::expect_missing => {
                            let mut list = Vec::new();
                            for s in part.into_inner() {
                                if s.as_rule() == Rule::string {
                                    list.push(self.string(s)?);
                                }
                            }
                            missing = Some(list);
                        }
                        _ => return Err(self.internal(pspan, "expect")),
                    }
                }
                Ok(Expectation::Outcome {
                    outcome,
                    status,
                    amounts,
                    amount_errors,
                    values,
                    missing,
                    span,
                })
            }
            _ => Err(self.internal(span, "expect")),
        }
    }

    fn data_number(&self, p: Pair<'_, Rule>) -> Res<DataNumber> {
        let span = self.span(&p);
        let text = p.as_str().to_string();
        let mut it = p.into_inner().peekable();
        let negative = self.take(&mut it, Rule::neg).is_some();
        let n = self.next(&mut it, Rule::number, span, "number")?;
        let lit = self.number(&n)?;
        let value = if negative { -lit.value } else { lit.value };
        Ok(DataNumber { value, text, span })
    }

    fn data(&self, p: Pair<'_, Rule>) -> Res<DataValue> {
        let span = self.span(&p);
        match p.as_rule() {
            Rule::data_object => {
                let mut entries = Vec::new();
                for e in p.into_inner() {
                    let espan = self.span(&e);
                    let mut ei = e.into_inner().peekable();
                    let key = ei
                        .next()
                        .ok_or_else(|| self.internal(espan, "data entry"))?;
                    let key = match key.as_rule() {
                        Rule::ident => StrLit {
                            value: key.as_str().to_string(),
                            span: self.span(&key),
                        },
                        Rule::string => self.string(key)?,
                        _ => return Err(self.internal(espan, "data key")),
                    };
                    let value = ei
                        .next()
                        .ok_or_else(|| self.internal(espan, "data entry"))?;
                    entries.push((key, self.data(value)?));
                }
                Ok(DataValue::Object(entries, span))
            }
            Rule::data_array => {
                let mut items = Vec::new();
                for v in p.into_inner() {
                    items.push(self.data(v)?);
                }
                Ok(DataValue::Array(items, span))
            }
            Rule::data_null => Ok(DataValue::Null(span)),
            Rule::data_bool => Ok(DataValue::Bool(p.as_str().trim() == "true", span)),
            Rule::date => Ok(DataValue::Date(self.date(p)?)),
            Rule::string => Ok(DataValue::Str(self.string(p)?)),
            Rule::data_number => Ok(DataValue::Number(self.data_number(p)?)),
            _ => Err(self.internal(span, "data value")),
        }
    }
}
