/**
 * The judge tablet (/judge/): sign-in with an account or a one-time pairing code (the QR the chief
 * judge's console shows opens /P/<CODE>, which redirects here with ?pair=CODE), the judge's events and
 * sheets by code (GET /api/judging/events/{id}/sheets), marking through the offline outbox (outbox.js),
 * the sync state, tickets, and sign-off (POST …/signoff/{criterion}). The sheet itself is drawn by
 * sheet.js. A service worker (sw.js) keeps the shell, IndexedDB keeps the last sheets and the waiting
 * marks: with no network the tablet still opens, shows the sheet and takes marks.
 */

import {
  ApiError, addMessages, api, askDialog, busy, describeProblem, el, fmtDateTime, onLangChange, problemBox, showProblem,
  signInWith, startPage, t,
} from "/common/common.js";
import { Outbox, forget, recall, remember } from "/judge/outbox.js";
import { sheetView } from "/judge/sheet.js";

addMessages({
  "zh-CN": {
    "judge.title": "裁判评分",
    "judge.pair_title": "用配对码登录",
    "judge.pair_hint": "配对码由裁判长在管理控制台生成（8 位，如 AB12-CD34）；扫描控制台上的二维码也可直接登录。",
    "judge.pair_code": "配对码",
    "judge.pair_go": "配对并登录",
    "judge.events": "我的评分赛项",
    "judge.no_events": "您目前没有评分任务。裁判长完成抽签并开始评分后，这里会出现您的评分表。",
    "judge.offline_no_data": "当前无法连接服务器，本机也没有保存该赛项的评分表。",
    "judge.switch_event": "切换赛项",
    "judge.refresh": "刷新评分表",
    "judge.cached": "无法连接服务器：显示的是本机保存的评分表（{at}）。新的评分会先保存在本机。",
    "judge.not_open": "评分尚未开始或已经结束：评分表只读。",
    "judge.signoff": "签字确认本模块评分",
    "judge.signoff_title": "签字确认",
    "judge.signoff_text": "确认模块“{name}”的全部评分无误？签字后如再修改评分，需要重新签字。",
    "judge.signoff_need": "评完全部 {cells} 项、复评工单处理完毕并全部同步后，才能签字确认。",
    "judge.signoff_done": "模块“{name}”已签字确认。",
    "judge.sync.title": "同步状态",
    "judge.sync.ok": "全部评分已同步",
    "judge.sync.waiting": "{n} 条评分等待同步",
    "judge.sync.offline": "离线：{n} 条评分保存在本机，联网后自动同步",
    "judge.sync.offline_ok": "离线：新的评分会先保存在本机",
    "judge.sync.sending": "正在同步…",
    "judge.sync.last": "上次同步：{at}",
    "judge.sync.never": "尚未同步",
    "judge.sync.retry": "{s} 秒后自动重试",
    "judge.sync.now": "立即同步",
    "judge.sync.failed": "{n} 条评分未被接受：",
    "judge.sync.signin": "登录已失效：请重新登录后继续同步（评分仍保存在本机）。",
    "judge.sync.dismiss": "知道了",
    "judge.fail_line": "{code} · {aspect} = {value}：",
  },
  en: {
    "judge.title": "Judge tablet",
    "judge.pair_title": "Sign in with a pairing code",
    "judge.pair_hint": "The chief judge's console shows the code (8 characters, e.g. AB12-CD34); scanning its QR code signs in directly.",
    "judge.pair_code": "Pairing code",
    "judge.pair_go": "Pair and sign in",
    "judge.events": "My events",
    "judge.no_events": "You have nothing to mark yet. Your sheets appear here once the chief judge has made the draw and opened marking.",
    "judge.offline_no_data": "The server cannot be reached and this tablet has no copy of this event's sheets.",
    "judge.switch_event": "Switch event",
    "judge.refresh": "Reload the sheets",
    "judge.cached": "The server cannot be reached: these are the sheets kept on this tablet ({at}). New marks are kept here first.",
    "judge.not_open": "Marking is not open: the sheets are read-only.",
    "judge.signoff": "Sign off this sheet",
    "judge.signoff_title": "Sign off",
    "judge.signoff_text": "Sign off every mark of “{name}”? Changing a mark afterwards takes the signature back.",
    "judge.signoff_need": "Mark all {cells} cells, finish the tickets and sync before signing off.",
    "judge.signoff_done": "“{name}” is signed off.",
    "judge.sync.title": "Sync",
    "judge.sync.ok": "All marks synced",
    "judge.sync.waiting": "{n} marks waiting to sync",
    "judge.sync.offline": "Offline: {n} marks kept on this tablet, synced when back online",
    "judge.sync.offline_ok": "Offline: new marks are kept on this tablet first",
    "judge.sync.sending": "Syncing…",
    "judge.sync.last": "Last synced {at}",
    "judge.sync.never": "Not synced yet",
    "judge.sync.retry": "retrying in {s} s",
    "judge.sync.now": "Sync now",
    "judge.sync.failed": "{n} marks were not accepted:",
    "judge.sync.signin": "Signed out: sign in again to go on syncing (the marks stay on this tablet).",
    "judge.sync.dismiss": "Dismiss",
    "judge.fail_line": "{code} · {aspect} = {value}: ",
  },
});

