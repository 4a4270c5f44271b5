//! `import "x.cla" as hnte` (R10): the names x declares are written `hnte.NAME` everywhere.
//!
//! Before checking, the declarations of a file imported under a name, and that file's own
//! references to them, are renamed `hnte.NAME`; in a file that imports it `as hnte`, a
//! reference written `hnte.NAME` (parsed as the field `NAME` of `hnte`, or as one dotted call
//! name `hnte.f(…)`) becomes the plain name `hnte.NAME`. The checker then sees one namespace
//! of plain names, and explanations show the qualified names. Inputs are never qualified:
//! the facts document is shared.

use std::collections::{HashMap, HashSet};

use clausula_dsl::ast::{self, Expr, ExprKind, Ident, Item, TypeExpr};
use clausula_dsl::{Diagnostic, FileId, Span};

use crate::codes;
use crate::load::{LoadedFile, resolve};

/// Aggregates: their arguments after the list (and every `where`) read the list's items.
const AGGREGATES: &[&str] = &["sum", "count", "any", "all", "min", "max"];

/// What renaming a file's expressions needs to know.
struct Names<'a> {
    /// Names to qualify (bare) → the qualified name; empty outside an aliased file.
    own: HashMap<String, String>,
    /// Import names visible in this file.
    aliases: HashSet<String>,
    /// Per list entity, the names that read an item inside an aggregate (its fields and
    /// per-item rules): never renamed there.
    item_names: &'a HashMap<String, HashSet<String>>,
}

/// Renames as described in the module comment. Diagnostics: a file imported under two
/// names (or under a name and without), two imports under one name, and `hnte.NAME` where
/// the file imported as `hnte` declares no `NAME`.
pub(crate) fn qualify(files: &mut [LoadedFile], diags: &mut Vec<Diagnostic>) {
    let index: HashMap<String, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.path.clone(), i))
        .collect();
    // alias_of[j]: the name file j is imported under, with where that import is written.
    let mut alias_of: Vec<Option<(String, FileId, Span)>> = vec![None; files.len()];
    let mut plain: Vec<Option<(FileId, Span)>> = vec![None; files.len()];
    let mut visible: Vec<HashMap<String, usize>> = vec![HashMap::new(); files.len()];
    for (i, f) in files.iter().enumerate() {
        for item in &f.ast.items {
            let Item::Import(imp) = item else { continue };
            let Some(j) = resolve(&f.path, &imp.path.value)
                .ok()
                .and_then(|p| index.get(&p).copied())
            else {
                continue;
            };
            match &imp.alias {
                Some(a) => {
                    if let Some(&other) = visible.get(i).and_then(|v| v.get(&a.name))
                        && other != j
                    {
                        diags.push(
                            Diagnostic::error(
                                codes::DUPLICATE_NAME,
                                a.span,
                                format!("two imports are named `{}`", a.name),
                            )
                            .in_file(f.id),
                        );
                        continue;
                    }
                    if let Some(v) = visible.get_mut(i) {
                        v.insert(a.name.clone(), j);
                    }
                    match alias_of.get(j).cloned().flatten() {
                        Some((first, f0, s0)) if first != a.name => diags.push(
                            Diagnostic::error(
                                codes::DUPLICATE_NAME,
                                a.span,
                                format!(
                                    "`{}` is imported as `{}` here and as `{first}` elsewhere",
                                    imp.path.value, a.name
                                ),
                            )
                            .in_file(f.id)
                            .with_label_in(f0, s0, "imported under this name")
                            .with_help(
                                "a file has one name: import it under the same name everywhere",
                            ),
                        ),
                        Some(_) => {}
                        None => {
                            if let Some(slot) = alias_of.get_mut(j) {
                                *slot = Some((a.name.clone(), f.id, a.span));
                            }
                        }
                    }
                }
                None => {
                    if let Some(slot) = plain.get_mut(j)
                        && slot.is_none()
                    {
                        *slot = Some((f.id, imp.span));
                    }
                }
            }
        }
    }
    for (j, (alias, plain)) in alias_of.iter().zip(&plain).enumerate() {
        if let (Some((a, f0, s0)), Some((f1, s1))) = (alias, plain) {
            let path = files.get(j).map_or("", |f| f.path.as_str());
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    *s1,
                    format!("`{path}` is imported here without a name, and as `{a}` elsewhere"),
                )
                .in_file(*f1)
                .with_label_in(*f0, *s0, "imported under this name")
                .with_help("a file has one name: import it under the same name everywhere"),
            );
        }
    }
    if alias_of.iter().all(Option::is_none) {
        return;
    }
    let declared: Vec<HashSet<String>> = files
        .iter()
        .zip(&alias_of)
        .map(|(f, a)| {
            if a.is_some() {
                declarations(&f.ast)
            } else {
                HashSet::new()
            }
        })
        .collect();
    let mut item_names: HashMap<String, HashSet<String>> = HashMap::new();
    for f in files.iter() {
        for item in &f.ast.items {
            match item {
                Item::Input(d) if d.is_list => item_names
                    .entry(d.name.name.clone())
                    .or_default()
                    .extend(d.fields.iter().map(|x| x.name.name.clone())),
                Item::Rule(r) => {
                    if let Some(l) = &r.list {
                        item_names
                            .entry(l.name.clone())
                            .or_default()
                            .insert(r.name.name.clone());
                    }
                }
                _ => {}
            }
        }
    }
    for (i, f) in files.iter_mut().enumerate() {
        let own: HashMap<String, String> = match alias_of.get(i).cloned().flatten() {
            Some((a, _, _)) => declared
                .get(i)
                .into_iter()
                .flatten()
                .map(|n| (n.clone(), format!("{a}.{n}")))
                .collect(),
            None => HashMap::new(),
        };
        let aliases: HashSet<String> = visible
            .get(i)
            .into_iter()
            .flatten()
            .map(|(a, _)| a.clone())
            .collect();
        if own.is_empty() && aliases.is_empty() {
            continue;
        }
        let names = Names {
            own,
            aliases,
            item_names: &item_names,
        };
        for item in &mut f.ast.items {
            rename_item(item, &names);
        }
    }
}

