//! Secret newtypes: the server's OpenAI key and the ephemeral key minted from it.

use std::fmt;

use secrecy::{ExposeSecret as _, SecretString};

/// The server's OpenAI API key (`sk-…`).
///
/// Its `Debug` output is redacted; read it with [`OpenAiApiKey::expose_secret`] only
/// to put it on the wire.
#[derive(Clone)]
pub struct OpenAiApiKey(SecretString);

impl OpenAiApiKey {
    /// Wraps a key.
    pub fn new(key: impl Into<String>) -> Self {
        Self(SecretString::from(key.into()))
    }

    /// The key itself.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for OpenAiApiKey {
    fn from(key: String) -> Self {
        Self::new(key)
    }
}

impl From<SecretString> for OpenAiApiKey {
    fn from(key: SecretString) -> Self {
        Self(key)
    }
}

impl fmt::Debug for OpenAiApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OpenAiApiKey([REDACTED])")
    }
}

/// The value of a minted client secret (`ek_…`), the key a browser uses to open a
/// Realtime session.
///
/// It is meant for the one browser that asked for it: hand it over in a
/// `Cache-Control: no-store` answer and never log it. Its `Debug` output is redacted.
#[derive(Clone)]
pub struct EphemeralKey(SecretString);

impl EphemeralKey {
    /// Wraps a value, for tests and fakes.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The value itself.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for EphemeralKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EphemeralKey([REDACTED])")
    }
}

impl<'de> serde::Deserialize<'de> for EphemeralKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SecretString::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_both_secrets() {
        let key = OpenAiApiKey::new("sk-very-secret");
        let value = EphemeralKey::new("ek_very_secret");

        assert_eq!(format!("{key:?}"), "OpenAiApiKey([REDACTED])");
        assert_eq!(format!("{value:?}"), "EphemeralKey([REDACTED])");
        assert_eq!(key.expose_secret(), "sk-very-secret");
        assert_eq!(value.expose_secret(), "ek_very_secret");
    }
}
