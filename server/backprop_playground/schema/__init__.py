"""The wire's shapes as pydantic models, by audience (docs/contracts.md §2, §4, §5):

- `schema.api`: the NaN policy (`WireFloat`) and the bases of every REST request and response body
  (`RequestModel`, `WireModel`).
- `schema.trace`: traces (tensors, nodes, events) and the stream's messages; `trace_json_schema()` is what
  `GET /api/v1/schema/trace` serves.
- `schema.ws`: the stream's commands (client → server) and `parse_command`.

These models document and validate; the hot path never instantiates them (`wire.py` encodes traces
directly). Import the submodule you need; this package re-exports nothing.
"""
