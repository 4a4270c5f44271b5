//! The compile pipeline (load → check → compile) and the runner for `example` blocks.

use std::sync::Arc;

use clausula_dsl::ast::ExpectedStatus;
use clausula_dsl::{Diagnostic, Diagnostics};
use serde::Serialize;

use crate::check::{self, Expect};
use crate::codes;
use crate::compile;
use crate::decision::{Decision, Status};
use crate::facts;
use crate::load::{FsLoader, MemoryLoader, SourceLoader, load_all};
use crate::policy::Policy;
use crate::value::decimal_text;

/// The result of running one `example` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExampleResult {
    /// The example's name.
    pub name: String,
    /// Its evaluation date.
    pub as_of: String,
    /// The file it is in.
    pub file: String,
    /// Its line.
    pub line: u32,
    /// Whether every expectation held.
    pub passed: bool,
    /// What did not hold, one line each (expected vs actual).
    pub failures: Vec<String>,
    /// The decision, for showing the explanation.
    pub decision: Decision,
}

impl Policy {
    /// Compiles a policy from source text. `import`s and directory CSV files cannot be
    /// resolved without files; use [`Policy::compile_with`] or [`Policy::load`] for those.
    pub fn compile(source: &str) -> Result<Policy, Diagnostics> {
        Policy::compile_with(&MemoryLoader::new(), "policy.cla", source)
    }

    /// Compiles the policy at `path` (text `source`), reading imports and CSVs through `loader`.
    pub fn compile_with(
        loader: &dyn SourceLoader,
        path: &str,
        source: &str,
    ) -> Result<Policy, Diagnostics> {
        build(loader, path, source, true)
    }

    /// Reads and compiles a policy file (and what it imports) from disk. Imports and CSVs
    /// are read only from inside the policy's folder (see [`FsLoader::for_file`]); use
    /// [`Policy::load_in`] to name a wider root.
    pub fn load(path: &str) -> Result<Policy, Diagnostics> {
        Policy::load_in(&FsLoader::for_file(path), path)
    }

    /// Reads and compiles the policy at `path` through `loader` (an [`FsLoader`] with the
    /// root the caller chose, or any other loader).
    pub fn load_in(loader: &dyn SourceLoader, path: &str) -> Result<Policy, Diagnostics> {
        let text = crate::load::read_source(loader, path)?;
        build(loader, path, &text, true)
    }

    /// Checks a file without requiring a `policy` header (a library of shared declarations).
    /// Returns every diagnostic, warnings included; empty when all is well.
    pub fn check_with(loader: &dyn SourceLoader, path: &str, source: &str) -> Diagnostics {
        match build(loader, path, source, false) {
            Ok(p) => p
                .warnings()
                .cloned()
                .unwrap_or_else(|| Diagnostics::new(vec![], clausula_dsl::Sources::new())),
            Err(d) => d,
        }
    }

    /// Warnings from compiling (unreachable table rows, unused CSV columns).
    pub fn warnings(&self) -> Option<&Diagnostics> {
        self.inner.warnings.as_ref()
    }

    /// Number of `example` blocks.
    pub fn example_count(&self) -> usize {
        self.inner.examples.len()
    }

