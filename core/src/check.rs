//! Checking: name resolution across imports, type checking, cycles, table analysis.
//!
//! Runs in phases so that every error of a file is reported at once:
//! 1. collect declarations of every file into one namespace (duplicates reported);
//! 2. resolve the inputs' types and enums;
//! 3. find what each rule and table refers to, report cycles, order them (`deps`);
//! 4. type-check rules and tables in that order (`expr`), analyse table rows (`tables`);
//! 5. check parameters, defaults, directories (`directory`), outcomes and examples.

mod deps;
mod directory;
mod examples;
mod expr;
mod functions;
mod namespace;
mod tables;

use std::collections::HashMap;

use clausula_dsl::ast::{self, Item, TypeExpr};
use clausula_dsl::{Diagnostic, FileId, Span};

use crate::codes;
use crate::ir::*;
use crate::load::{Loaded, SourceLoader};
use crate::types::Type;
use crate::value::{Const, days_from_date};

pub(crate) use examples::{Example, Expect};

/// Most rules, tables and outcomes in one policy.
pub(crate) const MAX_DECLARATIONS: usize = 100_000;

/// A global name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sym {
    Entity(EntityId),
    Rule(RuleId),
    Param(ParamId),
    Table(TableId),
    Dir(DirId),
    /// A rule or table with parameters (R6), by index into `Env::functions`.
    Function(u32),
    /// A named enum (R8).
    Enum(crate::types::EnumId),
}

/// What names mean while checking expressions.
pub(crate) struct Env {
    pub(crate) globals: HashMap<String, Sym>,
    pub(crate) entities: Vec<Entity>,
    pub(crate) enums: Vec<EnumDef>,
    pub(crate) item_rules: HashMap<(EntityId, String), RuleId>,
    /// Type of each rule once checked (`Error` before, or when it is in a cycle).
    pub(crate) rule_types: Vec<Type>,
    pub(crate) rule_scopes: Vec<Scope>,
    pub(crate) param_types: Vec<Type>,
    pub(crate) table_types: Vec<Type>,
    pub(crate) directories: Vec<DirectoryDef>,
    /// Outcomes by name (the first of a name), for `eligible(o)` and messages.
    pub(crate) outcome_ids: HashMap<String, OutcomeId>,
    /// What messages about unknown names consult, built on first use (once per check,
    /// however many unknown names there are).
    pub(crate) lookups: std::cell::OnceCell<Lookups>,
    /// Each outcome's amounts as written (name, file, expression), for `o.a` (R9).
    pub(crate) outcome_amounts: Vec<Vec<(String, FileId, ast::Expr)>>,
    /// The type of each `o.a` once worked out; `None` while it is (a cycle, reported by
    /// the dependency search, reads as an error type).
    pub(crate) amount_types: std::cell::RefCell<HashMap<(OutcomeId, u32), Option<Type>>>,
    /// Declared functions (R6).
    pub(crate) functions: Vec<functions::FunctionDef>,
    /// The windows of imported policies (R10): each name an imported policy with an
    /// `effective` window declares → that window (days).
    pub(crate) windows: HashMap<String, (Option<i32>, Option<i32>)>,
    /// The instances of function calls made while checking.
    pub(crate) instances: functions::SharedInstances,
}

/// Name tables for messages: sorted global names (the did-you-mean candidates), which
/// enum a value name belongs to, which entity a field name belongs to.
pub(crate) struct Lookups {
    pub(crate) globals: Vec<String>,
    pub(crate) enum_of_value: HashMap<String, String>,
    pub(crate) entity_of_field: HashMap<String, String>,
}

impl Env {
    pub(crate) fn lookups(&self) -> &Lookups {
        self.lookups.get_or_init(|| {
            let mut globals: Vec<String> = self.globals.keys().cloned().collect();
            globals.sort();
            let mut enum_of_value = HashMap::new();
            for en in &self.enums {
                for (v, _) in &en.variants {
                    enum_of_value
                        .entry(v.clone())
                        .or_insert_with(|| en.name.clone());
                }
            }
            let mut entity_of_field = HashMap::new();
            for en in self.entities.iter().filter(|e| !e.is_list) {
                for f in &en.fields {
                    entity_of_field
                        .entry(f.name.clone())
                        .or_insert_with(|| en.name.clone());
                }
            }
            Lookups {
                globals,
                enum_of_value,
                entity_of_field,
            }
        })
    }

    pub(crate) fn field_index(&self, entity: EntityId, name: &str) -> Option<u32> {
        let e = self.entities.get(entity as usize)?;
        e.fields
            .iter()
            .position(|f| f.name == name)
            .and_then(|i| u32::try_from(i).ok())
    }
}

