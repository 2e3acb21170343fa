"""NumPy reverse-mode autograd that records every forward value and every gradient contribution.

    from backprop_playground.engine import Tensor, no_grad, Recorder, grad_check, OPS
    from backprop_playground.engine import functional as F

Modules, ground floor first:
- `ops` (+ `ops_math`, `ops_nn`): the op table `OPS`, every primitive once: forward, one VJP per input,
  LaTeX; `describe_ops()` for `GET /api/v1/ops`; `unbroadcast`, the one place gradients are summed back
  to an input's shape.
- `backend`: the namespaces VJPs compute with: ndarrays (fast path) or Tensors (create_graph).
- `state`: per-thread grad mode (`no_grad`) and active recorder.
- `tensor`: `Tensor`, the graph node. `autodiff`: the backward loop. `record`: `Recorder`.
- `functional`: activations, softmax family, losses. `gradcheck`: `grad_check`, `grad_check_node`.
  `counting`: `count_chain_rule_ops` for the "naive computation takes exponential time" lesson.

Imports no web library (a test checks it).
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
