import base64
import json

import numpy as np
import orjson
import pytest

from backprop_playground import wire
from backprop_playground.wire import Encoding

NONFINITE = np.array([[1.5, np.nan], [np.inf, -np.inf]])


def record(n_rows: int = 3) -> dict:
    """An engine-like recording: plain dicts with ndarray values and no seq."""
    x = np.arange(n_rows * 2, dtype=float).reshape(n_rows, 2)
    w = np.array([[0.5], [-1.0]])
    out = x @ w
    return {
        "graph": [
            {"id": "n0", "op": "leaf", "label": "x", "role": "input", "shape": (n_rows, 2), "inputs": []},
            {"id": "n1", "op": "leaf", "label": "W", "role": "param", "shape": (2, 1), "inputs": []},
            {"id": "n2", "op": "matmul", "label": "x·W", "role": "op", "shape": [n_rows, 1],
             "inputs": ["n0", "n1"], "latex": "x W"},
            {"id": "n3", "op": "sum", "label": "L", "role": "loss", "shape": [], "inputs": ["n2"]},
        ],
        "events": [
            {"type": "forward", "node": "n0", "value": x},
            {"type": "forward", "node": "n1", "value": w},
            {"type": "forward", "node": "n2", "value": out},
            {"type": "forward", "node": "n3", "value": np.array(out.sum())},
            {"type": "backward", "node": "n2", "from": "n3", "input_index": 0,
             "contribution": np.ones((n_rows, 1)), "total": np.ones((n_rows, 1)), "pending": np.int64(0)},
            {"type": "backward", "node": "n1", "from": "n2", "input_index": 1,
             "contribution": x.T @ np.ones((n_rows, 1)), "total": x.T @ np.ones((n_rows, 1)), "pending": 0},
            {"type": "update", "node": "n1", "value": w - 0.1, "delta": np.full((2, 1), -0.1)},
            {"type": "metrics", "step": 1, "loss": np.float64(out.sum()), "accuracy": None},
        ],
        "rows": np.array([0, 1, 2][:n_rows]),
    }


def loads(value) -> dict:
    # The browser's JSON.parse rejects bare NaN; Python's json with parse_constant does the same check.
    def reject(name):
        raise ValueError(f"bare {name} in JSON")

    return json.loads(wire.dumps(value), parse_constant=reject)


def test_plain_tensor_is_flat_row_major():
    assert loads(wire.tensor(np.array([[1, 2], [3, 4]]))) == {"shape": [2, 2], "data": [1, 2, 3, 4]}


def test_non_contiguous_tensor_keeps_row_major_order():
    assert loads(wire.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]).T))["data"] == [1.0, 3.0, 2.0, 4.0]


def test_non_finite_values_become_strings():
    assert loads(wire.tensor(NONFINITE))["data"] == [1.5, "NaN", "Infinity", "-Infinity"]


def test_scalar_tensor_has_empty_shape():
    assert loads(wire.tensor(np.array(2.5))) == {"shape": [], "data": [2.5]}


def test_number_policy():
    values = (1, np.nan, np.inf, -np.inf, None)
    assert [wire.number(v) for v in values] == [1.0, "NaN", "Infinity", "-Infinity", None]


def test_f32_round_trips_including_non_finite():
    out = loads(wire.tensor(NONFINITE, Encoding(tensors="f32")))
    back = np.frombuffer(base64.b64decode(out["b64"]), dtype="<f4").reshape(out["shape"])
    assert out["dtype"] == "float32"
    np.testing.assert_array_equal(back, NONFINITE.astype(np.float32))


def test_summary_replaces_large_tensors_only():
    enc = Encoding(summary_over=3)
    big = loads(wire.tensor(np.arange(10.0), enc))
    assert big["shape"] == [10]
    assert big["summary"] == {"min": 0.0, "max": 9.0, "mean": 4.5, "std": pytest.approx(2.8723, abs=1e-4)}
    assert "data" in loads(wire.tensor(np.arange(3.0), enc))


