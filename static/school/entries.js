/**
 * The entries tab of the school page: the school's entries with their status and the organizers'
 * remarks; the entry editor (competition, event, team name, competitors and coaches from the roster)
 * that saves a draft, explains eligibility (GET /api/entries/{id}/eligibility) before submitting, and
 * resubmits returned entries with each remark shown next to the field it names; withdrawal with a reason.
 */

import {
  addMessages, api, askDialog, badge, busy, clearMarks, download, el, fmtDateTime, markFields, onLangChange,
  problemBox, problemLine, showNotice, showProblem, t, fieldLabel, pager,
} from "/common/common.js";

addMessages({
  "zh-CN": {
    "entries.title": "竞赛报名",
    "entries.new": "新建报名",
    "entries.export": "导出报名表",
    "entries.filter": "状态",
    "entries.none": "还没有报名。",
    "entries.members": "选手",
    "entries.coaches": "指导教师",
    "entries.team": "队名",
    "entries.submitted_at": "提交时间",
    "entries.updated_at": "更新时间",
    "entries.remarks": "审核退回意见",
    "entries.note": "审核备注",
    "entries.declined": "未通过原因",
    "entries.withdrawn": "退赛原因",
    "entries.edit": "修改",
    "entries.check_submit": "检查资格并提交",
    "entries.check_resubmit": "修改后重新提交",
    "entries.withdraw": "退赛",
    "entries.withdraw_title": "退赛",
    "entries.withdraw_reason": "退赛原因（审核人员可见）",
    "entries.withdrawn_ok": "已退赛。",
    "entries.editor_new": "新建报名",
    "entries.editor_edit": "修改报名",
    "entries.competition": "竞赛",
    "entries.event": "赛项",
    "entries.pick": "— 请选择 —",
    "entries.no_open": "目前没有开放报名的竞赛。",
    "entries.event_info_team": "团体赛，每队 {min}–{max} 名选手，指导教师最多 {coaches} 名",
    "entries.event_info_single": "个人赛，1 名选手，指导教师最多 {coaches} 名",
    "entries.closes": "报名截止：{at}",
    "entries.quota": "每校名额：{n}",
    "entries.member_n": "选手 {n}",
    "entries.coach_n": "指导教师 {n}",
    "entries.optional": "（可选）",
    "entries.save_check": "保存并检查资格",
    "entries.submit": "提交报名",
    "entries.resubmit": "重新提交",
    "entries.close": "关闭",
    "entries.eligible": "符合报名条件，可以提交。",
    "entries.not_eligible": "暂不符合报名条件，提交会被拒绝：",
    "entries.saved": "已保存为草稿。",
    "entries.submitted_ok": "报名已提交，等待主办单位审核。",
    "entries.resubmitted_ok": "已重新提交，等待主办单位审核。",
    "entries.remark_here": "退回意见：",
  },
  en: {
    "entries.title": "Entries",
    "entries.new": "New entry",
    "entries.export": "Export entries",
    "entries.filter": "Status",
    "entries.none": "No entries yet.",
    "entries.members": "Competitors",
    "entries.coaches": "Coaches",
    "entries.team": "Team",
    "entries.submitted_at": "Submitted",
    "entries.updated_at": "Updated",
    "entries.remarks": "Returned with remarks",
    "entries.note": "Reviewer's note",
    "entries.declined": "Declined because",
    "entries.withdrawn": "Withdrawn because",
    "entries.edit": "Edit",
    "entries.check_submit": "Check and submit",
    "entries.check_resubmit": "Edit and resubmit",
    "entries.withdraw": "Withdraw",
    "entries.withdraw_title": "Withdraw the entry",
    "entries.withdraw_reason": "Reason (the reviewers see it)",
    "entries.withdrawn_ok": "Withdrawn.",
    "entries.editor_new": "New entry",
    "entries.editor_edit": "Edit entry",
    "entries.competition": "Competition",
    "entries.event": "Event",
    "entries.pick": "— choose —",
    "entries.no_open": "No competition is open for registration.",
    "entries.event_info_team": "Team event: {min}–{max} competitors, up to {coaches} coaches",
    "entries.event_info_single": "Individual event: 1 competitor, up to {coaches} coaches",
    "entries.closes": "Registration closes {at}",
    "entries.quota": "Quota per school: {n}",
    "entries.member_n": "Competitor {n}",
    "entries.coach_n": "Coach {n}",
    "entries.optional": " (optional)",
    "entries.save_check": "Save and check eligibility",
    "entries.submit": "Submit",
    "entries.resubmit": "Resubmit",
    "entries.close": "Close",
    "entries.eligible": "Eligible: ready to submit.",
    "entries.not_eligible": "Not eligible yet; submitting would be refused:",
    "entries.saved": "Saved as a draft.",
    "entries.submitted_ok": "Submitted; the organizers will review it.",
    "entries.resubmitted_ok": "Resubmitted; the organizers will review it.",
    "entries.remark_here": "Remark: ",
  },
});

