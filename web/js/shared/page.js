/** Small page helpers shared by the main page and the embed: theme, status line, clipboard, camera. */

/** Apply a theme ("light", "dark", "projector") to the document. */
export function applyTheme(theme) {
  document.documentElement.dataset.theme = theme || "light";
}

/** Show a status message (kind "loading", "error", "info") or hide it with null. */
/**
 * The graph area's own words while it has nothing to draw: the page still loading (the pages' HTML says
 * "Loading…" before any script ran), a class waiting for its lecturer; `null` hides them.
 */
export function showGraphNote(text) {
  const note = document.getElementById("graph-note");
  if (!note) return;
  note.hidden = !text;
  if (text) note.querySelector(".graph-note-text").textContent = text;
}

export function showStatus(el, message, kind = "info") {
  if (!el) return;
  el.hidden = !message;
  el.textContent = message ?? "";
  el.dataset.kind = kind;
  el.setAttribute("role", kind === "error" ? "alert" : "status");
}

/** Copy text to the clipboard; false when the browser refuses (the caller then shows it to select). */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The camera the stylesheet prefers on this screen: "follow" where graph.css sets --camera: follow (small
 * touch screens: the current node at a legible size), else "overview" (the whole graph in view).
 */
export function preferredCamera() {
  return getComputedStyle(document.documentElement).getPropertyValue("--camera").trim() === "follow" ? "follow" : "overview";
}
