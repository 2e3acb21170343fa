/**
 * Contribution labels: each backward contribution stays written on the edge it travelled (ledger.js says
 * which are visible at a step). Each is placed along its edge's drawn path, on it or just beside it, where
 * it covers no node box, no cluster title and no other label; where there is no such spot its shorter text
 * is tried ("μ 0.19" → "μ0.19": a tensor keeps its "μ"), then that text in a snug box, and where none finds
 * room the label is not drawn (the gradient table keeps the value). The current step's label is always
 * drawn: it is placed first and the others yield; where its edge has no free spot it goes to the nearest
 * free spot of the drawing, with a thin leader line to its edge. Each label carries its step (data-step)
 * and its contribution's shape (data-shape, JSON). Owns a layer on top of the graph view's SVG, under the
 * nodes; follows redraws.
 */

import { edgeLabels, farCandidates, labelCandidates, placeLabels, stopsFromMiddle } from "../ledger.js";

const NS = "http://www.w3.org/2000/svg";
const PAD = { x: 5, y: 3 };
const GAP = 3; // px kept clear around a label (its border and the node's are drawn outside their boxes)
// the last resort before leaving a label off: its short text in a snug box, closer to its neighbours
const SNUG = { pad: 3, gap: 2 };
const SPACING = 5; // px between the points tried along an edge

/**
 * Labels over the graph drawn in `svg` (the graph view's element). `bounds()` gives the drawing's size
 * ({width, height}, the graph view's layout): labels stay inside it, where the fit keeps them in view.
 * `room()` gives the part of the plane in view ({x, y, width, height}, graph coordinates), where the
 * current label may go when its edge has no room.
 */
export function createEdgeLabels(svg, { bounds = () => null, room: seen = () => null } = {}) {
  const state = { timeline: null, step: 0, arriving: null, layer: null, frameId: 0 };
  const samplesOf = new WeakMap(); // path element → {d, samples}

  /** The labels' layer: over the edges, under the nodes (a click on a node always reaches the node). */
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
    const layout = bounds();
    const room = layout ? { x: 0, y: 0, width: layout.width, height: layout.height } : null;
    const far = seen() ?? room;
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
      const samples = along(path);
      const texts = label.short && label.short !== label.text ? [label.text, label.short] : [label.text];
      el.removeAttribute("display"); // measured while shown
      const variants = texts.map((text) => {
        const { width, height } = measure(el, text);
        return { text, width, height, candidates: labelCandidates(samples, width, height, GAP) };
      });
      const last = variants.at(-1);
      const snug = last.width - 2 * (PAD.x - SNUG.pad);
      variants.push({ ...last, width: snug, gap: SNUG.gap, candidates: labelCandidates(samples, snug, last.height, SNUG.gap) });
      if (current) {
        // the last resort of the current label: the nearest free spot of the drawing, in its short text
        variants.push({ ...last, width: snug, gap: SNUG.gap, fallback: true, anchor: samples[0], bounds: far,
          candidates: farCandidates(samples[0], far, snug + 2 * SNUG.gap, last.height + 2 * SNUG.gap) });
      }
      items.push({ id: key, el, keep: current, variants });
    }
    for (const el of old.values()) el.remove();
    const spots = placeLabels(items, obstacles(), { gap: GAP, bounds: room });
    for (const item of items) {
      const spot = spots.get(item.id);
      if (!spot) {
        item.el.setAttribute("display", "none");
        item.el.dataset.shown = "none";
        continue;
      }
      const v = item.variants[spot.variant];
      item.el.querySelector("text").textContent = v.text;
      item.el.dataset.shown = spot.variant === 0 ? "full" : v.fallback ? "far" : "short";
      item.el.classList.toggle("snug", v.gap === SNUG.gap);
      item.el.setAttribute("transform", `translate(${spot.x},${spot.y})`);
      const leader = item.el.querySelector("line.leader");
      leader.setAttribute("display", v.fallback ? "inline" : "none");
      if (v.fallback) {
        leader.setAttribute("x2", v.anchor.x - spot.x);
        leader.setAttribute("y2", v.anchor.y - spot.y);
      }
      const rect = item.el.querySelector("rect");
      rect.setAttribute("x", -v.width / 2);
      rect.setAttribute("y", -v.height / 2);
      rect.setAttribute("width", v.width);
      rect.setAttribute("height", v.height);
    }
  }

  /** The box (with padding) a label needs for `text`. */
  function measure(el, text) {
    const t = el.querySelector("text");
    t.textContent = text;
    const box = t.getBBox();
    return { width: box.width + 2 * PAD.x, height: box.height + 2 * PAD.y };
  }

  function makeLabel(g, label, key) {
    const el = document.createElementNS(NS, "g");
    el.setAttribute("class", "edge-label");
    el.dataset.key = key;
    el.dataset.edgeId = label.edge;
    el.dataset.step = String(label.step);
    el.dataset.value = JSON.stringify(label.value?.data ?? null);
    el.dataset.shape = JSON.stringify(label.value?.shape ?? []);
    const title = document.createElementNS(NS, "title");
    title.textContent = label.title;
    const leader = document.createElementNS(NS, "line");
    leader.setAttribute("class", "leader");
    leader.setAttribute("x1", 0);
    leader.setAttribute("y1", 0);
    const rect = document.createElementNS(NS, "rect");
    rect.setAttribute("rx", 4);
    const text = document.createElementNS(NS, "text");
    text.setAttribute("text-anchor", "middle");
    text.setAttribute("dy", "0.35em");
    text.textContent = label.text;
    el.append(title, leader, rect, text);
    g.append(el);
    return el;
  }

  /** Points along a drawn edge every few px, the middle first, each with the edge's direction there. */
  function along(path) {
    const d = path.getAttribute("d");
    const cached = samplesOf.get(path);
    if (cached?.d === d) return cached.samples;
    const length = path.getTotalLength();
    const samples = stopsFromMiddle(Math.max(3, Math.ceil(length / SPACING) + 1)).map((t) => {
      const s = length * t;
      const a = path.getPointAtLength(Math.max(0, s - 1));
      const b = path.getPointAtLength(Math.min(length, s + 1));
      const p = path.getPointAtLength(s);
      const norm = Math.hypot(b.x - a.x, b.y - a.y) || 1;
      return { x: p.x, y: p.y, dx: (b.x - a.x) / norm, dy: (b.y - a.y) / norm };
    });
    samplesOf.set(path, { d, samples });
    return samples;
  }

  /** What a label must not cover, in graph coordinates: the drawn nodes (with their badges and flags)
   * and the cluster titles. */
  function obstacles() {
    const out = [];
    for (const node of svg.querySelectorAll("g.node")) {
      const m = node.transform.baseVal.consolidate()?.matrix;
      const b = node.getBBox();
      out.push({ x: (m?.e ?? 0) + b.x, y: (m?.f ?? 0) + b.y, width: b.width, height: b.height });
    }
    for (const text of svg.querySelectorAll("g.cluster text.cluster-label")) {
      const b = text.getBBox();
      out.push({ x: b.x, y: b.y, width: b.width, height: b.height });
    }
    return out;
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

  return { update, element: svg };
}
