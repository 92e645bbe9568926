/**
 * Console: competitions and their events. The list; a competition's page with its facts, lifecycle
 * step (draft → registration_open → registration_closed → running → results_published → archived),
 * edit and delete; its events; the event form with the occupation search, registration window (China
 * time), eligibility rules, and the marking scheme and rules as JSON (pasted or loaded from a file), whose
 * validation problems the API names by path (e.g. scheme.criteria[0].aspects[1].max).
 */

import {
  addMessages, api, askDialog, badge, busy, clearMarks, el, fmtDateTime, fromLocalInput, markFields, problemBox,
  showNotice, showProblem, t, table, toLocalInput,
} from "/common/common.js";
import { authorities, competitions, field, forgetCompetitions, occupationPicker } from "/console/pick.js";

addMessages({
  "zh-CN": {
    "comp.list": "竞赛",
    "comp.new": "新建竞赛",
    "comp.none": "还没有竞赛。",
    "comp.col.name": "名称",
    "comp.col.level": "级别",
    "comp.col.year": "年份",
    "comp.col.status": "阶段",
    "comp.col.events": "赛项",
    "comp.col.organizers": "主办单位",
    "comp.back": "← 全部竞赛",
    "comp.edit": "修改竞赛信息",
    "comp.delete": "删除竞赛",
    "comp.delete_confirm": "删除草稿竞赛“{name}”？此操作不能撤销。",
    "comp.deleted": "竞赛已删除。",
    "comp.next": "进入下一阶段：{status}",
    "comp.next_title": "推进竞赛阶段",
    "comp.next_text": "从“{from}”进入“{to}”。阶段只能逐级前进，不能倒退。",
    "comp.reason": "说明（可选，记入审计日志）",
    "comp.moved": "竞赛已进入“{status}”。",
    "comp.final": "竞赛已处于最后阶段。",
    "comp.parent": "上级竞赛（选拔晋级到）",
    "comp.no_parent": "（无）",
    "comp.review": "报名审核",
    "comp.results": "成绩",
    "comp.public": "公示页面",
    "comp.form_new": "新建竞赛",
    "comp.form_edit": "修改竞赛",
    "comp.f.name": "竞赛名称",
    "comp.f.level": "级别",
    "comp.f.year": "年份",
    "comp.f.edition": "届次（第几届，可选）",
    "comp.f.description": "说明",
    "comp.f.organizers": "主办单位（教育局与人社局可联合主办）",
    "comp.role.host": "主办",
    "comp.role.organizer": "承办",
    "comp.role.co_organizer": "协办",
    "comp.created": "竞赛已创建。",
    "comp.saved": "已保存。",
    "ev.list": "赛项",
    "ev.none": "还没有赛项。",
    "ev.new": "新增赛项",
    "ev.edit": "修改",
    "ev.delete": "删除",
    "ev.delete_confirm": "删除赛项“{name}”？",
    "ev.deleted": "赛项已删除。",
    "ev.col.code": "代码",
    "ev.col.name": "赛项",
    "ev.col.occupation": "职业",
    "ev.col.kind": "形式",
    "ev.col.window": "报名时间",
    "ev.col.results": "成绩",
    "ev.team": "团体 {min}–{max} 人",
    "ev.single": "个人",
    "ev.form_new": "新增赛项",
    "ev.form_edit": "修改赛项",
    "ev.f.code": "赛项代码（如 DG）",
    "ev.f.name": "赛项名称",
    "ev.f.work_type": "工种/职业方向（可选）",
    "ev.f.group": "组别",
    "ev.f.track": "类别",
    "ev.f.team": "团体赛",
    "ev.f.min": "每队最少人数",
    "ev.f.max": "每队最多人数",
    "ev.f.coaches": "指导教师上限",
    "ev.f.quota": "每校名额（空为不限）",
    "ev.f.opens": "报名开始（北京时间）",
    "ev.f.closes": "报名截止（北京时间）",
    "ev.f.eligibility": "报名条件",
    "ev.f.min_age": "最小年龄",
    "ev.f.max_age": "最大年龄",
    "ev.f.age_date": "年龄计算基准日",
    "ev.f.statuses": "允许报名的身份",
    "ev.f.grad_years": "毕业不超过（年）",
    "ev.f.school_types": "学校类型（都不选为不限）",
    "ev.f.no_national": "曾获国家级奖项者不得报名",
    "ev.f.notes": "报名条件说明（学校可见）",
    "ev.f.scheme": "评分标准（jineng.scheme/1，JSON）",
    "ev.f.scheme_file": "从文件载入评分标准（.json）",
    "ev.f.rules": "奖项、晋升与晋级规则（JSON，可选）",
    "ev.f.award_rules": "奖项规则",
    "ev.f.promotion_rules": "晋升规则",
    "ev.f.advancement_rules": "晋级规则",
    "ev.bad_json": "“{field}”不是有效的 JSON：{reason}",
    "ev.created": "赛项已添加。",
    "ev.saved": "赛项已保存。",
    "ev.nothing": "没有修改。",
  },
  en: {
    "comp.list": "Competitions",
    "comp.new": "New competition",
    "comp.none": "No competitions yet.",
    "comp.col.name": "Name",
    "comp.col.level": "Level",
    "comp.col.year": "Year",
    "comp.col.status": "Stage",
    "comp.col.events": "Events",
    "comp.col.organizers": "Organizers",
    "comp.back": "← All competitions",
    "comp.edit": "Edit",
    "comp.delete": "Delete",
    "comp.delete_confirm": "Delete the draft competition “{name}”? This cannot be undone.",
    "comp.deleted": "Competition deleted.",
    "comp.next": "Move on to: {status}",
    "comp.next_title": "Next stage",
    "comp.next_text": "From “{from}” to “{to}”. Stages move forward one at a time.",
    "comp.reason": "Note (optional, goes to the audit log)",
    "comp.moved": "The competition is now “{status}”.",
    "comp.final": "The competition is at its last stage.",
    "comp.parent": "Parent competition (qualifiers advance to)",
    "comp.no_parent": "(none)",
    "comp.review": "Review entries",
    "comp.results": "Results",
    "comp.public": "Public page",
    "comp.form_new": "New competition",
    "comp.form_edit": "Edit competition",
    "comp.f.name": "Name",
    "comp.f.level": "Level",
    "comp.f.year": "Year",
    "comp.f.edition": "Edition (optional)",
    "comp.f.description": "Description",
    "comp.f.organizers": "Organizers (bureaus may organize jointly)",
    "comp.role.host": "host",
    "comp.role.organizer": "organizer",
    "comp.role.co_organizer": "co-organizer",
    "comp.created": "Competition created.",
    "comp.saved": "Saved.",
    "ev.list": "Events",
    "ev.none": "No events yet.",
    "ev.new": "Add an event",
    "ev.edit": "Edit",
    "ev.delete": "Delete",
    "ev.delete_confirm": "Delete the event “{name}”?",
    "ev.deleted": "Event deleted.",
    "ev.col.code": "Code",
    "ev.col.name": "Event",
    "ev.col.occupation": "Occupation",
    "ev.col.kind": "Format",
    "ev.col.window": "Registration",
    "ev.col.results": "Results",
    "ev.team": "team of {min}–{max}",
    "ev.single": "individual",
    "ev.form_new": "Add an event",
    "ev.form_edit": "Edit event",
    "ev.f.code": "Code (e.g. DG)",
    "ev.f.name": "Name",
    "ev.f.work_type": "Work type (optional)",
    "ev.f.group": "Group",
    "ev.f.track": "Track",
    "ev.f.team": "Team event",
    "ev.f.min": "Min. members",
    "ev.f.max": "Max. members",
    "ev.f.coaches": "Max. coaches",
    "ev.f.quota": "Quota per school (empty: none)",
    "ev.f.opens": "Registration opens (China time)",
    "ev.f.closes": "Registration closes (China time)",
    "ev.f.eligibility": "Eligibility",
    "ev.f.min_age": "Min. age",
    "ev.f.max_age": "Max. age",
    "ev.f.age_date": "Age on",
    "ev.f.statuses": "Who may enter",
    "ev.f.grad_years": "Graduated within (years)",
    "ev.f.school_types": "School types (none ticked: all)",
    "ev.f.no_national": "Exclude prior national winners",
    "ev.f.notes": "Notes for schools",
    "ev.f.scheme": "Marking scheme (jineng.scheme/1, JSON)",
    "ev.f.scheme_file": "Load the scheme from a file (.json)",
    "ev.f.rules": "Award, promotion and advancement rules (JSON, optional)",
    "ev.f.award_rules": "Award rules",
    "ev.f.promotion_rules": "Promotion rules",
    "ev.f.advancement_rules": "Advancement rules",
    "ev.bad_json": "“{field}” is not valid JSON: {reason}",
    "ev.created": "Event added.",
    "ev.saved": "Event saved.",
    "ev.nothing": "Nothing changed.",
  },
});

