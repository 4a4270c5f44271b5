//! Reading batch input record by record in bounded memory, and never losing a record.
//!
//! A line longer than [`MAX_RECORD_BYTES`] is an error for that line (the rest of it is
//! skipped without being stored). A CSV record may span lines inside a quoted field; when a
//! quote is never closed, or closing it would give a record of the wrong width or past the
//! limit, the record's first line alone is the error and reading goes on with the next line.
//! So every line of the input belongs to exactly one output row (blank lines to none), and a
//! broken record never swallows the records after it.

use std::collections::VecDeque;
use std::io::BufRead;

/// Longest record (one JSON line, or one CSV record with its quoted line breaks), in bytes.
pub(crate) const MAX_RECORD_BYTES: usize = 16 * 1024 * 1024;

/// One physical line: its 1-based number and its bytes (without the line break), or `None`
/// when it was longer than the limit.
type Line = (u64, Option<Vec<u8>>);

/// Lines of the input, each at most [`MAX_RECORD_BYTES`], with lines given back after a
/// record turned out malformed read again first.
pub(crate) struct Lines<R> {
    input: R,
    read: u64,
    again: VecDeque<Line>,
    limit: usize,
}

impl<R: BufRead> Lines<R> {
    pub(crate) fn new(input: R) -> Lines<R> {
        Lines::with_limit(input, MAX_RECORD_BYTES)
    }

    pub(crate) fn with_limit(input: R, limit: usize) -> Lines<R> {
        Lines {
            input,
            read: 0,
            again: VecDeque::new(),
            limit,
        }
    }

    /// The next line, or `None` at the end. An I/O error ends the input (reported by the
    /// caller as an error, since rows after it cannot be read).
    pub(crate) fn next_line(&mut self) -> std::io::Result<Option<Line>> {
        if let Some(l) = self.again.pop_front() {
            return Ok(Some(l));
        }
        let mut buf = Vec::new();
        let mut over = false;
        let mut any = false;
        loop {
            let chunk = self.input.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            any = true;
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            if !over {
                let body = chunk.get(..take).unwrap_or(&[]);
                if buf.len() + body.len() > self.limit.saturating_add(2) {
                    over = true;
                    buf = Vec::new();
                } else {
                    buf.extend_from_slice(body);
                }
            }
            self.input.consume(take);
            if done {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.read += 1;
        if over {
            return Ok(Some((self.read, None)));
        }
        if buf.last() == Some(&b'\n') {
            buf.pop();
        }
        if buf.last() == Some(&b'\r') {
            buf.pop();
        }
        if buf.len() > self.limit {
            return Ok(Some((self.read, None)));
        }
        Ok(Some((self.read, Some(buf))))
    }

    fn give_back(&mut self, lines: impl DoubleEndedIterator<Item = Line>) {
        for l in lines.rev() {
            self.again.push_front(l);
        }
    }
}

/// A record read from the input: its first line, and its fields or why it is malformed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Record<T> {
    /// 1-based line number of the record's first line.
    pub(crate) line: u64,
    /// Its last line (the same unless a quoted field spans lines).
    pub(crate) end: u64,
    pub(crate) value: Result<T, String>,
}

fn too_long(line: u64, limit: usize) -> Record<Vec<String>> {
    Record {
        line,
        end: line,
        value: Err(format!(
            "the record is longer than the limit of {limit} bytes"
        )),
    }
}

/// CSV records, one at a time (see the module's comment).
pub(crate) struct CsvRecords<R> {
    lines: Lines<R>,
    parser: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
}

fn quotes(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c == b'"').count()
}

/// Whether every quote in `record` is where RFC 4180 allows it: opening a field, doubled
/// inside a quoted field, or closing one right before a comma or the end. A record joined
/// across lines must pass this, so a stray quote cannot pair with a quote lines later.
fn strictly_quoted(record: &[u8]) -> bool {
    let mut i = 0;
    let at = |i: usize| record.get(i).copied();
    while i <= record.len() {
        // At the start of a field.
        if at(i) == Some(b'"') {
            i += 1;
            loop {
                match at(i) {
                    None => return false,
                    Some(b'"') if at(i + 1) == Some(b'"') => i += 2,
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(_) => i += 1,
                }
            }
            match at(i) {
                None => return true,
                Some(b',') => i += 1,
                Some(_) => return false,
            }
        } else {
            loop {
                match at(i) {
                    None => return true,
                    Some(b',') => {
                        i += 1;
                        break;
                    }
                    Some(b'"') => return false,
                    Some(_) => i += 1,
                }
            }
        }
    }
    true
}

