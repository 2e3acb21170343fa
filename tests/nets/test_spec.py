"""ModelSpec validation and the configurable limits."""

import pytest
from pydantic import ValidationError

from backprop_playground.nets.spec import (
    XOR_EXAMPLE,
    LimitError,
    Limits,
    ModelSpec,
    check_architecture,
    resolve_optimizer,
)


def spec(**changes) -> ModelSpec:
    return ModelSpec.model_validate({**XOR_EXAMPLE, **changes})


def test_contract_example_validates_and_is_the_schema_example():
    assert spec().loss_name == "mse"
    assert ModelSpec.model_json_schema()["example"] == XOR_EXAMPLE


@pytest.mark.parametrize("kind,loss", [("sigmoid", "binary_cross_entropy"), ("softmax", "cross_entropy"),
                                       ("linear", "mse"), ("mixture_density", "mixture_nll")])
def test_loss_defaults_to_the_matching_one(kind, loss):
    units = 3 if kind == "softmax" else 1
    assert spec(loss=None, output={"kind": kind, "units": units}).loss_name == loss


def test_mse_on_sigmoid_is_allowed_but_cross_entropy_on_linear_is_not():
    assert spec(loss="mse", output={"kind": "sigmoid"}).loss_name == "mse"
    with pytest.raises(ValidationError, match="does not fit a linear output"):
        spec(loss="cross_entropy")


def test_unknown_fields_and_activations_are_rejected():
    with pytest.raises(ValidationError):
        spec(hidden=[{"units": 2, "activation": "swish"}])
    with pytest.raises(ValidationError):
        spec(colour="red")


def test_pieces_only_for_maxout_and_alpha_only_for_leaky_or_prelu():
    with pytest.raises(ValidationError, match="maxout only"):
        spec(hidden=[{"units": 2, "activation": "relu", "pieces": 3}])
    with pytest.raises(ValidationError, match="leaky_relu and prelu only"):
        spec(hidden=[{"units": 2, "activation": "tanh", "alpha": 0.1}])


def test_mixture_density_defaults_to_three_components():
    assert spec(loss=None, output={"kind": "mixture_density"}).output.components == 3


def test_data_needs_exactly_one_source():
    with pytest.raises(ValidationError, match="not both"):
        spec(data={"dataset": "xor", "x": [[0]], "y": [0]})
    with pytest.raises(ValidationError, match="both 'x' and 'y'"):
        spec(data={"x": [[0]]})


def test_nan_is_rejected_in_inline_data():
    with pytest.raises(ValidationError):
        ModelSpec.model_validate_json('{"output": {"kind": "linear"}, "data": {"x": [[NaN]], "y": [1]}}')


def test_limit_error_names_the_limit_and_its_numbers():
    with pytest.raises(LimitError) as info:
        check_architecture(spec(hidden=[{"units": 2}] * 20))
    assert str(info.value) == "hidden layers: 20 exceeds the limit of 16"
    assert (info.value.limit, info.value.value, info.value.maximum) == ("hidden_layers", 20, 16)
    assert isinstance(info.value, ValueError)


def test_limits_are_configurable():
    check_architecture(spec(hidden=[{"units": 600}]), Limits(units=1000))
    with pytest.raises(LimitError, match="units per layer: 600 exceeds the limit of 512"):
        check_architecture(spec(hidden=[{"units": 600}]))


def test_optimizer_defaults_are_filled_in():
    adam = resolve_optimizer(spec(optimizer={"name": "adam", "lr": 0.01}).optimizer)
    assert adam == {"name": "adam", "lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    assert resolve_optimizer(spec(optimizer={"name": "momentum"}).optimizer)["momentum"] == 0.9
