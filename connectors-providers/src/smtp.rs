//! SMTP: the `smtp` connector (a mail server the user sends through), verified with
//! lettre: connect, TLS as configured, EHLO, AUTH, NOOP, QUIT; and [`send_email`].

use async_trait::async_trait;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::{Credentials as SmtpCredentials, Mechanism};
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use super::net;
use super::VERIFY_TIMEOUT;
use connectors_core::{ConfigConnector, ConfigContext, Fields};
use connectors_core::{
    Error, FieldError, FieldErrorCode, FieldFormat, FieldIssue, FieldParams, Result,
};

/// How the connection to the SMTP server is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(inline)]
pub enum SmtpSecurity {
    /// TLS from the first byte (implicit TLS, usually port 465).
    Tls,
    /// Plain connection upgraded with STARTTLS before logging in (usually port 587).
    Starttls,
    /// No encryption: for a development server only; the password crosses the network in clear.
    None,
}

impl SmtpSecurity {
    /// The value as written in the config (`tls`, `starttls`, `none`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tls => "tls",
            Self::Starttls => "starttls",
            Self::None => "none",
        }
    }
}

/// The fields of the `smtp` connector: a mail server to send through, logged into with a user name and password.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "SMTP server")]
pub struct SmtpConfig {
    /// Host name or IP address of the SMTP server, without scheme or port, e.g. `smtp.example.com`.
    pub host: String,
    /// Port of the SMTP server: 465 for `tls`, 587 for `starttls`.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// How the connection is secured: `tls` (implicit TLS, port 465), `starttls` (port 587) or `none` (development servers only).
    pub security: SmtpSecurity,
    /// User name to log in with, often the email address.
    pub username: String,
    /// Password (or app password) of that user. Write-only: it is never shown again.
    #[schemars(with = "String", extend("writeOnly" = true))]
    pub password: SecretString,
    /// Sender of the mail sent through this server: `donna@example.com` or `Donna <donna@example.com>`.
    pub from: String,
}

impl SmtpConfig {
    /// A transport that connects to `server` (an address the SSRF guard passed) and
    /// checks the TLS certificate against the host name the user gave.
    fn transport(&self, server: std::net::IpAddr) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
        let tls_parameters = || {
            TlsParameters::new(self.host.clone()).map_err(|error| {
                field_error(
                    "host",
                    FieldErrorCode::TlsFailed,
                    &error,
                    Some(error.to_string()),
                )
            })
        };
        let tls = match self.security {
            SmtpSecurity::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpSecurity::Starttls => Tls::Required(tls_parameters()?),
            SmtpSecurity::None => Tls::None,
        };
        let credentials = SmtpCredentials::new(
            self.username.clone(),
            self.password.expose_secret().to_owned(),
        );
        Ok(
            AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(server.to_string())
                .port(self.port)
                .tls(tls)
                .credentials(credentials)
                .authentication(vec![Mechanism::Plain, Mechanism::Login])
                .timeout(Some(VERIFY_TIMEOUT))
                .build(),
        )
    }
}

/// The server refused `field` (its TLS, its host), `detail` in the TLS library's or
/// the server's words.
fn field_error(
    field: &str,
    code: FieldErrorCode,
    message: &dyn std::fmt::Display,
    detail: Option<String>,
) -> Error {
    let issue = FieldIssue::new(code, message.to_string()).with_params(FieldParams {
        detail,
        ..FieldParams::default()
    });
    Error::InvalidConfig(vec![FieldError::new(field, issue)])
}

/// A mail server the user sends through.
#[derive(Debug, Clone, Copy, Default)]
pub struct Smtp;

#[async_trait]
impl ConfigConnector for Smtp {
    const KEY: &'static str = "smtp";
    const NAME: &'static str = "SMTP";
    type Config = SmtpConfig;

    fn check_fields(&self, fields: &mut Fields<'_>) {
        fields.normalize("host", net::parse_host);
        fields.normalize("username", |username| {
            Ok::<_, FieldIssue>(username.trim().to_owned())
        });
        fields.normalize("from", parse_mailbox);
    }

    async fn check(&self, ctx: &ConfigContext<'_>, config: &SmtpConfig) -> Result<()> {
        if ctx.block_private_targets {
            net::resolve(&config.host, config.port, true)
                .await
                .map_err(|error| error.into_field_error("host"))?;
        }
        Ok(())
    }

    /// Connects as configured and logs in (`test_connection`: EHLO, TLS, AUTH, NOOP),
    /// to the addresses that passed the SSRF guard, one after the other until one answers.
    async fn verify(&self, ctx: &ConfigContext<'_>, config: &SmtpConfig) -> Result<()> {
        let addresses = net::resolve(&config.host, config.port, ctx.block_private_targets)
            .await
            .map_err(|error| error.into_field_error("host"))?;
        let mut unreachable = None;
        for address in addresses {
            let transport = config.transport(address.ip())?;
            match transport.test_connection().await {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    return Err(Error::Connection(
                        "the SMTP server did not answer NOOP after login".into(),
                    ))
                }
                Err(error) => match classify(error, config.security) {
                    Error::Connection(error) => unreachable = Some(Error::Connection(error)),
                    other => return Err(other),
                },
            }
        }
        Err(unreachable.unwrap_or_else(|| Error::Connection("no address to connect to".into())))
    }
}

/// An email to send through the user's SMTP server (see [`send_email`]).
#[derive(Debug, Clone)]
pub struct Email {
    /// The recipient: `marie@example.com` or `Marie <marie@example.com>`.
    pub to: String,
    /// The subject.
    pub subject: String,
    /// The body, plain text.
    pub text: String,
}

/// An email the server accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sent {
    /// The sender, the connector's `from`.
    pub from: String,
    /// The recipient, as sent.
    pub to: String,
    /// The subject.
    pub subject: String,
}

