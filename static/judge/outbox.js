/**
 * The judge tablet's offline half: a small IndexedDB store ("jineng-judge") and the outbox that takes
 * every mark before the network sees it.
 *
 * - store: `cache` holds what the tablet last read (who is signed in, the judge's events, each event's
 *   sheets), so a reload with no network still opens the sheet; `outbox` holds the marks not yet
 *   confirmed by the server, each with the idempotency key made here once (device id + time + random)
 *   and reused on every retry, so a mark the server stored before the answer was lost comes back
 *   "replayed" instead of twice.
 * - Outbox: add() saves first, then sync() sends the waiting marks in the order they were made (at most
 *   200 a batch) to POST /api/judging/events/{id}/marks. Accepted and replayed marks leave the outbox;
 *   refused ones stay as failures with the server's stable code (results[].code, kept as `reason`); a network failure,
 *   429 or 5xx retries with exponential backoff (1 s … 60 s, jittered) and at once when the browser
 *   says it is online again.
 * - Corrections: a mark's `corrects` is the version it replaces. When an earlier mark of the same cell
 *   and round is still on its way, the next one corrects the version that earlier mark will get (its
 *   own `corrects` + 1); an earlier one that never left the tablet is simply replaced.
 */

import { ApiError, api } from "/common/common.js";

const DB_NAME = "jineng-judge";
const BATCH = 200;
const MAX_DELAY = 60_000;

let dbPromise = null;

function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => {
        const d = open.result;
        if (!d.objectStoreNames.contains("cache")) d.createObjectStore("cache", { keyPath: "name" });
        if (!d.objectStoreNames.contains("outbox")) d.createObjectStore("outbox", { keyPath: "key" });
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
  }
  return dbPromise;
}

