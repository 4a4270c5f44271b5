//! Directory rows: inline in the policy, or from a CSV file next to it. Bad rows get a
//! diagnostic pointing into the CSV itself.

use std::collections::HashMap;

use clausula_dsl::ast;
use clausula_dsl::{Diagnostic, FileId, Sources, Span};
use smol_str::SmolStr;

use super::Env;
use super::expr::constant;
use crate::codes;
use crate::ir::{DirectoryDef, EnumDef};
use crate::load::{MAX_CSV_BYTES, SourceLoader, resolve};
use crate::types::Type;
use crate::value::{Const, days_from_date, parse_date};

/// Most rows in one directory.
pub(crate) const MAX_DIRECTORY_ROWS: usize = 2_000_000;
/// Longest directory key, in bytes (catalogue codes are short; this bounds `within`).
pub(crate) const MAX_DIRECTORY_KEY_BYTES: usize = 256;

fn key_too_long(key: &str, span: Span, file: FileId) -> Diagnostic {
    Diagnostic::error(
        codes::BAD_DIRECTORY_DATA,
        span,
        format!(
            "a key of {} bytes, longer than the limit of {MAX_DIRECTORY_KEY_BYTES}",
            key.len()
        ),
    )
    .in_file(file)
}

/// A row's key as written (inline or in a CSV cell) in the directory's canonical text
/// (R8): a code as it is, an int as its decimal digits (`1_000` and `01000` are `1000`), an
/// enum value by its name, exactly. A label, another case or width, or an unknown name is
/// refused with a did-you-mean.
fn canonical_key(
    raw: &str,
    key_ty: Type,
    enums: &[EnumDef],
    span: Span,
    file: FileId,
) -> Result<SmolStr, Box<Diagnostic>> {
    let refuse = |message: String| {
        Box::new(Diagnostic::error(codes::BAD_DIRECTORY_DATA, span, message).in_file(file))
    };
    match key_ty {
        Type::Int => {
            let digits: String = raw.chars().filter(|c| *c != '_').collect();
            let well_formed = !raw.starts_with('_')
                && !raw.ends_with('_')
                && digits
                    .strip_prefix('-')
                    .unwrap_or(&digits)
                    .chars()
                    .all(|c| c.is_ascii_digit());
            match digits.parse::<i64>() {
                Ok(n) if well_formed => Ok(n.to_string().into()),
                _ => Err(refuse(format!(
                    "the key `{raw}` is not a whole number (this directory is keyed by int)"
                ))),
            }
        }
        Type::Enum(id) => {
            let Some(def) = enums.get(id as usize) else {
                return Err(refuse(format!(
                    "the key `{raw}` is not a value of the enum"
                )));
            };
            if def.variants.iter().any(|(n, _)| n == raw) {
                return Ok(raw.into());
            }
            let names: Vec<&str> = def.variants.iter().map(|(n, _)| n.as_str()).collect();
            let by_label = def
                .variants
                .iter()
                .find(|(_, l)| l.as_deref() == Some(raw))
                .map(|(n, _)| n.as_str());
            let d = refuse(format!(
                "`{raw}` is not a value of `{}`, which keys this directory",
                def.name
            ));
            Err(Box::new(match by_label {
                Some(n) => d.with_help(format!(
                    "`{raw}` is the label of `{n}`; keys are value names: write `{n}`"
                )),
                None => clausula_dsl::suggest::with_suggestion(
                    *d,
                    raw,
                    &names,
                    &format!("its values are {}", names.join(", ")),
                ),
            }))
        }
        _ => Ok(raw.into()),
    }
}

/// The warning for an enum-keyed directory without a row for some of the enum's values.
fn incomplete(
    def: &DirectoryDef,
    enums: &[EnumDef],
    span: Span,
    file: FileId,
) -> Option<Diagnostic> {
    let Type::Enum(id) = def.key_ty else {
        return None;
    };
    let e = enums.get(id as usize)?;
    let absent: Vec<String> = e
        .variants
        .iter()
        .filter(|(n, _)| !def.keys.iter().any(|k| k.as_str() == n.as_str()))
        .map(|(n, l)| match l {
            Some(l) => format!("`{n}` ({l})"),
            None => format!("`{n}`"),
        })
        .collect();
    if absent.is_empty() {
        return None;
    }
    Some(
        Diagnostic::warning(
            codes::DIRECTORY_INCOMPLETE,
            span,
            format!(
                "directory `{}` has no row for {}: a lookup of {} is unknown",
                def.name,
                absent.join(", "),
                if absent.len() == 1 { "it" } else { "them" }
            ),
        )
        .in_file(file),
    )
}

