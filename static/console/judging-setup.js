/**
 * Console judging, before and at the draw:
 * - setup: settings (PATCH …/settings), the pool (GET/POST/DELETE …/pool) with each judge's school,
 *   declared recusals (…/recusals), assignments per aspect (…/assignments) and the suggestion
 *   (GET …/assignments/suggestion, applied assignment by assignment); refusals such as panel_full are
 *   shown in the user's language. Conflicts are decided by the server: a conflicted judge never gets a
 *   seat at the draw (a substitute does), and the draw is refused when no substitute is free.
 * - tablets: a one-time pairing code per pool judge (POST …/pairings) with its QR (qr_png) and expiry.
 * - draw: check-in (…/checkin), the draw with the encryption officer's passphrase (POST …/draw), the
 *   sealed-envelope PDF (POST …/mapping.pdf with the passphrase), opening marking (POST …/open).
 */

import {
  addMessages, api, askDialog, download, el, fmtDateTime, problemBox, t, table,
} from "/common/common.js";
import { actionButton, aspectsOf, card, nameOf, poolJudges, poolOf } from "/console/judging-common.js";

addMessages({
  "zh-CN": {
    "js.settings": "评分设置",
    "js.same_county": "同县回避（裁判不评本县学校的选手）",
    "js.work_codes": "使用作品编码（第三次加密）",
    "js.top_n": "复核：前 N 名全部复核",
    "js.rate": "复核：其余抽查比例（如 0.15）",
    "js.threshold": "复核：差错率超过此值须全部复核（如 0.05）",
    "js.window": "申诉时限（锁定后分钟数）",
    "js.frozen": "抽签后设置不能再修改。",
    "js.saved": "设置已保存。",
    "js.pool": "裁判组",
    "js.pool_none": "裁判组还没有成员。",
    "js.col.name": "姓名", "js.col.username": "账号", "js.col.role": "角色", "js.col.school": "所在学校（回避）",
    "js.remove": "移出",
    "js.remove_title": "移出裁判组",
    "js.reason": "原因（记入审计日志）",
    "js.add": "加入裁判组",
    "js.user": "人员",
    "js.user_id": "人员编号（账号 ID）",
    "js.role": "角色",
    "js.school": "所在学校（可选，用于回避）",
    "js.no_school": "（按账号关联的人员）",
    "js.added": "已加入裁判组。",
    "js.recusals": "回避声明",
    "js.recusals_none": "没有回避声明。",
    "js.recusal_add": "登记回避",
    "js.recusal_school": "回避学校",
    "js.recusal_done": "回避已登记。",
    "js.col.judge": "裁判", "js.col.target": "回避对象", "js.col.reason": "原因",
    "js.assign": "裁判分配",
    "js.col.aspect": "评分项", "js.col.seats": "人数", "js.col.judges": "裁判",
    "js.assign_add": "分配",
    "js.whole_criterion": "模块 {id} 的全部评分项",
    "js.assigned": "已分配。",
    "js.unassign": "取消 {name} 的分配",
    "js.suggest": "生成建议分配",
    "js.suggestion": "建议分配（{algorithm}）",
    "js.load": "各裁判评分量：{load}",
    "js.apply": "采用建议",
    "js.applied": "已采用建议分配。",
    "js.conflicts_note": "回避由服务器判定：与选手同校（或同县、声明回避）的裁判在抽签时不会分到该编码，由无回避关系的替补裁判评分；找不到替补时抽签会被拒绝。",
    "js.tablets": "平板配对",
    "js.tablets_note": "为裁判生成一次性配对码（10 分钟内有效，只能使用一次）：裁判用平板扫描二维码，或在裁判评分页输入配对码。",
    "js.pair": "生成配对码",
    "js.pair_for": "{name} 的配对码",
    "js.expires": "有效期至 {at}",
    "js.checkin": "检录",
    "js.col.entry": "报名", "js.col.members": "选手 / 队名", "js.col.present": "到场",
    "js.present": "到场", "js.absent": "缺席", "js.unknown": "未检录",
    "js.all_present": "全部到场",
    "js.checkin_save": "保存检录结果",
    "js.checked": "检录结果已保存。",
    "js.draw": "抽签（加密）",
    "js.draw_note": "口令只由加密裁判掌握，服务器不保存口令：解密和打印密封信封都需要它。至少 12 个字符。",
    "js.passphrase": "口令",
    "js.passphrase2": "再次输入口令",
    "js.mismatch": "两次输入的口令不一致。",
    "js.draw_go": "抽签并密封",
    "js.drawn": "抽签完成：{codes} 个编码，{seats} 个评分席位（替补 {subs} 个），加密层：{layers}。",
    "js.envelope": "密封信封（对照表 PDF）",
    "js.envelope_go": "下载对照表 PDF",
    "js.open": "开始评分",
    "js.open_go": "开始评分（裁判长）",
    "js.opened": "评分已开始，裁判可以在平板上评分。",
  },
  en: {
    "js.settings": "Settings",
    "js.same_county": "Same-county recusal",
    "js.work_codes": "Work-product codes (third code)",
    "js.top_n": "Re-check: every code in the top N",
    "js.rate": "Re-check: share of the rest (e.g. 0.15)",
    "js.threshold": "Re-check: full re-check above this error rate (e.g. 0.05)",
    "js.window": "Appeal window (minutes after the lock)",
    "js.frozen": "The settings are frozen by the draw.",
    "js.saved": "Settings saved.",
    "js.pool": "Pool",
    "js.pool_none": "The pool is empty.",
    "js.col.name": "Name", "js.col.username": "Account", "js.col.role": "Role", "js.col.school": "School (recusal)",
    "js.remove": "Remove",
    "js.remove_title": "Remove from the pool",
    "js.reason": "Reason (goes to the audit log)",
    "js.add": "Add to the pool",
    "js.user": "Person",
    "js.user_id": "Account id",
    "js.role": "Role",
    "js.school": "School (optional, for recusal)",
    "js.no_school": "(from the linked person record)",
    "js.added": "Added to the pool.",
    "js.recusals": "Recusals",
    "js.recusals_none": "No recusal declared.",
    "js.recusal_add": "Record a recusal",
    "js.recusal_school": "School",
    "js.recusal_done": "Recusal recorded.",
    "js.col.judge": "Judge", "js.col.target": "Recused from", "js.col.reason": "Reason",
    "js.assign": "Assignments",
    "js.col.aspect": "Aspect", "js.col.seats": "Judges", "js.col.judges": "Assigned",
    "js.assign_add": "Assign",
    "js.whole_criterion": "every aspect of criterion {id}",
    "js.assigned": "Assigned.",
    "js.unassign": "Unassign {name}",
    "js.suggest": "Suggest an assignment",
    "js.suggestion": "Suggestion ({algorithm})",
    "js.load": "Load per judge: {load}",
    "js.apply": "Apply the suggestion",
    "js.applied": "Suggestion applied.",
    "js.conflicts_note": "Conflicts are the server's: a judge of the entry's school (or county, or a declared recusal) gets no seat on its code at the draw — a conflict-free substitute does; the draw is refused when there is none.",
    "js.tablets": "Tablets",
    "js.tablets_note": "A one-time pairing code per judge (valid 10 minutes, single use): the judge scans the QR code with the tablet or types the code on the judge page.",
    "js.pair": "Pairing code",
    "js.pair_for": "Pairing code for {name}",
    "js.expires": "valid until {at}",
    "js.checkin": "Check-in",
    "js.col.entry": "Entry", "js.col.members": "Competitors / team", "js.col.present": "Present",
    "js.present": "present", "js.absent": "absent", "js.unknown": "not checked in",
    "js.all_present": "All present",
    "js.checkin_save": "Save check-in",
    "js.checked": "Check-in saved.",
    "js.draw": "Draw (sealing)",
    "js.draw_note": "Only the encryption officer knows the passphrase; the server never stores it. Decryption and the sealed envelope need it. At least 12 characters.",
    "js.passphrase": "Passphrase",
    "js.passphrase2": "Passphrase again",
    "js.mismatch": "The two passphrases differ.",
    "js.draw_go": "Draw and seal",
    "js.drawn": "Drawn: {codes} codes, {seats} seats ({subs} substitutes), layers: {layers}.",
    "js.envelope": "Sealed envelope (mapping PDF)",
    "js.envelope_go": "Download the mapping PDF",
    "js.open": "Open marking",
    "js.open_go": "Open marking (chief judge)",
    "js.opened": "Marking is open: judges mark on their tablets.",
  },
});

