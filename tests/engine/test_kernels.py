"""The fast forms of the forward computations give the very bits of the plain ones: an op's `kernel`
(what Tensor's operators call) equals its `forward` row, and the kernels that compute into their own
temporaries equal the expressions they replace, over shapes, dtypes and values that overflow."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_playground.engine import OPS
from backprop_playground.engine import kernels as K
from backprop_playground.engine.ops.nn import _bce_logits_forward, _bce_logits_kernel

rng = np.random.default_rng(7)
SHAPES = [(), (1,), (5,), (4, 3), (2, 3, 4)]
EXTREME = np.array([-1e4, -800.0, -90.0, -1.0, -0.0, 0.0, 1e-320, 2.5, 90.0, 800.0, 1e4,
                    np.inf, -np.inf, np.nan])


def same(x, y):
    x, y = np.asarray(x), np.asarray(y)
    assert x.dtype == y.dtype and x.shape == y.shape
    assert x.tobytes() == y.tobytes()  # bit for bit: nan payloads, -0.0 and all


def samples(shape, dtype):
    a = rng.standard_normal(shape) * 30
    if a.size >= EXTREME.size:
        a.flat[: EXTREME.size] = EXTREME
    return np.asarray(a, dtype=dtype)


@pytest.mark.parametrize("name", [name for name, op in OPS.items() if op.kernel is not None])
@pytest.mark.parametrize("shape", SHAPES)
def test_kernel_equals_the_forward_row(name, shape):
    op = OPS[name]
    with np.errstate(all="ignore"):
        xs = [samples(shape, np.float64) for _ in range(op.arity)]
        if name == "matmul":
            xs = [samples((3, 4), np.float64), samples((4, 2), np.float64)]
        same(op.kernel(*xs), op.forward(None, *xs))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES)
def test_in_place_kernels_equal_the_plain_expressions(shape, dtype):
    a = samples(shape, dtype)
    with np.errstate(all="ignore"):
        same(K.sigmoid(a), 1.0 / (1.0 + np.exp(-np.maximum(a, -700.0 if a.dtype == np.float64 else -80.0))))
        if a.ndim:
            a = np.where(np.isfinite(a), a, 1.0).astype(dtype)  # softmax of ±inf rows is nan either way
            for axis in range(a.ndim):
                m = a.max(axis=axis, keepdims=True)
                e = np.exp(a - m)
                same(K.softmax(a, axis), e / e.sum(axis=axis, keepdims=True))
                same(K.logsumexp(a, (axis,), True), np.log(e.sum(axis=axis, keepdims=True)) + m)
                same(K.log_softmax(a, axis), a - (np.log(e.sum(axis=axis, keepdims=True)) + m))
            m = a.max(axis=None, keepdims=True)
            lse = np.log(np.exp(a - m).sum(axis=None, keepdims=True)) + m
            same(K.logsumexp(a, None, False), lse.reshape(()))


@pytest.mark.parametrize(("zdtype", "tdtype"), [(np.float64, np.float64), (np.float32, np.float32),
                                                 (np.float32, np.float64)])
@pytest.mark.parametrize(("zshape", "tshape"), [((), ()), ((6,), (6,)), ((4, 1), (4, 1)), ((4, 3), (3,)),
                                                 ((3,), (4, 3))])
def test_bce_kernel_equals_the_forward_row(zshape, tshape, zdtype, tdtype):
    z = samples(zshape, zdtype)
    t = (rng.random(tshape) > 0.5).astype(tdtype)
    with np.errstate(all="ignore"):
        same(_bce_logits_kernel(z, t), _bce_logits_forward(None, z, t))


def test_integer_arrays_take_the_plain_expressions():
    a = np.arange(6).reshape(2, 3)
    e = np.exp(a - a.max(1, keepdims=True))
    same(K.softmax(a, 1), e / e.sum(1, keepdims=True))
    same(K.logsumexp(a, (1,), False), (np.log(e.sum(1, keepdims=True)) + a.max(1, keepdims=True)).squeeze(1))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", SHAPES)
def test_backward_computes_the_inlined_vjps_as_their_rows_do(shape, dtype):
    """`autodiff._run` computes add's and relu's VJPs inline: the same bits as the op rows."""
    from backprop_playground.engine import Tensor
    from backprop_playground.engine.backend import NB

    a = Tensor(samples(shape, dtype), requires_grad=True)
    b = Tensor(samples(shape, dtype), requires_grad=True)
    seed = samples(shape, dtype)
    for y, vjps in (((a + b).relu(), None), (a + b, OPS["add"].vjps)):
        a.zero_grad(), b.zero_grad()
        g = np.asarray(seed, dtype=y.dtype)
        with np.errstate(all="ignore"):  # inf·0 where the mask is 0
            y.backward(seed)
            if vjps is None:  # relu over add: the add passes relu's contribution on to both leaves
                expected = OPS["relu"].vjps[0](NB, None, g, y.data, y.inputs[0].data)
            else:
                expected = vjps[0](NB, None, g, y.data, a.data, b.data)
        same(a.grad, expected)
        same(b.grad, a.grad)


@pytest.mark.parametrize(("xdtype", "tdtype", "sdtype"), [
    (np.float64, np.float64, np.float64), (np.float32, np.float32, np.float32),
    (np.float32, np.float64, np.float32), (np.float32, np.float32, np.float64),
    (np.float64, np.float64, float)])
@pytest.mark.parametrize(("xshape", "tshape"), [((), ()), ((5,), (5,)), ((4, 3), (4, 3)), ((4, 3), (3,)),
                                                 ((3,), (4, 3))])
def test_scaled_difference_computes_in_place_only_where_that_changes_nothing(xshape, tshape, xdtype, tdtype,
                                                                            sdtype):
    from backprop_playground.engine.backend import NB

    x, t, s = samples(xshape, xdtype), samples(tshape, tdtype), sdtype(0.37)
    with np.errstate(all="ignore"):
        expected = (x - t) * s
        same(NB.scaled_difference(x, t, s), expected)


@pytest.mark.parametrize(("ashape", "bshape"), [((4, 3), (3,)), ((4, 3), (1, 3)), ((4, 1), (4, 3)),
                                                 ((), (5,))])
def test_backward_computes_the_inlined_add_with_broadcasting_as_its_row_does(ashape, bshape):
    from backprop_playground.engine import Tensor
    from backprop_playground.engine.backend import NB

    a = Tensor(samples(ashape, np.float64), requires_grad=True)
    b = Tensor(samples(bshape, np.float64), requires_grad=True)
    y = a + b
    seed = samples(y.shape, np.float64)
    y.backward(seed)
    for x, k in ((a, 0), (b, 1)):
        same(x.grad, OPS["add"].vjps[k](NB, None, seed, y.data, a.data, b.data))


@pytest.mark.parametrize(("ashape", "bshape"), [((4, 3), (3, 2)), ((3,), (3, 2)), ((2, 4, 3), (3, 2))])
def test_backward_computes_the_inlined_matmul_as_its_row_does(ashape, bshape):
    from backprop_playground.engine import Tensor
    from backprop_playground.engine.backend import NB

    a = Tensor(samples(ashape, np.float64), requires_grad=True)
    b = Tensor(samples(bshape, np.float64), requires_grad=True)
    with np.errstate(all="ignore"):  # the samples hold inf and nan
        y = a @ b
        seed = samples(y.shape, np.float64)
        y.backward(seed)
        for x, k in ((a, 0), (b, 1)):
            same(x.grad, OPS["matmul"].vjps[k](NB, None, seed, y.data, a.data, b.data))
