//! Loading a policy and everything it imports, through a [`SourceLoader`].
//!
//! Paths are `/`-separated strings, resolved relative to the importing file, so the same
//! policy loads from disk (CLI, Python), from an in-memory map (the browser) or from a
//! single string (tests).

use std::collections::BTreeMap;

#[cfg(feature = "parser")]
use clausula_dsl::ast::{Item, SourceFile};
use clausula_dsl::{Diagnostic, Diagnostics, FileId, Sources, Span};

#[cfg(feature = "parser")]
use crate::codes;

/// Where policy files (and directory CSVs) come from.
pub trait SourceLoader {
    /// Reads the file at `path` (already resolved against the importing file).
    fn load(&self, path: &str) -> Result<String, ReadError>;
}

/// Why a file could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadError {
    /// It does not exist or cannot be opened; the message says why.
    Unavailable(String),
    /// It is not UTF-8 (often a GBK or GB18030 file): the offset of the first invalid byte,
    /// and the text with invalid sequences replaced by U+FFFD, to show where.
    NotUtf8 {
        /// Byte offset of the first invalid byte (the same in `lossy`).
        offset: usize,
        /// The text, invalid sequences replaced.
        lossy: String,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Unavailable(why) => f.write_str(why),
            ReadError::NotUtf8 { offset, .. } => write!(
                f,
                "the file is not valid UTF-8 (invalid byte at offset {offset})"
            ),
        }
    }
}

impl std::error::Error for ReadError {}

impl ReadError {
    /// Decodes `bytes` as UTF-8, or says where it is not.
    pub fn decode(bytes: Vec<u8>) -> Result<String, ReadError> {
        String::from_utf8(bytes).map_err(|e| ReadError::NotUtf8 {
            offset: e.utf8_error().valid_up_to(),
            lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }

    /// For [`ReadError::NotUtf8`]: the diagnostic pointing at the first invalid byte in
    /// `file` (whose text must be `lossy`).
    pub fn utf8_diagnostic(&self, file: FileId) -> Option<Diagnostic> {
        let ReadError::NotUtf8 { offset, .. } = self else {
            return None;
        };
        Some(
            Diagnostic::error(
                clausula_dsl::codes::INVALID_UTF8,
                Span::new(*offset, offset.saturating_add('\u{fffd}'.len_utf8())),
                "the file is not valid UTF-8",
            )
            .in_file(file)
            .with_help("save it as UTF-8 (a GBK or GB18030 file must be converted first)"),
        )
    }
}

/// Reads the file at `path` through `loader`; a file that cannot be read or is not UTF-8
/// gives a diagnostic (for the encoding, at the first invalid byte).
pub fn read_source(loader: &dyn SourceLoader, path: &str) -> Result<String, Diagnostics> {
    loader.load(path).map_err(|e| {
        let mut sources = Sources::new();
        let text = match &e {
            ReadError::NotUtf8 { lossy, .. } => lossy.clone(),
            ReadError::Unavailable(_) => String::new(),
        };
        let id = sources.add(path, text);
        let d = e.utf8_diagnostic(id).unwrap_or_else(|| {
            Diagnostic::error(
                crate::codes::UNREADABLE_FILE,
                Span::new(0, 0),
                format!("cannot read `{path}`: {e}"),
            )
            .in_file(id)
        });
        Diagnostics::new(vec![d], sources)
    })
}

/// Reads files from the file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsLoader;

impl SourceLoader for FsLoader {
    fn load(&self, path: &str) -> Result<String, ReadError> {
        let bytes = std::fs::read(path).map_err(|e| ReadError::Unavailable(e.to_string()))?;
        ReadError::decode(bytes)
    }
}

/// Files held in memory, keyed by path (how the browser supplies imports and CSVs).
#[derive(Clone, Debug, Default)]
pub struct MemoryLoader {
    files: BTreeMap<String, String>,
}

impl MemoryLoader {
    /// An empty set of files.
    pub fn new() -> MemoryLoader {
        MemoryLoader::default()
    }

    /// Adds a file.
    pub fn insert(
        &mut self,
        path: impl Into<String>,
        text: impl Into<String>,
    ) -> &mut MemoryLoader {
        self.files.insert(normalize(&path.into()), text.into());
        self
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for MemoryLoader {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> MemoryLoader {
        let mut m = MemoryLoader::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl SourceLoader for MemoryLoader {
    fn load(&self, path: &str) -> Result<String, ReadError> {
        self.files
            .get(&normalize(path))
            .cloned()
            .ok_or_else(|| ReadError::Unavailable("no such file".to_string()))
    }
}

/// Joins `rel` to the directory of `from` and normalises `.` and `..`.
#[cfg(feature = "parser")]
pub(crate) fn resolve(from: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        return normalize(rel);
    }
    let dir = match from.rfind('/') {
        Some(i) => from.get(..i).unwrap_or(""),
        None => "",
    };
    if dir.is_empty() {
        normalize(rel)
    } else {
        normalize(&format!("{dir}/{rel}"))
    }
}

pub(crate) fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// A parsed file and where it came from.
#[cfg(feature = "parser")]
#[derive(Debug)]
pub(crate) struct LoadedFile {
    pub(crate) id: FileId,
    pub(crate) path: String,
    pub(crate) ast: SourceFile,
}

/// The main file (first) and every file it imports, each once.
#[cfg(feature = "parser")]
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) sources: Sources,
    pub(crate) files: Vec<LoadedFile>,
}

/// Most files one policy may pull in through imports.
#[cfg(feature = "parser")]
const MAX_FILES: usize = 256;

/// Parses `main` (already read) and, transitively, its imports.
#[cfg(feature = "parser")]
pub(crate) fn load_all(
    loader: &dyn SourceLoader,
    main_path: &str,
    main_text: &str,
) -> (Loaded, Vec<Diagnostic>) {
    let mut sources = Sources::new();
    let mut files: Vec<LoadedFile> = Vec::new();
    let mut diagnostics = Vec::new();
    let main_path = normalize(main_path);
    let id = sources.add(main_path.clone(), main_text.to_string());
    let (ast, ds) = clausula_dsl::parse_file(id, main_text);
    diagnostics.extend(ds);
    files.push(LoadedFile {
        id,
        path: main_path,
        ast,
    });
    // Breadth-first over imports; `stack` records the importing chain for cycle messages.
    let mut next = 0;
    while let Some(file) = files.get(next) {
        let importer = file.path.clone();
        let importer_id = file.id;
        let imports: Vec<(String, Span)> = file
            .ast
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Import(imp) => Some((imp.path.value.clone(), imp.path.span)),
                _ => None,
            })
            .collect();
        for (rel, span) in imports {
            let path = resolve(&importer, &rel);
            if path == importer || files.iter().any(|f| f.path == path) {
                if path == importer || imports_chain(&files, &path, &importer) {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::IMPORT_CYCLE,
                            span,
                            format!("`{rel}` imports this file back"),
                        )
                        .in_file(importer_id)
                        .with_help("move the shared declarations into a third file both import"),
                    );
                }
                continue;
            }
            if files.len() >= MAX_FILES {
                diagnostics.push(
                    Diagnostic::error(
                        codes::TOO_MANY_FILES,
                        span,
                        format!("more than {MAX_FILES} files are imported"),
                    )
                    .in_file(importer_id),
                );
                break;
            }
            match loader.load(&path) {
                Ok(text) => {
                    let id = sources.add(path.clone(), text.clone());
                    let (ast, ds) = clausula_dsl::parse_file(id, &text);
                    diagnostics.extend(ds);
                    files.push(LoadedFile { id, path, ast });
                }
                Err(why @ ReadError::NotUtf8 { .. }) => {
                    let lossy = match &why {
                        ReadError::NotUtf8 { lossy, .. } => lossy.clone(),
                        ReadError::Unavailable(_) => String::new(),
                    };
                    let id = sources.add(path.clone(), lossy);
                    diagnostics.extend(why.utf8_diagnostic(id));
                }
                Err(why) => diagnostics.push(
                    Diagnostic::error(
                        codes::IMPORT_NOT_FOUND,
                        span,
                        format!("cannot read `{path}`: {why}"),
                    )
                    .in_file(importer_id),
                ),
            }
        }
        next += 1;
    }
    (Loaded { sources, files }, diagnostics)
}

