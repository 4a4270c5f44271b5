//! The decision: what every binding returns, serialised to the JSON contract of
//! `LANGUAGE.md` (`policy`, `as_of`, `outcomes`, `errors`).

use rust_decimal::Decimal;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::value::decimal_text;

/// An outcome's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum Status {
    /// Every requirement holds and no exception applies.
    Eligible,
    /// A requirement fails or an exception applies.
    Ineligible,
    /// Not decided yet: some facts are unknown.
    Undetermined,
}

impl Status {
    /// `eligible`, `ineligible` or `undetermined`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Eligible => "eligible",
            Status::Ineligible => "ineligible",
            Status::Undetermined => "undetermined",
        }
    }
}

/// The status of one requirement or exception: the truth of its condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum LineStatus {
    /// The condition holds.
    #[serde(rename = "true")]
    True,
    /// The condition does not hold.
    #[serde(rename = "false")]
    False,
    /// Not known yet.
    #[serde(rename = "unknown")]
    Unknown,
    /// Its `when` guard is false.
    #[serde(rename = "not_applicable")]
    NotApplicable,
}

impl LineStatus {
    /// The JSON spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            LineStatus::True => "true",
            LineStatus::False => "false",
            LineStatus::Unknown => "unknown",
            LineStatus::NotApplicable => "not_applicable",
        }
    }
}

/// Whether a line is a requirement or an exception.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum LineKind {
    /// `require`: must hold.
    Require,
    /// `unless`: must not hold.
    Unless,
}

/// Both sides of a comparison, for messages like "研发费用占比 3.2%，要求不低于 4%".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Compare {
    /// Left side (a decimal string, a date, a code…), `None` when unknown.
    pub left: Option<String>,
    /// `>=`, `<`, `==`, …
    #[cfg_attr(
        feature = "tsify",
        tsify(type = "\">\" | \">=\" | \"<\" | \"<=\" | \"==\" | \"!=\" | \"in\"")
    )]
    pub op: String,
    /// Right side, `None` when unknown.
    pub right: Option<String>,
    /// The type of the compared values (`money`, `percent`, `number`, `date`, …), so a
    /// display can format them (`0.032` of type `percent` is 3.2%).
    #[serde(rename = "type")]
    pub ty: String,
    /// The left side's human form (`56.22%`, `104,000,000.00`); absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub left_display: Option<String>,
    /// The right side's human form.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub right_display: Option<String>,
    /// When the left side is unknown but bounded by declared ranges (`in 0..15`): the
    /// interval it lies in; `left_display` then shows it (`66..81`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub left_bounds: Option<Bounds>,
    /// The same for the right side.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub right_bounds: Option<Bounds>,
}

/// The interval an unknown value lies in, from declared ranges; an unbounded end is absent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Bounds {
    /// The least value it can take.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub min: Option<String>,
    /// The greatest value it can take.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub max: Option<String>,
    /// Its human form: `66..81`, `0%..100%`, `2000-01-01..`.
    pub display: String,
}

/// What kind of named value an entry of `values` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum ValueKind {
    /// An input fact, by path.
    Fact,
    /// A rule (or a per-item rule, by item).
    Rule,
    /// A call of a rule function (R6), keyed by the call as written with its arguments.
    Function,
    /// A decision table's result.
    Table,
    /// A directory lookup `D[key].column`.
    Directory,
    /// A parameter's value in force.
    Param,
    /// Another outcome's status, read by `eligible(o)` (R9): `value` is the status.
    Outcome,
}

/// One named value a decision used: the working behind its lines and amounts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct ValueEntry {
    /// What it is.
    pub kind: ValueKind,
    /// Its label in the policy.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub label: Option<String>,
    /// The value in the contract's string form; absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    /// The human form (money to the 分, percentages, labels); absent when unknown.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub display: Option<String>,
    /// The value's type (`money`, `percent`, `bool`, …).
    #[serde(rename = "type")]
    pub ty: String,
    /// The citation: the table version's or param step's, else the declaration's.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cite: Option<String>,
    /// For a rule, its expression as the policy writes it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub formula: Option<String>,
    /// For a table, the 1-based row that applied in the version in force (`otherwise`
    /// counts as a row).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub row: Option<u32>,
    /// For a `hit collect` table, the rows that matched.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rows: Option<Vec<u32>>,
    /// For a table with versions, the first day of the version in force.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
    /// For a param, the first day of the step in force.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub from: Option<String>,
    /// For a directory lookup, the key looked up.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub key: Option<String>,
    /// For a call of a function (a rule or a table with parameters): the function's name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub function: Option<String>,
    /// For an outcome read by `eligible(o)`: its lines that are undecided or make it
    /// ineligible, in the contract's form (R9).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub requirements: Option<Vec<Line>>,
    /// For a call of a function: each parameter the body reads with its argument's value
    /// (null when unknown), in the parameters' order.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(
        feature = "tsify",
        tsify(optional, type = "Record<string, string | null>")
    )]
    pub args: Option<OrderedMap<Option<String>>>,
    /// For an unknown value that declared ranges bound (a fact `in 0..15`, a sum of such):
    /// the interval it lies in (R1).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(feature = "tsify", tsify(optional))]
    pub bounds: Option<Bounds>,
    /// The keys of `values` it was computed from, in reading order.
    pub uses: Vec<String>,
}

