use std::ffi::OsString;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MOTO_ENV: &str = "EZSHARE_MOTO_SERVER";
const READY_TIMEOUT: Duration = Duration::from_secs(30);

/// Runs moto (`$0`, port `$1`, log `$2`) and lives exactly as long as it does, so a moto that
/// fails to start is seen at once. Our pipe is its stdin, moved to fd 3 for a watcher (a
/// background job's stdin would be /dev/null): at EOF, whether we closed the pipe or this
/// process died, the watcher kills moto. moto exits 0 on SIGTERM (143 if it ever stops
/// handling it): then the log is removed; a moto that failed leaves it to be read.
const SUPERVISOR: &str = r#"exec 3<&0 </dev/null
"$0" -H 127.0.0.1 -p "$1" 3<&- &
pid=$!
{ cat <&3 >/dev/null; kill "$pid" 2>/dev/null; } &
exec 3<&-
wait "$pid"
status=$?
case "$status" in 0|143) rm -f "$2" ;; esac
exit "$status""#;

/// The smallest multipart part (but the last) moto accepts here; S3's is 5 MiB.
pub const MOTO_PART_MIN_SIZE: u64 = 8;

/// A `moto_server` on `127.0.0.1:<port>`, killed when dropped.
///
/// It needs no async runtime, so one instance can be shared by all tests of a binary (each
/// `#[tokio::test]` has its own runtime) from a `static OnceLock<Moto>`. Statics are never
/// dropped, so the server is run under a tiny `sh` supervisor (see [`SUPERVISOR`]) that kills
/// moto when a pipe from this process closes: when the test process exits, however it exits,
/// moto goes with it.
///
/// moto keeps everything in memory: [`Moto::restart`] gives an empty server on the same port.
pub struct Moto {
    port: u16,
    program: PathBuf,
    child: Mutex<Option<Child>>,
}

impl Moto {
    /// Starts moto on a free port and waits until it answers. Panics if it cannot.
    pub fn start() -> Self {
        Self::start_on(free_port())
    }

