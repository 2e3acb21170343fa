"""Fact kinds about nets: predictions, hidden units, losses, output units, depth and linear regions."""

from __future__ import annotations

from typing import Literal

import numpy as np

from backprop_playground.nets.lessons.facts.kinds import ModelPanel, kind
from backprop_playground.nets.lessons.facts.panels import trained_model
from backprop_playground.nets.net import LayerShape
from backprop_playground.nets.regions import count_linear_regions

ModelOf = Literal["predictions", "hidden", "loss", "parameters", "params"]


@kind("model")
def model_fact(lesson: dict, panel: ModelPanel, of: ModelOf, train: int = 0, reset_seed: int | None = None,
               layer: int = 1):
    """A model panel after `train` steps (from a fresh seeded start with reset_seed): its predictions on
    the training rows, hidden layer `layer`, data loss, number of parameters, or its parameters ("params")."""
    model = trained_model(lesson, panel, train, reset_seed)
    x = model.train_data.x
    if of == "predictions":
        y = model.predict(x)
        return y[:, 0] if y.shape[1] == 1 else y
    if of == "hidden":
        return model.hidden(x)[layer - 1]
    if of == "loss":
        return model.evaluate()["loss"]
    if of == "parameters":
        return int(sum(np.size(a) for layer_ in model.params for a in layer_.values()))
    return model.params_json()


@kind("param_gradient")
def param_gradient(lesson: dict, panel: ModelPanel, param: str):
    """The gradient a model panel's parameter (by label, e.g. "α₁") receives in one backward pass."""
    trace = trained_model(lesson, panel).trace(rows=[0])
    node = next(n["id"] for n in trace["graph"] if n["label"] == param)
    totals = [e["total"] for e in trace["events"] if e["type"] == "backward" and e["node"] == node]
    return totals[-1]


@kind("mdn_vs_gaussian")
def mdn_vs_gaussian(lesson: dict, mdn: ModelPanel, gaussian: ModelPanel, steps: int, restarts: int = 1):
    """Training NLL per point of a mixture density net vs a Gaussian net (linear output, MSE) whose best
    variance is its mean squared error, so its NLL is ½ log(2π·MSE) + ½. A non-convex fit is judged by its
    best of `restarts` seeded starts (seed, seed + 1, …), as one would train it in practice; the Gaussian
    fit is convex in its output layer and needs none."""
    seed = lesson["panels"][mdn]["spec"].get("seed", 0)
    runs = [trained_model(lesson, mdn, steps, seed=seed + r).evaluate()["loss"] for r in range(restarts)]
    mdn_nll = min(runs)
    mse = trained_model(lesson, gaussian, steps).evaluate()["loss"]
    gaussian_nll = float(0.5 * np.log(2 * np.pi * mse) + 0.5)
    return {"mdn_nll": mdn_nll, "gaussian_nll": gaussian_nll, "gaussian_mse": mse, "mdn_restarts": runs,
            "nll_gap": gaussian_nll - mdn_nll, "mdn_better": bool(mdn_nll < gaussian_nll)}


@kind("train_curves")
def train_curves(lesson: dict, panels: list[ModelPanel], steps: int, every: int = 10):
    """Train each model panel `steps` steps; per panel its parameter count, final train and test loss and
    the curves (every `every`-th step)."""
    out = []
    for panel in panels:
        model = trained_model(lesson, panel, steps)
        final = model.evaluate()
        curve = [{"step": h["step"], "loss": h["loss"], "test_loss": h.get("test_loss")}
                 for h in model.history if h["step"] % every == 0]
        out.append({"panel": panel, "title": lesson["panels"][panel]["title"],
                    "parameters": int(sum(np.size(a) for layer in model.params for a in layer.values())),
                    "train_loss": final["loss"], "test_loss": final.get("test_loss"), "curve": curve})
    return out


def folding_net(depth: int) -> tuple[list[dict], list[LayerShape]]:
    """Montúfar's construction in 2-D: layer 1, h = |x|, folds both axes; every further layer,
    h = |2h − 1|, folds [0, 1]² in half again along each axis."""
    shapes = [LayerShape(2, 2, "abs")] * depth + [LayerShape(2, 1, "output")]
    params = [{"W": np.eye(2), "b": np.zeros(2)}]
    params += [{"W": 2 * np.eye(2), "b": -np.ones(2)} for _ in range(depth - 1)]
    params += [{"W": np.ones((2, 1)), "b": np.zeros(1)}]
    return params, shapes


@kind("folding_regions")
def folding_regions(lesson: dict, depths: list[int], resolution: int = 64):
    """Linear regions on [−1, 1]² of the folding nets by depth, next to one-layer abs nets with as many
    units: seeded random weights, and the most 2N lines can cut the plane into, 1 + 2N + C(2N, 2)."""
    rows, rng, square = [], np.random.default_rng(0), [-1, 1, -1, 1]
    for depth in depths:
        params, shapes = folding_net(depth)
        units = 2 * depth
        shallow = [{"W": rng.normal(size=(2, units)), "b": rng.uniform(-0.5, 0.5, units)},
                   {"W": np.ones((units, 1)), "b": np.zeros(1)}]
        shallow_shapes = [LayerShape(2, units, "abs"), LayerShape(units, 1, "output")]
        rows.append({
            "depth": depth, "units": units,
            "regions": count_linear_regions(params, resolution, square, shapes=shapes),
            "shallow_regions": count_linear_regions(shallow, resolution, square, shapes=shallow_shapes),
            "shallow_max": 1 + units + units * (units - 1) // 2,
        })
    return rows
