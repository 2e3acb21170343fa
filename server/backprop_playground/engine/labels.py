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


def op_label(node, input_labels: list[str], elide: bool = False) -> str:
    """The node's label, else the op's label template filled with input labels, else the op's symbol.
    With `elide`, a template too long with its inputs' labels is tried with long ones as "…" first
    ("(…)·0.5" rather than a bare "·")."""
    if node.label:
        return node.label
    op = node._op
    if "{0}" not in op.label:
        return op.label
    text = _fill(op, input_labels)
    if len(text) > MAX_LABEL and elide:
        short = [s if len(s) <= 4 else "…" for s in input_labels]
        if any(s != "…" for s in short):
            text = _fill(op, short)
    return text if len(text) <= MAX_LABEL else op.symbol


def _fill(op, input_labels: list[str]) -> str:
    parts = [f"({s})" if _COMPOUND.search(s) and len(input_labels) > 1 else s for s in input_labels]
    if op.name in ("add", "sub"):
        parts = input_labels
    return op.label.format(*parts)


# A label's characters in LaTeX: the one table, served to the pages (GET /api/v1/vocabulary, `tex`), which
# write labels in LaTeX by it too. A command ends in a space, so a letter after it stays a letter.
LABEL_TEX = {"ŷ": "\\hat{y}", "α": "\\alpha ", "β": "\\beta ", "σ": "\\sigma ", "λ": "\\lambda ",
             "μ": "\\mu ", "π": "\\pi ", "θ": "\\theta ", "‖": "\\|", "²": "^{2}", "·": " \\cdot ",
             "ᵀ": "^{\\top}", "−": "-", "×": " \\times "}


def _tex_name(label: str) -> str:
    """A label as a LaTeX symbol: "W₁" → "W_{1}", "ŷ" → "\\hat{y}", "∂L/∂h" → \\frac{∂L}{∂h} in LaTeX."""
    if label.startswith("∂") and "/∂" in label:
        top, bottom = label[1:].split("/∂", 1)
        return f"\\frac{{\\partial {_tex_name(top)}}}{{\\partial {_tex_name(bottom)}}}"
    plain = label.translate(_SUBSCRIPTS)
    match = re.fullmatch(r"([A-Za-z]+)_?(\d+)", plain)
    if match:
        return f"{match.group(1)}_{{{match.group(2)}}}"
    return "".join(LABEL_TEX.get(ch, ch) for ch in plain)


def _reference(node, k: int, x, tex: str, ident: str) -> str:
    """How input `k` appears in `node`'s formula: by name if it has one, its formula if short (in
    parentheses where the op's row asks for them, its `parens`), else h_<id>; braced if it has a sub- or
    superscript, so that a template's own subscript (`$a_i`) stays valid LaTeX."""
    if x._op is not None and x.label:
        tex = _tex_name(x.label)
    elif len(tex) > MAX_LATEX:
        tex = f"h_{{{ident[1:]}}}"
    elif x._op is not None and _COMPOUND.search(tex) and node._op.brackets(k):
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


def _operand(label: str) -> str:
    return f"({label})" if _COMPOUND.search(label) else label


def gradient_names(grads, labels: dict) -> dict:
    """Names for the unlabelled nodes a create_graph backward pass made, from its edges (x, consumer,
    contribution, total, root name), in order: a contribution to ∂y/∂x from consumer u is "∂y/∂x ← u"
    (just "∂y/∂x" when it is x's only one), the running total after j of n contributions "∂y/∂x (j of
    n)", the last one "∂y/∂x". Each name is a function of the labels, which are composed in graph order
    (x and u come before the nodes named after them)."""
    counts: dict = {}
    for x, _, _, _, root in grads:
        counts[x, root] = counts.get((x, root), 0) + 1
    seen: dict = {}
    names: dict = {}

    def name(t, make):
        if t.label is None and t._op is not None and t not in names:
            names[t] = make

    for x, consumer, c, total, root in grads:
        j = seen[x, root] = seen.get((x, root), 0) + 1
        n = counts[x, root]
        grad = lambda labels, x=x, root=root: f"∂{_operand(root)}/∂{_operand(labels[x])}"  # noqa: E731
        if n == 1:
            name(c, grad)
        else:
            name(c, lambda labels, g=grad, u=consumer: f"{g(labels)} ← {labels[u]}")
        if j > 1:
            name(total, grad if j == n else lambda labels, g=grad, j=j, n=n: f"{g(labels)} ({j} of {n})")
    return names
