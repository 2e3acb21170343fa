"""Lessons on computing gradients: the chain rule, Jacobian products, computation graphs, backprop."""

from backprop_playground.nets.facts_graphs import diamond_source


def _expr(source: str, mode: str = "numeric", **values) -> dict:
    return {"source": source, "values": values, "mode": mode}


def _grad(panel: int, variable: str, expected: float | list | None = None, tolerance: float = 1e-9,
          label: str | None = None) -> dict:
    fact = {"id": f"d_{variable}" if panel == 0 else f"d_{variable}_{panel}",
            "label": label or f"∂out/∂{variable}",
            "compute": {"kind": "expression", "panel": panel, "of": "gradient", "variable": variable}}
    if expected is not None:
        fact.update(expected=expected, tolerance=tolerance)
    return fact


def _value(panel: int, expected: float, tolerance: float = 1e-9, label: str = "value") -> dict:
    return {"id": f"value_{panel}", "label": label, "expected": expected, "tolerance": tolerance,
            "compute": {"kind": "expression", "panel": panel, "of": "value"}}


def _jacobian(panel: int, inner: str, variable: str, prefix: str) -> list[dict]:
    compute = {"kind": "jacobian", "panel": panel, "inner": inner, "variable": variable}
    return [
        {"id": f"{prefix}grad_inner", "label": f"∇_{inner} out (the upstream gradient)", "compute": compute,
         "pick": "grad_inner"},
        {"id": f"{prefix}jacobian", "label": f"∂{inner}/∂{variable} (formed here only to compare)",
         "compute": compute, "pick": "jacobian"},
        {"id": f"{prefix}product", "label": f"(∂{inner}/∂{variable})ᵀ ∇_{inner} out", "compute": compute,
         "pick": "jacobian_T_grad"},
        {"id": f"{prefix}backprop", "label": f"∇_{variable} out by backprop", "compute": compute,
         "pick": "gradient", "expected": f"{prefix}product", "compare": "same_as", "tolerance": 1e-12},
    ]


