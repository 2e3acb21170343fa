"""Reverse-mode differentiation: one flat loop over an iterative topological order.

Each (consumer, input) edge sends one contribution `vjp(B, p, g, out, *inputs)` to the input, where it is
added to the input's running total; a node's total is final when every consumer has been processed, which
reverse creation order guarantees (the fast path takes the newest pending op node: in a chain the one it
just reached, else from a heap keyed by creation order; create_graph walks `reverse_topo`). Leaves add
their total into `.grad` (gradients accumulate across calls). The fast path computes the VJPs of the MLP
ops (add, relu, 2-D matmul) inline, as their rows do: a Python call per edge is most of what an edge costs
at the sizes the playground runs.

`tensor.py` imports this module (its `backward` is `Tensor.backward`), not the reverse: what the loop needs
of the Tensor class it reaches through the nodes it is given (`root.__class__` for the seed of a
create_graph pass, `root._TB` for the Tensor backend). Nodes below are Tensors.
"""

from __future__ import annotations

from heapq import heappop, heappush, heappushpop
from operator import attrgetter

import numpy as np

from .backend import NB
from .gradmode import state
from .kernels import unbroadcast
from .ops import OPS

_by_seq = attrgetter("_seq")
# Ops whose VJPs `_run` computes inline (bit for bit what their rows compute; tests/engine/test_kernels.py):
_ADD = OPS["add"]  # passes g on unchanged where the shapes match, else sums it back (`NB.sum_to`)
_MATMUL = OPS["matmul"]  # 2-D by 2-D: g @ bᵀ and aᵀ @ g
_RELU = OPS["relu"]
_ONES = {np.dtype(np.float64): np.float64(1.0), np.dtype(np.float32): np.float32(1.0)}  # immutable seeds


def reverse_topo(root) -> list:
    """Op nodes that `root` depends on through requires_grad edges, consumers before their inputs.

    Leaves are left out: they only receive, and are settled after the loop."""
    if root._op is None:
        return []
    seen = {root}
    stack = [root]
    push, mark = stack.append, seen.add
    while stack:
        for x in stack.pop()._inputs:
            if x._op is not None and x.requires_grad and x not in seen:
                mark(x)
                push(x)
    return sorted(seen, key=_by_seq, reverse=True)


def _seed(root, grad, create_graph: bool):
    """The gradient backward starts from: ones for a one-element root, else `grad` (a Tensor with
    create_graph, so that the backward graph starts from a node)."""
    if grad is None:
        if root.data.size != 1:
            raise RuntimeError(f"backward() without a gradient needs a scalar, got shape {root.data.shape}")
        seed = np.ones(root.data.shape, dtype=root.data.dtype)
    else:
        seed = np.array(grad.data if isinstance(grad, root.__class__) else grad, dtype=root.data.dtype)
        if seed.shape != root.data.shape:
            raise ValueError(f"gradient shape {seed.shape} does not match tensor shape {root.data.shape}")
    if create_graph:
        seed = root.__class__(seed)  # a constant leaf
        seed.label = f"∂{root.label or 'L'}/∂{root.label or 'L'}"
    return seed


