//! Cedar: a `permit` policy over the request's `context` (Cedar has no division and no
//! decimals beyond four places, so ratios are written as products of whole yuan); requests
//! are pre-built. Cedar answers allow or deny only: it cannot compute the support amounts,
//! so its verdicts carry no amount and are compared on the status alone.

use std::str::FromStr;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityUid, PolicySet, Request,
    RestrictedExpression,
};

use crate::Engine;
use crate::data::{self, Fund, Hnte, Lookup, Row, Verdict};

/// A Cedar policy set, entity store and pre-built requests.
pub struct Cedar {
    authorizer: Authorizer,
    policies: PolicySet,
    entities: Entities,
    requests: Vec<Request>,
}

fn uid(s: &str) -> EntityUid {
    EntityUid::from_str(s).expect("an entity uid")
}

fn request(pairs: Vec<(&str, RestrictedExpression)>, resource: EntityUid) -> Request {
    let context =
        Context::from_pairs(pairs.into_iter().map(|(k, v)| (k.to_string(), v))).expect("context");
    Request::new(
        uid(r#"Applicant::"a""#),
        uid(r#"Action::"apply""#),
        resource,
        context,
        None,
    )
    .expect("request")
}

fn long(x: i64) -> RestrictedExpression {
    RestrictedExpression::new_long(x)
}

fn boolean(b: bool) -> RestrictedExpression {
    RestrictedExpression::new_bool(b)
}

/// W1.
pub fn hnte(records: &[Hnte]) -> Cedar {
    let policies = PolicySet::from_str(
        r#"permit (principal, action, resource) when {
  context.as_of_day - context.registration_day >= 365 &&
  context.owns_core_ip && context.tech_in_priority_fields &&
  context.st_staff * 10 >= context.total_staff &&
  context.rd_expense_3y * 100 >= context.sales_3y *
    (if context.latest_year_sales <= 50000000 then 5
     else if context.latest_year_sales <= 200000000 then 4 else 3) &&
  context.domestic_rd_expense_3y * 10 >= context.rd_expense_3y * 6 &&
  context.hightech_income * 10 >= context.total_income * 6 &&
  context.innovation_score > 70 &&
  !context.major_incident_past_year
};"#,
    )
    .expect("Cedar parses");
    let as_of = data::day_number(2024, 5, 20);
    let requests = records
        .iter()
        .map(|r| {
            request(
                vec![
                    ("as_of_day", long(as_of)),
                    ("registration_day", long(r.registration_day)),
                    ("owns_core_ip", boolean(r.owns_core_ip)),
                    (
                        "tech_in_priority_fields",
                        boolean(r.tech_in_priority_fields),
                    ),
                    ("total_staff", long(r.total_staff)),
                    ("st_staff", long(r.st_staff)),
                    ("rd_expense_3y", long(r.rd_expense_3y)),
                    ("domestic_rd_expense_3y", long(r.domestic_rd_expense_3y)),
                    ("sales_3y", long(r.sales_3y)),
                    ("latest_year_sales", long(r.latest_year_sales)),
                    ("hightech_income", long(r.hightech_income)),
                    ("total_income", long(r.total_income)),
                    ("innovation_score", long(r.innovation_score)),
                    (
                        "major_incident_past_year",
                        boolean(r.major_incident_past_year),
                    ),
                ],
                uid(r#"Policy::"hnte""#),
            )
        })
        .collect();
    Cedar {
        authorizer: Authorizer::new(),
        policies,
        entities: Entities::empty(),
        requests,
    }
}

/// W2: the directory codes as a set literal.
pub fn fund(records: &[Fund]) -> Cedar {
    let codes: Vec<String> = data::FUND_CODES
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect();
    let policies = PolicySet::from_str(&format!(
        r#"permit (principal, action, resource) when {{
  context.registered_in_shanghai && context.independent_legal_person && context.credit_good &&
  [{}].contains(context.category) &&
  context.in_three_year_pool && context.total_investment >= 20000000 &&
  context.approvals_complete && context.funds_in_place && context.construction_started &&
  context.fixed_asset_investment * 10 > context.total_investment * 6 &&
  !context.prior_municipal_support
}};"#,
        codes.join(", ")
    ))
    .expect("Cedar parses");
    let requests = records
        .iter()
        .map(|r| {
            request(
                vec![
                    ("registered_in_shanghai", boolean(r.registered_in_shanghai)),
                    (
                        "independent_legal_person",
                        boolean(r.independent_legal_person),
                    ),
                    ("credit_good", boolean(r.credit_good)),
                    (
                        "category",
                        RestrictedExpression::new_string(r.category.clone()),
                    ),
                    ("in_three_year_pool", boolean(r.in_three_year_pool)),
                    ("total_investment", long(r.total_investment)),
                    ("fixed_asset_investment", long(r.fixed_asset_investment)),
                    ("approvals_complete", boolean(r.approvals_complete)),
                    ("funds_in_place", boolean(r.funds_in_place)),
                    ("construction_started", boolean(r.construction_started)),
                    (
                        "prior_municipal_support",
                        boolean(r.prior_municipal_support),
                    ),
                ],
                uid(r#"Policy::"fund""#),
            )
        })
        .collect();
    Cedar {
        authorizer: Authorizer::new(),
        policies,
        entities: Entities::empty(),
        requests,
    }
}

/// W3: directory rows are entities (`Category::"C000123"` with `min`); the request's
/// resource is the applicant's category.
pub fn directory(rows: &[Row], records: &[Lookup]) -> Cedar {
    let policies = PolicySet::from_str(
        r#"permit (principal, action, resource is Category) when {
  resource has min && context.investment >= resource.min
};"#,
    )
    .expect("Cedar parses");
    let entities = Entities::from_entities(
        rows.iter().map(|r| {
            let attrs = [
                ("min".to_string(), long(r.min_investment)),
                ("rate".to_string(), long(r.rate_pct)),
            ];
            Entity::new(
                uid(&format!(r#"Category::"{}""#, r.code)),
                attrs.into_iter().collect(),
                Default::default(),
            )
            .expect("an entity")
        }),
        None,
    )
    .expect("entities");
    let requests = records
        .iter()
        .map(|r| {
            request(
                vec![("investment", long(r.investment))],
                uid(&format!(r#"Category::"{}""#, r.code)),
            )
        })
        .collect();
    Cedar {
        authorizer: Authorizer::new(),
        policies,
        entities,
        requests,
    }
}

impl Engine for Cedar {
    fn name(&self) -> &'static str {
        "cedar-policy"
    }

    fn decide(&mut self, i: usize) -> Verdict {
        let response =
            self.authorizer
                .is_authorized(&self.requests[i], &self.policies, &self.entities);
        Verdict::status(response.decision() == Decision::Allow)
    }

    fn compares_amounts(&self) -> bool {
        false
    }
}
