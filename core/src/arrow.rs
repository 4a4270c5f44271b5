//! Arrow record batches in, Arrow columns out (feature `arrow`): the one conversion between
//! Arrow memory and column batches, used by the Python binding (pandas, pyarrow, polars,
//! Spark) and by `clausula batch` for Parquet files.
//!
//! Fact columns are named by fact paths (`project.total_investment`), or are struct columns
//! named after an input; other columns are carried along untouched. Cells are converted
//! straight from Arrow memory into typed fact columns (no per-cell JSON). The result columns,
//! named as [`Policy::batch_columns`] names them, are `<outcome>.status` (text),
//! `<outcome>.<amount>` (exact `decimal128(38, 10)`), with `lines` each line's status and
//! `<outcome>.failed` (a list of line ids), then `error`, `error.code`, `error.path`,
//! `error.message` (the error that left the row undecided: bad facts) and `errors` (all of
//! them, evaluation errors scoped to a line or an amount included, a list of structs).

use std::sync::Arc;

pub use arrow_array;
pub use arrow_schema;

use arrow_array::builder::{ListBuilder, StringBuilder, StructBuilder};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type,
    Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, Decimal128Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Fields, Schema, SchemaRef};
use chrono::NaiveDate;
use rayon::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::{
    BatchOptions, BatchResult, ColumnBatchBuilder, ColumnKind, CompareRows, CompareSummary,
    Comparer, ErrorReport, EvalError, FactColumn, FactValue, Policy, Status, decimal_text,
};

/// Why a batch of record batches was not evaluated (a bad row is not this: it is an error
/// in its row's error columns).
#[derive(Debug, thiserror::Error)]
pub enum ArrowBatchError {
    /// The columns do not fit the policy: none names a fact, one is a fact misnamed, one
    /// clashes with a result column, or a fact column's type holds no fact.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Columns(Vec<ErrorReport>),
    /// The evaluation itself (an `as_of` outside the policy's window).
    #[error(transparent)]
    Evaluation(#[from] EvalError),
    /// Arrow refused to assemble the output (a bug).
    #[error("internal: {0}")]
    Internal(String),
}

impl ArrowBatchError {
    /// The error as reports, the same shape as every other error of the engine.
    pub fn reports(&self) -> Vec<ErrorReport> {
        match self {
            ArrowBatchError::Columns(e) => e.clone(),
            ArrowBatchError::Evaluation(e) => e.reports(),
            ArrowBatchError::Internal(message) => vec![ErrorReport {
                code: "internal".to_string(),
                message: message.clone(),
                ..Default::default()
            }],
        }
    }
}

fn column_error(path: &str, message: String) -> ErrorReport {
    ErrorReport {
        code: "facts/wrong-type".to_string(),
        message,
        path: Some(path.to_string()),
        ..Default::default()
    }
}

/// Days from 0001-01-01 to 1970-01-01 (Arrow dates count from the Unix epoch).
const EPOCH_DAYS_FROM_CE: i32 = 719_163;

fn float_value(text: String) -> FactValue {
    match Decimal::from_str_exact(&text) {
        Ok(d) => FactValue::Decimal(d),
        // Too large or too precise: let validation report it as an invalid number.
        Err(_) => FactValue::Text(text),
    }
}

/// Largest magnitude below which every whole float is exact in an `i64`.
const EXACT_WHOLE: f64 = 9_007_199_254_740_992.0;

/// A finite float as the decimal it prints as: the shortest text that reads back as the
/// same float (`0.1` is 0.1, not 0.1000000000000000055…). Whole numbers, the common case
/// for amounts of money, need no text; the rest are written into a stack buffer.
fn float_fact<F: ryu::Float + Into<f64> + ToString>(x: F) -> FactValue {
    let wide: f64 = x.into();
    if wide.fract() == 0.0 && wide.abs() < EXACT_WHOLE {
        #[allow(clippy::cast_possible_truncation)] // whole and below 2^53: exact
        return FactValue::Decimal(Decimal::from(wide as i64));
    }
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(x);
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str_exact(text)
    };
    match parsed {
        Ok(d) => FactValue::Decimal(d),
        Err(_) => float_value(x.to_string()),
    }
}

