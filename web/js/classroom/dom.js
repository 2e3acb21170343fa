/** The classroom's one DOM helper: an element built from fixed markup (never from text a user typed). */

/** A `tag` element with a class, an aria-label and inner HTML from a constant template. */
export function makeElement(tag, className, label, html) {
  const el = document.createElement(tag);
  el.className = className;
  el.setAttribute("aria-label", label);
  el.innerHTML = html;
  return el;
}
