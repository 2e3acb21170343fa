"""Every op in the table, over scalar, vector, matrix and broadcast shapes: gradients match finite
differences, the create_graph (Tensor) VJPs agree with the ndarray VJPs, and Hessian-vector products match
finite differences of gradients. A new op without a case here fails `test_every_op_has_cases`."""

from __future__ import annotations

import ast
import re

import numpy as np
import pytest

from backprop_playground.engine import OPS, Tensor, describe_ops, grad_check
from backprop_playground.engine.kernels import normalize_axis
from backprop_playground.engine.tensor import apply

rng = np.random.default_rng(1234)


def normal(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape):
    """Values with |v| ≥ 0.2, so kinks at 0 (relu, abs) are not within eps."""
    return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape)


def distinct(*shape):
    """Well-separated values (no ties, no near-ties) for max and maxout."""
    n = int(np.prod(shape))
    return (rng.permutation(n) * 0.37 - n * 0.15).reshape(shape)


def op(name, p=None):
    return lambda *ts: apply(OPS[name], ts, p)


def reduction(name, axis, keepdims, ndim):
    return op(name, (normalize_axis(axis, ndim), keepdims))


BINARY_SHAPES = [((), ()), ((4,), (4,)), ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), (3, 4))]
UNARY_SHAPES = [(), (4,), (3, 4)]
CASES: dict[str, list] = {name: [] for name in OPS}


def case(name, ident, fn, *inputs):
    CASES[name].append(pytest.param(fn, list(inputs), id=f"{name}-{ident}"))


for a, b in BINARY_SHAPES:
    ident = f"{a}x{b}"
    case("add", ident, op("add"), normal(*a), normal(*b))
    case("sub", ident, op("sub"), normal(*a), normal(*b))
    case("mul", ident, op("mul"), normal(*a), normal(*b))
    case("div", ident, op("div"), normal(*a), away_from_zero(*b))
    case("generalized_relu", ident, op("generalized_relu"), away_from_zero(*a), normal(*b))
for s in UNARY_SHAPES:
    for name, make in [("neg", normal), ("exp", normal), ("sin", normal), ("cos", normal), ("log", positive),
                       ("abs", away_from_zero), ("sqrt", positive), ("relu", away_from_zero),
                       ("sigmoid", normal), ("tanh", normal), ("softplus", normal)]:
        case(name, s, op(name), make(*s))
    for c in (2.0, 3.0, 0.5, -1.0):
        case("pow", f"{s}^{c}", op("pow", c), positive(*s))
    case("clip", s, op("clip", (-0.5, 0.5)), np.asarray(rng.choice([-1.3, -0.2, 0.1, 0.9], s)))
    case("reshape", s, op("reshape", (int(np.prod(s)),)), normal(*s))
    case("transpose", s, op("transpose", None), normal(*s))
for a, b in [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)), ((4,), (4,)), ((2, 3, 4), (4, 5)),
             ((2, 3, 4), (2, 4, 5)), ((2, 3, 4), (4,)), ((4,), (2, 4, 5))]:
    case("matmul", f"{a}@{b}", op("matmul"), normal(*a), normal(*b))
for a, b, c in [((3, 4), (4, 2), (2,)), ((4,), (4, 2), (2,)), ((3, 4), (4, 2), ()), ((2, 3, 4), (4, 5), (5,)),
                ((3, 4), (4, 2), (3, 2))]:
    case("linear", f"{a}@{b}+{c}", op("linear"), normal(*a), normal(*b), normal(*c))
case("transpose", "axes", op("transpose", (1, 0, 2)), normal(2, 3, 4))
case("reshape", "3x4-2x6", op("reshape", (2, 6)), normal(3, 4))
case("broadcast_to", "vec", op("broadcast_to", (3, 4)), normal(4))
case("broadcast_to", "col", op("broadcast_to", (3, 4)), normal(3, 1))
case("broadcast_to", "scalar", op("broadcast_to", (2, 2)), normal())
case("sum_to", "rows", op("sum_to", (4,)), normal(3, 4))
case("sum_to", "col", op("sum_to", (3, 1)), normal(3, 4))
case("sum_to", "scalar", op("sum_to", ()), normal(2, 3))
for ident, index in [("int", 1), ("slice", (slice(None), slice(1, 3))), ("repeat", np.array([0, 2, 0])),
                     ("newaxis", (Ellipsis, None))]:
    case("getitem", ident, op("getitem", index), normal(3, 4))
