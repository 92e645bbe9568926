/**
 * Console judging after the lock:
 * - decryption ceremony, layer by layer (work code → station → draw number → entry): the supervisor
 *   approves (POST …/decryption/approve), the encryption officer opens with the passphrase
 *   (POST …/decryption/open); two different people;
 * - provisional standings by code (GET …/standings);
 * - re-check 复核 (GET …/recheck, POST …/recheck/draw, POST …/recheck/{code} confirmed | corrected);
 * - judge analytics (GET …/analytics) as an inline SVG chart: each judge's mean deviation from the panel
 *   (severe ← 0 → lenient) and breach rate;
 * - publication: what still blocks it (GET …/publication: blockers by stable code), results from the judged marks
 *   (POST /api/competitions/{cid}/events/{eid}/results/from-judging), then the results tab publishes;
 * - appeals (GET …/appeals; the supervisor rules: POST …/appeals/{id}/ruling, upheld with corrections).
 */

import { addMessages, api, askDialog, el, fmtDateTime, problemBox, t, table, word } from "/common/common.js";
import { has } from "/common/i18n.js";
import { actionButton, aspectsOf, card, nameOf, poolJudges, poolOf } from "/console/judging-common.js";

addMessages({
  "zh-CN": {
    "jc.decrypt": "解密（逐层）",
    "jc.layer_done": "已开启", "jc.layer_todo": "未开启", "jc.layer_approved": "监督已批准，待加密裁判开启",
    "jc.decrypt_wait": "全部评分锁定后才能解密。",
    "jc.approve": "批准开启下一层：{layer}",
    "jc.approved": "已批准开启“{layer}”。",
    "jc.open": "开启已批准的一层",
    "jc.opened": "已开启“{layer}”。",
    "jc.passphrase": "口令",
    "jc.decrypted": "全部解密完成。",
    "jc.standings": "暂定名次（按编码）",
    "jc.col.code": "编码", "jc.col.rank": "名次", "jc.col.total": "总分", "jc.col.state": "状态",
    "jc.none": "暂无。",
    "jc.recheck": "复核",
    "jc.recheck_draw": "抽取复核名单",
    "jc.recheck_seed": "随机种子：{seed} · 已复核 {checked} 条，更正 {corrected} 条，差错率 {rate}",
    "jc.recheck_full": "差错率超过阈值：须全部复核。",
    "jc.col.reason": "原因", "jc.col.outcome": "结论", "jc.col.note": "说明",
    "rreason.top": "前列名次", "rreason.sample": "随机抽查", "rreason.full": "全部复核",
    "routcome.pending": "待复核", "routcome.confirmed": "确认无误", "routcome.corrected": "已更正",
    "jc.confirm": "确认无误",
    "jc.correct": "更正",
    "jc.correct_title": "更正 {code} 的评分",
    "jc.aspect": "评分项", "jc.judge": "裁判", "jc.value": "更正后的分数", "jc.round": "轮次", "jc.note": "说明",
    "jc.analytics": "裁判评分分析",
    "jc.analytics_note": "每位裁判与评分组的平均偏差（左：偏严，右：偏宽）和超差率。",
    "jc.breach": "超差 {rate}",
    "tendency.lenient": "偏宽", "tendency.severe": "偏严", "tendency.neutral": "适中",
    "jc.publication": "成绩公布",
    "jc.ready": "评分程序已全部完成，可以生成并公布成绩。",
    "jc.blockers": "公布前还需：",
    "jc.from_judging": "由评分生成成绩",
    "jc.computed": "成绩已生成：{n} 个报名。",
    "jc.to_results": "到“成绩”页查看并公布",
    "jc.b.at": "{text}（{at}）", "jc.b.sep": "；", "jc.b.list": "、",
    "jc.b.codes": "编码 {codes}", "jc.b.entries": "报名 {entries}",
    "jc.appeals": "申诉",
    "jc.appeals_none": "没有申诉。",
    "jc.col.entry": "报名", "jc.col.text": "申诉内容", "jc.col.filed": "提交时间", "jc.col.ruling": "裁决",
    "jc.rule": "裁决",
    "jc.rule_title": "裁决申诉 #{id}",
    "jc.outcome": "结论",
    "jc.upheld": "申诉成立（更正评分）", "jc.dismissed": "驳回",
    "jc.rule_reason": "裁决理由",
    "jc.ruled": "已裁决。",
  },
  en: {
    "jc.decrypt": "Decryption, layer by layer",
    "jc.layer_done": "opened", "jc.layer_todo": "sealed", "jc.layer_approved": "approved by the supervisor, to be opened",
    "jc.decrypt_wait": "Decryption starts once every mark is locked.",
    "jc.approve": "Approve opening the next layer: {layer}",
    "jc.approved": "“{layer}” approved.",
    "jc.open": "Open the approved layer",
    "jc.opened": "“{layer}” opened.",
    "jc.passphrase": "Passphrase",
    "jc.decrypted": "Every layer is open.",
    "jc.standings": "Provisional standings (by code)",
    "jc.col.code": "Code", "jc.col.rank": "Rank", "jc.col.total": "Total", "jc.col.state": "Status",
    "jc.none": "Nothing yet.",
    "jc.recheck": "Re-check",
    "jc.recheck_draw": "Draw the re-check list",
    "jc.recheck_seed": "Seed {seed} · {checked} checked, {corrected} corrected, error rate {rate}",
    "jc.recheck_full": "The error rate is above the threshold: every code is re-checked.",
    "jc.col.reason": "Why", "jc.col.outcome": "Outcome", "jc.col.note": "Note",
    "rreason.top": "top ranks", "rreason.sample": "sample", "rreason.full": "full re-check",
    "routcome.pending": "pending", "routcome.confirmed": "confirmed", "routcome.corrected": "corrected",
    "jc.confirm": "Confirm",
    "jc.correct": "Correct",
    "jc.correct_title": "Correct a mark of {code}",
    "jc.aspect": "Aspect", "jc.judge": "Judge", "jc.value": "Corrected mark", "jc.round": "Round", "jc.note": "Note",
    "jc.analytics": "Judge analytics",
    "jc.analytics_note": "Each judge's mean deviation from the panel (left: severe, right: lenient) and breach rate.",
    "jc.breach": "breaches {rate}",
    "tendency.lenient": "lenient", "tendency.severe": "severe", "tendency.neutral": "neutral",
    "jc.publication": "Publication",
    "jc.ready": "Judging is complete: the results can be computed and published.",
    "jc.blockers": "Before publishing:",
    "jc.from_judging": "Compute the results from the marks",
    "jc.computed": "Results computed: {n} entries.",
    "jc.to_results": "Review and publish on the Results tab",
    "jc.b.at": "{text} ({at})", "jc.b.sep": "; ", "jc.b.list": ", ",
    "jc.b.codes": "codes {codes}", "jc.b.entries": "entries {entries}",
    "jc.appeals": "Appeals",
    "jc.appeals_none": "No appeals.",
    "jc.col.entry": "Entry", "jc.col.text": "Appeal", "jc.col.filed": "Filed", "jc.col.ruling": "Ruling",
    "jc.rule": "Rule",
    "jc.rule_title": "Rule on appeal #{id}",
    "jc.outcome": "Outcome",
    "jc.upheld": "Upheld (correct marks)", "jc.dismissed": "Dismissed",
    "jc.rule_reason": "Reasons",
    "jc.ruled": "Ruled.",
  },
});

