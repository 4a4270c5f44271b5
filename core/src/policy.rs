//! [`Policy`]: a compiled policy, shareable across threads; compile once, evaluate many times.

use std::sync::Arc;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::decision::{
    Amount, Decision, DecisionSummary, ErrorReport, ErrorScope, OrderedMap, OutcomeBrief, Status,
};
use crate::error::{EvalError, FactErrors, LoadError};
use crate::eval::{self, FactRow};
use crate::explain;
use crate::facts;
use crate::graph::Graph;
use crate::schema::{self, Schema};
use crate::value::{date_text, days_from_date, iso_date};

pub(crate) struct Inner {
    pub(crate) graph: Graph,
    /// Which nodes evaluation reads (derived from the graph).
    pub(crate) plan: eval::Plan,
    /// Identifies the input schema, so facts of another policy are refused.
    pub(crate) schema_id: u64,
    #[cfg(feature = "parser")]
    pub(crate) examples: Vec<crate::check::Example>,
    #[cfg(feature = "parser")]
    pub(crate) warnings: Option<clausula_dsl::Diagnostics>,
    #[cfg(feature = "parser")]
    pub(crate) sources: clausula_dsl::Sources,
}

/// A compiled policy. Cheap to clone, `Send + Sync`: compile once, evaluate from any thread.
#[derive(Clone)]
pub struct Policy {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policy")
            .field("name", &self.name())
            .field("nodes", &self.inner.graph.nodes.len())
            .finish()
    }
}

/// Validated facts for one policy (see [`Policy::facts`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Facts {
    pub(crate) row: FactRow,
    pub(crate) schema_id: u64,
}

/// A typed value for [`FactsBuilder::set`].
#[derive(Clone, Debug, PartialEq)]
pub enum FactValue {
    /// `bool`
    Bool(bool),
    /// `int`, `number`, `money`, `percent` (a fraction: 10% is 0.10)
    Decimal(Decimal),
    /// A date.
    Date(NaiveDate),
    /// `text`, `code`, or an enum value's name.
    Text(String),
    /// Unknown.
    Null,
}

impl From<bool> for FactValue {
    fn from(v: bool) -> FactValue {
        FactValue::Bool(v)
    }
}
impl From<Decimal> for FactValue {
    fn from(v: Decimal) -> FactValue {
        FactValue::Decimal(v)
    }
}
impl From<i64> for FactValue {
    fn from(v: i64) -> FactValue {
        FactValue::Decimal(Decimal::from(v))
    }
}
impl From<NaiveDate> for FactValue {
    fn from(v: NaiveDate) -> FactValue {
        FactValue::Date(v)
    }
}
impl From<&str> for FactValue {
    fn from(v: &str) -> FactValue {
        FactValue::Text(v.to_string())
    }
}
impl From<String> for FactValue {
    fn from(v: String) -> FactValue {
        FactValue::Text(v)
    }
}

/// Builds [`Facts`] one typed value at a time, by fact path (`project.total_investment`,
/// `equipment[0].price`). Each value is validated like JSON would be, when [`build`] is
/// called. Nothing is dropped: a path that is not `entity.field` or `list[i].field`, an
/// entity the policy does not declare, a list used as a record (or the reverse), or an item
/// index past the next one is an error that `build` returns, with the path.
///
/// [`build`]: FactsBuilder::build
pub struct FactsBuilder<'p> {
    policy: &'p Policy,
    /// Entities in the order first set: a record's fields, or a list's items.
    entities: Vec<(String, Built)>,
    errors: Vec<ErrorReport>,
}

