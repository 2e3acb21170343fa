import jsonschema
import orjson
import pytest

from backprop_playground import wire
from backprop_playground.schema.trace import trace_json_schema
from backprop_playground.wire import Encoding
from tests.server.test_wire import NONFINITE, record

SCHEMA = trace_json_schema()


def validate(trace: dict) -> None:
    jsonschema.Draft202012Validator(SCHEMA).validate(orjson.loads(wire.dumps(trace)))


def test_schema_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize(
    "encoding",
    [Encoding(), Encoding(tensors="f32"), Encoding(summary_over=2)],
    ids=["json", "f32", "summary"],
)
def test_encoded_traces_match_the_schema(encoding):
    validate(wire.trace(record(), encoding, step=1))


def test_non_finite_values_match_the_schema():
    raw = record()
    raw["events"][0]["value"] = NONFINITE
    raw["events"][7]["loss"] = float("inf")
    validate(wire.trace(raw))


def test_schema_rejects_bare_null_data():
    trace = orjson.loads(wire.dumps(wire.trace(record())))
    trace["events"][0]["value"]["data"][0] = None
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(trace, SCHEMA)


def test_schema_rejects_unknown_event_type():
    trace = orjson.loads(wire.dumps(wire.trace(record())))
    trace["events"][0]["type"] = "sideways"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(trace, SCHEMA)


def test_stream_messages_are_in_the_schema():
    assert {"StreamTrace", "StreamError"} <= set(SCHEMA["$defs"])
