// The pages: Log in (and sign up), and once logged in, for OPS users "My files" and
// "Activity", for CLIENT users "Shared with me" and one OPS user's files. Pages are
// fragments of this one document (#/files, #/shared/alice): nothing secret ever sits in
// the URL.

import { all, api, clearSession, onSessionEnded, saveSession, seg, session } from "./api.js";
import { confirmAction, describe, errorBox, field, h, modal, size, table, time } from "./ui.js";
import { Cancelled, limits, route, upload } from "./upload.js";

const $ = (id) => document.getElementById(id);
let rendering = 0;

function notice(text) {
  $("notice").textContent = text || "";
}

function title(text) {
  $("title").textContent = text;
  document.title = `${text} · ezshare`;
}

let configPromise;
/** What the server's settings mean for the page (GET /app/config.json). */
function config() {
  configPromise ||= fetch("/app/config.json", { cache: "no-store" })
    .then((r) => (r.ok ? r.json() : {}))
    .catch(() => ({}));
  return configPromise;
}

// ---------------------------------------------------------------------------------------
// Navigation
// ---------------------------------------------------------------------------------------

const PAGES = {
  ops: [["#/files", "My files"], ["#/activity", "Activity"]],
  client: [["#/shared", "Shared with me"]],
};

function chrome(s) {
  const nav = $("nav");
  $("account").hidden = nav.hidden = !s;
  nav.replaceChildren();
  if (!s) return;
  const here = location.hash.split("/").slice(0, 2).join("/");
  for (const [href, text] of PAGES[s.userType]) {
    nav.append(h("a", { href, "aria-current": here === href ? "page" : undefined }, text));
  }
  $("who").textContent = `${s.username} (${s.userType === "ops" ? "OPS" : "Client"})`;
}

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function render({ focus = true } = {}) {
  const ticket = ++rendering;
  const s = session();
  const [, page, arg] = location.hash.split("/").map((p) => decodeURIComponent(p));
  // Each rendering builds into its own container: one a later rendering replaced is
  // detached, so whatever it still appends after its awaits is never seen.
  const root = document.createElement("div");
  $("view").replaceChildren(root);
  let build;
  if (!s) build = loginPage;
  else if (s.userType === "ops") build = page === "activity" ? activityPage : filesPage;
  else build = page === "shared" && arg ? (view) => ownerPage(view, arg) : sharedPage;
  const wanted = s ? (s.userType === "ops" ? (page === "activity" ? "#/activity" : "#/files") : arg ? null : "#/shared") : null;
  if (wanted && location.hash !== wanted) history.replaceState(null, "", wanted);
  chrome(s);
  await build(root, () => ticket !== rendering);
  if (focus) $("title").focus({ preventScroll: true });
}

onSessionEnded(() => {
  notice("Your session has ended. Log in again.");
  history.replaceState(null, "", "#/login");
  render();
});

async function logout(everywhere) {
  try {
    await api("POST", everywhere ? "/logout?all=true" : "/logout");
  } catch {
    // A session the server has already ended is ended either way.
  }
  clearSession();
  notice(everywhere ? "You are logged out on every device." : "You are logged out.");
  go("#/login");
}

// ---------------------------------------------------------------------------------------
// Log in / sign up
// ---------------------------------------------------------------------------------------