const STATUSES = ["draft", "submitted", "returned", "resubmitted", "approved", "declined", "withdrawn"];

async function allPeople(schoolId) {
  const out = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api("/api/people", { query: { school_id: schoolId, limit: 500, offset } });
    out.push(...page.items);
    if (out.length >= page.total || !page.items.length) return out;
  }
}

function openRemarks(entry) {
  return entry.remarks.filter((r) => r.kind === "return" && !r.resolved);
}

export function mountEntries(section, school) {
  const notices = el("div", { "aria-live": "polite" });
  const listBox = el("div");
  const editorBox = el("div");
  const statusFilter = el("select", { id: "entries-status" }, el("option", { value: "", i18n: "app.all" }),
    STATUSES.map((s) => el("option", { value: s, i18n: `estatus.${s}` })));
  const newButton = el("button", { type: "button", i18n: "entries.new", onclick: () => openEditor(null) });
  const exportButton = el("button", { type: "button", class: "secondary", i18n: "entries.export" });
  exportButton.addEventListener("click", () => busy(exportButton, async () => {
    try { await download("/api/entries/export", { query: { school_id: school.schoolId, format: "xlsx" }, fallbackName: "entries.xlsx" }); }
    catch (e) { showProblem(notices, e); }
  }));
  let offset = 0, last = null, roster = null;
  statusFilter.addEventListener("change", () => { offset = 0; load(); });

  section.replaceChildren(el("div", { class: "card" },
    el("div", { class: "spread" }, el("h2", { id: "entries-title", i18n: "entries.title" }), el("div", { class: "row" }, newButton, exportButton)),
    el("label", { for: "entries-status" }, el("span", { i18n: "entries.filter" }), statusFilter),
    notices, editorBox, listBox));

  async function load() {
    try {
      last = await api("/api/entries", { query: { school_id: school.schoolId, status: statusFilter.value, limit: 50, offset } });
      render();
    } catch (e) { showProblem(notices, e); }
  }

  function render() {
    if (!last) return;
    if (!last.items.length) { listBox.replaceChildren(el("p", { class: "empty", i18n: "entries.none" })); return; }
    listBox.replaceChildren(el("ul", { class: "records", id: "entry-list" }, last.items.map(record)),
      pager(last, (o) => { offset = o; load(); }));
  }
  onLangChange(render);

  function record(entry) {
    const facts = el("dl", { class: "facts" });
    const fact = (key, value) => { if (value) facts.append(el("dt", { i18n: key }), el("dd", {}, value)); };
    fact("entries.team", entry.team_name);
    fact("entries.members", entry.members.map((m) => m.name).join("、"));
    fact("entries.coaches", entry.coaches.map((m) => m.name).join("、"));
    fact("entries.submitted_at", fmtDateTime(entry.submitted_at));
    fact("entries.updated_at", fmtDateTime(entry.updated_at));
    const node = el("li", { class: "record", "data-entry": entry.id },
      el("div", { class: "record-head" },
        el("span", { class: "record-title", text: `${entry.competition_name} · ${entry.event_name}（${entry.event_code}）` }),
        badge("estatus", entry.status)),
      facts);
    const remarks = openRemarks(entry);
    if (remarks.length) {
      node.append(el("div", { class: "remarks", role: "note" }, el("strong", { i18n: "entries.remarks" }),
        el("ul", {}, remarks.map((r) => el("li", {}, el("span", { class: "remark-field", text: `${fieldLabel(r.field) || t("field.entry")}：` }),
          el("bdi", { text: r.message }), el("span", { class: "muted small", text: ` ${fmtDateTime(r.created_at)}` }))))));
    }
    const note = entry.remarks.filter((r) => r.kind === "approve" && r.message).pop();
    if (note) node.append(el("p", { class: "note" }, `${t("entries.note")}：`, el("bdi", { text: note.message })));
    if (entry.decline_reason) node.append(el("p", { class: "alert" }, `${t("entries.declined")}：`, el("bdi", { text: entry.decline_reason })));
    if (entry.withdraw_reason) node.append(el("p", { class: "note" }, `${t("entries.withdrawn")}：`, el("bdi", { text: entry.withdraw_reason })));
    const actions = el("div", { class: "row" });
    if (entry.actions.includes("edit") || entry.actions.includes("submit")) {
      const key = entry.status === "returned" ? "entries.check_resubmit" : "entries.check_submit";
      actions.append(el("button", { type: "button", i18n: key, onclick: () => openEditor(entry) }));
    }
    if (entry.actions.includes("withdraw")) {
      actions.append(el("button", { type: "button", class: "danger", i18n: "entries.withdraw", onclick: () => withdraw(entry) }));
    }
    node.append(actions);
    return node;
  }

  async function withdraw(entry) {
    const values = await askDialog({ title: t("entries.withdraw_title"), danger: true, ok: "entries.withdraw",
      text: `${entry.event_name} · ${entry.members.map((m) => m.name).join("、")}`,
      fields: [{ name: "reason", label: t("entries.withdraw_reason"), type: "textarea", required: true, minlength: 2 }] });
    if (!values) return;
    try {
      await api(`/api/entries/${entry.id}/withdraw`, { method: "POST", json: { reason: values.reason, version: entry.version } });
      showNotice(notices, t("entries.withdrawn_ok"));
      load();
    } catch (e) { showProblem(notices, e); }
  }

  async function openEditor(entry) {
    showProblem(notices, null);
    try {
      roster = roster && roster.school === school.schoolId ? roster : { school: school.schoolId, people: await allPeople(school.schoolId) };
      const editor = await buildEditor(entry, roster.people, school, {
        close: () => editorBox.replaceChildren(),
        finished: (text) => { editorBox.replaceChildren(); showNotice(notices, text); load(); },
        changed: () => load(),
      });
      editorBox.replaceChildren(editor);
      editor.querySelector("select, input")?.focus();
    } catch (e) { showProblem(notices, e); }
  }

  return { reload: () => { offset = 0; roster = null; editorBox.replaceChildren(); load(); } };
}

