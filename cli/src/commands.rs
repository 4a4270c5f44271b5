//! The commands other than `batch`.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clausula_core::{Diagnostics, ErrorReport, FsLoader, Policy, read_source};

use crate::render;
use crate::style::Style;

/// Policy files under `paths` (folders are searched recursively), sorted. Symlinked folders
/// are not followed (two links to `.` would otherwise walk forever), and a file reached
/// twice is listed once.
pub(crate) fn cla_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = paths.to_vec();
    let mut seen_dirs = std::collections::HashSet::new();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            // Each real folder once, even when named twice on the command line.
            if let Ok(real) = std::fs::canonicalize(&p)
                && !seen_dirs.insert(real)
            {
                continue;
            }
            for e in std::fs::read_dir(&p).with_context(|| format!("reading {}", p.display()))? {
                let e = e?;
                let path = e.path();
                let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                // `file_type` does not follow symlinks: a linked folder is skipped.
                let ty = e.file_type()?;
                if ty.is_dir() {
                    if !name.starts_with('.') && name != "target" && name != "node_modules" {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|x| x == "cla") {
                    out.push(path);
                }
            }
        } else if p.exists() {
            out.push(p);
        } else {
            bail!("{} does not exist", p.display());
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The folder `--root` names: imports and directory CSVs are read only inside it. Without
/// it, each policy's own folder.
pub(crate) static ROOT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// The loader for the policy at `path`: inside `--root`, or inside the policy's folder.
pub(crate) fn loader_for(path: &str) -> FsLoader {
    match ROOT.get() {
        Some(root) => FsLoader::new(root),
        None => FsLoader::for_file(path),
    }
}

fn path_str(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Loads a policy from source or from a compiled graph; diagnostics go to stderr.
pub(crate) fn load_policy(style: &Style, path: &Path) -> Result<Option<Policy>> {
    if is_compiled(path)? {
        let bytes = read_input(path, clausula_core::MAX_GRAPH_BYTES)?;
        return Policy::from_bytes(&bytes)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
    }
    let path = path_str(path);
    match Policy::load_in(&loader_for(&path), &path) {
        Ok(p) => {
            if let Some(w) = p.warnings() {
                eprint!("{}", w.render(style.color));
            }
            Ok(Some(p))
        }
        Err(d) => {
            eprint!("{}", d.render(style.color));
            eprintln!("{}", summary(style, &d));
            Ok(None)
        }
    }
}

fn summary(style: &Style, d: &Diagnostics) -> String {
    let errors = d.list().iter().filter(|x| x.is_error()).count();
    let warnings = d.len() - errors;
    let text = format!(
        "{errors} error{}, {warnings} warning{}",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    );
    if errors > 0 {
        style.red(&text)
    } else {
        style.yellow(&text)
    }
}

pub(crate) fn check(style: &Style, files: &[PathBuf]) -> Result<ExitCode> {
    let files = cla_files(files)?;
    let mut failed = 0;
    for f in &files {
        let path = path_str(f);
        let loader = loader_for(&path);
        let text = match read_source(&loader, &path) {
            Ok(t) => t,
            Err(d) => {
                eprint!("{}", d.render(style.color));
                failed += 1;
                continue;
            }
        };
        let d = Policy::check_with(&loader, &path, &text);
        if !d.is_empty() {
            eprint!("{}", d.render(style.color));
        }
        if d.has_errors() {
            failed += 1;
            eprintln!("{} {path}: {}", style.red("✗"), summary(style, &d));
        } else {
            outln!(
                "{} {path}{}",
                style.green("✓"),
                if d.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", summary(style, &d))
                }
            );
        }
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Whether `path` holds a compiled graph (`CLAG…`), judged by its first four bytes.
fn is_compiled(path: &Path) -> Result<bool> {
    if path == Path::new("-") {
        return Ok(false);
    }
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    if !meta.is_file() {
        bail!("{}: not a regular file", path.display());
    }
    let mut magic = [0u8; 4];
    let mut f = std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let n = f.read(&mut magic)?;
    Ok(n == 4 && &magic == b"CLAG")
}

/// Reads a facts file, a compiled graph or another input whole: a regular file, or `-` for
/// standard input, refused past `limit` bytes without reading further (never a FIFO or a
/// device, which could block or never end).
pub(crate) fn read_input(path: &Path, limit: usize) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut b = Vec::new();
        std::io::stdin()
            .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut b)
            .context("reading standard input")?;
        if b.len() > limit {
            bail!("standard input is larger than the limit of {limit} bytes");
        }
        return Ok(b);
    }
    clausula_core::read_regular_file(path, limit)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
}

pub(crate) fn parse_as_of(s: &str) -> Result<clausula_core::NaiveDate> {
    clausula_core::parse_date(s).with_context(|| format!("--as-of `{s}` is not a date YYYY-MM-DD"))
}

