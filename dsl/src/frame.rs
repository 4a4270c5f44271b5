//! Code frames that stay small: a diagnostic is rendered from an excerpt holding only the
//! lines its labels touch, each clipped to a window around the labels (`…` marks what is cut),
//! with the real line and column numbers. Rendering costs the same for a 40-byte line and a
//! 5 MB one, and nothing is rescanned per diagnostic (the line index is built once per file).

use std::ops::Range;

use codespan_reporting::files::{Error, Files};

use crate::span::{FileId, Sources, Span};

/// Bytes of context shown on each side of a label.
const CONTEXT: usize = 160;
/// Longest stretch of one label shown on one line, in bytes.
const MAX_LABEL: usize = 240;
/// Longest window shown of one line, in bytes.
const MAX_WINDOW: usize = 2 * CONTEXT + 2 * MAX_LABEL;
/// A label over more lines than this shows only its first line.
const MAX_LABEL_LINES: usize = 8;
const ELLIPSIS: &str = "…";

/// A file's label pieces: a real line and a byte range on it.
type Pieces = Vec<(usize, Range<usize>)>;

/// One shown line: which real line, the window of it shown, and where it sits in the excerpt.
struct Shown {
    line: usize,
    window: Range<usize>,
    /// Byte offset in the excerpt where the window's first byte is.
    at: usize,
    /// Byte range of the whole excerpt line (with its ellipses).
    range: Range<usize>,
}

struct ExcerptFile {
    id: FileId,
    text: String,
    lines: Vec<Shown>,
}

/// Where each label of a diagnostic landed in the excerpt: the excerpt file and range.
pub(crate) type Mapped = Vec<Option<(usize, Range<usize>)>>;

