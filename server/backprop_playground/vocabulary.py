"""The words the pages share with the server, said once here: each op's short symbol (the op table's),
a label's characters in LaTeX (engine/labels.py), and the model spec's choices (nets/spec.py). Served as
GET /api/v1/vocabulary and written into every page the server serves (and the offline file), so a page
reads it with no request of its own (web/js/shared/vocabulary.js)."""

from __future__ import annotations

import functools
import typing

from backprop_playground import wire
from backprop_playground.engine.labels import LABEL_TEX
from backprop_playground.engine.ops import OPS
from backprop_playground.nets import spec


@functools.cache
def vocabulary() -> dict:
    """{"symbols": op → symbol, "tex": character → LaTeX, "enums": choice → values, "default_loss": output
    kind → the loss it takes when the spec names none}."""
    optimizer = spec.OptimizerSpec.model_fields["name"].annotation
    return {
        "symbols": {name: op.symbol for name, op in OPS.items()},
        "tex": dict(LABEL_TEX),
        "enums": {
            "activation": list(typing.get_args(spec.Activation)),
            "output_kind": list(typing.get_args(spec.OutputKind)),
            "loss": list(typing.get_args(spec.LossName)),
            "optimizer": list(typing.get_args(optimizer)),
        },
        "default_loss": dict(spec.DEFAULT_LOSS),
    }


# Where a page carries the vocabulary: an empty JSON script element in web/*.html, filled as it is served.
SLOT = '<script type="application/json" id="vocabulary" data-fill="vocabulary"></script>'


@functools.cache
def _filled() -> str:
    return f'<script type="application/json" id="vocabulary">{wire.script_json(vocabulary())}</script>'


def fill(page: str) -> str:
    """`page` with its vocabulary slot (if it has one) holding the vocabulary."""
    return page.replace(SLOT, _filled())