pub(crate) fn eval(
    style: &Style,
    policy: &Path,
    facts: &Path,
    as_of: &str,
    json: bool,
) -> Result<ExitCode> {
    let as_of = parse_as_of(as_of)?;
    let Some(policy) = load_policy(style, policy)? else {
        return Ok(ExitCode::FAILURE);
    };
    let bytes = read_input(facts, clausula_core::MAX_FACTS_BYTES)?;
    let decision = policy.decide_json(&bytes, as_of);
    if json {
        outln!("{}", decision.to_json_pretty());
    } else {
        out!("{}", render::decision(style, &policy, &decision));
    }
    // Errors scoped to a line or an amount (R11) leave the decision standing: it is shown
    // with them, and the run succeeds; bad facts or a date outside the window do not.
    Ok(if decision.errors.iter().all(ErrorReport::is_scoped) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub(crate) fn test(style: &Style, paths: &[PathBuf]) -> Result<ExitCode> {
    let paths = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let files = cla_files(&paths)?;
    let (mut passed, mut failed, mut broken) = (0usize, 0usize, 0usize);
    for f in &files {
        let path = path_str(f);
        let loader = loader_for(&path);
        let text = match read_source(&loader, &path) {
            Ok(t) => t,
            Err(d) => {
                eprint!("{}", d.render(style.color));
                broken += 1;
                continue;
            }
        };
        // Files without a policy header are libraries: check them, they have no examples to run.
        let is_policy = text
            .lines()
            .any(|l| l.starts_with("policy ") || l.starts_with("policy\t"));
        if !is_policy {
            let d = Policy::check_with(&loader, &path, &text);
            if d.has_errors() {
                eprint!("{}", d.render(style.color));
                broken += 1;
            }
            continue;
        }
        let policy = match Policy::compile_with(&loader, &path, &text) {
            Ok(p) => p,
            Err(d) => {
                eprint!("{}", d.render(style.color));
                outln!("{} {path}: does not compile", style.red("✗"));
                broken += 1;
                continue;
            }
        };
        let results = policy.run_examples();
        if results.is_empty() {
            continue;
        }
        let ok = results.iter().filter(|r| r.passed).count();
        outln!("{} ({ok}/{} examples)", style.bold(&path), results.len());
        for r in &results {
            if r.passed {
                passed += 1;
                outln!("  {} {}", style.green("✓"), clausula_core::visible(&r.name));
                continue;
            }
            failed += 1;
            outln!(
                "  {} {}  {}",
                style.red("✗"),
                clausula_core::visible(&r.name),
                style.dim(&format!("{}:{} as_of {}", r.file, r.line, r.as_of))
            );
            for why in &r.failures {
                outln!("      {} {}", style.red("→"), clausula_core::visible(why));
            }
            for (name, o) in r.decision.outcomes.iter() {
                for line in render::outcome(style, name, o).lines() {
                    outln!("      {line}");
                }
            }
        }
    }
    let mut summary = format!("{passed} passed, {failed} failed");
    if broken > 0 {
        summary.push_str(&format!(
            ", {broken} file{} with errors",
            if broken == 1 { "" } else { "s" }
        ));
    }
    outln!(
        "\n{}",
        if failed + broken > 0 {
            style.red(&summary)
        } else {
            style.green(&summary)
        }
    );
    Ok(if failed + broken > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub(crate) fn fmt(style: &Style, check: bool, files: &[PathBuf]) -> Result<ExitCode> {
    let files = cla_files(files)?;
    let mut unformatted = 0;
    let mut broken = 0;
    for f in &files {
        let path = path_str(f);
        let loader = loader_for(&path);
        let text = match read_source(&loader, &path) {
            Ok(t) => t,
            Err(d) => {
                eprint!("{}", d.render(style.color));
                broken += 1;
                continue;
            }
        };
        match clausula_core::format_source(&path, &text) {
            Ok(out) if out == text => {}
            Ok(out) => {
                if check {
                    outln!("{} {path} is not formatted", style.yellow("!"));
                    unformatted += 1;
                } else {
                    std::fs::write(f, out).with_context(|| format!("writing {path}"))?;
                    outln!("formatted {path}");
                }
            }
            Err(d) => {
                eprint!("{}", d.render(style.color));
                broken += 1;
            }
        }
    }
    Ok(if unformatted + broken > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

pub(crate) fn graph(style: &Style, policy: &Path, json: bool) -> Result<ExitCode> {
    let Some(policy) = load_policy(style, policy)? else {
        return Ok(ExitCode::FAILURE);
    };
    if json {
        outln!("{}", serde_json::to_string_pretty(&policy.graph_view())?);
    } else {
        out!("{}", policy.to_dot());
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn compile(style: &Style, policy: &Path, output: &Path) -> Result<ExitCode> {
    let Some(p) = load_policy(style, policy)? else {
        return Ok(ExitCode::FAILURE);
    };
    let bytes = p.to_bytes();
    std::fs::write(output, &bytes).with_context(|| format!("writing {}", output.display()))?;
    eprintln!(
        "wrote {} ({} bytes, {} nodes)",
        output.display(),
        bytes.len(),
        p.node_count()
    );
    Ok(ExitCode::SUCCESS)
}

/// What `clausula schema` prints.
pub(crate) enum SchemaOut {
    Inputs,
    JsonSchema,
    Typescript,
}

pub(crate) fn schema(style: &Style, policy: &Path, what: SchemaOut) -> Result<ExitCode> {
    let Some(p) = load_policy(style, policy)? else {
        return Ok(ExitCode::FAILURE);
    };
    let schema = p.inputs();
    match what {
        SchemaOut::Inputs => outln!("{}", serde_json::to_string_pretty(&schema)?),
        SchemaOut::JsonSchema => outln!("{}", serde_json::to_string_pretty(&schema.json_schema())?),
        SchemaOut::Typescript => out!("{}", schema.typescript()),
    }
    Ok(ExitCode::SUCCESS)
}