/// The cells of an Arrow array as typed fact values; `Err` for a column type that holds
/// no fact (timestamps, binary…).
fn fact_values(array: &ArrayRef) -> Result<Vec<FactValue>, String> {
    use DataType::*;
    let n = array.len();
    let out: Vec<FactValue> = match array.data_type() {
        Null => vec![FactValue::Null; n],
        Boolean => array
            .as_boolean()
            .iter()
            .map(|v| v.map_or(FactValue::Null, FactValue::Bool))
            .collect(),
        Int8 => ints(
            array
                .as_primitive::<Int8Type>()
                .iter()
                .map(|v| v.map(i64::from)),
        ),
        Int16 => ints(
            array
                .as_primitive::<Int16Type>()
                .iter()
                .map(|v| v.map(i64::from)),
        ),
        Int32 => ints(
            array
                .as_primitive::<Int32Type>()
                .iter()
                .map(|v| v.map(i64::from)),
        ),
        Int64 => ints(array.as_primitive::<Int64Type>().iter()),
        UInt8 => ints(
            array
                .as_primitive::<UInt8Type>()
                .iter()
                .map(|v| v.map(i64::from)),
        ),
        UInt16 => ints(
            array
                .as_primitive::<UInt16Type>()
                .iter()
                .map(|v| v.map(i64::from)),
        ),
        UInt32 => ints(
            array
                .as_primitive::<UInt32Type>()
                .iter()
                .map(|v| v.map(i64::from)),
        ),
        UInt64 => array
            .as_primitive::<UInt64Type>()
            .iter()
            .map(|v| v.map_or(FactValue::Null, |x| FactValue::Decimal(Decimal::from(x))))
            .collect(),
        // NaN is how pandas writes "missing": unknown. Infinity is not a number.
        Float32 => array
            .as_primitive::<Float32Type>()
            .iter()
            .map(|v| match v {
                None => FactValue::Null,
                Some(x) if x.is_nan() => FactValue::Null,
                Some(x) if x.is_infinite() => FactValue::Text(x.to_string()),
                Some(x) => float_fact(x),
            })
            .collect(),
        Float64 => array
            .as_primitive::<Float64Type>()
            .iter()
            .map(|v| match v {
                None => FactValue::Null,
                Some(x) if x.is_nan() => FactValue::Null,
                Some(x) if x.is_infinite() => FactValue::Text(x.to_string()),
                Some(x) => float_fact(x),
            })
            .collect(),
        Float16 | Decimal32(..) | Decimal64(..) | Decimal256(..) => {
            // Through text, exactly as written.
            let strings = arrow_cast::cast(array, &Utf8).map_err(|e| e.to_string())?;
            strings
                .as_string::<i32>()
                .iter()
                .map(|v| v.map_or(FactValue::Null, |s| float_value(s.to_string())))
                .collect()
        }
        Decimal128(_, scale) => {
            let scale = *scale;
            array
                .as_primitive::<Decimal128Type>()
                .iter()
                .map(|v| match v {
                    None => FactValue::Null,
                    Some(m) => u32::try_from(scale)
                        .ok()
                        .and_then(|s| Decimal::try_from_i128_with_scale(m, s).ok())
                        .map_or_else(
                            || FactValue::Text(format!("{m}e-{scale}")),
                            FactValue::Decimal,
                        ),
                })
                .collect()
        }
        Utf8 | LargeUtf8 | Utf8View | Dictionary(..) => {
            let strings = arrow_cast::cast(array, &Utf8).map_err(|e| e.to_string())?;
            strings
                .as_string::<i32>()
                .iter()
                .map(|v| v.map_or(FactValue::Null, |s| FactValue::Text(s.to_string())))
                .collect()
        }
        Date32 | Date64 => {
            let dates = arrow_cast::cast(array, &Date32).map_err(|e| e.to_string())?;
            dates
                .as_primitive::<Date32Type>()
                .iter()
                .map(
                    |v| match v.and_then(|d| d.checked_add(EPOCH_DAYS_FROM_CE)) {
                        None => FactValue::Null,
                        Some(days) => NaiveDate::from_num_days_from_ce_opt(days)
                            .map_or(FactValue::Null, FactValue::Date),
                    },
                )
                .collect()
        }
        Timestamp(..) => {
            return Err("a timestamp is not a date; convert the column to dates".to_string());
        }
        other => return Err(format!("a column of type {other} holds no fact")),
    };
    Ok(out)
}