    fn start_on(port: u16) -> Self {
        // reqwest, as the workspace builds it (TLS without a bundled provider, for the
        // ezshare client), needs a process-wide rustls provider before any client is built;
        // the tests that talk to moto build theirs after this.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let program = moto_program();
        let moto = Moto {
            port,
            program,
            child: Mutex::new(None),
        };
        moto.spawn();
        moto
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server, to simulate an outage. Idempotent.
    pub fn stop(&self) {
        if let Some(child) = self.child.lock().unwrap().take() {
            shut_down(child);
        }
    }

    /// Starts the server again on the same port (stopping it first if needed). moto forgets
    /// all tables and buckets: recreate what the test needs.
    pub fn restart(&self) {
        self.stop();
        self.spawn();
    }

    fn spawn(&self) {
        let log_path = std::env::temp_dir().join(format!("ezshare-moto-{}.log", self.port));
        let log = File::create(&log_path).expect("create the moto log file");
        let mut child = Command::new("/bin/sh")
            .arg("-c")
            .arg(SUPERVISOR)
            .arg(&self.program)
            .arg(self.port.to_string())
            .arg(&log_path)
            // Multipart parts of a few bytes, so tests need not send 5 MiB per part (the
            // key buffer keeps its default, which moto would derive from the minimum).
            .env("S3_UPLOAD_PART_MIN_SIZE", MOTO_PART_MIN_SIZE.to_string())
            .env("MOTO_S3_DEFAULT_KEY_BUFFER_SIZE", "5242880")
            .stdin(Stdio::piped())
            .stdout(log.try_clone().expect("clone the moto log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.program.display()));
        let deadline = Instant::now() + READY_TIMEOUT;
        while !answers(self.port) {
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "moto_server exited ({status}) before answering; see {}",
                    log_path.display()
                );
            }
            if Instant::now() > deadline {
                // Kill the supervisor only: the watcher still stops moto when our pipe
                // closes, and the log, which a clean shutdown would remove, stays.
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "moto_server did not answer within {READY_TIMEOUT:?}; see {}",
                    log_path.display()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        *self.child.lock().unwrap() = Some(child);
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Closing the supervisor's stdin makes it kill moto and wait for it, so the port is free
/// once this returns.
fn shut_down(mut child: Child) {
    drop(child.stdin.take());
    let deadline = Instant::now() + Duration::from_secs(10);
    while matches!(child.try_wait(), Ok(None)) {
        if Instant::now() > deadline {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.wait();
}

fn moto_program() -> PathBuf {
    resolve_program(std::env::var_os(MOTO_ENV)).unwrap_or_else(|msg| panic!("{msg}"))
}

/// The override if given, else `moto-server` beside this crate: the `moto_server` that
/// `scripts/install-tools` installs, with linearizable request handling (see
/// `moto_linearizable.py` for why).
fn resolve_program(override_path: Option<OsString>) -> Result<PathBuf, String> {
    let program = match override_path {
        Some(p) => PathBuf::from(p),
        None => {
            let venv_python = concat!(env!("CARGO_MANIFEST_DIR"), "/../../.venv/bin/python");
            if !PathBuf::from(venv_python).is_file() {
                return Err(format!(
                    "moto_server not found ({venv_python} is missing): run scripts/install-tools (or set {MOTO_ENV})"
                ));
            }
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/moto-server"))
        }
    };
    if program.is_file() {
        Ok(program)
    } else {
        Err(format!(
            "moto_server not found at {}: run scripts/install-tools (or set {MOTO_ENV})",
            program.display()
        ))
    }
}

/// A port the OS just handed out. Another process could take it before moto binds it; on a
/// test machine that is rare enough, and moto would then fail loudly rather than silently.
fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("bind an ephemeral port")
        .port()
}

/// Whether `GET /moto-api/` answers 200. Plain HTTP/1.0 over a socket, so that waiting for
/// moto needs no async runtime.
fn answers(port: u16) -> bool {
    let addr = (Ipv4Addr::LOCALHOST, port).into();
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /moto-api/ HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status = [0u8; 12];
    stream.read_exact(&mut status).is_ok()
        && status.starts_with(b"HTTP/1.")
        && &status[9..12] == b"200"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_server_says_how_to_install_it() {
        let err = resolve_program(Some("/nonexistent/moto_server".into())).unwrap_err();
        assert!(err.contains("/nonexistent/moto_server"), "{err}");
        assert!(err.contains("scripts/install-tools"), "{err}");
    }

    #[test]
    fn a_server_that_cannot_start_is_reported_at_once() {
        let taken = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let port = taken.local_addr().unwrap().port();
        let started = Instant::now();
        let failed = std::panic::catch_unwind(|| Moto::start_on(port))
            .err()
            .unwrap();
        let msg = failed.downcast_ref::<String>().unwrap();
        assert!(msg.contains("exited"), "{msg}");
        assert!(
            started.elapsed() < READY_TIMEOUT / 2,
            "{:?}",
            started.elapsed()
        );
        // The log of the failed start is kept, and says why.
        let log = std::env::temp_dir().join(format!("ezshare-moto-{port}.log"));
        let text = std::fs::read_to_string(&log).unwrap();
        let _ = std::fs::remove_file(&log);
        assert!(text.contains("in use"), "{text}");
    }

    #[test]
    fn starts_stops_and_restarts_on_the_same_port() {
        let moto = Moto::start();
        let port = moto.port();
        assert!(answers(port));
        assert_eq!(moto.endpoint(), format!("http://127.0.0.1:{port}"));
        moto.stop();
        assert!(!answers(port), "still answering after stop()");
        moto.restart();
        assert_eq!(moto.port(), port);
        assert!(answers(port));
        let log = std::env::temp_dir().join(format!("ezshare-moto-{port}.log"));
        assert!(log.exists());
        drop(moto);
        assert!(!answers(port), "still answering after drop");
        assert!(
            !log.exists(),
            "the log of a cleanly stopped moto is removed"
        );
    }
}
