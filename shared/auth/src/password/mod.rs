//! Argon2id password hashing (PHC strings) through one bounded queue per process.
//!
//! Every hash and every verification — the dummy one for unknown users too, so timing still
//! does not tell which names exist — runs in one of [`Hasher`]'s slots: at most `slots` at
//! once, each on the blocking pool with the 19 MiB it needs allocated once and reused. A
//! request that waits longer than [`QUEUE_WAIT`] for a slot is refused with
//! [`AuthError::Busy`] (503): a flood of logins then costs bounded memory and CPU, and the
//! rest of the API keeps its threads.

mod argon;

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use argon2::Block;
use ezshare_domain::Password;
use tokio::sync::Semaphore;

pub use argon::{ITERATIONS, MEMORY_KIB, PARALLELISM};

use crate::AuthError;

/// How long a request waits for a hashing slot before it is told the service is busy.
pub const QUEUE_WAIT: Duration = Duration::from_secs(2);

/// A hash of a password nobody has, verified against when the user does not exist, so an
/// unknown name costs the same time as a wrong password. A constant (same parameters as real
/// hashes, fixed salt) so that no cold start pays for computing it; a test recomputes it.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZXpzaGFyZS1kdW1teS1zYWx0$lVIowyUnKt50zKWedVlyr+CLKeJ926IWiJPieyKqN5o";
#[cfg(test)]
const DUMMY_PASSWORD: &[u8] = b"ezshare dummy password, never valid";

/// The process's password hashing: a bounded number of slots, each with its own memory.
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// The memory of idle slots: allocated the first time a slot is used, then kept.
    idle_memory: Arc<Mutex<Vec<Box<[Block]>>>>,
    slots: NonZeroUsize,
    wait: Duration,
}

