"""Lesson jacobian-products: Backprop multiplies vectors by Jacobians."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import expr, jacobian_facts

LESSON: dict = {
    "id": "jacobian-products", "title": "Backprop multiplies vectors by Jacobians",
    "slide": "Backprop: arithmetic",
    "summary": "∇ₓy = (∂z/∂x)ᵀ ∇_z y, one vector-Jacobian product per edge; the Jacobian is never "
               "formed.",
    "text": (
        "With $z = g(x)$ and $y = f(z)$, the gradient is $\\nabla_x y = \\left(\\frac{\\partial z}"
        "{\\partial x}\\right)^\\top \\nabla_z y$ — a Jacobian-transpose times a vector, applied "
        "recursively. Backprop never builds the Jacobian: each op knows how to multiply its transpose by "
        "a vector directly. Here $g$ is a softmax of 4 scores, whose Jacobian is a full $4 \\times 4$ "
        "matrix, yet every array in the backward pass has just 4 entries."
    ),
    "panels": [{"title": "z = softmax(x), y = Σ w·z",
                "expression": expr("z = softmax(x); y = sum(w * z)", x=[1.0, 2.0, 0.5, -1.0],
                                   w=[0.2, -0.5, 1.0, 0.3])}],
    "facts": [
        *jacobian_facts(0, "z", "x", "", output="y"),
        {"id": "jacobian_size", "label": "entries of the Jacobian ∂z/∂x",
         "compute": {"kind": "jacobian", "panel": 0, "inner": "z", "variable": "x"},
         "pick": "jacobian_size", "expected": 16, "tolerance": 0},
        {"id": "largest_backward_array", "label": "entries of the largest array backprop handled",
         "compute": {"kind": "jacobian", "panel": 0, "inner": "z", "variable": "x"},
         "pick": "largest_backward_array", "expected": 4, "tolerance": 0},
    ],
}
