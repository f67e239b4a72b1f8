use std::process::ExitCode;

/// What a client command can fail with; each kind has its own exit code, so scripts can
/// tell a typo from a refused login from a server that is down.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The command line or the local state is wrong (exit 2, as clap's own usage errors).
    #[error("{0}")]
    Usage(String),
    /// No login is stored (exit 3).
    #[error("not logged in: run `ezshare login` (or set EZSHARE_SERVER and EZSHARE_TOKEN)")]
    NotLoggedIn,
    /// The server refused the credentials or the caller (exit 3).
    #[error("{message} ({code}, HTTP {status})")]
    Auth {
        status: u16,
        code: String,
        message: String,
    },
    /// The server refused the request for what it asked (exit 1).
    #[error("{message} ({code}, HTTP {status})")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
    /// The server failed, or could not be reached (exit 4).
    #[error("{0}")]
    Server(String),
    /// A local file could not be read or written (exit 1).
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl ClientError {
    pub fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Self {
        let context = context.into();
        move |source| Self::Io { context, source }
    }

    /// An answer of the API that is not a success, from its status and JSON error body.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let error = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.get("error").cloned());
        let field = |name: &str| {
            error
                .as_ref()
                .and_then(|e| e.get(name))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        let code = field("code").unwrap_or_else(|| format!("http_{status}"));
        let message = field("message").unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                "the server gave no reason".to_owned()
            } else {
                text.chars().take(200).collect()
            }
        });
        match status {
            401 | 403 => Self::Auth {
                status,
                code,
                message,
            },
            500.. => Self::Server(format!(
                "the server failed: {message} ({code}, HTTP {status})"
            )),
            _ => Self::Refused {
                status,
                code,
                message,
            },
        }
    }

    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Refused { .. } | Self::Io { .. } => 1,
            Self::Usage(_) => 2,
            Self::NotLoggedIn | Self::Auth { .. } => 3,
            Self::Server(_) => 4,
        })
    }
}

impl From<reqwest::Error> for ClientError {
    fn from(e: reqwest::Error) -> Self {
        // reqwest's Display omits the cause (connection refused, DNS, TLS): keep it.
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        Self::Server(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_keep_code_and_message_and_map_to_their_exit_kind() {
        let body = br#"{"error":{"code":"file_exists","message":"a file of that name exists"}}"#;
        let e = ClientError::from_response(409, body);
        assert_eq!(
            e.to_string(),
            "a file of that name exists (file_exists, HTTP 409)"
        );
        assert!(matches!(e, ClientError::Refused { status: 409, .. }));
        assert!(matches!(
            ClientError::from_response(401, b"{}"),
            ClientError::Auth { status: 401, .. }
        ));
        let e = ClientError::from_response(502, b"Bad Gateway");
        assert!(matches!(e, ClientError::Server(ref m) if m.contains("Bad Gateway")));
    }
}