impl Hasher {
    /// `slots` computations at once; a request waits [`QUEUE_WAIT`] at most for one.
    pub fn new(slots: NonZeroUsize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(slots.get())),
            idle_memory: Arc::new(Mutex::new(Vec::with_capacity(slots.get()))),
            slots,
            wait: QUEUE_WAIT,
        }
    }

    /// The local server's default: two slots per core the process may use.
    pub fn local_default_slots() -> NonZeroUsize {
        let cores = std::thread::available_parallelism().map_or(1, NonZeroUsize::get);
        NonZeroUsize::new(2 * cores).unwrap_or(NonZeroUsize::MIN)
    }

    /// The same hasher with another longest wait for a slot.
    pub fn with_wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    pub fn slots(&self) -> NonZeroUsize {
        self.slots
    }

    /// How many slots have their memory allocated (never more than [`Self::slots`]).
    pub fn allocated_slots(&self) -> usize {
        let idle = self.idle_memory.lock().map_or(0, |m| m.len());
        idle + (self.slots.get() - self.permits.available_permits())
    }

    /// Hashes a password into a PHC string with a fresh random salt.
    pub async fn hash(&self, password: Password) -> Result<String, AuthError> {
        let salt = argon2::password_hash::try_generate_salt()
            .map_err(|e| AuthError::Internal(format!("salt: {e}")))?;
        self.in_slot(move |memory| argon::hash(password.expose().as_bytes(), &salt, memory))
            .await
    }

    /// Verifies `password` against `stored` (a PHC string), or against the dummy hash when
    /// there is no stored hash, so both paths spend one verification in one slot.
    pub async fn verify(
        &self,
        stored: Option<String>,
        password: String,
    ) -> Result<bool, AuthError> {
        self.in_slot(move |memory| {
            let real = stored.is_some();
            let phc = stored.as_deref().unwrap_or(DUMMY_HASH);
            let matches = argon::verify(password.as_bytes(), phc, memory)?;
            Ok(real && matches)
        })
        .await
    }

    async fn in_slot<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [Block]) -> Result<T, String> + Send + 'static,
    ) -> Result<T, AuthError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| AuthError::Busy)?
            .map_err(|e| AuthError::Internal(format!("hashing queue: {e}")))?;
        let idle_memory = self.idle_memory.clone();
        tokio::task::spawn_blocking(move || {
            let reused = idle_memory.lock().ok().and_then(|mut m| m.pop());
            let mut memory = reused.unwrap_or_else(argon::new_memory);
            let result = work(&mut memory);
            if let Ok(mut idle) = idle_memory.lock() {
                idle.push(memory);
            }
            // The slot is free only once its memory is back.
            drop(permit);
            result.map_err(|e| AuthError::Internal(format!("argon2: {e}")))
        })
        .await
        .map_err(|e| AuthError::Internal(format!("hashing task: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::parse(s).unwrap()
    }

    fn hasher() -> Hasher {
        Hasher::new(NonZeroUsize::new(2).unwrap())
    }

    async fn hash(p: Password) -> Result<String, AuthError> {
        hasher().hash(p).await
    }

    async fn verify(stored: Option<String>, p: String) -> Result<bool, AuthError> {
        hasher().verify(stored, p).await
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
        let parsed = argon2::password_hash::phc::PasswordHash::new(DUMMY_HASH).unwrap();
        let salt = parsed.salt.unwrap();
        let recomputed = argon::hash(DUMMY_PASSWORD, &salt, &mut argon::new_memory()).unwrap();
        assert_eq!(recomputed, DUMMY_HASH);
    }

    /// With every slot taken, a request waits its turn up to the queue's limit, then is
    /// refused as busy — a hash and a verification (of an unknown user too) alike.
    #[tokio::test]
    async fn a_full_queue_answers_busy_after_its_wait() {
        let hasher =
            Hasher::new(NonZeroUsize::new(1).unwrap()).with_wait(Duration::from_millis(50));
        let held = hasher.permits.clone().acquire_owned().await.unwrap();
        assert!(matches!(
            hasher.hash(pw("correct horse")).await,
            Err(AuthError::Busy)
        ));
        assert!(matches!(
            hasher.verify(None, "guess".into()).await,
            Err(AuthError::Busy)
        ));
        // Freed within the wait, the slot is taken and the work done.
        let waiting = hasher.verify(None, "guess".into());
        let release = async {
            tokio::time::sleep(Duration::from_millis(10)).await;
            drop(held);
        };
        let (verified, ()) = tokio::join!(waiting, release);
        assert!(!verified.unwrap());
    }

    /// Memory is allocated per slot, once: many computations, one after another, leave one
    /// slot's memory; concurrent ones never more than there are slots.
    #[tokio::test]
    async fn slots_reuse_their_memory_and_never_exceed_the_bound() {
        let hasher = Hasher::new(NonZeroUsize::new(2).unwrap());
        assert_eq!(hasher.allocated_slots(), 0, "nothing allocated before use");
        let phc = hasher.hash(pw("correct horse")).await.unwrap();
        for _ in 0..3 {
            assert!(
                hasher
                    .verify(Some(phc.clone()), "correct horse".into())
                    .await
                    .unwrap()
            );
        }
        assert_eq!(hasher.allocated_slots(), 1);
        let many = (0..6).map(|_| hasher.verify(Some(phc.clone()), "wrong".into()));
        let results = futures_util::future::join_all(many).await;
        assert!(results.into_iter().all(|r| !r.unwrap()));
        // Two, unless one finished before the other started: never more than the slots.
        assert!((1..=2).contains(&hasher.allocated_slots()));
    }

    /// A hash made at other parameters (more memory than a slot has) still verifies.
    #[tokio::test]
    async fn hashes_at_other_parameters_still_verify() {
        let params = argon2::Params::new(32 * 1024, 1, 1, None).unwrap();
        let other =
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        use argon2::PasswordHasher;
        let phc = other.hash_password(b"bigger memory").unwrap().to_string();
        assert!(
            verify(Some(phc.clone()), "bigger memory".into())
                .await
                .unwrap()
        );
        assert!(!verify(Some(phc), "smaller memory".into()).await.unwrap());
    }
}
