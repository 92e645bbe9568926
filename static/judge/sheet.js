/**
 * One score sheet on the tablet: the criteria as tabs, the codes with their progress, tickets and
 * running totals (what scoring computes from the judge's marks: each aspect's points, not the raw 0–3), and
 * the selected code's aspects — big 0–3 buttons for judgement aspects, a numeric
 * keypad with the aspect's range and decimal places checked before anything is saved for the others.
 * What a cell shows: the mark waiting in the outbox (or refused there), else the server's mark of the
 * round the judge is to mark now; in a re-mark round the earlier round's mark is shown beside it.
 * Everything the judge does goes through callbacks to judge.js (onMark saves to the outbox).
 */

import { addMessages, describeProblem, el, getLang, t } from "/common/common.js";

addMessages({
  "zh-CN": {
    "sheet.codes": "编码",
    "sheet.progress": "已评 {done}/{cells}",
    "sheet.total_label": "合计（按本人评分折算的得分）",
    "sheet.judgement_hint": "评价分：0 低于行业标准 · 1 达到 · 2 部分超出 · 3 优秀",
    "sheet.score_n": "{aspect}：{n} 分",
    "sheet.range": "范围 {min}–{max}，最多 {places} 位小数",
    "sheet.range_whole": "范围 {min}–{max}，整数",
    "sheet.range_open": "不低于 {min}，最多 {places} 位小数",
    "sheet.save": "保存",
    "sheet.clear": "清除",
    "sheet.backspace": "退格",
    "sheet.enter": "输入分数",
    "sheet.round": "第 {round} 轮",
    "sheet.previous": "上一轮：{value}",
    "sheet.cell.empty": "未评",
    "sheet.cell.synced": "已同步",
    "sheet.cell.corrected": "已同步（第 {version} 版）",
    "sheet.cell.waiting": "已保存在本机，等待同步",
    "sheet.cell.failed": "未被接受：{reason}",
    "sheet.next": "下一个编码 →",
    "sheet.ticket": "复评",
    "sheet.ticket.remark": "超出允许误差：相关裁判讨论后重新评分（第 {round} 轮）。",
    "sheet.ticket.third_marker": "超出允许误差：由裁判长指定的第三位裁判评分（第 2 轮）。",
    "sheet.ticket.arbiter": "仍超出允许误差：由裁判长指定的仲裁裁判评分（第 3 轮），仲裁分为最终分。",
    "sheet.tickets_open": "待处理的复评工单",
    "sheet.signed": "已签字确认",
    "sheet.locked": "已锁定",
  },
  en: {
    "sheet.codes": "Codes",
    "sheet.progress": "{done}/{cells} marked",
    "sheet.total_label": "Total (the points your marks give)",
    "sheet.judgement_hint": "Judgement: 0 below industry standard · 1 meets · 2 exceeds in respects · 3 excellent",
    "sheet.score_n": "{aspect}: {n}",
    "sheet.range": "Range {min}–{max}, up to {places} decimals",
    "sheet.range_whole": "Range {min}–{max}, whole numbers",
    "sheet.range_open": "At least {min}, up to {places} decimals",
    "sheet.save": "Save",
    "sheet.clear": "Clear",
    "sheet.backspace": "Backspace",
    "sheet.enter": "Enter the mark",
    "sheet.round": "Round {round}",
    "sheet.previous": "Earlier round: {value}",
    "sheet.cell.empty": "not marked",
    "sheet.cell.synced": "synced",
    "sheet.cell.corrected": "synced (version {version})",
    "sheet.cell.waiting": "kept on this tablet, waiting to sync",
    "sheet.cell.failed": "not accepted: {reason}",
    "sheet.next": "Next code →",
    "sheet.ticket": "re-mark",
    "sheet.ticket.remark": "Out of tolerance: the judges discuss and mark this aspect again (round {round}).",
    "sheet.ticket.third_marker": "Out of tolerance: a third marker named by the chief judge marks it (round 2).",
    "sheet.ticket.arbiter": "Still out of tolerance: an arbiter named by the chief judge marks it (round 3); that mark is final.",
    "sheet.tickets_open": "Open tickets",
    "sheet.signed": "signed off",
    "sheet.locked": "locked",
  },
});