async function loginPage(view) {
  title("Log in");
  const cfg = await config();
  const errors = errorBox();
  const radio = (value, text, checked) =>
    h("label", { class: "choice" }, h("input", { type: "radio", name: "user_type", value, checked }), ` ${text}`);
  const legend = h("legend", { id: "type-legend" }, "Account type");
  const types = h("fieldset", { role: "radiogroup", "aria-labelledby": "type-legend" },
    legend, radio("ops", "OPS", false), radio("client", "Client", true));
  const username = field("Username", { name: "username", autocomplete: "username", required: true,
    autocapitalize: "none", spellcheck: "false", maxlength: "64" });
  const password = field("Password", { name: "password", type: "password", autocomplete: "current-password", required: true });
  const invite = field("Invite code", { name: "invite_code", autocomplete: "off", spellcheck: "false" },
    "To sign up: the code you were given. Not needed to log in.");
  const email = field("Email", { name: "email", type: "email", autocomplete: "email" },
    "To sign up: a link to confirm it is mailed to you.");
  const form = h("form", { class: "card", novalidate: false },
    types, username.el, password.el, invite.el, email.el, errors.el,
    h("p", { class: "actions" },
      h("button", { type: "submit" }, "Log in"),
      h("button", { type: "button", class: "quiet", onclick: () => submit(true) }, "Sign up")));
  const type = () => form.querySelector("input[name=user_type]:checked").value;
  const adapt = () => {
    invite.el.hidden = cfg[`${type()}_signup`] === "open";
    email.el.hidden = !(type() === "client" && cfg.client_email_required);
  };
  types.addEventListener("change", adapt);
  adapt();

  async function submit(signup) {
    if (!form.reportValidity()) return;
    errors.clear();
    notice("");
    const kind = type();
    const credentials = { username: username.input.value.trim(), password: password.input.value };
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    try {
      if (signup) {
        const fields = { ...credentials };
        if (!invite.el.hidden && invite.input.value.trim()) fields.invite_code = invite.input.value.trim();
        if (!email.el.hidden && email.input.value.trim()) fields.email = email.input.value.trim();
        await api("POST", `/${kind}/signup`, { json: fields, auth: false });
        notice(`Account ${credentials.username} created.`);
      }
      const token = await api("POST", `/${kind}/login`, { json: credentials, auth: false });
      saveSession({ token: token.token, expiresAt: token.expires_at, userType: kind, username: credentials.username });
      password.input.value = "";
      go(kind === "ops" ? "#/files" : "#/shared");
    } catch (error) {
      errors.show(error);
      (error.code === "invalid_credentials" ? password.input : username.input).focus();
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  }
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    submit(false);
  });
  view.append(form);
}

// ---------------------------------------------------------------------------------------
// OPS: My files
// ---------------------------------------------------------------------------------------

const VISIBILITY = { private: "Private", all_clients: "All clients" };

