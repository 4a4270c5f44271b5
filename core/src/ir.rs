//! The checked program: every name resolved, every expression typed.
//!
//! Produced by `check`, consumed by `compile` (and by the reference interpreter in tests).
//! Not serialised: the compiled graph is the portable form.

use clausula_dsl::Span;
use smol_str::SmolStr;

use crate::types::Type;
use crate::value::Const;

pub(crate) type EntityId = u32;
pub(crate) type RuleId = u32;
pub(crate) type ParamId = u32;
pub(crate) type TableId = u32;
pub(crate) type DirId = u32;
pub(crate) type OutcomeId = u32;

/// Where an expression is evaluated: once per application, or once per item of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Scope {
    Row,
    /// Per item of the list entity with this id.
    Item(EntityId),
}

#[derive(Clone, Debug)]
pub(crate) struct Program {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) source: Option<String>,
    pub(crate) effective_from: Option<i32>,
    pub(crate) effective_to: Option<i32>,
    pub(crate) enums: Vec<EnumDef>,
    pub(crate) entities: Vec<Entity>,
    pub(crate) params: Vec<ParamDef>,
    /// Row rules and per-item rules, in dependency order (a rule only refers to earlier ones).
    pub(crate) rules: Vec<RuleDef>,
    /// Tables in dependency order relative to rules: see `order`.
    pub(crate) tables: Vec<TableDef>,
    pub(crate) directories: Vec<DirectoryDef>,
    /// The outcomes this policy reports first, then those of imported policies (R10), which
    /// can be referred to (`eligible(o)`, `o.a`) but are not reported.
    pub(crate) outcomes: Vec<OutcomeDef>,
    /// How many of `outcomes` are reported.
    pub(crate) reported: usize,
    /// Rules and tables in an order where each only depends on earlier ones.
    pub(crate) order: Vec<Decl>,
}

/// A rule or a table, for the dependency order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Decl {
    Rule(RuleId),
    Table(TableId),
}

#[derive(Clone, Debug)]
pub(crate) struct EnumDef {
    /// Where it was declared, for messages (`enterprise.size`).
    pub(crate) name: String,
    pub(crate) variants: Vec<(String, Option<String>)>,
}

#[derive(Clone, Debug)]
pub(crate) struct Entity {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) is_list: bool,
    pub(crate) fields: Vec<Field>,
}

#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) ty: Type,
    pub(crate) default: Option<Const>,
    /// `in LOW..HIGH`, checked: bounds of the field's type, LOW <= HIGH.
    pub(crate) range: Option<FieldRange>,
}

/// A field's declared range (inclusive; a missing bound is unbounded).
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FieldRange {
    pub(crate) low: Option<Const>,
    pub(crate) high: Option<Const>,
    /// As written (`0%..100%`), for messages.
    pub(crate) text: String,
}