impl<R: BufRead> CsvRecords<R> {
    pub(crate) fn new(lines: Lines<R>) -> CsvRecords<R> {
        CsvRecords {
            lines,
            parser: csv_core::Reader::new(),
            out: Vec::new(),
            ends: vec![0; 64],
        }
    }

    /// Splits one complete record's bytes into fields.
    fn fields(&mut self, bytes: &[u8]) -> Result<Vec<String>, String> {
        self.parser.reset();
        self.out.clear();
        self.out.resize(bytes.len() + 1, 0);
        let (mut inp, mut outp, mut endp) = (0usize, 0usize, 0usize);
        let mut finished_input = false;
        loop {
            let input = if finished_input {
                &[][..]
            } else {
                bytes.get(inp..).unwrap_or(&[])
            };
            let (res, nin, nout, nend) = self.parser.read_record(
                input,
                self.out.get_mut(outp..).unwrap_or(&mut []),
                self.ends.get_mut(endp..).unwrap_or(&mut []),
            );
            inp += nin;
            outp += nout;
            endp += nend;
            match res {
                csv_core::ReadRecordResult::InputEmpty => finished_input = true,
                csv_core::ReadRecordResult::OutputFull => {
                    let n = self.out.len().max(64);
                    self.out.resize(n * 2, 0);
                }
                csv_core::ReadRecordResult::OutputEndsFull => {
                    let n = self.ends.len().max(64);
                    self.ends.resize(n * 2, 0);
                }
                csv_core::ReadRecordResult::Record | csv_core::ReadRecordResult::End => break,
            }
        }
        let mut fields = Vec::with_capacity(endp);
        let mut start = 0;
        for &end in self.ends.get(..endp).unwrap_or(&[]) {
            let raw = self.out.get(start..end).unwrap_or(&[]);
            let text = std::str::from_utf8(raw).map_err(|e| {
                format!(
                    "field {} is not UTF-8 (invalid byte at offset {})",
                    fields.len() + 1,
                    e.valid_up_to()
                )
            })?;
            fields.push(text.to_string());
            start = end;
        }
        Ok(fields)
    }

    /// The next record; `width` is the header's width (a record spanning lines must have
    /// it), or `None` for the header itself. Blank lines are skipped.
    pub(crate) fn next_record(
        &mut self,
        width: Option<usize>,
    ) -> std::io::Result<Option<Record<Vec<String>>>> {
        let (first_no, first) = loop {
            match self.lines.next_line()? {
                None => return Ok(None),
                Some((_, Some(b))) if b.is_empty() => continue,
                Some(l) => break l,
            }
        };
        let Some(first) = first else {
            return Ok(Some(too_long(first_no, self.lines.limit)));
        };
        if quotes(&first).is_multiple_of(2) {
            let value = self.fields(&first);
            return Ok(Some(Record {
                line: first_no,
                end: first_no,
                value,
            }));
        }
        // A quoted field goes on past the line break: read on until the quotes balance.
        let mut taken: Vec<Line> = Vec::new();
        let mut joined = first.clone();
        let mut why = "a quoted field is never closed";
        while let Some((no, line)) = self.lines.next_line()? {
            let Some(line) = line else {
                taken.push((no, None));
                break;
            };
            if joined.len() + 1 + line.len() > self.lines.limit {
                taken.push((no, Some(line)));
                why = "a quoted field is never closed before the record length limit";
                break;
            }
            joined.push(b'\n');
            joined.extend_from_slice(&line);
            let last = no;
            let odd = quotes(&line) % 2 == 1;
            taken.push((no, Some(line)));
            if odd {
                if !strictly_quoted(&joined) {
                    why = "a quoted field is not closed on its line";
                    break;
                }
                match self.fields(&joined) {
                    Ok(f) if width.is_none_or(|w| f.len() == w) => {
                        return Ok(Some(Record {
                            line: first_no,
                            end: last,
                            value: Ok(f),
                        }));
                    }
                    _ => {
                        why = "a quoted field is not closed on its line";
                        break;
                    }
                }
            }
        }
        // The first line alone is malformed; the lines read past it are read again.
        self.lines.give_back(taken.into_iter());
        Ok(Some(Record {
            line: first_no,
            end: first_no,
            value: Err(why.to_string()),
        }))
    }
}