fn ints(values: impl Iterator<Item = Option<i64>>) -> Vec<FactValue> {
    values
        .map(|v| v.map_or(FactValue::Null, |x| FactValue::Decimal(Decimal::from(x))))
        .collect()
}

/// One cell as JSON (for list inputs given as Arrow lists of structs).
fn cell_json(array: &dyn Array, row: usize) -> Value {
    use DataType::*;
    if array.is_null(row) {
        return Value::Null;
    }
    match array.data_type() {
        Struct(fields) => {
            let s = array.as_struct();
            let mut map = serde_json::Map::new();
            for (i, f) in fields.iter().enumerate() {
                if let Some(col) = s.columns().get(i) {
                    map.insert(f.name().clone(), cell_json(col.as_ref(), row));
                }
            }
            Value::Object(map)
        }
        List(_) => {
            let l = array.as_list::<i32>();
            let items = l.value(row);
            Value::Array(
                (0..items.len())
                    .map(|i| cell_json(items.as_ref(), i))
                    .collect(),
            )
        }
        LargeList(_) => {
            let l = array.as_list::<i64>();
            let items = l.value(row);
            Value::Array(
                (0..items.len())
                    .map(|i| cell_json(items.as_ref(), i))
                    .collect(),
            )
        }
        _ => {
            let one = array.slice(row, 1);
            match fact_values(&one).ok().and_then(|v| v.into_iter().next()) {
                Some(FactValue::Bool(b)) => Value::Bool(b),
                Some(FactValue::Decimal(d)) => {
                    d.to_string().parse().map_or(Value::Null, Value::Number)
                }
                Some(FactValue::Date(d)) => Value::String(d.format("%Y-%m-%d").to_string()),
                Some(FactValue::Text(s)) => Value::String(s),
                _ => Value::Null,
            }
        }
    }
}

/// The columns that hold facts, struct columns opened up: `(fact path, column)`.
fn leaves(
    b: &ColumnBatchBuilder<'_>,
    name: &str,
    array: &ArrayRef,
    out: &mut Vec<(String, ArrayRef)>,
) {
    // A struct column named after an input: its fields are that input's facts.
    if let DataType::Struct(fields) = array.data_type()
        && let ColumnKind::Other | ColumnKind::Fact(_) = b.kind(&format!(
            "{name}.{}",
            fields.first().map_or("", |f| f.name())
        ))
        && fields
            .iter()
            .any(|f| matches!(b.kind(&format!("{name}.{}", f.name())), ColumnKind::Fact(_)))
    {
        let s = array.as_struct();
        for (i, f) in fields.iter().enumerate() {
            if let Some(col) = s.columns().get(i) {
                // A null struct makes all its fields null.
                let col = match s.nulls() {
                    Some(nulls) => arrow_array::make_array(
                        col.to_data()
                            .into_builder()
                            .nulls(arrow_buffer::NullBuffer::union(Some(nulls), col.nulls()))
                            .build()
                            .unwrap_or_else(|_| col.to_data()),
                    ),
                    None => col.clone(),
                };
                leaves(b, &format!("{name}.{}", f.name()), &col, out);
            }
        }
        return;
    }
    out.push((name.to_string(), array.clone()));
}

/// The fact-path names of a schema's columns, struct columns opened up as `b` opens them.
fn leaf_names(policy: &Policy, schema: &SchemaRef) -> Vec<String> {
    let b = policy.column_batch(0);
    let empty = RecordBatch::new_empty(schema.clone());
    let mut columns = Vec::new();
    for (field, array) in schema.fields().iter().zip(empty.columns()) {
        leaves(&b, field.name(), array, &mut columns);
    }
    columns.into_iter().map(|(n, _)| n).collect()
}

