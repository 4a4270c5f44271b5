//! The conformance corpus (`conformance/`), run through the Rust API. The Python and
//! JavaScript bindings run the same files and must produce the same JSON.
//!
//! `CLAUSULA_BLESS=1 cargo test -p clausula-core --test conformance` records the current
//! output as the expectation (review the diff before committing it). The `check` entries of
//! each case are hand-written assertions on the fields that matter; they are enforced in
//! both modes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use clausula_core::{DecisionSummary, MemoryLoader, Policy, parse_date};
use serde_json::{Map, Value};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../conformance")
}

fn bless() -> bool {
    std::env::var_os("CLAUSULA_BLESS").is_some()
}

/// Every file under `dir` (except `cases.json`), keyed by its path relative to `dir`.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().unwrap() != "cases.json" {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .replace('\\', "/");
                out.push((rel, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// Looks up `path` (dot-separated; keys may themselves contain dots) in a JSON value.
fn lookup<'v>(v: &'v Value, path: &str) -> Option<&'v Value> {
    if path.is_empty() {
        return Some(v);
    }
    match v {
        Value::Object(m) => {
            // The longest key that is a prefix of the path at a dot boundary.
            let mut best: Option<(&'v Value, &str)> = None;
            for (k, child) in m {
                if path == k {
                    return Some(child);
                }
                if let Some(rest) = path
                    .strip_prefix(k.as_str())
                    .and_then(|r| r.strip_prefix('.'))
                    && best.is_none_or(|(_, r)| rest.len() < r.len())
                {
                    best = Some((child, rest));
                }
            }
            best.and_then(|(child, rest)| lookup(child, rest))
        }
        Value::Array(items) => {
            let (head, rest) = path.split_once('.').unwrap_or((path, ""));
            lookup(items.get(head.parse::<usize>().ok()?)?, rest)
        }
        _ => None,
    }
}

fn check(actual: &Value, checks: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for (path, want) in checks {
        let got = lookup(actual, path);
        let ok = match (want, got) {
            (Value::Null, None | Some(Value::Null)) => true,
            (w, Some(g)) => w == g,
            _ => false,
        };
        if !ok {
            out.push(format!(
                "{path}: expected {want}, got {}",
                got.map_or("nothing".to_string(), Value::to_string)
            ));
        }
    }
    out
}

/// A topic's `policy.cla`, compiled with the files beside it.
fn compile_topic(dir: &Path) -> Policy {
    let files = files(dir);
    let loader: MemoryLoader = files.iter().cloned().collect();
    let main = files
        .iter()
        .find(|(p, _)| p == "policy.cla")
        .map(|(_, t)| t.clone())
        .unwrap();
    Policy::compile_with(&loader, "policy.cla", &main)
        .unwrap_or_else(|e| panic!("{}:\n{e}", dir.display()))
}

fn run_topic(dir: &Path) -> (usize, Vec<String>) {
    let topic = dir.file_name().unwrap().to_str().unwrap().to_string();
    let policy = compile_topic(dir);
    let cases_path = dir.join("cases.json");
    let mut cases: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(&cases_path).unwrap()).unwrap();
    let mut failures = Vec::new();
    for c in &mut cases {
        let name = c["name"].as_str().unwrap().to_string();
        let as_of = parse_date(c["as_of"].as_str().unwrap()).unwrap();
        let decision = match c.get("facts_json") {
            Some(Value::String(text)) => policy.decide_json(text.as_bytes(), as_of),
            _ => policy.decide(&c["facts"], as_of),
        };
        // The summary is the decision without its explanations, errors included.
        let text = match c.get("facts_json") {
            Some(Value::String(text)) => text.clone().into_bytes(),
            _ => serde_json::to_vec(&c["facts"]).unwrap(),
        };
        let summary = policy.summarize_json(&text, as_of);
        if summary != DecisionSummary::from(&decision) {
            failures.push(format!(
                "{topic} / {name}: summary differs from the decision\nsummary:  {}\ndecision: {}",
                summary.to_json(),
                decision.to_json()
            ));
        }
        let actual = serde_json::to_value(&decision).unwrap();
        for f in check(&actual, c["check"].as_object().unwrap()) {
            failures.push(format!("{topic} / {name}: {f}"));
        }
        if bless() {
            c.as_object_mut()
                .unwrap()
                .insert("expect".to_string(), actual);
        } else {
            match c.get("expect") {
                Some(e) if *e == actual => {}
                Some(e) => failures.push(format!(
                    "{topic} / {name}: output differs from the recorded expectation\nexpected: {}\nactual:   {}",
                    serde_json::to_string(e).unwrap(),
                    serde_json::to_string(&actual).unwrap()
                )),
                None => failures.push(format!("{topic} / {name}: no recorded expectation (run with CLAUSULA_BLESS=1)")),
            }
        }
    }
    if bless() {
        let mut text = serde_json::to_string_pretty(&cases).unwrap();
        text.push('\n');
        std::fs::write(&cases_path, text).unwrap();
    }
    (cases.len(), failures)
}

