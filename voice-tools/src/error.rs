//! The one error type of this crate.

use std::fmt;

use reqwest::StatusCode;
use serde_json::{json, Value};

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a tool call was refused or failed.
///
/// The first three variants are the model's mistakes: their `Display` is written for
/// the model to read and correct itself, and [`Error::to_tool_output`] wraps it as a
/// function-call output.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No tool has this name.
    #[error("unknown tool `{name}`; the tools are: {}", known.join(", "))]
    UnknownTool {
        /// The name asked for.
        name: String,
        /// The names the catalog has.
        known: Vec<String>,
    },
    /// The arguments do not match the tool's schema.
    #[error("invalid arguments for `{tool}`: {}", Problems(problems))]
    InvalidArguments {
        /// The tool called.
        tool: String,
        /// Each field at fault and why.
        problems: Vec<ArgumentProblem>,
    },
    /// The tool uploads a file the user picks in the browser, which a server cannot
    /// do on its own: use [`Executor::send_with_file`](crate::Executor::send_with_file)
    /// with the file's bytes.
    #[error("`{tool}` needs a file the user picks in the browser")]
    NeedsUserFile {
        /// The tool called.
        tool: String,
    },
    /// The REST API answered with a non-2xx status.
    #[error("the api answered {status}: {message}")]
    Api {
        /// The HTTP status.
        status: StatusCode,
        /// The API's error code (`{"error":{"code"}}`), e.g. `needs_reauth`.
        code: Option<String>,
        /// The API's error message, or the start of the body when it sent no JSON
        /// error.
        message: String,
        /// The API's field errors (`{"error":{"fields"}}` of a 422), as it sent them
        /// (each with its `field`, `code`, `message` and `params`); empty without.
        fields: Vec<Value>,
    },
    /// The REST API did not answer within the HTTP client's timeout.
    #[error("the api did not answer in time")]
    Timeout(#[source] reqwest::Error),
    /// The request did not get through (DNS, connection, TLS, …).
    #[error("could not reach the api")]
    Transport(#[source] reqwest::Error),
    /// An in-process [`Dispatch`](crate::Dispatch) could not answer the request.
    #[error("the api could not run the call: {0}")]
    Dispatch(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The REST API answered 2xx with a body that is not JSON.
    #[error("unexpected answer from the api ({status})")]
    InvalidResponse {
        /// The HTTP status.
        status: StatusCode,
        /// Why the body did not parse.
        #[source]
        source: serde_json::Error,
    },
}

impl Error {
    /// A short machine-readable code: `unknown_tool`, `invalid_arguments`,
    /// `needs_user_file`, the API's own code for [`Error::Api`] (else `api_error`),
    /// `timeout`, `unreachable` (also for a [`Dispatch`](crate::Dispatch) that could
    /// not answer) or `invalid_response`.
    pub fn code(&self) -> &str {
        match self {
            Self::UnknownTool { .. } => "unknown_tool",
            Self::InvalidArguments { .. } => "invalid_arguments",
            Self::NeedsUserFile { .. } => "needs_user_file",
            Self::Api { code, .. } => code.as_deref().unwrap_or("api_error"),
            Self::Timeout(_) => "timeout",
            Self::Transport(_) | Self::Dispatch(_) => "unreachable",
            Self::InvalidResponse { .. } => "invalid_response",
        }
    }

    /// The error as a function-call output for the model:
    /// `{"error":{"code","message"}}`, plus `"fields":[{"field","message"}]` for invalid
    /// arguments, and the API's own `fields` as it sent them.
    pub fn to_tool_output(&self) -> Value {
        let mut error = json!({"code": self.code(), "message": self.to_string()});
        match self {
            Self::InvalidArguments { problems, .. } => {
                error["fields"] = problems
                    .iter()
                    .map(|problem| json!({"field": problem.field, "message": problem.message}))
                    .collect();
            }
            Self::Api { fields, .. } if !fields.is_empty() => {
                error["fields"] = Value::Array(fields.clone());
            }
            _ => {}
        }
        json!({ "error": error })
    }

    pub(crate) fn from_reqwest(error: reqwest::Error) -> Self {
        if error.is_timeout() {
            Self::Timeout(error)
        } else {
            Self::Transport(error)
        }
    }
}

/// One reason arguments were refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgumentProblem {
    /// The argument at fault, as a dotted path (`limit`, `filter.0.name`); empty when
    /// the arguments as a whole are at fault.
    pub field: String,
    /// Why, e.g. `0 is less than the minimum of 1`.
    pub message: String,
    /// What kind of problem it is, for a client that says it in its own words.
    pub kind: ProblemKind,
}

/// What kind of problem an [`ArgumentProblem`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A required argument is missing.
    Required,
    /// Arguments the schema does not have.
    Unknown,
    /// Not an RFC 3339 date-time with an offset.
    NotADateTime,
    /// Not text.
    NotAString,
    /// Not a number.
    NotANumber,
    /// Not `true` or `false`.
    NotABoolean,
    /// A number below `min` or above `max`.
    OutOfRange {
        /// The least accepted, if bounded below.
        min: Option<i64>,
        /// The greatest accepted, if bounded above.
        max: Option<i64>,
    },
    /// A text shorter than this many characters.
    TooShort(u64),
    /// A text longer than this many characters.
    TooLong(u64),
    /// Not one of these values.
    NotOneOf(Vec<String>),
    /// Anything else: `message` says what.
    Other,
}

impl fmt::Display for ArgumentProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "`{}`: {}", self.field, self.message)
        }
    }
}

struct Problems<'a>(&'a [ArgumentProblem]);

impl fmt::Display for Problems<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.0.iter().enumerate() {
            if index > 0 {
                f.write_str("; ")?;
            }
            problem.fmt(f)?;
        }
        Ok(())
    }
}
