//! Encryption at rest: AES-256-GCM with a key id in every ciphertext, so keys rotate.

use std::fmt;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The first byte of every ciphertext: the layout below.
const FORMAT_V1: u8 = 1;
const KEY_ID_LEN: usize = 4;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + KEY_ID_LEN + NONCE_LEN;

/// Encrypts the secrets a store writes, and decrypts what it reads back.
///
/// AES-256-GCM with a random 96-bit nonce per value. A ciphertext is
/// `[format version: 1 byte][key id: 4 bytes][nonce: 12 bytes][sealed value + tag]`,
/// where the key id is the first four bytes of the key's SHA-256. The associated data
/// names the table, the user, the connector and the column (or `extra_json` field) a
/// value belongs to, so a ciphertext copied onto another row or column does not
/// decrypt.
///
/// To rotate keys, make the new key the primary and keep the old ones for reading:
/// new writes use the primary, reads pick the key named by the ciphertext's key id.
///
/// # Example
///
/// A store sealed under one key, opened again after a rotation (a new primary, the
/// old key kept for reading), then with a key that is not its own, which is refused:
///
/// ```
/// use connectors_core::{AccessToken, CredentialStore, Credentials, StoreError};
/// use connectors_store::secrecy::ExposeSecret;
/// use connectors_store::{Cipher, SqliteStore};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// # let url = format!("sqlite://{}", dir.path().join("connectors.db").display());
/// // Base64 of 32 bytes: what a key file or `CONNECTORS_ENCRYPTION_KEY` holds.
/// let old_key = Cipher::generate_key();
/// let store = SqliteStore::connect(&url, Cipher::from_base64(old_key.expose_secret())?).await?;
/// let user = uuid::Uuid::new_v4();
/// store.register_user(user, "ada@example.com").await?;
/// let credentials = Credentials {
///     provider: "google".into(),
///     access_token: Some(AccessToken::new("ya29.example".into())),
///     ..Credentials::default()
/// };
/// store.save_credentials(user, "google_calendar", &credentials, None).await?;
///
/// let old = Cipher::from_base64(old_key.expose_secret())?;
/// let rotated = Cipher::generate().with_previous_key(old.clone());
/// assert_eq!(rotated.key_ids()[1], old.key_id()); // key ids are safe to log
/// let store = SqliteStore::connect(&url, rotated).await?;
/// let stored = store.load_credentials(user, "google_calendar").await?.expect("saved");
/// assert_eq!(stored.credentials.access_token.expect("a token").secret(), "ya29.example");
///
/// let stranger = SqliteStore::connect(&url, Cipher::generate()).await;
/// assert!(matches!(stranger, Err(StoreError::WrongKey)));
/// # Ok(()) }
/// ```
///
/// `Debug` shows key ids only, never key material.
#[derive(Clone)]
pub struct Cipher {
    primary: Key,
    previous: Vec<Key>,
}

#[derive(Clone)]
struct Key {
    id: [u8; KEY_ID_LEN],
    aead: Aes256Gcm,
}

