//! Replays the `batch` fuzz target (`fuzz/src/batch.rs`) on stable: every input kept under
//! `fuzz/regressions/batch/`, plus the CSV and JSON-lines files of the repository.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

#[path = "../../fuzz/src/batch.rs"]
mod batch;

use std::path::{Path, PathBuf};

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn batch_regressions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    files_under(&root.join("fuzz/regressions/batch"), &mut files);
    for dir in ["policies", "conformance", "examples"] {
        files_under(&root.join(dir), &mut files);
    }
    files.retain(|f| {
        f.parent().is_some_and(|p| p.ends_with("batch"))
            || f.extension().is_some_and(|e| e == "csv" || e == "jsonl")
    });
    for f in &files {
        batch::batch(&std::fs::read(f).unwrap());
    }
    for text in ["a,b\n1,\"2\n3,4\n", "\"", "\n\n\r\n", "x\r\n\"a\"\"b\",c\n"] {
        batch::batch(text.as_bytes());
    }
}