const POLL = 10_000;
const root = document.getElementById("judge");
const state = {
  me: null, events: [], eventId: null, sheets: null, cachedAt: null, criterion: null, code: null, active: null,
  draft: {}, outbox: null, syncStatus: null, notice: null, error: null, poll: null,
};

// --- sign-in by pairing code ----------------------------------------------------------------------

async function redeemFromUrl() {
  const url = new URL(location.href);
  const code = url.searchParams.get("pair");
  if (!code) return null;
  url.searchParams.delete("pair");
  history.replaceState(null, "", url.pathname + url.search + url.hash);
  try { await signInWith("/api/judging/pair", { code, mode: "cookie" }); return null; } catch (e) { return e; }
}

function pairingCard(resolve, error) {
  const out = el("div", { "aria-live": "polite" });
  const input = el("input", { id: "pair-code", name: "code", autocomplete: "one-time-code", autocapitalize: "characters",
    required: true, minlength: 4, maxlength: 20, class: "mono" });
  const go = el("button", { type: "submit", i18n: "judge.pair_go" });
  const form = el("form", { class: "stack", id: "pair-form" },
    el("label", { for: "pair-code" }, el("span", { i18n: "judge.pair_code" }), input), go, out);
  if (error) showProblem(out, error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    showProblem(out, null);
    try { resolve(await busy(go, () => signInWith("/api/judging/pair", { code: input.value.trim(), mode: "cookie" }))); }
    catch (e) { showProblem(out, e); input.select(); }
  });
  return el("section", { class: "card signin", "aria-labelledby": "pair-title" },
    el("h2", { id: "pair-title", i18n: "judge.pair_title" }), el("p", { class: "note", i18n: "judge.pair_hint" }), form);
}

// --- events and sheets ----------------------------------------------------------------------------

const sheetsKey = (eventId) => `sheets:${state.me.id}:${eventId}`;

async function fetchEvents() {
  const competitions = [...new Set((state.me.grants || []).filter((g) => g.role === "judge" && g.competition_id).map((g) => g.competition_id))];
  const list = [];
  for (const cid of competitions) {
    const [competition, events] = await Promise.all([api(`/api/competitions/${cid}`), api(`/api/competitions/${cid}/events`)]);
    for (const e of events) {
      let sheets;
      try { sheets = await api(`/api/judging/events/${e.id}/sheets`); } catch (err) {
        if (err instanceof ApiError && err.status === 0) throw err;
        continue; // no judging here for this judge (no scheme, no role on it)
      }
      if (!sheets.sheets.length) continue;
      await remember(sheetsKey(e.id), sheets);
      list.push({ id: e.id, name: e.name, code: e.code, competition: competition.name, status: sheets.status });
    }
  }
  return list;
}

async function loadEvents() {
  try {
    state.events = await fetchEvents();
    await remember(`events:${state.me.id}`, state.events);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 0)) throw e;
    state.events = (await recall(`events:${state.me.id}`)) || [];
  }
}

/** The sheets from the server (kept for offline use), else the copy on this tablet. */
async function loadSheets() {
  try {
    const sheets = await api(`/api/judging/events/${state.eventId}/sheets`);
    await remember(sheetsKey(state.eventId), sheets);
    state.sheets = sheets;
    state.cachedAt = null;
    state.error = null;
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 0)) { state.error = e; return; }
    const cached = await recall(sheetsKey(state.eventId));
    if (cached) { state.sheets = cached; state.cachedAt = state.cachedAt || Date.now(); } else state.error = e;
  }
}

/** The server confirmed these marks: show them as synced at once, then read the sheets again. */
async function onAccepted(marks) {
  const sheets = state.sheets;
  if (sheets) {
    for (const m of marks) {
      for (const sheet of sheets.sheets) {
        const row = sheet.rows.find((r) => r.code === m.code);
        const cell = row?.cells.find((c) => c.aspect === m.aspect && c.round === m.round);
        if (!cell) continue;
        if (cell.version === null) sheet.marked += 1;
        Object.assign(cell, { value: m.value, version: m.version });
      }
    }
    await remember(sheetsKey(state.eventId), sheets);
  }
  await loadSheets();
  render();
}