/// Feeds a record batch's columns to the builder. Fact columns are read and converted on
/// every core at once (each is independent), then installed in column order, so a row's
/// first error is the same as when converting one column after another.
fn feed_all(
    b: &mut ColumnBatchBuilder<'_>,
    schema: &SchemaRef,
    batch: &RecordBatch,
    errors: &mut Vec<ErrorReport>,
    skip: &[String],
) {
    let mut columns = Vec::new();
    for (field, array) in schema.fields().iter().zip(batch.columns()) {
        leaves(b, field.name(), array, &mut columns);
    }
    columns.retain(|(name, _)| !skip.contains(name));
    let builder: &ColumnBatchBuilder<'_> = b;
    let converted: Vec<Option<Result<FactColumn, ErrorReport>>> = columns
        .par_iter()
        .map(|(name, array)| match builder.kind(name) {
            ColumnKind::Fact(_) => Some(match fact_values(array) {
                Ok(values) => builder.convert(name, values),
                Err(why) => Err(column_error(name, format!("column `{name}`: {why}"))),
            }),
            ColumnKind::List | ColumnKind::Other => None,
        })
        .collect();
    for ((name, array), column) in columns.iter().zip(converted) {
        match column {
            Some(Ok(c)) => {
                b.put(c);
            }
            Some(Err(e)) => errors.push(e),
            None => {
                if let ColumnKind::List = b.kind(name) {
                    feed_list(b, name, array, errors);
                }
            }
        }
    }
}

/// A list input's column: JSON text per row, or Arrow lists of structs.
fn feed_list(
    b: &mut ColumnBatchBuilder<'_>,
    name: &str,
    array: &ArrayRef,
    errors: &mut Vec<ErrorReport>,
) {
    let texts: Vec<Option<String>> = match array.data_type() {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            match arrow_cast::cast(array, &DataType::Utf8) {
                Ok(s) => s
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map(str::to_string))
                    .collect(),
                Err(e) => {
                    errors.push(column_error(name, e.to_string()));
                    return;
                }
            }
        }
        DataType::List(_) | DataType::LargeList(_) => (0..array.len())
            .map(|i| (!array.is_null(i)).then(|| cell_json(array.as_ref(), i).to_string()))
            .collect(),
        other => {
            errors.push(column_error(
                name,
                format!("list input `{name}` needs JSON text or a list of structs, not {other}"),
            ));
            return;
        }
    };
    if let Err(e) = b.set_list_json(name, texts.iter().map(|t| t.as_deref())) {
        errors.push(e);
    }
}

/// Decimal places of every amount column: `decimal128(38, 10)`, 28 digits before the point
/// and 10 after, whatever the values of a batch (so two results concatenate, and Spark reads
/// the same type).
pub const AMOUNT_SCALE: u32 = 10;

