//! The compiled rule graph: nodes in topological order in flat arrays.
//!
//! A node's children always have smaller ids, so one forward pass evaluates everything.
//! Row-scope nodes have one value per application; item-scope nodes one value per item of
//! a list (across all applications of a batch), and reach row values through `Broadcast`;
//! `Agg` nodes fold item columns back into rows.
//!
//! The graph is self-contained (directories included) and serialisable; [`Graph::from_bytes`]
//! validates every index so that evaluating a loaded graph can never go out of bounds.

mod validate;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::codes;
use crate::ir::{AggKind, ArithOp, CmpOp, Hit, ReqKind, RoundMode};
use crate::types::Type;
use crate::value::{Const, Val};

pub(crate) type NodeId = u32;

/// A run of node ids in `Graph::args`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Args {
    pub(crate) start: u32,
    pub(crate) len: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) enum Op {
    Const(u32),
    /// A scalar fact slot.
    Fact(u32),
    /// A field of the items of a list (item scope).
    ItemFact {
        list: u32,
        field: u32,
    },
    AsOf,
    Param(u32),
    /// A row value seen from item scope.
    Broadcast(NodeId),
    Not(NodeId),
    Neg(NodeId),
    And(Args),
    Or(Args),
    Cmp(CmpOp, NodeId, NodeId),
    Arith(ArithOp, NodeId, NodeId),
    DateShift {
        date: NodeId,
        by: NodeId,
        negate: bool,
    },
    DateDiff(NodeId, NodeId),
    DaysArith {
        sub: bool,
        a: NodeId,
        b: NodeId,
    },
    If(NodeId, NodeId, NodeId),
    MinMax {
        max: bool,
        args: Args,
    },
    Round {
        x: NodeId,
        places: u32,
        mode: RoundMode,
    },
    Abs(NodeId),
    YearsBetween(NodeId, NodeId),
    MonthsBetween(NodeId, NodeId),
    InSet(NodeId, Args),
    DirHas(u32, NodeId),
    DirGet(u32, NodeId, u32),
    Within(NodeId, NodeId),
    WithinDir(u32, NodeId),
    Table(u32),
    Agg {
        kind: AggKind,
        list: u32,
        filter: Option<NodeId>,
        value: Option<NodeId>,
    },
    /// `x` while `as_of` is inside an imported policy's window, else
    /// `eval/outside-effective-window` (R10; format 6).
    InForce {
        from: Option<i32>,
        to: Option<i32>,
        x: NodeId,
    },
}

impl Op {
    /// Whether `as_of` is inside the window `from..=to`.
    pub(crate) fn in_force(from: Option<i32>, to: Option<i32>, as_of: i32) -> bool {
        from.is_none_or(|f| as_of >= f) && to.is_none_or(|t| as_of <= t)
    }
}

