"""NumPy reverse-mode autograd that records every forward value and every gradient contribution.

Public API (contracts §1): `Tensor`, `no_grad`, `Recorder`, `grad_check`, `grad_check_node`, `OPS`,
`describe_ops`, `functional` (as `F`), `count_chain_rule_ops`. Imports no web library.
"""

from . import functional
from .counting import count_chain_rule_ops
from .gradcheck import GradCheckResult, grad_check, grad_check_node
from .ops import OPS, Op, describe_ops
from .record import Recorder
from .tensor import Tensor, no_grad

__all__ = [
    "OPS",
    "GradCheckResult",
    "Op",
    "Recorder",
    "Tensor",
    "count_chain_rule_ops",
    "describe_ops",
    "functional",
    "grad_check",
    "grad_check_node",
    "no_grad",
]
