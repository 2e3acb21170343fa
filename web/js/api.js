/**
 * Client of the REST API (docs/contracts.md §4). Every error becomes an ApiError carrying the server's
 * "detail", so views can show it in place. Shared by the stepper and the studio.
 */

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

/**
 * An API client on a base URL ("" for the same origin) with an injectable fetch. A 503 (every CPU slot
 * busy: the server refused before doing any work) is retried up to `retries` times after the server's
 * Retry-After; `onBusy({attempt, seconds})` is told before each wait and `onBusy(null)` once an answer came after waiting.
 */
export function createApi({ base = "", fetchImpl = globalThis.fetch.bind(globalThis), retries = 5, sleep = sleepMs, onBusy = () => {} } = {}) {
  async function request(method, path, { body, token, query } = {}) {
    const url = new URL(base + API_PREFIX + path, globalThis.location?.href ?? "http://localhost");
    for (const [k, v] of Object.entries(query ?? {})) if (v !== null && v !== undefined) url.searchParams.set(k, v);
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    let response;
    let waited = false;
    for (let attempt = 1; ; attempt++) {
      try {
        response = await fetchImpl(url, init);
      } catch (err) {
        throw new ApiError(0, `network error: ${err.message}`);
      }
      if (response.status !== 503 || attempt > retries) break;
      const seconds = retryAfterSeconds(response.headers?.get?.("Retry-After"));
      onBusy({ attempt, seconds });
      waited = true;
      await sleep(seconds * 1000);
    }
    if (waited && response.status !== 503) onBusy(null);
    if (response.status === 204) return null;
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data?.detail ?? response.statusText);
    return data;
  }

  return {
    request,
    health: () => request("GET", "/health"),
    ops: () => request("GET", "/ops"),
    lessons: () => request("GET", "/lessons"),
    lesson: (id) => request("GET", `/lessons/${encodeURIComponent(id)}`),
    expression: ({ source, values, mode = "numeric" }) => request("POST", "/expressions", { body: { source, values, mode } }),
    createModel: (spec) => request("POST", "/models", { body: spec }),
    specStep: (spec) => request("POST", "/specs/step", { body: spec }),
    specTrain: (spec, steps) => request("POST", "/specs/train", { body: { spec, steps } }),
    model: (id) => request("GET", `/models/${encodeURIComponent(id)}`),
    stepModel: (id, token) => request("POST", `/models/${encodeURIComponent(id)}/step`, { token }),
    trainModel: (id, token, steps) => request("POST", `/models/${encodeURIComponent(id)}/train`, { token, body: { steps } }),
    deleteModel: (id, token) => request("DELETE", `/models/${encodeURIComponent(id)}`, { token }),
    gradcheck: (body) => request("POST", "/gradcheck", { body }),
  };
}
