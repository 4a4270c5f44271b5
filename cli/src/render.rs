//! A decision as readable text, in the policy's own labels.

use std::collections::HashMap;

use clausula_core::visible;
use clausula_core::{
    Decision, Line, LineKind, LineStatus, OutcomeDecision, Policy, Status, decimal_text,
};

use crate::style::Style;

/// Labels of fact paths (`project.total_investment` → `项目总投资`).
pub(crate) struct Labels {
    fields: HashMap<String, String>,
    types: HashMap<String, String>,
}

impl Labels {
    pub(crate) fn of(policy: &Policy) -> Labels {
        let mut fields = HashMap::new();
        let mut types = HashMap::new();
        for input in policy.inputs().inputs {
            for f in input.fields {
                if let Some(l) = f.label {
                    fields.insert(f.path.clone(), l);
                }
                types.insert(f.path, f.ty);
            }
        }
        Labels { fields, types }
    }

    /// `label (path)` when the path has a label; list items get `#n`.
    pub(crate) fn describe(&self, path: &str) -> String {
        let (key, item) = list_key(path);
        match self.fields.get(&key) {
            Some(l) => match item {
                Some(i) => format!("{l} #{}", i + 1),
                None => l.clone(),
            },
            None => path.to_string(),
        }
    }

    fn ty(&self, path: &str) -> Option<&str> {
        self.types.get(&list_key(path).0).map(String::as_str)
    }
}

/// `equipment[2].price` → (`equipment[].price`, Some(2)).
fn list_key(path: &str) -> (String, Option<usize>) {
    if let (Some(open), Some(close)) = (path.find('['), path.find(']'))
        && open < close
    {
        let index = path.get(open + 1..close).and_then(|i| i.parse().ok());
        let key = format!(
            "{}[]{}",
            path.get(..open).unwrap_or(""),
            path.get(close + 1..).unwrap_or("")
        );
        return (key, index);
    }
    (path.to_string(), None)
}

/// Formats a value by type: percent as `3.65%`, money with thousands separators; long
/// fractions are shortened to `places` decimals (JSON output keeps every digit).
pub(crate) fn value_places(v: &str, ty: &str, places: u32) -> String {
    use clausula_core::Decimal;
    let short = |d: Decimal| decimal_text(d.round_dp(places));
    match ty {
        "percent" => match Decimal::from_str_exact(v) {
            Ok(d) => format!("{}%", short(d * Decimal::ONE_HUNDRED)),
            Err(_) => v.to_string(),
        },
        "money" => group_thousands(v),
        "days" => format!("{v} days"),
        "number" => Decimal::from_str_exact(v).map_or_else(|_| v.to_string(), short),
        _ => v.to_string(),
    }
}

/// [`value_places`] with two decimals.
pub(crate) fn value(v: &str, ty: &str) -> String {
    value_places(v, ty, 2)
}

/// Both sides of a comparison, with enough decimals that unequal values never look equal.
fn compare_sides(c: &clausula_core::Compare) -> (String, String) {
    let mut places = 2;
    loop {
        let show = |side: &Option<String>| {
            side.as_deref()
                .map_or_else(|| "?".to_string(), |v| value_places(v, &c.ty, places))
        };
        let (l, r) = (show(&c.left), show(&c.right));
        if l != r || c.left == c.right || places >= 12 {
            return (l, r);
        }
        places += 2;
    }
}

fn group_thousands(v: &str) -> String {
    let (sign, rest) = v.strip_prefix('-').map_or(("", v), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    if !int.bytes().all(|b| b.is_ascii_digit()) {
        return v.to_string();
    }
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{out}.{f}"),
        None => format!("{sign}{out}"),
    }
}

fn op_symbol(op: &str) -> &str {
    match op {
        ">=" => "≥",
        "<=" => "≤",
        "!=" => "≠",
        "==" => "=",
        o => o,
    }
}

pub(crate) fn status_mark(s: &Style, status: Status) -> String {
    match status {
        Status::Eligible => s.green("✓ eligible"),
        Status::Ineligible => s.red("✗ ineligible"),
        Status::Undetermined => s.yellow("? undetermined"),
    }
}

