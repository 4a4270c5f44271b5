//! The native module `clausula._clausula`. The public API is the pure-Python package
//! `clausula`, which wraps this module, turns its errors into the exception hierarchy, and
//! builds the Python objects of a decision.
//!
//! Every entry point runs inside `guard`: a Rust panic becomes a `NativeError` of kind
//! `internal`, never an abort of the interpreter.

mod convert;

use std::panic::{AssertUnwindSafe, catch_unwind};

use clausula_core::arrow::ArrowBatchError;
use clausula_core::{FsLoader, Policy, parse_date};
use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

create_exception!(
    _clausula,
    NativeError,
    PyException,
    "A failure inside the native module: (kind, message, payload JSON)."
);

/// Raises `NativeError(kind, message, payload)`.
fn native(kind: &str, message: impl Into<String>, payload: String) -> PyErr {
    NativeError::new_err((kind.to_string(), message.into(), payload))
}

/// Runs `f`, turning a panic into a `NativeError` of kind `internal`.
fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(native(
                "internal",
                format!("internal error in Clausula (please report it): {what}"),
                "null".to_string(),
            ))
        }
    }
}

/// The loader for a policy at `path`: files inside `root`, or inside the policy's folder.
fn fs_loader(path: &str, root: Option<&str>) -> FsLoader {
    match root {
        Some(r) => FsLoader::new(r),
        None => FsLoader::for_file(path),
    }
}

fn diagnostics_error(d: &clausula_core::Diagnostics) -> PyErr {
    let payload = serde_json::to_string(&d.reports()).unwrap_or_else(|_| "[]".to_string());
    native("compile", d.to_string(), payload)
}

/// A Python mapping of facts as JSON, or a `FactError` naming the bad value's path.
fn facts_value(facts: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    convert::to_json(facts).map_err(|(path, message)| {
        let report = serde_json::json!([{
            "code": "facts/wrong-type",
            "message": message,
            "path": if path.is_empty() { serde_json::Value::Null } else { serde_json::Value::String(path) },
        }]);
        native("facts", "the facts cannot be read", report.to_string())
    })
}

/// An Arrow batch failure as a `NativeError`.
fn arrow_error(e: ArrowBatchError) -> PyErr {
    let kind = match e {
        ArrowBatchError::Columns(_) => "facts",
        ArrowBatchError::Evaluation(_) => "evaluation",
        ArrowBatchError::Internal(_) => "internal",
    };
    let payload = serde_json::to_string(&e.reports()).unwrap_or_default();
    native(kind, e.to_string(), payload)
}

fn as_of(s: &str) -> PyResult<clausula_core::NaiveDate> {
    parse_date(s).ok_or_else(|| {
        native(
            "value",
            format!("as_of `{s}` is not a date YYYY-MM-DD"),
            "null".to_string(),
        )
    })
}

/// A compiled policy.
#[pyclass(frozen, module = "clausula._clausula")]
struct NativePolicy {
    inner: Policy,
}

#[pymethods]
impl NativePolicy {
    /// Compiles source text; with `path`, imports and CSVs are read relative to it, inside
    /// `root` (default: the folder of `path`).
    #[staticmethod]
    #[pyo3(signature = (source, path=None, root=None))]
    fn compile(
        py: Python<'_>,
        source: &str,
        path: Option<&str>,
        root: Option<&str>,
    ) -> PyResult<NativePolicy> {
        guard(|| {
            let source = source.to_string();
            let path = path.map(str::to_string);
            let root = root.map(str::to_string);
            let r = py.detach(move || match path {
                Some(p) => Policy::compile_with(&fs_loader(&p, root.as_deref()), &p, &source),
                None => Policy::compile(&source),
            });
            r.map(|inner| NativePolicy { inner })
                .map_err(|d| diagnostics_error(&d))
        })
    }

    /// Reads and compiles a policy file and what it imports (inside `root`, by default the
    /// policy's folder).
    #[staticmethod]
    #[pyo3(signature = (path, root=None))]
    fn load(py: Python<'_>, path: &str, root: Option<&str>) -> PyResult<NativePolicy> {
        guard(|| {
            let path = path.to_string();
            let root = root.map(str::to_string);
            py.detach(move || Policy::load_in(&fs_loader(&path, root.as_deref()), &path))
                .map(|inner| NativePolicy { inner })
                .map_err(|d| diagnostics_error(&d))
        })
    }

