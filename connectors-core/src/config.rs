//! Config connectors: a connector whose fields are one `JsonSchema + Deserialize` type.
//!
//! The type is the whole description: its JSON Schema is the form the dashboard draws
//! (secret fields marked `writeOnly`), its properties are the accepted field names, the
//! schema's `required`, types, bounds, choices and defaults are checked before it is
//! deserialized (every bad field named at once, which serde alone cannot do), and the
//! `writeOnly` properties are the secrets the store encrypts; the others are public and
//! shown back. A connector adds only what the schema cannot say
//! ([`ConfigConnector::check_fields`]) and its verification call.

use std::collections::BTreeMap;
use std::fmt;

use async_trait::async_trait;
use schemars::JsonSchema;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::connector::{ConfigContext, Connector, ConnectorSpec};
use crate::error::{Error, FieldError, FieldErrorCode, FieldIssue, FieldParams, Result};
use crate::store::Credentials;

/// A config connector, written against its fields' type. Every `ConfigConnector` is a
/// [`Connector`] (key, name, `ConnectorSpec::Config`).
///
/// ```
/// use connectors_core::{async_trait, ConfigConnector, ConfigContext, FieldErrorCode, FieldIssue, Fields, Result};
/// use secrecy::SecretString;
///
/// /// The fields: an API token (write-only, so stored encrypted and never shown again).
/// #[derive(serde::Deserialize, schemars::JsonSchema)]
/// #[serde(deny_unknown_fields)]
/// struct ExampleConfig {
///     /// The API token.
///     #[schemars(with = "String", extend("writeOnly" = true))]
///     api_token: SecretString,
/// }
///
/// #[derive(Debug)]
/// struct Example;
///
/// #[async_trait]
/// impl ConfigConnector for Example {
///     const KEY: &'static str = "example";
///     const NAME: &'static str = "Example";
///     type Config = ExampleConfig;
///
///     fn check_fields(&self, fields: &mut Fields<'_>) {
///         fields.check("api_token", |token| {
///             if token.starts_with("ex_") {
///                 Ok(())
///             } else {
///                 Err(FieldIssue::new(FieldErrorCode::Invalid, "expected a token starting with ex_"))
///             }
///         });
///     }
///
///     async fn verify(&self, _ctx: &ConfigContext<'_>, _config: &ExampleConfig) -> Result<()> {
///         Ok(()) // one cheap call to the provider with the token
///     }
/// }
///
/// // Registered like any connector, saved from the fields a form posts.
/// # use std::sync::Arc;
/// # use connectors_core::{ConnectorAuthService, Error, MemoryStore};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
/// let service = ConnectorAuthService::new(
///     Arc::new(MemoryStore::new()),
///     "https://app.example.com/api/v1".parse()?,
/// )
/// .with_connector(Arc::new(Example));
/// let user = uuid::Uuid::new_v4();
///
/// let refused = service
///     .save_config(user, "example", &serde_json::json!({"api_token": "nope"}), true)
///     .await;
/// let Err(Error::InvalidConfig(fields)) = refused else { panic!("{refused:?}") };
/// assert_eq!(fields[0].field, "api_token");
///
/// let fields = serde_json::json!({"api_token": "ex_123"});
/// service.save_config(user, "example", &fields, true).await?;
/// let view = service.connector_view(user, "example").await?;
/// assert!(view.connected);
/// assert_eq!(view.secret_fields, ["api_token"]); // shown masked, never returned
/// # Ok(()) }
/// ```
#[async_trait]
pub trait ConfigConnector: Send + Sync + fmt::Debug + 'static {
    /// Stable key, used in URLs and tables (`smtp`); also the provider's name.
    const KEY: &'static str;

    /// Human name (`SMTP`).
    const NAME: &'static str;

    /// The connector's fields. Secret fields are `SecretString`s marked
    /// `#[schemars(with = "String", extend("writeOnly" = true))]`.
    type Config: JsonSchema + DeserializeOwned + Send + Sync;

    /// Checks what the schema cannot say (formats, one field excluding another), on
    /// fields whose names, types, bounds and choices were already checked; may replace
    /// a value by its normal form ([`Fields::normalize`]). The default adds nothing.
    fn check_fields(&self, _fields: &mut Fields<'_>) {}

    /// Checks the config without calling the provider, on every save (verified or
    /// not): e.g. that user-supplied hosts are allowed targets when
    /// [`ConfigContext::block_private_targets`] is set. The default accepts everything.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidConfig`] naming the refused field.
    async fn check(&self, _ctx: &ConfigContext<'_>, _config: &Self::Config) -> Result<()> {
        Ok(())
    }

    /// Checks the config against the provider with one cheap call.
    ///
    /// # Errors
    ///
    /// [`Error::Rejected`] when the provider refuses the credentials; transport and
    /// provider failures as [`Error`].
    async fn verify(&self, ctx: &ConfigContext<'_>, config: &Self::Config) -> Result<()>;

    /// Reads the config back from stored credentials (public fields and decrypted
    /// secrets together).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidResponse`] when the stored fields no longer fit the type.
    fn stored_config(&self, credentials: &Credentials) -> Result<Self::Config> {
        let mut object = credentials.public.clone();
        for (name, secret) in &credentials.secrets {
            object.insert(
                name.clone(),
                Value::String(secret.expose_secret().to_owned()),
            );
        }
        Self::Config::deserialize(Value::Object(object)).map_err(|_| {
            Error::InvalidResponse(format!(
                "stored config of `{}` does not match its fields",
                Self::KEY
            ))
        })
    }
}

/// A config connector as the service drives it, whatever its fields' type: implemented
/// for every [`ConfigConnector`]; implement [`ConfigConnector`], not this.
#[async_trait]
pub trait AnyConfigConnector: Send + Sync {
    /// The JSON Schema of the fields (secrets `writeOnly`).
    fn config_schema(&self) -> Value;

    /// The names of the fields, in the schema's order, including those of its
    /// alternatives (Twilio takes an auth token or an API key), once each.
    fn field_names(&self) -> Vec<String> {
        properties(&self.config_schema())
            .into_iter()
            .map(|(name, _)| name.to_owned())
            .collect()
    }

    /// Checks submitted fields (every bad one named) and splits them into public and
    /// secret parts.
    ///
    /// # Errors
    ///
    /// Every refused field.
    fn parse_config(&self, fields: &Value) -> std::result::Result<Credentials, Vec<FieldError>>;

    /// [`ConfigConnector::check`] on stored or parsed credentials.
    ///
    /// # Errors
    ///
    /// As [`ConfigConnector::check`].
    async fn check_config(&self, ctx: &ConfigContext<'_>, credentials: &Credentials) -> Result<()>;

    /// [`ConfigConnector::verify`] on stored or parsed credentials.
    ///
    /// # Errors
    ///
    /// As [`ConfigConnector::verify`].
    async fn verify_config(&self, ctx: &ConfigContext<'_>, credentials: &Credentials)
        -> Result<()>;
}

impl<C: ConfigConnector> Connector for C {
    fn key(&self) -> &str {
        C::KEY
    }

    fn name(&self) -> &str {
        C::NAME
    }

    fn spec(&self) -> ConnectorSpec<'_> {
        ConnectorSpec::Config(self)
    }
}

#[async_trait]
impl<C: ConfigConnector> AnyConfigConnector for C {
    fn config_schema(&self) -> Value {
        schema_of::<C::Config>()
    }

    fn parse_config(&self, value: &Value) -> std::result::Result<Credentials, Vec<FieldError>> {
        let schema = schema_of::<C::Config>();
        let mut fields = Fields::from_schema(value, &schema);
        self.check_fields(&mut fields);
        let object = fields.finish()?;
        let checked = Value::Object(object);
        C::Config::deserialize(&checked).map_err(|_| {
            vec![FieldError::new(
                "",
                FieldIssue::new(
                    FieldErrorCode::SchemaMismatch,
                    "the fields do not match the connector's schema",
                ),
            )]
        })?;
        let Value::Object(object) = checked else {
            unreachable!("the checked fields are an object")
        };
        Ok(split(C::KEY, object, &schema))
    }

    async fn check_config(&self, ctx: &ConfigContext<'_>, credentials: &Credentials) -> Result<()> {
        self.check(ctx, &self.stored_config(credentials)?).await
    }

    async fn verify_config(
        &self,
        ctx: &ConfigContext<'_>,
        credentials: &Credentials,
    ) -> Result<()> {
        self.verify(ctx, &self.stored_config(credentials)?).await
    }
}

fn schema_of<T: JsonSchema>() -> Value {
    schemars::schema_for!(T).to_value()
}

/// The schema's properties, whether declared at the top or in `anyOf`/`oneOf`/`allOf`
/// alternatives (an untagged enum of field sets), first declaration first.
fn properties(schema: &Value) -> Vec<(&str, &Value)> {
    fn add<'s>(found: &mut Vec<(&'s str, &'s Value)>, object: &'s Value) {
        for (name, property) in object["properties"].as_object().into_iter().flatten() {
            if !found.iter().any(|(known, _)| known == name) {
                found.push((name, property));
            }
        }
    }
    let mut found = Vec::new();
    add(&mut found, schema);
    for alternatives in ["anyOf", "oneOf", "allOf"] {
        for alternative in schema[alternatives].as_array().into_iter().flatten() {
            add(&mut found, alternative);
        }
    }
    found
}

fn is_secret(property: &Value) -> bool {
    property["writeOnly"] == true
}

/// Public fields stay JSON, `writeOnly` ones become secrets; `null`s are dropped.
fn split(provider: &str, object: Map<String, Value>, schema: &Value) -> Credentials {
    let secret_names: Vec<&str> = properties(schema)
        .into_iter()
        .filter(|(_, property)| is_secret(property))
        .map(|(name, _)| name)
        .collect();
    let mut public = Map::new();
    let mut secrets = BTreeMap::new();
    for (name, value) in object {
        match value {
            Value::Null => {}
            Value::String(text) if secret_names.contains(&name.as_str()) => {
                secrets.insert(name, SecretString::from(text));
            }
            value => {
                public.insert(name, value);
            }
        }
    }
    Credentials {
        provider: provider.to_owned(),
        public,
        secrets,
        ..Credentials::default()
    }
}

/// A config body being checked: every refusal is collected, so a form can show them all
/// at once. [`ConfigConnector::check_fields`] receives it after the schema's own checks.
#[derive(Debug)]
pub struct Fields<'a> {
    object: Map<String, Value>,
    errors: Vec<FieldError>,
    schema: &'a Value,
}

