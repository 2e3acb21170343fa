/**
 * Export packaging, pure: the model file, the trace file, and the standalone replay page whose
 * modules travel inside it as data: URLs named by an import map (no server, no bundler).
 */

export const MODEL_FORMAT = "backprop-playground/model";
export const REPLAY_FORMAT = "backprop-playground/replay";

/** The model file: spec with its weights (loadable again), plus step and metrics for the reader. */
export function modelFile(spec, params, extra = {}) {
  return { format: MODEL_FORMAT, version: 1, spec: { ...spec, params }, ...extra };
}

/**
 * A ModelSpec from a loaded JSON file: our model file, a GET /models/{id} answer
 * ({spec, params}), or a bare ModelSpec. Throws an Error naming what is missing.
 */
export function specFromFile(json) {
  if (!json || typeof json !== "object") throw new Error("the file is not a JSON object");
  const spec = json.format === MODEL_FORMAT ? json.spec : json.spec ? { ...json.spec, params: json.params ?? json.spec.params } : json;
  if (!Array.isArray(spec.hidden) || !spec.output) throw new Error("the file has no model spec (hidden, output)");
  return spec;
}

/** A trace file (docs/contracts.md §2) from a graph and the events of recorded steps. */
export function traceFile(graph, events) {
  return { schema_version: 1, graph, events: events.map((e, seq) => ({ ...e, seq })) };
}

const RELATIVE = /((?:from|import)\s*)["'](\.\.?\/[\w./-]+\.js)["']/g;

/** Relative module specifiers a source imports (`from "./x.js"`, `from "../shared/x.js"`, `import "./x.js"`). */
export function relativeImports(source) {
  return [...new Set([...source.matchAll(RELATIVE)].map((m) => m[2]))];
}

/** The path under /js/ that `specifier` names when imported from the module at path `from` ("studio/replay.js"). */
export function resolveModule(from, specifier) {
  const parts = from.split("/").slice(0, -1);
  for (const part of specifier.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== ".") parts.push(part);
  }
  return parts.join("/");
}

/** A module's source with relative imports renamed to bare "@app/<path>" names the import map resolves. */
export function rewriteImports(source, from) {
  return source.replace(RELATIVE, (_, head, specifier) => `${head}"@app/${resolveModule(from, specifier)}"`);
}

/** Standard base64 of a UTF-8 string. */
export function base64Utf8(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** A JavaScript module as a data: URL. */
export function moduleDataUrl(source) {
  return `data:text/javascript;base64,${base64Utf8(source)}`;
}

/** JSON that is safe inside a <script> element (no "</script>" or "<!--" can close it). */
export function scriptSafeJson(value) {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

const escapeHtml = (text) =>
  String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/**
 * The standalone replay page. `modules` maps paths under /js/ ("studio/replay.js") to their sources,
 * `d3Source` is d3's UMD build, `entry` the module whose `startReplay(root, recording)` runs the page,
 * `words` the vocabulary it carries as a served page does (shared/vocabulary.js).
 */
export function standaloneHtml({ title, css, modules, d3Source, recording, words, entry = "studio/replay.js", theme = "light" }) {
  const imports = { d3: moduleDataUrl(`${d3Source}\nexport default globalThis.d3;\n`) };
  for (const [name, source] of Object.entries(modules)) imports[`@app/${name}`] = moduleDataUrl(rewriteImports(source, name));
  return `<!doctype html>
<html lang="en" data-theme="${escapeHtml(theme)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${css.replace(/<\/style/gi, "<\\/style")}</style>
<script type="importmap">${scriptSafeJson({ imports })}</script>
<script type="application/json" id="vocabulary">${scriptSafeJson(words)}</script>
<script type="application/json" id="replay-data">${scriptSafeJson(recording)}</script>
<script type="module">
import { startReplay } from "@app/${entry}";
startReplay(document.getElementById("replay-root"), JSON.parse(document.getElementById("replay-data").textContent));
</script>
</head>
<body class="studio replay">
<div id="replay-root"></div>
</body>
</html>
`;
}

/** A file name from a title: lower-case words joined by dashes, plus an extension. */
export function fileName(title, ext) {
  const slug = String(title).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "studio";
  return `${slug}.${ext}`;
}
