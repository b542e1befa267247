//! Settings read from the environment (SPEC §3). A bad value stops start-up with one
//! line naming the variable.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use connectors_core::{BackgroundRefresh, EventType};
use connectors_store::Cipher;
use secrecy::SecretString;
use url::Url;

use crate::webhooks::{WebhookSecret, WebhookSettings};

/// One OAuth provider's settings.
#[derive(Debug, Clone)]
pub struct OAuthProviderSettings {
    /// `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET`, when both are set.
    pub client: Option<(String, SecretString)>,
    /// `*_AUTH_URL` override.
    pub auth_url: Option<Url>,
    /// `*_TOKEN_URL` override.
    pub token_url: Option<Url>,
    /// `*_REVOKE_URL` override.
    pub revoke_url: Option<Url>,
    /// `*_API_URL` override.
    pub api_url: Option<Url>,
}

/// Everything the server reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `BIND_ADDR`.
    pub bind_addr: SocketAddr,
    /// `BACKEND_URL`: the public base of this API.
    pub backend_url: Url,
    /// `FRONTEND_URL`: where browsers are sent back to.
    pub frontend_url: Url,
    /// `DATA_DIR`: the key file and uploaded files live here.
    pub data_dir: PathBuf,
    /// `CONNECTORS_ENCRYPTION_KEY` (base64 of 32 bytes), as the cipher it makes: the key
    /// is checked once, here.
    pub encryption_key: Option<Cipher>,
    /// `CONNECTORS_PREVIOUS_ENCRYPTION_KEYS`: a comma list of earlier keys (base64 of 32
    /// bytes each), kept to read what they sealed until `reference-server keys rotate`
    /// has sealed it again under the primary key.
    pub previous_encryption_keys: Vec<Cipher>,
    /// Providers by name (`google`, `slack`, `notion`, `calendly`).
    pub oauth_providers: Vec<(String, OAuthProviderSettings)>,
    /// API base URLs of config connectors' providers (`twilio`, `hostinger`).
    pub api_urls: Vec<(String, Url)>,
    /// `OPENAI_API_KEY`.
    pub openai_api_key: Option<SecretString>,
    /// `OPENAI_BASE_URL`.
    pub openai_base_url: Url,
    /// `REALTIME_MODEL`.
    pub realtime_model: String,
    /// `REALTIME_VOICE`.
    pub realtime_voice: String,
    /// `REALTIME_CALLS_URL`.
    pub realtime_calls_url: Url,
    /// `REALTIME_SECRET_TTL_SECONDS`.
    pub realtime_secret_ttl: u32,
    /// `REALTIME_SECRETS_PER_MINUTE`.
    pub realtime_secrets_per_minute: u32,
    /// `SIGNUPS_PER_MINUTE` (per client address).
    pub signups_per_minute: u32,
    /// `LOGIN_ATTEMPTS_PER_MINUTE` (per client address).
    pub login_attempts_per_minute: u32,
    /// `HTTP_TIMEOUT_SECONDS`: timeout of every call to a provider.
    pub http_timeout: Duration,
    /// `MAX_UPLOAD_BYTES`.
    pub max_upload_bytes: usize,
    /// `HEADER_READ_TIMEOUT_SECONDS`: how long a client has to send a whole request head,
    /// counted from the connection's start or, on a kept-alive connection, from the
    /// previous answer (so it is also the keep-alive idle timeout).
    pub header_read_timeout: Duration,
    /// `MAX_CONNECTIONS`: connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// `SESSION_TTL_HOURS`.
    pub session_ttl: Duration,
    /// `SESSION_CACHE_SECONDS`: how long a replica trusts a session it has seen without
    /// reading it again (0 reads every time). A logout on another replica takes effect
    /// here within this time.
    pub session_cache: Duration,
    /// `BLOCK_PRIVATE_TARGETS`: refuse user-supplied endpoints on private, loopback and
    /// link-local addresses.
    pub block_private_targets: bool,
    /// `WEBHOOK_*`, when `WEBHOOK_URL` is set.
    pub webhooks: Option<WebhookSettings>,
    /// The background refresh worker (`REFRESH_AHEAD_SECONDS`, `KEEPALIVE_DAYS`,
    /// `EXPIRY_WARNING_HOURS`, `BACKGROUND_REFRESH_INTERVAL_SECONDS`,
    /// `BACKGROUND_REFRESH_CONCURRENCY`); `None` when `BACKGROUND_REFRESH=false`.
    pub background_refresh: Option<BackgroundRefresh>,
    /// `REFRESH_RETRY_SECONDS`: the backoff after a grant's first transient refresh
    /// failure (default 30), doubling after each further one, at most an hour.
    pub refresh_retry: Duration,
    /// `LOG_FORMAT`: how log lines are written.
    pub log_format: LogFormat,
    /// `SHUTDOWN_GRACE_SECONDS`: at SIGTERM or SIGINT, how long requests in flight may
    /// take to finish before they are abandoned.
    pub shutdown_grace: Duration,
    /// Settings that start but probably not as meant (a client id without its secret),
    /// logged once at start-up.
    pub warnings: Vec<String>,
}

