/**
 * The studio's server calls: the shared REST client (../api.js) plus datasets, CSV upload, models and
 * training, and the WebSocket stream of one model (docs/contracts.md §4, §5).
 */
import { API_PREFIX, ApiError, createApi, describeDetail } from "../api.js";

export { ApiError };

/** Busy answers (503: all CPU slots taken; 409: the model is in use) are worth a few patient retries. */
export async function retryBusy(call, { attempts = 4, delayMs = 250, sleep = (ms) => new Promise((r) => setTimeout(r, ms)) } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || (err.status !== 503 && err.status !== 409)) throw err;
      await sleep(delayMs * attempt);
    }
  }
}

/** The studio's client; `onBusy` is told when a busy server (503) is waited for (see createApi). */
export function createClient({ onBusy } = {}) {
  const api = createApi({ onBusy });
  const enc = encodeURIComponent;
  const patient = (fn) => (...args) => retryBusy(() => fn(...args));

  async function uploadCsv(file) {
    const body = new FormData();
    body.append("file", file);
    let response;
    try {
      response = await fetch(`${API_PREFIX}/datasets/csv`, { method: "POST", body });
    } catch (err) {
      throw new ApiError(0, `network error: ${err.message}`);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data?.detail ?? response.statusText);
    return data;
  }

  return {
    ...api,
    createModel: patient(api.createModel),
    lesson: patient(api.lesson),
    stepModel: patient(api.stepModel),
    datasets: () => api.request("GET", "/datasets"),
    dataset: patient((name, query) => api.request("GET", `/datasets/${enc(name)}`, { query })),
    uploadCsv: patient(uploadCsv),
    reset: patient((id, token) => api.request("POST", `/models/${enc(id)}/reset`, { token, body: {} })),
    trace: patient((id, rows) => api.request("GET", `/models/${enc(id)}/trace`, { query: { rows } })),
  };
}

/**
 * The WebSocket of one model. `handlers` get parsed server messages: onMessage(msg), onOpen(),
 * onClose(event). `send` queues commands until the socket opens. The edit token goes in the first
 * message, never in the URL (URLs end up in server and proxy logs).
 */
export function openStream(id, token, handlers) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const url = `${scheme}://${location.host}${API_PREFIX}/models/${encodeURIComponent(id)}/stream`;
  const socket = new WebSocket(url);
  const queue = [];
  let open = false;
  socket.addEventListener("open", () => {
    open = true;
    socket.send(JSON.stringify({ type: "auth", token }));
    for (const cmd of queue.splice(0)) socket.send(JSON.stringify(cmd));
    handlers.onOpen?.();
  });
  socket.addEventListener("message", (event) => {
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return handlers.onMessage({ type: "error", detail: "the server sent a message that is not JSON" });
    }
    handlers.onMessage(msg);
  });
  socket.addEventListener("close", (event) => {
    open = false;
    handlers.onClose?.(event);
  });
  return {
    send(cmd) {
      if (open) socket.send(JSON.stringify(cmd));
      else queue.push(cmd);
    },
    close() {
      socket.close();
    },
    get open() {
      return open;
    },
  };
}

export { describeDetail };
