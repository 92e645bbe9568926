/**
 * Console: judging (#judging, #judging/EVENT[/SECTION]) for organizers, chief judges, encryption officers
 * and supervisors. The list of events the user may judge or organize (competitions they manage —
 * CompetitionOut.can_manage — or hold a judging grant on); then one event: its judging status and the
 * sections the user's roles allow (GET /api/judging/events/{id}/ → my_roles):
 *   setup    — settings, pool, recusals, assignments with the suggestion (judging-setup.js)
 *   tablets  — pairing codes with their QR (judging-setup.js)
 *   draw     — check-in, the draw with the passphrase, the sealed-envelope PDF, opening marking
 *   marking  — progress per criterion and judge, tickets, lock and unlock (judging-marking.js)
 *   closing  — decryption, standings, re-check, analytics, publication (judging-closing.js)
 *   appeals  — appeals and rulings (judging-closing.js)
 * The console socket /live/events/{id}/console (judging-officials only) says what changed: every notice
 * refetches what the open section shows; after a reconnect it resumes with ?since=<last seq>, and
 * {"what": "refetch_all"} refetches everything.
 */

import { addMessages, api, el, fmtDateTime, grantsOf, problemBox, t } from "/common/common.js";
import { liveSocket } from "/common/live.js";
import { drawSection, setupSection, tabletsSection } from "/console/judging-setup.js";
import { markingSection } from "/console/judging-marking.js";
import { appealsSection, closingSection } from "/console/judging-closing.js";

addMessages({
  "zh-CN": {
    "jd.title": "评分与裁判",
    "jd.events": "可管理的评分赛项",
    "jd.none": "您还没有可管理评分的赛项：组织者把您加入某赛项的裁判组后，这里会出现该赛项。",
    "jd.col.competition": "竞赛", "jd.col.event": "赛项", "jd.col.status": "评分阶段", "jd.col.roles": "我的角色",
    "jd.back": "← 全部评分赛项",
    "jd.my_roles": "我的角色：{roles}",
    "jd.layers": "解密进度：{done}/{all} 层",
    "jd.appeals_close": "申诉截止：{at}",
    "jd.sec.setup": "裁判与分配", "jd.sec.tablets": "平板配对", "jd.sec.draw": "检录与抽签", "jd.sec.marking": "评分进度",
    "jd.sec.closing": "解密与成绩", "jd.sec.appeals": "申诉",
    "jd.live.open": "实时更新：已连接", "jd.live.connecting": "实时更新：连接中…", "jd.live.closed": "实时更新：连接中断，正在重连…",
    "jd.live.refused": "实时更新不可用（无权限）",
    "layer.work_code": "作品编码", "layer.station": "工位号（二次加密）", "layer.draw_number": "抽签号",
  },
  en: {
    "jd.title": "Judging",
    "jd.events": "Events you judge or organize",
    "jd.none": "No event to judge yet: once an organizer adds you to an event's pool, it appears here.",
    "jd.col.competition": "Competition", "jd.col.event": "Event", "jd.col.status": "Judging", "jd.col.roles": "My roles",
    "jd.back": "← All judged events",
    "jd.my_roles": "My roles: {roles}",
    "jd.layers": "Decryption: {done}/{all} layers",
    "jd.appeals_close": "Appeals close {at}",
    "jd.sec.setup": "Pool and assignments", "jd.sec.tablets": "Tablets", "jd.sec.draw": "Check-in and draw", "jd.sec.marking": "Marking",
    "jd.sec.closing": "Decryption and results", "jd.sec.appeals": "Appeals",
    "jd.live.open": "Live: connected", "jd.live.connecting": "Live: connecting…", "jd.live.closed": "Live: disconnected, reconnecting…",
    "jd.live.refused": "Live updates unavailable (no access)",
    "layer.work_code": "work-product code", "layer.station": "station (second draw)", "layer.draw_number": "draw number",
  },
});

export const JUDGING_ROLES = ["chief_judge", "encryption_officer", "supervisor", "judge"];
const SECTIONS = [
  ["setup", ["organizer", "chief_judge", "encryption_officer", "supervisor"], setupSection],
  ["tablets", ["chief_judge"], tabletsSection],
  ["draw", ["organizer", "encryption_officer", "chief_judge"], drawSection],
  ["marking", ["chief_judge", "supervisor", "organizer"], markingSection],
  ["closing", ["chief_judge", "supervisor", "encryption_officer", "organizer"], closingSection],
  ["appeals", ["supervisor", "chief_judge", "organizer"], appealsSection],
];

let live = null; // the open event's socket; closed when the console shows something else

export function leaveJudging() {
  live?.close();
  live = null;
}

export const roleNames = (roles) => roles.map((r) => t(`role.${r}`)).join("、");

// --- the list ---------------------------------------------------------------------------------------

