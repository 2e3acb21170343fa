"""Lesson xor-relu: One ReLU layer solves XOR."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.spec import XOR_EXAMPLE

# Goodfellow's solution with one threshold moved: b₁[1] (his c₂) = −½ instead of −1, so no gradient is zero
_XOR_NUDGED = [{"W": [[1, 1], [1, 1]], "b": [0, -0.5]}, {"W": [[1], [-2]], "b": [0]}]

LESSON: dict = {
    "id": "xor-relu", "title": "One ReLU layer solves XOR", "slide": "Learning XOR",
    "summary": "Goodfellow's 2-2-1 ReLU net maps XOR exactly; training from a seeded start does too.",
    "text": (
        "Add one hidden layer $h_1 = \\max\\{0, x W_1 + b_1\\}$ and a linear output $\\hat y = h_1 W_2 "
        "+ b_2$, named as in the graph (Goodfellow writes $h = \\max\\{0, W^\\top x + c\\}$ and $y = "
        "w^\\top h + b$: his $W, c, w, b$ are $W_1, b_1, W_2, b_2$ here). With $W_1 = "
        "\\begin{bmatrix}1 & 1\\\\ 1 & 1\\end{bmatrix}$, $b_1 = [0, -1]$, $W_2 = [1, -2]^\\top$, $b_2 "
        "= 0$ the hidden layer sends the four points to $h_1 = (0,0), (1,0), (1,0), (2,1)$: the two "
        "middle points land on the same spot, and in $h_1$-space the classes *are* linearly separable. "
        "The output is exactly $[0, 1, 1, 0]$ with zero loss, and so every gradient is zero too.\n\n"
        "The net drawn here starts one number away: its second threshold $b_1[1]$ is $-\\tfrac12$ "
        "instead of $-1$, so the second unit fires on the middle points as well, the output there "
        "drops to $0$ and the loss is $\\tfrac34$. Step through the backward pass to see which weights "
        "the error blames. *Show the solution* loads Goodfellow's weights; *Re-initialise* (seed 1) "
        "and *Train* 300 steps, and gradient descent finds a solution of its own. Seed 2 does not: its "
        "second unit starts inactive on all four points, so it receives no gradient, stays dead, and "
        "the loss stalls at $\\tfrac16$. Two ReLUs are just enough for XOR, and not every start finds "
        "the way."
    ),
    "panels": [{"title": "2-2-1 ReLU net, one threshold off Goodfellow's weights", "spec": XOR_EXAMPLE,
                "start": _XOR_NUDGED, "solution": "Goodfellow's weights",
                "retrain": {"seed": 1, "steps": 300}}],
    "facts": [
        {"id": "hidden", "label": "h₁ for the four points, Goodfellow's weights",
         "compute": {"kind": "model", "panel": 0, "of": "hidden", "layer": 1},
         "expected": [[0, 0], [1, 0], [1, 0], [2, 1]], "tolerance": 0},
        {"id": "predictions", "label": "ŷ for the four points, Goodfellow's weights",
         "compute": {"kind": "model", "panel": 0, "of": "predictions"},
         "expected": [0, 1, 1, 0], "tolerance": 0},
        {"id": "loss", "label": "MSE, Goodfellow's weights",
         "compute": {"kind": "model", "panel": 0, "of": "loss"},
         "expected": 0.0, "tolerance": 0},
        {"id": "retrained_loss", "label": "MSE after re-initialising (seed 1) and 300 SGD steps",
         "compute": {"kind": "model", "panel": 0, "of": "loss", "reset_seed": 1, "train": 300},
         "expected": 1e-3, "compare": "less"},
        {"id": "dead_start_loss",
         "label": "MSE after re-initialising with seed 2 and 300 SGD steps (a dead unit)",
         "compute": {"kind": "model", "panel": 0, "of": "loss", "reset_seed": 2, "train": 300},
         "expected": 0.1, "compare": "greater"},
    ],
}
