#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

#[cfg(feature = "arrow")]
pub mod arrow;
mod batch;
#[cfg(feature = "parser")]
mod check;
pub mod codes;
mod compare;
#[cfg(feature = "parser")]
mod compile;
mod decision;
mod display;
mod dot;
mod error;
mod eval;
mod explain;
mod facts;
mod graph;
mod intervals;
#[cfg_attr(
    not(feature = "parser"),
    expect(
        dead_code,
        reason = "the IR is built by the checker; without it only its operator enums are used"
    )
)]
mod ir;
mod load;
mod overrides;
#[cfg(feature = "parser")]
mod pipeline;
mod policy;
#[cfg(all(test, feature = "parser"))]
mod proptests;
mod recourse;
#[cfg(all(test, feature = "parser"))]
mod reference;
mod schema;
mod typed;
mod types;
mod value;

pub use batch::{
    BatchLine, BatchOptions, BatchOutcome, BatchResult, ColumnBatch, ColumnBatchBuilder,
    ColumnKind, ERROR_COLUMNS, FactColumn,
};
pub use compare::{
    AmountComparison, AmountRows, COMPARE_ERROR_COLUMNS, CompareRows, CompareSummary, Comparer,
    LineChange, OutcomeComparison, OutcomeRows, Transition,
};
pub use decision::{
    Amount, AmountLine, Bounds, Compare, Decision, DecisionSummary, ErrorReport, ErrorScope, Line,
    LineError, LineKind, LineStatus, OrderedMap, OutcomeBrief, OutcomeDecision, Recourse,
    RecourseBound, Status, ValueEntry, ValueKind,
};
pub use display::display_text;
pub use dot::{GraphNode, GraphView};
pub use error::{EvalError, FactErrors, LoadError};
pub use facts::{MAX_FACTS_BYTES, MAX_KEY_BYTES, MAX_LIST_ITEMS, parse_json};
pub use graph::MAX_GRAPH_BYTES;
pub use load::{
    FsLoader, MAX_CSV_BYTES, MemoryLoader, ReadError, SourceLoader, read_regular_file, read_source,
};
pub use overrides::{MAX_OVERRIDES, Override};
#[cfg(feature = "parser")]
pub use pipeline::ExampleResult;
pub use policy::{FactValue, Facts, FactsBuilder, OutcomeSummary, Policy, Summary};
pub use schema::{Choice, FieldInfo, InputInfo, LineInfo, MAX_SUGGESTIONS, OutcomeInfo, Schema};
pub use typed::parse_typed;
pub use types::Type;
pub use value::decimal_text;

pub use chrono::NaiveDate;
pub use clausula_dsl::text::visible;
pub use clausula_dsl::{Diagnostic, DiagnosticReport, Diagnostics};
pub use rust_decimal::Decimal;

/// Formats policy source text canonically (see [`clausula_dsl::format`]).
pub fn format_source(name: &str, text: &str) -> Result<String, Diagnostics> {
    clausula_dsl::format_named(name, text)
}

/// Parses a `YYYY-MM-DD` date strictly (four-digit year).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    value::parse_date(s)
}
