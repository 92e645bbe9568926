/**
 * Console: an event's results. Shows the imported or published results (rank, total, award, school,
 * competitors, eligibility); imports a `jineng.results/1` file (the scoring CLI's output), computes from
 * marks (`jineng.marks/1` JSON or CSV: entry,judge,aspect,mark[,round]) with the event's scheme,
 * publishes (公示), and previews and runs advancement (选拔) to the parent competition. Problems in an
 * uploaded file are listed with their row or path.
 */

import { addMessages, api, askDialog, busy, el, fmtDateTime, problemBox, showNotice, showProblem, t, table, upload, word } from "/common/common.js";
import { competitionSelect, field, fillEvents } from "/console/pick.js";

addMessages({
  "zh-CN": {
    "res.title": "成绩",
    "res.none": "该赛项还没有成绩。",
    "res.status": "状态",
    "res.source": "来源",
    "res.digest": "摘要",
    "res.imported_at": "导入时间",
    "res.published_at": "公布时间",
    "res.entries": "报名数",
    "res.col.rank": "名次",
    "res.col.total": "总分",
    "res.col.award": "奖项",
    "res.col.school": "学校",
    "res.col.members": "选手 / 队名",
    "res.col.state": "状态",
    "res.ineligible": "不计奖",
    "res.withdrawn": "已退赛",
    "res.import": "导入成绩文件（jineng.results/1）",
    "res.compute": "由评分计算（jineng.marks/1 JSON 或 CSV）",
    "res.upload": "上传",
    "res.imported": "成绩已导入：{n} 个报名。",
    "res.publish": "公布成绩",
    "res.publish_title": "公布成绩（公示）",
    "res.publish_text": "公布后成绩对公众可见，不能再导入或修改。",
    "res.published": "成绩已公布。",
    "res.public": "查看公示页面",
    "res.advancement": "选拔晋级",
    "res.preview": "预览晋级名单",
    "res.run": "执行晋级（在上级竞赛中创建待审核报名）",
    "res.run_title": "执行晋级",
    "res.run_text": "为以下晋级选手在上级竞赛对应赛项中创建报名；重复执行不会重复创建。",
    "res.ran": "已创建 {n} 个晋级报名。",
    "res.quota": "名额：{n}",
    "res.col.outcome": "结果",
    "res.col.reason": "说明",
    "res.choose_file": "请先选择文件。",
    "res.outcome.would_create": "将创建报名",
    "res.outcome.created": "已创建报名",
    "res.outcome.existing": "已有报名",
    "res.outcome.skipped": "未晋级",
    "res.state.final": "已确定",
    "res.state.pending": "待定（需复评/三评/仲裁）",
    "res.state.incomplete": "评分不完整",
    "res.state.withdrawn": "已退赛",
    "res.src.computed": "由评分计算",
    "res.src.imported": "导入成绩文件",
  },
  en: {
    "res.title": "Results",
    "res.none": "The event has no results yet.",
    "res.status": "Status",
    "res.source": "Source",
    "res.digest": "Digest",
    "res.imported_at": "Imported",
    "res.published_at": "Published",
    "res.entries": "Entries",
    "res.col.rank": "Rank",
    "res.col.total": "Total",
    "res.col.award": "Award",
    "res.col.school": "School",
    "res.col.members": "Competitors / team",
    "res.col.state": "Status",
    "res.ineligible": "not eligible for awards",
    "res.withdrawn": "withdrawn",
    "res.import": "Import a results file (jineng.results/1)",
    "res.compute": "Compute from marks (jineng.marks/1 JSON or CSV)",
    "res.upload": "Upload",
    "res.imported": "Results imported: {n} entries.",
    "res.publish": "Publish",
    "res.publish_title": "Publish the results",
    "res.publish_text": "Once published the results are public and can no longer be replaced.",
    "res.published": "Results published.",
    "res.public": "Public page",
    "res.advancement": "Advancement",
    "res.preview": "Preview qualifiers",
    "res.run": "Run advancement (creates entries in the parent competition)",
    "res.run_title": "Run advancement",
    "res.run_text": "Creates entries for these qualifiers in the parent competition's matching event; running it again creates nothing new.",
    "res.ran": "{n} entries created.",
    "res.quota": "Quota: {n}",
    "res.col.outcome": "Outcome",
    "res.col.reason": "Why",
    "res.choose_file": "Choose a file first.",
    "res.outcome.would_create": "entry would be created",
    "res.outcome.created": "entry created",
    "res.outcome.existing": "entry exists",
    "res.outcome.skipped": "skipped",
    "res.state.final": "final",
    "res.state.pending": "pending (re-mark, third marker or arbiter)",
    "res.state.incomplete": "incomplete",
    "res.state.withdrawn": "withdrawn",
    "res.src.computed": "computed from marks",
    "res.src.imported": "imported file",
  },
});

function resultsTable(r) {
  return table([
    { key: "res.col.rank", cell: (l) => (l.rank ?? "—").toString(), num: true },
    { key: "res.col.total", cell: (l) => l.total ?? "—", num: true },
    { key: "res.col.award", cell: (l) => l.award_name || "" },
    { key: "res.col.school", cell: (l) => l.school_name },
    { key: "res.col.members", cell: (l) => [l.team_name, (l.members || []).join("、")].filter(Boolean).join("：") },
    { key: "res.col.state", cell: (l) => [word("res.state", l.status), l.eligible ? "" : t("res.ineligible"), l.withdrawn ? t("res.withdrawn") : ""].filter(Boolean).join("，") },
  ], r.lines, { caption: t("res.title") });
}

