"""Lesson output-units: Output units: one per distribution."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import MOONS, net, relu_layers, tanh_layers

_INVERSE_SINE = {"dataset": "inverse_sine", "n": 400, "seed": 0}
# a mixture is non-convex in its output: a gentler step than ADAM's and three seeded starts make its fit
# the same on every machine (tested over seeds and perturbed weights: tests/nets/test_fact_robustness.py)
_MDN_ADAM = {"name": "adam", "lr": 0.01}
_MDN_VS_GAUSSIAN = {"kind": "mdn_vs_gaussian", "mdn": 3, "gaussian": 4, "steps": 1000, "restarts": 3}

LESSON: dict = {
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
         "spec": net("bernoulli", tanh_layers(8), {"kind": "sigmoid"}, MOONS)},
        {"title": "Multinoulli: softmax on a 3-arm spiral",
         "spec": net("multinoulli", relu_layers(16, 2),
                     {"kind": "softmax", "units": 3}, {"dataset": "spiral", "n": 300, "seed": 0})},
        {"title": "Gaussian: linear output on sine",
         "spec": net("gaussian", tanh_layers(16), {"kind": "linear"}, {"dataset": "sine", "seed": 0})},
        {"title": "Mixture density (K = 3) on inverse sine",
         "spec": net("mdn", tanh_layers(16), {"kind": "mixture_density", "components": 3}, _INVERSE_SINE,
                     optimizer=_MDN_ADAM)},
        {"title": "Gaussian (linear output) on inverse sine",
         "spec": net("gaussian-inverse", tanh_layers(16), {"kind": "linear"}, _INVERSE_SINE)},
    ],
    "facts": [
        {"id": "nll", "label": "NLL per point after 1,000 Adam steps: MDN (best of 3 seeded starts) vs "
                               "linear-Gaussian",
         "compute": _MDN_VS_GAUSSIAN},
        {"id": "nll_gap", "label": "The mixture's NLL is lower by more than half a nat per point",
         "compute": _MDN_VS_GAUSSIAN, "pick": "nll_gap", "expected": 0.5, "compare": "greater"},
    ],
}
