//! A decision as readable text, in the policy's own labels.

use clausula_core::visible;
use clausula_core::{
    Decision, ErrorScope, Line, LineKind, LineStatus, OutcomeDecision, Policy, Status, ValueEntry,
    ValueKind,
};

use crate::style::Style;

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

/// Most levels of working shown under a line or an amount (the JSON has all of it).
const MAX_DEPTH: usize = 4;

/// One named value as a line of working: `label = display` and what identifies it (the
/// formula of a rule, the row of a table, the step of a param, the row of a lookup), with
/// its citation.
fn value_line(s: &Style, key: &str, e: &ValueEntry) -> String {
    let name = match (&e.label, e.kind) {
        (Some(l), ValueKind::Fact) => l.clone(),
        (Some(l), _) if l != key => format!("{l} ({key})"),
        _ => key.to_string(),
    };
    let shown = e
        .display
        .as_deref()
        .or(e.bounds.as_ref().map(|b| b.display.as_str()))
        .unwrap_or("?");
    let mut detail = Vec::new();
    match e.kind {
        ValueKind::Table => {
            if let Some(r) = e.row {
                detail.push(format!("row {r}"));
            }
            if let Some(rows) = &e.rows {
                let rows: Vec<String> = rows.iter().map(u32::to_string).collect();
                detail.push(format!("rows {}", rows.join(", ")));
            }
            if let Some(v) = &e.version {
                detail.push(format!("from {v}"));
            }
        }
        ValueKind::Param => {
            if let Some(f) = &e.from {
                detail.push(format!("from {f}"));
            }
        }
        ValueKind::Directory => {
            if let Some(k) = &e.key {
                detail.push(match e.row {
                    Some(r) => format!("key {}, row {r}", visible(k)),
                    None => format!("key {} not listed", visible(k)),
                });
            }
        }
        ValueKind::Fact | ValueKind::Rule | ValueKind::Function | ValueKind::Outcome => {}
    }
    let mut out = format!("{} = {}", visible(&name), visible(shown));
    if !detail.is_empty() {
        out.push_str(&s.dim(&format!(" ({})", detail.join(", "))));
    }
    if let Some(c) = &e.cite {
        out.push_str(&s.dim(&format!("  [{}]", visible(c))));
    }
    if let Some(f) = &e.formula {
        out.push_str(&s.dim(&format!("  = {}", visible(f))));
    }
    out
}

/// The working under `keys`: named values one per line (rules, tables, lookups, params,
/// then what they used, indented), facts together on one line.
fn working(
    s: &Style,
    o: &OutcomeDecision,
    keys: &[String],
    indent: usize,
    depth: usize,
    out: &mut String,
) {
    let pad = " ".repeat(indent);
    let mut facts = Vec::new();
    for key in keys {
        let Some(e) = o.values.get(key) else { continue };
        if e.kind == ValueKind::Fact {
            let name = e.label.as_deref().unwrap_or(key);
            facts.push(format!(
                "{} = {}",
                visible(name),
                visible(
                    e.display
                        .as_deref()
                        .or(e.bounds.as_ref().map(|b| b.display.as_str()))
                        .unwrap_or("?")
                )
            ));
            continue;
        }
        out.push_str(&format!("{pad}{}\n", value_line(s, key, e)));
        if depth + 1 < MAX_DEPTH && !e.uses.is_empty() {
            working(s, o, &e.uses, indent + 2, depth + 1, out);
        }
    }
    if !facts.is_empty() {
        out.push_str(&format!("{pad}{}\n", s.dim(&facts.join("; "))));
    }
}

/// What would flip a blocking line: "需要：其中固定资产投资 > 111,000,000.00（现为 104,000,000.00）",
/// each further alternative on a line of its own ("或：…").
fn recourse(s: &Style, o: &OutcomeDecision, l: &clausula_core::Line, out: &mut String) {
    for (i, r) in l.recourse.iter().enumerate() {
        let label = o
            .values
            .get(&r.fact)
            .and_then(|e| e.label.clone())
            .unwrap_or_else(|| r.fact.clone());
        let value = if r.value == "true" || r.value == "false" {
            if r.value == "true" { "是" } else { "否" }.to_string()
        } else {
            r.display.clone().unwrap_or_else(|| r.value.clone())
        };
        let side = r
            .and
            .as_ref()
            .map(|a| format!("，且 {} {}", op_symbol(&a.op), a.value))
            .unwrap_or_default();
        let now = r
            .current
            .as_deref()
            .map(|c| format!("（现为 {}）", visible(c)))
            .unwrap_or_default();
        let lead = if i == 0 { "需要：" } else { "或：" };
        out.push_str(&format!(
            "      {}{} {} {}{side}{now}\n",
            s.green(lead),
            visible(&label),
            op_symbol(&r.op),
            visible(&value)
        ));
    }
}

/// One outcome, with every line explained.
pub(crate) fn outcome(s: &Style, name: &str, o: &OutcomeDecision) -> String {
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
        let note = match (l.status, &l.error) {
            (LineStatus::NotApplicable, _) => s.dim(" (does not apply)"),
            (LineStatus::Unknown, Some(e)) => s.red(&format!(" (— {})", visible(&e.message))),
            (LineStatus::Unknown, None) => s.yellow(" (not known yet)"),
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
            out.push_str(&format!(
                "      {} {} {}\n",
                visible(c.left_display.as_deref().unwrap_or("?")),
                op_symbol(&c.op),
                visible(c.right_display.as_deref().unwrap_or("?"))
            ));
        }
        working(s, o, &l.uses, 6, 0, &mut out);
        recourse(s, o, l, &mut out);
    }
    if !o.amount_lines.is_empty() {
        out.push_str("  amounts:\n");
        for a in &o.amount_lines {
            let label = match &a.label {
                Some(l) => format!("{} ({})", visible(l), a.name),
                None => a.name.clone(),
            };
            let shown = match (&a.display, &a.error) {
                (Some(d), _) => visible(d).into_owned(),
                (None, Some(e)) => s.red(&format!("— {}", visible(&e.message))),
                (None, None) => s.yellow("not known yet"),
            };
            out.push_str(&format!("    {label} = {shown}\n"));
            out.push_str(&format!(
                "      {}\n",
                s.dim(&format!("= {}", visible(&a.formula)))
            ));
            working(s, o, &a.uses, 6, 0, &mut out);
        }
    }
    if !o.missing.is_empty() {
        let needed: Vec<String> = o
            .missing
            .iter()
            .map(|p| {
                let d = o
                    .values
                    .get(p)
                    .and_then(|e| e.label.clone())
                    .map(|l| visible(&l).into_owned());
                match d {
                    Some(d) if d != *p => format!("{d} ({p})"),
                    _ => p.clone(),
                }
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
        // A scoped error (R11) says what it reached; the decision below stands.
        let reach = match (&e.outcome, e.scope) {
            (Some(o), ErrorScope::Line) => {
                let lines: Vec<String> = e
                    .lines
                    .iter()
                    .filter_map(|i| d.outcome(o)?.requirements.get(*i))
                    .map(|l| format!("“{}”", l.message))
                    .collect();
                format!(" (in `{o}`: {} undecided)", lines.join(", "))
            }
            (Some(o), ErrorScope::Amount) => {
                format!(" (in `{o}`: {} without a value)", e.amounts.join(", "))
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "{} {}{}\n",
            s.red("error:"),
            visible(&e.to_string()),
            s.dim(&visible(&reach))
        ));
    }
    for (name, o) in d.outcomes.iter() {
        out.push('\n');
        out.push_str(&outcome(s, name, o));
    }
    out
}