function eventName(id) {
  const e = state.events.find((x) => x.id === id);
  return e ? `${e.competition} · ${e.name}（${e.code}）` : `#${id}`;
}

function chooseEvent() {
  const fromUrl = Number(new URLSearchParams(location.search).get("event"));
  const saved = Number(localStorage.getItem(`jineng.judge.event.${state.me.id}`));
  const ids = state.events.map((e) => e.id);
  if (ids.includes(fromUrl)) return fromUrl;
  const marking = state.events.filter((e) => e.status === "marking");
  if (ids.length === 1) return ids[0];
  if (marking.length === 1) return marking[0].id;
  if (ids.includes(saved)) return saved;
  return null;
}

async function openEvent(id) {
  state.eventId = id;
  try { localStorage.setItem(`jineng.judge.event.${state.me.id}`, String(id)); } catch { /* this visit only */ }
  Object.assign(state, { sheets: null, criterion: null, code: null, active: null, draft: {}, cachedAt: null, error: null });
  state.outbox = new Outbox({ user: state.me.id, event: id, onChange: (s) => { state.syncStatus = s; render(); }, onAccepted });
  await state.outbox.load();
  await loadSheets();
  render();
  state.outbox.sync(true);
  clearInterval(state.poll);
  state.poll = setInterval(async () => {
    if (document.hidden || !navigator.onLine) return;
    await loadSheets();
    render();
    state.outbox.sync();
  }, POLL);
}

// --- the sync bar ---------------------------------------------------------------------------------

function syncBar() {
  const s = state.syncStatus || { waiting: 0, failed: [], lastSynced: null, problem: null, online: navigator.onLine };
  const offline = !s.online || s.problem?.status === 0;
  let text, tone;
  if (s.running) { text = t("judge.sync.sending"); tone = "busy"; }
  else if (offline) { text = s.waiting ? t("judge.sync.offline", { n: s.waiting }) : t("judge.sync.offline_ok"); tone = "offline"; }
  else if (s.waiting) { text = t("judge.sync.waiting", { n: s.waiting }); tone = "waiting"; }
  else { text = t("judge.sync.ok"); tone = "ok"; }
  const bits = [s.lastSynced ? t("judge.sync.last", { at: fmtDateTime(new Date(s.lastSynced), { seconds: true }) }) : t("judge.sync.never")];
  if (s.waiting && s.nextTry && !s.running) bits.push(t("judge.sync.retry", { s: Math.max(1, Math.round((s.nextTry - Date.now()) / 1000)) }));
  const now = el("button", { type: "button", class: "secondary", id: "sync-now", i18n: "judge.sync.now",
    onclick: () => state.outbox?.sync(true) });
  now.disabled = !s.waiting || s.running;
  const bar = el("section", { class: `sync-bar ${tone}`, id: "sync", "aria-label": t("judge.sync.title"), "data-waiting": String(s.waiting),
    "data-failed": String(s.failed.length), "data-state": tone, "data-synced": String(s.lastSynced || 0) },
    el("div", { class: "sync-main" }, el("strong", { id: "sync-state", role: "status", text }),
      el("span", { class: "small", id: "sync-last", text: bits.join(" · ") })), now);
  const boxes = [bar];
  if (s.problem?.status === 401) boxes.push(el("div", { class: "alert", role: "alert", i18n: "judge.sync.signin" }));
  if (s.failed.length) {
    boxes.push(el("div", { class: "alert", id: "sync-failures", role: "alert" },
      el("p", { class: "alert-title", text: t("judge.sync.failed", { n: s.failed.length }) }),
      el("ul", {}, s.failed.map((m) => {
        const d = describeProblem({ code: m.reason, detail: m.detail }, { language: "en" }); // per-mark details are English
        return el("li", { "data-reason": m.reason },
          el("span", { class: "remark-field", text: t("judge.fail_line", { code: m.code, aspect: m.aspect, value: m.value }) }),
          d.text, d.original ? el("span", { class: "original small muted", lang: "en", text: ` (${d.original})` }) : null,
          " ", el("button", { type: "button", class: "link", i18n: "judge.sync.dismiss", onclick: () => state.outbox.dismiss(m.key) }));
      }))));
  }
  return boxes;
}

// --- the page ---------------------------------------------------------------------------------------

