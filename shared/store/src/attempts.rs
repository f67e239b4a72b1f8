use async_trait::async_trait;
use time::OffsetDateTime;

use crate::StoreError;

/// A fixed window of time that attempts are counted in: `[start, start + seconds)`, with
/// `start` a multiple of `seconds` since the epoch, so every process agrees on the windows
/// without talking to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: OffsetDateTime,
    pub seconds: u32,
}

impl Window {
    /// The window of `seconds` (at least 1) that holds `now`.
    pub fn containing(now: OffsetDateTime, seconds: u32) -> Self {
        let seconds = seconds.max(1);
        let unix = now.unix_timestamp();
        let start = unix - unix.rem_euclid(i64::from(seconds));
        Self {
            start: OffsetDateTime::from_unix_timestamp(start).unwrap_or(now),
            seconds,
        }
    }

    pub fn end(&self) -> OffsetDateTime {
        self.start + time::Duration::seconds(i64::from(self.seconds))
    }
}

/// A lockout of one key: refused until `until`; its `level` (how many lockouts in a row,
/// which sets the next one's length) is remembered until `forget_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lockout {
    pub level: u32,
    pub until: OffsetDateTime,
    pub forget_at: OffsetDateTime,
}

/// Counts of attempts (logins, signups) per key and window, and lockouts per key: what
/// login and signup throttling keep. Keys are opaque to the store.
///
/// Counting is atomic: of N concurrent [`Self::add_attempts`] on one key and window, each
/// sees a different count, so a limit checked on the returned count lets exactly as many
/// through as it says.
#[async_trait]
pub trait AttemptStore: Send + Sync + 'static {
    /// Adds `delta` (−1 gives an attempt back) to `key`'s count in `window` and returns the
    /// count after it. A window that has ended is never counted in again (its count is
    /// dropped some time after its end).
    async fn add_attempts(&self, key: &str, window: Window, delta: i64) -> Result<i64, StoreError>;

    /// Forgets `key`'s count in `window` (a missing one is not an error).
    async fn clear_attempts(&self, key: &str, window: Window) -> Result<(), StoreError>;

    /// `key`'s lockout, unless none was set or it was forgotten (`forget_at` ≤ `now`).
    async fn find_lockout(
        &self,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<Option<Lockout>, StoreError>;

    /// Sets (replaces) `key`'s lockout.
    async fn put_lockout(&self, key: &str, lockout: &Lockout) -> Result<(), StoreError>;

    /// Removes `key`'s lockout (a missing one is not an error).
    async fn clear_lockout(&self, key: &str) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_to_their_length() {
        let at = |s| OffsetDateTime::from_unix_timestamp(s).unwrap();
        let w = Window::containing(at(1_000_000_123), 900);
        assert_eq!(w.start, at(999_999_900));
        assert_eq!(w.end(), at(1_000_000_800));
        assert_eq!(Window::containing(at(999_999_900), 900), w);
        assert_ne!(Window::containing(at(1_000_000_800), 900), w);
        assert_eq!(Window::containing(at(5), 0).seconds, 1, "never empty");
    }
}
