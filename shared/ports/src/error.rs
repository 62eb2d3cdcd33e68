//! The one error type every port returns.

use std::fmt;

/// What went wrong, in terms a handler can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PortErrorKind {
    /// The dependency is missing, down, or timed out. Retrying later may help (maps to 503).
    Unavailable,
    /// A storage constraint refused the write (unique key, foreign key, check).
    Constraint,
    /// The caller passed something the backend cannot represent (e.g. an integer D1 would round).
    InvalidInput,
    /// The backend answered with something the adapter could not decode.
    Decode,
    /// Anything else: a bug or an unexpected backend answer.
    Other,
}

/// An error from a port. `message` is for logs only: it may name tables or bindings,
/// so it must never be sent to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortError {
    /// The category handlers match on.
    pub kind: PortErrorKind,
    /// Diagnostic text for the operator's log.
    pub message: String,
}

impl PortError {
    /// Builds an error of `kind` with a diagnostic message.
    pub fn new(kind: PortErrorKind, message: impl Into<String>) -> Self {
        Self { kind, message: message.into() }
    }

    /// A dependency that is down or missing.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(PortErrorKind::Unavailable, message)
    }

    /// A value the backend cannot represent.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(PortErrorKind::InvalidInput, message)
    }

    /// A constraint violation.
    pub fn constraint(message: impl Into<String>) -> Self {
        Self::new(PortErrorKind::Constraint, message)
    }

    /// An undecodable answer.
    pub fn decode(message: impl Into<String>) -> Self {
        Self::new(PortErrorKind::Decode, message)
    }

    /// Anything else.
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(PortErrorKind::Other, message)
    }
}

impl fmt::Display for PortError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for PortError {}