enum Built {
    Record(Vec<(String, facts::Json<'static>)>),
    Items(Vec<Vec<(String, facts::Json<'static>)>>),
}

fn put(fields: &mut Vec<(String, facts::Json<'static>)>, name: &str, v: facts::Json<'static>) {
    match fields.iter_mut().find(|(n, _)| n == name) {
        Some(slot) => slot.1 = v,
        None => fields.push((name.to_string(), v)),
    }
}

impl FactsBuilder<'_> {
    fn refuse(&mut self, code: &str, path: &str, message: String) -> &mut Self {
        self.errors.push(ErrorReport {
            code: code.to_string(),
            message,
            path: Some(path.to_string()),
            help: Some("a fact path is `entity.field` or `list[index].field`".to_string()),
            ..Default::default()
        });
        self
    }

    /// Sets one fact (setting it again replaces it).
    pub fn set(&mut self, path: &str, value: impl Into<FactValue>) -> &mut Self {
        use std::borrow::Cow;
        let v = match value.into() {
            FactValue::Bool(b) => facts::Json::Bool(b),
            FactValue::Decimal(d) => facts::Json::Num(Cow::Owned(d.to_string())),
            FactValue::Date(d) => facts::Json::Str(Cow::Owned(iso_date(d))),
            FactValue::Text(s) => facts::Json::Str(Cow::Owned(s)),
            FactValue::Null => facts::Json::Null,
        };
        let Some((head, field)) = path.split_once('.') else {
            return self.refuse(
                crate::codes::UNDECLARED_FIELD,
                path,
                format!("`{path}` is not a fact path"),
            );
        };
        let (name, index) = match head.split_once('[') {
            Some((n, rest)) => match rest.strip_suffix(']').and_then(|i| i.parse::<usize>().ok()) {
                Some(i) => (n, Some(i)),
                None => {
                    return self.refuse(
                        crate::codes::UNDECLARED_FIELD,
                        path,
                        format!("`{head}` is not a list item (`list[0]`)"),
                    );
                }
            },
            None => (head, None),
        };
        let Some(schema) = self
            .policy
            .inner
            .graph
            .entities
            .iter()
            .find(|e| e.name == name)
        else {
            return self.refuse(
                crate::codes::UNKNOWN_ENTITY,
                path,
                format!("`{name}` is not an input of this policy"),
            );
        };
        if schema.is_list != index.is_some() {
            let message = if schema.is_list {
                format!("`{name}` is a list: set `{name}[index].{field}`")
            } else {
                format!("`{name}` is not a list: set `{name}.{field}`")
            };
            return self.refuse(crate::codes::WRONG_TYPE, path, message);
        }
        let at = match self.entities.iter().position(|(n, _)| n == name) {
            Some(at) => at,
            None => {
                let fresh = if schema.is_list {
                    Built::Items(Vec::new())
                } else {
                    Built::Record(Vec::new())
                };
                self.entities.push((name.to_string(), fresh));
                self.entities.len() - 1
            }
        };
        let Some((_, built)) = self.entities.get_mut(at) else {
            return self;
        };
        match (built, index) {
            (Built::Record(fields), None) => put(fields, field, v),
            (Built::Items(items), Some(i)) => {
                if i >= facts::MAX_LIST_ITEMS {
                    return self.refuse(
                        crate::codes::FACTS_TOO_LARGE,
                        path,
                        format!("more than {} items", facts::MAX_LIST_ITEMS),
                    );
                }
                if i > items.len() {
                    let n = items.len();
                    return self.refuse(
                        crate::codes::UNDECLARED_FIELD,
                        path,
                        format!(
                            "items are set in order: `{name}` has {n}, so the next is `{name}[{n}]`"
                        ),
                    );
                }
                if i == items.len() {
                    items.push(Vec::new());
                }
                if let Some(item) = items.get_mut(i) {
                    put(item, field, v);
                }
            }
            _ => {}
        }
        self
    }

    /// Validates everything set so far: the errors of `set`, then those of the values.
    pub fn build(&self) -> Result<Facts, FactErrors> {
        use std::borrow::Cow;
        if !self.errors.is_empty() {
            return Err(FactErrors::from(self.errors.clone()));
        }
        let record = |fields: &Vec<(String, facts::Json<'static>)>| {
            facts::Json::Obj(
                fields
                    .iter()
                    .map(|(k, v)| (Cow::Owned(k.clone()), v.clone()))
                    .collect(),
            )
        };
        let doc = facts::Json::Obj(
            self.entities
                .iter()
                .map(|(name, built)| {
                    let v = match built {
                        Built::Record(fields) => record(fields),
                        Built::Items(items) => facts::Json::Arr(items.iter().map(record).collect()),
                    };
                    (Cow::Owned(name.clone()), v)
                })
                .collect(),
        );
        facts::read(self.inner_graph(), &doc)
            .map(|row| Facts {
                row,
                schema_id: self.policy.inner.schema_id,
            })
            .map_err(FactErrors::from)
    }

    fn inner_graph(&self) -> &Graph {
        &self.policy.inner.graph
    }
}

/// Statuses and amounts of one evaluation, without explanations (the fast path).
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Per outcome, in policy order.
    pub outcomes: Vec<OutcomeSummary>,
}

/// One outcome's status and known amounts.
#[derive(Clone, Debug, PartialEq)]
pub struct OutcomeSummary {
    /// The outcome's name.
    pub name: String,
    /// Its status.
    pub status: Status,
    /// The amounts that are known, in policy order.
    pub amounts: Vec<(String, Decimal)>,
}

impl Policy {
    pub(crate) fn from_graph(graph: Graph) -> Policy {
        let schema_id = schema_id(&graph);
        Policy {
            inner: Arc::new(Inner {
                plan: eval::Plan::new(&graph),
                graph,
                schema_id,
                #[cfg(feature = "parser")]
                examples: Vec::new(),
                #[cfg(feature = "parser")]
                warnings: None,
                #[cfg(feature = "parser")]
                sources: clausula_dsl::Sources::new(),
            }),
        }
    }

    pub(crate) fn graph(&self) -> &Graph {
        &self.inner.graph
    }

    /// Loads a compiled graph made by [`Policy::to_bytes`] (here, in Python, in the CLI or in
    /// the browser). Every index is validated; corrupt bytes give an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Policy, LoadError> {
        Graph::from_bytes(bytes)
            .map(Policy::from_graph)
            .map_err(|(code, message)| LoadError { code, message })
    }

    /// The compiled graph, portable across Rust, Python and WebAssembly.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.graph.to_bytes()
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        &self.inner.graph.header.name
    }

    /// Its title.
    pub fn title(&self) -> Option<&str> {
        self.inner.graph.header.title.as_deref()
    }

    /// The legal source it implements.
    pub fn source(&self) -> Option<&str> {
        self.inner.graph.header.source.as_deref()
    }

    /// The effective window, as text (`2013-01-01 to 2015-12-31`, `from 2008-01-01`).
    pub fn effective(&self) -> String {
        let h = &self.inner.graph.header;
        match (h.effective_from, h.effective_to) {
            (Some(a), Some(b)) => format!("{} to {}", date_text(a), date_text(b)),
            (Some(a), None) => format!("from {}", date_text(a)),
            (None, Some(b)) => format!("until {}", date_text(b)),
            (None, None) => "always".to_string(),
        }
    }

    /// The input schema (fact paths, types, labels, enum choices, which outcomes each affects).
    pub fn inputs(&self) -> Schema {
        schema::schema(&self.inner.graph)
    }

    /// Validates facts given as JSON against the policy's inputs.
    pub fn facts(&self, json: &Value) -> Result<Facts, FactErrors> {
        facts::read(&self.inner.graph, json)
            .map(|row| Facts {
                row,
                schema_id: self.inner.schema_id,
            })
            .map_err(FactErrors::from)
    }

    /// Parses and validates facts from JSON text (strict: duplicate keys are errors).
    pub fn facts_from_json(&self, text: &[u8]) -> Result<Facts, FactErrors> {
        let doc = facts::parse_doc(text).map_err(|e| FactErrors::from(vec![e]))?;
        facts::read(&self.inner.graph, &doc)
            .map(|row| Facts {
                row,
                schema_id: self.inner.schema_id,
            })
            .map_err(FactErrors::from)
    }

    /// Builds facts one typed value at a time.
    pub fn facts_builder(&self) -> FactsBuilder<'_> {
        FactsBuilder {
            policy: self,
            entities: Vec::new(),
            errors: Vec::new(),
        }
    }

