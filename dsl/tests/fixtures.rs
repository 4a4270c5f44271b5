//! The fixture harness: every `.cla` under `fixtures/valid` parses, and its tree and canonical
//! form are snapshots; every file under `fixtures/invalid` fails, and its rendered
//! diagnostics are snapshots.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::fs;
use std::path::Path;

fn fixtures(kind: &str) -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut out: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cla"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn valid_fixtures_parse_and_format_idempotently() {
    let files = fixtures("valid");
    assert!(files.len() >= 9, "every construct needs a valid fixture");
    for (name, source) in files {
        let file =
            clausula_dsl::parse_named(&name, &source).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        let formatted = clausula_dsl::format(&source).unwrap();
        let again = clausula_dsl::format(&formatted).unwrap();
        assert_eq!(formatted, again, "formatting {name} is not idempotent");
        let reparsed = clausula_dsl::parse(&formatted).unwrap();
        assert_eq!(
            file.without_spans(),
            reparsed.without_spans(),
            "formatting {name} changed its meaning"
        );
        assert_eq!(
            file.comments.len(),
            reparsed.comments.len(),
            "formatting {name} lost a comment"
        );
        insta::assert_snapshot!(format!("{name}.ast"), common::dump(&file));
        insta::assert_snapshot!(format!("{name}.formatted"), formatted);
    }
}

#[test]
fn invalid_fixtures_report_diagnostics() {
    let files = fixtures("invalid");
    assert!(files.len() >= 9, "every construct needs an invalid fixture");
    for (name, source) in files {
        let err = match clausula_dsl::parse_named(&format!("{name}.cla"), &source) {
            Ok(_) => panic!("{name} should not parse"),
            Err(e) => e,
        };
        let mut snap = String::new();
        for r in err.reports() {
            snap.push_str(&format!(
                "{} {}:{} {:?}\n",
                r.code, r.line, r.column, r.span
            ));
        }
        snap.push('\n');
        snap.push_str(&err.render(false));
        insta::assert_snapshot!(format!("{name}.diagnostics"), snap);
    }
}
