//! The input schema of a policy, for building forms and validating payloads.

use serde::Serialize;

use crate::graph::{DirG, FactRef, Graph, Op};
use crate::types::Type;

/// A policy's inputs: what facts it reads, with labels, types and choices.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Schema {
    /// The policy's name.
    pub policy: String,
    /// Its title.
    pub title: Option<String>,
    /// Entities, in declaration order.
    pub inputs: Vec<InputInfo>,
    /// Outcomes, in declaration order.
    pub outcomes: Vec<OutcomeInfo>,
}

/// One input entity.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct InputInfo {
    /// The entity name (first segment of fact paths).
    pub name: String,
    /// Its label.
    pub label: Option<String>,
    /// Whether it is a list of records.
    pub list: bool,
    /// Its fields.
    pub fields: Vec<FieldInfo>,
}

/// One field.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct FieldInfo {
    /// Fact path: `project.total_investment`, or `equipment[].price` for list items.
    pub path: String,
    /// Field name.
    pub name: String,
    /// Label shown to users.
    pub label: Option<String>,
    /// `bool`, `int`, `number`, `money`, `percent`, `date`, `text`, `code` or `enum`.
    #[serde(rename = "type")]
    #[cfg_attr(
        feature = "tsify",
        tsify(
            type = "\"bool\" | \"int\" | \"number\" | \"money\" | \"percent\" | \"date\" | \"text\" | \"code\" | \"enum\""
        )
    )]
    pub ty: String,
    /// For enums, the allowed values with their labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    /// For a code looked up in a directory: the directory's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub directory: Option<String>,
    /// For a code looked up in a small directory (at most [`MAX_SUGGESTIONS`] rows): its
    /// keys, labelled with the row's first text column, for a form's drop-down.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub suggestions: Option<Vec<Choice>>,
    /// The value used when the fact is absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(type = "string | boolean", optional))]
    pub default: Option<serde_json::Value>,
    /// The least value allowed (`in LOW..HIGH`): a decimal string (a percent as its
    /// fraction) or a date; a fact below it is `facts/out-of-range`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub min: Option<String>,
    /// The greatest value allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max: Option<String>,
    /// Outcomes whose decision this field can affect.
    pub outcomes: Vec<String>,
}

/// An enum value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Choice {
    /// The value written in facts.
    pub value: String,
    /// Its label.
    pub label: Option<String>,
}

/// A decimal string as facts JSON accepts it (no separators), with `万` or `亿` as the
/// language writes them.
const DECIMAL_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?(万|亿)?$";
/// A percent string: a decimal followed by `%`.
const PERCENT_PATTERN: &str = "^-?[0-9]+(\\.[0-9]+)?%$";
/// A date: `YYYY-MM-DD`.
const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

/// `{"const": value, "title": label}` per choice: how JSON Schema form libraries show named
/// values.
fn one_of(choices: &[Choice]) -> serde_json::Value {
    serde_json::Value::Array(
        choices
            .iter()
            .map(|c| {
                let mut m = serde_json::Map::new();
                m.insert("const".into(), c.value.clone().into());
                if let Some(l) = &c.label {
                    m.insert("title".into(), l.clone().into());
                }
                serde_json::Value::Object(m)
            })
            .collect(),
    )
}

