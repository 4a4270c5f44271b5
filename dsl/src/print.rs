//! The canonical printer: AST to text. The formatter is this printer plus the comments.
//!
//! Layout rules: two-space indent, one blank line between declarations, one line per field,
//! row, step and requirement; lines longer than [`WIDTH`] columns are broken at fixed places
//! (before a requirement's message, after a rule's `=`, between `and`/`or` operands, between
//! the entries of example data). Parentheses are printed where precedence needs them, plus
//! around `and` inside `or`, comparisons inside comparisons and comparisons under `not`.

use unicode_width::UnicodeWidthStr;

use crate::ast::*;
use crate::literal::quote;
use crate::span::Span;

/// Preferred maximum line width, in display columns (CJK characters count two).
pub const WIDTH: usize = 100;
const INDENT: &str = "  ";

/// Prints a file in canonical form, without comments.
pub fn print(file: &SourceFile) -> String {
    stacker::maybe_grow(
        crate::parse::STACK_RED_ZONE,
        crate::parse::STACK_SEGMENT,
        || {
            let mut p = Printer::new(&[], "");
            p.file(file);
            p.finish()
        },
    )
}

/// Prints one expression in canonical form.
pub fn print_expr(e: &Expr) -> String {
    stacker::maybe_grow(
        crate::parse::STACK_RED_ZONE,
        crate::parse::STACK_SEGMENT,
        || expr(e, 0),
    )
}

/// Whether `name` can be written bare (an identifier that is not a reserved word).
pub fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first == '_' || unicode_ident::is_xid_start(first))
        && chars.all(|c| c == '_' || unicode_ident::is_xid_continue(c))
        && !RESERVED.contains(&name)
}

/// Words that cannot be names.
pub const RESERVED: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "within",
    "if",
    "then",
    "else",
    "true",
    "false",
    "as_of",
    "where",
    "otherwise",
];

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

pub(crate) struct Printer<'a> {
    out: String,
    comments: &'a [Comment],
    next_comment: usize,
    source: &'a str,
}

