/**
 * Which keys the embed hands to the slide deck around it. Once the iframe has focus the deck hears no keys,
 * so every key the embed does not use itself goes to the host page as {source, event: "key", key}:
 * PageDown / PageUp (what presentation clickers send), Home / End, ↑ / ↓, Escape, and single characters
 * (n, p, b, o, s, …). Not forwarded: the keys the stepper used (→ ← step, space plays, + − zoom, 0 fits, …:
 * it marks them with preventDefault; Escape that closes a panel too), Tab / Enter (focus and buttons), keys
 * with Ctrl / Alt / Meta (the browser's), and keys typed into a form field.
 *
 * → at the last step and ← at the first have nowhere to go in the embed: they go to the deck too (next and
 * previous slide), so a presenter can walk through the steps and on to the next slide with one key.
 */

export const NAMED_KEYS = new Set(["PageDown", "PageUp", "Home", "End", "ArrowUp", "ArrowDown", "Escape"]);

/** Keys the embed keeps whatever they are: the browser's shortcuts and typing in a field. */
function kept(ev) {
  if (!ev || ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey || typeof ev.key !== "string") return true;
  return Boolean(ev.target?.closest?.("input, textarea, select, [contenteditable]"));
}

/** The key to forward for this keydown event, or null when the embed keeps it. */
export function hostKey(ev) {
  if (kept(ev)) return null;
  if (NAMED_KEYS.has(ev.key)) return ev.key;
  if ([...ev.key].length === 1 && ev.key.trim() !== "") return ev.key;
  return null;
}

/**
 * → at the last step (`step` of `total`) or ← at the first, which the deck takes (asked before the stepper
 * takes its keys); null for any other key, which the stepper handles.
 */
export function edgeKey(ev, { step, total }) {
  if (kept(ev) || ev.shiftKey) return null;
  if (ev.key === "ArrowRight" && step >= total) return ev.key;
  if (ev.key === "ArrowLeft" && step <= 0) return ev.key;
  return null;
}
