//! Hostile policies and inputs through the `clausula` binary: files outside the policy's
//! folder, FIFOs and devices, endless records, symlink loops, corrupted graphs. Each case
//! must end quickly with a clear error that never quotes a refused file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs the binary with a deadline: a hang is a failure, not a stuck test run.
fn clausula_in(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clausula"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("clausula {args:?} did not finish within 20 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh folder for one test.
fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("clausula-hostile-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    let ok = Command::new("mkfifo").arg(path).status().unwrap().success();
    assert!(ok, "mkfifo failed");
}

const POLICY: &str = "policy p \"P\"\n\ninput e \"E\" {\n  x: int \"X\"\n}\n\noutcome o \"O\" {\n  require e.x > 1 \"x > 1\"\n}\n";

#[test]
fn imports_outside_the_folder_are_refused_without_reading_them() {
    let base = folder("imports");
    let dir = base.join("policy");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(base.join("secret.cla"), "rule leaked = \"TOP-SECRET\"\n").unwrap();
    std::os::unix::fs::symlink(base.join("secret.cla"), dir.join("link.cla")).unwrap();
    mkfifo(&dir.join("fifo.cla"));
    let cases = [
        ("/etc/passwd", "load/outside-root"),
        ("../secret.cla", "load/outside-root"),
        ("../../../../../../etc/hostname", "load/outside-root"),
        ("/proc/self/environ", "load/outside-root"),
        ("link.cla", "load/outside-root"),
        ("fifo.cla", "load/not-a-file"),
        ("/dev/zero", "load/outside-root"),
        (".", "load/not-a-file"),
    ];
    for (target, code) in cases {
        std::fs::write(
            dir.join("main.cla"),
            format!("import \"{target}\"\n{POLICY}"),
        )
        .unwrap();
        let out = clausula_in(&dir, &["check", "main.cla"]);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{target}: {err}");
        assert!(err.contains(code), "{target}: expected {code} in {err}");
        for leak in ["root:x", "TOP-SECRET", "PATH="] {
            assert!(
                !err.contains(leak),
                "{target}: the error quotes the file: {err}"
            );
        }
    }
    // A root the caller names may be wider.
    std::fs::write(
        dir.join("main.cla"),
        format!("import \"../secret.cla\"\n{POLICY}"),
    )
    .unwrap();
    let out = clausula_in(&dir, &["check", "main.cla", "--root", ".."]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn directory_csvs_outside_the_folder_or_special_are_refused() {
    let dir = folder("csv");
    mkfifo(&dir.join("rows.csv"));
    for (from, code) in [
        ("../outside.csv", "load/outside-root"),
        ("/dev/zero", "load/outside-root"),
        ("rows.csv", "load/not-a-file"),
    ] {
        std::fs::write(
            dir.join("main.cla"),
            format!("{POLICY}\ndirectory d key code from \"{from}\" {{\n  rate: percent\n}}\n"),
        )
        .unwrap();
        let out = clausula_in(&dir, &["check", "main.cla"]);
        let err = text(&out.stderr);
        assert!(err.contains(code), "{from}: {err}");
    }
}

#[test]
fn facts_and_batch_inputs_are_regular_files_or_stdin() {
    let dir = folder("facts");
    std::fs::write(dir.join("p.cla"), POLICY).unwrap();
    mkfifo(&dir.join("facts.json"));
    for facts in ["facts.json", "/dev/zero", "/dev/urandom", "."] {
        let out = clausula_in(
            &dir,
            &["eval", "p.cla", "--facts", facts, "--as-of", "2024-01-01"],
        );
        let err = text(&out.stderr);
        assert!(!out.status.success());
        assert!(err.contains("not a regular file"), "{facts}: {err}");
    }
    let out = clausula_in(
        &dir,
        &[
            "batch",
            "p.cla",
            "--input",
            "facts.json.csv",
            "--as-of",
            "2024-01-01",
            "--output",
            "o.csv",
        ],
    );
    assert!(!out.status.success());
    mkfifo(&dir.join("rows.csv"));
    let out = clausula_in(
        &dir,
        &[
            "batch",
            "p.cla",
            "--input",
            "rows.csv",
            "--as-of",
            "2024-01-01",
            "--output",
            "o.csv",
        ],
    );
    assert!(
        text(&out.stderr).contains("not a regular file"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_endless_csv_field_is_one_error_row_in_bounded_memory() {
    let dir = folder("endless");
    std::fs::write(dir.join("p.cla"), POLICY).unwrap();
    // 40 MB in one field, past the 16 MiB record limit, then two good rows.
    let mut body = String::from("e.x\n2\n\"");
    body.push_str(&"9".repeat(40 * 1024 * 1024));
    body.push_str("\n3\n0\n");
    std::fs::write(dir.join("rows.csv"), body).unwrap();
    let out = clausula_in(
        &dir,
        &[
            "batch",
            "p.cla",
            "--input",
            "rows.csv",
            "--as-of",
            "2024-01-01",
            "--output",
            "o.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut r = csv::Reader::from_path(dir.join("o.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let lines: Vec<&str> = rows.iter().map(|r| &r[1]).collect();
    assert_eq!(lines, ["2", "3", "4", "5"]);
    assert_eq!(&rows[0][2], "eligible");
    assert!(
        rows[1][3].contains("longer than the limit"),
        "{:?}",
        rows[1]
    );
    assert_eq!(&rows[2][2], "eligible");
    assert_eq!(&rows[3][2], "ineligible");
}

#[test]
fn a_broken_csv_record_loses_no_row_and_duplicate_columns_are_refused() {
    let dir = folder("broken");
    std::fs::write(dir.join("p.cla"), POLICY).unwrap();
    std::fs::write(dir.join("rows.csv"), "e.x\n2\n\"3\n4\n5\n6\n7\n").unwrap();
    let out = clausula_in(
        &dir,
        &[
            "batch",
            "p.cla",
            "--input",
            "rows.csv",
            "--as-of",
            "2024-01-01",
            "--output",
            "o.csv",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut r = csv::Reader::from_path(dir.join("o.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6, "7 input records, one output row each");
    assert!(!rows[1][3].is_empty(), "line 3 is the error: {:?}", rows[1]);
    for row in &rows[2..] {
        assert_eq!(&row[2], "eligible");
    }

    std::fs::write(dir.join("dup.csv"), "e.x,e.x\n1,5\n").unwrap();
    let out = clausula_in(
        &dir,
        &[
            "batch",
            "p.cla",
            "--input",
            "dup.csv",
            "--as-of",
            "2024-01-01",
            "--output",
            "o.csv",
        ],
    );
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("`e.x` twice (columns 1 and 2)"), "{err}");
}

#[test]
fn symlink_loops_are_walked_once() {
    let dir = folder("loops");
    std::fs::write(
        dir.join("p.cla"),
        format!("{POLICY}\nexample \"one\" as_of 2024-01-01 {{\n  given {{ e: {{ x: 2 }} }}\n  expect o eligible\n}}\n"),
    )
    .unwrap();
    std::os::unix::fs::symlink(".", dir.join("a")).unwrap();
    std::os::unix::fs::symlink(".", dir.join("b")).unwrap();
    let out = clausula_in(&dir, &["test", "."]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", text(&out.stderr));
    assert!(stdout.contains("1 passed, 0 failed"), "{stdout}");
    let out = clausula_in(&dir, &["check", "."]);
    assert!(out.status.success());
    assert_eq!(text(&out.stdout).lines().count(), 1);
}

#[test]
fn a_changed_byte_in_a_compiled_graph_is_refused() {
    let dir = folder("graph");
    let policy = root().join("policies/shanghai/key-tech-transformation.cla");
    let clag = dir.join("p.clag");
    let out = clausula_in(
        &dir,
        &[
            "compile",
            policy.to_str().unwrap(),
            "-o",
            clag.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let bytes = std::fs::read(&clag).unwrap();
    let facts = root().join("examples/applications/shanghai-fund-2026.json");
    // Every tenth byte after the header, changed: never loaded.
    for at in (10..bytes.len()).step_by(bytes.len() / 10) {
        let mut changed = bytes.clone();
        changed[at] ^= 0x01;
        std::fs::write(&clag, &changed).unwrap();
        let out = clausula_in(
            &dir,
            &[
                "eval",
                clag.to_str().unwrap(),
                "--facts",
                facts.to_str().unwrap(),
                "--as-of",
                "2026-03-01",
            ],
        );
        assert!(!out.status.success());
        assert!(
            text(&out.stderr).contains("checksum"),
            "{}",
            text(&out.stderr)
        );
    }
}

#[test]
fn control_characters_never_reach_the_terminal_raw() {
    let dir = folder("escapes");
    std::fs::write(
        dir.join("p.cla"),
        "policy p \"P\\u{1b}[2J\"\n\ninput e \"E\" {\n  k: enum { a, b } \"K\"\n  t: text \"T\"\n}\n\noutcome o \"O\" {\n  require e.k == a \"\\u{1b}]0;owned\\u{7}k is a\"\n  require e.t == \"x\" \"t\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("f.json"),
        "{\"e\": {\"k\": \"b\", \"t\": \"\\u001b[31mred\"}}",
    )
    .unwrap();
    let out = clausula_in(
        &dir,
        &[
            "eval",
            "p.cla",
            "--facts",
            "f.json",
            "--as-of",
            "2024-01-01",
        ],
    );
    let all = [out.stdout.clone(), out.stderr.clone()].concat();
    assert!(!all.contains(&0x1b), "{}", text(&all));
    assert!(text(&all).contains("\\u{1b}"), "{}", text(&all));
    std::fs::write(dir.join("bad.json"), "{\"e\": {\"k\": \"\\u001b[31m\"}}").unwrap();
    let out = clausula_in(
        &dir,
        &[
            "eval",
            "p.cla",
            "--facts",
            "bad.json",
            "--as-of",
            "2024-01-01",
        ],
    );
    let all = [out.stdout, out.stderr].concat();
    assert!(!all.contains(&0x1b), "{}", text(&all));
}