case("getitem", "vector", op("getitem", 2), normal(4))
case("scatter", "slice", op("scatter", ((slice(None), slice(1, 3)), (3, 4))), normal(3, 2))
case("scatter", "repeat", op("scatter", (np.array([0, 2, 0]), (3, 4))), normal(3, 4))
case("concat", "rows", op("concat", (0, (0, 2, 6))), normal(2, 3), normal(4, 3))
case("concat", "cols", op("concat", (1, (0, 3, 4, 6))), normal(2, 3), normal(2, 1), normal(2, 2))
case("concat", "vectors", op("concat", (0, (0, 3, 5))), normal(3), normal(2))
for name in ("sum", "mean"):
    for s, axis, keep in [((), None, False), ((4,), None, False), ((3, 4), 0, False), ((3, 4), 1, True),
                          ((3, 4), (0, 1), False), ((2, 3, 4), (0, 2), True)]:
        case(name, f"{s}-{axis}-{keep}", reduction(name, axis, keep, len(s)), normal(*s))
for s, axis, keep in [((4,), None, False), ((3, 4), 0, False), ((3, 4), 1, True), ((3, 4), None, True)]:
    case("max", f"{s}-{axis}-{keep}", reduction("max", axis, keep, len(s)), distinct(*s))
    case("logsumexp", f"{s}-{axis}-{keep}", reduction("logsumexp", axis, keep, len(s)), normal(*s))
for s, axis in [((4,), -1), ((3, 4), -1), ((3, 4), 0)]:
    case("softmax", f"{s}-{axis}", op("softmax", axis), normal(*s))
    case("log_softmax", f"{s}-{axis}", op("log_softmax", axis), normal(*s))
case("maxout", "3x6-k2", op("maxout", 2), distinct(3, 6))
case("maxout", "3x6-k3", op("maxout", 3), distinct(3, 6))
case("maxout", "vector-k3", op("maxout", 3), distinct(6))
for a, b in [((3, 1), (3, 1)), ((4,), (4,)), ((3, 4), (4,)), ((), ())]:
    case("mse", f"{a}x{b}", op("mse"), normal(*a), normal(*b))
    case("bce_with_logits", f"{a}x{b}", op("bce_with_logits"), normal(*a), rng.uniform(0, 1, b))
case("softmax_cross_entropy", "rows", op("softmax_cross_entropy"), normal(3, 4),
     rng.dirichlet(np.ones(4), size=3))
case("softmax_cross_entropy", "one-row", op("softmax_cross_entropy"), normal(4), np.eye(4)[1])
ALL = [p for params in CASES.values() for p in params]


def test_every_op_has_cases():
    missing = [name for name, params in CASES.items() if not params]
    assert not missing, f"ops without a gradient-check case: {missing}"


@pytest.mark.parametrize(("fn", "inputs"), ALL)
def test_gradient_matches_finite_differences(fn, inputs):
    result = grad_check(fn, inputs)
    assert result.passed, f"max relative error {result.max_rel_error:.2e}: {result}"


def _grads(fn, inputs, create_graph):
    leaves = [Tensor(x, requires_grad=True) for x in inputs]
    out = fn(*leaves)
    r = np.random.default_rng(7).standard_normal(out.shape)
    (out * r).sum().backward(create_graph=create_graph)
    return leaves


@pytest.mark.parametrize(("fn", "inputs"), ALL)
def test_create_graph_vjps_equal_ndarray_vjps(fn, inputs):
    plain = _grads(fn, inputs, False)
    graph = _grads(fn, inputs, True)
    for p, g in zip(plain, graph, strict=True):
        assert isinstance(g.grad, Tensor)
        np.testing.assert_allclose(g.grad.data, p.grad, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("fn", "inputs"), ALL)
def test_hessian_vector_products_match_finite_differences(fn, inputs):
    eps = 1e-5
    v = [np.random.default_rng(3).standard_normal(np.shape(x)) for x in inputs]
    leaves = _grads(fn, inputs, True)
    total = sum((leaf.grad * w).sum() for leaf, w in zip(leaves, v, strict=True))
    hvp = [np.zeros(np.shape(x)) for x in inputs]
    if total.requires_grad:
        for t in leaves:
            t.zero_grad()
        total.backward()
        hvp = [t.grad if t.grad is not None else np.zeros(t.shape) for t in leaves]
    plus = _grads(fn, [x + eps * w for x, w in zip(inputs, v, strict=True)], False)
    minus = _grads(fn, [x - eps * w for x, w in zip(inputs, v, strict=True)], False)
    for h, p, m in zip(hvp, plus, minus, strict=True):
        numeric = (p.grad - m.grad) / (2 * eps)
        np.testing.assert_allclose(h, numeric, rtol=1e-5, atol=1e-6)


