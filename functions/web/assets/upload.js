// Uploads with progress, by the path GET /ops/limits gives for the file's size:
// - up to max_upload_bytes, through the API: POST /ops/upload (multipart field request_file);
// - above it (or when that answers 413), a direct upload. The file's SHA-256 is computed
//   first (sha256.js), and POST /ops/uploads announces it with the file: storage then refuses
//   other bytes. The answer is either one presigned PUT (up to multipart_threshold_bytes) or a
//   multipart plan (part_size, part_count): each part's digest is computed, its URL signed
//   with it (POST /ops/uploads/{id}/parts) and the part sent, PARALLEL parts at a time. Then
//   POST /ops/uploads/{id}/complete stores the file.
// fetch() reports no upload progress, hence XMLHttpRequest.

import { api, authHeaders, endedSession, errorFrom, networkError, seg } from "./api.js";
import { size } from "./ui.js";

// Headers a page may not set itself (the browser does).
const FORBIDDEN = new Set(["content-length", "host", "connection", "expect"]);
/** Parts in flight at once. */
const PARALLEL = 4;

export class Cancelled extends Error {
  constructor() {
    super("Cancelled.");
    this.code = "cancelled";
  }
}

function send(method, url, { headers = {}, body, onProgress, signal }) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(new Cancelled());
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) {
      if (!FORBIDDEN.has(name.toLowerCase())) xhr.setRequestHeader(name, value);
    }
    xhr.upload.addEventListener("progress", (e) => onProgress && onProgress(e.loaded));
    xhr.addEventListener("load", () => resolve(xhr));
    xhr.addEventListener("error", () => reject(networkError()));
    xhr.addEventListener("abort", () => reject(new Cancelled()));
    if (signal) signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(body);
  });
}

function fail(xhr) {
  const error = errorFrom(xhr.status, xhr.responseText, xhr.getResponseHeader("Retry-After"));
  if (xhr.status === 401) endedSession(error);
  return error;
}

/** A PUT straight to storage: its own error (S3 answers XML) with a hint at the usual cause. */
async function put(link, body, onProgress, signal) {
  const xhr = await send(link.method || "PUT", link.upload_url || link.url, {
    headers: link.headers || {},
    body,
    onProgress,
    signal,
  });
  if (xhr.status >= 200 && xhr.status < 300) return;
  const error = fail(xhr);
  if (error.code.startsWith("http_")) {
    error.message = `Storage refused the upload (HTTP ${xhr.status}). If this keeps happening, the bucket's CORS (UploadAllowedOrigins) may not name this page's origin.`;
  }
  throw error;
}

async function throughApi(file, overwrite, progress, signal) {
  const form = new FormData();
  form.append("request_file", file, file.name);
  const xhr = await send("POST", `/ops/upload${overwrite ? "?overwrite=true" : ""}`, {
    headers: { Accept: "application/json", ...authHeaders() },
    body: form,
    onProgress: (sent) => progress(Math.min(sent, file.size)),
    signal,
  });
  if (xhr.status === 201) return JSON.parse(xhr.responseText);
  throw fail(xhr);
}

/** The parts of a multipart upload, PARALLEL at a time; `progress(total sent)`. */
async function parts(file, upload, progress, signal, digest) {
  const sent = new Array(upload.part_count + 1).fill(0);
  const report = () => progress(sent.reduce((a, b) => a + b, 0));
  let next = 1;
  const worker = async () => {
    for (let n = next++; n <= upload.part_count; n = next++) {
      const start = (n - 1) * upload.part_size;
      const body = file.slice(start, Math.min(start + upload.part_size, file.size));
      // With the file's digest announced, storage checks every part's too.
      const wanted = upload.part_checksums
        ? { parts: [{ part_number: n, sha256: await digest(body, () => {}, signal) }] }
        : { part_numbers: [n] };
      const { parts: [link] } = await api("POST", `/ops/uploads/${seg(upload.upload_id)}/parts`, { json: wanted });
      await put(link, body, (loaded) => {
        sent[n] = loaded;
        report();
      }, signal);
      sent[n] = body.size;
      report();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, upload.part_count) }, worker));
}

async function direct(file, overwrite, progress, signal, phase) {
  const { digest } = await import("./sha256.js");
  phase("hashing");
  const sha256 = await digest(file, progress, signal).catch((error) => {
    throw error.name === "AbortError" ? new Cancelled() : error;
  });
  phase("sending");
  progress(0);
  const upload = await api("POST", "/ops/uploads", {
    json: { name: file.name, size: file.size, content_type: file.type || null, sha256 },
  });
  try {
    if (upload.multipart) await parts(file, upload, progress, signal, digest);
    else await put(upload, file, progress, signal);
  } catch (error) {
    // Free the parts already stored (a single PUT's bytes expire by themselves).
    if (upload.multipart) api("DELETE", `/ops/uploads/${seg(upload.upload_id)}`).catch(() => {});
    throw error.name === "AbortError" ? new Cancelled() : error;
  }
  progress(file.size);
  return api("POST", `/ops/uploads/${seg(upload.upload_id)}/complete${overwrite ? "?overwrite=true" : ""}`);
}

let limitsPromise;
/** GET /ops/limits, once per page. */
export function limits() {
  limitsPromise ||= api("GET", "/ops/limits").catch((error) => {
    limitsPromise = null;
    throw error;
  });
  return limitsPromise;
}

/** Which path a file of `size` bytes takes, in words. */
export function route(size, l) {
  if (size <= l.max_upload_bytes) return "through the API";
  return size > l.multipart_threshold_bytes ? "direct to storage, in parts" : "direct to storage";
}

/**
 * Uploads one file; resolves with the stored file's JSON. `progress(bytes)`: hashed while
 * `phase("hashing")`, then sent (`phase("sending")`); `signal` (an AbortSignal) cancels it.
 */
export async function upload(file, { overwrite = false, progress = () => {}, phase = () => {}, signal } = {}) {
  const l = await limits();
  if (file.size > l.max_direct_upload_bytes) {
    const error = new Error(`The server accepts files up to ${size(l.max_direct_upload_bytes)}.`);
    error.code = "payload_too_large";
    throw error;
  }
  if (file.size > l.max_upload_bytes) return direct(file, overwrite, progress, signal, phase);
  try {
    return await throughApi(file, overwrite, progress, signal);
  } catch (error) {
    // A proxy in front of the API may allow less than the server.
    if (error.status === 413) return direct(file, overwrite, progress, signal, phase);
    throw error;
  }
}
