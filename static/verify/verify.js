// Public verify page (ES module, no dependencies).
//
// Two checks, shown side by side:
//  1. the server's verdict (/api/verify): signature, signing key, and the live status from the registry;
//  2. this browser's own check: the envelope in the URL is decoded here and its Ed25519 signature is
//     verified with WebCrypto against the published, root-signed key set (/.well-known/jineng-keys.json),
//     so a forged record is caught even if the server lied or is unreachable.
// Envelope: ver(1) ‖ kid(2) ‖ MessagePack record ‖ Ed25519 signature(64), signed over
// "JINENG-CERT\0v1" ‖ ver ‖ kid ‖ record. Every value reaches the page through textContent only.

const enc = new TextEncoder();
const CERT_DOMAIN = enc.encode("JINENG-CERT\u0000v1");
const KEYSET_DOMAIN = enc.encode("JINENG-KEYSET\u0000v1");
const MAX_TEXT = 2048;
const ROOT_PIN = "jineng.verify.rootKey";

const LEVELS = { 1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工" };
const AWARDS = { 1: "金牌", 2: "银牌", 3: "铜牌", 4: "优胜奖", 10: "特等奖", 11: "一等奖", 12: "二等奖", 13: "三等奖", 14: "优秀奖" };
const TITLES = { 1: "职业技能等级证书", 2: "获奖证书" };
const STATUS_WORDS = { valid: "有效", revoked: "已撤销", suspended: "已暂停", superseded: "已被取代" };

const STATES = {
  checking: ["…", "正在核验", "Checking…"],
  valid: ["✓", "证书有效", "Valid: genuine signature, current status valid"],
  valid_status_unknown: ["?", "签名有效，当前状态未知", "Signature valid; the current status could not be confirmed"],
  revoked: ["✕", "证书已撤销", "Revoked"],
  suspended: ["‖", "证书已暂停", "Suspended"],
  superseded: ["↻", "证书已被更正后的证书取代", "Superseded by a corrected certificate"],
  invalid_signature: ["✕", "签名无效：证书可能被篡改或伪造", "Invalid signature: tampered or forged"],
  unknown_key: ["✕", "签发密钥不在已发布的密钥集中", "Unknown signing key"],
  key_not_valid_at_issue: ["✕", "签发日期不在签发密钥的有效期内", "Signing key not valid on the issue date"],
  malformed: ["!", "二维码内容格式错误", "Malformed QR content"],
  unsupported_version: ["!", "不支持的证书版本", "Unsupported certificate version"],
  conflict: ["✕", "服务器与本机核验结果不一致", "Server and browser checks disagree: do not trust this certificate"],
  error: ["!", "暂时无法核验", "Verification unavailable right now"],
};

const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function show(id, on = true) { $(id).hidden = !on; }

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
  if (issuedOn < beijingDay(key.active_from) - 90) return "证书早于签发密钥启用日期";
  if (issuedOn > beijingDay(new Date(Date.now() + 86400000).toISOString())) return "签发日期在未来";
  if (key.state === "compromised" && (!key.compromised_at || issuedOn >= beijingDay(key.compromised_at))) {
    return "签发密钥在签发日或之前已泄露";
  }
  if (key.retired_at && issuedOn > beijingDay(key.retired_at)) return "签发密钥在签发日已停用";
  return null;
}

/** The signature check of one token against a loaded key set ({ ks, rootOk, rootChanged }).
 *  Returns { status: "ok" | "bad", state, message, facts }. */
export async function checkToken(token, keyset) {
  let env;
  try { env = parseEnvelope(token); } catch (e) {
    return { status: "bad", state: e.state || "malformed", message: `格式错误：${e.message}` };
  }
  if (!keyset.rootOk) return { status: "bad", state: "invalid_signature", message: "已发布的密钥集签名无效" };
  if (keyset.rootChanged) return { status: "bad", state: "unknown_key", message: "根密钥与此前记录的不同" };
  const kid = hex(env.kid);
  const candidates = keyset.ks.keys.filter((k) => k.kid === kid);
  if (!candidates.length) return { status: "bad", state: "unknown_key", message: `没有 kid 为 ${kid} 的已发布密钥` };
  const message = concat(CERT_DOMAIN, new Uint8Array([env.version]), env.kid, env.body);
  let key = null;
  for (const k of candidates) {
    if (await ed25519Verify(fromHex(k.public_key), env.signature, message)) { key = k; break; }
  }
  if (!key) return { status: "bad", state: "invalid_signature", message: "签名无效" };
  const problem = windowProblem(key, env.record.issuedOn);
  if (problem) return { status: "bad", state: "key_not_valid_at_issue", message: problem };
  return {
    status: "ok", message: `签名有效（密钥 ${key.kid}，${key.state}）`,
    facts: factsFromRecord(env.record, keyset.ks.names || {}),
  };
}