async function filesPage(view, stale) {
  title("My files");
  const sizes = await limits().catch(() => null);
  const errors = errorBox();
  const list = h("div", { "aria-busy": "true" }, h("p", {}, "Loading…"));
  const progress = h("ul", { class: "uploads", "aria-label": "Uploads" });

  const file = field("File", { name: "request_file", type: "file", multiple: true, required: true },
    sizes ? `Up to ${size(sizes.max_direct_upload_bytes)} each; or drop files here.` : "Or drop files here.");
  const form = h("form", { class: "card dropzone" }, file.el, h("p", { class: "actions" }, h("button", { type: "submit" }, "Upload")));
  const zone = form;
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("over");
    if (e.dataTransfer && e.dataTransfer.files.length) start([...e.dataTransfer.files]);
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    if (!form.reportValidity()) return;
    start([...file.input.files]);
    form.reset();
  });

  function start(files) {
    Promise.all(files.map((f) => send(f, false))).then(refresh);
  }

  async function send(f, overwrite) {
    const bar = h("progress", { max: "100", value: "0", "aria-label": `Uploading ${f.name}` });
    const how = sizes ? `, ${route(f.size, sizes)}` : "";
    let doing = "sent";
    const status = h("span", { class: "hint" }, `waiting${how}`);
    const cancel = new AbortController();
    const stop = h("button", { type: "button", class: "quiet small", onclick: () => cancel.abort() }, "Cancel");
    const item = h("li", {}, h("strong", {}, f.name), " ", status, bar, stop);
    progress.append(item);
    try {
      const stored = await upload(f, {
        overwrite,
        signal: cancel.signal,
        phase: (p) => (doing = p === "hashing" ? "checked (SHA-256)" : "sent"),
        progress: (done) => {
          bar.value = f.size ? Math.round((done / f.size) * 100) : 100;
          status.textContent = `${size(done)} of ${size(f.size)} ${doing}${how}`;
        },
      });
      stop.remove();
      bar.value = 100;
      status.textContent = `uploaded (${size(stored.size)})`;
      notice(`Uploaded ${stored.name}.`);
      setTimeout(() => item.remove(), 4000);
    } catch (error) {
      stop.remove();
      bar.remove();
      status.textContent = "";
      item.classList.add("failed");
      item.append(h("span", { class: error instanceof Cancelled ? "hint" : "error", role: "alert" },
        error instanceof Cancelled ? "Upload cancelled." : `Not uploaded: ${describe(error)}`));
      if (error.code === "file_exists") {
        item.append(h("button", { type: "button", class: "quiet", onclick: () => {
          item.remove();
          send(f, true).then(refresh);
        } }, "Replace it"));
      }
    }
  }

  async function refresh() {
    errors.clear();
    let files;
    try {
      files = await all("/ops/files");
      const shares = await Promise.all(files.map((f) =>
        api("GET", `/ops/files/${seg(f.name)}/shares`).then((s) => s.shares, () => null)));
      files.forEach((f, i) => (f.shares = shares[i]));
    } catch (error) {
      list.replaceChildren();
      errors.show(error);
      return;
    }
    if (stale()) return;
    list.removeAttribute("aria-busy");
    if (!files.length) {
      list.replaceChildren(h("p", { class: "empty" }, "No files yet. Upload one above."));
      return;
    }
    list.replaceChildren(table("My files", ["Name", "Size", "Uploaded", "Visibility", "Shared with", "Actions"],
      files.map((f) => [
        f.name,
        size(f.size),
        time(f.uploaded_at),
        VISIBILITY[f.visibility] || f.visibility,
        sharesCell(f),
        h("div", { class: "row-actions" },
          h("button", { type: "button", class: "small", onclick: () => shareDialog(f) }, "Share"),
          h("button", { type: "button", class: "quiet small", onclick: () => toggle(f) },
            f.visibility === "private" ? "Show to all clients" : "Make private"),
          h("button", { type: "button", class: "danger small", onclick: () => remove(f) }, "Delete")),
      ])));
  }

  function sharesCell(f) {
    if (f.shares === null) return "—";
    if (!f.shares.length) return h("span", { class: "hint" }, f.visibility === "all_clients" ? "every client" : "not shared");
    return h("ul", { class: "shares" }, f.shares.map((s) => {
      const limits = [];
      if (s.max_downloads !== null) limits.push(`${s.downloads} of ${s.max_downloads} downloads`);
      else limits.push(`${s.downloads} downloads`);
      if (s.expires_at) limits.push(["until ", time(s.expires_at)]);
      return h("li", {}, h("strong", {}, s.client_username), " ",
        h("span", { class: "hint" }, limits.flatMap((l, i) => (i ? [", ", l] : [l]))), " ",
        h("button", { type: "button", class: "quiet small", onclick: () => revoke(f, s.client_username) }, "Revoke"));
    }));
  }

  async function act(work, done) {
    errors.clear();
    try {
      await work();
      notice(done);
      await refresh();
    } catch (error) {
      errors.show(error);
    }
  }

  const toggle = (f) => {
    const visibility = f.visibility === "private" ? "all_clients" : "private";
    return act(() => api("PATCH", `/ops/files/${seg(f.name)}`, { json: { visibility } }),
      `${f.name} is now ${visibility === "private" ? "private: only the clients it is shared with see it" : "visible to every client"}.`);
  };

  const revoke = (f, client) =>
    act(() => api("DELETE", `/ops/files/${seg(f.name)}/shares/${seg(client)}`), `${f.name} is no longer shared with ${client}.`);

  async function remove(f) {
    const sure = await confirmAction(`Delete ${f.name}?`,
      "Its shares go too, and no client can download it any more. Links already issued stop working.", "Delete");
    if (sure) await act(() => api("DELETE", `/ops/files/${seg(f.name)}`), `Deleted ${f.name}.`);
  }

  function shareDialog(f) {
    const failure = errorBox();
    const client = field("Client username", { name: "client_username", required: true, autocomplete: "off", autocapitalize: "none", spellcheck: "false" });
    const expires = field("Expires", { name: "expires_at", type: "datetime-local" }, "Optional: the share ends then.");
    const max = field("Max downloads", { name: "max_downloads", type: "number", min: "1", max: "1000000", step: "1", inputmode: "numeric" },
      "Optional: how many download links the client may get.");
    modal(`Share ${f.name}`, (close) => {
      const form = h("form", { method: "dialog" }, client.el, expires.el, max.el, failure.el,
        h("p", { class: "actions" }, h("button", { type: "submit" }, "Share"),
          h("button", { type: "button", class: "quiet", onclick: close }, "Cancel")));
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        if (!form.reportValidity()) return;
        failure.clear();
        const who = client.input.value.trim();
        const fields = {
          expires_at: expires.input.value ? new Date(expires.input.value).toISOString() : null,
          max_downloads: max.input.value ? Number(max.input.value) : null,
        };
        try {
          await api("PUT", `/ops/files/${seg(f.name)}/shares/${seg(who)}`, { json: fields });
          close();
          notice(`Shared ${f.name} with ${who}.`);
          refresh();
        } catch (error) {
          failure.show(error);
        }
      });
      return form;
    });
  }

  view.append(h("section", { "aria-label": "Upload" }, form, progress), errors.el, list);
  await refresh();
}

