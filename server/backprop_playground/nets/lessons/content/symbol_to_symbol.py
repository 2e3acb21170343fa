"""Lesson symbol-to-symbol: Derivatives are graphs too."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import expr

LESSON: dict = {
    "id": "symbol-to-symbol", "title": "Derivatives are graphs too",
    "slide": "Symbol-to-symbol differentiation",
    "summary": "With create_graph the backward pass becomes graph nodes, evaluated and differentiated "
               "again.",
    "text": (
        "Symbol-to-number differentiation (Torch, Caffe) runs the backward pass on numbers. "
        "Symbol-to-symbol differentiation (Theano, TensorFlow) instead adds the backward pass to "
        "the graph "
        "as new nodes in the same language as the forward pass; feeding numbers in evaluates them, and "
        "because $dy/dx$ is itself a graph it can be differentiated again. For $y = x^3 + 2x$ at "
        "$x = 2$: "
        "$dy/dx = 3x^2 + 2 = 14$ and $d^2y/dx^2 = 6x = 12$."
    ),
    "panels": [{"title": "y = x³ + 2x, symbolic",
                "expression": expr("y = x*x*x + 2*x", mode="symbolic", x=2.0)}],
    "facts": [
        {"id": "first", "label": "dy/dx (a graph node, evaluated)",
         "compute": {"kind": "second_derivative", "panel": 0, "variable": "x"}, "pick": "first",
         "expected": 14.0, "tolerance": 0},
        {"id": "second", "label": "d²y/dx² (differentiating the derivative graph)",
         "compute": {"kind": "second_derivative", "panel": 0, "variable": "x"}, "pick": "second",
         "expected": 12.0, "tolerance": 0},
        {"id": "nodes", "label": "Forward nodes and nodes the backward pass added",
         "compute": {"kind": "second_derivative", "panel": 0, "variable": "x"}},
    ],
}
