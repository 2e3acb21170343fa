"""Looking at a trained net over its input space: prediction grids for heatmaps, and linear regions.

A ReLU/abs/maxout net is piecewise linear; each distinct activation pattern (which units are active, which
maxout piece wins) on a grid of inputs is one linear region (Montúfar et al. 2014).
"""

from __future__ import annotations

import numpy as np

from backprop_playground.engine import Tensor, no_grad
from backprop_playground.nets import heads
from backprop_playground.nets.limits import SpecError
from backprop_playground.nets.net import LayerShape, forward, param_tensors

GRID_CHUNK = 4_096  # grid points per forward pass: a 512 × 512 grid is not one batch of 262,144 rows


def grid_points(resolution: int, bounds: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of a resolution × resolution grid over [x0, x1] × [y0, y1]: (xs, ys)."""
    x0, x1, y0, y1 = (float(b) for b in bounds)
    if not (x1 > x0 and y1 > y0 and np.isfinite([x0, x1, y0, y1]).all()):
        raise SpecError(f"bounds must be finite [x_min, x_max, y_min, y_max] with min < max, got {bounds}")
    step_x, step_y = (x1 - x0) / resolution, (y1 - y0) / resolution
    return x0 + (np.arange(resolution) + 0.5) * step_x, y0 + (np.arange(resolution) + 0.5) * step_y


def data_bounds(x: np.ndarray, margin: float = 0.1) -> list[float]:
    """The data's extent per input axis, widened by `margin` of its span on each side."""
    lo, hi = x.min(axis=0), x.max(axis=0)
    pad = np.maximum((hi - lo) * margin, 0.5)
    lo, hi = lo - pad, hi + pad
    return [float(v) for pair in zip(lo, hi, strict=True) for v in pair]


def prediction_grid(model, resolution: int, bounds: list[float] | None = None) -> dict:
    """Predictions on a grid for 1-D inputs (a curve) or 2-D inputs (a heatmap).

    2-D: {"bounds": [x0, x1, y0, y1], "resolution", "x": [..], "y": [..], "values"} where values[i][j] is
    at (x[j], y[i]): P(class 1) for sigmoid, the predicted class for softmax (plus "confidence", its
    probability, and "probabilities" per class), the prediction for regression. 1-D: {"bounds", "x",
    "values"} along the axis, and for a mixture density output also "pi", "mu", "sigma" per point."""
    model.limits.check("grid_resolution", resolution)
    if resolution < 2:
        raise SpecError(f"grid resolution must be at least 2, got {resolution}")
    d = model.shapes[0].fan_in
    if d not in (1, 2):
        raise SpecError(f"a prediction grid needs 1 or 2 input features; this model has {d}")
    bounds = data_bounds(model.train_data.x) if bounds is None else list(bounds)
    if d == 1:
        bounds = bounds[:2] + [0.0, 1.0]
        xs, _ = grid_points(resolution, bounds)
        return {"bounds": bounds[:2], "resolution": resolution, "x": xs.tolist(),
                **_values(model, xs[:, None], (resolution,))}
    xs, ys = grid_points(resolution, bounds)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    return {"bounds": bounds, "resolution": resolution, "x": xs.tolist(), "y": ys.tolist(),
            **_values(model, points, (resolution, resolution))}


def _values(model, points: np.ndarray, shape: tuple[int, ...]) -> dict:
    out = np.concatenate([model.output(points[i:i + GRID_CHUNK]) for i in range(0, len(points), GRID_CHUNK)])
    pred = heads.predict(model.spec, out)
    kind = model.spec.output.kind
    if kind == "softmax":
        return {"values": pred.argmax(axis=1).reshape(shape).tolist(),
                "confidence": pred.max(axis=1).reshape(shape).tolist(),
                "probabilities": pred.reshape(shape + (-1,)).tolist()}
    result = {"values": pred[:, 0].reshape(shape).tolist()}
    if kind == "mixture_density":
        pi, mu, sigma = heads.mixture(model.spec, out)
        result.update(pi=pi.tolist(), mu=mu.tolist(), sigma=sigma.tolist())
    return result


def activation_patterns(params: list[dict[str, np.ndarray]], shapes: list[LayerShape],
                        points: np.ndarray) -> np.ndarray:
    """Each point's activation pattern as one row of integers: for every hidden unit, 1 if z > 0 else 0
    (ReLU, leaky, abs, PReLU) or the index of the winning piece (maxout)."""
    with no_grad(), np.errstate(all="ignore"):
        fw = forward(param_tensors(params), Tensor(points), shapes)
    columns = []
    for z, shape in zip(fw.pre, shapes, strict=False):
        if shape.activation == "maxout":
            k = shape.pieces
            columns.append(z.data.reshape(len(points), -1, k).argmax(axis=2))
        elif shape.activation != "output":
            columns.append((z.data > 0).astype(np.int64))
    return np.concatenate(columns, axis=1) if columns else np.zeros((len(points), 0), dtype=np.int64)


def count_linear_regions(model_or_params, resolution: int = 64, bounds: list[float] | None = None,
                         shapes: list[LayerShape] | None = None) -> int:
    """Distinct activation patterns on a resolution × resolution grid of cell centres over `bounds`
    (default: the model's data extent, or [−1, 1]²): a lower bound on the number of linear regions.
    Pass a Model, or a parameter list together with its `shapes`."""
    if hasattr(model_or_params, "params"):
        model = model_or_params
        params, shapes = model.params, model.shapes
        bounds = data_bounds(model.train_data.x) if bounds is None else bounds
    else:
        params = model_or_params
        if shapes is None:
            raise SpecError("count_linear_regions needs `shapes` with a parameter list")
    if shapes[0].fan_in != 2:
        raise SpecError("linear regions are counted over 2-D inputs only")
    xs, ys = grid_points(resolution, bounds or [-1.0, 1.0, -1.0, 1.0])
    gx, gy = np.meshgrid(xs, ys)
    patterns = activation_patterns(params, shapes, np.stack([gx.ravel(), gy.ravel()], axis=1))
    return int(len(np.unique(patterns, axis=0)))