    /// Loads a compiled graph.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<NativePolicy> {
        guard(|| {
            Policy::from_bytes(data)
                .map(|inner| NativePolicy { inner })
                .map_err(|e| {
                    native(
                        "load",
                        e.to_string(),
                        serde_json::json!({ "code": e.code() }).to_string(),
                    )
                })
        })
    }

    /// The compiled graph.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        guard(|| Ok(PyBytes::new(py, &self.inner.to_bytes())))
    }

    #[getter]
    fn name(&self) -> String {
        self.inner.name().to_string()
    }

    #[getter]
    fn title(&self) -> Option<String> {
        self.inner.title().map(str::to_string)
    }

    #[getter]
    fn source(&self) -> Option<String> {
        self.inner.source().map(str::to_string)
    }

    #[getter]
    fn effective(&self) -> String {
        self.inner.effective()
    }

    /// The input schema as JSON.
    fn inputs_json(&self) -> PyResult<String> {
        guard(|| {
            serde_json::to_string(&self.inner.inputs())
                .map_err(|e| native("internal", e.to_string(), "null".to_string()))
        })
    }

    /// The facts' JSON Schema (draft 2020-12) as JSON.
    fn json_schema_json(&self) -> PyResult<String> {
        guard(|| {
            serde_json::to_string(&self.inner.inputs().json_schema())
                .map_err(|e| native("internal", e.to_string(), "null".to_string()))
        })
    }

    /// Evaluates facts (a Python mapping) and returns the decision as JSON; with
    /// `field_errors`, a bad field is an error on it and unknown (the rest still decides).
    #[pyo3(signature = (facts, as_of, field_errors=None))]
    fn decide(
        &self,
        py: Python<'_>,
        facts: &Bound<'_, PyAny>,
        as_of: &str,
        field_errors: Option<bool>,
    ) -> PyResult<String> {
        guard(|| {
            let date = self::as_of(as_of)?;
            let value = facts_value(facts)?;
            let policy = self.inner.clone();
            Ok(py.detach(move || {
                if field_errors.unwrap_or(false) {
                    policy.decide_with_field_errors(&value, date).to_json()
                } else {
                    policy.decide(&value, date).to_json()
                }
            }))
        })
    }

    /// Statuses, known amounts and errors (the decision without explanations) as JSON.
    fn summarize(&self, py: Python<'_>, facts: &Bound<'_, PyAny>, as_of: &str) -> PyResult<String> {
        guard(|| {
            let date = self::as_of(as_of)?;
            let value = facts_value(facts)?;
            let policy = self.inner.clone();
            Ok(py.detach(move || policy.summarize_value(&value, date).to_json()))
        })
    }

    /// Evaluates facts given as JSON text and returns the decision as JSON.
    #[pyo3(signature = (text, as_of, field_errors=None))]
    fn decide_json(
        &self,
        py: Python<'_>,
        text: &str,
        as_of: &str,
        field_errors: Option<bool>,
    ) -> PyResult<String> {
        guard(|| {
            let date = self::as_of(as_of)?;
            let policy = self.inner.clone();
            let text = text.as_bytes().to_vec();
            Ok(py.detach(move || {
                if field_errors.unwrap_or(false) {
                    policy.decide_json_with_field_errors(&text, date).to_json()
                } else {
                    policy.decide_json(&text, date).to_json()
                }
            }))
        })
    }

    /// Evaluates an Arrow table (anything with `__arrow_c_stream__`): returns a pyarrow
    /// Table with the input columns plus status, amount and error columns.
    #[pyo3(signature = (table, as_of, cell_errors=None, lines=None))]
    fn evaluate_table(
        &self,
        py: Python<'_>,
        table: pyo3_arrow::PyTable,
        as_of: &str,
        cell_errors: Option<Vec<(usize, String, String)>>,
        lines: Option<bool>,
    ) -> PyResult<Py<PyAny>> {
        guard(|| {
            let date = self::as_of(as_of)?;
            let opts = clausula_core::BatchOptions {
                lines: lines.unwrap_or(false),
            };
            let (batches, schema) = table.into_inner();
            let policy = self.inner.clone();
            let cell_errors = cell_errors.unwrap_or_default();
            let out = py.detach(move || {
                clausula_core::arrow::evaluate_record_batches(
                    &policy,
                    batches,
                    schema,
                    date,
                    &cell_errors,
                    opts,
                )
            });
            let (batches, schema) = out.map_err(arrow_error)?;
            let table = pyo3_arrow::PyTable::try_new(batches, schema)?;
            Ok(table.into_pyarrow(py)?.unbind())
        })
    }

    /// Compares an Arrow table under this policy (the baseline) and `reform`: returns a
    /// pyarrow Table with the input columns plus the comparison's, the summary as JSON, and
    /// the summary as text.
    #[pyo3(signature = (reform, table, as_of, reform_as_of, cell_errors=None))]
    fn compare_table(
        &self,
        py: Python<'_>,
        reform: &NativePolicy,
        table: pyo3_arrow::PyTable,
        as_of: &str,
        reform_as_of: &str,
        cell_errors: Option<Vec<(usize, String, String)>>,
    ) -> PyResult<(Py<PyAny>, String, String)> {
        guard(|| {
            let (base_date, reform_date) = (self::as_of(as_of)?, self::as_of(reform_as_of)?);
            let (base, reform) = (self.inner.clone(), reform.inner.clone());
            let (batches, schema) = table.into_inner();
            let cell_errors = cell_errors.unwrap_or_default();
            let out = py.detach(move || {
                let mut cmp = clausula_core::arrow::ArrowComparer::new(
                    &base,
                    &reform,
                    schema,
                    base_date,
                    reform_date,
                )?;
                let mut out = Vec::with_capacity(batches.len());
                for b in &batches {
                    out.push(cmp.add(b, &cell_errors)?);
                }
                Ok::<_, ArrowBatchError>((out, cmp.schema(), cmp.summary()))
            });
            let (batches, schema, summary) = out.map_err(arrow_error)?;
            let json = serde_json::to_string(&summary)
                .map_err(|e| native("internal", e.to_string(), "null".to_string()))?;
            let table = pyo3_arrow::PyTable::try_new(batches, schema)?;
            Ok((table.into_pyarrow(py)?.unbind(), json, summary.to_text()))
        })
    }

    /// This policy with params or directory cells overridden (`NAME=VALUE`,
    /// `NAME@YYYY-MM-DD=VALUE`, `DIR[KEY].COLUMN=VALUE`).
    fn with_params(&self, specs: Vec<String>) -> PyResult<NativePolicy> {
        guard(|| {
            let mut overrides = Vec::with_capacity(specs.len());
            let mut errors = Vec::new();
            for s in &specs {
                match clausula_core::Override::parse(s) {
                    Ok(o) => overrides.push(o),
                    Err(e) => errors.push(e),
                }
            }
            let result = if errors.is_empty() {
                self.inner.with_params(&overrides)
            } else {
                Err(errors)
            };
            match result {
                Ok(inner) => Ok(NativePolicy { inner }),
                Err(errors) => {
                    let message = errors
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ");
                    let payload = serde_json::to_string(&errors).unwrap_or_default();
                    Err(native("override", message, payload))
                }
            }
        })
    }

    /// Runs the policy's `example` blocks; returns JSON.
    fn run_examples_json(&self) -> PyResult<String> {
        guard(|| {
            serde_json::to_string(&self.inner.run_examples())
                .map_err(|e| native("internal", e.to_string(), "null".to_string()))
        })
    }

    /// Compile warnings as JSON (an empty list when there is none).
    fn warnings_json(&self) -> PyResult<String> {
        guard(|| {
            let reports = self
                .inner
                .warnings()
                .map(clausula_core::Diagnostics::reports)
                .unwrap_or_default();
            serde_json::to_string(&reports)
                .map_err(|e| native("internal", e.to_string(), "null".to_string()))
        })
    }

    /// The rule graph as Graphviz DOT.
    fn to_dot(&self) -> String {
        self.inner.to_dot()
    }

    fn __repr__(&self) -> String {
        format!("NativePolicy({:?})", self.inner.name())
    }
}

