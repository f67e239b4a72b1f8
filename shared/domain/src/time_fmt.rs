use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats a time as an RFC 3339 UTC string, second precision (`2026-01-02T03:04:05Z`).
pub fn rfc3339(at: OffsetDateTime) -> String {
    let at = at
        .to_offset(time::UtcOffset::UTC)
        .replace_nanosecond(0)
        .expect("0 ns is always valid");
    at.format(&Rfc3339)
        .expect("UTC times always format as RFC 3339")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn formats_utc_with_z_and_drops_fractions() {
        assert_eq!(
            rfc3339(datetime!(2026-11-29 16:37:09.123 +02:00)),
            "2026-11-29T14:37:09Z"
        );
    }
}
