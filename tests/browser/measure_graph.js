// The geometry of the drawn graph, for the fit tests (evaluated in the page with Playwright): node boxes
// outside the visible graph area (the container minus the inspector), the rendered size of label and value
// text and of the shown contribution labels (font size × zoom), and edges whose drawn path enters a box that
// is not one of its ends. It waits two frames first: resize observers refit before paint.
async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const graph = document.getElementById("graph").getBoundingClientRect();
  const inspector = document.getElementById("inspector");
  const right = inspector && !inspector.hidden ? Math.min(graph.right, inspector.getBoundingClientRect().left) : graph.right;
  const drawers = [...document.querySelectorAll(".covers-graph[data-covers=left]")].filter((el) => !el.hidden);
  const left = Math.max(graph.left, ...drawers.map((el) => el.getBoundingClientRect().right));
  const area = { left, top: graph.top, right, bottom: graph.bottom };
  const boxes = new Map();
  const outside = [];
  for (const g of document.querySelectorAll("g.node[data-node-id]")) {
    const r = g.querySelector("rect.box").getBoundingClientRect();
    boxes.set(g.dataset.nodeId, r);
    if (r.left < area.left - 0.5 || r.top < area.top - 0.5 || r.right > area.right + 0.5 || r.bottom > area.bottom + 0.5) {
      outside.push(g.dataset.nodeId);
    }
  }
  const fonts = [];
  for (const t of document.querySelectorAll("g.node text.label, g.node .value text.num, g.node .grad text.num")) {
    if (!t.textContent.trim() || t.getBBox().width === 0) continue;
    fonts.push([t.closest("g.node").dataset.nodeId, t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a]);
  }
  // the shown contribution labels on the edges: [step, text, rendered px]
  const labels = [];
  for (const g of document.querySelectorAll("g.edge-label")) {
    if (g.getAttribute("display") === "none") continue;
    const t = g.querySelector("text");
    labels.push([g.dataset.step, t.textContent, parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a]);
  }
  const crossings = [];
  for (const p of document.querySelectorAll("path.edge")) {
    const length = p.getTotalLength();
    const m = p.getScreenCTM();
    const samples = [];
    for (let s = 0; s <= length; s += 2) {
      const q = p.getPointAtLength(s);
      samples.push([m.a * q.x + m.c * q.y + m.e, m.b * q.x + m.d * q.y + m.f]);
    }
    for (const [id, r] of boxes) {
      if (id === p.dataset.from || id === p.dataset.to) continue;
      if (samples.some(([x, y]) => x > r.left + 1 && x < r.right - 1 && y > r.top + 1 && y < r.bottom - 1)) {
        crossings.push(`${p.dataset.from}→${p.dataset.to} crosses ${id}`);
      }
    }
  }
  return { nodes: boxes.size, outside, fonts, labels, crossings, area };
}