// ---------------------------------------------------------------------------------------
// OPS: Activity
// ---------------------------------------------------------------------------------------

const ACTIONS = {
  uploaded: "Uploaded",
  deleted: "Deleted",
  visibility_changed: "Visibility changed",
  shared: "Shared",
  unshared: "Share revoked",
  download_link_issued: "Download link issued",
};

async function activityPage(view, stale) {
  title("Activity");
  const errors = errorBox();
  const select = h("select", { id: "action-filter" },
    h("option", { value: "" }, "All events"),
    Object.entries(ACTIONS).map(([value, text]) => h("option", { value }, text)));
  const body = h("tbody");
  const more = h("button", { type: "button", class: "quiet", hidden: true }, "Load more");
  let cursor = null;

  async function load(reset) {
    errors.clear();
    if (reset) cursor = null;
    const query = new URLSearchParams({ limit: "50" });
    if (select.value) query.set("action", select.value);
    if (cursor) query.set("cursor", cursor);
    try {
      const page = await api("GET", `/ops/activity?${query}`);
      if (stale()) return;
      if (reset) body.replaceChildren();
      for (const e of page.events) {
        const cells = [time(e.at), ACTIONS[e.action] || e.action, e.file,
          e.actor_type === "ops" ? `${e.actor} (OPS)` : e.actor, e.client || "—", e.source_ip || "—"];
        body.append(h("tr", {}, cells.map((c, i) => h(i === 0 ? "th" : "td", { scope: i ? undefined : "row", "data-label": HEAD[i] }, c))));
      }
      if (!body.children.length) body.append(h("tr", {}, h("td", { colspan: "6", class: "empty" }, "Nothing yet.")));
      cursor = page.next_cursor;
      more.hidden = !cursor;
    } catch (error) {
      errors.show(error);
    }
  }
  const HEAD = ["When", "Event", "File", "By", "Client", "From"];
  select.addEventListener("change", () => load(true));
  more.addEventListener("click", () => load(false));
  view.append(
    h("p", { class: "lead" }, "What happened to your files, newest first: who was given a download link for which file, when and from where. A link issued is not proof that the bytes arrived."),
    h("p", { class: "field inline" }, h("label", { for: "action-filter" }, "Show"), select),
    errors.el,
    h("table", { class: "list" }, h("caption", { class: "visually-hidden" }, "Activity"),
      h("thead", {}, h("tr", {}, HEAD.map((t) => h("th", { scope: "col" }, t)))), body),
    h("p", {}, more));
  await load(true);
}

