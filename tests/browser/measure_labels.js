// The contribution labels shown at a step, for the label tests (evaluated in the page with Playwright): each
// shown label's rect against the graph's area, the drawn nodes (the whole group: box, badge, flag) and the
// other shown labels; and the gradient table's button against the graph. Returns {shown, total, problems:
// [text]}. It waits two frames first (labels follow a redraw of the edges in the next frame).
async () => {
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const graph = document.getElementById("graph").getBoundingClientRect();
  const nodes = [...document.querySelectorAll("g.node[data-node-id]")].map((g) => [g.dataset.nodeId, g.getBoundingClientRect()]);
  const all = [...document.querySelectorAll("g.edge-labels g.edge-label")];
  const labels = all.filter((g) => getComputedStyle(g).display !== "none")
    .map((g) => [`${g.dataset.step} ${g.querySelector("text").textContent}`, g.querySelector("rect").getBoundingClientRect()]);
  const meet = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  const problems = [];
  labels.forEach(([name, r], i) => {
    if (r.width < 4 || r.height < 4) problems.push(`${name}: not drawn`);
    if (r.left < graph.left || r.top < graph.top || r.right > graph.right || r.bottom > graph.bottom) problems.push(`${name}: outside the graph`);
    for (const [id, n] of nodes) if (meet(r, n)) problems.push(`${name} over node ${id}`);
    for (const [other, q] of labels.slice(i + 1)) if (meet(r, q)) problems.push(`${name} over label ${other}`);
  });
  // the gradient table's toggle (bottom right) sits in the controls: nothing of the graph under it
  const toggle = document.querySelector(".grad-table-toggle")?.getBoundingClientRect();
  if (toggle && meet(toggle, graph)) problems.push("the gradient table's button is over the graph");
  for (const [id, n] of nodes) if (toggle && meet(toggle, n)) problems.push(`the gradient table's button covers node ${id}`);
  return { shown: labels.length, total: all.length, problems };
}