#[allow(clippy::too_many_arguments)]
pub(super) fn rows(
    env: &Env,
    mut def: DirectoryDef,
    d: &ast::DirectoryDecl,
    file: FileId,
    policy_path: &str,
    loader: &dyn SourceLoader,
    sources: &mut Sources,
    diags: &mut Vec<Diagnostic>,
) -> DirectoryDef {
    let mut seen: HashMap<SmolStr, (FileId, Span)> = HashMap::new();
    let ncols = def.columns.len();
    for row in &d.rows {
        if row.key.value.len() > MAX_DIRECTORY_KEY_BYTES {
            diags.push(key_too_long(&row.key.value, row.key.span, file));
            continue;
        }
        let number = row
            .key
            .value
            .starts_with(|c: char| c.is_ascii_digit() || c == '-');
        if row.bare && number && def.key_ty != Type::Int {
            diags.push(
                Diagnostic::error(
                    codes::BAD_DIRECTORY_DATA,
                    row.key.span,
                    format!(
                        "a bare number as a key needs an int-keyed directory (`key {}: int`)",
                        def.key
                    ),
                )
                .in_file(file)
                .with_help(format!("write the key as a string: \"{}\"", row.key.value)),
            );
            continue;
        }
        let key = match canonical_key(&row.key.value, def.key_ty, &env.enums, row.key.span, file) {
            Ok(k) => k,
            Err(d) => {
                diags.push(*d);
                continue;
            }
        };
        if let Some((f0, s0)) = seen.get(&key) {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_KEY,
                    row.key.span,
                    format!("key `{key}` appears twice"),
                )
                .in_file(file)
                .with_label_in(*f0, *s0, "first row with this key"),
            );
            continue;
        }
        seen.insert(key.clone(), (file, row.key.span));
        let mut cells: Vec<Option<Const>> = vec![None; ncols];
        for cell in &row.cells {
            match def
                .columns
                .iter()
                .position(|(n, _, _)| *n == cell.column.name)
            {
                Some(ci) => {
                    let ty = def.columns.get(ci).map_or(Type::Error, |c| c.2);
                    if let Some(slot) = cells.get_mut(ci) {
                        *slot = constant(env, &cell.value, ty, file, diags);
                    }
                }
                None => {
                    let names: Vec<&str> = def.columns.iter().map(|(n, _, _)| n.as_str()).collect();
                    diags.push(clausula_dsl::suggest::with_suggestion(
                        Diagnostic::error(
                            codes::UNKNOWN_COLUMN,
                            cell.column.span,
                            format!(
                                "directory `{}` has no column `{}`",
                                def.name, cell.column.name
                            ),
                        )
                        .in_file(file),
                        &cell.column.name,
                        &names,
                        "",
                    ));
                }
            }
        }
        def.keys.push(key);
        def.cells.extend(cells);
    }
    if let Some(src) = &d.source {
        let read = resolve(policy_path, &src.value)
            .and_then(|path| loader.load(&path, MAX_CSV_BYTES).map(|text| (path, text)));
        match read {
            Ok((path, text)) => {
                let text: std::sync::Arc<str> = text.into();
                let csv_file = sources.add(path, text.clone());
                csv_rows(&mut def, &env.enums, &text, csv_file, &mut seen, diags);
            }
            Err(why) => {
                let path = resolve(policy_path, &src.value).unwrap_or_else(|_| src.value.clone());
                diags.push(why.diagnostic_at(
                    codes::BAD_DIRECTORY_DATA,
                    &path,
                    file,
                    src.span,
                    sources,
                ));
            }
        }
    }
    diags.extend(incomplete(&def, &env.enums, d.name.span, file));
    if def.keys.len() > MAX_DIRECTORY_ROWS {
        diags.push(
            Diagnostic::error(
                codes::TOO_LARGE,
                d.name.span,
                format!(
                    "directory `{}` has {} rows, more than the limit of {MAX_DIRECTORY_ROWS}",
                    def.name,
                    def.keys.len()
                ),
            )
            .in_file(file),
        );
    }
    def
}

