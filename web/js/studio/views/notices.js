/**
 * The page's two ways of telling: a banner above the views for states that last (divergence, a lost
 * connection, an unreadable link), and a toast for passing news (a copied link, a failed export).
 * Owns the banner and toast elements it is given.
 */

const esc = (t) => String(t ?? "").replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/** The banner text of a divergence report {step, node, label, what} from the server. */
export function divergenceHtml(d) {
  const where = d.label ? ` at <b>${esc(d.label)}</b>` : "";
  const node = d.node ? ` (node ${esc(d.node)})` : "";
  return `<span>⚠ Training diverged at step ${esc(d.step)}: a non-finite ${esc(d.what)}${where}${node}. ` +
    "The weights are the last finite ones — try a smaller learning rate.</span>" +
    '<button type="button" data-banner="close">Dismiss</button>';
}

export const DISCONNECTED_HTML = "<span>The connection to the server was lost; the weights shown are the last ones " +
  'received.</span><button type="button" data-banner="reconnect">Reconnect</button>';

export function createNotices(bannerEl, toastEl, { onReconnect }) {
  let timer = null;
  bannerEl.addEventListener("click", (event) => {
    const action = event.target.closest("button")?.dataset.banner;
    if (action === "close") bannerEl.hidden = true;
    if (action === "reconnect") onReconnect();
  });
  return {
    /** Show trusted HTML in the banner ("" hides it). */
    banner(html) {
      bannerEl.innerHTML = html;
      bannerEl.hidden = !html;
    },
    /** Show plain text for a few seconds. */
    toast(text) {
      toastEl.textContent = text;
      toastEl.hidden = false;
      clearTimeout(timer);
      timer = setTimeout(() => (toastEl.hidden = true), 3500);
    },
    escape: esc,
  };
}
