//! `clausula compare`: a population under a baseline and a reform (two policies, or one
//! policy at two dates), in one pass over the rows and in constant memory.
//!
//! Each chunk of rows is read once and evaluated under both sides (with line statuses);
//! core's `Comparer` turns the two results into the row-level comparison and keeps the
//! summary, printed at the end. Parquet goes through core's `ArrowComparer`, as in Python.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use clausula_core::arrow::arrow_array::{ArrayRef, RecordBatch, StringArray, UInt64Array};
use clausula_core::arrow::arrow_schema::{DataType, Field, Schema};
use clausula_core::arrow::{ArrowComparer, compare_columns};
use clausula_core::{
    BatchOptions, CompareRows, CompareSummary, Comparer, FactErrors, Facts, NaiveDate, Override,
    Policy, decimal_text,
};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;

use crate::batch::{Input, Kind, kind, open_input, progress, writer_props};
use crate::commands::{load_policy, parse_as_of};
use crate::style::Style;

/// What `clausula compare` was asked.
pub(crate) struct Args<'a> {
    pub(crate) base: &'a Path,
    pub(crate) reform: Option<&'a Path>,
    pub(crate) input: &'a Path,
    pub(crate) as_of: &'a str,
    pub(crate) reform_as_of: Option<&'a str>,
    pub(crate) output: &'a Path,
    pub(crate) summary: Option<&'a Path>,
    pub(crate) set: &'a [String],
}

