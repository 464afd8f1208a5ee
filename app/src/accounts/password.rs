//! Password hashing (argon2id, OWASP parameters) and the strength rule.

use std::sync::LazyLock;

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Algorithm, Argon2, Params, Version,
};

pub const MIN_LENGTH: usize = 10;
/// Long enough for any passphrase; bounded so hashing cost stays predictable.
pub const MAX_LENGTH: usize = 256;

/// OWASP's argon2id recommendation: 19 MiB of memory, 2 passes, 1 lane.
fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19_456, 2, 1, None).expect("valid argon2 parameters"),
    )
}

/// At most this many hashes run at once (each holds 19 MiB), whatever the request load.
const CONCURRENT_HASHES: usize = 4;
static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(CONCURRENT_HASHES);

async fn permit() -> tokio::sync::SemaphorePermit<'static> {
    HASHING.acquire().await.expect("the hashing semaphore is never closed")
}

/// Hashes on a blocking thread: one hash takes tens of milliseconds of CPU.
pub async fn hash(password: String) -> anyhow::Result<String> {
    let _turn = permit().await;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
}

/// Checks `password` against a stored hash. Without a hash (no such account), a dummy hash is
/// checked instead so that the answer takes the same time either way.
pub async fn verify(stored: Option<String>, password: String) -> anyhow::Result<bool> {
    let _turn = permit().await;
    tokio::task::spawn_blocking(move || {
        let stored = stored.as_deref().unwrap_or(DUMMY_HASH.as_str());
        let parsed =
            PasswordHash::new(stored).map_err(|e| anyhow::anyhow!("stored password hash is malformed: {e}"))?;
        let matches = argon2().verify_password(password.as_bytes(), &parsed).is_ok();
        Ok(matches && stored != DUMMY_HASH.as_str())
    })
    .await?
}

static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(b"no account has this password", &salt)
        .expect("hashing the dummy password")
        .to_string()
});

/// Why a new password is refused, in words for the person choosing it; None when it is fine.
/// `context` holds the person's own details (name, email), which make weak passwords.
pub fn weakness(password: &str, context: &[&str]) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!("Use at least {MIN_LENGTH} characters."));
    }
    if length > MAX_LENGTH {
        return Some(format!("Use at most {MAX_LENGTH} characters."));
    }
    // Whole details and their pieces ("ada.lovelace@example.com" → "ada", "lovelace", …).
    let mut words: Vec<&str> = context.to_vec();
    for item in context {
        words.extend(item.split(|c: char| !c.is_alphanumeric()).filter(|w| w.len() >= 3));
    }
    let estimate = zxcvbn::zxcvbn(password, &words);
    if estimate.score() >= zxcvbn::Score::Three {
        return None;
    }
    let feedback = estimate.feedback();
    let warning = feedback.and_then(|f| f.warning()).map(|w| w.to_string());
    let suggestion = feedback.and_then(|f| f.suggestions().first()).map(|s| s.to_string());
    Some(match (warning, suggestion) {
        (Some(w), Some(s)) => format!("This password is too easy to guess. {w} {s}"),
        (Some(w), None) => format!("This password is too easy to guess. {w}"),
        (None, Some(s)) => format!("This password is too easy to guess. {s}"),
        (None, None) => "This password is too easy to guess. Add more words or characters.".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_with_owasp_parameters_and_verifies_only_its_password() {
        let h = hash("correct horse battery staple".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify(Some(h.clone()), "correct horse battery staple".into())
            .await
            .unwrap());
        assert!(!verify(Some(h), "correct horse battery stapler".into()).await.unwrap());
    }

    #[tokio::test]
    async fn no_account_never_verifies() {
        assert!(!verify(None, "no account has this password".into()).await.unwrap());
        assert!(!verify(None, "anything".into()).await.unwrap());
    }

    #[test]
    fn weak_and_personal_passwords_are_refused_with_a_reason() {
        assert_eq!(weakness("short", &[]).unwrap(), "Use at least 10 characters.");
        assert!(weakness("password123", &[])
            .unwrap()
            .starts_with("This password is too easy to guess."));
        assert!(weakness("ada.lovelace1815", &["ada.lovelace1815@example.com", "Ada Lovelace"]).is_some());
        assert!(weakness(&"x".repeat(300), &[]).unwrap().contains("at most"));
        assert_eq!(weakness("violet tractor under 42 lanterns", &[]), None);
    }
}