def backward(root, grad=None, create_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) · grad into `.grad` of every leaf that requires grad (`Tensor.backward`).

    `grad` defaults to 1 for a one-element root. Gradients add up across calls until `zero_grad()`.
    With `create_graph=True` the backward pass is built from graph nodes, so each `.grad` is a Tensor
    that can be differentiated again (a leaf then holds a graph that holds the leaf: a reference cycle,
    left to the cycle collector unless `zero_grad()` breaks it)."""
    if not root.requires_grad:
        raise RuntimeError("backward() on a tensor that does not require grad (no leaf requires_grad=True?)")
    rec = state.recorder if state.grad_enabled else None
    if rec is not None:
        rec._begin_backward(root, create_graph)
    if grad is None and not create_graph and root.data.ndim == 0:
        seed = _ONES.get(root.data.dtype)  # the usual case; a NumPy scalar: 0-d arrays are slow in arithmetic
        if seed is None:
            seed = root.data.dtype.type(1.0)
    else:
        seed = _seed(root, grad, create_graph)
    if not create_graph:
        _run(root, seed, rec)
        return
    prev = state.grad_enabled
    state.grad_enabled = True
    try:
        _run_graph(reverse_topo(root), root, seed, rec)
    finally:
        state.grad_enabled = prev


def _run(root, seed, rec) -> None:
    """The ndarray fast path: op nodes in reverse creation order, so each one's consumers are done before
    it (`_seq` values are unique: the topological order without a separate walk and sort).

    An op node becomes pending when its first contribution arrives. The node processed next is the newest
    pending one: the first op input that became pending at this node (`nxt`, which in a chain is all there
    is, so it never touches the heap) unless the heap holds a newer one; other pending nodes wait on a heap
    keyed by -`_seq` (entries never compare tensors). Unrolled for one and two inputs: per-op Python
    overhead is what counts here.

    A VJP returns a fresh array, a view, or `g` itself (a pass-through: add, and sum_to when the shapes
    match); only a pass-through can make two leaves' totals one array, so `shared` notes whether a leaf's
    first contribution was one, and `_settle_leaves` looks for shared totals only then."""
    B = NB
    shared = False
    grads = {root: seed}
    pop, get = grads.pop, grads.get
    heap = []
    log = None if rec is None else rec._log.append  # a recorded edge costs one tuple
    node = root if root._op is not None else None
    while node is not None:
        g = pop(node)
        op = node._op
        ins = node._inputs
        vjps, p, out = op.vjps, node._p, node.data
        nxt = None
        n = len(ins)
        # The per-input block below stands three times (a, b, the one input) and again in _nary on purpose:
        # unrolled, one node costs no inner loop or call; keep the copies in step when changing one.
        if n == 2:
            a, b = ins
            ad, bd = a.data, b.data
            if a.requires_grad:
                if op is _ADD:  # add's VJPs, inlined (the row's code): the most common op
                    c = g if g.shape == ad.shape else unbroadcast(g, ad.shape)
                elif op is _MATMUL and ad.ndim == 2 == bd.ndim:  # the matrix case of its row
                    c = g @ bd.T
                else:
                    c = (vjps[0] or op.vjp(0))(B, p, g, out, ad, bd)
                prev = get(a)
                if prev is None:
                    total = grads[a] = c
                    if a._op is not None:
                        nxt = a
                    elif c is g:
                        shared = True
                else:
                    total = grads[a] = prev + c
                if log is not None:
                    log((a, node, 0, c, total))
            if b.requires_grad:
                if op is _ADD:
                    c = g if g.shape == bd.shape else unbroadcast(g, bd.shape)
                elif op is _MATMUL and ad.ndim == 2 == bd.ndim:
                    c = ad.T @ g
                else:
                    c = (vjps[1] or op.vjp(1))(B, p, g, out, ad, bd)
                prev = get(b)
                if prev is None:
                    total = grads[b] = c
                    if b._op is not None:
                        if nxt is None:
                            nxt = b
                        else:
                            heappush(heap, (-b._seq, b))
                    elif c is g:
                        shared = True
                else:
                    total = grads[b] = prev + c
                if log is not None:
                    log((b, node, 1, c, total))
        elif n == 1:
            a = ins[0]
            if log is not None and out.base is not None:  # a view (W.T): snapshot before updates
                rec._snap.setdefault(node, out.copy())
            if op is _RELU:  # relu's `g * (out > 0)`, the same products with the mask made in g's dtype:
                c = (out > 0).astype(g.dtype)  # NumPy multiplies float by bool through a slow casting loop
                c *= g
            else:
                c = (vjps[0] or op.vjp(0))(B, p, g, out, a.data)
            prev = get(a)
            if prev is None:
                total = grads[a] = c
                if a._op is not None:
                    nxt = a
                elif c is g:
                    shared = True
            else:
                total = grads[a] = prev + c
            if log is not None:
                log((a, node, 0, c, total))
        else:
            shared = _nary(node, g, grads, heap, log) or shared
        if nxt is not None:
            node = heappushpop(heap, (-nxt._seq, nxt))[1] if heap else nxt
        else:
            node = heappop(heap)[1] if heap else None
    _settle_leaves(grads, rec, shared)


def _nary(node, g, grads: dict, heap: list, log) -> bool:
    """The general case of `_run`'s loop body (three or more inputs: linear, concat): pending op inputs
    go on the heap. Returns whether a leaf's first contribution was `g` itself (see `_run`)."""
    shared = False
    ins = node._inputs
    args = [x.data for x in ins]
    vjps, p, out = node._op.vjps, node._p, node.data
    k = 0
    for x in ins:
        if x.requires_grad:
            c = (vjps[k] or node._op.vjp(k))(NB, p, g, out, *args)
            prev = grads.get(x)
            if prev is None:
                total = grads[x] = c
                if x._op is not None:
                    heappush(heap, (-x._seq, x))
                elif c is g:
                    shared = True
            else:
                total = grads[x] = prev + c
            if log is not None:
                log((x, node, k, c, total))
        k += 1
    return shared


