// Public verify page (ES module). Opened from a certificate's QR code (/C/<token>) or at /verify/.
//
// Two checks, shown side by side:
//  1. the server's verdict (/api/verify): signature, signing key, and the live status from the registry
//     (with the date of a revocation or suspension when the API gives it, status.changed_at);
//  2. this browser's own check: the envelope in the URL is decoded here and its Ed25519 signature is
//     verified with WebCrypto against the published, root-signed key set (/.well-known/jineng-keys.json),
//     so a forged record is caught even if the server lied or is unreachable.
// Envelope: ver(1) ‖ kid(2) ‖ MessagePack record ‖ Ed25519 signature(64), signed over
// "JINENG-CERT\0v1" ‖ ver ‖ kid ‖ record. Every value reaches the page through textContent only.
//
// The checking half (checkToken, verifyKeysetDocument) has no imports, so it also runs under Node
// (tests/server/issuing/test_verify_page.py); the page half loads the shared layer (/common/common.js,
// /verify/messages.js) with dynamic imports in init(), in the browser only. Check results carry message
// keys ([key, params]) that the page translates.

const enc = new TextEncoder();
const CERT_DOMAIN = enc.encode("JINENG-CERT\u0000v1");
const KEYSET_DOMAIN = enc.encode("JINENG-KEYSET\u0000v1");
const MAX_TEXT = 2048;
const ROOT_PIN = "jineng.verify.rootKey";

// The certificate's own words (the record is Chinese): level and award names, titles.
const LEVELS = { 1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工" };
const AWARDS = { 1: "金牌", 2: "银牌", 3: "铜牌", 4: "优胜奖", 10: "特等奖", 11: "一等奖", 12: "二等奖", 13: "三等奖", 14: "优秀奖" };
const TITLES = { 1: "职业技能等级证书", 2: "获奖证书" };

// --- decoding --------------------------------------------------------------------------------------

const B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Decode(text) {
  if (!/^[A-Z2-7]+$/.test(text)) throw new Error("not upper-case Base32");
  if (![0, 2, 4, 5, 7].includes(text.length % 8)) throw new Error("impossible Base32 length");
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let bits = 0, value = 0, i = 0;
  for (const ch of text) {
    value = (value << 5) | B32.indexOf(ch);
    bits += 5;
    if (bits >= 8) { out[i++] = (value >>> (bits - 8)) & 0xff; bits -= 8; }
    value &= (1 << bits) - 1;
  }
  if (value !== 0) throw new Error("non-canonical Base32 (pad bits)");
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function msgpackDecode(buf) {
  let pos = 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const need = (n) => { if (pos + n > buf.length) throw new Error("truncated record"); };
  const u8 = () => { need(1); return buf[pos++]; };
  const u16 = () => { need(2); const v = view.getUint16(pos); pos += 2; return v; };
  const u32 = () => { need(4); const v = view.getUint32(pos); pos += 4; return v; };
  const bytes = (n) => { need(n); const v = buf.slice(pos, pos + n); pos += n; return v; };
  const str = (n) => utf8.decode(bytes(n));
  function read(depth) {
    if (depth > 2) throw new Error("record nested too deep");
    const b = u8();
    if (b <= 0x7f) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0x90 && b <= 0x9f) return array(b & 0x0f, depth);
    if (b >= 0xa0 && b <= 0xbf) return str(b & 0x1f);
    switch (b) {
      case 0xc4: return bytes(u8());
      case 0xc5: return bytes(u16());
      case 0xcc: return u8();
      case 0xcd: return u16();
      case 0xce: return u32();
      case 0xd9: return str(u8());
      case 0xda: return str(u16());
      case 0xdc: return array(u16(), depth);
      default: throw new Error(`unexpected MessagePack byte 0x${b.toString(16)}`);
    }
  }
  function array(n, depth) { const a = []; for (let i = 0; i < n; i++) a.push(read(depth + 1)); return a; }
  const value = read(0);
  if (pos !== buf.length) throw new Error("trailing bytes after the record");
  return value;
}

const isInt = (v) => Number.isInteger(v);
const isBytes = (v, n) => v instanceof Uint8Array && v.length === n;

function parseRecord(body) {
  const r = msgpackDecode(body);
  if (!Array.isArray(r) || r.length !== 12) throw new Error("record is not a 12-field array");
  const [kind, certId, number, name, maskedId, occupation, workType, level, issuedOn, issuer, statusIndex, digest] = r;
  if (![1, 2].includes(kind) || !isBytes(certId, 8) || typeof number !== "string" || typeof name !== "string"
      || typeof maskedId !== "string" || ![occupation, workType, level, issuedOn, issuer, statusIndex].every(isInt)
      || !isBytes(digest, 16)) {
    throw new Error("record fields have the wrong types");
  }
  return { kind, certId, number, name, maskedId, occupation, workType, level, issuedOn, issuer, statusIndex, digest };
}

function parseEnvelope(token) {
  if (token.length > MAX_TEXT) throw Object.assign(new Error("input too long"), { state: "malformed" });
  let data;
  try { data = base32Decode(token); } catch (e) { throw Object.assign(e, { state: "malformed" }); }
  if (data.length < 1) throw Object.assign(new Error("empty"), { state: "malformed" });
  if (data[0] !== 1) throw Object.assign(new Error(`version ${data[0]}`), { state: "unsupported_version" });
  if (data.length < 3 + 1 + 64) throw Object.assign(new Error("too short"), { state: "malformed" });
  const kid = data.slice(1, 3);
  const body = data.slice(3, data.length - 64);
  const signature = data.slice(data.length - 64);
  let record;
  try { record = parseRecord(body); } catch (e) { throw Object.assign(e, { state: "malformed" }); }
  return { kid, body, signature, record, version: data[0] };
}

// --- display of a record ---------------------------------------------------------------------------

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const groupedHex = (b) => hex(b).replace(/(.{8})(?!$)/g, "$1-");

function occupationCode(n) {
  if (n === 0) return "--";
  const s = String(n);
  return s.length === 7 ? `${s[0]}-${s.slice(1, 3)}-${s.slice(3, 5)}-${s.slice(5, 7)}` : s;
}

function isoDate(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10);
}

