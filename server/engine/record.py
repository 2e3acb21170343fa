"""Recorder: an observer that captures the graph, every forward value and every gradient contribution.

    with Recorder(row_index=[0, 1, 2]) as rec:
        loss = net(x)            # ops build the graph as usual
        loss.backward()          # the recorder captures graph + forward values, then each backward edge
    rec.graph()                  # [{"id": "n0", "op": "leaf", "label": "x", "role": "input", ...}, ...]
    rec.events                   # [{"type": "forward", ...}, ..., {"type": "backward", ...}, ...]

Events are plain dicts shaped like trace schema v1 (contracts §2) but with ndarrays as values and without
"seq" (`trace()` numbers them). Node ids "n0", "n1", ... follow creation order, so the same seeded program
gives the same ids.

While the step runs the recorder only appends references to a log (a backward edge costs one tuple); the
dicts, ids, pending counts and row slices are built when `events` is first read. Values stay valid because
parameters (leaves with requires_grad) and views are copied when captured, op results are arrays the
engine never writes to again, and leaf gradients become read-only while recorded. Leaves without
requires_grad (data, constants) are referenced, not copied: replace their `.data` rather than writing into
it during a recording. Nothing here runs unless a recorder is active.
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from .labels import leaf_label, node_latex, op_label
from .tensor import Tensor, state

_by_seq = attrgetter("_seq")
_PASS = None  # log marker: a new backward pass starts (pending counts restart)


class Recorder:
    """Collects one step's graph and events; use as a context manager (nesting restores the outer one)."""

    def __init__(self, row_index=None):
        self.row_index = None if row_index is None else np.asarray(row_index, dtype=np.intp)
        self._nodes: list[Tensor] = []
        self._index: dict[Tensor, int] = {}
        self._phase: list[str] = []
        self._values: list[np.ndarray] = []
        self._role: dict[Tensor, str] = {}
        self._log: list = []  # node index | _PASS | (x, consumer, k, c, total) | ("update"|"metrics", ...)
        self._events: list[dict] = []
        self._events_at = 0  # len(self._log) when self._events was built
        self._outer = None

    def __enter__(self) -> Recorder:
        self._outer = state.recorder
        state.recorder = self
        return self

    def __exit__(self, *exc) -> bool:
        state.recorder = self._outer
        self._outer = None
        return False

    # ---- public ----
    def node_id(self, tensor: Tensor) -> str:
        """The id of `tensor` in this recording (capturing its graph first if it is new)."""
        i = self._index.get(tensor)
        return f"n{i}" if i is not None else self.capture(tensor)

    def capture(self, tensor: Tensor, phase: str = "forward") -> str:
        """Add every not-yet-recorded node `tensor` depends on, in creation order, with a forward event."""
        index = self._index
        new, seen, stack = [], set(), [tensor]
        while stack:
            node = stack.pop()
            if node in index or node in seen:
                continue
            seen.add(node)
            new.append(node)
            stack.extend(node._inputs)
        new.sort(key=_by_seq)
        for node in new:
            self._register(node, phase)
        return f"n{index[tensor]}"

    def mark(self, tensor: Tensor, role: str) -> None:
        """Give `tensor` a role in the recorded graph without changing the tensor."""
        self._role[tensor] = role

    def add_update(self, tensor: Tensor, value, delta) -> None:
        """Append an optimizer update event for parameter `tensor` (value after the step, delta applied)."""
        self.node_id(tensor)
        self._log.append(("update", tensor, np.array(value, copy=True), np.array(delta, copy=True)))

    def add_metrics(self, step: int, loss: float, accuracy: float | None = None) -> None:
        """Append a metrics event."""
        self._log.append(("metrics", int(step), float(loss), None if accuracy is None else float(accuracy)))

    @property
    def events(self) -> list[dict]:
        """All events so far as plain dicts (built on first read after new events arrived)."""
        if self._events_at != len(self._log):
            self._events = _materialize(self)
            self._events_at = len(self._log)
        return self._events

    def graph(self) -> list[dict]:
        """Recorded nodes in creation (topological) order as plain dicts (trace schema v1 `Node`s)."""
        latex: dict[Tensor, str] = {}
        labels: dict[Tensor, str] = {}
        nodes = []
        for i, node in enumerate(self._nodes):
            ident = f"n{i}"
            op = node._op
            if op is None:
                labels[node] = leaf_label(node, ident)
            else:
                labels[node] = op_label(node, [labels[x] for x in node._inputs])
            inputs = [f"n{self._index[x]}" for x in node._inputs]
            latex[node] = node_latex(node, labels[node], [latex[x] for x in node._inputs], inputs)
            nodes.append({
                "id": ident, "op": "leaf" if op is None else op.name, "label": labels[node],
                "role": self._role.get(node) or node.role, "shape": list(node.data.shape),
                "inputs": inputs, "latex": latex[node], "phase": self._phase[i],
            })
        return nodes

    def trace(self) -> dict:
        """{"schema_version": 1, "graph": {"nodes": ...}, "events": [...]} with "seq" numbered, ndarrays."""
        events = [{"seq": i, **e} for i, e in enumerate(self.events)]
        return {"schema_version": 1, "graph": {"nodes": self.graph()}, "events": events}

    # ---- engine hooks ----
    def _register(self, node: Tensor, phase: str) -> None:
        i = self._index[node] = len(self._nodes)
        self._nodes.append(node)
        self._phase.append(phase)
        value = node.data
        if node._op is None:
            if node.requires_grad:
                value = value.copy()
        elif value.base is not None:
            value = value.copy()
        self._values.append(value)
        self._log.append(i)

    def _begin_backward(self, root: Tensor) -> None:
        self.capture(root)
        if root._role is None and root._op is not None and root not in self._role:
            self._role[root] = "loss"
        self._log.append(_PASS)

    def _contribution(self, x: Tensor, consumer: Tensor, k: int, c, total) -> None:
        """One backward edge of a create_graph pass: the contribution's nodes are captured first."""
        self.capture(total, "backward")
        self._log.append((x, consumer, k, c.data, total.data))