const LEVELS = ["school", "county", "city", "province", "national"];

// --- the list ------------------------------------------------------------------------------------

export async function competitionsView({ me, view }) {
  const out = el("div");
  const formBox = el("div");
  const list = await competitions(true);
  const newButton = el("button", { type: "button", i18n: "comp.new",
    onclick: async () => formBox.replaceChildren(await competitionForm(me, null, (c) => { location.hash = `#competition/${c.id}`; })) });
  view.replaceChildren(el("section", { class: "card", "aria-labelledby": "comp-title" },
    el("div", { class: "spread" }, el("h2", { id: "comp-title", i18n: "comp.list" }), newButton),
    out, formBox,
    list.length ? table([
      { key: "comp.col.name", cell: (c) => el("a", { href: `#competition/${c.id}`, text: c.name }) },
      { key: "comp.col.level", cell: (c) => t(`level.${c.level}`) },
      { key: "comp.col.year", cell: (c) => String(c.year) },
      { key: "comp.col.status", cell: (c) => badge("cstatus", c.status) },
      { key: "comp.col.events", cell: (c) => String(c.event_count), num: true },
      { key: "comp.col.organizers", cell: (c) => c.organizers.map((o) => o.name).join("、") },
    ], list, { caption: t("comp.list") }) : el("p", { class: "empty", i18n: "comp.none" })));
}