/// Result columns of evaluated batches (one after the other), named as
/// [`Policy::batch_columns`] names them: per outcome its status, amounts (and, when asked,
/// each line's status and the failed lines), then the error columns. An amount that does
/// not fit `decimal128(38, 10)` is null and its row gets an `eval/precision` error: never
/// rounded.
pub fn result_columns(results: &[BatchResult]) -> Vec<(String, ArrayRef)> {
    let mut out: Vec<(String, ArrayRef)> = Vec::new();
    let Some(first) = results.first() else {
        return out;
    };
    // Amounts that do not fit the column: an error of their row (after its own).
    let mut unfit: std::collections::BTreeMap<usize, Vec<ErrorReport>> = Default::default();
    for (oi, o) in first.outcomes.iter().enumerate() {
        let outcomes = || results.iter().filter_map(move |r| r.outcomes.get(oi));
        let statuses: Vec<Option<&str>> = outcomes()
            .flat_map(|o| o.statuses.iter().map(|s| s.map(|s| s.as_str())))
            .collect();
        out.push((
            format!("{}.status", o.name),
            Arc::new(StringArray::from(statuses)),
        ));
        for (ai, (amount, _)) in o.amounts.iter().enumerate() {
            let values: Vec<Option<Decimal>> = outcomes()
                .filter_map(|o| o.amounts.get(ai))
                .flat_map(|(_, col)| col.iter().copied())
                .collect();
            let name = format!("{}.{amount}", o.name);
            let (column, bad) = decimal_column(&values);
            for row in bad {
                unfit.entry(row).or_default().push(ErrorReport {
                    code: "eval/precision".to_string(),
                    message: format!(
                        "`{name}` = {} does not fit the amount column (28 digits before the \
                         point, {AMOUNT_SCALE} after); round it in the policy",
                        values
                            .get(row)
                            .copied()
                            .flatten()
                            .map(decimal_text)
                            .unwrap_or_default()
                    ),
                    outcome: Some(o.name.clone()),
                    // The amount alone is without a value: the row stays decided (R11).
                    scope: crate::decision::ErrorScope::Amount,
                    amounts: vec![amount.clone()],
                    ..Default::default()
                });
            }
            out.push((name, column));
        }
        if o.lines.is_empty() {
            continue;
        }
        for (li, line) in o.lines.iter().enumerate() {
            let statuses: Vec<Option<&str>> = outcomes()
                .filter_map(|o| o.lines.get(li))
                .flat_map(|l| l.statuses.iter().map(|s| s.map(|s| s.as_str())))
                .collect();
            out.push((
                format!("{}.{}", o.name, line.id),
                Arc::new(StringArray::from(statuses)),
            ));
        }
        let mut failed = ListBuilder::new(StringBuilder::new());
        for part in outcomes() {
            for row in 0..part.statuses.len() {
                if part.statuses.get(row).copied().flatten().is_none() {
                    failed.append_null();
                    continue;
                }
                for id in part.failed(row) {
                    failed.values().append_value(id);
                }
                failed.append(true);
            }
        }
        out.push((format!("{}.failed", o.name), Arc::new(failed.finish())));
    }
    let rows: Vec<Vec<ErrorReport>> = results
        .iter()
        .flat_map(|r| r.errors.iter().cloned())
        .enumerate()
        .map(|(row, mut e)| {
            if let Some(more) = unfit.remove(&row) {
                e.extend(more);
            }
            e
        })
        .collect();
    let first = |f: &dyn Fn(&ErrorReport) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(
            rows.iter()
                .map(|e| e.iter().find(|e| !e.is_scoped()).and_then(f))
                .collect::<Vec<_>>(),
        ))
    };
    out.push(("error".to_string(), first(&|e| Some(e.to_string()))));
    out.push(("error.code".to_string(), first(&|e| Some(e.code.clone()))));
    out.push(("error.path".to_string(), first(&|e| e.path.clone())));
    out.push((
        "error.message".to_string(),
        first(&|e| Some(e.message.clone())),
    ));
    out.push(("errors".to_string(), error_lists(&rows)));
    out
}

/// Every error of every row: `list<struct<code, path, message, outcome, scope>>`, an empty
/// list when the row
/// is fine.
fn error_lists(rows: &[Vec<ErrorReport>]) -> ArrayRef {
    let fields = Fields::from(vec![
        Field::new("code", DataType::Utf8, false),
        Field::new("path", DataType::Utf8, true),
        Field::new("message", DataType::Utf8, false),
        Field::new("outcome", DataType::Utf8, true),
        Field::new("scope", DataType::Utf8, false),
    ]);
    let mut list = ListBuilder::new(StructBuilder::from_fields(fields.clone(), 0)).with_field(
        Arc::new(Field::new("item", DataType::Struct(fields), false)),
    );
    for errors in rows {
        for e in errors {
            let item = list.values();
            if let Some(b) = item.field_builder::<StringBuilder>(0) {
                b.append_value(&e.code);
            }
            if let Some(b) = item.field_builder::<StringBuilder>(1) {
                b.append_option(e.path.as_deref());
            }
            if let Some(b) = item.field_builder::<StringBuilder>(2) {
                b.append_value(&e.message);
            }
            if let Some(b) = item.field_builder::<StringBuilder>(3) {
                b.append_option(e.outcome.as_deref());
            }
            if let Some(b) = item.field_builder::<StringBuilder>(4) {
                b.append_value(e.scope.as_str());
            }
            item.append(true);
        }
        list.append(true);
    }
    Arc::new(list.finish())
}

