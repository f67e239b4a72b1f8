//! Limits on password guessing and signups, kept in the [`AttemptStore`].
//!
//! A login attempt is counted *before* its password is checked, on up to three counters:
//! - the account from this address (user type + name as sent + address): past
//!   `login_max_failures` in the window the account is locked out for this address, even for
//!   the right password, for 60 s, doubling with each further lockout up to an hour; once a
//!   lockout has passed, one more failure locks again (the level is kept for a day);
//! - the account from every address (per hour), against guessing spread over addresses;
//! - the address, every account (per window).
//!
//! Counted first, so of N concurrent attempts at most the limit reach a password check. A
//! successful login clears the account's count and lockout for its address and gives its
//! attempt back to the other two. Names that do not exist are counted like names that do,
//! so the answers never tell them apart. Without a known source address (router tests)
//! only the per-account ceiling applies.

use std::net::IpAddr;
use std::time::Duration;

use ezshare_domain::{UserType, Username};
use ezshare_store::{AttemptStore, Lockout, Window};
use time::OffsetDateTime;

use crate::{ApiError, ThrottleSettings};

/// The first lockout; each further one doubles, up to [`MAX_LOCKOUT`].
const FIRST_LOCKOUT: Duration = Duration::from_secs(60);
const MAX_LOCKOUT: Duration = Duration::from_secs(3600);
/// How long a lockout's level is remembered after it ends (a success forgets it at once).
const LEVEL_MEMORY: time::Duration = time::Duration::days(1);
/// The window of the per-account ceiling and of signups per address.
const HOUR: u32 = 3600;

/// The address as counted: IPv4 whole, IPv6 by its /64 (one host usually holds a whole
/// /64, so counting single IPv6 addresses would count nothing).
pub fn counted_address(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// The length of lockout number `level` (1 is the first).
fn lockout_length(level: u32) -> Duration {
    let doublings = level.saturating_sub(1).min(16);
    (FIRST_LOCKOUT * 2u32.pow(doublings)).min(MAX_LOCKOUT)
}

/// Seconds from `now` to `at`, at least 1 (a `Retry-After` of 0 invites a tight loop).
fn until(now: OffsetDateTime, at: OffsetDateTime) -> Duration {
    let secs = (at - now).whole_seconds().max(1);
    Duration::from_secs(secs.unsigned_abs())
}

fn too_many(retry_after: Duration) -> ApiError {
    ApiError::TooManyAttempts { retry_after }
}

/// Login throttling for one process's settings and store.
pub struct LoginThrottle<'a> {
    pub attempts: &'a dyn AttemptStore,
    pub settings: &'a ThrottleSettings,
}

/// A login attempt that was counted and may have its password checked.
#[must_use = "report the outcome with `succeeded` (a failure needs nothing)"]
pub struct Admitted {
    account: String,
    account_window: Window,
    from_address: Option<FromAddress>,
}

/// The counters of an attempt from a known address, which share one window.
struct FromAddress {
    /// The account from this address (its lockout's key).
    pair: String,
    /// The counter the attempt was counted in: `pair` and its epoch (see `admit`).
    pair_counter: String,
    /// The epoch-0 counter, also reset on success, when the attempt came after a lockout.
    first_counter: Option<String>,
    /// The address, every account.
    address: String,
    window: Window,
}