#[test]
fn evaluation_cases() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus().join("eval"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    let mut total = 0;
    let mut failures = Vec::new();
    for d in dirs {
        let (n, f) = run_topic(&d);
        total += n;
        failures.extend(f);
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 100, "only {total} evaluation cases");
}

#[test]
fn compile_error_cases() {
    let dir = corpus().join("compile");
    let expected_path = dir.join("expected.json");
    let mut expected: Map<String, Value> = if bless() {
        Map::new()
    } else {
        serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap()
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cla"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for p in &names {
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
        let loader: MemoryLoader = [(name.clone(), text.clone())].into_iter().collect();
        let diags = match Policy::compile_with(&loader, &name, &text) {
            Ok(_) => {
                failures.push(format!("{name}: compiled without error"));
                continue;
            }
            Err(d) => d,
        };
        let actual: Vec<Value> = diags
            .reports()
            .into_iter()
            .map(|r| serde_json::json!({"code": r.code, "severity": r.severity, "line": r.line, "column": r.column}))
            .collect();
        // The file's name says which code it is about; that code must be there.
        let stem = name.trim_end_matches(".cla");
        let about = stem
            .split_once('-')
            .map(|(kind, rest)| format!("{kind}/{rest}"));
        if let Some(code) = about
            && !stem.ends_with("at-once")
            && !stem.starts_with("syntax-two")
            && !actual
                .iter()
                .any(|a| code.starts_with(a["code"].as_str().unwrap()))
        {
            failures.push(format!("{name}: no `{code}` among {actual:?}"));
        }
        if bless() {
            expected.insert(name.clone(), Value::Array(actual));
        } else if expected.get(&name) != Some(&Value::Array(actual.clone())) {
            failures.push(format!(
                "{name}: expected {:?}, got {actual:?}",
                expected.get(&name)
            ));
        }
    }
    if bless() {
        let mut text = serde_json::to_string_pretty(&expected).unwrap();
        text.push('\n');
        std::fs::write(&expected_path, text).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(names.len() >= 30);
}

/// `conformance/hostile/`: policy files as bytes (not UTF-8, NUL bytes, byte-order marks,
/// bidirectional controls, CRLF, an import and a CSV saved in GBK…), read from disk as the
/// CLI and `Policy::load` read them. `expected.json` maps each file to `"ok"` or to its
/// diagnostics `[{code, file, line, column}]`.
#[test]
fn hostile_files() {
    use clausula_core::{FsLoader, read_source};
    let dir = corpus().join("hostile");
    let expected_path = dir.join("expected.json");
    let mut expected: Map<String, Value> = if bless() {
        Map::new()
    } else {
        serde_json::from_str(&std::fs::read_to_string(&expected_path).unwrap()).unwrap()
    };
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".cla"))
        .collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        let path = dir.join(name);
        let path = path.to_str().unwrap();
        let loader = FsLoader::for_file(path);
        let result = read_source(&loader, path)
            .and_then(|text| Policy::compile_with(&loader, path, &text).map(|_| ()));
        let actual = match result {
            Ok(()) => Value::String("ok".into()),
            Err(d) => Value::Array(
                d.reports()
                    .into_iter()
                    .map(|r| {
                        let file = r.file.rsplit('/').next().unwrap_or("").to_string();
                        serde_json::json!({"code": r.code, "file": file, "line": r.line, "column": r.column})
                    })
                    .collect(),
            ),
        };
        if bless() {
            expected.insert(name.clone(), actual);
        } else if expected.get(name) != Some(&actual) {
            failures.push(format!(
                "{name}: expected {:?}, got {actual}",
                expected.get(name)
            ));
        }
    }
    if bless() {
        let mut text = serde_json::to_string_pretty(&expected).unwrap();
        text.push('\n');
        std::fs::write(&expected_path, text).unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(names.len() >= 15);
}