// --- one competition -----------------------------------------------------------------------------

export async function competitionView(ctx, id) {
  const { me, view } = ctx;
  const out = el("div", { "aria-live": "polite" });
  const formBox = el("div");
  let c;
  try { c = await api(`/api/competitions/${id}`); } catch (e) { view.replaceChildren(problemBox(e)); return; }
  // where each event's results stand comes from the results domain (GET …/results), not the event
  const [events, resultsOf] = await Promise.all([api(`/api/competitions/${id}/events`),
    api(`/api/competitions/${id}/results`).then((rows) => new Map(rows.map((r) => [r.event_id, r.status])), () => new Map())]);
  const reload = () => competitionView(ctx, id);

  const facts = el("dl", { class: "facts" },
    el("dt", { i18n: "comp.col.level" }), el("dd", { text: t(`level.${c.level}`) }),
    el("dt", { i18n: "comp.col.year" }), el("dd", { text: `${c.year}${c.edition ? ` · 第${c.edition}届` : ""}` }),
    el("dt", { i18n: "comp.col.status" }), el("dd", {}, badge("cstatus", c.status)),
    el("dt", { i18n: "comp.col.organizers" }), el("dd", { text: c.organizers.map((o) => `${o.name}（${t(`comp.role.${o.role}`)}）`).join("、") }),
    el("dt", { i18n: "comp.parent" }), el("dd", { text: c.parent_name || t("comp.no_parent") }));

  const actions = el("div", { class: "row" });
  if (c.next_status) {
    const next = el("button", { type: "button", id: "comp-next", text: t("comp.next", { status: t(`cstatus.${c.next_status}`) }) });
    next.addEventListener("click", async () => {
      const values = await askDialog({ title: t("comp.next_title"),
        text: t("comp.next_text", { from: t(`cstatus.${c.status}`), to: t(`cstatus.${c.next_status}`) }),
        fields: [{ name: "reason", label: t("comp.reason"), type: "textarea" }] });
      if (!values) return;
      await busy(next, async () => {
        try {
          const moved = await api(`/api/competitions/${id}/transitions`, { method: "POST", json: { to: c.next_status, reason: values.reason || "" } });
          forgetCompetitions();
          await reload();
          showNotice(view.querySelector("#comp-out"), t("comp.moved", { status: t(`cstatus.${moved.status}`) }));
        } catch (e) { showProblem(out, e); }
      });
    });
    actions.append(next);
  } else actions.append(el("span", { class: "muted", i18n: "comp.final" }));
  actions.append(el("button", { type: "button", class: "secondary", i18n: "comp.edit",
    onclick: async () => formBox.replaceChildren(await competitionForm(me, c, () => { forgetCompetitions(); reload(); })) }));
  if (c.status === "draft") {
    const del = el("button", { type: "button", class: "danger", i18n: "comp.delete" });
    del.addEventListener("click", async () => {
      if (!(await askDialog({ title: t("comp.delete"), text: t("comp.delete_confirm", { name: c.name }), danger: true, ok: "app.delete" }))) return;
      try {
        await api(`/api/competitions/${id}`, { method: "DELETE" });
        forgetCompetitions();
        location.hash = "#competitions";
      } catch (e) { showProblem(out, e); }
    });
    actions.append(del);
  }
  const links = el("p", { class: "row links" },
    el("a", { href: `#review/competition_id=${id}`, i18n: "comp.review" }),
    el("a", { href: `#results/competition_id=${id}`, i18n: "comp.results" }),
    el("a", { href: `/results/?competition=${id}`, i18n: "comp.public" }));

  const eventsBox = el("div");
  const eventForm = el("div");
  const drawEvents = () => eventsBox.replaceChildren(events.length ? table([
    { key: "ev.col.code", cell: (e) => el("span", { class: "mono", text: e.code }) },
    { key: "ev.col.name", cell: (e) => e.name },
    { key: "ev.col.occupation", cell: (e) => (e.occupation ? `${e.occupation.code} ${e.occupation.name}` : "—") },
    { key: "ev.col.kind", cell: (e) => (e.team ? t("ev.team", { min: e.min_members, max: e.max_members }) : t("ev.single")) },
    { key: "ev.col.window", cell: (e) => [fmtDateTime(e.registration_opens), fmtDateTime(e.registration_closes)].filter(Boolean).join(" – ") || "—" },
    { key: "ev.col.results", cell: (e) => { const status = resultsOf.get(e.id);
      return status ? el("span", { "data-results": status, text: t(`rstatus.${status}`) }) : "—"; } },
    { key: "app.edit", cell: (e) => el("div", { class: "row" },
      el("button", { type: "button", class: "secondary", i18n: "ev.edit",
        onclick: () => { eventForm.replaceChildren(eventEditor(c, e, reload)); eventForm.scrollIntoView(); } }),
      el("button", { type: "button", class: "danger", i18n: "ev.delete", onclick: async () => {
        if (!(await askDialog({ title: t("ev.delete"), text: t("ev.delete_confirm", { name: e.name }), danger: true, ok: "app.delete" }))) return;
        try { await api(`/api/competitions/${id}/events/${e.id}`, { method: "DELETE" }); await reload(); } catch (err) { showProblem(out, err); }
      } })) },
  ], events, { caption: t("ev.list") }) : el("p", { class: "empty", i18n: "ev.none" }));
  drawEvents();

  view.replaceChildren(
    el("p", {}, el("a", { href: "#competitions", i18n: "comp.back" })),
    el("section", { class: "card", "aria-labelledby": "c-title" },
      el("h2", { id: "c-title", text: c.name }), c.description ? el("p", { class: "note", text: c.description }) : null,
      facts, actions, el("div", { id: "comp-out" }), out, links, formBox),
    el("section", { class: "card", "aria-labelledby": "ev-title" },
      el("div", { class: "spread" }, el("h2", { id: "ev-title", i18n: "ev.list" }),
        el("button", { type: "button", id: "event-new", i18n: "ev.new", onclick: () => eventForm.replaceChildren(eventEditor(c, null, reload)) })),
      eventsBox, eventForm));
}

