/**
 * The one shared module of Jineng's pages: API calls, session, China-time formatting, problem display,
 * DOM helpers and the page chrome. Pages import from here instead of calling fetch themselves.
 *
 * - api(path, { method, json, form, query }) sends cookies, Accept-Language (the page's language) and,
 *   on writes, X-CSRF-Token (from the cookie sign-in); a refusal throws ApiError with the problem+json's
 *   code, detail, field and errors.
 * - describeProblem() turns a problem (or one of its `errors` items) into a sentence in the user's
 *   language naming its field, from the catalogs in codes.js; the server's own text is kept as a
 *   secondary line when it is in another language.
 * - startPage() draws the header (brand, title, navigation, language switch, signed-in user) and, for
 *   private pages, the sign-in gate with a role check against GET /api/auth/me.
 * Every value from the API reaches the page as text (textContent), never as HTML.
 */

import { acceptLanguage, addMessages, addPairs, applyI18n, getLang, has, languageSwitch, onLangChange, t } from "/common/i18n.js";
import "/common/messages.js";
import "/common/codes.js";

export { addMessages, addPairs, applyI18n, getLang, onLangChange, t };

// --- DOM ------------------------------------------------------------------------------------------

/** el("button", { class: "secondary", type: "button", onclick: fn, i18n: "app.save" }, child, "text") */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key === "i18n") { node.dataset.i18n = value; node.textContent = t(value); }
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (value === true) node.setAttribute(key, "");
    else node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);

/** The word for an API value in a family ("res.state", "final"), or the value itself when unknown. */
export function word(family, value) {
  return has(`${family}.${value}`) ? t(`${family}.${value}`) : String(value ?? "");
}

/** A status word as a coloured badge: badge("estatus", "returned"). */
export function badge(family, status) {
  return el("span", { class: `badge ${status}`, text: t(`${family}.${status}`) });
}

// --- API ------------------------------------------------------------------------------------------

const CSRF_KEY = "jineng.csrf";

function csrfToken() {
  try { return localStorage.getItem(CSRF_KEY) || ""; } catch { return ""; }
}

function storeCsrf(token) {
  try {
    if (token) localStorage.setItem(CSRF_KEY, token); else localStorage.removeItem(CSRF_KEY);
  } catch { /* storage off: writes will ask to sign in again */ }
}

