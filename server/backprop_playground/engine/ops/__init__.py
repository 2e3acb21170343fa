"""The op table: every primitive once, with its forward, one VJP per input and the formulas the UI shows.

`table` holds the machinery (`Op`, `defop`, `OPS`, `describe_ops`) and imports no row; `math` (arithmetic,
linear algebra, shapes, reductions) and `nn` (activations, the softmax family, fused losses) hold the rows,
entered into `OPS` when this package loads them.
"""

from . import math, nn  # noqa: F401  (the rows: each module registers its ops into OPS)
from .table import OPS, Op, VariadicVjps, defop, describe_ops

__all__ = ["OPS", "Op", "VariadicVjps", "defop", "describe_ops"]
