//! `example` blocks: their facts as JSON (remembering where each fact is written, so a bad
//! fact gets a diagnostic at the right place) and what they expect.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use clausula_dsl::ast::{self, DataValue, ExpectedStatus};
use clausula_dsl::{Diagnostic, FileId, Span};
use rust_decimal::Decimal;

use crate::codes;
use crate::facts::Json;
use crate::ir::Program;

/// A checked example.
#[derive(Clone, Debug)]
pub(crate) struct Example {
    pub(crate) name: String,
    pub(crate) as_of: NaiveDate,
    pub(crate) given: Json<'static>,
    /// Fact path (`project.category`, `equipment[0].price`) to where it is written.
    pub(crate) spans: HashMap<String, Span>,
    pub(crate) expects: Vec<Expect>,
    pub(crate) file: FileId,
    pub(crate) span: Span,
}

/// One `expect` line.
#[derive(Clone, Debug)]
pub(crate) enum Expect {
    Outcome {
        outcome: String,
        status: ExpectedStatus,
        amounts: Vec<(String, Decimal, String)>,
        /// `NAME error "code"`.
        amount_errors: Vec<(String, String)>,
        /// `value KEY = V`.
        values: Vec<(String, Expected)>,
        missing: Option<Vec<String>>,
    },
    Error {
        code: String,
    },
}

/// The value a `value KEY = V` expectation wants, compared with the entry's value text.
#[derive(Clone, Debug)]
pub(crate) enum Expected {
    /// `null`: the entry has no value (unknown or an error).
    None,
    /// A number (compared exactly, whatever its scale: `0.50` is `0.5`), with its text.
    Number(Decimal, String),
    /// A bool, a date or a string, as the entry's value text writes it.
    Text(String),
}

impl Expected {
    fn of(v: &DataValue) -> Option<Expected> {
        Some(match v {
            DataValue::Null(_) => Expected::None,
            DataValue::Number(n) => Expected::Number(n.value, n.text.clone()),
            DataValue::Bool(b, _) => Expected::Text(b.to_string()),
            DataValue::Date(d) => Expected::Text(d.value.format("%Y-%m-%d").to_string()),
            DataValue::Str(s) => Expected::Text(s.value.clone()),
            DataValue::Array(..) | DataValue::Object(..) => return None,
        })
    }

    /// Whether an entry's value (its canonical text, `None` when it has none) is this one.
    pub(crate) fn matches(&self, got: Option<&str>) -> bool {
        match (self, got) {
            (Expected::None, None) => true,
            (Expected::Number(want, _), Some(g)) => {
                Decimal::from_str_exact(g).is_ok_and(|g| g == *want)
            }
            (Expected::Text(want), Some(g)) => want == g,
            _ => false,
        }
    }

    /// As written in the example.
    pub(crate) fn text(&self) -> String {
        match self {
            Expected::None => "null".to_string(),
            Expected::Number(_, t) => t.clone(),
            Expected::Text(t) => format!("{t:?}"),
        }
    }
}

pub(super) fn check_examples(
    program: &Program,
    examples: &[(FileId, &ast::ExampleDecl)],
    diags: &mut Vec<Diagnostic>,
) -> Vec<Example> {
    let mut out = Vec::new();
    for (file, ex) in examples {
        let mut spans = HashMap::new();
        let given = to_json(&ex.given, "", &mut spans, *file, diags);
        let mut expects = Vec::new();
        for e in &ex.expects {
            match e {
                ast::Expectation::Error { code, .. } => expects.push(Expect::Error {
                    code: code.value.clone(),
                }),
                ast::Expectation::Outcome {
                    outcome,
                    status,
                    amounts,
                    amount_errors,
                    values,
                    missing,
                    ..
                } => {
                    let Some(o) = program.outcomes.iter().find(|o| o.name == outcome.name) else {
                        let names: Vec<&str> =
                            program.outcomes.iter().map(|o| o.name.as_str()).collect();
                        diags.push(clausula_dsl::suggest::with_suggestion(
                            Diagnostic::error(
                                codes::UNKNOWN_OUTCOME,
                                outcome.span,
                                format!("there is no outcome `{}`", outcome.name),
                            )
                            .in_file(*file),
                            &outcome.name,
                            &names,
                            "",
                        ));
                        continue;
                    };
                    let named = amounts
                        .iter()
                        .map(|(n, _)| n)
                        .chain(amount_errors.iter().map(|(n, _)| n));
                    for name in named {
                        if !o.amounts.iter().any(|a| a.name == name.name) {
                            let names: Vec<&str> =
                                o.amounts.iter().map(|a| a.name.as_str()).collect();
                            diags.push(clausula_dsl::suggest::with_suggestion(
                                Diagnostic::error(
                                    codes::UNKNOWN_OUTCOME,
                                    name.span,
                                    format!("outcome `{}` has no amount `{}`", o.name, name.name),
                                )
                                .in_file(*file),
                                &name.name,
                                &names,
                                "",
                            ));
                        }
                    }
                    expects.push(Expect::Outcome {
                        outcome: outcome.name.clone(),
                        status: *status,
                        amounts: amounts
                            .iter()
                            .map(|(n, v)| (n.name.clone(), v.value, v.text.clone()))
                            .collect(),
                        amount_errors: amount_errors
                            .iter()
                            .map(|(n, c)| (n.name.clone(), c.value.clone()))
                            .collect(),
                        values: values
                            .iter()
                            .filter_map(|(k, v)| Some((k.value.clone(), Expected::of(v)?)))
                            .collect(),
                        missing: missing
                            .as_ref()
                            .map(|m| m.iter().map(|s| s.value.clone()).collect()),
                    });
                }
            }
        }
        out.push(Example {
            name: ex.name.value.clone(),
            as_of: ex.as_of.value,
            given,
            spans,
            expects,
            file: *file,
            span: ex.span,
        });
    }
    out
}

fn to_json(
    v: &DataValue,
    path: &str,
    spans: &mut HashMap<String, Span>,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Json<'static> {
    if !path.is_empty() {
        spans.insert(path.to_string(), v.span());
    }
    match v {
        DataValue::Null(_) => Json::Null,
        DataValue::Bool(b, _) => Json::Bool(*b),
        // The literal's exact value, as number text.
        DataValue::Number(n) => Json::Num(Cow::Owned(n.value.to_string())),
        DataValue::Str(s) => Json::Str(Cow::Owned(s.value.clone())),
        DataValue::Date(d) => Json::Str(Cow::Owned(d.value.format("%Y-%m-%d").to_string())),
        DataValue::Array(items, _) => Json::Arr(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to_json(item, &format!("{path}[{i}]"), spans, file, diags))
                .collect(),
        ),
        DataValue::Object(entries, _) => {
            let mut members: Vec<(Cow<'static, str>, Json<'static>)> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            for (k, val) in entries {
                if !seen.insert(k.value.as_str()) {
                    diags.push(
                        Diagnostic::error(
                            codes::INVALID_EXAMPLE,
                            k.span,
                            format!("`{}` is given twice", k.value),
                        )
                        .in_file(file),
                    );
                    continue;
                }
                let child = if path.is_empty() {
                    k.value.clone()
                } else {
                    format!("{path}.{}", k.value)
                };
                let value = to_json(val, &child, spans, file, diags);
                members.push((Cow::Owned(k.value.clone()), value));
            }
            Json::Obj(members)
        }
    }
}