const POOL_ROLES = ["judge", "chief_judge", "encryption_officer", "supervisor"];

let schoolNames = null;
async function schools() {
  if (!schoolNames) {
    try { schoolNames = new Map((await api("/api/organizations", { query: { kind: "school" } })).map((o) => [o.id, o.name])); }
    catch { schoolNames = new Map(); }
  }
  return schoolNames;
}

function labelled(control, key) {
  return el("label", { for: control.id }, el("span", { i18n: key }), control);
}

function userPicker(id, users) {
  if (users) {
    return el("select", { id, name: "user_id" }, users.map((u) => el("option", { value: u.id,
      text: `${u.display_name}（${u.username}）${u.roles.length ? ` · ${u.roles.map((r) => t(`role.${r}`)).join("、")}` : ""}` })));
  }
  return el("input", { id, name: "user_id", type: "number", min: 1, required: true });
}

/** Accounts an organizer may add (GET /api/users, judging-role holders first); null for the others. */
async function candidates(j) {
  if (!j.can("organizer")) return null;
  try {
    const all = await api("/api/users");
    return all.filter((u) => u.active).map((u) => ({ ...u, roles: [...new Set(u.grants.map((g) => g.role).filter((r) => POOL_ROLES.includes(r)))] }))
      .sort((a, b) => (b.roles.length > 0) - (a.roles.length > 0) || a.username.localeCompare(b.username));
  } catch { return null; }
}

