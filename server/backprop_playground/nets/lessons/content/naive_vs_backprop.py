"""Lesson naive-vs-backprop: Naïve chain rule takes exponential time."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import expr
from backprop_playground.nets.lessons.facts.graphs import diamond_source

LESSON: dict = {
    "id": "naive-vs-backprop", "title": "Naïve chain rule takes exponential time",
    "slide": "\"Naïve computation takes exponential time\"",
    "summary": "Path enumeration grows as 2ᵈ on diamonds; reverse mode stays one multiply per edge.",
    "text": (
        "Writing the chain rule as a sum over paths, $\\frac{\\partial z}{\\partial x} = \\sum_{paths} "
        "\\prod_{edges} \\frac{\\partial u^i}{\\partial u^j}$, costs one product per path — and "
        "a chain of "
        "$d$ diamonds has $2^d$ paths. Reverse mode (backprop) multiplies once per edge, whatever the "
        "number of paths. Forward mode also costs one pass per edge, but needs one pass per input: "
        "fine for one input, expensive for a net with a million weights and one loss."
    ),
    "panels": [{"title": "3 diamonds: aₖ = tanh(aₖ₋₁) + σ(aₖ₋₁)",
                "expression": expr(diamond_source(3), x1=0.5)}],
    "facts": [{"id": "counts", "label": "Multiplications by depth: naive paths, reverse and forward mode",
               "compute": {"kind": "chain_counts", "depths": [1, 2, 3, 4, 5, 6, 8, 10, 16]}}],
}
