"""Backprop Playground: an autograd engine that records backpropagation, and the server that shows it.

    from backprop_playground import Tensor, Recorder, show, show_lesson, remote_trace

`Tensor` and `Recorder` are the engine's (backprop_playground.engine); in a notebook a Recorder, `show(…)`
(an expression), `show_lesson(…)` (a lesson file) and `remote_trace(…)` draw the interactive stepper under
the cell (backprop_playground.notebook). Importing the package loads no web library.
"""

from backprop_playground import notebook as _notebook
from backprop_playground.engine import Recorder, Tensor
from backprop_playground.notebook import RemoteError, StepperView, remote_trace, show, show_lesson

__version__ = "0.1.0"
__all__ = ["Recorder", "RemoteError", "StepperView", "Tensor", "remote_trace", "show", "show_lesson"]

_notebook.register()