def test_describe_ops_lists_every_op_with_one_vjp_formula_per_input():
    rows = {row["name"]: row for row in describe_ops()}
    assert set(rows) == set(OPS)
    mul = rows["mul"]
    assert {k: mul[k] for k in ("name", "arity", "forward_latex", "vjp_latex")} == {
        "name": "mul", "arity": 2, "forward_latex": "a \\cdot b",
        "vjp_latex": ["\\bar{y}\\, b", "\\bar{y}\\, a"]}
    assert mul["forward_template"] == "{0} \\cdot {1}" and mul["local_templates"] == ["{1}", "{0}"]
    assert rows["div"]["forward_template"] == "\\frac{{0}}{{1}}"
    assert rows["sigmoid"]["forward_template"] == "\\sigma({0})"
    assert rows["sigmoid"]["local_templates"] == ["{y}\\,(1 - {y})"]
    assert rows["matmul"]["local_templates"][0] == "{g}\\, {{1}}^{\\top}"
    assert rows["concat"]["local_templates"] is None
    for row in rows.values():
        assert row["arity"] is None or len(row["vjp_latex"]) == row["arity"]
        assert "$" not in row["forward_latex"] and all("$" not in s for s in row["vjp_latex"])


PLACEHOLDER = re.compile(r"\{(\d+|y|g)\}")


def fill_in_one_pass(template: str, names: list[str]) -> str:
    return PLACEHOLDER.sub(lambda m: {"y": "Y", "g": "G"}.get(m[1]) or names[int(m[1])], template)


@pytest.mark.parametrize("name", list(OPS))
def test_templates_have_valid_placeholders_and_a_plain_replace_fills_them(name):
    row = next(r for r in describe_ops() if r["name"] == name)
    arity = row["arity"] or 2  # a variadic template may name its first inputs
    names = ["{a}", "(b)", "c"][:arity]
    templates = [row["forward_template"]] + [t for t in row["local_templates"] or [] if t is not None]
    assert row["local_templates"] is None if row["arity"] is None else len(row["local_templates"]) == arity
    assert not re.search(r"\{[yg]\}", row["forward_template"])  # the forward has no output or gradient yet
    if row["arity"]:
        assert all(f"{{{k}}}" in row["forward_template"] for k in range(arity))  # every input is shown
    for template in templates:
        assert "$" not in template
        assert all(m[1] in "yg" or int(m[1]) < arity for m in PLACEHOLDER.finditer(template)), template
        # a command's or a script's literal argument never looks like a placeholder (\\frac1{{0}}, x^2)
        assert not re.search(r"(\\[A-Za-z]+|[\^_])\{(\d+|y|g)\}", template), template
        plain = template
        for key, value in [*((f"{{{k}}}", n) for k, n in enumerate(names)), ("{y}", "Y"), ("{g}", "G")]:
            plain = plain.replace(key, value)
        assert plain == fill_in_one_pass(template, names), template
        depth = 0
        for ch in plain.replace("\\{", "").replace("\\}", ""):
            depth += {"{": 1, "}": -1}.get(ch, 0)
            assert depth >= 0, template
        assert depth == 0, template


@pytest.mark.parametrize("name", list(OPS))
def test_source_is_the_forward_and_each_vjp_alone(name):
    source = next(r for r in describe_ops() if r["name"] == name)["source"]
    op = OPS[name]
    assert len(source["vjps"]) == (op.arity or 1)
    for text in [source["forward"], *source["vjps"]]:
        tree = ast.parse(text)
        assert len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr | ast.FunctionDef)
        if isinstance(tree.body[0], ast.Expr):
            assert isinstance(tree.body[0].value, ast.Lambda)


def test_source_of_a_lambda_row_is_that_lambda():
    source = OPS["add"].source
    assert source["forward"] == "lambda p, a, b: a + b"
    assert "b.shape" in source["vjps"][1] and "a.shape" not in source["vjps"][1]
    assert OPS["matmul"].source["vjps"][0].startswith("def _matmul_vjp_a(B, p, g, out, a, b):")


def test_both_backends_offer_the_same_functions():
    from backprop_playground.engine import backend
    from backprop_playground.engine.tensor import TB

    assert set(vars(backend.NB)) == set(vars(TB))
