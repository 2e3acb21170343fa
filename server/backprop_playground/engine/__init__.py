"""NumPy reverse-mode autograd that records every forward value and every gradient contribution.

    from backprop_playground.engine import Tensor, no_grad, Recorder, grad_check, OPS
    from backprop_playground.engine import functional as F

Modules, ground floor first; each imports only modules above it in this list (`tests/test_layers.py`
finds no import cycles):
- `kernels`: the NumPy kernels (stable sigmoid, softmax family, `unbroadcast`, the one place gradients are
  summed back to an input's shape, and the axis helpers), shared with `nets`.
- `gradmode`: per-thread grad mode (`no_grad`) and the active recorder.
- `ops/`: the op table `OPS`, every primitive once: forward, one VJP per input, LaTeX, inspector
  templates. `ops/table.py` holds `Op`, `defop` and `describe_ops()` (for `GET /api/v1/ops`) and imports
  no row; `ops/math.py` and `ops/nn.py` hold the rows, loaded by `ops/__init__.py`.
- `backend`: the namespaces VJPs compute with: ndarrays (`NB`, fast path) or, given `apply`, Tensors.
- `autodiff`: the backward loop. `tensor`: `Tensor`, the graph node; it builds the Tensor backend `TB` and
  makes `autodiff.backward` its `backward` method. `labels`, `record`: `Recorder`.
- `functional`: activations, softmax family, losses. `gradcheck`: `grad_check`, `grad_check_node`.
  `counting`: `count_chain_rule_ops` for the "naive computation takes exponential time" lesson.

Imports no web library (a test checks it).
"""

from . import functional
from .counting import count_chain_rule_ops
from .gradcheck import GradCheckResult, grad_check, grad_check_node
from .gradmode import no_grad
from .ops import OPS, Op, describe_ops
from .record import Recorder
from .tensor import Tensor

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
