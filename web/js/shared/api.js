/**
 * The one client of the server (docs/contracts.md §4, §5): REST calls and the WebSocket stream of a
 * model. Every error becomes an ApiError carrying the server's "detail", so views can show it in place.
 * Shared by the stepper and the studio.
 */

import { offlineFetch } from "./offline.js";

export const API_PREFIX = "/api/v1";

/** An API answer with a 4xx/5xx status, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(status, detail) {
    super(describeDetail(detail));
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

/** A readable line from a FastAPI "detail" (a string, or a list of validation errors). */
export function describeDetail(detail) {
  if (detail == null) return "request failed";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => (d && d.msg ? `${(d.loc ?? []).filter((l) => l !== "body").join(".")}: ${d.msg}`.replace(/^: /, "") : JSON.stringify(d))).join("; ");
  }
  if (typeof detail === "object" && detail.message) return String(detail.message);
  return JSON.stringify(detail);
}

/**
 * Seconds a 503's Retry-After asks to wait (delta-seconds or an HTTP date), at least `min` and at most
 * `max`; `fallback` when the header is missing or unreadable.
 */
export function retryAfterSeconds(value, { fallback = 1, min = 0.25, max = 10, now = Date.now() } = {}) {
  let seconds = fallback;
  const text = String(value ?? "").trim();
  if (/^\d+(\.\d+)?$/.test(text)) seconds = Number(text);
  else if (text && Number.isFinite(Date.parse(text))) seconds = (Date.parse(text) - now) / 1000;
  return Math.min(max, Math.max(min, seconds));
}

const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Busy answers (503: all CPU slots taken; 409: the model is in use) are worth a few patient retries. */
export async function retryBusy(call, { attempts = 4, delayMs = 250, sleep = sleepMs } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= attempts || (err.status !== 503 && err.status !== 409)) throw err;
      await sleep(delayMs * attempt);
    }
  }
}

// Where the requests of a page that asks no server are resolved: offlineFetch reads only their path.
const NO_SERVER = "http://offline.invalid/";

/**
 * The URL of a request, resolved against the page's own URL. A page saved for offline use (`page` null)
 * needs no URL of its own: under a notebook cell it is an `about:srcdoc` iframe, opened from disk a `file:`
 * page, in a sandbox an opaque origin, and `about:srcdoc` is no base any relative URL resolves against.
 * A served page that has no such base cannot reach its server: an ApiError says so.
 */
export function requestUrl(target, page) {
  try {
    return new URL(target, page ?? NO_SERVER);
  } catch {
    throw new ApiError(0, `no server to ask from this page (${page}): ${target} needs one`);
  }
}

/**
 * An API client on a base URL ("" for the same origin) with an injectable fetch. A 503 (every CPU slot
 * busy) or a 429 (this client's share used: a hall behind one address is one client) is refused before any
 * work was done, so it is retried up to `retries` times after the server's Retry-After; `onBusy({attempt, seconds})` is told before each wait and `onBusy(null)` once an answer came after waiting.
 * With `offline` (a saved page's embedded data, shared/offline.js) it answers from that data, never the network.
 * With `patient` (the studio) the calls that may meet a busy model (409) are also retried (retryBusy).
 */
export function createApi({ base = "", fetchImpl = globalThis.fetch.bind(globalThis), offline = null, retries = 5, sleep = sleepMs, onBusy = () => {}, patient = false } = {}) {
  if (offline) fetchImpl = offlineFetch(offline, API_PREFIX); // a page saved for offline use asks no server
  // `raw`: the Response itself (a file to save), not its JSON; an error answer is an ApiError all the same.
  // An ApiError for a lesson file that cannot be shown carries its `error` ({file, line, message}).
  async function request(method, path, { body, token, query, raw = false } = {}) {
    const url = requestUrl(base + API_PREFIX + path, offline ? null : globalThis.location?.href);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== null && v !== undefined) url.searchParams.set(k, v);
    const headers = { Accept: "application/json" };
    const form = typeof FormData !== "undefined" && body instanceof FormData; // multipart: fetch sets the type
    if (body !== undefined && !form) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, body: body === undefined || form ? body : JSON.stringify(body) };
    let response;
    let waited = false;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await fetchImpl(url, init);
      } catch (err) {
        throw new ApiError(0, `network error: ${err.message}`);
      }
      const busy = response.status === 503 || response.status === 429;
      if (!busy || attempt > retries) break;
      const seconds = retryAfterSeconds(response.headers?.get?.("Retry-After"));
      onBusy({ attempt, seconds });
      waited = true;
      await sleep(seconds * 1000);
    }
    if (waited && response.status !== 503 && response.status !== 429) onBusy(null);
    if (response.status === 204) return null;
    if (response.ok && raw) return response;
    const data = await response.json().catch(() => null);
    if (!response.ok) throw Object.assign(new ApiError(response.status, data?.detail ?? response.statusText), data?.error ? { error: data.error } : {});
    return data;
  }

  const enc = encodeURIComponent;
  // tables that do not change while the server runs: asked once per client (again after a failure)
  const once = (fn) => {
    let answer = null;
    return () => (answer ??= fn().catch((err) => { answer = null; throw err; }));
  };
  const busyRetried = (fn) => (patient ? (...args) => retryBusy(() => fn(...args)) : fn);
  function uploadCsv(file) {
    const body = new FormData();
    body.append("file", file);
    return request("POST", "/datasets/csv", { body });
  }

  return {
    request,
    health: () => request("GET", "/health"),
    ops: once(() => request("GET", "/ops")),
    expressionFunctions: once(() => request("GET", "/expressions/functions")),
    lessons: () => request("GET", "/lessons"),
    lesson: busyRetried((id) => request("GET", `/lessons/${enc(id)}`)),
    // a lesson file's text shown as a lesson (nothing stored); what is on screen as a lesson file (a Response)
    lessonPreview: (name, text) => request("POST", "/lessons/preview", { body: { name, text } }),
    lessonFile: (body) => request("POST", "/lessons/file", { body, raw: true }),
    expression: ({ source, values, mode = "numeric" }) => request("POST", "/expressions", { body: { source, values, mode } }),
    datasets: () => request("GET", "/datasets"),
    dataset: busyRetried((name, query) => request("GET", `/datasets/${enc(name)}`, { query })),
    uploadCsv: busyRetried(uploadCsv),
    createModel: busyRetried((spec) => request("POST", "/models", { body: spec })),
    specStep: (spec) => request("POST", "/specs/step", { body: spec }),
    specTrain: (spec, steps) => request("POST", "/specs/train", { body: { spec, steps } }),
    model: (id) => request("GET", `/models/${enc(id)}`),
    stepModel: busyRetried((id, token) => request("POST", `/models/${enc(id)}/step`, { token })),
    trainModel: (id, token, steps) => request("POST", `/models/${enc(id)}/train`, { token, body: { steps } }),
    reset: busyRetried((id, token) => request("POST", `/models/${enc(id)}/reset`, { token, body: {} })),
    trace: busyRetried((id, rows) => request("GET", `/models/${enc(id)}/trace`, { query: { rows } })),
    deleteModel: (id, token) => request("DELETE", `/models/${enc(id)}`, { token }),
    gradcheck: (body) => request("POST", "/gradcheck", { body }),
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
