//! Reforms without editing files: a policy with some params, or some directory cells, set to
//! other values ([`Policy::with_params`]), for what-if comparisons.
//!
//! An override is written `NAME=VALUE` (a param's value at every date), `NAME@DATE=VALUE`
//! (from that date on; earlier steps stay), or `DIR[KEY].COLUMN=VALUE` (one cell of a
//! directory; a key the directory lacks adds a row). `NAME` is the param's name or label.
//! The value is written as in a policy (`1.5亿`, `60%`, `2026-01-01`, `true`/`是`) and is
//! checked against the declared type. An overridden param step cites the override, so a
//! decision's `values` show where the value came from.

use chrono::NaiveDate;
use smol_str::SmolStr;

use crate::graph::Graph;
use crate::types::Type;
use crate::value::Const;
use crate::{ErrorReport, Policy, codes};

/// At most this many overrides at once (each is a scan of the params or a directory).
pub const MAX_OVERRIDES: usize = 1_000;

/// One override, parsed from `NAME=VALUE`, `NAME@DATE=VALUE` or `DIR[KEY].COLUMN=VALUE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Override {
    /// A param's value, at every date (`from: None`) or from a date on.
    Param {
        /// The param's name or label.
        name: String,
        /// The first day the value applies; `None`: every day the param has a value.
        from: Option<NaiveDate>,
        /// The value, as written in a policy.
        value: String,
    },
    /// One cell of a directory.
    Cell {
        /// The directory's name or label.
        directory: String,
        /// The row's key (a new key adds a row).
        key: String,
        /// The column's name or label.
        column: String,
        /// The value, as written in a policy.
        value: String,
    },
}

fn report(code: &str, message: String, help: Option<String>) -> ErrorReport {
    ErrorReport {
        code: code.to_string(),
        message,
        path: None,
        expected: None,
        outcome: None,
        help,
        ..Default::default()
    }
}

impl Override {
    /// Parses `NAME=VALUE`, `NAME@YYYY-MM-DD=VALUE` or `DIR[KEY].COLUMN=VALUE`.
    pub fn parse(spec: &str) -> Result<Override, ErrorReport> {
        let bad = |why: &str| {
            report(
                codes::OVERRIDE_SYNTAX,
                format!("`{}`: {why}", crate::visible(spec)),
                Some(
                    "write NAME=VALUE, NAME@YYYY-MM-DD=VALUE or DIRECTORY[KEY].COLUMN=VALUE"
                        .to_string(),
                ),
            )
        };
        let (target, value) = match spec.split_once('=') {
            Some((t, v)) if !t.trim().is_empty() && !v.trim().is_empty() => (t.trim(), v.trim()),
            _ => return Err(bad("an override is a name, `=`, and a value")),
        };
        if let Some(open) = target.find('[') {
            let close = target
                .rfind(']')
                .ok_or_else(|| bad("a `[` without its `]`"))?;
            let directory = target.get(..open).unwrap_or_default().trim();
            let key = target.get(open + 1..close).unwrap_or_default().trim();
            let column = target
                .get(close + 1..)
                .and_then(|c| c.trim().strip_prefix('.'))
                .ok_or_else(|| bad("a directory cell needs its column: DIRECTORY[KEY].COLUMN"))?
                .trim();
            if directory.is_empty() || key.is_empty() || column.is_empty() {
                return Err(bad("a directory cell is DIRECTORY[KEY].COLUMN"));
            }
            let key = key.trim_matches('"');
            return Ok(Override::Cell {
                directory: directory.to_string(),
                key: key.to_string(),
                column: column.to_string(),
                value: value.to_string(),
            });
        }
        let (name, from) = match target.split_once('@') {
            Some((n, d)) => {
                let d = crate::value::parse_date(d.trim())
                    .ok_or_else(|| bad("the date after `@` is not a date YYYY-MM-DD"))?;
                (n.trim(), Some(d))
            }
            None => (target, None),
        };
        Ok(Override::Param {
            name: name.to_string(),
            from,
            value: value.to_string(),
        })
    }

    /// How the override is written (and cited).
    pub fn spec(&self) -> String {
        match self {
            Override::Param {
                name,
                from: None,
                value,
            } => format!("{name}={value}"),
            Override::Param {
                name,
                from: Some(d),
                value,
            } => format!("{name}@{}={value}", d.format("%Y-%m-%d")),
            Override::Cell {
                directory,
                key,
                column,
                value,
            } => format!("{directory}[{key}].{column}={value}"),
        }
    }
}

/// Days from 0001-01-01 (CE day 1), as the graph counts dates.
fn day(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.num_days_from_ce()
}