/// Row scope, or the items of list `k` (`k + 1`).
pub(crate) const ROW: u32 = 0;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Node {
    pub(crate) op: Op,
    pub(crate) ty: Type,
    pub(crate) scope: u32,
    /// Index in `Graph::texts` of the expression's text, for error messages.
    pub(crate) text: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Header {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) effective_from: Option<i32>,
    pub(crate) effective_to: Option<i32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct EnumSchema {
    pub(crate) name: String,
    pub(crate) variants: Vec<(String, Option<String>)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct FieldSchema {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) ty: Type,
    pub(crate) default: Option<Const>,
    /// The declared range, if any (format 4).
    pub(crate) range: Option<crate::ir::FieldRange>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct EntitySchema {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) is_list: bool,
    pub(crate) fields: Vec<FieldSchema>,
    /// For a scalar entity, the slot of its first field (fields are consecutive slots);
    /// for a list, its list index.
    pub(crate) base: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ParamG {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) steps: Vec<(i32, u32, Option<String>)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RowG {
    pub(crate) cond: Option<NodeId>,
    pub(crate) value: NodeId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct VersionG {
    pub(crate) from: Option<i32>,
    /// The version's citation (`from 2023-01-01 cite "…" { … }`).
    pub(crate) cite: Option<String>,
    pub(crate) rows: Vec<RowG>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct TableG {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) hit: Hit,
    pub(crate) versions: Vec<VersionG>,
    /// For an instance of a table function: how it was called.
    pub(crate) call: Option<CallG>,
}

/// How an instance of a function was called (R6/R7): the function and, per parameter, the
/// node of its argument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CallG {
    pub(crate) function: String,
    pub(crate) args: Vec<(String, NodeId)>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DirG {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) key: String,
    /// `code`, `int` or a named enum (format 6).
    pub(crate) key_ty: Type,
    pub(crate) columns: Vec<(String, Option<String>, Type)>,
    /// Canonical key text: the code, the int's digits, the enum value's name.
    pub(crate) keys: Vec<SmolStr>,
    pub(crate) cells: Vec<Option<Const>>,
    /// Key to row, rebuilt on load.
    #[serde(skip)]
    pub(crate) index: FxHashMap<SmolStr, u32>,
    /// Int keys to rows, rebuilt on load (int-keyed directories only).
    #[serde(skip)]
    pub(crate) ints: FxHashMap<i64, u32>,
    /// Enum value (its index) to row, `u32::MAX` for none; rebuilt on load.
    #[serde(skip)]
    pub(crate) variants: Vec<u32>,
    /// The distinct key lengths in bytes, ascending: the only prefixes `within` tries.
    #[serde(skip)]
    pub(crate) key_lens: Vec<usize>,
}

impl DirG {
    /// Builds the lookup indexes from the keys; `variants` are the value names of the enum
    /// keying the directory (none for code and int keys). False when a key is duplicated or
    /// does not fit the key type (a graph not made by this compiler).
    pub(crate) fn build_index(&mut self, variants: Option<&[(String, Option<String>)]>) -> bool {
        self.index = FxHashMap::default();
        self.index.reserve(self.keys.len());
        self.ints = FxHashMap::default();
        self.variants = match (self.key_ty, variants) {
            (Type::Enum(_), Some(vs)) => vec![u32::MAX; vs.len()],
            (Type::Enum(_), None) => return false,
            _ => Vec::new(),
        };
        for (i, k) in self.keys.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else {
                return false;
            };
            if self.index.insert(k.clone(), i).is_some() {
                return false;
            }
            match self.key_ty {
                Type::Int => match k.parse::<i64>() {
                    Ok(n) => {
                        self.ints.insert(n, i);
                    }
                    Err(_) => return false,
                },
                Type::Enum(_) => {
                    let v = variants.and_then(|vs| vs.iter().position(|(n, _)| n == k.as_str()));
                    match v.and_then(|v| self.variants.get_mut(v)) {
                        Some(slot) => *slot = i,
                        None => return false,
                    }
                }
                _ => {}
            }
        }
        let mut lens: Vec<usize> = self.keys.iter().map(|k| k.len()).collect();
        lens.sort_unstable();
        lens.dedup();
        self.key_lens = lens;
        true
    }

    /// The row a key value selects: `Some(None)` for a key with no row, `None` when the
    /// value is not a key at all (unknown, an error).
    pub(crate) fn row(&self, key: &Val) -> Option<Option<u32>> {
        match key {
            Val::Str(k) => Some(self.index.get(k).copied()),
            Val::Enum(v) => Some(
                self.variants
                    .get(*v as usize)
                    .copied()
                    .filter(|r| *r != u32::MAX),
            ),
            Val::Num(n) => Some(
                n.fract()
                    .is_zero()
                    .then(|| i64::try_from(n.trunc()).ok())
                    .flatten()
                    .and_then(|n| self.ints.get(&n).copied()),
            ),
            _ => None,
        }
    }

    pub(crate) fn cell(&self, row: u32, col: u32) -> Option<&Const> {
        let ncols = self.columns.len();
        let at = (row as usize)
            .checked_mul(ncols)?
            .checked_add(col as usize)?;
        self.cells.get(at)?.as_ref()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ReqG {
    /// The line's stable id (declared with `as`, or `line<N>`).
    pub(crate) id: String,
    pub(crate) kind: ReqKind,
    pub(crate) cond: NodeId,
    pub(crate) guard: Option<NodeId>,
    pub(crate) message: String,
    pub(crate) cite: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct AmountG {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) node: NodeId,
    /// The amount's expression as the policy writes it.
    pub(crate) formula: String,
}

/// A rule, for explanations: which node holds its value, and how the policy names and
/// writes it. (Rules are compiled into the graph's shared nodes; this keeps their names.)
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct NamedG {
    pub(crate) node: NodeId,
    /// `name`, or `list.name` for a per-item rule.
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    /// The body, canonically printed.
    pub(crate) formula: String,
    /// The declared type it displays as (`percent`), when declared.
    pub(crate) ty: Option<Type>,
    /// For an instance of a rule function: how it was called.
    pub(crate) call: Option<CallG>,
}

/// A fact a decision can depend on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) enum FactRef {
    Slot(u32),
    /// A field of the items of a list.
    ItemField {
        list: u32,
        field: u32,
    },
    /// The list itself (whether it is given).
    List(u32),
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OutcomeG {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) requirements: Vec<ReqG>,
    pub(crate) amounts: Vec<AmountG>,
    /// Every fact that can affect this outcome (its dependency set).
    pub(crate) deps: Vec<FactRef>,
}

/// A compiled policy.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Graph {
    pub(crate) header: Header,
    pub(crate) enums: Vec<EnumSchema>,
    pub(crate) entities: Vec<EntitySchema>,
    /// Scalar fact slots: `(entity, field)`.
    pub(crate) slots: Vec<(u32, u32)>,
    /// List entities, by list index.
    pub(crate) lists: Vec<u32>,
    pub(crate) nodes: Vec<Node>,
    pub(crate) args: Vec<NodeId>,
    pub(crate) consts: Vec<Const>,
    pub(crate) texts: Vec<String>,
    pub(crate) params: Vec<ParamG>,
    pub(crate) tables: Vec<TableG>,
    pub(crate) directories: Vec<DirG>,
    pub(crate) outcomes: Vec<OutcomeG>,
    /// Outcomes of imported policies (R10): read through `eligible(o)` and `o.a`, never
    /// reported. Their ids follow the reported outcomes' (format 6). Only the lines and
    /// amounts something reads are kept.
    pub(crate) library: Vec<OutcomeG>,
    /// The rules, by the nodes holding their values (in declaration order).
    pub(crate) named: Vec<NamedG>,
    /// Node → its first entry in `named`; rebuilt on load.
    #[serde(skip)]
    pub(crate) named_at: FxHashMap<NodeId, u32>,
    /// The status nodes of the outcomes `eligible(o)` reads: (outcome, node) (R9).
    pub(crate) statuses: Vec<(u32, NodeId)>,
    /// Node → the outcome whose status it is; rebuilt on load.
    #[serde(skip)]
    pub(crate) status_at: FxHashMap<NodeId, u32>,
}

impl Graph {
    /// An outcome by id: the reported ones, then the imported policies' (R10).
    pub(crate) fn outcome(&self, id: u32) -> Option<&OutcomeG> {
        let id = id as usize;
        match id.checked_sub(self.outcomes.len()) {
            None => self.outcomes.get(id),
            Some(lib) => self.library.get(lib),
        }
    }

    /// The id of the outcome with this name, reported or imported.
    pub(crate) fn outcome_id(&self, name: &str) -> Option<u32> {
        let at = self
            .outcomes
            .iter()
            .chain(&self.library)
            .position(|o| o.name == name)?;
        u32::try_from(at).ok()
    }
}

/// Magic bytes at the start of a serialised graph.
const MAGIC: &[u8; 4] = b"CLAG";
/// Version of the serialised format; bump on any change to these structs.
/// 2: a CRC-32 of the body follows the version.
/// 3: rules keep their names (`named`), tables and params their labels, table versions their
///    citations, lines their ids and amounts their formulas — for explanations.
/// 4: input fields keep their declared ranges.
/// 5: instances of functions (R6) keep their call: the function and its arguments' nodes;
///    the status nodes `eligible(o)` reads are kept (R9).
pub(crate) const FORMAT: u16 = 6;

/// Largest compiled graph accepted, in bytes (256 MiB).
pub const MAX_GRAPH_BYTES: usize = 256 * 1024 * 1024;

/// Why serialised bytes are not a loadable graph: a stable code and a message.
pub(crate) type Refusal = (&'static str, String);

impl Graph {
    pub(crate) fn args(&self, a: Args) -> &[NodeId] {
        let start = a.start as usize;
        self.args
            .get(start..start.saturating_add(a.len as usize))
            .unwrap_or(&[])
    }

    /// Indexes `named` by node (the first rule of a node wins: identical rules share one).
    pub(crate) fn index_named(&mut self) {
        self.named_at = FxHashMap::default();
        for (i, n) in self.named.iter().enumerate() {
            if let Ok(i) = u32::try_from(i) {
                self.named_at.entry(n.node).or_insert(i);
            }
        }
        self.status_at = self.statuses.iter().map(|(o, n)| (*n, *o)).collect();
    }

    /// The outcome whose status node `node` is, if `eligible` of it is read (R9).
    pub(crate) fn status_of(&self, node: NodeId) -> Option<u32> {
        self.status_at.get(&node).copied()
    }

    /// The rule whose value node `node` holds, if any.
    pub(crate) fn named(&self, node: NodeId) -> Option<&NamedG> {
        self.named.get(*self.named_at.get(&node)? as usize)
    }

    pub(crate) fn text(&self, node: NodeId) -> Option<&str> {
        let n = self.nodes.get(node as usize)?;
        self.texts.get(n.text? as usize).map(String::as_str)
    }

    /// The children of a node (for traversals).
    pub(crate) fn children(&self, op: &Op) -> Vec<NodeId> {
        match op {
            Op::Const(_) | Op::Fact(_) | Op::ItemFact { .. } | Op::AsOf | Op::Param(_) => vec![],
            Op::Broadcast(n) | Op::Not(n) | Op::Neg(n) | Op::Abs(n) => vec![*n],
            Op::Round { x, .. } | Op::InForce { x, .. } => vec![*x],
            Op::And(a) | Op::Or(a) | Op::MinMax { args: a, .. } => self.args(*a).to_vec(),
            Op::Cmp(_, a, b)
            | Op::Arith(_, a, b)
            | Op::DateDiff(a, b)
            | Op::YearsBetween(a, b)
            | Op::MonthsBetween(a, b)
            | Op::Within(a, b) => vec![*a, *b],
            Op::DateShift { date, by, .. } => vec![*date, *by],
            Op::DaysArith { a, b, .. } => vec![*a, *b],
            Op::If(c, a, b) => vec![*c, *a, *b],
            Op::InSet(x, a) => {
                let mut v = vec![*x];
                v.extend_from_slice(self.args(*a));
                v
            }
            Op::DirHas(_, k) | Op::DirGet(_, k, _) | Op::WithinDir(_, k) => vec![*k],
            Op::Table(t) => self
                .tables
                .get(*t as usize)
                .map(|t| {
                    t.versions
                        .iter()
                        .flat_map(|v| v.rows.iter())
                        .flat_map(|r| r.cond.into_iter().chain(std::iter::once(r.value)))
                        .collect()
                })
                .unwrap_or_default(),
            Op::Agg { filter, value, .. } => filter.iter().chain(value.iter()).copied().collect(),
        }
    }

    /// Serialises the graph: magic, format version, postcard payload.
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let body = postcard::to_allocvec(self).unwrap_or_default();
        let mut out = Vec::with_capacity(body.len() + 10);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        // Serialising plain data into a Vec cannot fail; an empty payload would be refused on load.
        out.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    /// Loads and validates a serialised graph: the magic bytes, the format version, the
    /// checksum over the body (so a changed byte is `load/corrupt`, never a different
    /// decision), then every index.
    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Graph, Refusal> {
        let invalid = |m: &str| (codes::INVALID_GRAPH, m.to_string());
        if bytes.len() > MAX_GRAPH_BYTES {
            return Err((
                codes::FILE_TOO_LARGE,
                format!("the compiled graph is larger than the limit of {MAX_GRAPH_BYTES} bytes"),
            ));
        }
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or_else(|| invalid("not a compiled Clausula policy (bad magic bytes)"))?;
        let (ver, rest) = rest
            .split_at_checked(2)
            .ok_or_else(|| invalid("truncated header"))?;
        let version = u16::from_le_bytes([
            ver.first().copied().unwrap_or(0),
            ver.get(1).copied().unwrap_or(0),
        ]);
        if version != FORMAT {
            return Err((
                codes::UNSUPPORTED_VERSION,
                format!(
                    "compiled with graph format {version}; this version of Clausula reads format \
                     {FORMAT} (compile the policy again)"
                ),
            ));
        }
        let (sum, body) = rest
            .split_at_checked(4)
            .ok_or_else(|| invalid("truncated header"))?;
        let expected = u32::from_le_bytes(sum.try_into().unwrap_or([0; 4]));
        if crc32fast::hash(body) != expected {
            return Err((
                codes::CORRUPT_GRAPH,
                "the checksum does not match: the bytes were changed after they were written"
                    .to_string(),
            ));
        }
        let (mut g, rest): (Graph, &[u8]) = postcard::take_from_bytes(body)
            .map_err(|e| (codes::INVALID_GRAPH, format!("corrupt graph: {e}")))?;
        if !rest.is_empty() {
            return Err(invalid("corrupt graph: trailing bytes"));
        }
        validate::validate(&mut g).map_err(|m| (codes::INVALID_GRAPH, m))?;
        Ok(g)
    }
}
