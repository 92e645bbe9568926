/**
 * Console: certificate issuance. One 职业技能等级证书 for a person on record; a batch from a spreadsheet
 * of assessment passes (template, dry run with row errors, then issue); award certificates (and the
 * skill-level promotions they give) from an event's published results. Each batch shows its progress
 * while the server signs and numbers, then its certificates, promotions and skipped rows, and the batch
 * download (one PDF per certificate, in a ZIP). The list below finds certificates and changes their
 * status (revoke, suspend, reinstate) with a reason.
 */

import {
  addMessages, api, askDialog, badge, busy, download, el, fmtDate, markFields, clearMarks, pager, problemBox, showNotice,
  showProblem, t, table, todayChina,
} from "/common/common.js";
import { sheetImport } from "/common/sheet-import.js";
import { authorities, competitionSelect, field, fillEvents, occupationPicker } from "/console/pick.js";

addMessages({
  "zh-CN": {
    "cert.title": "证书签发",
    "cert.single": "签发单张职业技能等级证书",
    "cert.sheet": "按认定合格名单批量签发（Excel）",
    "cert.results": "按竞赛成绩签发获奖证书",
    "cert.list": "已签发的证书",
    "cert.person": "持证人（在名册中搜索姓名或身份证号）",
    "cert.person_pick": "选择",
    "cert.person_none": "没有找到。",
    "cert.person_chosen": "已选：{name}（{school}）",
    "cert.level": "职业技能等级",
    "cert.work_type": "工种/职业方向（可选）",
    "cert.issuer": "发证机构（评价机构）",
    "cert.issued_on": "发证日期",
    "cert.assessed_on": "认定日期（可选）",
    "cert.issue": "签发",
    "cert.issued": "已签发证书 {number}。",
    "cert.working": "正在签发，请稍候…（已用 {s} 秒）",
    "cert.zipping": "正在生成 PDF 压缩包…（已用 {s} 秒）",
    "cert.batch": "批次 #{id}：{n} 张证书",
    "cert.zip": "下载本批全部 PDF（ZIP）",
    "cert.promotions": "晋升",
    "cert.skipped": "未签发",
    "cert.sheet_done": "已签发 {n} 张证书。",
    "cert.sheet_go": "签发 {rows} 张证书",
    "cert.from_results": "签发获奖证书",
    "cert.search": "证书编号、姓名",
    "cert.kind": "类别",
    "cert.status": "状态",
    "cert.col.number": "证书编号",
    "cert.col.name": "姓名",
    "cert.col.what": "职业 / 赛项",
    "cert.col.level": "等级 / 奖项",
    "cert.col.issuer": "发证机构",
    "cert.col.date": "发证日期",
    "cert.col.status": "状态",
    "cert.col.actions": "操作",
    "cert.pdf": "PDF",
    "cert.revoke": "撤销",
    "cert.suspend": "暂停",
    "cert.reinstate": "恢复",
    "cert.reason": "原因（验证页面会显示）",
    "cert.changed": "证书 {number} 现为“{status}”。",
    "cert.none": "没有符合条件的证书。",
  },
  en: {
    "cert.title": "Certificates",
    "cert.single": "Issue one skill-level certificate",
    "cert.sheet": "Issue from an assessment-pass spreadsheet (Excel)",
    "cert.results": "Issue award certificates from results",
    "cert.list": "Issued certificates",
    "cert.person": "Holder (search the roster by name or ID)",
    "cert.person_pick": "Choose",
    "cert.person_none": "Nobody found.",
    "cert.person_chosen": "Chosen: {name} ({school})",
    "cert.level": "Skill level",
    "cert.work_type": "Work type (optional)",
    "cert.issuer": "Issuer (assessment body)",
    "cert.issued_on": "Issue date",
    "cert.assessed_on": "Assessment date (optional)",
    "cert.issue": "Issue",
    "cert.issued": "Certificate {number} issued.",
    "cert.working": "Issuing… ({s} s)",
    "cert.zipping": "Rendering the PDFs… ({s} s)",
    "cert.batch": "Batch #{id}: {n} certificates",
    "cert.zip": "Download all PDFs of the batch (ZIP)",
    "cert.promotions": "Promotions",
    "cert.skipped": "Not issued",
    "cert.sheet_done": "{n} certificates issued.",
    "cert.sheet_go": "Issue {rows} certificates",
    "cert.from_results": "Issue award certificates",
    "cert.search": "Number or name",
    "cert.kind": "Kind",
    "cert.status": "Status",
    "cert.col.number": "Number",
    "cert.col.name": "Name",
    "cert.col.what": "Occupation / event",
    "cert.col.level": "Level / award",
    "cert.col.issuer": "Issuer",
    "cert.col.date": "Issued",
    "cert.col.status": "Status",
    "cert.col.actions": "Actions",
    "cert.pdf": "PDF",
    "cert.revoke": "Revoke",
    "cert.suspend": "Suspend",
    "cert.reinstate": "Reinstate",
    "cert.reason": "Reason (shown on the verify page)",
    "cert.changed": "Certificate {number} is now “{status}”.",
    "cert.none": "No certificates match.",
  },
});

