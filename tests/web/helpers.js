// Test helpers: the golden expression trace shared with the Python tests (which regenerate and compare it).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
export const GOLDEN = here("../fixtures/engine_expression_trace.json");

/** The trace of (x*y + x)*z at x=2, y=-1, z=3. */
export function expressionTrace() {
  return JSON.parse(readFileSync(GOLDEN, "utf8"));
}

/** dagre, loaded from node_modules as the page's import map does. */
export async function loadDagre() {
  const mod = await import(here("../../web/node_modules/@dagrejs/dagre/dist/dagre.esm.js"));
  return mod.default ?? mod;
}
