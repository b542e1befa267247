//! The command line: `serve` (the default), `migrate`, `check` and `keys …`. Every
//! command reads the same environment as the server (SPEC §3).

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use connectors_store::{Cipher, KeyCheck, KeyStatus, ReencryptBatch, ReencryptCursor};
use secrecy::ExposeSecret as _;

use crate::config::Settings;
use crate::db::Database;
use crate::startup::{connect_database, existing_key};
use crate::Application;

/// The reference server of the connectors SDK. Configured by environment variables
/// (DATABASE_URL, CONNECTORS_ENCRYPTION_KEY, …: see the README).
#[derive(Debug, Parser)]
#[command(name = "reference-server", version, about)]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// A command.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the HTTP API and the dashboard (the default).
    Serve,
    /// Apply the migrations (the store's and the server's own), then exit.
    Migrate,
    /// Validate the configuration and the encryption key against the database, changing
    /// nothing; exits non-zero with one line naming the problem.
    Check,
    /// Encryption keys: status, rotation, retirement.
    #[command(subcommand)]
    Keys(KeysCommand),
}

/// `reference-server keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// How many stored values each key id seals, by table and column.
    Status,
    /// Re-encrypt every value sealed by a previous key under the primary key
    /// (CONNECTORS_ENCRYPTION_KEY), in batches, while servers keep running. Safe to
    /// stop and run again: it resumes from what is left on old keys.
    Rotate {
        /// Rows read and rewritten per transaction.
        #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=100_000))]
        batch_size: u32,
        /// Milliseconds to wait between batches, to go easy on a busy database.
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
    },
    /// Confirm that a previous key can be dropped from
    /// CONNECTORS_PREVIOUS_ENCRYPTION_KEYS: refused while any value is sealed with it.
    Retire {
        /// The key id (8 hex digits, as `keys status` shows it).
        key_id: String,
    },
    /// Print a new random key (base64 of 32 bytes) for CONNECTORS_ENCRYPTION_KEY.
    Generate,
}

/// A command's failure: the one line to print on stderr before exiting 1.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Self::new(format!("{error:#}"))
    }
}

/// Runs a command: its report on stdout, one line on stderr when it fails. Exit codes:
/// 0 done, 1 failed, 2 a bad setting (as clap's 2 for a bad argument).
pub async fn run(command: Command) -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("configuration error: {error}");
            return ExitCode::from(2);
        }
    };
    crate::telemetry::init_logging(
        settings.log_format,
        if matches!(command, Command::Serve) {
            crate::telemetry::LogDestination::Stdout
        } else {
            crate::telemetry::LogDestination::Stderr
        },
    );
    let outcome = match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => migrate(settings).await,
        Command::Check => check(settings).await,
        Command::Keys(KeysCommand::Status) => status(settings).await,
        Command::Keys(KeysCommand::Rotate {
            batch_size,
            pause_ms,
        }) => rotate(settings, batch_size, Duration::from_millis(pause_ms)).await,
        Command::Keys(KeysCommand::Retire { key_id }) => retire(settings, &key_id).await,
        Command::Keys(KeysCommand::Generate) => {
            println!("{}", Cipher::generate_key().expose_secret());
            Ok(())
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), Failure> {
    let application = Application::build(settings)
        .await
        .map_err(|error| Failure::new(format!("start-up failed: {error:#}")))?;
    tracing::info!(port = application.port(), "listening");
    Ok(application.run_until_stopped().await?)
}

async fn migrate(settings: Settings) -> Result<(), Failure> {
    let db = crate::startup::open_database(&settings).await?;
    println!("migrations applied ({})", db.backend());
    Ok(())
}

/// Opens the database without creating, migrating or writing anything.
async fn check(settings: Settings) -> Result<(), Failure> {
    let cipher = existing_key(&settings)?;
    let Some(db) = Database::open_existing(
        &settings.database_url,
        cipher.clone().unwrap_or_else(Cipher::generate),
    )
    .await
    .map_err(database_failure)?
    else {
        println!(
            "ok: configuration valid; no database yet at DATABASE_URL (the first start creates it)"
        );
        return Ok(());
    };
    let check = db
        .verify_key()
        .await
        .map_err(|error| key_failure(&settings, cipher.is_some(), error))?;
    let (Some(cipher), KeyCheck::Primary | KeyCheck::Previous) = (cipher, check) else {
        println!("ok: configuration valid; the database is not migrated yet (the first start, or `reference-server migrate`, does it)");
        return Ok(());
    };
    let status = db.key_status().await.map_err(database_failure)?;
    if let Some(missing) = status.missing_key_ids().first() {
        return Err(Failure::new(format!(
            "CONNECTORS_PREVIOUS_ENCRYPTION_KEYS: {} stored values are sealed with key {missing}, which is not configured (add it back, then run `reference-server keys rotate`)",
            status.values_on(missing)
        )));
    }
    println!(
        "ok: configuration valid; key {} opens the database ({} values on previous keys)",
        cipher.key_id(),
        status.values_on_old_keys()
    );
    Ok(())
}

/// The line for a failure of the database itself.
fn database_failure(error: crate::db::DbError) -> Failure {
    Failure::new(format!(
        "DATABASE_URL: {}",
        crate::error::error_chain(&error)
    ))
}

