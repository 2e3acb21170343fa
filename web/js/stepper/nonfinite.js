/**
 * NaN and ±∞ in a frame: which nodes hold a non-finite value or gradient, which gradients flowed through
 * a value that is not defined (∂x of log(x) at x = −1 is a number, but log has no derivative there), and
 * why, in words for the narration. Pure: no DOM.
 */

import { formatBrief, formatNumber } from "../shared/format.js";

/** The non-finite kinds in a decoded tensor, in a fixed order: e.g. ["NaN", "−∞"]; [] when all finite. */
export function nonFiniteKinds(t) {
  if (!t) return [];
  const xs = t.data ?? (t.summary ? Object.values(t.summary).filter((v) => v !== null) : []);
  const found = new Set();
  for (const v of xs) {
    if (Number.isNaN(v)) found.add("NaN");
    else if (v === Infinity) found.add("+∞");
    else if (v === -Infinity) found.add("−∞");
  }
  return ["NaN", "+∞", "−∞"].filter((k) => found.has(k));
}

const isScalar = (t) => !!t?.data && t.size === 1;

/**
 * Why `node`'s value is not finite, traced back to where it started: the first node on the way whose
 * inputs are finite and whose op is undefined or overflows there ("log is undefined at x = −1"), or a
 * leaf given as non-finite.
 */
export function reasonOf(trace, frame, nodeId) {
  const node = trace.nodeById.get(nodeId);
  const label = (id) => trace.nodeById.get(id)?.label || id;
  if (!node) return null;
  if (!node.inputs.length) return `${label(nodeId)} is ${nonFiniteKinds(frame.values.get(nodeId)).join(", ")}`;
  const inputs = node.inputs.map((id) => ({ id, value: frame.values.get(id) ?? null }));
  const bad = inputs.find((x) => nonFiniteKinds(x.value).length);
  if (bad) return reasonOf(trace, frame, bad.id);
  const at = inputs.map((x) => `${label(x.id)} = ${isScalar(x.value) ? formatNumber(x.value.data[0]) : formatBrief(x.value)}`).join(", ");
  const name = node.op;
  if (name === "log") return `log is undefined at ${at}`;
  if (name === "sqrt") return `√ is undefined at ${at}`;
  if (name === "div") return `division by ${label(node.inputs[1])} = ${formatBrief(inputs[1].value)}`;
  if (name === "pow") return `the power is undefined at ${at}`;
  return `${name} overflows or is undefined at ${at}`;
}

/**
 * Every flagged node of a frame: id → {kinds, where: "value" | "gradient" | "through", reason}.
 * "through": the gradient is finite but came from a consumer whose value is not (no derivative there).
 */
export function nonFiniteFlags(trace, frame) {
  const flags = new Map();
  for (const [id, value] of frame.values) {
    const kinds = nonFiniteKinds(frame.updates.get(id)?.value ?? value);
    if (kinds.length) flags.set(id, { kinds, where: "value", reason: reasonOf(trace, frame, id) });
  }
  for (const [id, g] of frame.grads) {
    if (flags.has(id)) continue;
    const kinds = nonFiniteKinds(g.total);
    const through = g.contributions.map((c) => c.from).find((from) => from != null && flags.get(from)?.where === "value");
    if (kinds.length) flags.set(id, { kinds, where: "gradient", reason: through ? flags.get(through).reason : gradReason(trace, frame, id) });
    else if (through) flags.set(id, { kinds: nonFiniteKinds(frame.values.get(through)), where: "through", reason: flags.get(through).reason, from: through });
  }
  return flags;
}

function gradReason(trace, frame, id) {
  const g = frame.grads.get(id);
  const label = (x) => trace.nodeById.get(x)?.label || x;
  const c = g.contributions.find((x) => nonFiniteKinds(x.value).length);
  return c?.from != null ? `the contribution from ${label(c.from)} is ${nonFiniteKinds(c.value).join(", ")}` : null;
}

/** The warning the narration adds for the node of the current event, or "" when it is finite. */
export function nonFiniteNote(trace, frame) {
  const e = frame.event;
  if (!e || e.type === "metrics") return "";
  const flag = nonFiniteFlags(trace, frame).get(e.node);
  if (!flag) return "";
  const name = trace.nodeById.get(e.node)?.label || e.node;
  const why = flag.reason ? `: ${flag.reason}` : "";
  if (e.type === "backward" && flag.where === "value") return "";
  if (flag.where === "value") return ` ⚠ ${name} is ${flag.kinds.join(", ")}${why}.`;
  if (e.type !== "backward") return "";
  const grad = `∂L/∂${name}`;
  if (flag.where === "gradient") return ` ⚠ ${grad} is ${flag.kinds.join(", ")}${why}.`;
  return ` ⚠ ${grad} is not meaningful${why}, so the derivative does not exist there.`;
}

/** A node's flag as a short title for its icon. */
export function flagTitle(trace, nodeId, flag) {
  const name = trace.nodeById.get(nodeId)?.label || nodeId;
  const what = flag.where === "value" ? `${name} is ${flag.kinds.join(", ")}`
    : flag.where === "gradient" ? `∂L/∂${name} is ${flag.kinds.join(", ")}`
      : `∂L/∂${name} passed through a value that is ${flag.kinds.join(", ")}`;
  return flag.reason ? `${what}: ${flag.reason}` : what;
}
