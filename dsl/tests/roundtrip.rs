//! Property tests: a generated syntax tree prints to text that parses back to the same tree
//! (modulo spans), and the formatter is idempotent on that text.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use chrono::NaiveDate;
use clausula_dsl::ast::*;
use clausula_dsl::{RESERVED, Span};
use proptest::prelude::*;

const CASES: u32 = 1000;

fn sp() -> Span {
    Span::default()
}

fn ident() -> impl Strategy<Value = Ident> {
    prop_oneof![
        4 => "[a-z_][a-z0-9_]{0,8}",
        1 => prop::sample::select(vec!["目录", "研发强度", "申报单位", "支持目录_2", "企业"]).prop_map(String::from),
    ]
    .prop_filter("reserved", |s| !RESERVED.contains(&s.as_str()))
    .prop_map(|name| Ident { name, span: sp() })
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        "[\\u{4e00}-\\u{4e80}（）：，]{0,8}",
        "[\"\\\\/\\n\\t a-z]{0,10}",
        any::<String>().prop_map(|s| s.replace('\0', "")),
    ]
}

fn strlit() -> impl Strategy<Value = StrLit> {
    text().prop_map(|value| StrLit { value, span: sp() })
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (1000i32..=9980, 1u32..=12, 1u32..=28)
        .prop_map(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn datelit() -> impl Strategy<Value = DateLit> {
    date().prop_map(|value| DateLit { value, span: sp() })
}

/// A number literal written some way, with the value the parser gives it.
fn number_text() -> impl Strategy<Value = String> {
    (
        0u64..10_000_000,
        prop::option::of(0u32..1000),
        prop::sample::select(vec!["", "%", "万", "亿"]),
        any::<bool>(),
    )
        .prop_map(|(int, frac, suffix, underscores)| {
            let mut digits = int.to_string();
            if underscores && digits.len() > 3 {
                digits.insert(digits.len() - 3, '_');
            }
            match frac {
                Some(f) => format!("{digits}.{f}{suffix}"),
                None => format!("{digits}{suffix}"),
            }
        })
}

fn number() -> impl Strategy<Value = NumberLit> {
    number_text().prop_map(|t| match clausula_dsl::parse_expr(&t).unwrap().kind {
        ExprKind::Number(n) => n,
        other => panic!("{t} parsed as {other:?}"),
    })
}

/// A range bound as written, with the expression the parser gives it.
fn bound() -> impl Strategy<Value = (String, Expr)> {
    prop_oneof![
        (number(), any::<bool>()).prop_map(|(n, negative)| {
            let text = if negative {
                format!("-{}", n.text)
            } else {
                n.text.clone()
            };
            let num = e(ExprKind::Number(n));
            let x = if negative {
                e(ExprKind::Unary(UnaryOp::Neg, Box::new(num)))
            } else {
                num
            };
            (text, x)
        }),
        date().prop_map(|d| (d.to_string(), e(ExprKind::Date(d)))),
    ]
}

/// `in LOW..HIGH` with either bound left out (both only in fixtures: it does not check).
fn range() -> impl Strategy<Value = RangeDecl> {
    (prop::option::of(bound()), prop::option::of(bound())).prop_map(|(low, high)| {
        let text = |b: &Option<(String, Expr)>| b.as_ref().map_or(String::new(), |b| b.0.clone());
        RangeDecl {
            text: format!("{}..{}", text(&low), text(&high)),
            low: low.map(|b| b.1),
            high: high.map(|b| b.1),
            span: sp(),
        }
    })
}

fn e(kind: ExprKind) -> Expr {
    Expr { kind, span: sp() }
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        number().prop_map(|n| e(ExprKind::Number(n))),
        text().prop_map(|s| e(ExprKind::Str(s))),
        any::<bool>().prop_map(|b| e(ExprKind::Bool(b))),
        date().prop_map(|d| e(ExprKind::Date(d))),
        (
            0i64..5000,
            prop::sample::select(vec![
                DurationUnit::Days,
                DurationUnit::Weeks,
                DurationUnit::Months,
                DurationUnit::Years
            ])
        )
            .prop_map(|(count, unit)| e(ExprKind::Duration(DurationLit { count, unit }))),
        Just(e(ExprKind::AsOf)),
        ident().prop_map(|i| e(ExprKind::Name(i.name))),
    ]
}

fn binop() -> impl Strategy<Value = BinaryOp> {
    prop::sample::select(vec![
        BinaryOp::Or,
        BinaryOp::And,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::In,
        BinaryOp::NotIn,
        BinaryOp::Within,
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Range,
    ])
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 48, 4, |inner| {
        prop_oneof![
            (inner.clone(), ident()).prop_map(|(b, f)| e(ExprKind::Field(Box::new(b), f))),
            (inner.clone(), inner.clone())
                .prop_map(|(b, i)| e(ExprKind::Index(Box::new(b), Box::new(i)))),
            (
                prop::sample::select(vec![UnaryOp::Not, UnaryOp::Neg]),
                inner.clone()
            )
                .prop_map(|(op, x)| e(ExprKind::Unary(op, Box::new(x)))),
            (binop(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| e(ExprKind::Binary(
                op,
                Box::new(l),
                Box::new(r)
            ))),
            (binop(), inner.clone(), inner.clone()).prop_map(|(op, l, r)| e(ExprKind::Binary(
                op,
                Box::new(l),
                Box::new(r)
            ))),
            (inner.clone(), inner.clone(), inner.clone()).prop_map(|(c, a, b)| e(ExprKind::If(
                Box::new(c),
                Box::new(a),
                Box::new(b)
            ))),
            (
                ident(),
                prop::option::of(ident()),
                prop::collection::vec((inner.clone(), prop::option::of(inner.clone())), 0..3)
            )
                .prop_map(|(name, member, args)| {
                    // `hnte.f(x)`: a qualified call is one dotted name.
                    let name = match member {
                        Some(m) => Ident {
                            name: format!("{}.{}", name.name, m.name),
                            span: sp(),
                        },
                        None => name,
                    };
                    let args = args
                        .into_iter()
                        .map(|(value, filter)| Arg {
                            value,
                            filter,
                            span: sp(),
                        })
                        .collect();
                    e(ExprKind::Call(name, args))
                }),
            prop::collection::vec(inner, 0..3).prop_map(|items| e(ExprKind::List(items))),
        ]
    })
}

fn type_expr() -> impl Strategy<Value = TypeExpr> {
    prop_oneof![
        3 => prop::sample::select(vec!["bool", "int", "number", "money", "percent", "date", "text", "code"])
            .prop_map(|n| TypeExpr::Named(Ident { name: n.to_string(), span: sp() })),
        1 => prop::collection::vec((ident(), prop::option::of(strlit())), 1..4).prop_map(|vs| TypeExpr::Enum {
            variants: vs.into_iter().map(|(name, label)| Variant { name, label, span: sp() }).collect(),
            span: sp(),
        }),
    ]
}

fn data_number() -> impl Strategy<Value = DataNumber> {
    (any::<bool>(), number()).prop_map(|(neg, n)| DataNumber {
        value: if neg { -n.value } else { n.value },
        text: if neg { format!("-{}", n.text) } else { n.text },
        span: sp(),
    })
}

/// A scalar of example data (what `expect … value KEY = V` takes).
fn data_leaf() -> impl Strategy<Value = DataValue> {
    prop_oneof![
        Just(DataValue::Null(sp())),
        any::<bool>().prop_map(|b| DataValue::Bool(b, sp())),
        data_number().prop_map(DataValue::Number),
        strlit().prop_map(DataValue::Str),
        datelit().prop_map(DataValue::Date),
    ]
}

fn data() -> impl Strategy<Value = DataValue> {
    data_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(|v| DataValue::Array(v, sp())),
            prop::collection::vec((strlit(), inner), 0..4).prop_map(|v| DataValue::Object(v, sp())),
        ]
    })
}

