"""Tensor: an ndarray plus the graph edge that produced it (op, static parameters, ordered inputs).

A node keeps exactly what the backward pass needs and nothing that points back (no closures, no parent
links), so graphs are acyclic for the garbage collector. `_seq` is a creation counter: inputs are always
created before their consumers, so sorting by `_seq` is a topological order, and the recorder derives stable
ids ("n0", "n1", ...) from it.

This module sits on top of the engine's core: it imports the op table, grad mode, the backends and the
backward loop (`autodiff`), and none of them imports it.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

from . import autodiff, backend
from .gradmode import no_grad, state
from .kernels import normalize_axis
from .ops import OPS

__all__ = ["TB", "Tensor", "apply", "no_grad", "state"]

_counter = itertools.count()
_FLOATS = (np.dtype(np.float64), np.dtype(np.float32))


class Tensor:
    """An n-dimensional float array that remembers how it was computed, for reverse-mode gradients."""

    __slots__ = ("data", "grad", "requires_grad", "label", "_role", "_op", "_p", "_inputs", "_seq", "batched",
                 "__weakref__")
    __array_ufunc__ = None  # ndarray (op) Tensor defers to Tensor's reflected operators

    def __init__(self, data, requires_grad=False, label=None, role=None, dtype=None, batched=False):
        if isinstance(data, Tensor):
            data = data.data
        if dtype is None:
            dtype = getattr(data, "dtype", None)
            dtype = dtype if isinstance(dtype, np.dtype) and dtype in _FLOATS else np.float64
        self.data = np.array(data, dtype=dtype)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._role = role
        self._op = None
        self._p = None
        self._inputs = ()
        self._seq = next(_counter)
        self.batched = batched

    # ---- plain properties ----
    shape = property(lambda self: self.data.shape, doc="Shape of the value.")
    ndim = property(lambda self: self.data.ndim, doc="Number of dimensions.")
    size = property(lambda self: self.data.size, doc="Number of elements.")
    dtype = property(lambda self: self.data.dtype, doc="NumPy dtype (float64 unless chosen otherwise).")
    op = property(lambda self: self._op, doc="The Op that produced this tensor, or None for a leaf.")
    inputs = property(lambda self: self._inputs, doc="Ordered input tensors (repeats kept).")

    @property
    def role(self) -> str:
        """'input'|'param'|'const'|'op'|'loss'; default: 'op' for op results, else by requires_grad."""
        if self._role is not None:
            return self._role
        if self._op is not None:
            return "op"
        if self.requires_grad:
            return "param"
        return "input" if self.batched else "const"

    @role.setter
    def role(self, value):
        self._role = value

    def __repr__(self) -> str:
        name = f" {self.label!r}" if self.label else ""
        op = f", op={self._op.name}" if self._op is not None else ""
        return f"Tensor{name}({self.data!r}{op}, requires_grad={self.requires_grad})"

    def numpy(self) -> np.ndarray:
        """The value (the same array as `.data`)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        return self.data.item()

    def detach(self) -> Tensor:
        """A constant leaf sharing this tensor's data."""
        return _leaf(self.data)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (the next backward starts from zero)."""
        self.grad = None

    # ---- arithmetic: + - * / @, unary -, and the elementwise methods (the rows with `method=True`) are
    # generated from the op table below the class (one Python frame per call); ** and indexing take static
    # parameters ----
    # ---- comparisons: boolean ndarrays (masks are constants: no gradient flows through them) ----
    def __gt__(self, other):
        return self.data > (other.data if isinstance(other, Tensor) else other)

    def __lt__(self, other):
        return self.data < (other.data if isinstance(other, Tensor) else other)

    def __ge__(self, other):
        return self.data >= (other.data if isinstance(other, Tensor) else other)

    def __le__(self, other):
        return self.data <= (other.data if isinstance(other, Tensor) else other)

    def __pow__(self, exponent):
        if isinstance(exponent, Tensor) or np.ndim(exponent) != 0:
            raise TypeError("only scalar exponents are supported: t ** c")
        return apply(OPS["pow"], (self,), float(exponent))

    def __rpow__(self, base):
        """c ** t for a positive scalar c, as exp(t · log c)."""
        return (self * float(np.log(base))).exp()

    def __getitem__(self, index):
        if isinstance(index, Tensor):
            index = index.data.astype(np.intp)
        elif isinstance(index, list):
            index = np.asarray(index)
        return apply(OPS["getitem"], (self,), index)

    # ---- reductions and shapes ----
    def sum(self, axis=None, keepdims=False):
        return apply(OPS["sum"], (self,), (normalize_axis(axis, self.data.ndim), bool(keepdims)))

    def mean(self, axis=None, keepdims=False):
        return apply(OPS["mean"], (self,), (normalize_axis(axis, self.data.ndim), bool(keepdims)))

    def max(self, axis=None, keepdims=False):
        return apply(OPS["max"], (self,), (normalize_axis(axis, self.data.ndim), bool(keepdims)))

    def logsumexp(self, axis=-1, keepdims=False):
        return apply(OPS["logsumexp"], (self,), (normalize_axis(axis, self.data.ndim), bool(keepdims)))

    def softmax(self, axis=-1):
        return apply(OPS["softmax"], (self,), int(axis))

    def log_softmax(self, axis=-1):
        return apply(OPS["log_softmax"], (self,), int(axis))

    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = shape[0]
        shape = self.data.reshape(shape).shape  # a view: resolves -1 and checks the size
        return apply(OPS["reshape"], (self,), shape)

    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = axes[0]
        return apply(OPS["transpose"], (self,), tuple(axes) if axes else None)

    @property
    def T(self):
        return apply(OPS["transpose"], (self,), None)


_new = Tensor.__new__


def _leaf(data) -> Tensor:
    """A constant leaf around an existing array (no copy)."""
    t = _new(Tensor)
    t.data = data
    t.grad = t.label = t._role = t._op = t._p = None
    t.requires_grad = t.batched = False
    t._inputs = ()
    t._seq = next(_counter)
    return t


def _lift(x, like: Tensor) -> Tensor:
    """Python scalars and arrays become constant leaves in `like`'s dtype."""
    if isinstance(x, Tensor):
        return x
    return _leaf(np.asarray(x, dtype=like.data.dtype))


