"""Lessons on output units, hidden units, and what depth buys."""

_ADAM = {"name": "adam", "lr": 0.02}
_MOONS = {"dataset": "moons", "n": 200, "noise": 0.2, "seed": 0}
_INVERSE_SINE = {"dataset": "inverse_sine", "n": 400, "seed": 0}
# a mixture is non-convex in its output: a gentler step than _ADAM's and three seeded starts make its fit
# the same on every machine (tested over seeds and perturbed weights: tests/nets/test_fact_robustness.py)
_MDN_ADAM = {"name": "adam", "lr": 0.01}
_MDN_VS_GAUSSIAN = {"kind": "mdn_vs_gaussian", "mdn": 3, "gaussian": 4, "steps": 1000, "restarts": 3}
_DEPTH_DATA = {"dataset": "moons", "n": 200, "noise": 0.3, "seed": 1, "test_fraction": 0.5}
_HIDDEN_VARIANTS = [
    {"activation": "relu"}, {"activation": "leaky_relu", "alpha": 0.1}, {"activation": "abs"},
    {"activation": "prelu"}, {"activation": "maxout", "pieces": 2}, {"activation": "sigmoid"},
    {"activation": "tanh"},
]


def _net(name: str, hidden: list[dict], output: dict, data: dict, **extra) -> dict:
    return {"name": name, "hidden": hidden, "output": output, "optimizer": _ADAM, "seed": 0, "data": data,
            **extra}


def _expr(source: str, **values) -> dict:
    return {"source": source, "values": values, "mode": "numeric"}


def _relu(units: int, layers: int = 1) -> list[dict]:
    return [{"units": units, "activation": "relu"}] * layers


def _tanh(units: int) -> list[dict]:
    return [{"units": units, "activation": "tanh"}]


