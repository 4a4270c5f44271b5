//! Python values to facts JSON, exactly: `Decimal` keeps every digit, floats go through
//! their shortest repr (`0.1` stays 0.1), dates become `YYYY-MM-DD`. Anything else is an error
//! naming the fact path; nothing is guessed.

use std::str::FromStr;

use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Number, Value};

/// Deepest nesting accepted (facts are at most entity → list → item → field).
const MAX_DEPTH: usize = 32;

type Failure = (String, String);

fn fail(path: &str, message: impl Into<String>) -> Failure {
    (path.to_string(), message.into())
}

fn child(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

fn number(path: &str, text: &str) -> Result<Value, Failure> {
    Number::from_str(text)
        .map(Value::Number)
        .map_err(|_| fail(path, format!("`{text}` is not a finite number")))
}

/// Converts a Python value into facts JSON.
pub(crate) fn to_json(obj: &Bound<'_, PyAny>) -> Result<Value, Failure> {
    value(obj, "", 0)
}

fn type_name(obj: &Bound<'_, PyAny>) -> (String, String) {
    let ty = obj.get_type();
    let name = ty.name().map(|n| n.to_string()).unwrap_or_default();
    let module = ty.module().map(|m| m.to_string()).unwrap_or_default();
    (module, name)
}

fn value(obj: &Bound<'_, PyAny>, path: &str, depth: usize) -> Result<Value, Failure> {
    if depth > MAX_DEPTH {
        return Err(fail(path, "the facts are nested too deeply"));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    // `bool` before `int`: in Python a bool is an int.
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        let text = obj
            .str()
            .and_then(|s| s.extract::<String>())
            .map_err(|e| fail(path, e.to_string()))?;
        return number(path, &text);
    }
    if obj.is_instance_of::<PyFloat>() {
        let f = obj
            .extract::<f64>()
            .map_err(|e| fail(path, e.to_string()))?;
        // NaN is how pandas and numpy write a missing value: unknown, as in batches.
        if f.is_nan() {
            return Ok(Value::Null);
        }
        if !f.is_finite() {
            return Err(fail(path, format!("{f} is not a finite number")));
        }
        // `repr` is the shortest text that reads back as the same float: 0.1 → "0.1".
        let text = obj
            .repr()
            .and_then(|s| s.extract::<String>())
            .map_err(|e| fail(path, e.to_string()))?;
        return number(path, &text);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s
            .extract::<String>()
            .map_err(|e| fail(path, e.to_string()))?;
        return Ok(Value::String(s));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let Ok(key) = k.extract::<String>() else {
                return Err(fail(path, "keys must be strings"));
            };
            let p = child(path, &key);
            let v = value(&v, &p, depth + 1)?;
            map.insert(key, v);
        }
        return Ok(Value::Object(map));
    }
    if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut items = Vec::new();
        for (i, item) in obj
            .try_iter()
            .map_err(|e| fail(path, e.to_string()))?
            .enumerate()
        {
            let item = item.map_err(|e| fail(path, e.to_string()))?;
            items.push(value(&item, &format!("{path}[{i}]"), depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    let (module, name) = type_name(obj);
    match (module.as_str(), name.as_str()) {
        ("decimal", "Decimal") => {
            let finite = obj
                .call_method0("is_finite")
                .and_then(|b| b.extract::<bool>())
                .unwrap_or(false);
            let text = obj
                .str()
                .and_then(|s| s.extract::<String>())
                .map_err(|e| fail(path, e.to_string()))?;
            if !finite {
                return Err(fail(
                    path,
                    format!("Decimal('{text}') is not a finite number"),
                ));
            }
            number(path, &text)
        }
        // pandas' missing values (`pd.NA`, `pd.NaT`): unknown, as in batches.
        (m, "NAType" | "NaTType") if m.starts_with("pandas") => Ok(Value::Null),
        ("datetime", "datetime") => Err(fail(path, "a datetime is not a date; pass its .date()")),
        ("datetime", "date") => {
            let text = obj
                .call_method0("isoformat")
                .and_then(|s| s.extract::<String>())
                .map_err(|e| fail(path, e.to_string()))?;
            Ok(Value::String(text))
        }
        (m, _) if m == "numpy" || m.starts_with("numpy.") => {
            // numpy scalars: their Python value.
            let item = obj
                .call_method0("item")
                .map_err(|e| fail(path, e.to_string()))?;
            value(&item, path, depth + 1)
        }
        _ => {
            // Other mappings (e.g. OrderedDict subclasses are dicts already) are refused.
            Err(fail(path, format!("a {module}.{name} is not a fact value")))
        }
    }
}
