/**
 * The console's shell (/console/): sign-in for organizers and the judging roles, navigation by hash
 * (#competitions, #competition/ID, #review, #results, #certificates, #judging, #judging/EVENT/SECTION),
 * and which parts each grant shows: organizers see everything; chief judges, encryption officers and
 * supervisors see the judging screens of the events they hold a role on (judging.js).
 */

import { addMessages, el, hasRole, onLangChange, problemBox, startPage, t } from "/common/common.js";
import { competitionsView, competitionView } from "/console/competitions.js";
import { reviewView } from "/console/review.js";
import { resultsView } from "/console/results.js";
import { certificatesView } from "/console/certificates.js";
import { judgingView, leaveJudging } from "/console/judging.js";

addMessages({
  "zh-CN": {
    "console.title": "管理控制台",
    "console.nav.competitions": "竞赛与赛项",
    "console.nav.review": "报名审核",
    "console.nav.results": "成绩",
    "console.nav.certificates": "证书",
    "console.nav.judging": "评分与裁判",
  },
  en: {
    "console.title": "Console",
    "console.nav.competitions": "Competitions",
    "console.nav.review": "Review",
    "console.nav.results": "Results",
    "console.nav.certificates": "Certificates",
    "console.nav.judging": "Judging",
  },
});

const ORGANIZING = ["admin", "organizer"];
const JUDGING = ["chief_judge", "encryption_officer", "supervisor"];

async function main() {
  const view = document.getElementById("view");
  const me = await startPage({ title: "console.title", roles: [...ORGANIZING, ...JUDGING] });
  if (!me) return;
  const organizer = hasRole(me, ...ORGANIZING);
  const nav = el("nav", { class: "tabs", "aria-label": t("console.title") });
  const links = organizer ? [["#competitions", "console.nav.competitions"], ["#review", "console.nav.review"],
    ["#results", "console.nav.results"], ["#certificates", "console.nav.certificates"], ["#judging", "console.nav.judging"]]
    : [["#judging", "console.nav.judging"]];
  nav.append(...links.map(([href, key]) => el("a", { href, i18n: key, "data-route": href.slice(1) })));
  view.before(nav);
  const route = async () => {
    const [name, arg, sub] = (location.hash.slice(1) || (organizer ? "competitions" : "judging")).split("/");
    for (const a of nav.querySelectorAll("a")) {
      if (a.dataset.route === name || (name === "competition" && a.dataset.route === "competitions")) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    }
    const ctx = { me, view, params: new URLSearchParams(arg && arg.includes("=") ? arg : "") };
    try {
      if (name !== "judging") leaveJudging();
      if (name === "judging" || !organizer) await judgingView(ctx, arg, sub);
      else if (name === "competition" && arg) await competitionView(ctx, Number(arg));
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

main();