// ---------------------------------------------------------------------------------------
// CLIENT: Shared with me, and one OPS user's files
// ---------------------------------------------------------------------------------------

function downloadsLeft(f) {
  return f.downloads_left === undefined ? "no limit" : String(f.downloads_left);
}

/** The files a client sees, with a Download button each; `owner` when all are one user's. */
function clientFiles(files, owner, errors, refresh) {
  if (!files.length) return h("p", { class: "empty" }, owner ? `${owner} shares nothing with you.` : "Nothing is shared with you yet.");
  const headings = ["Name", ...(owner ? [] : ["From"]), "Size", "Expires", "Downloads left", "Actions"];
  return table(owner ? `Files from ${owner}` : "Shared with me", headings, files.map((f) => {
    const from = owner || f.ops_username;
    const button = h("button", { type: "button", onclick: () => download(from, f.name, button, errors, refresh) }, "Download");
    return [f.name, ...(owner ? [] : [from]), size(f.size), f.expires_at ? time(f.expires_at) : "never", downloadsLeft(f), button];
  }));
}

async function download(owner, name, button, errors, refresh) {
  errors.clear();
  button.disabled = true;
  try {
    // The JSON answer (not the 302), so an error is shown here rather than as a page.
    const link = await api("GET", `/client/files/${seg(owner)}/${seg(name)}`);
    notice(`Downloading ${name}…`);
    // The bytes come with Content-Disposition: attachment: this page stays.
    window.location.assign(link.download_link);
    refresh();
  } catch (error) {
    errors.show(error);
    button.disabled = false;
  }
}

async function sharedPage(view, stale) {
  title("Shared with me");
  const errors = errorBox();
  const list = h("div", { "aria-busy": "true" }, h("p", {}, "Loading…"));
  const owner = field("OPS username", { name: "ops_username", required: true, autocapitalize: "none", spellcheck: "false" },
    "Everything one OPS user lets you see, including files for all clients.");
  const browse = h("form", { class: "card", "aria-labelledby": "browse-heading" },
    h("h2", { id: "browse-heading" }, "One OPS user's files"), owner.el,
    h("p", { class: "actions" }, h("button", { type: "submit" }, "Show files")));
  browse.addEventListener("submit", (e) => {
    e.preventDefault();
    if (browse.reportValidity()) go(`#/shared/${seg(owner.input.value.trim())}`);
  });
  async function refresh() {
    try {
      const files = await all("/client/files");
      if (stale()) return;
      list.removeAttribute("aria-busy");
      list.replaceChildren(clientFiles(files, null, errors, refresh));
    } catch (error) {
      list.replaceChildren();
      errors.show(error);
    }
  }
  view.append(errors.el, list, browse);
  await refresh();
}

async function ownerPage(view, ops) {
  title(`Files from ${ops}`);
  const errors = errorBox();
  const list = h("div", {}, h("p", {}, "Loading…"));
  async function refresh() {
    try {
      list.replaceChildren(clientFiles(await all(`/client/files/${seg(ops)}`), ops, errors, refresh));
    } catch (error) {
      list.replaceChildren();
      errors.show(error);
    }
  }
  view.append(h("p", {}, h("a", { href: "#/shared" }, "← Shared with me")), errors.el, list);
  await refresh();
}

// ---------------------------------------------------------------------------------------

$("logout").addEventListener("click", () => logout(false));
$("logout-all").addEventListener("click", () => logout(true));
window.addEventListener("hashchange", () => render());
const s = session();
if (s && s.expiresAt && Date.parse(s.expiresAt) < Date.now()) clearSession();
render({ focus: false });
