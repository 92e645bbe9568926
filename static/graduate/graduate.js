/**
 * Graduate page (/graduate/): sign in (the shared sign-in gate, which reads the form before any await —
 * the old page's first click failed on a null event.currentTarget), list /api/me/certificates with their
 * live status, download PDFs, open and copy the verification link.
 */

import { addMessages, api, badge, busy, download, el, fmtDate, onLangChange, showProblem, startPage, t } from "/common/common.js";

addMessages({
  "zh-CN": {
    "grad.title": "我的证书",
    "grad.empty": "您还没有证书。",
    "grad.number": "证书编号",
    "grad.what": "职业/赛项",
    "grad.issuer": "发证机构",
    "grad.date": "发证日期",
    "grad.code": "验证码",
    "grad.pdf": "下载 PDF",
    "grad.verify": "查看验证页",
    "grad.copy": "复制验证链接",
    "grad.copied": "已复制",
    "grad.copy_failed": "复制失败，请手动复制：{link}",
    "grad.reason": "原因：{reason}",
    "grad.superseded_by": "已由证书 {number} 取代",
    "grad.promotion": "因获奖晋升：{number}",
  },
  en: {
    "grad.title": "My certificates",
    "grad.empty": "No certificates yet.",
    "grad.number": "Number",
    "grad.what": "Occupation / event",
    "grad.issuer": "Issuer",
    "grad.date": "Issued",
    "grad.code": "Verification code",
    "grad.pdf": "Download PDF",
    "grad.verify": "Verification page",
    "grad.copy": "Copy the verification link",
    "grad.copied": "Copied",
    "grad.copy_failed": "Could not copy; copy it by hand: {link}",
    "grad.reason": "Reason: {reason}",
    "grad.superseded_by": "Superseded by {number}",
    "grad.promotion": "Promotion from the award: {number}",
  },
});

const $ = (id) => document.getElementById(id);
let certificates = [];

function verifyUrl(qrText) {
  // the QR text is an upper-case URL; the path (/C/<token>) is what matters on this server
  const cut = qrText.indexOf("/C/");
  return cut >= 0 ? `${location.origin}${qrText.slice(cut)}` : "/verify/";
}

function card(c) {
  const link = verifyUrl(c.qr_text);
  const facts = el("dl", { class: "facts" });
  const fact = (key, value, mono) => { if (value) facts.append(el("dt", { i18n: key }), el("dd", { class: mono ? "mono" : "", text: value })); };
  fact("grad.number", c.number, true);
  fact("grad.what", c.kind === "award" ? c.work_type : [c.occupation_code, c.occupation_name, c.work_type].filter(Boolean).join(" "));
  fact("grad.issuer", c.issuer_name);
  fact("grad.date", fmtDate(c.issued_on));
  fact("grad.code", c.verification_code, true);
  const notes = [];
  if (c.status_reason) notes.push(t("grad.reason", { reason: c.status_reason }));
  if (c.superseded_by) notes.push(t("grad.superseded_by", { number: c.superseded_by.number }));
  if (c.promotion_certificate) notes.push(t("grad.promotion", { number: c.promotion_certificate.number }));
  const out = el("p", { class: "note", "aria-live": "polite" });
  const actions = el("div", { class: "row" });
  if (c.status === "valid" || c.status === "suspended") {
    const pdf = el("button", { type: "button", i18n: "grad.pdf" });
    pdf.addEventListener("click", () => busy(pdf, async () => {
      try { await download(`/api/certificates/${encodeURIComponent(c.id)}/pdf`, { fallbackName: `${c.number}.pdf` }); }
      catch (e) { showProblem(out, e); }
    }));
    actions.append(pdf);
  }
  actions.append(el("a", { class: "button secondary", href: link, target: "_blank", rel: "noopener noreferrer", i18n: "grad.verify" }));
  const copy = el("button", { type: "button", class: "secondary", i18n: "grad.copy" });
  copy.addEventListener("click", async () => {
    try { await navigator.clipboard.writeText(link); copy.textContent = t("grad.copied"); }
    catch { out.textContent = t("grad.copy_failed", { link }); }
  });
  actions.append(copy);
  return el("li", { class: `record cert${c.status === "valid" ? "" : " inactive"}` },
    el("div", { class: "record-head" }, el("span", { class: "record-title", text: c.title }), badge("certstatus", c.status)),
    el("p", { class: "level", text: c.kind === "award" ? `${c.competition_name} · ${c.level_name}` : `${c.occupation_name} ${c.level_name}` }),
    facts, notes.length ? el("p", { class: "note", text: notes.join("；") }) : null, actions, out);
}

function render() {
  $("certificates").replaceChildren(...certificates.map(card));
  $("empty").hidden = certificates.length > 0;
}

async function main() {
  const me = await startPage({ title: "grad.title", roles: ["graduate"] });
  if (!me) return;
  try {
    certificates = await api("/api/me/certificates");
    render();
    onLangChange(render);
  } catch (e) { showProblem($("message"), e); }
}

main();