const LEVEL_NAMES = { 1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工" };

/** Run a long request with a visible progress bar and elapsed seconds. */
async function withProgress(box, key, action) {
  const started = Date.now();
  const label = el("span", { text: t(key, { s: 0 }) });
  const bar = el("progress", { class: "progress", "aria-label": t(key, { s: 0 }) });
  box.replaceChildren(el("div", { class: "notice", role: "status" }, label, bar));
  const timer = setInterval(() => { label.textContent = t(key, { s: Math.round((Date.now() - started) / 1000) }); }, 1000);
  try { return await action(); } finally { clearInterval(timer); }
}

function batchCard(batch, box) {
  const zipBox = el("div", { "aria-live": "polite" });
  const zip = el("button", { type: "button", id: `batch-${batch.id}-zip`, i18n: "cert.zip" });
  zip.addEventListener("click", () => busy(zip, async () => {
    try {
      await withProgress(zipBox, "cert.zipping", () => download(`/api/certificates/batches/${batch.id}/zip`, { fallbackName: `batch-${batch.id}.zip` }));
      zipBox.replaceChildren();
    } catch (e) { showProblem(zipBox, e); }
  }));
  const certs = batch.certificates || [];
  const card = el("section", { class: "card batch", "data-batch": batch.id },
    el("h3", { text: t("cert.batch", { id: batch.id, n: batch.certificate_count }) }),
    certs.length ? table([
      { key: "cert.col.number", cell: (c) => el("span", { class: "mono", text: c.number }) },
      { key: "cert.col.name", cell: (c) => c.name },
      { key: "cert.col.level", cell: (c) => c.level_name },
    ], certs.slice(0, 50)) : null);
  if (batch.promotions?.length) {
    card.append(el("h4", { i18n: "cert.promotions" }), el("ul", {}, batch.promotions.map((p) =>
      el("li", { text: `${p.name}：${p.status}${p.certificate_number ? ` ${p.certificate_number}` : ""}${p.reason ? `（${p.reason}）` : ""}` }))));
  }
  if (batch.skipped?.length) {
    card.append(el("h4", { i18n: "cert.skipped" }), el("ul", {}, batch.skipped.map((s) =>
      el("li", { text: `#${s.entry_id ?? s.person_id ?? ""} ${t(`code.${s.code}`) === `code.${s.code}` ? s.message : t(`code.${s.code}`)}` }))));
  }
  if (batch.id && batch.certificate_count) card.append(el("div", { class: "row" }, zip), zipBox);
  box.replaceChildren(card);
}

function issuerSelect(id, orgs) {
  return el("select", { id, name: "issuer_id" }, orgs.map((o) => el("option", { value: o.id, text: o.name })));
}

function personPicker(id) {
  let chosen = null;
  const input = el("input", { id, type: "search", autocomplete: "off", name: "person_id", "data-field": "person_id" });
  const options = el("ul", { class: "options", hidden: true });
  const status = el("p", { class: "note", "aria-live": "polite" });
  let timer = null;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 1) { options.hidden = true; return; }
    timer = setTimeout(async () => {
      let found = [];
      try { found = (await api("/api/people", { query: { q, limit: 10 } })).items; } catch { found = []; }
      options.replaceChildren(...(found.length ? found.map((p) => el("li", {}, el("button", { type: "button", class: "link",
        text: `${p.name} ${p.resident_id} ${p.school_name}`,
        onclick: () => { chosen = p; options.hidden = true; input.value = p.name; status.textContent = t("cert.person_chosen", { name: p.name, school: p.school_name }); } })))
        : [el("li", { text: t("cert.person_none") })]));
      options.hidden = false;
    }, 250);
  });
  return { node: el("div", { class: "wide" }, field(input, "cert.person"), options, status), get: () => chosen };
}

