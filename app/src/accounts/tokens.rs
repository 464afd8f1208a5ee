//! Single-use tokens sent by email: 256 random bits, URL-safe; only their SHA-256 is stored.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// A new token and the digest to store for it.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let digest = digest(&token);
    (token, digest)
}

pub fn digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.trim().as_bytes()).to_vec()
}

/// Tokens are 43 URL-safe characters; anything else is not worth a database lookup.
pub fn looks_valid(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_unique_url_safe_and_stored_only_as_digests() {
        let (a, da) = new_token();
        let (b, db) = new_token();
        assert_ne!(a, b);
        assert!(looks_valid(&a) && looks_valid(&b));
        assert_eq!(da, digest(&a));
        assert_ne!(da, db);
        assert_eq!(da.len(), 32);
        assert!(!looks_valid("not a token"));
    }
}
