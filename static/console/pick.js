/**
 * Pickers the console's views share: a competition select, an event select for a competition, the
 * occupation search (GET /api/occupations?q=, by code, name or pinyin initials such as "DG"), the
 * authorities the organizer may name, and a labelled control helper.
 */

import { addMessages, api, el, t } from "/common/common.js";

addMessages({
  "zh-CN": {
    "pick.competition": "竞赛",
    "pick.event": "赛项",
    "pick.choose": "— 请选择 —",
    "pick.all_events": "全部赛项",
    "pick.occupation": "职业（工种）",
    "pick.occupation_hint": "输入职业编码、名称或拼音首字母（如 DG 找电工）",
    "pick.occupation_none": "没有找到匹配的职业。",
    "pick.occupation_chosen": "已选：{text}",
  },
  en: {
    "pick.competition": "Competition",
    "pick.event": "Event",
    "pick.choose": "— choose —",
    "pick.all_events": "All events",
    "pick.occupation": "Occupation",
    "pick.occupation_hint": "Type a code, a name or pinyin initials (DG finds 电工)",
    "pick.occupation_none": "No matching occupation.",
    "pick.occupation_chosen": "Chosen: {text}",
  },
});

/** <label> with its text and control; `key` is an i18n key, `text` a literal. */
export function field(control, key, { text, wide = false, hint } = {}) {
  return el("label", { for: control.id, class: wide ? "wide" : "" },
    text ? el("span", { text }) : el("span", { i18n: key }), control,
    hint ? el("span", { class: "note", text: hint }) : null);
}

let competitionCache = null;

export async function competitions(refresh = false) {
  if (!competitionCache || refresh) competitionCache = await api("/api/competitions");
  return competitionCache;
}

export function forgetCompetitions() { competitionCache = null; }

export function occupationText(o) {
  return [o.code, o.name, o.work_type].filter(Boolean).join(" ");
}

/**
 * A select of competitions; `initial` id or the first whose status is in `prefer`.
 * Returns the <select>; its value is the competition id.
 */
export async function competitionSelect(id, { initial, prefer = [] } = {}) {
  const list = await competitions();
  const select = el("select", { id, name: "competition_id" },
    list.map((c) => el("option", { value: c.id, text: `${c.name}（${t(`cstatus.${c.status}`)}）` })));
  const first = list.find((c) => String(c.id) === String(initial)) || list.find((c) => prefer.includes(c.status)) || list[0];
  if (first) select.value = String(first.id);
  return select;
}

/** Fill an event select with the events of a competition; `allLabel` adds an empty "all" choice. */
export async function fillEvents(select, competitionId, { allLabel = false, initial } = {}) {
  const events = competitionId ? await api(`/api/competitions/${competitionId}/events`) : [];
  select.replaceChildren(...(allLabel ? [el("option", { value: "", i18n: "pick.all_events" })] : []),
    ...events.map((e) => el("option", { value: e.id, text: `${e.name}（${e.code}）` })));
  if (initial && events.some((e) => String(e.id) === String(initial))) select.value = String(initial);
  return events;
}

/**
 * Occupation search: a text box, a list of matches as buttons, and a hidden value (occupation id).
 * Returns { node, get: () => occupation | null, set(occupation) }.
 */
export function occupationPicker(id, initial = null) {
  let chosen = initial;
  const input = el("input", { id, type: "search", autocomplete: "off", "aria-describedby": `${id}-hint`,
    "aria-controls": `${id}-options`, name: "occupation_id", "data-field": "occupation_id" });
  const options = el("ul", { class: "options", id: `${id}-options`, hidden: true, role: "list" });
  const status = el("p", { class: "note", id: `${id}-hint`, "aria-live": "polite", text: t("pick.occupation_hint") });
  const paint = () => {
    status.textContent = chosen ? t("pick.occupation_chosen", { text: occupationText(chosen) }) : t("pick.occupation_hint");
    if (chosen) input.value = occupationText(chosen);
  };
  let timer = null, seq = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { options.hidden = true; return; }
    timer = setTimeout(async () => {
      const mine = ++seq;
      let found = [];
      try { found = await api("/api/occupations", { query: { q, limit: 12 } }); } catch { found = []; }
      if (mine !== seq) return;
      options.replaceChildren(...(found.length ? found.map((o) => el("li", {},
        el("button", { type: "button", class: "link", text: `${occupationText(o)}${o.local ? " *" : ""}`,
          onclick: () => { chosen = o; options.hidden = true; paint(); input.focus(); } }))) : [el("li", { text: t("pick.occupation_none") })]));
      options.hidden = false;
    }, 250);
  });
  paint();
  return {
    node: el("div", { class: "wide" }, el("label", { for: id }, el("span", { i18n: "pick.occupation" }), input), options, status),
    get: () => chosen,
    set: (o) => { chosen = o; paint(); },
  };
}

/** Authorities (for organizers of a competition and issuers of certificates), the user's own first. */
export async function authorities(me) {
  const list = await api("/api/organizations", { query: { kind: "authority" } });
  const mine = new Set((me.grants || []).map((g) => g.organization_id));
  return [...list.filter((o) => mine.has(o.id)), ...list.filter((o) => !mine.has(o.id))];
}
