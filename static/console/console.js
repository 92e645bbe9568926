/**
 * The console's shell (/console/): sign-in for organizers and the judging roles, navigation by hash
 * (#competitions, #competition/ID, #review, #results, #certificates), and which parts each grant shows.
 * Judging screens (assignments, draw, marking progress, tickets, locks, decryption, appeals) come with
 * the judging API; judging roles see a note until then.
 */

import { addMessages, el, hasRole, onLangChange, problemBox, startPage, t } from "/common/common.js";
import { competitionsView, competitionView } from "/console/competitions.js";
import { reviewView } from "/console/review.js";
import { resultsView } from "/console/results.js";
import { certificatesView } from "/console/certificates.js";

addMessages({
  "zh-CN": {
    "console.title": "管理控制台",
    "console.nav.competitions": "竞赛与赛项",
    "console.nav.review": "报名审核",
    "console.nav.results": "成绩",
    "console.nav.certificates": "证书",
    "console.judging_later": "裁判长、加密裁判与监督的工作界面（裁判分配、检录抽签、评分进度、复评、锁定、解密、申诉）将随评分接口一同推出。",
  },
  en: {
    "console.title": "Console",
    "console.nav.competitions": "Competitions",
    "console.nav.review": "Review",
    "console.nav.results": "Results",
    "console.nav.certificates": "Certificates",
    "console.judging_later": "Screens for chief judges, encryption officers and supervisors (assignments, draw, marking progress, tickets, locks, decryption, appeals) arrive with the judging API.",
  },
});

const ORGANIZING = ["admin", "organizer"];
const JUDGING = ["chief_judge", "encryption_officer", "supervisor"];

async function main() {
  const view = document.getElementById("view");
  const me = await startPage({ title: "console.title", roles: [...ORGANIZING, ...JUDGING] });
  if (!me) return;
  const organizer = hasRole(me, ...ORGANIZING);
  if (organizer) {
    const nav = el("nav", { class: "tabs", "aria-label": t("console.title") });
    const links = [["#competitions", "console.nav.competitions"], ["#review", "console.nav.review"],
      ["#results", "console.nav.results"], ["#certificates", "console.nav.certificates"]];
    nav.append(...links.map(([href, key]) => el("a", { href, i18n: key, "data-route": href.slice(1) })));
    view.before(nav);
    const route = async () => {
      const [name, arg] = (location.hash.slice(1) || "competitions").split("/");
      for (const a of nav.querySelectorAll("a")) {
        if (a.dataset.route === name || (name === "competition" && a.dataset.route === "competitions")) a.setAttribute("aria-current", "page");
        else a.removeAttribute("aria-current");
      }
      const ctx = { me, view, params: new URLSearchParams(arg && arg.includes("=") ? arg : "") };
      try {
        if (name === "competition" && arg) await competitionView(ctx, Number(arg));
        else if (name === "review") await reviewView(ctx);
        else if (name === "results") await resultsView(ctx);
        else if (name === "certificates") await certificatesView(ctx);
        else await competitionsView(ctx);
      } catch (e) {
        view.replaceChildren(problemBox(e)); // e.g. signed out in another tab: the refusal says so
      }
    };
    window.addEventListener("hashchange", route);
    onLangChange(route);
    await route();
  }
  if (hasRole(me, ...JUDGING)) view.after(el("p", { class: "card note", i18n: "console.judging_later" }));
}

main();
