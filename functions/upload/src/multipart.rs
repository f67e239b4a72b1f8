use axum::extract::Request;
use bytes::{Bytes, BytesMut};
use ezshare_api::ApiError;
use ezshare_domain::ContentType;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};

/// The multipart field holding the file, as in the original Flask server.
pub const FILE_FIELD: &str = "request_file";

/// Bytes other (ignored) parts may add in total, so they cannot be used to stream forever.
const MAX_OTHER_PARTS_BYTES: usize = 64 * 1024;

/// Parts before the file: a form has a handful, not a hundred thousand empty ones.
const MAX_PARTS: usize = 16;

/// What the part headers and boundaries of a request may add to its file and other parts.
const FRAMING_BYTES: u64 = 64 * 1024;

/// The file part of an upload, read whole into memory (uploads through this path are small:
/// API Gateway and Lambda cap a request near 6 MB).
#[derive(Debug)]
pub struct ReceivedFile {
    pub file_name: String,
    pub content_type: ContentType,
    pub bytes: Bytes,
}

/// Reads the `request_file` part, refusing with 413 as soon as it passes `limit` bytes.
pub async fn receive_file(request: Request, limit: u64) -> Result<ReceivedFile, ApiError> {
    let too_large = || ApiError::PayloadTooLarge { limit };
    let headers = request.headers();
    // A declared length far past the limit is refused before a byte is read.
    let declared = headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let whole_stream = limit + MAX_OTHER_PARTS_BYTES as u64 + FRAMING_BYTES;
    if declared.is_some_and(|len| len > whole_stream) {
        return Err(too_large());
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let boundary =
        multer::parse_boundary(content_type).map_err(|_| ApiError::UnsupportedMediaType {
            code: "unsupported_media_type",
            message: format!("send the file as multipart/form-data in the field {FILE_FIELD}"),
        })?;
    // The whole body is bounded while it streams, so neither a huge header block nor an
    // endless run of parts is buffered; a body without Content-Length meets the same bound.
    let constraints =
        multer::Constraints::new().size_limit(multer::SizeLimit::new().whole_stream(whole_stream));
    let mut multipart = multer::Multipart::with_constraints(
        request.into_body().into_data_stream(),
        boundary,
        constraints,
    );
    let malformed = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } => too_large(),
        e => ApiError::bad_request("invalid_body", format!("malformed multipart body: {e}")),
    };
    let mut other_bytes = 0usize;
    let mut parts = 0usize;
    let mut received = None;
    while let Some(mut field) = multipart.next_field().await.map_err(malformed)? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(ApiError::bad_request(
                "invalid_body",
                format!("a multipart upload has at most {MAX_PARTS} parts"),
            ));
        }
        // Parts after the file are read too (and bounded like those before it), so a body
        // is judged whole: a malformed part is 400 wherever it is.
        if field.name() != Some(FILE_FIELD) || received.is_some() {
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                other_bytes += chunk.len();
                if other_bytes > MAX_OTHER_PARTS_BYTES {
                    return Err(ApiError::bad_request(
                        "invalid_body",
                        format!(
                            "parts other than {FILE_FIELD} are limited to {MAX_OTHER_PARTS_BYTES} bytes"
                        ),
                    ));
                }
            }
            continue;
        }
        let file_name = field.file_name().map(str::to_owned);
        let part_type = field.content_type().map(|m| m.to_string());
        let mut bytes = BytesMut::new();
        while let Some(chunk) = field.chunk().await.map_err(malformed)? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        let file_name = file_name.filter(|n| !n.is_empty()).ok_or_else(|| {
            ApiError::bad_request(
                "missing_file_name",
                format!("the {FILE_FIELD} part needs a filename (it names the stored file)"),
            )
        })?;
        received = Some(ReceivedFile {
            file_name,
            content_type: ContentType::parse_or_default(part_type.as_deref()),
            bytes: bytes.freeze(),
        });
    }
    received.ok_or_else(|| {
        ApiError::bad_request(
            "missing_file",
            format!("the multipart field {FILE_FIELD} is required"),
        )
    })
}