/// The names a file declares that an import name qualifies: rules (not per-item ones),
/// tables, functions, params, directories, enums and outcomes.
fn declarations(file: &ast::SourceFile) -> HashSet<String> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Rule(r) if r.list.is_none() => Some(r.name.name.clone()),
            Item::Table(t) => Some(t.name.name.clone()),
            Item::Param(p) => Some(p.name.name.clone()),
            Item::Directory(d) => Some(d.name.name.clone()),
            Item::Enum(e) => Some(e.name.name.clone()),
            Item::Outcome(o) => Some(o.name.name.clone()),
            _ => None,
        })
        .collect()
}

fn rename_ident(i: &mut Ident, names: &Names) {
    if let Some(q) = names.own.get(&i.name) {
        i.name = q.clone();
    }
}

fn rename_type(t: &mut TypeExpr, names: &Names) {
    if let TypeExpr::Named(i) = t {
        rename_ident(i, names);
    }
}

fn rename_item(item: &mut Item, names: &Names) {
    let none = HashSet::new();
    match item {
        Item::Rule(r) => {
            if r.list.is_none() {
                rename_ident(&mut r.name, names);
            }
            let params = fn_params(r.params.as_deref());
            for p in r.params.iter_mut().flatten() {
                rename_ident(&mut p.ty, names);
            }
            if let Some(t) = &mut r.ty {
                rename_type(t, names);
            }
            let list = r.list.as_ref().map(|l| l.name.clone());
            rename_expr(&mut r.value, names, &params, list.as_deref());
        }
        Item::Table(t) => {
            rename_ident(&mut t.name, names);
            let params = fn_params(t.params.as_deref());
            for p in t.params.iter_mut().flatten() {
                rename_ident(&mut p.ty, names);
            }
            let rows: Vec<&mut ast::TableRow> = match &mut t.body {
                ast::TableBody::Rows(rows) => rows.iter_mut().collect(),
                ast::TableBody::Versions(vs) => vs.iter_mut().flat_map(|v| &mut v.rows).collect(),
            };
            for row in rows {
                if let Some(c) = &mut row.condition {
                    rename_expr(c, names, &params, None);
                }
                rename_expr(&mut row.value, names, &params, None);
            }
        }
        Item::Param(p) => {
            rename_ident(&mut p.name, names);
            rename_type(&mut p.ty, names);
            for s in &mut p.steps {
                rename_expr(&mut s.value, names, &none, None);
            }
        }
        Item::Directory(d) => {
            rename_ident(&mut d.name, names);
            match &mut d.key_type {
                Some(t) => rename_type(t, names),
                // `key 规模` with 规模 an enum of this file: the column keeps its name, the
                // type is the qualified enum.
                None => {
                    if let Some(q) = names.own.get(&d.key.name) {
                        d.key_type = Some(TypeExpr::Named(Ident {
                            name: q.clone(),
                            span: d.key.span,
                        }));
                    }
                }
            }
            for c in &mut d.columns {
                rename_type(&mut c.ty, names);
            }
            for r in &mut d.rows {
                for c in &mut r.cells {
                    rename_expr(&mut c.value, names, &none, None);
                }
            }
        }
        Item::Enum(e) => rename_ident(&mut e.name, names),
        Item::Outcome(o) => {
            rename_ident(&mut o.name, names);
            for it in &mut o.items {
                match it {
                    ast::OutcomeItem::Require(r) | ast::OutcomeItem::Unless(r) => {
                        rename_expr(&mut r.condition, names, &none, None);
                        if let Some(g) = &mut r.guard {
                            rename_expr(g, names, &none, None);
                        }
                    }
                    ast::OutcomeItem::Amount(a) => {
                        rename_expr(&mut a.value, names, &none, None);
                    }
                }
            }
        }
        Item::Input(d) => {
            for f in &mut d.fields {
                rename_type(&mut f.ty, names);
                if let Some(x) = &mut f.default {
                    rename_expr(x, names, &none, None);
                }
            }
        }
        Item::Policy(_) | Item::Import(_) | Item::Example(_) => {}
    }
}

