/**
 * The appeals tab of the school page (申诉): the school's approved entries and, per event, its appeals
 * (GET /api/judging/events/{id}/appeals lists the school's own) with their status and ruling; a written
 * appeal for one entry (POST …/appeals {entry_id, text}; one per entry, after marking is locked and
 * within the event's window). The chosen entry's window (GET …/appeal-window: opens at the lock, closes
 * after the event's minutes, open now or not by the server's clock) is shown above the form, and filing
 * is disabled outside it; the page asks again when an open window is due to close.
 */

import { addMessages, api, busy, el, fmtDateTime, problemBox, showNotice, t, table, word } from "/common/common.js";

addMessages({
  "zh-CN": {
    "appeals.title": "成绩申诉",
    "appeals.note": "评分锁定后，报名学校可在申诉时限内（通常为 2 小时）为每个报名提交一次书面申诉，由监督（仲裁）裁决，裁决结果随成绩公布。",
    "appeals.new": "提交申诉",
    "appeals.entry": "报名",
    "appeals.text": "申诉内容（至少 10 个字：对哪一模块、哪一评分有异议，理由是什么）",
    "appeals.send": "提交申诉",
    "appeals.sent": "申诉已提交，请等待裁决。",
    "appeals.none": "本校还没有提交申诉。",
    "appeals.no_entries": "本校没有已通过审核的报名。",
    "appeals.closed_at": "申诉截止时间：{at}",
    "appeals.window.open": "申诉开放中：{opens} 起，{closes} 截止。",
    "appeals.window.not_yet": "该赛项评分锁定后开放申诉（时限 {minutes} 分钟）。",
    "appeals.window.closed": "申诉已于 {closes} 截止。",
    "appeals.window.unknown": "无法获取该赛项的申诉时限。",
    "appeals.window.loading": "正在读取该赛项的申诉时限…",
    "appeals.col.event": "赛项", "appeals.col.entry": "报名", "appeals.col.text": "申诉内容", "appeals.col.filed": "提交时间",
    "appeals.col.status": "状态", "appeals.col.ruling": "裁决",
  },
  en: {
    "appeals.title": "Appeals",
    "appeals.note": "Once marking is locked, the entry's school may file one written appeal per entry within the window (usually 2 hours); the supervisor (arbitration) rules, and the ruling is published with the results.",
    "appeals.new": "File an appeal",
    "appeals.entry": "Entry",
    "appeals.text": "The appeal (at least 10 characters: which criterion or mark, and why)",
    "appeals.send": "File the appeal",
    "appeals.sent": "Appeal filed; it will be ruled.",
    "appeals.none": "The school has filed no appeal.",
    "appeals.no_entries": "The school has no approved entries.",
    "appeals.closed_at": "The window closed at {at}",
    "appeals.window.open": "Appeals are open: from {opens} until {closes}.",
    "appeals.window.not_yet": "Appeals open when the event's marking is locked (for {minutes} minutes).",
    "appeals.window.closed": "The appeal window closed at {closes}.",
    "appeals.window.unknown": "The event's appeal window could not be read.",
    "appeals.window.loading": "Reading the event's appeal window…",
    "appeals.col.event": "Event", "appeals.col.entry": "Entry", "appeals.col.text": "Appeal", "appeals.col.filed": "Filed",
    "appeals.col.status": "Status", "appeals.col.ruling": "Ruling",
  },
});

const entryText = (e) => `${e.competition_name} · ${e.event_name} · ${e.team_name ? `${e.team_name}：` : ""}${e.members.map((m) => m.name).join("、")}`;

async function approvedEntries(schoolId) {
  const out = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api("/api/entries", { query: { school_id: schoolId, status: "approved", limit: 500, offset } });
    out.push(...page.items);
    if (out.length >= page.total || !page.items.length) return out;
  }
}

