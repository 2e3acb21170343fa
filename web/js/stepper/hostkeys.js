/**
 * Which keys the embed hands to the slide deck around it. Once the iframe has focus the deck hears no keys,
 * so every key the embed does not use itself goes to the host page as {source, event: "key", key}:
 * PageDown / PageUp (what presentation clickers send), Home / End, ↑ / ↓, Escape, and single characters
 * (n, p, b, o, s, …). Not forwarded: the keys the stepper used (→ ← step, space plays, + − zoom, 0 fits, …:
 * it marks them with preventDefault), Tab / Enter (focus and buttons), keys with Ctrl / Alt / Meta (the
 * browser's), and keys typed into a form field.
 */

export const NAMED_KEYS = new Set(["PageDown", "PageUp", "Home", "End", "ArrowUp", "ArrowDown", "Escape"]);

/** The key to forward for this keydown event, or null when the embed keeps it. */
export function hostKey(ev) {
  if (!ev || ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey || typeof ev.key !== "string") {
    return null;
  }
  if (ev.target?.closest?.("input, textarea, select, [contenteditable]")) return null;
  if (NAMED_KEYS.has(ev.key)) return ev.key;
  if ([...ev.key].length === 1 && ev.key.trim() !== "") return ev.key;
  return null;
}
