"""Writes the studio's golden model steps, read by tests/web/studio/server-parity.test.js: for a few nets
(every activation and output kind the studio draws), the spec, the weights before a training step, that
step's wire trace, the weights after it, and the raw output-layer values on some input rows.

    .venv/bin/python tests/web/studio/make_fixtures.py          # rewrite the fixtures
    .venv/bin/python tests/web/studio/make_fixtures.py --check  # exit 1 if a fixture is stale

They pin the browser's forward pass and trace reading to the server's: if either side changes how a
layer computes or how a step is recorded, the JS tests fail.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent.parent))

from backprop_playground import wire  # noqa: E402
from backprop_playground.nets.model import Model  # noqa: E402
from backprop_playground.nets.traces import step_frame, trace_rows  # noqa: E402

NETS = {
    "tanh-sigmoid": {
        "hidden": [{"units": 3, "activation": "tanh"}],
        "output": {"kind": "sigmoid", "units": 1},
        "optimizer": {"name": "adam", "lr": 0.05},
        "data": {"dataset": "moons", "n": 20, "noise": 0.1, "seed": 1},
    },
    "maxout-prelu-softmax": {
        "hidden": [{"units": 3, "activation": "maxout", "pieces": 2}, {"units": 2, "activation": "prelu"}],
        "output": {"kind": "softmax", "units": 3},
        "optimizer": {"name": "momentum", "lr": 0.1},
        "data": {"dataset": "spiral", "n": 30, "classes": 3, "seed": 2},
    },
    "leaky-abs-linear": {
        "hidden": [{"units": 3, "activation": "leaky_relu", "alpha": 0.1}, {"units": 2, "activation": "abs"}],
        "output": {"kind": "linear", "units": 1},
        "optimizer": {"name": "sgd", "lr": 0.05},
        "weight_decay": 0.01,
        "data": {"dataset": "xor"},
    },
    "softplus-mdn": {
        "hidden": [{"units": 4, "activation": "softplus"}],
        "output": {"kind": "mixture_density", "units": 1, "components": 2},
        "optimizer": {"name": "adam", "lr": 0.01},
        "data": {"dataset": "inverse_sine", "n": 20, "seed": 3},
    },
}


def fixture(spec: dict) -> dict:
    model = Model.create({"name": "fixture", "seed": 5, **spec})
    before = model.params_json()
    trace = wire.frame(step_frame(model, trace_rows(model, 4)), wire.PLAIN)
    d_in = model.shapes[0].fan_in
    rows = np.random.default_rng(7).uniform(-1.5, 1.5, (6, d_in))
    return {
        "spec": model.spec.model_dump(mode="json"),
        "before": before,
        "trace": json.loads(wire.dumps(trace)),
        "after": model.params_json(),
        "rows": rows.tolist(),
        "output": model.output(rows).tolist(),
    }


def render(spec: dict) -> str:
    """The fixture file's text for one net."""
    return json.dumps(fixture(spec), indent=None, separators=(",", ":")) + "\n"


def main() -> int:
    check = "--check" in sys.argv
    stale = []
    for name, spec in NETS.items():
        text = render(spec)
        path = HERE / "fixtures" / f"{name}.json"
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        else:
            path.write_text(text)
    if stale:
        print("stale fixtures:", ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