/// Lines of a JSON-lines file, one record per non-blank line.
pub(crate) fn next_json_line<R: BufRead>(
    lines: &mut Lines<R>,
) -> std::io::Result<Option<Record<Vec<u8>>>> {
    loop {
        match lines.next_line()? {
            None => return Ok(None),
            Some((_, Some(b))) if b.iter().all(u8::is_ascii_whitespace) => continue,
            Some((line, Some(b))) => {
                return Ok(Some(Record {
                    line,
                    end: line,
                    value: Ok(b),
                }));
            }
            Some((line, None)) => {
                return Ok(Some(Record {
                    line,
                    end: line,
                    value: Err(format!(
                        "the line is longer than the limit of {} bytes",
                        lines.limit
                    )),
                }));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn all(text: &str) -> Vec<(u64, Result<Vec<String>, String>)> {
        let mut r = CsvRecords::new(Lines::new(text.as_bytes()));
        let mut out = Vec::new();
        let header = r.next_record(None).unwrap().unwrap();
        let width = header.value.as_ref().map(Vec::len).ok();
        out.push((header.line, header.value));
        while let Some(rec) = r.next_record(width).unwrap() {
            out.push((rec.line, rec.value));
        }
        out
    }

    #[test]
    fn an_unterminated_quote_is_one_bad_record() {
        let recs = all("a,b\n1,2\n3,\"x\n5,6\n7,8\n");
        let lines: Vec<u64> = recs.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5]);
        assert!(recs[2].1.is_err());
        assert_eq!(recs[3].1, Ok(vec!["5".to_string(), "6".to_string()]));
        assert_eq!(recs[4].1, Ok(vec!["7".to_string(), "8".to_string()]));
    }

    #[test]
    fn quoted_line_breaks_join_lines() {
        let recs = all("a,b\n1,\"x\ny\"\n3,4\r\n");
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1], (2, Ok(vec!["1".to_string(), "x\ny".to_string()])));
        assert_eq!(recs[2], (4, Ok(vec!["3".to_string(), "4".to_string()])));
    }

    #[test]
    fn a_broken_quote_does_not_pair_with_a_later_one() {
        // Line 3 opens a quote that line 5's odd quote would close into a 3-line record of
        // the wrong width: line 3 alone is the error, and 4, 5–6 are read as they are.
        let recs = all("a,b\n1,2\n3,\"x\n4,5\n6,\"p\nq\"\n");
        let lines: Vec<u64> = recs.iter().map(|r| r.0).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5]);
        assert!(recs[2].1.is_err());
        assert_eq!(recs[4].1, Ok(vec!["6".to_string(), "p\nq".to_string()]));
    }

    #[test]
    fn strict_quoting() {
        assert!(strictly_quoted(b"a,\"b\nc\",d"));
        assert!(strictly_quoted(b"\"x\"\"y\""));
        assert!(strictly_quoted(b""));
        assert!(strictly_quoted(b"a,"));
        assert!(!strictly_quoted(b"a,\"b\"c"));
        assert!(!strictly_quoted(b"a\"b"));
        assert!(!strictly_quoted(b"\"open"));
    }

    #[test]
    fn an_endless_line_is_refused_without_storing_it() {
        let long = format!("a,b\n{}\n1,2\n", "x".repeat(100));
        let mut r = CsvRecords::new(Lines::with_limit(long.as_bytes(), 50));
        assert!(r.next_record(None).unwrap().unwrap().value.is_ok());
        let bad = r.next_record(Some(2)).unwrap().unwrap();
        assert_eq!(bad.line, 2);
        assert!(bad.value.is_err());
        assert_eq!(r.next_record(Some(2)).unwrap().unwrap().line, 3);
        assert!(r.next_record(Some(2)).unwrap().is_none());
    }

    /// One generated record: its text (possibly several lines) and whether it is good.
    fn record() -> impl proptest::strategy::Strategy<Value = (String, bool)> {
        use proptest::prelude::*;
        let field = "[a-z0-9 .%-]{0,6}";
        prop_oneof![
            // good, one line, plain and quoted fields
            (field, field).prop_map(|(a, b)| (format!("{a},\"{b}\"\"q\"\"\""), true)),
            // good, a quoted field across lines
            (field, field).prop_map(|(a, b)| (format!("{a},\"q{b}\n{a}\""), true)),
            // a quote never closed
            (field, field).prop_map(|(a, b)| (format!("{a},\"q{b}"), false)),
            // the wrong width
            (field, field).prop_map(|(a, b)| (format!("{a},{b},{a}"), false)),
            // a stray quote inside a plain field
            (field, field).prop_map(|(a, b)| (format!("{a}\"x,{b}\"y\"z"), true)),
            // longer than the limit
            Just(("x".repeat(300), false)),
        ]
    }

    /// Any text at all: the records' line ranges cover every non-blank line exactly once.
    fn ranges(text: &str) -> (Vec<(u64, u64)>, Vec<u64>) {
        let mut reader = CsvRecords::new(Lines::with_limit(text.as_bytes(), 200));
        let mut got = Vec::new();
        let mut width = None;
        while let Some(rec) = reader.next_record(width).unwrap() {
            if width.is_none() {
                width = Some(rec.value.as_ref().map_or(2, Vec::len));
            }
            got.push((rec.line, rec.end));
        }
        let nonblank: Vec<u64> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.is_empty())
            .map(|(i, _)| i as u64 + 1)
            .collect();
        (got, nonblank)
    }

    proptest::proptest! {
        #[test]
        fn every_line_is_in_exactly_one_row(text in "([a-z,\"]{0,8}\n){0,30}") {
            let (got, nonblank) = ranges(&text);
            let mut covered = Vec::new();
            let mut last = 0;
            for (a, b) in got {
                proptest::prop_assert!(a > last && b >= a, "ranges out of order");
                covered.extend(a..=b);
                last = b;
            }
            // Blank lines inside a quoted field belong to its record; others to none.
            for n in &nonblank {
                proptest::prop_assert!(covered.contains(n), "line {} lost", n);
            }
        }

        #[test]
        fn every_record_gives_one_row(recs in proptest::collection::vec(record(), 0..40)) {
            let mut text = String::from("a,b\n");
            let mut starts = vec![1u64];
            let mut line = 2u64;
            for (r, _) in &recs {
                starts.push(line);
                line += r.matches('\n').count() as u64 + 1;
                text.push_str(r);
                text.push('\n');
            }
            let mut reader = CsvRecords::new(Lines::with_limit(text.as_bytes(), 200));
            let mut got = Vec::new();
            let header = reader.next_record(None).unwrap().unwrap();
            got.push(header.line);
            while let Some(rec) = reader.next_record(Some(2)).unwrap() {
                got.push(rec.line);
            }
            proptest::prop_assert_eq!(got, starts);
        }

        #[test]
        fn every_json_line_gives_one_row(lines in proptest::collection::vec("[ -~]{0,30}", 0..40)) {
            let text = lines.join("\n");
            let mut reader = Lines::with_limit(text.as_bytes(), 20);
            let mut got = Vec::new();
            while let Some(rec) = next_json_line(&mut reader).unwrap() {
                got.push(rec.line);
            }
            let want: Vec<u64> = lines
                .iter()
                .enumerate()
                .filter(|(_, l)| !l.bytes().all(|b| b.is_ascii_whitespace()))
                .map(|(i, _)| i as u64 + 1)
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
