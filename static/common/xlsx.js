/**
 * A small read-only .xlsx reader for previews: the page shows the rows of the file the user picked, and
 * puts the server's row errors next to them. Not a validator — the server's import (dry run first) is the
 * judge; this only reads cell text.
 *
 * An .xlsx is a ZIP of XML parts. We read the ZIP's central directory, inflate the parts we need with the
 * browser's DecompressionStream("deflate-raw"), and read the first worksheet (or the one named `data`)
 * with DOMParser: shared strings, inline strings, numbers and booleans as text.
 *
 *   const { rows } = await readXlsx(file)   // rows: [{ row: 2, cells: { A: "张三", B: "3708…" } }]
 */

const td = new TextDecoder("utf-8");

function zipEntries(buf) {
  const view = new DataView(buf);
  let eocd = -1;
  for (let i = buf.byteLength - 22; i >= Math.max(0, buf.byteLength - 65557); i--) {
    if (view.getUint32(i, true) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error("not a ZIP file");
  const count = view.getUint16(eocd + 10, true);
  let pos = view.getUint32(eocd + 16, true);
  const entries = new Map();
  for (let n = 0; n < count; n++) {
    if (view.getUint32(pos, true) !== 0x02014b50) throw new Error("damaged ZIP directory");
    const method = view.getUint16(pos + 10, true);
    const size = view.getUint32(pos + 20, true);
    const nameLen = view.getUint16(pos + 28, true);
    const extraLen = view.getUint16(pos + 30, true);
    const commentLen = view.getUint16(pos + 32, true);
    const local = view.getUint32(pos + 42, true);
    const name = td.decode(new Uint8Array(buf, pos + 46, nameLen));
    entries.set(name, { method, size, local });
    pos += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

async function readEntry(buf, entry) {
  const view = new DataView(buf);
  const nameLen = view.getUint16(entry.local + 26, true);
  const extraLen = view.getUint16(entry.local + 28, true);
  const start = entry.local + 30 + nameLen + extraLen;
  const data = new Uint8Array(buf, start, entry.size);
  if (entry.method === 0) return td.decode(data);
  if (entry.method !== 8) throw new Error(`unsupported ZIP compression ${entry.method}`);
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  return td.decode(await new Response(stream).arrayBuffer());
}

const xml = (text) => new DOMParser().parseFromString(text, "application/xml");
const byTag = (node, tag) => Array.from(node.getElementsByTagNameNS("*", tag));

function sheetPath(workbook, rels) {
  const sheets = byTag(workbook, "sheet");
  if (!sheets.length) throw new Error("no worksheet");
  const chosen = sheets.find((s) => s.getAttribute("name") === "data") || sheets[0];
  const rid = chosen.getAttributeNS("http://schemas.openxmlformats.org/officeDocument/2006/relationships", "id")
    || chosen.getAttribute("r:id");
  const rel = byTag(rels, "Relationship").find((r) => r.getAttribute("Id") === rid);
  const target = rel ? rel.getAttribute("Target") : "worksheets/sheet1.xml";
  return target.startsWith("/") ? target.slice(1) : `xl/${target}`;
}

/** Read the data sheet of an .xlsx File/Blob; at most `maxRows` non-empty rows. */
export async function readXlsx(file, { maxRows = 2000 } = {}) {
  const buf = await file.arrayBuffer();
  const entries = zipEntries(buf);
  const part = async (name) => (entries.has(name) ? xml(await readEntry(buf, entries.get(name))) : null);
  const workbook = await part("xl/workbook.xml");
  if (!workbook) throw new Error("not an Excel workbook");
  const rels = await part("xl/_rels/workbook.xml.rels");
  const sheet = await part(sheetPath(workbook, rels || xml("<r/>")));
  if (!sheet) throw new Error("worksheet missing");
  const shared = [];
  const sst = await part("xl/sharedStrings.xml");
  if (sst) for (const si of byTag(sst, "si")) shared.push(byTag(si, "t").map((x) => x.textContent).join(""));
  const rows = [];
  for (const r of byTag(sheet, "row")) {
    const cells = {};
    for (const c of byTag(r, "c")) {
      const ref = c.getAttribute("r") || "";
      const col = ref.replace(/\d+$/, "");
      const type = c.getAttribute("t");
      const v = byTag(c, "v")[0]?.textContent ?? "";
      let text;
      if (type === "s") text = shared[Number(v)] ?? "";
      else if (type === "inlineStr") text = byTag(c, "t").map((x) => x.textContent).join("");
      else if (type === "b") text = v === "1" ? "TRUE" : "FALSE";
      else text = v;
      if (text !== "") cells[col] = text;
    }
    if (Object.keys(cells).length) rows.push({ row: Number(r.getAttribute("r")), cells });
    if (rows.length >= maxRows) break;
  }
  return { rows };
}
