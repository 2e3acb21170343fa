"""Every lesson of lessons.md exists as a lesson file, and each one's numbers are right."""

import json
import re

import numpy as np
import pytest

from backprop_playground.nets.lessons import LESSONS, check, get_lesson, lesson_facts, list_lessons
from backprop_playground.nets.model import Model
from backprop_playground.nets.spec import ModelSpec

LESSON_IDS = [
    "xor-linear", "xor-relu", "cost-saturation", "softmax", "output-units", "hidden-units", "depth-folding",
    "depth-vs-width", "chain-rule", "jacobian-products", "backprop-overview", "computation-graphs",
    "repeated-subexpressions", "backprop-on-graph", "symbol-to-symbol", "naive-vs-backprop",
]


def facts(lesson_id: str) -> dict:
    return {fact["id"]: fact for fact in lesson_facts(lesson_id)}


def value(lesson_id: str, fact_id: str):
    return facts(lesson_id)[fact_id]["value"]


def test_every_lesson_of_lessons_md_is_listed_in_order():
    assert [lesson["id"] for lesson in list_lessons()] == LESSON_IDS
    assert all(set(lesson) == {"id", "title", "slide", "summary"} for lesson in list_lessons())


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_lesson_shape_panels_and_checked_facts(lesson_id):
    lesson = get_lesson(lesson_id)
    assert {"id", "title", "slide", "summary", "text", "panels", "facts"} <= set(lesson)
    assert lesson["panels"] and lesson["facts"] and len(lesson["text"]) > 100
    for panel in lesson["panels"]:
        assert "title" in panel and ("spec" in panel) != ("expression" in panel)
        if "spec" in panel:
            ModelSpec.model_validate(panel["spec"])
    json.dumps(lesson, allow_nan=False)
    failed = [f["id"] for f in lesson["facts"] if f.get("passed") is False]
    assert not failed


def test_unknown_lesson_is_a_key_error():
    with pytest.raises(KeyError):
        get_lesson("no-such-lesson")


def test_xor_linear_predicts_one_half():
    np.testing.assert_allclose(value("xor-linear", "predictions"), [0.5] * 4, atol=1e-6)
    params = value("xor-linear", "params")[0]
    np.testing.assert_allclose(params["W"], [[0], [0]], atol=1e-6)
    assert params["b"][0] == pytest.approx(0.5)


def test_xor_relu_goodfellow_weights_are_exact_and_retraining_works():
    assert value("xor-relu", "hidden") == [[0, 0], [1, 0], [1, 0], [2, 1]]
    assert value("xor-relu", "predictions") == [0, 1, 1, 0]
    assert value("xor-relu", "loss") == 0.0
    assert value("xor-relu", "retrained_loss") < 1e-3
    assert value("xor-relu", "dead_start_loss") > 0.1


def test_xor_relu_starts_where_every_parameter_gets_a_gradient():
    """The panel's start (one threshold off the solution) carries nonzero gradients; the solution none."""
    panel = get_lesson("xor-relu")["panels"][0]

    def grads(params):
        trace = Model.create({**panel["spec"], "params": params}).trace()
        ids = {n["id"] for n in trace["graph"] if n["role"] == "param"}
        backward = [e for e in trace["events"] if e["type"] == "backward"]
        totals = {e["node"]: e["total"] for e in backward if e["node"] in ids}
        return [np.asarray(t["data"] if isinstance(t, dict) else t, dtype=float) for t in totals.values()]

    assert all(np.any(g != 0) for g in grads(panel["start"])) and len(grads(panel["start"])) == 4
    assert all(np.all(g == 0) for g in grads(panel["spec"]["params"]))
    assert panel["solution"] and panel["retrain"]["steps"] > 0


def test_cost_saturation_gradients_at_z_minus_5():
    sigma = 1 / (1 + np.exp(5.0))
    assert value("cost-saturation", "grad_squared") == pytest.approx(-2 * (1 - sigma) * sigma * (1 - sigma))
    assert value("cost-saturation", "grad_squared") == pytest.approx(-0.0132, abs=5e-5)
    assert value("cost-saturation", "grad_cross_entropy") == pytest.approx(sigma - 1)
    assert value("cost-saturation", "grad_cross_entropy") == pytest.approx(-0.9933, abs=5e-5)


