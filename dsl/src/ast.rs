//! The typed syntax tree of a Clausula file.
//!
//! Every node carries the byte [`Span`] of the text it came from. The tree is syntax only:
//! names are not resolved and types are not checked (that is `clausula-core`'s `check`).
//! Equality compares spans too; use [`SourceFile::without_spans`] to compare shapes.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::span::Span;

/// A parsed `.cla` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    /// Declarations, in source order.
    pub items: Vec<Item>,
    /// `//` comments, in source order (kept for the formatter).
    pub comments: Vec<Comment>,
}

/// A `//` comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The comment text including the leading `//`, without the line break.
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// `policy NAME "title" source "…" effective …`
    Policy(PolicyDecl),
    /// `import "file.cla"`
    Import(ImportDecl),
    /// `input ENTITY { … }`
    Input(InputDecl),
    /// `param NAME: type from DATE = value …`
    Param(ParamDecl),
    /// `rule NAME = expr`
    Rule(RuleDecl),
    /// `table NAME hit … { … }`
    Table(TableDecl),
    /// `directory NAME key COLUMN { … }`
    Directory(DirectoryDecl),
    /// `outcome NAME { … }`
    Outcome(OutcomeDecl),
    /// `example "name" as_of DATE { … }`
    Example(ExampleDecl),
    /// `enum NAME "label" { a "标签", b }`
    Enum(EnumDecl),
}

/// `enum NAME "label" { a "标签", b }`: a named enum (R8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnumDecl {
    /// Its name, used as a type and to qualify values (`规模.small`).
    pub name: Ident,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// The values, in order.
    pub variants: Vec<Variant>,
    /// The whole declaration.
    pub span: Span,
}

impl Item {
    /// The span of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Policy(d) => d.span,
            Item::Import(d) => d.span,
            Item::Input(d) => d.span,
            Item::Param(d) => d.span,
            Item::Rule(d) => d.span,
            Item::Table(d) => d.span,
            Item::Directory(d) => d.span,
            Item::Enum(d) => d.span,
            Item::Outcome(d) => d.span,
            Item::Example(d) => d.span,
        }
    }
}

/// A name with its span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    /// The name as written.
    pub name: String,
    /// Where it is.
    pub span: Span,
}

/// A string literal, unescaped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StrLit {
    /// The value after escape processing.
    pub value: String,
    /// Where it is, quotes included.
    pub span: Span,
}

/// A date literal `YYYY-MM-DD`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateLit {
    /// The date.
    pub value: NaiveDate,
    /// Where it is.
    pub span: Span,
}

/// `policy NAME "title" source "…" effective FROM[..TO]`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDecl {
    /// The policy's name.
    pub name: Ident,
    /// Its title.
    pub title: Option<StrLit>,
    /// The legal source it implements.
    pub source: Option<StrLit>,
    /// The window in which it may be evaluated.
    pub effective: Option<Effective>,
    /// The whole declaration.
    pub span: Span,
}

/// `effective FROM[..TO]` (both ends inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective {
    /// First day in force.
    pub from: DateLit,
    /// Last day in force, if any.
    pub to: Option<DateLit>,
    /// The whole clause.
    pub span: Span,
}

/// `import "path"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportDecl {
    /// Path relative to the importing file.
    pub path: StrLit,
    /// `as NAME`: the imported file's names are written `NAME.x` here.
    pub alias: Option<Ident>,
    /// The whole declaration.
    pub span: Span,
}

/// `input ENTITY "label" { fields }` or `input LIST[] "label" { fields }`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputDecl {
    /// The entity name: the first segment of fact paths.
    pub name: Ident,
    /// Whether this is a list of records (`name[]`).
    pub is_list: bool,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// The fields.
    pub fields: Vec<FieldDecl>,
    /// The whole declaration.
    pub span: Span,
}

/// `name: type = default "label"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDecl {
    /// Field name.
    pub name: Ident,
    /// Its type.
    pub ty: TypeExpr,
    /// `in LOW..HIGH`: the values a fact may take.
    pub range: Option<RangeDecl>,
    /// Value used when the fact is absent.
    pub default: Option<Expr>,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// The whole field.
    pub span: Span,
}

/// A declared range `in LOW..HIGH` (inclusive; either bound may be left out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeDecl {
    /// The lower bound: a number or date literal, possibly negated.
    pub low: Option<Expr>,
    /// The upper bound.
    pub high: Option<Expr>,
    /// The range as written, without spaces (`0%..100%`), for messages.
    pub text: String,
    /// From `in` to the last bound.
    pub span: Span,
}

/// A type as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeExpr {
    /// `bool`, `int`, `number`, `money`, `percent`, `date`, `text`, `code` (checked later).
    Named(Ident),
    /// `enum { a "标签", b }`
    Enum {
        /// The variants, in order.
        variants: Vec<Variant>,
        /// The whole type.
        span: Span,
    },
}

