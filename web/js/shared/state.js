/**
 * URL state, the one system of both pages:
 * - the stepper's: one declarative table of properties, a codec between it and the query string
 *   (reveal.js unloads hidden iframes, so the URL is the page's only memory);
 * - the studio's share link: its whole state (spec with weights, view options, step) packed into the
 *   fragment of /studio as `#s=1.<base64url of deflated JSON>` (weights make it too long for a query).
 * Pure: no DOM (the standard CompressionStream packs, in browsers and Node ≥ 18 alike).
 */

export const THEMES = ["light", "dark", "projector"];
export const VIEWS = ["graph", "s2s"];
export const CAMERAS = ["overview", "follow"];

/** The properties the page keeps in its URL: name, type, default. */
export const PROPERTIES = [
  { name: "lesson", type: "string", default: null },
  { name: "panel", type: "int", default: 0 },
  { name: "expr", type: "string", default: null },
  { name: "values", type: "values", default: null },
  { name: "spec", type: "json", default: null },
  { name: "weights", type: "json", default: null },
  { name: "model", type: "string", default: null },
  { name: "rows", type: "int", default: null },
  { name: "step", type: "int", default: 0 },
  { name: "node", type: "string", default: null },
  { name: "view", type: "enum", values: VIEWS, default: "graph" },
  { name: "theme", type: "enum", values: THEMES, default: "light" },
  { name: "camera", type: "enum", values: CAMERAS, default: "overview" },
  { name: "speed", type: "number", default: 1 },
  { name: "table", type: "enum", values: ["open"], default: null },
];

const CODECS = {
  string: { parse: (s) => s, format: (v) => String(v) },
  int: { parse: (s) => (/^-?\d+$/.test(s) ? Number(s) : undefined), format: (v) => String(Math.round(v)) },
  number: { parse: (s) => (Number.isFinite(Number(s)) && s !== "" ? Number(s) : undefined), format: String },
  enum: { parse: (s, p) => (p.values.includes(s) ? s : undefined), format: String },
  json: { parse: parseJson, format: (v) => JSON.stringify(v) },
  values: { parse: (s) => parseValues(s) ?? undefined, format: formatValues },
};

function parseJson(s) {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The state with every property at its default. */
export function defaultState() {
  return Object.fromEntries(PROPERTIES.map((p) => [p.name, p.default]));
}

/** A query string (with or without "?") → a full state; unknown or malformed values fall back to defaults. */
export function decodeState(search) {
  const params = new URLSearchParams(search);
  const state = defaultState();
  for (const p of PROPERTIES) {
    if (!params.has(p.name)) continue;
    const v = CODECS[p.type].parse(params.get(p.name), p);
    if (v !== undefined) state[p.name] = v;
  }
  return state;
}

/** A state → a query string (no "?"), defaults and empty values left out, in table order. */
export function encodeState(state) {
  const params = new URLSearchParams();
  for (const p of PROPERTIES) {
    const v = state[p.name];
    if (v === null || v === undefined || v === "") continue;
    if (JSON.stringify(v) === JSON.stringify(p.default)) continue;
    params.set(p.name, CODECS[p.type].format(v, p));
  }
  return params.toString();
}

/** "x=2, y=-1, v=[1, 2]" → {x: 2, y: -1, v: [1, 2]}; null if any part is malformed. */
export function parseValues(text) {
  const out = {};
  const src = String(text).replaceAll("\u2212", "-").trim();
  const item = /\s*([A-Za-z_]\w*)\s*=\s*(\[[^=]*\]|[^,;\s\]]+)\s*(?:[,;]|\s+|$)/y;
  while (item.lastIndex < src.length) {
    const start = item.lastIndex;
    const m = item.exec(src);
    if (!m || item.lastIndex === start) return null;
    const value = parseValue(m[2]);
    if (value === undefined) return null;
    out[m[1]] = value;
  }
  return out;
}

function parseValue(text) {
  if (text.startsWith("[")) {
    try {
      const v = JSON.parse(text);
      return [v].flat(Infinity).every((x) => typeof x === "number" && Number.isFinite(x)) ? v : undefined;
    } catch {
      return undefined;
    }
  }
  const v = Number(text);
  return text !== "" && Number.isFinite(v) ? v : undefined;
}

/** {x: 2, y: -1, v: [1, 2]} → "x=2,y=-1,v=[1,2]". */
export function formatValues(values) {
  return Object.entries(values ?? {}).map(([k, v]) => `${k}=${Array.isArray(v) ? JSON.stringify(v) : v}`).join(",");
}

