//! The parser: pre-scan, pest per chunk, lowering, and pest errors turned into diagnostics.

use std::collections::BTreeSet;
use std::sync::Once;

use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};

use crate::ast::{Expr, SourceFile};
use crate::codes;
use crate::diagnostic::{Diagnostic, Diagnostics};
use crate::limits::MAX_SOURCE_BYTES;
use crate::lower::Lowerer;
use crate::scan::{ITEM_KEYWORDS, scan};
use crate::span::{FileId, Sources, Span};

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
pub(crate) struct ClausulaParser;

static ERROR_DETAIL: Once = Once::new();

fn enable_error_detail() {
    ERROR_DETAIL.call_once(|| pest::set_error_detail(true));
}

/// Parses a whole file. Returns the declarations that parsed and every diagnostic found.
///
/// Diagnostics carry `file`. This is the entry point `clausula-core` uses when it loads a
/// policy and its imports; most callers want [`crate::parse`].
pub fn parse_file(file: FileId, source: &str) -> (SourceFile, Vec<Diagnostic>) {
    // Parsing recurses as deep as the nesting limits allow; make sure that much stack is
    // there whatever thread the caller runs on (a no-op when it already is).
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
        parse_file_inner(file, source)
    })
}

/// Stack the parser wants available before it starts.
pub(crate) const STACK_RED_ZONE: usize = 4 * 1024 * 1024;
/// Size of a new stack segment when there is not enough.
pub(crate) const STACK_SEGMENT: usize = 16 * 1024 * 1024;

fn parse_file_inner(file: FileId, source: &str) -> (SourceFile, Vec<Diagnostic>) {
    enable_error_detail();
    let mut diagnostics = Vec::new();
    let mut file_ast = SourceFile {
        items: Vec::new(),
        comments: Vec::new(),
    };
    if source.len() > MAX_SOURCE_BYTES {
        diagnostics.push(
            Diagnostic::error(
                codes::TOO_LARGE,
                Span::new(0, 0),
                format!(
                    "source is {} bytes, more than the limit of {MAX_SOURCE_BYTES}",
                    source.len()
                ),
            )
            .with_help("split the policy into files joined with `import`")
            .in_file(file),
        );
        return (file_ast, diagnostics);
    }
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let scanned = scan(source, start);
    file_ast.comments = scanned.comments;
    for chunk in scanned.chunks {
        if let Some(d) = chunk.error {
            diagnostics.push(d.in_file(file));
            continue;
        }
        let Some(text) = source.get(chunk.start..chunk.end) else {
            continue;
        };
        let is_last = chunk.end == source.len();
        match ClausulaParser::parse(Rule::chunk, text) {
            Ok(pairs) => {
                let lowerer = Lowerer::new(chunk.start, &file_ast.comments);
                for pair in pairs.flat_map(|p| p.into_inner()) {
                    if pair.as_rule() == Rule::EOI {
                        continue;
                    }
                    match lowerer.item(pair) {
                        Ok(item) => file_ast.items.push(item),
                        Err(ds) => diagnostics.extend(ds.into_iter().map(|d| d.in_file(file))),
                    }
                }
            }
            Err(e) => diagnostics.push(pest_error(&e, text, chunk.start, is_last).in_file(file)),
        }
    }
    (file_ast, diagnostics)
}

/// Parses a single expression (for tools and tests).
pub fn parse_expr(source: &str) -> Result<Expr, Diagnostics> {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || parse_expr_inner(source))
}

fn parse_expr_inner(source: &str) -> Result<Expr, Diagnostics> {
    enable_error_detail();
    let sources = Sources::single("<expr>", source);
    if source.len() > MAX_SOURCE_BYTES {
        let d = Diagnostic::error(codes::TOO_LARGE, Span::new(0, 0), "expression too large");
        return Err(Diagnostics::new(vec![d], sources));
    }
    let scanned = scan(source, 0);
    if let Some(d) = scanned.chunks.iter().find_map(|c| c.error.clone()) {
        return Err(Diagnostics::new(vec![d], sources));
    }
    let result = match ClausulaParser::parse(Rule::expr_only, source) {
        Ok(mut pairs) => {
            let inner = pairs.next().and_then(|p| p.into_inner().next());
            match inner {
                Some(p) => Lowerer::new(0, &scanned.comments)
                    .expr(p)
                    .map_err(|d| vec![*d]),
                None => Err(vec![Diagnostic::error(
                    codes::INTERNAL,
                    Span::new(0, source.len()),
                    "internal error: empty expression parse",
                )]),
            }
        }
        Err(e) => Err(vec![pest_error(&e, source, 0, true)]),
    };
    result.map_err(|ds| Diagnostics::new(ds, sources))
}