impl TypeExpr {
    /// Where the type is written.
    pub fn span(&self) -> Span {
        match self {
            TypeExpr::Named(i) => i.span,
            TypeExpr::Enum { span, .. } => *span,
        }
    }
}

/// One enum variant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Variant {
    /// The value's name (what facts JSON holds).
    pub name: Ident,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// Where it is.
    pub span: Span,
}

/// `param NAME "label": type  from DATE = value cite "…" …`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamDecl {
    /// The name.
    pub name: Ident,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// Declared type.
    pub ty: TypeExpr,
    /// Dated values, in source order.
    pub steps: Vec<ParamStep>,
    /// The whole declaration.
    pub span: Span,
}

/// `from DATE = value cite "…"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamStep {
    /// First day this value applies.
    pub from: DateLit,
    /// The value.
    pub value: Expr,
    /// Its legal source.
    pub cite: Option<StrLit>,
    /// The whole step.
    pub span: Span,
}

/// `rule NAME "label" = expr` or, for a per-item rule, `rule LIST.NAME = expr`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleDecl {
    /// For a per-item rule, the list entity it extends.
    pub list: Option<Ident>,
    /// The rule's name.
    pub name: Ident,
    /// `(p: TYPE, …)`: the rule is a function of these parameters (R6).
    pub params: Option<Vec<FnParam>>,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// Its declared result type (`: percent`), for display.
    pub ty: Option<TypeExpr>,
    /// Its definition.
    pub value: Expr,
    /// The whole declaration.
    pub span: Span,
}

/// One parameter of a function: `rate: percent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnParam {
    /// Its name, read in the body.
    pub name: Ident,
    /// Its type: a scalar type's name or a named enum.
    pub ty: Ident,
}

/// How a decision table picks among matching rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HitPolicy {
    /// The first matching row wins.
    First,
    /// Exactly one row may match.
    Unique,
    /// All matching rows, combined by the aggregate.
    Collect(CollectAgg),
}

/// How `hit collect` combines matching rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CollectAgg {
    /// Sum of the values.
    Sum,
    /// Smallest value.
    Min,
    /// Largest value.
    Max,
    /// Number of matching rows.
    Count,
}

impl CollectAgg {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            CollectAgg::Sum => "sum",
            CollectAgg::Min => "min",
            CollectAgg::Max => "max",
            CollectAgg::Count => "count",
        }
    }
}

/// `table NAME "label" hit POLICY { rows }` or with dated versions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDecl {
    /// The name.
    pub name: Ident,
    /// `(p: TYPE, …)`: the table is a function of these parameters (R6).
    pub params: Option<Vec<FnParam>>,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// Hit policy.
    pub hit: HitPolicy,
    /// Rows, or dated versions of rows.
    pub body: TableBody,
    /// The whole declaration.
    pub span: Span,
}

/// The rows of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TableBody {
    /// One set of rows for all dates.
    Rows(Vec<TableRow>),
    /// Sets of rows in force from a date.
    Versions(Vec<TableVersion>),
}

/// `from DATE cite "…" { rows }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableVersion {
    /// First day in force.
    pub from: DateLit,
    /// Its legal source.
    pub cite: Option<StrLit>,
    /// The rows.
    pub rows: Vec<TableRow>,
    /// The whole version.
    pub span: Span,
}

/// `when COND => value` or `otherwise => value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRow {
    /// The condition; `None` for `otherwise`.
    pub condition: Option<Expr>,
    /// The value.
    pub value: Expr,
    /// The whole row.
    pub span: Span,
}

/// `directory NAME "label" key COLUMN [from "file.csv"] { columns rows }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirectoryDecl {
    /// The name.
    pub name: Ident,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// The key column's name (or the named enum that keys the directory).
    pub key: Ident,
    /// `key year: int`: the key's declared type (`code`, `int` or a named enum).
    pub key_type: Option<TypeExpr>,
    /// A CSV file of rows next to the policy.
    pub source: Option<StrLit>,
    /// Typed columns (besides the key).
    pub columns: Vec<ColumnDecl>,
    /// Inline rows.
    pub rows: Vec<DirRow>,
    /// The whole declaration.
    pub span: Span,
}

/// `name: type "label"`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDecl {
    /// Column name.
    pub name: Ident,
    /// Column type.
    pub ty: TypeExpr,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// Where it is.
    pub span: Span,
}

/// `"KEY" { column = value, … }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirRow {
    /// The row's key (for a bare key, its text as written).
    pub key: StrLit,
    /// Whether the key was written bare, not as a string: a whole number (`2024 { … }`) or
    /// a name (`small { … }`).
    pub bare: bool,
    /// Its cells.
    pub cells: Vec<DirCell>,
    /// The whole row.
    pub span: Span,
}