function eventPicker() {
  if (!state.events.length) return el("section", { class: "card" }, el("p", { class: "empty", i18n: "judge.no_events" }));
  return el("section", { class: "card", "aria-labelledby": "events-title" },
    el("h2", { id: "events-title", i18n: "judge.events" }),
    el("ul", { class: "records" }, state.events.map((e) => el("li", {},
      el("button", { type: "button", class: "secondary event-choice", "data-event": e.id, onclick: () => openEvent(e.id) },
        `${e.competition} · ${e.name}（${e.code}）`, el("span", { class: "muted small", text: ` ${t(`jstatus.${e.status}`)}` }))))));
}

async function signOff(sheet, button, out) {
  const ok = await askDialog({ title: t("judge.signoff_title"), text: t("judge.signoff_text", { name: sheet.criterion_name }), ok: "judge.signoff" });
  if (!ok) return;
  await busy(button, async () => {
    try {
      await api(`/api/judging/events/${state.eventId}/signoff/${encodeURIComponent(sheet.criterion)}`, { method: "POST" });
      state.notice = t("judge.signoff_done", { name: sheet.criterion_name });
      await loadSheets();
      render();
    } catch (e) { showProblem(out, e); }
  });
}

function render() {
  if (!state.me) return;
  const focused = document.activeElement?.id;
  if (!state.eventId) { root.replaceChildren(eventPicker()); return; }
  const head = el("section", { class: "event-head" },
    el("div", {}, el("h2", { id: "event-title", text: eventName(state.eventId) }),
      state.sheets ? el("span", { class: `badge ${state.sheets.status}`, id: "event-status", text: t(`jstatus.${state.sheets.status}`) }) : null),
    el("div", { class: "row" },
      el("button", { type: "button", class: "secondary", id: "sheets-refresh", i18n: "judge.refresh",
        onclick: async (ev) => { await busy(ev.currentTarget, loadSheets); render(); state.outbox.sync(true); } }),
      state.events.length > 1 ? el("button", { type: "button", class: "secondary", i18n: "judge.switch_event",
        onclick: () => { clearInterval(state.poll); state.eventId = null; render(); } }) : null));
  const parts = [...syncBar(), head];
  if (state.cachedAt) parts.push(el("p", { class: "warn-box", id: "cached-note", text: t("judge.cached", { at: fmtDateTime(new Date(state.cachedAt), { seconds: true }) }) }));
  if (state.notice) parts.push(el("div", { class: "notice", role: "status", text: state.notice }));
  if (state.error && !state.sheets) {
    parts.push(state.error.status === 0 ? el("p", { class: "alert", i18n: "judge.offline_no_data" }) : problemBox(state.error));
    root.replaceChildren(...parts);
    return;
  }
  if (!state.sheets) { root.replaceChildren(...parts, el("p", { class: "muted", i18n: "app.loading" })); return; }
  const readOnly = state.sheets.status !== "marking";
  if (readOnly) parts.push(el("p", { class: "warn-box", i18n: "judge.not_open" }));
  const sheets = state.sheets.sheets;
  const sheet = sheets.find((s) => s.criterion === state.criterion) || sheets[0];
  if (!sheet) { root.replaceChildren(...parts, el("p", { class: "empty", i18n: "judge.no_events" })); return; }
  state.criterion = sheet.criterion;
  const out = el("div", { "aria-live": "polite" });
  parts.push(sheetView({
    sheets, sheet, code: state.code, active: state.active, draft: state.draft, outbox: state.outbox, readOnly,
    onCriterion: (c) => { state.criterion = c; state.code = null; state.active = null; render(); },
    onCode: (code) => { state.code = code; state.active = null; state.notice = null; render(); },
    onActive: (aspect) => { state.active = aspect; render(); },
    onShown: (code) => { state.code = code; },
    onDraft: (key, text) => { state.draft[key] = text; },
    onMark: async (cell) => {
      state.notice = null;
      state.active = null;
      delete state.draft[`${cell.code}|${cell.aspect}`];
      await state.outbox.add(cell);
    },
    signOff: (button) => signOff(sheet, button, out),
    signOffNote: t("judge.signoff_need", { cells: sheet.cells }),
    out,
  }));
  root.replaceChildren(...parts);
  if (focused) document.getElementById(focused)?.focus({ preventScroll: true });
}

async function main() {
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/judge/sw.js", { scope: "/judge/" }).catch(() => {});
  const pairError = await redeemFromUrl();
  const me = await startPage({
    title: "judge.title", roles: ["judge"], main: document.querySelector("main"),
    signInExtra: (resolve) => pairingCard(resolve, pairError),
    fallbackUser: () => recall("me"),
    onSignOut: () => forget("me"),
  });
  if (!me) return;
  state.me = me;
  await remember("me", me);
  await loadEvents();
  const id = chooseEvent();
  if (id) await openEvent(id); else render();
  onLangChange(render);
}

main();
