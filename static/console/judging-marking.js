/**
 * Console judging while marks come in (refetched on every console-socket notice):
 * - progress (GET …/progress): each criterion's cells marked and whether it is locked, and each judge's
 *   sheet: marked, missing, signed off; the open tickets;
 * - tickets (GET …/tickets): what each needs; the chief judge names a third marker or an arbiter
 *   (POST …/tickets/{id}/marker; a conflicted judge or one already on the panel is refused);
 * - lock (POST …/lock, a criterion or the whole event) and unlock: the chief judge asks with a reason
 *   (POST …/unlocks), the supervisor approves (POST …/unlocks/{id}/approve?reason=…).
 */

import { addMessages, api, askDialog, el, fmtDateTime, getLang, t, table } from "/common/common.js";
import { actionButton, card, criteriaOf, nameOf, poolJudges, poolOf } from "/console/judging-common.js";

addMessages({
  "zh-CN": {
    "jm.progress": "评分进度",
    "jm.col.criterion": "模块", "jm.col.marked": "已评", "jm.col.missing": "未评", "jm.col.state": "状态", "jm.col.judge": "裁判",
    "jm.col.signed": "签字",
    "jm.locked": "已锁定", "jm.open": "评分中", "jm.signed": "已签字", "jm.unsigned": "未签字",
    "jm.open_tickets": "未处理的复评工单：{n}",
    "jm.none": "抽签后这里显示评分进度。",
    "jm.lock": "锁定模块 {id}",
    "jm.lock_all": "锁定全部评分",
    "jm.lock_title": "锁定评分",
    "jm.lock_text": "锁定后评分不能再修改，只能经裁判长申请、监督批准后解锁。",
    "jm.locked_now": "已锁定：{list}",
    "jm.unlocks": "解锁申请",
    "jm.unlock_none": "没有解锁申请。",
    "jm.unlock_ask": "申请解锁",
    "jm.unlock_criterion": "解锁范围",
    "jm.unlock_all": "整个赛项",
    "jm.reason": "原因（记入审计日志）",
    "jm.unlock_sent": "解锁申请已提交，等待监督批准。",
    "jm.approve": "批准解锁",
    "jm.approved": "已批准解锁。",
    "jm.col.requested_by": "申请人", "jm.col.approved_by": "批准人", "jm.col.reason": "原因",
    "ustatus.pending": "待批准", "ustatus.approved": "已批准", "ustatus.withdrawn": "已撤回",
    "jm.tickets": "复评工单",
    "jm.tickets_none": "没有复评工单。",
    "jm.col.code": "编码", "jm.col.aspect": "评分项", "jm.col.kind": "类型", "jm.col.round": "轮次", "jm.col.judges": "相关裁判",
    "jm.col.assignee": "指定裁判", "jm.col.todo": "处理", "jm.col.opened": "开立时间",
    "tkind.remark": "超差复评", "tkind.third_marker": "三评", "tkind.arbiter": "仲裁",
    "tstatus.open": "待处理", "tstatus.resolved": "已解决",
    "jm.todo.remark": "相关裁判讨论后重新评分（第 {round} 轮）",
    "jm.todo.third_marker": "裁判长指定第三位评分裁判（第 2 轮）",
    "jm.todo.arbiter": "裁判长指定仲裁裁判，仲裁分（第 3 轮）为最终分",
    "jm.name_marker": "指定",
    "jm.marker": "指定裁判",
    "jm.named": "已指定 {name}。",
    "jm.resolved": "已解决：最终分 {mark}（{why}）",
    "jm.within": "在允许误差内",
  },
  en: {
    "jm.progress": "Marking progress",
    "jm.col.criterion": "Criterion", "jm.col.marked": "Marked", "jm.col.missing": "Missing", "jm.col.state": "State", "jm.col.judge": "Judge",
    "jm.col.signed": "Sign-off",
    "jm.locked": "locked", "jm.open": "marking", "jm.signed": "signed off", "jm.unsigned": "not signed",
    "jm.open_tickets": "Open tickets: {n}",
    "jm.none": "Progress appears after the draw.",
    "jm.lock": "Lock criterion {id}",
    "jm.lock_all": "Lock every criterion",
    "jm.lock_title": "Lock the marks",
    "jm.lock_text": "Locked marks change only through an unlock the chief judge asks for and the supervisor approves.",
    "jm.locked_now": "Locked: {list}",
    "jm.unlocks": "Unlock requests",
    "jm.unlock_none": "No unlock request.",
    "jm.unlock_ask": "Ask to unlock",
    "jm.unlock_criterion": "What",
    "jm.unlock_all": "the whole event",
    "jm.reason": "Reason (goes to the audit log)",
    "jm.unlock_sent": "Unlock requested; the supervisor approves it.",
    "jm.approve": "Approve the unlock",
    "jm.approved": "Unlock approved.",
    "jm.col.requested_by": "Asked by", "jm.col.approved_by": "Approved by", "jm.col.reason": "Reason",
    "ustatus.pending": "pending", "ustatus.approved": "approved", "ustatus.withdrawn": "withdrawn",
    "jm.tickets": "Tickets",
    "jm.tickets_none": "No tickets.",
    "jm.col.code": "Code", "jm.col.aspect": "Aspect", "jm.col.kind": "Kind", "jm.col.round": "Round", "jm.col.judges": "Judges",
    "jm.col.assignee": "Named", "jm.col.todo": "To do", "jm.col.opened": "Opened",
    "tkind.remark": "re-mark", "tkind.third_marker": "third marker", "tkind.arbiter": "arbiter",
    "tstatus.open": "open", "tstatus.resolved": "resolved",
    "jm.todo.remark": "The judges discuss and mark again (round {round})",
    "jm.todo.third_marker": "The chief judge names a third marker (round 2)",
    "jm.todo.arbiter": "The chief judge names an arbiter, whose round-3 mark is final",
    "jm.name_marker": "Name",
    "jm.marker": "Marker",
    "jm.named": "{name} named.",
    "jm.resolved": "resolved: mark {mark} ({why})",
    "jm.within": "within tolerance",
  },
});

