"""Lesson repeated-subexpressions: Backprop does not repeat itself."""
# The LESSON dict has every lesson module's layout on purpose (one lesson, one file): see content/__init__.py.

from backprop_playground.nets.lessons.content.parts import expr, grad_fact

LESSON: dict = {
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
                "expression": expr("x = exp(w); y = exp(x); z = exp(y)", w=0.1)}],
    "facts": [
        grad_fact(0, "w", label="dz/dw"),
        {"id": "counts", "label": "Evaluations of f and f′ by depth: backprop vs the naive formula",
         "compute": {"kind": "repeated_subexpressions", "depths": [1, 2, 3, 4, 5, 6]}},
        {"id": "backprop_f_prime", "label": "f′ evaluations by backprop, depth 1…6",
         "compute": {"kind": "repeated_subexpressions", "depths": [1, 2, 3, 4, 5, 6]},
         "pick": "backprop_f_prime", "expected": [1, 2, 3, 4, 5, 6], "tolerance": 0},
        {"id": "naive_f", "label": "f evaluations by the naive formula, depth 1…6",
         "compute": {"kind": "repeated_subexpressions", "depths": [1, 2, 3, 4, 5, 6]},
         "pick": "naive_f", "expected": [1, 3, 6, 10, 15, 21], "tolerance": 0},
    ],
}
