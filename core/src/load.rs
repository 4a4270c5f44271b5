//! Loading a policy and everything it imports, through a [`SourceLoader`].
//!
//! Paths are `/`-separated strings, resolved relative to the importing file, so the same
//! policy loads from disk (CLI, Python), from an in-memory map (the browser) or from a
//! single string (tests).
//!
//! Policies are untrusted input: a service compiles policies it did not write. So an
//! `import` or a directory `from "…"` may only name a file inside a root folder ([`FsLoader`]
//! refuses absolute paths, `..` escapes and symlinks leading out of it), only regular files
//! are opened (never a FIFO or a device), the size is checked before anything is read and
//! reading stops at the limit. A refused file's content is never read, so it can never be
//! quoted in a diagnostic.

use std::collections::BTreeMap;
#[cfg(feature = "parser")]
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

#[cfg(feature = "parser")]
use clausula_dsl::ast::{Item, SourceFile};
use clausula_dsl::{Diagnostic, Diagnostics, FileId, Sources, Span};

use crate::codes;

/// Largest directory CSV file accepted, in bytes (64 MiB).
pub const MAX_CSV_BYTES: usize = 64 * 1024 * 1024;

/// Where policy files (and directory CSVs) come from.
pub trait SourceLoader {
    /// Reads the file at `path` (already resolved against the importing file), refusing it
    /// without reading past `max_bytes` when it is larger.
    fn load(&self, path: &str, max_bytes: usize) -> Result<String, ReadError>;
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
    /// The path is absolute, or leads out of the loader's root folder (`..`, a symlink).
    OutsideRoot {
        /// The root folder, as the caller named it.
        root: String,
    },
    /// It is not a regular file (a folder, a FIFO, a device such as `/dev/zero`).
    NotAFile,
    /// It is larger than the limit (checked before reading, and again while reading).
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
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
            ReadError::OutsideRoot { root } if root.is_empty() => {
                f.write_str("the path is absolute or leads outside the policy's folder")
            }
            ReadError::OutsideRoot { root } => write!(
                f,
                "the path is absolute or leads outside the policy's folder `{root}`"
            ),
            ReadError::NotAFile => f.write_str("it is not a regular file"),
            ReadError::TooLarge { limit } => {
                write!(f, "the file is larger than the limit of {limit} bytes")
            }
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

    /// The stable code of a refusal (`load/outside-root`, `load/not-a-file`,
    /// `load/too-large`), or `None` for a file that is missing or not UTF-8 (whose code
    /// depends on what was being read).
    pub fn code(&self) -> Option<&'static str> {
        match self {
            ReadError::OutsideRoot { .. } => Some(codes::OUTSIDE_ROOT),
            ReadError::NotAFile => Some(codes::NOT_A_FILE),
            ReadError::TooLarge { .. } => Some(codes::FILE_TOO_LARGE),
            ReadError::Unavailable(_) | ReadError::NotUtf8 { .. } => None,
        }
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

    /// The diagnostic for a file named at `span` of `file` (an `import`, a directory's
    /// `from`) that could not be read. `missing_code` is the code when it is simply not
    /// there. A file that is not UTF-8 is added to `sources` (its text with the invalid bytes
    /// replaced) so the diagnostic can point at the first bad byte; nothing else is.
    #[cfg(feature = "parser")]
    pub(crate) fn diagnostic_at(
        &self,
        missing_code: &'static str,
        path: &str,
        file: FileId,
        span: Span,
        sources: &mut Sources,
    ) -> Diagnostic {
        if let ReadError::NotUtf8 { lossy, .. } = self {
            let id = sources.add(path.to_string(), lossy.clone());
            if let Some(d) = self.utf8_diagnostic(id) {
                return d;
            }
        }
        let d = Diagnostic::error(
            self.code().unwrap_or(missing_code),
            span,
            format!("cannot read `{path}`: {self}"),
        )
        .in_file(file);
        match self {
            ReadError::OutsideRoot { .. } => d.with_help(
                "name files relative to this one, inside the policy's folder (or compile with a \
                 wider root)",
            ),
            _ => d,
        }
    }
}

/// Reads the file at `path` through `loader`; a file that cannot be read or is not UTF-8
/// gives a diagnostic (for the encoding, at the first invalid byte).
pub fn read_source(loader: &dyn SourceLoader, path: &str) -> Result<String, Diagnostics> {
    loader
        .load(path, clausula_dsl::limits::MAX_SOURCE_BYTES)
        .map_err(|e| {
            let mut sources = Sources::new();
            let text = match &e {
                ReadError::NotUtf8 { lossy, .. } => lossy.clone(),
                _ => String::new(),
            };
            let id = sources.add(path, text);
            let d = e.utf8_diagnostic(id).unwrap_or_else(|| {
                Diagnostic::error(
                    e.code().unwrap_or(codes::UNREADABLE_FILE),
                    Span::new(0, 0),
                    format!("cannot read `{path}`: {e}"),
                )
                .in_file(id)
            });
            Diagnostics::new(vec![d], sources)
        })
}

