//! A config connector written as one fields type, driven through `ConnectorAuthService`
//! on the in-memory store (feature `test-util`): the schema is the form, every bad field
//! is named at once, the `writeOnly` fields are the secrets, and the stored config reads
//! back as the same type.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use connectors_core::{
    async_trait, ConfigConnector, ConfigContext, ConnectorAuthService, ConnectorKind,
    CredentialStore, Error, FieldErrorCode, Fields, MemoryStore, Result,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

/// The fields of a fictional mail API.
#[derive(serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
struct MailConfig {
    /// Account name.
    account: String,
    /// Port of the API.
    #[schemars(range(min = 1, max = 65535))]
    port: u16,
    /// API key. Write-only.
    #[schemars(with = "String", extend("writeOnly" = true))]
    api_key: SecretString,
    /// Region; `eu` when left out.
    #[schemars(extend("default" = "eu"))]
    region: Option<String>,
}

#[derive(Debug, Default)]
struct Mail {
    verified: AtomicUsize,
}

#[async_trait]
impl ConfigConnector for Mail {
    const KEY: &'static str = "mail";
    const NAME: &'static str = "Mail";
    type Config = MailConfig;

    fn check_fields(&self, fields: &mut Fields<'_>) {
        fields.normalize("account", |account| {
            Ok::<_, String>(account.trim().to_lowercase())
        });
        fields.check("api_key", |key| {
            if key.starts_with("key_") {
                Ok(())
            } else {
                Err("expected a key starting with key_".to_owned())
            }
        });
    }

    async fn verify(&self, _ctx: &ConfigContext<'_>, config: &MailConfig) -> Result<()> {
        self.verified.fetch_add(1, Ordering::SeqCst);
        if config.api_key.expose_secret() == "key_refused" {
            return Err(Error::Rejected {
                message: "the mail API refused the key".to_owned(),
            });
        }
        Ok(())
    }
}

fn service(store: Arc<MemoryStore>, mail: Arc<Mail>) -> ConnectorAuthService {
    ConnectorAuthService::new(store, "https://app.example.com/api/v1".parse().unwrap())
        .with_connector(mail)
}

#[tokio::test]
async fn a_valid_config_is_split_into_public_fields_and_encrypted_secrets() {
    // Arrange
    let store = Arc::new(MemoryStore::new());
    let mail = Arc::new(Mail::default());
    let service = service(store.clone(), mail.clone());
    let user = uuid::Uuid::new_v4();
    let fields = json!({"account": "  Ada ", "port": 587, "api_key": "key_123"});

    // Act
    service
        .save_config(user, "mail", &fields, true)
        .await
        .unwrap();

    // Assert
    assert_eq!(mail.verified.load(Ordering::SeqCst), 1);
    let stored = store.load_credentials(user, "mail").await.unwrap().unwrap();
    let credentials = stored.credentials;
    assert_eq!(credentials.provider, "mail");
    assert_eq!(credentials.public["account"], "ada");
    assert_eq!(credentials.public["port"], 587);
    assert_eq!(
        credentials.public["region"], "eu",
        "the schema's default is kept"
    );
    assert!(!credentials.public.contains_key("api_key"));
    assert_eq!(credentials.secrets["api_key"].expose_secret(), "key_123");
    let config = mail.stored_config(&credentials).unwrap();
    assert_eq!(config.account, "ada");
    assert_eq!(config.port, 587);
    assert_eq!(config.region.as_deref(), Some("eu"));

    let view = service.connector_view(user, "mail").await.unwrap();
    assert_eq!(view.kind, ConnectorKind::Config);
    assert!(view.connected);
    assert_eq!(view.secret_fields, ["api_key"]);
    assert_eq!(view.config.unwrap()["account"], "ada");
    assert_eq!(
        view.schema.unwrap()["properties"]["api_key"]["writeOnly"],
        true
    );
}

#[tokio::test]
async fn every_bad_field_is_named_at_once_and_nothing_is_saved() {
    // Arrange
    let store = Arc::new(MemoryStore::new());
    let mail = Arc::new(Mail::default());
    let service = service(store.clone(), mail.clone());
    let user = uuid::Uuid::new_v4();
    let fields = json!({"account": " ", "port": 0, "api_key": "nope", "colour": "red"});

    // Act
    let error = service
        .save_config(user, "mail", &fields, true)
        .await
        .unwrap_err();

    // Assert
    let Error::InvalidConfig(refused) = error else {
        panic!("expected field errors, got {error:?}");
    };
    let mut named: Vec<&str> = refused.iter().map(|error| error.field.as_str()).collect();
    named.sort_unstable();
    assert_eq!(named, ["account", "api_key", "colour", "port"]);
    let code = |field: &str| {
        refused
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.code)
    };
    assert_eq!(code("account"), Some(FieldErrorCode::Empty));
    assert_eq!(code("colour"), Some(FieldErrorCode::UnknownField));
    assert_eq!(code("port"), Some(FieldErrorCode::OutOfRange));
    // A check that answers in words only keeps them, under the catch-all code.
    assert_eq!(code("api_key"), Some(FieldErrorCode::Invalid));
    assert_eq!(mail.verified.load(Ordering::SeqCst), 0, "not verified");
    assert!(store
        .load_credentials(user, "mail")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn credentials_the_provider_refuses_are_not_saved() {
    let store = Arc::new(MemoryStore::new());
    let service = service(store.clone(), Arc::new(Mail::default()));
    let user = uuid::Uuid::new_v4();
    let fields = json!({"account": "ada", "port": 443, "api_key": "key_refused"});

    let error = service
        .save_config(user, "mail", &fields, true)
        .await
        .unwrap_err();

    assert!(matches!(error, Error::Rejected { .. }), "{error:?}");
    assert!(store
        .load_credentials(user, "mail")
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
async fn a_config_connector_has_no_oauth_flow() {
    let service = service(Arc::new(MemoryStore::new()), Arc::new(Mail::default()));
    let user = uuid::Uuid::new_v4();

    let error = service.authorization_url(user, "mail").await.unwrap_err();

    assert!(matches!(error, Error::Unsupported(_)), "{error:?}");
}