/// `column = value`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirCell {
    /// The column.
    pub column: Ident,
    /// The value (a literal).
    pub value: Expr,
    /// Where it is.
    pub span: Span,
}

/// `outcome NAME "title" { items }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeDecl {
    /// The name, used as the key in the output.
    pub name: Ident,
    /// Title shown to users.
    pub label: Option<StrLit>,
    /// Requirements, exceptions and amounts, in order.
    pub items: Vec<OutcomeItem>,
    /// The whole declaration.
    pub span: Span,
}

/// One line of an outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutcomeItem {
    /// `require COND when GUARD "message" cite "…"`
    Require(Requirement),
    /// `unless COND "message" cite "…"`: an exception that makes the outcome ineligible.
    Unless(Requirement),
    /// `amount NAME = expr`
    Amount(AmountDecl),
}

/// A requirement or exception.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// The condition.
    pub condition: Expr,
    /// When present, the line only applies when the guard holds.
    pub guard: Option<Expr>,
    /// Message shown to users.
    pub message: StrLit,
    /// Citation of the clause.
    pub cite: Option<StrLit>,
    /// Its declared id (`as fai_ratio`).
    pub id: Option<Ident>,
    /// The whole line.
    pub span: Span,
}

/// `amount NAME "label" = expr`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmountDecl {
    /// The name, used as the key in the output.
    pub name: Ident,
    /// Label shown to users.
    pub label: Option<StrLit>,
    /// The formula.
    pub value: Expr,
    /// The whole line.
    pub span: Span,
}

/// `example "name" as_of DATE { given {…} expect … }`
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExampleDecl {
    /// The example's name.
    pub name: StrLit,
    /// Evaluation date.
    pub as_of: DateLit,
    /// The facts.
    pub given: DataValue,
    /// What must come out.
    pub expects: Vec<Expectation>,
    /// The whole declaration.
    pub span: Span,
}

/// One `expect` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expectation {
    /// `expect OUTCOME STATUS amount = value … missing [ "path", … ]`
    Outcome {
        /// The outcome's name.
        outcome: Ident,
        /// Expected status.
        status: ExpectedStatus,
        /// Expected amounts.
        amounts: Vec<(Ident, DataNumber)>,
        /// `NAME error "code"`: amounts expected to have no value and to carry that error.
        amount_errors: Vec<(Ident, StrLit)>,
        /// `value KEY = V`: expected `values` entries (KEY as written, without quotes).
        values: Vec<(StrLit, DataValue)>,
        /// Expected `missing` list, when given.
        missing: Option<Vec<StrLit>>,
        /// The whole line.
        span: Span,
    },
    /// `expect error "code"`: evaluation must fail with this error code.
    Error {
        /// The error code, e.g. `eval/outside-effective-window`.
        code: StrLit,
        /// The whole line.
        span: Span,
    },
}

/// An outcome status in an `expect` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpectedStatus {
    /// `eligible`
    Eligible,
    /// `ineligible`
    Ineligible,
    /// `undetermined`
    Undetermined,
}

impl ExpectedStatus {
    /// The keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpectedStatus::Eligible => "eligible",
            ExpectedStatus::Ineligible => "ineligible",
            ExpectedStatus::Undetermined => "undetermined",
        }
    }
}

/// A JSON-like value in `given`; numbers keep their exact decimal value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataValue {
    /// `null`
    Null(Span),
    /// `true` / `false`
    Bool(bool, Span),
    /// A number, possibly negative and with `%`/`万`/`亿`.
    Number(DataNumber),
    /// A string.
    Str(StrLit),
    /// An unquoted date.
    Date(DateLit),
    /// `[ … ]`
    Array(Vec<DataValue>, Span),
    /// `{ key: value, … }`
    Object(Vec<(StrLit, DataValue)>, Span),
}

impl DataValue {
    /// Where the value is.
    pub fn span(&self) -> Span {
        match self {
            DataValue::Null(s) | DataValue::Bool(_, s) => *s,
            DataValue::Number(n) => n.span,
            DataValue::Str(s) => s.span,
            DataValue::Date(d) => d.span,
            DataValue::Array(_, s) | DataValue::Object(_, s) => *s,
        }
    }
}

/// A number in example data: its exact value and its spelling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataNumber {
    /// The value (percent already divided by 100, magnitudes multiplied out).
    pub value: Decimal,
    /// The spelling as written, sign included (`-5000万`).
    pub text: String,
    /// Where it is.
    pub span: Span,
}

/// An expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expr {
    /// What kind of expression.
    pub kind: ExprKind,
    /// Where it is.
    pub span: Span,
}

