/**
 * Console: the registration review queue (GET /api/review) of a competition or one event, with counts
 * per status. Approve (with an optional note), return to the school with remarks on specific fields
 * (team name, a competitor, a coach, or the entry as a whole), decline with a reason, and approve several
 * at once (all or nothing: a refusal lists each entry that cannot be approved). Export as Excel.
 */

import {
  addMessages, api, askDialog, badge, busy, download, el, fieldLabel, fmtDateTime, pager, problemBox, showNotice,
  showProblem, t,
} from "/common/common.js";
import { competitionSelect, field, fillEvents } from "/console/pick.js";

addMessages({
  "zh-CN": {
    "rev.title": "报名审核",
    "rev.status": "状态",
    "rev.pending": "待审核",
    "rev.export": "导出审核表",
    "rev.none": "没有符合条件的报名。",
    "rev.select_all": "全选可通过的报名",
    "rev.select": "选择报名 #{id}",
    "rev.bulk": "通过所选（{n}）",
    "rev.bulk_done": "已通过 {n} 个报名。",
    "rev.approve": "通过",
    "rev.approve_title": "通过报名",
    "rev.note": "备注（可选，学校可见）",
    "rev.approved": "报名 #{id} 已通过。",
    "rev.return": "退回修改",
    "rev.return_title": "退回报名 #{id}",
    "rev.return_text": "每条意见对应报名的一个字段，学校会在该字段旁看到。",
    "rev.remark_field": "针对",
    "rev.remark_message": "意见",
    "rev.remark_add": "再加一条意见",
    "rev.remark_remove": "删除此条",
    "rev.returned": "报名 #{id} 已退回学校。",
    "rev.decline": "不予通过",
    "rev.decline_title": "不予通过",
    "rev.decline_reason": "原因（学校可见）",
    "rev.declined": "报名 #{id} 未通过。",
    "rev.school": "学校",
    "rev.event": "赛项",
    "rev.members": "选手",
    "rev.coaches": "指导教师",
    "rev.team": "队名",
    "rev.submitted": "提交时间",
    "rev.history": "审核记录",
    "rev.kind.return": "退回",
    "rev.kind.approve": "通过",
    "rev.kind.decline": "不予通过",
  },
  en: {
    "rev.title": "Review",
    "rev.status": "Status",
    "rev.pending": "To review",
    "rev.export": "Export",
    "rev.none": "No entries match.",
    "rev.select_all": "Select all approvable",
    "rev.select": "Select entry #{id}",
    "rev.bulk": "Approve selected ({n})",
    "rev.bulk_done": "{n} entries approved.",
    "rev.approve": "Approve",
    "rev.approve_title": "Approve the entry",
    "rev.note": "Note (optional, the school sees it)",
    "rev.approved": "Entry #{id} approved.",
    "rev.return": "Return",
    "rev.return_title": "Return entry #{id}",
    "rev.return_text": "Each remark names one field of the entry; the school sees it next to that field.",
    "rev.remark_field": "About",
    "rev.remark_message": "Remark",
    "rev.remark_add": "Add a remark",
    "rev.remark_remove": "Remove",
    "rev.returned": "Entry #{id} returned to the school.",
    "rev.decline": "Decline",
    "rev.decline_title": "Decline",
    "rev.decline_reason": "Reason (the school sees it)",
    "rev.declined": "Entry #{id} declined.",
    "rev.school": "School",
    "rev.event": "Event",
    "rev.members": "Competitors",
    "rev.coaches": "Coaches",
    "rev.team": "Team",
    "rev.submitted": "Submitted",
    "rev.history": "Review history",
    "rev.kind.return": "returned",
    "rev.kind.approve": "approved",
    "rev.kind.decline": "declined",
  },
});

const STATUSES = ["submitted", "resubmitted", "returned", "approved", "declined", "withdrawn"];

