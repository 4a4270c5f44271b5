//! `clausula batch`: score a file of applications in constant memory, on all cores.
//!
//! Rows are read in chunks; each chunk is validated in parallel and evaluated with
//! `Policy::evaluate_batch` (column at a time, parallel), then written in input order.
//! Every input row gives exactly one output row; a bad row carries its error.
//!
//! Parquet files go through Arrow: a Parquet input is read batch by batch and evaluated
//! with [`clausula_core::arrow`] (the conversion the Python binding uses), keeping every input
//! column; a CSV or JSON lines input can be written as Parquet too.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, BufWriter, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clausula_core::arrow::arrow_array::{
    Array, ArrayRef, RecordBatch, StringArray, UInt64Array, cast::AsArray,
};
use clausula_core::arrow::arrow_schema::{DataType, Field, Schema, SchemaRef};
use clausula_core::arrow::{evaluate_record_batches, result_columns};
use clausula_core::{
    BatchOptions, BatchResult, ErrorReport, FactErrors, Facts, NaiveDate, Policy, Status,
    decimal_text,
};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::commands::{load_policy, parse_as_of};
use crate::records::{CsvRecords, Lines, next_json_line};
use crate::style::Style;

/// Rows per chunk (bounded memory, enough work for every core).
pub(crate) const CHUNK: usize = 16 * 1024;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Csv,
    Jsonl,
    Parquet,
}

pub(crate) fn kind(p: &Path) -> Result<Kind> {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => Ok(Kind::Csv),
        Some("jsonl" | "ndjson") => Ok(Kind::Jsonl),
        Some("parquet" | "pq") => Ok(Kind::Parquet),
        _ => bail!("{}: use a .csv, .jsonl or .parquet file", p.display()),
    }
}

pub(crate) type Row = Result<Value, ErrorReport>;

fn row_error(code: &str, message: String) -> ErrorReport {
    ErrorReport {
        code: code.to_string(),
        message,
        ..Default::default()
    }
}

/// Reads rows as facts JSON, chunk by chunk, each with the line it starts on.
pub(crate) enum Reader {
    Csv {
        records: Box<CsvRecords<BufReader<CountingReader>>>,
        columns: Vec<String>,
        /// Per column: whether it holds a fact (else it is carried to the output).
        facts: Vec<bool>,
        types: HashMap<String, String>,
        lists: Vec<String>,
    },
    Jsonl {
        lines: Lines<BufReader<CountingReader>>,
    },
}