def _per_row_flags(rec: Recorder) -> list[bool] | None:
    """Which nodes hold one entry per data row: batched leaves, and ops on them keeping the batch axis."""
    if rec.row_index is None:
        return None
    flags, batch = [], None
    for node in rec._nodes:
        shape = node.data.shape
        if node._op is None:
            if node.batched and shape and batch is None:
                batch = shape[0]
            flags.append(bool(node.batched and shape and shape[0] == batch))
        else:
            flags.append(bool(shape) and shape[0] == batch
                         and any(flags[rec._index[x]] for x in node._inputs))
    return flags


def _materialize(rec: Recorder) -> list[dict]:
    """Turn the log into trace-schema event dicts: ids, pending counts (counted backwards), row slices."""
    log, index, rows = rec._log, rec._index, rec.row_index
    flags = _per_row_flags(rec)

    def value(i, arr):
        if arr.__class__ is not np.ndarray:
            arr = np.asarray(arr)
        return arr[rows] if flags is not None and flags[i] else arr

    pending, counts = [0] * len(log), {}
    for j in range(len(log) - 1, -1, -1):
        entry = log[j]
        if entry is _PASS:
            counts = {}
        elif entry.__class__ is tuple and len(entry) == 5:
            pending[j] = counts.get(entry[0], 0)
            counts[entry[0]] = pending[j] + 1
    events = []
    for j, entry in enumerate(log):
        if entry.__class__ is int:
            events.append({"type": "forward", "node": f"n{entry}", "value": value(entry, rec._values[entry])})
        elif entry is _PASS:
            continue
        elif len(entry) == 5:
            x, consumer, k, c, total = entry
            i = index[x]
            events.append({"type": "backward", "node": f"n{i}", "from": f"n{index[consumer]}",
                           "input_index": k, "contribution": value(i, c), "total": value(i, total),
                           "pending": pending[j]})
        elif entry[0] == "update":
            events.append({"type": "update", "node": f"n{index[entry[1]]}", "value": entry[2],
                           "delta": entry[3]})
        else:
            events.append({"type": "metrics", "step": entry[1], "loss": entry[2], "accuracy": entry[3]})
    return events
