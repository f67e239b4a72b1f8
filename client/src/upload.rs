//! `ezshare upload`: the server's `GET /ops/limits` picks the path. A file up to
//! `max_upload_bytes` goes through the API in one request (the server digests what it
//! receives); a larger one (or one the server finds too large) is hashed, announced with its
//! SHA-256 and streamed straight to storage (`POST /ops/uploads`, the presigned PUT, which
//! storage refuses for other bytes, then complete); above `multipart_threshold_bytes` it goes
//! in parts, in parallel and resumable ([`multipart`]).

use std::path::Path;

use futures_util::TryStreamExt;
use reqwest::Body;
use serde_json::Value;
use tokio_util::io::ReaderStream;

use indicatif::HumanBytes;

use crate::api::{Api, Limits};
use crate::args::UploadArgs;
use crate::multipart::{self, FileToSend};
use crate::progress::Progress;
use crate::{ClientError, logged_in};

/// What `POST /ops/upload` takes by default (`MAX_UPLOAD_BYTES`; a Lambda request holds
/// little more): above it, the direct path.
pub const SMALL_UPLOAD_BYTES: u64 = 4 * 1024 * 1024;

pub async fn upload(args: UploadArgs) -> Result<(), ClientError> {
    let (api, _) = logged_in()?;
    let limits = api.limits().await?;
    for path in &args.files {
        let stored = upload_one(&api, limits, path, &args).await?;
        let name = stored
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        println!("{name}");
    }
    Ok(())
}

async fn upload_one(
    api: &Api,
    limits: Option<Limits>,
    path: &Path,
    args: &UploadArgs,
) -> Result<Value, ClientError> {
    let overwrite = args.overwrite;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| ClientError::Usage(format!("{}: not a file name", path.display())))?;
    let metadata = tokio::fs::metadata(path)
        .await
        .map_err(ClientError::io(format!("read {}", path.display())))?;
    if !metadata.is_file() {
        return Err(ClientError::Usage(format!(
            "{}: not a file",
            path.display()
        )));
    }
    let size = metadata.len();
    let content_type = content_type(name);
    // A server older than GET /ops/limits: today's defaults, and no multipart.
    let (small, threshold) = match limits {
        Some(l) => {
            if size > l.max_direct_upload_bytes {
                return Err(ClientError::Usage(format!(
                    "{}: {} is over the server's limit of {}",
                    path.display(),
                    HumanBytes(size),
                    HumanBytes(l.max_direct_upload_bytes)
                )));
            }
            (l.max_upload_bytes, l.multipart_threshold_bytes)
        }
        None => (SMALL_UPLOAD_BYTES, u64::MAX),
    };
    if size > threshold {
        let file = FileToSend {
            path,
            name,
            size,
            content_type,
            metadata: &metadata,
        };
        return multipart::upload(api, file, overwrite, usize::from(args.parallel)).await;
    }
    if size <= small {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(ClientError::io(format!("read {}", path.display())))?;
        let progress = Progress::new(format!("upload {name}"), size);
        match api.upload(name, bytes, content_type, overwrite).await {
            Ok(stored) => {
                progress.advance(size);
                progress.finish("uploaded");
                return Ok(stored);
            }
            // A server configured for less than the default: the direct path.
            Err(ClientError::Refused { status: 413, .. }) => progress.abandon(),
            Err(e) => {
                progress.abandon();
                return Err(e);
            }
        }
    }
    direct(api, path, name, size, content_type, overwrite).await
}

async fn direct(
    api: &Api,
    path: &Path,
    name: &str,
    size: u64,
    content_type: &str,
    overwrite: bool,
) -> Result<Value, ClientError> {
    let sha256 = hash_file(path, name, size).await?;
    let upload = api.create_upload(name, size, content_type, &sha256).await?;
    let file = tokio::fs::File::open(path)
        .await
        .map_err(ClientError::io(format!("open {}", path.display())))?;
    let progress = std::sync::Arc::new(Progress::new(format!("upload {name}"), size));
    let counted = progress.clone();
    let stream = ReaderStream::with_capacity(file, 256 * 1024).inspect_ok(move |chunk| {
        counted.advance(chunk.len() as u64);
    });
    if let Err(e) = api
        .put_presigned(&upload, size, Body::wrap_stream(stream))
        .await
    {
        progress.abandon();
        return Err(e);
    }
    let stored = api.complete_upload(&upload.upload_id, overwrite).await;
    match &stored {
        Ok(_) => progress.finish("uploaded"),
        Err(_) => progress.abandon(),
    }
    stored
}

/// The SHA-256 of a file (hex), read once before it is sent.
pub(crate) async fn hash_file(path: &Path, name: &str, size: u64) -> Result<String, ClientError> {
    use sha2::Digest;
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(ClientError::io(format!("open {}", path.display())))?;
    let progress = Progress::new(format!("sha256 {name}"), size);
    let mut digest = sha2::Sha256::new();
    let mut buffer = vec![0u8; 1024 * 1024];
    loop {
        let n = file
            .read(&mut buffer)
            .await
            .map_err(ClientError::io(format!("read {}", path.display())))?;
        if n == 0 {
            break;
        }
        digest.update(&buffer[..n]);
        progress.advance(n as u64);
    }
    progress.finish("hashed");
    Ok(hex::encode(digest.finalize()))
}

/// The type a file is declared with; the server decides by its content anyway.
fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("pdf") => "application/pdf",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("pptx") => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}
