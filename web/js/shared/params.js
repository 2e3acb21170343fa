/**
 * Model parameters by identity: the `param` field the server sends with each parameter node
 * ({layer, key, index}, layer 0-based, index null for the whole tensor) and the one way every view names
 * a parameter: W₁, b₂, α₁ for a tensor, W₁[0,1] and b₁[0] for one entry (0-based, as in the weights'
 * JSON). Used by the stepper as well as the studio (and packed into the studio's standalone replay);
 * nothing parses a label for a parameter's identity. Pure: no DOM.
 */

const SUBSCRIPT = "₀₁₂₃₄₅₆₇₈₉";
const SYMBOLS = { W: "W", b: "b", alpha: "α" };

/** A positive integer in subscript digits: 12 → "₁₂". */
export function subscript(n) {
  return [...String(n)].map((d) => SUBSCRIPT[Number(d)] ?? d).join("");
}

/** The identity of a trace node ({layer, key, index}) or null when it is not a model parameter. */
export function paramRef(node) {
  const p = node?.param;
  if (!p || !Number.isInteger(p.layer) || !(p.key in SYMBOLS)) return null;
  return { layer: p.layer, key: p.key, index: Array.isArray(p.index) ? p.index : null };
}

/** The display name of a parameter: {layer: 0, key: "W"} → "W₁"; with index [0, 1] → "W₁[0,1]". */
export function paramName({ layer, key, index = null }) {
  const name = `${SYMBOLS[key] ?? key}${subscript(layer + 1)}`;
  return Array.isArray(index) ? `${name}[${index.join(",")}]` : name;
}

/** The name of one unit: hidden layers' outputs h₁[0], the output layer's ŷ[0] (`layer` 0-based). */
export function unitName(layer, index, { output = false } = {}) {
  return `${output ? "ŷ" : `h${subscript(layer + 1)}`}[${index}]`;
}

/** Map node id → {layer, key, index} for the parameter nodes of a trace graph ({nodes}). */
export function paramNodes(graph) {
  const map = {};
  for (const node of graph?.nodes ?? []) {
    const ref = paramRef(node);
    if (ref) map[node.id] = ref;
  }
  return map;
}
