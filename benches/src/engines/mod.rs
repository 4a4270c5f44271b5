//! One module per engine; each builds an [`Engine`](crate::Engine) for each workload.

pub mod cedar;
pub mod cel;
pub mod clausula;
pub mod jsonlogic;
pub mod rego;
pub mod rust;
pub mod zen;

/// The W3 policy as each engine writes it lives in its module; this is Clausula's, shared by
/// the compile benchmark.
pub const DIRECTORY_POLICY: &str = r#"policy directory_support "目录支持"
  effective 2020-01-01

input applicant "申请人" {
  code: code "项目代码"
  investment: money "投资额"
}

directory 目录 "支持目录" key code from "catalogue.csv" {
  min_investment: money "投资下限", rate: percent "支持比例"
}

outcome supported "目录支持" {
  require applicant.code in 目录 "项目须列入支持目录"
  require applicant.investment >= 目录[applicant.code].min_investment "投资额须达到目录下限"
  amount support = applicant.investment * 目录[applicant.code].rate
}
"#;