export function ticketTodo(tk) {
  if (tk.status !== "open") { // "ok: mark 3.33 (within tolerance)" — the server's record of how it closed
    const m = getLang() === "en" ? null : tk.resolution.match(/^(\w+): mark (\S+) \((.*)\)$/);
    if (!m) return tk.resolution;
    return t("jm.resolved", { mark: m[2], why: m[3] === "within tolerance" ? t("jm.within") : m[3] });
  }
  return getLang() === "en" && tk.what_to_do ? tk.what_to_do : t(`jm.todo.${tk.kind}`, { round: tk.round });
}

export async function markingSection(j, box) {
  const chief = j.can("chief_judge");
  const pOut = el("div", { "aria-live": "polite" });
  const progressBox = el("div", { id: "jm-progress-body" });
  const lockBox = el("div", { class: "row", id: "jm-locks" });
  const progress = card("jm.progress", "jm-progress", progressBox, lockBox, pOut);

  const tOut = el("div", { "aria-live": "polite" });
  const ticketBox = el("div");
  const tickets = card("jm.tickets", "jm-tickets", ticketBox, tOut);

  const uOut = el("div", { "aria-live": "polite" });
  const unlockBox = el("div");
  const unlockForm = el("div", { class: "fields three", id: "jm-unlock-form" });
  const unlocks = card("jm.unlocks", "jm-unlocks", unlockBox, unlockForm, uOut);
  if (chief) {
    const what = el("select", { id: "jm-unlock-what" }, el("option", { value: "", i18n: "jm.unlock_all" }),
      criteriaOf(j.event).map((c) => el("option", { value: c.id, text: `${c.id} · ${c.name}` })));
    const reason = el("input", { id: "jm-unlock-reason", minlength: 2, maxlength: 1000 });
    unlockForm.append(el("label", { for: what.id }, el("span", { i18n: "jm.unlock_criterion" }), what),
      el("label", { for: reason.id }, el("span", { i18n: "jm.reason" }), reason),
      el("div", { class: "row" }, actionButton({ id: "jm-unlock-ask", class: "secondary", i18n: "jm.unlock_ask" }, uOut, async () => {
        await api(`${j.base}/unlocks`, { method: "POST", json: { reason: reason.value.trim(), ...(what.value ? { criterion: what.value } : {}) } });
        reason.value = "";
        await refresh();
      }, { done: t("jm.unlock_sent") })));
  }
  const parts = [progress, tickets];
  if (j.can("chief_judge", "supervisor")) parts.push(unlocks);
  box.replaceChildren(...parts);

  async function lock(criterion) {
    const ok = await askDialog({ title: t("jm.lock_title"), text: t("jm.lock_text"), ok: "jm.lock_title" });
    if (!ok) return false;
    const locked = await api(`${j.base}/lock`, { method: "POST", json: criterion ? { criterion } : {} });
    await j.reloadInfo();
    await refresh();
    return locked;
  }

  async function refresh() {
    await poolOf(j);
    if (j.info.status === "setup") { progressBox.replaceChildren(el("p", { class: "empty", i18n: "jm.none" })); }
    else {
      const p = await api(`${j.base}/progress`);
      const criteria = Object.entries(p.criteria);
      progressBox.replaceChildren(
        table([
          { key: "jm.col.criterion", cell: ([id]) => `${id} · ${criteriaOf(j.event).find((c) => c.id === id)?.name || ""}` },
          { key: "jm.col.marked", num: true, cell: ([, c]) => el("span", {}, `${c.marked}/${c.cells} `,
            el("progress", { class: "progress", max: c.cells || 1, value: c.marked, "aria-label": `${c.marked}/${c.cells}` })) },
          { key: "jm.col.missing", num: true, cell: ([, c]) => String(c.cells - c.marked) },
          { key: "jm.col.state", cell: ([, c]) => t(c.locked ? "jm.locked" : "jm.open") },
        ], criteria, { caption: t("jm.progress") }),
        el("p", { class: p.open_tickets ? "warn-box" : "note", id: "jm-open-tickets", text: t("jm.open_tickets", { n: p.open_tickets }) }),
        table([
          { key: "jm.col.judge", cell: (r) => nameOf(j, r.user_id) },
          { key: "jm.col.criterion", cell: (r) => r.criterion },
          { key: "jm.col.marked", num: true, cell: (r) => `${r.marked}/${r.cells}` },
          { key: "jm.col.missing", num: true, cell: (r) => String(r.cells - r.marked) },
          { key: "jm.col.signed", cell: (r) => t(r.signed_off ? "jm.signed" : "jm.unsigned") },
        ], p.judges, { rowClass: (r) => (r.marked < r.cells ? "has-error" : "") }));
      lockBox.replaceChildren();
      if (chief && j.info.status === "marking") {
        for (const [id, c] of criteria) {
          if (!c.locked) lockBox.append(actionButton({ class: "secondary", "data-lock": id, text: t("jm.lock", { id }) }, pOut, () => lock(id),
            { done: (list) => t("jm.locked_now", { list: list.join("、") }) }));
        }
        lockBox.append(actionButton({ id: "jm-lock-all", i18n: "jm.lock_all" }, pOut, () => lock(null),
          { done: (list) => t("jm.locked_now", { list: list.join("、") }) }));
      }
    }

    const list = j.info.status === "setup" ? [] : await api(`${j.base}/tickets`);
    ticketBox.replaceChildren(list.length ? table([
      { key: "jm.col.code", cell: (tk) => el("span", { class: "mono", text: tk.code }) },
      { key: "jm.col.aspect", cell: (tk) => tk.aspect },
      { key: "jm.col.kind", cell: (tk) => t(`tkind.${tk.kind}`) },
      { key: "jm.col.round", num: true, cell: (tk) => String(tk.round) },
      { key: "jm.col.state", cell: (tk) => el("span", { class: `badge ${tk.status === "open" ? "returned" : "approved"}`, text: t(`tstatus.${tk.status}`) }) },
      { key: "jm.col.judges", cell: (tk) => tk.judges.map((u) => nameOf(j, u)).join("、") },
      { key: "jm.col.todo", cell: (tk) => el("div", {}, ticketTodo(tk), tk.assignee ? el("div", { class: "small", text: `${t("jm.col.assignee")}：${nameOf(j, tk.assignee)}` }) : null,
        chief && tk.status === "open" && tk.kind !== "remark" ? markerPicker(tk) : null) },
      { key: "jm.col.opened", cell: (tk) => fmtDateTime(tk.opened_at) },
    ], list, { caption: t("jm.tickets"), rowClass: (tk) => (tk.status === "open" ? "has-error ticket-open" : "") }) : el("p", { class: "empty", i18n: "jm.tickets_none" }));

    if (j.can("chief_judge", "supervisor")) {
      const requests = await api(`${j.base}/unlocks`);
      unlockForm.hidden = !chief || !["marking", "locked"].includes(j.info.status);
      unlockBox.replaceChildren(requests.length ? table([
        { key: "jm.col.criterion", cell: (u) => u.criterion || t("jm.unlock_all") },
        { key: "jm.col.reason", cell: (u) => u.reason },
        { key: "jm.col.state", cell: (u) => t(`ustatus.${u.status}`) },
        { key: "jm.col.requested_by", cell: (u) => nameOf(j, u.requested_by) },
        { key: "jm.col.approved_by", cell: (u) => (u.approved_by ? nameOf(j, u.approved_by) : (u.status === "pending" && j.can("supervisor")
          ? actionButton({ "data-unlock": u.id, i18n: "jm.approve" }, uOut, async () => {
            const v = await askDialog({ title: t("jm.approve"), fields: [{ name: "reason", label: t("jm.reason"), type: "textarea", required: true, minlength: 2 }] });
            if (!v) return false;
            await api(`${j.base}/unlocks/${u.id}/approve`, { method: "POST", query: { reason: v.reason } });
            await j.reloadInfo();
            await refresh();
          }, { done: t("jm.approved") }) : "—")) },
      ], requests) : el("p", { class: "empty", i18n: "jm.unlock_none" }));
    }
  }

  function markerPicker(tk) {
    const select = el("select", { "aria-label": t("jm.marker"), id: `jm-marker-${tk.id}` },
      poolJudges(j).filter((p) => !tk.judges.includes(p.user_id)).map((p) => el("option", { value: p.user_id, text: p.display_name })));
    const go = actionButton({ class: "secondary", "data-ticket": tk.id, i18n: "jm.name_marker" }, tOut, async () => {
      const named = await api(`${j.base}/tickets/${tk.id}/marker`, { method: "POST", json: { user_id: Number(select.value) } });
      await refresh();
      return named;
    }, { done: (named) => t("jm.named", { name: nameOf(j, named.assignee) }) });
    return el("div", { class: "row" }, select, go);
  }

  await refresh();
  return refresh;
}