impl LoginThrottle<'_> {
    /// Counts a login attempt of `raw_username` (as sent) from `ip`, or refuses it with 429
    /// `too_many_attempts`.
    pub async fn admit(
        &self,
        user_type: UserType,
        raw_username: &str,
        ip: Option<IpAddr>,
        now: OffsetDateTime,
    ) -> Result<Admitted, ApiError> {
        // Every name that cannot exist shares one account key: nobody can log in as it.
        let name = Username::parse(raw_username)
            .map_or_else(|_| "~".to_owned(), |u| u.as_str().to_owned());
        let account = format!("login:{user_type}:{name}");
        let account_window = Window::containing(now, HOUR);
        let Some(ip) = ip else {
            let count = self
                .attempts
                .add_attempts(&account, account_window, 1)
                .await?;
            self.check_account(count, account_window, now)?;
            return Ok(Admitted {
                account,
                account_window,
                from_address: None,
            });
        };
        let address = counted_address(ip);
        let pair = format!("{account}:{address}");
        let lockout = self.attempts.find_lockout(&pair, now).await?;
        if let Some(l) = lockout.filter(|l| l.until > now) {
            tracing::info!(
                event = "login_locked_out",
                user_type = %user_type,
                username = %name,
                source_ip = %ip,
                "login refused: locked out"
            );
            return Err(too_many(until(now, l.until)));
        }
        let window = Window::containing(now, self.settings.login_failure_window);
        let address_key = format!("login-ip:{address}");
        // Each lockout starts a count of its own (its epoch: the lockout's end), so attempts
        // still in flight when one is set, counted in the old epoch, never restart a count
        // that the next attempts read: nothing is ever cleared while attempts race.
        let epoch = lockout.map_or(0, |l| l.until.unix_timestamp());
        let pair_counter = format!("{pair}@{epoch}");
        let (pair_count, account_count, address_count) = tokio::try_join!(
            self.attempts.add_attempts(&pair_counter, window, 1),
            self.attempts.add_attempts(&account, account_window, 1),
            self.attempts.add_attempts(&address_key, window, 1),
        )?;
        // After a lockout has passed, one failure is all the next one waits for.
        let level = lockout.map_or(0, |l| l.level);
        let pair_limit = if level > 0 {
            1
        } else {
            i64::from(self.settings.login_max_failures)
        };
        if pair_count > pair_limit {
            let next = lockout_length(level + 1);
            // Exactly one attempt crosses the limit: it sets the lockout (attempts are not
            // counted while it holds, and after it in the new lockout's epoch).
            if pair_count == pair_limit + 1 {
                let until = now + next;
                let lockout = Lockout {
                    level: level + 1,
                    until,
                    forget_at: until + LEVEL_MEMORY,
                };
                self.attempts.put_lockout(&pair, &lockout).await?;
                tracing::info!(
                    event = "login_locked_out",
                    user_type = %user_type,
                    username = %name,
                    source_ip = %ip,
                    lockout_seconds = next.as_secs(),
                    "login refused: account locked out for this address"
                );
            }
            return Err(too_many(next));
        }
        self.check_account(account_count, account_window, now)?;
        if address_count > i64::from(self.settings.login_max_failures_per_ip) {
            tracing::info!(event = "login_address_limited", source_ip = %ip, "login refused");
            return Err(too_many(until(now, window.end())));
        }
        Ok(Admitted {
            account,
            account_window,
            from_address: Some(FromAddress {
                first_counter: (epoch != 0).then(|| format!("{pair}@0")),
                pair,
                pair_counter,
                address: address_key,
                window,
            }),
        })
    }

    fn check_account(
        &self,
        count: i64,
        window: Window,
        now: OffsetDateTime,
    ) -> Result<(), ApiError> {
        if count > i64::from(self.settings.login_max_failures_per_account) {
            return Err(too_many(until(now, window.end())));
        }
        Ok(())
    }

    /// The password was right: forget the account's failures and lockout for its address,
    /// and give the attempt back to the other counters.
    pub async fn succeeded(&self, admitted: Admitted) -> Result<(), ApiError> {
        let a = self.attempts;
        let give_back_account = a.add_attempts(&admitted.account, admitted.account_window, -1);
        match &admitted.from_address {
            None => {
                give_back_account.await?;
            }
            Some(f) => {
                // Back to epoch 0 with a fresh count: the lockout and both counts go.
                let clear_lockout = async {
                    match &f.first_counter {
                        Some(first) => {
                            tokio::try_join!(
                                a.clear_lockout(&f.pair),
                                a.clear_attempts(first, f.window)
                            )?;
                            Ok(())
                        }
                        None => Ok(()),
                    }
                };
                tokio::try_join!(
                    give_back_account,
                    a.add_attempts(&f.address, f.window, -1),
                    a.clear_attempts(&f.pair_counter, f.window),
                    clear_lockout,
                )?;
            }
        }
        Ok(())
    }
}