// { status: "ok" | "bad" | "unavailable" | "error", state, message, facts }
async function browserCheck(token) {
  try { parseEnvelope(token); } catch (e) {
    return { status: "bad", state: e.state || "malformed", message: `格式错误：${e.message}` };
  }
  if (!(await webCryptoEd25519())) {
    return { status: "unavailable", message: "本浏览器不支持 Ed25519 签名校验（需要较新的浏览器和 HTTPS）" };
  }
  let keyset;
  try { keyset = await loadKeyset(); } catch (e) {
    return { status: "error", message: `无法获取已发布的密钥集：${e.message}` };
  }
  return checkToken(token, keyset);
}

// --- the server's check ----------------------------------------------------------------------------

async function serverCheck(qr) {
  try {
    const r = await fetch("/api/verify", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ qr }),
    });
    const body = await r.json();
    if (!r.ok) return { error: body.detail || `HTTP ${r.status}` };
    return { result: body };
  } catch (e) {
    return { error: "无法连接服务器" };
  }
}

// --- rendering -------------------------------------------------------------------------------------

function setVerdict(state, extra) {
  const [mark, title, sub] = STATES[state] || STATES.error;
  const box = $("verdict");
  box.className = `verdict state-${state}`;
  $("verdict-mark").textContent = mark;
  $("verdict-title").textContent = title;
  $("verdict-sub").textContent = extra ? `${sub} · ${extra}` : sub;
  show("verdict");
}

function setCheck(id, cls, text) {
  const li = $(id);
  li.className = cls;
  li.querySelector(".value").textContent = text;
}

function row(list, label, value, opts = {}) {
  if (value === undefined || value === null || value === "") return;
  list.append(el("dt", label));
  const dd = el("dd", null, opts.mono ? "mono" : "");
  if (value instanceof Node) dd.append(value); else dd.append(el("bdi", value));
  list.append(dd);
}

const INVISIBLE = /[\p{Cf}\p{Cc}]/u;

function renderFacts(f) {
  const list = $("facts-list");
  list.replaceChildren();
  $("facts-title").textContent = f.title || "证书信息";
  const skill = f.kind === "skill_level";
  row(list, "证书名称", f.title);
  row(list, "姓名", f.name);
  row(list, "证件号码", f.masked_id, { mono: true });
  row(list, skill ? "职业" : "职业（赛项所属）", f.occupation);
  row(list, skill ? "工种/职业方向" : "赛项", f.work_type);
  row(list, skill ? "职业技能等级" : "奖项", f.level);
  row(list, "证书编号", f.number, { mono: true });
  row(list, skill ? "评价机构" : "颁发单位", f.issuer);
  row(list, "发证日期", f.issued_on);
  row(list, "证书标识", f.cert_id, { mono: true });
  show("facts");
}

function badge(status) {
  return el("span", STATUS_WORDS[status] || status, `badge ${status}`);
}

function linkLine(link) {
  const span = el("span");
  span.append(el("bdi", `${link.title} ${link.level} ${link.number} `), badge(link.status));
  return span;
}

function renderRegistry(reg, status) {
  const list = $("registry-list");
  list.replaceChildren();
  if (status) {
    const s = el("span");
    s.append(badge(status.status));
    if (status.reason) s.append(el("bdi", ` ${status.reason}`));
    if (status.replacement_number) s.append(el("bdi", ` → 新证书 ${status.replacement_number}`));
    row(list, "当前状态", s);
  }
  if (reg) {
    row(list, "竞赛", [reg.edition, reg.competition].filter(Boolean).join(""));
    row(list, "主办单位", (reg.organizers || []).join("、"));
    row(list, "赛项", reg.event);
    row(list, "组别", reg.group);
    row(list, "参赛选手", (reg.members || []).join("、"));
    row(list, "指导教师", (reg.coaches || []).join("、"));
    if (reg.promotion) row(list, "晋升证书", linkLine(reg.promotion));
    if (reg.promoted_by) row(list, "因获奖晋升", linkLine(reg.promoted_by));
  }
  show("registry", list.childElementCount > 0);
}

function renderWarnings(items) {
  const list = $("warning-list");
  list.replaceChildren(...items.map((w) => el("li", w)));
  show("warnings", items.length > 0);
}

const SAME = ["number", "name", "masked_id", "cert_id", "issued_on", "level", "record_digest"];

