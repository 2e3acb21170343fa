"""Reverse-mode differentiation: one flat loop over an iterative topological order.

Each (consumer, input) edge sends one contribution `vjp(B, p, g, out, *inputs)` to the input, where it is
added to the input's running total; a node's total is final when every consumer has been processed, which
reverse creation order guarantees. Leaves add their total into `.grad` (gradients accumulate across calls).
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from . import backend
from .tensor import Tensor, _leaf, state

_by_seq = attrgetter("_seq")
_TB = None


def tensor_backend():
    """The Tensor backend (built on first use: it needs the Tensor class)."""
    global _TB
    if _TB is None:
        _TB = backend._tensor_backend()
    return _TB


def reverse_topo(root: Tensor) -> list[Tensor]:
    """Nodes that `root` depends on through requires_grad edges, consumers before their inputs."""
    seen = {root}
    stack = [root]
    order = []
    while stack:
        node = stack.pop()
        order.append(node)
        for x in node._inputs:
            if x.requires_grad and x not in seen:
                seen.add(x)
                stack.append(x)
    order.sort(key=_by_seq, reverse=True)
    return order


def _seed(root: Tensor, grad, create_graph: bool):
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(f"backward() without a gradient needs a scalar, got shape {root.data.shape}")
        seed = np.ones(root.data.shape, dtype=root.data.dtype)
    else:
        seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=root.data.dtype)
        if seed.shape != root.data.shape:
            raise ValueError(f"gradient shape {seed.shape} does not match tensor shape {root.data.shape}")
    if create_graph:
        seed = _leaf(seed)
        seed.label = f"∂{root.label or 'L'}/∂{root.label or 'L'}"
    return seed


def backward(root: Tensor, grad=None, create_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) · grad into `.grad` of every leaf that requires grad."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad (no leaf requires_grad=True?)")
    order = reverse_topo(root)
    rec = state.recorder if state.grad_enabled else None
    if rec is not None:
        rec._begin_backward(root, order)
    seed = _seed(root, grad, create_graph)
    if not create_graph:
        _run(order, root, seed, rec)
        return
    prev = state.grad_enabled
    state.grad_enabled = True
    try:
        _run_graph(order, root, seed, rec)
    finally:
        state.grad_enabled = prev


def _run(order, root, seed, rec) -> None:
    """The ndarray fast path."""
    B = backend.NB
    grads = {root: seed}
    assigned = set()
    for node in order:
        g = grads.pop(node)
        op = node._op
        if op is None:
            _to_leaf(node, g, assigned, rec is not None)
            continue
        ins = node._inputs
        out = node.data
        p = node._p
        vjps = op.vjps
        args = [x.data for x in ins]
        k = 0
        for x in ins:
            if x.requires_grad:
                fn = vjps[k]
                if fn is None:
                    op.vjp(k)  # raises, naming op and input
                c = fn(B, p, g, out, *args)
                prev = grads.get(x)
                total = grads[x] = c if prev is None else prev + c
                if rec is not None:
                    rec._contribution(x, node, k, c, total)
            k += 1


def _to_leaf(leaf: Tensor, g: np.ndarray, assigned: set, copy: bool) -> None:
    """Add a leaf's final total into `.grad`; never hand out a view or an array another leaf holds."""
    if g.__class__ is not np.ndarray:
        g = np.asarray(g)  # a NumPy scalar from a 0-d operation
    old = leaf.grad
    if old is not None:
        leaf.grad = old + g
        return
    if copy or g.base is not None or not g.flags.writeable or id(g) in assigned:
        g = g.copy()
    assigned.add(id(g))
    leaf.grad = g


def _run_graph(order, root, seed, rec) -> None:
    """The create_graph path: VJPs run on Tensors, so every contribution is a graph node."""
    B = tensor_backend()
    grads = {root: seed}
    first_new = seed._seq
    name = root.label or "L"
    for node in order:
        g = grads.pop(node)
        if g.label is None and g._seq >= first_new and node.label:
            g.label = f"∂{name}/∂{node.label}"
        op = node._op
        if op is None:
            node.grad = g if node.grad is None else node.grad + g
            continue
        ins = node._inputs
        for k, x in enumerate(ins):
            if x.requires_grad:
                c = op.vjp(k)(B, node._p, g, node, *ins)
                prev = grads.get(x)
                total = grads[x] = c if prev is None else prev + c
                if rec is not None:
                    rec._contribution(x, node, k, c, total)