def test_summary_of_non_finite_tensor_is_valid_json():
    assert loads(wire.tensor(NONFINITE, Encoding(summary_over=1)))["summary"]["max"] in ("NaN", "Infinity")


def test_plain_array_keeps_nesting_and_policy():
    assert wire.plain_array(NONFINITE) == [[1.5, "NaN"], ["Infinity", "-Infinity"]]
    assert wire.plain_array(np.array(np.nan)) == "NaN"


def test_trace_numbers_events_and_converts_every_field():
    out = loads(wire.trace(record(), step=1))
    assert out["schema_version"] == 1 and out["step"] == 1 and out["rows"] == [0, 1, 2]
    assert [e["seq"] for e in out["events"]] == list(range(8))
    assert out["graph"]["nodes"][0]["shape"] == [3, 2]
    assert out["events"][3]["value"] == {"shape": [], "data": [-6.0]}
    assert out["events"][4]["pending"] == 0 and out["events"][7]["loss"] == -6.0


def test_trace_without_graph():
    assert "graph" not in wire.trace(record(), with_graph=False)


def test_nan_loss_and_values_stay_valid_json():
    raw = record()
    raw["events"][7]["loss"] = float("nan")
    raw["events"][2]["value"] = np.full((3, 1), np.inf)
    out = loads(wire.trace(raw))
    assert out["events"][7]["loss"] == "NaN"
    assert out["events"][2]["value"]["data"] == ["Infinity"] * 3


def test_dumps_is_orjson_compatible_bytes():
    assert orjson.loads(wire.dumps(wire.trace(record())))["events"][0]["node"] == "n0"


def test_a_frame_carries_its_step_and_divergence_and_the_stream_message_its_graph_only_on_request():
    from backprop_playground.nets.traces import Frame

    frame = Frame(record(), 4, {"step": 5, "node": "n3", "message": "diverged"})
    rest = loads(wire.frame(frame))
    assert rest["step"] == 4 and rest["diverged"]["step"] == 5 and len(rest["graph"]["nodes"]) == 4
    message = loads(wire.stream_trace(frame, with_graph=False))
    assert message["type"] == "trace" and "graph" not in message
    assert {**message, "graph": rest["graph"]} == {"type": "trace", **rest}
    assert loads(wire.stream_trace(frame, with_graph=True))["graph"] == rest["graph"]


def _field_by_field(raw_events) -> list[dict]:
    """The plain encoding by its definition: every field through `wire.tensor` / `wire.number`."""
    out = []
    for seq, event in enumerate(raw_events):
        item = {key: wire._field(key, value, Encoding()) for key, value in event.items()}
        item["seq"] = seq
        out.append(item)
    return out


def _model_events() -> list[dict]:
    from backprop_playground.nets.model import Model
    from backprop_playground.nets.spec import XOR_EXAMPLE, ModelSpec

    model = Model(ModelSpec.model_validate(XOR_EXAMPLE))
    return model.take_step(record=True, rows=[0, 1, 2]).trace["events"]


def _variants() -> dict[str, list[dict]]:
    base = record()["events"]
    nonfinite = [dict(e) for e in base]
    nonfinite[2]["value"] = np.full((3, 1), np.inf)
    nonfinite[4]["contribution"] = NONFINITE
    mixed = [dict(e) for e in base]
    mixed[0]["value"] = base[0]["value"].astype(np.float32)  # not float64: field by field
    mixed[5]["contribution"] = np.array([[1], [2]])  # integers: field by field
    mixed[1]["extra"] = "a field of no known kind"
    model = _model_events()
    return {"record": base, "non-finite": nonfinite, "mixed": mixed, "a model's step": model}


@pytest.mark.parametrize("name", list(_variants()))
def test_the_plain_hot_path_writes_exactly_what_field_by_field_encoding_writes(name):
    """The streaming hot path (one finiteness check over every float tensor, flat views for orjson) must
    write byte for byte what encoding each field by itself gives (NaN policy, dtypes, unknown fields)."""
    events = _variants()[name]
    assert wire.dumps(wire.events(events)) == wire.dumps(_field_by_field(events))
