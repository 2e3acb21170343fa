"""Recorder: an observer that captures the graph, every forward value and every gradient contribution.

    with Recorder(row_index=[0, 1, 2]) as rec:
        loss = net(x)            # ops build the graph as usual
        loss.backward()          # the recorder captures graph + forward values, then each backward edge
    rec.graph()                  # [{"id": "n0", "op": "leaf", "label": "x", "role": "input", ...}, ...]
    rec.events                   # [{"type": "forward", ...}, ..., {"type": "backward", ...}, ...]

Nodes: {"id": "n3", "op": "mul" | "leaf" | ..., "label": "x·y", "role": "input"|"param"|"const"|"op"|"loss",
"shape": [..], "inputs": ["n0", "n0"] (ordered, repeats kept), "latex": "x \\cdot y",
"phase": "forward"|"backward"} ("backward": made by a create_graph backward pass). The tensor that
`backward()` was called on has role "loss" unless its role was set (or `mark()` says otherwise).

Events, plain dicts shaped like trace schema v1 (docs/contracts.md §2) but with ndarrays as values and without
"seq". The recorder only observes: `nets/traces.py` builds traces from `graph()` and `events`, and `wire.py`
numbers and encodes them:
    {"type": "forward", "node", "value"}      in topological order
    {"type": "backward", "node" (receiving), "from" (consumer), "input_index", "contribution", "total",
     "pending"}                                one per (consumer, input) edge, consumers in reverse order
    {"type": "update", "node", "value", "delta"}   and   {"type": "metrics", "step", "loss", "accuracy"}
Node ids "n0", "n1", ... follow creation order, so the same seeded program gives the same ids. With
`row_index`, values of per-row nodes (leaves made with `batched=True`, and ops on them that keep the batch
axis) hold only those rows; graph shapes stay full.

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

from .gradmode import state
from .labels import gradient_names, leaf_label, node_latex, op_label
from .tensor import Tensor

_by_seq = attrgetter("_seq")
_PASS = None  # log marker: a new backward pass starts (pending counts restart)
# Filled by the package above (backprop_playground.notebook, on `import backprop_playground`): draws a
# recording as HTML for a notebook. The engine imports nothing above itself; it only calls what is set here.
html_renderer = None


class Recorder:
    """Collects one step's graph and events; use as a context manager (nesting restores the outer one)."""

    __slots__ = ("row_index", "copy_params", "_nodes", "_index", "_phase", "_values", "_role", "_snap",
                 "_log", "_added", "_resolved", "_events", "_events_at", "_outer", "_root", "_grads")

    def __init__(self, row_index=None, copy_params: bool = True):
        """`row_index`: rows of per-row nodes to keep in events (None: all). `copy_params=False` records
        parameter values by reference and makes them read-only instead of copying them: for callers
        that update parameters functionally (`p.data = p.data - lr * p.grad`), where copying 100k-entry
        weight matrices would be the main cost of recording; an in-place write then raises."""
        self.row_index = None if row_index is None else np.asarray(row_index, dtype=np.intp)
        self.copy_params = copy_params
        self._nodes: list[Tensor] = []
        self._index: dict[Tensor, int] = {}
        self._phase: list[str] = []
        self._values: list[np.ndarray] = []
        self._role: dict[Tensor, str] = {}
        self._snap: dict[Tensor, np.ndarray] = {}  # values copied before they could change in place
        # entries: ("capture", tensor, phase) | _PASS | (x, consumer, k, c, total) | ("update"|"metrics", ...)
        self._log: list = []
        self._added: dict[int, range] = {}  # log position → nodes registered there (forward events)
        self._resolved = 0  # log entries up to here have their nodes registered
        self._events: list[dict] = []
        self._events_at = 0  # len(self._log) when self._events was built
        self._outer = None
        self._root = None  # the tensor the current backward pass started from
        self._grads: list[tuple] = []  # create_graph passes: (x, consumer, c, total, root name) per edge

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
        self._resolve()
        i = self._index.get(tensor)
        return f"n{i}" if i is not None else self.capture(tensor)

    def capture(self, tensor: Tensor, phase: str = "forward") -> str:
        """Add every not-yet-recorded node `tensor` depends on, in creation order, with a forward event."""
        self._log.append(("capture", tensor, phase))
        self._resolve()
        return f"n{self._index[tensor]}"

    def mark(self, tensor: Tensor, role: str) -> None:
        """Give `tensor` a role in the recorded graph without changing the tensor."""
        self._role[tensor] = role

    def add_update(self, tensor: Tensor, value, delta) -> None:
        """Append an optimizer update event for parameter `tensor`: its value after the step and the delta
        applied. Arrays are kept as given (pass fresh ones), except the tensor's live `.data` or a view,
        which are copied since the next in-place update would change them."""
        data = tensor.data
        if value is data and self.copy_params:  # updated in place: the next update would change it
            value = value.copy()
        elif value is data and value.__class__ is np.ndarray and value.base is None:  # `_keep` inlined
            value.setflags(False)
        elif value.__class__ is not np.ndarray or value.base is not None or value is data:
            value = self._keep(value, tensor)
        if delta.__class__ is not np.ndarray or delta.base is not None or delta is data:
            delta = self._keep(delta, tensor)
        self._log.append(("update", tensor, value, delta))

    def add_metrics(self, step: int, loss: float, accuracy: float | None = None) -> None:
        """Append a metrics event."""
        self._log.append(("metrics", int(step), float(loss), None if accuracy is None else float(accuracy)))

    @property
    def events(self) -> list[dict]:
        """All events so far as plain dicts (built on first read after new events arrived)."""
        if self._events_at != len(self._log):
            self._resolve()
            self._events = _materialize(self)
            self._events_at = len(self._log)
        return self._events

    def graph(self) -> list[dict]:
        """Recorded nodes in creation (topological) order as plain dicts (trace schema v1 `Node`s)."""
        self._resolve()
        return graph_nodes(self._nodes, self._index, self._phase, self._role, self._grads)

    def structure(self) -> tuple | None:
        """Everything `graph()` is made of, to compare recordings: equal structures give equal graphs, so
        a caller recording the same program again (a model's next step) may reuse the graph it built.
        None for recordings with create_graph passes (their nodes are named after their edges)."""
        self._resolve()
        if self._grads:
            return None
        index, roles = self._index, self._role
        return tuple(
            (node._op, node.label, roles.get(node) or node.role, node.data.shape, node.requires_grad,
             node.data.item() if node._op is None and node.label is None and node.data.ndim == 0 else None,
             tuple([index[x] for x in node._inputs]), phase)
            for node, phase in zip(self._nodes, self._phase, strict=True))

    def _repr_html_(self) -> str | None:
        """In a notebook: the interactive stepper of this recording (None: the plain repr)."""
        return None if html_renderer is None else html_renderer(self)

    # ---- engine hooks ----
    def _keep(self, arr, tensor: Tensor) -> np.ndarray:
        """An array to hold in an event: views, and the live `.data` of a parameter, are copied (or, with
        copy_params=False, the live data is made read-only)."""
        if arr.__class__ is not np.ndarray:
            return np.asarray(arr)
        if arr.base is not None:
            return arr.copy()
        if arr is tensor.data:
            if self.copy_params:
                return arr.copy()
            arr.setflags(False)
        return arr

    def _begin_backward(self, root: Tensor, eager: bool) -> None:
        """A backward pass starts: note its graph (walked later, unless `eager`) and the loss role."""
        self._log.append(("capture", root, "forward"))
        if eager:
            self._resolve()
        if root._role is None and root._op is not None and root not in self._role:
            self._role[root] = "loss"
        self._root = root
        self._log.append(_PASS)

    def _contribution(self, x: Tensor, consumer: Tensor, k: int, c, total) -> None:
        """One backward edge of a create_graph pass: the contribution's nodes are captured first."""
        self.capture(total, "backward")
        self._log.append((x, consumer, k, c.data, total.data))
        self._grads.append((x, consumer, c, total, self._root.label or "L"))

    def _resolve(self) -> None:
        """Register the nodes of every capture (and of updated tensors) logged since the last call."""
        log = self._log
        for j in range(self._resolved, len(log)):
            entry = log[j]
            if entry.__class__ is tuple and len(entry) < 5:
                if entry[0] == "capture":
                    self._register(j, entry[1], entry[2])
                elif entry[0] == "update" and entry[1] not in self._index:
                    self._register(j, entry[1], "forward")
        self._resolved = len(log)

    def _register(self, j: int, tensor: Tensor, phase: str) -> None:
        index, snap = self._index, self._snap
        seen = {tensor}
        stack = [tensor]
        new = []
        while stack:
            node = stack.pop()
            if node not in index:
                new.append(node)
                for x in node._inputs:
                    if x not in seen:
                        seen.add(x)
                        stack.append(x)
        new.sort(key=_by_seq)
        start = len(self._nodes)
        for i, node in enumerate(new, start):
            index[node] = i
        self._nodes += new
        self._phase += [phase] * len(new)
        self._values += [snap[node] if node in snap else _snapshot(node) for node in new]
        self._added[j] = range(start, len(self._nodes))


