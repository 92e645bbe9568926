/**
 * The judge tablet's service worker (scope /judge/): keeps the app shell — the page, its modules, the
 * shared look and language layer — in a cache, so that a reload with no network still opens the tablet,
 * which then reads its last sheets and its waiting marks from IndexedDB (outbox.js).
 *
 * Shell files: network first (fresh when the venue server answers within a few seconds), else the
 * cached copy; every answer that comes back is cached again. The API and the live sockets are never
 * touched here: marks go out through the page's outbox, which knows what was confirmed.
 * Service workers need a secure context (HTTPS, or localhost): on plain http the tablet still keeps
 * its marks in IndexedDB, only a reload without network cannot open the page.
 */

const CACHE = "jineng-judge-shell-v1";
const SHELL = [
  "/judge/", "/judge/judge.js", "/judge/sheet.js", "/judge/outbox.js", "/judge/judge.css",
  "/common/common.js", "/common/i18n.js", "/common/messages.js", "/common/codes.js", "/common/codes.json", "/common/jineng.css",
  "/favicon.svg",
];
const WAIT = 4000; // ms before a slow network answer loses to the cache

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith("jineng-judge-shell-") && name !== CACHE) await caches.delete(name);
    await self.clients.claim();
  })());
});

function fromCache(request) {
  const url = new URL(request.url);
  const key = request.mode === "navigate" && url.pathname.startsWith("/judge/") ? "/judge/" : request;
  return caches.match(key, { ignoreSearch: request.mode === "navigate" });
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  const network = fetch(request).then((response) => {
    if (response.ok && response.type === "basic") {
      const url = new URL(request.url);
      cache.put(request.mode === "navigate" && url.pathname.startsWith("/judge/") ? "/judge/" : request, response.clone());
    }
    return response;
  });
  const slow = new Promise((resolve) => setTimeout(resolve, WAIT, null));
  try {
    const first = await Promise.race([network, slow]);
    if (first) return first;
    return (await fromCache(request)) || (await network);
  } catch {
    const cached = await fromCache(request);
    if (cached) return cached;
    return Response.error();
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith("/api/") || url.pathname.startsWith("/live/")) return;
  if (url.pathname === "/judge/sw.js") return;
  event.respondWith(networkFirst(request));
});