/// Turns a pest error into a diagnostic with a readable list of what was expected.
fn pest_error(
    e: &pest::error::Error<Rule>,
    text: &str,
    offset: usize,
    is_last_chunk: bool,
) -> Diagnostic {
    let pos = match e.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    if let ErrorVariant::CustomError { message } = &e.variant {
        return Diagnostic::error(
            codes::TOO_DEEP,
            Span::new(offset + pos, offset + pos),
            message.clone(),
        )
        .with_help("the input nests too deeply; split it into named rules");
    }
    if let Some(d) = unterminated_string(text, pos, offset) {
        return d;
    }
    let rest = text.get(pos..).unwrap_or("");
    let at_end = rest.trim().is_empty();
    // `x in 0..8`: the parser took the first `.` for a field access; point at `..`.
    let (pos, rest) = if rest.starts_with('.') && text.get(..pos).is_some_and(|t| t.ends_with('.'))
    {
        let p = pos.saturating_sub(1);
        (p, text.get(p..).unwrap_or(rest))
    } else {
        (pos, rest)
    };
    let (found, found_len, char_help) = describe_found(rest);
    let span = if at_end {
        // Point just after the last thing written, not at the next declaration.
        let end = text.trim_end().len();
        Span::new(offset + end, offset + end)
    } else {
        Span::new(offset + pos, offset + pos + found_len)
    };

    let mut expected: BTreeSet<(u8, String)> = BTreeSet::new();
    if let Some(attempts) = e.parse_attempts() {
        // Punctuation the grammar expected here; keywords come from the rule names below.
        const SYMBOLS: &[&str] = &["{", "}", "(", ")", "[", "]", ":", ",", "=", "=>"];
        for t in attempts.expected_tokens() {
            let token = t.to_string();
            if SYMBOLS.contains(&token.as_str()) {
                expected.insert((1, format!("`{token}`")));
            }
        }
    }
    if let ErrorVariant::ParsingError { positives, .. } = &e.variant {
        for r in positives {
            if let Some(w) = rule_word(*r) {
                expected.insert(w);
            }
        }
    }
    // Collapse the members of a group into the group's name.
    let has = |set: &BTreeSet<(u8, String)>, w: &str| set.iter().any(|(_, x)| x == w);
    if has(&expected, "an expression") {
        const PARTS: &[&str] = &[
            "a date",
            "a name",
            "a number",
            "a string",
            "a duration",
            "`(`",
            "`[`",
            "`-`",
            "`not`",
            "`if`",
            "`true`",
            "`false`",
            "`as_of`",
        ];
        expected.retain(|(_, x)| !PARTS.contains(&x.as_str()));
    }
    if has(&expected, "an operator") {
        const PARTS: &[&str] = &[
            "`and`",
            "`or`",
            "`in`",
            "`not`",
            "`within`",
            "`.`",
            "`[`",
            "a unit (`days`, `months`, `years`)",
        ];
        expected.retain(|(_, x)| !PARTS.contains(&x.as_str()));
    }
    let mut words: Vec<String> = expected.into_iter().map(|(_, w)| w).collect();
    words.dedup();
    if words.len() > 8 {
        words.truncate(8);
        words.push("…".to_string());
    }
    let list = match words.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, init)) => format!("{} or {last}", init.join(", ")),
    };
    let (code, message) = if at_end {
        let where_ = if is_last_chunk {
            "end of file"
        } else {
            "end of declaration"
        };
        let message = if list.is_empty() {
            format!("unexpected {where_}")
        } else {
            format!("expected {list}, found {where_}")
        };
        (codes::UNEXPECTED_END, message)
    } else if char_help.is_some() && !rest.starts_with("..") {
        (codes::INVALID_CHARACTER, format!("unexpected {found}"))
    } else if list.is_empty() {
        (codes::UNEXPECTED_TOKEN, format!("unexpected {found}"))
    } else {
        (
            codes::UNEXPECTED_TOKEN,
            format!("expected {list}, found {found}"),
        )
    };
    let mut d = Diagnostic::error(code, span, message);
    if let Some(h) = char_help {
        d = d.with_help(h);
    } else if at_end && !is_last_chunk {
        let keywords: Vec<String> = ITEM_KEYWORDS
            .iter()
            .take(4)
            .map(|k| format!("`{k}`"))
            .collect();
        d = d.with_help(format!(
            "this declaration is unfinished: the next line starts a new one (as lines starting with {}, … do)",
            keywords.join(", ")
        ));
    }
    d
}