    pub(crate) fn check_window(&self, as_of: NaiveDate) -> Result<i32, EvalError> {
        let day = days_from_date(as_of);
        let h = &self.inner.graph.header;
        let before = h.effective_from.is_some_and(|f| day < f);
        let after = h.effective_to.is_some_and(|t| day > t);
        if before || after {
            return Err(EvalError::OutsideWindow {
                policy: h.name.clone(),
                as_of: iso_date(as_of),
                window: self.effective(),
            });
        }
        Ok(day)
    }

    /// Evaluates validated facts and explains the decision.
    pub fn evaluate(&self, facts: &Facts, as_of: NaiveDate) -> Result<Decision, EvalError> {
        if facts.schema_id != self.inner.schema_id {
            return Err(EvalError::ForeignFacts);
        }
        let day = self.check_window(as_of)?;
        let g = &self.inner.graph;
        let rows = std::slice::from_ref(&facts.row);
        let frame = stacker::maybe_grow(256 * 1024, 4 * 1024 * 1024, || {
            eval::run(g, &self.inner.plan, rows, day)
        });
        let mut d = explain::decide(g, &frame, rows, 0, day);
        crate::recourse::attach(g, &self.inner.plan, &frame, &facts.row, day, &mut d);
        Ok(d)
    }

    /// Statuses and amounts only (no explanations): the fastest single evaluation.
    pub fn summarize(&self, facts: &Facts, as_of: NaiveDate) -> Result<Summary, EvalError> {
        if facts.schema_id != self.inner.schema_id {
            return Err(EvalError::ForeignFacts);
        }
        let day = self.check_window(as_of)?;
        let g = &self.inner.graph;
        let frame = eval::run(g, &self.inner.plan, std::slice::from_ref(&facts.row), day);
        let statuses = explain::statuses(g, &frame, 0);
        let outcomes = g
            .outcomes
            .iter()
            .zip(statuses)
            .map(|(o, s)| {
                let amounts = o
                    .amounts
                    .iter()
                    .filter_map(|a| frame.value(a.node, 0).as_num().map(|d| (a.name.clone(), d)))
                    .collect();
                OutcomeSummary {
                    name: o.name.clone(),
                    status: s,
                    amounts,
                }
            })
            .collect();
        Ok(Summary { outcomes })
    }