/** What the state asks to show: "lesson", "expression", "spec", "model" (a saved model's id) or null. */
export function sourceOf(state) {
  if (state.expr) return "expression";
  if (state.spec) return "spec";
  if (state.model) return "model";
  if (state.lesson) return "lesson";
  return null;
}

/** A copy of the state with a new source (the other sources, step and selection cleared). */
export function withSource(state, source) {
  return { ...state, lesson: null, panel: 0, expr: null, values: null, spec: null, weights: null, model: null, step: 0, node: null, ...source };
}

/**
 * The variable names of an expression source, in order of appearance. Calls (a name before "(") are left
 * out, and so are the names of `functions` (GET /expressions/functions) written without a call; the server
 * validates the calls.
 */
export function variablesOf(source, functions = new Set()) {
  const names = [];
  source = String(source).replace(/(["'])(?:(?!\1)[^\\]|\\.)*\1?/g, " "); // text in quotes names nothing
  const assigned = new Set([...String(source).matchAll(/(?:^|[;\n])\s*([A-Za-z_]\w*)\s*=(?!=)/g)].map((m) => m[1]));
  for (const m of String(source).matchAll(/(?<![.\w])[A-Za-z_]\w*/g)) {
    const after = source.slice(m.index + m[0].length).trimStart();
    if (after.startsWith("(") || functions.has(m[0]) || assigned.has(m[0])) continue;
    if (!names.includes(m[0])) names.push(m[0]);
  }
  return names;
}

/** The embed page URL for a state, on a given origin. */
export function embedUrl(origin, state) {
  const q = encodeState({ ...state, node: null });
  return `${origin}/embed${q ? `?${q}` : ""}`;
}

/** The iframe snippet that "copy embed code" gives. */
export function embedSnippet(origin, state, { width = 960, height = 540 } = {}) {
  const src = embedUrl(origin, state).replaceAll("&", "&amp;").replaceAll('"', "&quot;");
  return `<iframe src="${src}" width="${width}" height="${height}" style="border:0" title="Backprop Playground" allow="clipboard-write"></iframe>`;
}

// ---- the studio's share link: the state packed into the URL fragment ----

export const LINK_VERSION = 1;
/** Longest fragment we hand out: browsers cope with far more, but chat apps and slides do not. */
export const MAX_LINK_CHARS = 60000;

/** Bytes → base64url without padding. */
export function toBase64Url(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** base64url (with or without padding) → bytes; throws on foreign characters. */
export function fromBase64Url(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("the link is damaged (unexpected characters)");
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(b64 + "=".repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function pipe(bytes, stream) {
  const out = new Blob([bytes]).stream().pipeThrough(stream);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

/** Round every number in nested data to `digits` significant digits (to shrink a long link). */
export function roundNumbers(value, digits) {
  if (typeof value === "number") return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
  if (Array.isArray(value)) return value.map((v) => roundNumbers(v, digits));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundNumbers(v, digits)]));
  }
  return value;
}

/** State → fragment text "1.<payload>" (exact numbers: JSON keeps float64 round-trips exact). */
export async function packState(state) {
  const json = new TextEncoder().encode(JSON.stringify(state));
  const packed = await pipe(json, new CompressionStream("deflate-raw"));
  return `${LINK_VERSION}.${toBase64Url(packed)}`;
}

/** Fragment text → state; throws an Error with a readable message when the link is damaged. */
export async function unpackState(text) {
  const dot = text.indexOf(".");
  const version = Number(text.slice(0, dot));
  if (dot < 0 || version !== LINK_VERSION) throw new Error("this link was made by another version");
  let bytes;
  try {
    bytes = await pipe(fromBase64Url(text.slice(dot + 1)), new DecompressionStream("deflate-raw"));
  } catch {
    throw new Error("the link is damaged (it could not be unpacked)");
  }
  return JSON.parse(new TextDecoder().decode(bytes));
}

/**
 * The fragment for a state that fits MAX_LINK_CHARS: exact if possible, else with rounded numbers,
 * Returns {fragment, rounded} or {error}.
 */
export async function packForLink(state, limit = MAX_LINK_CHARS) {
  let fragment = await packState(state);
  if (fragment.length <= limit) return { fragment, rounded: false };
  const rounded = roundNumbers(state, 5);
  fragment = await packState(rounded);
  if (fragment.length <= limit) return { fragment, rounded: true };
  return {
    error: `the state needs ${fragment.length} characters, more than a link should carry (${limit}); ` +
      "export the model as JSON instead",
  };
}

/** The state text of a URL hash ("#s=…"), or null. */
export function packedFromHash(hash) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  return params.get("s");
}