/// `LOG_FORMAT`: how the server writes its log lines (to stdout).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `text` (the default): one human-readable line per event, coloured only when
    /// stdout is a terminal.
    #[default]
    Text,
    /// `json`: one JSON object per line, with the fields of the event and its spans
    /// (the request span's `method`, `path` and `request_id`), for log collectors.
    Json,
}

/// A setting that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct SettingsError {
    /// The variable.
    pub variable: String,
    /// What is wrong with it.
    pub message: String,
}

impl Settings {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let env = Env(&lookup);
        let backend_url = env
            .url("BACKEND_URL")?
            .unwrap_or_else(|| parse_default("http://localhost:8080"));
        let frontend_url = env
            .url("FRONTEND_URL")?
            .unwrap_or_else(|| backend_url.clone());
        let database_url = env
            .get("DATABASE_URL")
            .unwrap_or_else(|| "sqlite://data/connectors.db".to_owned());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(env.error(
                "DATABASE_URL",
                "unknown scheme (expected sqlite:, postgres:// or postgresql://)",
            ));
        }
        let bind_addr = match env.get("BIND_ADDR") {
            Some(value) => value.parse().map_err(|_| {
                env.error("BIND_ADDR", "expected an address such as 127.0.0.1:8080")
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let encryption_key = match env.get("CONNECTORS_ENCRYPTION_KEY") {
            Some(key) => Some(Cipher::from_base64(&key).map_err(|_| {
                env.error(
                    "CONNECTORS_ENCRYPTION_KEY",
                    "expected the base64 of exactly 32 bytes",
                )
            })?),
            None => None,
        };
        let previous_encryption_keys = env.previous_keys()?;
        let mut oauth_providers = Vec::new();
        let mut warnings = Vec::new();
        for (provider, prefix) in [
            ("google", "GOOGLE"),
            ("slack", "SLACK"),
            ("notion", "NOTION"),
            ("calendly", "CALENDLY"),
        ] {
            let (settings, warning) = env.oauth_provider(provider, prefix)?;
            oauth_providers.push((provider.to_owned(), settings));
            warnings.extend(warning);
        }
        let mut api_urls = Vec::new();
        for (provider, variable) in [
            ("twilio", "TWILIO_API_URL"),
            ("hostinger", "HOSTINGER_API_URL"),
        ] {
            if let Some(url) = env.url(variable)? {
                api_urls.push((provider.to_owned(), url));
            }
        }
        let realtime_secret_ttl = env.bounded("REALTIME_SECRET_TTL_SECONDS", 60, 10..=7200)?;
        Ok(Self {
            database_url,
            bind_addr,
            backend_url,
            frontend_url,
            data_dir: PathBuf::from(env.get("DATA_DIR").unwrap_or_else(|| "data".to_owned())),
            encryption_key,
            previous_encryption_keys,
            oauth_providers,
            api_urls,
            openai_api_key: env
                .get("OPENAI_API_KEY")
                .filter(|key| !key.is_empty())
                .map(SecretString::from),
            openai_base_url: env
                .url("OPENAI_BASE_URL")?
                .unwrap_or_else(|| parse_default("https://api.openai.com/v1")),
            realtime_model: env
                .get("REALTIME_MODEL")
                .unwrap_or_else(|| "gpt-realtime".to_owned()),
            realtime_voice: env
                .get("REALTIME_VOICE")
                .unwrap_or_else(|| "marin".to_owned()),
            realtime_calls_url: env
                .url("REALTIME_CALLS_URL")?
                .unwrap_or_else(|| parse_default("https://api.openai.com/v1/realtime/calls")),
            realtime_secret_ttl,
            realtime_secrets_per_minute: env.bounded(
                "REALTIME_SECRETS_PER_MINUTE",
                10,
                1..=MAX_PER_MINUTE,
            )?,
            signups_per_minute: env.bounded("SIGNUPS_PER_MINUTE", 5, 1..=MAX_PER_MINUTE)?,
            login_attempts_per_minute: env.bounded(
                "LOGIN_ATTEMPTS_PER_MINUTE",
                10,
                1..=MAX_PER_MINUTE,
            )?,
            http_timeout: Duration::from_secs(
                env.bounded("HTTP_TIMEOUT_SECONDS", 10, 1..=600)?.into(),
            ),
            max_upload_bytes: env.bounded("MAX_UPLOAD_BYTES", 10 * 1024 * 1024, 1..=1 << 30)?
                as usize,
            header_read_timeout: Duration::from_secs(
                env.bounded("HEADER_READ_TIMEOUT_SECONDS", 10, 1..=600)?
                    .into(),
            ),
            max_connections: env.bounded("MAX_CONNECTIONS", 1024, 1..=1_000_000)? as usize,
            session_ttl: Duration::from_secs(
                u64::from(env.bounded("SESSION_TTL_HOURS", 24 * 14, 1..=24 * 366)?) * 3600,
            ),
            session_cache: Duration::from_secs(
                env.bounded("SESSION_CACHE_SECONDS", 5, 0..=3600)?.into(),
            ),
            block_private_targets: env.flag("BLOCK_PRIVATE_TARGETS")?,
            webhooks: env.webhooks()?,
            background_refresh: env.background_refresh()?,
            refresh_retry: Duration::from_secs(
                env.bounded("REFRESH_RETRY_SECONDS", 30, 1..=3600)?.into(),
            ),
            log_format: env.log_format()?,
            shutdown_grace: Duration::from_secs(
                env.bounded("SHUTDOWN_GRACE_SECONDS", 20, 0..=3600)?.into(),
            ),
            warnings,
        })
    }

    /// Whether cookies must be `Secure` (the API is served over https).
    pub fn secure_cookies(&self) -> bool {
        self.backend_url.scheme() == "https"
    }

    /// `{BACKEND_URL}/api/v1`, keeping any path `BACKEND_URL` has (a deployment under
    /// `https://host/app`), with or without its trailing slash.
    pub fn api_base(&self) -> Url {
        join_segments(&self.backend_url, &["api", "v1"])
    }

    /// A page of the dashboard: `{FRONTEND_URL}/{segments…}`, keeping its path.
    pub fn frontend_page(&self, segments: &[&str]) -> Url {
        join_segments(&self.frontend_url, segments)
    }
}

/// `base` with `segments` appended to its path (each one percent-encoded), its query
/// and fragment dropped.
fn join_segments(base: &Url, segments: &[&str]) -> Url {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty().extend(segments);
    }
    url
}