/// `(p: TYPE, …)` or none.
fn fn_params() -> impl Strategy<Value = Option<Vec<FnParam>>> {
    prop::option::of(prop::collection::vec(
        (ident(), ident()).prop_map(|(name, ty)| FnParam { name, ty }),
        0..3,
    ))
}

fn requirement() -> impl Strategy<Value = Requirement> {
    (
        expr(),
        prop::option::of(expr()),
        strlit(),
        prop::option::of(strlit()),
        prop::option::of(ident()),
    )
        .prop_map(|(condition, guard, message, cite, id)| Requirement {
            condition,
            guard,
            message,
            cite,
            id,
            span: sp(),
        })
}

fn row() -> impl Strategy<Value = TableRow> {
    (prop::option::of(expr()), expr()).prop_map(|(condition, value)| TableRow {
        condition,
        value,
        span: sp(),
    })
}

fn item() -> impl Strategy<Value = Item> {
    let lab = || prop::option::of(strlit());
    prop_oneof![
        (
            ident(),
            lab(),
            prop::collection::vec((ident(), prop::option::of(strlit())), 1..4)
        )
            .prop_map(|(name, label, vs)| Item::Enum(EnumDecl {
                name,
                label,
                variants: vs
                    .into_iter()
                    .map(|(name, label)| Variant {
                        name,
                        label,
                        span: sp()
                    })
                    .collect(),
                span: sp(),
            })),
        (
            ident(),
            lab(),
            lab(),
            prop::option::of((datelit(), prop::option::of(0u32..5000)))
        )
            .prop_map(|(name, title, source, eff)| Item::Policy(PolicyDecl {
                name,
                title,
                source,
                effective: eff.map(|(from, days)| Effective {
                    to: days.map(|d| DateLit {
                        value: from.value + chrono::Days::new(u64::from(d)),
                        span: sp()
                    }),
                    from,
                    span: sp(),
                }),
                span: sp(),
            })),
        (strlit(), prop::option::of(ident())).prop_map(|(path, alias)| Item::Import(ImportDecl {
            path,
            alias,
            span: sp()
        })),
        (
            ident(),
            any::<bool>(),
            lab(),
            prop::collection::vec(
                (
                    ident(),
                    type_expr(),
                    prop::option::of(range()),
                    prop::option::of(expr()),
                    lab()
                ),
                0..4
            )
        )
            .prop_map(|(name, is_list, label, fields)| Item::Input(InputDecl {
                name,
                is_list,
                label,
                fields: fields
                    .into_iter()
                    .map(|(name, ty, range, default, label)| FieldDecl {
                        name,
                        ty,
                        range,
                        default,
                        label,
                        span: sp()
                    })
                    .collect(),
                span: sp(),
            })),
        (
            ident(),
            lab(),
            type_expr(),
            prop::collection::vec((datelit(), expr(), lab()), 1..3)
        )
            .prop_map(|(name, label, ty, steps)| Item::Param(ParamDecl {
                name,
                label,
                ty,
                steps: steps
                    .into_iter()
                    .map(|(from, value, cite)| ParamStep {
                        from,
                        value,
                        cite,
                        span: sp()
                    })
                    .collect(),
                span: sp(),
            })),
        (
            prop::option::of(ident()),
            ident(),
            fn_params(),
            lab(),
            prop::option::of(prop_oneof![Just("percent"), Just("number")]),
            expr()
        )
            .prop_map(
                |(list, name, params, label, ty, value)| Item::Rule(RuleDecl {
                    list,
                    name,
                    params,
                    label,
                    ty: ty.map(|t| TypeExpr::Named(Ident {
                        name: t.to_string(),
                        span: sp()
                    })),
                    value,
                    span: sp()
                })
            ),
        (
            ident(),
            fn_params(),
            lab(),
            prop::sample::select(vec![
                HitPolicy::First,
                HitPolicy::Unique,
                HitPolicy::Collect(CollectAgg::Sum),
                HitPolicy::Collect(CollectAgg::Count)
            ]),
            prop_oneof![
                prop::collection::vec(row(), 0..4).prop_map(TableBody::Rows),
                prop::collection::vec((datelit(), lab(), prop::collection::vec(row(), 0..3)), 1..3)
                    .prop_map(|vs| TableBody::Versions(
                        vs.into_iter()
                            .map(|(from, cite, rows)| TableVersion {
                                from,
                                cite,
                                rows,
                                span: sp()
                            })
                            .collect()
                    )),
            ]
        )
            .prop_map(|(name, params, label, hit, body)| Item::Table(TableDecl {
                name,
                params,
                label,
                hit,
                body,
                span: sp()
            })),
        (
            ident(),
            lab(),
            ident(),
            prop::option::of(type_expr()),
            lab(),
            prop::collection::vec((ident(), type_expr(), lab()), 0..3),
            prop::collection::vec(
                (
                    prop_oneof![
                        strlit().prop_map(|k| (k, false)),
                        ident().prop_map(|i| (
                            StrLit {
                                value: i.name,
                                span: sp()
                            },
                            true
                        )),
                        (-99_999i64..99_999).prop_map(|n| (
                            StrLit {
                                value: n.to_string(),
                                span: sp()
                            },
                            true
                        )),
                    ],
                    prop::collection::vec((ident(), expr()), 0..3)
                ),
                0..3
            )
        )
            .prop_map(|(name, label, key, key_type, source, columns, rows)| {
                Item::Directory(DirectoryDecl {
                    name,
                    label,
                    key,
                    key_type,
                    source,
                    columns: columns
                        .into_iter()
                        .map(|(name, ty, label)| ColumnDecl {
                            name,
                            ty,
                            label,
                            span: sp(),
                        })
                        .collect(),
                    rows: rows
                        .into_iter()
                        .map(|((key, bare), cells)| DirRow {
                            key,
                            bare,
                            cells: cells
                                .into_iter()
                                .map(|(column, value)| DirCell {
                                    column,
                                    value,
                                    span: sp(),
                                })
                                .collect(),
                            span: sp(),
                        })
                        .collect(),
                    span: sp(),
                })
            }),
        (
            ident(),
            lab(),
            prop::collection::vec(
                prop_oneof![
                    requirement().prop_map(OutcomeItem::Require),
                    requirement().prop_map(OutcomeItem::Unless),
                    (ident(), lab(), expr()).prop_map(|(name, label, value)| OutcomeItem::Amount(
                        AmountDecl {
                            name,
                            label,
                            value,
                            span: sp()
                        }
                    )),
                ],
                0..4
            )
        )
            .prop_map(|(name, label, items)| Item::Outcome(OutcomeDecl {
                name,
                label,
                items,
                span: sp()
            })),
        (
            strlit(),
            datelit(),
            prop::collection::vec((strlit(), data()), 0..4),
            prop::collection::vec(
                prop_oneof![
                    strlit().prop_map(|code| Expectation::Error { code, span: sp() }),
                    (
                        ident(),
                        prop::sample::select(vec![
                            ExpectedStatus::Eligible,
                            ExpectedStatus::Ineligible,
                            ExpectedStatus::Undetermined
                        ]),
                        prop::collection::vec((ident(), data_number()), 0..3),
                        prop::collection::vec((ident(), strlit()), 0..2),
                        prop::collection::vec((strlit(), data_leaf()), 0..2),
                        prop::option::of(prop::collection::vec(strlit(), 0..3))
                    )
                        .prop_map(
                            |(outcome, status, amounts, amount_errors, values, missing)| {
                                Expectation::Outcome {
                                    outcome,
                                    status,
                                    amounts,
                                    amount_errors,
                                    values,
                                    missing,
                                    span: sp(),
                                }
                            }
                        ),
                ],
                0..3
            )
        )
            .prop_map(|(name, as_of, given, expects)| Item::Example(ExampleDecl {
                name,
                as_of,
                given: DataValue::Object(given, sp()),
                expects,
                span: sp(),
            })),
    ]
}

fn file() -> impl Strategy<Value = SourceFile> {
    prop::collection::vec(item(), 0..6).prop_map(|items| SourceFile {
        items,
        comments: vec![],
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn printed_expressions_parse_back(x in expr()) {
        let text = clausula_dsl::print_expr(&x);
        let parsed = clausula_dsl::parse_expr(&text).map_err(|e| TestCaseError::fail(format!("{text}\n{e}")))?;
        prop_assert_eq!(parsed.without_spans(), x, "text: {}", text);
    }

    #[test]
    fn printed_files_parse_back_and_format_idempotently(f in file()) {
        let text = clausula_dsl::print(&f);
        let parsed = clausula_dsl::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}\n{e}")))?;
        prop_assert_eq!(parsed.without_spans(), f, "text:\n{}", text);
        let formatted = clausula_dsl::format(&text).unwrap();
        prop_assert_eq!(&formatted, &text, "the printer's output is not canonical");
        prop_assert_eq!(clausula_dsl::format(&formatted).unwrap(), formatted);
    }
}
