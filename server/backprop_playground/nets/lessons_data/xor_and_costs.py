"""Lessons on learning XOR, the cost function and the softmax output."""

from backprop_playground.nets.spec import XOR_EXAMPLE

# Goodfellow's solution with one threshold moved: b₁[1] (his c₂) = −½ instead of −1, so no gradient is zero
_XOR_NUDGED = [{"W": [[1, 1], [1, 1]], "b": [0, -0.5]}, {"W": [[1], [-2]], "b": [0]}]

_XOR_LINEAR = {
    "name": "xor-linear", "hidden": [], "output": {"kind": "linear", "units": 1}, "loss": "mse",
    "optimizer": {"name": "sgd", "lr": 0.5}, "seed": 0, "data": {"dataset": "xor"},
}

XOR_AND_COSTS: list[dict] = [
    {
        "id": "xor-linear", "title": "A linear model cannot learn XOR", "slide": "Learning XOR",
        "summary": "The best linear fit to XOR under squared loss predicts 0.5 everywhere.",
        "text": (
            "Fit $\\hat y = x W_1 + b_1$ to the four XOR points with squared loss (Goodfellow writes "
            "$f(x) = w^\\top x + b$). Gradient descent "
            "converges to the optimum $W_1 = 0$, $b_1 = \\tfrac12$: the model predicts $0.5$ on every point "
            "and the loss stays at $\\tfrac14$. No straight line separates the two classes, so the best a "
            "linear model can do is to hedge."
        ),
        "panels": [{"title": "Linear model on XOR", "spec": _XOR_LINEAR}],
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
    },
    {
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
    },
    {
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
    },
    {
        "id": "softmax", "title": "Softmax and its log-likelihood", "slide": "Softmax Output",
        "summary": "log softmax(z)ᵢ = zᵢ − logsumexp(z) ≈ zᵢ − max z; the gradient is softmax − one-hot.",
        "text": (
            "For scores $z$ the softmax is $\\operatorname{softmax}(z)_i = e^{z_i} / \\sum_j e^{z_j}$. "
            "Its log undoes the exp: $\\log \\operatorname{softmax}(z)_i = z_i - \\log\\sum_j e^{z_j} "
            "\\approx z_i - \\max_j z_j$ — the score of the target minus the largest score. Here the target "
            "is class 0 with score 1 while class 1 scores 4, so the log-likelihood is about $-3$. The "
            "gradient of the negative log-likelihood is $\\operatorname{softmax}(z) - e_{\\text{target}}$: "
            "it pushes the target's score up and the others down, and never saturates while wrong."
        ),
        "panels": [{"title": "−log softmax(z)₀",
                    "expression": {"source": "-log_softmax(z)[0]", "values": {"z": [1.0, 4.0, 0.5]},
                                   "mode": "numeric"}}],
        "facts": [
            {"id": "log_softmax", "label": "log softmax(z)₀",
             "compute": {"kind": "softmax", "panel": 0, "target": 0}, "pick": "log_softmax",
             "expected": "z_minus_logsumexp", "compare": "same_as", "tolerance": 1e-12},
            {"id": "z_minus_logsumexp", "label": "z₀ − logsumexp(z)",
             "compute": {"kind": "softmax", "panel": 0, "target": 0}, "pick": "z_minus_logsumexp",
             "expected": -3.076947, "tolerance": 1e-6},
            {"id": "z_minus_max", "label": "z₀ − max z (the approximation)",
             "compute": {"kind": "softmax", "panel": 0, "target": 0}, "pick": "z_minus_max",
             "expected": -3.0, "tolerance": 0},
            {"id": "gradient", "label": "∂(−log softmax(z)₀)/∂z by backprop",
             "compute": {"kind": "softmax", "panel": 0, "target": 0}, "pick": "gradient",
             "expected": "softmax_minus_onehot", "compare": "same_as", "tolerance": 1e-12},
            {"id": "softmax_minus_onehot", "label": "softmax(z) − one-hot(0)",
             "compute": {"kind": "softmax", "panel": 0, "target": 0}, "pick": "softmax_minus_onehot"},
        ],
    },
]