fn fn_params(params: Option<&[ast::FnParam]>) -> HashSet<String> {
    params
        .into_iter()
        .flatten()
        .map(|p| p.name.name.clone())
        .collect()
}

/// Renames inside one expression. `params` are a function's parameters (they shadow
/// declarations); `list` is the list whose items a per-item rule's body reads.
fn rename_expr(e: &mut Expr, names: &Names, params: &HashSet<String>, list: Option<&str>) {
    let mut stack: Vec<(&mut Expr, Option<&str>)> = vec![(e, list)];
    while let Some((e, list)) = stack.pop() {
        let shadowed = |n: &str| {
            params.contains(n)
                || list.is_some_and(|l| names.item_names.get(l).is_some_and(|s| s.contains(n)))
        };
        // `hnte.NAME` → the name `hnte.NAME`.
        if let ExprKind::Field(base, member) = &e.kind
            && let ExprKind::Name(a) = &base.kind
            && !shadowed(a)
            && names.aliases.contains(a)
        {
            // A name the file does not declare stays qualified too: the checker reports it
            // as unknown, with the file's names among its suggestions.
            e.kind = ExprKind::Name(format!("{a}.{}", member.name));
            continue;
        }
        if !matches!(e.kind, ExprKind::Name(_) | ExprKind::Call(..)) {
            stack.extend(e.children_mut().into_iter().map(|c| (c, list)));
            continue;
        }
        match &mut e.kind {
            ExprKind::Name(n) => {
                if !shadowed(n)
                    && let Some(q) = names.own.get(n.as_str())
                {
                    *n = q.clone();
                }
            }
            ExprKind::Call(name, args) => {
                if !shadowed(&name.name) {
                    rename_ident(name, names);
                }
                // An aggregate's arguments after the list, and its `where`, read items.
                let items = match args.first().map(|a| &a.value.kind) {
                    Some(ExprKind::Name(l))
                        if AGGREGATES.contains(&name.name.as_str())
                            && names.item_names.contains_key(l) =>
                    {
                        names.item_names.get_key_value(l).map(|(k, _)| k.as_str())
                    }
                    _ => None,
                };
                for (i, a) in args.iter_mut().enumerate() {
                    let value_scope = if i > 0 { items.or(list) } else { list };
                    stack.push((&mut a.value, value_scope));
                    if let Some(f) = &mut a.filter {
                        stack.push((f, items.or(list)));
                    }
                }
            }
            _ => {}
        }
    }
}