/** Whether `text` is a mark the aspect takes: { ok } or { ok: false, code, text } (catalog code and sentence). */
export function checkValue(aspect, text) {
  const value = String(text).trim();
  const refuse = (code) => ({ ok: false, code, text: `${t(`code.${code}`)} ${rangeText(aspect)}` });
  if (!/^-?\d+(\.\d+)?$/.test(value)) return refuse("invalid_value");
  if ((value.split(".")[1] || "").length > aspect.places) return refuse(aspect.whole ? "judgement_mark_invalid" : "too_many_places");
  const n = Number(value);
  if (n < Number(aspect.min) || (aspect.max !== "" && n > Number(aspect.max))) return refuse("mark_out_of_range");
  return { ok: true, value };
}

function rangeText(a) {
  if (a.max === "") return t("sheet.range_open", { min: a.min, places: a.places });
  return a.whole || a.places === 0 ? t("sheet.range_whole", { min: a.min, max: a.max }) : t("sheet.range", { min: a.min, max: a.max, places: a.places });
}

// --- what a mark is worth in the criterion score (AspectOut.points, max, bands, rounding), exactly as
// scoring computes it when the panel agrees with this judge: m × points / max (6 × 2/3 = 4 for a 2 on
// a 0–3 judgement aspect of 6 points), a banded measurement's band mark, rounded where the scheme
// rounds. Values are fractions [numerator, denominator > 0] of BigInts: no binary floating point.

/** "3.25" → [325n, 100n]; null for anything that is not a decimal text. */
function ratio(text) {
  const m = /^([-+]?)(\d*)(?:\.(\d*))?$/.exec(String(text ?? "").trim());
  if (!m || (m[2] === "" && !m[3])) return null;
  const f = m[3] || "";
  const n = BigInt(m[2] || "0") * 10n ** BigInt(f.length) + BigInt(f || "0");
  return [m[1] === "-" ? -n : n, 10n ** BigInt(f.length)];
}

const absB = (n) => (n < 0n ? -n : n);

/** Round [n, d] to r.places decimals with scoring's modes; [scaled, 10^places]. */
function rounded([n, d], r) {
  if (!r) return [n, d];
  const q = 10n ** BigInt(r.places);
  const num = n * q;
  let whole = num / d; // BigInt division truncates toward zero
  const rem = num - whole * d;
  if (rem !== 0n) {
    const away = num > 0n ? 1n : -1n;
    const twice = absB(rem) * 2n;
    if (r.mode === "ceil") { if (num > 0n) whole += 1n; }
    else if (r.mode === "floor") { if (num < 0n) whole -= 1n; }
    else if (r.mode === "half_up") { if (twice >= d) whole += away; }
    else if (r.mode === "half_even") { if (twice > d || (twice === d && whole % 2n !== 0n)) whole += away; }
    // truncate: toward zero, as divided
  }
  return [whole, q];
}

/** What `value` on `aspect` gives the criterion score (null: not a mark). */
export function worth(aspect, value) {
  const v = ratio(value);
  if (!v) return null;
  let exact;
  if (aspect?.bands?.length) {
    const deviation = [absB(v[0]), v[1]];
    const band = aspect.bands.find((b) => { const w = ratio(b.within); return deviation[0] * w[1] <= w[0] * deviation[1]; });
    exact = band ? ratio(band.mark) : [0n, 1n];
  } else if (aspect?.points && aspect.max) {
    const [pn, pd] = ratio(aspect.points), [mn, md] = ratio(aspect.max);
    exact = [v[0] * pn * md, v[1] * pd * mn];
  } else {
    exact = v; // a sheet kept on the tablet from before points were sent: the mark itself
  }
  return rounded(exact, aspect?.rounding);
}

function decimalText([n, d], places) {
  let k = places;
  if (k === null) { // no rounding declared: as many places as the exact value needs (up to 6)
    k = 0;
    while (k < 6 && (n * 10n ** BigInt(k)) % d !== 0n) k++;
  }
  const [scaled] = rounded([n, d], { places: k, mode: "half_up" });
  const digits = absB(scaled).toString().padStart(k + 1, "0");
  return (scaled < 0n ? "-" : "") + (k ? `${digits.slice(0, -k)}.${digits.slice(-k)}` : digits);
}

