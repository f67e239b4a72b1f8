use std::time::{Duration, SystemTime};

use aws_sdk_s3::presigning::PresigningConfig;
use time::OffsetDateTime;

use crate::StoreError;

/// A presigning configuration valid for `ttl` from now, and the moment it expires. Signed
/// times have whole seconds, so the signature starts on one: `expires_at` is then exactly
/// the URL's own expiry.
pub(crate) fn valid_for(ttl: Duration) -> Result<(PresigningConfig, OffsetDateTime), StoreError> {
    let start = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .map_err(StoreError::internal)?;
    let config = PresigningConfig::builder()
        .start_time(SystemTime::from(start))
        .expires_in(ttl)
        .build()
        .map_err(StoreError::internal)?;
    Ok((config, start + Duration::from_secs(ttl.as_secs())))
}