impl<'a> Fields<'a> {
    /// Checks `value` against what `schema` declares: a JSON object of known fields,
    /// the required ones present, strings not blank, integers within bounds, one of the
    /// listed choices; absent fields with a `default` get it.
    fn from_schema(value: &Value, schema: &'a Value) -> Self {
        let mut fields = Self {
            object: value.as_object().cloned().unwrap_or_default(),
            errors: Vec::new(),
            schema,
        };
        if !value.is_object() {
            fields.reject(
                "",
                FieldIssue::new(
                    FieldErrorCode::NotAnObject,
                    "expected a JSON object of fields",
                ),
            );
            return fields;
        }
        let declared = properties(schema);
        let known: Vec<&str> = declared.iter().map(|(name, _)| *name).collect();
        let unknown: Vec<String> = fields
            .object
            .keys()
            .filter(|name| !known.contains(&name.as_str()))
            .cloned()
            .collect();
        for name in unknown {
            let issue = FieldIssue::new(
                FieldErrorCode::UnknownField,
                format!("unknown field; expected {}", known.join(", ")),
            )
            .with_params(FieldParams {
                allowed: Some(known.iter().map(|name| (*name).to_owned()).collect()),
                ..FieldParams::default()
            });
            fields.reject(&name, issue);
        }
        fields.object.retain(|_, value| !value.is_null());
        let required: Vec<&str> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for (name, property) in declared {
            match fields.object.get(name) {
                Some(value) => {
                    if let Err(issue) = check_value(value, property) {
                        fields.reject(name, issue);
                    }
                }
                None if required.contains(&name) => fields.reject(name, FieldIssue::required()),
                None => {
                    if let Some(default) = property.get("default") {
                        fields.object.insert(name.to_owned(), default.clone());
                    }
                }
            }
        }
        fields
    }