BACKPROP: list[dict] = [
    {
        "id": "chain-rule", "title": "The chain rule, scalar and vector",
        "slide": "Gradient-based optimizer: chain rule",
        "summary": "Each edge carries a local derivative; the gradient is their product (summed over paths).",
        "text": (
            "For $z = f(g(x))$ the chain rule multiplies local derivatives: "
            "$\\frac{dz}{dx} = \\frac{dz}{dy} \\frac{dy}{dx}$ with $y = g(x)$. Here $g(x) = x^2$ and "
            "$f(y) = \\tanh y$. For vectors, $y = g(x)$ and $z = f(y)$, each input collects a sum over the "
            "intermediate units: $\\frac{\\partial z}{\\partial x_i} = \\sum_j \\frac{\\partial z}{\\partial "
            "y_j} \\frac{\\partial y_j}{\\partial x_i}$. Step through the backward pass and compare each "
            "contribution with the local derivative on its edge."
        ),
        "panels": [
            {"title": "z = f(g(x)), scalar", "expression": _expr("y = x**2; z = tanh(y)", x=0.8)},
            {"title": "y = g(x), z = f(y), vectors",
             "expression": _expr("y = W @ x; z = sum(tanh(y))", W=[[1.0, -1.0], [0.5, 2.0]], x=[0.3, -0.2])},
        ],
        "facts": [*_jacobian(0, "y", "x", "scalar_"), *_jacobian(1, "y", "x", "vector_")],
    },
    {
        "id": "jacobian-products", "title": "Backprop multiplies vectors by Jacobians",
        "slide": "Backprop: arithmetic",
        "summary": "∇ₓy = (∂z/∂x)ᵀ ∇_z y, one vector-Jacobian product per edge; the Jacobian is never "
                   "formed.",
        "text": (
            "With $z = g(x)$ and $y = f(z)$, the gradient is $\\nabla_x y = \\left(\\frac{\\partial z}"
            "{\\partial x}\\right)^\\top \\nabla_z y$ — a Jacobian-transpose times a vector, applied "
            "recursively. Backprop never builds the Jacobian: each op knows how to multiply its transpose by "
            "a vector directly. Here $g$ is a softmax of 4 scores, whose Jacobian is a full $4 \\times 4$ "
            "matrix, yet every array in the backward pass has just 4 entries."
        ),
        "panels": [{"title": "z = softmax(x), y = Σ w·z",
                    "expression": _expr("z = softmax(x); y = sum(w * z)", x=[1.0, 2.0, 0.5, -1.0],
                                        w=[0.2, -0.5, 1.0, 0.3])}],
        "facts": [
            *_jacobian(0, "z", "x", ""),
            {"id": "jacobian_size", "label": "entries of the Jacobian ∂z/∂x",
             "compute": {"kind": "jacobian", "panel": 0, "inner": "z", "variable": "x"},
             "pick": "jacobian_size", "expected": 16, "tolerance": 0},
            {"id": "largest_backward_array", "label": "entries of the largest array backprop handled",
             "compute": {"kind": "jacobian", "panel": 0, "inner": "z", "variable": "x"},
             "pick": "largest_backward_array", "expected": 4, "tolerance": 0},
        ],
    },
    {
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
                    "expression": _expr("h1 = a1*x; h2 = a2*x; y = b1*h1 + b2*h2; L = (y - t)**2",
                                        x=1.0, a1=2.0, a2=-1.0, b1=0.5, b2=1.0, t=1.0)}],
        "facts": [_value(0, 1.0, label="L"), _grad(0, "a1", -1.0), _grad(0, "a2", -2.0), _grad(0, "b1", -4.0),
                  _grad(0, "b2", 2.0)],
    },
    {
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
            {"title": "(a) multiplication", "expression": _expr("z = x*y", x=3.0, y=-2.0)},
            {"title": "(b) logistic regression",
             "expression": _expr("y_hat = sigmoid(x @ w + b)", x=[1.0, 2.0], w=[0.5, -0.25], b=0.1)},
            {"title": "(c) linear regression with weight decay",
             "expression": _expr("J = mean((X @ w - y)**2) + lam * sum(w * w)",
                                 X=[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], y=[1.0, 2.0, 2.0], w=[0.5, 0.5],
                                 lam=0.1)},
        ],
        "facts": [
            _value(0, -6.0, label="(a) z"), _grad(0, "x", -2.0), _grad(0, "y", 3.0),
            _value(1, 0.52497918747894, 1e-12, "(b) ŷ = σ(0.1)"),
            _grad(1, "w", [0.24937604019289197, 0.49875208038578393], 1e-12),
            _value(2, 1.2166666666666666, 1e-12, "(c) J"),
            _grad(2, "w", [-0.9, -1.5666666666666667], 1e-12),
        ],
    },
    {
        "id": "repeated-subexpressions", "title": "Backprop does not repeat itself",
        "slide": "Repeated sub-expressions",
        "summary": "z = f(f(f(w))): backprop evaluates each f′ once; the naive formula recomputes inner f's.",
        "text": (
            "Let $x = f(w)$, $y = f(x)$, $z = f(y)$. The chain rule gives "
            "$\\frac{dz}{dw} = f'(y) f'(x) f'(w) = f'(f(f(w)))\\, f'(f(w))\\, f'(w)$. Written the second "
            "way, $f(w)$ is computed again for every factor that needs it. Backprop stores $x$ and $y$ "
            "from the forward pass (memory) and evaluates each $f'$ exactly once (speed): dynamic "
            "programming. With $f = \\exp$, $f' = f$, so here $dz/dw = z\\,y\\,x$."
        ),
        "panels": [{"title": "z = f(f(f(w))), f = exp",
                    "expression": _expr("x = exp(w); y = exp(x); z = exp(y)", w=0.1)}],
        "facts": [
            _grad(0, "w", label="dz/dw"),
            {"id": "counts", "label": "Evaluations of f and f′ by depth: backprop vs the naive formula",
             "compute": {"kind": "repeated_subexpressions", "depths": [1, 2, 3, 4, 5, 6]}},
            {"id": "backprop_f_prime", "label": "f′ evaluations by backprop, depth 1…6",
             "compute": {"kind": "repeated_subexpressions", "depths": [1, 2, 3, 4, 5, 6]},
             "pick": "backprop_f_prime", "expected": [1, 2, 3, 4, 5, 6], "tolerance": 0},
            {"id": "naive_f", "label": "f evaluations by the naive formula, depth 1…6",
             "compute": {"kind": "repeated_subexpressions", "depths": [1, 2, 3, 4, 5, 6]},
             "pick": "naive_f", "expected": [1, 3, 6, 10, 15, 21], "tolerance": 0},
        ],
    },
    {
        "id": "backprop-on-graph", "title": "Filling the gradient table",
        "slide": "Backprop on computation graph",
        "summary": "gⱼ = Σ over consumers gᵢ ∂uᵢ/∂uⱼ, filled in reverse order, one contribution at a time.",
        "text": (
            "Backprop walks the graph from the output back, filling a table $g$ with "
            "$g_j = \\partial u^n / \\partial u^j$. A node used by several consumers receives one "
            "contribution from each, $g_j = \\sum_{i: j \\in Pa(u^i)} g_i \\frac{\\partial u^i}{\\partial "
            "u^j}$, and its entry is final only when all have arrived. Here $a = xy$ feeds both $e^a$ and "
            "the product $a \\cdot b$, and $x$ feeds both $a$ and the final sum."
        ),
        "panels": [{"title": "a = xy, b = eᵃ, z = a·b + x",
                    "expression": _expr("a = x*y; b = exp(a); z = a*b + x", x=0.5, y=2.0)}],
        "facts": [
            {"id": "table", "label": "The gradient table, in the order its entries became final",
             "compute": {"kind": "gradient_table", "panel": 0}},
            _grad(0, "x", 11.87312731383618, 1e-12, "∂z/∂x = 4e + 1"),
        ],
    },
    {
        "id": "symbol-to-symbol", "title": "Derivatives are graphs too",
        "slide": "Symbol-to-symbol differentiation",
        "summary": "With create_graph the backward pass becomes graph nodes, evaluated and differentiated "
                   "again.",
        "text": (
            "Symbol-to-number differentiation (Torch, Caffe) runs the backward pass on numbers. "
            "Symbol-to-symbol differentiation (Theano, TensorFlow) instead adds the backward pass to "
            "the graph "
            "as new nodes in the same language as the forward pass; feeding numbers in evaluates them, and "
            "because $dy/dx$ is itself a graph it can be differentiated again. For $y = x^3 + 2x$ at "
            "$x = 2$: "
            "$dy/dx = 3x^2 + 2 = 14$ and $d^2y/dx^2 = 6x = 12$."
        ),
        "panels": [{"title": "y = x³ + 2x, symbolic",
                    "expression": _expr("y = x*x*x + 2*x", mode="symbolic", x=2.0)}],
        "facts": [
            {"id": "first", "label": "dy/dx (a graph node, evaluated)",
             "compute": {"kind": "second_derivative", "panel": 0, "variable": "x"}, "pick": "first",
             "expected": 14.0, "tolerance": 0},
            {"id": "second", "label": "d²y/dx² (differentiating the derivative graph)",
             "compute": {"kind": "second_derivative", "panel": 0, "variable": "x"}, "pick": "second",
             "expected": 12.0, "tolerance": 0},
            {"id": "nodes", "label": "Forward nodes and nodes the backward pass added",
             "compute": {"kind": "second_derivative", "panel": 0, "variable": "x"}},
        ],
    },
    {
        "id": "naive-vs-backprop", "title": "Naïve chain rule takes exponential time",
        "slide": "\"Naïve computation takes exponential time\"",
        "summary": "Path enumeration grows as 2ᵈ on diamonds; reverse mode stays one multiply per edge.",
        "text": (
            "Writing the chain rule as a sum over paths, $\\frac{\\partial z}{\\partial x} = \\sum_{paths} "
            "\\prod_{edges} \\frac{\\partial u^i}{\\partial u^j}$, costs one product per path — and "
            "a chain of "
            "$d$ diamonds has $2^d$ paths. Reverse mode (backprop) multiplies once per edge, whatever the "
            "number of paths. Forward mode also costs one pass per edge, but needs one pass per input: "
            "fine for one input, expensive for a net with a million weights and one loss."
        ),
        "panels": [{"title": "3 diamonds: aₖ = tanh(aₖ₋₁) + σ(aₖ₋₁)",
                    "expression": _expr(diamond_source(3), x1=0.5)}],
        "facts": [{"id": "counts", "label": "Multiplications by depth: naive paths, reverse and forward mode",
                   "compute": {"kind": "chain_counts", "depths": [1, 2, 3, 4, 5, 6, 8, 10, 16]}}],
    },
]
