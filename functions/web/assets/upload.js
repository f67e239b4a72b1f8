// Uploads with progress. Up to the server's limit for one request, through POST /ops/upload
// (multipart field request_file); above it (or when that answers 413), a direct upload: the
// announcement (POST /ops/uploads), the bytes sent straight to storage with the presigned
// PUT it answers, then POST /ops/uploads/{id}/complete. fetch() reports no upload progress,
// hence XMLHttpRequest.

import { api, authHeaders, endedSession, errorFrom, networkError, seg } from "./api.js";

// Headers a page may not set itself (the browser does).
const FORBIDDEN = new Set(["content-length", "host", "connection", "expect"]);

function send(method, url, { headers = {}, body, onProgress }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded, e.total);
    });
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => reject(networkError()));
    xhr.addEventListener("abort", () => reject(networkError()));
    xhr.send(body);
  });
}

function fail(xhr) {
  const error = errorFrom(xhr.status, xhr.responseText, xhr.getResponseHeader("Retry-After"));
  if (xhr.status === 401) endedSession(error);
  return error;
}

async function throughApi(file, overwrite, onProgress) {
  const form = new FormData();
  form.append("request_file", file, file.name);
  const xhr = await send("POST", `/ops/upload${overwrite ? "?overwrite=true" : ""}`, {
    headers: { Accept: "application/json", ...authHeaders() },
    body: form,
    onProgress,
  });
  if (xhr.status === 201) return JSON.parse(xhr.responseText);
  throw fail(xhr);
}

async function direct(file, overwrite, onProgress) {
  const upload = await api("POST", "/ops/uploads", {
    json: { name: file.name, size: file.size, content_type: file.type || null },
  });
  const xhr = await send(upload.method || "PUT", upload.upload_url, {
    headers: upload.headers || {},
    body: file,
    onProgress,
  });
  if (xhr.status < 200 || xhr.status > 299) {
    // Storage's own error (S3 answers XML): the status, and a hint at the usual cause.
    const error = fail(xhr);
    if (xhr.status === 0 || error.code.startsWith("http_")) {
      error.message = `Storage refused the upload (HTTP ${xhr.status}). If this keeps happening, the bucket's CORS (UploadAllowedOrigins) may not name this page's origin.`;
    }
    throw error;
  }
  onProgress(file.size, file.size);
  return api("POST", `/ops/uploads/${seg(upload.upload_id)}/complete${overwrite ? "?overwrite=true" : ""}`);
}

/**
 * Uploads one file; resolves with the stored file's JSON. `limit` is the largest file
 * POST /ops/upload takes (the server's MAX_UPLOAD_BYTES).
 */
export async function upload(file, { limit, overwrite = false, onProgress = () => {} }) {
  if (file.size > limit) return direct(file, overwrite, onProgress);
  try {
    return await throughApi(file, overwrite, onProgress);
  } catch (error) {
    // The limit changed since the page loaded, or a proxy has a smaller one.
    if (error.status === 413 && file.size > 0) return direct(file, overwrite, onProgress);
    throw error;
  }
}
