/**
 * Bring a live element's children in line with new markup while keeping every element that still
 * fits (same tag, same name) — so a re-render never drops the control a user is choosing or typing in,
 * and focus stays where it was.
 */

function patchAttributes(live, next) {
  for (const { name } of [...live.attributes]) if (!next.hasAttribute(name)) live.removeAttribute(name);
  for (const { name, value } of [...next.attributes]) if (live.getAttribute(name) !== value) live.setAttribute(name, value);
}

/** Form controls keep their own state apart from attributes: carry the new one over (unless typing). */
function syncState(live, next) {
  if (live.tagName === "INPUT" && live.type !== "file" && live.type !== "checkbox") {
    const value = next.getAttribute("value") ?? "";
    if (live.value !== value && live.ownerDocument.activeElement !== live) live.value = value;
  } else if (live.tagName === "SELECT") {
    const chosen = next.querySelector("option[selected]") ?? next.querySelector("option");
    const value = chosen?.getAttribute("value") ?? chosen?.textContent;
    if (value !== undefined && live.value !== value) live.value = value;
  }
}

const sameKind = (a, b) =>
  a.nodeType === b.nodeType && a.nodeName === b.nodeName &&
  (a.nodeType !== 1 || a.getAttribute("name") === b.getAttribute("name"));

/** Make `live`'s children match `next`'s (a parsed copy of the wanted markup). */
export function morphChildren(live, next) {
  const have = [...live.childNodes];
  const want = [...next.childNodes];
  want.forEach((node, i) => {
    const old = have[i];
    if (!old) return live.append(node.cloneNode(true));
    if (!sameKind(old, node)) return live.replaceChild(node.cloneNode(true), old);
    if (old.nodeType !== 1) {
      if (old.nodeValue !== node.nodeValue) old.nodeValue = node.nodeValue;
      return;
    }
    patchAttributes(old, node);
    morphChildren(old, node);
    syncState(old, node);
  });
  for (let i = have.length - 1; i >= want.length; i--) have[i].remove();
}

/** Morph an element's children to an HTML string. */
export function morphHtml(live, html) {
  const template = live.ownerDocument.createElement("template");
  template.innerHTML = html;
  morphChildren(live, template.content);
}
