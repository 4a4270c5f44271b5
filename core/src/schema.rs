//! The input schema of a policy, for building forms and validating payloads.

use serde::Serialize;

use crate::graph::{FactRef, Graph};
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
    pub ty: String,
    /// For enums, the allowed values with their labels.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choices: Option<Vec<Choice>>,
    /// The value used when the fact is absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "tsify", tsify(type = "string | boolean", optional))]
    pub default: Option<serde_json::Value>,
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
}

pub(crate) fn schema(g: &Graph) -> Schema {
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
                default,
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
            })
            .collect(),
    }
}