impl<'a> Printer<'a> {
    pub(crate) fn new(comments: &'a [Comment], source: &'a str) -> Printer<'a> {
        Printer {
            out: String::new(),
            comments,
            next_comment: 0,
            source,
        }
    }

    pub(crate) fn finish(mut self) -> String {
        self.flush_before(u32::MAX, 0);
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.out
    }

    /// Prints every comment that starts before `pos` on its own line.
    fn flush_before(&mut self, pos: u32, indent: usize) {
        while let Some(c) = self.comments.get(self.next_comment) {
            if c.span.start >= pos {
                break;
            }
            self.push_indent(indent);
            self.out.push_str(c.text.trim_end());
            self.out.push('\n');
            self.next_comment += 1;
        }
    }

    /// A comment on the same source line after `pos` (and before `limit`), if any.
    fn trailing_after(&mut self, pos: u32, limit: u32) -> Option<&'a str> {
        let c = self.comments.get(self.next_comment)?;
        if c.span.start < pos || c.span.start >= limit {
            return None;
        }
        let between = self.source.get(pos as usize..c.span.start as usize)?;
        if between.contains('\n') {
            return None;
        }
        self.next_comment += 1;
        Some(c.text.trim_end())
    }

    fn push_indent(&mut self, indent: usize) {
        for _ in 0..indent {
            self.out.push_str(INDENT);
        }
    }

    /// Writes one logical line (possibly several physical lines in `text`) for an element.
    fn line(&mut self, indent: usize, span: Span, text: &str) {
        self.flush_before(span.start, indent);
        let mut lines = text.split('\n').peekable();
        while let Some(l) = lines.next() {
            self.push_indent(indent);
            self.out.push_str(l);
            if lines.peek().is_some() {
                self.out.push('\n');
            }
        }
        if let Some(c) = self.trailing_after(span.end, u32::MAX) {
            self.out.push_str("  ");
            self.out.push_str(c);
        }
        self.out.push('\n');
    }

    /// Writes the opening line of a block (`… {`) for an element starting at `start`;
    /// `first_child` bounds which trailing comment belongs to this line.
    fn open(&mut self, indent: usize, start: u32, first_child: u32, text: &str) {
        self.flush_before(start, indent);
        self.push_indent(indent);
        self.out.push_str(text);
        if let Some(c) = self.trailing_after(start, first_child) {
            self.out.push_str("  ");
            self.out.push_str(c);
        }
        self.out.push('\n');
    }

    /// Closes a block that ends at `end`: comments left inside it go before the brace.
    fn close(&mut self, indent: usize, end: u32, text: &str) {
        self.flush_before(end, indent + 1);
        self.push_indent(indent);
        self.out.push_str(text);
        if let Some(c) = self.trailing_after(end, u32::MAX) {
            self.out.push_str("  ");
            self.out.push_str(c);
        }
        self.out.push('\n');
    }

    pub(crate) fn file(&mut self, file: &SourceFile) {
        // (previous item, whether it printed on one line)
        let mut prev: Option<(&Item, bool)> = None;
        for item in &file.items {
            if let Some((prev, prev_one_line)) = prev {
                // One-line rules (and imports) the author grouped stay grouped; everything
                // else is separated by a blank line.
                let groupable = prev_one_line
                    && matches!(
                        (prev, item),
                        (Item::Import(_), Item::Import(_)) | (Item::Rule(_), Item::Rule(_))
                    );
                let keep_together = groupable
                    && (matches!(item, Item::Import(_))
                        || !self.blank_line_between(prev.span().end, item.span().start));
                if !keep_together {
                    self.out.push('\n');
                }
            }
            let before = self.out.len();
            self.item(item);
            let one_line = self
                .out
                .get(before..)
                .is_some_and(|t| t.trim_end().lines().count() <= 1);
            prev = Some((item, one_line));
        }
    }

    /// Whether the source has an empty line between two positions (true without a source).
    fn blank_line_between(&self, a: u32, b: u32) -> bool {
        match self.source.get(a as usize..b as usize) {
            Some(between) if !self.source.is_empty() => {
                let lines: Vec<&str> = between.split('\n').collect();
                // Whole lines strictly between the two items.
                let inner = lines.get(1..lines.len().saturating_sub(1)).unwrap_or(&[]);
                inner.iter().any(|l| l.trim().is_empty())
            }
            _ => true,
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Policy(d) => self.policy(d),
            Item::Import(d) => {
                let mut t = format!("import {}", quote(&d.path.value));
                if let Some(a) = &d.alias {
                    t.push_str(&format!(" as {}", a.name));
                }
                self.line(0, d.span, &t)
            }
            Item::Input(d) => self.input(d),
            Item::Param(d) => self.param(d),
            Item::Rule(d) => self.rule(d),
            Item::Table(d) => self.table(d),
            Item::Directory(d) => self.directory(d),
            Item::Outcome(d) => self.outcome(d),
            Item::Example(d) => self.example(d),
            Item::Enum(d) => {
                let mut head = format!("enum {}", d.name.name);
                push_label(&mut head, d.label.as_ref());
                let t = type_expr(
                    &TypeExpr::Enum {
                        variants: d.variants.clone(),
                        span: d.span,
                    },
                    0,
                );
                // `enum { … }` without its keyword, after the head.
                let body = t.strip_prefix("enum ").unwrap_or(&t);
                self.line(0, d.span, &format!("{head} {body}"));
            }
        }
    }

    fn policy(&mut self, d: &PolicyDecl) {
        let mut head = format!("policy {}", d.name.name);
        push_label(&mut head, d.title.as_ref());
        // A comment on the header's line is its trailing comment, whether or not a clause
        // follows (a header alone ends before the comment: found by fuzzing `roundtrip`).
        let next = d
            .source
            .as_ref()
            .map(|s| s.span.start)
            .or(d.effective.as_ref().map(|e| e.span.start))
            .unwrap_or(u32::MAX);
        self.open(0, d.span.start, next, &head);
        if let Some(s) = &d.source {
            self.line(1, s.span, &format!("source {}", quote(&s.value)));
        }
        if let Some(e) = &d.effective {
            let mut t = format!("effective {}", e.from.value);
            if let Some(to) = &e.to {
                t.push_str(&format!("..{}", to.value));
            }
            self.line(1, e.span, &t);
        }
    }

    fn input(&mut self, d: &InputDecl) {
        let mut head = format!("input {}{}", d.name.name, if d.is_list { "[]" } else { "" });
        push_label(&mut head, d.label.as_ref());
        head.push_str(" {");
        if d.fields.is_empty() {
            head.push('}');
            self.line(0, d.span, &head);
            return;
        }
        let first = d.fields.first().map_or(d.span.end, |f| f.span.start);
        self.open(0, d.span.start, first, &head);
        for f in &d.fields {
            let mut t = format!("{}: {}", f.name.name, type_expr(&f.ty, 1));
            if let Some(r) = &f.range {
                t.push_str(&format!(" in {}", r.text));
            }
            if let Some(def) = &f.default {
                t.push_str(&format!(" = {}", expr(def, 0)));
            }
            push_label(&mut t, f.label.as_ref());
            self.line(1, f.span, &t);
        }
        self.close(0, d.span.end, "}");
    }

    fn param(&mut self, d: &ParamDecl) {
        let mut head = format!("param {}", d.name.name);
        push_label(&mut head, d.label.as_ref());
        head.push_str(&format!(": {}", type_expr(&d.ty, 0)));
        let first = d.steps.first().map_or(d.span.end, |s| s.span.start);
        self.open(0, d.span.start, first, &head);
        for s in &d.steps {
            let mut t = format!("from {} = {}", s.from.value, expr(&s.value, 0));
            if let Some(c) = &s.cite {
                t.push_str(&format!(" cite {}", quote(&c.value)));
            }
            self.line(1, s.span, &t);
        }
    }

    fn rule(&mut self, d: &RuleDecl) {
        let mut head = String::from("rule ");
        if let Some(l) = &d.list {
            head.push_str(&l.name);
            head.push('.');
        }
        head.push_str(&d.name.name);
        push_params(&mut head, d.params.as_deref());
        push_label(&mut head, d.label.as_ref());
        if let Some(t) = &d.ty {
            head.push_str(&format!(": {}", type_expr(t, 0)));
        }
        head.push_str(" =");
        self.line(0, d.span, &declaration(&head, &d.value, 0));
    }

    fn table(&mut self, d: &TableDecl) {
        let mut head = format!("table {}", d.name.name);
        push_params(&mut head, d.params.as_deref());
        push_label(&mut head, d.label.as_ref());
        head.push_str(match d.hit {
            HitPolicy::First => " hit first",
            HitPolicy::Unique => " hit unique",
            HitPolicy::Collect(_) => " hit collect",
        });
        if let HitPolicy::Collect(agg) = d.hit {
            head.push(' ');
            head.push_str(agg.as_str());
        }
        head.push_str(" {");
        match &d.body {
            TableBody::Rows(rows) => {
                let first = rows.first().map_or(d.span.end, |r| r.span.start);
                self.open(0, d.span.start, first, &head);
                self.rows(1, rows);
            }
            TableBody::Versions(versions) => {
                let first = versions.first().map_or(d.span.end, |v| v.span.start);
                self.open(0, d.span.start, first, &head);
                for v in versions {
                    let mut t = format!("from {}", v.from.value);
                    if let Some(c) = &v.cite {
                        t.push_str(&format!(" cite {}", quote(&c.value)));
                    }
                    t.push_str(" {");
                    let first = v.rows.first().map_or(v.span.end, |r| r.span.start);
                    self.open(1, v.span.start, first, &t);
                    self.rows(2, &v.rows);
                    self.close(1, v.span.end, "}");
                }
            }
        }
        self.close(0, d.span.end, "}");
    }

    fn rows(&mut self, indent: usize, rows: &[TableRow]) {
        let base = 2 * indent;
        let cont = base + CONTINUATION;
        for r in rows {
            let t = match &r.condition {
                Some(c) => {
                    let cond = layout(c, 0, base + 5, cont, base);
                    let at = end_col(&cond, base + 5, base) + 4;
                    format!("when {cond} => {}", layout(&r.value, 0, at, cont, base))
                }
                None => format!(
                    "otherwise => {}",
                    layout(&r.value, 0, base + 13, cont, base)
                ),
            };
            self.line(indent, r.span, &t);
        }
    }

    fn directory(&mut self, d: &DirectoryDecl) {
        let mut head = format!("directory {}", d.name.name);
        push_label(&mut head, d.label.as_ref());
        head.push_str(&format!(" key {}", d.key.name));
        if let Some(t) = &d.key_type {
            head.push_str(&format!(": {}", type_expr(t, 1)));
        }
        if let Some(s) = &d.source {
            head.push_str(&format!(" from {}", quote(&s.value)));
        }
        head.push_str(" {");
        if d.columns.is_empty() && d.rows.is_empty() {
            head.push('}');
            self.line(0, d.span, &head);
            return;
        }
        let first = d
            .columns
            .first()
            .map(|c| c.span.start)
            .or(d.rows.first().map(|r| r.span.start))
            .unwrap_or(d.span.end);
        self.open(0, d.span.start, first, &head);
        let cols: Vec<String> = d
            .columns
            .iter()
            .map(|c| {
                let mut t = format!("{}: {}", c.name.name, type_expr(&c.ty, 1));
                push_label(&mut t, c.label.as_ref());
                t
            })
            .collect();
        if !cols.is_empty() {
            let joined = cols.join(", ");
            let has_inner_comment = d.columns.len() > 1
                && self.comment_within(
                    d.columns.first().map_or(0, |c| c.span.start),
                    d.columns.last().map_or(0, |c| c.span.start),
                );
            if width(&joined) + 2 <= WIDTH && !has_inner_comment {
                let span = d.columns.first().map(|c| c.span).unwrap_or_default().to(d
                    .columns
                    .last()
                    .map(|c| c.span)
                    .unwrap_or_default());
                self.line(1, span, &joined);
            } else {
                let n = cols.len();
                for (i, (c, t)) in d.columns.iter().zip(cols).enumerate() {
                    let sep = if i + 1 < n { "," } else { "" };
                    self.line(1, c.span, &format!("{t}{sep}"));
                }
            }
        }
        for r in &d.rows {
            let cells: Vec<String> = r
                .cells
                .iter()
                .map(|c| format!("{} = {}", c.column.name, expr(&c.value, 0)))
                .collect();
            let key = if r.bare {
                r.key.value.clone()
            } else {
                quote(&r.key.value)
            };
            let t = if cells.is_empty() {
                format!("{key} {{}}")
            } else {
                format!("{key} {{ {} }}", cells.join(", "))
            };
            self.line(1, r.span, &t);
        }
        self.close(0, d.span.end, "}");
    }

    fn comment_within(&self, start: u32, end: u32) -> bool {
        self.comments
            .get(self.next_comment..)
            .unwrap_or(&[])
            .iter()
            .any(|c| c.span.start > start && c.span.start < end)
    }

    fn outcome(&mut self, d: &OutcomeDecl) {
        let mut head = format!("outcome {}", d.name.name);
        push_label(&mut head, d.label.as_ref());
        head.push_str(" {");
        if d.items.is_empty() {
            head.push('}');
            self.line(0, d.span, &head);
            return;
        }
        let first = d.items.first().map_or(d.span.end, outcome_item_start);
        self.open(0, d.span.start, first, &head);
        for item in &d.items {
            match item {
                OutcomeItem::Require(r) => self.requirement(1, "require", r),
                OutcomeItem::Unless(r) => self.requirement(1, "unless", r),
                OutcomeItem::Amount(a) => {
                    let mut head = format!("amount {}", a.name.name);
                    push_label(&mut head, a.label.as_ref());
                    head.push_str(" =");
                    self.line(1, a.span, &declaration(&head, &a.value, 2));
                }
            }
        }
        self.close(0, d.span.end, "}");
    }

    fn requirement(&mut self, indent: usize, kw: &str, r: &Requirement) {
        let base = 2 * indent;
        let cont = base + CONTINUATION;
        let mut cond = format!(
            "{kw} {}",
            layout(&r.condition, 0, base + width(kw) + 1, cont, base)
        );
        if let Some(g) = &r.guard {
            let at = end_col(&cond, base, base) + 6;
            cond.push_str(&format!(" when {}", layout(g, 0, at, cont, base)));
        }
        let mut tail = quote(&r.message.value);
        if let Some(c) = &r.cite {
            tail.push_str(&format!(" cite {}", quote(&c.value)));
        }
        if let Some(id) = &r.id {
            tail.push_str(&format!(" as {}", id.name));
        }
        if end_col(&cond, base, base) + 1 + width(&tail) <= WIDTH {
            self.line(indent, r.span, &format!("{cond} {tail}"));
        } else {
            let pad = " ".repeat(CONTINUATION);
            self.line(indent, r.span, &format!("{cond}\n{pad}{tail}"));
        }
    }

    fn example(&mut self, d: &ExampleDecl) {
        let head = format!(
            "example {} as_of {} {{",
            quote(&d.name.value),
            d.as_of.value
        );
        self.open(0, d.span.start, d.given.span().start, &head);
        match &d.given {
            DataValue::Object(entries, span) if !entries.is_empty() => {
                let first = entries.first().map_or(span.end, |(k, _)| k.span.start);
                self.open(1, span.start, first, "given {");
                let n = entries.len();
                for (i, (k, v)) in entries.iter().enumerate() {
                    let sep = if i + 1 < n { "," } else { "" };
                    let key = data_key(&k.value);
                    let text = data(v, 2, key.len() + 2);
                    self.line(2, k.span.to(v.span()), &format!("{key}: {text}{sep}"));
                }
                self.close(1, span.end, "}");
            }
            other => {
                let t = format!("given {}", data(other, 1, 6));
                self.line(1, other.span(), &t);
            }
        }
        for e in &d.expects {
            match e {
                Expectation::Error { code, span } => {
                    self.line(1, *span, &format!("expect error {}", quote(&code.value)));
                }
                Expectation::Outcome {
                    outcome,
                    status,
                    amounts,
                    amount_errors,
                    values,
                    missing,
                    span,
                } => {
                    // Units that stay on one line; a line too long breaks between them,
                    // continuation lines indented four more (R18).
                    let mut units = vec![format!("expect {} {}", outcome.name, status.as_str())];
                    for (name, value) in amounts {
                        units.push(format!("{} = {}", name.name, value.text));
                    }
                    for (name, code) in amount_errors {
                        units.push(format!("{} error {}", name.name, quote(&code.value)));
                    }
                    for (key, value) in values {
                        units.push(format!(
                            "value {} = {}",
                            data_key(&key.value),
                            data_inline(value)
                        ));
                    }
                    if let Some(m) = missing {
                        let n = m.len();
                        if n == 0 {
                            units.push("missing []".to_string());
                        }
                        for (i, s) in m.iter().enumerate() {
                            let open = if i == 0 { "missing [" } else { "" };
                            let close = if i + 1 == n { "]" } else { "," };
                            units.push(format!("{open}{}{close}", quote(&s.value)));
                        }
                    }
                    self.line(1, *span, &fill(&units, 2, 2 + CONTINUATION, 2));
                }
            }
        }
        self.close(0, d.span.end, "}");
    }
}

