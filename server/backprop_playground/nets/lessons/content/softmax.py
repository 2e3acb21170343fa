"""Lesson softmax: Softmax and its log-likelihood."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

LESSON: dict = {
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
}