    /// Whether a value (not `null`) was given for `field`.
    pub fn has(&self, field: &str) -> bool {
        self.object.contains_key(field)
    }

    /// The string given for `field`, when it was given and passed the schema's checks.
    pub fn str(&self, field: &str) -> Option<&str> {
        if self.is_refused(field) {
            return None;
        }
        self.object.get(field).and_then(Value::as_str)
    }

    /// Records a refusal of `field` (an issue with its code, or bare words, which get
    /// [`FieldErrorCode::Invalid`]).
    pub fn reject(&mut self, field: &str, issue: impl Into<FieldIssue>) {
        self.errors.push(FieldError::new(field, issue.into()));
    }

    /// Requires `field`, for rules the schema cannot state (one of two field sets).
    pub fn require(&mut self, field: &str) {
        if !self.has(field) && !self.is_refused(field) {
            self.reject(field, FieldIssue::required());
        }
    }

    /// Applies `check` to the string given for `field` (when there is one that passed
    /// the schema's checks), recording its refusal.
    pub fn check<E: Into<FieldIssue>>(
        &mut self,
        field: &str,
        check: impl FnOnce(&str) -> Result<(), E>,
    ) {
        if let Some(value) = self.str(field) {
            if let Err(issue) = check(value) {
                self.reject(field, issue);
            }
        }
    }