def test_softmax_log_likelihood_and_gradient():
    z = np.array([1.0, 4.0, 0.5])
    lse = np.log(np.exp(z).sum())
    assert value("softmax", "log_softmax") == pytest.approx(z[0] - lse)
    assert abs(value("softmax", "log_softmax") - value("softmax", "z_minus_max")) < 0.1
    np.testing.assert_allclose(value("softmax", "gradient"), np.exp(z - lse) - [1, 0, 0])


def test_output_units_mdn_beats_linear_gaussian_on_inverse_sine():
    nll = value("output-units", "nll")
    assert nll["mdn_nll"] == min(nll["mdn_restarts"]) and len(nll["mdn_restarts"]) == 3
    assert nll["nll_gap"] == pytest.approx(nll["gaussian_nll"] - nll["mdn_nll"])
    assert nll["mdn_nll"] < nll["gaussian_nll"] - 0.5  # the margin over seeds: test_fact_robustness.py
    for panel in get_lesson("output-units")["panels"][:4]:
        Model.create(panel["spec"])  # every output unit's scenario builds


def test_hidden_units_gradients():
    f = facts("hidden-units")
    assert 0 < f["sigmoid_saturated"]["value"] < 1e-4 and 0 < f["tanh_saturated"]["value"] < 1e-4
    assert (f["relu_active"]["value"], f["relu_inactive"]["value"]) == (1.0, 0.0)
    assert f["alpha_gradient"]["value"] == -2.0
    assert np.any(np.asarray(f["prelu_alpha_gradient"]["value"]) != 0)
    assert len(get_lesson("hidden-units")["panels"][0]["variants"]) == 7


def test_depth_folding_regions_grow_as_powers_of_four():
    assert value("depth-folding", "regions") == [4, 16, 64, 256]
    for row in value("depth-folding", "table"):
        assert row["shallow_regions"] <= row["shallow_max"] < row["regions"] or row["depth"] == 1
    panel = get_lesson("depth-folding")["panels"][0]["spec"]
    from backprop_playground.nets.regions import count_linear_regions

    assert count_linear_regions(Model.create(panel), 64, [-1, 1, -1, 1]) == 64


def test_depth_vs_width_same_budget_with_train_and_test_curves():
    curves = value("depth-vs-width", "curves")
    assert [c["parameters"] for c in curves] == [177, 177]
    for c in curves:
        assert len(c["curve"]) == 40 and all(p["test_loss"] is not None for p in c["curve"])
        assert c["curve"][-1]["loss"] < c["curve"][0]["loss"]


def test_chain_rule_local_derivatives_multiply():
    f = facts("chain-rule")
    x = 0.8
    assert f["scalar_jacobian"]["value"] == [[pytest.approx(2 * x)]]
    assert f["scalar_grad_inner"]["value"] == pytest.approx(1 - np.tanh(x**2) ** 2)
    assert f["scalar_backprop"]["value"] == pytest.approx(2 * x * (1 - np.tanh(x**2) ** 2))
    np.testing.assert_allclose(f["vector_jacobian"]["value"], [[1, -1], [0.5, 2]])
    np.testing.assert_allclose(f["vector_backprop"]["value"], f["vector_product"]["value"])


def test_jacobian_products_never_form_the_jacobian():
    f = facts("jacobian-products")
    assert f["jacobian_size"]["value"] == 16 and f["largest_backward_array"]["value"] == 4
    np.testing.assert_allclose(f["backprop"]["value"], f["product"]["value"])


def test_backprop_overview_derivatives():
    f = facts("backprop-overview")
    assert f["value_0"]["value"] == 1.0
    assert [f[k]["value"] for k in ("d_a1", "d_a2", "d_b1", "d_b2")] == [-1.0, -2.0, -4.0, 2.0]


def test_computation_graphs_weight_decay_gradient():
    X, y, w, lam = np.array([[1.0, 0], [0, 1], [1, 1]]), np.array([1.0, 2, 2]), np.array([0.5, 0.5]), 0.1
    f = facts("computation-graphs")
    np.testing.assert_allclose(f["d_w_2"]["value"], 2 / 3 * X.T @ (X @ w - y) + 2 * lam * w)
    assert f["value_0"]["value"] == -6.0 and f["d_y"]["value"] == 3.0


