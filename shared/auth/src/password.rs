//! Argon2id password hashing (PHC strings), off the async executor.

use argon2::{Algorithm, Argon2, Params, Version};
use argon2::{PasswordHash, PasswordHasher, PasswordVerifier};
use ezshare_domain::Password;

use crate::AuthError;

/// OWASP's minimum for argon2id: 19 MiB of memory, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None)
        .expect("constant argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a password nobody has, verified against when the user does not exist, so an
/// unknown name costs the same time as a wrong password. A constant (same parameters as real
/// hashes, fixed salt) so that no cold start pays for computing it; a test recomputes it.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZXpzaGFyZS1kdW1teS1zYWx0$lVIowyUnKt50zKWedVlyr+CLKeJ926IWiJPieyKqN5o";
#[cfg(test)]
const DUMMY_PASSWORD: &[u8] = b"ezshare dummy password, never valid";

/// Hashes a password into a PHC string with a fresh random salt, on the blocking pool.
pub async fn hash(password: Password) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || {
        // A fresh 16-byte salt from the OS's secure generator.
        argon2()
            .hash_password(password.expose().as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| AuthError::Internal(format!("argon2 hash: {e}")))
    })
    .await
    .map_err(|e| AuthError::Internal(format!("hash task: {e}")))?
}

/// Verifies `password` against `stored` (a PHC string), or against the dummy hash when there
/// is no stored hash, so both paths spend one verification. Runs on the blocking pool.
pub async fn verify(stored: Option<String>, password: String) -> Result<bool, AuthError> {
    tokio::task::spawn_blocking(move || {
        let real = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.to_owned());
        let parsed = PasswordHash::new(&phc)
            .map_err(|e| AuthError::Internal(format!("stored hash unreadable: {e}")))?;
        let matches = argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(real && matches)
    })
    .await
    .map_err(|e| AuthError::Internal(format!("verify task: {e}")))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::parse(s).unwrap()
    }

    #[tokio::test]
    async fn hash_is_argon2id_phc_at_owasp_cost() {
        let phc = hash(pw("correct horse")).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    }

    #[tokio::test]
    async fn verify_accepts_right_and_rejects_wrong() {
        let phc = hash(pw("correct horse")).await.unwrap();
        assert!(
            verify(Some(phc.clone()), "correct horse".into())
                .await
                .unwrap()
        );
        assert!(!verify(Some(phc), "correct horsf".into()).await.unwrap());
    }

    #[tokio::test]
    async fn salts_differ() {
        let a = hash(pw("same password")).await.unwrap();
        let b = hash(pw("same password")).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn long_passwords_are_not_truncated() {
        let base = "x".repeat(200);
        let phc = hash(pw(&format!("{base}A"))).await.unwrap();
        assert!(!verify(Some(phc), format!("{base}B")).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_user_never_verifies_even_with_the_dummy_password() {
        assert!(
            !verify(None, "ezshare dummy password, never valid".into())
                .await
                .unwrap()
        );
        assert!(DUMMY_HASH.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }

    /// A hash stored by an ezshare built with argon2 0.5 (made with argon2 0.5.3): accounts
    /// created before the upgrade to 0.6 must still log in.
    const HASH_FROM_ARGON2_0_5: &str = "$argon2id$v=19$m=19456,t=2,p=1$PvSNIHixc5khwpaQo8QmGg$ZnxEDwEIVnyAjdj6owJeh4w6CCC2HivR4mKih11rWS0";

    #[tokio::test]
    async fn hashes_made_by_argon2_0_5_still_verify() {
        let stored = Some(HASH_FROM_ARGON2_0_5.to_owned());
        assert!(
            verify(stored.clone(), "made by argon2 0.5".into())
                .await
                .unwrap()
        );
        assert!(!verify(stored, "made by argon2 0.6".into()).await.unwrap());
    }

    #[test]
    fn dummy_hash_is_a_real_hash_at_the_current_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let recomputed = argon2()
            .hash_password_with_salt(DUMMY_PASSWORD, &parsed.salt.unwrap())
            .unwrap()
            .to_string();
        assert_eq!(recomputed, DUMMY_HASH);
    }
}