function singleForm(orgs) {
  const out = el("div", { "aria-live": "polite" });
  const person = personPicker("cs-person");
  const occupation = occupationPicker("cs-occupation");
  const workType = el("input", { id: "cs-work-type", name: "work_type", maxlength: 100 });
  const level = el("select", { id: "cs-level", name: "level" }, Object.entries(LEVEL_NAMES).map(([v, l]) => el("option", { value: v, text: l })));
  level.value = "3";
  const issuer = issuerSelect("cs-issuer", orgs);
  const issuedOn = el("input", { id: "cs-issued-on", name: "issued_on", type: "date", value: todayChina() });
  const assessedOn = el("input", { id: "cs-assessed-on", name: "assessed_on", type: "date" });
  const go = el("button", { type: "submit", i18n: "cert.issue" });
  const form = el("form", { class: "stack", id: "cert-single", novalidate: true },
    el("div", { class: "fields" }, person.node, occupation.node, field(workType, "cert.work_type"), field(level, "cert.level"),
      field(issuer, "cert.issuer"), field(issuedOn, "cert.issued_on"), field(assessedOn, "cert.assessed_on")),
    el("div", {}, go), out);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    busy(go, async () => {
      clearMarks(form);
      const p = person.get();
      const occ = occupation.get();
      const body = { person_id: p?.id ?? null, name: p?.name ?? "", occupation_code: occ?.code ?? "", work_type: workType.value.trim() || occ?.work_type || "",
        level: Number(level.value), issuer_id: Number(issuer.value), issued_on: issuedOn.value || null, assessed_on: assessedOn.value || null };
      try {
        const cert = await withProgress(out, "cert.working", () => api("/api/certificates/skill-level", { method: "POST", json: body }));
        showNotice(out, t("cert.issued", { number: cert.number }));
      } catch (e) { out.replaceChildren(problemBox(e)); markFields(form, e); }
    });
  });
  return form;
}

function spreadsheetPanel(orgs) {
  const issuer = issuerSelect("cx-issuer", orgs);
  const issuedOn = el("input", { id: "cx-issued-on", type: "date", value: todayChina() });
  const batchBox = el("div");
  return el("div", {},
    el("div", { class: "fields" }, field(issuer, "cert.issuer"), field(issuedOn, "cert.issued_on")),
    sheetImport({ id: "passes-import", title: "cert.sheet", templatePath: "/api/certificates/batches/passes-template",
      templateName: "passes-template.xlsx", uploadPath: "/api/certificates/batches/spreadsheet", go: "cert.sheet_go",
      query: () => ({ issuer_id: issuer.value, issued_on: issuedOn.value }),
      done: (batch) => t("cert.sheet_done", { n: batch.certificate_count }),
      onImported: (batch) => batchCard(batch, batchBox) }),
    batchBox);
}

async function resultsPanel(orgs) {
  const out = el("div", { "aria-live": "polite" });
  const batchBox = el("div");
  const comp = await competitionSelect("cr-competition", { prefer: ["results_published", "archived"] });
  const event = el("select", { id: "cr-event", name: "event_id" });
  const issuer = issuerSelect("cr-issuer", orgs);
  const issuedOn = el("input", { id: "cr-issued-on", type: "date", value: todayChina() });
  const go = el("button", { type: "button", id: "cr-go", i18n: "cert.from_results" });
  comp.addEventListener("change", () => fillEvents(event, comp.value));
  await fillEvents(event, comp.value);
  go.addEventListener("click", () => busy(go, async () => {
    batchBox.replaceChildren();
    try {
      const batch = await withProgress(out, "cert.working", () => api("/api/certificates/batches/results", { method: "POST",
        json: { event_id: Number(event.value), issuer_id: Number(issuer.value), issued_on: issuedOn.value || null } }));
      out.replaceChildren();
      batchCard(batch, batchBox);
    } catch (e) { out.replaceChildren(problemBox(e)); }
  }));
  return el("div", { class: "stack" },
    el("div", { class: "fields" }, field(comp, "pick.competition"), field(event, "pick.event"), field(issuer, "cert.issuer"), field(issuedOn, "cert.issued_on")),
    el("div", {}, go), out, batchBox);
}

