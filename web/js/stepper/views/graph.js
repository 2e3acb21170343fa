/**
 * The graph view: owns an SVG with the computation graph (boxes from the layout adapter), pans and zooms,
 * and shows one timeline frame at a time with `update(frame)`. Backward contributions travel along their
 * edge before the receiving node's total changes.
 */

import d3 from "d3";
import { edgeId, nodeCategory } from "../trace.js";
import { FONTS, LABEL_ROOMS, fitTransform, headerMeta } from "../graph-layout.js";
import { chooseLayout, focusBox, followTransform, legibleScale, smallestText, visibleArea } from "../camera.js";
import { formatShape, formatTensor, formatBrief, formatNumber, plainData } from "../../shared/format.js";
import { gradStatus } from "../timeline.js";
import { renderTensor } from "./tensor-view.js";

// edges run straight through columns and bend between them (graph-layout.js routeEdge): a monotone curve keeps
// each bend inside its gap; edges between the bands turn rounded corners (a B-spline over flanked corners)
const line = d3.line().x((p) => p.x).y((p) => p.y).curve(d3.curveMonotoneX);
const crossLine = d3.line().x((p) => p.x).y((p) => p.y).curve(d3.curveBasis);

/**
 * Create a graph view inside `container`. `onSelect(nodeId)` fires on click or Enter. `layout(trace,
 * {detail, expanded, fonts})` lays a trace out; the view picks full or compact boxes for the room it has.
 * `camera` is "overview" (the whole graph stays in view) or "follow" (pans to the current node).
 */
/** How much larger a wrapped graph must draw than the unwrapped one to be drawn wrapped. */
const WRAP_GAIN = 1.25;