// --- the competition form --------------------------------------------------------------------------

async function competitionForm(me, c, done) {
  const all = await competitions();
  const orgs = await authorities(me);
  const out = el("div", { "aria-live": "polite" });
  const name = el("input", { id: "cf-name", name: "name", required: true, maxlength: 200, value: c?.name ?? "" });
  const level = el("select", { id: "cf-level", name: "level", disabled: Boolean(c) },
    LEVELS.map((l) => el("option", { value: l, i18n: `level.${l}` })));
  level.value = c?.level ?? "city";
  const year = el("input", { id: "cf-year", name: "year", type: "number", min: 2000, max: 2100, required: true,
    value: c?.year ?? new Date().getFullYear() });
  const edition = el("input", { id: "cf-edition", name: "edition", type: "number", min: 1, value: c?.edition ?? "" });
  const parent = el("select", { id: "cf-parent", name: "parent_id" });
  const fillParents = () => {
    const rank = LEVELS.indexOf(level.value);
    parent.replaceChildren(el("option", { value: "", text: t("comp.no_parent") }),
      ...all.filter((p) => LEVELS.indexOf(p.level) > rank && p.id !== c?.id).map((p) => el("option", { value: p.id, text: p.name })));
    if (c?.parent_id) parent.value = String(c.parent_id);
  };
  level.addEventListener("change", fillParents);
  fillParents();
  const description = el("textarea", { id: "cf-description", name: "description", maxlength: 4000 });
  description.value = c?.description ?? "";
  const current = new Map((c?.organizers || []).map((o) => [o.organization_id, o.role]));
  if (!c && orgs[0]) current.set(orgs[0].id, "host");
  const orgRows = orgs.map((o) => {
    const box = el("input", { type: "checkbox", id: `cf-org-${o.id}`, value: o.id, checked: current.has(o.id) });
    const role = el("select", { id: `cf-role-${o.id}`, "aria-label": `${o.name} ${t("comp.f.organizers")}` },
      ["host", "organizer", "co_organizer"].map((r) => el("option", { value: r, i18n: `comp.role.${r}` })));
    role.value = current.get(o.id) || "host";
    return { o, box, role, node: el("div", { class: "row org-row" }, el("label", { class: "check", for: box.id }, box, o.name), role) };
  });
  const save = el("button", { type: "submit", i18n: "app.save" });
  const form = el("form", { class: "stack", id: "competition-form", novalidate: true },
    el("h3", { i18n: c ? "comp.form_edit" : "comp.form_new" }),
    el("div", { class: "fields" }, field(name, "comp.f.name", { wide: true }), field(level, "comp.f.level"), field(year, "comp.f.year"),
      field(edition, "comp.f.edition"), field(parent, "comp.parent"), field(description, "comp.f.description", { wide: true })),
    el("fieldset", { "data-field": "organizers", name: "organizers" }, el("legend", { i18n: "comp.f.organizers" }), orgRows.map((r) => r.node)),
    el("div", { class: "row" }, save, el("button", { type: "button", class: "secondary", i18n: "app.cancel", onclick: () => form.remove() })), out);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      clearMarks(form);
      showProblem(out, null);
      const body = {
        name: name.value.trim(), year: Number(year.value), edition: edition.value ? Number(edition.value) : null,
        parent_id: parent.value ? Number(parent.value) : null, description: description.value,
        organizers: orgRows.filter((r) => r.box.checked).map((r) => ({ organization_id: r.o.id, role: r.role.value })),
      };
      try {
        const saved = c ? await api(`/api/competitions/${c.id}`, { method: "PATCH", json: body })
          : await api("/api/competitions", { method: "POST", json: { ...body, level: level.value } });
        forgetCompetitions();
        done(saved);
      } catch (e) { out.replaceChildren(problemBox(e)); markFields(form, e); }
    });
  });
  return form;
}