function expandMasked(compact) {
  const [head, tail] = compact.split("*");
  return tail === undefined ? compact : `${head}${"*".repeat(11)}${tail}`;
}

function factsFromRecord(rec, names) {
  const occ = occupationCode(rec.occupation);
  const occName = rec.occupation ? (names.occupation || {})[occ] : null;
  const skill = rec.kind === 1;
  return {
    kind: skill ? "skill_level" : "award",
    title: TITLES[rec.kind],
    cert_id: groupedHex(rec.certId),
    number: rec.number,
    name: rec.name,
    masked_id: expandMasked(rec.maskedId),
    occupation: occName ? `${occ} ${occName}` : occ,
    work_type: rec.workType === 0 ? "--" : ((names.work_type || {})[String(rec.workType)] || String(rec.workType)),
    level: (skill ? LEVELS : AWARDS)[rec.level] || String(rec.level),
    level_code: rec.level,
    issued_on: isoDate(rec.issuedOn),
    issuer: (names.issuer || {})[String(rec.issuer)] || String(rec.issuer),
    record_digest: groupedHex(rec.digest),
  };
}

// --- the browser's own check -----------------------------------------------------------------------

function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function fromHex(text) {
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new Error("bad hex");
  return new Uint8Array(text.match(/../g)?.map((h) => parseInt(h, 16)) || []);
}

function fromB64(text) {
  const raw = atob(text);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let i = 0;
  for (const p of parts) { out.set(p, i); i += p.length; }
  return out;
}

async function ed25519Verify(publicRaw, signature, message) {
  const key = await crypto.subtle.importKey("raw", publicRaw, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
}

async function webCryptoEd25519() {
  if (!window.isSecureContext || !crypto?.subtle) return false;
  try {
    await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "Ed25519" }, false, ["verify"]);
    return true;
  } catch { return false; }
}

/** Check a published key set document's root signature; returns { ks, rootOk }. */
export async function verifyKeysetDocument(doc) {
  const ks = doc.keyset;
  const root = fromHex(ks.root_public_key);
  const rootOk = await ed25519Verify(root, fromB64(doc.signature), concat(KEYSET_DOMAIN, enc.encode(canonicalJson(ks))));
  return { ks, rootOk };
}

let keysetPromise = null;

async function loadKeyset() {
  if (!keysetPromise) {
    keysetPromise = (async () => {
      const r = await fetch("/.well-known/jineng-keys.json", { cache: "no-cache" });
      if (!r.ok) throw new Error(`key set: HTTP ${r.status}`);
      const { ks, rootOk } = await verifyKeysetDocument(await r.json());
      let pinned = null;
      try { pinned = localStorage.getItem(ROOT_PIN); } catch { /* storage may be off */ }
      if (rootOk && !pinned) { try { localStorage.setItem(ROOT_PIN, ks.root_public_key); } catch { /* ignore */ } }
      return { ks, rootOk, rootChanged: Boolean(pinned && pinned !== ks.root_public_key) };
    })();
    keysetPromise.catch(() => { keysetPromise = null; });
  }
  return keysetPromise;
}