function certificateList() {
  const out = el("div", { "aria-live": "polite" });
  const listBox = el("div");
  const q = el("input", { id: "cl-q", type: "search" });
  const kind = el("select", { id: "cl-kind" }, el("option", { value: "", i18n: "app.all" }),
    ["skill_level", "award"].map((k) => el("option", { value: k, i18n: `certkind.${k}` })));
  const status = el("select", { id: "cl-status" }, el("option", { value: "", i18n: "app.all" }),
    ["valid", "suspended", "revoked", "superseded"].map((s) => el("option", { value: s, i18n: `certstatus.${s}` })));
  const form = el("form", { class: "fields three", role: "search" }, field(q, "cert.search"), field(kind, "cert.kind"), field(status, "cert.status"),
    el("div", {}, el("button", { type: "submit", i18n: "app.search" })));
  let offset = 0;
  form.addEventListener("submit", (e) => { e.preventDefault(); offset = 0; load(); });

  const change = (c, action) => async () => {
    const values = await askDialog({ title: `${t(`cert.${action}`)} ${c.number}`, danger: action !== "reinstate", ok: `cert.${action}`,
      fields: [{ name: "reason", label: t("cert.reason"), type: "textarea", required: true, minlength: 2 }] });
    if (!values) return;
    try {
      const after = await api(`/api/certificates/${encodeURIComponent(c.id)}/${action}`, { method: "POST", json: { reason: values.reason } });
      await load();
      showNotice(out, t("cert.changed", { number: after.number, status: t(`certstatus.${after.status}`) }));
    } catch (e) { showProblem(out, e); }
  };

  async function load() {
    try {
      const page = await api("/api/certificates", { query: { q: q.value.trim(), kind: kind.value, status: status.value, limit: 50, offset } });
      if (!page.items.length) { listBox.replaceChildren(el("p", { class: "empty", i18n: "cert.none" })); return; }
      listBox.replaceChildren(table([
        { key: "cert.col.number", cell: (c) => el("span", { class: "mono", text: c.number }) },
        { key: "cert.col.name", cell: (c) => c.name },
        { key: "cert.col.what", cell: (c) => (c.kind === "award" ? `${c.competition_name || ""} ${c.work_type}` : `${c.occupation_code} ${c.occupation_name} ${c.work_type}`).trim() },
        { key: "cert.col.level", cell: (c) => c.level_name },
        { key: "cert.col.issuer", cell: (c) => c.issuer_name },
        { key: "cert.col.date", cell: (c) => fmtDate(c.issued_on) },
        { key: "cert.col.status", cell: (c) => badge("certstatus", c.status) },
        { key: "cert.col.actions", cell: (c) => {
          const pdf = el("button", { type: "button", class: "secondary", i18n: "cert.pdf" });
          pdf.addEventListener("click", () => busy(pdf, async () => {
            try { await download(`/api/certificates/${encodeURIComponent(c.id)}/pdf`, { fallbackName: `${c.number}.pdf` }); } catch (e) { showProblem(out, e); }
          }));
          const row = el("div", { class: "row" }, pdf);
          if (c.status === "valid") row.append(el("button", { type: "button", class: "secondary", i18n: "cert.suspend", onclick: change(c, "suspend") }),
            el("button", { type: "button", class: "danger", i18n: "cert.revoke", onclick: change(c, "revoke") }));
          if (c.status === "suspended") row.append(el("button", { type: "button", class: "secondary", i18n: "cert.reinstate", onclick: change(c, "reinstate") }),
            el("button", { type: "button", class: "danger", i18n: "cert.revoke", onclick: change(c, "revoke") }));
          return row;
        } },
      ], page.items, { caption: t("cert.list") }), pager(page, (o) => { offset = o; load(); }));
    } catch (e) { showProblem(out, e); }
  }
  load();
  return el("div", {}, form, out, listBox);
}

export async function certificatesView({ me, view }) {
  const orgs = await authorities(me);
  const section = (id, key, ...content) => el("details", { class: "card", id }, el("summary", {}, el("h3", { i18n: key, class: "inline" })), ...content);
  view.replaceChildren(
    el("h2", { i18n: "cert.title" }),
    section("cert-single-box", "cert.single", singleForm(orgs)),
    section("cert-sheet-box", "cert.sheet", spreadsheetPanel(orgs)),
    section("cert-results-box", "cert.results", await resultsPanel(orgs)),
    el("section", { class: "card", "aria-labelledby": "cert-list-title" }, el("h3", { id: "cert-list-title", i18n: "cert.list" }), certificateList()));
}
