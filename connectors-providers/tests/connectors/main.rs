//! The built-in connectors through `ConnectorAuthService`, against the most real peer
//! that runs here: wiremock fakes answering in each provider's own format, a real SMTP
//! server (aiosmtpd) and a real signature-checking S3 server (s3s-fs).
//!
//! Peers the tests start themselves (each test fails, never skips, when one is missing):
//! - `pip install aiosmtpd` (Python 3) for `smtp`;
//! - `cargo install s3s-fs@0.14.1 --features binary --locked` for `minio`.

mod calendly;
mod gmail;
mod grant_fake;
mod hostinger;
#[cfg(feature = "minio")]
mod minio;
mod notion;
mod revocation;
mod slack;
#[cfg(feature = "smtp")]
mod smtp;
mod support;
mod twilio;
