//! Target `batch`: any bytes as a batch input file, CSV and JSON lines. Shared, by `#[path]`,
//! with `cli/tests/fuzz_regressions.rs`.
//!
//! The property is the CLI's promise: every record in gives one row out. Reading never fails
//! on bytes (only on I/O), the records' line ranges are in order, never overlap, and cover
//! every non-blank line; a JSON-lines file gives exactly one row per non-blank line.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a fuzz harness fails by panicking"
)]

#[path = "../../cli/src/records.rs"]
mod records;

use records::{CsvRecords, Lines, next_json_line};

pub(crate) fn batch(data: &[u8]) {
    if data.len() > 64 * 1024 {
        return;
    }
    // A small record limit, so that over-long records are met too.
    let mut reader = CsvRecords::new(Lines::with_limit(data, 300));
    let mut width = None;
    let mut last = 0u64;
    let mut covered: Vec<(u64, u64)> = Vec::new();
    while let Some(rec) = reader.next_record(width).unwrap() {
        assert!(
            rec.line > last && rec.end >= rec.line,
            "records out of order"
        );
        if width.is_none() {
            width = Some(rec.value.as_ref().map_or(1, Vec::len));
        }
        last = rec.end;
        covered.push((rec.line, rec.end));
    }
    // Every non-blank line belongs to a record (lines are what `split` on b'\n' gives).
    let mut lines: Vec<&[u8]> = data.split(|b| *b == b'\n').collect();
    if data.ends_with(b"\n") {
        lines.pop();
    }
    for (i, l) in lines.iter().enumerate() {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        let n = i as u64 + 1;
        if !l.is_empty() {
            assert!(
                covered.iter().any(|(a, b)| *a <= n && n <= *b),
                "line {n} is in no record"
            );
        }
    }
    let mut reader = Lines::with_limit(data, 300);
    let mut rows = 0usize;
    while next_json_line(&mut reader).unwrap().is_some() {
        rows += 1;
    }
    let want = lines
        .iter()
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .count();
    assert_eq!(rows, want, "one row per non-blank JSON line");
}