/// The JSON Schema of one field's value. Every value may also be `null` (not given).
fn field_schema(f: &FieldInfo) -> serde_json::Value {
    use serde_json::json;
    let mut v = match f.ty.as_str() {
        "bool" => json!({"type": ["boolean", "null"]}),
        "int" => json!({"type": ["integer", "null"]}),
        "number" | "money" => json!({"anyOf": [
            {"type": "number"},
            {"type": "string", "pattern": DECIMAL_PATTERN},
            {"type": "null"}
        ]}),
        "percent" => json!({"anyOf": [
            {"type": "number"},
            {"type": "string", "pattern": PERCENT_PATTERN},
            {"type": "null"}
        ]}),
        "date" => json!({"type": ["string", "null"], "format": "date", "pattern": DATE_PATTERN}),
        "enum" => {
            let mut options = f
                .choices
                .as_deref()
                .map(one_of)
                .unwrap_or_else(|| json!([]));
            if let Some(a) = options.as_array_mut() {
                a.push(json!({"type": "null"}));
            }
            json!({"oneOf": options})
        }
        // A code looked up in a directory is any string for the schema, as for the engine:
        // a code outside the directory is a valid fact (the line that asks for membership
        // fails), and codes are often hierarchical (`within`: 8457 covers 84571000). A small
        // directory's keys come as `examples` and, named, as `x-clausula-choices`, for a
        // form's drop-down.
        "code" => match &f.suggestions {
            Some(s) => json!({
                "type": ["string", "null"],
                "examples": s.iter().map(|c| c.value.clone()).collect::<Vec<_>>(),
                "x-clausula-choices": s,
            }),
            None => json!({"type": ["string", "null"]}),
        },
        _ => json!({"type": ["string", "null"]}),
    };
    if let Some(o) = v.as_object_mut() {
        if let Some(l) = &f.label {
            o.insert("title".into(), l.clone().into());
        }
        if let Some(d) = &f.default {
            // An int's default as the integer the schema's type asks for.
            let d = match (f.ty.as_str(), d.as_str().map(str::parse::<i64>)) {
                ("int", Some(Ok(i))) => serde_json::Value::from(i),
                _ => d.clone(),
            };
            o.insert("default".into(), d);
        }
        o.insert("x-clausula-type".into(), f.ty.clone().into());
        // A declared range bounds the number forms (a decimal string is checked by the engine).
        let limits = [("minimum", &f.min), ("maximum", &f.max)];
        for (key, b) in limits {
            let Some(n) = b
                .as_deref()
                .and_then(|b| b.parse::<serde_json::Number>().ok())
            else {
                continue;
            };
            match o.get_mut("anyOf").and_then(|a| a.as_array_mut()) {
                Some(branches) => {
                    for br in branches.iter_mut().filter(|b| b["type"] == "number") {
                        if let Some(bo) = br.as_object_mut() {
                            bo.insert(key.into(), n.clone().into());
                        }
                    }
                }
                None => {
                    o.insert(key.into(), n.into());
                }
            }
        }
        if let Some(d) = &f.directory {
            o.insert("x-clausula-directory".into(), d.clone().into());
        }
    }
    v
}

impl Schema {
    /// The facts a policy reads as a JSON Schema (draft 2020-12), for the form libraries that
    /// read one (react-jsonschema-form, JSON Forms, AJV): labels as `title`s, enum values as
    /// `oneOf` of named `const`s, a small directory's codes as `examples` (any code is a
    /// valid fact: membership is the policy's to decide), defaults, and the exact JSON
    /// the engine accepts for each type (money as a number or a decimal string, a percent as
    /// a fraction or a string with `%`, dates as `YYYY-MM-DD`). Every fact may be `null` (not
    /// given); undeclared inputs and fields are refused (`additionalProperties: false`), as
    /// the engine refuses them. `x-clausula-type` keeps the policy's own type.
    pub fn json_schema(&self) -> serde_json::Value {
        use serde_json::json;
        let mut properties = serde_json::Map::new();
        for i in &self.inputs {
            let mut fields = serde_json::Map::new();
            for f in &i.fields {
                fields.insert(f.name.clone(), field_schema(f));
            }
            let record = json!({
                "type": "object",
                "properties": fields,
                "additionalProperties": false,
            });
            let mut entity = if i.list {
                json!({
                    "type": ["array", "null"],
                    "items": record,
                    "maxItems": crate::MAX_LIST_ITEMS,
                })
            } else {
                let mut r = record;
                if let Some(o) = r.as_object_mut() {
                    o.insert("type".into(), json!(["object", "null"]));
                }
                r
            };
            if let (Some(o), Some(l)) = (entity.as_object_mut(), &i.label) {
                o.insert("title".into(), l.clone().into());
            }
            properties.insert(i.name.clone(), entity);
        }
        let mut root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "properties": properties,
            "additionalProperties": false,
        });
        if let Some(o) = root.as_object_mut() {
            o.insert(
                "title".into(),
                self.title
                    .clone()
                    .unwrap_or_else(|| self.policy.clone())
                    .into(),
            );
            o.insert("x-clausula-policy".into(), self.policy.clone().into());
        }
        root
    }
}

/// A TypeScript identifier for a name (policy names are ASCII identifiers; anything else
/// is quoted as a property name).
fn ts_key(name: &str) -> String {
    let ident = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if ident {
        name.to_string()
    } else {
        serde_json::Value::String(name.to_string()).to_string()
    }
}