function uploader(id, labelKey, accept, send) {
  const input = el("input", { type: "file", id, accept });
  const go = el("button", { type: "button", class: "secondary", i18n: "res.upload" });
  go.addEventListener("click", () => busy(go, () => send(input)));
  return el("div", { class: "stack" }, field(input, labelKey), el("div", {}, go));
}

export async function resultsView({ view, params }) {
  const out = el("div", { "aria-live": "polite" });
  const body = el("div");
  const adv = el("div");
  const comp = await competitionSelect("res-competition", { initial: params.get("competition_id"),
    prefer: ["running", "results_published"] });
  const event = el("select", { id: "res-event", name: "event_id" });
  const base = () => `/api/competitions/${comp.value}/events/${event.value}`;

  async function load() {
    showProblem(out, null);
    adv.replaceChildren();
    body.replaceChildren();
    if (!event.value) return;
    let r = null;
    try { r = await api(`${base()}/results`); } catch (e) { if (e.code !== "results_not_found" && e.status !== 404) showProblem(out, e); }
    const send = (path) => async (input) => {
      const file = input.files[0];
      if (!file) { out.replaceChildren(el("div", { class: "alert", role: "alert", text: t("res.choose_file") })); return; }
      try {
        const done = await upload(`${base()}/${path}`, file);
        await load();
        showNotice(out, t("res.imported", { n: done.entry_count }));
      } catch (e) { out.replaceChildren(problemBox(e)); }
    };
    const tools = el("div", { class: "cols two" },
      uploader("res-import-file", "res.import", ".json,application/json", send("results")),
      uploader("res-compute-file", "res.compute", ".json,.csv,application/json,text/csv", send("results/compute")));
    if (!r) { body.append(el("p", { class: "empty", i18n: "res.none" }), tools); return; }
    const facts = el("dl", { class: "facts" },
      el("dt", { i18n: "res.status" }), el("dd", { text: t(`rstatus.${r.status}`) }),
      el("dt", { i18n: "res.entries" }), el("dd", { text: String(r.entry_count) }),
      el("dt", { i18n: "res.source" }), el("dd", { text: word("res.src", r.source) }),
      el("dt", { i18n: "res.digest" }), el("dd", { class: "mono small", text: r.digest }),
      el("dt", { i18n: "res.imported_at" }), el("dd", { text: fmtDateTime(r.imported_at, { zone: true }) }));
    if (r.published_at) facts.append(el("dt", { i18n: "res.published_at" }), el("dd", { text: fmtDateTime(r.published_at, { zone: true }) }));
    const actions = el("div", { class: "row" });
    if (r.status !== "published") {
      const pub = el("button", { type: "button", id: "res-publish", i18n: "res.publish" });
      pub.addEventListener("click", async () => {
        if (!(await askDialog({ title: t("res.publish_title"), text: t("res.publish_text"), ok: "res.publish" }))) return;
        await busy(pub, async () => {
          try { await api(`${base()}/results/publish`, { method: "POST" }); await load(); showNotice(out, t("res.published")); }
          catch (e) { showProblem(out, e); }
        });
      });
      actions.append(pub);
    } else {
      actions.append(el("a", { class: "button secondary", href: `/results/?competition=${comp.value}&event=${event.value}`, i18n: "res.public" }));
    }
    const preview = el("button", { type: "button", class: "secondary", i18n: "res.preview" });
    preview.addEventListener("click", () => busy(preview, async () => {
      try { showAdvancement(await api(`${base()}/advancement`)); } catch (e) { adv.replaceChildren(problemBox(e)); }
    }));
    actions.append(preview);
    body.append(facts, actions, resultsTable(r));
    if (r.status !== "published") body.append(tools);
  }

  function showAdvancement(a) {
    const run = el("button", { type: "button", i18n: "res.run" });
    run.addEventListener("click", async () => {
      if (!(await askDialog({ title: t("res.run_title"), text: t("res.run_text"), ok: "app.confirm" }))) return;
      await busy(run, async () => {
        try { const done = await api(`${base()}/advancement`, { method: "POST" }); showAdvancement(done); showNotice(out, t("res.ran", { n: done.created })); }
        catch (e) { adv.replaceChildren(problemBox(e)); }
      });
    });
    adv.replaceChildren(el("section", { class: "card", "aria-labelledby": "adv-title" },
      el("h3", { id: "adv-title", i18n: "res.advancement" }),
      el("p", { class: "note", text: [t("res.quota", { n: a.quota }), ...a.basis, ...a.notes].join("；") }),
      table([
        { key: "res.col.rank", cell: (q) => String(q.rank ?? "—"), num: true },
        { key: "res.col.total", cell: (q) => q.total ?? "", num: true },
        { key: "res.col.school", cell: (q) => q.school_name },
        { key: "res.col.outcome", cell: (q) => t(`res.outcome.${q.outcome}`) },
        { key: "res.col.reason", cell: (q) => q.reason || "" },
      ], a.qualifiers), a.dry_run ? run : null));
  }

  comp.addEventListener("change", async () => { await fillEvents(event, comp.value); load(); });
  event.addEventListener("change", load);
  await fillEvents(event, comp.value, { initial: params.get("event_id") });
  view.replaceChildren(el("section", { class: "card", "aria-labelledby": "res-heading" },
    el("h2", { id: "res-heading", i18n: "res.title" }),
    el("div", { class: "fields" }, field(comp, "pick.competition"), field(event, "pick.event")),
    out, body, adv));
  await load();
}
