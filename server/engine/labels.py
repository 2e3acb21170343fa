"""Readable labels and LaTeX for recorded graph nodes ("x·y", "relu", "σ", "x \\cdot y + x")."""

from __future__ import annotations

import re

MAX_LABEL = 12
MAX_LATEX = 48
_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_COMPOUND = re.compile(r"[+\-−·/ ]")


def leaf_label(node, ident: str) -> str:
    """A leaf's own label, its value for a scalar constant ("0.5"), else "x<k>" after its id "n<k>"."""
    if node.label:
        return node.label
    if node.data.ndim == 0 and not node.requires_grad:
        return f"{float(node.data):g}"
    return "x" + ident[1:]


def op_label(node, input_labels: list[str]) -> str:
    """The node's label, else the op's label template filled with input labels, else the op's symbol."""
    if node.label:
        return node.label
    op = node._op
    if "{0}" not in op.label:
        return op.label
    parts = [f"({s})" if _COMPOUND.search(s) and len(input_labels) > 1 else s for s in input_labels]
    if op.name in ("add", "sub"):
        parts = input_labels
    text = op.label.format(*parts)
    return text if len(text) <= MAX_LABEL else op.symbol


_TEX = {"ŷ": "\\hat{y}", "α": "\\alpha", "β": "\\beta", "σ": "\\sigma", "λ": "\\lambda ", "μ": "\\mu",
        "π": "\\pi", "θ": "\\theta", "‖": "\\|", "²": "^{2}", "·": "\\cdot "}
# Ops whose formula sets an input beside an operator, so a compound input needs parentheses; the
# others delimit their inputs themselves (\max(0, a), \frac{a}{b}, e^{a}, \sqrt{a}, |a|, ...).
_NEEDS_PARENS = {"mul", "matmul", "linear", "pow", "neg", "transpose", "getitem", "log", "tanh", "sum",
                 "mean", "max", "mse", "bce_with_logits", "softmax_cross_entropy", "softmax", "log_softmax",
                 "logsumexp"}


def _tex_name(label: str) -> str:
    """A label as a LaTeX symbol: "W₁" → "W_{1}", "ŷ" → "\\hat{y}", "∂L/∂h" → \\frac{∂L}{∂h} in LaTeX."""
    if label.startswith("∂") and "/∂" in label:
        top, bottom = label[1:].split("/∂", 1)
        return f"\\frac{{\\partial {_tex_name(top)}}}{{\\partial {_tex_name(bottom)}}}"
    plain = label.translate(_SUBSCRIPTS)
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", plain)
    if match:
        return f"{match.group(1)}_{{{match.group(2)}}}"
    return "".join(_TEX.get(ch, ch) for ch in plain)


def _reference(node, k: int, x, tex: str, ident: str) -> str:
    """How input `k` appears in `node`'s formula: by name if it has one, its formula if short (in
    parentheses where the op needs them), else h_<id>; braced if it has a sub- or superscript, so that
    a template's own subscript (`$a_i`) stays valid LaTeX."""
    if x._op is not None and x.label:
        tex = _tex_name(x.label)
    elif len(tex) > MAX_LATEX:
        tex = f"h_{{{ident[1:]}}}"
    elif x._op is not None and _COMPOUND.search(tex):
        name = node._op.name
        if name in _NEEDS_PARENS or (name == "sub" and k == 1):
            tex = f"\\left({tex}\\right)"
    return "{" + tex + "}" if "_" in tex or "^" in tex else tex


def node_latex(node, label: str, input_latex: list[str], input_ids: list[str]) -> str:
    """LaTeX of one node: a leaf's name, or the op's formula over its inputs (see `_reference`)."""
    if node._op is None:
        return _tex_name(label)
    refs = [_reference(node, k, x, tex, ident)
            for k, (tex, ident, x) in enumerate(zip(input_latex, input_ids, node._inputs, strict=True))]
    names = dict(zip("abc", refs, strict=False), y="y", g="\\bar{y}")
    return node._op.latex_template.safe_substitute(names)