// --- the event form ----------------------------------------------------------------------------------

function jsonBox(id, name, value, rows = 8) {
  const box = el("textarea", { id, name, class: "code", rows, spellcheck: "false" });
  box.value = value ? JSON.stringify(value, null, 2) : "";
  return box;
}

function parseJson(box, labelKey) {
  const text = box.value.trim();
  if (!text) return null;
  try { return JSON.parse(text); } catch (e) {
    const err = new Error(t("ev.bad_json", { field: t(labelKey), reason: e.message }));
    err.box = box;
    throw err;
  }
}

function eventEditor(c, e, reload) {
  const out = el("div", { "aria-live": "polite" });
  const input = (id, name, attrs = {}) => el("input", { id, name, ...attrs });
  const code = input("ef-code", "code", { required: true, maxlength: 20, value: e?.code ?? "" });
  const name = input("ef-name", "name", { required: true, maxlength: 200, value: e?.name ?? "" });
  const occupation = occupationPicker("ef-occupation", e?.occupation ?? null);
  const workType = input("ef-work-type", "work_type", { maxlength: 100, value: e?.work_type ?? "" });
  const group = el("select", { id: "ef-group", name: "group" }, ["student", "worker"].map((g) => el("option", { value: g, i18n: `group.${g}` })));
  group.value = e?.group ?? "student";
  const track = el("select", { id: "ef-track", name: "track" }, ["open", "secondary", "higher", "technical"].map((g) => el("option", { value: g, i18n: `track.${g}` })));
  track.value = e?.track ?? "open";
  const team = el("input", { type: "checkbox", id: "ef-team", name: "team", checked: Boolean(e?.team) });
  const min = input("ef-min", "min_members", { type: "number", min: 1, max: 10, value: e?.min_members ?? 1 });
  const max = input("ef-max", "max_members", { type: "number", min: 1, max: 10, value: e?.max_members ?? 1 });
  const coaches = input("ef-coaches", "max_coaches", { type: "number", min: 0, max: 5, value: e?.max_coaches ?? 2 });
  const quota = input("ef-quota", "quota_per_school", { type: "number", min: 1, value: e?.quota_per_school ?? "" });
  const opens = input("ef-opens", "registration_opens", { type: "datetime-local", value: toLocalInput(e?.registration_opens) });
  const closes = input("ef-closes", "registration_closes", { type: "datetime-local", value: toLocalInput(e?.registration_closes) });
  team.addEventListener("change", () => {
    if (team.checked && Number(max.value) < 2) { min.value = 2; max.value = 3; }
    if (!team.checked) { min.value = 1; max.value = 1; }
  });

  const rules = e?.eligibility || {};
  const minAge = input("ef-min-age", "eligibility.min_age", { type: "number", min: 10, max: 80, value: rules.min_age ?? "" });
  const maxAge = input("ef-max-age", "eligibility.max_age", { type: "number", min: 10, max: 80, value: rules.max_age ?? "" });
  const ageDate = input("ef-age-date", "eligibility.age_reference_date", { type: "date", value: rules.age_reference_date ?? "" });
  const gradYears = input("ef-grad-years", "eligibility.graduated_within_years", { type: "number", min: 0, max: 10, value: rules.graduated_within_years ?? "" });
  const statusBoxes = ["student", "graduate"].map((s) => el("input", { type: "checkbox", id: `ef-st-${s}`, value: s,
    checked: (rules.person_statuses ?? ["student", "graduate"]).includes(s) }));
  const typeBoxes = ["vocational", "technical"].map((s) => el("input", { type: "checkbox", id: `ef-type-${s}`, value: s,
    checked: (rules.school_types ?? []).includes(s) }));
  const noNational = el("input", { type: "checkbox", id: "ef-no-national", checked: Boolean(rules.exclude_prior_national_winners) });
  const notes = el("textarea", { id: "ef-notes", name: "eligibility.notes", maxlength: 1000 });
  notes.value = rules.notes ?? "";

  const scheme = jsonBox("ef-scheme", "scheme", e?.scheme, 12);
  const schemeFile = el("input", { type: "file", id: "ef-scheme-file", accept: ".json,application/json" });
  schemeFile.addEventListener("change", async () => {
    const file = schemeFile.files[0];
    if (file) scheme.value = await file.text();
  });
  const awardRules = jsonBox("ef-award", "award_rules", e?.award_rules, 6);
  const promotionRules = jsonBox("ef-promotion", "promotion_rules", e?.promotion_rules, 6);
  const advancementRules = jsonBox("ef-advancement", "advancement_rules", e?.advancement_rules, 6);

  const save = el("button", { type: "submit", i18n: "app.save" });
  const form = el("form", { class: "stack card", id: "event-form", novalidate: true },
    el("h3", { i18n: e ? "ev.form_edit" : "ev.form_new" }),
    el("div", { class: "fields" },
      field(code, "ev.f.code"), field(name, "ev.f.name"), occupation.node, field(workType, "ev.f.work_type"),
      field(group, "ev.f.group"), field(track, "ev.f.track"),
      el("label", { class: "check", for: "ef-team" }, team, el("span", { i18n: "ev.f.team" })), field(quota, "ev.f.quota"),
      field(min, "ev.f.min"), field(max, "ev.f.max"), field(coaches, "ev.f.coaches"),
      field(opens, "ev.f.opens"), field(closes, "ev.f.closes")),
    el("fieldset", {}, el("legend", { i18n: "ev.f.eligibility" }),
      el("div", { class: "fields" }, field(minAge, "ev.f.min_age"), field(maxAge, "ev.f.max_age"), field(ageDate, "ev.f.age_date"),
        field(gradYears, "ev.f.grad_years")),
      el("div", { class: "row", role: "group", "data-field": "eligibility.person_statuses" }, el("span", { class: "label", i18n: "ev.f.statuses" }),
        statusBoxes.map((b) => el("label", { class: "check", for: b.id }, b, el("span", { i18n: `pstatus.${b.value}` })))),
      el("div", { class: "row", role: "group", "data-field": "eligibility.school_types" }, el("span", { class: "label", i18n: "ev.f.school_types" }),
        typeBoxes.map((b) => el("label", { class: "check", for: b.id }, b, el("span", { i18n: `schooltype.${b.value}` })))),
      el("label", { class: "check", for: noNational.id }, noNational, el("span", { i18n: "ev.f.no_national" })),
      field(notes, "ev.f.notes")),
    field(scheme, "ev.f.scheme"), field(schemeFile, "ev.f.scheme_file"),
    el("details", {}, el("summary", { i18n: "ev.f.rules" }),
      field(awardRules, "ev.f.award_rules"), field(promotionRules, "ev.f.promotion_rules"), field(advancementRules, "ev.f.advancement_rules")),
    el("div", { class: "row" }, save, el("button", { type: "button", class: "secondary", i18n: "app.cancel", onclick: () => form.remove() })),
    out);

  const num = (node) => (node.value === "" ? null : Number(node.value));
  function body() {
    const eligibility = {
      min_age: num(minAge), max_age: num(maxAge), age_reference_date: ageDate.value || null,
      person_statuses: statusBoxes.filter((b) => b.checked).map((b) => b.value),
      graduated_within_years: num(gradYears),
      school_types: typeBoxes.some((b) => b.checked) ? typeBoxes.filter((b) => b.checked).map((b) => b.value) : null,
      exclude_prior_national_winners: noNational.checked, notes: notes.value,
    };
    const occ = occupation.get();
    return {
      code: code.value.trim(), name: name.value.trim(), occupation_id: occ ? occ.id : undefined, work_type: workType.value.trim(),
      group: group.value, track: track.value, team: team.checked, min_members: num(min), max_members: num(max),
      max_coaches: num(coaches), quota_per_school: num(quota),
      registration_opens: fromLocalInput(opens.value), registration_closes: fromLocalInput(closes.value),
      eligibility, scheme: parseJson(scheme, "ev.f.scheme"), award_rules: parseJson(awardRules, "ev.f.award_rules"),
      promotion_rules: parseJson(promotionRules, "ev.f.promotion_rules"), advancement_rules: parseJson(advancementRules, "ev.f.advancement_rules"),
    };
  }

  /** Only what changed (a frozen field sent unchanged must not be refused). */
  function changes(full) {
    const before = { ...e, occupation_id: e.occupation?.id };
    const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const out = {};
    for (const [k, v] of Object.entries(full)) {
      if (v === undefined) continue;
      if (k === "registration_opens" || k === "registration_closes") {
        if (toLocalInput(v) !== toLocalInput(before[k])) out[k] = v;
      } else if (k === "eligibility") {
        const old = { person_statuses: ["student", "graduate"], exclude_prior_national_winners: false, notes: "", ...(before.eligibility || {}) };
        if (!Object.keys(v).every((key) => same(v[key], old[key]))) out[k] = v;
      } else if (!same(v, before[k])) out[k] = v;
    }
    return out;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(save, async () => {
      clearMarks(form);
      showProblem(out, null);
      let full;
      try { full = body(); } catch (err) {
        out.replaceChildren(el("div", { class: "alert", role: "alert", text: err.message }));
        err.box?.setAttribute("aria-invalid", "true");
        err.box?.focus();
        return;
      }
      try {
        if (e) {
          const patch = changes(full);
          if (!Object.keys(patch).length) { showNotice(out, t("ev.nothing")); return; }
          await api(`/api/competitions/${c.id}/events/${e.id}`, { method: "PATCH", json: patch });
        } else {
          await api(`/api/competitions/${c.id}/events`, { method: "POST", json: full });
        }
        await reload();
      } catch (err) {
        out.replaceChildren(problemBox(err));
        markFields(form, err);
        out.scrollIntoView({ block: "nearest" });
      }
    });
  });
  return form;
}