/**
 * A publication blocker ({code, message, …what is at fault}, GET …/publication) in the user's language:
 * the message catalog's text for its code (code.<code>, filled with the blocker's facts: {pending},
 * {judging_status}, {closes_at}), else the server's message; then the codes and entries at fault.
 */
export function blockerText(b) {
  const facts = { ...b, judging_status: word("jstatus", b.judging_status),
    closes_at: b.closes_at ? fmtDateTime(b.closes_at, { zone: true }) : "—" };
  const text = has(`code.${b.code}`) ? t(`code.${b.code}`, facts) : b.message;
  const sep = t("jc.b.list");
  const at = [];
  if (b.codes?.length) at.push(t("jc.b.codes", { codes: b.codes.join(sep) }));
  if (b.entry_ids?.length) at.push(t("jc.b.entries", { entries: b.entry_ids.map((id) => `#${id}`).join(sep) }));
  return at.length ? t("jc.b.at", { text, at: at.join(t("jc.b.sep")) }) : text;
}

/** "3/20", "0.15", 0.2 → a number (scoring's exact values may come as fractions). */
function num(x) {
  if (typeof x === "number") return x;
  const s = String(x ?? "");
  if (s.includes("/")) { const [a, b] = s.split("/").map(Number); return b ? a / b : 0; }
  return Number(s) || 0;
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** Diverging bars of each judge's mean deviation (share of the scale), with the breach rate. */
export function analyticsChart(stats, label) {
  const rows = stats.judges || [];
  const width = 640, rowH = 34, left = 150, right = 120, top = 24;
  const plot = width - left - right;
  const max = Math.max(0.05, ...rows.map((r) => Math.abs(num(r.mean_deviation))));
  const mid = left + plot / 2;
  const height = top + rows.length * rowH + 10;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", role: "img", "aria-label": t("jc.analytics"), class: "chart", id: "jc-chart" },
    svg("title", {}, t("jc.analytics_note")),
    svg("line", { x1: mid, x2: mid, y1: top - 8, y2: height - 4, stroke: "#5f6368", "stroke-width": 1 }),
    svg("text", { x: left, y: 14, "font-size": 12, fill: "#5f6368" }, `← ${t("tendency.severe")}`),
    svg("text", { x: left + plot, y: 14, "font-size": 12, fill: "#5f6368", "text-anchor": "end" }, `${t("tendency.lenient")} →`));
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    const d = num(r.mean_deviation);
    const w = (Math.abs(d) / max) * (plot / 2);
    const colour = r.tendency === "lenient" ? "#c4540f" : r.tendency === "severe" ? "#1d4f91" : "#17803d";
    chart.append(
      svg("text", { x: left - 8, y: y + 20, "font-size": 13, "text-anchor": "end" }, label(r.judge)),
      svg("rect", { x: d < 0 ? mid - w : mid, y: y + 6, width: Math.max(1, w), height: rowH - 12, fill: colour, "data-judge": r.judge },
        svg("title", {}, `${label(r.judge)}: ${d.toFixed(3)} · ${word("tendency", r.tendency)}`)),
      svg("text", { x: left + plot + 8, y: y + 20, "font-size": 12 },
        `${word("tendency", r.tendency)} · ${t("jc.breach", { rate: `${(num(r.breach_rate) * 100).toFixed(1)}%` })}`));
  });
  return chart;
}

