"""Lesson hidden-units: Hidden units: keep the gradient alive."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import MOONS, expr, net

_HIDDEN_VARIANTS = [
    {"activation": "relu"}, {"activation": "leaky_relu", "alpha": 0.1}, {"activation": "abs"},
    {"activation": "prelu"}, {"activation": "maxout", "pieces": 2}, {"activation": "sigmoid"},
    {"activation": "tanh"},
]

LESSON: dict = {
    "id": "hidden-units", "title": "Hidden units: keep the gradient alive",
    "slide": "Hidden units, ReLU, generalized ReLU, maxout",
    "summary": "Saturated sigmoid/tanh pass almost no gradient; ReLU passes 1 or 0; PReLU learns α.",
    "text": (
        "A hidden layer computes $h_1 = g(z_1)$ with $z_1 = x W_1 + b_1$ (Goodfellow's $g(W^\\top x + "
        "b)$, named as in the graph), and backprop multiplies by $g'(z_1)$ on the way down. A "
        "saturated sigmoid or tanh ($|z|$ large) has $g'(z) \\approx 0$ and blocks the signal. ReLU "
        "$g(z) = \\max\\{0, z\\}$ passes exactly 1 when active and 0 when not. The generalized ReLU "
        "$g(z; \\alpha) = \\max\\{0, z\\} + \\alpha \\min\\{0, z\\}$ gives leaky ReLU (small "
        "$\\alpha$), absolute value ($\\alpha = -1$) and PReLU, whose $\\alpha$ ($\\alpha_1$ in the "
        "graph) is learned and receives its own gradient $\\min\\{0, z\\}$. Maxout takes the max of "
        "$k$ linear pieces. Switch $g$ on the net and watch the gradients."
    ),
    "panels": [
        {"title": "2-8-1 net on moons with a switchable activation (PReLU shown)",
         "spec": net("hidden-units", [{"units": 8, "activation": "prelu"}], {"kind": "sigmoid"}, MOONS),
         "variants": _HIDDEN_VARIANTS},
        {"title": "sigmoid", "expression": expr("sigmoid(z)", z=10.0)},
        {"title": "tanh", "expression": expr("tanh(z)", z=10.0)},
        {"title": "ReLU", "expression": expr("relu(z)", z=2.0)},
        {"title": "generalized ReLU, α learned",
         "expression": expr("leaky_relu(z, alpha)", z=-2.0, alpha=0.25)},
    ],
    "facts": [
        {"id": "sigmoid_saturated", "label": "σ′(z) at z = 10",
         "compute": {"kind": "expression", "panel": 1, "of": "gradient", "variable": "z"},
         "expected": 1e-4, "compare": "less"},
        {"id": "tanh_saturated", "label": "tanh′(z) at z = 10",
         "compute": {"kind": "expression", "panel": 2, "of": "gradient", "variable": "z"},
         "expected": 1e-4, "compare": "less"},
        {"id": "relu_active", "label": "ReLU′(z) at z = 2",
         "compute": {"kind": "expression", "panel": 3, "of": "gradient", "variable": "z"},
         "expected": 1.0, "tolerance": 0},
        {"id": "relu_inactive", "label": "ReLU′(z) at z = −2",
         "compute": {"kind": "expression", "panel": 3, "of": "gradient", "variable": "z",
                     "values": {"z": -2.0}},
         "expected": 0.0, "tolerance": 0},
        {"id": "alpha_gradient", "label": "∂g/∂α = min(0, z) at z = −2",
         "compute": {"kind": "expression", "panel": 4, "of": "gradient", "variable": "alpha"},
         "expected": -2.0, "tolerance": 0},
        {"id": "prelu_alpha_gradient", "label": "∂L/∂α₁ of the PReLU net (one backward pass)",
         "compute": {"kind": "param_gradient", "panel": 0, "param": "α₁"}, "compare": "nonzero",
         "expected": 0},
    ],
}
