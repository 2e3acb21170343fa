"""Recorder: an observer that captures the graph, every forward value and every gradient contribution.

    with Recorder(row_index=[0, 1, 2]) as rec:
        loss = net(x)            # ops build the graph as usual
        loss.backward()          # the recorder captures graph + forward values, then each backward edge
    rec.graph()                  # [{"id": "n0", "op": "leaf", "label": "x", "role": "input", ...}, ...]
    rec.events                   # [{"type": "forward", ...}, ..., {"type": "backward", ...}, ...]

Events are plain dicts shaped like trace schema v1 (contracts §2) but with ndarrays as values and without
"seq" (`trace()` numbers them). Node ids "n0", "n1", ... follow creation order, so the same seeded program
gives the same ids. Recorded arrays are copies or arrays the engine never writes to again, so later in-place
parameter updates do not change them. Nothing here runs unless a recorder is active.
"""

from __future__ import annotations

from operator import attrgetter

import numpy as np

from .labels import leaf_label, node_latex, op_label
from .tensor import Tensor, state

_by_seq = attrgetter("_seq")


class Recorder:
    """Collects one step's graph and events; use as a context manager (nesting restores the outer one)."""

    def __init__(self, row_index=None):
        self.row_index = None if row_index is None else np.asarray(row_index, dtype=np.intp)
        self.events: list[dict] = []
        self._ids: dict[Tensor, str] = {}
        self._nodes: list[Tensor] = []
        self._phase: dict[Tensor, str] = {}
        self._role: dict[Tensor, str] = {}
        self._per_row: set[Tensor] = set()
        self._batch = None
        self._pending: dict[Tensor, int] = {}
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
        ident = self._ids.get(tensor)
        return ident if ident is not None else self.capture(tensor)

    def capture(self, tensor: Tensor, phase: str = "forward") -> str:
        """Add every not-yet-recorded node `tensor` depends on, in creation order, with a forward event."""
        new, seen, stack = [], set(), [tensor]
        while stack:
            node = stack.pop()
            if node in self._ids or node in seen:
                continue
            seen.add(node)
            new.append(node)
            stack.extend(node._inputs)
        new.sort(key=_by_seq)
        for node in new:
            self._register(node, phase)
        return self._ids[tensor]

    def mark(self, tensor: Tensor, role: str) -> None:
        """Give `tensor` a role in the recorded graph without changing the tensor."""
        self._role[tensor] = role

    def add_update(self, tensor: Tensor, value, delta) -> None:
        """Append an optimizer update event for parameter `tensor` (value after the step, delta applied)."""
        self.events.append({"type": "update", "node": self.node_id(tensor),
                            "value": np.array(value, copy=True), "delta": np.array(delta, copy=True)})

    def add_metrics(self, step: int, loss: float, accuracy: float | None = None) -> None:
        """Append a metrics event."""
        self.events.append({"type": "metrics", "step": int(step), "loss": float(loss),
                            "accuracy": None if accuracy is None else float(accuracy)})

    def graph(self) -> list[dict]:
        """Recorded nodes in creation (topological) order as plain dicts (trace schema v1 `Node`s)."""
        latex: dict[Tensor, str] = {}
        labels: dict[Tensor, str] = {}
        nodes = []
        for node in self._nodes:
            ident = self._ids[node]
            op = node._op
            if op is None:
                labels[node] = leaf_label(node, ident)
            else:
                labels[node] = op_label(node, [labels[x] for x in node._inputs])
            latex[node] = node_latex(node, labels[node], [latex[x] for x in node._inputs],
                                     [self._ids[x] for x in node._inputs])
            nodes.append({
                "id": ident, "op": "leaf" if op is None else op.name, "label": labels[node],
                "role": self._role.get(node) or node.role, "shape": list(node.data.shape),
                "inputs": [self._ids[x] for x in node._inputs], "latex": latex[node],
                "phase": self._phase[node],
            })
        return nodes

    def trace(self) -> dict:
        """{"schema_version": 1, "graph": {"nodes": ...}, "events": [...]} with "seq" numbered, ndarrays."""
        events = [{"seq": i, **e} for i, e in enumerate(self.events)]
        return {"schema_version": 1, "graph": {"nodes": self.graph()}, "events": events}

    # ---- engine hooks ----
    def _register(self, node: Tensor, phase: str) -> None:
        ident = self._ids[node] = f"n{len(self._nodes)}"
        self._nodes.append(node)
        self._phase[node] = phase
        if self.row_index is not None:
            self._classify_rows(node)
        value = node.data
        if value.__class__ is not np.ndarray:
            value = np.asarray(value)  # a NumPy scalar from a 0-d operation
        elif node in self._per_row:
            value = value[self.row_index]
        elif node._op is None or value.base is not None:
            value = value.copy()
        self.events.append({"type": "forward", "node": ident, "value": value})

    def _classify_rows(self, node: Tensor) -> None:
        shape = node.data.shape
        if node.batched and shape:
            if self._batch is None:
                self._batch = shape[0]
            if shape[0] == self._batch:
                self._per_row.add(node)
        elif shape and shape[0] == self._batch and any(x in self._per_row for x in node._inputs):
            self._per_row.add(node)

    def _begin_backward(self, root: Tensor, order: list[Tensor]) -> None:
        self.capture(root)
        if root._role is None and root._op is not None and root not in self._role:
            self._role[root] = "loss"
        pending = self._pending = {}
        for node in order:
            for x in node._inputs:
                if x.requires_grad:
                    pending[x] = pending.get(x, 0) + 1

    def _contribution(self, x: Tensor, consumer: Tensor, k: int, c, total) -> None:
        if isinstance(total, Tensor):
            self.capture(total, "backward")
            c, total = c.data, total.data
        left = self._pending[x] - 1
        self._pending[x] = left
        self.events.append({"type": "backward", "node": self._ids[x], "from": self._ids[consumer],
                            "input_index": k, "contribution": self._grad_value(x, c),
                            "total": self._grad_value(x, total), "pending": left})

    def _grad_value(self, x: Tensor, arr: np.ndarray) -> np.ndarray:
        if arr.__class__ is not np.ndarray:
            return np.asarray(arr)
        if x in self._per_row:
            return arr[self.row_index]
        return arr.copy() if arr.base is not None else arr