/// Formats policy source text canonically.
#[pyfunction]
fn format_source(source: &str) -> PyResult<String> {
    guard(|| clausula_core::format_source("<input>", source).map_err(|d| diagnostics_error(&d)))
}

/// Panics on purpose: proves that a panic becomes an exception, not an abort.
/// What a user typed in a field of type `ty`, as the facts value (JSON) the engine reads.
#[pyfunction]
fn parse_input_json(text: &str, ty: &str) -> PyResult<String> {
    guard(|| match clausula_core::parse_typed(text, ty) {
        Ok(v) => Ok(v.to_string()),
        Err(e) => {
            let message = e.to_string();
            let payload = serde_json::to_string(&vec![e]).unwrap_or_default();
            Err(native("facts", message, payload))
        }
    })
}

#[pyfunction]
fn _panic_for_tests(message: &str) -> PyResult<()> {
    guard(|| -> PyResult<()> {
        #[expect(clippy::panic, reason = "this function exists to panic")]
        {
            panic!("{message}")
        }
    })
}

#[pymodule]
fn _clausula(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<NativePolicy>()?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add_function(wrap_pyfunction!(format_source, m)?)?;
    m.add_function(wrap_pyfunction!(parse_input_json, m)?)?;
    // Reachable for the trap test only: set as an attribute, so it is not in `__all__`.
    m.setattr("_panic_for_tests", wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
