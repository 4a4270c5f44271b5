//! The native half of the npm package `clausula`: a compiled policy behind wasm-bindgen.
//!
//! The public JavaScript API is the TypeScript wrapper in `js/index.ts`, which turns the plain
//! error objects thrown here into `Error` subclasses, serialises facts, and guards against a
//! trapped module. The output types (`Decision`, `Schema`, `DiagnosticReport`, …) are
//! declared in TypeScript by `tsify` from the Rust structs, so the `.d.ts` cannot drift.
//!
//! Values cross the boundary as JSON text, parsed by the engine's strict reader on the way in
//! and by `JSON.parse` on the way out: the decision is byte for byte the one the CLI and the
//! Python binding print.

use clausula_core::{Decision, Policy, Status, parse_date};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Installs the panic hook in debug builds, so a panic prints its message to the console.
/// Release builds abort on panic (a trap, which the wrapper reports as an `InternalError`).
#[wasm_bindgen(start)]
pub fn start() {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
}

/// The error thrown to the wrapper: `{ kind, message, detail }`.
fn error(kind: &str, message: impl Into<String>, detail: serde_json::Value) -> JsValue {
    let text = serde_json::json!({ "kind": kind, "message": message.into(), "detail": detail })
        .to_string();
    js_sys::JSON::parse(&text).unwrap_or_else(|e| e)
}

/// Serialises `value` into a JavaScript value through JSON.
fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| error("internal", e.to_string(), serde_json::Value::Null))?;
    js_sys::JSON::parse(&text)
}

fn as_of(text: &str) -> Result<clausula_core::NaiveDate, JsValue> {
    parse_date(text).ok_or_else(|| {
        error(
            "value",
            format!("asOf `{text}` is not a date YYYY-MM-DD"),
            serde_json::Value::Null,
        )
    })
}

#[cfg(feature = "parser")]
fn diagnostics_error(d: &clausula_core::Diagnostics) -> JsValue {
    let detail = serde_json::to_value(d.reports()).unwrap_or(serde_json::Value::Null);
    error("compile", d.to_string(), detail)
}

#[cfg(feature = "parser")]
fn loader(files_json: &str) -> Result<clausula_core::MemoryLoader, JsValue> {
    let files: std::collections::BTreeMap<String, String> = serde_json::from_str(files_json)
        .map_err(|e| {
            error(
                "value",
                format!("`files` must map file names to their text: {e}"),
                serde_json::Value::Null,
            )
        })?;
    Ok(files.into_iter().collect())
}

#[cfg(not(feature = "parser"))]
fn no_parser() -> JsValue {
    error(
        "unsupported",
        "this build of Clausula has no compiler (the evaluator-only module): compile the \
         policy with the CLI, Python or the full module and load it with Policy.fromBytes",
        serde_json::Value::Null,
    )
}

/// Unknown facts that could still change the undetermined outcomes, most decisive first:
/// the outcomes' `missing` lists merged rank by rank, without repeats.
fn merged_missing(d: &Decision, outcome: Option<&str>) -> Result<Vec<String>, JsValue> {
    let lists: Vec<&Vec<String>> = match outcome {
        Some(name) => {
            let o = d.outcome(name).ok_or_else(|| {
                error(
                    "value",
                    format!("the policy has no outcome `{name}`"),
                    serde_json::Value::Null,
                )
            })?;
            vec![&o.missing]
        }
        None => d
            .outcomes
            .iter()
            .filter(|(_, o)| o.status == Status::Undetermined)
            .map(|(_, o)| &o.missing)
            .collect(),
    };
    let longest = lists.iter().map(|l| l.len()).max().unwrap_or(0);
    let mut out: Vec<String> = Vec::new();
    for rank in 0..longest {
        for l in &lists {
            if let Some(path) = l.get(rank)
                && !out.contains(path)
            {
                out.push(path.clone());
            }
        }
    }
    Ok(out)
}

/// A compiled policy held by the module (compile once, evaluate many times).
#[wasm_bindgen]
pub struct NativePolicy {
    inner: Policy,
}