export function mountAppeals(section, state) {
  const out = el("div", { "aria-live": "polite" });
  const listBox = el("div");
  const entry = el("select", { id: "appeal-entry", name: "entry_id" });
  const text = el("textarea", { id: "appeal-text", name: "text", minlength: 10, maxlength: 5000, required: true, rows: 4 });
  const send = el("button", { type: "submit", id: "appeal-send", i18n: "appeals.send" });
  const windowNote = el("p", { id: "appeal-window", class: "note", "aria-live": "polite" });
  const form = el("form", { class: "stack", id: "appeal-form" },
    el("label", { for: "appeal-entry" }, el("span", { i18n: "appeals.entry" }), entry), windowNote,
    el("label", { for: "appeal-text" }, el("span", { i18n: "appeals.text" }), text), el("div", {}, send));
  let entries = [];
  const windows = new Map(); // event id → its appeal window (null: could not be read)
  let closing = null;

  /** The chosen entry's window above the form; filing only while it is open. */
  function showWindow() {
    const chosen = entries.find((e) => String(e.id) === entry.value);
    const w = chosen ? windows.get(chosen.event_id) : null;
    const open = Boolean(w?.open);
    send.disabled = !open;
    text.disabled = !open;
    if (chosen && !windows.has(chosen.event_id)) { // still being read: neither open nor closed yet
      delete windowNote.dataset.open;
      windowNote.textContent = t("appeals.window.loading");
      return;
    }
    windowNote.dataset.open = String(open);
    const at = (iso) => fmtDateTime(iso, { zone: true });
    windowNote.textContent = !w ? t("appeals.window.unknown")
      : !w.closes_at ? t("appeals.window.not_yet", { minutes: w.window_minutes })
        : open ? t("appeals.window.open", { opens: at(w.opens_at), closes: at(w.closes_at) })
          : t("appeals.window.closed", { closes: at(w.closes_at) });
    clearTimeout(closing);
    if (open) { // ask again just after it closes, by the server's clock (the tablet's may be off)
      const left = Date.parse(w.closes_at) - Date.parse(w.checked_at);
      closing = setTimeout(refreshWindows, Math.min(Math.max(left, 0) + 1000, 2 ** 31 - 1));
    }
  }

  async function refreshWindows() {
    for (const eventId of [...new Set(entries.map((e) => e.event_id))]) {
      try { windows.set(eventId, await api(`/api/judging/events/${eventId}/appeal-window`)); } catch { windows.set(eventId, null); }
    }
    showWindow();
  }

  entry.addEventListener("change", showWindow);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = entries.find((e) => String(e.id) === entry.value);
    if (!chosen) return;
    busy(send, async () => {
      out.replaceChildren();
      try {
        await api(`/api/judging/events/${chosen.event_id}/appeals`, { method: "POST", json: { entry_id: chosen.id, text: text.value.trim() } });
        text.value = "";
        await reload();
        showNotice(out, t("appeals.sent"));
      } catch (e) {
        const box = problemBox(e);
        if (e.body?.closed_at) box.append(el("p", { text: t("appeals.closed_at", { at: fmtDateTime(e.body.closed_at, { zone: true }) }) }));
        out.replaceChildren(box);
      }
    }).finally(showWindow); // busy() re-enables the button: the window decides
  });
  section.replaceChildren(el("div", { class: "card" },
    el("h2", { id: "appeals-title", i18n: "appeals.title" }), el("p", { class: "note", i18n: "appeals.note" }), listBox),
  el("section", { class: "card", "aria-labelledby": "appeal-new-title" }, el("h3", { id: "appeal-new-title", i18n: "appeals.new" }), form, out));

  async function reload() {
    if (!state.schoolId) return;
    try {
      entries = await approvedEntries(state.schoolId);
      const keep = entry.value;
      entry.replaceChildren(...entries.map((e) => el("option", { value: e.id, text: entryText(e) })));
      if (entries.some((e) => String(e.id) === keep)) entry.value = keep;
      form.hidden = !entries.length;
      await refreshWindows();
      const byId = new Map(entries.map((e) => [e.id, e]));
      const appeals = [];
      for (const eventId of [...new Set(entries.map((e) => e.event_id))]) {
        try { appeals.push(...await api(`/api/judging/events/${eventId}/appeals`)); } catch { /* no judging for this event */ }
      }
      const mine = appeals.filter((a) => byId.has(a.entry_id));
      listBox.replaceChildren(!entries.length ? el("p", { class: "empty", i18n: "appeals.no_entries" }) : mine.length ? table([
        { key: "appeals.col.event", cell: (a) => `${byId.get(a.entry_id).competition_name} · ${byId.get(a.entry_id).event_name}` },
        { key: "appeals.col.entry", cell: (a) => byId.get(a.entry_id).members.map((m) => m.name).join("、") },
        { key: "appeals.col.text", cell: (a) => a.text },
        { key: "appeals.col.filed", nowrap: true, cell: (a) => fmtDateTime(a.filed_at) },
        { key: "appeals.col.status", cell: (a) => el("span", { class: `badge ${a.status === "filed" ? "submitted" : a.status === "upheld" ? "approved" : "declined"}`, text: word("astatus", a.status) }) },
        { key: "appeals.col.ruling", cell: (a) => a.ruling || "—" },
      ], mine, { caption: t("appeals.title") }) : el("p", { class: "empty", i18n: "appeals.none" }));
    } catch (e) { listBox.replaceChildren(problemBox(e)); }
  }
  return { reload };
}
