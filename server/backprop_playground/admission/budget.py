"""Admission control: what a request will cost, estimated from shapes before any of the work starts.

Work (rows × parameters, the multiply-adds of one forward pass) is a limit: `step_work` for one training
step (checked when a model is created and before each step), `request_work` for a trace, predictions or
a grid; over it the request is refused with 422 naming the limit. Numbers in a response are limits too:
`trace_elements` for traces, `response_elements` for predictions and grids.

Memory is a budget in bytes: a request whose estimate exceeds `request_memory_mb` is refused with 413;
requests run only while the estimates of all running ones fit `memory_budget_mb` together, else 503 with
Retry-After (a semaphore counted in bytes). The estimates are upper bounds fitted to peaks measured with
tracemalloc (bench/bench_budget.py prints estimate and measurement side by side).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from backprop_playground.nets.limits import Limits
from backprop_playground.nets.model import Model
from backprop_playground.nets.net import count_parameters
from backprop_playground.wire import Encoding

F64 = 8
MB = 1 << 20
JSON_BYTES = 24  # bytes of one float64 written as JSON text (≈ 20 characters, and a separator)
F32_BYTES = 6  # … as float32 base64
LIST_BYTES = 64  # … as a Python float in a list that pydantic then writes as JSON
SUMMARY_NUMBERS = 4  # a summarised tensor: min, max, mean, std
BASE_BYTES = 1 << 20  # what any request allocates besides its arrays (code paths' caches, dicts, the loop)


class MemoryTooLarge(Exception):
    """One request would need more memory than `request_memory_mb`: 413."""

    def __init__(self, what: str, nbytes: int, limit: int) -> None:
        self.nbytes, self.limit = nbytes, limit
        super().__init__(f"{what} needs an estimated {_mb(nbytes)} MB of memory, more than the limit of "
                         f"{_mb(limit)} MB (request_memory_mb): use fewer rows, a batch_size or fewer units")


class MemoryBusy(Exception):
    """The running requests hold so much of `memory_budget_mb` that this one does not fit now: 503."""

    def __init__(self, nbytes: int, used: int, total: int, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"the server's memory budget (memory_budget_mb = {_mb(total)} MB) is taken by "
                         f"running requests ({_mb(used)} MB); this one needs {_mb(nbytes)} MB; "
                         f"retry in {retry_after} s")


def _mb(nbytes: int) -> str:
    return f"{nbytes / MB:,.0f}" if nbytes >= MB else f"{nbytes / MB:.2f}"


class MemoryBudget:
    """Bytes reserved by running requests; thread-safe (reservations are made in CPU job threads)."""

    def __init__(self, total_bytes: int, request_bytes: int, retry_after: int = 1) -> None:
        self.total = max(1, int(total_bytes))
        self.request = max(1, min(int(request_bytes), self.total))
        self.retry_after = retry_after
        self.used = 0
        self.peak = 0
        self._lock = threading.Lock()

    def check(self, nbytes: int, what: str = "this request") -> None:
        """MemoryTooLarge when one request of `nbytes` could never run."""
        if nbytes > self.request:
            raise MemoryTooLarge(what, nbytes, self.request)

    @contextmanager
    def reserve(self, nbytes: int, what: str = "this request") -> Iterator[None]:
        """Hold `nbytes` of the budget while the block runs; MemoryTooLarge or MemoryBusy instead."""
        nbytes = int(nbytes)
        self.check(nbytes, what)
        with self._lock:
            if self.used + nbytes > self.total:
                raise MemoryBusy(nbytes, self.used, self.total, self.retry_after)
            self.used += nbytes
            self.peak = max(self.peak, self.used)
        try:
            yield
        finally:
            with self._lock:
                self.used -= nbytes


# ---- estimates for a model ----
def _widths(model: Model) -> tuple[int, int, int]:
    """(features, Σ hidden pre-activation widths, output width)."""
    shapes = model.shapes
    return shapes[0].fan_in, sum(s.fan_out for s in shapes[:-1]), shapes[-1].fan_out


def step_rows(model: Model) -> int:
    """Rows one training step runs on: the batch size, or all training rows."""
    n = len(model.train_data.x)
    size = model.spec.batch_size
    return n if not size or size >= n else size


def compute_bytes(model: Model, rows: int) -> int:
    """Peak memory of a forward + backward + update over `rows` rows: per row ≈ 6 values per hidden unit
    (z = xW, z + b, h and their gradients), 20 per output column (the loss's temporaries; a mixture density
    output makes many), 2 per feature; per parameter ≈ 8 arrays (gradient, optimizer state, the updated
    value and its delta, a recorded copy)."""
    features, hidden, out = _widths(model)
    params = count_parameters(model.shapes)
    return BASE_BYTES + F64 * (rows * (6 * hidden + 20 * out + 2 * features) + 8 * params)


def forward_bytes(model: Model, rows: int) -> int:
    """Peak memory of a forward pass without gradients over `rows` rows (every layer's z and h are kept)."""
    features, hidden, out = _widths(model)
    return BASE_BYTES + F64 * rows * (features + 3 * hidden + 16 * out)


def trace_numbers(model: Model, rows: int, encoding: Encoding | None = None) -> int:
    """Numbers a trace of `rows` shown rows holds (an upper bound): each parameter tensor 5 times (value,
    gradient contribution and total, updated value and delta), per layer 10 tensors of rows × width, the
    loss head 20 of rows × output width. A tensor larger than `summary_over` counts as its 4 summaries."""
    over = None if encoding is None else encoding.summary_over

    def numbers(size: int, times: int) -> int:
        return times * (SUMMARY_NUMBERS if over is not None and size > over else size)

    decay = 7 if model.spec.weight_decay else 0  # W·W (value, contribution, total), 2 more edges into W
    total = numbers(rows * model.shapes[0].fan_in, 2)
    for s in model.shapes:
        total += numbers(s.fan_in * s.fan_out, 5 + decay) + numbers(s.fan_out, 5)
        total += numbers(s.fan_out, 5) if s.activation == "prelu" else 0
        total += numbers(rows * s.fan_out, 10)
    return total + numbers(rows * model.shapes[-1].fan_out, 20) + 64


def encoded_bytes(numbers: int, encoding: Encoding | None = None) -> int:
    """Bytes of `numbers` numbers in a response, as text (JSON) or float32 base64."""
    per = F32_BYTES if encoding is not None and encoding.tensors == "f32" else JSON_BYTES
    return numbers * per


def check_step(model: Model, limits: Limits, budget: MemoryBudget) -> None:
    """A model must be able to take a training step: `step_work` (422) and `request_memory_mb` (413). New
    models are checked when created; a model stored under larger limits is checked again by each request."""
    rows = step_rows(model)
    limits.check("step_work", rows * count_parameters(model.shapes))
    budget.check(compute_bytes(model, rows), f"a training step of this model ({rows} rows)")


@contextmanager
def step(model: Model, limits: Limits, budget: MemoryBudget, *, shown: int | None = None,
         encoding: Encoding | None = None, full: bool = False) -> Iterator[None]:
    """Admit training steps (`shown` None) or a traced step or trace showing `shown` rows; `full`: over all
    training rows (a trace), which is one request's work (`request_work`) rather than a step's."""
    rows = len(model.train_data.x) if full else step_rows(model)
    work = rows * count_parameters(model.shapes)
    limits.check("request_work" if full else "step_work", work)
    nbytes = compute_bytes(model, rows)
    what = f"a training step over {rows} rows"
    if shown is not None:
        numbers = trace_numbers(model, shown, encoding)
        limits.check("trace_elements", numbers)
        nbytes += encoded_bytes(numbers, encoding)
        what = f"a trace over {rows} rows"
    with budget.reserve(nbytes, what):
        yield


@contextmanager
def forward(model: Model, limits: Limits, budget: MemoryBudget, rows: int, columns: int,
            chunk: int | None = None) -> Iterator[None]:
    """Admit predictions for `rows` rows answering `columns` numbers each (in chunks of `chunk` rows)."""
    limits.check("request_work", rows * count_parameters(model.shapes))
    limits.check("response_elements", rows * columns)
    nbytes = forward_bytes(model, min(rows, chunk or rows)) + LIST_BYTES * rows * columns
    with budget.reserve(nbytes, f"predictions for {rows} rows"):
        yield


def model_bytes(model: Model) -> int:
    """Memory a live model keeps between requests: parameters, their zero placeholders and optimizer moments
    as arrays, the last saved state as lists of Python floats (≈ 40 bytes a number), the data, the history."""
    slots = {"adam": 2, "momentum": 1}.get(str(model.hyper.get("name")), 0)
    params = count_parameters(model.shapes)
    features, _, out = _widths(model)
    rows = len(model.train_data.x) + (0 if model.test_data is None else len(model.test_data.x))
    return (params * (2 * F64 + slots * F64 + 40 * (1 + slots)) + 3 * F64 * rows * (features + out)
            + 500 * len(model.history) + 64 * 1024)


def grid_columns(model: Model) -> int:
    """Numbers a prediction grid answers per point: the value, and for softmax the confidence and every
    class's probability, for a mixture density output π, μ and σ of each component."""
    out = model.spec.output
    if out.kind == "softmax":
        return 2 + out.units
    if out.kind == "mixture_density":
        return 1 + 3 * (out.components or 1)
    return 1


def expression_bytes(numbers: int) -> int:
    """Memory of an expression's trace of `numbers` numbers: the arrays, their gradients, the JSON text."""
    return numbers * (2 * F64 + JSON_BYTES)


def check_trace(model: Model, shown: int, encoding: Encoding | None = None, *, step: bool = True) -> None:
    """The limits of a stream's traced step (`step_work`) and of any trace it sends (`trace_elements`),
    checked before the work; the stream's steps run one at a time, so they reserve no memory."""
    if step:
        model.limits.check("step_work", step_rows(model) * count_parameters(model.shapes))
    model.limits.check("trace_elements", trace_numbers(model, shown, encoding))
