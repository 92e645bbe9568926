/**
 * What the console's judging sections share: the event's pool (names for user ids), the aspects of its
 * marking scheme with their panel sizes, a card with a title, and a button that runs one API action and
 * shows its refusal (problem+json in the user's language) or a notice.
 */

import { api, busy, el, problemBox, showNotice } from "/common/common.js";

/** The pool (GET …/pool), cached on the event context; refresh: true reads it again. */
export async function poolOf(j, { refresh = false } = {}) {
  if (!j.pool || refresh) {
    try { j.pool = await api(`${j.base}/pool`); } catch { j.pool = j.pool || []; }
  }
  return j.pool;
}

export function nameOf(j, userId) {
  const p = (j.pool || []).find((x) => x.user_id === userId);
  return p ? (p.display_name || p.username) : `#${userId}`;
}

export const poolJudges = (j) => (j.pool || []).filter((p) => p.role === "judge");

/** [{ criterion, criterionName, id, name, kind, seats }] in scheme order. */
export function aspectsOf(event) {
  const out = [];
  for (const c of event.scheme?.criteria || []) {
    for (const a of c.aspects || []) {
      out.push({ criterion: c.id, criterionName: c.name || c.id, id: a.id, name: a.name || a.id, kind: a.kind,
        seats: a.kind === "measurement" ? 1 : Number(a.judges || 1) });
    }
  }
  return out;
}

export function criteriaOf(event) {
  return (event.scheme?.criteria || []).map((c) => ({ id: c.id, name: c.name || c.id }));
}

export function card(titleKey, id, ...children) {
  return el("section", { class: "card", id, "aria-labelledby": `${id}-title` }, el("h3", { id: `${id}-title`, i18n: titleKey }), ...children);
}

/** A button that runs `fn`; a refusal goes to `out`, a success text (from fn's answer) too. */
export function actionButton(attrs, out, fn, { done } = {}) {
  const button = el("button", { type: "button", ...attrs });
  button.addEventListener("click", () => busy(button, async () => {
    out.replaceChildren();
    try {
      const result = await fn(button);
      if (result === false) return;
      const text = typeof done === "function" ? done(result) : done;
      if (text) showNotice(out, text);
    } catch (e) { out.replaceChildren(problemBox(e)); }
  }));
  return button;
}