async function run(store, mode, fn) {
  const d = await db();
  return new Promise((resolve, reject) => {
    const tx = d.transaction(store, mode);
    const request = fn(tx.objectStore(store));
    tx.oncomplete = () => resolve(request?.result);
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
}

/** What the tablet last read: remember("sheets:7:13", data), recall(name) → data | null, forget(name). */
export async function remember(name, data) { await run("cache", "readwrite", (s) => s.put({ name, data, at: Date.now() })); }
export async function recall(name) { return (await run("cache", "readonly", (s) => s.get(name)))?.data ?? null; }
export async function forget(name) { await run("cache", "readwrite", (s) => s.delete(name)); }

const allMarks = () => run("outbox", "readonly", (s) => s.getAll());
const putMark = (m) => run("outbox", "readwrite", (s) => s.put(m));
const dropMark = (key) => run("outbox", "readwrite", (s) => s.delete(key));

function randomText(length) {
  const alphabet = "abcdefghijkmnpqrstuvwxyz23456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length)); // works on a plain-http venue LAN too
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}

/** This tablet's id (kept in localStorage), sent as each mark's `device`. */
export function deviceId() {
  try {
    let id = localStorage.getItem("jineng.device");
    if (!id) { id = `tab-${randomText(8)}`; localStorage.setItem("jineng.device", id); }
    return id;
  } catch { return "tab-nostorage"; }
}

let counter = 0;
function newKey() { return `${deviceId()}.${Date.now().toString(36)}.${(counter++).toString(36)}.${randomText(10)}`; }

export class Outbox {
  /** onChange(status) after every change; onAccepted(marks) with the marks the server confirmed. */
  constructor({ user, event, onChange = () => {}, onAccepted = () => {} }) {
    Object.assign(this, { user, event, onChange, onAccepted });
    this.marks = [];
    this.running = false;
    this.failures = 0; // consecutive failed attempts: the backoff exponent
    this.timer = null;
    this.nextTry = null;
    this.lastSynced = null;
    this.problem = null; // why the last attempt did not get through: ApiError | null
    window.addEventListener("online", () => this.sync(true));
    window.addEventListener("offline", () => this.changed());
  }

  async load() {
    this.marks = (await allMarks()).filter((m) => m.user === this.user && m.event === this.event).sort((a, b) => a.seq - b.seq);
    try { this.lastSynced = Number(localStorage.getItem(this.lastKey())) || null; } catch { /* none */ }
    this.changed();
  }

  lastKey() { return `jineng.judge.synced.${this.user}.${this.event}`; }

  status() {
    const waiting = this.marks.filter((m) => m.state === "waiting");
    return { waiting: waiting.length, failed: this.marks.filter((m) => m.state === "failed"), lastSynced: this.lastSynced,
      problem: this.problem, nextTry: this.nextTry, running: this.running, online: navigator.onLine };
  }

  changed() { this.onChange(this.status()); }

  /** The mark the tablet shows for a cell now (waiting or failed), or null. */
  local(code, aspect, round) {
    for (let i = this.marks.length - 1; i >= 0; i--) {
      const m = this.marks[i];
      if (m.code === code && m.aspect === aspect && m.round === round) return m;
    }
    return null;
  }

  /** Save a mark first, then try to send it. `version` is the server's current version of the cell. */
  async add({ code, aspect, value, round, version }) {
    const earlier = this.marks.filter((m) => m.code === code && m.aspect === aspect && m.round === round && m.state === "waiting");
    const last = earlier[earlier.length - 1];
    let corrects = version ?? null;
    if (last && !last.tries) { corrects = last.corrects; await this.remove(last.key); } // never left the tablet
    else if (last) corrects = (last.corrects ?? 0) + 1; // the version the earlier one will get
    for (const failed of this.marks.filter((m) => m.code === code && m.aspect === aspect && m.round === round && m.state === "failed")) {
      await this.remove(failed.key); // superseded by what the judge enters now
    }
    const mark = { key: newKey(), user: this.user, event: this.event, seq: Date.now() * 1000 + (counter++ % 1000), code, aspect,
      value: String(value), round, corrects, device: deviceId(), client_time: new Date().toISOString(), state: "waiting", tries: 0 };
    await putMark(mark);
    this.marks.push(mark);
    this.changed();
    this.sync(true);
    return mark;
  }

  async remove(key) {
    await dropMark(key);
    this.marks = this.marks.filter((m) => m.key !== key);
  }

  /** Forget a refused mark (the judge has read why). */
  async dismiss(key) { await this.remove(key); this.changed(); }

  schedule() {
    clearTimeout(this.timer);
    const delay = Math.min(MAX_DELAY, 1000 * 2 ** Math.min(this.failures, 6)) * (0.75 + Math.random() / 2);
    this.nextTry = Date.now() + delay;
    this.timer = setTimeout(() => this.sync(true), delay);
  }

  /** Send what is waiting; `now` skips a pending backoff (a new mark, the browser back online). */
  async sync(now = false) {
    if (this.running) { this.again = true; return; }
    if (!now && this.nextTry && Date.now() < this.nextTry) return;
    const batch = this.marks.filter((m) => m.state === "waiting").slice(0, BATCH);
    if (!batch.length) { this.nextTry = null; this.changed(); return; }
    clearTimeout(this.timer);
    this.running = true;
    this.again = false;
    for (const m of batch) m.tries += 1; // at once, before any await: add() sees these as on their way
    for (const m of batch) await putMark(m);
    this.changed();
    try {
      const out = await api(`/api/judging/events/${this.event}/marks`, { method: "POST", json: { marks: batch.map((m) => ({
        key: m.key, code: m.code, aspect: m.aspect, value: m.value, round: m.round,
        ...(m.corrects ? { corrects: m.corrects } : {}), device: m.device, client_time: m.client_time })) } });
      const byKey = new Map(batch.map((m) => [m.key, m]));
      const confirmed = [];
      for (const r of out.results) {
        const m = byKey.get(r.key);
        if (!m) continue;
        if (r.status === "refused") {
          Object.assign(m, { state: "failed", reason: r.code, detail: r.detail || "" });
          await putMark(m);
        } else {
          confirmed.push({ ...m, version: r.version });
          await this.remove(m.key);
        }
      }
      this.failures = 0;
      this.problem = null;
      this.nextTry = null;
      this.lastSynced = Date.now();
      try { localStorage.setItem(this.lastKey(), String(this.lastSynced)); } catch { /* kept in memory */ }
      if (confirmed.length) await this.onAccepted(confirmed, out);
    } catch (e) {
      this.problem = e instanceof ApiError ? e : new ApiError(0, { code: "network" });
      const retry = this.problem.status === 0 || this.problem.status === 429 || this.problem.status >= 500 || this.problem.status === 401;
      if (!retry) { // the whole batch was refused (e.g. 403): each mark says why, none is sent again blindly
        for (const m of batch) { Object.assign(m, { state: "failed", reason: this.problem.code, detail: this.problem.detail }); await putMark(m); }
      }
      this.failures += 1;
    } finally {
      this.running = false;
    }
    if (this.marks.some((m) => m.state === "waiting")) {
      if (this.problem) this.schedule(); else { this.changed(); return this.sync(true); }
    }
    this.changed();
  }
}
