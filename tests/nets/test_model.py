"""Model: building nets from specs, stepping, training, optimizers and mini-batches."""

import numpy as np
import pytest

from backprop_playground.nets.limits import LimitError, Limits, SpecError
from backprop_playground.nets.model import Model
from backprop_playground.nets.spec import XOR_EXAMPLE

ACTIVATIONS = [
    {"activation": "relu"}, {"activation": "leaky_relu", "alpha": 0.1}, {"activation": "abs"},
    {"activation": "prelu"}, {"activation": "maxout", "pieces": 3}, {"activation": "sigmoid"},
    {"activation": "tanh"}, {"activation": "linear"}, {"activation": "softplus"},
]


def test_goodfellow_xor_weights_solve_xor_exactly():
    model = Model.create(XOR_EXAMPLE)
    assert model.predict(model.train_data.x)[:, 0].tolist() == [0.0, 1.0, 1.0, 0.0]
    result = model.step()
    assert result.loss == 0.0 and result.accuracy == 1.0
    assert model.step == 1 and model.step_count == 1


@pytest.mark.parametrize("layer", ACTIVATIONS, ids=lambda layer: layer["activation"])
def test_every_activation_builds_and_trains(spec_factory, layer):
    model = Model.create(spec_factory(hidden=[{"units": 3, **layer}, {"units": 2, **layer}]))
    first = model.step().loss
    result = model.train(30)
    assert result.diverged is None and result.step == 31
    assert result.loss < first


@pytest.mark.parametrize("output,data", [
    ({"kind": "sigmoid"}, {"dataset": "moons", "n": 30}),
    ({"kind": "softmax", "units": 3}, {"dataset": "spiral", "n": 30}),
    ({"kind": "linear"}, {"dataset": "sine", "n": 30}),
    ({"kind": "mixture_density", "components": 2}, {"dataset": "inverse_sine", "n": 30}),
])
def test_every_output_unit_trains(spec_factory, output, data):
    model = Model.create(spec_factory(output=output, data=data, optimizer={"name": "adam", "lr": 0.02}))
    first = model.step().loss
    assert model.train(40).loss < first
    assert model.predict(model.train_data.x).shape == (30, output.get("units", 1))


