//! The `clausula` binary, end to end.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn clausula(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clausula"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("clausula-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

const SHANGHAI: &str = "policies/shanghai/key-tech-transformation.cla";

#[test]
fn eval_json_is_the_contract() {
    let out = clausula(&[
        "eval",
        SHANGHAI,
        "--facts",
        "examples/applications/shanghai-fund-2026.json",
        "--as-of",
        "2026-03-01",
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["policy"], "shanghai_key_tech_transformation");
    assert_eq!(v["as_of"], "2026-03-01");
    let fund = &v["outcomes"]["shanghai_key_tech_fund"];
    assert_eq!(fund["status"], "ineligible");
    assert_eq!(fund["amounts"]["support_amount"], "18500000");
    let failed: Vec<&serde_json::Value> = fund["requirements"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["blocks"] == true)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["compare"]["op"], ">");
    assert_eq!(failed[0]["compare"]["right"], "0.6");
    assert_eq!(failed[0]["compare"]["type"], "percent");
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn eval_text_explains_in_the_policy_labels() {
    let out = clausula(&[
        "eval",
        "policies/national/high-tech-enterprise.cla",
        "--facts",
        "examples/applications/hnte-2024.json",
        "--as-of",
        "2024-05-20",
    ]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(
        t.contains("高新技术企业 (high_tech_enterprise)  ? undetermined"),
        "{t}"
    );
    assert!(t.contains("✓ 企业申请认定时须注册成立一年以上"), "{t}");
    assert!(t.contains("(does not apply)"), "{t}");
    assert!(t.contains("17.37% ≥ 10%"), "{t}");
    assert!(
        t.contains("still needed: 企业创新能力评价得分 (enterprise.innovation_score)"),
        "{t}"
    );
}

#[test]
fn bad_facts_name_the_path_and_fail() {
    let f = tmp("bad-facts.json");
    std::fs::write(
        &f,
        r#"{"project": {"total_investmnet": "1", "category": 5}, "projekt": {}}"#,
    )
    .unwrap();
    let out = clausula(&[
        "eval",
        SHANGHAI,
        "--facts",
        f.to_str().unwrap(),
        "--as-of",
        "2026-03-01",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = v["errors"].as_array().unwrap();
    let find = |path: &str| {
        errors
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("no error at {path}: {errors:?}"))
    };
    assert_eq!(
        find("project.total_investmnet")["code"],
        "facts/unknown-field"
    );
    assert_eq!(
        find("project.total_investmnet")["help"],
        "did you mean `total_investment`?"
    );
    assert_eq!(find("project.category")["code"], "facts/wrong-type");
    assert_eq!(find("projekt")["code"], "facts/unknown-entity");
    assert_eq!(v["outcomes"], serde_json::json!({}));
}

const GROWTH: &str = r#"policy growth "成长性"

input fin "财务" {
  assets_1: money "第一年净资产"
  assets_2: money "第二年净资产"
  score: int in 0..100 "得分"
}

outcome scored "得分" {
  require fin.score >= 60 "得分不低于60"
  amount rate "增长率" = fin.assets_2 / fin.assets_1 - 1
}
"#;

#[test]
fn an_amounts_error_leaves_the_decision_standing_in_eval_and_batch() {
    let policy = tmp("growth.cla");
    std::fs::write(&policy, GROWTH).unwrap();
    let facts = tmp("growth.json");
    std::fs::write(
        &facts,
        r#"{"fin": {"assets_1": 0, "assets_2": 100, "score": 70}}"#,
    )
    .unwrap();
    let args = |format: &str| {
        clausula(&[
            "eval",
            policy.to_str().unwrap(),
            "--facts",
            facts.to_str().unwrap(),
            "--as-of",
            "2026-01-01",
            "--format",
            format,
        ])
    };
    // Decided, with the error in `errors` scoped to the amount: exit 0 (R11).
    let out = args("json");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["outcomes"]["scored"]["status"], "eligible");
    assert_eq!(v["errors"][0]["scope"], "amount");
    assert_eq!(v["errors"][0]["amounts"], serde_json::json!(["rate"]));
    let out = args("text");
    assert_eq!(out.status.code(), Some(0));
    let t = text(&out.stdout);
    assert!(
        t.contains(
            "division by zero in `fin.assets_2 / fin.assets_1` (in `scored`: rate without a value)"
        ),
        "{t}"
    );

    // A batch row with only a scoped error is a decided row: no `error`, the list has it.
    let rows = tmp("growth.csv");
    std::fs::write(
        &rows,
        "fin.assets_1,fin.assets_2,fin.score\n0,100,70\n50,100,70\n50,100,700\n",
    )
    .unwrap();
    let out_csv = tmp("growth-out.csv");
    let out = clausula(&[
        "batch",
        policy.to_str().unwrap(),
        "--input",
        rows.to_str().unwrap(),
        "--as-of",
        "2026-01-01",
        "--output",
        out_csv.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("1 not decided (bad facts)"),
        "{}",
        text(&out.stderr)
    );
    let mut r = csv::Reader::from_path(&out_csv).unwrap();
    let header = r.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let recs: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(recs[0].get(col("scored.status")), Some("eligible"));
    assert_eq!(recs[0].get(col("scored.rate")), Some(""));
    assert_eq!(recs[0].get(col("error.code")), Some(""));
    let listed: serde_json::Value =
        serde_json::from_str(recs[0].get(col("errors")).unwrap()).unwrap();
    assert_eq!(listed[0]["code"], "eval/division-by-zero");
    assert_eq!(recs[1].get(col("scored.rate")), Some("1"));
    assert_eq!(recs[2].get(col("scored.status")), Some(""));
    assert_eq!(recs[2].get(col("error.code")), Some("facts/out-of-range"));
}

#[test]
fn outside_the_window_is_an_error_naming_it() {
    let out = clausula(&[
        "eval",
        "policies/shandong/targets-2015.cla",
        "--facts",
        "examples/applications/jinan-2015.json",
        "--as-of",
        "2016-01-01",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out.stdout);
    assert!(t.contains("eval/outside-effective-window"), "{t}");
    assert!(t.contains("2013-01-01 to 2015-12-31"), "{t}");
}

#[test]
fn check_reports_every_error_with_a_frame() {
    let f = tmp("broken.cla");
    std::fs::write(
        &f,
        "policy p\n  effective 2024-01-01\n\ninput e {\n  x: money\n}\n\nrule a = e.y + 1\n\noutcome o {\n  require e.x >= 5 and b \"m\"\n}\n",
    )
    .unwrap();
    let out = clausula(&["check", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let e = text(&out.stderr);
    assert!(
        e.contains("error[check/unknown-field]: `e` has no field `y`"),
        "{e}"
    );
    assert!(
        e.contains("error[check/unknown-name]: unknown name `b`"),
        "{e}"
    );
    assert!(e.contains("broken.cla:8:10"), "{e}");
    assert!(e.contains("2 errors"), "{e}");
}

#[test]
fn test_runs_every_example_of_the_pack() {
    let out = clausula(&["test", "policies/"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
    let t = text(&out.stdout);
    let last = t.trim_end().lines().last().unwrap_or("");
    let passed: usize = last
        .strip_suffix(" passed, 0 failed")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    // Every example of the eleven policies (210 when this was written) passes.
    assert!(passed >= 210, "{t}");
}

#[test]
fn test_shows_expected_and_actual_on_failure() {
    let f = tmp("failing.cla");
    std::fs::write(
        &f,
        "policy p\n  effective 2024-01-01\n\ninput e {\n  x: money\n}\n\noutcome o {\n  require e.x >= 5 \"x at least 5\"\n  amount a = e.x * 2\n}\n\nexample \"wrong\" as_of 2024-01-01 {\n  given { e: { x: 4 } }\n  expect o eligible a = 9\n}\n",
    )
    .unwrap();
    let out = clausula(&["test", f.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let t = text(&out.stdout);
    assert!(t.contains("`o`: expected eligible, got ineligible"), "{t}");
    assert!(t.contains("`o.a`: expected 9 (9), got 8"), "{t}");
    assert!(t.contains("✗ x at least 5"), "{t}");
    assert!(t.contains("0 passed, 1 failed"), "{t}");
}

#[test]
fn the_pack_is_formatted() {
    let out = clausula(&["fmt", "--check", "policies/"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn batch_gives_one_row_per_input_row() {
    let input = tmp("rows.csv");
    std::fs::write(
        &input,
        "project.in_provincial_library,loan.contract_signed,loan.interest_paid,loan.principal,loan.lpr_1y,loan.years,enterprise.subsidised_projects_this_year\n\
         true,true,true,300000000,3.65%,3,0\n\
         true,true,true,300000000,3.65%,3,1\n\
         maybe,true,true,300000000,3.65%,3,0\n\
         true,true,,300000000,3.65%,2,\n\
         true,true\n",
    )
    .unwrap();
    let output = tmp("out.csv");
    let out = clausula(&[
        "batch",
        "policies/shandong/tech-loan-interest-subsidy.cla",
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        "2023-09-01",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut r = csv::Reader::from_path(&output).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[0], "row");
    assert!(header.contains(&"shandong_tech_loan_subsidy.status".to_string()));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5, "never a dropped row");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (st, am, err) = (
        col("shandong_tech_loan_subsidy.status"),
        col("shandong_tech_loan_subsidy.annual_interest_subsidy"),
        col("error"),
    );
    assert_eq!(&rows[0][st], "eligible");
    assert_eq!(&rows[0][am], "3832500");
    assert_eq!(&rows[1][st], "ineligible");
    assert_eq!(&rows[2][st], "");
    assert!(
        rows[2][err].contains("project.in_provincial_library"),
        "{:?}",
        &rows[2]
    );
    assert_eq!(&rows[3][st], "undetermined");
    assert!(!rows[4][err].is_empty(), "a short row is an error row");
}

#[test]
fn batch_carries_an_id_column_and_writes_line_columns_and_errors_as_data() {
    let input = tmp("ids.csv");
    std::fs::write(
        &input,
        "id,project.in_provincial_library,loan.contract_signed,loan.interest_paid,loan.principal,loan.lpr_1y,loan.years\n\
         A-1,true,true,true,300000000,3.65%,3\n\
         A-2,false,true,false,1000000,4%,1\n\
         A-3,true,true,true,abc,x,1\n",
    )
    .unwrap();
    let output = tmp("ids-out.csv");
    let out = clausula(&[
        "batch",
        "policies/shandong/tech-loan-interest-subsidy.cla",
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        "2023-09-01",
        "--output",
        output.to_str().unwrap(),
        "--lines",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut r = csv::Reader::from_path(&output).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
    };
    const S: &str = "shandong_tech_loan_subsidy";
    // The id is carried, never read as a fact (it used to fail every row).
    assert_eq!(header[2], "id");
    let ids: Vec<&str> = rows.iter().map(|r| &r[col("id")]).collect();
    assert_eq!(ids, ["A-1", "A-2", "A-3"]);
    assert_eq!(&rows[0][col(&format!("{S}.status"))], "eligible");
    assert_eq!(&rows[1][col(&format!("{S}.status"))], "ineligible");
    assert_eq!(&rows[1][col(&format!("{S}.line1"))], "false");
    assert_eq!(&rows[1][col(&format!("{S}.line2"))], "true");
    assert_eq!(
        &rows[1][col(&format!("{S}.failed"))],
        r#"["line1","line3"]"#
    );
    assert_eq!(&rows[0][col(&format!("{S}.failed"))], "[]");
    // Errors as data: the first one's code and path, and all of them.
    assert_eq!(&rows[2][col("error.code")], "facts/invalid-number");
    let all: serde_json::Value = serde_json::from_str(&rows[2][col("errors")]).unwrap();
    let paths: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["path"].as_str())
        .collect();
    assert_eq!(paths.len(), 2);
    assert!(paths.contains(&"loan.principal") && paths.contains(&"loan.lpr_1y"));
    assert_eq!(&rows[2][col("error.path")], paths[0]);
    assert_eq!(&rows[2][col(&format!("{S}.line1"))], "");
}

/// Reads a Parquet file whole (tests only: small files).
fn read_parquet(path: &Path) -> Vec<clausula_core::arrow::arrow_array::RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn strings(
    batch: &clausula_core::arrow::arrow_array::RecordBatch,
    name: &str,
) -> Vec<Option<String>> {
    use clausula_core::arrow::arrow_array::cast::AsArray;
    let col = batch
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    col.as_string::<i32>()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn decimals(
    batch: &clausula_core::arrow::arrow_array::RecordBatch,
    name: &str,
) -> Vec<Option<String>> {
    use clausula_core::arrow::arrow_array::cast::AsArray;
    use clausula_core::arrow::arrow_array::types::Decimal128Type;
    let col = batch.column_by_name(name).unwrap();
    let col = col.as_primitive::<Decimal128Type>();
    (0..col.len())
        .map(|i| {
            use clausula_core::arrow::arrow_array::Array;
            (!col.is_null(i)).then(|| col.value_as_string(i))
        })
        .collect()
}

#[test]
fn batch_writes_parquet_from_csv_with_typed_amounts() {
    let input = tmp("pq-in.csv");
    std::fs::write(
        &input,
        "id,project.in_provincial_library,loan.contract_signed,loan.interest_paid,loan.principal,loan.lpr_1y,loan.years\n\
         A-1,true,true,true,300000000,3.65%,3\n\
         A-2,false,true,false,1000000,4%,1\n\
         A-3,true,true,true,abc,x,1\n",
    )
    .unwrap();
    let output = tmp("pq-out.parquet");
    let out = clausula(&[
        "batch",
        "policies/shandong/tech-loan-interest-subsidy.cla",
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        "2023-09-01",
        "--output",
        output.to_str().unwrap(),
        "--lines",
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let batches = read_parquet(&output);
    assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
    let b = &batches[0];
    const S: &str = "shandong_tech_loan_subsidy";
    assert_eq!(
        strings(b, "id"),
        [Some("A-1".into()), Some("A-2".into()), Some("A-3".into())]
    );
    assert_eq!(
        strings(b, &format!("{S}.status")),
        [Some("eligible".into()), Some("ineligible".into()), None]
    );
    // Amounts are exact decimals, as in the CSV output (3,832,500 for A-1).
    assert_eq!(
        decimals(b, &format!("{S}.annual_interest_subsidy"))[0].as_deref(),
        Some("3832500.0000000000")
    );
    assert_eq!(
        strings(b, &format!("{S}.line1"))[1].as_deref(),
        Some("false")
    );
    assert_eq!(
        strings(b, "error.code")[2].as_deref(),
        Some("facts/invalid-number")
    );
    assert_eq!(strings(b, "error.code")[0], None);
}

#[test]
fn batch_reads_parquet_keeps_every_column_and_agrees_with_csv() {
    use clausula_core::arrow::arrow_array::{
        ArrayRef, BooleanArray, Int64Array, RecordBatch, StringArray, StructArray,
    };
    use clausula_core::arrow::arrow_schema::{DataType, Field};
    use std::sync::Arc;
    // `project` as a struct column (how pandas and polars write nested records), the rest by
    // path, the principal as an integer and one null (unknown).
    let project = StructArray::from(vec![(
        Arc::new(Field::new("in_provincial_library", DataType::Boolean, true)),
        Arc::new(BooleanArray::from(vec![true, false, true])) as ArrayRef,
    )]);
    let batch = RecordBatch::try_from_iter(vec![
        (
            "id",
            Arc::new(StringArray::from(vec!["A-1", "A-2", "A-3"])) as ArrayRef,
        ),
        ("project", Arc::new(project) as ArrayRef),
        (
            "loan.contract_signed",
            Arc::new(BooleanArray::from(vec![true, true, true])) as ArrayRef,
        ),
        (
            "loan.interest_paid",
            Arc::new(BooleanArray::from(vec![true, false, true])) as ArrayRef,
        ),
        (
            "loan.principal",
            Arc::new(Int64Array::from(vec![
                Some(300_000_000),
                Some(1_000_000),
                None,
            ])) as ArrayRef,
        ),
        (
            "loan.lpr_1y",
            Arc::new(StringArray::from(vec!["3.65%", "4%", "3.65%"])) as ArrayRef,
        ),
        (
            "loan.years",
            Arc::new(Int64Array::from(vec![3, 1, 1])) as ArrayRef,
        ),
    ])
    .unwrap();
    let input = tmp("apps.parquet");
    let mut w = parquet::arrow::ArrowWriter::try_new(
        std::fs::File::create(&input).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let output = tmp("apps-out.parquet");
    let run = |out: &Path| {
        clausula(&[
            "batch",
            "policies/shandong/tech-loan-interest-subsidy.cla",
            "--input",
            input.to_str().unwrap(),
            "--as-of",
            "2023-09-01",
            "--output",
            out.to_str().unwrap(),
        ])
    };
    let out = run(&output);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("scored 3 rows"),
        "{}",
        text(&out.stderr)
    );
    let b = &read_parquet(&output)[0];
    // Every input column is kept, in order, then the results.
    let names: Vec<&str> = b
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    assert_eq!(&names[..3], ["id", "project", "loan.contract_signed"]);
    const S: &str = "shandong_tech_loan_subsidy";
    assert_eq!(
        strings(b, &format!("{S}.status")),
        [
            Some("eligible".into()),
            Some("ineligible".into()),
            Some("eligible".into())
        ]
    );
    // The principal decides the amount, not the status: unknown, the amount is null. An
    // ineligible row's amount is provisional (what it would get), as in every batch output.
    assert_eq!(
        decimals(b, &format!("{S}.annual_interest_subsidy")),
        [
            Some("3832500.0000000000".into()),
            Some("14000.0000000000".into()),
            None
        ]
    );
    // A Parquet input is not flattened into CSV.
    let refused = run(&tmp("apps-out.csv"));
    assert!(!refused.status.success());
    assert!(
        text(&refused.stderr).contains("written as Parquet"),
        "{}",
        text(&refused.stderr)
    );
    // A file that is not Parquet is an error, not a crash.
    std::fs::write(&input, b"PAR1 not really").unwrap();
    let bad = run(&output);
    assert!(!bad.status.success());
    let err = text(&bad.stderr);
    assert!(
        err.contains("not a readable Parquet file") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn batch_refuses_a_header_that_names_no_fact_or_a_label() {
    for (header, code, hint) in [
        (
            "id,name",
            "facts/no-fact-columns",
            "project.in_provincial_library",
        ),
        ("id,贷款本金", "facts/misnamed-column", "loan.principal"),
        ("Loan.Principal", "facts/misnamed-column", "loan.principal"),
        ("loan.principl", "facts/unknown-field", "loan.principal"),
        ("loan.principal,error", "facts/column-clash", "error"),
    ] {
        let input = tmp("header.csv");
        std::fs::write(&input, format!("{header}\n1,2\n")).unwrap();
        let out = clausula(&[
            "batch",
            "policies/shandong/tech-loan-interest-subsidy.cla",
            "--input",
            input.to_str().unwrap(),
            "--as-of",
            "2023-09-01",
            "--output",
            tmp("header-out.csv").to_str().unwrap(),
        ]);
        assert!(!out.status.success(), "{header}");
        let err = text(&out.stderr);
        assert!(err.contains(code) && err.contains(hint), "{header}: {err}");
    }
}

#[test]
fn batch_reads_and_writes_json_lines() {
    let input = tmp("rows.jsonl");
    std::fs::write(
        &input,
        "{\"project\":{\"in_provincial_library\":true},\"loan\":{\"contract_signed\":true,\"interest_paid\":true,\"principal\":1000000,\"lpr_1y\":\"4%\",\"years\":1}}\nnot json\n\n{\"loan\": {\"years\": 1.5}}\n",
    )
    .unwrap();
    let output = tmp("out.jsonl");
    let out = clausula(&[
        "batch",
        "policies/shandong/tech-loan-interest-subsidy.cla",
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        "2023-09-01",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0]["outcomes"]["shandong_tech_loan_subsidy"]["amounts"]["annual_interest_subsidy"],
        "14000"
    );
    assert_eq!(lines[1]["error"]["code"], "facts/invalid-json");
    assert_eq!(lines[2]["error"]["code"], "facts/not-an-integer");
    assert_eq!(lines[2]["row"], 3);
}

#[test]
fn a_compiled_graph_evaluates_like_the_source() {
    let clag = tmp("shanghai.clag");
    let out = clausula(&["compile", SHANGHAI, "-o", clag.to_str().unwrap()]);
    assert!(out.status.success());
    let args = |p: &str| {
        clausula(&[
            "eval",
            p,
            "--facts",
            "examples/applications/shanghai-fund-2026.json",
            "--as-of",
            "2026-03-01",
            "--format",
            "json",
        ])
        .stdout
    };
    assert_eq!(args(SHANGHAI), args(clag.to_str().unwrap()));
}

#[test]
fn graph_draws_dot() {
    let out = clausula(&["graph", SHANGHAI]);
    assert!(out.status.success());
    let t = text(&out.stdout);
    assert!(t.starts_with("digraph \"shanghai_key_tech_transformation\""));
    assert!(t.contains("支持目录[…].min_investment"));
}

/// The working as officers read it: each line with its comparison and the values under it
/// (rules with their formulas, table rows and directory rows, param steps with their
/// citations), each amount with its formula — in the policy's labels, numbers in their one
/// display. Snapshots, reviewed when they change.
#[test]
fn eval_text_shows_the_working() {
    for (name, policy, facts, as_of) in [
        (
            "shanghai_2026",
            SHANGHAI,
            "examples/applications/shanghai-fund-2026.json",
            "2026-03-01",
        ),
        (
            "rd_2022",
            "policies/national/rd-super-deduction.cla",
            "examples/applications/rd-2022.json",
            "2022-12-31",
        ),
    ] {
        let out = clausula(&["eval", policy, "--facts", facts, "--as-of", as_of]);
        insta::assert_snapshot!(name, text(&out.stdout));
    }
    let out = clausula(&[
        "eval",
        "policies/national/rd-super-deduction.cla",
        "--facts",
        "examples/applications/rd-2022.json",
        "--as-of",
        "2022-12-31",
    ]);
    let t = text(&out.stdout);
    // The 2022 table row and its citation explain the amount.
    assert!(
        t.contains("研发费用加计扣除比例 (加计扣除比例) = 75% (row 2, from 2022-01-01)"),
        "{t}"
    );
    assert!(
        t.contains("[财政部 税务总局 科技部公告2022年第16号、第28号]"),
        "{t}"
    );
}

#[test]
fn compare_two_dates_csv_and_parquet_agree_and_name_the_lines_behind_changes() {
    // The README's applicant, and one that the 2026 revision does not touch.
    let input = tmp("cmp-pop.csv");
    std::fs::write(
        &input,
        "id,enterprise.registered_in_shanghai,enterprise.independent_legal_person,enterprise.credit_good,project.category,project.in_three_year_pool,project.total_investment,project.fixed_asset_investment,project.approvals_complete,project.funds_in_place,project.construction_started,project.prior_municipal_support\n\
         readme,true,true,true,ZZLC,true,185000000,104000000,true,true,true,false\n\
         steady,true,true,true,ZZLC,true,185000000,150000000,true,true,true,false\n\
         bad,true,true,true,ZZLC,true,lots,1,true,true,true,false\n",
    )
    .unwrap();
    let run = |output: &Path, summary: &Path| {
        clausula(&[
            "compare",
            SHANGHAI,
            "--input",
            input.to_str().unwrap(),
            "--as-of",
            "2025-12-31",
            "--reform-as-of",
            "2026-03-01",
            "--output",
            output.to_str().unwrap(),
            "--summary",
            summary.to_str().unwrap(),
        ])
    };
    let (csv_out, csv_summary) = (tmp("cmp.csv"), tmp("cmp-summary.json"));
    let out = run(&csv_out, &csv_summary);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("3 rows compared"), "{summary}");
    assert!(summary.contains("eligible     -> ineligible"), "{summary}");
    // The cap rises from 5000万 to 1亿, but 10% of 185,000,000 is under both: the steady
    // applicant is paid the same; the README's applicant loses 18,500,000.
    assert!(
        summary.contains("paid 37,000,000.00 -> 18,500,000.00 (-18,500,000.00)"),
        "{summary}"
    );
    assert!(
        summary.contains("line10 not_applicable -> false"),
        "{summary}"
    );
    let mut r = csv::Reader::from_path(&csv_out).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    const F: &str = "shanghai_key_tech_fund";
    assert_eq!(&rows[0][col("id")], "readme");
    assert_eq!(&rows[0][col(&format!("{F}.status.base"))], "eligible");
    assert_eq!(&rows[0][col(&format!("{F}.status.reform"))], "ineligible");
    assert_eq!(
        &rows[0][col(&format!("{F}.support_amount.delta"))],
        "-18500000"
    );
    assert_eq!(
        &rows[0][col(&format!("{F}.changed_lines"))],
        r#"["line10"]"#
    );
    assert_eq!(&rows[1][col(&format!("{F}.support_amount.delta"))], "0");
    assert_eq!(&rows[1][col(&format!("{F}.changed_lines"))], "[]");
    assert!(rows[2][col("error.base")].contains("project.total_investment"));
    // The same population as Parquet gives the same summary.
    let (pq_out, pq_summary) = (tmp("cmp.parquet"), tmp("cmp-summary-pq.json"));
    let out = run(&pq_out, &pq_summary);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(&csv_summary).unwrap(),
        std::fs::read_to_string(&pq_summary).unwrap()
    );
    let b = &read_parquet(&pq_out)[0];
    assert_eq!(
        decimals(b, &format!("{F}.support_amount.delta"))[0].as_deref(),
        Some("-18500000.0000000000")
    );
    // Nothing to compare, or a column neither side knows: refused before any row.
    let same = clausula(&[
        "compare",
        SHANGHAI,
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        "2025-12-31",
        "--output",
        csv_out.to_str().unwrap(),
    ]);
    assert!(!same.status.success());
    assert!(text(&same.stderr).contains("nothing to compare"));
}

#[test]
fn compare_two_policy_files_where_the_reform_adds_a_fact() {
    let base = tmp("cmp-base.cla");
    let reform = tmp("cmp-reform.cla");
    std::fs::write(
        &base,
        "policy p effective 2024-01-01\ninput a { x: money }\noutcome o { require a.x >= 100 \"x\" as floor\n  amount s = a.x * 10% }\n",
    )
    .unwrap();
    std::fs::write(
        &reform,
        "policy p effective 2024-01-01\ninput a { x: money, y: bool }\noutcome o { require a.x >= 100 \"x\" as floor\n  require a.y \"y now required\" cite \"art. 2\" as needs_y\n  amount s = a.x * 20% }\n",
    )
    .unwrap();
    let input = tmp("cmp-two.jsonl");
    std::fs::write(
        &input,
        "{\"a\": {\"x\": 200, \"y\": false}}\n{\"a\": {\"x\": 200, \"y\": true}}\n",
    )
    .unwrap();
    let output = tmp("cmp-two.csv");
    let out = clausula(&[
        "compare",
        base.to_str().unwrap(),
        reform.to_str().unwrap(),
        "--input",
        input.to_str().unwrap(),
        "--as-of",
        "2024-06-01",
        "--output",
        output.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(
        summary.contains("needs_y absent -> false  y now required [art. 2]"),
        "{summary}"
    );
    let mut r = csv::Reader::from_path(&output).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    // `a.y` is read by the reform only: no error for the baseline.
    assert_eq!(&rows[0][2], "eligible");
    assert_eq!(&rows[0][3], "ineligible");
    assert_eq!(&rows[0][6], "-20");
    assert_eq!(&rows[1][6], "20");
    assert_eq!(&rows[0][8], "");
}

#[test]
fn compare_with_a_param_set_on_the_command_line() {
    let input = tmp("cmp-set.jsonl");
    std::fs::write(
        &input,
        "{\"enterprise\":{\"registered_in_shanghai\":true,\"independent_legal_person\":true,\"credit_good\":true},\"project\":{\"category\":\"ZZLC\",\"in_three_year_pool\":true,\"total_investment\":\"2000000000\",\"fixed_asset_investment\":\"1800000000\",\"approvals_complete\":true,\"funds_in_place\":true,\"construction_started\":true,\"prior_municipal_support\":false}}\n",
    )
    .unwrap();
    let run = |set: &str| {
        clausula(&[
            "compare",
            SHANGHAI,
            "--input",
            input.to_str().unwrap(),
            "--as-of",
            "2026-03-01",
            "--set",
            set,
            "--output",
            tmp("cmp-set.csv").to_str().unwrap(),
        ])
    };
    let out = run("单个项目支持上限=1.5亿");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    // 10% of 20亿 is capped at 1亿 in 2026; the reform's cap is 1.5亿.
    assert!(
        summary.contains("paid 100,000,000.00 -> 150,000,000.00 (+50,000,000.00)"),
        "{summary}"
    );
    let bad = run("单个项目支持上线=1.5亿");
    assert!(!bad.status.success());
    let err = text(&bad.stderr);
    assert!(
        err.contains("override/unknown-name") && err.contains("did you mean `单个项目支持上限`?"),
        "{err}"
    );
}

#[test]
fn schema_as_json_schema_names_labels_codes_and_types() {
    let out = clausula(&["schema", SHANGHAI, "--format", "json-schema"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(s["additionalProperties"], false);
    let total = &s["properties"]["project"]["properties"]["total_investment"];
    assert_eq!(total["title"], "项目总投资");
    assert_eq!(total["x-clausula-type"], "money");
    // A directory's codes are offered, named, but any code is a valid fact.
    let category = &s["properties"]["project"]["properties"]["category"];
    assert_eq!(category["examples"][1], "ZZLC");
    assert_eq!(category["x-clausula-choices"][1]["label"], "制造流程再造");
    assert_eq!(category["type"], serde_json::json!(["string", "null"]));
    // The default format is the engine's own schema, as `inputs` prints it.
    let own = clausula(&["schema", SHANGHAI]);
    assert_eq!(own.stdout, clausula(&["inputs", SHANGHAI]).stdout);
}

#[test]
fn a_reader_that_goes_away_is_not_a_panic() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_clausula"))
        .args(["graph", SHANGHAI])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.status.success(), "{err}");
}

#[test]
fn types_gives_typescript_interfaces_of_the_facts() {
    let out = clausula(&["types", SHANGHAI]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ts = text(&out.stdout);
    assert!(ts.contains("export interface Facts {"), "{ts}");
    assert!(ts.contains("  project?: Project | null;"), "{ts}");
    assert!(
        ts.contains("  /** 项目总投资 (money) */\n  total_investment?: number | string | null;"),
        "{ts}"
    );
    assert_eq!(
        out.stdout,
        clausula(&["schema", SHANGHAI, "--format", "typescript"]).stdout
    );
}
