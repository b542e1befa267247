//! `smtp`: verified with lettre against a real SMTP server with AUTH (aiosmtpd, started
//! by each test on a random port): login accepted, refused, TLS mismatches, server down,
//! every bad field, and the SSRF guard.

use std::process::Command;

use connectors_core::{ConnectorAuthService, ConnectorStatus, Error};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use uuid::Uuid;

use crate::support::{self, refused_fields, status, stored, Peer};

const INSTALL: &str = "the smtp tests need Python 3 with aiosmtpd: pip install aiosmtpd";
const USER: &str = "ada@example.com";
const PASSWORD: &str = "correct horse battery staple";

fn require_aiosmtpd() {
    let found = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .status()
        .is_ok_and(|status| status.success());
    assert!(found, "{INSTALL}");
}

fn server_script() -> Command {
    require_aiosmtpd();
    let mut command = Command::new("python3");
    command
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/connectors/smtp_server.py"
        ))
        .args([USER, PASSWORD]);
    command
}

/// A development server: AUTH PLAIN/LOGIN on a plaintext connection, no STARTTLS.
fn plain_server() -> Peer {
    let mut command = server_script();
    command.arg("plain");
    Peer::announcing_port(command, INSTALL)
}

/// A server offering STARTTLS with a self-signed certificate (made with openssl).
fn starttls_server(dir: &std::path::Path) -> Peer {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl makes the test certificate (Debian: apt-get install openssl)");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let mut command = server_script();
    command.arg("starttls").arg(&cert).arg(&key);
    Peer::announcing_port(command, INSTALL)
}

fn fields(port: u16, security: &str, password: &str) -> Value {
    json!({
        "host": "127.0.0.1",
        "port": port,
        "security": security,
        "username": USER,
        "password": password,
        "from": "Donna <donna@example.com>"
    })
}

fn valid() -> Value {
    fields(2525, "starttls", PASSWORD)
}

async fn save(service: &ConnectorAuthService, fields: &Value, verify: bool) -> Result<(), Error> {
    service
        .save_config(Uuid::new_v4(), "smtp", fields, verify)
        .await
}

#[tokio::test]
async fn smtp_saves_a_server_that_accepts_the_login() {
    let server = plain_server();
    let service = support::service();
    let user = Uuid::new_v4();

    service
        .save_config(user, "smtp", &fields(server.port, "none", PASSWORD), true)
        .await
        .unwrap();

    let credentials = stored(&service, user, "smtp").await.unwrap();
    assert_eq!(credentials.secrets["password"].expose_secret(), PASSWORD);
    let view = service.connector_view(user, "smtp").await.unwrap();
    assert_eq!(view.status, ConnectorStatus::Active);
    assert_eq!(view.secret_fields, ["password"]);
    assert_eq!(
        Value::Object(view.config.unwrap()),
        json!({"host": "127.0.0.1", "port": server.port, "security": "none",
               "username": USER, "from": "Donna <donna@example.com>"})
    );
    assert_eq!(view.connected_as.as_deref(), Some(USER));
}

#[tokio::test]
async fn smtp_rejects_a_wrong_password_with_the_servers_reply() {
    let server = plain_server();
    let service = support::service();
    let user = Uuid::new_v4();

    let error = service
        .save_config(user, "smtp", &fields(server.port, "none", "wrong"), true)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Rejected { message } if message.contains("535")),
        "{error:?}"
    );
    assert!(stored(&service, user, "smtp").await.is_none());
}

#[tokio::test]
async fn smtp_implicit_tls_against_a_plaintext_port_is_a_security_field_error() {
    let server = plain_server();

    let error = save(
        &support::service(),
        &fields(server.port, "tls", PASSWORD),
        true,
    )
    .await
    .unwrap_err();

    assert_eq!(refused_fields(&error), ["security"]);
}