impl FieldRange {
    /// Whether `v` (a known number or date) lies in the range. Other values are not
    /// compared (the type check has already refused them).
    pub(crate) fn admits(&self, v: &crate::value::Val) -> bool {
        use crate::value::Val;
        let below = |c: &Const| match (v, c) {
            (Val::Num(x), Const::Num(l)) => x < l,
            (Val::Date(x), Const::Date(l)) => x < l,
            _ => false,
        };
        let above = |c: &Const| match (v, c) {
            (Val::Num(x), Const::Num(h)) => x > h,
            (Val::Date(x), Const::Date(h)) => x > h,
            _ => false,
        };
        !(self.low.as_ref().is_some_and(below) || self.high.as_ref().is_some_and(above))
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ParamDef {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    /// `(first day, value, citation)`, sorted by day.
    pub(crate) steps: Vec<(i32, Const, Option<String>)>,
}

#[derive(Clone, Debug)]
pub(crate) struct RuleDef {
    /// `name`, or `list.name` for a per-item rule.
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    /// The body as the policy writes it, canonically printed.
    pub(crate) formula: String,
    /// The declared result type (`rule r: percent = …`), for display.
    pub(crate) display_ty: Option<Type>,
    pub(crate) scope: Scope,
    pub(crate) body: TExpr,
    /// For an instance of a function: how it was called.
    pub(crate) call: Option<CallInfo>,
}

/// How an instance of a function was called (R6/R7), for explanations.
#[derive(Clone, Debug)]
pub(crate) struct CallInfo {
    /// The function's name.
    pub(crate) function: String,
    /// Each parameter with its argument (typed as the parameter).
    pub(crate) args: Vec<(String, TExpr)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum Hit {
    First,
    Unique,
    Sum,
    Min,
    Max,
    Count,
}

#[derive(Clone, Debug)]
pub(crate) struct TableDef {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) hit: Hit,
    pub(crate) ty: Type,
    /// Versions sorted by first day; a table without versions has one with `from: None`.
    pub(crate) versions: Vec<TableVersion>,
    /// For an instance of a table function: how it was called.
    pub(crate) call: Option<CallInfo>,
}

#[derive(Clone, Debug)]
pub(crate) struct TableVersion {
    pub(crate) from: Option<i32>,
    pub(crate) cite: Option<String>,
    pub(crate) rows: Vec<TableRow>,
}

#[derive(Clone, Debug)]
pub(crate) struct TableRow {
    /// `None` for `otherwise`.
    pub(crate) cond: Option<TExpr>,
    pub(crate) value: TExpr,
}

#[derive(Clone, Debug)]
pub(crate) struct DirectoryDef {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    pub(crate) key: String,
    /// `code`, `int` or a named enum (R8). Keys are kept in canonical text: the code, the
    /// int's decimal digits, the enum value's name.
    pub(crate) key_ty: Type,
    pub(crate) columns: Vec<(String, Option<String>, Type)>,
    /// Keys and cells (row-major, one cell per column; `None` for an empty cell).
    pub(crate) keys: Vec<SmolStr>,
    pub(crate) cells: Vec<Option<Const>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum ReqKind {
    Require,
    Unless,
}

impl ReqKind {
    /// The kind as decisions and schemas show it.
    pub(crate) fn line_kind(self) -> crate::decision::LineKind {
        match self {
            ReqKind::Require => crate::decision::LineKind::Require,
            ReqKind::Unless => crate::decision::LineKind::Unless,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Requirement {
    /// Its stable id: declared (`as fai_ratio`) or `line<N>` by position.
    pub(crate) id: String,
    pub(crate) kind: ReqKind,
    pub(crate) cond: TExpr,
    pub(crate) guard: Option<TExpr>,
    pub(crate) message: String,
    pub(crate) cite: Option<String>,
}

#[derive(Clone, Debug)]
pub(crate) struct Amount {
    pub(crate) name: String,
    pub(crate) label: Option<String>,
    /// The expression as the policy writes it, canonically printed.
    pub(crate) formula: String,
    pub(crate) value: TExpr,
}

#[derive(Clone, Debug)]
pub(crate) struct OutcomeDef {
    pub(crate) name: String,
    pub(crate) title: Option<String>,
    pub(crate) requirements: Vec<Requirement>,
    pub(crate) amounts: Vec<Amount>,
}

/// A typed expression.
#[derive(Clone, Debug)]
pub(crate) struct TExpr {
    pub(crate) kind: TKind,
    pub(crate) ty: Type,
    pub(crate) span: Span,
    /// Canonical text of the expression, for error messages that name it.
    pub(crate) text: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CmpOp {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// The same comparison with its sides swapped: `a < b` is `b > a`.
    pub(crate) fn flipped(self) -> CmpOp {
        match self {
            CmpOp::Lt => CmpOp::Gt,
            CmpOp::Le => CmpOp::Ge,
            CmpOp::Gt => CmpOp::Lt,
            CmpOp::Ge => CmpOp::Le,
            o => o,
        }
    }

    /// The comparison that holds exactly when this one does not: `not (a < b)` is `a >= b`.
    pub(crate) fn negated(self) -> CmpOp {
        match self {
            CmpOp::Eq => CmpOp::Ne,
            CmpOp::Ne => CmpOp::Eq,
            CmpOp::Lt => CmpOp::Ge,
            CmpOp::Le => CmpOp::Gt,
            CmpOp::Gt => CmpOp::Le,
            CmpOp::Ge => CmpOp::Lt,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum RoundMode {
    /// Half away from zero (the legal convention, "四舍五入").
    HalfUp,
    Floor,
    Ceil,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub(crate) enum AggKind {
    Sum,
    Count,
    Any,
    All,
    Min,
    Max,
}

#[derive(Clone, Debug)]
pub(crate) enum TKind {
    Const(Const),
    /// A field of a (non-list) entity.
    Fact {
        entity: EntityId,
        field: u32,
    },
    /// A field of the current item of a list (item scope only).
    ItemFact {
        list: EntityId,
        field: u32,
    },
    Rule(RuleId),
    Param(ParamId),
    Table(TableId),
    /// `eligible(o)`: true, false or unknown as outcome `o` is eligible, ineligible or
    /// undetermined (R9).
    Eligible(OutcomeId),
    /// `o.a`: amount `a` (by position) of outcome `o` as `o` reports it, whatever its
    /// status (R9).
    OutcomeAmount {
        outcome: OutcomeId,
        amount: u32,
    },
    AsOf,
    /// A value known only by its type: a function's parameter (or a call in its body) while
    /// the body is checked once for its errors. Never compiled: instances replace it.
    Opaque,
    Not(Box<TExpr>),
    Neg(Box<TExpr>),
    And(Box<TExpr>, Box<TExpr>),
    Or(Box<TExpr>, Box<TExpr>),
    Cmp(CmpOp, Box<TExpr>, Box<TExpr>),
    Arith(ArithOp, Box<TExpr>, Box<TExpr>),
    /// `date ± days|calendar`
    DateShift {
        date: Box<TExpr>,
        by: Box<TExpr>,
        negate: bool,
    },
    /// `date - date` in days.
    DateDiff(Box<TExpr>, Box<TExpr>),
    /// `days ± days`
    DaysArith {
        sub: bool,
        a: Box<TExpr>,
        b: Box<TExpr>,
    },
    If(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    MinMax {
        max: bool,
        args: Vec<TExpr>,
    },
    Round {
        x: Box<TExpr>,
        places: u32,
        mode: RoundMode,
    },
    Abs(Box<TExpr>),
    /// A value read from an imported policy with an `effective` window (R10): outside it,
    /// `eval/outside-effective-window`.
    InForce {
        from: Option<i32>,
        to: Option<i32>,
        x: Box<TExpr>,
    },
    /// Whole years / months from the first date to the second.
    YearsBetween(Box<TExpr>, Box<TExpr>),
    MonthsBetween(Box<TExpr>, Box<TExpr>),
    InList(Box<TExpr>, Vec<TExpr>),
    DirHas(DirId, Box<TExpr>),
    DirGet(DirId, Box<TExpr>, u32),
    Within(Box<TExpr>, Box<TExpr>),
    WithinDir(DirId, Box<TExpr>),
    Agg {
        kind: AggKind,
        list: EntityId,
        filter: Option<Box<TExpr>>,
        value: Option<Box<TExpr>>,
    },
}
