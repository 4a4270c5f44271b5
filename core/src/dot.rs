//! Pictures of the rule graph: Graphviz DOT, and a JSON form for tools.

use std::fmt::Write;

use serde::Serialize;

use crate::graph::{Graph, Op, ROW};
use crate::ir::ReqKind;
use crate::policy::Policy;
use crate::value::Const;

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

fn label(g: &Graph, op: &Op) -> String {
    match op {
        Op::Const(c) => match g.consts.get(*c as usize) {
            Some(Const::Num(d)) => crate::value::decimal_text(*d),
            Some(Const::Str(s)) => format!("\"{s}\""),
            Some(Const::Bool(b)) => b.to_string(),
            Some(Const::Date(d)) => crate::value::date_text(*d),
            Some(c) => format!("{c:?}"),
            None => "?".to_string(),
        },
        Op::Fact(s) => crate::explain::fact_path(g, crate::graph::FactRef::Slot(*s), None),
        Op::ItemFact { list, field } => crate::explain::fact_path(
            g,
            crate::graph::FactRef::ItemField {
                list: *list,
                field: *field,
            },
            None,
        )
        .replace("[0]", "[]"),
        Op::AsOf => "as_of".to_string(),
        Op::Param(p) => g
            .params
            .get(*p as usize)
            .map_or("param".to_string(), |p| format!("param {}", p.name)),
        Op::Broadcast(_) => "per item".to_string(),
        Op::Not(_) => "not".to_string(),
        Op::Neg(_) => "-".to_string(),
        Op::And(_) => "and".to_string(),
        Op::Or(_) => "or".to_string(),
        Op::Cmp(o, ..) => o.as_str().to_string(),
        Op::Arith(o, ..) => match o {
            crate::ir::ArithOp::Add => "+",
            crate::ir::ArithOp::Sub => "-",
            crate::ir::ArithOp::Mul => "×",
            crate::ir::ArithOp::Div => "÷",
        }
        .to_string(),
        Op::DateShift { negate, .. } => if *negate { "date -" } else { "date +" }.to_string(),
        Op::DateDiff(..) => "days between".to_string(),
        Op::DaysArith { sub, .. } => if *sub { "days -" } else { "days +" }.to_string(),
        Op::If(..) => "if".to_string(),
        Op::MinMax { max, .. } => if *max { "max" } else { "min" }.to_string(),
        Op::Round { places, .. } => format!("round {places}"),
        Op::Abs(_) => "abs".to_string(),
        Op::InForce { from, to, .. } => format!(
            "in force {}..{}",
            from.and_then(crate::value::date_from_days)
                .map_or(String::new(), |d| d.to_string()),
            to.and_then(crate::value::date_from_days)
                .map_or(String::new(), |d| d.to_string())
        ),
        Op::YearsBetween(..) => "years between".to_string(),
        Op::MonthsBetween(..) => "months between".to_string(),
        Op::InSet(..) => "in [...]".to_string(),
        Op::DirHas(d, _) => format!(
            "in {}",
            g.directories
                .get(*d as usize)
                .map_or("?", |d| d.name.as_str())
        ),
        Op::DirGet(d, _, c) => {
            let dir = g.directories.get(*d as usize);
            format!(
                "{}[…].{}",
                dir.map_or("?", |d| d.name.as_str()),
                dir.and_then(|d| d.columns.get(*c as usize))
                    .map_or("?", |c| c.0.as_str())
            )
        }
        Op::Within(..) => "within".to_string(),
        Op::WithinDir(d, _) => format!(
            "within {}",
            g.directories
                .get(*d as usize)
                .map_or("?", |d| d.name.as_str())
        ),
        Op::Table(t) => format!(
            "table {}",
            g.tables.get(*t as usize).map_or("?", |t| t.name.as_str())
        ),
        Op::Agg { kind, .. } => format!("{kind:?}").to_lowercase(),
    }
}

/// One node, for the JSON form.
#[derive(Clone, Debug, Serialize)]
pub struct GraphNode {
    /// Node id (topological order).
    pub id: u32,
    /// What it computes.
    pub label: String,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: String,
    /// `row`, or the list whose items it runs over.
    pub scope: String,
    /// The nodes it reads.
    pub inputs: Vec<u32>,
}

