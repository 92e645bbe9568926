/**
 * School coordinator's page (/school/): the shell (sign-in, school choice, the two tabs) and the
 * students tab — the roster list with search and paging, the Excel roster import with its row errors,
 * and the roster export. The entries tab lives in entries.js.
 */

import { addMessages, api, busy, download, el, grantsOf, onLangChange, pager, showProblem, startPage, t, table, fmtDate } from "/common/common.js";
import { sheetImport } from "/common/sheet-import.js";
import { mountEntries } from "/school/entries.js";
import { mountAppeals } from "/school/appeals.js";

addMessages({
  "zh-CN": {
    "school.title": "院校报名",
    "school.nav.students": "学生名册",
    "school.nav.entries": "竞赛报名",
    "school.nav.appeals": "成绩申诉",
    "school.pick": "学校",
    "school.students": "学生名册",
    "school.search_label": "姓名或身份证号",
    "school.status_label": "身份",
    "school.export_xlsx": "导出 Excel",
    "school.export_csv": "导出 CSV",
    "school.import_title": "导入名册",
    "school.imported": "已导入 {created} 人。",
    "school.col.name": "姓名",
    "school.col.gender": "性别",
    "school.col.id": "身份证号",
    "school.col.birth": "出生日期",
    "school.col.status": "身份",
    "school.col.major": "专业",
    "school.col.years": "入学–毕业",
    "school.none": "名册中还没有人员。",
  },
  en: {
    "school.title": "School registration",
    "school.nav.students": "Students",
    "school.nav.entries": "Entries",
    "school.nav.appeals": "Appeals",
    "school.pick": "School",
    "school.students": "Student roster",
    "school.search_label": "Name or ID number",
    "school.status_label": "Status",
    "school.export_xlsx": "Export Excel",
    "school.export_csv": "Export CSV",
    "school.import_title": "Import a roster",
    "school.imported": "{created} people imported.",
    "school.col.name": "Name",
    "school.col.gender": "Gender",
    "school.col.id": "Resident ID",
    "school.col.birth": "Born",
    "school.col.status": "Status",
    "school.col.major": "Major",
    "school.col.years": "Enrolled–graduated",
    "school.none": "Nobody on the roster yet.",
  },
});

const state = { schoolId: null, schoolName: "", q: "", status: "", offset: 0, limit: 50 };

function mountStudents(section) {
  const listBox = el("div", { "aria-live": "polite" });
  const problems = el("div");
  const q = el("input", { id: "student-q", name: "q", type: "search", autocomplete: "off" });
  const status = el("select", { id: "student-status", name: "status" },
    el("option", { value: "", i18n: "app.all" }),
    ["student", "graduate", "teacher"].map((s) => el("option", { value: s, i18n: `pstatus.${s}` })));
  const search = el("form", { class: "fields three", role: "search" },
    el("label", { for: "student-q" }, el("span", { i18n: "school.search_label" }), q),
    el("label", { for: "student-status" }, el("span", { i18n: "school.status_label" }), status),
    el("div", { class: "row" }, el("button", { type: "submit", i18n: "app.search" })));
  search.addEventListener("submit", (e) => { e.preventDefault(); state.q = q.value.trim(); state.status = status.value; state.offset = 0; load(); });

  const exportButton = (fmt, key) => {
    const b = el("button", { type: "button", class: "secondary", i18n: key });
    b.addEventListener("click", () => busy(b, async () => {
      try {
        await download("/api/people/export", { query: { school_id: state.schoolId, status: state.status, format: fmt },
          fallbackName: `roster.${fmt}` });
      } catch (e) { showProblem(problems, e); }
    }));
    return b;
  };

  async function load() {
    showProblem(problems, null);
    try {
      const page = await api("/api/people", { query: { school_id: state.schoolId, q: state.q, status: state.status,
        limit: state.limit, offset: state.offset } });
      render(page);
    } catch (e) { showProblem(problems, e); }
  }

  let last = null;
  function render(page) {
    last = page;
    if (!page.items.length) { listBox.replaceChildren(el("p", { class: "empty", i18n: "school.none" })); return; }
    listBox.replaceChildren(table([
      { key: "school.col.name", nowrap: true, cell: (p) => p.name },
      { key: "school.col.gender", nowrap: true, cell: (p) => t(`gender.${p.gender}`) },
      { key: "school.col.id", nowrap: true, cell: (p) => el("span", { class: "mono", text: p.resident_id }) },
      { key: "school.col.birth", nowrap: true, cell: (p) => fmtDate(p.birth_date) },
      { key: "school.col.status", nowrap: true, cell: (p) => t(`pstatus.${p.status}`) },
      { key: "school.col.major", cell: (p) => [p.major_code, p.major_name].filter(Boolean).join(" ") },
      { key: "school.col.years", nowrap: true, cell: (p) => (p.enrollment_year || p.graduation_year ? [p.enrollment_year, p.graduation_year].map((y) => y ?? "?").join("–") : "—") },
    ], page.items, { caption: t("school.students") }), pager(page, (offset) => { state.offset = offset; load(); }));
  }
  onLangChange(() => { if (last) render(last); });

  section.replaceChildren(
    el("div", { class: "card" },
      el("div", { class: "spread" }, el("h2", { id: "students-title", i18n: "school.students" }),
        el("div", { class: "row" }, exportButton("xlsx", "school.export_xlsx"), exportButton("csv", "school.export_csv"))),
      search, problems, listBox),
    sheetImport({
      id: "roster-import", title: "school.import_title", templatePath: "/api/people/template",
      templateName: "roster-template.xlsx", uploadPath: "/api/people/import",
      query: () => ({ school_id: state.schoolId }),
      done: (report) => t("school.imported", { created: report.created }),
      onImported: () => load(),
    }));
  return load;
}

function showTab() {
  const tab = ["#entries", "#appeals"].includes(location.hash) ? location.hash.slice(1) : "students";
  for (const name of ["students", "entries", "appeals"]) document.getElementById(name).hidden = tab !== name;
}

async function main() {
  const me = await startPage({
    title: "school.title",
    nav: [["/school/#students", "school.nav.students"], ["/school/#entries", "school.nav.entries"],
      ["/school/#appeals", "school.nav.appeals"]],
    roles: ["school_coordinator"],
  });
  if (!me) return;
  const schools = grantsOf(me, "school_coordinator");
  const picker = document.getElementById("school-picker");
  const reloadStudents = mountStudents(document.getElementById("students"));
  const entries = mountEntries(document.getElementById("entries"), state);
  const appeals = mountAppeals(document.getElementById("appeals"), state);
  const choose = (grant) => {
    state.schoolId = grant.organization_id;
    state.schoolName = grant.organization_name;
    state.offset = 0;
    reloadStudents();
    entries.reload();
    appeals.reload();
  };
  if (schools.length > 1) {
    const select = el("select", { id: "school-select" },
      schools.map((g) => el("option", { value: g.organization_id, text: g.organization_name })));
    select.addEventListener("change", () => choose(schools.find((g) => String(g.organization_id) === select.value)));
    picker.replaceChildren(el("div", { class: "card" }, el("label", { for: "school-select" }, el("span", { i18n: "school.pick" }), select)));
  } else {
    picker.replaceChildren(el("p", { class: "muted", text: schools[0].organization_name }));
  }
  window.addEventListener("hashchange", showTab);
  showTab();
  choose(schools[0]);
}

main();
