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


def _tex_name(label: str) -> str:
    """A label as a LaTeX symbol: "W₁" → "W_{1}", "∂L/∂h" → "\\frac{\\partial L}{\\partial h}"."""
    if label.startswith("∂") and "/∂" in label:
        top, bottom = label[1:].split("/∂", 1)
        return f"\\frac{{\\partial {_tex_name(top)}}}{{\\partial {_tex_name(bottom)}}}"
    plain = label.translate(_SUBSCRIPTS)
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", plain)
    if match:
        return f"{match.group(1)}_{{{match.group(2)}}}"
    return plain


def node_latex(node, label: str, input_latex: list[str], input_ids: list[str]) -> str:
    """LaTeX of one node: a leaf's name, or the op's formula over its inputs' formulas (names if long)."""
    if node._op is None:
        return _tex_name(label)
    refs = []
    for tex, ident, x in zip(input_latex, input_ids, node._inputs, strict=True):
        if len(tex) > MAX_LATEX:
            tex = f"h_{{{ident[1:]}}}"
        elif x._op is not None and _COMPOUND.search(tex):
            tex = f"\\left({tex}\\right)"
        refs.append(tex)
    names = dict(zip("abc", refs, strict=False), y="y", g="\\bar{y}")
    if node._op.name in ("add", "sub") and len(input_latex[0]) <= MAX_LATEX:
        names["a"] = input_latex[0]  # a sum needs no parentheses on its left
    if node._op.name == "add" and len(input_latex[1]) <= MAX_LATEX:
        names["b"] = input_latex[1]
    return node._op.latex_template.safe_substitute(names)
