/**
 * The graph view: owns an SVG with the computation graph (boxes from the layout adapter), pans and zooms,
 * and shows one timeline frame at a time with `update(frame)`. Backward contributions travel along their
 * edge before the receiving node's total changes.
 */

import d3 from "d3";
import { edgeId, nodeCategory } from "../trace.js";
import { BOX, fitTransform, headerMeta } from "../layout.js";
import { formatShape, formatTensor, formatBrief, formatNumber, plainData } from "../format.js";
import { gradStatus } from "../timeline.js";
import { renderTensor } from "./tensor.js";

const line = d3.line().x((p) => p.x).y((p) => p.y).curve(d3.curveBasis);

/** Create a graph view inside `container`. `onSelect(nodeId)` fires on click or Enter. */
export function createGraphView(container, { onSelect = () => {}, fitOptions = {} } = {}) {
  const svg = d3.select(container).append("svg").attr("class", "graph-svg").attr("tabindex", 0)
    .attr("role", "group").attr("aria-label", "Computation graph: Tab to a node and press Enter to inspect it; arrow keys step");
  const defs = svg.append("defs");
  for (const kind of ["edge", "active", "grad"]) {
    defs.append("marker").attr("id", `arrow-${kind}`).attr("viewBox", "0 0 10 10").attr("refX", 9).attr("refY", 5)
      .attr("markerWidth", 7).attr("markerHeight", 7).attr("orient", "auto-start-reverse")
      .append("path").attr("d", "M0,0 L10,5 L0,10 z").attr("class", `arrowhead arrowhead-${kind}`);
  }
  const viewport = svg.append("g").attr("class", "viewport");
  const layers = Object.fromEntries(["clusters", "edges", "nodes", "particles"].map((k) => [k, viewport.append("g").attr("class", k)]));
  const zoom = d3.zoom().scaleExtent([0.15, 4]).on("zoom", (ev) => {
    viewport.attr("transform", ev.transform);
    if (ev.sourceEvent) state.userZoomed = true;
  });
  svg.call(zoom).on("dblclick.zoom", null).on("dblclick", () => fit(true));

  const state = { trace: null, layout: null, frame: null, rendered: new Map(), selected: null, userZoomed: false, insetRight: 0 };

  function setGraph(trace, layout) {
    state.trace = trace;
    state.layout = layout;
    state.rendered.clear();
    state.marks = null;
    state.userZoomed = false;
    drawClusters(layout);
    drawEdges(trace, layout);
    drawNodes(trace, layout);
    fit(false);
  }

  function drawClusters(layout) {
    const c = layers.clusters.selectAll("g.cluster").data(layout.clusters, (d) => d.name).join((enter) => {
      const g = enter.append("g").attr("class", (d) => `cluster cluster-${d.name}`);
      g.append("rect").attr("rx", 16);
      g.append("text").attr("class", "cluster-label");
      return g;
    });
    c.select("rect").attr("x", (d) => d.x - d.width / 2).attr("y", (d) => d.y - d.height / 2)
      .attr("width", (d) => d.width).attr("height", (d) => d.height);
    c.select("text").attr("x", (d) => d.x - d.width / 2 + 4).attr("y", (d) => d.y - d.height / 2 - 10)
      .text((d) => (d.name === "backward" ? "backward graph (symbol-to-symbol)" : "forward graph"));
  }

  function drawEdges(trace, layout) {
    layers.edges.selectAll("path.edge").data(layout.edges, (d) => d.id).join("path")
      .attr("class", (d) => (d.cross ? "edge cross" : "edge")).attr("data-edge-id", (d) => d.id)
      .attr("data-from", (d) => d.from).attr("data-to", (d) => d.to)
      .attr("d", (d) => line(d.points)).attr("marker-end", "url(#arrow-edge)");
    state.edgeEls = new Map();
    layers.edges.selectAll("path.edge").each(function (d) { state.edgeEls.set(d.id, this); });
  }

  function drawNodes(trace, layout) {
    const nodes = layers.nodes.selectAll("g.node").data(trace.nodes, (d) => d.id).join((enter) => {
      const g = enter.append("g").attr("tabindex", 0).attr("role", "button");
      g.append("rect").attr("class", "box").attr("rx", 10);
      g.append("rect").attr("class", "band");
      g.append("text").attr("class", "label");
      g.append("text").attr("class", "meta");
      g.append("line").attr("class", "divider");
      g.append("g").attr("class", "value");
      g.append("g").attr("class", "grad");
      g.append("text").attr("class", "grad-mark").text("∂");
      const badge = g.append("g").attr("class", "badge");
      badge.append("rect").attr("rx", 11).attr("height", 22);
      badge.append("text").attr("dy", "0.35em").attr("y", 11);
      return g;
    });
    nodes.attr("class", (d) => `node cat-${nodeCategory(d)} kind-${layout.nodes.get(d.id).kind}`).attr("data-node-id", (d) => d.id)
      .attr("transform", (d) => { const b = layout.nodes.get(d.id); return `translate(${b.x - b.width / 2},${b.y - b.height / 2})`; })
      .on("click", (ev, d) => onSelect(d.id))
      .on("keydown", (ev, d) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); ev.stopPropagation(); onSelect(d.id); } });
    nodes.each(function (d) { layoutNode(d3.select(this), d, layout.nodes.get(d.id)); });
    state.nodeEls = new Map();
    nodes.each(function (d) { state.nodeEls.set(d.id, this); });
  }

  function layoutNode(g, node, box) {
    const { width, height, block } = box;
    g.select("rect.box").attr("width", width).attr("height", height);
    g.select("rect.band").attr("width", width).attr("height", BOX.header).attr("rx", 10);
    g.select("text.label").attr("x", BOX.pad).attr("y", 23).text(node.label || node.id);
    g.select("text.meta").attr("x", width - BOX.pad).attr("y", 22).attr("text-anchor", "end").text(headerMeta(node));
    const vy = BOX.header + 6;
    const gy = vy + block.height + BOX.pad * 0.5;
    g.select("g.value").attr("transform", `translate(0,${vy})`);
    g.select("g.grad").attr("display", box.grad ? null : "none");
    g.select("line.divider").attr("display", box.grad ? null : "none").attr("x1", 10).attr("x2", width - 10).attr("y1", gy - 3).attr("y2", gy - 3);
    g.select("g.grad").attr("transform", `translate(0,${gy})`);
    g.select("text.grad-mark").attr("x", 12).attr("y", gy + block.height / 2).attr("dy", "0.36em");
    g.select("g.badge").attr("transform", `translate(${width - 4},${-11})`);
  }

  /** Show a frame; with `animate` a backward contribution travels along its edge first. */
  function update(frame, { animate = false, duration = 800, previous = null } = {}) {
    if (!state.trace) return;
    layers.particles.selectAll("*").interrupt().remove();
    layers.nodes.selectAll("g.grad text").interrupt();
    state.frame = frame;
    const e = frame.event;
    const delayed = animate && e?.type === "backward" && previous ? e.node : null;
    for (const node of state.trace.nodes) {
      renderNode(d3.select(state.nodeEls.get(node.id)), node, node.id === delayed ? previous : frame);
    }
    highlight(frame);
    if (delayed) travel(e, duration, () => {
      if (state.frame !== frame) return;
      const g = d3.select(state.nodeEls.get(e.node));
      renderNode(g, state.trace.nodeById.get(e.node), frame);
      growTotal(g, previous.grads.get(e.node)?.total, frame.grads.get(e.node)?.total, duration * 0.25);
    });
    if (e && !state.userZoomed) ensureVisible(e.node);
  }

  function renderNode(g, node, frame) {
    const box = state.layout.nodes.get(node.id);
    const upd = frame.updates.get(node.id);
    const value = upd?.value ?? frame.values.get(node.id) ?? null;
    const grad = frame.grads.get(node.id) ?? null;
    const status = gradStatus(frame, node.id);
    const key = [value, grad?.total, grad?.pending, status, !!upd];
    const old = state.rendered.get(node.id);
    if (old && old.every((v, i) => v === key[i])) return;
    state.rendered.set(node.id, key);
    renderTensor(g.select("g.value"), value, { kind: box.kind, block: box.block, width: box.width });
    renderTensor(g.select("g.grad"), grad?.total ?? null, { kind: box.kind, block: box.block, width: box.width, placeholder: "" });
    g.classed("has-value", !!value).classed("updated", !!upd)
      .classed("grad-pending", status === "pending").classed("grad-final", status === "final")
      .attr("data-value", value ? JSON.stringify(plainData(value)) : null)
      .attr("data-grad", grad ? JSON.stringify(plainData(grad.total)) : null)
      .attr("data-grad-status", status)
      .attr("aria-label", describeNode(node, value, grad, status));
    const badge = g.select("g.badge").classed("shown", status !== "none");
    const text = status === "pending" ? `${grad.pending} pending` : "final ✓";
    badge.select("text").text(text).attr("x", -8).attr("text-anchor", "end");
    badge.select("rect").attr("x", -16 - text.length * 7.6).attr("width", 16 + text.length * 7.6);
  }

  /** Mark the edges and nodes of the current event; only elements whose marking changes are touched. */
  function highlight(frame) {
    const e = frame.event;
    const edges = new Set();
    let nodes = [];
    if (e?.type === "forward") {
      state.trace.edges.filter((x) => x.to === e.node).forEach((x) => edges.add(x.id));
      nodes = [e.node];
    } else if (e?.type === "backward") {
      if (e.from != null) edges.add(edgeId(e.node, e.from, e.input_index));
      nodes = [e.node, e.from];
    } else if (e?.type === "update") nodes = [e.node];
    const backward = e?.type === "backward";
    const marks = { edges: [...edges].map((id) => [id, backward ? "backward" : "forward"]), nodes: nodes.filter(Boolean).map((id) => [id, backward && id === e.node]) };
    const old = state.marks ?? { edges: [], nodes: [] };
    for (const [id] of old.edges) markEdge(id, null);
    for (const [id, kind] of marks.edges) markEdge(id, kind);
    for (const [id] of old.nodes) markNode(id, false, false);
    for (const [id, receiving] of marks.nodes) markNode(id, true, receiving);
    state.marks = marks;
  }

  function markEdge(id, kind) {
    const path = state.edgeEls.get(id);
    if (!path) return;
    path.classList.toggle("active", !!kind);
    path.classList.toggle("backward", kind === "backward");
    if (kind === "backward") {
      path.removeAttribute("marker-end");
      path.setAttribute("marker-start", "url(#arrow-grad)");
    } else {
      path.removeAttribute("marker-start");
      path.setAttribute("marker-end", `url(#arrow-${kind ? "active" : "edge"})`);
    }
  }

  function markNode(id, active, receiving) {
    const el = state.nodeEls.get(id);
    if (!el) return;
    el.classList.toggle("active", active);
    el.classList.toggle("receiving", receiving);
  }

  /** The receiving scalar's total counts up from its old value to the new one, with a brief pulse. */
  function growTotal(g, before, after, duration) {
    const text = g.select("g.grad text.scalar");
    g.classed("pulse", false);
    g.node().getBoundingClientRect(); // restart the CSS pulse
    g.classed("pulse", true);
    if (text.empty() || !after?.data || after.size !== 1) return;
    const from = before?.data?.[0] ?? 0;
    const to = after.data[0];
    if (!Number.isFinite(from) || !Number.isFinite(to) || from === to) return;
    text.transition().duration(duration).ease(d3.easeCubicOut)
      .textTween(() => (t) => formatNumber(t === 1 ? to : from + (to - from) * t));
  }

  function travel(e, duration, done) {
    const path = state.edgeEls.get(edgeId(e.node, e.from, e.input_index));
    if (!path) return done();
    const length = path.getTotalLength();
    const p = layers.particles.append("g").attr("class", "particle");
    p.append("circle").attr("r", 8);
    p.append("text").attr("y", -14).attr("text-anchor", "middle").text(formatBrief(e.contribution));
    p.transition().duration(duration * 0.75).ease(d3.easeCubicInOut)
      .attrTween("transform", () => (t) => { const pt = path.getPointAtLength(length * (1 - t)); return `translate(${pt.x},${pt.y})`; })
      .on("end", () => { p.remove(); done(); })
      .on("interrupt", () => p.remove());
  }

  function fit(animated = true) {
    if (!state.layout) return;
    const rect = container.getBoundingClientRect();
    const t = fitTransform(state.layout, { width: rect.width, height: rect.height }, fitOptions);
    const transform = d3.zoomIdentity.translate(t.x, t.y).scale(t.k);
    state.userZoomed = false;
    (animated ? svg.transition().duration(400) : svg).call(zoom.transform, transform);
  }

  function ensureVisible(id) {
    const box = state.layout?.nodes.get(id);
    if (!box) return;
    const t = d3.zoomTransform(svg.node());
    const rect = container.getBoundingClientRect();
    const [x0, y0] = t.apply([box.x - box.width / 2, box.y - box.height / 2]);
    const [x1, y1] = t.apply([box.x + box.width / 2, box.y + box.height / 2]);
    const right = rect.width - state.insetRight;
    if (x0 >= 0 && y0 >= 0 && x1 <= right && y1 <= rect.height) return;
    const next = d3.zoomIdentity.translate(right / 2 - box.x * t.k, rect.height / 2 - box.y * t.k).scale(t.k);
    svg.transition().duration(350).call(zoom.transform, next);
  }

  function select(id) {
    state.selected = id;
    layers.nodes.selectAll("g.node").classed("selected", (d) => d.id === id);
  }

  new ResizeObserver(() => { if (!state.userZoomed) fit(false); }).observe(container);

  /** Room covered on the right (by the inspector): the followed node stays left of it. */
  function setInsetRight(px) {
    state.insetRight = px;
    if (state.frame?.event) ensureVisible(state.frame.event.node);
  }

  return { setGraph, update, fit, select, setInsetRight, zoomBy: (k) => svg.transition().duration(250).call(zoom.scaleBy, k), svg: svg.node() };
}

function describeNode(node, value, grad, status) {
  const parts = [`${node.label || node.id}, ${node.inputs.length ? node.op : node.role}, ${formatShape(node.shape)}`];
  parts.push(value ? `value ${formatTensor(value)}` : "not computed");
  if (grad) parts.push(`gradient ${formatTensor(grad.total)}, ${status === "pending" ? `${grad.pending} pending` : "final"}`);
  return parts.join("; ");
}