/// Reads files from the file system, inside one root folder.
///
/// [`FsLoader::for_file`] takes the folder of the policy being compiled as the root,
/// [`FsLoader::new`] one the caller names. Every path is checked twice before anything is
/// opened: as written (`..` may not climb above the root) and with symlinks resolved (the
/// real file must be inside the real root). Then only a regular file is opened, its size is
/// checked first and reading stops at the limit, so a FIFO, `/dev/zero` or a file that grows
/// while it is read cannot hang or exhaust memory.
///
/// A file swapped for a symlink between the check and the read is not guarded against: the
/// root is meant to be a folder the compiling service controls.
#[derive(Clone, Debug)]
pub struct FsLoader {
    /// The root as named, made absolute and normalised (no symlinks resolved).
    root: PathBuf,
    /// The root with symlinks resolved; `None` when it does not exist.
    real_root: Option<PathBuf>,
}

impl FsLoader {
    /// A loader that reads only files inside `root`.
    pub fn new(root: impl AsRef<Path>) -> FsLoader {
        let root = absolute(root.as_ref());
        let real_root = std::fs::canonicalize(&root).ok();
        FsLoader { root, real_root }
    }

    /// A loader whose root is the folder of the policy file at `path` (the default for
    /// `clausula`, `Policy::load` and Python's `clausula.load`).
    pub fn for_file(path: impl AsRef<Path>) -> FsLoader {
        let folder = absolute(path.as_ref())
            .parent()
            .map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        FsLoader::new(folder)
    }

    /// The root folder (absolute, as named).
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn outside(&self) -> ReadError {
        ReadError::OutsideRoot {
            root: self.root.to_string_lossy().into_owned(),
        }
    }

    /// The file `path` names, checked to be inside the root (as written and for real).
    fn contained(&self, path: &str) -> Result<PathBuf, ReadError> {
        let named = absolute(Path::new(path));
        if !named.starts_with(&self.root) {
            return Err(self.outside());
        }
        let real = std::fs::canonicalize(&named).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::Unavailable("no such file".to_string()),
            _ => ReadError::Unavailable(e.to_string()),
        })?;
        match &self.real_root {
            Some(root) if real.starts_with(root) => Ok(real),
            Some(_) => Err(self.outside()),
            None => Err(ReadError::Unavailable(
                "the policy's folder cannot be read".to_string(),
            )),
        }
    }
}

impl SourceLoader for FsLoader {
    fn load(&self, path: &str, max_bytes: usize) -> Result<String, ReadError> {
        let real = self.contained(path)?;
        let bytes = read_regular_file(&real, max_bytes)?;
        ReadError::decode(bytes)
    }
}

/// `path` made absolute (against the working folder) and normalised lexically: `.` dropped,
/// `..` applied to what precedes it (never above the file system's root).
fn absolute(path: &Path) -> PathBuf {
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map_or_else(|_| path.to_path_buf(), |cwd| cwd.join(path))
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Reads a regular file of at most `max_bytes`: anything else (a folder, a FIFO, a device) is
/// refused without reading, a larger file is refused by its size before reading, and reading
/// stops one byte past the limit whatever the size said (a file in `/proc`, one that grows).
/// Used for policies, CSVs, facts and batch inputs alike.
pub fn read_regular_file(path: &Path, max_bytes: usize) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Unavailable("no such file".to_string()),
        _ => ReadError::Unavailable(e.to_string()),
    })?;
    if !meta.is_file() {
        return Err(ReadError::NotAFile);
    }
    let limit = u64::try_from(max_bytes).unwrap_or(u64::MAX);
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit: max_bytes });
    }
    let file = open_nonblocking(path).map_err(|e| ReadError::Unavailable(e.to_string()))?;
    // The file opened may not be the one looked at (it was replaced in between).
    let opened = file
        .metadata()
        .map_err(|e| ReadError::Unavailable(e.to_string()))?;
    if !opened.is_file() {
        return Err(ReadError::NotAFile);
    }
    let capacity = usize::try_from(opened.len()).unwrap_or(0).min(max_bytes);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Unavailable(e.to_string()))?;
    if bytes.len() > max_bytes {
        return Err(ReadError::TooLarge { limit: max_bytes });
    }
    Ok(bytes)
}