impl Key {
    fn new(bytes: &[u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        let mut id = [0; KEY_ID_LEN];
        id.copy_from_slice(&digest[..KEY_ID_LEN]);
        Self {
            id,
            aead: Aes256Gcm::new(bytes.into()),
        }
    }

    fn id_hex(&self) -> String {
        hex(&self.id)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

impl Cipher {
    /// A cipher whose primary key is these 32 bytes.
    pub fn new(key: &[u8; 32]) -> Self {
        Self {
            primary: Key::new(key),
            previous: Vec::new(),
        }
    }

    /// A cipher whose primary key is the base64 (standard alphabet, padded) of 32
    /// bytes, as in `CONNECTORS_ENCRYPTION_KEY`. Surrounding whitespace is ignored, so
    /// the contents of a key file can be passed as they are.
    ///
    /// # Errors
    ///
    /// [`Error::KeyNotBase64`], or [`Error::KeyLength`] when the bytes are not 32.
    pub fn from_base64(key: &str) -> Result<Self, Error> {
        let mut bytes = BASE64.decode(key.trim()).map_err(|_| Error::KeyNotBase64)?;
        let cipher = <&[u8; 32]>::try_from(bytes.as_slice())
            .map(Self::new)
            .map_err(|_| Error::KeyLength(bytes.len()));
        bytes.fill(0);
        cipher
    }

    /// A cipher over a fresh random key, which nothing will be able to decrypt once it
    /// is dropped: for tests and throwaway stores. To keep a generated key, use
    /// [`Cipher::generate_key`].
    pub fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let cipher = Self::new(&bytes);
        bytes.fill(0);
        cipher
    }

    /// A fresh random key, as base64 of 32 bytes: what a key file or
    /// `CONNECTORS_ENCRYPTION_KEY` holds, and what [`Cipher::from_base64`] reads.
    pub fn generate_key() -> SecretString {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let encoded = BASE64.encode(bytes);
        bytes.fill(0);
        SecretString::from(encoded)
    }

    /// Keeps the keys of `previous` (its primary and its own previous keys) for
    /// decrypting values written before a rotation. New writes still use this cipher's
    /// primary key.
    #[must_use]
    pub fn with_previous_key(mut self, previous: Cipher) -> Self {
        for key in std::iter::once(previous.primary).chain(previous.previous) {
            let known = key.id == self.primary.id || self.previous.iter().any(|k| k.id == key.id);
            if !known {
                self.previous.push(key);
            }
        }
        self
    }

    /// The id of the primary key (8 hex digits), safe to log.
    pub fn key_id(&self) -> String {
        self.primary.id_hex()
    }

    /// The ids of every key of the ring, the primary first (8 hex digits each).
    pub fn key_ids(&self) -> Vec<String> {
        std::iter::once(&self.primary)
            .chain(&self.previous)
            .map(Key::id_hex)
            .collect()
    }

    /// The key id a stored ciphertext names (8 hex digits), without opening it; `None`
    /// when the bytes are not a ciphertext of this format.
    pub(crate) fn key_id_of(ciphertext: &[u8]) -> Option<String> {
        if ciphertext.len() < HEADER_LEN + TAG_LEN || ciphertext[0] != FORMAT_V1 {
            return None;
        }
        Some(hex(&ciphertext[1..=KEY_ID_LEN]))
    }

    /// Whether `ciphertext` is sealed with the primary key.
    pub(crate) fn is_primary(&self, ciphertext: &[u8]) -> bool {
        ciphertext.get(1..=KEY_ID_LEN) == Some(&self.primary.id[..])
    }

    /// `ciphertext` sealed again with the primary key under the same `context`, or
    /// `None` when the primary key already seals it.
    pub(crate) fn reseal(
        &self,
        context: &Context<'_>,
        ciphertext: &[u8],
    ) -> Result<Option<Vec<u8>>, DecryptError> {
        if self.is_primary(ciphertext) {
            return Ok(None);
        }
        let mut opened = self.decrypt(context, ciphertext)?;
        let sealed = self.encrypt(context, &opened.plaintext);
        opened.plaintext.fill(0);
        Ok(Some(sealed))
    }

    /// Seals `plaintext` with the primary key, bound to `context`.
    pub(crate) fn encrypt(&self, context: &Context<'_>, plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let aad = context.associated_data();
        let sealed = self
            .primary
            .aead
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .expect("AES-GCM only refuses messages over 64 GiB");
        let mut out = Vec::with_capacity(HEADER_LEN + sealed.len());
        out.push(FORMAT_V1);
        out.extend_from_slice(&self.primary.id);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// Opens a value sealed by [`Cipher::encrypt`] with any key of the ring, bound to
    /// the same `context`.
    pub(crate) fn decrypt(
        &self,
        context: &Context<'_>,
        ciphertext: &[u8],
    ) -> Result<Decrypted, DecryptError> {
        if ciphertext.len() < HEADER_LEN + TAG_LEN || ciphertext[0] != FORMAT_V1 {
            return Err(DecryptError);
        }
        let (id, rest) = ciphertext[1..].split_at(KEY_ID_LEN);
        let (nonce, sealed) = rest.split_at(NONCE_LEN);
        let (key, with_primary) = if id == self.primary.id {
            (&self.primary, true)
        } else {
            match self.previous.iter().find(|key| key.id == id) {
                Some(key) => (key, false),
                None => {
                    tracing::warn!(
                        field = context.field,
                        "stored value was encrypted with a key this store does not have"
                    );
                    return Err(DecryptError);
                }
            }
        };
        let aad = context.associated_data();
        let plaintext = key
            .aead
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map_err(|_| DecryptError)?;
        Ok(Decrypted {
            plaintext,
            with_primary,
        })
    }
}

impl fmt::Debug for Cipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cipher")
            .field("key_id", &self.primary.id_hex())
            .field(
                "previous_key_ids",
                &self.previous.iter().map(Key::id_hex).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What a ciphertext belongs to; bound to it as AES-GCM associated data.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    /// The table the value is stored in.
    pub(crate) table: &'static str,
    /// The user the row belongs to.
    pub(crate) user: uuid::Uuid,
    /// The connector the row belongs to.
    pub(crate) connector: &'a str,
    /// The column, or `extra_json.secrets.<name>`.
    pub(crate) field: &'a str,
    /// Anything else that identifies the row (the state hash of an `oauth_states` row).
    pub(crate) row: &'a str,
}

impl Context<'_> {
    /// Every part length-prefixed, so no two contexts share an encoding.
    fn associated_data(&self) -> Vec<u8> {
        let parts: [&[u8]; 6] = [
            b"connectors-store",
            self.table.as_bytes(),
            self.user.as_bytes(),
            self.connector.as_bytes(),
            self.field.as_bytes(),
            self.row.as_bytes(),
        ];
        let mut aad = vec![FORMAT_V1];
        for part in parts {
            // Parts are names and ids: far below u32::MAX bytes.
            aad.extend_from_slice(&(part.len() as u32).to_be_bytes());
            aad.extend_from_slice(part);
        }
        aad
    }
}

/// A decrypted value, and whether the primary key opened it.
pub(crate) struct Decrypted {
    pub(crate) plaintext: Vec<u8>,
    pub(crate) with_primary: bool,
}

/// A ciphertext that did not open: wrong key, another row's or column's value, or not
/// a ciphertext of this format. Deliberately carries no detail.
#[derive(Debug)]
pub(crate) struct DecryptError;

#[cfg(test)]
mod tests {
    use super::*;

    fn context(field: &str) -> Context<'_> {
        Context {
            table: "user_connector_credentials",
            user: uuid::Uuid::from_u128(7),
            connector: "google_calendar",
            field,
            row: "",
        }
    }

    #[test]
    fn a_value_round_trips_under_the_same_context() {
        let cipher = Cipher::generate();
        let sealed = cipher.encrypt(&context("access_token"), b"ya29.token");
        let opened = cipher.decrypt(&context("access_token"), &sealed).unwrap();
        assert_eq!(opened.plaintext, b"ya29.token");
        assert!(opened.with_primary);
    }

    #[test]
    fn every_encryption_uses_a_fresh_nonce() {
        let cipher = Cipher::generate();
        let first = cipher.encrypt(&context("access_token"), b"same");
        let second = cipher.encrypt(&context("access_token"), b"same");
        assert_ne!(first, second);
    }

    #[test]
    fn a_ciphertext_starts_with_the_format_version_and_the_key_id() {
        let cipher = Cipher::new(&[9; 32]);
        let sealed = cipher.encrypt(&context("access_token"), b"x");
        assert_eq!(sealed[0], FORMAT_V1);
        assert_eq!(&Sha256::digest([9u8; 32])[..4], &sealed[1..5]);
        assert_eq!(sealed.len(), HEADER_LEN + 1 + TAG_LEN);
    }

    #[test]
    fn a_value_does_not_open_under_another_column_user_connector_or_row() {
        let cipher = Cipher::generate();
        let sealed = cipher.encrypt(&context("access_token"), b"secret");
        let other_column = context("refresh_token");
        let other_user = Context {
            user: uuid::Uuid::from_u128(8),
            ..context("access_token")
        };
        let other_connector = Context {
            connector: "gmail",
            ..context("access_token")
        };
        let other_table = Context {
            table: "oauth_states",
            ..context("access_token")
        };
        let other_row = Context {
            row: "abc",
            ..context("access_token")
        };
        for wrong in [
            other_column,
            other_user,
            other_connector,
            other_table,
            other_row,
        ] {
            assert!(cipher.decrypt(&wrong, &sealed).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn another_key_cannot_open_a_value() {
        let sealed = Cipher::generate().encrypt(&context("access_token"), b"secret");
        assert!(Cipher::generate()
            .decrypt(&context("access_token"), &sealed)
            .is_err());
    }

    #[test]
    fn a_previous_key_still_opens_what_it_sealed() {
        let old = Cipher::new(&[1; 32]);
        let sealed = old.encrypt(&context("access_token"), b"secret");
        let rotated = Cipher::new(&[2; 32]).with_previous_key(old);
        let opened = rotated.decrypt(&context("access_token"), &sealed).unwrap();
        assert_eq!(opened.plaintext, b"secret");
        assert!(!opened.with_primary);
        let resealed = rotated.encrypt(&context("access_token"), b"secret");
        assert_eq!(&resealed[1..5], &Cipher::new(&[2; 32]).primary.id);
    }

    #[test]
    fn garbage_and_tampered_ciphertexts_are_errors_not_panics() {
        let cipher = Cipher::generate();
        let sealed = cipher.encrypt(&context("access_token"), b"secret");
        for length in 0..sealed.len() {
            assert!(cipher
                .decrypt(&context("access_token"), &sealed[..length])
                .is_err());
        }
        for index in 0..sealed.len() {
            let mut tampered = sealed.clone();
            tampered[index] ^= 0x01;
            assert!(cipher.decrypt(&context("access_token"), &tampered).is_err());
        }
    }

    #[test]
    fn from_base64_accepts_exactly_32_bytes() {
        let key = BASE64.encode([5u8; 32]);
        assert!(Cipher::from_base64(&key).is_ok());
        assert!(Cipher::from_base64(&format!("{key}\n")).is_ok());
        assert!(matches!(
            Cipher::from_base64(&BASE64.encode([5u8; 16])),
            Err(Error::KeyLength(16))
        ));
        assert!(matches!(
            Cipher::from_base64("not base64!"),
            Err(Error::KeyNotBase64)
        ));
    }

    #[test]
    fn a_generated_key_reads_back() {
        use secrecy::ExposeSecret;
        let key = Cipher::generate_key();
        let cipher = Cipher::from_base64(key.expose_secret()).unwrap();
        let again = Cipher::from_base64(key.expose_secret()).unwrap();
        assert_eq!(cipher.key_id(), again.key_id());
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let cipher = Cipher::new(&[0xab; 32]).with_previous_key(Cipher::new(&[0xcd; 32]));
        let previous = Cipher::new(&[0xcd; 32]).key_id();
        assert_eq!(
            format!("{cipher:?}"),
            format!(
                "Cipher {{ key_id: {:?}, previous_key_ids: [{previous:?}] }}",
                cipher.key_id()
            )
        );
    }
}
