/**
 * URL state: one declarative table of properties, a codec between it and the query string.
 * reveal.js unloads hidden iframes, so the URL is the page's only memory. Pure: no DOM.
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