    /// Runs every `example` block of the policy file.
    pub fn run_examples(&self) -> Vec<ExampleResult> {
        let sources = &self.inner.sources;
        self.inner
            .examples
            .iter()
            .map(|ex| {
                let decision = self.decide_doc(&ex.given, ex.as_of);
                let mut failures = Vec::new();
                let mut expects_error = false;
                for e in &ex.expects {
                    match e {
                        Expect::Error { code, .. } => {
                            expects_error = true;
                            if !decision.errors.iter().any(|x| x.code == *code) {
                                let got: Vec<&str> = decision.errors.iter().map(|x| x.code.as_str()).collect();
                                failures.push(format!(
                                    "expected error `{code}`, got {}",
                                    if got.is_empty() { "no error".to_string() } else { got.join(", ") }
                                ));
                            }
                        }
                        Expect::Outcome {
                            outcome,
                            status,
                            amounts,
                            amount_errors,
                            values,
                            missing,
                            ..
                        } => {
                            let Some(o) = decision.outcome(outcome) else {
                                failures.push(format!("outcome `{outcome}` was not decided"));
                                continue;
                            };
                            let want = match status {
                                ExpectedStatus::Eligible => Status::Eligible,
                                ExpectedStatus::Ineligible => Status::Ineligible,
                                ExpectedStatus::Undetermined => Status::Undetermined,
                            };
                            if o.status != want {
                                failures.push(format!(
                                    "`{outcome}`: expected {}, got {}",
                                    want.as_str(),
                                    o.status.as_str()
                                ));
                            }
                            for (name, value, text) in amounts {
                                match o.amounts.get(name) {
                                    Some(a) if a.0 == *value => {}
                                    Some(a) => failures.push(format!(
                                        "`{outcome}.{name}`: expected {text} ({}), got {}",
                                        decimal_text(*value),
                                        decimal_text(a.0)
                                    )),
                                    None => failures.push(format!(
                                        "`{outcome}.{name}`: expected {text}, but it could not be computed"
                                    )),
                                }
                            }
                            for (name, code) in amount_errors {
                                match o.amount_lines.iter().find(|a| a.name == *name) {
                                    Some(a) => match (&a.value, &a.error) {
                                        (None, Some(e)) if e.code == *code => {}
                                        (None, Some(e)) => failures.push(format!(
                                            "`{outcome}.{name}`: expected error `{code}`, got `{}`",
                                            e.code
                                        )),
                                        (Some(v), _) => failures.push(format!(
                                            "`{outcome}.{name}`: expected error `{code}`, got the value {v}"
                                        )),
                                        (None, None) => failures.push(format!(
                                            "`{outcome}.{name}`: expected error `{code}`, but it is only unknown"
                                        )),
                                    },
                                    None => failures.push(format!(
                                        "`{outcome}` has no amount `{name}`"
                                    )),
                                }
                            }
                            for (key, want) in values {
                                match o.values.get(key) {
                                    Some(e) if want.matches(e.value.as_deref()) => {}
                                    Some(e) => failures.push(format!(
                                        "`{outcome}`: expected value `{key}` = {}, got {}",
                                        want.text(),
                                        e.value.as_deref().unwrap_or("no value")
                                    )),
                                    None => {
                                        let keys: Vec<&str> =
                                            o.values.iter().map(|(k, _)| k).collect();
                                        failures.push(format!(
                                            "`{outcome}`: no value `{key}` was read{}",
                                            clausula_dsl::suggest::closest(key, &keys)
                                                .map(|s| format!(" (did you mean `{s}`?)"))
                                                .unwrap_or_default()
                                        ));
                                    }
                                }
                            }
                            if let Some(m) = missing
                                && *m != o.missing
                            {
                                failures.push(format!(
                                    "`{outcome}`: expected missing {:?}, got {:?}",
                                    m, o.missing
                                ));
                            }
                        }
                    }
                }
                if !expects_error {
                    // An amount's error the example names (`NAME error "code"`) is expected.
                    let named = |e: &crate::ErrorReport| {
                        ex.expects.iter().any(|x| match x {
                            Expect::Outcome {
                                outcome,
                                amount_errors,
                                ..
                            } => {
                                e.outcome.as_deref() == Some(outcome.as_str())
                                    && e.lines.is_empty()
                                    && e.amounts.iter().all(|a| {
                                        amount_errors.iter().any(|(n, c)| n == a && *c == e.code)
                                    })
                            }
                            Expect::Error { .. } => false,
                        })
                    };
                    for e in decision.errors.iter().filter(|e| !named(e)) {
                        failures.push(format!("unexpected error: {e}"));
                    }
                }
                let line = sources.line_col(ex.file, ex.span.start).line;
                ExampleResult {
                    name: ex.name.clone(),
                    as_of: crate::value::iso_date(ex.as_of),
                    file: sources.name(ex.file).to_string(),
                    line,
                    passed: failures.is_empty(),
                    failures,
                    decision,
                }
            })
            .collect()
    }
}

fn build(
    loader: &dyn SourceLoader,
    path: &str,
    source: &str,
    require_policy: bool,
) -> Result<Policy, Diagnostics> {
    // One budget for every did-you-mean of this compilation.
    clausula_dsl::suggest::with_budget(|| build_in_budget(loader, path, source, require_policy))
}

fn build_in_budget(
    loader: &dyn SourceLoader,
    path: &str,
    source: &str,
    require_policy: bool,
) -> Result<Policy, Diagnostics> {
    let (mut loaded, mut diags) = load_all(loader, path, source);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(Diagnostics::new(diags, loaded.sources));
    }
    let (checked, more) = check::check(&mut loaded, loader, require_policy);
    diags.extend(more);
    let Some(checked) = checked else {
        return Err(Diagnostics::new(diags, loaded.sources));
    };
    let graph = compile::compile(&checked.program);
    // The facts of every example must fit the inputs: report them where they are written.
    // An example that expects a `facts/…` error is exempt: bad input is what it tests.
    for ex in &checked.examples {
        let expects_bad_facts = ex
            .expects
            .iter()
            .any(|e| matches!(e, Expect::Error { code } if code.starts_with("facts/")));
        if expects_bad_facts {
            continue;
        }
        if let Err(errors) = facts::read(&graph, &ex.given) {
            for e in errors {
                let span = e
                    .path
                    .as_ref()
                    .and_then(|p| ex.spans.get(p))
                    .copied()
                    .unwrap_or(ex.span);
                let mut d = Diagnostic::error(codes::INVALID_EXAMPLE, span, e.message.clone())
                    .in_file(ex.file)
                    .with_note(format!("fact check `{}`", e.code));
                if let Some(h) = e.help {
                    d = d.with_help(h);
                }
                diags.push(d);
            }
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Err(Diagnostics::new(diags, loaded.sources));
    }
    let warnings = (!diags.is_empty()).then(|| Diagnostics::new(diags, loaded.sources.clone()));
    let mut policy = Policy::from_graph(graph);
    if let Some(inner) = Arc::get_mut(&mut policy.inner) {
        inner.examples = checked.examples;
        inner.warnings = warnings;
        inner.sources = loaded.sources;
    }
    Ok(policy)
}
