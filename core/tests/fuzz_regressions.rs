//! Replays the fuzz harness (`fuzz/src/harness.rs`, the same checks the cargo-fuzz targets
//! run) on stable: every input kept under `fuzz/regressions/<target>/` — each one a crash,
//! hang or broken invariant that fuzzing found and that is now fixed — plus the policy pack
//! and the conformance corpus as smoke inputs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../fuzz/src/harness.rs"]
mod harness;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

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

fn run(target: &str, check: fn(&[u8])) -> usize {
    let mut files = Vec::new();
    files_under(&root().join("fuzz/regressions").join(target), &mut files);
    files.sort();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(
            outcome.is_ok(),
            "fuzz regression {} fails again",
            f.display()
        );
    }
    files.len()
}

fn sources() -> Vec<PathBuf> {
    let mut files = Vec::new();
    files_under(&root().join("policies"), &mut files);
    files_under(&root().join("conformance"), &mut files);
    files.retain(|f| f.extension().is_some_and(|e| e == "cla"));
    files.sort();
    files
}

#[test]
fn parse_regressions() {
    run("parse", harness::parse);
    for f in sources() {
        harness::parse(&std::fs::read(f).unwrap());
    }
}

#[test]
fn roundtrip_regressions() {
    run("roundtrip", harness::roundtrip);
    for f in sources() {
        harness::roundtrip(&std::fs::read(f).unwrap());
    }
}

#[test]
fn compile_regressions() {
    run("compile", harness::compile);
    for f in sources() {
        harness::compile(&std::fs::read(f).unwrap());
    }
}

#[test]
fn evaluate_regressions() {
    run("evaluate", harness::evaluate);
    // deterministic pseudo-random byte strings drive the structured generator
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    for len in (0..4000).step_by(7) {
        let data: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        harness::evaluate(&data);
    }
}

#[test]
fn graph_regressions() {
    run("graph", harness::graph);
    for f in sources() {
        // the hostile corpus holds files that are not UTF-8 on purpose
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if let Ok(p) = clausula_core::Policy::compile(&text) {
            let bytes = p.to_bytes();
            harness::graph(&bytes);
            // every truncation of a real graph is refused or loads cleanly
            for cut in (0..bytes.len()).step_by(bytes.len() / 50 + 1) {
                harness::graph(&bytes[..cut]);
            }
        }
    }
}

#[test]
fn facts_json_regressions() {
    run("facts_json", harness::facts_json);
    // Every facts document of the conformance corpus, and some hostile shapes.
    let mut files = Vec::new();
    files_under(&root().join("conformance/eval"), &mut files);
    files_under(&root().join("examples/applications"), &mut files);
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        harness::facts_json(&std::fs::read(f).unwrap());
    }
    for text in [
        "{\"a\": 1, \"a\": 2}",
        "\u{feff}{}",
        "{\"a\": \"\\ud800\"}",
        "[1e400, -0, 0.1, 1.5E+3, 12345678901234567890123]",
        "{\"$serde_json::private::Number\": \"1\"}",
        "",
        "nul",
    ] {
        harness::facts_json(text.as_bytes());
    }
}
