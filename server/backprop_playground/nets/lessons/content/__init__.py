"""The lessons of the lecture as data, one module per lesson (named after its id), listed here in lecture
order: adding a lesson means adding one module and its line below.
Every module holds a dict of the same shape on purpose: a lesson reads top to bottom in one file; the
pieces several lessons share are in parts.py.

An entry: {"id", "title", "slide", "summary", "text" (markdown, $…$ LaTeX), "panels": [{"title",
"expression": {"source", "values", "mode"}} or {"title", "spec": ModelSpec dict, "start"? (weights the page
opens with instead of the spec's own), "solution"? (a name for the spec's own weights: "show the solution"),
"retrain"? ({"seed", "steps"}: the re-initialise and train controls), ...}], "facts": [{"id", "label",
"compute": {"kind", ...arguments} (kinds in lessons/facts/), "pick"?, "expected"?, "compare"? ("close"
within "tolerance", "less", "nonzero", "same_as" another fact's id), "fields"? (words for record keys,
beside those in words.py)}]}.
"""

from backprop_playground.nets.lessons.content import (
    backprop_on_graph,
    backprop_overview,
    chain_rule,
    computation_graphs,
    cost_saturation,
    depth_folding,
    depth_vs_width,
    hidden_units,
    jacobian_products,
    naive_vs_backprop,
    output_units,
    repeated_subexpressions,
    softmax,
    symbol_to_symbol,
    xor_linear,
    xor_relu,
)

LESSONS: list[dict] = [
    xor_linear.LESSON,
    xor_relu.LESSON,
    cost_saturation.LESSON,
    softmax.LESSON,
    output_units.LESSON,
    hidden_units.LESSON,
    depth_folding.LESSON,
    depth_vs_width.LESSON,
    chain_rule.LESSON,
    jacobian_products.LESSON,
    backprop_overview.LESSON,
    computation_graphs.LESSON,
    repeated_subexpressions.LESSON,
    backprop_on_graph.LESSON,
    symbol_to_symbol.LESSON,
    naive_vs_backprop.LESSON,
]
