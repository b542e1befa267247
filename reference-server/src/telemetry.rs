//! Logging: `tracing` events as text or JSON lines on stdout (`LOG_FORMAT`), filtered
//! by `RUST_LOG` (default `info`).

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the process-wide subscriber. Text is coloured only when stdout is a
/// terminal, so that a log file or a collector never gets ANSI escape codes.
///
/// # Panics
///
/// When a global subscriber is already installed (call it once, from `main`).
pub fn init_logging(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Text => builder.with_ansi(std::io::stdout().is_terminal()).init(),
        LogFormat::Json => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
    }
}
