/**
 * "Download for slides": the stepper as one HTML file that runs from disk with no server
 * (GET /api/v1/export, docs/contracts.md §4), for the lesson or expression on screen, in its theme.
 */

import { API_PREFIX, ApiError } from "../shared/api.js";
import { formatValues } from "../shared/state.js";
import { saveBlob } from "../shared/files.js";

/** The query of GET /export for a page state: its lesson (panel, weights) or expression (values), theme. */
export function exportQuery(state) {
  const params = new URLSearchParams();
  if (state.expr) {
    params.set("expr", state.expr);
    if (state.values && Object.keys(state.values).length) params.set("values", formatValues(state.values));
  } else if (state.lesson) {
    params.set("lesson", state.lesson);
    if (state.panel) params.set("panel", String(state.panel));
    if (state.weights) params.set("weights", JSON.stringify(state.weights));
  }
  if (state.theme && state.theme !== "light") params.set("theme", state.theme);
  return params.toString();
}

/** The file name a Content-Disposition header gives, or `fallback`. */
export function attachmentName(disposition, fallback = "backprop-playground.html") {
  const m = /filename="([^"]+)"/.exec(disposition ?? "");
  return m ? m[1] : fallback;
}

/** Fetch the export and save it; `onError(message)` is told why when the server refuses. */
export async function downloadForSlides(state, { fetchImpl = globalThis.fetch.bind(globalThis), onError = () => {} } = {}) {
  try {
    const response = await fetchImpl(`${API_PREFIX}/export?${exportQuery(state)}`);
    if (!response.ok) {
      const data = await response.json().catch(() => null);
      throw new ApiError(response.status, data?.detail ?? response.statusText);
    }
    saveBlob(attachmentName(response.headers.get("Content-Disposition")), await response.blob());
  } catch (err) {
    onError(`Download for slides: ${err.message}`);
  }
}