export class ApiError extends Error {
  constructor(status, body, language = "") {
    super((body && body.detail) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
    this.code = this.body.code || (status === 0 ? "network" : "http_error");
    this.detail = this.body.detail || "";
    this.field = this.body.field || null;
    this.errors = Array.isArray(this.body.errors) ? this.body.errors : [];
    this.language = language; // Content-Language of the answer, when the server says
  }
}

/** "?a=1&b=2" from an object, leaving out empty values. */
export function queryString(params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : "";
}

async function send(path, { method = "GET", json, form, query, accept = "application/json" } = {}) {
  const headers = { accept, "accept-language": acceptLanguage() };
  let body;
  if (json !== undefined) { headers["content-type"] = "application/json"; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  if (method !== "GET" && method !== "HEAD") {
    const token = csrfToken();
    if (token) headers["x-csrf-token"] = token;
  }
  let response;
  try {
    response = await fetch(path + queryString(query), { method, headers, body, credentials: "same-origin" });
  } catch (e) {
    throw new ApiError(0, { code: "network", detail: t("app.network_error") });
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem, response.headers.get("content-language") || "");
  }
  return response;
}

/** JSON API call; resolves to the parsed body (null when empty), rejects with ApiError. */
export async function api(path, options = {}) {
  const response = await send(path, options);
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

function filenameOf(response, fallback) {
  const cd = response.headers.get("content-disposition") || "";
  const star = cd.match(/filename\*=UTF-8''([^;]+)/i);
  if (star) { try { return decodeURIComponent(star[1]); } catch { /* fall through */ } }
  const plain = cd.match(/filename="?([^";]+)"?/i);
  return plain ? plain[1] : fallback;
}

/** Fetch a file from the API and hand it to the browser as a download. Returns the file name.
 *  A POST with a JSON body too (e.g. a PDF that needs a passphrase): download(path, { method: "POST", json }). */
export async function download(path, { query, fallbackName = "download", method = "GET", json } = {}) {
  const response = await send(path, { query, accept: "*/*", method, json });
  const blob = await response.blob();
  const name = filenameOf(response, fallbackName);
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

/** Upload one file in the multipart field `file`. */
export function upload(path, file, { query } = {}) {
  const form = new FormData();
  form.append("file", file, file.name);
  return api(path, { method: "POST", form, query });
}

// --- session --------------------------------------------------------------------------------------

/** The signed-in user (GET /api/auth/me) or null when nobody is signed in. */
export async function currentUser() {
  try { return await api("/api/auth/me"); } catch (e) {
    if (e.status === 401) return null;
    throw e;
  }
}

export async function signIn(username, password) {
  return signInWith("/api/auth/login", { username, password, mode: "cookie" });
}

/** A cookie sign-in through any route that answers LoginOut (e.g. POST /api/judging/pair {code, mode}). */
export async function signInWith(path, body) {
  const out = await api(path, { method: "POST", json: body });
  storeCsrf(out.csrf_token || "");
  return out.user;
}

export async function signOut() {
  try { await api("/api/auth/logout", { method: "POST" }); } catch { /* already signed out */ }
  storeCsrf("");
}

export function grantsOf(me, ...roles) {
  return (me?.grants || []).filter((g) => roles.includes(g.role));
}

export function hasRole(me, ...roles) { return grantsOf(me, ...roles).length > 0; }

// --- formatting in China time ---------------------------------------------------------------------

export const TZ = "Asia/Shanghai";
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function parts(date, withTime, seconds) {
  const opts = { timeZone: TZ, year: "numeric", month: "2-digit", day: "2-digit", hourCycle: "h23" };
  if (withTime) Object.assign(opts, { hour: "2-digit", minute: "2-digit" }, seconds ? { second: "2-digit" } : {});
  const out = {};
  for (const p of new Intl.DateTimeFormat("en-GB", opts).formatToParts(date)) out[p.type] = p.value;
  return out;
}

/** "2026-12-03 19:48" in China time (the same digits in both languages). */
export function fmtDateTime(value, { seconds = false, zone = false } = {}) {
  if (!value) return "";
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const p = parts(d, true, seconds);
  const text = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}${seconds ? `:${p.second}` : ""}`;
  return zone ? `${text}（${t("app.china_time")}）` : text;
}

/** A calendar date: "2026-12-20" stays as it is; a timestamp gives its China-time date. */
export function fmtDate(value) {
  if (!value) return "";
  if (DATE_ONLY.test(value)) return value;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  const p = parts(d, false);
  return `${p.year}-${p.month}-${p.day}`;
}

export function todayChina() { return fmtDate(new Date().toISOString()); }

/** Numbers in the page's language; decimal strings from the API ("90.70") keep their digits. */
export function fmtNumber(value, options = {}) {
  if (value === null || value === undefined || value === "") return "";
  if (typeof value === "string") return value;
  return new Intl.NumberFormat(getLang(), options).format(value);
}

/** ISO timestamp -> value of an <input type="datetime-local"> in China time, and back. */
export function toLocalInput(iso) {
  if (!iso) return "";
  const p = parts(new Date(iso), true, false);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

export function fromLocalInput(value) {
  if (!value) return null;
  return new Date(`${value.length === 16 ? `${value}:00` : value}+08:00`).toISOString();
}

// --- problems -------------------------------------------------------------------------------------

/** "members[1].person_id" -> "选手2"; "member_2_resident_id" -> "选手2身份证号"; unknown paths as they are. */
export function fieldLabel(path) {
  if (!path) return "";
  const p = String(path);
  let m = p.match(/^(members|coaches)\[(\d+)\](?:\.person_id)?$/);
  if (m) return t(m[1] === "members" ? "field.member_n" : "field.coach_n", { n: Number(m[2]) + 1 });
  m = p.match(/^(member|coach)_(\d+)_(resident_id|name)$/);
  if (m) return t(`field.${m[1]}_n_${m[3] === "name" ? "name" : "id"}`, { n: m[2] });
  if (has(`field.${p}`)) return t(`field.${p}`);
  const head = p.split(/[.[]/)[0];
  if (head !== p && has(`field.${head}`)) return `${t(`field.${head}`)} · ${p.slice(head.length).replace(/^\./, "")}`;
  return p;
}

function serverSpeaks(err) {
  const lang = (err?.language || "").toLowerCase();
  if (lang) return lang.startsWith(getLang() === "en" ? "en" : "zh");
  return getLang() === "en"; // no Content-Language: the server's texts are English
}

/** { text, field, original } for a problem or one of its `errors` items (item: { code, field, message }). */
export function describeProblem(item, err = item) {
  const code = item.code;
  const detail = item.detail ?? item.message ?? "";
  const known = code && has(`code.${code}`) ? t(`code.${code}`) : null;
  let text, original = null;
  if (detail && (serverSpeaks(err) || !known)) text = detail;
  else { text = known || t("code.unknown", { code: code || err.status }); original = detail && detail !== text ? detail : null; }
  return { text, field: fieldLabel(item.field), original };
}

function itemWhere(item) {
  const bits = [];
  if (item.row) bits.push(t("app.row", { row: item.row }));
  if (item.column) bits.push(t("app.column", { column: item.column }));
  if (item.entry_id) bits.push(t("app.entry_n", { id: item.entry_id }));
  return bits.join(" ");
}

/** One line describing an `errors` item: "第 3 行 B 列 · 身份证号：…". */
export function problemLine(item, err) {
  const d = describeProblem(item, err);
  const where = [itemWhere(item), d.field].filter(Boolean).join(" · ");
  const li = el("li", {}, where ? el("span", { class: "remark-field", text: `${where}：` }) : null, d.text);
  if (d.original) li.append(el("span", { class: "original small muted", lang: "en", text: ` (${d.original})` }));
  return li;
}

/** The alert box for a refusal; `itemsShown` false when the page shows the items itself (e.g. per row). */
export function problemBox(err, { itemsShown = true } = {}) {
  const d = describeProblem(err, err);
  const box = el("div", { class: "alert", role: "alert" });
  const itemized = err.errors?.length > 0; // the items name their fields themselves
  // the server's Chinese detail already names its field ("身份证号：…"): not twice
  const named = d.field && !itemized && !d.text.includes(d.field);
  box.append(el("p", { class: "alert-title" }, named ? `${d.field}：` : "", d.text));
  if (d.original) box.append(el("details", { class: "original" }, el("summary", { i18n: "app.server_says" }), el("p", { lang: "en", text: d.original })));
  if (itemsShown && err.errors?.length) box.append(el("ul", {}, err.errors.map((item) => problemLine(item, err))));
  return box;
}

/** Put a refusal (ApiError or any Error) into a container; clears it when err is null. */
export function showProblem(container, err, options) {
  container.replaceChildren();
  if (!err) return;
  if (!(err instanceof ApiError)) err = new ApiError(0, { code: "internal_error", detail: String(err.message || err) });
  container.append(problemBox(err, options));
}

export function showNotice(container, text) {
  container.replaceChildren(el("div", { class: "notice", role: "status", text }));
}

/** Mark the form controls a refusal names: [data-field="members[0].person_id"], [name="team_name"], or the
 *  control named by the path's first part. */
export function markFields(form, err) {
  clearMarks(form);
  const items = [err, ...(err?.errors || [])].filter((x) => x && x.field);
  for (const item of items) {
    const head = CSS.escape(String(item.field).split(/[.[]/)[0]);
    const f = CSS.escape(item.field);
    const control = form.querySelector(`[data-field="${f}"]`) || form.querySelector(`[name="${f}"]`)
      || form.querySelector(`[name="${head}"]`); // "scheme.criteria[0].max" -> the scheme box
    if (!control || control.getAttribute("aria-invalid") === "true") continue;
    control.setAttribute("aria-invalid", "true");
    const note = el("p", { class: "field-error", id: `${control.id || control.name || "f"}-err-${Math.random().toString(36).slice(2, 7)}` },
      describeProblem(item, err).text);
    control.setAttribute("aria-describedby", note.id);
    control.insertAdjacentElement("afterend", note);
  }
}

export function clearMarks(form) {
  for (const node of form.querySelectorAll(".field-error")) node.remove();
  for (const node of form.querySelectorAll('[aria-invalid="true"]')) {
    node.removeAttribute("aria-invalid");
    node.removeAttribute("aria-describedby");
  }
}

// --- interaction helpers --------------------------------------------------------------------------

/** Run an async action with the button disabled and marked busy. */
export async function busy(button, action) {
  if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
  try { return await action(); } finally {
    if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
  }
}

/**
 * A modal form; resolves to the field values or null when cancelled.
 * fields: [{ name, label, type: "text" | "textarea" | "select", required, minlength, options: [[value, label]] }]
 */
export function askDialog({ title, text, fields = [], ok = "app.confirm", danger = false }) {
  return new Promise((resolve) => {
    const form = el("form", { method: "dialog", class: "stack" });
    form.append(el("h2", { text: title }));
    if (text) form.append(el("p", { text }));
    for (const f of fields) {
      let control;
      if (f.type === "textarea") control = el("textarea", { name: f.name, required: f.required, minlength: f.minlength, rows: 3 });
      else if (f.type === "select") control = el("select", { name: f.name }, (f.options || []).map(([v, l]) => el("option", { value: v, text: l })));
      else control = el("input", { name: f.name, required: f.required, minlength: f.minlength, type: f.type || "text" });
      if (f.value !== undefined) control.value = f.value;
      form.append(el("label", {}, f.label, control));
    }
    const dialog = el("dialog", { "aria-label": title }, form);
    const cancel = el("button", { type: "button", class: "secondary", i18n: "app.cancel", onclick: () => dialog.close("cancel") });
    form.append(el("div", { class: "row end" }, cancel, el("button", { type: "submit", value: "ok", class: danger ? "danger" : "", i18n: ok })));
    dialog.addEventListener("close", () => {
      const values = dialog.returnValue === "ok" ? Object.fromEntries(new FormData(form)) : null;
      dialog.remove();
      resolve(values);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Previous / next buttons for a page of results. */
export function pager({ total, limit, offset }, onPage) {
  const box = el("div", { class: "spread" });
  if (!total) return box;
  box.append(el("span", { class: "muted small", text: t("app.page", { from: offset + 1, to: Math.min(offset + limit, total), total }) }));
  const prev = el("button", { type: "button", class: "secondary", i18n: "app.prev", onclick: () => onPage(Math.max(0, offset - limit)) });
  const next = el("button", { type: "button", class: "secondary", i18n: "app.next", onclick: () => onPage(offset + limit) });
  prev.disabled = offset === 0;
  next.disabled = offset + limit >= total;
  box.append(el("div", { class: "row" }, prev, next));
  return box;
}

/** A table from column specs: [{ key: "app.name", cell: (row) => text | Node, num, nowrap }]. */
export function table(columns, rows, { caption, rowClass } = {}) {
  const cls = (c) => [c.num ? "num" : "", c.nowrap ? "nowrap" : ""].join(" ").trim();
  const head = el("tr", {}, columns.map((c) => el("th", { scope: "col", class: cls(c), i18n: c.key })));
  const body = rows.map((r) => el("tr", { class: rowClass ? rowClass(r) : "" },
    columns.map((c) => el("td", { class: cls(c) }, c.cell(r)))));
  return el("div", { class: "table-wrap" },
    el("table", {}, caption ? el("caption", { class: "sr-only", text: caption }) : null, el("thead", {}, head), el("tbody", {}, body)));
}

// --- page chrome and the sign-in gate -------------------------------------------------------------

function signInCard(onSignedIn) {
  const out = el("div", { "aria-live": "polite" });
  const user = el("input", { name: "username", id: "signin-username", autocomplete: "username", required: true, maxlength: 80 });
  const pass = el("input", { name: "password", id: "signin-password", type: "password", autocomplete: "current-password", required: true, maxlength: 200 });
  const submit = el("button", { type: "submit", i18n: "auth.sign_in" });
  const form = el("form", { class: "stack", id: "signin-form" },
    el("label", { for: "signin-username" }, el("span", { i18n: "auth.username" }), user),
    el("label", { for: "signin-password" }, el("span", { i18n: "auth.password" }), pass),
    submit, out);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget; // read before any await: it is null afterwards
    showProblem(out, null);
    try {
      const me = await busy(submit, () => signIn(user.value, pass.value));
      form.reset();
      onSignedIn(me);
    } catch (e) {
      showProblem(out, e);
      pass.select();
    }
  });
  return el("section", { class: "card signin", "aria-labelledby": "signin-title" },
    el("h2", { id: "signin-title", i18n: "auth.sign_in" }), el("p", { class: "note", i18n: "auth.needed" }), form);
}

/**
 * Draw the header and, when `roles` is given, make sure somebody with one of them is signed in.
 * Resolves to the signed-in user (or null on public pages). `main` is the page's <main> element;
 * on private pages its content stays hidden until sign-in.
 *   startPage({ title: "school.title", nav: [["/school/#students", "school.nav.students"]], roles: [...] })
 * For pages that work offline (the judge tablet): `signInExtra(resolve)` adds another way in below the
 * sign-in card (resolve it with the user), `fallbackUser()` answers who is signed in when the server
 * cannot be reached, and `onSignOut()` runs before the page reloads after signing out.
 */
export async function startPage({ title, nav = [], roles = null, whoFor = "", main = document.querySelector("main"),
  signInExtra = null, fallbackUser = null, onSignOut = null }) {
  const tools = el("div", { class: "site-tools" });
  const who = el("span", { class: "who" });
  const out = el("button", { type: "button", class: "secondary", i18n: "auth.sign_out", hidden: true });
  tools.append(who, out, languageSwitch());
  const bar = el("div", { class: "site-bar" },
    el("a", { class: "brand", href: "/", "aria-label": t("app.home"), "data-i18n-attr": "aria-label:app.home", text: "Jineng 技能" }),
    el("h1", { i18n: title }), tools);
  if (nav.length) {
    const here = location.pathname + location.hash;
    bar.append(el("nav", { "aria-label": title }, el("ul", {}, nav.map(([href, key]) =>
      el("li", {}, el("a", { href, i18n: key, "aria-current": here === href || (location.hash === "" && href === nav[0][0]) ? "page" : null }))))));
    window.addEventListener("hashchange", () => {
      for (const a of bar.querySelectorAll("nav a")) {
        if (a.getAttribute("href") === location.pathname + location.hash) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
      }
    });
  }
  const header = el("header", { class: "site" }, el("a", { class: "skip", href: "#main", i18n: "app.skip" }), bar);
  document.body.prepend(header);
  if (main && !main.id) main.id = "main";
  applyI18n(document);
  if (!roles) return null;

  const gate = el("div", { class: "gate" });
  main.before(gate);
  const content = [...main.children];
  const hideContent = (on) => { main.hidden = on; };
  out.addEventListener("click", async () => {
    await signOut();
    if (onSignOut) await onSignOut();
    location.reload();
  });

  let me;
  try { me = await currentUser(); } catch (e) {
    if (!(e instanceof ApiError && e.code === "network" && fallbackUser)) throw e;
    me = await fallbackUser();
  }
  for (;;) {
    if (!me) {
      hideContent(true);
      me = await new Promise((resolve) => gate.replaceChildren(signInCard(resolve), ...(signInExtra ? [signInExtra(resolve)] : [])));
      applyI18n(gate);
      continue;
    }
    who.textContent = me.display_name || me.username;
    out.hidden = false;
    if (roles.length && !hasRole(me, ...roles)) {
      hideContent(true);
      gate.replaceChildren(el("section", { class: "card" },
        el("p", { text: t("auth.wrong_role", { who: whoFor || roles.map((r) => t(`role.${r}`)).join("、") }) }),
        el("p", {}, el("a", { href: "/", i18n: "auth.other_pages" }))));
      return null;
    }
    gate.replaceChildren();
    hideContent(false);
    void content;
    return me;
  }
}
