"""The one place traces become JSON: schema_version, tensor encodings, seq numbers, NaN policy.

Its input is what `backprop_playground.nets.traces` builds (a trace, a model's Frame, an expression trace);
its output is wire-form data (`trace`, `frame`, `stream_trace`, `expression`) and the bytes of `dumps`.

NaN policy (docs/contracts.md §2): a non-finite number is the string "NaN", "Infinity" or "-Infinity",
never bare NaN (browsers' JSON.parse rejects it) and never null (orjson's choice). Tensors go out as
`{"shape", "data"}` (flat, row-major), as `{"shape", "dtype": "float32", "b64"}` (little-endian float32,
base64; NaN and ±Infinity survive as IEEE bits) or as `{"shape", "summary": {min, max, mean, std}}`.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import orjson

from backprop_playground.nets.traces import Frame

SCHEMA_VERSION = 1
TENSOR_KEYS = frozenset({"value", "contribution", "total", "delta"})
_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


@dataclass(frozen=True)
class Encoding:
    """How a client wants tensors: plain JSON or float32 base64, and summaries above a size."""

    tensors: Literal["json", "f32"] = "json"
    summary_over: int | None = None  # tensors with more elements are sent as {min, max, mean, std}


PLAIN = Encoding()


def number(value: Any) -> float | str | None:
    """A float for JSON: finite as is, non-finite as "NaN" / "Infinity" / "-Infinity"; None stays None."""
    if value is None:
        return None
    value = float(value)
    if math.isfinite(value):
        return value
    if value != value:
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _flat_with_strings(flat: np.ndarray) -> list[Any]:
    out = flat.tolist()
    for i in np.flatnonzero(~np.isfinite(flat)).tolist():
        out[i] = number(out[i])
    return out


def plain_array(values: Any) -> list[Any] | float | str:
    """Nested lists of a NumPy array (any shape) under the NaN policy, for REST bodies."""
    array = np.asarray(values)
    if array.ndim == 0:
        return number(array) if array.dtype.kind == "f" else array.item()
    if array.dtype.kind != "f" or np.isfinite(array).all():
        return array.tolist()
    flat = np.ascontiguousarray(array, dtype=np.float64).ravel()
    return np.array(_flat_with_strings(flat), dtype=object).reshape(array.shape).tolist()


def tensor(values: Any, encoding: Encoding = PLAIN) -> dict[str, Any]:
    """One tensor T of the trace schema in the requested encoding."""
    array = np.asarray(values)
    shape = list(array.shape)
    flat = np.ascontiguousarray(array).ravel()
    if flat.dtype.kind not in "fiu":
        flat = flat.astype(np.float64)
    if encoding.summary_over is not None and flat.size > encoding.summary_over:
        return {"shape": shape, "summary": summary(flat)}
    if encoding.tensors == "f32":
        raw = flat.astype("<f4", copy=False).tobytes()
        return {"shape": shape, "dtype": "float32", "b64": base64.b64encode(raw).decode("ascii")}
    if flat.dtype.kind == "f" and not np.isfinite(flat).all():
        return {"shape": shape, "data": _flat_with_strings(flat)}
    return {"shape": shape, "data": flat}


def summary(flat: np.ndarray) -> dict[str, float | str | None]:
    """min, max, mean and std of a tensor's elements (non-finite ones propagate as strings)."""
    if flat.size == 0:
        return {"min": None, "max": None, "mean": None, "std": None}
    return {
        "min": number(flat.min()),
        "max": number(flat.max()),
        "mean": number(flat.mean()),
        "std": number(flat.std()),
    }


_AS_IS = frozenset({str, int, bool, type(None)})


def _field(key: str, value: Any, encoding: Encoding) -> Any:
    if type(value) in _AS_IS:  # ids, labels, counts: most fields, so checked first and exactly
        return value
    if isinstance(value, np.ndarray):
        if value.ndim == 0 and key not in TENSOR_KEYS:
            return number(value) if value.dtype.kind == "f" else value.item()
        return tensor(value, encoding)
    if isinstance(value, float | np.floating):
        return number(value)
    if isinstance(value, np.integer | np.bool_):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value


def events(raw: Iterable[Mapping[str, Any]], encoding: Encoding = PLAIN) -> list[dict[str, Any]]:
    """Engine events in wire form, numbered by an increasing `seq` from 0."""
    if encoding.tensors != "json" or encoding.summary_over is not None:
        out = []
        for seq, event in enumerate(raw):
            item = {key: _field(key, value, encoding) for key, value in event.items()}
            item["seq"] = seq
            out.append(item)
        return out
    return _plain_events(raw)


