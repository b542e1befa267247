//! Random tokens and their stored form, the one spelling used for OAuth `state` here
//! and for session tokens by the reference server.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// 256 random bits from the thread's CSPRNG, URL-safe base64 without padding (43
/// characters): an OAuth `state`, a session token.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The SHA-256 of `token`, in lowercase hex: what is stored of a token, so a database
/// dump holds nothing that can be presented back.
pub fn sha256_hex(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_carry_256_random_bits_and_are_stored_hashed() {
        let token = random_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&token).unwrap().len(), 32);
        assert_ne!(token, random_token());
        let hash = sha256_hex(&token);
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(&token));
        assert_eq!(
            sha256_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