// --- setup ------------------------------------------------------------------------------------------

export async function setupSection(j, box) {
  const editable = () => j.info.status === "setup" && j.can("organizer", "chief_judge");
  const names = await schools();

  // settings
  const sOut = el("div", { "aria-live": "polite" });
  const f = {
    same_county_recusal: el("input", { type: "checkbox", id: "js-same-county" }),
    work_codes: el("input", { type: "checkbox", id: "js-work-codes" }),
    recheck_top_n: el("input", { type: "number", id: "js-top-n", min: 0, max: 1000 }),
    recheck_rate: el("input", { id: "js-rate", inputmode: "decimal" }),
    recheck_error_threshold: el("input", { id: "js-threshold", inputmode: "decimal" }),
    appeal_window_minutes: el("input", { type: "number", id: "js-window", min: 0, max: 10080 }),
  };
  const fillSettings = () => {
    for (const [k, node] of Object.entries(f)) {
      if (node.type === "checkbox") node.checked = Boolean(j.info[k]); else node.value = String(j.info[k]);
      node.disabled = !editable();
    }
  };
  const saveSettings = actionButton({ id: "js-settings-save", i18n: "app.save" }, sOut, async () => {
    await api(`${j.base}/settings`, { method: "PATCH", json: {
      same_county_recusal: f.same_county_recusal.checked, work_codes: f.work_codes.checked,
      recheck_top_n: Number(f.recheck_top_n.value), recheck_rate: f.recheck_rate.value.trim(),
      recheck_error_threshold: f.recheck_error_threshold.value.trim(), appeal_window_minutes: Number(f.appeal_window_minutes.value) } });
    await j.reloadInfo();
  }, { done: t("js.saved") });
  const settings = card("js.settings", "js-settings",
    el("div", { class: "fields" },
      el("label", { class: "check", for: "js-same-county" }, f.same_county_recusal, el("span", { i18n: "js.same_county" })),
      el("label", { class: "check", for: "js-work-codes" }, f.work_codes, el("span", { i18n: "js.work_codes" })),
      labelled(f.recheck_top_n, "js.top_n"), labelled(f.recheck_rate, "js.rate"),
      labelled(f.recheck_error_threshold, "js.threshold"), labelled(f.appeal_window_minutes, "js.window")),
    el("p", { class: "note", id: "js-frozen", i18n: "js.frozen" }), el("div", { class: "row" }, saveSettings), sOut);

  // pool
  const users = await candidates(j);
  const pOut = el("div", { "aria-live": "polite" });
  const poolBox = el("div");
  const who = userPicker("js-pool-user", users);
  const role = el("select", { id: "js-pool-role" }, POOL_ROLES.map((r) => el("option", { value: r, i18n: `role.${r}` })));
  const school = el("select", { id: "js-pool-school" }, el("option", { value: "", i18n: "js.no_school" }),
    [...names].map(([id, name]) => el("option", { value: id, text: name })));
  const add = actionButton({ id: "js-pool-add", i18n: "js.add" }, pOut, async () => {
    await api(`${j.base}/pool`, { method: "POST", json: { user_id: Number(who.value), role: role.value,
      ...(school.value ? { school_id: Number(school.value) } : {}) } });
    await refresh();
  }, { done: t("js.added") });
  const addForm = el("div", { class: "fields three", id: "js-pool-form" }, labelled(who, users ? "js.user" : "js.user_id"),
    labelled(role, "js.role"), labelled(school, "js.school"), el("div", { class: "row" }, add));
  const pool = card("js.pool", "js-pool", poolBox, addForm, pOut);

  // recusals
  const rOut = el("div", { "aria-live": "polite" });
  const recBox = el("div");
  const recJudge = el("select", { id: "js-rec-judge" });
  const recSchool = el("select", { id: "js-rec-school" }, [...names].map(([id, name]) => el("option", { value: id, text: name })));
  const recAdd = actionButton({ id: "js-rec-add", i18n: "js.recusal_add" }, rOut, async () => {
    await api(`${j.base}/recusals`, { method: "POST", query: { user_id: recJudge.value }, json: { school_id: Number(recSchool.value) } });
    await refresh();
  }, { done: t("js.recusal_done") });
  const recForm = el("div", { class: "fields three" }, labelled(recJudge, "js.col.judge"), labelled(recSchool, "js.recusal_school"),
    el("div", { class: "row" }, recAdd));
  const recusals = card("js.recusals", "js-recusals", recBox, recForm, rOut);

  // assignments
  const aOut = el("div", { "aria-live": "polite" });
  const assignBox = el("div");
  const suggestBox = el("div");
  const aspects = aspectsOf(j.event);
  const aJudge = el("select", { id: "js-assign-judge" });
  const aAspect = el("select", { id: "js-assign-aspect" });
  for (const c of new Set(aspects.map((a) => a.criterion))) {
    aAspect.append(el("option", { value: `${c}|`, text: t("js.whole_criterion", { id: c }) }));
    for (const a of aspects.filter((x) => x.criterion === c)) aAspect.append(el("option", { value: `${c}|${a.id}`, text: `${c} · ${a.name}（${a.id}）` }));
  }
  const assignOne = (user_id, value) => {
    const [criterion, aspect] = value.split("|");
    return api(`${j.base}/assignments`, { method: "POST", json: { user_id, criterion, ...(aspect ? { aspect } : {}) } });
  };
  const assignAdd = actionButton({ id: "js-assign-add", i18n: "js.assign_add" }, aOut, async () => {
    await assignOne(Number(aJudge.value), aAspect.value);
    await refresh();
  }, { done: t("js.assigned") });
  const suggest = actionButton({ id: "js-suggest", class: "secondary", i18n: "js.suggest" }, aOut, async () => {
    const plan = await api(`${j.base}/assignments/suggestion`);
    const apply = actionButton({ id: "js-apply", i18n: "js.apply" }, aOut, async () => {
      const current = await api(`${j.base}/assignments`);
      for (const a of plan.assignments) {
        if (current.some((c) => c.user_id === a.user_id && c.aspect === a.aspect)) continue;
        await assignOne(a.user_id, `${a.criterion}|${a.aspect}`);
      }
      suggestBox.replaceChildren();
      await refresh();
    }, { done: t("js.applied") });
    suggestBox.replaceChildren(el("div", { class: "warn-box", id: "js-suggestion" },
      el("p", { class: "alert-title", text: t("js.suggestion", { algorithm: plan.algorithm }) }),
      table([
        { key: "js.col.aspect", cell: (a) => `${a.criterion} · ${a.aspect}` },
        { key: "js.col.judge", cell: (a) => nameOf(j, a.user_id) },
      ], plan.assignments),
      el("p", { class: "note", text: t("js.load", { load: Object.entries(plan.load).map(([u, n]) => `${u} ${n}`).join("，") }) }),
      editable() ? apply : null));
  });
  const assignForm = el("div", { class: "fields three" }, labelled(aJudge, "js.col.judge"), labelled(aAspect, "js.col.aspect"),
    el("div", { class: "row" }, assignAdd, suggest));
  const assignments = card("js.assign", "js-assignments", el("p", { class: "note", i18n: "js.conflicts_note" }), assignBox, assignForm,
    suggestBox, aOut);

  box.replaceChildren(settings, pool, recusals, assignments);

  async function refresh() {
    fillSettings();
    const on = editable();
    settings.querySelector("#js-frozen").hidden = j.info.status === "setup";
    saveSettings.hidden = !on;
    for (const node of [addForm, recForm, assignForm]) node.hidden = !on;
    const members = await poolOf(j, { refresh: true });
    poolBox.replaceChildren(members.length ? table([
      { key: "js.col.name", cell: (p) => p.display_name },
      { key: "js.col.username", cell: (p) => el("span", { class: "mono", text: p.username }) },
      { key: "js.col.role", cell: (p) => t(`role.${p.role}`) },
      { key: "js.col.school", cell: (p) => (p.school_id ? names.get(p.school_id) || `#${p.school_id}` : "—") },
      { key: "app.edit", cell: (p) => (on ? el("button", { type: "button", class: "danger", i18n: "js.remove", onclick: async () => {
        const v = await askDialog({ title: t("js.remove_title"), fields: [{ name: "reason", label: t("js.reason"), type: "textarea", required: true, minlength: 2 }], danger: true });
        if (!v) return;
        try { await api(`${j.base}/pool/${p.user_id}`, { method: "DELETE", query: { role: p.role, reason: v.reason } }); await refresh(); }
        catch (e) { pOut.replaceChildren(problemBox(e)); }
      } }) : "") },
    ], members, { caption: t("js.pool") }) : el("p", { class: "empty", i18n: "js.pool_none" }));
    const judges = poolJudges(j);
    for (const select of [recJudge, aJudge]) {
      const keep = select.value;
      select.replaceChildren(...judges.map((p) => el("option", { value: p.user_id, text: `${p.display_name}（${p.username}）` })));
      if (keep) select.value = keep;
    }
    const recs = await api(`${j.base}/recusals`).catch(() => []);
    recBox.replaceChildren(recs.length ? table([
      { key: "js.col.judge", cell: (r) => nameOf(j, r.user_id) },
      { key: "js.col.target", cell: (r) => (r.school_id ? names.get(r.school_id) || `#${r.school_id}` : `#${r.person_id}`) },
      { key: "js.col.reason", cell: (r) => r.reason },
    ], recs) : el("p", { class: "empty", i18n: "js.recusals_none" }));
    const current = await api(`${j.base}/assignments`);
    assignBox.replaceChildren(table([
      { key: "js.col.aspect", cell: (a) => `${a.criterion} · ${a.name}（${a.id}）` },
      { key: "js.col.seats", num: true, cell: (a) => `${current.filter((c) => c.aspect === a.id).length}/${a.seats}` },
      { key: "js.col.judges", cell: (a) => el("div", { class: "chips" }, current.filter((c) => c.aspect === a.id).map((c) => on
        ? el("button", { type: "button", class: "chip", "aria-label": t("js.unassign", { name: nameOf(j, c.user_id) }), text: `${nameOf(j, c.user_id)} ×`,
          onclick: async () => {
            const v = await askDialog({ title: t("js.unassign", { name: nameOf(j, c.user_id) }), fields: [{ name: "reason", label: t("js.reason"), type: "textarea", required: true, minlength: 2 }] });
            if (!v) return;
            try { await api(`${j.base}/assignments`, { method: "DELETE", query: { user_id: c.user_id, criterion: a.criterion, aspect: a.id, reason: v.reason } }); await refresh(); }
            catch (e) { aOut.replaceChildren(problemBox(e)); }
          } })
        : el("span", { class: "chip", text: nameOf(j, c.user_id) }))) },
    ], aspects, { caption: t("js.assign"), rowClass: (a) => (current.filter((c) => c.aspect === a.id).length < a.seats ? "has-error" : "") }));
  }
  await refresh();
  return refresh;
}