/// Opens for reading without blocking on a FIFO (should one replace the checked file).
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
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
    fn load(&self, path: &str, max_bytes: usize) -> Result<String, ReadError> {
        let text = self
            .files
            .get(&normalize(path))
            .ok_or_else(|| ReadError::Unavailable("no such file".to_string()))?;
        if text.len() > max_bytes {
            return Err(ReadError::TooLarge { limit: max_bytes });
        }
        Ok(text.clone())
    }
}

#[cfg(feature = "parser")]
/// Whether a path written in a policy is absolute (`/etc/passwd`, `C:\x`, `\\server\x`).
fn is_absolute_text(rel: &str) -> bool {
    let b = rel.as_bytes();
    rel.starts_with('/')
        || rel.starts_with('\\')
        || (b.len() >= 2
            && b.get(1) == Some(&b':')
            && b.first().is_some_and(u8::is_ascii_alphabetic))
}

/// Joins `rel` (as written in the policy) to the directory of `from` and normalises `.` and
/// `..`. A path written absolute is refused: policies name their files relative to
/// themselves. (Whether the result stays inside the root is the loader's to check.)
#[cfg(feature = "parser")]
pub(crate) fn resolve(from: &str, rel: &str) -> Result<String, ReadError> {
    if is_absolute_text(rel) {
        return Err(ReadError::OutsideRoot {
            root: String::new(),
        });
    }
    // `from`'s folder, kept absolute when `from` is (`/p/a.cla` → `/p/`, `/a.cla` → `/`).
    let joined = match from.rfind('/') {
        Some(i) => format!("{}/{rel}", from.get(..i).unwrap_or("")),
        None => rel.to_string(),
    };
    Ok(normalize(&joined))
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

/// One `import` line: the file it is in, the file it names (an index into the loaded files,
/// once loaded), and where it is written.
#[cfg(feature = "parser")]
struct ImportEdge {
    from: usize,
    to: usize,
    rel: String,
    span: Span,
}

/// Parses `main` (already read) and, transitively, its imports. Each file is read and parsed
/// once however many files import it; import cycles are found afterwards in one pass over
/// the import graph, so the cost is linear in files + import lines.
#[cfg(feature = "parser")]
pub(crate) fn load_all(
    loader: &dyn SourceLoader,
    main_path: &str,
    main_text: &str,
) -> (Loaded, Vec<Diagnostic>) {
    let mut sources = Sources::new();
    let mut files: Vec<LoadedFile> = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    let mut edges: Vec<ImportEdge> = Vec::new();
    let mut diagnostics = Vec::new();
    let main_path = normalize(main_path);
    let id = sources.add(main_path.clone(), main_text.to_string());
    let (ast, ds) = clausula_dsl::parse_file(id, main_text);
    diagnostics.extend(ds);
    by_path.insert(main_path.clone(), 0);
    files.push(LoadedFile {
        id,
        path: main_path,
        ast,
    });
    let mut too_many = false;
    // Breadth-first over imports.
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
            let path = match resolve(&importer, &rel) {
                Ok(p) => p,
                Err(why) => {
                    diagnostics.push(why.diagnostic_at(
                        codes::IMPORT_NOT_FOUND,
                        &rel,
                        importer_id,
                        span,
                        &mut sources,
                    ));
                    continue;
                }
            };
            if let Some(&to) = by_path.get(&path) {
                edges.push(ImportEdge {
                    from: next,
                    to,
                    rel,
                    span,
                });
                continue;
            }
            if files.len() >= MAX_FILES {
                if !too_many {
                    diagnostics.push(
                        Diagnostic::error(
                            codes::TOO_MANY_FILES,
                            span,
                            format!("more than {MAX_FILES} files are imported"),
                        )
                        .in_file(importer_id),
                    );
                }
                too_many = true;
                continue;
            }
            match loader.load(&path, clausula_dsl::limits::MAX_SOURCE_BYTES) {
                Ok(text) => {
                    let id = sources.add(path.clone(), text);
                    let (ast, ds) = clausula_dsl::parse_file(id, sources.text(id));
                    diagnostics.extend(ds);
                    let to = files.len();
                    by_path.insert(path.clone(), to);
                    files.push(LoadedFile { id, path, ast });
                    edges.push(ImportEdge {
                        from: next,
                        to,
                        rel,
                        span,
                    });
                }
                Err(why) => diagnostics.push(why.diagnostic_at(
                    codes::IMPORT_NOT_FOUND,
                    &path,
                    importer_id,
                    span,
                    &mut sources,
                )),
            }
        }
        next += 1;
    }
    for e in back_edges(files.len(), &edges) {
        if let (Some(edge), Some(f)) = (edges.get(e), files.get(edges.get(e).map_or(0, |x| x.from)))
        {
            diagnostics.push(
                Diagnostic::error(
                    codes::IMPORT_CYCLE,
                    edge.span,
                    format!("`{}` imports this file back", edge.rel),
                )
                .in_file(f.id)
                .with_help("move the shared declarations into a third file both import"),
            );
        }
    }
    (Loaded { sources, files }, diagnostics)
}

