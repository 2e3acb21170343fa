"""Lesson xor-linear: A linear model cannot learn XOR."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

_XOR_LINEAR = {
    "name": "xor-linear", "hidden": [], "output": {"kind": "linear", "units": 1}, "loss": "mse",
    "optimizer": {"name": "sgd", "lr": 0.5}, "seed": 0, "data": {"dataset": "xor"},
}

LESSON: dict = {
    "id": "xor-linear", "title": "A linear model cannot learn XOR", "slide": "Learning XOR",
    "summary": "The best linear fit to XOR under squared loss predicts 0.5 everywhere.",
    "text": (
        "Fit $\\hat y = x W_1 + b_1$ to the four XOR points with squared loss (Goodfellow writes "
        "$f(x) = w^\\top x + b$). Gradient descent "
        "converges to the optimum $W_1 = 0$, $b_1 = \\tfrac12$: the model predicts $0.5$ on every point "
        "and the loss stays at $\\tfrac14$. No straight line separates the two classes, so the best a "
        "linear model can do is to hedge. The graph starts from a seeded random start; *Train* 200 "
        "steps to reach the optimum and step through it: every gradient there is zero."
    ),
    "panels": [{"title": "Linear model on XOR", "spec": _XOR_LINEAR, "retrain": {"seed": 0, "steps": 200}}],
    "facts": [
        {"id": "predictions", "label": "ŷ on (0,0), (0,1), (1,0), (1,1) after 200 steps",
         "compute": {"kind": "model", "panel": 0, "of": "predictions", "train": 200},
         "expected": [0.5, 0.5, 0.5, 0.5], "tolerance": 1e-6},
        {"id": "loss", "label": "MSE at the optimum",
         "compute": {"kind": "model", "panel": 0, "of": "loss", "train": 200},
         "expected": 0.25, "tolerance": 1e-9},
        {"id": "params", "label": "W₁ and b₁ after training",
         "compute": {"kind": "model", "panel": 0, "of": "params", "train": 200}},
    ],
}
