/**
 * Jineng's language layer: zh-CN by default, English on request, the choice kept in localStorage
 * ("jineng.lang") so it holds across pages and reloads.
 *
 *   t("key", { name: "…" })      look a message up in the current language ({name} placeholders)
 *   addMessages({ "zh-CN": {…}, en: {…} })   pages add their own strings next to the shared ones
 *   addPairs({ key: ["中文", "English"] })     the same, written as pairs
 *   applyI18n(root)              fills [data-i18n] elements (as text, never HTML) and attributes named
 *                                by data-i18n-attr="placeholder:key;aria-label:key"
 *   languageSwitch()             a button that toggles the language (on every page)
 *   onLangChange(fn)             re-render what JavaScript wrote when the language changes
 *
 * A key missing in English falls back to Chinese, then to the key itself, so a page never shows blanks.
 */

const STORE = "jineng.lang";
export const LANGS = ["zh-CN", "en"];
const catalogs = { "zh-CN": {}, en: {} };
const listeners = new Set();

function readLang() {
  try {
    const saved = localStorage.getItem(STORE);
    if (LANGS.includes(saved)) return saved;
  } catch { /* storage may be disabled */ }
  return "zh-CN";
}

let current = readLang();

export function getLang() { return current; }

/** The value for the Accept-Language header of API calls. */
export function acceptLanguage() {
  return current === "en" ? "en, zh-CN;q=0.5" : "zh-CN, zh;q=0.9, en;q=0.3";
}

export function addMessages(bundle) {
  for (const lang of LANGS) Object.assign(catalogs[lang], bundle[lang] || {});
}

/** The same from pairs: { key: ["中文", "English"] }, keys optionally prefixed ("code." + key). */
export function addPairs(pairs, prefix = "") {
  const zh = {}, en = {};
  for (const [key, [z, e]] of Object.entries(pairs)) { zh[prefix + key] = z; en[prefix + key] = e; }
  addMessages({ "zh-CN": zh, en });
}

export function has(key) {
  return key in catalogs[current] || key in catalogs["zh-CN"];
}

export function t(key, params = {}) {
  let text = catalogs[current][key] ?? catalogs["zh-CN"][key];
  if (text === undefined) return key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined || params[name] === null ? m : String(params[name])));
}

/** Translate the marked elements under root; values are set as text, never as HTML. */
export function applyI18n(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of node.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":").map((s) => s.trim());
      if (attr && key) node.setAttribute(attr, t(key));
    }
  }
  if (root === document) {
    document.documentElement.lang = current;
    const title = document.querySelector("title[data-i18n-title]");
    if (title) document.title = t(title.dataset.i18nTitle);
  }
}

export function setLang(lang) {
  if (!LANGS.includes(lang) || lang === current) return;
  current = lang;
  try { localStorage.setItem(STORE, lang); } catch { /* keep it for this page only */ }
  applyI18n(document);
  for (const fn of listeners) fn(lang);
}

export function onLangChange(fn) { listeners.add(fn); return () => listeners.delete(fn); }

/** The switch: shows the other language's own name ("English" / "中文"). */
export function languageSwitch() {
  const button = document.createElement("button");
  button.type = "button";
  button.className = "secondary lang-switch";
  const paint = () => {
    const other = current === "en" ? "zh-CN" : "en";
    button.textContent = other === "en" ? "English" : "中文";
    button.lang = other;
    button.setAttribute("aria-label", other === "en" ? "Switch to English" : "切换到中文");
  };
  button.addEventListener("click", () => setLang(current === "en" ? "zh-CN" : "en"));
  onLangChange(paint);
  paint();
  return button;
}