    /// Statuses, known amounts and errors, from JSON text: the decision without its
    /// explanations, and never failing (like [`Policy::decide_json`]). What the web form
    /// and analysts' loops call when they only need the verdict.
    pub fn summarize_json(&self, text: &[u8], as_of: NaiveDate) -> DecisionSummary {
        match self.facts_from_json(text) {
            Ok(f) => self.summarize_facts(&f, as_of),
            Err(errors) => self.failed_summary(as_of, errors.into_vec()),
        }
    }

    /// Like [`Policy::summarize_json`], from a JSON value (what the Python binding builds
    /// from a mapping).
    pub fn summarize_value(&self, json: &Value, as_of: NaiveDate) -> DecisionSummary {
        match self.facts(json) {
            Ok(f) => self.summarize_facts(&f, as_of),
            Err(errors) => self.failed_summary(as_of, errors.into_vec()),
        }
    }

    /// Like [`Policy::summarize_json`], from validated facts.
    pub fn summarize_facts(&self, facts: &Facts, as_of: NaiveDate) -> DecisionSummary {
        if facts.schema_id != self.inner.schema_id {
            return self.failed_summary(as_of, EvalError::ForeignFacts.reports());
        }
        let day = match self.check_window(as_of) {
            Ok(d) => d,
            Err(e) => return self.failed_summary(as_of, e.reports()),
        };
        let g = &self.inner.graph;
        let frame = eval::run(g, &self.inner.plan, std::slice::from_ref(&facts.row), day);
        let statuses = explain::statuses(g, &frame, 0);
        let outcomes = g
            .outcomes
            .iter()
            .zip(statuses)
            .map(|(o, status)| {
                let amounts = o
                    .amounts
                    .iter()
                    .filter_map(|a| {
                        let d = frame.value(a.node, 0).as_num()?;
                        Some((a.name.clone(), Amount(d)))
                    })
                    .collect();
                (
                    o.name.clone(),
                    OutcomeBrief {
                        status,
                        amounts: OrderedMap(amounts),
                    },
                )
            })
            .collect();
        DecisionSummary {
            policy: self.name().to_string(),
            as_of: iso_date(as_of),
            outcomes: OrderedMap(outcomes),
            errors: explain::reported_errors(g, &frame, 0, day),
        }
    }

    fn failed_summary(&self, as_of: NaiveDate, errors: Vec<ErrorReport>) -> DecisionSummary {
        DecisionSummary {
            policy: self.name().to_string(),
            as_of: iso_date(as_of),
            outcomes: OrderedMap::default(),
            errors,
        }
    }

    /// Evaluates facts given as JSON; never fails: problems are in the decision's `errors`
    /// (with no outcomes when the facts are bad or `as_of` is outside the window). This is
    /// what the CLI, Python and JavaScript return.
    pub fn decide(&self, json: &Value, as_of: NaiveDate) -> Decision {
        match self.facts(json) {
            Ok(f) => self.decide_facts(&f, as_of),
            Err(errors) => self.failed(as_of, errors.into()),
        }
    }

