/**
 * Contribution labels: each backward contribution stays written on the edge it travelled (ledger.js says
 * which are visible at a step), placed along the edge clear of other labels and of the node boxes. Owns a
 * layer on top of the graph view's SVG; redraws itself when the graph view redraws its edges.
 */

import { LABEL_STOPS, edgeLabels, placeLabels } from "../ledger.js";

const NS = "http://www.w3.org/2000/svg";
const PAD = { x: 5, y: 3 };

/** Labels over the graph drawn in `svg` (the graph view's element). */
export function createEdgeLabels(svg) {
  const state = { timeline: null, step: 0, arriving: null, layer: null, frameId: 0 };

  /** The labels' layer: over the edges, under the nodes (where a dense graph leaves no free spot, the
   * node's own numbers stay readable and the label shows around it). */
  function layer() {
    const viewport = svg.querySelector("g.viewport");
    if (state.layer?.parentNode !== viewport) {
      state.layer = document.createElementNS(NS, "g");
      state.layer.setAttribute("class", "edge-labels");
      viewport.insertBefore(state.layer, viewport.querySelector(":scope > g.nodes"));
    }
    return state.layer;
  }

  /** Show the labels of `step`; `arrivingAfter` (ms) delays the current one until its dot has arrived. */
  function update(timeline, step, { arrivingAfter = 0 } = {}) {
    if (timeline !== state.timeline) layer().replaceChildren();
    state.timeline = timeline;
    state.step = step;
    state.arriving = arrivingAfter > 0 ? { step, delay: arrivingAfter } : null;
    render();
  }

  function render() {
    if (!state.timeline) return;
    const g = layer();
    const labels = edgeLabels(state.timeline, state.step);
    const old = new Map([...g.children].map((el) => [el.dataset.key, el]));
    const items = [];
    for (const label of labels) {
      const path = svg.querySelector(`path.edge[data-edge-id="${CSS.escape(label.edge)}"]`);
      if (!path) continue;
      const key = `${label.step}`;
      const el = old.get(key) ?? makeLabel(g, label, key);
      old.delete(key);
      const current = label.step === state.step;
      el.classList.toggle("current", current);
      const arriving = current && state.arriving?.step === label.step;
      el.classList.toggle("arriving", arriving);
      el.style.animationDelay = arriving ? `${state.arriving.delay}ms` : "";
      const box = el.querySelector("text").getBBox();
      const width = box.width + 2 * PAD.x;
      const height = box.height + 2 * PAD.y;
      const length = path.getTotalLength();
      const candidates = alongEdge(path, length, height);
      items.push({ id: key, el, width, height, candidates });
    }
    for (const el of old.values()) el.remove();
    const spots = placeLabels(items, nodeBoxes());
    for (const item of items) {
      const p = spots.get(item.id);
      item.el.setAttribute("transform", `translate(${p.x},${p.y})`);
      const rect = item.el.querySelector("rect");
      rect.setAttribute("x", -item.width / 2);
      rect.setAttribute("y", -item.height / 2);
      rect.setAttribute("width", item.width);
      rect.setAttribute("height", item.height);
    }
  }

  function makeLabel(g, label, key) {
    const el = document.createElementNS(NS, "g");
    el.setAttribute("class", "edge-label");
    el.dataset.key = key;
    el.dataset.edgeId = label.edge;
    el.dataset.step = String(label.step);
    el.dataset.value = JSON.stringify(label.value?.data ?? null);
    const title = document.createElementNS(NS, "title");
    title.textContent = label.title;
    const rect = document.createElementNS(NS, "rect");
    rect.setAttribute("rx", 4);
    const text = document.createElementNS(NS, "text");
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("dy", "0.35em");
    text.textContent = label.text;
    el.append(title, rect, text);
    g.append(el);
    return el;
  }

  /** Spots for a label: on the edge at LABEL_STOPS, then beside it (off the line on either side). */
  function alongEdge(path, length, height) {
    const on = [];
    const beside = [];
    for (const t of LABEL_STOPS) {
      const p = path.getPointAtLength(length * t);
      const q = path.getPointAtLength(Math.min(length, length * t + 1));
      const dx = q.x - p.x;
      const dy = q.y - p.y;
      const norm = Math.hypot(dx, dy) || 1;
      const off = height * 0.85;
      on.push({ x: p.x, y: p.y });
      beside.push({ x: p.x - (dy / norm) * off, y: p.y + (dx / norm) * off }, { x: p.x + (dy / norm) * off, y: p.y - (dx / norm) * off });
    }
    return [...on, ...beside];
  }

  /** The drawn node boxes, in graph coordinates. */
  function nodeBoxes() {
    return [...svg.querySelectorAll("g.node")].map((node) => {
      const m = node.transform.baseVal.consolidate()?.matrix;
      const box = node.querySelector("rect.box");
      return { x: m?.e ?? 0, y: m?.f ?? 0, width: box.width.baseVal.value, height: box.height.baseVal.value };
    });
  }

  // the graph view redraws its edges when it lays the graph out again (resize, a node opened): follow it
  const observer = new MutationObserver(() => {
    cancelAnimationFrame(state.frameId);
    state.frameId = requestAnimationFrame(() => { state.arriving = null; render(); });
  });
  const watch = () => {
    const edges = svg.querySelector("g.edges");
    if (edges) observer.observe(edges, { subtree: true, childList: true, attributeFilter: ["d"] });
  };
  watch();

  return { update };
}
