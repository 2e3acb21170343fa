/** Text made safe to place in HTML, as element content or a quoted attribute value. Pure. */

/** Escape the five HTML-special characters. */
export function escapeHtml(s) {
  return String(s)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}