fn outcome_item_start(i: &OutcomeItem) -> u32 {
    match i {
        OutcomeItem::Require(r) | OutcomeItem::Unless(r) => r.span.start,
        OutcomeItem::Amount(a) => a.span.start,
    }
}

/// A function's parameters: `(y1: money, y2: money)`.
fn push_params(out: &mut String, params: Option<&[FnParam]>) {
    if let Some(ps) = params {
        let items: Vec<String> = ps
            .iter()
            .map(|p| format!("{}: {}", p.name.name, p.ty.name))
            .collect();
        out.push('(');
        out.push_str(&items.join(", "));
        out.push(')');
    }
}

fn push_label(out: &mut String, label: Option<&StrLit>) {
    if let Some(l) = label {
        out.push(' ');
        out.push_str(&quote(&l.value));
    }
}

fn type_expr(t: &TypeExpr, indent: usize) -> String {
    match t {
        TypeExpr::Named(i) => i.name.clone(),
        TypeExpr::Enum { variants, .. } => {
            let items: Vec<String> = variants
                .iter()
                .map(|v| {
                    let mut s = v.name.name.clone();
                    push_label(&mut s, v.label.as_ref());
                    s
                })
                .collect();
            let inline = format!("enum {{ {} }}", items.join(", "));
            if width(&inline) + 2 * indent + 20 <= WIDTH {
                inline
            } else {
                let body: Vec<String> = items.iter().map(|i| format!("{INDENT}{i},")).collect();
                format!("enum {{\n{}\n}}", body.join("\n"))
            }
        }
    }
}

