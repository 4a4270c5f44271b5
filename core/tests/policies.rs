//! Every shipped policy compiles without warnings and every `example` in it passes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::{Path, PathBuf};

use clausula_core::Policy;

fn policy_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let mut out = Vec::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                // Policies only: a shared library (no `policy` header) is imported, not run.
                let is_policy = std::fs::read_to_string(&f)
                    .is_ok_and(|t| t.lines().any(|l| l.starts_with("policy ")));
                if f.extension().is_some_and(|e| e == "cla") && is_policy {
                    out.push(f);
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn the_policy_pack_compiles_and_its_examples_pass() {
    let files = policy_files();
    assert_eq!(files.len(), 11, "the pack has eleven policies: {files:?}");
    let mut total = 0;
    for f in files {
        let policy =
            Policy::load(f.to_str().unwrap()).unwrap_or_else(|e| panic!("{}:\n{e}", f.display()));
        assert!(
            policy.warnings().is_none(),
            "{}: {}",
            f.display(),
            policy.warnings().unwrap()
        );
        let results = policy.run_examples();
        assert!(
            results.len() >= 10,
            "{} has only {} examples",
            f.display(),
            results.len()
        );
        for r in &results {
            assert!(
                r.passed,
                "{}:{} example {:?} failed: {:?}\n{}",
                r.file,
                r.line,
                r.name,
                r.failures,
                r.decision.to_json_pretty()
            );
        }
        total += results.len();
    }
    assert!(total >= 100);
}

#[test]
fn the_pack_keeps_the_outcome_and_amount_names_of_the_spec() {
    let expect: &[(&str, &str, &[&str])] = &[
        (
            "national/high-tech-enterprise.cla",
            "high_tech_enterprise",
            &[],
        ),
        (
            "national/special-equipment-credit.cla",
            "equipment_credit",
            &["credit", "credit_used", "carry_forward"],
        ),
        (
            "national/technology-transfer.cla",
            "tech_transfer_relief",
            &["qualifying_income", "exempt_income", "halved_income", "tax"],
        ),
        (
            "national/rd-super-deduction.cla",
            "rd_super_deduction",
            &["extra_deduction"],
        ),
        (
            "shanghai/key-tech-transformation.cla",
            "shanghai_key_tech_fund",
            &["support_amount"],
        ),
        (
            "shanghai/key-tech-transformation.cla",
            "shanghai_own_land_renovation",
            &[],
        ),
        (
            "shandong/tech-loan-interest-subsidy.cla",
            "shandong_tech_loan_subsidy",
            &[
                "annual_interest_subsidy",
                "total_interest_subsidy",
                "guarantee_subsidy_annual",
            ],
        ),
        ("shandong/targets-2015.cla", "shandong_2015_targets", &[]),
        (
            "national/accelerated-depreciation.cla",
            "accelerated_depreciation",
            &[
                "one_time_deduction",
                "shortened_value",
                "annual_depreciation",
            ],
        ),
        (
            "national/vat-input-credit-fixed-assets.cla",
            "fixed_asset_input_vat",
            &["deductible_input_vat", "non_deductible_input_vat"],
        ),
        (
            "national/imported-equipment-duty-exemption.cla",
            "imported_equipment_exemption",
            &[
                "exempt_tariff",
                "tariff_payable",
                "exempt_import_vat",
                "import_vat_payable",
            ],
        ),
        (
            "national/major-equipment-import-relief.cla",
            "major_equipment_import_relief",
            &[
                "exempt_tariff",
                "exempt_import_vat",
                "tariff_payable",
                "import_vat_payable",
            ],
        ),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    for (file, outcome, amounts) in expect {
        let p = Policy::load(root.join(file).to_str().unwrap()).unwrap();
        let schema = p.inputs();
        let o = schema
            .outcomes
            .iter()
            .find(|o| o.name == *outcome)
            .unwrap_or_else(|| panic!("{file}: no {outcome}"));
        assert_eq!(o.amounts, *amounts, "{file}: amounts of {outcome}");
    }
}

#[test]
fn the_schema_offers_directory_codes_and_amount_labels_for_forms() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../policies/shanghai/key-tech-transformation.cla");
    let policy = Policy::load(root.to_str().unwrap()).unwrap();
    let schema = policy.inputs();
    let category = schema
        .inputs
        .iter()
        .flat_map(|i| &i.fields)
        .find(|f| f.path == "project.category")
        .unwrap();
    assert_eq!(category.directory.as_deref(), Some("支持目录"));
    let codes: Vec<(&str, Option<&str>)> = category
        .suggestions
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| (c.value.as_str(), c.label.as_deref()))
        .collect();
    assert_eq!(codes.len(), 6);
    assert_eq!(codes[0], ("ZBSJ", Some("装备升级换代")));
    let total = schema
        .inputs
        .iter()
        .flat_map(|i| &i.fields)
        .find(|f| f.path == "project.total_investment")
        .unwrap();
    assert!(total.directory.is_none() && total.suggestions.is_none());
    let fund = &schema.outcomes[0];
    assert_eq!(fund.amounts, ["support_amount"]);
    assert_eq!(fund.amount_labels, [Some("支持金额".to_string())]);
}