/** The running total of a code: its cells' worth summed exactly, rounded as the scheme rounds a criterion. */
function runningTotal(worths, sheet, aspects) {
  let total = [0n, 1n];
  for (const [n, d] of worths) total = [total[0] * d + n * total[1], total[1] * d];
  const places = sheet.rounding?.places ?? aspects.find((a) => a?.rounding)?.rounding.places ?? null;
  return decimalText(rounded(total, sheet.rounding), places);
}

/** What a cell shows now. */
export function cellState(code, cell, outbox) {
  const local = outbox ? outbox.local(code, cell.aspect, cell.round) : null;
  const current = cell.version !== null ? cell.value : null;
  const previous = cell.version === null && cell.value !== null ? cell.value : null;
  if (local) return { shown: local.value, state: local.state, local, previous, version: cell.version };
  return { shown: current, state: current !== null ? "synced" : "empty", previous, version: cell.version };
}

function ticketText(ticket, aspectName) {
  const text = getLang() === "en" && ticket.what_to_do ? ticket.what_to_do : t(`sheet.ticket.${ticket.kind}`, { round: ticket.round });
  return `${ticket.code} · ${aspectName}${t("app.colon")}${text}`;
}

function stateLine(s) {
  if (s.state === "failed") {
    const d = describeProblem({ code: s.local.reason, detail: s.local.detail }, { language: "en" });
    return el("p", { class: "cell-state failed", text: t("sheet.cell.failed", { reason: d.text }) });
  }
  const key = { waiting: "sheet.cell.waiting", empty: "sheet.cell.empty" }[s.state];
  if (key) return el("p", { class: `cell-state ${s.state}`, i18n: key });
  return el("p", { class: "cell-state synced", text: s.version > 1 ? t("sheet.cell.corrected", { version: s.version }) : t("sheet.cell.synced") });
}

function judgementCell(ctx, code, cell, aspect, s, disabled) {
  const buttons = [];
  for (let n = Number(aspect.min); n <= Number(aspect.max); n++) {
    const pressed = s.shown !== null && Number(s.shown) === n;
    buttons.push(el("button", { type: "button", class: "score", "data-score": n, "aria-pressed": String(pressed), disabled,
      "aria-label": t("sheet.score_n", { aspect: aspect.name, n }), text: String(n),
      onclick: () => { if (!pressed) ctx.onMark({ code, aspect: aspect.id, value: String(n), round: cell.round, version: cell.version }); } }));
  }
  return el("div", { class: "score-buttons", role: "group", "aria-label": aspect.name }, buttons);
}

function numberCell(ctx, code, cell, aspect, s, disabled) {
  const key = `${code}|${aspect.id}`;
  const active = ctx.active === aspect.id;
  const id = `val-${code}-${aspect.id}`;
  let text = ctx.draft[key] ?? (s.shown ?? "");
  const display = el("input", { id, class: "mark-display mono", readonly: true, inputmode: "none", value: text, disabled,
    "aria-label": `${aspect.name} ${t("sheet.enter")}`, "data-aspect": aspect.id });
  const problem = el("p", { class: "field-error", "aria-live": "polite" });
  const set = (next) => { text = next; display.value = next; ctx.onDraft(key, next); problem.textContent = ""; };
  const save = () => {
    const check = checkValue(aspect, text);
    if (!check.ok) { problem.textContent = check.text; display.setAttribute("aria-invalid", "true"); return; }
    if (s.shown !== null && Number(s.shown) === Number(check.value) && s.state !== "failed") { ctx.onActive(null); return; }
    ctx.onMark({ code, aspect: aspect.id, value: check.value, round: cell.round, version: cell.version });
  };
  const press = (k) => {
    if (k === "⌫") set(text.slice(0, -1));
    else if (k === "C") set("");
    else if (k === "-") set(text.startsWith("-") ? text.slice(1) : `-${text}`);
    else if (k === "." && text.includes(".")) return;
    else set(text + k);
  };
  display.addEventListener("click", () => { if (!active) ctx.onActive(aspect.id); });
  display.addEventListener("keydown", (e) => {
    if (/^[0-9.]$/.test(e.key)) { press(e.key); e.preventDefault(); }
    else if (e.key === "Backspace") { press("⌫"); e.preventDefault(); }
    else if (e.key === "Enter") { save(); e.preventDefault(); }
  });
  const box = el("div", { class: "number-cell" }, display);
  if (active && !disabled) {
    const keys = ["7", "8", "9", "4", "5", "6", "1", "2", "3", ".", "0", "⌫"];
    if (Number(aspect.min) < 0) keys.push("-");
    box.append(el("div", { class: "keypad", role: "group", "aria-label": t("sheet.enter") },
      keys.map((k) => el("button", { type: "button", class: "secondary key", "data-key": k, text: k,
        "aria-label": k === "⌫" ? t("sheet.backspace") : k, onclick: () => press(k) })),
      el("button", { type: "button", class: "secondary key", "data-key": "C", i18n: "sheet.clear", onclick: () => press("C") }),
      el("button", { type: "button", class: "key save", "data-key": "save", i18n: "sheet.save", onclick: save })));
  } else if (!disabled) {
    box.append(el("button", { type: "button", class: "secondary", "data-open": aspect.id, i18n: "sheet.enter", onclick: () => ctx.onActive(aspect.id) }));
  }
  box.append(problem);
  return box;
}