    /// Like [`Policy::decide`], for a form while the user types: a field whose value is bad
    /// (wrong type, out of range, undeclared) is reported in `errors` with its `path` and
    /// treated as not given, and every outcome is still decided from the rest. Problems no
    /// field can be blamed for (JSON that does not parse, a document that is not an object,
    /// a whole list item of the wrong shape, an `as_of` outside the window) leave no
    /// outcomes, as with [`Policy::decide`].
    pub fn decide_with_field_errors(&self, json: &Value, as_of: NaiveDate) -> Decision {
        self.decide_dropping(json.clone(), as_of, |p, doc| p.facts(doc), drop_field)
    }

    /// [`Policy::decide_with_field_errors`] on JSON text (strict: duplicate keys are
    /// errors that leave no outcomes).
    pub fn decide_json_with_field_errors(&self, text: &[u8], as_of: NaiveDate) -> Decision {
        match facts::parse_doc(text) {
            Ok(doc) => self.decide_dropping(
                doc,
                as_of,
                |p, doc| {
                    facts::read(&p.inner.graph, doc)
                        .map(|row| Facts {
                            row,
                            schema_id: p.inner.schema_id,
                        })
                        .map_err(FactErrors::from)
                },
                facts::drop_json_field,
            ),
            Err(e) => self.failed(as_of, vec![e]),
        }
    }

    /// Reads `doc`; while it has bad fields, drops them (each reported) and reads it again.
    fn decide_dropping<D>(
        &self,
        mut doc: D,
        as_of: NaiveDate,
        read: impl Fn(&Policy, &D) -> Result<Facts, FactErrors>,
        drop: impl Fn(&mut D, &str) -> bool,
    ) -> Decision {
        let mut field_errors: Vec<ErrorReport> = Vec::new();
        // Dropping a field uncovers no new error (the rest was read already), but a bounded
        // number of passes keeps that a fact, not an assumption.
        for _ in 0..3 {
            match read(self, &doc) {
                Ok(f) => {
                    let mut d = self.decide_facts(&f, as_of);
                    // Each was set aside as unknown: the decision stands without it.
                    for e in &mut field_errors {
                        e.scope = ErrorScope::Field;
                    }
                    field_errors.append(&mut d.errors);
                    d.errors = field_errors;
                    return d;
                }
                Err(errors) => {
                    let errors: Vec<ErrorReport> = errors.into();
                    let all_dropped = errors
                        .iter()
                        .all(|e| e.path.as_deref().is_some_and(|p| drop(&mut doc, p)));
                    field_errors.extend(errors);
                    if !all_dropped {
                        return self.failed(as_of, field_errors);
                    }
                }
            }
        }
        self.failed(as_of, field_errors)
    }

    /// Like [`Policy::decide`], from a document of the engine's own.
    #[cfg(feature = "parser")]
    pub(crate) fn decide_doc<D: facts::Doc>(&self, doc: &D, as_of: NaiveDate) -> Decision {
        match facts::read(&self.inner.graph, doc) {
            Ok(row) => self.decide_facts(
                &Facts {
                    row,
                    schema_id: self.inner.schema_id,
                },
                as_of,
            ),
            Err(errors) => self.failed(as_of, errors),
        }
    }

    /// Like [`Policy::decide`], from JSON text.
    pub fn decide_json(&self, text: &[u8], as_of: NaiveDate) -> Decision {
        match self.facts_from_json(text) {
            Ok(f) => self.decide_facts(&f, as_of),
            Err(errors) => self.failed(as_of, errors.into()),
        }
    }

    /// Like [`Policy::decide`], from validated facts.
    pub fn decide_facts(&self, facts: &Facts, as_of: NaiveDate) -> Decision {
        match self.evaluate(facts, as_of) {
            Ok(d) => d,
            Err(e) => self.failed(as_of, e.reports()),
        }
    }

    fn failed(&self, as_of: NaiveDate, errors: Vec<ErrorReport>) -> Decision {
        Decision {
            policy: self.name().to_string(),
            as_of: iso_date(as_of),
            outcomes: OrderedMap::default(),
            errors,
        }
    }

    /// Outcome names, in policy order.
    pub fn outcome_names(&self) -> Vec<&str> {
        self.inner
            .graph
            .outcomes
            .iter()
            .map(|o| o.name.as_str())
            .collect()
    }

    /// Number of nodes in the compiled graph.
    pub fn node_count(&self) -> usize {
        self.inner.graph.nodes.len()
    }
}

