//! Passwords: argon2id with OWASP's parameters. Hashing costs ~20 MiB and
//! tens of milliseconds of CPU, so it runs on the blocking pool behind a
//! small semaphore: a burst of sign-ins queues there instead of stalling
//! the async workers that serve pages. Lengths are capped before hashing.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 12;
/// Longest password accepted, in bytes (argon2 would hash any length).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Longest email address (RFC 5321's path limit).
pub const MAX_EMAIL_BYTES: usize = 254;

/// Checks a new password's length, saying what is valid.
pub fn check_new(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(format!(
            "the password must be at least {MIN_PASSWORD} characters long"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "the password must be at most {MAX_PASSWORD_BYTES} bytes long"
        ));
    }
    Ok(())
}

/// Hashes a new password (argon2id, version 0x13, OWASP's defaults).
pub fn hash_password(password: &str) -> Result<String, String> {
    check_new(password)?;
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches `hash`; an over-long password never does.
pub fn verify_password(hash: &str, password: &str) -> bool {
    password.len() <= MAX_PASSWORD_BYTES
        && PasswordHash::new(hash).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
}

/// Runs hashing off the async workers, at most `permits` at a time.
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    pub fn new(permits: usize) -> Hasher {
        Hasher {
            permits: Arc::new(Semaphore::new(permits)),
        }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let _permit = self.permits.clone().acquire_owned().await.ok()?;
        tokio::task::spawn_blocking(work).await.ok()
    }

    pub async fn verify(&self, hash: String, password: String) -> bool {
        self.run(move || verify_password(&hash, &password))
            .await
            .unwrap_or(false)
    }

    pub async fn hash(&self, password: String) -> Result<String, String> {
        self.run(move || hash_password(&password))
            .await
            .unwrap_or_else(|| Err("the password could not be hashed".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(&hash, "correct horse battery staple"));
        assert!(!verify_password(&hash, "correct horse battery stapler"));
        assert!(!verify_password("not a hash", "x"));
        assert!(hash_password("short").is_err());
        let long = "x".repeat(MAX_PASSWORD_BYTES + 1);
        assert!(
            hash_password(&long)
                .unwrap_err()
                .contains("at most 1024 bytes")
        );
        assert!(!verify_password(&hash, &long));
    }
}
