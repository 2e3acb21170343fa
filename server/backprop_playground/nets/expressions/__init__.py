"""Expressions a student types, traced on the engine: forward, backward and (symbolic) the backward graph.

- parse.py: the grammar, parsed to a syntax tree with source positions (never `eval`); `ExpressionError`.
- functions.py: the functions an expression may call, in one table (`GET /expressions/functions`).
- sizes.py: the shape arithmetic that sizes an expression before anything is allocated.
- evaluator.py: the syntax tree built on engine tensors (`evaluate`), checked on shapes (`check_sizes`),
  and recorded as an expression trace (`trace_expression`).
- gradcheck.py: the engine's gradients of an expression against finite differences (POST /gradcheck).

Imports run one way: sizes uses parse; evaluator uses parse, functions and sizes; gradcheck uses evaluator.
The package re-exports the evaluator's names.
"""

from backprop_playground.nets.expressions.evaluator import (
    FUNCTIONS,
    ExpressionError,
    check_sizes,
    evaluate,
    evaluate_program,
    evaluate_tree,
    expression_numbers,
    to_tensor_value,
    trace_expression,
)

__all__ = ["ExpressionError", "FUNCTIONS", "check_sizes", "evaluate", "evaluate_program", "evaluate_tree",
           "expression_numbers", "to_tensor_value", "trace_expression"]
