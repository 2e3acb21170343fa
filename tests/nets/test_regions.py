"""Prediction grids for heatmaps and linear-region counts."""

import numpy as np
import pytest

from backprop_playground.nets.limits import LimitError, SpecError
from backprop_playground.nets.model import Model
from backprop_playground.nets.net import LayerShape
from backprop_playground.nets.regions import count_linear_regions
from backprop_playground.nets.spec import XOR_EXAMPLE


def test_grid_for_a_binary_model(spec_factory):
    grid = Model.create(spec_factory()).grid(10)
    values = np.array(grid["values"])
    assert values.shape == (10, 10) and np.all((values > 0) & (values < 1))
    assert len(grid["x"]) == 10 and len(grid["bounds"]) == 4


def test_grid_for_softmax_gives_classes_and_confidence(spec_factory):
    model = Model.create(spec_factory(output={"kind": "softmax", "units": 3}, data={"dataset": "spiral"}))
    grid = model.grid(8, bounds=[-1, 1, -1, 1])
    assert set(np.unique(grid["values"])) <= {0, 1, 2}
    assert np.array(grid["probabilities"]).shape == (8, 8, 3)
    assert grid["bounds"] == [-1, 1, -1, 1]


def test_grid_for_one_input_is_a_curve_with_mixture_parts(spec_factory):
    model = Model.create(spec_factory(output={"kind": "mixture_density", "components": 2},
                                      data={"dataset": "inverse_sine", "n": 20}))
    grid = model.grid(16)
    assert len(grid["values"]) == 16 and np.array(grid["pi"]).shape == (16, 2)


def test_grid_limits(spec_factory):
    model = Model.create(spec_factory())
    with pytest.raises(LimitError, match="grid resolution"):
        model.grid(10_000)
    with pytest.raises(SpecError, match="bounds"):
        model.grid(10, bounds=[1, 0, 0, 1])


def test_xor_relu_net_has_three_regions_on_the_unit_square():
    # Goodfellow's net: h₁ = relu(x₁+x₂) is active except at the origin corner; h₂ = relu(x₁+x₂−1) splits
    # the square along x₁+x₂ = 1.
    assert count_linear_regions(Model.create(XOR_EXAMPLE), 32, [-0.5, 1.5, -0.5, 1.5]) == 3


def test_folding_abs_net_regions_grow_fourfold():
    counts = []
    for depth in (1, 2, 3):
        shapes = [LayerShape(2, 2, "abs")] * depth + [LayerShape(2, 1, "output")]
        params = [{"W": np.eye(2), "b": np.zeros(2)}]
        params += [{"W": 2 * np.eye(2), "b": -np.ones(2)} for _ in range(depth - 1)]
        params += [{"W": np.ones((2, 1)), "b": np.zeros(1)}]
        counts.append(count_linear_regions(params, 64, [-1, 1, -1, 1], shapes=shapes))
    assert counts == [4, 16, 64]
