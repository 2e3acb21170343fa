"""Gradient check of a typed expression (POST /gradcheck): the engine's gradient of each variable against
finite differences, refused before it starts when its work would exceed `gradcheck_work`."""

from __future__ import annotations

from typing import Any

from backprop_playground.engine import grad_check_node
from backprop_playground.nets.expressions.evaluator import check_sizes, evaluate_tree, to_tensor_value
from backprop_playground.nets.expressions.parse import ExpressionError, parse, variables
from backprop_playground.nets.limits import Limits

NODE_COST = 10_000  # a node's fixed cost per forward pass (Python, dispatch) in elements of work, measured
MAX_ENTRIES = 64  # entries of a variable checked one by one (grad_check's default)


def check_expression(source: str, values: dict[str, Any], limits: Limits, *, variable: str | None = None,
                     eps: float = 1e-6, tolerance: float = 1e-6) -> list[dict[str, Any]]:
    """Per variable (or just `variable`): analytic and numeric gradient, relative error, passed.

    The output is reduced to a scalar as the engine's grad_check does (a fixed random projection when it is
    not a scalar already)."""
    tree = parse(source, limits)
    names = variables(tree)
    missing = [name for name in names if name not in values]
    if missing:
        raise ExpressionError(f"no value given for {', '.join(repr(m) for m in missing)}")
    if variable is not None and variable not in names:
        raise ExpressionError(f"{variable!r} is not a variable of the expression (it has {', '.join(names)})")
    arrays = {name: to_tensor_value(name, values[name], limits) for name in names}
    check_work(tree, arrays, [variable] if variable else names, limits)

    def build(leaves):
        return evaluate_tree(tree, leaves)

    results = []
    for name in [variable] if variable else names:
        check = grad_check_node(build, arrays, name, eps=eps, tolerance=tolerance)
        results.append({
            "variable": name,
            "passed": check.passed,
            "max_rel_error": check.max_rel_error,
            "tolerance": check.tolerance,
            "analytic": check.analytic[0],
            "numeric": check.numeric[0],
        })
    return results


def check_work(tree, arrays: dict, checked: list[str], limits: Limits) -> int:
    """Refuse (LimitError `gradcheck_work`) before starting when the check's forward passes times the
    graph's work would exceed the limit: per variable, two passes per sampled entry and four more."""
    try:
        sizes = check_sizes(tree, {name: a.shape for name, a in arrays.items()}, limits)
    except (TypeError, ArithmeticError, IndexError) as exc:
        raise ExpressionError(f"cannot evaluate: {exc}") from None
    passes = sum(2 * min(arrays[name].size, MAX_ENTRIES) + 4 for name in checked)
    work = passes * (sizes.work + NODE_COST * sizes.nodes)
    limits.check("gradcheck_work", work)
    return work