export function createGraphView(container, { onSelect = () => {}, fitOptions = {}, layout: buildLayout, camera = "overview" } = {}) {
  const svg = d3.select(container).append("svg").attr("class", "graph-svg").attr("tabindex", 0)
    .attr("role", "group").attr("aria-label", "Computation graph: Tab to a node and press Enter to inspect it; arrow keys step");
  const defs = svg.append("defs");
  for (const kind of ["edge", "active", "grad"]) {
    defs.append("marker").attr("id", `arrow-${kind}`).attr("viewBox", "0 0 10 10").attr("refX", 9).attr("refY", 5)
      .attr("markerUnits", "userSpaceOnUse").attr("markerWidth", 13).attr("markerHeight", 13).attr("orient", "auto-start-reverse")
      .append("path").attr("d", "M0,0 L10,5 L0,10 z").attr("class", `arrowhead arrowhead-${kind}`);
  }
  const viewport = svg.append("g").attr("class", "viewport");
  const layers = Object.fromEntries(["clusters", "edges", "nodes", "particles"].map((k) => [k, viewport.append("g").attr("class", k)]));
  const zoom = d3.zoom().scaleExtent([0.15, 4]).on("zoom", (ev) => {
    viewport.attr("transform", ev.transform);
    if (ev.sourceEvent) state.userZoomed = true;
  });
  svg.call(zoom).on("dblclick.zoom", null).on("dblclick", () => fit(true));

  const state = { trace: null, layout: null, frame: null, rendered: new Map(), selected: null, userZoomed: false, camera, expanded: new Set(), layouts: new Map() };

  /** Show a trace (laid out here; a ready layout may be passed instead). */
  function setGraph(trace, layout = null) {
    state.trace = trace;
    state.given = layout;
    state.frame = null;
    state.expanded.clear();
    state.layouts.clear();
    state.layout = null;
    state.userZoomed = false;
    relayout();
  }

  /**
   * The node text sizes and the legible size the stylesheet asks for (graph.css --node-*, --graph-legible),
   * and whether "follow" keeps full boxes on this screen (--graph-follow-detail: full).
   */
  function readFonts() {
    const css = getComputedStyle(container);
    const px = (name, fallback) => parseFloat(css.getPropertyValue(name)) || fallback;
    const fonts = Object.fromEntries(Object.entries(FONTS).map(([k, v]) => [k, px(`--node-${k}`, v)]));
    // the widths of names as drawn (none while the graph is not drawn: a hidden slide)
    const measure = svg.node().getClientRects().length > 0 ? (text, kind) => measureText(text, kind, fonts[kind]) : null;
    return { fonts, measure, target: px("--graph-legible", 12), followDetail: css.getPropertyValue("--graph-follow-detail").trim() };
  }

  /**
   * The width of a node's label or meta text as drawn at `size` px: a hidden node's text, measured and
   * removed again (the probe goes once the layout that asked is done); undefined where it measures nothing.
   * Packed layouts size their boxes so (graph-layout.js fonts.measure); the others keep the estimates
   * their arrangements were tuned with.
   */
  const widths = new Map();
  let probe = null;
  function measureText(text, kind, size) {
    const key = `${kind}|${size}|${text}`;
    if (widths.has(key)) return widths.get(key);
    if (!probe) {
      probe = svg.append("g").attr("class", "node").attr("aria-hidden", "true").style("visibility", "hidden");
      queueMicrotask(() => { probe.remove(); probe = null; });
    }
    const el = probe.append("text").attr("class", kind).text(text).node();
    const width = el.getComputedTextLength();
    el.remove();
    if (!(width > 0) && text) return undefined;
    widths.set(key, width);
    return width;
  }

  /**
   * The container's area not covered by any shown element of class `covers-graph` (the inspector, the
   * gradient table): the side it covers (left, right, top or bottom) is its style's --covers, which a
   * stylesheet may change with the screen (a drawer on a laptop, a bottom sheet on a phone), else its
   * data-covers.
   */
  function area() {
    const rect = container.getBoundingClientRect();
    const insets = { top: 0, right: 0, bottom: 0, left: 0 };
    for (const el of document.querySelectorAll(".covers-graph")) {
      if (el.hidden || el.getClientRects().length === 0) continue;
      const r = el.getBoundingClientRect();
      const side = getComputedStyle(el).getPropertyValue("--covers").trim() || el.dataset.covers;
      if (side === "left") insets.left = Math.max(insets.left, r.right - rect.left + 8);
      else if (side === "right") insets.right = Math.max(insets.right, rect.right - r.left + 8);
      else if (side === "top") insets.top = Math.max(insets.top, r.bottom - rect.top + 8);
      else if (side === "bottom") insets.bottom = Math.max(insets.bottom, rect.bottom - r.top + 8);
    }
    const most = (v, size) => Math.max(0, Math.min(v, size * 0.6));
    return visibleArea(rect.width, rect.height, {
      top: most(insets.top, rect.height), right: most(insets.right, rect.width), bottom: most(insets.bottom, rect.height), left: most(insets.left, rect.width),
    });
  }

  /** Choose the level of detail for the room there is, redraw if it changed, and refit unless zoomed. */
  function relayout({ refit = true } = {}) {
    if (!state.trace) return;
    const { fonts, measure, target, followDetail } = readFonts();
    state.fonts = fonts;
    state.target = target;
    const key = (detail, arrange, labels, pack) => `${detail}|${arrange}|${labels}|${pack && (measure ? "measured" : "packed")}|${JSON.stringify(fonts)}|${[...state.expanded].sort().join(",")}`;
    const made = (detail, arrange, labels, pack = false) => {
      const k = key(detail, arrange, labels, pack);
      const sized = pack && measure ? { ...fonts, measure } : fonts;
      if (!state.layouts.has(k)) state.layouts.set(k, buildLayout(state.trace, { detail, fonts: sized, expanded: state.expanded, arrange, labels, pack }));
      return state.layouts.get(k);
    };
    const rect = container.getBoundingClientRect();
    // a backward band goes below the forward graph or beside it, whichever fits the area larger, its bands
    // packed as low as their tallest columns where that fits it larger still; a graph without one wraps in
    // two where that draws it clearly larger (a long chain on a screen less wide), unless the camera
    // follows the current node (`wrap` false)
    const arranged = (detail, labels, wrap = true) => {
      const stacked = made(detail, "stacked", labels);
      const k = (l) => fitTransform(l, area(), fitOptions).k;
      if (!stacked.clusters?.length) {
        if (!wrap || !(rect.width > 0 && rect.height > 0)) return stacked;
        const wrapped = made(detail, "wrap", labels);
        return wrapped.arrange === "wrap" && k(wrapped) > WRAP_GAIN * k(stacked) ? wrapped : stacked;
      }
      const beside = made(detail, "beside", labels);
      const plain = k(beside) > k(stacked) ? beside : stacked;
      const packed = made(detail, plain.arrange, labels, true);
      return packed.packed && k(packed) > k(plain) ? packed : plain;
    };
    // room between the columns for the contribution labels: the most that keeps the text legible; none
    // where even the least would make it too small (nor where no level of detail is legible: there every
    // px of text counts)
    const build = (detail) => {
      if (!(rect.width > 0 && rect.height > 0)) return arranged(detail, LABEL_ROOMS[0]);
      const legible = (l) => fitTransform(l, area(), fitOptions).k * smallestText(l, fonts) >= target;
      for (const chars of LABEL_ROOMS) {
        const l = arranged(detail, chars);
        if (legible(l)) return l;
      }
      return arranged(detail, 0);
    };
    // where the screen asks for it, "follow" keeps full boxes (numbers, not heatmaps) with room for the
    // contributions: the camera frames the current node at a legible scale, the whole graph need not fit
    const framed = state.camera === "follow" && followDetail === "full";
    const next = state.given ?? (!buildLayout ? null
      : framed ? arranged("full", LABEL_ROOMS[0], false) // the camera frames a node: the graph keeps its one row
      : rect.width > 0 && rect.height > 0 ? chooseLayout(build, area(), fonts, target, fitOptions) : build("full"));
    if (!next) return;
    if (next !== state.layout) draw(next);
    if (refit && !state.userZoomed) {
      fit(false);
      if (state.camera === "follow" && state.frame?.event) follow(state.frame.event, false);
    }
  }

  function draw(layout) {
    const trace = state.trace;
    state.layout = layout;
    // what was chosen for the room there is, for a reader of the page (and its tests)
    svg.attr("data-detail", layout.nodes.values().next().value?.row ? "row" : layout.detail).attr("data-arrange", layout.arrange ?? "stacked")
      .attr("data-packed", layout.packed ? "true" : null);
    state.rendered.clear();
    state.marks = null;
    drawClusters(layout);
    drawEdges(trace, layout);
    drawNodes(trace, layout);
    if (state.frame) update(state.frame);
    if (state.selected) select(state.selected);
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
    c.select("text").attr("x", (d) => d.x - d.width / 2 + 14).attr("y", (d) => d.y - d.height / 2).attr("dy", "0.35em")
      .text((d) => (d.name === "backward" ? "backward graph (symbol-to-symbol)" : "forward graph"));
  }

  function drawEdges(trace, layout) {
    layers.edges.selectAll("path.edge").data(layout.edges, (d) => d.id).join("path")
      .attr("class", (d) => (d.cross ? "edge cross" : "edge")).attr("data-edge-id", (d) => d.id)
      .attr("data-from", (d) => d.from).attr("data-to", (d) => d.to)
      .attr("d", (d) => (d.cross ? crossLine : line)(d.points)).attr("marker-end", "url(#arrow-edge)");
    state.edgeEls = new Map();
    layers.edges.selectAll("path.edge").each(function (d) { state.edgeEls.set(d.id, this); });
  }

  function drawNodes(trace, layout) {
    const nodes = layers.nodes.selectAll("g.node").data(trace.nodes, (d) => d.id).join((enter) => {
      const g = enter.append("g").attr("tabindex", 0).attr("role", "button");
      // the node's name, and a mouse's tooltip (describeNode): SVG's own text alternative, so the name
      // holds what the box shows (its label first) without standing for the box's text
      g.append("title");
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
      .on("click", (ev, d) => choose(d.id))
      .on("keydown", (ev, d) => { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); ev.stopPropagation(); choose(d.id); } });
    nodes.each(function (d) { layoutNode(d3.select(this), d, layout.nodes.get(d.id)); });
    state.nodeEls = new Map();
    nodes.each(function (d) { state.nodeEls.set(d.id, this); });
  }

  /** A click or Enter on a node: a compact tensor opens to its full form (and back); the node is selected. */
  function choose(id) {
    const box = state.layout?.nodes.get(id);
    const tensor = box && box.kind !== "scalar";
    if (tensor && ((box.detail === "compact" && box.block.mini) || state.expanded.has(id))) {
      if (state.expanded.has(id)) state.expanded.delete(id);
      else state.expanded.add(id);
      relayout({ refit: state.camera === "overview" });
    }
    onSelect(id);
  }

  function layoutNode(g, node, box) {
    const { width, height, block } = box;
    const compact = box.detail === "compact";
    const row = !!box.row; // label and op on one line, value and gradient side by side
    g.select("rect.box").attr("width", width).attr("height", height);
    g.select("rect.band").attr("width", width).attr("height", box.header).attr("rx", 10);
    const label = g.select("text.label").attr("x", compact ? 10 : 12).attr("y", compact ? box.labelBase : box.header / 2 + 6);
    if (compact && box.lines.length > 1) {
      label.text(null).selectAll("tspan").data(box.lines).join("tspan")
        // the space the break replaced stays at the end of a line: the label's text reads as its name
        .attr("x", 10).attr("dy", (_, i) => (i ? box.lineGap : 0)).text((line, i) => (i < box.lines.length - 1 ? `${line} ` : line));
    } else label.text(node.label || node.id);
    const under = compact && !box.metaBeside; // a compact box's op under its label, else right of it
    g.select("text.meta").attr("x", under ? 10 : width - (compact ? 10 : 12)).attr("y", compact ? box.metaBase : box.header / 2 + 5)
      .attr("text-anchor", under ? "start" : "end").text(compact ? box.meta : headerMeta(node));
    g.classed("compact", compact).classed("row", row).classed("expandable", compact && !!block.mini);
    const vy = box.header + (compact && !block.mini ? 3 : 6);
    const gy = row ? vy : vy + block.height + (compact ? box.gap : 6);
    g.select("g.value").attr("transform", `translate(0,${vy})`);
    g.select("g.grad").attr("display", box.grad ? null : "none");
    const divider = row ? { x1: box.slot, x2: box.slot, y1: vy, y2: vy + block.height } : { x1: 10, x2: width - 10, y1: gy - 3, y2: gy - 3 };
    g.select("line.divider").attr("display", box.grad && !(compact && block.mini && !row) ? null : "none")
      .attr("x1", divider.x1).attr("x2", divider.x2).attr("y1", divider.y1).attr("y2", divider.y2);
    g.select("g.grad").attr("transform", `translate(${row ? box.slot : 0},${gy})`);
    g.select("text.grad-mark").attr("x", 12).attr("y", gy + block.height / 2).attr("dy", "0.36em");
    g.select("g.badge").attr("transform", compact ? `translate(${width + 6},${-9})` : `translate(${width - 4},${-11})`);
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
    if (e && state.camera === "follow") follow(e, true);
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
    const kind = box.detail !== "compact" ? box.kind : box.block.mini ? "mini" : box.kind === "summary" ? "brief" : box.kind;
    renderTensor(g.select("g.value"), value, { kind, block: box.block, width: box.slot });
    renderTensor(g.select("g.grad"), grad?.total ?? null, { kind, block: box.block, width: box.slot, placeholder: "" });
    g.classed("has-value", !!value).classed("updated", !!upd)
      .classed("grad-pending", status === "pending").classed("grad-final", status === "final")
      .attr("data-value", value ? JSON.stringify(plainData(value)) : null)
      .attr("data-grad", grad ? JSON.stringify(plainData(grad.total)) : null)
      .attr("data-grad-status", status);
    const badge = g.select("g.badge").classed("shown", status !== "none");
    // "n pending" in every density: the pending/final distinction is what the badge is for
    const text = status === "pending" ? `${grad.pending} pending` : box.detail === "compact" ? "✓" : "final ✓";
    badge.select("text").text(text).attr("x", -8).attr("text-anchor", "end");
    badge.select("rect").attr("x", -16 - text.length * 7.6).attr("width", 16 + text.length * 7.6);
    const opens = box.detail === "compact" && box.block.mini ? " (click to open)" : "";
    g.select(":scope > title").text(describeNode(node, value, grad, status) + opens);
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

  /** The whole graph into the visible area. */
  function fit(animated = true) {
    if (!state.layout) return;
    const room = area();
    if (room.width < 40 || room.height < 40) return; // hidden (a slide not shown yet): fit once it has room
    const t = fitTransform(state.layout, room, fitOptions);
    const transform = d3.zoomIdentity.translate(t.x, t.y).scale(t.k);
    state.userZoomed = false;
    svg.interrupt();
    (animated ? svg.transition().duration(400) : svg).call(zoom.transform, transform);
  }

  /**
   * The part of the drawing's plane that the overview fit shows (graph coordinates, inside the fit's
   * padding): at least the drawing itself; where the fit leaves room beside it (a wide, flat graph in a
   * tall area), that room too. The drawing's bounds alone when the user zoomed or the camera follows.
   */
  function room() {
    const layout = state.layout;
    if (!layout) return null;
    const drawing = { x: 0, y: 0, width: layout.width, height: layout.height };
    const seen = area();
    if (state.userZoomed || state.camera !== "overview" || seen.width < 40 || seen.height < 40) return drawing;
    const pad = fitOptions.pad ?? 16;
    const t = fitTransform(layout, seen, fitOptions);
    const x0 = Math.min(0, (seen.x + pad - t.x) / t.k);
    const y0 = Math.min(0, (seen.y + pad - t.y) / t.k);
    const x1 = Math.max(layout.width, (seen.x + seen.width - pad - t.x) / t.k);
    const y1 = Math.max(layout.height, (seen.y + seen.height - pad - t.y) / t.k);
    return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  }

  /**
   * "follow": bring an event's node into view at a legible scale, unless it already is; with the node its
   * contribution comes from, where both fit.
   */
  function follow(event, animated) {
    const nodes = state.layout?.nodes;
    const box = nodes?.get(event.node);
    if (!box) return;
    const minScale = Math.min(legibleScale(state.layout, state.fonts, state.target), fitOptions.max ?? 2);
    const drawing = { width: state.layout.width, height: state.layout.height };
    const room = area();
    const framed = focusBox([box, event.type === "backward" ? nodes.get(event.from) : null], minScale, room);
    const t = followTransform(framed, d3.zoomTransform(svg.node()), room, { minScale, maxScale: fitOptions.max ?? 2, drawing });
    if (!t) return;
    const next = d3.zoomIdentity.translate(t.x, t.y).scale(t.k);
    (animated ? svg.transition().duration(350) : svg).call(zoom.transform, next);
  }

  /** "overview" keeps the whole graph in view while stepping; "follow" pans to the current node. */
  function setCamera(mode) {
    state.camera = mode === "follow" ? "follow" : "overview";
    relayout({ refit: false }); // the level of detail can depend on the camera (--graph-follow-detail)
    if (state.camera === "overview") fit(true);
    else if (state.frame?.event) follow(state.frame.event, true);
  }

  function select(id) {
    state.selected = id;
    layers.nodes.selectAll("g.node").classed("selected", (d) => d.id === id);
  }

  new ResizeObserver(() => relayout()).observe(container);
  // a theme changes the node fonts and the legible size: lay out again
  new MutationObserver(() => relayout()).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  // a drawer that covers a side of the graph opened or closed: refit into what it leaves
  new MutationObserver((records) => {
    if (records.some((r) => r.target.classList?.contains("covers-graph"))) { state.userZoomed = false; relayout(); }
  }).observe(document.body, { attributes: true, attributeFilter: ["hidden"], subtree: true });

  return {
    element: container, setGraph, update, fit, select, setCamera, camera: () => state.camera, layout: () => state.layout, room,
    zoomBy: (k) => svg.transition().duration(250).call(zoom.scaleBy, k), svg: svg.node(),
  };
}

function describeNode(node, value, grad, status) {
  const parts = [`${node.label || node.id}, ${node.inputs.length ? node.op : node.role}, ${formatShape(node.shape)}`];
  parts.push(value ? `value ${formatTensor(value)}` : "not computed");
  if (grad) parts.push(`gradient ${formatTensor(grad.total)}, ${status === "pending" ? `${grad.pending} pending` : "final"}`);
  return parts.join("; ");
}
