/**
 * The public live scoreboard (/scoreboard/?event=ID[&screen=big]). Without an event: a form for the
 * event number. With one: the board from GET /api/live/events/{id}/scoreboard at once, then every board
 * the public socket /live/events/{id}/scoreboard sends (after each burst of changes; pings answered;
 * {"what": "refetch_all"} or a lost socket → the GET again, every 15 s until the socket is back).
 * The board is titled with the event's code and name and the competition's name (public facts the board
 * carries). Before publication a line has a code, a rank and a total only; after it the school, the people and
 * the award — what the server sends is what is shown, as text.
 */

import { addMessages, api, el, fmtDateTime, onLangChange, problemBox, startPage, t, word } from "/common/common.js";
import { liveSocket } from "/common/live.js";

addMessages({
  "zh-CN": {
    "sb.title": "实时成绩",
    "sb.pick": "查看赛项实时成绩",
    "sb.number": "赛项编号",
    "sb.go": "查看",
    "sb.hint": "赛项编号见现场公告或大屏链接。已公布的成绩请看“成绩公示”。",
    "sb.results": "成绩公示",
    "sb.event": "赛项 {id}",
    "sb.codes_only": "成绩公布前只显示编码，不显示选手姓名和学校。",
    "sb.published": "成绩已公布。",
    "sb.progress": "评分进度",
    "sb.marked": "{marked}/{cells}",
    "sb.locked": "已锁定",
    "sb.lines": "名次",
    "sb.none": "评分开始后这里显示成绩。",
    "sb.updated": "更新于 {at}",
    "sb.big": "大屏模式",
    "sb.small": "普通模式",
    "sb.live.open": "实时", "sb.live.connecting": "连接中…", "sb.live.closed": "连接中断，正在重连…", "sb.live.refused": "无法连接",
  },
  en: {
    "sb.title": "Live scoreboard",
    "sb.pick": "Follow an event live",
    "sb.number": "Event number",
    "sb.go": "Show",
    "sb.hint": "The number is on the venue's notices and big screen. Published results are under “Published results”.",
    "sb.results": "Published results",
    "sb.event": "Event {id}",
    "sb.codes_only": "Until the results are published only codes are shown — no names, no schools.",
    "sb.published": "The results are published.",
    "sb.progress": "Marking progress",
    "sb.marked": "{marked}/{cells}",
    "sb.locked": "locked",
    "sb.lines": "Standings",
    "sb.none": "Standings appear once marking starts.",
    "sb.updated": "updated {at}",
    "sb.big": "Big screen",
    "sb.small": "Normal view",
    "sb.live.open": "live", "sb.live.connecting": "connecting…", "sb.live.closed": "disconnected, reconnecting…", "sb.live.refused": "cannot connect",
  },
});

const view = document.getElementById("board");
const params = new URLSearchParams(location.search);
const eventId = params.get("event");
const big = params.get("screen") === "big";
let board = null;
let liveState = "connecting";
let updated = null;

function pickView() {
  const number = el("input", { id: "sb-number", name: "event", inputmode: "numeric", pattern: "[0-9]+", required: true });
  view.replaceChildren(el("section", { class: "card" }, el("h2", { i18n: "sb.pick" }),
    el("form", { class: "stack", method: "get", action: "/scoreboard/" },
      el("label", { for: "sb-number" }, el("span", { i18n: "sb.number" }), number),
      el("p", { class: "note" }, t("sb.hint"), " ", el("a", { href: "/results/", i18n: "sb.results" })),
      el("div", {}, el("button", { type: "submit", i18n: "sb.go" })))));
}

function line(l) {
  const who = l.code ? el("span", { class: "code mono", text: l.code })
    : el("span", {}, [l.school, (l.members || []).join("、")].filter(Boolean).join(" · "), l.award_name ? el("span", { class: "award", text: l.award_name }) : null);
  return el("li", { class: `line${l.rank ? "" : " unranked"}`, "data-code": l.code || null },
    el("span", { class: "rank", text: l.rank ? String(l.rank) : "—" }), el("span", { class: "who" }, who),
    el("span", { class: "total", text: l.total ?? "—" }));
}

function render() {
  if (!board) return;
  document.title = [board.event_name, t("sb.title"), "Jineng"].filter(Boolean).join(" · ");
  const toggle = new URLSearchParams(location.search);
  if (big) toggle.delete("screen"); else toggle.set("screen", "big");
  const criteria = Object.entries(board.criteria || {});
  view.replaceChildren(
    el("div", { class: "board-head" },
      el("hgroup", { class: "title" },
        el("h2", { id: "sb-title", text: board.event_name ? [board.event_code, board.event_name].filter(Boolean).join(" ")
          : t("sb.event", { id: board.event_id }) }),
        board.competition_name ? el("p", { id: "sb-competition", text: board.competition_name }) : null),
      el("div", { class: "row" },
        el("span", { class: `badge ${board.status}`, id: "sb-status", text: word("jstatus", board.status) }),
        el("span", { class: "live-state", id: "sb-live", "data-state": liveState, text: t(`sb.live.${liveState}`) }),
        el("a", { class: "button secondary no-print", href: `/scoreboard/?${toggle}`, i18n: big ? "sb.small" : "sb.big" }))),
    el("p", { class: board.published ? "notice" : "note", id: "sb-privacy", i18n: board.published ? "sb.published" : "sb.codes_only" }),
    criteria.length ? el("section", { class: "criteria", id: "sb-criteria", "aria-label": t("sb.progress") }, criteria.map(([id, c]) =>
      el("div", { class: "criterion", "data-criterion": id, "data-marked": c.marked, "data-cells": c.cells },
        el("span", { text: id }), el("progress", { max: c.cells || 1, value: c.marked, "aria-label": `${id} ${c.marked}/${c.cells}` }),
        el("span", { class: "small", text: c.locked ? t("sb.locked") : t("sb.marked", { marked: c.marked, cells: c.cells }) })))) : null,
    board.lines.length ? el("ol", { class: "lines", id: "sb-lines", "aria-label": t("sb.lines") }, board.lines.map(line))
      : el("p", { class: "empty", i18n: "sb.none" }),
    el("p", { class: "note", id: "sb-updated", "data-seq": board.seq, text: t("sb.updated", { at: fmtDateTime(updated, { seconds: true }) }) }));
}

async function refetch() {
  try { board = await api(`/api/live/events/${eventId}/scoreboard`); updated = new Date(); render(); }
  catch (e) { if (!board) view.replaceChildren(problemBox(e)); }
}

async function main() {
  if (big) document.body.classList.add("big");
  await startPage({ title: "sb.title" });
  if (!eventId || !/^\d+$/.test(eventId)) { pickView(); return; }
  await refetch();
  if (!board) return;
  onLangChange(render);
  let poll = null;
  liveSocket(`/live/events/${eventId}/scoreboard`, {
    onMessage: (msg) => {
      if (msg.what === "scoreboard") { board = msg; updated = new Date(); render(); }
      else if (msg.what === "refetch_all") refetch();
    },
    onState: (state) => {
      liveState = state;
      clearInterval(poll);
      if (state !== "open") poll = setInterval(refetch, 15_000);
      render();
    },
  });
}

main();
