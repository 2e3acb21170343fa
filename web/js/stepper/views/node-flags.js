/**
 * NaN / ±∞ flags on the graph's nodes: a node whose value or gradient is not finite (or whose gradient
 * passed through a value that is not) gets the class `nonfinite`, `data-nonfinite` with the kinds, and a
 * warning icon whose title says why (nonfinite.js). Works on the graph view's drawn nodes; follows redraws.
 */

import { flagTitle, nonFiniteFlags } from "../nonfinite.js";

const NS = "http://www.w3.org/2000/svg";

/** Flags over the nodes drawn in `svg` (the graph view's element). */
export function createNodeFlags(svg) {
  const state = { trace: null, frame: null, frameId: 0 };

  function update(trace, frame) {
    state.trace = trace;
    state.frame = frame;
    render();
  }

  function render() {
    if (!state.trace || !state.frame) return;
    const flags = nonFiniteFlags(state.trace, state.frame);
    for (const node of svg.querySelectorAll("g.node[data-node-id]")) {
      const flag = flags.get(node.dataset.nodeId);
      node.classList.toggle("nonfinite", !!flag);
      node.classList.toggle("nonfinite-through", flag?.where === "through");
      let icon = node.querySelector(":scope > g.nan-flag");
      if (!flag) {
        icon?.remove();
        delete node.dataset.nonfinite;
        node.removeAttribute("aria-description");
        continue;
      }
      const title = flagTitle(state.trace, node.dataset.nodeId, flag);
      node.dataset.nonfinite = `${flag.where}:${flag.kinds.join(",")}`;
      node.setAttribute("aria-description", `Warning: ${title}`);
      if (!icon) icon = makeIcon(node);
      icon.querySelector("title").textContent = title;
    }
  }

  function makeIcon(node) {
    const icon = document.createElementNS(NS, "g");
    icon.setAttribute("class", "nan-flag");
    icon.setAttribute("transform", "translate(-2,-2)");
    icon.setAttribute("role", "img");
    const title = document.createElementNS(NS, "title");
    const shape = document.createElementNS(NS, "path");
    shape.setAttribute("d", "M0,-13 L12,9 L-12,9 Z");
    const mark = document.createElementNS(NS, "text");
    mark.setAttribute("text-anchor", "middle");
    mark.setAttribute("y", 6);
    mark.textContent = "!";
    icon.append(title, shape, mark);
    node.append(icon);
    return icon;
  }

  // the graph view redraws its nodes when it lays the graph out again: put the flags back
  const observer = new MutationObserver(() => {
    cancelAnimationFrame(state.frameId);
    state.frameId = requestAnimationFrame(render);
  });
  const nodes = svg.querySelector("g.nodes");
  if (nodes) observer.observe(nodes, { childList: true, subtree: true, attributeFilter: ["class"] });

  return { update, element: svg };
}