/// The input (a regular file or standard input), counting bytes for the progress bar.
pub(crate) struct CountingReader {
    inner: Box<dyn std::io::Read + Send>,
    count: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl std::io::Read for CountingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

impl Reader {
    /// Up to [`CHUNK`] records. Every record gives one row (a malformed one an error row)
    /// with the cells of its carried columns (empty for JSON lines).
    pub(crate) fn next_chunk(&mut self) -> Result<Vec<(u64, Row, Vec<String>)>> {
        let mut out = Vec::new();
        match self {
            Reader::Csv {
                records,
                columns,
                facts,
                types,
                lists,
            } => {
                while let Some(rec) = records
                    .next_record(Some(columns.len()))
                    .context("reading the input")?
                {
                    let carried: Vec<String> = match &rec.value {
                        Ok(r) => facts
                            .iter()
                            .enumerate()
                            .filter(|(_, f)| !**f)
                            .map(|(i, _)| r.get(i).cloned().unwrap_or_default())
                            .collect(),
                        Err(_) => vec![String::new(); facts.iter().filter(|f| !**f).count()],
                    };
                    let row = match rec.value {
                        Ok(r) if r.len() != columns.len() => Err(row_error(
                            "facts/invalid-json",
                            format!(
                                "the row has {} fields, the header {}",
                                r.len(),
                                columns.len()
                            ),
                        )),
                        Ok(r) => csv_row(&r, columns, facts, types, lists),
                        Err(why) => Err(row_error(
                            "facts/invalid-json",
                            format!("unreadable CSV record: {why}"),
                        )),
                    };
                    out.push((rec.line, row, carried));
                    if out.len() >= CHUNK {
                        break;
                    }
                }
            }
            Reader::Jsonl { lines } => {
                while let Some(rec) = next_json_line(lines).context("reading the input")? {
                    let row = match rec.value {
                        Ok(l) => clausula_core::parse_json(&l),
                        Err(why) => Err(row_error("facts/too-large", why)),
                    };
                    out.push((rec.line, row, Vec::new()));
                    if out.len() >= CHUNK {
                        break;
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A CSV record as facts: fact columns are fact paths, empty cells unknown, list columns
/// JSON; other columns are carried, not read.
fn csv_row(
    r: &[String],
    columns: &[String],
    is_fact: &[bool],
    types: &HashMap<String, String>,
    lists: &[String],
) -> Row {
    let mut facts = Map::new();
    for ((col, cell), fact) in columns.iter().zip(r.iter()).zip(is_fact) {
        let cell = cell.as_str();
        if cell.is_empty() || !fact {
            continue;
        }
        if lists.contains(col) {
            let v = clausula_core::parse_json(cell.as_bytes())?;
            facts.insert(col.clone(), v);
            continue;
        }
        let (entity, field) = col.split_once('.').unwrap_or((col.as_str(), ""));
        let value = match types.get(col).map(String::as_str) {
            Some("bool") if cell == "true" || cell == "false" => Value::Bool(cell == "true"),
            Some("int") => cell
                .parse::<serde_json::Number>()
                .map_or_else(|_| Value::String(cell.to_string()), Value::Number),
            _ => Value::String(cell.to_string()),
        };
        let obj = facts
            .entry(entity.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        match obj {
            Value::Object(o) => {
                o.insert(field.to_string(), value);
            }
            _ => {
                return Err(row_error(
                    "facts/not-an-object",
                    format!(
                        "column `{col}` nests under `{entity}`, which another column gives whole"
                    ),
                ));
            }
        }
    }
    Ok(Value::Object(facts))
}

fn status_text(s: Option<Status>) -> &'static str {
    s.map_or("", Status::as_str)
}

fn error_text(e: &ErrorReport) -> String {
    e.to_string()
}

/// A row's errors as the `errors` column writes them: `code`, `path`, `message` each.
fn error_items(errors: &[ErrorReport]) -> Vec<Value> {
    errors
        .iter()
        .map(|e| {
            serde_json::json!({
                "code": e.code,
                "path": e.path,
                "message": e.message,
                "outcome": e.outcome,
                "scope": e.scope,
            })
        })
        .collect()
}

pub(crate) fn run(
    style: &Style,
    policy: &Path,
    input: &Path,
    as_of: &str,
    output: &Path,
    opts: BatchOptions,
) -> Result<ExitCode> {
    let as_of = parse_as_of(as_of)?;
    let (in_kind, out_kind) = (kind(input)?, kind(output)?);
    let Some(policy) = load_policy(style, policy)? else {
        return Ok(ExitCode::FAILURE);
    };
    // The window concerns every row alike: refuse before reading anything.
    if let Err(e) = policy.evaluate_batch(&[], as_of) {
        bail!("{e}");
    }
    if in_kind == Kind::Parquet {
        if out_kind != Kind::Parquet {
            bail!(
                "{}: a Parquet input is written as Parquet (its columns are typed and may be \
                 nested); name the output `.parquet`",
                output.display()
            );
        }
        let started = Instant::now();
        let tally = parquet_to_parquet(&policy, input, as_of, output, opts)?;
        tally.report(started);
        return Ok(ExitCode::SUCCESS);
    }
    let schema = policy.inputs();
    let Input {
        mut reader,
        carried,
        count,
        total,
    } = open_input(input, in_kind, &[&schema], &|columns| {
        policy.check_columns(columns.iter().map(String::as_str), opts)
    })?;
    let outcome_names: Vec<String> = schema.outcomes.iter().map(|o| o.name.clone()).collect();
    if let Some(c) = carried.iter().find(|c| *c == "row" || *c == "line") {
        bail!("the CSV header names `{c}`, a column the output adds: rename it");
    }
    let out_file =
        File::create(output).with_context(|| format!("creating {}", output.display()))?;
    let (mut csv_out, mut out, mut parquet_out) = match out_kind {
        Kind::Csv => (
            Some(csv::Writer::from_writer(BufWriter::new(out_file))),
            None,
            None,
        ),
        Kind::Jsonl => (None, Some(BufWriter::new(out_file)), None),
        Kind::Parquet => {
            let schema = row_schema(&policy, as_of, opts, &carried)?;
            let writer = ArrowWriter::try_new(out_file, schema.clone(), Some(writer_props()))
                .context("starting the Parquet output")?;
            (None, None, Some((writer, schema)))
        }
    };
    if let Some(w) = csv_out.as_mut() {
        let mut header = vec!["row".to_string(), "line".to_string()];
        header.extend(carried.iter().cloned());
        header.extend(policy.batch_columns(opts));
        w.write_record(&header)?;
    }

    let bar = progress(total);
    let started = Instant::now();
    let mut row_no: u64 = 0;
    let mut with_errors: u64 = 0;
    let mut eligible: Vec<u64> = vec![0; outcome_names.len()];
    loop {
        let rows = reader.next_chunk()?;
        if rows.is_empty() {
            break;
        }
        let line_numbers: Vec<u64> = rows.iter().map(|(l, _, _)| *l).collect();
        let mut carried_cells: Vec<Vec<String>> = Vec::with_capacity(rows.len());
        let mut values = Vec::with_capacity(rows.len());
        for (_, r, c) in rows {
            carried_cells.push(c);
            values.push(r);
        }
        let facts: Vec<Result<Facts, FactErrors>> = values
            .into_par_iter()
            .map(|r| match r {
                Ok(v) => policy.facts(&v),
                Err(e) => Err(FactErrors::from(vec![e])),
            })
            .collect();
        let result: BatchResult = policy.evaluate_batch_with(&facts, as_of, opts)?;
        if let Some((writer, schema)) = parquet_out.as_mut() {
            let first_row = row_no + 1;
            let mut columns: Vec<ArrayRef> = vec![
                Arc::new(UInt64Array::from_iter_values(
                    (0..result.len() as u64).map(|i| first_row + i),
                )),
                Arc::new(UInt64Array::from(line_numbers.clone())),
            ];
            for k in 0..carried.len() {
                columns.push(Arc::new(StringArray::from_iter_values(
                    carried_cells
                        .iter()
                        .map(|cells| cells.get(k).map_or("", String::as_str)),
                )));
            }
            columns.extend(
                result_columns(std::slice::from_ref(&result))
                    .into_iter()
                    .map(|(_, a)| a),
            );
            let batch = RecordBatch::try_new(schema.clone(), columns)
                .map_err(|e| anyhow!("internal: assembling the Parquet rows: {e}"))?;
            writer.write(&batch).context("writing the Parquet output")?;
        }
        for i in 0..result.len() {
            row_no += 1;
            let line_no = line_numbers.get(i).copied().unwrap_or(0);
            let err = result.row_error(i);
            if err.is_some() {
                with_errors += 1;
            }
            for (k, o) in result.outcomes.iter().enumerate() {
                if o.statuses.get(i).copied().flatten() == Some(Status::Eligible)
                    && let Some(c) = eligible.get_mut(k)
                {
                    *c += 1;
                }
            }
            if parquet_out.is_some() {
                continue;
            }
            match csv_out.as_mut() {
                Some(w) => {
                    let mut rec = vec![row_no.to_string(), line_no.to_string()];
                    rec.extend(carried_cells.get(i).cloned().unwrap_or_default());
                    for o in &result.outcomes {
                        let decided = o.statuses.get(i).copied().flatten();
                        rec.push(status_text(decided).to_string());
                        for (_, col) in &o.amounts {
                            rec.push(
                                col.get(i)
                                    .copied()
                                    .flatten()
                                    .map(decimal_text)
                                    .unwrap_or_default(),
                            );
                        }
                        if opts.lines {
                            for l in &o.lines {
                                let s = l.statuses.get(i).copied().flatten();
                                rec.push(s.map_or("", |s| s.as_str()).to_string());
                            }
                            rec.push(if decided.is_some() {
                                serde_json::to_string(&o.failed(i))?
                            } else {
                                String::new()
                            });
                        }
                    }
                    let all = result.errors.get(i).map_or(&[][..], Vec::as_slice);
                    rec.push(err.map(error_text).unwrap_or_default());
                    rec.push(err.map(|e| e.code.clone()).unwrap_or_default());
                    rec.push(err.and_then(|e| e.path.clone()).unwrap_or_default());
                    rec.push(err.map(|e| e.message.clone()).unwrap_or_default());
                    rec.push(serde_json::to_string(&error_items(all))?);
                    w.write_record(&rec)?;
                }
                None => {
                    let Some(out) = out.as_mut() else { continue };
                    let mut outcomes = Map::new();
                    for o in &result.outcomes {
                        let mut amounts = Map::new();
                        for (name, col) in &o.amounts {
                            if let Some(v) = col.get(i).copied().flatten() {
                                amounts.insert(name.clone(), Value::String(decimal_text(v)));
                            }
                        }
                        let status = o
                            .statuses
                            .get(i)
                            .copied()
                            .flatten()
                            .map_or(Value::Null, |s| Value::String(s.as_str().to_string()));
                        let mut entry = Map::new();
                        entry.insert("status".to_string(), status);
                        entry.insert("amounts".to_string(), Value::Object(amounts));
                        if opts.lines && o.statuses.get(i).copied().flatten().is_some() {
                            let lines: Map<String, Value> = o
                                .lines
                                .iter()
                                .filter_map(|l| {
                                    let s = l.statuses.get(i).copied().flatten()?;
                                    Some((l.id.clone(), Value::String(s.as_str().to_string())))
                                })
                                .collect();
                            entry.insert("lines".to_string(), Value::Object(lines));
                            entry.insert("failed".to_string(), serde_json::to_value(o.failed(i))?);
                        }
                        outcomes.insert(o.name.clone(), Value::Object(entry));
                    }
                    let mut line = serde_json::json!({
                        "row": row_no,
                        "line": line_no,
                        "outcomes": outcomes,
                        "error": err.map(|e| serde_json::to_value(e).unwrap_or(Value::Null)),
                        "errors": result.errors.get(i).map_or(&[][..], Vec::as_slice),
                    });
                    if !carried.is_empty()
                        && let Some(obj) = line.as_object_mut()
                    {
                        let columns: Map<String, Value> = carried
                            .iter()
                            .cloned()
                            .zip(
                                carried_cells
                                    .get(i)
                                    .cloned()
                                    .unwrap_or_default()
                                    .into_iter()
                                    .map(Value::String),
                            )
                            .collect();
                        obj.insert("columns".to_string(), Value::Object(columns));
                    }
                    serde_json::to_writer(&mut *out, &line)?;
                    out.write_all(b"\n")?;
                }
            }
        }
        bar.set_position(count.load(std::sync::atomic::Ordering::Relaxed));
    }
    if let Some(w) = csv_out.as_mut() {
        w.flush()?;
    }
    if let Some(o) = out.as_mut() {
        o.flush()?;
    }
    if let Some((writer, _)) = parquet_out {
        writer.close().context("finishing the Parquet output")?;
    }
    bar.finish_and_clear();
    Tally {
        rows: row_no,
        with_errors,
        eligible: outcome_names.into_iter().zip(eligible).collect(),
    }
    .report(started);
    Ok(ExitCode::SUCCESS)
}

/// A progress bar over the input's bytes, on a terminal only.
pub(crate) fn progress(total: u64) -> indicatif::ProgressBar {
    if std::io::stderr().is_terminal() {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta} {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    } else {
        indicatif::ProgressBar::hidden()
    }
}

/// An opened CSV or JSON lines input: its records, the CSV columns carried to the output,
/// and the bytes read so far of `total`.
pub(crate) struct Input {
    pub(crate) reader: Reader,
    pub(crate) carried: Vec<String>,
    pub(crate) count: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub(crate) total: u64,
}

/// The column rule of a command: the CSV header's names, refused with reports.
pub(crate) type ColumnCheck<'a> =
    dyn Fn(&[String]) -> std::result::Result<(), Vec<ErrorReport>> + 'a;

/// Opens a CSV or JSON lines input (a regular file or `-`). A CSV header is checked with
/// `check` (the policy's column rules) and read with the fact types of `schemas` (the
/// first that declares a path wins).
pub(crate) fn open_input(
    input: &Path,
    in_kind: Kind,
    schemas: &[&clausula_core::Schema],
    check: &ColumnCheck<'_>,
) -> Result<Input> {
    let mut types: HashMap<String, String> = HashMap::new();
    for schema in schemas.iter().rev() {
        for i in &schema.inputs {
            for f in &i.fields {
                types.insert(f.path.clone(), f.ty.clone());
            }
        }
    }
    let lists: Vec<String> = schemas
        .iter()
        .flat_map(|s| s.inputs.iter().filter(|i| i.list).map(|i| i.name.clone()))
        .collect();

    let (source, total): (Box<dyn std::io::Read + Send>, u64) = if input == Path::new("-") {
        (Box::new(std::io::stdin()), 0)
    } else {
        // A regular file only: a FIFO or a device could block or never end.
        let meta =
            std::fs::metadata(input).with_context(|| format!("reading {}", input.display()))?;
        if !meta.is_file() {
            bail!("{}: not a regular file", input.display());
        }
        let file = File::open(input).with_context(|| format!("opening {}", input.display()))?;
        (Box::new(file), meta.len())
    };
    let count = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counting = BufReader::new(CountingReader {
        inner: source,
        count: count.clone(),
    });
    let reader = match in_kind {
        Kind::Csv => {
            let mut records = Box::new(CsvRecords::new(Lines::new(counting)));
            let header = records
                .next_record(None)
                .context("reading the CSV header")?
                .context("the input is empty: a CSV file needs a header of fact paths")?;
            let columns: Vec<String> = header
                .value
                .map_err(|why| anyhow::anyhow!("the CSV header (line {}): {why}", header.line))?
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').trim().to_string())
                .collect();
            let mut first_at: HashMap<&str, usize> = HashMap::new();
            for (i, c) in columns.iter().enumerate() {
                if let Some(j) = first_at.insert(c.as_str(), i) {
                    bail!(
                        "the CSV header names `{c}` twice (columns {} and {}): one value per fact",
                        j + 1,
                        i + 1
                    );
                }
            }
            if let Err(errors) = check(&columns) {
                let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
                bail!("the CSV header: {}", text.join("; "));
            }
            let entities: Vec<&str> = schemas
                .iter()
                .flat_map(|s| s.inputs.iter().map(|i| i.name.as_str()))
                .collect();
            let facts = columns
                .iter()
                .map(|c| entities.contains(&c.split_once('.').map_or(c.as_str(), |(h, _)| h)))
                .collect();
            Reader::Csv {
                records,
                columns,
                facts,
                types,
                lists,
            }
        }
        Kind::Jsonl | Kind::Parquet => Reader::Jsonl {
            lines: Lines::new(counting),
        },
    };

    let carried: Vec<String> = match &reader {
        Reader::Csv { columns, facts, .. } => columns
            .iter()
            .zip(facts)
            .filter(|(_, f)| !**f)
            .map(|(c, _)| c.clone())
            .collect(),
        Reader::Jsonl { .. } => Vec::new(),
    };
    Ok(Input {
        reader,
        carried,
        count,
        total,
    })
}

/// What a run scored, for the closing line on standard error.
struct Tally {
    rows: u64,
    with_errors: u64,
    eligible: Vec<(String, u64)>,
}

impl Tally {
    fn report(&self, started: Instant) {
        let secs = started.elapsed().as_secs_f64();
        let rate = if secs > 0.0 {
            self.rows as f64 / secs
        } else {
            0.0
        };
        let per_outcome: Vec<String> = self
            .eligible
            .iter()
            .map(|(n, c)| format!("{n}: {c} eligible"))
            .collect();
        eprintln!(
            "scored {} rows in {secs:.2} s ({rate:.0} rows/s); {} not decided (bad facts); {}",
            self.rows,
            self.with_errors,
            per_outcome.join(", ")
        );
    }
}

/// Rows per Parquet row group: large enough to compress well, small enough to keep the
/// writer's buffer bounded.
const ROW_GROUP: usize = 4 * CHUNK;

pub(crate) fn writer_props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .build()
}

/// The Parquet output's columns for a CSV or JSON lines input: `row`, `line`, the carried
/// columns (text), then the result columns (typed as the Arrow conversion types them).
fn row_schema(
    policy: &Policy,
    as_of: NaiveDate,
    opts: BatchOptions,
    carried: &[String],
) -> Result<SchemaRef> {
    let empty = policy.evaluate_batch_with(&[], as_of, opts)?;
    let mut fields = vec![
        Field::new("row", DataType::UInt64, false),
        Field::new("line", DataType::UInt64, false),
    ];
    fields.extend(carried.iter().map(|c| Field::new(c, DataType::Utf8, false)));
    fields.extend(
        result_columns(std::slice::from_ref(&empty))
            .into_iter()
            .map(|(name, a)| Field::new(name, a.data_type().clone(), true)),
    );
    Ok(Arc::new(Schema::new(fields)))
}

/// A Parquet input, batch by batch: every input column kept, the result columns added.
fn parquet_to_parquet(
    policy: &Policy,
    input: &Path,
    as_of: NaiveDate,
    output: &Path,
    opts: BatchOptions,
) -> Result<Tally> {
    if input == Path::new("-") {
        bail!("a Parquet input must be a file (its footer is read first), not standard input");
    }
    // A regular file only: a FIFO or a device could block or never end.
    let meta = std::fs::metadata(input).with_context(|| format!("reading {}", input.display()))?;
    if !meta.is_file() {
        bail!("{}: not a regular file", input.display());
    }
    let file = File::open(input).with_context(|| format!("opening {}", input.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{}: not a readable Parquet file", input.display()))?;
    let schema: SchemaRef = builder.schema().clone();
    let mut first_at: HashMap<&str, usize> = HashMap::new();
    for (i, f) in schema.fields().iter().enumerate() {
        if let Some(j) = first_at.insert(f.name().as_str(), i) {
            bail!(
                "{}: the column `{}` appears twice (columns {} and {}): one value per fact",
                input.display(),
                f.name(),
                j + 1,
                i + 1
            );
        }
    }
    // The columns are checked against the policy (and the output's columns known) before
    // anything is written.
    let (_, out_schema) =
        evaluate_record_batches(policy, Vec::new(), schema.clone(), as_of, &[], opts)
            .map_err(|e| anyhow!("{}: {e}", input.display()))?;
    let reader = builder
        .with_batch_size(CHUNK)
        .build()
        .with_context(|| format!("{}: not a readable Parquet file", input.display()))?;
    let out_file =
        File::create(output).with_context(|| format!("creating {}", output.display()))?;
    let mut writer = ArrowWriter::try_new(out_file, out_schema, Some(writer_props()))
        .context("starting the Parquet output")?;
    let outcomes = policy.inputs().outcomes;
    let mut tally = Tally {
        rows: 0,
        with_errors: 0,
        eligible: outcomes.iter().map(|o| (o.name.clone(), 0)).collect(),
    };
    for batch in reader {
        let batch = batch.with_context(|| format!("reading {}", input.display()))?;
        let (scored, _) =
            evaluate_record_batches(policy, vec![batch], schema.clone(), as_of, &[], opts)
                .map_err(|e| anyhow!("{}: {e}", input.display()))?;
        for b in &scored {
            tally.rows += b.num_rows() as u64;
            if let Some(e) = b.column_by_name("error") {
                tally.with_errors += (e.len() - e.null_count()) as u64;
            }
            for (name, count) in &mut tally.eligible {
                if let Some(s) = b.column_by_name(&format!("{name}.status"))
                    && let Some(s) = s.as_string_opt::<i32>()
                {
                    *count += s.iter().filter(|v| *v == Some("eligible")).count() as u64;
                }
            }
            writer.write(b).context("writing the Parquet output")?;
        }
    }
    writer.close().context("finishing the Parquet output")?;
    Ok(tally)
}