/// The import lines that close a cycle: the back edges of a depth-first walk from the main
/// file (iterative, each file and each edge visited once). Edges are reported in the order
/// they were written.
#[cfg(feature = "parser")]
fn back_edges(n: usize, edges: &[ImportEdge]) -> Vec<usize> {
    let mut out_edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, e) in edges.iter().enumerate() {
        if let Some(list) = out_edges.get_mut(e.from) {
            list.push(i);
        }
    }
    // 0 = not seen, 1 = on the current path, 2 = done.
    let mut state = vec![0u8; n];
    let mut back = Vec::new();
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if state.get(start) != Some(&0) {
            continue;
        }
        stack.push((start, 0));
        if let Some(s) = state.get_mut(start) {
            *s = 1;
        }
        while let Some(&mut (node, ref mut at)) = stack.last_mut() {
            let Some(&edge) = out_edges.get(node).and_then(|l| l.get(*at)) else {
                if let Some(s) = state.get_mut(node) {
                    *s = 2;
                }
                stack.pop();
                continue;
            };
            *at += 1;
            let to = edges.get(edge).map_or(usize::MAX, |e| e.to);
            match state.get(to) {
                Some(0) => {
                    if let Some(s) = state.get_mut(to) {
                        *s = 1;
                    }
                    stack.push((to, 0));
                }
                Some(1) => back.push(edge),
                _ => {}
            }
        }
    }
    back.sort_unstable();
    back
}

#[cfg(all(test, feature = "parser"))]
mod tests {
    use super::*;

    #[test]
    fn paths_resolve_relative_to_the_importer() {
        let r = |a: &str, b: &str| resolve(a, b).unwrap();
        assert_eq!(
            r("policies/national/a.cla", "b.cla"),
            "policies/national/b.cla"
        );
        assert_eq!(
            r("policies/national/a.cla", "../shared/c.cla"),
            "policies/shared/c.cla"
        );
        assert_eq!(r("a.cla", "./x/y.csv"), "x/y.csv");
        assert_eq!(r("/abs/a.cla", "b.cla"), "/abs/b.cla");
        assert_eq!(r("/a.cla", "b.cla"), "/b.cla");
        assert_eq!(normalize("../x/./y"), "../x/y");
        for abs in ["/etc/passwd", "\\\\server\\x", "C:\\x.cla", "c:/x.cla"] {
            assert!(
                matches!(resolve("a.cla", abs), Err(ReadError::OutsideRoot { .. })),
                "{abs}"
            );
        }
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
        let main = loader.load("main.cla", 1000).unwrap();
        let (loaded, ds) = load_all(&loader, "main.cla", &main);
        assert_eq!(loaded.files.len(), 3);
        // The walk main → a → b → main closes one cycle; every cycle passes through an
        // import that is reported.
        let codes: Vec<_> = ds.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::IMPORT_CYCLE]);
    }

    #[test]
    fn a_file_importing_itself_is_a_cycle() {
        let loader: MemoryLoader = [("main.cla", "import \"main.cla\"\n")]
            .into_iter()
            .collect();
        let (_, ds) = load_all(&loader, "main.cla", "import \"main.cla\"\n");
        let codes: Vec<_> = ds.iter().map(|d| d.code).collect();
        assert_eq!(codes, [codes::IMPORT_CYCLE]);
    }

    #[test]
    fn dense_import_graphs_load_each_file_once() {
        // 200 files, each importing every later one: 19,900 import lines, no cycle.
        let n = 200;
        let loader: MemoryLoader = (0..n)
            .map(|i| {
                let body: String = (i + 1..n)
                    .map(|j| format!("import \"f{j}.cla\"\n"))
                    .collect();
                (format!("f{i}.cla"), body)
            })
            .collect();
        let main = loader.load("f0.cla", 1 << 20).unwrap();
        let (loaded, ds) = load_all(&loader, "f0.cla", &main);
        assert_eq!(loaded.files.len(), n);
        assert!(ds.is_empty(), "{ds:?}");
    }

    #[test]
    fn memory_files_are_refused_past_the_limit() {
        let loader: MemoryLoader = [("a.csv", "x".repeat(100))].into_iter().collect();
        assert_eq!(
            loader.load("a.csv", 99),
            Err(ReadError::TooLarge { limit: 99 })
        );
        assert!(loader.load("a.csv", 100).is_ok());
    }
}