#[wasm_bindgen]
impl NativePolicy {
    /// Compiles `source` (the file `path`); `filesJson` maps imported `.cla` files and
    /// directory CSVs, by path relative to it, to their text.
    #[cfg(feature = "parser")]
    pub fn compile(
        source: &str,
        #[wasm_bindgen(js_name = filesJson)] files_json: &str,
        path: &str,
    ) -> Result<NativePolicy, JsValue> {
        let loader = loader(files_json)?;
        Policy::compile_with(&loader, path, source)
            .map(|inner| NativePolicy { inner })
            .map_err(|d| diagnostics_error(&d))
    }

    /// Without the compiler: always throws `unsupported`.
    #[cfg(not(feature = "parser"))]
    pub fn compile(
        _source: &str,
        #[wasm_bindgen(js_name = filesJson)] _files_json: &str,
        _path: &str,
    ) -> Result<NativePolicy, JsValue> {
        Err(no_parser())
    }

    /// Loads a compiled graph (`clausula compile`, `Policy.to_bytes` in Python, `toBytes`).
    #[wasm_bindgen(js_name = fromBytes)]
    pub fn from_bytes(bytes: &[u8]) -> Result<NativePolicy, JsValue> {
        Policy::from_bytes(bytes)
            .map(|inner| NativePolicy { inner })
            .map_err(|e| {
                error(
                    "load",
                    e.to_string(),
                    serde_json::Value::String(e.code().to_string()),
                )
            })
    }

    /// The compiled graph, loadable by every binding.
    #[wasm_bindgen(js_name = toBytes)]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.inner.to_bytes()
    }

    /// The policy's name.
    #[wasm_bindgen(getter)]
    pub fn name(&self) -> String {
        self.inner.name().to_string()
    }

    /// The policy's title.
    #[wasm_bindgen(getter)]
    pub fn title(&self) -> Option<String> {
        self.inner.title().map(str::to_string)
    }

    /// The documents it implements.
    #[wasm_bindgen(getter)]
    pub fn source(&self) -> Option<String> {
        self.inner.source().map(str::to_string)
    }

    /// The effective window, `2013-01-01..` or `2013-01-01..2015-12-31`.
    #[wasm_bindgen(getter)]
    pub fn effective(&self) -> String {
        self.inner.effective()
    }

    /// The input schema.
    #[wasm_bindgen(unchecked_return_type = "Schema")]
    pub fn inputs(&self) -> Result<JsValue, JsValue> {
        to_js(&self.inner.inputs())
    }

    /// The facts as a JSON Schema (draft 2020-12).
    #[wasm_bindgen(js_name = jsonSchema)]
    pub fn json_schema(&self) -> Result<JsValue, JsValue> {
        js_sys::JSON::parse(&self.inner.inputs().json_schema().to_string())
    }

    /// Evaluates facts given as JSON text: the decision of the JSON contract. Bad facts and
    /// a date outside the window are reported in its `errors`, not thrown.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(js_name = factsJson)] facts_json: &str,
        #[wasm_bindgen(js_name = asOf)] as_of: &str,
        #[wasm_bindgen(js_name = fieldErrors)] field_errors: Option<bool>,
    ) -> Result<JsValue, JsValue> {
        let date = self::as_of(as_of)?;
        let d = if field_errors.unwrap_or(false) {
            self.inner
                .decide_json_with_field_errors(facts_json.as_bytes(), date)
        } else {
            self.inner.decide_json(facts_json.as_bytes(), date)
        };
        js_sys::JSON::parse(&d.to_json())
    }

    /// Statuses, known amounts and errors only: the decision without its explanations,
    /// much cheaper to build and to hand to JavaScript. Never throws for bad facts.
    #[wasm_bindgen(unchecked_return_type = "DecisionSummary")]
    pub fn summarize(
        &self,
        #[wasm_bindgen(js_name = factsJson)] facts_json: &str,
        #[wasm_bindgen(js_name = asOf)] as_of: &str,
    ) -> Result<JsValue, JsValue> {
        let date = self::as_of(as_of)?;
        js_sys::JSON::parse(
            &self
                .inner
                .summarize_json(facts_json.as_bytes(), date)
                .to_json(),
        )
    }

    /// Like `evaluate`, returning the JSON text itself.
    #[wasm_bindgen(js_name = evaluateToJson)]
    pub fn evaluate_to_json(
        &self,
        #[wasm_bindgen(js_name = factsJson)] facts_json: &str,
        #[wasm_bindgen(js_name = asOf)] as_of: &str,
    ) -> Result<String, JsValue> {
        let date = self::as_of(as_of)?;
        Ok(self
            .inner
            .decide_json(facts_json.as_bytes(), date)
            .to_json())
    }

    /// The unknown facts worth asking for next, most decisive first (for one outcome, or
    /// merged over every undetermined outcome). Throws `facts` when the facts are bad.
    pub fn missing(
        &self,
        #[wasm_bindgen(js_name = factsJson)] facts_json: &str,
        #[wasm_bindgen(js_name = asOf)] as_of: &str,
        outcome: Option<String>,
    ) -> Result<Vec<String>, JsValue> {
        let date = self::as_of(as_of)?;
        let d = self.inner.decide_json(facts_json.as_bytes(), date);
        if d.outcomes.is_empty()
            && let Some(first) = d.errors.first()
        {
            let message = d
                .errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            return Err(if first.code.starts_with("facts/") {
                let detail = serde_json::to_value(&d.errors).unwrap_or(serde_json::Value::Null);
                error("facts", message, detail)
            } else {
                // a date outside the effective window
                error(
                    "evaluation",
                    message,
                    serde_json::Value::String(first.code.clone()),
                )
            });
        }
        merged_missing(&d, outcome.as_deref())
    }

    /// Compile warnings (unreachable table rows, unused CSV columns).
    #[wasm_bindgen(unchecked_return_type = "DiagnosticReport[]")]
    pub fn warnings(&self) -> Result<JsValue, JsValue> {
        #[cfg(feature = "parser")]
        {
            let reports = self
                .inner
                .warnings()
                .map(clausula_core::Diagnostics::reports)
                .unwrap_or_default();
            to_js(&reports)
        }
        #[cfg(not(feature = "parser"))]
        {
            to_js(&Vec::<clausula_core::DiagnosticReport>::new())
        }
    }

    /// The rule graph as Graphviz DOT.
    #[wasm_bindgen(js_name = toDot)]
    pub fn to_dot(&self) -> String {
        self.inner.to_dot()
    }
}

