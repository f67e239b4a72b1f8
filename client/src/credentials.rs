//! Where a login is kept: `<config dir>/ezshare/credentials` (`$XDG_CONFIG_HOME/ezshare` on
//! Linux), JSON, readable by its owner only. `EZSHARE_SERVER` and `EZSHARE_TOKEN` override it.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::ClientError;

pub const SERVER_VAR: &str = "EZSHARE_SERVER";
pub const TOKEN_VAR: &str = "EZSHARE_TOKEN";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub server: String,
    pub token: String,
    /// `ops` or `client`: which listing `ezshare ls` shows without an argument.
    #[serde(default)]
    pub user_type: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
}

/// The client's folder: credentials here, upload state beside them.
pub fn config_dir() -> Result<PathBuf, ClientError> {
    directories::ProjectDirs::from("", "", "ezshare")
        .map(|dirs| dirs.config_dir().to_path_buf())
        .ok_or_else(|| ClientError::Usage("no home directory to keep the login in".into()))
}

pub fn credentials_path() -> Result<PathBuf, ClientError> {
    Ok(config_dir()?.join("credentials"))
}

/// The stored login, with the environment's overrides applied; `None` if there is neither.
pub fn current() -> Result<Option<Credentials>, ClientError> {
    let stored = load(&credentials_path()?)?;
    let env = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
    Ok(match (env(SERVER_VAR), env(TOKEN_VAR), stored) {
        (server, Some(token), stored) => {
            let server = server
                .or_else(|| stored.as_ref().map(|s| s.server.clone()))
                .ok_or_else(|| {
                    ClientError::Usage(format!("{TOKEN_VAR} is set: set {SERVER_VAR} too"))
                })?;
            Some(Credentials {
                server,
                token,
                user_type: None,
                username: None,
            })
        }
        (Some(server), None, Some(stored)) => Some(Credentials { server, ..stored }),
        (_, None, stored) => stored,
    })
}

pub fn load(path: &Path) -> Result<Option<Credentials>, ClientError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            ClientError::Usage(format!(
                "{} is not a login this client wrote ({e}): remove it and log in again",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(ClientError::io(format!("read {}", path.display()))(e)),
    }
}

/// Writes the login readable by its owner only (0600), created so from the first byte and
/// moved into place whole.
pub fn save(path: &Path, credentials: &Credentials) -> Result<(), ClientError> {
    let json = serde_json::to_vec_pretty(credentials).expect("serializable");
    write_private(path, &json)
}

/// Writes `bytes` to `path` readable by its owner only (0600) from the first byte, through a
/// temporary file renamed into place, so a reader never sees half of it.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ClientError> {
    let dir = path.parent().expect("a file in a folder");
    std::fs::create_dir_all(dir).map_err(ClientError::io(format!("create {}", dir.display())))?;
    let temporary = path.with_extension("tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = |options: &std::fs::OpenOptions| -> std::io::Result<()> {
        use std::io::Write;
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write(&options).map_err(ClientError::io(format!("write {}", path.display())))
}

pub fn remove(path: &Path) -> Result<bool, ClientError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(ClientError::io(format!("remove {}", path.display()))(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_login_reads_back_and_only_its_owner_may_read_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ezshare/credentials");
        assert_eq!(load(&path).unwrap(), None);
        let login = Credentials {
            server: "https://api.example.com".into(),
            token: "t0k3n".into(),
            user_type: Some("ops".into()),
            username: Some("alice".into()),
        };
        save(&path, &login).unwrap();
        assert_eq!(load(&path).unwrap(), Some(login));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(remove(&path).unwrap());
        assert!(!remove(&path).unwrap());
    }

    #[test]
    fn a_damaged_file_is_a_usage_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, b"not json").unwrap();
        let e = load(&path).unwrap_err();
        assert!(
            matches!(e, ClientError::Usage(ref m) if m.contains("log in again")),
            "{e}"
        );
    }
}