function personOption(p) {
  return el("option", { value: p.person_id ?? p.id, text: `${p.name}（${t(`pstatus.${p.status}`)}，${p.resident_id}）` });
}

/** The editor form for a new entry (entry null) or a draft/returned one. */
async function buildEditor(entry, people, school, { close, finished, changed }) {
  const competitions = await api("/api/competitions", { query: { status: "registration_open" } });
  const form = el("form", { class: "stack", id: "entry-form", novalidate: true });
  const out = el("div", { "aria-live": "polite" });
  const eligibilityBox = el("div", { id: "eligibility", "aria-live": "polite" });
  const compSelect = el("select", { id: "entry-competition", name: "competition_id", required: true },
    el("option", { value: "", text: t("entries.pick") }),
    competitions.map((c) => el("option", { value: c.id, text: c.name })));
  const eventSelect = el("select", { id: "entry-event", name: "event_id", required: true });
  const info = el("p", { class: "note", id: "event-info" });
  const slots = el("div", { class: "fields" });
  const team = el("input", { id: "entry-team", name: "team_name", maxlength: 100 });
  const teamLabel = el("label", { for: "entry-team", hidden: true }, el("span", { i18n: "entries.team" }), team);
  const save = el("button", { type: "submit", i18n: "entries.save_check" });
  const submit = el("button", { type: "button", hidden: true, id: "entry-submit",
    i18n: entry?.status === "returned" ? "entries.resubmit" : "entries.submit" });
  let current = entry;
  let events = [];

  if (entry) {
    if (!competitions.some((c) => c.id === entry.competition_id)) {
      compSelect.append(el("option", { value: entry.competition_id, text: entry.competition_name }));
    }
    compSelect.value = String(entry.competition_id);
    compSelect.disabled = true;
  }
  const students = people.filter((p) => p.status !== "teacher");
  const teachers = people.filter((p) => p.status === "teacher");

  async function loadEvents() {
    events = compSelect.value ? await api(`/api/competitions/${compSelect.value}/events`) : [];
    eventSelect.replaceChildren(el("option", { value: "", text: t("entries.pick") }),
      ...events.map((e) => el("option", { value: e.id, text: `${e.name}（${e.code}）` })));
    if (entry) { eventSelect.value = String(entry.event_id); eventSelect.disabled = true; }
    drawSlots();
  }

  function remarkFor(field) {
    const list = (current ? openRemarks(current) : []).filter((r) => r.field === field);
    return list.length ? el("p", { class: "remarks small", role: "note" }, el("strong", { text: t("entries.remark_here") }),
      list.map((r) => r.message).join("；")) : null;
  }

  function slot(kind, i, options, required) {
    const field = `${kind}[${i}].person_id`;
    const select = el("select", { id: `${kind}-${i}`, "data-field": field, name: `${kind}-${i}` },
      el("option", { value: "", text: t("entries.pick") }), options.map(personOption));
    const chosen = current?.[kind]?.[i];
    if (chosen) {
      if (!options.some((p) => p.id === chosen.person_id)) select.append(personOption(chosen));
      select.value = String(chosen.person_id);
    }
    const label = t(kind === "members" ? "entries.member_n" : "entries.coach_n", { n: i + 1 }) + (required ? "" : t("entries.optional"));
    return el("div", {}, el("label", { for: select.id }, el("span", { text: label }), select), remarkFor(field));
  }

  function drawSlots() {
    const ev = events.find((e) => String(e.id) === eventSelect.value);
    slots.replaceChildren();
    info.replaceChildren();
    teamLabel.hidden = !ev?.team;
    if (!ev) return;
    const bits = [ev.team ? t("entries.event_info_team", { min: ev.min_members, max: ev.max_members, coaches: ev.max_coaches })
      : t("entries.event_info_single", { coaches: ev.max_coaches })];
    if (ev.registration_closes) bits.push(t("entries.closes", { at: fmtDateTime(ev.registration_closes, { zone: true }) }));
    if (ev.quota_per_school) bits.push(t("entries.quota", { n: ev.quota_per_school }));
    info.append(bits.join("；"));
    if (ev.eligibility?.notes) info.append(el("br"), ev.eligibility.notes);
    for (let i = 0; i < ev.max_members; i++) slots.append(slot("members", i, students, i < ev.min_members));
    for (let i = 0; i < ev.max_coaches; i++) slots.append(slot("coaches", i, teachers, false));
  }

  compSelect.addEventListener("change", () => loadEvents().catch((e) => showProblem(out, e)));
  eventSelect.addEventListener("change", drawSlots);

  const picked = (kind) => [...form.querySelectorAll(`select[data-field^="${kind}["]`)]
    .map((s) => s.value).filter(Boolean).map((v) => ({ person_id: Number(v) }));

  async function checkEligibility() {
    const report = await api(`/api/entries/${current.id}/eligibility`);
    eligibilityBox.replaceChildren();
    clearMarks(form);
    if (report.eligible) {
      eligibilityBox.append(el("div", { class: "notice", role: "status", text: t("entries.eligible") }));
    } else {
      const fake = { errors: report.problems };
      eligibilityBox.append(el("div", { class: "alert", role: "alert" }, el("p", { class: "alert-title", text: t("entries.not_eligible") }),
        el("ul", {}, report.problems.map((p) => problemLine(p, fake)))));
      markFields(form, fake);
    }
    submit.hidden = false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      showProblem(out, null);
      clearMarks(form);
      const ev = events.find((e) => String(e.id) === eventSelect.value);
      const body = { members: picked("members"), coaches: picked("coaches"), team_name: ev?.team ? (team.value.trim() || null) : null };
      try {
        if (current) {
          current = await api(`/api/entries/${current.id}`, { method: "PATCH", json: { ...body, version: current.version } });
        } else {
          current = await api("/api/entries", { method: "POST", json: { ...body, event_id: Number(eventSelect.value), school_id: school.schoolId } });
          compSelect.disabled = true;
          eventSelect.disabled = true;
          title.textContent = t("entries.editor_edit");
        }
        showNotice(out, t("entries.saved"));
        changed();
        await checkEligibility();
      } catch (e) {
        out.replaceChildren(problemBox(e));
        markFields(form, e);
      }
    });
  });

  submit.addEventListener("click", () => busy(submit, async () => {
    showProblem(out, null);
    const wasReturned = current.status === "returned";
    try {
      current = await api(`/api/entries/${current.id}/submit`, { method: "POST", json: { version: current.version } });
      finished(t(wasReturned ? "entries.resubmitted_ok" : "entries.submitted_ok"));
    } catch (e) {
      out.replaceChildren(problemBox(e));
      markFields(form, e);
    }
  }));

  const title = el("h3", { i18n: entry ? "entries.editor_edit" : "entries.editor_new" });
  const general = current ? openRemarks(current).filter((r) => !/^(members|coaches)\[\d+\]|^team_name$/.test(r.field)) : [];
  form.append(
    el("div", { class: "fields" },
      el("label", { for: "entry-competition" }, el("span", { i18n: "entries.competition" }), compSelect),
      el("label", { for: "entry-event" }, el("span", { i18n: "entries.event" }), eventSelect)),
    info, teamLabel, remarkFor("team_name") || "", slots,
    el("div", { class: "row" }, save, submit,
      el("button", { type: "button", class: "secondary", i18n: "entries.close", onclick: close })),
    out, eligibilityBox);
  if (competitions.length === 0 && !entry) form.prepend(el("p", { class: "warn-box", i18n: "entries.no_open" }));
  if (general.length) {
    form.prepend(el("div", { class: "remarks", role: "note" }, el("strong", { i18n: "entries.remarks" }),
      el("ul", {}, general.map((r) => el("li", {}, `${fieldLabel(r.field) || t("field.entry")}：${r.message}`)))));
  }
  if (entry?.team_name) team.value = entry.team_name;
  await loadEvents();
  if (current) await checkEligibility();
  return el("section", { class: "card", id: "entry-editor", "aria-labelledby": "entry-editor-title" },
    Object.assign(title, { id: "entry-editor-title" }), form);
}
