/**
 * Spreadsheet import panel shared by the roster import (/school/), the entry import and the
 * certificate-passes import (/console/): template download, file choice, a dry run on the server, and a
 * preview of the file's rows with each row's errors next to it (cells at fault outlined), then the real
 * import. The server's imports are all or nothing and answer 422 `import_invalid` with
 * errors: [{ row, column, field, code, message }].
 *
 *   sheetImport({ title, templatePath, templateName, uploadPath, query: () => ({ school_id }),
 *                 done: (report) => "已导入 3 行", onImported: (report) => refresh(), go: "sheet.import" })
 */

import { ApiError, addMessages, busy, describeProblem, download, el, fieldLabel, problemBox, showNotice, showProblem, t, upload } from "/common/common.js";
import { readXlsx } from "/common/xlsx.js";

addMessages({
  "zh-CN": {
    "sheet.template": "下载导入模板",
    "sheet.choose": "选择填好的 Excel 文件（.xlsx）",
    "sheet.checking": "正在检查文件…",
    "sheet.ok": "检查通过：共 {rows} 行，没有发现问题。",
    "sheet.import": "导入 {rows} 行",
    "sheet.rows_with_errors": "有问题的行（{bad} / {rows} 行）：改好后重新选择文件。",
    "sheet.preview": "文件预览（前 {n} 行）",
    "sheet.row": "行",
    "sheet.problems": "问题",
    "sheet.ok_row": "无问题",
    "sheet.unreadable": "无法在浏览器中预览此文件（{reason}），问题列在上方。",
    "sheet.truncated": "另有问题未列出（共 {count} 个）。",
  },
  en: {
    "sheet.template": "Download the template",
    "sheet.choose": "Choose the filled-in Excel file (.xlsx)",
    "sheet.checking": "Checking the file…",
    "sheet.ok": "Checked: {rows} rows, no problems found.",
    "sheet.import": "Import {rows} rows",
    "sheet.rows_with_errors": "Rows with problems ({bad} of {rows}): fix them and choose the file again.",
    "sheet.preview": "Preview (first {n} rows)",
    "sheet.row": "Row",
    "sheet.problems": "Problems",
    "sheet.ok_row": "OK",
    "sheet.unreadable": "This file cannot be previewed here ({reason}); the problems are listed above.",
    "sheet.truncated": "More problems not listed ({count} in all).",
  },
});

const PREVIEW_ROWS = 20;

function letters(rows) {
  const set = new Set();
  for (const r of rows) for (const k of Object.keys(r.cells)) set.add(k);
  return [...set].sort((a, b) => a.length - b.length || a.localeCompare(b));
}

/** The preview table: the file's header row and chosen data rows, each row's problems right after its number. */
function previewTable(sheet, shownRows, errorsByRow, err) {
  const cols = letters(sheet.rows);
  const header = sheet.rows.find((r) => r.row === 1);
  const head = el("tr", {}, el("th", { scope: "col", text: t("sheet.row") }),
    el("th", { scope: "col", text: t("sheet.problems") }),
    cols.map((c) => el("th", { scope: "col" }, header?.cells[c] ?? c)));
  const body = shownRows.map((r) => {
    const errs = errorsByRow.get(r.row) || [];
    const bad = new Set(errs.map((e) => e.column).filter(Boolean));
    const problems = errs.length
      ? el("ul", {}, errs.map((e) => {
        const d = describeProblem(e, err);
        const where = [e.column, fieldLabel(e.field)].filter(Boolean).join(" · ");
        return el("li", {}, where ? `${where}：` : "", d.text,
          d.original ? el("span", { class: "small muted", lang: "en", text: ` (${d.original})` }) : null);
      }))
      : t("sheet.ok_row");
    return el("tr", { class: errs.length ? "has-error" : "ok", "data-row": r.row },
      el("th", { scope: "row", class: "num", text: r.row }),
      el("td", { class: "errors" }, problems),
      cols.map((c) => el("td", { class: bad.has(c) ? "cell-error" : "" }, r.cells[c] ?? "")));
  });
  return el("div", { class: "table-wrap" }, el("table", { class: "sheet-preview" }, el("thead", {}, head), el("tbody", {}, body)));
}