/// The highest per-minute rate limit a setting accepts.
const MAX_PER_MINUTE: u32 = 1_000_000;

fn parse_default(url: &str) -> Url {
    Url::parse(url).expect("default URLs are valid")
}

struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn error(&self, variable: &str, message: &str) -> SettingsError {
        SettingsError {
            variable: variable.to_owned(),
            message: message.to_owned(),
        }
    }

    fn url(&self, name: &str) -> Result<Option<Url>, SettingsError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let url = Url::parse(&value)
            .map_err(|error| self.error(name, &format!("not a valid URL ({error})")))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(self.error(name, "expected an http:// or https:// URL with a host"));
        }
        Ok(Some(url))
    }

    fn number(&self, name: &str, default: u32) -> Result<u32, SettingsError> {
        match self.get(name) {
            Some(value) => value
                .parse()
                .map_err(|_| self.error(name, "expected a whole number")),
            None => Ok(default),
        }
    }

    /// A whole number within `range`: every numeric setting has bounds, so that no
    /// value can overflow the arithmetic it feeds (a session expiry, a duration).
    fn bounded(
        &self,
        name: &str,
        default: u32,
        range: RangeInclusive<u32>,
    ) -> Result<u32, SettingsError> {
        let value = self.number(name, default)?;
        if range.contains(&value) {
            Ok(value)
        } else {
            Err(self.error(
                name,
                &format!("must be between {} and {}", range.start(), range.end()),
            ))
        }
    }

    fn flag(&self, name: &str) -> Result<bool, SettingsError> {
        self.flag_or(name, false)
    }

    fn flag_or(&self, name: &str, default: bool) -> Result<bool, SettingsError> {
        match self.get(name).as_deref() {
            None => Ok(default),
            Some("0" | "false" | "no") => Ok(false),
            Some("1" | "true" | "yes") => Ok(true),
            Some(_) => Err(self.error(name, "expected true or false")),
        }
    }

    /// `BACKGROUND_REFRESH` (default on) and the worker's other variables.
    fn background_refresh(&self) -> Result<Option<BackgroundRefresh>, SettingsError> {
        if !self.flag_or("BACKGROUND_REFRESH", true)? {
            return Ok(None);
        }
        let seconds = |value: u32| Duration::from_secs(value.into());
        Ok(Some(BackgroundRefresh {
            refresh_ahead: seconds(self.bounded("REFRESH_AHEAD_SECONDS", 600, 0..=86_400)?),
            keepalive: seconds(self.bounded("KEEPALIVE_DAYS", 7, 1..=366)? * 86_400),
            expiry_warning: seconds(self.bounded("EXPIRY_WARNING_HOURS", 48, 0..=24 * 90)? * 3600),
            interval: seconds(self.bounded("BACKGROUND_REFRESH_INTERVAL_SECONDS", 30, 1..=3600)?),
            concurrency: self.bounded("BACKGROUND_REFRESH_CONCURRENCY", 8, 1..=256)? as usize,
            ..BackgroundRefresh::default()
        }))
    }

    fn log_format(&self) -> Result<LogFormat, SettingsError> {
        match self
            .get("LOG_FORMAT")
            .map(|value| value.to_ascii_lowercase())
            .as_deref()
        {
            None | Some("text") => Ok(LogFormat::Text),
            Some("json") => Ok(LogFormat::Json),
            Some(_) => Err(self.error("LOG_FORMAT", "expected text or json")),
        }
    }

    /// `CONNECTORS_PREVIOUS_ENCRYPTION_KEYS`: each key of the comma list as a cipher;
    /// a bad entry is named by its place, never echoed.
    fn previous_keys(&self) -> Result<Vec<Cipher>, SettingsError> {
        const VARIABLE: &str = "CONNECTORS_PREVIOUS_ENCRYPTION_KEYS";
        let Some(list) = self.get(VARIABLE) else {
            return Ok(Vec::new());
        };
        list.split(',')
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .enumerate()
            .map(|(index, key)| {
                Cipher::from_base64(key).map_err(|_| {
                    self.error(
                        VARIABLE,
                        &format!("entry {} is not the base64 of exactly 32 bytes", index + 1),
                    )
                })
            })
            .collect()
    }

    /// `WEBHOOK_URL` and, when it is set, the other four `WEBHOOK_*` variables.
    fn webhooks(&self) -> Result<Option<WebhookSettings>, SettingsError> {
        let Some(url) = self.url("WEBHOOK_URL")? else {
            return Ok(None);
        };
        let secret = self
            .get("WEBHOOK_SECRET")
            .ok_or_else(|| self.error("WEBHOOK_SECRET", "required when WEBHOOK_URL is set"))?;
        let secret = WebhookSecret::parse(&secret)
            .map_err(|message| self.error("WEBHOOK_SECRET", message))?;
        let events = match self.get("WEBHOOK_EVENTS") {
            None => WebhookSettings::default_events(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|name| !name.is_empty())
                .map(|name| {
                    EventType::parse(name).ok_or_else(|| {
                        self.error("WEBHOOK_EVENTS", &format!("unknown event type {name:?}"))
                    })
                })
                .collect::<Result<_, _>>()?,
        };
        let retry_schedule = match self.get("WEBHOOK_RETRY_SCHEDULE") {
            None => WebhookSettings::default_retry_schedule(),
            Some(list) => list
                .split(',')
                .map(|seconds| match seconds.trim().parse::<u32>() {
                    // At most a week between attempts, at most 20 retries.
                    Ok(seconds @ 1..=604_800) => Ok(Duration::from_secs(seconds.into())),
                    _ => Err(self.error(
                        "WEBHOOK_RETRY_SCHEDULE",
                        "expected a comma list of seconds, each between 1 and 604800",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
        };
        if retry_schedule.len() > 20 {
            return Err(self.error("WEBHOOK_RETRY_SCHEDULE", "at most 20 retries"));
        }
        let timeout =
            Duration::from_secs(self.bounded("WEBHOOK_TIMEOUT_SECONDS", 10, 1..=600)?.into());
        Ok(Some(WebhookSettings {
            url,
            secret,
            events,
            retry_schedule,
            timeout,
        }))
    }

    /// A provider's settings, and a warning when only half of its client is given.
    fn oauth_provider(
        &self,
        provider: &str,
        prefix: &str,
    ) -> Result<(OAuthProviderSettings, Option<String>), SettingsError> {
        let id_variable = format!("{prefix}_CLIENT_ID");
        let secret_variable = format!("{prefix}_CLIENT_SECRET");
        let id = self.get(&id_variable);
        let secret = self.get(&secret_variable);
        let warning = match (&id, &secret) {
            (Some(_), None) => Some((id_variable, secret_variable)),
            (None, Some(_)) => Some((secret_variable, id_variable)),
            _ => None,
        }
        .map(|(given, missing)| {
            format!(
                "{given} is set but {missing} is not: the {provider} connectors stay \
                 \"not configured\" until both are"
            )
        });
        let settings = OAuthProviderSettings {
            client: id.zip(secret.map(SecretString::from)),
            auth_url: self.url(&format!("{prefix}_AUTH_URL"))?,
            token_url: self.url(&format!("{prefix}_TOKEN_URL"))?,
            revoke_url: self.url(&format!("{prefix}_REVOKE_URL"))?,
            api_url: self.url(&format!("{prefix}_API_URL"))?,
        };
        Ok((settings, warning))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn zero_configuration_gives_the_documented_defaults() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.database_url, "sqlite://data/connectors.db");
        assert_eq!(settings.bind_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.backend_url.as_str(), "http://localhost:8080/");
        assert_eq!(settings.frontend_url, settings.backend_url);
        assert_eq!(settings.realtime_secret_ttl, 60);
        assert_eq!(settings.realtime_secrets_per_minute, 10);
        assert_eq!(settings.signups_per_minute, 5);
        assert_eq!(settings.header_read_timeout, Duration::from_secs(10));
        assert_eq!(settings.max_connections, 1024);
        assert_eq!(settings.log_format, LogFormat::Text);
        assert_eq!(settings.shutdown_grace, Duration::from_secs(20));
        assert!(settings.previous_encryption_keys.is_empty());
        assert!(settings
            .oauth_providers
            .iter()
            .all(|(_, provider)| provider.client.is_none()));
    }

    #[test]
    fn a_bad_value_names_its_variable() {
        for (variable, value) in [
            ("GOOGLE_TOKEN_URL", "not a url"),
            ("BACKEND_URL", "ftp://example.com"),
            ("CONNECTORS_ENCRYPTION_KEY", "c2hvcnQ="),
            ("DATABASE_URL", "mysql://localhost/db"),
            ("BIND_ADDR", "localhost"),
            ("REALTIME_SECRET_TTL_SECONDS", "5"),
            ("REALTIME_SECRETS_PER_MINUTE", "many"),
            ("LOG_FORMAT", "yaml"),
            ("CONNECTORS_PREVIOUS_ENCRYPTION_KEYS", "c2hvcnQ="),
            ("SHUTDOWN_GRACE_SECONDS", "soon"),
            ("SHUTDOWN_GRACE_SECONDS", "-1"),
        ] {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable);
            assert!(error.to_string().starts_with(variable));
        }
    }

    #[test]
    fn log_format_is_text_or_json() {
        assert_eq!(
            settings(&[("LOG_FORMAT", "json")]).unwrap().log_format,
            LogFormat::Json
        );
        assert_eq!(
            settings(&[("LOG_FORMAT", "JSON")]).unwrap().log_format,
            LogFormat::Json
        );
        assert_eq!(
            settings(&[("LOG_FORMAT", "text")]).unwrap().log_format,
            LogFormat::Text
        );
        let error = settings(&[("LOG_FORMAT", "pretty")]).unwrap_err();
        assert_eq!(error.to_string(), "LOG_FORMAT: expected text or json");
    }

    #[test]
    fn numbers_out_of_their_bounds_stop_start_up_naming_the_variable() {
        for (variable, value) in [
            ("SESSION_TTL_HOURS", "4294967295"),
            ("SESSION_TTL_HOURS", "0"),
            ("SESSION_CACHE_SECONDS", "4294967295"),
            ("HTTP_TIMEOUT_SECONDS", "4294967295"),
            ("LOGIN_ATTEMPTS_PER_MINUTE", "0"),
            ("REALTIME_SECRETS_PER_MINUTE", "4294967295"),
            ("MAX_UPLOAD_BYTES", "4294967295"),
            ("SHUTDOWN_GRACE_SECONDS", "3601"),
        ] {
            let error = settings(&[(variable, value)]).unwrap_err();
            assert_eq!(error.variable, variable, "{value}");
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("{variable}: must be between")),
                "{error}"
            );
        }
    }

    #[test]
    fn provider_urls_are_overridden_by_their_variables() {
        let settings = settings(&[
            ("GOOGLE_CLIENT_ID", "id"),
            ("GOOGLE_CLIENT_SECRET", "secret"),
            ("GOOGLE_AUTH_URL", "http://127.0.0.1:9000/auth"),
            ("GOOGLE_TOKEN_URL", "http://127.0.0.1:9000/token"),
            ("GOOGLE_REVOKE_URL", "http://127.0.0.1:9000/revoke"),
            ("GOOGLE_API_URL", "http://127.0.0.1:9000"),
            ("TWILIO_API_URL", "http://127.0.0.1:9001"),
            ("HOSTINGER_API_URL", "http://127.0.0.1:9002"),
        ])
        .unwrap();
        let (_, google) = settings
            .oauth_providers
            .iter()
            .find(|(name, _)| name == "google")
            .unwrap();
        assert!(google.client.is_some());
        assert_eq!(
            google.auth_url.as_ref().unwrap().as_str(),
            "http://127.0.0.1:9000/auth"
        );
        assert_eq!(
            google.token_url.as_ref().unwrap().as_str(),
            "http://127.0.0.1:9000/token"
        );
        assert_eq!(
            google.revoke_url.as_ref().unwrap().as_str(),
            "http://127.0.0.1:9000/revoke"
        );
        assert_eq!(
            google.api_url.as_ref().unwrap().as_str(),
            "http://127.0.0.1:9000/"
        );
        let api = |provider: &str| {
            settings
                .api_urls
                .iter()
                .find(|(name, _)| name == provider)
                .map(|(_, url)| url.as_str())
        };
        assert_eq!(api("twilio"), Some("http://127.0.0.1:9001/"));
        assert_eq!(api("hostinger"), Some("http://127.0.0.1:9002/"));
    }

    #[test]
    fn a_backend_url_with_a_path_keeps_it_with_or_without_a_trailing_slash() {
        for backend in ["http://host/app", "http://host/app/"] {
            let settings = settings(&[("BACKEND_URL", backend)]).unwrap();
            assert_eq!(settings.api_base().as_str(), "http://host/app/api/v1");
            assert_eq!(
                settings
                    .frontend_page(&["connectors", "callback", "gmail"])
                    .as_str(),
                "http://host/app/connectors/callback/gmail"
            );
        }
        let root = settings(&[("BACKEND_URL", "http://host")]).unwrap();
        assert_eq!(root.api_base().as_str(), "http://host/api/v1");
    }

    #[test]
    fn half_an_oauth_client_is_one_warning_naming_both_variables() {
        let half = settings(&[("GOOGLE_CLIENT_ID", "id"), ("SLACK_CLIENT_SECRET", "s")]).unwrap();
        assert_eq!(half.warnings.len(), 2, "{:?}", half.warnings);
        assert!(
            half.warnings[0].starts_with("GOOGLE_CLIENT_ID is set but GOOGLE_CLIENT_SECRET is not")
        );
        assert!(
            half.warnings[1].starts_with("SLACK_CLIENT_SECRET is set but SLACK_CLIENT_ID is not")
        );
        let whole = settings(&[("GOOGLE_CLIENT_ID", "id"), ("GOOGLE_CLIENT_SECRET", "s")]).unwrap();
        assert!(whole.warnings.is_empty());
    }

    const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    #[test]
    fn webhooks_are_off_without_a_url_and_take_the_documented_defaults_with_one() {
        assert!(settings(&[]).unwrap().webhooks.is_none());
        let on = settings(&[
            ("WEBHOOK_URL", "http://127.0.0.1:9000/hooks"),
            ("WEBHOOK_SECRET", WEBHOOK_SECRET),
        ])
        .unwrap()
        .webhooks
        .unwrap();
        assert_eq!(on.url.as_str(), "http://127.0.0.1:9000/hooks");
        assert_eq!(on.events.len(), EventType::ALL.len() - 1);
        assert!(!on.events.contains(&EventType::Refreshed));
        let schedule: Vec<u64> = on.retry_schedule.iter().map(Duration::as_secs).collect();
        assert_eq!(schedule, [5, 300, 1800, 7200, 18000, 36000, 36000]);
        assert_eq!(on.timeout, Duration::from_secs(10));
        let chosen = settings(&[
            ("WEBHOOK_URL", "http://127.0.0.1:9000/hooks"),
            ("WEBHOOK_SECRET", WEBHOOK_SECRET),
            ("WEBHOOK_EVENTS", "connection.refreshed, connection.revoked"),
            ("WEBHOOK_RETRY_SCHEDULE", "1,1,1"),
            ("WEBHOOK_TIMEOUT_SECONDS", "2"),
        ])
        .unwrap()
        .webhooks
        .unwrap();
        assert_eq!(chosen.events, [EventType::Refreshed, EventType::Revoked]);
        assert_eq!(chosen.retry_schedule, [Duration::from_secs(1); 3]);
        assert_eq!(chosen.timeout, Duration::from_secs(2));
    }

    #[test]
    fn a_bad_webhook_setting_names_its_variable_and_never_the_secret() {
        let url = ("WEBHOOK_URL", "http://127.0.0.1:9000/hooks");
        let secret = ("WEBHOOK_SECRET", WEBHOOK_SECRET);
        for (variable, vars) in [
            ("WEBHOOK_URL", vec![("WEBHOOK_URL", "ftp://host"), secret]),
            ("WEBHOOK_SECRET", vec![url]),
            (
                "WEBHOOK_SECRET",
                vec![url, ("WEBHOOK_SECRET", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")],
            ),
            (
                "WEBHOOK_SECRET",
                vec![url, ("WEBHOOK_SECRET", "whsec_c2hvcnQ=")],
            ),
            (
                "WEBHOOK_EVENTS",
                vec![url, secret, ("WEBHOOK_EVENTS", "connection.born")],
            ),
            (
                "WEBHOOK_RETRY_SCHEDULE",
                vec![url, secret, ("WEBHOOK_RETRY_SCHEDULE", "1,x")],
            ),
            (
                "WEBHOOK_RETRY_SCHEDULE",
                vec![url, secret, ("WEBHOOK_RETRY_SCHEDULE", "0")],
            ),
            (
                "WEBHOOK_TIMEOUT_SECONDS",
                vec![url, secret, ("WEBHOOK_TIMEOUT_SECONDS", "0")],
            ),
        ] {
            let error = settings(&vars).unwrap_err();
            assert_eq!(error.variable, variable, "{vars:?}");
            assert!(!error.to_string().contains("MfKQ9r8G"), "{error}");
        }
        let settings = settings(&[url, secret]).unwrap();
        assert!(!format!("{settings:?}").contains("MfKQ9r8G"));
    }

    #[test]
    fn previous_keys_are_a_comma_list_and_a_bad_one_is_named_by_its_place_only() {
        let first = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
        let second = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
        let both = settings(&[(
            "CONNECTORS_PREVIOUS_ENCRYPTION_KEYS",
            &format!("{first}, {second}"),
        )])
        .unwrap();
        let ids: Vec<String> = both
            .previous_encryption_keys
            .iter()
            .map(Cipher::key_id)
            .collect();
        assert_eq!(
            ids,
            [
                Cipher::from_base64(first).unwrap().key_id(),
                Cipher::from_base64(second).unwrap().key_id()
            ]
        );
        assert!(!format!("{both:?}").contains(first));
        let error = settings(&[(
            "CONNECTORS_PREVIOUS_ENCRYPTION_KEYS",
            &format!("{first},bm90IGEga2V5"),
        )])
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "CONNECTORS_PREVIOUS_ENCRYPTION_KEYS: entry 2 is not the base64 of exactly 32 bytes"
        );
    }

    #[test]
    fn the_encryption_key_never_shows_in_debug() {
        let key = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
        let settings = settings(&[("CONNECTORS_ENCRYPTION_KEY", key)]).unwrap();
        assert!(!format!("{settings:?}").contains(key));
    }
}
