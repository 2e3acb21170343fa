/**
 * A side panel that is a column beside the page on a wide screen and a sheet over it on a small one (the
 * stepper's lesson panel, the studio's builder). The stylesheet decides which: a sheet is `position: fixed`.
 * One button shows or hides it (aria-expanded); a sheet starts hidden, and hides again on Escape, on its
 * close button (`[data-close-sheet]`), on a touch or click outside it, and when the screen turns the
 * column into a sheet; a column comes back when the screen has room for it again.
 *
 * `collapsedClass` on <body> hides the panel (the stylesheet's rule). With `sheetOnly` the button is there
 * only while the panel is a sheet (a column that is always shown needs none).
 */
export function bindSidePanel({ button, panel, collapsedClass, sheetOnly = false }) {
  const body = document.body;
  const isSheet = () => getComputedStyle(panel).position === "fixed";
  const isShown = () => !body.classList.contains(collapsedClass);
  let sheet = isSheet();

  function show(visible, { focus = false } = {}) {
    if (sheetOnly) button.hidden = !sheet;
    body.classList.toggle(collapsedClass, !visible);
    button.setAttribute("aria-expanded", String(visible));
    if (!focus) return;
    if (visible && sheet) (panel.querySelector("[data-close-sheet]") ?? panel).focus();
    else if (!visible) button.focus();
  }

  show(!sheet);
  button.addEventListener("click", () => show(!isShown(), { focus: sheet }));
  panel.querySelector("[data-close-sheet]")?.addEventListener("click", () => show(false, { focus: true }));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && sheet && isShown()) show(false, { focus: panel.contains(document.activeElement) });
  });
  document.addEventListener("pointerdown", (ev) => {
    if (sheet && isShown() && !panel.contains(ev.target) && !button.contains(ev.target)) show(false);
  });
  window.addEventListener("resize", () => {
    const now = isSheet();
    if (now === sheet) return;
    sheet = now;
    show(!now);
  });

  return {
    /** Hide the panel if it is a sheet (after an action in it whose result is on the page). */
    hideSheet: () => sheet && isShown() && show(false),
    isSheet: () => sheet,
  };
}