/// One amount and how it was computed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct AmountLine {
    /// The amount's name (its key in `amounts`).
    pub name: String,
    /// Its label.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub label: Option<String>,
    /// The value; absent when it cannot be computed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub value: Option<String>,
    /// The human form.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub display: Option<String>,
    /// The expression as the policy writes it.
    pub formula: String,
    /// The keys of `values` it read, in reading order.
    pub uses: Vec<String>,
    /// Why it has no value, when an evaluation error left it without one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<LineError>,
}

/// An evaluation error on an amount or a line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct LineError {
    /// The stable code (`eval/division-by-zero`, …).
    pub code: String,
    /// What went wrong.
    pub message: String,
}

/// One requirement or exception and how it came out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Line {
    /// The line's stable id: declared in the policy (`require … as fai_ratio`), else
    /// `line<N>` by its position in the outcome.
    pub id: String,
    /// `require` or `unless`.
    pub kind: LineKind,
    /// The truth of the condition.
    pub status: LineStatus,
    /// The policy's message.
    pub message: String,
    /// The clause it cites.
    pub cite: Option<String>,
    /// The known facts it read, by path.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, string | boolean>"))]
    pub facts: OrderedMap<serde_json::Value>,
    /// For a comparison, both sides.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub compare: Option<Compare>,
    /// Whether this line makes the outcome ineligible: a requirement whose status is
    /// `false`, or an exception whose status is `true`.
    pub blocks: bool,
    /// The keys of the outcome's `values` its condition and guard read, in reading order.
    pub uses: Vec<String>,
    /// For a line that blocks: the single-fact changes that would flip it alone, everything
    /// else as given, each checked by evaluating the changed facts (empty when no single
    /// fact can, or the inversion is not exact: never a guess).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub recourse: Vec<Recourse>,
    /// Why an undecided line has no truth value, when its condition (or guard) raised an
    /// evaluation error (so that an undetermined outcome whose `missing` is empty says why).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<LineError>,
}

/// One way to flip a blocking line: every value `v` of `fact` with `v op value` (and, for a
/// fact in a divisor, `v and.op and.value`) flips it, everything else as given.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Recourse {
    /// The fact's path.
    pub fact: String,
    /// `>`, `>=`, `<`, `<=` or `==`.
    #[cfg_attr(
        feature = "tsify",
        tsify(type = "\">\" | \">=\" | \"<\" | \"<=\" | \"==\"")
    )]
    pub op: String,
    /// The bound (exact decimal text, or `true`/`false` for a bool fact).
    pub value: String,
    /// The bound as the policy's display shows it (`111,000,000.00`, `60%`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub display: Option<String>,
    /// The fact's current value, as displayed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub current: Option<String>,
    /// For a fact in a divisor: the side of zero the promise holds on.
    #[serde(rename = "and", skip_serializing_if = "Option::is_none", default)]
    pub and: Option<RecourseBound>,
}

/// The second bound of a [`Recourse`] item (`> 0` for a fact in a divisor).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct RecourseBound {
    /// `>` or `<`.
    #[cfg_attr(feature = "tsify", tsify(type = "\">\" | \"<\""))]
    pub op: String,
    /// The bound.
    pub value: String,
}

impl Line {
    /// Whether this line counts against eligibility (a failed requirement or an exception
    /// that applies).
    pub fn fails(&self) -> bool {
        matches!(
            (self.kind, self.status),
            (LineKind::Require, LineStatus::False) | (LineKind::Unless, LineStatus::True)
        )
    }
}

/// The decision on one outcome.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct OutcomeDecision {
    /// `eligible`, `ineligible` or `undetermined`.
    pub status: Status,
    /// The outcome's title.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub title: Option<String>,
    /// Amounts whose inputs are known, whatever the status (absent when unknown, never zero).
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, string>"))]
    pub amounts: OrderedMap<Amount>,
    /// Every requirement and exception, in policy order.
    pub requirements: Vec<Line>,
    /// Unknown facts that could still change the status, most decisive first, then those
    /// needed only for amounts.
    pub missing: Vec<String>,
    /// Every named value its lines and amounts used — facts, rules, table results,
    /// directory lookups, params — each once, with what it was computed from.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, ValueEntry>"))]
    pub values: OrderedMap<ValueEntry>,
    /// How each amount was computed, in declaration order.
    pub amount_lines: Vec<AmountLine>,
}

/// An exact amount; serialised as a decimal string without exponent or trailing zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Amount(pub Decimal);

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&decimal_text(self.0))
    }
}

impl TryFrom<String> for Amount {
    type Error = String;
    fn try_from(s: String) -> Result<Amount, String> {
        Decimal::from_str_exact(&s)
            .map(Amount)
            .map_err(|e| e.to_string())
    }
}