fn csv_rows(
    def: &mut DirectoryDef,
    enums: &[EnumDef],
    text: &str,
    file: FileId,
    seen: &mut HashMap<SmolStr, (FileId, Span)>,
    diags: &mut Vec<Diagnostic>,
) {
    let text_body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = text.len() - text_body.len();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text_body.as_bytes());
    let header_span = Span::new(bom, bom + text_body.find('\n').unwrap_or(text_body.len()));
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|s| s.trim().to_string()).collect(),
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    codes::BAD_DIRECTORY_DATA,
                    header_span,
                    format!("cannot read the CSV header: {e}"),
                )
                .in_file(file),
            );
            return;
        }
    };
    let Some(key_at) = headers.iter().position(|h| *h == def.key) else {
        diags.push(
            Diagnostic::error(
                codes::BAD_DIRECTORY_DATA,
                header_span,
                format!("the CSV has no `{}` column (the directory's key)", def.key),
            )
            .in_file(file),
        );
        return;
    };
    let mut col_at: Vec<Option<usize>> = Vec::new();
    for (name, _, _) in &def.columns {
        let at = headers.iter().position(|h| h == name);
        if at.is_none() {
            diags.push(
                Diagnostic::error(
                    codes::BAD_DIRECTORY_DATA,
                    header_span,
                    format!("the CSV has no `{name}` column, which the directory declares"),
                )
                .in_file(file),
            );
        }
        col_at.push(at);
    }
    for (i, h) in headers.iter().enumerate() {
        if i != key_at && !def.columns.iter().any(|(n, _, _)| n == h) {
            diags.push(
                Diagnostic::warning(
                    codes::UNUSED_COLUMN,
                    header_span,
                    format!("CSV column `{h}` is not declared and is ignored"),
                )
                .in_file(file),
            );
        }
    }
    let mut errors = 0usize;
    for rec in reader.records() {
        if errors >= 20 {
            diags.push(
                Diagnostic::error(
                    codes::BAD_DIRECTORY_DATA,
                    Span::new(0, 0),
                    "too many bad rows; stopped reading",
                )
                .in_file(file),
            );
            return;
        }
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let at = e.position().map_or(0, |p| p.byte() as usize + bom);
                diags.push(
                    Diagnostic::error(
                        codes::BAD_DIRECTORY_DATA,
                        Span::new(at, at + 1),
                        format!("bad CSV row: {e}"),
                    )
                    .in_file(file),
                );
                errors += 1;
                continue;
            }
        };
        let row_start = rec.position().map_or(0, |p| p.byte() as usize) + bom;
        let cell_span = |i: usize| {
            rec.range(i).map_or(Span::new(row_start, row_start), |r| {
                Span::new(row_start + r.start, row_start + r.end)
            })
        };
        let key = rec.get(key_at).unwrap_or("").trim();
        if key.is_empty() {
            diags.push(
                Diagnostic::error(
                    codes::BAD_DIRECTORY_DATA,
                    cell_span(key_at),
                    "a row has an empty key",
                )
                .in_file(file),
            );
            errors += 1;
            continue;
        }
        if key.len() > MAX_DIRECTORY_KEY_BYTES {
            diags.push(key_too_long(key, cell_span(key_at), file));
            errors += 1;
            continue;
        }
        let key = match canonical_key(key, def.key_ty, enums, cell_span(key_at), file) {
            Ok(k) => k,
            Err(d) => {
                diags.push(*d);
                errors += 1;
                continue;
            }
        };
        if let Some((f0, s0)) = seen.get(&key) {
            diags.push(
                Diagnostic::error(
                    codes::DUPLICATE_KEY,
                    cell_span(key_at),
                    format!("key `{key}` appears twice"),
                )
                .in_file(file)
                .with_label_in(*f0, *s0, "first row with this key"),
            );
            errors += 1;
            continue;
        }
        seen.insert(key.clone(), (file, cell_span(key_at)));
        let mut cells = Vec::with_capacity(def.columns.len());
        for (ci, (name, _, ty)) in def.columns.iter().enumerate() {
            let at = col_at.get(ci).copied().flatten();
            let raw = at.and_then(|a| rec.get(a)).unwrap_or("").trim();
            if raw.is_empty() {
                cells.push(None);
                continue;
            }
            match cell(raw, *ty, enums) {
                Ok(c) => cells.push(Some(c)),
                Err(expected) => {
                    diags.push(
                        Diagnostic::error(
                            codes::BAD_DIRECTORY_DATA,
                            cell_span(at.unwrap_or(0)),
                            format!("column `{name}` expects {expected}, found `{raw}`"),
                        )
                        .in_file(file),
                    );
                    errors += 1;
                    cells.push(None);
                }
            }
        }
        def.keys.push(key);
        def.cells.extend(cells);
        if def.keys.len() > MAX_DIRECTORY_ROWS {
            return;
        }
    }
}

/// Parses one CSV cell for a column type; `Err` holds what was expected.
fn cell(raw: &str, ty: Type, enums: &[EnumDef]) -> Result<Const, String> {
    match ty {
        Type::Int | Type::Number | Type::Money | Type::Percent => {
            match clausula_dsl::parse_number_literal(raw) {
                Some(d) if ty == Type::Int && !d.fract().is_zero() => {
                    Err("a whole number".to_string())
                }
                Some(d) => Ok(Const::Num(d)),
                None => Err(format!(
                    "{} (a decimal; `%`, `万` and `亿` allowed)",
                    ty.name()
                )),
            }
        }
        Type::Bool => match raw {
            "true" => Ok(Const::Bool(true)),
            "false" => Ok(Const::Bool(false)),
            _ => Err("`true` or `false`".to_string()),
        },
        Type::Date => parse_date(raw)
            .map(|d| Const::Date(days_from_date(d)))
            .ok_or_else(|| "a date YYYY-MM-DD".to_string()),
        Type::Text | Type::Code => Ok(Const::Str(raw.into())),
        Type::Enum(id) => {
            let def = enums
                .get(id as usize)
                .ok_or_else(|| "an enum value".to_string())?;
            def.variants
                .iter()
                .position(|(n, _)| n == raw)
                .and_then(|i| u32::try_from(i).ok())
                .map(Const::Enum)
                .ok_or_else(|| {
                    let names: Vec<&str> = def.variants.iter().map(|(n, _)| n.as_str()).collect();
                    format!("one of {}", names.join(", "))
                })
        }
        _ => Err(ty.name().to_string()),
    }
}
