//! The embedded server's JWT secret: `EZSHARE_JWT_SECRET`, or a random one kept in the data
//! dir (mode 0600) so sessions survive restarts.

use std::io::Write;
use std::path::Path;

use ezshare_api::ConfigError;
use ezshare_auth::JwtSecret;

use crate::CliError;

pub const ENV_VAR: &str = "EZSHARE_JWT_SECRET";
pub const FILE_NAME: &str = "jwt-secret";

pub fn load_or_create(data_dir: &Path, from_env: Option<String>) -> Result<JwtSecret, CliError> {
    if let Some(value) = from_env {
        return JwtSecret::parse(value, ENV_VAR)
            .map_err(|e| ConfigError::new(ENV_VAR, e.message).into());
    }
    let path = data_dir.join(FILE_NAME);
    match std::fs::read_to_string(&path) {
        Ok(stored) => JwtSecret::parse(stored.trim(), "jwt-secret file")
            .map_err(|e| CliError::Startup(format!("{}: {}", path.display(), e.message))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(&path),
        Err(e) => Err(CliError::io(format!("reading {}", path.display()))(e)),
    }
}

fn create(path: &Path) -> Result<JwtSecret, CliError> {
    let encoded = hex::encode(ezshare_domain::random_bytes::<32>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(CliError::io(format!("creating {}", path.display())))?;
    file.write_all(encoded.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(CliError::io(format!("writing {}", path.display())))?;
    tracing::info!(path = %path.display(), "created a new JWT secret");
    Ok(JwtSecret::parse(encoded, "jwt-secret file").expect("64 hex chars are 64 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_with_mode_0600_then_reuses() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path(), None).unwrap();
        let b = load_or_create(dir.path(), None).unwrap();
        assert_eq!(a.as_bytes(), b.as_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(FILE_NAME))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn env_wins_and_must_be_long_enough() {
        let dir = tempfile::tempdir().unwrap();
        let s = load_or_create(dir.path(), Some("x".repeat(32))).unwrap();
        assert_eq!(s.as_bytes(), "x".repeat(32).as_bytes());
        assert!(!dir.path().join(FILE_NAME).exists());
        let err = load_or_create(dir.path(), Some("short".into())).unwrap_err();
        assert!(err.to_string().contains(ENV_VAR), "{err}");
    }

    #[test]
    fn a_damaged_secret_file_is_an_error_not_a_new_secret() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "short").unwrap();
        let err = load_or_create(dir.path(), None).unwrap_err();
        assert!(err.to_string().contains("jwt-secret"), "{err}");
    }
}