    /// Like [`Fields::check`], and keeps the normal form `check` returns (a trimmed
    /// host, a formatted address) instead of what was typed.
    pub fn normalize<E: Into<FieldIssue>>(
        &mut self,
        field: &str,
        check: impl FnOnce(&str) -> Result<String, E>,
    ) {
        let Some(value) = self.str(field) else {
            return;
        };
        match check(value) {
            Ok(normal) => {
                self.object.insert(field.to_owned(), Value::String(normal));
            }
            Err(issue) => self.reject(field, issue),
        }
    }

    /// The schema the fields were checked against.
    pub fn schema(&self) -> &Value {
        self.schema
    }

    fn is_refused(&self, field: &str) -> bool {
        self.errors.iter().any(|error| error.field == field)
    }

    fn finish(self) -> std::result::Result<Map<String, Value>, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(self.object)
        } else {
            Err(self.errors)
        }
    }
}

/// Checks one value against its property's `type`, `minimum`/`maximum`,
/// `minLength`/`maxLength` and choices (`enum`, or `oneOf` of `const`s).
fn check_value(value: &Value, property: &Value) -> std::result::Result<(), FieldIssue> {
    let types: Vec<&str> = match &property["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let choices = choices(property);
    if !choices.is_empty() {
        return if choices.contains(&value) {
            Ok(())
        } else {
            let names: Vec<String> = choices
                .iter()
                .map(|choice| {
                    choice
                        .as_str()
                        .map_or_else(|| choice.to_string(), str::to_owned)
                })
                .collect();
            Err(FieldIssue::new(
                FieldErrorCode::NotOneOf,
                format!("expected one of {}", names.join(", ")),
            )
            .with_params(FieldParams {
                allowed: Some(names),
                ..FieldParams::default()
            }))
        };
    }
    if types.contains(&"string") {
        let Value::String(text) = value else {
            return Err(FieldIssue::new(
                FieldErrorCode::NotAString,
                "expected a string",
            ));
        };
        if text.trim().is_empty() {
            return Err(FieldIssue::new(FieldErrorCode::Empty, "must not be empty"));
        }
        let length = text.chars().count() as u64;
        let (min, max) = (
            property["minLength"].as_u64(),
            property["maxLength"].as_u64(),
        );
        let code = if min.is_some_and(|min| length < min) {
            FieldErrorCode::TooShort
        } else if max.is_some_and(|max| length > max) {
            FieldErrorCode::TooLong
        } else {
            return Ok(());
        };
        let bound = |bound: Option<u64>| bound.and_then(|bound| i64::try_from(bound).ok());
        return Err(FieldIssue::new(
            code,
            format!(
                "expected {} to {} characters",
                min.unwrap_or(0),
                max.map_or_else(|| "any number of".to_owned(), |max| max.to_string())
            ),
        )
        .with_params(FieldParams {
            min: bound(min),
            max: bound(max),
            ..FieldParams::default()
        }));
    }
    if types.contains(&"integer") {
        let (min, max) = (property["minimum"].as_i64(), property["maximum"].as_i64());
        let params = FieldParams {
            min,
            max,
            ..FieldParams::default()
        };
        let message = match (min, max) {
            (Some(min), Some(max)) => format!("expected a whole number from {min} to {max}"),
            _ => "expected a whole number".to_owned(),
        };
        let Some(number) = value.as_i64() else {
            return Err(FieldIssue::new(FieldErrorCode::NotANumber, message).with_params(params));
        };
        let fits = min.is_none_or(|min| number >= min) && max.is_none_or(|max| number <= max);
        return if fits {
            Ok(())
        } else {
            Err(FieldIssue::new(FieldErrorCode::OutOfRange, message).with_params(params))
        };
    }
    if types.contains(&"boolean") && !value.is_boolean() {
        return Err(FieldIssue::new(
            FieldErrorCode::NotABoolean,
            "expected true or false",
        ));
    }
    Ok(())
}

fn choices(property: &Value) -> Vec<&Value> {
    if let Some(values) = property["enum"].as_array() {
        return values.iter().collect();
    }
    property["oneOf"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|alternative| alternative.get("const"))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn schema() -> Value {
        json!({
            "type": "object",
            "properties": {
                "host": {"type": "string"},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "mode": {"oneOf": [{"const": "a"}, {"const": "b"}]},
                "blank": {"type": "string"},
                "missing": {"type": "string"},
                "region": {"type": ["string", "null"], "default": "us-east-1"},
                "token": {"type": "string", "writeOnly": true}
            },
            "required": ["host", "port", "mode", "blank", "missing"],
            "additionalProperties": false
        })
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let schema = schema();
        let body = json!({"host": 3, "port": 70000, "mode": "x", "extra": true, "blank": " "});
        let errors = Fields::from_schema(&body, &schema).finish().unwrap_err();
        let mut named: Vec<_> = errors.iter().map(|error| error.field.as_str()).collect();
        named.sort_unstable();
        assert_eq!(named, ["blank", "extra", "host", "missing", "mode", "port"]);
    }

    #[test]
    fn each_refusal_carries_a_code_and_the_parameters_of_its_sentence() {
        let schema = json!({
            "type": "object",
            "properties": {
                "host": {"type": "string"},
                "port": {"type": "integer", "minimum": 1, "maximum": 65535},
                "count": {"type": "integer"},
                "mode": {"oneOf": [{"const": "a"}, {"const": "b"}]},
                "blank": {"type": "string"},
                "missing": {"type": "string"},
                "name": {"type": "string", "maxLength": 3},
                "code": {"type": "string", "minLength": 2},
                "flag": {"type": "boolean"}
            },
            "required": ["missing"]
        });
        let body = json!({
            "host": 3, "port": 70000, "count": "x", "mode": "x", "extra": true, "blank": " ",
            "name": "toolong", "code": "a", "flag": "yes"
        });
        let errors = Fields::from_schema(&body, &schema).finish().unwrap_err();
        let find = |field: &str| {
            errors
                .iter()
                .find(|error| error.field == field)
                .unwrap_or_else(|| panic!("no error for {field}: {errors:?}"))
        };
        assert_eq!(find("host").code, FieldErrorCode::NotAString);
        assert_eq!(find("port").code, FieldErrorCode::OutOfRange);
        assert_eq!(
            (find("port").params.min, find("port").params.max),
            (Some(1), Some(65535))
        );
        assert_eq!(find("count").code, FieldErrorCode::NotANumber);
        assert_eq!(find("mode").code, FieldErrorCode::NotOneOf);
        assert_eq!(
            find("mode").params.allowed.as_deref(),
            Some(&["a".to_owned(), "b".to_owned()][..])
        );
        assert_eq!(find("extra").code, FieldErrorCode::UnknownField);
        assert!(find("extra")
            .params
            .allowed
            .as_ref()
            .is_some_and(|allowed| allowed.contains(&"host".to_owned())));
        assert_eq!(find("blank").code, FieldErrorCode::Empty);
        assert_eq!(find("missing").code, FieldErrorCode::Required);
        assert_eq!(find("name").code, FieldErrorCode::TooLong);
        assert_eq!(find("name").params.max, Some(3));
        assert_eq!(find("code").code, FieldErrorCode::TooShort);
        assert_eq!(find("code").params.min, Some(2));
        assert_eq!(find("flag").code, FieldErrorCode::NotABoolean);
        // The English words stay, for clients that show them as they are.
        assert_eq!(find("missing").message, "is required");
        let sent = serde_json::to_value(find("port")).unwrap();
        assert_eq!(
            sent,
            json!({"field": "port", "code": "out_of_range",
                   "message": "expected a whole number from 1 to 65535",
                   "params": {"min": 1, "max": 65535}})
        );
        assert!(serde_json::to_value(find("missing"))
            .unwrap()
            .get("params")
            .is_none());
    }

    #[test]
    fn a_body_that_is_not_an_object_is_refused_once() {
        let schema = schema();
        let errors = Fields::from_schema(&json!([1]), &schema)
            .finish()
            .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "");
        assert_eq!(errors[0].code, FieldErrorCode::NotAnObject);
    }

    #[test]
    fn defaults_fill_absent_fields_and_write_only_ones_become_secrets() {
        let schema = schema();
        let body = json!({"host": "h", "port": 25, "mode": "a", "blank": "x", "missing": "y", "token": "t0k"});
        let object = Fields::from_schema(&body, &schema).finish().unwrap();
        assert_eq!(object["region"], "us-east-1");
        let credentials = split("example", object, &schema);
        assert_eq!(credentials.secrets["token"].expose_secret(), "t0k");
        assert!(!credentials.public.contains_key("token"));
        assert_eq!(credentials.public["port"], 25);
    }

    #[test]
    fn a_rule_check_is_skipped_for_a_field_the_schema_refused() {
        let schema = schema();
        let mut fields = Fields::from_schema(&json!({"host": 3}), &schema);
        fields.check("host", |_| Err("never reached".to_owned()));
        let errors = fields.finish().unwrap_err();
        assert_eq!(
            errors.iter().filter(|error| error.field == "host").count(),
            1
        );
    }
}
