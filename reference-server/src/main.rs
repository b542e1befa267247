//! Run with: `cargo run -p reference-server` (zero configuration: SQLite under `data/`,
//! http://localhost:8080). `reference-server --help` lists the commands; the README
//! lists every variable.

use std::process::ExitCode;

use clap::Parser as _;
use reference_server::cli::{self, Cli, Command};
use reference_server::{Application, Settings};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let command = Cli::parse().command.unwrap_or(Command::Serve);
    let serving = matches!(command, Command::Serve);
    // Commands print their report on stdout; their logs go to stderr.
    let default_level = if serving {
        "info"
    } else {
        "warn,connectors_store=error"
    };
    let logs = tracing_subscriber::fmt().with_env_filter(
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level)),
    );
    if !serving {
        logs.with_writer(std::io::stderr).init();
        return cli::run(command).await;
    }
    logs.init();
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => {
            eprintln!("start-up failed: {error:#}");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(port = application.port(), "listening");
    if let Err(error) = application.run_until_stopped().await {
        eprintln!("{error:#}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