/// The line for a key the database refuses.
fn key_failure(settings: &Settings, configured: bool, error: crate::db::DbError) -> Failure {
    match error {
        crate::db::DbError::Store(connectors_core::StoreError::WrongKey) if configured => {
            Failure::new(format!(
                "CONNECTORS_ENCRYPTION_KEY: does not match the key this database was created with \
             (set the original key, or restore {}/encryption.key)",
                settings.data_dir.display()
            ))
        }
        crate::db::DbError::Store(connectors_core::StoreError::WrongKey) => Failure::new(format!(
            "CONNECTORS_ENCRYPTION_KEY: not set, and {}/encryption.key is missing, but this \
             database was created with a key",
            settings.data_dir.display()
        )),
        other => database_failure(other),
    }
}

/// The database as the server opens it, refusing to create one or to make up a key.
async fn open_for_keys(settings: &Settings) -> Result<Database, Failure> {
    let Some(cipher) = existing_key(settings)? else {
        return Err(Failure::new(format!(
            "CONNECTORS_ENCRYPTION_KEY: not set, and there is no {}/encryption.key",
            settings.data_dir.display()
        )));
    };
    if Database::is_missing(&settings.database_url) {
        return Err(Failure::new(
            "DATABASE_URL: no database there yet (start the server once, or run `reference-server migrate`)",
        ));
    }
    Ok(connect_database(settings, cipher, false).await?)
}

async fn status(settings: Settings) -> Result<(), Failure> {
    let db = open_for_keys(&settings).await?;
    let status = key_status(&db).await?;
    print_status(&status, &settings);
    Ok(())
}

async fn key_status(db: &Database) -> Result<KeyStatus, Failure> {
    db.key_status().await.map_err(database_failure)
}

fn print_status(status: &KeyStatus, settings: &Settings) {
    let role = |key_id: &str| {
        if key_id == status.primary_key_id() {
            "primary"
        } else if status.missing_key_ids().contains(&key_id) {
            "not configured"
        } else {
            "previous"
        }
    };
    println!("primary key: {}", status.primary_key_id());
    let previous: Vec<String> = settings
        .previous_encryption_keys
        .iter()
        .map(Cipher::key_id)
        .collect();
    println!(
        "previous keys: {}",
        if previous.is_empty() {
            "none".to_owned()
        } else {
            previous.join(", ")
        }
    );
    println!(
        "{:<28} {:<20} {:<9} {:>10}  role",
        "table", "column", "key id", "values"
    );
    for usage in status.usage() {
        println!(
            "{:<28} {:<20} {:<9} {:>10}  {}",
            usage.table,
            usage.column,
            usage.key_id,
            usage.values,
            role(&usage.key_id)
        );
    }
    for (table, rows) in status.rows_on_old_keys() {
        println!("rows left on old keys in {table}: {rows}");
    }
    println!("values left on old keys: {}", status.values_on_old_keys());
}

async fn rotate(settings: Settings, batch_size: u32, pause: Duration) -> Result<(), Failure> {
    let db = open_for_keys(&settings).await?;
    let before = key_status(&db).await?;
    println!(
        "rotating to key {}: {} values on old keys",
        before.primary_key_id(),
        before.values_on_old_keys()
    );
    let mut cursor = ReencryptCursor::default();
    let mut total = ReencryptBatch::default();
    while let Some(table) = cursor.table() {
        let batch = db
            .reencrypt_batch(&mut cursor, batch_size)
            .await
            .map_err(database_failure)?;
        total.add(&batch);
        if batch.rows_reencrypted > 0 {
            println!(
                "re-encrypted {} rows so far ({} values; {table})",
                total.rows_reencrypted, total.values_reencrypted
            );
        }
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
    }
    println!(
        "pass done: {} rows read, {} re-encrypted, {} changed meanwhile, {} unreadable",
        total.rows_read,
        total.rows_reencrypted,
        total.rows_changed_meanwhile,
        total.rows_unreadable
    );
    let after = key_status(&db).await?;
    print_status(&after, &settings);
    if let Some(missing) = after.missing_key_ids().first() {
        return Err(Failure::new(format!(
            "CONNECTORS_PREVIOUS_ENCRYPTION_KEYS: {} values are sealed with key {missing}, which is not configured: add it, then rotate again",
            after.values_on(missing)
        )));
    }
    if after.values_on_old_keys() > 0 {
        return Err(Failure::new(format!(
            "{} values were written under an old key during the pass (a server still on the old CONNECTORS_ENCRYPTION_KEY?): rotate again",
            after.values_on_old_keys()
        )));
    }
    Ok(())
}

async fn retire(settings: Settings, key_id: &str) -> Result<(), Failure> {
    let key_id = key_id.trim().to_ascii_lowercase();
    let db = open_for_keys(&settings).await?;
    let status = key_status(&db).await?;
    if key_id == status.primary_key_id() {
        return Err(Failure::new(format!(
            "key {key_id} is the primary key (CONNECTORS_ENCRYPTION_KEY): make another key primary and rotate first"
        )));
    }
    let values = status.values_on(&key_id);
    if values > 0 {
        return Err(Failure::new(format!(
            "key {key_id} still seals {values} values: run `reference-server keys rotate` first"
        )));
    }
    println!("no value is sealed with key {key_id}: it can be removed from CONNECTORS_PREVIOUS_ENCRYPTION_KEYS");
    Ok(())
}
