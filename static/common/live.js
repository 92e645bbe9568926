/**
 * Live updates over the app's WebSockets (/live/events/{id}/scoreboard, /live/events/{id}/console): one
 * connection that reconnects with backoff (1 s … 30 s, jittered), answers the server's pings (the server
 * closes a socket that stays silent for two heartbeats), remembers the last sequence number it saw and,
 * where the channel resumes (`resume: true`, the console), reconnects with ?since=<seq> so the server
 * sends what was missed — or {"what": "refetch_all"} when it no longer remembers.
 *
 *   const live = liveSocket(`/live/events/${id}/console`, { resume: true, since: 41,
 *     onMessage: (msg) => …, onState: (state, code) => … });   // "connecting" | "open" | "closed" | "refused"
 *   live.close();
 * A close code 4000–4999 is the server's refusal (4000 + HTTP status, e.g. 4403): not retried.
 */

export function liveSocket(path, { resume = false, since = null, onMessage = () => {}, onState = () => {} } = {}) {
  let socket = null;
  let seq = since;
  let tries = 0;
  let timer = null;
  let stopped = false;

  const url = () => {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = resume && seq !== null && seq !== undefined ? `?since=${seq}` : "";
    return `${scheme}//${location.host}${path}${query}`;
  };

  function connect() {
    if (stopped) return;
    onState("connecting");
    socket = new WebSocket(url());
    socket.addEventListener("open", () => { tries = 0; onState("open"); });
    socket.addEventListener("message", (event) => {
      let msg;
      try { msg = JSON.parse(event.data); } catch { return; }
      if (msg.what === "ping") { socket?.send("pong"); return; }
      if (typeof msg.seq === "number" && (seq === null || msg.seq > seq)) seq = msg.seq;
      onMessage(msg);
    });
    socket.addEventListener("close", (event) => {
      socket = null;
      if (stopped) return;
      if (event.code >= 4000 && event.code < 5000) { onState("refused", event.code); return; }
      onState("closed");
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(tries++, 5)) * (0.75 + Math.random() / 2);
      timer = setTimeout(connect, delay);
    });
  }

  connect();
  return {
    close() { stopped = true; clearTimeout(timer); socket?.close(); },
    get seq() { return seq; },
    get open() { return socket?.readyState === WebSocket.OPEN; },
  };
}
