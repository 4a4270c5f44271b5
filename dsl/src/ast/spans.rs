//! Span erasure, to compare the shapes of two trees (round-trip tests, fuzzing).

use super::*;

impl SourceFile {
    /// A copy with every span zeroed and the comments dropped: two files with the same
    /// declarations written differently compare equal.
    pub fn without_spans(&self) -> SourceFile {
        let mut f = self.clone();
        f.comments.clear();
        for item in &mut f.items {
            item.erase();
        }
        f
    }
}

impl Expr {
    /// A copy with every span zeroed.
    pub fn without_spans(&self) -> Expr {
        let mut e = self.clone();
        e.erase();
        e
    }
}

trait Erase {
    fn erase(&mut self);
}

impl<T: Erase> Erase for Option<T> {
    fn erase(&mut self) {
        if let Some(x) = self {
            x.erase();
        }
    }
}

impl<T: Erase> Erase for Vec<T> {
    fn erase(&mut self) {
        for x in self {
            x.erase();
        }
    }
}

impl<T: Erase> Erase for Box<T> {
    fn erase(&mut self) {
        (**self).erase();
    }
}

impl Erase for Span {
    fn erase(&mut self) {
        *self = Span::default();
    }
}

impl Erase for Ident {
    fn erase(&mut self) {
        self.span.erase();
    }
}

impl Erase for StrLit {
    fn erase(&mut self) {
        self.span.erase();
    }
}

impl Erase for DateLit {
    fn erase(&mut self) {
        self.span.erase();
    }
}

impl Erase for Item {
    fn erase(&mut self) {
        match self {
            Item::Policy(d) => {
                d.name.erase();
                d.title.erase();
                d.source.erase();
                if let Some(e) = &mut d.effective {
                    e.from.erase();
                    e.to.erase();
                    e.span.erase();
                }
                d.span.erase();
            }
            Item::Import(d) => {
                d.path.erase();
                d.alias.erase();
                d.span.erase();
            }
            Item::Input(d) => {
                d.name.erase();
                d.label.erase();
                d.fields.erase();
                d.span.erase();
            }
            Item::Param(d) => {
                d.name.erase();
                d.label.erase();
                d.ty.erase();
                for s in &mut d.steps {
                    s.from.erase();
                    s.value.erase();
                    s.cite.erase();
                    s.span.erase();
                }
                d.span.erase();
            }
            Item::Rule(d) => {
                d.list.erase();
                d.name.erase();
                d.params.erase();
                d.label.erase();
                d.ty.erase();
                d.value.erase();
                d.span.erase();
            }
            Item::Table(d) => {
                d.name.erase();
                d.params.erase();
                d.label.erase();
                match &mut d.body {
                    TableBody::Rows(rows) => rows.erase(),
                    TableBody::Versions(vs) => {
                        for v in vs {
                            v.from.erase();
                            v.cite.erase();
                            v.rows.erase();
                            v.span.erase();
                        }
                    }
                }
                d.span.erase();
            }
            Item::Enum(d) => {
                d.name.erase();
                d.label.erase();
                for v in &mut d.variants {
                    v.name.erase();
                    v.label.erase();
                    v.span.erase();
                }
                d.span.erase();
            }
            Item::Directory(d) => {
                d.name.erase();
                d.label.erase();
                d.key.erase();
                d.key_type.erase();
                d.source.erase();
                for c in &mut d.columns {
                    c.name.erase();
                    c.ty.erase();
                    c.label.erase();
                    c.span.erase();
                }
                for r in &mut d.rows {
                    r.key.erase();
                    for c in &mut r.cells {
                        c.column.erase();
                        c.value.erase();
                        c.span.erase();
                    }
                    r.span.erase();
                }
                d.span.erase();
            }
            Item::Outcome(d) => {
                d.name.erase();
                d.label.erase();
                for i in &mut d.items {
                    match i {
                        OutcomeItem::Require(r) | OutcomeItem::Unless(r) => r.erase(),
                        OutcomeItem::Amount(a) => {
                            a.name.erase();
                            a.label.erase();
                            a.value.erase();
                            a.span.erase();
                        }
                    }
                }
                d.span.erase();
            }
            Item::Example(d) => {
                d.name.erase();
                d.as_of.erase();
                d.given.erase();
                for e in &mut d.expects {
                    match e {
                        Expectation::Outcome {
                            outcome,
                            amounts,
                            amount_errors,
                            values,
                            missing,
                            span,
                            ..
                        } => {
                            outcome.erase();
                            for (n, v) in amounts {
                                n.erase();
                                v.span.erase();
                            }
                            for (n, c) in amount_errors {
                                n.erase();
                                c.erase();
                            }
                            for (k, v) in values {
                                k.erase();
                                v.erase();
                            }
                            missing.erase();
                            span.erase();
                        }
                        Expectation::Error { code, span } => {
                            code.erase();
                            span.erase();
                        }
                    }
                }
                d.span.erase();
            }
        }
    }
}

impl Erase for FnParam {
    fn erase(&mut self) {
        self.name.erase();
        self.ty.erase();
    }
}

impl Erase for FieldDecl {
    fn erase(&mut self) {
        self.name.erase();
        self.ty.erase();
        if let Some(r) = &mut self.range {
            r.low.erase();
            r.high.erase();
            r.span.erase();
        }
        self.default.erase();
        self.label.erase();
        self.span.erase();
    }
}

impl Erase for TypeExpr {
    fn erase(&mut self) {
        match self {
            TypeExpr::Named(i) => i.erase(),
            TypeExpr::Enum { variants, span } => {
                for v in variants {
                    v.name.erase();
                    v.label.erase();
                    v.span.erase();
                }
                span.erase();
            }
        }
    }
}

impl Erase for TableRow {
    fn erase(&mut self) {
        self.condition.erase();
        self.value.erase();
        self.span.erase();
    }
}

impl Erase for Requirement {
    fn erase(&mut self) {
        self.condition.erase();
        self.guard.erase();
        self.message.erase();
        self.cite.erase();
        if let Some(id) = &mut self.id {
            id.span.erase();
        }
        self.span.erase();
    }
}

impl Erase for DataValue {
    fn erase(&mut self) {
        match self {
            DataValue::Null(s) | DataValue::Bool(_, s) => s.erase(),
            DataValue::Number(n) => n.span.erase(),
            DataValue::Str(s) => s.erase(),
            DataValue::Date(d) => d.erase(),
            DataValue::Array(items, s) => {
                items.erase();
                s.erase();
            }
            DataValue::Object(entries, s) => {
                for (k, v) in entries {
                    k.erase();
                    v.erase();
                }
                s.erase();
            }
        }
    }
}

impl Erase for Expr {
    fn erase(&mut self) {
        self.span.erase();
        match &mut self.kind {
            ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(_)
            | ExprKind::AsOf
            | ExprKind::Name(_) => {}
            ExprKind::Field(b, f) => {
                b.erase();
                f.erase();
            }
            ExprKind::Index(b, i) => {
                b.erase();
                i.erase();
            }
            ExprKind::Unary(_, x) => x.erase(),
            ExprKind::Binary(_, l, r) => {
                l.erase();
                r.erase();
            }
            ExprKind::If(c, a, b) => {
                c.erase();
                a.erase();
                b.erase();
            }
            ExprKind::Call(n, args) => {
                n.erase();
                for a in args {
                    a.value.erase();
                    a.filter.erase();
                    a.span.erase();
                }
            }
            ExprKind::List(items) => items.erase(),
        }
    }
}
