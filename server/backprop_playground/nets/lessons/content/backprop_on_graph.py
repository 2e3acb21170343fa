"""Lesson backprop-on-graph: Filling the gradient table."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import expr, grad_fact

LESSON: dict = {
    "id": "backprop-on-graph", "title": "Filling the gradient table",
    "slide": "Backprop on computation graph",
    "summary": "gⱼ = Σ over consumers gᵢ ∂uᵢ/∂uⱼ, filled in reverse order, one contribution at a time.",
    "text": (
        "Backprop walks the graph from the output back, filling a table $g$ with "
        "$g_j = \\partial u^n / \\partial u^j$. A node used by several consumers receives one "
        "contribution from each, $g_j = \\sum_{i: j \\in Pa(u^i)} g_i \\frac{\\partial u^i}{\\partial "
        "u^j}$, and its entry is final only when all have arrived. Here $a = xy$ feeds both $e^a$ and "
        "the product $a \\cdot b$, and $x$ feeds both $a$ and the final sum."
    ),
    "panels": [{"title": "a = xy, b = eᵃ, z = a·b + x",
                "expression": expr("a = x*y; b = exp(a); z = a*b + x", x=0.5, y=2.0)}],
    "facts": [
        {"id": "table", "label": "The gradient table, in the order its entries became final",
         "compute": {"kind": "gradient_table", "panel": 0}},
        grad_fact(0, "x", 11.87312731383618, 1e-12, "∂z/∂x = 4e + 1"),
    ],
}
