"""Operation counts for the lesson "naive computation takes exponential time".

The graph is read as a scalar computation: every node is one number and every input slot is one edge
carrying a local derivative ∂consumer/∂input (a node used twice, as in x·x, gives two edges). Only edges
on a path from a differentiated leaf to the output count. For a graph of tensors the numbers describe the
graph's structure (one variable per node), not floating-point work.

- `paths`: the number of distinct paths from the differentiated leaves to the output.
- `naive_paths`: multiplications of the chain rule written as a sum over paths, ∂z/∂x = Σ_paths Π_edges
  (local derivative), each path evaluated on its own: a path of L edges costs L − 1 multiplications.
- `reverse_mode`: backpropagation multiplies once per edge (ḡ_consumer · local derivative) and adds the
  results, so the whole gradient costs one multiplication per edge.
- `forward_mode`: one tangent-propagation pass per differentiated leaf; each pass multiplies once per
  edge downstream of that leaf.

All counts are Python ints, exact for any depth (a 60-level diamond has 2⁶⁰ paths).
"""

from __future__ import annotations

from .tensor import Tensor


def _from_tensor(root: Tensor):
    """(node keys in creation order, inputs per key, leaf keys that require grad, output key)."""
    seen, stack, nodes = {root}, [root], []
    while stack:
        node = stack.pop()
        nodes.append(node)
        for x in node._inputs:
            if x not in seen:
                seen.add(x)
                stack.append(x)
    nodes.sort(key=lambda t: t._seq)
    inputs = {id(n): [id(x) for x in n._inputs] for n in nodes}
    wrt = [id(n) for n in nodes if n._op is None and n.requires_grad]
    return [id(n) for n in nodes], inputs, wrt, id(root)


def _from_graph(nodes: list[dict]):
    """The same from recorded node dicts; the output is the "loss" node, else the last node."""
    keys = [n["id"] for n in nodes]
    inputs = {n["id"]: list(n["inputs"]) for n in nodes}
    wrt = [n["id"] for n in nodes if n["op"] == "leaf" and n["role"] in ("param", "input")]
    losses = [n["id"] for n in nodes if n["role"] == "loss"]
    return keys, inputs, wrt, (losses[-1] if losses else keys[-1])


def count_chain_rule_ops(graph_or_tensor, wrt=None) -> dict[str, int]:
    """Counts for a Tensor (output; differentiated leaves: requires_grad), a list of recorded node dicts
    or a trace dict ({"graph": {"nodes": ...}}; leaves with role param/input). `wrt` overrides the
    differentiated leaves (Tensors or node ids). Returns {"naive_paths", "reverse_mode", "forward_mode",
    "paths"}."""
    if isinstance(graph_or_tensor, Tensor):
        keys, inputs, leaves, out = _from_tensor(graph_or_tensor)
        if wrt is not None:
            leaves = [id(t) for t in wrt]
    else:
        nodes = graph_or_tensor["graph"]["nodes"] if isinstance(graph_or_tensor, dict) else graph_or_tensor
        keys, inputs, leaves, out = _from_graph(nodes)
        if wrt is not None:
            leaves = list(wrt)
    return _count(keys, inputs, leaves, out)


def _count(keys, inputs, leaves, out) -> dict[str, int]:
    index = {k: i for i, k in enumerate(keys)}
    n_paths = dict.fromkeys(keys, 0)  # paths from node to output
    n_edges = dict.fromkeys(keys, 0)  # total edges over those paths
    n_paths[out] = 1
    for k in reversed(keys[: index[out] + 1]):  # consumers first
        if n_paths[k]:
            for x in inputs[k]:
                n_paths[x] += n_paths[k]
                n_edges[x] += n_edges[k] + n_paths[k]
    leaves = [k for k in leaves if n_paths.get(k)]
    downstream = _downstream(keys, inputs, leaves)
    relevant = {k for k in keys if n_paths[k]}
    edges = [(x, k) for k in relevant for x in inputs[k] if x in downstream]
    forward = 0
    for leaf in leaves:
        reach = _downstream(keys, inputs, [leaf])
        forward += sum(1 for x, _ in edges if x in reach)
    return {
        "paths": sum(n_paths[k] for k in leaves),
        "naive_paths": sum(n_edges[k] - n_paths[k] for k in leaves),
        "reverse_mode": len(edges),
        "forward_mode": forward,
    }


def _downstream(keys, inputs, sources) -> set:
    """Nodes that depend on any of `sources` (the sources included)."""
    reach = set(sources)
    for k in keys:
        if k not in reach and any(x in reach for x in inputs[k]):
            reach.add(k)
    return reach