const beijingDay = (iso) => Math.floor((Date.parse(iso) + 8 * 3600000) / 86400000);

function windowProblem(key, issuedOn) {
  if (issuedOn < beijingDay(key.active_from) - 90) return "verify.msg.before_key";
  if (issuedOn > beijingDay(new Date(Date.now() + 86400000).toISOString())) return "verify.msg.future";
  if (key.state === "compromised" && (!key.compromised_at || issuedOn >= beijingDay(key.compromised_at))) {
    return "verify.msg.compromised";
  }
  if (key.retired_at && issuedOn > beijingDay(key.retired_at)) return "verify.msg.retired";
  return null;
}

/** The signature check of one token against a loaded key set ({ ks, rootOk, rootChanged }).
 *  Returns { status: "ok" | "bad", state, message: [key, params], facts }. */
export async function checkToken(token, keyset) {
  let env;
  try { env = parseEnvelope(token); } catch (e) {
    return { status: "bad", state: e.state || "malformed", message: ["verify.msg.malformed", { reason: e.message }] };
  }
  if (!keyset.rootOk) return { status: "bad", state: "invalid_signature", message: ["verify.msg.keyset_bad", {}] };
  if (keyset.rootChanged) return { status: "bad", state: "unknown_key", message: ["verify.msg.root_changed", {}] };
  const kid = hex(env.kid);
  const candidates = keyset.ks.keys.filter((k) => k.kid === kid);
  if (!candidates.length) return { status: "bad", state: "unknown_key", message: ["verify.msg.no_key", { kid }] };
  const message = concat(CERT_DOMAIN, new Uint8Array([env.version]), env.kid, env.body);
  let key = null;
  for (const k of candidates) {
    if (await ed25519Verify(fromHex(k.public_key), env.signature, message)) { key = k; break; }
  }
  if (!key) return { status: "bad", state: "invalid_signature", message: ["verify.msg.bad_signature", {}] };
  const problem = windowProblem(key, env.record.issuedOn);
  if (problem) return { status: "bad", state: "key_not_valid_at_issue", message: [problem, {}] };
  return {
    status: "ok", message: ["verify.msg.good", { kid: key.kid, state: key.state }],
    facts: factsFromRecord(env.record, keyset.ks.names || {}),
  };
}

// --- the page (browser only) -----------------------------------------------------------------------

let ui = null; // the shared layer, loaded in init()
const T = (key, params) => ui.t(key, params);
const $ = (id) => document.getElementById(id);
const show = (id, on = true) => { $(id).hidden = !on; };
const text = (tag, value, cls) => ui.el(tag, { class: cls, text: value });

// { status: "ok" | "bad" | "unavailable" | "error", state, message, facts }
async function browserCheck(token) {
  try { parseEnvelope(token); } catch (e) {
    return { status: "bad", state: e.state || "malformed", message: ["verify.msg.malformed", { reason: e.message }] };
  }
  if (!(await webCryptoEd25519())) return { status: "unavailable", message: ["verify.msg.no_webcrypto", {}] };
  let keyset;
  try { keyset = await loadKeyset(); } catch (e) {
    return { status: "error", message: ["verify.msg.no_keyset", { reason: e.message }] };
  }
  return checkToken(token, keyset);
}

async function serverCheck(qr) {
  try { return { result: await ui.api("/api/verify", { method: "POST", json: { qr } }) }; } catch (e) {
    return { error: e.status === 0 ? T("verify.msg.no_server") : ui.describeProblem(e).text };
  }
}

const MARKS = {
  checking: "…", valid: "✓", valid_status_unknown: "?", revoked: "✕", suspended: "‖", superseded: "↻",
  invalid_signature: "✕", unknown_key: "✕", key_not_valid_at_issue: "✕", malformed: "!", unsupported_version: "!",
  conflict: "✕", error: "!",
};

function setVerdict(state, extra = []) {
  const known = state in MARKS ? state : "error";
  $("verdict").className = `verdict state-${known}`;
  $("verdict-mark").textContent = MARKS[known];
  $("verdict-title").textContent = T(`verify.state.${known}`);
  $("verdict-sub").textContent = [T(`verify.sub.${known}`), ...extra].filter(Boolean).join(" · ");
  show("verdict");
  show("idle-hint", false);
}

function setCheck(id, cls, value) {
  const li = $(id);
  li.className = cls;
  li.querySelector(".value").textContent = value;
}

