//! A multipart upload: parts read from the file one at a time per worker, each hashed, signed
//! with its digest (storage refuses other bytes) and sent straight to storage, `parallel` at
//! once. The upload's id is saved before the first part, so running the same command again
//! asks the server which parts it holds and sends only the others.

use std::path::Path;
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::ClientError;
use crate::api::{Api, SignedPart};
use crate::progress::Progress;
use crate::resume::{self, UploadState};

/// Tries per part before the upload stops (a network error or a 5xx); the rest of the
/// upload is kept for the next run either way.
const PART_ATTEMPTS: u32 = 3;

pub struct FileToSend<'a> {
    pub path: &'a Path,
    pub name: &'a str,
    pub size: u64,
    pub content_type: &'a str,
    pub metadata: &'a std::fs::Metadata,
}

pub async fn upload(
    api: &Api,
    file: FileToSend<'_>,
    overwrite: bool,
    parallel: usize,
) -> Result<Value, ClientError> {
    let at = resume::state_path(file.path, file.metadata)?;
    let server = api.url(&[]).to_string();
    let saved = resume::load(&at).filter(|s| s.server == server && s.size == file.size);
    let resumed = match saved {
        Some(state) => api
            .upload_status(&state.upload_id)
            .await?
            .map(|status| (state, status)),
        None => None,
    };
    let (state, status) = match resumed {
        Some(found) => found,
        None => {
            let state = start(api, &file, &server).await?;
            resume::save(&at, &state)?;
            let status = api
                .upload_status(&state.upload_id)
                .await?
                .ok_or_else(|| ClientError::Server("the new upload is not there".into()))?;
            (state, status)
        }
    };
    if status.state == "receiving" {
        let held: std::collections::HashSet<u32> = status
            .parts
            .iter()
            .filter(|p| Some(p.size) == part_len(&state, p.part_number))
            .map(|p| p.part_number)
            .collect();
        let missing: Vec<u32> = (1..=state.part_count)
            .filter(|n| !held.contains(n))
            .collect();
        if !held.is_empty() {
            eprintln!(
                "{}: resuming upload {}: {} of {} parts already stored, sending {}",
                file.name,
                state.upload_id,
                held.len(),
                state.part_count,
                missing.len()
            );
        }
        send_parts(api, &state, &file, &missing, parallel).await?;
        eprintln!(
            "{}: sent {} parts of {}",
            file.name,
            missing.len(),
            human(state.part_size)
        );
    }
    match api.complete_upload(&state.upload_id, overwrite).await {
        Ok(stored) => {
            resume::remove(&at);
            Ok(stored)
        }
        // Assembled and kept: `--overwrite` completes it without sending anything again.
        Err(e @ ClientError::Refused { status: 409, .. }) => Err(e),
        // Refused for good (its type, its size): the server dropped it.
        Err(e @ ClientError::Refused { .. }) => {
            resume::remove(&at);
            Err(e)
        }
        Err(e) => Err(e),
    }
}

async fn start(api: &Api, file: &FileToSend<'_>, server: &str) -> Result<UploadState, ClientError> {
    let sha256 = crate::upload::hash_file(file.path, file.name, file.size).await?;
    let started = api
        .create_multipart(file.name, file.size, file.content_type, &sha256)
        .await?;
    Ok(UploadState {
        server: server.to_owned(),
        upload_id: started.upload_id,
        path: file.path.to_owned(),
        size: file.size,
        sha256,
        part_size: started.part_size,
        part_count: started.part_count,
        part_checksums: started.part_checksums,
    })
}

fn part_len(state: &UploadState, n: u32) -> Option<u64> {
    let start = u64::from(n.checked_sub(1)?) * state.part_size;
    (n <= state.part_count).then(|| state.part_size.min(state.size - start))
}

async fn send_parts(
    api: &Api,
    state: &UploadState,
    file: &FileToSend<'_>,
    missing: &[u32],
    parallel: usize,
) -> Result<(), ClientError> {
    let progress = Arc::new(Progress::new(format!("upload {}", file.name), file.size));
    let already: u64 = (1..=state.part_count)
        .filter(|n| !missing.contains(n))
        .filter_map(|n| part_len(state, n))
        .sum();
    progress.advance(already);
    let sent = futures_util::stream::iter(missing.iter().copied())
        .map(|n| {
            let progress = progress.clone();
            async move {
                send_part(api, state, file.path, n).await?;
                progress.advance(part_len(state, n).unwrap_or(0));
                Ok::<_, ClientError>(())
            }
        })
        .buffer_unordered(parallel.max(1))
        .try_collect::<Vec<()>>()
        .await;
    match sent {
        Ok(_) => {
            progress.finish("sent");
            Ok(())
        }
        Err(e) => {
            progress.abandon();
            Err(e)
        }
    }
}

async fn send_part(api: &Api, state: &UploadState, path: &Path, n: u32) -> Result<(), ClientError> {
    let len = part_len(state, n).ok_or_else(|| ClientError::Server(format!("no part {n}")))?;
    let bytes = read_part(path, u64::from(n - 1) * state.part_size, len).await?;
    let digest = state
        .part_checksums
        .then(|| hex::encode(Sha256::digest(&bytes)));
    let mut attempt = 1;
    loop {
        let sent = async {
            let signed: SignedPart = api
                .sign_part(&state.upload_id, n, digest.as_deref())
                .await?;
            api.put_part(&signed, bytes.clone()).await
        }
        .await;
        match sent {
            Err(ClientError::Server(_)) if attempt < PART_ATTEMPTS => attempt += 1,
            Err(ClientError::Refused { status, .. })
                if status >= 500 && attempt < PART_ATTEMPTS =>
            {
                attempt += 1
            }
            other => return other,
        }
        tokio::time::sleep(std::time::Duration::from_millis(500 * u64::from(attempt))).await;
    }
}

async fn read_part(path: &Path, offset: u64, len: u64) -> Result<bytes::Bytes, ClientError> {
    let read = async {
        let mut file = tokio::fs::File::open(path).await?;
        file.seek(std::io::SeekFrom::Start(offset)).await?;
        let mut buffer = vec![0u8; len as usize];
        file.read_exact(&mut buffer).await?;
        Ok::<_, std::io::Error>(bytes::Bytes::from(buffer))
    };
    read.await
        .map_err(ClientError::io(format!("read {}", path.display())))
}

fn human(bytes: u64) -> String {
    indicatif::HumanBytes(bytes).to_string()
}
