"""Seeded toy datasets of the lecture, and user data given inline or as CSV, validated."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from backprop_playground.nets.limits import DEFAULT_LIMITS, Limits, SpecError

Task = str  # "binary" | "multiclass" | "regression"
Rng = np.random.Generator
Pair = tuple[np.ndarray, np.ndarray]


@dataclass
class Dataset:
    """Rows x (n, d) float64 and targets y: (n,) labels for classification, (n,) or (n, k) for regression."""

    x: np.ndarray
    y: np.ndarray
    task: Task
    name: str = "data"
    n_classes: int | None = None
    feature_names: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.x.shape[0])

    def take(self, index: np.ndarray) -> Dataset:
        """The rows at `index`, same task and names."""
        return Dataset(self.x[index], self.y[index], self.task, self.name, self.n_classes, self.feature_names)


def _xor(n: int, noise: float, rng: Rng, classes: int) -> Pair:
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    index = np.arange(n) % 4
    x = corners[index] + (rng.normal(0.0, noise, (n, 2)) if noise > 0 else 0.0)
    return x, np.array([0.0, 1.0, 1.0, 0.0])[index]


def _circles(n: int, noise: float, rng: Rng, classes: int) -> Pair:
    y = (np.arange(n) % 2).astype(float)
    angle = rng.uniform(0.0, 2 * math.pi, n)
    radius = np.where(y == 1.0, 0.5, 1.0)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x + rng.normal(0.0, noise, x.shape), y


def _moons(n: int, noise: float, rng: Rng, classes: int) -> Pair:
    y = (np.arange(n) % 2).astype(float)
    angle = rng.uniform(0.0, math.pi, n)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = np.where(y[:, None] == 1.0, lower, upper)
    return x + rng.normal(0.0, noise, x.shape), y


def _spiral(n: int, noise: float, rng: Rng, classes: int) -> Pair:
    y = np.arange(n) % classes
    t = rng.uniform(0.0, 1.0, n)
    angle = y * (2 * math.pi / classes) + 4.0 * t + rng.normal(0.0, noise, n)
    x = np.stack([t * np.sin(angle), t * np.cos(angle)], axis=1)
    return x, y.astype(np.int64)


def _gaussians(n: int, noise: float, rng: Rng, classes: int) -> Pair:
    y = np.arange(n) % classes
    angle = 2 * math.pi * y / classes + math.pi / 4
    centres = 1.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = centres + rng.normal(0.0, noise, (n, 2))
    return x, (y.astype(float) if classes == 2 else y.astype(np.int64))


def _linear(n: int, noise: float, rng: Rng, classes: int) -> Pair:
    x = rng.uniform(-1.0, 1.0, (n, 2))
    score = x[:, 0] - 0.5 * x[:, 1] + 0.2 + rng.normal(0.0, noise, n)
    return x, (score > 0).astype(float)


def _sine(n: int, noise: float, rng: Rng, classes: int) -> Pair:
    x = rng.uniform(-math.pi, math.pi, (n, 1))
    return x, np.sin(x[:, 0]) + rng.normal(0.0, noise, n)


def _inverse_sine(n: int, noise: float, rng: Rng, classes: int) -> Pair:
    # Bishop (1994): t -> x = t + 0.3 sin(2πt) + noise is a function; predicting t from x is multimodal.
    t = rng.uniform(0.0, 1.0, n)
    x = t + 0.3 * np.sin(2 * math.pi * t) + rng.uniform(-noise, noise, n)
    return x[:, None], t


@dataclass(frozen=True)
class DatasetGenerator:
    """A named generator, what it is, its task and default size, noise and classes."""

    make: Callable[[int, float, np.random.Generator, int], tuple[np.ndarray, np.ndarray]]
    description: str
    task: Task
    n: int
    noise: float
    classes: int = 2

    def public(self) -> dict:
        """JSON-able description for the catalogue."""
        return {"description": self.description, "task": self.task, "n": self.n, "noise": self.noise,
                "classes": self.classes if self.task != "regression" else None}


DATASETS: dict[str, DatasetGenerator] = {
    "xor": DatasetGenerator(_xor, "The four XOR points (0,0)→0, (0,1)→1, (1,0)→1, (1,1)→0; n repeats them, "
                            "noise jitters them.", "binary", 4, 0.0),
    "circles": DatasetGenerator(_circles, "A ring (class 0) around a smaller circle (class 1).",
                                "binary", 200, 0.05),
    "moons": DatasetGenerator(_moons, "Two interleaving half-moons.", "binary", 200, 0.1),
    "spiral": DatasetGenerator(_spiral, "k spiral arms, one class each (classes = arms).",
                               "multiclass", 300, 0.2, 3),
    "gaussians": DatasetGenerator(_gaussians,
                                  "k Gaussian blobs on a circle, one class each; noise is their std.",
                                  "binary", 200, 0.5),
    "linear": DatasetGenerator(_linear, "Two classes split by a line (x₁ − x₂/2 + 0.2 > 0); noise blurs it.",
                               "binary", 100, 0.0),
    "sine": DatasetGenerator(_sine,
                             "y = sin(x) + Gaussian noise on x ∈ [−π, π]: a Gaussian-output regression.",
                             "regression", 200, 0.1),
    "inverse_sine": DatasetGenerator(_inverse_sine, "Bishop's inverse problem: x = t + 0.3 sin(2πt) + noise, "
                                     "predict t from x; several t fit one x (mixture density lesson).",
                                     "regression", 400, 0.05),
}
_ALIASES = {"inverse-sine": "inverse_sine", "inversesine": "inverse_sine"}


def make_dataset(name: str, n: int | None = None, noise: float | None = None, seed: int | None = None,
                 classes: int | None = None, limits: Limits = DEFAULT_LIMITS) -> Dataset:
    """Generate the named dataset: `n` rows, `noise`, `classes` (spiral arms, gaussian blobs), seeded."""
    key = _ALIASES.get(name, name)
    if key not in DATASETS:
        raise SpecError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    info = DATASETS[key]
    n = info.n if n is None else int(n)
    noise = info.noise if noise is None else float(noise)
    if n < 1:
        raise SpecError(f"dataset size n must be at least 1, got {n}")
    if noise < 0 or not math.isfinite(noise):
        raise SpecError(f"noise must be a finite number ≥ 0, got {noise}")
    limits.check("rows", n)
    k = info.classes if classes is None else int(classes)
    if k < 2:
        raise SpecError(f"classes must be at least 2, got {k}")
    limits.check("classes", k)
    x, y = info.make(n, noise, np.random.default_rng(0 if seed is None else seed), k)
    task = "multiclass" if (info.task != "regression" and k > 2) else info.task
    n_classes = None if task == "regression" else k
    names = [f"x{i + 1}" for i in range(x.shape[1])]
    return Dataset(np.ascontiguousarray(x, dtype=float), y, task, key, n_classes, names)


def infer_task(y: np.ndarray) -> tuple[Task, int | None]:
    """Classify targets: {0,1} → binary, other small non-negative integers → multiclass, else regression."""
    if y.ndim == 2 and y.shape[1] > 1:
        return "regression", None
    flat = y.reshape(-1)
    if flat.size and np.all(flat == np.round(flat)) and flat.min() >= 0:
        top = int(flat.max())
        if top <= 1:
            return "binary", 2
        return "multiclass", top + 1
    return "regression", None


def _as_dataset(x: np.ndarray, y: np.ndarray, names: list[str], limits: Limits, name: str) -> Dataset:
    limits.check("rows", x.shape[0])
    limits.check("features", x.shape[1])
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise SpecError("data must be finite numbers (no NaN or Infinity)")
    task, n_classes = infer_task(y)
    if task == "multiclass":
        limits.check("classes", n_classes)
        y = y.reshape(-1).astype(np.int64)
    elif task == "binary":
        y = y.reshape(-1).astype(float)
    elif y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    return Dataset(x, y, task, name, n_classes, names)


def dataset_from_inline(x: list, y: list, limits: Limits = DEFAULT_LIMITS) -> Dataset:
    """Validate inline rows `x` (list of equal-length number lists) and targets `y` (numbers or lists)."""
    if not isinstance(x, list | tuple) or not x:
        raise SpecError("x must be a non-empty list of rows")
    limits.check("rows", len(x))
    widths = {len(row) if isinstance(row, list | tuple) else -1 for row in x}
    if -1 in widths:
        raise SpecError("x must be a list of rows, each a list of numbers")
    if len(widths) != 1:
        first = len(x[0])
        bad = next(i for i, row in enumerate(x) if len(row) != first)
        raise SpecError(f"x is ragged: row {bad} has {len(x[bad])} values, row 0 has {first}")
    width = widths.pop()
    if width == 0:
        raise SpecError("x rows must have at least one feature")
    limits.check("features", width)
    if not isinstance(y, list | tuple) or len(y) != len(x):
        got = len(y) if isinstance(y, list | tuple) else type(y).__name__
        raise SpecError(f"y must have one target per row of x: {len(x)} rows, {got} targets")
    try:
        xa = np.asarray(x, dtype=float)
        ya = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise SpecError(f"x and y must contain numbers only ({exc})") from None
    if ya.ndim > 2:
        raise SpecError("y must be a list of numbers or of equal-length number lists")
    return _as_dataset(xa, ya, [f"x{i + 1}" for i in range(xa.shape[1])], limits, "inline")


def parse_csv(text: str, limits: Limits = DEFAULT_LIMITS) -> Dataset:
    """Parse CSV with a header row and numeric columns; the last column is the target."""
    try:  # newline="": lines may end in \n, \r\n or a lone \r (old Mac exports), as the csv module expects
        rows = [row for row in csv.reader(io.StringIO(text, newline="")) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise SpecError(f"the CSV cannot be read: {exc}") from None
    if not rows:
        raise SpecError("the CSV is empty: expected a header row and data rows")
    header = [cell.strip() for cell in rows[0]]
    if len(header) < 2:
        raise SpecError("the CSV needs at least two columns: features, then the target last")
    limits.check("features", len(header) - 1)
    body = rows[1:]
    if not body:
        raise SpecError("the CSV has a header but no data rows")
    limits.check("rows", len(body))
    values = np.empty((len(body), len(header)))
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise SpecError(f"CSV line {i + 2} has {len(row)} columns, the header has {len(header)}")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                where = f"CSV line {i + 2}, column {header[j]!r}"
                raise SpecError(f"{where}: {cell.strip()!r} is not a number") from None
    return _as_dataset(values[:, :-1].copy(), values[:, -1].copy(), header[:-1], limits, "csv")


def split(data: Dataset, test_fraction: float | None, seed: int) -> tuple[Dataset, Dataset | None]:
    """Seeded train/test split; no test set when `test_fraction` is empty or leaves no row on a side."""
    if not test_fraction:
        return data, None
    n_test = int(round(len(data) * test_fraction))
    if n_test < 1 or n_test >= len(data):
        raise SpecError(f"test_fraction {test_fraction} leaves no rows to train or test ({len(data)} rows)")
    order = np.random.default_rng([seed, 7]).permutation(len(data))
    return data.take(np.sort(order[n_test:])), data.take(np.sort(order[:n_test]))