/// A type name: `project` → `Project`, `rd_expense` → `RdExpense`.
fn ts_type_name(name: &str) -> String {
    let mut out = String::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(c) = chars.next() {
            out.push(c.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "Input");
    }
    out
}

/// A doc comment's text: no `*/`, one line.
fn ts_doc(text: &str) -> String {
    crate::visible(text).replace("*/", "* /").replace('\n', " ")
}

/// The TypeScript type of one field's value in facts JSON.
fn ts_field_type(f: &FieldInfo) -> String {
    let t = match f.ty.as_str() {
        "bool" => "boolean".to_string(),
        "int" => "number".to_string(),
        "number" | "money" => "number | string".to_string(),
        "percent" => "number | `${number}%`".to_string(),
        "date" => "`${number}-${number}-${number}`".to_string(),
        "enum" => match &f.choices {
            Some(c) if !c.is_empty() => c
                .iter()
                .map(|c| serde_json::Value::String(c.value.clone()).to_string())
                .collect::<Vec<_>>()
                .join(" | "),
            _ => "string".to_string(),
        },
        _ => "string".to_string(),
    };
    format!("{t} | null")
}

impl Schema {
    /// TypeScript declarations of the facts a policy reads (`clausula types`): one interface
    /// per input, fields optional and nullable (not given), enums as unions of their values,
    /// labels as doc comments, so a misspelt field name or enum value is a compile error in
    /// the code that builds the facts.
    pub fn typescript(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let title = self.title.as_deref().map(ts_doc).unwrap_or_default();
        let _ = writeln!(
            s,
            "// The facts of policy `{}` ({title}), generated by `clausula types`.\n",
            ts_doc(&self.policy)
        );
        let _ = writeln!(s, "/** The facts `evaluate` reads. */");
        let _ = writeln!(s, "export interface Facts {{");
        for i in &self.inputs {
            if let Some(l) = &i.label {
                let _ = writeln!(s, "  /** {} */", ts_doc(l));
            }
            let ty = ts_type_name(&i.name);
            let ty = if i.list { format!("{ty}[]") } else { ty };
            let _ = writeln!(s, "  {}?: {ty} | null;", ts_key(&i.name));
        }
        let _ = writeln!(s, "}}");
        for i in &self.inputs {
            let _ = writeln!(s);
            if let Some(l) = &i.label {
                let _ = writeln!(s, "/** {} */", ts_doc(l));
            }
            let _ = writeln!(s, "export interface {} {{", ts_type_name(&i.name));
            for f in &i.fields {
                let mut doc = f.label.as_deref().map(ts_doc).unwrap_or_default();
                if doc.is_empty() {
                    doc = f.ty.clone();
                } else {
                    let _ = write!(doc, " ({})", f.ty);
                }
                let _ = writeln!(s, "  /** {doc} */");
                let _ = writeln!(s, "  {}?: {};", ts_key(&f.name), ts_field_type(f));
            }
            let _ = writeln!(s, "}}");
        }
        s
    }
}

/// One outcome and its amounts.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct OutcomeInfo {
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Amount names, in order.
    pub amounts: Vec<String>,
    /// Their labels (`支持金额`), in the same order.
    pub amount_labels: Vec<Option<String>>,
    /// Its `require`/`unless` lines, in order (what batch line columns are named by).
    pub lines: Vec<LineInfo>,
}

/// One `require`/`unless` line of an outcome.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct LineInfo {
    /// Its stable id (declared with `as`, or `line<N>`).
    pub id: String,
    /// `require` or `unless`.
    pub kind: crate::decision::LineKind,
    /// Its message.
    pub message: String,
    /// The clause it cites.
    pub cite: Option<String>,
}

/// Directories with more rows than this offer no `suggestions` in the schema.
pub const MAX_SUGGESTIONS: usize = 200;