function combine(server, browser) {
  const warnings = [];
  const s = server.result;
  if (!s) {
    if (browser.status === "ok") return { state: "valid_status_unknown", facts: browser.facts, warnings: ["无法连接服务器，无法确认证书当前状态"] };
    if (browser.status === "bad") return { state: browser.state, warnings };
    return { state: "error", warnings };
  }
  warnings.push(...(s.warnings || []));
  let state = s.state;
  const facts = browser.status === "ok" ? browser.facts : s.facts;
  if (browser.status === "bad" && s.facts) {
    state = "conflict";
    warnings.push(`本机核验失败：${browser.message}`);
  } else if (browser.status === "ok" && !s.facts) {
    state = "conflict";
    warnings.push("本机核验签名有效，但服务器判定无效");
  } else if (browser.status === "ok" && s.facts) {
    const diff = SAME.filter((k) => String(browser.facts[k]) !== String(s.facts[k]));
    if (diff.length) { state = "conflict"; warnings.push(`服务器返回的信息与签名数据不一致：${diff.join(", ")}`); }
  }
  if (facts && INVISIBLE.test(facts.name)) warnings.push("姓名中含有不可见字符，请仔细核对");
  return { state, facts, warnings };
}

let currentQr = null;

async function verifyQr(qr, knownServer = null) {
  currentQr = qr;
  const token = qr.slice(qr.lastIndexOf("/") + 1);
  setVerdict("checking");
  show("checks");
  setCheck("check-server", "", "核验中…");
  setCheck("check-browser", "", "核验中…");
  const [server, browser] = await Promise.all([
    knownServer ? Promise.resolve({ result: knownServer }) : serverCheck(qr),
    browserCheck(token),
  ]);
  if (server.result) {
    const r = server.result;
    setCheck("check-server", r.facts ? (r.green ? "ok" : "unknown") : "bad",
      `${(STATES[r.state] || STATES.error)[1]}${r.reason ? `（${r.reason}）` : ""}`);
  } else {
    setCheck("check-server", "unknown", server.error);
  }
  setCheck("check-browser", { ok: "ok", bad: "bad" }[browser.status] || "unknown", browser.message);
  const { state, facts, warnings } = combine(server, browser);
  const sub = state === "superseded" && server.result?.status?.replacement_number
    ? `新证书编号 ${server.result.status.replacement_number}` : "";
  setVerdict(state, sub);
  $("check-note").textContent = browser.status === "unavailable"
    ? "本机未能独立校验签名；结果仅依据服务器核验。" : "";
  if (facts) renderFacts(facts); else show("facts", false);
  renderRegistry(server.result?.registry, server.result?.facts ? server.result.status : null);
  renderWarnings(warnings);
  show("idcheck", Boolean(server.result?.facts));
  $("idcheck-result").textContent = "";
}

// --- forms -----------------------------------------------------------------------------------------

async function postJson(url, body) {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let data = {};
  try { data = await r.json(); } catch { /* not JSON */ }
  return { ok: r.ok, status: r.status, data };
}

function bindLookup(formId, build) {
  $(formId).addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const out = $("lookup-result");
    out.className = "result-line";
    out.textContent = "查询中…";
    const body = build(new FormData(form));
    if (body.qr !== undefined) { out.textContent = ""; await verifyQr(body.qr.trim()); return; }
    const { ok, data } = await postJson("/api/verify/lookup", body);
    if (!ok) { out.className = "result-line no"; out.textContent = data.detail || "未找到匹配的证书"; return; }
    out.textContent = "";
    await verifyQr(data.qr, data);
    $("verdict").scrollIntoView({ behavior: "smooth" });
  });
}

function init() {
  bindLookup("lookup-number", (f) => ({ number: f.get("number"), name: f.get("name") }));
  bindLookup("lookup-code", (f) => ({ code: f.get("code") }));
  bindLookup("lookup-qr", (f) => ({ qr: f.get("qr") }));
  $("idcheck-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = event.currentTarget.elements.resident_id;
    const out = $("idcheck-result");
    const { ok, data } = await postJson("/api/verify/id-match", { qr: currentQr, resident_id: input.value });
    input.value = "";
    out.className = `result-line ${ok && data.match ? "yes" : "no"}`;
    out.textContent = ok ? (data.match ? "一致：该证件号码属于证书持有人" : "不一致：该证件号码不属于证书持有人")
      : (data.detail || "暂时无法核对");
  });
  loadKeyset().then((k) => {
    $("keyset-info").textContent = `密钥集 #${k.ks.sequence}，根密钥指纹 ${k.ks.root_public_key.slice(0, 16)}…`;
  }).catch(() => {});
  const match = location.pathname.match(/^\/C\/([^/]+)$/);
  const param = new URLSearchParams(location.search).get("qr");
  if (match) verifyQr(`${location.origin}/C/${decodeURIComponent(match[1])}`);
  else if (param) verifyQr(param);
}

if (typeof document !== "undefined") init();