export function sheetImport({ title, templatePath, templateName, uploadPath, query = () => ({}), done, onImported, id, go = "sheet.import" }) {
  const fileInput = el("input", { type: "file", id: `${id}-file`, name: "file",
    accept: ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" });
  const status = el("div", { "aria-live": "polite" });
  const preview = el("div");
  const importButton = el("button", { type: "button", id: `${id}-go`, hidden: true });
  let chosen = null;

  const templateButton = el("button", { type: "button", class: "secondary", i18n: "sheet.template" });
  templateButton.addEventListener("click", () => busy(templateButton, async () => {
    try { await download(templatePath, { fallbackName: templateName }); } catch (e) { showProblem(status, e); }
  }));

  async function check(file) {
    chosen = null;
    importButton.hidden = true;
    preview.replaceChildren();
    showNotice(status, t("sheet.checking"));
    let sheet = null, readError = null;
    try { sheet = await readXlsx(file); } catch (e) { readError = e; }
    try {
      const report = await upload(uploadPath, file, { query: { ...query(), dry_run: true } });
      chosen = file;
      showNotice(status, t("sheet.ok", { rows: report.rows }));
      importButton.textContent = t(go, { rows: report.rows });
      importButton.hidden = false;
      if (sheet) {
        const data = sheet.rows.filter((r) => r.row > 1).slice(0, PREVIEW_ROWS);
        preview.append(el("h3", { text: t("sheet.preview", { n: data.length }) }), previewTable(sheet, data, new Map(), null));
      }
    } catch (e) {
      const rowErrors = e instanceof ApiError ? e.errors.filter((x) => x.row) : [];
      const byRow = new Map();
      for (const item of rowErrors) byRow.set(item.row, [...(byRow.get(item.row) || []), item]);
      const shown = sheet ? sheet.rows.filter((r) => byRow.has(r.row)) : [];
      status.replaceChildren(problemBox(e, { itemsShown: !shown.length }));
      if (shown.length) {
        preview.append(el("h3", { text: t("sheet.rows_with_errors", { bad: byRow.size, rows: e.body.rows ?? "?" }) }),
          previewTable(sheet, shown, byRow, e));
        const missing = rowErrors.filter((x) => !shown.some((r) => r.row === x.row));
        if (missing.length) preview.append(el("ul", {}, missing.map((x) => el("li", {}, `${t("app.row", { row: x.row })}：${describeProblem(x, e).text}`))));
        if (e.body.errors_truncated) preview.append(el("p", { class: "note", text: t("sheet.truncated", { count: e.body.error_count }) }));
      } else if (readError && rowErrors.length) {
        preview.append(el("p", { class: "note", text: t("sheet.unreadable", { reason: readError.message }) }));
      }
    }
  }

  fileInput.addEventListener("change", () => { if (fileInput.files[0]) check(fileInput.files[0]); });
  importButton.addEventListener("click", () => busy(importButton, async () => {
    if (!chosen) return;
    try {
      const report = await upload(uploadPath, chosen, { query: { ...query(), dry_run: false } });
      importButton.hidden = true;
      preview.replaceChildren();
      fileInput.value = "";
      chosen = null;
      showNotice(status, done(report));
      onImported?.(report);
    } catch (e) { showProblem(status, e); }
  }));

  return el("section", { class: "card sheet-import", id, "aria-labelledby": `${id}-title` },
    el("h3", { id: `${id}-title`, i18n: title }),
    el("div", { class: "row" }, templateButton),
    el("label", { for: `${id}-file` }, el("span", { i18n: "sheet.choose" }), fileInput),
    status, preview, el("div", { class: "row" }, importButton));
}