async function eventsView({ me, view }) {
  const judging = new Set(grantsOf(me, ...JUDGING_ROLES).map((g) => g.competition_id).filter(Boolean));
  const admin = (me.grants || []).some((g) => g.role === "admin");
  const comps = (await api("/api/competitions")).filter((c) => c.can_manage || judging.has(c.id) || admin)
    .filter((c) => c.status !== "draft");
  const rows = [];
  for (const c of comps) {
    for (const e of await api(`/api/competitions/${c.id}/events`)) rows.push({ c, e });
  }
  const body = el("tbody");
  const card = el("section", { class: "card", "aria-labelledby": "jd-events-title" },
    el("h2", { id: "jd-events-title", i18n: "jd.events" }),
    rows.length ? el("div", { class: "table-wrap" }, el("table", {},
      el("thead", {}, el("tr", {}, ["jd.col.competition", "jd.col.event", "jd.col.status", "jd.col.roles"].map((k) => el("th", { scope: "col", i18n: k })))),
      body)) : el("p", { class: "empty", i18n: "jd.none" }));
  view.replaceChildren(card);
  for (const { c, e } of rows) {
    const status = el("td", { text: "…" });
    const roles = el("td", { class: "small" });
    body.append(el("tr", { "data-event": e.id }, el("td", { text: c.name }),
      el("td", {}, el("a", { href: `#judging/${e.id}`, text: `${e.name}（${e.code}）` })), status, roles));
    api(`/api/judging/events/${e.id}/`).then((info) => {
      status.replaceChildren(el("span", { class: `badge ${info.status}`, text: t(`jstatus.${info.status}`) }));
      roles.textContent = roleNames(info.my_roles);
    }).catch(() => { status.textContent = "—"; });
  }
}

// --- one event --------------------------------------------------------------------------------------

async function eventView(ctx, eventId, wanted) {
  const { view } = ctx;
  const base = `/api/judging/events/${eventId}`;
  let info = await api(`${base}/`);
  const event = await api(`/api/competitions/${info.competition_id}/events/${eventId}`);
  const competition = await api(`/api/competitions/${info.competition_id}`);
  const j = {
    me: ctx.me, eventId, base, event, competition, info,
    can: (...roles) => roles.some((r) => info.my_roles.includes(r)),
    users: null, // username/display name by user id, filled from the pool
  };
  const sections = SECTIONS.filter(([, roles]) => j.can(...roles));
  const name = sections.some(([n]) => n === wanted) ? wanted : sections[0]?.[0];
  const head = el("div");
  const liveState = el("p", { class: "note", id: "jd-live", "aria-live": "polite" });
  const box = el("div", { id: "jd-section", "data-section": name || "" });
  const paintHead = () => head.replaceChildren(
    el("h2", { id: "jd-title", text: `${competition.name} · ${event.name}（${event.code}）` }),
    el("p", { class: "row" }, el("span", { class: `badge ${info.status}`, id: "jd-status", text: t(`jstatus.${info.status}`) }),
      el("span", { class: "muted", text: t("jd.my_roles", { roles: roleNames(info.my_roles) }) }),
      info.layers.length && info.drawn_at ? el("span", { class: "muted", text: t("jd.layers", { done: info.decrypted_layers.length, all: info.layers.length }) }) : null,
      info.appeals_close_at ? el("span", { class: "muted", text: t("jd.appeals_close", { at: fmtDateTime(info.appeals_close_at, { zone: true }) }) }) : null));
  paintHead();
  const tabs = el("nav", { class: "tabs", "aria-label": t("jd.title") }, sections.map(([n]) => el("a", {
    href: `#judging/${eventId}/${n}`, i18n: `jd.sec.${n}`, "aria-current": n === name ? "page" : null })));
  view.replaceChildren(el("p", {}, el("a", { href: "#judging", i18n: "jd.back" })),
    el("section", { class: "card", "aria-labelledby": "jd-title" }, head, liveState, tabs), box);
  const section = SECTIONS.find(([n]) => n === name);
  let refresh = async () => {};
  if (section) {
    try { refresh = (await section[2](j, box)) || refresh; } catch (e) { box.replaceChildren(problemBox(e)); }
  }
  j.reloadInfo = async () => { info = await api(`${base}/`); j.info = info; paintHead(); };

  // live: refetch on every notice (coalesced), everything on refetch_all
  leaveJudging();
  if (!j.can("chief_judge", "supervisor", "encryption_officer", "organizer")) return;
  let since = null;
  try { since = (await api(`/api/live/events/${eventId}/scoreboard`)).seq; } catch { /* resume from the first notice */ }
  let timer = null;
  const again = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      try { await j.reloadInfo(); await refresh(); } catch (e) { box.prepend(problemBox(e)); }
    }, 250);
  };
  live = liveSocket(`/live/events/${eventId}/console`, {
    resume: true, since,
    onMessage: (msg) => { box.dataset.seq = String(msg.seq ?? ""); again(); },
    onState: (state) => {
      liveState.textContent = t(`jd.live.${state}`);
      liveState.dataset.state = state;
      if (state === "open" && live && live.seq === null) again(); // nothing to resume from: read it all again
    },
  });
}

export async function judgingView(ctx, arg, sub) {
  if (arg && /^\d+$/.test(arg)) return eventView(ctx, Number(arg), sub);
  leaveJudging();
  return eventsView(ctx);
}
