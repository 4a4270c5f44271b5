//! Test helpers: a compact, readable dump of the syntax tree for snapshots.
#![allow(dead_code, clippy::unwrap_used)]

use clausula_dsl::ast::*;
use std::fmt::Write;

fn sp(s: clausula_dsl::Span) -> String {
    format!("@{}..{}", s.start, s.end)
}

fn lab(l: &Option<StrLit>) -> String {
    l.as_ref()
        .map(|l| format!(" {:?}", l.value))
        .unwrap_or_default()
}

pub(crate) fn dump(file: &SourceFile) -> String {
    let mut o = String::new();
    for item in &file.items {
        dump_item(&mut o, item);
    }
    for c in &file.comments {
        writeln!(o, "comment {:?} {}", c.text, sp(c.span)).unwrap();
    }
    o
}

fn ty(t: &TypeExpr) -> String {
    match t {
        TypeExpr::Named(i) => i.name.clone(),
        TypeExpr::Enum { variants, .. } => format!(
            "enum[{}]",
            variants
                .iter()
                .map(|v| format!("{}{}", v.name.name, lab(&v.label)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn dump_item(o: &mut String, item: &Item) {
    match item {
        Item::Policy(d) => {
            writeln!(o, "policy {}{} {}", d.name.name, lab(&d.title), sp(d.span)).unwrap();
            if let Some(s) = &d.source {
                writeln!(o, "  source {:?}", s.value).unwrap();
            }
            if let Some(e) = &d.effective {
                writeln!(
                    o,
                    "  effective {} .. {:?}",
                    e.from.value,
                    e.to.as_ref().map(|t| t.value.to_string())
                )
                .unwrap();
            }
        }
        Item::Import(d) => writeln!(o, "import {:?} {}", d.path.value, sp(d.span)).unwrap(),
        Item::Input(d) => {
            writeln!(
                o,
                "input {}{}{} {}",
                d.name.name,
                if d.is_list { "[]" } else { "" },
                lab(&d.label),
                sp(d.span)
            )
            .unwrap();
            for f in &d.fields {
                let def = f
                    .default
                    .as_ref()
                    .map(|e| format!(" = {}", ex(e)))
                    .unwrap_or_default();
                writeln!(
                    o,
                    "  field {}: {}{}{} {}",
                    f.name.name,
                    ty(&f.ty),
                    def,
                    lab(&f.label),
                    sp(f.span)
                )
                .unwrap();
            }
        }
        Item::Param(d) => {
            writeln!(
                o,
                "param {}{}: {} {}",
                d.name.name,
                lab(&d.label),
                ty(&d.ty),
                sp(d.span)
            )
            .unwrap();
            for s in &d.steps {
                writeln!(
                    o,
                    "  from {} = {}{}",
                    s.from.value,
                    ex(&s.value),
                    lab(&s.cite)
                )
                .unwrap();
            }
        }
        Item::Rule(d) => {
            let list = d
                .list
                .as_ref()
                .map(|l| format!("{}.", l.name))
                .unwrap_or_default();
            writeln!(
                o,
                "rule {list}{}{}{} = {} {}",
                d.name.name,
                params(d.params.as_deref()),
                lab(&d.label),
                ex(&d.value),
                sp(d.span)
            )
            .unwrap();
        }
        Item::Table(d) => {
            writeln!(
                o,
                "table {}{}{} {:?} {}",
                d.name.name,
                params(d.params.as_deref()),
                lab(&d.label),
                d.hit,
                sp(d.span)
            )
            .unwrap();
            let rows = |o: &mut String, rows: &[TableRow], pad: &str| {
                for r in rows {
                    let c = r
                        .condition
                        .as_ref()
                        .map(ex)
                        .unwrap_or_else(|| "otherwise".into());
                    writeln!(o, "{pad}row {c} => {}", ex(&r.value)).unwrap();
                }
            };
            match &d.body {
                TableBody::Rows(r) => rows(o, r, "  "),
                TableBody::Versions(vs) => {
                    for v in vs {
                        writeln!(o, "  from {}{}", v.from.value, lab(&v.cite)).unwrap();
                        rows(o, &v.rows, "    ");
                    }
                }
            }
        }
        Item::Directory(d) => {
            let src = d
                .source
                .as_ref()
                .map(|s| format!(" from {:?}", s.value))
                .unwrap_or_default();
            writeln!(
                o,
                "directory {}{} key {}{} {}",
                d.name.name,
                lab(&d.label),
                d.key.name,
                src,
                sp(d.span)
            )
            .unwrap();
            for c in &d.columns {
                writeln!(
                    o,
                    "  column {}: {}{}",
                    c.name.name,
                    ty(&c.ty),
                    lab(&c.label)
                )
                .unwrap();
            }
            for r in &d.rows {
                let cells: Vec<String> = r
                    .cells
                    .iter()
                    .map(|c| format!("{} = {}", c.column.name, ex(&c.value)))
                    .collect();
                writeln!(o, "  row {:?} {{{}}}", r.key.value, cells.join(", ")).unwrap();
            }
        }
        Item::Outcome(d) => {
            writeln!(o, "outcome {}{} {}", d.name.name, lab(&d.label), sp(d.span)).unwrap();
            for i in &d.items {
                match i {
                    OutcomeItem::Require(r) | OutcomeItem::Unless(r) => {
                        let kw = if matches!(i, OutcomeItem::Require(_)) {
                            "require"
                        } else {
                            "unless"
                        };
                        let g = r
                            .guard
                            .as_ref()
                            .map(|g| format!(" when {}", ex(g)))
                            .unwrap_or_default();
                        writeln!(
                            o,
                            "  {kw} {}{g} {:?}{} {}",
                            ex(&r.condition),
                            r.message.value,
                            lab(&r.cite),
                            sp(r.span)
                        )
                        .unwrap();
                    }
                    OutcomeItem::Amount(a) => {
                        writeln!(
                            o,
                            "  amount {}{} = {} {}",
                            a.name.name,
                            lab(&a.label),
                            ex(&a.value),
                            sp(a.span)
                        )
                        .unwrap();
                    }
                }
            }
        }
        Item::Enum(d) => {
            let vs: Vec<String> = d
                .variants
                .iter()
                .map(|v| format!("{}{}", v.name.name, lab(&v.label)))
                .collect();
            writeln!(
                o,
                "enum {}{} {{ {} }} {}",
                d.name.name,
                lab(&d.label),
                vs.join(", "),
                sp(d.span)
            )
            .unwrap();
        }
        Item::Example(d) => {
            writeln!(
                o,
                "example {:?} as_of {} {}",
                d.name.value,
                d.as_of.value,
                sp(d.span)
            )
            .unwrap();
            writeln!(o, "  given {}", data(&d.given)).unwrap();
            for e in &d.expects {
                match e {
                    Expectation::Outcome {
                        outcome,
                        status,
                        amounts,
                        amount_errors,
                        values,
                        missing,
                        ..
                    } => {
                        let a: Vec<String> = amounts
                            .iter()
                            .map(|(n, v)| format!("{}={}", n.name, v.value))
                            .chain(
                                amount_errors
                                    .iter()
                                    .map(|(n, c)| format!("{} error {:?}", n.name, c.value)),
                            )
                            .chain(
                                values
                                    .iter()
                                    .map(|(k, v)| format!("value {:?}={}", k.value, data(v))),
                            )
                            .collect();
                        let m = missing
                            .as_ref()
                            .map(|m| {
                                format!(
                                    " missing {:?}",
                                    m.iter().map(|s| &s.value).collect::<Vec<_>>()
                                )
                            })
                            .unwrap_or_default();
                        writeln!(
                            o,
                            "  expect {} {} [{}]{m}",
                            outcome.name,
                            status.as_str(),
                            a.join(", ")
                        )
                        .unwrap();
                    }
                    Expectation::Error { code, .. } => {
                        writeln!(o, "  expect error {:?}", code.value).unwrap()
                    }
                }
            }
        }
    }
}

fn data(v: &DataValue) -> String {
    match v {
        DataValue::Null(_) => "null".into(),
        DataValue::Bool(b, _) => b.to_string(),
        DataValue::Number(n) => format!("{}", n.value),
        DataValue::Str(s) => format!("{:?}", s.value),
        DataValue::Date(d) => format!("date:{}", d.value),
        DataValue::Array(items, _) => format!(
            "[{}]",
            items.iter().map(data).collect::<Vec<_>>().join(", ")
        ),
        DataValue::Object(entries, _) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{}: {}", k.value, data(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Expressions as fully parenthesised S-expressions: precedence is visible.
pub(crate) fn ex(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number(n) => format!("{}", n.value),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Date(d) => format!("date:{d}"),
        ExprKind::Duration(d) => format!("{}{}", d.count, d.unit.as_str()),
        ExprKind::AsOf => "as_of".into(),
        ExprKind::Name(n) => n.clone(),
        ExprKind::Field(b, f) => format!("(. {} {})", ex(b), f.name),
        ExprKind::Index(b, i) => format!("([] {} {})", ex(b), ex(i)),
        ExprKind::Unary(op, x) => format!(
            "({} {})",
            if *op == UnaryOp::Not { "not" } else { "neg" },
            ex(x)
        ),
        ExprKind::Binary(op, l, r) => format!("({} {} {})", op.as_str(), ex(l), ex(r)),
        ExprKind::If(c, a, b) => format!("(if {} {} {})", ex(c), ex(a), ex(b)),
        ExprKind::Call(n, args) => format!(
            "(call {} {})",
            n.name,
            args.iter()
                .map(|a| match &a.filter {
                    Some(f) => format!("{} where {}", ex(&a.value), ex(f)),
                    None => ex(&a.value),
                })
                .collect::<Vec<_>>()
                .join(" ")
        ),
        ExprKind::List(items) => {
            format!("[{}]", items.iter().map(ex).collect::<Vec<_>>().join(" "))
        }
    }
}

/// A function's parameters as the dump shows them: `(a: int, b: money)`, or nothing.
fn params(ps: Option<&[FnParam]>) -> String {
    ps.map(|ps| {
        let items: Vec<String> = ps
            .iter()
            .map(|p| format!("{}: {}", p.name.name, p.ty.name))
            .collect();
        format!("({})", items.join(", "))
    })
    .unwrap_or_default()
}