/** The remark editor: rows of (field, message); resolves to [{ field, message }] or null. */
function returnDialog(entry) {
  return new Promise((resolve) => {
    const choices = [["entry", t("field.entry")]];
    if (entry.team_name !== null) choices.push(["team_name", t("field.team_name")]);
    entry.members.forEach((m, i) => choices.push([`members[${i}].person_id`, `${fieldLabel(`members[${i}]`)}：${m.name}`]));
    entry.coaches.forEach((m, i) => choices.push([`coaches[${i}].person_id`, `${fieldLabel(`coaches[${i}]`)}：${m.name}`]));
    const rows = el("div", { class: "stack" });
    let n = 0;
    const addRow = () => {
      const i = n++;
      const select = el("select", { id: `remark-field-${i}`, name: `field-${i}` }, choices.map(([v, l]) => el("option", { value: v, text: l })));
      if (i === 0 && entry.members.length) select.value = "members[0].person_id";
      const message = el("textarea", { id: `remark-message-${i}`, name: `message-${i}`, required: true, minlength: 2, maxlength: 1000, rows: 2 });
      const row = el("fieldset", { class: "remark-row" },
        el("div", { class: "fields" }, field(select, "rev.remark_field"), field(message, "rev.remark_message")));
      if (i > 0) row.append(el("button", { type: "button", class: "link", i18n: "rev.remark_remove", onclick: () => row.remove() }));
      rows.append(row);
    };
    addRow();
    const form = el("form", { method: "dialog", class: "stack", id: "return-form" },
      el("h2", { text: t("rev.return_title", { id: entry.id }) }), el("p", { class: "note", i18n: "rev.return_text" }), rows,
      el("div", {}, el("button", { type: "button", class: "secondary", i18n: "rev.remark_add", onclick: addRow })),
      el("div", { class: "row end" },
        el("button", { type: "button", class: "secondary", i18n: "app.cancel", onclick: () => dialog.close("cancel") }),
        el("button", { type: "submit", value: "ok", i18n: "rev.return" })));
    const dialog = el("dialog", { "aria-labelledby": "return-title" }, form);
    dialog.addEventListener("close", () => {
      const remarks = dialog.returnValue === "ok"
        ? [...rows.querySelectorAll(".remark-row")].map((r) => ({ field: r.querySelector("select").value, message: r.querySelector("textarea").value.trim() }))
        : null;
      dialog.remove();
      resolve(remarks);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

export async function reviewView({ view, params }) {
  const out = el("div", { "aria-live": "polite" });
  const listBox = el("div");
  const comp = await competitionSelect("rev-competition", { initial: params.get("competition_id"),
    prefer: ["registration_open", "registration_closed"] });
  const event = el("select", { id: "rev-event", name: "event_id" });
  const chips = el("div", { class: "chips", role: "group", "aria-label": t("rev.status") });
  const bulk = el("button", { type: "button", id: "bulk-approve", disabled: true });
  const exportButton = el("button", { type: "button", class: "secondary", i18n: "rev.export" });
  let status = params.get("status") || "pending";
  let offset = 0;
  let page = null;
  const selected = new Set();

  const paintBulk = () => { bulk.textContent = t("rev.bulk", { n: selected.size }); bulk.disabled = selected.size === 0; };
  paintBulk();

  async function load() {
    showProblem(out, null);
    selected.clear();
    paintBulk();
    const query = { competition_id: comp.value, event_id: event.value, limit: 50, offset };
    try {
      if (status === "pending") { // the two statuses waiting for a decision, oldest first as the API lists them
        const [a, b] = await Promise.all(["submitted", "resubmitted"].map((s) =>
          api("/api/review", { query: { ...query, status: s, limit: 250, offset: 0 } })));
        const items = [...a.items, ...b.items];
        page = { items, counts: a.counts, total: items.length, limit: Math.max(items.length, 1), offset: 0 };
      } else {
        page = await api("/api/review", { query: { ...query, status: status === "all" ? "" : status } });
      }
      render();
    } catch (e) { listBox.replaceChildren(); showProblem(out, e); }
  }

  function render() {
    const counts = page.counts || {};
    const pending = (counts.submitted || 0) + (counts.resubmitted || 0);
    const chip = (value, label) => el("button", { type: "button", class: "chip", "aria-pressed": String(status === value),
      text: label, onclick: () => { status = value; offset = 0; load(); } });
    chips.replaceChildren(chip("pending", `${t("rev.pending")} ${pending}`), chip("all", t("app.all")),
      ...STATUSES.map((s) => chip(s, `${t(`estatus.${s}`)} ${counts[s] || 0}`)));
    if (!page.items.length) { listBox.replaceChildren(el("p", { class: "empty", i18n: "rev.none" })); return; }
    const approvable = page.items.filter((x) => x.actions.includes("approve"));
    const all = el("input", { type: "checkbox", id: "rev-all", disabled: !approvable.length });
    all.addEventListener("change", () => {
      for (const box of listBox.querySelectorAll("input[data-entry]")) { box.checked = all.checked; box.dispatchEvent(new Event("change")); }
    });
    listBox.replaceChildren(
      el("label", { class: "check", for: "rev-all" }, all, el("span", { i18n: "rev.select_all" })),
      el("ul", { class: "records", id: "review-list" }, page.items.map(record)),
      pager(page, (o) => { offset = o; load(); }));
  }

  function record(entry) {
    const facts = el("dl", { class: "facts" });
    const fact = (key, value) => { if (value) facts.append(el("dt", { i18n: key }), el("dd", {}, value)); };
    const person = (m) => el("span", {}, el("bdi", { text: m.name }), " ", el("span", { class: "mono small", text: m.resident_id }));
    fact("rev.school", entry.school_name);
    fact("rev.team", entry.team_name);
    fact("rev.members", el("span", {}, entry.members.flatMap((m, i) => [i ? "、" : "", person(m)])));
    fact("rev.coaches", entry.coaches.length ? el("span", {}, entry.coaches.flatMap((m, i) => [i ? "、" : "", person(m)])) : null);
    fact("rev.submitted", fmtDateTime(entry.submitted_at));
    const node = el("li", { class: "record", "data-entry": entry.id },
      el("div", { class: "record-head" },
        el("span", { class: "record-title" },
          entry.actions.includes("approve") ? el("label", { class: "tick" }, el("input", { type: "checkbox", "data-entry": entry.id,
            "aria-label": t("rev.select", { id: entry.id }),
            onchange: (e) => { if (e.target.checked) selected.add(entry.id); else selected.delete(entry.id); paintBulk(); } })) : null,
          ` #${entry.id} ${entry.event_name}（${entry.event_code}）`),
        badge("estatus", entry.status)),
      facts);
    if (entry.remarks.length) {
      node.append(el("details", {}, el("summary", { i18n: "rev.history" }), el("ul", {}, entry.remarks.map((r) => el("li", {},
        `${fmtDateTime(r.created_at)} ${t(`rev.kind.${r.kind}`)} `, r.field ? el("span", { class: "remark-field", text: `${fieldLabel(r.field)}：` }) : "",
        el("bdi", { text: r.message }), r.resolved ? " ✓" : "")))));
    }
    if (entry.decline_reason) node.append(el("p", { class: "note", text: `${t("rev.decline")}：${entry.decline_reason}` }));
    if (entry.withdraw_reason) node.append(el("p", { class: "note", text: `${t("estatus.withdrawn")}：${entry.withdraw_reason}` }));
    const actions = el("div", { class: "row" });
    const act = async (button, path, json, doneKey) => busy(button, async () => {
      try {
        await api(`/api/review/${entry.id}/${path}`, { method: "POST", json });
        await load();
        showNotice(out, t(doneKey, { id: entry.id }));
      } catch (e) { showProblem(out, e); }
    });
    if (entry.actions.includes("approve")) {
      const b = el("button", { type: "button", i18n: "rev.approve" });
      b.addEventListener("click", async () => {
        const v = await askDialog({ title: t("rev.approve_title"), fields: [{ name: "note", label: t("rev.note"), type: "textarea" }], ok: "rev.approve" });
        if (v) act(b, "approve", { note: v.note || "" }, "rev.approved");
      });
      actions.append(b);
    }
    if (entry.actions.includes("return")) {
      const b = el("button", { type: "button", class: "secondary", i18n: "rev.return" });
      b.addEventListener("click", async () => {
        const remarks = await returnDialog(entry);
        if (remarks) act(b, "return", { remarks }, "rev.returned");
      });
      actions.append(b);
    }
    if (entry.actions.includes("decline")) {
      const b = el("button", { type: "button", class: "danger", i18n: "rev.decline" });
      b.addEventListener("click", async () => {
        const v = await askDialog({ title: t("rev.decline_title"), danger: true, ok: "rev.decline",
          fields: [{ name: "reason", label: t("rev.decline_reason"), type: "textarea", required: true, minlength: 2 }] });
        if (v) act(b, "decline", { reason: v.reason }, "rev.declined");
      });
      actions.append(b);
    }
    node.append(actions);
    return node;
  }

  bulk.addEventListener("click", () => busy(bulk, async () => {
    try {
      const done = await api("/api/review/approve", { method: "POST", json: { entry_ids: [...selected] } });
      await load();
      showNotice(out, t("rev.bulk_done", { n: done.approved.length }));
    } catch (e) { out.replaceChildren(problemBox(e)); }
  }));
  exportButton.addEventListener("click", () => busy(exportButton, async () => {
    try { await download("/api/review/export", { query: { competition_id: comp.value, event_id: event.value, format: "xlsx" }, fallbackName: "review.xlsx" }); }
    catch (e) { showProblem(out, e); }
  }));
  comp.addEventListener("change", async () => { await fillEvents(event, comp.value, { allLabel: true }); offset = 0; load(); });
  event.addEventListener("change", () => { offset = 0; load(); });
  await fillEvents(event, comp.value, { allLabel: true, initial: params.get("event_id") });

  view.replaceChildren(el("section", { class: "card", "aria-labelledby": "rev-heading" },
    el("div", { class: "spread" }, el("h2", { id: "rev-heading", i18n: "rev.title" }), el("div", { class: "row" }, bulk, exportButton)),
    el("div", { class: "fields" }, field(comp, "pick.competition"), field(event, "pick.event")),
    chips, out, listBox));
  await load();
}
