"""Small specs the nets tests share."""

import pytest


def make_spec(**changes) -> dict:
    """A 2-4-1 tanh net on 40 moons points; keyword arguments replace top-level fields."""
    base = {
        "name": "test",
        "hidden": [{"units": 4, "activation": "tanh"}],
        "output": {"kind": "sigmoid", "units": 1},
        "optimizer": {"name": "sgd", "lr": 0.5},
        "seed": 1,
        "data": {"dataset": "moons", "n": 40, "seed": 2},
    }
    return {**base, **changes}


@pytest.fixture
def spec_factory():
    return make_spec
