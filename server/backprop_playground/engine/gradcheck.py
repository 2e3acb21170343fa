"""Gradient checking: the engine's gradients against central finite differences.

Two checks per input: entrywise central differences (up to `max_entries` entries, chosen with a seeded
generator when the input is larger), and a random-direction check that compares the directional derivative
(f(x + εv) − f(x − εv)) / 2ε with ⟨∇f, v⟩ over the whole input at once. The error of an input is the
norm-wise relative error max|a − n| / max(max|a|, max|n|, 1e-8), robust for gradients near zero.
A non-scalar output is reduced to a scalar with a fixed random projection ⟨f(x), r⟩.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .gradmode import no_grad
from .tensor import Tensor


@dataclass
class GradCheckResult:
    """Outcome of a gradient check: `passed` if every error ≤ `tolerance`."""

    passed: bool
    max_rel_error: float
    errors: list[float]
    directional_errors: list[float]
    tolerance: float
    analytic: list[np.ndarray] = field(repr=False)
    numeric: list[np.ndarray | None] = field(repr=False)


def _rel_error(a: np.ndarray, n: np.ndarray) -> float:
    scale = max(float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(n), initial=0.0)), 1e-8)
    return float(np.max(np.abs(a - n), initial=0.0)) / scale


def _scalar_fn(fn, shapes_seed):
    """Wrap fn so it returns a scalar: ⟨fn(x), r⟩ with a fixed random r if the output is not scalar."""
    cache = {}

    def f(*ts):
        out = fn(*ts)
        if out.size == 1:
            return out.sum()
        if "r" not in cache:
            cache["r"] = np.random.default_rng(shapes_seed).standard_normal(out.shape)
        return (out * cache["r"]).sum()
    return f


def grad_check(fn, inputs, eps: float = 1e-6, tolerance: float = 1e-6, wrt=None, max_entries: int = 64,
               seed: int = 0) -> GradCheckResult:
    """Check d fn(*inputs) / d inputs[i] for every i in `wrt` (default: all).

    `fn` takes Tensors (float64, one per entry of `inputs`) and returns a Tensor; `inputs` are arrays,
    numbers or Tensors (their values are copied). Returns a GradCheckResult."""
    values = [np.array(x.data if isinstance(x, Tensor) else x, dtype=np.float64) for x in inputs]
    wrt = list(range(len(values))) if wrt is None else list(wrt)
    f = _scalar_fn(fn, seed + 1)
    leaves = [Tensor(v, requires_grad=(i in wrt)) for i, v in enumerate(values)]
    f(*leaves).backward()
    rng = np.random.default_rng(seed)

    def value_at(i, x):
        with no_grad():
            return float(f(*[Tensor(x if j == i else v) for j, v in enumerate(values)]).data)

    analytic, numeric, errors, dir_errors = [], [], [], []
    for i in wrt:
        a = leaves[i].grad if leaves[i].grad is not None else np.zeros_like(values[i])
        n = _central_differences(value_at, i, values[i], eps, max_entries, rng)
        mask = ~np.isnan(n)
        errors.append(_rel_error(a[mask], n[mask]))
        v = rng.standard_normal(values[i].shape)
        d_num = (value_at(i, values[i] + eps * v) - value_at(i, values[i] - eps * v)) / (2 * eps)
        dir_errors.append(_rel_error(np.array(float(np.sum(a * v))), np.array(d_num)))
        analytic.append(a)
        numeric.append(n)
    worst = max(errors + dir_errors, default=0.0)
    return GradCheckResult(worst <= tolerance, worst, errors, dir_errors, tolerance, analytic, numeric)


def _central_differences(value_at, i, x, eps, max_entries, rng) -> np.ndarray:
    """Numerical gradient at up to `max_entries` entries of x (others NaN)."""
    out = np.full(x.shape, np.nan)
    flat = np.arange(x.size)
    if x.size > max_entries:
        flat = np.sort(rng.choice(x.size, size=max_entries, replace=False))
    for j in flat:
        idx = np.unravel_index(j, x.shape)
        hi, lo = x.copy(), x.copy()
        hi[idx] += eps
        lo[idx] -= eps
        out[idx] = (value_at(i, hi) - value_at(i, lo)) / (2 * eps)
    return out


def grad_check_node(build, values: dict, name: str, eps: float = 1e-6, tolerance: float = 1e-6,
                    **kwargs) -> GradCheckResult:
    """Check the gradient of one named leaf, for the UI's "check gradient" button.

    `build(leaves)` receives a dict name → Tensor (built from `values`, name → array) and returns the
    scalar loss; only `name` is differentiated, the other leaves are constants."""
    names = list(values)
    k = names.index(name)

    def fn(*ts):
        return build(dict(zip(names, ts, strict=True)))

    return grad_check(fn, [values[n] for n in names], eps=eps, tolerance=tolerance, wrt=[k], **kwargs)
