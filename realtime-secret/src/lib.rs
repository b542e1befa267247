//! Mints short-lived OpenAI Realtime client secrets, so a browser can talk to a voice
//! agent without ever seeing the server's `OPENAI_API_KEY`.
//!
//! The server calls [`ClientSecretMinter::mint`] with a [`SessionConfig`] (model,
//! voice, instructions, tools, lifetime); the crate posts
//! `{base}/realtime/client_secrets` with the key as a bearer token and returns a
//! [`ClientSecret`] whose [`value`](ClientSecret::value) (`ek_…`) the browser hands to
//! `session.connect({ apiKey })`.
//!
//! # Quick start
//!
//! ```no_run
//! use std::time::Duration;
//! use realtime_secret::{ClientSecretMinter, FunctionTool, OpenAiApiKey, SessionConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // Once, at start-up (a library never reads the environment: the server does).
//! let minter = ClientSecretMinter::new(OpenAiApiKey::new(std::env::var("OPENAI_API_KEY")?))
//!     .with_base_url("https://api.openai.com/v1".parse()?);
//!
//! // Per request.
//! let config = SessionConfig::new()
//!     .with_model("gpt-realtime")
//!     .with_voice("marin")
//!     .with_instructions("You are Donna, a helpful voice assistant.")
//!     .with_tool(FunctionTool::new(
//!         "list_projects",
//!         "List the user's projects.",
//!         serde_json::json!({"type": "object", "properties": {}, "additionalProperties": false}),
//!     ))
//!     .with_ttl(Duration::from_secs(60));
//! match minter.mint(&config).await {
//!     Ok(secret) => {
//!         let _for_the_browser = (secret.value.expose_secret(), secret.expires_at);
//!     }
//!     Err(error) => {
//!         // Log `error`, answer `error.status_hint()` (429 / 502 / 503), with
//!         // `Retry-After` from `error.retry_after()` on a 429.
//!         let _answer = (error.status_hint(), error.retry_after());
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # What is where
//!
//! - [`ClientSecretMinter`]: the HTTP call; configured with `new(key)` plus
//!   `with_base_url` and `with_http_client`.
//! - [`SessionConfig`], [`FunctionTool`]: what the session holds. The lifetime is
//!   clamped to OpenAI's 10 s ..= 2 h.
//! - [`ClientSecret`], [`EphemeralKey`], [`OpenAiApiKey`]: secrets are types whose
//!   `Debug` is redacted, read with `.expose_secret()`.
//! - [`Error`], [`OpenAiError`]: every failure, with [`Error::status_hint`] mapping it
//!   to the status a server should answer.
//!
//! The key goes into the `Authorization` header (marked sensitive) and nowhere else:
//! not into errors, `Debug` output or logs.

mod error;
mod minter;
mod secret;
mod session;

pub use error::{Error, OpenAiError, Result};
pub use minter::{ClientSecret, ClientSecretMinter};
pub use secret::{EphemeralKey, OpenAiApiKey};
pub use session::{FunctionTool, SessionConfig, MAX_TTL, MIN_TTL};

pub use reqwest;
pub use secrecy;
pub use url;

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
