/**
 * The page saved for offline use (`backprop-playground export`, "Download for slides"): the server's
 * answers it needs are embedded in it as JSON (server/backprop_playground/export.py), and the API client
 * answers its requests from them instead of the network (createApi's `offline`). Pure apart from
 * `readOffline`, which reads the embedded element.
 */

export const OFFLINE_FORMAT = "backprop-playground/offline";
export const OFFLINE_ELEMENT_ID = "backprop-playground-offline";

/** The embedded data of a page saved for offline use, or null on a served page. */
export function readOffline(doc = globalThis.document) {
  const el = doc?.getElementById?.(OFFLINE_ELEMENT_ID);
  if (!el) return null;
  try {
    const data = JSON.parse(el.textContent);
    return data?.format === OFFLINE_FORMAT ? data : null;
  } catch {
    return null;
  }
}

/** JSON with object keys sorted at every level: equal values give equal text whatever their key order. */
export function canonicalJson(value) {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The embedded answer to one request ({method, path (after /api/v1), body}), or undefined. */
export function findAnswer(data, { method, path, body }) {
  const wanted = body === undefined ? null : canonicalJson(body);
  const entry = (data?.answers ?? []).find((a) => a.method === method && a.path === path
    && (a.body === undefined ? wanted === null : wanted !== null && canonicalJson(a.body) === wanted));
  return entry?.answer;
}

/**
 * A fetch that answers API requests from the embedded data and never touches the network. A request
 * it has no answer for gets 404 with a detail saying that the saved page cannot do it without the server.
 */
export function offlineFetch(data, prefix = "/api/v1") {
  return async (url, init = {}) => {
    const method = (init.method ?? "GET").toUpperCase();
    const pathname = decodeURIComponent(new URL(url).pathname);
    const at = pathname.indexOf(prefix);
    const path = at < 0 ? pathname : pathname.slice(at + prefix.length);
    const body = typeof init.body === "string" ? JSON.parse(init.body) : undefined;
    const answer = findAnswer(data, { method, path, body });
    if (answer !== undefined) return jsonResponse(200, answer);
    return jsonResponse(404, { detail: `This page was saved for use without a server: ${method} ${path} needs the server.` });
  };
}

function jsonResponse(status, value) {
  const text = JSON.stringify(value);
  return {
    status,
    ok: status >= 200 && status < 300,
    statusText: status === 200 ? "OK" : "Not Found",
    headers: { get: () => null },
    json: async () => JSON.parse(text),
  };
}
