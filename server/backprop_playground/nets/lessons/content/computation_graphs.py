"""Lesson computation-graphs: Computation graphs."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import expr, grad_fact, value_fact

LESSON: dict = {
    "id": "computation-graphs", "title": "Computation graphs", "slide": "Computation graphs",
    "summary": "Multiplication, logistic regression, and linear regression with weight decay as graphs.",
    "text": (
        "Every formula is a graph of simple operations. (a) $z = xy$. (b) Logistic regression "
        "$\\hat y = \\sigma(x^\\top w + b)$. (c) Linear regression with weight decay: the cost "
        "$J = \\frac1n \\|Xw - y\\|^2 + \\lambda \\|w\\|^2$ has two branches that both reach $w$, so "
        "$w$'s gradient is the sum of the data term's $\\frac2n X^\\top(Xw - y)$ and the penalty's "
        "$2\\lambda w$."
    ),
    "panels": [
        {"title": "(a) multiplication", "expression": expr("z = x*y", x=3.0, y=-2.0)},
        {"title": "(b) logistic regression",
         "expression": expr("y_hat = sigmoid(x @ w + b)", x=[1.0, 2.0], w=[0.5, -0.25], b=0.1)},
        {"title": "(c) linear regression with weight decay",
         "expression": expr("J = mean((X @ w - y)**2) + lam * sum(w * w)",
                            X=[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], y=[1.0, 2.0, 2.0], w=[0.5, 0.5],
                            lam=0.1)},
    ],
    "facts": [
        value_fact(0, -6.0, label="(a) z"),
        grad_fact(0, "x", -2.0, output="z"), grad_fact(0, "y", 3.0, output="z"),
        value_fact(1, 0.52497918747894, 1e-12, "(b) ŷ = σ(0.1)"),
        grad_fact(1, "w", [0.24937604019289197, 0.49875208038578393], 1e-12, output="y_hat"),
        value_fact(2, 1.2166666666666666, 1e-12, "(c) J"),
        grad_fact(2, "w", [-0.9, -1.5666666666666667], 1e-12, output="J"),
    ],
}
