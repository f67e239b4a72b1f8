//! Which log events are written: `RUST_LOG` as a list of `target=level` directives with an
//! optional bare default level (`info,ezshare_store=debug`), default `info`.
//!
//! A [`Targets`] filter rather than tracing-subscriber's `EnvFilter`: the latter's span and
//! field directives bring a regex engine (~270 KiB) into every Lambda binary, and nothing here
//! filters on fields.

use tracing::Level;
pub use tracing_subscriber::filter::Targets;

/// The filter `RUST_LOG` describes; `info` for everything when it is unset or unreadable.
pub fn log_filter() -> Targets {
    parse(std::env::var("RUST_LOG").ok().as_deref())
}

fn parse(raw: Option<&str>) -> Targets {
    raw.and_then(|raw| raw.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(Level::INFO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing::level_filters::LevelFilter;

    #[test]
    fn default_is_info_for_everything() {
        for raw in [None, Some("not a directive=xyz")] {
            let filter = parse(raw);
            assert!(filter.would_enable("ezshare_api", &Level::INFO), "{raw:?}");
            assert!(
                !filter.would_enable("ezshare_api", &Level::DEBUG),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn directives_set_levels_per_target() {
        let filter = parse(Some("warn,ezshare_store=debug"));
        assert!(filter.would_enable("ezshare_store::aws", &Level::DEBUG));
        assert!(!filter.would_enable("hyper", &Level::INFO));
        assert!(filter.would_enable("hyper", &Level::WARN));
        assert_eq!(parse(Some("off")).default_level(), Some(LevelFilter::OFF));
    }
}
