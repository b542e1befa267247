//! Logging: `tracing` events as text or JSON lines on stdout (`LOG_FORMAT`), filtered
//! by `RUST_LOG` (default `info`).

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogDestination {
    /// stdout, filtered by `RUST_LOG` or `info`: the server's logs.
    Stdout,
    /// stderr, filtered by `RUST_LOG` or warnings only: the other commands, whose
    /// report is on stdout.
    Stderr,
}

/// Installs the process-wide subscriber. Text is coloured only when the destination is
/// a terminal, so that a log file or a collector never gets ANSI escape codes.
///
/// # Panics
///
/// When a global subscriber is already installed (call it once, from `main`).
pub fn init_logging(format: LogFormat, destination: LogDestination) {
    let default = match destination {
        LogDestination::Stdout => "info",
        LogDestination::Stderr => "warn,connectors_store=error",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match (format, destination) {
        (LogFormat::Text, LogDestination::Stdout) => {
            builder.with_ansi(std::io::stdout().is_terminal()).init();
        }
        (LogFormat::Text, LogDestination::Stderr) => builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .init(),
        (LogFormat::Json, LogDestination::Stdout) => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init(),
        (LogFormat::Json, LogDestination::Stderr) => builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .with_writer(std::io::stderr)
            .init(),
    }
}