/// `value` as a constant of type `ty`, written as in a policy.
fn constant(g: &Graph, ty: Type, value: &str, what: &str) -> Result<Const, ErrorReport> {
    let wrong = |expected: &str| {
        let mut e = report(
            codes::OVERRIDE_WRONG_TYPE,
            format!("{what} is {expected}; `{}` is not", crate::visible(value)),
            None,
        );
        e.expected = Some(expected.to_string());
        e
    };
    let number = || clausula_dsl::parse_number_literal(value.trim());
    match ty {
        Type::Money | Type::Number | Type::Scalar => {
            if value.trim_end().ends_with('%') {
                return Err(wrong("a number without `%`"));
            }
            number()
                .map(Const::Num)
                .ok_or_else(|| wrong("a number (`1.5亿`, `2000万`, `0.5`)"))
        }
        Type::Int => match number() {
            Some(d) if d.fract().is_zero() && !value.contains('%') => Ok(Const::Num(d)),
            _ => Err(wrong("a whole number")),
        },
        Type::Percent => {
            if !value.trim_end().ends_with('%') {
                return Err(wrong("a percent written with `%` (`60%`)"));
            }
            number()
                .map(Const::Num)
                .ok_or_else(|| wrong("a percent (`60%`)"))
        }
        Type::Date => crate::value::parse_date(value.trim())
            .map(|d| Const::Date(day(d)))
            .ok_or_else(|| wrong("a date YYYY-MM-DD")),
        Type::Days => {
            let t = value.trim();
            let t = t
                .strip_suffix("days")
                .or_else(|| t.strip_suffix('天'))
                .unwrap_or(t)
                .trim();
            t.parse::<i64>()
                .ok()
                .filter(|d| d.unsigned_abs() <= 3_652_059)
                .map(Const::Days)
                .ok_or_else(|| wrong("a number of days"))
        }
        Type::Bool => match value.trim() {
            "true" | "是" => Ok(Const::Bool(true)),
            "false" | "否" => Ok(Const::Bool(false)),
            _ => Err(wrong("true or false (是/否)")),
        },
        Type::Text | Type::Code => Ok(Const::Str(SmolStr::new(value.trim().trim_matches('"')))),
        Type::Enum(id) => {
            let e = g
                .enums
                .get(id as usize)
                .ok_or_else(|| wrong("an enum value"))?;
            let v = value.trim();
            e.variants
                .iter()
                .position(|(n, l)| n == v || l.as_deref() == Some(v))
                .and_then(|i| u32::try_from(i).ok())
                .map(Const::Enum)
                .ok_or_else(|| {
                    let names: Vec<&str> = e.variants.iter().map(|(n, _)| n.as_str()).collect();
                    let mut err = wrong(&format!("one of {}", names.join(", ")));
                    err.help = clausula_dsl::suggest::closest(v, &names)
                        .map(|c| format!("did you mean `{c}`?"));
                    err
                })
        }
        _ => Err(wrong("a kind of value overrides do not support")),
    }
}

/// The declared type of param `p`: read from a node that uses it (an unused param takes the
/// kind of its current value).
fn param_type(g: &Graph, p: u32) -> Option<Type> {
    g.nodes.iter().find_map(|n| match n.op {
        crate::graph::Op::Param(q) if q == p => Some(n.ty),
        _ => None,
    })
}

fn unknown(kind: &str, name: &str, candidates: &[&str]) -> ErrorReport {
    report(
        codes::OVERRIDE_UNKNOWN,
        format!("the policy has no {kind} `{}`", crate::visible(name)),
        clausula_dsl::suggest::closest(name, candidates).map(|c| format!("did you mean `{c}`?")),
    )
}