fn data_key(key: &str) -> String {
    if is_plain_ident(key) {
        key.to_string()
    } else {
        quote(key)
    }
}

/// Prints example data; objects and arrays break one entry per line when too wide.
/// `indent` is the indent of the line the value starts on, `used` the columns before it.
fn data(v: &DataValue, indent: usize, used: usize) -> String {
    let inline = data_inline(v);
    if width(&inline) + used + 2 * indent <= WIDTH {
        return inline;
    }
    let pad = INDENT;
    match v {
        DataValue::Object(entries, _) if !entries.is_empty() => {
            let n = entries.len();
            let lines: Vec<String> = entries
                .iter()
                .enumerate()
                .map(|(i, (k, v))| {
                    let key = data_key(&k.value);
                    let sep = if i + 1 < n { "," } else { "" };
                    let inner = data(v, indent + 1, key.len() + 2);
                    format!("{pad}{key}: {}{sep}", indent_rest(&inner))
                })
                .collect();
            format!("{{\n{}\n}}", lines.join("\n"))
        }
        DataValue::Array(items, _) if !items.is_empty() => {
            let n = items.len();
            let lines: Vec<String> = items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let sep = if i + 1 < n { "," } else { "" };
                    format!("{pad}{}{sep}", indent_rest(&data(v, indent + 1, 0)))
                })
                .collect();
            format!("[\n{}\n]", lines.join("\n"))
        }
        _ => inline,
    }
}