/// Exact decimals as `decimal128(38, AMOUNT_SCALE)`, and the rows whose value does not fit
/// it (more decimals, or too large): those are null, never rounded.
fn decimal_column(values: &[Option<Decimal>]) -> (ArrayRef, Vec<usize>) {
    let limit = 10i128.pow(38);
    let mut bad = Vec::new();
    let mantissas: Vec<Option<i128>> = values
        .iter()
        .enumerate()
        .map(|(row, v)| {
            let d = (*v)?.normalize();
            let fits = d.scale() <= AMOUNT_SCALE && {
                let mut wide = d;
                wide.rescale(AMOUNT_SCALE);
                wide.scale() == AMOUNT_SCALE && wide.mantissa().abs() < limit
            };
            if !fits {
                bad.push(row);
                return None;
            }
            let mut wide = d;
            wide.rescale(AMOUNT_SCALE);
            Some(wide.mantissa())
        })
        .collect();
    let scale = i8::try_from(AMOUNT_SCALE).unwrap_or(10);
    let array = Decimal128Array::from(mantissas)
        .with_precision_and_scale(38, scale)
        .unwrap_or_else(|_| Decimal128Array::from(vec![None::<i128>; values.len()]));
    (Arc::new(array), bad)
}

/// Evaluates every record batch (they share `schema`); returns the input columns plus the
/// result columns (see [`result_columns`]), split along the input batches.
///
/// `cell_errors` are `(row, fact path, message)` of cells the caller could not put in a
/// typed column (a pandas object column mixing `True` and `"yes"`): each becomes its row's
/// `facts/wrong-type` error, and the rest of the rows are evaluated as usual.
pub fn evaluate_record_batches(
    policy: &Policy,
    batches: Vec<RecordBatch>,
    schema: SchemaRef,
    as_of: NaiveDate,
    cell_errors: &[(usize, String, String)],
    opts: BatchOptions,
) -> Result<(Vec<RecordBatch>, SchemaRef), ArrowBatchError> {
    policy
        .check_columns(schema.fields().iter().map(|f| f.name().as_str()), opts)
        .map_err(ArrowBatchError::Columns)?;
    let mut results = Vec::with_capacity(batches.len());
    let mut first_row = 0usize;
    for batch in &batches {
        let mut b = policy.column_batch(batch.num_rows());
        let rows = first_row..first_row + batch.num_rows();
        for (row, path, message) in cell_errors.iter().filter(|(r, _, _)| rows.contains(r)) {
            b.set_row_error(row - first_row, column_error(path, message.clone()));
        }
        first_row = rows.end;
        let mut errors = Vec::new();
        feed_all(&mut b, &schema, batch, &mut errors, &[]);
        if !errors.is_empty() {
            return Err(ArrowBatchError::Columns(errors));
        }
        let r = policy.evaluate_columns_with(&b.build(), as_of, opts)?;
        results.push(r);
    }
    if results.is_empty() {
        // No rows: still answer with the result columns, empty.
        let empty = policy.column_batch(0).build();
        let r = policy.evaluate_columns_with(&empty, as_of, opts)?;
        results.push(r);
    }
    let extra = result_columns(&results);
    let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
    for (name, array) in &extra {
        fields.push(Arc::new(Field::new(name, array.data_type().clone(), true)));
    }
    let out_schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    // Split the result columns back along the input batches.
    let mut out = Vec::with_capacity(batches.len().max(1));
    let mut offset = 0;
    let inputs: Vec<RecordBatch> = if batches.is_empty() {
        vec![RecordBatch::new_empty(schema.clone())]
    } else {
        batches
    };
    for batch in inputs {
        let n = batch.num_rows();
        let mut cols: Vec<ArrayRef> = batch.columns().to_vec();
        cols.extend(extra.iter().map(|(_, a)| a.slice(offset, n)));
        offset += n;
        let rb = RecordBatch::try_new(out_schema.clone(), cols)
            .map_err(|e| ArrowBatchError::Internal(e.to_string()))?;
        out.push(rb);
    }
    Ok((out, out_schema))
}

