"""The pages' shared words: GET /api/v1/vocabulary (backprop_playground/vocabulary.py)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from backprop_playground.api.constant import ConstantJson
from backprop_playground.vocabulary import vocabulary

router = APIRouter(prefix="/vocabulary", tags=["ops"])


class SpecEnums(BaseModel):
    """The choices of a model spec (docs/contracts.md §3), in the order the studio offers them."""

    activation: list[str] = Field(examples=[["relu", "tanh"]])
    output_kind: list[str] = Field(examples=[["sigmoid", "softmax", "linear", "mixture_density"]])
    loss: list[str] = Field(examples=[["binary_cross_entropy", "cross_entropy", "mse", "mixture_nll"]])
    optimizer: list[str] = Field(examples=[["sgd", "momentum", "adam"]])


class Vocabulary(BaseModel):
    """What the pages would otherwise keep copies of. Every served page carries it already (a JSON script
    element `#vocabulary`); this route is for other clients."""

    symbols: dict[str, str] = Field(description="Each op's short symbol, as in \"0.3 from ‘·’\".",
                                    examples=[{"add": "+", "mul": "·", "sigmoid": "σ"}])
    tex: dict[str, str] = Field(
        description="A node label's characters in LaTeX; subscript digits become _{…}.",
        examples=[{"σ": "\\sigma ", "·": "\\cdot ", "ᵀ": "^{\\top}"}])
    enums: SpecEnums
    default_loss: dict[str, str] = Field(description="The loss of each output kind when a spec names none.",
                                         examples=[{"sigmoid": "binary_cross_entropy"}])


_VOCABULARY = ConstantJson(Vocabulary)


@router.get("", response_model=Vocabulary, summary="Op symbols, label LaTeX and the spec's choices")
def get_vocabulary(request: Request) -> Response:
    return _VOCABULARY.response(request, vocabulary)
