"""Lesson cost-saturation: Squared loss saturates, cross-entropy does not."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

LESSON: dict = {
    "id": "cost-saturation", "title": "Squared loss saturates, cross-entropy does not",
    "slide": "Cost function: sigmoid + squared loss vs + cross-entropy",
    "summary": "At a confidently wrong point the squared loss's gradient nearly vanishes.",
    "text": (
        "Take one sigmoid unit and a confidently wrong prediction: $z = -5$ while $y = 1$. "
        "With the squared loss $L_{sq} = (y - \\sigma(z))^2$ the gradient is "
        "$-2(y - \\sigma(z))\\,\\sigma(z)(1 - \\sigma(z)) \\approx -0.0132$: the sigmoid's flat tail "
        "multiplies it away, and learning stalls exactly where it is needed most. With cross-entropy "
        "$L_{ce} = -(y \\log \\sigma(z) + (1-y) \\log(1 - \\sigma(z)))$ the log undoes the exp and "
        "$\\partial L/\\partial z = \\sigma(z) - y \\approx -0.9933$."
    ),
    "panels": [
        {"title": "sigmoid + squared loss",
         "expression": {"source": "(y - sigmoid(z))**2", "values": {"z": -5.0, "y": 1.0},
                        "mode": "numeric"}},
        {"title": "sigmoid + cross-entropy",
         "expression": {"source": "p = sigmoid(z); -(y*log(p) + (1 - y)*log(1 - p))",
                        "values": {"z": -5.0, "y": 1.0}, "mode": "numeric"}},
    ],
    "facts": [
        {"id": "grad_squared", "label": "∂L_sq/∂z at z = −5, y = 1",
         "compute": {"kind": "expression", "panel": 0, "of": "gradient", "variable": "z"},
         "expected": -0.0132, "tolerance": 5e-5},
        {"id": "grad_cross_entropy", "label": "∂L_ce/∂z at z = −5, y = 1",
         "compute": {"kind": "expression", "panel": 1, "of": "gradient", "variable": "z"},
         "expected": -0.9933, "tolerance": 5e-5},
    ],
}
