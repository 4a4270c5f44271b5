//! Checker diagnostics: each fixture under `fixtures/check` reports every error at once,
//! with stable codes and spans. Snapshots hold the codes with positions and the rendered
//! frames.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use clausula_core::{FsLoader, Policy, SourceLoader};

fn diagnostics(rel: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check");
    let path = dir.join(rel);
    let path = path.to_str().unwrap().replace('\\', "/");
    let loader = FsLoader::for_file(&path);
    let text = loader.load(&path, 1 << 24).unwrap();
    let d = match Policy::compile_with(&loader, &path, &text) {
        Ok(p) => p
            .warnings()
            .cloned()
            .expect("the fixture should produce diagnostics"),
        Err(d) => d,
    };
    let prefix = format!("{}/", dir.to_str().unwrap().replace('\\', "/"));
    let mut out = String::new();
    for r in d.reports() {
        out.push_str(&format!(
            "{} {} {}:{}:{}\n",
            r.code,
            if r.severity == clausula_core::Diagnostic::error("x", Default::default(), "").severity
            {
                "error"
            } else {
                "warning"
            },
            r.file.replace(&prefix, ""),
            r.line,
            r.column
        ));
    }
    out.push('\n');
    out.push_str(&d.render(false).replace(&prefix, ""));
    out
}

macro_rules! fixture {
    ($name:ident, $file:expr) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(stringify!($name), diagnostics($file));
        }
    };
}

fixture!(unknown_names_get_suggestions, "names.cla");
fixture!(type_errors_name_both_sides, "types.cla");
fixture!(cycles_are_reported_whole, "cycles.cla");
fixture!(duplicates_point_at_the_first, "duplicates.cla");
fixture!(table_rows_that_never_fire_and_overlaps, "tables.cla");
fixture!(constants_defaults_and_arguments, "constants.cla");
fixture!(example_facts_are_checked_where_written, "examples.cla");
fixture!(
    example_expectations_name_real_outcomes,
    "example_expectations.cla"
);
fixture!(a_policy_needs_a_header, "no_policy.cla");
fixture!(imports_missing_and_cyclic, "imports/main.cla");
fixture!(csv_rows_are_checked_in_the_csv, "csv_directory.cla");
fixture!(
    chained_comparisons_say_they_do_not_chain,
    "chained_comparison.cla"
);
fixture!(ranges_that_cannot_hold, "ranges.cla");
fixture!(an_outcome_read_as_a_value_is_named, "outcome_as_value.cla");
fixture!(functions_read_only_their_arguments, "functions.cla");
fixture!(directory_keys_fit_their_type, "keyed_directories.cla");
fixture!(
    imported_inputs_merge_only_when_equal,
    "policy_imports/main.cla"
);
fixture!(an_imported_file_has_one_name, "import_names/main.cla");

#[test]
fn every_check_code_is_exercised() {
    let all: String = [
        "names.cla",
        "types.cla",
        "cycles.cla",
        "duplicates.cla",
        "tables.cla",
        "constants.cla",
        "examples.cla",
        "example_expectations.cla",
        "no_policy.cla",
        "imports/main.cla",
        "csv_directory.cla",
        "chained_comparison.cla",
        "ranges.cla",
        "functions.cla",
        "keyed_directories.cla",
        "policy_imports/main.cla",
        "import_names/main.cla",
    ]
    .iter()
    .map(|f| diagnostics(f))
    .collect();
    for code in [
        "check/unknown-name",
        "check/unknown-field",
        "check/unknown-function",
        "check/unknown-column",
        "check/unknown-enum-value",
        "check/unknown-outcome",
        "check/duplicate-name",
        "check/duplicate-key",
        "check/type-mismatch",
        "check/wrong-arguments",
        "check/cycle",
        "check/unreachable-row",
        "check/overlapping-rows",
        "check/not-constant",
        "check/misused-name",
        "check/date-order",
        "check/import-not-found",
        "check/import-cycle",
        "check/bad-directory-data",
        "check/unused-column",
        "check/directory-incomplete",
        "check/conflicting-input",
        "check/missing-policy",
        "check/invalid-example",
        "check/bad-range",
        "check/function-reads-global",
        "check/unknown-type",
    ] {
        assert!(all.contains(code), "no fixture produces {code}");
    }
}