UNITS_AND_DEPTH: list[dict] = [
    {
        "id": "output-units", "title": "Output units: one per distribution",
        "slide": "Output units table, Mixture density output",
        "summary": "Sigmoid, softmax, linear and mixture density outputs; only a mixture fits inverse sine.",
        "text": (
            "The output unit decides which distribution $p(y \\mid x)$ the net predicts, and the cost is "
            "its negative log-likelihood: a **sigmoid** for a Bernoulli (binary cross-entropy, moons), a "
            "**softmax** for a multinoulli (cross-entropy, spiral), a **linear** unit for a Gaussian mean "
            "(MSE, sine). On the inverse-sine data one $x$ has several valid $y$: a Gaussian can only sit "
            "on the conditional mean, between the branches. A **mixture density** output predicts mixing "
            "weights $\\pi = \\operatorname{softmax}(\\cdot)$, means $\\mu_k$ and scales "
            "$\\sigma_k = e^{(\\cdot)} > 0$ of $K$ Gaussians, and its NLL is far lower."
        ),
        "panels": [
            {"title": "Bernoulli: sigmoid on moons",
             "spec": _net("bernoulli", _tanh(8), {"kind": "sigmoid"}, _MOONS)},
            {"title": "Multinoulli: softmax on a 3-arm spiral",
             "spec": _net("multinoulli", _relu(16, 2),
                          {"kind": "softmax", "units": 3}, {"dataset": "spiral", "n": 300, "seed": 0})},
            {"title": "Gaussian: linear output on sine",
             "spec": _net("gaussian", _tanh(16), {"kind": "linear"}, {"dataset": "sine", "seed": 0})},
            {"title": "Mixture density (K = 3) on inverse sine",
             "spec": _net("mdn", _tanh(16), {"kind": "mixture_density", "components": 3}, _INVERSE_SINE,
                          optimizer=_MDN_ADAM)},
            {"title": "Gaussian (linear output) on inverse sine",
             "spec": _net("gaussian-inverse", _tanh(16), {"kind": "linear"}, _INVERSE_SINE)},
        ],
        "facts": [
            {"id": "nll", "label": "NLL per point after 1,000 Adam steps: MDN (best of 3 seeded starts) vs "
                                   "linear-Gaussian",
             "compute": _MDN_VS_GAUSSIAN},
            {"id": "nll_gap", "label": "The mixture's NLL is lower by more than half a nat per point",
             "compute": _MDN_VS_GAUSSIAN, "pick": "nll_gap", "expected": 0.5, "compare": "greater"},
        ],
    },
    {
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
             "spec": _net("hidden-units", [{"units": 8, "activation": "prelu"}], {"kind": "sigmoid"}, _MOONS),
             "variants": _HIDDEN_VARIANTS},
            {"title": "sigmoid", "expression": _expr("sigmoid(z)", z=10.0)},
            {"title": "tanh", "expression": _expr("tanh(z)", z=10.0)},
            {"title": "ReLU", "expression": _expr("relu(z)", z=2.0)},
            {"title": "generalized ReLU, α learned",
             "expression": _expr("leaky_relu(z, alpha)", z=-2.0, alpha=0.25)},
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
    },
    {
        "id": "depth-folding", "title": "Each layer folds the plane", "slide": "Exponential gain with depth",
        "summary": "abs-activation layers fold the input square; linear regions grow as 4, 16, 64, 256.",
        "text": (
            "With $g(z) = |z|$ a layer $h_1 = |x|$ folds the plane along both axes: the four quadrants "
            "land on one. Every further layer $h_{k+1} = |2h_k - 1|$ ($W_{k+1} = 2I$, $b_{k+1} = -1$ in "
            "the graph) folds the result in half again along each axis, so whatever the last layer draws "
            "is copied into every fold. Counting distinct activation patterns on a grid over $[-1, 1]^2$ "
            "gives the linear regions: $4, 16, 64, 256$ for depth $1, 2, 3, 4$ — $O(4^N)$ (Montúfar et al. "
            "2014). One wide layer with the same number of units cuts the plane with straight lines only "
            "and stays polynomial."
        ),
        "panels": [{"title": "Folding net, depth 3 (2 abs units per layer)",
                    "spec": {"name": "folding", "hidden": [{"units": 2, "activation": "abs"}] * 3,
                             "output": {"kind": "linear"}, "seed": 0,
                             "data": {"dataset": "gaussians", "n": 200, "seed": 0},
                             "params": [{"W": [[1, 0], [0, 1]], "b": [0, 0]},
                                        {"W": [[2, 0], [0, 2]], "b": [-1, -1]},
                                        {"W": [[2, 0], [0, 2]], "b": [-1, -1]},
                                        {"W": [[1], [1]], "b": [0]}]}}],
        "facts": [
            {"id": "regions", "label": "Linear regions by depth 1, 2, 3, 4",
             "compute": {"kind": "folding_regions", "depths": [1, 2, 3, 4]}, "pick": "regions",
             "expected": [4, 16, 64, 256], "tolerance": 0},
            {"id": "table", "label": "Deep vs one wide layer with as many units",
             "compute": {"kind": "folding_regions", "depths": [1, 2, 3, 4]}},
        ],
    },
    {
        "id": "depth-vs-width", "title": "Deep and narrow vs shallow and wide",
        "slide": "Better generalization with depth; large shallow nets overfit",
        "summary": "Same parameter budget (177), one wide layer vs three narrow ones: train and test curves.",
        "text": (
            "One hidden layer can approximate anything, but it may need many units, and a large shallow "
            "net is free to memorise its training set. Here two nets share a budget of 177 parameters: "
            "2-44-1 and 2-8-8-8-1, both ReLU, trained with Adam on noisy moons with half the points held "
            "out. Watch the gap between the training and the test loss of each."
        ),
        "panels": [
            {"title": "Shallow and wide: 2-44-1",
             "spec": _net("shallow", _relu(44), {"kind": "sigmoid"}, _DEPTH_DATA)},
            {"title": "Deep and narrow: 2-8-8-8-1",
             "spec": _net("deep", _relu(8, 3), {"kind": "sigmoid"}, _DEPTH_DATA)},
        ],
        "facts": [
            {"id": "parameters", "label": "Parameters of each net",
             "compute": {"kind": "train_curves", "panels": [0, 1], "steps": 400}, "pick": "parameters",
             "expected": [177, 177], "tolerance": 0},
            {"id": "curves", "label": "Train and test loss every 10 steps (400 Adam steps)",
             "compute": {"kind": "train_curves", "panels": [0, 1], "steps": 400}},
        ],
    },
]