// --- tablets ------------------------------------------------------------------------------------------

export async function tabletsSection(j, box) {
  const out = el("div", { "aria-live": "polite" });
  const list = el("div", { class: "pairings" });
  const shown = el("div", { id: "js-pairing" });
  box.replaceChildren(card("js.tablets", "js-tablets", el("p", { class: "note", i18n: "js.tablets_note" }), list, out, shown));
  async function refresh() {
    await poolOf(j, { refresh: true });
    list.replaceChildren(el("div", { class: "row" }, poolJudges(j).map((p) => actionButton({ class: "secondary", "data-user": p.user_id,
      text: `${t("js.pair")} · ${p.display_name}` }, out, async () => {
      const pairing = await api(`${j.base}/pairings`, { method: "POST", json: { user_id: p.user_id } });
      shown.replaceChildren(el("figure", { class: "card pairing", "data-user": p.user_id },
        el("figcaption", { text: t("js.pair_for", { name: p.display_name }) }),
        el("img", { src: `data:image/png;base64,${pairing.qr_png}`, alt: `${t("js.pair_for", { name: p.display_name })}: ${pairing.code}`, width: 240, height: 240 }),
        el("p", { class: "pair-code mono", id: "js-pair-code", text: pairing.code }),
        el("p", { class: "note", text: `${t("js.expires", { at: fmtDateTime(pairing.expires_at, { seconds: true, zone: true }) })} · ${pairing.url}` })));
    }))));
  }
  await refresh();
  return refresh;
}

