//! Run with: `cargo run -p reference-server` (zero configuration: SQLite under `data/`,
//! http://localhost:8080). `reference-server --help` lists the commands; the README
//! lists every variable.

use std::process::ExitCode;

use clap::Parser as _;
use reference_server::cli::{self, Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let command = Cli::parse().command.unwrap_or(Command::Serve);
    let logs = |default: &str| {
        tracing_subscriber::fmt().with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default)),
        )
    };
    if matches!(command, Command::Serve) {
        logs("info").init();
    } else {
        // The other commands print their report on stdout; their logs go to stderr.
        logs("warn,connectors_store=error")
            .with_writer(std::io::stderr)
            .init();
    }
    cli::run(command).await
}