/// For each fact used as a directory key, the first directory it is looked up in.
fn keyed_directories(g: &Graph) -> Vec<(FactRef, u32)> {
    let mut out: Vec<(FactRef, u32)> = Vec::new();
    for n in &g.nodes {
        let (Op::DirHas(d, k) | Op::DirGet(d, k, _) | Op::WithinDir(d, k)) = &n.op else {
            continue;
        };
        let fact = match g.nodes.get(*k as usize).map(|k| &k.op) {
            Some(Op::Fact(slot)) => FactRef::Slot(*slot),
            Some(Op::ItemFact { list, field }) => FactRef::ItemField {
                list: *list,
                field: *field,
            },
            _ => continue,
        };
        if !out.iter().any(|(f, _)| *f == fact) {
            out.push((fact, *d));
        }
    }
    out
}

fn suggestions(g: &Graph, d: &DirG) -> Option<Vec<Choice>> {
    if d.keys.len() > MAX_SUGGESTIONS || d.key_ty != Type::Code {
        return None;
    }
    let label_col = d.columns.iter().position(|(_, _, ty)| *ty == Type::Text);
    Some(
        d.keys
            .iter()
            .enumerate()
            .map(|(row, key)| Choice {
                value: key.to_string(),
                label: label_col.and_then(|c| {
                    let cell = d.cell(u32::try_from(row).ok()?, u32::try_from(c).ok()?)?;
                    crate::explain::display(g, &cell.to_val(), Type::Text)
                }),
            })
            .collect(),
    )
}

pub(crate) fn schema(g: &Graph) -> Schema {
    let keyed = keyed_directories(g);
    let mut inputs = Vec::new();
    for (e, ent) in g.entities.iter().enumerate() {
        let mut fields = Vec::new();
        for (fi, f) in ent.fields.iter().enumerate() {
            let fact = if ent.is_list {
                FactRef::ItemField {
                    list: ent.base,
                    field: fi as u32,
                }
            } else {
                FactRef::Slot(ent.base + fi as u32)
            };
            let outcomes = g
                .outcomes
                .iter()
                .filter(|o| o.deps.contains(&fact))
                .map(|o| o.name.clone())
                .collect();
            let choices = match f.ty {
                Type::Enum(id) => g.enums.get(id as usize).map(|en| {
                    en.variants
                        .iter()
                        .map(|(v, l)| Choice {
                            value: v.clone(),
                            label: l.clone(),
                        })
                        .collect()
                }),
                _ => None,
            };
            let dir = keyed
                .iter()
                .find(|(k, _)| *k == fact)
                .and_then(|(_, d)| g.directories.get(*d as usize));
            let bound = |c: Option<&crate::value::Const>| {
                c.and_then(|c| crate::explain::display(g, &c.to_val(), f.ty))
            };
            let default = f.default.as_ref().and_then(|c| {
                let v = c.to_val();
                match v {
                    crate::value::Val::Bool(b) => Some(serde_json::Value::Bool(b)),
                    other => {
                        crate::explain::display(g, &other, f.ty).map(serde_json::Value::String)
                    }
                }
            });
            fields.push(FieldInfo {
                path: if ent.is_list {
                    format!("{}[].{}", ent.name, f.name)
                } else {
                    format!("{}.{}", ent.name, f.name)
                },
                name: f.name.clone(),
                label: f.label.clone(),
                ty: f.ty.name().to_string(),
                choices,
                directory: dir.map(|d| d.name.clone()),
                suggestions: dir.and_then(|d| suggestions(g, d)),
                default,
                min: bound(f.range.as_ref().and_then(|r| r.low.as_ref())),
                max: bound(f.range.as_ref().and_then(|r| r.high.as_ref())),
                outcomes,
            });
        }
        let _ = e;
        inputs.push(InputInfo {
            name: ent.name.clone(),
            label: ent.label.clone(),
            list: ent.is_list,
            fields,
        });
    }
    Schema {
        policy: g.header.name.clone(),
        title: g.header.title.clone(),
        inputs,
        outcomes: g
            .outcomes
            .iter()
            .map(|o| OutcomeInfo {
                name: o.name.clone(),
                title: o.title.clone(),
                amounts: o.amounts.iter().map(|a| a.name.clone()).collect(),
                amount_labels: o.amounts.iter().map(|a| a.label.clone()).collect(),
                lines: o
                    .requirements
                    .iter()
                    .map(|q| LineInfo {
                        id: q.id.clone(),
                        kind: q.kind.line_kind(),
                        message: q.message.clone(),
                        cite: q.cite.clone(),
                    })
                    .collect(),
            })
            .collect(),
    }
}