function codeSummary(sheet, row, outbox) {
  const aspects = new Map(sheet.aspects.map((a) => [a.id, a]));
  const states = row.cells.map((c) => cellState(row.code, c, outbox));
  const done = states.filter((s) => s.shown !== null && s.state !== "failed").length;
  const worths = row.cells.map((c, i) => {
    const s = states[i];
    const value = s.state === "failed" ? s.previous : s.shown ?? s.previous;
    return value === null || value === undefined ? null : worth(aspects.get(c.aspect), value);
  }).filter(Boolean);
  const tickets = sheet.open_tickets.filter((tk) => tk.code === row.code);
  return { done, cells: row.cells.length, total: worths.length ? runningTotal(worths, sheet, [...aspects.values()]) : "—", tickets,
    waiting: states.some((s) => s.state === "waiting"), failed: states.some((s) => s.state === "failed") };
}

export function sheetView(ctx) {
  const { sheets, sheet, outbox, readOnly } = ctx;
  const aspects = new Map(sheet.aspects.map((a) => [a.id, a]));
  const disabledSheet = readOnly || sheet.locked;
  const parts = [];
  if (sheets.length > 1) {
    parts.push(el("nav", { class: "tabs", "aria-label": t("sheet.codes") }, sheets.map((s) => el("button", { type: "button",
      "aria-selected": String(s.criterion === sheet.criterion), "data-criterion": s.criterion,
      text: `${s.criterion_name}（${s.marked}/${s.cells}）`, onclick: () => ctx.onCriterion(s.criterion) }))));
  }
  const summaries = new Map(sheet.rows.map((r) => [r.code, codeSummary(sheet, r, outbox)]));
  const row = sheet.rows.find((r) => r.code === ctx.code)
    || sheet.rows.find((r) => summaries.get(r.code).tickets.length && summaries.get(r.code).done < r.cells.length)
    || sheet.rows.find((r) => summaries.get(r.code).done < r.cells.length) || sheet.rows[0];

  const headBits = [el("h2", { id: "sheet-title", text: sheet.criterion_name }),
    el("span", { class: "muted", id: "sheet-progress", // the tablet's own marks count, synced or not
      text: t("sheet.progress", { done: [...summaries.values()].reduce((n, sm) => n + sm.done, 0), cells: sheet.cells }) })];
  if (sheet.signed_off) headBits.push(el("span", { class: "badge approved", id: "sheet-signed", i18n: "sheet.signed" }));
  if (sheet.locked) headBits.push(el("span", { class: "badge archived", i18n: "sheet.locked" }));
  parts.push(el("div", { class: "row sheet-head" }, headBits));

  if (sheet.open_tickets.length) {
    parts.push(el("section", { class: "tickets", id: "tickets", role: "alert", "aria-labelledby": "tickets-title" },
      el("h3", { id: "tickets-title", i18n: "sheet.tickets_open" }),
      el("ul", {}, sheet.open_tickets.map((tk) => el("li", { "data-ticket": tk.id },
        el("button", { type: "button", class: "link", text: ticketText(tk, aspects.get(tk.aspect)?.name || tk.aspect),
          onclick: () => ctx.onCode(tk.code) }))))));
  }

  const codes = el("nav", { class: "codes", "aria-label": t("sheet.codes") }, el("ul", {}, sheet.rows.map((r) => {
    const sm = summaries.get(r.code);
    const cls = ["code-button", sm.tickets.length ? "has-ticket" : "", sm.done === sm.cells ? "done" : "", sm.failed ? "failed" : ""].join(" ").trim();
    return el("li", {}, el("button", { type: "button", class: cls, "data-code": r.code, "aria-current": r.code === row.code ? "true" : null,
      onclick: () => ctx.onCode(r.code) },
      el("span", { class: "code-name mono", text: r.code }),
      el("span", { class: "code-meta", text: `${sm.done}/${sm.cells} · ${sm.total}` }),
      sm.tickets.length ? el("span", { class: "badge returned", i18n: "sheet.ticket" }) : null,
      sm.waiting ? el("span", { class: "dot waiting", "aria-hidden": "true" }) : null));
  })));

  ctx.onShown(row.code); // the code stays chosen until the judge picks another
  const sm = summaries.get(row.code);
  const entry = el("section", { class: "entry", "aria-labelledby": "code-title", "data-code": row.code },
    el("div", { class: "spread" }, el("h3", { id: "code-title", class: "mono", text: row.code }),
      el("p", { class: "row-total" }, el("span", { class: "muted", i18n: "sheet.total_label" }),
        el("strong", { id: "row-total", text: sm.total }))));
  for (const tk of sm.tickets) entry.append(el("p", { class: "ticket-note", text: ticketText(tk, aspects.get(tk.aspect)?.name || tk.aspect) }));
  for (const cell of row.cells) {
    const aspect = aspects.get(cell.aspect);
    const s = cellState(row.code, cell, outbox);
    const ticket = cell.ticket_id !== null ? sheet.open_tickets.find((tk) => tk.id === cell.ticket_id) : null;
    const legend = el("legend", {}, `${aspect.name}（${aspect.id}）`,
      cell.round > 1 ? el("span", { class: "badge submitted round", text: t("sheet.round", { round: cell.round }) }) : null);
    const hint = aspect.kind === "judgement" ? t("sheet.judgement_hint") : rangeText(aspect);
    const box = el("fieldset", { class: ["aspect", aspect.kind === "judgement" ? "judgement" : "number", ticket ? "ticket" : "", s.state === "failed" ? "failed" : ""].join(" ").trim(),
      "data-aspect": aspect.id, "data-state": s.state }, legend, el("p", { class: "note", text: hint }));
    if (s.previous !== null) box.append(el("p", { class: "note previous", text: t("sheet.previous", { value: s.previous }) }));
    const disabled = disabledSheet;
    box.append(aspect.kind === "judgement" ? judgementCell(ctx, row.code, cell, aspect, s, disabled) : numberCell(ctx, row.code, cell, aspect, s, disabled));
    box.append(stateLine(s));
    entry.append(box);
  }
  const index = sheet.rows.indexOf(row);
  if (index < sheet.rows.length - 1) {
    entry.append(el("div", { class: "row end" }, el("button", { type: "button", class: "secondary", id: "next-code", i18n: "sheet.next",
      onclick: () => ctx.onCode(sheet.rows[index + 1].code) })));
  }

  const waiting = outbox ? outbox.marks.some((m) => m.state !== "failed" && sheet.rows.some((r) => r.code === m.code)
    && sheet.aspects.some((a) => a.id === m.aspect)) : false;
  const canSign = !disabledSheet && !sheet.signed_off && sheet.marked === sheet.cells && !sheet.open_tickets.length && !waiting;
  const sign = el("button", { type: "button", id: "sign-off", i18n: "judge.signoff", disabled: !canSign });
  sign.addEventListener("click", () => ctx.signOff(sign));
  const foot = el("section", { class: "card signoff" }, el("div", { class: "row" }, sign,
    sheet.signed_off ? el("span", { class: "badge approved", i18n: "sheet.signed" }) : el("span", { class: "note", text: ctx.signOffNote })), ctx.out);

  parts.push(el("div", { class: "sheet-grid" }, codes, entry), foot);
  return el("div", { class: "sheet", id: "sheet", "data-criterion": sheet.criterion }, parts);
}