/// The declarations of all files, with where they are.
struct Collected<'a> {
    policy: Option<&'a ast::PolicyDecl>,
    inputs: Vec<(FileId, &'a ast::InputDecl)>,
    params: Vec<(FileId, &'a ast::ParamDecl)>,
    rules: Vec<(FileId, &'a ast::RuleDecl)>,
    tables: Vec<(FileId, &'a ast::TableDecl)>,
    functions: Vec<(FileId, functions::FnAst)>,
    enums: Vec<(FileId, &'a ast::EnumDecl)>,
    dirs: Vec<(FileId, &'a ast::DirectoryDecl, String)>,
    outcomes: Vec<(FileId, &'a ast::OutcomeDecl)>,
    examples: Vec<(FileId, &'a ast::ExampleDecl)>,
}

pub(crate) struct Checked {
    pub(crate) program: Program,
    pub(crate) examples: Vec<Example>,
}

fn lab(s: &Option<ast::StrLit>) -> Option<String> {
    s.as_ref().map(|s| s.value.clone())
}

/// Checks loaded files. Returns the program when there is no error, and every diagnostic
/// (warnings included) either way. CSV files of directories are read through `loader` and
/// added to the sources so their rows can be pointed at.
pub(crate) fn check(
    loaded: &mut Loaded,
    loader: &dyn SourceLoader,
    require_policy: bool,
) -> (Option<Checked>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    namespace::qualify(&mut loaded.files, &mut diags);
    let files = &loaded.files;
    let mut c = Collected {
        policy: None,
        inputs: vec![],
        params: vec![],
        rules: vec![],
        tables: vec![],
        functions: vec![],
        enums: vec![],
        dirs: vec![],
        outcomes: vec![],
        examples: vec![],
    };
    for (i, f) in files.iter().enumerate() {
        for item in &f.ast.items {
            match item {
                Item::Policy(p) if i == 0 => c.policy = Some(p),
                Item::Policy(_) | Item::Import(_) => {}
                Item::Input(d) => c.inputs.push((f.id, d)),
                Item::Param(d) => c.params.push((f.id, d)),
                Item::Rule(d) if d.params.is_some() => c
                    .functions
                    .push((f.id, functions::FnAst::Rule((*d).clone()))),
                Item::Table(d) if d.params.is_some() => {
                    c.functions.push((f.id, functions::FnAst::Table(d.clone())))
                }
                Item::Rule(d) => c.rules.push((f.id, d)),
                Item::Table(d) => c.tables.push((f.id, d)),
                Item::Directory(d) => c.dirs.push((f.id, d, f.path.clone())),
                Item::Enum(d) => c.enums.push((f.id, d)),
                Item::Outcome(d) => c.outcomes.push((f.id, d)),
                Item::Example(d) if i == 0 => c.examples.push((f.id, d)),
                Item::Example(_) => {}
            }
        }
    }
    // An imported file with its own `policy` header is a library (R10): its outcomes can be
    // referred to but are not reported, so they come after the reported ones.
    let library: Vec<FileId> = files
        .iter()
        .skip(1)
        .filter(|f| f.ast.items.iter().any(|i| matches!(i, Item::Policy(_))))
        .map(|f| f.id)
        .collect();
    let reported = c
        .outcomes
        .iter()
        .filter(|(f, _)| !library.contains(f))
        .count();
    c.outcomes.sort_by_key(|(f, _)| library.contains(f));
    let mut windows: HashMap<String, (Option<i32>, Option<i32>)> = HashMap::new();
    for f in files.iter().filter(|f| library.contains(&f.id)) {
        let window = f.ast.items.iter().find_map(|i| match i {
            Item::Policy(p) => p.effective.as_ref().map(|w| {
                (
                    Some(days_from_date(w.from.value)),
                    w.to.as_ref().map(|t| days_from_date(t.value)),
                )
            }),
            _ => None,
        });
        let Some(window) = window else { continue };
        for item in &f.ast.items {
            let name = match item {
                Item::Rule(r) if r.list.is_none() => &r.name.name,
                Item::Table(t) => &t.name.name,
                Item::Param(p) => &p.name.name,
                Item::Directory(d) => &d.name.name,
                Item::Outcome(o) => &o.name.name,
                _ => continue,
            };
            windows.insert(name.clone(), window);
        }
    }
    let main_file = files.first().map_or(FileId(0), |f| f.id);
    if require_policy && c.policy.is_none() {
        diags.push(
            Diagnostic::error(
                codes::MISSING_POLICY,
                Span::new(0, 0),
                "this file has no `policy` header",
            )
            .in_file(main_file)
            .with_help("start the file with `policy NAME \"title\"` and `effective YYYY-MM-DD`"),
        );
    }
    let declarations =
        c.rules.len() + c.tables.len() + c.functions.len() + c.outcomes.len() + c.params.len();
    if declarations > MAX_DECLARATIONS {
        diags.push(
            Diagnostic::error(
                codes::TOO_LARGE,
                Span::new(0, 0),
                format!("{declarations} declarations, more than the limit of {MAX_DECLARATIONS}"),
            )
            .in_file(main_file),
        );
        return (None, diags);
    }

    // ---- 1. one namespace
    let mut globals: HashMap<String, Sym> = HashMap::new();
    let mut where_: HashMap<String, (FileId, Span)> = HashMap::new();
    // ---- 2. named enums, inputs and their enums
    let mut entities = Vec::new();
    let mut enums: Vec<EnumDef> = Vec::new();
    for (file, d) in &c.enums {
        let id = u32::try_from(enums.len()).unwrap_or(u32::MAX);
        declare(
            &mut globals,
            &mut where_,
            &d.name,
            *file,
            Sym::Enum(id),
            &mut diags,
        );
        resolve_type(
            &TypeExpr::Enum {
                variants: d.variants.clone(),
                span: d.span,
            },
            &d.name.name,
            *file,
            &mut enums,
            &HashMap::new(),
            &mut diags,
        );
    }
    let named_enums: HashMap<String, crate::types::EnumId> = c
        .enums
        .iter()
        .enumerate()
        .map(|(i, (_, d))| (d.name.name.clone(), u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    // An input declared again (in this file or another) merges with the first: a field
    // declared in both must have the same type, default and range (R10); the second
    // declaration's defaults and ranges are compared once they are resolved, below.
    let mut input_entity: Vec<EntityId> = Vec::new();
    let mut merged: Vec<MergedField> = Vec::new();
    for (di, (file, d)) in c.inputs.iter().enumerate() {
        let existing = match globals.get(&d.name.name) {
            Some(Sym::Entity(e)) => Some(*e),
            _ => None,
        };
        let id = match existing {
            Some(e) => e,
            None => {
                let id = u32::try_from(entities.len()).unwrap_or(u32::MAX);
                declare(
                    &mut globals,
                    &mut where_,
                    &d.name,
                    *file,
                    Sym::Entity(id),
                    &mut diags,
                );
                entities.push(Entity {
                    name: d.name.name.clone(),
                    label: lab(&d.label),
                    is_list: d.is_list,
                    fields: Vec::new(),
                });
                id
            }
        };
        input_entity.push(id);
        if let Some(e) = existing
            && entities
                .get(e as usize)
                .is_some_and(|en| en.is_list != d.is_list)
        {
            let (f0, s0) = where_
                .get(&d.name.name)
                .copied()
                .unwrap_or((*file, d.name.span));
            diags.push(
                Diagnostic::error(
                    codes::CONFLICTING_INPUT,
                    d.name.span,
                    format!(
                        "input `{}` is declared as {} here and as {} there",
                        d.name.name,
                        if d.is_list { "a list" } else { "one record" },
                        if d.is_list { "one record" } else { "a list" }
                    ),
                )
                .in_file(*file)
                .with_label_in(f0, s0, "declared here too"),
            );
            continue;
        }
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for f in &d.fields {
            if let Some(first) = seen.get(f.name.name.as_str()) {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        f.name.span,
                        format!(
                            "field `{}` is declared twice in `{}`",
                            f.name.name, d.name.name
                        ),
                    )
                    .in_file(*file)
                    .with_label(*first, "first declared here"),
                );
                continue;
            }
            seen.insert(&f.name.name, f.name.span);
            let ty = resolve_type(
                &f.ty,
                &format!("{}.{}", d.name.name, f.name.name),
                *file,
                &mut enums,
                &named_enums,
                &mut diags,
            );
            let Some(entity) = entities.get_mut(id as usize) else {
                continue;
            };
            if let Some(fi) = entity.fields.iter().position(|x| x.name == f.name.name) {
                let first_ty = entity.fields.get(fi).map_or(Type::Error, |x| x.ty);
                let first = field_decl(&c.inputs, &input_entity, id, &f.name.name);
                if !same_type(&enums, first_ty, ty) {
                    diags.push(conflicting_input(
                        &d.name.name,
                        f,
                        *file,
                        first,
                        format!(
                            "`{}` is {} there and {} here",
                            f.name.name,
                            type_text(&enums, first_ty),
                            type_text(&enums, ty)
                        ),
                    ));
                } else {
                    merged.push(MergedField {
                        input: di,
                        field: f.name.name.clone(),
                    });
                }
                continue;
            }
            if entity.label.is_none() {
                entity.label = lab(&d.label);
            }
            entity.fields.push(Field {
                name: f.name.name.clone(),
                label: lab(&f.label),
                ty,
                default: None,
                range: None,
            });
        }
    }

    // ---- rules, params, tables, directories: names and ids
    let mut item_rules: HashMap<(EntityId, String), RuleId> = HashMap::new();
    let mut rule_scopes = Vec::new();
    for (i, (file, r)) in c.rules.iter().enumerate() {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        match &r.list {
            None => {
                declare(
                    &mut globals,
                    &mut where_,
                    &r.name,
                    *file,
                    Sym::Rule(id),
                    &mut diags,
                );
                rule_scopes.push(Scope::Row);
            }
            Some(list) => {
                let entity = match globals.get(&list.name) {
                    Some(Sym::Entity(e))
                        if entities.get(*e as usize).is_some_and(|e| e.is_list) =>
                    {
                        Some(*e)
                    }
                    _ => None,
                };
                match entity {
                    Some(e) => {
                        let taken_by_field = entities
                            .get(e as usize)
                            .is_some_and(|ent| ent.fields.iter().any(|f| f.name == r.name.name));
                        if taken_by_field || item_rules.contains_key(&(e, r.name.name.clone())) {
                            diags.push(
                                Diagnostic::error(
                                    codes::DUPLICATE_NAME,
                                    r.name.span,
                                    format!("`{}.{}` is already declared", list.name, r.name.name),
                                )
                                .in_file(*file),
                            );
                        } else {
                            item_rules.insert((e, r.name.name.clone()), id);
                        }
                        rule_scopes.push(Scope::Item(e));
                    }
                    None => {
                        let lists: Vec<&str> = entities
                            .iter()
                            .filter(|e| e.is_list)
                            .map(|e| e.name.as_str())
                            .collect();
                        diags.push(clausula_dsl::suggest::with_suggestion(
                            Diagnostic::error(
                                codes::UNKNOWN_NAME,
                                list.span,
                                format!("`{}` is not a list input", list.name),
                            )
                            .in_file(*file),
                            &list.name,
                            &lists,
                            "per-item rules extend a list declared with `input NAME[] { … }`",
                        ));
                        rule_scopes.push(Scope::Row);
                    }
                }
            }
        }
    }
    let mut param_types = Vec::new();
    for (i, (file, p)) in c.params.iter().enumerate() {
        declare(
            &mut globals,
            &mut where_,
            &p.name,
            *file,
            Sym::Param(u32::try_from(i).unwrap_or(u32::MAX)),
            &mut diags,
        );
        param_types.push(resolve_type(
            &p.ty,
            &p.name.name,
            *file,
            &mut enums,
            &named_enums,
            &mut diags,
        ));
    }
    for (i, (file, t)) in c.tables.iter().enumerate() {
        declare(
            &mut globals,
            &mut where_,
            &t.name,
            *file,
            Sym::Table(u32::try_from(i).unwrap_or(u32::MAX)),
            &mut diags,
        );
    }
    let mut directories = Vec::new();
    for (i, (file, d, _)) in c.dirs.iter().enumerate() {
        declare(
            &mut globals,
            &mut where_,
            &d.name,
            *file,
            Sym::Dir(u32::try_from(i).unwrap_or(u32::MAX)),
            &mut diags,
        );
        let mut columns = Vec::new();
        let mut seen: HashMap<&str, Span> = HashMap::new();
        for col in &d.columns {
            if col.name.name == d.key.name || seen.contains_key(col.name.name.as_str()) {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        col.name.span,
                        format!("column `{}` is declared twice", col.name.name),
                    )
                    .in_file(*file),
                );
                continue;
            }
            seen.insert(&col.name.name, col.name.span);
            let ty = resolve_type(
                &col.ty,
                &format!("{}.{}", d.name.name, col.name.name),
                *file,
                &mut enums,
                &named_enums,
                &mut diags,
            );
            columns.push((col.name.name.clone(), lab(&col.label), ty));
        }
        let key_ty = directory_key_type(d, *file, &mut enums, &named_enums, &mut diags);
        directories.push(DirectoryDef {
            name: d.name.name.clone(),
            label: lab(&d.label),
            key: d.key.name.clone(),
            key_ty,
            columns,
            keys: vec![],
            cells: vec![],
        });
    }

    let mut function_defs = Vec::new();
    for (i, (file, f)) in c.functions.iter().enumerate() {
        let id = u32::try_from(i).unwrap_or(u32::MAX);
        let (name, params, _) = match f {
            functions::FnAst::Rule(r) => {
                if let Some(list) = &r.list {
                    diags.push(
                        Diagnostic::error(
                            codes::WRONG_ARGUMENTS,
                            list.span,
                            "a per-item rule cannot take parameters",
                        )
                        .in_file(*file)
                        .with_help("declare the function at the top level and call it on the item's fields"),
                    );
                }
                (&r.name, r.params.as_deref().unwrap_or(&[]), r.span)
            }
            functions::FnAst::Table(t) => (&t.name, t.params.as_deref().unwrap_or(&[]), t.span),
        };
        if expr::FUNCTIONS.contains(&name.name.as_str()) {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    name.span,
                    format!("`{}` is a built-in function", name.name),
                )
                .in_file(*file)
                .with_help("choose another name"),
            );
        } else {
            declare(
                &mut globals,
                &mut where_,
                name,
                *file,
                Sym::Function(id),
                &mut diags,
            );
        }
        let mut typed = Vec::new();
        for p in params {
            let ty = match Type::from_name(&p.ty.name) {
                Some(t) => t,
                None => match enums.iter().position(|e: &EnumDef| e.name == p.ty.name) {
                    Some(e) => Type::Enum(u32::try_from(e).unwrap_or(u32::MAX)),
                    None => {
                        diags.push(clausula_dsl::suggest::with_suggestion(
                            Diagnostic::error(
                                codes::UNKNOWN_TYPE,
                                p.ty.span,
                                format!("`{}` is not a type a parameter can have", p.ty.name),
                            )
                            .in_file(*file),
                            &p.ty.name,
                            &Type::NAMES,
                            &format!("a parameter is one of {}", Type::NAMES.join(", ")),
                        ));
                        Type::Error
                    }
                },
            };
            if typed.iter().any(|(n, _)| *n == p.name.name) {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_NAME,
                        p.name.span,
                        format!("parameter `{}` is declared twice", p.name.name),
                    )
                    .in_file(*file),
                );
            }
            typed.push((p.name.name.clone(), ty));
        }
        function_defs.push(functions::FunctionDef {
            name: name.name.clone(),
            file: *file,
            span: name.span,
            params: typed,
            ast: f.clone(),
            ty: Type::Error,
            display_ty: None,
        });
    }
    // A parameter may not share a top-level name (R6): it would hide it.
    for (f, (file, ast)) in function_defs.iter().zip(&c.functions) {
        let params = match ast {
            functions::FnAst::Rule(r) => r.params.as_deref().unwrap_or(&[]),
            functions::FnAst::Table(t) => t.params.as_deref().unwrap_or(&[]),
        };
        for p in params {
            if globals.contains_key(&p.name.name) {
                let mut d = Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    p.name.span,
                    format!(
                        "parameter `{}` of `{}` has the name of a declaration",
                        p.name.name, f.name
                    ),
                )
                .in_file(*file)
                .with_help("rename the parameter");
                if let Some((wf, ws)) = where_.get(&p.name.name) {
                    d = d.with_label_in(*wf, *ws, "declared here");
                }
                diags.push(d);
            }
        }
    }

    let mut env = Env {
        globals,
        entities,
        enums,
        item_rules,
        rule_types: vec![Type::Error; c.rules.len()],
        rule_scopes,
        param_types,
        table_types: vec![Type::Error; c.tables.len()],
        directories,
        outcome_ids: {
            let mut ids = HashMap::new();
            for (i, (_, o)) in c.outcomes.iter().enumerate() {
                ids.entry(o.name.name.clone())
                    .or_insert_with(|| u32::try_from(i).unwrap_or(u32::MAX));
            }
            ids
        },
        lookups: std::cell::OnceCell::new(),
        outcome_amounts: c
            .outcomes
            .iter()
            .map(|(file, o)| {
                o.items
                    .iter()
                    .filter_map(|i| match i {
                        ast::OutcomeItem::Amount(a) => {
                            Some((a.name.name.clone(), *file, a.value.clone()))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .collect(),
        amount_types: std::cell::RefCell::new(HashMap::new()),
        functions: function_defs,
        windows,
        instances: std::cell::RefCell::new(functions::Instances {
            base_rules: u32::try_from(c.rules.len()).unwrap_or(u32::MAX),
            base_tables: u32::try_from(c.tables.len()).unwrap_or(u32::MAX),
            ..Default::default()
        }),
    };

    // ---- defaults of input fields (constants)
    for (di, (file, d)) in c.inputs.iter().enumerate() {
        let e = input_entity.get(di).copied().unwrap_or(u32::MAX) as usize;
        for f in &d.fields {
            let Some(def) = &f.default else { continue };
            if merged
                .iter()
                .any(|m| m.input == di && m.field == f.name.name)
            {
                continue;
            }
            let Some(idx) = env.field_index(u32::try_from(e).unwrap_or(u32::MAX), &f.name.name)
            else {
                continue;
            };
            let Some(ty) = env
                .entities
                .get(e)
                .and_then(|en| en.fields.get(idx as usize))
                .map(|f| f.ty)
            else {
                continue;
            };
            let value = expr::constant(&env, def, ty, *file, &mut diags);
            if let Some(field) = env
                .entities
                .get_mut(e)
                .and_then(|en| en.fields.get_mut(idx as usize))
            {
                field.default = value;
            }
        }
    }

    // ---- declared ranges (after defaults: a default must lie in its range)
    for (di, (file, d)) in c.inputs.iter().enumerate() {
        let e = input_entity.get(di).copied().unwrap_or(u32::MAX) as usize;
        for f in &d.fields {
            let Some(r) = &f.range else { continue };
            if merged
                .iter()
                .any(|m| m.input == di && m.field == f.name.name)
            {
                continue;
            }
            let Some(idx) = env.field_index(u32::try_from(e).unwrap_or(u32::MAX), &f.name.name)
            else {
                continue;
            };
            let Some(field) = env
                .entities
                .get(e)
                .and_then(|en| en.fields.get(idx as usize))
            else {
                continue;
            };
            let range = field_range(&env, field, r, *file, &mut diags);
            if let Some(field) = env
                .entities
                .get_mut(e)
                .and_then(|en| en.fields.get_mut(idx as usize))
            {
                field.range = range;
            }
        }
    }

    // ---- a field declared twice merges only with the same default and range (R10)
    for m in &merged {
        let Some((file, d)) = c.inputs.get(m.input) else {
            continue;
        };
        let e = input_entity.get(m.input).copied().unwrap_or(u32::MAX);
        let (Some(f), Some(idx)) = (
            d.fields.iter().find(|f| f.name.name == m.field),
            env.field_index(e, &m.field),
        ) else {
            continue;
        };
        let Some(first) = env
            .entities
            .get(e as usize)
            .and_then(|en| en.fields.get(idx as usize))
            .cloned()
        else {
            continue;
        };
        let default = f
            .default
            .as_ref()
            .and_then(|x| expr::constant(&env, x, first.ty, *file, &mut diags));
        let range = f
            .range
            .as_ref()
            .and_then(|r| field_range(&env, &first, r, *file, &mut diags));
        let what = if default != first.default {
            Some("default")
        } else if range != first.range {
            Some("range")
        } else {
            None
        };
        if let Some(what) = what {
            let at = field_decl(&c.inputs, &input_entity, e, &m.field);
            diags.push(conflicting_input(
                &d.name.name,
                f,
                *file,
                at,
                format!("`{}` has another {what} there", m.field),
            ));
        }
    }

    // ---- parameters (constants per date)
    let mut params = Vec::new();
    for (i, (file, p)) in c.params.iter().enumerate() {
        let ty = env.param_types.get(i).copied().unwrap_or(Type::Error);
        let mut steps: Vec<(i32, Const, Option<String>)> = Vec::new();
        let mut prev: Option<(i32, Span)> = None;
        for s in &p.steps {
            let day = days_from_date(s.from.value);
            if let Some((pd, pspan)) = prev
                && day <= pd
            {
                diags.push(
                    Diagnostic::error(
                        codes::DATE_ORDER,
                        s.from.span,
                        "steps must be in increasing date order",
                    )
                    .in_file(*file)
                    .with_label(pspan, "previous step"),
                );
            }
            prev = Some((day, s.from.span));
            if let Some(v) = expr::constant(&env, &s.value, ty, *file, &mut diags) {
                steps.push((day, v, lab(&s.cite)));
            }
        }
        params.push(ParamDef {
            name: p.name.name.clone(),
            label: lab(&p.label),
            steps,
        });
    }

    // ---- directories: rows inline and from CSV
    for (i, (file, d, path)) in c.dirs.iter().enumerate() {
        let Some(def) = env.directories.get(i).cloned() else {
            continue;
        };
        let filled = directory::rows(
            &env,
            def,
            d,
            *file,
            path,
            loader,
            &mut loaded.sources,
            &mut diags,
        );
        if let Some(slot) = env.directories.get_mut(i) {
            *slot = filled;
        }
    }

    // ---- functions: each body checked once, callees first, for its errors and type (R6)
    for fid in functions::order(&env, &mut diags) {
        let Some(f) = env.functions.get(fid as usize).cloned() else {
            continue;
        };
        let frame = std::rc::Rc::new(functions::FnFrame {
            function: fid,
            definition: true,
            params: f
                .params
                .iter()
                .map(|(n, t)| {
                    let placeholder = TExpr {
                        kind: TKind::Opaque,
                        ty: *t,
                        span: f.span,
                        text: Some(n.clone()),
                    };
                    let written = ast::Expr {
                        kind: ast::ExprKind::Name(n.clone()),
                        span: f.span,
                    };
                    (n.clone(), placeholder, written)
                })
                .collect(),
            inst_scope: Scope::Row,
            chain: Vec::new(),
            used: std::cell::RefCell::new(vec![false; f.params.len()]),
        });
        let (ty, display_ty) = match &f.ast {
            functions::FnAst::Rule(r) => {
                let body = expr::Cx::new(&env, f.file, Scope::Row, &mut diags)
                    .in_function(Some(frame))
                    .expr(&r.value, None);
                let shown = display_type(&env, r, body.ty, f.file, &mut diags);
                (body.ty, shown)
            }
            functions::FnAst::Table(t) => {
                let def = tables::check_table(&env, t, f.file, &mut diags, Some(&frame));
                (def.ty, None)
            }
        };
        if let Some(slot) = env.functions.get_mut(fid as usize) {
            slot.ty = ty;
            slot.display_ty = display_ty;
        }
    }

    // ---- 3. dependencies and cycles
    let order = deps::order(&env, &c.rules, &c.tables, &c.outcomes, &mut diags);
    // The program's order: each declaration after the function instances it made.
    let mut final_order: Vec<Decl> = Vec::with_capacity(order.len());

    // ---- 4. rules and tables in dependency order
    let mut rules: Vec<Option<RuleDef>> = vec![None; c.rules.len()];
    let mut tables: Vec<Option<TableDef>> = vec![None; c.tables.len()];
    for decl in &order {
        match *decl {
            Decl::Rule(id) => {
                let Some((file, r)) = c.rules.get(id as usize) else {
                    continue;
                };
                let scope = env
                    .rule_scopes
                    .get(id as usize)
                    .copied()
                    .unwrap_or(Scope::Row);
                let body = expr::Cx::new(&env, *file, scope, &mut diags).expr(&r.value, None);
                if let Some(t) = env.rule_types.get_mut(id as usize) {
                    *t = body.ty;
                }
                let display_ty = display_type(&env, r, body.ty, *file, &mut diags);
                if let Some(slot) = rules.get_mut(id as usize) {
                    let name = match &r.list {
                        Some(list) => format!("{}.{}", list.name, r.name.name),
                        None => r.name.name.clone(),
                    };
                    *slot = Some(RuleDef {
                        name,
                        label: lab(&r.label),
                        formula: clausula_dsl::print_expr(&r.value),
                        display_ty,
                        scope,
                        body,
                        call: None,
                    });
                }
            }
            Decl::Table(id) => {
                let Some((file, t)) = c.tables.get(id as usize) else {
                    continue;
                };
                let def = tables::check_table(&env, t, *file, &mut diags, None);
                if let Some(ty) = env.table_types.get_mut(id as usize) {
                    *ty = def.ty;
                }
                if let Some(slot) = tables.get_mut(id as usize) {
                    *slot = Some(def);
                }
            }
        }
        final_order.append(&mut env.instances.borrow_mut().created);
        final_order.push(*decl);
    }

    // ---- 5. outcomes
    let mut outcomes = Vec::new();
    let mut outcome_names: HashMap<&str, Span> = HashMap::new();
    for (file, o) in &c.outcomes {
        if let Some(first) = outcome_names.get(o.name.name.as_str()) {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_NAME,
                    o.name.span,
                    format!("outcome `{}` is declared twice", o.name.name),
                )
                .in_file(*file)
                .with_label(*first, "first declared here"),
            );
            continue;
        }
        outcome_names.insert(&o.name.name, o.name.span);
        outcomes.push(check_outcome(&env, o, *file, &mut diags));
    }

    // ---- header
    let (name, title, source, effective_from, effective_to) = match c.policy {
        Some(p) => (
            p.name.name.clone(),
            lab(&p.title),
            lab(&p.source),
            p.effective.as_ref().map(|e| days_from_date(e.from.value)),
            p.effective
                .as_ref()
                .and_then(|e| e.to.as_ref())
                .map(|t| days_from_date(t.value)),
        ),
        None => (
            loaded
                .files
                .first()
                .map(|f| {
                    f.path
                        .rsplit('/')
                        .next()
                        .unwrap_or("policy")
                        .trim_end_matches(".cla")
                        .to_string()
                })
                .unwrap_or_default(),
            None,
            None,
            None,
            None,
        ),
    };

    // Calls that expanded past the budget (found inside an expansion, reported here).
    if let Some(d) = env.instances.borrow_mut().too_large.take() {
        diags.push(d);
    }
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    // Instances made by the outcomes' lines and amounts come after every declaration.
    let instances = env.instances.take();
    final_order.extend(instances.created);
    let program = Program {
        name,
        title,
        source,
        effective_from,
        effective_to,
        enums: env.enums.clone(),
        entities: env.entities.clone(),
        params,
        rules: rules.into_iter().flatten().chain(instances.rules).collect(),
        tables: tables
            .into_iter()
            .flatten()
            .chain(instances.tables)
            .collect(),
        directories: env.directories.clone(),
        outcomes,
        reported,
        order: final_order,
    };
    let examples = examples::check_examples(&program, &c.examples, &mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return (None, diags);
    }
    (Some(Checked { program, examples }), diags)
}

/// A rule's declared type says how a dimensionless value displays (a ratio as a
/// percentage); it must fit the value.
fn display_type(
    env: &Env,
    r: &ast::RuleDecl,
    body_ty: Type,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Option<Type> {
    let t = r.ty.as_ref()?;
    let declared = match t {
        ast::TypeExpr::Named(i) => Type::from_name(&i.name),
        _ => None,
    };
    let dimensionless = matches!(
        body_ty,
        Type::Number | Type::Percent | Type::Scalar | Type::Int | Type::Error
    );
    match declared {
        Some(d @ (Type::Percent | Type::Number)) if dimensionless => Some(d),
        _ => {
            diags.push(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    r.value.span,
                    format!(
                        "a rule's declared type is `percent` or `number` for a dimensionless \
                         value; this is {}",
                        expr::describe(env, body_ty)
                    ),
                )
                .in_file(file),
            );
            None
        }
    }
}

/// Adds a global name, reporting a duplicate.
/// An input field declared again in a later `input` block of the same entity (R10).
struct MergedField {
    /// The later block (an index into the collected inputs).
    input: usize,
    field: String,
}

/// Where the first declaration of an entity's field is: (file, span).
fn field_decl(
    inputs: &[(FileId, &ast::InputDecl)],
    input_entity: &[EntityId],
    entity: EntityId,
    field: &str,
) -> Option<(FileId, Span)> {
    inputs
        .iter()
        .zip(input_entity)
        .filter(|(_, e)| **e == entity)
        .find_map(|((file, d), _)| {
            d.fields
                .iter()
                .find(|f| f.name.name == field)
                .map(|f| (*file, f.span))
        })
}

fn conflicting_input(
    entity: &str,
    f: &ast::FieldDecl,
    file: FileId,
    first: Option<(FileId, Span)>,
    message: String,
) -> Diagnostic {
    let d = Diagnostic::error(
        codes::CONFLICTING_INPUT,
        f.span,
        format!(
            "input field `{entity}.{}` is declared twice, differently: {message}",
            f.name.name
        ),
    )
    .in_file(file)
    .with_help("declare the field once, or the same way in every file (labels may differ)");
    match first {
        Some((f0, s0)) => d.with_label_in(f0, s0, "first declared here"),
        None => d,
    }
}

/// Whether two field types are the same; two inline enums are when their values are.
fn same_type(enums: &[EnumDef], a: Type, b: Type) -> bool {
    match (a, b) {
        (Type::Enum(x), Type::Enum(y)) => {
            let names = |id: u32| {
                enums.get(id as usize).map(|e| {
                    e.variants
                        .iter()
                        .map(|(n, _)| n.as_str())
                        .collect::<Vec<_>>()
                })
            };
            names(x) == names(y)
        }
        _ => a == b,
    }
}

fn type_text(enums: &[EnumDef], t: Type) -> String {
    match t {
        Type::Enum(id) => enums.get(id as usize).map_or_else(
            || "an enum".to_string(),
            |e| {
                let names: Vec<&str> = e.variants.iter().map(|(n, _)| n.as_str()).collect();
                format!("enum {{ {} }}", names.join(", "))
            },
        ),
        t => t.name().to_string(),
    }
}

fn declare(
    globals: &mut HashMap<String, Sym>,
    where_: &mut HashMap<String, (FileId, Span)>,
    name: &ast::Ident,
    file: FileId,
    sym: Sym,
    diags: &mut Vec<Diagnostic>,
) -> bool {
    if let Some((f0, s0)) = where_.get(&name.name) {
        diags.push(
            Diagnostic::error(
                codes::DUPLICATE_NAME,
                name.span,
                format!("`{}` is declared more than once", name.name),
            )
            .in_file(file)
            .with_label_in(*f0, *s0, "first declared here")
            .with_help("rules, tables, parameters, inputs and directories share one namespace"),
        );
        return false;
    }
    where_.insert(name.name.clone(), (file, name.span));
    globals.insert(name.name.clone(), sym);
    true
}

/// The type of a directory's key (R8): `key NAME: TYPE` says it (`code`, `int` or a named
/// enum); `key NAME` is an enum key when NAME is a named enum, a code key otherwise.
fn directory_key_type(
    d: &ast::DirectoryDecl,
    file: FileId,
    enums: &mut Vec<EnumDef>,
    named: &HashMap<String, crate::types::EnumId>,
    diags: &mut Vec<Diagnostic>,
) -> Type {
    let Some(t) = &d.key_type else {
        return named
            .get(&d.key.name)
            .map_or(Type::Code, |id| Type::Enum(*id));
    };
    let ty = resolve_type(t, &d.name.name, file, enums, named, diags);
    match ty {
        Type::Code | Type::Text => Type::Code,
        Type::Int => Type::Int,
        Type::Enum(id) if named.values().any(|n| *n == id) => ty,
        Type::Error => Type::Code,
        _ => {
            diags.push(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    t.span(),
                    "a directory's key is a code, an int or a named enum",
                )
                .in_file(file)
                .with_help("declare the enum by name (`enum 规模 { … }`) and write `key 规模`"),
            );
            Type::Code
        }
    }
}

/// Resolves a written type; enums are registered under `owner` (for messages).
fn resolve_type(
    t: &TypeExpr,
    owner: &str,
    file: FileId,
    enums: &mut Vec<EnumDef>,
    named: &HashMap<String, crate::types::EnumId>,
    diags: &mut Vec<Diagnostic>,
) -> Type {
    match t {
        TypeExpr::Named(i) => match Type::from_name(&i.name) {
            Some(ty) => ty,
            None if named.contains_key(&i.name) => {
                Type::Enum(named.get(&i.name).copied().unwrap_or(u32::MAX))
            }
            None => {
                diags.push(clausula_dsl::suggest::with_suggestion(
                    Diagnostic::error(codes::UNKNOWN_TYPE, i.span, format!("unknown type `{}`", i.name)).in_file(file),
                    &i.name,
                    &Type::NAMES,
                    "the types are bool, int, number, money, percent, date, text, code and enum { … }",
                ));
                Type::Error
            }
        },
        TypeExpr::Enum { variants, .. } => {
            let mut vs: Vec<(String, Option<String>)> = Vec::new();
            for v in variants {
                if vs.iter().any(|(n, _)| *n == v.name.name) {
                    diags.push(
                        Diagnostic::error(
                            codes::DUPLICATE_NAME,
                            v.name.span,
                            format!("enum value `{}` is listed twice", v.name.name),
                        )
                        .in_file(file),
                    );
                    continue;
                }
                vs.push((v.name.name.clone(), lab(&v.label)));
            }
            let id = u32::try_from(enums.len()).unwrap_or(u32::MAX);
            enums.push(EnumDef {
                name: owner.to_string(),
                variants: vs,
            });
            Type::Enum(id)
        }
    }
}

fn check_outcome(
    env: &Env,
    o: &ast::OutcomeDecl,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> OutcomeDef {
    let mut requirements: Vec<Requirement> = Vec::new();
    let mut ids: HashMap<String, Span> = HashMap::new();
    let mut amounts: Vec<Amount> = Vec::new();
    let mut amount_spans: HashMap<String, Span> = HashMap::new();
    for item in &o.items {
        match item {
            ast::OutcomeItem::Require(r) | ast::OutcomeItem::Unless(r) => {
                let kind = if matches!(item, ast::OutcomeItem::Require(_)) {
                    ReqKind::Require
                } else {
                    ReqKind::Unless
                };
                let mut cx = expr::Cx::new(env, file, Scope::Row, diags);
                let cond = cx.expect_bool(&r.condition, "a requirement");
                let guard = r
                    .guard
                    .as_ref()
                    .map(|g| cx.expect_bool(g, "a `when` guard"));
                let id = match &r.id {
                    Some(id) => {
                        if let Some(first) = ids.get(&id.name) {
                            diags.push(
                                Diagnostic::error(
                                    codes::DUPLICATE_NAME,
                                    id.span,
                                    format!(
                                        "two lines of `{}` have the id `{}`",
                                        o.name.name, id.name
                                    ),
                                )
                                .in_file(file)
                                .with_label(*first, "first used here"),
                            );
                        }
                        ids.insert(id.name.clone(), id.span);
                        id.name.clone()
                    }
                    None => format!("line{}", requirements.len() + 1),
                };
                requirements.push(Requirement {
                    id,
                    kind,
                    cond,
                    guard,
                    message: r.message.value.clone(),
                    cite: lab(&r.cite),
                });
            }
            ast::OutcomeItem::Amount(a) => {
                if let Some(first) = amount_spans.get(&a.name.name) {
                    diags.push(
                        Diagnostic::error(
                            codes::DUPLICATE_NAME,
                            a.name.span,
                            format!("amount `{}` is declared twice", a.name.name),
                        )
                        .in_file(file)
                        .with_label(*first, "first declared here"),
                    );
                    continue;
                }
                amount_spans.insert(a.name.name.clone(), a.name.span);
                let value = expr::Cx::new(env, file, Scope::Row, diags).expr(&a.value, None);
                if !value.ty.is_numeric() && value.ty != Type::Error {
                    diags.push(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            a.value.span,
                            format!("an amount must be a number, this is {}", value.ty.name()),
                        )
                        .in_file(file),
                    );
                }
                amounts.push(Amount {
                    name: a.name.name.clone(),
                    label: lab(&a.label),
                    formula: clausula_dsl::print_expr(&a.value),
                    value,
                });
            }
        }
    }
    OutcomeDef {
        name: o.name.name.clone(),
        title: lab(&o.label),
        requirements,
        amounts,
    }
}

/// Checks a field's `in LOW..HIGH` (R4): bounds of the field's type, at least one bound,
/// LOW <= HIGH, and the default inside. Every failure is `check/bad-range` at the range.
fn field_range(
    env: &Env,
    field: &Field,
    r: &ast::RangeDecl,
    file: FileId,
    diags: &mut Vec<Diagnostic>,
) -> Option<FieldRange> {
    let bad = |span: Span, message: String, help: Option<&str>, diags: &mut Vec<Diagnostic>| {
        let mut d = Diagnostic::error(codes::BAD_RANGE, span, message).in_file(file);
        if let Some(h) = help {
            d = d.with_help(h);
        }
        diags.push(d);
        None
    };
    let ty = field.ty;
    let is_date = ty == Type::Date;
    if !(ty.is_numeric() || is_date) {
        if ty == Type::Error {
            return None;
        }
        return bad(
            r.span,
            format!(
                "a range on `{}`, which is not a number or a date",
                field.name
            ),
            Some("ranges are for int, number, money, percent and date fields"),
            diags,
        );
    }
    if r.low.is_none() && r.high.is_none() {
        return bad(
            r.span,
            "a range needs at least one bound".to_string(),
            Some("write `in 0..15`, `in 0..` or `in ..100%`"),
            diags,
        );
    }
    let bound = |b: &Option<ast::Expr>, diags: &mut Vec<Diagnostic>| -> Result<Option<Const>, ()> {
        let Some(b) = b else { return Ok(None) };
        let b_is_date = matches!(b.kind, ast::ExprKind::Date(_));
        if b_is_date != is_date {
            bad(
                b.span,
                format!(
                    "this bound is {}, but `{}` is {}",
                    if b_is_date { "a date" } else { "a number" },
                    field.name,
                    if is_date { "a date" } else { "a number" }
                ),
                None,
                diags,
            );
            return Err(());
        }
        let before = diags.len();
        match expr::constant(env, b, ty, file, diags) {
            Some(c) => Ok(Some(c)),
            None => {
                // Same diagnostic, under the range's code: an int field with a fractional bound.
                for d in diags.iter_mut().skip(before) {
                    d.code = codes::BAD_RANGE;
                }
                Err(())
            }
        }
    };
    let low = bound(&r.low, diags);
    let high = bound(&r.high, diags);
    let (Ok(low), Ok(high)) = (low, high) else {
        return None;
    };
    let order = |c: &Const| match c {
        Const::Num(d) => Some(crate::value::Val::Num(*d)),
        Const::Date(d) => Some(crate::value::Val::Date(*d)),
        _ => None,
    };
    let range = FieldRange {
        low,
        high,
        text: r.text.clone(),
    };
    let inverted = match (&range.low, &range.high) {
        (Some(Const::Num(l)), Some(Const::Num(h))) => l > h,
        (Some(Const::Date(l)), Some(Const::Date(h))) => l > h,
        _ => false,
    };
    if inverted {
        return bad(
            r.span,
            format!(
                "the range `{}` is empty: its low bound is above its high bound",
                r.text
            ),
            None,
            diags,
        );
    }
    if let Some(d) = &field.default
        && let Some(v) = order(d)
        && !range.admits(&v)
    {
        return bad(
            r.span,
            format!(
                "the default of `{}` lies outside its range `{}`",
                field.name, r.text
            ),
            None,
            diags,
        );
    }
    Some(range)
}