#[test]
fn a_large_directory_names_itself_but_offers_no_suggestions() {
    let mut rows = String::new();
    for i in 0..=clausula_core::MAX_SUGGESTIONS {
        rows.push_str(&format!("  \"C{i:04}\" {{ name = \"n{i}\" }}\n"));
    }
    let source = format!(
        "policy p\ninput a {{ code: code }}\ndirectory d key code {{\n  name: text\n{rows}}}\n\
         outcome o {{ require a.code in d \"m\" }}\n"
    );
    let policy = Policy::compile(&source).unwrap();
    let field = &policy.inputs().inputs[0].fields[0];
    assert_eq!(field.directory.as_deref(), Some("d"));
    assert!(field.suggestions.is_none());
}

/// Every citation written in a policy of the pack — on a requirement, a param step, a table
/// version — reaches the output of at least one of its examples (in a line's `cite` or in the
/// `values` of the working), so that an officer reading a decision sees the clause.
#[test]
fn every_citation_in_the_pack_reaches_an_explanation() {
    use clausula_dsl::ast::{Item, OutcomeItem, TableBody};
    let mut unseen = Vec::new();
    for f in policy_files() {
        let mut sources = vec![std::fs::read_to_string(&f).unwrap()];
        // A shared library the policy imports brings its citations along.
        let ast = clausula_dsl::parse(&sources[0]).unwrap();
        for item in &ast.items {
            if let Item::Import(imp) = item {
                let lib = f.parent().unwrap().join(&imp.path.value);
                sources.push(std::fs::read_to_string(lib).unwrap());
            }
        }
        let mut cites: Vec<String> = Vec::new();
        for text in &sources {
            for item in clausula_dsl::parse(text).unwrap().items {
                match item {
                    Item::Param(p) => cites.extend(
                        p.steps
                            .iter()
                            .filter_map(|s| s.cite.clone())
                            .map(|c| c.value),
                    ),
                    Item::Table(t) => {
                        if let TableBody::Versions(vs) = &t.body {
                            cites.extend(vs.iter().filter_map(|v| v.cite.clone()).map(|c| c.value));
                        }
                    }
                    Item::Outcome(o) => {
                        for i in &o.items {
                            if let OutcomeItem::Require(r) | OutcomeItem::Unless(r) = i {
                                cites.extend(r.cite.clone().map(|c| c.value));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let policy = Policy::load(f.to_str().unwrap()).unwrap();
        let shown: String = policy
            .run_examples()
            .iter()
            .map(|r| r.decision.to_json())
            .collect();
        for c in cites {
            let quoted = serde_json::to_string(&c).unwrap();
            if !shown.contains(&quoted) {
                unseen.push(format!("{}: {c}", f.display()));
            }
        }
    }
    assert!(
        unseen.is_empty(),
        "citations no example shows:\n{}",
        unseen.join("\n")
    );
}
