"""The sizes an expression will allocate, worked out from shapes alone before anything is computed.

A shape pass walks the syntax tree with the evaluator's own rules (broadcasting, matmul, reductions,
indexing) on `Shape`s instead of tensors. Every node's size is checked against `tensor_elements` as it is
reached, so a formula such as `x + y + z` over shapes (1000,1,1), (1,1000,1), (1,1,1000) is refused
before a single large array exists; the sum over all nodes (each forward value, and per edge a gradient
contribution and running total, as the trace records them) is checked against `trace_elements`.

This module is the shape arithmetic (`Sizes`, `Shape`, `ShapeFunctions`); the walk itself is the evaluator
run on shapes, `evaluator.check_sizes`, so the evaluator's rules are written once and imports run one
way (evaluator → sizes).
"""

from __future__ import annotations

import math

import numpy as np

from backprop_playground.nets.expressions.parse import over_limit
from backprop_playground.nets.limits import Limits

SYMBOLIC_FACTOR = 3  # a create_graph backward records its VJPs as nodes too: up to 2.4× the numbers measured


class Sizes:
    """Running totals of one shape pass; raises the limit error when a node or the total is too large."""

    def __init__(self, limits: Limits, factor: int = 1, source: str = "") -> None:
        self.limits = limits
        self.factor = factor
        self.source = source
        self.at: list[int | None] = [None]  # source positions of the syntax nodes being evaluated
        self.total = 0  # numbers the trace records
        self.work = 0  # elementwise work of one forward pass: each node's size, a matmul's multiply-adds
        self.nodes = 0

    def node(self, shape: tuple[int, ...], pos: int | None, inputs: tuple[Shape, ...] = (),
             grad: bool | None = None) -> Shape:
        """A node of `shape` made from `inputs`: its forward value, and for each input that needs a
        gradient, the contribution and running total the backward pass records for that edge."""
        size = math.prod(shape)
        if size > self.limits.tensor_elements:
            raise over_limit("tensor_elements", size, self.limits, self.at[-1], self.source)
        self.total += (size + sum(2 * x.size for x in inputs if x.grad)) * self.factor
        self.work += size
        self.nodes += 1
        if self.total > self.limits.trace_elements:
            raise over_limit("trace_elements", self.total, self.limits, self.at[-1], self.source)
        return Shape(shape, self, pos, any(x.grad for x in inputs) if grad is None else grad)

    def scratch(self, shape: tuple[int, ...], pos: int | None) -> None:
        """A temporary the backward pass makes (a batched matmul's product before it is summed)."""
        size = math.prod(shape)
        if size > self.limits.tensor_elements:
            raise over_limit("tensor_elements", size, self.limits, self.at[-1], self.source)


class Shape:
    """Stands in for a Tensor in the evaluator: the methods it calls, computing only the result's shape."""

    __slots__ = ("shape", "sizes", "pos", "grad", "op", "label")

    def __init__(self, shape: tuple[int, ...], sizes: Sizes, pos: int | None = None,
                 grad: bool = False) -> None:
        self.shape = tuple(int(d) for d in shape)
        self.sizes = sizes
        self.pos = pos
        self.grad = grad  # whether a gradient flows back into it (a variable, or made from one)
        self.op = "shape"
        self.label = None

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def _make(self, shape: tuple[int, ...], *inputs: Shape) -> Shape:
        return self.sizes.node(tuple(shape), self.pos, inputs or (self,))

    def _lift(self, other) -> Shape:
        return other if isinstance(other, Shape) else Shape(np.shape(other), self.sizes, self.pos)

    # ---- elementwise and broadcasting ----
    def _broadcast(self, other) -> Shape:
        other = self._lift(other)
        return self._make(np.broadcast_shapes(self.shape, other.shape), self, other)

    __add__ = __sub__ = __mul__ = __truediv__ = _broadcast

    def __neg__(self) -> Shape:
        return self._make(self.shape)

    def __pow__(self, exponent) -> Shape:
        return self._make(self.shape)

    def __getattr__(self, name: str):
        # every other function the evaluator may call is elementwise (relu, exp, sin, …)
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda: self._make(self.shape)

    # ---- matmul ----
    def __matmul__(self, other) -> Shape:
        other = self._lift(other)
        a, b = self.shape, other.shape
        if not a or not b:
            raise ValueError("matmul: input operand does not have enough dimensions")
        a2 = (1,) + a if len(a) == 1 else a
        b2 = b + (1,) if len(b) == 1 else b
        if a2[-1] != b2[-2]:
            raise ValueError(f"matmul: core dimension mismatch, {a2[-1]} (of {a}) is not {b2[-2]} (of {b})")
        batch = np.broadcast_shapes(a2[:-2], b2[:-2])
        shape = batch + (a2[-2], b2[-1])
        if len(a) == 1:
            shape = shape[:-2] + shape[-1:]
        if len(b) == 1:
            shape = shape[:-1]
        # the VJPs multiply the gradient by the other operand over the broadcast batch, then sum it down
        self.sizes.scratch(batch + a2[-2:], self.pos)
        self.sizes.scratch(batch + b2[-2:], self.pos)
        self.sizes.work += math.prod(batch) * a2[-2] * a2[-1] * b2[-1]
        return self._make(shape, self, other)

    # ---- shapes ----
    @property
    def T(self) -> Shape:
        return self._make(self.shape[::-1])

    def __getitem__(self, index) -> Shape:
        picked = np.broadcast_to(np.empty((), dtype=np.int8), self.shape)[index]  # a view: no allocation
        return self._make(np.shape(picked))

    def _reduce(self, axis, keepdims: bool = False) -> Shape:
        from backprop_playground.engine.kernels import normalize_axis

        axes = normalize_axis(axis, self.ndim)
        if axes is None:
            axes = tuple(range(self.ndim))
        if keepdims:
            return self._make(tuple(1 if i in axes else d for i, d in enumerate(self.shape)))
        return self._make(tuple(d for i, d in enumerate(self.shape) if i not in axes))

    def sum(self, axis=None, keepdims=False) -> Shape:
        return self._reduce(axis, keepdims)

    mean = max = sum

    def logsumexp(self, axis=-1, keepdims=False) -> Shape:
        return self._reduce(axis, keepdims)

    def softmax(self, axis=-1) -> Shape:
        return self._make(self.shape)

    log_softmax = softmax


class ShapeFunctions:
    """The evaluator's `F` (functional ops) on Shapes."""

    @staticmethod
    def leaky_relu(x: Shape, alpha: float = 0.01) -> Shape:
        return x._broadcast(x.sizes.node((), x.pos))  # the slope becomes a constant node

    @staticmethod
    def generalized_relu(x: Shape, alpha) -> Shape:
        return x._broadcast(alpha)

    @staticmethod
    def maxout(z: Shape, pieces: int) -> Shape:
        pieces = int(pieces)
        if pieces < 1 or not z.shape or z.shape[-1] % pieces:
            last = z.shape[-1] if z.shape else 0
            raise ValueError(f"last axis {last} is not a multiple of pieces={pieces}")
        return z._make(z.shape[:-1] + (z.shape[-1] // pieces,))
