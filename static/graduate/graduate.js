// Graduate page: sign in with a cookie session, list /api/me/certificates, download PDFs, share links.
// Values are inserted with textContent only; links are built from ids the API returned.

const STATUS = { valid: "有效", revoked: "已撤销", suspended: "已暂停", superseded: "已被取代" };
const $ = (id) => document.getElementById(id);
let csrf = sessionStorage.getItem("jineng.csrf") || "";

async function api(path, options = {}) {
  const headers = { ...(options.headers || {}) };
  if (options.body) headers["content-type"] = "application/json";
  if (options.method && options.method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  const r = await fetch(path, { credentials: "same-origin", ...options, headers });
  let data = null;
  try { data = await r.json(); } catch { /* empty body */ }
  return { ok: r.ok, status: r.status, data };
}

function verifyUrl(qrText) {
  // the QR text is an upper-case URL; the path (/C/<token>) is what matters on this server
  const cut = qrText.indexOf("/C/");
  return cut >= 0 ? `${location.origin}${qrText.slice(cut)}` : "/verify/";
}

function render(certs) {
  const list = $("certificates");
  list.replaceChildren();
  $("empty").hidden = certs.length > 0;
  const template = $("cert-template");
  for (const c of certs) {
    const node = template.content.firstElementChild.cloneNode(true);
    const q = (sel) => node.querySelector(sel);
    q(".title").textContent = c.title;
    const badge = q(".badge");
    badge.textContent = STATUS[c.status] || c.status;
    badge.classList.add(c.status);
    q(".level").textContent = c.kind === "award"
      ? `${c.competition_name} · ${c.level_name}` : `${c.occupation_name} ${c.level_name}`;
    q(".number").textContent = c.number;
    q(".what").textContent = c.kind === "award" ? c.work_type
      : [c.occupation_code, c.occupation_name, c.work_type].filter(Boolean).join(" ");
    q(".issuer").textContent = c.issuer_name;
    q(".date").textContent = c.issued_on;
    q(".code").textContent = c.verification_code;
    const notes = [];
    if (c.status_reason) notes.push(`原因：${c.status_reason}`);
    if (c.superseded_by) notes.push(`已由证书 ${c.superseded_by.number} 取代`);
    if (c.promotion_certificate) notes.push(`因获奖晋升：${c.promotion_certificate.number}`);
    q(".status-note").textContent = notes.join("；");
    const pdf = q(".pdf");
    if (c.status === "valid" || c.status === "suspended") {
      pdf.href = `/api/certificates/${encodeURIComponent(c.id)}/pdf`;
      pdf.setAttribute("download", `${c.number}.pdf`);
    } else {
      pdf.remove();
      node.classList.add("inactive");
    }
    const link = verifyUrl(c.qr_text);
    q(".verify").href = link;
    q(".copy").addEventListener("click", async (event) => {
      try { await navigator.clipboard.writeText(link); event.target.textContent = "已复制"; }
      catch { event.target.textContent = "复制失败"; }
    });
    list.append(node);
  }
}

async function load() {
  $("message").textContent = "";
  const me = await api("/api/auth/me");
  if (me.status === 401) { $("login").hidden = false; $("list").hidden = true; $("who").hidden = true; return; }
  if (!me.ok) { $("message").textContent = "暂时无法加载，请稍后再试。"; return; }
  $("who-name").textContent = me.data.display_name;
  $("who").hidden = false;
  $("login").hidden = true;
  const certs = await api("/api/me/certificates");
  if (!certs.ok) { $("message").textContent = certs.data?.detail || "无法加载证书。"; return; }
  $("list").hidden = false;
  render(certs.data);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = new FormData(event.currentTarget);
  const r = await api("/api/auth/login", {
    method: "POST",
    body: JSON.stringify({ username: form.get("username"), password: form.get("password"), mode: "cookie" }),
  });
  if (!r.ok) { $("login-error").textContent = r.data?.detail || "登录失败"; return; }
  csrf = r.data.csrf_token || "";
  sessionStorage.setItem("jineng.csrf", csrf);
  $("login-error").textContent = "";
  event.currentTarget.reset();
  await load();
});

$("logout").addEventListener("click", async () => {
  await api("/api/auth/logout", { method: "POST" });
  csrf = "";
  sessionStorage.removeItem("jineng.csrf");
  await load();
});

load();