fn line_mark(s: &Style, l: &Line) -> String {
    if l.status == LineStatus::NotApplicable {
        return s.dim("–");
    }
    if l.status == LineStatus::Unknown {
        return s.yellow("?");
    }
    if l.fails() {
        s.red("✗")
    } else {
        s.green("✓")
    }
}

fn json_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One outcome, with every line explained.
pub(crate) fn outcome(s: &Style, labels: &Labels, name: &str, o: &OutcomeDecision) -> String {
    let mut out = String::new();
    let title = visible(o.title.as_deref().unwrap_or(name));
    out.push_str(&format!(
        "{} {}  {}\n",
        s.bold(&title),
        s.dim(&format!("({name})")),
        status_mark(s, o.status)
    ));
    for l in &o.requirements {
        let kind = if l.kind == LineKind::Unless {
            "unless "
        } else {
            ""
        };
        let cite = l
            .cite
            .as_deref()
            .map(|c| s.dim(&format!("  [{}]", visible(c))))
            .unwrap_or_default();
        let note = match l.status {
            LineStatus::NotApplicable => s.dim(" (does not apply)"),
            LineStatus::Unknown => s.yellow(" (not known yet)"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {} {kind}{}{note}{cite}\n",
            line_mark(s, l),
            visible(&l.message)
        ));
        if l.status == LineStatus::NotApplicable {
            continue;
        }
        if let Some(c) = &l.compare {
            let (left, right) = compare_sides(c);
            out.push_str(&format!(
                "      {} {} {}\n",
                visible(&left),
                op_symbol(&c.op),
                visible(&right)
            ));
        }
        if !l.facts.is_empty() {
            let facts: Vec<String> = l
                .facts
                .iter()
                .map(|(p, v)| {
                    let shown = json_value(v);
                    let shown = labels.ty(p).map_or(shown.clone(), |t| value(&shown, t));
                    format!("{} = {}", visible(&labels.describe(p)), visible(&shown))
                })
                .collect();
            out.push_str(&format!("      {}\n", s.dim(&facts.join("; "))));
        }
    }
    if !o.amounts.is_empty() {
        let amounts: Vec<String> = o
            .amounts
            .iter()
            .map(|(n, a)| format!("{n} = {}", group_thousands(&decimal_text(a.0))))
            .collect();
        out.push_str(&format!("  amounts: {}\n", amounts.join(", ")));
    }
    if !o.missing.is_empty() {
        let needed: Vec<String> = o
            .missing
            .iter()
            .map(|p| {
                let d = visible(&labels.describe(p)).into_owned();
                if d == *p { d } else { format!("{d} ({p})") }
            })
            .collect();
        out.push_str(&format!(
            "  {} {}\n",
            s.yellow("still needed:"),
            needed.join(", ")
        ));
    }
    out
}

/// A whole decision.
pub(crate) fn decision(s: &Style, policy: &Policy, d: &Decision) -> String {
    let labels = Labels::of(policy);
    let mut out = String::new();
    let title = visible(policy.title().unwrap_or(policy.name()));
    out.push_str(&format!(
        "{}  {}\n",
        s.bold(&title),
        s.dim(&format!("{} · as of {}", policy.name(), d.as_of))
    ));
    if let Some(src) = policy.source() {
        out.push_str(&format!("{}\n", s.dim(&visible(src))));
    }
    for e in &d.errors {
        out.push_str(&format!(
            "{} {}\n",
            s.red("error:"),
            visible(&e.to_string())
        ));
    }
    for (name, o) in d.outcomes.iter() {
        out.push('\n');
        out.push_str(&outcome(s, &labels, name, o));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_shown_in_their_units() {
        assert_eq!(value("0.0365", "percent"), "3.65%");
        assert_eq!(value("30000000", "money"), "30,000,000");
        assert_eq!(value("-1234567.5", "money"), "-1,234,567.5");
        assert_eq!(value("366", "days"), "366 days");
        assert_eq!(value("0.5621621621621621", "percent"), "56.22%");
        let c = clausula_core::Compare {
            left: Some("0.5999999".into()),
            op: ">=".into(),
            right: Some("0.6".into()),
            ty: "percent".into(),
        };
        assert_eq!(
            compare_sides(&c),
            ("59.99999%".to_string(), "60%".to_string())
        );
        assert_eq!(
            list_key("equipment[2].price"),
            ("equipment[].price".to_string(), Some(2))
        );
    }
}
