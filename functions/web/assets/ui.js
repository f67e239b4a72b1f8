// Small DOM helpers. Text always goes in as text (textContent), never as HTML: file and
// user names are other people's input.

/** h("button", {type: "button", onclick}, "Delete") */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

let ids = 0;
/** A labelled input: the label's text is the input's accessible name. */
export function field(label, attrs = {}, hint) {
  const id = `f${++ids}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const input = h("input", { id, name: attrs.name, "aria-describedby": hintId, ...attrs });
  return {
    input,
    el: h("p", { class: "field" }, h("label", { for: id }, label), input,
      hint ? h("small", { id: hintId, class: "hint" }, hint) : null),
  };
}

const UNITS = ["bytes", "KB", "MB", "GB", "TB"];
export function size(bytes) {
  let n = Number(bytes);
  let unit = 0;
  while (n >= 1000 && unit < UNITS.length - 1) {
    n /= 1000;
    unit++;
  }
  return unit === 0 ? `${n} ${n === 1 ? "byte" : "bytes"}` : `${n.toFixed(n < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
/** A time for people, in a <time> that keeps the exact instant. */
export function time(iso) {
  if (!iso) return "—";
  const at = new Date(iso);
  return h("time", { datetime: iso, title: iso }, Number.isNaN(at.getTime()) ? iso : TIME.format(at));
}

const CLOCK = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });

/** The API's message, and for a 429 or 503 (Retry-After) the time to try again at. */
export function describe(error) {
  const message = error && error.message ? error.message : String(error);
  if (error && error.retryAfter !== null && error.retryAfter !== undefined) {
    const at = new Date(Date.now() + error.retryAfter * 1000);
    return `${message}. You can try again at ${CLOCK.format(at)}.`.replace(/\.\. /, ". ");
  }
  return message;
}

/** An inline error region, announced when it changes. */
export function errorBox() {
  const el = h("p", { class: "error", role: "alert", hidden: true });
  return {
    el,
    show(error) {
      el.textContent = describe(error);
      el.hidden = false;
    },
    clear() {
      el.textContent = "";
      el.hidden = true;
    },
  };
}

/** A table that turns into labelled cards on narrow screens (see app.css). */
export function table(caption, headings, rows) {
  return h("table", { class: "list" },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", {}, h("tr", {}, headings.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, rows.map((cells) => h("tr", {},
      cells.map((c, i) => h(i === 0 ? "th" : "td", { scope: i === 0 ? "row" : undefined, "data-label": headings[i] }, c))))));
}

/**
 * A modal <dialog> (focus moves in, Escape closes, focus comes back): `build(close)` returns
 * its content. Returns the dialog, already open.
 */
export function modal(title, build) {
  const opener = document.activeElement;
  const heading = h("h2", { id: `d${++ids}` }, title);
  const dialog = h("dialog", { "aria-labelledby": heading.id });
  const close = () => dialog.close();
  dialog.append(heading, ...[build(close)].flat());
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  return dialog;
}

/** Asks before something that cannot be undone; resolves true when confirmed. */
export function confirmAction(title, text, action) {
  return new Promise((resolve) => {
    let confirmed = false;
    const dialog = modal(title, (close) => [
      h("p", {}, text),
      h("p", { class: "actions" },
        h("button", { type: "button", class: "danger", onclick: () => { confirmed = true; close(); } }, action),
        h("button", { type: "button", class: "quiet", onclick: close, autofocus: true }, "Cancel")),
    ]);
    dialog.addEventListener("close", () => resolve(confirmed));
  });
}