/// Indents every line but the first by one level (for nesting multi-line values).
fn indent_rest(s: &str) -> String {
    s.replace('\n', &format!("\n{INDENT}"))
}

fn data_inline(v: &DataValue) -> String {
    match v {
        DataValue::Null(_) => "null".to_string(),
        DataValue::Bool(b, _) => b.to_string(),
        DataValue::Number(n) => n.text.clone(),
        DataValue::Str(s) => quote(&s.value),
        DataValue::Date(d) => d.value.to_string(),
        DataValue::Array(items, _) => {
            let parts: Vec<String> = items.iter().map(data_inline).collect();
            format!("[{}]", parts.join(", "))
        }
        DataValue::Object(entries, _) => {
            if entries.is_empty() {
                return "{}".to_string();
            }
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", data_key(&k.value), data_inline(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

/// `units` joined by spaces, starting at column `col`, a new line (at column `cont`) before
/// a unit that would pass [`WIDTH`].
fn fill(units: &[String], col: usize, cont: usize, base: usize) -> String {
    let pad = " ".repeat(cont.saturating_sub(base));
    let mut out = String::new();
    let mut at = col;
    for (i, u) in units.iter().enumerate() {
        if i == 0 {
            out.push_str(u);
            at += width(u);
        } else if at + 1 + width(u) <= WIDTH {
            out.push(' ');
            out.push_str(u);
            at += 1 + width(u);
        } else {
            out.push('\n');
            out.push_str(&pad);
            out.push_str(u);
            at = cont + width(u);
        }
    }
    out
}

/// `head` (`rule x "label" =`) and its expression, on one line when it fits; else the
/// expression continues the head line or starts on the next, whichever takes fewer lines
/// (the next on a tie: a first operand is then not broken after the `=`).
fn declaration(head: &str, e: &Expr, base: usize) -> String {
    let col = base + width(head) + 1;
    let same = format!("{head} {}", layout(e, 0, col, base + CONTINUATION, base));
    if !same.contains('\n') {
        return same;
    }
    let cont = base + CONTINUATION;
    let pad = " ".repeat(CONTINUATION);
    let next = format!("{head}\n{pad}{}", layout(e, 0, cont, cont, base));
    if next.lines().count() <= same.lines().count() {
        next
    } else {
        same
    }
}

/// How much further continuation lines are indented than the line they continue (R18).
const CONTINUATION: usize = 4;

/// The column after the last character of `text`, which starts at column `col` (its
/// continuation lines start at column `base` plus their own padding).
fn end_col(text: &str, col: usize, base: usize) -> usize {
    match text.rsplit_once('\n') {
        Some((_, last)) => base + width(last),
        None => col + width(text),
    }
}

/// Prints `e` starting at column `col`, breaking it where it would pass [`WIDTH`] (R18):
/// before `or` first, then before `and`, then before `+`/`-`, filling each line, with
/// continuation lines starting at column `cont` (`base` is the indent the caller adds to
/// every line). An expression that fits stays on one line.
fn layout(e: &Expr, min: u8, col: usize, cont: usize, base: usize) -> String {
    stacker::maybe_grow(64 * 1024, 1024 * 1024, || {
        layout_inner(e, min, col, cont, base)
    })
}

fn layout_inner(e: &Expr, min: u8, col: usize, cont: usize, base: usize) -> String {
    let flat = expr(e, min);
    if col + width(&flat) <= WIDTH {
        return flat;
    }
    if let ExprKind::If(..) = &e.kind {
        // `if … then …` and each `else if …`/`else …` on its own line.
        let parens = min > 0;
        let start = if parens { col + 1 } else { col };
        let pad = " ".repeat(cont.saturating_sub(base));
        let mut out = String::new();
        let mut cur = e;
        let mut at = start;
        let mut first = true;
        loop {
            match &cur.kind {
                ExprKind::If(c, a, b) => {
                    let kw = if first { "if " } else { "else if " };
                    if !first {
                        out.push('\n');
                        out.push_str(&pad);
                        at = cont;
                    }
                    first = false;
                    out.push_str(kw);
                    at += width(kw);
                    let ct = layout(c, 0, at, cont + CONTINUATION, base);
                    at = end_col(&ct, at, base) + 6;
                    out.push_str(&ct);
                    out.push_str(" then ");
                    let at_ = at;
                    let vt = layout(a, 0, at_, cont + CONTINUATION, base);
                    out.push_str(&vt);
                    cur = b;
                }
                _ => {
                    out.push('\n');
                    out.push_str(&pad);
                    out.push_str("else ");
                    out.push_str(&layout(cur, 0, cont + 5, cont + CONTINUATION, base));
                    break;
                }
            }
        }
        return if parens { format!("({out})") } else { out };
    }
    match &e.kind {
        ExprKind::Call(name, args) if !args.is_empty() => {
            let items: Vec<Part<'_>> = args
                .iter()
                .map(|a| Part {
                    flat: match &a.filter {
                        Some(f) => format!("{} where {}", expr(&a.value, 0), expr(f, 0)),
                        None => expr(&a.value, 0),
                    },
                    value: &a.value,
                    filter: a.filter.as_ref(),
                })
                .collect();
            return items_layout(&format!("{}(", name.name), &items, ")", col, cont, base);
        }
        ExprKind::List(xs) if !xs.is_empty() => {
            let items: Vec<Part<'_>> = xs
                .iter()
                .map(|x| Part {
                    flat: expr(x, 0),
                    value: x,
                    filter: None,
                })
                .collect();
            return items_layout("[", &items, "]", col, cont, base);
        }
        _ => {}
    }
    let ExprKind::Binary(op, l, r) = &e.kind else {
        return flat;
    };
    if *op == BinaryOp::Range {
        return flat;
    }
    let p = op.precedence();
    let parens = p < min;
    let start = if parens { col + 1 } else { col };
    let text = if matches!(
        op,
        BinaryOp::Or | BinaryOp::And | BinaryOp::Add | BinaryOp::Sub
    ) {
        let mut operands: Vec<(Option<BinaryOp>, &Expr)> = Vec::new();
        chain(e, *op, &mut operands);
        // As `expr` prints them: `and` inside `or` gets parentheses.
        let omin = if *op == BinaryOp::Or { 3 } else { p + 1 };
        let pad = " ".repeat(cont.saturating_sub(base));
        let mut out = String::new();
        let mut at = start;
        for (o, x) in operands {
            match o {
                None => {
                    let t = layout(x, omin, at, cont + CONTINUATION, base);
                    at = end_col(&t, at, base);
                    out.push_str(&t);
                }
                Some(o) => {
                    let piece = format!(" {} {}", o.as_str(), expr(x, omin));
                    if at + width(&piece) <= WIDTH {
                        at += width(&piece);
                        out.push_str(&piece);
                    } else {
                        out.push('\n');
                        out.push_str(&pad);
                        out.push_str(o.as_str());
                        out.push(' ');
                        let from = cont + width(o.as_str()) + 1;
                        let t = layout(x, omin, from, cont + CONTINUATION, base);
                        at = end_col(&t, from, base);
                        out.push_str(&t);
                    }
                }
            }
        }
        out
    } else {
        // Not an operator to break before: lay out its operands.
        let (lmin, rmin) = if op.is_comparison() {
            (p + 1, p + 1)
        } else {
            (p, p + 1)
        };
        let lt = layout(l, lmin, start, cont, base);
        let at = end_col(&lt, start, base) + width(op.as_str()) + 2;
        let rt = layout(r, rmin, at, cont, base);
        format!("{lt} {} {rt}", op.as_str())
    };
    if parens { format!("({text})") } else { text }
}

/// An argument of a call or an item of a list, flat and as an expression.
struct Part<'e> {
    flat: String,
    value: &'e Expr,
    filter: Option<&'e Expr>,
}

/// `open` (`max(`, `[`), then the items separated by `, ` filling each line, a new line (at
/// column `cont`) before an item that would pass [`WIDTH`], and `close` after the last; an
/// item too long for a line of its own is laid out in turn.
fn items_layout(
    open: &str,
    items: &[Part<'_>],
    close: &str,
    col: usize,
    cont: usize,
    base: usize,
) -> String {
    let pad = " ".repeat(cont.saturating_sub(base));
    let mut out = open.to_string();
    let mut at = col + width(open);
    for (i, it) in items.iter().enumerate() {
        let sep = if i + 1 < items.len() { "," } else { close };
        let piece = format!("{}{sep}", it.flat);
        if i > 0 {
            if at + 1 + width(&piece) <= WIDTH {
                out.push(' ');
                out.push_str(&piece);
                at += 1 + width(&piece);
                continue;
            }
            out.push('\n');
            out.push_str(&pad);
            at = cont;
        } else if at + width(&piece) > WIDTH && at > cont && cont + width(&piece) <= WIDTH {
            // The first item fits on a line of its own: break after the bracket.
            out.push('\n');
            out.push_str(&pad);
            at = cont;
        }
        if at + width(&piece) <= WIDTH {
            out.push_str(&piece);
            at += width(&piece);
            continue;
        }
        let mut t = layout(it.value, 0, at, cont + CONTINUATION, base);
        if let Some(f) = it.filter {
            let from = end_col(&t, at, base) + width(" where ");
            t.push_str(" where ");
            t.push_str(&layout(f, 0, from, cont + CONTINUATION, base));
        }
        at = end_col(&t, at, base) + width(sep);
        out.push_str(&t);
        out.push_str(sep);
    }
    out
}

/// The operands of a chain of `op` (for `+` and `-`, of both), each with the operator
/// before it: `a - b + c` is `[a, - b, + c]`.
fn chain<'e>(e: &'e Expr, op: BinaryOp, out: &mut Vec<(Option<BinaryOp>, &'e Expr)>) {
    let same = |o: BinaryOp| match op {
        BinaryOp::Add | BinaryOp::Sub => matches!(o, BinaryOp::Add | BinaryOp::Sub),
        _ => o == op,
    };
    // Left-leaning: walk down the left spine, then read it back.
    let mut spine = Vec::new();
    let mut cur = e;
    while let ExprKind::Binary(o, l, r) = &cur.kind {
        if !same(*o) {
            break;
        }
        spine.push((*o, r.as_ref()));
        cur = l;
    }
    out.push((None, cur));
    for (o, r) in spine.into_iter().rev() {
        out.push((Some(o), r));
    }
}

const POSTFIX_PRECEDENCE: u8 = 9;

/// The base of `.field` or `[index]`; a number literal needs parentheses (`(5).x`).
fn postfix_base(base: &Expr) -> String {
    match base.kind {
        ExprKind::Number(_) => format!("({})", expr(base, 0)),
        _ => expr(base, POSTFIX_PRECEDENCE),
    }
}

/// Prints `e` so that it parses back to the same tree when it appears where an operand of
/// binding power at least `min` is expected.
fn expr(e: &Expr, min: u8) -> String {
    let (text, prec) = match &e.kind {
        ExprKind::Number(n) => (n.text.clone(), u8::MAX),
        ExprKind::Str(s) => (quote(s), u8::MAX),
        ExprKind::Bool(b) => (b.to_string(), u8::MAX),
        ExprKind::Date(d) => (d.to_string(), u8::MAX),
        ExprKind::Duration(d) => (format!("{} {}", d.count, d.unit.as_str()), u8::MAX),
        ExprKind::AsOf => ("as_of".to_string(), u8::MAX),
        ExprKind::Name(n) => (n.clone(), u8::MAX),
        ExprKind::Field(base, f) => (
            format!("{}.{}", postfix_base(base), f.name),
            POSTFIX_PRECEDENCE,
        ),
        ExprKind::Index(base, i) => (
            format!("{}[{}]", postfix_base(base), expr(i, 0)),
            POSTFIX_PRECEDENCE,
        ),
        ExprKind::Unary(UnaryOp::Not, x) => {
            // Clarity: `not (a == b)` rather than `not a == b`.
            (format!("not {}", expr(x, 5)), NOT_PRECEDENCE)
        }
        ExprKind::Unary(UnaryOp::Neg, x) => {
            (format!("-{}", expr(x, NEG_PRECEDENCE)), NEG_PRECEDENCE)
        }
        ExprKind::Binary(op, l, r) => {
            let p = op.precedence();
            let (lmin, rmin) = match op {
                // `and` inside `or` always gets parentheses; a left `or` chain stays bare.
                BinaryOp::Or if matches!(l.kind, ExprKind::Binary(BinaryOp::Or, ..)) => (1, 3),
                BinaryOp::Or => (3, 3),
                // Comparisons never chain bare, nor do ranges.
                _ if op.is_comparison() || *op == BinaryOp::Range => (p + 1, p + 1),
                _ => (p, p + 1),
            };
            let text = if *op == BinaryOp::Range {
                // `..` followed by a string reads as an open range before a label.
                let right = expr(r, rmin);
                let right = if right.starts_with('"') {
                    format!("({})", expr(r, 0))
                } else {
                    right
                };
                format!("{}..{}", expr(l, lmin), right)
            } else {
                format!("{} {} {}", expr(l, lmin), op.as_str(), expr(r, rmin))
            };
            (text, p)
        }
        ExprKind::If(c, a, b) => (
            format!("if {} then {} else {}", expr(c, 0), expr(a, 0), expr(b, 0)),
            0,
        ),
        ExprKind::Call(name, args) => {
            let parts: Vec<String> = args
                .iter()
                .map(|a| match &a.filter {
                    Some(f) => format!("{} where {}", expr(&a.value, 0), expr(f, 0)),
                    None => expr(&a.value, 0),
                })
                .collect();
            (format!("{}({})", name.name, parts.join(", ")), u8::MAX)
        }
        ExprKind::List(items) => {
            let parts: Vec<String> = items.iter().map(|i| expr(i, 0)).collect();
            (format!("[{}]", parts.join(", ")), u8::MAX)
        }
    };
    if prec < min {
        format!("({text})")
    } else {
        text
    }
}
