"""Optimizers on plain arrays: SGD, momentum and Adam, as pure functions of (params, grads, state).

An update returns new arrays and a new state and never writes into the old ones, so a step whose result is
not finite can be dropped and the model keeps its last finite parameters and optimizer state.
"""

from __future__ import annotations

import numpy as np

Arrays = list[np.ndarray]


def new_state(hyper: dict, params: Arrays) -> dict:
    """Fresh optimizer state: step count t and, per parameter, velocity (momentum) or moments (Adam)."""
    state: dict = {"t": 0}
    if hyper["name"] == "momentum":
        state["velocity"] = [np.zeros_like(p) for p in params]
    elif hyper["name"] == "adam":
        state["m"] = [np.zeros_like(p) for p in params]
        state["v"] = [np.zeros_like(p) for p in params]
    return state


def update(hyper: dict, params: Arrays, grads: Arrays, state: dict) -> tuple[Arrays, Arrays, dict]:
    """One step: (new params, deltas applied, new state). θ ← θ − ε g; momentum v ← μv − ε g, θ ← θ + v;
    Adam with bias-corrected moments (Kingma & Ba 2015)."""
    lr, name, t = hyper["lr"], hyper["name"], state["t"] + 1
    if name == "sgd":
        deltas = [-lr * g for g in grads]
        new = {"t": t}
    elif name == "momentum":
        mu = hyper["momentum"]
        deltas = [mu * v - lr * g for v, g in zip(state["velocity"], grads, strict=True)]
        new = {"t": t, "velocity": deltas}
    else:
        b1, b2, eps = hyper["beta1"], hyper["beta2"], hyper["eps"]
        m = [b1 * mi + (1 - b1) * g for mi, g in zip(state["m"], grads, strict=True)]
        v = [b2 * vi + (1 - b2) * g * g for vi, g in zip(state["v"], grads, strict=True)]
        c1, c2 = 1 - b1**t, 1 - b2**t
        deltas = [-lr * (mi / c1) / (np.sqrt(vi / c2) + eps) for mi, vi in zip(m, v, strict=True)]
        new = {"t": t, "m": m, "v": v}
    return [p + d for p, d in zip(params, deltas, strict=True)], deltas, new


def state_to_json(state: dict) -> dict:
    """The state as JSON-able lists (Python floats round-trip exactly through JSON)."""
    return {key: value if key == "t" else [a.tolist() for a in value] for key, value in state.items()}


def state_from_json(data: dict) -> dict:
    """Inverse of state_to_json."""
    return {key: int(value) if key == "t" else [np.array(a, dtype=float) for a in value]
            for key, value in data.items()}