def _node(data, op, p, inputs) -> Tensor:
    """The result of `op` on `inputs`: a graph node if an input requires grad (or a recorder listens)."""
    t = _new(Tensor)
    t.data = data
    t.grad = t.label = t._role = None
    t.batched = False
    t._seq = next(_counter)
    if state.grad_enabled:
        for x in inputs:
            if x.requires_grad:
                t.requires_grad = True
                t._op, t._p, t._inputs = op, p, inputs
                return t
        if state.recorder is not None:
            t.requires_grad = False
            t._op, t._p, t._inputs = op, p, inputs
            return t
    t.requires_grad = False
    t._op = t._p = None
    t._inputs = ()
    return t


def _kernel(op):
    """`op`'s forward as a function of the input arrays alone: its `kernel`, else `forward` with p=None."""
    return op.kernel or functools.partial(op.forward, None)


# binary_op, unary_op and ternary_op repeat `_node`'s body deliberately, each written out for its arity: a
# shared helper would add a call and an argument tuple per node on the hot path of every forward pass.
def binary_op(op):
    """A function computing `op(a, b)` (no static parameters) on Tensors: node creation inlined, since
    this is the hot path of every MLP."""
    forward = _kernel(op)

    def fn(a: Tensor, b) -> Tensor:
        if b.__class__ is not Tensor:
            b = _lift(b, a)
        t = _new(Tensor)
        t.data = forward(a.data, b.data)
        t.grad = t.label = t._role = None
        t.batched = False
        t._seq = next(_counter)
        if state.grad_enabled and (a.requires_grad or b.requires_grad or state.recorder is not None):
            t.requires_grad = a.requires_grad or b.requires_grad
            t._op, t._p, t._inputs = op, None, (a, b)
        else:
            t.requires_grad = False
            t._op = t._p = None
            t._inputs = ()
        return t

    fn.__name__, fn.__doc__ = op.name, f"{op.name}: ${op.latex}$"
    return fn


def unary_op(op):
    """A function computing `op(a)` (no static parameters) on a Tensor, node creation inlined."""
    forward = _kernel(op)

    def fn(a: Tensor) -> Tensor:
        t = _new(Tensor)
        t.data = forward(a.data)
        t.grad = t.label = t._role = None
        t.batched = False
        t._seq = next(_counter)
        if state.grad_enabled and (a.requires_grad or state.recorder is not None):
            t.requires_grad = a.requires_grad
            t._op, t._p, t._inputs = op, None, (a,)
        else:
            t.requires_grad = False
            t._op = t._p = None
            t._inputs = ()
        return t

    fn.__name__, fn.__doc__ = op.name, f"{op.name}: ${op.latex}$"
    return fn


def ternary_op(op):
    """A function computing `op(a, b, c)` (no static parameters) on Tensors, node creation inlined."""
    forward = _kernel(op)

    def fn(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
        t = _new(Tensor)
        t.data = forward(a.data, b.data, c.data)
        t.grad = t.label = t._role = None
        t.batched = False
        t._seq = next(_counter)
        requires = a.requires_grad or b.requires_grad or c.requires_grad
        if state.grad_enabled and (requires or state.recorder is not None):
            t.requires_grad = requires
            t._op, t._p, t._inputs = op, None, (a, b, c)
        else:
            t.requires_grad = False
            t._op = t._p = None
            t._inputs = ()
        return t

    fn.__name__, fn.__doc__ = op.name, f"{op.name}: ${op.latex}$"
    return fn


def _reflected(fn):
    def method(self, other):
        return fn(_lift(other, self), self)
    return method


for _name, _op in [("add", "add"), ("sub", "sub"), ("mul", "mul"), ("truediv", "div"), ("matmul", "matmul")]:
    _fn = binary_op(OPS[_op])
    setattr(Tensor, f"__{_name}__", _fn)
    setattr(Tensor, f"__r{_name}__", _reflected(_fn))
for _op in OPS.values():
    if _op.method:  # a row with `method=True`: a unary op without static parameters
        setattr(Tensor, _op.name, unary_op(_op))
Tensor.__neg__ = unary_op(OPS["neg"])


def apply(op, inputs, p=None) -> Tensor:
    """Run `op` forward on Tensors `inputs` (tuple) with static parameters `p` and return the node."""
    n = len(inputs)
    if n == 1:  # one and two inputs spelled out: a list comprehension is a call of its own before 3.12
        data = op.forward(p, inputs[0].data)
    elif n == 2:
        data = op.forward(p, inputs[0].data, inputs[1].data)
    else:
        data = op.forward(p, *[x.data for x in inputs])
    if op.saves:
        data, p = data
    return _node(data, op, p, tuple(inputs))


TB = backend.tensor_backend(apply)
Tensor._TB = TB  # what a create_graph backward pass computes with (autodiff reads it here)
Tensor.backward = autodiff.backward  # one frame less than a method that calls it