impl Expr {
    /// The expressions directly inside this one (operands, arguments and their `where`
    /// filters, list items), in source order.
    pub fn children(&self) -> Vec<&Expr> {
        match &self.kind {
            ExprKind::Field(b, _) | ExprKind::Unary(_, b) => vec![b],
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::If(c, a, b) => vec![c, a, b],
            ExprKind::Call(_, args) => args
                .iter()
                .flat_map(|a| std::iter::once(&a.value).chain(a.filter.as_ref()))
                .collect(),
            ExprKind::List(items) => items.iter().collect(),
            ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(_)
            | ExprKind::AsOf
            | ExprKind::Name(_) => Vec::new(),
        }
    }

    /// [`Expr::children`], mutably.
    pub fn children_mut(&mut self) -> Vec<&mut Expr> {
        match &mut self.kind {
            ExprKind::Field(b, _) | ExprKind::Unary(_, b) => vec![b],
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => vec![a, b],
            ExprKind::If(c, a, b) => vec![c, a, b],
            ExprKind::Call(_, args) => args
                .iter_mut()
                .flat_map(|a| std::iter::once(&mut a.value).chain(a.filter.as_mut()))
                .collect(),
            ExprKind::List(items) => items.iter_mut().collect(),
            ExprKind::Number(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::Date(_)
            | ExprKind::Duration(_)
            | ExprKind::AsOf
            | ExprKind::Name(_) => Vec::new(),
        }
    }
}

/// The kinds of expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExprKind {
    /// A number literal.
    Number(NumberLit),
    /// A string literal.
    Str(String),
    /// `true` / `false`.
    Bool(bool),
    /// A date literal.
    Date(NaiveDate),
    /// `N days|weeks|months|years`.
    Duration(DurationLit),
    /// The evaluation date.
    AsOf,
    /// A bare name.
    Name(String),
    /// `expr.field`
    Field(Box<Expr>, Ident),
    /// `expr[key]`
    Index(Box<Expr>, Box<Expr>),
    /// `not x`, `-x`
    Unary(UnaryOp, Box<Expr>),
    /// `a OP b`
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `f(args)`; aggregates take `list where filter` as first argument.
    Call(Ident, Vec<Arg>),
    /// `[a, b, c]`
    List(Vec<Expr>),
}

/// A call argument: `expr` or `list where filter`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arg {
    /// The argument.
    pub value: Expr,
    /// `where` filter (aggregates only).
    pub filter: Option<Expr>,
    /// Where it is.
    pub span: Span,
}

/// A number literal: exact value and spelling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberLit {
    /// The value (`10%` is 0.10, `5000万` is 50000000).
    pub value: Decimal,
    /// How it was written, kept by the formatter.
    pub text: String,
    /// What suffix it had.
    pub suffix: NumberSuffix,
}

/// The suffix of a number literal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberSuffix {
    /// None: `12`, `0.5`.
    None,
    /// `%`
    Percent,
    /// `万` (ten thousand)
    Wan,
    /// `亿` (hundred million)
    Yi,
}

/// `N unit`
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DurationLit {
    /// How many units.
    pub count: i64,
    /// The unit.
    pub unit: DurationUnit,
}

/// Units of a duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnit {
    /// Days.
    Days,
    /// Weeks (7 days).
    Weeks,
    /// Calendar months.
    Months,
    /// Calendar years.
    Years,
}

impl DurationUnit {
    /// The canonical keyword.
    pub fn as_str(self) -> &'static str {
        match self {
            DurationUnit::Days => "days",
            DurationUnit::Weeks => "weeks",
            DurationUnit::Months => "months",
            DurationUnit::Years => "years",
        }
    }
}

/// Prefix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not`
    Not,
    /// `-`
    Neg,
}

/// Infix operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`
    Or,
    /// `and`
    And,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `within`
    Within,
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Div,
    /// `..`, only as the right side of `in`/`not in`: `x in 3..8`.
    Range,
}

impl BinaryOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Within => "within",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Range => "..",
        }
    }

    /// Binding power: higher binds tighter. Shared by the parser and the printer.
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            // 3 is `not`
            BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::In
            | BinaryOp::NotIn
            | BinaryOp::Within => 4,
            BinaryOp::Range => 5,
            BinaryOp::Add | BinaryOp::Sub => 6,
            BinaryOp::Mul | BinaryOp::Div => 7,
        }
    }

    /// Whether this is a comparison (`==`, `<`, `in`, …).
    pub fn is_comparison(self) -> bool {
        self.precedence() == 4
    }
}

/// Precedence of prefix `not`: looser than comparisons, tighter than `and`.
pub const NOT_PRECEDENCE: u8 = 3;
/// Precedence of prefix `-`: tighter than every infix operator.
pub const NEG_PRECEDENCE: u8 = 8;

mod spans;
