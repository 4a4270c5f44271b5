//! Costs that used to grow faster than the input (each took more than ten seconds or aborted
//! at these sizes): every one must now finish promptly, linear (or n log n) in its input,
//! with a result or a clean error. The sizes are the ones the hostile-input review used.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;

use clausula_core::{MemoryLoader, Policy, SourceLoader, parse_date};

const HEAD: &str = "policy p \"P\"\n\ninput a {\n  x: int\n  c: code\n}\n\n";

fn table(hit: &str, rows: usize) -> String {
    let mut s = String::from(HEAD);
    writeln!(s, "table t hit {hit} {{").unwrap();
    for i in 0..rows {
        writeln!(
            s,
            "  when a.x >= {} and a.x < {} => {i}",
            i * 10,
            i * 10 + 10
        )
        .unwrap();
    }
    s.push_str("}\n\noutcome o {\n  require t > 5 \"t\"\n}\n");
    s
}

#[test]
fn twenty_thousand_row_tables_are_analysed_quickly() {
    // Disjoint rows: a `unique` table of 20,000 rows compiles (sorting, not all pairs).
    let p = Policy::compile(&table("unique", 20_000)).unwrap();
    let d = p.decide_json(br#"{"a": {"x": 123}}"#, parse_date("2024-01-01").unwrap());
    assert_eq!(
        d.outcomes.iter().next().unwrap().1.status.as_str(),
        "eligible"
    );
    // `hit first` compares pairs within a budget and compiles too.
    Policy::compile(&table("first", 20_000)).unwrap();
    // A real overlap in a large table is still found.
    let mut s = table("unique", 20_000);
    s = s.replace("when a.x >= 5000 and", "when a.x >= 4995 and");
    let d = Policy::compile(&s).unwrap_err();
    assert_eq!(d.codes(), ["check/overlapping-rows"]);
}

#[test]
fn unique_rows_are_compared_as_linear_forms_over_whole_numbers() {
    let ok = format!(
        "{HEAD}table t hit unique {{\n  when a.x + 1 > 5 => 1\n  when 1 + a.x < 3 => 2\n  when a.x < 2 + 3 and a.x > 1 + 1 => 3\n}}\n\noutcome o {{\n  require t > 0 \"t\"\n}}\n"
    );
    Policy::compile(&ok).unwrap();
    // int: `x < 2` and `x > 1` share no whole number.
    let ints = format!(
        "{HEAD}table t hit unique {{\n  when a.x < 2 => 1\n  when a.x > 1 => 2\n}}\n\noutcome o {{\n  require t > 0 \"t\"\n}}\n"
    );
    Policy::compile(&ints).unwrap();
    let overlap = format!(
        "{HEAD}table t hit unique {{\n  when 2 * a.x > 8 => 1\n  when a.x + a.x < 12 => 2\n}}\n\noutcome o {{\n  require t > 0 \"t\"\n}}\n"
    );
    assert_eq!(
        Policy::compile(&overlap).unwrap_err().codes(),
        ["check/overlapping-rows"]
    );
}

#[test]
fn forty_thousand_broken_lines_are_all_reported() {
    let mut s = String::from("policy p \"P\"\n");
    for i in 0..40_000 {
        writeln!(s, "rule r{i} = = 1").unwrap();
    }
    let d = Policy::compile(&s).unwrap_err();
    assert_eq!(d.len(), 40_000);
    let rendered = d.render(false);
    assert!(
        rendered.contains("40001"),
        "the last error shows its real line number"
    );
    assert!(rendered.len() < 40_000 * 400);
}

#[test]
fn a_frame_on_a_huge_line_is_clipped() {
    let names: Vec<String> = (0..20_000).map(|i| format!("u{i}")).collect();
    let s = format!(
        "policy p \"P\"\n\noutcome o {{\n  require min({}) > 0 \"m\"\n}}\n",
        names.join(", ")
    );
    let d = Policy::compile(&s).unwrap_err();
    assert_eq!(d.len(), 20_000);
    let rendered = d.render(false);
    // 20,000 frames of a 150 KB line: each shows a window of it, not the line.
    assert!(rendered.len() < 20_000 * 2_000, "{} bytes", rendered.len());
    assert!(rendered.contains('…'));
}

#[test]
fn many_unknown_names_and_a_huge_name_get_bounded_suggestions() {
    let mut s = String::from(HEAD);
    for i in 0..10_000 {
        writeln!(s, "rule r{i} = q{i} + 1").unwrap();
    }
    let d = Policy::compile(&s).unwrap_err();
    assert_eq!(d.len(), 10_000);
    // A 3 MB name is refused by its length before anything quotes it.
    let huge = "z".repeat(3 * 1024 * 1024);
    let s = format!("{HEAD}rule r = {huge}\n");
    let d = Policy::compile(&s).unwrap_err();
    assert_eq!(d.codes(), ["syntax/too-large"]);
    assert!(d.render(false).len() < 10_000);
}

#[test]
fn two_hundred_and_fifty_files_importing_each_other_load_once_each() {
    let n = 250;
    let mut loader = MemoryLoader::new();
    for i in 0..n {
        let mut body = String::new();
        for j in 0..n {
            if j != i {
                writeln!(body, "import \"f{j}.cla\"").unwrap();
            }
        }
        writeln!(body, "rule r{i} = {i}").unwrap();
        loader.insert(format!("f{i}.cla"), body);
    }
    let main = loader.load("f0.cla", 1 << 24).unwrap();
    let d = Policy::check_with(&loader, "f0.cla", &main);
    // Every file imports every other: the cycles are reported, each file parsed once.
    assert!(d.codes().iter().all(|c| *c == "check/import-cycle"));
    assert!(!d.is_empty());
}

#[test]
fn within_on_a_huge_code_costs_its_length_once() {
    let s = format!(
        "{HEAD}directory d key code {{\n  n: int\n  \"C\" {{ n = 1 }}\n  \"C34\" {{ n = 2 }}\n}}\n\noutcome o {{\n  require a.c within d \"listed\"\n}}\n"
    );
    let p = Policy::compile(&s).unwrap();
    let code = format!("C{}", "3".repeat(1_200_000));
    let facts = format!(r#"{{"a": {{"c": "{code}"}}}}"#);
    let d = p.decide_json(facts.as_bytes(), parse_date("2024-01-01").unwrap());
    assert_eq!(
        d.outcomes.iter().next().unwrap().1.status.as_str(),
        "eligible"
    );
}

#[test]
fn huge_keys_and_a_million_undeclared_fields_are_refused_promptly() {
    let p = Policy::compile(&format!(
        "{HEAD}outcome o {{\n  require a.x > 1 \"x\"\n}}\n"
    ))
    .unwrap();
    let as_of = parse_date("2024-01-01").unwrap();
    let key = "k".repeat(5 * 1024 * 1024);
    let mut facts = String::from("{");
    for i in 0..20 {
        if i > 0 {
            facts.push(',');
        }
        write!(facts, r#""{key}{i}": 1"#).unwrap();
    }
    facts.push('}');
    let d = p.decide_json(facts.as_bytes(), as_of);
    assert_eq!(d.errors[0].code, "facts/too-large");
    assert!(d.errors[0].message.len() < 1000);

    let mut facts = String::from(r#"{"a": {"#);
    for i in 0..1_000_000 {
        if i > 0 {
            facts.push(',');
        }
        write!(facts, r#""f{i}": 1"#).unwrap();
    }
    facts.push_str("}}");
    let d = p.decide_json(facts.as_bytes(), as_of);
    assert_eq!(d.errors[0].code, "facts/unknown-field");
    // 50 errors listed, then a summary.
    assert!(d.errors.len() <= 51, "{}", d.errors.len());
}