#[tokio::test]
async fn smtp_starttls_on_a_server_without_it_is_a_security_field_error() {
    let server = plain_server();

    let error = save(
        &support::service(),
        &fields(server.port, "starttls", PASSWORD),
        true,
    )
    .await
    .unwrap_err();

    assert_eq!(refused_fields(&error), ["security"]);
}

#[tokio::test]
async fn smtp_starttls_checks_the_servers_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let server = starttls_server(dir.path());

    let error = save(
        &support::service(),
        &fields(server.port, "starttls", PASSWORD),
        true,
    )
    .await
    .unwrap_err();

    // The self-signed certificate is refused: the password never leaves in clear.
    let Error::InvalidConfig(refusals) = &error else {
        panic!("expected a field error, got {error:?}");
    };
    assert_eq!(refusals[0].field, "security");
    assert!(
        refusals[0].message.contains("certificate"),
        "{}",
        refusals[0].message
    );
}

#[tokio::test]
async fn smtp_a_server_that_is_down_is_not_a_rejection() {
    let error = save(
        &support::service(),
        &fields(support::closed_port(), "none", PASSWORD),
        true,
    )
    .await
    .unwrap_err();

    assert!(matches!(error, Error::Connection(_)), "{error:?}");
}

#[tokio::test]
async fn smtp_names_each_bad_field() {
    let service = support::service();
    let with = |field: &str, value: Value| {
        let mut fields = valid();
        fields[field] = value;
        fields
    };
    let without = |field: &str| {
        let mut fields = valid();
        fields.as_object_mut().unwrap().remove(field);
        fields
    };
    let cases = [
        (without("host"), "host"),
        (with("host", json!("smtp://mail.example.com")), "host"),
        (with("host", json!("mail.example.com:587")), "host"),
        (with("host", json!("mail example.com")), "host"),
        (with("host", json!(25)), "host"),
        (without("port"), "port"),
        (with("port", json!(0)), "port"),
        (with("port", json!(70000)), "port"),
        (with("port", json!("587")), "port"),
        (with("port", json!(58.7)), "port"),
        (without("security"), "security"),
        (with("security", json!("ssl")), "security"),
        (without("username"), "username"),
        (with("username", json!(["ada"])), "username"),
        (without("password"), "password"),
        (with("password", json!("")), "password"),
        (without("from"), "from"),
        (with("from", json!("not an address")), "from"),
        (with("from", json!("donna@")), "from"),
        (with("tls_verify", json!(false)), "tls_verify"),
    ];
    for (fields, field) in cases {
        let error = service
            .save_config(Uuid::new_v4(), "smtp", &fields, false)
            .await
            .unwrap_err();
        assert_eq!(refused_fields(&error), [field], "{fields}");
    }
}

#[tokio::test]
async fn smtp_names_every_bad_field_at_once() {
    let body = json!({"host": "", "port": 0, "security": "ssl", "password": 1, "from": "x"});

    let error = save(&support::service(), &body, false).await.unwrap_err();

    let mut refused = refused_fields(&error);
    refused.sort();
    assert_eq!(
        refused,
        ["from", "host", "password", "port", "security", "username"]
    );
}

#[tokio::test]
async fn smtp_refuses_private_hosts_when_the_deployment_blocks_them() {
    let server = plain_server();
    let service = support::service().with_block_private_targets(true);
    for host in ["127.0.0.1", "localhost", "169.254.169.254", "10.0.0.1"] {
        let mut body = fields(server.port, "none", PASSWORD);
        body["host"] = host.into();
        for verify in [true, false] {
            let error = save(&service, &body, verify).await.unwrap_err();
            assert_eq!(refused_fields(&error), ["host"], "{host}, verify={verify}");
        }
    }
}

#[tokio::test]
async fn smtp_revoke_forgets_the_password() {
    let service = support::service();
    let user = Uuid::new_v4();
    service
        .save_config(user, "smtp", &valid(), false)
        .await
        .unwrap();

    service.revoke(user, "smtp").await.unwrap();

    assert!(stored(&service, user, "smtp").await.is_none());
    assert_eq!(
        status(&service, user, "smtp").await,
        ConnectorStatus::Inactive
    );
}