/// How far an error reaches (R11): what of the decision it leaves without an answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub enum ErrorScope {
    /// It stops the whole decision (bad facts, `as_of` outside the window): no outcomes.
    #[default]
    Decision,
    /// It leaves one or more lines of an outcome undecided (and so perhaps its status).
    Line,
    /// It leaves only amounts without a value; every status is decided without it.
    Amount,
    /// A bad fact set aside as unknown when deciding with field errors (a form while the
    /// user types): every outcome is decided without it.
    Field,
}

impl ErrorScope {
    /// `decision`, `line` or `amount`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorScope::Decision => "decision",
            ErrorScope::Line => "line",
            ErrorScope::Amount => "amount",
            ErrorScope::Field => "field",
        }
    }
}

/// A problem reported with a decision: bad facts, an `as_of` outside the window, or an
/// evaluation error (overflow, division by zero, …) in an outcome.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct ErrorReport {
    /// Stable code (`facts/wrong-type`, `eval/division-by-zero`, …).
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// The fact path concerned (`project.total_investment`, `equipment[2].price`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub path: Option<String>,
    /// What was expected there.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub expected: Option<String>,
    /// The outcome concerned.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outcome: Option<String>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub help: Option<String>,
    /// How far it reaches: `decision` (no outcomes are decided), `line` (it leaves lines of
    /// `outcome` undecided), `amount` (only amounts of `outcome` are without a value) or
    /// `field` (a bad fact set aside as unknown when deciding with field errors).
    #[serde(default)]
    pub scope: ErrorScope,
    /// For an evaluation error: the 0-based indices into the outcome's `requirements` of
    /// the lines it leaves undecided.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub lines: Vec<usize>,
    /// For an evaluation error: the amounts of the outcome it leaves without a value.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub amounts: Vec<String>,
}

impl ErrorReport {
    /// An error that stops the decision, with its code and message and nothing else.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> ErrorReport {
        ErrorReport {
            code: code.into(),
            message: message.into(),
            ..ErrorReport::default()
        }
    }

    /// Whether it leaves the decision standing: an evaluation error whose reach is a line
    /// or an amount, not the whole decision.
    pub fn is_scoped(&self) -> bool {
        self.scope != ErrorScope::Decision
    }
}

impl std::fmt::Display for ErrorReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] ", self.code)?;
        if let Some(p) = &self.path {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, " ({h})")?;
        }
        Ok(())
    }
}

/// The result of evaluating a policy: the JSON contract.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct Decision {
    /// The policy's name.
    pub policy: String,
    /// The evaluation date, `YYYY-MM-DD`.
    pub as_of: String,
    /// One decision per outcome, in policy order.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, OutcomeDecision>"))]
    pub outcomes: OrderedMap<OutcomeDecision>,
    /// Problems; when the facts are bad or `as_of` is outside the window, `outcomes` is empty.
    pub errors: Vec<ErrorReport>,
}

impl Decision {
    /// The decision on one outcome.
    pub fn outcome(&self, name: &str) -> Option<&OutcomeDecision> {
        self.outcomes.get(name)
    }

    /// The JSON contract, compact.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The JSON contract, indented.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// A decision without explanations: per outcome only its status and known amounts, with
/// the same errors. Its JSON is the decision's with `title`, `requirements` and `missing`
/// left out, so code reading a decision's statuses reads a summary unchanged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct DecisionSummary {
    /// The policy's name.
    pub policy: String,
    /// The evaluation date, `YYYY-MM-DD`.
    pub as_of: String,
    /// Per outcome, in policy order.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, OutcomeBrief>"))]
    pub outcomes: OrderedMap<OutcomeBrief>,
    /// Problems, as in [`Decision::errors`].
    pub errors: Vec<ErrorReport>,
}

/// One outcome of a [`DecisionSummary`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
pub struct OutcomeBrief {
    /// `eligible`, `ineligible` or `undetermined`.
    pub status: Status,
    /// Amounts whose inputs are known.
    #[cfg_attr(feature = "tsify", tsify(type = "Record<string, string>"))]
    pub amounts: OrderedMap<Amount>,
}

impl DecisionSummary {
    /// The summary on one outcome.
    pub fn outcome(&self, name: &str) -> Option<&OutcomeBrief> {
        self.outcomes.get(name)
    }

    /// The JSON, compact.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl From<&Decision> for DecisionSummary {
    fn from(d: &Decision) -> DecisionSummary {
        DecisionSummary {
            policy: d.policy.clone(),
            as_of: d.as_of.clone(),
            outcomes: OrderedMap(
                d.outcomes
                    .0
                    .iter()
                    .map(|(name, o)| {
                        (
                            name.clone(),
                            OutcomeBrief {
                                status: o.status,
                                amounts: o.amounts.clone(),
                            },
                        )
                    })
                    .collect(),
            ),
            errors: d.errors.clone(),
        }
    }
}

/// A map that keeps insertion order (the policy's order) and serialises as a JSON object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderedMap<V>(pub Vec<(String, V)>);

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<V> OrderedMap<V> {
    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &V)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Visit<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    out.push((k, v));
                }
                Ok(OrderedMap(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}