async function correctionDialog(j, code, title) {
  await poolOf(j);
  return askDialog({ title, fields: [
    { name: "aspect", label: t("jc.aspect"), type: "select", options: aspectsOf(j.event).map((a) => [a.id, `${a.criterion} · ${a.name}（${a.id}）`]) },
    { name: "user_id", label: t("jc.judge"), type: "select", options: poolJudges(j).map((p) => [String(p.user_id), p.display_name]) },
    { name: "value", label: t("jc.value"), required: true },
    { name: "round", label: t("jc.round"), value: "1" },
    { name: "note", label: t("jc.note"), type: "textarea" },
  ] }).then((v) => v && { note: v.note || "", corrections: [{ aspect: v.aspect, user_id: Number(v.user_id), value: v.value.trim(), round: Number(v.round || 1) }] });
}

export async function closingSection(j, box) {
  await poolOf(j);
  const dOut = el("div", { "aria-live": "polite" });
  const layersBox = el("div");
  const decryptTools = el("div", { class: "stack", id: "jc-decrypt-tools" });
  const pass = el("input", { id: "jc-pass", type: "password", autocomplete: "off", minlength: 12, maxlength: 200 });
  const approve = actionButton({ id: "jc-approve" }, dOut, async () => {
    const step = await api(`${j.base}/decryption/approve`, { method: "POST" });
    await j.reloadInfo(); await refresh();
    return step;
  }, { done: (s) => t("jc.approved", { layer: t(`layer.${s.layer}`) }) });
  const open = actionButton({ id: "jc-open", i18n: "jc.open" }, dOut, async () => {
    const step = await api(`${j.base}/decryption/open`, { method: "POST", json: { passphrase: pass.value } });
    pass.value = "";
    await j.reloadInfo(); await refresh();
    return step;
  }, { done: (s) => t("jc.opened", { layer: t(`layer.${s.layer}`) }) });
  if (j.can("supervisor")) decryptTools.append(el("div", {}, approve));
  if (j.can("encryption_officer")) decryptTools.append(el("div", { class: "fields" }, el("label", { for: pass.id }, el("span", { i18n: "jc.passphrase" }), pass), el("div", { class: "row" }, open)));
  const parts = [card("jc.decrypt", "jc-decrypt", layersBox, decryptTools, dOut)];

  const officials = j.can("chief_judge", "supervisor", "organizer");
  const standingsBox = el("div");
  const rOut = el("div", { "aria-live": "polite" });
  const recheckBox = el("div");
  const drawRecheck = actionButton({ id: "jc-recheck-draw", i18n: "jc.recheck_draw" }, rOut, async () => {
    await api(`${j.base}/recheck/draw`, { method: "POST" }); await refresh();
  });
  if (officials) {
    parts.push(card("jc.standings", "jc-standings", standingsBox));
    parts.push(card("jc.recheck", "jc-recheck", recheckBox, j.can("chief_judge") ? el("div", { class: "row" }, drawRecheck) : null, rOut));
  }
  const aOut = el("div", { "aria-live": "polite" });
  const chartBox = el("div");
  if (j.can("chief_judge", "supervisor")) parts.push(card("jc.analytics", "jc-analytics", el("p", { class: "note", i18n: "jc.analytics_note" }), chartBox, aOut));
  const pOut = el("div", { "aria-live": "polite" });
  const pubBox = el("div");
  const compute = actionButton({ id: "jc-from-judging", i18n: "jc.from_judging" }, pOut, async () => {
    const r = await api(`/api/competitions/${j.info.competition_id}/events/${j.eventId}/results/from-judging`, { method: "POST" });
    pOut.after(el("p", {}, el("a", { href: `#results/competition_id=${j.info.competition_id}&event_id=${j.eventId}`, i18n: "jc.to_results" })));
    return r;
  }, { done: (r) => t("jc.computed", { n: r.entry_count }) });
  parts.push(card("jc.publication", "jc-publication", pubBox, j.can("organizer") ? el("div", { class: "row" }, compute) : null, pOut));
  box.replaceChildren(...parts);

  async function refresh() {
    const info = j.info;
    const done = info.decrypted_layers.length;
    layersBox.replaceChildren(...[el("ol", { class: "layers" }, info.layers.map((layer, i) => el("li", { "data-layer": layer, "data-state": i < done ? "open" : "sealed" },
      `${t(`layer.${layer}`)}${t("app.colon")}`, el("strong", { text: t(i < done ? "jc.layer_done" : "jc.layer_todo") })))),
    info.status === "decrypted" ? el("p", { class: "notice", i18n: "jc.decrypted" }) : null,
    !["locked", "decrypted"].includes(info.status) ? el("p", { class: "note", i18n: "jc.decrypt_wait" }) : null].filter(Boolean));
    decryptTools.hidden = info.status !== "locked";
    const next = info.layers[done];
    approve.textContent = next ? t("jc.approve", { layer: t(`layer.${next}`) }) : "";
    if (officials) {
      const board = info.status === "setup" ? [] : await api(`${j.base}/standings`).catch(() => []);
      standingsBox.replaceChildren(board.length ? table([
        { key: "jc.col.rank", num: true, cell: (s) => String(s.rank ?? "—") },
        { key: "jc.col.code", cell: (s) => el("span", { class: "mono", text: s.code }) },
        { key: "jc.col.total", num: true, cell: (s) => s.total ?? "—" },
        { key: "jc.col.state", cell: (s) => word("res.state", s.status) },
      ], board) : el("p", { class: "empty", i18n: "jc.none" }));
      const rc = await api(`${j.base}/recheck`).catch(() => null);
      drawRecheck.hidden = !(rc && !rc.lines.length && ["locked", "decrypted"].includes(info.status));
      recheckBox.replaceChildren(rc && rc.lines.length ? el("div", {},
        el("p", { class: "note", text: t("jc.recheck_seed", { seed: rc.seed, checked: rc.checked, corrected: rc.corrected, rate: rc.error_rate ?? "—" }) }),
        rc.full_required ? el("p", { class: "warn-box", i18n: "jc.recheck_full" }) : null,
        table([
          { key: "jc.col.code", cell: (l) => el("span", { class: "mono", text: l.code }) },
          { key: "jc.col.reason", cell: (l) => word("rreason", l.reason) },
          { key: "jc.col.outcome", cell: (l) => (l.outcome === "pending" && j.can("chief_judge", "supervisor") ? el("div", { class: "row" },
            actionButton({ class: "secondary", "data-confirm": l.code, i18n: "jc.confirm" }, rOut, async () => {
              await api(`${j.base}/recheck/${encodeURIComponent(l.code)}`, { method: "POST", json: { outcome: "confirmed" } }); await refresh();
            }),
            actionButton({ class: "secondary", "data-correct": l.code, i18n: "jc.correct" }, rOut, async () => {
              const v = await correctionDialog(j, l.code, t("jc.correct_title", { code: l.code }));
              if (!v) return false;
              await api(`${j.base}/recheck/${encodeURIComponent(l.code)}`, { method: "POST", json: { outcome: "corrected", ...v } }); await refresh();
            })) : word("routcome", l.outcome)) },
          { key: "jc.col.note", cell: (l) => l.note },
        ], rc.lines)) : el("p", { class: "empty", i18n: "jc.none" }));
    }
    if (j.can("chief_judge", "supervisor") && info.status !== "setup") {
      try {
        const a = await api(`${j.base}/analytics`);
        chartBox.replaceChildren(a.judges?.judges?.length ? analyticsChart(a.judges, (id) => nameOf(j, Number(id))) : el("p", { class: "empty", i18n: "jc.none" }));
        aOut.replaceChildren();
      } catch (e) { chartBox.replaceChildren(); aOut.replaceChildren(problemBox(e)); }
    }
    const blockers = await api(`${j.base}/publication`);
    pubBox.replaceChildren(blockers.length
      ? el("div", { class: "warn-box", id: "jc-blockers" }, el("p", { class: "alert-title", i18n: "jc.blockers" }), el("ul", {}, blockers.map((b) => el("li", { "data-code": b.code, text: blockerText(b) }))))
      : el("p", { class: "notice", id: "jc-ready", i18n: "jc.ready" }));
    compute.hidden = Boolean(blockers.length);
  }
  await refresh();
  return refresh;
}