/// A development server that keeps what it receives in `mailbox`.
fn keeping_server(mailbox: &std::path::Path) -> Peer {
    let mut command = server_script();
    command.arg("plain").env("SMTP_MAILBOX", mailbox);
    Peer::announcing_port(command, INSTALL)
}

fn email(to: &str) -> connectors_providers::smtp::Email {
    connectors_providers::smtp::Email {
        to: to.to_owned(),
        subject: "Lunch on Thursday".to_owned(),
        text: "Shall we meet at noon?\nDonna".to_owned(),
    }
}

#[tokio::test]
async fn smtp_sends_an_email_that_arrives_as_written_from_the_configured_sender() {
    let mailbox = tempfile::tempdir().unwrap();
    let server = keeping_server(mailbox.path());
    let service = support::service();
    let user = Uuid::new_v4();
    service
        .save_config(user, "smtp", &fields(server.port, "none", PASSWORD), true)
        .await
        .unwrap();

    let sent =
        connectors_providers::smtp::send_email(&service, user, &email("Marie <marie@example.com>"))
            .await
            .unwrap();

    assert_eq!(sent.to, "Marie <marie@example.com>");
    assert_eq!(sent.from, "Donna <donna@example.com>");
    let envelope: Value =
        serde_json::from_str(&std::fs::read_to_string(mailbox.path().join("1.json")).unwrap())
            .unwrap();
    assert_eq!(
        envelope,
        json!({"mail_from": "donna@example.com", "rcpt_tos": ["marie@example.com"], "login": USER})
    );
    let message = std::fs::read_to_string(mailbox.path().join("1.eml")).unwrap();
    assert!(
        message.contains("Subject: Lunch on Thursday\r\n"),
        "{message}"
    );
    assert!(
        message.contains("From: Donna <donna@example.com>\r\n"),
        "{message}"
    );
    assert!(
        message.contains("To: Marie <marie@example.com>\r\n"),
        "{message}"
    );
    assert!(message.contains("Content-Type: text/plain"), "{message}");
    assert!(
        message.contains("Shall we meet at noon?\r\nDonna"),
        "{message}"
    );
}

#[tokio::test]
async fn smtp_refuses_a_recipient_that_is_no_address_and_sends_nothing() {
    let mailbox = tempfile::tempdir().unwrap();
    let server = keeping_server(mailbox.path());
    let service = support::service();
    let user = Uuid::new_v4();
    service
        .save_config(user, "smtp", &fields(server.port, "none", PASSWORD), false)
        .await
        .unwrap();

    let error = connectors_providers::smtp::send_email(&service, user, &email("marie at example"))
        .await
        .unwrap_err();
    let never_connected = connectors_providers::smtp::send_email(
        &service,
        Uuid::new_v4(),
        &email("marie@example.com"),
    )
    .await
    .unwrap_err();

    assert_eq!(refused_fields(&error), ["to"], "{error:?}");
    assert!(
        matches!(never_connected, Error::NotConnected(_)),
        "{never_connected:?}"
    );
    assert_eq!(std::fs::read_dir(mailbox.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn smtp_a_password_changed_since_is_a_rejection_with_the_servers_reply() {
    let mailbox = tempfile::tempdir().unwrap();
    let server = keeping_server(mailbox.path());
    let service = support::service();
    let user = Uuid::new_v4();
    service
        .save_config(
            user,
            "smtp",
            &fields(server.port, "none", "an old password"),
            false,
        )
        .await
        .unwrap();

    let error = connectors_providers::smtp::send_email(&service, user, &email("marie@example.com"))
        .await
        .unwrap_err();

    assert!(
        matches!(&error, Error::Rejected { message } if message.contains("535")),
        "{error:?}"
    );
    assert!(!format!("{error:?}").contains("an old password"));
    assert_eq!(std::fs::read_dir(mailbox.path()).unwrap().count(), 0);
}