def test_softmax_predictions_are_probabilities(spec_factory):
    model = Model.create(spec_factory(output={"kind": "softmax", "units": 3}, data={"dataset": "spiral"}))
    p = model.predict(np.array([[0.1, 0.2], [0.5, -0.5]]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(p > 0)


def test_mixture_output_gives_positive_scales_and_weights(spec_factory):
    model = Model.create(spec_factory(output={"kind": "mixture_density", "components": 4},
                                      data={"dataset": "inverse_sine", "n": 20}))
    parts = model.mixture(np.array([[0.2], [0.7]]))
    assert parts["pi"].shape == (2, 4) and np.all(parts["sigma"] > 0)
    np.testing.assert_allclose(parts["pi"].sum(axis=1), 1.0)


@pytest.mark.parametrize("optimizer", [{"name": "sgd", "lr": 0.5}, {"name": "momentum", "lr": 0.1},
                                       {"name": "adam", "lr": 0.05}])
def test_optimizers_reduce_the_loss(spec_factory, optimizer):
    model = Model.create(spec_factory(optimizer=optimizer))
    first = model.step().loss
    assert model.train(50).loss < 0.8 * first


def test_first_sgd_step_matches_hand_computation():
    spec = {**XOR_EXAMPLE, "params": [{"W": [[1, 1], [1, 1]], "b": [0, -1]}, {"W": [[1], [-1]], "b": [0.5]}]}
    model = Model.create(spec)
    x, y = model.train_data.x, model.train_data.y[:, None]
    W1, b1 = np.array([[1.0, 1], [1, 1]]), np.array([0.0, -1])
    W2, b2 = np.array([[1.0], [-1]]), np.array([0.5])
    h = np.maximum(x @ W1 + b1, 0)
    err = h @ W2 + b2 - y
    g_out = 2 * err / 4
    model.step()
    np.testing.assert_allclose(model.params[1]["W"], W2 - 0.1 * h.T @ g_out)
    np.testing.assert_allclose(model.params[1]["b"], b2 - 0.1 * g_out.sum(axis=0))


def test_weight_decay_is_a_visible_term_of_the_cost(spec_factory):
    model = Model.create(spec_factory(weight_decay=0.01))
    labels = [node["label"] for node in model.trace()["graph"]]
    assert "λ‖W‖²" in labels and labels[-1] == "J"


def test_mini_batches_are_seeded_and_cover_each_epoch(spec_factory):
    a = Model.create(spec_factory(batch_size=16))
    b = Model.create(spec_factory(batch_size=16))
    seen = []
    for _ in range(3):  # 40 rows / 16 = 3 batches per epoch
        trace = a.take_step(record=True).trace
        seen.extend(trace["data_rows"])
    b.train(3)
    assert sorted(seen) == list(range(40))
    for pa, pb in zip(a.params, b.params, strict=True):
        np.testing.assert_array_equal(pa["W"], pb["W"])


def test_train_reports_progress_and_stops_on_request(spec_factory):
    model = Model.create(spec_factory())
    calls = []
    model.train(10, every=5, on_progress=lambda step, loss, acc: calls.append(step))
    assert calls == [5, 10]
    result = model.train(100, should_stop=lambda: model.step_count >= 12)
    assert result.stopped and result.step == 12 and result.steps == 2


def test_history_and_metrics(spec_factory):
    model = Model.create(spec_factory(data={"dataset": "moons", "n": 40, "test_fraction": 0.25}))
    assert model.metrics is None
    model.train(3)
    assert [entry["step"] for entry in model.history] == [1, 2, 3]
    assert set(model.metrics) == {"step", "loss", "accuracy", "test_loss", "test_accuracy"}
    assert len(model.train_data) == 30 and len(model.test_data) == 10


def test_set_hyper_changes_lr_mid_run(spec_factory):
    model = Model.create(spec_factory())
    model.train(2)
    assert model.set_hyper(lr=0.01)["lr"] == 0.01
    before = model.params[0]["W"].copy()
    grads_step = model.step
    model.step()
    assert model.step == grads_step + 1
    assert np.abs(model.params[0]["W"] - before).max() < 0.05
    with pytest.raises(SpecError, match="invalid optimizer"):
        model.set_hyper(lr=-1)


def test_reset_restores_explicit_params_or_reseeds():
    model = Model.create(XOR_EXAMPLE)
    model.set_hyper(lr=0.5)
    model.reset(seed=3)
    assert model.step == 0 and model.params[0]["W"].tolist() != [[1, 1], [1, 1]]
    other = Model.create({**XOR_EXAMPLE, "params": None, "seed": 3})
    np.testing.assert_array_equal(model.params[0]["W"], other.params[0]["W"])


def test_params_json_has_alpha_for_prelu(spec_factory):
    model = Model.create(spec_factory(hidden=[{"units": 3, "activation": "prelu", "alpha": 0.2}]))
    layers = model.params_json()
    assert layers[0]["alpha"] == [0.2, 0.2, 0.2]
    assert np.array(layers[0]["W"]).shape == (2, 3) and len(layers[1]["b"]) == 1


@pytest.mark.parametrize("changes,error,message", [
    ({"hidden": [{"units": 600}]}, LimitError, "units per layer: 600"),
    ({"hidden": [{"units": 2}] * 17}, LimitError, "hidden layers: 17"),
    ({"output": {"kind": "sigmoid"}, "data": {"dataset": "spiral"}}, SpecError, "labels out of range"),
    ({"output": {"kind": "softmax", "units": 2}, "data": {"dataset": "spiral"}}, SpecError, "0…1"),
    ({"params": [{"W": [[1]], "b": [0]}]}, SpecError, "params has 1 layers"),
    ({"data": {"dataset": "nope"}}, SpecError, "unknown dataset"),
])
def test_invalid_specs_fail_with_clear_errors(spec_factory, changes, error, message):
    with pytest.raises(error, match=message):
        Model.create(spec_factory(**changes))


def test_parameter_and_step_limits(spec_factory):
    with pytest.raises(LimitError, match="parameters"):
        Model.create(spec_factory(hidden=[{"units": 50}]), Limits(parameters=100))
    model = Model.create(spec_factory(), Limits(steps=10))
    with pytest.raises(LimitError, match="steps per call: 11 exceeds the limit of 10"):
        model.train(11)


def test_wrong_params_shape_names_the_layer():
    bad = {**XOR_EXAMPLE, "params": [{"W": [[1, 1]], "b": [0, -1]}, {"W": [[1], [-2]], "b": [0]}]}
    with pytest.raises(SpecError, match=r"layer 1: W has shape \(1, 2\), expected \(2, 2\)"):
        Model.create(bad)


def test_switching_optimizer_mid_run_starts_its_state(spec_factory):
    model = Model.create(spec_factory())
    model.train(3)
    assert model.set_hyper(name="adam", lr=0.01)["name"] == "adam"
    assert set(model.opt_state) == {"t", "m", "v"}
    assert model.train(3).step == 6


def test_step_count_is_a_plain_int_in_json(spec_factory):
    import copy
    import json

    model = Model.create(spec_factory())
    model.train(2)
    assert json.dumps({"step": model.step}) == '{"step": 2}'
    assert type(copy.deepcopy(model.step)) is int


def test_train_result_lists_the_new_history_entries(spec_factory):
    model = Model.create(spec_factory())
    model.train(2)
    assert [entry["step"] for entry in model.train(3).history] == [3, 4, 5]


def test_one_thread_trains_while_another_reads_consistent_states(spec_factory):
    import threading

    model = Model.create(spec_factory())
    worker = threading.Thread(target=model.train, args=(300,))
    worker.start()
    while worker.is_alive():
        state = model.to_state()
        assert len(state["history"]) == state["step"]
    worker.join()
    assert model.step == 300


def test_mixture_density_output_starts_from_the_targets_quantiles():
    spec = {"name": "mdn", "hidden": [{"units": 4, "activation": "tanh"}],
            "output": {"kind": "mixture_density", "components": 3}, "seed": 3,
            "data": {"dataset": "inverse_sine", "n": 200, "seed": 0}}
    model = Model.create(spec)
    y = model.train_data.y.reshape(-1)
    b = model.params[-1]["b"]
    np.testing.assert_allclose(b[:3], 0)  # equal mixing weights
    np.testing.assert_allclose(b[3:6], np.quantile(y, [1 / 6, 1 / 2, 5 / 6]))  # means spread over the targets
    np.testing.assert_allclose(np.exp(b[6:]), y.std() / 3)
    model.train(5)
    model.reset(seed=4)  # a re-initialisation starts from the data too
    np.testing.assert_allclose(model.params[-1]["b"][3:6], np.quantile(y, [1 / 6, 1 / 2, 5 / 6]))
    explicit = Model.create({**spec, "params": model.params_json()})  # explicit params are taken as given
    explicit.load_initial_params([{**layer, "b": np.zeros_like(layer["b"])} for layer in explicit.params])
    np.testing.assert_allclose(explicit.params[-1]["b"], 0)
    other = Model.create({**spec, "output": {"kind": "linear"}, "data": {"dataset": "sine", "seed": 0}})
    np.testing.assert_allclose(other.params[-1]["b"], 0)
