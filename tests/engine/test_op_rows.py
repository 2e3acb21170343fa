"""An op's row holds everything about the op: the parentheses of its node formula, whether it is a Tensor
method, and its templates in one language (`$a`, `$y`, `$g`), served with the client's placeholders."""

from __future__ import annotations

import numpy as np
import pytest

from backprop_playground.engine import OPS, Recorder, Tensor
from backprop_playground.engine.ops.table import Op
from backprop_playground.engine.tensor import apply


def _product(parens) -> Op:
    """A two-input op outside the table, written like mul, with the given `parens`."""
    return Op("product", lambda p, a, b: a * b, (None, None), "$a \\cdot $b", ("$g\\, $b", "$g\\, $a"),
              "{0}·{1}", parens=parens, forward_template="$a \\cdot $b", local_templates=("$b", "$a"))


def _latex(op: Op) -> tuple[str, str]:
    """The node LaTeX of `op` applied to (x + y, z): a compound first input, a plain second one; and of the
    same op applied to (z, x + y)."""
    x, y, z = (Tensor(v, requires_grad=True, label=n) for v, n in [(1.0, "x"), (2.0, "y"), (3.0, "z")])
    with Recorder() as rec:
        s = x + y
        rec.capture(apply(op, (s, z)))
        rec.capture(apply(op, (z, s)))
    nodes = rec.graph()
    return nodes[-2]["latex"], nodes[-1]["latex"]


def test_parentheses_come_from_the_row():
    assert _latex(_product(True)) == ("\\left(x + y\\right) \\cdot z", "z \\cdot \\left(x + y\\right)")
    assert _latex(_product(False)) == ("x + y \\cdot z", "z \\cdot x + y")
    assert _latex(_product((False, True))) == ("x + y \\cdot z", "z \\cdot \\left(x + y\\right)")


def test_the_table_brackets_compound_inputs_where_its_rows_say(monkeypatch):
    x, y, z = (Tensor(v, requires_grad=True, label=n) for v, n in [(1.0, "x"), (2.0, "y"), (3.0, "z")])
    with Recorder() as rec:
        for out in [(x + y) * z, z - (x + y), (x + y) - z, (x + y).tanh(), (x + y).exp()]:
            rec.capture(out)
    assert [n["latex"] for n in rec.graph()[3:]] == [
        "x + y", "\\left(x + y\\right) \\cdot z", "x + y", "z - \\left(x + y\\right)", "x + y",
        "x + y - z", "x + y", "\\tanh \\left(x + y\\right)", "x + y", "e^{x + y}"]
    monkeypatch.setattr(OPS["mul"], "parens", False)
    with Recorder() as rec:
        rec.capture((x + y) * z)
    assert rec.graph()[-1]["latex"] == "x + y \\cdot z"


def test_parens_flags_are_bools_or_one_per_input():
    for op in OPS.values():
        if isinstance(op.parens, tuple):
            assert len(op.parens) == op.arity and all(isinstance(p, bool) for p in op.parens), op.name
        else:
            assert isinstance(op.parens, bool), op.name
    assert OPS["sub"].parens == (False, True) and OPS["mul"].parens is True and OPS["exp"].parens is False


def test_the_rows_with_method_are_the_unary_tensor_methods():
    methods = {name for name, op in OPS.items() if op.method}
    assert methods >= {"relu", "tanh", "sigmoid", "exp", "log", "sin", "cos", "abs", "sqrt", "softplus"}
    for name in methods:
        assert OPS[name].arity == 1, name
        assert callable(getattr(Tensor, name, None)), name
        t = Tensor(np.array([0.25, 0.5]), requires_grad=True)
        out = getattr(t, name)()
        assert out.op is OPS[name]
        np.testing.assert_array_equal(out.data, OPS[name].forward(None, t.data))


@pytest.mark.parametrize(("template", "served"), [
    ("$a \\cdot $b", "{0} \\cdot {1}"), ("\\frac1{$b}", "\\frac1{{1}}"), ("e^{$a}", "e^{{0}}"),
    ("{$a}_i = $y", "{{0}}_i = {y}"), ("$g\\, {$b}^{\\top}", "{g}\\, {{1}}^{\\top}"), ("${a}_i", "{0}_i")])
def test_inspector_templates_are_served_with_the_clients_placeholders(template, served):
    op = Op("t", lambda p, a, b: a, (None, None), "$a", ("$g", "$g"), "t",
            forward_template=template, local_templates=(template, None))
    assert op.forward_template == served and op.local_templates == [served, None]