/// A comparison of a baseline and a reform over Arrow record batches, batch after batch
/// (constant memory): each batch's rows come back with the comparison's columns
/// ([`Comparer::columns`]) after their own, and [`ArrowComparer::summary`] sums up every
/// batch so far.
pub struct ArrowComparer<'a> {
    base: &'a Policy,
    reform: &'a Policy,
    base_as_of: NaiveDate,
    reform_as_of: NaiveDate,
    schema: SchemaRef,
    out_schema: SchemaRef,
    comparer: Comparer,
    first_row: usize,
    /// Per side, the columns it must not read ([`Comparer::foreign_columns`]).
    skip: [Vec<String>; 2],
}

impl<'a> ArrowComparer<'a> {
    /// Checks `schema`'s columns against both policies (a column is a fact if either side
    /// has it; one that is a fact misnamed on both sides, or that clashes with a comparison
    /// column, is refused) and the dates against their windows.
    pub fn new(
        base: &'a Policy,
        reform: &'a Policy,
        schema: SchemaRef,
        base_as_of: NaiveDate,
        reform_as_of: NaiveDate,
    ) -> Result<ArrowComparer<'a>, ArrowBatchError> {
        base.evaluate_batch(&[], base_as_of)?;
        reform.evaluate_batch(&[], reform_as_of)?;
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        Comparer::check_columns(base, reform, names.iter().copied())
            .map_err(ArrowBatchError::Columns)?;
        let opts = BatchOptions { lines: true };
        let comparer = Comparer::new(base, reform);
        let mut fields: Vec<Arc<Field>> = schema.fields().iter().cloned().collect();
        let mut probe = Comparer::new(base, reform);
        let rows = probe.add(
            &base.evaluate_batch_with(&[], base_as_of, opts)?,
            &reform.evaluate_batch_with(&[], reform_as_of, opts)?,
        );
        for (name, array) in compare_columns(&rows) {
            fields.push(Arc::new(Field::new(name, array.data_type().clone(), true)));
        }
        let out_schema = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
        let leaves = leaf_names(base, &schema);
        let skip = [
            Comparer::foreign_columns(base, reform, leaves.iter().map(String::as_str)),
            Comparer::foreign_columns(reform, base, leaves.iter().map(String::as_str)),
        ];
        Ok(ArrowComparer {
            skip,
            base,
            reform,
            base_as_of,
            reform_as_of,
            schema,
            out_schema,
            comparer,
            first_row: 0,
        })
    }

    /// The schema of what [`ArrowComparer::add`] returns: the input's columns, then the
    /// comparison's.
    pub fn schema(&self) -> SchemaRef {
        self.out_schema.clone()
    }

    /// Compares one batch. `cell_errors` are `(row, fact path, message)` of cells the caller
    /// could not type, rows counted from the first batch (as in
    /// [`evaluate_record_batches`]): each is an error of its row on both sides.
    pub fn add(
        &mut self,
        batch: &RecordBatch,
        cell_errors: &[(usize, String, String)],
    ) -> Result<RecordBatch, ArrowBatchError> {
        let rows = self.first_row..self.first_row + batch.num_rows();
        self.first_row = rows.end;
        let opts = BatchOptions { lines: true };
        let side = |p: &Policy,
                    as_of: NaiveDate,
                    skip: &[String]|
         -> Result<BatchResult, ArrowBatchError> {
            let mut b = p.column_batch(batch.num_rows());
            for (row, path, message) in cell_errors.iter().filter(|(r, _, _)| rows.contains(r)) {
                b.set_row_error(row - rows.start, column_error(path, message.clone()));
            }
            let mut errors = Vec::new();
            feed_all(&mut b, &self.schema, batch, &mut errors, skip);
            if !errors.is_empty() {
                return Err(ArrowBatchError::Columns(errors));
            }
            Ok(p.evaluate_columns_with(&b.build(), as_of, opts)?)
        };
        let b = side(self.base, self.base_as_of, &self.skip[0])?;
        let r = side(self.reform, self.reform_as_of, &self.skip[1])?;
        let compared = self.comparer.add(&b, &r);
        let mut cols: Vec<ArrayRef> = batch.columns().to_vec();
        cols.extend(compare_columns(&compared).into_iter().map(|(_, a)| a));
        RecordBatch::try_new(self.out_schema.clone(), cols)
            .map_err(|e| ArrowBatchError::Internal(e.to_string()))
    }

    /// The summary of every batch compared so far.
    pub fn summary(&self) -> CompareSummary {
        self.comparer.summary()
    }
}

