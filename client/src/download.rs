//! `ezshare get`: asks for the download link, streams it into a temporary file beside the
//! target with a progress bar, checks the size and (when the server has it) the SHA-256,
//! then renames: a file is there whole and intact, or not at all.

use std::path::PathBuf;

use futures_util::StreamExt;
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::args::GetArgs;
use crate::progress::Progress;
use crate::{ClientError, logged_in};

pub async fn get(args: GetArgs) -> Result<(), ClientError> {
    let (api, _) = logged_in()?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(&args.file));
    let link = api.download_link(&args.ops_username, &args.file).await?;
    let url = link
        .get("download_link")
        .and_then(Value::as_str)
        .ok_or_else(|| ClientError::Server("the answer has no download_link".into()))?;
    let response = api.http().get(url).send().await?;
    if !response.status().is_success() {
        let status = response.status().as_u16();
        let body = response.bytes().await.unwrap_or_default();
        return Err(ClientError::from_response(status, &body));
    }
    let expected = response.content_length();
    let expected_sha256 = link
        .get("sha256")
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);

    let file_name = output
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| ClientError::Usage(format!("{}: not a file name", output.display())))?;
    let partial = output.with_file_name(format!(".{file_name}.ezshare-partial"));
    let result = async {
        let mut file = tokio::fs::File::create(&partial)
            .await
            .map_err(ClientError::io(format!("create {}", partial.display())))?;
        let progress = Progress::new(format!("get {}", args.file), expected.unwrap_or(0));
        let mut received = 0u64;
        let mut digest = Sha256::new();
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk?;
            file.write_all(&chunk)
                .await
                .map_err(ClientError::io(format!("write {}", partial.display())))?;
            received += chunk.len() as u64;
            digest.update(&chunk);
            progress.advance(chunk.len() as u64);
        }
        file.sync_all()
            .await
            .map_err(ClientError::io(format!("write {}", partial.display())))?;
        if let Some(expected) = expected.filter(|&e| e != received) {
            progress.abandon();
            return Err(ClientError::Server(format!(
                "the download ended after {received} of {expected} bytes: try again"
            )));
        }
        if let Some(want) = &expected_sha256 {
            let got = hex::encode(digest.finalize());
            if &got != want {
                progress.abandon();
                return Err(ClientError::Server(format!(
                    "the downloaded bytes are not the file's: SHA-256 {got}, expected {want}; try again"
                )));
            }
        }
        progress.finish(if expected_sha256.is_some() {
            "downloaded, SHA-256 verified"
        } else {
            "downloaded"
        });
        Ok(())
    }
    .await;
    match result {
        Ok(()) => {
            tokio::fs::rename(&partial, &output)
                .await
                .map_err(ClientError::io(format!("move into {}", output.display())))?;
            println!("{}", output.display());
            Ok(())
        }
        Err(e) => {
            let _ = tokio::fs::remove_file(&partial).await;
            Err(e)
        }
    }
}
