"""A model's saved state as JSON-able data that restores it bit-exactly.

Floats are stored as JSON numbers: Python writes the shortest repr that reads back to the same double, so
`json.loads(json.dumps(state))` restores every parameter, moment and loss exactly. Parameters and optimizer
moments are always finite (a diverged step is rolled back), so no NaN ever needs encoding.
"""

from __future__ import annotations

import numpy as np

from backprop_playground.nets import optim
from backprop_playground.nets.limits import DEFAULT_LIMITS, Limits, SpecError
from backprop_playground.nets.net import params_from_lists
from backprop_playground.nets.spec import ModelSpec
from backprop_playground.nets.stepping import History

STATE_VERSION = 1


def model_to_state(model) -> dict:
    """{"version", "spec", "params", "optimizer": {"hyper", "state"}, "step", "history", "history_stride",
    "metrics"}."""
    return {
        "version": STATE_VERSION,
        "spec": model.spec.model_dump(mode="json"),
        "params": [{key: value.tolist() for key, value in layer.items()} for layer in model.params],
        "optimizer": {"hyper": dict(model.hyper), "state": optim.state_to_json(model.opt_state)},
        "step": model._step,
        "history": [dict(entry) for entry in model._history.entries],
        "history_stride": model._history.stride,
        "metrics": None if model._metrics is None else dict(model._metrics),
    }


def model_from_state(cls, state: dict, limits: Limits = DEFAULT_LIMITS):
    """Rebuild a Model of class `cls` from `model_to_state` output."""
    if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
        raise SpecError(f"not a saved model state of version {STATE_VERSION}")
    model = cls(ModelSpec.model_validate(state["spec"]), limits)
    model.params = params_from_lists(state["params"], model.shapes)
    model.hyper = dict(state["optimizer"]["hyper"])
    model.opt_state = optim.state_from_json(state["optimizer"]["state"])
    for mine, saved in zip(model._flat(), _moments(model.opt_state), strict=False):
        if saved is not None and saved.shape != mine.shape:
            raise SpecError("saved optimizer state does not fit the parameters")
    model._step = int(state["step"])
    model._history = History([dict(e) for e in state["history"]], int(state.get("history_stride", 1)))
    model._metrics = None if state.get("metrics") is None else dict(state["metrics"])
    return model


def _moments(opt_state: dict) -> list[np.ndarray | None]:
    for key in ("velocity", "m"):
        if key in opt_state:
            return opt_state[key]
    return []