def _settle_leaves(grads: dict, rec, shared: bool = True) -> None:
    """Add each leaf's final total into `.grad`, never handing out a view or an array two leaves share
    (`a + b` passes the same g to both: the second leaf gets a copy; `shared` False says no total was a
    pass-through, so none can be another's).

    While recording, the recorded totals are these very arrays, so they are made read-only (an in-place
    change of `.grad` would silently rewrite the trace), and each leaf's value is snapshotted before the
    optimizer can update it in place."""
    if rec is not None:
        _snapshot_leaves(grads, rec)
    frozen = rec is not None
    given = set() if shared else None  # ids of the totals handed out as they are
    for leaf, g in grads.items():
        if g.__class__ is not np.ndarray:
            g = np.asarray(g)  # a NumPy scalar from a 0-d operation
        old = leaf.grad
        if old is not None:
            g = old + g
        elif g.base is not None:
            g = g.copy()
        elif given is not None:
            if id(g) in given:
                g = g.copy()
            else:
                given.add(id(g))
        if frozen:
            g.setflags(False)  # write=False; passed by position, the call costs less than half
        leaf.grad = g


def _snapshot_leaves(grads: dict, rec) -> None:
    """Keep each differentiated leaf's value as it was in this pass (first pass wins)."""
    snap = rec._snap
    copy = rec.copy_params
    for leaf in grads:
        if leaf not in snap:
            data = leaf.data
            if copy:
                snap[leaf] = data.copy()
            elif data.__class__ is np.ndarray and data.base is None:  # `rec._keep` inlined
                data.setflags(False)
                snap[leaf] = data
            else:
                snap[leaf] = rec._keep(data, leaf)


def _run_graph(order, root, seed, rec) -> None:
    """The create_graph path: VJPs run on Tensors, so every contribution is a graph node."""
    B = root._TB
    grads = {root: seed}
    first_new = seed._seq
    name = root.label or "L"
    for node in order:
        g = grads.pop(node)
        _name_gradient(g, node, name, first_new)
        op = node._op
        ins = node._inputs
        for k, x in enumerate(ins):
            if x.requires_grad:
                c = op.vjp(k)(B, node._p, g, node, *ins)
                prev = grads.get(x)
                total = grads[x] = c if prev is None else prev + c
                if rec is not None:
                    rec._contribution(x, node, k, c, total)
    for leaf, g in grads.items():
        _name_gradient(g, leaf, name, first_new)
        leaf.grad = g if leaf.grad is None else leaf.grad + g


def _name_gradient(g, node, root_name: str, first_new: int) -> None:
    """Label a gradient node made in this backward pass "∂L/∂h" after the node it belongs to."""
    if g.label is None and g._seq >= first_new and node.label:
        g.label = f"∂{root_name}/∂{node.label}"
