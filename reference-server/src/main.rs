//! Run with: `cargo run -p reference-server` (zero configuration: SQLite under `data/`,
//! http://localhost:8080). `reference-server --help` lists the commands; the README
//! lists every variable.

use std::process::ExitCode;

use clap::Parser as _;
use reference_server::cli::{self, Cli, Command};

#[tokio::main]
async fn main() -> ExitCode {
    let command = Cli::parse().command.unwrap_or(Command::Serve);
    cli::run(command).await
}