def test_repeated_subexpressions_counts():
    rows = value("repeated-subexpressions", "counts")
    assert [r["backprop_f_prime"] for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r["naive_f"] for r in rows] == [1, 3, 6, 10, 15, 21]
    x = np.exp(0.1)
    assert value("repeated-subexpressions", "d_w") == pytest.approx(np.exp(np.exp(x)) * np.exp(x) * x)


def test_backprop_on_graph_table_sums_contributions():
    table = value("backprop-on-graph", "table")
    for row in table:
        assert sum(c["value"] for c in row["contributions"]) == pytest.approx(row["total"])
    fan_out = {row["node"]: len(row["contributions"]) for row in table}
    assert fan_out["x"] == 2 and fan_out["a"] == 2
    assert value("backprop-on-graph", "d_x") == pytest.approx(4 * np.e + 1)


def test_symbol_to_symbol_second_derivative():
    nodes = value("symbol-to-symbol", "nodes")
    assert (nodes["first"], nodes["second"]) == (14.0, 12.0)
    assert nodes["backward_nodes"] > 0


def test_naive_vs_backprop_counts():
    rows = value("naive-vs-backprop", "counts")
    diamond = {r["depth"]: r for r in rows if r["graph"] == "diamond"}
    assert [diamond[d]["paths"] for d in (1, 2, 3, 4)] == [2, 4, 8, 16]
    assert diamond[16]["naive_paths"] > 1000 * diamond[16]["reverse_mode"]
    assert all(diamond[d]["reverse_mode"] == 4 * d for d in diamond)
    wide = [r for r in rows if r["graph"].endswith("inputs")]
    assert all(r["forward_mode"] > r["reverse_mode"] for r in wide)


@pytest.mark.parametrize("value,expected,compare,ok", [
    (0.5, 0.5, "close", True), ([1, 2], [1, 2.1], "close", False), (1e-5, 1e-4, "less", True),
    ([0, 0.1], 0, "nonzero", True), ([0, 0], 0, "nonzero", False), ([1], [1, 1], "close", False),
])
def test_fact_comparisons(value, expected, compare, ok):
    assert check(value, expected, compare, 1e-9) is ok


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_gradient_facts_name_the_output_as_the_graph_does(lesson_id):
    """A gradient fact of an expression panel says ∂L/∂a1 where the graph's output is L, never ∂out/∂a1
    (the graph names an expression's output after its last statement, "out" when that names nothing)."""
    lesson = next(lesson for lesson in LESSONS if lesson["id"] == lesson_id)  # as written: with `compute`
    checked = 0
    for fact in lesson["facts"]:
        compute = fact["compute"]
        gradient = compute.get("kind") == "expression" and compute.get("of") == "gradient"
        if not (gradient or compute.get("kind") == "jacobian"):
            continue
        output = output_name(lesson["panels"][compute["panel"]]["expression"])
        names = re.findall(r"∂(\w+)/∂|∇_\w+ (\w+)", fact["label"])
        for name in (a or b for a, b in names):
            assert name in (output, compute.get("inner")), f"{fact['label']}: the graph's output is {output}"
            checked += 1
        if output != "out":
            assert not re.search(r"\bout\b", fact["label"]), fact["label"]
    gradient_facts = {"cost-saturation": 2, "chain-rule": 1, "jacobian-products": 2, "backprop-overview": 4}
    assert checked >= gradient_facts.get(lesson_id, 0), "the lesson's gradient facts were all read"


def output_name(expression: dict) -> str:
    """The name the graph gives an expression panel's output: its last statement's name ("L" for
    "…; L = (y - t)**2"), "out" when the last statement names nothing."""
    last = expression["source"].strip().rstrip(";").split(";")[-1]
    named = re.match(r"\s*([A-Za-z_]\w*)\s*=(?!=)", last)
    return named.group(1) if named else "out"


def test_the_output_name_of_an_expression():
    assert output_name({"source": "h1 = a1*x; L = (y - t)**2"}) == "L"
    assert output_name({"source": "-log_softmax(z)[0]"}) == "out"
    assert output_name({"source": "z = x*y;"}) == "z"