// --- check-in and draw ---------------------------------------------------------------------------------

export async function drawSection(j, box) {
  const parts = [];
  const cOut = el("div", { "aria-live": "polite" });
  const checkBox = el("div");
  let rows = [];
  const marks = new Map(); // entry id → present (true/false)
  if (j.can("organizer", "encryption_officer")) {
    const all = el("button", { type: "button", class: "secondary", id: "js-all-present", i18n: "js.all_present",
      onclick: () => { for (const r of rows) marks.set(r.entry_id, true); paintCheckin(); } });
    const save = actionButton({ id: "js-checkin-save", i18n: "js.checkin_save" }, cOut, async () => {
      rows = await api(`${j.base}/checkin`, { method: "POST", json: rows.filter((r) => marks.has(r.entry_id))
        .map((r) => ({ entry_id: r.entry_id, present: marks.get(r.entry_id) })) });
      paintCheckin();
    }, { done: t("js.checked") });
    parts.push(card("js.checkin", "js-checkin", checkBox, el("div", { class: "row", id: "js-checkin-tools" }, all, save), cOut));
  }
  function paintCheckin() {
    const on = j.info.status === "setup";
    const tools = box.querySelector("#js-checkin-tools");
    if (tools) tools.hidden = !on;
    checkBox.replaceChildren(table([
      { key: "js.col.entry", num: true, cell: (r) => `#${r.entry_id}` },
      { key: "js.col.school", cell: (r) => r.school_name },
      { key: "js.col.members", cell: (r) => [r.team_name, r.members.join("、")].filter(Boolean).join("：") },
      { key: "js.col.present", cell: (r) => {
        const value = marks.has(r.entry_id) ? marks.get(r.entry_id) : r.present;
        if (!on) return value === null || value === undefined ? t("js.unknown") : t(value ? "js.present" : "js.absent");
        const name = `present-${r.entry_id}`;
        const radio = (v, key) => el("label", { class: "check" }, el("input", { type: "radio", name, value: String(v), checked: value === v,
          onchange: () => marks.set(r.entry_id, v) }), el("span", { i18n: key }));
        return el("div", { class: "row", role: "radiogroup", "aria-label": `#${r.entry_id} ${t("js.col.present")}` }, radio(true, "js.present"), radio(false, "js.absent"));
      } },
    ], rows, { caption: t("js.checkin") }));
  }

  const dOut = el("div", { "aria-live": "polite" });
  const drawCard = el("div");
  if (j.can("encryption_officer")) {
    const p1 = el("input", { id: "js-pass", type: "password", autocomplete: "new-password", minlength: 12, maxlength: 200 });
    const p2 = el("input", { id: "js-pass2", type: "password", autocomplete: "new-password", minlength: 12, maxlength: 200 });
    const go = actionButton({ id: "js-draw-go", i18n: "js.draw_go" }, dOut, async () => {
      if (p1.value !== p2.value) { dOut.replaceChildren(el("div", { class: "alert", role: "alert", i18n: "js.mismatch" })); return false; }
      const drawn = await api(`${j.base}/draw`, { method: "POST", json: { passphrase: p1.value } });
      p1.value = p2.value = "";
      await j.reloadInfo();
      await refresh();
      return drawn;
    }, { done: (d) => t("js.drawn", { codes: d.codes, seats: d.seats, subs: d.substitutes, layers: d.layers.map((l) => t(`layer.${l}`)).join(" → ") }) });
    const pe = el("input", { id: "js-pass-pdf", type: "password", autocomplete: "off", minlength: 12, maxlength: 200 });
    const pdf = actionButton({ id: "js-envelope-go", class: "secondary", i18n: "js.envelope_go" }, dOut, async () => {
      await download(`${j.base}/mapping.pdf`, { method: "POST", json: { passphrase: pe.value }, fallbackName: `mapping-${j.eventId}.pdf` });
      pe.value = "";
    });
    drawCard.append(el("div", { id: "js-draw-form", class: "stack" }, el("p", { class: "note", i18n: "js.draw_note" }),
      el("div", { class: "fields" }, labelled(p1, "js.passphrase"), labelled(p2, "js.passphrase2")), el("div", {}, go)),
    el("div", { id: "js-envelope", class: "stack" }, el("h4", { i18n: "js.envelope" }), labelled(pe, "js.passphrase"), el("div", {}, pdf)));
    parts.push(card("js.draw", "js-draw", drawCard, dOut));
  }
  const oOut = el("div", { "aria-live": "polite" });
  const open = actionButton({ id: "js-open", i18n: "js.open_go" }, oOut, async () => {
    await api(`${j.base}/open`, { method: "POST" });
    await j.reloadInfo();
    await refresh();
  }, { done: t("js.opened") });
  if (j.can("chief_judge")) parts.push(card("js.open", "js-open-card", el("div", { class: "row" }, open), oOut));
  box.replaceChildren(...parts);

  async function refresh() {
    if (j.can("organizer", "encryption_officer")) {
      rows = await api(`${j.base}/checkin`);
      paintCheckin();
    }
    const form = box.querySelector("#js-draw-form");
    if (form) form.hidden = j.info.status !== "setup";
    const env = box.querySelector("#js-envelope");
    if (env) env.hidden = !j.info.drawn_at;
    open.hidden = j.info.status !== "drawn";
  }
  await refresh();
  return refresh;
}

