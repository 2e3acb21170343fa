"""The fact kinds a lesson's facts compute with, registered by name in `KINDS`:

- `expression` (expression.py): an expression panel's value or a variable's gradient;
- graphs.py: chain rule, Jacobian products, the gradient table, symbol-to-symbol derivatives, operation
  counts (`softmax`, `jacobian`, `gradient_table`, `second_derivative`, `chain_counts`,
  `repeated_subexpressions`);
- models.py: model panels (`model`, `param_gradient`, `mdn_vs_gaussian`, `train_curves`, `folding_regions`);
- kinds.py: the registry (`kind`), the panel types of the kinds' arguments, `tolist` for their values;
- panels.py: what the kinds compute from panels (`panel_trace`, `trained_model`) and `varied` (other seeds,
  perturbed weights).
"""

from backprop_playground.nets.lessons.facts import expression, graphs, models  # noqa: F401  (they register)
from backprop_playground.nets.lessons.facts.kinds import KINDS, kind, tolist
from backprop_playground.nets.lessons.facts.panels import Variation, varied

__all__ = ["KINDS", "Variation", "kind", "tolist", "varied"]
