"""Lesson backprop-overview: Backprop from end to end."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import expr, grad_fact, value_fact

LESSON: dict = {
    "id": "backprop-overview", "title": "Backprop from end to end", "slide": "Backprop: overview",
    "summary": "Forward to the loss, then derivatives back to a₁, a₂, b₁, b₂ of a tiny linear net.",
    "text": (
        "A tiny net with linear activations, no bias and squared loss: $h_1 = a_1 x$, $h_2 = a_2 x$, "
        "$y = b_1 h_1 + b_2 h_2$, $L = (y - t)^2$. Forward: with $x = 1$, $a = (2, -1)$, "
        "$b = (\\tfrac12, 1)$ and $t = 1$ we get $h = (2, -1)$, $y = 0$, $L = 1$. Backward: "
        "$\\partial L/\\partial y = 2(y - t) = -2$, then $\\partial L/\\partial b_i = -2 h_i$ and "
        "$\\partial L/\\partial h_i = -2 b_i$, and finally $\\partial L/\\partial a_i = "
        "\\partial L/\\partial h_i \\cdot x$."
    ),
    "panels": [{"title": "x → h₁, h₂ → y → L",
                "expression": expr("h1 = a1*x; h2 = a2*x; y = b1*h1 + b2*h2; L = (y - t)**2",
                                   x=1.0, a1=2.0, a2=-1.0, b1=0.5, b2=1.0, t=1.0)}],
    "facts": [value_fact(0, 1.0, label="L"),
              grad_fact(0, "a1", -1.0, output="L"), grad_fact(0, "a2", -2.0, output="L"),
              grad_fact(0, "b1", -4.0, output="L"), grad_fact(0, "b2", 2.0, output="L")],
}