/// The excerpt of every file a diagnostic's labels point into.
pub(crate) struct Excerpt<'s> {
    sources: &'s Sources,
    files: Vec<ExcerptFile>,
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i < text.len() && !text.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// Appends `s` with every control character (a CSV cell or a string may hold ESC) replaced
/// by `?` bytes of the same length, so spans keep their offsets and nothing reaches the
/// terminal raw.
fn push_visible(out: &mut String, s: &str) {
    for c in s.chars() {
        if c != '\t' && crate::text::is_unsafe_char(c) {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
}

impl<'s> Excerpt<'s> {
    /// Builds the excerpt for `labels` (file and span); returns it and each label's span in
    /// it (`None` for a label whose file is not in `sources`).
    pub(crate) fn new(sources: &'s Sources, labels: &[(FileId, Span)]) -> (Excerpt<'s>, Mapped) {
        // Per file: the label pieces per real line, as byte ranges of the real text.
        let mut wanted: Vec<(FileId, Pieces)> = Vec::new();
        let mut clipped: Vec<Option<(FileId, Range<usize>)>> = Vec::new();
        for &(file, span) in labels {
            let (Some(index), text) = (sources.index(file), sources.text(file)) else {
                clipped.push(None);
                continue;
            };
            let start = floor_boundary(text, span.start as usize);
            let mut end = ceil_boundary(text, (span.end as usize).max(start));
            let first = index.line_of(start);
            let last = index.line_of(end.saturating_sub(1).max(start));
            if last - first >= MAX_LABEL_LINES {
                let line_end = index.line_start(first + 1, text.len()).saturating_sub(1);
                end = line_end.max(start);
            }
            let last = index.line_of(end.saturating_sub(1).max(start));
            let pieces = match wanted.iter_mut().find(|(f, _)| *f == file) {
                Some((_, p)) => p,
                None => {
                    wanted.push((file, Vec::new()));
                    match wanted.last_mut() {
                        Some((_, p)) => p,
                        None => continue,
                    }
                }
            };
            for line in first..=last {
                let ls = index.line_start(line, text.len());
                let le = index
                    .line_start(line + 1, text.len())
                    .min(text.len())
                    .max(ls);
                let le = if text.as_bytes().get(le.saturating_sub(1)) == Some(&b'\n') && le > ls {
                    le - 1
                } else {
                    le
                };
                pieces.push((line, start.max(ls)..end.min(le).max(start.max(ls))));
            }
            clipped.push(Some((file, start..end)));
        }
        let mut files = Vec::new();
        for (file, mut pieces) in wanted {
            let text = sources.text(file);
            let Some(index) = sources.index(file) else {
                continue;
            };
            pieces.sort_by_key(|(l, r)| (*l, r.start));
            let mut out = String::new();
            let mut lines: Vec<Shown> = Vec::new();
            // The line's bounds without its line break.
            let bounds = |line: usize| {
                let ls = index.line_start(line, text.len());
                let mut le = index.line_start(line + 1, text.len()).min(text.len());
                if le > ls && text.as_bytes().get(le - 1) == Some(&b'\n') {
                    le -= 1;
                }
                if le > ls && text.as_bytes().get(le - 1) == Some(&b'\r') {
                    le -= 1;
                }
                (ls, le.max(ls))
            };
            let show =
                |out: &mut String, lines: &mut Vec<Shown>, line: usize, lo: usize, hi: usize| {
                    let (ls, le) = bounds(line);
                    let w0 = floor_boundary(text, lo.saturating_sub(CONTEXT).max(ls));
                    let w1 = ceil_boundary(text, (hi + CONTEXT).min(le).min(w0 + MAX_WINDOW));
                    let w1 = w1.max(w0);
                    let begin = out.len();
                    if w0 > ls {
                        out.push_str(ELLIPSIS);
                    }
                    let at = out.len();
                    push_visible(out, text.get(w0..w1).unwrap_or(""));
                    if w1 < le {
                        out.push_str(ELLIPSIS);
                    }
                    let end = out.len();
                    out.push('\n');
                    lines.push(Shown {
                        line,
                        window: w0..w1,
                        at,
                        range: begin..end,
                    });
                };
            let mut prev: Option<usize> = None;
            let mut i = 0;
            while let Some((line, _)) = pieces.get(i) {
                let line = *line;
                let group: Vec<&Range<usize>> = pieces
                    .iter()
                    .skip(i)
                    .take_while(|(l, _)| *l == line)
                    .map(|(_, r)| r)
                    .collect();
                i += group.len();
                // As the renderer does with whole files: one line between two shown lines is
                // shown too; a longer gap becomes a break (`·`), which it draws when the next
                // line index is more than two ahead, so two empty stand-ins keep that gap.
                if let Some(p) = prev {
                    if line == p + 2 {
                        let (ls, _) = bounds(p + 1);
                        show(&mut out, &mut lines, p + 1, ls, ls);
                    } else if line > p + 2 {
                        for _ in 0..2 {
                            let at = out.len();
                            out.push('\n');
                            lines.push(Shown {
                                line: p + 1,
                                window: 0..0,
                                at,
                                range: at..at,
                            });
                        }
                    }
                }
                let (ls, _) = bounds(line);
                let lo = group.iter().map(|r| r.start).min().unwrap_or(ls);
                let hi = group
                    .iter()
                    .map(|r| r.end.min(r.start + MAX_LABEL))
                    .max()
                    .unwrap_or(lo);
                show(&mut out, &mut lines, line, lo, hi);
                prev = Some(line);
            }
            files.push(ExcerptFile {
                id: file,
                text: out,
                lines,
            });
        }
        let excerpt = Excerpt { sources, files };
        let mapped = clipped
            .into_iter()
            .map(|c| {
                let (file, range) = c?;
                let fi = excerpt.files.iter().position(|f| f.id == file)?;
                let f = excerpt.files.get(fi)?;
                let index = sources.index(file)?;
                // `pos` on real line `line`, moved into that line's window.
                let map = |pos: usize, line: usize| -> usize {
                    match f.lines.iter().find(|s| s.line == line) {
                        Some(s) => s.at + pos.clamp(s.window.start, s.window.end) - s.window.start,
                        None => f.lines.last().map_or(0, |s| s.range.end),
                    }
                };
                let a = map(range.start, index.line_of(range.start));
                let last = index.line_of(range.end.saturating_sub(1).max(range.start));
                let b = map(range.end, last).max(a);
                Some((fi, a..b))
            })
            .collect();
        (excerpt, mapped)
    }

    fn file(&self, id: usize) -> Result<&ExcerptFile, Error> {
        self.files.get(id).ok_or(Error::FileMissing)
    }
}

impl<'a> Files<'a> for Excerpt<'_> {
    type FileId = usize;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<&'a str, Error> {
        Ok(self.sources.name(self.file(id)?.id))
    }

    fn source(&'a self, id: usize) -> Result<&'a str, Error> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, Error> {
        let f = self.file(id)?;
        Ok(f.lines
            .partition_point(|s| s.range.start <= byte_index)
            .saturating_sub(1))
    }

    fn line_number(&'a self, id: usize, line_index: usize) -> Result<usize, Error> {
        let f = self.file(id)?;
        f.lines
            .get(line_index)
            .map(|s| s.line + 1)
            .ok_or(Error::LineTooLarge {
                given: line_index,
                max: f.lines.len(),
            })
    }

    fn column_number(
        &'a self,
        id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, Error> {
        let f = self.file(id)?;
        let s = f.lines.get(line_index).ok_or(Error::LineTooLarge {
            given: line_index,
            max: f.lines.len(),
        })?;
        let text = self.sources.text(f.id);
        let index = self.sources.index(f.id).ok_or(Error::FileMissing)?;
        let real = s.window.start + byte_index.clamp(s.at, s.at + s.window.len()) - s.at;
        let line_start = index.line_start(s.line, text.len());
        Ok(index.chars_before(text, real) - index.chars_before(text, line_start) + 1)
    }

    fn line_range(&'a self, id: usize, line_index: usize) -> Result<Range<usize>, Error> {
        let f = self.file(id)?;
        f.lines
            .get(line_index)
            .map(|s| s.range.start..s.range.end + 1)
            .ok_or(Error::LineTooLarge {
                given: line_index,
                max: f.lines.len(),
            })
    }
}