/// Removes the fact at `path` (`entity`, `entity.field` or `list[i].field`) from a facts
/// document; whether there was one to remove. A list item itself (`list[i]`) is not removed:
/// that would renumber the others.
fn drop_field(doc: &mut Value, path: &str) -> bool {
    let Some((name, index, field)) = facts::split_path(path) else {
        return false;
    };
    let Some(top) = doc.as_object_mut() else {
        return false;
    };
    match (index, field) {
        (None, None) => top.remove(name).is_some(),
        (None, Some(f)) => match top.get_mut(name) {
            Some(Value::Object(o)) => o.remove(f).is_some(),
            // The entity is not an object: the error is about it; drop it whole.
            Some(_) => top.remove(name).is_some(),
            None => false,
        },
        (Some(i), Some(f)) => top
            .get_mut(name)
            .and_then(Value::as_array_mut)
            .and_then(|items| items.get_mut(i))
            .and_then(Value::as_object_mut)
            .is_some_and(|o| o.remove(f).is_some()),
        (Some(_), None) => false,
    }
}

/// A fingerprint of the input schema (FNV-1a): entity and field names, list-ness, types,
/// enum variants by name (facts hold a variant's position, so a reordered enum is another
/// schema), defaults. Facts validated against one schema are refused by another.
fn schema_id(g: &Graph) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |s: &str| {
        for b in s.bytes().chain(std::iter::once(0)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    for e in &g.entities {
        eat(&e.name);
        eat(if e.is_list { "[]" } else { "" });
        for f in &e.fields {
            eat(&f.name);
            eat(&format!("{:?}", f.ty));
            if let crate::types::Type::Enum(id) = f.ty
                && let Some(en) = g.enums.get(id as usize)
            {
                for (variant, _) in &en.variants {
                    eat(variant);
                }
            }
            eat(&format!("{:?}", f.default));
            eat(&format!("{:?}", f.range));
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_send_sync<T: Send + Sync>() {}

    #[test]
    fn the_facts_builder_is_strict_and_bounded() {
        let p = Policy::compile(
            "policy p\n\ninput e {\n  x: money\n}\n\ninput l[] {\n  v: money\n}\n\noutcome o {\n  require e.x > 1 \"x\"\n}\n",
        )
        .unwrap();
        let mut b = p.facts_builder();
        b.set("e.x", Decimal::from(5)).set("l[0].v", Decimal::ONE);
        assert!(b.build().is_ok());
        for (path, code) in [
            ("nope", crate::codes::UNDECLARED_FIELD),
            ("q.x", crate::codes::UNKNOWN_ENTITY),
            ("e[0].x", crate::codes::WRONG_TYPE),
            ("l.v", crate::codes::WRONG_TYPE),
            ("l[4000000000].v", crate::codes::FACTS_TOO_LARGE),
            ("l[5].v", crate::codes::UNDECLARED_FIELD),
            ("l[x].v", crate::codes::UNDECLARED_FIELD),
        ] {
            let mut b = p.facts_builder();
            b.set(path, Decimal::ONE);
            let e = b.build().unwrap_err();
            assert_eq!(e.first().map(|e| e.code.as_str()), Some(code), "{path}");
            assert_eq!(e.first().and_then(|e| e.path.as_deref()), Some(path));
            // The error is a std::error::Error.
            let _: &dyn std::error::Error = &e;
        }
        // A value of the wrong type is reported by `build`, with its path.
        let mut b = p.facts_builder();
        b.set("e.x", "abc");
        assert_eq!(b.build().unwrap_err()[0].path.as_deref(), Some("e.x"));
    }

    #[test]
    fn facts_of_another_schema_are_refused() {
        let a = Policy::compile("policy p\n\ninput e {\n  k: enum { a, b }\n}\n\noutcome o {\n  require e.k == a \"k\"\n}\n").unwrap();
        let b = Policy::compile("policy p\n\ninput e {\n  k: enum { b, a }\n}\n\noutcome o {\n  require e.k == a \"k\"\n}\n").unwrap();
        let facts = a.facts(&serde_json::json!({"e": {"k": "a"}})).unwrap();
        let day = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let d = b.decide_facts(&facts, day);
        assert_eq!(d.errors[0].code, crate::codes::FOREIGN_SCHEMA);
    }

    #[test]
    fn policies_are_send_and_sync() {
        assert_send_sync::<Policy>();
        assert_send_sync::<Facts>();
        assert_send_sync::<Decision>();
    }
}