/// The graph as data: nodes, and for each outcome the nodes of its lines and amounts.
#[derive(Clone, Debug, Serialize)]
pub struct GraphView {
    /// The policy's name.
    pub policy: String,
    /// Nodes in evaluation order.
    pub nodes: Vec<GraphNode>,
    /// Per outcome: `(line or amount label, node)`.
    pub outcomes: Vec<(String, Vec<(String, u32)>)>,
}

impl Policy {
    /// The rule graph as Graphviz DOT: facts as ellipses, operations as boxes, outcomes
    /// on the right with an edge from each requirement and amount.
    pub fn to_dot(&self) -> String {
        let g = self.graph();
        let mut s = String::new();
        let _ = writeln!(s, "digraph \"{}\" {{", esc(&g.header.name));
        let _ = writeln!(
            s,
            "  rankdir=LR;\n  node [fontname=\"Noto Sans CJK SC,sans-serif\", fontsize=10];"
        );
        for (i, n) in g.nodes.iter().enumerate() {
            let shape = match n.op {
                Op::Fact(_) | Op::ItemFact { .. } => "ellipse, style=filled, fillcolor=\"#e8f0fe\"",
                Op::Const(_) | Op::AsOf | Op::Param(_) => "plaintext",
                Op::Table(_) | Op::DirGet(..) | Op::DirHas(..) | Op::WithinDir(..) => "box3d",
                _ => "box, style=rounded",
            };
            let scope = if n.scope == ROW {
                String::new()
            } else {
                "\\n(per item)".to_string()
            };
            let _ = writeln!(
                s,
                "  n{i} [label=\"{}{scope}\", shape={shape}];",
                esc(&label(g, &n.op))
            );
            for c in g.children(&n.op) {
                let _ = writeln!(s, "  n{c} -> n{i};");
            }
        }
        for (oi, o) in g.outcomes.iter().enumerate() {
            let title = o.title.clone().unwrap_or_else(|| o.name.clone());
            let _ = writeln!(
                s,
                "  o{oi} [label=\"{}\", shape=doubleoctagon, style=filled, fillcolor=\"#fef7e0\"];",
                esc(&title)
            );
            for r in &o.requirements {
                let style = if r.kind == ReqKind::Unless {
                    "dashed"
                } else {
                    "solid"
                };
                let _ = writeln!(
                    s,
                    "  n{} -> o{oi} [style={style}, tooltip=\"{}\"];",
                    r.cond,
                    esc(&r.message)
                );
                if let Some(gd) = r.guard {
                    let _ = writeln!(s, "  n{gd} -> o{oi} [style=dotted, label=\"when\"];");
                }
            }
            for a in &o.amounts {
                let _ = writeln!(
                    s,
                    "  n{} -> o{oi} [color=\"#188038\", label=\"{}\"];",
                    a.node,
                    esc(&a.name)
                );
            }
        }
        s.push_str("}\n");
        s
    }

    /// The rule graph as data.
    pub fn graph_view(&self) -> GraphView {
        let g = self.graph();
        let nodes = g
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| GraphNode {
                id: u32::try_from(i).unwrap_or(u32::MAX),
                label: label(g, &n.op),
                ty: n.ty.name().to_string(),
                scope: if n.scope == ROW {
                    "row".to_string()
                } else {
                    g.lists
                        .get(n.scope as usize - 1)
                        .and_then(|e| g.entities.get(*e as usize))
                        .map_or("?".to_string(), |e| e.name.clone())
                },
                inputs: g.children(&n.op),
            })
            .collect();
        let outcomes = g
            .outcomes
            .iter()
            .map(|o| {
                let mut items: Vec<(String, u32)> = o
                    .requirements
                    .iter()
                    .map(|r| (r.message.clone(), r.cond))
                    .collect();
                items.extend(
                    o.amounts
                        .iter()
                        .map(|a| (format!("amount {}", a.name), a.node)),
                );
                (o.name.clone(), items)
            })
            .collect();
        GraphView {
            policy: g.header.name.clone(),
            nodes,
            outcomes,
        }
    }
}