def _plain_events(raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """`events` in plain JSON, the streaming hot path: float tensors go out as flat views (orjson writes
    them), and one finiteness check covers all of them; only if it fails is each tensor checked."""
    out, floats = [], []
    ndarray, as_is = np.ndarray, _AS_IS
    for seq, event in enumerate(raw):
        item = {}
        for key, value in event.items():
            cls = value.__class__
            if cls in as_is:
                item[key] = value
            elif cls is ndarray and value.dtype.kind == "f" and (value.ndim or key in TENSOR_KEYS):
                item[key] = tensor_ = {"shape": list(value.shape), "data": value.ravel()}
                floats.append(tensor_)
            else:
                item[key] = _field(key, value, PLAIN)
        item["seq"] = seq
        out.append(item)
    if floats and not _all_finite([t["data"] for t in floats]):
        for tensor_ in floats:
            flat = tensor_["data"]
            if not np.isfinite(flat).all():
                tensor_["data"] = _flat_with_strings(flat)
    return out


def _all_finite(flats: list[np.ndarray]) -> bool:
    return bool(np.isfinite(np.concatenate(flats) if len(flats) > 1 else flats[0]).all())


def graph(raw: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The recorder's graph ({"nodes": [...]} or a node list) in wire form."""
    nodes = raw["nodes"] if isinstance(raw, Mapping) else raw
    return {"nodes": [{key: _field(key, value, PLAIN) for key, value in node.items()} for node in nodes]}


def trace(
    raw: Mapping[str, Any], encoding: Encoding = PLAIN, *, step: int | None = None, with_graph: bool = True
) -> dict[str, Any]:
    """A whole trace {schema_version, step?, graph?, events, rows?} from a built trace (nets.traces)."""
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
    if step is not None:
        out["step"] = int(step)
    if with_graph:
        out["graph"] = graph(raw["graph"])
    with np.errstate(all="ignore"):  # a diverged trace's float32 cast or summary may overflow
        out["events"] = events(raw["events"], encoding)
    if raw.get("rows") is not None:
        out["rows"] = [int(row) for row in np.asarray(raw["rows"]).ravel().tolist()]
    return out


def frame(raw: Frame, encoding: Encoding = PLAIN, *, with_graph: bool = True) -> dict[str, Any]:
    """A model's traced step or trace (REST): the trace at its step, plus `diverged` when it diverged."""
    out = trace(raw.trace, encoding, step=raw.step, with_graph=with_graph)
    if raw.diverged is not None:
        out["diverged"] = raw.diverged
    return out


def stream_trace(raw: Frame, encoding: Encoding = PLAIN, *, with_graph: bool) -> dict[str, Any]:
    """The stream's `trace` message (docs/contracts.md §5): a frame, with `graph` when the client lacks it."""
    message = {"type": "trace", **frame(raw, encoding, with_graph=False)}
    if with_graph:
        message["graph"] = graph(raw.trace["graph"])
    return message


def expression(raw: Mapping[str, Any], encoding: Encoding = PLAIN) -> dict[str, Any]:
    """An expression trace (nets.traces.expression_trace): the trace plus source, mode, output, value,
    inputs, gradients and, in symbolic mode, gradient_nodes."""
    out = trace(raw, encoding)
    with np.errstate(all="ignore"):
        out.update(
            source=raw["source"],
            mode=raw["mode"],
            output=raw["output"],
            value=tensor(raw["value"], encoding),
            inputs=raw["inputs"],
            gradients={name: tensor(g, encoding) for name, g in raw["gradients"].items()},
        )
    if "gradient_nodes" in raw:
        out["gradient_nodes"] = raw["gradient_nodes"]
    return out


def dumps(value: Any) -> bytes:
    """JSON bytes of wire-form data (NumPy arrays in it are already finite, see `tensor`)."""
    return orjson.dumps(value, option=_OPTIONS, default=_fallback)


def script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element: no "</script>" or "<!--" can close or confuse it
    (the Python twin of packaging.js `scriptSafeJson`); NaN and ±Infinity as `dumps` writes them."""
    text = dumps(value).decode("utf-8")
    return text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _fallback(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return plain_array(value)
    if isinstance(value, np.generic):
        return number(value) if isinstance(value, np.floating) else value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
