//! Byte spans and the set of source files they point into.

use std::sync::Arc;

use serde::Serialize;

/// A half-open byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    /// First byte.
    pub start: u32,
    /// One past the last byte.
    pub end: u32,
}

impl Span {
    /// A span from byte offsets (saturating at `u32::MAX`; sources are far smaller, see limits).
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// This span moved `offset` bytes to the right.
    pub fn shifted(self, offset: usize) -> Span {
        let offset = u32::try_from(offset).unwrap_or(u32::MAX);
        Span {
            start: self.start.saturating_add(offset),
            end: self.end.saturating_add(offset),
        }
    }

    /// The byte range, for slicing.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Identifies a file in a [`Sources`] set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct FileId(pub u32);

/// A 1-based line and column (columns count Unicode scalar values).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineCol {
    /// Line, from 1.
    pub line: u32,
    /// Column, from 1.
    pub column: u32,
}

/// Bytes per block of the character-count index (see [`LineIndex`]).
const BLOCK: usize = 1024;

/// Where each line of a file starts, and how many characters precede every [`BLOCK`]-th
/// byte: computed once when the file is added, so that a line and column cost a binary
/// search and at most one block of counting, however many diagnostics a file has and however
/// long its lines are.
#[derive(Debug, Default)]
pub struct LineIndex {
    /// Byte offset of the start of each line (the first is 0).
    starts: Vec<u32>,
    /// `blocks[i]` = characters in the first `i * BLOCK` bytes.
    blocks: Vec<u32>,
}

fn is_char_start(b: u8) -> bool {
    (b & 0xC0) != 0x80
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let bytes = text.as_bytes();
        let mut starts = vec![0u32];
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        let mut blocks = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut count = 0u32;
        for chunk in bytes.chunks(BLOCK) {
            blocks.push(count);
            count = count.saturating_add(
                u32::try_from(chunk.iter().filter(|b| is_char_start(**b)).count())
                    .unwrap_or(u32::MAX),
            );
        }
        blocks.push(count);
        LineIndex { starts, blocks }
    }

    /// The 0-based line holding byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let off = u32::try_from(offset).unwrap_or(u32::MAX);
        self.starts.partition_point(|&s| s <= off).saturating_sub(1)
    }

    /// Byte offset where 0-based line `line` starts (the file's length past the last line).
    pub fn line_start(&self, line: usize, text_len: usize) -> usize {
        self.starts.get(line).map_or(text_len, |&s| s as usize)
    }

    /// Number of lines.
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// Characters in `text[..offset]`.
    pub fn chars_before(&self, text: &str, offset: usize) -> usize {
        let offset = offset.min(text.len());
        let block = offset / BLOCK;
        let base = self.blocks.get(block).copied().unwrap_or(0) as usize;
        let from = block * BLOCK;
        base + text
            .as_bytes()
            .get(from..offset)
            .map_or(0, |b| b.iter().filter(|c| is_char_start(**c)).count())
    }
}

/// One source file with its index.
#[derive(Clone, Debug)]
struct SourceFile {
    name: String,
    text: Arc<str>,
    index: Arc<LineIndex>,
}

/// The source files that diagnostics point into: a main file and what it imports.
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    /// An empty set.
    pub fn new() -> Sources {
        Sources::default()
    }

    /// A set holding one file.
    pub fn single(name: impl Into<String>, text: impl Into<Arc<str>>) -> Sources {
        let mut s = Sources::new();
        s.add(name, text);
        s
    }

    /// Adds a file and returns its id (its line index is built here, once).
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        let text = text.into();
        let index = Arc::new(LineIndex::new(&text));
        self.files.push(SourceFile {
            name: name.into(),
            text,
            index,
        });
        id
    }

    /// The file's name, or `<unknown>`.
    pub fn name(&self, id: FileId) -> &str {
        self.files
            .get(id.0 as usize)
            .map_or("<unknown>", |f| f.name.as_str())
    }

    /// The file's text, or empty.
    pub fn text(&self, id: FileId) -> &str {
        self.files.get(id.0 as usize).map_or("", |f| &f.text)
    }

    /// The file's line index.
    pub fn index(&self, id: FileId) -> Option<&LineIndex> {
        self.files.get(id.0 as usize).map(|f| &*f.index)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there is no file.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Iterates over `(id, name, text)`.
    pub fn iter(&self) -> impl Iterator<Item = (FileId, &str, &str)> {
        self.files.iter().enumerate().map(|(i, f)| {
            (
                FileId(u32::try_from(i).unwrap_or(u32::MAX)),
                f.name.as_str(),
                &*f.text,
            )
        })
    }

    /// Line and column of a byte offset (clamped into the file). Columns count characters.
    pub fn line_col(&self, id: FileId, offset: u32) -> LineCol {
        let Some(f) = self.files.get(id.0 as usize) else {
            return LineCol { line: 1, column: 1 };
        };
        let text = &*f.text;
        let mut offset = (offset as usize).min(text.len());
        while offset > 0 && !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = f.index.line_of(offset);
        let start = f.index.line_start(line, text.len());
        let column = f.index.chars_before(text, offset) - f.index.chars_before(text, start) + 1;
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = format!("ab\n研发费用 x\n{}y\n", "é".repeat(3000));
        let s = Sources::single("f", text.as_str());
        let at = |needle: &str| {
            s.line_col(
                FileId(0),
                u32::try_from(text.find(needle).unwrap()).unwrap(),
            )
        };
        assert_eq!(at("b"), LineCol { line: 1, column: 2 });
        assert_eq!(at("x"), LineCol { line: 2, column: 6 });
        assert_eq!(
            at("y"),
            LineCol {
                line: 3,
                column: 3001
            }
        );
        assert_eq!(s.line_col(FileId(0), 0), LineCol { line: 1, column: 1 });
        assert_eq!(
            s.line_col(FileId(0), u32::MAX),
            LineCol { line: 4, column: 1 }
        );
    }
}
