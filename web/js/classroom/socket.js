/**
 * One room's WebSocket (docs/contracts.md, rooms): the first message authenticates the presenter or
 * announces a follower; a dropped socket reconnects with growing delays until the room ends (4404,
 * 4403) or the page closes it. `WebSocketImpl` and `timers` are injectable for tests.
 */
import { API_PREFIX } from "../shared/api.js";
import { closeReason, followerId, reconnectDelay } from "./protocol.js";

/** The stream URL of a room on this page's origin (ws: or wss: as the page). */
export function roomStreamUrl(code, loc = globalThis.location) {
  const scheme = loc.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${loc.host}${API_PREFIX}/rooms/${encodeURIComponent(code)}/stream`;
}

/**
 * Connect to room `code` as presenter (`token`) or follower (no token; `follower` is the id the page keeps
 * for the class). `onMessage(msg)` gets every parsed message; `onStatus({connected, message, ended})`
 * every change of the connection. Returns {send(obj) → bool, close(), rejoin()}.
 */
export function connectRoom(code, { token = null, follower = token ? null : followerId(code), onMessage = () => {}, onStatus = () => {}, url = roomStreamUrl(code), WebSocketImpl = globalThis.WebSocket, timers = globalThis } = {}) {
  let ws = null;
  let attempt = 0;
  let timer = null;
  let closed = false;

  function open() {
    timer = null;
    ws = new WebSocketImpl(url);
    const socket = ws; // a rejoin() replaces it: then its events are no longer this connection's
    ws.addEventListener("open", () => {
      socket.send(JSON.stringify(token ? { type: "auth", token } : { type: "follow", ...(follower ? { id: follower } : {}) }));
    });
    ws.addEventListener("message", (ev) => {
      if (ws !== socket) return;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (msg?.type === "hello") {
        attempt = 0;
        onStatus({ connected: true, message: null, ended: false });
      }
      onMessage(msg);
    });
    ws.addEventListener("close", (ev) => {
      if (ws !== socket) return;
      ws = null;
      if (closed) return;
      const reason = closeReason(ev.code);
      if (!reason.retry) {
        closed = true;
        onStatus({ connected: false, message: reason.message, ended: true, code: ev.code });
        return;
      }
      attempt += 1;
      onStatus({ connected: false, message: reason.message, ended: false, code: ev.code });
      timer = timers.setTimeout(open, reconnectDelay(attempt));
    });
  }

  open();
  return {
    /** Send a message object; false when the socket is not open (the caller may show it). */
    send(obj) {
      if (!ws || ws.readyState !== 1) return false;
      ws.send(typeof obj === "string" ? obj : JSON.stringify(obj));
      return true;
    },
    close() {
      closed = true;
      if (timer !== null) timers.clearTimeout(timer);
      ws?.close(1000);
    },
    /** Connect again now (the tab is visible again, the network changed): a socket that slept may be dead without a close. */
    rejoin() {
      if (closed) return;
      if (timer !== null) timers.clearTimeout(timer);
      const old = ws;
      attempt = 0;
      open();
      old?.close(1000);
    },
  };
}
