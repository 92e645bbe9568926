/**
 * Public results announcements (/results/): without parameters, a form for the competition number and
 * the competitions whose results are published (GET /api/public/competitions, for anyone); with ?competition=ID the events
 * whose results are published; with &event=ID that event's announcement table (名次, 选手/队名, 学校,
 * 总分, 奖项, 指导教师) and its publication time in China time.
 */

import { addMessages, api, el, fmtDateTime, onLangChange, problemBox, startPage, t, table, word } from "/common/common.js";

addMessages({
  "zh-CN": {
    "pub.title": "成绩公示",
    "pub.pick": "查看竞赛成绩公示",
    "pub.number": "竞赛编号",
    "pub.go": "查看",
    "pub.hint": "竞赛编号见主办单位发布的通知或链接。",
    "pub.published_list": "已公布成绩的竞赛",
    "pub.edition": "第 {n} 届",
    "pub.organizers": "主办单位：{names}",
    "pub.events": "已公布成绩的赛项",
    "pub.entries": "{n} 个参赛单位",
    "pub.published_at": "公布时间：{at}",
    "pub.none": "该竞赛还没有公布成绩的赛项。",
    "pub.back": "← 返回竞赛",
    "pub.col.rank": "名次",
    "pub.col.who": "选手 / 队名",
    "pub.col.school": "学校",
    "pub.col.total": "总分",
    "pub.col.award": "奖项",
    "pub.col.coaches": "指导教师",
    "pub.occupation": "职业：{name}",
    "pub.print": "打印",
  },
  en: {
    "pub.title": "Published results",
    "pub.pick": "Find a competition's results",
    "pub.number": "Competition number",
    "pub.go": "Show",
    "pub.hint": "The number is in the organizers' notice or link.",
    "pub.published_list": "Competitions with published results",
    "pub.edition": "edition {n}",
    "pub.organizers": "Organized by {names}",
    "pub.events": "Events with published results",
    "pub.entries": "{n} entries",
    "pub.published_at": "Published {at}",
    "pub.none": "No event of this competition has published results yet.",
    "pub.back": "← Back to the competition",
    "pub.col.rank": "Rank",
    "pub.col.who": "Competitors / team",
    "pub.col.school": "School",
    "pub.col.total": "Total",
    "pub.col.award": "Award",
    "pub.col.coaches": "Coaches",
    "pub.occupation": "Occupation: {name}",
    "pub.print": "Print",
  },
});

const view = document.getElementById("view");

function heading(c) {
  const bits = [t(`level.${c.level ?? c.competition_level}`), String(c.year)];
  if (c.edition) bits.push(t("pub.edition", { n: c.edition }));
  return bits.join(" · ");
}

async function pickView() {
  const number = el("input", { id: "pub-number", name: "competition", inputmode: "numeric", pattern: "[0-9]+", required: true });
  const form = el("form", { class: "stack", method: "get", action: "/results/" },
    el("label", { for: "pub-number" }, el("span", { i18n: "pub.number" }), number),
    el("p", { class: "note", i18n: "pub.hint" }), el("div", {}, el("button", { type: "submit", i18n: "pub.go" })));
  const card = el("section", { class: "card" }, el("h2", { i18n: "pub.pick" }), form);
  view.replaceChildren(card);
  const list = await api("/api/public/competitions").catch(() => []); // public: competitions with published results
  if (list.length) {
    card.append(el("h3", { i18n: "pub.published_list" }), el("ul", { class: "records", id: "pub-competitions" }, list.map((c) =>
      el("li", { class: "record" }, el("a", { class: "record-title", href: `/results/?competition=${c.competition_id}`, text: c.name }),
        el("p", { class: "note", text: `${heading(c)} · ${t("pub.organizers", { names: c.organizers.join("、") })} · ${t("pub.published_at", { at: fmtDateTime(c.last_published_at, { zone: true }) })}` })))));
  }
}

async function competitionView(cid) {
  const c = await api(`/api/public/competitions/${cid}/results`);
  document.title = `${c.competition} · ${t("pub.title")}`;
  view.replaceChildren(el("section", { class: "card" },
    el("h2", { text: c.competition }),
    el("p", { class: "muted", text: heading(c) }),
    el("p", { text: t("pub.organizers", { names: c.organizers.join("、") }) }),
    el("h3", { i18n: "pub.events" }),
    c.events.length ? el("ul", { class: "records", id: "pub-events" }, c.events.map((e) => el("li", { class: "record" },
      el("div", { class: "record-head" },
        el("a", { class: "record-title", href: `/results/?competition=${cid}&event=${e.event_id}`, text: `${e.name}（${e.code}）` }),
        el("span", { class: "muted", text: t("pub.entries", { n: e.entries }) })),
      el("p", { class: "note", text: t("pub.published_at", { at: fmtDateTime(e.published_at, { zone: true }) }) }))))
      : el("p", { class: "empty", i18n: "pub.none" })));
}

async function eventView(cid, eid) {
  const r = await api(`/api/public/competitions/${cid}/events/${eid}/results`);
  document.title = `${r.event} · ${r.competition} · ${t("pub.title")}`;
  const meta = [heading(r), `${word("group", r.group)}`, word("track", r.track)];
  view.replaceChildren(
    el("p", { class: "no-print" }, el("a", { href: `/results/?competition=${cid}`, i18n: "pub.back" })),
    el("section", { class: "card", "aria-labelledby": "pub-event-title" },
      el("div", { class: "spread" },
        el("h2", { id: "pub-event-title", text: `${r.competition} · ${r.event}（${r.event_code}）` }),
        el("button", { type: "button", class: "secondary no-print", i18n: "pub.print", onclick: () => window.print() })),
      el("p", { class: "muted", text: meta.join(" · ") }),
      r.occupation ? el("p", { text: t("pub.occupation", { name: [r.occupation, r.work_type].filter(Boolean).join(" ") }) }) : null,
      el("p", { class: "note", text: t("pub.published_at", { at: fmtDateTime(r.published_at, { zone: true }) }) }),
      table([
        { key: "pub.col.rank", cell: (l) => String(l.rank ?? "—"), num: true },
        { key: "pub.col.who", cell: (l) => [l.team_name, l.members.join("、")].filter(Boolean).join("：") },
        { key: "pub.col.school", cell: (l) => l.school },
        { key: "pub.col.total", cell: (l) => l.total ?? "—", num: true },
        { key: "pub.col.award", cell: (l) => l.award_name || "" },
        { key: "pub.col.coaches", cell: (l) => l.coaches.join("、") },
      ], r.lines, { caption: `${r.event} ${t("pub.title")}` })));
}

async function route() {
  const q = new URLSearchParams(location.search);
  const cid = q.get("competition"), eid = q.get("event");
  try {
    if (cid && /^\d+$/.test(cid) && eid && /^\d+$/.test(eid)) await eventView(cid, eid);
    else if (cid && /^\d+$/.test(cid)) await competitionView(cid);
    else await pickView();
  } catch (e) {
    view.replaceChildren(problemBox(e), el("p", {}, el("a", { href: "/results/", i18n: "pub.pick" })));
  }
}

await startPage({ title: "pub.title" });
onLangChange(route);
route();