fn apply(g: &mut Graph, o: &Override) -> Result<(), ErrorReport> {
    let cite = Some(format!("what-if: {}", o.spec()));
    match o {
        Override::Param { name, from, value } => {
            let p = g
                .params
                .iter()
                .position(|p| &p.name == name || p.label.as_deref() == Some(name.as_str()))
                .ok_or_else(|| {
                    let names: Vec<&str> = g.params.iter().map(|p| p.name.as_str()).collect();
                    unknown("param", name, &names)
                })?;
            let pid = u32::try_from(p).unwrap_or(u32::MAX);
            let steps = g.params.get(p).map(|x| x.steps.clone()).unwrap_or_default();
            let current = steps
                .first()
                .and_then(|(_, c, _)| g.consts.get(*c as usize));
            let ty = param_type(g, pid).unwrap_or(match current {
                Some(Const::Bool(_)) => Type::Bool,
                Some(Const::Date(_)) => Type::Date,
                Some(Const::Days(_)) => Type::Days,
                Some(Const::Str(_)) => Type::Text,
                _ => Type::Number,
            });
            let c = constant(g, ty, value, &format!("param `{name}`"))?;
            let at = u32::try_from(g.consts.len()).map_err(|_| {
                report(
                    codes::OVERRIDE_SYNTAX,
                    "too many constants".to_string(),
                    None,
                )
            })?;
            g.consts.push(c);
            let first_day = steps.first().map_or(i32::MIN, |(d, _, _)| *d);
            let new_steps = match from {
                None => vec![(first_day, at, cite)],
                Some(d) => {
                    let d = day(*d);
                    let mut kept: Vec<_> = steps.into_iter().filter(|(s, _, _)| *s < d).collect();
                    kept.push((d, at, cite));
                    kept
                }
            };
            if let Some(param) = g.params.get_mut(p) {
                param.steps = new_steps;
            }
            Ok(())
        }
        Override::Cell {
            directory,
            key,
            column,
            value,
        } => {
            let di = g
                .directories
                .iter()
                .position(|d| {
                    &d.name == directory || d.label.as_deref() == Some(directory.as_str())
                })
                .ok_or_else(|| {
                    let names: Vec<&str> = g.directories.iter().map(|d| d.name.as_str()).collect();
                    unknown("directory", directory, &names)
                })?;
            let d = g
                .directories
                .get(di)
                .ok_or_else(|| unknown("directory", directory, &[]))?;
            let ci = d
                .columns
                .iter()
                .position(|(n, l, _)| n == column || l.as_deref() == Some(column.as_str()))
                .ok_or_else(|| {
                    let names: Vec<&str> = d.columns.iter().map(|(n, _, _)| n.as_str()).collect();
                    unknown(&format!("column in directory `{}`", d.name), column, &names)
                })?;
            let ty = d.columns.get(ci).map_or(Type::Text, |(_, _, t)| *t);
            let c = constant(g, ty, value, &format!("column `{column}` of `{directory}`"))?;
            // The key in the directory's canonical text (R8), and its int or enum value.
            let bad_key = |what: &str| {
                report(
                    codes::OVERRIDE_SYNTAX,
                    format!("directory `{}` is keyed by {what}, not `{key}`", d.name),
                    None,
                )
            };
            let (key, typed) = match d.key_ty {
                Type::Int => {
                    let digits: String = key.chars().filter(|c| *c != '_').collect();
                    let n = digits.parse::<i64>().map_err(|_| bad_key("int"))?;
                    (n.to_string(), Some(n))
                }
                Type::Enum(id) => {
                    let v = g
                        .enums
                        .get(id as usize)
                        .and_then(|e| e.variants.iter().position(|(n, _)| n == key))
                        .ok_or_else(|| bad_key("an enum's value names"))?;
                    (key.clone(), i64::try_from(v).ok())
                }
                _ => (key.clone(), None),
            };
            let key = &key;
            let Some(d) = g.directories.get_mut(di) else {
                return Ok(());
            };
            let ncols = d.columns.len();
            let row = match d.index.get(key.as_str()) {
                Some(r) => *r as usize,
                None => {
                    // A new row, added to the index in place (no rebuild per override).
                    let Ok(at) = u32::try_from(d.keys.len()) else {
                        return Err(report(
                            codes::OVERRIDE_SYNTAX,
                            format!("directory `{}` cannot take another row", d.name),
                            None,
                        ));
                    };
                    d.keys.push(SmolStr::new(key));
                    d.cells.extend(std::iter::repeat_n(None, ncols));
                    d.index.insert(SmolStr::new(key), at);
                    match (d.key_ty, typed) {
                        (Type::Int, Some(n)) => {
                            d.ints.insert(n, at);
                        }
                        (Type::Enum(_), Some(v)) => {
                            if let Some(slot) =
                                usize::try_from(v).ok().and_then(|v| d.variants.get_mut(v))
                            {
                                *slot = at;
                            }
                        }
                        _ => {}
                    }
                    if let Err(pos) = d.key_lens.binary_search(&key.len()) {
                        d.key_lens.insert(pos, key.len());
                    }
                    at as usize
                }
            };
            if let Some(cell) = row
                .checked_mul(ncols)
                .and_then(|at| at.checked_add(ci))
                .and_then(|at| d.cells.get_mut(at))
            {
                *cell = Some(c);
            }
            Ok(())
        }
    }
}

impl Policy {
    /// This policy with params or directory cells overridden (see the module's
    /// documentation for the forms). Every override is checked (the name exists, the value
    /// has the declared type); all problems are reported at once and nothing is applied
    /// when there is one. The facts of this policy are facts of the result (the inputs are
    /// the same); its `example` blocks are not carried over.
    pub fn with_params(&self, overrides: &[Override]) -> Result<Policy, Vec<ErrorReport>> {
        if overrides.len() > MAX_OVERRIDES {
            return Err(vec![report(
                codes::OVERRIDE_SYNTAX,
                format!(
                    "{} overrides; at most {MAX_OVERRIDES} at once",
                    overrides.len()
                ),
                None,
            )]);
        }
        let mut g = self.graph().clone();
        let errors: Vec<ErrorReport> = overrides
            .iter()
            .filter_map(|o| apply(&mut g, o).err())
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Policy::from_graph(g))
    }
}