/// A string opened on the error's line, at or before the error, and not closed on that line.
fn unterminated_string(text: &str, pos: usize, offset: usize) -> Option<Diagnostic> {
    let line_start = text.get(..pos)?.rfind('\n').map_or(0, |i| i + 1);
    let line_end = text.get(pos..)?.find('\n').map_or(text.len(), |n| pos + n);
    let line = text.get(line_start..line_end)?;
    let mut open: Option<usize> = None;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match (open, c) {
            (None, '/') if line.get(i + 1..).is_some_and(|r| r.starts_with('/')) => break,
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(_), '"') => open = None,
            (None, '"') => open = Some(i),
            _ => {}
        }
    }
    let quote = open?;
    if line_start + quote > pos {
        return None;
    }
    Some(
        Diagnostic::error(
            codes::UNTERMINATED_STRING,
            Span::new(offset + line_start + quote, offset + line_end),
            "string is not closed",
        )
        .with_help("add the closing `\"` on the same line"),
    )
}

/// Describes the text at the error position: a word, a symbol, or an odd character with help.
fn describe_found(rest: &str) -> (String, usize, Option<String>) {
    let Some(c) = rest.chars().next() else {
        return ("end of file".to_string(), 0, None);
    };
    let len = c.len_utf8();
    if c == '\0' {
        return (
            "NUL byte".to_string(),
            len,
            Some("policy files are text; remove the NUL byte".to_string()),
        );
    }
    if ('\u{ff10}'..='\u{ff19}').contains(&c) {
        let ascii = char::from_u32(c as u32 - 0xfee0).unwrap_or('0');
        return (
            format!("fullwidth digit `{c}`"),
            len,
            Some(format!("numbers use ASCII digits: write `{ascii}`")),
        );
    }
    if ('\u{ff01}'..='\u{ff5e}').contains(&c) || matches!(c, '“' | '”' | '‘' | '’' | '、' | '。')
    {
        let ascii = match c {
            '“' | '”' => '"',
            '‘' | '’' => '\'',
            '、' => ',',
            '。' => '.',
            _ => char::from_u32(c as u32 - 0xfee0).unwrap_or('?'),
        };
        return (
            format!("fullwidth `{c}`"),
            len,
            Some(format!("outside strings, write the ASCII `{ascii}`")),
        );
    }
    if rest.starts_with("..") {
        return (
            "`..`".to_string(),
            2,
            Some(
                "in an expression a range needs both bounds (`x in 3..8`); write `x >= 3` for an \
                 open end, or declare the range on the field (`n: int in 3..`)"
                    .to_string(),
            ),
        );
    }
    // Mathematical operators typed from a word processor or an input method.
    let ascii_op = match c {
        '≥' | '⩾' => Some(">="),
        '≤' | '⩽' => Some("<="),
        '≠' => Some("!="),
        '×' | '✕' => Some("*"),
        '÷' => Some("/"),
        '−' | '–' | '—' => Some("-"),
        _ => None,
    };
    if let Some(op) = ascii_op {
        return (
            format!("`{c}`"),
            len,
            Some(format!("write the operator `{c}` as `{op}`")),
        );
    }
    if c.is_control() && !c.is_whitespace() {
        return (
            format!("control character U+{:04X}", c as u32),
            len,
            Some("remove the control character".to_string()),
        );
    }
    if c.is_alphanumeric() || c == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let len = word.len();
        return (format!("`{word}`"), len, None);
    }
    if c == '"' {
        let s: String = rest.chars().take(24).take_while(|&ch| ch != '\n').collect();
        return (format!("string `{s}`"), len, None);
    }
    (format!("`{c}`"), len, None)
}

