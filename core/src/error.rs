//! Errors of the engine's API. Compile errors are [`clausula_dsl::Diagnostics`].

use crate::codes;
use crate::decision::ErrorReport;

/// Why an evaluation could not produce outcomes.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EvalError {
    /// `as_of` is outside the policy's `effective` window.
    #[error("as_of {as_of} is outside the effective window of policy `{policy}` ({window})")]
    OutsideWindow {
        /// The policy.
        policy: String,
        /// The date asked for.
        as_of: String,
        /// The window, e.g. `2013-01-01 to 2015-12-31`.
        window: String,
    },
    /// The facts do not fit the policy's inputs.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Facts(Vec<ErrorReport>),
    /// Facts built for a different policy were passed.
    #[error("these facts were validated for a different policy")]
    ForeignFacts,
}

impl EvalError {
    /// The errors as they appear in a decision's `errors`.
    pub fn reports(&self) -> Vec<ErrorReport> {
        match self {
            EvalError::OutsideWindow {
                window,
                as_of,
                policy,
            } => vec![ErrorReport {
                code: codes::OUTSIDE_WINDOW.to_string(),
                message: format!(
                    "as_of {as_of} is outside the effective window of `{policy}` ({window})"
                ),
                path: None,
                expected: Some(window.clone()),
                outcome: None,
                help: Some(
                    "evaluate with an as_of inside the window the policy was in force".to_string(),
                ),
                ..Default::default()
            }],
            EvalError::Facts(list) => list.clone(),
            EvalError::ForeignFacts => vec![ErrorReport {
                code: codes::FOREIGN_SCHEMA.to_string(),
                message: self.to_string(),
                help: Some("build facts with the same policy you evaluate".to_string()),
                ..Default::default()
            }],
        }
    }

    /// The code of the first error.
    pub fn code(&self) -> &str {
        match self {
            EvalError::OutsideWindow { .. } => codes::OUTSIDE_WINDOW,
            EvalError::Facts(list) => list.first().map_or(codes::WRONG_TYPE, |e| e.code.as_str()),
            EvalError::ForeignFacts => codes::FOREIGN_SCHEMA,
        }
    }
}

/// A compiled graph that cannot be loaded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot load compiled policy: {message}")]
pub struct LoadError {
    /// `graph/invalid` (not a graph, or inconsistent), `load/corrupt` (the checksum does not
    /// match), `load/unsupported-version` (another format version) or `load/too-large`.
    pub code: &'static str,
    /// What is wrong with the bytes.
    pub message: String,
}

impl LoadError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

/// Why facts were refused: every problem found, each naming its fact path. A
/// `std::error::Error`, so `?` works with it; it reads as a slice of reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactErrors(Vec<ErrorReport>);

impl FactErrors {
    /// The reports, in document order.
    pub fn into_vec(self) -> Vec<ErrorReport> {
        self.0
    }
}

impl From<Vec<ErrorReport>> for FactErrors {
    fn from(v: Vec<ErrorReport>) -> FactErrors {
        FactErrors(v)
    }
}

impl From<FactErrors> for Vec<ErrorReport> {
    fn from(e: FactErrors) -> Vec<ErrorReport> {
        e.0
    }
}

impl std::ops::Deref for FactErrors {
    type Target = [ErrorReport];
    fn deref(&self) -> &[ErrorReport] {
        &self.0
    }
}

impl IntoIterator for FactErrors {
    type Item = ErrorReport;
    type IntoIter = std::vec::IntoIter<ErrorReport>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FactErrors {
    type Item = &'a ErrorReport;
    type IntoIter = std::slice::Iter<'a, ErrorReport>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl std::fmt::Display for FactErrors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FactErrors {}

impl From<FactErrors> for EvalError {
    fn from(e: FactErrors) -> EvalError {
        EvalError::Facts(e.0)
    }
}
