use std::path::{Path, PathBuf};

use async_trait::async_trait;
use ezshare_domain::{Email, random_bytes};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

use crate::{Mail, MailError, Mailer};

/// Mail as files: each message an RFC 5322 file `<unix time>-<random>.eml` in one folder,
/// written aside and renamed (a reader never sees half a message), readable by its owner
/// only (it holds single-use links), with one log line saying where it went.
pub struct Outbox {
    dir: PathBuf,
    from: Email,
}

impl Outbox {
    pub fn new(dir: impl Into<PathBuf>, from: Email) -> Self {
        Self {
            dir: dir.into(),
            from,
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every message in the folder, oldest first (by name): what tests read.
    pub fn messages(&self) -> std::io::Result<Vec<String>> {
        let mut paths: Vec<PathBuf> = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => vec![],
            Err(e) => return Err(e),
        };
        paths.sort();
        paths.iter().map(std::fs::read_to_string).collect()
    }

    fn write(&self, name: &str, message: &str) -> std::io::Result<PathBuf> {
        use std::io::Write;
        let mut dir = std::fs::DirBuilder::new();
        dir.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut dir, 0o700);
        dir.create(&self.dir)?;
        let aside = self.dir.join(format!("{name}.tmp"));
        let mut file = std::fs::OpenOptions::new();
        file.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
        let mut file = file.open(&aside)?;
        file.write_all(message.as_bytes())?;
        file.sync_all()?;
        let path = self.dir.join(format!("{name}.eml"));
        std::fs::rename(&aside, &path)?;
        Ok(path)
    }
}

/// A message id's random part, hex.
fn random_hex() -> String {
    random_bytes::<12>()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The message as RFC 5322 text: headers, a blank line, the body, CRLF line ends. Plain
/// text in UTF-8 sent as 8bit (RFC 6532 allows it; every mail client reads it).
pub fn render(from: &Email, mail: &Mail, date: OffsetDateTime, message_id: &str) -> String {
    let date = date.format(&Rfc2822).unwrap_or_default();
    let domain = from.as_str().rsplit('@').next().unwrap_or("localhost");
    let headers = [
        format!("From: {}", from.as_str()),
        format!("To: {}", mail.to.as_str()),
        format!("Subject: {}", one_line(&mail.subject)),
        format!("Date: {date}"),
        format!("Message-ID: <{message_id}@{domain}>"),
        "MIME-Version: 1.0".to_owned(),
        "Content-Type: text/plain; charset=utf-8".to_owned(),
        "Content-Transfer-Encoding: 8bit".to_owned(),
    ];
    let body: Vec<&str> = mail.text.lines().collect();
    format!("{}\r\n\r\n{}\r\n", headers.join("\r\n"), body.join("\r\n"))
}

/// A header value on one line: no CR or LF can start a header of its own.
fn one_line(value: &str) -> String {
    value.replace(['\r', '\n'], " ")
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: &Mail) -> Result<(), MailError> {
        let now = OffsetDateTime::now_utc();
        let id = random_hex();
        let message = render(&self.from, mail, now, &id);
        let name = format!("{}-{id}", now.unix_timestamp_nanos());
        let written = {
            let (outbox, name) = (Outbox::new(self.dir.clone(), self.from.clone()), name);
            tokio::task::spawn_blocking(move || outbox.write(&name, &message))
                .await
                .map_err(|e| MailError::Unavailable(e.to_string()))?
        };
        let path = written.map_err(|e| {
            MailError::Unavailable(format!("writing to {}: {e}", self.dir.display()))
        })?;
        tracing::info!(to = mail.to.as_str(), path = %path.display(), "mail written to the outbox");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> Mail {
        Mail {
            to: Email::parse("carol@example.com").unwrap(),
            subject: "Verify\r\nBcc: evil@example.com".into(),
            text: "Hello Zoë,\nclick:\nhttps://x/verify?token=abc".into(),
        }
    }

    #[test]
    fn renders_rfc5322_with_crlf_and_no_header_injection() {
        let from = Email::parse("ezshare@example.org").unwrap();
        let at = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let text = render(&from, &mail(), at, "abc123");
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let headers: Vec<&str> = head.split("\r\n").collect();
        assert_eq!(headers[0], "From: ezshare@example.org");
        assert_eq!(headers[1], "To: carol@example.com");
        assert_eq!(headers[2], "Subject: Verify  Bcc: evil@example.com");
        assert_eq!(headers[3], "Date: Fri, 15 Jan 2027 08:00:00 +0000");
        assert_eq!(headers[4], "Message-ID: <abc123@example.org>");
        assert!(!head.lines().any(|l| l.starts_with("Bcc")));
        assert_eq!(
            body,
            "Hello Zoë,\r\nclick:\r\nhttps://x/verify?token=abc\r\n"
        );
    }

    #[tokio::test]
    async fn the_outbox_keeps_each_message_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new(dir.path().join("outbox"), Email::parse("a@b.co").unwrap());
        assert!(outbox.messages().unwrap().is_empty(), "no folder yet");
        outbox.send(&mail()).await.unwrap();
        outbox.send(&mail()).await.unwrap();
        let messages = outbox.messages().unwrap();
        assert_eq!(messages.len(), 2);
        assert!(messages[0].contains("To: carol@example.com\r\n"));
        assert_ne!(messages[0], messages[1], "each its own Message-ID");
        #[cfg(unix)]
        for entry in std::fs::read_dir(outbox.dir()).unwrap() {
            use std::os::unix::fs::PermissionsExt;
            let mode = entry.unwrap().metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