/// A compared chunk as Arrow columns, named as [`Comparer::columns`] names them: statuses as
/// text, paid amounts and deltas as `decimal128(38, 10)`, the lines behind a change as a
/// list of ids, errors as text. An amount that does not fit the column is null, and its row's
/// `error.reform` says so (never rounded).
pub fn compare_columns(rows: &CompareRows) -> Vec<(String, ArrayRef)> {
    let n = rows.len();
    let mut reform_errors: Vec<Option<String>> = rows
        .reform_errors
        .iter()
        .map(|e| e.as_ref().map(ToString::to_string))
        .collect();
    let mut out: Vec<(String, ArrayRef)> = Vec::new();
    let text = |s: &[Option<Status>]| -> ArrayRef {
        Arc::new(StringArray::from(
            s.iter().map(|s| s.map(|s| s.as_str())).collect::<Vec<_>>(),
        ))
    };
    for o in &rows.outcomes {
        out.push((format!("{}.status.base", o.name), text(&o.base)));
        out.push((format!("{}.status.reform", o.name), text(&o.reform)));
        for a in &o.amounts {
            for (suffix, values) in [
                ("base", &a.base),
                ("reform", &a.reform),
                ("delta", &a.delta),
            ] {
                let name = format!("{}.{}.{suffix}", o.name, a.name);
                let (column, bad) = decimal_column(values);
                for row in bad {
                    if let Some(slot) = reform_errors.get_mut(row)
                        && slot.is_none()
                    {
                        *slot = Some(format!(
                            "[eval/precision] `{name}` = {} does not fit the amount column (28 \
                             digits before the point, {AMOUNT_SCALE} after)",
                            values
                                .get(row)
                                .copied()
                                .flatten()
                                .map(decimal_text)
                                .unwrap_or_default()
                        ));
                    }
                }
                out.push((name, column));
            }
        }
        let mut changed = ListBuilder::new(StringBuilder::new());
        for row in 0..n {
            for id in o.changed_lines.get(row).map_or(&[][..], Vec::as_slice) {
                changed.values().append_value(id);
            }
            changed.append(true);
        }
        out.push((
            format!("{}.changed_lines", o.name),
            Arc::new(changed.finish()),
        ));
    }
    out.push((
        "error.base".to_string(),
        Arc::new(StringArray::from(
            rows.base_errors
                .iter()
                .map(|e| e.as_ref().map(ToString::to_string))
                .collect::<Vec<_>>(),
        )),
    ));
    out.push((
        "error.reform".to_string(),
        Arc::new(StringArray::from(reform_errors)),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(v: &FactValue) -> String {
        match v {
            FactValue::Decimal(d) => decimal_text(*d),
            FactValue::Text(t) => format!("text {t}"),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn floats_become_the_decimals_they_print_as() {
        for x in [
            0.1,
            -0.5,
            123.456,
            1e-7,
            5e-324,
            1e21,
            1.7976931348623157e308,
            50_000_000.0,
            -0.0,
            9_007_199_254_740_993.0,
            0.30000000000000004,
        ] {
            assert_eq!(
                text(&float_fact(x)),
                text(&float_value(x.to_string())),
                "{x}"
            );
        }
        assert_eq!(text(&float_fact(0.1f32)), "0.1");
        assert_eq!(text(&float_fact(0.1)), "0.1");
        assert_eq!(text(&float_fact(1e-7)), "0.0000001");
    }
}