pub(crate) fn run(style: &Style, a: &Args<'_>) -> Result<ExitCode> {
    let base_as_of = parse_as_of(a.as_of)?;
    let reform_as_of = match a.reform_as_of {
        Some(d) => parse_as_of(d)?,
        None => base_as_of,
    };
    if a.reform.is_none() && a.reform_as_of.is_none() && a.set.is_empty() {
        bail!(
            "nothing to compare: give a REFORM policy, --reform-as-of to compare two dates, \
             or --set to override a param"
        );
    }
    let overrides = a
        .set
        .iter()
        .map(|s| Override::parse(s))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("--set: {e}"))?;
    let (in_kind, out_kind) = (kind(a.input)?, kind(a.output)?);
    if out_kind == Kind::Jsonl {
        bail!(
            "{}: a comparison is written as `.csv` or `.parquet`",
            a.output.display()
        );
    }
    let Some(base) = load_policy(style, a.base)? else {
        return Ok(ExitCode::FAILURE);
    };
    let reform = match a.reform {
        Some(p) => match load_policy(style, p)? {
            Some(p) => p,
            None => return Ok(ExitCode::FAILURE),
        },
        None => base.clone(),
    };
    let reform = if overrides.is_empty() {
        reform
    } else {
        reform.with_params(&overrides).map_err(|errors| {
            let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
            anyhow!("--set: {}", text.join("; "))
        })?
    };
    // The windows concern every row alike: refuse before reading anything.
    for (p, d) in [(&base, base_as_of), (&reform, reform_as_of)] {
        if let Err(e) = p.evaluate_batch(&[], d) {
            bail!("{e}");
        }
    }
    let started = Instant::now();
    let summary = if in_kind == Kind::Parquet {
        if out_kind != Kind::Parquet {
            bail!(
                "{}: a Parquet input is written as Parquet; name the output `.parquet`",
                a.output.display()
            );
        }
        parquet_to_parquet(&base, &reform, a, base_as_of, reform_as_of)?
    } else {
        rows(
            &base,
            &reform,
            a,
            in_kind,
            out_kind,
            base_as_of,
            reform_as_of,
        )?
    };
    out!("{}", summary.to_text());
    std::io::Write::flush(&mut std::io::stdout()).ok();
    eprintln!(
        "compared {} rows in {:.2} s",
        summary.rows,
        started.elapsed().as_secs_f64()
    );
    if let Some(path) = a.summary {
        let text = serde_json::to_string_pretty(&summary)?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A Parquet input, batch by batch: every input column kept, the comparison's added.
fn parquet_to_parquet(
    base: &Policy,
    reform: &Policy,
    a: &Args<'_>,
    base_as_of: NaiveDate,
    reform_as_of: NaiveDate,
) -> Result<CompareSummary> {
    if a.input == Path::new("-") {
        bail!("a Parquet input must be a file (its footer is read first), not standard input");
    }
    let meta =
        std::fs::metadata(a.input).with_context(|| format!("reading {}", a.input.display()))?;
    if !meta.is_file() {
        bail!("{}: not a regular file", a.input.display());
    }
    let file = File::open(a.input).with_context(|| format!("opening {}", a.input.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{}: not a readable Parquet file", a.input.display()))?;
    let schema = builder.schema().clone();
    let mut cmp = ArrowComparer::new(base, reform, schema, base_as_of, reform_as_of)
        .map_err(|e| anyhow!("{}: {e}", a.input.display()))?;
    let reader = builder
        .with_batch_size(crate::batch::CHUNK)
        .build()
        .with_context(|| format!("{}: not a readable Parquet file", a.input.display()))?;
    let out_file =
        File::create(a.output).with_context(|| format!("creating {}", a.output.display()))?;
    let mut writer = ArrowWriter::try_new(out_file, cmp.schema(), Some(writer_props()))
        .context("starting the Parquet output")?;
    for batch in reader {
        let batch = batch.with_context(|| format!("reading {}", a.input.display()))?;
        let out = cmp
            .add(&batch, &[])
            .map_err(|e| anyhow!("{}: {e}", a.input.display()))?;
        writer.write(&out).context("writing the Parquet output")?;
    }
    writer.close().context("finishing the Parquet output")?;
    Ok(cmp.summary())
}

/// A CSV or JSON lines input, chunk by chunk, to CSV or Parquet.
fn rows(
    base: &Policy,
    reform: &Policy,
    a: &Args<'_>,
    in_kind: Kind,
    out_kind: Kind,
    base_as_of: NaiveDate,
    reform_as_of: NaiveDate,
) -> Result<CompareSummary> {
    let (sb, sr) = (base.inputs(), reform.inputs());
    let Input {
        mut reader,
        carried,
        count,
        total,
    } = open_input(a.input, in_kind, &[&sr, &sb], &|columns| {
        Comparer::check_columns(base, reform, columns.iter().map(String::as_str))
    })?;
    if let Some(c) = carried.iter().find(|c| *c == "row" || *c == "line") {
        bail!("the CSV header names `{c}`, a column the output adds: rename it");
    }
    // One policy (at two dates, or with overrides: the same inputs): the facts are read once.
    let same = a.reform.is_none();
    // Per side, the facts only the other side has (a field the reform adds): left out of
    // what that side reads, or every row would be its unknown-field error.
    let paths = |s: &clausula_core::Schema| -> Vec<String> {
        s.inputs
            .iter()
            .flat_map(|i| i.fields.iter().map(|f| f.path.clone()))
            .collect()
    };
    let (pb, pr) = (paths(&sb), paths(&sr));
    let skip_base = Comparer::foreign_columns(base, reform, pr.iter().map(String::as_str));
    let skip_reform = Comparer::foreign_columns(reform, base, pb.iter().map(String::as_str));
    let mut cmp = Comparer::new(base, reform);
    let out_file =
        File::create(a.output).with_context(|| format!("creating {}", a.output.display()))?;
    let mut head = vec!["row".to_string(), "line".to_string()];
    head.extend(carried.iter().cloned());
    head.extend(cmp.columns());
    let (mut csv_out, mut parquet_out) = if out_kind == Kind::Parquet {
        let empty = cmp.add(
            &base.evaluate_batch_with(&[], base_as_of, BatchOptions { lines: true })?,
            &reform.evaluate_batch_with(&[], reform_as_of, BatchOptions { lines: true })?,
        );
        cmp = Comparer::new(base, reform);
        let mut fields = vec![
            Field::new("row", DataType::UInt64, false),
            Field::new("line", DataType::UInt64, false),
        ];
        fields.extend(carried.iter().map(|c| Field::new(c, DataType::Utf8, false)));
        fields.extend(
            compare_columns(&empty)
                .into_iter()
                .map(|(n, arr)| Field::new(n, arr.data_type().clone(), true)),
        );
        let schema = Arc::new(Schema::new(fields));
        let w = ArrowWriter::try_new(out_file, schema.clone(), Some(writer_props()))
            .context("starting the Parquet output")?;
        (None, Some((w, schema)))
    } else {
        let mut w = csv::Writer::from_writer(BufWriter::new(out_file));
        w.write_record(&head)?;
        (Some(w), None)
    };
    let bar = progress(total);
    let opts = BatchOptions { lines: true };
    let mut row_no: u64 = 0;
    loop {
        let chunk = reader.next_chunk()?;
        if chunk.is_empty() {
            break;
        }
        let lines: Vec<u64> = chunk.iter().map(|(l, _, _)| *l).collect();
        let facts = |p: &Policy, skip: &[String]| -> Vec<Result<Facts, FactErrors>> {
            chunk
                .par_iter()
                .map(|(_, r, _)| match r {
                    Ok(v) if skip.is_empty() => p.facts(v),
                    Ok(v) => p.facts(&without(v, skip)),
                    Err(e) => Err(FactErrors::from(vec![e.clone()])),
                })
                .collect()
        };
        let fb = facts(base, &skip_base);
        let b = base.evaluate_batch_with(&fb, base_as_of, opts)?;
        let r = if same {
            reform.evaluate_batch_with(&fb, reform_as_of, opts)?
        } else {
            reform.evaluate_batch_with(&facts(reform, &skip_reform), reform_as_of, opts)?
        };
        let compared = cmp.add(&b, &r);
        let first = row_no + 1;
        row_no += compared.len() as u64;
        if let Some(w) = csv_out.as_mut() {
            for (i, (line, _, cells)) in chunk.iter().enumerate() {
                let mut rec = vec![(first + i as u64).to_string(), line.to_string()];
                rec.extend(cells.iter().cloned());
                rec.extend(csv_cells(&compared, i)?);
                w.write_record(&rec)?;
            }
        }
        if let Some((w, schema)) = parquet_out.as_mut() {
            let mut columns: Vec<ArrayRef> = vec![
                Arc::new(UInt64Array::from_iter_values(
                    (0..compared.len() as u64).map(|i| first + i),
                )),
                Arc::new(UInt64Array::from(lines)),
            ];
            for k in 0..carried.len() {
                columns.push(Arc::new(StringArray::from_iter_values(
                    chunk
                        .iter()
                        .map(|(_, _, cells)| cells.get(k).map_or("", String::as_str)),
                )));
            }
            columns.extend(compare_columns(&compared).into_iter().map(|(_, c)| c));
            let batch = RecordBatch::try_new(schema.clone(), columns)
                .map_err(|e| anyhow!("internal: assembling the Parquet rows: {e}"))?;
            w.write(&batch).context("writing the Parquet output")?;
        }
        bar.set_position(count.load(std::sync::atomic::Ordering::Relaxed));
    }
    if let Some(w) = csv_out.as_mut() {
        w.flush()?;
    }
    if let Some((w, _)) = parquet_out {
        w.close().context("finishing the Parquet output")?;
    }
    bar.finish_and_clear();
    Ok(cmp.summary())
}

/// A row's facts without the given `entity.field` paths.
fn without(v: &serde_json::Value, paths: &[String]) -> serde_json::Value {
    let mut v = v.clone();
    for p in paths {
        if let Some((entity, field)) = p.split_once('.')
            && let Some(obj) = v.get_mut(entity).and_then(serde_json::Value::as_object_mut)
        {
            obj.remove(field);
        }
    }
    v
}

/// Row `i` of a compared chunk as CSV cells, in [`Comparer::columns`] order.
fn csv_cells(c: &CompareRows, i: usize) -> Result<Vec<String>> {
    let status = |s: &[Option<clausula_core::Status>]| {
        s.get(i)
            .copied()
            .flatten()
            .map_or(String::new(), |s| s.as_str().to_string())
    };
    let amount = |v: &[Option<clausula_core::Decimal>]| {
        v.get(i)
            .copied()
            .flatten()
            .map(decimal_text)
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for o in &c.outcomes {
        out.push(status(&o.base));
        out.push(status(&o.reform));
        for a in &o.amounts {
            out.push(amount(&a.base));
            out.push(amount(&a.reform));
            out.push(amount(&a.delta));
        }
        out.push(serde_json::to_string(
            o.changed_lines.get(i).map_or(&[][..], Vec::as_slice),
        )?);
    }
    let error = |e: &[Option<clausula_core::ErrorReport>]| {
        e.get(i)
            .and_then(Option::as_ref)
            .map(ToString::to_string)
            .unwrap_or_default()
    };
    out.push(error(&c.base_errors));
    out.push(error(&c.reform_errors));
    Ok(out)
}
