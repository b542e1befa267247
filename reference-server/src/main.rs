//! Run with: `cargo run -p reference-server` (zero configuration: SQLite under `data/`,
//! http://localhost:8080). See the README for every variable.

use reference_server::{Application, Settings};

#[tokio::main]
async fn main() {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            std::process::exit(2);
        }
    };
    reference_server::telemetry::init_logging(settings.log_format);
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(error) => {
            eprintln!("start-up failed: {error:#}");
            std::process::exit(1);
        }
    };
    tracing::info!(port = application.port(), "listening");
    if let Err(error) = application.run_until_stopped().await {
        eprintln!("{error:#}");
        std::process::exit(1);
    }
}