function row(list, labelKey, value, opts = {}) {
  if (value === undefined || value === null || value === "") return;
  list.append(ui.el("dt", { i18n: labelKey }));
  const dd = ui.el("dd", { class: opts.mono ? "mono" : "" });
  if (value instanceof Node) dd.append(value); else dd.append(text("bdi", value));
  list.append(dd);
}

const INVISIBLE = /[\p{Cf}\p{Cc}]/u;

function renderFacts(f) {
  const list = $("facts-list");
  list.replaceChildren();
  $("facts-title").textContent = f.title || T("verify.facts");
  const skill = f.kind === "skill_level";
  row(list, "verify.f.title", f.title);
  row(list, "verify.f.name", f.name);
  row(list, "verify.f.masked_id", f.masked_id, { mono: true });
  row(list, skill ? "verify.f.occupation" : "verify.f.award_occupation", f.occupation);
  row(list, skill ? "verify.f.work_type" : "verify.f.event", f.work_type);
  row(list, skill ? "verify.f.level" : "verify.f.award", f.level);
  row(list, "verify.f.number", f.number, { mono: true });
  row(list, skill ? "verify.f.issuer" : "verify.f.awarded_by", f.issuer);
  row(list, "verify.f.issued_on", f.issued_on);
  row(list, "verify.f.cert_id", f.cert_id, { mono: true });
  show("facts");
}

const badge = (status) => ui.badge("certstatus", status);

function linkLine(link) {
  const span = ui.el("span");
  span.append(text("bdi", `${link.title} ${link.level} ${link.number} `), badge(link.status));
  return span;
}

/** When the live status changed (revoked, suspended, superseded): the API's status.changed_at. */
function changedAt(status) {
  return status && status.status !== "valid" ? (status.changed_at || null) : null;
}

function renderRegistry(reg, status) {
  const list = $("registry-list");
  list.replaceChildren();
  if (status) {
    const s = ui.el("span");
    s.append(badge(status.status));
    if (status.reason) s.append(text("bdi", ` ${status.reason}`));
    if (status.replacement_number) s.append(text("bdi", ` → ${T("verify.new_number", { number: status.replacement_number })}`));
    row(list, "verify.f.status", s);
    const when = changedAt(status);
    if (when) row(list, `verify.f.changed.${status.status}`, ui.el("span", { class: "changed-at", text: ui.fmtDateTime(when, { zone: true }) }));
  }
  if (reg) {
    row(list, "verify.f.competition", [reg.edition, reg.competition].filter(Boolean).join(""));
    row(list, "verify.f.organizers", (reg.organizers || []).join("、"));
    row(list, "verify.f.event", reg.event);
    row(list, "verify.f.group", reg.group);
    row(list, "verify.f.members", (reg.members || []).join("、"));
    row(list, "verify.f.coaches", (reg.coaches || []).join("、"));
    if (reg.promotion) row(list, "verify.f.promotion", linkLine(reg.promotion));
    if (reg.promoted_by) row(list, "verify.f.promoted_by", linkLine(reg.promoted_by));
  }
  show("registry", list.childElementCount > 0);
}

function renderWarnings(items) {
  $("warning-list").replaceChildren(...items.map((w) => text("li", w)));
  show("warnings", items.length > 0);
}

const SAME = ["number", "name", "masked_id", "cert_id", "issued_on", "level", "record_digest"];

function combine(server, browser) {
  const warnings = [];
  const s = server.result;
  if (!s) {
    if (browser.status === "ok") return { state: "valid_status_unknown", facts: browser.facts, warnings: [T("verify.w.no_status")] };
    if (browser.status === "bad") return { state: browser.state, warnings };
    return { state: "error", warnings };
  }
  warnings.push(...(s.warnings || []));
  let state = s.state;
  const facts = browser.status === "ok" ? browser.facts : s.facts;
  if (browser.status === "bad" && s.facts) {
    state = "conflict";
    warnings.push(T("verify.w.browser_failed", { reason: T(...browser.message) }));
  } else if (browser.status === "ok" && !s.facts) {
    state = "conflict";
    warnings.push(T("verify.w.server_failed"));
  } else if (browser.status === "ok" && s.facts) {
    const diff = SAME.filter((k) => String(browser.facts[k]) !== String(s.facts[k]));
    if (diff.length) { state = "conflict"; warnings.push(T("verify.w.differ", { fields: diff.join(", ") })); }
  }
  if (facts && INVISIBLE.test(facts.name)) warnings.push(T("verify.w.invisible"));
  return { state, facts, warnings };
}

let currentQr = null;
let last = null; // the last check, re-drawn when the language changes