/// Renames grammar rules into words for messages; `None` hides a rule.
fn rule_word(rule: Rule) -> Option<(u8, String)> {
    let w = |s: &str| Some((0, s.to_string()));
    let kw = |s: &str| Some((1, format!("`{s}`")));
    match rule {
        Rule::ident => w("a name"),
        Rule::number | Rule::data_number => w("a number"),
        Rule::date => w("a date"),
        Rule::string => w("a string"),
        Rule::duration => w("a duration"),
        Rule::expr
        | Rule::paren
        | Rule::if_expr
        | Rule::call
        | Rule::list_lit
        | Rule::bool_lit
        | Rule::as_of => w("an expression"),
        Rule::op_or
        | Rule::op_and
        | Rule::op_in
        | Rule::op_not_in
        | Rule::op_within
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_le
        | Rule::op_ge
        | Rule::op_lt
        | Rule::op_gt
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div => w("an operator"),
        Rule::field_access => kw("."),
        Rule::index_access => kw("["),
        Rule::op_not => kw("not"),
        Rule::op_neg => kw("-"),
        Rule::type_expr | Rule::enum_type => w("a type"),
        Rule::field_decl => w("a field"),
        Rule::field_range => w("a range `in LOW..HIGH`"),
        Rule::enum_variant => w("an enum value"),
        Rule::param_step => kw("from"),
        Rule::table_row => w("a row (`when … =>` or `otherwise =>`)"),
        Rule::table_version => kw("from"),
        Rule::otherwise => kw("otherwise"),
        Rule::dir_columns | Rule::dir_column => w("a column"),
        Rule::dir_row => w("a row"),
        Rule::dir_cell => w("a cell (`column = value`)"),
        Rule::dir_source => kw("from"),
        Rule::require_item | Rule::unless_item | Rule::amount_item => {
            w("`require`, `unless` or `amount`")
        }
        Rule::guard => kw("when"),
        Rule::cite => kw("cite"),
        Rule::given => kw("given"),
        Rule::expectation => kw("expect"),
        Rule::expect_amount => w("an amount (`name = value`)"),
        Rule::expect_amount_error => w("an amount's error (`name error \"code\"`)"),
        Rule::expect_value => kw("value"),
        Rule::expect_missing => kw("missing"),
        Rule::data_object => kw("{"),
        Rule::data_array => kw("["),
        Rule::data_null => kw("null"),
        Rule::data_bool => w("`true` or `false`"),
        Rule::data_entry => w("an entry (`name: value`)"),
        Rule::call_arg => w("an argument"),
        Rule::hit_policy => w("`first`, `unique` or `collect`"),
        Rule::list_marker => kw("[]"),
        Rule::default_value => kw("="),
        Rule::source_clause => kw("source"),
        Rule::effective_clause => kw("effective"),
        Rule::policy_decl
        | Rule::import_decl
        | Rule::input_decl
        | Rule::param_decl
        | Rule::rule_decl
        | Rule::table_decl
        | Rule::directory_decl
        | Rule::outcome_decl
        | Rule::example_decl
        | Rule::enum_decl => w("a declaration (`policy`, `input`, `rule`, `outcome`, …)"),
        Rule::EOI => w("end of file"),
        Rule::kw_policy => kw("policy"),
        Rule::kw_source => kw("source"),
        Rule::kw_effective => kw("effective"),
        Rule::kw_import => kw("import"),
        Rule::kw_input => kw("input"),
        Rule::kw_enum => kw("enum"),
        Rule::kw_param => kw("param"),
        Rule::kw_from => kw("from"),
        Rule::kw_rule => kw("rule"),
        Rule::kw_table => kw("table"),
        Rule::kw_hit => kw("hit"),
        Rule::kw_first => kw("first"),
        Rule::kw_unique => kw("unique"),
        Rule::kw_collect => kw("collect"),
        Rule::kw_when => kw("when"),
        Rule::kw_otherwise => kw("otherwise"),
        Rule::kw_directory => kw("directory"),
        Rule::kw_key => kw("key"),
        Rule::kw_outcome => kw("outcome"),
        Rule::kw_require => kw("require"),
        Rule::kw_unless => kw("unless"),
        Rule::kw_cite => kw("cite"),
        Rule::kw_amount => kw("amount"),
        Rule::kw_example => kw("example"),
        Rule::kw_as_of => kw("as_of"),
        Rule::kw_given => kw("given"),
        Rule::kw_expect => kw("expect"),
        Rule::kw_error => kw("error"),
        Rule::kw_missing => kw("missing"),
        Rule::kw_value => kw("value"),
        Rule::kw_null => kw("null"),
        Rule::kw_and => kw("and"),
        Rule::kw_or => kw("or"),
        Rule::kw_not => kw("not"),
        Rule::kw_in => kw("in"),
        Rule::kw_within => kw("within"),
        Rule::kw_if => kw("if"),
        Rule::kw_then => kw("then"),
        Rule::kw_else => kw("else"),
        Rule::kw_true => kw("true"),
        Rule::kw_false => kw("false"),
        Rule::kw_where => kw("where"),
        Rule::duration_unit => w("a unit (`days`, `months`, `years`)"),
        _ => None,
    }
}
