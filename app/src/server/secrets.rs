//! Secrets at rest: AES-256-GCM under a master key from the environment (`MASTER_KEY`).
//!
//! `MASTER_KEY` lists keys as `id:base64` separated by commas; the first seals, all open, so a
//! new key can be put first while old values still read. Sealed values carry their key id and
//! are bound to what they are for (the associated data), so one cannot be moved to another row.

use std::collections::HashMap;

use aes_gcm::{
    aead::{Aead, KeyInit, Payload},
    Aes256Gcm, Key, Nonce,
};
use base64::{engine::general_purpose::STANDARD, Engine};
use rand::RngCore;

pub struct SecretBox {
    current: String,
    keys: HashMap<String, Aes256Gcm>,
    /// The current key's bytes, only for deriving other keys from (`derive`).
    current_bytes: [u8; 32],
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut ids: Vec<_> = self.keys.keys().collect();
        ids.sort();
        f.debug_struct("SecretBox")
            .field("current", &self.current)
            .field("key_ids", &ids)
            .finish()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("the sealed value is malformed")]
    Malformed,
    #[error("the sealed value needs key {0:?}, which MASTER_KEY does not contain")]
    UnknownKey(String),
    #[error("the sealed value does not decrypt: wrong key, or it was altered or moved")]
    Rejected,
}

impl SecretBox {
    /// Parses `MASTER_KEY`. The message says what is wrong without repeating any key.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut keys = HashMap::new();
        let mut current = None;
        let mut current_bytes = [0_u8; 32];
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, encoded) = entry
                .split_once(':')
                .ok_or("each key must be written id:base64 (for example k1:…)")?;
            if id.is_empty() || id.len() > 16 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err("key ids must be 1 to 16 letters or digits".into());
            }
            let bytes = STANDARD
                .decode(encoded)
                .map_err(|_| format!("key {id:?} is not valid base64"))?;
            if bytes.len() != 32 {
                return Err(format!(
                    "key {id:?} must be 32 bytes (base64 of 32 random bytes: `head -c 32 /dev/urandom | base64`)"
                ));
            }
            if keys
                .insert(id.to_owned(), Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)))
                .is_some()
            {
                return Err(format!("key id {id:?} appears twice"));
            }
            if current.is_none() {
                current = Some(id.to_owned());
                current_bytes.copy_from_slice(&bytes);
            }
        }
        let current = current.ok_or("no key given")?;
        Ok(Self {
            current,
            keys,
            current_bytes,
        })
    }

    /// A key for another purpose (signing URLs, say), derived from the current key with
    /// HMAC-SHA-256, so that purpose never holds the encryption key itself.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.current_bytes).expect("any key length works");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// `v1:<key id>:<base64 of nonce and ciphertext>`
    pub fn seal(&self, plaintext: &[u8], purpose: &str) -> String {
        let cipher = &self.keys[&self.current];
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: purpose.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory value");
        let mut out = nonce.to_vec();
        out.extend(sealed);
        format!("v1:{}:{}", self.current, STANDARD.encode(out))
    }

    /// Seals a value again under the current key when another key sealed it (`keys rotate`);
    /// None when the current key already did.
    pub fn reseal(&self, sealed: &str, purpose: &str) -> Result<Option<String>, OpenError> {
        if sealed.starts_with(&format!("v1:{}:", self.current)) {
            return Ok(None);
        }
        let plain = self.open(sealed, purpose)?;
        Ok(Some(self.seal(&plain, purpose)))
    }

    /// The id of the key that seals.
    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    pub fn open(&self, sealed: &str, purpose: &str) -> Result<Vec<u8>, OpenError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(id), Some(data)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(OpenError::Malformed);
        };
        let cipher = self.keys.get(id).ok_or_else(|| OpenError::UnknownKey(id.to_owned()))?;
        let bytes = STANDARD.decode(data).map_err(|_| OpenError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(OpenError::Malformed);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| OpenError::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> String {
        STANDARD.encode([byte; 32])
    }

    #[test]
    fn sealed_values_open_only_with_their_key_and_purpose() {
        let keys = SecretBox::parse(&format!("k1:{}", key(1))).unwrap();
        let sealed = keys.seal(b"JBSWY3DPEHPK3PXP", "totp:user-a");
        assert!(sealed.starts_with("v1:k1:"));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(keys.open(&sealed, "totp:user-a").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert_eq!(
            keys.open(&sealed, "totp:user-b"),
            Err(OpenError::Rejected),
            "bound to its row"
        );
        assert_ne!(
            keys.seal(b"same", "p"),
            keys.seal(b"same", "p"),
            "fresh nonce each time"
        );
        let mut tampered = sealed.clone();
        tampered.replace_range(tampered.len() - 3.., "AAA");
        assert!(keys.open(&tampered, "totp:user-a").is_err());
        assert_eq!(keys.open("garbage", "p"), Err(OpenError::Malformed));
    }

    #[test]
    fn a_new_key_first_seals_while_old_values_still_open() {
        let old = SecretBox::parse(&format!("k1:{}", key(1))).unwrap();
        let sealed_old = old.seal(b"secret", "p");
        let rotated = SecretBox::parse(&format!("k2:{}, k1:{}", key(2), key(1))).unwrap();
        assert_eq!(rotated.open(&sealed_old, "p").unwrap(), b"secret");
        assert!(rotated.seal(b"secret", "p").starts_with("v1:k2:"));
        let without_old = SecretBox::parse(&format!("k2:{}", key(2))).unwrap();
        assert_eq!(
            without_old.open(&sealed_old, "p"),
            Err(OpenError::UnknownKey("k1".into()))
        );
    }

    #[test]
    fn bad_master_keys_are_explained_without_echoing_them() {
        assert!(SecretBox::parse("").unwrap_err().contains("no key"));
        assert!(SecretBox::parse("justakey").unwrap_err().contains("id:base64"));
        let short = SecretBox::parse("k1:c2hvcnQ=").unwrap_err();
        assert!(short.contains("32 bytes") && !short.contains("c2hvcnQ"));
        assert!(SecretBox::parse(&format!("k1:{0},k1:{0}", key(1)))
            .unwrap_err()
            .contains("twice"));
    }
}