/// Sends `email` as plain text from the connector's `from` through the user's SMTP
/// server (logged in, TLS as configured), to the addresses of its host that pass the
/// SSRF guard now, one after the other until one answers.
///
/// # Errors
///
/// [`Error::NotConnected`]; [`Error::InvalidConfig`] naming `to` for a recipient that is
/// no address (or `host` when the stored host now resolves to a refused address);
/// [`Error::Rejected`] when the server refuses the login or the message (5xx),
/// [`Error::Timeout`], [`Error::Connection`] when no address answers.
pub async fn send_email(
    service: &connectors_core::ConnectorAuthService,
    user: connectors_core::UserId,
    email: &Email,
) -> Result<Sent> {
    use lettre::message::header::ContentType;
    use lettre::AsyncTransport;

    let to: Mailbox = parse_mailbox(&email.to)
        .and_then(|to| {
            to.parse()
                .map_err(|_| FieldIssue::format(FieldFormat::Mailbox, "not an address"))
        })
        .map_err(|issue| Error::InvalidConfig(vec![FieldError::new("to", issue)]))?;
    let config = service.stored_config(user, &Smtp).await?;
    let call = service.config_call(Smtp::KEY)?;
    let from: Mailbox = config.from.parse().map_err(|_| {
        Error::InvalidResponse("the stored `from` of smtp is no longer an address".to_owned())
    })?;
    let message = lettre::Message::builder()
        .from(from.clone())
        .to(to.clone())
        .subject(email.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(email.text.clone())
        .map_err(|error| {
            Error::InvalidResponse(format!("the email could not be built: {error}"))
        })?;
    let addresses = net::resolve(
        &config.host,
        config.port,
        call.context().block_private_targets,
    )
    .await
    .map_err(|error| error.into_field_error("host"))?;
    let mut unreachable = None;
    for address in addresses {
        match config.transport(address.ip())?.send(message.clone()).await {
            Ok(_) => {
                return Ok(Sent {
                    from: from.to_string(),
                    to: to.to_string(),
                    subject: email.subject.clone(),
                })
            }
            Err(error) => match classify(error, config.security) {
                Error::Connection(error) => unreachable = Some(Error::Connection(error)),
                other => return Err(other),
            },
        }
    }
    Err(unreachable.unwrap_or_else(|| Error::Connection("no address to connect to".into())))
}

/// Maps lettre's failure to what the user can act on.
fn classify(error: lettre::transport::smtp::Error, security: SmtpSecurity) -> Error {
    let text = error.to_string();
    if error.is_timeout() {
        return Error::Timeout;
    }
    if let Some(reason) = tls_failure(&error, security) {
        return field_error(
            "security",
            FieldErrorCode::TlsFailed,
            &format!(
                "TLS with the server failed ({reason}); check that `security` matches the port \
                 (tls on 465, starttls on 587) and that the server's certificate is valid for the host"
            ),
            Some(reason),
        );
    }
    if text.contains("STARTTLS is not supported") {
        return field_error(
            "security",
            FieldErrorCode::StarttlsUnsupported,
            &"the server does not offer STARTTLS on this port",
            None,
        );
    }
    if text.contains("No compatible authentication mechanism") {
        let hint = if security == SmtpSecurity::None {
            "; many servers only offer it over TLS"
        } else {
            ""
        };
        return Error::Rejected {
            message: format!(
                "the server offers no login method this client speaks (PLAIN, LOGIN){hint}"
            ),
        };
    }
    match error.status() {
        // 5xx: a refusal (535 bad credentials, 530 authentication required, …).
        Some(_) if error.is_permanent() => Error::Rejected { message: text },
        _ => Error::Connection(Box::new(error)),
    }
}

/// Why TLS failed, when it did: lettre reports the TLS layer's refusals (a certificate
/// it does not trust, a plaintext answer to a TLS hello) as I/O errors of kind
/// `InvalidData` under a connection error.
fn tls_failure(error: &lettre::transport::smtp::Error, security: SmtpSecurity) -> Option<String> {
    if error.is_tls() {
        return Some(error.to_string());
    }
    if security == SmtpSecurity::None {
        return None;
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::InvalidData {
                return Some(
                    io.get_ref()
                        .map_or_else(|| io.to_string(), ToString::to_string),
                );
            }
        }
        source = cause.source();
    }
    None
}

/// A sender mailbox: `addr@example.com` or `Name <addr@example.com>`.
fn parse_mailbox(value: &str) -> Result<String, FieldIssue> {
    value
        .trim()
        .parse::<Mailbox>()
        .map(|mailbox| mailbox.to_string())
        .map_err(|_| {
            FieldIssue::format(
                FieldFormat::Mailbox,
                "expected an email address such as donna@example.com or Donna <donna@example.com>",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use connectors_core::AnyConfigConnector;

    #[test]
    fn the_schema_lists_every_field_marks_the_password_write_only_and_forbids_others() {
        let schema = Smtp.config_schema();
        let properties = schema["properties"].as_object().unwrap();
        let mut names: Vec<_> = properties.keys().map(String::as_str).collect();
        names.sort_unstable();
        let mut expected = vec!["host", "port", "security", "username", "password", "from"];
        expected.sort_unstable();
        assert_eq!(names, expected);
        assert_eq!(properties["password"]["writeOnly"], true);
        assert_eq!(schema["additionalProperties"], false);
        assert!(properties
            .values()
            .all(|field| field.get("description").is_some()));
    }

    #[test]
    fn mailboxes_may_carry_a_name() {
        assert_eq!(
            parse_mailbox("Donna <donna@example.com>").unwrap(),
            "Donna <donna@example.com>"
        );
        assert!(parse_mailbox("not an address").is_err());
    }
}
