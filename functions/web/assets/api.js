// The API on this page's own origin, and the session. The token lives in sessionStorage
// (gone when the tab closes) and travels only in the Authorization header, never in a URL.

const KEY = "ezshare.session";

export function session() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY));
    return s && s.token && s.userType && s.username ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s) {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession() {
  sessionStorage.removeItem(KEY);
}

/** An answer of the API that is not a success, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** Seconds to wait from a Retry-After header (seconds or an HTTP date), or null. */
export function retryAfterSeconds(value) {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** The API's error body ({"error":{"code","message"}}) as an ApiError. */
export function errorFrom(status, text, retryAfter) {
  let code = `http_${status}`;
  let message = `The server answered HTTP ${status}.`;
  try {
    const body = JSON.parse(text);
    if (body && body.error && body.error.message) {
      code = body.error.code;
      message = body.error.message;
    }
  } catch {
    // Not our JSON (a proxy's page, or storage's XML): the status says enough.
  }
  return new ApiError(status, code, message, retryAfterSeconds(retryAfter));
}

export const networkError = () =>
  new ApiError(0, "network", "The server could not be reached. Check the connection and try again.");

let sessionEnded = () => {};
/** What to do when the API refuses the session (401): called once per refusal. */
export function onSessionEnded(handler) {
  sessionEnded = handler;
}
export function endedSession(error) {
  clearSession();
  sessionEnded(error);
}

export function authHeaders() {
  const s = session();
  return s ? { Authorization: `Bearer ${s.token}` } : {};
}

/**
 * One API call. `json` is sent as a JSON body; the answer is JSON, text, or null (204).
 * `auth: false` sends no token and treats a 401 as the caller's to explain (logins).
 */
export async function api(method, path, { json, auth = true } = {}) {
  const headers = { Accept: "application/json", ...(auth ? authHeaders() : {}) };
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: "omit",
      cache: "no-store",
      redirect: "error",
    });
  } catch {
    throw networkError();
  }
  if (!response.ok) {
    const error = errorFrom(response.status, await response.text(), response.headers.get("Retry-After"));
    if (auth && response.status === 401) endedSession(error);
    throw error;
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** Every page of a listing (`next_cursor`), merged into one array of `key`. */
export async function all(path, key = "files") {
  const items = [];
  let cursor = null;
  for (let page = 0; page < 50; page++) {
    const sep = path.includes("?") ? "&" : "?";
    const url = `${path}${sep}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const body = await api("GET", url);
    items.push(...body[key]);
    cursor = body.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** A path segment: names may hold spaces, '#', '?' or non-ASCII letters. */
export const seg = encodeURIComponent;
