"""Lesson chain-rule: The chain rule, scalar and vector."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import expr, jacobian_facts

LESSON: dict = {
    "id": "chain-rule", "title": "The chain rule, scalar and vector",
    "slide": "Gradient-based optimizer: chain rule",
    "summary": "Each edge carries a local derivative; the gradient is their product (summed over paths).",
    "text": (
        "For $z = f(g(x))$ the chain rule multiplies local derivatives: "
        "$\\frac{dz}{dx} = \\frac{dz}{dy} \\frac{dy}{dx}$ with $y = g(x)$. Here $g(x) = x^2$ and "
        "$f(y) = \\tanh y$. For vectors, $y = g(x)$ and $z = f(y)$, each input collects a sum over the "
        "intermediate units: $\\frac{\\partial z}{\\partial x_i} = \\sum_j \\frac{\\partial z}{\\partial "
        "y_j} \\frac{\\partial y_j}{\\partial x_i}$. Step through the backward pass and compare each "
        "contribution with the local derivative on its edge."
    ),
    "panels": [
        {"title": "z = f(g(x)), scalar", "expression": expr("y = x**2; z = tanh(y)", x=0.8)},
        {"title": "y = g(x), z = f(y), vectors",
         "expression": expr("y = W @ x; z = sum(tanh(y))", W=[[1.0, -1.0], [0.5, 2.0]], x=[0.3, -0.2])},
    ],
    "facts": [*jacobian_facts(0, "y", "x", "scalar_", output="z"),
              *jacobian_facts(1, "y", "x", "vector_", output="z")],
}
