/**
 * The page header's "⋯" menu (stepper and studio): the secondary actions fold behind one button when the window is
 * too narrow to show them in the header row; CSS decides when (the button is hidden while they fit).
 *
 * Markup: `<div class="header-more">` holding `<button class="more-toggle" aria-expanded aria-controls=ID>` and
 * the panel `<div id=ID class="more-items">`. A disclosure, not an ARIA menu: the panel holds ordinary controls
 * (a select, buttons, links) reached with Tab right after the toggle. Escape closes it and gives focus back to the
 * toggle; a click outside, focus leaving it, or activating a button or link inside closes it too.
 *
 * On a phone the header has room for even less: where the stylesheet sets `--fold: narrow` on the
 * `.header-more`, the header's elements marked `data-fold="narrow"` move into the panel (first, in their
 * order), and back to their places when the screen has room again.
 */
export function bindHeaderMenu(root) {
  const toggle = root.querySelector(".more-toggle");
  const panel = document.getElementById(toggle.getAttribute("aria-controls"));
  const isOpen = () => toggle.getAttribute("aria-expanded") === "true";
  const setOpen = (open, { refocus = false } = {}) => {
    toggle.setAttribute("aria-expanded", String(open));
    root.classList.toggle("open", open);
    if (!open && refocus) toggle.focus();
  };

  toggle.addEventListener("click", () => setOpen(!isOpen()));
  root.addEventListener("keydown", (ev) => {
    if (ev.key !== "Escape" || !isOpen()) return;
    ev.stopPropagation();  // Escape here closes the menu, not whatever the page does with Escape
    setOpen(false, { refocus: root.contains(document.activeElement) });
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && isOpen()) setOpen(false);
  });
  document.addEventListener("pointerdown", (ev) => {
    if (isOpen() && !root.contains(ev.target)) setOpen(false);
  });
  root.addEventListener("focusout", (ev) => {
    if (isOpen() && ev.relatedTarget && !root.contains(ev.relatedTarget)) setOpen(false);
  });
  panel.addEventListener("click", (ev) => {
    if (ev.target.closest("button, a")) setOpen(false);
  });

  const header = root.closest("header") ?? root.parentElement;
  const folding = [...header.querySelectorAll('[data-fold="narrow"]')].map((el) => ({ el, place: document.createComment("") }));
  let folded = false;
  const fold = () => {
    const narrow = getComputedStyle(root).getPropertyValue("--fold").trim() === "narrow";
    if (narrow === folded) return;
    folded = narrow;
    for (const { el, place } of folding) {
      if (narrow) el.replaceWith(place);
      else place.replaceWith(el);
    }
    if (narrow) panel.prepend(...folding.map(({ el }) => el));
  };
  if (folding.length) {
    fold();
    window.addEventListener("resize", fold);
  }
  return { open: () => setOpen(true), close: () => setOpen(false), isOpen };
}