def graph_nodes(nodes: list[Tensor], index: dict, phases: list[str], roles: dict,
                grads: list[tuple] = ()) -> list[dict]:
    """Node dicts with labels and LaTeX composed from the inputs' ones; the unlabelled gradient nodes of
    create_graph passes (`grads`: (x, consumer, contribution, total, root name) per edge) are named
    after what they are ("∂y/∂x ← 2·x", "∂y/∂x (2 of 3)", see `gradient_names`)."""
    latex: dict[Tensor, str] = {}
    labels: dict[Tensor, str] = {}
    named = gradient_names(grads, labels) if grads else {}
    out = []
    for i, node in enumerate(nodes):
        ident = f"n{i}"
        op = node._op
        if op is None:
            labels[node] = leaf_label(node, ident)
        elif node in named:
            labels[node] = named[node](labels)
        else:
            labels[node] = op_label(node, [labels[x] for x in node._inputs], elide=phases[i] == "backward")
        inputs = [f"n{index[x]}" for x in node._inputs]
        latex[node] = node_latex(node, labels[node], [latex[x] for x in node._inputs], inputs)
        out.append({
            "id": ident, "op": "leaf" if op is None else op.name, "label": labels[node],
            "role": roles.get(node) or node.role, "shape": list(node.data.shape),
            "inputs": inputs, "latex": latex[node], "phase": phases[i],
        })
    return out


def _snapshot(node: Tensor):
    """A node's value as recorded: parameters (leaves with requires_grad) and views are copied."""
    value = node.data
    if node._op is None:
        return value.copy() if node.requires_grad else value
    return value if value.base is None else value.copy()


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
        elif len(entry) == 5:
            pending[j] = counts.get(entry[0], 0)
            counts[entry[0]] = pending[j] + 1
    events = []
    added = rec._added
    for j, entry in enumerate(log):
        for i in added.get(j, ()):
            events.append({"type": "forward", "node": f"n{i}", "value": value(i, rec._values[i])})
        if entry is _PASS:
            continue
        if len(entry) == 5:
            x, consumer, k, c, total = entry
            i = index[x]
            events.append({"type": "backward", "node": f"n{i}", "from": f"n{index[consumer]}",
                           "input_index": k, "contribution": value(i, c), "total": value(i, total),
                           "pending": pending[j]})
        elif entry[0] == "update":
            events.append({"type": "update", "node": f"n{index[entry[1]]}", "value": entry[2],
                           "delta": entry[3]})
        elif entry[0] == "metrics":
            events.append({"type": "metrics", "step": entry[1], "loss": entry[2], "accuracy": entry[3]})
    return events
