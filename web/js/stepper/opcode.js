/**
 * The code that ran for a node: the op-table row's forward and VJPs as Python source
 * (GET /api/v1/ops `source`), as titled blocks for the inspector. Pure: no DOM.
 */

const INPUT_NAMES = "abcdefgh";

/**
 * [{title, code}] for a node made by an op: the forward, then the VJP sent to each input (a variadic op
 * has one VJP builder for every input). Empty for a leaf or an op without source.
 */
export function codeThatRan(node, opInfo) {
  const source = opInfo?.source;
  if (!source || !node?.inputs?.length) return [];
  const blocks = [];
  if (source.forward) blocks.push({ title: `forward: ${opInfo.name}`, code: source.forward });
  const vjps = source.vjps ?? [];
  if (opInfo.arity === null && vjps[0]) {
    blocks.push({ title: "VJP (built for each input k)", code: vjps[0] });
    return blocks;
  }
  vjps.forEach((code, k) => {
    if (code && k < node.inputs.length) blocks.push({ title: `VJP to input ${INPUT_NAMES[k] ?? k}`, code });
  });
  return blocks;
}