/// Checks a policy without compiling it for use: every diagnostic, warnings included (an
/// empty list when all is well). For editors.
#[wasm_bindgen(unchecked_return_type = "DiagnosticReport[]")]
pub fn check(
    source: &str,
    #[wasm_bindgen(js_name = filesJson)] files_json: &str,
    path: &str,
) -> Result<JsValue, JsValue> {
    #[cfg(feature = "parser")]
    {
        let loader = loader(files_json)?;
        to_js(&Policy::check_with(&loader, path, source).reports())
    }
    #[cfg(not(feature = "parser"))]
    {
        let _ = (source, files_json, path);
        Err(no_parser())
    }
}

/// Formats policy source canonically (comments kept).
#[wasm_bindgen]
pub fn format(source: &str) -> Result<String, JsValue> {
    #[cfg(feature = "parser")]
    {
        clausula_core::format_source("<input>", source).map_err(|d| diagnostics_error(&d))
    }
    #[cfg(not(feature = "parser"))]
    {
        let _ = source;
        Err(no_parser())
    }
}

/// What a user typed in a field of type `ty`, as the facts value the engine reads
/// (`"3亿"` → `"300000000"`, `"是"` → `true`); throws `facts` with the engine's code.
#[wasm_bindgen(js_name = parseInput)]
pub fn parse_input(text: &str, ty: &str) -> Result<JsValue, JsValue> {
    match clausula_core::parse_typed(text, ty) {
        Ok(v) => js_sys::JSON::parse(&v.to_string()),
        Err(e) => {
            let message = e.to_string();
            let detail = serde_json::to_value(vec![e]).unwrap_or(serde_json::Value::Null);
            Err(error("facts", message, detail))
        }
    }
}

/// Whether this module includes the compiler.
#[wasm_bindgen(js_name = hasCompiler)]
pub fn has_compiler() -> bool {
    cfg!(feature = "parser")
}

/// The engine's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Panics on purpose: the tests prove that a panic surfaces as an `InternalError`.
#[wasm_bindgen(js_name = panicForTests)]
pub fn panic_for_tests(message: &str) {
    #[expect(clippy::panic, reason = "this function exists to panic")]
    {
        panic!("{message}")
    }
}