function draw() {
  if (!last) return;
  const { server, browser, checkedAt } = last;
  if (server.result) {
    const r = server.result;
    // a revocation reason is the issuer's own words; the server's technical reasons are English today
    const reason = r.reason && (ui.getLang() === "en" || /\p{Script=Han}/u.test(r.reason)) ? `（${r.reason}）` : "";
    setCheck("check-server", r.facts ? (r.green ? "ok" : "unknown") : "bad", `${T(`verify.state.${r.state in MARKS ? r.state : "error"}`)}${reason}`);
  } else {
    setCheck("check-server", "unknown", server.error);
  }
  const [key, params] = browser.message;
  setCheck("check-browser", { ok: "ok", bad: "bad" }[browser.status] || "unknown",
    T(key, params.state ? { ...params, state: ui.word("verify.key", params.state) } : params));
  const { state, facts, warnings } = combine(server, browser);
  const extra = [];
  const status = server.result?.facts ? server.result.status : null;
  if (state === "superseded" && status?.replacement_number) extra.push(T("verify.new_number", { number: status.replacement_number }));
  const when = changedAt(status);
  if (when && (state === "revoked" || state === "suspended")) extra.push(T(`verify.on.${state}`, { date: ui.fmtDate(when) }));
  setVerdict(state, extra);
  $("check-time").textContent = T("verify.checked_at", { at: ui.fmtDateTime(checkedAt, { seconds: true, zone: true }) });
  $("check-note").textContent = browser.status === "unavailable" ? T("verify.browser_unavailable") : "";
  if (facts) renderFacts(facts); else show("facts", false);
  renderRegistry(server.result?.registry, status);
  renderWarnings(warnings);
  show("idcheck", Boolean(server.result?.facts));
}

async function verifyQr(qr, knownServer = null) {
  currentQr = qr;
  const token = qr.slice(qr.lastIndexOf("/") + 1);
  setVerdict("checking");
  show("checks");
  setCheck("check-server", "", T("verify.checking"));
  setCheck("check-browser", "", T("verify.checking"));
  const [server, browser] = await Promise.all([
    knownServer ? Promise.resolve({ result: knownServer }) : serverCheck(qr),
    browserCheck(token),
  ]);
  last = { server, browser, checkedAt: server.result?.checked_at || new Date().toISOString() };
  draw();
  $("idcheck-result").textContent = "";
}

function bindLookup(formId, build) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget; // before any await: currentTarget is null afterwards
    const out = $("lookup-result");
    out.className = "result-line";
    out.textContent = T("verify.looking");
    const body = build(new FormData(form));
    if (body.qr !== undefined) { out.textContent = ""; await verifyQr(body.qr.trim()); $("verdict").scrollIntoView({ block: "start" }); return; }
    try {
      const data = await ui.api("/api/verify/lookup", { method: "POST", json: body });
      out.textContent = "";
      await verifyQr(data.qr, data);
      $("verdict").scrollIntoView({ block: "start" });
    } catch (e) {
      out.className = "result-line no";
      out.textContent = e.status === 404 ? T("verify.not_found") : ui.describeProblem(e).text;
    }
  });
}

async function init() {
  ui = await import("/common/common.js");
  await import("/verify/messages.js");
  await ui.startPage({ title: "verify.title" });
  ui.onLangChange(draw);
  bindLookup("lookup-number", (f) => ({ number: f.get("number"), name: f.get("name") }));
  bindLookup("lookup-code", (f) => ({ code: f.get("code") }));
  bindLookup("lookup-qr", (f) => ({ qr: f.get("qr") }));
  $("idcheck-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = event.currentTarget.elements.resident_id;
    const out = $("idcheck-result");
    const value = input.value;
    input.value = "";
    try {
      const data = await ui.api("/api/verify/id-match", { method: "POST", json: { qr: currentQr, resident_id: value } });
      out.className = `result-line ${data.match ? "yes" : "no"}`;
      out.textContent = T(data.match ? "verify.id_yes" : "verify.id_no");
    } catch (e) {
      out.className = "result-line no";
      out.textContent = ui.describeProblem(e).text;
    }
  });
  loadKeyset().then((k) => {
    const paint = () => { $("keyset-info").textContent = T("verify.keyset", { n: k.ks.sequence, fp: `${k.ks.root_public_key.slice(0, 16)}…` }); };
    paint();
    ui.onLangChange(paint);
  }).catch(() => {});
  const match = location.pathname.match(/^\/C\/([^/]+)$/);
  const param = new URLSearchParams(location.search).get("qr");
  if (match) verifyQr(`${location.origin}/C/${decodeURIComponent(match[1])}`);
  else if (param) verifyQr(param);
}

if (typeof document !== "undefined") init();