/// Whether `target` (already loaded) imports `importer`, directly or not.
#[cfg(feature = "parser")]
fn imports_chain(files: &[LoadedFile], target: &str, importer: &str) -> bool {
    let mut seen = vec![target.to_string()];
    let mut i = 0;
    while let Some(cur) = seen.get(i).cloned() {
        if let Some(f) = files.iter().find(|f| f.path == cur) {
            for item in &f.ast.items {
                if let Item::Import(imp) = item {
                    let p = resolve(&f.path, &imp.path.value);
                    if p == importer {
                        return true;
                    }
                    if !seen.contains(&p) {
                        seen.push(p);
                    }
                }
            }
        }
        i += 1;
    }
    false
}

#[cfg(all(test, feature = "parser"))]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_relative_to_the_importer() {
        assert_eq!(
            resolve("policies/national/a.cla", "b.cla"),
            "policies/national/b.cla"
        );
        assert_eq!(
            resolve("policies/national/a.cla", "../shared/c.cla"),
            "policies/shared/c.cla"
        );
        assert_eq!(resolve("a.cla", "./x/y.csv"), "x/y.csv");
        assert_eq!(resolve("/abs/a.cla", "b.cla"), "/abs/b.cla");
        assert_eq!(normalize("../x/./y"), "../x/y");
    }

    #[test]
    fn imports_load_once_and_cycles_are_reported() {
        let loader: MemoryLoader = [
            ("main.cla", "import \"a.cla\"\nimport \"b.cla\"\n"),
            ("a.cla", "import \"b.cla\"\nrule a = 1\n"),
            ("b.cla", "import \"main.cla\"\nrule b = 2\n"),
        ]
        .into_iter()
        .collect();
        let main = loader.load("main.cla").unwrap();
        let (loaded, ds) = load_all(&loader, "main.cla", &main);
        assert_eq!(loaded.files.len(), 3);
        // main → b → main and main → a → b → main: each closing import is reported.
        let codes: Vec<_> = ds.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::IMPORT_CYCLE, codes::IMPORT_CYCLE]);
    }
}
