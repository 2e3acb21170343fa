/**
 * The camera of the graph view, pure: which level of detail to draw at, the fit into the visible area,
 * and where "follow" moves to. No DOM; the view measures and passes sizes in.
 */

import { fitTransform } from "./graph-layout.js";

export const CAMERAS = ["overview", "follow"];

/** The area of a w×h container left visible by what covers its edges ({top, right, bottom, left} px). */
export function visibleArea(width, height, insets = {}) {
  const { top = 0, right = 0, bottom = 0, left = 0 } = insets;
  return { x: left, y: top, width: Math.max(0, width - left - right), height: Math.max(0, height - top - bottom) };
}

/** The smallest text that carries content (labels, numbers, the contributions on the edges) in a layout,
 * in layout px. */
export function smallestText(layout, fonts) {
  let px = layout.edgeLabels && fonts.edge ? Math.min(fonts.label, fonts.edge) : fonts.label;
  for (const b of layout.nodes.values()) {
    if (b.kind === "scalar") px = Math.min(px, fonts.scalar);
    else if (b.kind === "matrix" && !b.block?.mini) px = Math.min(px, fonts.cell);
    else if (b.kind === "summary") px = Math.min(px, b.detail === "full" ? fonts.caption : fonts.cell);
  }
  return px;
}

/** The scale at which that smallest text renders at `target` px. */
export function legibleScale(layout, fonts, target) {
  return target / smallestText(layout, fonts);
}

/**
 * Pick the layout to draw: the first level of detail (most first) whose smallest text, fitted into `area`,
 * renders at `target` px or more; if none does, the one whose smallest text renders largest. A level may be
 * a list of alternatives that show as much (row and compact boxes): the one rendering largest stands for
 * it. Levels are built only when needed.
 */
export function chooseLayout(build, area, fonts, target, fitOptions, details = LEVELS) {
  const rendered = (l) => fitTransform(l, area, fitOptions).k * smallestText(l, fonts);
  let best = null;
  let bestPx = -Infinity;
  for (const level of details) {
    let [layout, px] = [null, -Infinity];
    for (const detail of [level].flat()) {
      const l = build(detail);
      const p = rendered(l);
      if (p > px) [layout, px] = [l, p];
    }
    if (px >= target) return layout;
    if (px > bestPx) [best, bestPx] = [layout, px];
  }
  return best;
}

/** The levels chooseLayout tries by default: row and compact boxes show as much, so they are one level. */
export const LEVELS = ["full", ["row", "compact"], "tight"];

/** Whether box {x, y, width, height} (centre, layout px) lies inside `area` under transform {k, x, y}. */
export function boxInside(box, t, area, slack = 0.5) {
  const x0 = t.x + (box.x - box.width / 2) * t.k;
  const y0 = t.y + (box.y - box.height / 2) * t.k;
  const x1 = t.x + (box.x + box.width / 2) * t.k;
  const y1 = t.y + (box.y + box.height / 2) * t.k;
  return x0 >= area.x - slack && y0 >= area.y - slack && x1 <= area.x + area.width + slack && y1 <= area.y + area.height + slack;
}

/**
 * Where "follow" moves for a node's box: nowhere (null) if it is already inside the area at a scale of at
 * least `minScale`; otherwise that scale (or the current one, if larger) with the box centred. Along an
 * axis on which the whole `drawing` ({width, height}) fits at that scale, the drawing is centred instead,
 * so that only the other axis pans.
 */
export function followTransform(box, t, area, { minScale = 0, maxScale = 2, drawing = null } = {}) {
  const k = Math.min(maxScale, Math.max(t.k, minScale));
  if (k === t.k && boxInside(box, t, area)) return null;
  const along = (start, size, centre, extent) => (extent !== undefined && extent * k <= size
    ? start + (size - extent * k) / 2
    : start + size / 2 - centre * k);
  return { k, x: along(area.x, area.width, box.x, drawing?.width), y: along(area.y, area.height, box.y, drawing?.height) };
}

/**
 * The box "follow" frames for a step: the smallest box around all of `boxes` (the current node and the node
 * its contribution comes from; nulls ignored) when it fits into `area` at scale `k`, else the first box alone.
 */
export function focusBox(boxes, k, area) {
  const [first, ...rest] = boxes;
  const all = [first, ...rest.filter(Boolean)];
  if (all.length === 1) return first;
  const x0 = Math.min(...all.map((b) => b.x - b.width / 2));
  const x1 = Math.max(...all.map((b) => b.x + b.width / 2));
  const y0 = Math.min(...all.map((b) => b.y - b.height / 2));
  const y1 = Math.max(...all.map((b) => b.y + b.height / 2));
  const union = { x: (x0 + x1) / 2, y: (y0 + y1) / 2, width: x1 - x0, height: y1 - y0 };
  return union.width * k <= area.width && union.height * k <= area.height ? union : first;
}