/// Counts a signup from `ip` (none without a known address), or refuses it with 429.
pub async fn admit_signup(
    attempts: &dyn AttemptStore,
    settings: &ThrottleSettings,
    ip: Option<IpAddr>,
    now: OffsetDateTime,
) -> Result<(), ApiError> {
    let Some(ip) = ip else {
        return Ok(());
    };
    let window = Window::containing(now, HOUR);
    let key = format!("signup-ip:{}", counted_address(ip));
    if attempts.add_attempts(&key, window, 1).await? > i64::from(settings.signup_max_per_ip) {
        tracing::info!(event = "signup_address_limited", source_ip = %ip, "signup refused");
        return Err(too_many(until(now, window.end())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ezshare_store::embedded::{EmbeddedBackend, UrlSigner};

    /// A real (embedded) attempt store, and a clock the test moves.
    struct Rig {
        backend: EmbeddedBackend,
        settings: ThrottleSettings,
        _dir: tempfile::TempDir,
    }

    impl Rig {
        async fn new(settings: ThrottleSettings) -> Self {
            let dir = tempfile::tempdir().unwrap();
            let backend =
                EmbeddedBackend::open(dir.path(), "http://x", UrlSigner::derive_from(b"k"))
                    .await
                    .unwrap();
            Self {
                backend,
                settings,
                _dir: dir,
            }
        }

        fn throttle(&self) -> LoginThrottle<'_> {
            LoginThrottle {
                attempts: self.backend.attempts.as_ref(),
                settings: &self.settings,
            }
        }

        /// One login attempt for alice from 192.0.2.1 at `at`: `Ok(admitted)` or the seconds
        /// to wait.
        async fn attempt(&self, at: OffsetDateTime) -> Result<Admitted, u64> {
            let ip = "192.0.2.1".parse().ok();
            match self.throttle().admit(UserType::Ops, "alice", ip, at).await {
                Ok(admitted) => Ok(admitted),
                Err(ApiError::TooManyAttempts { retry_after }) => Err(retry_after.as_secs()),
                Err(e) => panic!("unexpected {e}"),
            }
        }

        /// Failed attempts until one is refused; returns how many got through and the wait.
        async fn fail_until_refused(&self, at: OffsetDateTime) -> (u32, u64) {
            for through in 0.. {
                match self.attempt(at).await {
                    Ok(_failed) => {}
                    Err(wait) => return (through, wait),
                }
            }
            unreachable!()
        }
    }

    fn start() -> OffsetDateTime {
        // Early in an hour and a 15-minute window, so no test straddles a window's end.
        let now = OffsetDateTime::now_utc().unix_timestamp();
        OffsetDateTime::from_unix_timestamp(now - now % 3600 + 3600 + 5).unwrap()
    }

    fn secs(n: i64) -> time::Duration {
        time::Duration::seconds(n)
    }

    #[tokio::test]
    async fn lockouts_double_while_failures_go_on_and_end_on_time() {
        let rig = Rig::new(ThrottleSettings::default()).await;
        let t0 = start();
        assert_eq!(rig.fail_until_refused(t0).await, (5, 60));
        assert_eq!(
            rig.attempt(t0 + secs(59)).await.err(),
            Some(1),
            "still locked"
        );
        // Once it has passed, a single failure brings the next, twice as long.
        let t1 = t0 + secs(61);
        assert_eq!(rig.fail_until_refused(t1).await, (1, 120));
        let t2 = t1 + secs(121);
        assert_eq!(rig.fail_until_refused(t2).await, (1, 240));
        // A success at the end of it clears everything: five tries again.
        let t3 = t2 + secs(241);
        let ok = rig.attempt(t3).await.unwrap();
        rig.throttle().succeeded(ok).await.unwrap();
        assert_eq!(rig.fail_until_refused(t3).await, (5, 60));
    }

    /// Attempts still in flight when the lockout is set must not find a fresh count after
    /// it (an early version cleared the count there, and 10 of 100 got through).
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn racing_attempts_get_exactly_the_limit_through() {
        // The ceilings (per account, per address) would refuse some of the first five while
        // all race: this is about the account-and-address limit.
        let settings = ThrottleSettings {
            login_max_failures_per_ip: 1_000_000,
            login_max_failures_per_account: 1_000_000,
            ..ThrottleSettings::default()
        };
        let rig = std::sync::Arc::new(Rig::new(settings).await);
        let t0 = start();
        // Spread over ~30 ms, as over a network: some attempts read "no lockout" just before
        // it is set and count just after.
        let tasks: Vec<_> = (0..300u64)
            .map(|i| {
                let rig = rig.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(std::time::Duration::from_micros(i * 100)).await;
                    rig.attempt(t0).await.is_ok()
                })
            })
            .collect();
        let mut through = 0;
        for t in tasks {
            through += usize::from(t.await.unwrap());
        }
        assert_eq!(through, 5);
    }

    #[tokio::test]
    async fn a_lockout_level_is_forgotten_after_a_day() {
        let rig = Rig::new(ThrottleSettings::default()).await;
        let t0 = start();
        assert_eq!(rig.fail_until_refused(t0).await, (5, 60));
        let later = t0 + secs(60) + time::Duration::days(1) + secs(1);
        assert_eq!(rig.fail_until_refused(later).await, (5, 60));
    }

    #[tokio::test]
    async fn a_success_gives_its_attempt_back_to_the_ceilings() {
        let settings = ThrottleSettings {
            login_max_failures_per_account: 3,
            login_max_failures_per_ip: 3,
            ..ThrottleSettings::default()
        };
        let rig = Rig::new(settings).await;
        let t0 = start();
        for _ in 0..10 {
            let ok = rig.attempt(t0).await.unwrap();
            rig.throttle().succeeded(ok).await.unwrap();
        }
        // The ceilings count failures only: three more fit.
        assert_eq!(rig.fail_until_refused(t0).await.0, 3);
    }

    #[test]
    fn ipv6_is_counted_per_64_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb:cccc:dddd:eeee".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(counted_address(a), "2001:db8:1:2::/64");
        assert_eq!(counted_address(a), counted_address(b));
        assert_ne!(counted_address(a), counted_address(other));
        let mapped: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
        assert_eq!(counted_address(mapped), "203.0.113.7");
    }

    #[test]
    fn lockouts_double_up_to_an_hour() {
        let secs: Vec<u64> = (1..=9).map(|l| lockout_length(l).as_secs()).collect();
        assert_eq!(secs, [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]);
        assert_eq!(lockout_length(u32::MAX).as_secs(), 3600);
    }
}