export async function appealsSection(j, box) {
  await poolOf(j);
  const out = el("div", { "aria-live": "polite" });
  const list = el("div");
  box.replaceChildren(card("jc.appeals", "jc-appeals", list, out));
  async function refresh() {
    const appeals = await api(`${j.base}/appeals`);
    list.replaceChildren(appeals.length ? table([
      { key: "jc.col.entry", num: true, cell: (a) => `#${a.entry_id}` },
      { key: "jc.col.text", cell: (a) => a.text },
      { key: "jc.col.filed", cell: (a) => fmtDateTime(a.filed_at) },
      { key: "jc.col.state", cell: (a) => el("span", { class: `badge ${a.status === "filed" ? "submitted" : a.status === "upheld" ? "approved" : "declined"}`, text: word("astatus", a.status) }) },
      { key: "jc.col.ruling", cell: (a) => (a.status === "filed" && j.can("supervisor")
        ? actionButton({ class: "secondary", "data-appeal": a.id, i18n: "jc.rule" }, out, async () => {
          const v = await askDialog({ title: t("jc.rule_title", { id: a.id }), fields: [
            { name: "outcome", label: t("jc.outcome"), type: "select", options: [["dismissed", t("jc.dismissed")], ["upheld", t("jc.upheld")]] },
            { name: "reason", label: t("jc.rule_reason"), type: "textarea", required: true, minlength: 2 }] });
          if (!v) return false;
          let corrections = [];
          if (v.outcome === "upheld") {
            const c = await correctionDialog(j, `#${a.entry_id}`, t("jc.correct_title", { code: `#${a.entry_id}` }));
            if (!c) return false;
            corrections = c.corrections;
          }
          await api(`${j.base}/appeals/${a.id}/ruling`, { method: "POST", json: { outcome: v.outcome, reason: v.reason, corrections } });
          await refresh();
        }, { done: t("jc.ruled") })
        : [a.ruling, a.ruled_at ? ` (${fmtDateTime(a.ruled_at)})` : ""].join("")) },
    ], appeals, { caption: t("jc.appeals") }) : el("p", { class: "empty", i18n: "jc.appeals_none" }));
  }
  await refresh();
  return refresh;
}