/// Topics whose compiled graphs are kept as golden files in `conformance/graphs/`: a change
/// to the byte format (an enum variant reordered, a field added) must be deliberate, and a
/// stored graph decides exactly what its source does.
const GOLDEN: [&str; 6] = [
    "functions",
    "keyed-directories",
    "policy-imports",
    "tables",
    "ranges",
    "errors",
];

/// The golden graphs: compiling each topic gives the stored bytes (re-record with
/// `CLAUSULA_BLESS=1` when the format changes on purpose, bumping `FORMAT`), and the stored
/// graph, loaded, decides every case of its topic as recorded.
#[test]
fn golden_graphs() {
    let dir = corpus().join("graphs");
    std::fs::create_dir_all(&dir).unwrap();
    let mut failures = Vec::new();
    for topic in GOLDEN {
        let tdir = corpus().join("eval").join(topic);
        let compiled = compile_topic(&tdir).to_bytes();
        let path = dir.join(format!("{topic}.clag"));
        if bless() {
            std::fs::write(&path, &compiled).unwrap();
        }
        let stored = std::fs::read(&path)
            .unwrap_or_else(|_| panic!("{topic}: no golden graph (run with CLAUSULA_BLESS=1)"));
        if stored != compiled {
            failures.push(format!(
                "{topic}: the compiled graph's bytes changed ({} bytes stored, {} now): if the \
                 format changed on purpose, bump FORMAT and re-record with CLAUSULA_BLESS=1",
                stored.len(),
                compiled.len()
            ));
        }
        let policy = Policy::from_bytes(&stored).unwrap_or_else(|e| panic!("{topic}: {e:?}"));
        let cases: Vec<Value> =
            serde_json::from_str(&std::fs::read_to_string(tdir.join("cases.json")).unwrap())
                .unwrap();
        for c in &cases {
            let as_of = parse_date(c["as_of"].as_str().unwrap()).unwrap();
            let decision = match c.get("facts_json") {
                Some(Value::String(text)) => policy.decide_json(text.as_bytes(), as_of),
                _ => policy.decide(&c["facts"], as_of),
            };
            if serde_json::to_value(&decision).unwrap() != c["expect"] {
                failures.push(format!(
                    "{topic} / {}: the stored graph decides otherwise",
                    c["name"]
                ));
            }
        }
        // A graph of another format version is refused, never read differently.
        let mut old = stored.clone();
        if let Some(v) = old.get_mut(4) {
            *v = v.wrapping_sub(1);
        }
        match Policy::from_bytes(&old) {
            Err(e) if e.code == "load/unsupported-version" => {}
            Err(e) => failures.push(format!("{topic}: an older version gives {}", e.code)),
            Ok(_) => failures.push(format!("{topic}: an older version loads")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
